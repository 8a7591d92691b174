#!/usr/bin/env bash
# Refuses to time a PyTorch reference on an unoptimised BLAS. Debian's python3-torch (BLAS_INFO=generic) sends every
# matmul and convolution to the system libblas.so.3, and on a fresh machine apt may leave that at the netlib
# reference implementation (libblas3), about 10x slower than OpenBLAS: the reference then loses by that much
# (BENCHMARKS.md, "A quiet machine, 2026-12-04"). ALLOW_SLOW_BLAS=1 runs anyway.
set -euo pipefail
blas="$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo none)"
case "$blas" in
  */openblas*|*/blis*|*/atlas*|*/mkl*) echo "[bench] PyTorch reference BLAS: $blas" >&2 ;;
  *)
    echo "[bench] the PyTorch reference would run on $blas, not an optimised BLAS: install libopenblas0-pthread" \
      "(apt-get install libopenblas0-pthread) or set ALLOW_SLOW_BLAS=1" >&2
    [[ "${ALLOW_SLOW_BLAS:-}" == 1 ]] || exit 1 ;;
esac
