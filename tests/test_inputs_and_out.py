"""Unusual inputs (read-only, strided, byte-swapped), `out=` and aliasing: correct, never
modified."""

import numpy as np
import pytest

import cconv

from reference import assert_matches_reference, reference_filter

KERNEL = np.array([[0.0, -1.0, 0.5], [-1.0, 5.0, -1.0], [0.25, -1.0, 0.0]])


@pytest.fixture
def image():
    return np.random.default_rng(8).integers(0, 256, size=(20, 17, 3)).astype(np.uint8)


def check(result, image):
    assert_matches_reference(result, reference_filter(image, KERNEL), KERNEL, image)


def test_input_is_never_modified(image):
    before = image.copy()
    cconv.correlate(image, KERNEL)
    cconv.convolve(image, KERNEL, dtype=np.float64)
    np.testing.assert_array_equal(image, before)


def test_read_only_input(image):
    image.flags.writeable = False
    check(cconv.correlate(image, KERNEL), image)


@pytest.mark.parametrize(
    "view",
    [
        lambda a: a[::2, ::3],
        lambda a: a[:, :, ::-1],
        lambda a: a.transpose(1, 0, 2),
        lambda a: np.asfortranarray(a),
        lambda a: a[:, :, 1],
    ],
    ids=["strided", "reversed-channels", "transposed", "fortran", "one-channel-view"],
)
def test_non_contiguous_inputs(image, view):
    strided = view(image)
    check(cconv.correlate(strided, KERNEL), strided)


@pytest.mark.parametrize("dtype", [">u2", ">i2", ">f4", ">f8"])
def test_byte_swapped_inputs(dtype):
    image = (np.random.default_rng(1).random((9, 8)) * 1000).astype(dtype)
    result = cconv.correlate(image, KERNEL)
    assert result.dtype == np.dtype(dtype).newbyteorder("=")
    check(result, image)


def test_out_is_filled_and_returned(image):
    out = np.empty_like(image)
    assert cconv.correlate(image, KERNEL, out=out) is out
    check(out, image)


def test_out_may_be_the_input_itself(image):
    original = image.copy()
    result = cconv.correlate(image, KERNEL, out=image)
    assert result is image
    check(image, original)


def test_out_overlapping_the_input_in_another_dtype():
    buffer = np.random.default_rng(2).random((8, 12))
    original = buffer.copy()
    cconv.correlate(buffer, KERNEL, out=buffer, mode="mirror")
    expected = reference_filter(original, KERNEL, "mirror")
    assert_matches_reference(buffer, expected, KERNEL, original)


def test_non_contiguous_and_byte_swapped_out(image):
    out = np.empty((20, 17, 6), np.uint8)[:, :, ::2]
    assert cconv.correlate(image, KERNEL, out=out) is out
    check(out, image)
    swapped = np.empty(image.shape, ">f4")
    cconv.correlate(image, KERNEL, out=swapped)
    check(swapped, image)


@pytest.mark.parametrize("dtype", [np.float32, np.uint16, np.float64])
@pytest.mark.parametrize("method", ["direct", "separable", "box"])
def test_misaligned_arrays(monkeypatch, dtype, method):
    # Views at an odd byte offset: the input is copied to an aligned array and a misaligned
    # `out` filled from an aligned result (the compiled loops, streaming stores above all,
    # assume aligned samples). Streaming is forced, as for large outputs.
    monkeypatch.setattr(cconv.api, "_STREAM_BYTES", 0)
    rng = np.random.default_rng(3)
    image = (rng.random((20, 70, 3)) * 1000).astype(dtype)
    kernel = {
        "direct": rng.standard_normal((3, 3)),
        "separable": cconv.kernels.gaussian(1.0),
        "box": cconv.kernels.box(9),
    }[method]
    expected = cconv.correlate(image, kernel, method=method)

    def misaligned(shape):
        raw = np.zeros(np.prod(shape) * np.dtype(dtype).itemsize + 1, np.uint8)
        return raw[1:].view(dtype).reshape(shape)

    source, out = misaligned(image.shape), misaligned(image.shape)
    source[...] = image
    assert not source.flags.aligned and not out.flags.aligned
    assert cconv.correlate(source, kernel, method=method, out=out) is out
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(source, image)


def test_out_dtype_sets_the_result_dtype(image):
    out = np.empty(image.shape, np.float32)
    cconv.correlate(image, KERNEL, out=out)
    assert out.min() < 0  # unrounded, unsaturated
    check(out, image)


def test_pillow_image_input_is_read_only_and_works():
    Image = pytest.importorskip("PIL.Image")
    array = np.random.default_rng(6).integers(0, 256, size=(12, 10, 3)).astype(np.uint8)
    picture = Image.fromarray(array)
    check(cconv.correlate(picture, KERNEL), array)


def _rounded(values):
    return values.round().clip(0, 255)


def test_repeated_calls_equal_the_first_and_follow_what_changed(image):
    """A repeated call takes the engine call its first decided (cconv.api._REPEATS): the same
    values, and a fresh decision wherever anything it depends on differs."""
    from cconv import api

    api._REPEATS.clear()
    kernel = KERNEL.copy()
    first = cconv.correlate(image, kernel, threads=1)
    assert len(api._REPEATS) == 1
    again = cconv.correlate(image, kernel, threads=1)
    assert not np.shares_memory(again, first)
    np.testing.assert_array_equal(again, first)
    check(again, image)
    kernel[1, 1] = 4.0  # the same array, new weights
    np.testing.assert_array_equal(
        cconv.correlate(image, kernel, threads=1), _rounded(reference_filter(image, kernel))
    )
    calls = [
        (lambda: cconv.correlate(image[:, ::-1], KERNEL, threads=1), None),  # not contiguous
        (
            lambda: cconv.correlate(image.astype(">u2"), KERNEL, threads=1),  # byte-swapped
            reference_filter(image, KERNEL).round().clip(0, 65535),
        ),
        (
            lambda: cconv.correlate(image, KERNEL, threads=1, dtype=np.float32),
            reference_filter(image, KERNEL),
        ),
        (
            lambda: cconv.correlate(image, KERNEL, threads=1, mode="wrap"),
            _rounded(reference_filter(image, KERNEL, mode="wrap")),
        ),
        (
            lambda: cconv.correlate(image, KERNEL, threads=1, offset=3.5),
            _rounded(reference_filter(image, KERNEL) + 3.5),
        ),
        (lambda: cconv.correlate(image, KERNEL, threads=1, stride=2), first[::2, ::2]),
        (
            lambda: cconv.convolve(image, KERNEL, threads=1),
            _rounded(reference_filter(image, KERNEL, convolve=True)),
        ),
    ]
    calls[0] = (calls[0][0], _rounded(reference_filter(image[:, ::-1], KERNEL)))
    for call, expected in calls:  # the first time, and again (then from _REPEATS)
        for _ in range(2):
            np.testing.assert_allclose(call(), expected, atol=1e-4)
    assert cconv.correlate(image[:, ::-1], KERNEL, threads=1).flags.c_contiguous


def test_repeated_calls_follow_the_simd_module(image, simd_level):
    first = cconv.correlate(image, KERNEL, threads=1)
    np.testing.assert_array_equal(cconv.correlate(image, KERNEL, threads=1), first)
    check(first, image)
