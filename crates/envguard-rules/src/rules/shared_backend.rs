use super::infra_common::{env_files, loc};
use crate::{finding_id, Context, Rule};
use envguard_infra::TokenKind;
use envguard_model::{Finding, FindingBuilder, Location, Region, RuleMeta, Severity, Tier};
use std::collections::{BTreeMap, BTreeSet};

crate::declare_rule! {
    /// # R04.shared-backend
    ///
    /// ## What it does
    /// Finds state and data stores that two environments share:
    /// - a Terraform state backend with the same bucket and key (`backend "s3"`,
    ///   `.tfbackend` files, Terragrunt `remote_state`, including a root
    ///   `remote_state` evaluated for each child) in two environments;
    /// - one state bucket (an azurerm storage account) used by prod and a
    ///   non-prod environment under different keys or `workspace_key_prefix`es
    ///   (`bucket = "acme-terraform-state"` with `key = "dev/…"` and
    ///   `key = "prod/…"`, or a Terragrunt root `remote_state` whose one
    ///   bucket every stack includes): whoever can write the non-prod state can
    ///   write the bucket, and so rewrite prod's state. One finding per bucket,
    ///   at the first non-prod use, with prod's uses related; a template's
    ///   placeholder (`bucket = "UPDATE_ME"`: bucket names are lower case) is
    ///   not judged;
    /// - the same state lock table (`dynamodb_table`) with the same state bucket
    ///   (so the same account) in two environments; a lock table of the same name
    ///   next to a different bucket may be another account's table and is not judged;
    /// - the same database — a connection URL's host and database name, or a
    ///   `DB_HOST`-style setting — in two environments' files;
    /// - the same `secret_store` declared for two environments in
    ///   `envguard.toml`.
    ///
    /// A store whose name carries one environment's label is reported by
    /// `R04.cross-env-reference` instead (it belongs to that environment and the
    /// other one reaches it), so a bucket per environment
    /// (`bucket = "acme-tfstate-${local.env}"`) is never shared. Keys built
    /// with `path_relative_to_include()` are not resolved, so a Terragrunt root
    /// that gives each stack its own key is never reported as one shared state
    /// object (its one bucket is, when prod includes it too). Two non-prod
    /// environments sharing a bucket under different keys are not reported.
    /// Markers listed in `shared_markers` are skipped (a state bucket listed
    /// there is an exception written down), except for one state object
    /// (bucket and key): a state bucket every environment uses by design still
    /// holds one state file per environment, and two environments writing the
    /// same key is a collision. A shared lock table is reported where the table
    /// is named.
    ///
    /// ## Why it matters
    /// 000 §3 R-04: "Production databases and storage endpoints must not be
    /// reachable from DEV/TEST" — prod's state bucket is such a store, and a
    /// non-prod pipeline that writes its own key there can overwrite prod's
    /// (hence an error, like the other shared stores);
    /// 002 §2: "No shared databases, secrets, or credentials between
    /// environments"; 002 §4.3: databases are "separated per environment — no
    /// logical or physical sharing"; 004 keeps a per-environment Terraform state
    /// backend. Two environments writing one state file destroy each other's
    /// resources on the next apply; a shared lock table lets a dev apply block
    /// (or unlock) a production one.
    ///
    /// ## Example
    /// ```hcl
    /// # infra/staging/backend.tf and infra/prod/backend.tf, both:
    /// terraform {
    ///   backend "s3" {
    ///     bucket         = "acme-terraform-state"
    ///     key            = "app/terraform.tfstate"
    ///     dynamodb_table = "acme-terraform-lock"
    ///   }
    /// }
    /// ```
    /// ```text
    /// error[R04.shared-backend] infra/staging/backend.tf:3:23 staging and prod share the state s3://acme-terraform-state/app/terraform.tfstate
    /// ```
    ///
    /// ## Fix
    /// Give each environment its own state bucket (ideally in its own account)
    /// and lock table, its own database, and its own secret store path; migrate
    /// with `terraform init -migrate-state`.
    pub struct SharedBackend {
        id: "R04.shared-backend",
        summary: "Two environments share a Terraform state, lock table, database or secret store",
        severity: Severity::Error,
        clauses: "000 §3 R-04; 002 §2; 002 §4.3; 004 (per-environment state backend)",
    }
}

/// One use of a store: environment, tier, where.
type Use = (Tier, String, Location);

