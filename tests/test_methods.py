"""The separable and box paths (and the automatic choice) against the float64 reference."""

import zlib

import numpy as np
import pytest
from test_correlate import DTYPES, MODES, random_image

import cconv

from reference import assert_matches_reference, expected_integer, reference_filter

KERNEL_SHAPES = [(1, 1), (3, 3), (1, 6), (4, 1), (5, 8), (15, 2)]  # (15, 2): taller than images
IMAGE_SHAPES = [(1, 1), (7, 1), (6, 11, 3), (2, 9, 7, 2)]


def separable_kernel(shape, rng):
    column, row = rng.standard_normal(shape[0]), rng.standard_normal(shape[1])
    if shape[0] > 2:  # zero taps are skipped on both axes
        column[-1] = 0.0
    if shape[1] > 2:
        row[0] = 0.0
    # Scaled so that the weights' sum is not a round number: on a 1-pixel-wide image, 'mirror'
    # makes every output x * sum(weights), which for 1.7 would put half the pixels on ties.
    return np.outer(column, row) / max(1.0, np.abs(np.outer(column, row)).sum()) * 1.6180339887


def box_kernel(shape, rng):
    # A mean over an even count of integer pixels can land exactly on .5, where the last bit of
    # an inexact weight like 1/40 decides the rounding for any summation, the reference's too;
    # so 1/count only for odd counts (as cconv.kernels.box makes), exact weights otherwise.
    count = shape[0] * shape[1]
    return np.full(shape, rng.choice([1.0 / count if count % 2 else 0.25, 2.5, -0.75]))


@pytest.mark.parametrize("image_shape", IMAGE_SHAPES, ids=str)
@pytest.mark.parametrize("kernel_shape", KERNEL_SHAPES, ids=str)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("method", ["separable", "box"])
def test_method_matches_reference(simd_level, method, dtype, mode, kernel_shape, image_shape):
    rng = np.random.default_rng(
        zlib.crc32(repr((method, dtype, mode, kernel_shape, image_shape)).encode())
    )  # the same cases in every run
    image = random_image(image_shape, dtype, rng)
    kernel = (separable_kernel if method == "separable" else box_kernel)(kernel_shape, rng)
    reference = reference_filter(image, kernel, mode, cval=-9.0)
    for threads in (1, 3):
        result = cconv.correlate(
            image, kernel, mode=mode, cval=-9.0, threads=threads, method=method
        )
        assert_matches_reference(result, reference, kernel, image, cval=-9.0)
    flipped = reference_filter(image, kernel, mode, cval=-9.0, convolve=True)
    result = cconv.convolve(image, kernel, mode=mode, cval=-9.0, method=method)
    assert_matches_reference(result, flipped, kernel, image, cval=-9.0)


