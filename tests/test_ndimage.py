"""cconv.ndimage against scipy.ndimage: scipy's own test suite routed to cconv, the origin
argument of cconv.correlate / convolve, and the calls a drop-in must run natively (two axes of
an array with more) or forward."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cconv
from cconv import ndimage as cndi

scipy = pytest.importorskip("scipy")
sndi = pytest.importorskip("scipy.ndimage")

MODES = ["nearest", "reflect", "mirror", "wrap", "constant"]
RNG = np.random.default_rng(20261206)


def _scipy_version():
    return tuple(int(part) for part in scipy.__version__.split(".")[:2])


@pytest.mark.skipif(
    _scipy_version() < (1, 15),
    reason="scipy's filter tests use axes= and the array-API fixtures from scipy 1.15 on",
)
def test_scipy_filter_suite_passes_on_cconv(tmp_path):
    """scipy/ndimage/tests/test_filters.py with scipy.ndimage's convolution filters replaced
    by cconv.ndimage's (tests/scipy_routing.py lists the expected failures and why)."""
    environment = dict(os.environ, PYTHONPATH=str(Path(__file__).parent))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "scipy.ndimage.tests.test_filters",
            "-p",
            "scipy_routing",
            "-p",
            "no:cacheprovider",
            "-q",
            "-W",
            "ignore",
        ],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in summary and " failed" not in summary, summary


