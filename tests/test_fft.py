"""The FFT path (method='fft', and 'auto' on large kernels) against the float64 reference."""

import zlib

import numpy as np
import pytest

import cconv
from reference import assert_matches_reference, reference_filter
from test_correlate import DTYPES, MODES, random_image

# (15, 2) and (25, 25): taller, and both taller and wider, than the images below
KERNEL_SHAPES = [(1, 1), (3, 3), (1, 6), (4, 1), (5, 8), (15, 2), (25, 25)]
IMAGE_SHAPES = [(1, 1), (7, 1), (6, 11), (6, 11, 3), (2, 9, 7, 2), (20, 31)]


def random_kernel(shape, rng):
    # Scaled by an irrational-looking factor: kernels like test_correlate's (weights sum to
    # 1.7) put integer images on exact ties (5 * 1.7), where an error of 1e-15 decides the
    # rounding; dyadic weights, whose ties are exact, are tested below.
    kernel = rng.standard_normal(shape)
    kernel[rng.random(shape) < 0.2] = 0.0
    return kernel / max(1.0, np.abs(kernel).sum()) * 1.6180339887


def assert_fft_close(result, reference, kernel, image):
    """Integers: the rounding rule of every path. Floats: the FFT's error is relative to the
    image's largest values times the kernel's absolute sum (cconv._fft), so that scale bounds
    it: about 1e-13 of it in float64, float32's own rounding otherwise."""
    if result.dtype.kind != "f":
        assert_matches_reference(result, reference, kernel, image)
        return
    scale = np.abs(kernel).sum() * max(1.0, np.abs(image.astype(np.float64)).max(), 9.0)
    atol = 1e-13 * scale if result.dtype == np.float64 else 4 * np.finfo(np.float32).eps * scale
    np.testing.assert_allclose(result, reference, rtol=0, atol=atol)


@pytest.mark.parametrize("image_shape", IMAGE_SHAPES, ids=str)
@pytest.mark.parametrize("kernel_shape", KERNEL_SHAPES, ids=str)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_fft_matches_reference(dtype, mode, kernel_shape, image_shape):
    rng = np.random.default_rng(zlib.crc32(repr((dtype, mode, kernel_shape, image_shape))
                                           .encode()))
    image = random_image(image_shape, dtype, rng)
    kernel = random_kernel(kernel_shape, rng)
    reference = reference_filter(image, kernel, mode, cval=-9.0)
    for threads in (1, 3):
        result = cconv.correlate(image, kernel, mode=mode, cval=-9.0, threads=threads,
                                 method="fft")
        assert result.dtype == image.dtype and result.shape == image.shape
        assert_fft_close(result, reference, kernel, image)
    flipped = reference_filter(image, kernel, mode, cval=-9.0, convolve=True)
    result = cconv.convolve(image, kernel, mode=mode, cval=-9.0, method="fft")
    assert_fft_close(result, flipped, kernel, image)


def test_fft_results_do_not_depend_on_threads():
    rng = np.random.default_rng(3)
    image = random_image((3, 40, 37, 3), np.uint8, rng)
    kernel = random_kernel((21, 24), rng)
    single = cconv.correlate(image, kernel, threads=1, method="fft")
    for threads in (2, 5):
        np.testing.assert_array_equal(cconv.correlate(image, kernel, threads=threads,
                                                      method="fft"), single)


def test_fft_output_dtypes_and_out():
    rng = np.random.default_rng(4)
    image = random_image((30, 26, 3), np.uint8, rng)
    kernel = random_kernel((9, 11), rng) * 40  # results far outside [0, 255]: saturation
    reference = reference_filter(image, kernel)
    assert_fft_close(cconv.correlate(image, kernel, method="fft", dtype=np.float32),
                     reference.astype(np.float32), kernel, image)
    assert_fft_close(cconv.correlate(image, kernel, method="fft", dtype=np.int16),
                     reference, kernel, image)
    saturated = cconv.correlate(image, kernel, method="fft")
    assert saturated.min() == 0 and saturated.max() == 255
    assert_fft_close(saturated, reference, kernel, image)
    in_place = image.copy()
    assert cconv.correlate(in_place, kernel, method="fft", out=in_place) is in_place
    np.testing.assert_array_equal(in_place, saturated)


