use super::infra_common::loc;
use crate::{finding_id, Context, Rule};
use envguard_infra::controls::Setting;
use envguard_model::{Finding, FindingBuilder, RuleMeta, Severity};

crate::declare_rule! {
    /// # RES.region
    ///
    /// ## What it does
    /// Finds infrastructure placed in a cloud region outside the regions its
    /// environment may use: a Terraform `provider` `region`, a state
    /// backend's `region`, and inside resources every `region`,
    /// `region_name` (DynamoDB global-table replicas), `destination_region`,
    /// `source_region` (snapshot copies), `replica_region`, `dr_region` and
    /// `backup_region`. Values are resolved statically (`var.region` from
    /// the directory's tfvars, `local.region`); one that does not resolve is
    /// a note naming the expression, never counted as allowed.
    ///
    /// The allowed regions are the environment's `regions` in
    /// `[environments.<name>]`, else its tier's `regions` in
    /// `[tiers.<tier>.profile]`. With neither, the environment is not
    /// checked: residency is a decision envguard cannot infer.
    ///
    /// ## Why it matters
    /// 000 §1: the data residency intent (KSA) must not be violated by
    /// non-production workflows; 004 "Configuration" names production's
    /// primary and DR regions. A staging replica in `eu-west-1`, a backup
    /// copied to `us-east-1` or a dev stack created in the provider's default
    /// region moves data where the residency policy says it may not go.
    ///
    /// ## Example
    /// ```toml
    /// # envguard.toml
    /// [tiers.prod.profile]
    /// regions = ["me-south-1", "me-central-1"]
    /// ```
    /// ```hcl
    /// # terraform/envs/prod/dynamodb.tf
    /// resource "aws_dynamodb_table" "documents" {
    ///   replica {
    ///     region_name = "eu-west-1"
    ///   }
    /// }
    /// ```
    /// ```text
    /// error[RES.region] terraform/envs/prod/dynamodb.tf:3:20 aws_dynamodb_table.documents.replica.region_name in prod is eu-west-1, outside the allowed regions (me-south-1, me-central-1)
    /// ```
    ///
    /// ## Fix
    /// Place the resource (or its replica, copy or backup) in an allowed
    /// region; where the policy itself changed, add the region to the
    /// environment's `regions` in `envguard.toml`, reviewed like any policy.
    pub struct ResRegion {
        id: "RES.region",
        summary: "Infrastructure, a replica, copy or backup in a region outside its environment's allowed regions",
        severity: Severity::Error,
        clauses: "000 §1 (data residency intent); 004 Configuration (regions)",
    }
}

impl Rule for ResRegion {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn needs(&self) -> crate::Needs {
        crate::Needs {
            infra: true,
            ..crate::Needs::default()
        }
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        let id = Self::META.id;
        for f in ctx.files {
            let Some(a) = &f.env else { continue };
            if f.infra.cloud_regions.is_empty() {
                continue;
            }
            let allowed = match ctx.inventory.environment(&a.name) {
                Some(e) if !e.regions.is_empty() => &e.regions,
                _ => &ctx.inventory.profile(a.tier).regions,
            };
            if allowed.is_empty() {
                continue;
            }
            for r in &f.infra.cloud_regions {
                let (severity, message) = match &r.value {
                    Setting::Text(name) if allowed.iter().any(|x| x.eq_ignore_ascii_case(name)) => continue,
                    Setting::Text(name) => (
                        Severity::Error,
                        format!(
                            "{} in {} is {name}, outside the allowed regions ({})",
                            r.key,
                            a.name,
                            allowed.join(", ")
                        ),
                    ),
                    Setting::Unknown(e) => (
                        Severity::Note,
                        format!(
                            "{} in {} is unknown (`{e}` does not resolve statically); not counted as an allowed region",
                            r.key, a.name
                        ),
                    ),
                    _ => continue,
                };
                out.push(
                    FindingBuilder::new(id, severity, loc(&f.path, r.region))
                        .message(message)
                        .environment(a.name.as_str())
                        .id(finding_id(id, &f.path, &r.key, &a.name))
                        .build(),
                );
            }
        }
    }
}
