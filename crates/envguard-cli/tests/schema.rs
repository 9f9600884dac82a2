//! The JSON Schema of `envguard.toml` (docs/schemas/envguard.schema.json):
//! current with the types that read the file, and accepted by PyPI's
//! check-jsonschema on the example configurations, TOML converted to JSON.
#![allow(clippy::unwrap_used)]

mod common;

use common::{envguard, repo_root};
use std::path::{Path, PathBuf};
use std::process::Command;

const SCHEMA: &str = "docs/schemas/envguard.schema.json";

#[test]
fn the_published_schema_is_current() {
    let o = envguard(&["schema"], &repo_root());
    assert!(o.status.success());
    let published = std::fs::read_to_string(repo_root().join(SCHEMA)).unwrap();
    assert!(
        String::from_utf8(o.stdout).unwrap() == published,
        "{SCHEMA} is stale: run `cargo run -p envguard-cli -- schema -o {SCHEMA}`"
    );
}

fn check_jsonschema() -> PathBuf {
    let venv = match std::env::var_os("ENVGUARD_TEST_VENV") {
        Some(v) => PathBuf::from(v),
        None => {
            let o = Command::new("bash")
                .arg(repo_root().join("scripts/pyenv.sh"))
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "scripts/pyenv.sh failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            PathBuf::from(String::from_utf8(o.stdout).unwrap().trim())
        }
    };
    let bin = venv.join("bin/check-jsonschema");
    assert!(
        bin.is_file(),
        "check-jsonschema is missing from {} (scripts/requirements-test.txt pins it)",
        venv.display()
    );
    bin
}

/// check-jsonschema on `toml_text` converted to JSON: (passed, its output).
fn validate(dir: &Path, toml_text: &str) -> (bool, String) {
    let table: toml::Table = toml::from_str(toml_text).unwrap();
    let json = dir.join("envguard.json");
    std::fs::write(&json, serde_json::to_vec(&table).unwrap()).unwrap();
    let o = Command::new(check_jsonschema())
        .arg("--schemafile")
        .arg(repo_root().join(SCHEMA))
        .arg(&json)
        .output()
        .unwrap();
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[test]
fn check_jsonschema_accepts_the_example_configurations() {
    let dir = tempfile::tempdir().unwrap();
    for rel in [
        "envguard.toml",
        "examples/acme-health/envguard.toml",
        "examples/secrets-store/envguard.toml",
    ] {
        let text = std::fs::read_to_string(repo_root().join(rel)).unwrap();
        let (ok, out) = validate(dir.path(), &text);
        assert!(ok, "{rel}: {out}");
    }
    // The README's configuration example too.
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = readme.find("```toml\n# Markers every").unwrap() + "```toml\n".len();
    let block = &readme[start..];
    let block = &block[..block.find("```").unwrap()];
    let (ok, out) = validate(dir.path(), block);
    assert!(ok, "README: {out}");
    // envguard reads it too.
    std::fs::write(dir.path().join("envguard.toml"), block).unwrap();
    let o = envguard(&["check", "."], dir.path());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_misspelt_key_fails_the_schema_as_it_fails_envguard() {
    let dir = tempfile::tempdir().unwrap();
    let text = "[environments.prod]\ntier = \"prod\"\npahts = [\"deploy/prod/**\"]\n";
    let (ok, out) = validate(dir.path(), text);
    assert!(!ok, "{out}");
    assert!(out.contains("pahts"), "{out}");
    let tier = "[environments.prod]\ntier = \"production\"\n";
    assert!(
        !validate(dir.path(), tier).0,
        "a tier that is not dev|test|prod"
    );
    let secrets = "[secrets]\nbackend = \"embedded\"\nrotation_days = \"ninety\"\n";
    assert!(!validate(dir.path(), secrets).0, "[secrets] is checked too");

    std::fs::write(dir.path().join("envguard.toml"), text).unwrap();
    let o = envguard(&["check", "."], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("pahts"));
}
