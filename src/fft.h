/* The FFT path's transforms (src/fft.pxi): complex float32 FFTs of n x n tiles, n a power of
 * two, each direction in strips of CCONV_FFT_STRIP lines so that every butterfly is a vector
 * operation on CCONV_FFT_STRIP samples and a strip's n x CCONV_FFT_STRIP samples stay in L1.
 *
 * Plain C: each engine module compiles it at its own vector width. The forward transform is
 * decimation in frequency (natural order in, bit-reversed order out) and the inverse
 * decimation in time (bit-reversed in, natural out), so a convolution never reorders: the
 * kernel's spectrum is made by the same forward transform, in the same order. Each tile holds
 * two real tiles of the image, one as the real part and one as the imaginary part: the kernel
 * is real, so the two results come back apart.
 */
#ifndef CCONV_FFT_H
#define CCONV_FFT_H

#include <math.h>
#include <stddef.h>

#define CCONV_FFT_STRIP 16

/* w[k] = exp(-2 pi i k / n) for k < n, rounded from double */
static void cconv_fft_twiddles(float *wr, float *wi, ptrdiff_t n)
{
    for (ptrdiff_t k = 0; k < n; k++) {
        double angle = -2.0 * 3.14159265358979323846 * (double)k / (double)n;
        wr[k] = (float)cos(angle);
        wi[k] = (float)sin(angle);
    }
}

/* Radix-2 butterflies over one strip: a, c = a + c, (a - c) w (forward); a, c = a + c w,
 * a - c w (inverse) */
static inline void cconv_dif2(float *restrict ar, float *restrict ai, float *restrict cr,
                              float *restrict ci, float wr, float wi)
{
    for (int k = 0; k < CCONV_FFT_STRIP; k++) {
        float xr = ar[k], xi = ai[k], yr = cr[k], yi = ci[k];
        float dr = xr - yr, di = xi - yi;
        ar[k] = xr + yr;
        ai[k] = xi + yi;
        cr[k] = dr * wr - di * wi;
        ci[k] = dr * wi + di * wr;
    }
}

static inline void cconv_dit2(float *restrict ar, float *restrict ai, float *restrict cr,
                              float *restrict ci, float wr, float wi)
{
    for (int k = 0; k < CCONV_FFT_STRIP; k++) {
        float yr = cr[k] * wr - ci[k] * wi, yi = cr[k] * wi + ci[k] * wr;
        float xr = ar[k], xi = ai[k];
        ar[k] = xr + yr;
        ai[k] = xi + yi;
        cr[k] = xr - yr;
        ci[k] = xi - yi;
    }
}

/* Radix-4 butterflies over one strip: two radix-2 stages at once (halves 2q and q, the same
 * outputs in the same places, half the loads and stores). x0..x3 are lines j, j + q, j + 2q,
 * j + 3q of a block; w1, w2, w3 the twiddles W^j, W^2j, W^3j of W = exp(-2 pi i / 4q). */
static inline void cconv_dif4(float *restrict r0, float *restrict i0, float *restrict r1,
                              float *restrict i1, float *restrict r2, float *restrict i2,
                              float *restrict r3, float *restrict i3, float w1r, float w1i,
                              float w2r, float w2i, float w3r, float w3i)
{
    for (int k = 0; k < CCONV_FFT_STRIP; k++) {
        float s0r = r0[k] + r2[k], s0i = i0[k] + i2[k], s1r = r1[k] + r3[k], s1i = i1[k] + i3[k];
        float t0r = r0[k] - r2[k], t0i = i0[k] - i2[k];
        float t1r = i1[k] - i3[k], t1i = r3[k] - r1[k];  /* -i (x1 - x3) */
        float br = s0r - s1r, bi = s0i - s1i, cr = t0r + t1r, ci = t0i + t1i;
        float dr = t0r - t1r, di = t0i - t1i;
        r0[k] = s0r + s1r;
        i0[k] = s0i + s1i;
        r1[k] = br * w2r - bi * w2i;
        i1[k] = br * w2i + bi * w2r;
        r2[k] = cr * w1r - ci * w1i;
        i2[k] = cr * w1i + ci * w1r;
        r3[k] = dr * w3r - di * w3i;
        i3[k] = dr * w3i + di * w3r;
    }
}

