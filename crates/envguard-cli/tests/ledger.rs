#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_envguard"))
}

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut c = bin();
    c.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn ev(env: &str, i: usize) -> String {
    format!(
        r#"{{"environment":"{env}","tenant_id":"t{}","timestamp_utc":"2026-01-02T03:04:05Z","kind":"ai","actor_role":"clinician","model_version":"m-1","prompt":"q{i}","response":"a"}}"#,
        i % 3
    )
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn size(dir: &Path, env: &str) -> u64 {
    let o = run(
        &["ledger", "--dir", dir.to_str().unwrap(), "stats", env],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["entries"].as_u64().unwrap() - 1 // minus the stats read's own audit event
}

#[test]
fn five_line_tour_and_dir_anywhere() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_str().unwrap();
    assert!(run(&["ledger", "init", "prod", "--dir", dir], None)
        .status
        .success());
    let o = run(
        &["ledger", "--dir", dir, "append", "prod", &ev("prod", 1)],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&["ledger", "checkpoint", "prod", "--dir", dir], None);
    assert!(
        text(&o).starts_with("envguard.invalid/ledger/prod\n1\n"),
        "{}",
        text(&o)
    );
    let o = run(
        &["ledger", "--dir", dir, "prove", "prod", "--index", "0"],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["index"], 0);
    let o = run(&["ledger", "verify", "prod", "--dir", dir], None);
    assert!(
        o.status.success() && text(&o).starts_with("ok: prod ledger verifies"),
        "{}",
        text(&o)
    );

    // export, then verify it offline with the pinned key; then a tampered copy
    let vkey = std::fs::read_to_string(d.path().join("prod/verifier.key")).unwrap();
    let exp = d.path().join("x.csv");
    let o = run(
        &[
            "ledger",
            "--dir",
            dir,
            "export",
            "prod",
            "--format",
            "csv",
            "-o",
            exp.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(
        &[
            "ledger",
            "verify",
            "--export",
            exp.to_str().unwrap(),
            "--key",
            vkey.trim(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let bad = std::fs::read_to_string(&exp)
        .unwrap()
        .replace(r#"""prompt"":""q1"""#, r#"""prompt"":""q2"""#);
    std::fs::write(&exp, bad).unwrap();
    let o = run(
        &[
            "ledger",
            "verify",
            "--export",
            exp.to_str().unwrap(),
            "--key",
            vkey.trim(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("FAILED: entry 0: event does not match its leaf hash"),
        "{}",
        text(&o)
    );
}

#[test]
fn refusals_are_clear() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_str().unwrap();
    run(&["ledger", "init", "test", "--dir", dir], None);
    let no_tenant = ev("test", 1).replace(r#""tenant_id":"t1","#, "");
    let o = run(
        &["ledger", "--dir", dir, "append", "test", &no_tenant],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("R03 $.tenant_id: missing required field `tenant_id`"),
        "{}",
        text(&o)
    );
    let o = run(
        &["ledger", "--dir", dir, "append", "test", &ev("prod", 1)],
        None,
    );
    assert!(text(&o).contains("R03 $.environment"), "{}", text(&o));
    let pii = ev("test", 1).replace("q1", "national id 1000000008");
    let o = run(&["ledger", "--dir", dir, "append", "test", &pii], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("SA_NATIONAL_ID") && !text(&o).contains("1000000008"),
        "{}",
        text(&o)
    );
    let o = run(
        &["ledger", "--dir", dir, "--role", "intern", "export", "test"],
        None,
    );
    assert!(
        text(&o).contains("role \"intern\" may not export"),
        "{}",
        text(&o)
    );
    assert_eq!(size(d.path(), "test"), 0);
}

#[test]
fn stdin_batches_and_tampered_db_named() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_str().unwrap();
    run(&["ledger", "init", "prod", "--dir", dir], None);
    let input: String = (0..250).map(|i| ev("prod", i) + "\n").collect();
    let o = run(
        &[
            "ledger",
            "--dir",
            dir,
            "append",
            "prod",
            "--batch-size",
            "100",
            "--checkpoint",
        ],
        Some(&input),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 3);
    let o = run(
        &["ledger", "--dir", dir, "consistency", "prod", "100", "250"],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let db = tamper_file(
        &d.path().join("prod/ledger.sqlite"),
        b"\"prompt\":\"q42\"",
        b"\"prompt\":\"q43\"",
    );
    assert!(db);
    let o = run(&["ledger", "verify", "prod", "--dir", dir], None);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("entry 42"), "{}", text(&o));
}

/// Flips bytes in the database file (or its WAL) directly, as an attacker with file access would.
fn tamper_file(db: &Path, from: &[u8], to: &[u8]) -> bool {
    let mut bytes = std::fs::read(db).unwrap();
    let wal = db.with_extension("sqlite-wal");
    let mut found = false;
    for (p, b) in [(db.to_path_buf(), &mut bytes)] {
        if let Some(pos) = b.windows(from.len()).position(|w| w == from) {
            b[pos..pos + to.len()].copy_from_slice(to);
            std::fs::write(&p, &b).unwrap();
            found = true;
        }
    }
    if !found && wal.exists() {
        let mut w = std::fs::read(&wal).unwrap();
        if let Some(pos) = w.windows(from.len()).position(|x| x == from) {
            w[pos..pos + to.len()].copy_from_slice(to);
            std::fs::write(&wal, &w).unwrap();
            found = true;
        }
    }
    found
}

#[test]
fn acknowledged_appends_survive_kill_9() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_str().unwrap();
    run(&["ledger", "init", "prod", "--dir", dir], None);
    let mut child = bin()
        .args([
            "ledger",
            "--dir",
            dir,
            "append",
            "prod",
            "--batch-size",
            "50",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        for i in 0..100_000 {
            if writeln!(stdin, "{}", ev("prod", i)).is_err() {
                return;
            }
        }
    });
    let mut acks = BufReader::new(child.stdout.take().unwrap());
    let mut acked = 0u64;
    let mut line = String::new();
    for _ in 0..7 {
        line.clear();
        acks.read_line(&mut line).unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        acked = v["tree_size"].as_u64().unwrap();
    }
    child.kill().unwrap(); // SIGKILL, mid-stream
    child.wait().unwrap();
    let _ = feeder.join();
    let n = size(d.path(), "prod");
    assert!(n >= acked, "lost acknowledged events: {n} < {acked}");
    assert_eq!(n % 50, 0, "a partial batch was committed: {n}");
    let o = run(&["ledger", "verify", "prod", "--dir", dir], None);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn concurrent_appenders_never_fork() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_str().unwrap();
    run(&["ledger", "init", "prod", "--dir", dir], None);
    let input: String = (0..200).map(|i| ev("prod", i) + "\n").collect();
    let children: Vec<_> = (0..4)
        .map(|_| {
            let mut c = bin()
                .args([
                    "ledger",
                    "--dir",
                    dir,
                    "append",
                    "prod",
                    "--batch-size",
                    "10",
                    "--checkpoint",
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            c.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
            c
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_eq!(size(d.path(), "prod"), 800);
    let o = run(&["ledger", "verify", "prod", "--dir", dir], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("80 checkpoints"), "{}", text(&o));
}

#[test]
fn dir_comes_from_envguard_toml_when_not_given() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("envguard.toml"),
        "[ledger]\ndir = \"audit/ledgers\"\n",
    )
    .unwrap();
    let o = bin()
        .args(["ledger", "init", "dev"])
        .current_dir(d.path())
        .env_remove("ENVGUARD_LEDGER_DIR")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(d.path().join("audit/ledgers").is_dir(), "{}", text(&o));
    // --dir still wins
    let o = bin()
        .args(["ledger", "--dir", "other", "init", "dev"])
        .current_dir(d.path())
        .env_remove("ENVGUARD_LEDGER_DIR")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(d.path().join("other").is_dir());
    // a bad envguard.toml is an error, not silently ignored
    std::fs::write(d.path().join("envguard.toml"), "[ledger]\nroot = 1\n").unwrap();
    let o = bin()
        .args(["ledger", "stats", "dev"])
        .current_dir(d.path())
        .env_remove("ENVGUARD_LEDGER_DIR")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}
