//! After the walk: evaluate HCL per directory, index every environment's
//! identity markers, and build the isolation matrix (000 §6).

use envguard_infra::eval::HclFile;
use envguard_infra::{EnvRef, MarkerIndex, TokenKind};
use envguard_model::{CrossReference, EnvIsolation, EnvSummary, Finding, Inventory, Isolation};
use envguard_rules::FileFacts;
use std::collections::{BTreeMap, BTreeSet};

/// Evaluates the HCL files and adds their facts to the files that belong to an
/// environment (`files` sorted by path).
pub(crate) fn attach_hcl_facts(files: &mut [FileFacts], hcl: Vec<HclFile>) {
    if hcl.is_empty() {
        return;
    }
    let wanted: BTreeSet<&str> = files
        .iter()
        .filter(|f| f.env.is_some())
        .map(|f| f.path.as_str())
        .collect();
    let wanted_owned: BTreeSet<String> = wanted.iter().map(|s| (*s).to_owned()).collect();
    let resolved = envguard_infra::resolve_hcl(hcl, &|p: &str| wanted_owned.contains(p));
    for (path, facts) in resolved {
        if let Ok(i) = files.binary_search_by(|f| f.path.as_str().cmp(&path)) {
            let mut facts = facts;
            let secrets = &files[i].secrets;
            // A token inside a secret is never a marker (and is never printed).
            facts.tokens.retain(|t| {
                !secrets.iter().any(|s| {
                    s.region.start_line <= t.region.end_line
                        && t.region.start_line <= s.region.end_line
                })
            });
            files[i].infra = facts;
        }
    }
}

/// The marker index over the files that belong to an environment.
pub(crate) fn marker_index(
    inventory: &Inventory,
    environments: &[EnvSummary],
    files: &[FileFacts],
) -> MarkerIndex {
    let envs: Vec<EnvRef> = environments
        .iter()
        .map(|e| EnvRef {
            name: e.name.clone(),
            tier: e.tier,
            declared: !e.inferred,
        })
        .collect();
    let with_env: Vec<(&str, usize, &envguard_infra::InfraFacts)> = files
        .iter()
        .filter_map(|f| {
            let a = f.env.as_ref()?;
            let i = envs.iter().position(|e| e.name == a.name)?;
            Some((f.path.as_str(), i, &f.infra))
        })
        .collect();
    MarkerIndex::build(inventory, envs, &with_env)
}

const CAP: usize = 12;

fn capped(set: BTreeSet<String>) -> Vec<String> {
    let n = set.len();
    let mut v: Vec<String> = set.into_iter().take(CAP).collect();
    if n > CAP {
        v.push(format!("… and {} more", n - CAP));
    }
    v
}

