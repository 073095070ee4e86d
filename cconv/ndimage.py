"""scipy.ndimage's convolution filters on cconv's engine.

Switching is one line::

    from cconv import ndimage   # instead of: from scipy import ndimage

The functions below take scipy.ndimage's arguments with its names and meaning (``input``,
``weights``, ``output`` as an array or a dtype, ``mode`` with scipy's aliases ``grid-wrap``,
``grid-constant`` and ``grid-mirror``, ``cval``, ``origin`` per axis, ``axes``, per-axis
sequences of ``sigma``, ``order``, ``mode``, ``radius`` ...) on arrays of any number of
dimensions. A filter over one or two axes of an array (a gray image, a channels-last image or a
stack, with ``axes=`` or with weights of size 1 along the others) runs on cconv's engine;
filters that act axis by axis (Gaussian, uniform, Sobel, Prewitt, Laplace and their
relatives) run as a 2-D separable pass where scipy's result allows it, else one pass per axis.

Differences from scipy.ndimage, on purpose:

- **Integer outputs are rounded to nearest and saturated** (cconv's policy), where scipy
  truncates toward zero and wraps on overflow; and filters made of several passes keep their
  intermediate results in floating point, where scipy stores them in the output's integer
  dtype. Float outputs agree with scipy to a few units in the last place (float32 images are
  summed in float32). For scipy's exact bytes from a single-pass filter, ask for floats and
  convert as scipy does: ``ndimage.correlate(x, w, output=np.float64).astype(x.dtype)``;
  for the multi-pass filters call ``scipy.ndimage`` itself.
- float16 images are filtered (through float32), where scipy refuses them; boolean weights
  are taken as 0 and 1.
- Errors that scipy raises as RuntimeError (a bad mode, a sequence of the wrong length, weights
  of the wrong rank) are raised as an exception that is both a ValueError and a RuntimeError.

Forwarded to scipy.ndimage (when scipy is installed; else a TypeError or ValueError saying so):
complex or boolean input, complex weights, weights that span more than two axes, and
0-dimensional input. A
forwarded real call is computed in float64 and rounded into the output as above, so the
rounding policy does not depend on where a call runs.
"""

from __future__ import annotations

import functools
import numbers
import operator
from typing import Any, Callable, Sequence, TypeVar, cast

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from . import api, kernels

# The public functions' argument types, as scipy.ndimage documents them
_Output = NDArray[Any] | DTypeLike  # an array to write into, a dtype, or None
_Mode = str | Sequence[str]  # one mode, or one per axis
_PerAxis = float | Sequence[float]
_Origin = int | Sequence[int]
_Axes = Sequence[int] | None
_Derivative = Callable[..., Any]
_Filter = TypeVar("_Filter", bound=Callable[..., Any])

__all__ = [
    "convolve",
    "convolve1d",
    "correlate",
    "correlate1d",
    "gaussian_filter",
    "gaussian_filter1d",
    "gaussian_gradient_magnitude",
    "gaussian_laplace",
    "generic_gradient_magnitude",
    "generic_laplace",
    "laplace",
    "prewitt",
    "sobel",
    "uniform_filter",
    "uniform_filter1d",
]

# scipy's aliases, which mean the same as these for filters (they differ only for interpolation)
_MODES = {
    "reflect": "reflect",
    "grid-mirror": "reflect",
    "constant": "constant",
    "grid-constant": "constant",
    "nearest": "nearest",
    "mirror": "mirror",
    "wrap": "wrap",
    "grid-wrap": "wrap",
}

_SMALL_FLOAT_SOURCES = frozenset(np.dtype(t) for t in (np.uint8, np.float16, np.float32))


class ArgumentError(ValueError, RuntimeError):
    """An argument scipy.ndimage rejects with RuntimeError (bad mode, sequence length, weights
    rank): also a ValueError, as cconv raises elsewhere."""


