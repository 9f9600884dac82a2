//! Bearer tokens scoped to one environment, one role and a set of actions
//! (policy 000 §5: separate access control per environment).
//!
//! A token reads `egt_<id>_<secret>`: the id (12 hex digits) names the record,
//! the secret is 32 random bytes (base64url). The tokens file keeps, per
//! token, its scope, a random 16-byte salt and HMAC-SHA256(salt, secret),
//! never the secret. Why a keyed SHA-256 and not argon2: the secret is 256
//! bits drawn from the OS, not a password a person chose, so a slow hash adds
//! nothing against guessing (2^256 tries either way) while argon2's tens of
//! milliseconds and megabytes per check would be paid on every request of an
//! ingestion stream. The comparison is `Mac::verify_slice`, constant-time.

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::HashMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

type HmacSha256 = Hmac<Sha256>;

const PREFIX: &str = "egt_";
const FILE_VERSION: u32 = 1;

/// What a token may do in its environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Append events and sign checkpoints.
    Append,
    /// Read checkpoints and proofs.
    Read,
    /// Read events (an export, recorded in the environment's ledger).
    Export,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Append => "append",
            Action::Read => "read",
            Action::Export => "export",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        match s {
            "append" => Some(Action::Append),
            "read" => Some(Action::Read),
            "export" => Some(Action::Export),
            _ => None,
        }
    }
}

/// One stored token: its scope and the keyed hash of its secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRecord {
    pub id: String,
    pub env: String,
    pub role: String,
    pub actions: Vec<Action>,
    /// Hex of the 16-byte HMAC key.
    pub salt: String,
    /// Hex of HMAC-SHA256(salt, secret).
    pub hash: String,
    pub created_utc: String,
    pub expires_utc: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenFile {
    version: u32,
    tokens: Vec<TokenRecord>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

/// Why a bearer token was refused. The messages never quote the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no bearer token: send `Authorization: Bearer egt_…`")]
    Missing,
    #[error("the bearer token is not valid")]
    Unknown,
    #[error("token {id} expired at {at}")]
    Expired { id: String, at: String },
    #[error("token {id} is for the {token_env} environment, not {env}")]
    WrongEnv {
        id: String,
        token_env: String,
        env: String,
    },
    #[error("token {id} may not {action} (it may: {allowed})")]
    WrongAction {
        id: String,
        action: &'static str,
        allowed: String,
    },
}

/// An authenticated token's scope.
#[derive(Debug, Clone)]
pub struct Grant {
    pub id: String,
    pub env: String,
    pub role: String,
    pub actions: Vec<Action>,
}

/// The tokens of a server, by id.
#[derive(Debug, Default)]
pub struct Tokens {
    by_id: HashMap<String, TokenRecord>,
}

fn file_err(path: &Path, e: impl std::fmt::Display) -> TokenError {
    TokenError::File {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok()))
        .collect()
}

fn read_file(path: &Path) -> Result<TokenFile, TokenError> {
    match fs::read_to_string(path) {
        Ok(text) => {
            let f: TokenFile = serde_json::from_str(&text).map_err(|e| file_err(path, e))?;
            if f.version != FILE_VERSION {
                return Err(file_err(
                    path,
                    format!("version {}, this envguard reads {FILE_VERSION}", f.version),
                ));
            }
            Ok(f)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TokenFile {
            version: FILE_VERSION,
            tokens: Vec::new(),
        }),
        Err(e) => Err(file_err(path, e)),
    }
}

/// Replaces `path` with `contents`, owner-only, through a synced temporary
/// file and a rename: a crash leaves the old file or the new one.
fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), TokenError> {
    let mut tmp = PathBuf::from(path);
    tmp.set_extension("json.tmp");
    let mut o = fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(&tmp).map_err(|e| file_err(&tmp, e))?;
    f.write_all(contents).map_err(|e| file_err(&tmp, e))?;
    f.sync_all().map_err(|e| file_err(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| file_err(path, e))
}

fn random<const N: usize>() -> Result<[u8; N], TokenError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| TokenError::Invalid(format!("no randomness: {e}")))?;
    Ok(b)
}

fn keyed_hash(salt: &[u8], secret: &str) -> Result<HmacSha256, TokenError> {
    let mut mac = HmacSha256::new_from_slice(salt)
        .map_err(|e| TokenError::Invalid(format!("token salt: {e}")))?;
    mac.update(secret.as_bytes());
    Ok(mac)
}

