#!/usr/bin/env python3
"""The table of benches/compare_commits.sh, from its results file.

Usage: python3 benches/compare_commits.py RESULTS.tsv BASE_NAME HEAD_NAME
RESULTS.tsv has one line per (side, round, workload): `side round workload median_ns`.
Two summaries per workload: the ratio of the medians over rounds, and the median of the
per-round ratios (each round's base and head ran back to back, so this one is the more
robust to the machine's drift). Standard library only.
"""

import statistics
import sys

ORDER = ["spawn_many_local", "spawn_many_remote_idle", "spawn_many_remote_busy1",
         "yield_many", "ping_pong", "chained_spawn"]


def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def main(path, base, head):
    data = {}
    for line in open(path):
        side, rnd, workload, ns = line.split("\t")
        data.setdefault(workload, {}).setdefault(side, {})[int(rnd)] = float(ns)
    rounds = 0
    print(f"| workload | {base} (base) | {head} (head) | ratio of medians | "
          "median of per-round ratios | per-round ratios (head / base) |")
    print("|---|---:|---:|---:|---:|---|")
    for workload in [w for w in ORDER if w in data] + sorted(set(data) - set(ORDER)):
        b, h = data[workload].get("base", {}), data[workload].get("head", {})
        both = sorted(set(b) & set(h))
        if not both:
            continue
        rounds = max(rounds, len(both))
        ratios = [h[r] / b[r] for r in both]
        mb = statistics.median(b[r] for r in both)
        mh = statistics.median(h[r] for r in both)
        print(f"| {workload} | {fmt(mb)} | {fmt(mh)} | {mh / mb:.3f} | "
              f"{statistics.median(ratios):.3f} | {' '.join(f'{x:.2f}' for x in ratios)} |")
    print(f"\n{rounds} interleaved rounds of criterion's median (eddy only); "
          "a ratio below 1 means head is faster")


if __name__ == "__main__":
    main(*sys.argv[1:4])
