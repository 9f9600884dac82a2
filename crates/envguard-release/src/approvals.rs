//! Approvals of a deploy, from one of two files:
//!
//! - the JSON GitHub returns for a workflow run's deployment reviews
//!   (`gh api repos/OWNER/REPO/actions/runs/RUN_ID/approvals`): an array of
//!   `{state, comment, environments: [{name}], user: {login}}`;
//! - signed approval records: one DSSE envelope (or a JSON array of them) of
//!   payload type [`APPROVAL_PAYLOAD_TYPE`] whose payload is
//!   `{"environment": "prod", "subject": "sha256:…", "approver": "bob"}`,
//!   each signed by the approver's key listed in `[release] approvers`; the
//!   approver is the key's name there, never the payload's claim.

use crate::digest::parse_sha256;
use crate::key::TrustedKey;
use serde_json::Value;

pub const APPROVAL_PAYLOAD_TYPE: &str = "application/vnd.envguard.approval+json";

/// One approval or rejection, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub login: String,
    pub approved: bool,
    /// `github review` or `signed record (key <id>)`.
    pub via: String,
}

/// An approvals file that cannot be read: the JSON path and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ApprovalsError {
    pub path: String,
    pub message: String,
}

fn err(path: impl Into<String>, message: impl Into<String>) -> ApprovalsError {
    ApprovalsError {
        path: path.into(),
        message: message.into(),
    }
}

/// The reviews in `text` that concern `environment` (any of its names) and,
/// for signed records, the artifact `subject_sha256`. `approvers`: the
/// signed-record keys, by approver name.
pub fn parse(
    text: &str,
    environment: &[String],
    subject_sha256: &str,
    approvers: &[(String, TrustedKey)],
) -> Result<Vec<Review>, ApprovalsError> {
    let v: Value = serde_json::from_str(text).map_err(|e| err("$", format!("not JSON: {e}")))?;
    let items: Vec<(String, &Value)> = match &v {
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| (format!("$[{i}]"), x))
            .collect(),
        Value::Object(_) => vec![("$".to_owned(), &v)],
        _ => {
            return Err(err(
                "$",
                "expected an array of reviews or a signed approval record",
            ))
        }
    };
    let names_env = |n: &str| environment.iter().any(|e| e.eq_ignore_ascii_case(n));
    let mut out = Vec::new();
    for (path, item) in items {
        if item.get("payloadType").is_some() {
            if let Some(r) = signed_record(&path, item, &names_env, subject_sha256, approvers)? {
                out.push(r);
            }
            continue;
        }
        let state = item["state"].as_str().ok_or_else(|| {
            err(
                format!("{path}.state"),
                "missing (expected \"approved\" or \"rejected\")",
            )
        })?;
        let approved = match state {
            "approved" => true,
            "rejected" => false,
            other => {
                return Err(err(
                    format!("{path}.state"),
                    format!("unknown state {other:?}"),
                ))
            }
        };
        let login = item["user"]["login"]
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| err(format!("{path}.user.login"), "missing"))?;
        let envs = item["environments"].as_array().ok_or_else(|| {
            err(
                format!("{path}.environments"),
                "missing (an array of {name})",
            )
        })?;
        let mut concerns = false;
        for (j, e) in envs.iter().enumerate() {
            let name = e["name"]
                .as_str()
                .ok_or_else(|| err(format!("{path}.environments[{j}].name"), "missing"))?;
            concerns |= names_env(name);
        }
        if concerns {
            out.push(Review {
                login: login.to_owned(),
                approved,
                via: "github review".to_owned(),
            });
        }
    }
    Ok(out)
}