fn check_name(what: &str, s: &str) -> Result<(), TokenError> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_');
    if ok {
        Ok(())
    } else {
        Err(TokenError::Invalid(format!(
            "{what} {s:?}: use lowercase letters, digits, - and _ (at most 64)"
        )))
    }
}

/// A new token's scope.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub env: String,
    pub role: String,
    pub actions: Vec<Action>,
    pub expires: Option<jiff::Timestamp>,
}

/// Adds a token to the tokens file at `path` (created 0600 if absent) and
/// returns the token itself, which is stored nowhere: show it once.
pub fn create_token(path: &Path, new: &NewToken) -> Result<(String, TokenRecord), TokenError> {
    check_name("environment", &new.env)?;
    check_name("role", &new.role)?;
    if new.actions.is_empty() {
        return Err(TokenError::Invalid(
            "give at least one action (--can append|read|export)".into(),
        ));
    }
    let mut file = read_file(path)?;
    let id = hex(&random::<6>()?);
    let secret = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random::<32>()?)
    };
    let salt = random::<16>()?;
    let hash = keyed_hash(&salt, &secret)?.finalize().into_bytes();
    let mut actions = new.actions.clone();
    actions.sort_by_key(|a| a.as_str());
    actions.dedup();
    let rec = TokenRecord {
        id: id.clone(),
        env: new.env.clone(),
        role: new.role.clone(),
        actions,
        salt: hex(&salt),
        hash: hex(&hash),
        created_utc: jiff::Timestamp::now().to_string(),
        expires_utc: new.expires.map(|t| t.to_string()),
    };
    file.tokens.push(rec.clone());
    let mut text =
        serde_json::to_vec_pretty(&file).map_err(|e| TokenError::Invalid(e.to_string()))?;
    text.push(b'\n');
    write_atomic(path, &text)?;
    Ok((format!("{PREFIX}{id}_{secret}"), rec))
}

impl Tokens {
    /// Reads the tokens file (none yet: no token is accepted).
    pub fn load(path: &Path) -> Result<Tokens, TokenError> {
        let file = read_file(path)?;
        let mut by_id = HashMap::new();
        for t in file.tokens {
            if unhex(&t.salt).is_none() || unhex(&t.hash).is_none() {
                return Err(file_err(
                    path,
                    format!("token {}: salt or hash is not hex", t.id),
                ));
            }
            if let Some(e) = &t.expires_utc {
                e.parse::<jiff::Timestamp>()
                    .map_err(|err| file_err(path, format!("token {}: expires_utc: {err}", t.id)))?;
            }
            by_id.insert(t.id.clone(), t);
        }
        Ok(Tokens { by_id })
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Checks the value of an `Authorization` header and returns the token's
    /// scope, or why it is refused (no scope check here: see [`Grant::allows`]).
    pub fn authenticate(
        &self,
        header: Option<&str>,
        now: jiff::Timestamp,
    ) -> Result<Grant, AuthError> {
        let header = header.ok_or(AuthError::Missing)?;
        let (scheme, token) = header.trim().split_once(' ').ok_or(AuthError::Missing)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(AuthError::Missing);
        }
        let rest = token
            .trim()
            .strip_prefix(PREFIX)
            .ok_or(AuthError::Unknown)?;
        let (id, secret) = rest.split_once('_').ok_or(AuthError::Unknown)?;
        let rec = self.by_id.get(id).ok_or(AuthError::Unknown)?;
        let salt = unhex(&rec.salt).ok_or(AuthError::Unknown)?;
        let expected = unhex(&rec.hash).ok_or(AuthError::Unknown)?;
        keyed_hash(&salt, secret)
            .map_err(|_| AuthError::Unknown)?
            .verify_slice(&expected)
            .map_err(|_| AuthError::Unknown)?;
        if let Some(exp) = &rec.expires_utc {
            let at: jiff::Timestamp = exp.parse().map_err(|_| AuthError::Unknown)?;
            if now >= at {
                return Err(AuthError::Expired {
                    id: rec.id.clone(),
                    at: exp.clone(),
                });
            }
        }
        Ok(Grant {
            id: rec.id.clone(),
            env: rec.env.clone(),
            role: rec.role.clone(),
            actions: rec.actions.clone(),
        })
    }
}

