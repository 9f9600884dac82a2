//! The files a command reads besides the tree: the inventory (`envguard.toml`),
//! the waivers and the CI environment settings. One loader each, shared by
//! `check`, `matrix`, `pipeline` and `ledger`.

use anyhow::{anyhow, bail, Context as _, Result};
use clap::Args;
use envguard_engine::WaiverFile;
use envguard_model::Inventory;
use envguard_pipeline::CiSettings;
use std::path::{Path, PathBuf};

/// What `check` and `matrix` read besides the tree.
#[derive(Args)]
pub(crate) struct ConfigArgs {
    /// Inventory file [default: PATH/envguard.toml when present; zero-config inference otherwise].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Waiver file [default: PATH/envguard-waivers.toml when present].
    #[arg(long, value_name = "FILE")]
    waivers: Option<PathBuf>,
    /// Environment protection rules: the JSON of `gh api repos/OWNER/REPO/environments`.
    #[arg(long, value_name = "FILE")]
    ci_settings: Option<PathBuf>,
}

/// The files of [`ConfigArgs`], read.
pub(crate) struct Config {
    pub inventory: Inventory,
    pub waivers: Option<WaiverFile>,
    pub ci_settings: Option<CiSettings>,
}

impl ConfigArgs {
    /// The `--config` file, when given.
    pub(crate) fn config_file(&self) -> Option<&Path> {
        self.config.as_deref()
    }

    /// The configuration files a check of `root` reads, relative to `root`
    /// where they lie under it: a change to one of them can change findings
    /// anywhere (`check --since`).
    pub(crate) fn files(&self, root: &Path, inventory: &Inventory) -> Vec<String> {
        let ci = self
            .ci_settings
            .clone()
            .or_else(|| inventory.ci_settings.as_ref().map(|rel| root.join(rel)));
        [
            default_file(root, self.config.as_deref(), "envguard.toml"),
            default_file(root, self.waivers.as_deref(), "envguard-waivers.toml"),
            ci,
        ]
        .into_iter()
        .flatten()
        .map(|p| {
            p.strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
    }

    /// Reads them for the tree (or single file) at `root`, which must exist.
    pub(crate) fn load(&self, root: &Path) -> Result<Config> {
        if !root.exists() {
            bail!("{}: no such file or directory", root.display());
        }
        let inventory = load_inventory(root, self.config.as_deref())?;
        let waivers = load_waivers(root, self.waivers.as_deref())?;
        let ci_settings = load_ci_settings(root, self.ci_settings.as_deref(), &inventory)?;
        Ok(Config {
            inventory,
            waivers,
            ci_settings,
        })
    }
}

/// `explicit` when given, else `root/name` when the root is a folder holding it.
fn default_file(root: &Path, explicit: Option<&Path>, name: &str) -> Option<PathBuf> {
    match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => Some(root.join(name)).filter(|p| root.is_dir() && p.is_file()),
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))
}

/// `--config FILE`, else `ROOT/envguard.toml` when present, else the empty
/// inventory (zero-config inference).
pub(crate) fn load_inventory(root: &Path, explicit: Option<&Path>) -> Result<Inventory> {
    match default_file(root, explicit, "envguard.toml") {
        Some(path) => parse_inventory(&path, &read(&path)?),
        None => Ok(Inventory::default()),
    }
}

/// Parses an inventory; every problem of the file is one line
/// `FILE:LINE:COLUMN: message`, the form editors and terminals link.
pub(crate) fn parse_inventory(path: &Path, text: &str) -> Result<Inventory> {
    Inventory::parse(text).map_err(|errors| {
        let file = path.display();
        let lines: Vec<String> = errors
            .0
            .iter()
            .map(|e| match (e.line, e.column) {
                (Some(l), Some(c)) => format!("{file}:{l}:{c}: {}", e.message),
                (Some(l), None) => format!("{file}:{l}: {}", e.message),
                _ => format!("{file}: {}", e.message),
            })
            .collect();
        match lines.len() {
            1 => anyhow!("{}", lines[0]),
            n => anyhow!("{file}: {n} problems\n{}", lines.join("\n")),
        }
    })
}

/// `--ci-settings FILE`, else the inventory's `[ci] settings` (relative to the root).
pub(crate) fn load_ci_settings(
    root: &Path,
    explicit: Option<&Path>,
    inventory: &Inventory,
) -> Result<Option<CiSettings>> {
    let path = match (explicit, &inventory.ci_settings) {
        (Some(p), _) => p.to_path_buf(),
        (None, Some(rel)) => root.join(rel),
        (None, None) => return Ok(None),
    };
    CiSettings::parse(&read(&path)?)
        .map(Some)
        .map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// `--waivers FILE`, else `ROOT/envguard-waivers.toml` when present.
fn load_waivers(root: &Path, explicit: Option<&Path>) -> Result<Option<WaiverFile>> {
    let Some(path) = default_file(root, explicit, "envguard-waivers.toml") else {
        return Ok(None);
    };
    let text = read(&path)?;
    let display = path
        .strip_prefix(root)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|_| path.display().to_string());
    WaiverFile::parse(&display, &text)
        .map(Some)
        .map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Writes what a command produced to `-o FILE`, or to standard output
/// without it: the one meaning of `-o/--output` on every command.
pub(crate) fn write_output(output: Option<&Path>, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    match output {
        Some(path) => {
            std::fs::write(path, bytes).with_context(|| format!("{}: cannot write", path.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()?;
            Ok(())
        }
    }
}

/// What `envguard secrets` reads from `envguard.toml`: the inventory (tiers,
/// `[ledger] dir`) and the `[secrets]` section, from one file.
pub(crate) struct SecretsFile {
    /// The file read, when there was one.
    pub path: Option<PathBuf>,
    /// The directory relative paths of the section are read from.
    pub base: PathBuf,
    pub inventory: Inventory,
    pub secrets: envguard_secrets::SecretsConfig,
}

/// Reads `explicit`, else `root/envguard.toml` when present; a missing
/// default file gives the defaults of an embedded store.
pub(crate) fn load_secrets_file(root: &Path, explicit: Option<&Path>) -> Result<SecretsFile> {
    let Some(path) = default_file(root, explicit, "envguard.toml") else {
        return Ok(SecretsFile {
            path: None,
            base: root.to_path_buf(),
            inventory: Inventory::default(),
            secrets: envguard_secrets::SecretsConfig::default(),
        });
    };
    let text = read(&path)?;
    let inventory = parse_inventory(&path, &text)?;
    #[derive(serde::Deserialize)]
    struct File {
        #[serde(default)]
        secrets: Option<envguard_secrets::SecretsConfig>,
    }
    let file: File = toml::from_str(&text).map_err(|e| {
        let (line, col) = e.span().map_or((1, 1), |s| {
            let before = &text[..s.start.min(text.len())];
            (
                before.matches('\n').count() + 1,
                before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            )
        });
        anyhow!(
            "{}:{line}:{col}: [secrets]: {}",
            path.display(),
            e.message().trim()
        )
    })?;
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    Ok(SecretsFile {
        path: Some(path),
        base,
        inventory,
        secrets: file.secrets.unwrap_or_default(),
    })
}