fn signed_record(
    path: &str,
    item: &Value,
    names_env: &dyn Fn(&str) -> bool,
    subject_sha256: &str,
    approvers: &[(String, TrustedKey)],
) -> Result<Option<Review>, ApprovalsError> {
    let envelope: dsse::Envelope = serde_json::from_value(item.clone())
        .map_err(|e| err(path, format!("not a DSSE envelope: {e}")))?;
    if envelope.payload_type != APPROVAL_PAYLOAD_TYPE {
        return Err(err(
            format!("{path}.payloadType"),
            format!(
                "{:?}, expected {APPROVAL_PAYLOAD_TYPE:?}",
                envelope.payload_type
            ),
        ));
    }
    let mut signed_by = None;
    let mut payload = None;
    for (name, key) in approvers {
        if let Ok(v) = dsse::verify(&envelope, &[key], 1) {
            signed_by = Some((name, key));
            payload = Some(v.payload);
            break;
        }
    }
    let (Some((name, key)), Some(payload)) = (signed_by, payload) else {
        return Err(err(
            format!("{path}.signatures"),
            "no signature verifies under an approver key of [release] approvers",
        ));
    };
    let p: Value = serde_json::from_slice(&payload)
        .map_err(|e| err(format!("{path}.payload"), format!("not JSON: {e}")))?;
    let env = p["environment"]
        .as_str()
        .ok_or_else(|| err(format!("{path}.payload.environment"), "missing"))?;
    let subject = p["subject"]
        .as_str()
        .and_then(parse_sha256)
        .ok_or_else(|| {
            err(
                format!("{path}.payload.subject"),
                "missing or not sha256:<hex>",
            )
        })?;
    if !names_env(env) || subject != subject_sha256 {
        return Ok(None);
    }
    Ok(Some(Review {
        login: name.clone(),
        approved: p["decision"].as_str() != Some("rejected"),
        via: format!("signed record (key {})", &key.key_id()[..16]),
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::key::ReleaseSigner;

    const GH: &str = r#"[
      {"state":"approved","comment":"Ship it!","environments":[{"id":1,"name":"production"}],"user":{"login":"bob","id":2}},
      {"state":"approved","comment":"","environments":[{"id":3,"name":"staging"}],"user":{"login":"carol","id":3}},
      {"state":"rejected","comment":"not yet","environments":[{"id":1,"name":"production"}],"user":{"login":"dave","id":4}}
    ]"#;

    #[test]
    fn github_reviews_for_the_environment_only() {
        let envs = vec!["prod".to_owned(), "production".to_owned()];
        let r = parse(GH, &envs, "00", &[]).unwrap();
        let logins: Vec<_> = r.iter().map(|x| (x.login.as_str(), x.approved)).collect();
        assert_eq!(logins, [("bob", true), ("dave", false)]);
    }

    #[test]
    fn malformed_reviews_name_the_field() {
        let e = parse(
            r#"[{"state":"approved","environments":[]}]"#,
            &[],
            "00",
            &[],
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "$[0].user.login: missing");
        let e = parse(r#"[{"state":"maybe"}]"#, &[], "00", &[]).unwrap_err();
        assert_eq!(e.to_string(), "$[0].state: unknown state \"maybe\"");
        assert!(parse("{", &[], "00", &[])
            .unwrap_err()
            .to_string()
            .starts_with("$: not JSON"));
    }

    #[test]
    fn signed_records_name_the_key_owner() {
        let bob = ReleaseSigner::from_seed(&[2u8; 32]);
        let eve = ReleaseSigner::from_seed(&[3u8; 32]);
        let digest = "a".repeat(64);
        let payload =
            format!(r#"{{"environment":"prod","subject":"sha256:{digest}","approver":"alice"}}"#);
        let env = dsse::sign(APPROVAL_PAYLOAD_TYPE, payload.as_bytes(), &bob).unwrap();
        let text = serde_json::to_string(&env).unwrap();
        let keys = vec![("bob".to_owned(), bob.trusted())];
        let r = parse(&text, &["prod".to_owned()], &digest, &keys).unwrap();
        // The payload claims alice; the key says bob.
        assert_eq!(r[0].login, "bob");
        // Another artifact: not this deploy's approval.
        assert!(parse(&text, &["prod".to_owned()], &"b".repeat(64), &keys)
            .unwrap()
            .is_empty());
        // Signed by a key that is not an approver's.
        let forged = dsse::sign(APPROVAL_PAYLOAD_TYPE, payload.as_bytes(), &eve).unwrap();
        let e = parse(
            &serde_json::to_string(&forged).unwrap(),
            &["prod".to_owned()],
            &digest,
            &keys,
        )
        .unwrap_err();
        assert_eq!(e.path, "$.signatures");
    }
}
