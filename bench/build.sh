#!/usr/bin/env bash
# Daemonless image builds: `ferry build` vs `buildah bud` (vfs storage, chroot isolation), on a busybox base.
#
#   bench/build.sh [--quick] [COPY_SIZE_MIB] [PARTS]    (default 1024, all parts: corpus,cached,copy)
#
#   corpus  cold build of 5 Dockerfiles (multi-stage with COPY --from, RUNs that create and delete files, COPY of a
#           small context, --chown, ENV/WORKDIR/CMD), each into a fresh store / fresh buildah root holding only the
#           base: `ferry build --no-cache` vs `buildah bud --layers=false`. Target: Ferry <= 0.7 x buildah.
#   cached  second, fully cached build of a 10-stage Dockerfile (each stage FROM the previous one or the base, with a
#           COPY and a RUN): `ferry build` vs `buildah bud --layers`. Target: Ferry < 1 s and >= 5 x faster.
#   copy    `COPY . /data` of a COPY_SIZE_MIB context (64 MiB random files + 2000 small files) onto the base, no
#           RUN: context bytes / wall seconds of `ferry build --no-cache` (gzip, the default, and
#           `--compression zstd`) and of `buildah bud --layers=false`. Target: Ferry >= 100 MiB/s.
#
# --quick: 256 MiB context with 200 small files, one run per side unless FERRY_BENCH_RUNS says otherwise.
# PARTS: a comma-separated subset, e.g. `bench/build.sh 1024 cached,copy`.
#
# Inputs (generated once, cached in $FERRY_BENCH_DIR): the base image as a Ferry store (an OCI layout; skopeo copies
# it into buildah's vfs storage), the corpus and its context, the copy context. The base is
# copied into a fresh store / pulled into a fresh buildah root before each timed command, outside the timing; inputs
# are read once before timing (warm page cache) and `sync` runs before each timed command. Times are wall clock
# including JVM start-up. Ferry's RUN steps use runc on an overlay; buildah's use chroot isolation (no runc, no
# namespaces for the network), which is cheaper per RUN. Buildah's vfs storage keeps layers uncompressed (it
# compresses only when pushing); Ferry compresses every layer as it builds.
. "$(dirname "$0")/lib.sh"
bench_require buildah skopeo runc openssl busybox tar sha256sum split /usr/bin/time

QUICK=0
if [ "${1:-}" = --quick ]; then QUICK=1; shift; fi
if [ "$QUICK" = 1 ]; then
  COPY_MIB=${1:-256}; SMALL=200; [ -n "${FERRY_BENCH_RUNS:-}" ] || BENCH_RUNS=1
else
  COPY_MIB=${1:-1024}; SMALL=2000
fi
PARTS=${2:-corpus,cached,copy}
BASE_REF=docker.io/base/busybox:1
BASE=$BENCH_DIR/build-base            # a Ferry store holding only $BASE_REF
CORPUS=$BENCH_DIR/build-corpus-v1     # dockerfiles/*.Dockerfile, ctx/
COPYCTX=$BENCH_DIR/build-copy-${COPY_MIB}m-${SMALL}
POLICY=$BENCH_WORK/policy.json

gen_base() {
  [ -f "$BASE/index.json" ] && return 0
  echo "generating $BASE ..." >&2
  local r a
  r=$(mktemp -d "$BENCH_WORK/gen.XXXXXX")
  mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/root" "$r/home/app" "$r/proc" "$r/sys" "$r/dev" "$r/usr/share/doc"
  cp /bin/busybox "$r/bin/busybox"
  chmod 0755 "$r/bin/busybox"
  for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$r/bin/$a"; done
  chmod 1777 "$r/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n' >"$r/etc/passwd"
  printf 'root:x:0:\napp:x:1000:\nstaff:x:50:\n' >"$r/etc/group"
  for a in 1 2 3 4 5 6 7 8; do head -c 20000 /bin/busybox | base64 >"$r/usr/share/doc/doc$a.txt"; done
  rm -rf "$BASE.tmp"
  "${FERRY[@]}" --store "$BASE.tmp" image from-rootfs "$r" -t "$BASE_REF" --root-owner >/dev/null
  mv "$BASE.tmp" "$BASE"
  rm -rf "$r"
}

