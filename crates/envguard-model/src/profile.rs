//! The production profile (004): the controls a tier's infrastructure must
//! have, `[tiers.<tier>.profile]` in `envguard.toml`.
//!
//! Zero-config works: the prod tier requires what 004 describes
//! (customer-managed KMS keys with rotation, point-in-time recovery and 30
//! days of backups, deletion protection and multi-AZ databases, immutable
//! audit logs, 90 days of operational and two years of audit logs, one-hour
//! sessions with MFA, an encrypted state backend); dev and test tiers require
//! nothing, so a dev table without PITR is never reported. A
//! `[tiers.<tier>.profile]` table changes the keys it names and keeps the
//! tier's defaults for the others.

use crate::tier::Tier;
use serde::{Deserialize, Serialize};

/// The controls one tier requires. `false` / `None`: not required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// Data stores (S3, DynamoDB, RDS/Aurora, EBS, SQS, SNS, log groups)
    /// encrypted at rest by a customer-managed KMS key (004 "Encryption").
    pub customer_managed_keys: bool,
    /// KMS keys with automatic rotation (004 "Encryption").
    pub key_rotation: bool,
    /// DynamoDB point-in-time recovery, continuous backup (004 "Backup").
    pub pitr: bool,
    /// Minimum backup retention of databases, in days (004 "Backup": 30).
    pub backup_retention_days: Option<u32>,
    /// Databases with deletion protection.
    pub deletion_protection: bool,
    /// Database instances deployed across availability zones (004 "Availability").
    pub multi_az: bool,
    /// CloudTrail log-file validation and S3 Object Lock in compliance mode
    /// on its bucket (004 "Immutable audit logs").
    pub audit_log_immutable: bool,
    /// Minimum retention of operational log groups, in days (004: 90).
    pub log_retention_days: Option<u32>,
    /// Minimum retention of audit log groups and audit buckets' Object Lock, in days (004: 2 years).
    pub audit_log_retention_days: Option<u32>,
    /// Longest IAM role session, in seconds (004 "Session duration: 1 hour").
    pub max_session_seconds: Option<u32>,
    /// Roles that people assume require MFA (004 "MFA required for all access").
    pub mfa: bool,
    /// The Terraform state backend encrypts the state (004 "Module Usage").
    pub encrypted_state: bool,
    /// A control present in a lower environment's equivalent resource may not
    /// be missing or weaker here (`PRD.parity`).
    pub parity: bool,
    /// Cloud regions the tier's infrastructure may use (`RES.region`, 000 §1);
    /// empty: not checked. An environment's own `regions` take precedence.
    pub regions: Vec<String>,
}

impl Profile {
    /// Requires nothing: the default of the dev and test tiers.
    pub const NONE: Profile = Profile {
        customer_managed_keys: false,
        key_rotation: false,
        pitr: false,
        backup_retention_days: None,
        deletion_protection: false,
        multi_az: false,
        audit_log_immutable: false,
        log_retention_days: None,
        audit_log_retention_days: None,
        max_session_seconds: None,
        mfa: false,
        encrypted_state: false,
        parity: false,
        regions: Vec::new(),
    };

    /// What 004 requires of production.
    pub const PROD: Profile = Profile {
        customer_managed_keys: true,
        key_rotation: true,
        pitr: true,
        backup_retention_days: Some(30),
        deletion_protection: true,
        multi_az: true,
        audit_log_immutable: true,
        log_retention_days: Some(90),
        audit_log_retention_days: Some(730),
        max_session_seconds: Some(3600),
        mfa: true,
        encrypted_state: true,
        parity: true,
        regions: Vec::new(),
    };

    /// The zero-config profile of a tier.
    pub fn default_for(tier: Tier) -> Profile {
        match tier {
            Tier::Prod => Profile::PROD,
            Tier::Dev | Tier::Test => Profile::NONE,
        }
    }

    /// True when the profile requires any control at all.
    pub fn requires_anything(&self) -> bool {
        *self != Profile::NONE
    }

    /// The tier's default with the keys `raw` names changed.
    pub(crate) fn overlay(mut self, raw: &RawProfile) -> Profile {
        macro_rules! set {
            ($($flag:ident),*) => { $( if let Some(v) = raw.$flag { self.$flag = v; } )* };
        }
        set!(
            customer_managed_keys,
            key_rotation,
            pitr,
            deletion_protection,
            multi_az,
            audit_log_immutable,
            mfa,
            encrypted_state,
            parity
        );
        // 0 turns a minimum (or maximum) off.
        macro_rules! num {
            ($($n:ident),*) => { $( if let Some(v) = raw.$n { self.$n = (v > 0).then_some(v); } )* };
        }
        num!(
            backup_retention_days,
            log_retention_days,
            audit_log_retention_days,
            max_session_seconds
        );
        if let Some(r) = &raw.regions {
            self.regions = r.clone();
        }
        self
    }
}

/// `[tiers.<tier>]` as written: only the `profile` table, read on its own.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTier {}

/// `[tiers.<tier>.profile]` as written: every key optional.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProfile {
    customer_managed_keys: Option<bool>,
    key_rotation: Option<bool>,
    pitr: Option<bool>,
    backup_retention_days: Option<u32>,
    deletion_protection: Option<bool>,
    multi_az: Option<bool>,
    audit_log_immutable: Option<bool>,
    log_retention_days: Option<u32>,
    audit_log_retention_days: Option<u32>,
    max_session_seconds: Option<u32>,
    mfa: Option<bool>,
    encrypted_state: Option<bool>,
    parity: Option<bool>,
    regions: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prod_requires_004_and_lower_tiers_nothing() {
        assert!(Profile::default_for(Tier::Prod).requires_anything());
        assert_eq!(
            Profile::default_for(Tier::Prod).backup_retention_days,
            Some(30)
        );
        assert!(!Profile::default_for(Tier::Dev).requires_anything());
        assert!(!Profile::default_for(Tier::Test).requires_anything());
        let raw = RawProfile {
            pitr: Some(true),
            backup_retention_days: Some(7),
            ..RawProfile::default()
        };
        let staging = Profile::default_for(Tier::Test).overlay(&raw);
        assert!(staging.pitr && !staging.key_rotation);
        assert_eq!(staging.backup_retention_days, Some(7));
        let off = RawProfile {
            max_session_seconds: Some(0),
            ..RawProfile::default()
        };
        assert_eq!(Profile::PROD.overlay(&off).max_session_seconds, None);
    }
}
