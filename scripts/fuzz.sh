#!/usr/bin/env bash
# Fuzz one extractor: scripts/fuzz.sh TARGET SECONDS
# TARGET: dotenv | properties | yaml | json | toml | hcl | pii_readers (see fuzz/Cargo.toml).
#
# Runs libFuzzer without a sanitizer (`--sanitizer none`): cargo-fuzz's default
# AddressSanitizer build needs nightly flags, and the crate forbids `unsafe`
# anyway. New corpus entries go to fuzz/corpus/TARGET (git-ignored); the seeds
# in fuzz/seeds/TARGET are read, never written. Crashes land in
# fuzz/artifacts/TARGET.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 TARGET SECONDS" >&2
    exit 2
fi
target=$1
seconds=$2

cd "$(dirname "$0")/../fuzz"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

mkdir -p "corpus/$target"
seeds=()
if [ -d "seeds/$target" ]; then
    seeds=("seeds/$target")
fi

exec cargo fuzz run --sanitizer none "$target" "corpus/$target" "${seeds[@]}" -- \
    -max_total_time="$seconds" -print_final_stats=1
