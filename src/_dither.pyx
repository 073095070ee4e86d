"""Error-diffusion dithering (module ``cconv._dither``): private, call ``cconv.dither``.

cconv.dither's docstring is the definition this loop follows. Each pixel, in scan order, is
corrected by the errors its neighbours pushed onto it, clipped, replaced by the nearest level or
palette colour, and its own error pushed on to the pixels after it. Integer images keep the
pushed errors as exact integer sums (divided once, truncating toward zero, when read: Pillow's
rule), float images as float64 sums of error times weight / divisor. A scalar loop, compiled
once for every CPU (CMakeLists.txt); directives are set there too.
"""

from cython.parallel cimport parallel, prange, threadid
from libc.math cimport INFINITY, trunc
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memset

cdef extern from "dither_sync.h" nogil:
    int cconv_team_size()
    void cconv_publish(volatile long long *flag, long long value)
    long long cconv_seen(volatile long long *flag)
    void cconv_wait(long long *spins)

ctypedef fused dither_t:
    uint8_t
    int8_t
    uint16_t
    int16_t
    uint32_t
    int32_t
    float
    double

# Pushed errors: exact int32 sums for 8- and 16-bit images, float64 for the others (exact
# integers still for 32-bit ones: their sums stay far below 2**53).
ctypedef fused error_t:
    int32_t
    double

cdef enum:
    DITHER_MAX_TAPS = 16
    DITHER_MAX_CHANNELS = 8  # (the Python side dithers more in groups)
    DITHER_MARGIN = 2  # columns of the error rows past each side: the widest kernel's reach
    DITHER_CHUNK = 16  # pixels whose pushed errors are gathered at once (see dither_image)
    CACHE_BITS = 16  # slots of the palette's cache of nearest colours: 2 ** CACHE_BITS
    CELL_BITS = 5  # the palette's grid: 2 ** CELL_BITS cells along each channel
    # How far a band's rows must be ahead of the band below, in iterations of chunks: the
    # band below gathers chunk k + 1 of the band's second row, which that row (two chunks
    # behind its first) finishes in iteration k + 3.
    BAND_LEAD = 4
    BAND_DONE = 1 << 30  # a band's count once it is finished
    BAND_FLAG_STRIDE = 8  # flags a cache line apart: two threads write neighbouring bands'


cdef struct Division:  # integer errors over the divisor, truncated toward zero (Pillow's rule)
    int shift  # the divisor is 2 ** shift, or -1; then
    # |quotient| = |errors| * magic >> bits, magic = ceil(2 ** bits / divisor), bits = 32 +
    # ceil(log2(divisor)): exact for every int32 (the rounding up of magic adds less than
    # |errors| / 2 ** bits < 1 / divisor): a multiply instead of a division in the chain
    uint64_t magic
    int bits


cdef struct Scan:
    Py_ssize_t height, width  # of one image
    Py_ssize_t taps  # errors gathered from the rows above (the current row's are `carry`)
    Py_ssize_t dy[2][DITHER_MAX_TAPS]  # per parity of the row (serpentine), in summing order
    Py_ssize_t dx[2][DITHER_MAX_TAPS]
    Py_ssize_t kept  # rows of errors kept: the deepest row + the two being dithered
    Division division  # (integer errors)
    Py_ssize_t levels, colours  # colours > 0: a palette, else `levels` levels
    bint serpentine


cdef struct Palette:
    const double *colours  # (count, channels)
    Py_ssize_t count
    # 8- and 16-bit images of up to 3 channels: a grid of cubes (cells), 2 ** cell_shift
    # values a side, and for each the colours that can be nearest to a pixel in it, listed
    # the first time a pixel falls there (listed_candidates), searched on a cache miss;
    # else NULL
    int32_t *cell_first  # where the cell's list starts in `pool`; -1 before it is made
    uint16_t *cell_count
    uint8_t *pool
    Py_ssize_t pool_used, pool_size
    int cell_shift
    # 8-bit images of 4 channels: a direct-mapped cache of the nearest colour to each
    # corrected pixel seen (its samples packed as the key, -1 in an empty slot), or NULL
    int64_t *keys
    uint8_t *numbers


