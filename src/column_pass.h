/*
 * The column filter of the separable path for uint8 and float32 images (float32 accumulator),
 * read straight from the image rows:  out[i] = sum_t weights[t] * rows[t][start + i].
 *
 * Why by hand:
 * - uint8: from the portable loop GCC vectorises 64 bytes at a time and widens them in two
 *   steps (bytes -> words -> dwords, with extracts), four shuffles per 16 floats where one
 *   vpmovzxbd from memory does: each tap cost about 3 cycles per 16 samples instead of 2.
 * - Up to four output rows at a time (the *_group functions): where the taps are consecutive
 *   rows, each row is loaded (and converted) once for all of them. For uint8 the conversion
 *   costs as much as the multiply-add; for float32 the loads from L2 are what limit the speed
 *   (four rows against two: docs/design.md, where the constants come from).
 *
 * Every sample is summed the same way everywhere (vector loops, scalar tail, any group size):
 * tap after tap, one fused multiply-add each, starting from 0 (the symmetric uint8 loops
 * below have one order of their own, also everywhere). So a sample's result does not
 * depend on where it falls in the row, nor on which rows were grouped (which depends on how
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
#define CCONV_ADD _mm512_add_ps
#define CCONV_PAIR_U8(p, q) /* two rows' samples added as integers (exact), then converted */ \
    _mm512_cvtepi32_ps(_mm512_add_epi32(                                                       \
        _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(p))),                           \
        _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(q)))))
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
#define CCONV_ADD _mm256_add_ps
#define CCONV_PAIR_U8(p, q)                                                                    \
    _mm256_cvtepi32_ps(_mm256_add_epi32(                                                       \
        _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p))),                           \
        _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(q)))))
#else
#define CCONV_COLUMN_VECTOR 0
#define CCONV_COLUMN_GROUP 1
#define CCONV_SYMMETRIC_MAX_TAPS 0
#endif

#if CCONV_COLUMN_VECTOR
#if defined(__GNUC__)
#define CCONV_COLUMN_INLINE static inline __attribute__((always_inline))
#else
#define CCONV_COLUMN_INLINE static __forceinline
#endif
/* Output rows per pass of the _group functions, at most: 8 was slower than 4 (AVX-512); for
 * the symmetric uint8 loop below (AVX2, microbenchmark, 15 taps), 6 and 8 were no faster. */
#define CCONV_COLUMN_GROUP 4
/*
 * cconv_column_<type>(out, rows, weights, taps, start, n): the filter above for i in [0, n).
 * cconv_column_<type>_group_any(outs, offset, count, rows, weights, taps, start, n, step):
 * count (1 to 4) output rows, outs[k] + offset getting rows[k * step] to
 * rows[k * step + taps - 1], each exactly as cconv_column_<type> would, for the samples of
 * whole vectors; returns how many. step > 1: output rows `step` image rows apart (strided
 * outputs), each row still loaded once for all the outputs it feeds.
 * Four vectors (one row) or two per output row (a group) hide the multiply-add latency.
 * cconv_column_<type>_group, the whole rows: see below.
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
CCONV_COLUMN_INLINE ptrdiff_t name##_group_any(float *const *outs, ptrdiff_t offset,         \
                                             ptrdiff_t count, const type **rows,               \
                                             const float *weights, ptrdiff_t taps,             \
                                             ptrdiff_t start, ptrdiff_t n, ptrdiff_t step)     \
{                                                                                              \
    ptrdiff_t i = 0, t, k;                                                                     \
    for (; i + 2 * CCONV_WIDTH <= n; i += 2 * CCONV_WIDTH) {                                   \
        CCONV_VEC a0[CCONV_COLUMN_GROUP], a1[CCONV_COLUMN_GROUP], x0, x1, w;                   \
        _Pragma("GCC unroll 8")                                                                \
        for (k = 0; k < CCONV_COLUMN_GROUP; k++)                                               \
            a0[k] = a1[k] = CCONV_ZERO;                                                        \
        for (t = 0; t < taps + (count - 1) * step; t++) {                                      \
            /* row t: tap t of output row 0, tap t - step of output row 1, ... */              \
            const type *p = rows[t] + start + i;                                               \
            x0 = LOAD(p);                                                                      \
            x1 = LOAD(p + CCONV_WIDTH);                                                        \
            _Pragma("GCC unroll 8")                                                            \
            for (k = 0; k < CCONV_COLUMN_GROUP; k++)                                           \
                if (k < count && t >= k * step && t - k * step < taps) {                       \
                    w = CCONV_SET1(weights[t - k * step]);                                     \
                    a0[k] = CCONV_FMA(w, x0, a0[k]);                                           \
                    a1[k] = CCONV_FMA(w, x1, a1[k]);                                           \
                }                                                                              \
        }                                                                                      \
        _Pragma("GCC unroll 8")                                                                \
        for (k = 0; k < CCONV_COLUMN_GROUP; k++)                                               \
            if (k < count) {                                                                   \
                CCONV_STORE(outs[k] + offset + i, a0[k]);                                      \
                CCONV_STORE(outs[k] + offset + i + CCONV_WIDTH, a1[k]);                        \
            }                                                                                  \
    }                                                                                          \
    return i;                                                                                  \
}

