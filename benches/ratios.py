#!/usr/bin/env python3
"""Print the benchmark results as a markdown table of medians and ratios.

Reads criterion's `<target>/criterion/<workload>/<runtime>/new/estimates.json`, written
by `cargo bench --bench scheduler` (or `time`, `blocking`, `sync`, `net`), for the
runtimes eddy, tokio and smol. A ratio below 1 means eddy is faster. Groups that declare a
criterion throughput (`net`'s) also get a second table, of the same medians as
throughput, read from `benchmark.json` beside the estimates.

A group that runs eddy once per I/O backend (`net`'s: `eddy-epoll`, `eddy-polling`) gets
one row per backend, labelled `<workload> (<backend>)`, and a third table puts the
backends side by side. In such a group a plain `eddy` directory is a leftover of an older
run and is ignored.

A workload whose time includes a fixed wait and other work (`ct_timers_10k`: 10,000 tasks
each sleeping 1 ms) is also shown less its floor, the same wait and work without the part
under test (`ct_timers_10`: the same tasks, 10 of them sleeping), in a table of the
differences: the cost of that part alone, 9,990 timers (FLOORS below).

Several target directories (one per run, each holding a copy of that run's
`target/criterion` as `criterion/`) give a multi-run table instead: per workload, each
runtime's median over the runs of its per-run medians, the ratios of those, and the
per-run ratios eddy/tokio and eddy/smol.

Usage: python3 benches/ratios.py [TARGET_DIR...]
TARGET_DIR defaults to $CARGO_TARGET_DIR, else `target` next to this script's parent.
Standard library only.
"""

import json
import os
import sys

RUNTIMES = ("eddy", "tokio", "smol")
# The peers every eddy result is compared with.
PEERS = ("tokio", "smol")
# eddy's I/O backends in the order the tables show them; others found on disk follow.
BACKENDS = ("eddy-epoll", "eddy-polling")
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
    "tcp_churn",
    # benches/current_thread.rs
    "ct_spawn_local_100k",
    "ct_ping_pong",
    "ct_yield_many",
    "ct_timers_10k",
    "ct_timers_10",
)
# A workload whose time includes a fixed wait, and the group that measures the same wait
# and work without the part under test: the difference is the cost of that part.
FLOORS = {"ct_timers_10k": "ct_timers_10"}


def target_dir():
    """The first target directory (scripts/chart.py reads one)."""
    return target_dirs()[0]


def target_dirs():
    if len(sys.argv) > 1:
        return sys.argv[1:]
    env = os.environ.get("CARGO_TARGET_DIR")
    if env:
        return [env]
    return [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "target")]


def eddy_variants(criterion_dir, workload):
    """The eddy benchmarks of a group: its `eddy-<backend>` ones if any, else `eddy`."""
    group = os.path.join(criterion_dir, workload)
    found = [
        d
        for d in os.listdir(group)
        if d.startswith("eddy-") and os.path.isdir(os.path.join(group, d))
    ]
    if found:
        return [b for b in BACKENDS if b in found] + sorted(b for b in found if b not in BACKENDS)
    return ["eddy"] if os.path.isdir(os.path.join(group, "eddy")) else []


def rows(criterion_dir):
    """`(label, workload, eddy_name)` per eddy result with tokio and smol beside it."""
    on_disk = sorted(
        d
        for d in os.listdir(criterion_dir)
        if os.path.isdir(os.path.join(criterion_dir, d))
        and all(os.path.isdir(os.path.join(criterion_dir, d, r)) for r in PEERS)
        and eddy_variants(criterion_dir, d)
    )
    workloads = [w for w in WORKLOADS if w in on_disk] + [w for w in on_disk if w not in WORKLOADS]
    out = []
    for w in workloads:
        for eddy in eddy_variants(criterion_dir, w):
            label = w if eddy == "eddy" else f"{w} ({eddy.removeprefix('eddy-')})"
            out.append((label, w, eddy))
    return out


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


def time_unit(times):
    """The unit a row's times are printed in: that of the largest."""
    known = [t for t in times if t is not None]
    largest = max(known) if known else 0
    return "s" if largest >= 1e9 else "ms" if largest >= 1e6 else "µs"


def fmt_time(ns, unit):
    if ns is None:
        return "–"
    if unit == "s":
        return f"{ns / 1e9:.2f} s"
    if unit == "ms":
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e3:.1f} µs"


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}"