cdef struct Lookup:
    # The levels of an 8- or 16-bit image by the corrected sample before it is clipped (the
    # pointers are offset so that the sample itself is the index): its level, its error, and
    # the error times the next pixel's weight, so that a pixel's chain to the next is an add, a
    # division and a load (levels_chunk)
    const int32_t *level
    const int32_t *error
    const int32_t *carried


cdef struct Row:  # where a row gathers from (error_t pointers: a struct cannot be fused)
    void *gathered[DITHER_MAX_TAPS]  # where each tap's errors are read, shifted by its offset
    const void *weights


def dither(const dither_t[:, :, :, ::1] image, dither_t[:, :, :, ::1] out,
           uint8_t[:, :, ::1] index, const Py_ssize_t[:, :, ::1] offsets,
           const error_t[:, ::1] weights, const error_t[::1] carry, error_t divisor,
           const error_t[::1] level_values, const double[:, ::1] palette, bint serpentine,
           int threads):
    """Dither each image of `image` (images, height, width, channels) into `out`.

    Each pixel's pushed errors are gathered: offsets (2, taps, 2) are the rows above and the
    columns left of it of the pixels whose errors it takes, with weights (2, taps), for even and
    odd rows (they differ when serpentine), in the order a row-by-row scan would have pushed
    them; then carry[1] times the error of the pixel before the previous in the row and
    carry[0] times the previous one's. Weights are integers for integer images, else
    weight / divisor (divisor then unused).
    Without a palette (no rows): each channel on its own to the nearest of `level_values`
    (ascending). With one (colours, channels; float64): all channels together to the nearest
    colour, its number written to `index` (images, height, width), the colour to `out`;
    level_values then holds the range the corrected samples are clipped to (lowest, highest).
    Images run in parallel; each has at most DITHER_MAX_CHANNELS channels.
    """
    cdef Scan scan
    cdef Py_ssize_t images = image.shape[0], channels = image.shape[3], number, t, p
    cdef Py_ssize_t deepest = 0
    cdef int64_t reach = 0
    cdef int32_t *table = NULL
    cdef Lookup lookup
    lookup.level = NULL
    scan.height = image.shape[1]
    scan.width = image.shape[2]
    scan.colours = palette.shape[0]
    scan.levels = level_values.shape[0]
    scan.taps = offsets.shape[1]
    if not 0 < scan.taps <= DITHER_MAX_TAPS or channels > DITHER_MAX_CHANNELS:
        raise ValueError("dither: 1 to 16 taps and at most 8 channels")
    for p in range(2):
        for t in range(scan.taps):
            scan.dy[p][t] = offsets[p, t, 0]
            scan.dx[p][t] = offsets[p, t, 1]
            deepest = max(deepest, scan.dy[p][t])
    scan.kept = deepest + 2
    scan.serpentine = serpentine
    if error_t is int32_t:
        scan.division = division_by(divisor)
        for t in range(scan.taps):
            reach += abs(weights[0, t])
        reach += abs(carry[0]) + abs(carry[1])
    if images == 0 or channels == 0 or scan.width == 0 or scan.height == 0:
        return
    with nogil:
        if (error_t is int32_t and not scan.colours
                and level_values[scan.levels - 1] - level_values[0] < 65536):
            table = lookup_table(&lookup, &level_values[0], scan.levels, carry[0], reach,
                                 divisor)
        if images >= threads or scan.serpentine:  # (serpentine rows wait for the whole row)
            for number in prange(images, schedule="dynamic", num_threads=threads):
                dither_image(&image[0, 0, 0, 0], &out[0, 0, 0, 0], &index[0, 0, 0], number,
                             channels, &scan, &weights[0, 0], carry[0], carry[1], divisor,
                             &level_values[0], &palette[0, 0] if scan.colours else NULL,
                             lookup, NULL, 0, NULL, 0, 1)
        else:  # each image's bands of rows shared by the threads, as a pipeline
            for number in range(images):
                dither_shared(&image[0, 0, 0, 0], &out[0, 0, 0, 0], &index[0, 0, 0], number,
                              channels, &scan, &weights[0, 0], carry[0], carry[1], divisor,
                              &level_values[0], &palette[0, 0] if scan.colours else NULL,
                              lookup, threads)
        free(table)


