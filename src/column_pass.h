/*
 * The column filter of the separable path for uint8 and float32 images (float32 accumulator),
 * read straight from the image rows:  out[i] = sum_t weights[t] * rows[t][start + i].
 *
 * Why by hand:
 * - uint8: from the portable loop GCC vectorises 64 bytes at a time and widens them in two
 *   steps (bytes -> words -> dwords, with extracts), four shuffles per 16 floats where one
 *   vpmovzxbd from memory does: each tap cost about 3 cycles per 16 samples instead of 2.
 * - Two output rows at a time (the *_two functions): where the taps are consecutive rows, each
 *   row is loaded (and converted) once for both output rows. For uint8 the conversion costs
 *   as much as the multiply-add; for float32 the loads from L2 are what limit the speed.
 *
 * Every sample is summed the same way everywhere (vector loops, scalar tail, one row or two):
 * tap after tap, one fused multiply-add each, starting from 0. So a sample's result does not
 * depend on where it falls in the row, nor on which rows were paired (which depends on how
 * rows are split between threads). Compiled into each engine level: the AVX2 and AVX-512
 * modules get these loops; the baseline module has none (CCONV_COLUMN_VECTOR is 0) and the
 * engine's generic loop runs instead.
 */
#ifndef CCONV_COLUMN_PASS_H
#define CCONV_COLUMN_PASS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#if defined(__AVX512F__)
#define CCONV_COLUMN_VECTOR 1
#define CCONV_VEC __m512
#define CCONV_WIDTH 16
#define CCONV_ZERO _mm512_setzero_ps()
#define CCONV_SET1 _mm512_set1_ps
#define CCONV_FMA _mm512_fmadd_ps
#define CCONV_STORE _mm512_storeu_ps
#define CCONV_LOAD_U8(p) \
    _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(p))))
#define CCONV_LOAD_F32(p) _mm512_loadu_ps(p)
#elif defined(__AVX2__) && defined(__FMA__)
#define CCONV_COLUMN_VECTOR 1
#define CCONV_VEC __m256
#define CCONV_WIDTH 8
#define CCONV_ZERO _mm256_setzero_ps()
#define CCONV_SET1 _mm256_set1_ps
#define CCONV_FMA _mm256_fmadd_ps
#define CCONV_STORE _mm256_storeu_ps
#define CCONV_LOAD_U8(p) \
    _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p))))
#define CCONV_LOAD_F32(p) _mm256_loadu_ps(p)
#else
#define CCONV_COLUMN_VECTOR 0
#endif

#if CCONV_COLUMN_VECTOR
/*
 * cconv_column_<type>(out, rows, weights, taps, start, n): the filter above for i in [0, n).
 * cconv_column_<type>_two(upper, lower, rows, weights, taps, start, n): upper sums rows[0] to
 * rows[taps - 1], lower rows[1] to rows[taps], each exactly as cconv_column_<type> would.
 * Four vectors (one row) or two per output row (two rows) hide the multiply-add latency.
 */
#define CCONV_DEFINE_COLUMN(name, type, LOAD)                                                  \
static inline void name(float *out, const type **rows, const float *weights, ptrdiff_t taps,  \
                        ptrdiff_t start, ptrdiff_t n)                                          \
{                                                                                              \
    ptrdiff_t i = 0, t;                                                                        \
    for (; i + 4 * CCONV_WIDTH <= n; i += 4 * CCONV_WIDTH) {                                   \
        CCONV_VEC a0 = CCONV_ZERO, a1 = a0, a2 = a0, a3 = a0;                                  \
        for (t = 0; t < taps; t++) {                                                           \
            const type *p = rows[t] + start + i;                                               \
            CCONV_VEC w = CCONV_SET1(weights[t]);                                              \
            a0 = CCONV_FMA(w, LOAD(p), a0);                                                    \
            a1 = CCONV_FMA(w, LOAD(p + CCONV_WIDTH), a1);                                      \
            a2 = CCONV_FMA(w, LOAD(p + 2 * CCONV_WIDTH), a2);                                  \
            a3 = CCONV_FMA(w, LOAD(p + 3 * CCONV_WIDTH), a3);                                  \
        }                                                                                      \
        CCONV_STORE(out + i, a0);                                                              \
        CCONV_STORE(out + i + CCONV_WIDTH, a1);                                                \
        CCONV_STORE(out + i + 2 * CCONV_WIDTH, a2);                                            \
        CCONV_STORE(out + i + 3 * CCONV_WIDTH, a3);                                            \
    }                                                                                          \
    for (; i + CCONV_WIDTH <= n; i += CCONV_WIDTH) {                                           \
        CCONV_VEC a = CCONV_ZERO;                                                              \
        for (t = 0; t < taps; t++)                                                             \
            a = CCONV_FMA(CCONV_SET1(weights[t]), LOAD(rows[t] + start + i), a);               \
        CCONV_STORE(out + i, a);                                                               \
    }                                                                                          \
    for (; i < n; i++) { /* fmaf is one instruction at these levels */                         \
        float s = 0.0f;                                                                        \
        for (t = 0; t < taps; t++)                                                             \
            s = fmaf(weights[t], (float)rows[t][start + i], s);                                \
        out[i] = s;                                                                            \
    }                                                                                          \
}                                                                                              \
                                                                                               \
