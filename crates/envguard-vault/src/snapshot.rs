//! Everything an audit of policy 000 §4 needs from a Vault/OpenBao server,
//! taken in one pass: mounts, audit devices, every ACL policy parsed, and
//! every KV v2 secret's metadata (never a value), each attributed to an
//! environment.
//!
//! Speed: folders are listed level by level and metadata read with many
//! requests in flight at once (`envguard_model::par_map` over the client's
//! keep-alive pool), so 10,000 secrets take a few seconds on loopback (see
//! docs/benchmarks.md).
//!
//! Environments come from envguard's own inference, the one `check` uses for
//! files ([`Inventory::attribute`]: declared path globs of `envguard.toml`,
//! then conventional folder names, so `secret/prod/db` is prod), then from
//! the words of a mount or policy name (`kv-prod`, `staging-app`), and an
//! explicit [`EnvOverrides`] map wins over both.

use std::collections::{BTreeMap, BTreeSet};

use envguard_model::{Inventory, Tier};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::client::{AuditDevice, Client, KvMetadata};
use crate::error::{PolicyError, VaultError};
use crate::policy::{Grant, Policy, PolicySet};

/// The `custom_metadata` key where envguard records a rotation (RFC 3339 UTC).
///
/// KV v2 sets `created_time` itself: it cannot be backdated, and a value
/// imported from another store looks brand new. A rotation that envguard
/// runs or imports stamps this key, and [`ROTATED_VERSION_KEY`] with the
/// version it wrote; see [`SecretMeta::last_rotated_utc`] for how the age is
/// taken.
pub const ROTATED_KEY: &str = "envguard_rotated_utc";

/// The `custom_metadata` key naming the KV version that [`ROTATED_KEY`]
/// describes.
pub const ROTATED_VERSION_KEY: &str = "envguard_rotated_version";

/// The environment a mount, secret or policy belongs to, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvTag {
    pub name: String,
    pub tier: Tier,
    /// `override "kv-eu/"`, `name "prod"`, `mount name "kv-prod"`, …
    pub evidence: String,
}

/// Environments given explicitly (from configuration), winning over inference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvOverrides {
    /// Logical path prefix on the server (`kv-eu/`, `secret/payments/`) →
    /// environment; the longest matching prefix wins. Matches mounts and
    /// secrets (`mount/path`, without KV's `data/`).
    #[serde(default)]
    pub paths: BTreeMap<String, String>,
    /// Policy name → environment.
    #[serde(default)]
    pub policies: BTreeMap<String, String>,
}

/// How a snapshot attributes environments and how many requests it keeps in flight.
#[derive(Debug, Clone)]
pub struct SnapshotOptions {
    inventory: Inventory,
    /// Override values resolved: environment name → tier.
    paths: Vec<(String, String, Tier)>,
    policies: BTreeMap<String, (String, Tier)>,
    /// Requests in flight at once (default 32: on loopback the server's CPU
    /// is the limit from about 16 on; see docs/benchmarks.md).
    pub concurrency: usize,
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        SnapshotOptions {
            inventory: Inventory::default(),
            paths: Vec::new(),
            policies: BTreeMap::new(),
            concurrency: 32,
        }
    }
}

impl SnapshotOptions {
    /// Validates the overrides against the inventory: every environment
    /// named must be declared in `envguard.toml` or be a conventional name.
    pub fn new(
        inventory: Inventory,
        overrides: &EnvOverrides,
    ) -> Result<SnapshotOptions, VaultError> {
        let resolve = |what: &str, key: &str, env: &str| {
            inventory.resolve_name(env).ok_or_else(|| {
                VaultError::Config(format!(
                    "environment override for {what} \"{key}\": \"{env}\" is neither declared in envguard.toml nor a conventional environment name"
                ))
            })
        };
        let mut paths = Vec::new();
        for (prefix, env) in &overrides.paths {
            let (name, tier) = resolve("path", prefix, env)?;
            paths.push((prefix.trim_start_matches('/').to_owned(), name, tier));
        }
        // longest prefix first
        paths.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        let mut policies = BTreeMap::new();
        for (policy, env) in &overrides.policies {
            policies.insert(policy.clone(), resolve("policy", policy, env)?);
        }
        Ok(SnapshotOptions {
            inventory,
            paths,
            policies,
            concurrency: 32,
        })
    }

