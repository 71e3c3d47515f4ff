#!/usr/bin/env bash
# Where the time goes, per request, eddy against tokio: one command per workload.
#
#   scripts/profile.sh ping_pong   # benches/scheduler.rs ping_pong/{eddy,tokio}
#   scripts/profile.sh tcp_echo    # benches/net.rs tcp_echo/{eddy-epoll,tokio}
#   scripts/profile.sh http        # examples/http_server and its tokio twin under wrk
#
# A "request" is one ping/pong exchange in ping_pong (1,000 per iteration), one 64-byte
# round trip in tcp_echo (32 clients x 100 per iteration) and one GET / in http. For each
# runtime (they take turns: eddy, tokio, then each tool again) three separate runs:
#
#   1. perf stat: task-clock, context-switches, cpu-migrations (software events, which
#      every Linux kernel has; hardware counters are often missing in VMs) and the syscall tracepoints of futex,
#      epoll_wait/epoll_pwait/epoll_pwait2, read/readv/recvfrom/recvmsg and
#      write/writev/sendto/sendmsg — exact counts at almost no cost;
#   2. perf record -g (cpu-clock, 1999 Hz): the samples split into four buckets by the
#      function they landed in (self time), the earliest crate named in the symbol deciding:
#        kernel  — any kernel symbol ([k]);
#        runtime — eddy*, tokio*, mio, polling, crossbeam*, parking_lot*, std::sync,
#                  std::thread, std::sys, and libc's thread/syscall wrappers (pthread_*,
#                  __lll_*, syscall, epoll_*, read/write/send/recv...);
#        app     — the benchmark's own code (scheduler::, net::, net_rt::, the servers),
#                  hyper/http/httparse/bytes/futures*, async-channel/event-listener/
#                  concurrent-queue (the benchmarks' channels), the allocator (malloc,
#                  free, __rust_alloc ...; counted as app even when the runtime is
#                  the caller: self time cannot tell whose allocation it is) and
#                  mem*/str* copies;
#        other   — everything else: criterion's harness and analysis, unresolved addresses;
#   3. strace -c -f: the same system calls counted by strace (it slows the process a lot,
#      so these counts are of a different schedule than perf stat's; kept as the
#      cross-check the issue asks for).
#
# The criterion benchmarks run in criterion's normal mode (a 10 ms warm-up, PROFILE_SECONDS
# of measurement, few resamples) so that the iteration count is known: the sum of
# sample.json's iterations plus the warm-up's. Criterion's warm-up runs 1, 2, 4, ...
# iterations until the warm-up time has passed (1-2x that time of work, so a 1 s warm-up
# would leave up to a second of work miscounted); it is kept to 10 ms and its iterations
# computed by that loop at the measured mean, off by at most one doubling (< 20 ms of
# work against PROFILE_SECONDS of measurement). The counts are of the whole process
# (client and server tasks, the criterion thread). For
# http, the tools attach to the server process only (wrk -t2 -cWRK_CONNS, WRK_SECONDS).
#
# Usage: scripts/profile.sh ping_pong|tcp_echo|http
# Env:   PROFILE_SECONDS=5  WRK_CONNS=64  WRK_SECONDS=10  RUNTIMES="eddy tokio"
#        ANALYZE_ONLY=1: no runs, only the tables again from the files of the last run
# Out:   a markdown table on stdout; target/profile/<workload>/summary.csv (workload,
#        runtime,metric,value) and, per runtime, perf.data, report.txt (every symbol's
#        self time), buckets.txt (each symbol's bucket), stat.csv, strace.txt and the
#        runs' own output.
set -euo pipefail
cd "$(dirname "$0")/.."

workload=${1:-}
case $workload in
    ping_pong | tcp_echo | http) ;;
    *) echo "usage: scripts/profile.sh ping_pong|tcp_echo|http" >&2; exit 2 ;;
esac
PROFILE_SECONDS="${PROFILE_SECONDS:-5}"
WRK_CONNS="${WRK_CONNS:-64}"
WRK_SECONDS="${WRK_SECONDS:-10}"
read -r -a runtimes <<<"${RUNTIMES:-eddy tokio}"
target=${CARGO_TARGET_DIR:-target}
out=$target/profile/$workload
if [ "${ANALYZE_ONLY:-0}" != 1 ]; then

