#!/usr/bin/env bash
# HTTP throughput and latency of `oauthreg serve`, measured with wrk (Debian's
# `wrk`, installed by scripts/install-deps.sh). For each store (memory, a fresh
# SQLite file, and a fresh PostgreSQL database when OAUTHREG_TEST_PG holds a
# libpq conninfo, as under scripts/with-postgres.sh; without one PostgreSQL is
# skipped with a message) a fresh server is started and driven for SECONDS
# each by:
#   register  POST /oauth/register, keep-alive, 64 connections
#   get       GET /oauth_clients/{id} of one registered client, 64 connections
#   page      GET /oauth_clients?page[number]=1&page[size]=20 in an organization
#             of PAGE_CLIENTS clients (default 100000), 64 connections; they are
#             registered first, over HTTP by wrk (a second key, its own
#             organization), and the seeding's rate is reported with it
# Then, on memory: the same two over HTTPS (a self-signed P-256 certificate made
# here), new TLS connections per second (GET /healthz with Connection: close),
# and the two plain runs again with the rate limits set high enough never to
# trigger and the metrics listener on ("limited"): what limits and metrics cost.
# Prints one JSON object (also written to OUT): requests/s, non-2xx answers,
# latency percentiles, and the server's CPU per request per run. Figures are
# measured, never asserted.
#
#   benchmarks/http.sh [SECONDS] [OUT]        (defaults: 10, benchmarks/results-http.json)
#   scripts/with-postgres.sh benchmarks/http.sh   (with PostgreSQL)
#   OAUTHREG=path/to/oauthreg THREADS=2 WRK_THREADS=2 CONNECTIONS=64 PAGE_CLIENTS=100000 benchmarks/http.sh
#   STORES="postgres" benchmarks/http.sh      (some of memory, sqlite, postgres, tls, limited; default all)
# wrk's connections all come from one address: the server runs without the
# per-address cap (SERVE_ARGS, default "--max-connections-per-peer 0"; set it
# empty for a build older than that flag).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
out="${2:-benchmarks/results-http.json}"
bin="${OAUTHREG:-build/tools/oauthreg}"
threads="${THREADS:-2}"
wrk_threads="${WRK_THREADS:-2}"
connections="${CONNECTIONS:-64}"
page_clients="${PAGE_CLIENTS:-100000}"
stores="${STORES:-memory sqlite postgres tls limited}"
read -r -a serve_args <<< "${SERVE_ARGS---max-connections-per-peer 0}"
work=$(mktemp -d)
server=""
pg_db=""
source scripts/serve-lib.sh
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null
    [ -n "$pg_db" ] && psql "$OAUTHREG_TEST_PG" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
# Two keys: the runs' own organization, and the page run's of PAGE_CLIENTS clients.
bench_key="bench-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
page_key="page-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '{"keys": [{"key": "%s", "org_id": "bench", "user_id": "wrk"}, {"key": "%s", "org_id": "page", "user_id": "wrk"}]}\n' \
    "$bench_key" "$page_key" > "$work/keys.json"

# wrk script: one POST body or a GET, the key from the environment, and a JSON
# line of figures when done.
cat > "$work/bench.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("OAUTHREG_KEY")
if os.getenv("OAUTHREG_CLOSE") == "1" then
  wrk.headers["Connection"] = "close"
end
if os.getenv("OAUTHREG_BODY") ~= "" then
  wrk.method = "POST"
  wrk.body = os.getenv("OAUTHREG_BODY")
  wrk.headers["Content-Type"] = "application/json"
end
done = function(summary, latency, requests)
  local s = summary.duration / 1e6
  local non2xx = summary.errors.status
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"requests_per_s":%.0f,"non_2xx":%d,"socket_errors":%d,' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"p99_9":%d,"max":%d,"mean":%.0f}}\n',
    summary.requests, s, summary.requests / s, non2xx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean))
end
LUA

