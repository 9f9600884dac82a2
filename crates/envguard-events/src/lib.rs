//! The event schema, version 1 (000 R-03 and §5), and its validator.
//!
//! The same validator backs `envguard ledger append` and the `R03.event-labels`
//! rule of `envguard check`: [`validate_event`] takes any JSON value and either
//! returns the typed labels or a [`SchemaError`] naming the JSON path. It lives
//! in this crate, apart from `envguard-ledger`, so that the scanner can check
//! event labels without linking the ledger's SQLite store and Ed25519 signing;
//! the canonical form (RFC 8785) that leaf hashes are taken over stays in
//! `envguard_ledger::schema`, which re-exports everything here.

use serde_json::{json, Map, Value};
use std::fmt;

/// The schema version this crate writes and accepts.
pub const SCHEMA_VERSION: u64 = 1;

/// The largest integer RFC 8785 (IEEE-754 doubles) carries exactly: 2^53.
pub const MAX_SAFE_INTEGER: u64 = 1 << 53;

/// What an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Who did what: access, changes, exports (requires `actor_role`).
    Audit,
    /// Application runtime logs (`actor_role` optional: a process may act for nobody).
    Runtime,
    /// AI interactions (requires `actor_role` and `model_version`).
    Ai,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Audit => "audit",
            Kind::Runtime => "runtime",
            Kind::Ai => "ai",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "audit" => Some(Kind::Audit),
            "runtime" => Some(Kind::Runtime),
            "ai" => Some(Kind::Ai),
            _ => None,
        }
    }

    /// Whether events of this kind must name the acting role.
    pub fn requires_actor_role(self) -> bool {
        !matches!(self, Kind::Runtime)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The labels of a valid event, typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub environment: String,
    pub tenant_id: String,
    pub timestamp_utc: String,
    /// Seconds since the Unix epoch.
    pub unix_seconds: i64,
    pub actor_role: Option<String>,
    pub kind: Kind,
    pub model_version: Option<String>,
}

/// A schema violation: the JSON path (`$.tenant_id`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("R03 {path}: {message}")]
pub struct SchemaError {
    pub path: String,
    pub message: String,
}

fn err(path: &str, message: impl Into<String>) -> SchemaError {
    SchemaError {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn required_str<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    why: &str,
) -> Result<&'a str, SchemaError> {
    let path = format!("$.{key}");
    match obj.get(key) {
        None | Some(Value::Null) => Err(err(
            &path,
            format!("missing required field `{key}` ({why})"),
        )),
        Some(Value::String(s)) if s.trim().is_empty() => {
            Err(err(&path, format!("`{key}` must not be empty")))
        }
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(err(
            &path,
            format!("`{key}` must be a string, found {}", type_name(other)),
        )),
    }
}

fn optional_str<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, SchemaError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(err(
            &format!("$.{key}"),
            format!("`{key}` must be a string, found {}", type_name(other)),
        )),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn valid_env_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'_')
}

/// Parses an RFC 3339 UTC timestamp (`Z` or `+00:00`) into Unix seconds.
pub fn parse_utc(s: &str) -> Result<i64, String> {
    let utc = s.ends_with('Z') || s.ends_with('z') || s.ends_with("+00:00");
    if !utc {
        return Err(format!(
            "`timestamp_utc` {s:?} is not in UTC (end it with `Z`)"
        ));
    }
    let ts: jiff::Timestamp = s
        .parse()
        .map_err(|e| format!("`timestamp_utc` {s:?} is not an RFC 3339 timestamp: {e}"))?;
    Ok(ts.as_second())
}

/// Validates one event against schema v1.
///
/// `expected_env` is the ledger's (or the file's) environment: an event
/// labelled otherwise is refused. Integers beyond 2^53 are refused anywhere in
/// the event, since RFC 8785 would round them (carry them as strings).
pub fn validate_event(v: &Value, expected_env: Option<&str>) -> Result<Event, SchemaError> {
    let obj = v.as_object().ok_or_else(|| {
        err(
            "$",
            format!("an event must be a JSON object, found {}", type_name(v)),
        )
    })?;
    if let Some(sv) = obj.get("schema_version") {
        if sv.as_u64() != Some(SCHEMA_VERSION) {
            return Err(err(
                "$.schema_version",
                format!("unsupported schema_version {sv} (this envguard reads version {SCHEMA_VERSION})"),
            ));
        }
    }
    let environment = required_str(
        obj,
        "environment",
        "000 R-03: every event names its environment",
    )?;
    if !valid_env_name(environment) {
        return Err(err(
            "$.environment",
            format!("`environment` {environment:?} is not a lowercase environment name"),
        ));
    }
    if let Some(want) = expected_env {
        if environment != want {
            return Err(err(
                "$.environment",
                format!("event is labelled environment {environment:?}, but this is the {want:?} ledger; events never cross environments"),
            ));
        }
    }
    let tenant_id = required_str(obj, "tenant_id", "000 R-03: every event names its tenant")?;
    let timestamp_utc = required_str(obj, "timestamp_utc", "000 R-03: RFC 3339 time in UTC")?;
    let unix_seconds = parse_utc(timestamp_utc).map_err(|m| err("$.timestamp_utc", m))?;
    let kind_s = required_str(obj, "kind", "one of audit, runtime, ai")?;
    let kind = Kind::parse(kind_s).ok_or_else(|| {
        err(
            "$.kind",
            format!("`kind` {kind_s:?} is not one of audit, runtime, ai"),
        )
    })?;
    let actor_role = if kind.requires_actor_role() {
        Some(required_str(
            obj,
            "actor_role",
            &format!("000 R-03: required for {kind} events"),
        )?)
    } else {
        optional_str(obj, "actor_role")?
    };
    let model_version = if kind == Kind::Ai {
        let m = required_str(obj, "model_version", "000 §5: required for ai events")?;
        optional_str(obj, "prompt")?;
        optional_str(obj, "response")?;
        Some(m)
    } else {
        None
    };
    check_numbers(v, &mut String::from("$"))?;
    Ok(Event {
        environment: environment.to_owned(),
        tenant_id: tenant_id.to_owned(),
        timestamp_utc: timestamp_utc.to_owned(),
        unix_seconds,
        actor_role: actor_role.map(str::to_owned),
        kind,
        model_version: model_version.map(str::to_owned),
    })
}

