//! `envguard secrets`: the per-environment secret store (000 §4), its audit,
//! the SOP 003 rotation with its §8 evidence, and the 90-day calendar.
//! Exit codes: 0 success, 1 (`audit`) findings at or above --fail-on,
//! 2 usage, configuration, policy, key or store error.

use crate::cmd_check::{emit, Color, FailOn, Format};
use crate::config::{load_secrets_file, write_output, SecretsFile};
use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Args, Subcommand, ValueEnum};
use envguard_detect::Fingerprinter;
use envguard_model::{
    Diagnostic, DiagnosticKind, EnvSummary, LiveSecrets, Region, ScanResult, SecretKind,
    StoreFacts, Tier,
};
use envguard_secrets::config::BackendKind;
use envguard_secrets::embedded::EmbeddedOptions;
use envguard_secrets::rotate::{
    rotate, rotate_batch, BatchRequest, Mode, RotateRequest, RotationPaths,
};
use envguard_secrets::{
    due, Actor, Backend, EmbeddedStore, OpenBao, OpenBaoOptions, Policy, SecretValue, VersionState,
    Which,
};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct SecretsArgs {
    /// The envguard.toml holding `[secrets]` [default: ./envguard.toml].
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The role acting, checked against the store's policy on every call.
    #[arg(long, global = true, value_name = "ROLE", env = "ENVGUARD_ROLE")]
    role: Option<String>,
    /// Who acts, for the access log [default: $USER].
    #[arg(long, global = true, value_name = "NAME", env = "ENVGUARD_ACTOR")]
    actor: Option<String>,
    #[command(subcommand)]
    command: SecretsCommand,
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Password,
    ApiToken,
    SigningKey,
    EncryptionKey,
    Other,
}

impl From<KindArg> for SecretKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Password => SecretKind::Password,
            KindArg::ApiToken => SecretKind::ApiToken,
            KindArg::SigningKey => SecretKind::SigningKey,
            KindArg::EncryptionKey => SecretKind::EncryptionKey,
            KindArg::Other => SecretKind::Other,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum DueFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Subcommand)]
enum SecretsCommand {
    /// Create the store of ENV: its key (outside the repository), its database and its ledger.
    Init { env: String },
    /// Write a new current version of ENV/NAME; the value is read from standard input.
    Put {
        env: String,
        name: String,
        /// What the secret is (signing keys and credentials rotate every 90 days in prod).
        #[arg(long, value_enum, default_value_t = KindArg::Other)]
        kind: KindArg,
    },
    /// Print a value: only to a pipe or file, or to a terminal with --reveal.
    Get {
        env: String,
        name: String,
        /// A given version instead of the current one.
        #[arg(long, conflicts_with_all = ["previous", "pending"])]
        version: Option<u64>,
        /// The previous version (kept for dual-run and rollback).
        #[arg(long, conflicts_with = "pending")]
        previous: bool,
        /// The pending version of a rotation.
        #[arg(long)]
        pending: bool,
        /// Print to a terminal too.
        #[arg(long)]
        reveal: bool,
    },
    /// List the secrets of ENV (every environment without it): versions and fingerprints, never values.
    List {
        env: Option<String>,
        #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Check the policy file and print it: role → its environment → grants.
    Policy {
        #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Destroy one version of ENV/NAME (its value is gone, its metadata kept).
    Revoke {
        env: String,
        name: String,
        #[arg(long)]
        version: u64,
        /// Why, for the access log.
        #[arg(long, default_value = "revoked by hand")]
        reason: String,
    },
    /// Check the store against 000 §4: namespaces, access logging, least privilege, 90-day rotation.
    ///
    /// Exit codes as `check`: 0 clean, 1 a finding at or above --fail-on, 2 error.
    Audit {
        #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
        format: Format,
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = FailOn::Error)]
        fail_on: FailOn,
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
        /// Audit a saved snapshot of store facts (JSON, as --export-facts writes it) instead of the configured store.
        #[arg(long, value_name = "FILE")]
        facts: Option<PathBuf>,
        /// Write the store's facts as JSON to this file as well.
        #[arg(long, value_name = "FILE")]
        export_facts: Option<PathBuf>,
        /// Count ages from this RFC 3339 time instead of now.
        #[arg(long, value_name = "UTC")]
        now: Option<String>,
    },
    /// Rotate ENV/NAME by SOP 003 §6 (or §7 with --emergency), resumable step by step.
    ///
    /// Several names, or --all, rotate as one batch (each step for every secret in one
    /// commit); `rotate ENV --resume` resumes a batch.
    Rotate {
        env: String,
        names: Vec<String>,
        /// Every secret of ENV in the `[[secrets.secret]]` inventory, as one batch.
        #[arg(long, conflicts_with = "names")]
        all: bool,
        /// Continue a rotation that stopped (a crash, a failed validation).
        #[arg(long, conflicts_with_all = ["emergency", "incident", "all"])]
        resume: bool,
        /// 003 §7: revoke the suspect secret first, then generate and deploy.
        #[arg(long, requires = "incident")]
        emergency: bool,
        /// The incident reference of an emergency rotation.
        #[arg(long, value_name = "REF")]
        incident: Option<String>,
    },
    /// The 90-day rotation calendar: last rotated, due date, overdue.
    Due {
        #[arg(long, short = 'f', value_enum, default_value_t = DueFormat::Text)]
        format: DueFormat,
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Every environment, not only prod.
        #[arg(long)]
        all: bool,
        /// Read a saved snapshot of store facts (JSON, as `secrets audit --export-facts` writes it).
        #[arg(long, value_name = "FILE")]
        facts: Option<PathBuf>,
        /// Count from this RFC 3339 time instead of now.
        #[arg(long, value_name = "UTC")]
        now: Option<String>,
    },
}

