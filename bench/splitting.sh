#!/usr/bin/env bash
# What input splitting (branch and bound) buys and costs (see SplittingReport's Javadoc).
#   bench/splitting.sh [rows]     # from anywhere; default 128 rows; prints a Markdown table
set -euo pipefail
cd "$(dirname "$0")/.."
bench/build.sh
exec java -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error \
  -cp "bench/target/classes:bench/target/lib/*" dev.stabilis.bench.SplittingReport "${1:-128}"
