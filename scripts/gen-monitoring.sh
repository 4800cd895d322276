#!/usr/bin/env bash
# Renders the monitoring mixin (monitoring/mixin) into the files the project ships: the Prometheus
# rule file, the Prometheus Operator's PrometheusRule and the Grafana dashboard (and its copy for
# the Kubernetes component); monitoring/mixin/files.jsonnet lists them. tests/integration/rules.rs
# fails when a committed file differs from what this writes.
#
#   scripts/gen-monitoring.sh          rewrite the files
#   scripts/gen-monitoring.sh --check  exit 1, showing the differences, if any is out of date
#
# Needs jsonnet (Debian package jsonnet; scripts/test.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v jsonnet >/dev/null 2>&1 || {
    echo "jsonnet not found: install it (Debian/Ubuntu: sudo apt-get install jsonnet)" >&2
    exit 1
}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# -m writes each field of the object as a file under $out and prints the paths; it makes no
# directories, so they are made first. -S writes strings as they are.
paths=$(jsonnet -S -J monitoring/mixin -e '
    local files = import "files.jsonnet";
    std.join("\n", std.objectFields(files.text) + std.objectFields(files.json))')
for path in $paths; do
    mkdir -p "$out/$(dirname "$path")"
done
files="$(jsonnet -S -J monitoring/mixin -m "$out" -e '(import "files.jsonnet").text')
$(jsonnet -J monitoring/mixin -m "$out" -e '(import "files.jsonnet").json')"

case "${1:-}" in
    "")
        for file in $files; do
            path=${file#"$out"/}
            mkdir -p "$(dirname "$path")"
            cp "$file" "$path"
        done
        ;;
    --check)
        stale=0
        for file in $files; do
            path=${file#"$out"/}
            if ! diff -u "$path" "$file"; then
                echo "$path is out of date: run scripts/gen-monitoring.sh" >&2
                stale=1
            fi
        done
        exit "$stale"
        ;;
    *)
        echo "usage: $0 [--check]" >&2
        exit 2
        ;;
esac
