#!/usr/bin/env bash
# Delivery bundles: pack, verify, push and delta size, each with its peer in the same run.
#
#   bench/bundle.sh [SIZE_MIB]      (default 3072: 3 images x 2 platforms, issue 5's scenario)
#
# Input (cached): a store with 3 images, each built for x86_nvidia and arm_910b from a Dockerfile that copies
# SIZE/6 MiB of random data for its architecture (plus a small shared layer); the measured spec pulls them from
# the store (nothing to build).
#   pack:   `ferry pack --no-sbom` (uncompressed) vs `tar cf` over the same blob files of the store (target <= 1.25x)
#   verify: `ferry bundle verify` MiB/s over the bundle (JVM start included; target >= 700 MiB/s)
#   push:   `ferry bundle push` to an empty loopback docker-registry vs `skopeo copy --all oci-archive:BUNDLE:NAME
#           docker://...` image by image into an empty registry (the bundle is an oci-archive) (target <= 0.75x)
#   delta:  one image gets one new small layer; `ferry pack --since` size / full bundle size (target <= 5%)
. "$(dirname "$0")/lib.sh"
bench_require docker-registry skopeo curl tar openssl
SIZE_MIB=${1:-3072}
PART_MIB=$((SIZE_MIB / 6))
IN=$BENCH_DIR/bundle-${SIZE_MIB}m
STORE=$IN/store
bench_build

if [ ! -f "$IN/ready" ]; then
  rm -rf "$IN"
  mkdir -p "$IN/spec"
  for n in 1 2 3; do
    d=$IN/spec/app$n
    mkdir -p "$d"
    for arch in amd64 arm64; do bench_random "app$n-$arch" $((PART_MIB * 1048576)) >"$d/data-$arch.bin"; done
    echo "shared" >"$d/shared.txt"
    printf 'FROM scratch\nARG TARGETARCH\nCOPY shared.txt /shared.txt\nCOPY data-${TARGETARCH}.bin /data.bin\n' >"$d/Dockerfile"
  done
  cat >"$IN/spec/ferry.yaml" <<EOY
name: bench
version: 1.0.0
targets: [x86_nvidia, arm_910b]
images:
  - {name: bench/app1, build: {context: ./app1}}
  - {name: bench/app2, build: {context: ./app2}}
  - {name: bench/app3, build: {context: ./app3}}
EOY
  echo "bench: building the input images (once) into $STORE" >&2
  "${FERRY[@]}" --store "$STORE" -q pack -f "$IN/spec/ferry.yaml" --no-sbom -o "$IN/warm.ferry" >/dev/null
  rm -f "$IN/warm.ferry"
  # What is measured: packing images the store already holds (no build step to check).
  mkdir -p "$IN/pack"
  cat >"$IN/pack/ferry.yaml" <<EOY
name: bench
version: 1.0.0
targets: [x86_nvidia, arm_910b]
images:
  - {name: bench/app1, pull: bench/app1:1.0.0}
  - {name: bench/app2, pull: bench/app2:1.0.0}
  - {name: bench/app3, pull: bench/app3:1.0.0}
EOY
  touch "$IN/ready"
fi

PORT=$(bench_free_port)
REG=127.0.0.1:$PORT
trap registry_stop EXIT

res=$BENCH_WORK/bundle.$$
rm -f "$res".*
B=$BENCH_WORK/bench.ferry
bench_header "bundles: 3 images x 2 platforms, $SIZE_MIB MiB"
echo "# skopeo: $(skopeo --version); registry: $(docker-registry --version 2>&1 | head -1)"
printf '%-4s %-14s %8s %8s %10s  %s\n' run side seconds cpu_s rss_mib load
row() { read -r s k c < <(tail -1 "$res.$2"); printf '%-4s %-14s %8s %8s %10s  %s\n' "$1" "$2" "$s" "$c" $((k / 1024)) "$(bench_load)"; }
for ((i = 1; i <= BENCH_RUNS; i++)); do
  rm -f "$B" "$BENCH_WORK/tar.tar"
  bench_time "$res.ferry-pack" "${FERRY[@]}" --store "$STORE" -q pack -f "$IN/pack/ferry.yaml" --no-sbom -o "$B"
  row "$i" ferry-pack
  mapfile -t blobs < <("${FERRY[@]}" --json bundle inspect "$B" | python3 -c 'import json,sys; [print("blobs/sha256/"+b["digest"][7:]) for b in json.load(sys.stdin)["blobs"]]')
  bench_time "$res.tar-cf" tar cf "$BENCH_WORK/tar.tar" -C "$STORE" "${blobs[@]}"
  row "$i" tar-cf
  rm -f "$BENCH_WORK/tar.tar"
  bench_time "$res.ferry-verify" "${FERRY[@]}" -q bundle verify "$B"
  row "$i" ferry-verify
  registry_start
  bench_time "$res.ferry-push" "${FERRY[@]}" -q bundle push "$B" --to "$REG/ferry"
  row "$i" ferry-push
  registry_start
  bench_time "$res.skopeo-push" bash -c "for n in 1 2 3; do skopeo copy -q --all --dest-tls-verify=false oci-archive:$B:bench/app\$n:1.0.0 docker://$REG/skopeo/bench/app\$n:1.0.0 || exit 1; done"
  row "$i" skopeo-push
done
registry_stop

# Delta: app2 gets one more (small) layer; everything else is unchanged.
D=$IN/spec-delta
rm -rf "$D"
cp -r "$IN/spec" "$D"
echo "v2" >"$D/app2/version.txt"
echo "COPY version.txt /version.txt" >>"$D/app2/Dockerfile"
"${FERRY[@]}" --store "$STORE" -q pack -f "$D/ferry.yaml" --no-sbom --since "$B" -o "$BENCH_WORK/delta.ferry" >/dev/null
full=$(stat -c %s "$B"); delta=$(stat -c %s "$BENCH_WORK/delta.ferry")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
fp=$(bench_median "$res.ferry-pack" 1); tp=$(bench_median "$res.tar-cf" 1)
fv=$(bench_median "$res.ferry-verify" 1)
fu=$(bench_median "$res.ferry-push" 1); su=$(bench_median "$res.skopeo-push" 1)
echo "bundle: $(awk -v b="$full" 'BEGIN{printf "%.0f MiB", b/1048576}')"
echo "median pack:   ferry ${fp}s  tar cf ${tp}s  ratio $(ratio "$fp" "$tp") (target <= 1.25)"
echo "median verify: ${fv}s  $(awk -v b="$full" -v s="$fv" 'BEGIN{printf "%.0f MiB/s", b/1048576/s}') (target >= 700)"
echo "median push:   ferry ${fu}s  skopeo image by image ${su}s  ratio $(ratio "$fu" "$su") (target <= 0.75)"
echo "delta:         $(awk -v d="$delta" 'BEGIN{printf "%.1f KiB", d/1024}') of $(awk -v b="$full" 'BEGIN{printf "%.0f MiB", b/1048576}'): $(awk -v d="$delta" -v b="$full" 'BEGIN{printf "%.3f%%", 100*d/b}') (target <= 5%)"
echo "peak RSS: pack $(sort -k2 -g "$res.ferry-pack" | tail -1 | awk '{print int($2/1024)}') MiB, verify $(sort -k2 -g "$res.ferry-verify" | tail -1 | awk '{print int($2/1024)}') MiB, push $(sort -k2 -g "$res.ferry-push" | tail -1 | awk '{print int($2/1024)}') MiB"
echo "# load average at end: $(bench_load)"
rm -f "$res".* "$B" "$BENCH_WORK/delta.ferry"
