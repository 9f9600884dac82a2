//! The OpenBao / HashiCorp Vault backend: the [`Backend`] over the Vault
//! HTTP API (KV v2), through `envguard-vault`'s client, and the store facts
//! of `secrets audit` from its [`Snapshot`].
//!
//! Address, token and namespace come from the environment as for the `bao`
//! and `vault` commands (`BAO_ADDR`/`VAULT_ADDR`, `BAO_TOKEN`/`VAULT_TOKEN`,
//! `BAO_NAMESPACE`/`VAULT_NAMESPACE`, `BAO_CACERT`/`VAULT_CACERT`); the token
//! is never printed. The token's ACL policies are the access policy here:
//! the server refuses (403) what they do not grant, and its audit devices
//! are the access log of 000 §4.
//!
//! # Layout
//! `[secrets.openbao]` places a secret `NAME` of environment `ENV` at
//! `mount`/`path` with `{env}` and `{name}` replaced: `secret` +
//! `{env}/{name}` (the default) gives `secret/prod/db/password`; `kv-{env}` +
//! `{name}` gives a KV v2 mount per environment.
//!
//! # Versions
//! Every envguard version is a KV v2 version; the envguard states live in the
//! secret's `custom_metadata`:
//! - `envguard_current_version`: the version consumers use. KV v2 serves
//!   its latest version by default, so while a rotation has a version
//!   pending (staged, 003 §6 step 2, up to the cutover) a consumer that reads
//!   "latest" already gets the new value: the dual-run window, where both are
//!   valid. `envguard secrets get` serves `envguard_current_version`.
//! - `envguard_pending_version`: the version a rotation staged (always the
//!   latest KV version; written before the value, with check-and-set on the
//!   version before it, so a run that dies between the two leaves a pending
//!   mark naming a version that does not exist, which is ignored).
//! - `envguard_previous_version`: the version before the current one.
//! - `envguard_kind`: the secret's kind (003 §2).
//! - `envguard_fp_<version>`: the keyed fingerprint of that version's value
//!   (HMAC-SHA-256 under a key of the environment kept outside the
//!   repository, as the embedded store's; the last ten versions).
//! - `envguard_rotated_utc` + `envguard_rotated_version`: every put and
//!   every cutover stamps when the version it made current was rotated
//!   (`envguard-vault`'s [`ROTATED_KEY`], read by the audit's age).
//!
//! A version written by another client (the `bao` command) after envguard's
//! last write is simply the current one. Promote is one metadata write;
//! destroy is KV v2 `destroy` of that version (its metadata stays).
//!
//! # Reads after the cutover
//! The revoke step (003 §6 step 5) counts reads of the old version in the
//! log of a `file` audit device (`[secrets.openbao] audit_log`, else the
//! file of an enabled `file` device that this machine can read): response
//! entries of a `read` on `MOUNT/data/PATH` whose returned version is the old
//! one. Without a readable log the rotation still revokes, and its evidence
//! says the revoke was not confirmed and what the operator must check.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use envguard_ledger::{Ledger, LedgerConfig};
use envguard_model::{
    GlobStyle, Inventory, SecretKind, StoreCapability, StoreEnvironment, StoreFacts, StoreGrant,
    StorePolicy, StoreReach, StoreSecret, StoreUnchecked, Tier,
};
use envguard_vault::{
    Capabilities, Capability as VaultCapability, Client, EnvOverrides, KvMetadata, MetadataUpdate,
    PolicySet, Snapshot, SnapshotOptions, ROTATED_KEY, ROTATED_VERSION_KEY,
};
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::backend::{Actor, Backend, SecretMeta, VersionInfo, VersionState, Which};
use crate::config::OpenbaoConfig;
use crate::embedded::check_name;
use crate::keys;
use crate::{SecretValue, SecretsError};

type HmacSha256 = Hmac<Sha256>;

/// `custom_metadata` key: the version consumers use.
pub const CURRENT_KEY: &str = "envguard_current_version";
/// `custom_metadata` key: the version before it.
pub const PREVIOUS_KEY: &str = "envguard_previous_version";
/// `custom_metadata` key: the version a rotation staged.
pub const PENDING_KEY: &str = "envguard_pending_version";
/// `custom_metadata` key: the secret's kind.
pub const KIND_KEY: &str = "envguard_kind";
/// `custom_metadata` key prefix: `envguard_fp_<version>`, a version's fingerprint.
pub const FINGERPRINT_PREFIX: &str = "envguard_fp_";
/// Fingerprints kept (KV v2 allows 64 `custom_metadata` keys).
const FINGERPRINTS_KEPT: u64 = 10;

/// How the backend is set up.
#[derive(Debug, Clone)]
pub struct OpenBaoOptions {
    pub layout: OpenbaoConfig,
    /// Declared environments and envguard's path inference, for the audit.
    pub inventory: Inventory,
    /// envguard's ledgers: rotation steps and evidence are recorded there.
    pub ledger_dir: PathBuf,
    /// The repository: fingerprint keys must be kept outside it.
    pub repo_root: PathBuf,
    pub due_soon_days: u32,
}

