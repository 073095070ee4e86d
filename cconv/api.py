"""cconv's array API: ``correlate`` and ``convolve``.

This module owns everything around the compiled engine (src/_core.pyx, chosen for the CPU by
``cconv._engine``): argument validation, the dtype and rounding policy, ``out=`` handling, the
thread count. The engine only computes, on C-contiguous native buffers shaped (N, H, W*C).
This module never imports Pillow.
"""

from __future__ import annotations

import functools
import math
import numbers
import os
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _dask, _engine, _fft, missing
from .kernels import Outer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, DTypeLike, NDArray

__all__ = ["correlate", "convolve", "choose_method", "MODES", "METHODS"]

MODES = tuple(_engine.engine.MODES)
"""Border modes, with scipy.ndimage's names and semantics."""

METHODS = ("auto",) + tuple(_engine.engine.PATHS) + ("fft",)
"""How a kernel is applied: 'auto' chooses from the kernel's structure (see choose_method)."""

# Dtypes the engine reads and writes directly.
_NATIVE = frozenset(np.dtype(t) for t in (np.uint8, np.uint16, np.int16, np.float32, np.float64))

_FLOAT32, _FLOAT64 = np.dtype(np.float32), np.dtype(np.float64)
# Images accumulated in float32 (unless the output is float64): see _accumulator.
_FLOAT32_SOURCES = frozenset((np.dtype(np.uint8), _FLOAT32))

# Other real dtypes are computed through a wider native type (exact for all but 64-bit ints).
_WIDER = {
    np.dtype(np.int8): np.dtype(np.int16),
    np.dtype(np.float16): np.dtype(np.float32),
}

# threads=None on fewer samples than this takes one thread: below it, waking a second
# thread cost about what it saved (docs/design.md, where the constants come from).
_MIN_SAMPLES_FOR_THREADS = 16384

# Outputs from this size on are written with streaming stores (the engine's `stream`): they do
# not fit in the caches of typical machines together with their input, so caching them only
# costs a read of each line before it is written (docs/design.md, where the constants come
# from).
_STREAM_BYTES = 16 << 20


def default_threads() -> int:
    """Number of CPUs this process may run on (what ``threads=None`` uses), read again at most
    once a second: the system call took 1.5-3 us, a tenth of a call on a 64x64 image. (A
    thread count never changes a result, only the time.)"""
    global _cpu_count
    now = time.monotonic()
    if now - _cpu_count[0] >= 1.0:
        _cpu_count = (now, _read_cpu_count())
    return _cpu_count[1]


_cpu_count = (-math.inf, 1)  # (when read, count)


def _read_cpu_count() -> int:
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def correlate(
    image: ArrayLike,
    kernel: ArrayLike,
    *,
    mode: str = "nearest",
    cval: float = 0.0,
    offset: float = 0.0,
    out: NDArray[Any] | None = None,
    dtype: DTypeLike = None,
    threads: int | None = None,
    method: str = "auto",
    origin: int | Sequence[int] = 0,
    nan_policy: str = "propagate",
    mask: ArrayLike | None = None,
    stride: int | Sequence[int] = 1,
) -> NDArray[Any]:
    """Correlate an image, a channels-last image or a batch with a 2-D kernel.

    Each output pixel is the sum of ``kernel[i, j] * image[y + i - kh // 2, x + j - kw // 2]``:
    the kernel slides as given, without flipping (as ``scipy.ndimage.correlate`` and
    ``cv2.filter2D``). Every channel and every image of a batch uses the same kernel.

    Parameters
    ----------
    image : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
        uint8, uint16, int16, float32 and float64 are computed natively; other real integer
        dtypes and float16 through a wider type. Read-only, non-contiguous and byte-swapped
        arrays are fine. The image is never modified. A ``dask.array.Array`` gives a lazy
        Dask array of the same shape, chunks and dtype, equal to this call in memory (see
        :mod:`cconv.dask`).
    kernel : array_like of shape (kh, kw)
        Real, finite weights; any size from 1x1 up, odd or even, also larger than the image.
        Its anchor is ``(kh // 2, kw // 2)``, moved by `origin`.
    mode : {'nearest', 'reflect', 'mirror', 'wrap', 'constant'}, optional
        How the image is extended past its edges (scipy.ndimage's names and semantics)::

            'nearest'   a a a | a b c d | d d d   edge clamping (default)
            'reflect'   c b a | a b c d | d c b   half-sample symmetric
            'mirror'    d c b | a b c d | c b a   whole-sample symmetric
            'wrap'      b c d | a b c d | a b c   periodic
            'constant'  k k k | a b c d | k k k   k = cval

    cval : float, optional
        The value outside the image for ``mode='constant'``, in the image's units.
    offset : float, optional
        Added to every result before it is rounded and saturated (OpenCV's ``delta``), in
        the same pass: 128 centres a kernel whose weights sum to 0 on mid-grey.
    out : ndarray, optional
        Where to write the result: the image's shape, a real dtype, writeable. It may be the
        image itself. It is returned.
    dtype : data-type, optional
        Output dtype. Default: ``out.dtype`` if ``out`` is given, else the image's dtype.
        A float dtype gives the unrounded result (for signed edge responses, for instance).
    threads : int, optional
        Threads for this call; default: every CPU available to the process (one for images of
        fewer than 16384 samples, pixels times channels). Results are bit-identical for any
        thread count.
    method : {'auto', 'direct', 'separable', 'box', 'fft'}, optional
        How the kernel is applied. 'auto' (default) picks the fastest from the kernel's
        structure and the image's size, as :func:`choose_method` reports. 'direct' applies
        every non-zero weight (exactly, in int16 sums, for uint8 to uint8 under integer weights
        whose absolute sum is at most 128); 'separable' needs a rank-1 kernel (an outer product
        of a column and a row) and makes two 1-D passes; 'box' needs a constant kernel and uses
        running window sums, whose cost does not grow with the size on integer images (exact
        integer sums) and only with the logarithm of the kernel's width on float images. All
        follow the same accuracy and rounding rules. 'fft' multiplies spectra, at a cost that
        barely grows with the kernel's size: float32 transforms of tiles for uint8 and float32
        images into uint8 or float32 outputs (error at most 1e-6 of the kernel's absolute sum
        times the image's largest value), float64 transforms of whole planes otherwise (at
        most 1e-13 of it); 'auto' takes it for large kernels where it pays and, for integer
        outputs, where that error stays far from the rounding. Its error is relative to the
        image's largest values, not to each pixel's neighbourhood; images holding NaN or
        infinity take the direct path instead. A forced 'fft' whose error bound would reach
        integer outputs' rounding (int64 images of large values) or overflow float64 raises
        ValueError.
    origin : int or (int, int), optional
        Shifts the kernel's anchor, as in scipy.ndimage: the anchor becomes
        ``(kh // 2 + origin_y, kw // 2 + origin_x)``, so a positive origin moves the result
        towards the end of its axis. Each must lie in ``[-(k // 2), (k - 1) // 2]`` for its
        kernel size k. For :func:`convolve` the kernel is flipped first and the shift goes the
        other way, also as in scipy.ndimage.
    nan_policy : {'propagate', 'omit'}, optional
        'propagate' (default): a NaN reaches every output whose window holds it.
        'omit': normalised convolution. NaN pixels, and pixels where `mask` is True, carry no
        weight, and each output is divided by the sum of the weights that fell on valid
        pixels (astropy's ``nan_treatment='interpolate'``): missing pixels are filled in from
        their neighbours, and the result does not depend on the kernel's scale. Past the
        edges the mode's pixels count as valid, except 'constant' with a NaN `cval`. An
        output whose window holds no valid pixel is NaN (the integer rule for NaN below);
        the kernel's weights must not sum to 0 (ValueError). Computed in float32 for 8-bit
        and float32 images, else float64; not on the 'fft' path.
    mask : array_like of bool, optional
        With nan_policy='omit': True marks a pixel as missing. Shape (H, W) for every channel,
        or the image's shape.
    stride : int or (int, int), optional
        Keep every `stride`-th row and column (or ``(sy, sx)``): the result is exactly
        ``correlate(image, kernel)[::sy, ::sx]`` (on the H and W axes), of shape
        ``ceil(H / sy), ceil(W / sx)``, and the rows and columns dropped are not computed
        (the 'fft' method and Dask arrays excepted, which compute the whole and keep every
        stride-th sample). `out`, if given, has that shape.

    Returns
    -------
    ndarray
        Same shape as the image (but for `stride`). Integer results are rounded to nearest
        (ties to even) and saturated to the dtype's range: never truncated, never wrapped.

    Raises
    ------
    TypeError
        The image or kernel is not made of real numbers (bool, complex, object), or ``cval``
        or ``offset`` is not a real number.
    ValueError
        A shape, mode, dtype, ``out``, ``threads`` or ``method`` that does not fit; a kernel
        that is empty or holds NaN or infinity; an infinite or NaN ``offset``.

    Notes
    -----
    uint8 and float32 images accumulate in float32 (float64 when the output is float64, or
    when a weight or ``cval`` does not fit float32's range and precision); the other dtypes in
    float64. Sums of a float32 image's own samples beyond float32's range overflow to
    infinity. Weights of exactly zero are skipped, as in scipy.ndimage, so ``0 * inf`` does
    not turn a result into NaN. Integer outputs are saturated exactly at both ends; NaN
    becomes the dtype's lowest value. docs/design.md states the accuracy contract per pixel.

    Examples
    --------
    >>> import numpy as np, cconv
    >>> image = np.zeros((5, 5), np.uint8)
    >>> image[2, 2] = 10
    >>> cconv.correlate(image, [[1, 2, 3]])[2]
    array([ 0, 30, 20, 10,  0], dtype=uint8)
    >>> cconv.correlate(np.full((2, 2), 200, np.uint8), [[2.0]])
    array([[255, 255],
           [255, 255]], dtype=uint8)
    """
    return _correlate_or_convolve(
        image,
        kernel,
        False,
        mode,
        cval,
        offset,
        out,
        dtype,
        threads,
        method,
        origin,
        nan_policy,
        mask,
        stride,
    )


