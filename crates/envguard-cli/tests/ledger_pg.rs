#![allow(clippy::unwrap_used)]

//! The ledger on PostgreSQL through the real binary: `ledger migrate` from
//! SQLite with equal roots, verify/prove/export on the copy, several append
//! processes at once, and the URL settings. A throwaway cluster from
//! scripts/pg.sh serves the whole test binary.

#[path = "../../envguard-ledger/tests/support/pg.rs"]
mod pg;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn run_in(cwd: Option<&Path>, args: &[&str], stdin: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_envguard"));
    if let Some(d) = cwd {
        c.current_dir(d);
    }
    c.args(args)
        .env_remove("ENVGUARD_LEDGER_URL")
        .env_remove("ENVGUARD_LEDGER_DIR")
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

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    run_in(None, args, stdin)
}

fn ev(env: &str, i: usize) -> String {
    format!(
        r#"{{"environment":"{env}","tenant_id":"t{}","timestamp_utc":"2026-01-02T03:04:05Z","kind":"ai","actor_role":"clinician","model_version":"m-1","prompt":"q{i}","response":"a"}}"#,
        i % 3
    )
}

fn jsonl(env: &str, range: std::ops::Range<usize>) -> String {
    range.map(|i| ev(env, i) + "\n").collect()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8(o.stdout).unwrap()
}

/// The root a `verify` line reports.
fn root_of(verify_line: &str) -> String {
    verify_line
        .rsplit("root ")
        .next()
        .unwrap()
        .trim()
        .to_owned()
}

