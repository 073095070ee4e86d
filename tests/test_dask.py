"""Dask arrays through cconv: lazy results equal, bit for bit, to the same call in memory, for
every border mode, kernel size, chunking, dtype and channel layout; no oversubscribed threads;
a dask.distributed cluster of worker processes; and an image larger than the memory its
pipeline may use, from Zarr on disk back to Zarr."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cconv
from cconv import _dask

da = pytest.importorskip("dask.array")

MODES = ["nearest", "reflect", "mirror", "wrap", "constant"]
RNG = np.random.default_rng(29)
KERNELS = {
    "1x1": np.array([[1.5]]),
    "3x3 random": RNG.uniform(-1, 1, (3, 3)),
    "4x6 even": RNG.uniform(-1, 1, (4, 6)),
    "5x5 gaussian": cconv.kernels.gaussian(1.0),
    "9x9 box": np.full((9, 9), 1 / 81),
    "23x2 beyond a chunk": RNG.uniform(-0.1, 0.1, (23, 2)),
    "70x45 beyond the image": RNG.uniform(0, 0.001, (70, 45)),
}
CHUNKINGS = {
    "one chunk": -1,
    "1-pixel rows": (1, 9, 2),
    "uneven": ((7, 1, 20, 3, 9), (5, 17, 8, 1, 6), (1, 2)),
}


def _image(dtype, shape=(40, 37, 3)):
    if np.dtype(dtype).kind == "f":
        return RNG.uniform(-50, 300, shape).astype(dtype)
    info = np.iinfo(dtype)
    return RNG.integers(max(info.min, -1000), min(info.max, 5000), shape).astype(dtype)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kernel", KERNELS, ids=list(KERNELS))
@pytest.mark.parametrize("chunking", CHUNKINGS, ids=list(CHUNKINGS))
@pytest.mark.parametrize("function", ["correlate", "convolve"])
def test_equal_to_the_call_in_memory(function, chunking, kernel, mode):
    image = _image(np.uint8)
    lazy = da.from_array(image, chunks=CHUNKINGS[chunking])
    result = getattr(cconv, function)(lazy, KERNELS[kernel], mode=mode, cval=7.5)
    expected = getattr(cconv, function)(image, KERNELS[kernel], mode=mode, cval=7.5)
    assert isinstance(result, da.Array)
    assert result.chunks == lazy.chunks and result.dtype == expected.dtype
    np.testing.assert_array_equal(result.compute(), expected)


@pytest.mark.parametrize(
    "dtype", [np.uint8, np.uint16, np.int16, np.int32, np.float32, np.float64, np.float16, np.int8]
)
@pytest.mark.parametrize(
    "shape, chunks", [((33, 41), (10, 7)), ((30, 28, 4), (8, 9, 1)), ((3, 21, 19, 2), (2, 5, 6, 1))]
)
def test_dtypes_channels_and_batches(dtype, shape, chunks):
    image = _image(dtype, shape)
    lazy = da.from_array(image, chunks=chunks)
    for kernel, options in [
        (KERNELS["4x6 even"], {"mode": "mirror", "dtype": np.float32}),
        (KERNELS["5x5 gaussian"], {"mode": "wrap"}),
        (KERNELS["9x9 box"], {"mode": "constant", "cval": -3}),
        (KERNELS["3x3 random"], {"mode": "reflect", "origin": (1, -1)}),
    ]:
        result = cconv.correlate(lazy, kernel, **options).compute()
        expected = cconv.correlate(image, kernel, **options)
        if _float_box(image, kernel):
            # the float box path's running sums restart at rows counted from the top of what
            # it is given: a chunk's rounding differs from the whole image's (cconv._dask)
            np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-3)
        else:
            np.testing.assert_array_equal(result, expected)


def _float_box(image, kernel):
    return image.dtype.kind == "f" and cconv.choose_method(kernel, image.dtype) == "box"


@pytest.mark.parametrize(
    "name, options",
    [
        ("blur", {"size": 5}),
        ("gaussian_blur", {"sigma": 2.0}),
        ("sharpen", {"amount": 2}),
        ("unsharp_mask", {"sigma": 1.5, "amount": 1.0}),
        ("emboss", {}),
        ("edges", {}),
        ("edges", {"method": "max"}),
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_named_filters(name, options, mode):
    image = _image(np.uint8, (45, 52, 3))
    lazy = da.from_array(image, chunks=(11, (20, 2, 30), 3))
    result = getattr(cconv, name)(lazy, mode=mode, **options)
    expected = getattr(cconv, name)(image, mode=mode, **options)
    np.testing.assert_array_equal(result.compute(), expected)
    lazy_filter = cconv.filter(lazy, "outline", offset=128, mode=mode)
    np.testing.assert_array_equal(
        lazy_filter.compute(), cconv.filter(image, "outline", offset=128, mode=mode)
    )


def test_the_path_is_the_whole_images():
    """A kernel for which 'auto' takes the FFT on the whole image: the chunks take it too. Its
    float32 tiles lie elsewhere in a chunk, so a result may differ by 1 where the exact value
    is within the FFT's error of a rounding tie (as it may from the reference)."""
    image = _image(np.uint8, (400, 380))
    kernel = RNG.uniform(0, 1, (63, 63))
    kernel /= kernel.sum()
    assert cconv.choose_method(kernel, "uint8", image.shape, 1) == "fft"
    lazy = da.from_array(image, chunks=(150, 200))
    chunked = cconv.correlate(lazy, kernel, threads=1).compute().astype(int)
    whole = cconv.correlate(image, kernel, threads=1).astype(int)
    assert np.abs(chunked - whole).max() <= 1
    assert np.count_nonzero(chunked != whole) <= image.size // 10000
    np.testing.assert_array_equal(
        cconv.correlate(lazy, kernel, method="direct").compute(),
        cconv.correlate(image, kernel, method="direct"),
    )


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_chunking(data):
    height, width = data.draw(st.integers(1, 30)), data.draw(st.integers(1, 30))
    rows = _split(data, height)
    columns = _split(data, width)
    kernel = RNG.uniform(-1, 1, (data.draw(st.integers(1, 12)), data.draw(st.integers(1, 12))))
    mode = data.draw(st.sampled_from(MODES))
    function = data.draw(st.sampled_from([cconv.correlate, cconv.convolve]))
    image = _image(np.float32, (height, width))
    lazy = da.from_array(image, chunks=(rows, columns))
    np.testing.assert_array_equal(
        function(lazy, kernel, mode=mode, cval=2.0).compute(),
        function(image, kernel, mode=mode, cval=2.0),
    )


