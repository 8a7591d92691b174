#!/usr/bin/env bash
# Tightness of the certified gradient bounds and the gain of input splitting (see TightnessReport's Javadoc).
#   bench/tightness.sh [samples]     # from anywhere; default 64 samples; prints a Markdown table
set -euo pipefail
cd "$(dirname "$0")/.."
bench/build.sh
exec bench/java.sh TightnessReport "${1:-64}"
