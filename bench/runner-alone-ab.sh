#!/usr/bin/env bash
# A/B of the streaming pipeline's first phase (the runner alone: ModelPipeline.evaluate on batches of 256 stable demo
# digits, every analysis on, one PyTorch thread as in the demo) between builds, interleaved, `uptime` before each run.
# BUILDS names checkouts (worktrees) whose model-runner and monitor were packaged in their own reactor
# (`mvn -o -DskipTests package -pl model-runner,monitor -am`, nothing installed); this worktree's
# RunnerAloneBenchmark, which uses only API that existed on 2026-11-24, is compiled against each. Reports wall-clock
# samples/s and samples per second of the pipeline thread's CPU time (less sensitive to a shared machine's load).
#   BUILDS="old=/work/wt/old new=." ROUNDS=2 bench/runner-alone-ab.sh      (JFR=1: a JFR recording of each run)
# TORCH_THREADS is a list of PyTorch intra-op thread counts (default 1), each run per build and round, interleaved:
#   BUILDS="main=." TORCH_THREADS="1 2" ROUNDS=3 bench/runner-alone-ab.sh    (the runner's threads on this machine)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/mkl-intel-path.sh
ROUNDS="${ROUNDS:-2}"
# libtorch's OpenMP workers wait passively, as under the ./stabilis launcher (BENCHMARKS.md, issue 18)
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
OUT="bench/results/runner-alone-ab-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
DRIVER="$PWD/bench/src/main/java/dev/stabilis/bench/RunnerAloneBenchmark.java"
read -r -a builds <<< "${BUILDS:?BUILDS=\"name=checkout ...\"}"
for build in "${builds[@]}"; do
  name="${build%%=*}"
  dir="$(cd "${build#*=}" && pwd)"
  (cd "$dir" && mvn -B -o -q compile dependency:build-classpath -pl model-runner,monitor -Dmdep.includeScope=runtime \
    -DexcludeGroupIds=dev.stabilis -Dmdep.outputFile=target/runner-alone-cp.txt > /dev/null)
  libs="$(cat "$dir/model-runner/target/runner-alone-cp.txt"):$(cat "$dir/monitor/target/runner-alone-cp.txt")"
  mkdir -p "$OUT/$name-classes"
  javac -nowarn -d "$OUT/$name-classes" -cp "$dir/model-runner/target/classes:$dir/monitor/target/classes:$libs" "$DRIVER"
  echo "$OUT/$name-classes:$dir/model-runner/target/classes:$dir/monitor/target/classes:$libs" > "$OUT/$name.cp"
  echo "$(git -C "$dir" rev-parse --short HEAD)$(git -C "$dir" diff --quiet HEAD -- model-runner monitor || echo ' + changes')" > "$OUT/$name.commit"
done
read -r -a threads <<< "${TORCH_THREADS:-1}"
for ((round = 1; round <= ROUNDS; round++)); do
  for build in "${builds[@]}"; do
    name="${build%%=*}"
    for t in "${threads[@]}"; do
      run="$name-t$t-$round"
      uptime > "$OUT/$run.load"
      java ${JFR:+-XX:StartFlightRecording=filename=$OUT/$run.jfr,settings=profile} -Dai.djl.offline=true \
        -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$(cat "$OUT/$name.cp")" dev.stabilis.bench.RunnerAloneBenchmark \
        --batch "${BATCH:-256}" --warmup "${WARMUP:-10}" --timed "${TIMED:-9}" --torch-threads "$t" \
        --out "$OUT/$run.json" > /dev/null 2>"$OUT/$run.err"
    done
  done
done
/usr/bin/python3 - "$OUT" "$ROUNDS" "${TORCH_THREADS:-1}" "${builds[@]%%=*}" <<'PY'
import json, sys
out, rounds, threads, names = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4:]
print(f"results: {out}")
print("| run | PyTorch threads | load average (1, 5, 15 min) | runner alone samples/s (wall) | samples per CPU-second of the pipeline thread |")
print("|---|---|---|---|---|")
for r in range(1, rounds + 1):
    for n in names:
        for t in threads:
            v = json.load(open(f"{out}/{n}-t{t}-{r}.json"))
            load = open(f"{out}/{n}-t{t}-{r}.load").read().split("load average:")[1].strip()
            commit = open(f"{out}/{n}.commit").read().strip()
            print(f"| {n} ({commit}), round {r} | {t} | {load} | {v['runnerSamplesPerSecond']:.1f} | {v['runnerSamplesPerCpuSecond']:.1f} |")
PY
