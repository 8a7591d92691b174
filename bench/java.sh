#!/usr/bin/env bash
# Runs one harness of bench/ on the classes bench/build.sh made, with the flags the harnesses share (DJL offline,
# quiet logging, libgomp and MKL as under ./stabilis); JAVA_OPTS adds JVM flags.
#   bench/java.sh <class in dev.stabilis.bench> [arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/mkl-intel-path.sh
exec java ${JAVA_OPTS:-} -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error \
  -cp "bench/target/classes:bench/target/lib/*" "dev.stabilis.bench.$1" "${@:2}"
