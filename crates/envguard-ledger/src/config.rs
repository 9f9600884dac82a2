//! Per-environment ledger settings (`<dir>/<env>/ledger.toml`): origin,
//! retention, PII policy and the access policy.

use envguard_model::Tier;
use serde::{Deserialize, Serialize};

/// What a ledger does with an event that carries PII/PHI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PiiPolicy {
    /// Store as given (production only: 000 §5 allows PHI in prod AI logs under access control).
    Allow,
    /// Refuse the whole batch.
    Reject,
    /// Replace each detected span with a `[REDACTED:KIND]` tag before hashing.
    Redact,
}

/// Which roles may append, read (prove, consistency, verify, stats) and export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessPolicy {
    pub append: Vec<String>,
    pub read: Vec<String>,
    pub export: Vec<String>,
}

/// The operation a role asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Append,
    Read,
    Export,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Append => "append",
            Access::Read => "read",
            Access::Export => "export",
        }
    }
}

impl AccessPolicy {
    pub fn allows(&self, role: &str, access: Access) -> bool {
        let list = match access {
            Access::Append => &self.append,
            Access::Read => &self.read,
            Access::Export => &self.export,
        };
        list.iter().any(|r| r == role || r == "*")
    }
}

impl Default for AccessPolicy {
    fn default() -> Self {
        AccessPolicy {
            append: vec!["operator".into(), "app".into()],
            read: vec!["operator".into(), "auditor".into()],
            export: vec!["operator".into(), "auditor".into()],
        }
    }
}

/// A ledger's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerConfig {
    pub environment: String,
    /// The checkpoint origin line (and note key name).
    pub origin: String,
    pub tier: Tier,
    /// Payloads older than this many days are dropped by `prune` (leaf hashes stay).
    pub retention_days: u32,
    pub pii_policy: PiiPolicy,
    pub access: AccessPolicy,
}

impl LedgerConfig {
    /// Defaults per tier: 004 keeps audit logs 2 years in prod; dev and test
    /// AI logs are short-lived and may not hold PII (000 §2, §5).
    pub fn defaults(environment: &str) -> LedgerConfig {
        let tier = Tier::of_alias(environment).unwrap_or(Tier::Test);
        let (retention_days, pii_policy) = match tier {
            Tier::Prod => (730, PiiPolicy::Allow),
            Tier::Test => (90, PiiPolicy::Reject),
            Tier::Dev => (30, PiiPolicy::Reject),
        };
        LedgerConfig {
            environment: environment.to_owned(),
            origin: format!("envguard.invalid/ledger/{environment}"),
            tier,
            retention_days,
            pii_policy,
            access: AccessPolicy::default(),
        }
    }
}
