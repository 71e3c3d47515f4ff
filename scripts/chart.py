#!/usr/bin/env python3
"""Draw where eddy stands: an SVG bar chart of speed relative to tokio, per workload.

For each criterion workload with eddy, tokio and smol results (`cargo bench --bench
scheduler|time|blocking|sync|net`), speed = tokio's median time / the runtime's median
time; for each load test of scripts/load.sh (target/load/results.csv), speed = the
runtime's median requests/s / tokio's. tokio is the line at 1; bars to the right of it
are faster than tokio, to the left slower, on a log scale. smol has no server twin, so the
load tests show eddy against tokio only.

Usage: python3 scripts/chart.py [TARGET_DIR] [OUTPUT]
TARGET_DIR defaults to $CARGO_TARGET_DIR, else `target`; OUTPUT to docs/benchmarks.svg.
Standard library only; the criterion reading is benches/ratios.py's.
"""

import csv
import math
import os
import statistics
import sys
from html import escape

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benches"))
import ratios  # noqa: E402  (benches/ratios.py: the criterion layout, one place)

COLORS = {"eddy": "#2b6cb0", "smol": "#dd8a2e", "tokio": "#555555"}
# The axis runs from 1/LIMIT to LIMIT times tokio's speed; bars beyond are clipped, with
# their value still printed.
LIMIT = 16.0


def criterion_rows(target):
    """(label, {runtime: speed vs tokio}) per criterion workload on disk, ratios.py's order
    and labels (one row per I/O backend where a group runs eddy on each)."""
    criterion_dir = os.path.join(target, "criterion")
    if not os.path.isdir(criterion_dir):
        return []
    rows = []
    for label, workload, eddy in ratios.rows(criterion_dir):
        times = {r: ratios.median_ns(criterion_dir, workload, r) for r in (eddy,) + ratios.PEERS}
        if not times["tokio"] or not times[eddy]:
            continue
        speeds = {("eddy" if r == eddy else r): times["tokio"] / t for r, t in times.items() if t}
        rows.append((label, speeds))
    return rows


def load_rows(target):
    """(label, {runtime: speed vs tokio}) per load.sh workload, from medians of rounds."""
    path = os.path.join(target, "load", "results.csv")
    if not os.path.exists(path):
        return []
    values = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            key = (row["suite"], row["workload"])
            values.setdefault(key, {}).setdefault(row["runtime"], []).append(float(row["value"]))
    rows = []
    for (suite, workload), by_runtime in values.items():
        if "tokio" not in by_runtime:
            continue
        tokio = statistics.median(by_runtime["tokio"])
        label = {
            "http": "wrk " + workload.replace("wrk_c", "c=") + " (hyper)",
            "https": "wrk " + workload.replace("wrk_c", "c=") + " (hyper, TLS)",
            "redis": "redis-benchmark " + workload.replace("_P", " -P "),
        }[suite]
        # eddy on its default backend, then each backend load.sh ran it on (`eddy-polling`).
        for eddy in sorted(r for r in by_runtime if r == "eddy" or r.startswith("eddy-")):
            suffix = "" if eddy == "eddy" else f" ({eddy.removeprefix('eddy-')})"
            rows.append((label + suffix, {"eddy": statistics.median(by_runtime[eddy]) / tokio}))
    return rows


def svg(rows):
    label_w, plot_w, right_pad = 260, 520, 70
    bar_h, gap, top, legend_h = 9, 8, 64, 30
    group_h = 2 * bar_h + gap
    height = top + len(rows) * group_h + legend_h + 20
    width = label_w + plot_w + right_pad
    span = math.log(LIMIT)

    def x_of(speed):
        clipped = min(max(speed, 1 / LIMIT), LIMIT)
        return label_w + plot_w / 2 + (math.log(clipped) / span) * (plot_w / 2)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">'
        "Speed relative to tokio (tokio = 1; right of the line is faster)</text>",
        f'<text x="{width / 2}" y="38" text-anchor="middle" fill="#444">'
        "criterion medians (tokio time / runtime time) and load-test medians "
        "(runtime requests/s / tokio's); log scale</text>",
    ]
    # Grid: 1/16 .. 16.
    for power in range(-4, 5):
        speed = 2.0**power
        x = x_of(speed)
        label = f"{speed:g}×" if speed >= 1 else f"1/{int(1 / speed)}×"
        stroke = "#222" if power == 0 else "#ddd"
        out.append(
            f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{top + len(rows) * group_h}" '
            f'stroke="{stroke}" stroke-width="{1.5 if power == 0 else 1}"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{top - 12}" text-anchor="middle" fill="#444">{label}</text>'
        )
    for i, (label, speeds) in enumerate(rows):
        y = top + i * group_h
        out.append(
            f'<text x="{label_w - 8}" y="{y + bar_h + 3}" text-anchor="end">{escape(label)}</text>'
        )
        for j, runtime in enumerate(("eddy", "smol")):
            yy = y + j * bar_h
            speed = speeds.get(runtime)
            if speed is None:
                continue
            x0, x1 = x_of(1.0), x_of(speed)
            left, w = min(x0, x1), max(abs(x1 - x0), 1.0)
            out.append(
                f'<rect x="{left:.1f}" y="{yy}" width="{w:.1f}" height="{bar_h - 1}" '
                f'fill="{COLORS[runtime]}"><title>{escape(label)}: {runtime} '
                f"{speed:.2f}× tokio's speed</title></rect>"
            )
            tx = x1 + 4 if speed >= 1 else x1 - 4
            anchor = "start" if speed >= 1 else "end"
            out.append(
                f'<text x="{tx:.1f}" y="{yy + bar_h - 1}" text-anchor="{anchor}" font-size="9" '
                f'fill="{COLORS[runtime]}">{speed:.2f}</text>'
            )
    ly = top + len(rows) * group_h + 22
    for k, (runtime, text) in enumerate(
        (("eddy", "eddy"), ("smol", "smol (criterion only)"), ("tokio", "tokio = 1"))
    ):
        lx = label_w + k * 170
        out.append(f'<rect x="{lx}" y="{ly - 9}" width="12" height="10" fill="{COLORS[runtime]}"/>')
        out.append(f'<text x="{lx + 18}" y="{ly}">{text}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else ratios.target_dir()
    output = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "docs", "benchmarks.svg")
    rows = criterion_rows(target) + load_rows(target)
    if not rows:
        sys.exit(
            f"no results under {target}: run `cargo bench --bench scheduler` (and the others) "
            "and/or scripts/load.sh first"
        )
    with open(output, "w") as f:
        f.write(svg(rows))
    print(f"wrote {output}: {len(rows)} workloads")


if __name__ == "__main__":
    main()
