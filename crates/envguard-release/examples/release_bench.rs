//! The release gate's speed targets (issue 14), measured:
//!
//!   cargo run --release -p envguard-release --example release_bench [-- ENVGUARD_BIN]
//!
//! - SHA-256 of an artifact file (512 MiB, from the page cache): ≥ 1 GB/s;
//! - attest (statement + DSSE signature) of 1 subject and 20 evidence files,
//!   the artifact pre-hashed: < 50 ms;
//! - verify of an attestation with 100 subjects and 20 evidence files
//!   (each re-hashed and read as JUnit/SARIF): < 100 ms.
//!
//! With ENVGUARD_BIN (a release build of the CLI), the same attest and verify
//! are also timed end to end as processes, verify including its ledger append
//! (a signed checkpoint, fsync).
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use envguard_release::attest::{AttestInput, EvidenceRef, Subject};
use envguard_release::digest::{sha256_bytes, sha256_file};
use envguard_release::verify::{Artifact, Policy, VerifyInput};
use envguard_release::{CiContext, CiSystem, EvidenceKind, ReleaseSigner};
use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // Hashing.
    let big = d.join("artifact.bin");
    {
        let mut f = std::fs::File::create(&big).unwrap();
        let block: Vec<u8> = (0..1u32 << 20)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        for _ in 0..512 {
            f.write_all(&block).unwrap();
        }
    }
    let size = std::fs::metadata(&big).unwrap().len() as f64;
    sha256_file(&big).unwrap(); // page cache
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        sha256_file(&big).unwrap();
        best = best.min(t.elapsed());
    }
    println!(
        "hash    {:.0} MiB in {:.1} ms (best of 3) = {:.2} GB/s",
        size / 1048576.0,
        ms(best),
        size / best.as_secs_f64() / 1e9
    );

    // Evidence: 10 JUnit reports of 200 test cases, 10 SARIF logs of 200 results.
    let mut evidence = Vec::new();
    for i in 0..20 {
        let (name, text) = if i % 2 == 0 {
            let cases: String = (0..200)
                .map(|c| {
                    format!(
                        "<testcase classname=\"svc{i}.mod{c}\" name=\"case_{c}\" time=\"0.01\"/>\n"
                    )
                })
                .collect();
            (
                format!("junit-{i}.xml"),
                format!("<?xml version=\"1.0\"?>\n<testsuites><testsuite name=\"s{i}\" tests=\"200\" failures=\"0\" errors=\"0\">\n{cases}</testsuite></testsuites>\n"),
            )
        } else {
            let results: Vec<String> = (0..200)
                .map(|r| format!("{{\"ruleId\":\"R02.missing-provenance\",\"level\":\"warning\",\"message\":{{\"text\":\"dataset {r}\"}},\"locations\":[{{\"physicalLocation\":{{\"artifactLocation\":{{\"uri\":\"data/{r}.csv\"}},\"region\":{{\"startLine\":1}}}}}}]}}"))
                .collect();
            (
                format!("check-{i}.sarif"),
                format!("{{\"version\":\"2.1.0\",\"runs\":[{{\"tool\":{{\"driver\":{{\"name\":\"envguard\"}}}},\"results\":[{}],\"invocations\":[{{\"executionSuccessful\":true}}]}}]}}", results.join(",")),
            )
        };
        std::fs::write(d.join(&name), &text).unwrap();
        evidence.push(EvidenceRef {
            path: name,
            sha256: sha256_bytes(text.as_bytes()),
            kind: EvidenceKind::detect(text.as_bytes()),
        });
    }
    let evidence_bytes: usize = evidence
        .iter()
        .map(|e| std::fs::metadata(d.join(&e.path)).unwrap().len() as usize)
        .sum();

    let signer = ReleaseSigner::from_seed(&[9u8; 32]);
    let ci = CiContext {
        system: CiSystem::GithubActions,
        repository: Some("https://github.com/acme/api".into()),
        commit: Some("4b825dc642cb6eb9a060e54bf8d69288fbee4904".into()),
        git_ref: Some("refs/tags/v1.4.0".into()),
        workflow: Some(".github/workflows/release.yml".into()),
        run_id: Some("9001".into()),
        invocation: None,
        builder: "https://github.com/actions/runner/github-hosted".into(),
        actor: Some("alice".into()),
    };
    let subjects = |n: usize| -> Vec<Subject> {
        (0..n)
            .map(|i| Subject {
                name: format!("dist/part-{i}.tgz"),
                sha256: sha256_bytes(format!("part {i}").as_bytes()),
            })
            .collect()
    };
    let attest_input = AttestInput {
        subjects: subjects(1),
        evidence: evidence.clone(),
        ci: ci.clone(),
        author: None,
        finished_on: "2026-12-06T22:00:00Z".into(),
    };
    let runs: Vec<Duration> = (0..50)
        .map(|_| {
            let t = Instant::now();
            envguard_release::attest(&attest_input, &signer).unwrap();
            t.elapsed()
        })
        .collect();
    println!(
        "attest  1 subject, 20 evidence refs: {:.3} ms (median of 50), hashing excluded",
        ms(median(runs))
    );

    let verify_input = AttestInput {
        subjects: subjects(100),
        ..attest_input
    };
    let envelope = envguard_release::attest(&verify_input, &signer).unwrap();
    std::fs::write(
        d.join("api.intoto.json"),
        serde_json::to_string(&envelope).unwrap(),
    )
    .unwrap();
    let policy = Policy {
        environment: "prod".into(),
        environment_names: vec!["prod".into()],
        trusted_keys: vec![signer.trusted()],
        release_tags: vec!["v*".into()],
        workflows: vec![".github/workflows/release.yml".into()],
        required_approvals: 1,
        approvers: Vec::new(),
    };
    let approvals = r#"[{"state":"approved","comment":"","environments":[{"name":"prod"}],"user":{"login":"bob"}}]"#;
    let artifact = Artifact {
        name: "dist/part-99.tgz".into(),
        sha256: sha256_bytes(b"part 99"),
    };
    let runs: Vec<Duration> = (0..50)
        .map(|_| {
            let input = VerifyInput {
                envelope: &envelope,
                artifact: artifact.clone(),
                evidence_root: d.to_path_buf(),
                approvals: Some(("approvals.json".into(), approvals.into())),
            };
            let t = Instant::now();
            let r = envguard_release::verify(&policy, &input).unwrap();
            let e = t.elapsed();
            assert!(r.passed(), "{:#?}", r.checks);
            e
        })
        .collect();
    println!(
        "verify  100 subjects, 20 evidence files ({:.1} KiB, each re-hashed and read): {:.3} ms (median of 50)",
        evidence_bytes as f64 / 1024.0,
        ms(median(runs))
    );

    // End to end, as processes.
    let Some(bin) = std::env::args().nth(1) else {
        return;
    };
    std::fs::write(d.join("release.key"), signer.to_pem().unwrap()).unwrap();
    std::fs::write(d.join("release.pub"), signer.trusted().to_pem().unwrap()).unwrap();
    std::fs::write(d.join("approvals.json"), approvals).unwrap();
    std::fs::write(
        d.join("envguard.toml"),
        "[release]\ntrusted_keys = [\"release.pub\"]\nworkflows = [\".github/workflows/release.yml\"]\n[ledger]\ndir = \"ledger\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| -> Duration {
        let t = Instant::now();
        let o = Command::new(&bin)
            .args(args)
            .current_dir(d)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_REPOSITORY", "acme/api")
            .env("GITHUB_SHA", "4b825dc642cb6eb9a060e54bf8d69288fbee4904")
            .env("GITHUB_REF", "refs/tags/v1.4.0")
            .env(
                "GITHUB_WORKFLOW_REF",
                "acme/api/.github/workflows/release.yml@refs/tags/v1.4.0",
            )
            .env("GITHUB_ACTOR", "alice")
            .output()
            .unwrap();
        let e = t.elapsed();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        e
    };
    run(&["ledger", "init", "prod", "--dir", "ledger"]);
    let ev: Vec<String> = evidence.iter().map(|e| e.path.clone()).collect();
    let mut attest_args: Vec<String> = vec!["release".into(), "attest".into()];
    for s in subjects(100) {
        attest_args.push(format!("{}@sha256:{}", s.name, s.sha256));
    }
    attest_args.push("--evidence".into());
    attest_args.extend(ev);
    attest_args.extend(["--key", "release.key", "-o", "e2e.intoto.json"].map(str::to_owned));
    let a: Vec<&str> = attest_args.iter().map(String::as_str).collect();
    let runs: Vec<Duration> = (0..20).map(|_| run(&a)).collect();
    println!(
        "process attest, 100 subjects by digest, 20 evidence files hashed: {:.1} ms (median of 20)",
        ms(median(runs))
    );
    let art = format!("dist/part-99.tgz@sha256:{}", sha256_bytes(b"part 99"));
    let v = [
        "release",
        "verify",
        art.as_str(),
        "--env",
        "prod",
        "--attestation",
        "e2e.intoto.json",
        "--approvals",
        "approvals.json",
    ];
    let runs: Vec<Duration> = (0..20).map(|_| run(&v)).collect();
    println!("process verify, 100 subjects, 20 evidence files, ledger append + signed checkpoint: {:.1} ms (median of 20)", ms(median(runs)));
    let big_s = big.to_string_lossy().to_string();
    let a = [
        "release",
        "attest",
        big_s.as_str(),
        "--key",
        "release.key",
        "-o",
        "big.intoto.json",
    ];
    let runs: Vec<Duration> = (0..3).map(|_| run(&a)).collect();
    println!(
        "process attest of the 512 MiB artifact: {:.1} ms (median of 3) = {:.2} GB/s including start and signing",
        ms(median(runs.clone())),
        size / median(runs).as_secs_f64() / 1e9
    );
}
