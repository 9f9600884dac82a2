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
    /// other one reaches it). Keys built with `path_relative_to_include()` are
    /// not resolved, so a Terragrunt root that gives each stack its own key is
    /// never reported as shared. Markers listed in `shared_markers` are skipped,
    /// except for one state object (bucket and key): a state bucket every
    /// environment uses by design still holds one state file per environment,
    /// and two environments writing the same key is a collision. A shared lock
    /// table is reported where the table is named.
    ///
    /// ## Why it matters
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
        clauses: "002 §2; 002 §4.3; 004 (per-environment state backend)",
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
        for ef in env_files(ctx) {
            let path = &ef.file.path;
            for b in &ef.file.infra.backends {
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
