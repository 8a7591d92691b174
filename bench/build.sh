#!/usr/bin/env bash
# Builds the harnesses and what they depend on from this working tree, through the reactor (profile `bench`), into
# bench/target/classes and bench/target/lib; installs nothing into ~/.m2. The harness scripts call it first;
# SKIP_BUILD=1 skips it (a harness then runs what the last build left).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "[bench] building bench/ and the modules it uses (mvn -o -Pbench -pl bench -am package)" >&2
  mvn -B -q -o -Pbench -pl bench -am package -DskipTests
fi
