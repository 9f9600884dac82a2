//! `envguard.toml`: the optional inventory of environments.
//!
//! Parsed strictly (unknown keys are rejected with their line and column, as
//! cargo-deny and zizmor do, with the known key they most look like), then
//! validated into [`Inventory`], whose globs are compiled once. Every problem
//! of the file is reported at once, not only the first.

use crate::infer::{canonical, infer_environment, is_weak_name};
use crate::profile::{Profile, RawProfile, RawTier};
use crate::span::LineIndex;
use crate::tier::Tier;
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::de::{DeserializeOwned, IntoDeserializer, Visitor};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// The data an environment may hold (000 §2, 001 "data management").
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataClass {
    Synthetic,
    Masked,
    Live,
}

/// An environment of the inventory, declared or inferred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Environment {
    pub name: String,
    pub tier: Tier,
    /// Other names that mean this environment (in paths, namespaces, tags).
    pub aliases: Vec<String>,
    /// Path globs, relative to the scanned root, whose files belong to it.
    pub paths: Vec<String>,
    pub hosts: Vec<String>,
    pub cidrs: Vec<String>,
    pub accounts: Vec<String>,
    pub resource_suffix: Option<String>,
    pub branches: Vec<String>,
    /// Names of CI secrets / variables that belong to this environment.
    pub ci_secrets: Vec<String>,
    pub secret_store: Option<String>,
    pub log_retention_days: Option<u32>,
    pub data_class: Option<DataClass>,
    /// Tag globs a release deployed here must be built from (`release
    /// verify`; empty: the default `v*`).
    pub release_tags: Vec<String>,
    /// Distinct approvers, none the change's author, a deploy here needs
    /// (`release verify`; unset: 1 for a prod-tier environment, else 0).
    pub required_approvals: Option<u32>,
    /// Cloud regions its infrastructure may use (`RES.region`, 000 §1 residency);
    /// empty: the tier profile's `regions`.
    pub regions: Vec<String>,
    /// True when the environment came from path inference, not from `envguard.toml`.
    pub inferred: bool,
}

impl Environment {
    pub fn new(name: &str, tier: Tier) -> Self {
        Environment {
            name: name.to_owned(),
            tier,
            aliases: Vec::new(),
            paths: Vec::new(),
            hosts: Vec::new(),
            cidrs: Vec::new(),
            accounts: Vec::new(),
            resource_suffix: None,
            branches: Vec::new(),
            ci_secrets: Vec::new(),
            secret_store: None,
            log_retention_days: None,
            data_class: None,
            release_tags: Vec::new(),
            required_approvals: None,
            regions: Vec::new(),
            inferred: false,
        }
    }

    /// The release tag globs of [`Environment::release_tags`], `v*` by default.
    pub fn release_tag_globs(&self) -> Vec<String> {
        if self.release_tags.is_empty() {
            vec!["v*".to_owned()]
        } else {
            self.release_tags.clone()
        }
    }

    /// [`Environment::required_approvals`] with its default by tier.
    pub fn approvals_required(&self) -> u32 {
        self.required_approvals
            .unwrap_or(u32::from(self.tier == Tier::Prod))
    }
}

/// `[release]`: the release gate's settings (`envguard release`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReleaseSettings {
    /// Public keys (PEM files, relative to envguard.toml) whose signatures
    /// on a provenance are trusted.
    pub trusted_keys: Vec<String>,
    /// The release workflows (paths in the repository) allowed to build
    /// what is deployed.
    pub workflows: Vec<String>,
    /// Keys of signed approval records: approver name → PEM public key file.
    pub approvers: Vec<(String, String)>,
    /// Names of the environment variables holding the webhook URLs `release
    /// notify` posts to (a webhook URL is a credential: never in the file).
    pub notify_webhook_envs: Vec<String>,
    /// `[release.smtp]`: e-mail for `release notify`.
    pub smtp: Option<SmtpSettings>,
}

/// `[release.smtp]`.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    pub port: Option<u16>,
    /// `starttls` (default), `tls`, or `none` (a loopback relay only).
    #[serde(default = "default_smtp_tls")]
    pub tls: String,
    pub from: String,
    pub to: Vec<String>,
    /// Variables holding the SMTP user name and password.
    pub username_env: Option<String>,
    pub password_env: Option<String>,
}

fn default_smtp_tls() -> String {
    "starttls".to_owned()
}

/// Settings of the scan itself (`[scan]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanSettings {
    /// Path globs never scanned (in addition to `.gitignore`).
    pub exclude: Vec<String>,
    /// Files larger than this are not read: listed as `not-checked`, and the
    /// run is incomplete (100 MiB by default: any file up to it is checked in
    /// bounded memory).
    pub max_file_size: u64,
    /// Structured files (YAML, JSON, TOML, HCL, …) larger than this are not
    /// parsed: their text is scanned line by line, with a `text-only` note.
    /// A parse tree costs about 20 bytes per byte of a dense file.
    pub structured_max_bytes: u64,
    /// Infer environments from path names (on by default).
    pub infer: bool,
}

impl Default for ScanSettings {
    fn default() -> Self {
        ScanSettings {
            exclude: Vec::new(),
            max_file_size: 100 * 1024 * 1024,
            // envguard-extract's DEFAULT_STRUCTURED_MAX_BYTES (why 3 MiB: there).
            structured_max_bytes: 3 * 1024 * 1024,
            infer: true,
        }
    }
}