    fn override_for_path(&self, logical: &str) -> Option<EnvTag> {
        self.paths
            .iter()
            .find(|(prefix, _, _)| logical.starts_with(prefix.as_str()))
            .map(|(prefix, name, tier)| EnvTag {
                name: name.clone(),
                tier: *tier,
                evidence: format!("override \"{prefix}\""),
            })
    }

    /// A mount's environment: an override, else the words of its path.
    pub fn mount_environment(&self, mount: &str) -> Option<EnvTag> {
        self.override_for_path(mount).or_else(|| {
            mount
                .split('/')
                .find_map(|seg| self.env_in_words(seg))
                .map(|(name, tier)| EnvTag {
                    name,
                    tier,
                    evidence: format!("mount name \"{}\"", mount.trim_end_matches('/')),
                })
        })
    }

    /// A secret's environment (`mount` with its trailing `/`, `path` inside
    /// it): an override, else envguard's path inference on `mount/path`,
    /// else the mount's environment, else the words of its folder names.
    pub fn secret_environment(&self, mount: &str, path: &str) -> Option<EnvTag> {
        let logical = format!("{mount}{path}");
        if let Some(t) = self.override_for_path(&logical) {
            return Some(t);
        }
        if let Some(a) = self.inventory.attribute(&logical) {
            return Some(EnvTag {
                name: a.name,
                tier: a.tier,
                evidence: a.evidence,
            });
        }
        if let Some(t) = self.mount_environment(mount) {
            return Some(t);
        }
        let folders = path.rsplit_once('/').map_or("", |(f, _)| f);
        folders
            .split('/')
            .find_map(|seg| self.env_in_words(seg).map(|e| (seg, e)))
            .map(|(seg, (name, tier))| EnvTag {
                name,
                tier,
                evidence: format!("folder name \"{seg}\""),
            })
    }

    /// A policy's environment: an override, else the words of its name
    /// (`staging-app` → staging).
    pub fn policy_environment(&self, policy: &str) -> Option<EnvTag> {
        if let Some((name, tier)) = self.policies.get(policy) {
            return Some(EnvTag {
                name: name.clone(),
                tier: *tier,
                evidence: format!("override for policy \"{policy}\""),
            });
        }
        self.env_in_words(policy).map(|(name, tier)| EnvTag {
            name,
            tier,
            evidence: format!("policy name \"{policy}\""),
        })
    }

    /// An environment named by a name or one of its words (split at `-`,
    /// `_`, `.`): a declared environment or alias, or a conventional name
    /// that is not also an ordinary word (as for names read in files).
    /// `non-prod`/`nonprod` is a non-production environment, never prod;
    /// `pre-prod` is preprod.
    fn env_in_words(&self, name: &str) -> Option<(String, Tier)> {
        let inv = &self.inventory;
        if let Some(r) = inv.resolve_content_name(name) {
            return Some(r);
        }
        let tokens: Vec<String> = name
            .split(['-', '_', '.'])
            .filter(|t| !t.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
        let prod_word = |t: Option<&String>| {
            t.is_some_and(|t| matches!(t.as_str(), "prod" | "production" | "prd"))
        };
        let mut i = 0;
        while i < tokens.len() {
            let t = tokens[i].as_str();
            if matches!(t, "nonprod" | "nonproduction")
                || (t == "non" && prod_word(tokens.get(i + 1)))
            {
                return Some(("nonprod".to_owned(), Tier::Test));
            }
            if t == "pre" && prod_word(tokens.get(i + 1)) {
                return inv.resolve_name("preprod");
            }
            if let Some(r) = inv.resolve_content_name(t) {
                return Some(r);
            }
            i += 1;
        }
        None
    }
}

/// A mounted secrets engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountInfo {
    /// With a trailing `/` (`secret/`).
    pub path: String,
    /// Engine type: `kv`, `transit`, `pki`, …
    pub kind: String,
    /// `options.version` (`"2"` for KV v2), when set.
    pub version: Option<String>,
    pub environment: Option<EnvTag>,
}

