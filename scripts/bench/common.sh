# Shared by the bench scripts (sourced, not run): which build to measure, the tools they need,
# and the helpers every one of them uses.
#
#   BUILD=static (default) | glibc
#
# static is the x86_64-unknown-linux-musl binary the container image ships, built by
# scripts/build-static.sh exactly as the image builds it; glibc is the host's release build.
# docs/performance.md reports the static build.

BUILD=${BUILD:-static}
TARGET_DIR=${CARGO_TARGET_DIR:-target}

# need COMMAND PACKAGE: installs Debian's PACKAGE when COMMAND is missing and we are root.
need() {
    command -v "$1" >/dev/null 2>&1 && return
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
    else
        echo "$1 not found: install the $2 package" >&2
        exit 1
    fi
}

# exporter_binary BUILD: builds the exporter as BUILD and prints its path.
exporter_binary() {
    case "$1" in
        static) scripts/build-static.sh ;;
        glibc)
            cargo build --quiet --release --locked --bin liveplatform-exporter >&2
            echo "$TARGET_DIR/release/liveplatform-exporter"
            ;;
        *)
            echo "BUILD must be static or glibc, not $1" >&2
            exit 1
            ;;
    esac
}

# Sets EXPORTER (the BUILD binary) and GEN (the customer-list generator, a host program),
# building them, unless they are set already: to measure another binary, an older commit's say.
build_binaries() {
    EXPORTER=${EXPORTER:-$(exporter_binary "$BUILD")}
    build_generator
    echo "measuring $EXPORTER" >&2
}

build_generator() {
    if [ -z "${GEN:-}" ]; then
        cargo build --quiet --release --locked --example gen-customers
        GEN=$TARGET_DIR/release/examples/gen-customers
    fi
}

# A scratch directory, and processes to stop on exit: add their ids to PIDS.
WORK=$(mktemp -d)
# nginx workers run as nobody.
chmod 755 "$WORK"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_for() { # URL: until it answers 200
    for _ in $(seq 1 600); do
        curl -fs -o /dev/null "$1" && return
        sleep 0.1
    done
    echo "timed out waiting for $1" >&2
    exit 1
}

peak_rss_mb() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
rss_mb() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
# cpu_ticks PID: the CPU time the process has used, user and system, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# make_certificates DIR ADDRESS...: a CA (ca.pem) and a server certificate for the ADDRESSes it
# issued (server.pem, server.key), P-256, valid for a day.
make_certificates() {
    local dir=$1 names
    shift
    names=$(printf 'IP:%s,' "$@")
    mkdir -p "$dir"
    (
        cd "$dir"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
            -subj "/CN=bench CA" -keyout ca.key -out ca.pem 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -subj "/CN=127.0.0.1" -keyout server.key -out server.csr 2>/dev/null
        printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "${names%,}" >server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
            -extfile server.ext -out server.pem 2>/dev/null
    )
}

# Starts nginx serving $WORK/www on loopback (static files, gzip_static for *.gz beside them)
# and sets NGINX_PORT. The API fixture goes in $WORK/www/tenantui/api/v3/customer (or
# customer.json, when customer/ holds the per-customer answers).
# With NGINX_TLS=1 it also serves HTTPS on NGINX_TLS_PORT, with a certificate for its addresses
# issued by a CA of its own, $WORK/tls/ca.pem. NGINX_HOSTS lists more loopback addresses
# (127.x.y.z) to serve on, at the same ports: servers that a client tells apart.
start_nginx() {
    NGINX_PORT=$(free_port)
    mkdir -p "$WORK/www/tenantui/api/v3" "$WORK/nginx"
    : >"$WORK/www/ping"
    local listen="" host hosts
    # shellcheck disable=SC2206 # the addresses are words
    hosts=(127.0.0.1 ${NGINX_HOSTS:-})
    for host in "${hosts[@]}"; do
        listen+="listen $host:$NGINX_PORT;"$'\n'
    done
    if [ -n "${NGINX_TLS:-}" ]; then
        need openssl openssl
        make_certificates "$WORK/tls" "${hosts[@]}"
        NGINX_TLS_PORT=$(free_port)
        for host in "${hosts[@]}"; do
            listen+="listen $host:$NGINX_TLS_PORT ssl;"$'\n'
        done
        listen+="ssl_certificate $WORK/tls/server.pem;
        ssl_certificate_key $WORK/tls/server.key;"
    fi
    cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
# Enough for every idle connection of a thousand platforms' clients (scripts/bench/platforms.sh).
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    default_type text/plain;
    server {
        $listen
        root $WORK/www;
        gzip_static on;
        # A file, else FILE.json, else DIR/index.json: so that a path can be both an answer and
        # the folder of longer ones (a customer list and each customer's details below it).
        try_files \$uri \$uri.json \${uri}index.json =404;
        client_body_temp_path $WORK/nginx;
        proxy_temp_path $WORK/nginx;
        fastcgi_temp_path $WORK/nginx;
        uwsgi_temp_path $WORK/nginx;
        scgi_temp_path $WORK/nginx;
    }
}
EOF
    nginx -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" &
    PIDS+=($!)
    wait_for "http://127.0.0.1:$NGINX_PORT/ping"
}

