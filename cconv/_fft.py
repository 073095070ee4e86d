"""The FFT path: correlation through numpy's float64 FFT, for kernels too large for the direct
path's multiply-adds (whose cost grows with the kernel's area; an FFT's does not).

Each image of a batch is extended by the border mode with numpy.pad (whose modes the engine's
match, kernels longer than the image included: the tests check both against it), transformed a
channel at a time, multiplied by the flipped kernel's spectrum, transformed back and cropped.
The sums are in float64 whatever the dtype; their error is relative to the image's largest
values times the kernel's absolute sum (budgeted at 1e-13 of that; 3e-17 measured on 1080p
images under 63x63 and 101x101 kernels), not to each pixel's own neighbourhood as in the
direct path. Integer results are rounded as everywhere else, after a snap to the exact
results' grid where the weights are dyadic (see exact_step): exact ties then round half to
even as on the other paths. NaN and infinity would spread over the whole image, so images
holding them (or a non-finite cval in 'constant' mode) are not taken here.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np


# The border modes as numpy.pad names them (scipy.ndimage's 'reflect' is numpy's 'symmetric')
_PAD_MODES = {"nearest": "edge", "reflect": "symmetric", "mirror": "reflect", "wrap": "wrap",
              "constant": "constant"}


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


def exact_step(image: np.ndarray, weights: np.ndarray, mode: str, cval: float):
    """2**-m where an integer image under weights that are all multiples of 2**-m (m <= 30;
    halves, quarters, 1/1024 ...) and an integer cval has exact results on that grid, exact
    ties included, and the FFT's error is far below half a step (bounded with a margin of
    10**4) while the step stays exact; else None. snap() then moves the FFT's results onto the
    grid, so that the rounding policy (half to even) sees exact ties as the other paths do."""
    if image.dtype.kind not in "iu" or (mode == "constant" and cval != math.floor(cval)):
        return None
    for m in range(31):
        scaled = weights * 2.0 ** m
        if np.array_equal(scaled, np.rint(scaled)):
            break
    else:
        return None
    largest = max(abs(int(image.min(initial=0))), abs(int(image.max(initial=0))),
                  abs(cval) if mode == "constant" else 0)
    scale = np.abs(weights).sum() * max(1, largest)  # bounds every result
    if 1e-9 * scale >= 2.0 ** -(m + 1) or scale * 2.0 ** m >= 2.0 ** 50:
        return None
    return 2.0 ** -m


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


# The FFT's error, as a share of the kernel's absolute sum times the largest sample
ERROR = 1e-13
# Integer outputs are rounded correctly except within this distance of a tie, as on the direct
# path: a forced FFT whose error could be larger is refused
_INTEGER_MARGIN = 1e-2


def check_accuracy(image: np.ndarray, weights: np.ndarray, mode: str, cval: float,
                   integer_output: bool) -> None:
    """ValueError when the FFT cannot meet the accuracy contract on this image: integer results
    whose error bound reaches the rounding margin (int64 images of large values, say), or sums
    so large that the transforms would overflow float64."""
    largest = max(abs(float(image.min(initial=0))), abs(float(image.max(initial=0))),
                  abs(cval) if mode == "constant" else 0.0)
    scale = float(np.abs(weights).sum()) * largest
    # the transforms sum the samples, unweighted, and then their products with the kernel's
    if max(scale, largest) * image.size * weights.size > 1e300:
        raise ValueError("`method` 'fft' cannot filter this image: its sums would overflow "
                         "float64 in the transforms; use method='direct'")
    if integer_output and ERROR * scale >= _INTEGER_MARGIN:
        raise ValueError(
            f"`method` 'fft' cannot round this image's results exactly: its error bound "
            f"({ERROR:g} x the kernel's absolute sum x the largest sample = {ERROR * scale:.3g}) "
            f"reaches the rounding margin ({_INTEGER_MARGIN:g}); use method='direct'")


def correlate(image: np.ndarray, weights: np.ndarray, anchor: tuple, mode: str, cval: float,
              threads: int, dtype: np.dtype, finish) -> np.ndarray:
    """Correlation of `image` ((H, W), (H, W, C) or (N, H, W, C)) with `weights` anchored at
    `anchor`, of the image's shape and `dtype`: each plane's float64 result goes through
    `finish` (which may modify it) into the output as soon as it is done, so no float64 copy
    of the whole result is held. Batch images and channels are transformed on up to `threads`
    threads, a plane each."""
    height, width = image.shape[-3:-1] if image.ndim == 4 else image.shape[:2]
    batch = image.reshape((-1, height, width, 1 if image.ndim == 2 else image.shape[-1]))
    kernel_height, kernel_width = weights.shape
    widths = ((anchor[0], kernel_height - 1 - anchor[0]),
              (anchor[1], kernel_width - 1 - anchor[1]))
    extra = {"constant_values": cval} if mode == "constant" else {}
    size = (fast_length(height + kernel_height - 1), fast_length(width + kernel_width - 1))
    # Correlation is convolution with the flipped kernel; with the transforms at least as
    # long as the extended image, the outputs read sit past the kernel's wrap-around. The
    # kernel's spectrum is taken along its few rows first (the padded rows are all zero).
    spectrum = np.fft.fft(np.fft.rfft(weights[::-1, ::-1], n=size[1], axis=1), n=size[0],
                          axis=0)
    result = np.empty(batch.shape, dtype)

    def one(index: int, channel: int) -> None:
        extended = np.pad(batch[index, :, :, channel].astype(np.float64), widths,
                          mode=_PAD_MODES[mode], **extra)
        product = np.fft.rfft2(extended, s=size, axes=(0, 1))
        product *= spectrum
        # back along the columns, then along only the rows that are kept
        product = np.fft.ifft(product, axis=0)[kernel_height - 1:kernel_height - 1 + height]
        result[index, :, :, channel] = finish(np.fft.irfft(product, n=size[1], axis=1)[
            :, kernel_width - 1:kernel_width - 1 + width])

    # One job per channel of each image: transforms of contiguous planes (a channels-last
    # batch of transforms took 1.3-1.6x the time per channel, 1080p RGB)
    jobs = [(index, channel) for index in range(batch.shape[0])
            for channel in range(batch.shape[3])]
    if threads > 1 and len(jobs) > 1:
        with ThreadPoolExecutor(min(threads, len(jobs))) as pool:
            list(pool.map(lambda job: one(*job), jobs))
    else:
        for job in jobs:
            one(*job)
    return result.reshape(image.shape)


# Kernels with fewer weights never pay on images of any size (direct: 0.03 ns a tap)
MIN_TAPS = 400

# The cost model of method='auto', in ns on this project's 2-core Zen 3 machine at one thread:
# the direct path per tap and sample (1080p, random 41x41 and 63x63: 0.024-0.030 with AVX2,
# 0.082 in the baseline module), and the FFT path per sample of its transforms and plane
# (1080p, 1152x2000 transforms: 98-124 ms gray, 341 ms RGB; the kernel's spectrum counts as
# half a plane).
DIRECT_NS_PER_TAP = {4: 0.03, 8: 0.06}  # by the accumulator's size: float32, float64
FFT_NS_PER_SAMPLE = 40.0


def pays(taps: int, shape: tuple, kernel_shape: tuple, accumulator_size: int,
         threads: int, baseline: bool) -> bool:
    """Whether the FFT path is expected to take at most 0.8x the direct path's time for an
    image of `shape` and a kernel of `taps` non-zero weights. `baseline`: the engine has no
    vector loops (its multiply-adds cost about three times as much)."""
    height, width = shape[-3:-1] if len(shape) == 4 else shape[:2]
    samples = math.prod(shape)
    images = samples // (height * width)  # batch images times channels
    direct = taps * samples * DIRECT_NS_PER_TAP[accumulator_size] * (3 if baseline else 1)
    direct /= max(1, min(threads, height))
    padded = (fast_length(height + kernel_shape[0] - 1)
              * fast_length(width + kernel_shape[1] - 1))
    # planes on more threads gained little: 1080p RGB 63x63, 2 threads 0.88-0.90x the time
    fft = padded * (images + 0.5) * FFT_NS_PER_SAMPLE / (1 + 0.2 * (min(threads, images) - 1))
    return fft <= 0.8 * direct
