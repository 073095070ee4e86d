/*
 * Window sums along a row of integers, for the box path on integer images:
 *
 *     out[i] = x[i] + x[i + stride] + ... + x[i + (k - 1) * stride]    for i in [0, n)
 *
 * where x holds n + (k - 1) * stride values. The sums are exact, so a running sum (add the
 * value entering the window, subtract the one leaving) gives the same result as adding the
 * window up, at two operations per sample whatever k is. The arithmetic is uint32_t, which
 * wraps instead of overflowing: the caller guarantees every true window sum fits in int32, and
 * modular arithmetic then returns it exactly even where a partial result wrapped.
 *
 * A running sum is one dependency chain per channel (stride). The AVX-512 module runs it 16
 * lanes at a time instead (the AVX2 module 8): the differences (entering - leaving) of a block
 * of outputs are turned into running sums inside the register (log2 steps of shift-and-add
 * by the stride), then the last output of each channel before the block is added. The
 * baseline module runs the scalar chain, one channel at a time; all give the same integers.
 * The AVX2 module does the same with 8 lanes for 1, 2 and 4 channels (byte shifts), and
 * steps a pixel at a time for 3 and 5 to 8 (cconv_sums_pixels_u32): the scalar chain took
 * most of the box's time (docs/design.md).
 */
#ifndef CCONV_WINDOW_SUMS_H
#define CCONV_WINDOW_SUMS_H

#include <stddef.h>
#include <stdint.h>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

/* The row functions the engine calls are kept out of line: inlined into the engine's OpenMP
 * function, whose register pressure grows with every path, their loops came to reload their
 * constants and pointers from the stack (docs/design.md, where the constants come from). */
#if defined(_MSC_VER)
#define CCONV_OUT_OF_LINE static __declspec(noinline)
#else
#define CCONV_OUT_OF_LINE static __attribute__((noinline))
#endif

#if defined(__AVX2__) && !defined(__AVX512F__)
/* Outputs i .. i + 7 from the 8 before them (`previous`), stored; returns them. lanes (1, 2
 * or 4: the stride, a constant) takes the in-block running sums by byte shifts inside each
 * 128-bit half, then adds the low half's last sums to the high half: cheaper than a permute
 * and a mask per step (docs/design.md). */
static inline __attribute__((always_inline)) __m256i
cconv_sums8_u32(const uint32_t *x, uint32_t *out, ptrdiff_t i, ptrdiff_t span, ptrdiff_t stride,
                __m256i previous, int lanes, __m256i carry_index)
{
    __m256i last; /* each half: its last sum of every channel, repeated */
    __m256i d = _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)(x + i + span)),
                                 _mm256_loadu_si256((const __m256i *)(x + i - stride)));
    if (lanes == 1)
        d = _mm256_add_epi32(d, _mm256_slli_si256(d, 4));
    if (lanes <= 2)
        d = _mm256_add_epi32(d, _mm256_slli_si256(d, 8));
    last = lanes == 1 ? _mm256_shuffle_epi32(d, 0xFF)
         : lanes == 2 ? _mm256_shuffle_epi32(d, 0xEE) : d;
    d = _mm256_add_epi32(d, _mm256_permute2x128_si256(last, last, 0x08));
    previous = _mm256_add_epi32(d, _mm256_permutevar8x32_epi32(previous, carry_index));
    _mm256_storeu_si256((__m256i *)(out + i), previous);
    return previous;
}

/* Outputs from 8 on: chain one from 8, chain two from 8 + half (both a multiple of 8 long),
 * then chain two on to the last 8 outputs; returns the next output to compute. */
static inline __attribute__((always_inline)) ptrdiff_t
cconv_sums_u32_chains(const uint32_t *x, uint32_t *out, ptrdiff_t n, ptrdiff_t half,
                      ptrdiff_t span, ptrdiff_t stride, __m256i previous, __m256i later,
                      int lanes, __m256i carry_index)
{
    ptrdiff_t i, i2 = 8 + half;
    for (i = 8; i < 8 + half; i += 8, i2 += 8) {
        previous = cconv_sums8_u32(x, out, i, span, stride, previous, lanes, carry_index);
        later = cconv_sums8_u32(x, out, i2, span, stride, later, lanes, carry_index);
    }
    for (i = i2; i + 8 <= n; i += 8)
        later = cconv_sums8_u32(x, out, i, span, stride, later, lanes, carry_index);
    return i;
}