# write_config FILE PORT API_URL POLL_INTERVAL [COLLECTOR...]: one platform polling API_URL, with
# no auth, the customer list and only the COLLECTORs named (the others would ask the fixture
# server for files it lacks).
write_config() {
    cat >"$1" <<EOF
[server]
listen = "127.0.0.1:$2"
[log]
level = "warn"
[[platforms]]
name = "bench"
base_url = "$3"
poll_interval = "$4"
stale_after = "24h"
timeout = "60s"
[platforms.auth]
kind = "none"
EOF
    local collector
    for collector in license_info customer_details number_removal services oc_numbers; do
        case " ${*:5} " in *" $collector "*) continue ;; esac
        printf '[platforms.collectors.%s]\nenabled = false\n' "$collector"
    done >>"$1"
}

# start_exporter CONFIG PORT: runs $EXPORTER with CONFIG, whose server listens on PORT, until
# it is ready, its log in $WORK/exporter.log; sets EXPORTER_PID and EXPORTER_URL.
start_exporter() {
    # The customer list's debug lines say when a poll's segments were compressed again.
    NO_COLOR=1 RUST_LOG=warn,liveplatform_exporter::collectors::customers=debug \
        "$EXPORTER" --config "$1" 2>"$WORK/exporter.log" &
    EXPORTER_PID=$!
    PIDS+=("$EXPORTER_PID")
    EXPORTER_URL="http://127.0.0.1:$2"
    wait_for "$EXPORTER_URL/-/ready"
}

# Until the first poll's segments are compressed again (the gzip body is then final), or 10 s
# passed: a binary from before that change never says so.
wait_for_final_gzip() {
    local deadline=$((SECONDS + 10))
    until grep -q "compressed again" "$WORK/exporter.log" || [ "$SECONDS" -ge "$deadline" ]; do
        sleep 0.05
    done
}

stop_exporter() {
    kill "$EXPORTER_PID"
    wait "$EXPORTER_PID" 2>/dev/null || true
}

# measure URL [HEADER] -> "requests/s p50 p99" (latencies in ms), driven by wrk (THREADS
# threads, CONNECTIONS connections, for DURATION; the caller sets them).
measure() {
    local out threads=$((THREADS < CONNECTIONS ? THREADS : CONNECTIONS))
    if [ $# -gt 1 ]; then
        out=$(wrk -t"$threads" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$2" "$1")
    else
        out=$(wrk -t"$threads" -c"$CONNECTIONS" -d"$DURATION" --latency "$1")
    fi
    if grep -q "Non-2xx" <<<"$out"; then
        echo "wrk saw errors for $1" >&2
        echo "$out" >&2
        exit 1
    fi
    awk '
        function ms(v) {
            if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
            if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v
        }
        /Requests\/sec/ { rps = $2 }
        $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
        END { printf "%.0f %.2f %.2f\n", rps, p50, p99 }' <<<"$out"
}
