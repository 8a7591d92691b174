#!/usr/bin/env bash
# What one pass holds at its peak against the estimates that size passes (stabilis.runner.pass.memory.mb): a float32
# saliency pass (PassSize) and an interval bound pass of the certificate (Certifier.bytesPerBox), on the ResNet-18
# fixture (3×32×32), one JVM per measurement (dev.stabilis.bench.PassMemoryProbe).
#   bench/pass-memory.sh        (SALIENCY_ROWS="16 64" BOUND_ROWS="4 16"; SKIP_BUILD=1 skips the build)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-/usr/bin/python3}"
OUT="bench/results/pass-memory-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
bench/build.sh
"$PYTHON" -c 'import sys; sys.path.insert(0, "tools/fixtures"); import make_architectures as m
open(sys.argv[1], "wb").write(m.materialised("resnet18"))' "$OUT/resnet18.onnx"
run() {
  JAVA_OPTS=-Dai.djl.pytorch.num_threads=1 bench/java.sh PassMemoryProbe --model "$OUT/resnet18.onnx" --kind "$1" --rows "$2" --out "$OUT/$1-$2.json" > /dev/null
}
for rows in ${SALIENCY_ROWS:-16 64}; do run saliency "$rows"; done
for rows in ${BOUND_ROWS:-4 16}; do run bounds "$rows"; done
"$PYTHON" - "$OUT" <<'PY'
import glob, json, sys
print(f"results: {sys.argv[1]}")
print("| pass | rows | estimate MB/row | measured peak MB/row | measured / estimate |")
print("|---|---|---|---|---|")
for f in sorted(glob.glob(sys.argv[1] + "/*.json"), key=lambda f: (json.load(open(f))["kind"], json.load(open(f))["rows"])):
    r = json.load(open(f))
    print(f"| {r['kind']} | {r['rows']} | {r['estimatedBytesPerRow'] / 2**20:.2f} | {r['measuredBytesPerRow'] / 2**20:.2f} | {r['measuredOverEstimate']:.2f} |")
PY
