#!/usr/bin/env bash
# End-to-end check of the main job with outside tools. `stabilis demo` runs with its embedded broker; kcat
# (an outside Kafka client) produces a KServe-logged request (binary-mode CloudEvent headers) for a digit whose
# explanation is unstable at the demo's epsilon, and consumes stabilis.alerts (read_committed) until that
# request's alert arrives. A real Prometheus scrapes the demo, and the samples counter must be positive for
# both demo models. Needs kcat, prometheus and curl (Debian packages; .ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
BROKER_PORT="${BROKER_PORT:-29092}"
METRICS_PORT="${METRICS_PORT:-29404}"
PROM_PORT="${PROM_PORT:-29090}"
BROKER="127.0.0.1:$BROKER_PORT"
work="$(mktemp -d)"
demo_pid=""
prom_pid=""
cleanup() {
  [[ -n "$prom_pid" ]] && kill "$prom_pid" 2>/dev/null || true
  if [[ -n "$demo_pid" ]]; then
    kill -TERM "$demo_pid" 2>/dev/null || true
    wait "$demo_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "e2e: $*" >&2
  echo "--- demo output (last 40 lines) ---" >&2
  tail -40 "$work/demo.log" >&2 || true
  exit 1
}

# Normal traffic only: the one unstable sample is ours.
./stabilis demo --port "$BROKER_PORT" --metrics-port "$METRICS_PORT" --rate 10 --unstable-every 0 \
  --malformed-every 20s --duration 300s > "$work/demo.log" 2>&1 &
demo_pid=$!
for _ in $(seq 1 180); do
  curl -sf "http://127.0.0.1:$METRICS_PORT/ready" > /dev/null && break
  kill -0 "$demo_pid" 2>/dev/null || fail "the demo exited before it was ready"
  sleep 1
done
curl -sf "http://127.0.0.1:$METRICS_PORT/ready" > /dev/null || fail "the demo was not ready within 180 s"
echo "e2e: demo ready on $BROKER, metrics on :$METRICS_PORT"

cat > "$work/prometheus.yml" <<YML
global:
  scrape_interval: 2s
scrape_configs:
  - job_name: stabilis-demo
    static_configs:
      - targets: ["127.0.0.1:$METRICS_PORT"]
YML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" > "$work/prometheus.log" 2>&1 &
prom_pid=$!

id="e2e-$(date +%s%N)"
sed "s/unstable-digit-25/$id/" examples/digits-unstable-v2.json | kcat -P -b "$BROKER" -t inference-requests \
  -H ce_specversion=1.0 -H "ce_id=$id" -H ce_type=org.kubeflow.serving.inference.request \
  -H ce_source=http://localhost:9081/ -H "ce_time=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" \
  -H ce_inferenceservicename=digits -H ce_namespace=default -H ce_component=predictor -H ce_endpoint= \
  -H content-type=application/json
echo "e2e: produced request $id with kcat"

found=""
for _ in $(seq 1 45); do
  # -e: read to the end of the topic and exit; the request's alert names it as evidence "<id>#0"
  if kcat -C -b "$BROKER" -t stabilis.alerts -o beginning -e -X isolation.level=read_committed -q -f '%s\n' \
      | grep -F "\"$id#0\"" > "$work/alert.json"; then
    found=1
    break
  fi
  sleep 2
done
[[ -n "$found" ]] || fail "no alert for $id on stabilis.alerts within 90 s"
grep -q '"kind":"SAMPLE_UNSTABLE"' "$work/alert.json" || fail "the alert for $id is not SAMPLE_UNSTABLE: $(cat "$work/alert.json")"
echo "e2e: kcat consumed the alert: $(cut -c1-200 "$work/alert.json")..."

# both demo models (the MLP and the residual CNN) must have samples judged
for _ in $(seq 1 60); do
  counts="$(curl -sf "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode 'query=sum by (model) (stabilis_samples_total)' \
    | python3 -c 'import json,sys; print(" ".join(r["metric"]["model"] + "=" + r["value"][1] for r in json.load(sys.stdin)["data"]["result"]))' \
    || true)"
  if python3 -c "import sys; c = dict(kv.split('=') for kv in '$counts'.split()); sys.exit(0 if all(float(c.get(m, 0)) > 0 for m in ('digits', 'digits_resnet')) else 1)"; then
    echo "e2e: Prometheus scraped the demo: stabilis_samples_total by model: $counts"
    exit 0
  fi
  sleep 1
done
fail "Prometheus did not show samples of both demo models (digits, digits_resnet) within 60 s: '$counts' (see $work/prometheus.log)"
