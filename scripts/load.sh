#!/usr/bin/env bash
# Load from real clients against eddy's example servers and their tokio twins (the same
# server code, benches/twins), side by side:
#
#   http_server  (hyper)   wrk -t2 -d10s, 64 and 512 connections, GET /
#   https_server (hyper over rustls, interop/)  the same wrk load over TLS (self-signed
#                          certificate from the gen_cert example; keep-alive, so mostly
#                          record encryption, one handshake per connection)
#   redis_server (RESP2)   redis-benchmark -q -n 200000 -t set,get,incr, -P 1 and -P 16
#
# eddy's servers run twice: as built (`eddy`, the default I/O backend) and with
# EDDY_IO_BACKEND=polling (`eddy-polling`), the same binary. Each measurement runs ROUNDS
# times (default 3), the three taking turns (and turns at going first), and the table
# gives the medians. Servers listen on 127.0.0.1 only. wrk and redis-tools come from
# the distribution's packages if missing. Needs 2+ cores; the client shares them with the
# server, as in any single-machine load test, so read the ratio, not the absolute numbers.
#
# With --latency, each wrk run also reports its latency percentiles p50, p99 and p99.9
# (wrk's `--latency` histogram, read out by a `done` hook: wrk -s target/load/latency.lua),
# recorded as the workloads wrk_c<N>_p50 / _p99 / _p99.9 in microseconds, and a second
# table gives their medians. wrk is a closed loop (each connection sends its next request
# when the answer arrives), so these are the latencies at the throughput each server
# reached, not at a fixed offered rate.
#
# Usage: scripts/load.sh [--latency] [http] [redis] [https]   (all three by default)
#        e.g. ROUNDS=5 scripts/load.sh --latency http
# Env:   ROUNDS=3  WRK_SECONDS=10  REDIS_REQUESTS=200000
#        RUNTIMES="eddy eddy-polling tokio" (the runtimes that take turns; a subset is fine)
# Out:   the table(s) on stdout; every raw result in target/load/results.csv (the input of
#        scripts/chart.py) and each tool's output in target/load/*.log.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${ROUNDS:-3}"
WRK_SECONDS="${WRK_SECONDS:-10}"
REDIS_REQUESTS="${REDIS_REQUESTS:-200000}"
LATENCY=0
suites=()
for arg in "$@"; do
    case $arg in
        --latency) LATENCY=1 ;;
        *) suites+=("$arg") ;;
    esac
done
[ "${#suites[@]}" -gt 0 ] || suites=(http redis https)

out=target/load
mkdir -p "$out"
results="$out/results.csv"
echo "suite,workload,runtime,round,value,unit" >"$results"
if [ "$LATENCY" = 1 ]; then
    # wrk's `done` hook: the latency histogram's percentiles, in microseconds.
    cat >"$out/latency.lua" <<'EOF'
done = function(summary, latency, requests)
    for _, p in ipairs({ 50, 99, 99.9 }) do
        io.write(string.format("latency-percentile %g %d\n", p, latency:percentile(p)))
    end
end
EOF
fi

need() {
    local tool=$1 package=$2
    command -v "$tool" >/dev/null 2>&1 && return 0
    echo "== installing $package (for $tool)"
    if ! { apt-get update -qq && apt-get install -y -qq "$package"; } >"$out/apt.log" 2>&1; then
        echo "FAILED: could not install $package; see $out/apt.log" >&2
        exit 1
    fi
}

# The runtimes, checked before anything is installed, built or run.
RUNTIME_NAMES="eddy eddy-polling tokio"
read -r -a runtimes <<<"${RUNTIMES:-$RUNTIME_NAMES}"
unknown_runtime() {
    echo "unknown runtime '$1' in RUNTIMES (valid: $RUNTIME_NAMES)" >&2
    exit 2
}
[ "${#runtimes[@]}" -gt 0 ] || { echo "RUNTIMES is empty (valid: $RUNTIME_NAMES)" >&2; exit 2; }
for runtime in "${runtimes[@]}"; do
    case $runtime in
        eddy | eddy-polling | tokio) ;;
        *) unknown_runtime "$runtime" ;;
    esac
done

for suite in "${suites[@]}"; do
    case $suite in
        http | https) need wrk wrk ;;
        redis) need redis-benchmark redis-tools ;;
        *) echo "unknown suite '$suite' (http, redis, https)" >&2; exit 2 ;;
    esac
done

