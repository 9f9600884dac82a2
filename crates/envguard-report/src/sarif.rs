//! SARIF 2.1.0, with our own serde structs (as ruff does): only what envguard
//! fills, in a fixed field order.
//!
//! Shaped for GitHub code scanning and checked by the SARIF Multitool's `Sarif`
//! and `Gh` rules (`scripts/sarif-validate.sh`): rules carry a PascalCase
//! `name` distinct from the id, short and full descriptions, `help` and an
//! absolute `helpUri`; every result has exactly one physical location whose
//! `uri` is relative to `%SRCROOT%`, a 1-based region, related locations with
//! ids and messages, and a partial fingerprint; suppressed findings carry
//! `suppressions`; diagnostics become tool execution notifications.

use crate::view::{percent_encode_path, Rule, View};
use crate::RenderOptions;
use envguard_model::{
    Confidence, DiagnosticKind, Finding, Location, Region, Severity, SuppressionKind,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The final OASIS schema (errata 01), the one `$schema` must name.
pub(crate) const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
/// Key of `partialFingerprints`: the finding id, stable across line moves.
const FINGERPRINT_KEY: &str = "envguard/v1";
/// GitHub code scanning limits `shortDescription` to 1024 characters.
const SHORT_DESCRIPTION_MAX: usize = 1024;

#[derive(Serialize)]
struct SarifLog<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation<'a>; 1],
    original_uri_base_ids: BTreeMap<&'static str, BaseLocation>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
    notifications: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: String,
    name: String,
    short_description: Message,
    full_description: Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<MultiformatMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<RuleProperties>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct MultiformatMessage {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    /// GitHub code scanning's 0.0–10.0 score for security alerts.
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification<'a>>,
}

#[derive(Serialize)]
struct Notification<'a> {
    descriptor: DescriptorReference,
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SarifLocation<'a>>,
}

#[derive(Serialize)]
struct DescriptorReference {
    id: &'static str,
    index: usize,
}

#[derive(Serialize)]
struct BaseLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<String>,
    description: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: [SarifLocation<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation<'a>>,
    partial_fingerprints: BTreeMap<&'static str, &'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression<'a>>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<MessageRef<'a>>,
}

#[derive(Serialize)]
struct MessageRef<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<SarifRegion>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

#[derive(Serialize)]
struct Suppression<'a> {
    kind: &'static str,
    status: &'static str,
    justification: &'a str,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    confidence: &'static str,
    environments: &'a [String],
    #[serde(rename = "suppressedBy", skip_serializing_if = "Option::is_none")]
    suppressed_by: Option<&'static str>,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "8.0",
        Severity::Warning => "5.0",
        Severity::Note => "2.0",
    }
}

fn confidence(c: Confidence) -> &'static str {
    match c {
        Confidence::Low => "low",
        Confidence::Medium => "medium",
        Confidence::High => "high",
    }
}

/// `s` as a sentence: trimmed and ending with a period.
fn sentence(s: &str) -> String {
    let s = s.trim();
    if s.ends_with(['.', '!', '?']) {
        s.to_owned()
    } else {
        format!("{s}.")
    }
}

/// At most `max` characters of `s`, cut on a character boundary.
fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}

/// `R01.secret-reuse` → `SecretReuse`: the PascalCase friendly name, taken from
/// the part after the numbering and never equal to the id.
pub(crate) fn pascal_name(id: &str) -> String {
    let tail = id.split_once('.').map_or(id, |(_, t)| t);
    let mut name = String::new();
    for word in tail.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.push(first.to_ascii_uppercase());
            name.extend(chars);
        }
    }
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "Rule");
    }
    if name == id {
        name.push_str("Rule");
    }
    name
}

fn rule_descriptor(rule: &Rule<'_>) -> ReportingDescriptor {
    let help_uri = rule.help_uri();
    let mut full = sentence(rule.summary());
    if !rule.clauses().trim().is_empty() {
        full.push_str(&format!(
            " Policy clauses: {}.",
            rule.clauses().trim().trim_end_matches('.')
        ));
    }
    let doc = rule.doc().trim();
    let (help_text, help_markdown) = if doc.is_empty() {
        (
            format!("{full} See {help_uri}"),
            format!("{full} See [the rule's documentation]({help_uri})."),
        )
    } else {
        (doc.to_owned(), doc.to_owned())
    };
    ReportingDescriptor {
        id: rule.id.to_owned(),
        name: pascal_name(rule.id),
        short_description: Message {
            text: truncate(rule.summary(), SHORT_DESCRIPTION_MAX),
        },
        full_description: Message { text: full },
        help: Some(MultiformatMessage {
            text: help_text,
            markdown: help_markdown,
        }),
        help_uri: Some(help_uri),
        default_configuration: Configuration {
            level: level(rule.default_severity()),
        },
        properties: Some(RuleProperties {
            tags: vec!["security".to_owned(), "environment-isolation".to_owned()],
            security_severity: security_severity(rule.default_severity()),
        }),
    }
}

