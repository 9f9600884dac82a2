//! `envguard release`: the release gate (issue 14; 000 R-05, 001 "Change
//! management", 002 §6). `keygen` makes the release key, `attest` signs the
//! provenance of a build, `verify` decides whether an artifact may be
//! deployed to an environment and records the decision in its ledger.
//! Exit codes: 0 success / every check passed, 1 a check failed, 2 usage,
//! configuration or I/O error.

use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Args, Subcommand, ValueEnum};
use envguard_ledger::Ledger;
use envguard_model::{Environment, Inventory};
use envguard_release::attest::{AttestInput, EvidenceRef, Subject};
use envguard_release::digest::{parse_sha256, sha256_file};
use envguard_release::verify::{Artifact, Policy, VerifyInput};
use envguard_release::{notify, CiContext, EvidenceKind, ReleaseSigner, TrustedKey};
use serde_json::json;
use std::path::{Path, PathBuf};

/// The variable holding the release key's PEM text (a CI secret), read when
/// `--key` is not given.
pub const KEY_ENV: &str = "ENVGUARD_RELEASE_KEY";

#[derive(Args)]
pub struct ReleaseArgs {
    #[command(subcommand)]
    command: ReleaseCommand,
}

#[derive(Subcommand)]
enum ReleaseCommand {
    /// Make an Ed25519 release key: PREFIX.key (PKCS#8 PEM, owner-only) and PREFIX.pub; prints the key id.
    Keygen {
        /// File prefix of the key pair.
        prefix: PathBuf,
    },
    /// Sign the provenance of a build (in-toto Statement v1, SLSA Provenance v1, DSSE, Ed25519), from the CI variables of GitHub Actions, GitLab CI or CircleCI.
    Attest(AttestArgs),
    /// Check that an artifact may be deployed to an environment; every check is explained as pass or fail, and the decision is appended to the environment's ledger.
    ///
    /// Exit codes: 0 every check passed, 1 a check failed, 2 unusable input
    /// (an unreadable file, a malformed envelope or approvals file, no trusted key).
    Verify(VerifyArgs),
    /// After a deploy, notify every channel of [release] (a Slack-compatible JSON webhook, SMTP e-mail) of the release decision in the environment's ledger: version, commit, time, approvers, release notes, ledger entry.
    ///
    /// Each channel is retried with bounded backoff on 5xx answers and timeouts;
    /// the deliveries, failed ones included, are appended to the ledger.
    /// Exit codes: 0 every channel delivered, 1 one failed, 2 usage or configuration error.
    Notify(NotifyArgs),
}

#[derive(Args)]
struct AttestArgs {
    /// Artifacts: files (hashed), `sha256:HEX` or `NAME@sha256:HEX` (an OCI image by digest).
    #[arg(required = true, value_name = "ARTIFACT")]
    subjects: Vec<String>,
    /// Evidence files referenced by digest: JUnit XML test reports, the SARIF of `envguard check`.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    evidence: Vec<PathBuf>,
    /// The release key (PKCS#8 PEM); without it, the PEM text in $ENVGUARD_RELEASE_KEY.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// The change's author (a CI login) [default: the CI actor].
    #[arg(long, value_name = "LOGIN")]
    author: Option<String>,
    /// The commit built [default: from the CI variables].
    #[arg(long, value_name = "SHA")]
    commit: Option<String>,
    /// The git ref built, `refs/tags/v1.2.3` [default: from the CI variables].
    #[arg(long = "ref", value_name = "REF")]
    git_ref: Option<String>,
    /// The workflow file that ran the build [default: from the CI variables].
    #[arg(long, value_name = "PATH")]
    workflow: Option<String>,
    /// The repository URL [default: from the CI variables].
    #[arg(long, value_name = "URL")]
    repository: Option<String>,
    /// Write the envelope here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Text,
    Json,
}

