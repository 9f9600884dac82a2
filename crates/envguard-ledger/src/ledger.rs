//! One environment's ledger: its directory, key, settings and store, and the
//! operations the CLI exposes.

use crate::config::{Access, LedgerConfig, PiiPolicy};
use crate::merkle::{
    consistency_proof, inclusion_proof, leaf_hash, subtree_root, Hash, MemTree, ProofError,
};
use crate::note::{
    open_checkpoint, sign_note, Checkpoint, Ed25519Signer, Ed25519Verifier, NoteError, NoteSigner,
    NoteVerifier,
};
use crate::pii::{EnvguardPii, PiiScreen};
use crate::postgres::{is_postgres_url, redact_url, PostgresStore};
use crate::schema::{canonical_bytes, validate_event, SchemaError};
use crate::sqlite::SqliteStore;
use crate::store::{Appended, CheckpointRow, NewEntry, Store, StoreError, StoreNodes, StoreStats};
use serde_json::{json, Value};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

pub const DB_FILE: &str = "ledger.sqlite";

/// Events per piece of a batch prepared while the store writes the pieces
/// before it (see `Ledger::append_pipelined`).
const PIPELINE_PIECE: usize = 128;
pub const KEY_FILE: &str = "signing.key";
pub const VERIFIER_FILE: &str = "verifier.key";
pub const CONFIG_FILE: &str = "ledger.toml";

/// The system tenant named by the ledger's own audit events.
pub const SYSTEM_TENANT: &str = "_envguard_ledger";

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("event {line}: {error}")]
    Schema { line: usize, error: SchemaError },
    #[error("event {line}: R03 {path}: holds {kinds} and the {env} ledger's PII policy is `reject` (000 §5: no PHI/PII in dev/test logs); nothing was written")]
    Pii {
        line: usize,
        path: String,
        kinds: String,
        env: String,
    },
    #[error("role {role:?} may not {access} the {env} ledger (access policy in {config})")]
    Denied {
        role: String,
        access: &'static str,
        env: String,
        config: String,
    },
    #[error("no ledger for environment {env:?} under {dir} (run `envguard ledger init {env}`)")]
    Missing { env: String, dir: String },
    #[error("a ledger for {env:?} already exists at {path}")]
    Exists { env: String, path: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Note(#[from] NoteError),
    #[error(transparent)]
    Proof(#[from] ProofError),
    #[error("{path}: {message}")]
    Io { path: String, message: String },
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Creates a directory owner-only (0700).
pub fn create_private_dir(path: &Path) -> Result<(), LedgerError> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(path).map_err(|e| io_err(path, e))
}

/// Writes a new owner-only (0600) file; fails if it exists.
pub fn write_private_file(path: &Path, contents: &[u8]) -> Result<(), LedgerError> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path).map_err(|e| io_err(path, e))?;
    f.write_all(contents).map_err(|e| io_err(path, e))?;
    f.sync_all().map_err(|e| io_err(path, e))
}

fn now_utc() -> (String, i64) {
    let ts = jiff::Timestamp::now();
    (ts.to_string(), ts.as_second())
}

/// An inclusion proof with the signed checkpoint it leads to.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InclusionOut {
    pub index: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    pub proof: Vec<String>,
    pub checkpoint: String,
}

/// A consistency proof between two tree sizes, with their checkpoints where signed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConsistencyOut {
    pub old_size: u64,
    pub new_size: u64,
    pub old_root: String,
    pub new_root: String,
    pub proof: Vec<String>,
    pub old_checkpoint: Option<String>,
    pub new_checkpoint: Option<String>,
}

/// What a full verification covered.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct VerifyReport {
    pub entries: u64,
    pub pruned: u64,
    pub nodes: u64,
    pub checkpoints: u64,
    pub root: String,
}

/// The first problem a verification found, naming the entry where it can.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct VerifyFailure {
    pub entry: Option<u64>,
    pub message: String,
}

/// What `ledger migrate` copied and proved.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MigrateOutcome {
    pub environment: String,
    pub schema: String,
    pub entries: u64,
    pub pruned: u64,
    pub checkpoints: u64,
    pub source_root: String,
    pub postgres_root: String,
    pub roots_equal: bool,
}

