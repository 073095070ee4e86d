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
#endif
    return 0;
}

#endif /* CCONV_CPU_FEATURES_H */
