#!/usr/bin/env bash
# Runs every benchmark with its default size, one after the other; each prints its own table and ratio.
#   bench/run-all.sh            (FERRY_BENCH_DIR, FERRY_BENCH_RUNS as in bench/lib.sh)
set -euo pipefail
here=$(dirname "$0")
status=0
for b in startup.sh import-docker-archive.sh layer-throughput.sh import-rss.sh registry-client.sh registry-server.sh build.sh python.sh bundle.sh globalfunc.sh; do
  echo "=== $b"
  "$here/$b" || status=$?
  echo
done
exit $status
