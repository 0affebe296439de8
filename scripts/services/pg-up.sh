#!/usr/bin/env bash
# Starts a private PostgreSQL (Debian's packages, no systemd, no pg_ctlcluster) on 127.0.0.1 for
# tests and benchmarks, and prints its URL on the last line. Idempotent: initdb once per base
# directory; start only when nothing answers on the port.
#
#   scripts/services/pg-up.sh                 # base /tmp/ferry-pg, port 55432
#   PG_BASE=DIR PG_PORT=N PG_DB=NAME PG_PASSWORD=PW scripts/services/pg-up.sh
#   scripts/services/pg-down.sh               # stops it (PG_WIPE=1 also deletes DIR)
#
# Installs postgresql (Debian) when it is missing and we are root. initdb refuses to run as root,
# so as root the server runs as the postgres user, and DIR is handed to it.
set -euo pipefail
BASE=${PG_BASE:-/tmp/ferry-pg}; PORT=${PG_PORT:-55432}; DB=${PG_DB:-ferry}; PW=${PG_PASSWORD:-ferry}

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(bindir)" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends postgresql >/dev/null
  else
    echo "pg-up: PostgreSQL is not installed; apt-get install postgresql" >&2; exit 1
  fi
fi
BIN=$(bindir)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

mkdir -p "$BASE"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$BASE" && chmod 700 "$BASE"
if [ ! -s "$BASE/data/PG_VERSION" ]; then
  pwfile="$BASE/.pw"
  printf '%s\n' "$PW" > "$pwfile"
  [ "$(id -u)" = 0 ] && chown postgres "$pwfile"
  as_pg "$BIN/initdb" -D "$BASE/data" -U postgres --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$BASE/initdb.log" 2>&1 \
    || { rm -f "$pwfile"; cat "$BASE/initdb.log" >&2; exit 1; }
  rm -f "$pwfile"
  cat >> "$BASE/data/postgresql.conf" <<EOC
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$BASE'
# a throwaway server for tests: durability traded for speed
fsync = off
synchronous_commit = off
full_page_writes = off
EOC
fi
if ! as_pg "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  as_pg "$BIN/pg_ctl" -D "$BASE/data" -l "$BASE/server.log" -w -t 60 start >/dev/null \
    || { tail -20 "$BASE/server.log" >&2; exit 1; }
fi
# the database, through the local socket (trust), so no password goes over the command line
if ! as_pg "$BIN/psql" -qAt -h "$BASE" -p "$PORT" -U postgres -d postgres -c "select 1 from pg_database where datname='$DB'" | grep -q 1; then
  as_pg "$BIN/psql" -q -h "$BASE" -p "$PORT" -U postgres -d postgres -c "create database \"$DB\"" >/dev/null
fi
echo "postgresql://postgres:$PW@127.0.0.1:$PORT/$DB"
