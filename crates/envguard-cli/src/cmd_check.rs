use crate::baseline_from::ImportedBaseline;
use crate::changes::{changed_files, Since};
use crate::config::{write_output, Config, ConfigArgs};
use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};
use envguard_detect::Fingerprinter;
use envguard_engine::{check, Baseline, ChangedFiles, CheckOptions, Progress};
use envguard_model::Severity;
use envguard_report::{render, OutputFormat, RenderOptions};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct CheckArgs {
    /// The repository (or single file) to check.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    #[command(flatten)]
    config: ConfigArgs,
    /// Suppress the findings recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Suppress the hard-coded secrets a gitleaks JSON report or trufflehog
    /// JSON lines list (matched by file and a keyed fingerprint of the
    /// secret, not by line), so a team switching over starts from what it
    /// already accepted.
    #[arg(long, value_name = "FILE")]
    baseline_from: Option<PathBuf>,
    /// Record every active finding in this baseline file (then exit 0).
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Also scan files excluded by .gitignore and .ignore.
    #[arg(long)]
    include_ignored: bool,
    /// Also scan vendored, minified and generated code and lockfiles
    /// (`node_modules/`, `vendor/`, `*.min.js`, `yarn.lock`, …), left out by default.
    #[arg(long)]
    include_vendored: bool,
    /// Exit as if every path had been read when some could not be (they are
    /// still listed); without it such a run exits 3.
    #[arg(long)]
    allow_incomplete: bool,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// When to colour the text report (auto: on a terminal, unless NO_COLOR is
    /// set; CLICOLOR_FORCE=1 colours a pipe too).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Never draw the progress line on standard error.
    #[arg(long)]
    no_progress: bool,
    /// Rules not to run: ids or prefixes, comma-separated (`R04,NAM.naming`).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    skip_rules: Vec<String>,
    /// Compare the repository's secrets with the current prod secrets of the
    /// `[secrets]` store, by keyed fingerprint (R01.live-prod-secret); each is a
    /// read recorded in the prod ledger.
    #[arg(long)]
    store: bool,
    /// The role that reads the store with --store (checked against its policy).
    #[arg(long, value_name = "ROLE", env = "ENVGUARD_ROLE", requires = "store")]
    role: Option<String>,
    /// Report only the findings touching a file changed since the merge base of REF and HEAD.
    ///
    /// Changed: the commits since the merge base, uncommitted changes and
    /// untracked files; a finding touches a file at its own or a related
    /// location. The whole tree is still read, so a changed staging file is
    /// compared with prod's markers and secrets. Every finding is reported
    /// when envguard's own configuration changed. Needs `git`.
    #[arg(long, value_name = "REF", conflicts_with_all = ["staged", "write_baseline"])]
    since: Option<String>,
    /// Like --since, for the changes staged for commit (a pre-commit hook).
    #[arg(long, conflicts_with = "write_baseline")]
    staged: bool,
    /// Print nothing but the report: no progress line, no notes on standard error.
    #[arg(long, short = 'q')]
    quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
    Sarif,
    Junit,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum FailOn {
    Error,
    Warning,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Color {
    Auto,
    Always,
    Never,
}

pub fn run(args: CheckArgs) -> Result<u8> {
    let root = &args.path;
    let Config {
        inventory,
        waivers,
        ci_settings,
    } = args.config.load(root)?;
    let baseline = match &args.baseline {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("{}: cannot read baseline", p.display()))?;
            Some(Baseline::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?)
        }
        None => None,
    };
    let fingerprinter = Fingerprinter::from_env_or_random();
    let imported = args
        .baseline_from
        .as_deref()
        .map(|p| ImportedBaseline::load(p, root, &fingerprinter))
        .transpose()?;
    let live = if args.store {
        Some(crate::cmd_secrets::live_secrets(
            root,
            args.config.config_file(),
            args.role.as_deref(),
            &fingerprinter,
        )?)
    } else {
        None
    };
    let progress = Progress::default();
    let options = CheckOptions {
        include_ignored: args.include_ignored,
        include_vendored: args.include_vendored,
        threads: args.threads,
        waivers: waivers.as_ref(),
        baseline: baseline.as_ref(),
        ci_settings: ci_settings.as_ref(),
        progress: Some(&progress),
        skip_rules: &args.skip_rules,
        live_secrets: live.as_ref(),
        ..CheckOptions::new(root.clone(), &inventory, &fingerprinter)
    };

    let show_progress = !args.no_progress
        && !args.quiet
        && std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none();
    let since = match (&args.since, args.staged) {
        (Some(r), _) => Some(Since::Ref(r)),
        (None, true) => Some(Since::Staged),
        (None, false) => None,
    };
    // Asked before the scan: a wrong REF is a usage error, not a wasted check.
    let changed = since.map(|s| changed_files(root, &s)).transpose()?;
    let config_files = args.config.files(root, &inventory);

    let done = AtomicBool::new(false);
    let mut result = std::thread::scope(|s| {
        if show_progress {
            s.spawn(|| draw_progress(&progress, &done));
        }
        let r = check(&options);
        done.store(true, Ordering::Relaxed);
        r
    })?;

    if let Some(imported) = &imported {
        let n = imported.apply(&mut result, root, &fingerprinter);
        if !args.quiet {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("envguard: {n} finding(s) accepted in {}", imported.source());
            }
        }
    }
    if let Some((changed, what)) = &changed {
        limit_to_changes(&mut result, changed, what, &config_files, args.quiet);
    }

    if let Some(path) = &args.write_baseline {
        let b = Baseline::from_findings(result.active());
        let mut text = serde_json::to_string_pretty(&b)?;
        text.push('\n');
        std::fs::write(path, text)
            .with_context(|| format!("{}: cannot write baseline", path.display()))?;
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "envguard: wrote {} finding(s) to the baseline {}",
                b.findings.len(),
                path.display()
            );
        }
        return Ok(0);
    }

    emit(
        &result,
        args.format,
        args.output.as_deref(),
        args.fail_on,
        args.color,
        args.allow_incomplete,
    )
}

