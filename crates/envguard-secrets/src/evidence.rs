//! The rotation evidence of SOP 003 §8: a record with exactly the template's
//! fields, rendered as JSON and as the paste-ready text, the text signed as a
//! C2SP signed note with the environment's ledger key, and appended to that
//! ledger so that an evidence pack can include and verify it. Fingerprints
//! only: no value is ever part of it.

use crate::fsutil::{private_dir, write_atomic};
use crate::SecretsError;
use envguard_ledger::note::{open_note, sign_note, Ed25519Signer, Ed25519Verifier, NoteSigner};
use envguard_ledger::Ledger;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The ledger action of an evidence event.
pub const EVIDENCE_ACTION: &str = "secrets.rotation.evidence";

/// 003 §8, field for field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRecord {
    pub secret_id: String,
    pub environment: String,
    pub rotated_by: String,
    /// `scheduled` or `emergency`.
    pub rotation_reason: String,
    pub started_utc: String,
    pub completed_utc: String,
    pub impacted_services: Vec<String>,
    pub validation_summary: String,
    /// `yes` or `no`.
    pub revoke_confirmed: String,
}

impl EvidenceRecord {
    /// The paste-ready text of 003 §8 (one line per field, no blank line).
    pub fn text(&self) -> String {
        let one_line = |s: &str| s.replace(['\n', '\r'], " ");
        format!(
            "Rotation Evidence\n- secret_id: {}\n- environment: {}\n- rotated_by: {}\n- rotation_reason: {}\n- started_utc: {}\n- completed_utc: {}\n- impacted_services: {}\n- validation_summary: {}\n- revoke_confirmed: {}\n",
            one_line(&self.secret_id),
            one_line(&self.environment),
            one_line(&self.rotated_by),
            one_line(&self.rotation_reason),
            one_line(&self.started_utc),
            one_line(&self.completed_utc),
            one_line(&self.impacted_services.join(", ")),
            one_line(&self.validation_summary),
            one_line(&self.revoke_confirmed),
        )
    }
}

/// A record with its signed note and the key that verifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedEvidence {
    pub record: EvidenceRecord,
    /// The paste-ready text followed by its Ed25519 signature line.
    pub signed_text: String,
    /// The ledger's verifier key (name+hash+base64).
    pub verifier_key: String,
}

/// Signs the record's text with the environment's ledger key.
pub fn sign(ledger_dir: &Path, record: EvidenceRecord) -> Result<SignedEvidence, SecretsError> {
    let edir = envguard_ledger::ledger::env_dir(ledger_dir, &record.environment);
    let key_path = edir.join(envguard_ledger::ledger::KEY_FILE);
    let key = zeroize::Zeroizing::new(
        std::fs::read_to_string(&key_path).map_err(|e| SecretsError::file(&key_path, e))?,
    );
    let signer = Ed25519Signer::from_private_key(&key)
        .map_err(|e| SecretsError::file(&key_path, format!("line 1: {e}")))?;
    let signed_text = sign_note(&record.text(), &[&signer as &dyn NoteSigner])
        .map_err(|e| SecretsError::Invalid(format!("signing the evidence: {e}")))?;
    Ok(SignedEvidence {
        record,
        signed_text,
        verifier_key: signer.verifier_key(),
    })
}

/// Checks a signed record: the signature verifies under `verifier_key` and
/// the signed text is the record's.
pub fn verify(e: &SignedEvidence, verifier_key: &str) -> Result<(), SecretsError> {
    let v = Ed25519Verifier::from_verifier_key(verifier_key)
        .map_err(|err| SecretsError::Invalid(format!("verifier key: {err}")))?;
    let text = open_note(&e.signed_text, &[&v])
        .map_err(|err| SecretsError::Invalid(format!("evidence signature: {err}")))?;
    if text != e.record.text() {
        return Err(SecretsError::Invalid(
            "the signed text is not the record's".into(),
        ));
    }
    Ok(())
}

/// Writes `<dir>/<env>/<id>.json` and `<id>.txt` atomically.
pub fn write_files(
    dir: &Path,
    id: &str,
    e: &SignedEvidence,
) -> Result<(PathBuf, PathBuf), SecretsError> {
    let edir = dir.join(&e.record.environment);
    private_dir(&edir)?;
    let json_path = edir.join(format!("{id}.json"));
    let txt_path = edir.join(format!("{id}.txt"));
    let mut body = serde_json::to_vec_pretty(e)
        .map_err(|err| SecretsError::Invalid(format!("evidence JSON: {err}")))?;
    body.push(b'\n');
    write_atomic(&json_path, &body)?;
    write_atomic(&txt_path, e.signed_text.as_bytes())?;
    Ok((json_path, txt_path))
}

/// Appends the evidence to the environment's ledger, unless an entry at or
/// after `from` already holds it (a resumed rotation appends it once).
/// Returns the entry's index.
pub fn append(
    ledger_dir: &Path,
    role: &str,
    rotation_id: &str,
    from: u64,
    e: &SignedEvidence,
) -> Result<u64, SecretsError> {
    let env = e.record.environment.clone();
    let lerr = |source| SecretsError::Ledger {
        env: env.clone(),
        source,
    };
    let mut ledger = Ledger::open(ledger_dir, &env).map_err(lerr)?;
    let mut found = None;
    ledger
        .store()
        .scan(from, &mut |row| {
            if let Some(p) = &row.payload {
                if let Ok(v) = serde_json::from_slice::<Value>(p) {
                    if v["action"] == EVIDENCE_ACTION && v["details"]["rotation_id"] == rotation_id
                    {
                        found = Some(row.index);
                        return Ok(false);
                    }
                }
            }
            Ok(true)
        })
        .map_err(|err| SecretsError::Invalid(format!("the {env} ledger: {err}")))?;
    if let Some(i) = found {
        return Ok(i);
    }
    ledger
        .audit(
            role,
            EVIDENCE_ACTION,
            json!({
                "rotation_id": rotation_id,
                "record": e.record,
                "signed_text": e.signed_text,
                "verifier_key": e.verifier_key,
            }),
        )
        .map_err(lerr)?;
    let size = ledger
        .store()
        .size()
        .map_err(|err| SecretsError::Invalid(format!("the {env} ledger: {err}")))?;
    Ok(size.saturating_sub(1))
}

