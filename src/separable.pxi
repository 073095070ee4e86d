# The separable path (included by _core.pyx): a rank-1 kernel as a column filter read straight
# from the image, then a row filter along each chunk while it is in cache.


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
    is copied: the same operations gave it the same value (column_pass.h); cheaper than a short
    filter per border pixel (docs/design.md, where the constants come from)."""
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
                                      const in_t *ahead, Py_ssize_t channels,
                                      Py_ssize_t stride_x) noexcept nogil:
    """The row filter along a filtered chunk (in L1 cache), stored into dst[0:n]; `ahead`
    (or NULL): n image samples to prefetch meanwhile. `centre` (or NULL): the image samples
    under the outputs, one more tap of weight row_weights[row_taps] (an unsharp mask's
    kernel is separable but for its centre), read in place or from `converted` when they are
    not of the accumulator's type or not consecutive (stride_x > 1: `filtered` is then
    de-interleaved, see Stride)."""
    cdef Py_ssize_t t, i
    for t in range(row_taps):
        sources[t] = filtered + row_offset[t]
    if centre != NULL:
        if ((in_t is float and acc_t is float) or (in_t is double and acc_t is double)) \
                and stride_x == 1:
            sources[row_taps] = <const acc_t *> centre
        else:
            for i in range(n):
                converted[i] = <acc_t> centre[strided_sample(i, channels, stride_x)]
            sources[row_taps] = converted
    accumulate_and_store(sources, row_weights, row_taps + (centre != NULL), offset, acc, dst,
                         n, stream, ahead, sizeof(in_t) * stride_x)


cdef inline const acc_t *strided_row(acc_t *filtered, acc_t *phases, Py_ssize_t m,
                                     Py_ssize_t channels, Stride stride) noexcept nogil:
    """What the row filter reads: the filtered chunk (m samples), or, for strided outputs,
    the chunk de-interleaved into `phases` (see Stride)."""
    if stride.x == 1:
        return filtered
    deinterleave(filtered, phases, m // channels, channels, stride)
    return phases


cdef inline Py_ssize_t separable_chunk(Py_ssize_t row_len, Py_ssize_t channels,
                                       Py_ssize_t stride_x) noexcept nogil:
    """The samples of an image row per chunk of the separable path: a whole number of
    stride_x pixels, so that every chunk starts on a kept output."""
    cdef Py_ssize_t step = stride_x * channels
    if row_len <= SEPARABLE_CHUNK:
        return row_len
    return max(step, <Py_ssize_t> SEPARABLE_CHUNK // step * step)


cdef void separable_block(const in_t *src, out_t *dst, Py_ssize_t height, Py_ssize_t width,
                          Py_ssize_t channels, Py_ssize_t kernel_height, Py_ssize_t kernel_width,
                          Py_ssize_t anchor_y, Py_ssize_t anchor_x, int mode, acc_t cval,
                          const Py_ssize_t *column_source,
                          const acc_t *row_weights, const Py_ssize_t *row_offset,
                          Py_ssize_t row_taps, const acc_t *column_weights,
                          const Py_ssize_t *column_row, Py_ssize_t column_taps,
                          bint centred, acc_t offset, Py_ssize_t y_start, Py_ssize_t y_stop,
                          Stride stride, acc_t *scratch,
                          const in_t **rows, const acc_t **sources,
                          bint stream) noexcept nogil:
    """The separable path (kernel = column x row), column filter first. For each chunk of an
    output row the column filter runs down the image rows under the kernel, read straight from
    the image (no conversion pass, no ring of rows), into `filtered`: the chunk's part of the
    output row's column-filtered, border-extended row. The row filter then runs along it, in
    cache (L1 or L2: chunks of up to SEPARABLE_CHUNK samples), and the chunk is stored:
    kh + kw multiply-adds per sample instead of kh * kw. (Both passes in one loop, the row
    filter 32 samples behind the column filter, so that one's loads overlap the other's
    arithmetic, was slower: docs/design.md.)

    uint8 and float32 images in the AVX2/AVX-512 modules take up to CCONV_COLUMN_GROUP output
    rows at a time where the column taps are kernel_height consecutive image rows, all inside
    the image (column_pass.h): each row is loaded and converted once for all of them. Every
    sample is computed by the same operations whatever its group, so results do not depend on
    how rows are split between threads.

    `centred`: the kernel also has row_weights[row_taps] at its anchor (see
    row_filter_and_store).

    `stride` (see Stride): output row y is the column filter at image row y * stride.y (a
    group's rows then stride.y image rows apart); with stride.x > 1 each filtered chunk is de-interleaved (its row taps'
    offsets are already those of the de-interleaved chunk) and only the kept outputs are
    filtered along the row."""
    cdef Py_ssize_t row_len = width * channels
    cdef Py_ssize_t left = anchor_x * channels, halo = (kernel_width - 1) * channels
    cdef Py_ssize_t chunk = separable_chunk(row_len, channels, stride.x)
    cdef Py_ssize_t out_len = (width + stride.x - 1) // stride.x * channels
    cdef Py_ssize_t y, yc, t, g, group, live, start, n, n_out, m, j1, j2
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
    cdef acc_t *phases = converted + padded(chunk)  # (stride.x > 1) a de-interleaved chunk
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
        yc = y * stride.y  # the image row under the output row's anchor
        group = min(<Py_ssize_t> CCONV_COLUMN_GROUP, y_stop - y) if groups else 1
        if group > 1:  # the rows under the group's output rows, all inside the image?
            for t in range(kernel_height + (group - 1) * stride.y):
                rows[t] = source_row(src, yc - anchor_y + t, height, row_len, mode)
                if rows[t] == NULL:
                    group = 1
                    break
        if group > 1:
            for g in range(group):
                # The next group's new rows (every stride.y-th of them), prefetched chunk by
                # chunk while this group's row filters run, so that its column pass does not
                # wait for memory.
                ahead[g] = NULL
                if y + group < y_stop:
                    ahead[g] = source_row(src, yc - anchor_y + kernel_height
                                          + (group - 1 + g) * stride.y, height, row_len, mode)
        else:  # the rows under the column taps; those outside the image (constant) are cval
            live = 0
            outside = 0
            for t in range(column_taps):
                row = source_row(src, yc - anchor_y + column_row[t], height, row_len, mode)
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
            n_out = (n // channels + stride.x - 1) // stride.x * channels
            if group > 1:
                if in_t is uint8_t and acc_t is float and symmetric:
                    cconv_column_u8_group_symmetric(<float *const *> filtered, j1, group, rows,
                                                    column_weights, kernel_height,
                                                    start + j1 - left, j2 - j1, stride.y)
                elif in_t is uint8_t and acc_t is float:
                    cconv_column_u8_group(<float *const *> filtered, j1, group, rows,
                                          column_weights, kernel_height, start + j1 - left,
                                          j2 - j1, stride.y)
                elif in_t is float and acc_t is float:
                    cconv_column_f32_group(<float *const *> filtered, j1, group, rows,
                                           column_weights, kernel_height, start + j1 - left,
                                           j2 - j1, stride.y)
                for g in range(group):
                    fill_borders(filtered[g], start, j1, j2, m, rows + g * stride.y,
                                 column_weights, column_taps, 0, cval_column, column_source,
                                 channels, left, symmetric)
                    row_filter_and_store(strided_row(filtered[g], phases, m, channels, stride),
                                         row_weights, row_offset, row_taps,
                                         chunk_of(source_row(src, yc + g * stride.y, height,
                                                             row_len, mode),
                                                  start) if centred else NULL,
                                         converted, offset, acc,
                                         dst + (y + g) * out_len + start // stride.x, n_out,
                                         sources, stream, chunk_of(ahead[g], start), channels,
                                         stride.x)
            else:
                column_pass(filtered[0] + j1, rows, live_weights, live, outside,
                            start + j1 - left, j2 - j1, symmetric and live == column_taps)
                fill_borders(filtered[0], start, j1, j2, m, rows, live_weights, live, outside,
                             cval_column, column_source, channels, left,
                             symmetric and live == column_taps)
                row_filter_and_store(strided_row(filtered[0], phases, m, channels, stride),
                                     row_weights, row_offset, row_taps,
                                     chunk_of(source_row(src, yc, height, row_len, mode), start)
                                     if centred else NULL, converted, offset, acc,
                                     dst + y * out_len + start // stride.x, n_out, sources,
                                     stream, <const in_t *> NULL, channels, stride.x)
            start += chunk
        y += group
