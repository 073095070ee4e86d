"""The compiled engine of cconv (module ``cconv._core``): private, call ``cconv.correlate``.

It takes buffers the Python layer has already validated (C-contiguous, native dtype) and plain
C scalars, and does no Python work inside its loops. Cython directives are set in one place,
CMakeLists.txt, together with the switch that turns bounds checks back on for debugging.

How a call runs:
- The image is a batch of N planes of H rows; each row is a flat run of W*C samples (pixels
  times channels, channels-last), so the inner loop is contiguous whatever C is.
- Each source row is converted once to the accumulator type and copied into a scratch row that
  is already extended left and right by the border mode (a precomputed column table), so the
  multiply-add loop has no border branch. A ring of kernel-height such rows slides down the
  image: every output row loads one new source row.
- Threads take contiguous blocks of output rows (OpenMP, static schedule), each with its own
  scratch; every output value is computed the same way whatever the thread count, so results
  are bit-identical for any number of threads. The GIL is released for the whole computation.
"""

from cython.parallel cimport prange, threadid
from libc.stdlib cimport malloc, free
from libc.stdint cimport int16_t, uint8_t, uint16_t
from libc.string cimport memset

cdef extern from "cpu_features.h" nogil:
    int CCONV_OPENMP
    int CCONV_LEVELS
    const char *cconv_level_names[]
    int cconv_cpu_runs_level(int level)

# Border modes, with scipy.ndimage's names. The Python layer validates names against this dict.
MODES = {"nearest": 0, "reflect": 1, "mirror": 2, "wrap": 3, "constant": 4}
cdef enum:
    NEAREST = 0
    REFLECT = 1
    MIRROR = 2
    WRAP = 3
    CONSTANT = 4

ctypedef fused in_t:
    uint8_t
    uint16_t
    int16_t
    float
    double

ctypedef fused out_t:
    uint8_t
    uint16_t
    int16_t
    float
    double

# The accumulator: float32 for speed where the Python layer decides its precision is enough
# (uint8 and float32 images), float64 otherwise. The kernel is passed in this type.
ctypedef fused acc_t:
    float
    double


def openmp_enabled():
    """True when the engine was compiled with OpenMP (threads > 1 then run in parallel)."""
    return bool(CCONV_OPENMP)


def cpu_levels():
    """Instruction-set levels this CPU can run, slowest first (the engine modules' suffixes).

    Safe to call from the baseline module on any x86-64 CPU: it is how cconv chooses which
    engine module to import.
    """
    return [cconv_level_names[level].decode()
            for level in range(CCONV_LEVELS) if cconv_cpu_runs_level(level)]


cdef inline Py_ssize_t source_index(Py_ssize_t i, Py_ssize_t n, int mode) noexcept nogil:
    """The index inside [0, n) that position i reads under `mode`; -1 means 'use cval'.

    Periodic formulas, so kernels much longer than the line extend repeatedly, as in scipy.
    """
    cdef Py_ssize_t period
    if 0 <= i < n:
        return i
    if mode == NEAREST:
        return 0 if i < 0 else n - 1
    if mode == WRAP:
        i = i % n
        return i + n if i < 0 else i
    if mode == REFLECT:  # d c b a | a b c d | d c b a
        period = 2 * n
        i = i % period
        if i < 0:
            i += period
        return period - 1 - i if i >= n else i
    if mode == MIRROR:  # d c b | a b c d | c b a; a single sample mirrors onto itself
        if n == 1:
            return 0
        period = 2 * n - 2
        i = i % period
        if i < 0:
            i += period
        return period - i if i >= n else i
    return -1


cdef inline void extend_row(const in_t *src, acc_t *ext, const Py_ssize_t *column_source,
                            Py_ssize_t width, Py_ssize_t channels, Py_ssize_t kernel_width,
                            Py_ssize_t anchor_x, acc_t cval) noexcept nogil:
    """Convert one source row into `ext`, extended by anchor_x pixels left and
    kernel_width - 1 - anchor_x pixels right; src NULL means a row made of cval only."""
    cdef Py_ssize_t i, p
    cdef Py_ssize_t ext_len = (width + kernel_width - 1) * channels
    cdef acc_t *interior = ext + anchor_x * channels
    if src == NULL:
        for i in range(ext_len):
            ext[i] = cval
        return
    for i in range(width * channels):
        interior[i] = <acc_t> src[i]
    for p in range(anchor_x):
        extend_pixel(src, ext + p * channels, column_source[p], channels, cval)
    for p in range(anchor_x + width, width + kernel_width - 1):
        extend_pixel(src, ext + p * channels, column_source[p], channels, cval)


cdef inline void extend_pixel(const in_t *src, acc_t *dst, Py_ssize_t column,
                              Py_ssize_t channels, acc_t cval) noexcept nogil:
    """One pixel of the border: source pixel `column`, or cval where column is -1."""
    cdef Py_ssize_t c
    for c in range(channels):
        dst[c] = cval if column < 0 else <acc_t> src[column * channels + c]


