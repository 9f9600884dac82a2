//! Evidence files a release carries by digest (test reports, envguard's own
//! SARIF), and whether each says "passed".

use quick_xml::events::Event;
use quick_xml::Reader;
use serde::Serialize;
use serde_json::Value;

/// What kind of report an evidence file is, told from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceKind {
    /// JUnit XML (`<testsuites>` / `<testsuite>`).
    Junit,
    /// SARIF 2.1.0 (`envguard check --format sarif`, or any other analyser's).
    Sarif,
    /// Anything else: carried by digest, but it says nothing about passing.
    Other,
}

impl EvidenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Junit => "junit",
            EvidenceKind::Sarif => "sarif",
            EvidenceKind::Other => "other",
        }
    }

    pub fn detect(bytes: &[u8]) -> EvidenceKind {
        let head = &bytes[..bytes.len().min(4096)];
        let text = String::from_utf8_lossy(head);
        let t = text.trim_start_matches('\u{feff}').trim_start();
        if t.starts_with('<') && (t.contains("<testsuites") || t.contains("<testsuite")) {
            EvidenceKind::Junit
        } else if t.starts_with('{') && t.contains("\"runs\"") && t.contains("2.1.0") {
            EvidenceKind::Sarif
        } else {
            EvidenceKind::Other
        }
    }
}

/// What a report says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub passed: bool,
    /// `412 tests, 0 failures, 0 errors` / `3 error-level results`.
    pub summary: String,
}

/// Reads a report of `kind`; `Err` names the problem when it cannot be read.
pub fn outcome(kind: EvidenceKind, bytes: &[u8]) -> Result<Outcome, String> {
    match kind {
        EvidenceKind::Junit => junit(bytes),
        EvidenceKind::Sarif => sarif(bytes),
        EvidenceKind::Other => {
            Err("not a JUnit XML or SARIF report: it cannot say the tests passed".into())
        }
    }
}

