//! Fingerprints and previews: how a secret is compared and shown without
//! being stored or revealed.

use std::borrow::Cow;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

fn trim_ascii_ws(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if first.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if last.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    s
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// The base64 body of a PEM block: everything between the `-----BEGIN …-----`
/// line and the `-----END` marker, without headers (`Proc-Type:`,
/// `DEK-Info:`), whitespace or literal `\n` escapes (JSON-embedded keys).
pub(crate) fn pem_body(s: &[u8]) -> Option<Vec<u8>> {
    let begin = find(s, b"-----BEGIN ")?;
    let after_begin = begin + 11;
    let header_end = after_begin + find(&s[after_begin..], b"-----")? + 5;
    let end = header_end + find(&s[header_end..], b"-----END")?;
    let body = &s[header_end..end];
    let mut out = Vec::with_capacity(body.len());
    // Split into lines on real newlines and on literal "\n" / "\r" escapes.
    let mut line_start = 0;
    let mut i = 0;
    let mut lines: Vec<&[u8]> = Vec::new();
    while i < body.len() {
        if body[i] == b'\n' || body[i] == b'\r' {
            lines.push(&body[line_start..i]);
            i += 1;
            line_start = i;
        } else if body[i] == b'\\' && matches!(body.get(i + 1), Some(b'n' | b'r')) {
            lines.push(&body[line_start..i]);
            i += 2;
            line_start = i;
        } else {
            i += 1;
        }
    }
    lines.push(&body[line_start..]);
    for line in lines {
        if line.contains(&b':') {
            continue; // RFC 1421 header such as `Proc-Type: 4,ENCRYPTED`
        }
        out.extend(
            line.iter()
                .copied()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=')),
        );
    }
    Some(out)
}

/// The canonical form of a secret before fingerprinting, so that the same
/// secret written two ways compares equal:
///
/// * surrounding whitespace and one pair of matching quotes are removed
///   (so `"s3cr3t"\n` and `s3cr3t` are the same secret);
/// * a PEM block (detected by content, for any rule) reduces to its base64
///   body without whitespace, headers or `\n` escapes, so a key in a `.key`
///   file, the same key in a JSON string, and the same key base64-decoded out
///   of a Kubernetes Secret all normalize alike.
///
/// `rule_id` is accepted for future rule-specific forms; today normalization
/// depends only on the bytes, which keeps fingerprints comparable across rules.
pub fn normalize_secret<'a>(rule_id: &str, secret: &'a [u8]) -> Cow<'a, [u8]> {
    let _ = rule_id;
    let mut s = trim_ascii_ws(secret);
    if s.len() >= 2 && matches!(s[0], b'"' | b'\'' | b'`') && s[s.len() - 1] == s[0] {
        s = trim_ascii_ws(&s[1..s.len() - 1]);
    }
    if find(s, b"-----BEGIN ").is_some() {
        if let Some(body) = pem_body(s) {
            if !body.is_empty() {
                return Cow::Owned(body);
            }
        }
    }
    Cow::Borrowed(s)
}

/// Keyed fingerprints of secret values (HMAC-SHA-256).
///
/// **Design:** the fingerprint is `HMAC-SHA-256(key, normalize_secret(value))`.
/// The rule id is deliberately *not* part of the HMAC input: a fingerprint
/// names a value, not a finding, so the same password found by the generic
/// rule in a `.env` file and inside a `postgres://` URL (connection-string
/// rule), or the same private key found by the PEM rule and inside a GCP
/// service-account JSON, gets the same fingerprint. That is what the reuse
/// check across dev/staging/prod needs. The cost: two different rules that
/// happen to match the same bytes are linked, which is the desired outcome.
///
/// The key keeps fingerprints from being a plain hash that could be brute
/// forced offline for short passwords; fingerprints are comparable only
/// between runs that use the same key (set `ENVGUARD_FINGERPRINT_KEY` to keep
/// them stable across runs).
#[derive(Clone)]
pub struct Fingerprinter {
    mac: HmacSha256,
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fingerprinter { .. }")
    }
}

