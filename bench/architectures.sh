#!/usr/bin/env bash
# Attribution throughput on deployed architectures (issue 14): ResNet-18 (torchvision, 3x32x32, 10 classes, 45 MB)
# and the explicit-attention transformer encoder (8 tokens x 32), the ONNX fixtures of
# tools/fixtures/make_architectures.py. Stabilis through its public API (ArchitectureBenchmark: OnnxImporter,
# float32 GraphModel, Attributor with Saliency and IntegratedGradients-32) against the fixture's own torch module with
# the same ONNX weights (architecture_reference.py), same rows, batch sizes 1, 16 and 64, in interleaved rounds
# (per round and model: Java, then PyTorch, each a fresh process); the table gives medians over rounds. Also: model
# load time and resident memory, and on ResNet-18 one interval-bound pass against one plain gradient pass.
#
#   bench/architectures.sh            # from anywhere; 7 min 51 s with the build at load average 4 on 2 cores
#
# Per model: calls with more model rows (batch x IG steps) than HEAVY_ROWS run once without warmup (ResNet-18: 256,
# so IG-32 at batch 16 and 64 is one call per process); Stabilis's Attributor keeps at most MAX_ROWS_PER_PASS model
# rows in one pass (ResNet-18: 128, because the engine holds ~7 MB per ResNet-18 row in a pass and the default of
# 16384 would need ~15 GB at IG-32 x 64 on a shared 24 GB machine; the transformer: the default). PyTorch runs each
# call in one pass.
#
# Environment: ROUNDS (2), BATCHES (1,16,64), MODELS ("resnet18 transformer_explicit"), ITERS (2: timed calls per
# cell and process after one warmup call and a second of warmup; heavy calls run once), THREADS (2: DJL intra-op
# threads; PyTorch gets 2 OpenMP threads for oneDNN and 1 OpenBLAS thread), OMP_WAIT_POLICY (PASSIVE, as `./stabilis`
# starts the runner: idle libgomp workers sleep instead of spinning; both sides get it), SKIP_BUILD=1,
# PYTHON (/usr/bin/python3), JAVA (java).
# Results: bench/results/architectures-<UTC time>/ (git-ignored): machine.txt, round-N/<model>-{java,pytorch}.json,
# table.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/mkl-intel-path.sh
bench/reference-blas.sh

ROUNDS="${ROUNDS:-2}"
BATCHES="${BATCHES:-1,16,64}"
THREADS="${THREADS:-2}"
ITERS="${ITERS:-2}"
PYTHON="${PYTHON:-/usr/bin/python3}"
JAVA="${JAVA:-java}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
OUT="bench/results/architectures-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
read -r -a MODELS <<< "${MODELS:-resnet18 transformer_explicit}"

bench/build.sh

echo "[bench] writing the full ONNX models (regenerated weights, checked against the manifests' SHA-256)" >&2
for model in "${MODELS[@]}"; do
  "$PYTHON" -c 'import sys; sys.path.insert(0, "tools/fixtures"); import make_architectures as m
open(sys.argv[2], "wb").write(m.materialised(sys.argv[1]))' "$model" "$OUT/$model.onnx"
done

bench/machine.sh "$JAVA" "$THREADS" model-runner bench tools > "$OUT/machine.txt"

for ((round = 1; round <= ROUNDS; round++)); do
  R="$OUT/round-$round"
  mkdir -p "$R"
  for model in "${MODELS[@]}"; do
    interval=0
    float64=""
    HEAVY_ROWS=100000
    MAX_ROWS_PER_PASS=16384
    if [[ "$model" == resnet18 ]]; then
      interval=1
      HEAVY_ROWS=256
      MAX_ROWS_PER_PASS=128
    fi
    if [[ "$round" == 1 ]]; then
      float64=16,64  # both sides' float32 IG against the float64 module, once
    fi
    echo "[bench] round $round/$ROUNDS, $model: Java ($(cut -d' ' -f1-3 /proc/loadavg))" >&2
    "$JAVA" -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$THREADS" -Dai.djl.pytorch.num_interop_threads=1 \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
      -cp "bench/target/classes:bench/target/lib/*" dev.stabilis.bench.ArchitectureBenchmark \
      --model "$OUT/$model.onnx" --batches "$BATCHES" --heavy-rows "$HEAVY_ROWS" --warmup 1 --warmup-seconds 1 --iters "$ITERS" \
      --max-rows-per-pass "$MAX_ROWS_PER_PASS" --interval-batch "$interval" --out "$R/$model-java.json" --dump "$R/$model-dump" \
      > "$R/$model-java.log" 2>&1 || { cat "$R/$model-java.log" >&2; exit 1; }
    echo "[bench] round $round/$ROUNDS, $model: PyTorch ($(cut -d' ' -f1-3 /proc/loadavg))" >&2
    "$PYTHON" bench/architecture_reference.py --fixture "$model" --model "$OUT/$model.onnx" --dump "$R/$model-dump" \
      --batches "$BATCHES" --heavy-rows "$HEAVY_ROWS" --warmup 1 --warmup-seconds 1 --iters "$ITERS" --float64-batches "$float64" \
      --intra-op-threads "$THREADS" --blas-threads 1 --out "$R/$model-pytorch.json" > /dev/null
    rm -r "$R/$model-dump"
  done
done
echo "uptime_after=$(uptime)" >> "$OUT/machine.txt"

"$PYTHON" bench/architectures_report.py "$OUT" | tee "$OUT/table.md"
