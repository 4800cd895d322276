#!/usr/bin/env bash
# What a platform costs: the exporter runs PLATFORMS platforms of CUSTOMERS customers each, every
# collector on at its default schedule, as an operator's configuration would have them (only
# name, base_url, auth "none" and, over HTTPS, tls.ca_file set), against nginx serving every
# endpoint: the customer list, each customer's license information and details, the
# number-removal summary and the services list. For 1 platform and for PLATFORMS it prints when
# every collector of every platform had run once, the highest resident size (VmRSS) sampled
# five times a second from start until WINDOW seconds had passed and every first run had ended,
# the kernel's high-water mark (VmHWM: the peak at any moment, between samples too), VmRSS once
# the first runs had ended and SETTLE seconds later, and what each platform beyond the first adds.
#
#   scripts/bench/platforms.sh [PLATFORMS [CUSTOMERS]]     default: 1000 5
#   BUILD=glibc scripts/bench/platforms.sh                 the glibc build (scripts/bench/common.sh)
#   SCHEME=http scripts/bench/platforms.sh                 plain HTTP instead of HTTPS
#   ADDRESSES=one scripts/bench/platforms.sh               every platform on one server (127.0.0.1)
#   SETTLE=10 scripts/bench/platforms.sh                   the last reading 10 s later (default 5)
#   WINDOW=60 scripts/bench/platforms.sh                   sample at least 60 s (the default)
#
# By default the platforms are reached over HTTPS, with the certificate of a private CA that
# each platform's [platforms.tls] ca_file names, as one configures an API whose certificate no
# public CA issued. Each platform has a server of its own, as real platforms do: nginx listens
# on an address of 127.0.0.0/8 per platform (127.1.0.1, 127.1.0.2, ...), so that no connection
# serves two platforms; with ADDRESSES=one they all share 127.0.0.1 (and so their connections),
# as platforms behind one address do. Needs nginx and openssl (Debian packages; installed when
# missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/../.."

PLATFORMS=${1:-1000}
CUSTOMERS=${2:-5}
# Seconds to wait, once every first run ended, before the second reading.
SETTLE=${SETTLE:-5}
SCHEME=${SCHEME:-https}
ADDRESSES=${ADDRESSES:-many}
# Seconds from start over which the resident size is sampled, at least.
WINDOW=${WINDOW:-60}
case "$ADDRESSES" in one | many) ;; *)
    echo "ADDRESSES must be one or many, not $ADDRESSES" >&2
    exit 1
    ;;
esac

. scripts/bench/common.sh
need nginx nginx
need curl curl
need python3 python3
build_binaries

# host I: platform I's address.
if [ "$ADDRESSES" = one ]; then
    host() { echo 127.0.0.1; }
    NGINX_HOSTS=""
else
    host() { echo "127.1.$(($1 / 256)).$(($1 % 256))"; }
    NGINX_HOSTS=$(for i in $(seq 1 "$PLATFORMS"); do host "$i"; done)
fi
[ "$SCHEME" = https ] && NGINX_TLS=1
start_nginx
if [ "$SCHEME" = https ]; then
    port=$NGINX_TLS_PORT
    tls=$(printf '[platforms.tls]\nca_file = "%s"\n' "$WORK/tls/ca.pem")
else
    port=$NGINX_PORT
    tls=""
fi
API=$WORK/www/tenantui/api
mkdir -p "$API/v3/customer" "$API/v3/oc/numbers/removal-status" "$API/ovoc/v1/topology/services"
# The list and the per-customer answers share the path `customer`: the list is customer.json,
# which nginx serves for .../customer (see start_nginx's try_files).
"$GEN" "$CUSTOMERS" >"$API/v3/customer.json"
"$GEN" --services "$CUSTOMERS" >"$API/ovoc/v1/topology/services/index.json"
echo '{"markedForRemovalCount": 4, "readyForRemovalCount": 2, "totalCount": 6}' \
    >"$API/v3/oc/numbers/removal-status/summary"
# Each customer's details (its list record, an app registration and one SIP connection), its
# license information (one record) and two Operator Connect numbers (one page, which nginx
# serves whatever page is asked), in the shapes of the demo platform's (src/collectors/*/demo.rs).
python3 - "$API/v3" <<'EOF'
import json, os, sys
api = sys.argv[1]
for i, customer in enumerate(json.load(open(os.path.join(api, "customer.json")))):
    guid = customer["UmpCustomerGuid"]
    details = dict(customer, MsDefaultDomain="example.onmicrosoft.example",
                   ApplicationClientId="00000000-0000-4000-8000-%012d" % i,
                   ClientSecretExpirationDate="2/18/2027 8:39:26 AM",
                   SiteLocation=[{"id": i, "name": "Site 0", "sbcId": 100 + i,
                                  "sbcDeploymentState": "Deployed",
                                  "sbcConfigurationType": "SipTrunk"}])
    json.dump(details, open(os.path.join(api, "customer", guid + ".json"), "w"))
    os.makedirs(os.path.join(api, "customer", guid), exist_ok=True)
    json.dump([{"acquiredLicenses": 20 + i, "totalMonitoredUsers": str(10 + i),
                "currentlyLicensed": 10 + i, "managedUsersDirectRouting": 4,
                "managedUsersOperatorConnect": 3, "managedUsersByLifeCycleManagement": 2,
                "managedUsersUserInterface": 1, "managedServiceNumbers": i % 4,
                "lastUpdate": "2024-05-01T06:00:00.0202209+00:00",
                "licenseSettingsFlagsLevel": 2}],
              open(os.path.join(api, "customer", guid, "licenseinfo"), "w"))
