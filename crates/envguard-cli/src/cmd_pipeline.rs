use crate::config::{load_ci_settings, load_inventory, write_output};
use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use envguard_pipeline::{Approval, CiSettings, Job, Pipeline};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct PipelineArgs {
    /// The repository whose CI/CD pipelines to read.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the pipeline model to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Inventory file [default: PATH/envguard.toml when present].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Environment protection rules: the JSON of `gh api repos/OWNER/REPO/environments`.
    #[arg(long, value_name = "FILE")]
    ci_settings: Option<PathBuf>,
    /// Also read pipeline files excluded by .gitignore and .ignore.
    #[arg(long)]
    include_ignored: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Markdown,
}

/// One row of the pipeline table: workflow × job × trigger × target × secrets × gate.
#[derive(Serialize)]
struct Row<'a> {
    workflow: &'a str,
    system: envguard_pipeline::CiSystem,
    job: &'a str,
    line: u32,
    triggers: Vec<String>,
    target: Option<String>,
    target_evidence: Option<&'a str>,
    secrets: Vec<&'a str>,
    approval: String,
    needs_tests: bool,
}

fn gate(job: &Job, settings: Option<&CiSettings>) -> String {
    match job.approval(settings) {
        Approval::Manual => "manual approval".into(),
        Approval::Reviewers(env) => format!("environment {env} (required reviewers)"),
        Approval::NoReviewers(env) => format!("environment {env} (no reviewers)"),
        Approval::NotInSettings(env) => format!("environment {env} (not in settings)"),
        Approval::Unknown(env) => format!("environment {env} (protection unknown)"),
        Approval::None => "none".into(),
    }
}

fn rows<'a>(pipelines: &'a [Pipeline], settings: Option<&CiSettings>) -> Vec<Row<'a>> {
    let mut out = Vec::new();
    for p in pipelines {
        for job in &p.jobs {
            let mut secrets: Vec<&str> = job.secrets.iter().map(|s| s.name.as_str()).collect();
            secrets.sort_unstable();
            secrets.dedup();
            if job.secrets_inherit.is_some() {
                secrets.push("(inherit)");
            }
            out.push(Row {
                workflow: &p.path,
                system: p.system,
                job: &job.id,
                line: job.region.start_line,
                triggers: p.job_triggers(job).iter().map(|t| t.label()).collect(),
                target: job
                    .target
                    .as_ref()
                    .map(|t| format!("{} ({})", t.env, t.tier)),
                target_evidence: job.target.as_ref().map(|t| t.evidence.as_str()),
                secrets,
                approval: gate(job, settings),
                needs_tests: job.runs_tests || p.needs_closure(job).iter().any(|j| j.runs_tests),
            });
        }
    }
    out
}

pub fn run(args: PipelineArgs) -> Result<u8> {
    if !args.path.is_dir() {
        bail!("{}: not a directory", args.path.display());
    }
    let inventory = load_inventory(&args.path, args.config.as_deref())?;
    let settings = load_ci_settings(&args.path, args.ci_settings.as_deref(), &inventory)?;
    let (pipelines, problems) =
        envguard_engine::collect_pipelines(&envguard_engine::scope::Scope {
            root: &args.path,
            inventory: &inventory,
            include_ignored: args.include_ignored,
            include_vendored: false,
            threads: 0,
        });
    let rows = rows(&pipelines, settings.as_ref());
    let mut out = Vec::new();
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "version": 1,
                "jobs": rows,
                "problems": problems.iter().map(|(p, m)| serde_json::json!({"path": p, "message": m})).collect::<Vec<_>>(),
            });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        Format::Markdown => write_markdown(&mut out, &rows)?,
        Format::Text => write_text(&mut out, &pipelines, &rows, &problems)?,
    }
    write_output(args.output.as_deref(), &out)?;
    Ok(0)
}

/// One table row a job.
fn write_markdown(out: &mut Vec<u8>, rows: &[Row<'_>]) -> std::io::Result<()> {
    writeln!(
        out,
        "| workflow | job | triggers | target | secrets | approval | after tests |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|")?;
    for r in rows {
        let cell = |s: &str| s.replace('|', "\\|");
        writeln!(
            out,
            "| `{}` | `{}` (line {}) | {} | {} | {} | {} | {} |",
            r.workflow,
            r.job,
            r.line,
            cell(&r.triggers.join(", ")),
            cell(
                &r.target
                    .clone()
                    .map(|t| format!("{t}: {}", r.target_evidence.unwrap_or("")))
                    .unwrap_or_else(|| "—".into())
            ),
            cell(&r.secrets.join(", ")),
            cell(&r.approval),
            if r.needs_tests { "yes" } else { "no" }
        )?;
    }
    Ok(())
}

/// Per workflow, one block a job.
fn write_text(
    out: &mut Vec<u8>,
    pipelines: &[Pipeline],
    rows: &[Row<'_>],
    problems: &[(String, String)],
) -> std::io::Result<()> {
    for p in pipelines {
        writeln!(out, "{} ({:?})", p.path, p.system)?;
        for r in rows.iter().filter(|r| r.workflow == p.path) {
            writeln!(out, "  job {} (line {})", r.job, r.line)?;
            writeln!(out, "    triggers  {}", r.triggers.join(", "))?;
            match &r.target {
                Some(t) => writeln!(
                    out,
                    "    target    {t} — {}",
                    r.target_evidence.unwrap_or("")
                )?,
                None => writeln!(out, "    target    none (no deployment seen)")?,
            }
            if !r.secrets.is_empty() {
                writeln!(out, "    secrets   {}", r.secrets.join(", "))?;
            }
            writeln!(out, "    approval  {}", r.approval)?;
            writeln!(
                out,
                "    tests     {}",
                if r.needs_tests {
                    "runs after tests"
                } else {
                    "not after tests"
                }
            )?;
        }
    }
    if pipelines.is_empty() {
        writeln!(out, "No pipeline files found (.github/workflows/*.yml, .gitlab-ci.yml, .circleci/config.yml).")?;
    }
    for (p, m) in problems {
        writeln!(out, "problem: {p}: {m}")?;
    }
    Ok(())
}
