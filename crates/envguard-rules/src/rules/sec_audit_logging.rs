use crate::rules::store_common::store_location;
use crate::{finding_id, Context, Rule};
use envguard_model::{Finding, FindingBuilder, RuleMeta, Severity};

crate::declare_rule! {
    /// # SEC.audit-logging
    ///
    /// ## What it does
    /// Reports an environment of a secret store (`envguard secrets audit`) whose
    /// secret access is not logged: no enabled audit device on a Vault/OpenBao
    /// server, no ledger for the environment of the embedded store.
    ///
    /// ## Why it matters
    /// 000 §4 asks the production secret store for "access logging", and 003 §5
    /// makes "logging enabled for secret access in secret store" a precondition of
    /// every rotation: without it nobody can say who read a secret, nor confirm that
    /// no consumer still reads a revoked one (003 §6 step 5).
    ///
    /// ## Example
    /// ```text
    /// $ bao audit list
    /// No audit devices are enabled.
    /// ```
    ///
    /// ## Fix
    /// Enable an audit device (`bao audit enable file file_path=/var/log/bao/audit.log`),
    /// or create the environment's ledger (`envguard ledger init prod`).
    pub struct AuditLogging {
        id: "SEC.audit-logging",
        summary: "Access to an environment's secrets is not logged",
        severity: Severity::Error,
        clauses: "000 §4 access logging; 003 §5",
    }
}

impl Rule for AuditLogging {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(facts) = ctx.store else { return };
        for e in facts.environments.iter().filter(|e| !e.audit_logging) {
            let detail = if e.audit_detail.is_empty() {
                String::new()
            } else {
                format!(" ({})", e.audit_detail)
            };
            let ns = e.namespace.as_deref().unwrap_or(&e.name);
            out.push(
                FindingBuilder::new(
                    Self::META.id,
                    Self::META.default_severity,
                    store_location(facts, ns.trim_end_matches('/')),
                )
                .message(format!(
                    "Access to the {} secrets of the {} store is not logged{detail}",
                    e.name, facts.backend
                ))
                .environment(e.name.clone())
                .id(finding_id(Self::META.id, &facts.source, "", &e.name))
                .build(),
            );
        }
    }
}