#[derive(Args)]
struct VerifyArgs {
    /// The artifact to deploy: a file (hashed), `sha256:HEX` or `NAME@sha256:HEX`.
    artifact: String,
    /// The environment deployed to.
    #[arg(long, value_name = "ENV")]
    env: String,
    /// The DSSE envelope written by `release attest`.
    #[arg(long, value_name = "FILE")]
    attestation: PathBuf,
    /// Approvals: GitHub's deployment reviews JSON (`gh api repos/OWNER/REPO/actions/runs/RUN_ID/approvals`) or signed approval records.
    #[arg(long, value_name = "FILE")]
    approvals: Option<PathBuf>,
    /// Folder the provenance's evidence paths are relative to [default: the current folder].
    #[arg(long, value_name = "DIR", default_value = ".")]
    evidence_dir: PathBuf,
    /// Inventory holding [release] and the environment's release policy [default: ./envguard.toml].
    #[arg(long, value_name = "FILE", default_value = "envguard.toml")]
    config: PathBuf,
    /// Ledger directory; without it, `[ledger] dir` of ./envguard.toml, else .envguard/ledger.
    #[arg(long, value_name = "DIR", env = "ENVGUARD_LEDGER_DIR")]
    ledger_dir: Option<PathBuf>,
    /// Role appending the decision, checked against the ledger's access policy.
    #[arg(
        long,
        value_name = "ROLE",
        env = "ENVGUARD_ROLE",
        default_value = "operator"
    )]
    role: String,
    #[arg(short, long, value_enum, default_value = "text")]
    format: FormatArg,
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct NotifyArgs {
    /// The environment deployed to.
    #[arg(long, value_name = "ENV")]
    env: String,
    /// The release decision's ledger entry [default: the environment's latest `release verify`].
    #[arg(long, value_name = "INDEX")]
    decision: Option<u64>,
    /// Release notes, from a file.
    #[arg(long, value_name = "FILE", conflicts_with = "notes_from_tag")]
    notes: Option<PathBuf>,
    /// Release notes from the release tag's message (`git for-each-ref`).
    #[arg(long)]
    notes_from_tag: bool,
    /// Retries per channel after the first attempt.
    #[arg(long, value_name = "N", default_value_t = 3)]
    retries: usize,
    /// First retry delay in milliseconds (doubling, with jitter, up to 8 s).
    #[arg(long, value_name = "MS", default_value_t = 500)]
    retry_delay_ms: u64,
    /// Seconds allowed per attempt.
    #[arg(long, value_name = "S", default_value_t = 10)]
    timeout: u64,
    /// Inventory holding [release] [default: ./envguard.toml].
    #[arg(long, value_name = "FILE", default_value = "envguard.toml")]
    config: PathBuf,
    /// Ledger directory; without it, `[ledger] dir` of ./envguard.toml, else .envguard/ledger.
    #[arg(long, value_name = "DIR", env = "ENVGUARD_LEDGER_DIR")]
    ledger_dir: Option<PathBuf>,
    /// Role appending the deliveries, checked against the ledger's access policy.
    #[arg(
        long,
        value_name = "ROLE",
        env = "ENVGUARD_ROLE",
        default_value = "operator"
    )]
    role: String,
    #[arg(short, long, value_enum, default_value = "text")]
    format: FormatArg,
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: ReleaseArgs) -> Result<u8> {
    match args.command {
        ReleaseCommand::Keygen { prefix } => keygen(&prefix),
        ReleaseCommand::Attest(a) => attest(a),
        ReleaseCommand::Verify(a) => verify(a),
        ReleaseCommand::Notify(a) => notify(a),
    }
}

fn with_ext(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(ext);
    PathBuf::from(s)
}

