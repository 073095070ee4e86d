"""A seeded differential fuzzer: random calls of cconv.correlate / convolve against the float64
reference (tests/reference.py), with the accuracy contract written as a bound per pixel.

Each case draws an image dtype (all ten real ones), an output dtype, a border mode, a cval (also
fractional, negative, beyond the dtype's and the accumulator's range), a kernel (tiny, of a huge
dynamic range, rank-1, constant, sparse, even-sized, larger than the image), the image's content
(extremes, impulses, NaN and infinity for floats), a method (auto or a forced one that accepts
the kernel) and a thread count. ``check`` says whether cconv's result keeps the contract;
``shrink`` makes a failing case small; ``reproducer`` prints it as a few lines of Python.

The contract, per output pixel, with M the sum of |weight| * |sample| over the pixel's window
(cval included) and n the number of non-zero weights:

- the exact result is within ``bound = (n + 4) * (eps_acc + eps64) * M`` of the reference (eps_acc
  of the documented accumulator, eps64 for the reference's own rounding); float outputs are
  that value rounded to the output dtype, integer outputs that value rounded half to even and
  saturated (so any integer between those of ``reference - bound`` and ``reference + bound``);
- the box path's running sums also carry the rounding of the image rows above the window in the
  same column (up to a kernel height, cval rows excepted): M is the largest of those windows';
- the FFT path's error is relative to the whole image: M is the kernel's absolute sum times the
  largest sample, and (n + 4) * eps_acc is the FFT's error share (cconv._fft: TILE_ERROR for
  its float32 tiles, 1e-13 for its float64 planes);
- where M overflows the accumulator (a float32 image whose partial sums leave float32's range,
  or any sum beyond float64's) the exact result is not computable in that type, and the pixel is
  not compared; NaN in the reference is NaN (or an integer output's lowest value) in the result.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

import cconv

from reference import reference_filter

IMAGE_DTYPES = [
    "uint8",
    "uint16",
    "int16",
    "float32",
    "float64",
    "int8",
    "int32",
    "float16",
    "uint32",
    "int64",
]
MODES = ["nearest", "reflect", "mirror", "wrap", "constant"]
FLOAT32_MAX = float(np.finfo(np.float32).max)
FLOAT64_MAX = float(np.finfo(np.float64).max)


@dataclasses.dataclass
class Case:
    image: np.ndarray
    kernel: np.ndarray
    mode: str
    cval: float
    dtype: str | None
    method: str
    threads: int
    flip: bool

    def call(self):
        function = cconv.convolve if self.flip else cconv.correlate
        return function(
            self.image,
            self.kernel,
            mode=self.mode,
            cval=self.cval,
            dtype=self.dtype,
            method=self.method,
            threads=self.threads,
        )


def _kernel(rng) -> np.ndarray:
    kind = rng.choice(
        ["tiny", "random", "rank1", "constant", "sparse", "dynamic", "integer", "large"]
    )
    shape = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
    if kind == "tiny":
        shape = [(1, 1), (1, 2), (2, 1), (2, 2)][rng.integers(4)]
    if kind == "large":
        shape = (int(rng.integers(5, 16)), int(rng.integers(5, 16)))
    if kind in ("constant", "tiny") and rng.random() < 0.5:
        return np.full(shape, rng.choice([1.0, 0.25, 1 / 9, -2.0, 1e-3, 3e38, 1e39]))
    if kind == "rank1":
        column, row = rng.standard_normal(shape[0]), rng.standard_normal(shape[1])
        return np.outer(column, row) * 10.0 ** rng.integers(-3, 4)
    if kind == "integer":
        return rng.integers(-4, 5, size=shape).astype(np.float64)
    kernel = rng.standard_normal(shape)
    if kind == "sparse":
        kernel[rng.random(shape) < 0.7] = 0.0
        if not kernel.any():
            kernel[0, 0] = 1.0
    if kind == "dynamic":  # weights over many decades, some beyond float32's range
        kernel *= 10.0 ** rng.integers(-42, 42, size=shape)
    return kernel


def _image(rng, dtype: np.dtype, shape) -> np.ndarray:
    content = rng.choice(["random", "extremes", "impulses", "small", "specials"])
    if dtype.kind == "f":
        info = np.finfo(dtype)
        low, high = float(info.min), float(info.max)
        values = rng.standard_normal(shape) * 10.0 ** rng.integers(0, 4)
    else:
        info = np.iinfo(dtype)
        low, high = int(info.min), int(info.max)
        values = rng.integers(low, high, size=shape, endpoint=True, dtype=dtype)
    if content == "small":
        values = rng.integers(-3, 4, size=shape).astype(np.float64)
        if dtype.kind == "u":
            values = np.abs(values)
    elif content == "extremes":
        values = rng.choice([low, high, 0, 1, -1 if dtype.kind != "u" else 1], size=shape)
    elif content == "impulses":
        values = np.zeros(shape)
        values[rng.random(shape) < 0.1] = high
    elif content == "specials" and dtype.kind == "f":
        values = np.where(
            rng.random(shape) < 0.2, rng.choice([np.nan, np.inf, -np.inf], size=shape), values
        )
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(values).astype(dtype)


def _cval(rng, dtype: np.dtype) -> float:
    if dtype.kind == "f":
        largest = float(np.finfo(dtype).max)
    else:
        info = np.iinfo(dtype)
        largest = float(max(-int(info.min), int(info.max)))
    return float(
        rng.choice(
            [
                0.0,
                17.5,
                -3.25,
                -1.0,
                1.5 * largest,
                -1.5 * largest,
                1e6,
                -(2.0**40),
                1e39,
                -1e39,
                2.5,
            ]
        )
    )


def draw(rng) -> Case:
    dtype = np.dtype(str(rng.choice(IMAGE_DTYPES)))
    kind = rng.integers(4)
    height, width = int(rng.integers(1, 10)), int(rng.integers(1, 10))
    shape = [
        (height, width),
        (height, width, int(rng.integers(1, 5))),
        (2, height, width, int(rng.integers(1, 4))),
        (height, width, 3),
    ][kind]
    kernel = _kernel(rng)
    out = None if rng.random() < 0.4 else str(rng.choice(IMAGE_DTYPES))
    methods = ["auto"]
    if _rank_one(kernel):
        methods.append("separable")
    if (kernel == kernel.flat[0]).all() and kernel.flat[0] != 0:
        methods.append("box")
    if kernel.size > 1:
        methods += ["direct", "fft"]
    return Case(
        image=_image(rng, dtype, shape),
        kernel=kernel,
        mode=str(rng.choice(MODES)),
        cval=_cval(rng, dtype),
        dtype=out,
        method=str(rng.choice(methods)),
        threads=int(rng.integers(1, 4)),
        flip=bool(rng.random() < 0.3),
    )


def _rank_one(kernel: np.ndarray) -> bool:
    try:
        cconv.correlate(np.zeros((1, 1)), kernel, method="separable")
    except ValueError:
        return False
    return True


def _accumulator_eps(source: np.dtype, out: np.dtype) -> float:
    """eps of the accumulator the documentation promises for this call (cconv.correlate's
    Notes): float32 for uint8, float16 and float32 images with outputs other than float64,
    while the weights and the samples fit (see cconv.api._float32_limit)."""
    if source.name not in ("uint8", "float16", "float32") or out == np.float64:
        return float(np.finfo(np.float64).eps)
    return float(np.finfo(np.float32).eps)


def _reach(case: Case, values: np.ndarray, cval: float) -> np.ndarray:
    """sum |weight| * |sample| over each pixel's window."""
    with np.errstate(over="ignore", invalid="ignore"):
        return reference_filter(
            np.abs(values), np.abs(case.kernel), case.mode, abs(cval), case.flip
        )


