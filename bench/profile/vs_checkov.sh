#!/usr/bin/env bash
# The production profile rules (PRD.*, RES.region) next to checkov, on the same trees.
#
#   bash bench/profile/vs_checkov.sh [DIR...]
#
# Default tree: the generated multi-environment repository of the cross-environment
# benchmark (bench/infra/gen.py, 5000 files, 4 environments, seed 1, in
# /tmp/envguard-infra-bench-5000; made here when absent). Give other folders (a clone of a
# public Terraform repository) as arguments. checkov comes from PyPI, pinned in
# bench/profile/requirements-checkov.txt, into its own venv ($CHECKOV_VENV, default
# /tmp/envguard-checkov-venv); it is never installed by the tests. The release binary is
# built unless ENVGUARD_BIN names one. For each tree: wall time and peak RSS of one run of
# each tool (/usr/bin/time -v, warm page cache after one untimed envguard run), and
# bench/profile/compare.py's counts of findings in prod and non-prod files.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${CHECKOV_VENV:-/tmp/envguard-checkov-venv}
if [ ! -x "$venv/bin/checkov" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r bench/profile/requirements-checkov.txt
fi
if [ -n "${ENVGUARD_BIN:-}" ]; then
  bin=$ENVGUARD_BIN
else
  nice cargo build --release -q -p envguard-cli
  bin=${CARGO_TARGET_DIR:-target}/release/envguard
fi
trees=("$@")
if [ ${#trees[@]} -eq 0 ]; then
  corpus=/tmp/envguard-infra-bench-5000
  [ -f "$corpus/ground-truth.json" ] ||
    nice python3 bench/infra/gen.py "$corpus" --files 5000 --envs 4 --seed 1 >/dev/null
  trees=("$corpus")
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for dir in "${trees[@]}"; do
  "$bin" check --format json --no-progress --fail-on never "$dir" >/dev/null 2>&1 || true
  /usr/bin/time -v "$bin" check --format json --no-progress --fail-on never "$dir" \
    >"$out/envguard.json" 2>"$out/envguard.time" || true
  /usr/bin/time -v "$venv/bin/checkov" -d "$dir" --framework terraform -o json --quiet \
    --compact --skip-download >"$out/checkov.json" 2>"$out/checkov.time" || true
  python3 bench/profile/compare.py "$dir" "$out"
done
