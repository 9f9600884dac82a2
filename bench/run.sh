#!/usr/bin/env bash
# Benchmark `envguard check` on generated corpora and score it against their ground truth.
#
#   bash bench/run.sh [SIZE_MB...]        default: 50 300
#
# Corpora are generated (deterministically, by ../shared/bench/gen_corpus.py) into
# $ENVGUARD_BENCH_DIR (default: target/bench-corpora), never inside the scanned tree.
# For each size: one warm-up run, then 3 timed runs with a warm page cache; prints
# the best wall time as MB/s, the peak RSS (getrusage of the children), and the scores of bench/score.py.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(50 300)
gen=${ENVGUARD_GEN:-../shared/bench/gen_corpus.py}
dir=${ENVGUARD_BENCH_DIR:-target/bench-corpora}
mkdir -p "$dir"
cargo build --release -q -p envguard-cli
bin=target/release/envguard
export ENVGUARD_FINGERPRINT_KEY=bench
for mb in "${sizes[@]}"; do
  corpus="$dir/c$mb"
  if [ ! -f "$corpus.truth.json" ]; then
    python3 "$gen" --out "$corpus" --size-mb "$mb" >/dev/null
  fi
  bytes=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['total_bytes'])" "$corpus.truth.json")
  out="$dir/c$mb.sarif"
  "$bin" check "$corpus" --format sarif -o "$out" --no-progress --fail-on never
  python3 - "$bin" "$corpus" "$out" "$bytes" "$mb" <<'PY'
import resource, subprocess, sys, time
bin_, corpus, out, b, mb = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
best = None
for _ in range(3):
    t = time.perf_counter()
    subprocess.run([bin_, "check", corpus, "--format", "sarif", "-o", out, "--no-progress", "--fail-on", "never"], check=True)
    dt = time.perf_counter() - t
    best = dt if best is None else min(best, dt)
rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print("corpus %s MB: %.1f MB in %.3f s (best of 3) = %.0f MB/s, peak RSS %.0f MB" % (mb, b / 1e6, best, b / 1e6 / best, rss_mb))
PY
  python3 bench/score.py --truth "$corpus.truth.json" --sarif "$out"
done
