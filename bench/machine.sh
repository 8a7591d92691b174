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
echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "git_head=$(git rev-parse --short HEAD 2>/dev/null || echo n/a)"
echo "uncommitted_paths=$(git status --porcelain -- "$@" 2>/dev/null | wc -l)"
echo "uncommitted_under=$*"
echo "java=$("$java" -version 2>&1 | head -1)"
echo "threads=$threads"
