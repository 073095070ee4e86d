# The FFT path (included by _core.pyx): overlap-save correlation in float32 tiles, for kernels
# too large for the multiply-adds. cconv._fft decides when it is accurate enough and pays.

cdef extern from "fft.h" nogil:
    enum: CCONV_FFT_STRIP
    void cconv_fft_twiddles(float *wr, float *wi, Py_ssize_t n)
    void cconv_fft_tile(float *re, float *im, Py_ssize_t n, float *strip_re, float *strip_im,
                        float *spec_re, float *spec_im, const float *wr, const float *wi,
                        int make_spectrum, float scale)

FFT_STRIP = CCONV_FFT_STRIP


def fft_correlate(image, out, kernel, Py_ssize_t channels, Py_ssize_t anchor_y,
                  Py_ssize_t anchor_x, int mode, double cval, double offset, double grid,
                  Py_ssize_t tile, int threads):
    """Correlate every plane of `image` (N, H, W*C) with `kernel` into `out` (as correlate),
    through tile x tile transforms (a power of two, at least the kernel's size + 1 and
    CCONV_FFT_STRIP): each tile of the border-extended image gives the outputs of its top-left
    (tile - kh + 1) x (tile - kw + 1) corner. Sums plus `offset` are moved to the nearest
    multiple of `grid` where it is not 0 (a power of two: cconv._fft.exact_step), then stored
    as correlate stores them. uint8 and float32 images, uint8 and float32 outputs.

    Returns False, with `out` partly written, if the image holds NaN or infinity or a
    transform overflowed float32 (the caller then takes the direct path); True when done.
    """
    cdef int types = compiled_types(image, out)
    if types == combination(U8, U8, F32):
        return fft_planes(<uint8_t> 0, <uint8_t> 0, image, out, kernel, channels, anchor_y,
                          anchor_x, mode, cval, offset, grid, tile, threads)
    elif types == combination(U8, F32, F32):
        return fft_planes(<uint8_t> 0, <float> 0, image, out, kernel, channels, anchor_y, anchor_x,
                          mode, cval, offset, grid, tile, threads)
    elif types == combination(F32, U8, F32):
        return fft_planes(<float> 0, <uint8_t> 0, image, out, kernel, channels, anchor_y, anchor_x,
                          mode, cval, offset, grid, tile, threads)
    elif types == combination(F32, F32, F32):
        return fft_planes(<float> 0, <float> 0, image, out, kernel, channels, anchor_y, anchor_x,
                          mode, cval, offset, grid, tile, threads)
    raise TypeError("cconv engine: the FFT path takes uint8 and float32 images and outputs, "
                    "and a float32 kernel")


