use super::infra_common::loc;
use super::profile_common::{env_resources, number, report};
use crate::{finding_id, Context, Rule};
use envguard_infra::controls::Control;
use envguard_model::{Finding, FindingBuilder, RuleMeta, Severity};

crate::declare_rule! {
    /// # PRD.log-retention
    ///
    /// ## What it does
    /// Finds a production CloudWatch log group (`aws_cloudwatch_log_group`)
    /// whose `retention_in_days` is below the profile's minimum: 90 days for
    /// operational logs, two years (730 days) for audit logs (a group whose
    /// name holds `audit` or `cloudtrail`). A group without
    /// `retention_in_days` (or `0`) never expires, which meets any minimum.
    ///
    /// It fires only where the file's environment tier's profile asks for it
    /// (`log_retention_days`, `audit_log_retention_days` in
    /// `[tiers.<tier>.profile]`; 90 and 730 for prod by default, none for dev
    /// and test, whose short retention 000 §2 asks for). A value that does
    /// not resolve statically is a note naming the expression, never counted
    /// as met.
    ///
    /// ## Why it matters
    /// 004 "Data retention": 90 days of operational logs, two years of audit
    /// logs; 000 §5: AI and audit logs with environment-specific retention.
    /// Logs deleted after a week leave an incident, or an auditor's sample,
    /// without evidence.
    ///
    /// ## Example
    /// ```hcl
    /// # terraform/envs/prod/logs.tf
    /// resource "aws_cloudwatch_log_group" "api" {
    ///   name              = "/svc/api-prod"
    ///   retention_in_days = 14
    /// }
    /// ```
    /// ```text
    /// error[PRD.log-retention] terraform/envs/prod/logs.tf:3:23 aws_cloudwatch_log_group.api in prod keeps operational logs for 14 days; the prod profile asks for at least 90
    /// ```
    ///
    /// ## Fix
    /// `retention_in_days = 90` (operational) or `731` (audit: CloudWatch
    /// accepts 731, not 730), or set the profile's minimum for the tier.
    pub struct PrdLogRetention {
        id: "PRD.log-retention",
        summary: "A production log group kept for less than the profile's operational or audit retention",
        severity: Severity::Error,
        clauses: "004 Data retention; 000 §5 (environment-specific log retention)",
    }
}

impl Rule for PrdLogRetention {
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
            for m in env
                .resources
                .iter()
                .filter(|m| m.res.ty == "aws_cloudwatch_log_group")
            {
                let name = m
                    .res
                    .own_name
                    .as_deref()
                    .unwrap_or(&m.res.name)
                    .to_ascii_lowercase();
                let audit = name.contains("audit") || name.contains("cloudtrail");
                let (min, kind) = if audit {
                    (env.profile.audit_log_retention_days, "audit")
                } else {
                    (env.profile.log_retention_days, "operational")
                };
                let Some(min) = min else { continue };
                match number(m, Control::LogRetentionDays) {
                    Err(v) => report(id, m, env.name, Control::LogRetentionDays, v, "", out),
                    Ok(Some((days, p, region))) if days > 0 && days < i64::from(min) => {
                        let addr = m.res.address();
                        out.push(
                            FindingBuilder::new(id, Severity::Error, loc(p, region))
                                .message(format!(
                                    "{addr} in {} keeps {kind} logs for {days} days; the {} profile asks for at least {min}",
                                    env.name,
                                    env.tier.as_str()
                                ))
                                .environment(env.name)
                                .id(finding_id(id, m.path, &format!("{addr}:LogRetentionDays"), env.name))
                                .build(),
                        );
                    }
                    Ok(_) => {}
                }
            }
        }
    }
}
