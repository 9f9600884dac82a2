//! envguard's secret store (issue 13): a [`Backend`] trait that any store
//! implements (this crate's [`EmbeddedStore`], a Vault/OpenBao server: [`OpenBao`]), the
//! role-based [`Policy`] enforced on every call, the SOP 003 rotation as a
//! resumable state machine ([`rotate`]), and its §8 evidence ([`evidence`]).
//!
//! A value lives in clear only inside a [`SecretValue`], which zeroizes its
//! bytes when dropped and prints as `SecretValue(<redacted>)`: errors, ledger
//! events, rotation state and evidence carry keyed fingerprints only.

pub mod backend;
pub mod config;
pub mod due;
pub mod embedded;
mod error;
pub mod evidence;
pub mod fsutil;
mod generate;
pub mod hooks;
pub mod keys;
mod ledgers;
pub mod openbao;
pub mod policy;
pub mod rotate;
mod value;

pub use backend::{Actor, Backend, SecretMeta, VersionInfo, VersionState, Which};
#[cfg(feature = "schema")]
pub use config::secrets_schema;
pub use config::{Generator, SecretSpec, SecretsConfig};
pub use embedded::EmbeddedStore;
pub use error::SecretsError;
pub use openbao::{OpenBao, OpenBaoOptions};
pub use policy::{Capability, Policy};
pub use value::SecretValue;
