#!/usr/bin/env bash
# Validates a SARIF file with Microsoft's SARIF Multitool, running its GitHub
# code scanning ("Gh") and SARIF best-practice ("Sarif") rules at every level.
#
# Usage: scripts/sarif-validate.sh FILE
#
# On first use it installs @microsoft/sarif-multitool (pinned; override with
# SARIF_MULTITOOL_VERSION) into a cache under the Cargo target directory
# (${CARGO_TARGET_DIR:-target}/sarif-multitool/VERSION); that needs node, npm
# and registry access once. Prints every result the Multitool reports, notes
# included; exits 1 when it reports any error or warning, 2 on a usage or tool
# problem, 0 otherwise.
#
# Notes envguard's SARIF is expected to draw, and why they stay:
#   SARIF2002  message.text instead of message id/arguments: GitHub code scanning
#              requires message.text.
#   SARIF2003  no versionControlProvenance: the reporter does no I/O and the scan
#              result carries no VCS data.
#   SARIF2006  URI not reachable: no network, or the docs URL placeholder.
#   SARIF2009  rule ids are not "CS2001"-style: ids are envguard's public names.
#   SARIF2010/2011  no snippets or context regions: they would copy file
#              content, i.e. secret values, into the report.
set -euo pipefail

usage() { echo "usage: $0 FILE.sarif" >&2; exit 2; }
[ $# -eq 1 ] || usage
[ -f "$1" ] || { echo "$0: no such file: $1" >&2; exit 2; }
file=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")

version=${SARIF_MULTITOOL_VERSION:-5.7.0}
repo_root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$repo_root/target}
case $target in /*) ;; *) target=$repo_root/$target ;; esac
cache=$target/sarif-multitool/$version

command -v node >/dev/null || { echo "$0: node is required" >&2; exit 2; }
if [ ! -f "$cache/.installed" ]; then
    command -v npm >/dev/null || { echo "$0: npm is required to install the Multitool" >&2; exit 2; }
    echo "installing @microsoft/sarif-multitool@$version into $cache" >&2
    mkdir -p "$cache"
    # --ignore-scripts: the package's only script is a chmod, done below.
    npm install --prefix "$cache" --no-audit --no-fund --ignore-scripts \
        "@microsoft/sarif-multitool@$version" >&2 || exit 2
    touch "$cache/.installed"
fi
bin=$(cd "$cache" && node -p "require('@microsoft/sarif-multitool')") || {
    echo "$0: no Multitool binary for this platform in $cache" >&2; exit 2; }
chmod u+x "$bin"

# The self-contained .NET binary needs ICU unless globalization is invariant.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" validate "$file" --rule-kind "Gh;Sarif" --level "Error;Warning;Note" \
    --output "$work/validation.sarif" --log ForceOverwrite || {
    echo "$0: the Multitool failed to run" >&2; exit 2; }

# The console output above is for people; the verdict comes from the log.
node - "$work/validation.sarif" <<'JS'
const text = require('fs').readFileSync(process.argv[2], 'utf8').replace(/^\uFEFF/, '');
const log = JSON.parse(text);
let bad = 0, notes = 0;
for (const run of log.runs || []) {
  for (const r of run.results || []) {
    const level = r.level || 'warning';
    if (level === 'error' || level === 'warning') bad++; else notes++;
  }
  for (const inv of run.invocations || []) {
    if (inv.executionSuccessful === false) bad++;
    for (const n of inv.toolExecutionNotifications || []) if (n.level === 'error') bad++;
  }
}
console.log(`sarif-validate: ${bad} error(s) or warning(s), ${notes} note(s)`);
process.exit(bad > 0 ? 1 : 0);
JS
