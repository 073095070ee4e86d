"""Bad input gets a TypeError/ValueError naming the argument, never a crash or a wrong result."""

import numpy as np
import pytest

import cconv

IMAGE = np.zeros((6, 7), np.uint8)
KERNEL = np.ones((3, 3))


@pytest.mark.parametrize(
    ("image", "error", "match"),
    [
        (np.zeros((4, 4), bool), TypeError, "image"),
        (np.zeros((4, 4), complex), TypeError, "image"),
        (np.array([[object(), 1]], dtype=object), TypeError, "image"),
        (
            np.zeros((4, 4), np.longdouble) if np.dtype(np.longdouble).itemsize > 8 else "text",
            TypeError,
            "image",
        ),
        ([[1, 2], [3]], TypeError, "image"),
        (np.zeros(5), ValueError, r"image.*\(5,\)"),
        (np.zeros((1, 2, 3, 4, 5)), ValueError, "image"),
        (np.float64(3.0), ValueError, "image"),
    ],
    ids=["bool", "complex", "object", "long-double-or-text", "ragged", "1-D", "5-D", "scalar"],
)
def test_bad_image(image, error, match):
    with pytest.raises(error, match=match):
        cconv.correlate(image, KERNEL)


@pytest.mark.parametrize(
    ("kernel", "error", "match"),
    [
        ([[1.0, np.nan]], ValueError, "kernel.*finite"),
        ([[np.inf]], ValueError, "kernel.*finite"),
        (np.zeros((0, 3)), ValueError, "kernel.*1x1"),
        ([1.0, 2.0, 3.0], ValueError, r"kernel.*2-D.*\(3,\)"),
        (np.ones((2, 2, 2)), ValueError, "kernel.*2-D"),
        (np.ones((3, 3), complex), TypeError, "kernel"),
        (np.ones((3, 3), bool), TypeError, "kernel"),
        ("abc", TypeError, "kernel"),
        ([[1, 2], [3]], TypeError, "kernel"),
    ],
    ids=["nan", "inf", "empty", "1-D", "3-D", "complex", "bool", "text", "ragged"],
)
def test_bad_kernel(kernel, error, match):
    with pytest.raises(error, match=match):
        cconv.correlate(IMAGE, kernel)


@pytest.mark.parametrize("mode", ["edge", "NEAREST", "", None, 3, "grid-wrap"])
def test_bad_mode_lists_the_valid_names(mode):
    expected = "mode.*'nearest', 'reflect', 'mirror', 'wrap', 'constant'"
    with pytest.raises(ValueError, match=expected):
        cconv.convolve(IMAGE, KERNEL, mode=mode)


@pytest.mark.parametrize("threads", [0, -1, 1.5, "2", True, [2]])
def test_bad_threads(threads):
    with pytest.raises(ValueError, match="threads"):
        cconv.correlate(IMAGE, KERNEL, threads=threads)


def test_numpy_integer_threads_are_fine():
    cconv.correlate(IMAGE, KERNEL, threads=np.int64(2))


@pytest.mark.parametrize("cval", ["0", 1j, None, [1]])
def test_bad_cval(cval):
    with pytest.raises(TypeError, match="cval"):
        cconv.correlate(IMAGE, KERNEL, mode="constant", cval=cval)


@pytest.mark.parametrize(
    ("dtype", "error"), [(complex, ValueError), (bool, ValueError), ("not-a-dtype", TypeError)]
)
def test_bad_dtype(dtype, error):
    with pytest.raises(error, match="dtype"):
        cconv.correlate(IMAGE, KERNEL, dtype=dtype)


def test_bad_out():
    with pytest.raises(ValueError, match=r"out.*shape"):
        cconv.correlate(IMAGE, KERNEL, out=np.zeros((6, 8), np.uint8))
    with pytest.raises(ValueError, match="out.*dtype"):
        cconv.correlate(IMAGE, KERNEL, out=np.zeros((6, 7), complex))
    with pytest.raises(TypeError, match="out"):
        cconv.correlate(IMAGE, KERNEL, out=[[0] * 7] * 6)
    read_only = np.zeros((6, 7), np.uint8)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="out.*read-only"):
        cconv.correlate(IMAGE, KERNEL, out=read_only)
    with pytest.raises(ValueError, match="dtype.*out.dtype"):
        cconv.correlate(IMAGE, KERNEL, out=np.zeros((6, 7), np.uint8), dtype=np.float32)


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        cconv.correlate(IMAGE, KERNEL, "nearest")