def _column_max(values: np.ndarray, rows: int, rows_axis: int) -> np.ndarray:
    """The largest of values[y - rows + 1 .. y] at each y (along rows_axis), same column."""
    result = values.copy()
    for shift in range(1, rows):
        shifted = np.roll(values, shift, axis=rows_axis)
        index = [slice(None)] * values.ndim
        index[rows_axis] = slice(0, shift)
        shifted[tuple(index)] = 0
        result = np.maximum(result, shifted)
    return result


def path_of(case: Case) -> str:
    """The path cconv takes: the forced method, or what method='auto' chooses. The FFT path
    leaves images holding NaN or infinity (and a non-finite cval) to the direct path."""
    path = case.method
    if path == "auto":
        path = cconv.choose_method(case.kernel, case.image.dtype, case.image.shape, case.threads)
    finite_cval = case.mode != "constant" or math.isfinite(case.cval)
    if path == "fft" and not (np.isfinite(case.image).all() and finite_cval):
        return "direct"
    return path


def takes_tiles(case: Case) -> bool:
    """Whether the call's FFT goes through the float32 tiles (cconv._fft.takes_tiles, on the
    types cconv.api chooses for the call), whose error bound is TILE_ERROR's."""
    api = cconv.api
    out = np.dtype(case.dtype) if case.dtype else case.image.dtype
    source = api._engine_dtype(case.image.dtype)
    mode_code = api._mode_code(case.mode)
    *_, engine_out, accumulator = api._choose_path(
        case.kernel,
        "fft",
        source,
        case.image.dtype,
        out,
        mode_code,
        case.cval,
        case.image.shape,
        case.threads,
    )
    constant = case.mode == "constant"
    return (not constant or math.isfinite(case.cval)) and cconv._fft.takes_tiles(
        source,
        engine_out,
        accumulator,
        case.kernel.shape,
        cconv._fft.kernel_facts(case.kernel),
        out,
        case.cval if constant else 0.0,
    )


