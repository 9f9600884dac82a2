"""Counts the production profile findings of envguard and checkov on one tree.

    python3 bench/profile/compare.py TREE OUTDIR

OUTDIR holds envguard.json, checkov.json and the `/usr/bin/time -v` output of each
(envguard.time, checkov.time). A file is "prod" or "non-prod" by the environment envguard
attributed it to (the report's `environments` and the findings' paths); checkov knows no
environments, so its findings are placed by the same attribution of their file. Only
checkov checks of the controls the profile covers are compared (CHECKS below); its total is
printed too. "prod gaps covered": checkov's failed profile checks on prod resources for which
envguard reports a PRD finding on the same file and resource address.
"""
import json
import re
import sys

# checkov checks of the controls in the production profile (004), by the PRD rule covering them.
CHECKS = {
    "CKV_AWS_7": "PRD.key-rotation",      # KMS key rotation
    "CKV_AWS_145": "PRD.encryption",      # S3 encrypted with KMS by default
    "CKV_AWS_119": "PRD.encryption",      # DynamoDB encrypted with a customer-managed key
    "CKV_AWS_16": "PRD.encryption",       # RDS encrypted at rest
    "CKV_AWS_158": "PRD.encryption",      # CloudWatch log group encrypted by KMS
    "CKV_AWS_189": "PRD.encryption",      # EBS encrypted with a customer-managed key
    "CKV_AWS_28": "PRD.backup",           # DynamoDB point-in-time recovery
    "CKV_AWS_133": "PRD.backup",          # RDS backup retention
    "CKV_AWS_157": "PRD.backup",          # RDS multi-AZ
    "CKV_AWS_293": "PRD.backup",          # RDS deletion protection
    "CKV_AWS_36": "PRD.audit-log-immutable",  # CloudTrail log file validation
    "CKV_AWS_338": "PRD.log-retention",   # log group retention >= 1 year
}
TIER_WORDS = {
    "prod": "prod", "production": "prod", "prd": "prod", "live": "prod",
}


def rss_and_wall(path):
    text = open(path, errors="replace").read()
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
    secs = None
    if wall:
        parts = [float(p) for p in wall.group(1).split(":")]
        secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    return secs, (int(rss.group(1)) / 1024 if rss else None)


def main():
    tree, out = sys.argv[1], sys.argv[2]
    eg = json.load(open(f"{out}/envguard.json"))
    tiers = {e["name"]: e.get("tier") for e in eg.get("environments", [])}

    def tier_of_path(p):
        p = p.lstrip("/")
        for seg in p.split("/")[:-1]:
            s = seg.lower()
            if s in tiers:
                return "prod" if tiers[s] == "prod" else "non-prod"
            if s in TIER_WORDS:
                return "prod"
        name = p.rsplit("/", 1)[-1].lower()
        for env, tier in tiers.items():
            if re.search(r"(^|[._-])%s([._-]|$)" % re.escape(env), name):
                return "prod" if tier == "prod" else "non-prod"
        return "none"

    counts = {}
    eg_prod = set()
    for f in eg["findings"]:
        rid = f["rule_id"]
        if not (rid.startswith("PRD.") or rid == "RES.region"):
            continue
        path = f["location"]["path"]
        t = tier_of_path(path)
        counts[("envguard", t)] = counts.get(("envguard", t), 0) + 1
        addr = f["message"].split(" ", 1)[0].rstrip(":")
        eg_prod.add((path, addr))
    ck_raw = json.load(open(f"{out}/checkov.json"))
    reports = ck_raw if isinstance(ck_raw, list) else [ck_raw]
    total = 0
    gaps = covered = 0
    for r in reports:
        for c in (r.get("results") or {}).get("failed_checks", []):
            total += 1
            if c["check_id"] not in CHECKS:
                continue
            path = c["file_path"].lstrip("/")
            t = tier_of_path(path)
            counts[("checkov", t)] = counts.get(("checkov", t), 0) + 1
            if t == "prod":
                gaps += 1
                if (path, c["resource"]) in eg_prod:
                    covered += 1
    ew, er = rss_and_wall(f"{out}/envguard.time")
    cw, cr = rss_and_wall(f"{out}/checkov.time")
    print(f"### {tree}\n")
    print("| tool | wall | peak RSS | profile findings in prod | in non-prod | in no environment |")
    print("|---|---:|---:|---:|---:|---:|")
    for tool, w, r in (("envguard check", ew, er), ("checkov -d (terraform)", cw, cr)):
        k = "envguard" if tool.startswith("envguard") else "checkov"
        print(f"| {tool} | {w:.2f} s | {r:.0f} MB | {counts.get((k, 'prod'), 0)} | "
              f"{counts.get((k, 'non-prod'), 0)} | {counts.get((k, 'none'), 0)} |")
    print(f"\ncheckov failed checks, all: {total}; of the profile's controls "
          f"({len(CHECKS)} checks): {sum(v for (k, _), v in counts.items() if k == 'checkov')}")
    print(f"prod gaps of those checks also reported by envguard (same file and resource): "
          f"{covered}/{gaps}")
    if ew and cw:
        print(f"envguard / checkov wall time: 1/{cw / ew:.0f}")


if __name__ == "__main__":
    main()