cdef bint fft_planes(in_t image_type, out_t out_type, image_object, out_object, kernel_object,
                     Py_ssize_t channels, Py_ssize_t anchor_y, Py_ssize_t anchor_x, int mode,
                     double cval, double offset, double grid, Py_ssize_t tile,
                     int threads) except -1:
    """fft_correlate for the types of its first two arguments (their values unused)."""
    cdef const in_t[:, :, ::1] image = image_object
    cdef out_t[:, :, ::1] out = out_object
    cdef const float[:, ::1] kernel = kernel_object
    cdef Py_ssize_t planes = image.shape[0], height = image.shape[1]
    cdef Py_ssize_t width = image.shape[2] // channels
    cdef Py_ssize_t kernel_height = kernel.shape[0], kernel_width = kernel.shape[1]
    cdef Py_ssize_t step_y = tile - kernel_height + 1, step_x = tile - kernel_width + 1
    cdef Py_ssize_t tiles_y = (height + step_y - 1) // step_y
    cdef Py_ssize_t tiles_x = (width + step_x - 1) // step_x
    cdef Py_ssize_t per_plane = channels * tiles_y * tiles_x
    cdef Py_ssize_t pairs = (planes * per_plane + 1) // 2
    # a tile's rows are padded (fft.h), the kernel's spectrum is not
    cdef Py_ssize_t ld = tile + CCONV_FFT_STRIP, area = tile * ld, strip = tile * CCONV_FFT_STRIP
    # per thread: a tile's two parts, a strip's two parts, a row of outputs
    cdef Py_ssize_t scratch_len = 2 * area + 2 * strip + tile
    cdef Py_ssize_t rows_len = tiles_y * step_y + tile, columns_len = tiles_x * step_x + tile
    cdef Py_ssize_t i, j, pair, part
    cdef int nonfinite = 0
    cdef float *mine
    threads = <int> max(1, min(threads, pairs))
    # the twiddles' real and imaginary parts, then the kernel's spectrum's
    cdef float *tables = <float *> malloc((2 * tile + 2 * tile * tile) * sizeof(float))
    cdef float *scratch = <float *> malloc(threads * scratch_len * sizeof(float))
    cdef out_t *rows = <out_t *> malloc(threads * tile * sizeof(out_t))
    cdef Py_ssize_t *row_source = <Py_ssize_t *> malloc(rows_len * sizeof(Py_ssize_t))
    cdef Py_ssize_t *column_source = <Py_ssize_t *> malloc(columns_len * sizeof(Py_ssize_t))
    try:
        if (tables == NULL or scratch == NULL or rows == NULL or row_source == NULL
                or column_source == NULL):
            raise MemoryError("cconv: not enough memory for the FFT's tiles")
        for i in range(rows_len):
            row_source[i] = source_index(i - anchor_y, height, mode)
        for i in range(columns_len):
            column_source[i] = source_index(i - anchor_x, width, mode)
        with nogil:
            # the kernel, flipped and wrapped around: circular convolution with it is
            # correlation with the kernel at the tile's top-left corners
            cconv_fft_twiddles(tables, tables + tile, tile)
            memset(scratch, 0, 2 * area * sizeof(float))
            for i in range(kernel_height):
                for j in range(kernel_width):
                    scratch[((tile - i) % tile) * ld + (tile - j) % tile] = kernel[i, j]
            cconv_fft_tile(scratch, scratch + area, tile, scratch + 2 * area,
                           scratch + 2 * area + strip, tables + 2 * tile,
                           tables + 2 * tile + tile * tile, tables, tables + tile, 1,
                           1.0 / <double> (tile * tile))
            for pair in prange(pairs, schedule="dynamic", num_threads=threads):
                mine = scratch + threadid() * scratch_len
                for part in range(2):
                    if 2 * pair + part < planes * per_plane:
                        nonfinite += load_tile(&image[0, 0, 0], mine + part * area,
                                               2 * pair + part, per_plane, tiles_x, height,
                                               width, channels, step_y, step_x, tile,
                                               row_source, column_source, anchor_x,
                                               <float> cval, ld)
                    else:
                        memset(mine + part * area, 0, area * sizeof(float))
                cconv_fft_tile(mine, mine + area, tile, mine + 2 * area,
                               mine + 2 * area + strip, tables + 2 * tile,
                               tables + 2 * tile + tile * tile, tables, tables + tile, 0, 1.0)
                for part in range(2):
                    if 2 * pair + part < planes * per_plane:
                        nonfinite += store_tile(mine + part * area, &out[0, 0, 0], 2 * pair + part,
                                   per_plane, tiles_x, height, width, channels, step_y,
                                   step_x, tile, <float> offset,
                                   <float> grid, ld, mine + 2 * area + 2 * strip,
                                   rows + threadid() * tile)
    finally:
        free(tables)
        free(scratch)
        free(rows)
        free(row_source)
        free(column_source)
    return nonfinite == 0


