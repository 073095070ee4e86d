"""Ready-made filters over numpy arrays and Pillow images: ``filter`` and its named shortcuts.

Each takes an array (any shape and dtype :func:`cconv.correlate` takes, or a Dask array) or
a Pillow image, and returns the same kind: an array of the same shape and dtype (a lazy one
for Dask), or an image of the same size and mode (P and 1 excepted, see :mod:`cconv.images`).
Options shared by all:

- ``mode``, ``cval``, ``threads``: as in :func:`cconv.correlate`.
- ``premultiply`` (Pillow RGBA/LA only): alpha-correct filtering, the default; ``False`` filters
  alpha as plain data, as Pillow does.

``FILTERS`` names the shortcuts for :func:`cconv.filter` and the ``cconv`` command; any kernel
preset of :mod:`cconv.kernels` is a valid name as well.
"""

from __future__ import annotations

import functools
import inspect
import numbers
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import ImageFilter

from . import _dask, api, dithering, images, kernels, missing
from ._typing import Picture
from .api import as_image, as_kernel, correlate, round_and_saturate

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = [
    "FILTERS",
    "Kernel",
    "blur",
    "edges",
    "emboss",
    "filter",
    "gaussian_blur",
    "pyramid_down",
    "sharpen",
    "unsharp_mask",
]


def filter(
    image: Picture,
    kernel: ArrayLike | str,
    *,
    mode: str = "nearest",
    cval: float = 0.0,
    offset: float = 0.0,
    threads: int | None = None,
    premultiply: bool = True,
    normalize: bool = False,
    nan_policy: str = "propagate",
    mask: ArrayLike | None = None,
    stride: int | tuple[int, int] = 1,
    **params: Any,
) -> Picture:
    """Correlate `image` with a kernel or a named preset, plus `offset`.

    Parameters
    ----------
    image : ndarray or PIL.Image.Image
        An array as :func:`cconv.correlate` takes, or a Pillow image (see :mod:`cconv.images`).
    kernel : array_like or str
        A 2-D kernel, the name of a preset in :data:`cconv.kernels.PRESETS` (``'gaussian'``,
        ``'sobel-x'``, ...) or of a filter in :data:`FILTERS` (``'edges'``, ...).
    offset : float, optional
        Added to every result before rounding (e.g. 128 to centre a zero-sum kernel on grey).
    normalize : bool, optional
        Divide the kernel (or preset) by the sum of its weights, where that is not 0, as
        :class:`Kernel` does by default: ``[[1, 2, 1], [2, 4, 2], [1, 2, 1]]`` then blurs
        without changing the mean brightness.
    nan_policy, mask : optional
        Missing data, as in :func:`cconv.correlate` (``nan_policy='omit'``: normalised
        convolution), for kernels, presets and the filters built on one kernel.
    stride : int or (int, int), optional
        Keep every `stride`-th row and column, computing only those (as in
        :func:`cconv.correlate`); a Pillow image comes back that much smaller.
    **params
        The preset's parameters, e.g. ``sigma=2`` for ``'gaussian'``; ValueError for others.

    Returns
    -------
    ndarray or PIL.Image.Image
        The same kind as `image`; integer results rounded half to even and saturated.

    Examples
    --------
    >>> import numpy as np, cconv
    >>> cconv.filter(np.full((3, 4), 100, np.uint8), "box", size=3)[1]
    array([100, 100, 100, 100], dtype=uint8)
    >>> cconv.filter(np.full((3, 4), 100, np.uint8), "outline", offset=128)[1]
    array([128, 128, 128, 128], dtype=uint8)
    """
    options = {
        "mode": mode,
        "cval": cval,
        "threads": threads,
        "premultiply": premultiply,
        "nan_policy": nan_policy,
        "mask": mask,
        "stride": stride,
    }
    if isinstance(kernel, str) and kernel.replace("_", "-") in FILTERS:
        function = FILTERS[kernel.replace("_", "-")]
        named = inspect.signature(function).parameters.values()
        accepted = {p.name for p in named if p.kind is not p.VAR_KEYWORD} - {"image"} - set(options)
        if not any(p.kind is p.VAR_KEYWORD for p in named):  # dither, edges: not every option
            taken = {p.name for p in named}
            for name in set(options) - taken:
                value, default = options.pop(name), _FILTER_DEFAULTS[name]
                if value is not default and (type(value) is np.ndarray or value != default):
                    raise ValueError(f"`{name}` does not apply to the filter {kernel!r}")
        if normalize:
            raise ValueError(
                f"`normalize` applies to kernels and presets, not to the filter {kernel!r}"
            )
        if set(params) - accepted:
            raise ValueError(
                f"filter {kernel!r} takes {sorted(accepted - {'offset'})}, "
                f"not {sorted(set(params) - accepted)}"
            )
        if offset:
            if "offset" not in inspect.signature(function).parameters:
                raise ValueError(f"`offset` does not apply to the filter {kernel!r}")
            params = {**params, "offset": offset}
        return function(image, **params, **options)
    if isinstance(kernel, str):
        weights = kernels.get(kernel, **params)
    elif params:
        raise ValueError(f"parameters {sorted(params)} only apply to a named preset")
    else:
        weights = as_kernel(kernel)
    if normalize and weights.sum() != 0:
        weights = weights / weights.sum()
    return _apply_kernel(image, weights, offset, **options)