/* The inverse of cconv_dif4 (unscaled), given the conjugate twiddles */
static inline void cconv_dit4(float *restrict r0, float *restrict i0, float *restrict r1,
                              float *restrict i1, float *restrict r2, float *restrict i2,
                              float *restrict r3, float *restrict i3, float w1r, float w1i,
                              float w2r, float w2i, float w3r, float w3i)
{
    for (int k = 0; k < CCONV_FFT_STRIP; k++) {
        float pr = r1[k] * w2r - i1[k] * w2i, pi = r1[k] * w2i + i1[k] * w2r;
        float cr = r2[k] * w1r - i2[k] * w1i, ci = r2[k] * w1i + i2[k] * w1r;
        float dr = r3[k] * w3r - i3[k] * w3i, di = r3[k] * w3i + i3[k] * w3r;
        float u0r = r0[k] + pr, u0i = i0[k] + pi, u1r = r0[k] - pr, u1i = i0[k] - pi;
        float sr = cr + dr, si = ci + di;
        float er = di - ci, ei = cr - dr;  /* i (c - d) */
        r0[k] = u0r + sr;
        i0[k] = u0i + si;
        r2[k] = u0r - sr;
        i2[k] = u0i - si;
        r1[k] = u1r + er;
        i1[k] = u1i + ei;
        r3[k] = u1r - er;
        i3[k] = u1i - ei;
    }
}

/* The forward transform along n lines of a strip (line j at re + j * stride), in place:
 * radix-4 stages, then a radix-2 one where log2(n) is odd. w holds W^k = exp(-2 pi i k / n),
 * k < n. */
static void cconv_fft_forward(float *re, float *im, ptrdiff_t n, ptrdiff_t stride,
                              const float *wr, const float *wi)
{
    ptrdiff_t q = n / 4;
    for (; q >= 1; q /= 4) {
        ptrdiff_t step = n / (4 * q);
        for (ptrdiff_t block = 0; block < n; block += 4 * q)
            for (ptrdiff_t j = 0; j < q; j++) {
                ptrdiff_t a = (block + j) * stride, l = q * stride;
                cconv_dif4(re + a, im + a, re + a + l, im + a + l, re + a + 2 * l,
                           im + a + 2 * l, re + a + 3 * l, im + a + 3 * l, wr[j * step],
                           wi[j * step], wr[2 * j * step], wi[2 * j * step], wr[3 * j * step],
                           wi[3 * j * step]);
            }
    }
    if ((n & 0x55555555) == 0)  /* log2(n) odd: the last stage, half 1 */
        for (ptrdiff_t block = 0; block < n; block += 2)
            cconv_dif2(re + block * stride, im + block * stride, re + (block + 1) * stride,
                       im + (block + 1) * stride, 1.0f, 0.0f);
}

/* The inverse transform (unscaled) along n lines of a strip, in place: cconv_fft_forward's
 * stages undone in reverse order */
static void cconv_fft_inverse(float *re, float *im, ptrdiff_t n, ptrdiff_t stride,
                              const float *wr, const float *wi)
{
    ptrdiff_t q = 1;
    if ((n & 0x55555555) == 0) {
        for (ptrdiff_t block = 0; block < n; block += 2)
            cconv_dit2(re + block * stride, im + block * stride, re + (block + 1) * stride,
                       im + (block + 1) * stride, 1.0f, 0.0f);
        q = 2;
    }
    for (; q < n; q *= 4) {
        ptrdiff_t step = n / (4 * q);
        for (ptrdiff_t block = 0; block < n; block += 4 * q)
            for (ptrdiff_t j = 0; j < q; j++) {
                ptrdiff_t a = (block + j) * stride, l = q * stride;
                cconv_dit4(re + a, im + a, re + a + l, im + a + l, re + a + 2 * l,
                           im + a + 2 * l, re + a + 3 * l, im + a + 3 * l, wr[j * step],
                           -wi[j * step], wr[2 * j * step], -wi[2 * j * step],
                           wr[3 * j * step], -wi[3 * j * step]);
            }
    }
}