def convolve(
    image: ArrayLike,
    kernel: ArrayLike,
    *,
    mode: str = "nearest",
    cval: float = 0.0,
    offset: float = 0.0,
    out: NDArray[Any] | None = None,
    dtype: DTypeLike = None,
    threads: int | None = None,
    method: str = "auto",
    origin: int | Sequence[int] = 0,
    nan_policy: str = "propagate",
    mask: ArrayLike | None = None,
    stride: int | Sequence[int] = 1,
) -> NDArray[Any]:
    """Convolve an image, a channels-last image or a batch with a 2-D kernel.

    True convolution: the kernel is flipped on both axes, and the result equals
    ``scipy.ndimage.convolve`` for odd and even kernel sizes alike. Parameters, returns,
    errors and the rounding policy are those of :func:`correlate`.

    Examples
    --------
    >>> import numpy as np, cconv
    >>> image = np.zeros((5, 5), np.uint8)
    >>> image[2, 2] = 10
    >>> cconv.convolve(image, [[1, 2, 3]])[2]
    array([ 0, 10, 20, 30,  0], dtype=uint8)
    """
    return _correlate_or_convolve(
        image,
        kernel,
        True,
        mode,
        cval,
        offset,
        out,
        dtype,
        threads,
        method,
        origin,
        nan_policy,
        mask,
        stride,
    )


def _correlate_or_convolve(
    image,
    kernel,
    flip,
    mode,
    cval,
    offset,
    out,
    dtype,
    threads,
    method,
    origin,
    nan_policy,
    mask,
    stride,
):
    """correlate (flip False) or convolve, with or without the missing pixels (cconv.missing)."""
    if missing.omits(nan_policy, mask):
        return missing.normalized(
            image,
            kernel,
            flip,
            mode,
            cval,
            mask,
            out,
            dtype,
            threads,
            method,
            origin,
            offset,
            stride,
        )
    return _filter(
        image, kernel, flip, mode, cval, out, dtype, threads, method, origin, offset, stride=stride
    )