def _forwards_complex_and_bool(function: _Filter) -> _Filter:
    """Complex and boolean inputs go to scipy.ndimage's function of the same name."""

    @functools.wraps(function)
    def filter_(input, *args, **kwargs):
        kind = getattr(input, "dtype", np.asarray(input).dtype).kind
        if kind in "cb":
            return _forward(function.__name__, input, *args, **kwargs)
        return function(input, *args, **kwargs)

    return cast(_Filter, filter_)


# --- the public functions, in scipy.ndimage's order ------------------------------------------


@_forwards_complex_and_bool
def correlate1d(
    input: ArrayLike,
    weights: ArrayLike,
    axis: int = -1,
    output: _Output = None,
    mode: str = "reflect",
    cval: float = 0.0,
    origin: int = 0,
) -> NDArray[Any]:
    """scipy.ndimage.correlate1d on cconv's engine (see the module's docstring)."""
    return _filter1d(input, weights, axis, output, mode, cval, origin, flip=False)


@_forwards_complex_and_bool
def convolve1d(
    input: ArrayLike,
    weights: ArrayLike,
    axis: int = -1,
    output: _Output = None,
    mode: str = "reflect",
    cval: float = 0.0,
    origin: int = 0,
) -> NDArray[Any]:
    """scipy.ndimage.convolve1d on cconv's engine (see the module's docstring)."""
    return _filter1d(input, weights, axis, output, mode, cval, origin, flip=True)


@_forwards_complex_and_bool
def correlate(
    input: ArrayLike,
    weights: ArrayLike,
    output: _Output = None,
    mode: _Mode = "reflect",
    cval: float = 0.0,
    origin: _Origin = 0,
    *,
    axes: _Axes = None,
) -> NDArray[Any]:
    """scipy.ndimage.correlate on cconv's engine (see the module's docstring)."""
    return _filter(input, weights, output, mode, cval, origin, axes, flip=False)


@_forwards_complex_and_bool
def convolve(
    input: ArrayLike,
    weights: ArrayLike,
    output: _Output = None,
    mode: _Mode = "reflect",
    cval: float = 0.0,
    origin: _Origin = 0,
    *,
    axes: _Axes = None,
) -> NDArray[Any]:
    """scipy.ndimage.convolve on cconv's engine (see the module's docstring)."""
    return _filter(input, weights, output, mode, cval, origin, axes, flip=True)


@_forwards_complex_and_bool
def gaussian_filter1d(
    input: ArrayLike,
    sigma: float,
    axis: int = -1,
    order: int = 0,
    output: _Output = None,
    mode: str = "reflect",
    cval: float = 0.0,
    truncate: float = 4.0,
    *,
    radius: int | None = None,
) -> NDArray[Any]:
    """scipy.ndimage.gaussian_filter1d on cconv's engine (see the module's docstring)."""
    weights = _gaussian_weights(sigma, order, truncate, radius)
    return correlate1d(input, weights, axis, output, mode, cval, 0)


@_forwards_complex_and_bool
def gaussian_filter(
    input: ArrayLike,
    sigma: _PerAxis,
    order: int | Sequence[int] = 0,
    output: _Output = None,
    mode: _Mode = "reflect",
    cval: float = 0.0,
    truncate: float = 4.0,
    *,
    radius: int | Sequence[int] | None = None,
    axes: _Axes = None,
) -> NDArray[Any]:
    """scipy.ndimage.gaussian_filter on cconv's engine (see the module's docstring)."""
    image, out_dtype = _real_input(input, output, "gaussian_filter")
    axes = _check_axes(axes, image.ndim)
    per_axis = zip(axes, *(_per_axis(value, len(axes)) for value in (sigma, order, mode, radius)))
    passes = [
        (axis, _gaussian_weights(s, o, truncate, r), 0, m)
        for axis, s, o, m, r in per_axis
        if s > 1e-15
    ]
    return _deliver(_separable(image, passes, cval, out_dtype, output), output)