fn keygen(prefix: &Path) -> Result<u8> {
    let signer = ReleaseSigner::generate()?;
    let (private, public) = (with_ext(prefix, ".key"), with_ext(prefix, ".pub"));
    for p in [&private, &public] {
        if p.exists() {
            bail!("{}: exists; not overwritten", p.display());
        }
    }
    if let Some(parent) = private.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("{}: cannot create", parent.display()))?;
    }
    envguard_ledger::ledger::write_private_file(&private, signer.to_pem()?.as_bytes())?;
    std::fs::write(&public, signer.trusted().to_pem()?)
        .with_context(|| format!("{}: cannot write", public.display()))?;
    let out = json!({
        "key_id": signer.key_id(),
        "private_key": private.display().to_string(),
        "public_key": public.display().to_string(),
    });
    crate::config::write_output(None, format!("{out:#}\n").as_bytes())?;
    Ok(0)
}

/// `FILE`, `sha256:HEX` or `NAME@sha256:HEX` → (name, sha256).
fn artifact_digest(arg: &str) -> Result<(String, String)> {
    if let Some(h) = parse_sha256(arg) {
        return Ok((arg.to_owned(), h));
    }
    if let Some((name, digest)) = arg.rsplit_once('@') {
        if let Some(h) = parse_sha256(digest) {
            return Ok((name.to_owned(), h));
        }
        if digest.starts_with("sha256:") {
            bail!("{arg}: `{digest}` is not sha256: and 64 hex digits");
        }
    }
    if arg.starts_with("sha256:") {
        bail!("{arg}: not sha256: and 64 hex digits");
    }
    Ok((arg.to_owned(), sha256_file(Path::new(arg))?))
}

fn load_signer(key: Option<&Path>) -> Result<ReleaseSigner> {
    match key {
        Some(p) => {
            let pem = std::fs::read_to_string(p)
                .with_context(|| format!("{}: cannot read the release key", p.display()))?;
            Ok(ReleaseSigner::from_pem(&pem, &p.display().to_string())?)
        }
        None => match std::env::var(KEY_ENV) {
            Ok(pem) if !pem.trim().is_empty() => Ok(ReleaseSigner::from_pem(&pem, KEY_ENV)?),
            _ => {
                bail!("no release key: pass --key FILE or set {KEY_ENV} to the PEM text of the key")
            }
        },
    }
}

fn now_utc() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn attest(a: AttestArgs) -> Result<u8> {
    let signer = load_signer(a.key.as_deref())?;
    let mut subjects = Vec::with_capacity(a.subjects.len());
    for s in &a.subjects {
        let (name, sha256) = artifact_digest(s)?;
        subjects.push(Subject { name, sha256 });
    }
    let mut evidence = Vec::with_capacity(a.evidence.len());
    for p in &a.evidence {
        // Verify looks for evidence under its --evidence-dir by this path.
        if !p.components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        }) {
            bail!(
                "--evidence {}: give a path relative to the working folder, without `..` (verify finds it there)",
                p.display()
            );
        }
        let bytes = std::fs::read(p)
            .with_context(|| format!("{}: cannot read the evidence", p.display()))?;
        let kind = EvidenceKind::detect(&bytes);
        evidence.push(EvidenceRef {
            path: p.to_string_lossy().replace('\\', "/"),
            sha256: envguard_release::digest::sha256_bytes(&bytes),
            kind,
        });
    }
    let mut ci = CiContext::from_env(|k| std::env::var(k).ok());
    ci.commit = a.commit.or(ci.commit);
    ci.git_ref = a.git_ref.or(ci.git_ref);
    ci.workflow = a.workflow.or(ci.workflow);
    ci.repository = a.repository.or(ci.repository);
    let input = AttestInput {
        subjects,
        evidence,
        ci,
        author: a.author,
        finished_on: now_utc(),
    };
    let envelope = envguard_release::attest(&input, &signer)?;
    let mut text = serde_json::to_string(&envelope)?;
    text.push('\n');
    crate::config::write_output(a.output.as_deref(), text.as_bytes())?;
    Ok(0)
}

