#![allow(clippy::unwrap_used)]

//! The ledger's test suite, run against both stores: each test in `both!`
//! becomes `<name>::sqlite` and `<name>::postgres` (a throwaway cluster from
//! scripts/pg.sh, one database per ledger directory).

mod support;

use envguard_ledger::export::{export, verify_export, ExportFilter, ExportFormat};
use envguard_ledger::ledger::{DB_FILE, KEY_FILE};
use envguard_ledger::postgres::PostgresStore;
use envguard_ledger::sqlite::SqliteStore;
use envguard_ledger::{Backend, Ledger, LedgerConfig, LedgerError, PiiPolicy};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::pg::{cluster, PgCluster};

/// Which store a test runs on; for PostgreSQL, a database per ledger directory.
struct Ctx {
    pg: Option<Arc<PgCluster>>,
    dbs: RefCell<HashMap<PathBuf, String>>,
}

impl Ctx {
    fn sqlite() -> Ctx {
        Ctx {
            pg: None,
            dbs: RefCell::default(),
        }
    }

    fn postgres() -> Ctx {
        Ctx {
            pg: Some(cluster()),
            dbs: RefCell::default(),
        }
    }

    fn backend(&self, dir: &Path) -> Backend {
        match &self.pg {
            None => Backend::Sqlite,
            Some(pg) => Backend::Postgres(
                self.dbs
                    .borrow_mut()
                    .entry(dir.to_owned())
                    .or_insert_with(|| pg.fresh_db())
                    .clone(),
            ),
        }
    }

    fn init(&self, dir: &Path, cfg: LedgerConfig) -> Result<Ledger, LedgerError> {
        Ledger::init_in(dir, cfg, &self.backend(dir))
    }

    fn open(&self, dir: &Path, env: &str) -> Ledger {
        Ledger::open_in(dir, env, &self.backend(dir)).unwrap()
    }

    /// Runs tampering SQL with the immutability triggers dropped.
    fn raw(&self, dir: &Path, env: &str, sqlite: &str, postgres: &str) {
        match self.backend(dir) {
            Backend::Sqlite => {
                let s = SqliteStore::open(&dir.join(env).join(DB_FILE)).unwrap();
                s.connection()
                    .execute_batch(&format!("DROP TRIGGER IF EXISTS entries_immutable; DROP TRIGGER IF EXISTS payload_only_pruned; DROP TRIGGER IF EXISTS nodes_append_only; DROP TRIGGER IF EXISTS checkpoints_append_only; {sqlite}"))
                    .unwrap();
            }
            Backend::Postgres(url) => {
                let s = PostgresStore::open(&url, env, false).unwrap();
                s.execute_batch(&format!("DROP TRIGGER entries_immutable ON entries; DROP TRIGGER payload_only_pruned ON entries; DROP TRIGGER nodes_append_only ON nodes; DROP TRIGGER checkpoints_append_only ON checkpoints; {postgres}"))
                    .unwrap();
            }
        }
    }
}