/// The isolation matrix: one row per environment, one cell per pair that
/// references each other.
pub(crate) fn matrix(
    inventory: &Inventory,
    environments: &[EnvSummary],
    files: &[FileFacts],
    markers: &MarkerIndex,
    findings: &[Finding],
) -> Isolation {
    let mut rows = Vec::new();
    for (i, e) in environments.iter().enumerate() {
        let declared = inventory.environment(&e.name).filter(|_| !e.inferred);
        let mut paths: BTreeMap<String, u64> = BTreeMap::new();
        let (mut hosts, mut cidrs, mut accounts, mut backends) = (
            BTreeSet::new(),
            BTreeSet::new(),
            BTreeSet::new(),
            BTreeSet::new(),
        );
        let mut secrets = 0u64;
        let mut names_with_label = 0usize;
        let mut names_total = 0usize;
        let mut label: Option<String> = None;
        if let Some(d) = declared {
            hosts.extend(d.hosts.iter().cloned());
            cidrs.extend(d.cidrs.iter().cloned());
            accounts.extend(d.accounts.iter().cloned());
        }
        for f in files
            .iter()
            .filter(|f| f.env.as_ref().is_some_and(|a| a.name == e.name))
        {
            secrets += f.secrets.len() as u64;
            if declared.is_none_or(|d| d.paths.is_empty()) {
                *paths
                    .entry(env_root(&f.path, inventory, &e.name))
                    .or_default() += 1;
            }
            for t in &f.infra.tokens {
                let own = || markers.owners(t).iter().any(|o| o.env == i);
                match t.kind {
                    TokenKind::Host if t.def || own() => {
                        hosts.insert(t.text.to_ascii_lowercase());
                    }
                    TokenKind::Account if t.def => {
                        accounts.insert(t.text.clone());
                    }
                    _ => {}
                }
            }
            for n in &f.infra.networks {
                cidrs.insert(n.cidr.clone());
            }
            for b in &f.infra.backends {
                backends.insert(b.describe());
            }
            for n in &f.infra.names {
                names_total += 1;
                if let Some((_, seg)) = markers
                    .labels_of(&n.name, TokenKind::Name)
                    .into_iter()
                    .find(|(x, _)| *x == i)
                {
                    names_with_label += 1;
                    label.get_or_insert(seg);
                }
            }
        }
        let mut by_rule: BTreeMap<String, u64> = BTreeMap::new();
        for f in findings.iter().filter(|f| f.suppression.is_none()) {
            if f.environments.first() == Some(&e.name) {
                *by_rule.entry(f.rule_id.clone()).or_default() += 1;
            }
        }
        let resource_suffix = declared
            .and_then(|d| d.resource_suffix.clone())
            .or_else(|| {
                (names_total >= 3 && names_with_label * 3 >= names_total * 2)
                    .then(|| label.map(|l| format!("-{l}")))
                    .flatten()
            });
        let mut path_list: Vec<(String, u64)> = paths.into_iter().collect();
        path_list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let paths = match declared {
            Some(d) if !d.paths.is_empty() => d.paths.clone(),
            _ => path_list.into_iter().take(8).map(|(p, _)| p).collect(),
        };
        rows.push(EnvIsolation {
            name: e.name.clone(),
            tier: e.tier,
            data_class: declared.and_then(|d| d.data_class),
            inferred: e.inferred,
            paths,
            files: e.files,
            hosts: capped(hosts),
            cidrs: capped(cidrs),
            accounts: capped(accounts),
            state_backends: capped(backends),
            resource_suffix,
            secrets,
            findings_by_rule: by_rule,
        });
    }

    let mut cells: BTreeMap<(usize, usize), (u64, BTreeSet<String>)> = BTreeMap::new();
    for f in files {
        let Some(a) = &f.env else { continue };
        let Some(from) = markers.env(&a.name) else {
            continue;
        };
        for r in markers.references(from, &f.infra) {
            let cell = cells.entry((from, r.to)).or_default();
            cell.0 += 1;
            cell.1.insert(r.token.text.clone());
        }
    }
    let mut references = Vec::new();
    for ((from, to), (count, examples)) in cells {
        let (from, to) = (&markers.envs[from].name, &markers.envs[to].name);
        let mut by_rule: BTreeMap<String, u64> = BTreeMap::new();
        for f in findings.iter().filter(|f| f.suppression.is_none()) {
            if envguard_rules::needs_of(&f.rule_id).matrix
                && f.environments.first() == Some(from)
                && f.environments.iter().skip(1).any(|e| e == to)
            {
                *by_rule.entry(f.rule_id.clone()).or_default() += 1;
            }
        }
        references.push(CrossReference {
            from: from.clone(),
            to: to.clone(),
            count,
            findings_by_rule: by_rule,
            examples: examples.into_iter().take(3).collect(),
        });
    }
    Isolation {
        environments: rows,
        references,
        shared_markers: inventory.shared_markers.clone(),
    }
}

/// The folder (or file) that puts a file in its environment: the path up to
/// the first segment that names it (`envs/prod`, `.env.production`).
fn env_root(path: &str, inventory: &Inventory, env: &str) -> String {
    let mut out = String::new();
    for seg in path.split('/') {
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(seg);
        let names_env = seg
            .split(['.', '-', '_'])
            .any(|p| inventory.resolve_name(p).is_some_and(|(n, _)| n == env));
        if names_env {
            return out;
        }
    }
    path.rsplit_once('/')
        .map(|(d, _)| d.to_owned())
        .unwrap_or_default()
}
