//! `envguard secrets audit` of an OpenBao server holding 10,000 KV v2
//! secrets and 200 ACL policies (issue 13: < 5 s), measured as a process:
//! the release binary, started, snapshotting the server, running the `SEC.*`
//! rules and writing its JSON report.
//!
//! `cargo bench -p envguard-cli --bench secrets_audit`: starts a real
//! `bao server -dev` on loopback, seeds it as envguard-vault's snapshot bench
//! does (`testing::seed_audit_bench`), then runs the audit five times and
//! prints each wall time and the median.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::Command;
use std::time::Instant;

use envguard_vault::testing::{seed_audit_bench, DevServer, BENCH_POLICIES, BENCH_SECRETS};

const TOML: &str = r#"
[environments.prod]
tier = "prod"

[environments.staging]
tier = "test"

[environments.dev]
tier = "dev"

[secrets]
backend = "openbao"

[secrets.openbao]
mount = "kv-{env}"
path = "{name}"
"#;

fn fail(what: &str, e: impl std::fmt::Display) -> ! {
    eprintln!("{what}: {e}");
    std::process::exit(2);
}

fn main() {
    let server = DevServer::start().unwrap_or_else(|e| fail("the OpenBao dev server is needed", e));
    let t = Instant::now();
    seed_audit_bench(&server.client()).unwrap_or_else(|e| fail("seeding failed", e));
    println!(
        "seeded {BENCH_SECRETS} secrets and {BENCH_POLICIES} policies in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail("temporary directory", e));
    std::fs::write(dir.path().join("envguard.toml"), TOML)
        .unwrap_or_else(|e| fail("envguard.toml", e));
    let report = dir.path().join("report.json");
    let mut times = Vec::new();
    for run in 1..=5 {
        let t = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_envguard"))
            .args(["secrets", "audit", "-f", "json", "-o"])
            .arg(&report)
            .current_dir(dir.path())
            .env("BAO_ADDR", server.address())
            .env("BAO_TOKEN", server.root_token())
            .env("ENVGUARD_ROLE", "auditor")
            .env_remove("VAULT_ADDR")
            .env_remove("VAULT_TOKEN")
            .output()
            .unwrap_or_else(|e| fail("envguard", e));
        let secs = t.elapsed().as_secs_f64();
        // 0 clean, 1 findings; 2 or 3 would be an audit that did not run whole
        if !matches!(out.status.code(), Some(0 | 1)) {
            fail(
                "secrets audit",
                format!("{:?}: {}", out.status, String::from_utf8_lossy(&out.stderr)),
            );
        }
        let text = std::fs::read_to_string(&report).unwrap_or_else(|e| fail("report", e));
        let json: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| fail("report JSON", e));
        let findings = json["findings"].as_array().map_or(0, Vec::len);
        println!(
            "run {run}: {secs:.3} s (exit {:?}, {findings} findings)",
            out.status.code()
        );
        times.push(secs);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "secrets audit: min {:.3} s, median {:.3} s, max {:.3} s",
        times[0],
        times[times.len() / 2],
        times[times.len() - 1]
    );
}
