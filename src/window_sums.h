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
 * lanes at a time instead: the differences (entering - leaving) of a block of 16 outputs are
 * turned into running sums inside the register (log2 steps of shift-and-add by the stride),
 * then the last output of each channel before the block is added. The baseline and AVX2
 * modules run the scalar chain, one channel at a time; all give the same integers.
 */
#ifndef CCONV_WINDOW_SUMS_H
#define CCONV_WINDOW_SUMS_H

#include <stddef.h>
#include <stdint.h>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

static inline void cconv_window_sums_u32(const uint32_t *x, uint32_t *out, ptrdiff_t n,
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

#endif /* CCONV_WINDOW_SUMS_H */
