# Missing data, nan_policy='omit' (included by _core.pyx; cconv.missing is the Python side): the
# two passes around the engine's two sums, each one threaded loop instead of numpy's several.

ctypedef fused real_t:
    float
    double


def split_missing(const real_t[:, ::1] image, const uint8_t[:, ::1] mask, real_t[:, ::1] values,
                  real_t[:, ::1] valid, int threads):
    """values = image with its missing samples (NaN, or mask nonzero; mask may have no rows)
    set to 0; valid = 1 where a sample is not missing, else 0."""
    cdef Py_ssize_t rows = image.shape[0], n = image.shape[1], y, x
    cdef bint masked = mask.shape[0] > 0
    cdef bint keep
    with nogil:
        for y in prange(rows, schedule="static", num_threads=threads):
            for x in range(n):
                keep = image[y, x] == image[y, x] and not (masked and mask[y, x])
                values[y, x] = image[y, x] if keep else 0
                valid[y, x] = 1 if keep else 0


def divide_by_share(real_t[:, ::1] total, const real_t[:, ::1] share, double offset,
                    int threads):
    """total = total / share + offset, in place; NaN where share is 0 (no valid sample)."""
    cdef Py_ssize_t rows = total.shape[0], n = total.shape[1], y, x
    with nogil:
        for y in prange(rows, schedule="static", num_threads=threads):
            for x in range(n):
                total[y, x] = (total[y, x] / share[y, x] + <real_t> offset if share[y, x] != 0
                               else <real_t> NAN)
