//! envguard-detect: secret detection as pure functions over bytes and strings.
//!
//! No file I/O happens here. Two entry points:
//!
//! * [`Detector::scan_text`] for unstructured text (source code, docs, files of
//!   unknown format): one ASCII case-insensitive Aho-Corasick pass over the
//!   keywords of every rule, then only the candidate rules' regexes near each
//!   keyword hit.
//! * [`Detector::classify_value`] for a value that an extractor has already
//!   taken out of a parsed config file, together with its key name.
//!
//! The rules are data (`data/secrets.toml`, embedded at compile time). Helpers
//! for the reuse check across environments live here too: [`normalize_secret`],
//! [`Fingerprinter`] (HMAC-SHA-256) and [`redacted_preview`].

mod connstr;
mod entropy;
mod fingerprint;
mod generic;
mod placeholder;
mod prefilter;
mod public;
mod rules;
mod scan;

use std::ops::Range;

pub use connstr::connection_string_password;
pub use entropy::shannon_entropy;
pub use fingerprint::{normalize_secret, redacted_preview, Fingerprinter};
pub use placeholder::{is_placeholder, is_weak_default};
pub use public::is_firebase_client_config;
pub use rules::RuleInfo;
pub use scan::Detector;

/// How sure a detector is that a match is a real secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// What kind of secret a match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SecretKind {
    /// A credential-looking value.
    Secret,
    /// A well-known weak default (`changeme`, `admin`, `password`, …): only
    /// worth reporting where it matters (e.g. production).
    WeakDefault,
}

/// One secret found by a [`Detector`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMatch {
    /// Stable rule id, e.g. `aws-access-key-id`, `generic-secret`.
    pub rule_id: &'static str,
    /// Human-readable rule name.
    pub rule_name: &'static str,
    /// Byte range of the secret itself (not the surrounding assignment) in the
    /// scanned text or value.
    pub span: Range<usize>,
    /// The identifier the secret was assigned to, when known (e.g.
    /// `DB_PASSWORD`, `spring.datasource.password`).
    pub key: Option<String>,
    pub confidence: Confidence,
    pub kind: SecretKind,
}
