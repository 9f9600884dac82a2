//! `check --baseline-from REPORT`: the hard-coded secrets a gitleaks report
//! or trufflehog's JSON lines list are suppressed as baselined, by file and
//! secret; what they never reported (a value shared with prod) stays active.
#![allow(clippy::unwrap_used)]

mod common;

use common::{envguard, write};
use serde_json::{json, Value};
use std::path::Path;

const DEV_SECRET: &str = "k54JJsKOXFA80CYqUvul";
const PROD_SECRET: &str = "Zt4q9LmW2xpR7vQe8nKd";

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "envs/dev/.env",
        format!("APP_ENV=dev\nDB_PASSWORD={DEV_SECRET}\n"),
    );
    write(
        d,
        "envs/prod/.env",
        format!("APP_ENV=prod\nDB_PASSWORD={PROD_SECRET}\n"),
    );
    // Staging holds prod's password: a hard-coded secret (which gitleaks
    // reports) and a cross-environment reuse (which it cannot see).
    write(
        d,
        "envs/staging/.env",
        format!("APP_ENV=staging\nLOG_LEVEL=info\nDB_PASSWORD={PROD_SECRET}\n"),
    );
    dir
}

/// A leak as gitleaks 8 writes it in its JSON report.
fn leak(file: &str, line: u32, secret: &str) -> Value {
    json!({
        "RuleID": "generic-api-key",
        "Description": "Detected a Generic API Key, potentially exposing access to various services and sensitive operations.",
        "StartLine": line, "EndLine": line, "StartColumn": 13, "EndColumn": 33,
        "Match": format!("DB_PASSWORD={secret}"),
        "Secret": secret,
        "File": file,
        "SymlinkFile": "",
        "Commit": "", "Entropy": 4.1, "Author": "", "Email": "", "Date": "", "Message": "",
        "Tags": [],
        "Fingerprint": format!("{file}:generic-api-key:{line}"),
    })
}

/// `(rule, path, suppression kind or "active")` of every finding, and stderr.
fn run(dir: &Path, report: &Value) -> (Option<i32>, Vec<(String, String, String)>, String) {
    write(
        dir,
        "gitleaks-report.json",
        serde_json::to_vec_pretty(report).unwrap(),
    );
    run_with(dir, "gitleaks-report.json")
}

