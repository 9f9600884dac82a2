//! End-to-end tests of `scan-data`, `redact` and `provenance new` on the real binary.

#![allow(clippy::unwrap_used)]

mod common;

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn envguard(args: &[&str], cwd: &Path, stdin: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_envguard"));
    c.args(args)
        .current_dir(cwd)
        .env("ENVGUARD_REDACT_KEY", "test-project-key")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

const CSV: &str = "row_id,name_en,national_id,email,legacy_ref,remarks\n\
1,Emily O'Brien,1058529940,emily.obrien@gmail.com,1058529941,no remarks\n\
2,Mohammed Al-Otaibi,1001244019,m.otaibi@outlook.sa,2000000001,prefers WhatsApp on 0551234567\n\
3,Sarah Smith,1000000008,sarah@example.com,1999999999,\n";

fn fixture() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("patients.csv"), CSV).unwrap();
    std::fs::write(
        d.path().join("p.jsonl"),
        "{\"id\": 1, \"contact\": {\"phone\": \"+966501234567\"}, \"ver\": \"10.2.0.14\"}\n",
    )
    .unwrap();
    std::fs::write(d.path().join("clean.csv"), "id,status\n1,ok\n2,ok\n").unwrap();
    d
}

#[test]
fn scan_data_json_reports_columns_counts_and_lines_never_values() {
    let d = fixture();
    let out = envguard(&["scan-data", ".", "--format", "json"], d.path(), None);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    for secret in [
        "1058529940",
        "emily.obrien",
        "0551234567",
        "O'Brien",
        "+966501234567",
    ] {
        assert!(
            !text.contains(secret),
            "value {secret} leaked into the report"
        );
    }
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["version"], 1);
    let files = v["files"].as_array().unwrap();
    let csv = files
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("patients.csv"))
        .unwrap();
    let col = |n: &str| {
        csv["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(col("national_id")["class"], "SA_NATIONAL_ID");
    assert_eq!(col("national_id")["entities"][0]["count"], 3);
    assert_eq!(
        col("legacy_ref")["entities"].as_array().unwrap().len(),
        0,
        "bad check digits"
    );
    assert_eq!(
        col("email")["entities"][0]["count"],
        2,
        "example.com is reserved"
    );
    assert_eq!(col("remarks")["entities"][0]["entity"], "PHONE_SA");
    assert_eq!(
        col("remarks")["entities"][0]["sample_rows"],
        serde_json::json!([3])
    );
    let jsonl = files
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("p.jsonl"))
        .unwrap();
    let names: Vec<&str> = jsonl["columns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["entities"].as_array().unwrap().is_empty())
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["contact.phone"]);
}

#[test]
fn scan_data_clean_file_exits_zero_and_text_format() {
    let d = fixture();
    let out = envguard(&["scan-data", "clean.csv"], d.path(), None);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("no PII/PHI found"));
    let out = envguard(&["scan-data", "patients.csv"], d.path(), None);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("national_id [column: SA_NATIONAL_ID]"),
        "{text}"
    );
}

#[test]
fn scan_data_sarif_validates_against_the_schema() {
    let d = fixture();
    let out = envguard(&["scan-data", ".", "--format", "sarif"], d.path(), None);
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "PII.SA_NATIONAL_ID"));
}

#[test]
fn redact_text_from_stdin_with_each_operator() {
    let d = tempfile::tempdir().unwrap();
    let input = "Patient Emily O'Brien, national ID 1058529940, mobile 0551234567.\n";
    let tag = envguard(&["redact", "--operator", "tag"], d.path(), Some(input));
    let t = String::from_utf8(tag.stdout).unwrap();
    assert_eq!(
        t,
        "Patient [PERSON], national ID [SA_NATIONAL_ID], mobile [PHONE_SA].\n"
    );
    let mask = String::from_utf8(
        envguard(&["redact", "--operator", "mask"], d.path(), Some(input)).stdout,
    )
    .unwrap();
    assert!(mask.contains("05******67"), "{mask}");
    let h1 = String::from_utf8(
        envguard(&["redact", "--operator", "hash"], d.path(), Some(input)).stdout,
    )
    .unwrap();
    let h2 = String::from_utf8(
        envguard(&["redact", "--operator", "hash"], d.path(), Some(input)).stdout,
    )
    .unwrap();
    assert_eq!(h1, h2, "stable per project key");
    assert!(!h1.contains("1058529940"));
    let synth = envguard(
        &["redact", "--operator", "synth", "--explain"],
        d.path(),
        Some(input),
    );
    let s = String::from_utf8(synth.stdout).unwrap();
    assert!(
        !s.contains("1058529940") && !s.contains("0551234567"),
        "{s}"
    );
    let explain = String::from_utf8(synth.stderr).unwrap();
    assert!(
        explain.contains("SA_NATIONAL_ID") && explain.contains("luhn"),
        "{explain}"
    );
    assert!(!explain.contains("1058529940"));
}

#[test]
fn redact_csv_file_keeps_structure() {
    let d = fixture();
    let out = envguard(
        &[
            "redact",
            "patients.csv",
            "-o",
            "red.csv",
            "--operator",
            "tag",
        ],
        d.path(),
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let red = std::fs::read_to_string(d.path().join("red.csv")).unwrap();
    assert!(red.starts_with("row_id,name_en,national_id,email,legacy_ref,remarks\n1,[PERSON],[SA_NATIONAL_ID],[EMAIL],1058529941,"), "{red}");
    assert!(red.contains("prefers WhatsApp on [PHONE_SA]"));
    assert_eq!(red.lines().count(), 4);
}

#[test]
fn hash_without_key_is_an_error() {
    let mut c = Command::new(env!("CARGO_BIN_EXE_envguard"));
    let out = c
        .args(["redact", "--operator", "hash"])
        .env_remove("ENVGUARD_REDACT_KEY")
        .env_remove("ENVGUARD_FINGERPRINT_KEY")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ENVGUARD_REDACT_KEY"));
}

#[test]
fn provenance_new_writes_a_manifest_with_the_sha256() {
    let d = fixture();
    let out = envguard(
        &["provenance", "new", "patients.csv", "--kind", "masked"],
        d.path(),
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let m = std::fs::read_to_string(d.path().join("patients.csv.provenance.toml")).unwrap();
    assert!(m.contains("kind = \"masked\""));
    assert!(m.contains(&format!(
        "sha256 = \"{}\"",
        envguard_pii_sha(CSV.as_bytes())
    )));
    let again = envguard(&["provenance", "new", "patients.csv"], d.path(), None);
    assert_eq!(again.status.code(), Some(2), "refuses to overwrite");
}

fn envguard_pii_sha(b: &[u8]) -> String {
    // independent of the binary: sha256sum-compatible hex via the library
    envguard_pii::sha256_hex(b)
}
