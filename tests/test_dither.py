"""cconv.dither against the plain-Python definition (tests/reference.py), and Pillow's own
Floyd-Steinberg."""

import numpy as np
import pytest
from PIL import Image

import cconv
from cconv import dithering

from reference import DIFFUSION_MATRICES, dither_reference

METHODS = list(DIFFUSION_MATRICES)
DTYPES = [np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.float32, np.float64]


def random_image(rng, shape, dtype):
    if np.dtype(dtype).kind == "f":
        return rng.uniform(-0.1, 1.1, shape).astype(dtype)  # some outside [0, 1]: clipped
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, shape, endpoint=True).astype(dtype)


def random_palette(rng, colours, channels, dtype):
    if np.dtype(dtype).kind == "f":
        return rng.uniform(0, 1, (colours, channels))
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, (colours, channels), endpoint=True)


def test_kernels_agree_with_the_literature():
    for name, (matrix, divisor) in DIFFUSION_MATRICES.items():
        own_divisor, taps = dithering.DIFFUSION_KERNELS[name]
        centre = len(matrix[0]) // 2
        written = {
            (dy, dx - centre): w for dy, row in enumerate(matrix) for dx, w in enumerate(row) if w
        }
        assert own_divisor == divisor and dict(((dy, dx), w) for dy, dx, w in taps) == written


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("serpentine", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_levels_equal_the_reference(method, serpentine, dtype):
    rng = np.random.default_rng(hash((method, serpentine)) % 1000)
    image = random_image(rng, (11, 23, 3), dtype)
    for levels in (2, 3, 7):
        got = cconv.dither(image, levels, method=method, serpentine=serpentine)
        assert got.dtype == image.dtype and got.shape == image.shape
        np.testing.assert_array_equal(
            got, dither_reference(image, levels, method=method, serpentine=serpentine)
        )


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("serpentine", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_palette_equals_the_reference(method, serpentine, dtype):
    rng = np.random.default_rng(7)
    image = random_image(rng, (9, 21, 3), dtype)
    palette = random_palette(rng, 6, 3, dtype)
    got = cconv.dither(image, palette=palette, method=method, serpentine=serpentine)
    np.testing.assert_array_equal(
        got, dither_reference(image, palette=palette, method=method, serpentine=serpentine)
    )


@pytest.mark.parametrize(
    "shape",
    [
        (1, 1),
        (1, 40),
        (40, 1),
        (2, 3),
        (5, 2),
        (33, 70),
        (6, 9, 1),
        (6, 9, 2),
        (6, 9, 4),
        (7, 5, 9),
    ],
)
def test_shapes(shape):
    """Rows narrower than a chunk or the wavefront's lag, fewer rows than a band, channel
    counts up to past the engine's 8 (dithered in groups)."""
    rng = np.random.default_rng(3)
    image = random_image(rng, shape, np.uint8)
    for method in ("floyd-steinberg", "stucki"):
        np.testing.assert_array_equal(
            cconv.dither(image, 4, method=method), dither_reference(image, 4, method=method)
        )


def test_gray_palette_and_extreme_levels():
    rng = np.random.default_rng(4)
    image = random_image(rng, (17, 19), np.uint16)
    np.testing.assert_array_equal(
        cconv.dither(image, palette=[0, 1000, 65535]),
        dither_reference(image, palette=[[0], [1000], [65535]]),
    )
    np.testing.assert_array_equal(cconv.dither(image, 65536), image)  # every value a level
    small = random_image(rng, (17, 19), np.int8)
    np.testing.assert_array_equal(cconv.dither(small, 256), small)
    np.testing.assert_array_equal(cconv.dither(small, 255), dither_reference(small, 255))
    wide = random_image(rng, (9, 12), np.int32)  # levels past the quantisation table
    np.testing.assert_array_equal(cconv.dither(wide, 9), dither_reference(wide, 9))


def test_pillow_arithmetic():
    """The reference, with Pillow's split at 128, is Pillow's Floyd-Steinberg bit for bit; and
    cconv splits at the midpoint instead (128 to white)."""
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, (64, 90), dtype=np.uint8)
    pillow = np.asarray(Image.fromarray(image).convert("1"), np.uint8) * 255
    np.testing.assert_array_equal(dither_reference(image, pillow_threshold=True), pillow)
    np.testing.assert_array_equal(cconv.dither(np.full((1, 1), 128, np.uint8)), [[255]])
    # the same average tone as Pillow's over a gradient
    ramp = np.tile(np.linspace(0, 255, 256).astype(np.uint8), (64, 1))
    ours = cconv.dither(ramp).reshape(64, 16, 16).mean(axis=(0, 2))
    theirs = (
        (np.asarray(Image.fromarray(ramp).convert("1"), float) * 255)
        .reshape(64, 16, 16)
        .mean(axis=(0, 2))
    )
    np.testing.assert_allclose(ours, theirs, atol=4)


def test_keeps_tone_and_leaves_input_alone():
    image = np.tile(np.linspace(0, 1, 200), (150, 1)).astype(np.float32)
    before = image.copy()
    result = cconv.dither(image)
    assert set(np.unique(result)) <= {0.0, 1.0}
    np.testing.assert_allclose(
        result.mean(axis=0).reshape(20, 10).mean(axis=1),
        image.mean(axis=0).reshape(20, 10).mean(axis=1),
        atol=0.03,
    )
    np.testing.assert_array_equal(image, before)


def test_nan_counts_as_the_lowest_value():
    image = np.full((4, 5), np.nan)
    np.testing.assert_array_equal(cconv.dither(image, 3), np.zeros((4, 5)))
    mixed = np.random.default_rng(6).uniform(0, 1, (8, 9))
    mixed[2, 3] = np.nan
    mixed[5, 1] = np.inf
    np.testing.assert_array_equal(cconv.dither(mixed), dither_reference(mixed))


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_batches_and_threads(threads):
    rng = np.random.default_rng(8)
    batch = random_image(rng, (5, 13, 17, 3), np.uint8)
    got = cconv.dither(batch, 3, threads=threads, method="sierra")
    for image, result in zip(batch, got):
        np.testing.assert_array_equal(result, dither_reference(image, 3, method="sierra"))


def test_float16_and_byte_order():
    rng = np.random.default_rng(9)
    image = rng.uniform(0, 1, (7, 8)).astype(np.float16)
    got = cconv.dither(image, 5)
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got, dither_reference(image.astype(np.float32), 5))
    swapped = random_image(rng, (7, 8), np.uint16).astype(">u2")
    np.testing.assert_array_equal(
        cconv.dither(swapped), dither_reference(swapped.astype(np.uint16))
    )


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda a: cconv.dither(a, method="nope"), ValueError, "method"),
        (lambda a: cconv.dither(a, method=3), TypeError, "method"),
        (lambda a: cconv.dither(a, 1), ValueError, "levels"),
        (lambda a: cconv.dither(a, 257), ValueError, "levels"),
        (lambda a: cconv.dither(a, 2.5), TypeError, "levels"),
        (lambda a: cconv.dither(a, True), TypeError, "levels"),
        (lambda a: cconv.dither(a, 2, palette=[0, 255]), ValueError, "levels"),
        (lambda a: cconv.dither(a, palette=[[0, 0], [255, 255]]), ValueError, "palette"),
        (lambda a: cconv.dither(a, palette=[0, 256]), ValueError, "palette"),
        (lambda a: cconv.dither(a, palette=[0, 0.5]), ValueError, "palette"),
        (lambda a: cconv.dither(a, palette=[]), ValueError, "palette"),
        (lambda a: cconv.dither(a, palette=range(257)), ValueError, "palette"),
        (lambda a: cconv.dither(a, palette=[np.nan]), ValueError, "palette"),
        (lambda a: cconv.dither(a, palette="red"), TypeError, "palette"),
        (lambda a: cconv.dither(a, serpentine="yes"), TypeError, "serpentine"),
        (lambda a: cconv.dither(a, threads=0), ValueError, "threads"),
        (lambda a: cconv.dither(a.astype(np.int64)), TypeError, "image"),
        (lambda a: cconv.dither(a.astype(bool)), TypeError, "image"),
        (lambda a: cconv.dither(a[0]), ValueError, "image"),
        (
            lambda a: cconv.dither(np.zeros((2, 2, 9)), palette=np.zeros((2, 9))),
            ValueError,
            "palette",
        ),
    ],
)
def test_errors_name_the_argument(call, error, words):
    with pytest.raises(error, match=words):
        call(np.zeros((4, 4), np.uint8))


