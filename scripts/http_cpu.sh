#!/usr/bin/env bash
# CPU per request of the hyper hello server AND of its load generator, eddy against tokio:
# on a machine where wrk shares the server's cores, requests per second follow the sum
# of the two, so this is the arithmetic behind the rps ratio.
#
#   scripts/http_cpu.sh            # ROUNDS=3 (the runtimes take turns), C=64 connections
#
# Each round: start the server (examples/http_server, or benches/twins' tokio twin), wait
# a second, run `wrk -t2 -c$C -d10s` under /usr/bin/time, and read the server's user +
# system CPU from /proc/<pid>/stat before and after. Prints requests/s and, per request,
# the server's CPU, wrk's CPU and their sum. Linux only (/proc).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-3}"
C="${C:-64}"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
cargo build --release --quiet --features hyper --example http_server
cargo build --release --quiet -p eddy-twins --bin http_server_tokio
bin=target/release
ticks=$(getconf CLK_TCK)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for round in $(seq 1 "$ROUNDS"); do
    for runtime in eddy tokio; do
        case $runtime in
            eddy) server=$bin/examples/http_server ;;
            tokio) server=$bin/http_server_tokio ;;
        esac
        "$server" 127.0.0.1:18080 >/dev/null 2>&1 &
        pid=$!
        sleep 1
        before=$(cpu_ticks "$pid")
        /usr/bin/time -f "%U %S" -o "$tmp/time" \
            wrk -t2 -c"$C" -d10s http://127.0.0.1:18080/ >"$tmp/wrk" 2>&1
        after=$(cpu_ticks "$pid")
        kill -INT "$pid"
        wait "$pid" 2>/dev/null || true
        requests=$(awk '/requests in/ {print $1}' "$tmp/wrk")
        rps=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk")
        read -r wrk_user wrk_sys <"$tmp/time"
        python3 - "$runtime" "$round" "$requests" "$rps" "$before" "$after" "$ticks" \
            "$wrk_user" "$wrk_sys" <<'PY'
import sys
rt, rnd, req, rps, before, after, ticks, wu, ws = sys.argv[1:]
req = int(req)
server = (float(after) - float(before)) / float(ticks) * 1e6 / req
wrk = (float(wu) + float(ws)) * 1e6 / req
print(f"{rt:5} round {rnd}: {float(rps):9.0f} requests/s; per request: server "
      f"{server:5.2f} us, wrk {wrk:5.2f} us, both {server + wrk:5.2f} us")
PY
    done
done
