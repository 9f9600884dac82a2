//! `release verify`: every check a deploy to an environment must pass, each
//! explained as pass or fail (000 R-05, 001 "Change management", 002 §6).
//!
//! A check that reads the statement runs only once the signature is known
//! good: on a bad signature it is `skipped`, which is no pass either.

use crate::approvals::{self, Review};
use crate::attest::EVIDENCE_ANNOTATION;
use crate::digest::sha256_file;
use crate::evidence::{self, EvidenceKind};
use crate::intoto::{
    Provenance, Source, Statement, PAYLOAD_TYPE, SLSA_PROVENANCE_V1, STATEMENT_V1,
};
use crate::key::TrustedKey;
use globset::Glob;
use serde::Serialize;
use serde_json::{json, Value};
use std::path::{Component, Path, PathBuf};

/// What the environment asks of a release (`[release]` and
/// `[environments.<env>]` of envguard.toml).
#[derive(Debug, Clone)]
pub struct Policy {
    pub environment: String,
    /// The environment's name and aliases, as approval records may write it.
    pub environment_names: Vec<String>,
    pub trusted_keys: Vec<TrustedKey>,
    /// Tag globs a release must come from (default `v*`).
    pub release_tags: Vec<String>,
    /// The release workflows allowed to build for this environment.
    pub workflows: Vec<String>,
    pub required_approvals: u32,
    /// Keys of signed approval records, by approver name.
    pub approvers: Vec<(String, TrustedKey)>,
}

/// The artifact being deployed.
#[derive(Debug, Clone)]
pub struct Artifact {
    pub name: String,
    pub sha256: String,
}

/// What verify reads.
pub struct VerifyInput<'a> {
    pub envelope: &'a dsse::Envelope,
    pub artifact: Artifact,
    /// Evidence paths of the provenance are relative to this folder.
    pub evidence_root: PathBuf,
    /// The approvals file: its name (for messages) and text.
    pub approvals: Option<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Fail,
    /// Not run because an earlier check failed; not a pass.
    Skipped,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Fail => "fail",
            CheckStatus::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub status: CheckStatus,
    pub detail: String,
}

/// The decision, with what it was made on.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub environment: String,
    pub artifact: String,
    pub subject_sha256: String,
    pub repository: Option<String>,
    pub commit: Option<String>,
    pub git_ref: Option<String>,
    pub tag: Option<String>,
    pub workflow: Option<String>,
    pub author: Option<String>,
    pub approvers: Vec<String>,
    /// The trusted key that signed, when one did.
    pub key_id: Option<String>,
    pub checks: Vec<Check>,
}

/// An input verify cannot use at all (exit 2): named file, field, problem.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("no trusted key: list the release public keys under [release] trusted_keys in envguard.toml")]
    NoTrustedKeys,
    #[error("{file}: {source}")]
    Approvals {
        file: String,
        source: approvals::ApprovalsError,
    },
}

const CHECK_IDS: [&str; 8] = [
    "signature",
    "key-id",
    "statement",
    "subject",
    "source-tag",
    "workflow",
    "evidence",
    "approvals",
];

impl VerifyReport {
    pub fn passed(&self) -> bool {
        self.checks.len() == CHECK_IDS.len()
            && self.checks.iter().all(|c| c.status == CheckStatus::Pass)
    }

