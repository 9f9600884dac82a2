//! `envguard serve`: the ledgers as an HTTP API, and its tokens.

use anyhow::{bail, Context as _, Result};
use clap::{Args, Subcommand, ValueEnum};
use envguard_server::tokens::{create_token, Action, NewToken};
use std::io::Write as _;
use std::path::PathBuf;

#[derive(Args)]
pub struct ServeArgs {
    /// Directory holding one ledger per environment (accepted before or after the subcommand);
    /// without it, `[ledger] dir` of ./envguard.toml, else .envguard/ledger.
    #[arg(long, global = true, value_name = "DIR", env = "ENVGUARD_LEDGER_DIR")]
    dir: Option<PathBuf>,
    /// The tokens file (default: serve-tokens.json in the ledger directory).
    #[arg(long, global = true, value_name = "FILE")]
    tokens: Option<PathBuf>,
    /// Address to listen on (port 0: any free port, printed on standard error).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: String,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = envguard_server::DEFAULT_BODY_LIMIT, value_name = "BYTES")]
    max_body: usize,
    #[command(subcommand)]
    command: Option<ServeCommand>,
}

#[derive(Subcommand)]
enum ServeCommand {
    /// Bearer tokens, each scoped to one environment, one role and some actions.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Print the OpenAPI 3.1 document of the API.
    Openapi,
}

#[derive(Clone, Copy, ValueEnum)]
enum ActionArg {
    /// POST events and checkpoints.
    Append,
    /// GET checkpoints and proofs.
    Read,
    /// GET events (an export, recorded in the environment's ledger).
    Export,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it once (it is stored hashed only).
    Create {
        /// The environment the token is for.
        #[arg(long)]
        env: String,
        /// The role it acts as (checked against the ledger's access policy too).
        #[arg(long)]
        role: String,
        /// What it may do (repeat, or comma-separated).
        #[arg(long, value_enum, value_delimiter = ',', required = true)]
        can: Vec<ActionArg>,
        /// Days until it expires (default: never).
        #[arg(long, value_name = "DAYS")]
        expires_in_days: Option<u32>,
    },
}

pub fn run(args: ServeArgs) -> Result<u8> {
    let dir = crate::cmd_ledger::ledger_dir(args.dir)?;
    let tokens = args
        .tokens
        .unwrap_or_else(|| dir.join(envguard_server::TOKENS_FILE));
    match args.command {
        Some(ServeCommand::Token {
            command:
                TokenCommand::Create {
                    env,
                    role,
                    can,
                    expires_in_days,
                },
        }) => {
            let db =
                envguard_ledger::ledger::env_dir(&dir, &env).join(envguard_ledger::ledger::DB_FILE);
            if !db.exists() {
                bail!(
                    "no ledger for environment {env:?} under {} (run `envguard ledger init {env}`)",
                    dir.display()
                );
            }
            let expires = match expires_in_days {
                Some(d) => Some(
                    jiff::Timestamp::now()
                        .checked_add(jiff::SignedDuration::from_hours(i64::from(d) * 24))
                        .context("--expires-in-days is too far")?,
                ),
                None => None,
            };
            let actions = can
                .into_iter()
                .map(|a| match a {
                    ActionArg::Append => Action::Append,
                    ActionArg::Read => Action::Read,
                    ActionArg::Export => Action::Export,
                })
                .collect();
            let new = NewToken {
                env,
                role,
                actions,
                expires,
            };
            let (token, rec) = create_token(&tokens, &new)?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{token}")?;
            let can: Vec<&str> = rec.actions.iter().map(|a| a.as_str()).collect();
            envguard_server::log(&format!(
                "token {} for {} (role {}, may {}{}) added to {}; it is shown only this once",
                rec.id,
                rec.env,
                rec.role,
                can.join(", "),
                rec.expires_utc
                    .as_deref()
                    .map(|e| format!(", expires {e}"))
                    .unwrap_or_default(),
                tokens.display()
            ));
            Ok(0)
        }
        Some(ServeCommand::Openapi) => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", envguard_server::openapi_json()?)?;
            Ok(0)
        }
        None => {
            let opts = envguard_server::Options {
                dir,
                tokens,
                body_limit: args.max_body,
            };
            envguard_server::run(&args.listen, opts, |addr| {
                envguard_server::log(&format!("listening on http://{addr}"));
            })?;
            envguard_server::log("stopped");
            Ok(0)
        }
    }
}
