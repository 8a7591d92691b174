#!/usr/bin/env bash
# Issue 18 item 5, subnormal floats: the 784-512-512-10 MLP untrained (bench/wide_mlp.py) and trained with weight
# decay until dead units' weights are subnormal in float32 (bench/wide_mlp.py --trained; it prints how many), same
# shape, same rows. Per model, interleaved rounds: the full certify call at batch 256 (float64; Java CertifyBenchmark
# vs certify_reference.py) and saliency + IG-32 at batch 256 (float32; AttributionBenchmark vs
# attribution_reference.py), the references once as they are and once with torch.set_flush_denormal(True). The JVM
# cannot set the CPU's flush-to-zero mode for libtorch's threads, so the Java side runs as deployed.
#   ROUNDS=3 SECONDS_PER_RUN=3 THREADS=2 bench/denormals.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bench/reference-blas.sh
ROUNDS="${ROUNDS:-3}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-3}"
THREADS="${THREADS:-2}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
OUT="bench/results/denormals-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
bench/build.sh
[[ -f bench/target/wide_mlp.onnx ]] || /usr/bin/python3 bench/wide_mlp.py bench/target/wide_mlp.onnx
[[ -f bench/target/wide_mlp_trained.onnx ]] || /usr/bin/python3 bench/wide_mlp.py --trained bench/target/wide_mlp_trained.onnx \
  | tee bench/target/wide_mlp_trained.txt
cp bench/target/wide_mlp_trained.txt "$OUT/training.txt"
declare -A MODELS=([random]=bench/target/wide_mlp.onnx [trained]=bench/target/wide_mlp_trained.onnx)
THREAD_OPTS="-Dai.djl.pytorch.num_threads=$THREADS -Dai.djl.pytorch.num_interop_threads=1"
uptime > "$OUT/load.txt"
for ((round = 1; round <= ROUNDS; round++)); do
  for name in random trained; do
    run="$OUT/$name-$round"
    echo "[denormals] round $round/$ROUNDS $name" >&2
    JAVA_OPTS="$THREAD_OPTS" bench/java.sh CertifyBenchmark --model "${MODELS[$name]}" --batch 256 --part certify \
      --seconds "$SECONDS_PER_RUN" --radius false --out "$run-certify-java.json" --dump "$run-rows.json" > /dev/null
    for ftz in "" "--flush-denormal"; do
      OPENBLAS_NUM_THREADS="$THREADS" /usr/bin/python3 bench/certify_reference.py --rows "$run-rows.json" \
        --model "${MODELS[$name]}" --batch 256 --part certify --threads "$THREADS" --seconds "$SECONDS_PER_RUN" $ftz \
        --out "$run-certify-pytorch${ftz:+-ftz}.json" > /dev/null
    done
    JAVA_OPTS="$THREAD_OPTS" bench/java.sh AttributionBenchmark --model "${MODELS[$name]}" --batch 256 \
      --out "$run-attribution-java.json" --dump "$run-attributions.json" > /dev/null
    for ftz in "" "--flush-denormal"; do
      /usr/bin/python3 bench/attribution_reference.py --model "${MODELS[$name]}" --rows "$run-attributions.json" \
        --threads "$THREADS" --intra-op-threads 1 $ftz --out "$run-attribution-pytorch${ftz:+-ftz}.json" > /dev/null
    done
  done
  uptime >> "$OUT/load.txt"
done
/usr/bin/python3 - "$OUT" <<'PY'
import glob, json, statistics, sys
out = sys.argv[1]
print(f"results: {out}\n" + open(out + "/training.txt").read().strip())
print("load: " + " | ".join(l.split("load average:")[1].strip() for l in open(out + "/load.txt")))
def med(pattern, key):
    return statistics.median(key(json.load(open(f))) for f in sorted(glob.glob(f"{out}/{pattern}")))
cert = lambda r: r["samplesPerSecond"]
att = lambda m: (lambda r: r["methods"][m]["samplesPerSecMedian"])
print("| samples/s, medians of rounds | random | trained | trained / random |\n|---|---|---|---|")
for label, pattern, key in [("certify 256, Java", "certify-java.json", cert), ("certify 256, PyTorch", "certify-pytorch.json", cert),
                            ("certify 256, PyTorch flush-to-zero", "certify-pytorch-ftz.json", cert)] + [
        (f"{m} 256, {side}", f"attribution-{f}.json", att(m)) for m in ("saliency", "ig32")
        for side, f in (("Java", "java"), ("PyTorch", "pytorch"), ("PyTorch flush-to-zero", "pytorch-ftz"))]:
    r, t = med(f"random-*-{pattern}", key), med(f"trained-*-{pattern}", key)
    print(f"| {label} | {r:,.0f} | {t:,.0f} | {t / r:.2f} |")
PY
