//! `envguard matrix`: runs the same check as `envguard check` and prints the
//! environment isolation matrix (policy 000 §6) it carries.

use crate::config::{write_output, Config, ConfigArgs};
use anyhow::Result;
use clap::{Args, ValueEnum};
use envguard_detect::Fingerprinter;
use envguard_engine::{check, CheckOptions};
use envguard_report::{render_matrix, MatrixFormat};
use std::path::PathBuf;

#[derive(Args)]
pub struct MatrixArgs {
    /// The repository (or single file) to map.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Markdown)]
    format: Format,
    /// Write the matrix to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    config: ConfigArgs,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Markdown, for evidence packs.
    Markdown,
    /// JSON, version 1.
    Json,
    /// One self-contained HTML page (no scripts, no external resources).
    Html,
}

pub fn run(args: MatrixArgs) -> Result<u8> {
    let root = &args.path;
    let Config {
        inventory,
        waivers,
        ci_settings,
    } = args.config.load(root)?;
    let fingerprinter = Fingerprinter::from_env_or_random();
    let options = CheckOptions {
        root: root.clone(),
        root_display: root.display().to_string(),
        inventory: &inventory,
        include_ignored: false,
        include_vendored: false,
        threads: args.threads,
        waivers: waivers.as_ref(),
        baseline: None,
        fingerprinter: &fingerprinter,
        ci_settings: ci_settings.as_ref(),
        progress: None,
        skip_rules: &[],
        isolation: true,
    };
    let result = check(&options)?;

    let format = match args.format {
        Format::Markdown => MatrixFormat::Markdown,
        Format::Json => MatrixFormat::Json,
        Format::Html => MatrixFormat::Html,
    };
    let text = render_matrix(&result, format);
    write_output(args.output.as_deref(), text.as_bytes())?;
    Ok(0)
}
