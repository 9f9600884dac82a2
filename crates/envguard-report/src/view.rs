//! One sorted, counted view of a [`ScanResult`], shared by every renderer so
//! that all formats list the same things in the same order.

use crate::RenderOptions;
use envguard_model::{
    Diagnostic, DiagnosticKind, EnvSummary, Finding, RuleMeta, ScanResult, Severity,
    SuppressionKind,
};

/// A rule as the reports show it: its metadata when the scan listed it, or just
/// the id a finding named (so a finding is never dropped for want of metadata).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rule<'a> {
    pub id: &'a str,
    pub meta: Option<&'a RuleMeta>,
    /// Used when `meta` is absent: the highest severity of the rule's findings.
    fallback_severity: Severity,
}

impl<'a> Rule<'a> {
    pub fn summary(&self) -> &'a str {
        match self.meta {
            Some(m) if !m.summary.trim().is_empty() => m.summary,
            _ => self.id,
        }
    }

    pub fn default_severity(&self) -> Severity {
        self.meta
            .map_or(self.fallback_severity, |m| m.default_severity)
    }

    pub fn clauses(&self) -> &'a str {
        self.meta.map_or("", |m| m.clauses)
    }

    /// The rule's Markdown documentation; empty when unknown.
    pub fn doc(&self) -> &'a str {
        self.meta.map_or("", |m| m.doc)
    }

    /// `docs/rules/<id>.md`, relative to the repository root.
    pub fn doc_path(&self) -> String {
        match self.meta {
            Some(m) => m.doc_path(),
            None => format!("docs/rules/{}.md", self.id),
        }
    }

    /// The absolute URL of the rule's doc page.
    pub fn help_uri(&self) -> String {
        format!(
            "{}{}",
            crate::DOCS_BASE_URL,
            percent_encode_path(&self.doc_path())
        )
    }
}

/// Counts of one scan's findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub active_error: u64,
    pub active_warning: u64,
    pub active_note: u64,
    pub suppressed_inline: u64,
    pub suppressed_waiver: u64,
    pub suppressed_baseline: u64,
    /// Active findings at or above `--fail-on`.
    pub failing: u64,
}

impl Counts {
    pub fn active(&self) -> u64 {
        self.active_error + self.active_warning + self.active_note
    }
    pub fn suppressed(&self) -> u64 {
        self.suppressed_inline + self.suppressed_waiver + self.suppressed_baseline
    }
    pub fn active_of(&self, s: Severity) -> u64 {
        match s {
            Severity::Error => self.active_error,
            Severity::Warning => self.active_warning,
            Severity::Note => self.active_note,
        }
    }
    pub fn suppressed_of(&self, k: SuppressionKind) -> u64 {
        match k {
            SuppressionKind::Inline => self.suppressed_inline,
            SuppressionKind::Waiver => self.suppressed_waiver,
            SuppressionKind::Baseline => self.suppressed_baseline,
        }
    }
}

/// Severities from the most to the least serious, the order reports list them in.
pub(crate) const SEVERITIES: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Note];
pub(crate) const SUPPRESSION_KINDS: [SuppressionKind; 3] = [
    SuppressionKind::Inline,
    SuppressionKind::Waiver,
    SuppressionKind::Baseline,
];

pub(crate) struct View<'a> {
    pub result: &'a ScanResult,
    /// Active findings in [`Finding::sort_key`] order.
    pub active: Vec<&'a Finding>,
    /// Suppressed findings in [`Finding::sort_key`] order.
    pub suppressed: Vec<&'a Finding>,
    /// Diagnostics by path, region, kind and message.
    pub diagnostics: Vec<&'a Diagnostic>,
    /// Environments by tier, then name.
    pub environments: Vec<&'a EnvSummary>,
    /// Every rule that ran or that a finding names, in id order.
    pub rules: Vec<Rule<'a>>,
    pub counts: Counts,
    pub fail_on: Option<Severity>,
    pub allow_incomplete: bool,
}

/// The run's verdict, the same in every format and in the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Pass,
    Fail,
    /// Paths in scope were not read and `--allow-incomplete` was not given.
    Incomplete,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Incomplete => "incomplete",
        }
    }
}

impl<'a> View<'a> {
    /// `name (tier, N files[, inferred])` per environment, names passed through `escape`.
    pub fn environment_labels(&self, escape: impl Fn(&str) -> String) -> Vec<String> {
        self.environments
            .iter()
            .map(|e| {
                format!(
                    "{} ({}, {}{})",
                    escape(&e.name),
                    e.tier,
                    plural(e.files, "file", "files"),
                    if e.inferred { ", inferred" } else { "" }
                )
            })
            .collect()
    }