/// Outcome of an append.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AppendOutcome {
    pub first_index: u64,
    pub count: u64,
    pub tree_size: u64,
    pub root: String,
    pub redacted: u64,
    pub checkpoint: Option<String>,
}

pub struct Ledger {
    dir: PathBuf,
    config: LedgerConfig,
    store: Box<dyn Store>,
    signer: Box<dyn NoteSigner>,
    verifier: Box<dyn NoteVerifier>,
    verifier_key: String,
    pii: Box<dyn PiiScreen>,
}

/// Where a ledger's entries, tree and checkpoints live. Its key and settings
/// stay in `<dir>/<env>` either way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Backend {
    /// `<dir>/<env>/ledger.sqlite` (the default).
    #[default]
    Sqlite,
    /// The schema `ledger_<env>` of the PostgreSQL database at this URL.
    Postgres(String),
}

impl Backend {
    /// The backend a `[ledger] url` names: `postgres://` or `postgresql://`
    /// (`sqlite:` or nothing keeps the default).
    pub fn from_url(url: Option<&str>) -> Result<Backend, LedgerError> {
        match url.map(str::trim) {
            None | Some("") | Some("sqlite:") => Ok(Backend::Sqlite),
            Some(u) if is_postgres_url(u) => Ok(Backend::Postgres(u.to_owned())),
            Some(u) => Err(LedgerError::Invalid(format!(
                "ledger url {}: only postgres:// (or postgresql://) URLs are supported; leave it out for the SQLite default",
                redact_url(u)
            ))),
        }
    }
}

/// `<dir>/<env>`.
pub fn env_dir(dir: &Path, env: &str) -> PathBuf {
    dir.join(env)
}

fn check_env_name(env: &str) -> Result<(), LedgerError> {
    let ok = !env.is_empty()
        && env.len() <= 64
        && env
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_');
    if ok {
        Ok(())
    } else {
        Err(LedgerError::Invalid(format!(
            "{env:?} is not an environment name (lowercase letters, digits, - and _)"
        )))
    }
}

impl Ledger {
    /// Creates the ledger of `config.environment` under `dir`: a 0700
    /// directory holding a fresh Ed25519 key, the settings and the database,
    /// all 0600.
    pub fn init(dir: &Path, config: LedgerConfig) -> Result<Ledger, LedgerError> {
        Self::init_in(dir, config, &Backend::Sqlite)
    }

    /// [`Ledger::init`] with the entries stored in `backend`: for PostgreSQL,
    /// the key and settings go to `<dir>/<env>` and a new schema holds the
    /// rest (refused if that schema already holds a ledger).
    pub fn init_in(
        dir: &Path,
        config: LedgerConfig,
        backend: &Backend,
    ) -> Result<Ledger, LedgerError> {
        let env = config.environment.clone();
        check_env_name(&env)?;
        let edir = env_dir(dir, &env);
        if edir.join(DB_FILE).exists() || edir.join(KEY_FILE).exists() {
            return Err(LedgerError::Exists {
                env,
                path: edir.display().to_string(),
            });
        }
        if let Backend::Postgres(url) = backend {
            let store = PostgresStore::open(url, &env, true)?;
            if store.size()? > 0 {
                return Err(LedgerError::Exists {
                    env,
                    path: format!("{} schema \"{}\"", redact_url(url), store.schema()),
                });
            }
        }
        create_private_dir(&edir)?;
        let signer = Ed25519Signer::generate(&config.origin)?;
        write_private_file(
            &edir.join(KEY_FILE),
            format!("{}\n", signer.private_key()).as_bytes(),
        )?;
        write_private_file(
            &edir.join(VERIFIER_FILE),
            format!("{}\n", signer.verifier_key()).as_bytes(),
        )?;
        let toml = toml::to_string(&config).map_err(|e| LedgerError::Invalid(e.to_string()))?;
        write_private_file(&edir.join(CONFIG_FILE), toml.as_bytes())?;
        if *backend == Backend::Sqlite {
            write_private_file(&edir.join(DB_FILE), b"")?;
            drop(SqliteStore::open(&edir.join(DB_FILE))?);
        }
        Self::open_in(dir, &env, backend)
    }