# Samples per chunk: one chunk of the accumulator and of the rows it reads stay in L1 cache.
cdef enum:
    CHUNK = 1024


cdef inline void accumulate_chunk(acc_t *acc, const acc_t **sources, const acc_t *weights,
                                  Py_ssize_t taps, Py_ssize_t start, Py_ssize_t n) noexcept nogil:
    """acc[i] = sum_t weights[t] * sources[t][start + i]  for i in [0, n).

    Four taps per pass over `acc` (one accumulator load and store per four multiply-adds); the
    first pass assigns, so no separate zeroing pass. All loads are unit-stride, which the
    compiler vectorises at each engine level's width. The order of the additions is fixed, so
    the result does not depend on the thread count.
    """
    cdef Py_ssize_t t, i, first = taps % 4 if taps % 4 else 4
    cdef const acc_t *p0
    cdef const acc_t *p1
    cdef const acc_t *p2
    cdef const acc_t *p3
    cdef acc_t w0, w1, w2, w3
    if taps == 0:
        memset(acc, 0, n * sizeof(acc_t))
        return
    p0 = sources[0] + start
    w0 = weights[0]
    if first == 1:
        for i in range(n):
            acc[i] = w0 * p0[i]
    elif first == 2:
        p1, w1 = sources[1] + start, weights[1]
        for i in range(n):
            acc[i] = w0 * p0[i] + w1 * p1[i]
    elif first == 3:
        p1, w1 = sources[1] + start, weights[1]
        p2, w2 = sources[2] + start, weights[2]
        for i in range(n):
            acc[i] = w0 * p0[i] + w1 * p1[i] + w2 * p2[i]
    else:
        p1, w1 = sources[1] + start, weights[1]
        p2, w2 = sources[2] + start, weights[2]
        p3, w3 = sources[3] + start, weights[3]
        for i in range(n):
            acc[i] = w0 * p0[i] + w1 * p1[i] + w2 * p2[i] + w3 * p3[i]
    for t in range(first, taps, 4):
        p0, w0 = sources[t] + start, weights[t]
        p1, w1 = sources[t + 1] + start, weights[t + 1]
        p2, w2 = sources[t + 2] + start, weights[t + 2]
        p3, w3 = sources[t + 3] + start, weights[t + 3]
        for i in range(n):
            acc[i] += w0 * p0[i] + w1 * p1[i] + w2 * p2[i] + w3 * p3[i]


cdef inline void store_row(const acc_t *acc, out_t *dst, Py_ssize_t n) noexcept nogil:
    """Write one accumulated row: floats as they are; integers rounded half to even and
    saturated to the type's range (NaN becomes the lowest value, as in OpenCV), never
    truncated or wrapped."""
    cdef Py_ssize_t i
    cdef acc_t v, lo, hi
    # Adding and subtracting 1.5 * 2**mantissa_bits rounds to the nearest integer, ties to even,
    # for |v| < 2**(mantissa_bits - 1): exact after the clamp, and it vectorises where rint()
    # is a libm call on baseline x86-64.
    cdef acc_t magic = 12582912.0 if acc_t is float else 6755399441055744.0
    if out_t is float or out_t is double:
        for i in range(n):
            dst[i] = <out_t> acc[i]
        return
    if out_t is uint8_t:
        lo, hi = 0, 255
    elif out_t is uint16_t:
        lo, hi = 0, 65535
    else:
        lo, hi = -32768, 32767
    for i in range(n):
        v = acc[i]
        v = v if v >= lo else lo  # written so that NaN fails the test and becomes lo
        v = v if v <= hi else hi
        dst[i] = <out_t> ((v + magic) - magic)


cdef void correlate_block(const in_t *src, out_t *dst, Py_ssize_t height, Py_ssize_t width,
                          Py_ssize_t channels, Py_ssize_t kernel_height, Py_ssize_t kernel_width,
                          Py_ssize_t anchor_y, Py_ssize_t anchor_x, int mode, acc_t cval,
                          const Py_ssize_t *column_source, const acc_t *weights,
                          const Py_ssize_t *tap_row, const Py_ssize_t *tap_offset,
                          Py_ssize_t taps, Py_ssize_t y_start, Py_ssize_t y_stop,
                          acc_t *ring, acc_t *acc, const acc_t **sources) noexcept nogil:
    """Output rows [y_start, y_stop) of one plane. `ring` holds kernel_height extended rows:
    virtual row v (source row v before the border mode is applied) lives in slot v mod
    kernel_height, so moving down one output row loads exactly one new row. Tap t reads ring
    row tap_row[t] (kernel row) at offset tap_offset[t] (kernel column times channels)."""
    cdef Py_ssize_t row_len = width * channels
    cdef Py_ssize_t ext_len = (width + kernel_width - 1) * channels
    cdef Py_ssize_t y, v, t, slot, source_row, start
    cdef const in_t *source
    for v in range(y_start - anchor_y, y_stop - anchor_y + kernel_height - 1):
        slot = v % kernel_height
        if slot < 0:
            slot += kernel_height
        source_row = source_index(v, height, mode)
        source = src + source_row * row_len if source_row >= 0 else NULL
        extend_row(source, ring + slot * ext_len, column_source, width, channels,
                   kernel_width, anchor_x, cval)
        y = v + anchor_y - kernel_height + 1  # the output row whose last kernel row is v
        if y < y_start:
            continue
        for t in range(taps):
            slot = (y - anchor_y + tap_row[t]) % kernel_height
            if slot < 0:
                slot += kernel_height
            sources[t] = ring + slot * ext_len + tap_offset[t]
        start = 0
        while start < row_len:
            accumulate_chunk(acc, sources, weights, taps, start, min(CHUNK, row_len - start))
            store_row(acc, dst + y * row_len + start, min(CHUNK, row_len - start))
            start += CHUNK


