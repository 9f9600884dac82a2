//! SOP 003 as a resumable state machine.
//!
//! A standard rotation (003 §6) runs identify → generate → dual-run →
//! cutover → revoke → evidence; an emergency one (003 §7) revokes the
//! suspect secret first: identify → revoke → generate → cutover → evidence.
//! Each step is idempotent against the store (a pending version already
//! staged is adopted, a version already promoted or destroyed is not touched
//! again), and the state is written atomically after every step, so a
//! process killed at any point resumes with `--resume` and never loses the
//! old or the new value, nor ends with two current versions.

use crate::backend::{Actor, Backend, VersionState, Which};
use crate::config::{SecretSpec, SecretsConfig};
use crate::evidence::{self, EvidenceRecord};
use crate::fsutil::{private_dir, write_atomic};
use crate::hooks::{self, CommandOutcome};
use crate::{generate, SecretsError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A step of the procedure; the state names the next one to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    Identify,
    Generate,
    DualRun,
    Cutover,
    Revoke,
    Evidence,
    Done,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Identify => "identify",
            Step::Generate => "generate",
            Step::DualRun => "dual-run",
            Step::Cutover => "cutover",
            Step::Revoke => "revoke",
            Step::Evidence => "evidence",
            Step::Done => "done",
        }
    }

    /// The step after this one.
    fn next(self, mode: Mode) -> Step {
        match (mode, self) {
            (Mode::Scheduled, Step::Identify) => Step::Generate,
            (Mode::Scheduled, Step::Generate) => Step::DualRun,
            (Mode::Scheduled, Step::DualRun) => Step::Cutover,
            (Mode::Scheduled, Step::Cutover) => Step::Revoke,
            (Mode::Scheduled, Step::Revoke) => Step::Evidence,
            (Mode::Emergency, Step::Identify) => Step::Revoke,
            (Mode::Emergency, Step::Revoke) => Step::Generate,
            (Mode::Emergency, Step::Generate) => Step::Cutover,
            (Mode::Emergency, Step::Cutover) => Step::Evidence,
            (Mode::Emergency, Step::DualRun) => Step::Cutover,
            (_, Step::Evidence) | (_, Step::Done) => Step::Done,
        }
    }
}

/// Why the secret is rotated (003 §8 `rotation_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Scheduled,
    Emergency,
}

/// Everything a rotation has done so far: fingerprints and versions, never a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotationState {
    pub id: String,
    pub environment: String,
    pub name: String,
    pub mode: Mode,
    pub incident: Option<String>,
    pub rotated_by: String,
    pub role: String,
    pub started_utc: String,
    pub completed_utc: Option<String>,
    /// The next step to run.
    pub next: Step,
    pub consumers: Vec<String>,
    pub last_rotated_utc: Option<String>,
    pub old_version: Option<u64>,
    pub old_fingerprint: Option<String>,
    pub new_version: Option<u64>,
    pub new_fingerprint: Option<String>,
    pub commands: Vec<(String, CommandOutcome)>,
    /// The access log's position right after the cutover.
    pub cutover_cursor: Option<u64>,
    pub reads_after_cutover: Option<u64>,
    pub revoke_confirmed: Option<bool>,
    /// Why the revoke could not be confirmed from the access log, and what
    /// the operator must check (a store whose log envguard cannot read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_note: Option<String>,
    /// Ledger size before the evidence append (a resumed run looks from here).
    pub evidence_from: Option<u64>,
    pub evidence_files: Vec<String>,
    /// (step, UTC time it completed), in order.
    pub history: Vec<(Step, String)>,
}

/// Where rotations keep their state and evidence.
#[derive(Debug, Clone)]
pub struct RotationPaths {
    /// `<store dir>/rotations`.
    pub state_dir: PathBuf,
    /// `<store dir>/evidence`.
    pub evidence_dir: PathBuf,
    pub ledger_dir: PathBuf,
    /// The repository root the rollback plan is relative to.
    pub root: PathBuf,
}

/// How a rotation was asked for.
#[derive(Debug, Clone)]
pub struct RotateRequest {
    pub env: String,
    pub name: String,
    pub emergency: bool,
    pub incident: Option<String>,
    pub resume: bool,
}

