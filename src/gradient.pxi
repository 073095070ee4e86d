# The gradient path (included by _core.pyx): two separable kernels over the same rows (the Sobel
# or Prewitt pair) and their combination, in one pass. Each output row's source rows are
# converted once into a ring of extended rows; each chunk of the row takes both column filters
# from it, then both row filters, combines the two responses and is stored, all in L1 cache:
# no full-size intermediate, no second read of the image.

# How the two responses x and y become one value.
COMBINES = {"hypot": 0, "max": 1}
cdef enum:
    HYPOT = 0  # sqrt(x*x + y*y), the gradient magnitude
    RISING = 1  # max(x, y, 0): only edges where brightness rises along x or y


cdef inline Py_ssize_t nonzero_taps(const acc_t[::1] weights, acc_t *kept,
                                    Py_ssize_t *position) noexcept nogil:
    """The non-zero weights into kept and their indices into position; returns how many (zero
    weights are skipped, as everywhere in the engine, so 0 * inf is not NaN)."""
    cdef Py_ssize_t t, taps = 0
    for t in range(weights.shape[0]):
        if weights[t] != 0:
            kept[taps] = weights[t]
            position[taps] = t
            taps += 1
    return taps


cdef inline void combine_responses(const acc_t *x, const acc_t *y, acc_t *out, Py_ssize_t n,
                                   int combine) noexcept nogil:
    """out[i] = the combination of x[i] and y[i], with NumPy's values for NaN and infinity
    (np.hypot; np.maximum, which propagates NaN)."""
    cdef Py_ssize_t i
    cdef acc_t a, b, m
    if combine == RISING:  # without branches, which random signs would mispredict
        for i in range(n):
            a = x[i] if x[i] > 0 else 0
            b = y[i] if y[i] > 0 else 0
            m = a if a > b else b
            out[i] = m if (x[i] == x[i]) & (y[i] == y[i]) else x[i] + y[i]  # NaN if either is
        return
    # sqrt(x*x + y*y), vectorised; libm's hypot where that gave infinity or NaN (overflow of
    # the squares, or infinity beside NaN)
    for i in range(n):
        if acc_t is float:
            out[i] = sqrtf(x[i] * x[i] + y[i] * y[i])
        else:
            out[i] = sqrt(x[i] * x[i] + y[i] * y[i])
    if not all_finite(out, n):  # (a vectorised test, then the rare scalar fix)
        for i in range(n):
            if not out[i] < INFINITY:
                out[i] = <acc_t> hypot(x[i], y[i])


cdef void gradient_block(const in_t *src, out_t *dst, Py_ssize_t height, Py_ssize_t width,
                         Py_ssize_t channels, Py_ssize_t size, int mode, acc_t cval,
                         const Py_ssize_t *column_source, const acc_t *weights,
                         const Py_ssize_t *positions, const Py_ssize_t *counts, int combine,
                         Py_ssize_t y_start, Py_ssize_t y_stop, acc_t *scratch,
                         Py_ssize_t ring_stride, const acc_t **sources) noexcept nogil:
    """Output rows [y_start, y_stop) of one plane. The four 1-D filters (size taps, anchor in
    the middle) come as their non-zero weights and positions, in the order column x, row x,
    column y, row y, counts[f] of them each; `scratch` holds the ring of `size` extended rows
    (ring_stride apart), then two column-filtered chunks with halo and a chunk per response."""
    cdef Py_ssize_t row_len = width * channels, halo = (size - 1) * channels
    cdef Py_ssize_t anchor = size // 2, y, v = y_start - anchor, t, start, n, f, first
    cdef acc_t *ring = scratch
    cdef acc_t *columns[2]
    cdef acc_t *responses[2]
    cdef const acc_t *filter_weights[4]
    cdef const Py_ssize_t *filter_positions[4]
    columns[0] = ring + size * ring_stride
    columns[1] = columns[0] + padded(CHUNK + halo)
    responses[0] = columns[1] + padded(CHUNK + halo)
    responses[1] = responses[0] + CHUNK
    first = 0
    for f in range(4):
        filter_weights[f], filter_positions[f] = weights + first, positions + first
        first += counts[f]
    for y in range(y_start, y_stop):
        while v <= y - anchor + size - 1:
            load_row(src, ring + ring_slot(v, size) * ring_stride, v, height, width, channels,
                     size, anchor, mode, cval, column_source, False)
            v += 1
        start = 0
        while start < row_len:
            n = min(<Py_ssize_t> CHUNK, row_len - start)
            for f in range(2):  # response f: its column filter down the ring, then its row
                for t in range(counts[2 * f]):
                    sources[t] = ring + ring_slot(y - anchor + filter_positions[2 * f][t],
                                                  size) * ring_stride
                accumulate_chunk(columns[f], sources, filter_weights[2 * f], counts[2 * f],
                                 start, n + halo)
                for t in range(counts[2 * f + 1]):
                    sources[t] = columns[f] + filter_positions[2 * f + 1][t] * channels
                accumulate_chunk(responses[f], sources, filter_weights[2 * f + 1],
                                 counts[2 * f + 1], 0, n)
            # (column 0 is free once response 0 is filtered)
            combine_responses(responses[0], responses[1], columns[0], n, combine)
            store_row(columns[0], 0, dst + y * row_len + start, n)
            start += CHUNK


