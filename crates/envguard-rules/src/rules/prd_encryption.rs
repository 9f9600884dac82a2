use super::profile_common::{env_resources, flag, report, Verdict};
use crate::{Context, Rule};
use envguard_infra::controls::Control;
use envguard_model::{Finding, RuleMeta, Severity};

crate::declare_rule! {
    /// # PRD.encryption
    ///
    /// ## What it does
    /// Finds a production data store that is not encrypted at rest by a
    /// customer-managed KMS key: an S3 bucket without SSE-KMS and a key of
    /// the account's own (in its inline `server_side_encryption_configuration`
    /// or the `aws_s3_bucket_server_side_encryption_configuration` that names
    /// it), a DynamoDB table without `server_side_encryption { enabled,
    /// kms_key_arn }`, an RDS instance or Aurora cluster without
    /// `storage_encrypted` and `kms_key_id`, an EBS volume, SQS queue, SNS
    /// topic or CloudWatch log group without a KMS key, and a Terraform state
    /// backend without `encrypt = true` and `kms_key_id`.
    ///
    /// It fires only where the file's environment tier's profile asks for it
    /// (`customer_managed_keys`, `encrypted_state` in `[tiers.<tier>.profile]`;
    /// on for prod by default, off for dev and test): a dev bucket with the
    /// S3 default encryption is not reported. A key written as a reference to
    /// an `aws_kms_key` or `aws_kms_alias` counts; `alias/aws/…` (AWS-managed
    /// keys) does not. A value that does not resolve statically (a variable
    /// without a default, a module output) is a note naming the expression,
    /// never counted as met.
    ///
    /// ## Why it matters
    /// 004 "Encryption": data at rest in production is encrypted with
    /// customer-managed KMS keys (`alias/nc-dp-data-prod`); 004 "Security
    /// posture": encryption everywhere with customer-managed keys; 004
    /// "Module usage": the state backend sets `encrypt = true` and a
    /// `kms_key_id`. With an AWS-managed key, the account cannot restrict who
    /// decrypts, cannot rotate on its own schedule and cannot revoke access
    /// by disabling the key.
    ///
    /// ## Example
    /// ```hcl
    /// # terraform/envs/prod/rds.tf
    /// resource "aws_db_instance" "records" {
    ///   identifier        = "records-prod"
    ///   storage_encrypted = true
    /// }
    /// ```
    /// ```text
    /// error[PRD.encryption] terraform/envs/prod/rds.tf:2:1 aws_db_instance.records in prod is not encrypted by a customer-managed KMS key (`customer-managed KMS key` is not set)
    /// ```
    ///
    /// ## Fix
    /// Give the store a key of the account's own: `kms_key_id =
    /// aws_kms_key.data.arn` (S3: `sse_algorithm = "aws:kms"` with
    /// `kms_master_key_id`), and `encrypt = true` with `kms_key_id` in the
    /// state backend.
    pub struct PrdEncryption {
        id: "PRD.encryption",
        summary: "A production data store or state backend not encrypted at rest by a customer-managed KMS key",
        severity: Severity::Error,
        clauses: "004 Encryption; 004 Security Posture; 004 Module Usage (backend encrypt)",
    }
}

/// Stores with an encryption switch of their own (off by default).
const SWITCHED: &[&str] = &[
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_ebs_volume",
    "aws_dynamodb_table",
];

/// Stores that take a KMS key.
const STORES: &[&str] = &[
    "aws_s3_bucket",
    "aws_dynamodb_table",
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_ebs_volume",
    "aws_sqs_queue",
    "aws_sns_topic",
    "aws_cloudwatch_log_group",
];

impl Rule for PrdEncryption {
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
                if ty == "terraform_backend" {
                    if p.encrypted_state {
                        let v = flag(m, Control::Encrypted);
                        let off = !matches!(v, Verdict::Met);
                        report(
                            id,
                            m,
                            env.name,
                            Control::Encrypted,
                            v,
                            "does not encrypt the state",
                            out,
                        );
                        if off {
                            continue;
                        }
                    }
                    if p.customer_managed_keys {
                        let v = flag(m, Control::KmsKey);
                        report(
                            id,
                            m,
                            env.name,
                            Control::KmsKey,
                            v,
                            "encrypts the state without a customer-managed KMS key",
                            out,
                        );
                    }
                    continue;
                }
                if !p.customer_managed_keys || !STORES.contains(&ty) {
                    continue;
                }
                if SWITCHED.contains(&ty) {
                    let v = flag(m, Control::Encrypted);
                    if !matches!(v, Verdict::Met) {
                        report(
                            id,
                            m,
                            env.name,
                            Control::Encrypted,
                            v,
                            "is not encrypted at rest",
                            out,
                        );
                        continue;
                    }
                }
                let v = flag(m, Control::KmsKey);
                report(
                    id,
                    m,
                    env.name,
                    Control::KmsKey,
                    v,
                    "is not encrypted by a customer-managed KMS key",
                    out,
                );
            }
        }
    }
}
