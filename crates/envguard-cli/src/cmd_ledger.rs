//! `envguard ledger`: the tamper-evident, environment-partitioned audit and AI
//! log. Exit codes: 0 success, 1 verification failed, 2 usage, policy or I/O error.

use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Args, Subcommand, ValueEnum};
use envguard_ledger::export::{export, verify_export, ExportFilter, ExportFormat};
use envguard_ledger::merkle::Hash;
use envguard_ledger::postgres::{has_password, redact_url};
use envguard_ledger::{Backend, Ledger, LedgerConfig, PiiPolicy};
use serde_json::{json, Value};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct LedgerArgs {
    /// Directory holding one ledger per environment (accepted before or after the subcommand);
    /// without it, `[ledger] dir` of ./envguard.toml, else .envguard/ledger.
    #[arg(long, global = true, value_name = "DIR", env = "ENVGUARD_LEDGER_DIR")]
    dir: Option<PathBuf>,
    /// Where entries live: a postgres:// URL (schema `ledger_<env>`); without it, `[ledger] url`
    /// of ./envguard.toml, else SQLite files under the ledger directory. Keys and settings stay
    /// in the ledger directory either way.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "ENVGUARD_LEDGER_URL",
        hide_env_values = true
    )]
    url: Option<String>,
    /// Role acting, checked against the environment's access policy.
    #[arg(
        long,
        global = true,
        value_name = "ROLE",
        env = "ENVGUARD_ROLE",
        default_value = "operator"
    )]
    role: String,
    #[command(subcommand)]
    command: LedgerCommand,
}

