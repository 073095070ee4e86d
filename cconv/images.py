"""Pillow images to arrays and back, one deliberate choice per mode, with alpha handling.

| mode | filtered as | comes back as |
|---|---|---|
| L, RGB, CMYK, YCbCr | uint8, 1/3/4/3 channels, each filtered alike | same mode |
| LAB | uint8, 3 channels; a and b (signed) as a + 128 and b + 128, as Pillow keeps them | LAB |
| RGBA, LA | uint8; colour premultiplied by alpha, filtered, un-premultiplied | same mode |
| RGBa, La | uint8, already premultiplied: every band filtered as it is | same mode |
| I;16, I;16L, I;16B | uint16 | same mode |
| I | int32 (computed in float64, rounded, saturated) | I |
| F | float32 | F |
| P, PA | converted to RGB, or RGBA when it has transparency | RGB / RGBA (1) |
| 1 | converted to L | L (1) |

(1) A palette cannot hold the new colours a filter makes, one bit the grey levels.

Other modes (HSV, whose hue is an angle that a weighted sum would corrupt, and rarer ones) raise
ValueError rather than filter silently wrong.
"""

from __future__ import annotations

import ctypes
import functools
from typing import Callable, Optional

import numpy as np
from PIL import Image

from . import api

# mode -> numpy dtype of its pixels (the byte layout Image.frombytes expects for that mode)
_LAYOUT = {
    "L": np.uint8,
    "RGB": np.uint8,
    "CMYK": np.uint8,
    "YCbCr": np.uint8,
    "LAB": np.uint8,
    "RGBA": np.uint8,
    "LA": np.uint8,
    "RGBa": np.uint8,
    "La": np.uint8,
    "I;16": np.dtype("<u2"),
    "I;16L": np.dtype("<u2"),
    "I;16B": np.dtype(">u2"),
    "I": np.int32,
    "F": np.float32,
}
_STRAIGHT_ALPHA = {"RGBA", "LA"}
_CONVERTED = {"1": "L"}  # P and PA depend on transparency: see _convertible

SUPPORTED_MODES = tuple(_LAYOUT) + ("P", "PA", "1")

# Modes whose pixels Pillow keeps in four bytes of which the filter's channels are the first
# three; the fourth is padding that no Pillow operation reads.
_PADDED = {"RGB", "YCbCr", "LAB"}

Compute = Callable[[np.ndarray, Optional[np.dtype], float, Optional[np.ndarray]], np.ndarray]


def is_pillow_image(image) -> bool:
    return isinstance(image, Image.Image)


def output_mode(image: Image.Image) -> str:
    """The mode a filtered `image` comes back in (see the module's table)."""
    mode = image.mode
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        return "RGBA" if has_alpha else "RGB"
    if mode in _CONVERTED:
        return _CONVERTED[mode]
    if mode not in _LAYOUT:
        raise ValueError(
            f"cconv cannot filter Pillow mode {mode!r}; supported: {', '.join(SUPPORTED_MODES)}"
            " (convert the image first, e.g. image.convert('RGB'))"
        )
    return mode


def to_array(image: Image.Image) -> np.ndarray:
    """The pixels of `image` as an (H, W) or (H, W, C) array, in its output mode: a read-only
    view of the image's memory where Pillow keeps them in that layout, else a copy."""
    mode = output_mode(image)
    if mode != image.mode:
        image = image.convert(mode)
    if mode not in _PADDED:
        pixels = _in_place(image)
        if pixels is not None:
            return pixels
    array = np.asarray(image).astype(_LAYOUT[mode], copy=False)
    return _signed_ab(array) if mode == "LAB" else array


def _signed_ab(array: np.ndarray) -> np.ndarray:
    """LAB pixels with a and b flipped between two's complement (Pillow's bytes) and offset
    binary (a + 128: what a weighted sum may take; Pillow's memory): the same bit flip."""
    return array ^ np.array([0, 128, 128], np.uint8)


class _ArrowArray(ctypes.Structure):  # the Arrow C data interface's ArrowArray
    pass


