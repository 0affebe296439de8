#!/usr/bin/env bash
# Ferry's registry server against CNCF distribution (Debian's docker-registry), same machine, same input.
#
#   bench/registry-server.sh   # RUNS=3 LAYERS=8 LAYER_MIB=256 FERRY_PORT=5611 DIST_PORT=5612 WORK=/tmp/ferry-bench-regsrv
#
# The input is the registry issue's image: LAYERS random layers of LAYER_MIB each (2 GiB in 8 layers by default),
# random bytes in stored gzip blocks so that skopeo sends them as they are rather than compressing them.
# 1. push: skopeo copy of that OCI layout into each server, wall time, median of RUNS (each run into an empty store
#    and a freshly started server), then RUNS more into the running servers (the blobs deleted from the repository
#    first); the servers' CPU seconds beside each;
# 2. pull: 8 and 32 concurrent clients, each fetching the whole image the way a simple client does (manifest by
#    tag, config, then every layer in order, one curl over one connection), aggregate MiB/s, median of RUNS;
# 3. manifest GET latency p50/p99 at 200 req/s for 10 s after 10 s of warm-up (bench/manifest-latency.py, open loop);
# 4. tls-fallback: skopeo copy --dest-tls-verify=false of a tiny image (the https attempt must fail fast).
# Prints each figure for both servers and the ratio. Needs skopeo, docker-registry, curl, python3.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}; MIB=${LAYER_MIB:-256}; LAYERS=${LAYERS:-8}
FP=${FERRY_PORT:-5611}; DP=${DIST_PORT:-5612}
W=${WORK:-/tmp/ferry-bench-regsrv}
rm -rf "$W"; mkdir -p "$W"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# ---- input: an OCI layout with LAYERS random layers, and a tiny one
mklayout() {  # DIR MIB...
  python3 - "$@" <<'PY'
import hashlib, json, os, sys, zlib
d = sys.argv[1]; sizes = [int(s) for s in sys.argv[2:]]
os.makedirs(f"{d}/blobs/sha256", exist_ok=True)
def put(b):
    h = hashlib.sha256(b).hexdigest(); open(f"{d}/blobs/sha256/{h}", "wb").write(b); return h
layers = []
for mib in sizes:
    # gzip with stored (level 0) blocks: skopeo sniffs the bytes and would gzip anything that is not gzip
    h = hashlib.sha256(); tmp = f"{d}/blobs/tmp"; z = zlib.compressobj(0, zlib.DEFLATED, 31); n = 0
    with open(tmp, "wb") as f:
        for i in range(mib + 1):
            c = z.compress(os.urandom(1 << 20)) if i < mib else z.flush()
            h.update(c); f.write(c); n += len(c)
    os.rename(tmp, f"{d}/blobs/sha256/{h.hexdigest()}")
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + h.hexdigest(), "size": n})
cfg = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]}}).encode()
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + put(cfg), "size": len(cfg)},
    "layers": layers}).encode()