def test_pillow_modes():
    rng = np.random.default_rng(10)
    gray = rng.integers(0, 256, (20, 30), dtype=np.uint8)
    picture = cconv.dither(Image.fromarray(gray))
    assert picture.mode == "1"
    np.testing.assert_array_equal(np.asarray(picture, np.uint8) * 255, dither_reference(gray))
    assert cconv.dither(Image.fromarray(gray), 4).mode == "L"
    rgb = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    palette = [[0, 0, 0], [255, 255, 255], [200, 30, 30], [20, 20, 180]]
    indexed = cconv.dither(Image.fromarray(rgb), palette=palette)
    assert indexed.mode == "P"
    np.testing.assert_array_equal(
        np.asarray(indexed.convert("RGB")), dither_reference(rgb, palette=palette)
    )
    gray_palette = cconv.dither(Image.fromarray(gray), palette=[0, 100, 255])
    assert gray_palette.mode == "P"
    np.testing.assert_array_equal(
        np.asarray(gray_palette.convert("L")), dither_reference(gray, palette=[[0], [100], [255]])
    )
    rgba = np.concatenate([rgb, rng.integers(0, 256, (20, 30, 1), dtype=np.uint8)], axis=-1)
    result = cconv.dither(Image.fromarray(rgba), 2)
    assert result.mode == "RGBA"
    np.testing.assert_array_equal(np.asarray(result)[..., 3], rgba[..., 3])  # alpha kept
    np.testing.assert_array_equal(np.asarray(result)[..., :3], dither_reference(rgb, 2))
    sixteen = Image.frombytes("I;16", (30, 20), (gray.astype("<u2") * 257).tobytes())
    assert cconv.dither(sixteen, 3).mode == "I;16"
    assert cconv.dither(Image.fromarray(gray).convert("P")).mode == "RGB"
    with pytest.raises(ValueError, match="'F'"):
        cconv.dither(Image.fromarray(gray).convert("F"))


