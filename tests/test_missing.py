"""nan_policy='omit' (normalised convolution) against a plain numpy reference and astropy."""

import numpy as np
import pytest

import cconv

from reference import PAD_MODES

MODES = ["nearest", "reflect", "mirror", "wrap", "constant"]


def omitting_reference(image, kernel, mode="nearest", cval=0.0, mask=None, convolve=False):
    """float64: sum of weight * pixel over the window's valid pixels / sum of their weights;
    NaN where no weight fell on a valid pixel."""
    image = np.asarray(image, np.float64)
    kernel = np.asarray(kernel, np.float64)
    if convolve:
        kernel = kernel[::-1, ::-1]
    kh, kw = kernel.shape
    top, left = (kh - 1) // 2 if convolve else kh // 2, (kw - 1) // 2 if convolve else kw // 2
    widths = [(top, kh - 1 - top), (left, kw - 1 - left)] + [(0, 0)] * (image.ndim - 2)
    valid = ~np.isnan(image)
    if mask is not None:
        valid &= ~np.broadcast_to(mask if mask.ndim == image.ndim else mask[..., None], image.shape)
    if mode == "constant":
        padded = np.pad(image, widths, constant_values=cval)
        padded_valid = np.pad(valid, widths, constant_values=not np.isnan(cval))
    else:
        padded = np.pad(image, widths, mode=PAD_MODES[mode])
        padded_valid = np.pad(valid, widths, mode=PAD_MODES[mode])
    values = np.where(padded_valid, padded, 0.0)
    height, width = image.shape[:2]
    total = np.zeros(image.shape)
    share = np.zeros(image.shape)
    for i in range(kh):
        for j in range(kw):
            total += kernel[i, j] * values[i : i + height, j : j + width]
            share += kernel[i, j] * padded_valid[i : i + height, j : j + width]
    with np.errstate(divide="ignore", invalid="ignore"):
        result = total / share
    result[share == 0] = np.nan
    return result


def holey(rng, shape, dtype=np.float64, share=0.1):
    image = rng.uniform(0, 100, shape).astype(dtype)
    image[rng.random(shape[:2]) < share] = np.nan
    return image