cdef inline int load_tile(const in_t *image, float *dst, Py_ssize_t index,
                          Py_ssize_t per_plane, Py_ssize_t tiles_x, Py_ssize_t height,
                          Py_ssize_t width, Py_ssize_t channels,
                          Py_ssize_t step_y, Py_ssize_t step_x, Py_ssize_t tile,
                          const Py_ssize_t *row_source, const Py_ssize_t *column_source,
                          Py_ssize_t anchor_x, float cval, Py_ssize_t ld) noexcept nogil:
    """Real tile `index` (by plane, tile row, tile column, channel) of the border-extended image
    into dst (rows ld samples apart); 1 if it holds NaN or infinity, else 0."""
    cdef Py_ssize_t plane, channel, y0, x0
    tile_position(index, per_plane, tiles_x, channels, step_y, step_x, &plane, &channel, &y0,
                  &x0)
    cdef const Py_ssize_t *columns = column_source + x0
    # The tile's columns inside the image, [inside, outside), are a run of the image's own;
    # those beside it (at the image's left and right edges) go through the border's table
    cdef Py_ssize_t inside = min(tile, max(0, anchor_x - x0))
    cdef Py_ssize_t outside = max(inside, min(tile, width + anchor_x - x0))
    cdef Py_ssize_t r, c, source
    cdef const in_t *src
    cdef const in_t *run
    cdef float *row
    cdef bint finite = True
    for r in range(tile):
        row = dst + r * ld
        source = row_source[y0 + r]
        if source < 0:
            for c in range(tile):
                row[c] = cval
            continue
        src = image + ((plane * height + source) * width) * channels + channel
        for c in range(inside):
            row[c] = cval if columns[c] < 0 else <float> src[columns[c] * channels]
        run = src + (x0 + inside - anchor_x) * channels
        if channels == 1:  # (a loop the compiler vectorises)
            for c in range(outside - inside):
                row[inside + c] = <float> run[c]
        else:
            for c in range(outside - inside):
                row[inside + c] = <float> run[c * channels]
        for c in range(outside, tile):
            row[c] = cval if columns[c] < 0 else <float> src[columns[c] * channels]
        if in_t is float and not all_finite(row, tile):
            finite = False
    return 0 if finite else 1


cdef inline int store_tile(float *values, out_t *out, Py_ssize_t index,
                            Py_ssize_t per_plane, Py_ssize_t tiles_x, Py_ssize_t height,
                            Py_ssize_t width, Py_ssize_t channels,
                            Py_ssize_t step_y, Py_ssize_t step_x, Py_ssize_t tile,
                            float offset, float grid, Py_ssize_t ld, float *sums,
                            out_t *row) noexcept nogil:
    """The outputs of real tile `index` (its top-left step_y x step_x corner, within the
    image) from its filtered `values` (rows ld samples apart); `sums` and `row` are a row of
    scratch each. 1 if a value is NaN or infinite (the transforms overflowed), else 0."""
    cdef Py_ssize_t plane, channel, y0, x0
    tile_position(index, per_plane, tiles_x, channels, step_y, step_x, &plane, &channel, &y0,
                  &x0)
    cdef Py_ssize_t count = min(step_x, width - x0), r, c
    cdef const float *src
    cdef out_t *dst
    cdef bint finite = True
    for r in range(min(step_y, height - y0)):
        src = values + r * ld
        if not all_finite(src, count):
            finite = False
        if grid != 0:  # exact sums lie on the grid: snapped to it, ties stay ties
            for c in range(count):
                sums[c] = rint_float(src[c] / grid) * grid
            src = sums
        dst = out + ((plane * height + y0 + r) * width + x0) * channels + channel
        if channels == 1:
            store_row(src, offset, dst, count)
            continue
        store_row(src, offset, row, count)
        for c in range(count):
            dst[c * channels] = row[c]
    return 0 if finite else 1


cdef inline float rint_float(float v) noexcept nogil:
    """v rounded to the nearest integer, ties to even (|v| < 2**22)."""
    return (v + 12582912.0) - 12582912.0


cdef inline void tile_position(Py_ssize_t index, Py_ssize_t per_plane, Py_ssize_t tiles_x,
                               Py_ssize_t channels, Py_ssize_t step_y, Py_ssize_t step_x,
                               Py_ssize_t *plane, Py_ssize_t *channel, Py_ssize_t *y0,
                               Py_ssize_t *x0) noexcept nogil:
    """Where real tile `index` lies: tiles go by plane, tile row, tile column, then channel (a
    tile's channels are neighbours, which read the same image rows)."""
    cdef Py_ssize_t pixel_tile = index % per_plane // channels
    plane[0] = index // per_plane
    channel[0] = index % channels
    y0[0] = pixel_tile // tiles_x * step_y
    x0[0] = pixel_tile % tiles_x * step_x