customers = json.load(open(os.path.join(api, "customer.json")))
numbers = [{"id": n, "umpCustomerGuid": customer["UmpCustomerGuid"],
            "telephoneNumber": "+1555010%04d" % n, "acquiredNumberStatus": n % 2,
            "acquiredCapabilities": ["InboundCalling", "OutboundCalling", "UserAssignment"],
            "isoCountryCode": "US", "assignmentStatus": "UserAssigned"}
           for n, customer in enumerate(c for c in customers for _ in range(2))]
json.dump({"currentPage": 1, "pageSize": 200, "totalPages": 1, "totalRecords": len(numbers),
           "data": numbers}, open(os.path.join(api, "oc", "numbers.json"), "w"))
EOF

COLLECTORS=(customers number_removal license_info customer_details services oc_numbers)

# run N: the exporter with N platforms; sets DONE (seconds until every first run had ended),
# MAX (the highest VmRSS sampled until WINDOW seconds had passed and every first run had ended),
# HWM (VmHWM then), FIRST (VmRSS once every first run ended) and SETTLED (SETTLE seconds later),
# in MB.
run() {
    local platforms=$1 config=$WORK/config.toml log=$WORK/log i
    {
        printf '[server]\nlisten = "127.0.0.1:%s"\n[log]\nlevel = "warn"\n' "$(free_port)"
        for i in $(seq 1 "$platforms"); do
            printf '[[platforms]]\nname = "platform-%05d"\nbase_url = "%s://%s:%s/tenantui"\n' \
                "$i" "$SCHEME" "$(host "$i")" "$port"
            printf '[platforms.auth]\nkind = "none"\n%s\n' "$tls"
        done
    } >"$config"
    # A collector's first success is logged at info level.
    : >"$log"
    NO_COLOR=1 RUST_LOG=warn,liveplatform_exporter::collect::scheduler=info \
        "$EXPORTER" --config "$config" 2>"$log" &
    local pid=$! started=$SECONDS deadline=$((SECONDS + 300)) collector done rss
    PIDS+=("$pid")
    MAX=0 DONE="" FIRST=""
    while :; do
        rss=$(rss_mb "$pid")
        MAX=$(awk -v a="$MAX" -v b="$rss" 'BEGIN { print (b > a ? b : a) }')
        if [ "$SECONDS" -gt "$deadline" ]; then
            echo "timed out; the exporter's log:" >&2
            tail -n 50 "$log" >&2
            exit 1
        fi
        kill -0 "$pid" 2>/dev/null || { echo "the exporter exited:" >&2; cat "$log" >&2; exit 1; }
        if grep -q "run failed\|run crashed" "$log"; then
            echo "a run failed:" >&2
            grep "run failed\|run crashed" "$log" | head -n 5 >&2
            exit 1
        fi
        if [ -z "$DONE" ]; then
            done=0
            for collector in "${COLLECTORS[@]}"; do
                if [ "$(grep "run succeeded" "$log" | grep -c "collector=$collector ")" -ge "$platforms" ]; then
                    done=$((done + 1))
                fi
            done
            if [ "$done" -eq "${#COLLECTORS[@]}" ]; then
                DONE=$((SECONDS - started))
                FIRST=$rss
            fi
        fi
        [ -n "$DONE" ] && [ $((SECONDS - started)) -ge "$WINDOW" ] && break
        sleep 0.2
    done
    HWM=$(peak_rss_mb "$pid")
    sleep "$SETTLE"
    SETTLED=$(rss_mb "$pid")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}

echo "$SCHEME, ADDRESSES=$ADDRESSES"
echo "| platforms | customers each | first runs ended after s | highest VmRSS sampled MB | VmHWM MB | VmRSS after the first runs MB | ${SETTLE} s after the sampling MB |"
echo "|---|---|---|---|---|---|---|"
run 1
one=$SETTLED
echo "| 1 | $CUSTOMERS | $DONE | $MAX | $HWM | $FIRST | $SETTLED |"
run "$PLATFORMS"
echo "| $PLATFORMS | $CUSTOMERS | $DONE | $MAX | $HWM | $FIRST | $SETTLED |"
awk -v n="$PLATFORMS" -v a="$one" -v b="$SETTLED" \
    'BEGIN { printf "each platform beyond the first: %.0f KB (settled)\n", (b - a) * 1024 / (n - 1) }'
