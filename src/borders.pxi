# Border modes (included by _core.pyx): the index a position past an edge reads, and rows
# extended by the mode, so that no multiply-add loop has a border branch.


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


cdef inline const in_t *source_row(const in_t *src, Py_ssize_t v, Py_ssize_t height,
                                   Py_ssize_t row_len, int mode) noexcept nogil:
    """Virtual row v of the plane as a pointer into it; NULL for a row made of cval only."""
    cdef Py_ssize_t r = source_index(v, height, mode)
    return src + r * row_len if r >= 0 else NULL


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


# Strided outputs (stride=): output row i of a plane is image row i * stride.y, output pixel j
# image pixel j * stride.x. Along the row, the rows a path's taps read are de-interleaved
# first (see deinterleave), so that the taps of consecutive outputs read consecutive samples
# and the multiply-add loops run unchanged over the kept outputs only.
cdef struct Stride:
    Py_ssize_t y
    Py_ssize_t x
    Py_ssize_t phase_len  # (x > 1) samples from one phase of a de-interleaved row to the next


cdef inline Py_ssize_t phase_offset(Py_ssize_t offset, Py_ssize_t channels,
                                    Stride stride) noexcept nogil:
    """Where a tap at `offset` samples (kernel column times channels) along an extended row
    reads in the row de-interleaved: output pixel j reads pixel j * x + column, which is pixel
    j + column // x of phase column % x."""
    cdef Py_ssize_t column = offset // channels
    if stride.x == 1:
        return offset
    return (column % stride.x) * stride.phase_len + (column // stride.x) * channels


cdef inline void deinterleave(const row_t *ext, row_t *phases, Py_ssize_t pixels,
                              Py_ssize_t channels, Stride stride) noexcept nogil:
    """Pixel p of `ext` (`pixels` pixels) to pixel p // x of phase p % x in `phases`
    (float32 rows by deinterleave.h's vector loops)."""
    cdef Py_ssize_t q, p, c
    cdef row_t *to
    if row_t is float:
        cconv_deinterleave_f32(ext, phases, pixels, channels, stride.x, stride.phase_len)
        return
    for q in range(min(stride.x, pixels)):
        to = phases + q * stride.phase_len
        p = q
        if channels == 1:
            while p < pixels:
                to[0] = ext[p]
                to += 1
                p += stride.x
        else:
            while p < pixels:
                for c in range(channels):
                    to[c] = ext[p * channels + c]
                to += channels
                p += stride.x


cdef inline Py_ssize_t strided_sample(Py_ssize_t i, Py_ssize_t channels,
                                      Py_ssize_t stride_x) noexcept nogil:
    """The sample of a full row that sample i of its strided row is."""
    return i if stride_x == 1 else (i // channels) * stride_x * channels + i % channels