#[derive(Clone, Copy, ValueEnum)]
enum PiiArg {
    Allow,
    Reject,
    Redact,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Jsonl,
    Csv,
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Create the ledger of ENV: its directory, Ed25519 key, settings and database (owner-only).
    Init {
        env: String,
        /// Checkpoint origin (defaults to envguard.invalid/ledger/ENV).
        #[arg(long)]
        origin: Option<String>,
        /// Days before `prune` drops payloads (default by tier: dev 30, test 90, prod 730).
        #[arg(long)]
        retention_days: Option<u32>,
        /// What to do with PII/PHI in events (default: allow in prod, reject elsewhere).
        #[arg(long, value_enum)]
        pii_policy: Option<PiiArg>,
    },
    /// Append one event (argument) or JSONL events from stdin, committed in batches.
    Append {
        env: String,
        /// One event as JSON; without it, JSONL is read from stdin.
        event: Option<String>,
        /// Events per atomic batch when reading stdin.
        #[arg(long, default_value_t = 1000)]
        batch_size: usize,
        /// Sign a checkpoint covering each batch.
        #[arg(long)]
        checkpoint: bool,
    },
    /// Sign a checkpoint over the current tree (C2SP tlog-checkpoint).
    Checkpoint { env: String },
    /// Inclusion proof for one entry, with the signed checkpoint it leads to.
    Prove {
        env: String,
        #[arg(
            long,
            conflicts_with = "event_hash",
            required_unless_present = "event_hash"
        )]
        index: Option<u64>,
        /// The event's leaf hash (hex SHA-256 of 0x00 || canonical JSON).
        #[arg(long)]
        event_hash: Option<String>,
    },
    /// Consistency proof between two tree sizes.
    Consistency { env: String, old: u64, new: u64 },
    /// Verify a ledger (every payload, node and checkpoint) or, with --export, an export offline.
    Verify {
        /// The environment whose ledger to verify (not needed with --export).
        env: Option<String>,
        /// Verify this export file instead (no database needed).
        #[arg(long, value_name = "FILE")]
        export: Option<PathBuf>,
        /// The ledger's verifier key (name+hash+base64), obtained out of band.
        #[arg(long, value_name = "VKEY")]
        key: Option<String>,
    },
    /// Export entries with the checkpoint and proofs (JSONL or CSV).
    Export(ExportArgs),
    /// Drop payloads older than the retention period; leaf hashes and proofs stay valid.
    Prune {
        env: String,
        /// Treat this RFC 3339 UTC time as now.
        #[arg(long)]
        now: Option<String>,
    },
    /// Counts: entries, pruned payloads, checkpoints, time range.
    Stats { env: String },
    /// Copy ENV's SQLite ledger into PostgreSQL (a new schema `ledger_<env>`), verify the
    /// copy in full and prove its root equal to the source's.
    Migrate {
        env: String,
        /// The PostgreSQL database to copy into (postgres://…).
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

fn out_json(v: &Value) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

fn parse_event(text: &str, line: usize) -> Result<Value> {
    serde_json::from_str(text).with_context(|| format!("event {line}: not JSON"))
}

/// The ledger directory: `--dir` / `ENVGUARD_LEDGER_DIR`, else `[ledger] dir`
/// of `envguard.toml` in the current directory, else `.envguard/ledger`.
pub(crate) fn ledger_dir(explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(d) = explicit {
        return Ok(d);
    }
    let toml = std::path::Path::new("envguard.toml");
    match std::fs::read_to_string(toml) {
        Ok(text) => {
            let inv = crate::config::parse_inventory(toml, &text)?;
            if let Some(d) = inv.ledger_dir {
                return Ok(PathBuf::from(d));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", toml.display())),
    }
    Ok(PathBuf::from(".envguard/ledger"))
}

/// The store: `--url` / `ENVGUARD_LEDGER_URL`, else `[ledger] url` of
/// `envguard.toml` in the current directory (which may not hold a password:
/// the file is checked in), else SQLite.
pub(crate) fn ledger_backend(explicit: Option<String>) -> Result<Backend> {
    if let Some(u) = explicit.filter(|u| !u.trim().is_empty()) {
        return Ok(Backend::from_url(Some(&u))?);
    }
    let toml = std::path::Path::new("envguard.toml");
    match std::fs::read_to_string(toml) {
        Ok(text) => {
            let inv = crate::config::parse_inventory(toml, &text)?;
            if let Some(u) = inv.ledger_url.as_deref() {
                if has_password(u) {
                    bail!(
                        "{}: [ledger] url holds a password; give the URL with its password in ENVGUARD_LEDGER_URL instead (from your secret store), not in a checked-in file",
                        toml.display()
                    );
                }
            }
            Backend::from_url(inv.ledger_url.as_deref())
                .with_context(|| format!("{}: [ledger] url", toml.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Backend::Sqlite),
        Err(e) => Err(e).with_context(|| format!("reading {}", toml.display())),
    }
}

pub fn run(args: LedgerArgs) -> Result<u8> {
    let dir = ledger_dir(args.dir)?;
    let backend = ledger_backend(args.url)?;
    let open = |env: &str| Ledger::open_in(&dir, env, &backend);
    let role = args.role;
    match args.command {
        LedgerCommand::Init {
            env,
            origin,
            retention_days,
            pii_policy,
        } => init(&dir, &backend, env, origin, retention_days, pii_policy),
        LedgerCommand::Append {
            env,
            event,
            batch_size,
            checkpoint,
        } => {
            let mut l = open(&env)?;
            if let Some(e) = event {
                let v = parse_event(&e, 1)?;
                let o = l.append(&role, vec![v], 1, checkpoint)?;
                out_json(&serde_json::to_value(&o)?)?;
                return Ok(0);
            }
            append_stdin(&mut l, &role, batch_size, checkpoint)
        }
        LedgerCommand::Checkpoint { env } => {
            let mut l = open(&env)?;
            let cp = l.checkpoint(&role)?;
            std::io::stdout().lock().write_all(cp.note.as_bytes())?;
            Ok(0)
        }
        LedgerCommand::Prove {
            env,
            index,
            event_hash,
        } => {
            let mut l = open(&env)?;
            let p = match (index, event_hash) {
                (Some(i), _) => l.prove(&role, i)?,
                (None, Some(h)) => {
                    let h = Hash::from_hex(&h)
                        .ok_or_else(|| anyhow!("--event-hash must be 64 hex digits"))?;
                    l.prove_hash(&role, &h)?
                }
                (None, None) => bail!("give --index or --event-hash"),
            };
            out_json(&serde_json::to_value(&p)?)?;
            Ok(0)
        }
        LedgerCommand::Consistency { env, old, new } => {
            let mut l = open(&env)?;
            let c = l.consistency(&role, old, new)?;
            out_json(&serde_json::to_value(&c)?)?;
            Ok(0)
        }
        LedgerCommand::Verify { env, export, key } => {
            verify(&dir, &backend, &role, env, export, key)
        }
        LedgerCommand::Export(args) => export_entries(&dir, &backend, &role, args),
        LedgerCommand::Prune { env, now } => {
            let mut l = open(&env)?;
            let now = match now {
                Some(n) => envguard_ledger::schema::parse_utc(&n).map_err(|e| anyhow!(e))?,
                None => jiff::Timestamp::now().as_second(),
            };
            let n = l.prune(&role, now)?;
            out_json(&json!({"pruned": n, "retention_days": l.config().retention_days}))?;
            Ok(0)
        }
        LedgerCommand::Stats { env } => {
            let mut l = open(&env)?;
            let s = l.stats(&role)?;
            out_json(&serde_json::to_value(&s)?)?;
            Ok(0)
        }
        LedgerCommand::Migrate { env, to } => {
            if !envguard_ledger::postgres::is_postgres_url(&to) {
                bail!("--to {}: give a postgres:// URL", redact_url(&to));
            }
            let mut l = Ledger::open(&dir, &env)?;
            let m = l.migrate_to_postgres(&role, &to)?;
            out_json(&serde_json::to_value(&m)?)?;
            Ok(0)
        }
    }
}

/// `ledger init`.
fn init(
    dir: &Path,
    backend: &Backend,
    env: String,
    origin: Option<String>,
    retention_days: Option<u32>,
    pii_policy: Option<PiiArg>,
) -> Result<u8> {
    let mut cfg = LedgerConfig::defaults(&env);
    if let Some(o) = origin {
        cfg.origin = o;
    }
    if let Some(r) = retention_days {
        cfg.retention_days = r;
    }
    if let Some(p) = pii_policy {
        cfg.pii_policy = match p {
            PiiArg::Allow => PiiPolicy::Allow,
            PiiArg::Reject => PiiPolicy::Reject,
            PiiArg::Redact => PiiPolicy::Redact,
        };
    }
    let l = Ledger::init_in(dir, cfg, backend)?;
    out_json(&json!({
        "environment": env,
        "path": l.dir().display().to_string(),
        "verifier_key": l.verifier_key(),
        "retention_days": l.config().retention_days,
        "pii_policy": l.config().pii_policy,
    }))?;
    Ok(0)
}

/// `ledger append ENV` with JSONL on standard input: one atomic batch a
/// `batch_size` events, one acknowledgement line a batch.
fn append_stdin(l: &mut Ledger, role: &str, batch_size: usize, checkpoint: bool) -> Result<u8> {
    let stdin = std::io::stdin().lock();
    let mut out = std::io::stdout().lock();
    let mut batch = Vec::with_capacity(batch_size.max(1));
    let mut first_line = 1;
    let mut line_no = 0;
    let mut flush = |batch: &mut Vec<Value>, first_line: usize| -> Result<()> {
        let o = l.append(role, std::mem::take(batch), first_line, checkpoint)?;
        // One acknowledgement line per committed batch.
        serde_json::to_writer(&mut out, &o)?;
        writeln!(out)?;
        out.flush()?;
        Ok(())
    };
    for line in stdin.lines() {
        let line = line.context("reading stdin")?;
        line_no += 1;
        if line.trim().is_empty() {
            continue;
        }
        if batch.is_empty() {
            first_line = line_no;
        }
        batch.push(parse_event(&line, line_no)?);
        if batch.len() >= batch_size.max(1) {
            flush(&mut batch, first_line)?;
        }
    }
    if !batch.is_empty() {
        flush(&mut batch, first_line)?;
    }
    Ok(0)
}

/// `ledger verify`: a ledger, or with `--export` an export file offline.
/// Exit code 1 when it does not verify.
fn verify(
    dir: &Path,
    backend: &Backend,
    role: &str,
    env: Option<String>,
    export: Option<PathBuf>,
    key: Option<String>,
) -> Result<u8> {
    let mut out = std::io::stdout().lock();
    if let Some(path) = export {
        let f = std::fs::File::open(&path)
            .with_context(|| format!("{}: cannot open", path.display()))?;
        let mut r = std::io::BufReader::new(f);
        return match verify_export(&mut r, key.as_deref()) {
            Ok(rep) => {
                writeln!(
                    out,
                    "ok: export of {} verifies: {} entries ({} pruned), {} checkpoints, tree size {}, root {}{}",
                    rep.environment,
                    rep.entries,
                    rep.pruned,
                    rep.checkpoints,
                    rep.tree_size,
                    rep.root,
                    if rep.key_pinned { "" } else { " (key taken from the export itself; pin it with --key)" }
                )?;
                Ok(0)
            }
            Err(f) => {
                writeln!(out, "FAILED: {}", f.message)?;
                Ok(1)
            }
        };
    }
    let env = env.ok_or_else(|| anyhow!("give ENV or --export FILE"))?;
    let mut l = Ledger::open_in(dir, &env, backend)?;
    if let Some(k) = key {
        if k.trim() != l.verifier_key() {
            writeln!(out, "FAILED: the ledger's key is not the pinned --key")?;
            return Ok(1);
        }
    }
    match l.verify(role)? {
        Ok(rep) => {
            writeln!(
                out,
                "ok: {} ledger verifies: {} entries ({} pruned), {} tree nodes, {} checkpoints, root {}",
                env, rep.entries, rep.pruned, rep.nodes, rep.checkpoints, rep.root
            )?;
            Ok(0)
        }
        Err(f) => {
            writeln!(out, "FAILED: {}", f.message)?;
            Ok(1)
        }
    }
}

/// The arguments of `ledger export`.
#[derive(Args)]
struct ExportArgs {
    env: String,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "jsonl")]
    format: FormatArg,
    /// Write the export to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Only events at or after this RFC 3339 UTC time.
    #[arg(long)]
    since: Option<String>,
    /// Only events before this RFC 3339 UTC time.
    #[arg(long)]
    until: Option<String>,
    /// Only events of this tenant (`tenant_id`).
    #[arg(long)]
    tenant: Option<String>,
    /// Only events by this role (`actor_role`).
    #[arg(long)]
    actor_role: Option<String>,
    /// Only events of this kind.
    #[arg(long)]
    kind: Option<String>,
}

/// `ledger export`: the filtered entries with checkpoint and proofs, to
/// `-o FILE` or standard output.
fn export_entries(dir: &Path, backend: &Backend, role: &str, args: ExportArgs) -> Result<u8> {
    let ExportArgs {
        env,
        format,
        output,
        since,
        until,
        tenant,
        actor_role,
        kind,
    } = args;
    let mut l = Ledger::open_in(dir, &env, backend)?;
    let filter = ExportFilter {
        since,
        until,
        tenant,
        actor_role,
        kind,
    };
    let fmt = match format {
        FormatArg::Jsonl => ExportFormat::Jsonl,
        FormatArg::Csv => ExportFormat::Csv,
    };
    match output {
        Some(p) => {
            let f = std::fs::File::create(&p)
                .with_context(|| format!("{}: cannot create", p.display()))?;
            let mut w = std::io::BufWriter::new(f);
            export(&mut l, role, &filter, fmt, &mut w)?;
            w.flush()?;
        }
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            export(&mut l, role, &filter, fmt, &mut w)?;
            w.flush()?;
        }
    }
    Ok(0)
}
