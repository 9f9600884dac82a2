//! Infrastructure facts for the R04 (network and access separation) and NAM
//! (naming and tags) rules: what in each file identifies or reaches an
//! environment.
//!
//! Per file, [`InfraFacts`] holds identity tokens (hosts, accounts, buckets,
//! networks, databases) marked as a definition or a reference, Terraform state
//! backends, admitted networks (security groups, firewalls, NACLs, k8s
//! NetworkPolicies), defined networks, routes and peerings, resource names and
//! environment tags. Structured files other than HCL give theirs straight from
//! their facts ([`from_facts`]); HCL files are mirrored during the walk
//! ([`hcl::mirror`]) and evaluated together afterwards ([`resolve_hcl`]), so
//! `locals`, `var` defaults, `tfvars`, `merge()` of tag maps and Terragrunt
//! includes are resolved. [`MarkerIndex`] then says which environment owns a
//! token, with one Aho–Corasick pass per file.

pub mod cidr;
pub mod controls;
pub mod eval;
mod facts;
pub mod hcl;
mod markers;
pub mod plan;
mod terraform;
pub mod tokens;

pub use facts::from_facts;
pub use markers::{EnvRef, MarkerIndex, Owner, OwnerVia};
pub use terraform::resolve_hcl;
pub use tokens::TokenKind;

use envguard_model::Region;

/// A token in a file: a host, account, network, resource name or database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub text: String,
    /// The key it was written under (`DATABASE_URL`, `resource.aws_s3_bucket.logs.bucket`).
    pub key: String,
    pub region: Region,
    /// True when the file defines the thing (a resource's own name, a backend,
    /// the account of a provider); false when it only points at it.
    pub def: bool,
    /// The Terraform resource type it was found in, when any.
    pub resource: Option<String>,
}

/// A Terraform / Terragrunt state backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    /// `s3`, `gcs`, `azurerm`, …
    pub kind: String,
    pub bucket: Option<String>,
    pub key: Option<String>,
    pub lock_table: Option<String>,
    pub region: Region,
    /// Where the lock table is written, when that is known.
    pub lock_region: Option<Region>,
    /// The file it was included from (a Terragrunt root), when not this one.
    pub via: Option<String>,
}

impl Backend {
    /// `s3://bucket/key (lock: table)`, with `?` for what is not resolved.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{}://{}/{}",
            self.kind,
            self.bucket.as_deref().unwrap_or("?"),
            self.key.as_deref().unwrap_or("?")
        );
        if let Some(t) = &self.lock_table {
            s.push_str(&format!(" (lock: {t})"));
        }
        s
    }
}

/// Which ports a rule admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ports {
    All,
    Range(u32, u32),
    /// Not resolved statically, or not stated (a NetworkPolicy without ports).
    Unknown,
}

impl Ports {
    pub fn covers(&self, port: u32) -> bool {
        match self {
            Ports::All => true,
            Ports::Range(a, b) => *a <= port && port <= *b,
            Ports::Unknown => false,
        }
    }
}

/// An inbound allow rule: a security group ingress, firewall source range,
/// NACL allow, NetworkPolicy `ipBlock`, or an `allowed_cidrs`-style setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetRule {
    /// `aws_security_group.db` or the key path.
    pub resource: String,
    pub cidr: String,
    pub ports: Ports,
    pub region: Region,
}

/// A network the file defines (a VPC, a subnet range, a `vpc_cidr` input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub cidr: String,
    pub key: String,
    pub region: Region,
}

/// A route to a network (`aws_route`, transit gateway routes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub resource: String,
    pub cidr: String,
    pub region: Region,
}

/// A resource's own name (`bucket`, `name`, `identifier`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceName {
    /// `aws_s3_bucket.logs`.
    pub resource: String,
    pub name: String,
    pub region: Region,
}

/// An environment tag or label (`tags.Environment`, `metadata.labels.env`,
/// a Kubernetes `metadata.namespace`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: String,
    pub region: Region,
}