mh = put(man)
open(f"{d}/index.json", "w").write(json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": "sha256:" + mh, "size": len(man), "annotations": {"org.opencontainers.image.ref.name": "x"}}]}))
open(f"{d}/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
# what a client fetches, in order (the image is pushed as bench/x:1)
print(" ".join(["/manifests/1", "/blobs/" + json.loads(man)["config"]["digest"]] + ["/blobs/" + l["digest"] for l in layers]))
PY
}
PATHS=$(mklayout "$W/big" $(for _ in $(seq "$LAYERS"); do echo "$MIB"; done))
mklayout "$W/tiny" 1 >/dev/null
echo '{"default":[{"type":"insecureAcceptAnything"}]}' > "$W/policy.json"

up() { for _ in $(seq 200); do [ "$(curl -s -o /dev/null -w '%{http_code}' -m 1 "http://127.0.0.1:$1/v2/")" = 200 ] && return 0; sleep 0.05; done; return 1; }
start_ferry() {
  rm -rf "$W/ferry-store"
  "$ROOT/ferry" --store "$W/ferry-store" serve registry --listen "127.0.0.1:$FP" >"$W/ferry.log" 2>&1 & FPID=$!; pids+=("$FPID")
  up "$FP" || { cat "$W/ferry.log"; exit 1; }
}
start_dist() {
  rm -rf "$W/dist"; mkdir -p "$W/dist/data"
  cat > "$W/dist/config.yml" <<EOC
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $W/dist/data}, delete: {enabled: true}, cache: {blobdescriptor: inmemory}}
http: {addr: 127.0.0.1:$DP, secret: bench}
EOC
  docker-registry serve "$W/dist/config.yml" >"$W/dist.log" 2>&1 & DPID=$!; pids+=("$DPID")
  up "$DP" || { cat "$W/dist.log"; exit 1; }
}
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }
# cpu PID: user+sys CPU seconds the process (all its threads) has used so far
cpu() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f\n", ($14 + $15) / t}' "/proc/$1/stat"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
copy() { skopeo --policy "$W/policy.json" copy -q --dest-tls-verify=false "oci:$1:x" "docker://127.0.0.1:$2/${3:-bench/x}:1"; }
ACCEPT='Accept: application/vnd.oci.image.manifest.v1+json'
pull() {  # PORT N -> aggregate MiB/s of N clients each fetching the whole image
  local t0 t1 i p c=() args=(); t0=$(date +%s.%N)
  for p in $PATHS; do args+=(-o /dev/null "http://127.0.0.1:$1/v2/bench/x$p"); done
  for i in $(seq "$2"); do curl -sf -H "$ACCEPT" "${args[@]}" & c+=($!); done
  for i in "${c[@]}"; do wait "$i" || echo "curl failed" >&2; done
  t1=$(date +%s.%N); echo "scale=0; $2 * $LAYERS * $MIB / ($t1 - $t0)" | bc
}

ferry_push=(); dist_push=()
"$ROOT/ferry" --version >/dev/null   # build outside the timing
fpc=(); dpc=()
for r in $(seq "$RUNS"); do
  start_ferry; a=$(cpu "$FPID"); ferry_push+=("$(secs copy "$W/big" "$FP")"); fpc+=("$(echo "$(cpu "$FPID") - $a" | bc)"); stop "$FPID"
  start_dist; a=$(cpu "$DPID"); dist_push+=("$(secs copy "$W/big" "$DP")"); dpc+=("$(echo "$(cpu "$DPID") - $a" | bc)"); stop "$DPID"
done
fp=$(printf '%s\n' "${ferry_push[@]}" | median); dp=$(printf '%s\n' "${dist_push[@]}" | median)
fpc=$(printf '%s\n' "${fpc[@]}" | median); dpc=$(printf '%s\n' "${dpc[@]}" | median)

start_ferry; copy "$W/big" "$FP"; start_dist; copy "$W/big" "$DP"
# Push into servers that are already running (a registry is a long-lived process): before each run the image's
# manifest and blobs are deleted from the repository (DELETE .../manifests/M, .../blobs/D), so skopeo finds none and sends them all again
# (a push into a new repository would be a cross-repository mount, which skopeo remembers having seen).
BLOBS=$(python3 -c 'import json,sys; d=sys.argv[1]; i=json.load(open(d+"/index.json")); m=json.load(open(d+"/blobs/"+i["manifests"][0]["digest"].replace(":","/")));print(" ".join([m["config"]["digest"]]+[l["digest"] for l in m["layers"]]))' "$W/big")
MANIFEST=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]+"/index.json"))["manifests"][0]["digest"])' "$W/big")
unlink() {
  local b
  curl -sf -o /dev/null -X DELETE "http://127.0.0.1:$1/v2/bench/x/manifests/$MANIFEST" || echo "delete manifest failed" >&2
  for b in $BLOBS; do curl -sf -o /dev/null -X DELETE "http://127.0.0.1:$1/v2/bench/x/blobs/$b" || echo "delete $b failed" >&2; done; }
