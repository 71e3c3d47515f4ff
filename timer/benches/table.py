#!/usr/bin/env python3
"""Print the timer queue benchmark results as a markdown table of ns per operation.

Reads criterion's `<target>/criterion/<group>/<queue>/new/estimates.json`, written by
`cargo bench -p eddy-timer --bench wheel`, for the queues wheel (eddy), heap (asyncio's
scheme) and btree (async-io's). Each timer is two operations (insert + cancel, or
insert + fire), so ns/op = median time per iteration / (2 x timers).

Usage: python3 timer/benches/table.py [TARGET_DIR]
TARGET_DIR defaults to $CARGO_TARGET_DIR, else `target` at the workspace root.
Standard library only.
"""

import json
import os
import sys

QUEUES = ("wheel", "heap", "btree")
WORKLOADS = ("insert_cancel", "insert_expire", "cancel_90_expire_10")
SIZES = (("1M", 1_000_000), ("10k", 10_000))


def target_dir():
    if len(sys.argv) > 1:
        return sys.argv[1]
    if os.environ.get("CARGO_TARGET_DIR"):
        return os.environ["CARGO_TARGET_DIR"]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(root, "target")


def median_ns(target, group, queue):
    path = os.path.join(target, "criterion", group, queue, "new", "estimates.json")
    try:
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"]
    except (OSError, KeyError, ValueError):
        return None


def main():
    target = target_dir()
    print("| workload | timers | eddy wheel | heap (asyncio) | BTreeMap (async-io) |")
    print("|---|---:|---:|---:|---:|")
    for size, timers in SIZES:
        for workload in WORKLOADS:
            group = f"{workload}_{size}"
            cells = []
            for queue in QUEUES:
                ns = median_ns(target, group, queue)
                cells.append("–" if ns is None else f"{ns / (2 * timers):.1f}")
            print(f"| {workload} | {size} | " + " | ".join(cells) + " |")
    print()
    print("ns per operation (median); each timer is an insert plus a cancel or a fire.")


if __name__ == "__main__":
    main()