def blur(image: Picture, size: int = 3, **options: Any) -> Picture:
    """Box blur: the mean of a ``size`` x ``size`` window (``size`` odd). Options as
    :func:`filter`."""
    return _apply_kernel(image, _preset(kernels.box, size), **options)


def gaussian_blur(
    image: Picture, sigma: float = 1.0, size: int | None = None, **options: Any
) -> Picture:
    """Gaussian blur; the default size matches scipy's gaussian_filter (radius 4 sigma)."""
    return _apply_kernel(image, _preset(kernels.gaussian_factors, sigma, size), **options)


def sharpen(image: Picture, amount: float = 1.0, **options: Any) -> Picture:
    """Sharpen with ``kernels.sharpen(amount)`` (amount 1: ``[[0,-1,0],[-1,5,-1],[0,-1,0]]``)."""
    return _apply_kernel(image, _preset(kernels.sharpen, amount), **options)


def unsharp_mask(
    image: Picture, sigma: float = 1.0, amount: float = 1.0, threshold: float = 0.0, **options: Any
) -> Picture:
    """Unsharp mask: add back `amount` times the detail a Gaussian blur of `sigma` removes,
    ``image + amount * (image - gaussian_blur(image, sigma))``, in one separable pass.

    `threshold` (in the image's units, e.g. 0-255 levels for uint8): samples whose detail
    ``|image - blurred|`` is below it are left as they are, as GIMP's and Pillow's
    ``UnsharpMask`` do, so that smooth areas and noise are not sharpened (a slower path: the
    blur, then numpy)."""
    amount = kernels._finite("amount", amount)  # (the preset's check)
    threshold = kernels._finite("threshold", threshold)
    if threshold < 0:
        raise ValueError(f"`threshold` must be >= 0, got {threshold!r}")
    if not threshold:
        return _apply_kernel(
            image,
            _preset(kernels.gaussian_factors, sigma, None, -amount),
            centre=1.0 + amount,
            **options,
        )
    return _thresholded_unsharp(
        image, _preset(kernels.gaussian, sigma), amount, threshold, **options
    )


def _thresholded_unsharp(
    image,
    gaussian,
    amount,
    threshold,
    *,
    mode="nearest",
    cval=0.0,
    threads=None,
    premultiply=True,
    nan_policy="propagate",
    mask=None,
    stride=1,
):
    if missing.omits(nan_policy, mask):
        raise ValueError("unsharp_mask with a `threshold` takes no nan_policy='omit'")
    strides = api.as_strides(stride)
    if strides != api._NO_STRIDE:  # (the numpy passes take the whole image)
        return _decimated(
            _thresholded_unsharp(
                image,
                gaussian,
                amount,
                threshold,
                mode=mode,
                cval=cval,
                threads=threads,
                premultiply=premultiply,
            ),
            strides,
        )
    if _dask.is_dask_array(image):
        options = {"mode": mode, "cval": cval, "threads": threads, "premultiply": premultiply}
        return _lazily(
            _thresholded_unsharp, image, gaussian, (gaussian, amount, threshold), options
        )

    def compute(array, dtype, offset, out=None):
        work = _float_dtype(array.dtype)
        sharp = array.astype(work)
        detail = sharp - correlate(
            array, gaussian, mode=mode, cval=cval, dtype=work, threads=threads
        )
        detail[np.abs(detail) < threshold] = 0
        sharp += amount * detail
        result = round_and_saturate(sharp + offset, array.dtype if dtype is None else dtype)
        return api._deliver(result, out)

    return _run(image, compute, 0.0, premultiply, True, threads, gaussian.shape, mode)


