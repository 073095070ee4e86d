"""Time cconv.ndimage against scipy.ndimage: the same call, the same arguments, in one run.

    python benchmarks/bench_ndimage.py            # 1080p gray and RGB, uint8 and float32
    python benchmarks/bench_ndimage.py --quick    # fewer repeats
    taskset -c 0 python benchmarks/bench_ndimage.py   # cconv on one thread (scipy always is)

Each row is one function on one image: the median time of each library over interleaved calls
(bench.median_times) and scipy / cconv, the speed-up. Before a row is reported, cconv's result
is checked against scipy's call on the image in float64: integer outputs within 1 of its
rounded result (cconv rounds where scipy truncates), float outputs within float32's or
float64's precision of the result's scale. On RGB images the filters act on the two image
axes only (``axes=(0, 1)``, or sigma/size 0/1 on the channel axis), as a user filtering a
photo would call them; sobel, prewitt and laplace have no such argument in scipy's signature
and filter the channel axis too, in both libraries.
"""

from __future__ import annotations

import argparse
import os
import platform

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy import ndimage as scipy_ndimage  # noqa: E402

import cconv  # noqa: E402
from cconv import ndimage as cconv_ndimage  # noqa: E402

from bench import median_times, photo_like  # noqa: E402

WEIGHTS_5X5 = np.random.default_rng(5).uniform(-1, 1, (5, 5))


def calls(rgb):
    """(label, function name, args, kwargs) for an image with or without a channel axis."""
    image_axes = {"axes": (0, 1)} if rgb else {}
    return [
        ("correlate 5x5 random", "correlate", (WEIGHTS_5X5,), image_axes),
        ("convolve 5x5 random", "convolve", (WEIGHTS_5X5,), image_axes),
        ("correlate1d [1,2,1] axis 0", "correlate1d", ([1.0, 2.0, 1.0],), {"axis": 0}),
        ("convolve1d [1,2,1] axis 1", "convolve1d", ([1.0, 2.0, 1.0],), {"axis": 1}),
        ("gaussian_filter sigma 2", "gaussian_filter", (2.0,), image_axes),
        ("gaussian_filter1d sigma 2", "gaussian_filter1d", (2.0,), {"axis": 0}),
        ("uniform_filter size 5", "uniform_filter", (5,), image_axes),
        ("uniform_filter1d size 5", "uniform_filter1d", (5,), {"axis": 1}),
        ("sobel axis 0", "sobel", (), {"axis": 0}),
        ("prewitt axis 1", "prewitt", (), {"axis": 1}),
        ("laplace", "laplace", (), image_axes),
        ("gaussian_laplace sigma 2", "gaussian_laplace", (2.0,), image_axes),
        ("gaussian_gradient_magnitude sigma 2", "gaussian_gradient_magnitude", (2.0,), image_axes),
    ]


def verify(name, image, args, kwargs, result):
    function = getattr(scipy_ndimage, name)
    if "axes" in kwargs:  # each channel alone (scipy's gaussian_gradient_magnitude with axes=
        # also smooths the other axes; cconv's does not, see cconv.ndimage)
        plain = {key: value for key, value in kwargs.items() if key != "axes"}
        channels = [
            function(image[..., c].astype(np.float64), *args, **plain)
            for c in range(image.shape[-1])
        ]
        reference = np.stack(channels, axis=-1)
    else:
        reference = function(image.astype(np.float64), *args, **kwargs)
    if result.dtype.kind in "iu":
        info = np.iinfo(result.dtype)
        expected = np.clip(np.rint(reference), info.min, info.max)
        worst = np.abs(result.astype(np.float64) - expected).max()
        return None if worst <= 1 else f"off by {worst}"
    scale = max(1.0, float(np.abs(reference).max()))
    worst = np.abs(result - reference).max() / scale
    return None if worst < 1e-4 else f"relative error {worst:.1e}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    options = parser.parse_args()
    repeats = 5 if options.quick else 15
    print(
        f"cconv {cconv.__version__} on {platform.processor() or platform.machine()}, "
        f"{cconv.api.default_threads()} threads for cconv; scipy "
        f"{__import__('scipy').__version__} (one thread)"
    )
    print(f"{'image':<18} {'call':<38} {'cconv ms':>9} {'scipy ms':>9} {'speed-up':>9}")
    for channels in (1, 3):
        for dtype in (np.uint8, np.float32):
            image = photo_like(1080, 1920, channels, dtype)
            label = f"1080p {'RGB' if channels == 3 else 'gray'} {np.dtype(dtype).name}"
            for title, name, args, kwargs in calls(channels == 3):
                ours = getattr(cconv_ndimage, name)
                theirs = getattr(scipy_ndimage, name)
                problem = verify(name, image, args, kwargs, ours(image, *args, **kwargs))
                if problem:
                    print(f"{label:<18} {title:<38} not reported: {problem}")
                    continue
                times = median_times(
                    {
                        "cconv": lambda: ours(image, *args, **kwargs),
                        "scipy": lambda: theirs(image, *args, **kwargs),
                    },
                    repeats,
                    budget=0.3,
                )
                print(
                    f"{label:<18} {title:<38} {times['cconv'] * 1e3:9.2f} "
                    f"{times['scipy'] * 1e3:9.2f} {times['scipy'] / times['cconv']:8.1f}x"
                )


if __name__ == "__main__":
    main()
