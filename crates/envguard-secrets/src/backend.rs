//! The store-neutral interface: what the CLI, the rotation and the audit ask
//! of any secret store. Modelled on KV v2 so that a Vault/OpenBao client fits
//! it: numbered versions with a creation time, destroyed versions kept as
//! metadata, one namespace (mount) per environment.

use crate::{SecretValue, SecretsError};
use envguard_model::{SecretKind, StoreFacts};
use serde::Serialize;

/// Who calls: the role the policy is checked against, and a name for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub role: String,
    /// The person or process (`$USER`, a CI job id), for the ledger.
    pub name: String,
}

impl Actor {
    pub fn new(role: impl Into<String>, name: impl Into<String>) -> Self {
        Actor {
            role: role.into(),
            name: name.into(),
        }
    }
}

/// Where a version stands in its secret's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VersionState {
    /// Staged by a rotation, not yet served.
    Pending,
    /// The one version consumers use.
    Current,
    /// The version before the current one (dual-run, rollback).
    Previous,
    /// Superseded and kept.
    Retired,
    /// Destroyed: its value is gone, its metadata kept.
    Destroyed,
}

impl VersionState {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionState::Pending => "pending",
            VersionState::Current => "current",
            VersionState::Previous => "previous",
            VersionState::Retired => "retired",
            VersionState::Destroyed => "destroyed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => VersionState::Pending,
            "current" => VersionState::Current,
            "previous" => VersionState::Previous,
            "retired" => VersionState::Retired,
            "destroyed" => VersionState::Destroyed,
            _ => return None,
        })
    }
}

/// Which version to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Current,
    Previous,
    Pending,
    Version(u64),
}

/// One version's metadata (never its value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionInfo {
    pub version: u64,
    pub state: VersionState,
    pub created_unix: i64,
    /// When it entered its present state.
    pub state_unix: i64,
    /// Keyed fingerprint of the value (hex, 16 bytes), for evidence and logs.
    pub fingerprint: String,
}

/// A secret's metadata: its name, kind and versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretMeta {
    pub environment: String,
    pub name: String,
    pub kind: SecretKind,
    pub versions: Vec<VersionInfo>,
}

impl SecretMeta {
    pub fn in_state(&self, s: VersionState) -> Option<&VersionInfo> {
        self.versions.iter().find(|v| v.state == s)
    }

    /// When the current version was written: the last rotation.
    pub fn last_rotated_unix(&self) -> Option<i64> {
        self.in_state(VersionState::Current).map(|v| v.created_unix)
    }
}

/// A secret store. Every call names the environment and is checked against
/// the policy for the actor's role; every call, and every refusal, is
/// recorded in the access log of that environment.
pub trait Backend {
    /// Writes a new current version (the old current becomes previous).
    fn put(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
        kind: SecretKind,
        value: &SecretValue,
    ) -> Result<VersionInfo, SecretsError>;
    fn get(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
        which: Which,
    ) -> Result<(VersionInfo, SecretValue), SecretsError>;
    /// Every secret of the environment, metadata only.
    fn list(&mut self, actor: &Actor, env: &str) -> Result<Vec<SecretMeta>, SecretsError>;
    /// One secret's metadata.
    fn versions(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
    ) -> Result<SecretMeta, SecretsError>;
    /// Stores a pending version beside the current one (rotation, 003 §6 step 2).
    fn stage(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
        kind: SecretKind,
        value: &SecretValue,
    ) -> Result<VersionInfo, SecretsError>;
    /// Makes a pending version current; the current one becomes previous (step 4).
    fn promote(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
        version: u64,
    ) -> Result<VersionInfo, SecretsError>;
    /// Destroys one version's value, keeping its metadata (step 5, revoke).
    fn destroy(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
        version: u64,
        reason: &str,
    ) -> Result<VersionInfo, SecretsError>;
    /// Records a rotation step in the environment's access log.
    fn record(
        &mut self,
        actor: &Actor,
        env: &str,
        action: &str,
        details: serde_json::Value,
    ) -> Result<(), SecretsError>;
    /// A position in the environment's access log: [`Backend::reads_since`]
    /// counts what was recorded after it.
    fn log_cursor(&mut self, env: &str) -> Result<u64, SecretsError>;
    /// Reads of `name` at `version` recorded after `cursor` (003 §6 step 5:
    /// no consumer still reads the old secret).
    fn reads_since(
        &mut self,
        env: &str,
        name: &str,
        version: u64,
        cursor: u64,
    ) -> Result<u64, SecretsError>;
    /// Why [`Backend::reads_since`] cannot count reads in `env`'s access log
    /// (a Vault server whose audit log this machine cannot read), or `None`
    /// when it can. A rotation then revokes without confirming (003 §6 step
    /// 5) and its evidence says so and what the operator must check.
    fn access_log_gap(&mut self, env: &str) -> Result<Option<String>, SecretsError> {
        let _ = env;
        Ok(None)
    }
    /// The store as facts for `secrets audit` (000 §4).
    fn facts(&mut self, actor: &Actor) -> Result<StoreFacts, SecretsError>;
    /// Groups the calls on `env` that follow, up to [`Backend::commit_batch`],
    /// into one commit of the store and one of its access log (a batch
    /// rotation). A store without such grouping commits each call by itself.
    fn begin_batch(&mut self, env: &str) -> Result<(), SecretsError> {
        let _ = env;
        Ok(())
    }
    /// Commits a batch: the access log first (an event is never missing for
    /// a change that was made), then the store.
    fn commit_batch(&mut self) -> Result<(), SecretsError> {
        Ok(())
    }
}
