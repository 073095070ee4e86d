/*
 * The multiply-add of output rows and their store, in one pass, for float32 accumulators
 * stored as uint8 or float32 (the direct path's taps, the separable path's row filter):
 *     dst[g][i] = sum_t weights[t * group + g] * sources[t][i]    for i in [0, n), g < count
 * Zero weights inside a group's taps are multiplied like the others, without a test: a test
 * per weight cost GCC its registers (an accumulator spilled to the stack: AVX2, 1080p RGB
 * uint8, random 15x15, slower than one row at a time). Only the taps before a row's first
 * non-zero weight and after its last are left out (the spans, below). The engine passes
 * groups only over finite samples, where a zero weight adds exactly nothing (the sums start
 * from +0 and are never -0), so the result equals skipping it.
 *
 * Why by hand: the engine's generic loop adds up to eight taps per pass into an accumulator
 * row, then a second pass rounds and stores it. Here every tap of a block of samples is summed
 * in registers (four vectors, to hide the multiply-add latency) and the block is rounded and
 * stored straight from them: no accumulator row written and read back, no second pass for
 * more than eight taps. (Measured: docs/design.md,
 * where the constants come from.)
 *
 * Why rows in groups (the direct path, CCONV_TAPS_GROUP output rows per pass): one kernel's
 * taps over a group of output rows read the same source samples, at other kernel rows. Each
 * source vector is then loaded once and multiplied into every row of the group (4 rows with
 * AVX-512, 3 with AVX2's 16 registers), instead of loaded once per row, and the multiply-adds,
 * not the loads, set the pace. Which kernels are grouped: see correlate in _core.pyx (measured:
 * docs/design.md).
 *
 * Every sample is summed the same way wherever it falls (block of four vectors, one 16-sample
 * or one-vector block, scalar tail, any group): tap after tap in the sources' order, one fused
 * multiply-add each, starting from the engine's offset (0 unless the caller asks for one);
 * uint8 is rounded by store_u8.h's rule in vectors and in the tail alike. With the sources
 * in the kernel's row-major order for every row of a group (the engine builds them so), a
 * row's result does not depend on its group. Only the AVX2 and AVX-512 modules have these
 * loops (CCONV_COLUMN_VECTOR); the baseline module's stubs are never called.
 */
#ifndef CCONV_ROW_TAPS_H
#define CCONV_ROW_TAPS_H

#include "column_pass.h"
#include "store_u8.h"

#if CCONV_COLUMN_VECTOR
#if CCONV_WIDTH == 16
/* 16 accumulators of 4 x 4 vectors, of the 32 registers */
#define CCONV_TAPS_GROUP 4
#define CCONV_STORE16_U8(d, a) _mm_storeu_si128((__m128i *)(d), cconv_pack_u8((a)[0]))
#define CCONV_STREAM16_U8(d, a) _mm_stream_si128((__m128i *)(d), cconv_pack_u8((a)[0]))
#define CCONV_STREAM_F32 _mm512_stream_ps
#else
/*
 * AVX2 has 16 registers: 3 x 4 accumulators, 3 weights, the vector loaded. Four multiply-adds
 * are in flight per accumulator chain (latency 4, two per cycle), so groups of 2 (8 chains)
 * had no slack (measured: docs/design.md).
 */
#define CCONV_TAPS_GROUP 3
#define CCONV_STORE16_U8(d, a) _mm_storeu_si128((__m128i *)(d), cconv_pack_u8((a)[0], (a)[1]))
#define CCONV_STREAM16_U8(d, a) _mm_stream_si128((__m128i *)(d), cconv_pack_u8((a)[0], (a)[1]))
#define CCONV_STREAM_F32 _mm256_stream_ps
#endif
#define CCONV_PER16 (16 / CCONV_WIDTH) /* vectors per 16 samples */
#define CCONV_ALWAYS_INLINE static inline __attribute__((always_inline))

/*
 * a[g][0..vectors) += row g's sums, for rows lo to hi of the group, over taps [from, to), for
 * the vectors * CCONV_WIDTH samples from i. `group`, `lo`, `hi` and `vectors` are constants
 * where this is inlined, so the loops unroll and a stays in registers.
 */