@_forwards_complex_and_bool
def uniform_filter1d(
    input: ArrayLike,
    size: int,
    axis: int = -1,
    output: _Output = None,
    mode: str = "reflect",
    cval: float = 0.0,
    origin: int = 0,
) -> NDArray[Any]:
    """scipy.ndimage.uniform_filter1d on cconv's engine (see the module's docstring)."""
    return correlate1d(input, _uniform_weights(size), axis, output, mode, cval, origin)


@_forwards_complex_and_bool
def uniform_filter(
    input: ArrayLike,
    size: int | Sequence[int] = 3,
    output: _Output = None,
    mode: _Mode = "reflect",
    cval: float = 0.0,
    origin: _Origin = 0,
    *,
    axes: _Axes = None,
) -> NDArray[Any]:
    """scipy.ndimage.uniform_filter on cconv's engine (see the module's docstring)."""
    image, out_dtype = _real_input(input, output, "uniform_filter")
    axes = _check_axes(axes, image.ndim)
    per_axis = zip(axes, *(_per_axis(value, len(axes)) for value in (size, origin, mode)))
    passes = [(axis, _uniform_weights(s), o, m) for axis, s, o, m in per_axis if s > 1]
    return _deliver(_separable(image, passes, cval, out_dtype, output), output)


@_forwards_complex_and_bool
def sobel(
    input: ArrayLike,
    axis: int = -1,
    output: _Output = None,
    mode: _Mode = "reflect",
    cval: float = 0.0,
) -> NDArray[Any]:
    """scipy.ndimage.sobel on cconv's engine (see the module's docstring)."""
    return _derivative(input, axis, output, mode, cval, [1.0, 2.0, 1.0], "sobel")


@_forwards_complex_and_bool
def prewitt(
    input: ArrayLike,
    axis: int = -1,
    output: _Output = None,
    mode: _Mode = "reflect",
    cval: float = 0.0,
) -> NDArray[Any]:
    """scipy.ndimage.prewitt on cconv's engine (see the module's docstring)."""
    return _derivative(input, axis, output, mode, cval, [1.0, 1.0, 1.0], "prewitt")


@_forwards_complex_and_bool
def generic_laplace(
    input: ArrayLike,
    derivative2: _Derivative,
    output: _Output = None,
    mode: _Mode = "reflect",
    cval: float = 0.0,
    extra_arguments: Sequence[Any] = (),
    extra_keywords: dict[str, Any] | None = None,
    *,
    axes: _Axes = None,
) -> NDArray[Any]:
    """scipy.ndimage.generic_laplace: the sum over `axes` of ``derivative2(input, axis, output,
    mode, cval, *extra_arguments, **extra_keywords)``, in floating point, rounded once into
    the output."""
    return _combine(
        input, derivative2, output, mode, cval, extra_arguments, extra_keywords, axes, squares=False
    )


@_forwards_complex_and_bool
def laplace(
    input: ArrayLike,
    output: _Output = None,
    mode: _Mode = "reflect",
    cval: float = 0.0,
    *,
    axes: _Axes = None,
) -> NDArray[Any]:
    """scipy.ndimage.laplace on cconv's engine (see the module's docstring)."""
    image, out_dtype = _real_input(input, output, "laplace")
    axes = _check_axes(axes, image.ndim)
    modes = _per_axis(mode, len(axes))
    if len(axes) == 2 and modes[0] == modes[1]:
        # one pass of the 3x3 cross: each of its taps leaves the image along one axis at most,
        # so the border rule matches the per-axis passes'
        cross = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
        result = _native(
            image,
            cross,
            axes,
            (0, 0),
            modes[0],
            cval,
            out_dtype,
            flip=False,
            out=_array_or_none(output),
        )
        return _deliver(result, output)

    def second_difference(image, axis, output, mode, cval):
        return correlate1d(image, [1.0, -2.0, 1.0], axis, output, mode, cval, 0)

    return generic_laplace(image, second_difference, output, mode, cval, axes=axes)