/// Environment variable that supplies a stable fingerprint key.
pub const FINGERPRINT_KEY_ENV: &str = "ENVGUARD_FINGERPRINT_KEY";

impl Fingerprinter {
    /// Key from `ENVGUARD_FINGERPRINT_KEY` when set (any string, hashed with
    /// SHA-256 into a 32-byte key), else 32 random bytes from the OS.
    pub fn from_env_or_random() -> Self {
        match std::env::var_os(FINGERPRINT_KEY_ENV) {
            Some(v) if !v.is_empty() => {
                let mut h = Sha256::new();
                h.update(b"envguard-fingerprint-key-v1\0");
                h.update(v.as_encoded_bytes());
                Self::with_key(&h.finalize())
            }
            _ => {
                let mut key = [0u8; 32];
                if getrandom::fill(&mut key).is_err() {
                    // No OS randomness: fall back to time, process and address
                    // entropy. Fingerprints are per-run anyway in this mode.
                    let mut h = Sha256::new();
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_nanos())
                        .unwrap_or(0);
                    h.update(now.to_le_bytes());
                    h.update(std::process::id().to_le_bytes());
                    h.update((&key as *const [u8; 32] as usize).to_le_bytes());
                    key.copy_from_slice(&h.finalize());
                }
                Self::with_key(&key)
            }
        }
    }

    /// A fingerprinter with an explicit key (any length).
    pub fn with_key(key: &[u8]) -> Self {
        let mac = match HmacSha256::new_from_slice(key) {
            Ok(m) => m,
            // HMAC accepts keys of any length; hash one that would not fit.
            Err(_) => {
                let k = Sha256::digest(key);
                match HmacSha256::new_from_slice(&k) {
                    Ok(m) => m,
                    Err(_) => unreachable!("a 32-byte HMAC key is always valid"),
                }
            }
        };
        Fingerprinter { mac }
    }

    /// `HMAC-SHA-256(key, normalize_secret(rule_id, secret))`; `rule_id` only
    /// selects normalization and is not hashed (see the type's docs).
    pub fn fingerprint(&self, rule_id: &str, secret: &[u8]) -> [u8; 32] {
        let norm = normalize_secret(rule_id, secret);
        let mut mac = self.mac.clone();
        mac.update(&norm);
        mac.finalize().into_bytes().into()
    }

    /// Lower-case hex of a fingerprint.
    pub fn to_hex(fp: &[u8; 32]) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(64);
        for &b in fp {
            s.push(HEX[(b >> 4) as usize] as char);
            s.push(HEX[(b & 15) as usize] as char);
        }
        s
    }
}

/// A preview that never reveals the secret: the first 3 characters, `…`, and
/// the length in characters, e.g. `q7R…(24 chars)`. Secrets shorter than 12
/// characters get no prefix at all (`…(8 chars)`). A PEM block shows its
/// `-----BEGIN … -----` line instead (`-----BEGIN RSA PRIVATE KEY-----…(1679 chars)`),
/// which names the key type and reveals nothing of the key.
pub fn redacted_preview(secret: &str) -> String {
    let n = secret.chars().count();
    let trimmed = secret.trim_start();
    if let Some(rest) = trimmed.strip_prefix("-----BEGIN ") {
        if let Some(end) = rest.find("-----") {
            let label = &rest[..end];
            if !label.is_empty()
                && label
                    .bytes()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b' ')
            {
                return format!("-----BEGIN {label}-----\u{2026}({n} chars)");
            }
        }
    }
    if n < 12 {
        return format!("\u{2026}({n} chars)");
    }
    let prefix: String = secret
        .chars()
        .take(3)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    format!("{prefix}\u{2026}({n} chars)")
}
