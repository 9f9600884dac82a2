//! `envguard pipeline`: the pipeline files of a tree, read without a full check.

use crate::scope::{read, Read, Scope};
use envguard_model::Inventory;
use envguard_pipeline::{CiSystem, Pipeline};
use std::path::{Path, PathBuf};

/// Every CI/CD pipeline in `scope`, in path order, with the problems of
/// pipeline files (parse errors, files that could not be read) as (path,
/// message) pairs. The walk is the check's: the same ignore rules, exclusions
/// and size limit.
pub fn collect_pipelines(scope: &Scope<'_>) -> (Vec<Pipeline>, Vec<(String, String)>) {
    let (files, diagnostics) = scope.files();
    let (pipelines, mut problems) = pipelines_of(scope.root, &files, scope.inventory);
    problems.extend(
        diagnostics
            .into_iter()
            .filter(|d| d.kind.incomplete())
            .map(|d| (d.path, d.message)),
    );
    (pipelines, problems)
}

/// The pipelines among `files` (root-relative paths in path order).
pub(crate) fn pipelines_of(
    root: &Path,
    files: &[(PathBuf, String)],
    inventory: &Inventory,
) -> (Vec<Pipeline>, Vec<(String, String)>) {
    let mut pipelines = Vec::new();
    let mut problems = Vec::new();
    for (path, rel) in files {
        let Some(system) = CiSystem::of_path(rel) else {
            continue;
        };
        let rel = rel.clone();
        let bytes = match read(path, &rel, inventory.scan.max_file_size) {
            Read::Text { bytes, .. } => bytes,
            Read::Binary(d) | Read::NotChecked(d) => {
                problems.push((rel, d.message));
                continue;
            }
        };
        let resolve = |name: &str| inventory.resolve_name(name);
        let parsed = envguard_pipeline::parse(&rel, system, &bytes, &resolve);
        for e in parsed.errors {
            problems.push((
                rel.clone(),
                format!("line {}: {}", e.region.start_line, e.message),
            ));
        }
        pipelines.extend(parsed.pipeline);
    }
    pipelines.sort_by(|a, b| a.path.cmp(&b.path));
    let read = |rel: &str| read_repo_file(root, rel);
    let resolve = |name: &str| inventory.resolve_name(name);
    envguard_pipeline::link(&mut pipelines, &read, &resolve);
    (pipelines, problems)
}

/// A repository file for the pipeline reader (a script a job runs, a workflow
/// it calls), by its relative path; None when missing, over 1 MiB, not UTF-8
/// or outside `root`.
pub(crate) fn read_repo_file(root: &Path, rel: &str) -> Option<String> {
    if !root.is_dir() || rel.starts_with('/') || rel.split('/').any(|s| s == "..") {
        return None;
    }
    let path = root.join(rel);
    // A link out of the repository is not the repository's script.
    let real = path.canonicalize().ok()?;
    if !real.starts_with(root.canonicalize().ok()?) {
        return None;
    }
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > 1 << 20 {
        return None;
    }
    String::from_utf8(std::fs::read(path).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pipeline_reader_walks_what_check_walks() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join(".github/workflows")).unwrap();
        std::fs::write(root.join(".gitignore"), ".github/workflows/local.yml\n").unwrap();
        let workflow = "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: ./deploy.sh prod\n";
        std::fs::write(root.join(".github/workflows/local.yml"), workflow).unwrap();
        std::fs::write(root.join(".github/workflows/ci.yml"), workflow).unwrap();
        let inventory = Inventory::default();
        let scope = |include_ignored| Scope {
            root,
            inventory: &inventory,
            include_ignored,
            include_vendored: false,
            threads: 1,
        };
        let paths = |include_ignored| -> Vec<String> {
            collect_pipelines(&scope(include_ignored))
                .0
                .into_iter()
                .map(|p| p.path)
                .collect()
        };
        assert_eq!(paths(false), vec![".github/workflows/ci.yml"]);
        assert_eq!(
            paths(true),
            vec![".github/workflows/ci.yml", ".github/workflows/local.yml"]
        );
    }
}
