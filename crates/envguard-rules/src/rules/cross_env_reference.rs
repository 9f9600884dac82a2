use super::infra_common::{env_files, explain, loc, names_own_folder};
use crate::{finding_id, Context, Rule};
use envguard_infra::{Token, TokenKind};
use envguard_model::{Finding, FindingBuilder, RuleMeta, Severity, Tier};
use std::collections::{BTreeMap, BTreeSet};

/// Resource types whose cross-environment references are network paths
/// (reported by `R04.network-path`).
pub(crate) const PEERING_TYPES: &[&str] = &[
    "aws_vpc_peering_connection",
    "aws_vpc_peering_connection_accepter",
    "aws_ec2_transit_gateway_vpc_attachment",
    "aws_ec2_transit_gateway_peering_attachment",
    "google_compute_network_peering",
    "azurerm_virtual_network_peering",
];

crate::declare_rule! {
    /// # R04.cross-env-reference
    ///
    /// ## What it does
    /// Finds a file of one environment that names another environment's
    /// identity marker: a host in a URL or connection string, an account id in
    /// an ARN or provider, a bucket, table, queue or KMS alias, a Terraform
    /// state bucket or lock table, a `terraform_remote_state` config, a network.
    ///
    /// A marker belongs to an environment when
    /// - a segment of its name is the environment's name or alias
    ///   (`db.prod.acme.internal`, `acme-staging-data`; `non-prod` and
    ///   `pre-prod` are not prod; weak words such as `test`, `live`, `local`,
    ///   `integration` count only when `envguard.toml` declares them, and `test`
    ///   and `stage` also in DNS names of an environment that exists);
    /// - it is defined in exactly one environment's files (a resource's own
    ///   `bucket`/`name`/`identifier`, a backend's bucket or lock table, a
    ///   provider's `allowed_account_ids` or assumed-role account, an
    ///   `account_id` setting);
    /// - `envguard.toml` lists it under the environment (`hosts`, `accounts`,
    ///   `cidrs`).
    ///
    /// A lower tier reaching a higher one (staging → prod) is an error; prod
    /// naming a non-prod marker, or two environments of one tier, a warning,
    /// except when prod grants the non-prod identity access (an IAM `member`,
    /// a policy `principals`/`identifiers`, dataset `readers`/`writers`): that
    /// opens prod to the lower tier and is an error. The related location shows
    /// where the marker is defined.
    ///
    /// Any two environments count, not only prod and the rest: a dev file
    /// naming staging's project or bucket is an error too (dev is the lower
    /// tier).
    ///
    /// A pre-prod environment on prod's external endpoint is a warning: a
    /// setting (the same key path) whose host is the same in prod and in a
    /// test-tier environment (staging, preprod, uat) while a dev environment
    /// sets another host there (`IDP_URL=https://login.idp.com` in staging and
    /// prod, `https://sandbox.idp.com` in dev): staging signs in, pays or sends
    /// through the live service. Only hosts (URLs, host names) count, not
    /// timeouts or flags; a host every environment that sets the key uses is
    /// shared by design; private DNS names (`.internal`, `.local`,
    /// `.svc`) resolve per environment and are not judged.
    ///
    /// A Terragrunt `dependency` whose `config_path` leads into another
    /// environment's folder (`../../../prod/us-east-1/vpc` from a dev stack)
    /// reads that environment's state and is a reference too.
    ///
    /// Values are resolved the way `terraform plan` would for what a static
    /// reader can know: `locals`, `var` defaults, `terraform.tfvars` and
    /// `*.auto.tfvars`, `merge()`, `lookup()`, `format()`, conditionals whose
    /// condition resolves, Terragrunt `include`, `read_terragrunt_config()` and
    /// `find_in_parent_folders()`. Not resolved: module outputs, data sources,
    /// `each`/`count`, `path_relative_to_include()`, environment variables,
    /// module bodies (a module call is judged by its inputs), kustomize patches
    /// beyond the values each overlay file holds.
    ///
    /// An environment word inside a catalog entry or a release label is no
    /// reference: values of plan, SKU, type, class, size, tier, tag and version
    /// keys (Cloud Foundry `plan: redis-dev`, `instance_type`, `sku_name`,
    /// `image_tag`), version labels (`1.4.0-prod`), `prod-like`. A database's
    /// name counts only where an environment's files define it, never by the
    /// word in it: Rails names databases `<app>_<RAILS_ENV>`, and apps run
    /// with `RAILS_ENV=production` in staging too (`publisher_production`
    /// under `database`, `DB_NAME`, first in a qualified table name such as
    /// `publisher_production.public.editions`, or after the host of a
    /// connection URL, whose host still counts). An environment is named by each of its
    /// conventional aliases (`prd` for a declared `production`, `stage` in a
    /// host such as `catalog-stage-api.example.com`).
    ///
    /// Stays quiet on: a `dependency`'s `mock_outputs` (plan-time
    /// placeholders); conditionals that name every environment
    /// (`var.env == "production" ? … : …` is a branch, not a reference);
    /// descriptions, module `source`s and image names; markers shared by design —
    /// `shared_markers` in `envguard.toml`, or (with three or more environments)
    /// a marker every environment names, such as a central logging account or a
    /// security hub, unless one environment defines it (its account, its
    /// bucket: a copy-paste spread to every environment is still a reference);
    /// people and chat (`slack_channel`, `team_name`, contacts; an e-mail
    /// address counts by its domain only); env-like labels inside a cloud
    /// provider's own domains past the first label (`uksouth.oic.prod-aks.azure.com`
    /// is Azure's prod); `pre-` before anything but `prod` (`pre-sentence-service`);
    /// weak words such as `test` inside a hyphenated DNS label
    /// (`replatform-test-app`); tests and their fixtures (`testdata/`,
    /// `fixtures/`, `*_test.yaml`, `*.test.json`: test data, not configuration);
    /// the name of a folder the file sits in (`stg-tmc-example/resources/…`
    /// naming its own namespace `stg-tmc-example`);
    /// files that belong to no environment (modules, READMEs); folders that only
    /// look like environments (`integration-hub`).
    ///
    /// ## Why it matters
    /// 000 §3 R-04: "Production databases and storage endpoints must not be
    /// reachable from DEV/TEST networks"; 002 §3: environments are isolated at
    /// network, credential and pipeline level and "no cross-environment access
    /// is permitted"; 004 keeps a per-environment state backend. The mistakes are
    /// ordinary copy-paste: a staging `.env` pointing at the prod bucket, a dev
    /// backend using the prod lock table, a staging stack reading prod's remote
    /// state. checkov and tfsec judge one resource at a time and never compare
    /// environments.
    ///
    /// ## Example
    /// ```dotenv
    /// # deploy/staging/app.env
    /// REPORTS_BUCKET=s3://acme-prod-reports/exports
    /// ```
    /// ```text
    /// error[R04.cross-env-reference] deploy/staging/app.env:2:21 staging references prod's resource `acme-prod-reports` (its name carries "prod")
    /// ```
    ///
    /// ## Fix
    /// Point the file at its own environment's resource (create one if it is
    /// missing). If the marker really is shared platform infrastructure (central
    /// logging, a registry), list it under `shared_markers` in `envguard.toml`
    /// so the exception is written down and reviewed.
    pub struct CrossEnvReference {
        id: "R04.cross-env-reference",
        summary: "A file of one environment references another environment's host, account, bucket, network or state",
        severity: Severity::Error,
        clauses: "000 §3 R-04; 002 §3; 002 §4.3; 004 (per-environment state backend)",
    }
}