def correlate(const in_t[:, :, ::1] image, out_t[:, :, ::1] out, const acc_t[:, ::1] kernel,
              Py_ssize_t channels, Py_ssize_t anchor_y, Py_ssize_t anchor_x,
              int mode, double cval, int threads):
    """Correlate every plane of `image` (N, H, W*C) with `kernel` into `out` (N, H, W*C).

    The caller guarantees: N, H, W, C >= 1; out has image's shape and does not overlap it;
    0 <= anchor < kernel size on each axis; mode is a value of MODES; threads >= 1.
    """
    cdef Py_ssize_t planes = image.shape[0], height = image.shape[1]
    cdef Py_ssize_t width = image.shape[2] // channels
    cdef Py_ssize_t kernel_height = kernel.shape[0], kernel_width = kernel.shape[1]
    cdef Py_ssize_t ext_len = (width + kernel_width - 1) * channels
    cdef Py_ssize_t scratch_len = kernel_height * ext_len + CHUNK
    cdef Py_ssize_t p, ky, kx, taps, unit, plane, y_start, y_stop
    cdef Py_ssize_t blocks_per_plane, rows_per_block, units
    cdef acc_t cval_acc = <acc_t> cval
    cdef Py_ssize_t *column_source = NULL
    cdef Py_ssize_t *tap_row = NULL
    cdef Py_ssize_t *tap_offset = NULL
    cdef acc_t *weights = NULL
    cdef acc_t *scratch = NULL
    cdef const acc_t **sources = NULL
    cdef acc_t *mine

    # Enough blocks for every thread to get one; fewer, longer blocks reload fewer ring rows.
    blocks_per_plane = min(height, max(1, (threads + planes - 1) // planes))
    rows_per_block = (height + blocks_per_plane - 1) // blocks_per_plane
    blocks_per_plane = (height + rows_per_block - 1) // rows_per_block
    units = planes * blocks_per_plane
    threads = <int> min(threads, units)

    taps = kernel_height * kernel_width
    column_source = <Py_ssize_t *> malloc((width + kernel_width - 1) * sizeof(Py_ssize_t))
    tap_row = <Py_ssize_t *> malloc(taps * sizeof(Py_ssize_t))
    tap_offset = <Py_ssize_t *> malloc(taps * sizeof(Py_ssize_t))
    weights = <acc_t *> malloc(taps * sizeof(acc_t))
    scratch = <acc_t *> malloc(threads * scratch_len * sizeof(acc_t))
    sources = <const acc_t **> malloc(threads * taps * sizeof(acc_t *))
    try:
        if (column_source == NULL or tap_row == NULL or tap_offset == NULL or weights == NULL
                or scratch == NULL or sources == NULL):
            raise MemoryError("cconv: not enough memory for the row buffers")
        for p in range(width + kernel_width - 1):
            column_source[p] = source_index(p - anchor_x, width, mode)
        # Only non-zero taps are kept: fewer multiply-adds for sparse kernels, and zero weights
        # never meet infinite pixels (0 * inf would be NaN), as in scipy.ndimage.
        taps = 0
        for ky in range(kernel_height):
            for kx in range(kernel_width):
                if kernel[ky, kx] != 0:
                    tap_row[taps] = ky
                    tap_offset[taps] = kx * channels
                    weights[taps] = kernel[ky, kx]
                    taps += 1
        with nogil:
            for unit in prange(units, schedule="static", num_threads=threads):
                plane = unit // blocks_per_plane
                y_start = (unit % blocks_per_plane) * rows_per_block
                y_stop = min(height, y_start + rows_per_block)
                mine = scratch + threadid() * scratch_len
                correlate_block(&image[plane, 0, 0], &out[plane, 0, 0], height, width, channels,
                                kernel_height, kernel_width, anchor_y, anchor_x, mode, cval_acc,
                                column_source, weights, tap_row, tap_offset, taps,
                                y_start, y_stop, mine, mine + kernel_height * ext_len,
                                sources + threadid() * kernel_height * kernel_width)
    finally:
        free(column_source)
        free(tap_row)
        free(tap_offset)
        free(weights)
        free(scratch)
        free(sources)