/// Keeps the findings that touch a changed file, unless a configuration file
/// the check read is among them (then every finding may have changed).
fn limit_to_changes(
    result: &mut envguard_model::ScanResult,
    changed: &ChangedFiles,
    what: &str,
    config_files: &[String],
    quiet: bool,
) {
    let total = result.findings.len();
    let config = config_files.iter().find(|f| changed.contains(f));
    let note = match config {
        Some(file) => format!(
            "{} changed file(s) {what}, {file} among them: all {total} finding(s) reported",
            changed.len()
        ),
        None => {
            let dropped = changed.retain_touching(result);
            format!(
                "{} changed file(s) {what}: {} of {total} finding(s) touch them",
                changed.len(),
                total - dropped
            )
        }
    };
    if !quiet {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("envguard: {note}");
        }
    }
}

/// Renders a result in `format` to `-o FILE` or standard output and returns
/// the exit code: the one output path of `check` and `secrets audit`.
pub(crate) fn emit(
    result: &envguard_model::ScanResult,
    format: Format,
    output: Option<&std::path::Path>,
    fail_on: FailOn,
    color: Color,
    allow_incomplete: bool,
) -> Result<u8> {
    let fail_on = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Never => None,
    };
    let format = match format {
        Format::Text => OutputFormat::Text,
        Format::Json => OutputFormat::Json,
        Format::Sarif => OutputFormat::Sarif,
        Format::Junit => OutputFormat::Junit,
        Format::Markdown => OutputFormat::Markdown,
    };
    let to_terminal = output.is_none() && std::io::stdout().is_terminal();
    let color = match color {
        Color::Always => true,
        Color::Never => false,
        // no-color.org, then bixense.com/clicolors: NO_COLOR (non-empty)
        // wins, CLICOLOR_FORCE (not "0") colours a pipe too.
        Color::Auto => {
            !anstyle_query::no_color() && (anstyle_query::clicolor_force() || to_terminal)
        }
    };
    let opts = RenderOptions {
        color,
        tool_version: env!("CARGO_PKG_VERSION"),
        fail_on,
        allow_incomplete,
    };
    let mut report = Vec::new();
    render(format, result, &opts, &mut report)?;
    write_output(output, &report)?;
    let failing = fail_on.is_some_and(|min| result.active().any(|f| f.severity >= min));
    Ok(exit_code(result, failing, allow_incomplete))
}

/// Exit code of a check that read every path in scope: 1 on a failing finding,
/// else 0.
pub(crate) const EXIT_FAIL: u8 = 1;
/// Exit code of a run that left some path in scope unread (fail closed). It
/// wins over 1: the findings of an incomplete run are not the whole story.
pub(crate) const EXIT_INCOMPLETE: u8 = 3;

pub(crate) fn exit_code(
    result: &envguard_model::ScanResult,
    failing: bool,
    allow_incomplete: bool,
) -> u8 {
    if result.incomplete() && !allow_incomplete {
        EXIT_INCOMPLETE
    } else if failing {
        EXIT_FAIL
    } else {
        0
    }
}

/// A progress line on standard error for scans that take more than a second.
fn draw_progress(progress: &Progress, done: &AtomicBool) {
    let start = Instant::now();
    let mut drawn = false;
    let mut stderr = std::io::stderr();
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        if start.elapsed() < Duration::from_secs(1) {
            continue;
        }
        let files = progress.files.load(Ordering::Relaxed);
        let mb = progress.bytes.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = write!(
            stderr,
            "\r\x1b[2Kenvguard: scanned {files} files, {mb:.0} MB"
        );
        drawn = true;
    }
    if drawn {
        let _ = write!(stderr, "\r\x1b[2K");
    }
}
