#!/usr/bin/env bash
# Builds the static (musl) release binary and checks that it is static. This is the one build
# command of the container image (Dockerfile) and of CI (.ci/run): sharing it means the binary CI
# tests is built exactly as the one the image ships.
#
# Prints the binary's path as the only line on stdout (everything else goes to stderr), so callers
# can write `bin=$(scripts/build-static.sh)`. Honours CARGO_TARGET_DIR and
# LIVEPLATFORM_EXPORTER_REVISION (read by build.rs; container builds have no .git).
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-unknown-linux-musl

# ring (C and assembly) and mimalloc (C) are compiled for the target: that needs a C compiler for
# musl, which Debian's musl-tools provides as musl-gcc. Install what is missing when we can (root on
# Debian: the Docker builder and CI), so a fresh machine needs nothing done by hand.
if ! command -v musl-gcc >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "musl-gcc not found; installing Debian's musl-tools" >&2
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends musl-tools >&2
    else
        echo "musl-gcc not found: install it (Debian/Ubuntu: sudo apt-get install musl-tools)" >&2
        exit 1
    fi
fi
export CC_x86_64_unknown_linux_musl="${CC_x86_64_unknown_linux_musl:-musl-gcc}"

if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx "$target"; then
    rustup target add "$target" >&2
fi

cargo build --release --locked --target "$target" >&2

bin="${CARGO_TARGET_DIR:-target}/$target/release/liveplatform-exporter"
# Static means no program interpreter (dynamic loader) and no shared-library dependency. readelf
# (binutils, present wherever a Rust toolchain links) tells both; `file` is not on every image.
if readelf --program-headers "$bin" | grep -q INTERP ||
    readelf --dynamic "$bin" | grep -q NEEDED; then
    echo "$bin is not statically linked:" >&2
    readelf --program-headers --dynamic "$bin" | grep -E 'INTERP|NEEDED' >&2
    exit 1
fi
echo "$bin: statically linked" >&2
echo "$bin"
