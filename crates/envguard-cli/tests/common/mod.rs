//! Helpers shared by the end-to-end test files.
#![allow(clippy::unwrap_used, dead_code)]

use serde_json::Value;
use std::path::PathBuf;

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Validates a SARIF log against the vendored OASIS SARIF 2.1.0 schema.
pub fn assert_valid_sarif(sarif: &Value) {
    let schema_text = std::fs::read_to_string(
        repo_root().join("crates/envguard-report/tests/data/sarif-schema-2.1.0.json"),
    )
    .unwrap();
    let schema: Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
