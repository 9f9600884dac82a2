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
        threads: args.threads,
        waivers: waivers.as_ref(),
        ci_settings: ci_settings.as_ref(),
        isolation: true,
        ..CheckOptions::new(root.clone(), &inventory, &fingerprinter)
    };
    let result = check(&options)?;
    // Fail closed: a matrix drawn from a tree not wholly read says so, and the
    // run exits 3 like an incomplete check.
    let unread: Vec<String> = result
        .not_checked()
        .map(|d| format!("{}: {}", d.path, d.message))
        .collect();
    if !unread.is_empty() {
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "envguard: {} path(s) in scope not checked; the matrix may miss what they hold:\n  {}",
                unread.len(),
                unread.join("\n  ")
            );
        }
    }

    let format = match args.format {
        Format::Markdown => MatrixFormat::Markdown,
        Format::Json => MatrixFormat::Json,
        Format::Html => MatrixFormat::Html,
    };
    let text = render_matrix(&result, format);
    write_output(args.output.as_deref(), text.as_bytes())?;
    Ok(if unread.is_empty() {
        0
    } else {
        crate::cmd_check::EXIT_INCOMPLETE
    })
}