def emboss(image: Picture, offset: float | None = None, **options: Any) -> Picture:
    """Relief lit from the top left (``kernels.emboss()``, which sums to 0) plus `offset`.
    Default offset: mid-grey for unsigned integer images (128 for uint8, 32768 for uint16),
    0 for signed integers and floats."""
    if offset is None:
        offset = _mid_grey(_pixel_dtype(image))
    return _apply_kernel(image, _preset(kernels.emboss), offset, **options)


@functools.lru_cache(maxsize=None)
def _mid_grey(dtype):
    """emboss's default offset for `dtype` (np.iinfo is slow next to a small image's call)."""
    return float(np.iinfo(dtype).max // 2 + 1) if dtype.kind == "u" else 0.0


def edges(
    image: Picture,
    method: str = "hypot",
    *,
    mode: str = "nearest",
    cval: float = 0.0,
    threads: int | None = None,
    premultiply: bool = True,
) -> Picture:
    """Edge strength from the Sobel pair, computed in float and saturated to the image dtype.

    ``method='hypot'`` (default): the gradient magnitude ``hypot(gx, gy)`` (8 on a unit ramp).
    ``method='max'``: the seed article's ``max(gx, gy)`` with each response clipped at 0 first,
    which sees only edges where brightness rises rightwards or downwards.
    """
    if method not in ("hypot", "max"):
        raise ValueError(f"`method` must be 'hypot' or 'max', got {method!r}")
    if _dask.is_dask_array(image):
        options = {"mode": mode, "cval": cval, "threads": threads, "premultiply": premultiply}
        return _lazily(edges, image, np.zeros((3, 3)), (method,), options)
    smooth, difference = (1.0, 2.0, 1.0), (-1.0, 0.0, 1.0)  # (tuples: keys of repeated calls)

    def compute(array, dtype, offset, out=None):  # (edges take no offset: it is always 0)
        return api.gradient(
            array,
            (smooth, difference),
            (difference, smooth),
            method,
            mode=mode,
            cval=cval,
            dtype=dtype,
            threads=threads,
            out=out,
        )

    if type(image) is np.ndarray:  # at once
        return compute(image, None, 0.0)
    return _run(image, compute, 0.0, premultiply, False, threads, (3, 3), mode)


def pyramid_down(
    image: Picture,
    levels: int = 1,
    *,
    mode: str = "mirror",
    cval: float = 0.0,
    threads: int | None = None,
    premultiply: bool = True,
) -> Picture:
    """Halve the image `levels` times with the 5x5 binomial blur, as ``cv2.pyrDown`` does.

    Each level is the blur (``[1, 4, 6, 4, 1] / 16`` down and across) kept at every second row
    and column from the first, ``ceil(H / 2) x ceil(W / 2)``, computing only the kept pixels.

    The default border, 'mirror', is OpenCV's default (BORDER_REFLECT_101), and the values
    then equal cv2.pyrDown's but for rounding: integer results round half to even, where
    OpenCV rounds halves up. Options as :func:`filter`; ``levels=0`` returns the image as it
    is.
    """
    if isinstance(levels, bool) or not isinstance(levels, numbers.Integral) or levels < 0:
        raise ValueError(f"`levels` must be a non-negative integer, got {levels!r}")
    for _ in range(levels):
        image = _apply_kernel(
            image,
            _PYRAMID_KERNEL,
            mode=mode,
            cval=cval,
            threads=threads,
            premultiply=premultiply,
            stride=2,
        )
    return image


_PYRAMID_KERNEL = np.outer([1.0, 4, 6, 4, 1], [1.0, 4, 6, 4, 1]) / 256
_PYRAMID_KERNEL.flags.writeable = False


FILTERS = {
    "blur": blur,
    "gaussian-blur": gaussian_blur,
    "sharpen": sharpen,
    "unsharp-mask": unsharp_mask,
    "emboss": emboss,
    "edges": edges,
    "dither": dithering.dither,
    "pyramid-down": pyramid_down,
}
"""Named filters (hyphenated, as the command line spells them) -> function."""


_FILTER_DEFAULTS = {
    name: parameter.default for name, parameter in inspect.signature(filter).parameters.items()
}


def _preset(function, *args):
    """function(*args), a kernel preset, read-only and cached for hashable arguments (building
    a Gaussian costs more than filtering a small image with it)."""
    try:
        return _cached_preset(function, *args)
    except TypeError:  # unhashable arguments: the preset's own checks, uncached
        return function(*args)


@functools.lru_cache(maxsize=64)
def _cached_preset(function, *args):
    weights = function(*args)
    if type(weights) is np.ndarray:  # (a kernels.Outer is read-only already)
        weights.flags.writeable = False
    return weights


def _apply_kernel(
    image,
    weights,
    offset=0.0,
    centre=0.0,
    *,
    mode="nearest",
    cval=0.0,
    threads=None,
    premultiply=True,
    method="auto",
    nan_policy="propagate",
    mask=None,
    stride=1,
):
    """Correlate with `weights` plus `centre` at their anchor (see api._filter), plus
    `offset`; with nan_policy='omit', normalised convolution (see cconv.missing); every
    `stride`-th row and column."""
    if type(image) is np.ndarray and nan_policy == "propagate" and mask is None:  # at once
        return api._filter(
            image,
            weights,
            False,
            mode,
            cval,
            None,
            None,
            threads,
            method,
            0,
            offset,
            centre,
            stride,
        )
    omit = missing.omits(nan_policy, mask)
    strides = api.as_strides(stride)
    if omit and type(weights) is kernels.Outer:  # (normalized takes the whole kernel)
        weights = weights.whole()
    if omit and centre:
        weights = weights.copy()
        weights[tuple(k // 2 for k in weights.shape)] += centre
        centre = 0.0
    if _dask.is_dask_array(image):
        if omit:
            return missing.normalized(
                image,
                weights,
                False,
                mode,
                cval,
                mask,
                None,
                None,
                threads,
                method,
                0,
                offset,
                strides,
            )
        options = {"mode": mode, "cval": cval, "threads": threads, "premultiply": premultiply}
        return api.decimated(
            _lazily(_apply_kernel, image, weights, (weights, offset, centre), options), strides
        )
    if mask is not None and images.is_pillow_image(image):
        raise ValueError(
            "`mask` applies to arrays; for a Pillow image, pass np.asarray(image) and the mask"
        )

    def compute(array, dtype, offset, out=None):
        if omit:
            return missing.normalized(
                array,
                weights,
                False,
                mode,
                cval,
                mask,
                out,
                dtype,
                threads,
                method,
                0,
                offset,
                strides,
            )
        return api._filter(
            array,
            weights,
            False,
            mode,
            cval,
            out,
            dtype,
            threads,
            method,
            0,
            offset,
            centre,
            strides,
        )

    # (only Pillow images with alpha need to know; np.isclose is slow next to a small call)
    smoothing = images.is_pillow_image(image) and abs(weights.sum() + centre - 1.0) <= 1e-5
    return _run(
        image, compute, offset, premultiply, smoothing, threads, weights.shape, mode, strides
    )


def _lazily(function, image, weights, args, options):
    """function(image, *args, **options) on a Dask array: lazily, chunk by chunk, each chunk
    taking the path the in-memory call takes (see cconv._dask). `weights`: the kernel (its
    size and anchor give the overlap)."""
    dtype = function(_dask.sample(image), *args, **options).dtype  # the call's errors, now
    anchor = tuple(k // 2 for k in weights.shape)
    block_options = dict(options, threads=1 if options["threads"] is None else options["threads"])
    if function is _apply_kernel:
        block_options["method"] = api.whole_image_method(
            image.shape,
            image.dtype,
            weights,
            options["mode"],
            options["cval"],
            np.dtype(image.dtype),
            options["threads"],
            "auto",
            args[1],
        )
    block = _dask.call_blocks(function, *args, **block_options)
    return _dask.map_with_kernel(block, image, weights.shape, anchor, options["mode"], dtype)


def _run(
    image, compute, offset, premultiply, smoothing, threads, kernel_shape, mode, strides=(1, 1)
):
    """compute(image) on an array, or through cconv.images on a Pillow image, which may then
    filter in bands of rows: `kernel_shape` (centred) says how far each output reads, and
    'wrap' reads across the whole image. `strides`: those compute keeps (see
    cconv.images.filter_image)."""
    if images.is_pillow_image(image):
        reach = (
            None
            if mode == "wrap"
            else (kernel_shape[0] // 2, kernel_shape[0] - 1 - kernel_shape[0] // 2)
        )
        return images.filter_image(
            image,
            compute,
            offset=offset,
            premultiply=premultiply,
            smoothing=smoothing,
            threads=threads,
            reach=reach,
            strides=strides,
        )
    return compute(as_image(image), None, offset, None)


def _decimated(picture, strides):
    """Every strides-th row and column of a filtered array or Pillow image."""
    if images.is_pillow_image(picture):
        return images.from_array(
            api.decimated(images.to_array(picture), strides), picture.mode, picture
        )
    return (
        np.ascontiguousarray(api.decimated(picture, strides))
        if type(picture) is np.ndarray
        else api.decimated(picture, strides)
    )


def _float_dtype(dtype):
    """float32 where it holds the pixels exactly enough (8-bit and float32), else float64."""
    dtype = np.dtype(dtype)
    return (
        np.dtype(np.float32) if dtype.itemsize == 1 or dtype == np.float32 else np.dtype(np.float64)
    )


def _pixel_dtype(image):
    if type(image) is np.ndarray and image.dtype.kind in "uif":  # the common case, at once
        return image.dtype
    if _dask.is_dask_array(image):
        return image.dtype
    if images.is_pillow_image(image):
        return images.to_array(image.crop((0, 0, 1, 1))).dtype
    return as_image(image).dtype


class Kernel(ImageFilter.MultibandFilter):
    """A Pillow filter: ``image.filter(cconv.Kernel(kernel))`` filters with cconv.

    Unlike ``PIL.ImageFilter.Kernel`` it takes any kernel size, filters the border too (with
    `mode`), handles float images (mode F) and alpha (premultiplied by default), and correlates
    with the kernel as written, where Pillow's Kernel flips it vertically.

    Parameters
    ----------
    kernel : array_like
        2-D weights, any size.
    scale : float, optional
        The result is divided by it. Default: the sum of the weights, or 1 when they sum to 0
        (Pillow's default would divide by 0 and give black).
    offset : float, optional
        Added after scaling, before rounding (Pillow's meaning).
    mode, cval, threads, premultiply
        As in :func:`cconv.filter`.

    Examples
    --------
    >>> from PIL import Image
    >>> import cconv
    >>> picture = Image.new("RGB", (32, 24), "orange")
    >>> picture.filter(cconv.Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]])).getpixel((0, 0))
    (255, 165, 0)
    """

    name = "cconv.Kernel"

    def __init__(
        self,
        kernel: ArrayLike,
        scale: float | None = None,
        offset: float = 0.0,
        *,
        mode: str = "nearest",
        cval: float = 0.0,
        threads: int | None = None,
        premultiply: bool = True,
    ) -> None:
        weights = as_kernel(kernel)
        if scale is None:
            scale = weights.sum() or 1.0
        if (
            isinstance(scale, bool)
            or not isinstance(scale, (int, float))
            or scale == 0
            or not np.isfinite(scale)
        ):
            raise ValueError(f"`scale` must be a finite non-zero number, got {scale!r}")
        self.weights = weights / scale
        self.offset = float(offset)
        self.options = {"mode": mode, "cval": cval, "threads": threads, "premultiply": premultiply}
        filter(np.zeros((1, 1)), self.weights, **self.options)  # fail here, not in .filter()

    def filter(self, image):
        """Called by ``PIL.Image.Image.filter`` with the image's core; returns the filtered core."""
        from PIL import Image

        picture = Image.new("L", (1, 1))._new(image)  # Pillow's own way to wrap a core
        result = _apply_kernel(picture, self.weights, self.offset, **self.options)
        return result.im