/* The 8 window sums from output i, added up */
static inline __m256i cconv_sums8_added_u32(const uint32_t *x, ptrdiff_t i, ptrdiff_t k,
                                            ptrdiff_t stride)
{
    __m256i s = _mm256_setzero_si256();
    for (ptrdiff_t j = 0; j < k; j++)
        s = _mm256_add_epi32(s, _mm256_loadu_si256((const __m256i *)(x + i + j * stride)));
    return s;
}

/* One step of cconv_sums_pixels_u32: outputs i .. i + 7 from outputs i - pixels * stride ..
 * (sums), stored; returns them. `pixels` is a constant where this is inlined. */
static inline __attribute__((always_inline)) __m256i
cconv_sums_step_u32(const uint32_t *x, uint32_t *out, ptrdiff_t i, ptrdiff_t span,
                    ptrdiff_t stride, int pixels, __m256i sums)
{
    for (int q = 0; q < pixels; q++) {
        const uint32_t *at = x + i - q * stride;
        sums = _mm256_add_epi32(sums, _mm256_sub_epi32(
            _mm256_loadu_si256((const __m256i *)(at + span)),
            _mm256_loadu_si256((const __m256i *)(at - stride))));
    }
    _mm256_storeu_si256((__m256i *)(out + i), sums);
    return sums;
}

/*
 * The window sums a pixel at a time, for 3 and 5 to 8 channels (the byte shifts above do not
 * fit them). Lane j of the vector holds output i + j, and a step adds to every lane its own
 * differences (entering - leaving) of the 8 / stride pixels it moves on: each lane is a
 * running sum of its own outputs, stride apart (the same channel's), so no value changes
 * lanes and the permute steps (and masks) of an in-block prefix are not needed. The lanes past
 * the last whole pixel are the next step's first outputs, stored again by it (the same exact
 * integers). Two chains, the row's halves, the second from 8 outputs added up (measured
 * against the permute steps: docs/design.md).
 */
static inline __attribute__((always_inline)) void
cconv_sums_pixel_chains(const uint32_t *x, uint32_t *out, ptrdiff_t steps, ptrdiff_t k,
                        ptrdiff_t stride, int pixels)
{
    const ptrdiff_t span = (k - 1) * stride, move = pixels * stride;
    const ptrdiff_t half = steps / 2 >= k ? steps / 2 : 0; /* where k adds cost less */
    __m256i first = cconv_sums8_added_u32(x, 0, k, stride), second;
    ptrdiff_t s = 1;
    _mm256_storeu_si256((__m256i *)out, first);
    if (half > 0) { /* chain two's steps from half + 1 on */
        second = cconv_sums8_added_u32(x, half * move, k, stride);
        for (; s <= half; s++) {
            first = cconv_sums_step_u32(x, out, s * move, span, stride, pixels, first);
            second = cconv_sums_step_u32(x, out, (s + half) * move, span, stride, pixels,
                                         second);
        }
        first = second;
        s += half;
    }
    for (; s <= steps; s++)
        first = cconv_sums_step_u32(x, out, s * move, span, stride, pixels, first);
}

static inline void cconv_sums_pixels_u32(const uint32_t *x, uint32_t *out, ptrdiff_t n,
                                         ptrdiff_t k, ptrdiff_t stride)
{
    const ptrdiff_t move = 8 / stride * stride, span = (k - 1) * stride;
    const ptrdiff_t steps = (n - 8) / move; /* at i = move .. steps * move (i + 8 <= n) */
    ptrdiff_t i;
    if (stride == 3) /* `pixels` a constant in each: the steps' loads unroll */
        cconv_sums_pixel_chains(x, out, steps, k, stride, 2);
    else
        cconv_sums_pixel_chains(x, out, steps, k, stride, 1);
    for (i = steps * move + 8; i < n; i++)
        out[i] = out[i - stride] + x[i + span] - x[i - stride];
}
#endif

/* The integer box's column sums moved down a row for uint8 images: sums[i] += entering[i] -
 * leaving[i] for the first samples; returns how many (a multiple of 8), the caller does the
 * rest. One widening load (vpmovzxbd) per 8 samples and row, where GCC's vectorisation of the
 * portable loop widens in two steps with extracts. AVX2 module only. */
