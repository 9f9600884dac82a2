//! Which environment a token identifies: by a label in its name
//! (`db.prod.acme.internal`, `acme-staging-data`), by being defined in that
//! environment's files (a resource's own name, a backend, a provider's
//! account), or by the inventory (`hosts`, `accounts`, `cidrs`).
//!
//! Definitions are matched with one Aho–Corasick automaton over each token, not
//! one pattern per marker; networks through a sorted range table.

use crate::cidr::{Cidr, CidrTable};
use crate::tokens::TokenKind;
use crate::{InfraFacts, Token};
use aho_corasick::{AhoCorasick, MatchKind};
use envguard_model::{Inventory, Region, Tier};
use std::collections::{BTreeSet, HashSet};

/// Token texts are hashed hundreds of thousands of times per scan and never come
/// from an adversary that could choose collisions to slow envguard down more than
/// the file sizes it already reads: a fast hasher is enough.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// An environment of the scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvRef {
    pub name: String,
    pub tier: Tier,
    /// Declared in `envguard.toml` (its aliases are then labels too).
    pub declared: bool,
}

/// How an environment was found to own a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerVia {
    /// A segment of the token names it (`prod` in `acme-prod-data`).
    Label(String),
    /// The marker is defined in one of its files.
    Defined {
        marker: String,
        path: String,
        region: Region,
    },
    /// `envguard.toml` lists the marker under the environment.
    Inventory(String),
    /// The network is one of its networks.
    Network {
        cidr: String,
        path: Option<String>,
        region: Option<Region>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub env: usize,
    pub via: OwnerVia,
}

/// Environment index, and where the network is defined (none for the inventory).
type NetOwner = (usize, Option<String>, Option<Region>);

#[derive(Debug, Clone)]
struct Def {
    text: String,
    env: usize,
    path: Option<String>,
    region: Region,
}

/// The identity markers of every environment of a scan.
#[derive(Debug)]
pub struct MarkerIndex {
    pub envs: Vec<EnvRef>,
    labels: HashMap<String, usize>,
    /// Labels that count only in DNS names, and only when the environment exists.
    weak_labels: HashMap<String, usize>,
    defs: Vec<Def>,
    ac: Option<AhoCorasick>,
    networks: CidrTable<NetOwner>,
    shared_declared: Vec<String>,
    shared_inferred: HashSet<String, foldhash::fast::RandomState>,
    /// Owners of every distinct token of the scan's environment files, worked
    /// out once (a host named in 500 files is looked up once, not 500 times),
    /// with whether the token is a shared marker. Indexed by [`TokenKind`].
    memo: [HashMap<Box<str>, Memo>; 5],
}

#[derive(Debug, Default)]
struct Memo {
    owners: Vec<Owner>,
    shared: bool,
}

/// The memo slot of a kind (its place in [`TokenKind::ALL`]).
fn kind_slot(kind: TokenKind) -> usize {
    kind as usize
}

/// A marker (lower case) defined in an environment's files or inventory: the
/// environment, whether another one defines it too, and its first definition
/// (path, region; the inventory's come first).
struct DefEntry<'p> {
    env: usize,
    multi: bool,
    at: (Option<&'p str>, Region),
}

type DefMap<'p> = HashMap<std::borrow::Cow<'p, str>, DefEntry<'p>>;

fn add_def<'p>(
    map: &mut DefMap<'p>,
    text: std::borrow::Cow<'p, str>,
    env: usize,
    at: (Option<&'p str>, Region),
) {
    let e = map.entry(text).or_insert(DefEntry {
        env,
        multi: false,
        at,
    });
    e.multi |= e.env != env;
    if at < e.at {
        e.at = at;
    }
}

