#!/usr/bin/env bash
# Layer from a directory: `ferry image from-rootfs` (gzip-1 and zstd-3) vs `tar -cf - . | gzip -1` and
# `tar -cf - . | zstd -3`; also Ferry with `--zstd-workers 0` (zstd on the writer's own thread, the old default).
#
#   bench/layer-throughput.sh [SIZE_MIB]     (default 1024)
#
# Input (generated once by gen-tree.py, cached in $FERRY_BENCH_DIR): a mixed tree of SIZE_MIB MiB, ~25% small text
# files, ~40% large random files, ~35% large log files. The tree is read once before timing (warm page cache).
# Ferry writes into a fresh store (tar + diffID + compression + digest + store write, then config and manifest);
# the peer pipelines write a file on the same file system and hash nothing. Ferry's times are the CLI's wall time,
# JVM start-up included. Throughput = apparent size of the tree's files / wall seconds.
. "$(dirname "$0")/lib.sh"
bench_require python3 tar gzip zstd /usr/bin/time
SIZE_MIB=${1:-1024}
TREE=$BENCH_DIR/tree-${SIZE_MIB}m

if [ ! -f "$TREE.done" ]; then
  echo "generating $TREE ..." >&2
  rm -rf "$TREE"
  python3 "$(dirname "$0")/gen-tree.py" "$TREE" "$SIZE_MIB"
  touch "$TREE.done"
fi

bench_build
BYTES=$(find "$TREE" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
FILES=$(find "$TREE" -type f | wc -l)
find "$TREE" -type f -exec cat {} + >/dev/null   # warm the page cache

res=$BENCH_WORK/layer.$$
WORKERS=false   # an older build (FERRY_BENCH_CLI) may lack the option
"${FERRY[@]}" --store "$BENCH_WORK/probe" image from-rootfs /nonexistent -t probe:1 --zstd-workers 1 2>&1 |
  grep -q "Unknown option" || WORKERS=true
rm -rf "$BENCH_WORK/probe"
bench_header "layer from a $SIZE_MIB MiB tree ($BYTES bytes in $FILES files)"
echo "# gzip: $(gzip --version | head -1); zstd: $(zstd --version); tar: $(tar --version | head -1)"
printf '%-4s %-22s %8s %8s %9s %10s  %s\n' run side seconds cpu_s MiB/s out_MiB load

run_side() {   # run_side NAME CMD...
  local name=$1 out s k
  shift
  rm -rf "$BENCH_WORK/store" "$BENCH_WORK/out"
  bench_time "$res.$name" "$@"
  read -r s k c < <(tail -1 "$res.$name")
  if [ -d "$BENCH_WORK/store" ]; then out=$(du -sb "$BENCH_WORK/store" | cut -f1); else out=$(stat -c %s "$BENCH_WORK/out"); fi
  printf '%-4s %-22s %8s %8s %9s %10s  %s\n' "$i" "$name" "$s" "$c" \
    "$(awk -v b="$BYTES" -v s="$s" 'BEGIN{printf "%.0f", b/1048576/s}')" $((out / 1048576)) "$(bench_load)"
}

for ((i = 1; i <= BENCH_RUNS; i++)); do
  run_side ferry-gzip1 "${FERRY[@]}" --store "$BENCH_WORK/store" image from-rootfs "$TREE" -t bench/layer:gzip --compression gzip --level 1
  run_side tar-gzip1 bash -c "tar -C '$TREE' -cf - . | gzip -1 > '$BENCH_WORK/out'"
  run_side ferry-zstd3 "${FERRY[@]}" --store "$BENCH_WORK/store" image from-rootfs "$TREE" -t bench/layer:zstd --compression zstd --level 3
  run_side tar-zstd3 bash -c "tar -C '$TREE' -cf - . | zstd -3 -q -c > '$BENCH_WORK/out'"
  # zstd compresses on one worker per core by default; --zstd-workers 0 is the single-threaded mode (another blob).
  $WORKERS && run_side ferry-zstd3-single "${FERRY[@]}" --store "$BENCH_WORK/store" image from-rootfs "$TREE" -t bench/layer:zstd --compression zstd --level 3 --zstd-workers 0
done
rm -rf "$BENCH_WORK/store" "$BENCH_WORK/out"

mbps() { awk -v b="$BYTES" -v s="$1" 'BEGIN{printf "%.0f", b/1048576/s}'; }
fg=$(bench_median "$res.ferry-gzip1" 1); pg=$(bench_median "$res.tar-gzip1" 1)
fz=$(bench_median "$res.ferry-zstd3" 1); pz=$(bench_median "$res.tar-zstd3" 1)
echo "median gzip-1: ferry ${fg}s ($(mbps "$fg") MiB/s)  tar|gzip -1 ${pg}s ($(mbps "$pg") MiB/s)  throughput ratio ferry/peer $(awk -v a="$fg" -v b="$pg" 'BEGIN{printf "%.2f", b/a}') (target >= 1.00)"
echo "median zstd-3: ferry ${fz}s ($(mbps "$fz") MiB/s)  tar|zstd -3 ${pz}s ($(mbps "$pz") MiB/s)  throughput ratio ferry/peer $(awk -v a="$fz" -v b="$pz" 'BEGIN{printf "%.2f", b/a}') (target: ferry >= 200 MiB/s)"
if $WORKERS; then
  fw=$(bench_median "$res.ferry-zstd3-single" 1)
  echo "median zstd-3 --zstd-workers 0 (single-threaded, another blob): ferry ${fw}s ($(mbps "$fw") MiB/s)  ratio vs tar|zstd -3 $(awk -v a="$fw" -v b="$pz" 'BEGIN{printf "%.2f", b/a}')"
fi
echo "# load average at end: $(bench_load)"
rm -f "$res".*