/// Hosts that name a different machine in every environment.
fn is_per_env_host(h: &str) -> bool {
    let h = h.to_ascii_lowercase();
    h == "host.docker.internal"
        || h.ends_with(".svc.cluster.local")
        || h.ends_with(".svc")
        || h.ends_with(".localhost")
        || h.ends_with(".local")
}

fn is_db_key(key: &str) -> bool {
    let name = key.rsplit('.').next().unwrap_or(key).to_ascii_lowercase();
    [
        "db", "database", "postgres", "pg", "mysql", "mongo", "redis", "rds", "sql", "mariadb",
    ]
    .iter()
    .any(|w| name.split(['_', '-']).any(|p| p == *w))
        && (name.contains("host")
            || name.contains("endpoint")
            || name.contains("server")
            || name.contains("address"))
}

/// A name S3, GCS or an Azure storage account accepts: lower case letters,
/// digits, `-`, `.`, `_`. A template's placeholder (`UPDATE_ME`,
/// `<state-bucket>`) is none: whoever fills it in picks the bucket.
fn is_bucket_name(b: &str) -> bool {
    b.len() >= 3
        && b.bytes().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'.' | b'_')
        })
}

/// One backend's use of a state bucket.
struct BucketUse {
    tier: Tier,
    env: String,
    key: Option<String>,
    at: Location,
}