for tool in perf strace; do
    command -v "$tool" >/dev/null || { echo "FAILED: $tool is not installed" >&2; exit 1; }
done
[ "$workload" != http ] || command -v wrk >/dev/null || { echo "FAILED: wrk is not installed" >&2; exit 1; }

syscalls=(futex epoll_wait epoll_pwait epoll_pwait2 read readv recvfrom recvmsg write writev
    sendto sendmsg)
events=task-clock,context-switches,cpu-migrations
for s in "${syscalls[@]}"; do events+=",syscalls:sys_enter_$s"; done

# bench_exe NAME: builds benches/NAME.rs (release, with debug info: [profile.bench]) and
# prints its executable's path.
bench_exe() {
    cargo bench --quiet --bench "$1" --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["kind"] == ["bench"]:
        print(m["executable"])'
}

echo "== building ($workload)"
case $workload in
    ping_pong) exe=$(bench_exe scheduler); per_iter=1000 ;;
    tcp_echo) exe=$(bench_exe net); per_iter=3200 ;;
    http)
        cargo build --release --quiet --features hyper --example http_server
        cargo build --release --quiet -p eddy-twins --bin http_server_tokio
        ;;
esac

# bench_id RUNTIME: criterion's benchmark name.
bench_id() {
    case $workload/$1 in
        tcp_echo/eddy) echo "tcp_echo/eddy-epoll" ;;
        *) echo "$workload/$1" ;;
    esac
}

# Criterion's warm-up, in seconds (its --warm-up-time; it must be > 0).
WARM_UP=0.01

# requests_bench DIR RUNTIME: requests made by the criterion run whose CRITERION_HOME was DIR.
requests_bench() {
    python3 - "$1/$(bench_id "$2")/new/sample.json" "$per_iter" "$WARM_UP" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
iters, secs = sum(d["iters"]), sum(d["times"]) / 1e9
mean, warm_up_secs = secs / iters, float(sys.argv[3])
# Criterion's warm-up loop: batches of 1, 2, 4, ... iterations until the time spent
# exceeds the warm-up time; here at the measured mean.
batch, warm_up, spent = 1, 0, 0.0
while True:
    warm_up += batch
    spent += batch * mean
    if spent > warm_up_secs:
        break
    batch *= 2
print(round((iters + warm_up) * int(sys.argv[2])))
EOF
}

# run_bench RUNTIME TOOL-PREFIX...: runs the criterion benchmark under the tool, prints
# the number of requests it made.
run_bench() {
    local runtime=$1 dir
    shift
    dir=$(mktemp -d "$out/criterion.XXXX")
    CRITERION_HOME=$dir "$@" "$exe" --bench "^$(bench_id "$runtime")\$" --warm-up-time "$WARM_UP" \
        --measurement-time "$PROFILE_SECONDS" --nresamples 1000 --noplot \
        >>"$out/$runtime/bench.log" 2>&1
    requests_bench "$dir" "$runtime"
}

server_pid=
stop_server() {
    if [ -n "$server_pid" ]; then
        kill -INT "$server_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    fi
}
trap stop_server EXIT

port=${PROFILE_PORT:-18391}
start_server() {
    local binary
    case $1 in
        eddy) binary=$target/release/examples/http_server ;;
        tokio) binary=$target/release/http_server_tokio ;;
    esac
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "FAILED: something already listens on 127.0.0.1:$port (set PROFILE_PORT)" >&2
        exit 1
    fi
    echo "== $(date -u +%T) start" >>"$out/$1/server.log"
    env -u EDDY_IO_BACKEND "$binary" "127.0.0.1:$port" >>"$out/$1/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && kill -0 "$server_pid" 2>/dev/null; then
            return 0
        fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.05
    done
    echo "FAILED: $binary did not start listening, see $out/$1/server.log" >&2
    exit 1
}

# run_http RUNTIME TOOL...: starts the server, attaches `TOOL... -p PID` to it, runs wrk,
# stops the tool with SIGINT, prints the requests wrk completed.
run_http() {
    local runtime=$1 tool_pid log
    shift
    start_server "$runtime"
    "$@" -p "$server_pid" >>"$out/$runtime/tool.log" 2>&1 &
    tool_pid=$!
    sleep 1 # attached
    if ! kill -0 "$tool_pid" 2>/dev/null || ! kill -0 "$server_pid" 2>/dev/null; then
        echo "FAILED: $1 or the $runtime server exited early, see $out/$runtime/*.log" >&2
        exit 1
    fi
    log=$(mktemp "$out/$runtime/wrk.XXXX")
    wrk -t2 -c"$WRK_CONNS" -d"${WRK_SECONDS}s" "http://127.0.0.1:$port/" >"$log" 2>&1
    kill -INT "$tool_pid"
    wait "$tool_pid" || true
    stop_server
    local n
    n=$(awk '/requests in/ {print $1}' "$log")
    if [ -z "$n" ]; then echo "FAILED: wrk gave no result, see $log" >&2; exit 1; fi
    echo "$n"
}