_ArrowArray._fields_ = [
    ("length", ctypes.c_int64),
    ("null_count", ctypes.c_int64),
    ("offset", ctypes.c_int64),
    ("n_buffers", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("buffers", ctypes.POINTER(ctypes.c_void_p)),
    ("children", ctypes.POINTER(ctypes.POINTER(_ArrowArray))),
    ("dictionary", ctypes.c_void_p),
    ("release", ctypes.c_void_p),
    ("private_data", ctypes.c_void_p),
]


class _Exported:
    """An image's memory as numpy sees it (``__array_interface__``), holding the Arrow
    capsules that keep that memory alive while a view of it lives."""

    def __init__(self, capsules, address, shape, dtype, writable):
        self.capsules = capsules
        self.__array_interface__ = {
            "version": 3,
            "shape": shape,
            "typestr": np.dtype(dtype).str,
            "data": (address, not writable),
        }


@functools.lru_cache(maxsize=None)
def _capsule_pointer():
    """PyCapsule_GetPointer as a function of its own (not ctypes.pythonapi's shared one, whose
    argument types other code may set)."""
    prototype = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)
    return prototype(("PyCapsule_GetPointer", ctypes.pythonapi))


# Below this many bytes of pixels a copy each way costs less than the two exports (~10 us).
_IN_PLACE_BYTES = 128 * 1024


def _in_place(image: Image.Image, writable: bool = False) -> np.ndarray | None:
    """A view of `image`'s pixels in its own memory, through the Arrow C data interface that
    Pillow exports from 11.2 on: (H, W) for one band, (H, W, 4) for four bytes a pixel (RGB,
    YCbCr and LAB: three bands and padding). None where Pillow exports no such view (before
    11.2, an image in several blocks of memory, other modes). `writable` only for an image
    the caller has just made (Pillow treats exported memory as immutable). None too for images
    under _IN_PLACE_BYTES, which a copy serves faster."""
    dtype = _LAYOUT.get(image.mode)
    if dtype is None or image.mode in ("I;16B", "LA", "La"):
        return None
    pixel_bytes = 1 if image.mode == "L" else max(4, np.dtype(dtype).itemsize)
    if not image.width * image.height or image.width * image.height * pixel_bytes < _IN_PLACE_BYTES:
        return None
    try:
        capsules = image.__arrow_c_array__()
    except (AttributeError, ValueError, OSError):  # no Arrow export, or rows apart in memory
        return None
    array = _ArrowArray.from_address(_capsule_pointer()(capsules[1], b"arrow_array"))
    bands = 1 if array.n_children == 0 else 4
    if bands == 4:
        array = array.children[0].contents
    shape = (image.height, image.width) + ((4,) if bands == 4 else ())
    if (
        array.length != image.width * image.height * bands
        or array.offset != 0
        or array.n_buffers != 2
        or not array.buffers[1]
        or bands == 4
        and np.dtype(dtype).itemsize != 1
    ):
        return None
    return np.asarray(_Exported(capsules, array.buffers[1], shape, dtype, writable))


def from_array(array: np.ndarray, mode: str, like: Image.Image) -> Image.Image:
    """A Pillow image of `mode` holding `array`, carrying over `like`'s ``info`` (metadata such
    as the ICC profile and EXIF), which the caller may keep or drop."""
    raw = np.ascontiguousarray(array, dtype=_LAYOUT[mode])
    if mode == "LAB":
        raw = _signed_ab(raw)
    # one copy, from the array's buffer into the image's (no intermediate bytes object)
    result = Image.frombuffer(mode, (raw.shape[1], raw.shape[0]), raw, "raw", mode, 0, 1)
    result.info.update(like.info)
    result.info.pop("transparency", None)  # a palette index means nothing in RGB(A)
    return result


