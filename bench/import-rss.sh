#!/usr/bin/env bash
# Peak memory of importing a large single-layer docker-archive: `ferry import` vs `skopeo copy`.
#
#   bench/import-rss.sh [SIZE_GIB]     (default 4)
#
# Input (generated once, cached in $FERRY_BENCH_DIR): a docker-archive with one uncompressed layer of SIZE_GIB GiB
# of random files. Peak RSS is /usr/bin/time's "Maximum resident set size" of the whole command (for ./ferry the
# launcher execs the JVM, so it is the JVM's). Target: Ferry below 300 MB. Wall times are printed too.
. "$(dirname "$0")/import-docker-archive.sh"
SIZE_GIB=${1:-4}
ARCHIVE=$BENCH_DIR/import-rss-${SIZE_GIB}g.docker.tar

bench_build
gen_archive "$ARCHIVE" $((SIZE_GIB * 1024)) 1 0
res=$BENCH_WORK/rss.$$
rm -f "$res.ferry" "$res.skopeo"
bench_header "peak RSS importing a $SIZE_GIB GiB single-layer docker-archive ($(stat -c %s "$ARCHIVE") bytes)"
echo "# skopeo: $(skopeo --version)"
printf '%-4s %-8s %8s %10s %8s  %s\n' run tool seconds rss_kib rss_mb load
for ((i = 1; i <= BENCH_RUNS; i++)); do
  rm -rf "$BENCH_WORK/store" "$BENCH_WORK/oci"
  bench_time "$res.ferry" "${FERRY[@]}" --store "$BENCH_WORK/store" import "$ARCHIVE"
  read -r s k c < <(tail -1 "$res.ferry")
  printf '%-4s %-8s %8s %10s %8s  %s\n' "$i" ferry "$s" "$k" $((k * 1024 / 1000000)) "$(bench_load)"
  rm -rf "$BENCH_WORK/store"
  bench_time "$res.skopeo" skopeo copy -q "docker-archive:$ARCHIVE" "oci:$BENCH_WORK/oci:x"
  read -r s k c < <(tail -1 "$res.skopeo")
  printf '%-4s %-8s %8s %10s %8s  %s\n' "$i" skopeo "$s" "$k" $((k * 1024 / 1000000)) "$(bench_load)"
  rm -rf "$BENCH_WORK/oci"
done
fk=$(bench_median "$res.ferry" 2); pk=$(bench_median "$res.skopeo" 2)
fs=$(bench_median "$res.ferry" 1); ps=$(bench_median "$res.skopeo" 1)
echo "median peak RSS: ferry $((${fk%.*} * 1024 / 1000000)) MB  skopeo $((${pk%.*} * 1024 / 1000000)) MB  (target: ferry < 300 MB)"
echo "median wall: ferry ${fs}s  skopeo ${ps}s  ratio ferry/skopeo $(awk -v a="$fs" -v b="$ps" 'BEGIN{printf "%.2f", a/b}')"
echo "# load average at end: $(bench_load)"
rm -f "$res.ferry" "$res.skopeo"
