# Sourced by scripts that drive `oauthreg serve`: start_server BIN OUTDIR ARGS...
# starts it in the background, waits for its ready line (never a fixed sleep)
# and sets $server (its pid), $ready (the line), $url and $key ("" with --api-keys).
# The access log goes to OUTDIR/access.log.
start_server() {
    local bin="$1" dir="$2"
    shift 2
    rm -f "$dir/ready"  # else a previous server's line may be read before the new one truncates it
    "$bin" serve "$@" >"$dir/ready" 2>"$dir/access.log" &
    server=$!
    ready=""
    while [ -z "$ready" ]; do
        kill -0 "$server" 2>/dev/null || { echo "oauthreg serve did not start:" >&2; cat "$dir/access.log" >&2; exit 1; }
        ready=$(head -n 1 "$dir/ready" 2>/dev/null || true)
        [ -n "$ready" ] || sleep 0.05
    done
    url=$(json_field "$ready" listening)
    key=$(json_field "$ready" api_key)
}

# json_field JSON NAME: a top-level member of a JSON object ("" when absent).
json_field() { python3 -c 'import json, sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$1" "$2"; }
