//! envguard's ledger: a tamper-evident, environment-partitioned audit and AI
//! log (issue 7). One append-only log per environment, an RFC 6962 Merkle tree
//! over canonical (RFC 8785) events, checkpoints signed in the C2SP
//! signed-note / tlog-checkpoint format, inclusion and consistency proofs that
//! verify offline from an export alone, and retention that drops payloads but
//! keeps every proof valid.

pub mod config;
pub mod ledger;
pub mod merkle;
pub mod note;
pub mod pii;
pub mod postgres;
pub mod schema;
pub mod sqlite;
pub mod store;

pub use config::{Access, AccessPolicy, LedgerConfig, PiiPolicy};
pub use ledger::{Backend, Ledger, LedgerError, VerifyFailure, VerifyReport};
pub use pii::{BuiltinPii, EnvguardPii, PiiScreen};
pub use schema::{validate_event, Event, Kind, SchemaError};
pub mod export;