run() {
    if [ "$workload" = http ]; then run_http "$@"; else run_bench "$@"; fi
}

rm -rf "$out"
for runtime in "${runtimes[@]}"; do mkdir -p "$out/$runtime"; done
for step in stat record strace; do
    for runtime in "${runtimes[@]}"; do
        d=$out/$runtime
        echo "== $workload $runtime: $step"
        case $step in
            stat) n=$(run "$runtime" perf stat -x, -o "$d/stat.csv" -e "$events") ;;
            record) n=$(run "$runtime" perf record -q -e cpu-clock -F 1999 -g -o "$d/perf.data") ;;
            strace) n=$(run "$runtime" strace -c -f -o "$d/strace.txt") ;;
        esac
        [ -n "$n" ] || exit 1
        echo "$n" >"$d/requests-$step"
        echo "   $n requests"
    done
done
echo "$(date -u '+%F %H:%M UTC'); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!target' || echo ' + local changes')" >"$out/meta"
fi # ANALYZE_ONLY

for runtime in "${runtimes[@]}"; do
    perf report -i "$out/$runtime/perf.data" --no-children --sort dso,sym --stdio -g none \
        --percent-limit 0 2>/dev/null >"$out/$runtime/report.txt"
done

echo
echo "== $workload, per request (run of $(cat "$out/meta"))"
python3 - "$out" "$workload" "${runtimes[@]}" <<'EOF'
import csv, os, re, sys

out, workload, runtimes = sys.argv[1], sys.argv[2], sys.argv[3:]

RUNTIME = [r"eddy\w*::", r"tokio\w*::", r"mio::", r"polling::", r"crossbeam\w*::",
           r"parking_lot\w*::", r"std::sync::", r"std::thread::", r"std::sys::",
           r"^pthread_", r"^__lll_", r"^__pthread", r"^syscall$", r"^epoll_", r"^__GI_",
           r"^(__libc_)?(read|write|writev|readv|send|recv|sendto|recvfrom|sendmsg|recvmsg)$",
           r"^__(libc_)?(futex|sched_yield|clock_gettime|vdso)", r"^sched_yield$",
           r"^__vdso_", r"^clock_gettime"]
APP = [r"(?<![\w:])scheduler::", r"(?<![\w:])net::", r"(?<![\w:])net_rt::",
       r"(?<![\w:])http_server\w*::", r"(?<![\w:])eddy_twins::", r"hyper\w*::", r"(?<![\w:])http::",
       r"httparse::", r"(?<![\w:])bytes::", r"futures\w*::", r"async_channel::",
       r"event_listener\w*::", r"concurrent_queue::", r"^(__libc_)?(malloc|free|cfree|realloc|calloc)$",
       r"^_int_", r"^_?_?(mid_|posix_)?memalign", r"^malloc_", r"^sysmalloc",
       r"^unlink_chunk", r"^tcache",
       r"__rust_(alloc|dealloc|realloc)", r"__rdl_", r"alloc::alloc::", r"^__mem", r"^mem",
       r"^__str", r"^_?_?GI___mem"]


def bucket(sym, kernel):
    if kernel:
        return "kernel"
    best = None
    for name, pats in (("runtime", RUNTIME), ("app", APP)):
        for p in pats:
            m = re.search(p, sym)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), name)
    return best[1] if best else "other"


def split(path, listing):
    """Shares of the samples per bucket; writes every symbol's bucket to `listing`."""
    shares = {"kernel": 0.0, "runtime": 0.0, "app": 0.0, "other": 0.0}
    lines = []
    line_re = re.compile(r"^\s*([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(.*?)\s*$")
    for line in open(path, errors="replace"):
        m = line_re.match(line)
        if not m:
            continue
        pct, dso, kind = float(m[1]), m[2], m[3]
        sym = re.sub(r"(@GLIBC[\w.]*|\.constprop\.\d+|\.isra\.\d+|\.part\.\d+)+$", "", m[4])
        b = bucket(sym, kind == "k" or dso.startswith("[kernel"))
        shares[b] += pct
        lines.append(f"{pct:6.2f}% {b:8} {sym}\n")
    with open(listing, "w") as f:
        f.writelines(lines)
    return shares