/// Which environment a file belongs to, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvAttribution {
    pub name: String,
    pub tier: Tier,
    /// Human-readable reason: `path glob "envs/prod/**"`, `folder "prod"`, `file name ".env.production"`.
    pub evidence: String,
}

/// A validated inventory.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub environments: Vec<Environment>,
    pub scan: ScanSettings,
    /// Markers every environment may legitimately reference (shared platform accounts, hubs).
    pub shared_markers: Vec<String>,
    /// `[ci] settings`: a file (relative to the scanned root) holding the JSON of
    /// `gh api repos/OWNER/REPO/environments`, used when `--ci-settings` is not given.
    pub ci_settings: Option<String>,
    /// `[ledger] dir`: the directory holding one ledger per environment, used
    /// by `envguard ledger` when neither `--dir` nor `ENVGUARD_LEDGER_DIR` is given.
    pub ledger_dir: Option<String>,
    /// `[ledger] url`: where the ledgers' entries live, `postgres://…` for a
    /// PostgreSQL server (SQLite files under `dir` when absent).
    pub ledger_url: Option<String>,
    /// `[release]`: the release gate.
    pub release: ReleaseSettings,
    /// `[tiers.<tier>.profile]`: the controls each tier requires (dev, test, prod).
    pub profiles: [Profile; 3],
    path_sets: Vec<(GlobSet, Vec<String>)>,
    exclude_set: GlobSet,
}

impl Default for Inventory {
    fn default() -> Self {
        Inventory {
            environments: Vec::new(),
            scan: ScanSettings::default(),
            shared_markers: Vec::new(),
            ci_settings: None,
            ledger_dir: None,
            ledger_url: None,
            release: ReleaseSettings::default(),
            profiles: [Tier::Dev, Tier::Test, Tier::Prod].map(Profile::default_for),
            path_sets: Vec::new(),
            exclude_set: GlobSet::empty(),
        }
    }
}

/// A problem with `envguard.toml`, with its 1-based line and column when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", place(*line, *column))]
pub struct InventoryError {
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

fn place(line: Option<u32>, column: Option<u32>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("line {l}, column {c}: "),
        (Some(l), None) => format!("line {l}: "),
        _ => String::new(),
    }
}

/// Every problem found in one `envguard.toml` (at least one), in the order of
/// the file, so that one run shows all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryErrors(pub Vec<InventoryError>);

impl std::fmt::Display for InventoryErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InventoryErrors {}

/// The keys of the top level that are not sections.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTop {
    #[serde(default)]
    shared_markers: Vec<String>,
}

/// The sections of the top level, each read by its own struct.
/// `[secrets]` and `[release]` are read by the CLI (`envguard secrets`,
/// `envguard release`), not by the inventory.
const SECTIONS: &[&str] = &[
    "scan",
    "environments",
    "ci",
    "ledger",
    "secrets",
    "release",
    "tiers",
];

