#!/usr/bin/env bash
# Start-up cache: the same ferry commands with the launcher's start-up cache (JDK >= 25: the AOT cache recorded by
# dev.ferry.cli.AotTraining; JDK 21-24: the AppCDS archive) and without it (FERRY_CDS=0), alternating.
#
#   bench/startup.sh            (FERRY_BENCH_RUNS runs of each command per side, default 3 -> here x5 inside)
#
# Commands: `--version`, `images` on a store with one image, a fully cached rebuild of a small multi-stage Dockerfile
# (FROM scratch, no RUN: no runc needed), and `image from-rootfs --compression zstd` of a 64 MiB tree (gen-tree.py).
# Each timed sample is 5 runs in a row (a start-up is too short to time alone); wall and CPU seconds are per run.
. "$(dirname "$0")/lib.sh"
bench_require python3 /usr/bin/time
bench_build
TREE=$BENCH_DIR/tree-64m
if [ ! -f "$TREE.done" ]; then
  rm -rf "$TREE"
  python3 "$(dirname "$0")/gen-tree.py" "$TREE" 64
  touch "$TREE.done"
fi
W=$BENCH_WORK/startup
rm -rf "$W" && mkdir -p "$W/ctx"
for i in $(seq 1 30); do printf 'line %s\n' "$i" >"$W/ctx/f$i.txt"; done
cat >"$W/ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch AS a
COPY f1.txt f2.txt /a/
FROM a AS b
COPY f3.txt /b/
FROM scratch AS c
COPY --from=b /a /c
ENV X=1
LABEL purpose=startup-bench
FROM c
COPY . /app
WORKDIR /app
CMD ["/app/run"]
DOCKERFILE
"${FERRY[@]}" --store "$W/store" image from-rootfs "$W/ctx" -t bench/small:1 >>"$BENCH_WORK/log" 2>&1
"${FERRY[@]}" --store "$W/store" build -q -t bench/app:1 "$W/ctx" >>"$BENCH_WORK/log" 2>&1

bench_header "start-up: ferry with its start-up cache vs FERRY_CDS=0 (5 runs per sample)"
printf '%-4s %-12s %-6s %9s %9s  %s\n' run command side wall_s cpu_s load
res=$BENCH_WORK/startup.$$
rm -f "$res".*
five() { local i; for i in 1 2 3 4 5; do "$@"; done; }
declare -A CMDS=(
  [version]="--version"
  [images]="--store $W/store images"
  [build]="--store $W/store build -q -t bench/app:1 $W/ctx"
  [zstd64m]="--store $W/zstore image from-rootfs $TREE -t bench/tree:1 --compression zstd"
)
for ((r = 1; r <= BENCH_RUNS; r++)); do
  for c in version images build zstd64m; do
    for side in cache none; do
      cds=1; [ $side = none ] && cds=0
      # shellcheck disable=SC2086
      bench_time "$res.$c.$side" env FERRY_CDS=$cds bash -c "$(declare -f five); five \"\$@\"" _ "${FERRY[@]}" ${CMDS[$c]}
      read -r s _ cpu < <(tail -1 "$res.$c.$side")
      printf '%-4s %-12s %-6s %9.3f %9.3f  %s\n' "$r" "$c" "$side" "$(awk -v s="$s" 'BEGIN{print s/5}')" \
        "$(awk -v s="$cpu" 'BEGIN{print s/5}')" "$(bench_load)"
    done
  done
done
for c in version images build zstd64m; do
  fw=$(bench_median "$res.$c.cache" 1); nw=$(bench_median "$res.$c.none" 1)
  fc=$(bench_median "$res.$c.cache" 3); nc=$(bench_median "$res.$c.none" 3)
  printf 'median %-8s with cache %.3fs wall %.3fs CPU, without %.3fs wall %.3fs CPU: ratio cache/none wall %.2f CPU %.2f\n' \
    "$c" "$(awk -v a="$fw" 'BEGIN{print a/5}')" "$(awk -v a="$fc" 'BEGIN{print a/5}')" \
    "$(awk -v a="$nw" 'BEGIN{print a/5}')" "$(awk -v a="$nc" 'BEGIN{print a/5}')" \
    "$(awk -v a="$fw" -v b="$nw" 'BEGIN{printf "%.2f", a/b}')" "$(awk -v a="$fc" -v b="$nc" 'BEGIN{printf "%.2f", a/b}')"
done
echo "# load average at end: $(bench_load)"
rm -rf "$W" "$res".*
