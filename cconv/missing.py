"""Missing data: ``nan_policy='omit'`` of correlate, convolve and the smoothing filters.

Normalised convolution: NaN pixels (and pixels a ``mask`` marks) carry no weight, and each output
is the weighted sum over the valid pixels of its window divided by the sum of the weights that
fell on valid pixels. Two calls of the engine compute the two sums (of the image with its
missing pixels set to 0, and of the uint8 map of valid pixels as 0 and 1), on a path whose sum
of zeros is exactly zero (not the FFT's), so that a window without a valid pixel is found
exactly; one compiled pass splits the image into those two, one divides. The second sum is
written over the first's input, which the call no longer needs: large arrays are costly to
map afresh.
"""

from __future__ import annotations

import math

import numpy as np

from . import _dask, _engine, api

POLICIES = ("propagate", "omit")


def omits(nan_policy, mask) -> bool:
    """Whether the call omits missing data (ValueError for a bad policy, or a mask without
    'omit')."""
    if nan_policy == "propagate" and mask is None:  # the common case, at once
        return False
    if nan_policy not in POLICIES:
        raise ValueError(f"`nan_policy` must be 'propagate' or 'omit', got {nan_policy!r}")
    if mask is not None and nan_policy != "omit":
        raise ValueError("`mask` marks pixels to omit: give it with nan_policy='omit'")
    return nan_policy == "omit"


def normalized(
    image, kernel, flip, mode, cval, mask, out, dtype, threads, method, origin, offset=0.0, stride=1
):
    """correlate (flip False) or convolve of `image` with nan_policy='omit' (see correlate)."""
    weights = api.as_kernel(kernel)
    if weights.sum() == 0:
        raise ValueError(
            "nan_policy='omit' divides by the sum of the weights on valid pixels, "
            "and this kernel's weights sum to 0 (an edge or difference kernel): "
            "there is nothing to normalise"
        )
    if method == "fft":
        raise ValueError(
            "nan_policy='omit' takes method 'auto', 'direct', 'separable' or "
            "'box', not 'fft' (its rounding would hide a window without valid "
            "pixels)"
        )
    strides = api.as_strides(stride)
    if _dask.is_dask_array(image):
        lazy = _normalized_lazily(  # (which refuses out=)
            image, weights, flip, mode, cval, mask, out, dtype, threads, method, origin, offset
        )
        return api.decimated(lazy, strides)
    array = api.as_image(image)
    shape = api.strided_shape(array.shape, strides)
    out_dtype = api._output_dtype(array, out, dtype, shape)
    work = (
        np.dtype(np.float32)
        if array.dtype in (np.float32, np.float16, np.uint8, np.int8)
        else np.dtype(np.float64)
    )
    if array.size == 0:
        return api._deliver(np.empty(shape, out_dtype), out)
    source = np.ascontiguousarray(array, dtype=work)
    rows = (-1, source.shape[-1] * (source.shape[-2] if source.ndim > 2 else 1))
    marks = np.empty((0, 0), np.uint8)
    if mask is not None:
        marks = np.ascontiguousarray(_mask_array(mask, array.shape)).view(np.uint8)
    values, valid = np.empty_like(source), np.empty(source.shape, np.uint8)
    threads = api._call_threads(threads, source.size)
    _engine.engine.split_missing(
        source.reshape(rows),
        marks.reshape(rows) if marks.size else marks,
        values.reshape(rows),
        valid.reshape(rows),
        threads,
    )
    value_cval, valid_cval = cval, 1.0  # past the edges in 'constant': cval, valid unless NaN
    if mode == "constant" and math.isnan(api._as_cval(cval)):
        value_cval, valid_cval = 0.0, 0.0
    if method == "auto" and api.choose_method(weights, work, array.shape, threads) == "fft":
        method = "direct"
    options = {
        "mode": mode,
        "dtype": work,
        "threads": threads,
        "method": method,
        "origin": origin,
        "stride": strides,
    }
    run = api.convolve if flip else api.correlate
    total = run(values, weights, cval=value_cval, **options)
    share = values if values.shape == total.shape else None  # (strided: smaller)
    share = run(valid, weights, cval=valid_cval, out=share, **options)
    rows = (-1, total.shape[-1] * (total.shape[-2] if total.ndim > 2 else 1))
    _engine.engine.divide_by_share(
        total.reshape(rows), share.reshape(rows), api._as_offset(offset), threads
    )
    if out_dtype.kind in "iu":
        total = api.round_and_saturate(total, out_dtype)
    return api._deliver(total.astype(out_dtype, copy=False), out)


def _mask_array(mask, shape):
    try:
        marks = np.asarray(mask)
    except (TypeError, ValueError) as error:
        raise TypeError(f"`mask` must be an array of booleans: {error}") from None
    if marks.dtype != bool:
        raise TypeError(f"`mask` must hold booleans (True: omit the pixel), got {marks.dtype}")
    if marks.ndim == 2 and len(shape) == 3:  # one mask for every channel
        marks = marks[:, :, None]
    elif marks.ndim == 2 and len(shape) == 4:
        marks = marks[None, :, :, None]
    try:
        return np.broadcast_to(marks, shape)
    except ValueError:
        raise ValueError(
            f"`mask` of shape {marks.shape} does not fit the image's {shape}"
        ) from None


def _normalized_lazily(
    image, weights, flip, mode, cval, mask, out, dtype, threads, method, origin, offset
):
    """The same on a Dask array, chunk by chunk with the overlap the kernel reaches (a mask
    becomes NaN in a float copy of the image)."""
    if out is not None:
        raise ValueError("`out` cannot be given for a Dask array")
    out_dtype = normalized(
        _dask.sample(image),
        weights,
        flip,
        mode,
        cval,
        None,
        None,
        dtype,
        threads,
        method,
        origin,
        offset,
    ).dtype  # the call's errors, now
    if mask is not None:
        import dask.array as da

        work = np.float32 if image.dtype == np.float32 else np.float64
        marks = da.asarray(mask)
        if marks.ndim == 2 and image.ndim > 2:
            marks = marks[..., None] if image.ndim == 3 else marks[None, ..., None]
        image = da.where(marks, np.nan, image.astype(work))
    anchored, anchor = api._anchored(weights, flip, origin)
    block = _dask.call_blocks(
        normalized,
        weights,
        flip,
        mode,
        cval,
        None,
        None,
        out_dtype,
        1 if threads is None else threads,
        method,
        origin,
        offset,
    )
    return _dask.map_with_kernel(block, image, anchored.shape, anchor, mode, out_dtype)
