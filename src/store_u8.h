/*
 * The store of uint8 images (float32 accumulator -> uint8): round half to even, saturate to
 * [0, 255], NaN -> 0, exactly as the engine's generic store_row, in fewer instructions.
 *
 * Portable C cannot say "max/min with x86's NaN rule" without -ffast-math, so the compiler
 * spends compares and blends where one vmaxps/vminps does; this store runs for every pixel of
 * every uint8 image. The header is compiled into each engine level: the AVX-512 and AVX2
 * modules get the vector loops below, the baseline module none (it returns 0 and the caller's
 * generic loop does the whole row). Only the dispatch of src/cpu_features.h ever runs them.
 */
#ifndef CCONV_STORE_U8_H
#define CCONV_STORE_U8_H

#include <stddef.h>
#include <stdint.h>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#if defined(__AVX512F__)
/* 16 samples to uint8: max(v, 0) returns 0 for NaN (the second operand wins when either is
 * NaN), then min(., 255), then round half to even. */
static inline __m128i cconv_pack_u8(__m512 v)
{
    v = _mm512_min_ps(_mm512_max_ps(v, _mm512_setzero_ps()), _mm512_set1_ps(255.0f));
    return _mm512_cvtepi32_epi8(
        _mm512_cvt_roundps_epi32(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
#elif defined(__AVX2__)
/*
 * 8 samples to int32 such that the unsigned saturating packs below give the uint8 result:
 * min(255, v) with v second returns v when it is NaN (vminps returns its second operand
 * then), and NaN, -inf and anything below -2**31 convert to INT_MIN, which the packs saturate
 * to 0, as they do any negative; +inf and large values became 255. vcvtps2dq rounds by the
 * MXCSR mode: round half to even, unless the process changed it (nothing in Python does).
 * Two instructions where clamping both ends, rounding and truncating took four: the uint8
 * store is a third of a separable row filter's instructions.
 */
static inline __m256i cconv_u8_lanes(__m256 v)
{
    return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_set1_ps(255.0f), v));
}

/* 16 samples (8 in a, 8 in b) to uint8, as above */
static inline __m128i cconv_pack_u8(__m256 a, __m256 b)
{
    /* packs work within 128-bit lanes: words a0 b0 a1 b1, bytes twice; fix the order */
    __m256i words = _mm256_packus_epi32(cconv_u8_lanes(a), cconv_u8_lanes(b));
    __m256i bytes = _mm256_packus_epi16(words, words);
    __m256i ordered = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 0, 0, 0, 0));
    return _mm256_castsi256_si128(ordered);
}

/* 32 samples (8 each in a, b, c, d) to uint8: one byte pack and one permute for all four */
static inline __m256i cconv_pack32_u8(__m256 a, __m256 b, __m256 c, __m256 d)
{
    __m256i ab = _mm256_packus_epi32(cconv_u8_lanes(a), cconv_u8_lanes(b));
    __m256i cd = _mm256_packus_epi32(cconv_u8_lanes(c), cconv_u8_lanes(d));
    /* per 128-bit lane, 4 bytes each of a, b, c, d: lane 0 the first halves, lane 1 the rest */
    __m256i bytes = _mm256_packus_epi16(ab, cd);
    return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}
#endif

/* The same for one sample, for the tails of the vector loops: the same result. Adding and
 * subtracting 1.5 * 2**23 rounds half to even (exact in [0, 255]). */
static inline uint8_t cconv_round_u8(float v)
{
    v = v > 0.0f ? v : 0.0f; /* NaN fails the test and becomes 0 */
    v = v < 255.0f ? v : 255.0f;
    return (uint8_t)((v + 12582912.0f) - 12582912.0f);
}

/* Stores the first samples of acc plus offset into dst and returns how many it stored (a
 * multiple of 16); the caller stores the rest. */
static inline ptrdiff_t cconv_store_u8(const float *acc, float offset, uint8_t *dst, ptrdiff_t n)
{
    ptrdiff_t i = 0;
#if defined(__AVX512F__)
    const __m512 o = _mm512_set1_ps(offset);
    for (; i + 16 <= n; i += 16)
        _mm_storeu_si128((__m128i *)(dst + i),
                         cconv_pack_u8(_mm512_add_ps(_mm512_loadu_ps(acc + i), o)));
#elif defined(__AVX2__)
    const __m256 o = _mm256_set1_ps(offset);
    for (; i + 16 <= n; i += 16)
        _mm_storeu_si128((__m128i *)(dst + i),
                         cconv_pack_u8(_mm256_add_ps(_mm256_loadu_ps(acc + i), o),
                                       _mm256_add_ps(_mm256_loadu_ps(acc + i + 8), o)));
#else
    (void)acc;
    (void)offset;
    (void)dst;
    (void)n;
#endif
    return i;
}

/* The integer box's store (src/_core.pyx, integer_box_block): dst[i] = the uint8 of
 * weight * (float)(int32)sums[i], as the engine's generic loop computes it (one float32
 * multiply, then the rule above), for the first samples; returns how many (a multiple of
 * 32), the caller stores the rest. In one pass: the generic loop wrote the products to a
 * float row and read them back, a third of a gray 31x31 box's time. AVX2 module only. */
static inline ptrdiff_t cconv_store_scaled_u8(const uint32_t *sums, float weight, uint8_t *dst,
                                              ptrdiff_t n)
{
    ptrdiff_t i = 0;
#if defined(__AVX2__) && !defined(__AVX512F__)
    const __m256 w = _mm256_set1_ps(weight);
    __m256 v[4];
    for (; i + 32 <= n; i += 32) {
        for (int k = 0; k < 4; k++)
            v[k] = _mm256_mul_ps(w, _mm256_cvtepi32_ps(
                _mm256_loadu_si256((const __m256i *)(sums + i + 8 * k))));
        _mm256_storeu_si256((__m256i *)(dst + i), cconv_pack32_u8(v[0], v[1], v[2], v[3]));
    }
#else
    (void)sums;
    (void)weight;
    (void)dst;
    (void)n;
#endif
    return i;
}

#endif /* CCONV_STORE_U8_H */