/// Each test once per store.
macro_rules! both {
    ($($(#[$m:meta])* fn $name:ident($c:ident) $body:block)*) => {$(
        $(#[$m])*
        mod $name {
            use super::*;
            fn run($c: &Ctx) $body
            #[test]
            fn sqlite() {
                run(&Ctx::sqlite())
            }
            #[test]
            fn postgres() {
                run(&Ctx::postgres())
            }
        }
    )*};
}

fn ev(env: &str, i: u64) -> Value {
    json!({"environment": env, "tenant_id": format!("t{}", i % 3), "timestamp_utc": "2026-01-02T03:04:05Z",
           "kind": "ai", "actor_role": "clinician", "model_version": "m-1", "prompt": format!("question {i}"), "response": "ok"})
}

fn ledger_with(c: &Ctx, dir: &Path, env: &str, n: u64) -> Ledger {
    let mut l = c.init(dir, LedgerConfig::defaults(env)).unwrap();
    l.append("operator", (0..n).map(|i| ev(env, i)).collect(), 1, true)
        .unwrap();
    l
}

fn verify_err(c: &Ctx, dir: &Path, env: &str) -> envguard_ledger::VerifyFailure {
    c.open(dir, env).verify_quiet().unwrap().unwrap_err()
}

/// A screen that fails hard on one word, standing in for a bug in a detector.
struct PanickyScreen;

impl envguard_ledger::PiiScreen for PanickyScreen {
    fn detect(&self, text: &str) -> Vec<envguard_ledger::pii::PiiHit> {
        assert!(!text.contains("boom"), "detector bug");
        Vec::new()
    }
}

const PG_ZERO32: &str = "decode(repeat('00', 32), 'hex')";

both! {
    /// Several writers, each with its own connection (its own session, as
    /// separate processes or machines would have), append at once: the tree
    /// never forks. Every batch lands whole in a range of its own, the ranges
    /// tile the ledger, and the result verifies.
    fn concurrent_appenders_never_fork(c) {
        let d = tempfile::tempdir().unwrap();
        drop(c.init(d.path(), LedgerConfig::defaults("prod")).unwrap());
        let (writers, batches, per) = (4u64, 12u64, 25u64);
        let backend = c.backend(d.path());
        let mut ranges: Vec<(u64, u64)> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..writers)
                .map(|w| {
                    let (dir, backend) = (d.path(), backend.clone());
                    s.spawn(move || {
                        let mut l = Ledger::open_in(dir, "prod", &backend).unwrap();
                        (0..batches)
                            .map(|b| {
                                let evs = (0..per).map(|i| ev("prod", (w * 1000) + b * per + i)).collect();
                                let o = l.append("app", evs, 1, b % 4 == 0).unwrap();
                                assert_eq!(o.count, per);
                                (o.first_index, o.tree_size)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        ranges.sort();
        let mut next = 0;
        for (first, end) in &ranges {
            assert_eq!((*first, *end), (next, next + per), "batches overlap or leave gaps");
            next = *end;
        }
        assert_eq!(next, writers * batches * per);
        let l = c.open(d.path(), "prod");
        let r = l.verify_quiet().unwrap().unwrap();
        assert_eq!(r.entries, writers * batches * per);
        assert_eq!(r.checkpoints, writers * batches.div_ceil(4));
    }

fn clean_ledger_verifies(c) {
    let d = tempfile::tempdir().unwrap();
    let mut l = ledger_with(c, d.path(), "prod", 37);
    let r = l.verify("auditor").unwrap().unwrap();
    assert_eq!(r.entries, 38); // 37 + its own audit event
    assert_eq!(r.checkpoints, 1);
}

fn tampered_payload_is_named(c) {
    let d = tempfile::tempdir().unwrap();
    ledger_with(c, d.path(), "prod", 20);
    c.raw(d.path(), "prod", "UPDATE entries SET payload = CAST(REPLACE(CAST(payload AS TEXT), 'question 7', 'question 8') AS BLOB) WHERE idx = 7;",
        "UPDATE entries SET payload = convert_to(replace(convert_from(payload, 'UTF8'), 'question 7', 'question 8'), 'UTF8') WHERE idx = 7;");
    let f = verify_err(c, d.path(), "prod");
    assert_eq!(f.entry, Some(7), "{f}");
    assert!(f.message.contains("entry 7"), "{f}");
}

fn tampered_leaf_hash_is_named(c) {
    let d = tempfile::tempdir().unwrap();
    ledger_with(c, d.path(), "prod", 20);
    c.raw(
        d.path(),
        "prod",
        "UPDATE entries SET leaf_hash = zeroblob(32) WHERE idx = 11;",
        &format!("UPDATE entries SET leaf_hash = {PG_ZERO32} WHERE idx = 11;"),
    );
    let f = verify_err(c, d.path(), "prod");
    assert_eq!(f.entry, Some(11), "{f}");
}

fn tampered_node_is_named(c) {
    let d = tempfile::tempdir().unwrap();
    ledger_with(c, d.path(), "prod", 20);
    // level 1, index 3 covers entries 6..=7
    let id = (1u64 << 48) | 3;
    c.raw(
        d.path(),
        "prod",
        &format!("UPDATE nodes SET hash = zeroblob(32) WHERE id = {id};"),
        &format!("UPDATE nodes SET hash = {PG_ZERO32} WHERE id = {id};"),
    );
    let f = verify_err(c, d.path(), "prod");
    assert_eq!(f.entry, Some(6), "{f}");
}

fn tampered_checkpoint_and_signature_fail(c) {
    let d = tempfile::tempdir().unwrap();
    ledger_with(c, d.path(), "prod", 5);
    c.raw(d.path(), "prod", "UPDATE checkpoints SET note = REPLACE(note, char(10) || '5' || char(10), char(10) || '4' || char(10));",
        "UPDATE checkpoints SET note = replace(note, chr(10) || '5' || chr(10), chr(10) || '4' || chr(10));");
    let f = verify_err(c, d.path(), "prod");
    assert!(f.message.contains("checkpoint at size 5"), "{f}");

    let d = tempfile::tempdir().unwrap();
    let l = ledger_with(c, d.path(), "prod", 5);
    // Flip one base64 character of the signature (the last line's 20th char).
    let note = l.store().latest_checkpoint().unwrap().unwrap().note;
    drop(l);
    let cut = note.rfind(' ').unwrap() + 20;
    let mut b = note.clone().into_bytes();
    b[cut] = if b[cut] == b'A' { b'B' } else { b'A' };
    let bad = String::from_utf8(b).unwrap();
    let set = format!(
        "UPDATE checkpoints SET note = '{}';",
        bad.replace('\'', "''")
    );
    c.raw(d.path(), "prod", &set, &set);
    let f = verify_err(c, d.path(), "prod");
    assert!(
        f.message.contains("signature") || f.message.contains("no signature"),
        "{f}"
    );

    // A checkpoint row whose root differs from the tree.
    let d = tempfile::tempdir().unwrap();
    ledger_with(c, d.path(), "prod", 5);
    c.raw(
        d.path(),
        "prod",
        "UPDATE checkpoints SET root = zeroblob(32);",
        &format!("UPDATE checkpoints SET root = {PG_ZERO32};"),
    );
    let f = verify_err(c, d.path(), "prod");
    assert!(f.message.contains("checkpoint at size 5"), "{f}");
}

fn schema_and_environment_errors_write_nothing(c) {
    let d = tempfile::tempdir().unwrap();
    let mut l = ledger_with(c, d.path(), "prod", 3);
    let mut no_tenant = ev("prod", 9);
    no_tenant.as_object_mut().unwrap().remove("tenant_id");
    let e = l
        .append("operator", vec![ev("prod", 8), no_tenant], 1, false)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("event 2: R03 $.tenant_id: missing required field"),
        "{e}"
    );
    let e = l
        .append("operator", vec![ev("test", 8)], 1, false)
        .unwrap_err();
    assert!(e.to_string().contains("R03 $.environment"), "{e}");
    assert_eq!(l.store().size().unwrap(), 3);
}

/// A batch large enough to be prepared in pieces while the store writes the
/// pieces before it stores exactly what the same events appended a hundred at
/// a time (prepared, then written) do: same entries, same tree, same count of
/// redactions.
fn large_batches_store_what_small_ones_do(c) {
    let d = tempfile::tempdir().unwrap();
    let mut cfg = LedgerConfig::defaults("dev");
    cfg.pii_policy = PiiPolicy::Redact;
    let events: Vec<Value> = (0..1000)
        .map(|i| {
            let mut e = ev("dev", i);
            if i % 97 == 5 {
                e["prompt"] = json!(format!("iqama 2000000006, question {i}"));
            }
            e
        })
        .collect();
    let mut big = c.init(&d.path().join("big"), cfg.clone()).unwrap();
    let out = big.append("operator", events.clone(), 1, true).unwrap();
    let mut small = c.init(&d.path().join("small"), cfg).unwrap();
    let (mut redacted, mut root) = (0, String::new());
    for c in events.chunks(100) {
        let o = small.append("operator", c.to_vec(), 1, false).unwrap();
        redacted += o.redacted;
        root = o.root;
    }
    assert_eq!((out.first_index, out.count, out.tree_size), (0, 1000, 1000));
    assert_eq!(out.root, root);
    assert_eq!(redacted, 11);
    assert_eq!(out.redacted, redacted);
    for i in [0, 5, 127, 128, 255, 256, 500, 975, 999] {
        let (a, b) = (
            big.store().entry(i).unwrap().unwrap(),
            small.store().entry(i).unwrap().unwrap(),
        );
        assert_eq!(
            (a.leaf_hash, &a.payload),
            (b.leaf_hash, &b.payload),
            "entry {i}"
        );
    }
    let text = String::from_utf8(big.store().entry(5).unwrap().unwrap().payload.unwrap()).unwrap();
    assert!(text.contains("[REDACTED:SA_NATIONAL_ID]") && !text.contains("2000000006"));
    let r = big.verify_quiet().unwrap().unwrap();
    assert_eq!((r.entries, r.checkpoints), (1000, 1));
}

/// In a large batch, the first bad event is the one named, whichever piece
/// it falls in, and nothing of the batch is written.
fn a_bad_event_in_a_large_batch_writes_nothing(c) {
    let d = tempfile::tempdir().unwrap();
    let mut l = ledger_with(c, d.path(), "prod", 3);
    let mut batch: Vec<Value> = (0..1000).map(|i| ev("prod", i)).collect();
    batch[700].as_object_mut().unwrap().remove("tenant_id");
    batch[300]["environment"] = json!("test");
    let e = l.append("operator", batch.clone(), 11, false).unwrap_err();
    assert!(
        e.to_string().starts_with("event 311: R03 $.environment"),
        "{e}"
    );
    batch[300] = ev("prod", 300);
    let e = l.append("operator", batch.clone(), 11, false).unwrap_err();
    assert!(
        e.to_string().starts_with("event 711: R03 $.tenant_id"),
        "{e}"
    );
    assert_eq!(l.store().size().unwrap(), 3);
    batch[700] = ev("prod", 700);
    let out = l.append("operator", batch, 11, false).unwrap();
    assert_eq!((out.first_index, out.tree_size), (3, 1003));
    assert!(l.verify_quiet().unwrap().is_ok());
}

/// A worker that panics while preparing a piece of a large batch makes the
/// append fail, with nothing written, instead of bringing the caller down.
fn a_panic_while_preparing_a_large_batch_is_an_error(c) {
    let d = tempfile::tempdir().unwrap();
    let mut l = c.init(d.path(), LedgerConfig::defaults("dev")).unwrap();
    l.set_pii_screen(Box::new(PanickyScreen));
    let mut batch: Vec<Value> = (0..600).map(|i| ev("dev", i)).collect();
    batch[450]["prompt"] = json!("boom");
    let e = l.append("operator", batch.clone(), 1, false).unwrap_err();
    assert!(e.to_string().contains("event preparation panicked"), "{e}");
    assert_eq!(l.store().size().unwrap(), 0);
    batch[450] = ev("dev", 450);
    assert_eq!(l.append("operator", batch, 1, false).unwrap().count, 600);
}

fn dev_test_pii_is_refused_or_redacted(c) {
    let d = tempfile::tempdir().unwrap();
    let mut t = c.init(d.path(), LedgerConfig::defaults("test")).unwrap();
    assert_eq!(t.config().pii_policy, PiiPolicy::Reject);
    let mut e = ev("test", 1);
    e["prompt"] = json!("patient national id 1000000008");
    let err = t.append("operator", vec![e.clone()], 1, false).unwrap_err();
    assert!(matches!(err, LedgerError::Pii { .. }), "{err}");
    assert!(err.to_string().contains("$.prompt") && !err.to_string().contains("1000000008"));
    assert_eq!(t.store().size().unwrap(), 0);

    let mut cfg = LedgerConfig::defaults("dev");
    cfg.pii_policy = PiiPolicy::Redact;
    let mut dv = c.init(d.path(), cfg).unwrap();
    let mut e = ev("dev", 1);
    e["prompt"] = json!("iqama 2000000006 mail x@example.com");
    let out = dv.append("operator", vec![e], 1, false).unwrap();
    assert_eq!(out.redacted, 2);
    let row = dv.store().entry(0).unwrap().unwrap();
    let text = String::from_utf8(row.payload.unwrap()).unwrap();
    assert!(
        !text.contains("2000000006") && text.contains("[REDACTED:SA_NATIONAL_ID]"),
        "{text}"
    );

    // prod stores as given
    let mut p = c.init(d.path(), LedgerConfig::defaults("prod")).unwrap();
    let mut e = ev("prod", 1);
    e["prompt"] = json!("id 1000000008");
    p.append("operator", vec![e], 1, false).unwrap();
}

fn dev_iban_and_email_are_refused_or_redacted(c) {
    let d = tempfile::tempdir().unwrap();
    let mut dv = c.init(d.path(), LedgerConfig::defaults("dev")).unwrap();
    let mut e = ev("dev", 1);
    e["response"] = json!("refund to SA0380000000608010167519");
    let err = dv.append("operator", vec![e], 1, false).unwrap_err();
    assert!(
        matches!(err, LedgerError::Pii { .. }) && err.to_string().contains("IBAN"),
        "{err}"
    );
    let mut e = ev("dev", 1);
    e["prompt"] = json!("write to nora@clinic.sa");
    let err = dv.append("operator", vec![e], 1, false).unwrap_err();
    assert!(err.to_string().contains("EMAIL"), "{err}");
    assert_eq!(dv.store().size().unwrap(), 0);

    let mut cfg = LedgerConfig::defaults("test");
    cfg.pii_policy = PiiPolicy::Redact;
    let mut t = c.init(d.path(), cfg).unwrap();
    let mut e = ev("test", 1);
    e["prompt"] = json!("iban SA0380000000608010167519 mail nora@clinic.sa");
    assert_eq!(t.append("operator", vec![e], 1, false).unwrap().redacted, 2);
    let row = t.store().entry(0).unwrap().unwrap();
    let text = String::from_utf8(row.payload.unwrap()).unwrap();
    assert!(
        text.contains("[REDACTED:IBAN]")
            && text.contains("[REDACTED:EMAIL]")
            && !text.contains("SA0380000000608010167519")
            && !text.contains("nora@"),
        "{text}"
    );
}

fn access_policy_and_audit_of_reads(c) {
    let d = tempfile::tempdir().unwrap();
    let mut l = ledger_with(c, d.path(), "prod", 4);
    assert!(matches!(
        l.append("auditor", vec![ev("prod", 1)], 1, false),
        Err(LedgerError::Denied { .. })
    ));
    assert!(matches!(l.prove("app", 0), Err(LedgerError::Denied { .. })));
    let before = l.store().size().unwrap();
    l.prove("auditor", 1).unwrap();
    let after = l.store().size().unwrap();
    assert_eq!(after, before + 1);
    let row = l.store().entry(before).unwrap().unwrap();
    let v: Value = serde_json::from_slice(&row.payload.unwrap()).unwrap();
    assert_eq!(v["action"], "ledger.prove");
    assert_eq!(v["actor_role"], "auditor");
}

fn prune_keeps_proofs_valid(c) {
    let d = tempfile::tempdir().unwrap();
    let mut l = ledger_with(c, d.path(), "prod", 10);
    let old_cp = l.store().latest_checkpoint().unwrap().unwrap();
    // 2026-01-02 + 800 days is past the 730-day retention.
    let n = l.prune("operator", 1_767_323_045 + 800 * 86_400).unwrap();
    assert_eq!(n, 10);
    let r = l.verify("auditor").unwrap().unwrap();
    assert_eq!(r.pruned, 10);
    let p = l.inclusion_at(3, &old_cp).unwrap();
    assert_eq!(p.tree_size, 10);
    let mut buf = Vec::new();
    export(
        &mut l,
        "auditor",
        &ExportFilter::default(),
        ExportFormat::Jsonl,
        &mut buf,
    )
    .unwrap();
    let rep = verify_export(&mut buf.as_slice(), Some(l.verifier_key())).unwrap();
    assert_eq!(rep.pruned, 10);
}

fn export_verifies_offline_and_tampering_is_named(c) {
    let d = tempfile::tempdir().unwrap();
    let mut l = ledger_with(c, d.path(), "prod", 12);
    l.checkpoint("operator").unwrap();
    l.append("operator", vec![ev("prod", 99)], 1, true).unwrap();
    for format in [ExportFormat::Jsonl, ExportFormat::Csv] {
        let mut buf = Vec::new();
        let filter = ExportFilter {
            tenant: Some("t1".into()),
            ..Default::default()
        };
        let n = export(&mut l, "auditor", &filter, format, &mut buf).unwrap();
        assert_eq!(n, 4);
        let key = l.verifier_key().to_owned();
        let rep = verify_export(&mut buf.as_slice(), Some(&key)).unwrap();
        assert_eq!(rep.entries, 4);
        assert!(rep.checkpoints >= 2);
        let text = String::from_utf8(buf).unwrap();
        let bad = text.replacen("question 4", "question 5", 1);
        let f = verify_export(&mut bad.as_bytes(), Some(&key)).unwrap_err();
        assert_eq!(f.entry, Some(4), "{f}");
        // Another key: refused.
        let other = "other+4b3bd3f8+AWsnY+yO0eMvdZ4O+N4YMqFUv7jHa1m3cMz/NQXp4Vzh";
        if let Ok(v) = envguard_ledger::note::Ed25519Verifier::from_verifier_key(other) {
            let _ = v;
            assert!(verify_export(&mut text.as_bytes(), Some(other)).is_err());
        }
    }
}

fn leaves_are_found_by_hash_across_epochs(c) {
    let d = tempfile::tempdir().unwrap();
    let mut l = c.init(d.path(), LedgerConfig::defaults("prod")).unwrap();
    // more than two `leaf_keys` epochs, and one event appended twice
    for b in 0..20u64 {
        l.append(
            "operator",
            (b * 1000..(b + 1) * 1000).map(|i| ev("prod", i)).collect(),
            1,
            false,
        )
        .unwrap();
    }
    l.append("operator", vec![ev("prod", 17_123)], 1, false)
        .unwrap();
    let s = l.store();
    for i in [0, 1, 8191, 8192, 12_345, 16_384, 19_999] {
        let leaf = s.entry(i).unwrap().unwrap().leaf_hash;
        assert_eq!(s.find_leaf(&leaf).unwrap(), Some(i));
    }
    // the duplicate resolves to its first occurrence
    let dup = s.entry(20_000).unwrap().unwrap().leaf_hash;
    assert_eq!(s.find_leaf(&dup).unwrap(), Some(17_123));
    assert_eq!(
        s.find_leaf(&envguard_ledger::merkle::leaf_hash(b"absent"))
            .unwrap(),
        None
    );
}

}

#[cfg(unix)]
#[test]
fn files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    ledger_with(&Ctx::sqlite(), d.path(), "prod", 1);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&d.path().join("prod")), 0o700);
    assert_eq!(mode(&d.path().join("prod").join(KEY_FILE)), 0o600);
    assert_eq!(mode(&d.path().join("prod").join(DB_FILE)), 0o600);
}

#[test]
fn older_stores_are_migrated_and_leaves_found_by_hash() {
    use envguard_ledger::sqlite::STORE_SCHEMA_VERSION;
    use envguard_ledger::store::Store;
    let version = |s: &SqliteStore| -> String {
        s.connection()
            .query_row(
                "SELECT value FROM meta WHERE key = 'store_schema_version'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    // turn a current file back into version 1 (whole-hash index on entries)
    // or version 2 (`leaf_keys(key, idx)`)
    let v1 = "DROP TABLE leaf_keys; CREATE INDEX entries_leaf ON entries(leaf_hash);
              UPDATE meta SET value = '1' WHERE key = 'store_schema_version';";
    let v2 = "DROP TABLE leaf_keys;
              CREATE TABLE leaf_keys(key INTEGER NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY(key, idx)) WITHOUT ROWID;
              UPDATE meta SET value = '2' WHERE key = 'store_schema_version';";
    for downgrade in [v1, v2] {
        let d = tempfile::tempdir().unwrap();
        let l = ledger_with(&Ctx::sqlite(), d.path(), "prod", 5);
        let leaf = l.store().entry(3).unwrap().unwrap().leaf_hash;
        assert_eq!(l.store().find_leaf(&leaf).unwrap(), Some(3));
        drop(l);
        let db = d.path().join("prod").join(DB_FILE);
        SqliteStore::open(&db)
            .unwrap()
            .connection()
            .execute_batch(downgrade)
            .unwrap();
        let s = SqliteStore::open(&db).unwrap();
        assert_eq!(version(&s), STORE_SCHEMA_VERSION);
        assert_eq!(s.find_leaf(&leaf).unwrap(), Some(3));
        drop(s);
        let mut l = Ledger::open(d.path(), "prod").unwrap();
        l.append("operator", vec![ev("prod", 9)], 1, true).unwrap();
        assert!(l.verify_quiet().unwrap().is_ok());
    }
}

#[test]
fn newer_store_is_refused() {
    let d = tempfile::tempdir().unwrap();
    drop(ledger_with(&Ctx::sqlite(), d.path(), "prod", 2));
    let db = d.path().join("prod").join(DB_FILE);
    SqliteStore::open(&db)
        .unwrap()
        .connection()
        .execute_batch("UPDATE meta SET value = '99' WHERE key = 'store_schema_version';")
        .unwrap();
    let e = SqliteStore::open(&db).err().unwrap().to_string();
    assert!(e.contains("version 99"), "{e}");
}

/// PostgreSQL: a second `init` of an environment whose schema holds entries is
/// refused (another directory's key would sign over them), a fresh database
/// is not, and a schema of a newer store version is refused on open.
#[test]
fn postgres_init_refuses_a_used_schema_and_newer_versions() {
    let pg = cluster();
    let url = pg.fresh_db();
    let backend = Backend::Postgres(url.clone());
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut l = Ledger::init_in(a.path(), LedgerConfig::defaults("prod"), &backend).unwrap();
    l.append("operator", vec![ev("prod", 1)], 1, false).unwrap();
    let e = Ledger::init_in(b.path(), LedgerConfig::defaults("prod"), &backend)
        .err()
        .unwrap();
    assert!(
        matches!(e, LedgerError::Exists { .. }) && e.to_string().contains("\"ledger_prod\""),
        "{e}"
    );
    assert!(!b.path().join("prod").exists());
    // another environment in the same database is its own schema
    Ledger::init_in(b.path(), LedgerConfig::defaults("staging"), &backend).unwrap();
    // a fresh database takes the same environment
    let other = Backend::Postgres(pg.fresh_db());
    Ledger::init_in(b.path(), LedgerConfig::defaults("prod"), &other).unwrap();

    drop(l);
    let s = PostgresStore::open(&url, "prod", false).unwrap();
    s.execute_batch("UPDATE meta SET value = '99' WHERE key = 'store_schema_version'")
        .unwrap();
    drop(s);
    let e = PostgresStore::open(&url, "prod", false)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("version 99"), "{e}");
}
