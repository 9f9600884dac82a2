//! The matrix as one self-contained HTML page.

use super::*;

/// Escapes text for HTML content and (quoted) attribute values; control
/// characters are shown escaped rather than passed through.
pub(super) fn esc(s: &str) -> String {
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

pub(super) fn html_list(items: &[String]) -> String {
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
pub(super) fn html_findings(
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
pub(super) fn tooltip(m: &Matrix<'_>, from: &str, to: &str, r: Option<&CrossReference>) -> String {
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

pub(super) const CSS: &str = r#"
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

pub(super) fn html(m: &Matrix<'_>) -> String {
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

    environments(&mut o, m);
    grid(&mut o, m);
    shared_markers(&mut o, m);
    let _ = writeln!(o, "</main>");
    let _ = writeln!(o, "<footer>generated by envguard {}</footer>", esc(VERSION));
    let _ = writeln!(o, "</body>");
    let _ = writeln!(o, "</html>");
    o
}

/// The environment table: one row an environment.
fn environments(o: &mut String, m: &Matrix<'_>) {
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
}

/// The from × to grid of reference counts, its legend and the details.
fn grid(o: &mut String, m: &Matrix<'_>) {
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
                grid_cell(o, m, from, to);
            }
            let _ = writeln!(o, "</tr>");
        }
        let _ = writeln!(o, "</tbody>");
        let _ = writeln!(o, "</table>");
        legend(o);
        reference_details(o, m);
    }
}

/// One cell of the grid: the count, coloured by what lies behind it, with a tooltip.
fn grid_cell(o: &mut String, m: &Matrix<'_>, from: &str, to: &str) {
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

fn legend(o: &mut String) {
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
}

/// Every (from, to) pair behind the grid, with examples.
fn reference_details(o: &mut String, m: &Matrix<'_>) {
    if m.references.is_empty() {
        return;
    }
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

fn shared_markers(o: &mut String, m: &Matrix<'_>) {
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
}