def _split(data, length):
    sizes = []
    while sum(sizes) < length:
        sizes.append(data.draw(st.integers(1, length - sum(sizes))))
    return tuple(sizes)


def test_nothing_is_computed_before_compute():
    calls = []

    def make(block):
        if block.size:  # dask calls it on empty arrays to learn the result's type
            calls.append(block.shape)
        return block

    source = da.zeros((60, 60), chunks=20, dtype=np.uint8).map_blocks(
        make, dtype=np.uint8, meta=np.empty((0, 0), np.uint8)
    )
    lazy = cconv.gaussian_blur(cconv.correlate(source, KERNELS["3x3 random"]), sigma=2)
    assert calls == [] and isinstance(lazy, da.Array)
    lazy.compute()
    assert calls


def test_bad_arguments_raise_at_the_call():
    lazy = da.zeros((20, 20), chunks=10)
    with pytest.raises(ValueError, match="mode"):
        cconv.correlate(lazy, np.ones((3, 3)), mode="edge")
    with pytest.raises(ValueError, match="kernel"):
        cconv.correlate(lazy, np.ones((0, 3)))
    with pytest.raises(ValueError, match="out"):
        cconv.correlate(lazy, np.ones((3, 3)), out=np.zeros((20, 20)))
    with pytest.raises(ValueError, match="image"):
        cconv.correlate(da.zeros((2, 3, 4, 5, 6)), np.ones((3, 3)))
    unknown = da.zeros((20, 20), chunks=10)[da.ones(20, chunks=10) > 0]  # rows (nan, nan)
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        cconv.blur(unknown)


def test_one_engine_thread_per_dask_task_by_default(monkeypatch):
    seen = []
    real = _dask.call_blocks

    def spy(function, *args, **kwargs):
        seen.append((args, kwargs))
        return real(function, *args, **kwargs)

    monkeypatch.setattr(_dask, "call_blocks", spy)
    lazy = da.zeros((20, 20), chunks=10, dtype=np.uint8)
    cconv.correlate(lazy, np.ones((3, 3)))
    cconv.blur(lazy, threads=3)
    assert seen[0][0][6] == 1  # _filter's threads
    assert seen[1][1]["threads"] == 3