echo "== building the servers (release)"
cargo build --release --quiet --features hyper --example http_server --example redis_server
cargo build --release --quiet -p eddy-twins --bin http_server_tokio --bin redis_server_tokio
bin=${CARGO_TARGET_DIR:-target}/release
tls="$out/tls"
if [[ " ${suites[*]} " == *" https "* ]]; then
    # The TLS servers live in the interop crate (rustls builds ring's C code); one
    # self-signed pair for both runtimes.
    cargo build --release --quiet -p eddy-interop \
        --example https_server --example https_server_tokio --example gen_cert
    "$bin/examples/gen_cert" "$tls" >/dev/null
fi

server_pid=
stop_server() {
    if [ -n "$server_pid" ]; then
        # SIGINT: the HTTP servers shut down gracefully on Ctrl-C; the RESP ones just exit.
        kill -INT "$server_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    fi
}
trap stop_server EXIT

# start_server BINARY PORT [VAR=VALUE ...]: starts it on 127.0.0.1:PORT (then the
# arguments in the array `server_args`, if the caller set it), with those variables in its
# environment, and waits until it accepts. A caller's EDDY_IO_BACKEND is not passed on, so
# that `eddy` is always the default backend.
server_args=()
start_server() {
    local binary=$1 port=$2
    env -u EDDY_IO_BACKEND "${@:3}" "$binary" "127.0.0.1:$port" ${server_args[@]+"${server_args[@]}"} \
        >"$out/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.05
    done
    echo "FAILED: $binary did not start listening on 127.0.0.1:$port" >&2
    cat "$out/server.log" >&2
    exit 1
}

record() { echo "$1,$2,$3,$4,$5,$6" >>"$results"; }

# http_round RUNTIME BINARY ROUND [VAR=VALUE ...]
http_round() {
    wrk_round http 18080 "$@"
}

# https_round RUNTIME BINARY ROUND [VAR=VALUE ...]: the same load over TLS.
https_round() {
    local server_args=("$tls/cert.pem" "$tls/key.pem")
    wrk_round https 18443 "$@"
}

# wrk_round SCHEME PORT RUNTIME BINARY ROUND [VAR=VALUE ...]
wrk_round() {
    local scheme=$1 port=$2 runtime=$3 binary=$4 round=$5
    start_server "$binary" "$port" "${@:6}"
    for conns in 64 512; do
        local log="$out/wrk-$scheme-$runtime-c$conns-r$round.log"
        local latency_args=()
        [ "$LATENCY" = 1 ] && latency_args=(--latency -s "$out/latency.lua")
        wrk -t2 -c"$conns" -d"${WRK_SECONDS}s" ${latency_args[@]+"${latency_args[@]}"} \
            "$scheme://127.0.0.1:$port/" >"$log" 2>&1
        local rps errors
        rps=$(awk '/^Requests\/sec:/ {print $2}' "$log")
        errors=$(grep -E 'Socket errors|Non-2xx' "$log" || true)
        if [ -z "$rps" ]; then echo "FAILED: wrk gave no result, see $log" >&2; exit 1; fi
        if [ -n "$errors" ]; then echo "FAILED: wrk saw errors against $runtime: $errors" >&2; exit 1; fi
        record "$scheme" "wrk_c$conns" "$runtime" "$round" "$rps" "requests/s"
        printf '   %-12s c=%-3s round %s: %s requests/s\n' "$runtime" "$conns" "$round" "$rps"
        if [ "$LATENCY" = 1 ]; then
            local p us line=
            for p in 50 99 99.9; do
                us=$(awk -v p="$p" '$1 == "latency-percentile" && $2 == p {print $3}' "$log")
                if [ -z "$us" ]; then echo "FAILED: no p$p latency in $log" >&2; exit 1; fi
                record "$scheme" "wrk_c${conns}_p$p" "$runtime" "$round" "$us" "us"
                line+=" p$p ${us} us"
            done
            printf '   %-12s c=%-3s round %s:%s\n' "$runtime" "$conns" "$round" "$line"
        fi
    done
    stop_server
}

# redis_round RUNTIME BINARY ROUND [VAR=VALUE ...]
redis_round() {
    local runtime=$1 binary=$2 round=$3 port=16379
    start_server "$binary" "$port" "${@:4}"
    for pipeline in 1 16; do
        local log="$out/redis-$runtime-P$pipeline-r$round.log"
        redis-benchmark -h 127.0.0.1 -p "$port" -q -n "$REDIS_REQUESTS" -t set,get,incr \
            -P "$pipeline" >"$log" 2>&1
        # -q prints one summary per test ("SET: 123.45 requests per second, ...") after
        # carriage-return progress lines; errors print "Error ..." / "ERR ...".
        if grep -qiE '(^|[^a-z])err' "$log"; then
            echo "FAILED: redis-benchmark saw errors against $runtime, see $log" >&2
            exit 1
        fi
        for test in SET GET INCR; do
            local rps
            rps=$(tr '\r' '\n' <"$log" | awk -v t="$test:" '$1 == t && /requests per second/ {print $2}' | tail -n 1)
            if [ -z "$rps" ]; then echo "FAILED: no $test result in $log" >&2; exit 1; fi
            record redis "${test}_P$pipeline" "$runtime" "$round" "$rps" "requests/s"
            printf '   %-12s %-4s -P %-2s round %s: %s requests/s\n' "$runtime" "$test" "$pipeline" "$round" "$rps"
        done
    done
    stop_server
}