/// JUnit XML: every `<testcase>` is counted, with its `<failure>` and
/// `<error>` children; the suites' `failures`/`errors` attributes count too
/// (some tools write only those). Passed: at least one test, none failed.
fn junit(bytes: &[u8]) -> Result<Outcome, String> {
    let mut reader = Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let (mut cases, mut failures, mut errors, mut skipped) = (0u64, 0u64, 0u64, 0u64);
    let (mut attr_failures, mut attr_errors, mut attr_tests) = (0u64, 0u64, 0u64);
    let mut depth = 0usize;
    loop {
        let ev = reader.read_event_into(&mut buf).map_err(|e| {
            format!(
                "not well-formed XML at byte {}: {e}",
                reader.error_position()
            )
        })?;
        let start = match &ev {
            Event::Start(s) => {
                depth += 1;
                Some(s.clone())
            }
            Event::Empty(s) => Some(s.clone()),
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                None
            }
            // A cut file (an upload that stopped half-way) is no evidence.
            Event::Eof if depth > 0 => {
                return Err("XML ends before its elements are closed (truncated?)".into())
            }
            Event::Eof => break,
            _ => None,
        };
        if let Some(s) = start {
            match s.local_name().as_ref() {
                b"testcase" => cases += 1,
                b"failure" => failures += 1,
                b"error" => errors += 1,
                b"skipped" => skipped += 1,
                b"testsuite" | b"testsuites" => {
                    let is_root = s.local_name().as_ref() == b"testsuites";
                    for a in s.attributes().flatten() {
                        let n: u64 = std::str::from_utf8(&a.value)
                            .ok()
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                        // The root's totals repeat its suites': count suites only,
                        // unless the root is all there is.
                        match a.key.local_name().as_ref() {
                            b"failures" if !is_root => attr_failures += n,
                            b"errors" if !is_root => attr_errors += n,
                            b"tests" if !is_root => attr_tests += n,
                            b"failures" if attr_failures == 0 => attr_failures = n,
                            b"errors" if attr_errors == 0 => attr_errors = n,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        buf.clear();
    }
    let failures = failures.max(attr_failures);
    let errors = errors.max(attr_errors);
    let tests = cases.max(attr_tests);
    let passed = tests > 0 && failures == 0 && errors == 0;
    let mut summary = format!("{tests} tests, {failures} failures, {errors} errors");
    if skipped > 0 {
        summary.push_str(&format!(", {skipped} skipped"));
    }
    if tests == 0 {
        summary.push_str(" (no test ran)");
    }
    Ok(Outcome { passed, summary })
}

/// SARIF: passed when no result is error-level and every invocation
/// succeeded (envguard marks an incomplete check `executionSuccessful: false`).
fn sarif(bytes: &[u8]) -> Result<Outcome, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let runs = v["runs"]
        .as_array()
        .ok_or_else(|| "SARIF without `runs`".to_owned())?;
    let (mut errors, mut results, mut incomplete) = (0u64, 0u64, false);
    for run in runs {
        for r in run["results"].as_array().into_iter().flatten() {
            results += 1;
            // Suppressed results (waivers, inline ignores) do not count.
            if r["suppressions"].as_array().is_some_and(|s| !s.is_empty()) {
                continue;
            }
            if r["level"].as_str() == Some("error") {
                errors += 1;
            }
        }
        for inv in run["invocations"].as_array().into_iter().flatten() {
            if inv["executionSuccessful"].as_bool() == Some(false) {
                incomplete = true;
            }
        }
    }
    let mut summary = format!("{results} results, {errors} at error level");
    if incomplete {
        summary.push_str(", run incomplete (executionSuccessful: false)");
    }
    Ok(Outcome {
        passed: errors == 0 && !incomplete,
        summary,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const GREEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="api" tests="2" failures="0" errors="0">
  <testsuite name="unit" tests="2" failures="0" errors="0" skipped="0">
    <testcase classname="api.auth" name="login_ok" time="0.01"/>
    <testcase classname="api.auth" name="logout_ok" time="0.01"></testcase>
  </testsuite>
</testsuites>"#;

    #[test]
    fn junit_green_and_red() {
        assert_eq!(EvidenceKind::detect(GREEN.as_bytes()), EvidenceKind::Junit);
        let o = outcome(EvidenceKind::Junit, GREEN.as_bytes()).unwrap();
        assert!(o.passed, "{o:?}");
        assert_eq!(o.summary, "2 tests, 0 failures, 0 errors");
        let red = GREEN.replace(
            r#"name="logout_ok" time="0.01"></testcase>"#,
            r#"name="logout_ok"><failure message="expected 200">trace</failure></testcase>"#,
        );
        let o = outcome(EvidenceKind::Junit, red.as_bytes()).unwrap();
        assert!(!o.passed);
        assert_eq!(o.summary, "2 tests, 1 failures, 0 errors");
        // Only the attributes say so (a tool that writes no <failure> elements).
        let attr = r#"<testsuite name="x" tests="5" failures="2"></testsuite>"#;
        assert!(
            !outcome(EvidenceKind::Junit, attr.as_bytes())
                .unwrap()
                .passed
        );
        let empty = r#"<testsuite name="x" tests="0"></testsuite>"#;
        assert!(
            !outcome(EvidenceKind::Junit, empty.as_bytes())
                .unwrap()
                .passed
        );
        let cut = outcome(EvidenceKind::Junit, b"<testsuite><testcase name=\"a\">").unwrap_err();
        assert!(cut.contains("truncated"), "{cut}");
    }

    #[test]
    fn sarif_error_level_fails() {
        let clean = r#"{"version":"2.1.0","runs":[{"results":[{"ruleId":"R02.missing-provenance","level":"warning"}],"invocations":[{"executionSuccessful":true}]}]}"#;
        assert_eq!(EvidenceKind::detect(clean.as_bytes()), EvidenceKind::Sarif);
        assert!(
            outcome(EvidenceKind::Sarif, clean.as_bytes())
                .unwrap()
                .passed
        );
        let red = clean.replace("\"warning\"", "\"error\"");
        let o = outcome(EvidenceKind::Sarif, red.as_bytes()).unwrap();
        assert!(!o.passed);
        assert_eq!(o.summary, "1 results, 1 at error level");
        let waived = red.replace(
            r#""level":"error""#,
            r#""level":"error","suppressions":[{"kind":"external"}]"#,
        );
        assert!(
            outcome(EvidenceKind::Sarif, waived.as_bytes())
                .unwrap()
                .passed
        );
        let incomplete = clean.replace("true", "false");
        assert!(
            !outcome(EvidenceKind::Sarif, incomplete.as_bytes())
                .unwrap()
                .passed
        );
        assert_eq!(EvidenceKind::detect(b"plain text"), EvidenceKind::Other);
    }
}