class Stat(dict):
    """perf stat's counts by event; looking up an event perf did not count (its row says
    <not counted> or <not supported>, or there is none) fails, rather than reading 0."""

    def __init__(self, path):
        super().__init__()
        self.path, self.missing = path, {}
        for row in csv.reader(l for l in open(path) if l.strip() and not l.startswith("#")):
            if len(row) > 2:
                event = row[2].removeprefix("syscalls:sys_enter_")
                if row[0] in ("<not counted>", "<not supported>"):
                    self.missing[event] = row[0]
                else:
                    self[event] = float(row[0])

    def __missing__(self, event):
        why = self.missing.get(event, "no row for it")
        sys.exit(f"FAILED: perf stat did not count {event} ({why}) in {self.path}; "
                 "its per-request figures would read 0. Check that perf can count it here "
                 "(perf list; the syscalls tracepoints need tracefs and perf_event_paranoid).")


def stat(path):
    return Stat(path)


def strace(path):
    counts = {}
    for line in open(path):
        f = line.split()
        # "% time seconds usecs/call calls [errors] syscall"
        if len(f) >= 5 and f[-1].isidentifier() and f[3].isdigit():
            counts[f[-1]] = int(f[3])
    return counts


def requests(rt, step):
    return float(open(os.path.join(out, rt, f"requests-{step}")).read())


EPOLL = ("epoll_wait", "epoll_pwait", "epoll_pwait2")
READS = ("read", "readv", "recvfrom", "recvmsg")
WRITES = ("write", "writev", "sendto", "sendmsg")
rows = {}
for rt in runtimes:
    d = os.path.join(out, rt)
    s, n = stat(os.path.join(d, "stat.csv")), requests(rt, "stat")
    sp = split(os.path.join(d, "report.txt"), os.path.join(d, "buckets.txt"))
    t, nt = strace(os.path.join(d, "strace.txt")), requests(rt, "strace")
    r = rows[rt] = {}
    r["requests (perf stat run)"] = n
    r["CPU µs (task-clock)"] = s["task-clock"] * 1e3 / n
    for b in ("kernel", "runtime", "app", "other"):
        r[f"% {b} (perf record)"] = sp[b]
    # The CPU time split by the shares (perf record's run, applied to perf stat's CPU).
    for b in ("kernel", "runtime", "app"):
        r[f"CPU µs: {b}"] = r["CPU µs (task-clock)"] * sp[b] / 100
    r["context switches"] = s["context-switches"] / n
    r["cpu migrations"] = s["cpu-migrations"] / n
    r["futex"] = s["futex"] / n
    r["epoll waits"] = sum(s[k] for k in EPOLL) / n
    r["reads (read/readv/recvfrom/recvmsg)"] = sum(s[k] for k in READS) / n
    r["writes (write/writev/sendto/sendmsg)"] = sum(s[k] for k in WRITES) / n
    r["strace: requests"] = nt
    r["strace: futex"] = t.get("futex", 0) / nt
    r["strace: epoll waits"] = sum(t.get(k, 0) for k in EPOLL) / nt
    for k in READS + WRITES:
        if t.get(k):
            r[f"strace: {k}"] = t[k] / nt

with open(os.path.join(out, "summary.csv"), "w") as f:
    f.write("workload,runtime,metric,value\n")
    for rt, r in rows.items():
        for k, v in r.items():
            f.write(f'{workload},{rt},"{k}",{v:.6g}\n')

metrics = list(dict.fromkeys(k for r in rows.values() for k in r))
print("| per request | " + " | ".join(runtimes) + " |")
print("|---|" + "---:|" * len(runtimes))
for k in metrics:
    cells = []
    for rt in runtimes:
        v = rows[rt].get(k, 0.0)
        cells.append(f"{v:,.0f}" if "requests" in k else f"{v:.1f}%" if k.startswith("%") else f"{v:.3g}")
    print(f"| {k} | " + " | ".join(cells) + " |")
EOF
