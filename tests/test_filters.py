"""Ready-made filters, Pillow images in every mode, alpha correctness, cconv.Kernel."""

import numpy as np
import pytest
from PIL import Image, ImageFilter

import cconv
from cconv import kernels

from reference import reference_filter

RNG = np.random.default_rng(0)
RGB = RNG.integers(0, 256, size=(24, 31, 3)).astype(np.uint8)


def test_filters_on_arrays_equal_correlate_with_their_preset():
    cases = [
        (cconv.blur(RGB, 5), kernels.box(5)),
        (cconv.gaussian_blur(RGB, sigma=1.5), kernels.gaussian(1.5)),
        (cconv.sharpen(RGB, amount=0.5), kernels.sharpen(0.5)),
        (cconv.filter(RGB, "seed-blur"), kernels.seed_blur()),
        (cconv.filter(RGB, "gaussian", sigma=0.8, mode="wrap"), None),
    ]
    for result, kernel in cases[:-1]:
        np.testing.assert_array_equal(result, cconv.correlate(RGB, kernel))
    np.testing.assert_array_equal(
        cases[-1][0], cconv.correlate(RGB, kernels.gaussian(0.8), mode="wrap")
    )


def test_gaussian_blur_matches_scipy_gaussian_filter():
    ndimage = pytest.importorskip("scipy.ndimage")
    image = RNG.random((30, 40))
    np.testing.assert_allclose(
        cconv.gaussian_blur(image, sigma=2.0, mode="mirror"),
        ndimage.gaussian_filter(image, 2.0, mode="mirror"),
        atol=1e-12,
    )


def test_edges_hypot_and_max():
    image = RNG.random((20, 25)) * 100
    gx = reference_filter(image, kernels.sobel_x())
    gy = reference_filter(image, kernels.sobel_y())
    np.testing.assert_allclose(cconv.edges(image), np.hypot(gx, gy), atol=1e-9)
    np.testing.assert_allclose(
        cconv.edges(image, method="max"),
        np.maximum(np.maximum(gx, 0), np.maximum(gy, 0)),
        atol=1e-9,
    )
    as_uint8 = cconv.edges(RGB)
    assert as_uint8.dtype == np.uint8
    expected = np.clip(
        np.rint(
            np.hypot(
                reference_filter(RGB, kernels.sobel_x()), reference_filter(RGB, kernels.sobel_y())
            )
        ),
        0,
        255,
    )
    assert np.abs(as_uint8.astype(int) - expected).max() <= 1
    with pytest.raises(ValueError, match="method"):
        cconv.edges(RGB, method="magnitude")


def test_emboss_offsets_flat_areas_to_mid_grey():
    assert (cconv.emboss(np.full((5, 5), 77, np.uint8)) == 128).all()
    assert (cconv.emboss(np.full((5, 5), 900, np.uint16)) == 32768).all()
    # floats: zero up to the summation's rounding (the order of the additions is the engine's)
    np.testing.assert_allclose(cconv.emboss(np.full((5, 5), 0.3)), 0.0, rtol=0, atol=1e-15)
    assert (cconv.emboss(np.full((5, 5), 77, np.uint8), offset=10) == 10).all()
    ramp = np.tile(np.arange(0, 50, 5, dtype=np.uint8), (6, 1))
    np.testing.assert_array_equal(cconv.emboss(ramp)[2, 2:8], 128 + 6 * 5)  # columns -3, 0, 3


def test_filter_errors_name_the_problem():
    with pytest.raises(ValueError, match="sigma"):
        cconv.gaussian_blur(RGB, sigma=-1)
    with pytest.raises(ValueError, match="unknown kernel preset"):
        cconv.filter(RGB, "no-such")
    with pytest.raises(ValueError, match="only apply to a named preset"):
        cconv.filter(RGB, np.ones((3, 3)), sigma=2)
    with pytest.raises(ValueError, match="offset"):
        cconv.filter(RGB, "edges", offset=3)
    with pytest.raises(TypeError, match="image"):
        cconv.blur(np.zeros((4, 4), bool))