cdef void dither_shared(const dither_t *image, dither_t *out, uint8_t *index, Py_ssize_t number,
                        Py_ssize_t channels, const Scan *scan, const error_t *weights,
                        error_t carry1, error_t carry2, error_t divisor, const error_t *levels,
                        const double *colours, Lookup lookup, int threads) noexcept nogil:
    """Image `number` on `threads` threads: band b of rows (a pair) on thread b % team, each
    band waiting for the one above (dither_image); the same values as one thread."""
    cdef Py_ssize_t bands = (scan.height + 1) // 2, member, team
    cdef Py_ssize_t kept = scan.kept + 2 * threads  # (every band in flight, and those above)
    cdef Py_ssize_t row_len = (scan.width + 2 * DITHER_MARGIN) * channels
    cdef volatile long long *progress = <volatile long long *> calloc(
        bands * BAND_FLAG_STRIDE, sizeof(long long))
    cdef error_t *errors = <error_t *> calloc(kept * row_len, sizeof(error_t))
    if progress != NULL and errors != NULL:
        with parallel(num_threads=threads):
            member = threadid()
            team = cconv_team_size()
            dither_image(image, out, index, number, channels, scan, weights, carry1, carry2,
                         divisor, levels, colours, lookup, errors, kept, progress, member, team)
    else:
        dither_image(image, out, index, number, channels, scan, weights, carry1, carry2,
                     divisor, levels, colours, lookup, NULL, 0, NULL, 0, 1)
    free(<void *> progress)
    free(errors)


cdef inline error_t nearest_level(error_t v, const error_t *levels,
                                  Py_ssize_t count) noexcept nogil:
    """The level nearest v, the lower on a tie; v lies between the first and the last."""
    cdef Py_ssize_t low = 0, high = count - 1, middle
    while high - low > 1:  # levels[low] <= v <= levels[high]
        middle = (low + high) // 2
        if levels[middle] <= v:
            low = middle
        else:
            high = middle
    return levels[low + (levels[high] - v < v - levels[low])]  # (no branch to mispredict)


cdef int32_t *lookup_table(Lookup *lookup, const int32_t *levels, Py_ssize_t count,
                           int32_t carry1, int64_t reach, int32_t divisor) noexcept nogil:
    """Fill `lookup` for the levels of an 8- or 16-bit image and return its memory (NULL if
    there is none: each sample then searches the levels). Its range: every sample between the
    lowest and the highest level (the dtype's range, so the lowest is <= 0), widened by what
    the errors pushed onto a sample can add or take away: at most the largest error times the
    kernel's weights, `reach`, over the divisor."""
    cdef int32_t lowest = levels[0], highest = levels[count - 1], largest = 0, q, v, c
    cdef int64_t margin
    cdef Py_ssize_t size, i
    for v in range(lowest, highest + 1):
        q = nearest_level(v, levels, count)
        largest = max(largest, v - q, q - v)
    margin = reach * largest // divisor + 1
    size = <Py_ssize_t> (highest - lowest + 1 + 2 * margin)
    cdef int32_t *table = <int32_t *> malloc(3 * size * sizeof(int32_t))
    if table == NULL:
        return NULL
    for i in range(size):
        c = min(max(<int32_t> (lowest - margin + i), lowest), highest)
        q = nearest_level(c, levels, count)
        table[i] = q
        table[size + i] = c - q
        table[2 * size + i] = carry1 * (c - q)
    # (lowest - margin < 0: the offset pointers point inside the table)
    lookup.level = table + (margin - lowest)
    lookup.error = table + size + (margin - lowest)
    lookup.carried = table + 2 * size + (margin - lowest)
    return table


