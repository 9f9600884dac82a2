use super::infra_common::loc;
use super::profile_common::env_resources;
use crate::{finding_id, Context, Rule};
use envguard_infra::controls::{Control, Merged, Setting};
use envguard_model::{Finding, FindingBuilder, RuleMeta, Severity};

crate::declare_rule! {
    /// # PRD.parity
    ///
    /// ## What it does
    /// Compares the same resource across environment folders — the same
    /// resource address (`aws_db_instance.records`) in `envs/staging/` and
    /// `envs/prod/` — and finds a control that a lower environment has and
    /// production lacks or has weaker: deletion protection, multi-AZ, PITR,
    /// encryption or a customer-managed key, key rotation, log-file
    /// validation, Object Lock, versioning or MFA on in staging and off or
    /// missing in prod; a longer backup, log or Object Lock retention, or a
    /// shorter maximum session, in staging than in prod. "Prod is weaker than
    /// staging."
    ///
    /// It fires only where the environment's tier profile asks for it
    /// (`parity` in `[tiers.<tier>.profile]`; on for prod by default), and
    /// compares with environments of a lower tier. Values that do not
    /// resolve statically on either side are not compared.
    ///
    /// ## Why it matters
    /// 004 "Deployment": changes must be validated in staging first. A
    /// control that staging has and production lacks is a change that was
    /// validated and then not shipped, or a production resource edited by
    /// hand: either way production is protected less than the environment
    /// that holds no customer data (000 §2). Per-resource scanners cannot see
    /// it, because each resource alone may look acceptable.
    ///
    /// ## Example
    /// ```hcl
    /// # terraform/envs/staging/rds.tf
    /// resource "aws_db_instance" "records" {
    ///   deletion_protection = true
    /// }
    /// # terraform/envs/prod/rds.tf
    /// resource "aws_db_instance" "records" {
    ///   deletion_protection = false
    /// }
    /// ```
    /// ```text
    /// error[PRD.parity] terraform/envs/prod/rds.tf:2:25 aws_db_instance.records: deletion_protection is on in staging and off in prod
    /// ```
    ///
    /// ## Fix
    /// Bring production up to the lower environment (`deletion_protection =
    /// true`), ideally from one shared module whose inputs differ only in
    /// sizes and names.
    pub struct PrdParity {
        id: "PRD.parity",
        summary: "A control present in a lower environment's resource is missing or weaker in production",
        severity: Severity::Error,
        clauses: "004 Deployment (validated in staging first); 000 §2 PROD",
    }
}

/// On/off controls compared.
const FLAGS: &[Control] = &[
    Control::Encrypted,
    Control::KmsKey,
    Control::KeyRotation,
    Control::Pitr,
    Control::DeletionProtection,
    Control::MultiAz,
    Control::LogFileValidation,
    Control::ObjectLock,
    Control::Versioning,
    Control::MfaCondition,
];

/// Numbers compared: (control, true when more is stronger).
const NUMBERS: &[(Control, bool)] = &[
    (Control::BackupRetentionDays, true),
    (Control::ObjectLockDays, true),
    (Control::LogRetentionDays, true),
    (Control::MaxSessionSeconds, false),
];

impl Rule for PrdParity {
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
        let envs = env_resources(ctx);
        for hi in envs.iter().filter(|e| e.profile.parity) {
            for m in &hi.resources {
                let addr = m.res.address();
                for lo in envs.iter().filter(|e| e.tier < hi.tier) {
                    let Some(peer) = lo.resources.iter().find(|p| p.res.address() == addr) else {
                        continue;
                    };
                    compare(m, hi.name, peer, lo.name, &addr, out);
                }
            }
        }
    }
}

fn on(m: &Merged<'_>, c: Control) -> Option<bool> {
    match m.get(c).map(|(_, v)| &v.setting) {
        Some(Setting::On) => Some(true),
        Some(Setting::Unknown(_)) => None,
        Some(_) | None => Some(false),
    }
}

/// A number as the provider reads it: absent retention of a log group is
/// "never expire", an absent session is the 3600-second default.
fn num(m: &Merged<'_>, c: Control) -> Option<i64> {
    match m.get(c).map(|(_, v)| &v.setting) {
        Some(Setting::Num(n)) if c == Control::LogRetentionDays && *n == 0 => Some(i64::MAX),
        Some(Setting::Num(n)) => Some(*n),
        Some(_) => None,
        // Log groups never expire and sessions last an hour by default; a
        // backup or lock retention left unset is judged by PRD.backup and
        // PRD.audit-log-immutable, not compared here.
        None => match c {
            Control::LogRetentionDays => Some(i64::MAX),
            Control::MaxSessionSeconds => Some(3600),
            _ => None,
        },
    }
}

fn compare(
    hi: &Merged<'_>,
    hi_env: &str,
    lo: &Merged<'_>,
    lo_env: &str,
    addr: &str,
    out: &mut Vec<Finding>,
) {
    let id = PrdParity::META.id;
    let mut push = |c: Control, message: String| {
        let (path, region) = hi
            .get(c)
            .map(|(p, v)| (p, v.region))
            .unwrap_or((hi.path, hi.res.region));
        let mut b = FindingBuilder::new(id, Severity::Error, loc(path, region))
            .message(message)
            .environment(hi_env)
            .environment(lo_env)
            .id(finding_id(
                id,
                hi.path,
                &format!("{addr}:{c:?}:{lo_env}"),
                hi_env,
            ));
        if let Some((p, v)) = lo.get(c) {
            b = b.related(format!("{} in {lo_env}", c.as_str()), loc(p, v.region));
        }
        out.push(b.build());
    };
    for &c in FLAGS {
        if on(lo, c) == Some(true) && on(hi, c) == Some(false) {
            let state = if hi.get(c).is_some() {
                "off"
            } else {
                "missing"
            };
            let name = super::profile_common::written(&hi.res.ty, c);
            push(
                c,
                format!("{addr}: {name} is on in {lo_env} and {state} in {hi_env}"),
            );
        }
    }
    for &(c, more) in NUMBERS {
        let (Some(l), Some(h)) = (num(lo, c), num(hi, c)) else {
            continue;
        };
        let weaker = if more { h < l } else { h > l };
        if weaker && lo.get(c).is_some() {
            let show = |n: i64| {
                if n == i64::MAX {
                    "never expire".to_owned()
                } else {
                    n.to_string()
                }
            };
            let name = super::profile_common::written(&hi.res.ty, c);
            push(
                c,
                format!(
                    "{addr}: {name} is {} in {lo_env} and {} in {hi_env}",
                    show(l),
                    show(h)
                ),
            );
        }
    }
}
