use super::infra_common::{env_files, loc};
use crate::{finding_id, Context, Rule};
use envguard_infra::{ResourceName, TokenKind};
use envguard_model::{Finding, FindingBuilder, RuleMeta, Severity};
use std::collections::BTreeMap;

crate::declare_rule! {
    /// # NAM.naming
    ///
    /// ## What it does
    /// Finds a resource whose own name breaks its environment's naming
    /// convention. Names are the resolved `bucket`, `name`, `identifier`,
    /// `function_name`, `table_name`, … of Terraform `resource` blocks in an
    /// environment's files, and the same keys given as literals to a `module`
    /// call or in a Terragrunt `inputs` map (the module names its resource
    /// with them; they form their own kinds, `module` and `inputs`).
    /// - With `resource_suffix` declared for the environment in `envguard.toml`
    ///   (`"-prod"`), every name must carry it (at the end, or as a segment:
    ///   `nc-dp-prod-raw` carries `-prod`). A warning.
    /// - Without one, the convention is inferred per resource type: when at
    ///   least three names of one type (`aws_s3_bucket`) in the environment are
    ///   resolved and two thirds or more carry the environment's label (`prod`,
    ///   `production`, `prd`, declared aliases), the others of that type are
    ///   reported as warnings. A database's `name` (its schema) and inline
    ///   policy names are not resource names.
    /// - A name that carries another environment's label and not its own
    ///   (`acme-staging-reports` defined in prod) is an error whatever the
    ///   convention: it is a copy-paste from the other environment.
    ///
    /// Names built from unresolved parts (`each.key`, module outputs) are not
    /// judged; module calls are not instantiated, so names a module builds
    /// itself are not seen, and an input a Terragrunt root passes to every stack
    /// is judged once, in the root.
    ///
    /// ## Why it matters
    /// 004 "Resource Naming": "All resources use the `-prod` suffix" (buckets
    /// `nc-dp-prod-raw`, tables `nc-dp-prod-documents`, functions
    /// `svc-{name}-prod`, KMS `alias/nc-dp-data-prod`). Names are what people
    /// and policies match on (`arn:aws:s3:::*-prod-*`): a production bucket
    /// without the suffix escapes production's policies; one named for staging
    /// invites staging jobs to write to it.
    ///
    /// ## Example
    /// ```hcl
    /// # terraform/envs/prod/storage.tf
    /// resource "aws_s3_bucket" "exports" {
    ///   bucket = "acme-staging-exports"
    /// }
    /// ```
    /// ```text
    /// error[NAM.naming] terraform/envs/prod/storage.tf:3:13 prod resource aws_s3_bucket.exports is named for staging: "acme-staging-exports"
    /// ```
    ///
    /// ## Fix
    /// Rename the resource with its own environment's suffix (for S3 and RDS a
    /// rename means a new resource: create, copy, switch, delete), and build
    /// names from one `local.environment` instead of literals.
    pub struct Naming {
        id: "NAM.naming",
        summary: "A resource name breaks its environment's naming suffix or carries another environment's name",
        severity: Severity::Warning,
        clauses: "004 (Resource Naming); 002 §3",
    }
}

impl Rule for Naming {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn needs(&self) -> crate::Needs {
        crate::Needs::ISOLATION
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        let m = ctx.markers;
        // Names per environment, with their file.
        let mut per_env: BTreeMap<usize, Vec<(&str, &ResourceName)>> = BTreeMap::new();
        for ef in env_files(ctx) {
            for n in &ef.file.infra.names {
                per_env.entry(ef.env).or_default().push((&ef.file.path, n));
            }
        }
        for (env, names) in per_env {
            let e = &m.envs[env];
            let declared = ctx
                .inventory
                .environment(&e.name)
                .and_then(|d| d.resource_suffix.clone())
                .filter(|s| !s.is_empty());
            // The convention is inferred per resource type: buckets may carry the
            // suffix while IAM inline policies never do. Names for another
            // environment are reported as such and left out of the count.
            let ty = |n: &ResourceName| n.resource.split('.').next().unwrap_or("").to_owned();
            // The environments each name carries, worked out once per name.
            let all_labels: Vec<Vec<(usize, String)>> = names
                .iter()
                .map(|(_, n)| m.labels_of(&n.name, TokenKind::Name))
                .collect();
            let mut per_type: BTreeMap<String, (usize, usize)> = BTreeMap::new();
            for ((_, n), labels) in names.iter().zip(&all_labels) {
                let own = labels.iter().any(|(x, _)| *x == env);
                if !own && !labels.is_empty() {
                    continue;
                }
                let c = per_type.entry(ty(n)).or_default();
                c.0 += 1;
                c.1 += usize::from(own);
            }
            let label = all_labels
                .iter()
                .flatten()
                .find(|(x, _)| *x == env)
                .map(|(_, s)| s.clone());
            for ((path, n), labels) in names.iter().zip(&all_labels) {
                let own = labels.iter().any(|(x, _)| *x == env);
                let foreign = labels.iter().find(|(x, _)| *x != env);
                let id = || finding_id(Self::META.id, path, &n.resource, &e.name);
                if let (Some((other, _)), false) = (foreign, own) {
                    let other = &m.envs[*other].name;
                    out.push(
                        FindingBuilder::new(Self::META.id, Severity::Error, loc(path, n.region))
                            .message(format!(
                                "{} resource {} is named for {other}: \"{}\"",
                                e.name, n.resource, n.name
                            ))
                            .environment(e.name.as_str())
                            .environment(other.as_str())
                            .id(id())
                            .build(),
                    );
                    continue;
                }
                let message = match &declared {
                    Some(suffix) if !carries_suffix(&n.name, suffix) => format!(
                        "{} resource {} is named \"{}\" without the environment's suffix `{suffix}` (envguard.toml)",
                        e.name, n.resource, n.name
                    ),
                    None if !own
                        && per_type
                            .get(&ty(n))
                            .is_some_and(|(total, carry)| *total >= 3 && carry * 3 >= total * 2) =>
                    {
                        let (total, carry) = per_type.get(&ty(n)).copied().unwrap_or_default();
                        format!(
                            "{} resource {} is named \"{}\": {carry} of {total} {} {} carry `{}`",
                            e.name,
                            n.resource,
                            n.name,
                            e.name,
                            ty(n),
                            label.as_deref().unwrap_or(&e.name)
                        )
                    }
                    _ => continue,
                };
                out.push(
                    FindingBuilder::new(Self::META.id, Severity::Warning, loc(path, n.region))
                        .message(message)
                        .environment(e.name.as_str())
                        .id(id())
                        .build(),
                );
            }
        }
    }
}

/// `-prod` at the end, or as a segment followed by a delimiter (`nc-dp-prod-raw`).
fn carries_suffix(name: &str, suffix: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let s = suffix.to_ascii_lowercase();
    if n.ends_with(&s) {
        return true;
    }
    n.match_indices(&s).any(|(i, _)| {
        n.as_bytes()
            .get(i + s.len())
            .is_some_and(|b| matches!(b, b'-' | b'_' | b'.' | b'/'))
    })
}