/// The configured store, opened.
struct Opened {
    file: SecretsFile,
    store: Store,
    paths: RotationPaths,
}

/// The store `[secrets] backend` names.
enum Store {
    Embedded(Box<EmbeddedStore>),
    OpenBao(Box<OpenBao>),
}

impl Store {
    fn backend(&mut self) -> &mut dyn Backend {
        match self {
            Store::Embedded(s) => s.as_mut(),
            Store::OpenBao(s) => s.as_mut(),
        }
    }

    /// The environments `list` shows without one named.
    fn environments(&self) -> Result<Vec<String>> {
        match self {
            Store::Embedded(s) => Ok(s.environments()?),
            Store::OpenBao(s) => {
                let envs = s.environments();
                if envs.is_empty() {
                    bail!(
                        "{}: name the environment to list (envguard.toml declares none)",
                        s.address()
                    );
                }
                Ok(envs)
            }
        }
    }
}

fn resolve(base: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() || base == Path::new(".") {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

fn open(config: Option<&Path>) -> Result<Opened> {
    let file = load_secrets_file(Path::new("."), config)?;
    let base = file.base.clone();
    let dir = resolve(
        &base,
        file.secrets.dir.as_deref().unwrap_or(".envguard/secrets"),
    );
    let ledger_dir = match std::env::var_os("ENVGUARD_LEDGER_DIR").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => resolve(
            &base,
            file.inventory
                .ledger_dir
                .as_deref()
                .unwrap_or(".envguard/ledger"),
        ),
    };
    let paths = RotationPaths {
        state_dir: dir.join("rotations"),
        evidence_dir: dir.join("evidence"),
        ledger_dir: ledger_dir.clone(),
        root: base.clone(),
    };
    if file.secrets.backend == BackendKind::Openbao {
        // The server's ACL policies govern access: `[secrets] policy` is the
        // embedded store's and is not consulted.
        let store = OpenBao::from_env(OpenBaoOptions {
            layout: file.secrets.openbao.clone(),
            inventory: file.inventory.clone(),
            ledger_dir,
            repo_root: base,
            due_soon_days: file.secrets.due_soon_days,
        })
        .map_err(|e| match e {
            // a layout error names the file it is in
            envguard_secrets::SecretsError::Invalid(m) => anyhow!(
                "{}: {m}",
                file.path
                    .as_deref()
                    .map_or_else(|| "envguard.toml".into(), |p| p.display().to_string())
            ),
            other => other.into(),
        })?;
        return Ok(Opened {
            file,
            store: Store::OpenBao(Box::new(store)),
            paths,
        });
    }
    let policy = match &file.secrets.policy {
        Some(p) => Some(Policy::load(&resolve(&base, p))?),
        None => None,
    };
    let tiers = file
        .inventory
        .environments
        .iter()
        .map(|e| (e.name.clone(), e.tier))
        .collect();
    let store = EmbeddedStore::new(EmbeddedOptions {
        dir,
        ledger_dir,
        policy,
        tiers,
        due_soon_days: file.secrets.due_soon_days,
    });
    Ok(Opened {
        file,
        store: Store::Embedded(Box::new(store)),
        paths,
    })
}

fn actor(role: Option<&str>, name: Option<&str>) -> Result<Actor> {
    let role = role.filter(|r| !r.trim().is_empty()).ok_or_else(|| {
        anyhow!(
            "no role: pass --role ROLE or set ENVGUARD_ROLE (checked against the store's policy)"
        )
    })?;
    let name = name
        .map(str::to_owned)
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "unknown".into());
    Ok(Actor::new(role, name))
}

