use anyhow::{bail, Context as _, Result};
use clap::Args;
use envguard_model::{Inventory, ScanSettings};
use std::path::PathBuf;

#[derive(Args)]
pub struct InitArgs {
    /// The repository to inventory.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Where to write the inventory [default: PATH/envguard.toml]; `-` for standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Overwrite an existing file.
    #[arg(long)]
    force: bool,
}

pub fn run(args: InitArgs) -> Result<u8> {
    if !args.path.is_dir() {
        bail!("{}: not a directory", args.path.display());
    }
    let inventory = Inventory::default();
    let envs = envguard_engine::infer_inventory(&envguard_engine::scope::Scope {
        root: &args.path,
        inventory: &inventory,
        include_ignored: false,
        include_vendored: false,
        threads: 0,
    });
    let text = Inventory::to_toml(&envs, &ScanSettings::default());
    let out = args
        .output
        .unwrap_or_else(|| args.path.join("envguard.toml"));
    if out.as_os_str() == "-" {
        use std::io::Write;
        std::io::stdout().write_all(text.as_bytes())?;
        return Ok(0);
    }
    if out.exists() && !args.force {
        bail!(
            "{}: already exists (use --force to overwrite, or -o - to print)",
            out.display()
        );
    }
    std::fs::write(&out, text).with_context(|| format!("{}: cannot write", out.display()))?;
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "envguard: wrote {} environment(s) to {}; review it, then commit it",
            envs.len(),
            out.display()
        );
    }
    Ok(0)
}
