//! `envguard.toml`: the optional inventory of environments.
//!
//! Parsed strictly (unknown keys are rejected with their line, as cargo-deny and
//! zizmor do), then validated into [`Inventory`], whose globs are compiled once.

use crate::infer::{canonical, infer_environment, is_weak_name};
use crate::span::LineIndex;
use crate::tier::Tier;
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use toml::Spanned;

/// The data an environment may hold (000 §2, 001 "data management").
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
            inferred: false,
        }
    }
}

/// Settings of the scan itself (`[scan]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanSettings {
    /// Path globs never scanned (in addition to `.gitignore`).
    pub exclude: Vec<String>,
    /// Files larger than this are skipped with a note.
    pub max_file_size: u64,
    /// Infer environments from path names (on by default).
    pub infer: bool,
}

impl Default for ScanSettings {
    fn default() -> Self {
        ScanSettings {
            exclude: Vec::new(),
            max_file_size: 10 * 1024 * 1024,
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
            path_sets: Vec::new(),
            exclude_set: GlobSet::empty(),
        }
    }
}

/// A problem with `envguard.toml`, with its 1-based line when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct InventoryError {
    pub line: Option<u32>,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInventory {
    #[serde(default)]
    scan: RawScan,
    #[serde(default)]
    environments: BTreeMap<String, RawEnvironment>,
    #[serde(default)]
    shared_markers: Vec<String>,
    #[serde(default)]
    ci: RawCi,
    #[serde(default)]
    ledger: RawLedger,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLedger {
    dir: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCi {
    settings: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawScan {
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    max_file_size: Option<u64>,
    infer: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvironment {
    tier: Option<Spanned<String>>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    paths: Vec<Spanned<String>>,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
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
}

impl Inventory {
    /// Parses and validates the text of an `envguard.toml`.
    pub fn parse(text: &str) -> Result<Inventory, InventoryError> {
        let lines = LineIndex::new(text.as_bytes());
        let line_of = |offset: usize| Some(lines.position(offset).0);
        let raw: RawInventory = toml::from_str(text).map_err(|e| InventoryError {
            line: e.span().and_then(|s| line_of(s.start)),
            message: e.message().trim().to_owned(),
        })?;

        let mut inv = Inventory {
            shared_markers: raw.shared_markers,
            ci_settings: raw.ci.settings,
            ledger_dir: raw.ledger.dir,
            ..Inventory::default()
        };
        inv.scan.infer = raw.scan.infer.unwrap_or(true);
        if let Some(max) = raw.scan.max_file_size {
            inv.scan.max_file_size = max;
        }
        let mut exclude = GlobSetBuilder::new();
        for g in &raw.scan.exclude {
            exclude.add(compile_glob(g, &line_of)?);
            inv.scan.exclude.push(g.get_ref().clone());
        }
        inv.exclude_set = exclude.build().map_err(|e| InventoryError {
            line: None,
            message: e.to_string(),
        })?;

        for (name, raw_env) in raw.environments {
            let tier = match &raw_env.tier {
                Some(t) => parse_tier(t.get_ref()).ok_or_else(|| InventoryError {
                    line: line_of(t.span().start),
                    message: format!(
                        "environment `{name}`: unknown tier `{}` (expected dev, test or prod)",
                        t.get_ref()
                    ),
                })?,
                None => canonical(&name).map(|(_, t)| t).ok_or_else(|| InventoryError {
                    line: None,
                    message: format!(
                        "environment `{name}`: `tier` is required (dev, test or prod) because the name is not a conventional one"
                    ),
                })?,
            };
            let mut env = Environment::new(&name, tier);
            env.aliases = raw_env.aliases;
            env.hosts = raw_env.hosts;
            env.accounts = raw_env.accounts;
            env.resource_suffix = raw_env.resource_suffix;
            env.branches = raw_env.branches;
            env.ci_secrets = raw_env.ci_secrets;
            env.secret_store = raw_env.secret_store;
            env.log_retention_days = raw_env.log_retention_days;
            env.data_class = raw_env.data_class;
            for c in &raw_env.cidrs {
                if !looks_like_cidr(c.get_ref()) {
                    return Err(InventoryError {
                        line: line_of(c.span().start),
                        message: format!("environment `{name}`: `{}` is not a CIDR (a.b.c.d/n or an IPv6 prefix)", c.get_ref()),
                    });
                }
                env.cidrs.push(c.get_ref().clone());
            }
            let mut set = GlobSetBuilder::new();
            for p in &raw_env.paths {
                set.add(compile_glob(p, &line_of)?);
                env.paths.push(p.get_ref().clone());
            }
            if !env.paths.is_empty() {
                let set = set.build().map_err(|e| InventoryError {
                    line: None,
                    message: e.to_string(),
                })?;
                inv.path_sets.push((set, env.paths.clone()));
            } else {
                inv.path_sets.push((GlobSet::empty(), Vec::new()));
            }
            inv.environments.push(env);
        }
        Ok(inv)
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
             # resource_suffix, branches, secret_store, log_retention_days, data_class.\n\n",
        );
        out.push_str("[scan]\n");
        out.push_str(&format!("exclude = {}\n", toml_list(&scan.exclude)));
        out.push_str(&format!("max_file_size = {}\n", scan.max_file_size));
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

fn compile_glob(
    g: &Spanned<String>,
    line_of: &dyn Fn(usize) -> Option<u32>,
) -> Result<Glob, InventoryError> {
    globset::GlobBuilder::new(g.get_ref())
        .literal_separator(true)
        .build()
        .map_err(|e| InventoryError {
            line: line_of(g.span().start),
            message: format!("bad path glob: {e}"),
        })
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

    #[test]
    fn unknown_keys_are_rejected_with_their_line() {
        let err =
            Inventory::parse("[environments.prod]\ntier = \"prod\"\npaht = [\"x\"]\n").unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        assert!(err.message.contains("paht"), "{err}");
    }

    #[test]
    fn bad_tier_and_cidr_name_the_line() {
        let err = Inventory::parse("[environments.blue]\ntier = \"gold\"\n").unwrap_err();
        assert_eq!(err.line, Some(2));
        let err =
            Inventory::parse("[environments.prod]\ncidrs = [\"10.0.0.0/8\", \"10.0.0.0/99\"]\n")
                .unwrap_err();
        assert_eq!(err.line, Some(2));
        let err = Inventory::parse("[environments.blue]\npaths = [\"x/**\"]\n").unwrap_err();
        assert!(err.message.contains("tier"), "{err}");
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
    fn ledger_dir_section() {
        let inv = Inventory::parse("[ledger]\ndir = \"audit/ledgers\"\n").unwrap();
        assert_eq!(inv.ledger_dir.as_deref(), Some("audit/ledgers"));
        assert_eq!(Inventory::parse("").unwrap().ledger_dir, None);
        let e = Inventory::parse("[ledger]\ndir = \"x\"\npath = \"y\"\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
    }
}
