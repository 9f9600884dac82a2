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
    (pipelines, problems)
}