def gradient(image, out, column_x, row_x, column_y, row_y, int combine, Py_ssize_t channels,
             int mode, double cval, int threads):
    """The combination (a value of COMBINES) of two responses, outer(column_x, row_x) and
    outer(column_y, row_y), each correlated with every plane of `image` (N, H, W*C), into
    `out` (N, H, W*C). The four filters have one odd size, anchored in the middle. The caller
    guarantees what correlate's caller does; the same type pairs are compiled."""
    cdef int types = compiled_types(image, out)
    if types == combination(U8, U8, F32):
        gradient_planes(<uint8_t> 0, <uint8_t> 0, <float> 0, image, out, column_x, row_x, column_y,
                        row_y, combine, channels, mode, cval, threads)
    elif types == combination(U8, F32, F32):
        gradient_planes(<uint8_t> 0, <float> 0, <float> 0, image, out, column_x, row_x, column_y,
                        row_y, combine, channels, mode, cval, threads)
    elif types == combination(U8, F64, F64):
        gradient_planes(<uint8_t> 0, <double> 0, <double> 0, image, out, column_x, row_x, column_y,
                        row_y, combine, channels, mode, cval, threads)
    elif types == combination(U16, U16, F64):
        gradient_planes(<uint16_t> 0, <uint16_t> 0, <double> 0, image, out, column_x, row_x,
                        column_y, row_y, combine, channels, mode, cval, threads)
    elif types == combination(U16, F32, F64):
        gradient_planes(<uint16_t> 0, <float> 0, <double> 0, image, out, column_x, row_x, column_y,
                        row_y, combine, channels, mode, cval, threads)
    elif types == combination(U16, F64, F64):
        gradient_planes(<uint16_t> 0, <double> 0, <double> 0, image, out, column_x, row_x,
                        column_y, row_y, combine, channels, mode, cval, threads)
    elif types == combination(I16, I16, F64):
        gradient_planes(<int16_t> 0, <int16_t> 0, <double> 0, image, out, column_x, row_x,
                        column_y, row_y, combine, channels, mode, cval, threads)
    elif types == combination(I16, F32, F64):
        gradient_planes(<int16_t> 0, <float> 0, <double> 0, image, out, column_x, row_x, column_y,
                        row_y, combine, channels, mode, cval, threads)
    elif types == combination(I16, F64, F64):
        gradient_planes(<int16_t> 0, <double> 0, <double> 0, image, out, column_x, row_x, column_y,
                        row_y, combine, channels, mode, cval, threads)
    elif types == combination(F32, F32, F32):
        gradient_planes(<float> 0, <float> 0, <float> 0, image, out, column_x, row_x, column_y,
                        row_y, combine, channels, mode, cval, threads)
    elif types == combination(F32, F64, F64):
        gradient_planes(<float> 0, <double> 0, <double> 0, image, out, column_x, row_x, column_y,
                        row_y, combine, channels, mode, cval, threads)
    elif types == combination(F64, F32, F64):
        gradient_planes(<double> 0, <float> 0, <double> 0, image, out, column_x, row_x, column_y,
                        row_y, combine, channels, mode, cval, threads)
    elif types == combination(F64, F64, F64):
        gradient_planes(<double> 0, <double> 0, <double> 0, image, out, column_x, row_x, column_y,
                        row_y, combine, channels, mode, cval, threads)
    else:
        raise TypeError(UNCOMPILED_TYPES)


