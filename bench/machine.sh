#!/usr/bin/env bash
# The machine and the code a benchmark ran on, as key=value lines for its machine.txt (bench/report.py reads them):
#   bench/machine.sh JAVA THREADS PATH... > "$OUT/machine.txt"
# uncommitted_paths counts the files under the given PATHs that differ from git_head.
set -euo pipefail
java="$1"
threads="$2"
shift 2
echo "date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "uptime=$(uptime)"
echo "nproc=$(nproc)"
cpuinfo() { grep -m1 "^$1[[:space:]]*:" /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'; }
# The model name of a virtual CPU can hide the generation ("AMD EPYC" was family 25 model 17, Zen 4, on one day and
# family 23 model 1, Zen 1 with half-width AVX2 and no AVX-512, on another), so the family, model and vector flags too.
vector_flags=$(cpuinfo flags | tr ' ' '\n' | grep -E '^(avx2|fma|avx512f|avx512_bf16|amx_tile)$' | paste -sd, -)
echo "cpu=$(cpuinfo 'model name') (family $(cpuinfo 'cpu family'), model $(cpuinfo model), $(cpuinfo 'cpu MHz') MHz, ${vector_flags:-no AVX2})"
echo "git_head=$(git rev-parse --short HEAD 2>/dev/null || echo n/a)"
echo "uncommitted_paths=$(git status --porcelain -- "$@" 2>/dev/null | wc -l)"
echo "uncommitted_under=$*"
echo "java=$("$java" -version 2>&1 | head -1)"
echo "threads=$threads"