def _tiles_may_overflow(case: Case, largest: float) -> bool:
    """Whether the tiles' transforms, which sum a tile's samples, may leave float32's range
    (the engine then finds infinity or NaN and takes the direct path)."""
    tile = cconv._fft.tile_size(case.kernel.shape, case.image.shape, case.image.dtype.kind == "f")[
        0
    ]
    return tile * tile * largest * max(1.0, np.abs(case.kernel).sum()) >= FLOAT32_MAX / 16


def check(case: Case) -> str | None:
    """None if the call keeps the contract (see the module's docstring); else what is wrong."""
    try:
        result = case.call()
    except ValueError as error:
        if case.method == "fft" and "fft" in str(error):
            return None  # a forced FFT that would miss the accuracy contract is refused
        return f"ValueError: {error}"
    image = case.image
    out = np.dtype(case.dtype) if case.dtype else image.dtype
    if result.dtype != out or result.shape != image.shape:
        return f"result {result.dtype} {result.shape}, want {out} {image.shape}"
    values = image.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        reference = reference_filter(values, case.kernel, case.mode, case.cval, case.flip)
    used_cval = case.cval if case.mode == "constant" else 0.0
    # The bound's scale over finite samples only: NaN and infinity give NaN and infinity
    # exactly, in the reference and in cconv alike.
    finite = np.where(np.isfinite(values), values, 0.0)
    finite_cval = used_cval if math.isfinite(used_cval) else 0.0
    reach = _reach(case, finite, finite_cval)
    eps = _accumulator_eps(image.dtype, out)
    path = path_of(case)
    if path == "box":
        rows_axis = 1 if image.ndim == 4 else 0
        above = _column_max(_reach(case, finite, 0.0), case.kernel.shape[0], rows_axis)
        reach = np.maximum(reach, above)
        if eps > 1e-10 and image.dtype.kind == "f":  # float32 rows: running float64 sums
            row = np.max(above, axis=rows_axis + 1, keepdims=True) * above.shape[rows_axis + 1]
            reach = np.maximum(reach, row * float(np.finfo(np.float64).eps) / eps)
    elif path == "fft":
        largest = max(float(np.abs(finite).max(initial=0)), abs(finite_cval))
        fft_reach = np.full(reference.shape, np.abs(case.kernel).sum() * largest)
        tiles = takes_tiles(case)
        fft_eps = cconv._fft.TILE_ERROR / (case.kernel.size + 4) if tiles else 1e-13
        if tiles and _tiles_may_overflow(case, largest):
            # the engine then takes the direct path: either bound, the larger
            eps64 = float(np.finfo(np.float64).eps)
            fft_reach = np.maximum(fft_reach, reach * (eps + eps64) / (fft_eps + eps64))
        reach, eps = fft_reach, fft_eps
    with np.errstate(over="ignore", invalid="ignore"):
        bound = (case.kernel.size + 4) * (eps + float(np.finfo(np.float64).eps)) * reach
    comparable = np.isfinite(bound)
    # Sums of a float image's own samples may leave the accumulator's range (float32's for a
    # float32 image, as documented, or float64's): there is no exact result to compare with.
    # cval beyond it is the accumulator's business, not excused. Weighted sums on the direct
    # path; the box path adds the samples before it weighs them, the separable path weighs
    # them by the column factor (at most 1) first.
    if image.dtype.kind == "f":
        limit = FLOAT32_MAX if eps > 1e-10 and image.dtype.itemsize <= 4 else FLOAT64_MAX
        cval_part = np.abs(case.kernel).sum() * abs(finite_cval)
        sums = reach
        if path in ("box", "separable"):
            with np.errstate(over="ignore", invalid="ignore"):
                sums = np.maximum(
                    reach,
                    reference_filter(
                        np.abs(finite),
                        np.ones(case.kernel.shape),
                        case.mode,
                        abs(finite_cval),
                        case.flip,
                    ),
                )
        comparable &= ~((sums >= limit) & (cval_part < limit))
    return _compare(result, reference, bound, comparable)


