"""cconv.correlate / convolve against the float64 reference, over every compiled engine."""

import zlib

import numpy as np
import pytest

import cconv

from reference import assert_matches_reference, expected_integer, reference_filter

DTYPES = [np.uint8, np.uint16, np.int16, np.float32, np.float64]
MODES = ["nearest", "reflect", "mirror", "wrap", "constant"]
KERNEL_SHAPES = [(1, 1), (1, 5), (5, 1), (3, 3), (4, 2), (2, 6), (9, 13)]
IMAGE_SHAPES = [(1, 1), (1, 7), (7, 1), (6, 11), (6, 11, 3), (2, 5, 7, 4)]


def random_image(shape, dtype, rng):
    if np.dtype(dtype).kind == "f":
        return (rng.standard_normal(shape) * 100).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)


def random_kernel(shape, rng):
    kernel = rng.standard_normal(shape)
    kernel[rng.random(shape) < 0.2] = 0.0  # zero taps are skipped: cover that path too
    return kernel / max(1.0, np.abs(kernel).sum()) * 1.7


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("image_shape", IMAGE_SHAPES, ids=str)
@pytest.mark.parametrize("kernel_shape", KERNEL_SHAPES, ids=str)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_correlate_matches_reference(simd_level, dtype, mode, kernel_shape, image_shape, threads):
    # A seed of the parameters' text, the same in every process (hash() of a type is not).
    key = (np.dtype(dtype).name, mode, kernel_shape, image_shape)
    rng = np.random.default_rng(zlib.crc32(repr(key).encode()))
    image = random_image(image_shape, dtype, rng)
    kernel = random_kernel(kernel_shape, rng)
    result = cconv.correlate(image, kernel, mode=mode, cval=17.5, threads=threads)
    assert result.dtype == image.dtype
    reference = reference_filter(image, kernel, mode, cval=17.5)
    assert_matches_reference(result, reference, kernel, image, cval=17.5)


@pytest.mark.parametrize("image_shape", IMAGE_SHAPES, ids=str)
@pytest.mark.parametrize("kernel_shape", KERNEL_SHAPES, ids=str)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "dtype", [np.uint8, np.float32, np.float64], ids=lambda d: np.dtype(d).name
)
def test_convolve_matches_reference(simd_level, dtype, mode, kernel_shape, image_shape):
    rng = np.random.default_rng(7)
    image = random_image(image_shape, dtype, rng)
    kernel = random_kernel(kernel_shape, rng)
    result = cconv.convolve(image, kernel, mode=mode, cval=-3.0, threads=2)
    reference = reference_filter(image, kernel, mode, cval=-3.0, convolve=True)
    assert_matches_reference(result, reference, kernel, image, cval=-3.0)


