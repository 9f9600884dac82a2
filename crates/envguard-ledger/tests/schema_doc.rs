#![allow(clippy::unwrap_used)]

//! The published JSON Schema must be what the validator enforces.
//! Refresh with `ENVGUARD_BLESS=1 cargo test -p envguard-ledger --test schema_doc`.

#[test]
fn published_event_schema_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/schemas/event-v1.schema.json");
    let want =
        serde_json::to_string_pretty(&envguard_ledger::schema::json_schema()).unwrap() + "\n";
    if std::env::var_os("ENVGUARD_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        have, want,
        "docs/schemas/event-v1.schema.json is stale; rerun with ENVGUARD_BLESS=1"
    );
}
