#!/usr/bin/env bash
# Streaming pipeline on one machine: the runner's own throughput, end-to-end samples/s through an embedded
# KRaft broker (ingest + runner + detect, exactly-once), and request→explanation / request→alert latency at
# half of that peak, all in one run on the demo model.  bench/pipeline.sh   (SECONDS_AT_HALF=60 WARMUP_AT_HALF=60 BACKLOG=8192)
# The latency phase times the requests of SECONDS_AT_HALF s sent after WARMUP_AT_HALF s of the same traffic.
# LATENCY_ONLY=2 bench/pipeline.sh: only the latency phase, at 2 requests/s (low traffic).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="bench/results/pipeline-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
bench/build.sh
JAVA_OPTS="${JAVA_OPTS:-} -Dorg.slf4j.simpleLogger.log.org.apache.kafka=error -Dorg.slf4j.simpleLogger.log.kafka=error" \
  bench/java.sh PipelineBenchmark --backlog "${BACKLOG:-8192}" --seconds "${SECONDS_AT_HALF:-60}" --warmup "${WARMUP_AT_HALF:-60}" --torch-threads "${TORCH_THREADS:-1}" \
  ${LATENCY_ONLY:+--latency-only "$LATENCY_ONLY"} --out "$OUT/pipeline.json" > /dev/null
/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
r = json.load(open(sys.argv[1] + "/pipeline.json"))
l = r["latency"]
print(f"results: {sys.argv[1]}")
print("| measurement | value |")
print("|---|---|")
print(f"| PyTorch intra-op threads (both phases) | {r['torchThreads']} |")
if "runnerSamplesPerSecond" in r:
    print(f"| runner alone (ModelPipeline, batches of 256) | {r['runnerSamplesPerSecond']:.1f} samples/s |")
    print(f"| end to end through the broker (backlog {r['backlog']}, timed over its second half) | {r['endToEndSamplesPerSecond']:.1f} samples/s |")
    print(f"| end to end / runner alone | {r['endToEndOverRunner']:.2f} |")
print(f"| traffic for latency | {l['ratePerSecond']:.1f} requests/s, timed for {l['seconds']} s after a {l['warmupSeconds']} s warm-up, {l['unstableInjected']} unstable |")
e, a = l["requestToExplanationMs"], l["requestToAlertMs"]
print(f"| request → explanation p50 / p90 / p99 / max | {e['p50']:.0f} / {e['p90']:.0f} / {e['p99']:.0f} / {e['max']:.0f} ms ({l['explanations']} samples) |")
print(f"| request → alert p50 / p90 / p99 / max | {a['p50']:.0f} / {a['p90']:.0f} / {a['p99']:.0f} / {a['max']:.0f} ms ({l['alerts']} alerts) |")
x = l["ingestToExplainedMs"]
print(f"| ingest → explained p50 / p90 / p99 / max | {x['p50']:.0f} / {x['p90']:.0f} / {x['p99']:.0f} / {x['max']:.0f} ms |")
b = l["runnerBatches"]
print(f"| runner micro-batches (warm-up included) | {b['count']:.0f}, mean {b['meanSize']:.1f} samples, compute mean {b['meanComputeMs']:.0f} / max {b['maxComputeMs']:.0f} ms |")
PY
