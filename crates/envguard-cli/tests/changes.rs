//! `check --since REF` and `check --staged` on a real git repository: the
//! whole tree is read, only the findings touching a changed file are reported.
#![allow(clippy::unwrap_used)]

mod common;

use common::{envguard, write};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// A prod secret checked into a Kubernetes manifest: a finding that was
/// there before any change this test makes.
const PROD_MANIFEST: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: stripe\n  namespace: payments-prod\ntype: Opaque\ndata:\n  STRIPE_KEY: c2tfbGl2ZV8xNWpJeVZXNENBTmdHemhBblp4TVRtMG9HUHVrMXRadQ==\n";

const PROD_ENV: &str =
    "APP_ENV=prod\nDB_HOST=db.prod.acme.internal\nDB_PASSWORD=Zt4q9LmW2xpR7vQe8nKd\n";
const STAGING_ENV: &str =
    "APP_ENV=staging\nDB_HOST=db.staging.acme.internal\nDB_PASSWORD=${DB_PASSWORD}\n";
/// Staging given prod's database password (R01.secret-reuse).
const STAGING_WITH_PROD_SECRET: &str =
    "APP_ENV=staging\nDB_HOST=db.staging.acme.internal\nDB_PASSWORD=Zt4q9LmW2xpR7vQe8nKd\n";
/// Staging moved to another database host, its password still read from the
/// environment: the clean look-alike of the same edit.
const STAGING_MOVED: &str =
    "APP_ENV=staging\nDB_HOST=db2.staging.acme.internal\nDB_PASSWORD=${DB_PASSWORD}\n";
const OLD_FINDING: &str = "k8s/overlays/prod/secret.yaml";

fn paths(list: &[(String, String)]) -> Vec<&str> {
    list.iter().map(|(_, p)| p.as_str()).collect()
}

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args([
            "-c",
            "user.name=Alice",
            "-c",
            "user.email=alice@acme.example",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A repository with one committed, pre-existing finding (the prod manifest).
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "k8s/overlays/prod/secret.yaml", PROD_MANIFEST);
    write(d, "envs/prod/.env", PROD_ENV);
    write(d, "envs/staging/.env", STAGING_ENV);
    write(d, "README.md", "# payments\n");
    git(d, &["init", "-q"]);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "payments"]);
    dir
}

/// `(rule id, path)` of each active finding of a JSON report.
fn findings(dir: &Path, args: &[&str]) -> (Option<i32>, Vec<(String, String)>, String) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let o = envguard(&all, dir);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    let list = report["findings"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .filter(|f| f["suppression"].is_null())
                .map(|f| {
                    (
                        f["rule_id"].as_str().unwrap().to_owned(),
                        f["location"]["path"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (
        o.status.code(),
        list,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn rules(list: &[(String, String)]) -> Vec<&str> {
    list.iter().map(|(r, _)| r.as_str()).collect()
}

#[test]
fn since_reports_the_reuse_a_change_introduced_and_not_the_old_finding() {
    let repo = repo();
    let d = repo.path();
    let (_, before, _) = findings(d, &[]);
    assert!(paths(&before).contains(&OLD_FINDING), "{before:?}");

    write(d, "envs/staging/.env", STAGING_WITH_PROD_SECRET);
    git(d, &["commit", "-q", "-am", "staging password"]);
    // The full check still sees the old finding.
    let (_, full, _) = findings(d, &[]);
    assert!(paths(&full).contains(&OLD_FINDING), "{full:?}");

    let (code, diff, stderr) = findings(d, &["--since", "HEAD~1"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(rules(&diff).contains(&"R01.secret-reuse"), "{diff:?}");
    assert!(!paths(&diff).contains(&OLD_FINDING), "{diff:?}");
    // Every reported finding touches the changed staging file, here or in
    // a related location (prod's copy is compared, not reported alone).
    assert!(
        stderr.contains("1 changed file(s) since HEAD~1"),
        "{stderr}"
    );
    // No secret value on either stream.
    assert!(!stderr.contains("Zt4q9LmW2xpR7vQe8nKd"));
}

#[test]
fn since_is_quiet_on_a_clean_change_in_a_tree_with_old_findings() {
    let repo = repo();
    let d = repo.path();
    write(d, "envs/staging/.env", STAGING_MOVED);
    // Uncommitted and untracked changes count too.
    write(d, "envs/staging/notes.md", "rotated\n");
    let (code, diff, stderr) = findings(d, &["--since", "HEAD", "--fail-on", "warning"]);
    assert_eq!(diff, Vec::<(String, String)>::new(), "{stderr}");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("2 changed file(s)"), "{stderr}");
    // The same tree without --since fails on the old finding.
    let (code, _, _) = findings(d, &["--fail-on", "warning"]);
    assert_eq!(code, Some(1));
}

#[test]
fn staged_sees_the_index_not_the_unstaged_edits() {
    let repo = repo();
    let d = repo.path();
    write(d, "envs/staging/.env", STAGING_WITH_PROD_SECRET);
    let (code, diff, stderr) = findings(d, &["--staged", "--quiet"]);
    assert_eq!(
        (code, diff.len()),
        (Some(0), 0),
        "nothing staged yet: {diff:?}"
    );
    assert_eq!(stderr, "", "--quiet prints nothing on stderr");

    git(d, &["add", "envs/staging/.env"]);
    let (code, diff, _) = findings(d, &["--staged"]);
    assert_eq!(code, Some(1));
    assert!(rules(&diff).contains(&"R01.secret-reuse"), "{diff:?}");
    assert!(!paths(&diff).contains(&OLD_FINDING), "{diff:?}");
}

#[test]
fn a_changed_inventory_reports_every_finding() {
    let repo = repo();
    let d = repo.path();
    write(d, "envguard.toml", "[scan]\nexclude = [\"docs/**\"]\n");
    let (_, diff, stderr) = findings(d, &["--since", "HEAD"]);
    assert!(paths(&diff).contains(&OLD_FINDING), "{stderr}");
    assert!(stderr.contains("envguard.toml among them"), "{stderr}");
}

#[test]
fn an_unknown_ref_or_a_folder_outside_git_is_a_usage_error() {
    let repo = repo();
    let o = envguard(&["check", "--since", "no-such-branch"], repo.path());
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--since no-such-branch"), "{err}");

    let plain = tempfile::tempdir().unwrap();
    write(plain.path(), "envs/prod/.env", PROD_ENV);
    let o = envguard(&["check", "--staged"], plain.path());
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("git diff failed"), "{err}");

    let o = envguard(&["check", "--since", "HEAD", "--staged"], repo.path());
    assert_eq!(o.status.code(), Some(2));
}