@pytest.mark.parametrize("out_dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_every_input_output_dtype_pair(simd_level, dtype, out_dtype):
    rng = np.random.default_rng(3)
    image = random_image((9, 10, 3), dtype, rng)
    kernel = random_kernel((3, 4), rng)
    result = cconv.correlate(image, kernel, dtype=out_dtype)
    assert result.dtype == out_dtype
    assert_matches_reference(result, reference_filter(image, kernel), kernel, image)


def test_engine_refuses_pairs_it_was_not_compiled_for():
    # The engine is compiled for outputs of the image's own type, float32 and float64 (other
    # outputs are rounded from a float result by the Python layer, which
    # test_every_input_output_dtype_pair covers); a call outside those raises, never crashes.
    engine = cconv._engine.engine
    image = np.zeros((1, 4, 4), np.uint16)
    no_factor = np.empty(0)
    with pytest.raises(TypeError, match="outputs are the image's type"):
        engine.correlate(
            image,
            np.zeros((1, 4, 4), np.uint8),
            np.ones((1, 1)),
            no_factor,
            no_factor,
            engine.PATHS["direct"],
            1,
            0,
            0,
            0,
            0.0,
            0.0,
            0.0,
            1,
            False,
        )


def test_impulse_response_shows_correlation_and_convolution_orientation():
    image = np.zeros((7, 7))
    image[3, 3] = 1
    kernel = np.arange(1, 10, dtype=float).reshape(3, 3)
    np.testing.assert_array_equal(cconv.correlate(image, kernel)[2:5, 2:5], kernel[::-1, ::-1])
    np.testing.assert_array_equal(cconv.convolve(image, kernel)[2:5, 2:5], kernel)


def test_even_kernel_anchor_is_at_size_over_two():
    image = np.zeros((5, 6))
    image[2, 3] = 1
    result = cconv.correlate(image, [[1.0, 2.0]])  # anchor at index 1: output x reads x-1, x
    np.testing.assert_array_equal(result[2], [0, 0, 0, 2, 1, 0])


@pytest.mark.parametrize(
    ("value", "weight", "expected"),
    [
        (1, 0.5, 0),
        (3, 0.5, 2),
        (5, 0.5, 2),
        (3, -0.5, 0),
        (200, 2.0, 255),
        (150, 2.0, 255),
        (10, 1.25, 12),
    ],
)
def test_uint8_rounds_half_to_even_and_saturates(simd_level, value, weight, expected):
    image = np.full((3, 4), value, np.uint8)
    assert (cconv.correlate(image, [[weight]]) == expected).all()


def test_uint8_vector_store_rounds_saturates_and_zeroes_nan(simd_level):
    # Rows long enough for the vector stores of the AVX2 / AVX-512 modules (src/store_u8.h):
    # ties to even, saturation at both ends, and NaN or infinities (from cval, at the borders)
    # must come out as the scalar rule gives them: NaN 0, +inf 255, -inf 0.
    image = np.tile(np.arange(256, dtype=np.uint8), (4, 3))  # rows of 768 samples
    for weight in (0.5, 1.5, -0.5, 2.0, 1e30, -1e30):
        expected = np.clip(np.rint(image.astype(np.float64) * weight), 0, 255)
        np.testing.assert_array_equal(cconv.correlate(image, [[weight]]), expected)
    kernel = np.ones((1, 3)) / 3
    inside = expected_integer(reference_filter(image, kernel)[:, 1:-1], np.uint8)
    for cval, edge in [(np.nan, 0), (np.inf, 255), (-np.inf, 0)]:
        result = cconv.correlate(image, kernel, mode="constant", cval=cval)
        assert (result[:, [0, -1]] == edge).all()
        np.testing.assert_array_equal(result[:, 1:-1], inside)


def test_integer_results_never_wrap():
    image = np.full((4, 4), 150, np.uint8)
    assert (cconv.correlate(image, [[2.0]]) == 255).all()  # numpy's uint8(300) would be 44
    assert (cconv.correlate(image, [[-2.0]]) == 0).all()
    signed = np.full((4, 4), 30000, np.int16)
    assert (cconv.correlate(signed, [[2.0]]) == 32767).all()
    assert (cconv.correlate(signed, [[-2.0]]) == -32768).all()
    wide = np.full((4, 4), 60000, np.uint16)
    assert (cconv.correlate(wide, [[2.0]]) == 65535).all()


def test_float_dtype_returns_unrounded_signed_result():
    image = np.tile(np.arange(8, dtype=np.uint8) * 10, (5, 1))
    sobel_x = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    result = cconv.correlate(image[:, ::-1], sobel_x, dtype=np.float32)
    assert result.dtype == np.float32
    assert result[2, 3] == -80.0
    third = cconv.correlate(np.full((3, 3), 1, np.uint8), [[1 / 3]], dtype=np.float64)
    np.testing.assert_allclose(third, 1 / 3)


@pytest.mark.parametrize("mode", MODES)
def test_kernel_much_larger_than_image(simd_level, mode):
    rng = np.random.default_rng(5)
    image = rng.standard_normal((3, 2, 2))
    kernel = rng.standard_normal((31, 24))
    result = cconv.correlate(image, kernel, mode=mode, cval=2.0)
    assert_matches_reference(
        result, reference_filter(image, kernel, mode, 2.0), kernel, image, cval=2.0
    )


def test_batch_equals_each_image_alone():
    rng = np.random.default_rng(11)
    batch = random_image((4, 13, 9, 3), np.uint8, rng)
    kernel = random_kernel((5, 3), rng)
    together = cconv.correlate(batch, kernel, mode="wrap")
    for i in range(len(batch)):
        np.testing.assert_array_equal(together[i], cconv.correlate(batch[i], kernel, mode="wrap"))


@pytest.mark.parametrize(
    "dtype", [np.uint8, np.float32, np.float64], ids=lambda d: np.dtype(d).name
)
def test_results_are_bit_identical_for_any_thread_count(simd_level, dtype):
    rng = np.random.default_rng(2)
    image = random_image((3, 97, 61, 3), dtype, rng)
    kernel = random_kernel((7, 5), rng)
    single = cconv.correlate(image, kernel, threads=1)
    for threads in (2, 3, 7, 500, 2**40):
        np.testing.assert_array_equal(cconv.correlate(image, kernel, threads=threads), single)


@pytest.mark.parametrize(
    "dtype",
    [np.int8, np.int32, np.uint32, np.int64, np.uint64, np.float16],
    ids=lambda d: np.dtype(d).name,
)
def test_other_real_dtypes_are_computed_through_a_wider_type(dtype):
    rng = np.random.default_rng(4)
    if np.dtype(dtype).kind == "f":
        image = rng.standard_normal((8, 9)).astype(dtype)
    else:
        info = np.iinfo(dtype)
        low, high = max(info.min, -(2**40)), min(info.max, 2**40)
        image = rng.integers(low, high, size=(8, 9), endpoint=True).astype(dtype)
    kernel = random_kernel((3, 3), rng)
    result = cconv.correlate(image, kernel)
    assert result.dtype == dtype
    reference = reference_filter(image, kernel)
    if np.dtype(dtype).kind == "f":
        assert_matches_reference(result, reference, kernel, image)
    else:
        np.testing.assert_array_equal(result, expected_integer(reference, dtype).astype(dtype))


def test_int8_saturates():
    image = np.full((3, 3), 100, np.int8)
    assert (cconv.correlate(image, [[2.0]]) == 127).all()
    assert (cconv.correlate(image, [[-2.0]]) == -128).all()


def test_nan_and_inf_pixels():
    image = np.zeros((5, 5))
    image[2, 2] = np.inf
    image[0, 0] = np.nan
    result = cconv.correlate(image, [[0, 1, 0]])  # zero weights skip inf, as in scipy
    assert result[2, 2] == np.inf and np.isnan(result[0, 0])
    assert np.isfinite(result[2, 1]) and np.isfinite(result[2, 3])
    as_uint8 = cconv.correlate(image, [[1.0]], dtype=np.uint8)
    assert as_uint8[2, 2] == 255 and as_uint8[0, 0] == 0  # inf saturates; NaN becomes lowest
    as_int16 = cconv.correlate(image, [[1.0]], dtype=np.int16)
    assert as_int16[0, 0] == -32768


def test_empty_image_gives_empty_result():
    for shape in [(0, 5), (5, 0, 3), (0, 4, 4, 3), (2, 3, 3, 0)]:
        result = cconv.correlate(np.zeros(shape, np.uint8), np.ones((3, 3)))
        assert result.shape == shape and result.dtype == np.uint8


def test_accepts_lists_and_integer_kernels():
    result = cconv.correlate([[1, 2], [3, 4]], [[0, 1, 0]])
    np.testing.assert_array_equal(result, [[1, 2], [3, 4]])
