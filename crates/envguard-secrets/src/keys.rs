//! The per-environment store keys: 256 bits each, one file per environment,
//! kept outside the repository (000 §4: the store and its keys apart), owner-only.
//!
//! `$ENVGUARD_SECRETS_HOME/keys/<store-id>/<env>.key`, else
//! `$XDG_DATA_HOME/envguard/keys/…`, else `~/.local/share/envguard/keys/…`.

use crate::fsutil::{check_private, private_dir, write_atomic};
use crate::SecretsError;
use base64::Engine as _;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// A 256-bit environment key.
pub struct EnvKey {
    bytes: Zeroizing<[u8; 32]>,
    path: PathBuf,
}

impl std::fmt::Debug for EnvKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EnvKey({}, <redacted>)", self.path.display())
    }
}

impl EnvKey {
    pub fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The directory that holds the keys of all stores.
pub fn keys_home() -> Result<PathBuf, SecretsError> {
    if let Some(h) = std::env::var_os("ENVGUARD_SECRETS_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(h).join("keys"));
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(x).join("envguard").join("keys"));
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".local/share/envguard/keys")),
        None => Err(SecretsError::Invalid(
            "no place for the store keys: set ENVGUARD_SECRETS_HOME (a directory outside the repository)".into(),
        )),
    }
}

/// `<home>/<store-id>/<env>.key`.
pub fn key_path(store_id: &str, env: &str) -> Result<PathBuf, SecretsError> {
    Ok(keys_home()?.join(store_id).join(format!("{env}.key")))
}

/// The root of the git work tree holding `dir`, if any.
fn repo_root(dir: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(dir).ok()?;
    abs.ancestors()
        .find(|a| a.join(".git").exists())
        .map(Path::to_path_buf)
}

/// Refuses a key path inside the repository that holds the store.
pub fn check_outside_repo(key: &Path, store_dir: &Path) -> Result<(), SecretsError> {
    let Some(root) = repo_root(store_dir) else {
        return Ok(());
    };
    let key_abs = std::path::absolute(key).map_err(|e| SecretsError::file(key, e))?;
    if key_abs.starts_with(&root) {
        return Err(SecretsError::file(
            key,
            format!(
                "the key would lie inside the repository {} that holds the store; set ENVGUARD_SECRETS_HOME to a directory outside it",
                root.display()
            ),
        ));
    }
    Ok(())
}

/// Creates a fresh key (fails if one exists: a key is never overwritten).
pub fn create(store_id: &str, env: &str, store_dir: &Path) -> Result<EnvKey, SecretsError> {
    let path = key_path(store_id, env)?;
    check_outside_repo(&path, store_dir)?;
    if path.exists() {
        return Err(SecretsError::file(
            &path,
            "a key for this environment already exists; it is never overwritten",
        ));
    }
    if let Some(dir) = path.parent() {
        private_dir(dir)?;
    }
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut())
        .map_err(|e| SecretsError::Invalid(format!("no randomness for a key: {e}")))?;
    let text = Zeroizing::new(format!(
        "{}\n",
        base64::engine::general_purpose::STANDARD.encode(bytes.as_ref())
    ));
    write_atomic(&path, text.as_bytes())?;
    Ok(EnvKey { bytes, path })
}

/// Loads the key of `env`.
pub fn load(store_id: &str, env: &str) -> Result<EnvKey, SecretsError> {
    let path = key_path(store_id, env)?;
    load_from(&path)
}

pub fn load_from(path: &Path) -> Result<EnvKey, SecretsError> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
        SecretsError::file(
            path,
            format!("cannot read the environment key: {e} (set ENVGUARD_SECRETS_HOME to where the keys are)"),
        )
    })?);
    check_private(path)?;
    let decoded = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| SecretsError::file(path, "line 1: not a base64 key"))?,
    );
    let arr: [u8; 32] = decoded.as_slice().try_into().map_err(|_| {
        SecretsError::file(
            path,
            format!("line 1: a key is 32 bytes, this one {}", decoded.len()),
        )
    })?;
    Ok(EnvKey {
        bytes: Zeroizing::new(arr),
        path: path.to_path_buf(),
    })
}
