#!/usr/bin/env bash
# Explanation-attack cost on CPU (digits ReLU MLP, top-k attack: k 5, eps 0.05, 50 steps, softplus(10) surrogate,
# batch of 256 held-out digits rows): Java ExplanationAttack and a hand-written batched PyTorch reference (autograd
# double backward), back to back on the same rows and thread budget.
#
#   bench/attack.sh                 # from the repository root (or anywhere)
#
# Environment: THREADS (cores per side, default 2), ROUNDS (Java/PyTorch rounds, alternating, default 1),
# SKIP_BUILD=1 (do not rebuild; see bench/build.sh), PYTHON (default /usr/bin/python3), JAVA (default java).
# Results: bench/results/attack-<UTC timestamp>/ (git-ignored): rows.csv, machine.txt, round-N/*.json, table.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/mkl-intel-path.sh
bench/reference-blas.sh
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-1}"
PYTHON="${PYTHON:-/usr/bin/python3}"
JAVA="${JAVA:-java}"
OUT="bench/results/attack-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
bench/build.sh
bench/machine.sh "$JAVA" "$THREADS" model-runner > "$OUT/machine.txt"
# the first 256 rows of the digits fixtures' held-out split (the attack tests use its first 64)
"$PYTHON" bench/attack_reference.py --write-rows "$OUT/rows.csv" --count 256

