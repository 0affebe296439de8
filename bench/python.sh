#!/usr/bin/env bash
# Python delivery: installing a wheelhouse into an image layer, and resolving a lock against a local index.
#
#   bench/python.sh [PARTS]      (default install,resolve; root for the base image)
#
#   install  `ferry python install --image BASE --wheelhouse WH -t REF` (one new gzip layer on a Debian bookworm
#            python3 base) vs `pip install --no-index --find-links WH --target DIR ...` followed by
#            `tar -cf - DIR | gzip -1` (and, for a fair second line, the same with pip's --no-compile: Ferry writes no
#            bytecode). WH: Debian's pip, setuptools and wheel wheels plus 40 synthetic pure-Python wheels of 30
#            modules (~4 KiB each) with a console script. Target: Ferry >= 5 x faster.
#   resolve  `ferry python wheelhouse requirements.txt -o OUT --target cp311-manylinux_2_36_x86_64 -i URL` with a
#            200-package hashed lock against a local PEP 503 index (python3 -m http.server on 127.0.0.1): 200 index
#            pages, 200 downloads checked against the lock, 200 wheels verified (RECORD) and written out. Target: < 2 s.
#            Peer: `pip download --no-deps --only-binary :all: --require-hashes -r requirements.txt -d DIR -i URL`.
#            Two Ferry figures: cold (empty store) and warm (the same lock again into the same store: every locked
#            file is already a blob there, so Ferry asks the index nothing and downloads nothing).
#
# The base image is the one the tests cache (~/.cache/ferry/python/, made by `ferry base debian --packages
# python3,python3-cryptography` when missing). Ferry's detection of the base's Python is cached per image in the
# store; it is warmed once before timing (the first detection of a Debian base reads its layer, ~3 s).
. "$(dirname "$0")/lib.sh"
bench_require python3 /usr/bin/python3 tar gzip /usr/bin/time
PARTS=${1:-install,resolve}
PY=/usr/bin/python3
# pip reads only our index: this machine's pip.conf may name other find-links/indexes
export PIP_CONFIG_FILE=/dev/null
TARGET=cp311-manylinux_2_36_x86_64
BASE_STORE=$HOME/.cache/ferry/python/base-bookworm-amd64-python3-python3-cryptography
SYN=$BENCH_DIR/python-wheels-v1          # install: 40 wheels x 30 modules
LOCK=$BENCH_DIR/python-lock200-v1        # resolve: 200 wheels x 2 modules
bench_build

[ -d "$SYN/wheels" ] || "$PY" "$BENCH_ROOT/bench/gen-wheels.py" "$SYN" 40 30 4096
[ -d "$LOCK/wheels" ] || "$PY" "$BENCH_ROOT/bench/gen-wheels.py" "$LOCK" 200 2 2048

if [[ $PARTS == *install* ]]; then
  if [ ! -f "$BASE_STORE/index.json" ]; then
    "${FERRY[@]}" --store "$BASE_STORE" base debian --suite bookworm --packages python3,python3-cryptography \
      -t ferry.test/python-base:bookworm
  fi
  WH=$BENCH_WORK/wh; rm -rf "$WH"; mkdir -p "$WH"
  cp "$SYN"/wheels/*.whl /usr/share/python-wheels/*.whl "$WH"/
  projects=$(ls "$WH" | sed 's/-.*//' | sort -u | tr '\n' ' ')
  STORE=$BENCH_WORK/store; rm -rf "$STORE"
  "${FERRY[@]}" --store "$STORE" import "$BASE_STORE" -t base:1 >/dev/null 2>&1
  "${FERRY[@]}" --store "$STORE" python tags --image base:1 -q >/dev/null   # warm the detection cache
  bench_header "python install: $(ls "$WH" | wc -l) wheels ($(du -sh "$WH" | cut -f1)) into one layer"
  : >"$BENCH_WORK/ferry.t"; : >"$BENCH_WORK/pip.t"; : >"$BENCH_WORK/pipnc.t"
  for i in $(seq "$BENCH_RUNS"); do
    bench_time "$BENCH_WORK/ferry.t" "${FERRY[@]}" --store "$STORE" -q python install --image base:1 --wheelhouse "$WH" -t "app:$i"
    rm -rf "$BENCH_WORK/tgt" "$BENCH_WORK/tgt.tgz"
    # shellcheck disable=SC2086
    bench_time "$BENCH_WORK/pip.t" sh -c "$PY -m pip install -q --disable-pip-version-check --no-index --find-links '$WH' --target '$BENCH_WORK/tgt' $projects && tar -C '$BENCH_WORK/tgt' -cf - . | gzip -1 > '$BENCH_WORK/tgt.tgz'"
    rm -rf "$BENCH_WORK/tgt" "$BENCH_WORK/tgt.tgz"
    # shellcheck disable=SC2086
    bench_time "$BENCH_WORK/pipnc.t" sh -c "$PY -m pip install -q --disable-pip-version-check --no-compile --no-index --find-links '$WH' --target '$BENCH_WORK/tgt' $projects && tar -C '$BENCH_WORK/tgt' -cf - . | gzip -1 > '$BENCH_WORK/tgt.tgz'"
    echo "run $i: ferry $(tail -1 "$BENCH_WORK/ferry.t" | cut -d' ' -f1)s  pip+tar $(tail -1 "$BENCH_WORK/pip.t" | cut -d' ' -f1)s  pip --no-compile+tar $(tail -1 "$BENCH_WORK/pipnc.t" | cut -d' ' -f1)s  (load $(bench_load))"
  done
  f=$(bench_median "$BENCH_WORK/ferry.t" 1); p=$(bench_median "$BENCH_WORK/pip.t" 1); n=$(bench_median "$BENCH_WORK/pipnc.t" 1)
  fc=$(bench_median "$BENCH_WORK/ferry.t" 3); pc=$(bench_median "$BENCH_WORK/pip.t" 3); nc=$(bench_median "$BENCH_WORK/pipnc.t" 3)
  echo "median wall: ferry ${f}s, pip+tar ${p}s, pip --no-compile+tar ${n}s"
  echo "median cpu:  ferry ${fc}s, pip+tar ${pc}s, pip --no-compile+tar ${nc}s"
  awk -v f="$f" -v p="$p" -v n="$n" 'BEGIN {printf "ratio (peer / ferry, wall): pip+tar %.1fx, pip --no-compile+tar %.1fx (target >= 5x)\n", p / f, n / f}'
  echo
