"""Time cconv on Dask arrays against dask-image and against cconv in memory, on one machine.

    python benchmarks/bench_dask.py                 # 20000 x 20000 gray and RGB uint8
    python benchmarks/bench_dask.py --side 8000     # smaller, quicker

A LocalCluster of worker processes (as many as CPUs, one thread each) holds the image, made
there and kept in memory (``persist``), in chunks of --chunk pixels a side. Each case is timed
as the time to compute the filtered array on the cluster and keep it there (``persist`` and
``wait``, no transfer to the client):

- cconv on the Dask array: ``cconv.correlate(image, kernel)`` (lazy, then persisted);
- dask-image: ``dask_image.ndfilters.correlate`` (scipy.ndimage under ``map_overlap``), or its
  ``uniform_filter`` for the box, the fastest dask-image call giving the same result;
- cconv in memory: the same call on the whole numpy array in this process, all threads;
- cconv on Dask's threaded scheduler (no cluster): the same array from that numpy array, in the
  same chunks, filtered by as many threads in this process (Dask's default on one machine).

Before timing, cconv's Dask result is checked equal to the in-memory one (bit for bit), and
dask-image's to within 1 of it (it truncates where cconv rounds). Calls that take long are
timed once (dask-image on 15x15 kernels takes minutes); the others are the best of --repeats.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import dask  # noqa: E402
import dask.array as da  # noqa: E402
import numpy as np  # noqa: E402
from distributed import Client, LocalCluster, wait  # noqa: E402

import cconv  # noqa: E402

try:
    from dask_image import ndfilters
except ImportError:
    ndfilters = None

CASES = {
    "5x5 Gaussian": cconv.kernels.gaussian(1.0, 5),
    "15x15 random": np.random.default_rng(15).uniform(0, 1, (15, 15)) / 112.5,
    "31x31 box": np.full((31, 31), 1 / 961),
}


def timed(client, make, repeats):
    """Best seconds of persisting make() on the cluster (once when a call takes over 5 s).
    The same call builds the same keys: each result is released, and the release given time
    to reach the scheduler, before the next, which would otherwise find it computed."""
    best = float("inf")
    for _ in range(repeats):
        time.sleep(1.0)
        start = time.perf_counter()
        result = make().persist()
        wait(result)
        best = min(best, time.perf_counter() - start)
        client.cancel(result)
        del result
        if best > 5:
            break
    return best


def timed_threads(make, repeats, workers):
    """Best seconds of persisting make() with Dask's threaded scheduler in this process."""
    best = float("inf")
    with dask.config.set(scheduler="threads", num_workers=workers):
        for _ in range(repeats):
            start = time.perf_counter()
            result = make().persist()
            best = min(best, time.perf_counter() - start)
            del result
    return best


def timed_in_memory(function, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def dask_image_call(image, kernel):
    if np.all(kernel == kernel.flat[0]):
        size = kernel.shape + (1,) * (image.ndim - 2)
        return ndfilters.uniform_filter(image, size=size, mode="nearest")
    weights = kernel.reshape(kernel.shape + (1,) * (image.ndim - 2))
    return ndfilters.correlate(image, weights, mode="nearest")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--side", type=int, default=20000)
    parser.add_argument("--chunk", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    workers = cconv.api.default_threads()
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        print(
            f"cconv {cconv.__version__}, {workers} worker processes x 1 thread; "
            f"images {options.side} x {options.side}, chunks {options.chunk}"
        )
        print(
            f"{'image':<6} {'kernel':<14} {'cconv on cluster s':>19} {'dask-image s':>13} "
            f"{'in memory s':>12} {'threaded s':>11} {'vs dask-image':>14} "
            f"{'cluster vs memory':>18} {'threaded vs memory':>19}"
        )
        for channels in (1, 3):
            shape = (options.side, options.side) + ((channels,) if channels > 1 else ())
            chunks = (options.chunk, options.chunk) + ((channels,) if channels > 1 else ())
            image = (
                da.random.default_rng(0)
                .integers(0, 256, shape, chunks=chunks, dtype=np.uint8)
                .persist()
            )
            wait(image)
            in_memory = image.compute()
            label = "RGB" if channels > 1 else "gray"
            for name, kernel in CASES.items():
                expected = cconv.correlate(in_memory, kernel)
                if not np.array_equal(cconv.correlate(image, kernel).compute(), expected):
                    print(f"{label:<6} {name:<14} not reported: differs from in memory")
                    continue
                ours = timed(client, lambda: cconv.correlate(image, kernel), options.repeats)
                memory = timed_in_memory(
                    lambda: cconv.correlate(in_memory, kernel), options.repeats
                )
                local = da.from_array(in_memory, chunks=chunks)
                threaded = timed_threads(
                    lambda: cconv.correlate(local, kernel), options.repeats, workers
                )
                theirs = float("nan")
                if ndfilters is not None:
                    # away from the crop's own right and bottom edges
                    sample = dask_image_call(image[:500, :500], kernel).compute()[:400, :400]
                    worst = np.abs(sample.astype(int) - expected[:400, :400]).max()
                    theirs = timed(client, lambda: dask_image_call(image, kernel), 1)
                    if worst > 1:
                        print(f"  (dask-image differs by {worst} near the top left)")
                print(
                    f"{label:<6} {name:<14} {ours:19.2f} {theirs:13.2f} {memory:12.2f} "
                    f"{threaded:11.2f} {theirs / ours:13.1f}x {ours / memory:17.2f}x "
                    f"{threaded / memory:18.2f}x"
                )
            in_memory = None  # (freed before the next image)
            client.cancel(image)


if __name__ == "__main__":
    main()
