# The multiply-add passes shared by the paths and the store that ends every path (included by
# _core.pyx): round half to even and saturate integers, add the call's offset.


cdef inline void accumulate_chunk(acc_t *acc, const src_t **sources, const acc_t *weights,
                                  Py_ssize_t taps, Py_ssize_t start, Py_ssize_t n) noexcept nogil:
    """acc[i] = sum_t weights[t] * sources[t][start + i]  for i in [0, n).

    Up to eight taps per pass over `acc` (one accumulator load and store per eight
    multiply-adds); the first pass assigns, so no separate zeroing pass. All loads are
    unit-stride, which the compiler vectorises at each engine level's width. The order of the
    additions is fixed, so the result does not depend on the thread count.
    """
    cdef Py_ssize_t t = 0
    if taps == 0:
        memset(acc, 0, n * sizeof(acc_t))
        return
    while t < taps:
        tap_pass(acc, sources + t, weights + t, min(8, taps - t), start, n, t == 0)
        t += 8


cdef inline void tap_pass(acc_t *acc, const src_t **sources, const acc_t *weights,
                          Py_ssize_t taps, Py_ssize_t start, Py_ssize_t n,
                          bint first) noexcept nogil:
    """One pass of 1 to 8 taps: acc[i] = (0 if first else acc[i]) + their sum. One loop per tap
    count, so each is a straight vectorised loop with the weights in registers (the compiler
    hoists the test of `first` out of the loop)."""
    cdef Py_ssize_t i
    cdef acc_t s
    cdef const src_t *p0 = sources[0] + start
    cdef const src_t *p1 = sources[min(1, taps - 1)] + start
    cdef const src_t *p2 = sources[min(2, taps - 1)] + start
    cdef const src_t *p3 = sources[min(3, taps - 1)] + start
    cdef const src_t *p4 = sources[min(4, taps - 1)] + start
    cdef const src_t *p5 = sources[min(5, taps - 1)] + start
    cdef const src_t *p6 = sources[min(6, taps - 1)] + start
    cdef const src_t *p7 = sources[min(7, taps - 1)] + start
    cdef acc_t w0 = weights[0], w1 = weights[min(1, taps - 1)]
    cdef acc_t w2 = weights[min(2, taps - 1)], w3 = weights[min(3, taps - 1)]
    cdef acc_t w4 = weights[min(4, taps - 1)], w5 = weights[min(5, taps - 1)]
    cdef acc_t w6 = weights[min(6, taps - 1)], w7 = weights[min(7, taps - 1)]
    if taps == 1:
        for i in range(n):
            s = w0 * p0[i]
            acc[i] = s if first else acc[i] + s
    elif taps == 2:
        for i in range(n):
            s = w0 * p0[i] + w1 * p1[i]
            acc[i] = s if first else acc[i] + s
    elif taps == 3:
        for i in range(n):
            s = w0 * p0[i] + w1 * p1[i] + w2 * p2[i]
            acc[i] = s if first else acc[i] + s
    elif taps == 4:
        for i in range(n):
            s = w0 * p0[i] + w1 * p1[i] + w2 * p2[i] + w3 * p3[i]
            acc[i] = s if first else acc[i] + s
    elif taps == 5:
        for i in range(n):
            s = w0 * p0[i] + w1 * p1[i] + w2 * p2[i] + w3 * p3[i] + w4 * p4[i]
            acc[i] = s if first else acc[i] + s
    elif taps == 6:
        for i in range(n):
            s = w0 * p0[i] + w1 * p1[i] + w2 * p2[i] + w3 * p3[i] + w4 * p4[i] + w5 * p5[i]
            acc[i] = s if first else acc[i] + s
    elif taps == 7:
        for i in range(n):
            s = (w0 * p0[i] + w1 * p1[i] + w2 * p2[i] + w3 * p3[i] + w4 * p4[i] + w5 * p5[i]
                 + w6 * p6[i])
            acc[i] = s if first else acc[i] + s
    else:
        for i in range(n):
            s = (w0 * p0[i] + w1 * p1[i] + w2 * p2[i] + w3 * p3[i] + w4 * p4[i] + w5 * p5[i]
                 + w6 * p6[i] + w7 * p7[i])
            acc[i] = s if first else acc[i] + s


