#!/usr/bin/env bash
# Bounded soak of the pipeline as three processes (stabilis broker, monitor, runner) at a fixed rate: consumer lag
# and heap after GC sampled every 2 s and checked for growth (monitor/src/test/java/dev/stabilis/pipeline/SoakIT.java).
# CI runs it for 60 s inside mvn verify; this runs it longer:  bench/soak.sh --seconds 600 [--rate 25]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
rate=25
while (( $# )); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    *) echo "usage: bench/soak.sh [--seconds N] [--rate REQUESTS_PER_SECOND]" >&2; exit 2 ;;
  esac
done
mvn -B -q -o -pl monitor -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=SoakIT \
  -Dstabilis.soak.seconds="$seconds" -Dstabilis.soak.rate="$rate"
echo "report: monitor/target/soak-report.md"
cat monitor/target/soak-report.md