#[derive(Default)]
struct RawInventory {
    top: RawTop,
    scan: RawScan,
    environments: Vec<(Spanned<String>, RawEnvironment)>,
    ci: RawCi,
    ledger: RawLedger,
    release: RawRelease,
    tiers: Vec<(Spanned<String>, Option<RawProfile>)>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRelease {
    #[serde(default)]
    trusted_keys: Vec<String>,
    #[serde(default)]
    workflows: Vec<String>,
    #[serde(default)]
    approvers: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    notify_webhook_envs: Vec<String>,
    smtp: Option<SmtpSettings>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLedger {
    dir: Option<String>,
    url: Option<String>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCi {
    settings: Option<String>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawScan {
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Vec<String>"))]
    exclude: Vec<Spanned<String>>,
    max_file_size: Option<u64>,
    structured_max_bytes: Option<u64>,
    infer: Option<bool>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawEnvironment {
    #[cfg_attr(feature = "schema", schemars(with = "Option<Tier>"))]
    tier: Option<Spanned<String>>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Vec<String>"))]
    paths: Vec<Spanned<String>>,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Vec<String>"))]
    cidrs: Vec<Spanned<String>>,
    #[serde(default)]
    accounts: Vec<String>,
    resource_suffix: Option<String>,
    #[serde(default)]
    branches: Vec<String>,
    #[serde(default)]
    ci_secrets: Vec<String>,
    secret_store: Option<String>,
    log_retention_days: Option<u32>,
    data_class: Option<DataClass>,
    #[serde(default)]
    release_tags: Vec<String>,
    required_approvals: Option<u32>,
    #[serde(default)]
    regions: Vec<String>,
}

/// Reads `envguard.toml` section by section and key by key, so that one run
/// reports every unknown key and every value of the wrong type, each at its
/// line and column (serde's derive stops at the first). The TOML is toml's
/// spanned [`DeTable`]; the types are still the serde structs above.
struct Reader<'t> {
    lines: LineIndex<'t>,
    errors: Vec<InventoryError>,
}

impl<'t> Reader<'t> {
    fn error(&mut self, span: Option<Range<usize>>, message: String) {
        let (line, column) = match span {
            Some(s) => {
                let (l, c) = self.lines.position(s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        self.errors.push(InventoryError {
            line,
            column,
            message,
        });
    }

    /// The whole document; `None` when it is not TOML (every syntax error is then reported).
    fn document(&mut self, text: &'t str) -> Option<RawInventory> {
        let (doc, syntax) = DeTable::parse_recoverable(text);
        if !syntax.is_empty() {
            for e in syntax {
                self.error(e.span(), e.message().trim().to_owned());
            }
            return None;
        }
        let doc = doc.into_inner();
        let mut raw = RawInventory {
            top: self.read("the top level", &doc, doc_span(text), SECTIONS),
            ..RawInventory::default()
        };
        for (key, value) in &doc {
            match key.get_ref().as_ref() {
                "scan" => raw.scan = self.read_section("[scan]", value),
                "ci" => raw.ci = self.read_section("[ci]", value),
                "ledger" => raw.ledger = self.read_section("[ledger]", value),
                "release" => raw.release = self.read_section("[release]", value),
                "tiers" => {
                    let Some(tiers) = self.table("[tiers]", value) else {
                        continue;
                    };
                    for (name, tier) in tiers {
                        let section = format!("[tiers.{}]", name.get_ref());
                        let Some(t) = self.table(&section, tier) else {
                            continue;
                        };
                        let _: RawTier = self.read(&section, t, tier.span(), &["profile"]);
                        let profile = t.iter().find(|(k, _)| k.get_ref() == "profile").map(
                            |(_, pv)| -> RawProfile {
                                let section = format!("[tiers.{}.profile]", name.get_ref());
                                self.read_section(&section, pv)
                            },
                        );
                        let name = Spanned::new(name.span(), name.get_ref().to_string());
                        raw.tiers.push((name, profile));
                    }
                }
                "environments" => {
                    let Some(envs) = self.table("[environments]", value) else {
                        continue;
                    };
                    for (name, env) in envs {
                        let section = format!("[environments.{}]", name.get_ref());
                        let name = Spanned::new(name.span(), name.get_ref().to_string());
                        raw.environments
                            .push((name, self.read_section(&section, env)));
                    }
                }
                _ => {}
            }
        }
        Some(raw)
    }

    fn table<'v>(
        &mut self,
        section: &str,
        value: &'v Spanned<DeValue<'t>>,
    ) -> Option<&'v DeTable<'t>> {
        let table = value.get_ref().as_table();
        if table.is_none() {
            self.error(
                Some(value.span()),
                format!(
                    "{section} must be a table, not {}",
                    value.get_ref().type_str()
                ),
            );
        }
        table
    }

    fn read_section<T: DeserializeOwned + Default>(
        &mut self,
        section: &str,
        value: &Spanned<DeValue<'t>>,
    ) -> T {
        match self.table(section, value) {
            Some(table) => self.read(section, table, value.span(), &[]),
            None => T::default(),
        }
    }

    /// `T` from a table, key by key: an unknown key is reported with the
    /// nearest known one, a value of the wrong type at its own place, and `T`
    /// is built from the keys that were fine. `sections`: keys the caller
    /// reads itself.
    fn read<T: DeserializeOwned + Default>(
        &mut self,
        section: &str,
        table: &DeTable<'t>,
        span: Range<usize>,
        sections: &[&str],
    ) -> T {
        let fields = field_names::<T>();
        let mut good = DeTable::new();
        for (key, value) in table {
            let k = key.get_ref().as_ref();
            if sections.contains(&k) {
                continue;
            }
            if !fields.contains(&k) {
                let hint = did_you_mean(k, fields.iter().chain(sections))
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                self.error(
                    Some(key.span()),
                    format!("unknown key `{k}` in {section}{hint}"),
                );
                continue;
            }
            let mut one = DeTable::new();
            one.insert(key.clone(), value.clone());
            match T::deserialize(Spanned::new(span.clone(), one).into_deserializer()) {
                Ok(_) => {
                    good.insert(key.clone(), value.clone());
                }
                Err(e) => self.error(
                    e.span().or(Some(value.span())),
                    format!("`{k}` in {section}: {}", e.message().trim()),
                ),
            }
        }
        T::deserialize(Spanned::new(span.clone(), good).into_deserializer()).unwrap_or_else(|e| {
            self.error(e.span().or(Some(span)), e.message().trim().to_owned());
            T::default()
        })
    }
}

fn doc_span(text: &str) -> Range<usize> {
    0..text.len()
}

/// The known key nearest to an unknown one, when it is near enough to be
/// the one meant (`pahts` → `paths`, `exlude` → `exclude`).
fn did_you_mean<'k>(key: &str, known: impl Iterator<Item = &'k &'k str>) -> Option<&'k str> {
    let limit = 1 + key.chars().count() / 4;
    known
        .map(|k| {
            (
                strsim::damerau_levenshtein(&key.to_ascii_lowercase(), k),
                *k,
            )
        })
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, k)| k)
}

/// The field names of a `#[derive(Deserialize)]` struct: serde's derive hands
/// them to `deserialize_struct`, and this deserializer keeps them (the
/// technique of serde-aux's `serde_introspect`, without its other
/// dependencies). The unknown-key check reads them, so it cannot drift from
/// the structs.
fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Probe<'f>(&'f mut &'static [&'static str]);
    impl<'de> serde::Deserializer<'de> for Probe<'_> {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(serde::de::Error::custom("field names only"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

impl Inventory {
    /// Parses and validates the text of an `envguard.toml`, reporting every
    /// problem found, not only the first.
    pub fn parse(text: &str) -> Result<Inventory, InventoryErrors> {
        let mut reader = Reader {
            lines: LineIndex::new(text.as_bytes()),
            errors: Vec::new(),
        };
        let raw = reader.document(text);
        let inv = raw.map(|raw| Inventory::build(raw, &mut reader));
        let mut errors = reader.errors;
        match inv {
            Some(inv) if errors.is_empty() => Ok(inv),
            _ => {
                errors.sort_by_key(|e| (e.line.is_none(), e.line, e.column));
                Err(InventoryErrors(errors))
            }
        }
    }

    /// Validates what was read: tiers, CIDRs and globs; problems go to the reader.
    fn build(raw: RawInventory, r: &mut Reader<'_>) -> Inventory {
        let mut inv = Inventory {
            shared_markers: raw.top.shared_markers,
            ci_settings: raw.ci.settings,
            ledger_dir: raw.ledger.dir,
            ledger_url: raw.ledger.url,
            release: ReleaseSettings {
                trusted_keys: raw.release.trusted_keys,
                workflows: raw.release.workflows,
                approvers: raw.release.approvers.into_iter().collect(),
                notify_webhook_envs: raw.release.notify_webhook_envs,
                smtp: raw.release.smtp,
            },
            ..Inventory::default()
        };
        inv.scan.infer = raw.scan.infer.unwrap_or(true);
        if let Some(max) = raw.scan.max_file_size {
            inv.scan.max_file_size = max;
        }
        if let Some(max) = raw.scan.structured_max_bytes {
            inv.scan.structured_max_bytes = max;
        }
        let mut exclude = GlobSetBuilder::new();
        for g in &raw.scan.exclude {
            if let Some(glob) = compile_glob(g, r) {
                exclude.add(glob);
                inv.scan.exclude.push(g.get_ref().clone());
            }
        }
        match exclude.build() {
            Ok(set) => inv.exclude_set = set,
            Err(e) => r.error(None, e.to_string()),
        }
        for (name, profile) in &raw.tiers {
            match parse_tier(name.get_ref()) {
                Some(t) => {
                    if let Some(p) = profile {
                        let i = t as usize;
                        inv.profiles[i] = inv.profiles[i].clone().overlay(p);
                    }
                }
                None => r.error(
                    Some(name.span()),
                    format!(
                        "[tiers.{}]: unknown tier (expected dev, test or prod)",
                        name.get_ref()
                    ),
                ),
            }
        }
        for (name, raw_env) in raw.environments {
            let (env, set) = build_environment(&name, raw_env, r);
            inv.path_sets.push((set, env.paths.clone()));
            inv.environments.push(env);
        }
        inv
    }

    /// True when the path (relative, `/`-separated) is excluded by `[scan] exclude`.
    pub fn is_excluded(&self, path: &str) -> bool {
        self.exclude_set.is_match(path)
    }

    /// The environment a file belongs to: a declared environment's path glob first,
    /// then (unless `infer = false`) conventional names, mapped onto a declared
    /// environment when its name or one of its aliases matches.
    pub fn attribute(&self, path: &str) -> Option<EnvAttribution> {
        for (env, (set, globs)) in self.environments.iter().zip(&self.path_sets) {
            let matches = set.matches(path);
            if let Some(first) = matches.first() {
                return Some(EnvAttribution {
                    name: env.name.clone(),
                    tier: env.tier,
                    evidence: format!("path glob \"{}\" in envguard.toml", globs[*first]),
                });
            }
        }
        if !self.scan.infer {
            return None;
        }
        let inferred = infer_environment(path)?;
        let evidence = format!("name \"{}\"", inferred.evidence);
        let evidence_lower = inferred.evidence.to_ascii_lowercase();
        for env in &self.environments {
            // An alias written inside the evidence (`values-prod-eu.yaml` for an
            // alias `prod-eu`) tells apart environments of the inferred one's
            // tier; it never moves a file to another tier (`pre-prod.yml` is not
            // prod because `prod` is an alias of prod).
            let hit = env.name.eq_ignore_ascii_case(inferred.name)
                || env.aliases.iter().any(|a| {
                    a.eq_ignore_ascii_case(inferred.name)
                        || (env.tier == inferred.tier
                            && evidence_lower.contains(&a.to_ascii_lowercase()))
                })
                || canonical(&env.name).is_some_and(|(c, _)| c == inferred.name);
            if hit {
                return Some(EnvAttribution {
                    name: env.name.clone(),
                    tier: env.tier,
                    evidence,
                });
            }
        }
        Some(EnvAttribution {
            name: inferred.name.to_owned(),
            tier: inferred.tier,
            evidence,
        })
    }

    /// Resolves an environment name as written in a file (a namespace, a tag value,
    /// a workflow `environment:`) to a declared environment, or to the canonical
    /// name of a conventional alias (`production` → `prod`). `None` for anything
    /// else (`${{ inputs.env }}`, `var.environment`, `blue`).
    pub fn resolve_name(&self, name: &str) -> Option<(String, Tier)> {
        let name = name.trim();
        if let Some(env) = self.environment(name) {
            return Some((env.name.clone(), env.tier));
        }
        let (canon, tier) = canonical(name)?;
        if let Some(env) = self.environment(canon) {
            return Some((env.name.clone(), env.tier));
        }
        Some((canon.to_owned(), tier))
    }

    /// True when `word`, a conventional environment name (`prd`, `stage`,
    /// `production`), names the scan's environment `env`: through
    /// [`Inventory::resolve_name`], or, when `envguard.toml` does not declare
    /// `word` itself, because `word` and `env` (or one of its declared aliases)
    /// are conventional names of one environment (`prd` for a declared
    /// `production`, `staging` for a declared `stg`).
    pub fn is_alias_of(&self, word: &str, env: &str) -> bool {
        if let Some((r, _)) = self.resolve_name(word) {
            if r.eq_ignore_ascii_case(env) {
                return true;
            }
        }
        if self.environment(word).is_some() {
            return false;
        }
        let Some((c, _)) = canonical(word) else {
            return false;
        };
        let same = |n: &str| canonical(n).is_some_and(|(x, _)| x == c);
        same(env)
            || self
                .environment(env)
                .is_some_and(|e| same(&e.name) || e.aliases.iter().any(|a| same(a)))
    }

    /// [`Inventory::resolve_name`] for a name read in a file's content (a
    /// Terraform `environment = "…"`, a namespace): a conventional name that
    /// is also an ordinary word (`live`, `local`, `test`, `stage`,
    /// `integration`, `sandbox`, `int`, `testing`, `develop`) resolves only when
    /// `envguard.toml` declares it, as an environment's name or alias.
    pub fn resolve_content_name(&self, name: &str) -> Option<(String, Tier)> {
        let name = name.trim();
        if is_weak_name(name) && self.environment(name).is_none() {
            return None;
        }
        self.resolve_name(name)
    }

    /// The tier of a named environment (declared, or a conventional name).
    /// The controls a tier requires (`[tiers.<tier>.profile]`, 004 defaults for prod).
    pub fn profile(&self, tier: Tier) -> &Profile {
        &self.profiles[tier as usize]
    }

    pub fn tier_of(&self, name: &str) -> Option<Tier> {
        self.environment(name)
            .map(|e| e.tier)
            .or_else(|| canonical(name).map(|(_, t)| t))
    }

    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| {
            e.name.eq_ignore_ascii_case(name)
                || e.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        })
    }

