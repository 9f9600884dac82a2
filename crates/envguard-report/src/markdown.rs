//! GitHub-flavoured Markdown for pull-request comments and evidence packs: a
//! summary header, then one table per rule with active findings, then the
//! suppressed findings and the diagnostics.
//!
//! Text from the scan (paths, messages, labels) is escaped so that it cannot
//! break a table or inject markup: `|` and backticks above all.

use crate::view::{human_bytes, plural, sanitize, Verdict, View, SEVERITIES, SUPPRESSION_KINDS};
use crate::RenderOptions;
use envguard_model::Location;
use std::io::{self, Write};

/// Escapes `s` as plain Markdown text (one copy for the report and the
/// matrix): line breaks become spaces, control characters are escaped, and
/// every character that could start markup or end a table cell (`|`) gets a
/// backslash (`#` too: a heading at a cell's or a line's start).
pub(crate) fn text(s: &str) -> String {
    let s = one_line(s);
    let s = sanitize(&s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn one_line(s: &str) -> String {
    s.replace("\r\n", " ").replace(['\n', '\r'], " ")
}

/// `s` as an inline code span inside a table cell. A backtick cannot be escaped
/// inside a code span, so text containing one (or only blanks) falls back to
/// escaped plain text; `|` is escaped (GFM reads `\|` in a cell's code span as
/// `|`); a line break would end the row, so it becomes a space.
pub(crate) fn code_cell(s: &str) -> String {
    let s = one_line(s);
    let s = sanitize(&s);
    if s.contains('`') || s.trim().is_empty() {
        text(&s)
    } else {
        format!("`{}`", s.replace('|', "\\|"))
    }
}

/// `s` as an inline code span outside a table.
fn code(s: &str) -> String {
    let s = one_line(s);
    let s = sanitize(&s);
    if s.contains(['`', '|']) || s.trim().is_empty() {
        text(&s)
    } else {
        format!("`{s}`")
    }
}

fn place(l: &Location) -> String {
    code_cell(&format!("{}:{}", l.path, l.region.start_line))
}

pub(crate) fn render(
    view: &View<'_>,
    _opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    summary(view, out)?;
    findings(view, out)?;
    suppressed(view, out)?;
    diagnostics(view, out)
}

/// The verdict, the counts, what was scanned and the environments.
fn summary(view: &View<'_>, out: &mut dyn Write) -> io::Result<()> {
    let c = &view.counts;
    let stats = &view.result.stats;

    writeln!(out, "# envguard report")?;
    writeln!(out)?;
    let verdict = match view.fail_on {
        _ if view.verdict() == Verdict::Incomplete => format!(
            "**Result: incomplete**: {} in scope not checked (see Diagnostics, kind `not-checked`).",
            plural(stats.not_checked.max(1), "path", "paths")
        ),
        None => "**Result: pass** (`--fail-on never`).".to_owned(),
        Some(t) if view.fails() => format!(
            "**Result: fail**: {} at or above `{t}`.",
            plural(c.failing, "active finding", "active findings")
        ),
        Some(t) => format!("**Result: pass**: no active finding at or above `{t}`."),
    };
    writeln!(out, "{verdict}")?;
    writeln!(out)?;
    writeln!(
        out,
        "| Active | Error | Warning | Note | Suppressed | Diagnostics |"
    )?;
    writeln!(out, "|---:|---:|---:|---:|---:|---:|")?;
    let sev: Vec<String> = SEVERITIES
        .iter()
        .map(|s| c.active_of(*s).to_string())
        .collect();
    writeln!(
        out,
        "| {} | {} | {} | {} |",
        c.active(),
        sev.join(" | "),
        c.suppressed(),
        view.diagnostics.len()
    )?;
    writeln!(out)?;
    let kinds: Vec<String> = SUPPRESSION_KINDS
        .iter()
        .map(|k| format!("{} {}", c.suppressed_of(*k), k.as_str()))
        .collect();
    writeln!(
        out,
        "Scanned {} ({}) under {}: {} parsed, {} skipped. Suppressed: {}.",
        plural(stats.files_scanned, "file", "files"),
        human_bytes(stats.bytes_scanned),
        code(&view.result.root),
        stats.files_parsed,
        stats.files_skipped,
        kinds.join(", ")
    )?;
    writeln!(out)?;
    if view.environments.is_empty() {
        writeln!(out, "**Environments:** none.")?;
    } else {
        let envs = view.environment_labels(text);
        writeln!(out, "**Environments:** {}.", envs.join(", "))?;
    }
    Ok(())
}

/// One table a rule with active findings, then the rules without.
fn findings(view: &View<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut quiet = Vec::new();
    for rule in &view.rules {
        let findings: Vec<_> = view.active_for(rule.id).collect();
        if findings.is_empty() {
            quiet.push(code(rule.id));
            continue;
        }
        writeln!(out)?;
        writeln!(out, "## {}: {}", code(rule.id), text(rule.summary()))?;
        writeln!(out)?;
        writeln!(
            out,
            "{}, default severity {}. [Rule documentation]({}).",
            plural(findings.len() as u64, "active finding", "active findings"),
            rule.default_severity(),
            rule.help_uri()
        )?;
        writeln!(out)?;
        writeln!(out, "| Location | Severity | Environments | Message |")?;
        writeln!(out, "|---|---|---|---|")?;
        for f in findings {
            let envs: Vec<String> = f.environments.iter().map(|e| text(e)).collect();
            let mut message = text(&f.message);
            for r in &f.related {
                message.push_str(&format!("<br>{}: {}", text(&r.label), place(&r.location)));
            }
            message.push_str(&format!("<br>id {}", code_cell(&f.id)));
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                place(&f.location),
                f.severity,
                envs.join(", "),
                message
            )?;
        }
    }
    if view.active.is_empty() {
        writeln!(out)?;
        writeln!(out, "No active findings.")?;
    }
    if !quiet.is_empty() {
        writeln!(out)?;
        writeln!(out, "Rules with no active finding: {}.", quiet.join(", "))?;
    }
    Ok(())
}

fn suppressed(view: &View<'_>, out: &mut dyn Write) -> io::Result<()> {
    if !view.suppressed.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Suppressed findings ({})", view.suppressed.len())?;
        writeln!(out)?;
        writeln!(
            out,
            "| Location | Rule | Severity | Suppressed by | Justification |"
        )?;
        writeln!(out, "|---|---|---|---|---|")?;
        for f in &view.suppressed {
            let (kind, why) = match &f.suppression {
                Some(s) => (s.kind.as_str(), text(&s.justification)),
                None => ("", String::new()),
            };
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                place(&f.location),
                code_cell(&f.rule_id),
                f.severity,
                kind,
                why
            )?;
        }
    }
    Ok(())
}