/// `text` in ASCII lower case, borrowed when it already is.
fn lower(text: &str) -> std::borrow::Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(text.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

impl MarkerIndex {
    /// `files`: (path, environment index, facts) of every file that belongs
    /// to an environment.
    pub fn build(inv: &Inventory, envs: Vec<EnvRef>, files: &[(&str, usize, &InfraFacts)]) -> Self {
        let mut labels = HashMap::default();
        let mut weak_labels = HashMap::default();
        const CONVENTIONAL: &[&str] = &[
            "dev",
            "develop",
            "development",
            "local",
            "sandbox",
            "test",
            "testing",
            "qa",
            "uat",
            "integration",
            "int",
            "staging",
            "stage",
            "stg",
            "preprod",
            "preproduction",
            "prod",
            "production",
            "prd",
            "live",
        ];
        for (i, e) in envs.iter().enumerate() {
            let name = e.name.to_ascii_lowercase();
            let mut declared_names: Vec<String> = Vec::new();
            if e.declared {
                declared_names.push(name.clone());
                if let Some(env) = inv.environment(&e.name) {
                    declared_names.extend(env.aliases.iter().map(|a| a.to_ascii_lowercase()));
                }
            }
            for d in &declared_names {
                labels.insert(d.clone(), i);
            }
            for alias in CONVENTIONAL {
                if !inv.is_alias_of(alias, &e.name) {
                    continue;
                }
                if envguard_model::is_weak_name(alias) && !declared_names.iter().any(|d| d == alias)
                {
                    if *alias == "test" || *alias == "stage" {
                        weak_labels.insert((*alias).to_owned(), i);
                    }
                    continue;
                }
                labels.entry((*alias).to_owned()).or_insert(i);
            }
            // Conventional names that are also ordinary words are labels only when
            // the inventory declares them.
            if !envguard_model::is_weak_name(&name) || e.declared {
                labels.entry(name).or_insert(i);
            }
        }

        // Definitions (a marker defined in exactly one environment is its own)
        // and their automaton on one thread; every distinct token of the scan,
        // with the environments that name it, on this one.
        let (def_envs, defs, ac, distinct) = std::thread::scope(|s| {
            let definitions = s.spawn(|| {
                let mut def_envs: DefMap<'_> = HashMap::default();
                for (i, e) in envs.iter().enumerate() {
                    if let Some(env) = inv.environment(&e.name) {
                        for m in env.hosts.iter().chain(&env.accounts) {
                            add_def(&mut def_envs, lower(m), i, (None, Region::line(1)));
                        }
                    }
                }
                for (path, env, facts) in files {
                    for t in facts.tokens.iter().filter(|t| t.def) {
                        if is_marker(&t.text, t.kind) {
                            add_def(&mut def_envs, lower(&t.text), *env, (Some(*path), t.region));
                        }
                    }
                }
                let mut defs: Vec<Def> = def_envs
                    .iter()
                    .filter(|(_, e)| !e.multi)
                    .map(|(text, e)| Def {
                        text: text.to_string(),
                        env: e.env,
                        path: e.at.0.map(str::to_owned),
                        region: e.at.1,
                    })
                    .collect();
                defs.sort_by(|a, b| a.text.cmp(&b.text));
                // The automaton only says which definitions occur in a token:
                // a non-contiguous NFA is built fastest and searches short
                // tokens quickly enough.
                let ac = if defs.is_empty() {
                    None
                } else {
                    AhoCorasick::builder()
                        .match_kind(MatchKind::Standard)
                        .kind(Some(aho_corasick::AhoCorasickKind::NoncontiguousNFA))
                        .build(defs.iter().map(|d| d.text.as_str()))
                        .ok()
                };
                (def_envs, defs, ac)
            });
            let mut distinct: [HashMap<&str, Vec<usize>>; 5] = Default::default();
            for (_, env, facts) in files {
                for t in &facts.tokens {
                    let envs = distinct[kind_slot(t.kind)]
                        .entry(t.text.as_str())
                        .or_default();
                    if !envs.contains(env) {
                        envs.push(*env);
                    }
                }
            }
            let (def_envs, defs, ac) = definitions
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (def_envs, defs, ac, distinct)
        });

        let mut nets: Vec<(Cidr, NetOwner)> = Vec::new();
        for (i, e) in envs.iter().enumerate() {
            if let Some(env) = inv.environment(&e.name) {
                for c in &env.cidrs {
                    if let Some(cidr) = Cidr::parse(c) {
                        nets.push((cidr, (i, None, None)));
                    }
                }
            }
        }
        for (path, env, facts) in files {
            for n in &facts.networks {
                if let Some(c) = Cidr::parse(&n.cidr) {
                    // An aggregate (`10.0.0.0/8`, `172.16.0.0/12`) is an address
                    // plan, not one environment's network.
                    if c.prefix >= 13 {
                        nets.push((c, (*env, Some((*path).to_owned()), Some(n.region))));
                    }
                }
            }
        }

        // A network every environment declares (a shared-services VPC, a
        // transit hub) belongs to none of them: with three or more environments.
        // Environments with files: the "every environment" of shared markers.
        let env_count = files
            .iter()
            .map(|(_, e, _)| *e)
            .collect::<BTreeSet<_>>()
            .len();
        if env_count >= 3 {
            let mut per_net: HashMap<(bool, u128, u8), BTreeSet<usize>> = HashMap::default();
            for (c, (e, _, _)) in &nets {
                per_net
                    .entry((c.v6, c.start, c.prefix))
                    .or_default()
                    .insert(*e);
            }
            nets.retain(|(c, _)| {
                per_net
                    .get(&(c.v6, c.start, c.prefix))
                    .is_none_or(|s| s.len() < env_count)
            });
        }

        let mut idx = MarkerIndex {
            envs,
            labels,
            weak_labels,
            defs,
            ac,
            networks: CidrTable::new(nets),
            shared_declared: inv
                .shared_markers
                .iter()
                .map(|m| m.to_ascii_lowercase())
                .collect(),
            shared_inferred: HashSet::default(),
            memo: Default::default(),
        };

        // A marker every environment mentions (central logging, a security hub,
        // a shared registry) is shared by design (with three or more environments;
        // with two, "every other environment" is just the one being reached).
        if env_count >= 3 {
            let mut seen: HashMap<std::borrow::Cow<'_, str>, Vec<usize>> = HashMap::default();
            for (text, envs) in distinct.iter().flat_map(|m| m.iter()) {
                let e = seen.entry(lower(text)).or_default();
                for x in envs {
                    if !e.contains(x) {
                        e.push(*x);
                    }
                }
            }
            // A marker defined in exactly one environment (its provider account,
            // its bucket, its lock table) is that environment's, however many
            // environments copied it: a copy-paste spread everywhere is still one.
            idx.shared_inferred = seen
                .into_iter()
                .filter(|(k, s)| {
                    s.len() == env_count && def_envs.get(k.as_ref()).is_none_or(|d| d.multi)
                })
                .map(|(k, _)| k.into_owned())
                .collect();
        }
        // Owners of each distinct token, on every core.
        let all: Vec<(usize, &str)> = distinct
            .iter()
            .enumerate()
            .flat_map(|(slot, m)| m.keys().map(move |t| (slot, *t)))
            .collect();
        let threads = envguard_model::cores().min(8);
        let chunk = all.len().div_ceil(threads).max(512);
        let idx_ref = &idx;
        let memos = envguard_model::par_map(
            &all,
            threads,
            chunk,
            || (),
            |_, &(slot, text)| {
                let owners = idx_ref.compute_owners(text, TokenKind::ALL[slot]);
                let shared = idx_ref.compute_shared(text);
                Memo { owners, shared }
            },
        );
        let mut memo: [HashMap<Box<str>, Memo>; 5] = Default::default();
        for (slot, m) in distinct.iter().enumerate() {
            memo[slot].reserve(m.len());
        }
        for ((slot, text), m) in all.into_iter().zip(memos) {
            memo[slot].insert(text.into(), m);
        }
        idx.memo = memo;
        idx
    }

    pub fn env(&self, name: &str) -> Option<usize> {
        self.envs.iter().position(|e| e.name == name)
    }

    /// True for a marker shared by design (declared or inferred).
    pub fn is_shared(&self, text: &str) -> bool {
        if let Some(m) = self.memo.iter().find_map(|m| m.get(text)) {
            return m.shared;
        }
        self.compute_shared(text)
    }

    /// True for a marker that `shared_markers` in `envguard.toml` lists (an
    /// exception written down), not one inferred from being named everywhere.
    pub fn is_declared_shared(&self, text: &str) -> bool {
        let t = lower(text);
        self.shared_declared
            .iter()
            .any(|m| !m.is_empty() && t.contains(m.as_str()))
    }

    fn compute_shared(&self, text: &str) -> bool {
        self.shared_inferred.contains(lower(text).as_ref()) || self.is_declared_shared(text)
    }

    /// Environments named by the token's segments.
    pub fn labels_of(&self, text: &str, kind: TokenKind) -> Vec<(usize, String)> {
        let lower = lower(text);
        let mut lower: &str = &lower;
        let host = crate::tokens::is_host(lower);
        if host {
            // A cloud provider's own domain: only the first label is named by
            // the repository's owner (`acme-prod-data.s3.amazonaws.com`); the rest
            // is the provider's (`uksouth.oic.prod-aks.azure.com` is Azure's prod).
            if is_provider_domain(lower) {
                lower = lower.split('.').next().unwrap_or("");
            } else if let Some(at) = lower.rfind('.') {
                // The last DNS label is a TLD (`.dev`), never an environment.
                lower = &lower[..at];
            }
        }
        let bytes = lower.as_bytes();
        let mut out: Vec<(usize, String)> = Vec::new();
        let mut prev = "";
        let mut start = 0;
        while start < bytes.len() {
            if !bytes[start].is_ascii_alphanumeric() {
                start += 1;
                continue;
            }
            let mut end = start;
            while end < bytes.len() && bytes[end].is_ascii_alphanumeric() {
                end += 1;
            }
            let s = &lower[start..end];
            // A whole DNS label: bounded by dots (or the ends), not a piece of
            // `replatform-test-app`.
            let whole_label = host
                && (start == 0 || bytes[start - 1] == b'.')
                && (end == bytes.len() || bytes[end] == b'.');
            start = end;
            let p = std::mem::replace(&mut prev, s);
            // `non-prod`, `not-prod`: not production; `pre-prod`: pre-production.
            // `pre-sentence` is a product, not an environment.
            if matches!(p, "non" | "not" | "no") {
                continue;
            }
            if p == "pre" && matches!(s, "prod" | "production") {
                if let Some(e) = self.labels.get("preprod") {
                    out.push((*e, format!("pre-{s}")));
                }
                continue;
            }
            // `prod-like`, `production_like`: resembling prod, not prod.
            if end + 5 <= bytes.len()
                && matches!(bytes[end], b'-' | b'_')
                && &bytes[end + 1..end + 5] == b"like"
                && bytes
                    .get(end + 5)
                    .is_none_or(|b| !b.is_ascii_alphanumeric())
            {
                continue;
            }
            let hit = self.labels.get(s).or_else(|| {
                // `stage` is rarely anything but staging inside a host name
                // (`catalog-stage-api.example.com`); `test` often is
                // (`replatform-test-app`), so it counts only as a whole label.
                if kind == TokenKind::Host && (whole_label || s == "stage") {
                    self.weak_labels.get(s)
                } else {
                    None
                }
            });
            if let Some(e) = hit {
                if !out.iter().any(|(x, _)| x == e) {
                    out.push((*e, s.to_owned()));
                }
            }
        }
        out
    }

    /// Every environment that owns the token, and how.
    pub fn owners(&self, t: &Token) -> std::borrow::Cow<'_, [Owner]> {
        match self.memo[kind_slot(t.kind)].get(t.text.as_str()) {
            Some(m) => std::borrow::Cow::Borrowed(&m.owners),
            None => std::borrow::Cow::Owned(self.compute_owners(&t.text, t.kind)),
        }
    }

    fn compute_owners(&self, text: &str, kind: TokenKind) -> Vec<Owner> {
        let mut out: Vec<Owner> = Vec::new();
        if kind == TokenKind::Cidr {
            if let Some(c) = Cidr::parse(text).filter(|c| c.prefix >= 8) {
                for (net, (env, path, region)) in self.networks.overlapping(&c) {
                    if net.contains(&c) && !out.iter().any(|o| o.env == *env) {
                        out.push(Owner {
                            env: *env,
                            via: OwnerVia::Network {
                                cidr: format_cidr(net),
                                path: path.clone(),
                                region: *region,
                            },
                        });
                    }
                }
            }
            return out;
        }
        // A database's name carries the framework's environment, not the
        // deployment's (Rails names it `<app>_<RAILS_ENV>`, and GOV.UK runs
        // RAILS_ENV=production in staging too): only its host is labelled.
        // A name defined in one environment's files still counts, below.
        let labelled = match kind {
            TokenKind::Database => text.split('/').next().unwrap_or(text),
            _ => text,
        };
        for (env, seg) in self.labels_of(labelled, kind) {
            out.push(Owner {
                env,
                via: OwnerVia::Label(seg),
            });
        }
        self.defined_into(text, &mut out);
        out
    }

    /// Adds the owners of the definitions (files, inventory) found in `text`,
    /// one per environment not yet in `out`.
    fn defined_into(&self, text: &str, out: &mut Vec<Owner>) {
        let Some(ac) = &self.ac else { return };
        let lower = lower(text);
        for m in ac.find_overlapping_iter(lower.as_ref()) {
            let bytes = lower.as_bytes();
            let before_ok = m.start() == 0 || !bytes[m.start() - 1].is_ascii_alphanumeric();
            let after_ok = m.end() == bytes.len() || !bytes[m.end()].is_ascii_alphanumeric();
            if !before_ok || !after_ok {
                continue;
            }
            let d = &self.defs[m.pattern().as_usize()];
            if out.iter().any(|o| o.env == d.env) {
                continue;
            }
            out.push(Owner {
                env: d.env,
                via: match &d.path {
                    Some(p) => OwnerVia::Defined {
                        marker: d.text.clone(),
                        path: p.clone(),
                        region: d.region,
                    },
                    None => OwnerVia::Inventory(d.text.clone()),
                },
            });
        }
    }

    /// Networks of other environments that overlap `cidr`.
    pub fn networks_overlapping(
        &self,
        cidr: &Cidr,
    ) -> Vec<(usize, String, Option<String>, Option<Region>)> {
        self.networks
            .overlapping(cidr)
            .map(|(c, (e, p, r))| (*e, format_cidr(c), p.clone(), *r))
            .collect()
    }
}

