#!/usr/bin/env bash
# A first poll, fetch included: `--once` on the same list of N customers by the static build
# and by the glibc build, run alternately (so that whatever else loads the machine weighs on
# both alike), RUNS times each. Prints each build's median and the static/glibc ratio of the
# medians.
#
#   scripts/bench/once.sh [N]          default: 100000
#   RUNS=15 scripts/bench/once.sh
#   STATIC=path GLIBC=path GEN=path scripts/bench/once.sh   these binaries instead of building them
#
# Needs nginx (Debian package; installed when missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/../.."

N=${1:-100000}
RUNS=${RUNS:-15}

. scripts/bench/common.sh
need nginx nginx
need curl curl
STATIC=${STATIC:-$(exporter_binary static)}
GLIBC=${GLIBC:-$(exporter_binary glibc)}
build_generator

start_nginx
"$GEN" "$N" >"$WORK/www/tenantui/api/v3/customer"
write_config "$WORK/config.toml" "$(free_port)" "http://127.0.0.1:$NGINX_PORT/tenantui" 1h

once_ms() { # BINARY -> milliseconds of one `--once`
    local start end
    start=$(date +%s%N)
    "$1" --config "$WORK/config.toml" --once >/dev/null
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
}

# One of each first, not counted: the list into the page cache, the binaries into memory.
once_ms "$STATIC" >/dev/null
once_ms "$GLIBC" >/dev/null
for _ in $(seq "$RUNS"); do
    echo "static $(once_ms "$STATIC")"
    echo "glibc $(once_ms "$GLIBC")"
done >"$WORK/times"

median() { # BUILD
    awk -v b="$1" '$1 == b { print $2 }' "$WORK/times" | sort -n |
        awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
range() { # BUILD
    awk -v b="$1" '$1 == b { print $2 }' "$WORK/times" | sort -n | awk 'NR == 1 { min = $1 } { max = $1 } END { print min "-" max }'
}
s=$(median static)
g=$(median glibc)
echo "| customers | runs each | static median ms (range) | glibc median ms (range) | static / glibc |"
echo "|---|---|---|---|---|"
echo "| $N | $RUNS | $s ($(range static)) | $g ($(range glibc)) | $(awk -v a="$s" -v b="$g" 'BEGIN { printf "%.2f", a / b }') |"