impl MountInfo {
    pub fn is_kv_v2(&self) -> bool {
        self.kind == "kv" && self.version.as_deref() == Some("2")
    }
}

/// An ACL policy and the environment it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyInfo {
    pub policy: Policy,
    pub environment: Option<EnvTag>,
}

/// A policy on the server that envguard could not parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnparsedPolicy {
    pub name: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl From<PolicyError> for UnparsedPolicy {
    fn from(e: PolicyError) -> Self {
        UnparsedPolicy {
            name: e.policy,
            line: e.line,
            column: e.column,
            message: e.message,
        }
    }
}

/// One KV v2 secret's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretMeta {
    /// The mount, with a trailing `/` (`secret/`).
    pub mount: String,
    /// The path inside the mount (`prod/db`).
    pub path: String,
    pub current_version: u64,
    /// When the secret was first written.
    pub created_utc: Timestamp,
    /// When the current version was written (`None` when its metadata was
    /// pruned, then `updated_utc` stands in).
    pub version_created_utc: Option<Timestamp>,
    /// The metadata's `updated_time` (also moved by a metadata-only update).
    pub updated_utc: Timestamp,
    /// [`ROTATED_KEY`] of `custom_metadata`, when set and valid.
    pub rotated_utc: Option<Timestamp>,
    /// When the value was last rotated, as far as the server and envguard know:
    /// - `rotated_utc` when [`ROTATED_VERSION_KEY`] names the current
    ///   version (envguard rotated or imported exactly this value; an
    ///   imported value keeps its real, older, rotation time);
    /// - otherwise the later of the current version's creation (else
    ///   `updated_utc`) and `rotated_utc`: a version written after envguard's
    ///   stamp is a change envguard did not see.
    ///
    /// The current version's time is used rather than `updated_time`
    /// because writing `custom_metadata` (an owner tag, the stamp itself)
    /// moves `updated_time` without rotating anything.
    pub last_rotated_utc: Timestamp,
    /// The current version is soft-deleted or destroyed.
    pub current_deleted: bool,
    pub custom_metadata: BTreeMap<String, String>,
    pub environment: Option<EnvTag>,
}

impl SecretMeta {
    /// `mount/data/path`, the request path that ACL policies govern for reads.
    pub fn data_path(&self) -> String {
        format!("{}data/{}", self.mount, self.path)
    }

    /// Whole days since the last rotation, at `now`.
    pub fn age_days(&self, now: Timestamp) -> i64 {
        now.duration_since(self.last_rotated_utc).as_secs() / 86_400
    }

    fn from_metadata(
        mount: &str,
        path: &str,
        m: KvMetadata,
        environment: Option<EnvTag>,
    ) -> (SecretMeta, Option<String>) {
        let current = m.versions.get(&m.current_version);
        let version_created_utc = current.map(|v| v.created_time);
        let current_deleted = current.is_some_and(|v| v.destroyed || v.deletion_time.is_some());
        let (rotated_utc, problem) = match m.custom_metadata.get(ROTATED_KEY) {
            None => (None, None),
            Some(s) => match s.trim().parse::<Timestamp>() {
                Ok(t) => (Some(t), None),
                Err(e) => (
                    None,
                    Some(format!(
                        "{mount}{path}: custom_metadata {ROTATED_KEY} = \"{s}\" is not an RFC 3339 time ({e})"
                    )),
                ),
            },
        };
        let base = version_created_utc.unwrap_or(m.updated_time);
        let stamped_version = m
            .custom_metadata
            .get(ROTATED_VERSION_KEY)
            .and_then(|v| v.trim().parse::<u64>().ok());
        let last_rotated_utc = match rotated_utc {
            Some(r) if stamped_version == Some(m.current_version) => r,
            Some(r) => r.max(base),
            None => base,
        };
        (
            SecretMeta {
                mount: mount.to_owned(),
                path: path.to_owned(),
                current_version: m.current_version,
                created_utc: m.created_time,
                version_created_utc,
                updated_utc: m.updated_time,
                rotated_utc,
                last_rotated_utc,
                current_deleted,
                custom_metadata: m.custom_metadata,
                environment,
            },
            problem,
        )
    }
}

