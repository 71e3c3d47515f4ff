#!/usr/bin/env python3
"""Print the benchmark results as a markdown table of medians and ratios.

Reads criterion's `<target>/criterion/<workload>/<runtime>/new/estimates.json`, written
by `cargo bench --bench scheduler` (or `time`, `blocking`, `sync`, `net`), for the
runtimes eddy, tokio and smol. A ratio below 1 means eddy is faster. Groups that declare a
criterion throughput (`net`'s) also get a second table, of the same medians as
throughput, read from `benchmark.json` beside the estimates.

Usage: python3 benches/ratios.py [TARGET_DIR]
TARGET_DIR defaults to $CARGO_TARGET_DIR, else `target` next to this script's parent.
Standard library only.
"""

import json
import os
import sys

RUNTIMES = ("eddy", "tokio", "smol")
# The order of benches/scheduler.rs, blocking.rs, sync.rs and net.rs; other groups found
# on disk follow, sorted.
WORKLOADS = (
    "spawn_many_local",
    "spawn_many_remote_idle",
    "spawn_many_remote_busy1",
    "yield_many",
    "ping_pong",
    "chained_spawn",
    # benches/blocking.rs
    "blocking_20k",
    "blocking_batches_x1",
    "blocking_batches_x2",
    # benches/sync.rs
    "mpsc_1_producer",
    "mpsc_4_producers",
    "mutex_contended",
    "semaphore_contended",
    "oneshot_ping_pong",
    # benches/net.rs
    "tcp_echo",
    "tcp_bulk",
)


def target_dir():
    if len(sys.argv) > 1:
        return sys.argv[1]
    env = os.environ.get("CARGO_TARGET_DIR")
    if env:
        return env
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "target")


def median_ns(criterion_dir, workload, runtime):
    path = os.path.join(criterion_dir, workload, runtime, "new", "estimates.json")
    try:
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"]
    except FileNotFoundError:
        return None


def throughput(criterion_dir, workload, runtime):
    """`("Elements" | "Bytes", count per iteration)`, or None if the group declares none."""
    path = os.path.join(criterion_dir, workload, runtime, "new", "benchmark.json")
    try:
        with open(path) as f:
            declared = json.load(f).get("throughput")
    except FileNotFoundError:
        return None
    if not declared:
        return None
    ((kind, count),) = declared.items()
    return kind, count


def fmt_rate(ns, tp):
    if ns is None or tp is None or ns == 0:
        return "–"
    kind, count = tp
    per_s = count / (ns / 1e9)
    if kind.startswith("Bytes"):
        return f"{per_s / 2**30:.2f} GiB/s"
    return f"{per_s / 1e3:.1f} k/s"


def fmt_time(ns, unit):
    if ns is None:
        return "–"
    if unit == "ms":
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e3:.1f} µs"


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}"


def main():
    criterion_dir = os.path.join(target_dir(), "criterion")
    if not os.path.isdir(criterion_dir):
        sys.exit(f"no criterion results in {criterion_dir}; run `cargo bench --bench scheduler` first")

    on_disk = sorted(
        d
        for d in os.listdir(criterion_dir)
        if os.path.isdir(os.path.join(criterion_dir, d))
        and all(os.path.isdir(os.path.join(criterion_dir, d, r)) for r in RUNTIMES)
    )
    workloads = [w for w in WORKLOADS if w in on_disk] + [w for w in on_disk if w not in WORKLOADS]
    if not workloads:
        sys.exit(f"no eddy/tokio/smol results under {criterion_dir}")

    print("| workload | eddy | tokio | smol | eddy/tokio | eddy/smol |")
    print("|---|---:|---:|---:|---:|---:|")
    for w in workloads:
        eddy, tokio, smol = (median_ns(criterion_dir, w, r) for r in RUNTIMES)
        known = [t for t in (eddy, tokio, smol) if t is not None]
        unit = "ms" if known and max(known) >= 1e6 else "µs"
        print(
            f"| {w} | {fmt_time(eddy, unit)} | {fmt_time(tokio, unit)} | {fmt_time(smol, unit)}"
            f" | {fmt_ratio(eddy, tokio)} | {fmt_ratio(eddy, smol)} |"
        )
    print()
    print("Medians of criterion's samples (time per iteration); ratio < 1 means eddy is faster.")

    rated = [w for w in workloads if throughput(criterion_dir, w, "eddy")]
    if rated:
        print()
        print("| workload | unit | eddy | tokio | smol |")
        print("|---|---|---:|---:|---:|")
        for w in rated:
            tp = throughput(criterion_dir, w, "eddy")
            unit = "bytes" if tp[0].startswith("Bytes") else f"elements ({tp[1]} per iteration)"
            rates = (
                fmt_rate(median_ns(criterion_dir, w, r), throughput(criterion_dir, w, r))
                for r in RUNTIMES
            )
            print(f"| {w} | {unit} | " + " | ".join(rates) + " |")
        print()
        print("The same medians as throughput (higher is faster); k/s = thousand elements a second.")


if __name__ == "__main__":
    main()
