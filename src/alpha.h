/*
 * The vector part of alpha.pxi's passes for RGBA (4 channels, alpha last): one pixel per
 * 128-bit lane, so each lane's alpha is one in-lane shuffle away (vpermilps 0xFF). The same
 * float32 operations as the scalar loops, in the same order: the same results. Each function
 * returns how many pixels it did (a multiple of 4); the caller does the rest. The baseline
 * module has no vector part (it returns 0).
 */
#ifndef CCONV_ALPHA_H
#define CCONV_ALPHA_H

#include <stddef.h>
#include <stdint.h>
#include "store_u8.h"

/* out = colour * (alpha / 255), then alpha / 255, for each pixel */
static inline ptrdiff_t cconv_premultiply_rgba(const uint8_t *pixels, float *out, ptrdiff_t n)
{
    ptrdiff_t i = 0;
#if defined(__AVX512F__)
    const __m512 scale = _mm512_set1_ps(255.0f);
    for (; i + 4 <= n; i += 4) {
        __m512 v = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(
            _mm_loadu_si128((const __m128i *)(pixels + 4 * i))));
        __m512 weight = _mm512_div_ps(_mm512_permute_ps(v, 0xFF), scale);
        _mm512_storeu_ps(out + 4 * i,
                         _mm512_mask_blend_ps(0x8888, _mm512_mul_ps(v, weight), weight));
    }
#elif defined(__AVX2__)
    const __m256 scale = _mm256_set1_ps(255.0f);
    for (; i + 4 <= n; i += 4) {
        for (int half = 0; half < 2; half++) {
            const uint8_t *p = pixels + 4 * i + 8 * half;
            __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(
                _mm_loadl_epi64((const __m128i *)p)));
            __m256 weight = _mm256_div_ps(_mm256_permute_ps(v, 0xFF), scale);
            _mm256_storeu_ps(out + 4 * i + 8 * half,
                             _mm256_blend_ps(_mm256_mul_ps(v, weight), weight, 0x88));
        }
    }
#else
    (void)pixels;
    (void)out;
    (void)n;
#endif
    return i;
}

/* out = filtered colour divided by the filtered alpha (0 where that is not > 0), and alpha
 * times 255, rounded half to even and saturated by store_u8.h's rule (NaN to 0) */
static inline ptrdiff_t cconv_unpremultiply_rgba(const float *filtered, uint8_t *out,
                                                 ptrdiff_t n)
{
    ptrdiff_t i = 0;
#if defined(__AVX512F__)
    const __m512 scale = _mm512_set1_ps(255.0f);
    for (; i + 4 <= n; i += 4) {
        __m512 v = _mm512_loadu_ps(filtered + 4 * i);
        __m512 alpha = _mm512_permute_ps(v, 0xFF);
        __mmask16 visible = _mm512_cmp_ps_mask(alpha, _mm512_setzero_ps(), _CMP_GT_OQ);
        __m512 colour = _mm512_maskz_mov_ps(visible, _mm512_div_ps(v, alpha));
        __m512 result = _mm512_mask_blend_ps(0x8888, colour, _mm512_mul_ps(v, scale));
        _mm_storeu_si128((__m128i *)(out + 4 * i), cconv_pack_u8(result));
    }
#elif defined(__AVX2__)
    const __m256 scale = _mm256_set1_ps(255.0f);
    for (; i + 4 <= n; i += 4) {
        __m256 result[2];
        for (int half = 0; half < 2; half++) {
            __m256 v = _mm256_loadu_ps(filtered + 4 * i + 8 * half);
            __m256 alpha = _mm256_permute_ps(v, 0xFF);
            __m256 visible = _mm256_cmp_ps(alpha, _mm256_setzero_ps(), _CMP_GT_OQ);
            __m256 colour = _mm256_and_ps(visible, _mm256_div_ps(v, alpha));
            result[half] = _mm256_blend_ps(colour, _mm256_mul_ps(v, scale), 0x88);
        }
        _mm_storeu_si128((__m128i *)(out + 4 * i), cconv_pack_u8(result[0], result[1]));
    }
#else
    (void)filtered;
    (void)out;
    (void)n;
#endif
    return i;
}

#endif /* CCONV_ALPHA_H */
