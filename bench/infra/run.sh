#!/usr/bin/env bash
# Benchmark `envguard check` on a generated infrastructure repository and score its
# R04 (cross-environment) and NAM (naming/tag) findings against the ground truth.
#
#   bash bench/infra/run.sh [FILES] [ENVS]        default: 5000 4
#
# Builds the release binary (`cargo build --release -p envguard-cli`, into
# $CARGO_TARGET_DIR or target/; ENVGUARD_BIN=path uses that binary instead and skips
# the build), generates the tree with bench/infra/gen.py into
# /tmp/envguard-infra-bench-$FILES (kept and reused while its ground truth was made
# with the same files/envs/seed by the same gen.py; seed: $ENVGUARD_INFRA_SEED, default 1),
# then times `envguard check --format json --no-progress --fail-on never DIR` and the
# same with `--skip-rules R04,NAM` (when the binary knows that flag): one warm-up run,
# then $ENVGUARD_BENCH_ROUNDS rounds (default 11) of both, interleaved, with a
# warm page cache (best and median of each), peak RSS from /usr/bin/time -v when
# present (else getrusage of the children). Prints a Markdown summary for
# docs/benchmarks.md and the scores of bench/infra/score.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
files=${1:-5000}
envs=${2:-4}
seed=${ENVGUARD_INFRA_SEED:-1}
if [ -n "${ENVGUARD_BIN:-}" ]; then
  bin=$ENVGUARD_BIN
else
  nice cargo build --release -q -p envguard-cli
  bin=${CARGO_TARGET_DIR:-target}/release/envguard
fi
corpus=/tmp/envguard-infra-bench-$files
truth=$corpus/ground-truth.json
if ! python3 - "$truth" "$files" "$envs" "$seed" bench/infra/gen.py <<'PY'
import hashlib, json, sys
truth, files, envs, seed, gen = sys.argv[1:]
try:
    t = json.load(open(truth))
except (OSError, ValueError):
    sys.exit(1)
same = (t.get("params") == {"files": int(files), "envs": int(envs), "seed": int(seed)}
        and t.get("generator_sha256") == hashlib.sha256(open(gen, "rb").read()).hexdigest())
sys.exit(0 if same else 1)
PY
then
  nice python3 bench/infra/gen.py "$corpus" --files "$files" --envs "$envs" --seed "$seed" >/dev/null
fi
help=$("$bin" check --help 2>/dev/null || true)
case "$help" in *--skip-rules*) skip=1 ;; *) skip=0 ;; esac
report=$corpus.report.json
python3 - "$bin" "$corpus" "$report" "$skip" <<'PY'
import json, os, re, resource, subprocess, sys, tempfile, time
bin_, corpus, report, skip = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
truth = json.load(open(os.path.join(corpus, "ground-truth.json")))
timer = os.access("/usr/bin/time", os.X_OK)
base = [bin_, "check", "--format", "json", "--no-progress", "--fail-on", "never"]


def run(extra, out):
    """Wall seconds and peak RSS (MB, or None) of one check."""
    cmd = base + extra + ["-o", out, corpus]
    rss = None
    if timer:
        with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
            t = time.perf_counter()
            p = subprocess.run(["/usr/bin/time", "-v", "-o", tf.name] + cmd, stderr=subprocess.PIPE, text=True)
            dt = time.perf_counter() - t
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", tf.read())
            rss = int(m.group(1)) / 1024 if m else None
    else:
        t = time.perf_counter()
        p = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
        dt = time.perf_counter() - t
    return p.returncode, p.stderr, dt, rss


ROUNDS = int(os.environ.get("ENVGUARD_BENCH_ROUNDS", "11"))


def bench_pair(modes):
    """Times each (extra args, report) mode ROUNDS times, the modes interleaved
    (full, skip, full, skip, ...) so that load from elsewhere on a shared
    machine falls on both alike. Returns, per mode, (best, median, peak RSS)
    or None with the error."""
    times = [[] for _ in modes]
    peaks = [None for _ in modes]
    for k, (extra, out) in enumerate(modes):  # warm-up (and the report to score)
        rc, err, _, _ = run(extra, out)
        if rc != 0:
            return None, (k, err)
    for _ in range(ROUNDS):
        for k, (extra, out) in enumerate(modes):
            rc, err, dt, rss = run(extra, out)
            if rc != 0:
                return None, (k, err)
            times[k].append(dt)
            if rss is not None:
                peaks[k] = rss if peaks[k] is None else max(peaks[k], rss)
    out = []
    for k in range(len(modes)):
        t = sorted(times[k])
        peak = peaks[k]
        if peak is None:
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        out.append((t[0], t[len(t) // 2], peak))
    return out, None


modes = [([], report)]
if skip:
    modes.append((["--skip-rules", "R04,NAM"], report[:-5] + ".skip.json"))
res, failure = bench_pair(modes)
note = ""
if res is None and failure[0] == 1:
    note = "`--skip-rules R04,NAM` was rejected (%s): timed the full run only." % (
        failure[1].strip().splitlines() or ["?"])[-1]
    modes = modes[:1]
    res, failure = bench_pair(modes)
if res is None:
    sys.exit("envguard check failed:\n" + failure[1])
full = res[0]
skipped = res[1] if len(res) > 1 else None
if not skip:
    note = "this envguard has no `--skip-rules`: timed the full run only."
summary = json.load(open(report))["summary"]
version = subprocess.run([bin_, "--version"], capture_output=True, text=True).stdout.strip()
p = truth["params"]
n, mb = summary["files_scanned"], summary["bytes_scanned"] / 1e6
print("### envguard check, infrastructure corpus: %s files, %d envs (%s), seed %d" % (
    format(p["files"], ","), p["envs"], ", ".join(e["name"] for e in truth["environments"]), p["seed"]))
print()
print("Corpus `%s`: %s files (%s scanned, %s parsed), %.1f MB, %d planted defects. "
      "%s (`%s`), %d cores; %d rounds after a warm-up, the two runs interleaved." % (
          corpus, format(truth["file_count"], ","), format(n, ","), format(summary["files_parsed"], ","),
          mb, truth["counts"]["defects"], version, bin_, os.cpu_count(), ROUNDS))
print()
print("| run | wall (best) | wall (median) | files/s (best) | MB/s (best) | peak RSS |")
print("|---|---:|---:|---:|---:|---:|")
rows = [("full check", full)] + ([("`--skip-rules R04,NAM`", skipped)] if skipped else [])
for name, (dt, med, rss) in rows:
    print("| %s | %.3f s | %.3f s | %s | %.1f | %.0f MB |" % (
        name, dt, med, format(round(n / dt), ","), mb / dt, rss))
print()
if skipped:
    print("R04 + NAM overhead: %+.1f %% wall on the best runs (%.3f s vs %.3f s), %+.1f %% on the medians." % (
        (full[0] - skipped[0]) / skipped[0] * 100, full[0], skipped[0],
        (full[1] - skipped[1]) / skipped[1] * 100))
else:
    print("Note: " + note)
print()
sys.stdout.flush()
PY
python3 bench/infra/score.py "$truth" "$report"
