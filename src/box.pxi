# The box path (included by _core.pyx): constant kernels as running column sums and window sums
# along the row, in exact integers for integer images, in float sums otherwise.


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


cdef void box_block(const in_t *src, out_t *dst, Py_ssize_t height, Py_ssize_t width,
                    Py_ssize_t channels, Py_ssize_t kernel_height, Py_ssize_t kernel_width,
                    Py_ssize_t anchor_y, Py_ssize_t anchor_x, int mode, acc_t cval,
                    const Py_ssize_t *column_source, acc_t weight, bint check_finite,
                    acc_t offset, Py_ssize_t y_start, Py_ssize_t y_stop, Stride stride,
                    acc_t *column_sums, acc_t *copy, acc_t *window, acc_t *acc,
                    bint stream) noexcept nogil:
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

    `stride` (see Stride): output row y is image row y * stride.y; the column sums still go
    down every row, the sums along the row are taken for the kept rows only, and stored at
    the kept pixels (the row's window sums are those of the full output, the same values).
    """
    cdef Py_ssize_t row_len = width * channels, ext_len = (width + kernel_width - 1) * channels
    cdef Py_ssize_t out_len = (width + stride.x - 1) // stride.x * channels
    cdef Py_ssize_t y, v, j, i, start, n
    cdef Py_ssize_t image_start = y_start * stride.y, image_stop = (y_stop - 1) * stride.y + 1
    # a recompute row at or before
    cdef Py_ssize_t first = image_start - image_start % kernel_height
    cdef out_t *out_row
    cdef acc_t *interior = column_sums + anchor_x * channels
    cdef bint finite = True
    cdef bint interior_finite  # known from the update, or to be checked
    cdef const in_t *entering
    cdef const in_t *leaving
    for y in range(first, image_stop):
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
        if y < image_start or y % stride.y != 0:
            continue
        out_row = dst + y // stride.y * out_len
        # (not next to columns of cval, which may be far larger than the samples: the running
        # sums would lose the samples when subtracting it)
        if (acc_t is float and out_t is float and CCONV_BOX_ROW
                and channels <= CCONV_BOX_CHANNELS and finite and offset == 0
                and (mode != CONSTANT or cval == 0)):
            if stride.x == 1:
                cconv_box_row_f32(column_sums, out_row, row_len, kernel_width, channels,
                                  weight, stream,
                                  source_row(src, v + kernel_height, height, row_len, mode),
                                  row_len * sizeof(in_t) if y + 1 < image_stop else 0)
            else:  # the whole row, then its kept pixels
                cconv_box_row_f32(column_sums, window, row_len, kernel_width, channels,
                                  weight, False, NULL, 0)
                for i in range(out_len):
                    out_row[i] = window[strided_sample(i, channels, stride.x)]
            continue
        memcpy(copy, column_sums, ext_len * sizeof(acc_t))
        window_sum(copy, window, row_len, kernel_width, channels)
        start = 0
        while start < out_len:
            n = min(CHUNK, out_len - start)
            for i in range(n):
                acc[i] = weight * window[strided_sample(start + i, channels, stride.x)]
            store_row(acc, offset, out_row + start, n)
            start += CHUNK


cdef void integer_box_block(const in_t *src, out_t *dst, Py_ssize_t height, Py_ssize_t width,
                            Py_ssize_t channels, Py_ssize_t kernel_height,
                            Py_ssize_t kernel_width, Py_ssize_t anchor_y, Py_ssize_t anchor_x,
                            int mode, uint32_t cval, const Py_ssize_t *column_source,
                            acc_t weight, acc_t offset, Py_ssize_t y_start, Py_ssize_t y_stop,
                            Stride stride, uint32_t *column_sums, uint32_t *window,
                            acc_t *acc) noexcept nogil:
    """The box path for integer images whose window sums fit in int32 (the caller checks):
    sums are exact, so both directions are running sums, O(1) per sample for any box size.

    Down the columns: the sum of the kernel_height rows of the window, read straight from the
    image, updated by one row entering and one leaving per output row. Along the row: the
    window sums of those column sums (window_sums.h). Exact integers make the result the same
    for any thread count or instruction set, and the same as adding the window up.
    `stride` (see Stride): the column sums go down every row from the first kept one; the
    window sums of the kept rows are taken whole, then those of the kept pixels stored.
    """
    cdef Py_ssize_t row_len = width * channels
    cdef Py_ssize_t out_len = (width + stride.x - 1) // stride.x * channels
    cdef Py_ssize_t y, v, i, start, n
    cdef Py_ssize_t image_start = y_start * stride.y, image_stop = (y_stop - 1) * stride.y + 1
    cdef uint32_t *interior = column_sums + anchor_x * channels
    cdef uint32_t border_sum = cval * <uint32_t> kernel_height  # a column of cval
    cdef out_t *out_row
    memset(interior, 0, row_len * sizeof(uint32_t))
    for v in range(image_start - anchor_y, image_start - anchor_y + kernel_height):
        add_row(interior, source_row(src, v, height, row_len, mode), cval, row_len)
    for y in range(image_start, image_stop):
        if y > image_start:
            v = y - anchor_y + kernel_height - 1
            update_column_sums(interior, source_row(src, v, height, row_len, mode),
                               source_row(src, v - kernel_height, height, row_len, mode),
                               cval, row_len)
        if y % stride.y != 0:
            continue
        out_row = dst + y // stride.y * out_len
        extend_border(column_sums, column_source, width, channels, kernel_width, anchor_x,
                      border_sum)
        cconv_window_sums_u32(column_sums, window, row_len, kernel_width, channels)
        if stride.x > 1:  # the kept pixels' sums, in place (each moves to an earlier sample)
            for i in range(out_len):
                window[i] = window[strided_sample(i, channels, stride.x)]
        start = 0
        if out_t is uint8_t and acc_t is float and offset == 0:  # the vector part (AVX2)
            start = cconv_store_scaled_u8(window, weight, out_row, out_len)
        while start < out_len:
            n = min(CHUNK, out_len - start)
            for i in range(n):
                acc[i] = weight * <acc_t> <int32_t> window[start + i]
            store_row(acc, offset, out_row + start, n)
            start += CHUNK
