"""Pillow images to arrays and back, one deliberate choice per mode, with alpha handling.

| mode | filtered as | comes back as |
|---|---|---|
| L, RGB, CMYK, YCbCr, LAB | uint8, 1/3/4/3/3 channels, each filtered alike | same mode |
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

Compute = Callable[[np.ndarray, Optional[np.dtype], float], np.ndarray]


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
    """The pixels of `image` as an (H, W) or (H, W, C) array, in its output mode."""
    mode = output_mode(image)
    if mode != image.mode:
        image = image.convert(mode)
    array = np.asarray(image)
    return array.astype(_LAYOUT[mode], copy=False)


def from_array(array: np.ndarray, mode: str, like: Image.Image) -> Image.Image:
    """A Pillow image of `mode` holding `array`, carrying over `like`'s ``info`` (metadata such
    as the ICC profile and EXIF), which the caller may keep or drop."""
    raw = np.ascontiguousarray(array, dtype=_LAYOUT[mode])
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

    ``compute(array, dtype, offset)`` filters an array: ``dtype=None`` returns the array's own
    dtype (rounded, saturated), a float dtype the unrounded result. `smoothing` says whether the
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
    array = to_array(image)
    if mode not in _STRAIGHT_ALPHA:
        return from_array(compute(array, None, offset), mode, image)
    if not premultiply:
        colour, alpha = array[..., :-1], array[..., -1:]
        new_alpha = compute(alpha, None, 0.0) if smoothing else api.decimated(alpha, strides)
        result = np.concatenate([compute(colour, None, offset), new_alpha], axis=-1)
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
    filtered = compute(api.premultiplied(pixels, threads), np.float32, offset)
    if smoothing and offset:  # alpha without the offset
        filtered[..., -1:] = compute(pixels[..., -1:].astype(np.float32) / 255, np.float32, 0.0)
    rows = slice(skip, skip + out.shape[0])
    api.unpremultiplied(
        filtered[rows], api.decimated(pixels, strides)[rows], smoothing, threads, out=out
    )