/// The tokens file as last read, read again when its modification time
/// changes: a token created (or a record deleted) while the server runs
/// counts from the next request, without a restart.
#[derive(Debug)]
pub struct TokenCache {
    path: PathBuf,
    current: std::sync::RwLock<(Option<std::time::SystemTime>, std::sync::Arc<Tokens>)>,
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl TokenCache {
    pub fn load(path: &Path) -> Result<TokenCache, TokenError> {
        let stamp = modified(path);
        let tokens = Tokens::load(path)?;
        Ok(TokenCache {
            path: path.to_owned(),
            current: std::sync::RwLock::new((stamp, std::sync::Arc::new(tokens))),
        })
    }

    /// The current tokens; a file that no longer reads keeps the last good
    /// set (and says so once per change on standard error).
    pub fn get(&self) -> std::sync::Arc<Tokens> {
        let stamp = modified(&self.path);
        if let Ok(cur) = self.current.read() {
            if cur.0 == stamp {
                return cur.1.clone();
            }
        }
        let Ok(mut cur) = self.current.write() else {
            return std::sync::Arc::new(Tokens::default());
        };
        if cur.0 != stamp {
            cur.0 = stamp;
            match Tokens::load(&self.path) {
                Ok(t) => cur.1 = std::sync::Arc::new(t),
                Err(e) => crate::log(&format!("keeping the tokens read before: {e}")),
            }
        }
        cur.1.clone()
    }
}

impl Grant {
    /// Whether this token may do `action` in `env`.
    pub fn allows(&self, env: &str, action: Action) -> Result<(), AuthError> {
        if self.env != env {
            return Err(AuthError::WrongEnv {
                id: self.id.clone(),
                token_env: self.env.clone(),
                env: env.to_owned(),
            });
        }
        if !self.actions.contains(&action) {
            return Err(AuthError::WrongAction {
                id: self.id.clone(),
                action: action.as_str(),
                allowed: self
                    .actions
                    .iter()
                    .map(|a| a.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(dir: &Path, env: &str, actions: &[Action], expires: Option<jiff::Timestamp>) -> String {
        let new = NewToken {
            env: env.into(),
            role: "app".into(),
            actions: actions.to_vec(),
            expires,
        };
        create_token(&dir.join("tokens.json"), &new)
            .expect("create")
            .0
    }

    #[test]
    fn a_token_authenticates_and_its_scope_is_enforced() {
        let d = tempfile::tempdir().expect("tempdir");
        let t = make(d.path(), "staging", &[Action::Append], None);
        let tokens = Tokens::load(&d.path().join("tokens.json")).expect("load");
        let g = tokens
            .authenticate(Some(&format!("Bearer {t}")), jiff::Timestamp::now())
            .expect("valid");
        assert_eq!((g.env.as_str(), g.role.as_str()), ("staging", "app"));
        assert!(g.allows("staging", Action::Append).is_ok());
        assert!(matches!(
            g.allows("prod", Action::Append),
            Err(AuthError::WrongEnv { .. })
        ));
        assert!(matches!(
            g.allows("staging", Action::Export),
            Err(AuthError::WrongAction { .. })
        ));
    }

    #[test]
    fn a_wrong_secret_an_unknown_id_and_an_expired_token_are_refused() {
        let d = tempfile::tempdir().expect("tempdir");
        let t = make(d.path(), "prod", &[Action::Read], None);
        let past = jiff::Timestamp::from_second(1_000_000_000).expect("ts");
        let old = make(d.path(), "prod", &[Action::Read], Some(past));
        let tokens = Tokens::load(&d.path().join("tokens.json")).expect("load");
        let now = jiff::Timestamp::now();
        let mut wrong = t.clone();
        wrong.pop();
        wrong.push(if t.ends_with('A') { 'B' } else { 'A' });
        let auth = |s: &str| tokens.authenticate(Some(&format!("Bearer {s}")), now);
        assert_eq!(auth(&wrong).err(), Some(AuthError::Unknown));
        assert_eq!(auth("egt_000000000000_x").err(), Some(AuthError::Unknown));
        assert!(matches!(auth(&old), Err(AuthError::Expired { .. })));
        assert_eq!(
            tokens.authenticate(None, now).err(),
            Some(AuthError::Missing)
        );
        assert!(auth(&t).is_ok());
    }

    #[test]
    fn the_file_holds_no_secret() {
        let d = tempfile::tempdir().expect("tempdir");
        let t = make(d.path(), "dev", &[Action::Append, Action::Read], None);
        let text = fs::read_to_string(d.path().join("tokens.json")).expect("read");
        let secret = t
            .strip_prefix(PREFIX)
            .and_then(|r| r.split_once('_'))
            .map(|(_, s)| s)
            .unwrap_or_default();
        assert!(secret.len() >= 43);
        assert!(!text.contains(secret));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(d.path().join("tokens.json"))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