CCONV_OUT_OF_LINE ptrdiff_t cconv_update_sums_u8(uint32_t *sums, const uint8_t *entering,
                                             const uint8_t *leaving, ptrdiff_t n)
{
    ptrdiff_t i = 0;
#if defined(__AVX2__) && !defined(__AVX512F__)
    for (; i + 8 <= n; i += 8) {
        __m256i in = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(entering + i)));
        __m256i out = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(leaving + i)));
        __m256i s = _mm256_loadu_si256((const __m256i *)(sums + i));
        _mm256_storeu_si256((__m256i *)(sums + i),
                            _mm256_add_epi32(s, _mm256_sub_epi32(in, out)));
    }
#else
    (void)sums;
    (void)entering;
    (void)leaving;
    (void)n;
#endif
    return i;
}

/* The float32 box's column sums moved down a row: sums[i] += entering[i] - leaving[i], the
 * engine's operations in its order, for i in [0, n). Returns 0 if a new sum is NaN or
 * infinite, else 1: the check the engine would otherwise make in a second pass over the row.
 * In every module (vectors where AVX2 is there; docs/design.md). */
CCONV_OUT_OF_LINE int cconv_update_sums_f32(float *sums, const float *entering,
                                        const float *leaving, ptrdiff_t n)
{
    ptrdiff_t i = 0;
    int bad = 0;
#if defined(__AVX2__)
    const __m256i exponent = _mm256_set1_epi32(0x7f800000); /* all ones: NaN or infinity */
    __m256i flags = _mm256_setzero_si256();
    for (; i + 8 <= n; i += 8) {
        __m256 s = _mm256_add_ps(_mm256_loadu_ps(sums + i),
                                 _mm256_sub_ps(_mm256_loadu_ps(entering + i),
                                               _mm256_loadu_ps(leaving + i)));
        _mm256_storeu_ps(sums + i, s);
        flags = _mm256_or_si256(flags, _mm256_cmpeq_epi32(
            _mm256_and_si256(_mm256_castps_si256(s), exponent), exponent));
    }
    bad = !_mm256_testz_si256(flags, flags);
#endif
    for (; i < n; i++) {
        sums[i] += entering[i] - leaving[i];
        bad |= sums[i] - sums[i] != 0.0f;
    }
    return !bad;
}

