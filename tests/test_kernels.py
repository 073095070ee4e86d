"""Kernel presets: published coefficients, peers' equivalents, parameter validation."""

import numpy as np
import pytest

import cconv
from cconv import kernels


def test_seed_article_coefficients():
    np.testing.assert_array_equal(kernels.seed_blur() * 16, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    assert kernels.seed_gaussian().sum() == pytest.approx(1.0)
    assert (kernels.seed_gaussian() * 273)[2, 2] == pytest.approx(41)
    np.testing.assert_array_equal(kernels.seed_sharpen(), [[-1, -1, -1], [-1, 9, -1], [-1, -1, -1]])
    np.testing.assert_array_equal(kernels.seed_emboss(), [[2, 0, 0], [0, -1, 0], [0, 0, -1]])


def test_classic_coefficients():
    np.testing.assert_array_equal(kernels.sharpen(), [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    np.testing.assert_array_equal(kernels.laplacian(4), [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    assert kernels.laplacian(8).sum() == 0 and kernels.outline().sum() == 0
    assert kernels.box(5).sum() == pytest.approx(1.0) and kernels.box(5).shape == (5, 5)
    assert kernels.emboss().sum() == 0 and kernels.emboss()[2, 2] == 2
    for preset in (
        kernels.sharpen(2.5),
        kernels.unsharp_mask(2.0, 1.5),
        kernels.motion_blur(7, 30),
    ):
        assert preset.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(("name", "slope"), [("sobel", 8), ("prewitt", 6), ("scharr", 32)])
def test_derivative_kernels_on_a_unit_ramp(name, slope):
    ramp = np.tile(np.arange(10.0), (10, 1))
    gx = cconv.correlate(ramp, kernels.get(f"{name}-x"))
    gy = cconv.correlate(ramp.T.copy(), kernels.get(f"{name}-y"))
    assert gx[5, 5] == slope and gy[5, 5] == slope


def test_sobel_matches_scipy_and_opencv():
    rng = np.random.default_rng(0)
    image = rng.random((20, 30))
    ndimage = pytest.importorskip("scipy.ndimage")
    np.testing.assert_allclose(
        cconv.correlate(image, kernels.sobel_x()),
        ndimage.sobel(image, axis=1, mode="nearest"),
        atol=1e-12,
    )
    cv2 = pytest.importorskip("cv2")
    np.testing.assert_allclose(
        cconv.correlate(image, kernels.sobel_y(), mode="mirror"),
        cv2.Sobel(image, cv2.CV_64F, 0, 1, ksize=3),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        cconv.correlate(image, kernels.laplacian(4), mode="mirror"),
        cv2.Laplacian(image, cv2.CV_64F, ksize=1),
        atol=1e-12,
    )


@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.3])
def test_gaussian_matches_scipy_gaussian_filter(sigma):
    ndimage = pytest.importorskip("scipy.ndimage")
    image = np.random.default_rng(1).random((40, 50))
    np.testing.assert_allclose(
        cconv.correlate(image, kernels.gaussian(sigma), mode="reflect"),
        ndimage.gaussian_filter(image, sigma, mode="reflect"),
        atol=1e-12,
    )
    assert kernels.gaussian(sigma).shape[0] == 2 * int(4 * sigma + 0.5) + 1


def test_box_matches_opencv_blur():
    cv2 = pytest.importorskip("cv2")
    image = np.random.default_rng(2).random((30, 40)).astype(np.float32)
    np.testing.assert_allclose(
        cconv.correlate(image, kernels.box(5)),
        cv2.blur(image, (5, 5), borderType=cv2.BORDER_REPLICATE),
        atol=1e-6,
    )


def test_motion_blur_orientation():
    horizontal = kernels.motion_blur(5, 0)
    assert (horizontal[2] > 0).all() and horizontal.sum(axis=1)[2] == pytest.approx(1.0)
    vertical = kernels.motion_blur(5, 90)
    assert (vertical[:, 2] > 0).all() and vertical.sum(axis=0)[2] == pytest.approx(1.0)


def test_registry_names_and_parameters():
    assert set(kernels.PRESETS) >= {"gaussian", "sobel-x", "seed-emboss", "motion-blur"}
    assert kernels.parameters("gaussian") == {"sigma": 1.0, "size": None}
    np.testing.assert_array_equal(kernels.get("unsharp_mask", sigma=2), kernels.unsharp_mask(2))


@pytest.mark.parametrize(
    ("name", "params", "match"),
    [
        ("gaussian", {"sigma": 0}, "sigma"),
        ("gaussian", {"sigma": float("nan")}, "sigma"),
        ("gaussian", {"size": 4}, "size"),
        ("box", {"size": -3}, "size"),
        ("sharpen", {"amount": float("inf")}, "amount"),
        ("laplacian", {"neighbours": 6}, "neighbours"),
        ("motion-blur", {"length": 4}, "length"),
        ("gaussian", {"radius": 3}, "radius"),
        ("no-such-preset", {}, "presets"),
    ],
)
def test_bad_parameters_name_the_parameter(name, params, match):
    with pytest.raises(ValueError, match=match):
        kernels.get(name, **params)
