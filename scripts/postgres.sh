#!/usr/bin/env bash
# Start or stop a throw-away PostgreSQL server on loopback for the storage tests.
#   scripts/postgres.sh start   -> prints the database URL (also written to var/pg/url)
#   scripts/postgres.sh stop
# Data lives in a fresh temporary directory (its path is kept in var/pg/dir); the URL is
# written to var/pg/url. Port: $HER2PATH_PG_PORT (default 54329). initdb refuses to run as
# root, so as root the server runs as the `postgres` system user (hence a directory under
# /tmp, which that user can reach even when the checkout is under /root).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="$ROOT/var/pg"
PORT="${HER2PATH_PG_PORT:-54329}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"

if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
    echo "postgres.sh: PostgreSQL server binaries not found; run scripts/setup-system.sh" >&2
    exit 1
fi

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

stop() {
    [ -f "$STATE/dir" ] || return 0
    local dir
    dir="$(cat "$STATE/dir")"
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir" "$STATE/dir" "$STATE/url"
}

case "${1:-}" in
start)
    stop
    mkdir -p "$STATE"
    DIR="$(mktemp -d "${TMPDIR:-/tmp}/her2path-pg.XXXXXX")"
    echo "$DIR" > "$STATE/dir"
    mkdir -p "$DIR/run"
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$DIR"; fi
    as_owner "$BIN/initdb" -D "$DIR/data" -U her2path --auth=trust -E UTF8 --no-locale >/dev/null
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR/run -c fsync=on" start >/dev/null
    as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U her2path her2path_test
    URL="postgresql://her2path@127.0.0.1:$PORT/her2path_test"
    echo "$URL" > "$STATE/url"
    echo "$URL"
    ;;
stop)
    stop
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
