#!/usr/bin/env bash
# POST /oauth/client_check over HTTP with wrk, for both kinds of client, on the
# memory store (docs/client-check.md):
#   registered  a client registered here, checked with its secret and a redirect URI
#   document    a Client ID Metadata Document served over HTTPS by a local
#               server made here (a throwaway CA, --cimd-allow-loopback), kept
#               in the cache for the whole run, checked with a redirect URI
#   public      a registered public client (no credential): the check without a hash
# Prints one JSON object (also written to OUT): requests/s, non-2xx answers,
# latency percentiles and server CPU per request of each run. Figures are
# measured, never asserted.
#
#   benchmarks/client_check.sh [SECONDS] [OUT]   (defaults: 10, benchmarks/results-client-check.json)
#   OAUTHREG=path/to/oauthreg THREADS=2 WRK_THREADS=2 CONNECTIONS=32 benchmarks/client_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
out="${2:-benchmarks/results-client-check.json}"
bin="${OAUTHREG:-build/tools/oauthreg}"
threads="${THREADS:-2}"
wrk_threads="${WRK_THREADS:-2}"
connections="${CONNECTIONS:-32}"
work=$(mktemp -d)
server="" docs=""
source scripts/serve-lib.sh
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; [ -n "$docs" ] && kill "$docs" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# A CA and a certificate for 127.0.0.1, and a document server on a free port.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=bench-ca \
    -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
    -keyout "$work/doc.key" -out "$work/doc.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$work/san.ext"
openssl x509 -req -in "$work/doc.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 1 \
    -extfile "$work/san.ext" -out "$work/doc.pem" 2>/dev/null
python3 - "$work" <<'PY' &
import http.server, json, ssl, sys
work = sys.argv[1]
class Docs(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = "https://127.0.0.1:%d%s" % (self.server.server_port, self.path)
        body = json.dumps({"client_id": url, "client_name": "bench", "redirect_uris": ["https://app.example/cb"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "max-age=86400")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Docs)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(work + "/doc.pem", work + "/doc.key")
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(work + "/docs.port", "w").write(str(srv.server_port))
srv.serve_forever()
PY
docs=$!
while [ ! -s "$work/docs.port" ]; do sleep 0.05; done
doc_url="https://127.0.0.1:$(cat "$work/docs.port")/client.json"

as_key="bench-authorization-server-key-0123456789"
m_key="bench-management-key-0123456789abcdef"
printf '{"keys":[{"key":"%s","org_id":"bench","user_id":"u"},{"key":"%s","role":"authorization_server"}]}' \
    "$m_key" "$as_key" > "$work/keys.json"
start_server "$bin" "$work" --listen 127.0.0.1:0 --threads "$threads" --max-connections-per-peer 0 \
    --api-keys "$work/keys.json" --cimd --cimd-allow-loopback --cimd-ca-file "$work/ca.pem"

cat > "$work/check.lua" <<'LUA'
wrk.method = "POST"
wrk.body = os.getenv("OAUTHREG_BODY")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("OAUTHREG_KEY")
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  local s = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"requests_per_s":%.0f,"non_2xx":%d,"latency_us":{"p50":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.requests / s, summary.errors.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
LUA
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$server/stat"; }
run_check() { # BODY
    local before after line
    before=$(server_cpu)
    line=$(OAUTHREG_KEY="$as_key" OAUTHREG_BODY="$1" wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" \
        -s "$work/check.lua" "$url/oauth/client_check" | tail -n 1)
    after=$(server_cpu)
    python3 -c 'import json, sys
r = json.loads(sys.argv[1]); cpu = float(sys.argv[3]) - float(sys.argv[2])
r["server_cpu_us_per_request"] = round(cpu * 1e6 / r["requests"], 1) if r["requests"] else None
print(json.dumps(r, separators=(",", ":")))' "$line" "$before" "$after"
}
register() { # BODY: the registration answer's client_id and client_secret, space-separated
    curl -sS -X POST "$url/oauth/register" -H "Authorization: Bearer $m_key" -H 'Content-Type: application/json' \
        -d "$1" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["client_id"], d.get("client_secret", ""))'
}
read -r id secret <<< "$(register '{"redirect_uris":["https://app.example/cb"]}')"
read -r public_id _ <<< "$(register '{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"none"}')"
registered=$(run_check "{\"client_id\":\"$id\",\"client_secret\":\"$secret\",\"redirect_uri\":\"https://app.example/cb\"}")
public=$(run_check "{\"client_id\":\"$public_id\",\"redirect_uri\":\"https://app.example/cb\"}")
document=$(run_check "{\"client_id\":\"$doc_url\",\"redirect_uri\":\"https://app.example/cb\"}")
echo "registered: $registered" >&2
echo "public: $public" >&2
echo "document: $document" >&2
results="{\"registered\":$registered,\"public\":$public,\"document\":$document,\"seconds\":$seconds,"
results="$results\"connections\":$connections,\"server_threads\":$threads,\"cores\":$(nproc)}"
echo "$results" | python3 -m json.tool --compact > "$out"
cat "$out"
