/*
 * Build and CPU facts for the engine: whether OpenMP was compiled in, and which of the engine's
 * instruction-set levels this CPU (with OS support for its registers) can run.
 *
 * The engine (src/_core.pyx) is compiled once per level into cconv._core_baseline,
 * cconv._core_avx2 and cconv._core_avx512. Only the baseline module is imported before the
 * check below has run, and it is compiled for plain x86-64, so no CPU ever meets an instruction
 * it lacks: this is the runtime dispatch that lets one wheel run on every x86-64.
 */
#ifndef CCONV_CPU_FEATURES_H
#define CCONV_CPU_FEATURES_H

#if defined(_MSC_VER) && !defined(__clang__) && (defined(_M_X64) || defined(_M_AMD64))
#include <intrin.h>
#define CCONV_MSVC_X64 1
#endif

#ifdef _OPENMP
#define CCONV_OPENMP 1
#else
#define CCONV_OPENMP 0
#endif

/* Levels, slowest first; the names match the module suffixes. */
#define CCONV_LEVELS 3
static const char *const cconv_level_names[CCONV_LEVELS] = {"baseline", "avx2", "avx512"};

static int cconv_cpu_runs_level(int level)
{
    if (level == 0) return 1;
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (level == 1) return avx2;
    if (level == 2)
        return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
#elif defined(CCONV_MSVC_X64)
    /* cpuid for the instructions, xgetbv for the OS saving their registers (XCR0: bits 1-2
       SSE/AVX state, 5-7 AVX-512 state) */
    int info[4];
    __cpuid(info, 0);
    if (info[0] < 7) return 0;
    __cpuid(info, 1);
    int osxsave = (info[2] >> 27) & 1, avx = (info[2] >> 28) & 1, fma = (info[2] >> 12) & 1;
    if (!(osxsave && avx && fma)) return 0;
    unsigned long long xcr0 = _xgetbv(0);
    if ((xcr0 & 0x6) != 0x6) return 0;
    __cpuidex(info, 7, 0);
    int avx2 = (info[1] >> 5) & 1;
    if (level == 1) return avx2;
    if (level == 2)
        return avx2 && (xcr0 & 0xE6) == 0xE6 && ((info[1] >> 16) & 1) /* F */ &&
               ((info[1] >> 31) & 1) /* VL */ && ((info[1] >> 30) & 1) /* BW */ &&
               ((info[1] >> 17) & 1) /* DQ */;
#endif
    return 0;
}

#endif /* CCONV_CPU_FEATURES_H */
