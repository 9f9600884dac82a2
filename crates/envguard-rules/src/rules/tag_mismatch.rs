use super::infra_common::{env_files, loc};
use crate::{finding_id, Context, Rule};
use envguard_infra::TokenKind;
use envguard_model::{Finding, FindingBuilder, RuleMeta, Severity, Tier};

crate::declare_rule! {
    /// # NAM.tag-mismatch
    ///
    /// ## What it does
    /// Finds an environment tag or label whose value names another environment
    /// than the file's: `tags = { Environment = "staging" }` on a resource in
    /// `envs/prod/`, `metadata.labels.env: prod` in a staging overlay, a
    /// Kubernetes `metadata.namespace: payments-prod` in a staging manifest.
    ///
    /// Tags are read where Terraform would apply them: a resource's `tags`,
    /// `tags_all` and `labels`, a provider's `default_tags`, module inputs named
    /// `tags`/`*_tags`, `locals` such as `common_tags`, and tfvars — after
    /// resolving `merge()`, `locals` and `var` defaults, so the finding sits on
    /// the literal that is wrong (one finding for a `common_tags` local that ten
    /// resources use). Tag keys: `Environment`, `env`, `stage`,
    /// `environment_name` (any case) inside a tag or label map. A value is
    /// resolved against the inventory (`production` → `prod`, declared aliases);
    /// a tag that names a different environment of the same tier is a warning,
    /// of another tier an error.
    ///
    /// ## Why it matters
    /// 004: every production resource carries `Environment = "prod"`; cost
    /// reports, backup plans, IAM conditions (`aws:ResourceTag/Environment`)
    /// and SCPs act on the tag. A production database tagged `staging` falls
    /// out of production's backup, monitoring and access policies — and into
    /// staging's. 000 §3 R-03 asks the same labels of every event and log.
    ///
    /// ## Example
    /// ```hcl
    /// # terraform/envs/prod/locals.tf
    /// locals {
    ///   common_tags = { Environment = "staging", Team = "records" }
    /// }
    /// ```
    /// ```text
    /// error[NAM.tag-mismatch] terraform/envs/prod/locals.tf:2:37 Environment tag says "staging" in a prod file
    /// ```
    ///
    /// ## Fix
    /// Set the tag from one place per environment (a `local.environment` fed
    /// by the environment's tfvars or Terragrunt `env.hcl`) instead of copying
    /// literals between environments.
    pub struct TagMismatch {
        id: "NAM.tag-mismatch",
        summary: "An Environment tag or label names another environment than the file's",
        severity: Severity::Error,
        clauses: "004 (Environment tags); 000 §3 R-03; 002 §3",
    }
}

impl Rule for TagMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn needs(&self) -> crate::Needs {
        crate::Needs::ISOLATION
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        for ef in env_files(ctx) {
            for t in &ef.file.infra.tags {
                let named: Option<(String, Tier)> =
                    ctx.inventory.resolve_name(&t.value).or_else(|| {
                        let labels = ctx.markers.labels_of(&t.value, TokenKind::Name);
                        if labels.iter().any(|(e, _)| *e == ef.env) {
                            return None;
                        }
                        labels.first().map(|(e, _)| {
                            let env = &ctx.markers.envs[*e];
                            (env.name.clone(), env.tier)
                        })
                    });
                let Some((name, tier)) = named else { continue };
                if name.eq_ignore_ascii_case(ef.name) {
                    continue;
                }
                let severity = if tier == ef.tier {
                    Severity::Warning
                } else {
                    Severity::Error
                };
                let key = t.key.rsplit('.').next().unwrap_or(&t.key);
                out.push(
                    FindingBuilder::new(Self::META.id, severity, loc(&ef.file.path, t.region))
                        .message(
                            format!(
                                "{key} {} says \"{}\" in a {} file",
                                if key == "namespace" { "" } else { "tag" },
                                t.value,
                                ef.name
                            )
                            .replace("  ", " "),
                        )
                        .environment(ef.name)
                        .environment(name.as_str())
                        .id(finding_id(Self::META.id, &ef.file.path, &t.key, ef.name))
                        .build(),
                );
            }
        }
    }
}