fn utc_date(unix: i64) -> String {
    jiff::Timestamp::from_second(unix)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn parse_now(now: Option<&str>) -> Result<Option<i64>> {
    now.map(|n| envguard_ledger::schema::parse_utc(n).map_err(|e| anyhow!("--now: {e}")))
        .transpose()
}

fn load_facts(path: &Path) -> Result<StoreFacts> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        anyhow!(
            "{}:{}:{}: not store facts: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

pub fn run(args: SecretsArgs) -> Result<u8> {
    let role = args.role.as_deref();
    let who = args.actor.as_deref();
    let config = args.config.as_deref();
    match args.command {
        SecretsCommand::Init { env } => {
            let mut o = open(config)?;
            let a = actor(role, who)?;
            let mut err = std::io::stderr();
            match &mut o.store {
                Store::Embedded(s) => {
                    let key = s.init(&a, &env)?;
                    writeln!(
                        err,
                        "envguard: created the {env} store {} (key {}, mode 600; keep it outside the repository and back it up)",
                        s.db_path(&env).display(),
                        key.display()
                    )?;
                }
                Store::OpenBao(s) => {
                    let key = s.init(&env)?;
                    writeln!(
                        err,
                        "envguard: the {env} secrets of {} live at {} (KV v2); fingerprint key {} (mode 600, outside the repository)",
                        s.address(),
                        s.location(&env, "…"),
                        key.display()
                    )?;
                }
            }
            Ok(0)
        }
        SecretsCommand::Put { env, name, kind } => {
            let mut o = open(config)?;
            let a = actor(role, who)?;
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                writeln!(
                    std::io::stderr(),
                    "envguard: type the value of {env}/{name}, then Ctrl-D"
                )?;
            }
            let mut buf = Vec::new();
            stdin
                .lock()
                .read_to_end(&mut buf)
                .context("reading the value from standard input")?;
            let value = SecretValue::new(buf).trim_newline();
            if value.is_empty() {
                bail!("no value on standard input for {env}/{name}");
            }
            let v = o
                .store
                .backend()
                .put(&a, &env, &name, kind.into(), &value)?;
            writeln!(
                std::io::stderr(),
                "envguard: wrote {env}/{name} version {} (fingerprint {})",
                v.version,
                v.fingerprint
            )?;
            Ok(0)
        }
        SecretsCommand::Get {
            env,
            name,
            version,
            previous,
            pending,
            reveal,
        } => {
            if std::io::stdout().is_terminal() && !reveal {
                bail!("refusing to print the value of {env}/{name} to a terminal: pipe it (`| your-tool`) or pass --reveal");
            }
            let mut o = open(config)?;
            let a = actor(role, who)?;
            let which = match (version, previous, pending) {
                (Some(v), _, _) => Which::Version(v),
                (None, true, _) => Which::Previous,
                (None, _, true) => Which::Pending,
                _ => Which::Current,
            };
            let (_, value) = o.store.backend().get(&a, &env, &name, which)?;
            let mut out = std::io::stdout().lock();
            out.write_all(value.expose())?;
            out.flush()?;
            Ok(0)
        }
        SecretsCommand::List {
            env,
            format,
            output,
        } => {
            let mut o = open(config)?;
            let a = actor(role, who)?;
            let envs = match env {
                Some(e) => vec![e],
                None => o.store.environments()?,
            };
            let mut all = Vec::new();
            for e in envs {
                all.extend(o.store.backend().list(&a, &e)?);
            }
            let text = match format {
                ListFormat::Json => {
                    let mut s = serde_json::to_string_pretty(&all)?;
                    s.push('\n');
                    s
                }
                ListFormat::Text => {
                    let mut s = String::new();
                    for m in &all {
                        let cur = m.in_state(VersionState::Current);
                        let show = |st: VersionState| {
                            m.in_state(st)
                                .map_or_else(|| "-".to_owned(), |v| format!("v{}", v.version))
                        };
                        s.push_str(&format!(
                            "{}/{}  {}  current {}{}  previous {}  pending {}\n",
                            m.environment,
                            m.name,
                            m.kind.as_str(),
                            cur.map_or_else(|| "-".into(), |v| format!("v{}", v.version)),
                            cur.map_or_else(String::new, |v| format!(
                                " ({}, fp {})",
                                utc_date(v.created_unix),
                                v.fingerprint
                            )),
                            show(VersionState::Previous),
                            show(VersionState::Pending),
                        ));
                    }
                    if all.is_empty() {
                        s.push_str("no secrets\n");
                    }
                    s
                }
            };
            write_output(output.as_deref(), text.as_bytes())?;
            Ok(0)
        }
        SecretsCommand::Policy { format, output } => {
            let file = load_secrets_file(Path::new("."), config)?;
            let Some(p) = &file.secrets.policy else {
                bail!("no policy file: set `[secrets] policy` in envguard.toml");
            };
            let policy = Policy::load(&resolve(&file.base, p))?;
            let facts = policy.facts();
            let text = match format {
                ListFormat::Json => {
                    let mut s = serde_json::to_string_pretty(&facts)?;
                    s.push('\n');
                    s
                }
                ListFormat::Text => {
                    let mut s = String::new();
                    for r in &facts {
                        s.push_str(&format!(
                            "{} (environment {}, {}:{})\n",
                            r.name,
                            r.environment.as_deref().unwrap_or("?"),
                            r.source,
                            r.line.unwrap_or(1)
                        ));
                        for g in &r.rules {
                            let caps: Vec<&str> =
                                g.capabilities.iter().map(|c| c.as_str()).collect();
                            s.push_str(&format!("  {}  {}\n", g.path, caps.join(", ")));
                        }
                    }
                    s
                }
            };
            write_output(output.as_deref(), text.as_bytes())?;
            Ok(0)
        }
        SecretsCommand::Revoke {
            env,
            name,
            version,
            reason,
        } => {
            let mut o = open(config)?;
            let a = actor(role, who)?;
            let v = o
                .store
                .backend()
                .destroy(&a, &env, &name, version, &reason)?;
            writeln!(
                std::io::stderr(),
                "envguard: destroyed {env}/{name} version {} (fingerprint {})",
                v.version,
                v.fingerprint
            )?;
            Ok(0)
        }
        SecretsCommand::Audit {
            format,
            output,
            fail_on,
            color,
            facts,
            export_facts,
            now,
        } => {
            let mut facts = match facts {
                Some(f) => load_facts(&f)?,
                None => {
                    let mut o = open(config)?;
                    let a = actor(role, who)?;
                    o.store.backend().facts(&a)?
                }
            };
            if let Some(n) = parse_now(now.as_deref())? {
                facts.as_of_unix = n;
            }
            if let Some(path) = &export_facts {
                let mut s = serde_json::to_string_pretty(&facts)?;
                s.push('\n');
                std::fs::write(path, s)
                    .with_context(|| format!("{}: cannot write", path.display()))?;
            }
            let result = audit(&facts);
            emit(&result, format, output.as_deref(), fail_on, color, false)
        }
        SecretsCommand::Rotate {
            env,
            mut names,
            all,
            resume,
            emergency,
            incident,
        } => {
            let mut o = open(config)?;
            let a = actor(role, who)?;
            if all {
                names = o
                    .file
                    .secrets
                    .secret
                    .iter()
                    .filter(|s| s.environment == env)
                    .map(|s| s.name.clone())
                    .collect();
                if names.is_empty() {
                    bail!("--all: no [[secrets.secret]] entry for environment {env:?} in envguard.toml");
                }
            }
            let mut out = String::new();
            if names.len() == 1 && !all {
                let req = RotateRequest {
                    env,
                    name: names.remove(0),
                    emergency,
                    incident,
                    resume,
                };
                let state = rotate(o.store.backend(), &a, &o.file.secrets, &o.paths, &req)?;
                out.push_str(&format!(
                    "rotated {}/{} ({}, {}): v{} -> v{}\n",
                    state.environment,
                    state.name,
                    state.id,
                    mode_str(state.mode),
                    version_str(state.old_version),
                    version_str(state.new_version),
                ));
                for (step, at) in &state.history {
                    out.push_str(&format!("  {:<9} {at}\n", step.as_str()));
                }
                for f in &state.evidence_files {
                    out.push_str(&format!("evidence: {f}\n"));
                }
                if let Some(note) = &state.revoke_note {
                    writeln!(std::io::stderr(), "envguard: warning: revoke {note}")?;
                }
            } else {
                if names.is_empty() && !resume {
                    bail!("name the secret to rotate (or several, or --all)");
                }
                let req = BatchRequest {
                    env,
                    names,
                    emergency,
                    incident,
                    resume,
                };
                let batch = rotate_batch(o.store.backend(), &a, &o.file.secrets, &o.paths, &req)?;
                out.push_str(&format!(
                    "rotated {} secrets of {} ({})\n",
                    batch.rotations.len(),
                    batch.environment,
                    batch.id
                ));
                for r in &batch.rotations {
                    out.push_str(&format!(
                        "  {}  {}: v{} -> v{}\n",
                        r.name,
                        mode_str(r.mode),
                        version_str(r.old_version),
                        version_str(r.new_version)
                    ));
                }
                for f in &batch.evidence_files {
                    out.push_str(&format!("evidence: {f}\n"));
                }
                for r in &batch.rotations {
                    if let Some(note) = &r.revoke_note {
                        writeln!(std::io::stderr(), "envguard: warning: revoke {note}")?;
                    }
                }
            }
            write_output(None, out.as_bytes())?;
            Ok(0)
        }
        SecretsCommand::Due {
            format,
            output,
            all,
            facts,
            now,
        } => {
            let (mut facts, period) = match facts {
                Some(f) => (load_facts(&f)?, 90),
                None => {
                    let mut o = open(config)?;
                    let a = actor(role, who)?;
                    let period = o.file.secrets.rotation_days;
                    (o.store.backend().facts(&a)?, period)
                }
            };
            if let Some(n) = parse_now(now.as_deref())? {
                facts.as_of_unix = n;
            }
            let entries = due::calendar(&facts, period, all);
            let text = match format {
                DueFormat::Text => due::render_text(&entries, period),
                DueFormat::Markdown => due::render_markdown(&entries, period),
                DueFormat::Json => {
                    let mut s = serde_json::to_string_pretty(&serde_json::json!({
                        "period_days": period,
                        "as_of": jiff::Timestamp::from_second(facts.as_of_unix).map(|t| t.to_string()).unwrap_or_default(),
                        "secrets": entries,
                    }))?;
                    s.push('\n');
                    s
                }
            };
            write_output(output.as_deref(), text.as_bytes())?;
            Ok(0)
        }
    }
}

fn mode_str(m: Mode) -> &'static str {
    match m {
        Mode::Scheduled => "scheduled",
        Mode::Emergency => "emergency",
    }
}