ferry_warm=(); dist_warm=(); fwc=(); dwc=()
for r in $(seq "$RUNS"); do
  unlink "$FP"; a=$(cpu "$FPID"); ferry_warm+=("$(secs copy "$W/big" "$FP")"); fwc+=("$(echo "$(cpu "$FPID") - $a" | bc)")
  unlink "$DP"; a=$(cpu "$DPID"); dist_warm+=("$(secs copy "$W/big" "$DP")"); dwc+=("$(echo "$(cpu "$DPID") - $a" | bc)")
done
fw=$(printf '%s\n' "${ferry_warm[@]}" | median); dw=$(printf '%s\n' "${dist_warm[@]}" | median)
fwc=$(printf '%s\n' "${fwc[@]}" | median); dwc=$(printf '%s\n' "${dwc[@]}" | median)
declare -A thr scpu
for n in 8 32; do
  for s in ferry dist; do
    port=$FP; pid=$FPID; [ $s = dist ] && { port=$DP; pid=$DPID; }
    pull "$port" 2 >/dev/null   # warm the page cache
    vals=(); a=$(cpu "$pid")
    for r in $(seq "$RUNS"); do vals+=("$(pull "$port" "$n")"); done
    thr[$s$n]=$(printf '%s\n' "${vals[@]}" | median)
    scpu[$s$n]=$(echo "scale=2; ($(cpu "$pid") - $a) / $RUNS" | bc)   # server CPU s per wave of n pulls
  done
done
MAN=/v2/bench/x/manifests/1
python3 "$ROOT/bench/manifest-latency.py" "http://127.0.0.1:$FP$MAN" 200 10 > "$W/lat.ferry"
python3 "$ROOT/bench/manifest-latency.py" "http://127.0.0.1:$DP$MAN" 200 10 > "$W/lat.dist"
tf=$(secs copy "$W/tiny" "$FP"); td=$(secs copy "$W/tiny" "$DP")

echo "load: $(cut -d' ' -f1-3 /proc/loadavg)  cores: $(nproc)  $(skopeo --version)  $(docker-registry --version)"
printf '%-40s %10s %10s %8s\n' measure ferry distribution "dist/ferry"
printf "%-40s %10.2f %10.2f %8.2f\n" "push ${LAYERS}x${MIB}MiB skopeo copy (s, median of $RUNS)" "$fp" "$dp" "$(echo "$dp / $fp" | bc -l)"
printf "%-40s %10.2f %10.2f\n" "  server CPU s during the push (median)" "$fpc" "$dpc"
printf "%-40s %10.2f %10.2f %8.2f\n" "push again, servers warm (s, median)" "$fw" "$dw" "$(echo "$dw / $fw" | bc -l)"
printf "%-40s %10.2f %10.2f\n" "  server CPU s during the push (median)" "$fwc" "$dwc"
for n in 8 32; do
  printf '%-40s %10d %10d %8.2f\n' "pull $n x image (MiB/s, aggregate, median)" "${thr[ferry$n]}" "${thr[dist$n]}" "$(echo "${thr[ferry$n]} / ${thr[dist$n]}" | bc -l)"
  printf '%-40s %10.2f %10.2f\n' "  server CPU s per wave of $n pulls" "${scpu[ferry$n]}" "${scpu[dist$n]}"
done
read -r f50 f99 fmax fe < "$W/lat.ferry"; read -r d50 d99 dmax de < "$W/lat.dist"
printf '%-40s %10s %10s\n' "manifest GET @200/s p50 ms" "$f50" "$d50"
printf '%-40s %10s %10s\n' "manifest GET @200/s p99 ms (errors)" "$f99 ($fe)" "$d99 ($de)"
printf '%-40s %10.2f %10.2f\n' "tiny skopeo copy, tls-verify=false (s)" "$tf" "$td"
echo "(push and pull ratios >1 mean Ferry is faster)"