@_forwards_complex_and_bool
def gaussian_laplace(
    input: ArrayLike,
    sigma: _PerAxis,
    output: _Output = None,
    mode: _Mode = "reflect",
    cval: float = 0.0,
    *,
    axes: _Axes = None,
    **kwargs: Any,
) -> NDArray[Any]:
    """scipy.ndimage.gaussian_laplace on cconv's engine (see the module's docstring)."""
    return _gaussian_derivatives(generic_laplace, 2, input, sigma, output, mode, cval, axes, kwargs)


@_forwards_complex_and_bool
def generic_gradient_magnitude(
    input: ArrayLike,
    derivative: _Derivative,
    output: _Output = None,
    mode: _Mode = "reflect",
    cval: float = 0.0,
    extra_arguments: Sequence[Any] = (),
    extra_keywords: dict[str, Any] | None = None,
    *,
    axes: _Axes = None,
) -> NDArray[Any]:
    """scipy.ndimage.generic_gradient_magnitude: the square root of the sum over `axes` of
    ``derivative(input, axis, output, mode, cval, *extra_arguments, **extra_keywords)``
    squared, in floating point, rounded once into the output."""
    return _combine(
        input, derivative, output, mode, cval, extra_arguments, extra_keywords, axes, squares=True
    )


@_forwards_complex_and_bool
def gaussian_gradient_magnitude(
    input: ArrayLike,
    sigma: _PerAxis,
    output: _Output = None,
    mode: _Mode = "reflect",
    cval: float = 0.0,
    *,
    axes: _Axes = None,
    **kwargs: Any,
) -> NDArray[Any]:
    """scipy.ndimage.gaussian_gradient_magnitude on cconv's engine (see the module's
    docstring)."""
    return _gaussian_derivatives(
        generic_gradient_magnitude, 1, input, sigma, output, mode, cval, axes, kwargs
    )


# --- the filters' shared steps -----------------------------------------------------------------


def _gaussian_derivatives(combine, order, input, sigma, output, mode, cval, axes, kwargs):
    """gaussian_laplace (order 2, summed by generic_laplace) and gaussian_gradient_magnitude
    (order 1, by generic_gradient_magnitude): along each of `axes`, the Gaussian's derivative
    of `order` there and the Gaussian itself along the other filtered axes, as scipy does."""
    image = np.asarray(input)
    axes = _check_axes(axes, image.ndim)
    sigmas = _sigmas_on_all_axes(sigma, axes, image.ndim)

    def derivative(image, axis, output, mode, cval, sigmas, **kwargs):
        orders = [order if ax == axis else 0 for ax in range(image.ndim)]
        return gaussian_filter(image, sigmas, orders, output, mode, cval, **kwargs)

    return combine(image, derivative, output, mode, cval, (sigmas,), kwargs, axes=axes)


def _filter(input, weights, output, mode, cval, origin, axes, flip):
    """correlate / convolve: weights over `axes`; those over at most two axes (after dropping
    axes of size 1) on the engine, others forwarded."""
    name = "convolve" if flip else "correlate"
    image, weights = np.asarray(input), np.asarray(weights)
    if _is_complex(weights) or image.ndim == 0:  # complex input: _forwards_complex_and_bool
        return _forward(name, input, weights, output, mode, cval, origin, axes=axes)
    image, out_dtype = _real_input(image, output, name)
    weights = _real_weights(weights)
    axes = _check_axes(axes, image.ndim)
    if weights.ndim != len(axes):
        raise ArgumentError(f"weights.ndim ({weights.ndim}) must match len(axes) ({len(axes)})")
    mode = _mode(mode, sequence_allowed=False)
    origins = _per_axis(origin, len(axes))
    # scipy's reading: the weights' axes are the filtered axes in increasing order; the origins
    # follow `axes` as given when it names fewer than all axes
    if len(axes) < image.ndim:
        origins = [dict(zip(axes, origins))[axis] for axis in sorted(axes)]
    axes = tuple(sorted(axes))
    for o, size in zip(origins, weights.shape):
        _check_origin(o, size)
    spanned = [i for i, size in enumerate(weights.shape) if size > 1] or [len(axes) - 1]
    if len(spanned) > 2:
        result = _forward_real(name, image, weights, out_dtype, mode, cval, origins, axes)
        return _deliver(result, output)
    squeezed = weights.reshape([weights.shape[i] for i in spanned])
    result = _native(
        image,
        squeezed,
        [axes[i] for i in spanned],
        [origins[i] for i in spanned],
        mode,
        cval,
        out_dtype,
        flip,
        _array_or_none(output),
    )
    return _deliver(result, output)


