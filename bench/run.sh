#!/usr/bin/env bash
# Attribution throughput on CPU: the Java engine (Attributor over GraphModel on DJL/PyTorch) and a hand-written
# batched PyTorch reference, back to back on the same machine, same rows, same thread budget.
#
#   bench/run.sh                 # from the repository root (or anywhere)
#
# Environment: THREADS (cores given to each side, default 2), ROUNDS (Java/PyTorch rounds, alternating,
# default 1; use 3+ on a shared machine), SKIP_BUILD=1 (do not rebuild; see
# bench/build.sh), PYTHON (default /usr/bin/python3), JAVA (default java), BENCH_ARGS (extra harness arguments,
# passed to both sides, e.g. "--min-seconds 5"), JAVA_OPTS (extra JVM flags, e.g. "-Xlog:gc").
# Results: bench/results/<UTC timestamp>/ (git-ignored): machine.txt, round-N/{java,pytorch*}.json, table.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/mkl-intel-path.sh
bench/reference-blas.sh

THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-1}"
PYTHON="${PYTHON:-/usr/bin/python3}"
JAVA="${JAVA:-java}"
BENCH_ARGS="${BENCH_ARGS:-}"
JAVA_OPTS="${JAVA_OPTS:-}"
OUT="bench/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"

bench/build.sh

bench/machine.sh "$JAVA" "$THREADS" model-runner > "$OUT/machine.txt"

for ((round = 1; round <= ROUNDS; round++)); do
  R="$OUT/round-$round"
  mkdir -p "$R"
  echo "[bench] round $round/$ROUNDS: Java harness (fresh JVM, $THREADS intra-op threads)" >&2
  # shellcheck disable=SC2086
  "$JAVA" $JAVA_OPTS -Dai.djl.offline=true \
    -Dai.djl.pytorch.num_threads="$THREADS" -Dai.djl.pytorch.num_interop_threads=1 \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -Dorg.slf4j.simpleLogger.log.ai.djl.pytorch.engine.PtEngine=info \
    -cp "bench/target/classes:bench/target/lib/*" dev.stabilis.bench.AttributionBenchmark \
    --out "$R/java.json" --dump "$R/java-attributions.json" $BENCH_ARGS \
    > "$R/java.log" 2>&1 || { cat "$R/java.log" >&2; exit 1; }
  grep -h "threads is" "$R/java.log" >&2 || true

  echo "[bench] round $round/$ROUNDS: PyTorch reference, OpenBLAS $THREADS threads, torch intra-op 1 (primary)" >&2
  # shellcheck disable=SC2086
  "$PYTHON" bench/attribution_reference.py --rows "$R/java-attributions.json" \
    --threads "$THREADS" --intra-op-threads 1 --out "$R/pytorch.json" $BENCH_ARGS > /dev/null

  if [[ "$THREADS" != 1 ]]; then
    echo "[bench] round $round/$ROUNDS: PyTorch reference, OpenBLAS $THREADS threads, torch intra-op $THREADS" >&2
    # shellcheck disable=SC2086
    "$PYTHON" bench/attribution_reference.py --rows "$R/java-attributions.json" \
      --threads "$THREADS" --intra-op-threads "$THREADS" --out "$R/pytorch-intraop$THREADS.json" $BENCH_ARGS > /dev/null
  fi
done

"$PYTHON" bench/report.py "$OUT" | tee "$OUT/table.md"