cdef inline Py_ssize_t nearest_colour(const error_t *v, const double *palette,
                                      Py_ssize_t colours, Py_ssize_t channels,
                                      const uint8_t *listed=NULL) noexcept nogil:
    """The number of the palette colour nearest v (squared distance in float64, over the
    channels in order), the first of equals; among the `colours` numbers `listed` (ascending)
    if given, which then give the same answer where they hold every colour that can be
    nearest."""
    cdef Py_ssize_t i, k, c, best = 0 if listed == NULL else listed[0]
    cdef double d, distance, shortest = INFINITY
    for i in range(colours):
        k = i if listed == NULL else listed[i]
        distance = 0
        for c in range(channels):
            d = <double> v[c] - palette[k * channels + c]
            distance = distance + d * d
        if distance < shortest:
            shortest = distance
            best = k
    return best


cdef inline Py_ssize_t cached_colour(const error_t *v, Palette *palette, Py_ssize_t channels,
                                     error_t lowest) noexcept nogil:
    """nearest_colour, remembered for the pixels an 8-bit image repeats (a photo's colours),
    else searched_colour."""
    cdef int64_t key = 0
    cdef Py_ssize_t c, slot
    if palette.keys == NULL:
        return searched_colour(v, palette, channels, lowest)
    for c in range(channels):
        key |= (<int64_t> (v[c] - lowest)) << (8 * c)
    slot = <Py_ssize_t> (((<uint64_t> key) * 11400714819323198485ULL) >> (64 - CACHE_BITS))
    if palette.keys[slot] != key:
        palette.keys[slot] = key
        palette.numbers[slot] = <uint8_t> searched_colour(v, palette, channels, lowest)
    return palette.numbers[slot]


cdef Py_ssize_t searched_colour(const error_t *v, Palette *palette, Py_ssize_t channels,
                                error_t lowest) noexcept nogil:
    """nearest_colour, among the candidates of the pixel's cell of the grid where there is
    one (out of line: the cached lookup stays small)."""
    cdef Py_ssize_t c, cell = 0, first
    if palette.cell_first == NULL:
        return nearest_colour(v, palette.colours, palette.count, channels)
    for c in range(channels):
        cell |= (<Py_ssize_t> (v[c] - lowest) >> palette.cell_shift) << (CELL_BITS * c)
    first = palette.cell_first[cell]
    if first < 0:
        first = listed_candidates(palette, cell, channels, <double> lowest)
        if first < 0:  # (no memory for the list)
            return nearest_colour(v, palette.colours, palette.count, channels)
    if palette.cell_count[cell] == 1:  # (most cells, away from the colours' boundaries)
        return palette.pool[first]
    return nearest_colour(v, palette.colours, palette.cell_count[cell], channels,
                          palette.pool + first)


cdef Py_ssize_t listed_candidates(Palette *palette, Py_ssize_t cell, Py_ssize_t channels,
                                  double lowest) noexcept nogil:
    """List the colours that can be nearest to a pixel of grid cell `cell` at the end of the
    palette's pool, and return where the list starts (-1 if the pool cannot grow). Colour k
    is left out where the colour nearest the cell's centre, j, is nearer than k to every
    pixel of the cell: |p - k|^2 - |p - j|^2 is affine in p, so its least value over the
    cell is at a corner, found channel by channel; above 0 (and a margin for rounding) k is
    never nearest, nor equal."""
    cdef double low[DITHER_MAX_CHANNELS]
    cdef double high[DITHER_MAX_CHANNELS]
    cdef double centre[DITHER_MAX_CHANNELS]
    cdef double least, d, step, length_j = 0
    cdef Py_ssize_t c, k, j, first, side = (<Py_ssize_t> 1) << palette.cell_shift
    cdef const double *colours = palette.colours
    cdef uint8_t *grown
    for c in range(channels):
        low[c] = lowest + ((cell >> (CELL_BITS * c)) & ((1 << CELL_BITS) - 1)) * side
        high[c] = low[c] + (side - 1)
        centre[c] = (low[c] + high[c]) / 2
    j = nearest_colour(centre, colours, palette.count, channels)
    for c in range(channels):
        length_j = length_j + colours[j * channels + c] * colours[j * channels + c]
    if palette.pool_used + palette.count > palette.pool_size:
        grown = <uint8_t *> realloc(palette.pool, 2 * palette.pool_size + palette.count)
        if grown == NULL:
            return -1
        palette.pool, palette.pool_size = grown, 2 * palette.pool_size + palette.count
    first = palette.pool_used
    for k in range(palette.count):
        least = -length_j
        for c in range(channels):
            d = colours[k * channels + c]
            step = d - colours[j * channels + c]
            least = least + d * d - 2 * (high[c] if step > 0 else low[c]) * step
        if k == j or least <= 1e-9 * (length_j + 1):
            palette.pool[palette.pool_used] = <uint8_t> k
            palette.pool_used += 1
    palette.cell_first[cell] = <int32_t> first
    palette.cell_count[cell] = <uint16_t> (palette.pool_used - first)
    return first