def main():
    dirs = [os.path.join(d, "criterion") for d in target_dirs()]
    for criterion_dir in dirs:
        if not os.path.isdir(criterion_dir):
            sys.exit(
                f"no criterion results in {criterion_dir}; run `cargo bench --bench scheduler` first"
            )
    if len(dirs) > 1:
        return multi_run(dirs)
    criterion_dir = dirs[0]

    table = rows(criterion_dir)
    if not table:
        sys.exit(f"no eddy/tokio/smol results under {criterion_dir}")

    print("| workload | eddy | tokio | smol | eddy/tokio | eddy/smol |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, w, eddy_name in table:
        eddy, tokio, smol = (median_ns(criterion_dir, w, r) for r in (eddy_name,) + PEERS)
        unit = time_unit((eddy, tokio, smol))
        print(
            f"| {label} | {fmt_time(eddy, unit)} | {fmt_time(tokio, unit)} | {fmt_time(smol, unit)}"
            f" | {fmt_ratio(eddy, tokio)} | {fmt_ratio(eddy, smol)} |"
        )
    print()
    print("Medians of criterion's samples (time per iteration); ratio < 1 means eddy is faster.")

    rated = [row for row in table if throughput(criterion_dir, row[1], row[2])]
    if rated:
        print()
        print("| workload | unit | eddy | tokio | smol |")
        print("|---|---|---:|---:|---:|")
        for label, w, eddy_name in rated:
            tp = throughput(criterion_dir, w, eddy_name)
            unit = "bytes" if tp[0].startswith("Bytes") else f"elements ({tp[1]} per iteration)"
            rates = (
                fmt_rate(median_ns(criterion_dir, w, r), throughput(criterion_dir, w, r))
                for r in (eddy_name,) + PEERS
            )
            print(f"| {label} | {unit} | " + " | ".join(rates) + " |")
        print()
        print("The same medians as throughput (higher is faster); k/s = thousand elements a second.")

    backends_table(criterion_dir, table)
    floors_table(criterion_dir, table)


def less_floor(criterion_dir, workload, runtime):
    """The workload's median less its floor's (FLOORS), or None if either is missing."""
    t = median_ns(criterion_dir, workload, runtime)
    floor = median_ns(criterion_dir, FLOORS[workload], runtime)
    return None if t is None or floor is None else t - floor


def floors_table(criterion_dir, table):
    """The workloads with a floor (FLOORS), each less that floor, per runtime."""
    floored = [(label, w, e) for label, w, e in table if w in FLOORS]
    if not floored:
        return
    print()
    print("| workload − floor | eddy | tokio | smol | eddy/tokio | eddy/smol |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, w, eddy_name in floored:
        eddy, tokio, smol = (less_floor(criterion_dir, w, r) for r in (eddy_name,) + PEERS)
        unit = time_unit((eddy, tokio, smol))
        print(
            f"| {label} − {FLOORS[w]} | {fmt_time(eddy, unit)} | {fmt_time(tokio, unit)}"
            f" | {fmt_time(smol, unit)} | {fmt_ratio(eddy, tokio)} | {fmt_ratio(eddy, smol)} |"
        )
    print()
    print("The same medians less the floor group's: the cost of what the floor leaves out.")


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2


def multi_run(dirs):
    """One table over several runs: medians of the per-run medians, and per-run ratios."""
    seen = []
    for criterion_dir in dirs:
        for row in rows(criterion_dir):
            if row not in seen:
                seen.append(row)
    if not seen:
        sys.exit("no eddy/tokio/smol results in the given directories")
    # Each measure is a function of (criterion_dir, workload, runtime).
    measures = [(label, w, e, median_ns) for label, w, e in seen]
    measures += [(f"{label} − {FLOORS[w]}", w, e, less_floor) for label, w, e in seen if w in FLOORS]

    print(f"{len(dirs)} runs.")
    print()
    print("| workload | eddy | tokio | smol | eddy/tokio | eddy/smol | per-run eddy/tokio | per-run eddy/smol |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for label, w, eddy_name, measure in measures:
        per_run = [
            tuple(measure(d, w, r) for r in (eddy_name,) + PEERS)
            for d in dirs
            if os.path.isdir(os.path.join(d, w))
        ]
        eddy, tokio, smol = (median(run[i] for run in per_run) for i in range(3))
        unit = time_unit((eddy, tokio, smol))
        vs_tokio = ", ".join(fmt_ratio(run[0], run[1]) for run in per_run)
        vs_smol = ", ".join(fmt_ratio(run[0], run[2]) for run in per_run)
        print(
            f"| {label} | {fmt_time(eddy, unit)} | {fmt_time(tokio, unit)} | {fmt_time(smol, unit)}"
            f" | {fmt_ratio(eddy, tokio)} | {fmt_ratio(eddy, smol)} | {vs_tokio} | {vs_smol} |"
        )
    print()
    print(
        "Each runtime's median over the runs of its per-run median (time per iteration), "
        "the ratios of those, then each run's ratio; ratio < 1 means eddy is faster."
    )


def backends_table(criterion_dir, table):
    """The groups that run eddy on more than one I/O backend, the backends side by side."""
    groups = {}
    for _, w, eddy_name in table:
        groups.setdefault(w, []).append(eddy_name)
    groups = {w: names for w, names in groups.items() if len(names) > 1}
    if not groups:
        return
    names = [b for b in BACKENDS if any(b in n for n in groups.values())]
    names += sorted({b for n in groups.values() for b in n} - set(names))
    short = [b.removeprefix("eddy-") for b in names]
    print()
    print(
        "| workload | "
        + " | ".join(names)
        + " | tokio | smol | "
        + " | ".join(f"{b}/tokio" for b in short)
        + (f" | {short[1]}/{short[0]}" if len(names) == 2 else "")
        + " |"
    )
    print("|---|" + "---:|" * (2 * len(names) + 2 + (len(names) == 2)))
    for w in groups:
        times = {r: median_ns(criterion_dir, w, r) for r in names + list(PEERS)}
        unit = time_unit(times.values())
        cells = [fmt_time(times[r], unit) for r in names + list(PEERS)]
        cells += [fmt_ratio(times[b], times["tokio"]) for b in names]
        if len(names) == 2:
            cells.append(fmt_ratio(times[names[1]], times[names[0]]))
        print(f"| {w} | " + " | ".join(cells) + " |")
    print()
    print(
        "eddy on each I/O backend (`Builder::io_backend`), the same medians; "
        "ratio < 1 means the left one is faster."
    )


if __name__ == "__main__":
    main()
