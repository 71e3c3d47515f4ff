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

       python3 scripts/chart.py soak [TARGET_DIR] [OUTPUT]
draws the samples of .ci/soak (TARGET_DIR/soak/samples.csv) instead: RSS and open fds
over time, a line per server; OUTPUT defaults to docs/soak.svg.

       python3 scripts/chart.py growth [TARGET_DIR] [OUTPUT_DIR]
draws the cost-growth axes instead (benches/growth_*.rs, TARGET_DIR/growth/<axis>.csv,
rows `axis,runtime,n,metric,value,unit`): for each axis on disk (tasks, timers, conns),
OUTPUT_DIR/growth-<axis>.svg (OUTPUT_DIR defaults to docs/), the per-item cost against N
on a log axis, a line per runtime per metric, a panel per unit. Only per-item metrics
(named `..._per_<item>`) are drawn; rates (unit `1/s`) are not costs and are left out.

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
            # Speeds only: `load.sh --latency` adds wrk's percentiles (unit `us`) here too.
            if row["unit"] != "requests/s":
                continue
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


SOAK_COLORS = {"http": "#2b6cb0", "redis": "#c53030", "chat": "#2f855a"}
SOAK_NAMES = {"http": "http_server", "redis": "redis_server", "chat": "chat"}


def soak_series(target):
    """{server: [(minutes, rss MiB, fds)]} from .ci/soak's samples.csv."""
    path = os.path.join(target, "soak", "samples.csv")
    if not os.path.exists(path):
        sys.exit(f"no {path}: run .ci/soak first")
    series = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            series.setdefault(row["server"], []).append(
                (int(row["elapsed_s"]) / 60, int(row["rss_kb"]) / 1024, int(row["fds"]))
            )
    return series


def nice_step(rough):
    """The smallest of 1, 2, 5 times a power of ten that is at least `rough`."""
    power = 10 ** math.floor(math.log10(rough)) if rough > 0 else 1
    return next(m * power for m in (1, 2, 5, 10) if m * power >= rough)