@pytest.mark.parametrize("method", ["separable", "box"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_results_do_not_depend_on_threads(method, dtype):
    rng = np.random.default_rng(5)
    image = random_image((3, 61, 40, 3), dtype, rng)
    kernel = (separable_kernel if method == "separable" else box_kernel)((7, 5), rng)
    single = cconv.correlate(image, kernel, threads=1, method=method)
    for threads in (2, 3, 8):
        np.testing.assert_array_equal(
            cconv.correlate(image, kernel, threads=threads, method=method), single
        )


@pytest.mark.parametrize("mode", ["reflect", "constant"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
# Odd heights 3 to 15 take loops of their own in full groups (src/column_pass.h); from 9 on, the
# engine's generic loop (the baseline module) takes two passes of the taps.
@pytest.mark.parametrize("kernel_height", [2, 3, 5, 7, 9, 11, 13, 15, 16])
@pytest.mark.parametrize("symmetric", [False, True], ids=["asymmetric", "symmetric"])
def test_separable_groups_of_output_rows(simd_level, dtype, kernel_height, mode, symmetric):
    # With no zero column weight, the separable path computes output rows in groups of up to
    # four where all the rows under them lie inside the image (so in constant mode, not near
    # the top and the bottom); a block's last group may be shorter (21 rows: 3 threads give
    # blocks of 7 = 4 + 3, 2 threads 11 + 10, 5 threads 5 = 4 + 1). Every row must come out
    # the same whichever way its block was cut. The shapes cover the vector loops' tails (33
    # pixels), rows of more than one chunk (5500 RGB pixels: 16500 samples, chunks of 16384),
    # and a kernel wider than the image (41 on 33), whose edges repeat the border columns or
    # are cval. Symmetric column weights (odd heights to 15) take uint8 images through their
    # own loops, which add each pair of rows first (src/column_pass.h).
    rng = np.random.default_rng(kernel_height)
    column = rng.uniform(0.2, 1.0, kernel_height) * rng.choice([-1, 1], kernel_height)
    if symmetric:
        column[kernel_height // 2 + 1 :] = column[: (kernel_height - 1) // 2][::-1]
    for shape, kernel_width in [((2, 21, 33, 3), 3), ((1, 9, 5500, 3), 5), ((21, 33), 41)]:
        row = rng.uniform(0.2, 1.0, kernel_width)
        kernel = np.outer(column, row) / (kernel_height * row.sum())
        image = random_image(shape, dtype, rng)
        reference = reference_filter(image, kernel, mode, cval=7.25)
        single = cconv.correlate(image, kernel, mode=mode, cval=7.25, threads=1, method="separable")
        assert_matches_reference(single, reference, kernel, image, cval=7.25)
        for threads in (2, 3, 5):
            np.testing.assert_array_equal(
                cconv.correlate(
                    image, kernel, mode=mode, cval=7.25, threads=threads, method="separable"
                ),
                single,
            )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32], ids=lambda d: np.dtype(d).name)
def test_separable_borders_of_rows_longer_than_a_chunk(simd_level, dtype, mode):
    # The separable path filters a row in chunks of 16384 samples, and copies each border
    # sample from the image sample it repeats where that one is in the same chunk, else
    # filters it on its own ('wrap': the right border repeats the row's start, in the first
    # chunk). Rows of 5500 RGB pixels (chunks of 16384 and 116 samples) and of 16390 gray pixels
    # (under a kernel 21 wide, the right border lies in both chunks: the first one's halo
    # and the second); 7 rows, so that some rows are computed in groups and some alone.
    rng = np.random.default_rng(8)
    for shape in [(7, 5500, 3), (7, 16390)]:
        image = random_image(shape, dtype, rng)
        for kernel_width, column in [(5, [1.0, 3.0, 4.0, 3.0, 1.0]), (21, [1.0, 3.0, 2.0])]:
            row = rng.uniform(0.2, 1.0, kernel_width)
            kernel = np.outer(column, row) / (sum(column) * row.sum())
            reference = reference_filter(image, kernel, mode, cval=7.25)
            result = cconv.correlate(
                image, kernel, mode=mode, cval=7.25, threads=1, method="separable"
            )
            assert_matches_reference(result, reference, kernel, image, cval=7.25)
            np.testing.assert_array_equal(
                cconv.correlate(image, kernel, mode=mode, cval=7.25, threads=3, method="separable"),
                result,
            )


@pytest.mark.parametrize("mode", ["nearest", "constant"])
@pytest.mark.parametrize("out_dtype", [np.uint8, np.float32], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32], ids=lambda d: np.dtype(d).name)
def test_direct_groups_of_output_rows(simd_level, dtype, out_dtype, mode):
    # Dense kernels of 4 rows and more take the direct path's output rows in groups in the
    # AVX2 / AVX-512 modules (3 or 4 rows, src/row_taps.h), which multiply some of the group's
    # zero weights too; a block's last group may be short (21 rows:
    # 2 threads give blocks of 11 and 10, 3 threads 7, 5 threads 5). Every row must match the
    # reference and come out the same whichever way its block was cut, bit for bit. Shapes:
    # the vector loops' tails (37 RGB pixels), a kernel larger than the image (23x23 on 6x5).
    rng = np.random.default_rng(21)
    for shape, kernel_shape in [
        ((21, 37, 3), (15, 15)),
        ((2, 21, 70), (9, 11)),
        ((21, 9), (4, 4)),
        ((6, 5), (23, 23)),
    ]:
        kernel = rng.uniform(-1, 1, kernel_shape)
        kernel[kernel_shape[0] // 2, 0] = 0.0  # a zero weight of the kernel's own
        kernel *= 1.7 / np.abs(kernel).sum()
        image = random_image(shape, dtype, rng)
        reference = reference_filter(image, kernel, mode, cval=7.25)
        single = cconv.correlate(
            image, kernel, mode=mode, cval=7.25, threads=1, method="direct", dtype=out_dtype
        )
        assert_matches_reference(single, reference, kernel, image, cval=7.25)
        for threads in (2, 3, 5):
            np.testing.assert_array_equal(
                cconv.correlate(
                    image,
                    kernel,
                    mode=mode,
                    cval=7.25,
                    threads=threads,
                    method="direct",
                    dtype=out_dtype,
                ),
                single,
            )


def integer_kernel(shape, rng):
    """Integer weights, most of them 1 or -1 as in sharpen or Laplacian kernels, some larger,
    some 0, at most 128 in absolute sum: the integer direct path's kernels on uint8 images."""
    kernel = rng.choice([-1, 1, -1, 1, 0, 2, -3, 5], size=shape).astype(np.float64)
    while np.abs(kernel).sum() > 128:  # the largest weights go first
        kernel[np.unravel_index(np.argmax(np.abs(kernel)), shape)] = 0
    return kernel


INTEGER_KERNELS = {
    "sharpen": cconv.kernels.sharpen(),
    "laplacian8": cconv.kernels.laplacian(8),
    "emboss": cconv.kernels.emboss(),
    "sobel_x": cconv.kernels.sobel_x(),
    "scharr_y": cconv.kernels.scharr_y(),
    "outline": cconv.kernels.outline(),
    "1x1": np.array([[3.0]]),
    "2x1": np.array([[-1.0], [2.0]]),
    "3x3": (3, 3),
    "5x5": (5, 5),
    "2x9": (2, 9),
    "9x4": (9, 4),
    "15x15": (15, 15),
    # the limit: 128 * 255 = 32640 fits in int16 (integer path); 129 does not (float path)
    "sum128": np.array([[64.0, 64.0]]),
    "minus128": np.array([[-64.0], [-64.0]]),
    "sum129": np.array([[100.0, 29.0]]),
    "minus129": np.array([[-100.0, -29.0]]),
}


@pytest.mark.parametrize("channels", [None, 2, 3, 4])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kernel_name", INTEGER_KERNELS)
def test_integer_direct_path_is_exact(simd_level, kernel_name, mode, channels):
    # uint8 to uint8 under integer weights whose absolute sum times 255 fits in int16 sums
    # exactly in int16 (src/integer_taps.h): weights of 1 and -1 without a multiply, blocks of
    # 64 and 16 samples and a scalar tail; rows of IN_PLACE_ROW samples and more read in place
    # away from the left and right borders, shorter ones copied whole. Exact sums, so the
    # results equal the reference's saturated integers everywhere, for any thread count.
    # Widths around the blocks (15 to 65 pixels, 130 RGBA = 520 samples), narrower than the
    # kernel, and around IN_PLACE_ROW; the constant mode with cvals the path keeps as uint8 and
    # ones it does not (negative, fractional: the float path, equally exact here).
    rng = np.random.default_rng(zlib.crc32(repr((kernel_name, mode, channels)).encode()))
    kernel = INTEGER_KERNELS[kernel_name]
    if isinstance(kernel, tuple):
        kernel = integer_kernel(kernel, rng)
    cvals = [0.0, 200.0, 255.0, -3.0, 7.5] if mode == "constant" else [0.0]
    in_place = -(-cconv._engine.engine.IN_PLACE_ROW // (channels or 1))  # the narrowest width
    for height, width, widths_cvals, threads_list in [
        (9, width, cvals, (1, 3)) for width in (1, 3, 15, 16, 17, 63, 64, 65, 130)
    ] + [(5, width, cvals[:2], (1,)) for width in (in_place - 1, in_place, in_place + 5)]:
        shape = (height, width) if channels is None else (height, width, channels)
        image = random_image(shape, np.uint8, rng)
        if kernel_name.endswith("128") or kernel_name.endswith("129"):
            image[::2] = 255  # sums at the limit
        for cval in widths_cvals:
            expected = expected_integer(reference_filter(image, kernel, mode, cval=cval), np.uint8)
            for threads in threads_list:
                result = cconv.correlate(
                    image, kernel, mode=mode, cval=cval, threads=threads, method="direct"
                )
                np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_direct_reads_float_images_in_place(simd_level, dtype, mode):
    # A float32 / float64 image with rows of IN_PLACE_ROW samples and more (half as many of
    # float64) is read where it is
    # (direct_block in src/_core.pyx): only the outputs within reach of the left and right
    # borders read extended rows, of which only the parts near the borders are filled. Shorter
    # rows are copied whole. Widths from one less than the kernel's (no interior: the whole
    # row is extended) to twice it, and around IN_PLACE_ROW; anchors of odd and even kernels
    # on both sides (correlate and convolve), one row at a time and in groups (4 rows and
    # more), one and three channels. The image must come out unchanged.
    rng = np.random.default_rng(zlib.crc32(repr((dtype, mode)).encode()))
    for kernel_shape in [(1, 1), (3, 1), (1, 4), (3, 3), (5, 2), (4, 5), (7, 8)]:
        kernel = rng.uniform(-1, 1, kernel_shape)
        kernel *= 1.7 / np.abs(kernel).sum()
        kernel_width = kernel_shape[1]
        for channels in (1, 3):
            samples = cconv._engine.engine.IN_PLACE_ROW * 4 // np.dtype(dtype).itemsize
            in_place = -(-samples // channels)  # the narrowest width
            for height, width in [
                (70, width)
                for width in sorted(
                    {max(1, kernel_width - 1), kernel_width, kernel_width + 1, 2 * kernel_width + 1}
                )
            ] + [(13, width) for width in (in_place - 1, in_place, in_place + 1)]:
                image = random_image((height, width, channels), dtype, rng)
                before = image.copy()
                for flip, function in ((False, cconv.correlate), (True, cconv.convolve)):
                    reference = reference_filter(image, kernel, mode, cval=-3.5, convolve=flip)
                    single = function(
                        image, kernel, mode=mode, cval=-3.5, threads=1, method="direct"
                    )
                    assert_matches_reference(single, reference, kernel, image, cval=-3.5)
                    np.testing.assert_array_equal(
                        function(image, kernel, mode=mode, cval=-3.5, threads=3, method="direct"),
                        single,
                    )
                np.testing.assert_array_equal(image, before)


@pytest.mark.parametrize(
    "zero_rows", [[0], [6], [0, 1], [3], [0, 1, 2, 4, 5, 6], [1, 2, 3, 4, 5]], ids=str
)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32], ids=lambda d: np.dtype(d).name)
def test_direct_groups_with_zero_kernel_rows(simd_level, dtype, zero_rows):
    # A group does not multiply the weights its rows do not have at its first and last taps
    # (row_taps.h, cconv_group_spans: where each row's non-zero weights start and end). Kernel
    # rows of zeros move those ends, down to a kernel with one non-zero row, where no two rows
    # of a group share a tap. 21 rows: groups cut short by 2, 3 and 5 threads.
    rng = np.random.default_rng(len(zero_rows))
    kernel = rng.uniform(-1, 1, (7, 5))
    kernel[zero_rows] = 0.0
    kernel *= 1.3 / np.abs(kernel).sum()
    image = random_image((21, 37, 3), dtype, rng)
    single = cconv.correlate(image, kernel, threads=1, method="direct")
    assert_matches_reference(single, reference_filter(image, kernel), kernel, image)
    for threads in (2, 3, 5):
        np.testing.assert_array_equal(
            cconv.correlate(image, kernel, threads=threads, method="direct"), single
        )


@pytest.mark.parametrize("out_dtype", [np.uint8, np.float32], ids=lambda d: np.dtype(d).name)
def test_direct_groups_skip_zero_weights_at_nan_and_infinity(simd_level, out_dtype):
    # A group multiplies its zero weights, and 0 * inf is NaN where scipy (skipping them) gives
    # a number: so rows under a group that hold NaN or infinity are computed one at a time.
    # Here the kernel's first row and middle column are zero, so many outputs meet the
    # infinities only through zero weights, and must stay finite.
    rng = np.random.default_rng(12)
    image = (rng.standard_normal((40, 50, 2)) * 10).astype(np.float32)
    image[9, 20, 0], image[10, 3, 1], image[30, 44, 0] = np.inf, -np.inf, np.nan
    kernel = rng.uniform(-1, 1, (15, 15)) / 30
    kernel[0, :], kernel[:, 7] = 0.0, 0.0
    with np.errstate(invalid="ignore"):  # inf - inf in the reference's sum
        reference = reference_filter(image, kernel)
    single = cconv.correlate(image, kernel, threads=1, method="direct", dtype=out_dtype)
    if out_dtype == np.float32:
        np.testing.assert_array_equal(np.isnan(single), np.isnan(reference))
        finite = np.isfinite(reference)
        np.testing.assert_array_equal(np.isinf(single), np.isinf(reference))
        assert_matches_reference(
            single[finite], reference[finite], kernel, image[np.isfinite(image)]
        )
    else:
        assert_matches_reference(single, np.nan_to_num(reference, nan=0.0), kernel, image)
    for threads in (2, 3):
        np.testing.assert_array_equal(
            cconv.correlate(image, kernel, threads=threads, method="direct", dtype=out_dtype),
            single,
        )


@pytest.mark.parametrize("dtype", [np.uint8, np.float32], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("method", ["direct", "separable"])
def test_streaming_stores_at_every_alignment(simd_level, monkeypatch, method, dtype):
    # Outputs of cconv.api._STREAM_BYTES and more are written with streaming stores, in blocks
    # from a 64-byte boundary of each row (src/row_taps.h). Forced here on small images, into
    # outputs starting at every alignment: rows long enough for blocks (150 and 650 samples)
    # and too short (11); results must be those of normal stores, bit for bit.
    rng = np.random.default_rng(11)
    if method == "direct":
        kernel = rng.standard_normal((3, 3)) / 3
    else:
        kernel = separable_kernel((5, 5), rng)
    for shape in [(7, 50, 3), (2, 5, 130), (3, 11, 1)]:
        image = random_image(shape, dtype, rng)
        reference = reference_filter(image, kernel)
        expected = cconv.correlate(image, kernel, method=method)
        assert_matches_reference(expected, reference, kernel, image)
        monkeypatch.setattr(cconv.api, "_STREAM_BYTES", 0)
        for offset in (0, 1, 5, 15, 16, 17, 40, 63):  # samples: every 64-byte alignment
            out = np.empty(image.size + offset, dtype)[offset:].reshape(shape)
            for threads in (1, 2):
                out.fill(0)
                cconv.correlate(image, kernel, method=method, out=out, threads=threads)
                np.testing.assert_array_equal(out, expected)
        monkeypatch.undo()


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("method", ["direct", "separable", "box"])
def test_nan_and_infinity_stay_inside_their_windows(simd_level, method, dtype):
    # The box path subtracts rows leaving its running column sums: a NaN or infinity there
    # would spread down the column, so that path must recompute instead (float32: the update
    # itself reports it, window_sums.h). The rows of the NaN and infinities enter the window
    # through that update, not at a row where the sums are recomputed anyway.
    image = np.zeros((40, 9), dtype)
    image[5, 4], image[12, 2], image[20, 6], image[21, 6] = np.inf, np.nan, -np.inf, np.inf
    kernel = np.full((3, 3), 0.5)
    result = cconv.correlate(image, kernel, method=method)
    with np.errstate(invalid="ignore"):  # inf - inf in the reference's sum
        reference = reference_filter(image, kernel)
    np.testing.assert_array_equal(np.isnan(result), np.isnan(reference))
    np.testing.assert_array_equal(result, reference)


def test_auto_choice_follows_the_kernels_structure():
    k = cconv.kernels
    assert cconv.choose_method(k.gaussian(3.0)) == "separable"
    assert cconv.choose_method(k.box(31)) == "box"
    assert cconv.choose_method(np.ones((2, 15))) == "box"
    assert cconv.choose_method(np.ones((2, 9))) == "separable"  # small boxes: two short passes
    # exact integer sums: from kh + kw = 8 on 16-bit images; uint8's float32 passes are
    # faster up to kh + kw = 19
    assert cconv.choose_method(np.ones((2, 9)), np.uint16) == "box"
    assert cconv.choose_method(np.ones((2, 9)), np.uint8) == "separable"
    assert cconv.choose_method(np.ones((2, 18)), np.uint8) == "box"
    assert cconv.choose_method(np.ones((9, 9)), np.uint8) == "separable"
    assert cconv.choose_method(np.ones((10, 10)), np.uint8) == "box"
    assert cconv.choose_method(np.ones((4, 4)), "int16") == "box"
    assert cconv.choose_method(np.ones((4, 4)), np.float32) == "separable"
    assert cconv.choose_method(np.ones((3, 3)), np.uint8) == "separable"
    assert cconv.choose_method(np.ones((4, 4)), np.int32) == "separable"  # read as float64
    assert cconv.choose_method(np.ones((4, 4)), np.int8) == "box"  # read as int16
    assert cconv.choose_method(np.ones((4, 4)), np.uint8, (64, 64, 3), 1) == "separable"
    assert cconv.choose_method(np.outer([1, 4, 6, 4, 1], [1, 2, 0, -2, -1])) == "separable"
    assert cconv.choose_method(k.sobel_x()) == "direct"  # 6 non-zero taps: splitting saves 1
    assert cconv.choose_method(k.sharpen()) == "direct"  # rank 2
    assert cconv.choose_method([[1.0, 2.0, 3.0]]) == "direct"  # one row: nothing to split
    assert cconv.choose_method(np.random.default_rng(0).standard_normal((15, 15))) == "direct"
    assert cconv.choose_method([[0.0, 0.0], [0.0, 0.0]]) == "direct"


def test_uint8_into_float_outputs_splits_from_one_tap_saved():
    """A 3x3 Sobel on uint8: separable into float outputs (the uint8 rows read as they are),
    direct into uint8 (the exact int16 path), with the same values."""
    sobel = cconv.kernels.sobel_x()
    u8, f32 = np.dtype(np.uint8), np.dtype(np.float32)

    def path(source, output):
        return cconv.api._choose_path(sobel, "auto", source, source, output, 0, 0.0, (64, 64), 1)[0]

    assert path(u8, f32) == "separable"
    assert path(u8, u8) == "direct"
    assert path(f32, f32) == "direct"
    image = random_image((40, 50, 3), np.uint8, np.random.default_rng(2))
    np.testing.assert_array_equal(
        cconv.correlate(image, sobel, dtype=np.float32),
        cconv.correlate(image, sobel, dtype=np.float32, method="direct"),
    )


@pytest.mark.parametrize(
    "kernel",
    [
        pytest.param(cconv.kernels.gaussian(2.0), id="gaussian"),
        pytest.param(cconv.kernels.box(9), id="box"),
        pytest.param(np.outer([1.0, 2, 1], [1.0, 0, -1]), id="sobel"),
    ],
)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_auto_agrees_with_the_direct_path(kernel, dtype):
    image = random_image((50, 45, 3), dtype, np.random.default_rng(1))
    reference = reference_filter(image, kernel)
    assert_matches_reference(cconv.correlate(image, kernel), reference, kernel, image)
    assert_matches_reference(
        cconv.correlate(image, kernel, method="direct"), reference, kernel, image
    )


def test_a_nearly_rank_one_kernel_is_not_split():
    kernel = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0])
    kernel[0, 0] += 1e-9
    assert cconv.choose_method(kernel) == "direct"
    with pytest.raises(ValueError, match="`method` 'separable' needs a rank-1 kernel"):
        cconv.correlate(np.zeros((4, 4)), kernel, method="separable")


@pytest.mark.parametrize("method", ["FFT", "Box", None, 3])
def test_unknown_method_is_refused(method):
    with pytest.raises(ValueError, match="`method` must be one of"):
        cconv.correlate(np.zeros((4, 4)), np.ones((3, 3)), method=method)


def test_box_method_needs_equal_weights():
    with pytest.raises(ValueError, match="`method` 'box' needs"):
        cconv.correlate(np.zeros((4, 4)), [[1.0, 2.0]], method="box")
    with pytest.raises(ValueError, match="`method` 'box' needs"):
        cconv.correlate(np.zeros((4, 4)), np.zeros((3, 3)), method="box")


@pytest.mark.parametrize("channels", [1, 2, 3, 4, 5, 6, 7, 8, 16, 17])  # 17: past 16 lanes
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16], ids=lambda d: np.dtype(d).name)
def test_integer_box_running_sums(simd_level, dtype, channels):
    # Integer images take exact integer running sums on the box path, 16 lanes at a time in
    # the AVX-512 module, 8 in the AVX2 module (two chains, the row's halves, where rows are
    # long: the 400-pixel rows; 1, 2 and 4 channels by byte shifts, 3 and 5 to 8 a pixel at a
    # time): rows of many blocks, channel counts around the lane counts, and the constant mode
    # with an integer cval (still exact) and a fractional one (the float path).
    rng = np.random.default_rng(zlib.crc32(repr((dtype, channels)).encode()))
    for shape in [(2, 13, 37, channels), (1, 5, 400, channels)]:
        image = random_image(shape, dtype, rng)
        for kernel_shape in [(31, 31), (1, 16), (9, 2)]:
            kernel = box_kernel(kernel_shape, rng)
            for mode, cval in [
                ("nearest", 0.0),
                ("wrap", 0.0),
                ("constant", -9.0),
                ("constant", 2.5),
            ]:
                reference = reference_filter(image, kernel, mode, cval=cval)
                for threads in (1, 3):
                    result = cconv.correlate(image, kernel, mode=mode, cval=cval, threads=threads)
                    assert_matches_reference(result, reference, kernel, image, cval=cval)