for ((round = 1; round <= ROUNDS; round++)); do
  R="$OUT/round-$round"
  mkdir -p "$R"
  echo "[attack] round $round/$ROUNDS: Java (fresh JVM, $THREADS intra-op threads)" >&2
  "$JAVA" -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$THREADS" -Dai.djl.pytorch.num_interop_threads=1 \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error \
    -cp "bench/target/classes:bench/target/lib/*" dev.stabilis.bench.AttackBenchmark \
    --rows "$OUT/rows.csv" --out "$R/java.json" --dump "$R/java-dump.json" > "$R/java.log" 2>&1 \
    || { cat "$R/java.log" >&2; exit 1; }
  if [[ "$THREADS" != 1 ]]; then
    echo "[attack] round $round/$ROUNDS: Java (fresh JVM, 1 intra-op thread)" >&2
    "$JAVA" -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error \
      -cp "bench/target/classes:bench/target/lib/*" dev.stabilis.bench.AttackBenchmark \
      --rows "$OUT/rows.csv" --out "$R/java-intraop1.json" --breakdown false > "$R/java-intraop1.log" 2>&1 \
      || { cat "$R/java-intraop1.log" >&2; exit 1; }
  fi
  echo "[attack] round $round/$ROUNDS: PyTorch, OpenBLAS $THREADS threads, torch intra-op 1" >&2
  "$PYTHON" bench/attack_reference.py --rows "$R/java-dump.json" --threads "$THREADS" --intra-op-threads 1 \
    --out "$R/pytorch.json" > /dev/null
  if [[ "$THREADS" != 1 ]]; then
    echo "[attack] round $round/$ROUNDS: PyTorch, OpenBLAS $THREADS threads, torch intra-op $THREADS" >&2
    "$PYTHON" bench/attack_reference.py --rows "$R/java-dump.json" --threads "$THREADS" --intra-op-threads "$THREADS" \
      --breakdown false --out "$R/pytorch-intraop$THREADS.json" > /dev/null
  fi
done

"$PYTHON" - "$OUT" <<'PY' | tee "$OUT/table.md"
import glob, json, os, statistics, sys
out = sys.argv[1]
rounds = sorted(glob.glob(out + "/round-*"), key=lambda p: int(p.rsplit("-", 1)[1]))
load = lambda p: json.load(open(p))
med = statistics.median
print(f"results: {out}; 256 held-out digits, top-k attack k 5, eps 0.05, 50 steps, beta 10")
print()
print("| round | side | samples/s (median) | samples/s (best) | ms/sample | steps/sample | µs per sample-step | loadavg |")
print("|---|---|---|---|---|---|---|---|")
ratios, best_ratios, ratios1, ok = [], [], [], True
for d in rounds:
    j = load(d + "/java.json")
    j1 = load(d + "/java-intraop1.json") if os.path.exists(d + "/java-intraop1.json") else None
    refs = [load(p) for p in [d + "/pytorch.json"] + sorted(glob.glob(d + "/pytorch-intraop*.json"))]
    n = os.path.basename(d).split("-")[1]
    row = lambda label, r: print(f"| {n} | {label} | {r['samplesPerSecond']:,.0f} | {r['samplesPerSecondBest']:,.0f} | "
                                 f"{r['msPerSample']:.3f} | {r['stepsPerSample']:.1f} | {r['usPerSampleStep']:.2f} | {r['loadavgBefore']} |")
    row(f"Java (intra-op {j['intraOpThreads']})", j)
    if j1:
        row("Java (intra-op 1)", j1)
    for p in refs:
        row(f"PyTorch (OpenBLAS {p['threads']['openblas']}, intra-op {p['threads']['intraop']})", p)
    best = max(p["samplesPerSecond"] for p in refs)
    ratios.append(j["samplesPerSecond"] / best)
    best_ratios.append(j["samplesPerSecondBest"] / max(p["samplesPerSecondBest"] for p in refs))
    extra = ""
    if j1:
        ratios1.append(j1["samplesPerSecond"] / best)
        extra = f"; Java intra-op 1 / best PyTorch {ratios1[-1]:.2f}"
    w = refs[0]["sameWork"]
    ok &= all(p["sameWork"]["ok"] for p in refs)
    print(f"|  | **Java / best PyTorch: {ratios[-1]:.2f}** (best iterations {best_ratios[-1]:.2f}{extra}) | | | | | | |")
print()
print(f"ratio Java / best PyTorch, median over {len(rounds)} round(s): {med(ratios):.2f} (best iterations: {med(best_ratios):.2f}"
      + (f"; Java intra-op 1: {med(ratios1):.2f})" if ratios1 else ")"))
print(f"same work (last round): predicted agree {w['predictedAgree']}/256; successes Java {w['successJava']}, PyTorch "
      f"{w['successPyTorch']} (agree on {w['successAgreeRows']} rows); mean top-5 intersection Java "
      f"{w['meanIntersectionJava']:.4f}, PyTorch {w['meanIntersectionPyTorch']:.4f}; identical adversarial point "
      f"{w['identicalAdversarialRows']}/256; steps used agree {w['stepsUsedAgreeRows']}/256; loop iterations "
      f"{w['loopIterationsJava']} / {w['loopIterationsPyTorch']}; check {'ok' if ok else 'FAILED'}")
print()
print("per-step phases, ms for the whole batch of 256 (median over rounds):")
jb = [load(d + "/java.json")["breakdownMsPerStep"] for d in rounds]
pb = [load(d + "/pytorch.json")["breakdownMsPerStep"] for d in rounds]
for name in jb[0]["inlinedHvp"]:
    print(f"  Java    {name}: {med(b['inlinedHvp'][name] for b in jb):.3f}")
hvp = "surrogate: HVP (library call)"
print(f"  Java    surrogate HVP as one library call: {med(b['libraryHvp'][hvp] for b in jb):.3f}"
      f"; judge in those runs: {med(b['libraryHvp']['judge: forward + backward + copies'] for b in jb):.3f}"
      + (f"; with the beta scales folded into the weights: {med(b['foldedHvp'][hvp] for b in jb):.3f}" if "foldedHvp" in jb[0] else "")
      + f"; metrics at return (per attack): {med(b['metricsMsPerBatch'] for b in jb):.3f}")
print(f"  Java    instrumented loops ending at the attack's points (of 256, worst run): {jb[-1]['identicalToAttack']}")
for name in pb[0]:
    print(f"  PyTorch {name}: {med(b[name] for b in pb):.3f}")
sys.exit(0 if ok else 1)
PY