fn now_utc() -> (String, i64) {
    let t = jiff::Timestamp::now();
    (t.to_string(), t.as_second())
}

fn utc_of(unix: i64) -> String {
    jiff::Timestamp::from_second(unix).map_or_else(|_| unix.to_string(), |t| t.to_string())
}

/// The state file of a rotation of `env`/`name`.
pub fn state_path(paths: &RotationPaths, env: &str, name: &str) -> PathBuf {
    paths
        .state_dir
        .join(env)
        .join(format!("{}.json", name.replace('/', "%2F")))
}

pub fn load_state(path: &Path) -> Result<Option<RotationState>, SecretsError> {
    match std::fs::read(path) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| SecretsError::file(path, format!("not a rotation state: {e}"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SecretsError::file(path, e)),
    }
}

fn save_state(path: &Path, s: &RotationState) -> Result<(), SecretsError> {
    if let Some(dir) = path.parent() {
        private_dir(dir)?;
    }
    let mut body = serde_json::to_vec_pretty(s)
        .map_err(|e| SecretsError::Invalid(format!("rotation state: {e}")))?;
    body.push(b'\n');
    write_atomic(path, &body)
}

/// For tests of crash recovery: `ENVGUARD_ROTATE_STALL_AT=<step>` makes the
/// process stop after doing that step and before recording it (the worst
/// moment to die), touching `ENVGUARD_ROTATE_STALL_FILE` and sleeping until
/// it is killed.
fn maybe_stall(step: Step) {
    let Some(at) = std::env::var_os("ENVGUARD_ROTATE_STALL_AT") else {
        return;
    };
    if at.to_str() != Some(step.as_str()) {
        return;
    }
    if let Some(f) = std::env::var_os("ENVGUARD_ROTATE_STALL_FILE") {
        let _ = std::fs::write(f, step.as_str());
    }
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

/// 003 §5: what must hold before a rotation starts. Every missing one is named.
pub fn preconditions(
    cfg: &SecretsConfig,
    paths: &RotationPaths,
    req: &RotateRequest,
) -> Result<(), SecretsError> {
    let mut missing = Vec::new();
    let spec = cfg.spec(&req.env, &req.name);
    match spec {
        None => missing.push(format!(
            "service inventory: no [[secrets.secret]] entry for environment {:?}, name {:?} in envguard.toml",
            req.env, req.name
        )),
        Some(s) if s.consumers.is_empty() => missing.push(format!(
            "service inventory: the [[secrets.secret]] entry of {}/{} lists no consumers",
            req.env, req.name
        )),
        Some(_) => {}
    }
    match &cfg.rollback_plan {
        None => {
            missing.push("rollback plan: set `[secrets] rollback_plan` to the plan's file".into())
        }
        Some(p) if !paths.root.join(p).is_file() => missing.push(format!(
            "rollback plan: {} does not exist",
            paths.root.join(p).display()
        )),
        Some(_) => {}
    }
    if let Some(w) = spec.and_then(|s| s.maintenance_window.as_deref()) {
        if w.trim().is_empty() {
            missing.push("maintenance window: `maintenance_window` is empty".into());
        }
    }
    let ledger_db = envguard_ledger::ledger::env_dir(&paths.ledger_dir, &req.env)
        .join(envguard_ledger::ledger::DB_FILE);
    if !ledger_db.is_file() {
        missing.push(format!(
            "access logging: no {} ledger at {} (the store's access log)",
            req.env,
            ledger_db.display()
        ));
    }
    if req.emergency && req.incident.as_deref().is_none_or(|i| i.trim().is_empty()) {
        missing
            .push("incident reference: an emergency rotation (003 §7) needs --incident REF".into());
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(SecretsError::Preconditions {
            env: req.env.clone(),
            name: req.name.clone(),
            missing,
        })
    }
}

/// Runs (or resumes) a rotation to its end; returns the final state.
pub fn rotate(
    store: &mut dyn Backend,
    actor: &Actor,
    cfg: &SecretsConfig,
    paths: &RotationPaths,
    req: &RotateRequest,
) -> Result<RotationState, SecretsError> {
    let path = state_path(paths, &req.env, &req.name);
    if let Some(b) = load_batch(&batch_path(paths, &req.env))? {
        if b.next() != Step::Done && b.rotations.iter().any(|r| r.name == req.name) {
            return Err(SecretsError::Rotation(format!(
                "{}/{} is part of the unfinished batch rotation {}; finish it with `envguard secrets rotate {} --resume`",
                req.env, req.name, b.id, req.env
            )));
        }
    }
    let existing = load_state(&path)?;
    let mut state = match (existing, req.resume) {
        (Some(s), true) if s.next != Step::Done => s,
        (Some(s), false) if s.next != Step::Done => {
            return Err(SecretsError::Rotation(format!(
                "a rotation of {}/{} ({}) stopped before its {} step; finish it with `envguard secrets rotate {} {} --resume` (state: {})",
                s.environment, s.name, s.id, s.next.as_str(), s.environment, s.name, path.display()
            )))
        }
        (_, true) => {
            return Err(SecretsError::Rotation(format!(
                "no unfinished rotation of {}/{} to resume ({})",
                req.env,
                req.name,
                path.display()
            )))
        }
        (_, false) => {
            preconditions(cfg, paths, req)?;
            let (started, unix) = now_utc();
            let mut id = [0u8; 4];
            getrandom::fill(&mut id)
                .map_err(|e| SecretsError::Invalid(format!("no randomness: {e}")))?;
            let state = RotationState {
                id: format!(
                    "{}-{}-{unix}-{}",
                    req.env,
                    req.name.replace('/', "_"),
                    id.iter().map(|b| format!("{b:02x}")).collect::<String>()
                ),
                environment: req.env.clone(),
                name: req.name.clone(),
                mode: if req.emergency {
                    Mode::Emergency
                } else {
                    Mode::Scheduled
                },
                incident: req.incident.clone(),
                rotated_by: actor.name.clone(),
                role: actor.role.clone(),
                started_utc: started,
                completed_utc: None,
                next: Step::Identify,
                consumers: Vec::new(),
                last_rotated_utc: None,
                old_version: None,
                old_fingerprint: None,
                new_version: None,
                new_fingerprint: None,
                commands: Vec::new(),
                cutover_cursor: None,
                reads_after_cutover: None,
                revoke_confirmed: None,
                revoke_note: None,
                evidence_from: None,
                evidence_files: Vec::new(),
                history: Vec::new(),
            };
            save_state(&path, &state)?;
            state
        }
    };
    if state.role != actor.role {
        return Err(SecretsError::Rotation(format!(
            "the rotation {} was started by role {:?}; resume it with that role",
            state.id, state.role
        )));
    }
    let spec = cfg
        .spec(&state.environment, &state.name)
        .cloned()
        .ok_or_else(|| {
            SecretsError::Rotation(format!(
                "no [[secrets.secret]] entry for {}/{} any more",
                state.environment, state.name
            ))
        })?;
    let timeout = Duration::from_secs(cfg.command_timeout_s);
    while state.next != Step::Done {
        let step = state.next;
        run_step(
            store,
            actor,
            &spec,
            paths,
            timeout,
            &mut state,
            Some(&path),
            step,
        )?;
        maybe_stall(step);
        state.history.push((step, now_utc().0));
        state.next = step.next(state.mode);
        save_state(&path, &state)?;
    }
    Ok(state)
}

#[allow(clippy::too_many_arguments)]
fn run_step(
    store: &mut dyn Backend,
    actor: &Actor,
    spec: &SecretSpec,
    paths: &RotationPaths,
    timeout: Duration,
    state: &mut RotationState,
    state_file: Option<&Path>,
    step: Step,
) -> Result<(), SecretsError> {
    let save = |state: &RotationState| match state_file {
        Some(f) => save_state(f, state),
        None => Ok(()),
    };
    let (env, name) = (state.environment.clone(), state.name.clone());
    let cmd_env = |version: u64| {
        vec![
            ("ENVGUARD_SECRET_ENV", env.clone()),
            ("ENVGUARD_SECRET_NAME", name.clone()),
            ("ENVGUARD_SECRET_VERSION", version.to_string()),
        ]
    };
    match step {
        Step::Identify => {
            let meta = store.versions(actor, &env, &name)?;
            let cur = meta.in_state(VersionState::Current).cloned();
            if cur.is_none() && meta.in_state(VersionState::Pending).is_none() {
                return Err(SecretsError::Rotation(format!(
                    "{env}/{name} has no current version to rotate"
                )));
            }
            state.old_version = cur.as_ref().map(|v| v.version);
            state.old_fingerprint = cur.as_ref().map(|v| v.fingerprint.clone());
            state.last_rotated_utc = cur.as_ref().map(|v| utc_of(v.created_unix));
            state.consumers = spec.consumers.clone();
            store.record(
                actor,
                &env,
                "secrets.rotate.identify",
                json!({
                    "rotation_id": state.id, "name": name, "mode": state.mode,
                    "incident": state.incident, "old_version": state.old_version,
                    "consumers": state.consumers, "last_rotated_utc": state.last_rotated_utc,
                }),
            )?;
        }
        Step::Generate => {
            let meta = store.versions(actor, &env, &name)?;
            // A version staged by a run that died before recording it is adopted.
            let staged = match meta.in_state(VersionState::Pending) {
                Some(p) => p.clone(),
                None => {
                    let value = generate::generate(&spec.generator, &env, &name, timeout)?;
                    store.stage(actor, &env, &name, spec.kind, &value)?
                }
            };
            state.new_version = Some(staged.version);
            state.new_fingerprint = Some(staged.fingerprint);
        }
        Step::DualRun => {
            let new = state
                .new_version
                .ok_or_else(|| SecretsError::Rotation("dual-run before generate".into()))?;
            if let Some(cmd) = &spec.validate {
                let (_, value) = store.get(actor, &env, &name, Which::Version(new))?;
                let (outcome, _) = hooks::run(cmd, Some(&value), &cmd_env(new), timeout)?;
                let ok = outcome.ok();
                state.commands.push(("validate".into(), outcome.clone()));
                if !ok {
                    save(state)?;
                    return Err(SecretsError::Rotation(format!(
                        "dual-run: the validation command {cmd:?} failed with the new value (exit {:?}{}): {}; the old version stays current; fix and run again with --resume",
                        outcome.exit_code,
                        if outcome.timed_out { ", timed out" } else { "" },
                        outcome.output
                    )));
                }
            }
            store.record(
                actor,
                &env,
                "secrets.rotate.dual-run",
                json!({ "rotation_id": state.id, "name": name, "old_version": state.old_version, "new_version": new }),
            )?;
        }
        Step::Cutover => {
            let new = state
                .new_version
                .ok_or_else(|| SecretsError::Rotation("cutover before generate".into()))?;
            let meta = store.versions(actor, &env, &name)?;
            let st = meta
                .versions
                .iter()
                .find(|v| v.version == new)
                .map(|v| v.state);
            match st {
                Some(VersionState::Pending) => {
                    store.promote(actor, &env, &name, new)?;
                }
                Some(VersionState::Current) => {}
                other => {
                    return Err(SecretsError::Rotation(format!(
                        "cutover: {env}/{name} version {new} is {}, expected pending",
                        other.map_or("missing", VersionState::as_str)
                    )))
                }
            }
            if state.cutover_cursor.is_none() {
                state.cutover_cursor = Some(store.log_cursor(&env)?);
            }
            if let Some(cmd) = &spec.health {
                let (_, value) = store.get(actor, &env, &name, Which::Current)?;
                let (outcome, _) = hooks::run(cmd, Some(&value), &cmd_env(new), timeout)?;
                let ok = outcome.ok();
                state.commands.push(("health".into(), outcome.clone()));
                if !ok {
                    save(state)?;
                    return Err(SecretsError::Rotation(format!(
                        "cutover: the health command {cmd:?} failed (exit {:?}{}): {}; version {new} is current and the old one is kept as previous (roll back with the rollback plan, or fix and --resume)",
                        outcome.exit_code,
                        if outcome.timed_out { ", timed out" } else { "" },
                        outcome.output
                    )));
                }
            }
        }
        Step::Revoke => {
            let Some(old) = state.old_version else {
                state.revoke_confirmed = Some(true);
                return Ok(());
            };
            let meta = store.versions(actor, &env, &name)?;
            let old_state = meta
                .versions
                .iter()
                .find(|v| v.version == old)
                .map(|v| v.state);
            let gap = match state.mode {
                Mode::Scheduled => store.access_log_gap(&env)?,
                Mode::Emergency => None,
            };
            if let Some(gap) = gap {
                state.revoke_note = Some(format!(
                    "not confirmed that no consumer read version {old} of {env}/{name} after the cutover ({}): {gap}; check the store's audit log for reads of that version since the cutover",
                    state
                        .history
                        .iter()
                        .find(|(s, _)| *s == Step::Cutover)
                        .map_or("time unknown", |(_, at)| at.as_str())
                ));
            } else if state.mode == Mode::Scheduled {
                let since = state.cutover_cursor.unwrap_or(0);
                let reads = store.reads_since(&env, &name, old, since)?;
                state.reads_after_cutover = Some(reads);
                if reads > 0 && old_state != Some(VersionState::Destroyed) {
                    save(state)?;
                    return Err(SecretsError::Rotation(format!(
                        "revoke: version {old} of {env}/{name} was read {reads} time(s) since the cutover: a consumer still uses it (003 §6 step 5); move it to the new version, then --resume"
                    )));
                }
            }
            if old_state != Some(VersionState::Destroyed) {
                let reason = match state.mode {
                    Mode::Scheduled => format!("rotation {}", state.id),
                    Mode::Emergency => format!(
                        "emergency rotation {} (incident {})",
                        state.id,
                        state.incident.as_deref().unwrap_or("")
                    ),
                };
                store.destroy(actor, &env, &name, old, &reason)?;
            }
            state.revoke_confirmed =
                Some(state.revoke_note.is_none() && state.reads_after_cutover.unwrap_or(0) == 0);
        }
        Step::Evidence => {
            let record = evidence_record(state);
            state.completed_utc = Some(record.completed_utc.clone());
            if state.evidence_from.is_none() {
                state.evidence_from = Some(evidence::ledger_size(&paths.ledger_dir, &env)?);
                save(state)?;
            }
            let signed = evidence::sign(&paths.ledger_dir, record)?;
            let (j, t) = evidence::write_files(&paths.evidence_dir, &state.id, &signed)?;
            evidence::append(
                &paths.ledger_dir,
                &actor.role,
                &state.id,
                state.evidence_from.unwrap_or(0),
                &signed,
            )?;
            state.evidence_files = vec![j.display().to_string(), t.display().to_string()];
        }
        Step::Done => {}
    }
    Ok(())
}

/// The 003 §8 record of a rotation that has run its revoke step.
fn evidence_record(state: &RotationState) -> EvidenceRecord {
    let (completed, _) = now_utc();
    EvidenceRecord {
        secret_id: format!("{}/{}", state.environment, state.name),
        environment: state.environment.clone(),
        rotated_by: format!("{} (role {})", state.rotated_by, state.role),
        rotation_reason: match state.mode {
            Mode::Scheduled => "scheduled".into(),
            Mode::Emergency => format!(
                "emergency (incident {})",
                state.incident.as_deref().unwrap_or("")
            ),
        },
        started_utc: state.started_utc.clone(),
        completed_utc: state.completed_utc.clone().unwrap_or(completed),
        impacted_services: state.consumers.clone(),
        validation_summary: validation_summary(state),
        revoke_confirmed: if state.revoke_confirmed == Some(true) {
            "yes".into()
        } else {
            "no".into()
        },
    }
}

fn validation_summary(s: &RotationState) -> String {
    let mut parts = vec![format!(
        "old v{} (fp {}) -> new v{} (fp {})",
        s.old_version.map_or_else(|| "-".into(), |v| v.to_string()),
        s.old_fingerprint.as_deref().unwrap_or("-"),
        s.new_version.map_or_else(|| "-".into(), |v| v.to_string()),
        s.new_fingerprint.as_deref().unwrap_or("-"),
    )];
    for (what, o) in &s.commands {
        parts.push(format!(
            "{what} `{}` exit {}{}",
            o.command,
            o.exit_code.map_or_else(|| "none".into(), |c| c.to_string()),
            if o.output.is_empty() {
                String::new()
            } else {
                format!(" ({})", o.output)
            }
        ));
    }
    if let Some(note) = &s.revoke_note {
        parts.push(format!("revoke {note}"));
    } else if s.mode == Mode::Scheduled {
        parts.push(format!(
            "reads of the old version after cutover: {}",
            s.reads_after_cutover.unwrap_or(0)
        ));
    }
    parts.join("; ")
}

/// Several secrets of one environment rotated in lockstep: each step runs for
/// every secret inside one batch of the store (one commit of the store and
/// one of its access log), and the batch's state is written once per step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchState {
    pub id: String,
    pub environment: String,
    pub rotations: Vec<RotationState>,
    /// Ledger size before the evidence append.
    pub evidence_from: Option<u64>,
    pub evidence_files: Vec<String>,
}

