//! The embedded store: one SQLite file per environment under the store
//! directory (`<dir>/<env>.sqlite`, WAL, `synchronous = FULL`), each value
//! sealed with XChaCha20-Poly1305 under that environment's own key, with the
//! store id, environment, name and version as associated data (a sealed
//! value moved to another name, version or environment does not open).
//! Every call is checked against the [`Policy`] and recorded, refusals
//! included, in the environment's ledger: the access log of 000 §4.

use crate::backend::{Actor, Backend, SecretMeta, VersionInfo, VersionState, Which};
use crate::fsutil::{private_dir, write_atomic};
use crate::keys::{self, EnvKey};
use crate::policy::{Capability, Policy};
use crate::{SecretValue, SecretsError};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use envguard_ledger::{Ledger, LedgerConfig};
use envguard_model::{SecretKind, StoreEnvironment, StoreFacts, StoreSecret, Tier};
use hmac::{Hmac, Mac};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

type HmacSha256 = Hmac<Sha256>;

const STORE_ID_FILE: &str = "store-id";
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS versions (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    kind TEXT NOT NULL,
    nonce BLOB,
    sealed BLOB,
    created_unix INTEGER NOT NULL,
    state_unix INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE INDEX IF NOT EXISTS versions_state ON versions (name, state);
";
const KEY_CHECK: &[u8] = b"envguard-secrets key check v1";

fn now_unix() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn kind_str(k: SecretKind) -> &'static str {
    k.as_str()
}

fn parse_kind(s: &str) -> SecretKind {
    match s {
        "password" => SecretKind::Password,
        "api-token" => SecretKind::ApiToken,
        "signing-key" => SecretKind::SigningKey,
        "encryption-key" => SecretKind::EncryptionKey,
        _ => SecretKind::Other,
    }
}

/// A secret's name: `/`-separated segments of letters, digits, `.`, `_`, `-`.
pub fn check_name(name: &str) -> Result<(), SecretsError> {
    let ok = !name.is_empty()
        && name.len() <= 256
        && name.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
        });
    if ok {
        Ok(())
    } else {
        Err(SecretsError::Invalid(format!(
            "{name:?} is not a secret name (segments of letters, digits, `.`, `_`, `-`, separated by `/`)"
        )))
    }
}

fn check_env(env: &str) -> Result<(), SecretsError> {
    let ok = !env.is_empty()
        && env.len() <= 64
        && env
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_');
    if ok {
        Ok(())
    } else {
        Err(SecretsError::Invalid(format!(
            "{env:?} is not an environment name (lowercase letters, digits, - and _)"
        )))
    }
}

/// What the store needs to know besides its directory.
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    pub dir: PathBuf,
    pub ledger_dir: PathBuf,
    pub policy: Option<Policy>,
    /// Tier of each environment the inventory names; others by their name.
    pub tiers: HashMap<String, Tier>,
    pub due_soon_days: u32,
}

struct Sealer {
    cipher: XChaCha20Poly1305,
    fp_key: Zeroizing<[u8; 32]>,
}

struct EnvStore {
    conn: Connection,
    db_path: PathBuf,
    sealer: Option<Sealer>,
}

/// The embedded store.
pub struct EmbeddedStore {
    opts: EmbeddedOptions,
    store_id: Option<String>,
    envs: HashMap<String, EnvStore>,
    ledgers: crate::ledgers::Ledgers,
    /// During a batch: its environment and the events it will log, in order.
    batch: Option<Batch>,
    /// Reads counted by [`Backend::reads_since`], kept so that a batch's
    /// revoke step reads the log once, not once per secret.
    reads: Option<ReadCounts>,
}

/// Reads per (name, version) in one environment's log from `cursor` up to `end`.
struct ReadCounts {
    env: String,
    cursor: u64,
    end: u64,
    counts: HashMap<(String, u64), u64>,
}

/// A batch in progress ([`Backend::begin_batch`]).
struct Batch {
    env: String,
    events: Vec<(String, String, Value)>,
}

fn sql_err(path: &Path) -> impl Fn(rusqlite::Error) -> SecretsError + '_ {
    move |e| SecretsError::Sqlite {
        store: path.display().to_string(),
        message: e.to_string(),
    }
}