CCONV_OUT_OF_LINE void cconv_window_sums_u32(const uint32_t *x, uint32_t *out, ptrdiff_t n,
                                         ptrdiff_t k, ptrdiff_t stride)
{
    ptrdiff_t i, j;
    const ptrdiff_t span = (k - 1) * stride; /* from the value leaving to the one entering */
    /* The first output of each channel is added up; every later one follows from it. */
    for (i = 0; i < stride && i < n; i++) {
        uint32_t s = 0;
        for (j = 0; j < k; j++)
            s += x[i + j * stride];
        out[i] = s;
    }
#if defined(__AVX512F__)
    if (stride <= 16 && n >= 16 + stride) {
        /* Lane j of a block adds lane j - shift for shift = stride, 2 stride, 4 stride ...
         * (lanes below shift add 0): then each lane holds the running sum of the differences
         * of its channel within the block. Lane j's carry is the block's previous output of
         * the same channel, lane 16 - stride + j % stride of the previous 16 outputs. */
        __m512i shift_index[4], carry_index;
        __mmask16 shift_mask[4];
        int steps = 0, lanes[16];
        ptrdiff_t shift;
        for (shift = stride; shift < 16; shift *= 2, steps++) {
            for (j = 0; j < 16; j++)
                lanes[j] = (int)(j >= shift ? j - shift : 0);
            shift_index[steps] = _mm512_loadu_si512(lanes);
            shift_mask[steps] = (__mmask16)(0xFFFFu << shift);
        }
        for (j = 0; j < 16; j++)
            lanes[j] = (int)(16 - stride + j % stride);
        carry_index = _mm512_loadu_si512(lanes);
        /* Scalar until a full block of previous outputs exists. */
        for (i = stride; i < 16; i++)
            out[i] = out[i - stride] + x[i + span] - x[i - stride];
        __m512i previous = _mm512_loadu_si512(out);
        for (; i + 16 <= n; i += 16) {
            __m512i d = _mm512_sub_epi32(_mm512_loadu_si512(x + i + span),
                                         _mm512_loadu_si512(x + i - stride));
            for (int s = 0; s < steps; s++)
                d = _mm512_add_epi32(
                    d, _mm512_maskz_permutexvar_epi32(shift_mask[s], shift_index[s], d));
            previous = _mm512_add_epi32(d, _mm512_permutexvar_epi32(carry_index, previous));
            _mm512_storeu_si512(out + i, previous);
        }
        for (; i < n; i++)
            out[i] = out[i - stride] + x[i + span] - x[i - stride];
        return;
    }
#elif defined(__AVX2__)
    if ((stride == 1 || stride == 2 || stride == 4) && n >= 8 + stride) {
        /* As above, 8 lanes, the in-block sums by byte shifts (cconv_sums8_u32); the carry is
         * lane 8 - stride + j % stride of the previous 8. */
        __m256i carry_index, previous, later;
        int lanes[8];
        ptrdiff_t half;
        for (j = 0; j < 8; j++)
            lanes[j] = (int)(8 - stride + j % stride);
        carry_index = _mm256_loadu_si256((const __m256i *)lanes);
        for (i = stride; i < 8; i++)
            out[i] = out[i - stride] + x[i + span] - x[i - stride];
        previous = later = _mm256_loadu_si256((const __m256i *)out);
        /* The carry is a chain (a permute and an add per 8 outputs, about 4 cycles): two
         * chains, the row's first and second half, run interleaved so that their latencies
         * overlap. The second starts from its 8 outputs before, added up (exact, as the
         * rest), where that (k vector adds) costs less than the half row it runs. */
        half = (n - 8) / 16 * 8;
        if (half < 2 * k)
            half = 0;
        if (half > 0) {
            later = cconv_sums8_added_u32(x, half, k, stride);
            _mm256_storeu_si256((__m256i *)(out + half), later);
        }
        if (stride == 1)
            i = cconv_sums_u32_chains(x, out, n, half, span, stride, previous, later, 1,
                                      carry_index);
        else if (stride == 2)
            i = cconv_sums_u32_chains(x, out, n, half, span, stride, previous, later, 2,
                                      carry_index);
        else
            i = cconv_sums_u32_chains(x, out, n, half, span, stride, previous, later, 4,
                                      carry_index);
        for (; i < n; i++)
            out[i] = out[i - stride] + x[i + span] - x[i - stride];
        return;
    }
    if (stride <= 8 && n >= 16) {
        cconv_sums_pixels_u32(x, out, n, k, stride);
        return;
    }
#endif
    /* One channel at a time: its running sum stays in a register (a chain through memory
     * would wait on store-to-load forwarding at every step). */
    for (ptrdiff_t c = 0; c < stride && c < n; c++) {
        uint32_t s = out[c];
        for (i = c + stride; i < n; i += stride) {
            s += x[i + span] - x[i - stride];
            out[i] = s;
        }
    }
}

/*
 * One output row of the box path on float32 sums stored as float32:
 *
 *     out[i] = weight * (x[i] + x[i + stride] + ... + x[i + (k - 1) * stride])   for i in [0, n)
 *
 * where x holds n + (k - 1) * stride finite floats (the caller checks). A running sum again,
 * but in double: the engine's O(log k) window sums write the whole row once per pass (about
 * nine passes for k = 31), and stores are what this machine runs out of. A float32 running sum
 * would carry a bright region's rounding into a dark region far along the row; in double, what
 * it carries stays below 1e-12 of the row's largest window sum, far under float32's resolution.
 *
 * AVX-512, up to 8 channels (CCONV_BOX_CHANNELS): 8 outputs per vector of doubles, as in
 * cconv_window_sums_u32 (differences made running sums inside the register, plus the
 * previous outputs of the same channel); 16 outputs per store, streamed from the row's first
 * 64-byte boundary when `stream` (row_taps.h). The scalar head and tail run the same chain.
 * AVX2, up to 4 channels: 4 outputs per vector, 8 per store; its carry (a permute and an add
 * of doubles, about 6 cycles per 4 outputs) would set the pace, so two chains, the row's
 * two halves, run interleaved (the second starts from 4 outputs added up). That is for one
 * channel; 2 to 4 channels step a pixel at a time instead (cconv_box_pixels), without permutes.
 * Meanwhile it prefetches `ahead` (or NULL), ahead_bytes of the image row the caller reads
 * next: the column sums' update then finds it in cache instead of waiting for memory
 * (docs/design.md).
 */
