//! `envguard pipeline`: the pipeline files of a tree, read without a full check.

use envguard_model::Inventory;
use envguard_pipeline::{CiSystem, Pipeline};
use ignore::WalkBuilder;
use std::path::Path;

/// Every CI/CD pipeline under `root`, in path order, with the parse problems
/// of pipeline files as (path, message) pairs.
pub fn collect_pipelines(
    root: &Path,
    inventory: &Inventory,
) -> (Vec<Pipeline>, Vec<(String, String)>) {
    let mut pipelines = Vec::new();
    let mut problems = Vec::new();
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        let Some(system) = CiSystem::of_path(&rel) else {
            continue;
        };
        if inventory.is_excluded(&rel) {
            continue;
        }
        let bytes = match std::fs::read(entry.path()) {
            Ok(b) => b,
            Err(e) => {
                problems.push((rel, format!("could not be read: {e}")));
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