CCONV_DEFINE_COLUMN(cconv_column_u8, uint8_t, CCONV_LOAD_U8)
CCONV_DEFINE_COLUMN(cconv_column_f32, float, CCONV_LOAD_F32)
#undef CCONV_DEFINE_COLUMN

/*
 * Full groups (CCONV_COLUMN_GROUP rows) for an odd tap count from 3 to 15, every Gaussian and
 * box of the presets: name##_group_<TAPS> runs the vectors of the rows, returns how many
 * samples it did. With the count a constant the weights stay in registers and each row's
 * vector is loaded (and converted) once for all the output rows it feeds, where the loop
 * above tests at every row and tap which output rows take it and broadcasts their weights
 * from memory. The same sums: tap after tap from 0 (measured: docs/design.md; uint8
 * Gaussians take the symmetric loops below).
 * name##_group(outs, offset, count, rows, weights, taps, start, n, step) takes one of these
 * or name##_group_any, and finishes the rows' ends one row at a time.
 */
#define CCONV_DEFINE_FIXED_GROUP(name, type, LOAD, TAPS, STEP)                                 \
static inline ptrdiff_t name##_group_##TAPS##_##STEP(float *const *outs, ptrdiff_t offset,    \
                                            const type **rows, const float *weights,           \
                                            ptrdiff_t start, ptrdiff_t n)                      \
{                                                                                              \
    ptrdiff_t i = 0;                                                                           \
    int t, k;                                                                                  \
    CCONV_VEC w[TAPS];                                                                         \
    _Pragma("GCC unroll 16")                                                                   \
    for (t = 0; t < TAPS; t++)                                                                 \
        w[t] = CCONV_SET1(weights[t]);                                                         \
    for (; i + CCONV_WIDTH <= n; i += CCONV_WIDTH) {                                           \
        CCONV_VEC a[CCONV_COLUMN_GROUP];                                                       \
        _Pragma("GCC unroll 8")                                                                \
        for (k = 0; k < CCONV_COLUMN_GROUP; k++)                                               \
            a[k] = CCONV_ZERO;                                                                 \
        _Pragma("GCC unroll 64")                                                               \
        for (t = 0; t < TAPS + (CCONV_COLUMN_GROUP - 1) * STEP; t++) {                         \
            /* row t: tap t of output row 0, tap t - STEP of output row 1, ... */              \
            CCONV_VEC x = LOAD(rows[t] + start + i);                                           \
            _Pragma("GCC unroll 8")                                                            \
            for (k = 0; k < CCONV_COLUMN_GROUP; k++)                                           \
                if (t >= k * STEP && t - k * STEP < TAPS)                                      \
                    a[k] = CCONV_FMA(w[t - k * STEP], x, a[k]);                                \
        }                                                                                      \
        _Pragma("GCC unroll 8")                                                                \
        for (k = 0; k < CCONV_COLUMN_GROUP; k++)                                               \
            CCONV_STORE(outs[k] + offset + i, a[k]);                                           \
    }                                                                                          \
    return i;                                                                                  \
}
#define CCONV_DEFINE_STEP_GROUPS(name, type, LOAD, STEP)                                       \
CCONV_DEFINE_FIXED_GROUP(name, type, LOAD, 3, STEP)                                            \
CCONV_DEFINE_FIXED_GROUP(name, type, LOAD, 5, STEP)                                            \
CCONV_DEFINE_FIXED_GROUP(name, type, LOAD, 7, STEP)                                            \
CCONV_DEFINE_FIXED_GROUP(name, type, LOAD, 9, STEP)                                            \
CCONV_DEFINE_FIXED_GROUP(name, type, LOAD, 11, STEP)                                           \
CCONV_DEFINE_FIXED_GROUP(name, type, LOAD, 13, STEP)                                           \
CCONV_DEFINE_FIXED_GROUP(name, type, LOAD, 15, STEP)                                           \
static inline ptrdiff_t name##_group_fixed_##STEP(float *const *outs, ptrdiff_t offset,       \
                                                  const type **rows, const float *weights,     \
                                                  ptrdiff_t taps, ptrdiff_t start, ptrdiff_t n) \
{                                                                                              \
    switch (taps) {                                                                            \
    case 3: return name##_group_3_##STEP(outs, offset, rows, weights, start, n);               \
    case 5: return name##_group_5_##STEP(outs, offset, rows, weights, start, n);               \
    case 7: return name##_group_7_##STEP(outs, offset, rows, weights, start, n);               \
    case 9: return name##_group_9_##STEP(outs, offset, rows, weights, start, n);               \
    case 11: return name##_group_11_##STEP(outs, offset, rows, weights, start, n);             \
    case 13: return name##_group_13_##STEP(outs, offset, rows, weights, start, n);             \
    case 15: return name##_group_15_##STEP(outs, offset, rows, weights, start, n);             \
    default: return -1;                                                                        \
    }                                                                                          \
}
/* Steps 1 (every output row) and 2 (every second: pyramids, strided networks) have fixed
 * loops; other steps take name##_group_any. */
