#!/usr/bin/env bash
# Where a PostgreSQL registration's CPU goes: `oauthreg serve --store
# postgres:...` on a fresh database under wrk (POST /oauth/register, 64
# connections, 5 s warm-up, then 10 s measured), reporting registrations/s,
# the server's and PostgreSQL's CPU per registration (from /proc, every
# process of the cluster's user) and the WAL bytes each wrote. With
# PROFILE=1, a third run under load records `strace -c -f` of the server (4 s)
# and `perf record -g` of the server and of the cluster's processes (5 s each)
# into OUT (default: a temporary directory, kept). Figures are printed, never
# asserted (benchmarks/README.md, "Where a PostgreSQL registration goes").
#
#   scripts/with-postgres.sh benchmarks/pg_register_profile.sh
#   PROFILE=1 OUT=/tmp/pgprof scripts/with-postgres.sh benchmarks/pg_register_profile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${OAUTHREG:-build/tools/oauthreg}"
out="${OUT:-$(mktemp -d)}"
pg_user="${PG_USER:-oauthreg-pg}"  # scripts/with-postgres.sh's cluster user when run as root
: "${OAUTHREG_TEST_PG:?run under scripts/with-postgres.sh}"
mkdir -p "$out"
source scripts/serve-lib.sh
api_key="bench-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '{"keys": [{"key": "%s", "org_id": "bench", "user_id": "wrk"}]}\n' "$api_key" > "$out/keys.json"
cat > "$out/register.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("OAUTHREG_KEY")
wrk.method = "POST"
wrk.body = os.getenv("OAUTHREG_BODY")
wrk.headers["Content-Type"] = "application/json"
LUA
export OAUTHREG_KEY="$api_key"
export OAUTHREG_BODY='{"redirect_uris":["https://example.com/callback"],"client_name":"My OAuth Application","grant_types":["authorization_code","refresh_token"],"scope":"admin"}'
db="oauthreg_pg_profile_$$"
psql "$OAUTHREG_TEST_PG" -qc "CREATE DATABASE $db" >/dev/null
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; psql "$OAUTHREG_TEST_PG" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
start_server "$bin" "$out" --listen 127.0.0.1:0 --threads 2 --store "postgres:$OAUTHREG_TEST_PG dbname=$db" \
    --api-keys "$out/keys.json" --max-connections-per-peer 0
ticks() { for p in "$@"; do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done | awk '{s += $1} END {print s + 0}'; }
lsn() { psql "$OAUTHREG_TEST_PG" -Atc "SELECT pg_current_wal_lsn()"; }
load() { wrk -t2 -c64 -d"$1"s -s "$out/register.lua" "$url/oauth/register"; }
load 5 >/dev/null
s0=$(ticks "$server"); p0=$(ticks $(pgrep -u "$pg_user" postgres)); l0=$(lsn)
load 10 > "$out/wrk.txt"
s1=$(ticks "$server"); p1=$(ticks $(pgrep -u "$pg_user" postgres)); l1=$(lsn)
n=$(awk '/requests in/ {print $1}' "$out/wrk.txt")
hz=$(getconf CLK_TCK)
grep -q "Non-2xx" "$out/wrk.txt" && { echo "pg_register_profile: some answers were not 2xx:" >&2; cat "$out/wrk.txt" >&2; exit 1; }
wal=$(psql "$OAUTHREG_TEST_PG" -Atc "SELECT pg_wal_lsn_diff('$l1', '$l0')")
python3 -c 'import sys
n, s, p, hz, wal = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
print("registrations %d in 10 s (%.0f/s); CPU a registration: server %.0f us, PostgreSQL %.0f us; WAL %.0f bytes"
      % (n, n / 10, s * 1e6 / hz / n, p * 1e6 / hz / n, wal / n))' "$n" $((s1 - s0)) $((p1 - p0)) "$hz" "$wal"
if [ -n "${PROFILE:-}" ]; then
    load 16 > "$out/wrk-profiled.txt" &
    sleep 1
    timeout -s INT 4 strace -c -f -p "$server" -o "$out/strace.txt" 2>/dev/null || true
    perf record -q -g -o "$out/perf-server.data" -p "$server" -- sleep 5 >/dev/null 2>&1 || true
    perf record -q -g -o "$out/perf-postgres.data" --uid="$pg_user" -- sleep 5 >/dev/null 2>&1 || true
    wait
    echo "profiles in $out: strace.txt, perf-server.data, perf-postgres.data (perf report -i ... --no-children)"
fi
