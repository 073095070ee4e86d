"""stride= (every sy-th row and sx-th column, computed alone) and pyramid_down: equal to the
full result decimated, bit for bit, on every path, and to the plain reference."""

import itertools

import numpy as np
import pytest
from PIL import Image

import cconv
from cconv import kernels

from reference import assert_matches_reference, reference_filter

MODES = ["nearest", "reflect", "mirror", "wrap", "constant"]
STRIDES = [(2, 2), (1, 3), (3, 1), (2, 5), (4, 4)]

RNG = np.random.default_rng(30)
KERNELS = {
    "random 3x3": RNG.normal(size=(3, 3)),
    "random 5x4": RNG.normal(size=(5, 4)),  # even width
    "random 7x7": RNG.normal(size=(7, 7)),  # direct, in groups where unstrided
    "gaussian": kernels.gaussian(1.5),  # separable, symmetric
    "box 5x5": np.full((5, 5), 1 / 25),
    "box 9x13": np.full((9, 13), 1 / 117),  # box path
    "sharpen": kernels.sharpen(1.0),  # uint8: the integer direct path
    "sobel-x": kernels.get("sobel-x"),
    "row": RNG.normal(size=(1, 6)),
    "1x1": np.array([[2.0]]),
}
SHAPES = [(37, 41), (9, 2100), (20, 23, 3), (2, 17, 19, 4), (5, 3), (1, 1)]


def _image(shape, dtype, rng=RNG):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return (rng.random(shape) * 255).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(
        max(info.min, -3000), min(info.max, 3000), size=shape, endpoint=True
    ).astype(dtype)


def _decimate(array, stride):
    sy, sx = stride
    return array[:, ::sy, ::sx] if array.ndim == 4 else array[::sy, ::sx]


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16, np.float32, np.float64])
@pytest.mark.parametrize("name", list(KERNELS))
def test_strided_equals_full_decimated(simd_level, name, dtype):
    """Every path, mode, shape (rows read in place or not, channels, batches, images smaller
    than the stride) and thread count: exactly the full result's kept samples."""
    kernel = KERNELS[name]
    rng = np.random.default_rng(1)
    for shape, stride, mode in itertools.product(SHAPES, STRIDES, MODES):
        image = _image(shape, dtype, rng)
        threads = int(rng.integers(1, 4))
        for method in ("auto", "direct"):
            full = cconv.correlate(
                image, kernel, mode=mode, cval=7.0, method=method, threads=threads
            )
            strided = cconv.correlate(
                image, kernel, mode=mode, cval=7.0, method=method, threads=threads, stride=stride
            )
            assert strided.shape == _decimate(full, stride).shape
            np.testing.assert_array_equal(
                strided, _decimate(full, stride), err_msg=f"{shape} {stride} {mode} {method}"
            )


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_strided_long_rows_in_chunks(simd_level, dtype):
    """Rows longer than the separable path's chunk (16384 samples): chunks start on kept
    pixels."""
    image = _image((11, 6001, 3), dtype)
    for kernel, stride in itertools.product(
        (kernels.gaussian(1.0), np.full((3, 3), 1 / 9), KERNELS["random 3x3"]), [(2, 2), (1, 7)]
    ):
        np.testing.assert_array_equal(
            cconv.correlate(image, kernel, stride=stride),
            _decimate(cconv.correlate(image, kernel), stride),
        )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32, np.float64])
def test_strided_against_reference(mode, dtype):
    image = _image((23, 29, 3), dtype)
    for kernel, stride in itertools.product(
        [KERNELS["random 5x4"], KERNELS["gaussian"], KERNELS["box 9x13"], KERNELS["sharpen"]],
        STRIDES,
    ):
        reference = _decimate(reference_filter(image, kernel, mode, 3.0), stride)
        result = cconv.correlate(image, kernel, mode=mode, cval=3.0, stride=stride)
        assert_matches_reference(result, reference, kernel, image, 3.0)


def test_convolve_origin_and_unsharp_centre():
    image = _image((31, 33, 3), np.uint8)
    kernel = KERNELS["random 5x4"]
    for origin, stride in itertools.product([0, (1, -2), (-2, 1)], STRIDES):
        np.testing.assert_array_equal(
            cconv.convolve(image, kernel, origin=origin, stride=stride),
            _decimate(cconv.convolve(image, kernel, origin=origin), stride),
        )
    for stride in STRIDES:  # the separable path's centre tap, read at the kept pixels
        for picture in (image, image.astype(np.float32)):
            np.testing.assert_array_equal(
                cconv.unsharp_mask(picture, sigma=1.5, amount=0.7, stride=stride),
                _decimate(cconv.unsharp_mask(picture, sigma=1.5, amount=0.7), stride),
            )