def _filter(
    image,
    kernel,
    flip,
    mode,
    cval,
    out,
    dtype,
    threads,
    method,
    origin=0,
    offset=0.0,
    centre=0.0,
    stride=1,
):
    """correlate (flip False) or convolve; `centre` (for cconv.filters): a weight added to the
    kernel at its anchor, which keeps a separable kernel on the separable path (an unsharp
    mask is a Gaussian's multiple plus a centre weight)."""
    key = None
    if out is None and (
        type(kernel) is np.ndarray
        and kernel.size <= _REPEAT_TAPS
        or type(kernel) is Outer
        and sum(kernel.shape) <= _REPEAT_TAPS
    ):
        described = (
            kernel.key if type(kernel) is Outer else (kernel.shape, kernel.dtype, kernel.tobytes())
        )
        repeated, key = _repeated(
            image,
            threads,
            described + (flip, mode, cval, dtype, method, origin, offset, centre, stride),
        )
        if repeated is not None:
            return repeated
    strides = as_strides(stride)
    if type(image) is not np.ndarray and _dask.is_dask_array(image):
        if strides != _NO_STRIDE:  # (map_overlap keeps the chunks' shapes; out= is refused)
            whole = _filter(
                image, kernel, flip, mode, cval, out, dtype, threads, method, origin, offset, centre
            )
            return decimated(whole, strides)
        return _filter_lazily(
            image, kernel, flip, mode, cval, out, dtype, threads, method, origin, offset, centre
        )
    image = as_image(image)
    weights = _weights(kernel, method)  # finiteness is checked once per kernel, by _plan
    mode_code = _mode_code(mode)
    cval = _as_cval(cval)
    offset = _as_offset(offset)
    threads = _call_threads(threads, image.size)
    shape = strided_shape(image.shape, strides)
    out_dtype = _output_dtype(image, out, dtype, shape)
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {', '.join(map(repr, METHODS))}; got {method!r}")

    weights, anchor = _anchored(weights, flip, origin)

    if image.size == 0:
        if type(weights) is not Outer:  # the same errors as for any image
            _plan(weights, method, np.dtype(np.float64), False)
        result = np.empty(shape, out_dtype)
        return _deliver(result, out)

    source = _engine_input(image)
    path, engine_kernel, column, row, engine_out_dtype, accumulator = _choose_path(
        weights,
        method,
        source.dtype,
        image.dtype,
        out_dtype,
        mode_code,
        cval,
        image.shape,
        threads,
        offset,
    )
    if path == "fft" and strides != _NO_STRIDE:  # (its cost is the whole image's anyway)
        whole = _filter(
            image,
            kernel,
            flip,
            mode,
            cval,
            None,
            out_dtype,
            threads,
            method,
            origin,
            offset,
            centre,
        )
        return _deliver(np.ascontiguousarray(decimated(whole, strides)), out)
    if centre and path != "separable":  # the others take the centre in the kernel
        weights = weights.copy()
        weights[anchor] += centre
        if path != "fft":
            path, engine_kernel, column, row = _plan(weights, "direct", accumulator, False)
        centre = 0.0
    tiles = (
        path == "fft"
        and (mode_code != _CONSTANT or math.isfinite(cval))
        and _fft.takes_tiles(
            source.dtype,
            engine_out_dtype,
            accumulator,
            weights.shape,
            _fft_facts(weights),
            out_dtype,
            cval if mode_code == _CONSTANT else 0.0,
        )
    )
    if path == "fft" and not tiles:
        if _fft.usable(image, mode, cval):
            if method == "fft":  # 'auto' takes it only where it is accurate (_fft_pays)
                _fft.check_accuracy(image, weights, mode, cval, out_dtype.kind in "iu")
            step = _fft.exact_step(image, weights, mode, cval) if out_dtype.kind in "iu" else None

            def finish(values):
                if step is not None:
                    _fft.snap(values, step)
                if offset:
                    values += offset
                return round_and_saturate(values, out_dtype, finite=True)

            result = _fft.correlate_planes(
                image, weights, anchor, mode, cval, threads, out_dtype, finish
            )
            return _deliver(result, out)
        path, engine_kernel, column, row = _plan(weights, "direct", accumulator, False)

    planes_shape, channels = _planes(image.shape)
    out_planes_shape = planes_shape if strides == _NO_STRIDE else _planes(shape)[0]

    direct = _writes_into(out, engine_out_dtype, source)
    result = out if direct else np.empty(shape, engine_out_dtype)
    engine = _engine.engine
    if tiles:  # (takes_tiles kept their error within the contract; they detect overflow)
        grid = (
            _fft.exact_step(image, weights, mode, cval, tiles=True)
            if out_dtype.kind in "iu"
            else None
        )
        function = engine.fft_correlate
        if _fft.correlate_tiles(
            function,
            source.reshape(planes_shape),
            result.reshape(planes_shape),
            weights,
            anchor,
            channels,
            mode_code,
            cval,
            offset,
            grid,
            threads,
        ):
            return _finish(result, out, out_dtype, direct)
        # NaN or infinity in the image, or sums beyond float32: the direct path takes them
        path, engine_kernel, column, row = _plan(weights, "direct", accumulator, False)
    function = engine.correlate
    arguments = (
        engine_kernel,
        column,
        row,
        engine.PATHS[path],
        channels,
        anchor[0],
        anchor[1],
        mode_code,
        cval,
        offset,
        centre,
        min(threads, out_planes_shape[0] * out_planes_shape[1]),  # no more threads than rows
        # a strided output is written past the caches too where its input alone fills them
        max(result.nbytes, 0 if strides == _NO_STRIDE else source.nbytes) >= _STREAM_BYTES,
        *(() if strides == _NO_STRIDE else strides),  # (the engine's default: 1, 1)
    )
    call = _Repeat(
        function, arguments, planes_shape, out_planes_shape, shape, engine_out_dtype, out_dtype
    )
    call.into(source, result)
    if key is not None and source is image:
        _remember(key, call)
    return _finish(result, out, out_dtype, direct)


# A repeated call (the same kernel, options, image shape and dtype: filtering many small images
# or video frames) goes from _filter straight to the engine with what the first call decided.
_REPEATS: dict = {}
_REPEATS_KEPT = 256


_REPEAT_TAPS = 1024  # larger kernels are not kept in keys


def _repeated(image, threads, options):
    """(the result of the engine call remembered for this call, or None; the call's key, or
    None where it is not remembered). The key: the engine module, the image's shape and dtype,
    `threads` and the call's other `options` as given (hashable if they are); none where the
    image is not an ndarray or the call's threads depend on the machine's default."""
    if type(image) is not np.ndarray or threads is None and image.size >= _MIN_SAMPLES_FOR_THREADS:
        return None, None
    key = (_engine.engine, image.shape, image.dtype, threads) + options
    try:
        repeat = _REPEATS.get(key)
    except TypeError:  # an unhashable option: no shortcut
        return None, None
    if repeat is not None and image.flags.c_contiguous and image.flags.aligned:
        return repeat(image), key
    return None, key


def _remember(key, repeat) -> None:
    if len(_REPEATS) >= _REPEATS_KEPT:
        _REPEATS.clear()
    _REPEATS[key] = repeat


class _Repeat:
    """The engine call a first call decided, for images of its shape and dtype."""

    __slots__ = ("function", "arguments", "planes", "out_planes", "shape", "dtype", "out_dtype")

    def __init__(self, function, arguments, planes, out_planes, shape, dtype, out_dtype):
        self.function, self.arguments = function, arguments
        self.planes, self.out_planes, self.shape = planes, out_planes, shape
        self.dtype, self.out_dtype = dtype, out_dtype

    def into(self, image: np.ndarray, result: np.ndarray) -> None:
        """The engine call on `image` (read as it is) into `result` (of the engine's dtype)."""
        self.function(image.reshape(self.planes), result.reshape(self.out_planes), *self.arguments)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        result = np.empty(self.shape, self.dtype)
        self.into(image, result)
        return (
            result if self.dtype == self.out_dtype else round_and_saturate(result, self.out_dtype)
        )


def _writes_into(out, engine_out_dtype: np.dtype, source: np.ndarray) -> bool:
    """Whether the engine can write its result straight into `out`."""
    return (
        out is not None
        and out.dtype == engine_out_dtype
        and out.flags.c_contiguous
        and out.flags.aligned  # as the input (_engine_input); streaming stores need it too
        and out.dtype.isnative
        and not np.may_share_memory(out, source)
    )


def _finish(result: np.ndarray, out, out_dtype: np.dtype, direct: bool) -> np.ndarray:
    """The engine's `result` as the call returns it: in `out_dtype`, in `out` if given
    (`direct`: the engine wrote into it already)."""
    if result.dtype != out_dtype:
        result = round_and_saturate(result, out_dtype)
    return result if direct else _deliver(result, out)


_NO_STRIDE = (1, 1)


def as_strides(stride) -> tuple[int, int]:
    """`stride` (one positive integer or one per axis, rows then columns) as a pair."""
    if stride is _NO_STRIDE or type(stride) is int and stride == 1:  # the common cases, at once
        return _NO_STRIDE
    values = stride if isinstance(stride, (tuple, list, np.ndarray)) else (stride, stride)
    if len(values) != 2 or not all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1 for s in values
    ):
        raise ValueError(
            f"`stride` must be a positive integer or a pair of them (rows, columns); got {stride!r}"
        )
    return int(values[0]), int(values[1])


