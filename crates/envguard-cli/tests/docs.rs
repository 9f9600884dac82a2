//! `docs/rules/` is generated from the rules' doc comments; this test fails when
//! it is stale. Regenerate with `cargo run -p envguard-cli -- rules --write-docs docs/rules`
//! (or run this test with `UPDATE_DOCS=1`).

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

fn docs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules")
}

#[test]
fn rule_docs_are_current() {
    let dir = docs_dir();
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let metas = envguard_rules::all_rule_meta();
    let mut stale = Vec::new();
    for m in &metas {
        let path = dir.join(format!("{}.md", m.id));
        let want = envguard_rules::render_rule_doc(m);
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &want).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    // No page for a rule that no longer exists.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name == "README.md" {
            continue;
        }
        let id = name.trim_end_matches(".md");
        assert!(
            metas.iter().any(|m| m.id == id),
            "docs/rules/{name} documents no registered rule"
        );
    }
    assert!(
        stale.is_empty(),
        "stale rule docs (run `cargo run -p envguard-cli -- rules --write-docs docs/rules`): {stale:?}"
    );
}