KERNELS = {
    "gaussian 5x5": cconv.kernels.gaussian(1.0, 5),
    "box 3x3": np.ones((3, 3)),
    "box 11x11 (box path)": np.ones((11, 11)),
    "random 4x7": np.random.default_rng(0).uniform(0.1, 1, (4, 7)),
    "row 1x5": np.array([[1.0, 2, 3, 2, 1]]),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", KERNELS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_equals_the_reference(mode, name, dtype):
    rng = np.random.default_rng(1)
    image = holey(rng, (23, 31), dtype)
    kernel = KERNELS[name]
    for convolve, function in ((False, cconv.correlate), (True, cconv.convolve)):
        got = function(image, kernel, mode=mode, cval=7.0, nan_policy="omit")
        expected = omitting_reference(image, kernel, mode, 7.0, convolve=convolve)
        assert got.dtype == dtype
        np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
        np.testing.assert_allclose(
            got,
            expected,
            rtol=1e-5 if dtype == np.float32 else 1e-12,
            atol=1e-3 if dtype == np.float32 else 1e-9,
        )


def test_nan_cval_is_missing_and_empty_windows_are_nan():
    image = np.full((6, 7), np.nan)
    image[0, 0] = 5.0
    got = cconv.correlate(image, np.ones((3, 3)), mode="constant", cval=np.nan, nan_policy="omit")
    expected = omitting_reference(image, np.ones((3, 3)), "constant", np.nan)
    np.testing.assert_array_equal(got, expected)
    assert got[0, 0] == 5.0 and got[1, 1] == 5.0 and np.isnan(got[3, 3])
    np.testing.assert_array_equal(
        cconv.correlate(np.full((4, 4), np.nan), np.ones((3, 3)), nan_policy="omit"),
        np.full((4, 4), np.nan),
    )


def test_without_missing_pixels_it_is_the_normalised_kernel():
    rng = np.random.default_rng(2)
    image = rng.uniform(0, 1, (20, 30))
    kernel = rng.uniform(0.5, 2, (5, 5))
    np.testing.assert_allclose(
        cconv.correlate(image, kernel, nan_policy="omit"),
        cconv.correlate(image, kernel / kernel.sum()),
        rtol=1e-12,
    )


@pytest.mark.parametrize("shape", [(15, 17, 3), (2, 15, 17, 2)])
def test_channels_batches_and_masks(shape):
    rng = np.random.default_rng(3)
    image = holey(rng, shape)
    image[..., 0][rng.random(image.shape[:-1]) < 0.2] = np.nan  # missing in one channel only
    mask = rng.random(shape[-3:-1]) < 0.1  # (H, W): every channel
    got = cconv.correlate(image, np.ones((3, 5)), nan_policy="omit", mask=mask, threads=2)
    images = image if image.ndim == 4 else image[None]
    for one, result in zip(images, got if image.ndim == 4 else got[None]):
        np.testing.assert_allclose(
            result, omitting_reference(one, np.ones((3, 5)), mask=mask[..., None]), rtol=1e-12
        )


def test_integer_images_with_a_mask():
    rng = np.random.default_rng(4)
    image = rng.integers(0, 256, (12, 14), dtype=np.uint8)
    mask = np.zeros(image.shape, bool)
    mask[3:6, 4:9] = True
    image_before = image.copy()
    got = cconv.gaussian_blur(image, 1.0, nan_policy="omit", mask=mask)
    expected = omitting_reference(image, cconv.kernels.gaussian(1.0), mask=mask)
    assert got.dtype == np.uint8
    assert np.abs(got.astype(float) - expected).max() <= 0.5 + 1e-3
    np.testing.assert_array_equal(image, image_before)
    filled = cconv.filter(image, "box", size=3, nan_policy="omit", mask=mask)
    assert filled.dtype == np.uint8


def test_out_offset_and_filters():
    rng = np.random.default_rng(5)
    image = holey(rng, (10, 12), np.float32)
    out = np.empty_like(image)
    result = cconv.correlate(image, np.ones((3, 3)), nan_policy="omit", out=out, offset=2.0)
    assert result is out
    np.testing.assert_allclose(out, omitting_reference(image, np.ones((3, 3))) + 2, rtol=1e-5)
    np.testing.assert_allclose(
        cconv.blur(image, 3, nan_policy="omit"),
        omitting_reference(image, np.ones((3, 3))),
        rtol=1e-5,
    )
    sharp = cconv.sharpen(image, nan_policy="omit")  # sums to 1: fine
    np.testing.assert_allclose(
        sharp, omitting_reference(image, cconv.kernels.sharpen()), rtol=1e-4, atol=1e-3
    )


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda a: cconv.correlate(a, [[1, -1]], nan_policy="omit"), ValueError, "sum to 0"),
        (lambda a: cconv.emboss(a, nan_policy="omit"), ValueError, "sum to 0"),
        (
            lambda a: cconv.correlate(a, np.ones((3, 3)), nan_policy="drop"),
            ValueError,
            "nan_policy",
        ),
        (
            lambda a: cconv.correlate(a, np.ones((3, 3)), mask=np.zeros((4, 4), bool)),
            ValueError,
            "mask",
        ),
        (
            lambda a: cconv.correlate(
                a, np.ones((3, 3)), nan_policy="omit", mask=np.zeros((3, 3), bool)
            ),
            ValueError,
            "mask",
        ),
        (
            lambda a: cconv.correlate(a, np.ones((3, 3)), nan_policy="omit", mask=np.zeros((4, 4))),
            TypeError,
            "mask",
        ),
        (
            lambda a: cconv.correlate(a, np.ones((3, 3)), nan_policy="omit", method="fft"),
            ValueError,
            "fft",
        ),
        (lambda a: cconv.edges(a, nan_policy="omit"), TypeError, "nan_policy"),
        (lambda a: cconv.filter(a, "edges", nan_policy="omit"), ValueError, "nan_policy"),
        (lambda a: cconv.unsharp_mask(a, threshold=2, nan_policy="omit"), ValueError, "threshold"),
    ],
)
def test_errors(call, error, words):
    with pytest.raises(error, match=words):
        call(np.zeros((4, 4)))


def test_large_kernels_do_not_take_the_fft():
    """'auto' would take the FFT for this kernel; an empty window must still come out NaN."""
    rng = np.random.default_rng(6)
    image = rng.uniform(0, 1, (200, 300)).astype(np.float32)
    image[:, 100:] = np.nan
    kernel = rng.uniform(0.5, 1, (31, 31))
    assert cconv.choose_method(kernel, np.float32, image.shape) == "fft"
    got = cconv.correlate(image, kernel, nan_policy="omit")
    np.testing.assert_array_equal(np.isnan(got), np.isnan(omitting_reference(image, kernel)))


def test_dask_equals_memory():
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(7)
    image = holey(rng, (40, 50, 3), np.float32)
    mask = rng.random((40, 50)) < 0.05
    lazy = cconv.convolve(
        da.from_array(image, chunks=(16, 16, 3)),
        cconv.kernels.gaussian(1.5),
        nan_policy="omit",
        mask=da.from_array(mask, chunks=16),
    )
    np.testing.assert_array_equal(
        lazy.compute(),
        cconv.convolve(image, cconv.kernels.gaussian(1.5), nan_policy="omit", mask=mask),
    )


@pytest.mark.parametrize(
    "boundary, mode", [("extend", "nearest"), ("wrap", "wrap"), ("fill", "constant")]
)
def test_equals_astropy(boundary, mode):
    convolution = pytest.importorskip("astropy.convolution")
    rng = np.random.default_rng(8)
    image = holey(rng, (40, 50))
    kernel = rng.uniform(0.1, 1, (5, 7))
    theirs = convolution.convolve(
        image,
        kernel,
        boundary=boundary,
        fill_value=3.0,
        nan_treatment="interpolate",
        normalize_kernel=True,
    )
    ours = cconv.convolve(image, kernel, mode=mode, cval=3.0, nan_policy="omit")
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)