fn open_conn(path: &Path) -> Result<Connection, SecretsError> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql_err(path))?;
    let setup = || -> rusqlite::Result<()> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(())
    };
    setup().map_err(|e| SecretsError::Sqlite {
        store: path.display().to_string(),
        message: format!("not an envguard secret store ({e})"),
    })?;
    Ok(conn)
}

fn aad(store_id: &str, env: &str, name: &str, version: u64) -> Vec<u8> {
    let mut a = Vec::with_capacity(64 + name.len());
    for part in ["envguard-secrets v1", store_id, env, name] {
        a.extend_from_slice(&(part.len() as u64).to_le_bytes());
        a.extend_from_slice(part.as_bytes());
    }
    a.extend_from_slice(&version.to_le_bytes());
    a
}

impl Sealer {
    fn new(key: &EnvKey) -> Self {
        let cipher = XChaCha20Poly1305::new(key.bytes().into());
        let mut fp_key = Zeroizing::new([0u8; 32]);
        if let Ok(mut mac) = <HmacSha256 as hmac::KeyInit>::new_from_slice(key.bytes()) {
            mac.update(b"envguard-secrets fingerprint key v1");
            fp_key.copy_from_slice(&mac.finalize().into_bytes());
        }
        Sealer { cipher, fp_key }
    }

    fn seal(&self, aad: &[u8], value: &[u8]) -> Result<(Vec<u8>, Vec<u8>), SecretsError> {
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce)
            .map_err(|e| SecretsError::Invalid(format!("no randomness for a nonce: {e}")))?;
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: value, aad })
            .map_err(|_| SecretsError::Invalid("sealing failed".into()))?;
        Ok((nonce.to_vec(), sealed))
    }

    fn open(&self, aad: &[u8], nonce: &[u8], sealed: &[u8]) -> Option<SecretValue> {
        if nonce.len() != 24 {
            return None;
        }
        self.cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad })
            .ok()
            .map(SecretValue::new)
    }

    fn fingerprint(&self, value: &[u8]) -> String {
        match <HmacSha256 as hmac::KeyInit>::new_from_slice(self.fp_key.as_ref()) {
            Ok(mut mac) => {
                mac.update(value);
                mac.finalize().into_bytes()[..16]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect()
            }
            Err(_) => String::new(),
        }
    }
}