#define CCONV_DEFINE_GROUP(name, type, LOAD)                                                   \
CCONV_DEFINE_STEP_GROUPS(name, type, LOAD, 1)                                                  \
CCONV_DEFINE_STEP_GROUPS(name, type, LOAD, 2)                                                  \
static inline void name##_group(float *const *outs, ptrdiff_t offset, ptrdiff_t count,      \
                                const type **rows, const float *weights, ptrdiff_t taps,       \
                                ptrdiff_t start, ptrdiff_t n, ptrdiff_t step)                  \
{                                                                                              \
    ptrdiff_t i = -1, k;                                                                       \
    if (count == CCONV_COLUMN_GROUP && step == 1)                                              \
        i = name##_group_fixed_1(outs, offset, rows, weights, taps, start, n);                 \
    else if (count == CCONV_COLUMN_GROUP && step == 2)                                         \
        i = name##_group_fixed_2(outs, offset, rows, weights, taps, start, n);                 \
    if (i < 0 && step == 1) /* (a constant step: the loop's tests fold, as before steps) */    \
        i = name##_group_any(outs, offset, count, rows, weights, taps, start, n, 1);           \
    else if (i < 0)                                                                            \
        i = name##_group_any(outs, offset, count, rows, weights, taps, start, n, step);        \
    for (k = 0; k < count; k++)                                                                \
        name(outs[k] + offset + i, rows + k * step, weights, taps, start + i, n - i);          \
}
CCONV_DEFINE_GROUP(cconv_column_u8, uint8_t, CCONV_LOAD_U8)
CCONV_DEFINE_GROUP(cconv_column_f32, float, CCONV_LOAD_F32)
#undef CCONV_DEFINE_GROUP
#undef CCONV_DEFINE_STEP_GROUPS
#undef CCONV_DEFINE_FIXED_GROUP

/*
 * uint8 images under symmetric column weights (weights[t] == weights[taps - 1 - t], as every
 * Gaussian split by the Python layer), taps odd, 3 to CCONV_SYMMETRIC_MAX_TAPS: the two rows of
 * a weight are added first (exactly: integers below 511), then multiplied once, so the column
 * filter takes (taps + 1) / 2 multiply-adds and taps / 2 adds, which run on other ports.
 * Every sample is summed in one order: pairs t = 0, 1, ... then the middle row.
 * float32 images gained nothing measurable (and their pair sums would round), so they stay
 * as above (docs/design.md).
 *
 * cconv_column_u8_symmetric(out, rows, weights, taps, start, n): one output row.
 * cconv_column_u8_group_symmetric(outs, offset, count, rows, weights, taps, start, n): as
 * cconv_column_u8_group. Compiled per kernel height, so that the rows of a group, converted
 * once, stay in registers until each row's partner arrives.
 */
#define CCONV_SYMMETRIC_MAX_TAPS 15

