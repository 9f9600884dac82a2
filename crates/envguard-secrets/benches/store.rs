//! The issue 13 speed targets of the embedded store, measured on a store in
//! a temporary directory (keys in another):
//!
//! - `get` of the current version, p50/p99 (each read is an event in the
//!   environment's ledger);
//! - `put` of a new version, p50/p99, durable (SQLite WAL, `synchronous =
//!   FULL`, and the ledger event, both committed before it returns);
//! - rotation of N secrets (1,000 by default) by SOP 003 §6 with evidence:
//!   random generator, dual-run with a trivial validation command (`true`),
//!   cutover with a trivial health command, revoke, signed §8 evidence
//!   appended to the prod ledger.
//!
//! `cargo bench -p envguard-secrets --bench store` (release profile);
//! `ENVGUARD_BENCH_ROTATIONS=100` for a shorter run.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use envguard_model::SecretKind;
use envguard_secrets::config::{Charset, Generator, SecretSpec, SecretsConfig};
use envguard_secrets::embedded::EmbeddedOptions;
use envguard_secrets::rotate::{rotate, rotate_batch, BatchRequest, RotateRequest, RotationPaths};
use envguard_secrets::{Actor, Backend, EmbeddedStore, Policy, SecretValue, Which};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const POLICY: &str = r#"
[roles.prod-operator]
environment = "prod"
grants = [{ environment = "prod", paths = ["**"], allow = ["read", "write", "rotate", "revoke"] }]
"#;

fn pct(mut d: Vec<Duration>, p: f64) -> Duration {
    d.sort();
    let i = ((d.len() as f64 - 1.0) * p).round() as usize;
    d[i]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let rotations: usize = std::env::var("ENVGUARD_BENCH_ROTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let tmp = tempfile::tempdir().unwrap();
    std::env::set_var("ENVGUARD_SECRETS_HOME", tmp.path().join("home"));
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join("docs")).unwrap();
    std::fs::write(repo.join("docs/rollback.md"), "roll back\n").unwrap();
    let dir = repo.join(".envguard/secrets");
    let ledger_dir = repo.join(".envguard/ledger");
    let mut store = EmbeddedStore::new(EmbeddedOptions {
        dir: dir.clone(),
        ledger_dir: ledger_dir.clone(),
        policy: Some(Policy::parse("policy.toml", POLICY).unwrap()),
        tiers: HashMap::new(),
        due_soon_days: 14,
    });
    let op = Actor::new("prod-operator", "bench");
    store.init(&op, "prod").unwrap();

    // put: durable writes of new versions.
    let mut put = Vec::new();
    for i in 0..1000 {
        let v = SecretValue::new(format!("value-{i:06}-abcdefghijklmnop").into_bytes());
        let name = format!("app/secret-{:03}", i % 100);
        let t = Instant::now();
        store
            .put(&op, "prod", &name, SecretKind::Password, &v)
            .unwrap();
        put.push(t.elapsed());
    }
    // get: current versions.
    let mut get = Vec::new();
    for i in 0..2000 {
        let name = format!("app/secret-{:03}", i % 100);
        let t = Instant::now();
        let (_, v) = store.get(&op, "prod", &name, Which::Current).unwrap();
        get.push(t.elapsed());
        assert!(!v.is_empty());
    }
    // The part of both that is the access log: one durable ledger event.
    let mut ledger = envguard_ledger::Ledger::open(&ledger_dir, "prod").unwrap();
    let mut log = Vec::new();
    for i in 0..500 {
        let t = Instant::now();
        ledger
            .audit(
                "prod-operator",
                "bench.event",
                serde_json::json!({ "i": i }),
            )
            .unwrap();
        log.push(t.elapsed());
    }
    drop(ledger);
    let mut fsync = Vec::new();
    let probe = tmp.path().join("fsync-probe");
    let mut f = std::fs::File::create(&probe).unwrap();
    for _ in 0..200 {
        use std::io::Write;
        f.write_all(b"x").unwrap();
        let t = Instant::now();
        f.sync_all().unwrap();
        fsync.push(t.elapsed());
    }
    println!(
        "fsync of this disk (200):    p50 {}  p99 {}",
        ms(pct(fsync.clone(), 0.5)),
        ms(pct(fsync, 0.99))
    );
    println!(
        "ledger event alone (500):    p50 {}  p99 {}",
        ms(pct(log.clone(), 0.5)),
        ms(pct(log, 0.99))
    );
    println!(
        "put (durable, 1000 ops): p50 {}  p99 {}",
        ms(pct(put.clone(), 0.5)),
        ms(pct(put, 0.99))
    );
    println!(
        "get (2000 ops):          p50 {}  p99 {}",
        ms(pct(get.clone(), 0.5)),
        ms(pct(get, 0.99))
    );

    // Rotation of N secrets with evidence.
    let mut cfg = SecretsConfig {
        rollback_plan: Some("docs/rollback.md".into()),
        rotation_days: 90,
        due_soon_days: 14,
        command_timeout_s: 60,
        ..SecretsConfig::default()
    };
    for i in 0..rotations {
        let name = format!("rot/secret-{i:04}");
        store
            .put(
                &op,
                "prod",
                &name,
                SecretKind::Password,
                &SecretValue::from("initial-value-000"),
            )
            .unwrap();
        cfg.secret.push(SecretSpec {
            environment: "prod".into(),
            name,
            kind: SecretKind::Password,
            generator: Generator::Random {
                length: 32,
                charset: Charset::Alphanumeric,
            },
            consumers: vec!["api".into()],
            validate: Some("true".into()),
            health: Some("true".into()),
            maintenance_window: None,
        });
    }
    let paths = RotationPaths {
        state_dir: dir.join("rotations"),
        evidence_dir: dir.join("evidence"),
        ledger_dir,
        root: repo.clone(),
    };
    // One at a time, the way `rotate ENV NAME` runs (each step its own commits).
    let singles = rotations.min(50);
    let t = Instant::now();
    for i in 0..singles {
        let req = RotateRequest {
            env: "prod".into(),
            name: format!("rot/secret-{i:04}"),
            emergency: false,
            incident: None,
            resume: false,
        };
        rotate(&mut store, &op, &cfg, &paths, &req).unwrap();
    }
    let single = t.elapsed();
    println!(
        "rotation one at a time ({singles} secrets): {:.2} s ({} per rotation)",
        single.as_secs_f64(),
        ms(single / singles.max(1) as u32)
    );
    // All of them as one batch (`rotate prod --all`).
    let req = BatchRequest {
        env: "prod".into(),
        names: (0..rotations)
            .map(|i| format!("rot/secret-{i:04}"))
            .collect(),
        emergency: false,
        incident: None,
        resume: false,
    };
    let t = Instant::now();
    let batch = rotate_batch(&mut store, &op, &cfg, &paths, &req).unwrap();
    let total = t.elapsed();
    assert_eq!(batch.rotations.len(), rotations);
    println!(
        "rotation of {rotations} secrets with evidence, one batch: {:.2} s ({} per rotation)",
        total.as_secs_f64(),
        ms(total / rotations.max(1) as u32)
    );
}