# wrk script that registers OAUTHREG_QUOTA clients per wrk thread, then stops.
cat > "$work/seed.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("OAUTHREG_KEY")
wrk.method = "POST"
wrk.body = os.getenv("OAUTHREG_BODY")
wrk.headers["Content-Type"] = "application/json"
local quota = tonumber(os.getenv("OAUTHREG_QUOTA"))
local answered = 0
response = function(status, headers, body)
  answered = answered + 1
  if answered >= quota then wrk.thread:stop() end
end
LUA

stop_server() {
    kill -TERM "$server"
    wait "$server" || true
    server=""
}

# CPU seconds the server has used so far (user + system, from /proc).
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$server/stat"; }

# One wrk run: its figures, plus the server's CPU seconds during it and the
# requests per server CPU second, a figure the machine's other load disturbs less.
run_wrk() { # PATH BODY
    local before after line
    before=$(server_cpu)
    line=$(OAUTHREG_KEY="$key" OAUTHREG_BODY="$2" OAUTHREG_CLOSE="${3:-0}" wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" \
        -s "$work/bench.lua" "$url$1" | tail -n 1)
    after=$(server_cpu)
    python3 -c 'import json, sys
r = json.loads(sys.argv[1]); cpu = float(sys.argv[3]) - float(sys.argv[2])
r["server_cpu_s"] = round(cpu, 2)
r["requests_per_server_cpu_s"] = round(r["requests"] / cpu) if cpu > 0 else None
r["server_cpu_us_per_request"] = round(cpu * 1e6 / r["requests"], 1) if r["requests"] else None
print(json.dumps(r, separators=(",", ":")))' "$line" "$before" "$after"
}

body='{"redirect_uris":["https://example.com/callback"],"client_name":"My OAuth Application","grant_types":["authorization_code","refresh_token"],"scope":"admin"}'

# Registers PAGE_CLIENTS clients in the page organization (wrk, each thread
# stopping after its quota; wrk itself runs to its -d, so it is interrupted
# once the organization holds them all), then prints the seeding's figures.
page_total() {
    curl -sS "$url/oauth_clients?page%5Bsize%5D=1" -H "Authorization: Bearer $page_key" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["meta"]["total_results"])'
}
seed_page_org() {
    local quota=$(( (page_clients + wrk_threads - 1) / wrk_threads )) start end wrk_pid total
    start=$(date +%s.%N)
    OAUTHREG_KEY="$page_key" OAUTHREG_BODY="$body" OAUTHREG_QUOTA="$quota" \
        wrk -t"$wrk_threads" -c"$connections" -d3600s -s "$work/seed.lua" "$url/oauth/register" > "$work/seed.out" &
    wrk_pid=$!
    while total=$(page_total) && [ "$total" -lt "$page_clients" ]; do
        kill -0 "$wrk_pid" 2>/dev/null || { echo "http.sh: seeding stopped at $total clients" >&2; exit 1; }
        sleep 0.5
    done
    end=$(date +%s.%N)
    kill -INT "$wrk_pid"
    wait "$wrk_pid" || true
    total=$(page_total)
    python3 -c 'import json, sys
s = float(sys.argv[2]) - float(sys.argv[1])
print(json.dumps({"clients": int(sys.argv[3]), "seconds": round(s, 1), "registrations_per_s": round(int(sys.argv[3]) / s)},
                 separators=(",", ":")))' "$start" "$end" "$total"
}

