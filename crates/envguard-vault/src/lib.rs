//! envguard's view of the secret stores teams already run: a blocking client
//! of the Vault HTTP API (shared by HashiCorp Vault and OpenBao), an
//! evaluator of Vault ACL policies, and a [`Snapshot`] of everything an audit
//! of policy 000 §4 needs (mounts per environment, audit devices, ACL
//! policies, every KV v2 secret's metadata), taken in one pass.
//!
//! No secret value ever leaves [`Client::kv_read`]: the snapshot holds
//! metadata only, errors name the address and the API path, never the token
//! or a value.

mod client;
mod error;
mod policy;
mod snapshot;
#[cfg(feature = "testing")]
pub mod testing;

pub use client::{
    AuditDevice, Client, Health, KvMetadata, KvSecret, MetadataUpdate, Mount, RetryPolicy,
    VersionInfo, VersionMetadata,
};
pub use error::{PolicyError, VaultError};
pub use policy::{
    Capabilities, Capability, Decision, Grant, PathPattern, PathRule, Policy, PolicySet,
    PROBE_SEGMENT,
};
pub use snapshot::{
    CrossGrant, EnvOverrides, EnvTag, MountInfo, PolicyInfo, SecretMeta, Snapshot, SnapshotOptions,
    UnparsedPolicy, ROTATED_KEY, ROTATED_VERSION_KEY,
};
