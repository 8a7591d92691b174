#!/usr/bin/env bash
# The JSON codec of explanation records (RecordCodecBenchmark): ContractJson as shipped against the same mapper with
# the JDK's number conversions, side by side per round. The records come from the demo: unless RECORDS names a file of
# explanation records (one JSON object per line), `./stabilis demo` runs for a minute and `kcat` copies what it wrote
# to stabilis.explanations (needs the launcher built, kcat, and ports 9092/9404 free).
#   bench/codec.sh   (ROUNDS=5 SECONDS_PER_RUN=2 RECORDS=<file>)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="bench/results/codec-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
bench/build.sh
RECORDS="${RECORDS:-}"
if [[ -z "$RECORDS" ]]; then
  RECORDS="$OUT/explanations.jsonl"
  timeout 75 ./stabilis demo > "$OUT/demo.log" 2>&1 &
  sleep 60
  timeout 12 kcat -b localhost:9092 -C -t stabilis.explanations -X isolation.level=read_committed -e > "$RECORDS" 2> /dev/null || true
  wait || true
fi
echo "[bench] $(wc -l < "$RECORDS") records from $RECORDS" >&2
bench/java.sh RecordCodecBenchmark --records "$RECORDS" --rounds "${ROUNDS:-5}" --seconds "${SECONDS_PER_RUN:-2}" \
  --out "$OUT/codec.json"