static inline void cconv_column_u8_symmetric(float *out, const uint8_t **rows,
                                             const float *weights, ptrdiff_t taps,
                                             ptrdiff_t start, ptrdiff_t n)
{
    ptrdiff_t i = 0, t, half = taps / 2;
    for (; i + CCONV_WIDTH <= n; i += CCONV_WIDTH) {
        CCONV_VEC a = CCONV_ZERO;
        for (t = 0; t < half; t++)
            a = CCONV_FMA(CCONV_SET1(weights[t]),
                          CCONV_PAIR_U8(rows[t] + start + i, rows[taps - 1 - t] + start + i), a);
        a = CCONV_FMA(CCONV_SET1(weights[half]), CCONV_LOAD_U8(rows[half] + start + i), a);
        CCONV_STORE(out + i, a);
    }
    for (; i < n; i++) {
        float s = 0.0f;
        for (t = 0; t < half; t++)
            s = fmaf(weights[t], (float)(rows[t][start + i] + rows[taps - 1 - t][start + i]), s);
        out[i] = fmaf(weights[half], (float)rows[half][start + i], s);
    }
}

#define CCONV_DEFINE_SYMMETRIC_GROUP(TAPS, STEP)                                               \
static inline void cconv_column_u8_group_symmetric_##TAPS##_##STEP(                           \
    float *const *outs, ptrdiff_t offset, ptrdiff_t count, const uint8_t **rows,               \
    const float *weights, ptrdiff_t start, ptrdiff_t n)                                        \
{                                                                                              \
    ptrdiff_t i = 0, t, k;                                                                     \
    CCONV_VEC w[TAPS / 2 + 1];                                                                 \
    _Pragma("GCC unroll 8")                                                                    \
    for (t = 0; t <= TAPS / 2; t++)                                                            \
        w[t] = CCONV_SET1(weights[t]);                                                         \
    for (; count == CCONV_COLUMN_GROUP && i + CCONV_WIDTH <= n; i += CCONV_WIDTH) {            \
        CCONV_VEC x[TAPS + (CCONV_COLUMN_GROUP - 1) * STEP];                                   \
        _Pragma("GCC unroll 64")                                                               \
        for (t = 0; t < TAPS + (CCONV_COLUMN_GROUP - 1) * STEP; t++)                           \
            x[t] = CCONV_LOAD_U8(rows[t] + start + i);                                         \
        _Pragma("GCC unroll 8")                                                                \
        for (k = 0; k < CCONV_COLUMN_GROUP; k++) {                                             \
            CCONV_VEC a = CCONV_ZERO;                                                          \
            _Pragma("GCC unroll 8")                                                            \
            for (t = 0; t < TAPS / 2; t++) /* u8 values as floats: their sum is exact too */   \
                a = CCONV_FMA(w[t], CCONV_ADD(x[k * STEP + t], x[k * STEP + TAPS - 1 - t]), a);\
            a = CCONV_FMA(w[TAPS / 2], x[k * STEP + TAPS / 2], a);                             \
            CCONV_STORE(outs[k] + offset + i, a);                                              \
        }                                                                                      \
    }                                                                                          \
    for (k = 0; k < count; k++) /* short groups, and the end of the chunk */                   \
        cconv_column_u8_symmetric(outs[k] + offset + i, rows + k * STEP, weights, TAPS,        \
                                  start + i, n - i);                                           \
}
#define CCONV_DEFINE_SYMMETRIC_GROUPS(STEP)                                                    \
CCONV_DEFINE_SYMMETRIC_GROUP(3, STEP)                                                          \
CCONV_DEFINE_SYMMETRIC_GROUP(5, STEP)                                                          \
CCONV_DEFINE_SYMMETRIC_GROUP(7, STEP)                                                          \
CCONV_DEFINE_SYMMETRIC_GROUP(9, STEP)                                                          \
CCONV_DEFINE_SYMMETRIC_GROUP(11, STEP)                                                         \
CCONV_DEFINE_SYMMETRIC_GROUP(13, STEP)                                                         \
CCONV_DEFINE_SYMMETRIC_GROUP(15, STEP)                                                         \
static inline void cconv_column_u8_group_symmetric_##STEP(float *const *outs,                 \
                                                          ptrdiff_t offset, ptrdiff_t count,   \
                                                          const uint8_t **rows,                \
                                                          const float *weights, ptrdiff_t taps,\
                                                          ptrdiff_t start, ptrdiff_t n)        \
{                                                                                              \
    switch (taps) {                                                                            \
    case 3: cconv_column_u8_group_symmetric_3_##STEP(outs, offset, count, rows, weights, start,\
                                                     n); break;                                \
    case 5: cconv_column_u8_group_symmetric_5_##STEP(outs, offset, count, rows, weights, start,\
                                                     n); break;                                \
    case 7: cconv_column_u8_group_symmetric_7_##STEP(outs, offset, count, rows, weights, start,\
                                                     n); break;                                \
    case 9: cconv_column_u8_group_symmetric_9_##STEP(outs, offset, count, rows, weights, start,\
                                                     n); break;                                \
    case 11: cconv_column_u8_group_symmetric_11_##STEP(outs, offset, count, rows, weights,     \
                                                       start, n); break;                       \
    case 13: cconv_column_u8_group_symmetric_13_##STEP(outs, offset, count, rows, weights,     \
                                                       start, n); break;                       \
    default: cconv_column_u8_group_symmetric_15_##STEP(outs, offset, count, rows, weights,     \
                                                       start, n);                              \
    }                                                                                          \
}
CCONV_DEFINE_SYMMETRIC_GROUPS(1)
CCONV_DEFINE_SYMMETRIC_GROUPS(2)
#undef CCONV_DEFINE_SYMMETRIC_GROUPS
#undef CCONV_DEFINE_SYMMETRIC_GROUP