    /// Opens an existing ledger.
    pub fn open(dir: &Path, env: &str) -> Result<Ledger, LedgerError> {
        Self::open_in(dir, env, &Backend::Sqlite)
    }

    /// Opens an existing ledger whose entries live in `backend`.
    pub fn open_in(dir: &Path, env: &str, backend: &Backend) -> Result<Ledger, LedgerError> {
        check_env_name(env)?;
        let edir = env_dir(dir, env);
        let db = edir.join(DB_FILE);
        let present = match backend {
            Backend::Sqlite => db.exists(),
            Backend::Postgres(_) => edir.join(KEY_FILE).exists(),
        };
        if !present {
            return Err(LedgerError::Missing {
                env: env.to_owned(),
                dir: dir.display().to_string(),
            });
        }
        let cfg_path = edir.join(CONFIG_FILE);
        let text = fs::read_to_string(&cfg_path).map_err(|e| io_err(&cfg_path, e))?;
        let config: LedgerConfig = toml::from_str(&text).map_err(|e| io_err(&cfg_path, e))?;
        if config.environment != env {
            return Err(io_err(
                &cfg_path,
                format!(
                    "names environment {:?}, expected {env:?}",
                    config.environment
                ),
            ));
        }
        let key_path = edir.join(KEY_FILE);
        let key = fs::read_to_string(&key_path).map_err(|e| io_err(&key_path, e))?;
        let signer = Ed25519Signer::from_private_key(&key)?;
        let verifier_key = signer.verifier_key();
        let verifier = Ed25519Verifier::from_verifier_key(&verifier_key)?;
        let store: Box<dyn Store> = match backend {
            Backend::Sqlite => Box::new(SqliteStore::open(&db)?),
            Backend::Postgres(url) => Box::new(PostgresStore::open(url, env, false)?),
        };
        Ok(Ledger {
            dir: edir,
            config,
            store,
            signer: Box::new(signer),
            verifier: Box::new(verifier),
            verifier_key,
            pii: Box::new(EnvguardPii::default()),
        })
    }

    /// Replaces the PII screen (envguard-pii plugs in here).
    pub fn set_pii_screen(&mut self, pii: Box<dyn PiiScreen>) {
        self.pii = pii;
    }

    pub fn config(&self) -> &LedgerConfig {
        &self.config
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn verifier_key(&self) -> &str {
        &self.verifier_key
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    fn authorize(&self, role: &str, access: Access) -> Result<(), LedgerError> {
        if self.config.access.allows(role, access) {
            Ok(())
        } else {
            Err(LedgerError::Denied {
                role: role.to_owned(),
                access: access.as_str(),
                env: self.config.environment.clone(),
                config: self.dir.join(CONFIG_FILE).display().to_string(),
            })
        }
    }

    /// Validates, screens and canonicalizes a batch; any failure refuses the whole batch.
    /// `first_line` numbers the events in messages.
    pub fn prepare(
        &self,
        values: Vec<Value>,
        first_line: usize,
    ) -> Result<(Vec<NewEntry>, u64), LedgerError> {
        // Validation, screening, canonicalization and hashing are independent
        // per event: spread large batches over the cores.
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        if values.len() < 256 || threads < 2 {
            return prepare_serial(&self.config, self.pii.as_ref(), values, first_line);
        }
        let chunk = values.len().div_ceil(threads);
        let mut parts: Vec<Vec<Value>> = Vec::new();
        let mut it = values.into_iter();
        loop {
            let part: Vec<Value> = it.by_ref().take(chunk).collect();
            if part.is_empty() {
                break;
            }
            parts.push(part);
        }
        let results: Vec<Result<(Vec<NewEntry>, u64), LedgerError>> = std::thread::scope(|s| {
            let handles: Vec<_> = parts
                .into_iter()
                .enumerate()
                .map(|(k, part)| {
                    let (cfg, pii) = (&self.config, self.pii.as_ref());
                    s.spawn(move || prepare_serial(cfg, pii, part, first_line + k * chunk))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(LedgerError::Invalid("event preparation panicked".into()))
                    })
                })
                .collect()
        });
        let mut out = Vec::new();
        let mut redacted = 0;
        for r in results {
            let (e, n) = r?;
            out.extend(e);
            redacted += n;
        }
        Ok((out, redacted))
    }

