//! C2SP signed-note (<https://c2sp.org/signed-note>) and tlog-checkpoint
//! (<https://c2sp.org/tlog-checkpoint>) v1.0.0.
//!
//! A note is UTF-8 text ending in a newline, a blank line, then one line per
//! signature: `— <name> <base64(key id[4] || signature)>`. The key id is the
//! first four bytes of `SHA-256(name || 0x0A || algorithm byte || public key)`.
//! Signature algorithms are pluggable through [`NoteSigner`] and
//! [`NoteVerifier`]; Ed25519 (algorithm 0x01) is provided. Checked against the
//! golang.org/x/mod/sumdb/note reference example.

use crate::merkle::Hash;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Ed25519 algorithm identifier in signed-note keys.
pub const ALG_ED25519: u8 = 0x01;

const EM_DASH_PREFIX: &str = "\u{2014} ";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("malformed note: {0}")]
    Malformed(String),
    #[error("malformed key: {0}")]
    BadKey(String),
    #[error("no signature by a known key ({0})")]
    UnverifiedNote(String),
    #[error("signature by {name} (key {key_id}) does not verify")]
    BadSignature { name: String, key_id: String },
    #[error("malformed checkpoint: {0}")]
    BadCheckpoint(String),
}

/// Something that signs note text.
pub trait NoteSigner {
    fn name(&self) -> &str;
    fn key_id(&self) -> [u8; 4];
    fn sign(&self, msg: &[u8]) -> Vec<u8>;
    /// The verifier key in the `name+hash+base64` text form.
    fn verifier_key(&self) -> String;
}

/// Something that checks a signature on note text.
pub trait NoteVerifier {
    fn name(&self) -> &str;
    fn key_id(&self) -> [u8; 4];
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool;
}

/// The note key id for `name` and the algorithm-prefixed public key.
pub fn key_id(name: &str, alg_and_key: &[u8]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update(alg_and_key);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

fn hex4(b: [u8; 4]) -> String {
    format!("{:02x}{:02x}{:02x}{:02x}", b[0], b[1], b[2], b[3])
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(NoteError::BadKey(format!("invalid key name {name:?}")));
    }
    Ok(())
}

/// An Ed25519 note signer.
pub struct Ed25519Signer {
    name: String,
    key: SigningKey,
    id: [u8; 4],
}

impl Ed25519Signer {
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, NoteError> {
        check_name(name)?;
        let key = SigningKey::from_bytes(&seed);
        let mut pk = vec![ALG_ED25519];
        pk.extend_from_slice(key.verifying_key().as_bytes());
        Ok(Ed25519Signer {
            name: name.to_owned(),
            id: key_id(name, &pk),
            key,
        })
    }

    /// A new key from the operating system's random source.
    pub fn generate(name: &str) -> Result<Self, NoteError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| NoteError::BadKey(format!("no randomness: {e}")))?;
        Self::from_seed(name, seed)
    }

    /// Parses `PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>`.
    pub fn from_private_key(s: &str) -> Result<Self, NoteError> {
        let s = s.trim();
        let rest = s
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| NoteError::BadKey("missing PRIVATE+KEY+ prefix".into()))?;
        let mut parts = rest.splitn(3, '+');
        let (name, hash, key) = match (parts.next(), parts.next(), parts.next()) {
            (Some(n), Some(h), Some(k)) => (n, h, k),
            _ => return Err(NoteError::BadKey("expected name+hash+key".into())),
        };
        let raw = B64
            .decode(key)
            .map_err(|_| NoteError::BadKey("key is not base64".into()))?;
        if raw.len() != 33 || raw[0] != ALG_ED25519 {
            return Err(NoteError::BadKey("not an Ed25519 private key".into()));
        }
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&raw[1..]);
        let signer = Self::from_seed(name, seed)?;
        if hex4(signer.id) != hash {
            return Err(NoteError::BadKey("key hash does not match".into()));
        }
        Ok(signer)
    }

    pub fn private_key(&self) -> String {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(&self.key.to_bytes());
        format!(
            "PRIVATE+KEY+{}+{}+{}",
            self.name,
            hex4(self.id),
            B64.encode(raw)
        )
    }
}

impl NoteSigner for Ed25519Signer {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> [u8; 4] {
        self.id
    }
    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.key.sign(msg).to_bytes().to_vec()
    }
    fn verifier_key(&self) -> String {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.verifying_key().as_bytes());
        format!("{}+{}+{}", self.name, hex4(self.id), B64.encode(raw))
    }
}

/// An Ed25519 note verifier.
#[derive(Debug, Clone)]
pub struct Ed25519Verifier {
    name: String,
    key: VerifyingKey,
    id: [u8; 4],
}