def _filter1d(input, weights, axis, output, mode, cval, origin, flip):
    name = "convolve1d" if flip else "correlate1d"
    image, weights = np.asarray(input), np.asarray(weights)
    if _is_complex(weights) or image.ndim == 0:  # complex input: _forwards_complex_and_bool
        return _forward(name, input, weights, axis, output, mode, cval, origin)
    image, out_dtype = _real_input(image, output, name)
    weights = _real_weights(weights)
    if weights.ndim != 1:
        raise ArgumentError("`weights` must be one-dimensional")
    (axis,) = _check_axes(axis, image.ndim)
    _check_origin(origin, weights.size)
    result = _native(
        image, weights, [axis], [origin], _mode(mode), cval, out_dtype, flip, _array_or_none(output)
    )
    return _deliver(result, output)


def _derivative(input, axis, output, mode, cval, smoothing, name):
    """sobel / prewitt: [-1, 0, 1] along `axis`, then `smoothing` along every other axis."""
    image, out_dtype = _real_input(input, output, name)
    (axis,) = _check_axes(axis, image.ndim)
    modes = _per_axis(mode, image.ndim)
    difference = np.array([-1.0, 0.0, 1.0])
    passes = [(axis, difference, 0, modes[axis])]
    passes += [(ax, np.array(smoothing), 0, modes[ax]) for ax in range(image.ndim) if ax != axis]
    return _deliver(_separable(image, passes, cval, out_dtype, output), output)


def _combine(input, derivative, output, mode, cval, extra_arguments, extra_keywords, axes, squares):
    """generic_laplace (a sum of derivatives) and generic_gradient_magnitude (the root of a
    sum of squares), summed in floating point and rounded once into the output."""
    image, out_dtype = _real_input(input, output, "derivative")
    axes = _check_axes(axes, image.ndim)
    modes = _per_axis(mode, len(axes))
    keywords = extra_keywords or {}
    work = _work_dtype(image.dtype, out_dtype)
    total = None
    for axis, axis_mode in zip(axes, modes):
        term = np.asarray(
            derivative(image, axis, work, axis_mode, cval, *extra_arguments, **keywords), dtype=work
        )
        if squares:
            term = np.multiply(term, term, out=term if term is not image else None)
        total = term if total is None else np.add(total, term, out=total)
    if total is None:  # no axes: scipy copies the input
        total = image.astype(work)
    elif squares:
        np.sqrt(total, out=total)
    # sums of an integer image's derivatives are finite, and `total` is ours
    return _deliver(_into(total, out_dtype, image.dtype.kind in "iu"), output)


def _separable(image, passes, cval, out_dtype, output=None):
    """Apply 1-D `passes` (axis, weights, origin, mode) one after the other, as scipy does,
    intermediate results in floating point. Two passes whose modes agree run as one 2-D pass
    of their outer product, except next to a nonzero cval: scipy's second pass then reads cval
    where the 2-D pass would read cval times the first pass's weight sum. `output`: the
    caller's, which the last pass may write directly."""
    if not passes:  # a copy, as scipy's
        return image.copy() if image.dtype == out_dtype else _into(image, out_dtype)
    passes = [(axis, weights, origin, _mode(mode)) for axis, weights, origin, mode in passes]
    work = _work_dtype(image.dtype, out_dtype)
    while passes:
        first = passes[0]
        pair = (
            len(passes) > 1 and passes[1][3] == first[3] and (first[3] != "constant" or cval == 0)
        )
        done, passes = (passes[:2], passes[2:]) if pair else (passes[:1], passes[1:])
        axes, weights, origins, modes = zip(*done)
        kernel = kernels.Outer(*weights) if pair else weights[0]  # (never multiplied out)
        last = not passes
        image = _native(
            image,
            kernel,
            axes,
            origins,
            modes[0],
            cval,
            out_dtype if last else work,
            False,
            _array_or_none(output) if last else None,
        )
    return image


