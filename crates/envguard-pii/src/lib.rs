//! PII/PHI detection and redaction for envguard: pure functions over bytes.
//!
//! * [`detect_text`] finds personal data in free text. Every detection names
//!   the validator or context rule that accepted it: check digits (Luhn,
//!   ISO 7064 mod-97), issuer ranges, SSA area rules, the ICD-10 code
//!   structure, calendar checks, gazetteers of given and family names in Latin
//!   and Arabic script. Shapes alone never decide: a Luhn-valid Unix
//!   timestamp is not a national ID unless the text around it says so.
//! * [`scan_dataset`] and [`DatasetScanner`] read CSV/TSV, JSON, JSONL and SQL
//!   `INSERT` dumps, classify each column or JSON path from its name and a
//!   sample of its values, and count entities per column. Reports hold
//!   counts, confidences and row numbers, never the values.
//! * [`Redactor`] rewrites text with one of four [`Operator`]s: `mask`,
//!   `tag`, `hash` (HMAC-SHA-256, keyed per project) and `synth`
//!   (a format-valid fake with a valid check digit, stable per input).
//!
//! Nothing here reads files or the environment; callers pass bytes and keys.

mod context;
pub mod dataset;
mod names;
mod redact;
pub mod report;
mod text;
pub mod validate;

pub use dataset::{
    redact_dataset, scan_dataset, visit_dataset, visit_dataset_opts, CellDetection, DatasetFormat,
    DatasetScanner,
};
pub use redact::{Operator, Redacted, Redactor};
pub use report::{ColumnReport, DatasetReport, EntityCount};
pub use text::{detect_text, detect_text_with_hint};

use serde::{Deserialize, Serialize};
use std::ops::Range;

/// A kind of personal or health data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Entity {
    /// A person's name, Latin or Arabic script.
    Person,
    /// An e-mail address (reserved example domains excluded).
    Email,
    /// A Saudi mobile or landline number.
    PhoneSa,
    /// A North American (NANP) number.
    PhoneUs,
    /// Another international number in E.164 form (`+` and 8–15 digits).
    Phone,
    /// Saudi national ID (leading 1) or Iqama (leading 2), Luhn-valid.
    SaNationalId,
    /// An IBAN of any registered country, mod-97 valid.
    Iban,
    /// A payment card number: Luhn and a known issuer range.
    CreditCard,
    /// A US social security number within the SSA's issued ranges.
    UsSsn,
    /// A date of birth (or a date linked to a person), Gregorian or Hijri.
    Dob,
    /// A medical record number (context- or column-gated).
    Mrn,
    /// An ICD-10 diagnosis code (PHI when linked to a person).
    Icd10,
    /// An IPv4 address.
    Ipv4,
    /// An IPv6 address (not loopback, link-local, multicast or a documentation range).
    Ipv6,
}

impl Entity {
    /// All entities, in report order.
    pub const ALL: [Entity; 14] = [
        Entity::Person,
        Entity::Email,
        Entity::PhoneSa,
        Entity::PhoneUs,
        Entity::Phone,
        Entity::SaNationalId,
        Entity::Iban,
        Entity::CreditCard,
        Entity::UsSsn,
        Entity::Dob,
        Entity::Mrn,
        Entity::Icd10,
        Entity::Ipv4,
        Entity::Ipv6,
    ];

    /// The stable identifier used in reports, tags and SARIF rule ids.
    pub fn id(self) -> &'static str {
        match self {
            Entity::Person => "PERSON",
            Entity::Email => "EMAIL",
            Entity::PhoneSa => "PHONE_SA",
            Entity::PhoneUs => "PHONE_US",
            Entity::Phone => "PHONE",
            Entity::SaNationalId => "SA_NATIONAL_ID",
            Entity::Iban => "IBAN",
            Entity::CreditCard => "CREDIT_CARD",
            Entity::UsSsn => "US_SSN",
            Entity::Dob => "DOB",
            Entity::Mrn => "MRN",
            Entity::Icd10 => "ICD10",
            Entity::Ipv4 => "IPV4",
            Entity::Ipv6 => "IPV6",
        }
    }

    /// Parses [`Entity::id`].
    pub fn from_id(s: &str) -> Option<Entity> {
        Entity::ALL
            .into_iter()
            .find(|e| e.id().eq_ignore_ascii_case(s))
    }

    /// One line for humans.
    pub fn description(self) -> &'static str {
        match self {
            Entity::Person => "person name (Latin or Arabic script)",
            Entity::Email => "e-mail address",
            Entity::PhoneSa => "Saudi phone number",
            Entity::PhoneUs => "US phone number",
            Entity::Phone => "international phone number",
            Entity::SaNationalId => "Saudi national ID or Iqama number",
            Entity::Iban => "IBAN",
            Entity::CreditCard => "payment card number",
            Entity::UsSsn => "US social security number",
            Entity::Dob => "date of birth or date linked to a person",
            Entity::Mrn => "medical record number",
            Entity::Icd10 => "ICD-10 diagnosis code",
            Entity::Ipv4 => "IPv4 address",
            Entity::Ipv6 => "IPv6 address",
        }
    }

    /// Health data (PHI) rather than identity or contact data.
    pub fn is_phi(self) -> bool {
        matches!(self, Entity::Mrn | Entity::Icd10 | Entity::Dob)
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// How sure a detection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Shape and a weak signal only.
    Low,
    /// Shape and validator, or gazetteer plus structure.
    Medium,
    /// Validator plus context or column, or a check digit that rarely passes by chance.
    High,
}

impl Confidence {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// One piece of personal data found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// What it is.
    pub entity: Entity,
    /// Byte range in the scanned text (always on `char` boundaries).
    pub span: Range<usize>,
    /// How sure.
    pub confidence: Confidence,
    /// Which validator or rule accepted it, e.g. `luhn+saudi-id`, `mod97`.
    pub validator: &'static str,
}

/// A 32-byte redaction key from a project secret: SHA-256 over a domain tag
/// and the secret, so the same secret used for fingerprints yields a
/// different key here.
pub fn derive_key(secret: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"envguard-redact-key-v1\0");
    h.update(secret);
    h.finalize().into()
}

/// Lower-case hex SHA-256 of `bytes` (provenance manifests).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
