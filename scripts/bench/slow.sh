#!/usr/bin/env bash
# Slow readers: READERS clients read /metrics of N customers slowly (a third never read, a third
# read a byte a second, a third pipeline two requests and read neither) and reconnect as soon
# as they are cut; meanwhile /-/healthy, /-/ready and a fresh gzip scrape are timed, one after
# the other, every half second, each on a new connection.
#
#   scripts/bench/slow.sh [N] [READERS]        default: 10000 64 (the default max_connections)
#   PROBES=40 scripts/bench/slow.sh            probes and scrapes (default 30), half a second apart
#   EXPORTER=path scripts/bench/slow.sh        another binary, an older commit's (scripts/bench/common.sh)
#
# Needs nginx, curl and python3. Prints a Markdown row; docs/performance.md records it.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/common.sh

N=${1:-10000}
READERS=${2:-64}
PROBES=${PROBES:-30}
# A probe or a scrape slower than this counts as failed, as a liveness probe's timeout would.
PROBE_TIMEOUT=${PROBE_TIMEOUT:-1}

need nginx nginx
need curl curl
need python3 python3
build_binaries
start_nginx
"$GEN" "$N" >"$WORK/www/tenantui/api/v3/customer"
port=$(free_port)
write_config "$WORK/config.toml" "$port" "http://127.0.0.1:$NGINX_PORT/tenantui" 1h
start_exporter "$WORK/config.toml" "$port"
exposition=$(curl -fs "$EXPORTER_URL/metrics" | wc -c)

cat >"$WORK/readers.py" <<'PY'
import select, signal, socket, sys, threading

port, readers = int(sys.argv[1]), int(sys.argv[2])
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
connections = [0]
lock = threading.Lock()

def read_slowly(kind):
    request = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * (2 if kind == "pipelined" else 1)
    while not stop.is_set():
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(request)
            with lock:
                connections[0] += 1
            # Only errors and hang-ups: told of a reset without reading what came before it.
            poll = select.poll()
            poll.register(s, select.POLLERR | select.POLLHUP)
            while not stop.is_set() and not poll.poll(1000):
                if kind == "trickle" and not s.recv(1):
                    break
        except OSError:
            pass
        finally:
            s.close()

threads = [threading.Thread(target=read_slowly, args=(("never", "trickle", "pipelined")[i % 3],))
           for i in range(readers)]
for t in threads:
    t.start()
while not stop.is_set():
    stop.wait(1)
for t in threads:
    t.join()
print(connections[0])
PY
python3 "$WORK/readers.py" "$port" "$READERS" >"$WORK/connections" &
readers_pid=$!
PIDS+=("$readers_pid")
# Every reader connected and its response stalled.
sleep 3

probe() { # PATH [HEADER...]: "seconds status [error]" of one request on a new connection
    local path=$1
    shift
    curl -s -o /dev/null -m 10 "$@" -w '%{time_total} %{http_code} %{errormsg}\n' "$EXPORTER_URL$path" || true
}
ticks_before=$(cpu_ticks "$EXPORTER_PID")
started=$(date +%s.%N)
for _ in $(seq 1 "$PROBES"); do
    probe /-/healthy >>"$WORK/healthy"
    probe /-/ready >>"$WORK/ready"
    probe /metrics -H "Accept-Encoding: gzip" >>"$WORK/scrape"
    sleep 0.5
done
# Cores the exporter kept busy while probed: the cost of the readers' churn.
cores=$(awk -v t="$(($(cpu_ticks "$EXPORTER_PID") - ticks_before))" -v hz="$(getconf CLK_TCK)" \
    -v from="$started" -v to="$(date +%s.%N)" 'BEGIN { printf "%.2f", t / hz / (to - from) }')
fds=$(find "/proc/$EXPORTER_PID/fd" -mindepth 1 | wc -l)
rss=$(rss_mb "$EXPORTER_PID")
kill "$readers_pid"
wait "$readers_pid"

summary() { # FILE: "p50 / max ms, failed" (failed: not 200 within PROBE_TIMEOUT), failures on stderr
    awk -v limit="$PROBE_TIMEOUT" -v name="${1##*/}" '$2 != 200 || $1 > limit { print name ": " $0 > "/dev/stderr" }' "$1"
    sort -n "$1" | awk -v limit="$PROBE_TIMEOUT" '
        { t[NR] = $1 * 1000; if ($2 != 200 || $1 > limit) failed++ }
        END { printf "%.0f / %.0f ms, %d of %d failed", t[int((NR + 1) / 2)], t[NR], failed, NR }'
}
echo "| customers | exposition MB | slow readers | reader connections | /-/healthy p50 / max, failed | /-/ready p50 / max, failed | gzip scrape p50 / max, failed | exporter cores busy | exporter fds / RSS MB at the end |"
echo "|---|---|---|---|---|---|---|---|---|"
echo "| $N | $(awk -v b="$exposition" 'BEGIN { printf "%.1f", b / 1048576 }') | $READERS | $(cat "$WORK/connections") | $(summary "$WORK/healthy") | $(summary "$WORK/ready") | $(summary "$WORK/scrape") | $cores | $fds / $rss |"
