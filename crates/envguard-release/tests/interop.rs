//! Interoperability with the in-toto reference tooling (PyPI in-toto and
//! securesystemslib, from scripts/pyenv.sh): Python verifies an envelope
//! envguard signed, and envguard verifies one Python signed, with the same
//! key id on both sides. Fails (never skips) when the tooling is missing.
#![allow(clippy::unwrap_used)]

use envguard_release::attest::{AttestInput, EvidenceRef, Subject};
use envguard_release::digest::sha256_file;
use envguard_release::verify::{Artifact, CheckStatus, Policy, VerifyInput};
use envguard_release::{CiContext, CiSystem, EvidenceKind, ReleaseSigner, TrustedKey};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const COMMIT: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The test virtual environment: $ENVGUARD_TEST_VENV, else scripts/pyenv.sh.
fn python() -> PathBuf {
    let venv = match std::env::var("ENVGUARD_TEST_VENV") {
        Ok(v) if !v.is_empty() => PathBuf::from(v),
        _ => {
            let o = Command::new("bash")
                .arg(repo_root().join("scripts/pyenv.sh"))
                .output()
                .expect("bash is needed to run scripts/pyenv.sh");
            assert!(
                o.status.success(),
                "scripts/pyenv.sh could not provide the in-toto tooling: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            PathBuf::from(String::from_utf8(o.stdout).unwrap().trim())
        }
    };
    let py = venv.join("bin/python");
    assert!(
        py.is_file(),
        "{}: no Python in the test virtual environment (run scripts/pyenv.sh)",
        py.display()
    );
    py
}

fn script(args: &[&str]) -> Value {
    let o = Command::new(python())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/intoto_interop.py"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "intoto_interop.py {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn python_in_toto_verifies_an_envguard_envelope() {
    let dir = tempfile::tempdir().unwrap();
    let signer = ReleaseSigner::from_seed(&[21u8; 32]);
    let ci = CiContext {
        system: CiSystem::GitlabCi,
        repository: Some("https://gitlab.com/acme/app".into()),
        commit: Some(COMMIT.into()),
        git_ref: Some("refs/tags/v3.1.0".into()),
        workflow: Some(".gitlab-ci.yml".into()),
        run_id: Some("77".into()),
        invocation: None,
        builder: "https://gitlab.com/-/runners/1".into(),
        actor: Some("alice".into()),
    };
    let input = AttestInput {
        subjects: vec![Subject {
            name: "app.bin".into(),
            sha256: "a".repeat(64),
        }],
        evidence: vec![EvidenceRef {
            path: "junit.xml".into(),
            sha256: "b".repeat(64),
            kind: EvidenceKind::Junit,
        }],
        ci,
        author: None,
        finished_on: "2026-12-01T10:00:00Z".into(),
    };
    let envelope = envguard_release::attest(&input, &signer).unwrap();
    let env_path = dir.path().join("app.intoto.json");
    std::fs::write(&env_path, serde_json::to_string(&envelope).unwrap()).unwrap();
    let pub_path = dir.path().join("release.pub");
    std::fs::write(&pub_path, signer.trusted().to_pem().unwrap()).unwrap();

    let out = script(&[
        "verify",
        env_path.to_str().unwrap(),
        pub_path.to_str().unwrap(),
    ]);
    // securesystemslib computes the same key id from the public key.
    assert_eq!(out["keyid"], signer.key_id());
    assert_eq!(out["signature_keyids"][0], signer.key_id());
    let st = &out["statement"];
    assert_eq!(st["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(st["predicateType"], "https://slsa.dev/provenance/v1");
    assert_eq!(st["subject"][0]["digest"]["sha256"], "a".repeat(64));
    assert_eq!(
        st["predicate"]["buildDefinition"]["externalParameters"]["workflow"]["ref"],
        "refs/tags/v3.1.0"
    );

    // And a byte changed in the payload is refused by Python too.
    let mut forged = envelope.clone();
    forged.payload.replace_range(
        10..11,
        if &forged.payload[10..11] == "A" {
            "B"
        } else {
            "A"
        },
    );
    std::fs::write(&env_path, serde_json::to_string(&forged).unwrap()).unwrap();
    let o = Command::new(python())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/intoto_interop.py"))
        .args([
            "verify",
            env_path.to_str().unwrap(),
            pub_path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!o.status.success(), "Python accepted a forged payload");
}

#[test]
fn envguard_verifies_a_python_signed_slsa_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("app.bin"), b"app build output").unwrap();
    std::fs::write(
        d.join("junit.xml"),
        r#"<testsuite name="app" tests="1" failures="0"><testcase name="smoke"/></testsuite>"#,
    )
    .unwrap();
    let out = script(&["sign", d.to_str().unwrap(), COMMIT]);
    let key = TrustedKey::from_pem(
        &std::fs::read_to_string(d.join("python.pub")).unwrap(),
        "python.pub",
    )
    .unwrap();
    assert_eq!(out["keyid"], key.key_id(), "the same key id on both sides");
    let envelope: dsse::Envelope =
        serde_json::from_str(&std::fs::read_to_string(d.join("python.intoto.json")).unwrap())
            .unwrap();
    let policy = Policy {
        environment: "prod".into(),
        environment_names: vec!["prod".into()],
        trusted_keys: vec![key],
        release_tags: vec!["v*".into()],
        workflows: vec![".github/workflows/release.yml".into()],
        required_approvals: 0,
        approvers: Vec::new(),
    };
    let input = VerifyInput {
        envelope: &envelope,
        artifact: Artifact {
            name: "app.bin".into(),
            sha256: sha256_file(&d.join("app.bin")).unwrap(),
        },
        evidence_root: d.to_path_buf(),
        approvals: None,
    };
    let report = envguard_release::verify(&policy, &input).unwrap();
    let summary: Vec<_> = report
        .checks
        .iter()
        .map(|c| (c.id, c.status, c.detail.as_str()))
        .collect();
    assert!(report.passed(), "{summary:#?}");
    assert_eq!(report.tag.as_deref(), Some("v2.0.0"));
    assert_eq!(report.commit.as_deref(), Some(COMMIT));

    // Under another trusted key the same envelope fails its signature.
    let other = Policy {
        trusted_keys: vec![ReleaseSigner::from_seed(&[5u8; 32]).trusted()],
        ..policy
    };
    let report = envguard_release::verify(&other, &input).unwrap();
    assert_eq!(report.checks[0].status, CheckStatus::Fail);
}
