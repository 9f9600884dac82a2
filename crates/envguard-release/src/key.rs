//! Ed25519 release keys: the signing key of the build job and the trusted
//! public keys of the deploy gate.
//!
//! Keys are PEM: PKCS#8 for the private key, SubjectPublicKeyInfo for the
//! public one, the forms `openssl genpkey -algorithm ed25519` and Python's
//! `cryptography` write. The key id written into the DSSE envelope is the one
//! securesystemslib computes by default, so the in-toto tooling and envguard
//! name a key alike:
//!
//! ```text
//! keyid = hex(SHA-256(canonical JSON of
//!   {"keytype":"ed25519","keyval":{"public":"<hex of the 32-byte public key>"},"scheme":"ed25519"}))
//! ```

use crate::hex;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::spki::{DecodePublicKey, EncodePublicKey};
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// A key that could not be read, naming where it came from (a file, an
/// environment variable), never its bytes.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{origin}: {message}")]
    Bad { origin: String, message: String },
    #[error("no randomness for a new key: {0}")]
    Random(String),
}

fn bad(origin: &str, message: impl Into<String>) -> KeyError {
    KeyError::Bad {
        origin: origin.to_owned(),
        message: message.into(),
    }
}

/// The securesystemslib key id of an Ed25519 public key (see the module doc).
pub fn key_id(public: &VerifyingKey) -> String {
    let canonical = format!(
        "{{\"keytype\":\"ed25519\",\"keyval\":{{\"public\":\"{}\"}},\"scheme\":\"ed25519\"}}",
        hex(public.as_bytes())
    );
    hex(&Sha256::digest(canonical.as_bytes()))
}

/// The release signing key (build job side).
pub struct ReleaseSigner {
    key: SigningKey,
    id: String,
}

impl ReleaseSigner {
    /// A fresh key from the operating system's randomness.
    pub fn generate() -> Result<ReleaseSigner, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(Self::from_seed(&seed))
    }

    pub fn from_seed(seed: &[u8; 32]) -> ReleaseSigner {
        let key = SigningKey::from_bytes(seed);
        let id = key_id(&key.verifying_key());
        ReleaseSigner { key, id }
    }

    /// Parses a PKCS#8 PEM private key; `origin` names the file or variable in errors.
    pub fn from_pem(pem: &str, origin: &str) -> Result<ReleaseSigner, KeyError> {
        let key = SigningKey::from_pkcs8_pem(pem.trim()).map_err(|e| {
            bad(
                origin,
                format!("not an Ed25519 private key in PKCS#8 PEM ({e})"),
            )
        })?;
        let id = key_id(&key.verifying_key());
        Ok(ReleaseSigner { key, id })
    }

    /// The private key as PKCS#8 PEM (for `release keygen`).
    pub fn to_pem(&self) -> Result<String, KeyError> {
        self.key
            .to_pkcs8_pem(LineEnding::LF)
            .map(|z| z.to_string())
            .map_err(|e| bad("new key", e.to_string()))
    }

    pub fn key_id(&self) -> &str {
        &self.id
    }

    pub fn trusted(&self) -> TrustedKey {
        TrustedKey::new(self.key.verifying_key(), "(this key)")
    }
}

impl dsse::Signer for ReleaseSigner {
    fn sign(&self, message: &[u8]) -> dsse::Result<Vec<u8>> {
        Ok(self.key.sign(message).to_bytes().to_vec())
    }
    fn key_id(&self) -> Option<String> {
        Some(self.id.clone())
    }
}

/// A public key the deploy gate trusts, with where it was configured.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    key: VerifyingKey,
    id: String,
    /// The file it was read from (for messages).
    pub origin: String,
}

impl TrustedKey {
    pub fn new(key: VerifyingKey, origin: &str) -> TrustedKey {
        TrustedKey {
            id: key_id(&key),
            key,
            origin: origin.to_owned(),
        }
    }

    /// Parses a SubjectPublicKeyInfo PEM public key.
    pub fn from_pem(pem: &str, origin: &str) -> Result<TrustedKey, KeyError> {
        let key = VerifyingKey::from_public_key_pem(pem.trim()).map_err(|e| {
            bad(
                origin,
                format!("not an Ed25519 public key in PEM (SubjectPublicKeyInfo) ({e})"),
            )
        })?;
        Ok(TrustedKey::new(key, origin))
    }

    pub fn to_pem(&self) -> Result<String, KeyError> {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| bad(&self.origin, e.to_string()))
    }

    pub fn key_id(&self) -> &str {
        &self.id
    }
}

impl dsse::Verifier for TrustedKey {
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match ed25519_dalek::Signature::from_slice(signature) {
            // Strict verification: no malleable or small-order signatures.
            Ok(sig) => self.key.verify_strict(message, &sig).is_ok(),
            Err(_) => false,
        }
    }
    fn key_id(&self) -> Option<String> {
        Some(self.id.clone())
    }
    fn key_identity(&self) -> Option<Vec<u8>> {
        let mut v = b"ed25519:".to_vec();
        v.extend_from_slice(self.key.as_bytes());
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pem_round_trip_keeps_the_key_id() {
        let s = ReleaseSigner::from_seed(&[7u8; 32]);
        let again = ReleaseSigner::from_pem(&s.to_pem().unwrap(), "k.pem").unwrap();
        assert_eq!(again.key_id(), s.key_id());
        let public = TrustedKey::from_pem(&s.trusted().to_pem().unwrap(), "k.pub").unwrap();
        assert_eq!(public.key_id(), s.key_id());
        assert_eq!(s.key_id().len(), 64);
    }

    #[test]
    fn a_bad_key_names_its_origin_not_its_bytes() {
        let e = ReleaseSigner::from_pem(
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----",
            "ENVGUARD_RELEASE_KEY",
        )
        .err()
        .unwrap()
        .to_string();
        assert!(
            e.starts_with("ENVGUARD_RELEASE_KEY: not an Ed25519 private key"),
            "{e}"
        );
        assert!(!e.contains("c2VjcmV0"), "{e}");
    }
}
