#!/usr/bin/env bash
# Stops the PostgreSQL that pg-up.sh started in PG_BASE (default /tmp/ferry-pg); PG_WIPE=1 also
# deletes that directory.
set -euo pipefail
BASE=${PG_BASE:-/tmp/ferry-pg}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ -n "$BIN" ] && [ -s "$BASE/data/postmaster.pid" ]; then
  as_pg "$BIN/pg_ctl" -D "$BASE/data" -m fast -w stop >/dev/null
fi
[ "${PG_WIPE:-0}" = 1 ] && rm -rf "$BASE"
exit 0