impl Ed25519Verifier {
    /// Parses `<name>+<hash>+<base64(0x01 || public key)>`.
    pub fn from_verifier_key(s: &str) -> Result<Self, NoteError> {
        let mut parts = s.trim().splitn(3, '+');
        let (name, hash, key) = match (parts.next(), parts.next(), parts.next()) {
            (Some(n), Some(h), Some(k)) => (n, h, k),
            _ => return Err(NoteError::BadKey("expected name+hash+key".into())),
        };
        check_name(name)?;
        let raw = B64
            .decode(key)
            .map_err(|_| NoteError::BadKey("key is not base64".into()))?;
        if raw.len() != 33 || raw[0] != ALG_ED25519 {
            return Err(NoteError::BadKey("not an Ed25519 verifier key".into()));
        }
        let id = key_id(name, &raw);
        if hex4(id) != hash {
            return Err(NoteError::BadKey("key hash does not match".into()));
        }
        let mut pk = [0u8; 32];
        pk.copy_from_slice(&raw[1..]);
        let key = VerifyingKey::from_bytes(&pk)
            .map_err(|_| NoteError::BadKey("invalid Ed25519 point".into()))?;
        Ok(Ed25519Verifier {
            name: name.to_owned(),
            key,
            id,
        })
    }
}

impl NoteVerifier for Ed25519Verifier {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> [u8; 4] {
        self.id
    }
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = ed25519_dalek::Signature::from_slice(sig) else {
            return false;
        };
        self.key.verify_strict(msg, &sig).is_ok()
    }
}

/// A note signature line, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: [u8; 4],
    pub signature: Vec<u8>,
}

/// Signs `text` (which must end in a newline) with each signer.
pub fn sign_note(text: &str, signers: &[&dyn NoteSigner]) -> Result<String, NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed("text must end in a newline".into()));
    }
    if text.contains("\n\n") {
        return Err(NoteError::Malformed(
            "text must not hold a blank line".into(),
        ));
    }
    let mut out = String::with_capacity(text.len() + 128);
    out.push_str(text);
    out.push('\n');
    for s in signers {
        let mut blob = s.key_id().to_vec();
        blob.extend(s.sign(text.as_bytes()));
        out.push_str(EM_DASH_PREFIX);
        out.push_str(s.name());
        out.push(' ');
        out.push_str(&B64.encode(blob));
        out.push('\n');
    }
    Ok(out)
}

/// Splits a signed note into its text and signatures (no verification).
pub fn parse_note(msg: &str) -> Result<(&str, Vec<NoteSignature>), NoteError> {
    let split = msg
        .rfind("\n\n")
        .ok_or_else(|| NoteError::Malformed("no blank line before signatures".into()))?;
    let text = &msg[..split + 1];
    let sigs_block = &msg[split + 2..];
    if !sigs_block.ends_with('\n') {
        return Err(NoteError::Malformed(
            "signature block must end in a newline".into(),
        ));
    }
    let mut sigs = Vec::new();
    for line in sigs_block.lines() {
        let rest = line
            .strip_prefix(EM_DASH_PREFIX)
            .ok_or_else(|| NoteError::Malformed(format!("bad signature line {line:?}")))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or_else(|| NoteError::Malformed(format!("bad signature line {line:?}")))?;
        let blob = B64
            .decode(b64)
            .map_err(|_| NoteError::Malformed(format!("signature of {name} is not base64")))?;
        if blob.len() < 5 {
            return Err(NoteError::Malformed(format!(
                "signature of {name} too short"
            )));
        }
        sigs.push(NoteSignature {
            name: name.to_owned(),
            key_id: [blob[0], blob[1], blob[2], blob[3]],
            signature: blob[4..].to_vec(),
        });
    }
    if sigs.is_empty() {
        return Err(NoteError::Malformed("no signature lines".into()));
    }
    Ok((text, sigs))
}

/// Opens a signed note: at least one signature from a known key must verify,
/// and every signature from a known key must verify.
pub fn open_note<'a>(msg: &'a str, verifiers: &[&dyn NoteVerifier]) -> Result<&'a str, NoteError> {
    let (text, sigs) = parse_note(msg)?;
    let mut ok = 0;
    for s in &sigs {
        for v in verifiers {
            if v.name() == s.name && v.key_id() == s.key_id {
                if !v.verify(text.as_bytes(), &s.signature) {
                    return Err(NoteError::BadSignature {
                        name: s.name.clone(),
                        key_id: hex4(s.key_id),
                    });
                }
                ok += 1;
            }
        }
    }
    if ok == 0 {
        let names: Vec<String> = sigs
            .iter()
            .map(|s| format!("{}+{}", s.name, hex4(s.key_id)))
            .collect();
        return Err(NoteError::UnverifiedNote(names.join(", ")));
    }
    Ok(text)
}