# --- origin on cconv.correlate / convolve -----------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", [(3, 3), (4, 4), (2, 5), (6, 1), (1, 2), (7, 6)])
@pytest.mark.parametrize("function", ["correlate", "convolve"])
def test_origin_matches_scipy(function, shape, mode):
    image = RNG.uniform(-4, 4, (13, 11))
    weights = RNG.uniform(-1, 1, shape)
    origins = {
        (int(oy), int(ox))
        for oy in (-(shape[0] // 2), 0, (shape[0] - 1) // 2)
        for ox in (-(shape[1] // 2), 0, (shape[1] - 1) // 2)
    }
    for origin in sorted(origins):
        ours = getattr(cconv, function)(image, weights, mode=mode, cval=1.25, origin=origin)
        theirs = getattr(sndi, function)(image, weights, mode=mode, cval=1.25, origin=origin)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, err_msg=str(origin))


@pytest.mark.parametrize("method", ["direct", "separable", "box", "fft"])
def test_origin_on_every_path(method):
    image = RNG.integers(0, 256, (40, 37, 3)).astype(np.uint8)
    weights = np.ones((6, 5)) / 30 if method != "direct" else RNG.uniform(-1, 1, (6, 5))
    for origin in [(-3, -2), (2, 2), (0, -1), 1]:
        ours = cconv.correlate(
            image, weights, mode="reflect", origin=origin, method=method, dtype=np.float64
        )
        theirs = sndi.correlate(
            image.astype(np.float64),
            weights[:, :, None],
            mode="reflect",
            origin=(*np.broadcast_to(origin, 2), 0),
        )
        np.testing.assert_allclose(ours, theirs, atol=1e-9)


@pytest.mark.parametrize("origin", [(2, 0), (0, -3), (-2, 0), 3, (1.0, 0), (0, 0, 0)])
def test_origin_out_of_range_is_a_value_error(origin):
    with pytest.raises(ValueError, match="origin"):
        cconv.correlate(np.ones((5, 5)), np.ones((3, 4)), origin=origin)


# --- cconv.ndimage beyond scipy's own tests


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_rank_any_axis_matches_scipy(data):
    """1-D and 2-D filters along any axes of arrays of rank 1 to 4, every layout the engine
    is given (column kernel, row kernel over channels, moved axis, axes apart)."""
    ndim = data.draw(st.integers(1, 4))
    shape = tuple(data.draw(st.lists(st.integers(1, 9), min_size=ndim, max_size=ndim)))
    if data.draw(st.booleans()) and ndim > 1:  # a long axis somewhere: the other layouts
        axis = data.draw(st.integers(0, ndim - 1))
        shape = shape[:axis] + (70,) + shape[axis + 1 :]
    image = np.random.default_rng(data.draw(st.integers(0, 99))).uniform(-9, 9, shape)
    mode = data.draw(st.sampled_from(MODES + ["grid-wrap", "grid-mirror", "grid-constant"]))
    count = data.draw(st.integers(1, min(2, ndim)))
    axes = tuple(data.draw(st.permutations(range(ndim)))[:count])
    sizes = [data.draw(st.integers(1, 5)) for _ in axes]  # the weights' axes: sorted(axes)
    # scipy matches origins to `axes` as given, or to the array's axes when all are filtered
    size_of = dict(zip(sorted(axes), sizes))
    targets = axes if len(axes) < ndim else range(ndim)
    origins = [data.draw(st.integers(-(size_of[a] // 2), (size_of[a] - 1) // 2)) for a in targets]
    weights = np.random.default_rng(len(shape)).uniform(-1, 1, sizes)
    name = data.draw(st.sampled_from(["correlate", "convolve"]))
    if len(axes) == 1 and data.draw(st.booleans()):
        name += "1d"
        call = dict(axis=axes[0], origin=origins[0], mode=mode, cval=0.5)
    else:
        call = dict(axes=axes, origin=origins, mode=mode, cval=0.5)
    ours = getattr(cndi, name)(image, weights, **call)
    theirs = getattr(sndi, name)(image, weights, **call)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    assert ours.flags.c_contiguous and ours.shape == image.shape


# --- more of cconv.ndimage ----------------------------------------------------


def test_two_axes_of_a_stack_run_on_the_engine_and_match_scipy(monkeypatch):
    stack = RNG.uniform(0, 255, (3, 20, 4, 17, 2)).astype(np.float32)
    weights = RNG.uniform(-1, 1, (5, 4))
    monkeypatch.setattr(cndi, "_scipy_ndimage", _no_scipy)  # nothing here may be forwarded
    for axes in [(1, 3), (0, 1), (3, 4), (-1, 1)]:
        ours = cndi.correlate(stack, weights, mode="mirror", axes=axes, origin=(1, -1))
        theirs = sndi.correlate(
            stack.astype(np.float64), weights, mode="mirror", axes=axes, origin=(1, -1)
        )
        np.testing.assert_allclose(ours, theirs, rtol=2e-6, atol=2e-3, err_msg=str(axes))
        assert ours.flags.c_contiguous
    image = RNG.integers(0, 256, (30, 40, 3)).astype(np.uint8)
    ours = cndi.gaussian_filter(image, 2.0, axes=(0, 1), output=np.float64)
    theirs = sndi.gaussian_filter(image, 2.0, axes=(0, 1), output=np.float64)
    np.testing.assert_allclose(ours, theirs, atol=1e-4)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.uint16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize(
    "name, args",
    [
        ("gaussian_filter", (1.5,)),
        ("uniform_filter", (4,)),
        ("sobel", (0,)),
        ("prewitt", (1,)),
        ("laplace", ()),
        ("gaussian_laplace", (1.0,)),
        ("gaussian_gradient_magnitude", (1.0,)),
    ],
)
def test_filters_round_scipy_float64_result(name, args, dtype):
    """Integer outputs are scipy's float64 result rounded to nearest and saturated; float
    outputs agree to float32's precision where the image is float32."""
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    high = min(info.max, 1000) if info else 1000.0
    image = RNG.uniform(0, high, (25, 31)).astype(dtype)
    for mode in MODES:
        ours = getattr(cndi, name)(image, *args, mode=mode, cval=3.0)
        exact = getattr(sndi, name)(image.astype(np.float64), *args, mode=mode, cval=3.0)
        assert ours.dtype == image.dtype
        if info:
            expected = np.clip(np.rint(exact), info.min, info.max)
            assert np.abs(ours.astype(np.float64) - expected).max() <= 1, mode
        else:
            tolerance = 1e-4 * high if dtype == np.float32 else 1e-9 * high
            np.testing.assert_allclose(ours, exact, atol=tolerance, err_msg=mode)


def test_separable_filters_follow_scipys_pass_order_next_to_cval():
    """scipy filters axis by axis; next to a nonzero cval the 2-D pass would differ."""
    image = RNG.uniform(-1, 1, (12, 15))
    for name, args in [
        ("sobel", (0,)),
        ("prewitt", (1,)),
        ("gaussian_filter", (1.0, 1)),
        ("uniform_filter", (3,)),
    ]:
        ours = getattr(cndi, name)(image, *args, mode="constant", cval=7.0)
        theirs = getattr(sndi, name)(image, *args, mode="constant", cval=7.0)
        np.testing.assert_allclose(ours, theirs, atol=1e-12, err_msg=name)


def test_output_array_and_input_left_alone():
    image = RNG.uniform(0, 1, (9, 10))
    before = image.copy()
    output = np.empty((9, 10), np.float32)
    returned = cndi.gaussian_filter(image, 1.0, output=output)
    assert returned is output
    np.testing.assert_allclose(output, sndi.gaussian_filter(image, 1.0), atol=1e-6)
    np.testing.assert_array_equal(image, before)
    copy = cndi.gaussian_filter(image, 0.0)  # no axis filtered: a copy, never the input
    assert copy is not image and np.shares_memory(copy, image) is False


def test_three_axis_weights_and_complex_input_are_forwarded_to_scipy():
    volume = RNG.integers(0, 200, (6, 7, 8)).astype(np.uint8)
    weights = RNG.uniform(0, 0.1, (3, 3, 3))
    ours = cndi.correlate(volume, weights)
    exact = sndi.correlate(volume.astype(np.float64), weights)
    np.testing.assert_array_equal(ours, np.clip(np.rint(exact), 0, 255))  # cconv's rounding
    signal = RNG.uniform(-1, 1, (8, 9)) + 1j * RNG.uniform(-1, 1, (8, 9))
    np.testing.assert_array_equal(cndi.uniform_filter(signal, 3), sndi.uniform_filter(signal, 3))


def test_without_scipy_forwarded_calls_say_so(monkeypatch):
    monkeypatch.setattr(cndi, "_scipy_ndimage", _no_scipy)
    with pytest.raises(ValueError, match="install scipy"):
        cndi.correlate(np.ones((4, 4, 4)), np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="install scipy"):
        cndi.correlate(np.ones((4, 4), complex), np.ones((2, 2)))


def _no_scipy(what):
    raise ValueError(f"cconv.ndimage: {what} is not done by cconv's engine; install scipy")


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: cndi.correlate(np.ones((4, 4)), np.ones((3, 3)), mode="edge"), RuntimeError),
        (lambda: cndi.correlate(np.ones((4, 4)), np.ones((3, 3)), mode="edge"), ValueError),
        (lambda: cndi.gaussian_filter(np.ones((4, 4)), [1.0, 2.0, 3.0]), RuntimeError),
        (lambda: cndi.correlate(np.ones((4, 4)), np.ones((3, 3)), origin=2), ValueError),
        (lambda: cndi.uniform_filter(np.ones((4, 4)), 3, axes=(0, 0)), ValueError),
        (lambda: cndi.uniform_filter(np.ones((4, 4)), 3, axes=(2,)), ValueError),
        (lambda: cndi.gaussian_filter1d(np.ones(4), 1.0, order=-1), ValueError),
        (lambda: cndi.gaussian_filter1d(np.ones(4), 1.0, radius=-1), ValueError),
        (lambda: cndi.correlate(np.ones((4, 4)), np.ones((3, 3)), output="no dtype"), TypeError),
    ],
)
def test_bad_arguments(call, error):
    with pytest.raises(error):
        call()


def test_gaussian_weights_match_the_derivatives_of_a_gaussian():
    x = np.arange(-6, 7.0)
    sigma = 1.7
    g = np.exp(-x * x / (2 * sigma**2))
    g /= g.sum()
    expected = {
        0: g,
        1: -x / sigma**2 * g,
        2: (x * x / sigma**2 - 1) / sigma**2 * g,
        3: (3 - x * x / sigma**2) * x / sigma**4 * g,
    }
    for order, kernel in expected.items():
        ours = cndi._gaussian_weights(sigma, order, 4.0, 6)[::-1]
        np.testing.assert_allclose(ours, kernel, rtol=1e-12, atol=1e-15)
