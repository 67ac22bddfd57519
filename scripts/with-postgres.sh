#!/usr/bin/env bash
# with-postgres.sh CMD [ARGS...]: runs CMD with a throwaway PostgreSQL cluster
# on a free loopback port, exported as OAUTHREG_TEST_PG (a libpq conninfo),
# then stops the cluster and deletes it, whatever CMD did.
#
# The cluster runs as an unprivileged user (initdb refuses root): the current
# user, or a system user `oauthreg-pg` created for it when run as root.
# If OAUTHREG_TEST_PG is already set, CMD runs against that server instead.
# Without a PostgreSQL server installed, CMD runs without one (its tests skip
# outside CI and fail in CI).
set -euo pipefail

if [ -n "${OAUTHREG_TEST_PG:-}" ]; then
    exec "$@"
fi
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "with-postgres: no PostgreSQL server found under /usr/lib/postgresql; running without one" >&2
    exec "$@"
fi

dir=$(mktemp -d /tmp/oauthreg-pg.XXXXXX)
as_user=()
if [ "$(id -u)" = 0 ]; then
    id oauthreg-pg >/dev/null 2>&1 ||
        useradd --system --no-create-home --shell /usr/sbin/nologin oauthreg-pg
    chown oauthreg-pg "$dir"
    as_user=(runuser -u oauthreg-pg --)
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
    "${as_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT

"${as_user[@]}" "$bindir/initdb" -D "$dir/data" -U oauthreg --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
"${as_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
export OAUTHREG_TEST_PG="host=127.0.0.1 port=$port user=oauthreg dbname=postgres connect_timeout=10"
echo "with-postgres: throwaway cluster $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2

set +e
"$@"
rc=$?
set -e
exit $rc
