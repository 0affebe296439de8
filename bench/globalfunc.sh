#!/usr/bin/env bash
# GlobalFunc: Ferry's gateway against the original design's server, and GlobalFunc's own figures.
#
#   bench/globalfunc.sh            # DURATION=10 CONNS='4 16' THREADS=2 FERRY_PORT=8611 TORNADO_PORT=8612 WORK=/tmp/ferry-bench-gf
#
# 1. gateway: wrk (same client, same connections, DURATION seconds, after a warm-up) POSTs
#    {"pack_func": "Bench.trivial", "kwargs": {"x": 1}} to /gfgo/ of
#      - ferry func serve (4 warm workers per function), and
#      - a Tornado server doing what the original notes' server.py did: import GlobalFunc as funcs, getattr
#        dispatch, json in and out (python3-tornado from Debian, one process as in the notes);
#    prints requests/s and latency p50/p99 of both and the ratios;
# 2. Java <-> Python round trip through a warm worker (p50/p99), and a call through the pool;
# 3. scan of 10,000 functions (20 packages x 500) into a fresh SQLite catalog; the CLI's wall time too;
# 4. search p50/p99 over those 10,000 functions.
# Needs wrk, python3 and python3-tornado (Debian's, /usr/bin/python3 unless PYTHON is set), git. Inputs are generated in WORK.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
bench_require wrk git
# Debian's interpreter, which sees Debian's python3-tornado; Ferry's workers use the same one.
PY=${PYTHON:-/usr/bin/python3}
"$PY" -c 'import tornado' 2>/dev/null || { echo "bench: python3-tornado is not installed for $PY" >&2; exit 2; }
export FERRY_PYTHON=$PY
DURATION=${DURATION:-10}; CONNS=${CONNS:-4 16}; THREADS=${THREADS:-2}
FP=${FERRY_PORT:-8611}; TP=${TORNADO_PORT:-8612}
W=${WORK:-/tmp/ferry-bench-gf}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
rm -rf "$W"; mkdir -p "$W"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
bench_build
bench_header "GlobalFunc gateway vs Tornado (the original design), and GlobalFunc internals"
export FERRY_HOME=$W/store FERRY_FUNC_CATALOG=$W/catalog.db

# ---- the function repository (also the package Tornado imports)
R=$W/GlobalFunc
mkdir -p "$R/Bench"
git -C "$R" init -q -b master
printf 'def trivial(x=0):\n    """Return x: the cost of a call and nothing else."""\n    return x\n' > "$R/Bench/trivial.py"
"${FERRY[@]}" func init --repo "$R" Bench >/dev/null
echo 'from . import Bench' > "$R/__init__.py"
"${FERRY[@]}" -q func publish --repo "$R" >/dev/null

cat > "$W/server.py" <<'PYEOF'
# The original notes' server.py: tornado, import GlobalFunc as funcs, getattr dispatch, kwargs call.
import json, sys
import tornado.httpserver, tornado.ioloop, tornado.web
import GlobalFunc as funcs

def get_func_by_para(some_func_pack, full_func_name):
    pack, funcname = full_func_name.split(".")
    return getattr(getattr(some_func_pack, pack), funcname)

class GFGoHandler(tornado.web.RequestHandler):
    def post(self):
        d = json.loads(self.request.body)
        self.write(json.dumps(get_func_by_para(funcs, d["pack_func"])(**d.get("kwargs", {}))))

