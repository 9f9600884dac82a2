//! Helpers shared by the end-to-end test files.
#![allow(clippy::unwrap_used, dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the real binary in `cwd` with a fixed fingerprint key, as CI would.
pub fn envguard(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_envguard"))
        .args(args)
        .current_dir(cwd)
        .env("ENVGUARD_FINGERPRINT_KEY", "test-key")
        .env_remove("NO_COLOR")
        .env("CI", "true")
        .output()
        .unwrap()
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

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

/// Writes `contents` to `dir/rel`, creating the folders on the way.
pub fn write(dir: &Path, rel: &str, contents: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, contents).unwrap();
}
