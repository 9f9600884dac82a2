//! SHA-256 of artifacts and evidence files, and `sha256:` digests given as text.

use crate::hex;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// Read size while hashing: large enough that the SHA-256 compression
/// (SHA-NI where the CPU has it, picked at run time by `sha2`) dominates the
/// system calls.
const CHUNK: usize = 1 << 20;

/// A file that could not be hashed, naming it.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DigestError {
    pub path: String,
    pub message: String,
}

/// The lowercase hex SHA-256 of a file, streamed.
pub fn sha256_file(path: &Path) -> Result<String, DigestError> {
    let err = |e: std::io::Error| DigestError {
        path: path.display().to_string(),
        message: format!("cannot read ({e})"),
    };
    let mut f = std::fs::File::open(path).map_err(err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(err(e)),
        }
    }
    Ok(hex(&hasher.finalize()))
}

pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `sha256:<64 hex>` → the hex, lowercased; `None` for anything else.
pub fn parse_sha256(s: &str) -> Option<String> {
    let h = s.strip_prefix("sha256:")?;
    (h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())).then(|| h.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn file_digest_is_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a");
        std::fs::write(&p, b"abc").unwrap();
        // FIPS 180-2 example "abc".
        assert_eq!(
            sha256_file(&p).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(sha256_file(&dir.path().join("missing"))
            .unwrap_err()
            .to_string()
            .contains("missing: cannot read"));
    }

    #[test]
    fn sha256_text_digests() {
        let h = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
        assert_eq!(
            parse_sha256(&format!("sha256:{h}")).unwrap(),
            h.to_ascii_lowercase()
        );
        assert_eq!(parse_sha256(h), None);
        assert_eq!(parse_sha256("sha256:abc"), None);
        assert_eq!(parse_sha256(&format!("sha512:{}", "a".repeat(64))), None);
    }
}