/// A policy of one environment that reaches secrets of another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrossGrant {
    pub policy: String,
    pub policy_environment: EnvTag,
    /// The request-path prefix of the other environment's secrets
    /// (`secret/data/prod/`).
    pub prefix: String,
    pub target_environment: EnvTag,
    /// What the policy grants there, with an example path: a secret of the
    /// snapshot when one is reached, else a made-up one.
    pub grant: Grant,
}

/// What an audit needs from one server, at one time. Serializable; holds
/// no secret value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The server's address.
    pub address: String,
    pub namespace: Option<String>,
    /// When the snapshot was taken.
    pub taken_utc: Timestamp,
    pub mounts: Vec<MountInfo>,
    /// Enabled audit devices (empty: no access log, 000 §4).
    pub audit_devices: Vec<AuditDevice>,
    pub policies: Vec<PolicyInfo>,
    /// Policies on the server that envguard's parser refused.
    pub unparsed_policies: Vec<UnparsedPolicy>,
    /// Every secret of every KV v2 mount, sorted by mount and path.
    pub secrets: Vec<SecretMeta>,
    /// Data the snapshot could read but not interpret (a malformed rotation stamp).
    pub problems: Vec<String>,
}

impl Snapshot {
    /// Takes a snapshot with conventional-name inference and no override.
    pub fn fetch(client: &Client) -> Result<Snapshot, VaultError> {
        Snapshot::fetch_with(client, &SnapshotOptions::default())
    }

    /// Takes a snapshot. Fails on the first request that fails (after
    /// retries): a partial snapshot would let an audit pass on what it did
    /// not see.
    pub fn fetch_with(client: &Client, options: &SnapshotOptions) -> Result<Snapshot, VaultError> {
        let taken_utc = Timestamp::now();
        let threads = options.concurrency.max(1);
        let mounts: Vec<MountInfo> = client
            .mounts()?
            .into_iter()
            .map(|m| MountInfo {
                environment: options.mount_environment(&m.path),
                version: m.options.get("version").cloned(),
                path: m.path,
                kind: m.kind,
            })
            .collect();
        let audit_devices = client.audit_devices()?;

        // Policies: list, then read all at once.
        let names = client.policies()?;
        let texts = envguard_model::par_map(
            &names,
            threads,
            4,
            || (),
            |_, name| client.read_policy(name).map(|t| (name.clone(), t)),
        );
        let mut policies = Vec::new();
        let mut unparsed_policies = Vec::new();
        for r in texts {
            let (name, text) = r?;
            match Policy::parse(&name, &text) {
                Ok(policy) => policies.push(PolicyInfo {
                    environment: options.policy_environment(&name),
                    policy,
                }),
                Err(e) => unparsed_policies.push(e.into()),
            }
        }

        // KV v2: list folders level by level, then read every secret's metadata.
        let mut folders: Vec<(String, String)> = mounts
            .iter()
            .filter(|m| m.is_kv_v2())
            .map(|m| (m.path.clone(), String::new()))
            .collect();
        let mut keys: Vec<(String, String)> = Vec::new();
        while !folders.is_empty() {
            let listed = envguard_model::par_map(
                &folders,
                threads,
                1,
                || (),
                |_, (m, f)| client.kv_list(m, f),
            );
            let mut next = Vec::new();
            for ((mount, folder), r) in folders.iter().zip(listed) {
                for key in r? {
                    let full = format!("{folder}{key}");
                    if key.ends_with('/') {
                        next.push((mount.clone(), full));
                    } else {
                        keys.push((mount.clone(), full));
                    }
                }
            }
            folders = next;
        }
        let metas = envguard_model::par_map(
            &keys,
            threads,
            8,
            || (),
            |_, (m, p)| {
                match client.kv_metadata(m, p) {
                    Ok(meta) => Ok(Some(meta)),
                    // deleted between the list and the read
                    Err(e) if e.is_not_found() => Ok(None),
                    Err(e) => Err(e),
                }
            },
        );
        let mut secrets = Vec::with_capacity(keys.len());
        let mut problems = Vec::new();
        for ((mount, path), r) in keys.iter().zip(metas) {
            let Some(meta) = r? else { continue };
            let env = options.secret_environment(mount, path);
            let (s, problem) = SecretMeta::from_metadata(mount, path, meta, env);
            secrets.push(s);
            problems.extend(problem);
        }
        secrets.sort_by(|a, b| (&a.mount, &a.path).cmp(&(&b.mount, &b.path)));
        Ok(Snapshot {
            address: client.address().to_owned(),
            namespace: client.namespace().map(str::to_owned),
            taken_utc,
            mounts,
            audit_devices,
            policies,
            unparsed_policies,
            secrets,
            problems,
        })
    }

