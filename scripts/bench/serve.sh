#!/usr/bin/env bash
# Serving benchmark: the exporter's /metrics against nginx serving the same bytes as a static
# file, in one run, on loopback, driven by wrk; plus the exporter's peak RSS at each size and
# scrape latency while polls of the largest list are running.
#
#   scripts/bench/serve.sh [N ...]        default: 1000 10000 100000
#   DURATION=10s CONNECTIONS=16 THREADS=2 scripts/bench/serve.sh 10000
#   BUILD=glibc scripts/bench/serve.sh    the glibc build instead of the static one (scripts/bench/common.sh)
#
# Needs nginx and wrk (Debian packages; installed when missing and running as root).
# Prints a Markdown table; docs/performance.md records the results.
set -euo pipefail
cd "$(dirname "$0")/../.."

SIZES=("${@:-1000 10000 100000}")
read -r -a SIZES <<<"${SIZES[*]}"
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
# The poll-interference check measures latency, not capacity: a light closed-loop load (like a
# few scrapers) instead of the saturating one above, where any extra CPU use shows as queueing.
LATENCY_CONNECTIONS=${LATENCY_CONNECTIONS:-2}

. scripts/bench/common.sh
need nginx nginx
need wrk wrk
need curl curl
build_binaries

# nginx serves both the API fixture (for the exporter to poll) and the exporter's own output.
start_nginx

poll_fixture() { # POLL_INTERVAL: an exporter polling nginx's fixture; sets EXPORTER_PID, EXPORTER_URL
    local port
    port=$(free_port)
    write_config "$WORK/config.toml" "$port" "http://127.0.0.1:$NGINX_PORT/tenantui" "$1"
    start_exporter "$WORK/config.toml" "$port"
}

sizes=()
echo "| customers | body MB | exposition MB | encoding | exporter req/s | nginx req/s | ratio | exporter p50 / p99 ms | nginx p50 / p99 ms | exporter peak RSS MB | RSS budget MB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for n in "${SIZES[@]}"; do
    "$GEN" "$n" >"$WORK/www/tenantui/api/v3/customer"
    poll_fixture 1h
    wait_for_final_gzip
    curl -fs "$EXPORTER_URL/metrics" >"$WORK/www/metrics"
    # The same bytes, gzip included: nginx serves the exporter's own compressed response.
    curl -fs -H "Accept-Encoding: gzip" "$EXPORTER_URL/metrics" >"$WORK/www/metrics.gz"
    gzip -6 -c "$WORK/www/metrics" >"$WORK/gzip-6"
    sizes+=("$n: exporter gzip $(stat -c %s "$WORK/www/metrics.gz") bytes, gzip -6 of the same text $(stat -c %s "$WORK/gzip-6") bytes")
    body_mb=$(awk -v b="$(stat -c %s "$WORK/www/tenantui/api/v3/customer")" 'BEGIN { printf "%.1f", b / 1048576 }')
    expo_mb=$(awk -v b="$(stat -c %s "$WORK/www/metrics")" 'BEGIN { printf "%.1f", b / 1048576 }')
    budget=$(awk -v a="$body_mb" -v b="$expo_mb" 'BEGIN { printf "%.0f", 3 * (a + b) + 20 }')
    for encoding in identity gzip; do
        header=()
        [ "$encoding" = gzip ] && header=("Accept-Encoding: gzip")
        read -r e_rps e_p50 e_p99 < <(measure "$EXPORTER_URL/metrics" "${header[@]}")
        read -r n_rps n_p50 n_p99 < <(measure "http://127.0.0.1:$NGINX_PORT/metrics" "${header[@]}")
        ratio=$(awk -v a="$e_rps" -v b="$n_rps" 'BEGIN { printf "%.2f", a / b }')
        echo "| $n | $body_mb | $expo_mb | $encoding | $e_rps | $n_rps | $ratio | $e_p50 / $e_p99 | $n_p50 / $n_p99 | $(peak_rss_mb "$EXPORTER_PID") | $budget |"
    done
    stop_exporter
done

echo
printf 'Compressed size at %s\n' "${sizes[@]}"

# Scrapes while the largest list is polled back to back (poll_interval 1s, shorter than a poll).
largest=${SIZES[-1]}
"$GEN" "$largest" >"$WORK/www/tenantui/api/v3/customer"
poll_fixture 1h
read -r _ _ quiet_p99 < <(CONNECTIONS=$LATENCY_CONNECTIONS measure "$EXPORTER_URL/metrics" "Accept-Encoding: gzip")
stop_exporter
# Two different lists swapped under the API path every half second, so that every poll has
# changes to process (an unchanged response is republished almost for free).
"$GEN" "$largest" 43 >"$WORK/customer.b"
cp "$WORK/www/tenantui/api/v3/customer" "$WORK/customer.a"
(
    while true; do
        for variant in a b; do
            cp "$WORK/customer.$variant" "$WORK/www/tenantui/api/v3/customer.tmp"
            mv "$WORK/www/tenantui/api/v3/customer.tmp" "$WORK/www/tenantui/api/v3/customer"
            sleep 0.5
        done
    done
) &
swapper=$!
PIDS+=("$swapper")
poll_fixture 1s
read -r _ _ busy_p99 < <(CONNECTIONS=$LATENCY_CONNECTIONS measure "$EXPORTER_URL/metrics" "Accept-Encoding: gzip")
polls=$(curl -fs "$EXPORTER_URL/metrics" | awk '/^liveplatform_polls_total/ { print $2 }')
stop_exporter
kill "$swapper"
echo
echo "Scrape p99 at $largest customers, gzip, $LATENCY_CONNECTIONS connections: $quiet_p99 ms with no poll running, $busy_p99 ms during back-to-back polls of changing lists ($polls polls); ratio $(awk -v a="$busy_p99" -v b="$quiet_p99" 'BEGIN { printf "%.2f", a / b }')"

# Idle demo footprint.
demo_port=$(free_port)
"$EXPORTER" --demo --web.listen-address "127.0.0.1:$demo_port" 2>/dev/null &
demo_pid=$!
PIDS+=("$demo_pid")
wait_for "http://127.0.0.1:$demo_port/-/ready"
for _ in $(seq 1 20); do curl -fs -o /dev/null "http://127.0.0.1:$demo_port/metrics"; done
echo "Idle demo RSS after 20 scrapes: $(rss_mb "$demo_pid") MB (peak $(peak_rss_mb "$demo_pid") MB)"
