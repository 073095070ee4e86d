"""The compiled engine of cconv (module ``cconv._core``): private, call ``cconv.correlate``.

It takes buffers the Python layer has already validated (C-contiguous, native dtype) and plain
C scalars, and does no Python work inside its loops. Cython directives are set in one place,
CMakeLists.txt, together with the switch that turns bounds checks back on for debugging.

The files (one module; the .pxi are Cython includes):
- _core.pyx: the types, the entry point `correlate` (plans the taps, allocates, dispatches
  blocks of rows to threads), the shared constants.
- borders.pxi: border modes, extended rows. stores.pxi: the multiply-add passes and the store
  (rounding, saturation, the offset).
- direct.pxi, integer_direct.pxi, separable.pxi, box.pxi: one path each (block functions).
- gradient.pxi: two separable kernels and their combination in one pass (edges).
- alpha.pxi: premultiplying and dividing back (alpha-correct RGBA and LA).
- fft.pxi: the FFT path's float32 tiles (large kernels); its transforms are in fft.h.
- missing.pxi: the passes around nan_policy='omit''s two sums (cconv.missing).
- *.h: the vector code of the AVX2 and AVX-512 modules (row_taps.h, column_pass.h,
  integer_taps.h, window_sums.h, store_u8.h, deinterleave.h) and the CPU check
  (cpu_features.h).

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
from libc.math cimport INFINITY, NAN, fabs, floor, hypot, sqrt, sqrtf
from libc.stdint cimport int16_t, int32_t, uint8_t, uint16_t, uint32_t
from libc.string cimport memcpy, memset

import numpy

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
                               Py_ssize_t start, Py_ssize_t n, Py_ssize_t step)
    void cconv_column_f32(float *out, const float **rows, const float *weights,
                          Py_ssize_t taps, Py_ssize_t start, Py_ssize_t n)
    enum: CCONV_SYMMETRIC_MAX_TAPS
    void cconv_column_u8_symmetric(float *out, const uint8_t **rows, const float *weights,
                                   Py_ssize_t taps, Py_ssize_t start, Py_ssize_t n)
    void cconv_column_u8_group_symmetric(float *const *outs, Py_ssize_t offset,
                                         Py_ssize_t count, const uint8_t **rows,
                                         const float *weights, Py_ssize_t taps,
                                         Py_ssize_t start, Py_ssize_t n, Py_ssize_t step)
    void cconv_column_f32_group(float *const *outs, Py_ssize_t offset, Py_ssize_t count,
                                const float **rows, const float *weights, Py_ssize_t taps,
                                Py_ssize_t start, Py_ssize_t n, Py_ssize_t step)

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

cdef extern from "deinterleave.h" nogil:
    void cconv_deinterleave_f32(const float *row, float *phases, Py_ssize_t pixels,
                                Py_ssize_t channels, Py_ssize_t stride, Py_ssize_t phase_len)

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


# Samples per chunk: one chunk of the accumulator and of the rows it reads stay in L1 cache.
# The separable path's column pass goes down the image a chunk at a time and restarts for the
# next one: longer runs along each row were faster, though its filtered chunks then live in
# L2, and 16384 makes a 2160p RGB row one chunk (docs/design.md, where the constants come
# from).
cdef enum:
    CHUNK = 1024
    SEPARABLE_CHUNK = 16384
    BLOCKS_PER_THREAD = 8


# The direct paths read rows of at least this many samples in place (direct_block,
# integer_block; float64 rows count twice: what a copy costs is its bytes); shorter rows are
# copied whole into the ring and taken in one part. In place, a row is three parts, and the two
# near the borders are short, costly next to a short row (docs/design.md, where the constants
# come from).
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


# The paths and what they share, one file each (Cython includes: one module, as before)
include "borders.pxi"
include "plan.pxi"
include "stores.pxi"
include "direct.pxi"
include "integer_direct.pxi"
include "separable.pxi"
include "box.pxi"
include "gradient.pxi"
include "alpha.pxi"
include "fft.pxi"
include "missing.pxi"


# Paths through the engine; the Python layer chooses one (cconv.api) and passes its code.
PATHS = {"direct": 0, "separable": 1, "box": 2}
cdef enum:
    DIRECT = 0
    SEPARABLE = 1
    BOX = 2


def correlate(image, out, kernel, column_weights, row_weights, int path, Py_ssize_t channels,
              Py_ssize_t anchor_y, Py_ssize_t anchor_x, int mode, double cval, double offset,
              double centre, int threads, bint stream, Py_ssize_t stride_y=1,
              Py_ssize_t stride_x=1):
    """Correlate every plane of `image` (N, H, W*C) with a kernel into `out` (N, H, W*C), plus
    `offset` (added to every sum before it is rounded or stored). `centre` (SEPARABLE only,
    else 0): a weight added to the kernel at its anchor. `stride_y`, `stride_x` (>= 1): only
    every stride_y-th row and stride_x-th pixel of that result, from the first, is computed,
    into `out` of shape (N, ceil(H / stride_y), ceil(W / stride_x) * C).

    path DIRECT uses `kernel`; SEPARABLE uses the kernel outer(column_weights, row_weights)
    (`kernel` unused: a large separable kernel need never be multiplied out); BOX uses the
    constant kernel of kernel's shape and value kernel[0, 0]. The caller guarantees: N, H, W,
    C >= 1; out has that shape and does not overlap the image; 0 <= anchor < kernel size on
    each axis; mode is a value of MODES; path a value of PATHS; threads >= 1. `stream`: write
    the output with streaming stores where the loops can (src/row_taps.h), for outputs too
    large to stay in cache.
    The output has the image's type, float32 or float64; the accumulator (the kernel's type)
    is float32 exactly for uint8 and float32 images with outputs other than float64
    (cconv.api._accumulator). Other combinations raise TypeError.
    """
    cdef Call call = Call(path, channels, anchor_y, anchor_x, mode, cval, offset, centre, threads,
                          stream, stride_y, stride_x)
    cdef int types = compiled_types(image, out)
    if types == combination(U8, U8, F32):
        correlate_planes(<uint8_t> 0, <uint8_t> 0, <float> 0, image, out, kernel, column_weights,
                         row_weights, &call)
    elif types == combination(U8, F32, F32):
        correlate_planes(<uint8_t> 0, <float> 0, <float> 0, image, out, kernel, column_weights,
                         row_weights, &call)
    elif types == combination(U8, F64, F64):
        correlate_planes(<uint8_t> 0, <double> 0, <double> 0, image, out, kernel, column_weights,
                         row_weights, &call)
    elif types == combination(U16, U16, F64):
        correlate_planes(<uint16_t> 0, <uint16_t> 0, <double> 0, image, out, kernel,
                         column_weights, row_weights, &call)
    elif types == combination(U16, F32, F64):
        correlate_planes(<uint16_t> 0, <float> 0, <double> 0, image, out, kernel, column_weights,
                         row_weights, &call)
    elif types == combination(U16, F64, F64):
        correlate_planes(<uint16_t> 0, <double> 0, <double> 0, image, out, kernel, column_weights,
                         row_weights, &call)
    elif types == combination(I16, I16, F64):
        correlate_planes(<int16_t> 0, <int16_t> 0, <double> 0, image, out, kernel, column_weights,
                         row_weights, &call)
    elif types == combination(I16, F32, F64):
        correlate_planes(<int16_t> 0, <float> 0, <double> 0, image, out, kernel, column_weights,
                         row_weights, &call)
    elif types == combination(I16, F64, F64):
        correlate_planes(<int16_t> 0, <double> 0, <double> 0, image, out, kernel, column_weights,
                         row_weights, &call)
    elif types == combination(F32, F32, F32):
        correlate_planes(<float> 0, <float> 0, <float> 0, image, out, kernel, column_weights,
                         row_weights, &call)
    elif types == combination(F32, F64, F64):
        correlate_planes(<float> 0, <double> 0, <double> 0, image, out, kernel, column_weights,
                         row_weights, &call)
    elif types == combination(F64, F32, F64):
        correlate_planes(<double> 0, <float> 0, <double> 0, image, out, kernel, column_weights,
                         row_weights, &call)
    elif types == combination(F64, F64, F64):
        correlate_planes(<double> 0, <double> 0, <double> 0, image, out, kernel, column_weights,
                         row_weights, &call)
    else:
        raise TypeError(UNCOMPILED_TYPES)


# The types the entry points take, and the combinations (image, output, accumulator: correlate's
# kernel, gradient's factors) they call their fused functions with. Each fused function takes
# its types from its first arguments (their values unused) and views the arrays, passed as
# objects, as memoryviews of them, so Cython compiles only the combinations called and no
# caller zeroes memoryviews of the others (docs/design.md, build time).
cdef enum:
    U8, U16, I16, F32, F64
cdef tuple DTYPES = tuple(numpy.dtype(name)
                          for name in ("uint8", "uint16", "int16", "float32", "float64"))
UNCOMPILED_TYPES = ("cconv engine: outputs are the image's type, float32 or float64; float32 "
                    "accumulators are for uint8 and float32 images with outputs other than "
                    "float64, float64 accumulators for the rest")


cdef inline int combination(int image, int out, int weights) noexcept nogil:
    return (image * 5 + out) * 5 + weights


cdef int compiled_types(image, out) except? -1:
    """combination() of the arrays' dtypes and the accumulator's: float32 for uint8 and float32
    images with outputs other than float64, else float64 (the weights' memoryviews check it)."""
    cdef int source = type_index(image.dtype), output = type_index(out.dtype)
    return combination(source, output,
                       F32 if (source == U8 or source == F32) and output != F64 else F64)


cdef int type_index(dtype) except? -1:
    """The position of `dtype` in DTYPES (U8 ...), or -1000."""
    cdef int i
    for i in range(5):
        if dtype is DTYPES[i]:  # (numpy's dtypes of native arrays are these objects)
            return i
    for i in range(5):
        if dtype == DTYPES[i]:
            return i
    return -1000


# A correlate call's scalars, as correlate_planes takes them
cdef struct Call:
    int path
    Py_ssize_t channels, anchor_y, anchor_x
    int mode
    double cval, offset, centre
    int threads
    bint stream
    Py_ssize_t stride_y, stride_x


cdef int correlate_planes(in_t image_type, out_t out_type, acc_t weight_type, image_object,
                          out_object, kernel_object, column_object, row_object,
                          const Call *call) except -1:
    """correlate for the types of its first three arguments (their values unused)."""
    cdef const in_t[:, :, ::1] image = image_object
    cdef out_t[:, :, ::1] out = out_object
    cdef const acc_t[:, ::1] kernel = kernel_object
    cdef const acc_t[::1] column_weights = column_object, row_weights = row_object
    cdef int path = call.path, mode = call.mode, threads = call.threads
    cdef Py_ssize_t channels = call.channels, anchor_y = call.anchor_y
    cdef Py_ssize_t anchor_x = call.anchor_x, stride_y = call.stride_y, stride_x = call.stride_x
    cdef double cval = call.cval, offset = call.offset, centre = call.centre
    cdef bint stream = call.stream
    cdef Py_ssize_t planes = image.shape[0], height = image.shape[1]
    cdef Py_ssize_t width = image.shape[2] // channels
    cdef Py_ssize_t out_height = out.shape[1]  # (the rows computed, and cut into blocks)
    cdef Stride stride
    stride.y, stride.x, stride.phase_len = stride_y, stride_x, 0
    cdef Py_ssize_t kernel_height = kernel.shape[0], kernel_width = kernel.shape[1]
    if path == SEPARABLE:
        kernel_height, kernel_width = column_weights.shape[0], row_weights.shape[0]
    cdef Py_ssize_t row_len = width * channels
    cdef Py_ssize_t ext_len = (width + kernel_width - 1) * channels
    # Scratch rows start on cache lines (64 bytes), so loads down the ring never split lines
    cdef Py_ssize_t ring_len = padded(ext_len)
    # The direct path's output rows per pass: row_taps.h's loops take groups (where it pays,
    # decided below; not for strided rows, whose groups would read rows stride_y apart)
    cdef Py_ssize_t group = (CCONV_TAPS_GROUP if path == DIRECT and acc_t is float
                             and CCONV_COLUMN_VECTOR and (out_t is uint8_t or out_t is float)
                             and stride_y == 1 else 1)
    cdef Py_ssize_t extended_len = 0  # (stride_x > 1) a row extended before de-interleaving
    cdef Py_ssize_t scratch_len
    # the image rows under a group of output rows of the separable path (kernel_height + 3
    # unstrided)
    cdef Py_ssize_t rows_len = kernel_height + (CCONV_COLUMN_GROUP - 1) * stride_y
    cdef Py_ssize_t halo = (kernel_width - 1) * channels
    cdef Py_ssize_t sums_len = ext_len + row_len  # the integer box: column and window sums
    # Taps: the direct path's, or a separable kernel's row and column taps; then the direct
    # path's group taps, over the kernel_height + group - 1 rows under a group
    cdef Py_ssize_t max_taps = kernel_height + kernel_width + 1
    if path == DIRECT:
        max_taps += kernel_height * kernel_width
    cdef Py_ssize_t max_group_taps = (kernel_height + group - 1) * kernel_width if group > 1 else 0
    # Per thread: the taps' rows, then (direct path) the rows under a group
    cdef Py_ssize_t thread_sources = max(max_taps, max_group_taps) + kernel_height + group - 1
    cdef Py_ssize_t p, taps = 0, group_taps = 0
    cdef Py_ssize_t integer_counts[2]  # the integer taps of weight 1, then of -1
    cdef Py_ssize_t separable_counts[2]  # the row taps, the column taps
    cdef Py_ssize_t cut[2 * CCONV_TAPS_GROUP]
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
    cdef bint integer_taps = (path == DIRECT and in_t is uint8_t and out_t is uint8_t
                              and sums_fit_int16(kernel, mode, cval, offset))
    if integer_taps:
        group = 1
    if stride_x > 1:  # rows de-interleaved (see Stride): the direct paths' ring, or a chunk
        if path == SEPARABLE:
            stride.phase_len = ((separable_chunk(row_len, channels, stride_x) // channels
                                 + kernel_width - 1 + stride_x - 1) // stride_x * channels)
        else:
            stride.phase_len = (width + kernel_width - 1 + stride_x - 1) // stride_x * channels
            ring_len = padded(stride_x * stride.phase_len)
            extended_len = padded(ext_len)
    integer_counts[0] = integer_counts[1] = separable_counts[0] = separable_counts[1] = 0
    cdef int16_t *integer_weights = NULL
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
    # handed out to whichever thread is free (dynamic schedule): on a shared machine one core
    # often runs slower for a while, and with one block each the call waited for it. The box
    # path keeps one block per thread: its blocks start by summing a window of rows (both
    # measured: docs/design.md, where the constants come from).
    blocks_per_plane = min(out_height, max(1, (threads + planes - 1) // planes))
    if threads > 1 and path != BOX:
        blocks_per_plane = max(blocks_per_plane, min(
            (threads * BLOCKS_PER_THREAD + planes - 1) // planes,
            out_height // max(32, 4 * kernel_height // stride_y)))
    rows_per_block = (out_height + blocks_per_plane - 1) // blocks_per_plane
    blocks_per_plane = (out_height + rows_per_block - 1) // rows_per_block
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
    scratch_len = (kernel_height + group - 1) * ring_len + CHUNK + extended_len
    if path == SEPARABLE:  # a chunk, weights, a filtered chunk with halo per group row, the
        # centre's samples, a de-interleaved chunk
        scratch_len = (CHUNK + padded(kernel_height) + CCONV_COLUMN_GROUP
                       * padded(separable_chunk(row_len, channels, stride_x) + halo)
                       + padded(separable_chunk(row_len, channels, stride_x))
                       + padded(stride_x * stride.phase_len))
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
        if path == DIRECT:
            taps = list_direct_taps(kernel, channels, integer_taps, tap_row, tap_offset, weights,
                                    integer_weights, integer_counts)
        if group > 1:
            group_taps = list_group_taps(kernel, group, channels, group_row, group_offset,
                                         group_weights)
            if not groups_pay(group_weights, group, group_taps, taps, kernel_height, cut):
                group = 1
        if path == SEPARABLE:
            list_separable_taps(row_weights, column_weights, centre, channels, tap_row,
                                tap_offset, weights, separable_counts)
        if stride_x > 1:  # the taps read de-interleaved rows
            for p in range(separable_counts[0] if path == SEPARABLE else taps):
                tap_offset[p] = phase_offset(tap_offset[p], channels, stride)
            for p in range(group_taps if group > 1 else 0):
                group_offset[p] = phase_offset(group_offset[p], channels, stride)
        with nogil:
            for unit in prange(units, schedule="dynamic", num_threads=threads):
                plane = unit // blocks_per_plane
                y_start = (unit % blocks_per_plane) * rows_per_block
                y_stop = min(out_height, y_start + rows_per_block)
                mine = scratch + threadid() * scratch_len
                if integer_sums:
                    column_sums = sums_scratch + threadid() * sums_len
                    integer_box_block(&image[plane, 0, 0], &out[plane, 0, 0], height, width,
                                      channels, kernel_height, kernel_width, anchor_y, anchor_x,
                                      mode, <uint32_t> <int32_t> cval, column_source,
                                      kernel[0, 0], offset_acc, y_start, y_stop, stride,
                                      column_sums,
                                      column_sums + ext_len, mine)
                elif in_t is uint8_t and out_t is uint8_t and integer_taps:
                    integer_block(<const uint8_t *> &image[plane, 0, 0],
                                  <uint8_t *> &out[plane, 0, 0], height, width, channels,
                                  kernel_height, kernel_width, anchor_y, anchor_x, mode,
                                  <uint8_t> cval if mode == CONSTANT else 0, column_source,
                                  integer_weights, integer_counts[0], integer_counts[1],
                                  tap_row, tap_offset, taps,
                                  <int16_t> offset if integer_taps else 0, y_start, y_stop,
                                  stride, <uint8_t *> mine, ring_len,
                                  <uint8_t *> mine + kernel_height * ring_len,
                                  <const uint8_t **> (sources + threadid() * thread_sources))
                elif path == DIRECT:
                    direct_block(&image[plane, 0, 0], &out[plane, 0, 0], height, width,
                                 channels, kernel_height, kernel_width, anchor_y, anchor_x, mode,
                                 cval_acc, column_source, weights, tap_row, tap_offset, taps,
                                 group_weights, group_row, group_offset, group_taps, group, cut,
                                 check_finite, offset_acc, y_start, y_stop, stride, mine,
                                 ring_len, mine + (kernel_height + group - 1) * ring_len,
                                 mine + (kernel_height + group - 1) * ring_len + CHUNK,
                                 sources + threadid() * thread_sources, stream)
                elif path == SEPARABLE:
                    separable_block(&image[plane, 0, 0], &out[plane, 0, 0], height, width,
                                    channels, kernel_height, kernel_width, anchor_y, anchor_x,
                                    mode, cval_acc, column_source, weights, tap_offset,
                                    separable_counts[0], weights + separable_counts[0] + 1,
                                    tap_row + separable_counts[0] + 1, separable_counts[1],
                                    centre != 0, offset_acc, y_start, y_stop, stride, mine,
                                    <const in_t **> (image_rows + threadid() * rows_len),
                                    sources + threadid() * thread_sources, stream)
                else:
                    box_block(&image[plane, 0, 0], &out[plane, 0, 0], height, width, channels,
                              kernel_height, kernel_width, anchor_y, anchor_x, mode, cval_acc,
                              column_source, kernel[0, 0], check_finite, offset_acc,
                              y_start, y_stop, stride,
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
    return 0