/// Writes the records of a batch: `<dir>/<env>/<id>.json` (every signed
/// record) and `<id>.txt` (the signed texts, one after the other).
pub fn write_batch_files(
    dir: &Path,
    env: &str,
    id: &str,
    all: &[(String, SignedEvidence)],
) -> Result<(PathBuf, PathBuf), SecretsError> {
    let edir = dir.join(env);
    private_dir(&edir)?;
    let json_path = edir.join(format!("{id}.json"));
    let txt_path = edir.join(format!("{id}.txt"));
    let records: Vec<&SignedEvidence> = all.iter().map(|(_, e)| e).collect();
    let mut body = serde_json::to_vec_pretty(&records)
        .map_err(|err| SecretsError::Invalid(format!("evidence JSON: {err}")))?;
    body.push(b'\n');
    write_atomic(&json_path, &body)?;
    let text: Vec<&str> = all.iter().map(|(_, e)| e.signed_text.as_str()).collect();
    write_atomic(&txt_path, text.join("\n").as_bytes())?;
    Ok((json_path, txt_path))
}

/// Appends the evidence of many rotations in one atomic ledger append,
/// leaving out those already recorded at or after `from`.
pub fn append_many(
    ledger_dir: &Path,
    env: &str,
    role: &str,
    from: u64,
    all: &[(String, SignedEvidence)],
) -> Result<(), SecretsError> {
    let lerr = |source| SecretsError::Ledger {
        env: env.to_owned(),
        source,
    };
    let mut ledger = Ledger::open(ledger_dir, env).map_err(lerr)?;
    let mut recorded = std::collections::HashSet::new();
    ledger
        .store()
        .scan(from, &mut |row| {
            if let Some(p) = &row.payload {
                if let Ok(v) = serde_json::from_slice::<Value>(p) {
                    if v["action"] == EVIDENCE_ACTION {
                        if let Some(id) = v["details"]["rotation_id"].as_str() {
                            recorded.insert(id.to_owned());
                        }
                    }
                }
            }
            Ok(true)
        })
        .map_err(|err| SecretsError::Invalid(format!("the {env} ledger: {err}")))?;
    let events = all
        .iter()
        .filter(|(id, _)| !recorded.contains(id))
        .map(|(id, e)| {
            (
                EVIDENCE_ACTION.to_owned(),
                json!({
                    "rotation_id": id,
                    "record": e.record,
                    "signed_text": e.signed_text,
                    "verifier_key": e.verifier_key,
                }),
            )
        })
        .collect();
    ledger.audit_many(role, events).map_err(lerr)
}

/// The ledger's size now (where a later [`append`] starts looking).
pub fn ledger_size(ledger_dir: &Path, env: &str) -> Result<u64, SecretsError> {
    let ledger = Ledger::open(ledger_dir, env).map_err(|source| SecretsError::Ledger {
        env: env.to_owned(),
        source,
    })?;
    ledger
        .store()
        .size()
        .map_err(|err| SecretsError::Invalid(format!("the {env} ledger: {err}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn record() -> EvidenceRecord {
        EvidenceRecord {
            secret_id: "prod/db/password".into(),
            environment: "prod".into(),
            rotated_by: "alice (prod-operator)".into(),
            rotation_reason: "scheduled".into(),
            started_utc: "2026-12-01T10:00:00Z".into(),
            completed_utc: "2026-12-01T10:05:00Z".into(),
            impacted_services: vec!["billing-api".into(), "worker".into()],
            validation_summary: "validate exit 0; health exit 0".into(),
            revoke_confirmed: "yes".into(),
        }
    }

    #[test]
    fn the_text_is_the_sop_template() {
        let t = record().text();
        let fields: Vec<&str> = t
            .lines()
            .skip(1)
            .map(|l| l.trim_start_matches("- ").split(':').next().unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "secret_id",
                "environment",
                "rotated_by",
                "rotation_reason",
                "started_utc",
                "completed_utc",
                "impacted_services",
                "validation_summary",
                "revoke_confirmed"
            ]
        );
        assert!(t.starts_with("Rotation Evidence\n"));
    }

    #[test]
    fn json_has_exactly_the_template_fields() {
        let v = serde_json::to_value(record()).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 9);
    }

    #[test]
    fn signed_evidence_verifies_and_a_changed_record_does_not() {
        let dir = tempfile::tempdir().unwrap();
        Ledger::init(dir.path(), envguard_ledger::LedgerConfig::defaults("prod")).unwrap();
        let e = sign(dir.path(), record()).unwrap();
        verify(&e, &e.verifier_key).unwrap();
        let mut forged = e.clone();
        forged.record.revoke_confirmed = "no".into();
        assert!(verify(&forged, &e.verifier_key).is_err());
        let i = append(dir.path(), "operator", "r1", 0, &e).unwrap();
        assert_eq!(append(dir.path(), "operator", "r1", 0, &e).unwrap(), i);
    }
}