cdef void start_palette(Palette *palette, const double *colours, Py_ssize_t count,
                        Py_ssize_t channels, double lowest, double highest,
                        bint eight_bits) noexcept nogil:
    """Set up `palette`: its grid, or its cache, where they apply and memory allows (else
    every pixel searches every colour)."""
    cdef Py_ssize_t cells = (<Py_ssize_t> 1) << (CELL_BITS * channels), c
    cdef int bits = 0
    palette.colours, palette.count = colours, count
    palette.cell_first, palette.cell_count, palette.pool = NULL, NULL, NULL
    palette.pool_used = palette.pool_size = 0
    palette.keys, palette.numbers = NULL, NULL
    if count == 0:
        return
    while (<double> 1) * (1 << bits) < highest - lowest + 1 and bits < 31:
        bits += 1
    if channels <= 3 and count <= 256 and CELL_BITS <= bits <= 16:  # 8- and 16-bit images
        palette.cell_shift = bits - CELL_BITS
        palette.cell_first = <int32_t *> malloc(cells * sizeof(int32_t))
        palette.cell_count = <uint16_t *> malloc(cells * sizeof(uint16_t))
        palette.pool_size = 1 << 16
        palette.pool = <uint8_t *> malloc(palette.pool_size)
        if palette.cell_first == NULL or palette.cell_count == NULL or palette.pool == NULL:
            end_palette(palette)
            return
        memset(palette.cell_first, 0xFF, cells * sizeof(int32_t))  # -1: not listed yet
    if eight_bits and channels <= 4:
        palette.keys = <int64_t *> malloc((1 << CACHE_BITS) * sizeof(int64_t))
        palette.numbers = <uint8_t *> malloc(1 << CACHE_BITS)
        if palette.keys == NULL or palette.numbers == NULL:
            end_palette(palette)
            return
        memset(palette.keys, 0xFF, (1 << CACHE_BITS) * sizeof(int64_t))  # -1: empty


cdef void end_palette(Palette *palette) noexcept nogil:
    free(palette.cell_first)
    free(palette.cell_count)
    free(palette.pool)
    free(palette.keys)
    free(palette.numbers)
    palette.cell_first, palette.cell_count, palette.pool = NULL, NULL, NULL
    palette.keys, palette.numbers = NULL, NULL


cdef inline error_t corrected(dither_t sample, error_t pushed, error_t divisor,
                              Division division, error_t lowest,
                              error_t highest) noexcept nogil:
    """The sample plus the errors pushed onto it, clipped to [lowest, highest] (NaN: lowest)."""
    cdef error_t v
    if error_t is int32_t:
        v = <error_t> sample + truncated(pushed, division)
    elif dither_t is float or dither_t is double:
        v = sample + pushed
    else:  # (exact: the quotient is never within 2**-15 of an integer it is not)
        v = sample + trunc(pushed / divisor)
    v = highest if v > highest else v
    return v if v >= lowest else lowest  # (NaN too)


