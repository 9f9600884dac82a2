//! envguard's rules: the [`Rule`] trait, the registry, the facts rules read, and
//! one module per rule under `rules/`.
//!
//! Rules never touch the disk: the engine hands them a [`Context`] of per-file
//! facts (secret occurrences as keyed fingerprints, environment attribution) and
//! they push [`Finding`]s.
//!
//! Adding a rule: one new file under `src/rules/` written with [`declare_rule!`]
//! (its doc comment becomes `docs/rules/<id>.md`), one line in [`registry`], and
//! two fixture trees, data only, in this crate:
//! `crates/envguard-rules/tests/fixtures/<id>/fires/`, a small realistic
//! repository in which `envguard check` reports the rule, and
//! `crates/envguard-rules/tests/fixtures/<id>/clean/`, the same tree with the
//! mistake fixed as the rule's "Fix" section says, in which it reports nothing
//! of the rule. Each tree is checked from its own root, so it may hold its own
//! `envguard.toml`, `envguard-waivers.toml` and CI settings.
//! `crates/envguard-cli/tests/rule_fixtures.rs` walks [`registry`], runs the
//! binary on both trees of every rule, snapshots the firing findings
//! (`crates/envguard-cli/tests/snapshots/rule_fixtures__<id>__fires.snap`) and
//! fails, naming the rule, when a tree is missing or does not behave.

mod context;
mod docs;
pub mod rules;

pub use context::{
    Context, DatasetFacts, EventLogFacts, EventProblem, ExpiredWaiverFact, FileFacts, PiiColumn,
    Provenance, SecretOccurrence,
};
pub use docs::render_rule_doc;
use envguard_model::{Finding, RuleMeta};
use sha2::{Digest, Sha256};

/// A check over the facts of a whole scan.
pub trait Rule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;
    /// What the rule reads and gives beyond every file's secrets and
    /// environment: the engine schedules work by these declarations and never
    /// by rule id.
    fn needs(&self) -> Needs {
        Needs::default()
    }
    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>);
}

/// What a rule declares it needs from the engine, and what it gives back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// Identity markers, state backends, networks, names and tags, read from
    /// configuration and evaluated Terraform/Terragrunt ([`FileFacts::infra`],
    /// [`Context::markers`]). The costliest facts: read only when a rule that
    /// runs asks for them.
    pub infra: bool,
    /// Its findings between two environments fill the cells of the isolation
    /// matrix (000 §6): the first environment of a finding references the others.
    pub matrix: bool,
    /// It reports values the secret detector found: another scanner's "not a
    /// secret" comment (`gitleaks:allow`, `pragma: allowlist secret`) covers it.
    pub secrets: bool,
}

impl Needs {
    /// Secret occurrences only.
    pub const SECRETS: Needs = Needs {
        infra: false,
        matrix: false,
        secrets: true,
    };
    /// Infrastructure facts and markers, contributing to the isolation matrix.
    pub const ISOLATION: Needs = Needs {
        infra: true,
        matrix: true,
        secrets: false,
    };
}

