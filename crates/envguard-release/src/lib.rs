//! envguard's release gate (issue 14; policy 000 R-05, 001 "Change
//! management", 002 §6): at build time, an in-toto Statement v1 with a SLSA
//! Provenance v1 predicate, signed in a DSSE envelope with Ed25519
//! ([`attest`]); at deploy time, every check a production deploy must pass,
//! each explained as pass or fail ([`verify`]); after the deploy, the
//! notification of the people who must know ([`notify`]).
//!
//! The CLI loads the configuration, appends decisions and deliveries to the
//! environment's ledger and renders.

pub mod approvals;
pub mod attest;
pub mod ci;
pub mod digest;
pub mod evidence;
pub mod intoto;
pub mod key;
pub mod notify;
pub mod verify;

pub use attest::{attest, statement, AttestError, AttestInput, EvidenceRef, Subject};
pub use ci::{CiContext, CiSystem};
pub use evidence::EvidenceKind;
pub use key::{key_id, KeyError, ReleaseSigner, TrustedKey};
pub use verify::{verify, Check, CheckStatus, Policy, VerifyInput, VerifyReport};

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}