#[test]
fn migrate_copies_sqlite_with_equal_roots_and_the_copy_works() {
    let c = pg::cluster();
    let url = c.fresh_db();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_str().unwrap();
    ok(run(&["ledger", "--dir", dir, "init", "prod"], None));
    ok(run(
        &[
            "ledger",
            "--dir",
            dir,
            "append",
            "prod",
            "--batch-size",
            "40",
            "--checkpoint",
        ],
        Some(&jsonl("prod", 0..100)),
    ));
    // Prune everything (800 days on): pruned entries migrate as leaf hashes.
    ok(run(
        &[
            "ledger",
            "--dir",
            dir,
            "prune",
            "prod",
            "--now",
            "2028-03-12T00:00:00Z",
        ],
        None,
    ));
    ok(run(
        &[
            "ledger",
            "--dir",
            dir,
            "append",
            "prod",
            &ev("prod", 100),
            "--checkpoint",
        ],
        None,
    ));
    let sqlite_verify = ok(run(&["ledger", "--dir", dir, "verify", "prod"], None));

    let out = ok(run(
        &["ledger", "--dir", dir, "migrate", "prod", "--to", &url],
        None,
    ));
    let m: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(m["roots_equal"], true, "{m}");
    assert_eq!(m["source_root"], m["postgres_root"], "{m}");
    assert_eq!(m["schema"], "ledger_prod");
    assert_eq!(m["pruned"], 100, "{m}");
    assert_eq!(m["checkpoints"], 4, "{m}"); // three batches and the single event

    // The copy verifies, proves and exports as the SQLite ledger did.
    let pg_verify = ok(run(
        &["ledger", "--dir", dir, "--url", &url, "verify", "prod"],
        None,
    ));
    assert!(
        pg_verify.starts_with("ok: prod ledger verifies"),
        "{pg_verify}"
    );
    // 101 events and the prune and verify audit events; the SQLite verify's
    // root covers exactly these 103 entries.
    assert_eq!(m["entries"].as_u64().unwrap(), 103);
    assert_eq!(m["postgres_root"], root_of(&sqlite_verify).as_str(), "{m}");
    // The copy's first new entry is its own migration record.
    let o = ok(run(
        &[
            "ledger", "--dir", dir, "--url", &url, "export", "prod", "--kind", "audit",
        ],
        None,
    ));
    assert!(o.contains("ledger.migrate"), "{o}");
    let p = ok(run(
        &[
            "ledger", "--dir", dir, "--url", &url, "prove", "prod", "--index", "7",
        ],
        None,
    ));
    assert!(p.contains("\"tree_size\""), "{p}");
    let export = d.path().join("prod.jsonl");
    ok(run(
        &[
            "ledger",
            "--dir",
            dir,
            "--url",
            &url,
            "export",
            "prod",
            "-o",
            export.to_str().unwrap(),
        ],
        None,
    ));
    let v = ok(run(
        &["ledger", "verify", "--export", export.to_str().unwrap()],
        None,
    ));
    assert!(v.starts_with("ok: export of prod verifies"), "{v}");
    // Appends now go to PostgreSQL, not to the SQLite file.
    ok(run(
        &[
            "ledger",
            "--dir",
            dir,
            "--url",
            &url,
            "append",
            "prod",
            &ev("prod", 200),
        ],
        None,
    ));
    let pg_stats = ok(run(
        &["ledger", "--dir", dir, "--url", &url, "stats", "prod"],
        None,
    ));
    let sq_stats = ok(run(&["ledger", "--dir", dir, "stats", "prod"], None));
    let n = |s: &str| {
        serde_json::from_str::<serde_json::Value>(s).unwrap()["entries"]
            .as_u64()
            .unwrap()
    };
    assert!(n(&pg_stats) > n(&sq_stats), "{pg_stats} vs {sq_stats}");

    // A second migration into the same database is refused, naming the schema.
    let o = run(
        &["ledger", "--dir", dir, "migrate", "prod", "--to", &url],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("\"ledger_prod\" already holds"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_tampered_sqlite_ledger_is_not_migrated() {
    let c = pg::cluster();
    let url = c.fresh_db();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_str().unwrap();
    ok(run(&["ledger", "--dir", dir, "init", "prod"], None));
    ok(run(
        &["ledger", "--dir", dir, "append", "prod"],
        Some(&jsonl("prod", 0..10)),
    ));
    let db = d.path().join("prod").join("ledger.sqlite");
    let st = Command::new("python3")
        .arg("-c")
        .arg("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('DROP TRIGGER entries_immutable'); c.execute(\"UPDATE entries SET tenant_id='x', leaf_hash=zeroblob(32) WHERE idx=4\"); c.commit()")
        .arg(&db)
        .status()
        .unwrap();
    assert!(st.success());
    let o = run(
        &["ledger", "--dir", dir, "migrate", "prod", "--to", &url],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("does not verify, nothing was copied"),
        "{}",
        text(&o)
    );
    // Nothing was created in PostgreSQL.
    let o = run(
        &["ledger", "--dir", dir, "--url", &url, "stats", "prod"],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("no ledger schema \"ledger_prod\""),
        "{}",
        text(&o)
    );
}

/// Several `ledger append` processes at once on one PostgreSQL ledger: every
/// batch commits whole, the sizes add up and the tree verifies.
#[test]
fn concurrent_append_processes_never_fork() {
    let c = pg::cluster();
    let url = c.fresh_db();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_str().unwrap();
    ok(run(
        &["ledger", "--dir", dir, "--url", &url, "init", "staging"],
        None,
    ));
    let (procs, per) = (4, 200);
    let children: Vec<_> = (0..procs)
        .map(|p| {
            let mut c = Command::new(env!("CARGO_BIN_EXE_envguard"));
            c.args([
                "ledger",
                "--dir",
                dir,
                "--url",
                &url,
                "--role",
                "app",
                "append",
                "staging",
                "--batch-size",
                "20",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
            let mut child = c.spawn().unwrap();
            let mut input = child.stdin.take().unwrap();
            input
                .write_all(jsonl("staging", p * per..(p + 1) * per).as_bytes())
                .unwrap();
            drop(input);
            child
        })
        .collect();
    let mut ranges = Vec::new();
    for child in children {
        let out = ok(child.wait_with_output().unwrap());
        for line in out.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            ranges.push((
                v["first_index"].as_u64().unwrap(),
                v["tree_size"].as_u64().unwrap(),
            ));
        }
    }
    ranges.sort();
    let mut next = 0;
    for (first, end) in &ranges {
        assert_eq!((*first, *end), (next, next + 20), "{ranges:?}");
        next = *end;
    }
    assert_eq!(next, (procs * per) as u64);
    let v = ok(run(
        &["ledger", "--dir", dir, "--url", &url, "verify", "staging"],
        None,
    ));
    assert!(
        v.starts_with(&format!(
            "ok: staging ledger verifies: {} entries",
            procs * per + 1
        )),
        "{v}"
    );
}

#[test]
fn ledger_url_from_envguard_toml_and_bad_urls() {
    let c = pg::cluster();
    let url = c.fresh_db();
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("envguard.toml"),
        format!("[ledger]\ndir = \"ledgers\"\nurl = \"{url}\"\n"),
    )
    .unwrap();
    ok(run_in(Some(d.path()), &["ledger", "init", "dev"], None));
    assert!(!d.path().join("ledgers/dev/ledger.sqlite").exists());
    ok(run_in(
        Some(d.path()),
        &["ledger", "append", "dev", &ev("dev", 1)],
        None,
    ));
    let v = ok(run_in(Some(d.path()), &["ledger", "verify", "dev"], None));
    assert!(v.starts_with("ok: dev ledger verifies: 2 entries"), "{v}");

    // A password in the checked-in file is refused, and not echoed.
    let with_pw = url.replacen("envguard@", "envguard:hunter2-secret@", 1);
    std::fs::write(
        d.path().join("envguard.toml"),
        format!("[ledger]\ndir = \"ledgers\"\nurl = \"{with_pw}\"\n"),
    )
    .unwrap();
    let o = run_in(Some(d.path()), &["ledger", "verify", "dev"], None);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("[ledger] url holds a password"),
        "{}",
        text(&o)
    );
    assert!(!text(&o).contains("hunter2"), "{}", text(&o));

    // Not a PostgreSQL URL; an unreachable server (password redacted).
    let o = run(
        &[
            "ledger",
            "--dir",
            "x",
            "--url",
            "mysql://u:pw@h/db",
            "stats",
            "dev",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("only postgres://") && !text(&o).contains(":pw@"),
        "{}",
        text(&o)
    );
    let dd = d.path().join("ledgers");
    let o = run(
        &[
            "ledger",
            "--dir",
            dd.to_str().unwrap(),
            "--url",
            "postgres://u:topsecret@127.0.0.1:1/db",
            "stats",
            "dev",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("cannot connect to postgres://u:***@127.0.0.1:1/db"),
        "{}",
        text(&o)
    );
    assert!(!text(&o).contains("topsecret"), "{}", text(&o));
}