    /// Appends a batch atomically (all or nothing), optionally signing a checkpoint over it.
    pub fn append(
        &mut self,
        role: &str,
        values: Vec<Value>,
        first_line: usize,
        checkpoint: bool,
    ) -> Result<AppendOutcome, LedgerError> {
        self.authorize(role, Access::Append)?;
        if values.len() >= 2 * PIPELINE_PIECE {
            let threads = std::thread::available_parallelism().map_or(1, usize::from);
            let (a, redacted) = self.append_pipelined(values, first_line, threads)?;
            return self.append_outcome(a, redacted, checkpoint);
        }
        let (entries, redacted) = self.prepare(values, first_line)?;
        let a = if entries.is_empty() {
            let size = self.store.size()?;
            Appended {
                first_index: size,
                count: 0,
                size,
                root: subtree_root(&StoreNodes(self.store.as_ref()), 0, size)?,
            }
        } else {
            self.store.append(&entries)?
        };
        self.append_outcome(a, redacted, checkpoint)
    }

    /// A large batch, prepared in pieces on worker threads while this thread
    /// writes the pieces already prepared into the store's one transaction:
    /// preparation (validation, screening, canonical form, leaf hash) and the
    /// SQLite inserts overlap instead of taking turns. The pieces are written
    /// in order, so the first bad event reported is the first in the batch,
    /// and any failure rolls the whole batch back, as [`Ledger::prepare`] then
    /// [`Store::append`] would.
    fn append_pipelined(
        &mut self,
        values: Vec<Value>,
        first_line: usize,
        threads: usize,
    ) -> Result<(Appended, u64), LedgerError> {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{mpsc, Mutex};
        let mut queue = std::collections::VecDeque::new();
        let mut it = values.into_iter();
        loop {
            let piece: Vec<Value> = it.by_ref().take(PIPELINE_PIECE).collect();
            if piece.is_empty() {
                break;
            }
            queue.push_back((queue.len(), piece));
        }
        let pieces = queue.len();
        let queue = Mutex::new(queue);
        let stop = AtomicBool::new(false);
        let mut failed: Option<LedgerError> = None;
        let mut redacted = 0u64;
        let Ledger {
            config, store, pii, ..
        } = self;
        let (config, pii) = (&*config, pii.as_ref());
        let appended = std::thread::scope(|s| {
            let (tx, rx) = mpsc::channel();
            let mut workers = Vec::with_capacity(threads);
            for _ in 0..threads {
                let (tx, queue, stop) = (tx.clone(), &queue, &stop);
                workers.push(s.spawn(move || loop {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                    let Some((k, piece)) = next else { break };
                    let r = prepare_serial(config, pii, piece, first_line + k * PIPELINE_PIECE);
                    if tx.send((k, r)).is_err() {
                        break;
                    }
                }));
            }
            drop(tx);
            let mut ready = std::collections::BTreeMap::new();
            let r = store.append_with(&mut |sink| {
                for k in 0..pieces {
                    let prepared = loop {
                        if let Some(r) = ready.remove(&k) {
                            break r;
                        }
                        match rx.recv() {
                            Ok((j, r)) => {
                                ready.insert(j, r);
                            }
                            Err(_) => {
                                break Err(LedgerError::Invalid(
                                    "event preparation panicked".into(),
                                ))
                            }
                        }
                    };
                    match prepared {
                        Ok((entries, n)) => {
                            sink(&entries)?;
                            redacted += n;
                        }
                        Err(e) => {
                            failed = Some(e);
                            return Err(StoreError::Backend("append abandoned".into()));
                        }
                    }
                }
                Ok(())
            });
            stop.store(true, Ordering::Relaxed);
            drop(rx);
            // Joined here so that a worker's panic, already reported as an
            // error above, is not raised again by the scope.
            for w in workers {
                let _ = w.join();
            }
            r
        });
        match (failed, appended) {
            (Some(e), _) => Err(e),
            (None, r) => Ok((r?, redacted)),
        }
    }