    pub fn failed_ids(&self) -> Vec<&'static str> {
        self.checks
            .iter()
            .filter(|c| c.status != CheckStatus::Pass)
            .map(|c| c.id)
            .collect()
    }

    /// The JSON report (`--format json`), version 1; `ledger_index` is the
    /// decision's entry in the environment's ledger.
    pub fn to_json(&self, ledger_index: Option<u64>) -> Value {
        json!({
            "version": 1,
            "environment": self.environment,
            "result": if self.passed() { "pass" } else { "fail" },
            "artifact": {"name": self.artifact, "sha256": self.subject_sha256},
            "source": {
                "repository": self.repository,
                "commit": self.commit,
                "ref": self.git_ref,
                "tag": self.tag,
                "workflow": self.workflow,
                "author": self.author,
            },
            "key_id": self.key_id,
            "approvers": self.approvers,
            "checks": self.checks,
            "ledger_index": ledger_index,
        })
    }

    /// The event details recorded in the environment's ledger.
    pub fn ledger_details(&self) -> Value {
        json!({
            "result": if self.passed() { "pass" } else { "fail" },
            "artifact": self.artifact,
            "subject_sha256": self.subject_sha256,
            "repository": self.repository,
            "commit": self.commit,
            "tag": self.tag,
            "workflow": self.workflow,
            "author": self.author,
            "approvers": self.approvers,
            "key_id": self.key_id,
            "failed_checks": self.failed_ids(),
        })
    }

    /// The text report.
    pub fn to_text(&self, ledger_index: Option<u64>) -> String {
        let mut out = format!(
            "release verify  {}  {}\n",
            self.environment,
            if self.passed() { "PASS" } else { "FAIL" }
        );
        out.push_str(&format!(
            "  artifact  {}  sha256:{}\n",
            self.artifact, self.subject_sha256
        ));
        if let Some(c) = &self.commit {
            out.push_str(&format!(
                "  source    {} {} at {}\n",
                self.repository.as_deref().unwrap_or("(repository unknown)"),
                self.git_ref.as_deref().unwrap_or("(ref unknown)"),
                c
            ));
        }
        out.push('\n');
        for c in &self.checks {
            out.push_str(&format!(
                "  {:<7} {:<11} {}\n",
                c.status.as_str(),
                c.id,
                c.detail
            ));
        }
        out.push('\n');
        let failed = self.failed_ids();
        if failed.is_empty() {
            out.push_str(&format!(
                "result  pass: all {} checks passed",
                self.checks.len()
            ));
        } else {
            out.push_str(&format!(
                "result  fail: {} of {} checks did not pass ({})",
                failed.len(),
                CHECK_IDS.len(),
                failed.join(", ")
            ));
        }
        if let Some(i) = ledger_index {
            out.push_str(&format!("\nledger  {} entry {i}", self.environment));
        }
        out.push('\n');
        out
    }
}

fn pass(id: &'static str, detail: impl Into<String>) -> Check {
    Check {
        id,
        status: CheckStatus::Pass,
        detail: detail.into(),
    }
}

fn fail(id: &'static str, detail: impl Into<String>) -> Check {
    Check {
        id,
        status: CheckStatus::Fail,
        detail: detail.into(),
    }
}

