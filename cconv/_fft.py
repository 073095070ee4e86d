"""The FFT path, for kernels too large for the direct path's multiply-adds (whose cost grows
with the kernel's area; an FFT's does not). Two ways, chosen by accuracy:

- **Tiles** (the engine's fft_correlate, src/fft.pxi): uint8 and float32 images into uint8 or
  float32 outputs, the images that sum in float32 on the other paths. Overlap-save in float32
  over power-of-two tiles, on all threads; the tile size minimises the modelled cost
  (tile_size). Error: at most TILE_ERROR of the kernel's absolute sum times the largest
  sample (cval included); at most 3.1e-7 of that measured, tiles of 32 to 1024.
- **Planes**: every other image. numpy's float64 FFT of whole border-extended planes
  (numpy.pad, whose modes the engine's match, kernels longer than the image included), a
  channel at a time; error at most ERROR of the same scale (3e-17 measured on 1080p images
  under 63x63 and 101x101 kernels).

Either error is relative to the image's largest values, not to each pixel's own neighbourhood
as on the direct path. Integer results are rounded as everywhere else, after a snap to the exact
results' grid where the weights are dyadic (see exact_step): exact ties then round half to even
as on the other paths. NaN and infinity would spread over the whole image, so images holding
them (or a non-finite cval in 'constant' mode) take the direct path.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# The border modes as numpy.pad names them (scipy.ndimage's 'reflect' is numpy's 'symmetric')
_PAD_MODES = {
    "nearest": "edge",
    "reflect": "symmetric",
    "mirror": "reflect",
    "wrap": "wrap",
    "constant": "constant",
}


def fast_length(n: int) -> int:
    """The smallest m >= n whose prime factors are 2, 3 and 5 (numpy's FFT is fastest there)."""
    m = max(1, n)
    while True:
        rest = m
        for prime in (2, 3, 5):
            while rest % prime == 0:
                rest //= prime
        if rest == 1:
            return m
        m += 1


def dyadic_exponent(weights: np.ndarray):
    """The least m <= 30 for which every weight is a multiple of 2**-m (halves, quarters,
    1/1024 ...), else None."""
    for m in range(31):
        scaled = weights * 2.0**m
        if np.array_equal(scaled, np.rint(scaled)):
            return m
    return None


def exact_step(image: np.ndarray, weights: np.ndarray, mode: str, cval: float, tiles: bool = False):
    """2**-m where an integer image under weights that are all multiples of 2**-m
    (dyadic_exponent) and an integer cval has exact results on that grid, exact ties included,
    and the FFT's error is far below half a step (bounded with a margin of 10**4 for planes, 8
    for tiles) while the step stays exact (in float64, float32 for tiles); else None. The
    FFT's results are then moved onto the grid (snap() here, the engine for tiles), so that the
    rounding policy (half to even) sees exact ties as the other paths do. Tiles are for uint8
    images: their largest sample is taken as 255 (no pass over the image)."""
    if image.dtype.kind not in "iu" or (mode == "constant" and cval != math.floor(cval)):
        return None
    m = dyadic_exponent(weights)
    if m is None:
        return None
    if tiles:
        largest = 255
    else:
        largest = max(abs(int(image.min(initial=0))), abs(int(image.max(initial=0))))
    return _grid(
        m, float(np.abs(weights).sum()), max(largest, abs(cval) if mode == "constant" else 0), tiles
    )


def _grid(m: int, absolute_sum: float, largest: float, tiles: bool):
    """exact_step's 2**-m where the FFT can snap onto it, else None."""
    bound, exact = (8 * TILE_ERROR, 2.0**22) if tiles else (1e4 * ERROR, 2.0**50)
    scale = absolute_sum * max(1, largest)  # bounds every result
    if bound * scale >= 2.0 ** -(m + 1) or scale * 2.0**m >= exact:
        return None
    return 2.0**-m


def snap(values: np.ndarray, step: float) -> np.ndarray:
    """`values` moved in place to the nearest multiples of `step` (a power of two: exact)."""
    values /= step
    np.rint(values, out=values)
    values *= step
    return values


def usable(image: np.ndarray, mode: str, cval: float) -> bool:
    """Whether the FFT path may take this image: every sample it reads is finite."""
    if mode == "constant" and not math.isfinite(cval):
        return False
    return image.dtype.kind in "iu" or bool(np.isfinite(image).all())


# The FFT's error, as a share of the kernel's absolute sum times the largest sample: planes
# (float64), tiles (float32)
ERROR = 1e-13
TILE_ERROR = 1e-6
# Integer outputs are rounded correctly except within this distance of a tie, as on the direct
# path: a forced FFT whose error could be larger is refused
INTEGER_MARGIN = 1e-2


def check_accuracy(
    image: np.ndarray, weights: np.ndarray, mode: str, cval: float, integer_output: bool
) -> None:
    """ValueError when the planes cannot meet the accuracy contract on this image: integer
    results whose error bound reaches the rounding margin (int64 images of large values, say),
    or sums so large that the transforms would overflow float64."""
    error = ERROR
    largest = max(
        abs(float(image.min(initial=0))),
        abs(float(image.max(initial=0))),
        abs(cval) if mode == "constant" else 0.0,
    )
    scale = float(np.abs(weights).sum()) * largest
    # the transforms sum the samples, unweighted, and then their products with the kernel's
    if max(scale, largest) * image.size * weights.size > 1e300:
        raise ValueError(
            "`method` 'fft' cannot filter this image: its sums would overflow "
            "float64 in the transforms; use method='direct'"
        )
    if integer_output and error * scale >= INTEGER_MARGIN:
        raise ValueError(
            f"`method` 'fft' cannot round this image's results exactly: its error bound "
            f"({error:g} x the kernel's absolute sum x the largest sample = {error * scale:.3g}) "
            f"reaches the rounding margin ({INTEGER_MARGIN:g}); use method='direct'"
        )


def correlate_planes(
    image: np.ndarray,
    weights: np.ndarray,
    anchor: tuple,
    mode: str,
    cval: float,
    threads: int,
    dtype: np.dtype,
    finish,
) -> np.ndarray:
    """Correlation of `image` ((H, W), (H, W, C) or (N, H, W, C)) with `weights` anchored at
    `anchor`, of the image's shape and `dtype`: each plane's float64 result goes through
    `finish` (which may modify it) into the output as soon as it is done, so no float64 copy
    of the whole result is held. Batch images and channels are transformed on up to `threads`
    threads, a plane each."""
    height, width = image.shape[-3:-1] if image.ndim == 4 else image.shape[:2]
    batch = image.reshape((-1, height, width, 1 if image.ndim == 2 else image.shape[-1]))
    kernel_height, kernel_width = weights.shape
    widths = ((anchor[0], kernel_height - 1 - anchor[0]), (anchor[1], kernel_width - 1 - anchor[1]))
    extra = {"constant_values": cval} if mode == "constant" else {}
    size = (fast_length(height + kernel_height - 1), fast_length(width + kernel_width - 1))
    # Correlation is convolution with the flipped kernel; with the transforms at least as
    # long as the extended image, the outputs read sit past the kernel's wrap-around. The
    # kernel's spectrum is taken along its few rows first (the padded rows are all zero).
    spectrum = np.fft.fft(np.fft.rfft(weights[::-1, ::-1], n=size[1], axis=1), n=size[0], axis=0)
    result = np.empty(batch.shape, dtype)

    def one(index: int, channel: int) -> None:
        extended = np.pad(
            batch[index, :, :, channel].astype(np.float64), widths, mode=_PAD_MODES[mode], **extra
        )
        product = np.fft.rfft2(extended, s=size, axes=(0, 1))
        product *= spectrum
        # back along the columns, then along only the rows that are kept
        product = np.fft.ifft(product, axis=0)[kernel_height - 1 : kernel_height - 1 + height]
        result[index, :, :, channel] = finish(
            np.fft.irfft(product, n=size[1], axis=1)[:, kernel_width - 1 : kernel_width - 1 + width]
        )

    # One job per channel of each image: transforms of contiguous planes, faster than a
    # channels-last batch of transforms (docs/design.md, where the constants come from)
    jobs = [
        (index, channel) for index in range(batch.shape[0]) for channel in range(batch.shape[3])
    ]
    if threads > 1 and len(jobs) > 1:
        with ThreadPoolExecutor(min(threads, len(jobs))) as pool:
            list(pool.map(lambda job: one(*job), jobs))
    else:
        for job in jobs:
            one(*job)
    return result.reshape(image.shape)


# Images and outputs the tiles take: those that sum in float32 on the other paths
_TILE_TYPES = frozenset(np.dtype(t) for t in (np.uint8, np.float32))
# Tile sizes, and the tiles' time per sample of a tile at one thread (ns; transforms, the
# kernel's product, loading and storing), measured on 1080p gray and RGB uint8 images with the
# AVX-512 module (float32 images take about 1.3x; the baseline module about 2x): see
# docs/performance.md
TILE_NS = {32: 3.0, 64: 2.6, 128: 2.2, 256: 2.4, 512: 4.0, 1024: 5.2}
_FLOAT32_TILE_COST = 1.3


def kernel_facts(weights: np.ndarray) -> tuple:
    """(absolute sum, dyadic_exponent) of a kernel: what takes_tiles asks of it (cconv.api
    caches them per kernel)."""
    return float(np.abs(weights).sum()), dyadic_exponent(weights)


def takes_tiles(
    source: np.dtype,
    output: np.dtype,
    accumulator: np.dtype,
    kernel_shape: tuple,
    facts: tuple,
    out_dtype: np.dtype,
    cval: float = 0.0,
) -> bool:
    """Whether an FFT of this image (as the engine reads it) into this output (as the engine
    writes it, then as the call returns it) goes through the tiles: both uint8 or float32,
    float32 sums, a kernel that fits the largest tile, and for integer outputs (of uint8
    images only, whose largest sample is known), an error bound below the rounding margin.
    `facts`: the kernel's kernel_facts; `cval`: the constant border's, if any."""
    if not (
        source in _TILE_TYPES
        and output in _TILE_TYPES
        and accumulator.itemsize == 4
        and max(kernel_shape) < max(TILE_NS)
    ):
        return False
    if out_dtype.kind not in "iu":
        return True
    absolute_sum, m = facts
    largest = max(255.0, abs(cval))
    if source != np.uint8 or TILE_ERROR * absolute_sum * largest >= INTEGER_MARGIN:
        return False
    # dyadic weights put results on exact ties: the planes snap them where tiles could not
    return m is None or _grid(m, absolute_sum, largest, True) is not None


def tile_size(kernel_shape: tuple, shape: tuple, float_image: bool) -> tuple:
    """(tile, modelled ns at one thread, tiles): the tile size whose tiles cover an image of
    `shape` at the least cost, the kernel's spectrum (one tile more) included."""
    height, width = shape[-3:-1] if len(shape) == 4 else shape[:2]
    planes = math.prod(shape) // (height * width)  # batch images times channels
    best = None
    for tile, ns in TILE_NS.items():
        steps = (tile - kernel_shape[0] + 1, tile - kernel_shape[1] + 1)
        if min(steps) < 1:
            continue
        tiles = planes * -(-height // steps[0]) * -(-width // steps[1]) + 1
        cost = tiles * tile * tile * ns * (_FLOAT32_TILE_COST if float_image else 1.0)
        if best is None or cost < best[1]:
            best = (tile, cost, tiles)
    return best


def correlate_tiles(
    function,
    source: np.ndarray,
    result: np.ndarray,
    weights: np.ndarray,
    anchor: tuple,
    channels: int,
    mode_code: int,
    cval: float,
    offset: float,
    grid,
    threads: int,
) -> bool:
    """The tiles' correlation of `source` ((N, H, W*C), as the engine reads it) into `result`
    (the same, as the engine writes it) by `function` (the engine's fft_correlate for their
    types), rounded onto `grid` first where it is not None; False (and `result` partly
    written) if the image holds NaN or infinity, or sums so large that the transforms
    overflowed."""
    tile = tile_size(
        weights.shape,
        source.shape[:2] + (source.shape[2] // channels, channels),
        source.dtype.kind == "f",
    )[0]
    kernel = np.ascontiguousarray(weights, np.float32)
    return function(
        source,
        result,
        kernel,
        channels,
        anchor[0],
        anchor[1],
        mode_code,
        cval,
        offset,
        grid or 0.0,
        tile,
        threads,
    )


# Kernels with fewer weights never pay on images of any size (the direct path's cost grows
# with the weights; docs/design.md, where the constants come from): through the tiles, through
# the planes
MIN_TILE_TAPS = 100
MIN_TAPS = 400

# The cost model of method='auto', in ns on this project's 2-core machine at one thread: the
# direct path per tap and sample (1080p, random 15x15 to 25x25: 0.018-0.020 with float32 sums
# and AVX-512, about 1.5x with AVX2 and 3x in the baseline module), and the planes' per sample
# of their transforms and plane (1080p, 47x47 and 63x63: 22-28; the kernel's spectrum counts
# as half a plane).
DIRECT_NS_PER_TAP = {4: 0.019, 8: 0.06}  # by the accumulator's size: float32, float64
FFT_NS_PER_SAMPLE = 28.0


def direct_ns(taps: int, shape: tuple, accumulator_size: int, baseline: bool) -> float:
    """The direct path's modelled time at one thread, ns."""
    return taps * math.prod(shape) * DIRECT_NS_PER_TAP[accumulator_size] * (3 if baseline else 1)


def pays(
    taps: int,
    shape: tuple,
    kernel_shape: tuple,
    accumulator_size: int,
    threads: int,
    baseline: bool,
    tiles: bool = False,
    float_image: bool = False,
) -> bool:
    """Whether the FFT path is expected to take at most 0.8x the direct path's time for an
    image of `shape` and a kernel of `taps` non-zero weights. `baseline`: the engine has no
    vector loops (its multiply-adds cost about three times as much). `tiles`: the FFT goes
    through the tiles (takes_tiles), on as many threads."""
    height, width = shape[-3:-1] if len(shape) == 4 else shape[:2]
    images = math.prod(shape) // (height * width)  # batch images times channels
    direct = direct_ns(taps, shape, accumulator_size, baseline) / max(1, min(threads, height))
    if tiles:
        _, fft, count = tile_size(kernel_shape, shape, float_image)
        fft *= 2 if baseline else 1
        return fft / max(1, min(threads, count // 2)) <= 0.8 * direct
    if math.prod(kernel_shape) < MIN_TAPS:
        return False
    padded = fast_length(height + kernel_shape[0] - 1) * fast_length(width + kernel_shape[1] - 1)
    # planes on more threads gained little (docs/design.md, where the constants come from)
    fft = padded * (images + 0.5) * FFT_NS_PER_SAMPLE / (1 + 0.2 * (min(threads, images) - 1))
    return fft <= 0.8 * direct