fi

if [[ $PARTS == *resolve* ]]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 -m http.server --bind 127.0.0.1 --directory "$LOCK/index" "$port" >/dev/null 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null' EXIT
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/simple/" >/dev/null 2>&1 && break; sleep 0.1; done
  URL=http://127.0.0.1:$port/simple/
  bench_header "python wheelhouse: 200-package hashed lock against a local PEP 503 index"
  : >"$BENCH_WORK/fres.t"; : >"$BENCH_WORK/fwarm.t"; : >"$BENCH_WORK/pres.t"
  for i in $(seq "$BENCH_RUNS"); do
    rm -rf "$BENCH_WORK/res" "$BENCH_WORK/res2" "$BENCH_WORK/rstore" "$BENCH_WORK/pdl"
    # cold: an empty store (200 index pages, 200 downloads)
    bench_time "$BENCH_WORK/fres.t" "${FERRY[@]}" --store "$BENCH_WORK/rstore" -q python wheelhouse "$LOCK/requirements.txt" -o "$BENCH_WORK/res" --target "$TARGET" -i "$URL"
    # warm: the same lock again into the same store (every locked file is a blob there: no page, no download)
    bench_time "$BENCH_WORK/fwarm.t" "${FERRY[@]}" --store "$BENCH_WORK/rstore" -q python wheelhouse "$LOCK/requirements.txt" -o "$BENCH_WORK/res2" --target "$TARGET" -i "$URL"
    bench_time "$BENCH_WORK/pres.t" "$PY" -m pip download -q --disable-pip-version-check --no-deps --only-binary :all: --require-hashes -r "$LOCK/requirements.txt" -d "$BENCH_WORK/pdl" -i "$URL"
    echo "run $i: ferry cold $(tail -1 "$BENCH_WORK/fres.t" | cut -d' ' -f1)s ($(ls "$BENCH_WORK/res/$TARGET" | grep -c whl) wheels)  warm $(tail -1 "$BENCH_WORK/fwarm.t" | cut -d' ' -f1)s ($(ls "$BENCH_WORK/res2/$TARGET" | grep -c whl) wheels)  pip download $(tail -1 "$BENCH_WORK/pres.t" | cut -d' ' -f1)s  (load $(bench_load))"
  done
  f=$(bench_median "$BENCH_WORK/fres.t" 1); w=$(bench_median "$BENCH_WORK/fwarm.t" 1); p=$(bench_median "$BENCH_WORK/pres.t" 1)
  fc=$(bench_median "$BENCH_WORK/fres.t" 3); wc=$(bench_median "$BENCH_WORK/fwarm.t" 3); pc=$(bench_median "$BENCH_WORK/pres.t" 3)
  echo "median wall: ferry cold ${f}s, warm ${w}s (target < 2 s), pip download ${p}s"
  echo "median cpu:  ferry cold ${fc}s, warm ${wc}s, pip download ${pc}s"
  awk -v f="$f" -v w="$w" -v p="$p" 'BEGIN {printf "ratio (pip / ferry, wall): cold %.1fx, warm %.1fx\n", p / f, p / w}'
fi