MODES_AND_SHAPES = [
    ("L", (24, 31)),
    ("RGB", (24, 31, 3)),
    ("RGBA", (24, 31, 4)),
    ("LA", (24, 31, 2)),
    ("CMYK", (24, 31, 4)),
    ("YCbCr", (24, 31, 3)),
    ("LAB", (24, 31, 3)),
    ("I;16", (24, 31)),
    ("I", (24, 31)),
    ("F", (24, 31)),
]


@pytest.fixture(params=["in place", "copied"])
def pillow_memory(request, monkeypatch):
    """Pillow images read and written in their own memory (Pillow's Arrow export), or copied
    (older Pillow, images in several blocks of memory)."""
    from cconv import images

    if request.param == "copied":
        monkeypatch.setattr(images, "_in_place", lambda image, writable=False: None)
        return request.param
    monkeypatch.setattr(images, "_IN_PLACE_BYTES", 0)  # (small test images too)
    if images._in_place(Image.new("RGB", (2, 2))) is None:
        pytest.skip("this Pillow exports no view of an image's memory")
    return request.param


@pytest.mark.parametrize(("mode", "shape"), MODES_AND_SHAPES, ids=[m for m, _ in MODES_AND_SHAPES])
def test_pillow_round_trip_keeps_mode_size_and_pixels(mode, shape, pillow_memory):
    array = _pixels_for(mode, shape)
    picture = Image.frombytes(mode, (shape[1], shape[0]), array.tobytes())
    picture.info["comment"] = "kept"
    same = cconv.filter(picture, kernels.identity(), premultiply=False)
    assert same.mode == mode and same.size == picture.size and same.info["comment"] == "kept"
    np.testing.assert_array_equal(np.asarray(same), np.asarray(picture))


@pytest.mark.parametrize(("mode", "shape"), MODES_AND_SHAPES, ids=[m for m, _ in MODES_AND_SHAPES])
def test_pillow_filtering_equals_array_filtering(mode, shape, pillow_memory):
    array = _pixels_for(mode, shape)
    picture = Image.frombytes(mode, (shape[1], shape[0]), array.tobytes())
    result = cconv.sharpen(picture, premultiply=False)
    if mode == "LAB":  # a and b are signed: filtered as a + 128 and b + 128
        signs = np.array([0, 128, 128], np.uint8)
        expected = cconv.sharpen(np.asarray(picture) ^ signs) ^ signs
    else:
        expected = cconv.sharpen(np.asarray(picture))
    np.testing.assert_array_equal(np.asarray(result), expected)


@pytest.mark.parametrize(
    "call",
    [
        lambda p: cconv.sharpen(p),
        lambda p: cconv.gaussian_blur(p, 1.5, stride=(2, 3)),
        lambda p: cconv.emboss(p),
        lambda p: cconv.edges(p),
        lambda p: cconv.edges(p, "max"),
        lambda p: cconv.unsharp_mask(p, 1.0, threshold=4),
        lambda p: cconv.filter(p, np.ones((2, 4)) / 8, mode="wrap"),
    ],
    ids=["sharpen", "strided", "emboss", "edges", "edges max", "thresholded", "even wrap"],
)
@pytest.mark.parametrize("mode", ["L", "RGB", "CMYK", "I;16", "F"])
def test_pillow_filters_in_place_equal_their_copied_results(mode, call, monkeypatch):
    from cconv import images

    shape = (37, 45, 4 if mode == "CMYK" else 3) if mode in ("RGB", "CMYK") else (37, 45)
    array = _pixels_for(mode, shape)
    picture = Image.frombytes(mode, (shape[1], shape[0]), array.tobytes())
    before = picture.tobytes()
    monkeypatch.setattr(images, "_IN_PLACE_BYTES", 0)
    in_place = call(picture)
    monkeypatch.setattr(images, "_in_place", lambda image, writable=False: None)
    copied = call(picture)
    assert in_place.mode == copied.mode and in_place.size == copied.size
    np.testing.assert_array_equal(np.asarray(in_place), np.asarray(copied))
    assert picture.tobytes() == before  # the source untouched


