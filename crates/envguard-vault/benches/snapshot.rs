//! Snapshot of an OpenBao server holding 10,000 KV v2 secrets and 200 ACL
//! policies (issue 13: an audit of such a server in < 5 s).
//!
//! `cargo bench -p envguard-vault --bench snapshot` (release profile): starts
//! a real `bao server -dev` on loopback, seeds it concurrently, then takes
//! the snapshot five times and prints each time and the median.
//! `ENVGUARD_BENCH_CONCURRENCY=8,16,32` repeats that for each number of
//! requests in flight (default: the library's default, 32).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Instant;

use envguard_vault::testing::{seed_audit_bench, DevServer, BENCH_POLICIES, BENCH_SECRETS};
use envguard_vault::{Snapshot, SnapshotOptions};

/// User + system CPU seconds of a process, from `/proc/PID/stat` (Linux).
fn cpu_secs(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return f64::NAN;
    };
    // fields after the command name: state is field 3, utime 14, stime 15
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return f64::NAN;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        f.get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    // USER_HZ is 100 on Linux
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let server = match DevServer::start() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("the OpenBao dev server is needed: {e}");
            std::process::exit(2);
        }
    };
    let client = server.client();
    let t = Instant::now();
    if let Err(e) = seed_audit_bench(&client) {
        eprintln!("seeding failed: {e}");
        std::process::exit(2);
    }
    println!(
        "seeded {BENCH_SECRETS} secrets and {BENCH_POLICIES} policies in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let levels: Vec<usize> = std::env::var("ENVGUARD_BENCH_CONCURRENCY")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![SnapshotOptions::default().concurrency]);
    for concurrency in levels {
        let mut options = SnapshotOptions::default();
        options.concurrency = concurrency;
        let mut times = Vec::new();
        for run in 1..=5 {
            let bao = server.pid().to_string();
            let (cpu_self, cpu_bao) = (cpu_secs("self"), cpu_secs(&bao));
            let t = Instant::now();
            let snap = match Snapshot::fetch_with(&client, &options) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("snapshot failed: {e}");
                    std::process::exit(2);
                }
            };
            let fetched = t.elapsed().as_secs_f64();
            let (cpu_self, cpu_bao) = (cpu_secs("self") - cpu_self, cpu_secs(&bao) - cpu_bao);
            let t2 = Instant::now();
            let cross = snap.cross_environment_grants();
            let evaluated = t2.elapsed().as_secs_f64();
            println!(
                "concurrency {concurrency} run {run}: snapshot {fetched:.3} s ({} secrets, {} policies, \
                 {} mounts; CPU: envguard {cpu_self:.2} s, bao {cpu_bao:.2} s), \
                 cross-environment evaluation {evaluated:.3} s ({} grants)",
                snap.secrets.len(),
                snap.policies.len(),
                snap.mounts.len(),
                cross.len()
            );
            times.push(fetched);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "concurrency {concurrency}: snapshot min {:.3} s, median {:.3} s, max {:.3} s",
            times[0],
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
}
