//! `envguard matrix`: runs the same check as `envguard check` and prints the
//! environment isolation matrix (policy 000 §6) it carries.

use crate::config::{load_ci_settings, load_inventory, load_waivers, write_output};
use anyhow::{bail, Result};
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
    /// Inventory file [default: PATH/envguard.toml when present; zero-config inference otherwise].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Waiver file [default: PATH/envguard-waivers.toml when present].
    #[arg(long, value_name = "FILE")]
    waivers: Option<PathBuf>,
    /// Environment protection rules: the JSON of `gh api repos/OWNER/REPO/environments`.
    #[arg(long, value_name = "FILE")]
    ci_settings: Option<PathBuf>,
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
    if !root.exists() {
        bail!("{}: no such file or directory", root.display());
    }
    let inventory = load_inventory(root, args.config.as_deref())?;
    let waivers = load_waivers(root, args.waivers.as_deref())?;
    let ci_settings = load_ci_settings(root, args.ci_settings.as_deref(), &inventory)?;
    let fingerprinter = Fingerprinter::from_env_or_random();
    let options = CheckOptions {
        root: root.clone(),
        root_display: root.display().to_string(),
        inventory: &inventory,
        include_ignored: false,
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