CCONV_ALWAYS_INLINE void cconv_taps_span(CCONV_VEC (*a)[4], int group, int lo, int hi,
                                         int vectors, const float **sources,
                                         const float *weights, ptrdiff_t from, ptrdiff_t to,
                                         ptrdiff_t i)
{
    ptrdiff_t t;
    int g, k;
    for (t = from, weights += from * group; t < to; t++, weights += group) {
        const float *p = sources[t] + i;
#if CCONV_WIDTH == 8
        /* AVX2, groups of 3: the 12 accumulators, 3 weights and one vector loaded are the 16
         * registers, so the vectors are loaded one at a time */
        CCONV_VEC w[CCONV_TAPS_GROUP];
        for (g = lo; g <= hi; g++)
            w[g] = CCONV_SET1(weights[g]);
        for (k = 0; k < vectors; k++) {
            CCONV_VEC v = CCONV_LOAD_F32(p + k * CCONV_WIDTH);
            for (g = lo; g <= hi; g++)
                a[g][k] = CCONV_FMA(w[g], v, a[g][k]);
        }
#else
        CCONV_VEC v[4];
        for (k = 0; k < vectors; k++)
            v[k] = CCONV_LOAD_F32(p + k * CCONV_WIDTH);
        for (g = lo; g <= hi; g++) {
            CCONV_VEC w = CCONV_SET1(weights[g]);
            for (k = 0; k < vectors; k++)
                a[g][k] = CCONV_FMA(w, v[k], a[g][k]);
        }
#endif
    }
}

/*
 * Spans of a group's taps: the first taps of a group (the rows above its first output row's
 * kernel) have weight 0 for every row but the first, the last ones for every row but the last.
 * Taps [cut[c], cut[c + 1]) go to rows 0 to c for c < group, then rows c - group + 1 to
 * group - 1: row g's taps with non-zero weights start at cut[g] (g > 0) and end at
 * cut[group + g] (g < group - 1). Those not multiplied have weight 0, which adds exactly
 * nothing to a sum of finite samples (see above), so a row's result is the same. A 15x15
 * kernel then takes 225 multiply-adds per output sample in groups of 4 (AVX-512), not 270;
 * in groups of 3 (AVX2), which keep only the spans of one row apart (below), 235, not 255.
 */
static inline void cconv_group_spans(ptrdiff_t *cut, int group, const float *weights,
                                     ptrdiff_t taps)
{
    ptrdiff_t t;
    int g;
    cut[0] = 0;
    cut[2 * group - 1] = taps;
    for (g = 0; g < group; g++) { /* taps before row g's first (after its last) non-zero */
        ptrdiff_t first = taps, last = 0;
        for (t = 0; t < taps; t++)
            if (weights[t * group + g] != 0) {
                first = t < first ? t : first;
                last = t + 1;
            }
        if (g > 0)
            cut[g] = first;
        if (g < group - 1)
            cut[group + g] = last;
    }
    for (g = 1; g < 2 * group; g++) /* rows without a non-zero weight would break the order */
        cut[g] = cut[g] > cut[g - 1] ? cut[g] : cut[g - 1];
#if CCONV_WIDTH == 8
    /* AVX2: only the spans of one row stay apart; those of 2 to group - 1 rows join the span of
     * all rows (their other rows multiply weights of 0). A span of two rows, 8 sums, loads a
     * vector per two multiply-adds where the full span loads one per three, and was slower than
     * its saving (docs/design.md). */
    for (g = 2; g < group; g++)
        cut[g] = cut[1];
    for (g = group; g < 2 * group - 2; g++)
        cut[g] = cut[2 * group - 2];
#endif
}

/*
 * a[g][0..vectors) = row g's sums for the vectors * CCONV_WIDTH samples from i, starting from
 * `offset` (the engine's store offset, usually 0): a single row (group 1) over its taps, a
 * group over its spans.
 */
