"""What the engine does in its store or in one pass besides correlating: `offset`, the Sobel
pair's magnitude (edges), an unsharp mask's centre weight on the separable path.

Each against the float64 reference (tests/reference.py) and against the unfused computation
that the filters did before (correlate in float, then numpy), over dtypes, modes, channel
counts, threads and every compiled SIMD module."""

import numpy as np
import pytest

import cconv
from cconv import api, kernels

from reference import assert_matches_reference, expected_integer, reference_filter

RNG = np.random.default_rng(7)
DTYPES = [np.uint8, np.uint16, np.int16, np.float32, np.float64]
SHAPES = [(1, 1), (3, 5), (23, 37), (19, 45, 3), (2, 11, 700, 4)]


def image_of(dtype, shape, low=0, high=200):
    return (RNG.random(shape) * (high - low) + low).astype(dtype)


@pytest.mark.parametrize("method", ["direct", "separable", "box", "fft"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_offset_on_every_path_matches_the_reference(simd_level, method, dtype):
    kernel = {
        "direct": RNG.standard_normal((5, 4)),
        "separable": np.outer([1, 2, 1], [1, 3, 3, 1]) / 32,
        "box": np.full((7, 9), 1 / 63),
        "fft": RNG.standard_normal((9, 9)) / 9,
    }[method]
    for shape in SHAPES:
        image = image_of(dtype, shape)
        # (not halves: sums of integers plus 0.5 would be exact ties, rounded either way)
        for offset in (128, -37.3, 0.3, 3e4 if dtype in (np.uint16, np.int16) else -1e-3):
            for mode, threads in (("nearest", 1), ("constant", 3), ("wrap", 2)):
                if method == "fft" and np.dtype(dtype).kind == "f" and dtype != np.float64:
                    continue  # a forced FFT of float32 is checked in test_fft.py
                result = cconv.correlate(
                    image,
                    kernel,
                    mode=mode,
                    cval=5.0,
                    offset=offset,
                    method=method,
                    threads=threads,
                )
                reference = reference_filter(image, kernel, mode, 5.0) + offset
                assert_matches_reference(result, reference, kernel, image, cval=abs(offset) + 5)


def test_offset_saturates_at_both_ends_and_stays_exact_on_the_integer_path(simd_level):
    image = image_of(np.uint8, (30, 40, 3), 0, 256)
    for offset in (300, -300, 1000.0):  # smoothing kernels: results in [0, 255] before it
        expected = 255 if offset > 0 else 0
        for kernel in (kernels.box(3), kernels.gaussian(1.0), kernels.box(9)):
            assert (cconv.correlate(image, kernel, offset=offset) == expected).all()
    signed = image_of(np.int16, (20, 30), -30000, 30000)
    assert (cconv.correlate(signed, [[1.0]], offset=70000) == 32767).all()
    assert (cconv.correlate(signed, [[1.0]], offset=-70000) == -32768).all()
    # integer weights and offset on uint8: exact int16 sums, equal to rint of the reference
    emboss = kernels.emboss()
    for offset in (128, -64, 17):
        np.testing.assert_array_equal(
            cconv.correlate(image, emboss, offset=offset),
            expected_integer(reference_filter(image, emboss) + offset, np.uint8),
        )


def test_offset_gives_the_same_bytes_for_any_thread_count_and_float_outputs_unrounded():
    image = image_of(np.uint8, (300, 301, 3))
    kernel = RNG.standard_normal((7, 7))
    one = cconv.correlate(image, kernel, offset=-12.5, threads=1)
    for threads in (2, 3, 5):
        np.testing.assert_array_equal(
            one, cconv.correlate(image, kernel, offset=-12.5, threads=threads)
        )
    as_float = cconv.correlate(image, kernel, offset=0.25, dtype=np.float64)
    np.testing.assert_allclose(as_float, reference_filter(image, kernel) + 0.25, atol=1e-9)


def test_offset_errors_name_the_argument():
    image = np.zeros((4, 4), np.uint8)
    for bad in ("1", None, 1j, True):
        with pytest.raises(TypeError, match="offset"):
            cconv.correlate(image, [[1.0]], offset=bad)
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(ValueError, match="offset"):
            cconv.convolve(image, [[1.0]], offset=bad)


def test_emboss_and_filter_offset_equal_the_unfused_computation():
    for dtype in DTYPES:
        image = image_of(dtype, (25, 33, 3))
        unfused = reference_filter(image, kernels.emboss())
        offset = 128.0 if dtype == np.uint8 else 32768.0 if dtype == np.uint16 else 0.0
        assert_matches_reference(
            cconv.emboss(image), unfused + offset, kernels.emboss(), image, cval=offset
        )
        assert_matches_reference(
            cconv.filter(image, "outline", offset=-20.5),
            reference_filter(image, kernels.get("outline")) - 20.5,
            kernels.get("outline"),
            image,
            cval=20.5,
        )


def unfused_edges(image, method, mode="nearest", cval=0.0):
    """The seed's computation: both Sobel responses in float64, then numpy."""
    gx = reference_filter(image, kernels.sobel_x(), mode, cval)
    gy = reference_filter(image, kernels.sobel_y(), mode, cval)
    if method == "hypot":
        return np.hypot(gx, gy)
    return np.maximum(np.maximum(gx, 0), np.maximum(gy, 0))


@pytest.mark.parametrize("method", ["hypot", "max"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_edges_in_one_pass_match_the_unfused_computation(simd_level, dtype, method):
    for shape in SHAPES:
        image = image_of(dtype, shape, -100 if dtype in (np.int16, np.float64) else 0)
        for mode, threads in (
            ("nearest", 1),
            ("reflect", 2),
            ("mirror", 3),
            ("wrap", 1),
            ("constant", 2),
        ):
            result = cconv.edges(image, method, mode=mode, cval=9.0, threads=threads)
            assert result.dtype == image.dtype
            assert_matches_reference(
                result,
                unfused_edges(image, method, mode, 9.0),
                np.ones((3, 3)) * 4,
                image,
                cval=9.0,
            )


def test_edges_keep_numpys_values_for_nan_and_infinity_and_large_values(simd_level):
    image = np.zeros((12, 12), np.float32)
    image[3, 3], image[7, 7], image[7, 9] = np.nan, np.inf, -np.inf
    for method in ("hypot", "max"):
        with np.errstate(invalid="ignore"):
            expected = unfused_edges(image, method)
        np.testing.assert_array_equal(cconv.edges(image, method), expected.astype(np.float32))
    huge = np.zeros((6, 6), np.float32)
    huge[:, 3:] = 3e37  # the squares overflow float32; the magnitude does not
    np.testing.assert_allclose(cconv.edges(huge), unfused_edges(huge, "hypot"), rtol=1e-6)


def test_edges_float_output_and_thread_count_invariance():
    image = image_of(np.uint8, (200, 190, 3), 0, 256)
    one = cconv.edges(image, threads=1)
    for threads in (2, 4):
        np.testing.assert_array_equal(one, cconv.edges(image, threads=threads))
    exact = api.gradient(
        image, ([1.0, 2, 1], [-1.0, 0, 1]), ([-1.0, 0, 1], [1.0, 2, 1]), "hypot", dtype=np.float64
    )
    np.testing.assert_allclose(exact, unfused_edges(image, "hypot"), rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_unsharp_mask_in_one_separable_pass_matches_the_reference(simd_level, dtype):
    for shape in SHAPES:
        image = image_of(dtype, shape)
        for sigma, amount in ((1.0, 1.0), (2.0, 0.5), (0.6, 3.0)):
            for mode, threads in (("nearest", 1), ("constant", 2), ("reflect", 3)):
                kernel = kernels.unsharp_mask(sigma, amount)
                result = cconv.unsharp_mask(
                    image, sigma=sigma, amount=amount, mode=mode, cval=4.0, threads=threads
                )
                assert_matches_reference(
                    result, reference_filter(image, kernel, mode, 4.0), kernel, image, cval=4.0
                )
    image = image_of(dtype, (9, 10))
    np.testing.assert_array_equal(cconv.unsharp_mask(image, amount=0), image)


@pytest.mark.parametrize("method", ["direct", "box", "fft", "separable"])
def test_a_centre_weight_on_every_path_equals_the_dense_kernel(method):
    image = image_of(np.uint8, (40, 50, 3))
    # (weights far from simple fractions: those of small denominators make many exact ties)
    weights = np.full((5, 5), -0.0413) if method == "box" else -0.5 * kernels.gaussian(1.0)
    dense = weights.copy()
    dense[dense.shape[0] // 2, dense.shape[1] // 2] += 1.517
    result = api._filter(
        image,
        weights,
        flip=False,
        mode="nearest",
        cval=0.0,
        out=None,
        dtype=None,
        threads=1,
        method=method,
        centre=1.517,
    )
    assert_matches_reference(result, reference_filter(image, dense), dense, image)


def unfused_alpha(pixels, kernel, offset=0.0, smoothing=True, operator=None):
    """Premultiplied filtering as the numpy passes did it, in float64: colour times alpha/255
    filtered (by `operator` if given, else `kernel`) plus offset; for a smoothing filter also
    alpha, and colour divided back by it."""
    colour, alpha = pixels[..., :-1], pixels[..., -1:].astype(np.float64)
    weight = alpha / 255
    premultiplied = colour * weight
    filtered = (
        operator(premultiplied) if operator else reference_filter(premultiplied, kernel)
    ) + offset
    if smoothing:
        new_alpha = reference_filter(weight, kernel)
        filtered = np.divide(filtered, new_alpha, out=np.zeros_like(filtered), where=new_alpha > 0)
        alpha = new_alpha * 255
    return np.concatenate([filtered, alpha], axis=-1)


def assert_rounds_to(result, reference):
    """uint8 `result` within half a unit (and float32's rounding) of the float64 reference,
    on the pixels that stay visible: where the filtered alpha is about 0, colour is the
    quotient of two sums near 0 (cancelling weights), which float32 and float64 put anywhere."""
    expected = np.clip(reference, 0, 255)
    assert result.dtype == np.uint8
    visible = (expected[..., -1:] >= 0.5) | np.zeros(expected.shape, bool)
    difference = np.abs(result.astype(np.float64) - expected)
    assert difference[visible].max(initial=0) <= 0.5 + 1e-3


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_alpha_correct_filters_match_the_unfused_premultiplied_computation(simd_level, mode):
    from PIL import Image

    channels = len(mode)
    pixels = image_of(np.uint8, (37, 53, channels), 0, 256)
    pixels[:5, :, -1] = 0  # transparent, nearly transparent and opaque rows
    pixels[5:9, :, -1] = 1
    pixels[9:14, :, -1] = 255
    picture = Image.fromarray(pixels, mode)
    cases = [
        (cconv.blur, {"size": 5}, kernels.box(5), 0.0, True, None),
        (cconv.gaussian_blur, {"sigma": 1.5}, kernels.gaussian(1.5), 0.0, True, None),
        (cconv.sharpen, {}, kernels.sharpen(), 0.0, True, None),
        (
            cconv.unsharp_mask,
            {"sigma": 1.0, "amount": 2.0},
            kernels.unsharp_mask(1.0, 2.0),
            0.0,
            True,
            None,
        ),
        (cconv.emboss, {}, kernels.emboss(), 128.0, False, None),
        (cconv.edges, {}, None, 0.0, False, lambda c: unfused_edges(c, "hypot")),
        (cconv.edges, {"method": "max"}, None, 0.0, False, lambda c: unfused_edges(c, "max")),
    ]
    for function, params, kernel, offset, smoothing, operator in cases:
        for threads in (1, 3):
            result = np.asarray(function(picture, threads=threads, **params))
            expected = unfused_alpha(pixels, kernel, offset, smoothing, operator)
            assert_rounds_to(result, expected)
    normalized = cconv.filter(picture, [[1, 2, 1]], normalize=True, offset=10)
    expected = unfused_alpha(pixels, np.array([[0.25, 0.5, 0.25]]), 10.0)
    assert_rounds_to(np.asarray(normalized), expected)


def test_alpha_passes_equal_numpys_float32_arithmetic(simd_level):
    pixels = image_of(np.uint8, (2, 9, 31, 4), 0, 256)
    weight = pixels[..., 3:].astype(np.float32) / 255
    expected = np.concatenate([pixels[..., :3] * weight, weight], axis=-1)
    np.testing.assert_array_equal(api.premultiplied(pixels, 2), expected)
    filtered = (RNG.random(pixels.shape) * 1.2 - 0.1).astype(np.float32)
    filtered[0, 0, :4, 3] = [0, -1e-3, np.nan, 1e-30]
    alpha = filtered[..., 3:]
    colour = np.divide(
        filtered[..., :3], alpha, out=np.zeros_like(filtered[..., :3]), where=alpha > 0
    )
    divided = np.concatenate([colour, alpha * 255], axis=-1)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(
            api.unpremultiplied(filtered, pixels, True, 3),
            api.round_and_saturate(divided, np.uint8),
        )
        kept = np.concatenate(
            [api.round_and_saturate(filtered[..., :3], np.uint8), pixels[..., 3:]], axis=-1
        )
    np.testing.assert_array_equal(api.unpremultiplied(filtered, pixels, False, 1), kept)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_unsharp_mask_threshold_leaves_small_detail_alone(dtype):
    image = image_of(dtype, (41, 47, 3))
    kernel = kernels.gaussian(1.5)
    for amount, threshold in ((1.0, 4.5), (2.5, 20.0), (0.5, 1e9)):
        detail = image - reference_filter(image, kernel)
        sharpened = image + amount * detail
        expected = np.where(np.abs(detail) < threshold, image, sharpened)
        result = cconv.unsharp_mask(image, sigma=1.5, amount=amount, threshold=threshold)
        clear = np.abs(np.abs(detail) - threshold) > 1e-3  # not at the threshold itself
        if np.dtype(dtype).kind == "f":
            np.testing.assert_allclose(result[clear], expected[clear], rtol=1e-5, atol=1e-3)
        else:
            assert_matches_reference(result[clear], expected[clear], kernel, image)
    np.testing.assert_array_equal(cconv.unsharp_mask(image, amount=3, threshold=1e9), image)
    for bad in (-1, np.nan, "2"):
        with pytest.raises(ValueError, match="threshold"):
            cconv.unsharp_mask(image, threshold=bad)


def test_fused_filters_on_dask_arrays_equal_the_call_in_memory():
    da = pytest.importorskip("dask.array")
    image = image_of(np.uint8, (90, 70, 3), 0, 256)
    lazy = da.from_array(image, chunks=(25, 30, 3))
    for call in (
        lambda x: cconv.unsharp_mask(x, sigma=1.2, amount=1.5),
        lambda x: cconv.unsharp_mask(x, sigma=1.2, amount=1.5, threshold=6),
        lambda x: cconv.emboss(x),
        lambda x: cconv.edges(x, "max"),
        lambda x: cconv.correlate(x, kernels.outline(), offset=-17.5),
    ):
        np.testing.assert_array_equal(call(lazy).compute(), call(image))


@pytest.mark.parametrize("mode", ["nearest", "reflect", "mirror", "constant", "wrap"])
def test_alpha_correct_filters_in_bands_of_rows_equal_the_whole_image(monkeypatch, mode):
    from PIL import Image

    from cconv import images

    pixels = image_of(np.uint8, (61, 29, 4), 0, 256)
    pixels[20:30, :, 3] = 0
    picture = Image.fromarray(pixels, "RGBA")
    cases = [
        (cconv.blur, {"size": 5}, kernels.box(5), True, None),
        (cconv.gaussian_blur, {"sigma": 0.8}, kernels.gaussian(0.8), True, None),
        (cconv.filter, {"kernel": np.ones((4, 3)) / 12}, np.ones((4, 3)) / 12, True, None),
        (cconv.edges, {}, None, False, lambda c: unfused_edges(c, "hypot", mode, 7.0)),
    ]
    for function, params, kernel, smoothing, operator in cases:
        options = dict(params, mode=mode, cval=7.0)
        whole = np.asarray(function(picture, **options))
        monkeypatch.setattr(images, "_BAND_ROWS", 8)  # bands of 8 to 24 rows
        banded = np.asarray(function(picture, **options))
        monkeypatch.undo()
        assert np.abs(banded.astype(int) - whole).max() <= 1
        expected = unfused_alpha(pixels, kernel, 0.0, smoothing, operator) if operator else None
        if kernel is not None:
            colour, alpha = pixels[..., :3], pixels[..., 3:].astype(np.float64)
            weight = alpha / 255
            filtered = reference_filter(colour * weight, kernel, mode, 7.0)
            new_alpha = reference_filter(weight, kernel, mode, 7.0)
            filtered = np.divide(
                filtered, new_alpha, out=np.zeros_like(filtered), where=new_alpha > 0
            )
            expected = np.concatenate([filtered, new_alpha * 255], axis=-1)
        assert_rounds_to(banded, expected)


def test_repeated_edges_equal_the_first_and_follow_what_changed():
    """Repeated edges calls take the engine call the first decided (cconv.api._REPEATS)."""
    from cconv import api

    def sobel_pair(image, method, mode, dtype):
        if dtype is None:
            return cconv.edges(image, method, mode=mode, threads=1)
        smooth, difference = (1.0, 2.0, 1.0), (-1.0, 0.0, 1.0)
        return api.gradient(
            image,
            (smooth, difference),
            (difference, smooth),
            method,
            mode=mode,
            dtype=dtype,
            threads=1,
        )

    api._REPEATS.clear()
    image = image_of(np.uint8, (19, 23, 3), 0)
    for method in ("hypot", "max"):
        for mode, dtype in (("nearest", None), ("wrap", None), ("nearest", np.float32)):
            first = sobel_pair(image, method, mode, dtype)
            again = sobel_pair(image, method, mode, dtype)
            assert first.dtype == (image.dtype if dtype is None else dtype)
            np.testing.assert_array_equal(again, first)
            assert_matches_reference(
                again, unfused_edges(image, method, mode), np.ones((3, 3)) * 4, image
            )
    assert len(api._REPEATS) == 6
    strided = np.ascontiguousarray(image[:, ::-1])
    np.testing.assert_array_equal(cconv.edges(image[:, ::-1], threads=1), cconv.edges(strided))