fn notification_descriptor(kind: DiagnosticKind) -> ReportingDescriptor {
    let name = match kind {
        DiagnosticKind::ParseError => "ParseError",
        DiagnosticKind::NotChecked => "NotChecked",
        DiagnosticKind::Binary => "BinaryFile",
        DiagnosticKind::OutOfScope => "OutOfScope",
        DiagnosticKind::Decoded => "DecodedFile",
        DiagnosticKind::TextOnly => "TextOnly",
        DiagnosticKind::Config => "ConfigurationProblem",
    };
    let summary = kind.summary();
    ReportingDescriptor {
        id: kind.as_str().to_owned(),
        name: name.to_owned(),
        short_description: Message {
            text: summary.to_owned(),
        },
        full_description: Message {
            text: summary.to_owned(),
        },
        // GitHub code scanning (Multitool GH2012) wants `help` on every descriptor.
        help: Some(MultiformatMessage {
            text: summary.to_owned(),
            markdown: summary.to_owned(),
        }),
        help_uri: None,
        default_configuration: Configuration {
            level: notification_level(kind),
        },
        properties: None,
    }
}

fn notification_level(kind: DiagnosticKind) -> &'static str {
    match kind {
        // A path in scope that was not read: the run did not do all it was
        // asked to (with `executionSuccessful: false`).
        DiagnosticKind::NotChecked => "error",
        DiagnosticKind::ParseError | DiagnosticKind::Config | DiagnosticKind::Decoded => "warning",
        DiagnosticKind::Binary | DiagnosticKind::OutOfScope | DiagnosticKind::TextOnly => "note",
    }
}

/// A region with 1-based, ordered coordinates. The model's whole-line marker
/// (column 1 to column 1 of the same line) becomes `startLine` alone, which
/// SARIF reads as the whole line.
fn region(r: &Region) -> SarifRegion {
    let start_line = r.start_line.max(1);
    let start_column = r.start_column.max(1);
    let (mut end_line, mut end_column) = (r.end_line.max(1), r.end_column.max(1));
    if (end_line, end_column) < (start_line, start_column) {
        (end_line, end_column) = (start_line, start_column);
    }
    if end_line == start_line && start_column == 1 && end_column == 1 {
        return SarifRegion {
            start_line,
            start_column: None,
            end_line: None,
            end_column: None,
        };
    }
    SarifRegion {
        start_line,
        start_column: Some(start_column),
        end_line: Some(end_line),
        end_column: Some(end_column),
    }
}

fn artifact(path: &str) -> ArtifactLocation {
    let path = path.trim_start_matches("./");
    ArtifactLocation {
        uri: percent_encode_path(path),
        uri_base_id: SRCROOT,
    }
}

fn physical(l: &Location) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: artifact(&l.path),
        region: Some(region(&l.region)),
    }
}

/// The absolute `file:` URI of the scanned root, with a trailing slash, when the
/// root was named by an absolute path without `.` or `..` segments; otherwise
/// `None` and consumers resolve `%SRCROOT%` themselves (GitHub uses the checkout).
fn root_uri(root: &str) -> Option<String> {
    let unified = root.replace('\\', "/");
    let (prefix, rest) = if let Some(rest) = unified.strip_prefix('/') {
        (String::from("file:///"), rest)
    } else {
        let bytes = unified.as_bytes();
        if bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && bytes[2] == b'/'
        {
            (format!("file:///{}:/", &unified[..1]), &unified[3..])
        } else {
            return None;
        }
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    if segments.iter().any(|s| *s == "." || *s == "..") {
        return None;
    }
    let mut uri = prefix;
    for s in segments {
        uri.push_str(&percent_encode_path(s));
        uri.push('/');
    }
    Some(uri)
}

fn result<'a>(view: &View<'a>, f: &'a Finding) -> SarifResult<'a> {
    let rule_index = view
        .rules
        .iter()
        .position(|r| r.id == f.rule_id)
        .unwrap_or_default();
    let related_locations = f
        .related
        .iter()
        .enumerate()
        .map(|(i, r)| SarifLocation {
            id: Some(i + 1),
            physical_location: physical(&r.location),
            message: Some(MessageRef { text: &r.label }),
        })
        .collect();
    let suppressions = match &f.suppression {
        Some(s) => vec![Suppression {
            kind: match s.kind {
                SuppressionKind::Inline => "inSource",
                SuppressionKind::Waiver | SuppressionKind::Baseline => "external",
            },
            status: "accepted",
            justification: &s.justification,
        }],
        None => Vec::new(),
    };
    SarifResult {
        rule_id: &f.rule_id,
        rule_index,
        level: level(f.severity),
        message: Message {
            text: f.message.clone(),
        },
        locations: [SarifLocation {
            id: None,
            physical_location: physical(&f.location),
            message: None,
        }],
        related_locations,
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, f.id.as_str())]),
        suppressions,
        properties: ResultProperties {
            confidence: confidence(f.confidence),
            environments: &f.environments,
            suppressed_by: f.suppression.as_ref().map(|s| s.kind.as_str()),
        },
    }
}