def test_other_routes_give_the_decimated_result():
    """The FFT path, non-native dtypes, float outputs, offset, nan_policy='omit', out=."""
    image = _image((70, 90), np.uint8)
    big = RNG.normal(size=(31, 31))
    np.testing.assert_array_equal(
        cconv.correlate(image, big, method="fft", stride=3),
        cconv.correlate(image, big, method="fft")[::3, ::3],
    )
    for dtype in (np.int8, np.int32, np.uint32, np.float16):
        picture = _image((21, 22, 2), dtype)
        np.testing.assert_array_equal(
            cconv.correlate(picture, KERNELS["gaussian"], stride=2),
            cconv.correlate(picture, KERNELS["gaussian"])[::2, ::2],
        )
    np.testing.assert_array_equal(
        cconv.correlate(image, KERNELS["sobel-x"], dtype=np.float32, offset=9, stride=(2, 3)),
        cconv.correlate(image, KERNELS["sobel-x"], dtype=np.float32, offset=9)[::2, ::3],
    )
    holes = image.astype(np.float32)
    holes[RNG.random(holes.shape) < 0.1] = np.nan
    for kernel in (KERNELS["gaussian"], KERNELS["box 9x13"], KERNELS["random 3x3"] ** 2):
        np.testing.assert_array_equal(
            cconv.correlate(holes, kernel, nan_policy="omit", stride=2),
            cconv.correlate(holes, kernel, nan_policy="omit")[::2, ::2],
        )
    out = np.empty((35, 30), np.float64)
    assert cconv.correlate(image, KERNELS["box 5x5"], out=out, stride=(2, 3)) is out
    np.testing.assert_array_equal(
        out, cconv.correlate(image, KERNELS["box 5x5"], dtype=np.float64)[::2, ::3]
    )


def test_bad_strides_and_out():
    image = np.zeros((8, 8), np.uint8)
    for stride in (0, -1, 1.5, True, (1, 2, 3), (2, 0), "2"):
        with pytest.raises(ValueError, match="`stride`"):
            cconv.correlate(image, [[1.0]], stride=stride)
    with pytest.raises(ValueError, match="strided result's shape"):
        cconv.correlate(image, [[1.0]], stride=2, out=np.empty((8, 8), np.uint8))
    with pytest.raises(ValueError, match="`stride` does not apply"):
        cconv.filter(image, "edges", stride=2)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "LA", "L"])
@pytest.mark.parametrize("premultiply", [True, False])
def test_pillow_images_come_back_smaller(mode, premultiply):
    array = _image((45, 52, 4), np.uint8)
    picture = Image.fromarray(array, "RGBA").convert(mode)
    for function, options in [
        (cconv.gaussian_blur, {"sigma": 1.2}),
        (cconv.emboss, {}),
        (cconv.sharpen, {}),
    ]:
        full = function(picture, premultiply=premultiply, **options)
        strided = function(picture, premultiply=premultiply, stride=(2, 3), **options)
        assert strided.size == (18, 23) and strided.mode == mode
        np.testing.assert_array_equal(np.asarray(strided), np.asarray(full)[::2, ::3])


def test_dask_arrays():
    da = pytest.importorskip("dask.array")
    image = _image((40, 50, 3), np.uint8)
    lazy = da.from_array(image, chunks=(13, 17, 3))
    for call in (
        lambda x, **o: cconv.correlate(x, KERNELS["random 5x4"], **o),
        lambda x, **o: cconv.gaussian_blur(x, sigma=2, **o),
        lambda x, **o: cconv.filter(x.astype(np.float32), "box", size=5, nan_policy="omit", **o),
    ):
        result = call(lazy, stride=(3, 2))
        assert isinstance(result, da.Array)
        np.testing.assert_array_equal(result.compute(), call(image, stride=(3, 2)))