impl EmbeddedStore {
    pub fn new(opts: EmbeddedOptions) -> Self {
        EmbeddedStore {
            opts,
            store_id: None,
            envs: HashMap::new(),
            ledgers: Default::default(),
            batch: None,
            reads: None,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.opts.dir
    }

    pub fn db_path(&self, env: &str) -> PathBuf {
        self.opts.dir.join(format!("{env}.sqlite"))
    }

    fn tier(&self, env: &str) -> Tier {
        self.opts
            .tiers
            .get(env)
            .copied()
            .or_else(|| Tier::of_alias(env))
            .unwrap_or(Tier::Test)
    }

    /// The store's id (`<dir>/store-id`), naming its key directory.
    pub fn store_id(&mut self) -> Result<String, SecretsError> {
        if let Some(id) = &self.store_id {
            return Ok(id.clone());
        }
        let path = self.opts.dir.join(STORE_ID_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                SecretsError::file(
                    &path,
                    "no secret store here (run `envguard secrets init ENV`)",
                )
            } else {
                SecretsError::file(&path, e)
            }
        })?;
        let id = text.trim().to_owned();
        if id.len() != 32 || !id.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(SecretsError::file(
                &path,
                "line 1: not a store id (32 hex digits)",
            ));
        }
        self.store_id = Some(id.clone());
        Ok(id)
    }

    /// Environments that have a store file, sorted.
    pub fn environments(&self) -> Result<Vec<String>, SecretsError> {
        let rd = match std::fs::read_dir(&self.opts.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(SecretsError::file(&self.opts.dir, e)),
        };
        let mut out = Vec::new();
        for entry in rd {
            let entry = entry.map_err(|e| SecretsError::file(&self.opts.dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(env) = name.strip_suffix(".sqlite") {
                if check_env(env).is_ok() {
                    out.push(env.to_owned());
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Creates the store of `env`: the store id (first time), the
    /// environment's key outside the repository, its database and, when
    /// missing, its ledger.
    pub fn init(&mut self, actor: &Actor, env: &str) -> Result<PathBuf, SecretsError> {
        check_env(env)?;
        if let Some(policy) = &self.opts.policy {
            if !policy.allows_any(&actor.role, env, Capability::Write) {
                return Err(self.deny(actor, env, "*", Capability::Write));
            }
        }
        private_dir(&self.opts.dir)?;
        let id_path = self.opts.dir.join(STORE_ID_FILE);
        if !id_path.exists() {
            let mut id = [0u8; 16];
            getrandom::fill(&mut id)
                .map_err(|e| SecretsError::Invalid(format!("no randomness: {e}")))?;
            let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
            write_atomic(&id_path, format!("{hex}\n").as_bytes())?;
        }
        let store_id = self.store_id()?;
        let db = self.db_path(env);
        if db.exists() {
            return Err(SecretsError::file(
                &db,
                format!("the {env} store already exists"),
            ));
        }
        // The ledger first (the store is never without its access log), then
        // the key, then the database, built under a temporary name and
        // renamed into place: a failure leaves no half-made store, and the
        // key made for it is removed again.
        let edir = envguard_ledger::ledger::env_dir(&self.opts.ledger_dir, env);
        if !edir.join(envguard_ledger::ledger::DB_FILE).exists() {
            Ledger::init(&self.opts.ledger_dir, LedgerConfig::defaults(env)).map_err(|source| {
                SecretsError::Ledger {
                    env: env.to_owned(),
                    source,
                }
            })?;
        }
        let key = keys::create(&store_id, env, &self.opts.dir)?;
        let tmp = self.opts.dir.join(format!(".{env}.sqlite.init"));
        let made = self.make_db(&key, &store_id, env, &tmp, &db);
        if let Err(e) = made {
            let _ = std::fs::remove_file(&tmp);
            let _ = std::fs::remove_file(key.path());
            return Err(e);
        }
        self.log(
            actor,
            env,
            "secrets.init",
            json!({ "store": db.display().to_string(), "key_file": key.path().display().to_string() }),
        )?;
        Ok(key.path().to_path_buf())
    }

    /// Writes a new store database for `env` at `tmp`, then renames it to `db`.
    fn make_db(
        &self,
        key: &EnvKey,
        store_id: &str,
        env: &str,
        tmp: &Path,
        db: &Path,
    ) -> Result<(), SecretsError> {
        let sealer = Sealer::new(key);
        let _ = std::fs::remove_file(tmp);
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        o.open(tmp).map_err(|e| SecretsError::file(tmp, e))?;
        {
            let conn = open_conn(tmp)?;
            let (nonce, sealed) = sealer.seal(&aad(store_id, env, "", 0), KEY_CHECK)?;
            let mut check = nonce;
            check.extend_from_slice(&sealed);
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('key_check', ?1), ('environment', ?2)",
                params![check, env.as_bytes()],
            )
            .map_err(sql_err(tmp))?;
            conn.pragma_update(None, "journal_mode", "DELETE")
                .map_err(sql_err(tmp))?;
        }
        std::fs::rename(tmp, db).map_err(|e| SecretsError::file(db, e))
    }

    fn ledger(&mut self, env: &str) -> Result<&mut Ledger, SecretsError> {
        self.ledgers.get(&self.opts.ledger_dir, env)
    }

    /// Appends one access event to the environment's ledger.
    fn log(
        &mut self,
        actor: &Actor,
        env: &str,
        action: &str,
        mut details: Value,
    ) -> Result<(), SecretsError> {
        if let Value::Object(m) = &mut details {
            m.insert("actor".into(), Value::String(actor.name.clone()));
        }
        let role = actor.role.clone();
        if let Some(b) = self.batch.as_mut().filter(|b| b.env == env) {
            b.events.push((role, action.to_owned(), details));
            return Ok(());
        }
        self.ledger(env)?
            .audit(&role, action, details)
            .map_err(|source| SecretsError::Ledger {
                env: env.to_owned(),
                source,
            })
    }

    /// Records a refusal and returns the error to give the caller.
    fn deny(&mut self, actor: &Actor, env: &str, name: &str, cap: Capability) -> SecretsError {
        let policy = self
            .opts
            .policy
            .as_ref()
            .map_or_else(|| "(none)".to_owned(), |p| p.path.clone());
        let err = SecretsError::Denied {
            role: actor.role.clone(),
            capability: cap.as_str(),
            env: env.to_owned(),
            name: name.to_owned(),
            policy,
        };
        match self.log(
            actor,
            env,
            "secrets.denied",
            json!({ "name": name, "capability": cap.as_str() }),
        ) {
            Ok(()) => err,
            Err(e) => SecretsError::Invalid(format!("{err}; recording the refusal failed: {e}")),
        }
    }

    fn authorize(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
        cap: Capability,
    ) -> Result<(), SecretsError> {
        check_env(env)?;
        let Some(policy) = &self.opts.policy else {
            return Err(SecretsError::Invalid(
                "no access policy: name a policy file in envguard.toml (`[secrets] policy = \"secrets-policy.toml\"`); every call is checked against it".into(),
            ));
        };
        let ok = if name == "*" {
            policy.allows_any(&actor.role, env, cap)
        } else {
            policy.allows(&actor.role, env, name, cap)
        };
        if ok {
            Ok(())
        } else {
            Err(self.deny(actor, env, name, cap))
        }
    }

    fn env_store(&mut self, env: &str) -> Result<&mut EnvStore, SecretsError> {
        if !self.envs.contains_key(env) {
            let db_path = self.db_path(env);
            if !db_path.exists() {
                return Err(SecretsError::NoStore {
                    env: env.to_owned(),
                    dir: self.opts.dir.display().to_string(),
                });
            }
            let conn = open_conn(&db_path)?;
            self.envs.insert(
                env.to_owned(),
                EnvStore {
                    conn,
                    db_path,
                    sealer: None,
                },
            );
        }
        self.envs
            .get_mut(env)
            .ok_or_else(|| SecretsError::Invalid("store cache".into()))
    }

    /// The environment's store with its key loaded and checked.
    fn sealed_store(&mut self, env: &str) -> Result<(&mut EnvStore, String), SecretsError> {
        let store_id = self.store_id()?;
        let es = self.env_store(env)?;
        if es.sealer.is_none() {
            let key = keys::load(&store_id, env)?;
            let sealer = Sealer::new(&key);
            let check: Option<Vec<u8>> = es
                .conn
                .query_row("SELECT value FROM meta WHERE key = 'key_check'", [], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(sql_err(&es.db_path))?;
            let ok = check.as_deref().is_some_and(|c| {
                c.len() > 24
                    && sealer
                        .open(&aad(&store_id, env, "", 0), &c[..24], &c[24..])
                        .is_some_and(|v| v.expose() == KEY_CHECK)
            });
            if !ok {
                return Err(SecretsError::WrongKey {
                    env: env.to_owned(),
                    store: es.db_path.display().to_string(),
                    key: key.path().display().to_string(),
                });
            }
            es.sealer = Some(sealer);
        }
        Ok((es, store_id))
    }

    fn meta_of(
        conn: &Connection,
        db: &Path,
        env: &str,
        name: &str,
    ) -> Result<Option<SecretMeta>, SecretsError> {
        let mut stmt = conn
            .prepare_cached(
                "SELECT version, state, kind, created_unix, state_unix, fingerprint FROM versions WHERE name = ?1 ORDER BY version",
            )
            .map_err(sql_err(db))?;
        let rows = stmt
            .query_map(params![name], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(sql_err(db))?;
        let mut kind = SecretKind::Other;
        let mut versions = Vec::new();
        for row in rows {
            let (v, state, k, created, state_unix, fp) = row.map_err(sql_err(db))?;
            let state = VersionState::parse(&state).ok_or_else(|| SecretsError::Sqlite {
                store: db.display().to_string(),
                message: format!("{name} version {v}: unknown state {state:?}"),
            })?;
            kind = parse_kind(&k);
            versions.push(VersionInfo {
                version: u64::try_from(v).unwrap_or(0),
                state,
                created_unix: created,
                state_unix,
                fingerprint: fp,
            });
        }
        if versions.is_empty() {
            return Ok(None);
        }
        Ok(Some(SecretMeta {
            environment: env.to_owned(),
            name: name.to_owned(),
            kind,
            versions,
        }))
    }

    /// Writes a version in one transaction: `state` is `current` (a put,
    /// which shifts current → previous → retired) or `pending` (a stage).
    fn write_version(
        &mut self,
        env: &str,
        name: &str,
        kind: SecretKind,
        value: &SecretValue,
        state: VersionState,
    ) -> Result<VersionInfo, SecretsError> {
        check_name(name)?;
        let (es, store_id) = self.sealed_store(env)?;
        let sealer = es
            .sealer
            .as_ref()
            .ok_or_else(|| SecretsError::Invalid("key not loaded".into()))?;
        let db = es.db_path.clone();
        let tx = es.conn.savepoint().map_err(sql_err(&db))?;
        let last: Option<i64> = tx
            .query_row(
                "SELECT MAX(version) FROM versions WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .map_err(sql_err(&db))?;
        let version = u64::try_from(last.unwrap_or(0)).unwrap_or(0) + 1;
        if state == VersionState::Pending {
            let pending: Option<i64> = tx
                .query_row(
                    "SELECT version FROM versions WHERE name = ?1 AND state = 'pending'",
                    params![name],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql_err(&db))?;
            if let Some(p) = pending {
                return Err(SecretsError::Invalid(format!(
                    "{env}/{name} already has a pending version {p}: promote or destroy it first"
                )));
            }
        }
        let now = now_unix();
        if state == VersionState::Current {
            tx.execute(
                "UPDATE versions SET state = 'retired', state_unix = ?2 WHERE name = ?1 AND state = 'previous'",
                params![name, now],
            )
            .map_err(sql_err(&db))?;
            tx.execute(
                "UPDATE versions SET state = 'previous', state_unix = ?2 WHERE name = ?1 AND state = 'current'",
                params![name, now],
            )
            .map_err(sql_err(&db))?;
        }
        let (nonce, sealed) = sealer.seal(&aad(&store_id, env, name, version), value.expose())?;
        let fingerprint = sealer.fingerprint(value.expose());
        let v =
            i64::try_from(version).map_err(|_| SecretsError::Invalid("version overflow".into()))?;
        tx.execute(
            "INSERT INTO versions (name, version, state, kind, nonce, sealed, created_unix, state_unix, fingerprint) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
            params![name, v, state.as_str(), kind_str(kind), nonce, sealed, now, fingerprint],
        )
        .map_err(sql_err(&db))?;
        tx.commit().map_err(sql_err(&db))?;
        Ok(VersionInfo {
            version,
            state,
            created_unix: now,
            state_unix: now,
            fingerprint,
        })
    }

    /// Every current secret of `env`, opened (for `check --store`). Each is
    /// recorded as a read.
    pub fn current_values(
        &mut self,
        actor: &Actor,
        env: &str,
    ) -> Result<Vec<(String, SecretValue)>, SecretsError> {
        let metas = self.list(actor, env)?;
        let mut out = Vec::new();
        for m in metas {
            if m.in_state(VersionState::Current).is_some() {
                let (_, v) = self.get(actor, env, &m.name, Which::Current)?;
                out.push((m.name, v));
            }
        }
        Ok(out)
    }

    /// The tier of an environment as the store sees it.
    pub fn tier_of(&self, env: &str) -> Tier {
        self.tier(env)
    }
}

impl Backend for EmbeddedStore {
    fn put(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
        kind: SecretKind,
        value: &SecretValue,
    ) -> Result<VersionInfo, SecretsError> {
        self.authorize(actor, env, name, Capability::Write)?;
        let v = self.write_version(env, name, kind, value, VersionState::Current)?;
        self.log(
            actor,
            env,
            "secrets.write",
            json!({ "name": name, "version": v.version, "kind": kind.as_str(), "fingerprint": v.fingerprint }),
        )?;
        Ok(v)
    }

    fn get(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
        which: Which,
    ) -> Result<(VersionInfo, SecretValue), SecretsError> {
        check_name(name)?;
        self.authorize(actor, env, name, Capability::Read)?;
        let (es, store_id) = self.sealed_store(env)?;
        let db = es.db_path.clone();
        let meta =
            Self::meta_of(&es.conn, &db, env, name)?.ok_or_else(|| SecretsError::NotFound {
                env: env.to_owned(),
                name: name.to_owned(),
                detail: String::new(),
            })?;
        let info = match which {
            Which::Current => meta.in_state(VersionState::Current),
            Which::Previous => meta.in_state(VersionState::Previous),
            Which::Pending => meta.in_state(VersionState::Pending),
            Which::Version(n) => meta.versions.iter().find(|v| v.version == n),
        }
        .cloned()
        .ok_or_else(|| SecretsError::NotFound {
            env: env.to_owned(),
            name: name.to_owned(),
            detail: format!(" ({which:?} version)").to_lowercase(),
        })?;
        if info.state == VersionState::Destroyed {
            return Err(SecretsError::NotFound {
                env: env.to_owned(),
                name: name.to_owned(),
                detail: format!(": version {} was destroyed", info.version),
            });
        }
        let v = i64::try_from(info.version).unwrap_or(i64::MAX);
        let (nonce, sealed): (Vec<u8>, Vec<u8>) = es
            .conn
            .prepare_cached("SELECT nonce, sealed FROM versions WHERE name = ?1 AND version = ?2")
            .and_then(|mut s| s.query_row(params![name, v], |r| Ok((r.get(0)?, r.get(1)?))))
            .map_err(sql_err(&db))?;
        let sealer = es
            .sealer
            .as_ref()
            .ok_or_else(|| SecretsError::Invalid("key not loaded".into()))?;
        let value = sealer
            .open(&aad(&store_id, env, name, info.version), &nonce, &sealed)
            .ok_or_else(|| SecretsError::Corrupt {
                store: db.display().to_string(),
                name: name.to_owned(),
                version: info.version,
            })?;
        self.log(
            actor,
            env,
            "secrets.read",
            json!({ "name": name, "version": info.version }),
        )?;
        Ok((info, value))
    }

    fn list(&mut self, actor: &Actor, env: &str) -> Result<Vec<SecretMeta>, SecretsError> {
        self.authorize(actor, env, "*", Capability::Read)?;
        let es = self.env_store(env)?;
        let db = es.db_path.clone();
        let names: Vec<String> = {
            let mut stmt = es
                .conn
                .prepare_cached("SELECT DISTINCT name FROM versions ORDER BY name")
                .map_err(sql_err(&db))?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(sql_err(&db))?;
            rows.collect::<Result<_, _>>().map_err(sql_err(&db))?
        };
        let mut out = Vec::with_capacity(names.len());
        for n in names {
            if let Some(m) = Self::meta_of(&es.conn, &db, env, &n)? {
                out.push(m);
            }
        }
        self.log(actor, env, "secrets.list", json!({ "secrets": out.len() }))?;
        Ok(out)
    }

    fn versions(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
    ) -> Result<SecretMeta, SecretsError> {
        check_name(name)?;
        self.authorize(actor, env, name, Capability::Read)?;
        let es = self.env_store(env)?;
        let db = es.db_path.clone();
        Self::meta_of(&es.conn, &db, env, name)?.ok_or_else(|| SecretsError::NotFound {
            env: env.to_owned(),
            name: name.to_owned(),
            detail: String::new(),
        })
    }

    fn stage(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
        kind: SecretKind,
        value: &SecretValue,
    ) -> Result<VersionInfo, SecretsError> {
        self.authorize(actor, env, name, Capability::Rotate)?;
        let v = self.write_version(env, name, kind, value, VersionState::Pending)?;
        self.log(
            actor,
            env,
            "secrets.stage",
            json!({ "name": name, "version": v.version, "kind": kind.as_str(), "fingerprint": v.fingerprint }),
        )?;
        Ok(v)
    }

    fn promote(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
        version: u64,
    ) -> Result<VersionInfo, SecretsError> {
        check_name(name)?;
        self.authorize(actor, env, name, Capability::Rotate)?;
        let es = self.env_store(env)?;
        let db = es.db_path.clone();
        let v =
            i64::try_from(version).map_err(|_| SecretsError::Invalid("version overflow".into()))?;
        let now = now_unix();
        let tx = es.conn.savepoint().map_err(sql_err(&db))?;
        let state: Option<String> = tx
            .query_row(
                "SELECT state FROM versions WHERE name = ?1 AND version = ?2",
                params![name, v],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql_err(&db))?;
        if state.as_deref() != Some("pending") {
            return Err(SecretsError::Invalid(format!(
                "{env}/{name} version {version} is {}, not pending",
                state.as_deref().unwrap_or("missing")
            )));
        }
        for sql in [
            "UPDATE versions SET state = 'retired', state_unix = ?3 WHERE name = ?1 AND state = 'previous'",
            "UPDATE versions SET state = 'previous', state_unix = ?3 WHERE name = ?1 AND state = 'current'",
            "UPDATE versions SET state = 'current', state_unix = ?3 WHERE name = ?1 AND version = ?2",
        ] {
            tx.execute(sql, params![name, v, now]).map_err(sql_err(&db))?;
        }
        tx.commit().map_err(sql_err(&db))?;
        let meta = Self::meta_of(&es.conn, &db, env, name)?;
        let info = meta
            .and_then(|m| m.versions.into_iter().find(|x| x.version == version))
            .ok_or_else(|| SecretsError::Invalid("promoted version vanished".into()))?;
        self.log(
            actor,
            env,
            "secrets.promote",
            json!({ "name": name, "version": version }),
        )?;
        Ok(info)
    }

    fn destroy(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
        version: u64,
        reason: &str,
    ) -> Result<VersionInfo, SecretsError> {
        check_name(name)?;
        self.authorize(actor, env, name, Capability::Revoke)?;
        let es = self.env_store(env)?;
        let db = es.db_path.clone();
        let v =
            i64::try_from(version).map_err(|_| SecretsError::Invalid("version overflow".into()))?;
        let n = es
            .conn
            .execute(
                "UPDATE versions SET state = 'destroyed', state_unix = ?3, nonce = NULL, sealed = NULL WHERE name = ?1 AND version = ?2",
                params![name, v, now_unix()],
            )
            .map_err(sql_err(&db))?;
        if n == 0 {
            return Err(SecretsError::NotFound {
                env: env.to_owned(),
                name: name.to_owned(),
                detail: format!(" (version {version})"),
            });
        }
        let meta = Self::meta_of(&es.conn, &db, env, name)?;
        let info = meta
            .and_then(|m| m.versions.into_iter().find(|x| x.version == version))
            .ok_or_else(|| SecretsError::Invalid("destroyed version vanished".into()))?;
        self.log(
            actor,
            env,
            "secrets.revoke",
            json!({ "name": name, "version": version, "reason": reason, "fingerprint": info.fingerprint }),
        )?;
        Ok(info)
    }

    fn record(
        &mut self,
        actor: &Actor,
        env: &str,
        action: &str,
        details: Value,
    ) -> Result<(), SecretsError> {
        self.log(actor, env, action, details)
    }

    fn log_cursor(&mut self, env: &str) -> Result<u64, SecretsError> {
        self.ledger(env)?
            .store()
            .size()
            .map_err(|e| SecretsError::Invalid(format!("the {env} ledger: {e}")))
    }

    fn reads_since(
        &mut self,
        env: &str,
        name: &str,
        version: u64,
        cursor: u64,
    ) -> Result<u64, SecretsError> {
        let mut rc = match self.reads.take() {
            Some(rc) if rc.env == env && rc.cursor == cursor => rc,
            _ => ReadCounts {
                env: env.to_owned(),
                cursor,
                end: cursor,
                counts: HashMap::new(),
            },
        };
        let ledger = self.ledger(env)?;
        let store = ledger.store();
        let size = store
            .size()
            .map_err(|e| SecretsError::Invalid(format!("the {env} ledger: {e}")))?;
        if rc.end < size {
            let counts = &mut rc.counts;
            store
                .scan(rc.end, &mut |row| {
                    if let Some(payload) = &row.payload {
                        if let Ok(ev) = serde_json::from_slice::<Value>(payload) {
                            if ev["action"] == "secrets.read" {
                                if let (Some(n), Some(v)) = (
                                    ev["details"]["name"].as_str(),
                                    ev["details"]["version"].as_u64(),
                                ) {
                                    *counts.entry((n.to_owned(), v)).or_default() += 1;
                                }
                            }
                        }
                    }
                    Ok(true)
                })
                .map_err(|e| SecretsError::Invalid(format!("the {env} ledger: {e}")))?;
            rc.end = size;
        }
        let n = rc
            .counts
            .get(&(name.to_owned(), version))
            .copied()
            .unwrap_or(0);
        self.reads = Some(rc);
        Ok(n)
    }

    fn begin_batch(&mut self, env: &str) -> Result<(), SecretsError> {
        if self.batch.is_some() {
            return Err(SecretsError::Invalid("a batch is already open".into()));
        }
        let es = self.env_store(env)?;
        es.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(sql_err(&es.db_path))?;
        self.batch = Some(Batch {
            env: env.to_owned(),
            events: Vec::new(),
        });
        Ok(())
    }

    fn commit_batch(&mut self) -> Result<(), SecretsError> {
        let Some(batch) = self.batch.take() else {
            return Ok(());
        };
        let env = batch.env;
        // One atomic append per run of events by one role, in order.
        let mut runs: Vec<(String, Vec<(String, Value)>)> = Vec::new();
        for (role, action, details) in batch.events {
            match runs.last_mut() {
                Some((r, evs)) if *r == role => evs.push((action, details)),
                _ => runs.push((role, vec![(action, details)])),
            }
        }
        let logged = (|| {
            let ledger = self.ledger(&env)?;
            for (role, evs) in runs {
                ledger
                    .audit_many(&role, evs)
                    .map_err(|source| SecretsError::Ledger {
                        env: env.clone(),
                        source,
                    })?;
            }
            Ok::<(), SecretsError>(())
        })();
        let es = self.env_store(&env)?;
        let db = es.db_path.clone();
        match logged {
            Ok(()) => es.conn.execute_batch("COMMIT").map_err(sql_err(&db)),
            Err(e) => {
                let _ = es.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn facts(&mut self, actor: &Actor) -> Result<StoreFacts, SecretsError> {
        if let Some(p) = &self.opts.policy {
            if p.role(&actor.role).is_none() {
                return Err(SecretsError::Denied {
                    role: actor.role.clone(),
                    capability: "audit",
                    env: "*".into(),
                    name: "*".into(),
                    policy: p.path.clone(),
                });
            }
        }
        let mut facts = StoreFacts {
            backend: "embedded".into(),
            source: self.opts.dir.display().to_string(),
            as_of_unix: now_unix(),
            due_soon_days: self.opts.due_soon_days,
            environments: Vec::new(),
            policies: self
                .opts
                .policy
                .as_ref()
                .map(Policy::facts)
                .unwrap_or_default(),
            secrets: Vec::new(),
            unchecked: Vec::new(),
        };
        for env in self.environments()? {
            let edir = envguard_ledger::ledger::env_dir(&self.opts.ledger_dir, &env);
            let ledger_db = edir.join(envguard_ledger::ledger::DB_FILE);
            let logging = ledger_db.exists() && self.ledger(&env).is_ok();
            facts.environments.push(StoreEnvironment {
                name: env.clone(),
                tier: self.tier(&env),
                namespace: Some(format!("{env}/")),
                audit_logging: logging,
                audit_detail: if logging {
                    format!("ledger {}", edir.display())
                } else {
                    format!("no ledger at {}", edir.display())
                },
            });
            let es = self.env_store(&env)?;
            let db = es.db_path.clone();
            let names: Vec<String> = {
                let mut stmt = es
                    .conn
                    .prepare_cached("SELECT DISTINCT name FROM versions ORDER BY name")
                    .map_err(sql_err(&db))?;
                let rows = stmt.query_map([], |r| r.get(0)).map_err(sql_err(&db))?;
                rows.collect::<Result<_, _>>().map_err(sql_err(&db))?
            };
            for n in names {
                if let Some(m) = Self::meta_of(&es.conn, &db, &env, &n)? {
                    let cur = m.in_state(VersionState::Current);
                    facts.secrets.push(StoreSecret {
                        environment: env.clone(),
                        path: format!("{env}/{n}"),
                        name: n,
                        kind: m.kind,
                        last_rotated_unix: cur.map(|v| v.created_unix),
                        version: cur.map(|v| v.version),
                    });
                }
            }
            if logging {
                self.log(actor, &env, "secrets.audit", json!({}))?;
            }
        }
        Ok(facts)
    }
}