@pytest.mark.parametrize("channels", [1, 2, 3, 4, 7, 8, 9])  # 9: past the vector loop's 8
def test_float32_box_running_sums(simd_level, monkeypatch, channels):
    # float32 boxes stored as float32 take running sums in double along the row, 16 outputs at
    # a time in the AVX-512 module (up to 8 channels), 8 in two chains (the row's halves) in
    # the AVX2 module (up to 4; window_sums.h): rows shorter and longer than a block, a box
    # wider than the image, a NaN (which sends its rows to the O(log k) window sums), normal
    # and streaming stores (at every output alignment); threads split the rows differently.
    rng = np.random.default_rng(channels)
    for shape in [(9, 3, channels), (12, 41, channels), (5, 150, channels)]:
        image = random_image(shape, np.float32, rng)
        if shape[1] == 41:
            image[4, 17, 0] = np.nan
        for kernel_shape in [(31, 31), (1, 16), (3, 45), (9, 2)]:
            kernel = box_kernel(kernel_shape, rng)
            for mode, cval in [("nearest", 0.0), ("wrap", 0.0), ("constant", -9.5)]:
                with np.errstate(invalid="ignore"):
                    reference = reference_filter(image, kernel, mode, cval=cval)
                expected = cconv.correlate(image, kernel, mode=mode, cval=cval, method="box")
                assert np.array_equal(np.isnan(expected), np.isnan(reference))
                finite = ~np.isnan(reference)
                assert_matches_reference(
                    expected[finite], reference[finite], kernel, np.nan_to_num(image), cval=cval
                )
                monkeypatch.setattr(cconv.api, "_STREAM_BYTES", 0)
                for offset, threads in [(0, 3), (1, 1), (9, 2), (15, 1)]:
                    out = np.empty(image.size + offset, np.float32)[offset:].reshape(shape)
                    cconv.correlate(
                        image, kernel, mode=mode, cval=cval, method="box", out=out, threads=threads
                    )
                    np.testing.assert_array_equal(out, expected)
                monkeypatch.undo()