/// The environment named on the command line: declared, or a conventional name.
fn environment(inv: &Inventory, name: &str) -> Result<Environment> {
    if let Some(e) = inv.environment(name) {
        return Ok(e.clone());
    }
    match inv.resolve_name(name) {
        Some((n, tier)) => Ok(Environment::new(&n, tier)),
        None => bail!("--env {name}: not an environment of envguard.toml nor a conventional name (dev, staging, prod, …)"),
    }
}

fn read_key(base: &Path, rel: &str, config: &Path) -> Result<TrustedKey> {
    let path = base.join(rel);
    let pem = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{}: [release] key {rel:?}: cannot read {}",
            config.display(),
            path.display()
        )
    })?;
    Ok(TrustedKey::from_pem(&pem, &path.display().to_string())?)
}

fn policy(inv: &Inventory, env: &Environment, config: &Path) -> Result<Policy> {
    let base = config.parent().unwrap_or(Path::new("."));
    let mut trusted_keys = Vec::new();
    for k in &inv.release.trusted_keys {
        trusted_keys.push(read_key(base, k, config)?);
    }
    let mut approvers = Vec::new();
    for (name, k) in &inv.release.approvers {
        approvers.push((name.clone(), read_key(base, k, config)?));
    }
    let mut names = vec![env.name.clone()];
    names.extend(env.aliases.iter().cloned());
    for word in [
        "production",
        "prod",
        "prd",
        "live",
        "staging",
        "stage",
        "development",
        "dev",
    ] {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(word)) && inv.is_alias_of(word, &env.name) {
            names.push(word.to_owned());
        }
    }
    Ok(Policy {
        environment: env.name.clone(),
        environment_names: names,
        trusted_keys,
        release_tags: env.release_tag_globs(),
        workflows: inv.release.workflows.clone(),
        required_approvals: env.approvals_required(),
        approvers,
    })
}

fn verify(a: VerifyArgs) -> Result<u8> {
    let text = std::fs::read_to_string(&a.config).with_context(|| {
        format!(
            "{}: cannot read the inventory ([release] trusted_keys are needed to verify)",
            a.config.display()
        )
    })?;
    let inv = crate::config::parse_inventory(&a.config, &text)?;
    let env = environment(&inv, &a.env)?;
    let policy = policy(&inv, &env, &a.config)?;
    // The ledger first: a decision that cannot be recorded is not made.
    let dir = crate::cmd_ledger::ledger_dir(a.ledger_dir.clone())?;
    let mut ledger = Ledger::open(&dir, &env.name).map_err(|e| {
        anyhow!("{e} (a release decision is recorded in the environment's ledger: envguard ledger init {})", env.name)
    })?;
    let raw = std::fs::read(&a.attestation)
        .with_context(|| format!("{}: cannot read the attestation", a.attestation.display()))?;
    let envelope: dsse::Envelope = serde_json::from_slice(&raw).map_err(|e| {
        anyhow!(
            "{}: not a DSSE envelope (payload, payloadType, signatures): {e}",
            a.attestation.display()
        )
    })?;
    let (name, sha256) = artifact_digest(&a.artifact)?;
    let approvals = match &a.approvals {
        Some(p) => Some((
            p.display().to_string(),
            std::fs::read_to_string(p)
                .with_context(|| format!("{}: cannot read the approvals", p.display()))?,
        )),
        None => None,
    };
    let input = VerifyInput {
        envelope: &envelope,
        artifact: Artifact { name, sha256 },
        evidence_root: a.evidence_dir.clone(),
        approvals,
    };
    let report = envguard_release::verify(&policy, &input)?;
    let event = json!({
        "schema_version": 1,
        "environment": env.name,
        "tenant_id": envguard_ledger::ledger::SYSTEM_TENANT,
        "timestamp_utc": now_utc(),
        "kind": "audit",
        "actor_role": a.role,
        "action": "release-verify",
        "details": report.ledger_details(),
    });
    let appended = ledger.append(&a.role, vec![event], 1, true)?;
    let index = Some(appended.first_index);
    let out = match a.format {
        FormatArg::Text => report.to_text(index),
        FormatArg::Json => format!("{:#}\n", report.to_json(index)),
    };
    crate::config::write_output(a.output.as_deref(), out.as_bytes())?;
    Ok(if report.passed() { 0 } else { 1 })
}

