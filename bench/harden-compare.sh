#!/usr/bin/env bash
# Plain vs hardened digits MLPs, side by side with `stabilis compare` (BENCHMARKS.md, "Hardening").
# Trains on the digits rows outside the fixtures' held-out split, then compares every version on those 359
# held-out rows. Usage: bench/harden-compare.sh [epochs]   (after mvn -B -DskipTests package)
set -euo pipefail
cd "$(dirname "$0")/.."
epochs="${1:-15}"
out="bench/results/harden-$(date -u +%Y%m%dT%H%M%SZ)"
heldout=monitor/src/main/resources/dev/stabilis/demo/digits-heldout.csv
mkdir -p "$out/models/digits"
zcat tools/fixtures/data/digits.csv.gz | grep -vxFf "$heldout" > "$out/train.csv"
echo "training rows: $(wc -l < "$out/train.csv"), held-out rows: $(wc -l < "$heldout")"

train() {  # name, methods ("" for cross-entropy only)
  local name="$1" methods="$2"
  ./stabilis harden --data "$out/train.csv" --feature-scale 0.0625 --domain 0:1 --model mlp:64-64:relu \
    ${methods:+--method "$methods"} --epochs "$epochs" --seed 1 --threads 2 --out "$out/models/digits/$name" \
    > "$out/harden-$name.log" 2>&1
  tail -n 12 "$out/harden-$name.log"
}
train plain ""
train smooth smooth
train certified certified
train adversarial adversarial
train hessian hessian
train thickness thickness

models=()
for name in plain smooth certified adversarial hessian thickness; do
  models+=(--model "$name=$out/models/digits/$name")
done
./stabilis compare --data "$heldout" --feature-scale 0.0625 "${models[@]}" \
  --epsilon 0.002,0.01,0.05 --k 5 --device cpu | tee "$out/compare.md"
echo "results in $out"
