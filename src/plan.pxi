# The taps of a call (included by _core.pyx): the lists of (row, offset, weight) that the block
# functions walk, made once per call by the entry point.
#
# Only non-zero taps are kept: fewer multiply-adds for sparse kernels, and zero weights never
# meet infinite pixels (0 * inf would be NaN), as in scipy.ndimage.


cdef bint sums_fit_int16(const acc_t[:, ::1] kernel, int mode, double cval, double offset):
    """Whether a uint8 image's direct path into uint8 sums exactly in int16 (integer_taps.h):
    integer weights whose absolute sum times the largest sample, plus |offset| (an integer),
    is at most CCONV_INT_SUM_LIMIT, with cval a uint8 where it is used."""
    cdef Py_ssize_t ky, kx
    cdef double weight_sum = 0
    if mode == CONSTANT and not (0 <= cval <= 255 and cval == floor(cval)):
        return False
    for ky in range(kernel.shape[0]):
        for kx in range(kernel.shape[1]):
            if kernel[ky, kx] != floor(kernel[ky, kx]):
                return False
            weight_sum += fabs(kernel[ky, kx])
    return offset == floor(offset) and weight_sum * 255 + fabs(offset) <= CCONV_INT_SUM_LIMIT


cdef Py_ssize_t list_direct_taps(const acc_t[:, ::1] kernel, Py_ssize_t channels,
                                 bint integer_taps, Py_ssize_t *tap_row, Py_ssize_t *tap_offset,
                                 acc_t *weights, int16_t *integer_weights, Py_ssize_t *counts):
    """The direct path's taps in the kernel's row-major order; returns their number. The
    integer path (integer_taps) lists the weights of 1, then of -1, then the others
    (integer_taps.h), one pass over the kernel per kind, and sets counts[0] and counts[1] to
    the numbers of the first two kinds."""
    cdef Py_ssize_t c, ky, kx, taps = 0
    cdef acc_t w
    for c in range(3 if integer_taps else 1):
        for ky in range(kernel.shape[0]):
            for kx in range(kernel.shape[1]):
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
            counts[0] = taps
        elif integer_taps and c == 1:
            counts[1] = taps - counts[0]
    return taps


cdef Py_ssize_t list_group_taps(const acc_t[:, ::1] kernel, Py_ssize_t group,
                                Py_ssize_t channels, Py_ssize_t *group_row,
                                Py_ssize_t *group_offset, acc_t *group_weights):
    """The direct path's taps for groups of `group` output rows; returns their number.

    A group tap is a sample position under a group of output rows (row r of the rows under
    the group, column kx), with one weight per output row g of the group: the kernel's at
    (r - g, kx), or 0 where there is none. In this order each output row meets its non-zero
    taps in the kernel's row-major order, as list_direct_taps lists them, so a row's result
    does not depend on its group, nor on whether it had one."""
    cdef Py_ssize_t r, g, ky, kx, group_taps = 0
    cdef Py_ssize_t kernel_height = kernel.shape[0]
    cdef bint any_weight
    for r in range(kernel_height + group - 1):
        for kx in range(kernel.shape[1]):
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
    return group_taps


cdef bint groups_pay(const acc_t *group_weights, Py_ssize_t group, Py_ssize_t group_taps,
                     Py_ssize_t taps, Py_ssize_t kernel_height, Py_ssize_t *cut):
    """Whether the direct path takes output rows in groups; sets `cut`, the spans that every
    group's loop then uses.

    A group loads each sample once for all its rows, and multiplies each row's weights from
    its first non-zero one to its last (row_taps.h's spans, the rows of span c are 0 to c, then
    c - group + 1 to group - 1): span_taps multiply-adds per group. Groups pay where they add
    at most a quarter to the kernel's multiply-adds (AVX2: spans counted, kernels of 4 rows
    and more; AVX-512: the group's taps); the measurements are in docs/design.md (direct
    path)."""
    cdef Py_ssize_t c, span_taps = 0
    if acc_t is float:  # (the groups' loops are float32 only)
        cconv_group_spans(cut, <int> group, group_weights, group_taps)
        for c in range(2 * group - 1):
            span_taps += (cut[c + 1] - cut[c]) * (c + 1 if c < group else 2 * group - 1 - c)
        if CCONV_TAPS_GROUP == 3:
            return kernel_height >= 4 and span_taps * 4 <= taps * group * 5
        return group_taps * 4 <= taps * 5
    return False


cdef void list_separable_taps(const acc_t[::1] row_weights, const acc_t[::1] column_weights,
                              double centre, Py_ssize_t channels, Py_ssize_t *tap_row,
                              Py_ssize_t *tap_offset, acc_t *weights, Py_ssize_t *counts):
    """A separable kernel's taps: its row taps (offsets and weights from index 0), the centre
    weight after them, then its column taps (rows and weights); counts[0] and counts[1] are
    the numbers of row and column taps."""
    cdef Py_ssize_t kx, ky, row_taps = 0, column_taps = 0
    for kx in range(row_weights.shape[0]):
        if row_weights[kx] != 0:
            tap_offset[row_taps] = kx * channels
            weights[row_taps] = row_weights[kx]
            row_taps += 1
    weights[row_taps] = <acc_t> centre
    for ky in range(column_weights.shape[0]):
        if column_weights[ky] != 0:
            tap_row[row_taps + 1 + column_taps] = ky
            weights[row_taps + 1 + column_taps] = column_weights[ky]
            column_taps += 1
    counts[0], counts[1] = row_taps, column_taps
