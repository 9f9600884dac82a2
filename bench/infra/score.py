#!/usr/bin/env python3
"""Scores an envguard JSON report against a bench/infra/gen.py ground truth.

    python3 bench/infra/score.py GROUND_TRUTH REPORT_JSON [--json]

GROUND_TRUTH is OUT_DIR/ground-truth.json; REPORT_JSON the output of
`envguard check OUT_DIR --format json` (docs/json-format.md). Only active
findings (`findings`, not `suppressed`) of the R04 and NAM families count;
R01, R02, R05 and other families are ignored.

Definitions:
  match      a finding matches a planted defect when its rule_id is the defect's
             rule (or one of the defect's `also` rules), its location.path is the
             defect's path (or the path of one of its `related` places) and the
             defect's line lies within 2 lines of the finding's region
             (start_line - 2 .. end_line + 2).
  recall     per rule: planted defects of that rule matched by at least one
             finding carrying that very rule.
  precision  per rule: findings of that rule that match some defect, over all
             findings of that rule.
  look-alike R04/NAM findings on the files that exist only as look-alikes
             (modules/, integration-hub/, docs, READMEs), and unmatched findings
             within 2 lines of a look-alike line anywhere (mock_outputs naming
             another env, shared logging account/host, var.env == "prod", ...),
             by kind.
Always exits 0.
"""
import argparse
import collections
import json
import sys

FAMILIES = ("R04.", "NAM.")
SLACK = 2
RULE_ORDER = ["R04.cross-env-reference", "R04.network-path", "R04.shared-backend",
              "NAM.tag-mismatch", "NAM.naming"]


def load_findings(report_path):
    with open(report_path) as f:
        report = json.load(f)
    out = []
    for fd in report.get("findings", []):
        rule = fd.get("rule_id", "")
        if not rule.startswith(FAMILIES):
            continue
        loc = fd.get("location", {})
        reg = loc.get("region") or {}
        start = reg.get("start_line", 0)
        end = reg.get("end_line", start) or start
        out.append({"rule": rule, "path": loc.get("path", ""), "start": start, "end": max(start, end),
                    "message": fd.get("message", "")})
    return report, out


