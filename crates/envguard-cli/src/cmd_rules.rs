use anyhow::{Context as _, Result};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct RulesArgs {
    /// Write one Markdown page per rule (docs/rules/<id>.md) into this folder.
    #[arg(long, value_name = "DIR")]
    write_docs: Option<PathBuf>,
}

pub fn run(args: RulesArgs) -> Result<u8> {
    let metas = envguard_rules::all_rule_meta();
    if let Some(dir) = args.write_docs {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
        for m in &metas {
            let path = dir.join(format!("{}.md", m.id));
            std::fs::write(&path, envguard_rules::render_rule_doc(m))
                .with_context(|| format!("{}: cannot write", path.display()))?;
        }
        return Ok(0);
    }
    let mut out = std::io::stdout().lock();
    out.write_all(rules_table(&metas).as_bytes())?;
    Ok(0)
}

/// One line a rule: id, default severity, summary and clauses, the first two
/// columns as wide as their longest cell.
fn rules_table(metas: &[envguard_model::RuleMeta]) -> String {
    let id_width = metas.iter().map(|m| m.id.len()).max().unwrap_or(0);
    let severity_width = metas
        .iter()
        .map(|m| m.default_severity.as_str().len())
        .max()
        .unwrap_or(0);
    let mut table = String::new();
    for m in metas {
        table.push_str(&format!(
            "{:<id_width$}  {:<severity_width$}  {}  [{}]\n",
            m.id,
            m.default_severity.as_str(),
            m.summary,
            m.clauses
        ));
    }
    table
}
