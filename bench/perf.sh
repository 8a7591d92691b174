#!/usr/bin/env bash
# Issue 18's ratios in one run: interval bounds alone and the full certify call, Java (CertifyBenchmark) vs the
# hand-written PyTorch reference (certify_reference.py), batch 256 and 4096, on the digits MLP 64-128-128-10 and a
# 784-512-512-10 MLP (bench/wide_mlp.py), interleaved rounds; batch-1 latency p50/p99 (LatencyBenchmark: saliency,
# certify, the runner's full pipeline) next to the reference's batch-1 certify; then saliency and IG-32 (bench/run.sh).
#   ROUNDS=3 SECONDS_PER_RUN=3 THREADS=2 bench/perf.sh      (SKIP_ATTRIBUTION=1 leaves out bench/run.sh)
# JAVA_THREADS (default THREADS) gives the Java side its own intra-op threads within the same budget, e.g. 1 as a
# runner has by default, against the reference's THREADS.
set -euo pipefail
cd "$(dirname "$0")/.."
bench/reference-blas.sh
ROUNDS="${ROUNDS:-3}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-3}"
THREADS="${THREADS:-2}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"  # as ./stabilis sets it (both sides; BENCHMARKS.md, issue 18)
OUT="bench/results/perf-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
bench/build.sh
[[ -f bench/target/wide_mlp.onnx ]] || /usr/bin/python3 bench/wide_mlp.py bench/target/wide_mlp.onnx
declare -A MODELS=([digits]=model-runner/src/test/resources/fixtures/digits_mlp_relu/model.onnx [wide]=bench/target/wide_mlp.onnx)
THREAD_OPTS="-Dai.djl.pytorch.num_threads=${JAVA_THREADS:-$THREADS} -Dai.djl.pytorch.num_interop_threads=1"
uptime > "$OUT/load.txt"
for ((round = 1; round <= ROUNDS; round++)); do
  for name in digits wide; do
    for batch in 256 4096; do
      for part in bounds certify; do
        run="$OUT/$name-$batch-$part-$round"
        echo "[perf] round $round/$ROUNDS $name batch $batch $part" >&2
        JAVA_OPTS="$THREAD_OPTS" bench/java.sh CertifyBenchmark --model "${MODELS[$name]}" --batch "$batch" --part "$part" \
          --seconds "$SECONDS_PER_RUN" --radius false --out "$run-java.json" --dump "$run-rows.json" > /dev/null
        OPENBLAS_NUM_THREADS="$THREADS" /usr/bin/python3 bench/certify_reference.py --rows "$run-rows.json" \
          --model "${MODELS[$name]}" --batch "$batch" --part "$part" --threads "$THREADS" \
          --seconds "$SECONDS_PER_RUN" --out "$run-pytorch.json" > /dev/null
      done
    done
  done
  uptime >> "$OUT/load.txt"
done
echo "[perf] batch-1 latency" >&2
JAVA_OPTS="$THREAD_OPTS" bench/java.sh LatencyBenchmark --out "$OUT/latency-java.json" > /dev/null
OPENBLAS_NUM_THREADS="$THREADS" /usr/bin/python3 bench/certify_reference.py --rows "$OUT/digits-256-certify-1-rows.json" \
  --batch 1 --part certify --threads "$THREADS" --seconds "$SECONDS_PER_RUN" --out "$OUT/latency-pytorch.json" > /dev/null
/usr/bin/python3 - "$OUT" <<'PY'
import glob, json, statistics, sys
out = sys.argv[1]
print(f"results: {out}\nload: " + " | ".join(l.split("load average:")[1].strip() for l in open(out + "/load.txt")))
print("| model | batch | part | Java samples/s | PyTorch samples/s | ratio (medians) | bound agreement |")
print("|---|---|---|---|---|---|---|")
for name in ("digits", "wide"):
    for batch in (256, 4096):
        for part in ("bounds", "certify"):
            j = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/{name}-{batch}-{part}-*-java.json"))]
            p = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/{name}-{batch}-{part}-*-pytorch.json"))]
            js, ps = (statistics.median(r["samplesPerSecond"] for r in x) for x in (j, p))
            agree = max(r["maxBoundDifference"] for r in p)
            print(f"| {name} | {batch} | {part} | {js:,.0f} | {ps:,.0f} | {js / ps:.2f} | {agree:.1e} |")
lat, ref = json.load(open(out + "/latency-java.json")), json.load(open(out + "/latency-pytorch.json"))
print("\n| batch 1 (digits) | Java p50 ms | Java p99 ms | PyTorch reference median ms |\n|---|---|---|---|")
for key, label in (("explainSaliency", "saliency"), ("certify", "certify"), ("pipeline", "runner pipeline (demo options)")):
    r = ref["medianMs"] if key == "certify" else None
    print(f"| {label} | {lat[key]['p50Ms']:.3f} | {lat[key]['p99Ms']:.3f} | {'-' if r is None else f'{r:.3f}'} |")
PY
if [[ "${SKIP_ATTRIBUTION:-0}" != 1 ]]; then
  SKIP_BUILD=1 ROUNDS="$ROUNDS" bench/run.sh
fi