cdef inline void store_row(const acc_t *acc, acc_t offset, out_t *dst,
                           Py_ssize_t n) noexcept nogil:
    """Write one accumulated row plus `offset`: floats as they are; integers rounded half to
    even and saturated to the type's range (NaN becomes the lowest value, as in OpenCV), never
    truncated or wrapped."""
    cdef Py_ssize_t i = 0
    cdef acc_t v, lo, hi
    # Adding and subtracting 1.5 * 2**mantissa_bits rounds to the nearest integer, ties to even,
    # for |v| < 2**(mantissa_bits - 1): exact after the clamp, and it vectorises where rint()
    # is a libm call on baseline x86-64.
    cdef acc_t magic = 12582912.0 if acc_t is float else 6755399441055744.0
    if out_t is float or out_t is double:
        if offset == 0:  # (adding 0 would turn -0 into +0)
            for i in range(n):
                dst[i] = <out_t> acc[i]
        else:
            for i in range(n):
                dst[i] = <out_t> (acc[i] + offset)
        return
    if out_t is uint8_t and acc_t is float:
        i = cconv_store_u8(acc, offset, dst, n)  # the vector part, in the AVX2 and AVX-512 modules
    if out_t is uint8_t:
        lo, hi = 0, 255
    elif out_t is uint16_t:
        lo, hi = 0, 65535
    else:
        lo, hi = -32768, 32767
    for i in range(i, n):
        v = acc[i] + offset
        v = v if v > lo else lo  # NaN fails the test and becomes lo
        v = v if v < hi else hi
        dst[i] = <out_t> ((v + magic) - magic)


cdef inline bint all_finite(const acc_t *x, Py_ssize_t n) noexcept nogil:
    """True when x[0:n] holds no NaN or infinity (x - x is 0 exactly for finite x)."""
    cdef Py_ssize_t i
    cdef int bad = 0
    for i in range(n):
        bad |= (x[i] - x[i]) != 0
    return not bad


cdef inline void accumulate_and_store(const acc_t **sources, const acc_t *weights,
                                      Py_ssize_t taps, acc_t offset, acc_t *acc, out_t *dst,
                                      Py_ssize_t n, bint stream, const void *ahead,
                                      Py_ssize_t ahead_scale) noexcept nogil:
    """One output row of n samples plus `offset`, a chunk at a time, each stored while it is
    in L1 cache.
    When the output has the accumulator's type, the chunks accumulate in the output itself.
    float32 accumulators stored as uint8 or float32 take row_taps.h's one-pass loops in the
    AVX2 and AVX-512 modules, which `stream` the stores to memory and prefetch the row `ahead`
    (see there); the other loops ignore both."""
    cdef Py_ssize_t start = 0, i
    if acc_t is float and out_t is uint8_t and CCONV_COLUMN_VECTOR:
        cconv_taps_u8(dst, sources, weights, taps, offset, n, stream, ahead, ahead_scale)
        return
    if acc_t is float and out_t is float and CCONV_COLUMN_VECTOR:
        cconv_taps_f32(dst, sources, weights, taps, offset, n, stream, ahead, ahead_scale)
        return
    if (out_t is float and acc_t is float) or (out_t is double and acc_t is double):
        while start < n:
            accumulate_chunk(<acc_t *> dst + start, sources, weights, taps, start,
                             min(CHUNK, n - start))
            if offset != 0:
                for i in range(start, min(start + CHUNK, n)):
                    dst[i] = <out_t> (dst[i] + offset)
            start += CHUNK
        return
    while start < n:
        accumulate_chunk(acc, sources, weights, taps, start, min(CHUNK, n - start))
        store_row(acc, offset, dst + start, min(CHUNK, n - start))
        start += CHUNK