CCONV_ALWAYS_INLINE void cconv_taps_block(CCONV_VEC (*a)[4], int group, int vectors,
                                          const float **sources, const float *weights,
                                          ptrdiff_t taps, const ptrdiff_t *cut, CCONV_VEC offset,
                                          ptrdiff_t i)
{
    int g, k, c;
    for (g = 0; g < group; g++)
        for (k = 0; k < 4; k++) /* all four: each is passed on to cconv_store_vectors */
            a[g][k] = offset;
    if (group == 1) {
        cconv_taps_span(a, 1, 0, 0, vectors, sources, weights, 0, taps, i);
        return;
    }
#pragma GCC unroll 8
    for (c = 0; c < 2 * group - 1; c++)
        cconv_taps_span(a, group, c < group ? 0 : c - group + 1, c < group ? c : group - 1,
                        vectors, sources, weights, cut[c], cut[c + 1], i);
}

/* the same for sample i (fmaf is one instruction at these levels) */
CCONV_ALWAYS_INLINE void cconv_taps_sample(float *s, int group, const float **sources,
                                           const float *weights, ptrdiff_t taps, float offset,
                                           ptrdiff_t i)
{
    ptrdiff_t t;
    int g;
    for (g = 0; g < group; g++)
        s[g] = offset;
    for (t = 0; t < taps; t++, weights += group) {
        float x = sources[t][i];
        for (g = 0; g < group; g++)
            s[g] = fmaf(weights[g], x, s[g]);
    }
}

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
 * vectors of sums (a multiple of CCONV_PER16 for uint8) into dst from sample i. The sums come
 * by value: given their address, GCC kept a copy of the AVX2 groups' 12 accumulators on the
 * stack, stored at every tap (docs/design.md).
 */
CCONV_ALWAYS_INLINE void cconv_store_vectors(void *dst, int u8, ptrdiff_t i, CCONV_VEC a0,
                                             CCONV_VEC a1, CCONV_VEC a2, CCONV_VEC a3,
                                             int vectors, int stream)
{
    const CCONV_VEC a[4] = {a0, a1, a2, a3};
    int k;
    if (u8) {
        uint8_t *d = (uint8_t *)dst + i;
#if CCONV_WIDTH == 8
        if (vectors == 4) { /* a 4-vector block: 32 samples packed at once */
            __m256i bytes = cconv_pack32_u8(a[0], a[1], a[2], a[3]);
            if (stream)
                _mm256_stream_si256((__m256i *)d, bytes);
            else
                _mm256_storeu_si256((__m256i *)d, bytes);
            return;
        }
#endif
        for (k = 0; k < vectors; k += CCONV_PER16) {
            if (stream)
                CCONV_STREAM16_U8(d + k * CCONV_WIDTH, a + k);
            else
                CCONV_STORE16_U8(d + k * CCONV_WIDTH, a + k);
        }
    } else {
        float *d = (float *)dst + i;
        for (k = 0; k < vectors; k++) {
            if (stream)
                CCONV_STREAM_F32(d + k * CCONV_WIDTH, a[k]);
            else
                CCONV_STORE(d + k * CCONV_WIDTH, a[k]);
        }
    }
}

/*
 * ahead (may be NULL, as may its entries): per row of the group, an image row the caller reads
 * next, ahead_scale bytes per sample of these rows; the 4-vector blocks prefetch them a
 * block's share at a time, so that reading them from memory overlaps this arithmetic instead
 * of following it. Into L2, not L1: there it evicted the rows a large kernel's taps were
 * reading (docs/design.md).
 */
CCONV_ALWAYS_INLINE void cconv_prefetch(const void *const *ahead, int group, ptrdiff_t from,
                                        ptrdiff_t to)
{
    int g;
    for (g = 0; g < group; g++)
        if (ahead[g])
            for (ptrdiff_t at = from; at < to; at += 64)
                _mm_prefetch((const char *)ahead[g] + at, _MM_HINT_T1);
}

/*
 * A 4-vector block of one row (group 1) whose taps are samples `stride` apart (sources[t] =
 * sources[0] + t * stride) under symmetric weights, w[t] the broadcast weight of taps t and
 * taps - 1 - t: the separable path's row filter under a Gaussian or box row, and the direct
 * path's 1-row kernels of that kind. The weights stay in registers (at most 8 of them), where
 * cconv_taps_block broadcasts each from memory per tap and block; and `taps` and `stride` are
 * constants, so the loads go by offset o from the block's first sample, each made once for
 * all the vectors it feeds (vector k takes tap t at o = t * stride + k * CCONV_WIDTH). Each
 * vector still gets its taps in order t = 0, 1, ... (o grows with t), one fused multiply-add
 * each from 0, as in cconv_taps_block: the same sums.
 */