impl Rule for CrossEnvReference {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn needs(&self) -> crate::Needs {
        crate::Needs::ISOLATION
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        for ef in env_files(ctx) {
            let mut seen = BTreeSet::new();
            for r in ctx.markers.references(ef.env, &ef.file.infra) {
                let t = r.token;
                if t.resource
                    .as_deref()
                    .is_some_and(|ty| PEERING_TYPES.contains(&ty))
                {
                    continue;
                }
                if names_own_folder(&ef.file.path, &t.text)
                    || !seen.insert((t.region, t.text.clone(), r.to))
                {
                    continue;
                }
                let to = &ctx.markers.envs[r.to];
                // A grant in a prod file to a non-prod identity (an IAM member,
                // a policy principal) opens prod to that environment: lower tier
                // reaching higher, whichever file it is written in.
                let grant = ef.tier > to.tier && is_grant_key(&t.key);
                let severity = if ef.tier < to.tier || grant {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                let (why, defined) = explain(&r.via, &to.name);
                let message = format!(
                    "{} {} {}'s {} `{}` ({why}){}",
                    ef.name,
                    if grant {
                        "grants access to"
                    } else {
                        "references"
                    },
                    to.name,
                    t.kind.as_str(),
                    t.text,
                    if t.key.is_empty() {
                        String::new()
                    } else {
                        format!(" in `{}`", t.key)
                    }
                );
                let mut b =
                    FindingBuilder::new(Self::META.id, severity, loc(&ef.file.path, t.region))
                        .message(message)
                        .environment(ef.name)
                        .environment(to.name.as_str())
                        .id(finding_id(
                            Self::META.id,
                            &ef.file.path,
                            &format!("{}={}", t.key, t.text),
                            ef.name,
                        ));
                if let Some(l) = defined {
                    b = b.related(format!("defined in {}", to.name), l);
                }
                out.push(b.build());
            }
        }
        prod_endpoint_in_preprod(ctx, out);
    }
}

/// The host of `key` in each environment's files, for [`prod_endpoint_in_preprod`].
type EndpointUse<'a> = (Tier, &'a str, &'a Token, &'a str);

