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
  image: every output row loads one new source row. (The separable path reads the image rows
  directly instead, column filter first, see separable_block; so does the box path on integer
  images, whose sums are exact integers, see integer_box_block; the direct path on uint8 images
  under small integer kernels keeps the samples as uint8 and sums exactly in int16, see
  integer_block.)
- Threads take contiguous blocks of output rows (OpenMP; the direct and separable paths cut
  each plane into several blocks per thread, handed to whichever thread is free), each with its
  own scratch; every output value is computed the same way whatever the thread count, so results
  are bit-identical for any number of threads. The GIL is released for the whole computation.
"""

from cython.parallel cimport prange, threadid
from libc.stdlib cimport malloc, free
from libc.math cimport INFINITY, fabs, floor, hypot, sqrt, sqrtf
from libc.stdint cimport int16_t, int32_t, uint8_t, uint16_t, uint32_t
from libc.string cimport memcpy, memset

cdef extern from "store_u8.h" nogil:
    Py_ssize_t cconv_store_u8(const float *acc, float offset, uint8_t *dst, Py_ssize_t n)
    Py_ssize_t cconv_store_scaled_u8(const uint32_t *sums, float weight, uint8_t *dst,
                                     Py_ssize_t n)

cdef extern from "column_pass.h" nogil:
    int CCONV_COLUMN_VECTOR
    enum: CCONV_COLUMN_GROUP
    void cconv_column_u8(float *out, const uint8_t **rows, const float *weights,
                         Py_ssize_t taps, Py_ssize_t start, Py_ssize_t n)
    void cconv_column_u8_group(float *const *outs, Py_ssize_t offset, Py_ssize_t count,
                               const uint8_t **rows, const float *weights, Py_ssize_t taps,
                               Py_ssize_t start, Py_ssize_t n)
    void cconv_column_f32(float *out, const float **rows, const float *weights,
                          Py_ssize_t taps, Py_ssize_t start, Py_ssize_t n)
    enum: CCONV_SYMMETRIC_MAX_TAPS
    void cconv_column_u8_symmetric(float *out, const uint8_t **rows, const float *weights,
                                   Py_ssize_t taps, Py_ssize_t start, Py_ssize_t n)
    void cconv_column_u8_group_symmetric(float *const *outs, Py_ssize_t offset,
                                         Py_ssize_t count, const uint8_t **rows,
                                         const float *weights, Py_ssize_t taps,
                                         Py_ssize_t start, Py_ssize_t n)
    void cconv_column_f32_group(float *const *outs, Py_ssize_t offset, Py_ssize_t count,
                                const float **rows, const float *weights, Py_ssize_t taps,
                                Py_ssize_t start, Py_ssize_t n)

cdef extern from "row_taps.h" nogil:
    void cconv_taps_u8(uint8_t *dst, const float **sources, const float *weights,
                       Py_ssize_t taps, float offset, Py_ssize_t n, bint stream,
                       const void *ahead, Py_ssize_t ahead_scale)
    void cconv_taps_f32(float *dst, const float **sources, const float *weights,
                        Py_ssize_t taps, float offset, Py_ssize_t n, bint stream,
                        const void *ahead, Py_ssize_t ahead_scale)
    enum: CCONV_TAPS_GROUP
    void cconv_taps_group_u8(uint8_t *const *dst, int count, const float **sources,
                             const float *weights, Py_ssize_t taps, const Py_ssize_t *cut,
                             float offset, Py_ssize_t n, bint stream,
                             const void *const *ahead, Py_ssize_t ahead_scale)
    void cconv_taps_group_f32(float *const *dst, int count, const float **sources,
                              const float *weights, Py_ssize_t taps, const Py_ssize_t *cut,
                              float offset, Py_ssize_t n, bint stream,
                              const void *const *ahead, Py_ssize_t ahead_scale)
    void cconv_group_spans(Py_ssize_t *cut, int group, const float *weights, Py_ssize_t taps)
    void cconv_store_fence()

cdef extern from "integer_taps.h" nogil:
    enum: CCONV_INT_SUM_LIMIT
    void cconv_int_taps_u8(uint8_t *dst, const uint8_t **sources, const int16_t *weights,
                           Py_ssize_t plus, Py_ssize_t minus, Py_ssize_t taps,
                           int16_t offset, Py_ssize_t n)

cdef extern from "window_sums.h" nogil:
    int CCONV_BOX_ROW
    int CCONV_BOX_CHANNELS
    void cconv_window_sums_u32(const uint32_t *x, uint32_t *out, Py_ssize_t n, Py_ssize_t k,
                               Py_ssize_t stride)
    Py_ssize_t cconv_update_sums_u8(uint32_t *sums, const uint8_t *entering,
                                    const uint8_t *leaving, Py_ssize_t n)
    bint cconv_update_sums_f32(float *sums, const float *entering, const float *leaving,
                               Py_ssize_t n)
    void cconv_box_row_f32(const float *x, float *out, Py_ssize_t n, Py_ssize_t k,
                           Py_ssize_t stride, float weight, bint stream, const void *ahead,
                           Py_ssize_t ahead_bytes)

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

# The box path's running sums: exact uint32 for integer images (wrapping), else the accumulator.
ctypedef fused sum_t:
    uint32_t
    float
    double

# The extended rows whose borders extend_border fills: the box path's column sums, the integer
# direct path's uint8 rows.
ctypedef fused row_t:
    uint8_t
    uint32_t
    float
    double

# What a multiply-add pass reads: image rows (converted as they are read) or scratch rows.
ctypedef fused src_t:
    uint8_t
    uint16_t
    int16_t
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
                            Py_ssize_t anchor_x, acc_t cval, bint edges_only) noexcept nogil:
    """Convert one source row into `ext`, extended by anchor_x pixels left and
    kernel_width - 1 - anchor_x pixels right; src NULL means a row made of cval only.
    edges_only (width >= kernel_width): only the borders and the kernel_width - 1 pixels next
    to each, all that the outputs within reach of a border read (see direct_block)."""
    cdef Py_ssize_t i, p
    cdef Py_ssize_t ext_len = (width + kernel_width - 1) * channels
    cdef Py_ssize_t near = (kernel_width - 1) * channels, row_len = width * channels
    cdef acc_t *interior = ext + anchor_x * channels
    if src == NULL:
        for i in range(ext_len):
            ext[i] = cval
        return
    if edges_only:
        for i in range(near):
            interior[i] = <acc_t> src[i]
            interior[row_len - near + i] = <acc_t> src[row_len - near + i]
    else:
        for i in range(row_len):
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
# The separable path's column pass goes down the image a chunk at a time and restarts for the
# next one: longer runs along each row (a 1080p RGB row is one chunk) were measured faster,
# though its filtered chunks then live in L2 (1080p RGB, 1 thread: 5x5 Gaussian uint8 2.3 to
# 2.0 ms, float32 3.8 to 2.5; 15x15 uint8 6.3 to 5.6 ms, against 1024 samples). 16384 rather
# than 8192, so that a 2160p RGB row (11520 samples) is one chunk too: 2160p RGB uint8, 5x5
# Gaussian, engine A/B, 0.92-0.97x the time at one thread, 0.97-1.01x at two.
cdef enum:
    CHUNK = 1024
    SEPARABLE_CHUNK = 16384
    BLOCKS_PER_THREAD = 8


cdef inline void accumulate_chunk(acc_t *acc, const src_t **sources, const acc_t *weights,
                                  Py_ssize_t taps, Py_ssize_t start, Py_ssize_t n) noexcept nogil:
    """acc[i] = sum_t weights[t] * sources[t][start + i]  for i in [0, n).

    Up to eight taps per pass over `acc` (one accumulator load and store per eight
    multiply-adds); the first pass assigns, so no separate zeroing pass. All loads are
    unit-stride, which the compiler vectorises at each engine level's width. The order of the
    additions is fixed, so the result does not depend on the thread count.
    """
    cdef Py_ssize_t t = 0
    if taps == 0:
        memset(acc, 0, n * sizeof(acc_t))
        return
    while t < taps:
        tap_pass(acc, sources + t, weights + t, min(8, taps - t), start, n, t == 0)
        t += 8


cdef inline void tap_pass(acc_t *acc, const src_t **sources, const acc_t *weights,
                          Py_ssize_t taps, Py_ssize_t start, Py_ssize_t n,
                          bint first) noexcept nogil:
    """One pass of 1 to 8 taps: acc[i] = (0 if first else acc[i]) + their sum. One loop per tap
    count, so each is a straight vectorised loop with the weights in registers (the compiler
    hoists the test of `first` out of the loop)."""
    cdef Py_ssize_t i
    cdef acc_t s
    cdef const src_t *p0 = sources[0] + start
    cdef const src_t *p1 = sources[min(1, taps - 1)] + start
    cdef const src_t *p2 = sources[min(2, taps - 1)] + start
    cdef const src_t *p3 = sources[min(3, taps - 1)] + start
    cdef const src_t *p4 = sources[min(4, taps - 1)] + start
    cdef const src_t *p5 = sources[min(5, taps - 1)] + start
    cdef const src_t *p6 = sources[min(6, taps - 1)] + start
    cdef const src_t *p7 = sources[min(7, taps - 1)] + start
    cdef acc_t w0 = weights[0], w1 = weights[min(1, taps - 1)]
    cdef acc_t w2 = weights[min(2, taps - 1)], w3 = weights[min(3, taps - 1)]
    cdef acc_t w4 = weights[min(4, taps - 1)], w5 = weights[min(5, taps - 1)]
    cdef acc_t w6 = weights[min(6, taps - 1)], w7 = weights[min(7, taps - 1)]
    if taps == 1:
        for i in range(n):
            s = w0 * p0[i]
            acc[i] = s if first else acc[i] + s
    elif taps == 2:
        for i in range(n):
            s = w0 * p0[i] + w1 * p1[i]
            acc[i] = s if first else acc[i] + s
    elif taps == 3:
        for i in range(n):
            s = w0 * p0[i] + w1 * p1[i] + w2 * p2[i]
            acc[i] = s if first else acc[i] + s
    elif taps == 4:
        for i in range(n):
            s = w0 * p0[i] + w1 * p1[i] + w2 * p2[i] + w3 * p3[i]
            acc[i] = s if first else acc[i] + s
    elif taps == 5:
        for i in range(n):
            s = w0 * p0[i] + w1 * p1[i] + w2 * p2[i] + w3 * p3[i] + w4 * p4[i]
            acc[i] = s if first else acc[i] + s
    elif taps == 6:
        for i in range(n):
            s = w0 * p0[i] + w1 * p1[i] + w2 * p2[i] + w3 * p3[i] + w4 * p4[i] + w5 * p5[i]
            acc[i] = s if first else acc[i] + s
    elif taps == 7:
        for i in range(n):
            s = (w0 * p0[i] + w1 * p1[i] + w2 * p2[i] + w3 * p3[i] + w4 * p4[i] + w5 * p5[i]
                 + w6 * p6[i])
            acc[i] = s if first else acc[i] + s
    else:
        for i in range(n):
            s = (w0 * p0[i] + w1 * p1[i] + w2 * p2[i] + w3 * p3[i] + w4 * p4[i] + w5 * p5[i]
                 + w6 * p6[i] + w7 * p7[i])
            acc[i] = s if first else acc[i] + s


cdef inline void store_row(const acc_t *acc, acc_t offset, out_t *dst,
                           Py_ssize_t n) noexcept nogil:
    """Write one accumulated row plus `offset`: floats as they are; integers rounded half to
    even and saturated to the type's range (NaN becomes the lowest value, as in OpenCV), never
    truncated or wrapped."""
    cdef Py_ssize_t i = 0
    cdef acc_t v, lo, hi
    # Adding and subtracting 1.5 * 2**mantissa_bits rounds to the nearest integer, ties to even,
    # for |v| < 2**(mantissa_bits - 1): exact after the clamp, and it vectorises where rint()
    # is a libm call on baseline x86-64.
    cdef acc_t magic = 12582912.0 if acc_t is float else 6755399441055744.0
    if out_t is float or out_t is double:
        if offset == 0:  # (adding 0 would turn -0 into +0)
            for i in range(n):
                dst[i] = <out_t> acc[i]
        else:
            for i in range(n):
                dst[i] = <out_t> (acc[i] + offset)
        return
    if out_t is uint8_t and acc_t is float:
        i = cconv_store_u8(acc, offset, dst, n)  # the vector part, in the AVX2 and AVX-512 modules
    if out_t is uint8_t:
        lo, hi = 0, 255
    elif out_t is uint16_t:
        lo, hi = 0, 65535
    else:
        lo, hi = -32768, 32767
    for i in range(i, n):
        v = acc[i] + offset
        v = v if v > lo else lo  # NaN fails the test and becomes lo
        v = v if v < hi else hi
        dst[i] = <out_t> ((v + magic) - magic)


cdef inline void window_sum(acc_t *x, acc_t *out, Py_ssize_t n, Py_ssize_t k,
                            Py_ssize_t stride) noexcept nogil:
    """out[i] = sum_{j < k} x[i + j * stride] for i in [0, n); x holds n + (k - 1) * stride
    samples and is overwritten.

    A running sum along the row would be one long dependency chain; instead x is turned in
    place into sums of 1, 2, 4, ... consecutive samples (each pass a plain vectorised add), and
    the window is the sum of the pieces for the set bits of k: O(log k) passes, no subtraction
    (so no cancellation, and a NaN or infinity stays inside its own windows).
    """
    cdef Py_ssize_t i, m = 1, covered = 0, length = n + (k - 1) * stride
    cdef const acc_t *piece
    while True:
        if k & m:  # add the sums of m samples that start `covered` samples into the window
            piece = x + covered * stride
            for i in range(n):
                out[i] = piece[i] if covered == 0 else out[i] + piece[i]
            covered += m
        if 2 * m > k:
            return
        length -= m * stride  # x[i] becomes the sum of 2m samples from i
        for i in range(length):
            x[i] = x[i] + x[i + m * stride]
        m *= 2


cdef inline bint all_finite(const acc_t *x, Py_ssize_t n) noexcept nogil:
    """True when x[0:n] holds no NaN or infinity (x - x is 0 exactly for finite x)."""
    cdef Py_ssize_t i
    cdef int bad = 0
    for i in range(n):
        bad |= (x[i] - x[i]) != 0
    return not bad


cdef inline Py_ssize_t ring_slot(Py_ssize_t v, Py_ssize_t size) noexcept nogil:
    """The slot of virtual row v in a ring of `size` rows."""
    v = v % size
    return v + size if v < 0 else v


cdef inline void load_row(const in_t *src, acc_t *ext, Py_ssize_t v, Py_ssize_t height,
                          Py_ssize_t width, Py_ssize_t channels, Py_ssize_t kernel_width,
                          Py_ssize_t anchor_x, int mode, acc_t cval,
                          const Py_ssize_t *column_source, bint edges_only) noexcept nogil:
    """Virtual row v of the plane (row index before the border mode), border-extended into ext
    (only near the borders if edges_only, see extend_row)."""
    cdef Py_ssize_t source_row = source_index(v, height, mode)
    extend_row(src + source_row * width * channels if source_row >= 0 else <const in_t *> NULL,
               ext, column_source, width, channels, kernel_width, anchor_x, cval, edges_only)


cdef inline void accumulate_and_store(const acc_t **sources, const acc_t *weights,
                                      Py_ssize_t taps, acc_t offset, acc_t *acc, out_t *dst,
                                      Py_ssize_t n, bint stream, const void *ahead,
                                      Py_ssize_t ahead_scale) noexcept nogil:
    """One output row of n samples plus `offset`, a chunk at a time, each stored while it is
    in L1 cache.
    When the output has the accumulator's type, the chunks accumulate in the output itself.
    float32 accumulators stored as uint8 or float32 take row_taps.h's one-pass loops in the
    AVX2 and AVX-512 modules, which `stream` the stores to memory and prefetch the row `ahead`
    (see there); the other loops ignore both."""
    cdef Py_ssize_t start = 0, i
    if acc_t is float and out_t is uint8_t and CCONV_COLUMN_VECTOR:
        cconv_taps_u8(dst, sources, weights, taps, offset, n, stream, ahead, ahead_scale)
        return
    if acc_t is float and out_t is float and CCONV_COLUMN_VECTOR:
        cconv_taps_f32(dst, sources, weights, taps, offset, n, stream, ahead, ahead_scale)
        return
    if (out_t is float and acc_t is float) or (out_t is double and acc_t is double):
        while start < n:
            accumulate_chunk(<acc_t *> dst + start, sources, weights, taps, start,
                             min(CHUNK, n - start))
            if offset != 0:
                for i in range(start, min(start + CHUNK, n)):
                    dst[i] = <out_t> (dst[i] + offset)
            start += CHUNK
        return
    while start < n:
        accumulate_chunk(acc, sources, weights, taps, start, min(CHUNK, n - start))
        store_row(acc, offset, dst + start, min(CHUNK, n - start))
        start += CHUNK


# The direct paths read rows of at least this many samples in place (direct_block,
# integer_block); shorter rows are copied whole into the ring and taken in one part. In place,
# a row is three parts, and the two near the borders are short, costly next to a short row:
# engine A/B, uint8 sharpen (integer path), 1 thread: 64x64 RGB 0.71-0.73x the time, 64x64 gray
# 0.59x, 256x256 RGB (768 samples a row) 0.75x; 640 RGB pixels (1920) 0.93x; rows of 2880 and
# 3840 samples 1.06-1.11x, 1080p RGB 1.22x.
cdef enum:
    IN_PLACE_MIN_ROW = 2048
IN_PLACE_ROW = IN_PLACE_MIN_ROW  # for the tests, which cover rows on both sides of it


cdef inline bint reads_in_place(Py_ssize_t width, Py_ssize_t kernel_width,
                                Py_ssize_t row_len) noexcept nogil:
    """Whether a direct path reads the image's rows in place (see IN_PLACE_MIN_ROW); rows
    narrower than the kernel have no interior to read so."""
    return width >= kernel_width and row_len >= IN_PLACE_MIN_ROW


cdef inline Py_ssize_t padded(Py_ssize_t n) noexcept nogil:
    """n rounded up to a multiple of 16 samples: a whole number of 64-byte cache lines."""
    return (n + 15) // 16 * 16


cdef void direct_block(const in_t *src, out_t *dst, Py_ssize_t height, Py_ssize_t width,
                       Py_ssize_t channels, Py_ssize_t kernel_height, Py_ssize_t kernel_width,
                       Py_ssize_t anchor_y, Py_ssize_t anchor_x, int mode, acc_t cval,
                       const Py_ssize_t *column_source, const acc_t *weights,
                       const Py_ssize_t *tap_row, const Py_ssize_t *tap_offset, Py_ssize_t taps,
                       const acc_t *group_weights, const Py_ssize_t *group_row,
                       const Py_ssize_t *group_offset, Py_ssize_t group_taps, Py_ssize_t group,
                       const Py_ssize_t *group_cut, bint check_finite, acc_t offset,
                       Py_ssize_t y_start, Py_ssize_t y_stop, acc_t *ring,
                       Py_ssize_t ring_stride, acc_t *acc, const acc_t **sources,
                       bint stream) noexcept nogil:
    """The direct path, output rows [y_start, y_stop) of one plane, `group` rows at a time.

    `ring` holds kernel_height + group - 1 extended rows, ring_stride apart: virtual row v
    lives in slot v mod that, so moving down a group loads exactly `group` new rows (float
    images: their borders; see in_place below). `sources` has room for the taps' rows, then
    for a pointer per row under a group.
    One row: tap t reads ring row tap_row[t] (kernel row) at offset tap_offset[t] (kernel column
    times channels), weight weights[t]; only non-zero weights are listed. A group (group > 1,
    row_taps.h's loops): group tap t reads the rows under the group at group_row[t],
    group_offset[t], with group_weights[t * group + g] for the group's row g, some of them 0
    (see correlate); group_cut: the spans of those taps that each row is multiplied over
    (row_taps.h). A zero weight times a finite sample adds exactly nothing, but times an
    infinity it is NaN where scipy (and the one-row taps) skip it: so where check_finite is set
    and a row under the group holds NaN or infinity, its rows are computed one at a time.
    """
    cdef Py_ssize_t row_len = width * channels, ext_len = (width + kernel_width - 1) * channels
    cdef Py_ssize_t ring_rows = kernel_height + group - 1
    cdef Py_ssize_t last_row = y_stop - anchor_y + kernel_height - 2  # the last virtual row read
    cdef Py_ssize_t y = y_start, v = y_start - anchor_y, t, g, r, count, first, last
    cdef Py_ssize_t nonfinite = v - 1  # the last row loaded that holds NaN or infinity, if any
    # An image already of the accumulator's type is read in place, not copied into the ring:
    # only the outputs in reach of a border (before `left`, from `right` on) read extended rows,
    # of which only the parts near the borders are loaded. The copy was 18% of a float32 3x3's
    # profile. Engine A/B, 1080p RGB float32, 1 thread: random 3x3 0.85-0.86x the time,
    # sharpen 0.74 (2 threads 0.93 and 0.80), random 5x5 and 7x7 0.90-0.92, 15x15 1.00-1.05.
    cdef bint in_place = ((in_t is float and acc_t is float or in_t is double and acc_t is double)
                          and reads_in_place(width, kernel_width, row_len))
    cdef Py_ssize_t left = anchor_x * channels
    cdef Py_ssize_t right = (width - kernel_width + 1 + anchor_x) * channels
    cdef Py_ssize_t near = (kernel_width - 1) * channels
    cdef Py_ssize_t part, parts = 3 if in_place else 1
    cdef Py_ssize_t part_start[3]
    cdef Py_ssize_t part_stop[3]
    cdef Py_ssize_t start, n
    cdef bint loaded_in_place, finite
    cdef acc_t *row
    cdef const in_t *image_row
    cdef const acc_t **bases = sources + max(taps, group_taps)  # per row under the group
    cdef out_t *outs[CCONV_TAPS_GROUP]
    cdef const void *ahead[CCONV_TAPS_GROUP]
    cdef const void *ahead_part[CCONV_TAPS_GROUP]
    part_start[0], part_stop[0] = 0, (left if in_place else row_len)
    part_start[1], part_stop[1] = left, right  # in_place: read from the image
    part_start[2], part_stop[2] = right, row_len
    while y < y_stop:
        count = min(group, y_stop - y)
        first = y - anchor_y  # the rows under the group
        last = first + kernel_height + count - 2
        while v <= last:
            row = ring + ring_slot(v, ring_rows) * ring_stride
            loaded_in_place = in_place and source_index(v, height, mode) >= 0
            load_row(src, row, v, height, width, channels, kernel_width, anchor_x, mode, cval,
                     column_source, loaded_in_place)
            if group > 1 and check_finite:
                if loaded_in_place:
                    finite = (all_finite(<const acc_t *> source_row(src, v, height, row_len, mode),
                                         row_len)
                              and all_finite(row, left + near)
                              and all_finite(row + right, ext_len - right))
                else:
                    finite = all_finite(row, ext_len)
                if not finite:
                    nonfinite = v
            v += 1
        for g in range(group):  # the next rows to load are prefetched meanwhile
            ahead[g] = source_row(src, v + g, height, row_len, mode) if v + g <= last_row else NULL
        for part in range(parts):
            start, n = part_start[part], part_stop[part] - part_start[part]
            if n == 0:
                continue
            # Where output sample `start` reads (tap offset 0) each row under the group; a
            # group short of rows (the block's end) computes its missing rows from the last
            # loaded one and drops them.
            for r in range(ring_rows):
                image_row = (source_row(src, min(first + r, last), height, row_len, mode)
                             if part == 1 else NULL)
                if image_row != NULL:
                    bases[r] = <const acc_t *> image_row + (start - left)
                else:
                    bases[r] = (ring + ring_slot(min(first + r, last), ring_rows) * ring_stride
                                + start)
            for g in range(group):
                ahead_part[g] = (<const in_t *> ahead[g] + start) if ahead[g] != NULL else NULL
            if group > 1 and nonfinite < first:
                for t in range(group_taps):
                    sources[t] = bases[group_row[t]] + group_offset[t]
                for g in range(group):
                    outs[g] = dst + (y + min(g, count - 1)) * row_len + start
                if acc_t is float and out_t is uint8_t:
                    cconv_taps_group_u8(outs, count, sources, group_weights, group_taps,
                                        group_cut, offset, n, stream, ahead_part, sizeof(in_t))
                elif acc_t is float and out_t is float:
                    cconv_taps_group_f32(outs, count, sources, group_weights, group_taps,
                                         group_cut, offset, n, stream, ahead_part,
                                         sizeof(in_t))
            else:
                for g in range(count):
                    for t in range(taps):
                        sources[t] = bases[g + tap_row[t]] + tap_offset[t]
                    accumulate_and_store(sources, weights, taps, offset, acc,
                                         dst + (y + g) * row_len + start, n, stream,
                                         ahead_part[0] if g == count - 1 else NULL, sizeof(in_t))
        y += count


cdef inline void column_pass(acc_t *out, const in_t **rows, const acc_t *weights,
                             Py_ssize_t taps, acc_t outside, Py_ssize_t start,
                             Py_ssize_t n, bint symmetric) noexcept nogil:
    """out[i] = sum_t weights[t] * rows[t][start + i] + outside, for i in [0, n): the column
    filter read straight from the image rows (converted as they are loaded). `outside` is the
    part of the rows of cval outside the image (constant mode), 0 otherwise. `symmetric`: the
    rows and weights qualify for column_pass.h's symmetric loop (see separable_block)."""
    cdef Py_ssize_t i
    if in_t is uint8_t and acc_t is float and CCONV_COLUMN_VECTOR and symmetric:
        cconv_column_u8_symmetric(out, rows, weights, taps, start, n)
    elif in_t is uint8_t and acc_t is float and CCONV_COLUMN_VECTOR:
        cconv_column_u8(out, rows, weights, taps, start, n)
    elif in_t is float and acc_t is float and CCONV_COLUMN_VECTOR:
        cconv_column_f32(out, rows, weights, taps, start, n)
    else:
        accumulate_chunk(out, rows, weights, taps, start, n)
    if outside != 0:  # NaN != 0 too: a NaN cval makes every such output NaN
        for i in range(n):
            out[i] += outside


cdef inline void fill_borders(acc_t *filtered, Py_ssize_t start, Py_ssize_t j1, Py_ssize_t j2,
                              Py_ssize_t m, const in_t **rows, const acc_t *weights,
                              Py_ssize_t taps, acc_t outside, acc_t cval_column,
                              const Py_ssize_t *column_source, Py_ssize_t channels,
                              Py_ssize_t left, bint symmetric) noexcept nogil:
    """The border samples of a filtered chunk (filtered[j] is sample start + j of the extended
    row; [0, j1) lies left of the image, [j2, m) right of it), once the column filter has run
    over [j1, j2): each is the column filter of the image sample it repeats, or `cval_column`
    for a column of cval. Where that sample is in [j1, j2) (always for a row of one chunk) it
    is copied: the same operations gave it the same value (column_pass.h). A short filter per
    border pixel instead, as before, took about 7% of a 1080p gray 5x5 Gaussian at 1 thread,
    in calls and loop setup."""
    cdef Py_ssize_t j
    for j in range(j1):
        border_sample(filtered, j, start, j1, j2, rows, weights, taps, outside, cval_column,
                      column_source, channels, left, symmetric)
    for j in range(j2, m):
        border_sample(filtered, j, start, j1, j2, rows, weights, taps, outside, cval_column,
                      column_source, channels, left, symmetric)


cdef inline void border_sample(acc_t *filtered, Py_ssize_t j, Py_ssize_t start, Py_ssize_t j1,
                               Py_ssize_t j2, const in_t **rows, const acc_t *weights,
                               Py_ssize_t taps, acc_t outside, acc_t cval_column,
                               const Py_ssize_t *column_source, Py_ssize_t channels,
                               Py_ssize_t left, bint symmetric) noexcept nogil:
    """filtered[j], a border sample, as fill_borders describes."""
    cdef Py_ssize_t e = start + j
    cdef Py_ssize_t source = column_source[e // channels]
    cdef Py_ssize_t at = source * channels + e % channels + left - start  # the sample repeated
    if source < 0:
        filtered[j] = cval_column
    elif j1 <= at < j2:
        filtered[j] = filtered[at]
    else:
        column_pass(filtered + j, rows, weights, taps, outside, at + start - left, 1, symmetric)


cdef inline const in_t *chunk_of(const in_t *row, Py_ssize_t start) noexcept nogil:
    """row + start, or NULL for a NULL row."""
    return row + start if row != NULL else NULL


cdef inline void row_filter_and_store(const acc_t *filtered, const acc_t *row_weights,
                                      const Py_ssize_t *row_offset, Py_ssize_t row_taps,
                                      const in_t *centre, acc_t *converted, acc_t offset,
                                      acc_t *acc, out_t *dst, Py_ssize_t n,
                                      const acc_t **sources, bint stream,
                                      const in_t *ahead) noexcept nogil:
    """The row filter along a filtered chunk (in L1 cache), stored into dst[0:n]; `ahead`
    (or NULL): n image samples to prefetch meanwhile. `centre` (or NULL): the image samples
    under the outputs, one more tap of weight row_weights[row_taps] (an unsharp mask's
    kernel is separable but for its centre), read in place or from `converted` when they are
    not of the accumulator's type."""
    cdef Py_ssize_t t, i
    for t in range(row_taps):
        sources[t] = filtered + row_offset[t]
    if centre != NULL:
        if (in_t is float and acc_t is float) or (in_t is double and acc_t is double):
            sources[row_taps] = <const acc_t *> centre
        else:
            for i in range(n):
                converted[i] = <acc_t> centre[i]
            sources[row_taps] = converted
    accumulate_and_store(sources, row_weights, row_taps + (centre != NULL), offset, acc, dst,
                         n, stream, ahead, sizeof(in_t))


cdef void separable_block(const in_t *src, out_t *dst, Py_ssize_t height, Py_ssize_t width,
                          Py_ssize_t channels, Py_ssize_t kernel_height, Py_ssize_t kernel_width,
                          Py_ssize_t anchor_y, Py_ssize_t anchor_x, int mode, acc_t cval,
                          const Py_ssize_t *column_source,
                          const acc_t *row_weights, const Py_ssize_t *row_offset,
                          Py_ssize_t row_taps, const acc_t *column_weights,
                          const Py_ssize_t *column_row, Py_ssize_t column_taps,
                          bint centred, acc_t offset, Py_ssize_t y_start, Py_ssize_t y_stop,
                          acc_t *scratch,
                          const in_t **rows, const acc_t **sources,
                          bint stream) noexcept nogil:
    """The separable path (kernel = column x row), column filter first. For each chunk of an
    output row the column filter runs down the image rows under the kernel, read straight from
    the image (no conversion pass, no ring of rows), into `filtered`: the chunk's part of the
    output row's column-filtered, border-extended row. The row filter then runs along it, in
    cache (L1 or L2: chunks of up to SEPARABLE_CHUNK samples), and the chunk is stored:
    kh + kw multiply-adds per sample instead of kh * kw. (Both passes in one loop, the row
    filter 32 samples behind the column filter, so that one's loads overlap the other's
    arithmetic, was 5-20% slower in a microbenchmark: uint8, AVX2, 5 and 15 taps.)

    uint8 and float32 images in the AVX2/AVX-512 modules take up to CCONV_COLUMN_GROUP output
    rows at a time where the column taps are kernel_height consecutive image rows, all inside
    the image (column_pass.h): each row is loaded and converted once for all of them. Every
    sample is computed by the same operations whatever its group, so results do not depend on
    how rows are split between threads.

    `centred`: the kernel also has row_weights[row_taps] at its anchor (see
    row_filter_and_store)."""
    cdef Py_ssize_t row_len = width * channels
    cdef Py_ssize_t left = anchor_x * channels, halo = (kernel_width - 1) * channels
    cdef Py_ssize_t chunk = min(<Py_ssize_t> SEPARABLE_CHUNK, row_len)
    cdef Py_ssize_t y, t, g, group, live, start, n, m, j1, j2
    cdef bint symmetric
    # Per output row of a group: its filtered chunk (with halo), and the image row to prefetch
    # while its row filter runs (one of the next group's new rows).
    cdef acc_t *filtered[CCONV_COLUMN_GROUP]
    cdef const in_t *ahead[CCONV_COLUMN_GROUP]
    cdef acc_t *acc = scratch
    cdef acc_t *live_weights = acc + CHUNK
    cdef const in_t *row
    cdef acc_t outside, cval_column = 0
    cdef bint groups = ((in_t is uint8_t or in_t is float) and acc_t is float
                        and CCONV_COLUMN_VECTOR and column_taps == kernel_height
                        and kernel_height > 1)
    for g in range(CCONV_COLUMN_GROUP):
        filtered[g] = live_weights + padded(kernel_height) + g * padded(chunk + halo)
    cdef acc_t *converted = filtered[0] + CCONV_COLUMN_GROUP * padded(chunk + halo)
    for t in range(column_taps):  # the column filter of a column made of cval
        cval_column += column_weights[t] * cval
    # uint8 under symmetric column weights: pairs of rows are added first (column_pass.h),
    # wherever all the rows under the kernel are inside the image, grouped or not, so that
    # results still do not depend on the split between threads.
    symmetric = (in_t is uint8_t and groups and kernel_height % 2 == 1
                 and kernel_height <= CCONV_SYMMETRIC_MAX_TAPS)
    for t in range(column_taps):
        symmetric = symmetric and column_weights[t] == column_weights[column_taps - 1 - t]
    y = y_start
    while y < y_stop:
        group = min(<Py_ssize_t> CCONV_COLUMN_GROUP, y_stop - y) if groups else 1
        if group > 1:  # the rows under the group's output rows, all inside the image?
            for t in range(kernel_height + group - 1):
                rows[t] = source_row(src, y - anchor_y + t, height, row_len, mode)
                if rows[t] == NULL:
                    group = 1
                    break
        if group > 1:
            for g in range(group):
                # The next group's new rows, prefetched chunk by chunk while this group's row
                # filters run, so that its column pass does not wait for memory.
                ahead[g] = NULL
                if y + group < y_stop:
                    ahead[g] = source_row(src, y - anchor_y + kernel_height - 1 + group + g,
                                          height, row_len, mode)
        else:  # the rows under the column taps; those outside the image (constant) are cval
            live = 0
            outside = 0
            for t in range(column_taps):
                row = source_row(src, y - anchor_y + column_row[t], height, row_len, mode)
                if row == NULL:
                    outside += column_weights[t] * cval
                else:
                    rows[live] = row
                    live_weights[live] = column_weights[t]
                    live += 1
        start = 0
        while start < row_len:
            n = min(chunk, row_len - start)
            m = n + halo  # the chunk and its halo: [0, j1) left edge, [j1, j2) image, [j2, m)
            j1 = min(max(left - start, 0), m)
            j2 = min(max(left + row_len - start, 0), m)
            if group > 1:
                if in_t is uint8_t and acc_t is float and symmetric:
                    cconv_column_u8_group_symmetric(<float *const *> filtered, j1, group, rows,
                                                    column_weights, kernel_height,
                                                    start + j1 - left, j2 - j1)
                elif in_t is uint8_t and acc_t is float:
                    cconv_column_u8_group(<float *const *> filtered, j1, group, rows,
                                          column_weights, kernel_height, start + j1 - left,
                                          j2 - j1)
                elif in_t is float and acc_t is float:
                    cconv_column_f32_group(<float *const *> filtered, j1, group, rows,
                                           column_weights, kernel_height, start + j1 - left,
                                           j2 - j1)
                for g in range(group):
                    fill_borders(filtered[g], start, j1, j2, m, rows + g, column_weights,
                                 column_taps, 0, cval_column, column_source, channels, left,
                                 symmetric)
                    row_filter_and_store(filtered[g], row_weights, row_offset, row_taps,
                                         chunk_of(source_row(src, y + g, height, row_len, mode),
                                                  start) if centred else NULL,
                                         converted, offset, acc,
                                         dst + (y + g) * row_len + start, n, sources, stream,
                                         chunk_of(ahead[g], start))
            else:
                column_pass(filtered[0] + j1, rows, live_weights, live, outside,
                            start + j1 - left, j2 - j1, symmetric and live == column_taps)
                fill_borders(filtered[0], start, j1, j2, m, rows, live_weights, live, outside,
                             cval_column, column_source, channels, left,
                             symmetric and live == column_taps)
                row_filter_and_store(filtered[0], row_weights, row_offset, row_taps,
                                     chunk_of(source_row(src, y, height, row_len, mode), start)
                                     if centred else NULL, converted, offset, acc,
                                     dst + y * row_len + start, n, sources, stream,
                                     <const in_t *> NULL)
            start += chunk
        y += group


cdef inline const in_t *source_row(const in_t *src, Py_ssize_t v, Py_ssize_t height,
                                   Py_ssize_t row_len, int mode) noexcept nogil:
    """Virtual row v of the plane as a pointer into it; NULL for a row made of cval only."""
    cdef Py_ssize_t r = source_index(v, height, mode)
    return src + r * row_len if r >= 0 else NULL


cdef inline void add_row(sum_t *sums, const in_t *row, sum_t cval, Py_ssize_t n) noexcept nogil:
    """sums[i] += row[i] (uint32 sums wrap); a NULL row stands for cval."""
    cdef Py_ssize_t i
    if row == NULL:
        for i in range(n):
            sums[i] += cval
    else:
        for i in range(n):
            sums[i] += <sum_t> row[i]


cdef inline void add_two_rows(sum_t *sums, const in_t *upper, const in_t *lower, sum_t cval,
                              Py_ssize_t n) noexcept nogil:
    """add_row for two rows, in one pass where neither is NULL (half the passes to add up a
    window's rows)."""
    cdef Py_ssize_t i
    if upper == NULL or lower == NULL:
        add_row(sums, upper, cval, n)
        add_row(sums, lower, cval, n)
    else:
        for i in range(n):
            sums[i] += <sum_t> upper[i] + <sum_t> lower[i]


cdef inline void update_column_sums(sum_t *sums, const in_t *entering, const in_t *leaving,
                                    sum_t cval, Py_ssize_t n) noexcept nogil:
    """sums[i] += entering[i] - leaving[i] in one pass (uint32 sums wrap); a NULL row stands
    for cval."""
    cdef Py_ssize_t i = 0
    if entering != NULL and leaving != NULL:
        if in_t is uint8_t and sum_t is uint32_t:  # the vector part, in the AVX2 module
            i = cconv_update_sums_u8(sums, entering, leaving, n)
        for i in range(i, n):
            sums[i] += <sum_t> entering[i] - <sum_t> leaving[i]
    elif entering != NULL:
        for i in range(n):
            sums[i] += <sum_t> entering[i] - cval
    elif leaving != NULL:
        for i in range(n):
            sums[i] += cval - <sum_t> leaving[i]


cdef inline void extend_border(row_t *row, const Py_ssize_t *column_source, Py_ssize_t width,
                               Py_ssize_t channels, Py_ssize_t kernel_width,
                               Py_ssize_t anchor_x, row_t outside) noexcept nogil:
    """The border pixels of an extended row whose interior starts at pixel anchor_x: they
    repeat interior pixels, or are `outside` where column_source is -1, as the row extension
    does (the box path's column sums, with a column of cval as `outside`; the integer direct
    path's uint8 rows). Reads only the interior pixels the border repeats."""
    cdef Py_ssize_t q, p, c
    cdef const row_t *interior = row + anchor_x * channels
    for q in range(kernel_width - 1):  # the border pixels, left then right of the interior
        p = q if q < anchor_x else q + width
        for c in range(channels):
            row[p * channels + c] = (outside if column_source[p] < 0
                                     else interior[column_source[p] * channels + c])


cdef void box_block(const in_t *src, out_t *dst, Py_ssize_t height, Py_ssize_t width,
                    Py_ssize_t channels, Py_ssize_t kernel_height, Py_ssize_t kernel_width,
                    Py_ssize_t anchor_y, Py_ssize_t anchor_x, int mode, acc_t cval,
                    const Py_ssize_t *column_source, acc_t weight, bint check_finite,
                    acc_t offset, Py_ssize_t y_start, Py_ssize_t y_stop, acc_t *column_sums,
                    acc_t *copy,
                    acc_t *window, acc_t *acc, bint stream) noexcept nogil:
    """The box path (every weight equal) in float sums. Down the columns: the sum of the
    kernel_height rows of the window, read straight from the image, updated by one row entering
    and one leaving per output row. Along the row: the window sums of those column sums.

    The column sums are recomputed from the window's rows every kernel_height rows, counted
    from row 0 of the plane (a block starts early to reach such a row), so rounding cannot
    build up and results do not depend on how rows are split between threads. They are also
    recomputed after a row where they held a NaN or infinity (possible only when
    check_finite), which a subtraction would smear down the column, and when a row of cval
    leaves the window: cval may be far larger than the samples, whose sums subtracting it
    would lose.

    Along the row, float32 sums stored as float32 take window_sums.h's running sums in double
    (AVX-512 module up to 8 channels, AVX2 up to 4; they `stream` their stores); the rest
    window_sum's O(log k) passes, on a copy of the column sums (window_sum overwrites its
    input).
    """
    cdef Py_ssize_t row_len = width * channels, ext_len = (width + kernel_width - 1) * channels
    cdef Py_ssize_t y, v, j, i, start, n
    cdef Py_ssize_t first = y_start - y_start % kernel_height  # a recompute row at or before
    cdef acc_t *interior = column_sums + anchor_x * channels
    cdef bint finite = True
    cdef bint interior_finite  # known from the update, or to be checked
    cdef const in_t *entering
    cdef const in_t *leaving
    for y in range(first, y_stop):
        v = y - anchor_y  # the window's top row
        interior_finite = False
        leaving = source_row(src, v - 1, height, row_len, mode)
        if y == first or y % kernel_height == 0 or not finite or leaving == NULL:
            # the window's rows, from the top
            memset(interior, 0, row_len * sizeof(acc_t))
            add_row(interior, source_row(src, v, height, row_len, mode), cval, row_len)
            for j in range(1, kernel_height - 1, 2):
                add_two_rows(interior, source_row(src, v + j, height, row_len, mode),
                             source_row(src, v + j + 1, height, row_len, mode), cval, row_len)
            if kernel_height % 2 == 0:
                add_row(interior, source_row(src, v + kernel_height - 1, height, row_len, mode),
                        cval, row_len)
        else:
            entering = source_row(src, v + kernel_height - 1, height, row_len, mode)
            if in_t is float and acc_t is float and entering != NULL and leaving != NULL:
                interior_finite = cconv_update_sums_f32(interior, entering, leaving, row_len)
            else:
                update_column_sums(interior, entering, leaving, cval, row_len)
        extend_border(column_sums, column_source, width, channels, kernel_width, anchor_x,
                      cval * kernel_height)
        if interior_finite:  # then only the borders' sums are left to check
            finite = (all_finite(column_sums, anchor_x * channels)
                      and all_finite(interior + row_len, ext_len - row_len - anchor_x * channels))
        else:
            finite = not check_finite or all_finite(column_sums, ext_len)
        if y < y_start:
            continue
        # (not next to columns of cval, which may be far larger than the samples: the running
        # sums would lose the samples when subtracting it)
        if (acc_t is float and out_t is float and CCONV_BOX_ROW
                and channels <= CCONV_BOX_CHANNELS and finite and offset == 0
                and (mode != CONSTANT or cval == 0)):
            cconv_box_row_f32(column_sums, dst + y * row_len, row_len, kernel_width, channels,
                              weight, stream,
                              source_row(src, v + kernel_height, height, row_len, mode),
                              row_len * sizeof(in_t) if y + 1 < y_stop else 0)
            continue
        memcpy(copy, column_sums, ext_len * sizeof(acc_t))
        window_sum(copy, window, row_len, kernel_width, channels)
        start = 0
        while start < row_len:
            n = min(CHUNK, row_len - start)
            for i in range(n):
                acc[i] = weight * window[start + i]
            store_row(acc, offset, dst + y * row_len + start, n)
            start += CHUNK


cdef void integer_box_block(const in_t *src, out_t *dst, Py_ssize_t height, Py_ssize_t width,
                            Py_ssize_t channels, Py_ssize_t kernel_height,
                            Py_ssize_t kernel_width, Py_ssize_t anchor_y, Py_ssize_t anchor_x,
                            int mode, uint32_t cval, const Py_ssize_t *column_source,
                            acc_t weight, acc_t offset, Py_ssize_t y_start, Py_ssize_t y_stop,
                            uint32_t *column_sums, uint32_t *window, acc_t *acc) noexcept nogil:
    """The box path for integer images whose window sums fit in int32 (the caller checks):
    sums are exact, so both directions are running sums, O(1) per sample for any box size.

    Down the columns: the sum of the kernel_height rows of the window, read straight from the
    image, updated by one row entering and one leaving per output row. Along the row: the
    window sums of those column sums (window_sums.h). Exact integers make the result the same
    for any thread count or instruction set, and the same as adding the window up.
    """
    cdef Py_ssize_t row_len = width * channels
    cdef Py_ssize_t y, v, i, start, n
    cdef uint32_t *interior = column_sums + anchor_x * channels
    cdef uint32_t border_sum = cval * <uint32_t> kernel_height  # a column of cval
    memset(interior, 0, row_len * sizeof(uint32_t))
    for v in range(y_start - anchor_y, y_start - anchor_y + kernel_height):
        add_row(interior, source_row(src, v, height, row_len, mode), cval, row_len)
    for y in range(y_start, y_stop):
        if y > y_start:
            v = y - anchor_y + kernel_height - 1
            update_column_sums(interior, source_row(src, v, height, row_len, mode),
                               source_row(src, v - kernel_height, height, row_len, mode),
                               cval, row_len)
        extend_border(column_sums, column_source, width, channels, kernel_width, anchor_x,
                      border_sum)
        cconv_window_sums_u32(column_sums, window, row_len, kernel_width, channels)
        start = 0
        if out_t is uint8_t and acc_t is float and offset == 0:  # the vector part (AVX2)
            start = cconv_store_scaled_u8(window, weight, dst + y * row_len, row_len)
        while start < row_len:
            n = min(CHUNK, row_len - start)
            for i in range(n):
                acc[i] = weight * <acc_t> <int32_t> window[start + i]
            store_row(acc, offset, dst + y * row_len + start, n)
            start += CHUNK


cdef inline void extend_u8_row(const uint8_t *src, uint8_t *ext, const Py_ssize_t *column_source,
                               Py_ssize_t width, Py_ssize_t channels, Py_ssize_t kernel_width,
                               Py_ssize_t anchor_x, uint8_t cval, Py_ssize_t edge) noexcept nogil:
    """extend_row for uint8 rows kept as uint8 (the integer direct path): the borders and the
    first and last `edge` samples of the row between them (all of it if edge >= its length;
    the borders repeat only samples of those); src NULL means a row of cval only."""
    cdef Py_ssize_t row_len = width * channels
    cdef uint8_t *interior = ext + anchor_x * channels
    if src == NULL:
        memset(ext, cval, (width + kernel_width - 1) * channels)
        return
    if edge >= row_len:
        memcpy(interior, src, row_len)
    else:
        memcpy(interior, src, edge)
        memcpy(interior + row_len - edge, src + row_len - edge, edge)
    extend_border(ext, column_source, width, channels, kernel_width, anchor_x, cval)


cdef void integer_block(const uint8_t *src, uint8_t *dst, Py_ssize_t height, Py_ssize_t width,
                        Py_ssize_t channels, Py_ssize_t kernel_height, Py_ssize_t kernel_width,
                        Py_ssize_t anchor_y, Py_ssize_t anchor_x, int mode, uint8_t cval,
                        const Py_ssize_t *column_source, const int16_t *weights,
                        Py_ssize_t plus, Py_ssize_t minus, const Py_ssize_t *tap_row,
                        const Py_ssize_t *tap_offset, Py_ssize_t taps, int16_t offset,
                        Py_ssize_t y_start, Py_ssize_t y_stop, uint8_t *ring,
                        Py_ssize_t ring_stride, const uint8_t **sources) noexcept nogil:
    """The direct path in exact integers (integer_taps.h), output rows [y_start, y_stop) of one
    uint8 plane; tap t reads kernel row tap_row[t] at offset tap_offset[t] with the integer
    weight weights[t]: `plus` taps of weight 1 first, then `minus` of -1, then the others.
    `sources` has room for taps + kernel_height pointers.
    As in direct_block's in-place reading (rows of IN_PLACE_MIN_ROW samples and more), the
    outputs between `inner_start` and `inner_stop`, out of reach of the left and right
    borders, read the image rows themselves; the others read a ring of kernel_height extended
    rows (ring_stride apart, virtual row v in slot v mod kernel_height), of which only the parts
    near the borders are copied. Shorter rows are copied whole and read from the ring. Rows
    outside the image under 'constant' are cval, read from the ring. The parts next to the
    borders are 16 samples at least (one vector block): parts of 3 samples took the scalar
    loop (10% of a 64x64 RGB call, when such rows were still read in place)."""
    cdef Py_ssize_t row_len = width * channels, near = (kernel_width - 1) * channels
    cdef Py_ssize_t left = anchor_x * channels
    cdef Py_ssize_t right = (width - kernel_width + 1 + anchor_x) * channels
    cdef bint in_place = reads_in_place(width, kernel_width, row_len)
    cdef Py_ssize_t inner_start = min(max(left, 16), right)
    cdef Py_ssize_t inner_stop = max(min(right, row_len - 16), inner_start)
    # the ring rows' samples the outer parts read (see extend_u8_row), all without in_place
    cdef Py_ssize_t edge = near + 16 if in_place else row_len
    cdef Py_ssize_t y, t, r, part, start, stop, first, source_row, v = y_start - anchor_y
    cdef const uint8_t **bases = sources + taps  # per kernel row, see below
    for y in range(y_start, y_stop):
        first = y - anchor_y  # the virtual row under kernel row 0
        while v <= first + kernel_height - 1:
            source_row = source_index(v, height, mode)
            extend_u8_row(src + source_row * row_len if source_row >= 0 else NULL,
                          ring + ring_slot(v, kernel_height) * ring_stride, column_source,
                          width, channels, kernel_width, anchor_x, cval, edge)
            v += 1
        # parts: [0, inner_start) and [inner_stop, row_len) read the ring, the part between
        # the image (where the row is one); without in-place reading the whole row is one part
        for part in range(3 if in_place else 1):
            start = 0 if part == 0 else inner_start if part == 1 else inner_stop
            stop = (row_len if not in_place else inner_start if part == 0
                    else inner_stop if part == 1 else row_len)
            if stop <= start:
                continue
            for r in range(kernel_height):  # where output `start` reads kernel row r
                source_row = source_index(first + r, height, mode)
                if part == 1 and source_row >= 0:
                    bases[r] = src + source_row * row_len + (start - left)
                else:
                    bases[r] = ring + ring_slot(first + r, kernel_height) * ring_stride + start
            for t in range(taps):
                sources[t] = bases[tap_row[t]] + tap_offset[t]
            cconv_int_taps_u8(dst + y * row_len + start, sources, weights, plus, minus, taps,
                              offset, stop - start)


# Paths through the engine; the Python layer chooses one (cconv.api) and passes its code.
PATHS = {"direct": 0, "separable": 1, "box": 2}
cdef enum:
    DIRECT = 0
    SEPARABLE = 1
    BOX = 2


def correlate(const in_t[:, :, ::1] image, out_t[:, :, ::1] out, const acc_t[:, ::1] kernel,
              const acc_t[::1] column_weights, const acc_t[::1] row_weights, int path,
              Py_ssize_t channels, Py_ssize_t anchor_y, Py_ssize_t anchor_x,
              int mode, double cval, double offset, double centre, int threads, bint stream):
    """Correlate every plane of `image` (N, H, W*C) with a kernel into `out` (N, H, W*C), plus
    `offset` (added to every sum before it is rounded or stored). `centre` (SEPARABLE only,
    else 0): a weight added to the kernel at its anchor.

    path DIRECT uses `kernel`; SEPARABLE uses the kernel outer(column_weights, row_weights);
    BOX uses the constant kernel of kernel's shape and value kernel[0, 0]. The caller
    guarantees: N, H, W, C >= 1; out has image's shape and does not overlap it; the factors
    have the kernel's height and width; 0 <= anchor < kernel size on each axis; mode is a value
    of MODES; path a value of PATHS; threads >= 1. `stream`: write the output with streaming
    stores where the loops can (src/row_taps.h), for outputs too large to stay in cache.
    The output has the image's type, float32 or float64; the accumulator is float32 exactly
    for uint8 and float32 images with outputs other than float64 (cconv.api._accumulator).
    Other combinations raise TypeError.
    """
    # Of the 50 combinations of the fused types, these 13 are compiled; Cython drops the
    # others' bodies (unreachable after the raise). Compiling all 50 took about 7 minutes per
    # module on this project's 2-core machine, and pip's build isolation compiles everything
    # again on every install. The Python layer makes other outputs from the accumulator's
    # float type, rounded and saturated as the engine would.
    if not ((out_t is float or out_t is double or in_t is uint8_t and out_t is uint8_t
             or in_t is uint16_t and out_t is uint16_t or in_t is int16_t and out_t is int16_t)
            and (acc_t is float and (in_t is uint8_t or in_t is float) and not out_t is double
                 or acc_t is double and not ((in_t is uint8_t or in_t is float)
                                             and not out_t is double))):
        raise TypeError("cconv engine: outputs are the image's type, float32 or float64; "
                        "float32 accumulators are for uint8 and float32 images with outputs "
                        "other than float64, float64 accumulators for the rest")
    cdef Py_ssize_t planes = image.shape[0], height = image.shape[1]
    cdef Py_ssize_t width = image.shape[2] // channels
    cdef Py_ssize_t kernel_height = kernel.shape[0], kernel_width = kernel.shape[1]
    cdef Py_ssize_t row_len = width * channels
    cdef Py_ssize_t ext_len = (width + kernel_width - 1) * channels
    # Scratch rows start on cache lines (64 bytes), so loads down the ring never split lines
    cdef Py_ssize_t ring_len = padded(ext_len)
    # The direct path's output rows per pass: row_taps.h's loops take groups (where it pays,
    # decided below)
    cdef Py_ssize_t group = (CCONV_TAPS_GROUP if path == DIRECT and acc_t is float
                             and CCONV_COLUMN_VECTOR and (out_t is uint8_t or out_t is float)
                             else 1)
    cdef Py_ssize_t scratch_len
    # the image rows under a group of output rows of the separable path (kernel_height + 3)
    cdef Py_ssize_t rows_len = kernel_height + CCONV_COLUMN_GROUP - 1
    cdef Py_ssize_t halo = (kernel_width - 1) * channels
    cdef Py_ssize_t sums_len = ext_len + row_len  # the integer box: column and window sums
    # Taps: the direct path's, or a separable kernel's row and column taps; then the direct
    # path's group taps, over the kernel_height + group - 1 rows under a group
    cdef Py_ssize_t max_taps = kernel_height * kernel_width + kernel_height + kernel_width + 1
    cdef Py_ssize_t max_group_taps = (kernel_height + group - 1) * kernel_width if group > 1 else 0
    # Per thread: the taps' rows, then (direct path) the rows under a group
    cdef Py_ssize_t thread_sources = max(max_taps, max_group_taps) + kernel_height + group - 1
    cdef Py_ssize_t p, r, g, ky, kx, taps = 0, row_taps = 0, column_taps = 0, group_taps = 0
    cdef Py_ssize_t span_taps = 0, c
    cdef Py_ssize_t cut[2 * CCONV_TAPS_GROUP]
    cdef bint any_weight
    cdef Py_ssize_t unit, plane, y_start, y_stop, blocks_per_plane, rows_per_block, units
    cdef acc_t cval_acc = <acc_t> cval, offset_acc = <acc_t> offset
    # Integer images are finite; so are their rows unless cval is not
    cdef bint check_finite = (in_t is float or in_t is double
                              or mode == CONSTANT and not (cval - cval == 0))
    # Box sums of an integer image are integers: while they fit in int32 (with cval an integer,
    # or unused), the box takes exact integer running sums instead (integer_box_block).
    cdef double largest = (255 if in_t is uint8_t else 65535 if in_t is uint16_t
                           else 32768 if in_t is int16_t else INFINITY)
    if mode == CONSTANT:
        largest = max(largest, fabs(cval)) if cval == floor(cval) else INFINITY
    cdef bint integer_sums = (path == BOX
                              and kernel_height * kernel_width * largest < 2147483648.0)
    # uint8 to uint8 under integer weights whose absolute sum times the largest sample fits in
    # int16: the direct path sums exactly in int16 (integer_taps.h), with cval kept as a uint8
    cdef double weight_sum = 0
    cdef bint integer_taps = (path == DIRECT and in_t is uint8_t and out_t is uint8_t
                              and (mode != CONSTANT or 0 <= cval <= 255 and cval == floor(cval)))
    for ky in range(kernel_height if integer_taps else 0):
        for kx in range(kernel_width):
            integer_taps = integer_taps and kernel[ky, kx] == floor(kernel[ky, kx])
            weight_sum += fabs(kernel[ky, kx])
    integer_taps = (integer_taps and offset == floor(offset)
                    and weight_sum * 255 + fabs(offset) <= CCONV_INT_SUM_LIMIT)
    if integer_taps:
        group = 1
    cdef int16_t *integer_weights = NULL
    cdef Py_ssize_t integer_plus = 0, integer_minus = 0
    cdef acc_t w
    cdef uint32_t *sums_scratch = NULL
    cdef uint32_t *column_sums
    cdef Py_ssize_t *column_source = NULL
    cdef Py_ssize_t *tap_row = NULL
    cdef Py_ssize_t *tap_offset = NULL
    cdef acc_t *weights = NULL
    cdef acc_t *group_weights
    cdef Py_ssize_t *group_row
    cdef Py_ssize_t *group_offset
    cdef acc_t *scratch = NULL
    cdef void *scratch_memory = NULL
    cdef const acc_t **sources = NULL
    cdef const void **image_rows = NULL
    cdef acc_t *mine

    # Enough blocks for every thread to get one. With several threads, the direct and separable
    # paths cut each plane into up to BLOCKS_PER_THREAD blocks per thread, of at least
    # max(32, 4 * kernel_height) rows (a direct block starts by loading its ring of rows),
    # handed out to whichever thread is free (dynamic schedule): on this project's shared
    # 2-core machine one core often runs slower for a while, and with one block each the call
    # waited for it. Engine A/B, 2 threads, 1080p uint8, random 15x15: RGB and gray 0.73-0.84x
    # the time of one block each; Gaussians 0.87-1.01x. The box path keeps one block per
    # thread: its blocks start by summing a window of rows, which cost it 5-11% at 8 per thread.
    blocks_per_plane = min(height, max(1, (threads + planes - 1) // planes))
    if threads > 1 and path != BOX:
        blocks_per_plane = max(blocks_per_plane, min(
            (threads * BLOCKS_PER_THREAD + planes - 1) // planes,
            height // max(32, 4 * kernel_height)))
    rows_per_block = (height + blocks_per_plane - 1) // blocks_per_plane
    blocks_per_plane = (height + rows_per_block - 1) // rows_per_block
    units = planes * blocks_per_plane
    threads = <int> min(threads, units)

    column_source = <Py_ssize_t *> malloc((width + kernel_width - 1) * sizeof(Py_ssize_t))
    tap_row = <Py_ssize_t *> malloc((max_taps + max_group_taps) * sizeof(Py_ssize_t))
    tap_offset = <Py_ssize_t *> malloc((max_taps + max_group_taps) * sizeof(Py_ssize_t))
    weights = <acc_t *> malloc((max_taps + max_group_taps * group) * sizeof(acc_t))
    group_row = tap_row + max_taps  # the group taps follow the others
    group_offset = tap_offset + max_taps
    group_weights = weights + max_taps
    # Per thread: the direct path's ring of extended rows and a chunk (the other paths' below)
    scratch_len = (kernel_height + group - 1) * ring_len + CHUNK
    if path == SEPARABLE:  # a chunk, weights, a filtered chunk with halo per group row
        scratch_len = (CHUNK + padded(kernel_height) + CCONV_COLUMN_GROUP
                       * padded(min(<Py_ssize_t> SEPARABLE_CHUNK, row_len) + halo)
                       + padded(min(<Py_ssize_t> SEPARABLE_CHUNK, row_len)))
    if path == BOX:  # column sums, a copy of them, window sums, a chunk
        scratch_len = 2 * padded(ext_len) + padded(row_len) + CHUNK
    if integer_sums:  # only the chunk of the float scratch is used
        scratch_len = CHUNK
        sums_scratch = <uint32_t *> malloc(threads * sums_len * sizeof(uint32_t))
    scratch_memory = malloc(threads * scratch_len * sizeof(acc_t) + 64)
    if scratch_memory != NULL:  # up to the next cache line
        scratch = <acc_t *> ((<size_t> scratch_memory + 63) & ~(<size_t> 63))
    sources = <const acc_t **> malloc(threads * thread_sources * sizeof(acc_t *))
    image_rows = <const void **> malloc(threads * rows_len * sizeof(void *))
    if integer_taps:
        integer_weights = <int16_t *> malloc(max_taps * sizeof(int16_t))
    try:
        if (column_source == NULL or tap_row == NULL or tap_offset == NULL or weights == NULL
                or scratch == NULL or sources == NULL or image_rows == NULL
                or integer_sums and sums_scratch == NULL
                or integer_taps and integer_weights == NULL):
            raise MemoryError("cconv: not enough memory for the row buffers")
        for p in range(width + kernel_width - 1):
            column_source[p] = source_index(p - anchor_x, width, mode)
        # Only non-zero taps are kept: fewer multiply-adds for sparse kernels, and zero weights
        # never meet infinite pixels (0 * inf would be NaN), as in scipy.ndimage. Direct taps
        # are numbered from 0; a separable kernel's row taps too, then its centre weight, then
        # its column taps.
        # The integer path lists the weights of 1, then of -1, then the others
        # (integer_taps.h): one pass over the kernel per kind; the float path, one pass.
        if path == DIRECT:
            for c in range(3 if integer_taps else 1):
                for ky in range(kernel_height):
                    for kx in range(kernel_width):
                        w = kernel[ky, kx]
                        if w != 0 and (not integer_taps
                                       or (0 if w == 1 else 1 if w == -1 else 2) == c):
                            tap_row[taps] = ky
                            tap_offset[taps] = kx * channels
                            weights[taps] = w
                            if integer_taps:
                                integer_weights[taps] = <int16_t> w
                            taps += 1
                if integer_taps and c == 0:
                    integer_plus = taps
                elif integer_taps and c == 1:
                    integer_minus = taps - integer_plus
        # A group tap is a sample position under a group of output rows (row r of the rows
        # under the group, column kx), with one weight per output row g of the group: the
        # kernel's at (r - g, kx), or 0 where there is none. In this order each output row
        # meets its non-zero taps in the kernel's row-major order, as in the list above, so a
        # row's result does not depend on its group, nor on whether it had one.
        for r in range(kernel_height + group - 1 if group > 1 else 0):
            for kx in range(kernel_width):
                any_weight = False
                for g in range(group):
                    ky = r - g
                    group_weights[group_taps * group + g] = (
                        kernel[ky, kx] if 0 <= ky < kernel_height else 0)
                    any_weight = any_weight or group_weights[group_taps * group + g] != 0
                if any_weight:
                    group_row[group_taps] = r
                    group_offset[group_taps] = kx * channels
                    group_taps += 1
        # A group loads each sample once for all its rows, and multiplies each row's weights
        # from its first non-zero one to its last (row_taps.h's spans, the rows of span c are
        # 0 to c, then c - group + 1 to group - 1): span_taps multiply-adds per group. `cut`,
        # computed once here, goes to every group's loop.
        if acc_t is float and group > 1:
            cconv_group_spans(cut, group, group_weights, group_taps)
            for c in range(2 * group - 1):
                span_taps += (cut[c + 1] - cut[c]) * (c + 1 if c < group else 2 * group - 1 - c)
        # AVX2 (groups of 3): kernels of 4 rows and more whose spans add at most a quarter to
        # the kernel's taps (all dense ones). Engine A/B, 1080p RGB, 1 thread, against groups
        # of 2 without spans: uint8 random 4x4 0.95, 5x5 0.95, 7x7 0.89, 9x9 0.87, 15x15
        # 0.86-0.94; float32 15x15 0.87-0.95, 4x4 and 5x5 1.01-1.03. A 3x3 in groups of 3 took
        # 1.3-1.4x the time of one row at a time (float32). AVX-512 (groups of 4, not measured
        # with the spans): where the group's taps are at most a quarter more than the kernel's,
        # as measured with groups of 2 before the spans (one row at a time / group: 3x3, a third
        # more, uint8 1.19-1.30; 4x4, a quarter, 0.90-1.03; 5x5 0.86-0.92; 15x15 0.64-0.67).
        if group > 1 and (kernel_height < 4 or span_taps * 4 > taps * group * 5
                          if CCONV_TAPS_GROUP == 3 else group_taps * 4 > taps * 5):
            group = 1
        elif path == SEPARABLE:
            for kx in range(kernel_width):
                if row_weights[kx] != 0:
                    tap_offset[row_taps] = kx * channels
                    weights[row_taps] = row_weights[kx]
                    row_taps += 1
            weights[row_taps] = centre  # then the column taps, after it
            for ky in range(kernel_height):
                if column_weights[ky] != 0:
                    tap_row[row_taps + 1 + column_taps] = ky
                    weights[row_taps + 1 + column_taps] = column_weights[ky]
                    column_taps += 1
        with nogil:
            for unit in prange(units, schedule="dynamic", num_threads=threads):
                plane = unit // blocks_per_plane
                y_start = (unit % blocks_per_plane) * rows_per_block
                y_stop = min(height, y_start + rows_per_block)
                mine = scratch + threadid() * scratch_len
                if integer_sums:
                    column_sums = sums_scratch + threadid() * sums_len
                    integer_box_block(&image[plane, 0, 0], &out[plane, 0, 0], height, width,
                                      channels, kernel_height, kernel_width, anchor_y, anchor_x,
                                      mode, <uint32_t> <int32_t> cval, column_source,
                                      kernel[0, 0], offset_acc, y_start, y_stop, column_sums,
                                      column_sums + ext_len, mine)
                elif in_t is uint8_t and out_t is uint8_t and integer_taps:
                    integer_block(<const uint8_t *> &image[plane, 0, 0],
                                  <uint8_t *> &out[plane, 0, 0], height, width, channels,
                                  kernel_height, kernel_width, anchor_y, anchor_x, mode,
                                  <uint8_t> cval if mode == CONSTANT else 0, column_source,
                                  integer_weights, integer_plus, integer_minus,
                                  tap_row, tap_offset, taps,
                                  <int16_t> offset if integer_taps else 0, y_start, y_stop,
                                  <uint8_t *> mine, padded(ext_len),
                                  <const uint8_t **> (sources + threadid() * thread_sources))
                elif path == DIRECT:
                    direct_block(&image[plane, 0, 0], &out[plane, 0, 0], height, width,
                                 channels, kernel_height, kernel_width, anchor_y, anchor_x, mode,
                                 cval_acc, column_source, weights, tap_row, tap_offset, taps,
                                 group_weights, group_row, group_offset, group_taps, group, cut,
                                 check_finite, offset_acc, y_start, y_stop, mine, ring_len,
                                 mine + (kernel_height + group - 1) * ring_len,
                                 sources + threadid() * thread_sources, stream)
                elif path == SEPARABLE:
                    separable_block(&image[plane, 0, 0], &out[plane, 0, 0], height, width,
                                    channels, kernel_height, kernel_width, anchor_y, anchor_x,
                                    mode, cval_acc, column_source, weights, tap_offset,
                                    row_taps, weights + row_taps + 1, tap_row + row_taps + 1,
                                    column_taps, centre != 0, offset_acc, y_start, y_stop, mine,
                                    <const in_t **> (image_rows + threadid() * rows_len),
                                    sources + threadid() * thread_sources, stream)
                else:
                    box_block(&image[plane, 0, 0], &out[plane, 0, 0], height, width, channels,
                              kernel_height, kernel_width, anchor_y, anchor_x, mode, cval_acc,
                              column_source, kernel[0, 0], check_finite, offset_acc,
                              y_start, y_stop,
                              mine, mine + padded(ext_len), mine + 2 * padded(ext_len),
                              mine + 2 * padded(ext_len) + padded(row_len), stream)
                if stream:
                    cconv_store_fence()
    finally:
        free(column_source)
        free(tap_row)
        free(tap_offset)
        free(weights)
        free(scratch_memory)
        free(sources)
        free(image_rows)
        free(sums_scratch)
        free(integer_weights)


include "gradient.pxi"
include "alpha.pxi"
