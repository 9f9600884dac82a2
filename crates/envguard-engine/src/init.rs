//! `envguard init`: the inventory inferred from a tree's names, to review and commit.

use crate::scope::Scope;
use envguard_model::{infer_environment, Environment};
use std::collections::{BTreeMap, BTreeSet};

/// Environments inferred from the paths under `root`, each with the path globs
/// that gave it away (`envs/prod/**` for a folder, `**/.env.production` for a
/// file name). Reads names only, never contents.
pub fn infer_inventory(scope: &Scope<'_>) -> Vec<Environment> {
    let mut found: BTreeMap<String, (envguard_model::Tier, BTreeSet<String>)> = BTreeMap::new();
    let (files, _) = scope.files();
    for (_, rel) in &files {
        let Some(inf) = infer_environment(rel) else {
            continue;
        };
        let glob = glob_for(rel, &inf.evidence);
        found
            .entry(inf.name.to_owned())
            .or_insert_with(|| (inf.tier, BTreeSet::new()))
            .1
            .insert(glob);
    }
    // Environments only CI/CD names (a deploy job's `environment: production`,
    // a workflow `env: ENVIRONMENT: production`): declared, with no paths.
    let (pipelines, _) = crate::pipelines::pipelines_of(scope.root, &files, scope.inventory);
    for target in pipelines
        .iter()
        .flat_map(|p| &p.jobs)
        .filter_map(|j| j.target.as_ref())
    {
        found
            .entry(target.env.clone())
            .or_insert_with(|| (target.tier, BTreeSet::new()));
    }
    let mut envs: Vec<Environment> = found
        .into_iter()
        .map(|(name, (tier, globs))| {
            let mut e = Environment::new(&name, tier);
            e.paths = globs.into_iter().collect();
            e.inferred = true;
            e
        })
        .collect();
    envs.sort_by(|a, b| (a.tier, &a.name).cmp(&(b.tier, &b.name)));
    envs
}

fn glob_for(rel: &str, evidence: &str) -> String {
    let segments: Vec<&str> = rel.split('/').collect();
    if let Some((file, dirs)) = segments.split_last() {
        if let Some(i) = dirs.iter().position(|d| *d == evidence) {
            return format!("{}/**", dirs[..=i].join("/"));
        }
        return format!("**/{file}");
    }
    rel.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_become_prefix_globs_and_files_name_globs() {
        let dir = tempfile::tempdir().unwrap();
        for p in [
            "envs/prod/app/.env",
            "envs/prod/db/main.tf",
            "svc/config/.env.staging",
            "src/main.rs",
        ] {
            let full = dir.path().join(p);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, "x=1\n").unwrap();
        }
        let inventory = envguard_model::Inventory::default();
        let envs = infer_inventory(&Scope {
            root: dir.path(),
            inventory: &inventory,
            include_ignored: false,
            include_vendored: false,
            threads: 1,
        });
        let names: Vec<(&str, Vec<String>)> = envs
            .iter()
            .map(|e| (e.name.as_str(), e.paths.clone()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("staging", vec!["**/.env.staging".to_owned()]),
                ("prod", vec!["envs/prod/**".to_owned()])
            ]
        );
    }
}
