#!/usr/bin/env bash
# Registry client: push and pull of one image to/from a loopback CNCF distribution (`docker-registry`),
# `ferry push`/`ferry pull` vs `skopeo copy`, in the same run on the same image.
#
#   bench/registry-client.sh [SIZE_MIB] [LAYERS]     (default 2048 MiB in 8 layers, as issue 3 measures)
#
# Input (generated once, cached in $FERRY_BENCH_DIR): a docker-archive of random layers (see
# import-docker-archive.sh), copied once by skopeo into an OCI layout, which gzips the layers; Ferry imports that
# layout, so both tools push the same gzip blobs and neither compresses anything during the timed runs. Each push
# goes to an empty registry (restarted on a fresh directory); each pull into an empty store / layout.
# Targets (issue 3): push wall time ferry/skopeo <= 0.85; pull <= 0.60.
. "$(dirname "$0")/import-docker-archive.sh"
bench_require docker-registry skopeo curl
SIZE_MIB=${1:-2048}
LAYERS=${2:-8}
ARCHIVE=$BENCH_DIR/registry-${SIZE_MIB}m-${LAYERS}.docker.tar
LAYOUT=$BENCH_DIR/registry-${SIZE_MIB}m-${LAYERS}.oci
STORE=$BENCH_DIR/registry-${SIZE_MIB}m-${LAYERS}.store
NAME=bench/registry:${SIZE_MIB}m

bench_build
gen_archive "$ARCHIVE" "$SIZE_MIB" "$LAYERS" 1
if [ ! -f "$LAYOUT/index.json" ]; then
  echo "gzipping layers into $LAYOUT (skopeo, once) ..." >&2
  skopeo copy -q "docker-archive:$ARCHIVE" "oci:$LAYOUT:$NAME"
fi
if [ ! -f "$STORE/index.json" ]; then
  "${FERRY[@]}" --store "$STORE" -q import "$LAYOUT" >/dev/null
fi

PORT=$(bench_free_port)
REG=127.0.0.1:$PORT
trap registry_stop EXIT

res=$BENCH_WORK/registry.$$
rm -f "$res".*
bench_header "registry client: $SIZE_MIB MiB in $LAYERS gzip layers to/from docker-registry on $REG"
echo "# skopeo: $(skopeo --version); registry: $(docker-registry --version 2>&1 | head -1)"
printf '%-4s %-12s %8s %8s %10s  %s\n' run side seconds cpu_s rss_mib load
row() { read -r s k c < <(tail -1 "$res.$2"); printf '%-4s %-12s %8s %8s %10s  %s\n' "$1" "$2" "$s" "$c" $((k / 1024)) "$(bench_load)"; }
for ((i = 1; i <= BENCH_RUNS; i++)); do
  registry_start
  bench_time "$res.ferry-push" "${FERRY[@]}" --store "$STORE" -q push "$NAME" "$REG/ferry/x:1"
  row "$i" ferry-push
  registry_start
  bench_time "$res.skopeo-push" skopeo copy -q --dest-tls-verify=false "oci:$LAYOUT:$NAME" "docker://$REG/skopeo/x:1"
  row "$i" skopeo-push
  rm -rf "$BENCH_WORK/pull-store" "$BENCH_WORK/pull-oci"
  bench_time "$res.ferry-pull" "${FERRY[@]}" --store "$BENCH_WORK/pull-store" -q pull "$REG/skopeo/x:1"
  row "$i" ferry-pull
  bench_time "$res.skopeo-pull" skopeo copy -q --src-tls-verify=false "docker://$REG/skopeo/x:1" "oci:$BENCH_WORK/pull-oci:x"
  row "$i" skopeo-pull
  rm -rf "$BENCH_WORK/pull-store" "$BENCH_WORK/pull-oci"
done
registry_stop
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
fp=$(bench_median "$res.ferry-push" 1); sp=$(bench_median "$res.skopeo-push" 1)
fl=$(bench_median "$res.ferry-pull" 1); sl=$(bench_median "$res.skopeo-pull" 1)
echo "median push: ferry ${fp}s  skopeo ${sp}s  ratio ferry/skopeo $(ratio "$fp" "$sp") (target <= 0.85)"
echo "median pull: ferry ${fl}s  skopeo ${sl}s  ratio ferry/skopeo $(ratio "$fl" "$sl") (target <= 0.60)"
echo "peak RSS (max of runs): ferry push $(sort -k2 -g "$res.ferry-push" | tail -1 | awk '{print int($2/1024)}') MiB, pull $(sort -k2 -g "$res.ferry-pull" | tail -1 | awk '{print int($2/1024)}') MiB"
echo "# load average at end: $(bench_load)"
rm -f "$res".*