#if defined(__AVX2__)
/* The double-precision window sum at i: added up for the first output of each channel, else
 * the one `stride` before (ring[j & 7] holds output j's sum, stride <= 8) updated. */
static inline double cconv_box_next(const float *x, double *ring, ptrdiff_t i, ptrdiff_t k,
                                    ptrdiff_t stride)
{
    double s = 0.0;
    ptrdiff_t j;
    if (i < stride)
        for (j = 0; j < k; j++)
            s += (double)x[i + j * stride];
    else
        s = ring[(i - stride) & 7] + ((double)x[i + (k - 1) * stride] - (double)x[i - stride]);
    ring[i & 7] = s;
    return s;
}

#endif

#if defined(__AVX512F__)
#define CCONV_BOX_ROW 1
#define CCONV_BOX_CHANNELS 8

CCONV_OUT_OF_LINE void cconv_box_row_f32(const float *x, float *out, ptrdiff_t n, ptrdiff_t k,
                                     ptrdiff_t stride, float weight, int stream,
                                     const void *ahead, ptrdiff_t ahead_bytes)
{
    const ptrdiff_t span = (k - 1) * stride;
    const double w = (double)weight;
    const __m512d wv = _mm512_set1_pd(w);
    double ring[8], lanes_d[8];
    long long lanes[8];
    __m512i shift_index[3], carry_index;
    __mmask8 shift_mask[3];
    int steps = 0, s;
    ptrdiff_t i, j, shift, head = 8;
    for (shift = stride; shift < 8; shift *= 2, steps++) {
        for (j = 0; j < 8; j++)
            lanes[j] = j >= shift ? j - shift : 0;
        shift_index[steps] = _mm512_loadu_si512(lanes);
        shift_mask[steps] = (__mmask8)(0xFFu << shift);
    }
    for (j = 0; j < 8; j++)
        lanes[j] = 8 - stride + j % stride;
    carry_index = _mm512_loadu_si512(lanes);
    if (stream) /* the vector loop's stores start on a 64-byte boundary */
        head += (ptrdiff_t)((0 - (uintptr_t)(out + 8)) & 63) / (ptrdiff_t)sizeof(float);
    if (head + 16 > n)
        head = n;
    for (i = 0; i < head; i++)
        out[i] = (float)(w * cconv_box_next(x, ring, i, k, stride));
    if (i < n) {
        __m512d previous; /* outputs i - 8 .. i - 1 */
        for (j = 0; j < 8; j++)
            lanes_d[j] = ring[(i - 8 + j) & 7];
        previous = _mm512_loadu_pd(lanes_d);
        for (; i + 16 <= n; i += 16) {
            __m256 half[2];
            if (ahead && i * 4 < ahead_bytes) /* a line per block covers <= 4 bytes a sample */
                _mm_prefetch((const char *)ahead + i * 4, _MM_HINT_T0);
            for (int h = 0; h < 2; h++) {
                const ptrdiff_t at = i + 8 * h;
                __m512d d = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + at + span)),
                                          _mm512_cvtps_pd(_mm256_loadu_ps(x + at - stride)));
                for (s = 0; s < steps; s++)
                    d = _mm512_add_pd(
                        d, _mm512_maskz_permutexvar_pd(shift_mask[s], shift_index[s], d));
                previous = _mm512_add_pd(d, _mm512_permutexvar_pd(carry_index, previous));
                half[h] = _mm512_cvtpd_ps(_mm512_mul_pd(wv, previous));
            }
            __m512 both = _mm512_castpd_ps(_mm512_insertf64x4(
                _mm512_castps_pd(_mm512_castps256_ps512(half[0])), _mm256_castps_pd(half[1]), 1));
            if (stream)
                _mm512_stream_ps(out + i, both);
            else
                _mm512_storeu_ps(out + i, both);
        }
        _mm512_storeu_pd(lanes_d, previous);
        for (j = 0; j < 8; j++)
            ring[(i - 8 + j) & 7] = lanes_d[j];
        for (; i < n; i++)
            out[i] = (float)(w * cconv_box_next(x, ring, i, k, stride));
    }
}
#elif defined(__AVX2__)
#define CCONV_BOX_ROW 1
#define CCONV_BOX_CHANNELS 4

