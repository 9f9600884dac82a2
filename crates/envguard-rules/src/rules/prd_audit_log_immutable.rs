use super::infra_common::loc;
use super::profile_common::{env_resources, flag, number, report, Verdict};
use crate::{finding_id, Context, Rule};
use envguard_infra::controls::{Control, Setting};
use envguard_model::{Finding, FindingBuilder, RuleMeta, Severity};

crate::declare_rule! {
    /// # PRD.audit-log-immutable
    ///
    /// ## What it does
    /// Finds a production audit trail that can be altered: an
    /// `aws_cloudtrail` without `enable_log_file_validation = true`, or
    /// writing to an S3 bucket (named by reference or by its name, among the
    /// environment's files) without Object Lock in `COMPLIANCE` mode and a
    /// default retention at least the profile's audit-log retention (two
    /// years by default). The bucket's `object_lock_enabled` and its
    /// `aws_s3_bucket_object_lock_configuration` (or the inline block of
    /// provider v3) are read together.
    ///
    /// It fires only where the file's environment tier's profile asks for it
    /// (`audit_log_immutable`, `audit_log_retention_days` in
    /// `[tiers.<tier>.profile]`; on for prod by default, off for dev and
    /// test). A trail whose bucket is not defined in the environment's files,
    /// or a value that does not resolve statically, is a note: never
    /// counted as met.
    ///
    /// ## Why it matters
    /// 004 "Security posture": immutable audit logs, CloudTrail with S3
    /// Object Lock, cannot be altered or deleted; 004 "Data retention": two
    /// years of audit logs; 000 §2 PROD "Audit: append-only audit
    /// requirements apply". Governance mode lets any principal with
    /// `s3:BypassGovernanceRetention` delete the evidence; without log-file
    /// validation, edited log files go unnoticed.
    ///
    /// ## Example
    /// ```hcl
    /// # terraform/envs/prod/audit.tf
    /// resource "aws_cloudtrail" "main" {
    ///   name           = "org-trail-prod"
    ///   s3_bucket_name = aws_s3_bucket.audit.id
    /// }
    /// resource "aws_s3_bucket" "audit" {
    ///   bucket = "nc-audit-prod"
    /// }
    /// ```
    /// ```text
    /// error[PRD.audit-log-immutable] terraform/envs/prod/audit.tf:1:1 aws_cloudtrail.main in prod does not validate its log files (`enable_log_file_validation` is not set)
    /// error[PRD.audit-log-immutable] terraform/envs/prod/audit.tf:5:1 aws_s3_bucket.audit in prod holds the audit trail without Object Lock (`object lock` is not set)
    /// ```
    ///
    /// ## Fix
    /// `enable_log_file_validation = true` on the trail; `object_lock_enabled
    /// = true` on its bucket and an `aws_s3_bucket_object_lock_configuration`
    /// with `mode = "COMPLIANCE"` and `years = 2` (or `days = 730`).
    pub struct PrdAuditLogImmutable {
        id: "PRD.audit-log-immutable",
        summary: "The production audit trail without log-file validation, or its bucket without Object Lock in compliance mode for the audit retention",
        severity: Severity::Error,
        clauses: "004 Security Posture (immutable audit logs); 004 Data retention; 000 §2 PROD (append-only audit)",
    }
}

impl Rule for PrdAuditLogImmutable {
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
            if !env.profile.audit_log_immutable {
                continue;
            }
            let min = env.profile.audit_log_retention_days;
            for trail in env
                .resources
                .iter()
                .filter(|m| m.res.ty == "aws_cloudtrail")
            {
                let v = flag(trail, Control::LogFileValidation);
                report(
                    id,
                    trail,
                    env.name,
                    Control::LogFileValidation,
                    v,
                    "does not validate its log files",
                    out,
                );
                let Some(target) = trail.res.log_bucket.as_deref() else {
                    continue;
                };
                let bucket = env.resources.iter().find(|b| {
                    b.res.ty == "aws_s3_bucket"
                        && (b.res.address() == target || b.res.own_name.as_deref() == Some(target))
                });
                let Some(b) = bucket else {
                    let addr = trail.res.address();
                    out.push(
                        FindingBuilder::new(id, Severity::Note, loc(trail.path, trail.res.region))
                            .message(format!(
                                "{addr} in {} writes to `{target}`, which no file of {} defines: its Object Lock is unknown and not counted as met",
                                env.name, env.name
                            ))
                            .environment(env.name)
                            .id(finding_id(id, trail.path, &format!("{addr}:bucket"), env.name))
                            .build(),
                    );
                    continue;
                };
                let lock = flag(b, Control::ObjectLock);
                if !matches!(lock, Verdict::Met) {
                    report(
                        id,
                        b,
                        env.name,
                        Control::ObjectLock,
                        lock,
                        "holds the audit trail without Object Lock",
                        out,
                    );
                    continue;
                }
                match b.get(Control::ObjectLockMode) {
                    Some((p, v)) => match &v.setting {
                        Setting::Text(t) if t.eq_ignore_ascii_case("COMPLIANCE") => {}
                        Setting::Unknown(e) => report(id, b, env.name, Control::ObjectLockMode, Verdict::Unknown(p, v.region, e), "", out),
                        _ => report(id, b, env.name, Control::ObjectLockMode, Verdict::Off(p, v.region), "locks the audit trail in governance mode, which privileged users can bypass (use COMPLIANCE)", out),
                    },
                    None => report(id, b, env.name, Control::ObjectLockMode, Verdict::Missing, "holds the audit trail without a default Object Lock retention in COMPLIANCE mode", out),
                }
                let Some(min) = min else { continue };
                match number(b, Control::ObjectLockDays) {
                    Err(v) => report(id, b, env.name, Control::ObjectLockDays, v, "", out),
                    Ok(Some((days, p, region))) if days < i64::from(min) => {
                        let addr = b.res.address();
                        out.push(
                            FindingBuilder::new(id, Severity::Error, loc(p, region))
                                .message(format!(
                                    "{addr} in {} locks audit logs for {days} days; the {} profile asks for at least {min}",
                                    env.name,
                                    env.tier.as_str()
                                ))
                                .environment(env.name)
                                .id(finding_id(id, b.path, &format!("{addr}:ObjectLockDays"), env.name))
                                .build(),
                        );
                    }
                    Ok(_) => {}
                }
            }
        }
    }
}