def _native(image, weights, axes, origins, mode, cval, out_dtype, flip, out=None):
    """cconv's engine on one or two `axes` of an array of any rank, viewed as a batch of images
    whose rows are as long as the layout allows (see _along_one_axis, _along_two_axes). `out`:
    the caller's output array, written directly where its layout allows."""
    if type(weights) is not kernels.Outer:
        weights = np.asarray(weights, dtype=np.float64)
    if len(axes) == 2 and axes[0] > axes[1]:
        weights, axes, origins = _transposed(weights), axes[::-1], origins[::-1]
    filter_ = api.convolve if flip else api.correlate
    call = dict(mode=mode, cval=cval, dtype=_engine_dtype(out_dtype))
    if image.size == 0:
        return np.empty(image.shape, out_dtype)
    if out is not None and out.dtype == call["dtype"] and out.flags.c_contiguous:
        call["out"] = out
    if len(axes) == 1:
        result = _along_one_axis(filter_, image, weights, axes[0], int(origins[0]), call)
    else:
        result = _along_two_axes(filter_, image, weights, axes, tuple(map(int, origins)), call)
    if out is not None and np.may_share_memory(result, out):  # written there
        return out
    return _into(result, out_dtype)


def _transposed(weights):
    if type(weights) is kernels.Outer:
        return kernels.Outer(weights.row, weights.column, weights.scale)
    return weights.T


# Rows shorter than this are not worth an engine row each (its per-row cost dominates)
_SHORT_ROW = 64


def _along_one_axis(filter_, image, weights, axis, origin, call):
    """A 1-D filter along `axis`: a column kernel over rows of the axes after it when those are
    long, else a row kernel over the axis and the ones after it (taken as channels), else (a
    short innermost axis, as the channels of an image) with the axis moved to the front."""
    shape = image.shape
    length = shape[axis]
    before = int(np.prod(shape[:axis], dtype=np.int64))
    after = int(np.prod(shape[axis + 1 :], dtype=np.int64))
    if after >= _SHORT_ROW:
        batch = image.reshape(before, length, after, 1)
        return _reshaped(filter_, batch, weights[:, None], (origin, 0), call).reshape(shape)
    if length * after >= _SHORT_ROW:
        rows = image.reshape(before, length, after)  # (H, W, C): C = the axes after it
        return _reshaped(filter_, rows, weights[None, :], (0, origin), call).reshape(shape)
    call.pop("out", None)
    moved = np.moveaxis(image, axis, 0)
    batch = moved.reshape(1, length, -1, 1)
    result = filter_(batch, weights[:, None], origin=(origin, 0), **call)
    return np.ascontiguousarray(np.moveaxis(result.reshape(moved.shape), 0, axis))


def _reshaped(filter_, batch, weights, origin, call):
    """filter_ on `batch`, a reshaped view of the image, into the same view of call's out."""
    out = call.pop("out", None)
    out = None if out is None else out.reshape(batch.shape)
    return filter_(batch, weights, origin=origin, out=out, **call)


