#!/usr/bin/env bash
# Times envguard's pipeline rules against zizmor on the same GitHub Actions workflows.
#
#   bash bench/pipeline_vs_zizmor.sh REPO_DIR...
#
# Copies each repository's .github/workflows/ into one tree under
# ${ENVGUARD_BENCH_DIR:-target/bench-corpora}/workflows (nothing else, so both
# tools read exactly the same files), installs zizmor from PyPI into a venv under
# the target directory when missing, then runs each tool 3 times (warm cache) and
# prints the best wall time and the finding counts. zizmor runs with --offline
# (no GitHub API), envguard with --format json.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: $0 REPO_DIR..." >&2; exit 2; }
dir=${ENVGUARD_BENCH_DIR:-target/bench-corpora}/workflows
rm -rf "$dir" && mkdir -p "$dir"
for repo in "$@"; do
  name=$(basename "$repo")
  [ -d "$repo/.github/workflows" ] || continue
  mkdir -p "$dir/$name/.github"
  cp -r "$repo/.github/workflows" "$dir/$name/.github/"
done
venv=${CARGO_TARGET_DIR:-target}/zizmor-venv
[ -x "$venv/bin/zizmor" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q zizmor; }
cargo build --release -q -p envguard-cli
bin=${CARGO_TARGET_DIR:-target}/release/envguard
python3 - "$bin" "$venv/bin/zizmor" "$dir" <<'PY'
import json, subprocess, sys, time, glob, os
envguard, zizmor, root = sys.argv[1:4]
files = glob.glob(os.path.join(root, "*/.github/workflows/*.y*ml"))
size = sum(os.path.getsize(f) for f in files)
def best(cmd):
    t = None
    for _ in range(3):
        s = time.perf_counter(); p = subprocess.run(cmd, capture_output=True); d = time.perf_counter() - s
        t = d if t is None else min(t, d)
    return t, p
et, ep = best([envguard, "check", root, "--format", "json", "--no-progress", "--fail-on", "never"])
report = json.loads(ep.stdout)
rules = {}
for f in report["findings"]:
    rules[f["rule_id"]] = rules.get(f["rule_id"], 0) + 1
zt, zp = best([zizmor, "--offline", "--format", "json", root])
try:
    z = json.loads(zp.stdout)
except Exception:
    z = []
print("workflows: %d files, %.0f KB" % (len(files), size / 1024))
print("envguard check: %.3f s, findings by rule: %s" % (et, json.dumps(rules, sort_keys=True)))
print("zizmor --offline: %.3f s, findings: %d" % (zt, len(z)))
PY
