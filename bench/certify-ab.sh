#!/usr/bin/env bash
# A/B of two builds of the certify path, interleaved on the same rows: CertifyBenchmark --part certify (PART) from the
# classes and libs of BEFORE and AFTER (each a copy of bench/target/{classes,lib} made after bench/build.sh at the
# two commits), digits MLP and 784-512-512-10 MLP (MODELS, default "digits wide"), batch 256 and 4096 (BATCHES);
# RADIUS=true also times the radius search; PART=bounds times GradientBounds.bounds alone (the interval method).
#   BEFORE=/tmp/before AFTER=/tmp/after ROUNDS=2 SECONDS_PER_RUN=3 bench/certify-ab.sh
#   BEFORE=/tmp/before AFTER=/tmp/after MODELS=digits BATCHES="1 4 16" bench/certify-ab.sh
# THREADS_BEFORE / THREADS_AFTER give each side its own PyTorch intra-op threads (default THREADS, 2): one build against
# itself at two thread counts is BEFORE=AFTER=<dir> THREADS_BEFORE=2 THREADS_AFTER=1.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/mkl-intel-path.sh
ROUNDS="${ROUNDS:-2}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-3}"
THREADS="${THREADS:-2}"
read -r -a NAMES <<< "${MODELS:-digits wide}"
read -r -a SIZES <<< "${BATCHES:-256 4096}"
WIDE="${WIDE:-bench/target/wide_mlp.onnx}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
OUT="bench/results/certify-ab-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
[[ " ${NAMES[*]} " != *" wide "* || -f "$WIDE" ]] || /usr/bin/python3 bench/wide_mlp.py "$WIDE"
declare -A MODELS=([digits]=model-runner/src/test/resources/fixtures/digits_mlp_relu/model.onnx [wide]="$WIDE")
uptime > "$OUT/load.txt"
for ((round = 1; round <= ROUNDS; round++)); do
  for name in "${NAMES[@]}"; do
    for batch in "${SIZES[@]}"; do
      for side in before after; do
        dir="${BEFORE:?}" threads="${THREADS_BEFORE:-$THREADS}"
        [[ "$side" == after ]] && dir="${AFTER:?}" threads="${THREADS_AFTER:-$THREADS}"
        java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$threads" -Dai.djl.pytorch.num_interop_threads=1 \
          -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$dir/classes:$dir/lib/*" dev.stabilis.bench.CertifyBenchmark \
          --model "${MODELS[$name]}" --batch "$batch" --part "${PART:-certify}" --seconds "$SECONDS_PER_RUN" \
          --radius "${RADIUS:-false}" --out "$OUT/$name-$batch-$side-$round.json" > /dev/null 2>&1
      done
    done
  done
  uptime >> "$OUT/load.txt"
done
/usr/bin/python3 - "$OUT" "${NAMES[*]}" "${SIZES[*]}" <<'PY'
import glob, json, sys
out, names, sizes = sys.argv[1], sys.argv[2].split(), [int(b) for b in sys.argv[3].split()]
print(f"results: {out}\nload: " + " | ".join(l.split("load average:")[1].strip() for l in open(out + "/load.txt")))
print("| model | batch | before samples/s (per round) | after samples/s (per round) | after / before per round |")
print("|---|---|---|---|---|")
for name in names:
    for batch in sizes:
        b = [json.load(open(f))["samplesPerSecond"] for f in sorted(glob.glob(f"{out}/{name}-{batch}-before-*.json"))]
        a = [json.load(open(f))["samplesPerSecond"] for f in sorted(glob.glob(f"{out}/{name}-{batch}-after-*.json"))]
        ratio = ", ".join(f"{x / y:.2f}×" for x, y in zip(a, b))
        print(f"| {name} | {batch} | {', '.join(f'{x:,.0f}' for x in b)} | {', '.join(f'{x:,.0f}' for x in a)} | {ratio} |")
PY
