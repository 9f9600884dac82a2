//! Ledger benchmark (issue 7 §9). Run:
//! `nice cargo run --release -p envguard-ledger --example ledger_bench -- [EVENTS] [URL]`
//! (with a `postgres://` URL, the ledger's entries go to PostgreSQL instead of SQLite).
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use envguard_ledger::merkle::{verify_inclusion, Hash};
use envguard_ledger::{Backend, Ledger, LedgerConfig};
use serde_json::{json, Value};
use std::time::Instant;

fn event(i: u64) -> Value {
    // ~1 KB canonical JSON
    json!({"environment": "prod", "tenant_id": format!("tenant-{}", i % 17),
           "timestamp_utc": "2026-01-02T03:04:05Z", "kind": "ai", "actor_role": "clinician",
           "model_version": "triage-2026.01", "prompt": format!("{i} {}", "p".repeat(480)),
           "response": "r".repeat(420)})
}

/// User and system CPU seconds of this process so far (all threads), where
/// `/proc` has them: on a shared machine CPU time is steadier than wall time.
fn cpu_seconds() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // fields 14 and 15 of proc(5), in clock ticks of 1/100 s
    let tick = |i: usize| f.get(i)?.parse::<f64>().ok().map(|t| t / 100.0);
    Some((tick(11)?, tick(12)?))
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let backend = Backend::from_url(std::env::args().nth(2).as_deref()).unwrap();
    let d = tempfile::tempdir().unwrap();
    let mut l = Ledger::init_in(d.path(), LedgerConfig::defaults("prod"), &backend).unwrap();
    let size1 = envguard_ledger::schema::canonical_bytes(&event(1))
        .unwrap()
        .len();
    let batches: Vec<Vec<Value>> = (0..n / 1000)
        .map(|b| (b * 1000..(b + 1) * 1000).map(event).collect())
        .collect();
    let cpu0 = cpu_seconds();
    let t = Instant::now();
    let mut worst_batch = 0f64;
    for b in batches {
        let tb = Instant::now();
        l.append("operator", b, 1, false).unwrap();
        worst_batch = worst_batch.max(tb.elapsed().as_secs_f64() * 1e3);
    }
    let el = t.elapsed();
    println!(
        "append: {n} events of {size1} B in batches of 1000: {:.2} s, {:.0} events/s (slowest batch {worst_batch:.1} ms)",
        el.as_secs_f64(),
        n as f64 / el.as_secs_f64()
    );
    if let (Some((u0, s0)), Some((u1, s1))) = (cpu0, cpu_seconds()) {
        println!(
            "append CPU: user {:.2} s, system {:.2} s ({:.1} µs per event)",
            u1 - u0,
            s1 - s0,
            (u1 - u0 + s1 - s0) * 1e6 / n as f64
        );
    }

    // append --checkpoint latency: one event, committed and covered by a signed checkpoint
    let mut worst = 0f64;
    for i in 0..20 {
        let t = Instant::now();
        let o = l.append("operator", vec![event(n + i)], 1, true).unwrap();
        assert!(o.checkpoint.is_some());
        worst = worst.max(t.elapsed().as_secs_f64() * 1e3);
    }
    println!("append --checkpoint (1 event, fsync + sign): worst of 20 = {worst:.2} ms");

    let cp = l.store().latest_checkpoint().unwrap().unwrap();
    let t = Instant::now();
    let reps = 1000u64;
    let mut proofs = Vec::new();
    for k in 0..reps {
        proofs.push(l.inclusion_at((k * 7919) % cp.size, &cp).unwrap());
    }
    println!(
        "inclusion proof on {} leaves: {:.1} µs each",
        cp.size,
        t.elapsed().as_secs_f64() * 1e6 / reps as f64
    );
    let parsed: Vec<(u64, Hash, Vec<Hash>)> = proofs
        .iter()
        .map(|p| {
            (
                p.index,
                Hash::from_hex(&p.leaf_hash).unwrap(),
                p.proof.iter().map(|h| Hash::from_hex(h).unwrap()).collect(),
            )
        })
        .collect();
    let t = Instant::now();
    for (i, leaf, proof) in &parsed {
        verify_inclusion(*i, cp.size, leaf, proof, &cp.root).unwrap();
    }
    println!(
        "inclusion proof verify: {:.2} µs each",
        t.elapsed().as_secs_f64() * 1e6 / reps as f64
    );

    // `prove --event-hash`: the entry's index from its leaf hash
    let leaves: Vec<(u64, Hash)> = (0..100u64)
        .map(|k| {
            let i = (k * 7919 * 13) % cp.size;
            (i, l.store().entry(i).unwrap().unwrap().leaf_hash)
        })
        .collect();
    let t = Instant::now();
    for (i, leaf) in &leaves {
        assert_eq!(l.store().find_leaf(leaf).unwrap(), Some(*i));
    }
    println!(
        "entry lookup by leaf hash: {:.1} µs each",
        t.elapsed().as_secs_f64() * 1e6 / leaves.len() as f64
    );

    let t = Instant::now();
    let r = l.verify_quiet().unwrap().unwrap();
    println!(
        "full verify of {} entries, {} nodes, {} checkpoints: {:.2} s",
        r.entries,
        r.nodes,
        r.checkpoints,
        t.elapsed().as_secs_f64()
    );

    // append --checkpoint among bulk appends: each single event follows a
    // 1,000-event batch, so some of them run a WAL checkpoint of bulk pages
    let (mut lat, mut k) = (Vec::new(), n + 100);
    for _ in 0..100 {
        l.append("operator", (k..k + 1000).map(event).collect(), 1, false)
            .unwrap();
        let t = Instant::now();
        l.append("operator", vec![event(k + 1000)], 1, true)
            .unwrap();
        lat.push(t.elapsed().as_secs_f64() * 1e3);
        k += 1001;
    }
    lat.sort_by(f64::total_cmp);
    println!(
        "append --checkpoint, each after a 1,000-event batch: median {:.2} ms, worst of 100 = {:.2} ms",
        lat[50], lat[99]
    );
}
