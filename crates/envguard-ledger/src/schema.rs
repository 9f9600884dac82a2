//! The event schema, version 1 (000 R-03 and §5), and the canonical form
//! (RFC 8785) that leaf hashes are taken over.
//!
//! The schema and its validator live in `envguard-events` (shared with the
//! `R03.event-labels` rule, which must not link the ledger's store and crypto)
//! and are re-exported here; the canonical form is the ledger's own.

pub use envguard_events::{
    json_schema, parse_utc, validate_event, Event, Kind, SchemaError, MAX_SAFE_INTEGER,
    SCHEMA_VERSION,
};
use serde_json::Value;

/// The RFC 8785 canonical bytes of a (validated) event.
pub fn canonical_bytes(v: &Value) -> Result<Vec<u8>, SchemaError> {
    serde_json_canonicalizer::to_vec(v).map_err(|e| SchemaError {
        path: "$".to_owned(),
        message: format!("cannot canonicalize event: {e}"),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn canonical_form_is_rfc8785() {
        let v: Value =
            serde_json::from_str(r#"{"b": 1.0, "a": "\u00e9", "c": [1e2, -0.0]}"#).unwrap();
        assert_eq!(
            String::from_utf8(canonical_bytes(&v).unwrap()).unwrap(),
            "{\"a\":\"é\",\"b\":1,\"c\":[100,0]}"
        );
    }
}