    /// Renders an inventory as `envguard.toml` text, for `envguard init`.
    pub fn to_toml(environments: &[Environment], scan: &ScanSettings) -> String {
        let mut out = String::from(
            "# envguard inventory: which files, hosts and networks belong to which environment.\n\
             # Written by `envguard init` from the names in this tree; review it, then commit it.\n\
             # Keys: tier (dev|test|prod), aliases, paths (globs), hosts, cidrs, accounts,\n\
             # resource_suffix, branches, ci_secrets, secret_store, log_retention_days, data_class,\n\
             # release_tags, required_approvals, regions. Production profile (004):\n\
             # [tiers.prod.profile] (defaults apply without it).\n\n",
        );
        out.push_str("[scan]\n");
        out.push_str(&format!("exclude = {}\n", toml_list(&scan.exclude)));
        out.push_str(&format!("max_file_size = {}\n", scan.max_file_size));
        out.push_str(&format!(
            "structured_max_bytes = {}\n",
            scan.structured_max_bytes
        ));
        out.push_str(&format!("infer = {}\n", scan.infer));
        for env in environments {
            out.push_str(&format!("\n[environments.{}]\n", toml_key(&env.name)));
            out.push_str(&format!("tier = \"{}\"\n", env.tier));
            if !env.aliases.is_empty() {
                out.push_str(&format!("aliases = {}\n", toml_list(&env.aliases)));
            }
            out.push_str(&format!("paths = {}\n", toml_list(&env.paths)));
            for (k, v) in [
                ("hosts", &env.hosts),
                ("cidrs", &env.cidrs),
                ("accounts", &env.accounts),
                ("branches", &env.branches),
                ("ci_secrets", &env.ci_secrets),
            ] {
                if !v.is_empty() {
                    out.push_str(&format!("{k} = {}\n", toml_list(v)));
                }
            }
            if let Some(s) = &env.resource_suffix {
                out.push_str(&format!("resource_suffix = {}\n", toml_str(s)));
            }
        }
        out
    }
}

