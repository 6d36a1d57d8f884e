#!/usr/bin/env bash
# Start a throwaway PostgreSQL on 127.0.0.1, export its URL as LIANGSHAN_TEST_PG_URL, run the
# given command, then stop and remove the cluster. Used by `make test`.
set -uo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$PGBIN" ]; then echo "PostgreSQL binaries not found (run: make sysdeps)" >&2; exit 1; fi
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PGROOT=$(mktemp -d /tmp/liangshan-pg.XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$PGROOT"; runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() { as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop >/dev/null 2>&1; rm -rf "$PGROOT"; }
trap cleanup EXIT
as_pg "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null || exit 1
as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGROOT -c fsync=off -c max_connections=200" start >/dev/null || {
  cat "$PGROOT/server.log" >&2; exit 1; }
export LIANGSHAN_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres"
"$@"