cdef void dither_image(const dither_t *image, dither_t *out, uint8_t *index, Py_ssize_t number,
                       Py_ssize_t channels, const Scan *scan, const error_t *weights,
                       error_t carry1, error_t carry2, error_t divisor, const error_t *levels,
                       const double *colours, Lookup lookup, error_t *shared,
                       Py_ssize_t shared_kept, volatile long long *progress,
                       Py_ssize_t member, Py_ssize_t team) noexcept nogil:
    """Image `number`, row by row. Each pixel's error is kept in rows of errors, and what the
    rows above pushed onto a pixel is gathered from them, a chunk of DITHER_CHUNK pixels at a
    time (a vector loop: the chunk's rows above are final), adding in the order a row-by-row
    scan pushes it (the same sums); what the row's own previous two pixels push comes on top,
    pixel by pixel. Rows go in pairs (bands), the second two chunks behind the first, a pixel
    of each in turn: the two rows' chains of pixel-to-pixel dependencies overlap. Serpentine
    scans go a row at a time.
    With `progress` (dither_shared), the rows of errors are `shared` (`shared_kept` of them)
    and this thread (`member` of `team`) takes every team-th band: before each iteration of
    chunks it waits until the band above is BAND_LEAD iterations ahead (or done), and after it
    publishes its own count."""
    cdef Py_ssize_t width = scan.width, line = width * channels
    cdef Py_ssize_t kept = scan.kept if shared == NULL else shared_kept
    cdef Py_ssize_t row_len = (width + 2 * DITHER_MARGIN) * channels
    cdef Py_ssize_t chunks = (width + DITHER_CHUNK - 1) // DITHER_CHUNK
    cdef Py_ssize_t y, r, t, k, j, parity, first, second, n0, n1, both, rows, band
    cdef long long spins
    # (the scan's numbers as locals: the compiler then need not reload them after each store)
    cdef Py_ssize_t taps = scan.taps, count = scan.levels
    cdef Division division = scan.division
    cdef error_t lowest = levels[0]
    cdef error_t highest = levels[1] if scan.colours else levels[count - 1]
    cdef Palette palette
    start_palette(&palette, colours, scan.colours, channels, <double> lowest, <double> highest,
                  dither_t is uint8_t or dither_t is int8_t)
    cdef Row row[2]
    cdef const dither_t *source[2]
    cdef dither_t *target[2]
    cdef error_t *sums[2]  # what the rows above pushed, for each sample of the row
    cdef error_t *errors_of[2]  # each row's errors
    cdef uint8_t *numbers[2]  # each row's colour numbers (with a palette)
    cdef error_t before[2][DITHER_MAX_CHANNELS]  # errors of the pixel before last
    cdef error_t last[2][DITHER_MAX_CHANNELS]  # and of the last, in each row
    cdef error_t carried[2][DITHER_MAX_CHANNELS]  # the last's times carry1 (levels_chunk)
    cdef error_t *own = <error_t *> calloc((kept * row_len if shared == NULL else 0)
                                           + 2 * line, sizeof(error_t))
    cdef error_t *errors = own if shared == NULL else shared
    if own == NULL:
        end_palette(&palette)
        return
    y = 0
    while y < scan.height:
        rows = 1 if scan.serpentine or y + 1 == scan.height else 2
        band = y // 2
        if progress != NULL and band % team != member:  # another thread's band
            y += rows
            continue
        for r in range(rows):
            parity = (y + r) % 2 if scan.serpentine else 0
            errors_of[r] = errors + ((y + r) % kept) * row_len + DITHER_MARGIN * channels
            for t in range(taps):
                row[r].gathered[t] = (errors + ((y + r - scan.dy[parity][t] + kept) % kept)
                                      * row_len + (DITHER_MARGIN - scan.dx[parity][t]) * channels)
            row[r].weights = weights + parity * taps
            source[r] = image + (number * scan.height + y + r) * line
            target[r] = out + (number * scan.height + y + r) * line
            sums[r] = own + (kept * row_len if shared == NULL else 0) + r * line
            numbers[r] = index + (number * scan.height + y + r) * width
            for j in range(channels):
                before[r][j] = last[r][j] = carried[r][j] = 0
        if scan.serpentine and y % 2 == 1:  # right to left
            gather(&row[0], sums[0], 0, line, taps)
            for j in range(width - 1, -1, -1):
                dither_pixel(j, source[0], target[0], sums[0], errors_of[0], numbers[0],
                             before[0], last[0], channels, division, carry1, carry2, divisor,
                             lowest, highest, levels, count, &palette, &lookup)
            y += 1
            continue
        for k in range(chunks + 2 * (rows - 1)):
            if progress != NULL and band > 0:
                spins = 0
                while cconv_seen(&progress[(band - 1) * BAND_FLAG_STRIDE]) < k + BAND_LEAD:
                    cconv_wait(&spins)
            first, second = k * DITHER_CHUNK, (k - 2) * DITHER_CHUNK
            n0 = min(DITHER_CHUNK, width - first) if k < chunks else 0
            n1 = min(DITHER_CHUNK, width - second) if rows == 2 and k >= 2 else 0
            if n0:
                gather(&row[0], sums[0], first * channels, n0 * channels, taps)
            if n1:
                gather(&row[1], sums[1], second * channels, n1 * channels, taps)
            if error_t is int32_t and lookup.level != NULL:
                levels_chunk(source[0] + first * channels, target[0] + first * channels,
                             sums[0] + first * channels, errors_of[0] + first * channels,
                             before[0], last[0], carried[0], n0,
                             source[1] + max(second, 0) * channels,
                             target[1] + max(second, 0) * channels,
                             sums[1] + max(second, 0) * channels,
                             errors_of[1] + max(second, 0) * channels,
                             before[1], last[1], carried[1], n1, channels, carry2,
                             division, &lookup)
                n0 = n1 = 0
            both = min(n0, n1)
            if channels == 1:  # (a constant, for the compiler: no channel loops)
                for j in range(both):
                    dither_pixel(first + j, source[0], target[0], sums[0], errors_of[0],
                                 numbers[0], before[0], last[0], 1, division, carry1, carry2,
                                 divisor, lowest, highest, levels, count, &palette, &lookup)
                    dither_pixel(second + j, source[1], target[1], sums[1], errors_of[1],
                                 numbers[1], before[1], last[1], 1, division, carry1, carry2,
                                 divisor, lowest, highest, levels, count, &palette, &lookup)
            else:
                both = 0
            for j in range(both, max(n0, n1)):
                if j < n0:
                    dither_pixel(first + j, source[0], target[0], sums[0], errors_of[0],
                                 numbers[0], before[0], last[0], channels, division, carry1,
                                 carry2, divisor, lowest, highest, levels, count, &palette,
                                 &lookup)
                if j < n1:
                    dither_pixel(second + j, source[1], target[1], sums[1], errors_of[1],
                                 numbers[1], before[1], last[1], channels, division, carry1,
                                 carry2, divisor, lowest, highest, levels, count, &palette,
                                 &lookup)
            if progress != NULL:
                cconv_publish(&progress[band * BAND_FLAG_STRIDE], k + 1)
        if progress != NULL:
            cconv_publish(&progress[band * BAND_FLAG_STRIDE], BAND_DONE)
        y += rows
    free(own)
    end_palette(&palette)


