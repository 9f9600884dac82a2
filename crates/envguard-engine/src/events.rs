//! Log and event samples (000 §3 R-03): which files are event logs, and what
//! the ledger's event schema says about each event in them. The validator is
//! `envguard_events::validate_event`, the one the ledger enforces, kept in its
//! own crate so that the scanner links neither the ledger's store nor its
//! crypto; this module only finds the events, their lines, and compares
//! environment labels with the file's environment.

use envguard_model::{Diagnostic, DiagnosticKind, EnvAttribution, Inventory, Region};
use envguard_rules::{EventLogFacts, EventProblem};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Events read per file; the rest of a larger file is not checked.
pub(crate) const MAX_EVENTS: u64 = 10_000;
/// Problems kept per file; the rest are only counted.
const MAX_PROBLEMS: usize = envguard_rules::rules::event_labels::MAX_FINDINGS_PER_FILE;
/// Parse-error diagnostics per file.
const MAX_PARSE_ERRORS: usize = 5;

fn is_log_dir(d: &str) -> bool {
    matches!(d, "logs" | "log" | "audit" | "audits" | "events")
}

/// Is this file a log or event sample? Decided from the path and, for JSON
/// Lines outside a log folder, from the keys of its first event.
pub(crate) fn is_event_log(path: &str, bytes: &[u8]) -> bool {
    let lower = path.to_ascii_lowercase();
    if lower.contains(".provenance.") {
        return false;
    }
    let ext = lower.rsplit('.').next().unwrap_or("");
    let dirs: Vec<&str> = lower.split('/').collect();
    let parents = || dirs.iter().rev().skip(1);
    let in_log_dir = parents().any(|d| is_log_dir(d));
    match ext {
        "jsonl" | "ndjson" => {
            if in_log_dir {
                return true;
            }
            if parents().any(|d| crate::dataset::is_data_dir(d)) {
                return false;
            }
            first_event_looks_labelled(bytes)
        }
        "json" => in_log_dir && first_non_space(bytes) == Some(b'['),
        _ => false,
    }
}

fn first_non_space(bytes: &[u8]) -> Option<u8> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes.iter().copied().find(|b| !b.is_ascii_whitespace())
}

fn first_event_looks_labelled(bytes: &[u8]) -> bool {
    let Some(line) = bytes
        .split(|b| *b == b'\n')
        .map(|l| l.trim_ascii())
        .find(|l| !l.is_empty())
    else {
        return false;
    };
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(line) else {
        return false;
    };
    m.contains_key("timestamp_utc")
        || m.contains_key("tenant_id")
        || (m.contains_key("environment") && m.contains_key("kind"))
}

/// Reads the events of an event log and validates each one.
pub(crate) fn scan(
    path: &str,
    bytes: &[u8],
    env: Option<&EnvAttribution>,
    inventory: &Inventory,
    diagnostics: &mut Vec<Diagnostic>,
) -> EventLogFacts {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let lower = path.to_ascii_lowercase();
    let mut s = Scan {
        path,
        env,
        inventory,
        diagnostics,
        parse_errors: 0,
        facts: EventLogFacts {
            format: "jsonl",
            events: 0,
            truncated: false,
            problems: Vec::new(),
            problems_total: 0,
        },
    };
    if lower.ends_with(".json") {
        s.facts.format = "json";
        s.read_array(bytes);
    } else {
        s.read_lines(bytes);
    }
    let skipped = s.parse_errors.saturating_sub(MAX_PARSE_ERRORS);
    if skipped > 0 {
        s.diagnostics.push(Diagnostic {
            kind: DiagnosticKind::ParseError,
            path: path.to_owned(),
            region: None,
            message: format!("{skipped} more line(s) of this event log are not valid JSON"),
        });
    }
    s.facts
}

struct Scan<'a> {
    path: &'a str,
    env: Option<&'a EnvAttribution>,
    inventory: &'a Inventory,
    diagnostics: &'a mut Vec<Diagnostic>,
    parse_errors: usize,
    facts: EventLogFacts,
}

