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
///
/// `serde_json_canonicalizer` is the reference here, but it buffers every
/// member of every object in its own vectors and re-parses each key to sort
/// it; profiled at 1M events it was a third of the append's CPU time. For the
/// values RFC 8785 leaves unchanged, serde_json's own compact output already
/// is the canonical form: when every number is an integer within ±2^53
/// (written as plain digits by both) and every object's keys already come in
/// UTF-16 code-unit order (serde_json's map is sorted by UTF-8 bytes, which
/// differs from UTF-16 order only between U+E000..U+FFFF and the supplementary
/// planes), the two serialisers emit the same bytes: same string escapes
/// (`\b \t \n \f \r \" \\`, other controls as lowercase `\u00xx`,
/// everything else literal), no whitespace. Anything else (a float, a huge
/// integer, keys out of UTF-16 order) goes through the canonicalizer. A
/// property test checks the two agree.
pub fn canonical_bytes(v: &Value) -> Result<Vec<u8>, SchemaError> {
    if serde_json_is_canonical(v) {
        let mut out = Vec::with_capacity(1024);
        if serde_json::to_writer(&mut out, v).is_ok() {
            return Ok(out);
        }
    }
    serde_json_canonicalizer::to_vec(v).map_err(|e| SchemaError {
        path: "$".to_owned(),
        message: format!("cannot canonicalize event: {e}"),
    })
}

/// Whether serde_json's compact output of `v` is its RFC 8785 form (see
/// [`canonical_bytes`]).
fn serde_json_is_canonical(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(_) | Value::String(_) => true,
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => u <= MAX_SAFE_INTEGER,
            (None, Some(i)) => i.unsigned_abs() <= MAX_SAFE_INTEGER,
            _ => false,
        },
        Value::Array(a) => a.iter().all(serde_json_is_canonical),
        Value::Object(o) => {
            let mut prev: Option<&str> = None;
            for (k, x) in o {
                if let Some(p) = prev {
                    let ordered = if p.is_ascii() && k.is_ascii() {
                        p.as_bytes() < k.as_bytes()
                    } else {
                        p.encode_utf16().lt(k.encode_utf16())
                    };
                    if !ordered {
                        return false;
                    }
                }
                prev = Some(k);
                if !serde_json_is_canonical(x) {
                    return false;
                }
            }
            true
        }
    }
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

    #[test]
    fn fast_path_only_where_serde_json_is_canonical() {
        // Integers within 2^53, ASCII keys: serde_json's output as is.
        let plain = serde_json::json!({"environment": "prod", "n": -9007199254740992i64,
            "s": "tab\t nul\u{0} \u{7f} é \u{1F600} \"q\" \\ /", "z": [1, null, true]});
        assert!(serde_json_is_canonical(&plain));
        assert_eq!(
            canonical_bytes(&plain).unwrap(),
            serde_json_canonicalizer::to_vec(&plain).unwrap()
        );
        // A float, an integer past 2^53, and keys whose UTF-8 and UTF-16
        // orders differ (U+FB01 sorts after U+1F600 in UTF-8, before it in
        // UTF-16) all take the canonicalizer.
        for v in [
            serde_json::json!({"a": 1.5}),
            serde_json::json!({"a": [9007199254740993u64]}),
            serde_json::json!({"\u{FB01}": 1, "\u{1F600}": 2}),
        ] {
            assert!(!serde_json_is_canonical(&v), "{v}");
            assert_eq!(
                canonical_bytes(&v).unwrap(),
                serde_json_canonicalizer::to_vec(&v).unwrap()
            );
        }
        assert_eq!(
            canonical_bytes(&serde_json::json!({"\u{FB01}": 1, "\u{1F600}": 2})).unwrap(),
            "{\"\u{1F600}\":2,\"\u{FB01}\":1}".as_bytes()
        );
    }

    /// Arbitrary JSON: keys and strings drawn from ASCII, controls, and the
    /// ranges where UTF-8 and UTF-16 orders differ; numbers of every kind, or
    /// (`floats` false) only those the fast path takes, so that it is the one
    /// tried.
    fn json_value(floats: bool) -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let text = "[a\\u{1f}\"\\\\/é\\u{fb01}\\u{ffff}\\u{10000}\\u{1f600}]{0,3}";
        let int = (-(1i64 << 53)..=(1i64 << 53)).prop_map(Value::from);
        let leaf = if floats {
            prop_oneof![
                int.boxed(),
                any::<i64>().prop_map(Value::from).boxed(),
                any::<u64>().prop_map(Value::from).boxed(),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(Value::from)
                    .boxed(),
                (-1000i32..1000)
                    .prop_map(|i| Value::from(f64::from(i) / 8.0))
                    .boxed(),
                text.prop_map(Value::String).boxed(),
            ]
            .boxed()
        } else {
            prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                int,
                text.prop_map(Value::String),
            ]
            .boxed()
        };
        leaf.prop_recursive(3, 32, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                proptest::collection::btree_map(text, inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn canonical_bytes_match_the_canonicalizer(v in json_value(true)) {
            let reference = serde_json_canonicalizer::to_vec(&v);
            match canonical_bytes(&v) {
                Ok(b) => proptest::prop_assert_eq!(b, reference.unwrap()),
                Err(_) => proptest::prop_assert!(reference.is_err()),
            }
        }

        #[test]
        fn fast_path_matches_the_canonicalizer(v in json_value(false)) {
            proptest::prop_assert_eq!(
                canonical_bytes(&v).unwrap(),
                serde_json_canonicalizer::to_vec(&v).unwrap()
            );
        }
    }
}
