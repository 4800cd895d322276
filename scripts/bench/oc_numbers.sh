#!/usr/bin/env bash
# The number inventory's peak RSS: `--once` of the exporter on a platform of 2,000 customers
# and N Operator Connect numbers (default 100,000) in pages of PAGE_SIZE (default 1000), RUNS
# times, against a stand-in API (Python, on loopback) that pages by the query as the vendor
# documents it, every field a server sends (telephone number, profiles, SBCs, tenant) in each
# record. Prints each run's wall time and peak RSS, and the bytes of one page.
#
#   scripts/bench/oc_numbers.sh [N]                      default: 100000
#   PAGE_SIZE=200 RUNS=5 scripts/bench/oc_numbers.sh
#   BUILD=glibc scripts/bench/oc_numbers.sh              the glibc build (scripts/bench/common.sh)
#
# Needs python3 and GNU time (Debian packages; installed when missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/../.."

N=${1:-100000}
PAGE_SIZE=${PAGE_SIZE:-1000}
RUNS=${RUNS:-3}
CUSTOMERS=2000

. scripts/bench/common.sh
need python3 python3
need /usr/bin/time time
build_binaries

"$GEN" "$CUSTOMERS" >"$WORK/customers.json"
port=$(free_port)
python3 - "$port" "$WORK/customers.json" "$N" <<'PY' &
import http.server, json, sys, urllib.parse

port, customers_file, total = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
customers = open(customers_file, "rb").read()
ids = [c["UmpCustomerGuid"] for c in json.loads(customers)]
statuses = [0, 0, 0, 1, 2, 3, "Active", "Release Requested"]
assignments = ["Unassigned", "UserAssigned", "ConferenceAssigned", "VoiceApp"]
countries = ["GB", "US", "de", "FR", "XX1"]

def number(i):
    return {
        "id": i + 1, "umpCustomerGuid": ids[i % len(ids)], "umpCustomerFullName": "Customer",
        "msCompanyName": "Company", "telephoneNumber": "+44%010d" % i,
        "acquiredNumberStatus": statuses[i % len(statuses)],
        "acquiredCapabilities": ["InboundCalling", "OutboundCalling", "UserAssignment"],
        "availableCapabilities": ["InboundCalling", "OutboundCalling", "UserAssignment", "Mobile"],
        "sbcList": [{"sbcName": "sbc-%d" % (i % 7), "sbcId": i % 7}],
        "callingProfileId": "cp-%d" % (i % 13), "tenantCallingProfileId": "tcp-%d" % (i % 11),
        "ocSipConnectionName": "sip-%d" % (i % 5), "ovocChannelId": 42,
        "consentedOn": "2024-05-01T06:00:00.0202209+00:00",
        "whenCreated": "2024-04-03T13:32:12.82872Z", "source": "webapi",
        "uploadTelephoneNumberEntryId": i, "uploadToAccountJobId": i // 100,
        "acquiredOn": "2024-04-03T13:32:12.82872Z", "isoCountryCode": countries[i % len(countries)],
        "assignmentStatus": assignments[i % len(assignments)], "locationId": None,
        "civicAddressId": None, "tenantId": "00000000-0000-4000-8000-000000000000",
    }

class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path == "/api/v3/customer":
            return self.send(customers)
        if url.path != "/api/v3/oc/numbers":
            self.send_response(404)
            self.end_headers()
            return
        query = urllib.parse.parse_qs(url.query)
        page, size = int(query["pageNumber"][0]), int(query["pageSize"][0])
        first = (page - 1) * size
        data = [number(i) for i in range(first, min(first + size, total))]
        pages = (total + size - 1) // size
        self.send(json.dumps({"currentPage": page, "pageSize": size, "totalPages": pages,
                              "totalRecords": total, "data": data}).encode())

http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
PY
PIDS+=($!)
base="http://127.0.0.1:$port"
for _ in $(seq 50); do curl -fs "$base/api/v3/customer" >/dev/null && break; sleep 0.1; done
write_config "$WORK/oc.toml" "$(free_port)" "$base" 1h oc_numbers
printf '[platforms.collectors.oc_numbers]\npage_size = %s\ntimeout = "15m"\n' "$PAGE_SIZE" >>"$WORK/oc.toml"
echo "one page: $(curl -fs "$base/api/v3/oc/numbers?pageNumber=1&pageSize=$PAGE_SIZE" | wc -c) bytes"
for _ in $(seq "$RUNS"); do
    start=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$WORK/rss" "$EXPORTER" --config "$WORK/oc.toml" --once >"$WORK/out.prom"
    end=$(date +%s%N)
    echo "oc_numbers N=$N page_size=$PAGE_SIZE: $(((end - start) / 1000000)) ms, peak RSS $(awk '{ printf "%.1f", $1 / 1024 }' "$WORK/rss") MB, $(grep -c '^liveplatform_customer_oc_numbers{' "$WORK/out.prom") series"
done