def _along_two_axes(filter_, image, weights, axes, origin, call):
    """A 2-D filter over axes (first, last), first < last: a batch of channels-last images when
    they are adjacent, else with the last moved next to the first (a copy) and back."""
    shape = image.shape
    first, last = axes
    before = int(np.prod(shape[:first], dtype=np.int64))
    if last == first + 1:
        batch = image.reshape(before, shape[first], shape[last], -1)
        return _reshaped(filter_, batch, weights, origin, call).reshape(shape)
    call.pop("out", None)
    moved = np.moveaxis(image, last, first + 1)
    batch = moved.reshape(before, shape[first], shape[last], -1)
    result = filter_(batch, weights, origin=origin, **call).reshape(moved.shape)
    return np.ascontiguousarray(np.moveaxis(result, first + 1, last))


# --- arguments ---------------------------------------------------------------------------------


def _real_input(input, output, name):
    """(input as an array of real numbers, the output's dtype from `output`)."""
    image = np.asarray(input)
    if _is_complex(image):
        raise TypeError(
            f"cconv.ndimage.{name}: complex `input` is not supported; "
            "scipy.ndimage.{name} filters complex arrays"
        )
    if image.dtype.kind not in "iuf":
        raise TypeError(f"`input` must hold real numbers, got dtype {image.dtype}")
    if output is None:
        return image, image.dtype
    if isinstance(output, np.ndarray):
        if output.shape != image.shape:
            raise ArgumentError(f"`output` has shape {output.shape}; the input's is {image.shape}")
        return image, output.dtype
    try:
        return image, np.dtype(output)
    except TypeError as error:
        raise TypeError(f"`output` must be an array or a dtype, got {output!r}") from error


def _real_weights(weights):
    if weights.dtype.kind not in "biuf":
        raise TypeError(f"`weights` must hold real numbers, got dtype {weights.dtype}")
    if weights.size == 0:
        raise ArgumentError("no filter weights given")
    return weights.astype(np.float64, copy=False)


def _check_axes(axes, ndim):
    """`axes` (None, an integer or a sequence of them) as a tuple of distinct axes in range."""
    if axes is None:
        return tuple(range(ndim))
    values = (axes,) if np.ndim(axes) == 0 else tuple(np.asarray(axes).tolist())
    normalized = []
    for axis in values:
        axis = operator.index(axis)  # TypeError: '...' object cannot be interpreted as an integer
        if not -ndim <= axis < ndim:
            raise ValueError(f"axis {axis} is out of range for an array of {ndim} dimensions")
        normalized.append(axis % ndim)
    if len(set(normalized)) != len(normalized):
        raise ValueError("axes must be unique")
    return tuple(normalized)


def _per_axis(value, count):
    """`value` repeated per axis, or a sequence of `count` values (scipy's rule: strings and
    scalars are repeated)."""
    if isinstance(value, str) or np.ndim(value) == 0:
        return [value] * count
    values = (
        list(np.asarray(value, dtype=object).ravel())
        if isinstance(value, np.ndarray)
        else list(value)
    )
    if len(values) != count:
        raise ArgumentError("sequence argument must have length equal to input rank")
    return values


def _mode(mode, sequence_allowed=True):
    if not isinstance(mode, str):
        if not sequence_allowed:
            raise ArgumentError(
                "A sequence of modes is not supported here: `mode` must be one string"
            )
        raise ArgumentError(f"`mode` must be a string, got {mode!r}")
    if mode not in _MODES:
        raise ArgumentError(
            f"boundary mode not supported: `mode` must be one of "
            f"{', '.join(map(repr, _MODES))}; got {mode!r}"
        )
    return _MODES[mode]