    fn append_outcome(
        &mut self,
        a: Appended,
        redacted: u64,
        checkpoint: bool,
    ) -> Result<AppendOutcome, LedgerError> {
        let cp = if checkpoint {
            Some(self.sign_checkpoint(a.size, a.root)?.note)
        } else {
            None
        };
        Ok(AppendOutcome {
            first_index: a.first_index,
            count: a.count,
            tree_size: a.size,
            root: a.root.to_hex(),
            redacted,
            checkpoint: cp,
        })
    }

    fn sign_checkpoint(&mut self, size: u64, root: Hash) -> Result<CheckpointRow, LedgerError> {
        let cp = Checkpoint {
            origin: self.config.origin.clone(),
            size,
            root,
            extensions: Vec::new(),
        };
        let note = sign_note(&cp.to_text(), &[self.signer.as_ref()])?;
        let row = CheckpointRow {
            size,
            root,
            note,
            created_unix: now_utc().1,
        };
        self.store.add_checkpoint(&row)?;
        Ok(row)
    }

    /// Signs a checkpoint over the current tree (or returns the one that already covers it).
    pub fn checkpoint(&mut self, role: &str) -> Result<CheckpointRow, LedgerError> {
        self.authorize(role, Access::Append)?;
        self.checkpoint_current()
    }

    fn checkpoint_current(&mut self) -> Result<CheckpointRow, LedgerError> {
        let size = self.store.size()?;
        if let Some(cp) = self.store.latest_checkpoint()? {
            if cp.size == size {
                return Ok(cp);
            }
        }
        let root = subtree_root(&StoreNodes(self.store.as_ref()), 0, size)?;
        self.sign_checkpoint(size, root)
    }

    /// Records a read or export as an audit event in this same ledger.
    pub fn audit(&mut self, role: &str, action: &str, details: Value) -> Result<(), LedgerError> {
        let (ts, _) = now_utc();
        let ev = json!({
            "schema_version": 1,
            "environment": self.config.environment,
            "tenant_id": SYSTEM_TENANT,
            "timestamp_utc": ts,
            "kind": "audit",
            "actor_role": role,
            "action": action,
            "details": details,
        });
        let (entries, _) = self.prepare(vec![ev], 1)?;
        self.store.append(&entries)?;
        Ok(())
    }

    /// Records several audit events of one role in one atomic append (one
    /// commit): a batch of secret-store accesses.
    pub fn audit_many(
        &mut self,
        role: &str,
        events: Vec<(String, Value)>,
    ) -> Result<(), LedgerError> {
        if events.is_empty() {
            return Ok(());
        }
        let (ts, _) = now_utc();
        let values = events
            .into_iter()
            .map(|(action, details)| {
                json!({
                    "schema_version": 1,
                    "environment": self.config.environment,
                    "tenant_id": SYSTEM_TENANT,
                    "timestamp_utc": ts,
                    "kind": "audit",
                    "actor_role": role,
                    "action": action,
                    "details": details,
                })
            })
            .collect();
        let (entries, _) = self.prepare(values, 1)?;
        self.store.append(&entries)?;
        Ok(())
    }

    /// A checkpoint covering `min_size` entries, signing a new one if needed.
    fn covering_checkpoint(&mut self, min_size: u64) -> Result<CheckpointRow, LedgerError> {
        match self.store.latest_checkpoint()? {
            Some(cp) if cp.size >= min_size => Ok(cp),
            _ => self.checkpoint_current(),
        }
    }

    /// Inclusion proof of entry `index` against the latest checkpoint (signed if needed).
    pub fn prove(&mut self, role: &str, index: u64) -> Result<InclusionOut, LedgerError> {
        self.authorize(role, Access::Read)?;
        let size = self.store.size()?;
        if index >= size {
            return Err(LedgerError::NotFound(format!(
                "no entry {index}: the {} ledger holds {size}",
                self.config.environment
            )));
        }
        self.audit(role, "ledger.prove", json!({"index": index}))?;
        let cp = self.covering_checkpoint(index + 1)?;
        self.inclusion_at(index, &cp)
    }