@pytest.mark.parametrize("channels", [None, 2, 3, 4])  # the AVX2 row: chains, pixel steps
def test_float32_box_keeps_dark_regions_exact_next_to_bright_ones(simd_level, channels):
    # A running sum in float32 would carry the rounding of sums near 1e6 along the whole row,
    # into windows of values near 1e-3; in double (and in the window sums) it stays far below.
    image = np.full((8, 400), 1e-3, np.float32)
    image[:, :100] = 1e6
    image[:, 150:] += np.linspace(0, 1e-4, 250, dtype=np.float32)  # not a constant
    if channels is not None:
        image = np.stack([image * (c + 1) for c in range(channels)], axis=-1)
    kernel = cconv.kernels.box(31)
    result = cconv.correlate(image, kernel)
    reference = reference_filter(image, kernel)
    np.testing.assert_allclose(result[:, 120:], reference[:, 120:], rtol=1e-6)


@pytest.mark.parametrize("width", [32768, 32769])  # the last box whose uint16 sums fit in int32
def test_integer_box_sums_at_the_int32_limit(width):
    image = np.full((2, 3), 65535, np.uint16)
    kernel = np.full((1, width), 1.0 / 32768)  # exact: every output is 65535 * width / 32768
    expected = np.full((2, 3), min(65535, round(65535 * width / 32768)), np.uint16)
    np.testing.assert_array_equal(cconv.correlate(image, kernel, method="box"), expected)
    np.testing.assert_array_equal(
        cconv.correlate(image.astype(np.float64), kernel).round().clip(0, 65535), expected
    )