impl BatchState {
    /// The step every rotation of the batch runs next.
    pub fn next(&self) -> Step {
        self.rotations.first().map_or(Step::Done, |r| r.next)
    }
}

/// `<state dir>/<env>/batch.json`: one batch per environment at a time.
pub fn batch_path(paths: &RotationPaths, env: &str) -> PathBuf {
    paths.state_dir.join(env).join("batch.json")
}

pub fn load_batch(path: &Path) -> Result<Option<BatchState>, SecretsError> {
    match std::fs::read(path) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| SecretsError::file(path, format!("not a batch rotation state: {e}"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SecretsError::file(path, e)),
    }
}

fn save_batch(path: &Path, b: &BatchState) -> Result<(), SecretsError> {
    if let Some(dir) = path.parent() {
        private_dir(dir)?;
    }
    let mut body = serde_json::to_vec(b)
        .map_err(|e| SecretsError::Invalid(format!("batch rotation state: {e}")))?;
    body.push(b'\n');
    write_atomic(path, &body)
}

/// How a batch rotation was asked for: `names` empty with `resume` resumes.
#[derive(Debug, Clone)]
pub struct BatchRequest {
    pub env: String,
    pub names: Vec<String>,
    pub emergency: bool,
    pub incident: Option<String>,
    pub resume: bool,
}

