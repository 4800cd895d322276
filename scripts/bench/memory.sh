#!/usr/bin/env bash
# Memory after the data shrinks: the exporter polls a list of LARGE customers, then the API
# answers with a list of SMALL customers; prints the exporter's resident size (VmRSS, read from
# /proc) right after each poll, and its peak (VmHWM).
#
#   scripts/bench/memory.sh [LARGE [SMALL]]      default: 200000 3
#   LARGE_POLLS=2 SMALL_POLLS=4 scripts/bench/memory.sh
#   BUILD=glibc scripts/bench/memory.sh          the glibc build instead of the static one (scripts/bench/common.sh)
#   COLLECTORS="license_info customer_details" scripts/bench/memory.sh
#                                                these collectors on too (their requests get 404s)
#
# Needs nginx (Debian package; installed when missing and running as root). The exporter polls
# every second; a poll is seen done when the exporter logs it.
set -euo pipefail
cd "$(dirname "$0")/../.."

LARGE=${1:-200000}
SMALL=${2:-3}
LARGE_POLLS=${LARGE_POLLS:-2}
SMALL_POLLS=${SMALL_POLLS:-4}

. scripts/bench/common.sh
need nginx nginx
need curl curl
build_binaries

start_nginx
API=$WORK/www/tenantui/api/v3
"$GEN" "$LARGE" >"$WORK/large"
"$GEN" "$SMALL" >"$WORK/small"
cp "$WORK/large" "$API/customer"

port=$(free_port)
# shellcheck disable=SC2086 # the collectors' names are words
write_config "$WORK/config.toml" "$port" "http://127.0.0.1:$NGINX_PORT/tenantui" 1s ${COLLECTORS:-}
# The scheduler logs every successful run at debug level, after it published (and after any
# memory was handed back).
: >"$WORK/log"
NO_COLOR=1 RUST_LOG=warn,liveplatform_exporter::collect::scheduler=debug \
    "$EXPORTER" --config "$WORK/config.toml" 2>"$WORK/log" &
pid=$!
PIDS+=("$pid")

echo "| poll | customers | VmRSS MB | VmHWM MB |"
echo "|---|---|---|---|"
seen=0
deadline=$((SECONDS + 300))
while [ "$seen" -lt $((LARGE_POLLS + SMALL_POLLS)) ]; do
    if [ "$SECONDS" -gt "$deadline" ]; then
        echo "timed out after $seen polls; the exporter's log:" >&2
        cat "$WORK/log" >&2
        exit 1
    fi
    kill -0 "$pid" 2>/dev/null || { echo "the exporter exited:" >&2; cat "$WORK/log" >&2; exit 1; }
    done_polls=$(grep "run succeeded" "$WORK/log" | grep -c "collector=customers") || done_polls=0
    if [ "$done_polls" -gt "$seen" ]; then
        seen=$done_polls
        items=$(grep "run succeeded" "$WORK/log" | grep "collector=customers" | tail -n 1 | grep -o 'items=[0-9]*' | cut -d= -f2)
        echo "| $seen | $items | $(rss_mb "$pid") | $(peak_rss_mb "$pid") |"
        if [ "$seen" -eq "$LARGE_POLLS" ]; then
            # Swapped whole, so that no poll reads half a file.
            cp "$WORK/small" "$API/customer.tmp"
            mv "$API/customer.tmp" "$API/customer"
        fi
    fi
    sleep 0.05
done
