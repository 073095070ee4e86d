"""The FFT path (method='fft', and 'auto' on large kernels) against the float64 reference."""

import zlib

import numpy as np
import pytest
from test_correlate import DTYPES, MODES, random_image

import cconv

from reference import assert_matches_reference, fft_reference, reference_filter

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
    rng = np.random.default_rng(zlib.crc32(repr((dtype, mode, kernel_shape, image_shape)).encode()))
    image = random_image(image_shape, dtype, rng)
    kernel = random_kernel(kernel_shape, rng)
    reference = reference_filter(image, kernel, mode, cval=-9.0)
    for threads in (1, 3):
        result = cconv.correlate(image, kernel, mode=mode, cval=-9.0, threads=threads, method="fft")
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
        np.testing.assert_array_equal(
            cconv.correlate(image, kernel, threads=threads, method="fft"), single
        )


def test_fft_output_dtypes_and_out():
    rng = np.random.default_rng(4)
    image = random_image((30, 26, 3), np.uint8, rng)
    kernel = random_kernel((9, 11), rng) * 40  # results far outside [0, 255]: saturation
    reference = reference_filter(image, kernel)
    assert_fft_close(
        cconv.correlate(image, kernel, method="fft", dtype=np.float32),
        reference.astype(np.float32),
        kernel,
        image,
    )
    assert_fft_close(
        cconv.correlate(image, kernel, method="fft", dtype=np.int16), reference, kernel, image
    )
    saturated = cconv.correlate(image, kernel, method="fft")
    assert saturated.min() == 0 and saturated.max() == 255
    assert_fft_close(saturated, reference, kernel, image)
    in_place = image.copy()
    assert cconv.correlate(in_place, kernel, method="fft", out=in_place) is in_place
    np.testing.assert_array_equal(in_place, saturated)


@pytest.mark.parametrize(
    "mode, cval", [("nearest", 0.0), ("constant", np.inf), ("constant", np.nan)]
)
def test_non_finite_samples_take_the_direct_path(mode, cval):
    # An FFT would spread NaN or infinity over the whole image; the direct path keeps each
    # inside the windows that read it (and skips zero weights, as scipy).
    image = np.zeros((12, 15), np.float32)
    image[3, 4], image[8, 10] = np.nan, -np.inf
    kernel = np.arange(20.0).reshape(4, 5) - 3.0
    for source in (image, np.zeros((12, 15), np.uint8)):
        expected = cconv.correlate(source, kernel, mode=mode, cval=cval, method="direct")
        np.testing.assert_array_equal(
            cconv.correlate(source, kernel, mode=mode, cval=cval, method="fft"), expected
        )


def test_auto_takes_the_fft_path_only_where_it_pays(monkeypatch):
    rng = np.random.default_rng(0)
    large = rng.uniform(size=(63, 63))
    normalised = large / large.sum()
    assert cconv.choose_method(large, np.uint8) == "direct"  # no shape: the kernel alone
    # The tiles (uint8 and float32 images, summing in float32), from about 11x11 on 1080p
    for dtype in (np.uint8, np.float32):
        for shape in [(1080, 1920), (1080, 1920, 3), (64, 64)]:
            assert cconv.choose_method(normalised, dtype, shape, threads=1) == "fft"
    assert cconv.choose_method(normalised[:15, :15], np.uint8, (1080, 1920), threads=1) == "fft"
    assert cconv.choose_method(normalised[:5, :5], np.uint8, (1080, 1920), threads=1) == "direct"
    sparse = np.where(rng.random((63, 63)) < 0.01, normalised, 0.0)
    assert cconv.choose_method(sparse, np.uint8, (1080, 1920), threads=1) == "direct"
    # The float64 planes: integer images to integer outputs only, from about 46x46
    assert cconv.choose_method(large, np.uint16, (2, 1080, 1920, 3), threads=2) == "fft"
    assert cconv.choose_method(large[:21, :21], np.uint16, (1080, 1920), threads=1) == "direct"
    assert cconv.choose_method(large, np.float64, (1080, 1920), threads=1) == "direct"
    # int32 pixels: the planes' error, relative to 2**31 times the kernel's sum, nears a tie
    assert cconv.choose_method(large, np.int32, (1080, 1920), threads=1) == "direct"
    assert cconv.choose_method(cconv.kernels.box(63), np.uint8, (1080, 1920)) == "box"
    # With the planes made free, 'auto' takes them for integer images and gives their results
    monkeypatch.setattr(cconv._fft, "FFT_NS_PER_SAMPLE", 0.0)
    image = random_image((31, 29, 3), np.uint16, rng)
    kernel = random_kernel((21, 20), rng)
    assert cconv.choose_method(kernel, np.uint16, image.shape) == "fft"
    np.testing.assert_array_equal(
        cconv.correlate(image, kernel), cconv.correlate(image, kernel, method="fft")
    )
    assert_matches_reference(
        cconv.correlate(image, kernel), reference_filter(image, kernel), kernel, image
    )
    floats = image.astype(np.float64)  # float64 outputs keep the direct path's error
    np.testing.assert_array_equal(
        cconv.correlate(floats, kernel), cconv.correlate(floats, kernel, method="direct")
    )


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


