cdef extern from "alpha.h" nogil:
    Py_ssize_t cconv_premultiply_rgba(const uint8_t *pixels, float *out, Py_ssize_t n)
    Py_ssize_t cconv_unpremultiply_rgba(const float *filtered, uint8_t *out, Py_ssize_t n)

# Alpha-correct filtering's two passes (included by _core.pyx): uint8 pixels whose last channel
# is alpha to premultiplied float32 samples, and filtered premultiplied samples back to uint8.
# Each is one threaded pass with the arithmetic numpy did (float32, in the same order), so the
# results are those of the numpy passes they replace.

def premultiply(const uint8_t[:, ::1] pixels, float[:, ::1] out, Py_ssize_t channels,
                int threads):
    """out = the colour channels times alpha / 255, then alpha / 255, for rows of pixels of
    `channels` samples (alpha last), laid out (rows, width * channels)."""
    cdef Py_ssize_t rows = pixels.shape[0], row_len = pixels.shape[1], y
    with nogil:
        for y in prange(rows, schedule="static", num_threads=threads):
            # (LA and RGBA with the channel count a constant, so the compiler vectorises)
            if channels == 2:
                premultiply_row(&pixels[y, 0], &out[y, 0], row_len // 2, 2)
            elif channels == 4:
                premultiply_row(&pixels[y, 0], &out[y, 0], row_len // 4, 4)
            else:
                premultiply_row(&pixels[y, 0], &out[y, 0], row_len // channels, channels)


cdef inline void premultiply_row(const uint8_t *pixels, float *out, Py_ssize_t width,
                                 Py_ssize_t channels) noexcept nogil:
    cdef Py_ssize_t x = 0, c
    cdef float weight
    if channels == 4:  # the vector part (AVX2 and AVX-512 modules), same results
        x = cconv_premultiply_rgba(pixels, out, width)
    for x in range(x, width):
        weight = <float> pixels[x * channels + channels - 1] / <float> 255
        for c in range(channels - 1):
            out[x * channels + c] = <float> pixels[x * channels + c] * weight
        out[x * channels + channels - 1] = weight


def unpremultiply(const float[:, ::1] filtered, const uint8_t[:, ::1] alpha_source,
                  uint8_t[:, ::1] out, Py_ssize_t channels, bint divide, int threads):
    """out = `filtered` (premultiplied samples, alpha / 255 last) back to uint8 pixels, rounded
    half to even and saturated (NaN to 0). divide (smoothing filters): colour divided by the
    filtered alpha (0 where that is not positive), alpha times 255. Otherwise (operators such
    as edges): colour as filtered, alpha copied from `alpha_source` (the unfiltered pixels)."""
    cdef Py_ssize_t rows = filtered.shape[0], row_len = filtered.shape[1], y
    with nogil:
        for y in prange(rows, schedule="static", num_threads=threads):
            if channels == 2:
                unpremultiply_row(&filtered[y, 0], &alpha_source[y, 0], &out[y, 0],
                                  row_len // 2, 2, divide)
            elif channels == 4:
                unpremultiply_row(&filtered[y, 0], &alpha_source[y, 0], &out[y, 0],
                                  row_len // 4, 4, divide)
            else:
                unpremultiply_row(&filtered[y, 0], &alpha_source[y, 0], &out[y, 0],
                                  row_len // channels, channels, divide)


cdef inline uint8_t round_u8(float v) noexcept nogil:
    cdef float magic = 12582912  # 1.5 * 2**23: half to even, see store_row
    v = v if v > 0 else 0  # NaN fails the test and becomes 0
    v = v if v < 255 else 255
    return <uint8_t> ((v + magic) - magic)


cdef inline void unpremultiply_row(const float *filtered, const uint8_t *alpha_source,
                                   uint8_t *out, Py_ssize_t width, Py_ssize_t channels,
                                   bint divide) noexcept nogil:
    cdef Py_ssize_t x = 0, c, a
    cdef float alpha
    if not divide:
        for x in range(width):
            a = x * channels + channels - 1
            for c in range(channels - 1):
                out[x * channels + c] = round_u8(filtered[x * channels + c])
            out[a] = alpha_source[a]
        return
    if channels == 4:  # the vector part (AVX2 and AVX-512 modules), same results
        x = cconv_unpremultiply_rgba(filtered, out, width)
    for x in range(x, width):
        a = x * channels + channels - 1
        alpha = filtered[a]
        for c in range(channels - 1):
            out[x * channels + c] = round_u8(filtered[x * channels + c] / alpha
                                             if alpha > 0 else 0)
        out[a] = round_u8(alpha * <float> 255)
