/*
 * The multiply-add of one output row and its store, in one pass, for float32 accumulators
 * stored as uint8 or float32 (the direct path's taps, the separable path's row filter):
 *     dst[i] = sum_t weights[t] * sources[t][i]    for i in [0, n)
 *
 * Why by hand: the engine's generic loop adds up to eight taps per pass into an accumulator
 * row, then a second pass rounds and stores it. Here every tap of a block of samples is summed
 * in registers (four vectors, to hide the multiply-add latency) and the block is rounded and
 * stored straight from them: no accumulator row written and read back, no second pass for
 * more than eight taps. In a microbenchmark on this project's Zen-4 machine (rows in L1), a
 * uint8 row of 5 taps went from 11.5 to 9.5 cycles per 16 samples, of 9 taps from 19.4 to 15.4.
 *
 * Every sample is summed the same way wherever it falls (4-vector blocks, 16-sample blocks,
 * scalar tail): tap after tap, one fused multiply-add each, starting from 0; uint8 is rounded
 * by store_u8.h's rule in vectors and in the tail alike. Only the AVX2 and AVX-512 modules
 * have these loops (CCONV_COLUMN_VECTOR); the baseline module's stubs are never called.
 */
#ifndef CCONV_ROW_TAPS_H
#define CCONV_ROW_TAPS_H

#include "column_pass.h"
#include "store_u8.h"

#if CCONV_COLUMN_VECTOR
/* a[0..count) = the taps' sums for the count * CCONV_WIDTH samples from i */
static inline void cconv_taps_block(CCONV_VEC *a, int count, const float **sources,
                                    const float *weights, ptrdiff_t taps, ptrdiff_t i)
{
    ptrdiff_t t;
    int k;
    for (k = 0; k < count; k++)
        a[k] = CCONV_ZERO;
    for (t = 0; t < taps; t++) {
        const float *p = sources[t] + i;
        CCONV_VEC w = CCONV_SET1(weights[t]);
        for (k = 0; k < count; k++)
            a[k] = CCONV_FMA(w, CCONV_LOAD_F32(p + k * CCONV_WIDTH), a[k]);
    }
}

/* the same for one sample (fmaf is one instruction at these levels) */
static inline float cconv_taps_sample(const float **sources, const float *weights,
                                      ptrdiff_t taps, ptrdiff_t i)
{
    float s = 0.0f;
    ptrdiff_t t;
    for (t = 0; t < taps; t++)
        s = fmaf(weights[t], sources[t][i], s);
    return s;
}

#if CCONV_WIDTH == 16
#define CCONV_STORE16_U8(d, a) _mm_storeu_si128((__m128i *)(d), cconv_pack_u8((a)[0]))
#else
#define CCONV_STORE16_U8(d, a) _mm_storeu_si128((__m128i *)(d), cconv_pack_u8((a)[0], (a)[1]))
#endif
#define CCONV_PER16 (16 / CCONV_WIDTH) /* vectors per 16 samples */

static inline void cconv_taps_u8(uint8_t *dst, const float **sources, const float *weights,
                                 ptrdiff_t taps, ptrdiff_t n)
{
    CCONV_VEC a[4];
    ptrdiff_t i = 0;
    int k;
    for (; i + 4 * CCONV_WIDTH <= n; i += 4 * CCONV_WIDTH) {
        cconv_taps_block(a, 4, sources, weights, taps, i);
        for (k = 0; k < 4; k += CCONV_PER16)
            CCONV_STORE16_U8(dst + i + k * CCONV_WIDTH, a + k);
    }
    for (; i + 16 <= n; i += 16) {
        cconv_taps_block(a, CCONV_PER16, sources, weights, taps, i);
        CCONV_STORE16_U8(dst + i, a);
    }
    for (; i < n; i++)
        dst[i] = cconv_round_u8(cconv_taps_sample(sources, weights, taps, i));
}

static inline void cconv_taps_f32(float *dst, const float **sources, const float *weights,
                                  ptrdiff_t taps, ptrdiff_t n)
{
    CCONV_VEC a[4];
    ptrdiff_t i = 0;
    int k;
    for (; i + 4 * CCONV_WIDTH <= n; i += 4 * CCONV_WIDTH) {
        cconv_taps_block(a, 4, sources, weights, taps, i);
        for (k = 0; k < 4; k++)
            CCONV_STORE(dst + i + k * CCONV_WIDTH, a[k]);
    }
    for (; i + CCONV_WIDTH <= n; i += CCONV_WIDTH) {
        cconv_taps_block(a, 1, sources, weights, taps, i);
        CCONV_STORE(dst + i, a[0]);
    }
    for (; i < n; i++)
        dst[i] = cconv_taps_sample(sources, weights, taps, i);
}

#else /* no vector code at this level: never called (CCONV_COLUMN_VECTOR is 0) */
static inline void cconv_taps_u8(uint8_t *dst, const float **sources, const float *weights,
                                 ptrdiff_t taps, ptrdiff_t n)
{ (void)dst; (void)sources; (void)weights; (void)taps; (void)n; }
static inline void cconv_taps_f32(float *dst, const float **sources, const float *weights,
                                  ptrdiff_t taps, ptrdiff_t n)
{ (void)dst; (void)sources; (void)weights; (void)taps; (void)n; }
#endif

#endif /* CCONV_ROW_TAPS_H */
