//! JSON output, format version 1.
//!
//! The structs here, not the model's serde derives, define the format: the model
//! may change, this output may not (see `docs/json-format.md`). Fields are
//! written in declaration order.

use crate::view::View;
use crate::RenderOptions;
use envguard_model::{Confidence, Finding, Location, Region, Severity};
use serde::Serialize;
use std::io::{self, Write};

/// The version of the JSON format this module writes.
pub(crate) const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    tool: Tool<'a>,
    root: &'a str,
    summary: Summary<'a>,
    environments: Vec<Environment<'a>>,
    findings: Vec<JsonFinding<'a>>,
    suppressed: Vec<JsonFinding<'a>>,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
    rules: Vec<JsonRule<'a>>,
}

#[derive(Serialize)]
struct JsonRule<'a> {
    id: &'a str,
    summary: &'a str,
    default_severity: &'static str,
    clauses: &'a str,
    doc_path: String,
    help_uri: String,
}

#[derive(Serialize)]
struct Summary<'a> {
    files_scanned: u64,
    bytes_scanned: u64,
    files_parsed: u64,
    files_skipped: u64,
    /// Paths in scope that were not read (fail closed: `result` is
    /// `incomplete` unless `--allow-incomplete`).
    not_checked: u64,
    binary: u64,
    out_of_scope: u64,
    findings: SeverityCounts,
    suppressed: SuppressedCounts,
    diagnostics: u64,
    fail_on: Option<&'a str>,
    failing: u64,
    result: &'static str,
}

#[derive(Serialize)]
struct SeverityCounts {
    total: u64,
    error: u64,
    warning: u64,
    note: u64,
}

#[derive(Serialize)]
struct SuppressedCounts {
    total: u64,
    inline: u64,
    waiver: u64,
    baseline: u64,
}

#[derive(Serialize)]
struct Environment<'a> {
    name: &'a str,
    tier: &'static str,
    files: u64,
    inferred: bool,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    id: &'a str,
    rule_id: &'a str,
    severity: &'static str,
    confidence: &'static str,
    message: &'a str,
    environments: &'a [String],
    location: JsonLocation<'a>,
    related: Vec<JsonRelated<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<JsonSuppression<'a>>,
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    path: &'a str,
    region: JsonRegion,
}

#[derive(Serialize)]
struct JsonRegion {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    label: &'a str,
    location: JsonLocation<'a>,
}

#[derive(Serialize)]
struct JsonSuppression<'a> {
    kind: &'static str,
    justification: &'a str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    kind: &'static str,
    path: &'a str,
    region: Option<JsonRegion>,
    message: &'a str,
}

fn region(r: &Region) -> JsonRegion {
    JsonRegion {
        start_line: r.start_line,
        start_column: r.start_column,
        end_line: r.end_line,
        end_column: r.end_column,
    }
}

fn location(l: &Location) -> JsonLocation<'_> {
    JsonLocation {
        path: &l.path,
        region: region(&l.region),
    }
}

fn confidence(c: Confidence) -> &'static str {
    match c {
        Confidence::Low => "low",
        Confidence::Medium => "medium",
        Confidence::High => "high",
    }
}

fn finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        id: &f.id,
        rule_id: &f.rule_id,
        severity: f.severity.as_str(),
        confidence: confidence(f.confidence),
        message: &f.message,
        environments: &f.environments,
        location: location(&f.location),
        related: f
            .related
            .iter()
            .map(|r| JsonRelated {
                label: &r.label,
                location: location(&r.location),
            })
            .collect(),
        suppression: f.suppression.as_ref().map(|s| JsonSuppression {
            kind: s.kind.as_str(),
            justification: &s.justification,
        }),
    }
}

pub(crate) fn render(view: &View<'_>, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let c = &view.counts;
    let stats = &view.result.stats;
    let report = Report {
        version: FORMAT_VERSION,
        tool: Tool {
            name: "envguard",
            version: opts.tool_version,
            rules: view
                .rules
                .iter()
                .map(|r| JsonRule {
                    id: r.id,
                    summary: r.summary(),
                    default_severity: r.default_severity().as_str(),
                    clauses: r.clauses(),
                    doc_path: r.doc_path(),
                    help_uri: r.help_uri(),
                })
                .collect(),
        },
        root: &view.result.root,
        summary: Summary {
            files_scanned: stats.files_scanned,
            bytes_scanned: stats.bytes_scanned,
            files_parsed: stats.files_parsed,
            files_skipped: stats.files_skipped,
            not_checked: stats.not_checked,
            binary: stats.binary,
            out_of_scope: stats.out_of_scope,
            findings: SeverityCounts {
                total: c.active(),
                error: c.active_of(Severity::Error),
                warning: c.active_of(Severity::Warning),
                note: c.active_of(Severity::Note),
            },
            suppressed: SuppressedCounts {
                total: c.suppressed(),
                inline: c.suppressed_inline,
                waiver: c.suppressed_waiver,
                baseline: c.suppressed_baseline,
            },
            diagnostics: view.diagnostics.len() as u64,
            fail_on: view.fail_on.map(Severity::as_str),
            failing: c.failing,
            result: view.verdict().as_str(),
        },
        environments: view
            .environments
            .iter()
            .map(|e| Environment {
                name: &e.name,
                tier: e.tier.as_str(),
                files: e.files,
                inferred: e.inferred,
            })
            .collect(),
        findings: view.active.iter().map(|f| finding(f)).collect(),
        suppressed: view.suppressed.iter().map(|f| finding(f)).collect(),
        diagnostics: view
            .diagnostics
            .iter()
            .map(|d| JsonDiagnostic {
                kind: d.kind.as_str(),
                path: &d.path,
                region: d.region.as_ref().map(region),
                message: &d.message,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &report).map_err(io::Error::other)?;
    writeln!(out)
}