def test_choose_method_names_a_bad_dtype():
    with pytest.raises(TypeError, match="`dtype`"):
        cconv.choose_method(np.ones((3, 3)), "not a dtype")


@pytest.mark.parametrize("method", ["direct", "separable"])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32], ids=lambda d: np.dtype(d).name)
def test_several_blocks_per_thread_match_one_thread(method, dtype):
    # With 2 or 3 threads a 300-row plane is cut into several blocks per thread (at least 60
    # rows each for this 15-row kernel), handed out dynamically: which thread takes which block
    # varies from call to call, and every row must still come out as with one thread.
    rng = np.random.default_rng(21)
    image = random_image((300, 53, 3), dtype, rng)
    kernel = cconv.kernels.gaussian(3.0, 15)
    if method == "direct":
        kernel = kernel + rng.uniform(0, 1e-3, kernel.shape)  # not rank-1: dense direct taps
    single = cconv.correlate(image, kernel, threads=1, method=method)
    assert_matches_reference(single, reference_filter(image, kernel), kernel, image)
    for threads in (2, 3, 2, 3):
        np.testing.assert_array_equal(
            cconv.correlate(image, kernel, threads=threads, method=method), single
        )


@pytest.mark.parametrize("taps", range(1, 18))
@pytest.mark.parametrize("method", ["direct", "separable"])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32], ids=lambda d: np.dtype(d).name)
def test_every_row_tap_count(simd_level, taps, method, dtype):
    # The vector modules compile a row loop per odd tap count up to 15 (src/row_taps.h) and
    # one for any count: a row of `taps` non-zero weights (direct: a 1-row kernel; separable:
    # the row factor) takes one of them. 45 RGB pixels: 4-vector blocks, 16-sample blocks and
    # a scalar tail.
    rng = np.random.default_rng(taps)
    image = random_image((9, 45, 3), dtype, rng)
    row = rng.uniform(0.5, 1.5, taps) * rng.choice([-1, 1], taps)
    column = np.array([0.25, 0.5, 0.25]) if method == "separable" else np.ones(1)
    kernel = np.outer(column, row) / np.abs(row).sum()
    result = cconv.correlate(image, kernel, method=method)
    assert_matches_reference(result, reference_filter(image, kernel), kernel, image)