/// A state bucket (an azurerm storage account) that prod and a non-prod
/// environment both keep their state in, under different keys: whoever can
/// write the non-prod state can write the bucket, prod's state included. Not
/// reported when one state object (bucket and key) is already reported as
/// shared by a prod and a non-prod environment.
fn shared_state_bucket(
    kind: &str,
    bucket: &str,
    uses: &mut [BucketUse],
    states: &BTreeMap<(&'static str, String), Vec<Use>>,
) -> Option<Finding> {
    let prod = uses.iter().any(|u| u.tier == Tier::Prod);
    let lower = uses.iter().any(|u| u.tier < Tier::Prod);
    if !prod || !lower {
        return None;
    }
    let same_key = uses
        .iter()
        .filter_map(|u| u.key.as_deref())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .any(|k| {
            states
                .get(&("state", format!("{kind}://{bucket}/{k}")))
                .is_some_and(|us| {
                    us.iter().any(|u| u.0 == Tier::Prod) && us.iter().any(|u| u.0 < Tier::Prod)
                })
        });
    if same_key {
        return None;
    }
    uses.sort_by(|a, b| (a.tier, &a.env, &a.at).cmp(&(b.tier, &b.env, &b.at)));
    let envs: BTreeSet<&str> = uses.iter().map(|u| u.env.as_str()).collect();
    let what = if kind == "azurerm" {
        "state storage account"
    } else {
        "state bucket"
    };
    let first = &uses[0];
    let prod_envs: BTreeSet<&str> = uses
        .iter()
        .filter(|u| u.tier == Tier::Prod)
        .map(|u| u.env.as_str())
        .collect();
    let names: Vec<&str> = envs.iter().copied().collect();
    let mut b = FindingBuilder::new(SharedBackend::META.id, Severity::Error, first.at.clone())
        .message(format!(
            "{} share the {what} {bucket} ({kind} backend, one key each): credentials that write {}'s state can rewrite {}'s",
            names.join(" and "),
            first.env,
            prod_envs.into_iter().collect::<Vec<_>>().join(" and "),
        ))
        .environment(first.env.as_str())
        .id(finding_id(
            SharedBackend::META.id,
            &first.at.path,
            &format!("{what}:{kind}://{bucket}"),
            &first.env,
        ));
    for e in envs.iter().filter(|e| **e != first.env) {
        b = b.environment(*e);
    }
    // A few places per other environment (a Terragrunt root shared by
    // thousands of stacks must not flood the report); prod's first.
    let mut per_env: BTreeMap<&str, usize> = BTreeMap::new();
    let others = uses[1..]
        .iter()
        .filter(|u| u.tier == Tier::Prod)
        .chain(uses[1..].iter().filter(|u| u.tier != Tier::Prod));
    for u in others {
        let n = per_env.entry(u.env.as_str()).or_default();
        *n += 1;
        if *n <= 3 {
            b = b.related(format!("same {what} in {}", u.env), u.at.clone());
        }
    }
    Some(b.build())
}

impl Rule for SharedBackend {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn needs(&self) -> crate::Needs {
        crate::Needs::ISOLATION
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        let m = ctx.markers;
        let mut groups: BTreeMap<(&'static str, String), Vec<Use>> = BTreeMap::new();
        let mut add = |what: &'static str, key: String, ef_name: &str, tier: Tier, l: Location| {
            groups
                .entry((what, key))
                .or_default()
                .push((tier, ef_name.to_owned(), l));
        };
        let labelled = |text: &str| !m.labels_of(text, TokenKind::Name).is_empty();
        // State buckets (storage accounts) by backend kind and name: who uses
        // them, and under which key.
        let mut buckets: BTreeMap<(String, String), Vec<BucketUse>> = BTreeMap::new();
        for ef in env_files(ctx) {
            let path = &ef.file.path;
            for b in &ef.file.infra.backends {
                if let Some(bucket) = &b.bucket {
                    if is_bucket_name(bucket) && !labelled(bucket) && !m.is_declared_shared(bucket)
                    {
                        buckets
                            .entry((b.kind.clone(), bucket.clone()))
                            .or_default()
                            .push(BucketUse {
                                tier: ef.tier,
                                env: ef.name.to_owned(),
                                key: b.key.clone(),
                                at: loc(path, b.region),
                            });
                    }
                }
                // One state object written by two environments is a collision
                // even in a bucket every environment shares by design.
                if let (Some(bucket), Some(key)) = (&b.bucket, &b.key) {
                    if !labelled(bucket) {
                        add(
                            "state",
                            format!("{}://{bucket}/{key}", b.kind),
                            ef.name,
                            ef.tier,
                            loc(path, b.region),
                        );
                    }
                }
                // A lock table is per account and region: the same name in
                // another account is another table. Same bucket, same account.
                if let (Some(t), Some(bucket)) = (&b.lock_table, &b.bucket) {
                    if !m.is_shared(t) && !labelled(t) {
                        add(
                            "state lock table",
                            format!("{t} (state bucket {bucket})"),
                            ef.name,
                            ef.tier,
                            loc(path, b.lock_region.unwrap_or(b.region)),
                        );
                    }
                }
            }
            for t in &ef.file.infra.tokens {
                let what = match t.kind {
                    TokenKind::Database => "database",
                    TokenKind::Host if is_db_key(&t.key) => "database host",
                    _ => continue,
                };
                let host = t.text.split('/').next().unwrap_or(&t.text);
                if is_per_env_host(host) || m.is_shared(&t.text) {
                    continue;
                }
                // A store labelled for one environment is that environment's (R04.cross-env-reference).
                if !m.owners(t).is_empty() {
                    continue;
                }
                add(
                    what,
                    t.text.to_ascii_lowercase(),
                    ef.name,
                    ef.tier,
                    loc(path, t.region),
                );
            }
        }
        let mut stores: BTreeMap<String, Vec<Use>> = BTreeMap::new();
        for e in &ctx.inventory.environments {
            if let Some(s) = &e.secret_store {
                stores.entry(s.clone()).or_default().push((
                    e.tier,
                    e.name.clone(),
                    loc("envguard.toml", Region::line(1)),
                ));
            }
        }
        for (s, uses) in stores {
            groups.insert(("secret store", s), uses);
        }

        // One state bucket for prod and a lower tier, under different keys.
        for ((kind, bucket), mut uses) in buckets {
            if let Some(f) = shared_state_bucket(&kind, &bucket, &mut uses, &groups) {
                out.push(f);
            }
        }

        for ((what, key), mut uses) in groups {
            let envs: BTreeSet<&str> = uses.iter().map(|u| u.1.as_str()).collect();
            if envs.len() < 2 {
                continue;
            }
            let names: Vec<String> = envs.iter().map(|e| (*e).to_owned()).collect();
            uses.sort_by(|a, b| (a.0, &a.1, &a.2).cmp(&(b.0, &b.1, &b.2)));
            let (_, env, primary) = &uses[0];
            let mut b = FindingBuilder::new(Self::META.id, Severity::Error, primary.clone())
                .message(format!("{} share the {what} {key}", names.join(" and ")))
                .environment(env.as_str())
                .id(finding_id(
                    Self::META.id,
                    &primary.path,
                    &format!("{what}:{key}"),
                    env,
                ));
            for e in names.iter().filter(|n| *n != env) {
                b = b.environment(e.as_str());
            }
            // At most a few related locations per other environment: a
            // Terragrunt root shared by thousands of stacks must not flood the report.
            let mut per_env: BTreeMap<&str, usize> = BTreeMap::new();
            for (_, e, l) in &uses[1..] {
                let n = per_env.entry(e.as_str()).or_default();
                *n += 1;
                if *n <= 3 {
                    b = b.related(format!("same {what} in {e}"), l.clone());
                }
            }
            out.push(b.build());
        }
    }
}
