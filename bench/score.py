#!/usr/bin/env python3
"""Scores an envguard SARIF report against a gen_corpus.py ground truth.

    python3 bench/score.py --truth DIR.truth.json --sarif REPORT.sarif [--json]

Definitions (R01 findings = SARIF results whose ruleId starts with "R01." and
that are not suppressed):
  recall     planted instances (path + line span) overlapped by the primary
             location of at least one R01 finding; also split plain / base64.
  precision  R01 findings whose primary location overlaps a planted instance,
             over all R01 findings (a finding on a decoy or on any unplanted
             line counts against it).
  groups     reuse groups of the truth for which one R01.secret-reuse finding's
             locations (primary + related) cover instances of that secret in
             every environment of the group.
"""
import argparse
import collections
import json
import sys


def load_results(sarif_path):
    with open(sarif_path) as f:
        sarif = json.load(f)
    out = []
    for run in sarif.get("runs", []):
        for r in run.get("results", []):
            if r.get("suppressions"):
                continue
            rule = r.get("ruleId", "")
            if not rule.startswith("R01."):
                continue
            locs = []
            for i, loc in enumerate(r.get("locations", []) + r.get("relatedLocations", [])):
                pl = loc.get("physicalLocation", {})
                uri = pl.get("artifactLocation", {}).get("uri", "")
                reg = pl.get("region", {})
                start = reg.get("startLine", 0)
                end = reg.get("endLine", start)
                locs.append((uri, start, end, i == 0))
            out.append((rule, locs))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--truth", required=True)
    ap.add_argument("--sarif", required=True)
    ap.add_argument("--json", action="store_true", help="print the scores as JSON")
    a = ap.parse_args()
    with open(a.truth) as f:
        truth = json.load(f)
    results = load_results(a.sarif)

    by_path = collections.defaultdict(list)  # path -> [instance]
    for inst in truth["instances"]:
        by_path[inst["path"]].append(inst)
    decoys = {(d["path"], d["line"]) for d in truth["decoys"]}

    def instances_at(path, start, end):
        return [i for i in by_path.get(path, ()) if i["line"] <= end and start <= i["end_line"]]

    found = set()
    true_pos = 0
    decoy_hits = 0
    false_pos_examples = []
    for rule, locs in results:
        path, start, end, _ = locs[0]
        hits = instances_at(path, start, end)
        if hits:
            true_pos += 1
            found.update(i["id"] for i in hits)
        else:
            if any((path, ln) in decoys for ln in range(start, end + 1)):
                decoy_hits += 1
            if len(false_pos_examples) < 10:
                false_pos_examples.append("%s %s:%d" % (rule, path, start))

    inst = truth["instances"]
    recall = len(found) / len(inst) if inst else 1.0
    enc = collections.Counter(i["encoding"] for i in inst)
    enc_found = collections.Counter(i["encoding"] for i in inst if i["id"] in found)
    precision = true_pos / len(results) if results else 1.0

    # Reuse groups.
    sid_of = {i["id"]: i["secret_id"] for i in inst}
    recovered = 0
    missed_groups = []
    reuse_findings = [locs for rule, locs in results if rule == "R01.secret-reuse"]
    for g in truth["reuse_groups"]:
        ok = False
        for locs in reuse_findings:
            envs = set()
            for path, start, end, _ in locs:
                for i in instances_at(path, start, end):
                    if i["secret_id"] == g["secret_id"] and i["env"]:
                        envs.add(i["env"])
            if set(g["envs"]) <= envs:
                ok = True
                break
        if ok:
            recovered += 1
        elif len(missed_groups) < 10:
            missed_groups.append("%s %s %s" % (g["secret_id"], g["type"], "+".join(g["envs"])))

    scores = {
        "findings_r01": len(results),
        "instances": len(inst),
        "recall": round(recall, 4),
        "recall_plain": round(enc_found["plain"] / enc["plain"], 4) if enc["plain"] else None,
        "recall_base64": round(enc_found["base64"] / enc["base64"], 4) if enc["base64"] else None,
        "precision": round(precision, 4),
        "false_positives": len(results) - true_pos,
        "decoy_hits": decoy_hits,
        "reuse_groups": len(truth["reuse_groups"]),
        "reuse_groups_recovered": recovered,
        "reuse_findings": len(reuse_findings),
    }
    if a.json:
        print(json.dumps(scores))
    else:
        for k, v in scores.items():
            print("%-24s %s" % (k, v))
        missed = [i for i in inst if i["id"] not in found]
        if missed:
            print("missed instances (first 10):")
            for i in missed[:10]:
                print("  %s %s:%d (%s, %s)" % (i["type"], i["path"], i["line"], i["encoding"], i["context"]))
        if false_pos_examples:
            print("false positives (first 10):")
            for x in false_pos_examples:
                print("  " + x)
        if missed_groups:
            print("missed reuse groups (first 10):")
            for x in missed_groups:
                print("  " + x)
    return 0


if __name__ == "__main__":
    sys.exit(main())
