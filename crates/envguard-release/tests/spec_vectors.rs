//! The published examples of the three formats, read by envguard's types.
#![allow(clippy::unwrap_used)]

use envguard_release::intoto::{Provenance, Statement, SLSA_PROVENANCE_V1, STATEMENT_V1};

/// DSSE protocol.md, "Test Vectors": the PAE the specification prints.
#[test]
fn dsse_pae_vector() {
    assert_eq!(
        dsse::pae("http://example.com/HelloWorld", b"hello world"),
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
    );
}

/// DSSE envelope.md: the specification's envelope (an ECDSA signature, not
/// ours: it must parse, and no envguard key verifies it).
#[test]
fn dsse_spec_envelope_parses_and_is_not_trusted() {
    let json = r#"{"payload": "aGVsbG8gd29ybGQ=",
 "payloadType": "http://example.com/HelloWorld",
 "signatures": [{"sig": "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="}]}"#;
    let env: dsse::Envelope = serde_json::from_str(json).unwrap();
    assert_eq!(env.payload_type, "http://example.com/HelloWorld");
    let k = envguard_release::ReleaseSigner::from_seed(&[1u8; 32]).trusted();
    assert!(dsse::verify(&env, &[&k], 1).is_err());
}

/// The in-toto Statement v1 example of the attestation framework
/// (spec/v1/statement.md), with its generic predicate.
#[test]
fn in_toto_statement_v1_example() {
    let json = r#"{
      "_type": "https://in-toto.io/Statement/v1",
      "subject": [{"name": "curl-7.72.0.tar.bz2", "digest": {"sha256": "ad91970864102a59765e20ce16216efc9d6ad381471f7accceceab7d905703ef"}},
                  {"name": "curl-7.72.0.tar.gz", "digest": {"sha256": "d4d5899a3868fbb6ae1856c3e55a32ce35913de3956d1973caccd37bd0174fa2"}}],
      "predicateType": "https://example.com/Predicate/v1",
      "predicate": {"anything": ["goes", 1]}
    }"#;
    let st: Statement = serde_json::from_str(json).unwrap();
    assert_eq!(st.type_, STATEMENT_V1);
    assert_eq!(st.subject.len(), 2);
    assert_eq!(st.subject[1].name.as_deref(), Some("curl-7.72.0.tar.gz"));
    // Round trip keeps every member.
    let again: serde_json::Value = serde_json::to_value(&st).unwrap();
    assert_eq!(
        again,
        serde_json::from_str::<serde_json::Value>(json).unwrap()
    );
}

/// A SLSA v1.0 provenance in the shape of the published example of GitHub's
/// workflow build type (actions.github.io buildtypes/workflow/v1; the subject
/// is ours): a branch build, as GitHub's own attestations of `main` are.
#[test]
fn slsa_provenance_v1_github_example() {
    let st: Statement =
        serde_json::from_str(include_str!("data/slsa-github-workflow-v1.json")).unwrap();
    assert_eq!(st.predicate_type, SLSA_PROVENANCE_V1);
    let p: Provenance = serde_json::from_value(st.predicate.clone()).unwrap();
    let src = p.source();
    assert_eq!(src.git_ref.as_deref(), Some("refs/heads/main"));
    assert_eq!(src.tag(), None, "a branch build");
    assert_eq!(
        src.workflow.as_deref(),
        Some(".github/workflow/release.yml")
    );
    assert_eq!(
        src.commit.as_deref(),
        Some("c27d339ee6075c1f744c5d4b200f7901aad2c369")
    );
    assert_eq!(
        p.run_details.builder.id,
        "https://github.com/actions/runner/github-hosted"
    );
    let round: serde_json::Value = serde_json::to_value(&p).unwrap();
    assert_eq!(round, st.predicate);
}
