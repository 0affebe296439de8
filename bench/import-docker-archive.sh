#!/usr/bin/env bash
# Import of a docker-archive into a fresh store: `ferry import` vs `skopeo copy docker-archive: oci:`.
#
#   bench/import-docker-archive.sh [SIZE_MIB]     (default 1024)
#
# Input (generated once, cached in $FERRY_BENCH_DIR): a docker-save style archive with a busybox layer and 4
# layers of random (incompressible) files, SIZE_MIB/4 MiB each, all uncompressed tars. Both tools read the archive
# from the page cache (warm) and write into a fresh directory on the same file system; `sync` runs before every
# timed command. Times are wall clock including JVM start-up. Prints a table and the median ratio Ferry/skopeo.
. "$(dirname "$0")/lib.sh"
bench_require skopeo openssl busybox tar sha256sum /usr/bin/time
SIZE_MIB=${1:-1024}
LAYERS=4
ARCHIVE=$BENCH_DIR/import-${SIZE_MIB}m.docker.tar

# gen_archive OUT SIZE_MIB NLAYERS WITH_BUSYBOX : deterministic docker-archive.
gen_archive() {
  local out=$1 size=$2 n=$3 busy=$4 st layers=() diffs=() l d f per files
  [ -f "$out" ] && return 0
  echo "generating $out ..." >&2
  st=$(mktemp -d "$BENCH_WORK/gen.XXXXXX")
  if [ "$busy" = 1 ]; then
    mkdir -p "$st/rootfs/bin"
    cp /usr/bin/busybox "$st/rootfs/bin/busybox"
    for f in sh ls cat echo mkdir rm cp mv; do ln -s busybox "$st/rootfs/bin/$f"; done
    bench_tar "$st/l0.tar" "$st/rootfs" bin
    layers+=("$st/l0.tar")
    rm -rf "$st/rootfs"
  fi
  per=$((size / n))
  files=$(( per >= 256 ? per / 64 : 4 ))   # files of 64 MiB (at least 4 per layer)
  for ((l = 1; l <= n; l++)); do
    mkdir -p "$st/rootfs/data/l$l"
    for ((f = 0; f < files; f++)); do
      bench_random "$size-$l-$f" $(( per * 1048576 / files )) >"$st/rootfs/data/l$l/f$f"
    done
    bench_tar "$st/l$l.tar" "$st/rootfs" data
    rm -rf "$st/rootfs"
    layers+=("$st/l$l.tar")
  done
  mkdir -p "$st/out"
  local names=() json_layers="" json_diffs="" cfg
  for l in "${layers[@]}"; do
    d=$(sha256sum "$l" | cut -c1-64)
    mkdir -p "$st/out/$d"
    mv "$l" "$st/out/$d/layer.tar"
    names+=("$d")
    json_layers+="${json_layers:+,}\"$d/layer.tar\""
    json_diffs+="${json_diffs:+,}\"sha256:$d\""
  done
  printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"created":"1970-01-01T00:00:00Z","rootfs":{"type":"layers","diff_ids":[%s]}}' \
    "$json_diffs" >"$st/out/config.tmp"
  cfg=$(sha256sum "$st/out/config.tmp" | cut -c1-64)
  mv "$st/out/config.tmp" "$st/out/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":["bench/import:%sm"],"Layers":[%s]}]' "$cfg" "$size" "$json_layers" >"$st/out/manifest.json"
  bench_tar "$out.tmp" "$st/out" "$cfg.json" "${names[@]}" manifest.json
  mv "$out.tmp" "$out"
  rm -rf "$st"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  bench_build
  gen_archive "$ARCHIVE" "$SIZE_MIB" "$LAYERS" 1
  cat "$ARCHIVE" >/dev/null   # warm the page cache for both tools
  res=$BENCH_WORK/import.$$
  rm -f "$res.ferry" "$res.skopeo"
  bench_header "import of a $SIZE_MIB MiB docker-archive ($(stat -c %s "$ARCHIVE") bytes): ferry import vs skopeo copy"
  echo "# skopeo: $(skopeo --version)"
  printf '%-4s %-8s %8s %8s %10s  %s\n' run tool seconds cpu_s rss_mib load
  for ((i = 1; i <= BENCH_RUNS; i++)); do
    rm -rf "$BENCH_WORK/store" "$BENCH_WORK/oci"
    bench_time "$res.ferry" "${FERRY[@]}" --store "$BENCH_WORK/store" import "$ARCHIVE"
    read -r s k c < <(tail -1 "$res.ferry")
    printf '%-4s %-8s %8s %8s %10s  %s\n' "$i" ferry "$s" "$c" $((k / 1024)) "$(bench_load)"
    rm -rf "$BENCH_WORK/store"
    bench_time "$res.skopeo" skopeo copy -q "docker-archive:$ARCHIVE" "oci:$BENCH_WORK/oci:x"
    read -r s k c < <(tail -1 "$res.skopeo")
    printf '%-4s %-8s %8s %8s %10s  %s\n' "$i" skopeo "$s" "$c" $((k / 1024)) "$(bench_load)"
    rm -rf "$BENCH_WORK/oci"
  done
  f=$(bench_median "$res.ferry" 1)
  p=$(bench_median "$res.skopeo" 1)
  echo "median: ferry ${f}s  skopeo ${p}s  ratio ferry/skopeo $(awk -v a="$f" -v b="$p" 'BEGIN{printf "%.2f", a/b}') (target <= 0.50)"
  fc=$(bench_median "$res.ferry" 3); pc=$(bench_median "$res.skopeo" 3)
  echo "median CPU (user+sys): ferry ${fc}s  skopeo ${pc}s  ratio $(awk -v a="$fc" -v b="$pc" 'BEGIN{printf "%.2f", a/b}')"
  echo "# load average at end: $(bench_load)"
  rm -f "$res.ferry" "$res.skopeo"
fi