def test_dask_equals_memory():
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(11)
    image = random_image(rng, (3, 40, 50, 3), np.uint8)
    lazy = cconv.dither(da.from_array(image, chunks=(1, 16, 16, 1)), 3, method="atkinson")
    assert isinstance(lazy, da.Array) and lazy.chunks == (
        (1, 1, 1),
        (16, 16, 8),
        (16, 16, 16, 2),
        (1, 1, 1),
    )
    np.testing.assert_array_equal(lazy.compute(), cconv.dither(image, 3, method="atkinson"))
    palette = [[0, 0, 0], [255, 0, 0], [255, 255, 255]]
    np.testing.assert_array_equal(
        cconv.dither(da.from_array(image, chunks=(2, 16, 16, 1)), palette=palette).compute(),
        cconv.dither(image, palette=palette),
    )
    with pytest.raises(ValueError, match="levels"):
        cconv.dither(da.from_array(image), 1)


def test_as_a_named_filter():
    rng = np.random.default_rng(12)
    image = rng.integers(0, 256, (10, 12), dtype=np.uint8)
    np.testing.assert_array_equal(
        cconv.filter(image, "dither", levels=3, method="burkes"),
        dither_reference(image, 3, method="burkes"),
    )
    with pytest.raises(ValueError, match="mode"):
        cconv.filter(image, "dither", mode="wrap")


@pytest.mark.parametrize("channels", [1, 2, 4])
def test_palette_cache_of_8_bit_images(channels):
    """Few distinct colours, so that the nearest-colour cache is hit; 1 to 4 channels."""
    rng = np.random.default_rng(13)
    image = (rng.integers(0, 4, (30, 40, channels)) * 60).astype(np.uint8)
    palette = rng.integers(0, 256, (7, channels))
    np.testing.assert_array_equal(
        cconv.dither(image, palette=palette), dither_reference(image, palette=palette)
    )
    signed = (image.astype(np.int16) - 128).astype(np.int8)
    np.testing.assert_array_equal(
        cconv.dither(signed, palette=palette - 128), dither_reference(signed, palette=palette - 128)
    )


@pytest.mark.parametrize("threads", [2, 3, 7])
@pytest.mark.parametrize("shape", [(41, 97), (40, 150, 3), (7, 5), (2, 30, 20, 2)])
def test_one_image_on_several_threads(threads, shape):
    """Fewer images than threads: the bands of rows of each image are shared by the threads
    (each waiting for the band above); the same values as one thread and the reference."""
    rng = np.random.default_rng(14)
    image = random_image(rng, shape, np.uint8)
    for method in ("floyd-steinberg", "stucki", "sierra-lite"):
        got = cconv.dither(image, 3, method=method, threads=threads)
        assert np.array_equal(got, cconv.dither(image, 3, method=method, threads=1))
        images = image[None] if image.ndim < 4 else image
        for one, result in zip(images, got[None] if image.ndim < 4 else got):
            np.testing.assert_array_equal(result, dither_reference(one, 3, method=method))
    floats = rng.uniform(0, 1, shape)
    np.testing.assert_array_equal(
        cconv.dither(floats, threads=threads), cconv.dither(floats, threads=1)
    )
    if image.ndim >= 3:
        palette = rng.integers(0, 256, (5, shape[-1]))
        got = cconv.dither(image, palette=palette, threads=threads)
        for one, result in zip(images, got[None] if image.ndim < 4 else got):
            np.testing.assert_array_equal(result, dither_reference(one, palette=palette))


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16, np.int16])
@pytest.mark.parametrize("channels", [1, 2, 3])
def test_large_palettes_ties_and_repeated_colours(dtype, channels):
    """Palettes of many colours, some repeated and some equidistant from others: each pixel
    searches only the colours that can be nearest in its cell of the palette's grid, and gets
    the first of equals as a search of every colour would."""
    rng = np.random.default_rng(21)
    image = random_image(rng, (23, 29, channels), dtype)
    info = np.iinfo(dtype)
    palette = random_palette(rng, 150, channels, dtype)
    palette[75:100] = palette[:25]  # repeated colours: the first one wins
    palette[100:110] = np.clip(palette[:10] + 1, info.min, info.max)  # near-ties
    got = cconv.dither(image, palette=palette)
    np.testing.assert_array_equal(got, dither_reference(image, palette=palette))
    evenly = np.linspace(info.min, info.max, 7).astype(np.int64)[:, None].repeat(channels, 1)
    np.testing.assert_array_equal(  # midpoints between levels: exact ties
        cconv.dither(image, palette=evenly), dither_reference(image, palette=evenly)
    )