CCONV_ALWAYS_INLINE void cconv_taps_block_contiguous(CCONV_VEC *a, const CCONV_VEC *w,
                                                     int taps, int stride, CCONV_VEC offset,
                                                     const float *p)
{
    int o, k;
    for (k = 0; k < 4; k++)
        a[k] = offset;
#pragma GCC unroll 128
    for (o = 0; o <= stride * (taps - 1) + 3 * CCONV_WIDTH; o++) {
        int used = 0;
        CCONV_VEC v;
        for (k = 0; k < 4; k++) {
            int r = o - k * CCONV_WIDTH;
            used |= r >= 0 && r % stride == 0 && r / stride < taps;
        }
        if (!used)
            continue;
        v = CCONV_LOAD_F32(p + o);
        for (k = 0; k < 4; k++) {
            int r = o - k * CCONV_WIDTH, t = r / stride;
            if (r >= 0 && r % stride == 0 && t < taps)
                a[k] = CCONV_FMA(w[t < taps - 1 - t ? t : taps - 1 - t], v, a[k]);
        }
    }
}

/*
 * The sums above into dst[0..count) (count <= group; rows from count on are computed and
 * dropped), uint8 (u8) or float32. The unit of the partial blocks is 16 samples for uint8
 * (one 16-byte store), one vector for float32. stride > 0 (a constant; group 1 only): the row
 * qualifies for cconv_taps_block_contiguous with that stride, which then takes the 4-vector
 * blocks. cut: a group's spans (cconv_group_spans, computed once per call by the engine);
 * unused for group 1.
 */
CCONV_ALWAYS_INLINE void cconv_taps_rows(void *const *dst, int u8, int group, int count,
                                         const float **sources, const float *weights,
                                         ptrdiff_t taps, float offset, ptrdiff_t n, int stream,
                                         const void *const *ahead, ptrdiff_t ahead_scale,
                                         int stride, const ptrdiff_t *cut)
{
    const CCONV_VEC start = CCONV_SET1(offset);
    CCONV_VEC a[CCONV_TAPS_GROUP][4];
    float s[CCONV_TAPS_GROUP];
    const ptrdiff_t unit = u8 ? 16 : CCONV_WIDTH, block = 4 * CCONV_WIDTH;
    const int unit_vectors = u8 ? CCONV_PER16 : 1;
    CCONV_VEC w[8]; /* stride > 0: the weights of taps 0 to taps / 2 */
    ptrdiff_t i, head;
    int g;
    for (g = 0; stride > 0 && g <= taps / 2; g++)
        w[g] = CCONV_SET1(weights[g]);
    for (g = 1; g < count; g++) /* streaming needs every row at the same 64-byte phase */
        if (((uintptr_t)dst[g] - (uintptr_t)dst[0]) & 63)
            stream = 0;
    head = cconv_stream_head(dst[0], u8 ? 1 : sizeof(float), n, &stream);
    for (i = 0; i < head; i += unit) {
        ptrdiff_t at = i + unit <= head ? i : (head >= unit ? head - unit : 0);
        cconv_taps_block(a, group, unit_vectors, sources, weights, taps, cut, start, at);
        for (g = 0; g < count; g++)
            cconv_store_vectors(dst[g], u8, at, a[g][0], a[g][1], a[g][2], a[g][3], unit_vectors,
                                0);
    }
    for (i = head; i + block <= n; i += block) {
        if (ahead)
            cconv_prefetch(ahead, group, i * ahead_scale, (i + block) * ahead_scale);
        if (stride > 0)
            cconv_taps_block_contiguous(a[0], w, taps, stride, start, sources[0] + i);
        else
            cconv_taps_block(a, group, 4, sources, weights, taps, cut, start, i);
        for (g = 0; g < count; g++)
            cconv_store_vectors(dst[g], u8, i, a[g][0], a[g][1], a[g][2], a[g][3], 4, stream);
    }
    for (; i + unit <= n; i += unit) {
        cconv_taps_block(a, group, unit_vectors, sources, weights, taps, cut, start, i);
        for (g = 0; g < count; g++)
            cconv_store_vectors(dst[g], u8, i, a[g][0], a[g][1], a[g][2], a[g][3], unit_vectors,
                                0);
    }
    for (; i < n; i++) {
        cconv_taps_sample(s, group, sources, weights, taps, offset, i);
        for (g = 0; g < count; g++) {
            if (u8)
                ((uint8_t *)dst[g])[i] = cconv_round_u8(s[g]);
            else
                ((float *)dst[g])[i] = s[g];
        }
    }
}