def test_import_cconv_does_not_import_dask(tmp_path):
    code = (
        "import sys, numpy, cconv; cconv.correlate(numpy.zeros((4, 4)), [[1.0]]); "
        "cconv.blur(numpy.zeros((4, 4))); print('dask' in sys.modules)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    assert run.stdout.strip() == "False", run.stderr


def test_on_a_distributed_cluster_of_processes():
    distributed = pytest.importorskip("distributed")
    image = _image(np.uint8, (120, 90, 3))
    lazy = da.from_array(image, chunks=(50, 40, 3))
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster) as client:
            futures = client.compute(
                [
                    cconv.convolve(lazy, KERNELS["4x6 even"], mode="wrap"),
                    cconv.edges(lazy, mode="mirror"),
                ]
            )
            convolved, edges = client.gather(futures)
    np.testing.assert_array_equal(
        convolved, cconv.convolve(image, KERNELS["4x6 even"], mode="wrap")
    )
    np.testing.assert_array_equal(edges, cconv.edges(image, mode="mirror"))


LARGER_THAN_MEMORY = textwrap.dedent("""
    import json, resource, sys
    import dask, dask.array as da, zarr, cconv, cconv.dask
    source, target = sys.argv[1], sys.argv[2]
    dask.config.set(scheduler="threads", num_workers=2)
    image = da.from_zarr(source)
    cconv.gaussian_blur(image[:64, :64], sigma=3.0).compute()  # zarr's codecs loaded first
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    blurred = cconv.gaussian_blur(image, sigma=3.0, mode="reflect")
    output = zarr.open_array(target, mode="w", shape=image.shape, chunks=image.chunksize,
                             dtype=blurred.dtype)
    cconv.dask.store(blurred, output)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"before_kib": before, "peak_kib": after}))
""")


def test_larger_than_memory_from_zarr_to_zarr(tmp_path):
    """A 256 MiB image on disk (65536 x 4096, chunks of 1024 x 1024), blurred band by band
    back to disk: the process grows by less than a fifth of the image (about three rows of
    chunks, 12 MiB, plus Dask's and zarr's own); tiles of the result equal cconv on those tiles
    in memory, with the kernel's reach around them."""
    pytest.importorskip("zarr")
    height, width, chunk = 65536, 4096, 1024
    source, target = str(tmp_path / "in.zarr"), str(tmp_path / "out.zarr")
    noise = da.random.default_rng(7).integers(0, 256, (height, width), chunks=chunk, dtype=np.uint8)
    noise.to_zarr(source)
    run = subprocess.run(
        [sys.executable, "-c", LARGER_THAN_MEMORY, source, target],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
        cwd=tmp_path,
    )  # not a clone's root, whose cconv/ would shadow the build
    assert run.returncode == 0, run.stderr[-3000:]
    usage = json.loads(run.stdout.strip().splitlines()[-1])
    grew_mib = (usage["peak_kib"] - usage["before_kib"]) / 1024
    assert grew_mib < height * width / 2**20 / 5, f"the pipeline grew by {grew_mib:.0f} MiB"
    result, original = da.from_zarr(target), da.from_zarr(source)
    reach = cconv.kernels.gaussian(3.0).shape[0] // 2
    for top, left in [(0, 0), (30000, 1900), (height - 500, width - 700), (1020, 0)]:
        rows = slice(max(0, top - reach), min(height, top + 500 + reach))
        columns = slice(max(0, left - reach), min(width, left + 700 + reach))
        around = cconv.gaussian_blur(original[rows, columns].compute(), sigma=3.0, mode="reflect")
        tile = around[
            top - rows.start : top - rows.start + 500,
            left - columns.start : left - columns.start + 700,
        ]
        np.testing.assert_array_equal(result[top : top + 500, left : left + 700].compute(), tile)


def test_store_checks_the_targets_shape():
    from cconv import dask as cconv_dask

    with pytest.raises(ValueError, match="target"):
        cconv_dask.store(da.zeros((10, 10), chunks=5), np.zeros((10, 11)))
    target = np.zeros((10, 12))
    cconv_dask.store(cconv.blur(da.ones((10, 12), chunks=(3, 5))), target)
    np.testing.assert_array_equal(target, np.ones((10, 12)))
