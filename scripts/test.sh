#!/usr/bin/env bash
# Runs the whole test suite. The suite checks the exporter's output with Prometheus' promtool:
# when it is missing and this machine can install Debian packages, it is installed first.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v promtool >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "promtool not found; installing Debian's prometheus package" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
    else
        echo "promtool not found: install it (Debian/Ubuntu: sudo apt-get install prometheus)" >&2
        exit 1
    fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --locked "$@" 2>&1 | tee "$log"
# cargo ends with the (possibly empty) doc-test run; close with the total of every run instead.
awk '/^test result:/ { passed += $4; failed += $6 } END { printf "tests: %d passed, %d failed\n", passed, failed }' "$log"
