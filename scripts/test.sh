#!/usr/bin/env bash
# The test command of the README: every test of the workspace, then the SARIF
# report of the bundled example through Microsoft's SARIF Multitool (the checks
# GitHub code scanning applies on upload).
set -euo pipefail
cd "$(dirname "$0")/.."
export INSTA_UPDATE=no
# The real components some tests run against (OpenBao, in-toto, aiosmtpd):
# installed once into a virtual environment beside the target directory. The
# tests find it through ENVGUARD_TEST_VENV (or call scripts/pyenv.sh themselves).
ENVGUARD_TEST_VENV="$(bash scripts/pyenv.sh)"
export ENVGUARD_TEST_VENV
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
  cargo test --workspace --locked --doc
else
  cargo test --workspace --locked --no-fail-fast
fi

# SARIF of the bundled example through Microsoft's SARIF Multitool ("Gh;Sarif"
# rules): no error and no warning allowed. It needs node and npm; on a fresh
# Debian machine they are installed here (as root) when missing.
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing nodejs and npm for the SARIF Multitool check" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm) >&2
  else
    echo "test.sh: node and npm are needed for the SARIF Multitool check; install them (apt-get install nodejs npm)" >&2
    exit 1
  fi
fi
sarif="${CARGO_TARGET_DIR:-target}/example.sarif"
set +e
cargo run -q --locked -p envguard-cli -- check examples/acme-health --format sarif -o "$sarif" --no-progress
rc=$?
set -e
[ "$rc" = 1 ] || { echo "test.sh: expected exit 1 from the example check, got $rc" >&2; exit 1; }
bash scripts/sarif-validate.sh "$sarif" | tail -n 1
