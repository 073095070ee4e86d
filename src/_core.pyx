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


cdef inline void add_taps(acc_t *acc, const acc_t *row, const acc_t *weights,
                          Py_ssize_t taps, Py_ssize_t step, Py_ssize_t n) noexcept nogil:
    """acc[i] += sum_k weights[k] * row[k * step + i]  for i in [0, n).

    One pass over `acc` per tap: `acc` is one output row (tens of KiB), so it stays in cache,
    and both loads are unit-stride, which the compiler vectorises at each level's width.
    Zero weights are skipped, as in scipy.ndimage, so 0 * inf never makes a NaN.
    """
    cdef Py_ssize_t k, i
    cdef acc_t w
    cdef const acc_t *r
    for k in range(taps):
        w = weights[k]
        if w == 0:
            continue
        r = row + k * step
        for i in range(n):
            acc[i] += w * r[i]


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


cdef void correlate_block(const in_t *src, out_t *dst, const acc_t *kernel,
                          Py_ssize_t height, Py_ssize_t width, Py_ssize_t channels,
                          Py_ssize_t kernel_height, Py_ssize_t kernel_width,
                          Py_ssize_t anchor_y, Py_ssize_t anchor_x, int mode, acc_t cval,
                          const Py_ssize_t *column_source, Py_ssize_t y_start, Py_ssize_t y_stop,
                          acc_t *ring, acc_t *acc) noexcept nogil:
    """Output rows [y_start, y_stop) of one plane. `ring` holds kernel_height extended rows:
    virtual row v (source row v before the border mode is applied) lives in slot v mod
    kernel_height, so moving down one output row loads exactly one new row."""
    cdef Py_ssize_t row_len = width * channels
    cdef Py_ssize_t ext_len = (width + kernel_width - 1) * channels
    cdef Py_ssize_t y, v, ky, slot, source_row
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
        memset(acc, 0, row_len * sizeof(acc_t))
        for ky in range(kernel_height):
            slot = (y - anchor_y + ky) % kernel_height
            if slot < 0:
                slot += kernel_height
            add_taps(acc, ring + slot * ext_len, kernel + ky * kernel_width,
                     kernel_width, channels, row_len)
        store_row(acc, dst + y * row_len, row_len)


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
    cdef Py_ssize_t row_len = width * channels
    cdef Py_ssize_t ext_len = (width + kernel_width - 1) * channels
    cdef Py_ssize_t scratch_len = kernel_height * ext_len + row_len
    cdef Py_ssize_t p, unit, plane, y_start, y_stop, blocks_per_plane, rows_per_block, units
    cdef acc_t cval_acc = <acc_t> cval
    cdef Py_ssize_t *column_source = NULL
    cdef acc_t *scratch = NULL
    cdef acc_t *mine

    # Enough blocks for every thread to get one; fewer, longer blocks reload fewer ring rows.
    blocks_per_plane = min(height, max(1, (threads + planes - 1) // planes))
    rows_per_block = (height + blocks_per_plane - 1) // blocks_per_plane
    blocks_per_plane = (height + rows_per_block - 1) // rows_per_block
    units = planes * blocks_per_plane
    threads = <int> min(threads, units)

    column_source = <Py_ssize_t *> malloc((width + kernel_width - 1) * sizeof(Py_ssize_t))
    scratch = <acc_t *> malloc(threads * scratch_len * sizeof(acc_t))
    try:
        if column_source == NULL or scratch == NULL:
            raise MemoryError("cconv: not enough memory for the row buffers")
        for p in range(width + kernel_width - 1):
            column_source[p] = source_index(p - anchor_x, width, mode)
        with nogil:
            for unit in prange(units, schedule="static", num_threads=threads):
                plane = unit // blocks_per_plane
                y_start = (unit % blocks_per_plane) * rows_per_block
                y_stop = min(height, y_start + rows_per_block)
                mine = scratch + threadid() * scratch_len
                correlate_block(&image[plane, 0, 0], &out[plane, 0, 0], &kernel[0, 0],
                                height, width, channels, kernel_height, kernel_width,
                                anchor_y, anchor_x, mode, cval_acc, column_source,
                                y_start, y_stop, mine, mine + kernel_height * ext_len)
    finally:
        free(column_source)
        free(scratch)