/// A Vault/OpenBao server as a secret store.
pub struct OpenBao {
    client: Client,
    opts: OpenBaoOptions,
    fp_keys: BTreeMap<String, Zeroizing<[u8; 32]>>,
    ledgers: crate::ledgers::Ledgers,
    /// The audit log file, or why there is none readable (looked up once).
    audit_log: Option<Result<PathBuf, String>>,
}

/// A version's state as envguard reads it from KV v2 metadata.
fn metadata_u64(m: &KvMetadata, key: &str) -> Option<u64> {
    m.custom_metadata
        .get(key)
        .and_then(|v| v.trim().parse::<u64>().ok())
}

fn kind_of(custom: &BTreeMap<String, String>) -> SecretKind {
    custom
        .get(KIND_KEY)
        .and_then(|k| serde_json::from_value(Value::String(k.clone())).ok())
        .unwrap_or_default()
}

fn live(m: &KvMetadata, v: u64) -> bool {
    m.versions
        .get(&v)
        .is_some_and(|i| !i.destroyed && i.deletion_time.is_none())
}

/// (current, previous, pending) versions of a secret.
fn roles_of(m: &KvMetadata) -> (Option<u64>, Option<u64>, Option<u64>) {
    let latest = m.current_version;
    let pending = metadata_u64(m, PENDING_KEY).filter(|&p| p == latest && live(m, p));
    let recorded = metadata_u64(m, CURRENT_KEY);
    let current = match pending {
        Some(_) => recorded.filter(|&c| c < latest && live(m, c)),
        None => Some(latest).filter(|&c| live(m, c)),
    };
    let previous = current.and_then(|c| {
        let p = if recorded == Some(c) {
            metadata_u64(m, PREVIOUS_KEY)
        } else {
            c.checked_sub(1)
        };
        p.filter(|&p| p < c && live(m, p))
    });
    (current, previous, pending)
}

fn unix(t: jiff::Timestamp) -> i64 {
    t.as_second()
}

