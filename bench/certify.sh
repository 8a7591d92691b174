#!/usr/bin/env bash
# Certification throughput (digits MLP, batch 256, eps 0.005): Java Certifier and a hand-written batched PyTorch
# reference, back to back on the same rows and thread budget (THREADS, default 2).  bench/certify.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bench/reference-blas.sh
THREADS="${THREADS:-2}"
OUT="bench/results/certify-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
bench/build.sh
JAVA_OPTS="-Dai.djl.pytorch.num_threads=$THREADS -Dai.djl.pytorch.num_interop_threads=1" bench/java.sh CertifyBenchmark \
  --out "$OUT/java.json" --dump "$OUT/java-bounds.json" > /dev/null
OPENBLAS_NUM_THREADS="$THREADS" /usr/bin/python3 bench/certify_reference.py --rows "$OUT/java-bounds.json" \
  --threads "$THREADS" --out "$OUT/pytorch.json" > /dev/null
/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
j, p = json.load(open(out + "/java.json")), json.load(open(out + "/pytorch.json"))
print(f"results: {out}")
print("| side | samples/s | median ms | best ms |")
print("|---|---|---|---|")
print(f"| Java Certifier | {j['samplesPerSecond']:,.0f} | {j['medianMs']:.2f} | {j['bestMs']:.2f} |")
print(f"| PyTorch reference | {p['samplesPerSecond']:,.0f} | {p['medianMs']:.2f} | {p['bestMs']:.2f} |")
print(f"ratio Java / PyTorch (median): {j['samplesPerSecond'] / p['samplesPerSecond']:.2f}; best: {p['bestMs'] / j['bestMs']:.2f}")
print(f"same work: predicted agree {p['predictedAgree']}/{j['batch']}, top-5 certificate agree {p['top5CertificateAgree']}/{j['batch']}, max bound difference {p['maxBoundDifference']:.2e} (relative)")
print(f"certified radius (16-step bisection, batched): {j['radiusMsPerSample']:.2f} ms per sample; certified top-5: {j['certifiedTop5']}/{j['batch']}")
PY
