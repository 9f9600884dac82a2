//! Every registered rule has a firing and a clean fixture, and the real binary
//! tells them apart.
//!
//! `crates/envguard-rules/tests/fixtures/<rule-id>/fires/` is a small repository
//! tree that makes the rule fire; `…/clean/` is the same tree with the mistake
//! fixed the way the rule's "Fix" section says. Each tree is checked from its
//! own root, so it may hold its own `envguard.toml`, `envguard-waivers.toml`
//! and CI settings. The fixtures are data only: adding a rule means adding its
//! two trees, and this test fails, naming the rule, until they exist.
//!
//! A rule that reads a secret store rather than the tree (`SEC.*` through
//! `secrets audit`, `R01.live-prod-secret` through `check --store`) has an
//! `envguard-fixture.sh` in its trees: it runs with `sh` in a copy of the
//! tree, `$ENVGUARD` naming the binary and `ENVGUARD_SECRETS_HOME` a fresh
//! directory outside it, and prints the JSON report.

#![allow(clippy::unwrap_used)]

mod common;

use common::{envguard, repo_root};
use serde_json::Value;
use std::path::Path;

const FIXTURES: &str = "crates/envguard-rules/tests/fixtures";
const SCRIPT: &str = "envguard-fixture.sh";

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// Runs a tree's `envguard-fixture.sh` in a copy of the tree.
fn run_script(tree: &Path) -> std::process::Output {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("tree");
    copy_tree(tree, &copy);
    std::process::Command::new("sh")
        .arg(SCRIPT)
        .current_dir(&copy)
        .env("ENVGUARD", env!("CARGO_BIN_EXE_envguard"))
        .env("ENVGUARD_SECRETS_HOME", tmp.path().join("home"))
        .env("ENVGUARD_FINGERPRINT_KEY", "test-key")
        .env_remove("ENVGUARD_ROLE")
        .env_remove("ENVGUARD_LEDGER_DIR")
        .env("CI", "true")
        .output()
        .unwrap()
}

/// The active findings of `rule` when checking `tree`, as readable lines
/// `path:line:col severity message`, sorted; or why the check could not say.
fn active_findings(tree: &Path, rule: &str) -> Result<Vec<String>, String> {
    let out = if tree.join(SCRIPT).is_file() {
        run_script(tree)
    } else {
        envguard(&["check", ".", "--format", "json", "--no-progress"], tree)
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0 | 1) => {}
        Some(3) => return Err(format!("exit 3: a path could not be read\n{stderr}")),
        code => return Err(format!("exit {code:?}\n{stderr}")),
    }
    let report: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("the JSON report does not parse: {e}\n{stderr}"))?;
    let mut found: Vec<(&str, u64, u64, String)> = report["findings"]
        .as_array()
        .ok_or("the report has no `findings` array")?
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .map(|f| {
            let loc = &f["location"];
            let path = loc["path"].as_str().unwrap_or("?");
            let line = loc["region"]["start_line"].as_u64().unwrap_or(0);
            let col = loc["region"]["start_column"].as_u64().unwrap_or(0);
            let text = format!(
                "{path}:{line}:{col} {} {}",
                f["severity"].as_str().unwrap_or("?"),
                f["message"].as_str().unwrap_or("?"),
            );
            (path, line, col, text)
        })
        .collect();
    // In file order: by path, then numerically by line and column.
    found.sort();
    Ok(found.into_iter().map(|(.., text)| text).collect())
}

#[test]
fn every_rule_has_a_firing_and_a_clean_fixture() {
    let root = repo_root().join(FIXTURES);
    let mut failures: Vec<String> = Vec::new();
    for rule in envguard_rules::registry() {
        let id = rule.meta().id;
        let fires = root.join(id).join("fires");
        let clean = root.join(id).join("clean");
        let mut missing = false;
        for dir in [&fires, &clean] {
            if !dir.is_dir() {
                failures.push(format!("{id}: missing {}", dir.display()));
                missing = true;
            }
        }
        if missing {
            continue;
        }
        match active_findings(&fires, id) {
            Err(e) => failures.push(format!("{id}: fires/: {e}")),
            Ok(lines) if lines.is_empty() => {
                failures.push(format!("{id}: fires/ has no active {id} finding"));
            }
            Ok(lines) => {
                // A snapshot mismatch is collected like any other failure, so
                // one run names every rule whose fixture changed.
                let snap = std::panic::catch_unwind(|| {
                    insta::with_settings!({
                        description => format!("active {id} findings in {FIXTURES}/{id}/fires"),
                        omit_expression => true,
                    }, {
                        insta::assert_snapshot!(format!("{id}__fires"), lines.join("\n"));
                    });
                });
                if snap.is_err() {
                    failures.push(format!("{id}: fires/ findings differ from the snapshot"));
                }
            }
        }
        match active_findings(&clean, id) {
            Err(e) => failures.push(format!("{id}: clean/: {e}")),
            Ok(lines) if !lines.is_empty() => failures.push(format!(
                "{id}: clean/ still has {} active {id} finding(s):\n  {}",
                lines.len(),
                lines.join("\n  ")
            )),
            Ok(_) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} rule fixture problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