/// The `release-verify` event at `index`, or the latest one.
fn decision(ledger: &Ledger, index: Option<u64>) -> Result<(u64, serde_json::Value)> {
    let store = ledger.store();
    let size = store.size()?;
    let read = |i: u64| -> Result<Option<serde_json::Value>> {
        let Some(row) = store.entry(i)? else {
            return Ok(None);
        };
        let Some(payload) = row.payload else {
            bail!("ledger entry {i}: its payload was pruned (retention)");
        };
        let v: serde_json::Value = serde_json::from_slice(&payload)
            .with_context(|| format!("ledger entry {i}: not JSON"))?;
        Ok((v["action"] == "release-verify").then_some(v))
    };
    let (i, event) = match index {
        Some(i) => match read(i)? {
            Some(v) => (i, v),
            None => bail!("ledger entry {i}: not a release decision (release verify)"),
        },
        None => {
            let mut found = None;
            for i in (0..size).rev() {
                if let Some(v) = read(i)? {
                    found = Some((i, v));
                    break;
                }
            }
            found.ok_or_else(|| {
                anyhow!("the ledger holds no release decision: run envguard release verify first")
            })?
        }
    };
    if event["details"]["result"] != "pass" {
        bail!("ledger entry {i}: the release decision failed; nothing was cleared for deploy, nothing to notify");
    }
    Ok((i, event))
}

fn tag_message(tag: &str) -> Result<String> {
    let o = std::process::Command::new("git")
        .args([
            "for-each-ref",
            "--format=%(contents)",
            &format!("refs/tags/{tag}"),
        ])
        .output()
        .context("cannot run git for the tag message")?;
    let text = String::from_utf8_lossy(&o.stdout).trim().to_owned();
    if !o.status.success() || text.is_empty() {
        bail!("tag {tag}: no tag message in this repository (an annotated tag is needed for --notes-from-tag)");
    }
    Ok(text)
}

fn smtp_channel(s: &envguard_model::SmtpSettings, config: &Path) -> Result<notify::SmtpChannel> {
    let tls = match s.tls.as_str() {
        "starttls" => notify::SmtpTls::Starttls,
        "tls" => notify::SmtpTls::Tls,
        "none" => notify::SmtpTls::None,
        other => bail!(
            "{}: [release.smtp] tls = {other:?}: expected starttls, tls or none",
            config.display()
        ),
    };
    let var = |name: &Option<String>| -> Result<Option<String>> {
        match name {
            None => Ok(None),
            Some(n) => std::env::var(n).map(Some).map_err(|_| {
                anyhow!(
                    "{}: [release.smtp] names ${n}, which is not set",
                    config.display()
                )
            }),
        }
    };
    let credentials = match (var(&s.username_env)?, var(&s.password_env)?) {
        (Some(u), Some(p)) => Some((u, p)),
        (None, None) => None,
        _ => bail!(
            "{}: [release.smtp] needs both username_env and password_env, or neither",
            config.display()
        ),
    };
    Ok(notify::SmtpChannel {
        host: s.host.clone(),
        port: s.port,
        tls,
        from: s.from.clone(),
        to: s.to.clone(),
        credentials,
    })
}

