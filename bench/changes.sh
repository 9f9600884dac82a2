#!/usr/bin/env bash
# Benchmark the diff-aware check (`envguard check --since REF`) on a generated
# 5,000-file infrastructure repository with a 10-file change.
#
#   bash bench/changes.sh [FILES] [CHANGED]        default: 5000 10
#
# Generates the tree with bench/infra/gen.py (seed 1, 4 environments) into a
# fresh git repository under /tmp, commits it, edits CHANGED tracked files (a
# new line in each: a comment, and in one staging .env prod's database host),
# then times, interleaved, $ENVGUARD_BENCH_ROUNDS rounds (default 11, one
# warm-up) of `check --since HEAD` and of the full `check`, warm page cache:
# wall time and the CPU time of the process and its children (git included).
# ENVGUARD_BIN=path uses that binary instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-5000}
changed=${2:-10}
rounds=${ENVGUARD_BENCH_ROUNDS:-11}
if [ -n "${ENVGUARD_BIN:-}" ]; then
  bin=$ENVGUARD_BIN
else
  nice cargo build --release -q -p envguard-cli
  bin=${CARGO_TARGET_DIR:-target}/release/envguard
fi
repo=$(mktemp -d /tmp/envguard-changes-bench.XXXXXX)
trap 'rm -rf "$repo"' EXIT
nice python3 bench/infra/gen.py "$repo" --files "$files" --envs 4 --seed 1 >/dev/null
rm -f "$repo/ground-truth.json"
g() { git -C "$repo" -c user.name=bench -c user.email=bench@example.invalid -c commit.gpgsign=false "$@"; }
g init -q
g add -A
g commit -q -m tree
total=$(g ls-files | wc -l)
# CHANGED tracked text files spread over the tree, a line appended to each.
g ls-files | grep -E '\.(tf|yaml|env|hcl|tfvars)$|\.env\.' | awk -v n="$changed" \
  'BEGIN { srand(1) } { a[NR] = $0 } END { step = int(NR / n); for (i = 0; i < n; i++) print a[1 + i * step] }' |
while read -r f; do echo "# reviewed" >> "$repo/$f"; done
echo "changed: $(g diff --name-only | wc -l) of $total tracked files"
python3 - "$bin" "$repo" "$rounds" <<'PY'
import resource, statistics, subprocess, sys, time
bin_, repo, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
base = [bin_, "check", "--format", "json", "--no-progress", "--fail-on", "never", repo]
runs = {"since": base + ["--since", "HEAD"], "full": base}
times = {k: [] for k in runs}
cpu = {k: [] for k in runs}


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


for i in range(rounds + 1):
    for name, cmd in runs.items():
        c = children_cpu()
        t = time.perf_counter()
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
        dt = time.perf_counter() - t
        if i > 0:
            cpu[name].append(children_cpu() - c)
        if i == 0:
            if name == "since":
                print(out.stderr.decode().strip())
            continue
        times[name].append(dt)
for name, ts in times.items():
    print(f"{name:6} wall best {min(ts):.3f} s  median {statistics.median(ts):.3f} s;"
          f"  CPU (user+sys, git included) best {min(cpu[name]):.3f} s  median {statistics.median(cpu[name]):.3f} s"
          f"  ({len(ts)} rounds)")
c = children_cpu()
t = time.perf_counter()
for _ in range(rounds):
    subprocess.run(["git", "-C", repo, "diff", "--name-only", "-z", "HEAD"], stdout=subprocess.PIPE, check=True)
    subprocess.run(["git", "-C", repo, "ls-files", "--others", "--exclude-standard", "-z"], stdout=subprocess.PIPE, check=True)
print(f"git diff + ls-files alone: {(time.perf_counter() - t) / rounds * 1000:.1f} ms wall,"
      f" {(children_cpu() - c) / rounds * 1000:.1f} ms CPU per run")
PY
