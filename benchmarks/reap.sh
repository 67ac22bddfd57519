#!/usr/bin/env bash
# `oauthreg reap` beside a live `oauthreg serve` under registration load, on
# SQLite or PostgreSQL (issue 29). Figures are measured, never asserted; the
# correctness check (what the reap deleted, what is left) does fail the script.
#
#   benchmarks/reap.sh BIN sqlite|postgres [CLIENTS] [SECONDS]    (defaults: 100000, 20)
#   WRK_THREADS=2 CONNECTIONS=32 REAP_DELAY=3 benchmarks/reap.sh build/tools/oauthreg sqlite
#
# 1. A template store: CLIENTS registrations through `oauthreg run` (origin
#    "registration"), then aged 40 days by an UPDATE of created_at and
#    updated_at (the columns the reaper reads, with last_used_at, which is 0).
#    On PostgreSQL the template is a database, copied by CREATE DATABASE ...
#    TEMPLATE, and filled with synchronous_commit off (PGOPTIONS, for `run`
#    only; the measured server and reaps run with the defaults).
# 2. Alone: a copy of the template, no server; `reap --idle 30`, timed.
# 3. Under load: another copy, `serve` on it with its defaults, then three wrk
#    runs on POST /oauth/register (WRK_THREADS threads, CONNECTIONS
#    connections): SECONDS without the reap ("before"); then `reap --idle 30`
#    started REAP_DELAY seconds into a run that stops when the reap ends
#    ("during"); SECONDS without it again ("after"). Besides wrk's figures, the
#    server's access log gives registrations per second and latency (its `us`,
#    first byte read to last byte written) over each run and inside the reap's
#    own window.
# 4. Check: the reap printed {"deleted": CLIENTS} each time; after the load the
#    store holds exactly the registrations the server answered 201 (its access
#    log) and no aged client.
#
# postgres without OAUTHREG_TEST_PG runs itself under scripts/with-postgres.sh
# (a throwaway cluster); with it, that server is used (the role must be
# allowed CREATE DATABASE; databases named oauthreg_reap_* are dropped and made).
# Needs wrk, python3, and sqlite3 or psql.
set -euo pipefail
script="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
[ $# -ge 2 ] || { sed -n '5,6p' "$script" >&2; exit 2; }
bin=$(realpath "$1")
kind="$2"
clients="${3:-100000}"
seconds="${4:-20}"
wrk_threads="${WRK_THREADS:-2}"
connections="${CONNECTIONS:-32}"
delay="${REAP_DELAY:-3}"
idle_days=30
age_days=40
cd "$(dirname "$script")/.."
case "$kind" in
sqlite) ;;
postgres)
    if [ -z "${OAUTHREG_TEST_PG:-}" ]; then
        exec scripts/with-postgres.sh "$script" "$@"
    fi
    ;;
*) echo "reap.sh: store must be sqlite or postgres" >&2; exit 2 ;;
esac

loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d)
server=""
source scripts/serve-lib.sh
cleanup() {
    [ -f "$work/during.pid" ] && kill "$(cat "$work/during.pid")" 2>/dev/null || true
    [ -n "$server" ] && kill "$server" 2>/dev/null || true
    if [ "$kind" = postgres ]; then
        for db in oauthreg_reap_template oauthreg_reap_alone oauthreg_reap_load; do
            psql_ "$pg_base dbname=postgres" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
        done
    fi
    rm -rf "$work"
}
# The server's conninfo without its dbname; each database is named after it.
pg_base=$(sed -E 's/(^| )dbname=[^ ]*//' <<< "${OAUTHREG_TEST_PG:-}")
trap cleanup EXIT
log() { echo "reap.sh: $*" >&2; }
now() { date +%s.%N; }
psql_() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# store_uri NAME / sql NAME QUERY: one store of this kind (a file, a database).
store_uri() {
    if [ "$kind" = sqlite ]; then echo "sqlite:$work/$1.db"; else echo "postgres:$pg_base dbname=oauthreg_reap_$1"; fi
}
sql() {
    if [ "$kind" = sqlite ]; then sqlite3 "$work/$1.db" "$2"; else psql_ -tA "$pg_base dbname=oauthreg_reap_$1" -c "$2"; fi
}
# copy NAME: a fresh copy of the template.
copy() {
    if [ "$kind" = sqlite ]; then
        cp "$work/template.db" "$work/$1.db"
    else
        psql_ "$pg_base dbname=postgres" -c "DROP DATABASE IF EXISTS oauthreg_reap_$1" \
            -c "CREATE DATABASE oauthreg_reap_$1 TEMPLATE oauthreg_reap_template" >/dev/null
    fi
}