# The float32 tiles (src/fft.pxi): uint8 and float32 images, uint8 and float32 outputs


def assert_within_tile_error(result, reference, kernel, image, cval=0.0):
    """The tiles' contract: within TILE_ERROR of the kernel's absolute sum times the largest
    sample (cval included) of the exact result, then rounded as every path rounds."""
    largest = max(float(np.abs(image.astype(np.float64)).max(initial=0)), abs(cval))
    bound = cconv._fft.TILE_ERROR * np.abs(kernel).sum() * largest
    if result.dtype.kind == "f":  # and the output's own rounding
        excess = np.abs(result - reference) - np.finfo(result.dtype).eps * np.abs(reference)
        assert excess.max(initial=0) <= bound, f"error {excess.max()} > bound {bound}"
        return
    info = np.iinfo(result.dtype)
    low = np.clip(np.rint(reference - bound), info.min, info.max)
    high = np.clip(np.rint(reference + bound), info.min, info.max)
    assert ((low <= result) & (result <= high)).all()


def tile_kernel(shape, rng):
    kernel = rng.uniform(-0.5, 1.0, shape)
    return kernel / np.abs(kernel).sum() * 1.6180339887


@pytest.mark.parametrize("tile", sorted(cconv._fft.TILE_NS))
def test_every_tile_size_matches_the_reference(tile, monkeypatch, simd_level):
    """Each tile size in turn (the others made costly), kernels from 1x2 to one less than the
    tile, images smaller and larger than a tile, gray and with channels."""
    monkeypatch.setattr(
        cconv._fft, "TILE_NS", {n: 1.0 if n == tile else 1e9 for n in cconv._fft.TILE_NS}
    )
    rng = np.random.default_rng(tile)
    # (the largest kernels leave steps of a few pixels: many tiles, on the small image only)
    cases = [
        ((1, 2), (tile // 2 + 7, tile + 1, 4)),
        ((tile // 4 + 1, tile // 2), (5, 9)),
        ((tile // 2, 1), (tile + 13, 40, 3)),
        ((tile - 1, tile - 2), (5, 9)),
    ]
    for index, (kernel_shape, shape) in enumerate(cases):
        kernel = tile_kernel(kernel_shape, rng)
        for dtype in (np.uint8, np.float32):
            image = random_image(shape, dtype, rng)
            mode = MODES[index % len(MODES)]
            assert cconv._fft.tile_size(kernel.shape, image.shape, dtype == np.float32)[0] == tile
            result = cconv.correlate(image, kernel, mode=mode, cval=7.0, method="fft")
            reference = fft_reference(image, kernel, mode, cval=7.0)
            assert_within_tile_error(result, reference, kernel, image, cval=7.0)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize(
    "out_dtype", [None, np.float32, np.int16, np.uint8], ids=lambda d: str(d and np.dtype(d).name)
)
def test_tiles_match_the_reference(dtype, out_dtype, mode):
    rng = np.random.default_rng(zlib.crc32(repr((dtype, out_dtype, mode)).encode()))
    for shape, kernel_shape in [
        ((70, 90, 3), (31, 17)),
        ((45, 50), (63, 63)),
        ((2, 40, 33, 2), (20, 21)),
        ((1, 1), (15, 15)),
    ]:
        image = random_image(shape, dtype, rng)
        kernel = tile_kernel(kernel_shape, rng)
        reference = reference_filter(image, kernel, mode, cval=-3.0)
        result = cconv.correlate(image, kernel, mode=mode, cval=-3.0, dtype=out_dtype, method="fft")
        assert result.dtype == np.dtype(out_dtype or dtype)
        assert_within_tile_error(result, reference, kernel, image, cval=-3.0)
        flipped = reference_filter(image, kernel, mode, cval=-3.0, convolve=True)
        result = cconv.convolve(image, kernel, mode=mode, cval=-3.0, dtype=out_dtype, method="fft")
        assert_within_tile_error(result, flipped, kernel, image, cval=-3.0)


def test_tiles_are_bit_identical_for_any_thread_count():
    rng = np.random.default_rng(11)
    image = random_image((2, 300, 200, 3), np.uint8, rng)
    kernel = tile_kernel((41, 37), rng)
    for dtype in (np.uint8, np.float32):
        source = image.astype(dtype)
        single = cconv.correlate(source, kernel, threads=1, method="fft", dtype=np.float32)
        for threads in (2, 3, 7):
            np.testing.assert_array_equal(
                cconv.correlate(source, kernel, threads=threads, method="fft", dtype=np.float32),
                single,
            )


def test_tiles_error_bound_beside_a_bright_region():
    """The error is relative to the image's largest samples: a dark region beside a bright one
    carries the bright one's error, within the bound, and so do the float32 images of values
    far from 1 and kernels with negative weights."""
    rng = np.random.default_rng(12)
    for scale in (1.0, 1e-20, 1e20):
        image = np.zeros((300, 300), np.float32)
        image[:, 150:] = np.float32(255 * scale)
        image[:, :150] = rng.uniform(0, 1e-3 * scale, (300, 150))
        for kernel_shape in [(63, 63), (31, 31), (127, 127)]:
            kernel = rng.standard_normal(kernel_shape)
            result = cconv.correlate(image, kernel, mode="reflect", method="fft")
            reference = fft_reference(image, kernel, "reflect")
            assert_within_tile_error(result, reference, kernel, image)
    pixels = np.where(np.arange(400)[:, None] % 50 < 25, 255, 0).astype(np.uint8)
    pixels = np.broadcast_to(pixels, (400, 400)).copy()
    kernel = tile_kernel((63, 63), rng)
    result = cconv.correlate(pixels, kernel, method="fft")
    assert_within_tile_error(result, fft_reference(pixels, kernel), kernel, pixels)


def test_tiles_leave_nan_infinity_and_overflow_to_the_direct_path():
    rng = np.random.default_rng(13)
    kernel = tile_kernel((31, 31), rng)
    image = random_image((100, 120), np.float32, rng)
    for bad in (np.nan, np.inf, -np.inf):
        source = image.copy()
        source[50, 60] = bad
        np.testing.assert_array_equal(
            cconv.correlate(source, kernel, method="fft"),
            cconv.correlate(source, kernel, method="direct"),
        )
    # sums of a tile's samples beyond float32's range: the direct path's finite results
    huge = np.full((100, 120), 1e36, np.float32)
    result = cconv.correlate(huge, kernel, method="fft")
    assert np.isfinite(result).all()
    np.testing.assert_array_equal(result, cconv.correlate(huge, kernel, method="direct"))


def test_tiles_write_into_out_and_in_place_and_add_the_offset():
    rng = np.random.default_rng(14)
    image = random_image((80, 70, 3), np.uint8, rng)
    kernel = tile_kernel((25, 25), rng) - 1.6180339887 / 625  # sums to 0: offset centres it
    expected = cconv.correlate(image, kernel, method="fft", offset=128)
    assert_within_tile_error(expected, reference_filter(image, kernel) + 128, kernel, image)
    out = np.empty_like(image)
    assert cconv.correlate(image, kernel, method="fft", offset=128, out=out) is out
    np.testing.assert_array_equal(out, expected)
    in_place = image.copy()
    assert cconv.correlate(in_place, kernel, method="fft", offset=128, out=in_place) is in_place
    np.testing.assert_array_equal(in_place, expected)


def test_tiles_refuse_nothing_a_forced_fft_can_do_exactly():
    """Kernels whose absolute sum puts the tiles' error on integer outputs past the rounding
    margin take the float64 planes instead: the results keep the rounding rule."""
    rng = np.random.default_rng(15)
    image = random_image((60, 50), np.uint8, rng)
    kernel = rng.uniform(0, 1, (30, 30))  # an absolute sum near 450
    assert not cconv._fft.takes_tiles(
        np.dtype(np.uint8),
        np.dtype(np.uint8),
        np.dtype(np.float32),
        kernel.shape,
        cconv._fft.kernel_facts(kernel),
        np.dtype(np.uint8),
    )
    result = cconv.correlate(image, kernel / 100, method="fft")
    assert_matches_reference(result, reference_filter(image, kernel / 100), kernel / 100, image)
