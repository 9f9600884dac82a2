//! Helpers shared by the production profile rules (`PRD.*`, 004): the
//! resources of each environment with their companions merged, and one way
//! to report a control that is missing, off or unknown.

use super::infra_common::loc;
use crate::{finding_id, Context};
use envguard_infra::controls::{merge, Control, ControlValue, InfraResource, Merged, Setting};
use envguard_model::{Finding, FindingBuilder, Profile, Region, Severity, Tier};

/// The resources of one environment, companions folded in.
pub(crate) struct EnvResources<'a> {
    pub name: &'a str,
    pub tier: Tier,
    pub profile: &'a Profile,
    pub resources: Vec<Merged<'a>>,
}

/// An environment's name, tier and resources with the file each is in.
type Group<'a> = (&'a str, Tier, Vec<(&'a str, &'a InfraResource)>);

/// Every environment holding controlled resources, in order of first file.
pub(crate) fn env_resources<'a>(ctx: &'a Context<'a>) -> Vec<EnvResources<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for f in ctx.files {
        let Some(a) = &f.env else { continue };
        if f.infra.resources.is_empty() {
            continue;
        }
        let i = match groups.iter().position(|(n, ..)| *n == a.name) {
            Some(i) => i,
            None => {
                groups.push((&a.name, a.tier, Vec::new()));
                groups.len() - 1
            }
        };
        groups[i]
            .2
            .extend(f.infra.resources.iter().map(|r| (f.path.as_str(), r)));
    }
    groups
        .into_iter()
        .map(|(name, tier, items)| EnvResources {
            name,
            tier,
            profile: ctx.inventory.profile(tier),
            resources: merge(&items),
        })
        .collect()
}

/// What a required on/off control says.
pub(crate) enum Verdict<'a> {
    Met,
    /// Not written: the provider's default (off) applies.
    Missing,
    Off(&'a str, Region),
    Unknown(&'a str, Region, &'a str),
}

/// Judges an on/off control of a merged resource.
pub(crate) fn flag<'a>(m: &Merged<'a>, c: Control) -> Verdict<'a> {
    match m.get(c) {
        None => Verdict::Missing,
        Some((
            p,
            ControlValue {
                setting, region, ..
            },
        )) => match setting {
            Setting::On => Verdict::Met,
            Setting::Unknown(e) => Verdict::Unknown(p, *region, e),
            _ => Verdict::Off(p, *region),
        },
    }
}

/// Builds the finding for a verdict that is not met: an error (the rule's
/// severity) where the control is missing or off, a note where the value
/// does not resolve. `what`: the sentence after the resource address
/// (`has no customer-managed KMS key`).
pub(crate) fn report(
    rule: &'static str,
    m: &Merged<'_>,
    env: &str,
    control: Control,
    verdict: Verdict<'_>,
    what: &str,
    out: &mut Vec<Finding>,
) {
    let addr = m.res.address();
    let (severity, path, region, message) = match verdict {
        Verdict::Met => return,
        Verdict::Missing => (
            Severity::Error,
            m.path,
            m.res.region,
            format!("{addr} in {env} {what} (`{}` is not set)", written(&m.res.ty, control)),
        ),
        Verdict::Off(p, r) => (Severity::Error, p, r, format!("{addr} in {env} {what}")),
        Verdict::Unknown(p, r, e) => (
            Severity::Note,
            p,
            r,
            format!(
                "{addr} in {env}: `{}` is unknown (`{e}` does not resolve statically); the control is not counted as met",
                written(&m.res.ty, control)
            ),
        ),
    };
    out.push(
        FindingBuilder::new(rule, severity, loc(path, region))
            .message(message)
            .environment(env)
            .id(finding_id(
                rule,
                m.path,
                &format!("{addr}:{control:?}"),
                env,
            ))
            .build(),
    );
}

/// A number of a merged resource: `Ok(None)` when not written, `Err` (with
/// the note already pushed) when unknown.
pub(crate) fn number<'a>(
    m: &Merged<'a>,
    c: Control,
) -> Result<Option<(i64, &'a str, Region)>, Verdict<'a>> {
    match m.get(c) {
        None => Ok(None),
        Some((p, v)) => match &v.setting {
            Setting::Num(n) => Ok(Some((*n, p, v.region))),
            Setting::Unknown(e) => Err(Verdict::Unknown(p, v.region, e)),
            _ => Ok(None),
        },
    }
}

/// The attribute that sets a control on a resource type, as a reader writes it.
pub(crate) fn written(ty: &str, c: Control) -> &'static str {
    match (c, ty) {
        (Control::Encrypted, "terraform_backend") => "encrypt",
        (Control::Encrypted, "aws_ebs_volume") => "encrypted",
        (Control::Encrypted, "aws_dynamodb_table") => "server_side_encryption.enabled",
        (Control::Encrypted, "aws_s3_bucket") => "sse_algorithm",
        (Control::Encrypted, _) => "storage_encrypted",
        (Control::KmsKey, "aws_dynamodb_table") => "server_side_encryption.kms_key_arn",
        (Control::KmsKey, "aws_s3_bucket" | "aws_sqs_queue" | "aws_sns_topic") => {
            "kms_master_key_id"
        }
        (Control::KmsKey, _) => "kms_key_id",
        (Control::Pitr, _) => "point_in_time_recovery.enabled",
        (Control::DeletionProtection, "aws_dynamodb_table") => "deletion_protection_enabled",
        (Control::ObjectLock, _) => "object_lock_enabled",
        (Control::ObjectLockMode, _) => "default_retention.mode",
        (Control::ObjectLockDays, _) => "default_retention.days",
        (Control::MfaCondition, _) => "aws:MultiFactorAuthPresent",
        (Control::HumanAssumable, _) => "assume_role_policy",
        (other, _) => other.as_str(),
    }
}