body='{"redirect_uris":["https://example.com/callback"],"client_name":"My OAuth Application","grant_types":["authorization_code","refresh_token"],"scope":"admin"}'

# 1. The template.
log "registering $clients clients on $kind"
if [ "$kind" = postgres ]; then
    psql_ "$pg_base dbname=postgres" -c "DROP DATABASE IF EXISTS oauthreg_reap_template" \
        -c "CREATE DATABASE oauthreg_reap_template" >/dev/null
fi
t0=$(now)
ok=$(python3 -c 'import sys; sys.stdout.write(("{\"op\":\"register\",\"request\":%s}\n" % sys.argv[1]) * int(sys.argv[2]))' \
        "$body" "$clients" |
    PGOPTIONS="-c synchronous_commit=off" "$bin" run --store "$(store_uri template)" | grep -c '"ok":true' || true)
[ "$ok" = "$clients" ] || { log "only $ok of $clients registrations succeeded"; exit 1; }
log "registered in $(python3 -c "print(round($(now) - $t0, 1))") s; aging them $age_days days"
sql template "UPDATE oauth_clients SET created_at = created_at - $age_days * 86400,
    updated_at = updated_at - $age_days * 86400 WHERE origin = 'registration'" >/dev/null
if [ "$kind" = sqlite ]; then
    sql template "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
else
    sql template "VACUUM ANALYZE oauth_clients" >/dev/null
fi
# Clients idle for idle_days or more: what a reap must take, and leave none of.
idle_count() {
    local cutoff=$(($(date +%s) - idle_days * 86400))
    sql "$1" "SELECT count(*) FROM oauth_clients WHERE created_at < $cutoff AND last_used_at < $cutoff"
}
aged=$(idle_count template)
[ "$aged" = "$clients" ] || { log "$aged aged clients, expected $clients"; exit 1; }

# reap_timed NAME OUT: runs the reap on that store, writes "START END OUTPUT" to OUT.
reap_timed() {
    local start end output
    start=$(now)
    output=$("$bin" reap --store "$(store_uri "$1")" --idle "$idle_days")
    end=$(now)
    echo "$start $end $output" > "$2"
}

# 2. Alone.
copy alone
log "reap alone"
reap_timed alone "$work/reap-alone"
alone_left=$(sql alone "SELECT count(*) FROM oauth_clients")

# 3. Under load.
cat > "$work/register.lua" <<'LUA'
wrk.method = "POST"
wrk.body = os.getenv("OAUTHREG_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("OAUTHREG_KEY")
done = function(summary, latency, requests)
  local s = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"requests_per_s":%.0f,"non_2xx":%d,' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"p99_9":%d,"max":%d}}\n',
    summary.requests, s, summary.requests / s, summary.errors.status,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max))
end
LUA
# run_wrk NAME [DURATION]: one wrk run; its figures go to NAME.json, its start
# and end to NAME.time. wrk stops early on SIGINT and still reports.
run_wrk() {
    local start
    start=$(now)
    OAUTHREG_KEY="$key" OAUTHREG_BODY="$body" wrk -t"$wrk_threads" -c"$connections" -d"${2:-$seconds}s" \
        -s "$work/register.lua" "$url/oauth/register" > "$work/$1.out" &
    echo $! > "$work/$1.pid"
    wait $!
    echo "$start $(now)" > "$work/$1.time"
    tail -n 1 "$work/$1.out" > "$work/$1.json"
}
copy load
start_server "$bin" "$work" --listen 127.0.0.1:0 --store "$(store_uri load)"
log "load: wrk without the reap"
run_wrk before
log "load: wrk with the reap starting ${delay}s in, until the reap ends"
run_wrk during 3600 &
loader=$!
sleep "$delay"
reap_timed load "$work/reap-load"
kill -INT "$(cat "$work/during.pid")"
wait "$loader"
rm "$work/during.pid"
log "load: wrk without the reap, again"
run_wrk after
kill -TERM "$server"
wait "$server" || true
server=""
load_left=$(sql load "SELECT count(*) FROM oauth_clients")
load_idle=$(idle_count load)