impl Scan<'_> {
    fn parse_error(&mut self, line: u32, message: String) {
        // A `.json` file's parse errors are the JSON extractor's to report.
        if self.facts.format == "json" {
            return;
        }
        self.parse_errors += 1;
        if self.parse_errors <= MAX_PARSE_ERRORS {
            self.diagnostics.push(Diagnostic {
                kind: DiagnosticKind::ParseError,
                path: self.path.to_owned(),
                region: Some(Region::line(line)),
                message,
            });
        }
    }

    /// Takes one more event, or says the cap is reached.
    fn take_one(&mut self) -> bool {
        if self.facts.events >= MAX_EVENTS {
            self.facts.truncated = true;
            return false;
        }
        self.facts.events += 1;
        true
    }

    fn read_lines(&mut self, bytes: &[u8]) {
        for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
            let line = raw.trim_ascii();
            if line.is_empty() {
                continue;
            }
            let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            if !self.take_one() {
                break;
            }
            match serde_json::from_slice::<Value>(line) {
                Ok(v) => self.check(v, line, line_no),
                Err(e) => self.parse_error(
                    line_no,
                    format!("not valid JSON Lines: line {line_no}: {e}; this event is not checked"),
                ),
            }
        }
    }

    fn read_array(&mut self, bytes: &[u8]) {
        let mut line: u32 = 1;
        let mut counted = 0usize; // bytes whose newlines are counted in `line`
        let mut pos = skip_space(bytes, 0);
        if bytes.get(pos) != Some(&b'[') {
            return;
        }
        pos += 1;
        loop {
            pos = skip_space(bytes, pos);
            match bytes.get(pos) {
                None => {
                    line += newlines(&bytes[counted..]);
                    self.parse_error(
                        line,
                        "not valid JSON: the array of events is not closed".into(),
                    );
                    return;
                }
                Some(b']') => return,
                Some(_) => {}
            }
            line += newlines(&bytes[counted..pos]);
            counted = pos;
            if !self.take_one() {
                return;
            }
            let mut stream =
                serde_json::Deserializer::from_slice(&bytes[pos..]).into_iter::<Value>();
            match stream.next() {
                Some(Ok(v)) => {
                    let end = pos + stream.byte_offset();
                    self.check(v, &bytes[pos..end], line);
                    pos = skip_space(bytes, end);
                }
                Some(Err(e)) => {
                    self.parse_error(
                        line,
                        format!("not valid JSON: {e} (in the event starting on line {line}); the rest of the file is not checked"),
                    );
                    return;
                }
                None => return,
            }
            match bytes.get(pos) {
                Some(b',') => pos += 1,
                Some(b']') | None => return,
                Some(_) => {
                    line += newlines(&bytes[counted..pos]);
                    self.parse_error(
                        line,
                        "not valid JSON: expected `,` or `]` after an event; the rest of the file is not checked".into(),
                    );
                    return;
                }
            }
        }
    }

    fn check(&mut self, mut v: Value, raw: &[u8], line: u32) {
        let mut found: Vec<(String, String)> = Vec::new();
        let mut env_mismatch = false;
        if let (Some(file_env), Some(label)) =
            (self.env, v.get("environment").and_then(Value::as_str))
        {
            if !same_environment(label, file_env, self.inventory) {
                env_mismatch = true;
                found.push((
                    "$.environment".into(),
                    format!(
                        "R03 $.environment: event is labelled environment {label:?}, but this file belongs to {} ({} tier); events never cross environments",
                        file_env.name, file_env.tier.as_str()
                    ),
                ));
            }
        }
        // 000 R-03 does not ask for `kind`: an event without one is a runtime
        // event, whose `actor_role` is optional ("if applicable").
        if let Value::Object(m) = &mut v {
            if !m.contains_key("kind") {
                m.insert("kind".into(), Value::String("runtime".into()));
            }
        }
        if let Err(e) = envguard_events::validate_event(&v, None) {
            let label_field = matches!(
                e.path.as_str(),
                "$" | "$.environment"
                    | "$.tenant_id"
                    | "$.timestamp_utc"
                    | "$.actor_role"
                    | "$.kind"
                    | "$.model_version"
                    | "$.schema_version"
            );
            if label_field && !(env_mismatch && e.path == "$.environment") {
                found.push((e.path.clone(), e.to_string()));
            }
        }
        if found.is_empty() {
            return;
        }
        let digest: String = Sha256::digest(raw)[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        for (field, message) in found {
            self.facts.problems_total += 1;
            if self.facts.problems.len() >= MAX_PROBLEMS {
                continue;
            }
            self.facts.problems.push(EventProblem {
                line,
                field,
                message,
                digest: digest.clone(),
            });
        }
    }
}