    /// Inclusion proof of `index` for a given checkpoint (no audit event).
    pub fn inclusion_at(
        &self,
        index: u64,
        cp: &CheckpointRow,
    ) -> Result<InclusionOut, LedgerError> {
        let nodes = StoreNodes(self.store.as_ref());
        let proof = inclusion_proof(&nodes, index, cp.size)??;
        Ok(InclusionOut {
            index,
            tree_size: cp.size,
            leaf_hash: self.store.node(0, index)?.to_hex(),
            proof: proof.iter().map(Hash::to_hex).collect(),
            checkpoint: cp.note.clone(),
        })
    }

    /// Inclusion proof of the event whose leaf hash is `leaf`.
    pub fn prove_hash(&mut self, role: &str, leaf: &Hash) -> Result<InclusionOut, LedgerError> {
        self.authorize(role, Access::Read)?;
        let index = self.store.find_leaf(leaf)?.ok_or_else(|| {
            LedgerError::NotFound(format!(
                "no event with leaf hash {leaf} in the {} ledger",
                self.config.environment
            ))
        })?;
        self.prove(role, index)
    }

    /// Consistency proof between tree sizes `old` and `new`.
    pub fn consistency(
        &mut self,
        role: &str,
        old: u64,
        new: u64,
    ) -> Result<ConsistencyOut, LedgerError> {
        self.authorize(role, Access::Read)?;
        let size = self.store.size()?;
        if new > size || old > new {
            return Err(LedgerError::Invalid(format!(
                "need 0 <= OLD <= NEW <= {size}, got {old} and {new}"
            )));
        }
        self.audit(role, "ledger.consistency", json!({"old": old, "new": new}))?;
        let nodes = StoreNodes(self.store.as_ref());
        let proof = consistency_proof(&nodes, old, new)??;
        let old_root = subtree_root(&nodes, 0, old)?;
        let new_root = subtree_root(&nodes, 0, new)?;
        let cps = self.store.checkpoints()?;
        let note_at = |s: u64| cps.iter().find(|c| c.size == s).map(|c| c.note.clone());
        Ok(ConsistencyOut {
            old_size: old,
            new_size: new,
            old_root: old_root.to_hex(),
            new_root: new_root.to_hex(),
            proof: proof.iter().map(Hash::to_hex).collect(),
            old_checkpoint: note_at(old),
            new_checkpoint: note_at(new),
        })
    }

    /// Recomputes every leaf hash from its payload, the whole tree, every
    /// stored node and every checkpoint (root and signature).
    pub fn verify(
        &mut self,
        role: &str,
    ) -> Result<Result<VerifyReport, VerifyFailure>, LedgerError> {
        self.authorize(role, Access::Read)?;
        self.audit(role, "ledger.verify", json!({}))?;
        self.verify_quiet()
    }