/// Hosts that a private resolver answers differently in each environment
/// (cluster DNS, a VPC's private zone): the same name is not the same place.
fn is_private_host(h: &str) -> bool {
    let last = h.rsplit('.').next().unwrap_or(h);
    [
        "local",
        "internal",
        "localhost",
        "svc",
        "lan",
        "corp",
        "intranet",
        "private",
        "home",
    ]
    .iter()
    .any(|t| last.eq_ignore_ascii_case(t))
}

/// A setting (the same key path) whose external host is the same in prod and
/// a pre-prod environment (staging, preprod, uat: the test tier), while a dev
/// environment sets another host under that key: the pre-prod environment
/// talks to prod's endpoint (the live identity provider, the live payment
/// gateway) where dev uses a sandbox. A warning, at the pre-prod value.
/// Quiet when every environment that sets the key sets that host (shared by
/// design), for hosts an environment owns (labelled or defined: the ordinary
/// reference check judges them), shared markers, and private DNS names.
///
/// Only the same file of each environment is compared (`apps/a-staging/vars.tf`
/// with `apps/a-dev/vars.tf`, see [`sibling_template`]): in a monorepo of many
/// applications, another application's dev says nothing about this one.
fn prod_endpoint_in_preprod(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let m = ctx.markers;
    let mut by_key: BTreeMap<(String, &str), Vec<EndpointUse<'_>>> = BTreeMap::new();
    for ef in env_files(ctx) {
        let template = sibling_template(&ef.file.path, ef.name);
        for t in &ef.file.infra.tokens {
            if t.kind != TokenKind::Host
                || t.key.is_empty()
                || is_private_host(&t.text)
                || !is_endpoint_key(&t.key)
            {
                continue;
            }
            by_key
                .entry((template.clone(), t.key.as_str()))
                .or_default()
                .push((ef.tier, ef.name, t, ef.file.path.as_str()));
        }
    }
    for ((_, key), uses) in by_key {
        let hosts_of = |tier: Tier| -> BTreeSet<String> {
            uses.iter()
                .filter(|u| u.0 == tier)
                .map(|u| u.2.text.to_ascii_lowercase())
                .collect()
        };
        let (dev, prod) = (hosts_of(Tier::Dev), hosts_of(Tier::Prod));
        if dev.is_empty() || prod.is_empty() {
            continue;
        }
        let mut seen = BTreeSet::new();
        for &(tier, env, t, path) in &uses {
            let host = t.text.to_ascii_lowercase();
            if tier != Tier::Test
                || !prod.contains(&host)
                || dev.contains(&host)
                || !seen.insert((path, t.region, host.clone()))
                || m.is_shared(&t.text)
                || !m.owners(t).is_empty()
            {
                continue;
            }
            let dev_host = dev.iter().next().map(String::as_str).unwrap_or("?");
            let msg = format!(
                "{env} uses prod's endpoint `{}` in `{key}`, where dev uses `{dev_host}`",
                t.text
            );
            let mut b = FindingBuilder::new(
                CrossEnvReference::META.id,
                Severity::Warning,
                loc(path, t.region),
            )
            .message(msg)
            .environment(env)
            .id(finding_id(
                CrossEnvReference::META.id,
                path,
                &format!("endpoint:{key}={host}"),
                env,
            ));
            let mut related = 0;
            for &(tier2, env2, t2, path2) in &uses {
                if related < 2 && tier2 == Tier::Prod && t2.text.eq_ignore_ascii_case(&t.text) {
                    b = b
                        .environment(env2)
                        .related(format!("same endpoint in {env2}"), loc(path2, t2.region));
                    related += 1;
                }
            }
            out.push(b.build());
        }
    }
}