# The corpus: 5 Dockerfiles over the base and a small context (~120 files).
gen_corpus() {
  [ -f "$CORPUS/done" ] && return 0
  echo "generating $CORPUS ..." >&2
  rm -rf "$CORPUS"
  local c=$CORPUS/ctx d=$CORPUS/dockerfiles i j
  mkdir -p "$c/src/tmp" "$c/web/static" "$c/conf" "$d"
  for ((i = 0; i < 60; i++)); do
    j=$((i % 6))
    mkdir -p "$c/src/pkg$j"
    bench_random "corpus-src-$i" $((1024 + i * 97)) | base64 >"$c/src/pkg$j/file$i.txt"
  done
  for ((i = 0; i < 40; i++)); do bench_random "corpus-web-$i" $((512 + i * 311)) >"$c/web/static/asset$i.bin"; done
  for ((i = 0; i < 10; i++)); do echo "scratch $i" >"$c/src/tmp/t$i"; done
  printf '{"name":"bench","port":8080,"debug":false}\n' >"$c/conf/config.json"
  printf 'key=value\nmode=prod\n' >"$c/conf/app.conf"
  printf 'hello\n' >"$c/hello.txt"
  printf 'not for the image\n' >"$c/secret.key"
  printf '*.key\n' >"$c/.dockerignore"
  cat >"$d/1-app.Dockerfile" <<EOF
FROM $BASE_REF
ENV APP_HOME=/app MODE=prod
WORKDIR /app
COPY --chown=app:staff src/ ./src/
COPY conf/config.json conf/app.conf ./conf/
RUN mkdir -p out && cat src/pkg*/*.txt > out/all.txt && rm -rf src/tmp && wc -l out/all.txt > out/lines
RUN echo built >> conf/app.conf && touch /app/ready
USER app
CMD ["/bin/sh", "-c", "cat /app/out/lines"]
EOF
  cat >"$d/2-multistage.Dockerfile" <<EOF
FROM $BASE_REF AS builder
WORKDIR /w
COPY src/ ./src/
RUN mkdir gen && for i in \$(seq 1 300); do echo "generated \$i" > gen/f\$i; done && tar -cf out.tar src gen
RUN sha256sum out.tar > out.sum && rm -rf src

FROM $BASE_REF
ENV PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY --from=builder /w/gen /opt/gen
COPY --from=builder /w/out.tar /w/out.sum /opt/
COPY --chown=1000:1000 hello.txt /opt/
WORKDIR /opt
CMD ["ls", "/opt"]
EOF
  cat >"$d/3-deletes.Dockerfile" <<EOF
FROM $BASE_REF
RUN mkdir -p /var/lib/data && for i in \$(seq 1 500); do echo "row \$i" > /var/lib/data/r\$i; done
RUN rm -f /var/lib/data/r1?? /var/lib/data/r2?? && rm -rf /usr/share/doc && rm /bin/vi /bin/wget
RUN echo "extra:x:2000:2000::/home/extra:/bin/sh" >> /etc/passwd && mkdir -p /home/extra && chown 2000:2000 /home/extra
RUN rm -rf /var/lib/data && mkdir /var/lib/data && echo fresh > /var/lib/data/only
ENV STATE=clean
WORKDIR /var/lib/data
CMD ["cat", "only"]
EOF
  cat >"$d/4-three-stages.Dockerfile" <<EOF
FROM $BASE_REF AS deps
RUN mkdir -p /deps/lib && for i in \$(seq 1 100); do head -c 2048 /bin/busybox > /deps/lib/lib\$i.so; done

FROM $BASE_REF AS build
COPY --from=deps /deps /deps
COPY src/ /build/src/
RUN cd /build && find src -type f | sort > manifest && cat manifest | wc -l > count && rm -rf /deps/lib/lib5*

FROM build AS final
COPY --from=deps /deps/lib/lib1.so /usr/lib/
COPY --chown=app:app web/ /srv/www/
WORKDIR /srv
ENV PORT=8080
EXPOSE 8080
CMD ["httpd", "-f", "-p", "8080", "-h", "/srv/www"]
EOF
  cat >"$d/5-context.Dockerfile" <<EOF
FROM $BASE_REF
ENV HOME=/srv/ctx
WORKDIR /srv/ctx
COPY --chown=1000:50 . /srv/ctx/
RUN find /srv/ctx -type f | sort | xargs sha256sum > /srv/sums && rm -rf /srv/ctx/web/static/asset1*
RUN touch /srv/ctx/stamp && chmod 600 /srv/sums
LABEL org.example.bench=corpus
USER 1000
CMD ["/bin/sh"]
EOF
  # cached part: 10 stages, each FROM the previous one (or the base for every third), a COPY and a RUN
  {
    echo "FROM $BASE_REF AS s0"
    echo "COPY src/pkg0/ /s0/"
    echo "RUN echo 0 > /s0/stage && ls /s0 | wc -l > /s0/count"
    for ((i = 1; i < 10; i++)); do
      if ((i % 3 == 0)); then
        echo; echo "FROM $BASE_REF AS s$i"
        echo "COPY --from=s$((i - 1)) /s$((i - 1)) /s$((i - 1))/"
      else
        echo; echo "FROM s$((i - 1)) AS s$i"
      fi
      echo "COPY src/pkg$((i % 6))/ /s$i/"
      echo "RUN echo $i > /s$i/stage && ls /s$i | wc -l > /s$i/count"
    done
    echo 'CMD ["cat", "/s9/stage"]'
  } >"$CORPUS/ten-stages.Dockerfile"
  touch "$CORPUS/done"
}

# The copy context: 64 MiB random files (4 files of SIZE/4 below 256 MiB) and SMALL 4 KiB files in 20 directories.
gen_copy() {
  [ -f "$COPYCTX/Dockerfile" ] && return 0
  echo "generating $COPYCTX ..." >&2
  rm -rf "$COPYCTX"
  local c=$COPYCTX/ctx n per i
  mkdir -p "$c/big" "$c/small"
  if ((COPY_MIB >= 256)); then n=$((COPY_MIB / 64)); else n=4; fi
  per=$((COPY_MIB * 1048576 / n))
  for ((i = 0; i < n; i++)); do bench_random "copy-$COPY_MIB-$i" "$per" >"$c/big/f$i"; done
  bench_random "copy-small-$SMALL" $((SMALL * 4096)) | (cd "$c/small" && split -b 4096 -a 4 -d - s)
  for ((i = 0; i < 20; i++)); do mkdir "$c/small/d$i"; done
  (cd "$c/small" && i=0 && for f in s*; do mv "$f" "d$((i % 20))/$f"; i=$((i + 1)); done)
  printf 'FROM %s\nCOPY . /data\n' "$BASE_REF" >"$COPYCTX/Dockerfile"
}

# fresh_ferry DIR : a store holding only the base.
fresh_ferry() { rm -rf "$1"; cp -a "$BASE" "$1"; }

# fresh_buildah DIR : sets BUILDAH to a buildah command on an empty vfs root under DIR into which the base is pulled.
fresh_buildah() {
  rm -rf "$1"
  mkdir -p "$1"
  BUILDAH=(env CONTAINERS_REGISTRIES_CONF="$BENCH_WORK/registries.conf" BUILDAH_ISOLATION=chroot
    buildah --storage-driver vfs --root "$1/root" --runroot "$1/run")
  # not `buildah pull oci:DIR:REF`: buildah names the image after DIR, and a path with `.cache` in it is no valid name
  skopeo copy --quiet --policy "$POLICY" "oci:$BASE:$BASE_REF" "containers-storage:[vfs@$1/root+$1/run]$BASE_REF" \
    >>"$BENCH_WORK/log" 2>&1
}
bud() { "${BUILDAH[@]}" bud --signature-policy "$POLICY" --pull-never --isolation chroot -q "$@"; }

# row RUN TOOL FILE [EXTRA] : prints the last line of a results file.
row() {
  local s k c
  read -r s k c < <(tail -1 "$3")
  printf '%-4s %-14s %8s %8s %8s  %-16s %s\n' "$1" "$2" "$s" "$c" $((k / 1024)) "$(bench_load)" "${4:-}"
}
head_row() { printf '%-4s %-14s %8s %8s %8s  %-16s %s\n' run tool seconds cpu_s rss_mib load "${1:-}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }

part_corpus() {
  local res=$BENCH_WORK/corpus.$$ i d tool per
  local files=("$CORPUS"/dockerfiles/*.Dockerfile)
  rm -f "$res".*
  echo
  bench_header "cold build of a corpus of ${#files[@]} Dockerfiles (fresh store / root per run, --no-cache / --layers=false)"
  head_row "per Dockerfile (s)"
  for ((i = 1; i <= BENCH_RUNS; i++)); do
    for tool in ferry buildah; do
      if [ $tool = ferry ]; then fresh_ferry "$BENCH_WORK/store"; else fresh_buildah "$BENCH_WORK/bah"; fi
      rm -f "$res.one"
      for d in "${files[@]}"; do
        if [ $tool = ferry ]; then
          bench_time "$res.one" "${FERRY[@]}" --store "$BENCH_WORK/store" build --no-cache --progress plain \
            -t "x$(basename "$d" .Dockerfile)" -f "$d" "$CORPUS/ctx"
        else
          bench_time "$res.one" "${BUILDAH[@]}" bud --signature-policy "$POLICY" --pull-never --isolation chroot \
            --layers=false -q -t "x$(basename "$d" .Dockerfile)" -f "$d" "$CORPUS/ctx"
        fi
      done
      per=$(awk '{printf "%s ", $1}' "$res.one")
      awk '{s += $1; c += $3; if ($2 > m) m = $2} END {printf "%.2f %d %.2f\n", s, m, c}' "$res.one" >>"$res.$tool"
      row "$i" "$tool" "$res.$tool" "$per"
    done
    rm -rf "$BENCH_WORK/store" "$BENCH_WORK/bah"
  done
  f=$(bench_median "$res.ferry" 1); p=$(bench_median "$res.buildah" 1)
  echo "median corpus: ferry ${f}s  buildah ${p}s  ratio ferry/buildah $(ratio "$f" "$p") (target <= 0.70)"
  fc=$(bench_median "$res.ferry" 3); pc=$(bench_median "$res.buildah" 3)
  echo "median CPU (user+sys, children included): ferry ${fc}s  buildah ${pc}s  ratio $(ratio "$fc" "$pc")"
  echo "# load average at end: $(bench_load)"
  rm -f "$res".*
}

part_cached() {
  local res=$BENCH_WORK/cached.$$ i D=$CORPUS/ten-stages.Dockerfile
  rm -f "$res".*
  echo
  bench_header "fully cached rebuild of a 10-stage Dockerfile (second build; ferry build vs buildah bud --layers)"
  head_row
  for ((i = 1; i <= BENCH_RUNS; i++)); do
    fresh_ferry "$BENCH_WORK/store"
    "${FERRY[@]}" --store "$BENCH_WORK/store" build -q -t ten -f "$D" "$CORPUS/ctx" >>"$BENCH_WORK/log" 2>&1
    bench_time "$res.ferry" "${FERRY[@]}" --store "$BENCH_WORK/store" build --progress plain -t ten -f "$D" "$CORPUS/ctx"
    tail -5 "$BENCH_WORK/log" | grep -Eq '\(([0-9]+)/\1 steps cached\)' ||
      { echo "bench: ferry's second build was not fully cached (log: $BENCH_WORK/log)" >&2; exit 1; }
    row "$i" ferry "$res.ferry"
    rm -rf "$BENCH_WORK/store"
    fresh_buildah "$BENCH_WORK/bah"
    bud --layers -t ten -f "$D" "$CORPUS/ctx" >>"$BENCH_WORK/log" 2>&1
    bench_time "$res.buildah" "${BUILDAH[@]}" bud --signature-policy "$POLICY" --pull-never --isolation chroot \
      --layers -t ten -f "$D" "$CORPUS/ctx"
    row "$i" buildah "$res.buildah"
    rm -rf "$BENCH_WORK/bah"
  done
  f=$(bench_median "$res.ferry" 1); p=$(bench_median "$res.buildah" 1)
  echo "median cached rebuild: ferry ${f}s (target < 1 s)  buildah ${p}s  speed-up buildah/ferry $(ratio "$p" "$f")x (target >= 5)"
  echo "# load average at end: $(bench_load)"
  rm -f "$res".*
}

part_copy() {
  local res=$BENCH_WORK/copy.$$ i bytes mib tool comp=(gzip) n
  rm -f "$res".*
  bytes=$(find "$COPYCTX/ctx" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
  n=$(find "$COPYCTX/ctx" -type f | wc -l)
  mib=$(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1048576}')
  find "$COPYCTX/ctx" -type f -exec cat {} + >/dev/null   # warm the page cache
  echo
  bench_header "COPY . /data of a ${mib} MiB context ($n files): ferry build --no-cache vs buildah bud --layers=false"
  head_row "MiB/s"
  for ((i = 1; i <= BENCH_RUNS; i++)); do
    for tool in gzip zstd buildah; do
      if [ $tool = buildah ]; then
        fresh_buildah "$BENCH_WORK/bah"
        bench_time "$res.$tool" "${BUILDAH[@]}" bud --signature-policy "$POLICY" --pull-never --isolation chroot \
          --layers=false -q -t copy -f "$COPYCTX/Dockerfile" "$COPYCTX/ctx"
        rm -rf "$BENCH_WORK/bah"
      else
        fresh_ferry "$BENCH_WORK/store"
        bench_time "$res.$tool" "${FERRY[@]}" --store "$BENCH_WORK/store" build --no-cache --progress plain \
          --compression "$tool" -t copy -f "$COPYCTX/Dockerfile" "$COPYCTX/ctx"
        rm -rf "$BENCH_WORK/store"
      fi
      row "$i" "$([ $tool = buildah ] && echo buildah || echo "ferry $tool")" "$res.$tool" \
        "$(awk -v b="$bytes" -v s="$(tail -1 "$res.$tool" | cut -d' ' -f1)" 'BEGIN{printf "%.0f", b/1048576/s}')"
    done
  done
  local g z p
  g=$(bench_median "$res.gzip" 1); z=$(bench_median "$res.zstd" 1); p=$(bench_median "$res.buildah" 1)
  mibs() { awk -v b="$bytes" -v s="$1" 'BEGIN{printf "%.0f", b/1048576/s}'; }
  echo "median copy: ferry gzip ${g}s = $(mibs "$g") MiB/s, ferry zstd ${z}s = $(mibs "$z") MiB/s (target >= 100 MiB/s);" \
    "buildah ${p}s = $(mibs "$p") MiB/s (uncompressed vfs layer); ratio ferry-gzip/buildah $(ratio "$g" "$p")"
  echo "# load average at end: $(bench_load)"
  rm -f "$res".*
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  bench_build
  [ "$(id -u)" = 0 ] || { echo "bench: build.sh needs root (overlay mounts, runc, buildah without a user namespace)" >&2; exit 2; }
  printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$POLICY"
  printf 'unqualified-search-registries = []\n' >"$BENCH_WORK/registries.conf"
  : >"$BENCH_WORK/log"
  gen_base
  gen_corpus
  case ",$PARTS," in *,copy,*) gen_copy ;; esac
  echo "# buildah: $(buildah --version)  runc: $(runc --version | head -1)"
  case ",$PARTS," in *,corpus,*) part_corpus ;; esac
  case ",$PARTS," in *,cached,*) part_cached ;; esac
  case ",$PARTS," in *,copy,*) part_copy ;; esac
fi