/* Lane j of the 4 doubles in v takes lane index[2j] / 2 (index holds 32-bit halves) */
static inline __m256d cconv_permute_pd(__m256d v, __m256i index)
{
    return _mm256_castps_pd(_mm256_permutevar8x32_ps(_mm256_castpd_ps(v), index));
}

/* The index of cconv_permute_pd taking lane from[j] into lane j */
static inline __m256i cconv_lanes_pd(const ptrdiff_t *from)
{
    int halves[8];
    for (int j = 0; j < 4; j++) {
        halves[2 * j] = (int)(2 * from[j]);
        halves[2 * j + 1] = (int)(2 * from[j] + 1);
    }
    return _mm256_loadu_si256((const __m256i *)halves);
}

/* Outputs i .. i + 3 (doubles, before the weight) from the 4 before them, `previous` */
static inline __attribute__((always_inline)) __m256d
cconv_box4(const float *x, ptrdiff_t i, ptrdiff_t span, ptrdiff_t stride, __m256d previous,
           int steps, const __m256i *shift_index, const __m256d *shift_mask,
           __m256i carry_index)
{
    __m256d d = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + i + span)),
                              _mm256_cvtps_pd(_mm_loadu_ps(x + i - stride)));
    for (int s = 0; s < steps; s++)
        d = _mm256_add_pd(d, _mm256_and_pd(shift_mask[s], cconv_permute_pd(d, shift_index[s])));
    return _mm256_add_pd(d, cconv_permute_pd(previous, carry_index));
}

/* Outputs i .. i + 7 from the 4 before them (*previous, then the last 4 of these), times the
 * weight, stored; the next image row's share prefetched */
static inline __attribute__((always_inline)) void
cconv_box8(const float *x, float *out, ptrdiff_t i, ptrdiff_t span, ptrdiff_t stride,
           __m256d *previous, __m256d weight, int steps, const __m256i *shift_index,
           const __m256d *shift_mask, __m256i carry_index, int stream, const void *ahead,
           ptrdiff_t ahead_bytes)
{
    __m256d low, high;
    __m256 both;
    if (ahead && i * 4 < ahead_bytes) /* <= 4 bytes a sample: these 8 samples' share */
        _mm_prefetch((const char *)ahead + i * 4, _MM_HINT_T0);
    low = cconv_box4(x, i, span, stride, *previous, steps, shift_index, shift_mask, carry_index);
    high = cconv_box4(x, i + 4, span, stride, low, steps, shift_index, shift_mask, carry_index);
    *previous = high;
    both = _mm256_set_m128(_mm256_cvtpd_ps(_mm256_mul_pd(weight, high)),
                           _mm256_cvtpd_ps(_mm256_mul_pd(weight, low)));
    if (stream)
        _mm256_stream_ps(out + i, both);
    else
        _mm256_storeu_ps(out + i, both);
}

/* Outputs from head on: chain one from head, chain two from head + half, then chain two on
 * to the last 8 outputs; returns the next output to compute and leaves chain two's last 4
 * in *later. `steps` is a constant where this is inlined (the shift steps unroll). */
static inline __attribute__((always_inline)) ptrdiff_t
cconv_box_chains(const float *x, float *out, ptrdiff_t n, ptrdiff_t head, ptrdiff_t half,
                 ptrdiff_t span, ptrdiff_t stride, __m256d previous, __m256d *later,
                 __m256d weight, int steps, const __m256i *shift_index,
                 const __m256d *shift_mask, __m256i carry_index, int stream, const void *ahead,
                 ptrdiff_t ahead_bytes)
{
    ptrdiff_t i, i2 = head + half;
    for (i = head; i < head + half; i += 8, i2 += 8) {
        cconv_box8(x, out, i, span, stride, &previous, weight, steps, shift_index, shift_mask,
                   carry_index, stream, ahead, ahead_bytes);
        cconv_box8(x, out, i2, span, stride, later, weight, steps, shift_index, shift_mask,
                   carry_index, stream, ahead, ahead_bytes);
    }
    for (i = i2; i + 8 <= n; i += 8)
        cconv_box8(x, out, i, span, stride, later, weight, steps, shift_index, shift_mask,
                   carry_index, stream, ahead, ahead_bytes);
    return i;
}