    /// The named policies merged, as for a token that holds them all.
    pub fn policy_set(&self, names: &[&str]) -> PolicySet {
        PolicySet::new(
            self.policies
                .iter()
                .filter(|p| names.contains(&p.policy.name.as_str()))
                .map(|p| &p.policy),
        )
    }

    /// The request-path prefixes of each environment's secrets: a KV v2
    /// mount of its own (`kv-prod/data/`), else the shortest folder that
    /// attributes a secret to it (`secret/data/prod/`).
    pub fn environment_prefixes(&self) -> Vec<(String, EnvTag)> {
        let mut out: BTreeMap<String, EnvTag> = BTreeMap::new();
        for m in self.mounts.iter().filter(|m| m.is_kv_v2()) {
            if let Some(env) = &m.environment {
                out.insert(format!("{}data/", m.path), env.clone());
            }
        }
        for s in &self.secrets {
            let Some(env) = &s.environment else { continue };
            if out.contains_key(&format!("{}data/", s.mount)) {
                continue;
            }
            // the shortest folder of the path that already names the environment
            // (or the secret's own path when no folder does: the mount is shared)
            let mut folder = String::new();
            let mut named = false;
            let segs: Vec<&str> = s.path.split('/').collect();
            for seg in segs.split_last().map_or(&[][..], |x| x.1) {
                folder.push_str(seg);
                folder.push('/');
                if seg
                    .to_ascii_lowercase()
                    .contains(&env.name.to_ascii_lowercase())
                    || Tier::of_alias(seg) == Some(env.tier)
                {
                    named = true;
                    break;
                }
            }
            let prefix = if named {
                format!("{}data/{folder}", s.mount)
            } else {
                s.data_path()
            };
            out.entry(prefix).or_insert_with(|| env.clone());
        }
        // keep only the outermost prefix of each environment
        let all: Vec<(String, EnvTag)> = out.into_iter().collect();
        all.iter()
            .filter(|(p, e)| {
                !all.iter()
                    .any(|(q, f)| q != p && p.starts_with(q.as_str()) && f.name == e.name)
            })
            .cloned()
            .collect()
    }