fn check_numbers(v: &Value, path: &mut String) -> Result<(), SchemaError> {
    match v {
        Value::Number(n) => {
            let too_big = match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => u > MAX_SAFE_INTEGER,
                (None, Some(i)) => i.unsigned_abs() > MAX_SAFE_INTEGER,
                _ => false,
            };
            if too_big {
                return Err(err(
                    path,
                    format!("integer {n} is beyond 2^53 and would be rounded by RFC 8785 canonical JSON; carry it as a string"),
                ));
            }
            Ok(())
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                check_numbers(x, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(o) => {
            for (k, x) in o {
                if matches!(x, Value::Number(_) | Value::Array(_) | Value::Object(_)) {
                    let len = path.len();
                    path.push('.');
                    path.push_str(k);
                    check_numbers(x, path)?;
                    path.truncate(len);
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The published JSON Schema (draft 2020-12) of event version 1.
pub fn json_schema() -> Value {
    let label = |d: &str| json!({"type": "string", "minLength": 1, "description": d});
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://example.invalid/envguard/schemas/event-v1.schema.json",
        "title": "envguard ledger event, version 1",
        "description": "An audit, runtime or AI event as envguard's ledger accepts it (000 R-03, §5). Additional properties are allowed and hashed; integers must lie within ±2^53 (RFC 8785).",
        "type": "object",
        "required": ["environment", "tenant_id", "timestamp_utc", "kind"],
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION, "description": "Optional; when present it must be 1."},
            "environment": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$", "description": "The environment the event belongs to; must equal the ledger's."},
            "tenant_id": label("The tenant the event concerns."),
            "timestamp_utc": {"type": "string", "format": "date-time", "pattern": "(Z|z|\\+00:00)$", "description": "RFC 3339 time in UTC."},
            "kind": {"enum": ["audit", "runtime", "ai"]},
            "actor_role": label("The role that acted; required for audit and ai events."),
            "model_version": label("The model that answered; required for ai events."),
            "prompt": {"type": "string", "description": "AI prompt (no PHI/PII outside prod)."},
            "response": {"type": "string", "description": "AI response (no PHI/PII outside prod)."}
        },
        "allOf": [
            {"if": {"properties": {"kind": {"enum": ["audit", "ai"]}}},
             "then": {"required": ["actor_role"]}},
            {"if": {"properties": {"kind": {"const": "ai"}}},
             "then": {"required": ["model_version"]}}
        ]
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ok() -> Value {
        json!({"environment": "prod", "tenant_id": "t1", "timestamp_utc": "2026-01-02T03:04:05Z",
               "kind": "ai", "actor_role": "clinician", "model_version": "m-1", "prompt": "hi"})
    }

    #[test]
    fn valid_event_passes() {
        let e = validate_event(&ok(), Some("prod")).unwrap();
        assert_eq!(e.kind, Kind::Ai);
        assert_eq!(e.unix_seconds, 1_767_323_045);
    }

    #[test]
    fn errors_name_the_path() {
        let cases: Vec<(Value, &str, &str)> = vec![
            (json!([]), "$", "JSON object"),
            (
                json!({"environment": "prod"}),
                "$.tenant_id",
                "missing required field `tenant_id`",
            ),
            (
                {
                    let mut v = ok();
                    v["environment"] = json!("test");
                    v
                },
                "$.environment",
                "this is the \"prod\" ledger",
            ),
            (
                {
                    let mut v = ok();
                    v["timestamp_utc"] = json!("2026-01-02T03:04:05+03:00");
                    v
                },
                "$.timestamp_utc",
                "not in UTC",
            ),
            (
                {
                    let mut v = ok();
                    v.as_object_mut().unwrap().remove("model_version");
                    v
                },
                "$.model_version",
                "required for ai",
            ),
            (
                {
                    let mut v = ok();
                    v["data"] = json!({"ids": [1, 9007199254740993u64]});
                    v
                },
                "$.data.ids[1]",
                "beyond 2^53",
            ),
            (
                {
                    let mut v = ok();
                    v["kind"] = json!("debug");
                    v
                },
                "$.kind",
                "not one of",
            ),
        ];
        for (v, path, msg) in cases {
            let e = validate_event(&v, Some("prod")).unwrap_err();
            assert_eq!(e.path, path, "{e}");
            assert!(e.to_string().starts_with("R03 "), "{e}");
            assert!(e.message.contains(msg), "{e}");
        }
        let mut runtime = ok();
        runtime["kind"] = json!("runtime");
        runtime.as_object_mut().unwrap().remove("actor_role");
        assert!(validate_event(&runtime, None).is_ok());
        let mut edge = ok();
        edge["n"] = json!(9007199254740992u64);
        assert!(validate_event(&edge, None).is_ok());
    }
}
