# Missing data, nan_policy='omit' (included by _core.pyx; cconv.missing is the Python side): the
# two passes around the engine's two sums, each one threaded loop instead of numpy's several.

ctypedef fused real_t:
    float
    double


def split_missing(const real_t[:, ::1] image, const uint8_t[:, ::1] mask, real_t[:, ::1] values,
                  uint8_t[:, ::1] valid, int threads):
    """values = image with its missing samples (NaN, or mask nonzero; mask may have no rows)
    set to 0; valid = 1 where a sample is not missing, else 0 (a quarter or an eighth of the
    bytes of a float map, to write and to filter)."""
    cdef Py_ssize_t rows = image.shape[0], n = image.shape[1], y
    cdef bint masked = mask.shape[0] > 0
    with nogil:
        for y in prange(rows, schedule="static", num_threads=threads):
            split_row(&image[y, 0], &mask[y, 0] if masked else NULL, &values[y, 0],
                      &valid[y, 0], n)


cdef inline void split_row(const real_t *image, const uint8_t *mask, real_t *values,
                           uint8_t *valid, Py_ssize_t n) noexcept nogil:
    """One row of split_missing, through plain pointers (a uint8 store may alias anything:
    through memoryviews the compiler would reload their fields after each one), without
    branches (Cython's `and` is one): vector loops."""
    cdef Py_ssize_t x
    cdef bint keep
    if mask == NULL:
        for x in range(n):
            keep = image[x] == image[x]
            values[x] = image[x] if keep else 0
            valid[x] = keep
    else:
        for x in range(n):
            keep = (image[x] == image[x]) & (mask[x] == 0)
            values[x] = image[x] if keep else 0
            valid[x] = keep


def divide_by_share(real_t[:, ::1] total, const real_t[:, ::1] share, double offset,
                    int threads):
    """total = total / share + offset, in place; NaN where share is 0 (no valid sample)."""
    cdef Py_ssize_t rows = total.shape[0], n = total.shape[1], y, x
    with nogil:
        for y in prange(rows, schedule="static", num_threads=threads):
            for x in range(n):
                total[y, x] = (total[y, x] / share[y, x] + <real_t> offset if share[y, x] != 0
                               else <real_t> NAN)
