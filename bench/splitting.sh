#!/usr/bin/env bash
# What input splitting (branch and bound) buys and costs (see SplittingReport's Javadoc).
#   bench/splitting.sh [rows]     # from anywhere; default 128 rows; prints a Markdown table
set -euo pipefail
cd "$(dirname "$0")/.."
bench/build.sh
exec bench/java.sh SplittingReport "${1:-128}"
