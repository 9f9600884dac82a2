//! What a shell and `man` need: completion scripts (clap_complete) and the
//! manual pages (clap_mangen), generated from the same command definition as
//! `--help`, so they never drift from it.

use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};
use clap_complete::Shell as Generator;
use std::path::PathBuf;

#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell to write a completion script for.
    #[arg(value_enum)]
    shell: Shell,
}

#[derive(Clone, Copy, ValueEnum)]
enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Args)]
pub struct ManArgs {
    /// Write one page per command (envguard.1, envguard-check.1, …) into this
    /// folder instead of printing envguard(1) on standard output.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

/// Prints the completion script; `source <(envguard completions bash)`.
pub fn run_completions(args: CompletionsArgs, mut cmd: clap::Command) -> Result<u8> {
    let shell = match args.shell {
        Shell::Bash => Generator::Bash,
        Shell::Zsh => Generator::Zsh,
        Shell::Fish => Generator::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "envguard", &mut script);
    crate::config::write_output(None, &script)?;
    Ok(0)
}

/// Prints envguard(1), or writes every command's page into `--out-dir`.
pub fn run_man(args: ManArgs, cmd: clap::Command) -> Result<u8> {
    match args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("{}: cannot create", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("{}: cannot write the manual pages", dir.display()))?;
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut page)?;
            crate::config::write_output(None, &page)?;
        }
    }
    Ok(0)
}
