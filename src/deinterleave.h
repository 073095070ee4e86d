/*
 * De-interleaving float32 rows for strided outputs (Stride in borders.pxi): pixel p of `row`
 * (`pixels` pixels of `channels` samples) goes to pixel p / stride of phase p % stride, the
 * phases `phase_len` samples apart. The multiply-add loops then read each tap's samples for
 * consecutive kept outputs as one contiguous run.
 *
 * The copy runs once per row a strided call reads, next to a few multiply-adds per kept
 * sample, so it is vectorised where it can be: gray rows at stride 2 into both phases at
 * once by shuffles, other gray rows by gathers, pixels of 2 to 4 channels as one 16-byte move each (overlapping
 * the next pixel's place, which is written next). A copy moves values unchanged: results do
 * not depend on which of these ran.
 */
#ifndef CCONV_DEINTERLEAVE_H
#define CCONV_DEINTERLEAVE_H

#include <stddef.h>
#if defined(__SSE2__) || defined(_M_X64)
#include <immintrin.h>
#define CCONV_MOVE16 1
#else
#define CCONV_MOVE16 0
#endif

/* Phase q's `count` pixels of a gray row, every stride-th sample from `from` (stride 2 takes
 * cconv_split_gray_pairs) */
static inline ptrdiff_t cconv_gather_gray(const float *from, float *to, ptrdiff_t count,
                                          ptrdiff_t stride)
{
    ptrdiff_t i = 0;
#if defined(__AVX512F__)
    if (stride <= 0x7fffffff / 16) {
        const __m512i index = _mm512_mullo_epi32(
            _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
            _mm512_set1_epi32((int)stride));
        for (; i + 16 <= count; i += 16)
            _mm512_storeu_ps(to + i, _mm512_i32gather_ps(index, from + i * stride, 4));
    }
#elif defined(__AVX2__)
    if (stride <= 0x7fffffff / 8) {
        const __m256i index = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                                 _mm256_set1_epi32((int)stride));
        for (; i + 8 <= count; i += 8)
            _mm256_storeu_ps(to + i, _mm256_i32gather_ps(from + i * stride, index, 4));
    }
#endif
    for (; i < count; i++)
        to[i] = from[i * stride];
    return count;
}

/* Both phases of a gray row at stride 2 in one pass: each pair of loads gives a vector of
 * each (half the loads of a pass per phase). Returns the pixel pairs done. */
static inline ptrdiff_t cconv_split_gray_pairs(const float *row, float *even, float *odd,
                                               ptrdiff_t pairs)
{
    ptrdiff_t i = 0;
#if defined(__AVX512F__)
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26,
                                            28, 30);
    const __m512i odds = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27,
                                           29, 31);
    for (; i + 16 <= pairs; i += 16) {
        __m512 a = _mm512_loadu_ps(row + 2 * i), b = _mm512_loadu_ps(row + 2 * i + 16);
        _mm512_storeu_ps(even + i, _mm512_permutex2var_ps(a, evens, b));
        _mm512_storeu_ps(odd + i, _mm512_permutex2var_ps(a, odds, b));
    }
#elif defined(__AVX2__)
    for (; i + 8 <= pairs; i += 8) {
        __m256 a = _mm256_loadu_ps(row + 2 * i), b = _mm256_loadu_ps(row + 2 * i + 8);
        __m256d e = _mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)); /* a0 a2 b0 b2 | ... */
        __m256d o = _mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)); /* a1 a3 b1 b3 | ... */
        _mm256_storeu_ps(even + i, _mm256_castpd_ps(_mm256_permute4x64_pd(e, 0xD8)));
        _mm256_storeu_ps(odd + i, _mm256_castpd_ps(_mm256_permute4x64_pd(o, 0xD8)));
    }
#endif
    for (; i < pairs; i++) {
        even[i] = row[2 * i];
        odd[i] = row[2 * i + 1];
    }
    return pairs;
}

static inline void cconv_deinterleave_f32(const float *row, float *phases, ptrdiff_t pixels,
                                          ptrdiff_t channels, ptrdiff_t stride,
                                          ptrdiff_t phase_len)
{
    ptrdiff_t q, i, c;
    if (channels == 1 && stride == 2) { /* the pairs, then an odd row's last pixel */
        ptrdiff_t pairs = cconv_split_gray_pairs(row, phases, phases + phase_len, pixels / 2);
        if (pixels % 2)
            phases[pairs] = row[2 * pairs];
        return;
    }
    for (q = 0; q < stride && q < pixels; q++) {
        const float *from = row + q * channels;
        float *to = phases + q * phase_len;
        ptrdiff_t count = (pixels - q + stride - 1) / stride;
        i = 0;
        if (channels == 1) {
            cconv_gather_gray(from, to, count, stride);
            continue;
        }
#if CCONV_MOVE16
        if (channels <= 4) /* each move also writes the next pixel's place, written next */
            for (; i + 1 < count; i++)
                _mm_storeu_ps(to + i * channels, _mm_loadu_ps(from + i * stride * channels));
#endif
        for (; i < count; i++)
            for (c = 0; c < channels; c++)
                to[i * channels + c] = from[i * stride * channels + c];
    }
}

#endif