/* A square block of CCONV_TRANSPOSE samples a side transposed: dst[j][i] = src[i][j] */
#if defined(__AVX2__)
#include <immintrin.h>
#define CCONV_TRANSPOSE 8
static inline void cconv_transpose_block(const float *src, ptrdiff_t src_stride, float *dst,
                                         ptrdiff_t dst_stride)
{
    __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + src_stride);
    __m256 r2 = _mm256_loadu_ps(src + 2 * src_stride), r3 = _mm256_loadu_ps(src + 3 * src_stride);
    __m256 r4 = _mm256_loadu_ps(src + 4 * src_stride), r5 = _mm256_loadu_ps(src + 5 * src_stride);
    __m256 r6 = _mm256_loadu_ps(src + 6 * src_stride), r7 = _mm256_loadu_ps(src + 7 * src_stride);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    _mm256_storeu_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(dst + dst_stride, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(dst + 2 * dst_stride, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(dst + 3 * dst_stride, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(dst + 4 * dst_stride, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(dst + 5 * dst_stride, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(dst + 6 * dst_stride, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(dst + 7 * dst_stride, _mm256_permute2f128_ps(u3, u7, 0x31));
}
#elif defined(__SSE2__) || defined(_M_X64)
#include <xmmintrin.h>
#define CCONV_TRANSPOSE 4
static inline void cconv_transpose_block(const float *src, ptrdiff_t src_stride, float *dst,
                                         ptrdiff_t dst_stride)
{
    __m128 r0 = _mm_loadu_ps(src), r1 = _mm_loadu_ps(src + src_stride);
    __m128 r2 = _mm_loadu_ps(src + 2 * src_stride), r3 = _mm_loadu_ps(src + 3 * src_stride);
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
    _mm_storeu_ps(dst, r0);
    _mm_storeu_ps(dst + dst_stride, r1);
    _mm_storeu_ps(dst + 2 * dst_stride, r2);
    _mm_storeu_ps(dst + 3 * dst_stride, r3);
}
#else
#define CCONV_TRANSPOSE 4
static inline void cconv_transpose_block(const float *src, ptrdiff_t src_stride, float *dst,
                                         ptrdiff_t dst_stride)
{
    for (int i = 0; i < CCONV_TRANSPOSE; i++)
        for (int j = 0; j < CCONV_TRANSPOSE; j++)
            dst[j * dst_stride + i] = src[i * src_stride + j];
}
#endif

/* Rows first .. first + CCONV_FFT_STRIP of a tile (rows `stride` apart) into a strip, whose
 * line j holds column j of those rows, and back */
static void cconv_fft_gather(const float *tile, float *strip, ptrdiff_t n, ptrdiff_t stride,
                             ptrdiff_t first)
{
    for (ptrdiff_t i = 0; i < CCONV_FFT_STRIP; i += CCONV_TRANSPOSE)
        for (ptrdiff_t j = 0; j < n; j += CCONV_TRANSPOSE)
            cconv_transpose_block(tile + (first + i) * stride + j, stride,
                                  strip + j * CCONV_FFT_STRIP + i, CCONV_FFT_STRIP);
}

static void cconv_fft_scatter(const float *strip, float *tile, ptrdiff_t n, ptrdiff_t stride,
                              ptrdiff_t first)
{
    for (ptrdiff_t i = 0; i < CCONV_FFT_STRIP; i += CCONV_TRANSPOSE)
        for (ptrdiff_t j = 0; j < n; j += CCONV_TRANSPOSE)
            cconv_transpose_block(strip + j * CCONV_FFT_STRIP + i, CCONV_FFT_STRIP,
                                  tile + (first + i) * stride + j, stride);
}

/* Rows of tiles are CCONV_FFT_TILE_STRIDE(n) samples apart: a power of two would put a strip's
 * lines in a few sets of the L1 cache, which evicts them from one another */
#define CCONV_FFT_TILE_STRIDE(n) ((n) + CCONV_FFT_STRIP)

/* The n x n tile (re, im: row-major, rows CCONV_FFT_TILE_STRIDE(n) apart) convolved circularly
 * with the kernel whose spectrum is (spec_re, spec_im), in place; strip_re and strip_im hold
 * n * CCONV_FFT_STRIP samples each. With make_spectrum, the tile's spectrum times `scale` is
 * written to spec_re and spec_im instead (the tile is left transformed). The spectrum's layout
 * is this function's own: row strips, each as the strip transforms leave it. */
static void cconv_fft_tile(float *re, float *im, ptrdiff_t n, float *strip_re, float *strip_im,
                           float *spec_re, float *spec_im, const float *wr, const float *wi,
                           int make_spectrum, float scale)
{
    const ptrdiff_t len = n * CCONV_FFT_STRIP, stride = CCONV_FFT_TILE_STRIDE(n);
    for (ptrdiff_t s = 0; s < n; s += CCONV_FFT_STRIP)
        cconv_fft_forward(re + s, im + s, n, stride, wr, wi);
    for (ptrdiff_t first = 0; first < n; first += CCONV_FFT_STRIP) {
        float *restrict sr = spec_re + first * n, *restrict si = spec_im + first * n;
        float *restrict xr = strip_re, *restrict xi = strip_im;
        cconv_fft_gather(re, xr, n, stride, first);
        cconv_fft_gather(im, xi, n, stride, first);
        cconv_fft_forward(xr, xi, n, CCONV_FFT_STRIP, wr, wi);
        if (make_spectrum) {
            for (ptrdiff_t k = 0; k < len; k++) {
                sr[k] = xr[k] * scale;
                si[k] = xi[k] * scale;
            }
            continue;
        }
        for (ptrdiff_t k = 0; k < len; k++) {
            float a = xr[k], b = xi[k];
            xr[k] = a * sr[k] - b * si[k];
            xi[k] = a * si[k] + b * sr[k];
        }
        cconv_fft_inverse(xr, xi, n, CCONV_FFT_STRIP, wr, wi);
        cconv_fft_scatter(xr, re, n, stride, first);
        cconv_fft_scatter(xi, im, n, stride, first);
    }
    if (make_spectrum)
        return;
    for (ptrdiff_t s = 0; s < n; s += CCONV_FFT_STRIP)
        cconv_fft_inverse(re + s, im + s, n, stride, wr, wi);
}

#endif
