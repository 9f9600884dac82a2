//! The matrix as Markdown, for an auditor's evidence pack.

use super::*;

pub(super) fn md_list(items: &[String]) -> String {
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
pub(super) fn md_findings(
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
pub(super) const MD_ENV_HEADER: &str = "| Environment | Tier | Data class | Paths | Files | Hosts | CIDRs | Accounts | State backends | Resource suffix | Secrets | Findings by rule |";

pub(super) fn markdown(m: &Matrix<'_>) -> String {
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