/// The first `n` characters (ids and commits come from untrusted input:
/// never cut inside a character).
fn prefix(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn short(id: &str) -> &str {
    prefix(id, 16)
}

/// Runs every check.
pub fn verify(policy: &Policy, input: &VerifyInput<'_>) -> Result<VerifyReport, VerifyError> {
    if policy.trusted_keys.is_empty() {
        return Err(VerifyError::NoTrustedKeys);
    }
    let mut report = VerifyReport {
        environment: policy.environment.clone(),
        artifact: input.artifact.name.clone(),
        subject_sha256: input.artifact.sha256.clone(),
        repository: None,
        commit: None,
        git_ref: None,
        tag: None,
        workflow: None,
        author: None,
        approvers: Vec::new(),
        key_id: None,
        checks: Vec::new(),
    };
    let env = input.envelope;
    let keys: Vec<&dyn dsse::Verifier> = policy
        .trusted_keys
        .iter()
        .map(|k| k as &dyn dsse::Verifier)
        .collect();

    // signature: over PAE(payloadType, payload), under a trusted key.
    let verified = dsse::verify(env, &keys, 1);
    let signer: Option<&TrustedKey> = match &verified {
        Ok(v) => policy
            .trusted_keys
            .iter()
            .find(|k| v.accepted_keys.iter().any(|a| a == k.key_id())),
        Err(_) => None,
    };
    match (&verified, signer) {
        (Ok(_), Some(k)) => {
            report.checks.push(pass(
                "signature",
                format!("signed by trusted key {} ({})", short(k.key_id()), k.origin),
            ));
            report.key_id = Some(k.key_id().to_owned());
        }
        (Ok(_), None) => report.checks.push(fail("signature", "no trusted key accepted")),
        (Err(dsse::Error::NoValidSignature { .. }), _) => report.checks.push(fail(
            "signature",
            format!(
                "no signature verifies under the {} trusted key(s): the payload or the signature was altered, or another key signed",
                policy.trusted_keys.len()
            ),
        )),
        (Err(e), _) => report.checks.push(fail(
            "signature",
            format!("the envelope's signatures cannot be checked: {e}"),
        )),
    }

    // key-id: the signature's keyid names the key that signed (an unknown or
    // altered keyid fails, though DSSE leaves keyid unsigned).
    let named: Vec<&str> = env
        .signatures
        .iter()
        .filter_map(|s| s.keyid.as_deref())
        .collect();
    let key_check = match signer {
        Some(k) => {
            let own = dsse::Envelope {
                payload: env.payload.clone(),
                payload_type: env.payload_type.clone(),
                signatures: env
                    .signatures
                    .iter()
                    .filter(|s| s.keyid.as_deref() == Some(k.key_id()))
                    .cloned()
                    .collect(),
            };
            if dsse::verify(&own, &[k as &dyn dsse::Verifier], 1).is_ok() {
                pass(
                    "key-id",
                    format!("keyid {} is the signing key's", short(k.key_id())),
                )
            } else {
                fail(
                    "key-id",
                    format!(
                        "the signature's keyid {} is not the id of the key that signed ({} from {}): unknown key id",
                        list_or_none(&named),
                        short(k.key_id()),
                        k.origin
                    ),
                )
            }
        }
        None => match policy
            .trusted_keys
            .iter()
            .find(|k| named.contains(&k.key_id()))
        {
            Some(k) => pass(
                "key-id",
                format!("keyid {} is trusted key {}", short(k.key_id()), k.origin),
            ),
            None => fail(
                "key-id",
                format!(
                    "keyid {} is none of the trusted keys: unknown key id",
                    list_or_none(&named)
                ),
            ),
        },
    };
    report.checks.push(key_check);

    let Some(payload) = verified
        .ok()
        .filter(|_| signer.is_some())
        .map(|v| v.payload)
    else {
        skip_rest(&mut report, "the payload is not signed by a trusted key");
        return Ok(report);
    };

    // statement: an in-toto Statement v1 with a SLSA Provenance v1 predicate.
    let parsed = read_statement(&env.payload_type, &payload);
    let (statement, provenance) = match parsed {
        Ok(x) => {
            report.checks.push(pass(
                "statement",
                format!(
                    "in-toto Statement v1, SLSA Provenance v1 ({})",
                    x.1.build_definition.build_type
                ),
            ));
            x
        }
        Err(m) => {
            report.checks.push(fail("statement", m));
            skip_rest(&mut report, "the statement could not be read");
            return Ok(report);
        }
    };
    let source = provenance.source();
    fill_source(&mut report, &source);

    // subject: the artifact is one of the statement's subjects.
    let hit = statement.subject.iter().find(|s| {
        s.digest.get("sha256").map(|d| d.to_ascii_lowercase())
            == Some(input.artifact.sha256.clone())
    });
    report.checks.push(match hit {
        Some(s) => pass(
            "subject",
            format!(
                "sha256:{} is subject {}",
                short(&input.artifact.sha256),
                s.name.as_deref().unwrap_or("(unnamed)")
            ),
        ),
        None => fail(
            "subject",
            format!(
                "sha256:{} of {} is none of the {} subject(s) of the statement",
                short(&input.artifact.sha256),
                input.artifact.name,
                statement.subject.len()
            ),
        ),
    });

    report.checks.push(check_tag(policy, &source));
    report.checks.push(check_workflow(policy, &source));
    report
        .checks
        .push(check_evidence(&provenance, &input.evidence_root));
    let approvals = check_approvals(policy, input, &source, &mut report)?;
    report.checks.push(approvals);
    Ok(report)
}

fn list_or_none(v: &[&str]) -> String {
    if v.is_empty() {
        "(none)".to_owned()
    } else {
        v.iter().map(|s| short(s)).collect::<Vec<_>>().join(", ")
    }
}

fn skip_rest(report: &mut VerifyReport, why: &str) {
    for id in CHECK_IDS.iter().skip(report.checks.len()) {
        report.checks.push(Check {
            id,
            status: CheckStatus::Skipped,
            detail: format!("not checked: {why}"),
        });
    }
}

fn fill_source(report: &mut VerifyReport, s: &Source) {
    report.repository = s.repository.clone();
    report.commit = s.commit.clone();
    report.git_ref = s.git_ref.clone();
    report.tag = s.tag().map(str::to_owned);
    report.workflow = s.workflow.clone();
    report.author = s.author.clone();
}

fn read_statement(payload_type: &str, payload: &[u8]) -> Result<(Statement, Provenance), String> {
    if payload_type != PAYLOAD_TYPE {
        return Err(format!(
            "payloadType {payload_type:?}, expected {PAYLOAD_TYPE:?}"
        ));
    }
    let st: Statement = serde_json::from_slice(payload)
        .map_err(|e| format!("payload is not an in-toto statement: {e}"))?;
    if st.type_ != STATEMENT_V1 {
        return Err(format!("_type {:?}, expected {STATEMENT_V1:?}", st.type_));
    }
    if st.predicate_type != SLSA_PROVENANCE_V1 {
        return Err(format!(
            "predicateType {:?}, expected {SLSA_PROVENANCE_V1:?}",
            st.predicate_type
        ));
    }
    let p: Provenance = serde_json::from_value(st.predicate.clone())
        .map_err(|e| format!("predicate is not SLSA Provenance v1: {e}"))?;
    Ok((st, p))
}

fn check_tag(policy: &Policy, s: &Source) -> Check {
    let Some(commit) = &s.commit else {
        return fail(
            "source-tag",
            "the provenance names no commit (resolvedDependencies gitCommit)",
        );
    };
    let commit = prefix(commit, 12);
    let Some(tag) = s.tag() else {
        return fail(
            "source-tag",
            format!(
                "built from {} at {commit}, not from a release tag: a branch build never deploys to {} (000 R-05, 002 §6)",
                s.git_ref.as_deref().unwrap_or("an unknown ref"),
                policy.environment
            ),
        );
    };
    let globs = &policy.release_tags;
    let ok = globs.iter().any(|g| {
        Glob::new(g)
            .map(|g| g.compile_matcher().is_match(tag))
            .unwrap_or(false)
    });
    if ok {
        pass(
            "source-tag",
            format!("tag {tag} at {commit} matches release_tags {globs:?}"),
        )
    } else {
        fail(
            "source-tag",
            format!(
                "tag {tag} matches none of release_tags {globs:?} of [environments.{}]",
                policy.environment
            ),
        )
    }
}

fn check_workflow(policy: &Policy, s: &Source) -> Check {
    if policy.workflows.is_empty() {
        return fail(
            "workflow",
            "no release workflow is declared: list it under [release] workflows in envguard.toml",
        );
    }
    match &s.workflow {
        Some(w) if policy.workflows.iter().any(|d| d == w) => {
            pass("workflow", format!("built by the release workflow {w}"))
        }
        Some(w) => fail(
            "workflow",
            format!(
                "built by {w}, not a declared release workflow {:?}",
                policy.workflows
            ),
        ),
        None => fail(
            "workflow",
            "the provenance names no workflow (externalParameters.workflow.path)",
        ),
    }
}

/// A relative path without `..`: evidence names come from the statement, so
/// they never lead outside the evidence folder.
fn inside(root: &Path, name: &str) -> Option<PathBuf> {
    let p = Path::new(name);
    p.components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        .then(|| root.join(p))
}

fn check_evidence(p: &Provenance, root: &Path) -> Check {
    let refs: Vec<_> = p
        .run_details
        .byproducts
        .iter()
        .filter(|b| b.annotations.contains_key(EVIDENCE_ANNOTATION))
        .collect();
    if refs.is_empty() {
        return fail(
            "evidence",
            "the provenance references no test evidence (release attest --evidence)",
        );
    }
    let mut problems = Vec::new();
    let mut good = Vec::new();
    for r in &refs {
        let name = r.name.as_deref().unwrap_or("(unnamed)");
        let Some(want) = r.digest.get("sha256") else {
            problems.push(format!("{name}: no sha256 digest"));
            continue;
        };
        let Some(path) = inside(root, name) else {
            problems.push(format!(
                "{name}: not a relative path inside {}",
                root.display()
            ));
            continue;
        };
        if !path.is_file() {
            problems.push(format!("{}: missing", path.display()));
            continue;
        }
        let got = match sha256_file(&path) {
            Ok(d) => d,
            Err(e) => {
                problems.push(e.to_string());
                continue;
            }
        };
        if !got.eq_ignore_ascii_case(want) {
            problems.push(format!(
                "{}: sha256:{} is not the attested sha256:{} (changed after the build)",
                path.display(),
                short(&got),
                short(want)
            ));
            continue;
        }
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                problems.push(format!("{}: cannot read ({e})", path.display()));
                continue;
            }
        };
        let kind = EvidenceKind::detect(&bytes);
        match evidence::outcome(kind, &bytes) {
            Ok(o) if o.passed => good.push(format!("{name} ({}: {})", kind.as_str(), o.summary)),
            Ok(o) => problems.push(format!(
                "{name} ({}): did not pass: {}",
                kind.as_str(),
                o.summary
            )),
            Err(m) => problems.push(format!("{name}: {m}")),
        }
    }
    if problems.is_empty() {
        pass(
            "evidence",
            format!(
                "{} evidence file(s) passed: {}",
                good.len(),
                good.join("; ")
            ),
        )
    } else {
        fail("evidence", problems.join("; "))
    }
}