def test_pillow_views_are_read_only_and_outlive_their_image(monkeypatch):
    from cconv import images

    monkeypatch.setattr(images, "_IN_PLACE_BYTES", 0)
    picture = Image.fromarray(RGB)
    view = images._in_place(picture)
    if view is None:
        pytest.skip("this Pillow exports no view of an image's memory")
    assert view.shape == (24, 31, 4) and not view.flags.writeable
    np.testing.assert_array_equal(view[..., :3], RGB)
    del picture
    import gc

    gc.collect()
    np.testing.assert_array_equal(view[..., :3], RGB)  # the export keeps the memory
    result = cconv.blur(Image.fromarray(RGB), 3)
    result.paste((1, 2, 3), (0, 0, 4, 4))  # an ordinary, writable image
    assert result.getpixel((0, 0)) == (1, 2, 3)


def test_pillow_images_are_read_in_place_from_128_kib():
    from cconv import images

    if images._in_place(Image.new("L", (400, 400))) is None:
        pytest.skip("this Pillow exports no view of an image's memory")
    assert images._in_place(Image.new("L", (300, 300))) is None  # a copy is faster
    assert images._in_place(Image.new("RGB", (190, 190))) is not None  # four bytes a pixel
    assert images._in_place(Image.new("RGB", (100, 100))) is None


def test_pillow_images_in_several_blocks_of_memory_are_copied_and_equal():
    from cconv import images

    big = np.tile(RGB, (110, 90, 1))  # 2640 x 2790 x 4 bytes: beyond Pillow's 16 MiB block
    picture = Image.fromarray(big)
    if images._in_place(picture) is not None:
        pytest.skip("this Pillow keeps the image in one block")
    np.testing.assert_array_equal(np.asarray(cconv.sharpen(picture)), cconv.sharpen(big))


def test_lab_signed_channels_blur_through_zero():
    """a = -1 beside a = +1 blurs to 0 between them, not to -128 (their bytes 255 and 1)."""
    lab = np.zeros((4, 6, 3), np.int8)
    lab[..., 0] = 50
    lab[:, :3, 1], lab[:, 3:, 1] = -1, 1
    picture = Image.frombytes("LAB", (6, 4), lab.tobytes())
    result = np.asarray(cconv.blur(picture, 3)).view(np.int8)
    assert set(np.unique(result[..., 1])) <= {-1, 0, 1}
    np.testing.assert_array_equal(result[..., 0], 50)
    small = picture.crop((0, 0, 6, 4)).resize((6, 4))  # (the same through a copy)
    np.testing.assert_array_equal(np.asarray(cconv.blur(small, 3)).view(np.int8), result)


def test_palette_and_bilevel_images_come_back_as_rgb_and_l():
    palette = Image.fromarray(RGB).quantize(16)
    result = cconv.blur(palette)
    assert result.mode == "RGB"
    np.testing.assert_array_equal(
        np.asarray(result), cconv.blur(np.asarray(palette.convert("RGB")))
    )
    transparent = palette.copy()
    transparent.info["transparency"] = 0
    assert cconv.blur(transparent).mode == "RGBA"
    bilevel = Image.fromarray(RGB[..., 0] > 128)
    assert bilevel.mode == "1" and cconv.blur(bilevel).mode == "L"


def test_unsupported_pillow_mode_is_refused():
    with pytest.raises(ValueError, match="HSV"):
        cconv.blur(Image.new("HSV", (4, 4)))


