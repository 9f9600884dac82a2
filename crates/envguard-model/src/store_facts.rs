//! What a secret store looks like to an auditor (000 §4), whatever the store:
//! the embedded store of `envguard-secrets` and a Vault/OpenBao server both
//! describe themselves with these facts, and the `SEC.*` rules read only them.
//! No value is ever part of them: paths, kinds and times only.

use crate::Tier;
use serde::{Deserialize, Serialize};

/// A store as a set of facts, taken at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreFacts {
    /// `embedded`, `openbao`, …
    pub backend: String,
    /// Where the store is (a directory, a server address): the path findings point at.
    pub source: String,
    /// The moment the facts describe, in Unix seconds (ages are counted from it).
    pub as_of_unix: i64,
    /// A secret due for rotation within this many days is reported as a note.
    #[serde(default = "default_due_soon")]
    pub due_soon_days: u32,
    pub environments: Vec<StoreEnvironment>,
    #[serde(default)]
    pub policies: Vec<StorePolicy>,
    #[serde(default)]
    pub secrets: Vec<StoreSecret>,
    /// What the store holds but envguard could not read (a policy its parser
    /// refused): not checked, so the audit is incomplete (fail closed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unchecked: Vec<StoreUnchecked>,
}

/// A part of the store that was not checked, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreUnchecked {
    /// Where it is (`sys/policies/acl/ci`).
    pub source: String,
    /// 1-based line in it, when known.
    #[serde(default)]
    pub line: Option<u32>,
    pub reason: String,
}

fn default_due_soon() -> u32 {
    14
}

/// One environment of the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreEnvironment {
    pub name: String,
    pub tier: Tier,
    /// The path prefix (mount, namespace) its secrets live under, `/`-terminated
    /// (`prod/`, `secret/data/prod/`); `None` when the store has none for it.
    pub namespace: Option<String>,
    /// Whether access to its secrets is logged (an audit device, the ledger).
    pub audit_logging: bool,
    /// What says so: `ledger .envguard/ledger/prod`, `audit device file/`.
    #[serde(default)]
    pub audit_detail: String,
}

/// How a policy's path globs are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GlobStyle {
    /// Shell globs: `*` within a segment, `**` across segments, `?` one character.
    #[default]
    Shell,
    /// Vault ACL paths: `+` one whole segment, a trailing `*` any suffix.
    Vault,
}

/// A store capability, the union of the embedded store's and Vault's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreCapability {
    Read,
    /// Create or update (Vault `create`, `update`; embedded `write`).
    Write,
    /// Delete or destroy (Vault `delete`; embedded `revoke`).
    Delete,
    List,
    Rotate,
    Sudo,
    Deny,
}

impl StoreCapability {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreCapability::Read => "read",
            StoreCapability::Write => "write",
            StoreCapability::Delete => "delete",
            StoreCapability::List => "list",
            StoreCapability::Rotate => "rotate",
            StoreCapability::Sudo => "sudo",
            StoreCapability::Deny => "deny",
        }
    }

    /// Whether it reaches values: reading, changing or destroying them.
    pub fn touches_values(self) -> bool {
        matches!(
            self,
            StoreCapability::Read
                | StoreCapability::Write
                | StoreCapability::Delete
                | StoreCapability::Rotate
                | StoreCapability::Sudo
        )
    }
}

/// A role or ACL policy, the environment it belongs to, and what it grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorePolicy {
    pub name: String,
    /// The environment whose people or workloads hold it; `None` when unknown.
    pub environment: Option<String>,
    pub tier: Option<Tier>,
    /// Where it is written (`secrets-policy.toml`, `sys/policies/acl/ci`).
    pub source: String,
    /// 1-based line in `source`, when it is a file.
    #[serde(default)]
    pub line: Option<u32>,
    pub rules: Vec<StoreGrant>,
    /// The store's own evaluation of what this policy reaches in production
    /// (Vault/OpenBao: the ACL evaluator of `envguard-vault`, with its
    /// priority rules and `deny`). When set, `SEC.nonprod-reads-prod` takes
    /// it instead of matching `rules` itself: one place for that knowledge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prod_reach: Option<Vec<StoreReach>>,
}

/// A production path a policy reaches, as the store's evaluator answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreReach {
    /// The policy's path pattern that grants it (`secret/data/*`).
    pub pattern: String,
    /// A path it reaches: a secret of the store, else an example under the prefix.
    pub path: String,
    pub capabilities: Vec<StoreCapability>,
}

/// A path glob and its capabilities, over the store's whole path space
/// (the namespace included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreGrant {
    pub path: String,
    #[serde(default)]
    pub style: GlobStyle,
    pub capabilities: Vec<StoreCapability>,
}

/// What a secret is, for the rotation rules (003 §2).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretKind {
    Password,
    ApiToken,
    SigningKey,
    EncryptionKey,
    #[default]
    Other,
}

impl SecretKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::Password => "password",
            SecretKind::ApiToken => "api-token",
            SecretKind::SigningKey => "signing-key",
            SecretKind::EncryptionKey => "encryption-key",
            SecretKind::Other => "other",
        }
    }
}

/// One secret: where it is, what it is, and when its current version was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSecret {
    pub environment: String,
    /// Its path inside the environment (`db/password`).
    pub name: String,
    /// Its full path, namespace included (`prod/db/password`).
    pub path: String,
    #[serde(default)]
    pub kind: SecretKind,
    /// When the current version was written; `None` when the store does not say.
    pub last_rotated_unix: Option<i64>,
    #[serde(default)]
    pub version: Option<u64>,
}

impl StoreFacts {
    pub fn environment(&self, name: &str) -> Option<&StoreEnvironment> {
        self.environments.iter().find(|e| e.name == name)
    }
}

/// Fingerprints (keyed under the check's run key) of the current production
/// secrets of a store, for `check --store` (`R01.live-prod-secret`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveSecrets {
    /// Where they come from (the store directory or server).
    pub source: String,
    /// (fingerprint, environment, name) of each current prod secret.
    pub fingerprints: Vec<([u8; 32], String, String)>,
}
