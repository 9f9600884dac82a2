use crate::rules::store_common::store_location;
use crate::{finding_id, Context, Rule};
use envguard_model::{Finding, FindingBuilder, RuleMeta, Severity};

crate::declare_rule! {
    /// # SEC.namespace-per-env
    ///
    /// ## What it does
    /// Reports an environment of a secret store (`envguard secrets audit`) that has
    /// no namespace of its own: no mount or path prefix for it, or one it shares
    /// with another environment (one KV mount `secret/` holding dev and prod side
    /// by side, both at its root).
    ///
    /// ## Why it matters
    /// 000 §4 asks the production secret store for "per-environment namespaces":
    /// a namespace per environment is what lets a policy, an audit device and a
    /// backup treat prod apart. Secrets of two environments under one prefix can
    /// only be kept apart by every policy getting every glob right.
    ///
    /// ## Example
    /// ```json
    /// { "name": "staging", "namespace": "secret/" },
    /// { "name": "prod", "namespace": "secret/" }
    /// ```
    ///
    /// ## Fix
    /// Give each environment its own mount or prefix (`secret/prod/`,
    /// `secret/staging/`, or a KV mount per environment); the embedded store keeps
    /// one file per environment and always does.
    pub struct NamespacePerEnv {
        id: "SEC.namespace-per-env",
        summary: "An environment of the secret store has no namespace of its own",
        severity: Severity::Error,
        clauses: "000 §4 per-environment namespaces",
    }
}

impl Rule for NamespacePerEnv {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(facts) = ctx.store else { return };
        for e in &facts.environments {
            let message = match &e.namespace {
                None => format!(
                    "Environment {} has no namespace of its own in the {} store",
                    e.name, facts.backend
                ),
                Some(ns) => {
                    let shared: Vec<&str> = facts
                        .environments
                        .iter()
                        .filter(|o| o.name != e.name && o.namespace.as_deref() == Some(ns))
                        .map(|o| o.name.as_str())
                        .collect();
                    if shared.is_empty() {
                        continue;
                    }
                    format!(
                        "Environment {} shares the namespace `{ns}` with {}",
                        e.name,
                        shared.join(", ")
                    )
                }
            };
            let ns = e.namespace.as_deref().unwrap_or("");
            out.push(
                FindingBuilder::new(
                    Self::META.id,
                    Self::META.default_severity,
                    store_location(facts, ns.trim_end_matches('/')),
                )
                .message(message)
                .environment(e.name.clone())
                .id(finding_id(Self::META.id, &facts.source, ns, &e.name))
                .build(),
            );
        }
    }
}