    /// [`Ledger::verify`] without authorization or audit event.
    pub fn verify_quiet(&self) -> Result<Result<VerifyReport, VerifyFailure>, LedgerError> {
        let mut report = VerifyReport::default();
        let mut tree = MemTree::new();
        let mut failure: Option<VerifyFailure> = None;
        self.store.scan(0, &mut |row| {
            if row.index != tree.size() {
                failure = Some(VerifyFailure {
                    entry: Some(tree.size()),
                    message: format!("entry {} is missing", tree.size()),
                });
                return Ok(false);
            }
            match &row.payload {
                Some(p) => {
                    if leaf_hash(p) != row.leaf_hash {
                        failure = Some(VerifyFailure {
                            entry: Some(row.index),
                            message: format!(
                                "entry {}: payload does not match its leaf hash (payload or leaf hash altered)",
                                row.index
                            ),
                        });
                        return Ok(false);
                    }
                }
                None => report.pruned += 1,
            }
            tree.push(row.leaf_hash);
            Ok(true)
        })?;
        if let Some(f) = failure {
            return Ok(Err(f));
        }
        report.entries = tree.size();
        let size = tree.size();
        self.store.scan_nodes(&mut |level, index, h| {
            report.nodes += 1;
            let want = tree.level(level as usize).get(index as usize).copied();
            if want != Some(h) {
                let lo = index << level;
                let hi = ((index + 1) << level).min(size).saturating_sub(1);
                failure = Some(VerifyFailure {
                    entry: Some(lo),
                    message: format!(
                        "entries {lo}..={hi}: stored tree node (level {level}, index {index}) does not match the recomputed tree"
                    ),
                });
                return Ok(false);
            }
            Ok(true)
        })?;
        if let Some(f) = failure {
            return Ok(Err(f));
        }
        for cp in self.store.checkpoints()? {
            report.checkpoints += 1;
            let parsed =
                match open_checkpoint(&cp.note, &self.config.origin, &[self.verifier.as_ref()]) {
                    Ok(c) => c,
                    Err(e) => {
                        return Ok(Err(VerifyFailure {
                            entry: None,
                            message: format!("checkpoint at size {}: {e}", cp.size),
                        }))
                    }
                };
            if parsed.size != cp.size || parsed.root != cp.root {
                return Ok(Err(VerifyFailure {
                    entry: None,
                    message: format!(
                        "checkpoint at size {}: stored size/root differ from the signed note",
                        cp.size
                    ),
                }));
            }
            if cp.size > size {
                return Ok(Err(VerifyFailure {
                    entry: Some(size),
                    message: format!(
                        "checkpoint at size {} covers entries the ledger no longer holds (it has {size})",
                        cp.size
                    ),
                }));
            }
            if tree.root_at(cp.size) != cp.root {
                return Ok(Err(VerifyFailure {
                    entry: None,
                    message: format!(
                        "checkpoint at size {}: signed root does not match the recomputed tree (a pruned entry's leaf hash, or the checkpoint, was altered)",
                        cp.size
                    ),
                }));
            }
        }
        report.root = tree.root().to_hex();
        Ok(Ok(report))
    }

    /// Drops payloads older than the retention period; leaf hashes, nodes and
    /// checkpoints stay, so every proof still verifies. Recorded as an audit event.
    pub fn prune(&mut self, role: &str, now_unix: i64) -> Result<u64, LedgerError> {
        self.authorize(role, Access::Append)?;
        let cutoff = now_unix - i64::from(self.config.retention_days) * 86_400;
        let n = self.store.prune_before(cutoff)?;
        let cutoff_s = jiff::Timestamp::from_second(cutoff)
            .map(|t| t.to_string())
            .unwrap_or_default();
        self.audit(
            role,
            "ledger.prune",
            json!({"pruned": n, "before": cutoff_s, "retention_days": self.config.retention_days}),
        )?;
        Ok(n)
    }

    /// Copies this (SQLite) ledger into the PostgreSQL database at `url`:
    /// verifies the source first, copies every entry (pruned ones as leaf
    /// hashes) and signed checkpoint into a new `ledger_<env>` schema in one
    /// transaction, recomputing the tree there, then verifies the copy in full
    /// and proves its root equal to the source's; the copy then records a
    /// `ledger.migrate` audit event. The key and settings in `<dir>/<env>`
    /// serve both; the SQLite file is left as it was.
    pub fn migrate_to_postgres(
        &mut self,
        role: &str,
        url: &str,
    ) -> Result<MigrateOutcome, LedgerError> {
        self.authorize(role, Access::Export)?;
        let env = self.config.environment.clone();
        let source = self.verify_quiet()?.map_err(|f| {
            LedgerError::Invalid(format!(
                "the {env} ledger does not verify, nothing was copied: {f}"
            ))
        })?;
        let size = self.store.size()?;
        let source_root = subtree_root(&StoreNodes(self.store.as_ref()), 0, size)?;
        let mut dst = PostgresStore::open(url, &env, true)?;
        let copied = dst.import_from(self.store.as_ref())?;
        let schema = dst.schema().to_owned();
        drop(dst);
        let dir = self.dir.parent().unwrap_or(Path::new("."));
        let mut copy = Ledger::open_in(dir, &env, &Backend::Postgres(url.to_owned()))?;
        let report = copy.verify_quiet()?.map_err(|f| {
            LedgerError::Invalid(format!(
                "the copy in {} schema \"{schema}\" does not verify: {f}",
                redact_url(url)
            ))
        })?;
        let postgres_root = subtree_root(&StoreNodes(copy.store.as_ref()), 0, size)?;
        if copied.root != source_root
            || postgres_root != source_root
            || report.root != source_root.to_hex()
        {
            return Err(LedgerError::Invalid(format!(
                "the copy's root {postgres_root} differs from the source root {source_root}"
            )));
        }
        // The copy records where it came from (after the proof, so the roots
        // compared are of the same entries).
        copy.audit(
            role,
            "ledger.migrate",
            json!({"from": "sqlite", "entries": report.entries, "root": report.root}),
        )?;
        Ok(MigrateOutcome {
            environment: env,
            schema,
            entries: report.entries,
            pruned: report.pruned,
            checkpoints: report.checkpoints,
            source_root: source_root.to_hex(),
            postgres_root: postgres_root.to_hex(),
            roots_equal: source.root == report.root,
        })
    }

