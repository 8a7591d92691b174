#!/usr/bin/env bash
# A/B of two builds on one deployed architecture (issue 14), interleaved: per round, ArchitectureBenchmark from the
# classes and libs of BEFORE, then the PyTorch reference on its rows (timing it and checking its values), then the
# same for AFTER. BEFORE and AFTER are each a copy of bench/target/{classes,lib} made after bench/build.sh at the two
# commits. The model is a fixture of tools/fixtures/make_architectures.py, materialised once (SHA-256 checked).
#   BEFORE=/tmp/before AFTER=/tmp/after MODEL=resnet18 BATCHES=16,64 STEPS=32 ROUNDS=2 bench/architectures-ab.sh
# Environment: MODEL (resnet18), BATCHES (16,64), STEPS (IG steps, 32), ROUNDS (2), THREADS (2), ITERS (timed calls
# per cell, 3), MAX_ROWS_PER_PASS (128), HEAVY_ROWS (256: see architectures.sh), OMP_WAIT_POLICY (PASSIVE, as
# `./stabilis` starts the runner; both sides get it). Results:
# bench/results/architectures-ab-<UTC time>/ (git-ignored): round-N/{before,after}-{java,pytorch}.json, load.txt, table.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/mkl-intel-path.sh
bench/reference-blas.sh
MODEL="${MODEL:-resnet18}"
BATCHES="${BATCHES:-16,64}"
STEPS="${STEPS:-32}"
ROUNDS="${ROUNDS:-2}"
THREADS="${THREADS:-2}"
ITERS="${ITERS:-3}"
MAX_ROWS_PER_PASS="${MAX_ROWS_PER_PASS:-128}"
HEAVY_ROWS="${HEAVY_ROWS:-256}"
PYTHON="${PYTHON:-/usr/bin/python3}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
OUT="bench/results/architectures-ab-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
"$PYTHON" -c 'import sys; sys.path.insert(0, "tools/fixtures"); import make_architectures as m
open(sys.argv[2], "wb").write(m.materialised(sys.argv[1]))' "$MODEL" "$OUT/$MODEL.onnx"
uptime > "$OUT/load.txt"
for ((round = 1; round <= ROUNDS; round++)); do
  R="$OUT/round-$round"
  mkdir -p "$R"
  for side in before after; do
    dir="${BEFORE:?}"; [[ "$side" == after ]] && dir="${AFTER:?}"
    echo "[bench] round $round/$ROUNDS, $side: Java ($(cut -d' ' -f1-3 /proc/loadavg))" >&2
    java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$THREADS" -Dai.djl.pytorch.num_interop_threads=1 \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$dir/classes:$dir/lib/*" dev.stabilis.bench.ArchitectureBenchmark \
      --model "$OUT/$MODEL.onnx" --batches "$BATCHES" --steps "$STEPS" --heavy-rows "$HEAVY_ROWS" --warmup 1 \
      --warmup-seconds 1 --iters "$ITERS" --max-rows-per-pass "$MAX_ROWS_PER_PASS" --interval-batch 0 \
      --out "$R/$side-java.json" --dump "$R/$side-dump" > "$R/$side-java.log" 2>&1 || { cat "$R/$side-java.log" >&2; exit 1; }
    echo "[bench] round $round/$ROUNDS, $side: PyTorch ($(cut -d' ' -f1-3 /proc/loadavg))" >&2
    "$PYTHON" bench/architecture_reference.py --fixture "$MODEL" --model "$OUT/$MODEL.onnx" --dump "$R/$side-dump" \
      --batches "$BATCHES" --steps "$STEPS" --heavy-rows "$HEAVY_ROWS" --warmup 1 --warmup-seconds 1 --iters "$ITERS" \
      --intra-op-threads "$THREADS" --blas-threads 1 --out "$R/$side-pytorch.json" > /dev/null
    rm -r "$R/$side-dump"
  done
  uptime >> "$OUT/load.txt"
done
"$PYTHON" - "$OUT" <<'PY' | tee "$OUT/table.md"
import glob, json, os, sys
out = sys.argv[1]
rounds = sorted(glob.glob(os.path.join(out, "round-*")), key=lambda p: int(p.rsplit("-", 1)[1]))
load = lambda r, name: json.load(open(os.path.join(r, name)))
print(f"results: {out}\nload: " + " | ".join(l.split("load average:")[1].strip() for l in open(out + "/load.txt")))
print("\nsamples/s of each process's median call, per round; ratio > 1: Stabilis faster than the PyTorch run next to it.\n")
print("| batch | method | before: Stabilis / PyTorch samples/s (ratio) | after: Stabilis / PyTorch samples/s (ratio) | after / before (Stabilis) |")
print("|---|---|---|---|---|")
ok = True
first = load(rounds[0], "after-java.json")
for batch, methods in first["batches"].items():
    for method in methods:
        cells = {}
        for side in ("before", "after"):
            per = []
            for r in rounds:
                j = load(r, f"{side}-java.json")["batches"][batch][method]["samplesPerSecMedian"]
                p = load(r, f"{side}-pytorch.json")["batches"][batch][method]["samplesPerSecMedian"]
                per.append((j, p))
            cells[side] = per
        fmt = lambda per: ", ".join(f"{j:.3g} / {p:.3g} ({j / p:.2f})" for j, p in per)
        gain = ", ".join(f"{a[0] / b[0]:.2f}" for a, b in zip(cells["after"], cells["before"]))
        print(f"| {batch} | {method} | {fmt(cells['before'])} | {fmt(cells['after'])} | {gain} |")
for r in rounds:
    for side in ("before", "after"):
        p = load(r, f"{side}-pytorch.json")
        ok = ok and p["javaCheckPass"]
        worst = max(c["maxRowRelDiff"] for b in p["javaCheck"].values() for c in b.values() if isinstance(c, dict) and "maxRowRelDiff" in c)
        print(f"{os.path.basename(r)} {side}: Java/PyTorch check {'passed' if p['javaCheckPass'] else 'FAILED'}, max row-relative difference {worst:.1e}")
print("Java/PyTorch checks: " + ("all passed" if ok else "FAILED (see the pytorch JSON's javaCheck)"))
PY
