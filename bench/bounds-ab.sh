#!/usr/bin/env bash
# Gradient bounds of two commits side by side in one JVM, interleaved (BoundsAb): the interval method and METHOD
# (linear by default, ALPHA α steps) on the digits models and a synthetic five-layer softplus MLP, 128 rows in ROWS_PER_CALL-row calls (default 16) at
# ε 0.001 / 0.005 / 0.01.
#   bench/bounds-ab.sh BEFORE_CHECKOUT [AFTER_CHECKOUT]     (AFTER defaults to this checkout)
#   ROUNDS=9 METHOD=linear ALPHA=0 ROWS_PER_CALL=16 bench/bounds-ab.sh /tmp/before
# A checkout of the before commit: git worktree add --detach /tmp/before <commit>. Each side's model-runner is built
# there (mvn package, nothing installed); its BoundsTiming is compiled against its own classes.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/mkl-intel-path.sh
after_root="$(realpath "${2:-.}")"
before_root="$(realpath "${1:?usage: bench/bounds-ab.sh BEFORE_CHECKOUT [AFTER_CHECKOUT]}")"
out=bench/target/bounds-ab
rm -rf "$out" && mkdir -p "$out/driver"
mvn -B -q -o --no-transfer-progress -pl model-runner dependency:build-classpath -Dmdep.includeScope=runtime \
  -Dmdep.outputFile="$PWD/$out/classpath.txt" >&2
libs="$(cat "$out/classpath.txt")"
src=bench/src/main/java/dev/stabilis/bench
for side in before after; do
  root="$before_root"; [[ "$side" == after ]] && root="$after_root"
  (cd "$root" && mvn -B -q -o --no-transfer-progress -DskipTests package -pl model-runner >&2)
  mkdir -p "$out/$side"
  cp -r "$root/model-runner/target/classes/." "$out/$side/"
  javac --release 17 -encoding UTF-8 -nowarn -cp "$out/$side:$libs" -d "$out/$side" "$src/BoundsTiming.java" "$src/DigitsRows.java"
done
javac --release 17 -encoding UTF-8 -cp "$out/after:$libs" -d "$out/driver" "$src/BoundsAb.java"
rm -f "$out"/driver/dev/stabilis/bench/{BoundsTiming,DigitsRows}.class # each side has its own
echo "Load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores); before: $(git -C "$before_root" rev-parse --short HEAD), after: $(git -C "$after_root" rev-parse --short HEAD)$(git -C "$after_root" diff --quiet HEAD || echo ' + uncommitted changes')"
java -Dbench.rowsPerCall="${ROWS_PER_CALL:-16}" -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error \
  -cp "$out/driver:$libs" dev.stabilis.bench.BoundsAb "${ROUNDS:-9}" "${METHOD:-linear}" "${ALPHA:-0}" \
  "$before_root" "$out/before" "$after_root" "$out/after"
echo "Load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