app = tornado.web.Application([(r"/gfgo/", GFGoHandler)], log_function=lambda h: None)
tornado.httpserver.HTTPServer(app).listen(int(sys.argv[1]), "127.0.0.1")
tornado.ioloop.IOLoop.current().start()
PYEOF
(cd "$W" && exec "$PY" server.py "$TP") & pids+=($!)
"${FERRY[@]}" func serve --repo "$R" --listen "127.0.0.1:$FP" --min-warm 4 --max-workers 4 --warm Bench.trivial 2>"$W/serve.log" & pids+=($!)
for p in "$FP" "$TP"; do
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$p/gfgo/" -d '{"pack_func": "Bench.trivial", "kwargs": {"x": 1}}' && break; sleep 0.2; done
done
[ "$(curl -s "http://127.0.0.1:$FP/gfgo/" -d '{"pack_func": "Bench.trivial", "kwargs": {"x": 1}}')" = 1 ] || { echo "ferry gateway answers wrong" >&2; exit 1; }
[ "$(curl -s "http://127.0.0.1:$TP/gfgo/" -d '{"pack_func": "Bench.trivial", "kwargs": {"x": 1}}')" = 1 ] || { echo "tornado answers wrong" >&2; exit 1; }

cat > "$W/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"pack_func": "Bench.trivial", "kwargs": {"x": 1}}'
wrk.headers["Content-Type"] = "application/json"
LUA
run_wrk() {  # PORT CONNS -> "rps p50_ms p99_ms non2xx"
  wrk -t"$THREADS" -c"$2" -d2s -s "$W/post.lua" "http://127.0.0.1:$1/gfgo/" >/dev/null  # warm-up
  wrk -t"$THREADS" -c"$2" -d"${DURATION}s" --latency -s "$W/post.lua" "http://127.0.0.1:$1/gfgo/" > "$W/wrk.$1"
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    END { printf "%.0f %.3f %.3f %s\n", rps, p50, p99, bad + 0 }' "$W/wrk.$1"
}
for c in $CONNS; do
  echo
  echo "## 1. POST /gfgo/ of a trivial function: wrk -t$THREADS -c$c -d${DURATION}s (load: $(bench_load))"
  read -r frps fp50 fp99 fbad < <(run_wrk "$FP" "$c")
  read -r trps tp50 tp99 tbad < <(run_wrk "$TP" "$c")
  printf '%-34s %10s %10s %10s %8s\n' server "req/s" "p50 ms" "p99 ms" non-2xx
  printf '%-34s %10s %10s %10s %8s\n' "ferry func serve (4 workers)" "$frps" "$fp50" "$fp99" "$fbad"
  printf '%-34s %10s %10s %10s %8s\n' "tornado (original server.py)" "$trps" "$tp50" "$tp99" "$tbad"
  awk -v f="$frps" -v t="$trps" -v fp="$fp50" -v tp="$tp50" 'BEGIN { printf "ratio: throughput ferry/tornado = %.2fx, p50 ferry/tornado = %.2f\n", f / t, fp / tp }'
done
cleanup; pids=()

CP="$(ls "$ROOT"/ferry-cli/target/ferry-cli-*.jar | grep -v sources | head -1):$(ls "$ROOT"/ferry-cli/target/lib/*.jar | tr '\n' ':')"
echo
echo "## 2. Java <-> Python through a warm worker, 20000 round trips (load: $(bench_load))"
"$JAVA" --enable-native-access=ALL-UNNAMED -cp "$CP" "$ROOT/bench/GlobalFuncBench.java" roundtrip 20000 "$W/catalog.db"

echo
echo "## 3. scan of 10,000 functions (20 packages x 500 files) (load: $(bench_load))"
B=$W/Big
mkdir -p "$B"; git -C "$B" init -q -b master
"$PY" - "$B" <<'PYEOF'
import os, random, sys
root = sys.argv[1]; rnd = random.Random(3)
verbs = "load save parse format convert merge split filter sort count scale clip round encode decode hash fetch send".split()
nouns = "time date price order user table frame image text token vector matrix file path url json csv record".split()
for p in range(20):
    d = os.path.join(root, "pkg%02d" % p); os.makedirs(d)
    for i in range(500):
        name = "%s_%s_%d" % (rnd.choice(verbs), rnd.choice(nouns), i)
        with open(os.path.join(d, name + ".py"), "w") as f:
            f.write('import json\n\ndef %s(value=None, scale=1.0, label="%s"):\n    """%s the %s of a %s, scaled."""\n    return {"label": label, "value": value, "scale": scale}\n'
                    % (name, name, name.split("_")[0].capitalize(), name.split("_")[1], rnd.choice(nouns)))
PYEOF
"$JAVA" --enable-native-access=ALL-UNNAMED -cp "$CP" "$ROOT/bench/GlobalFuncBench.java" scan "$B" "$W/big.db"
/usr/bin/time -f 'ferry func scan (CLI, JVM start-up included, into an existing catalog): %e s' "${FERRY[@]}" -q func scan --repo "$B" --catalog "$W/big-cli.db" >/dev/null
/usr/bin/time -f 'ferry func scan again (nothing changed): %e s' "${FERRY[@]}" -q func scan --repo "$B" --catalog "$W/big-cli.db" >/dev/null

echo
echo "## 4. search over 10,000 functions (load: $(bench_load))"
"$JAVA" --enable-native-access=ALL-UNNAMED -cp "$CP" "$ROOT/bench/GlobalFuncBench.java" search "$W/big.db" 2000
