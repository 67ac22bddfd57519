#!/usr/bin/env bash
# The figures docs/scaling.md sizes a deployment with, on the PostgreSQL server
# of OAUTHREG_TEST_PG (run under scripts/with-postgres.sh):
#   commits   pgbench: one INSERT per transaction (a registration's shape: one
#             row, one durable commit), CLIENTS connections, SECONDS
#   N=1, N=2  `oauthreg serve` instances on one fresh database behind HAProxy
#             (round robin, the config of tests/cli/test_serve_failover.py,
#             serve.py's haproxy_config),
#             wrk POST /oauth/register through HAProxy for SECONDS, 64
#             connections: registrations/s, the instances' CPU per request,
#             and PostgreSQL's (every process of the cluster, from /proc) per
#             request
# Prints one JSON object (also written to OUT). Figures are measured, never asserted.
#
#   scripts/with-postgres.sh benchmarks/scaling.sh [SECONDS] [OUT]   (defaults: 10, scaling.json)
#   OAUTHREG=path/to/oauthreg THREADS=1 CONNECTIONS=64 CLIENTS=64 scripts/with-postgres.sh benchmarks/scaling.sh
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
out="${2:-scaling.json}"
bin="${OAUTHREG:-build/tools/oauthreg}"
threads="${THREADS:-1}"
connections="${CONNECTIONS:-64}"
clients="${CLIENTS:-64}"
[ -n "${OAUTHREG_TEST_PG:-}" ] || { echo "scaling.sh: OAUTHREG_TEST_PG unset (run under scripts/with-postgres.sh)" >&2; exit 2; }
export PGOPTIONS="-c client_min_messages=warning"
work=$(mktemp -d)
servers=()
proxy=""
db="oauthreg_scaling_$$"
source scripts/serve-lib.sh
cleanup() {
    for p in "${servers[@]}" $proxy; do kill "$p" 2>/dev/null || true; done
    psql "$OAUTHREG_TEST_PG" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
api_key="scaling-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '{"keys": [{"key": "%s", "org_id": "bench", "user_id": "wrk"}]}\n' "$api_key" > "$work/keys.json"
body='{"redirect_uris":["https://example.com/callback"],"client_name":"My OAuth Application","grant_types":["authorization_code","refresh_token"],"scope":"admin"}'

# CPU seconds (user + system) of the given pids, from /proc.
cpu_of() { local hz; hz=$(getconf CLK_TCK); cat $(printf '/proc/%s/stat ' "$@") 2>/dev/null |
    awk -v hz="$hz" '{ s += $14 + $15 } END { printf "%.2f", s / hz }'; }
# Every process of the PostgreSQL cluster (the postmaster owning the port, and its children).
pg_pids() {
    local port master
    port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<< "$OAUTHREG_TEST_PG")
    master=$(pgrep -f "postgres -D .* -p $port " | head -n 1)
    echo "$master" $(pgrep -P "$master")
}

# commits/s: pgbench, one INSERT a transaction.
psql "$OAUTHREG_TEST_PG" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >/dev/null
psql "$OAUTHREG_TEST_PG dbname=$db" -q -c "CREATE TABLE commits (id bigserial PRIMARY KEY, v text)" >/dev/null
echo 'INSERT INTO commits (v) VALUES (md5(random()::text));' > "$work/insert.sql"
commits=$(pgbench -n -c "$clients" -j 2 -T "$seconds" -f "$work/insert.sql" "$OAUTHREG_TEST_PG dbname=$db" 2>/dev/null |
    sed -n 's/^tps = \([0-9.]*\).*/\1/p')
echo "pgbench, $clients connections, one INSERT per commit: $commits commits/s" >&2
psql "$OAUTHREG_TEST_PG dbname=$db" -q -c "DROP TABLE commits" >/dev/null

cat > "$work/bench.lua" <<'LUA'
wrk.method = "POST"
wrk.body = os.getenv("OAUTHREG_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("OAUTHREG_KEY")
done = function(summary, latency, requests)
  io.write(string.format('{"requests":%d,"seconds":%.3f,"requests_per_s":%.0f,"non_2xx":%d,"socket_errors":%d,' ..
    '"latency_us":{"p50":%d,"p99":%d}}\n', summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
LUA

results="{\"commits_per_s\":$commits,\"pgbench_connections\":$clients"
for n in 1 2; do
    servers=()
    addresses=()
    for i in $(seq "$n"); do
        mkdir -p "$work/s$i"
        start_server "$bin" "$work/s$i" --listen 127.0.0.1:0 --threads "$threads" --max-connections-per-peer 0 \
            --api-keys "$work/keys.json" --store "postgres:$OAUTHREG_TEST_PG dbname=$db"
        servers+=("$server")
        addresses+=("${url#http://}")
    done
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    python3 -c 'import sys; sys.path.insert(0, "tests/cli"); from serve import haproxy_config
print(haproxy_config(int(sys.argv[1]), [("s%d" % i, a) for i, a in enumerate(sys.argv[2:])]), end="")' \
        "$port" "${addresses[@]}" > "$work/haproxy.cfg"
    haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
    proxy=$!
    until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.1; done
    sleep 0.5  # every server through its first health checks (rise 2, 200 ms)
    pgs=$(pg_pids)
    before=$(cpu_of "${servers[@]}")
    pg_before=$(cpu_of $pgs)
    line=$(OAUTHREG_KEY="$api_key" OAUTHREG_BODY="$body" wrk -t2 -c"$connections" -d"${seconds}s" -s "$work/bench.lua" \
        "http://127.0.0.1:$port/oauth/register" | tail -n 1)
    after=$(cpu_of "${servers[@]}")
    pg_after=$(cpu_of $pgs)
    run=$(python3 -c 'import json, sys
r = json.loads(sys.argv[1]); n = r["requests"] or 1
r["instances_cpu_us_per_request"] = round((float(sys.argv[3]) - float(sys.argv[2])) * 1e6 / n, 1)
r["postgres_cpu_us_per_request"] = round((float(sys.argv[5]) - float(sys.argv[4])) * 1e6 / n, 1)
print(json.dumps(r, separators=(",", ":")))' "$line" "$before" "$after" "$pg_before" "$pg_after")
    echo "$n instance(s) behind HAProxy, POST /oauth/register: $run" >&2
    results="$results,\"instances_$n\":$run"
    kill "$proxy"; wait "$proxy" || true; proxy=""
    for p in "${servers[@]}"; do kill -TERM "$p"; wait "$p" || true; done
    servers=()
done
cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)
results="$results,\"seconds\":$seconds,\"connections\":$connections,\"server_threads\":$threads,\"cores\":$(nproc),\"cpu\":\"$cpu\",\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
echo "$results" | python3 -m json.tool --compact > "$out"
cat "$out"