def _check_origin(origin, size):
    if not isinstance(origin, numbers.Integral):
        raise TypeError(f"`origin` must be an integer, got {origin!r}")
    if not -(size // 2) <= origin <= (size - 1) // 2:
        raise ValueError(
            f"`origin` {origin} is out of range for a filter of size {size}: it "
            f"must lie in [{-(size // 2)}, {(size - 1) // 2}]"
        )


def _sigmas_on_all_axes(sigma, axes, ndim):
    """Per-axis sigmas over every axis, 0 (not filtered) on those outside `axes`."""
    sigmas = [0.0] * ndim
    for axis, value in zip(axes, _per_axis(sigma, len(axes))):
        sigmas[axis] = value
    return sigmas


# --- weights -----------------------------------------------------------------------------------


def _gaussian_weights(sigma, order, truncate, radius):
    """Correlation weights of the Gaussian's `order`-th derivative, sampled at integers within
    `radius` (default: truncate * sigma, rounded) and normalised so the 0th order sums to 1."""
    order = operator.index(order)
    if order < 0:
        raise ValueError(f"`order` must be non-negative, got {order}")
    sigma = float(sigma)
    if radius is None:
        radius = int(float(truncate) * sigma + 0.5)
    if not isinstance(radius, numbers.Integral) or radius < 0:
        raise ValueError(f"`radius` must be a non-negative integer, got {radius!r}")
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    density = np.exp(-0.5 * (x / sigma) ** 2)
    density /= density.sum()
    # d^n/dx^n exp(-x^2 / 2s^2) = p_n(x) exp(...), with p_0 = 1, p_(n+1) = p_n' - x p_n / s^2
    polynomial = np.polynomial.Polynomial([1.0])
    for _ in range(order):
        polynomial = polynomial.deriv() - polynomial * np.polynomial.Polynomial(
            [0.0, 1.0 / sigma**2]
        )
    # a derivative kernel is convolved with the image: correlation takes it reversed
    return (polynomial(x) * density)[::-1]


def _uniform_weights(size):
    size = operator.index(size)
    if size < 1:
        raise ArgumentError(f"incorrect filter size: `size` must be at least 1, got {size}")
    return np.full(size, 1.0 / size)


# --- dtypes and results ------------------------------------------------------------------------


def _is_complex(array):
    return array.dtype.kind == "c"


def _work_dtype(source, output):
    """Intermediate results' dtype: float32 where cconv sums in float32 anyway."""
    if source in _SMALL_FLOAT_SOURCES and output != np.float64:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def _engine_dtype(out_dtype):
    """What the engine is asked for: the output's dtype, or float64 for complex outputs of a
    real filter (converted afterwards)."""
    return np.dtype(np.float64) if out_dtype.kind == "c" else out_dtype


def _into(values, dtype, scratch_of_finite=False):
    """`values` in `dtype`, with cconv's rounding policy for integers. `scratch_of_finite`:
    `values` may be overwritten and holds no NaN or infinity (saves passes)."""
    if values.dtype == dtype:
        return values
    if dtype.kind in "iu" and values.dtype.kind == "f":
        return api.round_and_saturate(values, dtype, finite=scratch_of_finite)
    return values.astype(dtype)


def _array_or_none(output):
    return output if isinstance(output, np.ndarray) else None


def _deliver(result, output):
    if result is output:
        return output
    if isinstance(output, np.ndarray):
        output[...] = result
        return output
    return result


# --- forwarding --------------------------------------------------------------------------------


def _scipy_ndimage(what):
    try:
        from scipy import ndimage
    except ImportError:
        raise ValueError(
            f"cconv.ndimage: {what} is not done by cconv's engine; install scipy "
            "to have it forwarded to scipy.ndimage"
        ) from None
    return ndimage


def _forward(name, *args, **kwargs):
    """A call cconv's engine does not do (complex numbers, 0-d input), given to scipy as is."""
    ndimage = _scipy_ndimage(f"{name} on complex, boolean or 0-d arrays")
    return getattr(ndimage, name)(*args, **kwargs)


def _forward_real(name, image, weights, out_dtype, mode, cval, origins, axes):
    """Weights over more than two axes: scipy in float64, rounded as cconv rounds."""
    ndimage = _scipy_ndimage(f"{name} with weights over more than two axes")
    values = getattr(ndimage, name)(
        image.astype(np.float64, copy=False),
        weights,
        output=np.float64,
        mode=mode,
        cval=cval,
        origin=list(origins),
        axes=axes,
    )
    return _into(values, out_dtype)
