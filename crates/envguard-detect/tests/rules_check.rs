//! `rules check`: every rule's examples must be found by `scan_text` under
//! that rule, and none of its negative examples may be.

use envguard_detect::{Detector, SecretMatch};

fn scan(text: &str) -> Vec<SecretMatch> {
    let mut out = Vec::new();
    Detector::builtin().scan_text(text.as_bytes(), &mut out);
    out
}

#[test]
fn every_rule_has_examples_and_negative_examples() {
    let mut missing = Vec::new();
    for r in Detector::builtin().rules() {
        if r.examples.is_empty() || r.negative_examples.is_empty() {
            missing.push(r.id);
        }
    }
    assert!(
        missing.is_empty(),
        "rules without examples or negative examples: {missing:?}"
    );
}

#[test]
fn rules_check_examples_and_negative_examples() {
    let mut failures = Vec::new();
    for r in Detector::builtin().rules() {
        for ex in r.examples {
            let found = scan(ex);
            if !found.iter().any(|m| m.rule_id == r.id) {
                failures.push(format!(
                    "{}: example not found: {ex:?} (got {found:?})",
                    r.id
                ));
            }
            for m in &found {
                assert!(m.span.end <= ex.len() && m.span.start < m.span.end, "{m:?}");
            }
        }
        for ex in r.negative_examples {
            let found = scan(ex);
            if found.iter().any(|m| m.rule_id == r.id) {
                failures.push(format!(
                    "{}: negative example matched: {ex:?} (got {found:?})",
                    r.id
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn check_rules_api_reports_no_problems() {
    let problems = Detector::builtin().check_rules();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn rule_ids_are_unique_and_kebab_case() {
    let ids: Vec<_> = Detector::builtin().rules().map(|r| r.id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len());
    for id in ids {
        assert!(
            id.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'),
            "{id}"
        );
    }
}

#[test]
fn required_providers_are_covered() {
    let ids: Vec<_> = Detector::builtin().rules().map(|r| r.id).collect();
    for id in [
        "aws-access-key-id",
        "aws-secret-access-key",
        "gcp-service-account-key",
        "gcp-api-key",
        "azure-storage-account-key",
        "azure-client-secret",
        "github-token",
        "github-fine-grained-pat",
        "gitlab-token",
        "slack-token",
        "slack-webhook-url",
        "stripe-secret-key",
        "stripe-test-secret-key",
        "twilio-api-key",
        "sendgrid-api-key",
        "openai-api-key",
        "anthropic-api-key",
        "jwt",
        "private-key",
        "connection-string",
        "generic-secret",
    ] {
        assert!(ids.contains(&id), "missing rule {id}");
    }
}