/// Does an event's `environment` label name the file's environment? Its name,
/// an alias, or its tier (`dev`/`test`/`prod`, as 000 R-03 writes them).
fn same_environment(label: &str, file_env: &EnvAttribution, inventory: &Inventory) -> bool {
    let label = label.trim();
    label.eq_ignore_ascii_case(&file_env.name)
        || label.eq_ignore_ascii_case(file_env.tier.as_str())
        || inventory
            .resolve_name(label)
            .is_some_and(|(name, _)| name.eq_ignore_ascii_case(&file_env.name))
}

fn skip_space(bytes: &[u8], mut pos: usize) -> usize {
    while bytes.get(pos).is_some_and(|b| b.is_ascii_whitespace()) {
        pos += 1;
    }
    pos
}

fn newlines(bytes: &[u8]) -> u32 {
    u32::try_from(memchr::memchr_iter(b'\n', bytes).count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use envguard_model::Tier;

    fn staging() -> EnvAttribution {
        EnvAttribution {
            name: "staging".into(),
            tier: Tier::Test,
            evidence: "test".into(),
        }
    }

    fn run(path: &str, text: &str) -> (EventLogFacts, Vec<Diagnostic>) {
        let inv = Inventory::default();
        let mut d = Vec::new();
        let env = staging();
        let f = scan(path, text.as_bytes(), Some(&env), &inv, &mut d);
        (f, d)
    }

    #[test]
    fn which_files_are_event_logs() {
        let labelled = br#"{"timestamp_utc":"2025-01-01T00:00:00Z"}"#;
        let patients = br#"{"name":"x","national_id":"1"}"#;
        assert!(is_event_log("envs/staging/logs/app.jsonl", patients));
        assert!(is_event_log("app/events.ndjson", labelled));
        assert!(!is_event_log("app/patients.jsonl", patients));
        assert!(!is_event_log("data/events.jsonl", labelled));
        assert!(is_event_log("audit/2025.json", b" [ {} ]"));
        assert!(!is_event_log("audit/config.json", b"{}"));
        assert!(!is_event_log("config/events.json", b"[]"));
    }

    #[test]
    fn jsonl_events_are_checked_line_by_line() {
        let text = concat!(
            r#"{"environment":"staging","tenant_id":"t","timestamp_utc":"2025-01-01T00:00:00Z","kind":"runtime"}"#,
            "\n\n",
            r#"{"environment":"test","timestamp_utc":"2025-01-01T00:00:00Z"}"#,
            "\n",
            r#"{"environment":"prod","tenant_id":"t","timestamp_utc":"2025-01-01T00:00:00Z"}"#,
            "\nnot json\n",
            r#"{"environment":"staging","tenant_id":"t","timestamp_utc":"2025-01-01T00:00:00Z","kind":"audit"}"#,
            "\n"
        );
        let (f, d) = run("logs/app.jsonl", text);
        assert_eq!(f.events, 5);
        let got: Vec<(u32, &str)> = f
            .problems
            .iter()
            .map(|p| (p.line, p.field.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, "$.tenant_id"),
                (4, "$.environment"),
                (6, "$.actor_role")
            ]
        );
        assert!(f.problems[1].message.contains("\"prod\""));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].region, Some(Region::line(5)));
    }

    #[test]
    fn json_arrays_report_the_line_of_each_event() {
        let text = "[\n  {\"environment\": \"staging\",\n   \"tenant_id\": \"t\", \"timestamp_utc\": \"2025-01-01T00:00:00Z\"},\n  {\"environment\": \"dev\", \"tenant_id\": \"t\",\n   \"timestamp_utc\": \"2025-01-01T00:00:00Z\"}, {\"tenant_id\": \"t\"}\n]\n";
        let (f, d) = run("events/sample.json", text);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(f.events, 3);
        let got: Vec<(u32, &str)> = f
            .problems
            .iter()
            .map(|p| (p.line, p.field.as_str()))
            .collect();
        assert_eq!(got, vec![(4, "$.environment"), (5, "$.environment")]);
    }

    #[test]
    fn work_per_file_is_capped() {
        let line = "{\"environment\":\"staging\"}\n";
        let text = line.repeat(MAX_EVENTS as usize + 10);
        let (f, _) = run("logs/big.jsonl", &text);
        assert_eq!(f.events, MAX_EVENTS);
        assert!(f.truncated);
        assert_eq!(f.problems.len(), MAX_PROBLEMS);
        assert_eq!(f.problems_total, MAX_EVENTS);
    }
}
