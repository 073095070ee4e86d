/*
 * The direct path's exact integer sums: uint8 images under small integer kernels (sharpen,
 * Laplacian, Sobel, Scharr, emboss, outline ...) stored as uint8:
 *     dst[i] = min(255, max(0, offset + sum_t weights[t] * sources[t][i]))    for i in [0, n)
 * The engine takes it only where |offset| plus the sum of |weights| times the largest sample
 * (255, or the border's cval) is at most 32767, so no partial sum leaves int16 in any order:
 * every sum is the exact one, and saturating it is the rounding policy's result (float32 sums
 * of such integers are exact too, so the results equal the float path's). Sixteen samples per
 * vector and no conversion to float and back: on the float path a uint8 3x3 spends more time
 * converting than multiplying.
 *
 * The taps come sorted: `plus` taps of weight 1 first, then `minus` taps of weight -1 (most
 * integer kernels' weights), then the others; the first two kinds are added or subtracted
 * without a multiply (measured: docs/design.md). The order of exact sums does not change them. The AVX2 and AVX-512
 * modules sum every tap of a block of 64 samples in registers (4 x 16 int16 lanes) and pack
 * straight to uint8; the baseline module adds the taps a row chunk at a time into an int16 row
 * in L1, a loop the compiler vectorises for SSE2. Both are exact, so they give the same bytes.
 */
#ifndef CCONV_INTEGER_TAPS_H
#define CCONV_INTEGER_TAPS_H

#include <stddef.h>
#include <stdint.h>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

/* sum |weights| * largest sample must not exceed this for cconv_int_taps_u8 */
#define CCONV_INT_SUM_LIMIT 32767

static inline uint8_t cconv_saturate_u8(int v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }

#if defined(__AVX2__)
#define CCONV_INT_LOAD(p) _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(p)))

/* a[k] += weight * (16 samples from p + 16 k), k < vectors; weight 1 or -1 without multiply */
static inline __attribute__((always_inline)) void cconv_int_tap(__m256i *a, int vectors,
                                                                int kind, __m256i w,
                                                                const uint8_t *p)
{
    for (int k = 0; k < vectors; k++) {
        const __m256i v = CCONV_INT_LOAD(p + 16 * k);
        a[k] = kind > 0 ? _mm256_add_epi16(a[k], v)
               : kind < 0 ? _mm256_sub_epi16(a[k], v)
                          : _mm256_add_epi16(a[k], _mm256_mullo_epi16(w, v));
    }
}

/* a[0..vectors) = offset + the sums of 16 * vectors samples from i */
static inline __attribute__((always_inline)) void cconv_int_block(
    __m256i *a, int vectors, const uint8_t *const *sources, const int16_t *weights,
    ptrdiff_t plus, ptrdiff_t minus, ptrdiff_t taps, int16_t offset, ptrdiff_t i)
{
    ptrdiff_t t;
    for (int k = 0; k < vectors; k++)
        a[k] = _mm256_set1_epi16(offset);
    for (t = 0; t < plus; t++)
        cconv_int_tap(a, vectors, 1, _mm256_setzero_si256(), sources[t] + i);
    for (; t < plus + minus; t++)
        cconv_int_tap(a, vectors, -1, _mm256_setzero_si256(), sources[t] + i);
    for (; t < taps; t++)
        cconv_int_tap(a, vectors, 0, _mm256_set1_epi16(weights[t]), sources[t] + i);
}

/* 32 int16 sums (16 in a, 16 in b) to uint8 with unsigned saturation, in sample order */
static inline __m256i cconv_int_pack32(__m256i a, __m256i b)
{
    /* the pack works within 128-bit lanes (a0-7 b0-7 | a8-15 b8-15): put the quarters back */
    return _mm256_permute4x64_epi64(_mm256_packus_epi16(a, b), 0xD8);
}

/* dst does not overlap the sources (the engine's output never overlaps its image or ring) */
static __attribute__((noinline)) void cconv_int_taps_u8(uint8_t *dst,
                                                       const uint8_t *const *sources,
                                                       const int16_t *weights, ptrdiff_t plus,
                                                       ptrdiff_t minus, ptrdiff_t taps,
                                                       int16_t offset, ptrdiff_t n)
{
    ptrdiff_t i = 0, t;
    __m256i a[4];
    for (; i + 64 <= n; i += 64) { /* four independent chains, one vector load per tap each */
        cconv_int_block(a, 4, sources, weights, plus, minus, taps, offset, i);
        _mm256_storeu_si256((__m256i *)(dst + i), cconv_int_pack32(a[0], a[1]));
        _mm256_storeu_si256((__m256i *)(dst + i + 32), cconv_int_pack32(a[2], a[3]));
    }
    for (; i < n && n >= 16; i += 16) {
        /* the last block ends at n, over samples already stored (the same exact sums) */
        i = i + 16 <= n ? i : n - 16;
        cconv_int_block(a, 1, sources, weights, plus, minus, taps, offset, i);
        _mm_storeu_si128((__m128i *)(dst + i),
                         _mm256_castsi256_si128(cconv_int_pack32(a[0], a[0])));
    }
    for (; i < n; i++) { /* rows of fewer than 16 samples */
        int s = offset;
        for (t = 0; t < taps; t++)
            s += weights[t] * sources[t][i];
        dst[i] = cconv_saturate_u8(s);
    }
}
#else
#define CCONV_INT_CHUNK 2048
static void cconv_int_taps_u8(uint8_t *dst, const uint8_t *const *sources,
                              const int16_t *weights, ptrdiff_t plus, ptrdiff_t minus,
                              ptrdiff_t taps, int16_t offset, ptrdiff_t n)
{
    (void)plus; /* the weights say it too; a multiply by 1 costs the vectorised loop little */
    (void)minus;
    int16_t acc[CCONV_INT_CHUNK];
    for (ptrdiff_t start = 0; start < n; start += CCONV_INT_CHUNK) {
        const ptrdiff_t m = n - start < CCONV_INT_CHUNK ? n - start : CCONV_INT_CHUNK;
        ptrdiff_t i, t;
        for (i = 0; i < m; i++)
            acc[i] = offset;
        for (t = 0; t < taps; t++) {
            const uint8_t *p = sources[t] + start;
            const int16_t w = weights[t];
            for (i = 0; i < m; i++) /* exact: the engine bounds every partial sum */
                acc[i] = (int16_t)(acc[i] + w * p[i]);
        }
        for (i = 0; i < m; i++)
            dst[start + i] = cconv_saturate_u8(acc[i]);
    }
}
#endif

#endif /* CCONV_INTEGER_TAPS_H */