/// Everything the R04 and NAM rules read about one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InfraFacts {
    pub tokens: Vec<Token>,
    pub backends: Vec<Backend>,
    pub net_rules: Vec<NetRule>,
    pub networks: Vec<Network>,
    pub routes: Vec<Route>,
    pub names: Vec<ResourceName>,
    pub tags: Vec<Tag>,
    /// Data stores, keys, trails, log groups, roles and state backends with
    /// their controls (the production profile, `PRD.*`).
    pub resources: Vec<controls::InfraResource>,
    /// Cloud regions the file puts things in (`RES.region`).
    pub cloud_regions: Vec<controls::CloudRegion>,
}

impl InfraFacts {
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
            && self.backends.is_empty()
            && self.net_rules.is_empty()
            && self.networks.is_empty()
            && self.routes.is_empty()
            && self.names.is_empty()
            && self.tags.is_empty()
            && self.resources.is_empty()
            && self.cloud_regions.is_empty()
    }

    /// Drops repeats (a local used by ten resources is one fact), keeping the
    /// first of each. Keys borrow from the facts: no string is copied.
    pub fn dedup(&mut self) {
        /// For each key, whether it is the first of its kind.
        fn firsts<K: Eq + std::hash::Hash>(keys: impl ExactSizeIterator<Item = K>) -> Vec<bool> {
            let mut seen = std::collections::HashSet::with_capacity_and_hasher(
                keys.len(),
                foldhash::fast::RandomState::default(),
            );
            keys.map(|k| seen.insert(k)).collect()
        }
        fn keep<T>(v: &mut Vec<T>, mask: &[bool]) {
            let mut i = 0;
            v.retain(|_| {
                i += 1;
                mask[i - 1]
            });
        }
        let m = firsts(
            self.tokens
                .iter()
                .map(|t| (t.region, t.text.as_str(), t.kind, t.def)),
        );
        keep(&mut self.tokens, &m);
        let m = firsts(self.backends.iter().map(|b| {
            (
                b.region,
                b.kind.as_str(),
                b.bucket.as_deref(),
                b.key.as_deref(),
                b.lock_table.as_deref(),
            )
        }));
        keep(&mut self.backends, &m);
        let m = firsts(self.net_rules.iter().map(|r| (r.region, r.cidr.as_str())));
        keep(&mut self.net_rules, &m);
        let m = firsts(self.networks.iter().map(|n| (n.region, n.cidr.as_str())));
        keep(&mut self.networks, &m);
        let m = firsts(self.routes.iter().map(|r| (r.region, r.cidr.as_str())));
        keep(&mut self.routes, &m);
        let m = firsts(self.names.iter().map(|n| (n.region, n.name.as_str())));
        keep(&mut self.names, &m);
        let m = firsts(self.tags.iter().map(|t| (t.region, t.value.as_str())));
        keep(&mut self.tags, &m);
    }
}

/// Keys that name the resource they sit in (`bucket = "acme-prod-data"`).
pub(crate) fn is_name_key(key: &str) -> bool {
    matches!(
        key,
        "bucket"
            | "name"
            | "identifier"
            | "cluster_identifier"
            | "cluster_name"
            | "function_name"
            | "table_name"
            | "queue_name"
            | "topic_name"
            | "repository_name"
            | "domain_name"
            | "alias"
            | "secret_name"
            | "role_name"
            | "user_name"
            | "stream_name"
            | "vault_name"
            | "account_name"
    )
}

/// Keys whose value is the environment's own account (`account_id`,
/// `allowed_account_ids`, GCP `project`, Azure `subscription_id`).
pub(crate) fn is_account_key(key: &str) -> bool {
    [
        "account_id",
        "aws_account_id",
        "allowed_account_ids",
        "account_number",
        "subscription_id",
        "project_id",
        "aws_account_number",
    ]
    .iter()
    .any(|w| key.eq_ignore_ascii_case(w))
}