cdef inline void levels_chunk(const dither_t *source0, dither_t *target0, const int32_t *sums0,
                              int32_t *errors0, int32_t *before0, int32_t *last0,
                              int32_t *carried0, Py_ssize_t n0,
                              const dither_t *source1, dither_t *target1, const int32_t *sums1,
                              int32_t *errors1, int32_t *before1, int32_t *last1,
                              int32_t *carried1, Py_ssize_t n1, Py_ssize_t channels,
                              int32_t carry2, Division division,
                              const Lookup *lookup) noexcept nogil:
    """dither_pixel for a chunk of each row of a band (n0 pixels of the first from the
    pointers given, n1 of the second), to levels through the lookup table. Channels are
    independent then: each is a run of its own, the two rows' pixels in turn, the state (this
    row's before, last and carried, see dither_image) in locals."""
    cdef Py_ssize_t c, j, s
    cdef int32_t v, b0, l0, k0, b1, l1, k1
    cdef const int32_t *level = lookup.level
    cdef const int32_t *error = lookup.error
    cdef const int32_t *carried = lookup.carried
    for c in range(channels):
        b0, l0, k0 = before0[c], last0[c], carried0[c]
        b1, l1, k1 = before1[c], last1[c], carried1[c]
        for j in range(max(n0, n1)):
            s = j * channels + c
            if j < n0:
                v = <int32_t> source0[s] + truncated(sums0[s] + carry2 * b0 + k0, division)
                target0[s] = <dither_t> level[v]
                b0, l0, k0 = l0, error[v], carried[v]
                errors0[s] = l0
            if j < n1:
                v = <int32_t> source1[s] + truncated(sums1[s] + carry2 * b1 + k1, division)
                target1[s] = <dither_t> level[v]
                b1, l1, k1 = l1, error[v], carried[v]
                errors1[s] = l1
        before0[c], last0[c], carried0[c] = b0, l0, k0
        before1[c], last1[c], carried1[c] = b1, l1, k1


