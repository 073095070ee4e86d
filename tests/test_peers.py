"""Cross-checks against scipy.ndimage and OpenCV, where they are installed."""

import numpy as np
import pytest

import cconv

MODES = ["nearest", "reflect", "mirror", "wrap", "constant"]


@pytest.mark.parametrize(
    "kernel_shape", [(1, 1), (3, 3), (4, 4), (2, 5), (6, 3), (15, 21)], ids=str
)
@pytest.mark.parametrize("mode", MODES)
def test_matches_scipy_ndimage(simd_level, mode, kernel_shape):
    ndimage = pytest.importorskip("scipy.ndimage")
    rng = np.random.default_rng(12)
    image = rng.standard_normal((13, 17, 3))
    kernel = rng.standard_normal(kernel_shape)
    kernel3d = kernel[:, :, None]  # scipy filters the channel axis too: give it length 1
    for ours, theirs in [(cconv.correlate, ndimage.correlate), (cconv.convolve, ndimage.convolve)]:
        expected = theirs(image, kernel3d, mode=mode, cval=1.5)
        np.testing.assert_allclose(
            ours(image, kernel, mode=mode, cval=1.5),
            expected,
            rtol=1e-12,
            atol=1e-12 * np.abs(expected).max(),
        )


def test_matches_scipy_on_single_pixel_lines_in_mirror_mode():
    ndimage = pytest.importorskip("scipy.ndimage")
    image = np.arange(5.0)[:, None]  # width 1: scipy falls back from mirror to nearest
    kernel = np.arange(15.0).reshape(3, 5)
    np.testing.assert_allclose(
        cconv.correlate(image, kernel, mode="mirror"),
        ndimage.correlate(image, kernel, mode="mirror"),
    )


@pytest.mark.parametrize("kernel_shape", [(3, 3), (5, 5), (1, 7), (4, 4)], ids=str)
@pytest.mark.parametrize("channels", [None, 3, 4])
def test_uint8_matches_opencv_filter2d_replicate(simd_level, kernel_shape, channels):
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(21)
    shape = (121, 97) if channels is None else (121, 97, channels)
    image = rng.integers(0, 256, size=shape).astype(np.uint8)
    kernel = rng.standard_normal(kernel_shape).astype(np.float32)
    anchor = (kernel_shape[1] // 2, kernel_shape[0] // 2)  # OpenCV's anchor is (x, y)
    expected = cv2.filter2D(image, -1, kernel, anchor=anchor, borderType=cv2.BORDER_REPLICATE)
    result = cconv.correlate(image, kernel)
    difference = np.abs(result.astype(int) - expected.astype(int))
    assert difference.max() <= 1
    assert (difference > 0).mean() <= 1e-3


@pytest.mark.parametrize(
    ("mode", "border"),
    [
        ("nearest", "BORDER_REPLICATE"),
        ("reflect", "BORDER_REFLECT"),
        ("mirror", "BORDER_REFLECT_101"),
        ("constant", "BORDER_CONSTANT"),
    ],
)
def test_float32_matches_opencv_border_modes(mode, border):
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(22)
    image = rng.standard_normal((40, 33, 3)).astype(np.float32)
    kernel = rng.standard_normal((5, 5)).astype(np.float32)
    expected = cv2.filter2D(image, -1, kernel, borderType=getattr(cv2, border))
    np.testing.assert_allclose(
        cconv.correlate(image, kernel, mode=mode), expected, rtol=0, atol=1e-4
    )
