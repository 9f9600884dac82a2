use envguard_model::RuleMeta;

/// Renders a rule's documentation page (`docs/rules/<id>.md`) from its doc comment.
pub fn render_rule_doc(meta: &RuleMeta) -> String {
    let mut out = String::new();
    out.push_str("<!-- Generated from the rule's doc comment by `envguard rules --write-docs docs/rules`. Do not edit. -->\n");
    let mut lines = meta.doc.lines().map(|l| l.strip_prefix(' ').unwrap_or(l));
    // The first line is the `# id` heading; keep it, then add the facts table.
    if let Some(first) = lines.next() {
        out.push_str(first.trim_end());
        out.push('\n');
    }
    out.push_str(&format!(
        "\n| | |\n|---|---|\n| Summary | {} |\n| Default severity | {} |\n| Policy clauses | {} |\n",
        meta.summary, meta.default_severity, meta.clauses
    ));
    for l in lines {
        out.push_str(l.trim_end());
        out.push('\n');
    }
    out
}