cdef inline int32_t truncated(int32_t pushed, Division division) noexcept nogil:
    """pushed / the divisor, truncated toward zero (Pillow's rule), without a division."""
    cdef int32_t sign, quotient
    if division.shift >= 0:
        return ((pushed + ((pushed >> 31) & ((<int32_t> 1 << division.shift) - 1)))
                >> division.shift)
    sign = pushed >> 31  # 0 or -1
    quotient = <int32_t> (((<uint64_t> <uint32_t> ((pushed ^ sign) - sign)) * division.magic)
                          >> division.bits)
    return (quotient ^ sign) - sign


cdef Division division_by(int32_t divisor) noexcept nogil:
    """The Division by `divisor` (> 0)."""
    cdef Division division
    cdef int t
    division.shift, division.magic, division.bits = -1, 0, 32
    for t in range(31):
        if divisor == (<int32_t> 1) << t:
            division.shift = t
            return division
    while (<int64_t> 1) << (division.bits - 32) < divisor:
        division.bits += 1
    division.magic = (((<uint64_t> 1) << division.bits) + <uint64_t> divisor - 1) // <uint64_t> divisor
    return division


cdef inline void gather(const Row *row, error_t *sums, Py_ssize_t start, Py_ssize_t n,
                        Py_ssize_t taps) noexcept nogil:
    """sums[start:start + n] = what the rows above pushed onto those samples, tap by tap in
    the row's summing order."""
    cdef Py_ssize_t t, j
    cdef const error_t *weights = <const error_t *> row.weights
    cdef const error_t *pushed
    cdef error_t weight
    for j in range(start, start + n):
        sums[j] = 0
    for t in range(taps):
        pushed = <const error_t *> row.gathered[t]
        weight = weights[t]
        for j in range(start, start + n):
            sums[j] = sums[j] + weight * pushed[j]


cdef inline void dither_pixel(Py_ssize_t x, const dither_t *source, dither_t *target,
                              const error_t *sums, error_t *errors, uint8_t *numbers,
                              error_t *before, error_t *last, Py_ssize_t channels,
                              Division division,
                              error_t carry1, error_t carry2, error_t divisor, error_t lowest,
                              error_t highest, const error_t *levels, Py_ssize_t count,
                              Palette *palette, const Lookup *lookup) noexcept nogil:
    """Pixel x of a row: corrected by what was pushed onto it, quantised, its error kept."""
    cdef Py_ssize_t c, k = 0
    cdef error_t q, err
    cdef error_t v[DITHER_MAX_CHANNELS]
    for c in range(channels):
        v[c] = corrected(source[x * channels + c],
                         sums[x * channels + c] + carry2 * before[c] + carry1 * last[c],
                         divisor, division, lowest, highest)
    if palette.count:
        k = cached_colour(v, palette, channels, lowest)
        numbers[x] = <uint8_t> k
    for c in range(channels):
        if palette.count:
            q = <error_t> palette.colours[k * channels + c]
        elif error_t is int32_t and lookup.level != NULL:  # (v[c] is clipped)
            q = lookup.level[v[c]]
        else:  # each channel on its own
            q = nearest_level(v[c], levels, count)
        target[x * channels + c] = <dither_t> q
        err = v[c] - q
        errors[x * channels + c] = err
        before[c] = last[c]
        last[c] = err
