#!/usr/bin/env bash
# Per-customer fan-out benchmark: one license_info run over N customers against a stand-in API
# (examples/fanout-mock.rs) that answers each per-customer request after DELAY_MS, with the
# platform's request limits; against a customers-only run of the same exporter, its RSS and its
# scrape latency.
#
#   scripts/bench/fanout.sh [N] [DELAY_MS]        default: 10000 20
#   CONCURRENT=8 RATE=1000 BUILD=static scripts/bench/fanout.sh
#
# Prints the run's duration against the ideal N x DELAY / CONCURRENT, the RSS of both runs and
# scrape p99 (gzip, 2 connections) idle and during the run. docs/performance.md records it.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/common.sh

N=${1:-10000}
DELAY_MS=${2:-20}
CONCURRENT=${CONCURRENT:-8}
RATE=${RATE:-1000}
LATENCY_CONNECTIONS=${LATENCY_CONNECTIONS:-2}

need wrk wrk
need curl curl
build_binaries
cargo build --quiet --release --locked --example fanout-mock
"$TARGET_DIR/release/examples/fanout-mock" "$N" "$DELAY_MS" >"$WORK/mock.url" &
PIDS+=($!)
for _ in $(seq 1 600); do
    [ -s "$WORK/mock.url" ] && break
    sleep 0.1
done
API=$(head -n 1 "$WORK/mock.url")
wait_for "$API/requests"

# IDEAL: the run's lower bound in seconds, N requests of DELAY_MS, CONCURRENT at a time.
IDEAL=$(awk -v n="$N" -v d="$DELAY_MS" -v c="$CONCURRENT" 'BEGIN { printf "%.1f", n * d / 1000 / c }')

with_license_info() { # true|false: an exporter polling the mock; sets EXPORTER_PID, EXPORTER_URL
    local port
    port=$(free_port)
    cat >"$WORK/config.toml" <<CONFIG
[server]
listen = "127.0.0.1:$port"
[log]
level = "warn"
[[platforms]]
name = "bench"
base_url = "$API"
poll_interval = "1h"
stale_after = "24h"
timeout = "60s"
max_concurrent_requests = $CONCURRENT
max_requests_per_second = $RATE
[platforms.auth]
kind = "none"
[platforms.collectors.license_info]
enabled = $1
timeout = "1h"
[platforms.collectors.customer_details]
enabled = false
[platforms.collectors.number_removal]
enabled = false
CONFIG
    start_exporter "$WORK/config.toml" "$port"
}

# sample NAME: the value of the license_info series NAME of platform bench.
sample() {
    curl -fs "$EXPORTER_URL/metrics" |
        awk -v name="$1" 'index($0, name "{collector=\"license_info\",platform=\"bench\"} ") == 1 { print $2 }'
}


# Scrape p99 over about the ideal run's length, gzip, a light closed-loop load.
THREADS=1
CONNECTIONS=$LATENCY_CONNECTIONS
DURATION=$(awk -v i="$IDEAL" 'BEGIN { s = int(i); print (s < 5 ? 5 : s) "s" }')

# Customers only: the baseline.
with_license_info false
read -r _ _ idle_p99 < <(measure "$EXPORTER_URL/metrics" "Accept-Encoding: gzip")
base_rss=$(rss_mb "$EXPORTER_PID")
base_peak=$(peak_rss_mb "$EXPORTER_PID")
stop_exporter

# The same with license_info: its first run starts once the customer list is in.
before=$(curl -fs "$API/requests")
with_license_info true
read -r _ _ busy_p99 < <(measure "$EXPORTER_URL/metrics" "Accept-Encoding: gzip")
for _ in $(seq 1 3000); do
    [ "$(sample liveplatform_up)" = 1 ] && break
    sleep 0.1
done
[ "$(sample liveplatform_up)" = 1 ] || { echo "license_info never succeeded" >&2; exit 1; }
duration=$(sample liveplatform_poll_duration_seconds)
requests=$(($(curl -fs "$API/requests") - before))
run_rss=$(rss_mb "$EXPORTER_PID")
run_peak=$(peak_rss_mb "$EXPORTER_PID")
stop_exporter

echo "| customers | delay ms | concurrent | rate/s | requests | run s | ideal s | run / ideal | RSS customers only MB (peak) | RSS with license_info MB (peak) | growth MB | scrape p99 idle ms | during the run ms | ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
awk -v n="$N" -v d="$DELAY_MS" -v c="$CONCURRENT" -v r="$RATE" -v q="$requests" -v run="$duration" \
    -v ideal="$IDEAL" -v br="$base_rss" -v bp="$base_peak" -v rr="$run_rss" -v rp="$run_peak" \
    -v ip="$idle_p99" -v bu="$busy_p99" 'BEGIN {
        printf "| %d | %d | %d | %d | %d | %.1f | %.1f | %.2f | %.1f (%.1f) | %.1f (%.1f) | %.1f | %.2f | %.2f | %.2f |\n",
            n, d, c, r, q, run, ideal, run / ideal, br, bp, rr, rp, rp - bp, ip, bu, bu / ip
    }'
