#!/usr/bin/env bash
# Certificate methods side by side: interval vs linear gradient bounds, and smoothing certificates (see
# MethodComparison's Javadoc).
#   bench/methods.sh [samples [rowsPerCall [all|bounds|smoothing [alphaSteps [models]]]]]
# from anywhere; default 128 samples in one call, both parts, 5 α steps, every model (a comma-separated list of the
# tables' model names, e.g. digits_mlp_relu); Markdown tables
#   bench/methods.sh architectures [rows [checkRows [models [radii [configurations]]]]]
# the smoothing part on the deployed-architecture fixtures (resnet18, transformer_explicit; see ArchitectureSmoothing's
# Javadoc), default 16 rows, the empirical check on the first 2, ℓ2 radii 0.05,0.1,0.25,0.5, noise configurations
# r/M 1.0/10,default/unit,sqrt-d/unit (noise radius: a number, the policy default or √d / clip norm: a number or
# unit); the full ONNX files are written first by
# tools/fixtures/make_architectures.py (stripped weights regenerated, SHA-256 checked), as bench/architectures.sh does.
# Builds this checkout with `mvn package` (nothing is installed into ~/.m2) and compiles the harness with javac
# against model-runner's classes and runtime classpath.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/mkl-intel-path.sh
mvn -B -q -o --no-transfer-progress -DskipTests package -pl model-runner -am >&2
out=bench/target/methods
mkdir -p "$out/classes"
mvn -B -q -o --no-transfer-progress -pl model-runner dependency:build-classpath -Dmdep.includeScope=runtime \
  -Dmdep.outputFile="$PWD/$out/classpath.txt" >&2
cp="model-runner/target/classes:$(cat "$out/classpath.txt")"
javac --release 17 -encoding UTF-8 -cp "$cp" -d "$out/classes" \
  bench/src/main/java/dev/stabilis/bench/{MethodComparison,DigitsRows,ArchitectureSmoothing,ProcessFigures}.java
args=("${1:-128}" "${2:-${1:-128}}" "${3:-all}" "${4:-5}" ${5:+"$5"})
if [[ "${1:-}" == architectures ]]; then
  args=("$@")
  for model in resnet18 transformer_explicit; do
    "${PYTHON:-/usr/bin/python3}" -c 'import sys; sys.path.insert(0, "tools/fixtures"); import make_architectures as m
open(sys.argv[2], "wb").write(m.materialised(sys.argv[1]))' "$model" "$out/$model.onnx"
  done
fi
echo "Load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
timer=() # the peak resident memory of the run, where GNU time is installed
[ -x /usr/bin/time ] && timer=(/usr/bin/time -f "Peak RSS %M KB, wall %e s")
"${timer[@]}" java -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error \
  -cp "$out/classes:$cp" dev.stabilis.bench.MethodComparison "${args[@]}"
echo "Load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