/// Domains run by a cloud or SaaS provider, where env-like labels past the
/// first one are the provider's own environments.
fn is_provider_domain(host: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        "amazonaws.com",
        "amazonaws.com.cn",
        "aws.dev",
        "azure.com",
        "azure.net",
        "windows.net",
        "azurewebsites.net",
        "azurecr.io",
        "azmk8s.io",
        "azureedge.net",
        "microsoft.com",
        "microsoftonline.com",
        "googleapis.com",
        "gserviceaccount.com",
        "appspot.com",
        "run.app",
        "cloudfunctions.net",
        "gcr.io",
        "pkg.dev",
        "github.com",
        "githubusercontent.com",
        "gitlab.com",
        "docker.io",
        "docker.com",
        "cloudflare.com",
        "datadoghq.com",
        "datadoghq.eu",
        "sentry.io",
        "okta.com",
        "auth0.com",
        "herokuapp.com",
        "salesforce.com",
        "slack.com",
    ];
    SUFFIXES.iter().any(|s| {
        host.len() > s.len()
            && host.ends_with(s)
            && host.as_bytes()[host.len() - s.len() - 1] == b'.'
    })
}

/// A SQL-qualified table (`publisher_production.public.editions`,
/// `whitehall_production.assets`): two or three dot-separated SQL identifiers,
/// the first (the database) with an underscore. Underscores keep it from being
/// a host name.
fn is_qualified_table(text: &str) -> bool {
    let parts = text.split('.').count();
    (2..=3).contains(&parts)
        && text
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        && text.split('.').next().is_some_and(|db| db.contains('_'))
}

