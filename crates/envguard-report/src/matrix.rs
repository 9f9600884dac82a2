//! The environment isolation matrix (policy 000 §6 "Evidence requirements:
//! Environment isolation matrix"), as printed by `envguard matrix`.
//!
//! Three renderings of one normalised view of [`ScanResult::isolation`]:
//!
//! * Markdown, for an auditor's evidence pack: the environment table, the
//!   cross-reference grid (rows = from, columns = to) and the shared markers;
//! * JSON (`"version": 1`), for tooling;
//! * one self-contained HTML page (inline CSS; no script, font, image or any
//!   other external resource) with the environment table and a colour-coded
//!   environment × environment grid.
//!
//! The view is deterministic: environments in tier order then by name, every
//! list sorted, references merged and sorted by (from, to), whatever order the
//! engine produced them in. An environment the scan saw (`result.environments`)
//! but the matrix has no row for still gets a row (tier, files), and an
//! environment only a reference names still gets a grid row and column, so the
//! grid always accounts for every reference.

use crate::markdown::{code_cell, text};
use crate::view::sanitize;
use envguard_model::{CrossReference, DataClass, EnvIsolation, ScanResult, Severity};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The output formats of `envguard matrix --format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatrixFormat {
    /// GitHub-flavoured Markdown (the default), for evidence packs.
    #[default]
    Markdown,
    /// JSON, `"version": 1`.
    Json,
    /// One self-contained HTML page.
    Html,
}

impl MatrixFormat {
    /// Every format, in the order they are documented.
    pub const ALL: [MatrixFormat; 3] = [
        MatrixFormat::Markdown,
        MatrixFormat::Json,
        MatrixFormat::Html,
    ];

    /// The name used on the command line: `markdown`, `json`, `html`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatrixFormat::Markdown => "markdown",
            MatrixFormat::Json => "json",
            MatrixFormat::Html => "html",
        }
    }
}

/// The version of the matrix JSON document.
const JSON_VERSION: u32 = 1;

/// The version named in the generation note.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Renders the isolation matrix of `result` in `format`. Deterministic: the
/// same result gives the same text.
pub fn render_matrix(result: &ScanResult, format: MatrixFormat) -> String {
    let m = Matrix::new(result);
    match format {
        MatrixFormat::Markdown => markdown(&m),
        MatrixFormat::Json => json(&m),
        MatrixFormat::Html => html(&m),
    }
}

/// What lies behind one grid cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// No reference.
    None,
    /// References, but no active finding of severity error behind them.
    Warn,
    /// An active finding of severity error behind the references.
    Error,
}

/// The normalised matrix every format renders.
struct Matrix<'a> {
    result: &'a ScanResult,
    /// In tier order, then by name; every list sorted and deduplicated.
    environments: Vec<EnvIsolation>,
    /// One per (from, to), sorted by it.
    references: Vec<CrossReference>,
    shared_markers: Vec<String>,
    /// Grid rows and columns: the environments in row order, then names that
    /// only references mention, by name.
    axes: Vec<String>,
}

fn sorted(v: &[String]) -> Vec<String> {
    let set: BTreeSet<&String> = v.iter().collect();
    set.into_iter().cloned().collect()
}

impl<'a> Matrix<'a> {
    fn new(result: &'a ScanResult) -> Self {
        let iso = &result.isolation;
        let mut environments: Vec<EnvIsolation> = Vec::new();
        let mut seen = BTreeSet::new();
        for e in &iso.environments {
            if !seen.insert(e.name.clone()) {
                continue;
            }
            environments.push(EnvIsolation {
                paths: sorted(&e.paths),
                hosts: sorted(&e.hosts),
                cidrs: sorted(&e.cidrs),
                accounts: sorted(&e.accounts),
                state_backends: sorted(&e.state_backends),
                ..e.clone()
            });
        }
        // Environments the scan saw but the matrix has no row for.
        for s in &result.environments {
            if !seen.insert(s.name.clone()) {
                continue;
            }
            environments.push(EnvIsolation {
                name: s.name.clone(),
                tier: s.tier,
                data_class: None,
                inferred: s.inferred,
                paths: Vec::new(),
                files: s.files,
                hosts: Vec::new(),
                cidrs: Vec::new(),
                accounts: Vec::new(),
                state_backends: Vec::new(),
                resource_suffix: None,
                secrets: 0,
                findings_by_rule: BTreeMap::new(),
            });
        }
        environments.sort_by(|a, b| (a.tier, &a.name).cmp(&(b.tier, &b.name)));

        let mut merged: BTreeMap<(String, String), CrossReference> = BTreeMap::new();
        for r in &iso.references {
            let cell = merged
                .entry((r.from.clone(), r.to.clone()))
                .or_insert_with(|| CrossReference {
                    from: r.from.clone(),
                    to: r.to.clone(),
                    count: 0,
                    findings_by_rule: BTreeMap::new(),
                    examples: Vec::new(),
                });
            cell.count += r.count;
            for (rule, n) in &r.findings_by_rule {
                *cell.findings_by_rule.entry(rule.clone()).or_insert(0) += n;
            }
            cell.examples.extend(r.examples.iter().cloned());
        }
        let references: Vec<CrossReference> = merged
            .into_values()
            .map(|mut r| {
                r.examples = sorted(&r.examples);
                r.examples.truncate(3);
                r
            })
            .collect();

        let mut axes: Vec<String> = environments.iter().map(|e| e.name.clone()).collect();
        let extra: BTreeSet<&String> = references
            .iter()
            .flat_map(|r| [&r.from, &r.to])
            .filter(|n| !seen.contains(*n))
            .collect();
        axes.extend(extra.into_iter().cloned());

        Matrix {
            result,
            environments,
            references,
            shared_markers: sorted(&iso.shared_markers),
            axes,
        }
    }

    fn reference(&self, from: &str, to: &str) -> Option<&CrossReference> {
        self.references
            .iter()
            .find(|r| r.from == from && r.to == to)
    }

    /// The worst severity of the active findings of rule `id` on `from`'s
    /// files (that also name `to`, when given), as a word: what the findings
    /// say, not the rule's default (prod naming a non-prod marker is a
    /// warning of an error rule). The rule's default when none is found,
    /// `unknown` for a rule that did not run.
    fn severity_of(&self, id: &str, from: &str, to: Option<&str>) -> &'static str {
        self.result
            .findings
            .iter()
            .filter(|f| {
                f.suppression.is_none()
                    && f.rule_id == id
                    && f.environments.first().map(String::as_str) == Some(from)
                    && to.is_none_or(|t| f.environments.iter().skip(1).any(|e| e == t))
            })
            .map(|f| f.severity)
            .max()
            .map(Severity::as_str)
            .unwrap_or_else(|| {
                self.result
                    .rule(id)
                    .map_or("unknown", |r| r.default_severity.as_str())
            })
    }

    fn level(&self, r: Option<&CrossReference>) -> Level {
        let Some(r) = r else {
            return Level::None;
        };
        let active: Vec<&String> = r
            .findings_by_rule
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(id, _)| id)
            .collect();
        if active
            .iter()
            .any(|id| self.severity_of(id, &r.from, Some(&r.to)) == "error")
        {
            Level::Error
        } else if r.count > 0 || !active.is_empty() {
            Level::Warn
        } else {
            Level::None
        }
    }

    /// References between two different environments.
    fn cross(&self) -> impl Iterator<Item = &CrossReference> {
        self.references.iter().filter(|r| r.from != r.to)
    }
}

fn data_class(d: Option<DataClass>) -> Option<&'static str> {
    d.map(|d| match d {
        DataClass::Synthetic => "synthetic",
        DataClass::Masked => "masked",
        DataClass::Live => "live",
    })
}

// ---------------------------------------------------------------------------
// Markdown

fn md_list(items: &[String]) -> String {
    if items.is_empty() {
        return "—".to_owned();
    }
    items
        .iter()
        .map(|s| code_cell(s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Findings by rule of `from`'s files (naming `to`, when given).
fn md_findings(
    m: &Matrix<'_>,
    by_rule: &BTreeMap<String, u64>,
    from: &str,
    to: Option<&str>,
) -> String {
    let parts: Vec<String> = by_rule
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(id, n)| format!("{} ×{n} ({})", code_cell(id), m.severity_of(id, from, to)))
        .collect();
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join(", ")
    }
}

/// The header row of the Markdown environment table.
const MD_ENV_HEADER: &str = "| Environment | Tier | Data class | Paths | Files | Hosts | CIDRs | Accounts | State backends | Resource suffix | Secrets | Findings by rule |";

fn markdown(m: &Matrix<'_>) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Environment isolation matrix");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "Evidence for policy 000 §6 (environment isolation matrix): per environment, what identifies it and what it holds, and which environment references which."
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "Scanned root: {}", code_cell(&m.result.root));
    let _ = writeln!(o);

    let _ = writeln!(o, "## Environments");
    let _ = writeln!(o);
    if m.environments.is_empty() {
        let _ = writeln!(o, "No environments found.");
    } else {
        let _ = writeln!(o, "{MD_ENV_HEADER}");
        let _ = writeln!(o, "|---|---|---|---|--:|---|---|---|---|---|--:|---|");
        for e in &m.environments {
            let name = if e.inferred {
                format!("**{}** (inferred)", text(&e.name))
            } else {
                format!("**{}**", text(&e.name))
            };
            let _ = writeln!(
                o,
                "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                e.tier,
                data_class(e.data_class).unwrap_or("—"),
                md_list(&e.paths),
                e.files,
                md_list(&e.hosts),
                md_list(&e.cidrs),
                md_list(&e.accounts),
                md_list(&e.state_backends),
                e.resource_suffix
                    .as_deref()
                    .map_or("—".to_owned(), code_cell),
                e.secrets,
                md_findings(m, &e.findings_by_rule, &e.name, None),
            );
        }
    }
    let _ = writeln!(o);

    let _ = writeln!(o, "## Cross-environment references");
    let _ = writeln!(o);
    if m.axes.is_empty() {
        let _ = writeln!(o, "No environments found.");
    } else {
        let _ = writeln!(
            o,
            "Rows: the environment whose files hold the reference; columns: the environment whose identity marker (host, network, account, bucket, state backend) they name. A cell counts the references; \"(error)\" marks an active finding of severity error behind them; — means none."
        );
        let _ = writeln!(o);
        let mut header = String::from("| From ↓ / To → |");
        let mut rule = String::from("|---|");
        for to in &m.axes {
            let _ = write!(header, " {} |", text(to));
            rule.push_str("--:|");
        }
        let _ = writeln!(o, "{header}");
        let _ = writeln!(o, "{rule}");
        for from in &m.axes {
            let _ = write!(o, "| **{}** |", text(from));
            for to in &m.axes {
                let r = m.reference(from, to);
                let cell = match (r.map_or(0, |r| r.count), m.level(r)) {
                    (0, Level::None) => "—".to_owned(),
                    (n, Level::Error) => format!("{n} (error)"),
                    (n, _) => n.to_string(),
                };
                let _ = write!(o, " {cell} |");
            }
            let _ = writeln!(o);
        }
        if !m.references.is_empty() {
            let _ = writeln!(o);
            let _ = writeln!(o, "### Reference details");
            let _ = writeln!(o);
            let _ = writeln!(o, "| From | To | References | Active findings | Examples |");
            let _ = writeln!(o, "|---|---|--:|---|---|");
            for r in &m.references {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} |",
                    text(&r.from),
                    text(&r.to),
                    r.count,
                    md_findings(m, &r.findings_by_rule, &r.from, Some(&r.to)),
                    md_list(&r.examples),
                );
            }
        }
    }
    let _ = writeln!(o);

    let _ = writeln!(o, "## Shared markers");
    let _ = writeln!(o);
    if m.shared_markers.is_empty() {
        let _ = writeln!(o, "None.");
    } else {
        let _ = writeln!(
            o,
            "Markers every environment may reference (not counted as cross-references):"
        );
        let _ = writeln!(o);
        for s in &m.shared_markers {
            let _ = writeln!(o, "- {}", code_cell(s));
        }
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "---");
    let _ = writeln!(o);
    let _ = writeln!(o, "generated by envguard {VERSION}");
    o
}

// ---------------------------------------------------------------------------
// JSON

#[derive(Serialize)]
struct JsonDoc<'a> {
    version: u32,
    root: &'a str,
    environments: &'a [EnvIsolation],
    references: &'a [CrossReference],
    shared_markers: &'a [String],
}

fn json(m: &Matrix<'_>) -> String {
    let doc = JsonDoc {
        version: JSON_VERSION,
        root: &m.result.root,
        environments: &m.environments,
        references: &m.references,
        shared_markers: &m.shared_markers,
    };
    // Every map in the document has string keys, so serialisation cannot fail.
    let mut s = serde_json::to_string_pretty(&doc).expect("the matrix serialises to JSON");
    s.push('\n');
    s
}

// ---------------------------------------------------------------------------
// HTML

/// Escapes text for HTML content and (quoted) attribute values; control
/// characters are shown escaped rather than passed through.
fn esc(s: &str) -> String {
    let s = sanitize(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html_list(items: &[String]) -> String {
    if items.is_empty() {
        return r#"<span class="none">—</span>"#.to_owned();
    }
    let mut o = String::from(r#"<ul class="list">"#);
    for s in items {
        let _ = write!(o, "<li><code>{}</code></li>", esc(s));
    }
    o.push_str("</ul>");
    o
}

/// Findings by rule of `from`'s files (naming `to`, when given).
fn html_findings(
    m: &Matrix<'_>,
    by_rule: &BTreeMap<String, u64>,
    from: &str,
    to: Option<&str>,
) -> String {
    let active: Vec<(&String, &u64)> = by_rule.iter().filter(|(_, n)| **n > 0).collect();
    if active.is_empty() {
        return r#"<span class="none">—</span>"#.to_owned();
    }
    let mut o = String::from(r#"<ul class="list">"#);
    for (id, n) in active {
        let sev = m.severity_of(id, from, to);
        let _ = write!(
            o,
            r#"<li><code>{}</code> ×{n} <span class="sev sev-{sev}">{sev}</span></li>"#,
            esc(id)
        );
    }
    o.push_str("</ul>");
    o
}

/// The `title` attribute of one grid cell: its lines escaped, joined by an
/// escaped line feed (browsers show it as a line break in the tooltip).
fn tooltip(m: &Matrix<'_>, from: &str, to: &str, r: Option<&CrossReference>) -> String {
    let mut lines = Vec::new();
    let count = r.map_or(0, |r| r.count);
    if from == to {
        lines.push(format!("{from} → {to}: the same environment"));
        if count > 0 {
            lines.push(format!("{count} reference(s) to its own markers"));
        }
    } else if count == 0 && r.is_none() {
        lines.push(format!("{from} → {to}: no references"));
    } else {
        lines.push(format!("{from} → {to}: {count} reference(s)"));
    }
    if let Some(r) = r {
        if !r.examples.is_empty() {
            lines.push(format!("examples: {}", r.examples.join(", ")));
        }
        let findings: Vec<String> = r
            .findings_by_rule
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(id, n)| format!("{id} ×{n} ({})", m.severity_of(id, &r.from, Some(&r.to))))
            .collect();
        if findings.is_empty() {
            lines.push("no active findings".to_owned());
        } else {
            lines.push(format!("active findings: {}", findings.join(", ")));
        }
    }
    lines
        .iter()
        .map(|l| esc(l))
        .collect::<Vec<_>>()
        .join("&#10;")
}

const CSS: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 2rem; color: #1f2328; background: #ffffff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #d0d7de; padding-bottom: .25rem; }
p.meta { color: #57606a; margin: 0 0 1rem; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: #f6f8fa; padding: 0 .25em; border-radius: 3px; word-break: break-all; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #d0d7de; padding: .35rem .5rem; vertical-align: top; text-align: left; }
thead th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
ul.list { list-style: none; margin: 0; padding: 0; }
ul.list li { margin: 0 0 .15rem; }
.none { color: #8c959f; }
.muted { color: #57606a; font-weight: normal; font-size: .85em; }
.badge, .tier, .sev { display: inline-block; padding: 0 .45em; border-radius: 1em;
  font-size: .8em; font-weight: 600; line-height: 1.6; border: 1px solid transparent; }
.tier-dev { background: #ddf4ff; color: #0a3069; border-color: #54aeff; }
.tier-test { background: #fbefff; color: #512a97; border-color: #c297ff; }
.tier-prod { background: #ffebe9; color: #82071e; border-color: #ff8182; }
.badge { background: #f6f8fa; color: #24292f; border-color: #d0d7de; }
.sev-error { background: #ffebe9; color: #82071e; }
.sev-warning { background: #fff8c5; color: #7d4e00; }
.sev-note, .sev-unknown { background: #f6f8fa; color: #57606a; }
table.grid th, table.grid td { text-align: center; min-width: 4.5rem; }
table.grid th[scope=row] { text-align: left; }
table.grid td.cell { font-weight: 700; font-variant-numeric: tabular-nums; }
.cell.ok { background: #dafbe1; color: #116329; }
.cell.warn { background: #fff1c2; color: #7d4e00; }
.cell.err { background: #ffd8d3; color: #a40e26; }
.cell.diag { background: #e7e9ec; color: #6e7781; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; }
ul.legend li { display: flex; align-items: center; gap: .4rem; }
.swatch { display: inline-block; width: 1.1rem; height: 1.1rem; border: 1px solid #afb8c1; border-radius: 3px; }
footer { margin-top: 2.5rem; color: #57606a; font-size: .85em; border-top: 1px solid #d0d7de; padding-top: .5rem; }
"#;

fn html(m: &Matrix<'_>) -> String {
    let mut o = String::new();
    let root = esc(&m.result.root);
    let _ = writeln!(o, "<!DOCTYPE html>");
    let _ = writeln!(o, r#"<html lang="en">"#);
    let _ = writeln!(o, "<head>");
    let _ = writeln!(o, r#"<meta charset="utf-8">"#);
    let _ = writeln!(
        o,
        r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#
    );
    let _ = writeln!(
        o,
        r#"<meta name="generator" content="envguard {}">"#,
        esc(VERSION)
    );
    let _ = writeln!(o, "<title>Environment isolation matrix: {root}</title>");
    let _ = writeln!(o, "<style>{CSS}</style>");
    let _ = writeln!(o, "</head>");
    let _ = writeln!(o, "<body>");
    let _ = writeln!(o, "<main>");
    let _ = writeln!(o, "<h1>Environment isolation matrix</h1>");
    let cross = m.cross().count();
    let errors = m
        .cross()
        .filter(|r| m.level(Some(r)) == Level::Error)
        .count();
    let _ = writeln!(
        o,
        r#"<p class="meta">Scanned root: <code>{root}</code> · {} environment(s) · {cross} environment pair(s) with references, {errors} with an active error finding · evidence for policy 000 §6 (environment isolation matrix)</p>"#,
        m.environments.len()
    );

    // The environment table.
    let _ = writeln!(o, "<h2>Environments</h2>");
    if m.environments.is_empty() {
        let _ = writeln!(o, r#"<p class="empty">No environments found.</p>"#);
    } else {
        let _ = writeln!(o, r#"<table class="envs">"#);
        let _ = writeln!(
            o,
            "<thead><tr><th>Environment</th><th>Tier</th><th>Data class</th><th>Paths</th><th>Files</th><th>Hosts</th><th>CIDRs</th><th>Accounts</th><th>State backends</th><th>Resource suffix</th><th>Secrets</th><th>Findings by rule</th></tr></thead>"
        );
        let _ = writeln!(o, "<tbody>");
        for e in &m.environments {
            let inferred = if e.inferred {
                r#" <span class="muted">(inferred)</span>"#
            } else {
                ""
            };
            let class = data_class(e.data_class).map_or_else(
                || r#"<span class="none">—</span>"#.to_owned(),
                |d| format!(r#"<span class="badge">{d}</span>"#),
            );
            let suffix = e.resource_suffix.as_deref().map_or_else(
                || r#"<span class="none">—</span>"#.to_owned(),
                |s| format!("<code>{}</code>", esc(s)),
            );
            let _ = writeln!(
                o,
                r#"<tr><th scope="row">{}{inferred}</th><td><span class="tier tier-{t}">{t}</span></td><td>{class}</td><td>{}</td><td class="num">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{suffix}</td><td class="num">{}</td><td>{}</td></tr>"#,
                esc(&e.name),
                html_list(&e.paths),
                e.files,
                html_list(&e.hosts),
                html_list(&e.cidrs),
                html_list(&e.accounts),
                html_list(&e.state_backends),
                e.secrets,
                html_findings(m, &e.findings_by_rule, &e.name, None),
                t = e.tier.as_str(),
            );
        }
        let _ = writeln!(o, "</tbody>");
        let _ = writeln!(o, "</table>");
    }

    // The grid.
    let _ = writeln!(o, "<h2>Cross-environment references</h2>");
    if m.axes.is_empty() {
        let _ = writeln!(
            o,
            r#"<p class="empty">No environments found, so nothing to cross-reference.</p>"#
        );
    } else {
        let _ = writeln!(
            o,
            "<p>Rows: the environment whose files hold the reference. Columns: the environment whose identity marker (host, network, account, bucket, state backend) they name. Hover a cell for example markers and the rules behind it.</p>"
        );
        let _ = writeln!(o, r#"<table class="grid">"#);
        let _ = write!(o, r#"<thead><tr><th scope="col">From ↓ / To →</th>"#);
        for to in &m.axes {
            let _ = write!(o, r#"<th scope="col">{}</th>"#, esc(to));
        }
        let _ = writeln!(o, "</tr></thead>");
        let _ = writeln!(o, "<tbody>");
        for from in &m.axes {
            let _ = write!(o, r#"<tr><th scope="row">{}</th>"#, esc(from));
            for to in &m.axes {
                let r = m.reference(from, to);
                let count = r.map_or(0, |r| r.count);
                let (class, status) = if from == to {
                    ("diag", "same environment")
                } else {
                    match m.level(r) {
                        Level::None => ("ok", "no references"),
                        Level::Warn => ("warn", "references, no active error finding"),
                        Level::Error => ("err", "references with an active error finding"),
                    }
                };
                let shown = if from == to && count == 0 {
                    "—".to_owned()
                } else {
                    count.to_string()
                };
                let _ = write!(
                    o,
                    r#"<td class="cell {class}" data-from="{}" data-to="{}" data-count="{count}" title="{}"><span class="n">{shown}</span><span class="sr"> ({status})</span></td>"#,
                    esc(from),
                    esc(to),
                    tooltip(m, from, to, r),
                );
            }
            let _ = writeln!(o, "</tr>");
        }
        let _ = writeln!(o, "</tbody>");
        let _ = writeln!(o, "</table>");
        let _ = writeln!(o, r#"<ul class="legend">"#);
        let _ = writeln!(
            o,
            r#"<li><span class="swatch cell ok"></span>no references</li>"#
        );
        let _ = writeln!(
            o,
            r#"<li><span class="swatch cell warn"></span>references, but no active finding of severity error (warnings at most)</li>"#
        );
        let _ = writeln!(
            o,
            r#"<li><span class="swatch cell err"></span>an active finding of severity error lies behind the references</li>"#
        );
        let _ = writeln!(
            o,
            r#"<li><span class="swatch cell diag"></span>the same environment</li>"#
        );
        let _ = writeln!(o, "</ul>");

        if !m.references.is_empty() {
            let _ = writeln!(o, "<h2>Reference details</h2>");
            let _ = writeln!(o, r#"<table class="refs">"#);
            let _ = writeln!(
                o,
                "<thead><tr><th>From</th><th>To</th><th>References</th><th>Active findings</th><th>Examples</th></tr></thead>"
            );
            let _ = writeln!(o, "<tbody>");
            for r in &m.references {
                let _ = writeln!(
                    o,
                    r#"<tr><td>{}</td><td>{}</td><td class="num">{}</td><td>{}</td><td>{}</td></tr>"#,
                    esc(&r.from),
                    esc(&r.to),
                    r.count,
                    html_findings(m, &r.findings_by_rule, &r.from, Some(&r.to)),
                    html_list(&r.examples),
                );
            }
            let _ = writeln!(o, "</tbody>");
            let _ = writeln!(o, "</table>");
        }
    }

    // Shared markers.
    let _ = writeln!(o, "<h2>Shared markers</h2>");
    if m.shared_markers.is_empty() {
        let _ = writeln!(o, r#"<p class="none">None.</p>"#);
    } else {
        let _ = writeln!(
            o,
            "<p>Markers every environment may reference (not counted as cross-references):</p>"
        );
        let _ = writeln!(o, "{}", html_list(&m.shared_markers));
    }
    let _ = writeln!(o, "</main>");
    let _ = writeln!(o, "<footer>generated by envguard {}</footer>", esc(VERSION));
    let _ = writeln!(o, "</body>");
    let _ = writeln!(o, "</html>");
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use envguard_model::{EnvSummary, Isolation, RuleMeta, ScanStats, Tier};

    const ERROR_RULE: RuleMeta = RuleMeta {
        id: "R01.secret-reuse",
        summary: "The same secret value is used in two or more environments",
        default_severity: Severity::Error,
        clauses: "000 §3 R-01",
        doc: "",
    };
    const WARNING_RULE: RuleMeta = RuleMeta {
        id: "R07.cross-env-host",
        summary: "A file of one environment names a host of another",
        default_severity: Severity::Warning,
        clauses: "000 §2",
        doc: "",
    };

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    fn env(name: &str, tier: Tier) -> EnvIsolation {
        EnvIsolation {
            name: name.to_owned(),
            tier,
            data_class: None,
            inferred: false,
            paths: Vec::new(),
            files: 0,
            hosts: Vec::new(),
            cidrs: Vec::new(),
            accounts: Vec::new(),
            state_backends: Vec::new(),
            resource_suffix: None,
            secrets: 0,
            findings_by_rule: BTreeMap::new(),
        }
    }

    fn reference(from: &str, to: &str, count: u64, findings: &[(&str, u64)]) -> CrossReference {
        CrossReference {
            from: from.to_owned(),
            to: to.to_owned(),
            count,
            findings_by_rule: findings
                .iter()
                .map(|(id, n)| ((*id).to_owned(), *n))
                .collect(),
            examples: Vec::new(),
        }
    }

    fn summary(name: &str, tier: Tier, files: u64) -> EnvSummary {
        EnvSummary {
            name: name.to_owned(),
            tier,
            files,
            inferred: false,
        }
    }

    /// dev, staging and prod, deliberately out of order; dev → prod behind an
    /// error finding, staging → prod behind a warning, prod → dev with no
    /// finding, dev ↔ staging clean.
    fn sample() -> ScanResult {
        let mut prod = env("prod", Tier::Prod);
        prod.data_class = Some(DataClass::Live);
        prod.paths = strings(&["k8s/overlays/prod/**", "config/production.json"]);
        prod.files = 7;
        prod.hosts = strings(&["db.prod.internal", "api.acme.example"]);
        prod.cidrs = strings(&["10.30.0.0/16"]);
        prod.accounts = strings(&["111111111111"]);
        prod.state_backends = strings(&["s3://acme-tf/prod.tfstate (lock: tf-locks)"]);
        prod.resource_suffix = Some("-prod".to_owned());
        prod.secrets = 2;
        prod.findings_by_rule = [("R01.secret-reuse".to_owned(), 2)].into_iter().collect();

        let mut dev = env("dev", Tier::Dev);
        dev.inferred = true;
        dev.data_class = Some(DataClass::Synthetic);
        dev.files = 4;
        dev.hosts = strings(&["localhost"]);

        let mut staging = env("staging", Tier::Test);
        staging.data_class = Some(DataClass::Masked);
        staging.files = 3;

        let mut dev_prod = reference("dev", "prod", 2, &[("R01.secret-reuse", 1)]);
        dev_prod.examples = strings(&["db.prod.internal", "10.30.0.0/16"]);

        ScanResult {
            root: "examples/acme".to_owned(),
            findings: Vec::new(),
            diagnostics: Vec::new(),
            environments: vec![
                summary("prod", Tier::Prod, 7),
                summary("dev", Tier::Dev, 4),
                summary("staging", Tier::Test, 3),
            ],
            stats: ScanStats::default(),
            rules: vec![ERROR_RULE, WARNING_RULE],
            isolation: Isolation {
                environments: vec![prod, dev, staging],
                references: vec![
                    reference("staging", "prod", 1, &[("R07.cross-env-host", 1)]),
                    dev_prod,
                    reference("prod", "dev", 3, &[]),
                ],
                shared_markers: strings(&["registry.acme.example", "github.com"]),
            },
        }
    }

    fn empty() -> ScanResult {
        ScanResult {
            root: ".".to_owned(),
            findings: Vec::new(),
            diagnostics: Vec::new(),
            environments: Vec::new(),
            stats: ScanStats::default(),
            rules: vec![ERROR_RULE, WARNING_RULE],
            isolation: Isolation::default(),
        }
    }

    /// The opening tag of the grid cell from → to.
    fn cell<'h>(html: &'h str, from: &str, to: &str) -> &'h str {
        let needle = format!(r#"data-from="{}" data-to="{}""#, esc(from), esc(to));
        let at = html
            .find(&needle)
            .unwrap_or_else(|| panic!("no cell {from} → {to}"));
        let start = html[..at].rfind("<td").unwrap();
        let end = start + html[start..].find("</td>").unwrap();
        &html[start..end]
    }

    /// `|` that end a Markdown cell (not escaped with a backslash).
    fn pipes(line: &str) -> usize {
        let mut n = 0;
        let mut escaped = false;
        for c in line.chars() {
            if c == '|' && !escaped {
                n += 1;
            }
            escaped = c == '\\' && !escaped;
        }
        n
    }

    #[test]
    fn html_escapes_hostile_names() {
        let mut r = sample();
        let hostile = r#"<script>alert("x&y")</script>'"#;
        r.root = "<img src=x onerror=alert(1)>".to_owned();
        r.isolation.environments[1].name = hostile.to_owned();
        r.isolation.environments[1].hosts = strings(&["<b>evil</b>.example"]);
        r.isolation
            .references
            .push(reference(hostile, "prod", 1, &[]));
        r.isolation.references[0].examples = strings(&["\"><script>x</script>"]);
        let html = render_matrix(&r, MatrixFormat::Html);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>evil"));
        assert!(html.contains("&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains("&lt;b&gt;evil&lt;/b&gt;.example"));
        // The hostile name is a grid row and column, escaped in its data attributes.
        assert!(cell(&html, hostile, "prod").contains(r#"class="cell warn""#));
        // Control characters never reach the page.
        r.isolation.environments[1].name = "a\u{1b}[31mb\nc".to_owned();
        let html = render_matrix(&r, MatrixFormat::Html);
        assert!(!html.contains('\u{1b}'));
        assert!(html.contains(r"a\u{1b}[31mb\u{a}c"));
    }

    #[test]
    fn html_grid_cells_are_red_amber_green_and_grey() {
        let html = render_matrix(&sample(), MatrixFormat::Html);
        // An active finding of an error rule behind dev → prod.
        let c = cell(&html, "dev", "prod");
        assert!(c.contains(r#"class="cell err""#), "{c}");
        assert!(c.contains(r#"data-count="2""#));
        assert!(c.contains(r#"<span class="n">2</span>"#));
        assert!(
            c.contains(r#"title="dev → prod: 2 reference(s)&#10;examples: 10.30.0.0/16, db.prod.internal&#10;active findings: R01.secret-reuse ×1 (error)""#),
            "tooltip: {c}"
        );
        // Only a warning rule behind staging → prod; no finding behind prod → dev.
        let c = cell(&html, "staging", "prod");
        assert!(c.contains(r#"class="cell warn""#), "{c}");
        assert!(c.contains("R07.cross-env-host ×1 (warning)"), "{c}");
        let c = cell(&html, "prod", "dev");
        assert!(c.contains(r#"class="cell warn""#), "{c}");
        assert!(c.contains("no active findings"), "{c}");
        // No references.
        let c = cell(&html, "dev", "staging");
        assert!(c.contains(r#"class="cell ok""#), "{c}");
        assert!(c.contains(r#"<span class="n">0</span>"#), "{c}");
        assert!(c.contains("no references"), "{c}");
        // The diagonal.
        for e in ["dev", "staging", "prod"] {
            assert!(cell(&html, e, e).contains(r#"class="cell diag""#));
        }
        // 3 × 3 cells; a legend for each colour.
        assert_eq!(html.matches(r#"<td class="cell "#).count(), 9);
        for class in ["ok", "warn", "err", "diag"] {
            assert!(html.contains(&format!(r#"<span class="swatch cell {class}">"#)));
        }
    }

    #[test]
    fn an_unknown_rule_is_not_an_error() {
        let mut r = sample();
        r.isolation.references = vec![reference("dev", "prod", 1, &[("R99.gone", 4)])];
        let html = render_matrix(&r, MatrixFormat::Html);
        assert!(cell(&html, "dev", "prod").contains(r#"class="cell warn""#));
        // An error rule with zero active findings is no error either.
        r.isolation.references = vec![reference("dev", "prod", 1, &[("R01.secret-reuse", 0)])];
        let html = render_matrix(&r, MatrixFormat::Html);
        assert!(cell(&html, "dev", "prod").contains(r#"class="cell warn""#));
    }

    #[test]
    fn cells_say_the_findings_severity_not_the_rules_default() {
        // prod naming a non-prod marker: a warning of an error rule.
        let mut r = sample();
        r.isolation.references = vec![reference("prod", "dev", 1, &[("R01.secret-reuse", 1)])];
        r.findings = vec![envguard_model::FindingBuilder::new(
            "R01.secret-reuse",
            Severity::Warning,
            envguard_model::Location {
                path: "envs/prod/app.env".to_owned(),
                region: envguard_model::Region::line(3),
            },
        )
        .environment("prod")
        .environment("dev")
        .build()];
        let html = render_matrix(&r, MatrixFormat::Html);
        assert!(cell(&html, "prod", "dev").contains(r#"class="cell warn""#));
        let md = render_matrix(&r, MatrixFormat::Markdown);
        assert!(md.contains("`R01.secret-reuse` ×1 (warning)"), "{md}");
        assert!(!md.contains("| 1 (error) |"), "{md}");
        // The same finding at error makes the cell an error.
        r.findings[0].severity = Severity::Error;
        let html = render_matrix(&r, MatrixFormat::Html);
        assert!(cell(&html, "prod", "dev").contains(r#"class="cell err""#));
    }

    #[test]
    fn html_is_one_self_contained_page() {
        let html = render_matrix(&sample(), MatrixFormat::Html);
        assert!(html.starts_with("<!DOCTYPE html>\n"));
        assert!(html.trim_end().ends_with("</html>"));
        assert!(!html.contains("<script"));
        for external in [
            "src=", "href=", "http:", "https:", "@import", "url(", "<link",
        ] {
            assert!(!html.contains(external), "{external}");
        }
        assert!(html.contains(&format!(
            "generated by envguard {}",
            env!("CARGO_PKG_VERSION")
        )));
        // Tier badges, in tier order.
        let dev = html
            .find(r#"<span class="tier tier-dev">dev</span>"#)
            .unwrap();
        let test = html
            .find(r#"<span class="tier tier-test">test</span>"#)
            .unwrap();
        let prod = html
            .find(r#"<span class="tier tier-prod">prod</span>"#)
            .unwrap();
        assert!(dev < test && test < prod);
        assert!(html.contains("<code>registry.acme.example</code>"));
    }

    #[test]
    fn html_with_zero_environments() {
        let html = render_matrix(&empty(), MatrixFormat::Html);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("No environments found"));
        assert!(!html.contains("<table"));
        assert!(!html.contains("<td"));
        assert!(html.contains("generated by envguard"));
        let md = render_matrix(&empty(), MatrixFormat::Markdown);
        assert!(md.contains("No environments found."));
        assert!(!md.contains(MD_ENV_HEADER));
    }

    #[test]
    fn markdown_tables_have_one_shape() {
        let mut r = sample();
        r.isolation.environments[0].hosts.push("a|b\nc".to_owned());
        r.isolation.environments[2].name = "qa|x\ny".to_owned();
        r.environments[2].name = "qa|x\ny".to_owned();
        r.isolation.references[0].from = "qa|x\ny".to_owned();
        let md = render_matrix(&r, MatrixFormat::Markdown);
        assert!(md.starts_with("# Environment isolation matrix\n"));
        assert!(md.contains("Scanned root: `examples/acme`"));

        let lines: Vec<&str> = md.lines().collect();
        let header = lines.iter().position(|l| *l == MD_ENV_HEADER).unwrap();
        let table: Vec<&str> = lines[header..]
            .iter()
            .take_while(|l| l.starts_with('|'))
            .copied()
            .collect();
        assert_eq!(table.len(), 2 + 3, "{table:#?}");
        for l in &table {
            assert_eq!(pipes(l), 13, "{l}");
        }
        assert!(table[2].starts_with("| **dev** (inferred) | dev | synthetic |"));
        assert!(
            table[3].starts_with(r"| **qa\|x y** | test | masked |"),
            "{}",
            table[3]
        );
        assert!(table[4].starts_with(
            "| **prod** | prod | live | `config/production.json`, `k8s/overlays/prod/**` | 7 |"
        ));
        assert!(table[4].contains(r"`a\|b c`"), "{}", table[4]);
        assert!(table[4].contains("`R01.secret-reuse` ×2 (error)"));

        // The grid: rows = from, columns = to, in tier order.
        let grid = lines
            .iter()
            .position(|l| l.starts_with("| From ↓ / To →"))
            .unwrap();
        let grid: Vec<&str> = lines[grid..]
            .iter()
            .take_while(|l| l.starts_with('|'))
            .copied()
            .collect();
        assert_eq!(grid.len(), 2 + 3, "{grid:#?}");
        for l in &grid {
            assert_eq!(pipes(l), 5, "{l}");
        }
        assert_eq!(grid[0], r"| From ↓ / To → | dev | qa\|x y | prod |");
        assert_eq!(grid[2], "| **dev** | — | — | 2 (error) |");
        assert_eq!(grid[3], r"| **qa\|x y** | — | — | 1 |");
        assert_eq!(grid[4], "| **prod** | 3 | — | — |");
        assert!(md.contains("| dev | prod | 2 | `R01.secret-reuse` ×1 (error) | `10.30.0.0/16`, `db.prod.internal` |"));
        // Shared markers, sorted; the generation note.
        let gh = md.find("- `github.com`").unwrap();
        let reg = md.find("- `registry.acme.example`").unwrap();
        assert!(gh < reg);
        assert!(md.contains(&format!(
            "generated by envguard {}",
            env!("CARGO_PKG_VERSION")
        )));
    }

    #[test]
    fn json_round_trips_through_value() {
        let text = render_matrix(&sample(), MatrixFormat::Json);
        assert!(text.ends_with("}\n"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let again: serde_json::Value =
            serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
        assert_eq!(v, again);
        assert_eq!(v["version"], 1);
        assert_eq!(v["root"], "examples/acme");
        let keys: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "environments",
                "references",
                "root",
                "shared_markers",
                "version"
            ]
            .into_iter()
            .collect()
        );
        let names: Vec<&str> = v["environments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["dev", "staging", "prod"]);
        let prod = &v["environments"][2];
        assert_eq!(prod["tier"], "prod");
        assert_eq!(prod["data_class"], "live");
        assert_eq!(prod["files"], 7);
        assert_eq!(
            prod["hosts"],
            serde_json::json!(["api.acme.example", "db.prod.internal"])
        );
        assert_eq!(prod["findings_by_rule"]["R01.secret-reuse"], 2);
        assert_eq!(v["environments"][0]["data_class"], "synthetic");
        let refs: Vec<(String, String, u64)> = v["references"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["from"].as_str().unwrap().to_owned(),
                    r["to"].as_str().unwrap().to_owned(),
                    r["count"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            refs,
            [
                ("dev".to_owned(), "prod".to_owned(), 2),
                ("prod".to_owned(), "dev".to_owned(), 3),
                ("staging".to_owned(), "prod".to_owned(), 1),
            ]
        );
        assert_eq!(
            v["shared_markers"],
            serde_json::json!(["github.com", "registry.acme.example"])
        );
        let empty: serde_json::Value =
            serde_json::from_str(&render_matrix(&empty(), MatrixFormat::Json)).unwrap();
        assert_eq!(empty["environments"], serde_json::json!([]));
        assert_eq!(empty["references"], serde_json::json!([]));
    }

    #[test]
    fn rows_come_from_the_scan_when_the_matrix_lacks_them() {
        let mut r = sample();
        r.isolation.environments.retain(|e| e.name != "staging");
        r.isolation.references.push(reference("qa", "prod", 5, &[]));
        let v: serde_json::Value =
            serde_json::from_str(&render_matrix(&r, MatrixFormat::Json)).unwrap();
        let staging = &v["environments"][1];
        assert_eq!(staging["name"], "staging");
        assert_eq!(staging["tier"], "test");
        assert_eq!(staging["files"], 3);
        // `qa` is only named by a reference: a grid row and column, no table row.
        assert_eq!(v["environments"].as_array().unwrap().len(), 3);
        let html = render_matrix(&r, MatrixFormat::Html);
        assert!(cell(&html, "qa", "prod").contains(r#"data-count="5""#));
        assert_eq!(html.matches(r#"<td class="cell "#).count(), 16);
    }

    #[test]
    fn duplicate_references_are_merged() {
        let mut r = sample();
        let mut again = reference("dev", "prod", 4, &[("R01.secret-reuse", 2)]);
        again.examples = strings(&["a.example", "b.example", "c.example"]);
        r.isolation.references.push(again);
        let v: serde_json::Value =
            serde_json::from_str(&render_matrix(&r, MatrixFormat::Json)).unwrap();
        let refs = v["references"].as_array().unwrap();
        assert_eq!(refs.len(), 3);
        assert_eq!(refs[0]["count"], 6);
        assert_eq!(refs[0]["findings_by_rule"]["R01.secret-reuse"], 3);
        assert_eq!(
            refs[0]["examples"],
            serde_json::json!(["10.30.0.0/16", "a.example", "b.example"])
        );
    }

    #[test]
    fn output_does_not_depend_on_input_order() {
        let a = sample();
        let mut b = sample();
        b.isolation.environments.reverse();
        b.isolation.references.reverse();
        b.isolation.shared_markers.reverse();
        b.environments.reverse();
        for e in &mut b.isolation.environments {
            e.paths.reverse();
            e.hosts.reverse();
        }
        for f in MatrixFormat::ALL {
            assert_eq!(render_matrix(&a, f), render_matrix(&b, f), "{}", f.as_str());
        }
    }
}