pub(crate) fn render(view: &View<'_>, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    // Active findings first, then suppressed ones, each in report order.
    let results: Vec<SarifResult<'_>> = view
        .active
        .iter()
        .chain(view.suppressed.iter())
        .map(|f| result(view, f))
        .collect();
    let notifications = view
        .diagnostics
        .iter()
        .map(|d| {
            let index = DiagnosticKind::ALL
                .iter()
                .position(|k| *k == d.kind)
                .unwrap_or_default();
            let locations = if d.path.is_empty() {
                Vec::new()
            } else {
                vec![SarifLocation {
                    id: None,
                    physical_location: PhysicalLocation {
                        artifact_location: artifact(&d.path),
                        region: d.region.as_ref().map(region),
                    },
                    message: None,
                }]
            };
            Notification {
                descriptor: DescriptorReference {
                    id: d.kind.as_str(),
                    index,
                },
                level: notification_level(d.kind),
                message: Message {
                    text: sentence(&d.message),
                },
                locations,
            }
        })
        .collect();
    let log = SarifLog {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "envguard",
                    version: opts.tool_version,
                    information_uri: crate::REPOSITORY_URL,
                    rules: view.rules.iter().map(rule_descriptor).collect(),
                    notifications: DiagnosticKind::ALL
                        .into_iter()
                        .map(notification_descriptor)
                        .collect(),
                },
            },
            invocations: [Invocation {
                execution_successful: !view.result.incomplete(),
                tool_execution_notifications: notifications,
            }],
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                BaseLocation {
                    uri: root_uri(&view.result.root),
                    description: Message {
                        text: "The directory envguard scanned; result paths are relative to it."
                            .to_owned(),
                    },
                },
            )]),
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::other)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_names_differ_from_ids() {
        assert_eq!(pascal_name("R01.secret-reuse"), "SecretReuse");
        assert_eq!(pascal_name("R01.hardcoded-secret"), "HardcodedSecret");
        assert_eq!(pascal_name("R9.tls_off"), "TlsOff");
        assert_eq!(pascal_name("plain"), "Plain");
        assert_eq!(pascal_name("Plain"), "PlainRule");
        assert_eq!(pascal_name("R01.2fa"), "Rule2fa");
        assert_eq!(pascal_name("..."), "Rule");
    }

    #[test]
    fn root_uris_are_absolute_with_trailing_slash() {
        assert_eq!(
            root_uri("/home/u/repo").as_deref(),
            Some("file:///home/u/repo/")
        );
        assert_eq!(
            root_uri("/home/u/my repo/").as_deref(),
            Some("file:///home/u/my%20repo/")
        );
        assert_eq!(
            root_uri("C:\\work\\repo").as_deref(),
            Some("file:///C:/work/repo/")
        );
        assert_eq!(root_uri("/").as_deref(), Some("file:///"));
        assert_eq!(root_uri("."), None);
        assert_eq!(root_uri("infra/live"), None);
        assert_eq!(root_uri("/a/../b"), None);
    }

    #[test]
    fn regions_are_one_based_and_ordered() {
        let r = region(&Region::new(0, 0, 0, 0));
        assert_eq!((r.start_line, r.start_column), (1, None));
        let r = region(&Region::new(5, 9, 4, 1));
        assert_eq!(
            (r.start_line, r.start_column, r.end_line, r.end_column),
            (5, Some(9), Some(5), Some(9))
        );
        let r = region(&Region::line(7));
        assert_eq!((r.start_line, r.start_column, r.end_line), (7, None, None));
    }

    #[test]
    fn descriptions_are_sentences_and_short() {
        assert_eq!(sentence(" A thing "), "A thing.");
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(truncate("ééé", 2), "éé");
        assert_eq!(truncate("ab", 5), "ab");
    }
}
