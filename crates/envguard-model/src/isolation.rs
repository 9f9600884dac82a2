//! The environment isolation matrix (000 §6 "Environment isolation matrix"):
//! per environment, what identifies it (hosts, networks, accounts, state
//! backends) and what it holds, and which environment references which.
//!
//! The engine fills it during `check`; `envguard matrix` renders it.

use crate::inventory::DataClass;
use crate::tier::Tier;
use serde::Serialize;
use std::collections::BTreeMap;

/// One row of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvIsolation {
    pub name: String,
    pub tier: Tier,
    /// Declared in `envguard.toml`, or `None`.
    pub data_class: Option<DataClass>,
    /// True when the environment came from path names rather than `envguard.toml`.
    pub inferred: bool,
    /// Declared path globs, or the folders its files were inferred from.
    pub paths: Vec<String>,
    /// Files attributed to it.
    pub files: u64,
    /// Host names that identify it (declared, labelled or defined in its files).
    pub hosts: Vec<String>,
    /// Networks (CIDRs) it defines or declares.
    pub cidrs: Vec<String>,
    /// Cloud account / subscription / project ids that identify it.
    pub accounts: Vec<String>,
    /// Terraform state backends, as `s3://bucket/key` with `lock: table` when one is set.
    pub state_backends: Vec<String>,
    /// The naming suffix its resources carry (declared or inferred), e.g. `-prod`.
    pub resource_suffix: Option<String>,
    /// Secret values written in its files (counted, never shown).
    pub secrets: u64,
    /// Active findings on its files, by rule id.
    pub findings_by_rule: BTreeMap<String, u64>,
}

/// One cell of the cross-reference graph: files of `from` name an identity
/// marker of `to` (a host, an account, a bucket, a network, a state backend).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrossReference {
    pub from: String,
    pub to: String,
    /// References seen, active or not.
    pub count: u64,
    /// Active findings behind those references, by rule id.
    pub findings_by_rule: BTreeMap<String, u64>,
    /// Up to three example markers (never a secret: hosts, bucket names, CIDRs).
    pub examples: Vec<String>,
}

/// The isolation matrix of one scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Isolation {
    /// In tier order, then by name.
    pub environments: Vec<EnvIsolation>,
    /// Sorted by (from, to).
    pub references: Vec<CrossReference>,
    /// Markers every environment may reference (declared `shared_markers`, or
    /// inferred because every environment references them).
    pub shared_markers: Vec<String>,
}