cdef int gradient_planes(in_t image_type, out_t out_type, acc_t weight_type, image_object,
                         out_object, column_x_object, row_x_object, column_y_object,
                         row_y_object, int combine, Py_ssize_t channels, int mode, double cval,
                         int threads) except -1:
    """gradient for the types of its first three arguments (their values unused)."""
    cdef const in_t[:, :, ::1] image = image_object
    cdef out_t[:, :, ::1] out = out_object
    cdef const acc_t[::1] column_x = column_x_object, row_x = row_x_object
    cdef const acc_t[::1] column_y = column_y_object, row_y = row_y_object
    cdef Py_ssize_t planes = image.shape[0], height = image.shape[1]
    cdef Py_ssize_t width = image.shape[2] // channels, size = column_x.shape[0]
    cdef Py_ssize_t halo = (size - 1) * channels
    cdef Py_ssize_t ring_stride = padded((width + size - 1) * channels)
    cdef Py_ssize_t scratch_len = size * ring_stride + 2 * padded(CHUNK + halo) + 2 * CHUNK
    cdef Py_ssize_t p, unit, plane, y_start, y_stop, rows_per_block, blocks_per_plane, units
    cdef Py_ssize_t counts[4]
    cdef acc_t cval_acc = <acc_t> cval
    cdef Py_ssize_t *column_source = <Py_ssize_t *> malloc(
        (width + size - 1) * sizeof(Py_ssize_t))
    cdef acc_t *weights = <acc_t *> malloc(4 * size * sizeof(acc_t))
    cdef Py_ssize_t *positions = <Py_ssize_t *> malloc(4 * size * sizeof(Py_ssize_t))
    cdef void *scratch_memory = NULL
    cdef acc_t *scratch = NULL
    cdef const acc_t **sources = <const acc_t **> malloc(threads * size * sizeof(acc_t *))
    blocks_per_plane = min(height, max(1, (threads * BLOCKS_PER_THREAD + planes - 1) // planes
                                       if threads > 1 else 1))
    rows_per_block = (height + blocks_per_plane - 1) // blocks_per_plane
    blocks_per_plane = (height + rows_per_block - 1) // rows_per_block
    units = planes * blocks_per_plane
    threads = <int> min(threads, units)
    scratch_memory = malloc(threads * scratch_len * sizeof(acc_t) + 64)
    if scratch_memory != NULL:  # up to the next cache line
        scratch = <acc_t *> ((<size_t> scratch_memory + 63) & ~(<size_t> 63))
    try:
        if (column_source == NULL or weights == NULL or positions == NULL or sources == NULL
                or scratch == NULL):
            raise MemoryError("cconv: not enough memory for the row buffers")
        for p in range(width + size - 1):
            column_source[p] = source_index(p - size // 2, width, mode)
        counts[0] = nonzero_taps(column_x, weights, positions)
        counts[1] = nonzero_taps(row_x, weights + counts[0], positions + counts[0])
        p = counts[0] + counts[1]
        counts[2] = nonzero_taps(column_y, weights + p, positions + p)
        p += counts[2]
        counts[3] = nonzero_taps(row_y, weights + p, positions + p)
        with nogil:
            for unit in prange(units, schedule="dynamic", num_threads=threads):
                plane = unit // blocks_per_plane
                y_start = (unit % blocks_per_plane) * rows_per_block
                y_stop = min(height, y_start + rows_per_block)
                gradient_block(&image[plane, 0, 0], &out[plane, 0, 0], height, width, channels,
                               size, mode, cval_acc, column_source, weights, positions, counts,
                               combine, y_start, y_stop, scratch + threadid() * scratch_len,
                               ring_stride, sources + threadid() * size)
    finally:
        free(column_source)
        free(weights)
        free(positions)
        free(scratch_memory)
        free(sources)
    return 0
