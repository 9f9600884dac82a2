//! Human-readable text: findings grouped by rule, then diagnostics, then a
//! summary. ANSI colour only when asked for.

use crate::view::{human_bytes, plural, sanitize, Verdict, View, SEVERITIES, SUPPRESSION_KINDS};
use crate::RenderOptions;
use envguard_model::{Diagnostic, DiagnosticKind, Finding, Location, Severity};
use std::io::{self, Write};

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const CYAN: &str = "\x1b[1;36m";
const GREEN: &str = "\x1b[1;32m";

#[derive(Clone, Copy)]
struct Paint {
    color: bool,
}

impl Paint {
    fn style(self, style: &str, text: &str) -> String {
        if self.color {
            format!("{style}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }

    fn severity(self, s: Severity) -> String {
        let style = match s {
            Severity::Error => RED,
            Severity::Warning => YELLOW,
            Severity::Note => CYAN,
        };
        self.style(style, s.as_str())
    }
}

fn loc(l: &Location) -> String {
    format!(
        "{}:{}:{}",
        sanitize(&l.path),
        l.region.start_line,
        l.region.start_column
    )
}

pub(crate) fn render(view: &View<'_>, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let p = Paint { color: opts.color };

    if view.active.is_empty() {
        writeln!(out, "{}", p.style(GREEN, "No active findings."))?;
        writeln!(out)?;
    }
    for rule in &view.rules {
        let findings: Vec<&Finding> = view.active_for(rule.id).collect();
        if findings.is_empty() {
            continue;
        }
        // The severities its findings carry, highest first, not the rule's
        // default: a rule can lower it (a hard-coded secret in dev or tests).
        let severities: Vec<String> = SEVERITIES
            .iter()
            .filter(|s| findings.iter().any(|f| f.severity == **s))
            .map(|s| p.severity(*s))
            .collect();
        writeln!(
            out,
            "{}  {}  {}  ({})",
            p.style(BOLD, &sanitize(rule.id)),
            severities.join("/"),
            sanitize(rule.summary()),
            plural(findings.len() as u64, "finding", "findings"),
        )?;
        writeln!(out)?;
        let help = rule.doc_path();
        for f in findings {
            writeln!(
                out,
                "  {}: {}: {}",
                p.style(BOLD, &loc(&f.location)),
                p.severity(f.severity),
                sanitize(&f.message)
            )?;
            if !f.environments.is_empty() {
                let envs: Vec<_> = f.environments.iter().map(|e| sanitize(e)).collect();
                writeln!(out, "    environments: {}", envs.join(", "))?;
            }
            for r in &f.related {
                writeln!(
                    out,
                    "    {}: {}:{}",
                    sanitize(&r.label),
                    sanitize(&r.location.path),
                    r.location.region.start_line
                )?;
            }
            writeln!(
                out,
                "    {}",
                p.style(DIM, &format!("id: {}", sanitize(&f.id)))
            )?;
            writeln!(out, "    {}", p.style(DIM, &format!("help: {help}")))?;
            writeln!(out)?;
        }
    }

    // Fail closed: what was not read comes first and in full.
    let not_checked: Vec<&Diagnostic> = view.diagnostics_of(DiagnosticKind::NotChecked).collect();
    if !not_checked.is_empty() {
        writeln!(
            out,
            "{}",
            p.style(RED, &format!("not checked ({})", not_checked.len()))
        )?;
        for d in &not_checked {
            writeln!(out, "  {}", diagnostic_line(d, &p))?;
        }
        writeln!(out)?;
    }
    let others: Vec<&Diagnostic> = view
        .diagnostics
        .iter()
        .copied()
        .filter(|d| !d.kind.incomplete())
        .collect();
    if !others.is_empty() {
        writeln!(
            out,
            "{}",
            p.style(BOLD, &format!("diagnostics ({})", others.len()))
        )?;
        for kind in DiagnosticKind::ALL {
            let of_kind: Vec<&&Diagnostic> = others.iter().filter(|d| d.kind == kind).collect();
            // Named, not only counted; a long list of binaries or vendored
            // files is cut here and given whole in the JSON and SARIF reports.
            let cap = match kind {
                DiagnosticKind::Binary | DiagnosticKind::OutOfScope => LISTED,
                _ => usize::MAX,
            };
            for d in of_kind.iter().take(cap) {
                writeln!(out, "  {}", diagnostic_line(d, &p))?;
            }
            if of_kind.len() > cap {
                writeln!(
                    out,
                    "  {}  … and {} more (the JSON report lists every one)",
                    p.style(YELLOW, kind.as_str()),
                    of_kind.len() - cap
                )?;
            }
        }
        writeln!(out)?;
    }

    let c = &view.counts;
    let stats = &view.result.stats;
    writeln!(out, "{}", p.style(BOLD, "summary"))?;
    writeln!(
        out,
        "  scanned       {} ({}; {} parsed, {} skipped)",
        plural(stats.files_scanned, "file", "files"),
        human_bytes(stats.bytes_scanned),
        stats.files_parsed,
        stats.files_skipped
    )?;
    if stats.files_skipped > 0 {
        writeln!(
            out,
            "  skipped       {} not checked, {} binary, {} out of scope (vendored, minified, generated, lockfiles)",
            stats.not_checked, stats.binary, stats.out_of_scope
        )?;
    }
    let envs = view.environment_labels(|n| sanitize(n).into_owned());
    writeln!(
        out,
        "  environments  {}",
        if envs.is_empty() {
            "none".to_owned()
        } else {
            envs.join(", ")
        }
    )?;
    let by_sev: Vec<String> = SEVERITIES
        .iter()
        .map(|s| format!("{} {}", c.active_of(*s), s))
        .collect();
    writeln!(
        out,
        "  findings      {} active: {}",
        c.active(),
        by_sev.join(", ")
    )?;
    let by_kind: Vec<String> = SUPPRESSION_KINDS
        .iter()
        .map(|k| format!("{} {}", c.suppressed_of(*k), k.as_str()))
        .collect();
    writeln!(
        out,
        "  suppressed    {}: {}",
        c.suppressed(),
        by_kind.join(", ")
    )?;
    writeln!(out, "  diagnostics   {}", view.diagnostics.len())?;
    let verdict = match view.fail_on {
        _ if view.verdict() == Verdict::Incomplete => format!(
            "{}: {} in scope not checked (listed above; --allow-incomplete to accept)",
            p.style(RED, "incomplete"),
            plural(stats.not_checked.max(1), "path", "paths")
        ),
        None => p.style(GREEN, "pass") + " (--fail-on never)",
        Some(t) if view.fails() => format!(
            "{}: {} at or above {t}",
            p.style(RED, "fail"),
            plural(c.failing, "active finding", "active findings")
        ),
        Some(t) => format!(
            "{}: no active finding at or above {t}",
            p.style(GREEN, "pass")
        ),
    };
    writeln!(out, "  result        {verdict}")?;
    Ok(())
}

/// Binary and out-of-scope files named in the text report before "… and N more".
const LISTED: usize = 10;

fn diagnostic_line(d: &Diagnostic, p: &Paint) -> String {
    let place = match d.region {
        Some(r) => format!("{}:{}:{}", sanitize(&d.path), r.start_line, r.start_column),
        None => sanitize(&d.path).into_owned(),
    };
    let place = if place.is_empty() {
        "(no file)".to_owned()
    } else {
        place
    };
    let color = if d.kind.incomplete() { RED } else { YELLOW };
    format!(
        "{}  {}: {}",
        p.style(color, d.kind.as_str()),
        place,
        sanitize(&d.message)
    )
}