/// A token long and specific enough to identify something.
fn is_marker(text: &str, kind: TokenKind) -> bool {
    match kind {
        TokenKind::Account => text.len() >= 6,
        TokenKind::Cidr => false,
        // A registrable domain (`gov.uk`, `acme.io`) is the whole organisation's.
        _ if crate::tokens::is_host(text) => text.split('.').count() >= 3,
        _ => text.len() >= 6 && text.contains(['-', '_', '.', '/']),
    }
}

fn format_cidr(c: &Cidr) -> String {
    if c.v6 {
        format!("{}/{}", std::net::Ipv6Addr::from(c.start), c.prefix)
    } else {
        format!("{}/{}", std::net::Ipv4Addr::from(c.start as u32), c.prefix)
    }
}

/// A cross-environment reference found in one file.
#[derive(Debug, Clone)]
pub struct Reference<'a> {
    pub token: &'a Token,
    pub to: usize,
    pub via: std::borrow::Cow<'a, OwnerVia>,
}

impl MarkerIndex {
    /// The tokens of a file of environment `env` that identify another
    /// environment (and not this one, and not a shared marker).
    pub fn references<'a>(&'a self, env: usize, facts: &'a InfraFacts) -> Vec<Reference<'a>> {
        let mut out = Vec::new();
        for t in &facts.tokens {
            // A resource's own name is judged by NAM.naming.
            if t.def && t.resource.is_some() {
                continue;
            }
            let (owners, shared) = match self.memo[kind_slot(t.kind)].get(t.text.as_str()) {
                Some(m) => (std::borrow::Cow::Borrowed(m.owners.as_slice()), m.shared),
                None => (
                    std::borrow::Cow::Owned(self.compute_owners(&t.text, t.kind)),
                    self.compute_shared(&t.text),
                ),
            };
            if shared || owners.is_empty() || owners.iter().any(|o| o.env == env) {
                continue;
            }
            // The value of a database-name key (`database: publisher_production`)
            // is judged like the name part of a connection URL: by definitions,
            // never by the environment word in it.
            let owners = if t.kind == TokenKind::Name
                && owners.iter().any(|o| matches!(o.via, OwnerVia::Label(_)))
                && (crate::is_db_name_key(&t.key) || is_qualified_table(&t.text))
            {
                let mut defined = Vec::new();
                self.defined_into(&t.text, &mut defined);
                if defined.iter().any(|o| o.env == env) || defined.is_empty() {
                    continue;
                }
                std::borrow::Cow::Owned(defined)
            } else {
                owners
            };
            match owners {
                std::borrow::Cow::Borrowed(os) => out.extend(os.iter().map(|o| Reference {
                    token: t,
                    to: o.env,
                    via: std::borrow::Cow::Borrowed(&o.via),
                })),
                std::borrow::Cow::Owned(os) => out.extend(os.into_iter().map(|o| Reference {
                    token: t,
                    to: o.env,
                    via: std::borrow::Cow::Owned(o.via),
                })),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv() -> Inventory {
        Inventory::parse("shared_markers = [\"logs.shared.acme.internal\"]\n").expect("inventory")
    }

    /// Three environments of the dev, test and prod tiers, in that order.
    fn tiers(names: [&str; 3]) -> Vec<EnvRef> {
        names
            .iter()
            .zip([Tier::Dev, Tier::Test, Tier::Prod])
            .map(|(n, tier)| EnvRef {
                name: (*n).into(),
                tier,
                declared: false,
            })
            .collect()
    }

    fn envs() -> Vec<EnvRef> {
        tiers(["dev", "staging", "prod"])
    }

    /// dev, test (weak: its name is `test`), prod.
    fn test_envs() -> Vec<EnvRef> {
        tiers(["dev", "test", "prod"])
    }

    fn tok(text: &str, kind: TokenKind, def: bool) -> Token {
        Token {
            kind,
            text: text.into(),
            key: "k".into(),
            region: Region::line(1),
            def,
            resource: None,
        }
    }

    #[test]
    fn labels_definitions_and_shared_markers() {
        let prod = InfraFacts {
            tokens: vec![
                tok("123456789012", TokenKind::Account, true),
                tok("acme-tf-lock", TokenKind::Name, true),
            ],
            ..Default::default()
        };
        let staging = InfraFacts {
            tokens: vec![
                tok("arn-ish/acme-tf-lock", TokenKind::Name, false),
                tok("123456789012", TokenKind::Account, false),
                tok("db.prod.acme.internal", TokenKind::Host, false),
                tok("acme-nonprod-data", TokenKind::Name, false),
                tok("acme-preprod-data", TokenKind::Name, false),
                tok("logs.shared.acme.internal", TokenKind::Host, false),
                tok("integration-hub-prod-sync", TokenKind::Name, false),
            ],
            ..Default::default()
        };
        let files = [
            ("envs/prod/main.tf", 2usize, &prod),
            ("envs/staging/main.tf", 1, &staging),
        ];
        let idx = MarkerIndex::build(&inv(), envs(), &files);
        let refs = idx.references(1, &staging);
        let texts: Vec<&str> = refs.iter().map(|r| r.token.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "arn-ish/acme-tf-lock",
                "123456789012",
                "db.prod.acme.internal",
                "integration-hub-prod-sync"
            ]
        );
        assert!(refs.iter().all(|r| r.to == 2));
        // Prod naming its own markers is not a reference.
        assert!(idx.references(2, &prod).is_empty());
        assert!(idx
            .labels_of("acme-staging-db", TokenKind::Name)
            .iter()
            .any(|(e, _)| *e == 1));
        assert!(idx.labels_of("test-runner", TokenKind::Name).is_empty());
        // A TLD is not an environment: `.dev` names a domain, not dev.
        assert!(idx.labels_of("acmegraph.dev", TokenKind::Name).is_empty());
        assert!(idx.labels_of("https-proxy.dev", TokenKind::Host).is_empty());
        assert!(!idx.labels_of("api.dev.acme.io", TokenKind::Host).is_empty());
        // `pre-` makes preprod only of `prod`; a product named `pre-sentence` is none.
        assert!(idx
            .labels_of("pre-sentence-service", TokenKind::Name)
            .is_empty());
        // A provider's own domain: only the first label is the owner's.
        assert!(idx
            .labels_of("uksouth.oic.prod-aks.azure.com", TokenKind::Host)
            .is_empty());
        assert_eq!(
            idx.labels_of("acme-prod-data.s3.amazonaws.com", TokenKind::Host),
            vec![(2, "prod".to_owned())]
        );
    }

    #[test]
    fn like_suffixes_and_database_names_are_not_labels() {
        let files: [(&str, usize, &InfraFacts); 0] = [];
        let idx = MarkerIndex::build(&inv(), envs(), &files);
        // An instance type or size that resembles prod is not prod.
        assert!(idx
            .labels_of("t3.medium-prod-like", TokenKind::Name)
            .is_empty());
        assert!(idx
            .labels_of("staging_like_pool", TokenKind::Name)
            .is_empty());
        assert!(!idx.labels_of("acme-prod-likes", TokenKind::Name).is_empty());
        // A database is labelled by its host, not by its Rails-style name.
        let t = tok(
            "docdb.acme.internal/publisher_production",
            TokenKind::Database,
            false,
        );
        assert!(idx.owners(&t).is_empty());
        let t = tok(
            "db.prod.acme.internal/publisher_production",
            TokenKind::Database,
            false,
        );
        assert_eq!(idx.owners(&t).len(), 1);
    }

    #[test]
    fn a_database_name_counts_by_definition_only() {
        let mut db = tok("publisher_production", TokenKind::Name, false);
        db.key = "database".into();
        let mut dbe = db.clone();
        dbe.key = "PUBLISHER_DB".into();
        let staging = InfraFacts {
            tokens: vec![db.clone(), dbe],
            ..Default::default()
        };
        let files = [("charts/staging/values.yaml", 1usize, &staging)];
        let idx = MarkerIndex::build(&inv(), envs(), &files);
        assert!(idx.references(1, &staging).is_empty());
        // A table qualified by that database's name, under any key.
        let table = InfraFacts {
            tokens: vec![tok(
                "publisher_production.public.editions",
                TokenKind::Name,
                false,
            )],
            ..Default::default()
        };
        assert!(idx.references(1, &table).is_empty());
        // Under another key the word still labels it (`bucket: publisher_production`).
        let mut b = db.clone();
        b.key = "bucket".into();
        let other = InfraFacts {
            tokens: vec![b],
            ..Default::default()
        };
        assert_eq!(idx.references(1, &other).len(), 1);
        // Defined in prod's files: a reference whatever the key.
        let mut def = db.clone();
        def.def = true;
        let prod = InfraFacts {
            tokens: vec![def],
            ..Default::default()
        };
        let files = [
            ("charts/staging/values.yaml", 1usize, &staging),
            ("envs/prod/main.tf", 2, &prod),
        ];
        let idx = MarkerIndex::build(&inv(), envs(), &files);
        let refs = idx.references(1, &staging);
        assert_eq!(refs.len(), 2);
        assert!(refs
            .iter()
            .all(|r| r.to == 2 && matches!(*r.via, OwnerVia::Defined { .. })));
    }

    #[test]
    fn every_conventional_alias_of_an_environment_labels_it() {
        // `production` and `stg` declared without aliases: `prd`, `prod`,
        // `staging` are still theirs.
        let inv = Inventory::parse(
            "[environments.production]\ntier = \"prod\"\n\n[environments.stg]\ntier = \"test\"\n",
        )
        .expect("inventory");
        let declared = vec![
            EnvRef {
                name: "stg".into(),
                tier: Tier::Test,
                declared: true,
            },
            EnvRef {
                name: "production".into(),
                tier: Tier::Prod,
                declared: true,
            },
        ];
        let files: [(&str, usize, &InfraFacts); 0] = [];
        let idx = MarkerIndex::build(&inv, declared, &files);
        assert_eq!(
            idx.labels_of("svc-prd-db", TokenKind::Name),
            vec![(1, "prd".to_owned())]
        );
        assert_eq!(
            idx.labels_of("db.prod.acme.internal", TokenKind::Host),
            vec![(1, "prod".to_owned())]
        );
        assert_eq!(
            idx.labels_of("acme-staging-data", TokenKind::Name),
            vec![(0, "staging".to_owned())]
        );
        // `stage` inside a hyphenated host label is staging's; `test` is not test's.
        let idx = MarkerIndex::build(&Inventory::default(), envs(), &files);
        assert_eq!(
            idx.labels_of("catalog-stage-api.example.com", TokenKind::Host),
            vec![(1, "stage".to_owned())]
        );
        assert!(idx
            .labels_of("catalog-stage-api", TokenKind::Name)
            .is_empty());
        assert!(idx
            .labels_of("backstage.example.com", TokenKind::Host)
            .is_empty());
    }

    #[test]
    fn weak_words_count_only_as_whole_dns_labels() {
        let files: [(&str, usize, &InfraFacts); 0] = [];
        let idx = MarkerIndex::build(&inv(), test_envs(), &files);
        assert!(!idx
            .labels_of("api.test.acme.io", TokenKind::Host)
            .is_empty());
        assert!(idx
            .labels_of("replatform-test-app.eks.acme.io", TokenKind::Host)
            .is_empty());
    }

    #[test]
    fn a_marker_defined_in_one_environment_is_never_inferred_shared() {
        // Prod defines its account; a copy-paste put it in every other
        // environment too. That is three references, not a shared account.
        let prod = InfraFacts {
            tokens: vec![tok("203980964141", TokenKind::Account, true)],
            ..Default::default()
        };
        let other = InfraFacts {
            tokens: vec![tok("203980964141", TokenKind::Account, false)],
            ..Default::default()
        };
        let files = [
            ("envs/dev/main.tf", 0usize, &other),
            ("envs/staging/main.tf", 1, &other),
            ("envs/prod/main.tf", 2, &prod),
        ];
        let idx = MarkerIndex::build(&inv(), envs(), &files);
        assert!(!idx.is_shared("203980964141"));
        assert_eq!(idx.references(0, &other).len(), 1);
        // Named by all three and defined by none: shared by design.
        let files = [
            ("envs/dev/main.tf", 0usize, &other),
            ("envs/staging/main.tf", 1, &other),
            ("envs/prod/main.tf", 2, &other),
        ];
        let idx = MarkerIndex::build(&inv(), envs(), &files);
        assert!(idx.is_shared("203980964141"));
    }
}