def soak_svg(series):
    """Two panels, RSS above and open fds below, against minutes; a line per server."""
    width, left, right, panel_h, top, gap = 760, 70, 150, 200, 50, 50
    height = top + 2 * panel_h + gap + 50
    plot_w = width - left - right
    end = max(t for points in series.values() for t, _, _ in points) or 1
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">'
        "The soak: each server's memory and open files under load (.ci/soak)</text>",
        f'<text x="{width / 2}" y="36" text-anchor="middle" fill="#444">'
        "a sample every 10 s; the dashed line is the reference (1/6 of the run: minute 5 of "
        "30)</text>",
    ]
    for p, (title, k) in enumerate((("RSS (MiB)", 1), ("open fds", 2))):
        y0 = top + p * (panel_h + gap)
        top_value = max(point[k] for points in series.values() for point in points) or 1
        step = nice_step(top_value * 1.1 / 4)
        peak = step * math.ceil(top_value * 1.1 / step)

        def xy(t, v, y0=y0, peak=peak):
            return left + t / end * plot_w, y0 + panel_h - v / peak * panel_h

        out.append(
            f'<rect x="{left}" y="{y0}" width="{plot_w}" height="{panel_h}" fill="none" '
            'stroke="#999"/>'
        )
        out.append(
            f'<text x="{left - 50}" y="{y0 + panel_h / 2}" text-anchor="middle" '
            f'transform="rotate(-90 {left - 50} {y0 + panel_h / 2})">{title}</text>'
        )
        for i in range(round(peak / step) + 1):
            v = step * i
            _, y = xy(0, v)
            out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                       'stroke="#eee"/>')
            out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                       f'fill="#444">{v:g}</text>')
        minutes = nice_step(end / 6)
        for i in range(int(end / minutes + 1e-9) + 1):
            x, _ = xy(i * minutes, 0)
            out.append(f'<text x="{x:.1f}" y="{y0 + panel_h + 14}" text-anchor="middle" '
                       f'fill="#444">{i * minutes:g} min</text>')
        x, _ = xy(end / 6, 0)
        out.append(f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y0 + panel_h}" '
                   'stroke="#888" stroke-dasharray="4 3"/>')
        for server, points in series.items():
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(pt[0], pt[k]) for pt in points))
            color = SOAK_COLORS.get(server, "#555")
            out.append(f'<polyline points="{path}" fill="none" stroke="{color}" '
                       'stroke-width="1.5"/>')
            x, y = xy(points[-1][0], points[-1][k])
            value = f"{points[-1][k]:.1f}" if k == 1 else f"{points[-1][k]:.0f}"
            out.append(f'<text x="{x + 6:.1f}" y="{y + 4:.1f}" fill="{color}">'
                       f"{escape(SOAK_NAMES.get(server, server))} {value}</text>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def soak_main(args):
    target = args[0] if args else ratios.target_dir()
    output = args[1] if len(args) > 1 else os.path.join(ROOT, "docs", "soak.svg")
    series = soak_series(target)
    with open(output, "w") as f:
        f.write(soak_svg(series))
    print(f"wrote {output}: {sum(len(p) for p in series.values())} samples")


GROWTH_AXES = ("tasks", "timers", "conns")
GROWTH_TITLES = {
    "tasks": "Idle tasks: cost per task against the number of tasks",
    "timers": "Pending timers: CPU cost per timer against the number pending",
    "conns": "Echoing connections: cost per round trip and per connection against N",
}
# One dash pattern per metric, in the order the metrics first appear in the CSV.
DASHES = ("", "7 3", "2 3", "9 3 2 3", "4 4 1 4")


def growth_rows(path):
    """[(runtime, n, metric, value, unit)] from one axis's CSV (a header line optional),
    the per-item costs only: metrics named `..._per_<item>`, rates (unit `1/s`) left out."""
    rows = []
    with open(path) as f:
        for row in csv.reader(f):
            if not row or row[0] == "axis":
                continue
            _, runtime, n, metric, value, unit = row
            if "_per_" in metric and unit != "1/s":
                rows.append((runtime, int(n), metric, float(value), unit))
    return rows


def short_metric(metric):
    """A metric's name without the server_ prefix and its per-item suffix."""
    name = metric.removeprefix("server_")
    if "_per_" in name:
        name = name[: name.rindex("_per_")]
    return name.removesuffix("_ns").replace("_", " ")


def per_item(metric):
    """What a metric is counted per: the words after its last `_per_`."""
    return metric[metric.rindex("_per_") + 5:].replace("_", " ") if "_per_" in metric else "item"


def flatness(points):
    """The line's largest value over its smallest, whatever their Ns (1.0: flat; "flat
    within 2x" is below 2.0); None if the smallest is not above 0, where the ratio means
    nothing. `points` are finite (growth_svg drops the rest)."""
    values = [v for _, v in points]
    low, high = min(values), max(values)
    return high / low if low > 0 else None


def flatness_text(points, missing):
    """The end of a line's label: its flatness and the Ns it has no point for."""
    ratio = flatness(points)
    text = f"x{ratio:.2f}" if ratio is not None else "max/min n/a: min <= 0"
    if missing:
        text += "; no point at " + ", ".join(n_label(n) for n in missing)
    return f"({text})"


def n_label(n):
    """1000 -> 1k, 1000000 -> 1M."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def spread_labels(labels, low, high, gap=12):
    """Moves label y positions apart by at least `gap`, keeping them within [low, high]."""
    labels.sort(key=lambda label: label[0])
    for i in range(1, len(labels)):
        if labels[i][0] < labels[i - 1][0] + gap:
            labels[i][0] = labels[i - 1][0] + gap
    overflow = labels[-1][0] - high if labels else 0
    if overflow > 0:
        for label in labels:
            label[0] = max(low, label[0] - overflow)
    return labels


def growth_svg(axis, rows):
    """A panel per unit; in each, a line per (runtime, metric): cost against log N."""
    units = []
    metrics = []
    for runtime, n, metric, value, unit in rows:
        if unit == "1/s":
            continue
        if unit not in units:
            units.append(unit)
        if metric not in metrics:
            metrics.append(metric)
    series = {}
    for runtime, n, metric, value, unit in rows:
        if unit != "1/s":
            series.setdefault((unit, metric, runtime), []).append((n, value))
    ns = sorted({n for _, n, _, _, unit in rows if unit != "1/s"})
    # NaN (or infinite) points are dropped, not drawn; a line's label names the Ns it has
    # no point for, whether dropped here or absent from the CSV.
    missing = {}
    for key, points in list(series.items()):
        finite = [(n, v) for n, v in points if math.isfinite(v)]
        have = {n for n, _ in finite}
        missing[key] = [n for n in ns if n not in have]
        if finite:
            series[key] = finite
        else:
            del series[key]
            print(f"growth {axis}: {key[2]} {key[1]} has no finite point; not drawn",
                  file=sys.stderr)
    units = [u for u in units if any(k[0] == u for k in series)]
    width, left, right, panel_h, top, gap = 860, 70, 220, 240, 60, 60
    plot_w = width - left - right
    height = top + len(units) * (panel_h + gap) + 10
    lo, hi = math.log10(ns[0]), math.log10(ns[-1])
    span = (hi - lo) or 1

    def x_of(n):
        return left + (math.log10(n) - lo) / span * plot_w

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">'
        f"{escape(GROWTH_TITLES.get(axis, axis))}</text>",
        f'<text x="{width / 2}" y="36" text-anchor="middle" fill="#444">'
        f"cargo bench --bench growth_{axis}; medians; flat is good: each label ends with the line's "
        "largest value over its smallest (flat within 2x: below x2)</text>",
    ]
    for p, unit in enumerate(units):
        y0 = top + p * (panel_h + gap)
        values = [v for (u, _, _), pts in series.items() if u == unit for _, v in pts]
        item = per_item(next(m for (u, m, _) in series if u == unit))
        step = nice_step(max(values) * 1.1 / 5)
        peak = step * math.ceil(max(values) * 1.1 / step)

        def y_of(v, y0=y0, peak=peak):
            return y0 + panel_h - v / peak * panel_h

        out.append(f'<rect x="{left}" y="{y0}" width="{plot_w}" height="{panel_h}" '
                   'fill="none" stroke="#999"/>')
        out.append(f'<text x="{left - 50}" y="{y0 + panel_h / 2}" text-anchor="middle" '
                   f'transform="rotate(-90 {left - 50} {y0 + panel_h / 2})">'
                   f"{escape(unit)} per {escape(item)}</text>")
        for i in range(round(peak / step) + 1):
            y = y_of(step * i)
            out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                       'stroke="#eee"/>')
            out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                       f'fill="#444">{step * i:g}</text>')
        for n in ns:
            x = x_of(n)
            out.append(f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y0 + panel_h}" '
                       'stroke="#eee"/>')
            label = n_label(n)
            out.append(f'<text x="{x:.1f}" y="{y0 + panel_h + 14}" text-anchor="middle" '
                       f'fill="#444">{label}</text>')
        out.append(f'<text x="{left + plot_w / 2}" y="{y0 + panel_h + 30}" '
                   'text-anchor="middle" fill="#444">N (log scale)</text>')
        labels = []
        for (u, metric, runtime), points in sorted(series.items()):
            if u != unit:
                continue
            points.sort()
            color = COLORS.get(runtime, "#888")
            dash = DASHES[metrics.index(metric) % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            path = " ".join(f"{x_of(n):.1f},{y_of(v):.1f}" for n, v in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="{color}" '
                       f'stroke-width="1.8"{dash_attr}/>')
            for n, v in points:
                out.append(f'<circle cx="{x_of(n):.1f}" cy="{y_of(v):.1f}" r="2.5" '
                           f'fill="{color}"/>')
            last = points[-1][1]
            value = f"{last:.0f}" if last >= 100 else f"{last:.3g}"
            text = (f"{runtime} {short_metric(metric)} {value} "
                    f"{flatness_text(points, missing[(u, metric, runtime)])}")
            labels.append([y_of(points[-1][1]) + 4, text, color, dash_attr])
        for y, text, color, dash_attr in spread_labels(labels, y0 + 10, y0 + panel_h + 40):
            x = left + plot_w + 8
            out.append(f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 18:.1f}" y2="{y - 4:.1f}" '
                       f'stroke="{color}" stroke-width="1.8"{dash_attr}/>')
            out.append(f'<text x="{x + 22:.1f}" y="{y:.1f}" fill="{color}">{escape(text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def growth_main(args):
    target = args[0] if args else os.environ.get("CARGO_TARGET_DIR") or os.path.join(
        ROOT, "target")
    output_dir = args[1] if len(args) > 1 else os.path.join(ROOT, "docs")
    drawn = 0
    for axis in GROWTH_AXES:
        path = os.path.join(target, "growth", f"{axis}.csv")
        if not os.path.exists(path):
            print(f"no {path}: run `cargo bench --bench growth_{axis}` for it")
            continue
        rows = growth_rows(path)
        if not rows:
            print(f"{path} has no cost rows")
            continue
        output = os.path.join(output_dir, f"growth-{axis}.svg")
        with open(output, "w") as f:
            f.write(growth_svg(axis, rows))
        print(f"wrote {output}: {len(rows)} rows")
        drawn += 1
    if not drawn:
        sys.exit(f"no growth results under {target}/growth")


def main():
    if sys.argv[1:2] == ["soak"]:
        return soak_main(sys.argv[2:])
    if sys.argv[1:2] == ["growth"]:
        return growth_main(sys.argv[2:])
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