    pub fn stats(&mut self, role: &str) -> Result<StoreStats, LedgerError> {
        self.authorize(role, Access::Read)?;
        self.audit(role, "ledger.stats", json!({}))?;
        Ok(self.store.stats()?)
    }

    /// Export access check and audit record (used by [`crate::export`]).
    pub fn begin_export(
        &mut self,
        role: &str,
        details: Value,
    ) -> Result<CheckpointRow, LedgerError> {
        self.authorize(role, Access::Export)?;
        self.audit(role, "ledger.export", details)?;
        self.checkpoint_current()
    }
}

fn prepare_serial(
    config: &LedgerConfig,
    pii: &dyn PiiScreen,
    values: Vec<Value>,
    first_line: usize,
) -> Result<(Vec<NewEntry>, u64), LedgerError> {
    let mut out = Vec::with_capacity(values.len());
    let mut redacted = 0u64;
    for (k, mut v) in values.into_iter().enumerate() {
        let line = first_line + k;
        let ev = validate_event(&v, Some(&config.environment)).map_err(|source| {
            LedgerError::Schema {
                line,
                error: source,
            }
        })?;
        if config.pii_policy != PiiPolicy::Allow {
            let mut path = String::from("$");
            let mut found: Option<(String, Vec<String>)> = None;
            let redact = config.pii_policy == PiiPolicy::Redact;
            let n = screen(pii, &mut v, &mut path, redact, &mut found);
            if let Some((path, kinds)) = found {
                if !redact {
                    return Err(LedgerError::Pii {
                        line,
                        path,
                        kinds: kinds.join(", "),
                        env: config.environment.clone(),
                    });
                }
            }
            redacted += n;
        }
        let payload = canonical_bytes(&v).map_err(|source| LedgerError::Schema {
            line,
            error: source,
        })?;
        out.push(NewEntry {
            leaf_hash: leaf_hash(&payload),
            payload,
            unix_seconds: ev.unix_seconds,
            tenant_id: ev.tenant_id,
            actor_role: ev.actor_role,
            kind: ev.kind.as_str().to_owned(),
        });
    }
    Ok((out, redacted))
}

/// Walks string values, screening each; redacts in place when asked.
fn screen(
    pii: &dyn PiiScreen,
    v: &mut Value,
    path: &mut String,
    redact: bool,
    found: &mut Option<(String, Vec<String>)>,
) -> u64 {
    match v {
        Value::String(s) => {
            if redact {
                let (r, hits) = pii.redact(s);
                if hits.is_empty() {
                    return 0;
                }
                if found.is_none() {
                    *found = Some((path.clone(), hits.iter().map(|h| h.kind.clone()).collect()));
                }
                *s = r;
                hits.len() as u64
            } else {
                let hits = pii.detect(s);
                if !hits.is_empty() && found.is_none() {
                    let mut kinds: Vec<String> = hits.into_iter().map(|h| h.kind).collect();
                    kinds.dedup();
                    *found = Some((path.clone(), kinds));
                }
                0
            }
        }
        Value::Array(a) => {
            let mut n = 0;
            for (i, x) in a.iter_mut().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                n += screen(pii, x, path, redact, found);
                path.truncate(len);
            }
            n
        }
        Value::Object(o) => {
            let mut n = 0;
            for (k, x) in o.iter_mut() {
                let len = path.len();
                path.push('.');
                path.push_str(k);
                n += screen(pii, x, path, redact, found);
                path.truncate(len);
            }
            n
        }
        _ => 0,
    }
}
