#!/usr/bin/env bash
# HTTP throughput and latency of `oauthreg serve`, measured with wrk (Debian's
# `wrk`, installed by scripts/install-deps.sh). For each store (memory, then a
# fresh SQLite file) a fresh server is started and driven for SECONDS each by:
#   register  POST /oauth/register, keep-alive, 64 connections
#   get       GET /oauth_clients/{id} of one registered client, 64 connections
# Then, on memory: the same two over HTTPS (a self-signed P-256 certificate made
# here), new TLS connections per second (GET /healthz with Connection: close),
# and the two plain runs again with the rate limits set high enough never to
# trigger and the metrics listener on ("limited"): what limits and metrics cost.
# Prints one JSON object (also written to OUT): requests/s, non-2xx answers and
# latency percentiles per run. Figures are measured, never asserted.
#
#   benchmarks/http.sh [SECONDS] [OUT]        (defaults: 10, benchmarks/results-http.json)
#   OAUTHREG=path/to/oauthreg THREADS=2 WRK_THREADS=2 CONNECTIONS=64 benchmarks/http.sh
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
read -r -a serve_args <<< "${SERVE_ARGS---max-connections-per-peer 0}"
work=$(mktemp -d)
server=""
source scripts/serve-lib.sh
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

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
print(json.dumps(r, separators=(",", ":")))' "$line" "$before" "$after"
}

body='{"redirect_uris":["https://example.com/callback"],"client_name":"My OAuth Application","grant_types":["authorization_code","refresh_token"],"scope":"admin"}'
results="{"
for store in memory sqlite; do
    uri="$store"
    [ "$store" = sqlite ] && uri="sqlite:$work/clients.db"
    start_server "$bin" "$work" --listen 127.0.0.1:0 --threads "$threads" --store "$uri" "${serve_args[@]}"
    register=$(run_wrk /oauth/register "$body")
    id=$(curl -sS -X POST "$url/oauth/register" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
        -d "$body" | python3 -c 'import json, sys; print(json.load(sys.stdin)["client_id"])')
    get=$(run_wrk "/oauth_clients/$id" "")
    stop_server
    echo "$store register: $register" >&2
    echo "$store get: $get" >&2
    results="$results\"$store\":{\"register\":$register,\"get\":$get},"
done
# HTTPS, handshakes, and limits with metrics, all on memory.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
for variant in tls limited; do
    extra=(--tls-cert "$work/cert.pem" --tls-key "$work/key.pem")
    [ "$variant" = limited ] && extra=(--rate-limit 1000000 --register-rate-limit 1000000 --metrics-listen 127.0.0.1:0)
    start_server "$bin" "$work" --listen 127.0.0.1:0 --threads "$threads" --store memory "${serve_args[@]}" "${extra[@]}"
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
for run in ("register", "get"):
    print("memory %s: HTTPS / HTTP = %.2f, limited / plain = %.2f" % (run,
          r["memory_tls"][run]["requests_per_s"] / r["memory"][run]["requests_per_s"],
          r["memory_limited"][run]["requests_per_s"] / r["memory"][run]["requests_per_s"]))
print("memory: new TLS connections per second %.0f" % r["memory_tls"]["new_connections"]["requests_per_s"])
PY
machine=$(python3 -c 'import os, platform; print(platform.processor() or platform.machine())')
cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)
results="$results\"seconds\":$seconds,\"connections\":$connections,\"server_threads\":$threads,\"wrk_threads\":$wrk_threads,\"cores\":$(nproc),\"cpu\":\"$cpu\",\"loadavg_before\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
echo "$results" | python3 -m json.tool --compact > "$out"
cat "$out"
