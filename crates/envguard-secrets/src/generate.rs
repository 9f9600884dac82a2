//! The approved generators of 003 §6 step 2.

use crate::config::{Charset, Generator};
use crate::hooks;
use crate::{SecretValue, SecretsError};
use std::time::Duration;
use zeroize::Zeroizing;

/// `length` letters of `charset`, drawn without bias (rejection sampling
/// over the operating system's CSPRNG).
pub fn random(length: usize, charset: Charset) -> Result<SecretValue, SecretsError> {
    if !(8..=4096).contains(&length) {
        return Err(SecretsError::Invalid(format!(
            "a random secret's length must be 8 to 4096, not {length}"
        )));
    }
    let letters = charset.letters();
    let n = letters.len();
    // The largest multiple of n that fits a byte: bytes at or above it are redrawn.
    let limit = 256 - (256 % n);
    let mut out = Vec::with_capacity(length);
    let mut buf = Zeroizing::new([0u8; 64]);
    while out.len() < length {
        getrandom::fill(buf.as_mut())
            .map_err(|e| SecretsError::Invalid(format!("no randomness: {e}")))?;
        for &b in buf.iter() {
            if (b as usize) < limit && out.len() < length {
                out.push(letters[b as usize % n]);
            }
        }
    }
    Ok(SecretValue::new(out))
}

/// A fresh Ed25519 key pair: the PKCS#8 PEM private key is the value.
pub fn ed25519() -> Result<SecretValue, SecretsError> {
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut())
        .map_err(|e| SecretsError::Invalid(format!("no randomness: {e}")))?;
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let pem = key
        .to_pkcs8_pem(Default::default())
        .map_err(|e| SecretsError::Invalid(format!("encoding the key: {e}")))?;
    Ok(SecretValue::new(pem.as_bytes().to_vec()))
}

/// Runs the configured generator for `env`/`name`.
pub fn generate(
    generator: &Generator,
    env: &str,
    name: &str,
    timeout: Duration,
) -> Result<SecretValue, SecretsError> {
    match generator {
        Generator::Random { length, charset } => random(*length, *charset),
        Generator::Ed25519 => ed25519(),
        Generator::Command { command } => {
            let (outcome, value) = hooks::run(
                command,
                None,
                &[
                    ("ENVGUARD_SECRET_ENV", env.to_owned()),
                    ("ENVGUARD_SECRET_NAME", name.to_owned()),
                ],
                timeout,
            )?;
            if !outcome.ok() {
                return Err(SecretsError::Rotation(format!(
                    "generator command {command:?} failed (exit {:?}{})",
                    outcome.exit_code,
                    if outcome.timed_out { ", timed out" } else { "" }
                )));
            }
            let value = value.trim_newline();
            if value.is_empty() {
                return Err(SecretsError::Rotation(format!(
                    "generator command {command:?} printed no value"
                )));
            }
            Ok(value)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn random_values_have_the_length_and_letters_asked() {
        let v = random(40, Charset::Hex).unwrap();
        assert_eq!(v.len(), 40);
        assert!(v.expose().iter().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(v, random(40, Charset::Hex).unwrap());
        assert!(random(4, Charset::Hex).is_err());
    }

    #[test]
    fn ed25519_keys_are_pkcs8_pem() {
        let v = ed25519().unwrap();
        let text = std::str::from_utf8(v.expose()).unwrap();
        assert!(
            text.starts_with("-----BEGIN PRIVATE KEY-----"),
            "PEM header"
        );
    }
}