fn parse_tier(s: &str) -> Option<Tier> {
    match s.to_ascii_lowercase().as_str() {
        "dev" => Some(Tier::Dev),
        "test" => Some(Tier::Test),
        "prod" => Some(Tier::Prod),
        _ => None,
    }
}

/// One `[environments.NAME]`, with the set of its path globs.
fn build_environment(
    name: &Spanned<String>,
    raw: RawEnvironment,
    r: &mut Reader<'_>,
) -> (Environment, GlobSet) {
    let tier = match &raw.tier {
        Some(t) => parse_tier(t.get_ref()).unwrap_or_else(|| {
            r.error(
                Some(t.span()),
                format!(
                    "environment `{}`: unknown tier `{}` (expected dev, test or prod)",
                    name.get_ref(),
                    t.get_ref()
                ),
            );
            Tier::Prod
        }),
        None => canonical(name.get_ref()).map(|(_, t)| t).unwrap_or_else(|| {
            r.error(
                Some(name.span()),
                format!(
                    "environment `{}`: `tier` is required (dev, test or prod) because the name is not a conventional one",
                    name.get_ref()
                ),
            );
            Tier::Prod
        }),
    };
    let mut env = Environment::new(name.get_ref(), tier);
    env.aliases = raw.aliases;
    env.hosts = raw.hosts;
    env.accounts = raw.accounts;
    env.resource_suffix = raw.resource_suffix;
    env.branches = raw.branches;
    env.ci_secrets = raw.ci_secrets;
    env.secret_store = raw.secret_store;
    env.log_retention_days = raw.log_retention_days;
    env.data_class = raw.data_class;
    env.release_tags = raw.release_tags;
    env.required_approvals = raw.required_approvals;
    env.regions = raw.regions;
    for c in &raw.cidrs {
        if looks_like_cidr(c.get_ref()) {
            env.cidrs.push(c.get_ref().clone());
        } else {
            r.error(
                Some(c.span()),
                format!(
                    "environment `{}`: `{}` is not a CIDR (a.b.c.d/n or an IPv6 prefix)",
                    name.get_ref(),
                    c.get_ref()
                ),
            );
        }
    }
    let mut set = GlobSetBuilder::new();
    for p in &raw.paths {
        if let Some(glob) = compile_glob(p, r) {
            set.add(glob);
            env.paths.push(p.get_ref().clone());
        }
    }
    let set = if env.paths.is_empty() {
        GlobSet::empty()
    } else {
        set.build().unwrap_or_else(|e| {
            r.error(None, e.to_string());
            GlobSet::empty()
        })
    };
    (env, set)
}

