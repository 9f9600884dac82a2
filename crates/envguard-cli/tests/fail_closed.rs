//! Fail closed: a guard never says "pass" about what it did not read. Every
//! path in scope that could not be read is named in every format and gives the
//! run its own exit code (3) unless `--allow-incomplete`; a NUL byte never hides
//! a configuration file; vendored code is left out by name, not silently.
#![allow(clippy::unwrap_used)]

mod common;

use common::{envguard, stdout, write};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

/// A password that staging and prod share (the example key of no provider).
const SHARED: &str = "Zq8vT2mWx4LpR7nK3sHd9fJc";

#[test]
fn a_nul_byte_does_not_hide_a_reused_prod_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut prod = format!("APP_ENV=production\nDB_PASSWORD={SHARED}\n").into_bytes();
    // A stray NUL (an editor's save of a UTF-16 fragment, a bad paste) in the
    // first line: git and ripgrep call such a file binary.
    prod.splice(3..3, [0u8]);
    write(dir.path(), "deploy/.env.prod", &prod);
    write(
        dir.path(),
        "deploy/.env.staging",
        format!("APP_ENV=staging\nDB_PASSWORD={SHARED}\n").as_bytes(),
    );
    let out = envguard(&["check", ".", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"R01.secret-reuse"), "{rules:?}");
    let decoded: Vec<&Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "decoded")
        .collect();
    assert_eq!(decoded.len(), 1, "{:#?}", json["diagnostics"]);
    assert_eq!(decoded[0]["path"], "deploy/.env.prod");
    assert!(!stdout(&out).contains(SHARED));
}

#[test]
fn binaries_and_vendored_code_are_named_not_silently_dropped() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "certs/keystore.jks",
        b"\xfe\xed\xfe\xed\0\0\0\x02",
    );
    write(
        dir.path(),
        "web/node_modules/left-pad/index.js",
        b"module.exports = 1;\n",
    );
    write(
        dir.path(),
        "web/package-lock.json",
        b"{\"lockfileVersion\": 3}\n",
    );
    write(dir.path(), "web/src/app.js", b"export const a = 1;\n");
    let out = envguard(&["check", "."], dir.path());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("binary  certs/keystore.jks"), "{text}");
    assert!(text.contains("out-of-scope  web/node_modules"), "{text}");
    assert!(
        text.contains("out-of-scope  web/package-lock.json"),
        "{text}"
    );
    assert!(text.contains("1 binary, 2 out of scope"), "{text}");
    // Asked for, vendored code is scanned.
    let out = envguard(
        &["check", ".", "--include-vendored", "-f", "json"],
        dir.path(),
    );
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["summary"]["out_of_scope"], 0);
    assert_eq!(json["summary"]["binary"], 1);
}

/// A tree with one unreadable directory and one unreadable file, checked by a
/// user who cannot read them. As root (CI containers), the binary runs as
/// `nobody` through `setpriv`: root reads everything, which would prove nothing.
fn check_as_unprivileged(tree: &Path, args: &[&str]) -> Output {
    let bin_dir = tempfile::tempdir().unwrap();
    let bin = bin_dir.path().join("envguard");
    std::fs::copy(env!("CARGO_BIN_EXE_envguard"), &bin).unwrap();
    for p in [bin_dir.path(), &bin] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let root = Command::new("id").arg("-u").output().unwrap();
    let is_root = String::from_utf8_lossy(&root.stdout).trim() == "0";
    let mut cmd = if is_root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        Command::new(&bin)
    };
    let out = cmd
        .args(args)
        .current_dir(tree)
        .env("ENVGUARD_FINGERPRINT_KEY", "test-key")
        .env("CI", "true")
        .output()
        .unwrap_or_else(|e| {
            panic!("running envguard as an unprivileged user (setpriv, util-linux) failed: {e}")
        });
    drop(bin_dir);
    out
}

#[test]
fn unreadable_paths_are_listed_and_the_run_is_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "envs/prod/app.env", b"LOG_LEVEL=info\n");
    write(root, "envs/prod/secrets/db.env", b"DB_USER=app\n");
    write(root, "envs/staging/app.env", b"LOG_LEVEL=debug\n");
    let mode = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    for d in [
        root,
        &root.join("envs"),
        &root.join("envs/prod"),
        &root.join("envs/staging"),
    ] {
        mode(d, 0o755).unwrap();
    }
    for f in [
        "envs/prod/app.env",
        "envs/staging/app.env",
        "envs/prod/secrets/db.env",
    ] {
        mode(&root.join(f), 0o644).unwrap();
    }
    mode(&root.join("envs/prod/secrets"), 0o700).unwrap();
    mode(&root.join("envs/staging/app.env"), 0o600).unwrap();

    let out = check_as_unprivileged(root, &["check", "."]);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("not checked (2)"), "{text}");
    assert!(
        text.contains("not-checked  envs/prod/secrets: could not be read"),
        "{text}"
    );
    assert!(
        text.contains("not-checked  envs/staging/app.env: could not be read"),
        "{text}"
    );
    assert!(text.contains("result        incomplete"), "{text}");

    // Every format names them; SARIF says the run was not successful.
    let out = check_as_unprivileged(root, &["check", ".", "-f", "sarif"]);
    assert_eq!(out.status.code(), Some(3));
    let sarif: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let inv = &sarif["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let notes = inv["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(
        notes
            .iter()
            .filter(|n| n["descriptor"]["id"] == "not-checked")
            .count(),
        2
    );
    common::assert_valid_sarif(&sarif);
    let out = check_as_unprivileged(root, &["check", ".", "-f", "json"]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["summary"]["result"], "incomplete");
    assert_eq!(json["summary"]["not_checked"], 2);
    let out = check_as_unprivileged(root, &["check", ".", "-f", "junit"]);
    let xml = stdout(&out);
    assert_eq!(xml.matches("<error").count(), 2, "{xml}");

    // Accepted, the run passes and still lists them.
    let out = check_as_unprivileged(root, &["check", ".", "--allow-incomplete"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("not checked (2)"), "{text}");
    assert!(text.contains("result        pass"), "{text}");

    // Restore so the temporary directory can be removed.
    mode(&root.join("envs/prod/secrets"), 0o755).unwrap();
}

#[test]
fn an_unreadable_root_is_never_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    write(&root, ".env.prod", b"A=1\n");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = check_as_unprivileged(dir.path(), &["check", "repo"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("not-checked  .: could not be read"), "{text}");
}