@pytest.mark.parametrize("taps", range(1, 18))
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("gap", [1, 2])
@pytest.mark.parametrize("method", ["direct", "separable"])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32], ids=lambda d: np.dtype(d).name)
def test_symmetric_row_loops(simd_level, taps, channels, gap, method, dtype):
    # A row of symmetric non-zero weights whose samples are 1, 3 or 4 apart (gray, RGB, RGBA;
    # or every other pixel of a 2-channel image, with zeros between the weights) takes a loop
    # per tap count and spacing in the vector modules (cconv_taps_block_contiguous in
    # src/row_taps.h); other spacings and even tap counts take the loops of any row.
    rng = np.random.default_rng(1000 * taps + 10 * channels + gap)
    image = random_image((9, 45, channels), dtype, rng)
    half = rng.uniform(0.5, 1.5, (taps + 1) // 2) * rng.choice([-1, 1], (taps + 1) // 2)
    weights = np.concatenate([half, half[::-1][taps % 2 :]])
    row = np.zeros((taps - 1) * gap + 1)
    row[::gap] = weights
    column = np.array([0.25, 0.5, 0.25]) if method == "separable" else np.ones(1)
    kernel = np.outer(column, row) / np.abs(row).sum()
    result = cconv.correlate(image, kernel, method=method)
    assert_matches_reference(result, reference_filter(image, kernel), kernel, image)
