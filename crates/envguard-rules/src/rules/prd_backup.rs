use super::profile_common::{env_resources, flag, number, report, Verdict};
use crate::{finding_id, Context, Rule};
use envguard_infra::controls::Control;
use envguard_model::{Finding, FindingBuilder, RuleMeta, Severity};

crate::declare_rule! {
    /// # PRD.backup
    ///
    /// ## What it does
    /// Finds a production table or database that cannot be recovered the way
    /// the profile asks: a DynamoDB table without `point_in_time_recovery {
    /// enabled = true }` or `deletion_protection_enabled`; an RDS instance or
    /// Aurora cluster whose `backup_retention_period` is below the profile's
    /// minimum (30 days by default), without `deletion_protection`, or (an
    /// instance) without `multi_az`.
    ///
    /// It fires only where the file's environment tier's profile asks for
    /// the control (`pitr`, `backup_retention_days`, `deletion_protection`,
    /// `multi_az` in `[tiers.<tier>.profile]`; on for prod by default, off
    /// for dev and test): a dev table without PITR is not reported. A value
    /// that does not resolve statically is a note naming the expression,
    /// never counted as met.
    ///
    /// ## Why it matters
    /// 004 "Backup": continuous backup with point-in-time recovery, 30-day
    /// retention; 004 "Disaster recovery": RPO 15 minutes; 004
    /// "Availability": multi-AZ deployment with automatic failover. A
    /// production database that one `terraform destroy` or one console click
    /// can delete, or whose backups are gone after a week, breaks the RPO the
    /// platform promises.
    ///
    /// ## Example
    /// ```hcl
    /// # terraform/envs/prod/dynamodb.tf
    /// resource "aws_dynamodb_table" "documents" {
    ///   name = "nc-dp-prod-documents"
    /// }
    /// ```
    /// ```text
    /// error[PRD.backup] terraform/envs/prod/dynamodb.tf:1:1 aws_dynamodb_table.documents in prod has no point-in-time recovery (`point_in_time_recovery` is not set)
    /// ```
    ///
    /// ## Fix
    /// `point_in_time_recovery { enabled = true }` and
    /// `deletion_protection_enabled = true` on tables;
    /// `backup_retention_period = 30` (or more), `deletion_protection = true`
    /// and `multi_az = true` on databases.
    pub struct PrdBackup {
        id: "PRD.backup",
        summary: "A production table or database without point-in-time recovery, enough backup retention, deletion protection or multi-AZ",
        severity: Severity::Error,
        clauses: "004 Backup; 004 Disaster Recovery; 004 Availability",
    }
}

impl Rule for PrdBackup {
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
            for m in &env.resources {
                let ty = m.res.ty.as_str();
                let table = ty == "aws_dynamodb_table";
                let db = matches!(ty, "aws_db_instance" | "aws_rds_cluster");
                if !table && !db {
                    continue;
                }
                if table && p.pitr {
                    let v = flag(m, Control::Pitr);
                    report(
                        id,
                        m,
                        env.name,
                        Control::Pitr,
                        v,
                        "has no point-in-time recovery",
                        out,
                    );
                }
                if p.deletion_protection {
                    let v = flag(m, Control::DeletionProtection);
                    report(
                        id,
                        m,
                        env.name,
                        Control::DeletionProtection,
                        v,
                        "has no deletion protection",
                        out,
                    );
                }
                if ty == "aws_db_instance" && p.multi_az {
                    let v = flag(m, Control::MultiAz);
                    report(
                        id,
                        m,
                        env.name,
                        Control::MultiAz,
                        v,
                        "is not deployed across availability zones",
                        out,
                    );
                }
                let Some(min) = p.backup_retention_days.filter(|_| db) else {
                    continue;
                };
                match number(m, Control::BackupRetentionDays) {
                    Err(v) => report(id, m, env.name, Control::BackupRetentionDays, v, "", out),
                    Ok(None) => report(
                        id,
                        m,
                        env.name,
                        Control::BackupRetentionDays,
                        Verdict::Missing,
                        &format!("keeps backups for less than the profile's {min} days"),
                        out,
                    ),
                    Ok(Some((days, path, region))) if days < i64::from(min) => {
                        let addr = m.res.address();
                        out.push(
                            FindingBuilder::new(id, Severity::Error, super::infra_common::loc(path, region))
                                .message(format!(
                                    "{addr} in {} keeps backups for {days} days; the {} profile asks for at least {min}",
                                    env.name,
                                    env.tier.as_str()
                                ))
                                .environment(env.name)
                                .id(finding_id(id, m.path, &format!("{addr}:BackupRetentionDays"), env.name))
                                .build(),
                        );
                    }
                    Ok(Some(_)) => {}
                }
            }
        }
    }
}
