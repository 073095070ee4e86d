/*
 * Progress flags for dithering one image on several threads (src/_dither.pyx): each band of
 * rows publishes how far it got, and the band below waits until the errors it reads are final.
 * Release/acquire: what a band wrote before publishing is seen by the band that saw the count.
 */
#ifndef CCONV_DITHER_SYNC_H
#define CCONV_DITHER_SYNC_H

#ifdef _OPENMP
#include <omp.h>
static int cconv_team_size(void) { return omp_get_num_threads(); }
#else
static int cconv_team_size(void) { return 1; }
#endif

#if defined(_WIN32)
#include <windows.h>
static void cconv_yield(void) { SwitchToThread(); }
#else
#include <sched.h>
static void cconv_yield(void) { sched_yield(); }
#endif

#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
/* x86-64 keeps stores in order and loads in order; the barrier keeps the compiler from moving
   them across the flag */
static void cconv_publish(volatile long long *flag, long long value)
{
    _ReadWriteBarrier();
    *flag = value;
}
static long long cconv_seen(volatile long long *flag)
{
    long long value = *flag;
    _ReadWriteBarrier();
    return value;
}
static void cconv_pause(void) { _mm_pause(); }
#else
static void cconv_publish(volatile long long *flag, long long value)
{
    __atomic_store_n(flag, value, __ATOMIC_RELEASE);
}
static long long cconv_seen(volatile long long *flag)
{
    return __atomic_load_n(flag, __ATOMIC_ACQUIRE);
}
#if defined(__x86_64__) || defined(__i386__)
static void cconv_pause(void) { __builtin_ia32_pause(); }
#else
static void cconv_pause(void) { }
#endif
#endif

/* One step of waiting for a flag: a pause while the wait is short, then the CPU handed over
   (on a busy or oversubscribed machine the thread being waited for may need this one's). */
static void cconv_wait(long long *spins)
{
    if (++*spins < 256)
        cconv_pause();
    else
        cconv_yield();
}

#endif /* CCONV_DITHER_SYNC_H */
