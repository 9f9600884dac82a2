#!/usr/bin/env python3
"""Deterministic generator of a multi-environment infrastructure repository.

Makes a tree that looks like the infrastructure repository of a company with
3 to 6 environments (dev, qa or uat, staging, preprod, exactly one prod) and
plants a known list of cross-environment defects in it, for envguard's rule
families R04 (cross-environment references, network paths, shared backends)
and NAM (Environment tags, naming suffixes).

Layouts (all in one tree):
  envs/<env>/<stack>/{main.tf,variables.tf,terraform.tfvars,backend.tf[,outputs.tf][,README.md]}
      Terraform stacks: S3, RDS, DynamoDB, SQS, KMS aliases, security groups with
      ingress blocks, a VPC per env (10.<envindex>.0.0/16) with peering to a shared
      services VPC; locals.common_tags merged with merge(local.common_tags, {...});
      an s3 backend per stack (per-env bucket, or one bucket for the non-prod
      environments with env keys and prod's own).
  live/root.hcl, live/<env>/env.hcl, live/<env>/us-east-1/<component>/terragrunt.hcl
      Terragrunt: include "root", dependency blocks with mock_outputs, inputs = {...}.
  k8s/base/<app>/ and k8s/overlays/<env>/<app>/
      kustomize: Deployments with DB hosts (db.<env>.acme.internal style), ConfigMaps,
      NetworkPolicies with ipBlock cidrs.
  config/<env>/<svc>/app.yaml and apps/<svc>/.env.<env>
      application settings with URLs and connection strings (no secrets: ${VAR}).
  modules/, integration-hub/, docs/, README.md files
      legitimate look-alikes that must stay quiet (see below).

Conventions: hosts and buckets carry the env label (acme-<env>-<svc>-data,
<svc>-db.<env>.acme.internal); other resource names end in -<env>; every env
references the central logging account and logs.shared.acme.internal.

Usage:
    python3 bench/infra/gen.py OUT_DIR [--files 5000] [--envs 4] [--seed 1]

OUT_DIR is replaced if it holds an earlier output (refused if it holds anything
else). Same arguments, same bytes. OUT_DIR/.ignore keeps ground-truth.json out of
envguard's walk.

OUT_DIR/ground-truth.json (paths relative to OUT_DIR, lines 1-based):
    params       {files, envs, seed}; generator, generator_version
    environments [{name, index, cidr, account_id, vpc_id, prod}]
    file_count, total_bytes, file_mix {layout: files}, files_by_env {env|"(none)": files}
    counts       {defects, by_rule {rule: n}, by_kind {kind: n}, lookalikes, lookalike_files}
    defects[]    {id, rule, kind, path, line, env, value, related: [{path, line, env}],
                  also: [rule...]} -- rule is one of R04.cross-env-reference,
                  R04.network-path, R04.shared-backend, NAM.tag-mismatch, NAM.naming;
                  line is the line of the offending value; related are the other
                  places of a two-sided defect (the other env of a shared backend or
                  of an overlapping CIDR); also lists other rules a finding there may
                  legitimately carry (e.g. a dev VPC peering naming the prod account).
    lookalikes[] {path, line, kind, env} -- lines that resemble a defect but are not
                  (mock_outputs naming another env, the shared logging account and
                  host, var.env == "prod" conditionals, shared modules, READMEs and
                  docs naming prod hosts, the integration-hub folder, one state
                  bucket with per-env keys, the same key in per-env buckets, 0.0.0.0/0
                  egress and HTTPS ingress, peering with the shared-services VPC, ...).
    lookalike_files[] paths of the files that exist only as look-alikes (modules/,
                  integration-hub/, docs/, README.md files).
Defects: about one per 100 files (at least one per rule), shared out over the
rules roughly 34/22/14/15/15 % and, within a rule, over its kinds (see KINDS);
at most one defect per file.
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import sys

GENERATOR_VERSION = "1"
ENV_ORDER = ["dev", "qa", "uat", "staging", "preprod", "prod"]
DOMAIN = "acme.internal"
REGION = "us-east-1"
AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]
SHARED_CIDR = "10.100.0.0/16"
LOG_HOST = "logs.shared.acme.internal"
CENTRAL_LOG_BUCKET = "acme-central-access-logs"
COMMON_STATE_BUCKET = "acme-terraform-state"
SHARED_LOCK_TABLE = "acme-terraform-locks"

# Service names: no token may be an environment alias (dev, test, live, int, ...).
DOMAINS = ("orders payments billing catalog search ledger invoices shipping notify "
           "identity profile inventory pricing reports audit checkout cart reviews "
           "loyalty rewards fraud risk kyc onboarding accounts wallet transfers refunds "
           "disputes tax quotes bookings calendar chat media assets uploads thumbnails "
           "geo maps routing fleet drivers dispatch tracking warehouse returns "
           "subscriptions plans coupons metrics alerts webhooks emails sms").split()
ROLES = "api worker events sync jobs etl gateway scheduler indexer exporter".split()
TEAMS = "platform payments growth core data commerce logistics".split()

RULES = ["R04.cross-env-reference", "R04.network-path", "R04.shared-backend",
         "NAM.tag-mismatch", "NAM.naming"]
RULE_SHARE = {"R04.cross-env-reference": 0.34, "R04.network-path": 0.22,
              "R04.shared-backend": 0.14, "NAM.tag-mismatch": 0.15, "NAM.naming": 0.15}
# kind -> (rule, unit predicate, env policy, file key)
#   env policy: nonprod | prod | any | mostly-prod | pair
KINDS = {
    "tfvars-prod-host": ("R04.cross-env-reference", lambda u: u["t"] == "tf" and u["kind"] != "network", "nonprod", "tfvars"),
    "tf-prod-bucket": ("R04.cross-env-reference", lambda u: u["t"] == "tf" and u["kind"] == "data" and u["style"] == "literal", "nonprod", "main"),
    "tf-prod-kms-alias": ("R04.cross-env-reference", lambda u: u["t"] == "tf" and u["kind"] == "data" and u["style"] == "literal", "nonprod", "main"),
    "tf-prod-remote-state": ("R04.cross-env-reference", lambda u: u["t"] == "tf" and u["kind"] == "data" and u["style"] == "literal", "nonprod", "main"),
    "tf-prod-account": ("R04.cross-env-reference", lambda u: u["t"] == "tf" and u["kind"] == "app" and u["style"] == "literal", "nonprod", "main"),
    "tf-prod-lock-table": ("R04.cross-env-reference", lambda u: u["t"] == "tf" and u["kind"] == "app" and u["style"] == "literal", "nonprod", "main"),
    "tg-prod-dependency": ("R04.cross-env-reference", lambda u: u["t"] == "tg", "nonprod", "tg"),
    "tg-prod-host": ("R04.cross-env-reference", lambda u: u["t"] == "tg", "nonprod", "tg"),
    "k8s-prod-host": ("R04.cross-env-reference", lambda u: u["t"] == "k8s", "nonprod", "patch"),
    "config-prod-url": ("R04.cross-env-reference", lambda u: u["t"] == "cfg", "nonprod", "yaml"),
    "dotenv-prod-db": ("R04.cross-env-reference", lambda u: u["t"] == "cfg", "nonprod", "dotenv"),
    "sg-nonprod-cidr-db-port": ("R04.network-path", lambda u: u["t"] == "tf" and u["kind"] == "data" and u["style"] == "literal", "prod", "main"),
    "sg-open-db-port": ("R04.network-path", lambda u: u["t"] == "tf" and u["kind"] == "data" and u["style"] == "literal", "prod", "main"),
    "vpc-peering-prod-nonprod": ("R04.network-path", lambda u: u["t"] == "tf" and u["kind"] == "network", "any", "main"),
    "cidr-overlap-tf": ("R04.network-path", lambda u: u["t"] == "tf" and u["kind"] == "network", "pair", "tfvars"),
    "cidr-overlap-tg": ("R04.network-path", lambda u: u["t"] == "tgvpc", "pair", "tg"),
    "netpol-nonprod-cidr-db-port": ("R04.network-path", lambda u: u["t"] == "k8s", "prod", "netpol"),
    "same-state-bucket-key": ("R04.shared-backend", lambda u: u["t"] == "tf" and u["backend"] == "common", "pair", "backend"),
    "same-lock-table": ("R04.shared-backend", lambda u: u["t"] == "tf", "pair", "backend"),
    "same-database": ("R04.shared-backend", lambda u: u["t"] == "cfg", "pair", "dotenv"),
    "tf-resource-tag": ("NAM.tag-mismatch", lambda u: u["t"] == "tf" and u["style"] == "literal" and u["kind"] != "network", "mostly-prod", "main"),
    "tf-common-tags": ("NAM.tag-mismatch", lambda u: u["t"] == "tf" and u["style"] == "literal" and u["kind"] != "network", "mostly-prod", "main"),
    "tg-tags": ("NAM.tag-mismatch", lambda u: u["t"] == "tg", "mostly-prod", "tg"),
    "tf-resource-name": ("NAM.naming", lambda u: u["t"] == "tf" and u["style"] == "literal" and u["kind"] != "network", "mostly-prod", "main"),
    "tg-name": ("NAM.naming", lambda u: u["t"] == "tg", "mostly-prod", "tg"),
}
# Share of the files each layout should hold (before the fixed files).
LAYOUT_SHARE = {"tf": 0.45, "tg": 0.17, "k8s": 0.23, "cfg": 0.15}


# ------------------------------------------------------------------ file model
class Buf:
    """One file being written: lines, plus marks on lines (defects, look-alikes)."""

    __slots__ = ("rel", "env", "layout", "lines", "marks", "looks")

    def __init__(self, rel, env, layout):
        self.rel, self.env, self.layout = rel, env, layout
        self.lines, self.marks, self.looks = [], [], []

    def add(self, *lines):
        for ln in lines:
            self.lines.extend(ln.split("\n"))
        return self

    def mark(self, plant, role="primary", offset=0):
        """The next line added (+offset) is where `plant` sits."""
        self.marks.append((len(self.lines) + offset, plant, role))

    def look(self, kind, offset=0):
        """The next line added (+offset) is a look-alike of kind `kind`."""
        self.looks.append((len(self.lines) + offset, kind))


ATTR = re.compile(r'^( *)([A-Za-z_][A-Za-z0-9_-]*) *= *(.*)$')


def depth_delta(value):
    """Net bracket depth of an HCL expression fragment (strings skipped)."""
    d, in_str, esc = 0, False, False
    for ch in value:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch == "#":
            break
        elif ch in "([{":
            d += 1
        elif ch in ")]}":
            d -= 1
    return d


def align_hcl(lines):
    """Aligns the '=' of consecutive one-line attributes as `terraform fmt` does."""
    out = list(lines)
    i, n = 0, len(lines)
    while i < n:
        m = ATTR.match(lines[i])
        if not m or depth_delta(m.group(3)) != 0:
            i += 1
            continue
        indent = m.group(1)
        group = [(i, m)]
        j = i + 1
        while j < n:
            m2 = ATTR.match(lines[j])
            if not m2 or m2.group(1) != indent or depth_delta(m2.group(3)) != 0:
                break
            group.append((j, m2))
            j += 1
        width = max(len(g.group(2)) for _, g in group)
        for k, g in group:
            out[k] = "%s%s = %s" % (indent, g.group(2).ljust(width), g.group(3))
        i = j
    return out


# ------------------------------------------------------------------- the repo
class Repo:
    def __init__(self, files, n_envs, seed):
        self.rng = random.Random(seed)
        self.target = files
        self.params = {"files": files, "envs": n_envs, "seed": seed}
        self.bufs = []
        self.plants = []
        rng = self.rng
        # Environments: dev, staging, prod always; then qa or uat, preprod, the other one.
        qa_uat = ["qa", "uat"]
        rng.shuffle(qa_uat)
        names = ["dev", "staging", "prod", qa_uat[0], "preprod", qa_uat[1]][:n_envs]
        names.sort(key=ENV_ORDER.index)
        self.envs = []
        used_accounts = set()
        for nm in names:
            idx = ENV_ORDER.index(nm) + 1
            acct = self.account(used_accounts)
            self.envs.append({"name": nm, "index": idx, "cidr": "10.%d.0.0/16" % idx,
                              "account_id": acct, "vpc_id": "vpc-0%016x" % rng.getrandbits(64),
                              "prod": nm == "prod"})
        self.env = {e["name"]: e for e in self.envs}
        self.names = names
        self.nonprod = [n for n in names if n != "prod"]
        self.log_account = self.account(used_accounts)
        self.shared_account = self.account(used_accounts)
        self.shared_vpc = "vpc-0%016x" % rng.getrandbits(64)

    def account(self, used):
        while True:
            a = "%012d" % self.rng.randrange(10 ** 11, 10 ** 12)
            if a not in used:
                used.add(a)
                return a

    def buf(self, rel, env, layout):
        b = Buf(rel, env, layout)
        self.bufs.append(b)
        return b


def host(svc, env, kind="db"):
    return "%s-%s.%s.%s" % (svc, kind, env, DOMAIN)


def snake(svc):
    return svc.replace("-", "_")


# ------------------------------------------------------------------ planning
def plan_units(repo):
    """The list of layout units, until the file budget is spent."""
    rng, K = repo.rng, len(repo.envs)
    pool = list(DOMAINS) + ["%s-%s" % (d, r) for r in ROLES for d in DOMAINS]
    head, tail = pool[:len(DOMAINS)], pool[len(DOMAINS):]
    rng.shuffle(head)
    rng.shuffle(tail)
    pool = head + tail
    counters = {"tf": 0, "tg": 0, "k8s": 0, "cfg": 0}

    def next_name(layout):
        i = counters[layout]
        counters[layout] += 1
        if i < len(pool):
            return pool[i]
        return "%s-%d" % (pool[i % len(pool)], i // len(pool) + 1)

    units = []
    # Fixed units: one network stack and one Terragrunt VPC per env.
    units.append({"t": "tf", "svc": "network", "kind": "network", "style": "literal",
                  "backend": "perenv", "outputs": True, "readme": True, "engine": None})
    units.append({"t": "tgvpc", "svc": "vpc"})
    fixed_files = 2 + 4 * K + 24 + 10 + 3  # root files, per-env extras, modules, hub, docs
    files = fixed_files + K * 6 + K
    size = {"tf": K * 4.65, "tg": K * 1.7, "k8s": 4 + 4 * K, "cfg": 2 * K}
    weights = {k: LAYOUT_SHARE[k] / size[k] for k in LAYOUT_SHARE}
    tot = sum(weights.values())
    order = ["tf", "tg", "k8s", "cfg"]
    while files < repo.target:
        r, acc, layout = rng.random() * tot, 0.0, order[-1]
        for k in order:
            acc += weights[k]
            if r < acc:
                layout = k
                break
        svc = next_name(layout)
        if layout == "tf":
            u = {"t": "tf", "svc": svc, "kind": "data" if rng.random() < 0.6 else "app",
                 "style": "literal" if rng.random() < 0.7 else "interp",
                 "backend": "perenv" if rng.random() < 0.6 else "common",
                 "outputs": rng.random() < 0.5, "readme": rng.random() < 0.15,
                 "engine": "postgres" if rng.random() < 0.7 else "mysql"}
            n = K * (4 + u["outputs"] + u["readme"])
        elif layout == "tg":
            comps = ["rds"] + [c for c in ("redis", "queue") if rng.random() < 0.5]
            u = {"t": "tg", "svc": svc, "comps": comps}
            n = K * len(comps)
        elif layout == "k8s":
            u = {"t": "k8s", "svc": svc, "replicas": rng.choice([2, 3, 4, 6])}
            n = 4 + 4 * K
        else:
            u = {"t": "cfg", "svc": svc, "engine": "postgres" if rng.random() < 0.7 else "mysql"}
            n = 2 * K
        units.append(u)
        files += n
    for i, u in enumerate(units):
        u["id"] = i
        u.setdefault("style", None)
        u.setdefault("kind", None)
        u.setdefault("backend", None)
    return units


def unit_files(u):
    """File keys a unit has in each env (tg units: one per component)."""
    if u["t"] == "tf":
        return ["main", "variables", "tfvars", "backend"]
    if u["t"] == "tg":
        return ["tg:" + c for c in u["comps"]]
    if u["t"] == "tgvpc":
        return ["tg"]
    if u["t"] == "k8s":
        return ["patch", "netpol"]
    return ["yaml", "dotenv"]


def plan_defects(repo, units):
    """Chooses where each defect goes: {(unit id, env, file key): plant}."""
    rng = repo.rng
    total = max(len(RULES), round(repo.target / 100))
    raw = {r: total * RULE_SHARE[r] for r in RULES}
    quota = {r: int(raw[r]) for r in RULES}
    for r in sorted(RULES, key=lambda r: -(raw[r] - int(raw[r])))[:total - sum(quota.values())]:
        quota[r] += 1
    used = set()
    sites = {}
    tg_file = lambda u, f: ("tg:" + rng.choice(u["comps"])) if u["t"] == "tg" else f

    def free(u, env, f):
        return (u["id"], env, f) not in used

    for rule in RULES:
        kinds = [k for k, v in KINDS.items() if v[0] == rule]
        rng.shuffle(kinds)
        placed, attempt = 0, 0
        while placed < quota[rule] and attempt < quota[rule] * 4 + len(kinds):
            kind = kinds[attempt % len(kinds)]
            attempt += 1
            _, pred, policy, fkey = KINDS[kind]
            cands = [u for u in units if pred(u)]
            if not cands:
                continue
            if policy == "pair":
                if len(repo.names) < 2:
                    continue
                for _ in range(20):
                    u = rng.choice(cands)
                    a, b = rng.sample(repo.names, 2)
                    f = tg_file(u, fkey) if u["t"] == "tg" else fkey
                    if free(u, a, f) and free(u, b, f):
                        break
                else:
                    continue
                # The primary side is the less production-like environment.
                a, b = sorted((a, b), key=ENV_ORDER.index)
                p = {"rule": rule, "kind": kind, "env": a, "other": b}
                used.add((u["id"], a, f))
                used.add((u["id"], b, f))
                sites[(u["id"], a, f)] = p
                sites[(u["id"], b, f)] = p
                repo.plants.append(p)
                placed += 1
                continue
            if policy == "nonprod":
                env_choices = repo.nonprod
            elif policy == "prod":
                env_choices = ["prod"]
            elif policy == "mostly-prod":
                env_choices = ["prod"] if rng.random() < 0.75 else repo.nonprod
            else:
                env_choices = repo.names
            for _ in range(30):
                u = rng.choice(cands)
                env = rng.choice(env_choices)
                f = tg_file(u, fkey)
                if u["t"] == "tf" and u["kind"] == "network" and kind == "vpc-peering-prod-nonprod":
                    f = "main"
                if free(u, env, f):
                    break
            else:
                continue
            p = {"rule": rule, "kind": kind, "env": env}
            if kind == "vpc-peering-prod-nonprod":
                p["peer"] = "prod" if env != "prod" else rng.choice(repo.nonprod)
            used.add((u["id"], env, f))
            sites[(u["id"], env, f)] = p
            repo.plants.append(p)
            placed += 1
    # Pair details decided now so that both sides agree.
    for p in repo.plants:
        if p["kind"].startswith("cidr-overlap"):
            other = repo.env[p["other"]]
            p["value"] = other["cidr"] if rng.random() < 0.5 else "10.%d.128.0/17" % other["index"]
    return sites


# ------------------------------------------------------------- Terraform stacks
def tf_locals(b, repo, u, en, p, team):
    tag_env = en
    if p and p["kind"] == "tf-common-tags":
        tag_env = wrong_env(repo, en)
        p["value"] = tag_env
    b.add("locals {", '  environment = "%s"' % en, '  service     = "%s"' % u["svc"])
    b.add("  common_tags = {")
    if p and p["kind"] == "tf-common-tags":
        b.mark(p)
    b.add('    Environment = "%s"' % tag_env, '    Service = "%s"' % u["svc"],
          '    Team = "%s"' % team, '    ManagedBy = "terraform"', "  }")
    b.look("env-conditional")
    if u["kind"] == "data":
        b.add('  db_instance_class = var.env == "prod" ? "db.r6g.large" : "db.t3.medium"')
    else:
        b.add('  instance_type = var.env == "prod" ? "m5.large" : "t3.small"')
    b.look("shared-logging-account")
    b.add('  log_archive_account = "%s"' % repo.log_account, "}", "")


def wrong_env(repo, en):
    if en == "prod":
        return repo.rng.choice(repo.nonprod)
    return "prod"


def tags_block(b, name, p, kind_hook, indent="  "):
    """tags = merge(local.common_tags, {...}); adds a wrong Environment when planted."""
    b.add(indent + "tags = merge(local.common_tags, {", indent + '  Name = "%s"' % name)
    if p and p["kind"] == "tf-resource-tag" and p.get("at") == kind_hook:
        b.mark(p)
        b.add(indent + '  Environment = "%s"' % p["value"])
    b.add(indent + "})")


def named(p, hook, name, bare):
    """The name of a resource, or its env-less form where a NAM.naming defect sits."""
    if p and p["kind"] == "tf-resource-name" and p.get("at") == hook:
        p["value"] = bare
        return bare
    return name


def tf_provider(b, repo, en):
    b.add('provider "aws" {', '  region = "%s"' % REGION, "",
          "  assume_role {",
          '    role_arn = "arn:aws:iam::%s:role/terraform-deployer"' % repo.env[en]["account_id"],
          "  }", "}", "")


def tf_main_data(b, repo, u, en, p):
    rng, svc, E = repo.rng, u["svc"], repo.env[en]
    port = 5432 if u["engine"] == "postgres" else 3306
    team = rng.choice(TEAMS)
    if p and p["kind"] == "tf-resource-tag":
        p["at"] = rng.choice(["bucket", "sg", "db", "table"])
        p["value"] = wrong_env(repo, en)
    if p and p["kind"] == "tf-resource-name":
        p["at"] = rng.choice(["sg", "db", "table", "queue"])
    b.add("# %s data stack (%s). Managed by Terraform; see README in envs/%s." % (svc, en, en), "")
    tf_provider(b, repo, en)
    tf_locals(b, repo, u, en, p, team)
    # Remote state of this env's network stack.
    st_env = en
    if p and p["kind"] == "tf-prod-remote-state":
        st_env = "prod"
        p["value"] = "acme-prod-tfstate"
    b.add('data "terraform_remote_state" "network" {', '  backend = "s3"', "", "  config = {")
    if p and p["kind"] == "tf-prod-remote-state":
        b.mark(p)
    b.add('    bucket = "acme-%s-tfstate"' % st_env,
          '    key = "network/terraform.tfstate"',
          '    region = "%s"' % REGION, "  }", "}", "")
    b.add('resource "aws_kms_key" "data" {',
          '  description = "%s data key (%s)"' % (svc, en),
          "  deletion_window_in_days = 30", "  enable_key_rotation = true",
          "  tags = local.common_tags", "}", "")
    b.add('resource "aws_kms_alias" "data" {', '  name = "alias/%s-%s"' % (svc, en),
          "  target_key_id = aws_kms_key.data.key_id", "}", "")
    bucket = "acme-%s-%s-data" % (en, svc)
    b.add('resource "aws_s3_bucket" "data" {', '  bucket = "%s"' % bucket, "")
    tags_block(b, bucket, p, "bucket")
    b.add("}", "")
    b.add('resource "aws_s3_bucket_logging" "data" {', "  bucket = aws_s3_bucket.data.id")
    b.look("shared-logging-bucket")
    b.add('  target_bucket = "%s"' % CENTRAL_LOG_BUCKET, '  target_prefix = "%s/%s/"' % (en, svc), "}", "")
    sg = named(p, "sg", "%s-db-%s" % (svc, en), "%s-db" % svc)
    b.add('resource "aws_security_group" "db" {')
    if p and p["kind"] == "tf-resource-name" and p["at"] == "sg":
        b.mark(p)
    b.add('  name = "%s"' % sg, '  description = "%s %s access"' % (svc, u["engine"]),
          "  vpc_id = data.terraform_remote_state.network.outputs.vpc_id", "")
    b.add("  ingress {", '    description = "application subnets"', "    from_port = %d" % port,
          "    to_port = %d" % port, '    protocol = "tcp"', '    cidr_blocks = ["%s"]' % E["cidr"],
          "  }", "")
    b.add("  ingress {", '    description = "shared services (bastion, VPN)"', "    from_port = %d" % port,
          "    to_port = %d" % port, '    protocol = "tcp"')
    b.look("shared-services-cidr")
    b.add('    cidr_blocks = ["%s"]' % SHARED_CIDR, "  }", "")
    if p and p["kind"] in ("sg-nonprod-cidr-db-port", "sg-open-db-port"):
        if p["kind"] == "sg-open-db-port":
            cidr, why = "0.0.0.0/0", "temporary: vendor migration"
        else:
            src = rng.choice(repo.nonprod)
            cidr, why = repo.env[src]["cidr"], "%s analytics jobs" % src
        p["value"] = cidr
        b.add("  ingress {", '    description = "%s"' % why, "    from_port = %d" % port,
              "    to_port = %d" % port, '    protocol = "tcp"')
        b.mark(p)
        b.add('    cidr_blocks = ["%s"]' % cidr, "  }", "")
    b.add("  egress {", "    from_port = 0", "    to_port = 0", '    protocol = "-1"')
    b.look("egress-open")
    b.add('    cidr_blocks = ["0.0.0.0/0"]', "  }", "")
    tags_block(b, "%s-db-%s" % (svc, en), p, "sg")
    b.add("}", "")
    dbid = named(p, "db", "%s-db-%s" % (svc, en), "%s-db" % svc)
    b.add('resource "aws_db_instance" "main" {')
    if p and p["kind"] == "tf-resource-name" and p["at"] == "db":
        b.mark(p)
    b.add('  identifier = "%s"' % dbid, '  engine = "%s"' % u["engine"],
          '  engine_version = "%s"' % ("15.5" if u["engine"] == "postgres" else "8.0.35"),
          "  instance_class = local.db_instance_class", "  allocated_storage = %d" % rng.choice([20, 50, 100, 200]),
          '  db_name = "%s"' % snake(svc), '  username = "%s_app"' % snake(svc),
          "  manage_master_user_password = true", "  port = %d" % port,
          "  vpc_security_group_ids = [aws_security_group.db.id]",
          "  storage_encrypted = true", "  kms_key_id = aws_kms_key.data.arn")
    b.look("env-conditional")
    b.add('  backup_retention_period = var.env == "prod" ? 14 : 1')
    b.look("env-conditional")
    b.add('  deletion_protection = var.env == "prod"', "  skip_final_snapshot = true", "")
    tags_block(b, "%s-db-%s" % (svc, en), p, "db")
    b.add("}", "")
    table = named(p, "table", "%s-sessions-%s" % (svc, en), "%s-sessions" % svc)
    b.add('resource "aws_dynamodb_table" "sessions" {')
    if p and p["kind"] == "tf-resource-name" and p["at"] == "table":
        b.mark(p)
    b.add('  name = "%s"' % table, '  billing_mode = "PAY_PER_REQUEST"', '  hash_key = "id"', "",
          "  attribute {", '    name = "id"', '    type = "S"', "  }", "",
          "  server_side_encryption {", "    enabled = true", "    kms_key_arn = aws_kms_key.data.arn",
          "  }", "")
    tags_block(b, "%s-sessions-%s" % (svc, en), p, "table")
    b.add("}", "")
    queue = named(p, "queue", "%s-events-%s" % (svc, en), "%s-events" % svc)
    alias_env = en
    if p and p["kind"] == "tf-prod-kms-alias":
        alias_env = "prod"
        p["value"] = "alias/%s-prod" % svc
    b.add('resource "aws_sqs_queue" "events" {')
    if p and p["kind"] == "tf-resource-name" and p["at"] == "queue":
        b.mark(p)
    b.add('  name = "%s"' % queue, "  message_retention_seconds = 345600")
    if p and p["kind"] == "tf-prod-kms-alias":
        b.mark(p)
    b.add('  kms_master_key_id = "alias/%s-%s"' % (svc, alias_env), "  tags = local.common_tags", "}", "")
    b.add('data "aws_iam_policy_document" "reader" {', "  statement {", '    sid = "ReadData"',
          '    actions = ["s3:GetObject", "s3:ListBucket"]', "    resources = [",
          "      aws_s3_bucket.data.arn,", '      "${aws_s3_bucket.data.arn}/*",', "    ]", "  }", "",
          "  statement {", '    sid = "ReadSharedReferenceData"', '    actions = ["s3:GetObject"]')
    b.look("shared-bucket")
    b.add('    resources = ["arn:aws:s3:::acme-shared-reference-data/*"]', "  }")
    if p and p["kind"] == "tf-prod-bucket":
        pb = "acme-prod-%s-data" % svc
        p["value"] = pb
        b.add("", "  statement {", '    sid = "ReadProdSnapshots"', '    actions = ["s3:GetObject"]')
        b.mark(p)
        b.add('    resources = ["arn:aws:s3:::%s/*"]' % pb, "  }")
    b.add("}", "")
    b.add('resource "aws_iam_policy" "reader" {', '  name = "%s-reader-%s"' % (svc, en),
          "  policy = data.aws_iam_policy_document.reader.json", "}")


def tf_main_app(b, repo, u, en, p):
    rng, svc, E = repo.rng, u["svc"], repo.env[en]
    team = rng.choice(TEAMS)
    if p and p["kind"] == "tf-resource-tag":
        p["at"] = rng.choice(["alb", "role"])
        p["value"] = wrong_env(repo, en)
    if p and p["kind"] == "tf-resource-name":
        p["at"] = rng.choice(["jobs", "alb", "role"])
    b.add("# %s application stack (%s)." % (svc, en), "")
    tf_provider(b, repo, en)
    tf_locals(b, repo, u, en, p, team)
    b.add('module "artifacts" {')
    b.look("shared-module")
    b.add('  source = "../../../modules/s3-bucket"', '  name = "acme-%s-%s-artifacts"' % (en, svc),
          '  environment = "%s"' % en, "  tags = local.common_tags", "}", "")
    jobs = named(p, "jobs", "%s-jobs-%s" % (svc, en), "%s-jobs" % svc)
    b.add('resource "aws_sqs_queue" "jobs_dlq" {', '  name = "%s-jobs-dlq-%s"' % (svc, en),
          "  message_retention_seconds = 1209600", "  tags = local.common_tags", "}", "")
    b.add('resource "aws_sqs_queue" "jobs" {')
    if p and p["kind"] == "tf-resource-name" and p["at"] == "jobs":
        b.mark(p)
    b.add('  name = "%s"' % jobs, "  visibility_timeout_seconds = %d" % rng.choice([30, 60, 120, 300]),
          "  redrive_policy = jsonencode({", "    deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn",
          "    maxReceiveCount = 5", "  })", "  tags = local.common_tags", "}", "")
    alb = named(p, "alb", "%s-alb-%s" % (svc, en), "%s-alb" % svc)
    b.add('resource "aws_security_group" "alb" {')
    if p and p["kind"] == "tf-resource-name" and p["at"] == "alb":
        b.mark(p)
    b.add('  name = "%s"' % alb, '  description = "%s public load balancer"' % svc,
          "  vpc_id = var.vpc_id", "", "  ingress {", '    description = "HTTPS"',
          "    from_port = 443", "    to_port = 443", '    protocol = "tcp"')
    b.look("open-https")
    b.add('    cidr_blocks = ["0.0.0.0/0"]', "  }", "", "  egress {", "    from_port = 8080",
          "    to_port = 8080", '    protocol = "tcp"', '    cidr_blocks = ["%s"]' % E["cidr"], "  }", "")
    tags_block(b, "%s-alb-%s" % (svc, en), p, "alb")
    b.add("}", "")
    acct = E["account_id"]
    if p and p["kind"] == "tf-prod-account":
        acct = repo.env["prod"]["account_id"]
        p["value"] = acct
    b.add('data "aws_iam_policy_document" "assume" {', "  statement {",
          '    actions = ["sts:AssumeRole"]', "", "    principals {", '      type = "AWS"')
    if p and p["kind"] == "tf-prod-account":
        b.mark(p)
    b.add('      identifiers = ["arn:aws:iam::%s:root"]' % acct, "    }", "  }", "",
          "  statement {", '    actions = ["sts:AssumeRole"]', "", "    principals {", '      type = "AWS"')
    b.look("shared-ci-account")
    b.add('      identifiers = ["arn:aws:iam::%s:role/ci-deployer"]' % repo.shared_account,
          "    }", "  }", "}", "")
    role = named(p, "role", "%s-app-%s" % (svc, en), "%s-app" % svc)
    b.add('resource "aws_iam_role" "app" {')
    if p and p["kind"] == "tf-resource-name" and p["at"] == "role":
        b.mark(p)
    b.add('  name = "%s"' % role, "  assume_role_policy = data.aws_iam_policy_document.assume.json", "")
    tags_block(b, "%s-app-%s" % (svc, en), p, "role")
    b.add("}", "")
    lock_env = en
    if p and p["kind"] == "tf-prod-lock-table":
        lock_env = "prod"
        p["value"] = "acme-prod-tf-locks"
    b.add("# The deploy role takes the Terraform state lock of this environment.",
          'data "aws_dynamodb_table" "tf_locks" {')
    if p and p["kind"] == "tf-prod-lock-table":
        b.mark(p)
    b.add('  name = "acme-%s-tf-locks"' % lock_env, "}", "",
          'data "aws_iam_policy_document" "state_lock" {', "  statement {",
          '    actions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]',
          "    resources = [data.aws_dynamodb_table.tf_locks.arn]", "  }", "}", "",
          'resource "aws_iam_role_policy" "state_lock" {', '  name = "state-lock"',
          "  role = aws_iam_role.app.id", "  policy = data.aws_iam_policy_document.state_lock.json", "}", "")
    b.look("env-conditional")
    b.add('resource "aws_cloudwatch_log_group" "app" {', '  name = "/acme/%s/%s"' % (en, svc),
          '  retention_in_days = var.env == "prod" ? 90 : 14', "  tags = local.common_tags", "}", "",
          'resource "aws_cloudwatch_log_subscription_filter" "central" {',
          '  name = "%s-to-central-%s"' % (svc, en), "  log_group_name = aws_cloudwatch_log_group.app.name",
          '  filter_pattern = ""')
    b.look("shared-logging-account")
    b.add('  destination_arn = "arn:aws:logs:%s:%s:destination:central-logs"' % (REGION, repo.log_account), "}")


def tf_main_interp(b, repo, u, en, p):
    svc = u["svc"]
    b.add("# %s stack: every name derives from var.env (see terraform.tfvars)." % svc, "",
          'provider "aws" {', "  region = var.region", "}", "",
          "locals {", '  name_prefix = "${var.service}-${var.env}"', "  common_tags = {",
          "    Environment = var.env", "    Service = var.service", '    ManagedBy = "terraform"', "  }")
    b.look("env-conditional")
    b.add('  instance_type = var.env == "prod" ? "m5.large" : "t3.small"', "}", "")
    b.add('module "bucket" {')
    b.look("shared-module")
    b.add('  source = "../../../modules/s3-bucket"', '  name = "acme-${var.env}-${var.service}-data"',
          "  environment = var.env", "  tags = local.common_tags", "}", "",
          'resource "aws_sqs_queue" "events" {', '  name = "${var.service}-events-${var.env}"',
          "  tags = merge(local.common_tags, {", '    Name = "${var.service}-events-${var.env}"', "  })", "}", "")
    if u["kind"] == "data":
        b.add('resource "aws_dynamodb_table" "state" {', '  name = "${local.name_prefix}-state"',
              '  billing_mode = "PAY_PER_REQUEST"', '  hash_key = "pk"', "", "  attribute {",
              '    name = "pk"', '    type = "S"', "  }", "", "  tags = local.common_tags", "}", "")
    b.add('resource "aws_ssm_parameter" "db_host" {', '  name = "/${var.env}/${var.service}/db_host"',
          '  type = "String"', "  value = var.db_host", "  tags = local.common_tags", "}")


def tf_main_network(b, repo, u, en, p):
    E = repo.env[en]
    b.add("# Network of the %s environment: VPC, subnets, peering to shared services." % en, "")
    tf_provider(b, repo, en)
    b.add("locals {", "  common_tags = {", '    Environment = "%s"' % en, '    ManagedBy = "terraform"',
          '    Stack = "network"', "  }", "}", "",
          'resource "aws_vpc" "main" {', "  cidr_block = var.vpc_cidr", "  enable_dns_hostnames = true",
          "  enable_dns_support = true", "", "  tags = merge(local.common_tags, {",
          '    Name = "acme-vpc-%s"' % en, "  })", "}", "",
          'resource "aws_subnet" "private" {', "  count = 3", "  vpc_id = aws_vpc.main.id",
          "  cidr_block = cidrsubnet(var.vpc_cidr, 4, count.index)",
          "  availability_zone = element(var.azs, count.index)", "",
          "  tags = merge(local.common_tags, {", '    Name = "acme-private-${count.index}-%s"' % en,
          '    Tier = "private"', "  })", "}", "")
    b.look("shared-services-peering")
    b.add('resource "aws_vpc_peering_connection" "shared_services" {', "  vpc_id = aws_vpc.main.id",
          '  peer_vpc_id = "%s"' % repo.shared_vpc, '  peer_owner_id = "%s"' % repo.shared_account,
          '  peer_region = "%s"' % REGION, "", "  tags = merge(local.common_tags, {",
          '    Name = "%s-to-shared-services"' % en, "  })", "}", "",
          'resource "aws_route" "shared_services" {', "  count = 3",
          "  route_table_id = aws_route_table.private[count.index].id",
          '  destination_cidr_block = "%s"' % SHARED_CIDR,
          "  vpc_peering_connection_id = aws_vpc_peering_connection.shared_services.id", "}", "",
          'resource "aws_route_table" "private" {', "  count = 3", "  vpc_id = aws_vpc.main.id",
          "  tags = local.common_tags", "}", "")
    if p and p["kind"] == "vpc-peering-prod-nonprod":
        peer = repo.env[p["peer"]]
        p["value"] = peer["account_id"]
        p["also"] = ["R04.cross-env-reference"]
        b.add("# Direct route to %s for the data migration." % p["peer"],
              'resource "aws_vpc_peering_connection" "to_%s" {' % p["peer"], "  vpc_id = aws_vpc.main.id",
              '  peer_vpc_id = "%s"' % peer["vpc_id"])
        b.mark(p)
        b.add('  peer_owner_id = "%s"' % peer["account_id"], '  peer_region = "%s"' % REGION, "",
              "  tags = merge(local.common_tags, {", '    Name = "%s-to-%s"' % (en, p["peer"]), "  })", "}", "",
              'resource "aws_route" "to_%s" {' % p["peer"], "  count = 3",
              "  route_table_id = aws_route_table.private[count.index].id",
              '  destination_cidr_block = "%s"' % peer["cidr"],
              "  vpc_peering_connection_id = aws_vpc_peering_connection.to_%s.id" % p["peer"], "}", "")
    b.add('resource "aws_flow_log" "vpc" {', "  vpc_id = aws_vpc.main.id", '  traffic_type = "ALL"',
          '  log_destination_type = "s3"')
    b.look("shared-logging-bucket")
    b.add('  log_destination = "arn:aws:s3:::acme-central-flow-logs/%s"' % en, "}")


def tf_variables(b, repo, u, en):
    b.add('variable "env" {', '  description = "Environment name"', "  type = string", "",
          "  validation {")
    b.look("env-list")
    b.add("    condition = contains(%s, var.env)" % json.dumps(ENV_ORDER),
          '    error_message = "Unknown environment."', "  }", "}", "",
          'variable "region" {', "  type = string", '  default = "%s"' % REGION, "}", "")
    if u["kind"] == "network":
        b.add('variable "vpc_cidr" {', '  description = "CIDR of this environment\'s VPC"', "  type = string", "}", "",
              'variable "shared_services_cidr" {', "  type = string", '  default = "%s"' % SHARED_CIDR, "}", "",
              'variable "azs" {', "  type = list(string)", "}")
        return
    b.add('variable "service" {', "  type = string", "}", "", 'variable "vpc_id" {', "  type = string",
          '  default = ""', "}", "", 'variable "db_host" {', '  description = "Database endpoint (DNS)"',
          "  type = string", "}", "", 'variable "api_base_url" {', "  type = string", "}", "",
          'variable "log_endpoint" {', "  type = string", "}", "", 'variable "logging_account_id" {',
          "  type = string", "}", "", 'variable "instance_count" {', "  type = number", "  default = 1", "}")


def tf_tfvars(b, repo, u, en, p):
    E = repo.env[en]
    if u["kind"] == "network":
        cidr = E["cidr"]
        if p and p["kind"] == "cidr-overlap-tf":
            cidr = p["value"] if en == p["env"] else cidr
        b.add('env = "%s"' % en, 'region = "%s"' % REGION)
        if p and p["kind"] == "cidr-overlap-tf":
            b.mark(p, "primary" if en == p["env"] else "related")
        b.add('vpc_cidr = "%s"' % cidr, 'azs = %s' % json.dumps(AZS))
        b.look("shared-services-cidr")
        b.add('shared_services_cidr = "%s"' % SHARED_CIDR)
        return
    svc = u["svc"]
    db_env = en
    if p and p["kind"] == "tfvars-prod-host":
        db_env = "prod"
        p["value"] = host(svc, "prod")
    b.add('env = "%s"' % en, 'region = "%s"' % REGION, 'service = "%s"' % svc,
          'vpc_id = "%s"' % E["vpc_id"])
    if p and p["kind"] == "tfvars-prod-host":
        b.mark(p)
    b.add('db_host = "%s"' % host(svc, db_env), 'api_base_url = "https://api.%s.%s"' % (en, DOMAIN))
    b.look("shared-logging-host")
    b.add('log_endpoint = "https://%s"' % LOG_HOST)
    b.look("shared-logging-account")
    b.add('logging_account_id = "%s"' % repo.log_account,
          "instance_count = %d" % (3 if en == "prod" else 1))


def tf_backend(b, repo, u, en, p):
    stack = u["svc"]
    # "common": one bucket for the non-production environments, each under its
    # own key; production keeps a bucket of its own (000 R-04: credentials that
    # can write a bucket prod shares can rewrite prod's state), unless a planted
    # defect puts it in the shared bucket.
    shared = en != "prod" or (p is not None and p["kind"] == "same-state-bucket-key")
    if u["backend"] == "common" and shared:
        bucket, key = COMMON_STATE_BUCKET, "%s/%s/terraform.tfstate" % (en, stack)
    else:
        bucket, key = "acme-%s-tfstate" % en, "%s/terraform.tfstate" % stack
    lock = "acme-%s-tf-locks" % en
    role = "primary" if p and en == p["env"] else "related"
    if p and p["kind"] == "same-state-bucket-key":
        key = "%s/terraform.tfstate" % stack
        p["value"] = "%s/%s" % (bucket, key)
    if p and p["kind"] == "same-lock-table":
        lock = SHARED_LOCK_TABLE
        p["value"] = lock
    b.add("terraform {", '  required_version = ">= 1.5.0"', "", "  required_providers {", "    aws = {",
          '      source = "hashicorp/aws"', '      version = "~> 5.40"', "    }", "  }", "",
          '  backend "s3" {')
    if bucket == COMMON_STATE_BUCKET:
        b.look("common-state-bucket")
    b.add('    bucket = "%s"' % bucket)
    if p and p["kind"] == "same-state-bucket-key":
        b.mark(p, role)
    elif u["backend"] == "perenv":
        b.look("same-key-other-bucket")
    b.add('    key = "%s"' % key, '    region = "%s"' % REGION)
    if p and p["kind"] == "same-lock-table":
        b.mark(p, role)
    b.add('    dynamodb_table = "%s"' % lock, "    encrypt = true", "  }", "}")


def tf_outputs(b, u):
    if u["kind"] == "network":
        b.add('output "vpc_id" {', "  value = aws_vpc.main.id", "}", "",
              'output "private_subnet_ids" {', "  value = aws_subnet.private[*].id", "}")
    elif u["style"] == "interp":
        b.add('output "queue_url" {', "  value = aws_sqs_queue.events.url", "}")
    elif u["kind"] == "data":
        b.add('output "db_endpoint" {', "  value = aws_db_instance.main.address", "}", "",
              'output "bucket" {', "  value = aws_s3_bucket.data.id", "}", "",
              'output "queue_url" {', "  value = aws_sqs_queue.events.url", "}")
    else:
        b.add('output "role_arn" {', "  value = aws_iam_role.app.arn", "}", "",
              'output "jobs_queue_url" {', "  value = aws_sqs_queue.jobs.url", "}")


def tf_readme(b, repo, u, en):
    svc = u["svc"]
    b.add("# %s (%s)" % (svc, en), "",
          "Apply from this folder with `terraform init && terraform apply`. State lives in the",
          "`acme-%s-tfstate` bucket unless `backend.tf` says otherwise." % en, "")
    if en != "prod":
        b.add("Changes are promoted to prod after sign-off here. The prod counterparts are:", "")
        b.look("readme-prod-host")
        b.add("- database: `%s`" % host(svc, "prod"))
        b.look("readme-prod-host")
        b.add("- bucket: `acme-prod-%s-data`" % svc)
    else:
        b.add("This is production. Page the on-call before applying; the endpoint is",
              "`%s`." % host(svc, "prod"))


def render_tf(repo, u, sites):
    for en in repo.names:
        base = "envs/%s/%s/" % (en, u["svc"])
        site = lambda f: sites.get((u["id"], en, f))
        b = repo.buf(base + "main.tf", en, "terraform")
        if u["kind"] == "network":
            tf_main_network(b, repo, u, en, site("main"))
        elif u["style"] == "interp":
            tf_main_interp(b, repo, u, en, site("main"))
        elif u["kind"] == "data":
            tf_main_data(b, repo, u, en, site("main"))
        else:
            tf_main_app(b, repo, u, en, site("main"))
        tf_variables(repo.buf(base + "variables.tf", en, "terraform"), repo, u, en)
        tf_tfvars(repo.buf(base + "terraform.tfvars", en, "terraform"), repo, u, en, site("tfvars"))
        tf_backend(repo.buf(base + "backend.tf", en, "terraform"), repo, u, en, site("backend"))
        if u["outputs"]:
            tf_outputs(repo.buf(base + "outputs.tf", en, "terraform"), u)
        if u["readme"]:
            tf_readme(repo.buf(base + "README.md", en, "readme"), repo, u, en)


# --------------------------------------------------------------- Terragrunt
TG_MODULE = {"rds": "rds", "redis": "redis", "queue": "queue"}


def render_tg_fixed(repo):
    b = repo.buf("live/root.hcl", None, "terragrunt")
    b.add("# Root configuration: every live/<env>/<region>/<component>/terragrunt.hcl includes it.",
          "locals {", '  env_vars = read_terragrunt_config(find_in_parent_folders("env.hcl"))',
          "  environment = local.env_vars.locals.environment",
          "  account_id = local.env_vars.locals.account_id", "}", "", "remote_state {",
          '  backend = "s3"', "", "  generate = {", '    path = "backend.tf"',
          '    if_exists = "overwrite_terragrunt"', "  }", "", "  config = {",
          '    bucket = "acme-${local.environment}-tfstate"',
          '    key = "${path_relative_to_include()}/terraform.tfstate"', '    region = "%s"' % REGION,
          "    encrypt = true", '    dynamodb_table = "acme-${local.environment}-tf-locks"', "  }", "}", "",
          "inputs = {", "  environment = local.environment", '  region = "%s"' % REGION, "}")
    for en in repo.names:
        E = repo.env[en]
        b = repo.buf("live/%s/env.hcl" % en, en, "terragrunt")
        b.add("locals {", '  environment = "%s"' % en, '  account_id = "%s"' % E["account_id"],
              '  aws_region = "%s"' % REGION)
        b.look("shared-logging-account")
        b.add('  logging_account_id = "%s"' % repo.log_account, "}")
        b = repo.buf("live/%s/%s/region.hcl" % (en, REGION), en, "terragrunt")
        b.add("locals {", '  aws_region = "%s"' % REGION, "}")


def tg_header(b, module):
    b.add('include "root" {', '  path = find_in_parent_folders("root.hcl")', "}", "", "locals {",
          '  env_vars = read_terragrunt_config(find_in_parent_folders("env.hcl"))',
          "  environment = local.env_vars.locals.environment", "}", "", "terraform {")
    b.look("shared-module")
    b.add('  source = "${get_repo_root()}/modules//%s"' % module, "}", "")


def render_tgvpc(repo, u, sites):
    for en in repo.names:
        E = repo.env[en]
        p = sites.get((u["id"], en, "tg"))
        b = repo.buf("live/%s/%s/vpc/terragrunt.hcl" % (en, REGION), en, "terragrunt")
        tg_header(b, "vpc")
        cidr = E["cidr"]
        if p and p["env"] == en:
            cidr = p["value"]
        o1, o2 = cidr.split(".")[1], int(cidr.split(".")[2])
        priv = ["10.%s.%d.0/20" % (o1, o2 + 16 * i) for i in range(3)]
        pub = ["10.%s.%d.0/24" % (o1, o2 + 64 + i) for i in range(3)]
        b.add("inputs = {", '  name = "acme-vpc-%s"' % en)
        if p:
            b.mark(p, "primary" if p["env"] == en else "related")
        b.add('  cidr = "%s"' % cidr, "  azs = %s" % json.dumps(AZS),
              "  private_subnets = %s" % json.dumps(priv),
              "  public_subnets = %s" % json.dumps(pub),
              "  enable_nat_gateway = true")
        b.look("env-conditional")
        b.add('  single_nat_gateway = local.environment != "prod"', "", "  tags = {",
              '    Environment = "%s"' % en, '    Stack = "network"', "  }", "}")


def render_tg(repo, u, sites):
    rng, svc = repo.rng, u["svc"]
    for comp in u["comps"]:
        for en in repo.names:
            E = repo.env[en]
            p = sites.get((u["id"], en, "tg:" + comp))
            b = repo.buf("live/%s/%s/%s-%s/terragrunt.hcl" % (en, REGION, svc, comp), en, "terragrunt")
            tg_header(b, TG_MODULE[comp])
            vpc_path = "../vpc"
            if p and p["kind"] == "tg-prod-dependency":
                vpc_path = "../../../prod/%s/vpc" % REGION
                p["value"] = vpc_path
            b.add('dependency "vpc" {')
            if p and p["kind"] == "tg-prod-dependency":
                b.mark(p)
            b.add('  config_path = "%s"' % vpc_path, "", "  mock_outputs = {",
                  '    vpc_id = "vpc-00000000000000000"',
                  '    private_subnet_ids = ["subnet-00000000000000000"]', "  }",
                  '  mock_outputs_allowed_terraform_commands = ["validate", "plan"]', "}", "")
            if comp != "rds":
                # Mock outputs copied from another env's real outputs: must not count.
                other = "prod" if en != "prod" else rng.choice(repo.nonprod)
                b.add('dependency "db" {', '  config_path = "../%s-rds"' % svc, "", "  mock_outputs = {")
                b.look("mock-outputs-other-env")
                b.add('    endpoint = "%s"' % host(svc, other), "    port = 5432", "  }",
                      '  mock_outputs_allowed_terraform_commands = ["validate", "plan", "init"]', "}", "")
            name = "%s-%s-%s" % (svc, comp, en)
            if p and p["kind"] == "tg-name":
                name = "%s-%s" % (svc, comp)
                p["value"] = name
            b.add("inputs = {")
            if p and p["kind"] == "tg-name":
                b.mark(p)
            b.add('  name = "%s"' % name, "  environment = local.environment",
                  "  vpc_id = dependency.vpc.outputs.vpc_id",
                  "  subnet_ids = dependency.vpc.outputs.private_subnet_ids")
            henv = en
            if p and p["kind"] == "tg-prod-host":
                henv = "prod"
            if comp == "rds":
                hv = host(svc, henv)
                field = "dns_name"
                b.add("  port = 5432", '  allowed_cidr_blocks = ["%s"]' % E["cidr"])
                b.look("env-conditional")
                b.add('  instance_class = local.environment == "prod" ? "db.r6g.large" : "db.t3.medium"')
            elif comp == "redis":
                hv = host(svc, henv, "cache")
                field = "dns_name"
                b.add("  port = 6379", "  db_endpoint = dependency.db.outputs.endpoint")
                b.look("env-conditional")
                b.add('  node_type = local.environment == "prod" ? "cache.r6g.large" : "cache.t3.micro"')
            else:
                hv = "https://%s.%s.%s/hooks/events" % (svc, henv, DOMAIN)
                field = "consumer_endpoint"
                b.add('  queue_name = "%s-jobs-%s"' % (svc, en), "  db_endpoint = dependency.db.outputs.endpoint")
            if p and p["kind"] == "tg-prod-host":
                p["value"] = hv
                b.mark(p)
            b.add('  %s = "%s"' % (field, hv))
            b.look("shared-logging-host")
            b.add('  log_destination = "%s"' % LOG_HOST, "")
            tag_env = en
            if p and p["kind"] == "tg-tags":
                tag_env = wrong_env(repo, en)
                p["value"] = tag_env
            b.add("  tags = {")
            if p and p["kind"] == "tg-tags":
                b.mark(p)
            b.add('    Environment = "%s"' % tag_env, '    Service = "%s"' % svc,
                  '    Component = "%s"' % comp, "  }", "}")


# --------------------------------------------------------------- Kubernetes
def render_k8s(repo, u, sites):
    rng, app = repo.rng, u["svc"]
    base = "k8s/base/%s/" % app
    b = repo.buf(base + "kustomization.yaml", None, "kubernetes")
    b.add("apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization", "resources:",
          "  - deployment.yaml", "  - service.yaml", "  - configmap.yaml", "labels:", "  - pairs:",
          "      app.kubernetes.io/name: %s" % app, "      app.kubernetes.io/part-of: acme")
    ver = "1.%d.%d" % (rng.randint(0, 40), rng.randint(0, 20))
    b = repo.buf(base + "deployment.yaml", None, "kubernetes")
    b.add("apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: %s" % app, "spec:",
          "  replicas: 1", "  selector:", "    matchLabels:", "      app.kubernetes.io/name: %s" % app,
          "  template:", "    metadata:", "      labels:", "        app.kubernetes.io/name: %s" % app,
          "    spec:", "      serviceAccountName: %s" % app, "      containers:", "        - name: %s" % app,
          "          image: registry.%s/%s:%s" % (DOMAIN, app, ver), "          ports:",
          "            - containerPort: 8080", "          envFrom:", "            - configMapRef:",
          "                name: %s-config" % app, "          env:", "            - name: LOG_ENDPOINT")
    b.look("shared-logging-host")
    b.add("              value: https://%s" % LOG_HOST, "            - name: AWS_REGION",
          "              value: %s" % REGION, "          readinessProbe:", "            httpGet:",
          "              path: /healthz", "              port: 8080", "          resources:",
          "            requests:", "              cpu: 100m", "              memory: 128Mi")
    b = repo.buf(base + "service.yaml", None, "kubernetes")
    b.add("apiVersion: v1", "kind: Service", "metadata:", "  name: %s" % app, "spec:", "  selector:",
          "    app.kubernetes.io/name: %s" % app, "  ports:", "    - name: http", "      port: 80",
          "      targetPort: 8080")
    b = repo.buf(base + "configmap.yaml", None, "kubernetes")
    b.add("apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: %s-config" % app, "data:",
          '  LOG_FORMAT: "json"', '  HTTP_PORT: "8080"', '  DB_PORT: "5432"', "  DB_HOST: db.example.invalid")
    for en in repo.names:
        E = repo.env[en]
        ob = "k8s/overlays/%s/%s/" % (en, app)
        b = repo.buf(ob + "kustomization.yaml", en, "kubernetes")
        b.add("apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization",
              "namespace: %s-%s" % (app, en), "resources:", "  - ../../../base/%s" % app,
              "  - networkpolicy.yaml", "patches:", "  - path: deployment-patch.yaml",
              "  - path: configmap.yaml", "labels:", "  - pairs:", "      environment: %s" % en)
        p = sites.get((u["id"], en, "patch"))
        b = repo.buf(ob + "deployment-patch.yaml", en, "kubernetes")
        henv = "prod" if p else en
        b.add("apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: %s" % app, "spec:",
              "  replicas: %d" % (u["replicas"] if en == "prod" else 1), "  template:", "    spec:",
              "      containers:", "        - name: %s" % app, "          env:", "            - name: DB_HOST")
        if p:
            p["value"] = host(app, "prod")
            b.mark(p)
        b.add("              value: %s" % host(app, henv), "            - name: CACHE_URL",
              "              value: redis://%s:6379/0" % host(app, en, "cache"),
              "            - name: EVENTS_BUCKET", "              value: acme-%s-%s-data" % (en, app),
              "            - name: APP_ENV", "              value: %s" % en)
        b = repo.buf(ob + "configmap.yaml", en, "kubernetes")
        b.add("apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: %s-config" % app, "data:",
              "  API_BASE_URL: https://api.%s.%s" % (en, DOMAIN), "  DB_HOST: %s" % host(app, en),
              '  FEATURE_NEW_CHECKOUT: "%s"' % ("false" if en == "prod" else "true"))
        b.look("shared-logging-host")
        b.add("  AUDIT_SINK: https://%s/audit" % LOG_HOST)
        p = sites.get((u["id"], en, "netpol"))
        b = repo.buf(ob + "networkpolicy.yaml", en, "kubernetes")
        b.add("apiVersion: networking.k8s.io/v1", "kind: NetworkPolicy", "metadata:",
              "  name: %s-ingress" % app, "spec:", "  podSelector:", "    matchLabels:",
              "      app.kubernetes.io/name: %s" % app, "  policyTypes:", "    - Ingress", "  ingress:",
              "    - from:", "        - ipBlock:", "            cidr: %s" % E["cidr"], "        - ipBlock:")
        b.look("shared-services-cidr")
        b.add("            cidr: %s" % SHARED_CIDR, "      ports:", "        - protocol: TCP",
              "          port: 8080", "    - from:", "        - ipBlock:")
        cidr = E["cidr"]
        if p:
            cidr = repo.env[rng.choice(repo.nonprod)]["cidr"]
            p["value"] = cidr
            b.mark(p)
        b.add("            cidr: %s" % cidr, "      ports:", "        - protocol: TCP",
              "          port: 5432")


# ----------------------------------------------------- app config and dotenv
def render_cfg(repo, u, sites):
    rng, svc = repo.rng, u["svc"]
    port = 5432 if u["engine"] == "postgres" else 3306
    scheme = "postgres" if u["engine"] == "postgres" else "mysql"
    peer = rng.choice(DOMAINS)
    for en in repo.names:
        p = sites.get((u["id"], en, "yaml"))
        b = repo.buf("config/%s/%s/app.yaml" % (en, svc), en, "app-config")
        which = rng.choice(["db", "bucket", "api"]) if p else None
        ev = lambda w: "prod" if which == w else en
        b.add("service: %s" % svc, "environment: %s" % en, "server:", "  port: 8080", "database:")
        if which == "db":
            p["value"] = host(svc, "prod")
            b.mark(p)
        b.add("  host: %s" % host(svc, ev("db")), "  port: %d" % port, "  name: %s" % snake(svc),
              "  user: %s_app" % snake(svc), "  password: ${DB_PASSWORD}", "storage:")
        if which == "bucket":
            p["value"] = "acme-prod-%s-data" % svc
            b.mark(p)
        b.add("  bucket: acme-%s-%s-data" % (ev("bucket"), svc), "  region: %s" % REGION,
              "  kms_alias: alias/%s-%s" % (svc, en), "upstreams:")
        if which == "api":
            p["value"] = "https://api.prod.%s/%s" % (DOMAIN, peer)
            b.mark(p)
        b.add("  %s: https://api.%s.%s/%s" % (peer, ev("api"), DOMAIN, peer), "logging:")
        b.look("shared-logging-host")
        b.add("  endpoint: https://%s" % LOG_HOST)
        b.look("shared-logging-account")
        b.add('  account: "%s"' % repo.log_account, "features:",
              "  new_checkout: %s" % ("false" if en == "prod" else "true"))
        p = sites.get((u["id"], en, "dotenv"))
        b = repo.buf("apps/%s/.env.%s" % (svc, en), en, "dotenv")
        dbh = host(svc, en)
        if p and p["kind"] == "dotenv-prod-db":
            dbh = host(svc, "prod")
        elif p and p["kind"] == "same-database":
            dbh = "%s-db.%s" % (svc, DOMAIN)
        url = "%s://%s_app:${DB_PASSWORD}@%s:%d/%s" % (scheme, snake(svc), dbh, port, snake(svc))
        if p:
            p["value"] = url if p["kind"] == "dotenv-prod-db" else dbh
        b.add("# %s settings for %s" % (svc, en), "APP_ENV=%s" % en)
        if p:
            b.mark(p, "primary" if p["env"] == en else "related")
        b.add("DATABASE_URL=%s" % url, "REDIS_URL=redis://%s:6379/0" % host(svc, en, "cache"),
              "S3_BUCKET=acme-%s-%s-data" % (en, svc), "AWS_REGION=%s" % REGION)
        b.look("shared-logging-host")
        b.add("LOG_ENDPOINT=https://%s" % LOG_HOST, "PORT=8080")


# ---------------------------------------------------- shared, non-env files
MODULES = ["vpc", "rds", "redis", "queue", "s3-bucket", "service"]


def render_fixed(repo):
    names = repo.names
    lk = lambda b, kind: b.look(kind)
    b = repo.buf("README.md", None, "docs")
    b.add("# acme infrastructure", "", "Environments: %s. Layout:" % ", ".join(names), "",
          "- `envs/<env>/<stack>/`: Terraform stacks, one state per stack and env",
          "- `live/<env>/us-east-1/<component>/`: Terragrunt components",
          "- `k8s/base/` and `k8s/overlays/<env>/`: kustomize", "- `config/<env>/`, `apps/<svc>/.env.<env>`: application settings",
          "- `modules/`: shared Terraform modules (used by every env)",
          "- `integration-hub/`: the partner integration hub (not an environment)", "",
          "| env | VPC | account | API |", "|---|---|---|---|")
    for en in names:
        E = repo.env[en]
        lk(b, "readme-prod-host")
        b.add("| %s | %s | %s | https://api.%s.%s |" % (en, E["cidr"], E["account_id"], en, DOMAIN))
    b = repo.buf(".ignore", None, "meta")
    b.add("# the generator's answer key, not part of the repository", "ground-truth.json")
    for en in names:
        b = repo.buf("envs/%s/README.md" % en, en, "readme")
        b.add("# %s" % en, "", "Stacks for the %s environment. Apply in this order: network, data stacks," % en,
              "application stacks.", "")
        if en != "prod":
            lk(b, "readme-prod-host")
            b.add("Never point this environment at prod (`db.prod.%s`, account %s)." % (DOMAIN, repo.env["prod"]["account_id"]))
        else:
            b.add("Production. Changes land here only after staging sign-off.")
    # Shared modules: consumed by every env, full of env-dependent expressions.
    for m in MODULES:
        d = "modules/%s/" % m
        b = repo.buf(d + "main.tf", None, "module")
        b.add("# Shared module %s: used by every environment." % m, "locals {",
              '  name = "${var.name}-${var.environment}"')
        lk(b, "env-conditional")
        b.add('  size = var.environment == "prod" ? "large" : "small"')
        lk(b, "env-conditional")
        b.add('  multi_az = contains(["prod", "preprod"], var.environment)', "}", "")
        if m == "s3-bucket":
            b.add('resource "aws_s3_bucket" "this" {', "  bucket = var.name", "  tags = merge(var.tags, {",
                  "    Environment = var.environment", "  })", "}", "",
                  'resource "aws_s3_bucket_logging" "this" {', "  bucket = aws_s3_bucket.this.id")
            lk(b, "shared-logging-bucket")
            b.add('  target_bucket = "%s"' % CENTRAL_LOG_BUCKET, '  target_prefix = "${var.environment}/"', "}")
        elif m == "rds":
            b.add('resource "aws_security_group" "db" {', "  name = local.name", "  vpc_id = var.vpc_id", "",
                  "  ingress {", "    from_port = var.port", "    to_port = var.port", '    protocol = "tcp"',
                  "    cidr_blocks = var.allowed_cidr_blocks", "  }", "}")
        elif m == "vpc":
            b.add('resource "aws_vpc" "this" {', "  cidr_block = var.cidr", "", "  tags = merge(var.tags, {",
                  "    Name = local.name", "  })", "}")
        else:
            b.add('resource "aws_sqs_queue" "this" {', '  name = "${local.name}-events"', "  tags = var.tags", "}")
        b = repo.buf(d + "variables.tf", None, "module")
        b.add('variable "name" {', "  type = string", "}", "", 'variable "environment" {', "  type = string")
        lk(b, "module-default-env")
        b.add('  default = "dev"', "}", "", 'variable "tags" {', "  type = map(string)", "  default = {}", "}", "",
              'variable "vpc_id" {', "  type = string", '  default = ""', "}", "", 'variable "port" {',
              "  type = number", "  default = 5432", "}", "", 'variable "allowed_cidr_blocks" {',
              "  type = list(string)", "  default = []", "}", "", 'variable "cidr" {', "  type = string",
              '  default = "10.0.0.0/16"', "}")
        b = repo.buf(d + "outputs.tf", None, "module")
        b.add('output "name" {', "  value = local.name", "}")
        b = repo.buf(d + "README.md", None, "module")
        b.add("# module %s" % m, "", "Used by every environment, e.g.:", "", "```hcl", 'module "x" {',
              '  source      = "../../../modules/%s"' % m, '  environment = "prod"', "}", "```", "")
        lk(b, "readme-prod-host")
        b.add("In prod the resources are large and multi-AZ (`%s`)." % host("orders", "prod"))
    # integration-hub: a folder whose name looks like an env (integration) but is not one.
    b = repo.buf("integration-hub/README.md", None, "integration-hub")
    b.add("# integration-hub", "", "Routes partner webhooks to each environment's API. Not an environment.")
    b = repo.buf("integration-hub/routes.yaml", None, "integration-hub")
    b.add("routes:")
    for en in names:
        b.add("  - env: %s" % en)
        lk(b, "integration-hub")
        b.add("    upstream: https://api.%s.%s/webhooks" % (en, DOMAIN), "    cidr: %s" % repo.env[en]["cidr"])
    b = repo.buf("integration-hub/terraform/main.tf", None, "integration-hub")
    b.add("locals {", "  upstreams = {")
    for en in names:
        lk(b, "integration-hub")
        b.add('    %s = "https://api.%s.%s"' % (en, en, DOMAIN))
    b.add("  }", "}", "", 'resource "aws_sqs_queue" "inbound" {', "  for_each = local.upstreams",
          '  name = "integration-hub-${each.key}"', "}")
    b = repo.buf("integration-hub/terraform/backend.tf", None, "integration-hub")
    b.add("terraform {", '  backend "s3" {', '    bucket = "%s"' % COMMON_STATE_BUCKET,
          '    key = "integration-hub/terraform.tfstate"', '    region = "%s"' % REGION)
    lk(b, "integration-hub")
    b.add('    dynamodb_table = "acme-prod-tf-locks"', "  }", "}")
    for i, partner in enumerate(["stripe", "adyen", "twilio", "sendgrid", "zendesk", "salesforce"]):
        b = repo.buf("integration-hub/connectors/%s.yaml" % partner, None, "integration-hub")
        b.add("partner: %s" % partner, "targets:")
        for en in names:
            lk(b, "integration-hub")
            b.add("  %s: %s" % (en, host(partner, en, "hook")))
    b = repo.buf("docs/environments.md", None, "docs")
    b.add("# Environments", "", "| env | database | state bucket | lock table |", "|---|---|---|---|")
    for en in names:
        lk(b, "readme-prod-host")
        b.add("| %s | db.%s.%s | acme-%s-tfstate | acme-%s-tf-locks |" % (en, en, DOMAIN, en, en))
    b = repo.buf("docs/runbook.md", None, "docs")
    b.add("# Runbook", "", "Restore staging from a prod snapshot:", "", "```sh")
    lk(b, "readme-prod-host")
    b.add("pg_dump -h db.prod.%s orders | psql -h db.staging.%s orders" % (DOMAIN, DOMAIN), "```")
    b = repo.buf("docs/networking.md", None, "docs")
    b.add("# Networking", "")
    for en in names:
        b.add("- %s: %s" % (en, repo.env[en]["cidr"]))
    lk(b, "shared-services-cidr")
    b.add("- shared services: %s (peered with every environment)" % SHARED_CIDR)


# ------------------------------------------------------------------- output
def build(out, files, n_envs, seed, gen_sha):
    repo = Repo(files, n_envs, seed)
    units = plan_units(repo)
    sites = plan_defects(repo, units)
    render_fixed(repo)
    render_tg_fixed(repo)
    for u in units:
        {"tf": render_tf, "tg": render_tg, "tgvpc": render_tgvpc, "k8s": render_k8s,
         "cfg": render_cfg}[u["t"]](repo, u, sites)

    if os.path.exists(out):
        if os.listdir(out) and not os.path.exists(os.path.join(out, "ground-truth.json")):
            sys.exit("gen.py: %s exists and is not an earlier output; refusing to replace it" % out)
        shutil.rmtree(out)
    os.makedirs(out)
    total_bytes = 0
    mix, by_env = {}, {}
    placed = {}
    lookalikes = []
    for b in repo.bufs:
        lines = b.lines
        if b.rel.endswith((".tf", ".tfvars", ".hcl")):
            lines = align_hcl(lines)
        data = ("\n".join(lines) + "\n").encode()
        path = os.path.join(out, b.rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        total_bytes += len(data)
        mix[b.layout] = mix.get(b.layout, 0) + 1
        key = b.env or "(none)"
        by_env[key] = by_env.get(key, 0) + 1
        for idx, p, role in b.marks:
            placed.setdefault(id(p), []).append((role, {"path": b.rel, "line": idx + 1, "env": b.env}))
        for idx, kind in b.looks:
            lookalikes.append({"path": b.rel, "line": idx + 1, "kind": kind, "env": b.env})

    # Files that exist only as look-alikes: shared modules, integration-hub, docs, READMEs.
    look_files = sorted(b.rel for b in repo.bufs if b.layout in ("module", "integration-hub", "docs", "readme"))
    defects = []
    for p in repo.plants:
        locs = placed.get(id(p), [])
        prim = [l for r, l in locs if r == "primary"]
        rel = [l for r, l in locs if r == "related"]
        assert len(prim) == 1, ("defect not placed exactly once", p, locs)
        assert "value" in p, ("defect without value", p)
        d = {"rule": p["rule"], "kind": p["kind"], "path": prim[0]["path"], "line": prim[0]["line"],
             "env": prim[0]["env"], "value": p["value"], "related": rel, "also": p.get("also", [])}
        defects.append(d)
    defects.sort(key=lambda d: (d["path"], d["line"]))
    for i, d in enumerate(defects):
        d["id"] = "D%04d" % i
    by_rule = {r: sum(1 for d in defects if d["rule"] == r) for r in RULES}
    by_kind = {}
    for d in defects:
        by_kind[d["kind"]] = by_kind.get(d["kind"], 0) + 1
    truth = {
        "generator": "bench/infra/gen.py", "generator_version": GENERATOR_VERSION,
        "generator_sha256": gen_sha, "params": repo.params,
        "environments": repo.envs,
        "shared": {"logging_account_id": repo.log_account, "shared_services_account_id": repo.shared_account,
                   "shared_services_cidr": SHARED_CIDR, "logging_host": LOG_HOST},
        "file_count": len(repo.bufs), "total_bytes": total_bytes,
        "file_mix": dict(sorted(mix.items())), "files_by_env": dict(sorted(by_env.items())),
        "counts": {"defects": len(defects), "by_rule": by_rule, "by_kind": dict(sorted(by_kind.items())),
                   "lookalikes": len(lookalikes), "lookalike_files": len(look_files)},
        "defects": defects, "lookalikes": lookalikes, "lookalike_files": look_files,
    }
    with open(os.path.join(out, "ground-truth.json"), "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
        f.write("\n")
    return truth


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", metavar="OUT_DIR", help="directory to create (replaced if it holds an earlier output)")
    ap.add_argument("--files", type=int, default=5000, help="about how many files (default 5000)")
    ap.add_argument("--envs", type=int, default=4, help="number of environments, 3 to 6 (default 4)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if not 3 <= a.envs <= 6:
        ap.error("--envs must be between 3 and 6")
    if a.files < 100:
        ap.error("--files must be at least 100")
    with open(os.path.abspath(__file__), "rb") as f:
        gen_sha = hashlib.sha256(f.read()).hexdigest()
    t = build(a.out, a.files, a.envs, a.seed, gen_sha)
    print(json.dumps({"out": a.out, "truth": os.path.join(a.out, "ground-truth.json"),
                      "files": t["file_count"], "total_bytes": t["total_bytes"],
                      "envs": [e["name"] for e in t["environments"]],
                      "defects": t["counts"]["defects"], "by_rule": t["counts"]["by_rule"],
                      "lookalikes": t["counts"]["lookalikes"]}))


if __name__ == "__main__":
    main()