fn check_approvals(
    policy: &Policy,
    input: &VerifyInput<'_>,
    source: &Source,
    report: &mut VerifyReport,
) -> Result<Check, VerifyError> {
    let required = policy.required_approvals;
    let Some((file, text)) = &input.approvals else {
        return Ok(if required == 0 {
            pass(
                "approvals",
                format!("[environments.{}] requires none", policy.environment),
            )
        } else {
            fail(
                "approvals",
                format!("{required} approval(s) required, no --approvals file given"),
            )
        });
    };
    let reviews = approvals::parse(
        text,
        &policy.environment_names,
        &input.artifact.sha256,
        &policy.approvers,
    )
    .map_err(|source| VerifyError::Approvals {
        file: file.clone(),
        source,
    })?;
    // A person's last review is their decision.
    let mut last: Vec<&Review> = Vec::new();
    for r in &reviews {
        last.retain(|x| !x.login.eq_ignore_ascii_case(&r.login));
        last.push(r);
    }
    let author = source.author.as_deref();
    let is_author = |l: &str| author.is_some_and(|a| a.eq_ignore_ascii_case(l));
    let rejected: Vec<&str> = last
        .iter()
        .filter(|r| !r.approved)
        .map(|r| r.login.as_str())
        .collect();
    let approvers: Vec<String> = last
        .iter()
        .filter(|r| r.approved && !is_author(&r.login))
        .map(|r| r.login.clone())
        .collect();
    let by_author = last.iter().any(|r| r.approved && is_author(&r.login));
    report.approvers = approvers.clone();
    let n = u32::try_from(approvers.len()).unwrap_or(u32::MAX);
    let named = if approvers.is_empty() {
        "none".to_owned()
    } else {
        approvers.join(", ")
    };
    let author_note = match (author, by_author) {
        (Some(a), true) => format!("; {a} is the author, whose approval does not count"),
        _ => String::new(),
    };
    Ok(if author.is_none() && required > 0 {
        fail(
            "approvals",
            "the provenance names no author (release attest --author), so self-approval cannot be ruled out",
        )
    } else if !rejected.is_empty() {
        fail(
            "approvals",
            format!("rejected by {} ({file})", rejected.join(", ")),
        )
    } else if n >= required {
        pass(
            "approvals",
            format!("{n} distinct approver(s), {required} required: {named}{author_note}"),
        )
    } else {
        fail(
            "approvals",
            format!(
                "{n} distinct approver(s) other than the author, {required} required: {named}{author_note} ({file})"
            ),
        )
    })
}
