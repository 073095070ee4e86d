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
#define CCONV_STREAM16_U8(d, a) _mm_stream_si128((__m128i *)(d), cconv_pack_u8((a)[0]))
#define CCONV_STREAM_F32 _mm512_stream_ps
#else
#define CCONV_STORE16_U8(d, a) _mm_storeu_si128((__m128i *)(d), cconv_pack_u8((a)[0], (a)[1]))
#define CCONV_STREAM16_U8(d, a) _mm_stream_si128((__m128i *)(d), cconv_pack_u8((a)[0], (a)[1]))
#define CCONV_STREAM_F32 _mm256_stream_ps
#endif
#define CCONV_PER16 (16 / CCONV_WIDTH) /* vectors per 16 samples */

/*
 * stream: store the 4-vector blocks with non-temporal stores, for outputs too large to stay in
 * cache (the caller decides). A normal store first reads the cache line it writes into, from
 * memory; a streaming store of a whole line does not, so a memory-bound call moves a third
 * less. Those blocks must start on a 64-byte boundary: the samples before the first one (its
 * `head`) take the 16-sample loop, the first such block at 0 or ending at the boundary, which
 * may overlap (the same values written twice). Where the blocks are cannot change a result.
 * The caller issues cconv_store_fence() before the output is used.
 */
static inline ptrdiff_t cconv_stream_head(const void *dst, ptrdiff_t sample_size, ptrdiff_t n,
                                          int *stream)
{
    ptrdiff_t head = (ptrdiff_t)((0 - (uintptr_t)dst) & 63) / sample_size;
    if (!*stream || head + 64 > n) {
        *stream = 0;
        return 0;
    }
    return head;
}

/*
 * ahead (may be NULL): the image row the caller reads next, ahead_scale bytes per sample of
 * this row; the 4-vector blocks prefetch it a block's share at a time, so that reading it from
 * memory overlaps this row's arithmetic instead of following it. Into L2, not L1: there it
 * evicted the rows a large kernel's taps were reading (1080p RGB float32, random 15x15, 1
 * thread: 47 ms without prefetch, 58 into L1, 47 into L2; 3x3: 3.6, 3.3, 2.9).
 */
static inline void cconv_prefetch(const void *ahead, ptrdiff_t from, ptrdiff_t to)
{
    for (; from < to; from += 64)
        _mm_prefetch((const char *)ahead + from, _MM_HINT_T1);
}

static inline void cconv_taps_u8(uint8_t *dst, const float **sources, const float *weights,
                                 ptrdiff_t taps, ptrdiff_t n, int stream, const void *ahead,
                                 ptrdiff_t ahead_scale)
{
    CCONV_VEC a[4];
    ptrdiff_t i = 0, head = cconv_stream_head(dst, 1, n, &stream);
    int k;
    for (; i < head; i += 16) {
        ptrdiff_t at = i + 16 <= head ? i : (head >= 16 ? head - 16 : 0);
        cconv_taps_block(a, CCONV_PER16, sources, weights, taps, at);
        CCONV_STORE16_U8(dst + at, a);
    }
    i = head;
    for (; i + 4 * CCONV_WIDTH <= n; i += 4 * CCONV_WIDTH) {
        if (ahead)
            cconv_prefetch(ahead, i * ahead_scale, (i + 4 * CCONV_WIDTH) * ahead_scale);
        cconv_taps_block(a, 4, sources, weights, taps, i);
        if (stream)
            for (k = 0; k < 4; k += CCONV_PER16)
                CCONV_STREAM16_U8(dst + i + k * CCONV_WIDTH, a + k);
        else
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

/*
 * noinline: inlined into the engine's large functions, GCC kept this loop's tap counter and
 * offsets in memory and xmm registers (too few free registers there), a stall on every tap.
 * Compiled on its own it has the registers: 1080p RGB float32, direct path, 1 thread, engine
 * A/B: random 15x15 59 -> 47 ms, random 3x3 3.5 -> 2.9 ms. (The uint8 loop is not affected
 * that way; out of line it lost 12% on 2160p 5x5 Gaussians, so it stays inline.)
 */
static __attribute__((noinline)) void cconv_taps_f32(float *dst, const float **sources,
                                                     const float *weights, ptrdiff_t taps,
                                                     ptrdiff_t n, int stream, const void *ahead,
                                                     ptrdiff_t ahead_scale)
{
    CCONV_VEC a[4];
    ptrdiff_t i = 0, head = cconv_stream_head(dst, sizeof(float), n, &stream);
    int k;
    for (; i < head; i += CCONV_WIDTH) {
        ptrdiff_t at = i + CCONV_WIDTH <= head ? i : (head >= CCONV_WIDTH ? head - CCONV_WIDTH : 0);
        cconv_taps_block(a, 1, sources, weights, taps, at);
        CCONV_STORE(dst + at, a[0]);
    }
    i = head;
    for (; i + 4 * CCONV_WIDTH <= n; i += 4 * CCONV_WIDTH) {
        if (ahead)
            cconv_prefetch(ahead, i * ahead_scale, (i + 4 * CCONV_WIDTH) * ahead_scale);
        cconv_taps_block(a, 4, sources, weights, taps, i);
        if (stream)
            for (k = 0; k < 4; k++)
                CCONV_STREAM_F32(dst + i + k * CCONV_WIDTH, a[k]);
        else
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

/* Orders the streaming stores before whatever follows (another thread reading the output) */
static inline void cconv_store_fence(void) { _mm_sfence(); }

#else /* no vector code at this level: never called (CCONV_COLUMN_VECTOR is 0) */
static inline void cconv_taps_u8(uint8_t *dst, const float **sources, const float *weights,
                                 ptrdiff_t taps, ptrdiff_t n, int stream, const void *ahead,
                                 ptrdiff_t ahead_scale)
{
    (void)dst; (void)sources; (void)weights; (void)taps; (void)n; (void)stream;
    (void)ahead; (void)ahead_scale;
}
static inline void cconv_taps_f32(float *dst, const float **sources, const float *weights,
                                  ptrdiff_t taps, ptrdiff_t n, int stream, const void *ahead,
                                  ptrdiff_t ahead_scale)
{
    (void)dst; (void)sources; (void)weights; (void)taps; (void)n; (void)stream;
    (void)ahead; (void)ahead_scale;
}
static inline void cconv_store_fence(void) {}
#endif

#endif /* CCONV_ROW_TAPS_H */
