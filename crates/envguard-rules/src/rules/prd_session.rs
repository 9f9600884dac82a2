use super::infra_common::loc;
use super::profile_common::{env_resources, flag, number, report, Verdict};
use crate::{finding_id, Context, Rule};
use envguard_infra::controls::Control;
use envguard_model::{Finding, FindingBuilder, RuleMeta, Severity};

crate::declare_rule! {
    /// # PRD.session
    ///
    /// ## What it does
    /// Finds a production IAM role (`aws_iam_role`) whose
    /// `max_session_duration` is above the profile's maximum (3600 seconds by
    /// default), or that people can assume without MFA: its trust policy
    /// (`jsonencode({...})` or a JSON string) allows `sts:AssumeRole` to an
    /// account, its root or an IAM user, and that statement has no
    /// `aws:MultiFactorAuthPresent` / `aws:MultiFactorAuthAge` condition.
    /// Roles for services, OIDC/SAML federation and other roles are not
    /// "assumed by people".
    ///
    /// It fires only where the file's environment tier's profile asks for it
    /// (`max_session_seconds`, `mfa` in `[tiers.<tier>.profile]`; on for prod
    /// by default, off for dev and test). A trust policy built elsewhere
    /// (`data.aws_iam_policy_document.x.json`) or a value that does not
    /// resolve statically is a note naming the expression, never counted as met.
    ///
    /// ## Why it matters
    /// 004 "Access control": MFA required for all access; session duration
    /// one hour maximum; no direct human access except break-glass. A
    /// twelve-hour session outlives the shift of the person who opened it; a
    /// role assumable without MFA turns one leaked access key into production
    /// access.
    ///
    /// ## Example
    /// ```hcl
    /// # terraform/envs/prod/iam.tf
    /// resource "aws_iam_role" "breakglass" {
    ///   name                 = "breakglass-prod"
    ///   max_session_duration = 43200
    ///   assume_role_policy = jsonencode({
    ///     Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
    ///       Principal = { AWS = "arn:aws:iam::111122223333:root" } }]
    ///   })
    /// }
    /// ```
    /// ```text
    /// error[PRD.session] terraform/envs/prod/iam.tf:3:26 aws_iam_role.breakglass in prod allows sessions of 43200 seconds; the prod profile allows at most 3600
    /// error[PRD.session] terraform/envs/prod/iam.tf:4:24 aws_iam_role.breakglass in prod can be assumed by people without MFA
    /// ```
    ///
    /// ## Fix
    /// `max_session_duration = 3600` (the default) and a condition
    /// `Bool = { "aws:MultiFactorAuthPresent" = "true" }` on every statement
    /// that lets people assume the role.
    pub struct PrdSession {
        id: "PRD.session",
        summary: "A production IAM role with sessions longer than the profile allows, or assumable by people without MFA",
        severity: Severity::Error,
        clauses: "004 Access Control (MFA, one-hour sessions)",
    }
}

impl Rule for PrdSession {
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
        for env in env_resources(ctx) {
            let p = env.profile;
            for m in env.resources.iter().filter(|m| m.res.ty == "aws_iam_role") {
                if let Some(max) = p.max_session_seconds {
                    match number(m, Control::MaxSessionSeconds) {
                        Err(v) => report(id, m, env.name, Control::MaxSessionSeconds, v, "", out),
                        Ok(Some((secs, path, region))) if secs > i64::from(max) => {
                            let addr = m.res.address();
                            out.push(
                                FindingBuilder::new(id, Severity::Error, loc(path, region))
                                    .message(format!(
                                        "{addr} in {} allows sessions of {secs} seconds; the {} profile allows at most {max}",
                                        env.name,
                                        env.tier.as_str()
                                    ))
                                    .environment(env.name)
                                    .id(finding_id(id, m.path, &format!("{addr}:MaxSessionSeconds"), env.name))
                                    .build(),
                            );
                        }
                        Ok(_) => {}
                    }
                }
                if !p.mfa {
                    continue;
                }
                match flag(m, Control::HumanAssumable) {
                    Verdict::Met => {
                        let v = flag(m, Control::MfaCondition);
                        report(
                            id,
                            m,
                            env.name,
                            Control::MfaCondition,
                            v,
                            "can be assumed by people without MFA",
                            out,
                        );
                    }
                    v @ Verdict::Unknown(..) => {
                        report(id, m, env.name, Control::HumanAssumable, v, "", out)
                    }
                    _ => {}
                }
            }
        }
    }
}
