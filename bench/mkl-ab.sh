#!/usr/bin/env bash
# MKL's kernels with and without the shim that answers its vendor check (model-runner/src/main/native), interleaved on
# one build: per round, each harness runs once with MKL_INTEL_PATH_SHIM=off and once with it on (the order
# alternates by round). Float64 and float32 matrix products at the shapes the engine uses (MatmulProbe), the bound
# pass and the full certify call on the digits and 784-wide MLPs at 256 and 4096 rows (CertifyBenchmark), saliency
# and IG-32 at 256 rows (AttributionBenchmark), batch-1 latency (LatencyBenchmark) and the runner's pipeline on
# batches of 256 (RunnerAloneBenchmark). PyTorch threads: THREADS (2) for all but the runner (1, its default).
#   ROUNDS=3 SECONDS_PER_RUN=3 bench/mkl-ab.sh          (SKIP_BUILD=1: use the classes bench/build.sh made)
# On an Intel CPU both sides take the same kernels, so the ratios are 1 within the noise.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-3}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-3}"
THREADS="${THREADS:-2}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
[[ "${SKIP_BUILD:-}" == 1 ]] || bench/build.sh
[[ -f model-runner/target/native/libstabilis-mkl-intel-path.so ]] \
  || { echo "[bench] no MKL shim: build on a machine with /usr/bin/cc (mvn package makes it)" >&2; exit 1; }
WIDE=bench/target/wide_mlp.onnx
[[ -f "$WIDE" ]] || /usr/bin/python3 bench/wide_mlp.py "$WIDE"
DIGITS=model-runner/src/test/resources/fixtures/digits_mlp_relu/model.onnx
OUT="bench/results/mkl-ab-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
bench/machine.sh java "$THREADS" model-runner > "$OUT/machine.txt"
THREAD_OPTS="-Dai.djl.pytorch.num_threads=$THREADS -Dai.djl.pytorch.num_interop_threads=1"
uptime > "$OUT/load.txt"
for ((round = 1; round <= ROUNDS; round++)); do
  sides=(off on); (( round % 2 == 0 )) && sides=(on off)
  for side in "${sides[@]}"; do
    run="$OUT/$side-$round"
    export MKL_INTEL_PATH_SHIM="$side"
    JAVA_OPTS="$THREAD_OPTS" bench/java.sh MatmulProbe --out "$run-matmul.json" > /dev/null
    for model in digits wide; do
      path="$DIGITS"; [[ "$model" == wide ]] && path="$WIDE"
      for batch in 256 4096; do
        for part in bounds certify; do
          JAVA_OPTS="$THREAD_OPTS" bench/java.sh CertifyBenchmark --model "$path" --batch "$batch" --part "$part" \
            --seconds "$SECONDS_PER_RUN" --radius false --out "$run-$model-$batch-$part.json" > /dev/null
        done
      done
    done
    JAVA_OPTS="$THREAD_OPTS" bench/java.sh AttributionBenchmark --breakdown false --out "$run-attribution.json" \
      --dump "$run-attributions-dump.json" > /dev/null
    JAVA_OPTS="$THREAD_OPTS" bench/java.sh LatencyBenchmark --out "$run-latency.json" > /dev/null
    bench/java.sh RunnerAloneBenchmark --batch 256 --warmup 10 --timed 9 --torch-threads 1 --out "$run-runner.json" \
      > /dev/null 2> "$run-runner.err"
  done
  uptime >> "$OUT/load.txt"
done
/usr/bin/python3 - "$OUT" "$ROUNDS" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
load = lambda: " | ".join(l.split("load average:")[1].strip() for l in open(out + "/load.txt"))
print(f"results: {out}\nload average at the start and after each round: {load()}\n")
fmt = lambda v: f"{v:,.0f}" if v >= 1000 else f"{v:.3g}"
def rows(name, read):
    off = [read(f"{out}/off-{r}") for r in range(1, rounds + 1)]
    on = [read(f"{out}/on-{r}") for r in range(1, rounds + 1)]
    ratios = [b / a for a, b in zip(off, on)]
    print(f"| {name} | {', '.join(map(fmt, off))} | {', '.join(map(fmt, on))} "
          f"| {', '.join(f'{v:.2f}' for v in ratios)} | **{statistics.median(ratios):.2f}** |")
print("| what (higher is faster) | shim off, per round | shim on, per round | on / off per round | median |")
print("|---|---|---|---|---|")
for key in json.load(open(f"{out}/off-1-matmul.json"))["gflops"]:
    rows(f"matmul {key}, GFLOP/s", lambda p, k=key: json.load(open(p + "-matmul.json"))["gflops"][k])
for model in ("digits", "wide"):
    for batch in (256, 4096):
        for part in ("bounds", "certify"):
            rows(f"{model} {part}, batch {batch}, samples/s",
                 lambda p, m=model, b=batch, q=part: json.load(open(f"{p}-{m}-{b}-{q}.json"))["samplesPerSecond"])
for method in ("saliency", "ig32"):
    rows(f"{method}, batch 256, samples/s (median)",
         lambda p, m=method: json.load(open(p + "-attribution.json"))["methods"][m]["samplesPerSecMedian"])
for part in ("explainSaliency", "certify", "pipeline"):
    rows(f"batch 1 {part}, calls/s at p50", lambda p, q=part: 1000 / json.load(open(p + "-latency.json"))[q]["p50Ms"])
rows("runner alone, batch 256, samples/s", lambda p: json.load(open(p + "-runner.json"))["runnerSamplesPerSecond"])
PY
