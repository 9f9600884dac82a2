#!/usr/bin/env bash
# PII/PHI benchmark: speed of `envguard scan-data`, prompt redaction latency,
# and per-entity quality against gen_pii.py's ground truth.
#   bench/pii/run.sh [ROWS]     (default 200000; data in /tmp/pii<ROWS>)
set -euo pipefail
rows=${1:-200000}
root=$(cd "$(dirname "$0")/../.." && pwd)
data=/tmp/pii${rows}
gen=${GEN_PII:-$root/../shared/bench/gen_pii.py}
[ -f "$gen" ] || gen=/work/shared/bench/gen_pii.py
if [ ! -f "$data/ground_truth.json" ]; then
    python3 "$gen" --out "$data" --rows "$rows" --offset-unit byte >/dev/null
fi
cd "$root"
cargo build --release -q -p envguard-cli -p envguard-pii --example pii_spans
eg=$root/target/release/envguard
ps=$root/target/release/examples/pii_spans
bytes=$(cat "$data"/patients.csv "$data"/patients.jsonl "$data"/patients.sql | wc -c)
echo "== scan-data speed (CSV + JSONL + SQL, $bytes bytes)"
for t in 1 2; do
    best=999
    for _ in 1 2 3; do
        s=$(date +%s.%N)
        /usr/bin/time -f "%M" -o /tmp/pii_rss "$eg" scan-data --threads $t --format json -o /dev/null \
            "$data"/patients.csv "$data"/patients.jsonl "$data"/patients.sql || true
        e=$(date +%s.%N)
        el=$(echo "$e - $s" | bc -l)
        best=$(echo "if ($el < $best) $el else $best" | bc -l)
    done
    echo "threads=$t best=${best}s MB/s=$(echo "$bytes / $best / 1000000" | bc -l | cut -c1-6) peak_rss_kb=$(cat /tmp/pii_rss)"
done
echo "== prompt redaction latency (hash operator, ~2 KB prompts)"
"$ps" prompts "$data"/notes.jsonl
echo "== quality"
"$ps" spans "$data"/patients.csv "$data"/patients.jsonl "$data"/patients.sql "$data"/notes.txt \
    "$data"/notes.jsonl "$data"/decoys.txt > /tmp/pii_det.jsonl
"$ps" redact-spans "$data"/notes.jsonl > /tmp/pii_red.jsonl
python3 "$root"/bench/pii/score.py "$data" /tmp/pii_det.jsonl --redaction /tmp/pii_red.jsonl --json /tmp/pii_score.json