fn hex16(bytes: &[u8]) -> String {
    bytes.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn capability(c: VaultCapability) -> Option<StoreCapability> {
    Some(match c {
        VaultCapability::Read => StoreCapability::Read,
        VaultCapability::Create | VaultCapability::Update | VaultCapability::Patch => {
            StoreCapability::Write
        }
        VaultCapability::Delete => StoreCapability::Delete,
        VaultCapability::List | VaultCapability::Scan => StoreCapability::List,
        VaultCapability::Sudo => StoreCapability::Sudo,
        VaultCapability::Deny => StoreCapability::Deny,
        VaultCapability::Subscribe => return None,
    })
}

fn capabilities(c: Capabilities) -> Vec<StoreCapability> {
    let set: BTreeSet<StoreCapability> = c.iter().filter_map(capability).collect();
    set.into_iter().collect()
}

impl OpenBao {
    /// A backend over `client`; checks the layout.
    pub fn new(client: Client, opts: OpenBaoOptions) -> Result<OpenBao, SecretsError> {
        let l = &opts.layout;
        let bad = |m: String| SecretsError::Invalid(format!("[secrets.openbao]: {m}"));
        if l.mount.trim_matches('/').is_empty() {
            return Err(bad("`mount` is empty".into()));
        }
        if l.mount.contains("{name}") {
            return Err(bad(format!(
                "mount \"{}\": `{{name}}` belongs in `path`",
                l.mount
            )));
        }
        if !l.path.ends_with("{name}") || l.path.matches("{name}").count() != 1 {
            return Err(bad(format!(
                "path \"{}\" must end with `{{name}}` (and name it once)",
                l.path
            )));
        }
        let prefix = &l.path[..l.path.len() - "{name}".len()];
        if !(prefix.is_empty() || prefix.ends_with('/')) {
            return Err(bad(format!(
                "path \"{}\": `{{name}}` must be a whole path segment",
                l.path
            )));
        }
        if !l.mount.contains("{env}") && !l.path.contains("{env}") {
            return Err(bad(format!(
                "mount \"{}\" and path \"{}\": neither contains `{{env}}`, so every environment would share one namespace (000 §4)",
                l.mount, l.path
            )));
        }
        Ok(OpenBao {
            client,
            opts,
            fp_keys: BTreeMap::new(),
            ledgers: Default::default(),
            audit_log: None,
        })
    }

    /// A backend for the server of `BAO_ADDR`/`VAULT_ADDR` with the token of
    /// `BAO_TOKEN`/`VAULT_TOKEN` (and `*_NAMESPACE`, `*_CACERT`).
    pub fn from_env(opts: OpenBaoOptions) -> Result<OpenBao, SecretsError> {
        OpenBao::new(Client::from_env()?, opts)
    }

    /// The server's address (no token).
    pub fn address(&self) -> &str {
        self.client.address()
    }

    /// The KV v2 mount of `env` (no slashes around it).
    pub fn mount(&self, env: &str) -> String {
        self.opts
            .layout
            .mount
            .replace("{env}", env)
            .trim_matches('/')
            .to_owned()
    }

    /// The folder of `env`'s secrets inside its mount (`prod/`, or empty).
    pub fn prefix(&self, env: &str) -> String {
        let p = &self.opts.layout.path;
        p[..p.len() - "{name}".len()]
            .replace("{env}", env)
            .trim_start_matches('/')
            .to_owned()
    }

    /// `mount/path` of a secret, for messages (KV's `data/` left out).
    pub fn location(&self, env: &str, name: &str) -> String {
        format!("{}/{}{name}", self.mount(env), self.prefix(env))
    }

    fn store_id(&self) -> String {
        let a = self
            .client
            .address()
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let mut id: String = a
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        if let Some(ns) = self.client.namespace() {
            id.push('_');
            id.extend(
                ns.chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }),
            );
        }
        format!("openbao-{id}")
    }

    /// The declared environments of `envguard.toml`.
    pub fn environments(&self) -> Vec<String> {
        self.opts
            .inventory
            .environments
            .iter()
            .map(|e| e.name.clone())
            .collect()
    }

    /// `secrets init ENV`: checks that ENV's mount is a KV v2 engine on the
    /// server, creates envguard's ledger of ENV when missing and ENV's
    /// fingerprint key (outside the repository).
    /// Returns the key's path.
    pub fn init(&mut self, env: &str) -> Result<PathBuf, SecretsError> {
        if env.is_empty()
            || !env
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(SecretsError::Invalid(format!(
                "environment name {env:?}: letters, digits, `-` and `_` only"
            )));
        }
        let mount = format!("{}/", self.mount(env));
        let mounts = self.client.mounts()?;
        match mounts.iter().find(|m| m.path == mount) {
            None => {
                return Err(SecretsError::Invalid(format!(
                    "{}: no secrets engine is mounted at {mount} (enable one: `bao secrets enable -path={} kv-v2`)",
                    self.address(),
                    mount.trim_end_matches('/')
                )))
            }
            Some(m) if !m.is_kv_v2() => {
                return Err(SecretsError::Invalid(format!(
                    "{}: {mount} is a {} engine, not KV version 2",
                    self.address(),
                    m.kind
                )))
            }
            Some(_) => {}
        }
        // envguard's ledger of the environment: rotation steps and the 003 §8
        // evidence are recorded there (the server's audit devices log access)
        let edir = envguard_ledger::ledger::env_dir(&self.opts.ledger_dir, env);
        if !edir.join(envguard_ledger::ledger::DB_FILE).exists() {
            Ledger::init(&self.opts.ledger_dir, LedgerConfig::defaults(env)).map_err(|source| {
                SecretsError::Ledger {
                    env: env.to_owned(),
                    source,
                }
            })?;
        }
        let path = keys::key_path(&self.store_id(), env)?;
        if path.exists() {
            keys::load_from(&path)?;
            return Ok(path);
        }
        let key = keys::create(&self.store_id(), env, &self.opts.repo_root)?;
        Ok(key.path().to_path_buf())
    }

    fn fingerprint(&mut self, env: &str, value: &[u8]) -> Result<String, SecretsError> {
        if !self.fp_keys.contains_key(env) {
            let id = self.store_id();
            let key = keys::load(&id, env).map_err(|e| {
                SecretsError::Invalid(format!(
                    "{e}: the {env} fingerprint key of {} is missing (run `envguard secrets init {env}`)",
                    self.address()
                ))
            })?;
            let mut fp_key = Zeroizing::new([0u8; 32]);
            let mut mac = <HmacSha256 as hmac::KeyInit>::new_from_slice(key.bytes())
                .map_err(|e| SecretsError::Invalid(format!("fingerprint key: {e}")))?;
            mac.update(b"envguard-secrets openbao fingerprint key v1");
            fp_key.copy_from_slice(&mac.finalize().into_bytes());
            self.fp_keys.insert(env.to_owned(), fp_key);
        }
        let key = self
            .fp_keys
            .get(env)
            .ok_or_else(|| SecretsError::Invalid("fingerprint key cache".into()))?;
        let mut mac = <HmacSha256 as hmac::KeyInit>::new_from_slice(key.as_ref())
            .map_err(|e| SecretsError::Invalid(format!("fingerprint key: {e}")))?;
        mac.update(value);
        Ok(hex16(&mac.finalize().into_bytes()))
    }

    /// The secret's metadata, `None` when it does not exist.
    fn metadata(&self, env: &str, name: &str) -> Result<Option<KvMetadata>, SecretsError> {
        let path = format!("{}{name}", self.prefix(env));
        match self.client.kv_metadata(&self.mount(env), &path) {
            Ok(m) => Ok(Some(m)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn not_found(&self, env: &str, name: &str) -> SecretsError {
        SecretsError::NotFound {
            env: env.to_owned(),
            name: name.to_owned(),
            detail: format!(" ({} at {})", self.address(), self.location(env, name)),
        }
    }

    fn meta_of(&self, env: &str, name: &str, m: &KvMetadata) -> SecretMeta {
        let (current, previous, pending) = roles_of(m);
        let versions = m
            .versions
            .iter()
            .map(|(&v, info)| {
                let state = if info.destroyed || info.deletion_time.is_some() {
                    VersionState::Destroyed
                } else if Some(v) == current {
                    VersionState::Current
                } else if Some(v) == pending {
                    VersionState::Pending
                } else if Some(v) == previous {
                    VersionState::Previous
                } else {
                    VersionState::Retired
                };
                let created = unix(info.created_time);
                VersionInfo {
                    version: v,
                    state,
                    created_unix: created,
                    state_unix: info.deletion_time.map_or(created, unix),
                    fingerprint: m
                        .custom_metadata
                        .get(&format!("{FINGERPRINT_PREFIX}{v}"))
                        .cloned()
                        .unwrap_or_default(),
                }
            })
            .collect();
        SecretMeta {
            environment: env.to_owned(),
            name: name.to_owned(),
            kind: kind_of(&m.custom_metadata),
            versions,
        }
    }

    /// Writes a new version (check-and-set on the latest) after its
    /// metadata marks: `custom` is the map the secret will have.
    fn write_version(
        &mut self,
        env: &str,
        name: &str,
        existing: Option<&KvMetadata>,
        mut custom: BTreeMap<String, String>,
        value: &SecretValue,
    ) -> Result<VersionInfo, SecretsError> {
        let latest = existing.map_or(0, |m| m.current_version);
        let new = latest + 1;
        let fp = self.fingerprint(env, value.expose())?;
        custom.insert(format!("{FINGERPRINT_PREFIX}{new}"), fp.clone());
        custom.retain(|k, _| {
            k.strip_prefix(FINGERPRINT_PREFIX)
                .and_then(|v| v.parse::<u64>().ok())
                .is_none_or(|v| v + FINGERPRINTS_KEPT > new)
        });
        let mount = self.mount(env);
        let path = format!("{}{name}", self.prefix(env));
        self.client.kv_write_metadata(
            &mount,
            &path,
            &MetadataUpdate {
                custom_metadata: Some(custom),
                ..Default::default()
            },
        )?;
        let mut data = Map::new();
        match std::str::from_utf8(value.expose()) {
            Ok(s) => data.insert("value".into(), Value::String(s.to_owned())),
            Err(_) => {
                use base64::Engine as _;
                data.insert(
                    "value_base64".into(),
                    Value::String(base64::engine::general_purpose::STANDARD.encode(value.expose())),
                )
            }
        };
        let written = self.client.kv_write(&mount, &path, &data, Some(latest));
        // the map held the value in clear: overwrite it before it is dropped
        for v in data.values_mut() {
            if let Value::String(s) = v {
                zeroize::Zeroize::zeroize(s);
            }
        }
        let w = written?;
        let created = unix(w.created_time);
        Ok(VersionInfo {
            version: w.version,
            state: VersionState::Current,
            created_unix: created,
            state_unix: created,
            fingerprint: fp,
        })
    }

    fn ledger(&mut self, env: &str) -> Result<&mut Ledger, SecretsError> {
        self.ledgers.get(&self.opts.ledger_dir, env)
    }

    /// The file audit log to count reads in, or why there is none.
    fn audit_log(&mut self) -> Result<PathBuf, String> {
        if let Some(r) = &self.audit_log {
            return r.clone();
        }
        let found = match &self.opts.layout.audit_log {
            Some(p) => {
                let p = PathBuf::from(p);
                match std::fs::File::open(&p) {
                    Ok(_) => Ok(p),
                    Err(e) => Err(format!(
                        "[secrets.openbao] audit_log {} cannot be read ({e})",
                        p.display()
                    )),
                }
            }
            None => match self.client.audit_devices() {
                Err(e) => Err(format!("the audit devices could not be listed ({e})")),
                Ok(devices) => {
                    let files: Vec<_> = devices
                        .iter()
                        .filter(|d| d.kind == "file")
                        .filter_map(|d| d.options.get("file_path").map(|f| (d, f)))
                        .filter(|(_, f)| !matches!(f.as_str(), "stdout" | "discard"))
                        .collect();
                    files
                        .iter()
                        .find(|(_, f)| std::fs::File::open(f).is_ok())
                        .map(|(_, f)| PathBuf::from(f))
                        .ok_or_else(|| {
                            if devices.is_empty() {
                                format!("{} has no audit device enabled", self.address())
                            } else {
                                format!(
                                    "no file audit device of {} writes a log this machine can read ({}); set [secrets.openbao] audit_log to a readable copy of it",
                                    self.address(),
                                    devices
                                        .iter()
                                        .map(|d| format!("{} ({})", d.path, d.kind))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )
                            }
                        })
                }
            },
        };
        self.audit_log = Some(found.clone());
        found
    }

    /// The store's facts for `secrets audit`, from a snapshot of the server.
    pub fn snapshot(&self) -> Result<Snapshot, SecretsError> {
        let options = SnapshotOptions::new(self.opts.inventory.clone(), &EnvOverrides::default())?;
        Ok(Snapshot::fetch_with(&self.client, &options)?)
    }

    /// The facts of a snapshot, environments placed by this layout.
    pub fn facts_of(&self, snap: &Snapshot) -> StoreFacts {
        facts_from_snapshot(snap, &self.opts, |env| {
            (format!("{}/", self.mount(env)), self.prefix(env))
        })
    }
}

/// `StoreFacts` of a Vault/OpenBao snapshot. `layout(env)` gives an
/// environment's mount (`secret/`) and folder (`prod/`).
pub fn facts_from_snapshot(
    snap: &Snapshot,
    opts: &OpenBaoOptions,
    layout: impl Fn(&str) -> (String, String),
) -> StoreFacts {
    let source = match &snap.namespace {
        Some(ns) => format!("{} (namespace {ns})", snap.address),
        None => snap.address.clone(),
    };
    // every environment: declared, or found on a mount, a secret or a policy
    let mut envs: BTreeMap<String, Tier> = BTreeMap::new();
    for e in &opts.inventory.environments {
        envs.insert(e.name.clone(), e.tier);
    }
    let tags = snap
        .mounts
        .iter()
        .filter_map(|m| m.environment.as_ref())
        .chain(snap.secrets.iter().filter_map(|s| s.environment.as_ref()));
    for t in tags {
        envs.entry(t.name.clone()).or_insert(t.tier);
    }
    let found = snap.environment_prefixes();
    let audit_logging = !snap.audit_devices.is_empty();
    let audit_detail = if audit_logging {
        snap.audit_devices
            .iter()
            .map(|d| match d.options.get("file_path") {
                Some(f) => format!("audit device {} ({}, {f})", d.path, d.kind),
                None => format!("audit device {} ({})", d.path, d.kind),
            })
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        format!("no audit device enabled on {}", snap.address)
    };
    let mut prefixes: Vec<(String, String, Tier)> = Vec::new();
    let environments = envs
        .iter()
        .map(|(name, &tier)| {
            let (mount, folder) = layout(name);
            let namespace = if snap.mounts.iter().any(|m| m.path == mount && m.is_kv_v2()) {
                Some(format!("{mount}data/{folder}"))
            } else {
                found
                    .iter()
                    .find(|(_, t)| &t.name == name)
                    .map(|(p, _)| p.clone())
            };
            if let Some(ns) = &namespace {
                prefixes.push((ns.clone(), name.clone(), tier));
            }
            StoreEnvironment {
                name: name.clone(),
                tier,
                namespace,
                audit_logging,
                audit_detail: audit_detail.clone(),
            }
        })
        .collect();

    // What each non-prod policy reaches in prod, by the ACL evaluator.
    let cross = snap.cross_environment_grants();
    let prod_prefixes: Vec<&str> = prefixes
        .iter()
        .filter(|(_, _, t)| *t == Tier::Prod)
        .map(|(p, _, _)| p.as_str())
        .collect();
    let policies = snap
        .policies
        .iter()
        .filter(|p| p.policy.name != "root")
        .map(|p| {
            let name = &p.policy.name;
            let tier = p.environment.as_ref().map(|e| e.tier);
            let grants: Vec<envguard_vault::Grant> = match &p.environment {
                // the snapshot's answer for policies of a known environment
                Some(_) => cross
                    .iter()
                    .filter(|c| &c.policy == name && c.target_environment.tier == Tier::Prod)
                    .map(|c| c.grant.clone())
                    .collect(),
                // it leaves out policies of no known environment: the same
                // evaluator, asked under each prod prefix
                None => {
                    let set = PolicySet::new([&p.policy]);
                    prod_prefixes
                        .iter()
                        .flat_map(|pre| set.grants_under(pre))
                        .filter(|g| g.capabilities.reads() || g.capabilities.writes())
                        .collect()
                }
            };
            StorePolicy {
                name: name.clone(),
                environment: p.environment.as_ref().map(|e| e.name.clone()),
                tier,
                source: format!("sys/policies/acl/{name}"),
                line: None,
                rules: p
                    .policy
                    .rules
                    .iter()
                    .map(|r| StoreGrant {
                        path: r.pattern.as_str().to_owned(),
                        style: GlobStyle::Vault,
                        capabilities: capabilities(r.capabilities),
                    })
                    .collect(),
                prod_reach: Some(
                    grants
                        .into_iter()
                        .map(|g| StoreReach {
                            pattern: g.pattern.as_str().to_owned(),
                            path: g.path,
                            capabilities: capabilities(g.capabilities),
                        })
                        .collect(),
                ),
            }
        })
        .collect();

    let secrets = snap
        .secrets
        .iter()
        .filter(|s| !s.current_deleted)
        .filter_map(|s| {
            let env = s.environment.as_ref()?;
            let (mount, folder) = layout(&env.name);
            let name = if s.mount == mount {
                s.path.strip_prefix(folder.as_str()).unwrap_or(&s.path)
            } else {
                &s.path
            };
            // A staged version is the latest KV version but not yet served:
            // the age is that of the version envguard last made current.
            let pending = s
                .custom_metadata
                .get(PENDING_KEY)
                .and_then(|v| v.trim().parse::<u64>().ok());
            let last = if pending == Some(s.current_version) {
                s.rotated_utc.unwrap_or(s.created_utc)
            } else {
                s.last_rotated_utc
            };
            Some(StoreSecret {
                environment: env.name.clone(),
                name: name.to_owned(),
                path: s.data_path(),
                kind: kind_of(&s.custom_metadata),
                last_rotated_unix: Some(unix(last)),
                version: Some(s.current_version),
            })
        })
        .collect();

    let mut unchecked: Vec<StoreUnchecked> = snap
        .unparsed_policies
        .iter()
        .map(|u| StoreUnchecked {
            source: format!("sys/policies/acl/{}", u.name),
            line: u32::try_from(u.line).ok(),
            reason: format!(
                "policy \"{}\" could not be parsed (column {}: {}); its grants were not checked",
                u.name, u.column, u.message
            ),
        })
        .collect();
    unchecked.extend(snap.problems.iter().map(|p| StoreUnchecked {
        source: snap.address.clone(),
        line: None,
        reason: p.clone(),
    }));

    StoreFacts {
        backend: "openbao".into(),
        source,
        as_of_unix: unix(snap.taken_utc),
        due_soon_days: opts.due_soon_days,
        environments,
        policies,
        secrets,
        unchecked,
    }
}

impl Backend for OpenBao {
    fn put(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
        kind: SecretKind,
        value: &SecretValue,
    ) -> Result<VersionInfo, SecretsError> {
        let _ = actor;
        check_name(name)?;
        let existing = self.metadata(env, name)?;
        let mut custom = existing
            .as_ref()
            .map(|m| m.custom_metadata.clone())
            .unwrap_or_default();
        let (current, _, pending) = existing.as_ref().map_or((None, None, None), roles_of);
        if let Some(p) = pending {
            return Err(SecretsError::Rotation(format!(
                "{env}/{name}: a rotation staged version {p} ({} at {}); finish it (`envguard secrets rotate {env} {name} --resume`) before writing another value",
                self.address(),
                self.location(env, name)
            )));
        }
        let new = existing.as_ref().map_or(0, |m| m.current_version) + 1;
        custom.insert(KIND_KEY.into(), kind.as_str().into());
        custom.insert(CURRENT_KEY.into(), new.to_string());
        match current {
            Some(c) => custom.insert(PREVIOUS_KEY.into(), c.to_string()),
            None => custom.remove(PREVIOUS_KEY),
        };
        custom.remove(PENDING_KEY);
        custom.insert(ROTATED_KEY.into(), jiff::Timestamp::now().to_string());
        custom.insert(ROTATED_VERSION_KEY.into(), new.to_string());
        self.write_version(env, name, existing.as_ref(), custom, value)
    }

    fn get(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
        which: Which,
    ) -> Result<(VersionInfo, SecretValue), SecretsError> {
        let meta = self.versions(actor, env, name)?;
        let info = match which {
            Which::Current => meta.in_state(VersionState::Current),
            Which::Previous => meta.in_state(VersionState::Previous),
            Which::Pending => meta.in_state(VersionState::Pending),
            Which::Version(v) => meta.versions.iter().find(|i| i.version == v),
        }
        .cloned()
        .ok_or_else(|| SecretsError::NotFound {
            env: env.to_owned(),
            name: name.to_owned(),
            detail: format!(
                ": no such version at {} {}",
                self.address(),
                self.location(env, name)
            ),
        })?;
        if info.state == VersionState::Destroyed {
            return Err(SecretsError::NotFound {
                env: env.to_owned(),
                name: name.to_owned(),
                detail: format!(
                    ": version {} is destroyed ({} {})",
                    info.version,
                    self.address(),
                    self.location(env, name)
                ),
            });
        }
        let path = format!("{}{name}", self.prefix(env));
        let secret = self
            .client
            .kv_read(&self.mount(env), &path, Some(info.version))?;
        let mut data = secret.data.unwrap_or_default();
        let value = match (data.get("value"), data.get("value_base64")) {
            (Some(Value::String(s)), None) => Ok(SecretValue::new(s.as_bytes().to_vec())),
            (None, Some(Value::String(b))) => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .map(SecretValue::new)
                    .map_err(|_| "`value_base64` is not base64".to_owned())
            }
            _ => Err(format!(
                "not a value envguard can read: it expects one string key `value` (or `value_base64`), the version has the keys {}",
                data.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            )),
        };
        for v in data.values_mut() {
            if let Value::String(s) = v {
                zeroize::Zeroize::zeroize(s);
            }
        }
        let value = value.map_err(|problem| {
            SecretsError::Invalid(format!(
                "{} {} version {}: {problem}",
                self.address(),
                self.location(env, name),
                info.version
            ))
        })?;
        let mut info = info;
        if info.fingerprint.is_empty() {
            info.fingerprint = self.fingerprint(env, value.expose())?;
        }
        Ok((info, value))
    }

    fn list(&mut self, actor: &Actor, env: &str) -> Result<Vec<SecretMeta>, SecretsError> {
        let mount = self.mount(env);
        let prefix = self.prefix(env);
        let mut folders = vec![String::new()];
        let mut names = Vec::new();
        while let Some(folder) = folders.pop() {
            let keys = match self.client.kv_list(&mount, &format!("{prefix}{folder}")) {
                Ok(k) => k,
                Err(e) if e.is_not_found() => Vec::new(),
                Err(e) => return Err(e.into()),
            };
            for k in keys {
                let full = format!("{folder}{k}");
                if k.ends_with('/') {
                    folders.push(full);
                } else {
                    names.push(full);
                }
            }
        }
        names.sort();
        let mut out = Vec::with_capacity(names.len());
        for n in names {
            match self.versions(actor, env, &n) {
                Ok(m) => out.push(m),
                // deleted between the list and the read
                Err(SecretsError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    fn versions(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
    ) -> Result<SecretMeta, SecretsError> {
        let _ = actor;
        check_name(name)?;
        let m = self
            .metadata(env, name)?
            .ok_or_else(|| self.not_found(env, name))?;
        Ok(self.meta_of(env, name, &m))
    }

    fn stage(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
        kind: SecretKind,
        value: &SecretValue,
    ) -> Result<VersionInfo, SecretsError> {
        let _ = actor;
        check_name(name)?;
        let existing = self
            .metadata(env, name)?
            .ok_or_else(|| self.not_found(env, name))?;
        let (current, previous, pending) = roles_of(&existing);
        if let Some(p) = pending {
            return Err(SecretsError::Rotation(format!(
                "{env}/{name}: version {p} is already pending ({} {})",
                self.address(),
                self.location(env, name)
            )));
        }
        let new = existing.current_version + 1;
        let mut custom = existing.custom_metadata.clone();
        custom.insert(KIND_KEY.into(), kind.as_str().into());
        // pin the served version before the new one becomes KV's latest
        match current {
            Some(c) => custom.insert(CURRENT_KEY.into(), c.to_string()),
            None => custom.remove(CURRENT_KEY),
        };
        match previous {
            Some(p) => custom.insert(PREVIOUS_KEY.into(), p.to_string()),
            None => custom.remove(PREVIOUS_KEY),
        };
        custom.insert(PENDING_KEY.into(), new.to_string());
        let mut v = self.write_version(env, name, Some(&existing), custom, value)?;
        v.state = VersionState::Pending;
        Ok(v)
    }

    fn promote(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
        version: u64,
    ) -> Result<VersionInfo, SecretsError> {
        let _ = actor;
        let m = self
            .metadata(env, name)?
            .ok_or_else(|| self.not_found(env, name))?;
        let (current, _, pending) = roles_of(&m);
        if pending != Some(version) {
            return Err(SecretsError::Rotation(format!(
                "{env}/{name}: version {version} is not pending ({} {})",
                self.address(),
                self.location(env, name)
            )));
        }
        let mut custom = m.custom_metadata.clone();
        custom.insert(CURRENT_KEY.into(), version.to_string());
        match current {
            Some(c) => custom.insert(PREVIOUS_KEY.into(), c.to_string()),
            None => custom.remove(PREVIOUS_KEY),
        };
        custom.remove(PENDING_KEY);
        custom.insert(ROTATED_KEY.into(), jiff::Timestamp::now().to_string());
        custom.insert(ROTATED_VERSION_KEY.into(), version.to_string());
        let path = format!("{}{name}", self.prefix(env));
        self.client.kv_write_metadata(
            &self.mount(env),
            &path,
            &MetadataUpdate {
                custom_metadata: Some(custom),
                ..Default::default()
            },
        )?;
        let meta = self.versions(actor, env, name)?;
        meta.versions
            .into_iter()
            .find(|v| v.version == version)
            .ok_or_else(|| self.not_found(env, name))
    }

    fn destroy(
        &mut self,
        actor: &Actor,
        env: &str,
        name: &str,
        version: u64,
        reason: &str,
    ) -> Result<VersionInfo, SecretsError> {
        let _ = reason;
        let m = self
            .metadata(env, name)?
            .ok_or_else(|| self.not_found(env, name))?;
        if !m.versions.contains_key(&version) {
            return Err(SecretsError::NotFound {
                env: env.to_owned(),
                name: name.to_owned(),
                detail: format!(
                    ": no version {version} at {} {}",
                    self.address(),
                    self.location(env, name)
                ),
            });
        }
        let path = format!("{}{name}", self.prefix(env));
        self.client
            .kv_destroy_versions(&self.mount(env), &path, &[version])?;
        let meta = self.versions(actor, env, name)?;
        meta.versions
            .into_iter()
            .find(|v| v.version == version)
            .ok_or_else(|| self.not_found(env, name))
    }

    fn record(
        &mut self,
        actor: &Actor,
        env: &str,
        action: &str,
        mut details: Value,
    ) -> Result<(), SecretsError> {
        if let Value::Object(m) = &mut details {
            m.insert("actor".into(), Value::String(actor.name.clone()));
            m.insert("store".into(), Value::String(self.address().to_owned()));
        }
        let role = actor.role.clone();
        self.ledger(env)?
            .audit(&role, action, details)
            .map_err(|source| SecretsError::Ledger {
                env: env.to_owned(),
                source,
            })
    }

    fn log_cursor(&mut self, env: &str) -> Result<u64, SecretsError> {
        let _ = env;
        match self.audit_log() {
            Ok(p) => std::fs::metadata(&p)
                .map(|m| m.len())
                .map_err(|e| SecretsError::file(&p, format!("the audit log: {e}"))),
            Err(_) => Ok(0),
        }
    }

    fn reads_since(
        &mut self,
        env: &str,
        name: &str,
        version: u64,
        cursor: u64,
    ) -> Result<u64, SecretsError> {
        let Ok(log) = self.audit_log() else {
            return Ok(0);
        };
        let want = format!("{}/data/{}{name}", self.mount(env), self.prefix(env));
        count_reads(&log, cursor, &want, version)
    }

    fn access_log_gap(&mut self, env: &str) -> Result<Option<String>, SecretsError> {
        let _ = env;
        Ok(self.audit_log().err())
    }

    fn facts(&mut self, actor: &Actor) -> Result<StoreFacts, SecretsError> {
        let _ = actor;
        let snap = self.snapshot()?;
        Ok(self.facts_of(&snap))
    }
}

/// Reads of `path` that returned `version`, in a Vault/OpenBao `file` audit
/// log after byte `cursor`. The log's request paths are in clear (values
/// are HMAC'd); a response entry carries the version it returned.
pub fn count_reads(log: &Path, cursor: u64, path: &str, version: u64) -> Result<u64, SecretsError> {
    let mut f = std::fs::File::open(log).map_err(|e| SecretsError::file(log, e))?;
    let len = f.metadata().map_err(|e| SecretsError::file(log, e))?.len();
    if len < cursor {
        return Err(SecretsError::file(
            log,
            format!("the audit log is shorter ({len} bytes) than at the cutover ({cursor}): it was rotated or truncated, so reads since the cutover cannot be counted; check the rotated file"),
        ));
    }
    f.seek(SeekFrom::Start(cursor))
        .map_err(|e| SecretsError::file(log, e))?;
    let mut n = 0;
    for line in BufReader::new(f).lines() {
        let line = line.map_err(|e| SecretsError::file(log, e))?;
        if !line.contains(path) {
            continue;
        }
        let Ok(entry) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if entry["type"] != "response"
            || entry["request"]["operation"] != "read"
            || entry["request"]["path"].as_str() != Some(path)
        {
            continue;
        }
        if entry["response"]["data"]["metadata"]["version"].as_u64() == Some(version) {
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(custom: &[(&str, &str)], versions: &[(u64, bool)]) -> KvMetadata {
        let vs: BTreeMap<String, Value> = versions
            .iter()
            .map(|(v, destroyed)| {
                (
                    v.to_string(),
                    json!({"created_time": "2026-01-01T00:00:00Z", "deletion_time": "", "destroyed": destroyed}),
                )
            })
            .collect();
        serde_json::from_value(json!({
            "current_version": versions.iter().map(|v| v.0).max().unwrap_or(0),
            "created_time": "2026-01-01T00:00:00Z",
            "updated_time": "2026-01-01T00:00:00Z",
            "custom_metadata": custom.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
            "versions": vs,
        }))
        .expect("metadata")
    }

    #[test]
    fn states_follow_the_custom_metadata_marks() {
        // a put by envguard: v2 current, v1 previous
        let m = meta(
            &[(CURRENT_KEY, "2"), (PREVIOUS_KEY, "1")],
            &[(1, false), (2, false)],
        );
        assert_eq!(roles_of(&m), (Some(2), Some(1), None));
        // a staged v3: v2 still served
        let m = meta(
            &[(CURRENT_KEY, "2"), (PREVIOUS_KEY, "1"), (PENDING_KEY, "3")],
            &[(1, false), (2, false), (3, false)],
        );
        assert_eq!(roles_of(&m), (Some(2), Some(1), Some(3)));
        // a run that died after marking v3 pending, before writing it
        let m = meta(
            &[(CURRENT_KEY, "2"), (PREVIOUS_KEY, "1"), (PENDING_KEY, "3")],
            &[(1, false), (2, false)],
        );
        assert_eq!(roles_of(&m), (Some(2), Some(1), None));
        // a version written by another client after envguard's: it is current
        let m = meta(
            &[(CURRENT_KEY, "2"), (PREVIOUS_KEY, "1")],
            &[(1, false), (2, false), (3, false)],
        );
        assert_eq!(roles_of(&m), (Some(3), Some(2), None));
        // the old version destroyed by a revoke: no previous
        let m = meta(
            &[(CURRENT_KEY, "2"), (PREVIOUS_KEY, "1")],
            &[(1, true), (2, false)],
        );
        assert_eq!(roles_of(&m), (Some(2), None, None));
    }

    #[test]
    fn reads_are_counted_per_path_and_version_after_the_cursor() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("audit.log");
        let entry = |path: &str, op: &str, v: u64| {
            json!({"type": "response", "request": {"operation": op, "path": path},
                   "response": {"data": {"metadata": {"version": v}, "data": {"value": "hmac-sha256:00"}}}})
            .to_string()
        };
        let before = entry("secret/data/prod/db", "read", 1);
        std::fs::write(&log, format!("{before}\n")).expect("write");
        let cursor = std::fs::metadata(&log).expect("len").len();
        let after = [
            entry("secret/data/prod/db", "read", 1),
            entry("secret/data/prod/db", "read", 2),
            entry("secret/data/prod/dbx", "read", 1),
            entry("secret/data/staging/db", "read", 1),
            entry("secret/data/prod/db", "update", 1),
            json!({"type": "request", "request": {"operation": "read", "path": "secret/data/prod/db"}})
                .to_string(),
        ];
        std::fs::write(&log, format!("{before}\n{}\n", after.join("\n"))).expect("write");
        assert_eq!(
            count_reads(&log, cursor, "secret/data/prod/db", 1).expect("count"),
            1
        );
        assert_eq!(
            count_reads(&log, cursor, "secret/data/prod/db", 2).expect("count"),
            1
        );
        assert_eq!(
            count_reads(&log, 0, "secret/data/prod/db", 1).expect("count"),
            2
        );
        // a log shorter than the cursor was rotated: an error, not zero
        let e = count_reads(&log, 1 << 30, "secret/data/prod/db", 1).expect_err("rotated");
        assert!(e.to_string().contains("rotated"), "{e}");
    }
}
