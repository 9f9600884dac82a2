use crate::span::Region;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How serious a finding is. Ordered: `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure the rule is that the finding is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// A place in the scanned tree. `path` is relative to the scanned root, `/`-separated.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    pub path: String,
    pub region: Region,
}

/// A secondary location with a label ("same value in prod").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RelatedLocation {
    pub label: String,
    pub location: Location,
}

/// Why a finding was not reported as active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressionKind {
    /// An `envguard: ignore[...]` comment on or above the line.
    Inline,
    /// An entry of `envguard-waivers.toml`.
    Waiver,
    /// An entry of the `--baseline` file.
    Baseline,
}

impl SuppressionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Inline => "inline",
            SuppressionKind::Waiver => "waiver",
            SuppressionKind::Baseline => "baseline",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub kind: SuppressionKind,
    /// The reason given by the waiver, or where the suppression came from.
    pub justification: String,
}

/// One finding of one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule id, e.g. `R01.secret-reuse`.
    pub rule_id: String,
    pub severity: Severity,
    pub confidence: Confidence,
    /// One sentence, never containing a secret value.
    pub message: String,
    /// The environments the finding concerns (primary first).
    pub environments: Vec<String>,
    pub location: Location,
    pub related: Vec<RelatedLocation>,
    /// Stable id for baselines and waivers: derived from rule, path, key name and
    /// environment, never from a secret value or a line number.
    pub id: String,
    /// Set when a waiver, baseline or inline comment suppressed the finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
}

impl Finding {
    /// Total order used by every reporter: path, line, column, rule, id.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (
            &self.location.path,
            self.location.region.start_line,
            self.location.region.start_column,
            &self.rule_id,
            &self.id,
        )
    }
}

/// Builds a [`Finding`]; the id is computed by the caller from the parts that
/// must stay stable (see `envguard_rules::finding_id`).
#[derive(Debug, Clone)]
pub struct FindingBuilder {
    finding: Finding,
}

impl FindingBuilder {
    pub fn new(rule_id: &str, severity: Severity, location: Location) -> Self {
        FindingBuilder {
            finding: Finding {
                rule_id: rule_id.to_owned(),
                severity,
                confidence: Confidence::High,
                message: String::new(),
                environments: Vec::new(),
                location,
                related: Vec::new(),
                id: String::new(),
                suppression: None,
            },
        }
    }
    pub fn message(mut self, m: impl Into<String>) -> Self {
        self.finding.message = m.into();
        self
    }
    pub fn confidence(mut self, c: Confidence) -> Self {
        self.finding.confidence = c;
        self
    }
    pub fn environment(mut self, e: impl Into<String>) -> Self {
        let e = e.into();
        if !self.finding.environments.contains(&e) {
            self.finding.environments.push(e);
        }
        self
    }
    pub fn related(mut self, label: impl Into<String>, location: Location) -> Self {
        self.finding.related.push(RelatedLocation {
            label: label.into(),
            location,
        });
        self
    }
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.finding.id = id.into();
        self
    }
    pub fn build(self) -> Finding {
        self.finding
    }
}

/// What kind of problem a diagnostic reports. Diagnostics are not findings: they
/// say what envguard could not read, so a reader knows what the scan did not see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticKind {
    /// A file of a known format failed to parse; it was still scanned as text.
    ParseError,
    /// A path in scope that was not read: permission denied, an I/O error, over
    /// the size limit, a directory that could not be listed. The run is
    /// incomplete (its own exit code unless `--allow-incomplete`).
    NotChecked,
    /// A binary file (a NUL byte in its first 8 KiB, and a name that does not say
    /// configuration): not scanned, named so a reader knows (a Java keystore can
    /// hold a private key).
    Binary,
    /// Vendored, minified or generated code, or a lockfile: out of scope by
    /// default (`--include-vendored` scans them), named and counted.
    OutOfScope,
    /// A file read with some bytes replaced (NUL bytes in a configuration file)
    /// or transcoded (UTF-16): scanned, but not byte for byte.
    Decoded,
    /// A structured file too large to parse: scanned line by line only.
    TextOnly,
    /// A problem with envguard's own configuration that did not stop the scan.
    Config,
}

impl DiagnosticKind {
    /// Every kind, in report order.
    pub const ALL: [DiagnosticKind; 7] = [
        DiagnosticKind::NotChecked,
        DiagnosticKind::ParseError,
        DiagnosticKind::Decoded,
        DiagnosticKind::TextOnly,
        DiagnosticKind::Binary,
        DiagnosticKind::OutOfScope,
        DiagnosticKind::Config,
    ];

    /// One sentence: what a diagnostic of this kind means.
    pub fn summary(self) -> &'static str {
        match self {
            DiagnosticKind::ParseError => {
                "A file of a known format failed to parse; it was still scanned as text."
            }
            DiagnosticKind::NotChecked => {
                "A path in scope could not be read (permission, I/O error, size limit); the run is incomplete."
            }
            DiagnosticKind::Binary => "A binary file was not scanned.",
            DiagnosticKind::OutOfScope => {
                "Vendored, minified or generated code, or a lockfile, left out of the scan (--include-vendored scans it)."
            }
            DiagnosticKind::Decoded => {
                "A file was read with some bytes replaced or transcoded; it was scanned."
            }
            DiagnosticKind::TextOnly => {
                "A structured file too large to parse was scanned line by line only."
            }
            DiagnosticKind::Config => {
                "A problem with envguard's own configuration that did not stop the scan."
            }
        }
    }

    /// True when the path was in scope and was not read: the run cannot vouch
    /// for it, so it is incomplete (fail closed).
    pub fn incomplete(self) -> bool {
        self == DiagnosticKind::NotChecked
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticKind::ParseError => "parse-error",
            DiagnosticKind::NotChecked => "not-checked",
            DiagnosticKind::Binary => "binary",
            DiagnosticKind::OutOfScope => "out-of-scope",
            DiagnosticKind::Decoded => "decoded",
            DiagnosticKind::TextOnly => "text-only",
            DiagnosticKind::Config => "config",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Diagnostic {
    pub kind: DiagnosticKind,
    pub path: String,
    /// Where the problem is, when known.
    pub region: Option<Region>,
    pub message: String,
}