def strided_shape(shape: tuple, strides: tuple[int, int]) -> tuple:
    """The shape of an image of `shape` (H, W), (H, W, C) or (N, H, W, C) keeping every
    strides[0]-th row and strides[1]-th column."""
    if strides == _NO_STRIDE:
        return shape
    y = 1 if len(shape) == 4 else 0
    sizes = list(shape)
    sizes[y] = -(-shape[y] // strides[0])
    sizes[y + 1] = -(-shape[y + 1] // strides[1])
    return tuple(sizes)


def decimated(image, strides: tuple[int, int]):
    """A view of every strides[0]-th row and strides[1]-th column of `image` (numpy or Dask)."""
    if strides == _NO_STRIDE:
        return image
    rows, columns = slice(None, None, strides[0]), slice(None, None, strides[1])
    return image[(slice(None), rows, columns) if image.ndim == 4 else (rows, columns)]


def gradient(
    image,
    factors_x,
    factors_y,
    combine,
    *,
    mode="nearest",
    cval=0.0,
    dtype=None,
    threads=None,
    out=None,
):
    """The combination ('hypot' or 'max', see cconv.filters.edges) of the responses to two
    separable kernels, given as (column, row) factors of one odd size, in one pass of the
    engine (src/gradient.pxi). Arguments as correlate's; private to cconv.filters. Repeated
    calls with factors given as tuples take the engine call the first one decided (_REPEATS)."""
    key = None
    if out is None:
        repeated, key = _repeated(
            image, threads, ("gradient", factors_x, factors_y, combine, mode, cval, dtype)
        )
        if repeated is not None:
            return repeated
    image = as_image(image)
    mode_code, cval = _mode_code(mode), _as_cval(cval)
    threads = _call_threads(threads, image.size)
    out_dtype = _output_dtype(image, out, dtype)
    source = _engine_input(image)
    engine_out_dtype = _engine_output(source.dtype, out_dtype)
    accumulator = _accumulator(source.dtype, engine_out_dtype)
    if mode_code == _CONSTANT and float(np.float32(cval)) != cval:
        accumulator = engine_out_dtype = _FLOAT64
    direct = _writes_into(out, engine_out_dtype, source)
    result = out if direct else np.empty(image.shape, engine_out_dtype)
    if image.size:
        planes_shape, channels = _planes(image.shape)
        engine = _engine.engine
        factors = [np.ascontiguousarray(f, accumulator) for f in (*factors_x, *factors_y)]
        function = engine.gradient
        arguments = (
            *factors,
            engine.COMBINES[combine],
            channels,
            mode_code,
            cval,
            min(threads, planes_shape[0] * planes_shape[1]),
        )
        call = _Repeat(
            function,
            arguments,
            planes_shape,
            planes_shape,
            image.shape,
            engine_out_dtype,
            out_dtype,
        )
        call.into(source, result)
        if key is not None and source is image:
            _remember(key, call)
    return _finish(result, out, out_dtype, direct)


def premultiplied(pixels: np.ndarray, threads=None) -> np.ndarray:
    """uint8 pixels (..., C), alpha last, as float32: colour times alpha / 255, then
    alpha / 255 (one threaded pass of the engine; private to cconv.images)."""
    pixels = np.ascontiguousarray(pixels)
    out = np.empty(pixels.shape, np.float32)
    if pixels.size:
        rows = pixels.reshape(-1, pixels.shape[-2] * pixels.shape[-1])
        _engine.engine.premultiply(
            rows, out.reshape(rows.shape), pixels.shape[-1], _alpha_threads(pixels, threads)
        )
    return out


def unpremultiplied(
    filtered: np.ndarray, pixels: np.ndarray, divide: bool, threads=None, out=None
) -> np.ndarray:
    """premultiplied's `filtered` samples back to uint8 pixels: colour divided by the filtered
    alpha (divide) or as it is, with the unfiltered `pixels`' alpha (see src/alpha.pxi); into
    `out` (C-contiguous uint8 of pixels' shape) if given."""
    filtered = np.ascontiguousarray(filtered, np.float32)
    pixels = np.ascontiguousarray(pixels)
    if out is None:
        out = np.empty(pixels.shape, np.uint8)
    if pixels.size:
        shape = (-1, pixels.shape[-2] * pixels.shape[-1])
        _engine.engine.unpremultiply(
            filtered.reshape(shape),
            pixels.reshape(shape),
            out.reshape(shape),
            pixels.shape[-1],
            divide,
            _alpha_threads(pixels, threads),
        )
    return out


def _alpha_threads(pixels, threads) -> int:
    return min(_call_threads(threads, pixels.size), pixels.shape[-3] if pixels.ndim >= 3 else 1)


def _planes(shape):
    """The engine's view (N, H, W*C) of an image of `shape`, and C: each row a flat run of
    pixels and channels."""
    if len(shape) == 2:
        return (1, shape[0], shape[1]), 1
    if len(shape) == 3:
        return (1, shape[0], shape[1] * shape[2]), shape[2]
    return (shape[0], shape[1], shape[2] * shape[3]), shape[3]


_UINT8_MAX = 255.0
_OFFSET_MAX_FLOAT32 = 65536.0  # exact in float32 sums of uint8 samples (24 bits), with room
_CONSTANT = _engine.engine.MODES["constant"]


def _anchored(weights, flip, origin):
    """(the weights to correlate with, their anchor (row, column)) for correlate (flip False)
    or convolve."""
    # the default origin without _origins' checks, which took 2 us of a 64x64 call's 12
    oy, ox = (0, 0) if type(origin) is int and origin == 0 else _origins(origin, weights.shape)
    kh, kw = weights.shape
    if flip:
        # Convolution = correlation with the flipped kernel, anchored at the mirrored index
        # (for even sizes that is size // 2 - 1, which is what scipy.ndimage.convolve does).
        flipped = weights.flipped() if type(weights) is Outer else weights[::-1, ::-1]
        return flipped, (kh - 1 - kh // 2 - oy, kw - 1 - kw // 2 - ox)
    return weights, (kh // 2 + oy, kw // 2 + ox)


def _filter_lazily(
    image, kernel, flip, mode, cval, out, dtype, threads, method, origin, offset, centre
):
    """correlate / convolve of a Dask array: a lazy Dask array (see cconv._dask)."""
    if out is not None:
        raise ValueError(
            "`out` cannot be given with a Dask array: the result is a new lazy "
            "Dask array (write it with dask.array.store or to_zarr)"
        )
    # the same errors as the call in memory, now rather than at compute time
    out_dtype = _filter(
        _dask.sample(image),
        kernel,
        flip,
        mode,
        cval,
        None,
        dtype,
        threads,
        method,
        origin,
        offset,
        centre,
    ).dtype
    weights, anchor = _anchored(_weights(kernel, method), flip, origin)
    method = whole_image_method(
        image.shape, image.dtype, weights, mode, cval, out_dtype, threads, method, offset
    )
    block = _dask.call_blocks(
        _filter,
        kernel,
        flip,
        mode,
        cval,
        None,
        out_dtype,
        1 if threads is None else threads,
        method,
        origin,
        offset,
        centre,
    )
    return _dask.map_with_kernel(block, image, weights.shape, anchor, mode, out_dtype)


def whole_image_method(
    shape, image_dtype, weights, mode, cval, out_dtype, threads, method, offset=0.0
):
    """The method a call with `weights` (as correlated) on an in-memory image of `shape` takes
    (the FFT's cost model depends on the shape): the chunks of a Dask array take it too, so
    that their values are the in-memory call's."""
    if method != "auto" or 0 in shape:
        return method
    size = math.prod(shape)
    threads = _call_threads(threads, size)
    image_dtype = np.dtype(image_dtype)
    return _choose_path(
        weights,
        method,
        _engine_dtype(image_dtype),
        image_dtype,
        out_dtype,
        _mode_code(mode),
        _as_cval(cval),
        shape,
        threads,
        offset,
    )[0]


def _choose_path(
    weights, method, source, image_dtype, out_dtype, mode_code, cval, shape, threads, offset=0.0
):
    """(path, kernel, column, row, engine output dtype, accumulator) of a call on an image of
    `image_dtype`, read by the engine as `source`: _call_plan's, in float64 where float32 sums
    cannot hold the samples or cval, and 'fft' where 'auto' finds it pays on an image of
    `shape` filtered on `threads` threads (the fallback from the FFT for images holding NaN
    or infinity is decided later, from the pixels). float32 sums start from `offset` only
    where float32 holds it exactly, within the range of uint8 images' exact sums."""
    plan = _call_plan(weights, method, source, out_dtype)
    largest = _UINT8_MAX if source == np.uint8 else 0.0
    if mode_code == _CONSTANT:
        largest = max(largest, abs(cval))
    if offset and (float(np.float32(offset)) != offset or abs(offset) > _OFFSET_MAX_FLOAT32):
        largest = math.inf
    if largest > plan[-1]:  # beyond what float32 sums hold: float64 sums, then the output
        plan = _call_plan(weights, method, source, _FLOAT64)
    path, engine_kernel, column, row, engine_out_dtype, accumulator, _ = plan
    if (
        method == "auto"
        and path == "direct"
        and _fft_pays(
            weights, shape, image_dtype, source, out_dtype, engine_out_dtype, accumulator, threads
        )
    ):
        path = "fft"
    return path, engine_kernel, column, row, engine_out_dtype, accumulator


def choose_method(
    kernel: ArrayLike,
    dtype: DTypeLike = np.float64,
    shape: Sequence[int] | None = None,
    threads: int | None = None,
) -> str:
    """The method ``method='auto'`` uses for `kernel` on an image of `dtype` (and, if given,
    of `shape` filtered on `threads` threads): 'direct', 'separable', 'box' or 'fft'.

    - 'box': every weight is equal (a mean or sum filter) and kh + kw >= 8 on uint16 and int16
      images, >= 20 on uint8 (exact integer running sums: a constant cost per sample whatever
      the size), kh + kw >= 16 on float images (running column sums, then window sums along
      the row). Smaller boxes go the separable way.
    - 'separable': the kernel is an outer product of a column and a row (Gaussian, Sobel, a
      box of different weights per axis ...), to a few units in the last place, with the same
      zeros, and kh + kw multiply-adds beat the direct path's count.
    - 'fft': only with `shape`, where a kernel is so large that the FFT path is expected to
      take at most 0.8x the direct path's time: on uint8 and float32 images (its float32 tiles;
      on a 1080p image at one thread, dense kernels from about 15x15 to 19x19), and on 16-bit
      integer images into integer outputs (its float64 planes; from about 50x50), with its
      error within the rounding policy (see :func:`correlate`). Images holding NaN or
      infinity, which an FFT would spread over the whole image, still take the direct path.
    - 'direct': everything else; one multiply-add per non-zero weight.

    Results agree with the direct path within the accuracy rules of :func:`correlate`.

    >>> import cconv, numpy as np
    >>> cconv.choose_method(cconv.kernels.gaussian(2.0)), cconv.choose_method(cconv.kernels.box(9))
    ('separable', 'box')
    >>> box5 = cconv.kernels.box(5)
    >>> cconv.choose_method(box5, "uint16"), cconv.choose_method(box5, "uint8")
    ('box', 'separable')
    >>> large = np.random.default_rng(0).uniform(size=(63, 63))
    >>> cconv.choose_method(large, "uint8"), cconv.choose_method(large, "uint8", (1080, 1920), 1)
    ('direct', 'fft')
    """
    try:
        dtype = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"`dtype` must be a numpy dtype, got {dtype!r}") from error
    weights = as_kernel(kernel)
    source = _engine_dtype(dtype)  # int32 and wider are read as floats
    output = dtype.newbyteorder("=")
    accumulator = _accumulator(source, _engine_output(source, output))
    path = _plan(weights, "auto", accumulator, source.kind in "iu")[0]
    if shape is None:
        return path
    if (
        not isinstance(shape, tuple)
        or len(shape) not in (2, 3, 4)
        or not all(isinstance(n, numbers.Integral) and n >= 1 for n in shape)
    ):
        raise ValueError(
            f"`shape` must be an image's shape, 2 to 4 positive integers; got {shape!r}"
        )
    if path == "direct" and _fft_pays(
        weights,
        shape,
        dtype,
        source,
        output,
        _engine_output(source, output),
        accumulator,
        _thread_count(threads),
    ):
        return "fft"
    return path


def _call_plan(weights: np.ndarray, method: str, source: np.dtype, output: np.dtype):
    """(path, kernel, column, row, engine output dtype, accumulator) for an image of the engine
    dtype `source` to become `output`: _plan's, with the dtypes it depends on, cached with it
    (see _by_kernel), so that a call on a small image spends little time before the engine."""
    if type(weights) is Outer:
        return _outer_call_plan(weights, method, source, output)
    return _by_kernel(_make_call_plan, weights, method, source, output)


_OUTER_PLANS: dict = {}
_OUTER_PLANS_KEPT = 64


def _outer_call_plan(kernel: Outer, method, source, output):
    """_make_call_plan for a kernel given by its factors (_weights kept them: the separable
    path), from its factors alone; cached by the kernel's key (factors of up to _CACHED_TAPS
    weights: larger ones would keep their bytes in the key)."""
    key = (kernel.key, method, source, output) if sum(kernel.shape) <= _CACHED_TAPS else None
    plan = _OUTER_PLANS.get(key)
    if plan is not None:
        return plan
    engine_output = _engine_output(source, output)
    accumulator = _accumulator(source, engine_output)
    factors = _outer_factors(kernel)
    with np.errstate(over="ignore", under="ignore"):  # _float32_limit refuses such factors
        column, row = (np.ascontiguousarray(f, dtype=accumulator) for f in factors)
    column.flags.writeable = row.flags.writeable = False
    limit = math.inf
    if accumulator == _FLOAT32:
        limit = _float32_limit(_outer_extremes(kernel, factors), source)
    plan = ("separable", _NO_KERNEL[accumulator], column, row, engine_output, accumulator, limit)
    if key is not None:
        if len(_OUTER_PLANS) >= _OUTER_PLANS_KEPT:
            _OUTER_PLANS.clear()
        _OUTER_PLANS[key] = plan
    return plan


def _weights(kernel, method: str):
    """`kernel` as the array API takes it: a float64 2-D array (see _kernel_array), or a
    kernels.Outer kept as its factors where the whole kernel would take the separable path
    (forced, or chosen by 'auto': _outer_pays) and would be factored into the same factors
    (_outer_factors)."""
    if type(kernel) is not Outer:
        return _kernel_array(kernel)
    if method == "separable" or method == "auto" and _outer_pays(kernel):
        if _outer_factors(kernel) is not None:
            return kernel
    return kernel.whole()


def _outer_pays(kernel: Outer) -> bool:
    """Whether 'auto' takes the separable path for the whole kernel whatever the dtypes (see
    _make_plan, at its largest saving asked): not a constant kernel (a box), and enough
    multiply-adds saved. Weights of products that underflow to 0 are left to _make_plan."""
    column, row = np.count_nonzero(kernel.column), np.count_nonzero(kernel.row)
    if column == 0 or row == 0 or kernel.scale == 0:
        return False
    if (kernel.column == kernel.column[0]).all() and (kernel.row == kernel.row[0]).all():
        return False
    smallest = abs(kernel.scale) * (
        np.abs(kernel.column[kernel.column != 0]).min() * np.abs(kernel.row[kernel.row != 0]).min()
    )
    return smallest > 0 and column + row + _SEPARABLE_MIN_SAVING <= column * row


def _outer_factors(kernel: Outer):
    """The (column, row) _rank_one_factors gives for the whole kernel, from its factors: a
    product's rounding follows its factors' magnitudes, so the first of the largest weights
    (the pivot) lies in the row of the first largest |column| entry; its row, and the column
    through it divided by it. None where _rank_one_factors would give nothing or might scale
    them to short binary fractions (the whole kernel then decides)."""
    column, row, scale = kernel.column, kernel.row, kernel.scale
    through_largest = scale * (column * row[np.argmax(np.abs(row))])
    pivot_row = int(np.argmax(np.abs(through_largest)))
    row = scale * (column[pivot_row] * row)  # (as the whole kernel's row pivot_row)
    pivot_column = int(np.argmax(np.abs(row) == np.abs(through_largest[pivot_row])))
    pivot = row[pivot_column]
    through = scale * (column * kernel.row[pivot_column])  # the whole kernel's column
    if pivot == 0 or not (np.isfinite(through).all() and np.isfinite(row).all()):
        return None
    factor = through / pivot
    if not _short_binary(factor):
        total = through.sum()
        if total != 0 and _short_binary(through / total) and _short_binary(row * total / pivot):
            return None
    return factor, row


def _make_call_plan(weights, method, source, output):
    engine_output = _engine_output(source, output)
    accumulator = _accumulator(source, engine_output)
    min_saving = _SEPARABLE_MIN_SAVING
    if source == np.uint8 and engine_output != np.uint8:
        min_saving = _SEPARABLE_MIN_SAVING_UINT8_TO_FLOAT
    plan = _make_plan(weights, method, accumulator, source.kind in "iu", min_saving)
    limit = math.inf
    if accumulator == _FLOAT32:
        factors = _rank_one_factors(weights) if plan[0] == "separable" else ()
        limit = _float32_limit(_extremes(weights, factors), source)
    return (*plan, engine_output, accumulator, limit)


_FLOAT32_MAX = float(np.finfo(np.float32).max)
_FLOAT32_TINY = float(np.finfo(np.float32).tiny)


def _float32_limit(extremes: tuple, source: np.dtype) -> float:
    """The largest sample magnitude (cval included) that float32 sums under a kernel hold for
    an image of `source` (uint8 or float32): beyond it a call accumulates in float64. uint8
    images need every sum exact to float32's 24 bits, float32 images only no overflow from
    cval (their own samples overflow as in any float32 arithmetic). -1 (always float64) when a
    weight or factor is beyond float32's range or below its normal numbers. `extremes`: the
    largest and the smallest nonzero magnitude of the weights and factors, and the sum of the
    weights' magnitudes (None if every weight is 0)."""
    if extremes is None:
        return math.inf
    largest, smallest, total = extremes
    if largest > _FLOAT32_MAX or smallest < _FLOAT32_TINY:
        return -1.0
    largest_sum = 2.0**24 if source.kind == "u" else _FLOAT32_MAX
    return min(_FLOAT32_MAX, largest_sum / total)


def _extremes(weights: np.ndarray, factors: tuple):
    """_float32_limit's `extremes` of a kernel's weights and its factors (if separable)."""
    magnitudes = np.abs(np.concatenate([weights.ravel(), *factors]))
    magnitudes = magnitudes[magnitudes != 0]
    if magnitudes.size == 0:
        return None
    return float(magnitudes.max()), float(magnitudes.min()), float(np.abs(weights).sum())


def _outer_extremes(kernel: Outer, factors: tuple):
    """_extremes of a kernel given by its factors, from them (a product's rounding follows its
    factors' magnitudes; the sum of the magnitudes to rounding)."""
    column = np.abs(kernel.column[kernel.column != 0])
    row = np.abs(kernel.row[kernel.row != 0])
    scale = abs(kernel.scale)
    if column.size == 0 or row.size == 0 or scale == 0:
        return None
    magnitudes = np.abs(np.concatenate(factors))
    magnitudes = magnitudes[magnitudes != 0]
    largest = max(scale * (column.max() * row.max()), magnitudes.max())
    smallest = min(scale * (column.min() * row.min()), magnitudes.min())
    return float(largest), float(smallest), scale * float(column.sum()) * float(row.sum())


def _plan(weights: np.ndarray, method: str, accumulator: np.dtype, integer_image: bool):
    """(path, kernel, column, row): the path's name and the engine's arrays, in the accumulator
    type; column and row are the factors (empty unless the path is separable). ValueError for
    non-finite weights, or a forced method that does not fit the kernel. `integer_image`: the
    box path is then exact integer running sums, faster from smaller sizes.

    Cached for small kernels (see _by_kernel).
    """
    return _by_kernel(_make_plan, weights, method, accumulator, integer_image)


_CACHED_TAPS = 4096  # larger kernels are analysed at every call, a small part of its time


def _by_kernel(make, weights: np.ndarray, *args):
    """make(weights, *args), cached for kernels of up to _CACHED_TAPS weights (keyed by their
    bytes): repeated calls on small images then cost no kernel analysis."""
    if weights.size > _CACHED_TAPS:
        return make(weights, *args)
    return _cached_by_kernel(make, weights.shape, weights.tobytes(), *args)


@functools.lru_cache(maxsize=512)
def _cached_by_kernel(make, shape, data, *args):
    return make(np.frombuffer(data, np.float64).reshape(shape), *args)


# Crossovers between the paths (measured on 1080p images at one thread, docs/performance.md):
# the separable path pays once it saves 3 multiply-adds per sample. A box beats two 1-D passes
# once its height plus width reaches 20 on uint8 images (float32 passes are that cheap), 8 on
# uint16 and int16 (exact running sums against float64 passes), 16 on float images. The engine
# falls back to the float box for integer images where sums could overflow int32 or cval is
# fractional; rare, and still right.
_SEPARABLE_MIN_SAVING = 3
# uint8 images into float outputs (not the exact int16 direct path): the separable path reads
# the uint8 rows as they are, where the direct path converts each into its ring first, and
# pays from one multiply-add saved (a 3x3 Sobel).
_SEPARABLE_MIN_SAVING_UINT8_TO_FLOAT = 1
# by (integer image, float32 sums)
_BOX_MIN_HEIGHT_PLUS_WIDTH = {
    (True, True): 20,
    (True, False): 8,
    (False, True): 16,
    (False, False): 16,
}

_NO_FACTOR = np.empty(0)
# The engine's kernel argument on the separable path, which it does not read
_NO_KERNEL = {t: np.zeros((1, 1), t) for t in (np.dtype(np.float32), np.dtype(np.float64))}


def _fft_pays(
    weights: np.ndarray,
    shape: tuple,
    image_dtype: np.dtype,
    source: np.dtype,
    out_dtype: np.dtype,
    engine_out_dtype: np.dtype,
    accumulator: np.dtype,
    threads: int,
) -> bool:
    """method='auto' on a kernel the direct path would take: whether the FFT path does better
    (cconv._fft.pays), with its error within the rounding policy. Through the tiles where they
    take the call (cconv._fft.takes_tiles): float outputs then carry the tiles' error, relative
    to the image's largest samples. Through the planes, integer images to integer outputs only,
    where the error (at most 1e-13 of the largest value the dtype holds times the kernel's
    absolute sum) stays below 1e-4: not for int32 pixels under most kernels."""
    if weights.size < _fft.MIN_TILE_TAPS:  # (the common case, at no cost per call)
        return False
    tiles = _fft.takes_tiles(
        source, engine_out_dtype, accumulator, weights.shape, _fft_facts(weights), out_dtype
    )
    if not tiles:
        if image_dtype.kind not in "iu" or out_dtype.kind not in "iu":
            return False
        info = np.iinfo(image_dtype)
        if _fft.ERROR * np.abs(weights).sum() * max(-float(info.min), float(info.max)) >= 1e-4:
            return False
    return _fft.pays(
        np.count_nonzero(weights),
        shape,
        weights.shape,
        accumulator.itemsize,
        threads,
        _engine.engine.__name__.endswith("baseline"),
        tiles,
        source.kind == "f",
    )


def _fft_facts(weights: np.ndarray) -> tuple:
    """cconv._fft.kernel_facts, cached per kernel."""
    return _by_kernel(_fft.kernel_facts, weights)


def _make_plan(
    weights: np.ndarray,
    method: str,
    accumulator: np.dtype,
    integer_image: bool,
    min_saving: int = _SEPARABLE_MIN_SAVING,
):
    _check_finite(weights)
    kernel_height, kernel_width = weights.shape
    factors = _rank_one_factors(weights)
    constant = bool((weights == weights[0, 0]).all()) and weights[0, 0] != 0
    if method == "auto":
        direct_taps = np.count_nonzero(weights)
        if (
            constant
            and kernel_height + kernel_width
            >= _BOX_MIN_HEIGHT_PLUS_WIDTH[integer_image, accumulator == _FLOAT32]
        ):
            method = "box"
        elif factors is not None and (
            np.count_nonzero(factors[0]) + np.count_nonzero(factors[1]) + min_saving <= direct_taps
        ):
            method = "separable"
        else:
            method = "direct"
    elif method == "separable" and factors is None:
        raise ValueError(
            "`method` 'separable' needs a rank-1 kernel (an outer product of a "
            "column and a row); this one is not"
        )
    elif method == "box" and not constant:
        raise ValueError("`method` 'box' needs a kernel whose weights are all equal and non-zero")
    column, row = factors if method == "separable" else (_NO_FACTOR, _NO_FACTOR)
    with np.errstate(over="ignore", under="ignore"):  # _float32_limit refuses such weights
        arrays = [np.ascontiguousarray(a, dtype=accumulator) for a in (weights, column, row)]
    for array in arrays:
        array.flags.writeable = False  # shared by every call that hits the cache
    return (method, *arrays)


def _rank_one_factors(weights: np.ndarray):
    """(column, row) whose outer product is `weights` within a few ulps of its largest weight,
    with exactly its zero weights; None when there are none. The row through the largest
    weight is kept as it is, so integer kernels (Sobel, ...) factor exactly."""
    pivot_row, pivot_column = np.unravel_index(np.argmax(np.abs(weights)), weights.shape)
    pivot = weights[pivot_row, pivot_column]
    if pivot == 0:
        return None
    column = weights[:, pivot_column] / pivot
    row = weights[pivot_row, :].copy()
    product = np.outer(column, row)
    if not np.array_equal(product != 0, weights != 0):
        return None
    # each weight to a few ulps of its own size: a small weight under a large sample must not
    # be replaced by one that is only close in units of the largest weight
    if (np.abs(product - weights) > 8 * np.finfo(np.float64).eps * np.abs(weights)).any():
        return None
    # the column scaled to sum 1 instead, where that makes both factors short binary
    # fractions reproducing the kernel exactly: a binomial's column is then [1, 4, 6, 4, 1] / 16,
    # whose products with integer pixels are exact, where 1/6, 2/3, ... of its centre are not
    total = weights[:, pivot_column].sum()
    if total != 0 and not _short_binary(column):
        normalised = (weights[:, pivot_column] / total, weights[pivot_row, :] * total / pivot)
        if (
            _short_binary(normalised[0])
            and _short_binary(normalised[1])
            and np.array_equal(np.outer(*normalised), weights)
        ):
            return normalised
    return column, row


def _short_binary(values: np.ndarray) -> bool:
    """Whether every value is a multiple of 2**-24 below 2**24 (exact in float32 products
    with 8-bit samples, as integers are)."""
    scaled = np.ldexp(values, 24)
    return bool((np.abs(scaled) < 2.0**48).all() and (scaled == np.rint(scaled)).all())


def as_image(image) -> np.ndarray:
    """`image` as an array of real numbers with 2 to 4 dimensions (errors name `image`)."""
    try:
        array = np.asarray(image)
    except (TypeError, ValueError) as error:
        raise TypeError(f"`image` must be an array of real numbers: {error}") from None
    if not _is_real(array.dtype):
        raise TypeError(f"`image` must hold real numbers, got dtype {array.dtype}")
    if array.ndim not in (2, 3, 4):
        raise ValueError(
            "`image` must have shape (H, W), (H, W, C) or (N, H, W, C), "
            f"got {array.ndim}-D shape {array.shape}"
        )
    return array


def as_kernel(kernel) -> np.ndarray:
    """`kernel` as a validated float64 2-D array (TypeError/ValueError naming `kernel`)."""
    weights = _kernel_array(kernel).copy()
    _check_finite(weights)
    return weights


def _check_finite(weights: np.ndarray) -> None:
    if not np.isfinite(weights).all():
        raise ValueError("`kernel` must hold finite numbers, got NaN or infinity")


def _kernel_array(kernel) -> np.ndarray:
    """as_kernel without the finiteness check, and without a copy when `kernel` is already a
    float64 array (the caller must not modify the result)."""
    try:
        weights = np.asarray(kernel)
    except (TypeError, ValueError) as error:
        raise TypeError(f"`kernel` must be a 2-D array of real numbers: {error}") from None
    if not _is_real(weights.dtype):
        raise TypeError(f"`kernel` must hold real numbers, got dtype {weights.dtype}")
    if weights.ndim != 2:
        raise ValueError(f"`kernel` must be a 2-D array, got shape {weights.shape}")
    if weights.size == 0:
        raise ValueError(f"`kernel` must be at least 1x1, got shape {weights.shape}")
    return weights.astype(np.float64, copy=False)


def _origins(origin, kernel_shape) -> tuple:
    """`origin` (one integer or one per kernel axis) as a pair, each within what its kernel
    size allows (scipy.ndimage's rule)."""
    values = origin if isinstance(origin, (tuple, list, np.ndarray)) else (origin,) * 2
    if len(values) != 2 or not all(isinstance(o, numbers.Integral) for o in values):
        raise ValueError(f"`origin` must be an integer or a pair of integers; got {origin!r}")
    for o, k in zip(values, kernel_shape):
        if not -(k // 2) <= o <= (k - 1) // 2:
            raise ValueError(
                f"`origin` {int(o)} is out of range for a kernel of size {k}: "
                f"it must lie in [{-(k // 2)}, {(k - 1) // 2}]"
            )
    return int(values[0]), int(values[1])


def _mode_code(mode) -> int:
    if isinstance(mode, str) and mode in _engine.engine.MODES:
        return _engine.engine.MODES[mode]
    raise ValueError(f"`mode` must be one of {', '.join(map(repr, MODES))}; got {mode!r}")


def _as_cval(cval) -> float:
    if type(cval) is float:  # the common case, without the slower abstract-class check
        return cval
    if isinstance(cval, bool) or not isinstance(cval, numbers.Real):
        raise TypeError(f"`cval` must be a real number, got {cval!r}")
    return float(cval)


def _as_offset(offset) -> float:
    if type(offset) is float and offset == 0.0:  # the common case
        return offset
    if isinstance(offset, bool) or not isinstance(offset, numbers.Real):
        raise TypeError(f"`offset` must be a real number, got {offset!r}")
    if not math.isfinite(offset):
        raise ValueError(f"`offset` must be finite, got {offset!r}")
    return float(offset)


def _call_threads(threads, size) -> int:
    """The threads a call on `size` samples uses: by default one for small images (waking a
    second one cost more than it saved), else every CPU."""
    if threads is None and size < _MIN_SAMPLES_FOR_THREADS:
        return 1
    return _thread_count(threads)


def _thread_count(threads) -> int:
    if threads is None:
        return default_threads()
    if type(threads) is int and threads >= 1:  # the common case, without the abstract check
        return threads
    if isinstance(threads, numbers.Integral) and not isinstance(threads, bool) and threads >= 1:
        return int(threads)
    raise ValueError(f"`threads` must be None or a positive integer, got {threads!r}")


def _output_dtype(image: np.ndarray, out, dtype, shape: tuple | None = None) -> np.dtype:
    """The dtype of the call's result; checks `out` against it and the result's `shape`
    (default: the image's)."""
    if dtype is not None:
        try:
            dtype = np.dtype(dtype)
        except TypeError as error:
            raise TypeError(f"`dtype` is not a data type: {error}") from None
        if not _is_real(dtype):
            raise ValueError(f"`dtype` must be a real integer or float dtype, got {dtype}")
    if out is None:
        return image.dtype.newbyteorder("=") if dtype is None else dtype.newbyteorder("=")
    if not isinstance(out, np.ndarray):
        raise TypeError(f"`out` must be a numpy array, got {type(out).__name__}")
    if shape is None or tuple(shape) == image.shape:
        if out.shape != image.shape:
            raise ValueError(f"`out` must have the image's shape {image.shape}, got {out.shape}")
    elif out.shape != tuple(shape):
        raise ValueError(
            f"`out` must have the strided result's shape {tuple(shape)}, got {out.shape}"
        )
    if not _is_real(out.dtype):
        raise ValueError(f"`out` must have a real integer or float dtype, got {out.dtype}")
    if dtype is not None and dtype != out.dtype:
        raise ValueError(f"`dtype` ({dtype}) and `out.dtype` ({out.dtype}) disagree")
    if not out.flags.writeable:
        raise ValueError("`out` is read-only")
    return out.dtype.newbyteorder("=")


def _is_real(dtype: np.dtype) -> bool:
    """Integer or float of at most 64 bits (no bool, complex, object, long double)."""
    return dtype.kind in "uif" and dtype.itemsize <= 8


def _engine_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype the engine reads an image of `dtype` as."""
    dtype = dtype.newbyteorder("=")
    return dtype if dtype in _NATIVE else _WIDER.get(dtype, np.dtype(np.float64))


def _engine_input(image: np.ndarray) -> np.ndarray:
    """A C-contiguous, aligned, native-byte-order array of a dtype the engine reads (often no
    copy). Aligned: the compiled loops assume each sample starts at a multiple of its size (a
    float32 view at an odd byte offset is not, and vector code may then fault)."""
    if image.dtype in _NATIVE and image.flags.c_contiguous and image.flags.aligned:
        return image  # the common case, in a quarter of np.require's time
    return np.require(image, dtype=_engine_dtype(image.dtype), requirements=["C", "A"])


def _engine_output(source: np.dtype, output: np.dtype) -> np.dtype:
    """The dtype the engine writes for an image of `source` (an engine dtype) to become
    `output`: the output itself where the engine has that pair (the image's own type, float32,
    float64); for other native outputs the accumulator's float, which round_and_saturate then
    turns into the same integers the engine would store (the engine is compiled only for the
    common pairs: its build time grows with their number); for the rest a float wide enough."""
    if output == source or output == _FLOAT32 or output == _FLOAT64:
        return output
    if output in _NATIVE:
        return _accumulator(source, output)
    return _engine_float(source)


def _engine_float(dtype: np.dtype) -> np.dtype:
    """The float the engine writes before a non-native output dtype is produced from it."""
    return np.dtype(np.float32) if dtype == np.float32 else np.dtype(np.float64)


def _accumulator(source: np.dtype, output: np.dtype) -> np.dtype:
    """float32 where its precision covers the input and output, float64 otherwise."""
    if source in _FLOAT32_SOURCES and output != _FLOAT64:
        return _FLOAT32
    return _FLOAT64


def round_and_saturate(values: np.ndarray, dtype, finite: bool = False) -> np.ndarray:
    """Float results to `dtype` with the engine's policy: integers rounded half to even and
    saturated exactly at both ends (NaN becomes the lowest value), floats rounded to the dtype
    (beyond its range: infinity). `finite`: `values` holds no NaN or infinity and may be
    overwritten (a scratch array), which saves passes. Never warns."""
    dtype = np.dtype(dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        if dtype.kind == "f":
            return values.astype(dtype)
        info = np.iinfo(dtype)
        low = float(info.min)  # 0 or -2**k: exact in every float type
        top = values.dtype.type(info.max)  # 2**k - 1, or 2**k where the float cannot hold it
        exact_top = int(top) == info.max
        high = top if exact_top else np.nextafter(top, values.dtype.type(0))
        # values that the float rounded up to 2**k, or beyond, saturate to the largest integer
        over = None if exact_top else values >= top
        if finite:
            rounded = np.clip(np.rint(values, out=values), low, high, out=values)
        else:
            rounded = np.rint(values)
            np.fmax(rounded, low, out=rounded)  # fmax takes `low` over NaN (and -inf)
            np.minimum(rounded, high, out=rounded)
        result = rounded.astype(dtype)
    if over is not None:
        result[over] = info.max
    return result


def _deliver(result: np.ndarray, out):
    if out is None:
        return result
    np.copyto(out, result, casting="unsafe")
    return out