fn version_str(v: Option<u64>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

/// Runs the `SEC.*` rules over a store's facts: a report like `check`'s.
fn audit(facts: &StoreFacts) -> ScanResult {
    let inventory = envguard_model::Inventory::default();
    let markers = envguard_infra::MarkerIndex::build(&inventory, Vec::new(), &[]);
    let ctx = envguard_rules::Context {
        inventory: &inventory,
        files: &[],
        pipelines: &[],
        ci_settings: None,
        expired_waivers: &[],
        markers: &markers,
        store: Some(facts),
        live_secrets: None,
    };
    let rules: Vec<_> = envguard_rules::registry()
        .into_iter()
        .filter(|r| r.meta().id.starts_with("SEC."))
        .collect();
    let mut findings = Vec::new();
    for r in &rules {
        r.check(&ctx, &mut findings);
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    ScanResult {
        root: facts.source.clone(),
        findings,
        // what the store holds but envguard could not read: not checked (fail closed, exit 3)
        diagnostics: facts
            .unchecked
            .iter()
            .map(|u| Diagnostic {
                kind: DiagnosticKind::NotChecked,
                path: u.source.clone(),
                region: u.line.map(Region::line),
                message: u.reason.clone(),
            })
            .collect(),
        environments: facts
            .environments
            .iter()
            .map(|e| EnvSummary {
                name: e.name.clone(),
                tier: e.tier,
                files: 0,
                inferred: false,
            })
            .collect(),
        stats: Default::default(),
        rules: rules.iter().map(|r| *r.meta()).collect(),
        isolation: Default::default(),
    }
}

/// `check --store`: the keyed fingerprints (under the check's run key) of the
/// current secrets of every prod environment of the configured store.
pub(crate) fn live_secrets(
    root: &Path,
    config: Option<&Path>,
    role: Option<&str>,
    fingerprinter: &Fingerprinter,
) -> Result<LiveSecrets> {
    let config = match config {
        Some(c) => Some(c.to_path_buf()),
        None => Some(root.join("envguard.toml")).filter(|p| p.is_file()),
    };
    let o = open(config.as_deref())?;
    let Store::Embedded(mut store) = o.store else {
        bail!("check --store: reading the live prod secrets of a Vault/OpenBao server is not supported; use the embedded backend's store");
    };
    let a = actor(role, None)?;
    let mut live = LiveSecrets {
        source: store.dir().display().to_string(),
        fingerprints: Vec::new(),
    };
    for env in store.environments()? {
        if store.tier_of(&env) != Tier::Prod {
            continue;
        }
        for (name, value) in store.current_values(&a, &env)? {
            live.fingerprints.push((
                fingerprinter.fingerprint("store", value.expose()),
                env.clone(),
                name,
            ));
        }
    }
    Ok(live)
}
