#!/usr/bin/env bash
# A/B of two builds at batch 1, interleaved: LatencyBenchmark (p50/p99 of saliency, the full certify call and the
# runner's per-sample pipeline on the digits MLP) from the classes and libs of BEFORE and AFTER (each a copy of
# bench/target/{classes,lib} made after bench/build.sh at the two commits), `uptime` before each run.
#   BEFORE=/tmp/before AFTER=/tmp/after ROUNDS=2 CALLS=2000 bench/latency-ab.sh
# BATCHES="4,16,32" also times saliency and certify at those batch sizes (a second table, ms per row at p50).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/mkl-intel-path.sh
ROUNDS="${ROUNDS:-2}"
CALLS="${CALLS:-2000}"
THREADS="${THREADS:-2}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
OUT="bench/results/latency-ab-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
for ((round = 1; round <= ROUNDS; round++)); do
  for side in before after; do
    dir="${BEFORE:?}"; [[ "$side" == after ]] && dir="${AFTER:?}"
    uptime > "$OUT/$side-$round.load"
    java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$THREADS" -Dai.djl.pytorch.num_interop_threads=1 \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$dir/classes:$dir/lib/*" dev.stabilis.bench.LatencyBenchmark \
      --calls "$CALLS" ${BATCHES:+--batches "$BATCHES"} --out "$OUT/$side-$round.json" > /dev/null 2>&1
  done
done
/usr/bin/python3 - "$OUT" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
print(f"results: {out}")
print("| run | load average (1, 5, 15 min) | saliency p50 / p99 ms | certify p50 / p99 ms | pipeline p50 / p99 ms |")
print("|---|---|---|---|---|")
for f in sorted(glob.glob(f"{out}/*.json"), key=lambda p: (os.path.basename(p).split("-")[1], os.path.basename(p).startswith("after"))):
    r = json.load(open(f))
    load = open(f[:-5] + ".load").read().split("load average:")[1].strip()
    cells = " | ".join(f"{r[k]['p50Ms']:.3f} / {r[k]['p99Ms']:.3f}" for k in ("explainSaliency", "certify", "pipeline"))
    print(f"| {os.path.basename(f)[:-5]} | {load} | {cells} |")
runs = [(os.path.basename(f)[:-5], json.load(open(f))) for f in sorted(glob.glob(f"{out}/*.json"),
        key=lambda p: (os.path.basename(p).split("-")[1], os.path.basename(p).startswith("after")))]
if runs and "batches" in runs[0][1]:
    sizes = list(runs[0][1]["batches"])
    print("\n| run | " + " | ".join(f"batch {b}: saliency / certify ms per row (p50)" for b in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for name, r in runs:
        cells = " | ".join(f"{r['batches'][b]['explainSaliency']['p50Ms'] / int(b):.4f} / "
                           f"{r['batches'][b]['certify']['p50Ms'] / int(b):.4f}" for b in sizes)
        print(f"| {name} | {cells} |")
PY