/// Keys whose value is a database's name (`database`, `db_name`,
/// `POSTGRES_DB`, `MYSQL_DATABASE`, `dbName`): the last segment of the key path that is
/// not a list index, in any case.
pub fn is_db_name_key(key: &str) -> bool {
    let name = key
        .rsplit('.')
        .find(|s| !s.bytes().all(|b| b.is_ascii_digit()));
    let Some(name) = name else { return false };
    with_lower(name, |n| {
        n == "db"
            || n.ends_with("_db")
            || [
                "database",
                "dbname",
                "db_name",
                "databasename",
                "database_name",
            ]
            .iter()
            .any(|s| n.ends_with(s))
    })
}

/// Environment tag keys.
pub(crate) fn is_env_tag_key(key: &str) -> bool {
    [
        "environment",
        "env",
        "stage",
        "environment_name",
        "env_name",
    ]
    .iter()
    .any(|w| key.eq_ignore_ascii_case(w))
}

/// Maps that hold tags or labels.
pub(crate) fn is_tag_map(segment: &str) -> bool {
    ["tags", "labels", "tags_all", "default_tags", "commonlabels"]
        .iter()
        .any(|w| segment.eq_ignore_ascii_case(w))
        || ends_with_ci(segment, "_tags")
        || ends_with_ci(segment, "_labels")
}

/// `hay` ends with `suffix` (lower case), ignoring ASCII case.
pub(crate) fn ends_with_ci(hay: &str, suffix: &str) -> bool {
    hay.len() >= suffix.len()
        && hay.as_bytes()[hay.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// `hay` contains `needle` (lower case), ignoring ASCII case. Keys are short:
/// a plain window scan beats lower-casing them into a new string.
pub(crate) fn contains_ci(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.is_empty() || (h.len() >= n.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n)))
}

/// `hay` contains `needle`: a plain window scan. Keys are a few dozen bytes,
/// where `str::contains` spends more setting up its searcher than searching.
pub(crate) fn has(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.is_empty() || (h.len() >= n.len() && h.windows(n.len()).any(|w| w == n))
}

/// Runs `f` on `s` in ASCII lower case, without allocating for short keys.
pub(crate) fn with_lower<R>(s: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 64];
    if s.len() <= buf.len() {
        let b = &mut buf[..s.len()];
        b.copy_from_slice(s.as_bytes());
        b.make_ascii_lowercase();
        // Lower-casing ASCII bytes keeps UTF-8 valid.
        match std::str::from_utf8(b) {
            Ok(l) => f(l),
            Err(_) => f(&s.to_ascii_lowercase()),
        }
    } else {
        f(&s.to_ascii_lowercase())
    }
}

/// Keys (in lower case) that list networks allowed in (`allowed_cidrs`,
/// `source_ranges`, `ingress_cidr_blocks`, `trusted_networks`).
pub(crate) fn allow_list_lower(k: &str) -> bool {
    let words = || k.split(['_', '-', '.']);
    let net = words().any(|w| {
        has(w, "cidr")
            || matches!(
                w,
                "ip" | "ips"
                    | "range"
                    | "ranges"
                    | "network"
                    | "networks"
                    | "prefix"
                    | "prefixes"
                    | "subnets"
            )
    });
    net && words().any(|w| {
        w.starts_with("allow")
            || matches!(
                w,
                "ingress"
                    | "whitelist"
                    | "whitelisted"
                    | "allowlist"
                    | "trusted"
                    | "permitted"
                    | "source"
                    | "sources"
                    | "inbound"
            )
    })
}

/// Keys (in lower case) that define a network of the environment (`vpc_cidr`,
/// `cidr_block`), unless [`allow_list_lower`] says they admit one.
pub(crate) fn network_lower(k: &str) -> bool {
    (has(k, "cidr")
        || k == "address_space"
        || k == "ip_cidr_range"
        || k.ends_with("_network_range"))
        && !has(k, "destination")
        && !has(k, "peer")
}