/* The 4 window sums from output i, each added up in double (in the scalar loop's order) */
static inline __m256d cconv_box_sums4(const float *x, ptrdiff_t i, ptrdiff_t k, ptrdiff_t stride)
{
    __m256d s = _mm256_setzero_pd();
    for (ptrdiff_t j = 0; j < k; j++)
        s = _mm256_add_pd(s, _mm256_cvtps_pd(_mm_loadu_ps(x + i + j * stride)));
    return s;
}

/* One step: outputs i .. i + 3 from outputs i - stride .. i + 3 - stride (*sums), times the
 * weight, stored */
static inline __attribute__((always_inline)) void
cconv_box_step(const float *x, float *out, ptrdiff_t i, ptrdiff_t span, ptrdiff_t stride,
               __m256d *sums, __m256d weight)
{
    *sums = _mm256_add_pd(*sums, _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + i + span)),
                                               _mm256_cvtps_pd(_mm_loadu_ps(x + i - stride))));
    _mm_storeu_ps(out + i, _mm256_cvtpd_ps(_mm256_mul_pd(weight, *sums)));
}

/* Prefetches the lines of `ahead` (the next image row, ahead_bytes long) that hold the share
 * of this row's samples [from, to): 4 bytes from 4 * i for sample i, the most an image sample
 * takes, as in the loops above */
static inline void cconv_prefetch_share(const void *ahead, ptrdiff_t ahead_bytes,
                                        ptrdiff_t from, ptrdiff_t to)
{
    ptrdiff_t b;
    for (b = (from * 4) & ~(ptrdiff_t)63; b < to * 4 && b < ahead_bytes; b += 64)
        _mm_prefetch((const char *)ahead + b, _MM_HINT_T0);
}

/*
 * The row for 2 to 4 channels, a pixel per step. Lane j of the vector holds output i + j: one
 * pixel, then the first channels of the next. A step moves every lane `stride` outputs on by
 * adding its own difference (entering - leaving), so each lane is a running sum of its own
 * outputs, stride apart (the same channel's), and no value ever changes lanes. The chains'
 * permutes, one per 4 outputs on the loop-carried path and more within the blocks, are gone,
 * for 4 - stride lanes of redundant work. Each step stores 4 floats, rewriting the 4 - stride
 * outputs the step before stored last: the same sums from another chain of additions (equal
 * far below float32's resolution; which one stays depends only on n and stride). Two chains,
 * the row's halves, hide the add's latency; the second starts from 4 outputs added up. Not
 * streamed: the stores overlap, unaligned.
 * Faster than the chains from 2 channels on, slower for one, which keeps them
 * (docs/design.md).
 */
static inline void cconv_box_pixels(const float *x, float *out, ptrdiff_t n, ptrdiff_t k,
                                    ptrdiff_t stride, double weight, const void *ahead,
                                    ptrdiff_t ahead_bytes)
{
    const ptrdiff_t span = (k - 1) * stride;
    const __m256d wv = _mm256_set1_pd(weight);
    const ptrdiff_t steps = (n - 4) / stride; /* at i = stride .. steps * stride (i + 4 <= n) */
    /* chain two's steps from half + 1 on, where its k adds cost less than the steps */
    const ptrdiff_t half = steps / 2 >= k ? steps / 2 : 0;
    __m256d first = cconv_box_sums4(x, 0, k, stride), second;
    double ring[8], lanes[4];
    ptrdiff_t s, i, j;
    _mm_storeu_ps(out, _mm256_cvtpd_ps(_mm256_mul_pd(wv, first)));
    if (half > 0) {
        second = cconv_box_sums4(x, half * stride, k, stride);
        for (s = 1; s <= half; s++) {
            if (ahead && s % 16 == 1) { /* the next 16 steps' share, both chains */
                cconv_prefetch_share(ahead, ahead_bytes, s * stride, (s + 16) * stride);
                cconv_prefetch_share(ahead, ahead_bytes, (s + half) * stride,
                                     (s + half + 16) * stride);
            }
            cconv_box_step(x, out, s * stride, span, stride, &first, wv);
            cconv_box_step(x, out, (s + half) * stride, span, stride, &second, wv);
        }
        first = second;
        s += half;
    } else {
        s = 1;
    }
    for (; s <= steps; s++) {
        if (ahead && s % 16 == 1)
            cconv_prefetch_share(ahead, ahead_bytes, s * stride, (s + 16) * stride);
        cconv_box_step(x, out, s * stride, span, stride, &first, wv);
    }
    /* the tail follows on from the last step's outputs, steps * stride .. + 3 */
    _mm256_storeu_pd(lanes, first);
    for (j = 0; j < 4; j++)
        ring[(steps * stride + j) & 7] = lanes[j];
    for (i = steps * stride + 4; i < n; i++)
        out[i] = (float)(weight * cconv_box_next(x, ring, i, k, stride));
}