def test_command_line(tmp_path):
    from cconv import cli

    source = tmp_path / "in.png"
    Image.fromarray(_image((30, 41, 3), np.uint8)).save(source)
    assert (
        cli.main(
            [str(source), "-o", str(tmp_path / "out.png"), "--filter", "blur", "--stride", "2,3"]
        )
        == 0
    )
    with Image.open(source) as picture, Image.open(tmp_path / "out.png") as result:
        assert result.size == (14, 15)
        np.testing.assert_array_equal(
            np.asarray(result), np.asarray(cconv.blur(picture, stride=(2, 3)))
        )
    assert (
        cli.main(
            [
                str(source),
                "-o",
                str(tmp_path / "p.png"),
                "--filter",
                "pyramid-down",
                "--levels",
                "2",
            ]
        )
        == 0
    )
    with Image.open(tmp_path / "p.png") as result:
        assert result.size == (11, 8)


# --- pyramid_down -------------------------------------------------------------------------


def _binomial_reference(image, mode="mirror"):
    """One level: the 5x5 binomial, then every second row and column, in float64."""
    weights = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256
    return reference_filter(image, weights, mode)[::2, ::2]


@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (7, 9), (64, 65, 3), (33, 20, 4)])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_pyramid_down_against_reference(simd_level, shape, dtype):
    image = _image(shape, dtype)
    for mode in MODES:
        result = cconv.pyramid_down(image, mode=mode)
        reference = _binomial_reference(image, mode)
        assert result.shape == reference.shape and result.dtype == image.dtype
        if np.dtype(dtype).kind == "f":
            np.testing.assert_allclose(result, reference, rtol=1e-6, atol=1e-4)
        else:  # the binomial's sums of integers are exact: ties round to even
            np.testing.assert_array_equal(result, np.rint(reference))
    twice = cconv.pyramid_down(image, levels=2)
    np.testing.assert_array_equal(twice, cconv.pyramid_down(cconv.pyramid_down(image)))
    assert cconv.pyramid_down(image, levels=0) is image


def test_pyramid_down_matches_opencv():
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(5)
    for shape in [(1080, 1920), (75, 101, 3), (8, 9, 4)]:
        image = rng.integers(0, 256, size=shape, dtype=np.uint8)
        expected = cv2.pyrDown(image)
        result = cconv.pyramid_down(image)
        assert result.shape == expected.shape
        sums = np.rint(_binomial_reference(image) * 256)
        ties = sums % 256 == 128  # OpenCV rounds these up, cconv to even
        np.testing.assert_array_equal(result[~ties], expected[~ties])
        assert (np.abs(result[ties].astype(int) - expected[ties]) <= 1).all()
        floats = image.astype(np.float32)
        np.testing.assert_allclose(
            cconv.pyramid_down(floats), cv2.pyrDown(floats), rtol=1e-6, atol=1e-4
        )


def test_pyramid_down_pillow_and_errors():
    picture = Image.fromarray(_image((30, 41, 4), np.uint8), "RGBA")
    result = cconv.pyramid_down(picture, levels=2)
    assert result.size == (11, 8) and result.mode == "RGBA"
    for levels in (-1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="`levels`"):
            cconv.pyramid_down(np.zeros((4, 4)), levels=levels)


def test_thresholded_unsharp_mask_is_sliced():
    """Its numpy passes take the whole image; the result is still the full one decimated."""
    array = _image((31, 40, 4), np.uint8)
    picture = Image.fromarray(array, "RGBA")
    options = {"sigma": 1.5, "amount": 1.0, "threshold": 5.0}
    result = cconv.unsharp_mask(picture, stride=2, **options)
    assert result.size == (20, 16) and result.mode == "RGBA"
    np.testing.assert_array_equal(
        np.asarray(result), np.asarray(cconv.unsharp_mask(picture, **options))[::2, ::2]
    )
    floats = array[..., :3].astype(np.float32)
    np.testing.assert_array_equal(
        cconv.unsharp_mask(floats, stride=(2, 3), **options),
        cconv.unsharp_mask(floats, **options)[::2, ::3],
    )


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_streamed_strided_outputs(simd_level, monkeypatch, dtype):
    """Strided calls on large inputs write with streaming stores: the same values."""
    monkeypatch.setattr(cconv.api, "_STREAM_BYTES", 1)  # every call streams, small images too
    image = _image((40, 700, 3), dtype)
    for kernel in (KERNELS["gaussian"], KERNELS["random 7x7"], KERNELS["box 9x13"]):
        for stride in ((2, 2), (1, 3)):
            np.testing.assert_array_equal(
                cconv.correlate(image, kernel, stride=stride),
                _decimate(cconv.correlate(image, kernel), stride),
            )