fn compile_glob(g: &Spanned<String>, r: &mut Reader<'_>) -> Option<Glob> {
    match globset::GlobBuilder::new(g.get_ref())
        .literal_separator(true)
        .build()
    {
        Ok(glob) => Some(glob),
        Err(e) => {
            r.error(Some(g.span()), format!("bad path glob: {e}"));
            None
        }
    }
}

fn looks_like_cidr(s: &str) -> bool {
    let Some((addr, len)) = s.split_once('/') else {
        return false;
    };
    let Ok(len) = len.parse::<u8>() else {
        return false;
    };
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => len <= 32,
        Ok(std::net::IpAddr::V6(_)) => len <= 128,
        Err(_) => false,
    }
}

fn toml_str(s: &str) -> String {
    // serde_json's string escaping is a valid TOML basic string.
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

fn toml_list(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| toml_str(s)).collect();
    format!("[{}]", items.join(", "))
}

fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        k.to_owned()
    } else {
        toml_str(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one problem of a file that has exactly one.
    fn only(text: &str) -> InventoryError {
        let errs = Inventory::parse(text).unwrap_err();
        assert_eq!(errs.0.len(), 1, "{errs}");
        errs.0[0].clone()
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_line() {
        let err = only("[environments.prod]\ntier = \"prod\"\npaht = [\"x\"]\n");
        assert_eq!((err.line, err.column), (Some(3), Some(1)), "{err}");
        assert_eq!(
            err.message,
            "unknown key `paht` in [environments.prod]; did you mean `paths`?"
        );
    }

    #[test]
    fn every_problem_of_a_file_is_reported_at_once() {
        // A realistic inventory with two misspelt keys in two sections, a
        // value of the wrong type and a bad CIDR: four problems, one run.
        let text = r#"# envguard inventory
[scan]
exlude = ["vendor/**", "examples/**"]
max_file_size = "10MB"

[environments.dev]
tier = "dev"
paths = ["envs/dev/**", "k8s/overlays/dev/**"]

[environments.prod]
tier = "prod"
aliases = ["production", "live"]
pahts = ["envs/prod/**"]
cidrs = ["10.20.0.0/16", "10.30.0.0/33"]
"#;
        let errs = Inventory::parse(text).unwrap_err();
        let got: Vec<(Option<u32>, Option<u32>, &str)> = errs
            .0
            .iter()
            .map(|e| (e.line, e.column, e.message.as_str()))
            .collect();
        assert_eq!(got.len(), 4, "{errs}");
        assert_eq!(
            got[0],
            (
                Some(3),
                Some(1),
                "unknown key `exlude` in [scan]; did you mean `exclude`?"
            )
        );
        assert_eq!((got[1].0, got[1].1), (Some(4), Some(17)), "{errs}");
        assert!(
            got[1]
                .2
                .starts_with("`max_file_size` in [scan]: invalid type: string"),
            "{errs}"
        );
        assert_eq!(
            got[2],
            (
                Some(13),
                Some(1),
                "unknown key `pahts` in [environments.prod]; did you mean `paths`?"
            )
        );
        assert_eq!((got[3].0, got[3].1), (Some(14), Some(26)), "{errs}");
        assert!(got[3].2.contains("`10.30.0.0/33` is not a CIDR"), "{errs}");
    }

    #[test]
    fn a_key_like_none_of_the_known_ones_gets_no_suggestion() {
        let err = only("[scan]\ninfer = true\ncolour = \"auto\"\n");
        assert_eq!(err.message, "unknown key `colour` in [scan]");
        let err = only("enviroments = 1\n");
        assert_eq!(
            err.message,
            "unknown key `enviroments` in the top level; did you mean `environments`?"
        );
        let err = only("environments = [\"prod\"]\n");
        assert_eq!(err.message, "[environments] must be a table, not array");
    }

    #[test]
    fn a_clean_inventory_with_every_key_parses() {
        let text = r#"shared_markers = ["logs.shared.acme.internal"]

[scan]
exclude = ["vendor/**"]
max_file_size = 1048576
infer = false

[ci]
settings = "ci/environments.json"

[ledger]
dir = "audit/ledgers"

[environments.prod]
tier = "prod"
aliases = ["production"]
paths = ["envs/prod/**"]
hosts = ["db.prod.acme.internal"]
cidrs = ["10.20.0.0/16", "fd00::/8"]
accounts = ["123456789012"]
resource_suffix = "-prd"
branches = ["main"]
ci_secrets = ["PROD_DB_URL"]
secret_store = "vault:kv/prod"
log_retention_days = 730
data_class = "live"
"#;
        let inv = Inventory::parse(text).unwrap();
        assert_eq!(inv.scan.max_file_size, 1048576);
        assert!(!inv.scan.infer);
        assert_eq!(inv.ci_settings.as_deref(), Some("ci/environments.json"));
        let prod = &inv.environments[0];
        assert_eq!(prod.data_class, Some(DataClass::Live));
        assert_eq!(prod.log_retention_days, Some(730));
        assert_eq!(prod.cidrs.len(), 2);
    }

    #[test]
    fn a_syntax_error_is_reported_with_its_place() {
        let err = only("[environments.prod]\ntier = \"prod\npaths = []\n");
        assert_eq!(err.line, Some(2), "{err}");
    }

    #[test]
    fn bad_tier_and_cidr_name_the_line() {
        let err = only("[environments.blue]\ntier = \"gold\"\n");
        assert_eq!((err.line, err.column), (Some(2), Some(8)));
        let err = only("[environments.prod]\ncidrs = [\"10.0.0.0/8\", \"10.0.0.0/99\"]\n");
        assert_eq!(err.line, Some(2));
        let err = only("[environments.blue]\npaths = [\"x/**\"]\n");
        assert!(err.message.contains("tier"), "{err}");
        assert_eq!(err.line, Some(1), "{err}");
    }

    #[test]
    fn globs_then_inference_mapped_onto_declared_names() {
        let inv = Inventory::parse(
            "[scan]\nexclude = [\"examples/**\"]\n\n[environments.production]\ntier = \"prod\"\n\n\
             [environments.blue]\ntier = \"test\"\npaths = [\"stacks/blue/**\"]\n",
        )
        .unwrap();
        let a = inv.attribute("stacks/blue/main.tf").unwrap();
        assert_eq!((a.name.as_str(), a.tier), ("blue", Tier::Test));
        let a = inv.attribute("envs/prod/.env").unwrap();
        assert_eq!(a.name, "production");
        let a = inv.attribute("envs/qa/.env").unwrap();
        assert_eq!((a.name.as_str(), a.tier), ("qa", Tier::Test));
        assert!(inv.is_excluded("examples/a/b.env"));
        assert!(inv.attribute("src/main.rs").is_none());
    }

    #[test]
    fn weak_names_in_content_resolve_only_when_declared() {
        let inv = Inventory::default();
        for weak in [
            "live",
            "local",
            "test",
            "stage",
            "Integration",
            "sandbox",
            "int",
        ] {
            assert_eq!(inv.resolve_content_name(weak), None, "{weak}");
            assert!(inv.resolve_name(weak).is_some(), "{weak}");
        }
        assert_eq!(
            inv.resolve_content_name("production"),
            Some(("prod".to_owned(), Tier::Prod))
        );
        let inv = Inventory::parse(
            "[environments.prod]\ntier = \"prod\"\naliases = [\"live\"]\n\n\
             [environments.test]\ntier = \"test\"\n",
        )
        .unwrap();
        assert_eq!(
            inv.resolve_content_name("live"),
            Some(("prod".to_owned(), Tier::Prod))
        );
        assert_eq!(
            inv.resolve_content_name("test"),
            Some(("test".to_owned(), Tier::Test))
        );
        assert_eq!(inv.resolve_content_name("local"), None);
    }

    #[test]
    fn pre_prod_and_non_prod_names_are_not_prod() {
        let inv = Inventory::default();
        let preprod = inv.resolve_name("preprod").unwrap();
        for p in ["pre-prod.yml", "pre-production.yaml", "preprod.yml"] {
            let a = inv.attribute(p).unwrap();
            assert_eq!((a.name.clone(), a.tier), preprod, "{p}");
        }
        for p in [
            "non-prod.yml",
            "nonprod.yml",
            "non-production.yaml",
            "variants/non-prod/a.yaml",
        ] {
            assert!(inv.attribute(p).is_none(), "{p}");
        }
        let a = inv.attribute("envs/nonproduction/main.tf").unwrap();
        assert_eq!((a.name.as_str(), a.tier), ("nonprod", Tier::Test));
        // A declared prod whose aliases appear inside the name does not take them.
        let inv = Inventory::parse(
            "[environments.production]\ntier = \"prod\"\naliases = [\"prod\", \"production\"]\n\n\
             [environments.staging]\ntier = \"test\"\naliases = [\"preprod\"]\n",
        )
        .unwrap();
        let a = inv.attribute("pre-prod.yml").unwrap();
        assert_eq!((a.name.as_str(), a.tier), ("staging", Tier::Test));
        let a = inv.attribute("envs/nonproduction/main.tf").unwrap();
        assert_eq!((a.name.as_str(), a.tier), ("nonprod", Tier::Test));
        assert!(inv.attribute("config/non-prod.yml").is_none());
        assert_eq!(
            inv.attribute("envs/prod/a.yaml").unwrap().name,
            "production"
        );
    }

    #[test]
    fn init_output_parses_back() {
        let mut e = Environment::new("prod", Tier::Prod);
        e.paths = vec!["envs/prod/**".into()];
        let text = Inventory::to_toml(&[e], &ScanSettings::default());
        let inv = Inventory::parse(&text).unwrap();
        assert_eq!(inv.environments[0].paths, vec!["envs/prod/**".to_owned()]);
        assert_eq!(inv.attribute("envs/prod/a.yaml").unwrap().name, "prod");
    }

    #[test]
    fn init_output_names_every_environment_key() {
        let text = Inventory::to_toml(&[], &ScanSettings::default());
        let keys = text
            .lines()
            .take_while(|l| l.starts_with('#'))
            .collect::<String>();
        let fields = field_names::<RawEnvironment>();
        assert_eq!(fields.len(), 15, "{fields:?}");
        for k in fields {
            assert!(keys.contains(k), "`{k}` missing from: {keys}");
        }
    }

    #[test]
    fn release_section_and_environment_keys() {
        let inv = Inventory::parse(
            "[release]\ntrusted_keys = [\"keys/release.pub\"]\nworkflows = [\".github/workflows/release.yml\"]\napprovers = { bob = \"keys/bob.pub\" }\n\n[environments.prod]\nrelease_tags = [\"release-*\"]\nrequired_approvals = 2\n\n[environments.staging]\n",
        )
        .unwrap();
        assert_eq!(inv.release.trusted_keys, ["keys/release.pub"]);
        assert_eq!(
            inv.release.approvers,
            [("bob".to_owned(), "keys/bob.pub".to_owned())]
        );
        let prod = inv.environment("prod").unwrap();
        assert_eq!(prod.release_tag_globs(), ["release-*"]);
        assert_eq!(prod.approvals_required(), 2);
        let staging = inv.environment("staging").unwrap();
        assert_eq!(staging.release_tag_globs(), ["v*"]);
        assert_eq!(staging.approvals_required(), 0);
        let inv = Inventory::parse(
            "[release]\nnotify_webhook_envs = [\"SLACK_WEBHOOK_URL\"]\n[release.smtp]\nhost = \"smtp.example.com\"\nfrom = \"releases@example.com\"\nto = [\"ops@example.com\"]\n",
        )
        .unwrap();
        let smtp = inv.release.smtp.unwrap();
        assert_eq!((smtp.tls.as_str(), smtp.port), ("starttls", None));
        assert_eq!(inv.release.notify_webhook_envs, ["SLACK_WEBHOOK_URL"]);
        let e = Inventory::parse(
            "[release.smtp]\nhost = \"h\"\nfrom = \"a@b\"\nto = []\npasword_env = \"X\"\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("pasword_env"), "{e}");
        let e = Inventory::parse("[release]\ntrusted_key = []\n").unwrap_err();
        assert!(
            e.to_string().contains("did you mean `trusted_keys`?"),
            "{e}"
        );
    }

    #[test]
    fn ledger_dir_section() {
        let inv = Inventory::parse("[ledger]\ndir = \"audit/ledgers\"\n").unwrap();
        assert_eq!(inv.ledger_dir.as_deref(), Some("audit/ledgers"));
        assert_eq!(Inventory::parse("").unwrap().ledger_dir, None);
        let inv =
            Inventory::parse("[ledger]\nurl = \"postgres://audit@db:5432/ledger\"\n").unwrap();
        assert_eq!(
            inv.ledger_url.as_deref(),
            Some("postgres://audit@db:5432/ledger")
        );
        assert_eq!(inv.ledger_dir, None);
        let e = only("[ledger]\ndir = \"x\"\npath = \"y\"\n");
        assert_eq!(e.line, Some(3), "{e}");
    }

    #[test]
    fn tier_profiles_default_to_004_and_take_overrides() {
        let inv = Inventory::parse("").unwrap();
        assert_eq!(inv.profile(Tier::Prod), &Profile::PROD);
        assert_eq!(inv.profile(Tier::Dev), &Profile::NONE);
        let inv = Inventory::parse(
            "[tiers.prod.profile]\nbackup_retention_days = 35\nmulti_az = false\n[tiers.test.profile]\npitr = true\n",
        )
        .unwrap();
        assert_eq!(inv.profile(Tier::Prod).backup_retention_days, Some(35));
        assert!(!inv.profile(Tier::Prod).multi_az && inv.profile(Tier::Prod).key_rotation);
        assert!(inv.profile(Tier::Test).pitr && !inv.profile(Tier::Test).key_rotation);
        let inv = Inventory::parse(
            "[tiers.prod.profile]\nregions = [\"me-south-1\"]\n[environments.staging]\nregions = [\"me-central-1\"]\n",
        )
        .unwrap();
        assert_eq!(inv.profile(Tier::Prod).regions, ["me-south-1"]);
        assert_eq!(
            inv.environment("staging").unwrap().regions,
            ["me-central-1"]
        );
        let e = only("[tiers.prod.profile]\npitr = true\nkey_rotaton = true\n");
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("did you mean `key_rotation`?"), "{e}");
        let e = only("[tiers.qa.profile]\npitr = true\n");
        assert!(e.message.contains("unknown tier"), "{e}");
        let e = only("[tiers.prod]\nprofle = {}\n");
        assert!(e.message.contains("did you mean `profile`?"), "{e}");
    }
}

/// The whole of `envguard.toml` as one type, for its JSON Schema only (the
/// reader goes section by section to report every problem at once). The
/// `[secrets]` section belongs to envguard-secrets, which fills it in.
#[cfg(feature = "schema")]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct InventoryFile {
    #[serde(flatten)]
    top: RawTop,
    scan: Option<RawScan>,
    /// The environments, by name.
    environments: Option<std::collections::BTreeMap<String, RawEnvironment>>,
    ci: Option<RawCi>,
    ledger: Option<RawLedger>,
    release: Option<RawRelease>,
    /// The controls each tier requires (`[tiers.<tier>.profile]`; dev, test, prod).
    tiers: Option<std::collections::BTreeMap<Tier, SchemaTier>>,
    /// The secret store (`envguard secrets`).
    secrets: Option<serde_json::Value>,
}

/// `[tiers.<tier>]`, for the JSON Schema only.
#[cfg(feature = "schema")]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SchemaTier {
    profile: Option<crate::profile::RawProfile>,
}

/// The JSON Schema of `envguard.toml`, generated from the types that read it.
#[cfg(feature = "schema")]
pub fn inventory_schema() -> serde_json::Value {
    schemars::schema_for!(InventoryFile).to_value()
}
