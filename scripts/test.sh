#!/usr/bin/env bash
# The test command of the README: every test of the workspace, then the SARIF
# report of the bundled example through Microsoft's SARIF Multitool (the checks
# GitHub code scanning applies on upload).
set -euo pipefail
cd "$(dirname "$0")/.."
export INSTA_UPDATE=no
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
  cargo test --workspace --locked --doc
else
  cargo test --workspace --locked --no-fail-fast
fi