def _compare(result, reference, bound, comparable) -> str | None:
    got = result.astype(np.float64)
    nan = np.isnan(reference)
    with np.errstate(over="ignore", invalid="ignore"):
        if result.dtype.kind == "f":
            low = (reference - bound).astype(result.dtype).astype(np.float64)
            high = (reference + bound).astype(result.dtype).astype(np.float64)
            ok = np.where(nan, np.isnan(got), (got >= low) & (got <= high))
        else:
            info = np.iinfo(result.dtype)
            lowest, highest = float(info.min), float(info.max)
            low = np.clip(np.rint(reference - bound), lowest, highest)
            high = np.clip(np.rint(reference + bound), lowest, highest)
            ok = (got >= low) & (got <= high)
            exact = result.astype(object)  # 64-bit integers compared exactly at the ends
            ok = np.where(reference - bound >= highest, exact == info.max, ok)
            ok = np.where(reference + bound <= lowest, exact == info.min, ok)
            ok = np.where(nan, exact == info.min, ok)
    bad = comparable & ~ok.astype(bool)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        return (
            f"{int(bad.sum())} of {bad.size} pixels off; at {where}: got {result[where]!r}, "
            f"reference {reference[where]!r} +- {bound[where]:.3g}"
        )
    return None


def shrink(case: Case, budget: int = 300) -> Case:
    """A smaller case that still fails: fewer rows, columns, channels and images, fewer kernel
    rows and columns, one thread, simpler pixel values; greedy, within `budget` checks."""

    def fails(candidate):
        try:
            return check(candidate) is not None
        except Exception:  # noqa: BLE001 - a crash is a failure too
            return True

    for _ in range(budget):
        for candidate in _smaller(case):
            budget -= 1
            if fails(candidate):
                case = candidate
                break
        else:
            return case
        if budget <= 0:
            break
    return case


def _smaller(case: Case):
    image, kernel = case.image, case.kernel
    if case.threads > 1:
        yield dataclasses.replace(case, threads=1)
    if case.flip:
        yield dataclasses.replace(case, flip=False)
    for axis in range(image.ndim):
        if image.shape[axis] > 1:
            yield dataclasses.replace(case, image=np.delete(image, 0, axis=axis))
            yield dataclasses.replace(case, image=np.delete(image, -1, axis=axis))
    for axis in range(2):
        if kernel.shape[axis] > 1 and case.method not in ("box",):
            for end in (0, -1):
                smaller = np.delete(kernel, end, axis=axis)
                if smaller.any():
                    yield dataclasses.replace(case, kernel=smaller)
    if case.method != "auto":
        yield dataclasses.replace(case, method="auto")
    flat = image.reshape(-1)
    for i in range(flat.size):
        if flat[i] != 0 and not np.isnan(flat[i]):
            simpler = flat.copy()
            simpler[i] = 0
            yield dataclasses.replace(case, image=simpler.reshape(image.shape))
            break


def reproducer(case: Case) -> str:
    function = "convolve" if case.flip else "correlate"
    with np.printoptions(threshold=10**6, precision=17, floatmode="unique"):
        return (
            f"import numpy as np, cconv\n"
            f"image = np.array({case.image.tolist()!r}, np.{case.image.dtype.name})\n"
            f"kernel = np.array({case.kernel.tolist()!r})\n"
            f"cconv.{function}(image, kernel, mode={case.mode!r}, cval={case.cval!r}, "
            f"dtype={case.dtype!r}, method={case.method!r}, threads={case.threads})"
        )