/*
 * One row (weights one per tap), `ahead` one row or NULL: the separable path's row filter and
 * the direct path's rows outside groups. The odd tap counts up to 15 each get a loop of their
 * own, with `taps` a constant: unrolled, the weights and source pointers read once per row
 * instead of once per tap of every block, and no loop counter. The sums are the same.
 * Both are out of line, which was faster than inlined into the engine's large functions
 * (docs/design.md).
 */
#define CCONV_FIXED_TAPS(taps, call_fixed, call_any)                                          \
    switch (taps) {                                                                            \
    case 3: call_fixed(3); break;                                                              \
    case 5: call_fixed(5); break;                                                              \
    case 7: call_fixed(7); break;                                                              \
    case 9: call_fixed(9); break;                                                              \
    case 11: call_fixed(11); break;                                                            \
    case 13: call_fixed(13); break;                                                            \
    case 15: call_fixed(15); break;                                                            \
    default: call_any(taps);                                                                   \
    }

/*
 * And for each of those, a loop per stride for rows that qualify for
 * cconv_taps_block_contiguous: gray, RGB and RGBA (stride 1, 3, 4). Returns that stride for a
 * row whose taps are evenly spaced by it under symmetric weights, else 0.
 */
static inline int cconv_symmetric_stride(const float **sources, const float *weights,
                                         ptrdiff_t taps)
{
    ptrdiff_t t, stride;
    if (taps < 3 || taps > 15 || taps % 2 == 0)
        return 0;
    stride = sources[1] - sources[0];
    if (stride != 1 && stride != 3 && stride != 4)
        return 0;
    for (t = 0; t < taps; t++)
        if (sources[t] != sources[0] + t * stride || weights[t] != weights[taps - 1 - t])
            return 0;
    return (int)stride;
}
#define CCONV_EACH_STRIDE(call, T, stride)                                                     \
    switch (stride) {                                                                          \
    case 1: call(T, 1); break;                                                                 \
    case 3: call(T, 3); break;                                                                 \
    case 4: call(T, 4); break;                                                                 \
    default: call(T, 0);                                                                       \
    }

/* one row, uint8 (u8) or float32: the loop for its tap count and stride */
CCONV_ALWAYS_INLINE void cconv_taps_row(void *dst, int u8, const float **sources,
                                        const float *weights, ptrdiff_t taps, float offset,
                                        ptrdiff_t n, int stream, const void *ahead,
                                        ptrdiff_t ahead_scale)
{
    void *rows[1] = {dst};
    const int stride = cconv_symmetric_stride(sources, weights, taps);
#define CCONV_ROW(T, S)                                                                        \
    cconv_taps_rows(rows, u8, 1, 1, sources, weights, T, offset, n, stream, &ahead,           \
                    ahead_scale, S, NULL)
#define CCONV_FIXED(T) CCONV_EACH_STRIDE(CCONV_ROW, T, stride)
#define CCONV_ANY(T) CCONV_ROW(T, 0)
    CCONV_FIXED_TAPS(taps, CCONV_FIXED, CCONV_ANY)
#undef CCONV_ROW
#undef CCONV_FIXED
#undef CCONV_ANY
}

/*
 * noinline: inlined into the engine's large functions, GCC kept this loop's tap counter and
 * offsets in memory and xmm registers (too few free registers there), a stall on every tap.
 * Compiled on its own it has the registers (docs/design.md).
 */
static __attribute__((noinline)) void cconv_taps_u8(uint8_t *dst, const float **sources,
                                                    const float *weights, ptrdiff_t taps,
                                                    float offset, ptrdiff_t n, int stream,
                                                    const void *ahead, ptrdiff_t ahead_scale)
{
    cconv_taps_row(dst, 1, sources, weights, taps, offset, n, stream, ahead, ahead_scale);
}

