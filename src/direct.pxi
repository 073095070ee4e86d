# The direct path (included by _core.pyx): one multiply-add per non-zero weight, over a ring of
# extended rows or the image's rows in place, output rows in groups where that pays.


cdef void direct_block(const in_t *src, out_t *dst, Py_ssize_t height, Py_ssize_t width,
                       Py_ssize_t channels, Py_ssize_t kernel_height, Py_ssize_t kernel_width,
                       Py_ssize_t anchor_y, Py_ssize_t anchor_x, int mode, acc_t cval,
                       const Py_ssize_t *column_source, const acc_t *weights,
                       const Py_ssize_t *tap_row, const Py_ssize_t *tap_offset, Py_ssize_t taps,
                       const acc_t *group_weights, const Py_ssize_t *group_row,
                       const Py_ssize_t *group_offset, Py_ssize_t group_taps, Py_ssize_t group,
                       const Py_ssize_t *group_cut, bint check_finite, acc_t offset,
                       Py_ssize_t y_start, Py_ssize_t y_stop, Stride stride, acc_t *ring,
                       Py_ssize_t ring_stride, acc_t *acc, acc_t *extended,
                       const acc_t **sources, bint stream) noexcept nogil:
    """The direct path, output rows [y_start, y_stop) of one plane, `group` rows at a time.

    `stride` (see Stride): output row y is the image's row y * stride.y (group is then 1);
    with stride.x > 1 each row is extended into `extended` and de-interleaved into its ring
    slot, the taps' offsets are already those of the de-interleaved rows, and only the kept
    outputs are computed.

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
    cdef Py_ssize_t out_len = (width + stride.x - 1) // stride.x * channels
    cdef Py_ssize_t ring_rows = kernel_height + group - 1
    # the last virtual row read
    cdef Py_ssize_t last_row = (y_stop - 1) * stride.y - anchor_y + kernel_height - 1
    cdef Py_ssize_t y = y_start, v = y_start * stride.y - anchor_y, t, g, r, count, first, last
    cdef Py_ssize_t nonfinite = v - 1  # the last row loaded that holds NaN or infinity, if any
    # An image already of the accumulator's type is read in place, not copied into the ring:
    # only the outputs in reach of a border (before `left`, from `right` on) read extended rows,
    # of which only the parts near the borders are loaded: the copy was a large part of a
    # small kernel's time (docs/design.md, the direct path).
    cdef bint in_place = ((in_t is float and acc_t is float or in_t is double and acc_t is double)
                          and reads_in_place(width, kernel_width,
                                             row_len * <Py_ssize_t> (sizeof(acc_t) // sizeof(float)))
                          and stride.x == 1)
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
    part_start[0], part_stop[0] = 0, (left if in_place else out_len)
    part_start[1], part_stop[1] = left, right  # in_place: read from the image
    part_start[2], part_stop[2] = right, row_len
    while y < y_stop:
        count = min(group, y_stop - y)
        first = y * stride.y - anchor_y  # the rows under the group
        last = first + kernel_height + count - 2
        v = max(v, first)  # (rows between strided outputs' windows are not read)
        while v <= last:
            row = ring + ring_slot(v, ring_rows) * ring_stride
            loaded_in_place = in_place and source_index(v, height, mode) >= 0
            if stride.x > 1:
                load_row(src, extended, v, height, width, channels, kernel_width, anchor_x,
                         mode, cval, column_source, False)
                deinterleave(extended, row, width + kernel_width - 1, channels, stride)
            else:
                load_row(src, row, v, height, width, channels, kernel_width, anchor_x, mode,
                         cval, column_source, loaded_in_place)
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
                    outs[g] = dst + (y + min(g, count - 1)) * out_len + start
                if acc_t is float and out_t is uint8_t:
                    cconv_taps_group_u8(outs, count, sources, group_weights, group_taps,
                                        group_cut, offset, n, stream, ahead_part,
                                        sizeof(in_t) * stride.x)
                elif acc_t is float and out_t is float:
                    cconv_taps_group_f32(outs, count, sources, group_weights, group_taps,
                                         group_cut, offset, n, stream, ahead_part,
                                         sizeof(in_t) * stride.x)
            else:
                for g in range(count):
                    for t in range(taps):
                        sources[t] = bases[g + tap_row[t]] + tap_offset[t]
                    accumulate_and_store(sources, weights, taps, offset, acc,
                                         dst + (y + g) * out_len + start, n, stream,
                                         ahead_part[0] if g == count - 1 else NULL,
                                         sizeof(in_t) * stride.x)
        y += count
