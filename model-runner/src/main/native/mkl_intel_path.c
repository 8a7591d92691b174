/*
 * MKL's vendor check, answered "yes": preloaded into the JVM (LD_PRELOAD, by the ./stabilis launcher), this definition
 * takes the place of the one inside libtorch, whose statically linked MKL calls it through the dynamic symbol table.
 *
 * MKL (since 2020.1) takes its generic code path on any CPU whose vendor string is not Intel's, whatever instructions
 * the CPU has: on AMD EPYC (AVX2, FMA) most of the engine's float64 matrix products ran 1.3-1.8x slower there than on
 * MKL's AVX2 path, which this shim lets MKL choose (BENCHMARKS.md, "MKL's kernels on AMD"). MKL still picks among its
 * kernels by the CPU's feature flags, so no instruction the CPU lacks is used. The bounds Stabilis certifies do not
 * depend on which kernels run: their rounding margins hold for any order of summation.
 *
 * mkl_serv_intel_cpu_true is MKL's internal name, not a documented interface; an MKL that stops calling it through the
 * symbol table leaves this shim without effect, never with a wrong result. MKL_INTEL_PATH_SHIM=off leaves it out.
 */
int mkl_serv_intel_cpu_true(void) {
    return 1;
}
