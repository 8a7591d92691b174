#!/usr/bin/env bash
# Certificate methods side by side: interval vs linear gradient bounds, and smoothing certificates (see
# MethodComparison's Javadoc).
#   bench/methods.sh [samples [rowsPerCall [all|bounds|smoothing [alphaSteps [models]]]]]
# from anywhere; default 128 samples in one call, both parts, 5 α steps, every model (a comma-separated list of the
# tables' model names, e.g. digits_mlp_relu); Markdown tables
# Builds this checkout with `mvn package` (nothing is installed into ~/.m2) and compiles the harness with javac
# against model-runner's classes and runtime classpath.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -o --no-transfer-progress -DskipTests package -pl model-runner -am >&2
out=bench/target/methods
mkdir -p "$out/classes"
mvn -B -q -o --no-transfer-progress -pl model-runner dependency:build-classpath -Dmdep.includeScope=runtime \
  -Dmdep.outputFile="$PWD/$out/classpath.txt" >&2
cp="model-runner/target/classes:$(cat "$out/classpath.txt")"
javac --release 17 -encoding UTF-8 -cp "$cp" -d "$out/classes" \
  bench/src/main/java/dev/stabilis/bench/MethodComparison.java bench/src/main/java/dev/stabilis/bench/DigitsRows.java
echo "Load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
timer=() # the peak resident memory of the run, where GNU time is installed
[ -x /usr/bin/time ] && timer=(/usr/bin/time -f "Peak RSS %M KB, wall %e s")
"${timer[@]}" java -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error \
  -cp "$out/classes:$cp" dev.stabilis.bench.MethodComparison "${1:-128}" "${2:-${1:-128}}" "${3:-all}" "${4:-5}" ${5:+"$5"}
echo "Load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
