#!/usr/bin/env bash
# Compares eddy's scheduler benchmarks (benches/scheduler.rs, eddy only) at two commits,
# side by side in one run: each commit is built in its own git worktree and target
# directory, then the two bench binaries run interleaved, A B A B ..., so that machine
# noise (other builds, thermal drift) falls on both alike. Prints, per workload, the
# median over rounds of criterion's median estimate at each commit and their ratio.
#
# Usage: benches/compare_commits.sh BASE_REV [HEAD_REV] [ROUNDS]
#   BASE_REV  the commit to compare against (efa2862: the commit before issue 9)
#   HEAD_REV  default HEAD
#   ROUNDS    runs of each binary, default 5 (each run takes about 30 s)
# Work files go to $COMPARE_DIR (default target/compare); the target directories there
# are kept between runs so a rerun only rebuilds what changed. Standard tools only
# (git, cargo, python3).
set -euo pipefail

base_rev=${1:?usage: benches/compare_commits.sh BASE_REV [HEAD_REV] [ROUNDS]}
head_rev=${2:-HEAD}
rounds=${3:-5}
root=$(git rev-parse --show-toplevel)
work=${COMPARE_DIR:-$root/target/compare}
mkdir -p "$work"
base_sha=$(git rev-parse --short "$base_rev")
head_sha=$(git rev-parse --short "$head_rev")

cleanup() {
    for side in base head; do
        git -C "$root" worktree remove --force "$work/src-$side" 2>/dev/null || true
    done
}
trap cleanup EXIT

build() { # side rev -> path of the bench binary on stdout
    local side=$1 rev=$2 src="$work/src-$1"
    git -C "$root" worktree remove --force "$src" 2>/dev/null || true
    git -C "$root" worktree add -q --detach "$src" "$rev"
    (cd "$src" && CARGO_TARGET_DIR="$work/target-$side" cargo bench --bench scheduler \
        --no-run --message-format=json 2>/dev/null) |
        python3 -c '
import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("reason") == "compiler-artifact" and msg.get("executable") \
            and msg["target"]["name"] == "scheduler":
        print(msg["executable"])'
}

echo "building $base_sha (base) and $head_sha (head)..." >&2
base_bin=$(build base "$base_rev")
head_bin=$(build head "$head_rev")
: >"$work/results.tsv"

for round in $(seq 1 "$rounds"); do
    for side in base head; do
        bin=$base_bin
        [ "$side" = head ] && bin=$head_bin
        echo "round $round/$rounds: $side" >&2
        # Only eddy's benchmarks (criterion filters by substring of the id).
        (cd "$work/src-$side" && CARGO_TARGET_DIR="$work/target-$side" "$bin" --bench eddy \
            >"$work/log-$side-$round.txt" 2>&1)
        python3 - "$work/target-$side/criterion" "$side" "$round" >>"$work/results.tsv" <<'PY'
import json, os, sys
crit, side, rnd = sys.argv[1:]
for workload in sorted(os.listdir(crit)):
    est = os.path.join(crit, workload, "eddy", "new", "estimates.json")
    if os.path.exists(est):
        with open(est) as f:
            median = json.load(f)["median"]["point_estimate"]
        print(f"{side}\t{rnd}\t{workload}\t{median}")
PY
    done
done

python3 "$root/benches/compare_commits.py" "$work/results.tsv" "$base_sha" "$head_sha"
