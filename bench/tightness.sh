#!/usr/bin/env bash
# Tightness of the certified gradient bounds and the gain of input splitting (see TightnessReport's Javadoc).
#   bench/tightness.sh [samples]     # from anywhere; default 64 samples; prints a Markdown table
set -euo pipefail
cd "$(dirname "$0")/.."
bench/build.sh
exec java -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error \
  -cp "bench/target/classes:bench/target/lib/*" dev.stabilis.bench.TightnessReport "${1:-64}"