results="{"
for store in $stores; do
    case "$store" in memory|sqlite|postgres) ;; *) continue ;; esac
    uri="$store"
    [ "$store" = sqlite ] && uri="sqlite:$work/clients.db"
    if [ "$store" = postgres ]; then
        if [ -z "${OAUTHREG_TEST_PG:-}" ]; then
            echo "http.sh: no PostgreSQL (OAUTHREG_TEST_PG unset; run under scripts/with-postgres.sh): postgres skipped" >&2
            continue
        fi
        pg_db="oauthreg_http_bench_$$"
        PGOPTIONS="-c client_min_messages=warning" psql "$OAUTHREG_TEST_PG" -q -v ON_ERROR_STOP=1 \
            -c "DROP DATABASE IF EXISTS $pg_db" -c "CREATE DATABASE $pg_db" >/dev/null
        uri="postgres:$OAUTHREG_TEST_PG dbname=$pg_db"
    fi
    start_server "$bin" "$work" --listen 127.0.0.1:0 --threads "$threads" --store "$uri" --api-keys "$work/keys.json" \
        "${serve_args[@]}"
    key="$bench_key"
    register=$(run_wrk /oauth/register "$body")
    id=$(curl -sS -X POST "$url/oauth/register" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
        -d "$body" | python3 -c 'import json, sys; print(json.load(sys.stdin)["client_id"])')
    get=$(run_wrk "/oauth_clients/$id" "")
    echo "$store register: $register" >&2
    echo "$store get: $get" >&2
    seed=$(seed_page_org)
    echo "$store page seeding: $seed" >&2
    key="$page_key"
    page=$(run_wrk "/oauth_clients?page%5Bnumber%5D=1&page%5Bsize%5D=20" "")
    page=$(python3 -c 'import json, sys
r = json.loads(sys.argv[1]); r["seeding"] = json.loads(sys.argv[2]); print(json.dumps(r, separators=(",", ":")))' "$page" "$seed")
    echo "$store page: $page" >&2
    stop_server
    if [ "$store" = postgres ]; then
        psql "$OAUTHREG_TEST_PG" -qc "DROP DATABASE $pg_db" >/dev/null
        pg_db=""
    fi
    results="$results\"$store\":{\"register\":$register,\"get\":$get,\"page\":$page},"
done
# HTTPS, handshakes, and limits with metrics, all on memory.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
for variant in tls limited; do
    case " $stores " in *" $variant "*) ;; *) continue ;; esac
    extra=(--tls-cert "$work/cert.pem" --tls-key "$work/key.pem")
    [ "$variant" = limited ] && extra=(--rate-limit 1000000 --register-rate-limit 1000000 --metrics-listen 127.0.0.1:0)
    start_server "$bin" "$work" --listen 127.0.0.1:0 --threads "$threads" --store memory "${serve_args[@]}" "${extra[@]}"
    key="$(json_field "$ready" api_key)"
    register=$(run_wrk /oauth/register "$body")
    id=$(curl -sS -k -X POST "$url/oauth/register" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
        -d "$body" | python3 -c 'import json, sys; print(json.load(sys.stdin)["client_id"])')
    get=$(run_wrk "/oauth_clients/$id" "")
    entry="\"register\":$register,\"get\":$get"
    if [ "$variant" = tls ]; then
        handshakes=$(run_wrk /healthz "" 1)
        entry="$entry,\"new_connections\":$handshakes"
    fi
    stop_server
    echo "memory $variant: {$entry}" >&2
    results="$results\"memory_$variant\":{$entry},"
done
python3 - "$results" <<'PY' >&2
import json, sys
r = json.loads(sys.argv[1].rstrip(",") + "}")
if "memory" not in r or "memory_tls" not in r or "memory_limited" not in r:
    sys.exit(0)
for run in ("register", "get"):
    print("memory %s: HTTPS / HTTP = %.2f, limited / plain = %.2f" % (run,
          r["memory_tls"][run]["requests_per_s"] / r["memory"][run]["requests_per_s"],
          r["memory_limited"][run]["requests_per_s"] / r["memory"][run]["requests_per_s"]))
print("memory: new TLS connections per second %.0f" % r["memory_tls"]["new_connections"]["requests_per_s"])
PY
machine=$(python3 -c 'import os, platform; print(platform.processor() or platform.machine())')
cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)
results="$results\"seconds\":$seconds,\"connections\":$connections,\"server_threads\":$threads,\"wrk_threads\":$wrk_threads,\"page_clients\":$page_clients,\"cores\":$(nproc),\"cpu\":\"$cpu\",\"loadavg_before\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
echo "$results" | python3 -m json.tool --compact > "$out"
cat "$out"
