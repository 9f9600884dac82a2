//! Helpers shared by the R04 and NAM rules.

use crate::{Context, FileFacts};
use envguard_infra::OwnerVia;
use envguard_model::{Location, Region, Tier};

/// A file that belongs to an environment, with that environment's index in
/// the marker index and its tier.
pub(crate) struct EnvFile<'a> {
    pub file: &'a FileFacts,
    pub env: usize,
    pub name: &'a str,
    pub tier: Tier,
}

pub(crate) fn env_files<'a>(ctx: &'a Context<'a>) -> impl Iterator<Item = EnvFile<'a>> + 'a {
    ctx.files.iter().filter_map(move |f| {
        let a = f.env.as_ref()?;
        let env = ctx.markers.env(&a.name)?;
        Some(EnvFile {
            file: f,
            env,
            name: &a.name,
            tier: a.tier,
        })
    })
}

pub(crate) fn loc(path: &str, region: Region) -> Location {
    Location {
        path: path.to_owned(),
        region,
    }
}

/// How a marker was tied to its environment, in words, and where it is defined.
pub(crate) fn explain(via: &OwnerVia, env: &str) -> (String, Option<Location>) {
    match via {
        OwnerVia::Label(seg) => (format!("its name carries \"{seg}\""), None),
        OwnerVia::Defined {
            marker,
            path,
            region,
        } => (
            format!("`{marker}` is defined in {env}"),
            Some(loc(path, *region)),
        ),
        OwnerVia::Inventory(m) => (
            format!("`{m}` is listed under [environments.{env}] in envguard.toml"),
            None,
        ),
        OwnerVia::Network { cidr, path, region } => (
            format!("it lies in {env}'s network {cidr}"),
            match (path, region) {
                (Some(p), Some(r)) => Some(loc(p, *r)),
                _ => None,
            },
        ),
    }
}

/// True when `text` is the name of a folder on `path`: a stack or namespace
/// folder naming itself (`stg-tmc-example/resources/variables.tf` saying
/// `namespace = "stg-tmc-example"`) is the file's own thing, whatever word
/// the name holds.
pub(crate) fn names_own_folder(path: &str, text: &str) -> bool {
    path.rsplit_once('/')
        .is_some_and(|(dirs, _)| dirs.split('/').any(|seg| seg.eq_ignore_ascii_case(text)))
}

/// Ports of database engines: 0.0.0.0/0 to one of them is a public database.
pub(crate) const DB_PORTS: &[(u32, &str)] = &[
    (1433, "SQL Server"),
    (1521, "Oracle"),
    (2379, "etcd"),
    (3306, "MySQL"),
    (5432, "PostgreSQL"),
    (5439, "Redshift"),
    (5984, "CouchDB"),
    (6379, "Redis"),
    (7000, "Cassandra"),
    (8086, "InfluxDB"),
    (9042, "Cassandra"),
    (9200, "Elasticsearch"),
    (11211, "Memcached"),
    (26257, "CockroachDB"),
    (27017, "MongoDB"),
];