    pub fn new(result: &'a ScanResult, opts: &RenderOptions) -> Self {
        let mut findings: Vec<&Finding> = result.findings.iter().collect();
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let (suppressed, active): (Vec<&Finding>, Vec<&Finding>) =
            findings.into_iter().partition(|f| f.suppression.is_some());

        let mut diagnostics: Vec<&Diagnostic> = result.diagnostics.iter().collect();
        diagnostics.sort_by(|a, b| {
            (&a.path, a.region, a.kind, &a.message).cmp(&(&b.path, b.region, b.kind, &b.message))
        });

        let mut environments: Vec<&EnvSummary> = result.environments.iter().collect();
        environments.sort_by(|a, b| (a.tier, &a.name).cmp(&(b.tier, &b.name)));

        let mut rules: Vec<Rule<'a>> = Vec::new();
        for m in &result.rules {
            if !rules.iter().any(|r| r.id == m.id) {
                rules.push(Rule {
                    id: m.id,
                    meta: Some(m),
                    fallback_severity: m.default_severity,
                });
            }
        }
        for f in &result.findings {
            match rules.iter_mut().find(|r| r.id == f.rule_id) {
                Some(r) => r.fallback_severity = r.fallback_severity.max(f.severity),
                None => rules.push(Rule {
                    id: &f.rule_id,
                    meta: None,
                    fallback_severity: f.severity,
                }),
            }
        }
        rules.sort_by(|a, b| a.id.cmp(b.id));

        let mut counts = Counts::default();
        for f in &active {
            match f.severity {
                Severity::Error => counts.active_error += 1,
                Severity::Warning => counts.active_warning += 1,
                Severity::Note => counts.active_note += 1,
            }
            if opts.fail_on.is_some_and(|t| f.severity >= t) {
                counts.failing += 1;
            }
        }
        for f in &suppressed {
            match f.suppression.as_ref().map(|s| s.kind) {
                Some(SuppressionKind::Inline) => counts.suppressed_inline += 1,
                Some(SuppressionKind::Waiver) => counts.suppressed_waiver += 1,
                Some(SuppressionKind::Baseline) | None => counts.suppressed_baseline += 1,
            }
        }

        View {
            result,
            active,
            suppressed,
            diagnostics,
            environments,
            rules,
            counts,
            fail_on: opts.fail_on,
            allow_incomplete: opts.allow_incomplete,
        }
    }

    /// Fail closed: a run that left paths in scope unread is incomplete (unless
    /// allowed), whatever it found; else it fails on an active finding at or
    /// above `--fail-on`.
    pub fn verdict(&self) -> Verdict {
        if !self.allow_incomplete && self.result.incomplete() {
            Verdict::Incomplete
        } else if self.fails() {
            Verdict::Fail
        } else {
            Verdict::Pass
        }
    }

    /// Diagnostics of one kind.
    pub fn diagnostics_of(
        &self,
        kind: DiagnosticKind,
    ) -> impl Iterator<Item = &'a Diagnostic> + '_ {
        self.diagnostics
            .iter()
            .copied()
            .filter(move |d| d.kind == kind)
    }

    /// True when an active finding is at or above `--fail-on`.
    pub fn fails(&self) -> bool {
        self.counts.failing > 0
    }

    /// True when `f` counts toward failing the run.
    pub fn is_failing(&self, f: &Finding) -> bool {
        f.suppression.is_none() && self.fail_on.is_some_and(|t| f.severity >= t)
    }

    pub fn active_for<'s>(&'s self, rule_id: &'s str) -> impl Iterator<Item = &'a Finding> + 's {
        self.active
            .iter()
            .copied()
            .filter(move |f| f.rule_id == rule_id)
    }

    pub fn suppressed_for<'s>(
        &'s self,
        rule_id: &'s str,
    ) -> impl Iterator<Item = &'a Finding> + 's {
        self.suppressed
            .iter()
            .copied()
            .filter(move |f| f.rule_id == rule_id)
    }
}

/// Replaces control characters (C0, DEL, C1) with `\u{..}` escapes, so text
/// taken from scanned files (key names, paths) cannot drive a terminal or break
/// a line-based format. Tabs become spaces.
pub(crate) fn sanitize(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push(' '),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Percent-encodes a `/`-separated relative path into a URI reference: every
/// byte outside RFC 3986 `unreserved` and `/` is encoded, so `:` can never be
/// read as a scheme and `#`, `?`, `%` and spaces survive a round trip.
pub(crate) fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `1536` → `1.5 KiB`.
pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = UNITS[0];
    for u in &UNITS[1..] {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

/// `n` followed by the singular or plural noun.
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_escapes_controls() {
        assert_eq!(sanitize("plain"), "plain");
        assert_eq!(sanitize("a\u{1b}[31mb\nc\td"), "a\\u{1b}[31mb\\u{a}c d");
        assert_eq!(sanitize("\u{9b}"), "\\u{9b}");
    }

    #[test]
    fn percent_encoding_keeps_paths_relative() {
        assert_eq!(percent_encode_path("app/.env.prod"), "app/.env.prod");
        assert_eq!(percent_encode_path("c:x/a b#1?%"), "c%3Ax/a%20b%231%3F%25");
        assert_eq!(percent_encode_path("é"), "%C3%A9");
    }

    #[test]
    fn human_bytes_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024), "5.0 MiB");
    }
}
