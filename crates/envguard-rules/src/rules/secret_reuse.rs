use crate::rules::hardcoded_secret::runs_with;
use crate::{finding_id, Context, Rule, SecretOccurrence};
use envguard_model::{Finding, FindingBuilder, Location, PathRole, RuleMeta, Severity, Tier};
use std::collections::{BTreeMap, BTreeSet};

crate::declare_rule! {
    /// # R01.secret-reuse
    ///
    /// ## What it does
    /// Finds a secret value that occurs in files of two or more environments: the
    /// same database password in `envs/staging/.env` and `envs/prod/.env`, the same
    /// signing key in the dev and prod Kubernetes `Secret` (base64 `data` is
    /// decoded first), the same API token in a staging `tfvars` and a prod JSON config.
    ///
    /// Values are compared by keyed fingerprint (HMAC-SHA-256), never in clear. The
    /// key comes from `ENVGUARD_FINGERPRINT_KEY` when set (so fingerprints are stable
    /// across runs) and is random per run otherwise. The finding sits on the
    /// occurrence in the lowest tier (where the fix is expected: give that
    /// environment its own secret) and names every other occurrence as a related
    /// location, e.g. `same value in prod: envs/prod/.env:2`.
    ///
    /// Dictionary defaults such as `changeme` are not compared (they are reported
    /// by `R01.hardcoded-secret` when they reach prod). Files that belong to no
    /// environment take part only as related locations, and so do docs, tests,
    /// examples and local stacks (`envs/dev/.env.example`, `docker-compose.yml`)
    /// even when their path names an environment: no environment runs with them.
    ///
    /// ## Why it matters
    /// 000 §3 R-01: "No secret value may be reused across DEV/TEST/PROD"; 002 §2:
    /// "No shared databases, secrets, or credentials between environments"; 002 §7
    /// forbids "environment variable reuse" and "shared admin credentials". A
    /// secret shared with dev is as exposed as dev is: every developer laptop, every
    /// CI job of every branch, every debug log holds the production credential.
    ///
    /// ## Example
    /// ```dotenv
    /// # envs/staging/.env
    /// DB_PASSWORD=Zt4#q9LmW2x!pR7v
    /// # envs/prod/.env
    /// DB_PASSWORD=Zt4#q9LmW2x!pR7v
    /// ```
    /// ```text
    /// error[R01.secret-reuse] envs/staging/.env:1:13 DB_PASSWORD in staging has the same value as in prod
    ///   same value in prod: envs/prod/.env:1
    /// ```
    ///
    /// ## Fix
    /// Generate a distinct secret for each environment, store each in that
    /// environment's secret store, and rotate the one that was shared (003: the
    /// shared value must be treated as compromised). Reference secrets instead of
    /// writing them: `${DB_PASSWORD}`, a `secretKeyRef`, a Vault path.
    pub struct SecretReuse {
        id: "R01.secret-reuse",
        summary: "The same secret value is used in two or more environments",
        severity: Severity::Error,
        clauses: "000 §3 R-01; 002 §2; 002 §7",
    }
}

struct Occ<'a> {
    path: &'a str,
    env: Option<(&'a str, Tier)>,
    /// Set for a file no environment runs with (docs, tests, examples).
    role: Option<PathRole>,
    secret: &'a SecretOccurrence,
}

impl Rule for SecretReuse {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn needs(&self) -> crate::Needs {
        crate::Needs::SECRETS
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut groups: BTreeMap<[u8; 32], Vec<Occ<'_>>> = BTreeMap::new();
        for file in ctx.files {
            let runs = runs_with(file);
            let role = (!runs).then_some(file.role);
            for s in file.secrets.iter().filter(|s| !s.weak_default) {
                groups.entry(s.fingerprint).or_default().push(Occ {
                    path: &file.path,
                    // A shared file's `production:` map is prod's.
                    env: file
                        .env
                        .as_ref()
                        .or(s.scope.as_ref())
                        .filter(|_| runs)
                        .map(|e| (e.name.as_str(), e.tier)),
                    role,
                    secret: s,
                });
            }
        }
        for mut occs in groups.into_values() {
            let envs: BTreeSet<&str> = occs.iter().filter_map(|o| o.env.map(|e| e.0)).collect();
            if envs.len() < 2 {
                continue;
            }
            // Lowest tier first, then environment name, path and line: the primary
            // is deterministic and is where the fix belongs.
            occs.sort_by_key(|o| {
                (
                    o.env.map(|e| e.1).unwrap_or(Tier::Prod),
                    o.env.is_none(),
                    o.env.map(|e| e.0).unwrap_or(""),
                    o.path,
                    o.secret.region,
                )
            });
            let primary = &occs[0];
            let (env_name, _) = primary.env.unwrap_or(("", Tier::Prod));
            let others: Vec<&str> = envs.iter().copied().filter(|e| *e != env_name).collect();
            let label = primary.secret.label();
            let message = format!(
                "{} in {env_name} has the same value ({}) as in {}",
                primary.secret.display_key(),
                primary.secret.preview,
                others.join(", ")
            );
            let mut b = FindingBuilder::new(
                Self::META.id,
                Self::META.default_severity,
                Location {
                    path: primary.path.to_owned(),
                    region: primary.secret.region,
                },
            )
            .message(message)
            .environment(env_name)
            .id(finding_id(Self::META.id, primary.path, label, env_name));
            for e in &others {
                b = b.environment(*e);
            }
            for o in &occs[1..] {
                let where_ = match (o.env, o.role) {
                    (Some((e, _)), _) => format!("same value in {e}"),
                    (None, Some(role)) if role.is_illustrative() => {
                        format!("same value in {} file", role.as_str())
                    }
                    (None, _) => "same value in shared file".to_owned(),
                };
                b = b.related(
                    where_,
                    Location {
                        path: o.path.to_owned(),
                        region: o.secret.region,
                    },
                );
            }
            out.push(b.build());
        }
    }
}
