//! An environment that only CI/CD names (a deploy job's `environment:`, a
//! workflow's `env:`) is one of the repository's environments for every
//! command: `check` judges its deploys, so `matrix` lists it and `init` writes it.
#![allow(clippy::unwrap_used)]

mod common;

use common::{envguard, stdout, write};
use serde_json::Value;
use std::path::Path;

/// A Terraform repository with no environment folders: one root module, and a
/// workflow that applies it to production on a tag.
fn tree(dir: &Path) {
    write(
        dir,
        "main.tf",
        "resource \"aws_s3_bucket\" \"assets\" {\n  bucket = \"acme-assets\"\n}\n",
    );
    write(
        dir,
        ".github/workflows/deploy.yml",
        r#"name: deploy
on:
  push:
    tags: ["v*"]
jobs:
  apply:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: actions/checkout@v4
      - uses: hashicorp/setup-terraform@v3
      - run: terraform init && terraform apply -auto-approve
"#,
    );
}

#[test]
fn matrix_lists_an_environment_only_ci_names() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let out = envguard(&["matrix", ".", "--format", "json"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let text = json.to_string();
    assert!(text.contains("\"prod\""), "{text}");
    let out = envguard(&["matrix", "."], dir.path());
    assert!(
        !stdout(&out).contains("No environments found"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn init_writes_an_environment_only_ci_names() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let out = envguard(&["init", ".", "-o", "-"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let toml = stdout(&out);
    assert!(toml.contains("[environments.prod]"), "{toml}");
}