CCONV_OUT_OF_LINE void cconv_box_row_f32(const float *x, float *out, ptrdiff_t n, ptrdiff_t k,
                                     ptrdiff_t stride, float weight, int stream,
                                     const void *ahead, ptrdiff_t ahead_bytes)
{
    const ptrdiff_t span = (k - 1) * stride;
    const double w = (double)weight;
    const __m256d wv = _mm256_set1_pd(w);
    double ring[8], lanes[4];
    long long mask[4];
    ptrdiff_t from[4];
    __m256i shift_index[2], carry_index;
    __m256d shift_mask[2], previous, later;
    int steps = 0;
    ptrdiff_t i, j, shift, half, head = 4;
    if (stride >= 2 && n >= 16) {
        cconv_box_pixels(x, out, n, k, stride, w, ahead, ahead_bytes);
        return;
    }
    for (shift = stride; shift < 4; shift *= 2, steps++) {
        for (j = 0; j < 4; j++) {
            from[j] = j >= shift ? j - shift : 0;
            mask[j] = j >= shift ? -1 : 0;
        }
        shift_index[steps] = cconv_lanes_pd(from);
        shift_mask[steps] = _mm256_castsi256_pd(_mm256_loadu_si256((const __m256i *)mask));
    }
    for (j = 0; j < 4; j++)
        from[j] = 4 - stride + j % stride;
    carry_index = cconv_lanes_pd(from);
    if (stream) /* the vector loop's stores start on a 32-byte boundary */
        head += (ptrdiff_t)((0 - (uintptr_t)(out + 4)) & 31) / (ptrdiff_t)sizeof(float);
    if (head + 8 > n)
        head = n;
    for (i = 0; i < head; i++)
        out[i] = (float)(w * cconv_box_next(x, ring, i, k, stride));
    if (head == n)
        return;
    for (j = 0; j < 4; j++)
        lanes[j] = ring[(head - 4 + j) & 7];
    previous = later = _mm256_loadu_pd(lanes);
    /* The second chain starts at head + half from its 4 outputs before, added up (k vector
     * adds, in the order the scalar loop adds), where that costs less than the half row. */
    half = (n - head) / 16 * 8;
    if (half < k)
        half = 0;
    if (half > 0)
        later = cconv_box_sums4(x, head + half - 4, k, stride);
    switch (steps) {
    case 0: i = cconv_box_chains(x, out, n, head, half, span, stride, previous, &later, wv, 0,
                                 shift_index, shift_mask, carry_index, stream, ahead,
                                 ahead_bytes); break;
    case 1: i = cconv_box_chains(x, out, n, head, half, span, stride, previous, &later, wv, 1,
                                 shift_index, shift_mask, carry_index, stream, ahead,
                                 ahead_bytes); break;
    default: i = cconv_box_chains(x, out, n, head, half, span, stride, previous, &later, wv, 2,
                                  shift_index, shift_mask, carry_index, stream, ahead,
                                  ahead_bytes);
    }
    _mm256_storeu_pd(lanes, later); /* the tail follows the second chain */
    for (j = 0; j < 4; j++)
        ring[(i - 4 + j) & 7] = lanes[j];
    for (; i < n; i++)
        out[i] = (float)(w * cconv_box_next(x, ring, i, k, stride));
}
#else /* no such loop at this level: never called (CCONV_BOX_ROW is 0) */
#define CCONV_BOX_ROW 0
#define CCONV_BOX_CHANNELS 0
CCONV_OUT_OF_LINE void cconv_box_row_f32(const float *x, float *out, ptrdiff_t n, ptrdiff_t k,
                                     ptrdiff_t stride, float weight, int stream,
                                     const void *ahead, ptrdiff_t ahead_bytes)
{
    (void)x; (void)out; (void)n; (void)k; (void)stride; (void)weight; (void)stream;
    (void)ahead; (void)ahead_bytes;
}
#endif

#endif /* CCONV_WINDOW_SUMS_H */