for suite in "${suites[@]}"; do
    echo "== $suite: $ROUNDS round(s), ${runtimes[*]} taking turns"
    for round in $(seq "$ROUNDS"); do
        # Each round starts one later in the list, so that no runtime always gets the
        # machine's first (or warmer, or noisier) slot.
        order=()
        for i in "${!runtimes[@]}"; do
            order+=("${runtimes[(i + round - 1) % ${#runtimes[@]}]}")
        done
        for runtime in "${order[@]}"; do
            case $suite/$runtime in
                http/eddy) http_round eddy "$bin/examples/http_server" "$round" ;;
                http/eddy-polling) http_round eddy-polling "$bin/examples/http_server" "$round" \
                    EDDY_IO_BACKEND=polling ;;
                http/tokio) http_round tokio "$bin/http_server_tokio" "$round" ;;
                https/eddy) https_round eddy "$bin/examples/https_server" "$round" ;;
                https/eddy-polling) https_round eddy-polling "$bin/examples/https_server" \
                    "$round" EDDY_IO_BACKEND=polling ;;
                https/tokio) https_round tokio "$bin/examples/https_server_tokio" "$round" ;;
                redis/eddy) redis_round eddy "$bin/examples/redis_server" "$round" ;;
                redis/eddy-polling) redis_round eddy-polling "$bin/examples/redis_server" "$round" \
                    EDDY_IO_BACKEND=polling ;;
                redis/tokio) redis_round tokio "$bin/redis_server_tokio" "$round" ;;
                *) unknown_runtime "$runtime" ;;
            esac
        done
    done
done

echo
echo "== medians of $ROUNDS round(s) ($(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$results" <<'EOF'
import csv, math, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))


def cell(value, spec):
    # A runtime left out by RUNTIMES has no median: a dash, not "nan".
    return "—" if math.isnan(value) else format(value, spec)


by = {}
for r in rows:
    by.setdefault((r["suite"], r["workload"]), {}).setdefault(r["runtime"], []).append(float(r["value"]))
print("| workload | eddy (req/s) | eddy-polling (req/s) | tokio (req/s) | eddy / tokio | eddy-polling / tokio |")
print("|---|---:|---:|---:|---:|---:|")
latency = {}
for (suite, workload), runtimes in by.items():
    if workload.startswith("wrk_c") and "_p" in workload:
        latency[(suite, workload)] = runtimes
        continue
    eddy, polling, tokio = (
        statistics.median(runtimes.get(r, [float("nan")])) for r in ("eddy", "eddy-polling", "tokio")
    )
    name = {"http": "wrk", "https": "wrk TLS", "redis": "redis-benchmark"}[suite]
    label = workload.replace("wrk_c", "GET /, c=").replace("_P", ", -P ")
    print(
        f"| {name} {label} | {cell(eddy, ',.0f')} | {cell(polling, ',.0f')} | {cell(tokio, ',.0f')}"
        f" | {cell(eddy / tokio, '.2f')} | {cell(polling / tokio, '.2f')} |"
    )
if latency:
    print()
    print("| latency | eddy (µs) | eddy-polling (µs) | tokio (µs) | eddy / tokio | eddy-polling / tokio |")
    print("|---|---:|---:|---:|---:|---:|")
    for (suite, workload), runtimes in latency.items():
        eddy, polling, tokio = (
            statistics.median(runtimes.get(r, [float("nan")])) for r in ("eddy", "eddy-polling", "tokio")
        )
        name = {"http": "wrk", "https": "wrk TLS"}[suite]
        conns, p = workload.removeprefix("wrk_c").split("_")
        print(
            f"| {name} GET /, c={conns}, {p} | {cell(eddy, ',.0f')} | {cell(polling, ',.0f')}"
            f" | {cell(tokio, ',.0f')} | {cell(eddy / tokio, '.2f')} | {cell(polling / tokio, '.2f')} |"
        )
EOF