# 4. Figures and the check.
python3 - "$work" "$kind" "$clients" "$alone_left" "$load_left" "$load_idle" \
    "$seconds" "$wrk_threads" "$connections" "$delay" "$loadavg_before" <<'PY'
import datetime, json, os, platform, sys
work, kind, clients, alone_left, load_left, load_idle = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7])

def reap(name):
    start, end, output = open(os.path.join(work, name)).read().split(" ", 2)
    start, end = float(start), float(end)
    return {"seconds": round(end - start, 3), "deleted": json.loads(output)["deleted"],
            "clients_per_s": round(json.loads(output)["deleted"] / (end - start)), "start": start, "end": end}

# The server's access log: (time, status, us) of each POST /oauth/register.
log = []
for line in open(os.path.join(work, "access.log")):
    r = json.loads(line)
    if r.get("path") == "/oauth/register":
        ts = datetime.datetime.strptime(r["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
        log.append((ts.timestamp(), r["status"], r["us"]))

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else None

def window(start, end):
    rows = [x for x in log if start <= x[0] < end]
    us = [x[2] for x in rows]
    return {"seconds": round(end - start, 3), "registrations_per_s": round(sum(1 for x in rows if x[1] == 201) / (end - start)),
            "non_201": sum(1 for x in rows if x[1] != 201), "p50_us": pct(us, 50), "p99_us": pct(us, 99)}

alone, load = reap("reap-alone"), reap("reap-load")
runs = {}
for name in ("before", "during", "after"):
    start, end = map(float, open(os.path.join(work, name + ".time")).read().split())
    runs[name] = {"wrk": json.loads(open(os.path.join(work, name + ".json")).read()), "server_log": window(start, end)}
    if name == "during":
        runs[name]["reap_window"] = window(load["start"], load["end"])
registered = sum(1 for x in log if x[1] == 201)
check = {
    "alone_deleted": alone["deleted"], "alone_left": alone_left,
    "load_deleted": load["deleted"], "load_left": load_left, "load_registered_201": registered,
    "load_idle_left": load_idle,
}
check["ok"] = (alone["deleted"] == clients and alone_left == 0 and load["deleted"] == clients
               and load_left == registered and load_idle == 0)
for r in (alone, load):
    del r["start"], r["end"]
settings = dict(zip(("seconds", "wrk_threads", "connections", "reap_delay"),
                    (float(x) if "." in x else int(x) for x in sys.argv[7:11])))
out = {"store": kind, "aged_clients": clients, "settings": settings, "reap_alone": alone, "reap_under_load": load,
       "runs": runs, "check": check, "cores": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
       "loadavg_before": sys.argv[11].split(), "loadavg_after": open("/proc/loadavg").read().split()[:3]}
print(json.dumps(out, separators=(",", ":")))

def row(name):
    w, s = runs[name]["wrk"], runs[name]["server_log"]
    return "%-7s wrk %6d reg/s p50 %6.1f ms p99 %6.1f ms | server log %6d reg/s p50 %6.1f ms p99 %6.1f ms" % (
        name, w["requests_per_s"], w["latency_us"]["p50"] / 1e3, w["latency_us"]["p99"] / 1e3,
        s["registrations_per_s"], s["p50_us"] / 1e3, s["p99_us"] / 1e3)
print("%s: reap of %d aged clients alone %.2f s (%d clients/s), under load %.2f s (%d clients/s)" % (
      kind, clients, alone["seconds"], alone["clients_per_s"], load["seconds"], load["clients_per_s"]), file=sys.stderr)
for name in ("before", "during", "after"):
    print(row(name), file=sys.stderr)
w = runs["during"]["reap_window"]
print("reap window (%.2f s): server log %d reg/s p50 %.1f ms p99 %.1f ms" % (
      w["seconds"], w["registrations_per_s"], w["p50_us"] / 1e3, w["p99_us"] / 1e3), file=sys.stderr)
print("check: %s (reaped %d and %d of %d; after the load %d rows = %d registered, %d idle left)" % (
      "ok" if check["ok"] else "FAILED", alone["deleted"], load["deleted"], clients, load_left, registered, load_idle),
      file=sys.stderr)
sys.exit(0 if check["ok"] else 1)
PY