def test_alpha_correct_blur_keeps_pure_red_where_visible():
    rgba = np.zeros((10, 20, 4), np.uint8)
    rgba[:, 10:] = (255, 0, 0, 255)  # opaque red beside transparent black
    picture = Image.fromarray(rgba, "RGBA")
    result = np.asarray(cconv.gaussian_blur(picture, sigma=2))
    visible = result[..., 3] > 0
    assert visible[:, 5:10].any()  # alpha itself was blurred across the edge
    assert (result[visible][:, 0] == 255).all() and (result[visible][:, 1:3] == 0).all()
    plain = np.asarray(cconv.gaussian_blur(picture, sigma=2, premultiply=False))
    assert (plain[:, 9:11, 0] < 250).any()  # plain data: the black bleeds into the red
    pillow = np.asarray(picture.filter(ImageFilter.GaussianBlur(2)))
    assert (pillow[pillow[..., 3] > 0][:, 0] < 250).any()  # and so it does in Pillow


def test_zero_sum_operators_keep_alpha():
    rgba = np.dstack([RGB, np.full(RGB.shape[:2], 200, np.uint8)])
    picture = Image.fromarray(rgba, "RGBA")
    for result in (cconv.edges(picture), cconv.emboss(picture)):
        assert result.mode == "RGBA"
        np.testing.assert_array_equal(np.asarray(result)[..., 3], 200)


