# The direct path in exact integers (included by _core.pyx): uint8 images under small integer
# kernels, summed in int16 (integer_taps.h).


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
                        Py_ssize_t y_start, Py_ssize_t y_stop, Stride stride, uint8_t *ring,
                        Py_ssize_t ring_stride, uint8_t *extended,
                        const uint8_t **sources) noexcept nogil:
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
    borders are 16 samples at least (one vector block): parts of 3 samples would take the scalar
    loop (docs/design.md, where the constants come from).
    `stride`: as in direct_block (rows extended into `extended`, then de-interleaved)."""
    cdef Py_ssize_t row_len = width * channels, near = (kernel_width - 1) * channels
    cdef Py_ssize_t left = anchor_x * channels
    cdef Py_ssize_t right = (width - kernel_width + 1 + anchor_x) * channels
    cdef Py_ssize_t out_len = (width + stride.x - 1) // stride.x * channels
    cdef bint in_place = reads_in_place(width, kernel_width, row_len) and stride.x == 1
    cdef Py_ssize_t inner_start = min(max(left, 16), right)
    cdef Py_ssize_t inner_stop = max(min(right, row_len - 16), inner_start)
    # the ring rows' samples the outer parts read (see extend_u8_row), all without in_place
    cdef Py_ssize_t edge = near + 16 if in_place else row_len
    cdef Py_ssize_t y, t, r, part, start, stop, first, source_row
    cdef Py_ssize_t v = y_start * stride.y - anchor_y
    cdef uint8_t *slot
    cdef const uint8_t **bases = sources + taps  # per kernel row, see below
    for y in range(y_start, y_stop):
        first = y * stride.y - anchor_y  # the virtual row under kernel row 0
        v = max(v, first)
        while v <= first + kernel_height - 1:
            source_row = source_index(v, height, mode)
            slot = ring + ring_slot(v, kernel_height) * ring_stride
            extend_u8_row(src + source_row * row_len if source_row >= 0 else NULL,
                          extended if stride.x > 1 else slot, column_source,
                          width, channels, kernel_width, anchor_x, cval, edge)
            if stride.x > 1:
                deinterleave(extended, slot, width + kernel_width - 1, channels, stride)
            v += 1
        # parts: [0, inner_start) and [inner_stop, row_len) read the ring, the part between
        # the image (where the row is one); without in-place reading the whole row is one part
        for part in range(3 if in_place else 1):
            start = 0 if part == 0 else inner_start if part == 1 else inner_stop
            stop = (out_len if not in_place else inner_start if part == 0
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
            cconv_int_taps_u8(dst + y * out_len + start, sources, weights, plus, minus, taps,
                              offset, stop - start)
