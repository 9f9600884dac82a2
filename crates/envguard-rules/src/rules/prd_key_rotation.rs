use super::profile_common::{env_resources, flag, report};
use crate::{Context, Rule};
use envguard_infra::controls::Control;
use envguard_model::{Finding, RuleMeta, Severity};

crate::declare_rule! {
    /// # PRD.key-rotation
    ///
    /// ## What it does
    /// Finds a production KMS key (`aws_kms_key`) without automatic rotation:
    /// `enable_key_rotation` missing (the provider's default is off) or
    /// `false`. It fires only where the file's environment tier's profile
    /// asks for it (`key_rotation` in `[tiers.<tier>.profile]`; on for prod
    /// by default, off for dev and test). A value that does not resolve
    /// statically is a note naming the expression, never counted as met.
    ///
    /// ## Why it matters
    /// 004 "Encryption": customer-managed KMS keys *with automatic rotation*.
    /// A key that never rotates keeps every byte it ever encrypted behind one
    /// key material, and auditors of SOC 2 / ISO 27001 / CIS AWS 3.8 ask for
    /// rotation on every customer-managed key.
    ///
    /// ## Example
    /// ```hcl
    /// # terraform/envs/prod/kms.tf
    /// resource "aws_kms_key" "data" {
    ///   description = "records data"
    /// }
    /// ```
    /// ```text
    /// error[PRD.key-rotation] terraform/envs/prod/kms.tf:1:1 aws_kms_key.data in prod does not rotate automatically (`enable_key_rotation` is not set)
    /// ```
    ///
    /// ## Fix
    /// `enable_key_rotation = true` on the key.
    pub struct PrdKeyRotation {
        id: "PRD.key-rotation",
        summary: "A production KMS key without automatic rotation",
        severity: Severity::Error,
        clauses: "004 Encryption (automatic rotation)",
    }
}

impl Rule for PrdKeyRotation {
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
        for env in env_resources(ctx) {
            if !env.profile.key_rotation {
                continue;
            }
            for m in env.resources.iter().filter(|m| m.res.ty == "aws_kms_key") {
                let v = flag(m, Control::KeyRotation);
                report(
                    Self::META.id,
                    m,
                    env.name,
                    Control::KeyRotation,
                    v,
                    "does not rotate automatically",
                    out,
                );
            }
        }
    }
}