@pytest.mark.parametrize("size", [3, 5])
@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_kernel_filter_matches_pillow_kernel_in_the_interior(size, mode):
    weights = np.random.default_rng(size).integers(-3, 6, size=(size, size)).astype(float)
    weights[size // 2, size // 2] = 10
    picture = Image.fromarray(RGB if mode == "RGB" else RGB[..., 0])
    theirs = np.asarray(
        picture.filter(
            ImageFilter.Kernel(
                (size, size), weights.ravel().tolist(), scale=weights.sum(), offset=3
            )
        )
    )
    # Pillow flips the kernel vertically: cconv correlates with it as written.
    ours = np.asarray(picture.filter(cconv.Kernel(weights[::-1], offset=3)))
    r = size // 2
    inner = (slice(r, -r), slice(r, -r))
    assert np.abs(ours[inner].astype(int) - theirs[inner].astype(int)).max() <= 1  # Pillow rounds
    # half up, cconv half to even; Pillow leaves the border unfiltered, cconv filters it too.


def test_kernel_filter_any_size_and_float_images():
    picture = Image.fromarray(RNG.random((20, 30)).astype(np.float32), "F")
    result = picture.filter(cconv.Kernel(np.ones((9, 7))))
    assert result.mode == "F"
    np.testing.assert_allclose(
        np.asarray(result), reference_filter(np.asarray(picture), np.ones((9, 7)) / 63), rtol=1e-5
    )
    zero_sum = Image.fromarray(RGB[..., 0]).filter(cconv.Kernel(kernels.laplacian(), offset=128))
    assert np.asarray(zero_sum).mean() > 50  # scale 1, not a division by 0


def test_kernel_filter_rejects_bad_arguments_up_front():
    with pytest.raises(ValueError, match="kernel"):
        cconv.Kernel([[np.nan]])
    with pytest.raises(ValueError, match="scale"):
        cconv.Kernel([[1]], scale=0)
    with pytest.raises(ValueError, match="mode"):
        cconv.Kernel([[1]], mode="edge")


def _pixels_for(mode, shape):
    rng = np.random.default_rng(len(mode))
    if mode == "F":
        return rng.random(shape).astype(np.float32) * 100
    if mode == "I":
        return rng.integers(-(2**31), 2**31 - 1, size=shape).astype(np.int32)
    if mode == "I;16":
        return rng.integers(0, 65536, size=shape).astype("<u2")
    array = rng.integers(0, 256, size=shape).astype(np.uint8)
    if mode in ("RGBA", "LA"):
        array[..., -1] = 255  # opaque: the plain and premultiplied paths agree
    return array


@pytest.mark.parametrize("scale", [1.0, -0.5, -3.0, 1e-3])
def test_separable_presets_keep_their_factors_and_the_same_numbers(scale):
    """gaussian_blur and unsharp_mask hand the Gaussian's 1-D factors to the array API
    (kernels.Outer) instead of multiplying them out: the factors the separable path gets are
    those the whole kernel factors into, and the results are those of the whole kernel."""
    from cconv import api

    for sigma, size in ((0.5, None), (1.0, None), (2.0, 9), (3.7, None), (12.0, None)):
        outer = kernels.gaussian_factors(sigma, size, scale)
        whole = scale * kernels.gaussian(sigma, size)
        np.testing.assert_array_equal(outer.whole(), whole)
        for kernel, dense in ((outer, whole), (outer.flipped(), whole[::-1, ::-1])):
            expected = api._rank_one_factors(dense)
            got = api._outer_factors(kernel)
            np.testing.assert_array_equal(got[0], expected[0])
            np.testing.assert_array_equal(got[1], expected[1])
    rng = np.random.default_rng(5)
    kept = 0
    for _ in range(300):  # any factors: signs, zeros, ties of magnitude, lengths
        column = rng.integers(-3, 4, rng.integers(3, 9)) * rng.choice([1.0, 0.37, 1e-3])
        row = rng.normal(size=rng.integers(3, 9)) * rng.choice([1.0, 0.0, 5.0])
        outer = kernels.Outer(column, row, scale)
        got = api._outer_factors(outer)  # (None: the whole kernel is factored instead)
        if api._weights(outer, "auto") is outer:  # the whole kernel's path too, for any dtype
            for source, output in ((np.uint8, np.uint8), (np.uint8, np.float32), (np.int16,) * 2):
                plan = api._make_call_plan(
                    outer.whole(), "auto", np.dtype(source), np.dtype(output)
                )
                assert plan[0] == "separable"
        if got is not None:
            kept += 1
            expected = api._rank_one_factors(outer.whole())
            np.testing.assert_array_equal(got[0], expected[0])
            np.testing.assert_array_equal(got[1], expected[1])
    assert kept > 150
    for dense in (kernels.Outer([1.0, 2, 1], [-1.0, 0, 1]), kernels.Outer([1.0] * 5, [0.2] * 5)):
        assert type(api._weights(dense, "auto")) is np.ndarray  # (direct, box: as whole kernels)
    for dtype in (np.uint8, np.uint16, np.int16, np.float32, np.float64):
        image = (RNG.random((23, 31, 3)) * (200 if dtype != np.float32 else 1)).astype(dtype)
        for mode in ("nearest", "reflect", "constant"):
            np.testing.assert_array_equal(
                cconv.gaussian_blur(image, 1.5, mode=mode, cval=3),
                cconv.correlate(image, kernels.gaussian(1.5), mode=mode, cval=3),
            )
            # (the whole Gaussian's multiple plus a centre weight, as the filter's call was)
            np.testing.assert_array_equal(
                cconv.unsharp_mask(image, 1.5, 0.7, mode=mode, cval=3, threads=2),
                api._filter(
                    image,
                    -0.7 * kernels.gaussian(1.5),
                    flip=False,
                    mode=mode,
                    cval=3,
                    out=None,
                    dtype=None,
                    threads=2,
                    method="auto",
                    centre=1.7,
                ),
            )


def test_gaussian_blur_of_a_huge_sigma_never_multiplies_the_kernel_out():
    """sigma 3000: a 24001 x 24001 kernel would take 4.6 GB; its factors take 190 kB."""
    ndimage = pytest.importorskip("scipy.ndimage")
    image = RNG.random((6, 9))
    np.testing.assert_allclose(
        cconv.gaussian_blur(image, 3000.0, mode="mirror"),
        ndimage.gaussian_filter(image, 3000.0, mode="mirror"),
        rtol=1e-9,
    )
    assert cconv.unsharp_mask(image.astype(np.float32), 3000.0).shape == image.shape