fn diagnostics(view: &View<'_>, out: &mut dyn Write) -> io::Result<()> {
    if !view.diagnostics.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Diagnostics ({})", view.diagnostics.len())?;
        writeln!(out)?;
        writeln!(out, "| Location | Kind | Message |")?;
        writeln!(out, "|---|---|---|")?;
        for d in &view.diagnostics {
            let loc = match d.region {
                Some(r) => code_cell(&format!("{}:{}", d.path, r.start_line)),
                None => code_cell(&d.path),
            };
            writeln!(
                out,
                "| {} | {} | {} |",
                loc,
                d.kind.as_str(),
                text(&d.message)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipes_and_backticks_are_escaped() {
        assert_eq!(text("a|b`c"), "a\\|b\\`c");
        assert_eq!(text("x\ny\r\nz"), "x y z");
        assert_eq!(text("a\u{1b}b"), "a\\\\u{1b}b");
        assert_eq!(code_cell("a|b"), "`a\\|b`");
        assert_eq!(code_cell("a`b|c"), "a\\`b\\|c");
        assert_eq!(code("a|b"), "a\\|b");
        assert_eq!(code("app/.env"), "`app/.env`");
        // One escaping for the report and the matrix (they had drifted).
        assert_eq!(text("# heading"), "\\# heading");
        assert_eq!(code_cell("a\nb"), "`a b`");
        assert_eq!(code_cell("  "), "  ");
        assert_eq!(code_cell("plain"), "`plain`");
    }
}
