# shellcheck shell=bash
# Shared by the bench/*.sh scripts: cache dir, tool checks, timing, medians, tables.
#
#   FERRY_BENCH_DIR   where generated inputs are cached and reused (default ~/.cache/ferry/bench)
#   FERRY_BENCH_RUNS  runs per side (default 3); Ferry and the peer alternate
#   FERRY_BENCH_WORK  scratch for outputs of each run (default $FERRY_BENCH_DIR/work), emptied per run
#   FERRY_BENCH_CLI   the ferry launcher to measure (default: ./ferry of this checkout), e.g. an older build
set -euo pipefail

BENCH_ROOT=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${FERRY_BENCH_DIR:-$HOME/.cache/ferry/bench}
BENCH_RUNS=${FERRY_BENCH_RUNS:-3}
BENCH_WORK=${FERRY_BENCH_WORK:-$BENCH_DIR/work}
mkdir -p "$BENCH_DIR" "$BENCH_WORK"

# bench_require TOOL... : exit 2 naming the first missing tool.
bench_require() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || { echo "bench: required tool '$t' is not installed" >&2; exit 2; }
  done
}

# "${FERRY[@]}" ARGS... : the CLI of this checkout, built once up front (see bench_build); an array, not a
# function, so that /usr/bin/time can run it.
FERRY=(env FERRY_NO_BUILD=1 "${FERRY_BENCH_CLI:-$BENCH_ROOT/ferry}")

bench_build() {
  "${FERRY_BENCH_CLI:-$BENCH_ROOT/ferry}" --version >/dev/null
}

# bench_random SEED BYTES : deterministic incompressible bytes on stdout (AES-128-CTR over zeros).
bench_random() {
  local key
  key=$(printf '%s' "ferry-bench-$1" | sha256sum | cut -c1-32)
  head -c "$2" /dev/zero | openssl enc -aes-128-ctr -nosalt -K "$key" -iv 00000000000000000000000000000000 2>/dev/null
}

# bench_tar OUT DIR NAMES... : reproducible GNU tar of NAMES inside DIR.
bench_tar() {
  local out=$1 dir=$2
  shift 2
  tar -C "$dir" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf "$out" "$@"
}

# bench_time OUTFILE CMD... : runs CMD, appends "wall_seconds max_rss_kib cpu_seconds" (user + sys) to OUTFILE;
# CMD's output goes to the log. CPU seconds are less disturbed by other load on a shared machine than wall time.
bench_time() {
  local out=$1
  shift
  sync
  /usr/bin/time -f '%e %M %U %S' -o "$out.one" "$@" >>"$BENCH_WORK/log" 2>&1 || {
    echo "bench: command failed: $* (log: $BENCH_WORK/log)" >&2
    tail -20 "$BENCH_WORK/log" >&2
    exit 1
  }
  awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' "$out.one" >>"$out"
  rm -f "$out.one"
}

# bench_median FILE COLUMN : median of a column of numbers.
bench_median() {
  awk -v c="$2" '{print $c}' "$1" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'
}

bench_load() { cut -d' ' -f1-3 /proc/loadavg; }

bench_header() {
  echo "# $1"
  echo "# date: $(date -u +%Y-%m-%dT%H:%MZ)  host: $(nproc) cores, $(awk '/MemTotal/{printf "%d MiB", $2/1024}' /proc/meminfo)"
  echo "# ferry: $("${FERRY[@]}" --version 2>&1 | head -1)"
  echo "# load average at start: $(bench_load)"
}

# registry_start / registry_stop: an empty CNCF distribution (docker-registry) on $REG (set by the caller to
# 127.0.0.1:PORT), on a fresh directory under $BENCH_WORK; REG_PID holds its process.
REG_PID=
registry_start() {
  registry_stop
  rm -rf "$BENCH_WORK/registry"
  mkdir -p "$BENCH_WORK/registry/data"
  cat >"$BENCH_WORK/registry/config.yml" <<EOC
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $BENCH_WORK/registry/data}, delete: {enabled: true}}
http: {addr: $REG, secret: bench}
EOC
  docker-registry serve "$BENCH_WORK/registry/config.yml" >"$BENCH_WORK/registry/log" 2>&1 &
  REG_PID=$!
  for _ in $(seq 100); do curl -sf -o /dev/null "http://$REG/v2/" && return 0; sleep 0.05; done
  echo "bench: docker-registry did not start (log: $BENCH_WORK/registry/log)" >&2
  exit 1
}
registry_stop() { if [ -n "$REG_PID" ]; then kill "$REG_PID" 2>/dev/null || true; wait "$REG_PID" 2>/dev/null || true; REG_PID=; fi; }

# bench_free_port: a free TCP port on 127.0.0.1.
bench_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