def filter_image(
    image: Image.Image,
    compute: Compute,
    *,
    offset: float = 0.0,
    premultiply: bool = True,
    smoothing: bool = True,
    threads: int | None = None,
    reach: tuple[int, int] | None = None,
    strides: tuple[int, int] = (1, 1),
) -> Image.Image:
    """Filter a Pillow image with `compute` and return a Pillow image (see the module's table).

    ``compute(array, dtype, offset, out)`` filters an array: ``dtype=None`` returns the
    array's own dtype (rounded, saturated), a float dtype the unrounded result; into `out`
    when it is not None. `smoothing` says whether the
    filter's weights sum to 1 (blur, sharpen), which decides what happens to alpha:

    - premultiply=True (default): colour is multiplied by alpha before filtering, so transparent
      pixels weigh nothing and their colour cannot bleed into visible edges. A smoothing filter
      also filters alpha and divides colour back by it; an operator (edges, emboss) keeps alpha.
    - premultiply=False: colour is filtered as plain data; a smoothing filter filters alpha as
      plain data too (what Pillow does).

    `offset` is added to colour, never to alpha. `threads` as in cconv.correlate, for the
    passes that premultiply and divide back. `reach`: (rows above, rows below) that an output
    row reads, if no farther (not 'wrap'); premultiplied images are then filtered in bands of
    rows, so that their float32 copies stay small (see _premultiplied). `strides`: the rows
    and columns `compute` keeps (its result is that much smaller; see cconv.correlate's
    `stride`).
    """
    mode = output_mode(image)
    if mode not in _STRAIGHT_ALPHA:
        source = image if mode == image.mode else image.convert(mode)
        result = _filtered_in_place(source, image, compute, offset, strides)
        if result is not None:
            return result
        return from_array(compute(to_array(source), None, offset, None), mode, image)
    array = to_array(image)
    if not premultiply:
        colour, alpha = array[..., :-1], array[..., -1:]
        new_alpha = compute(alpha, None, 0.0, None) if smoothing else api.decimated(alpha, strides)
        result = np.concatenate([compute(colour, None, offset, None), new_alpha], axis=-1)
        return from_array(result, mode, image)
    if strides != (1, 1):  # (in one band: bands would have to start on kept rows)
        result = np.empty(api.strided_shape(array.shape, strides), array.dtype)
        _premultiplied(array, compute, offset, smoothing, threads, result, 0, strides)
        return from_array(result, mode, image)
    result = np.empty_like(array)
    height = array.shape[0]
    band = height if reach is None else max(_BAND_ROWS, 4 * sum(reach))
    for start in range(0, height, band):
        stop = min(height, start + band)
        # the band's rows and those its outputs read; at the image's edges, the border mode's
        first = 0 if start == 0 else start - reach[0]
        last = height if stop == height else stop + reach[1]
        _premultiplied(
            array[first:last],
            compute,
            offset,
            smoothing,
            threads,
            result[start:stop],
            start - first,
        )
    return from_array(result, mode, image)


def _filtered_in_place(source, like, compute, offset, strides):
    """compute from `source`'s memory straight into a new image's, with no copy either way
    (RGB and the like filtered four bytes a pixel, their padding along), with `like`'s info;
    None where Pillow exports no view of either (see _in_place)."""
    pixels = _in_place(source)
    if pixels is None:
        return None
    height, width = api.strided_shape(pixels.shape[:2], strides)
    result = Image.new(source.mode, (width, height), None)
    out = _in_place(result, writable=True)
    if out is None:
        return None
    compute(pixels, None, offset, out)
    result.info.update(like.info)
    result.info.pop("transparency", None)  # a palette index means nothing in RGB(A)
    return result


# Rows per band of a premultiplied image (at least): whole, a large image's float32 copies are
# beyond the size malloc recycles, and each call would map and zero fresh memory for them
# (docs/performance.md, the named filters).
_BAND_ROWS = 128


def _premultiplied(pixels, compute, offset, smoothing, threads, out, skip, strides=(1, 1)):
    """Alpha-correct filtering of `pixels` (rows, width, channels; alpha last) into `out`,
    from row `skip` of the result on: colour times alpha / 255 and alpha / 255 filtered
    together, then colour divided by the filtered alpha (smoothing) or the alpha kept (the
    filtered alpha of an operator, and the offset it gets, are dropped). `strides`: those
    compute keeps."""
    filtered = compute(api.premultiplied(pixels, threads), np.float32, offset, None)
    if smoothing and offset:  # alpha without the offset
        alpha = pixels[..., -1:].astype(np.float32) / 255
        filtered[..., -1:] = compute(alpha, np.float32, 0.0, None)
    rows = slice(skip, skip + out.shape[0])
    api.unpremultiplied(
        filtered[rows], api.decimated(pixels, strides)[rows], smoothing, threads, out=out
    )