/// A tlog-checkpoint body: origin, tree size, root hash, extension lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    pub extensions: Vec<String>,
}

impl Checkpoint {
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root.0)
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    pub fn parse(text: &str) -> Result<Checkpoint, NoteError> {
        let bad = |m: &str| NoteError::BadCheckpoint(m.to_owned());
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| bad("must end in a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or_else(|| bad("no origin"))?;
        let size_s = lines.next().ok_or_else(|| bad("no tree size"))?;
        if size_s.is_empty()
            || !size_s.bytes().all(|b| b.is_ascii_digit())
            || (size_s.len() > 1 && size_s.starts_with('0'))
        {
            return Err(bad("tree size is not a decimal number"));
        }
        let size: u64 = size_s.parse().map_err(|_| bad("tree size out of range"))?;
        let root_s = lines.next().ok_or_else(|| bad("no root hash"))?;
        let root_b = B64
            .decode(root_s)
            .map_err(|_| bad("root hash is not base64"))?;
        let root = Hash::from_slice(&root_b).ok_or_else(|| bad("root hash is not 32 bytes"))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(bad("empty extension line"));
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }
}

/// Opens a signed checkpoint note and checks its origin.
pub fn open_checkpoint(
    msg: &str,
    origin: &str,
    verifiers: &[&dyn NoteVerifier],
) -> Result<Checkpoint, NoteError> {
    let text = open_note(msg, verifiers)?;
    let cp = Checkpoint::parse(text)?;
    if cp.origin != origin {
        return Err(NoteError::BadCheckpoint(format!(
            "origin {:?}, expected {origin:?}",
            cp.origin
        )));
    }
    Ok(cp)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    // golang.org/x/mod/sumdb/note: the documented example key, text and note.
    const SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                        then you don't know what your problem is.\n";
    const SIGNED: &str = "If you think cryptography is the answer to your problem,\n\
        then you don't know what your problem is.\n\
        \n\
        \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    #[test]
    fn go_reference_vector_sign_and_open() {
        let s = Ed25519Signer::from_private_key(SKEY).unwrap();
        assert_eq!(s.verifier_key(), VKEY);
        assert_eq!(s.private_key(), SKEY);
        assert_eq!(sign_note(TEXT, &[&s]).unwrap(), SIGNED);
        let v = Ed25519Verifier::from_verifier_key(VKEY).unwrap();
        assert_eq!(open_note(SIGNED, &[&v]).unwrap(), TEXT);
    }

    #[test]
    fn mangled_keys_and_notes_are_refused() {
        assert!(Ed25519Verifier::from_verifier_key(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        )
        .is_err());
        assert!(Ed25519Verifier::from_verifier_key(
            "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )
        .is_err());
        assert!(Ed25519Verifier::from_verifier_key(
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )
        .is_err());
        let v = Ed25519Verifier::from_verifier_key(VKEY).unwrap();
        let tampered = SIGNED.replace("cryptography", "Cryptography");
        assert!(matches!(
            open_note(&tampered, &[&v]),
            Err(NoteError::BadSignature { .. })
        ));
        let other = Ed25519Signer::from_seed("Other", [7; 32]).unwrap();
        let ov = Ed25519Verifier::from_verifier_key(&other.verifier_key()).unwrap();
        assert!(matches!(
            open_note(SIGNED, &[&ov]),
            Err(NoteError::UnverifiedNote(_))
        ));
    }

    #[test]
    fn checkpoint_round_trip() {
        let cp = Checkpoint {
            origin: "example.com/log".into(),
            size: 42,
            root: Hash([9; 32]),
            extensions: vec!["envguard-env prod".into()],
        };
        let s = Ed25519Signer::from_seed("example.com/log", [1; 32]).unwrap();
        let note = sign_note(&cp.to_text(), &[&s]).unwrap();
        assert!(note.starts_with("example.com/log\n42\nCQkJ"));
        let v = Ed25519Verifier::from_verifier_key(&s.verifier_key()).unwrap();
        assert_eq!(
            open_checkpoint(&note, "example.com/log", &[&v]).unwrap(),
            cp
        );
        assert!(open_checkpoint(&note, "other", &[&v]).is_err());
        assert!(Checkpoint::parse("o\n042\nAAAA\n").is_err());
        assert!(Checkpoint::parse("o\n1\n").is_err());
    }
}
