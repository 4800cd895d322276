#!/usr/bin/env bash
# The services collector against the customer list of the same size: `--once` on N customers
# alone, and on one customer with N services (the services of N customers), RUNS times each,
# alternated (so that whatever else loads the machine weighs on both alike). Each `--once` is a
# fetch, a decode, a render and a compression; prints the bodies' sizes and each run's median
# wall time and peak RSS.
#
#   scripts/bench/services.sh [N]          default: 10000
#   RUNS=9 scripts/bench/services.sh 100000
#   EXPORTER=path GEN=path scripts/bench/services.sh   these binaries instead
#
# Needs nginx and GNU time (Debian packages; installed when missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/../.."

N=${1:-10000}
RUNS=${RUNS:-5}

. scripts/bench/common.sh
need nginx nginx
need curl curl
need /usr/bin/time time
build_binaries

start_nginx
# Two platforms' fixtures side by side: /customers (the list alone) and /services (one
# customer, and the services list; its path ends in a slash, so nginx serves it as an index).
for root in customers services; do
    mkdir -p "$WORK/www/$root/api/v3" "$WORK/www/$root/api/ovoc/v1/topology/services"
done
"$GEN" "$N" >"$WORK/www/customers/api/v3/customer"
"$GEN" 1 >"$WORK/www/services/api/v3/customer"
"$GEN" --services "$N" >"$WORK/www/services/api/ovoc/v1/topology/services/index.html"
base="http://127.0.0.1:$NGINX_PORT"
write_config "$WORK/customers.toml" "$(free_port)" "$base/customers" 1h
write_config "$WORK/services.toml" "$(free_port)" "$base/services" 1h services

once() { # CONFIG -> "milliseconds peak-RSS-MB" of one `--once`
    local start end
    start=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$WORK/rss" "$EXPORTER" --config "$1" --once >/dev/null
    end=$(date +%s%N)
    echo "$(((end - start) / 1000000)) $(awk '{ printf "%.1f", $1 / 1024 }' "$WORK/rss")"
}

# One of each first, not counted: the bodies into the page cache, the binary into memory.
once "$WORK/customers.toml" >/dev/null
once "$WORK/services.toml" >/dev/null
for _ in $(seq "$RUNS"); do
    echo "customers $(once "$WORK/customers.toml")"
    echo "services $(once "$WORK/services.toml")"
done >"$WORK/runs"

median() { # WHAT COLUMN
    awk -v w="$1" -v c="$2" '$1 == w { print $c }' "$WORK/runs" | sort -n |
        awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
size_mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f", b / 1048576 }'; }
echo "| $N of | body MB | runs | --once median ms | peak RSS median MB |"
echo "|---|---|---|---|---|"
echo "| customers (list alone) | $(size_mb "$WORK/www/customers/api/v3/customer") | $RUNS | $(median customers 2) | $(median customers 3) |"
echo "| services (and 1 customer) | $(size_mb "$WORK/www/services/api/ovoc/v1/topology/services/index.html") | $RUNS | $(median services 2) | $(median services 3) |"
