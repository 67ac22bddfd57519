#!/usr/bin/env bash
# Quick start: install the dependencies, build and install oauthreg into
# ./build/prefix, run an example session through `oauthreg run` on the default
# in-memory store, then start `oauthreg serve` on a free port and drive it with
# curl (register as in the seed, retrieve the oauth_client record, list,
# delete), printing each answer, and stop it; then the same over HTTPS with a
# certificate it makes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PWD/build/prefix"
cmake --build build -j2 --target oauthreg_cli
cmake --install build >/dev/null
echo "== ./build/prefix/bin/oauthreg run < examples/session.jsonl" >&2
./build/prefix/bin/oauthreg run < examples/session.jsonl

echo "== ./build/prefix/bin/oauthreg serve --listen 127.0.0.1:0" >&2
work=$(mktemp -d)
source scripts/serve-lib.sh
start_server ./build/prefix/bin/oauthreg "$work" --listen 127.0.0.1:0
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
echo "$ready"
show() { echo "== $*" >&2; curl -sS -g -w '\n(HTTP %{http_code})\n' "$@"; }

show -X POST "$url/oauth/register" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"redirect_uris":["https://example.com/callback"],"client_name":"My OAuth Application","grant_types":["authorization_code","refresh_token"],"scope":"admin"}' \
    | tee "$work/registered"
client_id=$(json_field "$(head -n 1 "$work/registered")" client_id)
show "$url/oauth_clients/$client_id" -H "Authorization: Bearer $key"
show "$url/oauth_clients?page[number]=1&page[size]=20" -H "Authorization: Bearer $key"
show -X DELETE "$url/oauth_clients/$client_id" -H "Authorization: Bearer $key"
show "$url/oauth_clients/$client_id" -H "Authorization: Bearer $key"

kill -TERM "$server"
wait "$server"
echo "== server stopped (exit $?); its access log:" >&2
cat "$work/access.log" >&2

# The same server over HTTPS, with a self-signed certificate made here (docs/operating.md).
echo "== openssl req -x509 ... ; ./build/prefix/bin/oauthreg serve --tls-cert cert.pem --tls-key key.pem" >&2
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
start_server ./build/prefix/bin/oauthreg "$work" --listen 127.0.0.1:0 --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"
echo "$ready"
show --cacert "$work/cert.pem" -X POST "$url/oauth/register" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' -d '{"redirect_uris":["https://example.com/callback"],"client_name":"Over TLS"}'
kill -TERM "$server"
wait "$server"