static __attribute__((noinline)) void cconv_taps_f32(float *dst, const float **sources,
                                                     const float *weights, ptrdiff_t taps,
                                                     float offset, ptrdiff_t n, int stream,
                                                     const void *ahead, ptrdiff_t ahead_scale)
{
    cconv_taps_row(dst, 0, sources, weights, taps, offset, n, stream, ahead, ahead_scale);
}

/* count (1 to CCONV_TAPS_GROUP) rows, weights CCONV_TAPS_GROUP per tap, cut their spans: the
 * direct path */
static __attribute__((noinline)) void cconv_taps_group_u8(uint8_t *const *dst, int count,
                                                          const float **sources,
                                                          const float *weights, ptrdiff_t taps,
                                                          const ptrdiff_t *cut, float offset,
                                                          ptrdiff_t n, int stream,
                                                          const void *const *ahead,
                                                          ptrdiff_t ahead_scale)
{
    cconv_taps_rows((void *const *)dst, 1, CCONV_TAPS_GROUP, count, sources, weights, taps,
                    offset, n, stream, ahead, ahead_scale, 0, cut);
}

static __attribute__((noinline)) void cconv_taps_group_f32(float *const *dst, int count,
                                                           const float **sources,
                                                           const float *weights, ptrdiff_t taps,
                                                           const ptrdiff_t *cut, float offset,
                                                           ptrdiff_t n, int stream,
                                                           const void *const *ahead,
                                                           ptrdiff_t ahead_scale)
{
    cconv_taps_rows((void *const *)dst, 0, CCONV_TAPS_GROUP, count, sources, weights, taps,
                    offset, n, stream, ahead, ahead_scale, 0, cut);
}

/* Orders the streaming stores before whatever follows (another thread reading the output) */
static inline void cconv_store_fence(void) { _mm_sfence(); }

#else /* no vector code at this level: never called (CCONV_COLUMN_VECTOR is 0) */
#define CCONV_TAPS_GROUP 1
static inline void cconv_taps_u8(uint8_t *dst, const float **sources, const float *weights,
                                 ptrdiff_t taps, float offset, ptrdiff_t n, int stream,
                                 const void *ahead, ptrdiff_t ahead_scale)
{
    (void)dst; (void)sources; (void)weights; (void)taps; (void)offset; (void)n; (void)stream;
    (void)ahead; (void)ahead_scale;
}
static inline void cconv_taps_f32(float *dst, const float **sources, const float *weights,
                                  ptrdiff_t taps, float offset, ptrdiff_t n, int stream,
                                  const void *ahead, ptrdiff_t ahead_scale)
{
    (void)dst; (void)sources; (void)weights; (void)taps; (void)offset; (void)n; (void)stream;
    (void)ahead; (void)ahead_scale;
}
static inline void cconv_taps_group_u8(uint8_t *const *dst, int count, const float **sources,
                                       const float *weights, ptrdiff_t taps,
                                       const ptrdiff_t *cut, float offset, ptrdiff_t n,
                                       int stream, const void *const *ahead,
                                       ptrdiff_t ahead_scale)
{
    (void)dst; (void)count; (void)sources; (void)weights; (void)taps; (void)cut; (void)n;
    (void)offset;
    (void)stream;
    (void)ahead; (void)ahead_scale;
}
static inline void cconv_taps_group_f32(float *const *dst, int count, const float **sources,
                                        const float *weights, ptrdiff_t taps,
                                        const ptrdiff_t *cut, float offset, ptrdiff_t n,
                                        int stream, const void *const *ahead,
                                        ptrdiff_t ahead_scale)
{
    (void)dst; (void)count; (void)sources; (void)weights; (void)taps; (void)cut; (void)n;
    (void)offset;
    (void)stream;
    (void)ahead; (void)ahead_scale;
}
static inline void cconv_group_spans(ptrdiff_t *cut, int group, const float *weights,
                                     ptrdiff_t taps)
{
    (void)cut; (void)group; (void)weights; (void)taps;
}
static inline void cconv_store_fence(void) {}
#endif

#endif /* CCONV_ROW_TAPS_H */