fn run_with(dir: &Path, report: &str) -> (Option<i32>, Vec<(String, String, String)>, String) {
    let o = envguard(
        &["check", "envs", "-f", "json", "--baseline-from", report],
        dir,
    );
    let stdout = String::from_utf8(o.stdout).unwrap();
    let stderr = String::from_utf8(o.stderr).unwrap();
    for secret in [DEV_SECRET, PROD_SECRET] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
    }
    let report: Value = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    // Active findings under `findings`, suppressed ones under `suppressed`.
    let all: Vec<Value> = ["findings", "suppressed"]
        .iter()
        .filter_map(|k| report[*k].as_array())
        .flatten()
        .cloned()
        .collect();
    let findings = Some(&all)
        .map(|fs| {
            fs.iter()
                .map(|f| {
                    (
                        f["rule_id"].as_str().unwrap().to_owned(),
                        f["location"]["path"].as_str().unwrap().to_owned(),
                        f["suppression"]["kind"]
                            .as_str()
                            .unwrap_or("active")
                            .to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (o.status.code(), findings, stderr)
}

fn state<'f>(fs: &'f [(String, String, String)], rule: &str, path: &str) -> Vec<&'f str> {
    fs.iter()
        .filter(|(r, p, _)| r == rule && p == path)
        .map(|(_, _, s)| s.as_str())
        .collect()
}

#[test]
fn accepted_leaks_are_baselined_and_the_reuse_is_not() {
    let dir = tree();
    // gitleaks was run from the repository root: its paths start at envs/,
    // one of them written with ./ as `gitleaks dir ./envs` would.
    let report = json!([
        leak("envs/dev/.env", 2, DEV_SECRET),
        leak("./envs/staging/.env", 3, PROD_SECRET),
    ]);
    let (code, fs, stderr) = run(dir.path(), &report);
    // The check is of `envs`, so envguard's paths are relative to it.
    assert_eq!(
        state(&fs, "R01.hardcoded-secret", "dev/.env"),
        ["active"],
        "{fs:?}"
    );
    assert_eq!(code, Some(1), "{stderr}");

    // Run from inside envs/ as gitleaks' paths are relative to the scanned
    // folder: now they match.
    let report = json!([
        leak("dev/.env", 2, DEV_SECRET),
        leak("./staging/.env", 3, PROD_SECRET),
    ]);
    let (code, fs, stderr) = run(dir.path(), &report);
    assert_eq!(
        state(&fs, "R01.hardcoded-secret", "dev/.env"),
        ["baseline"],
        "{fs:?}"
    );
    assert_eq!(
        state(&fs, "R01.hardcoded-secret", "staging/.env"),
        ["baseline"]
    );
    // Not in the report: prod's own copy.
    assert_eq!(state(&fs, "R01.hardcoded-secret", "prod/.env"), ["active"]);
    // What gitleaks cannot see stays active.
    assert!(
        fs.iter()
            .any(|(r, _, s)| r == "R01.secret-reuse" && s == "active"),
        "{fs:?}"
    );
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("2 finding(s) accepted in gitleaks-report.json (gitleaks)"),
        "{stderr}"
    );
}

#[test]
fn a_rotated_secret_or_another_file_is_not_covered() {
    let dir = tree();
    let report = json!([
        // The value gitleaks saw was rotated since.
        leak("dev/.env", 2, "Qw8rT2nLp5Xv9ZcB3mKd"),
        // The right value, in another file.
        leak("prod/.env.bak", 2, PROD_SECRET),
    ]);
    let (_, fs, stderr) = run(dir.path(), &report);
    assert!(fs.iter().all(|(_, _, s)| s == "active"), "{fs:?}");
    assert!(stderr.contains("0 finding(s) accepted"), "{stderr}");
}

#[test]
fn a_redacted_or_malformed_report_is_a_clear_error() {
    let dir = tree();
    let (code, _, stderr) = run(dir.path(), &json!([leak("dev/.env", 2, "REDACTED")]));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("gitleaks --redact"), "{stderr}");

    // A leak without its secret.
    let (code, _, stderr) = run(dir.path(), &json!([{"File": "dev/.env", "StartLine": 2}]));
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("gitleaks-report.json:")
            && stderr.contains("not a gitleaks JSON report")
            && stderr.contains("missing field `Secret`"),
        "{stderr}"
    );
    // Some other tool's JSON.
    write(dir.path(), "other.json", "{\"findings\": []}\n");
    let (code, _, stderr) = run_with(dir.path(), "other.json");
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("other.json:1: neither a gitleaks JSON report"),
        "{stderr}"
    );
}

#[test]
fn trufflehog_json_lines_are_read_too() {
    let dir = tree();
    let result = |source: Value, secret: &str| {
        json!({
            "SourceMetadata": {"Data": source},
            "SourceID": 1, "SourceType": 15, "SourceName": "trufflehog - filesystem",
            "DetectorType": 0, "DetectorName": "Generic", "Verified": false,
            "Raw": secret, "Redacted": "", "ExtraData": null,
        })
        .to_string()
    };
    let lines = [
        json!({"level": "info-0", "msg": "running source"}).to_string(),
        result(
            json!({"Filesystem": {"file": "dev/.env", "line": 2}}),
            DEV_SECRET,
        ),
        result(
            json!({"Git": {"commit": "3f2a9c1", "file": "staging/.env", "line": 3}}),
            PROD_SECRET,
        ),
        json!({"level": "info-0", "msg": "finished scanning"}).to_string(),
    ];
    write(dir.path(), "trufflehog.jsonl", lines.join("\n") + "\n");
    let (_, fs, stderr) = run_with(dir.path(), "trufflehog.jsonl");
    assert_eq!(
        state(&fs, "R01.hardcoded-secret", "dev/.env"),
        ["baseline"],
        "{fs:?}"
    );
    assert_eq!(
        state(&fs, "R01.hardcoded-secret", "staging/.env"),
        ["baseline"]
    );
    assert_eq!(state(&fs, "R01.hardcoded-secret", "prod/.env"), ["active"]);
    assert!(
        stderr.contains("accepted in trufflehog.jsonl (trufflehog)"),
        "{stderr}"
    );

    write(
        dir.path(),
        "trufflehog.jsonl",
        format!("{}\nnot json\n", lines[1]),
    );
    let (code, _, stderr) = run_with(dir.path(), "trufflehog.jsonl");
    assert_eq!(code, Some(2));
    assert!(stderr.contains("trufflehog.jsonl:2:"), "{stderr}");
}