/// Runs (or resumes) a batch rotation to its end.
pub fn rotate_batch(
    store: &mut dyn Backend,
    actor: &Actor,
    cfg: &SecretsConfig,
    paths: &RotationPaths,
    req: &BatchRequest,
) -> Result<BatchState, SecretsError> {
    let path = batch_path(paths, &req.env);
    let existing = load_batch(&path)?;
    let mut batch = match (existing, req.resume) {
        (Some(b), true) if b.next() != Step::Done => b,
        (Some(b), false) if b.next() != Step::Done => {
            return Err(SecretsError::Rotation(format!(
                "the batch rotation {} of {} stopped before its {} step; finish it with `envguard secrets rotate {} --resume` (state: {})",
                b.id, b.environment, b.next().as_str(), b.environment, path.display()
            )))
        }
        (_, true) => {
            return Err(SecretsError::Rotation(format!(
                "no unfinished batch rotation of {} to resume ({})",
                req.env,
                path.display()
            )))
        }
        (_, false) => {
            if req.names.is_empty() {
                return Err(SecretsError::Rotation(format!(
                    "no secret of {} to rotate",
                    req.env
                )));
            }
            let mut missing = Vec::new();
            for name in &req.names {
                let one = RotateRequest {
                    env: req.env.clone(),
                    name: name.clone(),
                    emergency: req.emergency,
                    incident: req.incident.clone(),
                    resume: false,
                };
                if let Err(SecretsError::Preconditions { missing: m, .. }) =
                    preconditions(cfg, paths, &one)
                {
                    for line in m {
                        if !missing.contains(&line) {
                            missing.push(line);
                        }
                    }
                }
                if let Some(s) = load_state(&state_path(paths, &req.env, name))? {
                    if s.next != Step::Done {
                        missing.push(format!(
                            "{}/{name}: its own rotation {} is unfinished (`envguard secrets rotate {} {name} --resume`)",
                            req.env, s.id, req.env
                        ));
                    }
                }
            }
            if !missing.is_empty() {
                return Err(SecretsError::Preconditions {
                    env: req.env.clone(),
                    name: format!("{} secrets", req.names.len()),
                    missing,
                });
            }
            let (started, unix) = now_utc();
            let mut rnd = [0u8; 4];
            getrandom::fill(&mut rnd)
                .map_err(|e| SecretsError::Invalid(format!("no randomness: {e}")))?;
            let id = format!(
                "{}-batch-{unix}-{}",
                req.env,
                rnd.iter().map(|b| format!("{b:02x}")).collect::<String>()
            );
            let rotations = req
                .names
                .iter()
                .enumerate()
                .map(|(i, name)| RotationState {
                    id: format!("{id}-{i}"),
                    environment: req.env.clone(),
                    name: name.clone(),
                    mode: if req.emergency {
                        Mode::Emergency
                    } else {
                        Mode::Scheduled
                    },
                    incident: req.incident.clone(),
                    rotated_by: actor.name.clone(),
                    role: actor.role.clone(),
                    started_utc: started.clone(),
                    completed_utc: None,
                    next: Step::Identify,
                    consumers: Vec::new(),
                    last_rotated_utc: None,
                    old_version: None,
                    old_fingerprint: None,
                    new_version: None,
                    new_fingerprint: None,
                    commands: Vec::new(),
                    cutover_cursor: None,
                    reads_after_cutover: None,
                    revoke_confirmed: None,
                    revoke_note: None,
                    evidence_from: None,
                    evidence_files: Vec::new(),
                    history: Vec::new(),
                })
                .collect();
            let b = BatchState {
                id,
                environment: req.env.clone(),
                rotations,
                evidence_from: None,
                evidence_files: Vec::new(),
            };
            save_batch(&path, &b)?;
            b
        }
    };
    if batch.rotations.iter().any(|r| r.role != actor.role) {
        return Err(SecretsError::Rotation(format!(
            "the batch rotation {} was started by another role; resume it with that role",
            batch.id
        )));
    }
    let timeout = Duration::from_secs(cfg.command_timeout_s);
    let env = batch.environment.clone();
    while batch.next() != Step::Done {
        let step = batch.next();
        if step == Step::Evidence {
            batch_evidence(actor, paths, &mut batch, &path)?;
        } else {
            store.begin_batch(&env)?;
            let mut failed = None;
            for r in batch.rotations.iter_mut() {
                let Some(spec) = cfg.spec(&r.environment, &r.name) else {
                    failed = Some(SecretsError::Rotation(format!(
                        "no [[secrets.secret]] entry for {}/{} any more",
                        r.environment, r.name
                    )));
                    break;
                };
                if let Err(e) = run_step(store, actor, spec, paths, timeout, r, None, step) {
                    failed = Some(e);
                    break;
                }
            }
            // What was done is committed (and logged) even when a secret failed:
            // each step is idempotent, and --resume redoes the step for all.
            store.commit_batch()?;
            if let Some(e) = failed {
                save_batch(&path, &batch)?;
                return Err(e);
            }
        }
        maybe_stall(step);
        let at = now_utc().0;
        for r in batch.rotations.iter_mut() {
            r.history.push((step, at.clone()));
            r.next = step.next(r.mode);
        }
        save_batch(&path, &batch)?;
    }
    Ok(batch)
}

/// The evidence of a whole batch: every record signed, one JSON file and
/// one text file for the batch, and one ledger append for all records.
fn batch_evidence(
    actor: &Actor,
    paths: &RotationPaths,
    batch: &mut BatchState,
    path: &Path,
) -> Result<(), SecretsError> {
    let env = batch.environment.clone();
    if batch.evidence_from.is_none() {
        batch.evidence_from = Some(evidence::ledger_size(&paths.ledger_dir, &env)?);
        for r in batch.rotations.iter_mut() {
            r.completed_utc = Some(now_utc().0);
        }
        save_batch(path, batch)?;
    }
    let mut signed = Vec::with_capacity(batch.rotations.len());
    for r in &batch.rotations {
        signed.push((
            r.id.clone(),
            evidence::sign(&paths.ledger_dir, evidence_record(r))?,
        ));
    }
    let (j, t) = evidence::write_batch_files(&paths.evidence_dir, &env, &batch.id, &signed)?;
    evidence::append_many(
        &paths.ledger_dir,
        &env,
        &actor.role,
        batch.evidence_from.unwrap_or(0),
        &signed,
    )?;
    batch.evidence_files = vec![j.display().to_string(), t.display().to_string()];
    Ok(())
}