/// Whether the setting under `key` can hold an endpoint a service talks to.
/// Not a contact (`infrastructure_support = "team@justice.gov.uk"`,
/// `owner_email`: the domain of an address is where mail goes, and teams
/// differ between environments) nor a Kubernetes RBAC rule's API groups
/// (`api_groups = ["cert-manager.io"]`: names of APIs, not hosts).
fn is_endpoint_key(key: &str) -> bool {
    let Some(last) = key
        .split('.')
        .rfind(|seg| !seg.is_empty() && !seg.bytes().all(|b| b.is_ascii_digit()))
    else {
        return true;
    };
    let last = last.to_ascii_lowercase();
    let contact = ["email", "mail", "contact", "support", "owner"]
        .iter()
        .any(|w| last.contains(w));
    let api_group = matches!(
        last.as_str(),
        "api_groups" | "apigroups" | "apigroup" | "api_group"
    );
    !contact && !api_group
}

/// `path` with the environment's words put out: each word (between `/`, `-`,
/// `_`, `.`) that is the environment's name or an environment alias becomes
/// `*`. The files of one application in its environments share it
/// (`ns/chaps-staging/vars.tf`, `ns/chaps-production/vars.tf`: `ns/chaps-*/vars.tf`;
/// `config/dev/auth.yaml`: `config/*/auth.yaml`); another application's do not.
fn sibling_template(path: &str, env: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            if word.eq_ignore_ascii_case(env) || Tier::of_alias(word).is_some() {
                out.push('*');
            } else {
                out.push_str(word);
            }
            word.clear();
        }
    };
    for c in path.chars() {
        if matches!(c, '/' | '-' | '_' | '.') {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Keys that hand out access: IAM members and bindings, policy principals,
/// dataset readers and writers.
fn is_grant_key(key: &str) -> bool {
    key.split('.')
        .filter(|seg| !seg.bytes().all(|b| b.is_ascii_digit()))
        .any(|seg| {
            let seg = seg.to_ascii_lowercase();
            [
                "member",
                "principal",
                "identifiers",
                "grantee",
                "reader",
                "writer",
                "viewer",
                "editor",
            ]
            .iter()
            .any(|w| seg.contains(w))
        })
}