fn notify(a: NotifyArgs) -> Result<u8> {
    let text = std::fs::read_to_string(&a.config)
        .with_context(|| format!("{}: cannot read the inventory", a.config.display()))?;
    let inv = crate::config::parse_inventory(&a.config, &text)?;
    let env = environment(&inv, &a.env)?;
    let rel = &inv.release;
    if rel.notify_webhook_envs.is_empty() && rel.smtp.is_none() {
        bail!(
            "{}: no notification channel: set [release] notify_webhook_envs or [release.smtp]",
            a.config.display()
        );
    }
    let smtp = rel
        .smtp
        .as_ref()
        .map(|s| smtp_channel(s, &a.config))
        .transpose()?;
    let dir = crate::cmd_ledger::ledger_dir(a.ledger_dir.clone())?;
    let mut ledger = Ledger::open(&dir, &env.name)?;
    let (index, event) = decision(&ledger, a.decision)?;
    let d = &event["details"];
    let s = |k: &str| d[k].as_str().map(str::to_owned);
    let version = s("tag").unwrap_or_else(|| "(untagged)".to_owned());
    let notes = match (&a.notes, a.notes_from_tag) {
        (Some(p), _) => Some(
            std::fs::read_to_string(p)
                .with_context(|| format!("{}: cannot read the release notes", p.display()))?,
        ),
        (None, true) => Some(tag_message(&version)?),
        (None, false) => None,
    };
    let notice = notify::Notice {
        environment: env.name.clone(),
        version,
        commit: s("commit").unwrap_or_default(),
        artifact: s("artifact").unwrap_or_default(),
        approvers: d["approvers"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        time_utc: now_utc(),
        notes,
        ledger_index: index,
    };
    let policy = notify::RetryPolicy {
        retries: a.retries,
        min_delay: std::time::Duration::from_millis(a.retry_delay_ms),
        max_delay: std::time::Duration::from_secs(8),
        timeout: std::time::Duration::from_secs(a.timeout.max(1)),
    };
    let mut deliveries = Vec::new();
    for var in &rel.notify_webhook_envs {
        match std::env::var(var) {
            Ok(url) if !url.trim().is_empty() => {
                deliveries.push(notify::send_webhook(url.trim(), &notice, &policy));
            }
            _ => deliveries.push(notify::Delivery {
                channel: format!("webhook ${var}"),
                delivered: false,
                attempts: vec![format!("${var} is not set")],
            }),
        }
    }
    if let Some(smtp) = &smtp {
        deliveries.push(notify::send_email(smtp, &notice, &policy));
    }
    let all = deliveries.iter().all(|d| d.delivered);
    let record = json!({
        "schema_version": 1,
        "environment": env.name,
        "tenant_id": envguard_ledger::ledger::SYSTEM_TENANT,
        "timestamp_utc": notice.time_utc,
        "kind": "audit",
        "actor_role": a.role,
        "action": "release-notify",
        "details": {
            "decision_index": index,
            "version": notice.version,
            "commit": notice.commit,
            "result": if all { "delivered" } else { "failed" },
            "deliveries": deliveries,
        },
    });
    let appended = ledger.append(&a.role, vec![record], 1, true)?;
    let out = match a.format {
        FormatArg::Json => format!(
            "{:#}\n",
            json!({
                "version": 1,
                "environment": env.name,
                "decision_index": index,
                "notice": notice,
                "result": if all { "delivered" } else { "failed" },
                "deliveries": deliveries,
                "ledger_index": appended.first_index,
            })
        ),
        FormatArg::Text => {
            let mut t = format!(
                "release notify  {}  {}\n  {}\n\n",
                env.name,
                if all { "DELIVERED" } else { "FAILED" },
                notice.summary()
            );
            for d in &deliveries {
                t.push_str(&format!(
                    "  {:<9} {}  after {} attempt(s): {}\n",
                    if d.delivered { "delivered" } else { "failed" },
                    d.channel,
                    d.attempts.len(),
                    d.attempts.join("; ")
                ));
            }
            t.push_str(&format!(
                "\nledger  {} entry {}\n",
                env.name, appended.first_index
            ));
            t
        }
    };
    crate::config::write_output(a.output.as_deref(), out.as_bytes())?;
    Ok(if all { 0 } else { 1 })
}
