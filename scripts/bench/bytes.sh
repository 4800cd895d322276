#!/usr/bin/env bash
# Wire bytes: the exporter's gzip /metrics against `gzip -6` of the very same text, on a first
# poll of N generated customers and after polls where 0.1 % and 1 % of them changed (one more
# active user each, picked at random, as the poll-path benchmark changes them). Each gzip body is
# also checked with GNU gzip, whose decoder is not the exporter's.
#
#   scripts/bench/bytes.sh [N ...]              default: 10000 100000
#   EXPORTER=path scripts/bench/bytes.sh        another binary (an older commit's, say)
#   BUILD=glibc scripts/bench/bytes.sh          the glibc build instead of the static one (scripts/bench/common.sh)
#
# Needs nginx (Debian package; installed when missing and running as root) and python3. Prints a
# Markdown table; docs/performance.md records the results.
set -euo pipefail
cd "$(dirname "$0")/../.."

SIZES=("${@:-10000 100000}")
read -r -a SIZES <<<"${SIZES[*]}"

. scripts/bench/common.sh
need nginx nginx
need curl curl
need python3 python3
build_binaries

start_nginx
API=$WORK/www/tenantui/api/v3

# changed LIST PER_MILLE: LIST with PER_MILLE per mille of its customers given one more active
# user. Python writes JSON as serde_json does (compact, UTF-8 as is), which is checked: a
# record left alone must keep its bytes, or the exporter would see it as changed.
changed() {
    python3 - "$1" "$2" <<'EOF'
import json, random, sys
raw = open(sys.argv[1], "rb").read()
customers = json.loads(raw)
dump = lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
assert dump(customers) == raw, "the list does not survive a round trip byte for byte"
rng = random.Random(7)
for _ in range(len(customers) * int(sys.argv[2]) // 1000):
    customer = customers[rng.randrange(len(customers))]
    customer["ActiveUserCount"] = (customer["ActiveUserCount"] or 0) + 1
sys.stdout.buffer.write(dump(customers))
EOF
}

# Successful polls so far: the scheduler logs each at debug level once it has published.
polls() { grep -c "run succeeded" "$WORK/log" || true; }

wait_for_polls() { # COUNT: until that many polls succeeded
    local deadline=$((SECONDS + 300))
    while [ "$(polls)" -lt "$1" ]; do
        kill -0 "$EXPORTER_PID" 2>/dev/null || { echo "the exporter exited:" >&2; cat "$WORK/log" >&2; exit 1; }
        [ "$SECONDS" -lt "$deadline" ] || { echo "timed out waiting for poll $1" >&2; exit 1; }
        sleep 0.05
    done
}

report() { # N POLL: one table row for what the exporter publishes now
    curl -fs "$EXPORTER_URL/metrics" >"$WORK/plain"
    curl -fs -H "Accept-Encoding: gzip" "$EXPORTER_URL/metrics" >"$WORK/body.gz"
    gzip -t "$WORK/body.gz"
    gzip -6 -c "$WORK/plain" >"$WORK/plain.gz"
    local plain exporter reference
    plain=$(stat -c %s "$WORK/plain")
    exporter=$(stat -c %s "$WORK/body.gz")
    reference=$(stat -c %s "$WORK/plain.gz")
    awk -v n="$1" -v poll="$2" -v p="$plain" -v e="$exporter" -v r="$reference" 'BEGIN {
        printf "| %s | %s | %.2f | %.3f | %.3f | %.2f |\n", n, poll, p / 1e6, e / 1e6, r / 1e6, e / r }'
}

echo "| customers | poll | exposition MB | exporter gzip MB | gzip -6 MB | ratio |"
echo "|---|---|---|---|---|---|"
for n in "${SIZES[@]}"; do
    "$GEN" "$n" >"$WORK/list"
    cp "$WORK/list" "$API/customer"
    port=$(free_port)
    write_config "$WORK/config.toml" "$port" "http://127.0.0.1:$NGINX_PORT/tenantui" 1s
    : >"$WORK/log"
    NO_COLOR=1 RUST_LOG=warn,liveplatform_exporter::collect::scheduler=debug \
        "$EXPORTER" --config "$WORK/config.toml" 2>"$WORK/log" &
    EXPORTER_PID=$!
    PIDS+=("$EXPORTER_PID")
    EXPORTER_URL="http://127.0.0.1:$port"
    # A poll's segments are compressed again after it is published, and the next poll waits for
    # that: after the second poll (the same list), what is sent is the first poll's, final.
    wait_for_polls 2
    report "$n" "first"
    for per_mille in 1 10; do
        changed "$WORK/list" "$per_mille" >"$API/customer.tmp"
        # Swapped whole, so that no poll reads half a file; the poll under way may have read the
        # old one, the one after it has not, and the one after that has waited for it to be
        # compressed again.
        mv "$API/customer.tmp" "$API/customer"
        wait_for_polls $(($(polls) + 3))
        report "$n" "$(awk -v m="$per_mille" 'BEGIN { printf "%.1f %% changed", m / 10 }')"
    done
    stop_exporter
done
