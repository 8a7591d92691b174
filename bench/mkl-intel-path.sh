# Sourced by the harness scripts (from the repository root): preloads the shim that lets libtorch's MKL take its AVX2
# kernels on AMD CPUs, where the build made it, as ./stabilis does, so that the benchmarks time what ships.
# MKL_INTEL_PATH_SHIM=off leaves it out (to measure without it: bench/mkl-ab.sh).
mkl_intel_path="$PWD/model-runner/target/native/libstabilis-mkl-intel-path.so"
case "${MKL_INTEL_PATH_SHIM:-on}" in
  on) if [[ -f "$mkl_intel_path" ]]; then export LD_PRELOAD="$mkl_intel_path${LD_PRELOAD:+:$LD_PRELOAD}"; fi ;;
  off) ;;
  *) echo "[bench] MKL_INTEL_PATH_SHIM must be on or off, got '$MKL_INTEL_PATH_SHIM'" >&2; exit 2 ;;
esac