    /// Every policy of one environment that can read or write under another
    /// environment's prefix of a higher tier (a staging policy that reads
    /// `secret/data/prod/*`). Policies of no known environment are left out:
    /// their reach says nothing about isolation.
    pub fn cross_environment_grants(&self) -> Vec<CrossGrant> {
        let prefixes = self.environment_prefixes();
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for p in &self.policies {
            let Some(penv) = &p.environment else { continue };
            let set = PolicySet::new([&p.policy]);
            for (prefix, tenv) in &prefixes {
                if tenv.name == penv.name || tenv.tier <= penv.tier {
                    continue;
                }
                for mut grant in set.grants_under(prefix) {
                    if !(grant.capabilities.reads() || grant.capabilities.writes()) {
                        continue;
                    }
                    // a real secret it reaches makes the better example
                    if let Some(real) = self
                        .secrets
                        .iter()
                        .map(SecretMeta::data_path)
                        .filter(|d| d.starts_with(prefix.as_str()))
                        .find(|d| set.capabilities(d).pattern.as_ref() == Some(&grant.pattern))
                    {
                        grant.path = real;
                    }
                    if seen.insert((p.policy.name.clone(), prefix.clone(), grant.pattern.clone())) {
                        out.push(CrossGrant {
                            policy: p.policy.name.clone(),
                            policy_environment: penv.clone(),
                            prefix: prefix.clone(),
                            target_environment: tenv.clone(),
                            grant,
                        });
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy_env(name: &str) -> Option<String> {
        SnapshotOptions::default()
            .policy_environment(name)
            .map(|e| e.name)
    }

    #[test]
    fn environments_from_policy_names() {
        assert_eq!(policy_env("staging-app").as_deref(), Some("staging"));
        assert_eq!(policy_env("prod_readonly").as_deref(), Some("prod"));
        assert_eq!(policy_env("payments.production").as_deref(), Some("prod"));
        assert_eq!(policy_env("pre-prod-deployer").as_deref(), Some("preprod"));
        // not prod, whatever the word `prod` in it
        assert_eq!(policy_env("nonprod-reader").as_deref(), Some("nonprod"));
        assert_eq!(policy_env("non-prod-reader").as_deref(), Some("nonprod"));
        // ordinary words and Vault's own policies name no environment
        assert_eq!(policy_env("app-test-runner"), None);
        assert_eq!(policy_env("default"), None);
        assert_eq!(policy_env("root"), None);
        assert_eq!(policy_env("product-catalog"), None);
    }

    #[test]
    fn environments_of_mounts_and_paths() {
        let o = SnapshotOptions::default();
        let env = |m: &str, p: &str| o.secret_environment(m, p).map(|e| (e.name, e.evidence));
        assert_eq!(
            env("kv-prod/", "payments/db").map(|e| e.0).as_deref(),
            Some("prod")
        );
        assert_eq!(
            env("secret/", "staging/ci/key").map(|e| e.0).as_deref(),
            Some("staging")
        );
        assert_eq!(env("secret/", "apps/payments/db"), None);
        assert_eq!(env("secret/", "src/test/key"), None);
        let mut over = EnvOverrides::default();
        over.paths
            .insert("secret/apps/".to_owned(), "prod".to_owned());
        let o = SnapshotOptions::new(Inventory::default(), &over).expect("valid");
        let t = o
            .secret_environment("secret/", "apps/payments/db")
            .expect("override");
        assert_eq!(
            (t.name.as_str(), t.evidence.as_str()),
            ("prod", "override \"secret/apps/\"")
        );
    }

    #[test]
    fn age_follows_the_rotation_stamp_rules() {
        let meta = |custom: &[(&str, &str)]| -> KvMetadata {
            serde_json::from_value(serde_json::json!({
                "current_version": 2,
                "created_time": "2026-01-01T00:00:00Z",
                "updated_time": "2026-06-01T00:00:00Z",
                "custom_metadata": custom.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
                "versions": {
                    "1": {"created_time": "2026-01-01T00:00:00Z", "deletion_time": "", "destroyed": false},
                    "2": {"created_time": "2026-03-01T00:00:00Z", "deletion_time": "", "destroyed": false}
                }
            }))
            .expect("metadata")
        };
        let at = |m: KvMetadata| SecretMeta::from_metadata("kv/", "x", m, None);
        // no stamp: the current version's time, not updated_time
        let (s, p) = at(meta(&[]));
        assert_eq!(s.last_rotated_utc.to_string(), "2026-03-01T00:00:00Z");
        assert!(p.is_none());
        // a stamp of this version: its time, even an older one (an import)
        let (s, _) = at(meta(&[
            (ROTATED_KEY, "2025-12-01T00:00:00Z"),
            (ROTATED_VERSION_KEY, "2"),
        ]));
        assert_eq!(s.last_rotated_utc.to_string(), "2025-12-01T00:00:00Z");
        // a stamp of an older version: a newer version wins
        let (s, _) = at(meta(&[
            (ROTATED_KEY, "2025-12-01T00:00:00Z"),
            (ROTATED_VERSION_KEY, "1"),
        ]));
        assert_eq!(s.last_rotated_utc.to_string(), "2026-03-01T00:00:00Z");
        // a malformed stamp is reported, not fatal
        let (s, p) = at(meta(&[(ROTATED_KEY, "last tuesday")]));
        assert!(s.rotated_utc.is_none());
        assert!(p.expect("problem").contains("kv/x"));
    }
}