/* step: output rows that many image rows apart (1 and 2 grouped; others one at a time) */
static inline void cconv_column_u8_group_symmetric(float *const *outs, ptrdiff_t offset,
                                                   ptrdiff_t count, const uint8_t **rows,
                                                   const float *weights, ptrdiff_t taps,
                                                   ptrdiff_t start, ptrdiff_t n, ptrdiff_t step)
{
    ptrdiff_t k;
    if (step == 1)
        cconv_column_u8_group_symmetric_1(outs, offset, count, rows, weights, taps, start, n);
    else if (step == 2)
        cconv_column_u8_group_symmetric_2(outs, offset, count, rows, weights, taps, start, n);
    else
        for (k = 0; k < count; k++)
            cconv_column_u8_symmetric(outs[k] + offset, rows + k * step, weights, taps, start,
                                      n);
}

#else /* no vector code at this level: never called (CCONV_COLUMN_VECTOR is 0) */
static inline void cconv_column_u8(float *out, const uint8_t **rows, const float *weights,
                                   ptrdiff_t taps, ptrdiff_t start, ptrdiff_t n)
{ (void)out; (void)rows; (void)weights; (void)taps; (void)start; (void)n; }
static inline void cconv_column_u8_group(float *const *outs, ptrdiff_t offset, ptrdiff_t count,
                                         const uint8_t **rows, const float *weights,
                                         ptrdiff_t taps, ptrdiff_t start, ptrdiff_t n,
                                         ptrdiff_t step)
{ (void)outs; (void)offset; (void)count; (void)rows; (void)weights; (void)taps; (void)start; (void)n;
  (void)step; }
static inline void cconv_column_f32(float *out, const float **rows, const float *weights,
                                    ptrdiff_t taps, ptrdiff_t start, ptrdiff_t n)
{ (void)out; (void)rows; (void)weights; (void)taps; (void)start; (void)n; }
static inline void cconv_column_f32_group(float *const *outs, ptrdiff_t offset,
                                          ptrdiff_t count,
                                          const float **rows, const float *weights,
                                          ptrdiff_t taps, ptrdiff_t start, ptrdiff_t n,
                                          ptrdiff_t step)
{ (void)outs; (void)offset; (void)count; (void)rows; (void)weights; (void)taps; (void)start; (void)n;
  (void)step; }
static inline void cconv_column_u8_symmetric(float *out, const uint8_t **rows,
                                             const float *weights, ptrdiff_t taps,
                                             ptrdiff_t start, ptrdiff_t n)
{ (void)out; (void)rows; (void)weights; (void)taps; (void)start; (void)n; }
static inline void cconv_column_u8_group_symmetric(float *const *outs, ptrdiff_t offset,
                                                   ptrdiff_t count, const uint8_t **rows,
                                                   const float *weights, ptrdiff_t taps,
                                                   ptrdiff_t start, ptrdiff_t n, ptrdiff_t step)
{ (void)outs; (void)offset; (void)count; (void)rows; (void)weights; (void)taps; (void)start;
  (void)n; (void)step; }
#endif

#endif /* CCONV_COLUMN_PASS_H */