@pytest.mark.parametrize("mode, cval", [("nearest", 0.0), ("constant", np.inf),
                                         ("constant", np.nan)])
def test_non_finite_samples_take_the_direct_path(mode, cval):
    # An FFT would spread NaN or infinity over the whole image; the direct path keeps each
    # inside the windows that read it (and skips zero weights, as scipy).
    image = np.zeros((12, 15), np.float32)
    image[3, 4], image[8, 10] = np.nan, -np.inf
    kernel = np.arange(20.0).reshape(4, 5) - 3.0
    for source in (image, np.zeros((12, 15), np.uint8)):
        expected = cconv.correlate(source, kernel, mode=mode, cval=cval, method="direct")
        np.testing.assert_array_equal(
            cconv.correlate(source, kernel, mode=mode, cval=cval, method="fft"), expected)


def test_auto_takes_the_fft_path_only_where_it_pays(monkeypatch):
    large = np.random.default_rng(0).uniform(size=(63, 63))
    assert cconv.choose_method(large, np.uint8) == "direct"  # no shape: the kernel alone
    assert cconv.choose_method(large, np.uint8, (1080, 1920), threads=1) == "fft"
    assert cconv.choose_method(large, np.uint16, (2, 1080, 1920, 3), threads=2) == "fft"
    assert cconv.choose_method(large, np.uint8, (64, 64), threads=1) == "direct"
    assert cconv.choose_method(large[:15, :15], np.uint8, (1080, 1920), threads=1) == "direct"
    assert cconv.choose_method(large, np.float32, (1080, 1920), threads=1) == "direct"
    # int32 pixels: the FFT's error, relative to 2**31 times the kernel's sum, nears a tie
    assert cconv.choose_method(large, np.int32, (1080, 1920), threads=1) == "direct"
    assert cconv.choose_method(cconv.kernels.box(63), np.uint8, (1080, 1920)) == "box"
    # With the FFT made free, 'auto' takes it for integer images and gives its results
    monkeypatch.setattr(cconv._fft, "FFT_NS_PER_SAMPLE", 0.0)
    rng = np.random.default_rng(5)
    image = random_image((31, 29, 3), np.uint8, rng)
    kernel = random_kernel((21, 20), rng)
    assert cconv.choose_method(kernel, np.uint8, image.shape) == "fft"
    np.testing.assert_array_equal(cconv.correlate(image, kernel),
                                  cconv.correlate(image, kernel, method="fft"))
    assert_matches_reference(cconv.correlate(image, kernel), reference_filter(image, kernel),
                             kernel, image)
    floats = image.astype(np.float32)  # float outputs keep the direct path's error
    np.testing.assert_array_equal(cconv.correlate(floats, kernel),
                                  cconv.correlate(floats, kernel, method="direct"))


@pytest.mark.parametrize("shape", [(5,), (0, 4), (3, 4.0), [3, 4], (1, 2, 3, 4, 5)])
def test_choose_method_refuses_a_bad_shape(shape):
    with pytest.raises(ValueError, match="`shape` must be"):
        cconv.choose_method(np.ones((3, 3)), np.uint8, shape)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("mode", ["reflect", "constant"])
def test_dyadic_weights_round_their_exact_ties_as_the_direct_path(dtype, mode):
    # Halves and sixteenths on integer pixels: many results are exact .5 ties, which round half
    # to even on every path; the FFT's results are snapped to the exact grid first.
    rng = np.random.default_rng(6)
    image = random_image((33, 40, 3), dtype, rng)
    kernel = rng.integers(-8, 9, size=(7, 9)) / 16.0
    kernel[3, 4] = 0.5
    for cval in (0.0, 3.0):
        expected = cconv.correlate(image, kernel, mode=mode, cval=cval, method="direct")
        result = cconv.correlate(image, kernel, mode=mode, cval=cval, method="fft")
        np.testing.assert_array_equal(result, expected)
        reference = reference_filter(image, kernel, mode, cval=cval)
        assert (reference - np.floor(reference) == 0.5).sum() > 100  # exact ties occur
        info = np.iinfo(dtype)
        np.testing.assert_array_equal(result, np.clip(np.rint(reference), info.min, info.max))