/// The declarations of the rule with this id (none for an unknown id).
pub fn needs_of(id: &str) -> Needs {
    // Asked once per finding (suppression, matrix cells): the registry is
    // built once.
    static NEEDS: std::sync::OnceLock<Vec<(&'static str, Needs)>> = std::sync::OnceLock::new();
    NEEDS
        .get_or_init(|| {
            registry()
                .iter()
                .map(|r| (r.meta().id, r.needs()))
                .collect()
        })
        .iter()
        .find(|(rule, _)| *rule == id)
        .map(|(_, n)| *n)
        .unwrap_or_default()
}

/// Every rule, in id order. The one place rules are registered.
pub fn registry() -> Vec<&'static dyn Rule> {
    let mut all: Vec<&'static dyn Rule> = vec![
        &rules::secret_reuse::SecretReuse,
        &rules::hardcoded_secret::HardcodedSecret,
        &rules::expired_waiver::ExpiredWaiver,
        &rules::prod_secret_in_nonprod_job::ProdSecretInNonprodJob,
        &rules::prod_deploy_ungated::ProdDeployUngated,
        &rules::main_to_prod::MainToProd,
        &rules::dev_artifact_to_prod::DevArtifactToProd,
        &rules::no_gate_on_failure::NoGateOnFailure,
        &rules::pii_in_nonprod::PiiInNonprod,
        &rules::missing_provenance::MissingProvenance,
        &rules::event_labels::EventLabels,
        &rules::cross_env_reference::CrossEnvReference,
        &rules::network_path::NetworkPath,
        &rules::shared_backend::SharedBackend,
        &rules::tag_mismatch::TagMismatch,
        &rules::naming::Naming,
        &rules::live_prod_secret::LiveProdSecret,
        &rules::sec_namespace::NamespacePerEnv,
        &rules::sec_audit_logging::AuditLogging,
        &rules::sec_nonprod_access::NonprodReadsProd,
        &rules::sec_rotation_overdue::RotationOverdue,
        &rules::prd_encryption::PrdEncryption,
        &rules::prd_key_rotation::PrdKeyRotation,
        &rules::prd_backup::PrdBackup,
        &rules::prd_audit_log_immutable::PrdAuditLogImmutable,
        &rules::prd_log_retention::PrdLogRetention,
        &rules::prd_session::PrdSession,
        &rules::prd_parity::PrdParity,
        &rules::res_region::ResRegion,
    ];
    all.sort_by_key(|r| r.meta().id);
    all
}

/// Metadata of every rule, in id order.
pub fn all_rule_meta() -> Vec<RuleMeta> {
    registry().iter().map(|r| *r.meta()).collect()
}

/// The stable id of a finding, used by baselines and waivers: a hash of the rule,
/// the path, the key name and the environment. Never the value, never the line,
/// so an id survives edits that move the line and never leaks a secret.
pub fn finding_id(rule_id: &str, path: &str, key: &str, env: &str) -> String {
    let mut h = Sha256::new();
    for part in [rule_id, path, key, env] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    let digest = h.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Declares a rule: its doc comment (What it does / Why it matters / Example / Fix)
/// is kept as `RuleMeta::doc` and rendered into `docs/rules/<id>.md`.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            id: $id:literal,
            summary: $summary:literal,
            severity: $sev:expr,
            clauses: $clauses:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl $name {
            pub const META: envguard_model::RuleMeta = envguard_model::RuleMeta {
                id: $id,
                summary: $summary,
                default_severity: $sev,
                clauses: $clauses,
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_snapshotted() {
        let ids: Vec<&str> = registry().iter().map(|r| r.meta().id).collect();
        let mut dedup = ids.clone();
        dedup.dedup();
        assert_eq!(ids, dedup, "duplicate rule id");
        insta::assert_snapshot!(ids.join("\n"));
    }

    #[test]
    fn every_rule_documents_itself() {
        for rule in registry() {
            let m = rule.meta();
            for section in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## Fix",
            ] {
                assert!(m.doc.contains(section), "{} lacks `{section}`", m.id);
            }
            assert!(!m.clauses.is_empty(), "{} cites no policy clause", m.id);
        }
    }

    #[test]
    fn finding_ids_are_stable_and_distinct() {
        let a = finding_id("R01.secret-reuse", "envs/dev/.env", "DB_PASSWORD", "dev");
        assert_eq!(
            a,
            finding_id("R01.secret-reuse", "envs/dev/.env", "DB_PASSWORD", "dev")
        );
        assert_ne!(
            a,
            finding_id("R01.secret-reuse", "envs/dev/.env", "DB_PASSWORD", "prod")
        );
        // Length-prefixing keeps ("ab","c") and ("a","bc") apart.
        assert_ne!(
            finding_id("r", "ab", "c", "e"),
            finding_id("r", "a", "bc", "e")
        );
        assert_eq!(a.len(), 16);
    }
}
