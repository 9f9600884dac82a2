#!/usr/bin/env python3
"""Scores envguard-pii detections against gen_pii.py ground truth.

Usage: score.py GT_DIR DETECTIONS.jsonl [--redaction REDACT_SPANS.jsonl] [--json OUT]
GT_DIR is a gen_pii.py output made with --offset-unit byte; DETECTIONS.jsonl is
`pii_spans spans` output (byte offsets per line). A ground-truth span counts as
found when a detection of a compatible entity overlaps it; a detection is a true
positive when it overlaps a compatible ground-truth span, a false positive
otherwise (overlapping a decoy or plain text). Reported per entity: recall,
precision; decoy lines with any detection; notes fully redacted (every PII
byte covered by a detection) per language.
"""
import json
import sys
from collections import defaultdict

COMPAT = {
    "PERSON": {"PERSON_EN", "PERSON_AR_LATIN", "PERSON_AR"},
    "EMAIL": {"EMAIL"}, "PHONE_SA": {"PHONE_SA"}, "PHONE_US": {"PHONE_US"},
    "PHONE": {"PHONE_SA", "PHONE_US"}, "SA_NATIONAL_ID": {"SA_NATIONAL_ID"},
    "IBAN": {"IBAN_SA"}, "CREDIT_CARD": {"CREDIT_CARD"}, "US_SSN": {"US_SSN"},
    "DOB": {"DOB"}, "MRN": {"MRN"}, "ICD10": {"ICD10"}, "IPV4": {"IPV4"}, "IPV6": set(),
}
RESERVED = ("example.com", "example.org", "example.net")


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("gt_dir")
    ap.add_argument("det_path")
    ap.add_argument("--redaction", help="`pii_spans redact-spans` output for the fully-redacted rates")
    ap.add_argument("--json")
    a = ap.parse_args()
    gt_dir, det_path, out_json = a.gt_dir, a.det_path, a.json
    gt = json.load(open(f"{gt_dir}/ground_truth.json", encoding="utf-8"))
    assert gt["offset_unit"] == "byte", "generate with --offset-unit byte"
    types = gt["types"]
    pii = set(gt["pii_types"])
    dets = defaultdict(list)
    for line in open(det_path, encoding="utf-8"):
        r = json.loads(line)
        dets[(r["file"], r["line"])].extend(r["spans"])
    red = dets
    if a.redaction:
        red = defaultdict(list)
        for line in open(a.redaction, encoding="utf-8"):
            r = json.loads(line)
            red[(r["file"], r["line"])].extend(r["spans"])

    found = defaultdict(int)
    total = defaultdict(int)
    total_nonreserved = defaultdict(int)
    found_nonreserved = defaultdict(int)
    tp = defaultdict(int)
    fp = defaultdict(int)
    fp_where = defaultdict(lambda: defaultdict(int))
    decoy_lines = decoy_hit = 0
    full = defaultdict(lambda: [0, 0])
    for fname, meta in gt["files"].items():
        if "lines" not in meta:
            continue
        raw_lines = None
        if fname in ("notes.jsonl", "patients.csv", "patients.jsonl", "patients.sql", "notes.txt"):
            with open(f"{gt_dir}/{fname}", "rb") as fh:
                raw_lines = fh.read().split(b"\n")
        for ln, flat in enumerate(meta["lines"]):
            spans = [(flat[k], flat[k + 1], types[flat[k + 2]]) for k in range(0, len(flat), 3)]
            d = dets.get((fname, ln), [])
            if fname == "decoys.txt":
                decoy_lines += 1
                decoy_hit += bool(d)
            gold = [s for s in spans if s[2] in pii]
            for s, e, t in gold:
                total[t] += 1
                ok = any(ds < e and s < de and t in COMPAT.get(dt, ()) for ds, de, dt in d)
                found[t] += ok
                reserved = t == "EMAIL" and raw_lines is not None and \
                    raw_lines[ln][s:e].decode("utf-8", "replace").lower().endswith(RESERVED)
                if not reserved:
                    total_nonreserved[t] += 1
                    found_nonreserved[t] += ok
            for ds, de, dt in d:
                if any(ds < e and s < de and t in COMPAT.get(dt, ()) for s, e, t in gold):
                    tp[dt] += 1
                else:
                    fp[dt] += 1
                    what = next((t for s, e, t in spans if ds < e and s < de), "plain text")
                    fp_where[dt][what] += 1
            if fname == "notes.jsonl" and raw_lines is not None:
                rec = json.loads(raw_lines[ln])
                cov = set()
                for ds, de, _ in red.get((fname, ln), []):
                    cov.update(range(ds, de))
                ok = all(all(x in cov for x in range(s, e)) for s, e, _ in gold)
                full[rec["lang"]][0] += ok
                full[rec["lang"]][1] += 1
                full[rec["kind"] + "/" + rec["lang"]][0] += ok
                full[rec["kind"] + "/" + rec["lang"]][1] += 1

    res = {"recall": {}, "precision": {}, "fp_overlaps": {}, "decoy_line_rate": decoy_hit / max(1, decoy_lines),
           "fully_redacted": {k: v[0] / v[1] for k, v in sorted(full.items())}}
    print(f"{'entity':18} {'gold':>8} {'recall':>7} {'recall*':>8}")
    for t in gt["pii_types"]:
        r = found[t] / total[t] if total[t] else float("nan")
        r2 = found_nonreserved[t] / total_nonreserved[t] if total_nonreserved[t] else float("nan")
        res["recall"][t] = {"gold": total[t], "recall": r, "recall_excl_reserved": r2}
        print(f"{t:18} {total[t]:8} {r:7.4f} {r2:8.4f}")
    print("  (recall* excludes e-mails at RFC 2606 example domains, which envguard treats as not PII)")
    print(f"\n{'detected':18} {'tp':>8} {'fp':>7} {'precision':>9}  top false-positive overlaps")
    for t in sorted(set(tp) | set(fp)):
        p = tp[t] / (tp[t] + fp[t])
        res["precision"][t] = {"tp": tp[t], "fp": fp[t], "precision": p}
        top = sorted(fp_where[t].items(), key=lambda x: -x[1])[:3]
        res["fp_overlaps"][t] = dict(top)
        print(f"{t:18} {tp[t]:8} {fp[t]:7} {p:9.4f}  {top}")
    print(f"\ndecoy lines with any detection: {decoy_hit}/{decoy_lines} = {res['decoy_line_rate']:.4f}")
    print("notes fully redacted:")
    for k, v in res["fully_redacted"].items():
        print(f"  {k:22} {v:.4f} ({full[k][1]} records)")
    if out_json:
        json.dump(res, open(out_json, "w"), indent=1)


if __name__ == "__main__":
    main()