def fmt_ratio(num, den):
    return "%.3f" % (num / den) if den else "n/a"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("truth", metavar="GROUND_TRUTH")
    ap.add_argument("report", metavar="REPORT_JSON")
    ap.add_argument("--json", action="store_true", help="print the scores as JSON")
    a = ap.parse_args()
    with open(a.truth) as f:
        truth = json.load(f)
    report, findings = load_findings(a.report)
    defects = truth["defects"]

    # Index the places of each defect: primary and related, by path.
    places = collections.defaultdict(list)  # path -> [(line, defect)]
    for d in defects:
        places[d["path"]].append((d["line"], d))
        for r in d.get("related", []):
            places[r["path"]].append((r["line"], d))

    def matches(fd, by_own_rule_only=False):
        hits = []
        for line, d in places.get(fd["path"], ()):
            if not (fd["start"] - SLACK <= line <= fd["end"] + SLACK):
                continue
            ok = fd["rule"] == d["rule"] or (not by_own_rule_only and fd["rule"] in d.get("also", []))
            if ok:
                hits.append(d)
        return hits

    found = set()
    tp_by_rule = collections.Counter()
    n_by_rule = collections.Counter()
    unmatched = []
    for fd in findings:
        n_by_rule[fd["rule"]] += 1
        if matches(fd):
            tp_by_rule[fd["rule"]] += 1
        else:
            unmatched.append(fd)
        for d in matches(fd, by_own_rule_only=True):
            found.add(d["id"])

    look_lines = collections.defaultdict(list)  # path -> [(line, kind)]
    for lk in truth.get("lookalikes", []):
        look_lines[lk["path"]].append((lk["line"], lk["kind"]))
    look_files = set(truth.get("lookalike_files", []))
    look_files_hit = set()
    look_on_file = 0
    look_near = 0
    look_kinds = collections.Counter()
    for fd in unmatched:
        if fd["path"] in look_files:
            look_on_file += 1
            look_files_hit.add(fd["path"])
        for line, kind in look_lines.get(fd["path"], ()):
            if fd["start"] - SLACK <= line <= fd["end"] + SLACK:
                look_near += 1
                look_kinds[kind] += 1
                break

    planted = collections.Counter(d["rule"] for d in defects)
    rules = [r for r in RULE_ORDER if r in truth["counts"]["by_rule"]]
    rules += sorted(r for r in truth["counts"]["by_rule"] if r not in rules)
    rules += sorted(r for r in n_by_rule if r not in rules)
    rows = []
    for r in rules:
        got = sum(1 for d in defects if d["rule"] == r and d["id"] in found)
        rows.append({"rule": r, "planted": planted[r], "found": got,
                     "recall": round(got / planted[r], 4) if planted[r] else None,
                     "findings": n_by_rule[r], "matched": tp_by_rule[r],
                     "precision": round(tp_by_rule[r] / n_by_rule[r], 4) if n_by_rule[r] else None})
    tot_found, tot_f, tot_tp = len(found), sum(n_by_rule.values()), sum(tp_by_rule.values())
    kinds = collections.Counter(d["kind"] for d in defects)
    kinds_found = collections.Counter(d["kind"] for d in defects if d["id"] in found)
    other = collections.Counter(f.get("rule_id", "") for f in report.get("findings", [])
                                if not f.get("rule_id", "").startswith(FAMILIES))
    scores = {
        "rules": rows,
        "total": {"planted": len(defects), "found": tot_found,
                  "recall": round(tot_found / len(defects), 4) if defects else None,
                  "findings": tot_f, "matched": tot_tp,
                  "precision": round(tot_tp / tot_f, 4) if tot_f else None},
        "recall_by_kind": {k: [kinds_found[k], kinds[k]] for k in sorted(kinds)},
        "unmatched_findings": len(unmatched),
        "lookalike_file_findings": look_on_file,
        "lookalike_files_hit": len(look_files_hit),
        "lookalike_files": len(look_files),
        "lookalike_line_findings": look_near,
        "lookalike_line_findings_by_kind": dict(sorted(look_kinds.items())),
        "other_families_ignored": sum(other.values()),
        "parse_errors": sum(1 for d in report.get("diagnostics", []) if d.get("kind") == "parse-error"),
    }
    if a.json:
        print(json.dumps(scores))
        return 0
    print("| rule | planted | found | recall | findings | matched | precision |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print("| %s | %d | %d | %s | %d | %d | %s |" % (
            row["rule"], row["planted"], row["found"], fmt_ratio(row["found"], row["planted"]),
            row["findings"], row["matched"], fmt_ratio(row["matched"], row["findings"])))
    t = scores["total"]
    print("| **all R04 + NAM** | %d | %d | %s | %d | %d | %s |" % (
        t["planted"], t["found"], fmt_ratio(t["found"], t["planted"]), t["findings"], t["matched"],
        fmt_ratio(t["matched"], t["findings"])))
    print()
    print("Look-alikes: %d finding(s) on %d of the %d look-alike files (modules/, integration-hub/, docs, READMEs); "
          "%d unmatched finding(s) within %d lines of a look-alike line%s." % (
              look_on_file, len(look_files_hit), len(look_files), look_near, SLACK,
              (" (" + ", ".join("%s %d" % kv for kv in sorted(look_kinds.items())) + ")") if look_kinds else ""))
    print("Unmatched R04/NAM findings: %d; other families ignored: %d; parse errors: %d." % (
        len(unmatched), scores["other_families_ignored"], scores["parse_errors"]))
    print("Recall by kind: " + ", ".join("%s %d/%d" % (k, kinds_found[k], kinds[k]) for k in sorted(kinds)) + ".")
    missed = [d for d in defects if d["id"] not in found]
    if missed and len(missed) < len(defects):
        print("\nMissed (first 10):")
        for d in missed[:10]:
            print("- %s %s `%s:%d` (%s)" % (d["rule"], d["kind"], d["path"], d["line"], d["value"]))
    if unmatched:
        print("\nUnmatched findings (first 10):")
        for fd in unmatched[:10]:
            print("- %s `%s:%d` %s" % (fd["rule"], fd["path"], fd["start"], fd["message"][:100]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
