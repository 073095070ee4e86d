"""Error-diffusion dithering: ``cconv.dither``.

The same idea as a convolution kernel run over every pixel, backwards: each pixel is replaced by
the nearest of a few levels (or palette colours), and the error it makes is pushed on to the
neighbours not yet visited, weighted by a diffusion kernel. The loop is compiled
(cconv._dither); this module checks the arguments and handles Pillow images and Dask arrays.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import numpy as np

from . import _dask, _dither, api
from ._typing import Picture

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

# name -> (divisor, ((rows below, columns right, weight), ...)): the pixel's error times
# weight / divisor goes to each neighbour (the classic kernels; Atkinson pushes on only 6/8).
DIFFUSION_KERNELS = {
    "floyd-steinberg": (16, ((0, 1, 7), (1, -1, 3), (1, 0, 5), (1, 1, 1))),
    "jarvis-judice-ninke": (
        48,
        (
            (0, 1, 7),
            (0, 2, 5),
            (1, -2, 3),
            (1, -1, 5),
            (1, 0, 7),
            (1, 1, 5),
            (1, 2, 3),
            (2, -2, 1),
            (2, -1, 3),
            (2, 0, 5),
            (2, 1, 3),
            (2, 2, 1),
        ),
    ),
    "stucki": (
        42,
        (
            (0, 1, 8),
            (0, 2, 4),
            (1, -2, 2),
            (1, -1, 4),
            (1, 0, 8),
            (1, 1, 4),
            (1, 2, 2),
            (2, -2, 1),
            (2, -1, 2),
            (2, 0, 4),
            (2, 1, 2),
            (2, 2, 1),
        ),
    ),
    "atkinson": (8, ((0, 1, 1), (0, 2, 1), (1, -1, 1), (1, 0, 1), (1, 1, 1), (2, 0, 1))),
    "burkes": (32, ((0, 1, 8), (0, 2, 4), (1, -2, 2), (1, -1, 4), (1, 0, 8), (1, 1, 4), (1, 2, 2))),
    "sierra": (
        32,
        (
            (0, 1, 5),
            (0, 2, 3),
            (1, -2, 2),
            (1, -1, 4),
            (1, 0, 5),
            (1, 1, 4),
            (1, 2, 2),
            (2, -1, 2),
            (2, 0, 3),
            (2, 1, 2),
        ),
    ),
    "sierra-2": (
        16,
        ((0, 1, 4), (0, 2, 3), (1, -2, 1), (1, -1, 2), (1, 0, 3), (1, 1, 2), (1, 2, 1)),
    ),
    "sierra-lite": (4, ((0, 1, 2), (1, -1, 1), (1, 0, 1))),
}
"""Diffusion kernels by name: (divisor, ((rows below, columns right, weight), ...))."""

_INTEGER = frozenset(
    np.dtype(t) for t in (np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32)
)
_FLOAT = frozenset(np.dtype(t) for t in (np.float32, np.float64))
_MAX_LEVELS = 65536
_MAX_COLOURS = 256
_MAX_CHANNELS = 8  # at once, in the engine


def dither(
    image: Picture,
    levels: int | None = None,
    *,
    palette: ArrayLike | None = None,
    method: str = "floyd-steinberg",
    serpentine: bool = False,
    threads: int | None = None,
) -> Picture:
    """Error-diffusion dithering to a few levels per channel, or to a palette of colours.

    Parameters
    ----------
    image : ndarray, PIL.Image.Image or dask.array.Array
        (H, W), (H, W, C) or (N, H, W, C) of uint8, int8, uint16, int16, uint32, int32,
        float16, float32 or float64. The values dithered between: an integer dtype's whole
        range, [0, 1] for floats. A Pillow image: L, RGB, CMYK, YCbCr, LAB, I;16; RGBA and LA
        (colour dithered, alpha kept); 1, P and PA as L, RGB and RGBA.
    levels : int, optional
        Levels per channel, evenly spaced over the range (default 2: black and white); level
        i is ``lowest + round(i * (highest - lowest) / (levels - 1))``, halves up, for integers,
        ``i / (levels - 1)`` for floats. Each channel is dithered on its own.
    palette : array_like, optional
        Colours (P, C) instead of levels (P up to 256; (P,) for a gray image), in the image's
        value range: each pixel becomes the nearest colour (squared distance over the
        channels), the error of each channel pushed on.
    method : str
        The diffusion kernel, a key of :data:`DIFFUSION_KERNELS`: ``'floyd-steinberg'``
        (default), ``'jarvis-judice-ninke'``, ``'stucki'``, ``'atkinson'``, ``'burkes'``,
        ``'sierra'``, ``'sierra-2'``, ``'sierra-lite'``.
    serpentine : bool
        Scan odd rows right to left, the kernel mirrored (less "worm" texture).
    threads : int, optional
        Images of a batch run in parallel; one image runs as a pipeline of bands of rows
        (not when serpentine). The result does not depend on it.

    Returns
    -------
    ndarray, PIL.Image.Image or dask.array.Array
        An array of the image's shape and dtype holding levels or palette colours. A Pillow
        image in the image's mode, except: L to two levels gives a 1-bit image, L and RGB with a
        palette a P image holding that palette.

    Notes
    -----
    Pixels are visited row by row. Each sample is corrected by the errors pushed onto it
    and clipped to the range (NaN counts as the lowest value), then replaced by the nearest
    level (the lower on a tie) or colour (the first of equals); its error (corrected sample
    minus the level) times weight / divisor is pushed to each neighbour the kernel names
    (nothing past the image's edges). Integer images add up the pushed errors times weight
    exactly and divide the sum by the divisor when it is read, truncating toward zero, as
    Pillow does; float images add up error * (weight / divisor) in float64. Pillow's own
    ``convert('1')`` is Floyd-Steinberg with the same arithmetic, but it sends 128 to black.

    Examples
    --------
    >>> import numpy as np, cconv
    >>> cconv.dither(np.full((2, 4), 64, np.uint8))
    array([[  0,   0,   0,   0],
           [255,   0,   0,   0]], dtype=uint8)
    """
    _diffusion(method)  # errors now, for Dask too
    if not isinstance(serpentine, (bool, np.bool_)):
        raise TypeError(f"`serpentine` must be True or False, got {serpentine!r}")
    if _dask.is_dask_array(image):
        return _dither_dask(image, levels, palette, method, serpentine, threads)
    from . import images  # Pillow, only when an image may be one

    if images.is_pillow_image(image):
        return _dither_pillow(image, levels, palette, method, serpentine, threads)
    return _dithered(api.as_image(image), levels, palette, method, serpentine, threads)[0]


def _dithered(array, levels, palette, method, serpentine, threads):
    """The dithered array and, with a palette, each pixel's colour number (N, H, W)."""
    if array.dtype == np.float16:
        out, index = _dithered(
            array.astype(np.float32), levels, palette, method, serpentine, threads
        )
        return out.astype(np.float16), index
    dtype = array.dtype.newbyteorder("=")
    if dtype not in _INTEGER and dtype not in _FLOAT:
        raise TypeError(
            f"`image` must be of an 8- to 32-bit integer or a float dtype to "
            f"dither, got {array.dtype}"
        )
    divisor, taps = _diffusion(method)
    pixels = np.ascontiguousarray(_as_4d(array), dtype=dtype)
    lowest, highest = _value_range(dtype)
    integer = dtype in _INTEGER
    error_type = np.int32 if integer and dtype.itemsize <= 2 else np.float64
    channels = pixels.shape[3]
    if palette is not None:
        if levels is not None:
            raise ValueError("give `levels` or `palette`, not both")
        colours = _palette_array(palette, channels, dtype, lowest, highest)
        level_values = np.array([lowest, highest], error_type)
    else:
        colours = np.empty((0, channels))
        level_values = np.array(
            _level_values(2 if levels is None else levels, lowest, highest, integer), error_type
        )
    offsets, gathered, carried = _gathering(taps, serpentine)
    if integer:
        weights = np.array(gathered, error_type)
        carry = np.array(carried, error_type)
        divisor = error_type(divisor)
    else:
        weights = np.array(gathered, np.float64) / divisor
        carry = np.array(carried, np.float64) / divisor
        divisor = 1.0
    out = np.empty_like(pixels)
    index = np.empty(pixels.shape[:3] if len(colours) else (1, 1, 1), np.uint8)
    # (one image's bands wait for each other: more threads than CPUs would wait for threads
    # that are not running)
    threads = min(api._thread_count(threads), api.default_threads())
    for start in range(0, channels, _MAX_CHANNELS):  # (channels on their own: in groups)
        whole = channels <= _MAX_CHANNELS
        part = pixels if whole else np.ascontiguousarray(pixels[..., start : start + _MAX_CHANNELS])
        result = out if whole else np.empty_like(part)
        _dither.dither(
            part,
            result,
            index,
            offsets,
            weights,
            carry,
            divisor,
            level_values,
            colours,
            bool(serpentine),
            threads,
        )
        if not whole:
            out[..., start : start + _MAX_CHANNELS] = result
    return out.reshape(array.shape), index


def _diffusion(method):
    if not isinstance(method, str):
        raise TypeError(f"`method` must be a name, got {method!r}")
    try:
        return DIFFUSION_KERNELS[method.lower().replace("_", "-")]
    except KeyError:
        raise ValueError(
            f"unknown `method` {method!r}; known: {', '.join(DIFFUSION_KERNELS)}"
        ) from None


def _gathering(taps, serpentine):
    """A kernel's taps as the engine gathers them: for a row of each parity (even, odd), the
    (rows up, columns left) of the pixels whose errors reach a pixel from the rows above, in
    the order a row-by-row scan pushes them (older rows first, then each row's scan order;
    serpentine rows scan right to left on odd rows, the kernel mirrored), with their weights;
    and the weights of the previous pixel's error and of the one before it in the same row."""
    offsets, weights = [], []
    for parity in (0, 1):
        pushed = []
        for dy, dx, weight in taps:
            if dy:
                backwards = serpentine and (parity - dy) % 2 == 1  # the row pushing it
                reach = -dx if backwards else dx  # the pushing pixel lies `reach` to the left
                pushed.append(((-dy, reach if backwards else -reach), (dy, reach), weight))
        pushed.sort()
        offsets.append([offset for _, offset, _ in pushed])
        weights.append([weight for _, _, weight in pushed])
    carried = {dx: weight for dy, dx, weight in taps if dy == 0}
    return np.array(offsets, np.intp), weights, [carried.get(1, 0), carried.get(2, 0)]


def _as_4d(array):
    if array.ndim == 2:
        return array[None, :, :, None]
    if array.ndim == 3:
        return array[None]
    return array


def _value_range(dtype):
    if dtype in _INTEGER:
        info = np.iinfo(dtype)
        return int(info.min), int(info.max)
    return 0.0, 1.0


def _level_values(levels, lowest, highest, integer):
    if not isinstance(levels, numbers.Integral) or isinstance(levels, bool):
        raise TypeError(f"`levels` must be an integer, got {levels!r}")
    levels = int(levels)
    span = highest - lowest
    most = min(_MAX_LEVELS, span + 1) if integer else _MAX_LEVELS
    if not 2 <= levels <= most:
        raise ValueError(f"`levels` must be 2 to {most} for this dtype, got {levels}")
    steps = levels - 1
    if integer:
        return [lowest + (i * span + steps // 2) // steps for i in range(levels)]
    return [i / steps for i in range(levels)]


def _palette_array(palette, channels, dtype, lowest, highest):
    try:
        colours = np.array(palette, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"`palette` must be an array of numbers: {error}") from None
    if colours.ndim == 1 and channels == 1:
        colours = colours[:, None]
    if colours.ndim != 2 or colours.shape[1] != channels:
        raise ValueError(
            f"`palette` must have shape (colours, {channels}) for an image of "
            f"{channels} channel(s), got shape {colours.shape}"
        )
    if not 1 <= len(colours) <= _MAX_COLOURS:
        raise ValueError(f"`palette` must hold 1 to {_MAX_COLOURS} colours, got {len(colours)}")
    if channels > _MAX_CHANNELS:
        raise ValueError(f"`palette` colours can have at most {_MAX_CHANNELS} channels")
    if not np.isfinite(colours).all() or (colours < lowest).any() or (colours > highest).any():
        raise ValueError(
            f"`palette` colours must lie in the image's range [{lowest}, {highest}] ({dtype})"
        )
    if dtype in _INTEGER and (colours != np.round(colours)).any():
        raise ValueError(f"`palette` colours must be integers for a {dtype} image")
    return colours


def _dither_pillow(image, levels, palette, method, serpentine, threads):
    from PIL import Image

    from . import images

    mode = images.output_mode(image)
    if mode in ("I", "F"):
        raise ValueError(
            f"cconv.dither takes no Pillow {mode!r} image (its values have no "
            "set range); convert it to L or I;16 first"
        )
    array = images.to_array(image)
    has_alpha = mode in ("RGBA", "LA", "RGBa", "La")
    colour = array[..., :-1] if has_alpha else array
    result, index = _dithered(colour, levels, palette, method, serpentine, threads)
    size = (array.shape[1], array.shape[0])
    if mode == "L" and palette is None and levels in (None, 2):
        levels_image = Image.frombuffer("L", size, np.ascontiguousarray(result), "raw", "L", 0, 1)
        picture = levels_image.convert("1", dither=Image.Dither.NONE)  # (0 and 255: exact)
    elif mode in ("L", "RGB") and palette is not None:
        picture = Image.frombytes("P", size, index.tobytes())
        colours = np.asarray(palette, np.uint8).reshape(-1, 1 if mode == "L" else 3)
        picture.putpalette(np.repeat(colours, 3 // colours.shape[1], axis=1).tobytes())
    else:
        if has_alpha:
            result = np.concatenate([result, array[..., -1:]], axis=-1)
        return images.from_array(result, mode, image)
    picture.info.update(image.info)
    picture.info.pop("transparency", None)
    return picture


def _dither_dask(array, levels, palette, method, serpentine, threads):
    axes = _dask.spatial_axes(array.ndim)
    whole = {axis: -1 for axis in axes}
    if palette is not None and array.ndim > 2:
        whole[array.ndim - 1] = -1  # channels quantised together
    options = {
        "palette": palette,
        "method": method,
        "serpentine": serpentine,
        "threads": 1 if threads is None else threads,
    }
    channels = array.shape[-1:] if array.ndim > 2 else ()  # (a palette's width is checked)
    dither(
        np.zeros((1,) * (array.ndim - len(channels)) + channels, array.dtype), levels, **options
    )  # the call's errors, now
    block = _dask.call_blocks(dither, levels, **options)
    return array.rechunk(whole).map_blocks(block, dtype=array.dtype).rechunk(array.chunks)
