//! The `envguard` binary: a thin shell over the library crates. Parses the
//! command line, loads configuration, runs the engine, renders, and maps the
//! outcome to the documented exit codes (0 clean, 1 findings, 2 error, 3
//! incomplete: a path in scope was not read).

mod baseline_from;
mod changes;
mod cmd_check;
mod cmd_data;
mod cmd_init;
mod cmd_ledger;
mod cmd_matrix;
mod cmd_pipeline;
mod cmd_release;
mod cmd_rules;
mod cmd_schema;
mod cmd_secrets;
mod cmd_serve;
mod cmd_shell;
mod config;

use clap::{CommandFactory as _, Parser, Subcommand};
use std::process::ExitCode;

// A check makes millions of small, short-lived allocations on every core (facts,
// tokens, HCL trees). mimalloc's per-thread pages and its use of large OS pages
// cut the allocator's instructions and the page faults (8,000+ per check of a
// 5,000-file tree with glibc, ~350 with mimalloc): `check` is 15-20 % faster,
// for a higher peak RSS (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// envguard keeps dev, test/staging and production apart, and proves it.
///
/// It reads a repository the way an auditor would: which files belong to which
/// environment, which secrets are written down, and which secret values are
/// shared between environments. Reports never print a secret value.
#[derive(Parser)]
#[command(
    name = "envguard",
    version = env!("ENVGUARD_VERSION"),
    about,
    long_about,
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a repository against every rule: secrets, PII in non-prod data, event labels, cross-environment references, network paths, shared backends, naming and tags, deploy gates, waivers.
    ///
    /// Exit codes: 0 when no active finding is at or above --fail-on, 1 when
    /// there is one, 2 on a usage, configuration or I/O error, 3 when a path in
    /// scope could not be read (listed in the report; --allow-incomplete to accept).
    Check(cmd_check::CheckArgs),
    /// Write the environments inferred from the tree's names as an envguard.toml to review.
    Init(cmd_init::InitArgs),
    /// Print the CI/CD pipeline model: workflow × job × trigger × target environment × secrets × gate.
    Pipeline(cmd_pipeline::PipelineArgs),
    /// Print the environment isolation matrix: environments × identity markers, secrets and findings, and which environment references which (Markdown, JSON or a self-contained HTML page).
    Matrix(cmd_matrix::MatrixArgs),
    /// List the rules, or write their documentation pages.
    Rules(cmd_rules::RulesArgs),
    /// Scan datasets (CSV, TSV, JSON, JSONL, SQL dumps) for PII/PHI, per column.
    ///
    /// Reports counts, confidence and line numbers, never the values.
    /// Exit codes: 0 when nothing is found, 1 when PII/PHI is found, 2 on error.
    ScanData(cmd_data::ScanDataArgs),
    /// Redact PII/PHI from text, CSV, JSON, JSONL or SQL (stdin or file).
    Redact(cmd_data::RedactArgs),
    /// Dataset provenance manifests (policy 000 §3 R-02).
    Provenance(cmd_data::ProvenanceArgs),
    /// The tamper-evident, per-environment audit and AI log: init, append, checkpoint, prove, verify, export.
    Ledger(cmd_ledger::LedgerArgs),
    /// The per-environment secret store: init, put, get, list, policy, audit, rotate (SOP 003), due, revoke.
    Secrets(cmd_secrets::SecretsArgs),
    /// The release gate: sign a build's provenance (attest), check an artifact before a deploy (verify), announce the deploy (notify).
    Release(cmd_release::ReleaseArgs),
    /// Print a shell completion script: `source <(envguard completions bash)`.
    Completions(cmd_shell::CompletionsArgs),
    /// Print the manual page (roff): `envguard man | man -l -`.
    Man(cmd_shell::ManArgs),
    /// Print the JSON Schema of envguard.toml (docs/schemas/envguard.schema.json).
    Schema(cmd_schema::SchemaArgs),
    /// The ledgers as an HTTP API with per-environment bearer tokens; `serve token create` makes one.
    Serve(cmd_serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let outcome = match cli.command {
        Command::Check(args) => cmd_check::run(args),
        Command::Init(args) => cmd_init::run(args),
        Command::Pipeline(args) => cmd_pipeline::run(args),
        Command::Matrix(args) => cmd_matrix::run(args),
        Command::Rules(args) => cmd_rules::run(args),
        Command::ScanData(args) => cmd_data::run_scan(args),
        Command::Redact(args) => cmd_data::run_redact(args),
        Command::Provenance(args) => cmd_data::run_provenance(args),
        Command::Ledger(args) => cmd_ledger::run(args),
        Command::Secrets(args) => cmd_secrets::run(args),
        Command::Release(args) => cmd_release::run(args),
        Command::Completions(args) => cmd_shell::run_completions(args, Cli::command()),
        Command::Man(args) => cmd_shell::run_man(args, Cli::command()),
        Command::Schema(args) => cmd_schema::run(args),
        Command::Serve(args) => cmd_serve::run(args),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("envguard: error: {e:#}");
            }
            ExitCode::from(2)
        }
    }
}