static inline void name##_two(float *upper, float *lower, const type **rows,                   \
                              const float *weights, ptrdiff_t taps, ptrdiff_t start,           \
                              ptrdiff_t n)                                                     \
{                                                                                              \
    ptrdiff_t i = 0, t;                                                                        \
    for (; i + 2 * CCONV_WIDTH <= n; i += 2 * CCONV_WIDTH) {                                   \
        CCONV_VEC u0 = CCONV_ZERO, u1 = u0, l0 = u0, l1 = u0, x0, x1, w;                       \
        const type *p = rows[0] + start + i;                                                   \
        x0 = LOAD(p);                                                                          \
        x1 = LOAD(p + CCONV_WIDTH);                                                            \
        for (t = 1; t <= taps; t++) {                                                          \
            /* row t - 1, loaded: tap t - 1 of the upper row, tap t - 2 of the lower */        \
            w = CCONV_SET1(weights[t - 1]);                                                    \
            u0 = CCONV_FMA(w, x0, u0);                                                         \
            u1 = CCONV_FMA(w, x1, u1);                                                         \
            if (t >= 2) {                                                                      \
                w = CCONV_SET1(weights[t - 2]);                                                \
                l0 = CCONV_FMA(w, x0, l0);                                                     \
                l1 = CCONV_FMA(w, x1, l1);                                                     \
            }                                                                                  \
            p = rows[t] + start + i;                                                           \
            x0 = LOAD(p);                                                                      \
            x1 = LOAD(p + CCONV_WIDTH);                                                        \
        }                                                                                      \
        w = CCONV_SET1(weights[taps - 1]); /* row taps: the lower row's last tap */            \
        l0 = CCONV_FMA(w, x0, l0);                                                             \
        l1 = CCONV_FMA(w, x1, l1);                                                             \
        CCONV_STORE(upper + i, u0);                                                            \
        CCONV_STORE(upper + i + CCONV_WIDTH, u1);                                              \
        CCONV_STORE(lower + i, l0);                                                            \
        CCONV_STORE(lower + i + CCONV_WIDTH, l1);                                              \
    }                                                                                          \
    name(upper + i, rows, weights, taps, start + i, n - i);                                    \
    name(lower + i, rows + 1, weights, taps, start + i, n - i);                                \
}

CCONV_DEFINE_COLUMN(cconv_column_u8, uint8_t, CCONV_LOAD_U8)
CCONV_DEFINE_COLUMN(cconv_column_f32, float, CCONV_LOAD_F32)
#undef CCONV_DEFINE_COLUMN

#else /* no vector code at this level: never called (CCONV_COLUMN_VECTOR is 0) */
static inline void cconv_column_u8(float *out, const uint8_t **rows, const float *weights,
                                   ptrdiff_t taps, ptrdiff_t start, ptrdiff_t n)
{ (void)out; (void)rows; (void)weights; (void)taps; (void)start; (void)n; }
static inline void cconv_column_u8_two(float *upper, float *lower, const uint8_t **rows,
                                       const float *weights, ptrdiff_t taps, ptrdiff_t start,
                                       ptrdiff_t n)
{ (void)upper; (void)lower; (void)rows; (void)weights; (void)taps; (void)start; (void)n; }
static inline void cconv_column_f32(float *out, const float **rows, const float *weights,
                                    ptrdiff_t taps, ptrdiff_t start, ptrdiff_t n)
{ (void)out; (void)rows; (void)weights; (void)taps; (void)start; (void)n; }
static inline void cconv_column_f32_two(float *upper, float *lower, const float **rows,
                                        const float *weights, ptrdiff_t taps, ptrdiff_t start,
                                        ptrdiff_t n)
{ (void)upper; (void)lower; (void)rows; (void)weights; (void)taps; (void)start; (void)n; }
#endif

#endif /* CCONV_COLUMN_PASS_H */
