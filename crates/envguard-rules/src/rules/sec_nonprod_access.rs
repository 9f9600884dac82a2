use crate::rules::store_common::{policy_location, prod_paths_reached};
use crate::{finding_id, Context, Rule};
use envguard_model::{Finding, FindingBuilder, RuleMeta, Severity, StoreCapability, Tier};
use std::collections::BTreeSet;

crate::declare_rule! {
    /// # SEC.nonprod-reads-prod
    ///
    /// ## What it does
    /// Walks every role or ACL policy of a secret store (`envguard secrets audit`)
    /// and reports one that belongs to a non-production environment (or to no
    /// known environment) and yet may read, write, delete, rotate or `sudo` a
    /// production path. Globs are followed: `secret/data/+/db` and `secret/*` reach
    /// `secret/data/prod/db`, `**` reaches everything; a grant that matches no
    /// prod secret today but would match a new one under a prod namespace counts.
    /// For a Vault/OpenBao server the answer is the ACL evaluator's (Vault's
    /// priority rules: the most specific path wins, `deny` wins over all), so a
    /// broad grant narrowed by a `deny` on `secret/data/prod/*` is not reported.
    ///
    /// ## Why it matters
    /// 000 §4 asks for "least privilege access policies", and 000 §3 R-01 keeps
    /// production secrets out of non-production hands. A staging token that can
    /// read `secret/prod/*` makes every staging workload, CI job and developer
    /// who holds it a production secret holder.
    ///
    /// ## Example
    /// ```hcl
    /// # policy "staging-app"
    /// path "secret/data/*" { capabilities = ["read"] }
    /// ```
    ///
    /// ## Fix
    /// Narrow the glob to the policy's own environment (`secret/data/staging/*`),
    /// or, if the holder really works on prod, move it to a prod role.
    pub struct NonprodReadsProd {
        id: "SEC.nonprod-reads-prod",
        summary: "A non-production role or policy can reach production secrets",
        severity: Severity::Error,
        clauses: "000 §4 least privilege; 000 §3 R-01",
    }
}

impl Rule for NonprodReadsProd {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(facts) = ctx.store else { return };
        for p in &facts.policies {
            if p.tier == Some(Tier::Prod) {
                continue;
            }
            let mut caps: BTreeSet<StoreCapability> = BTreeSet::new();
            let mut reached: BTreeSet<&str> = BTreeSet::new();
            let mut globs: Vec<&str> = Vec::new();
            // The store's own evaluator answered (Vault ACL priority, deny):
            // take its answer rather than matching the globs a second time.
            if let Some(reach) = &p.prod_reach {
                for r in reach {
                    let touching: Vec<StoreCapability> = r
                        .capabilities
                        .iter()
                        .copied()
                        .filter(|c| c.touches_values())
                        .collect();
                    if touching.is_empty() {
                        continue;
                    }
                    caps.extend(touching);
                    reached.insert(&r.path);
                    if !globs.contains(&r.pattern.as_str()) {
                        globs.push(&r.pattern);
                    }
                }
            }
            for g in p.rules.iter().filter(|_| p.prod_reach.is_none()) {
                if g.capabilities.contains(&StoreCapability::Deny) {
                    continue;
                }
                let touching: Vec<StoreCapability> = g
                    .capabilities
                    .iter()
                    .copied()
                    .filter(|c| c.touches_values())
                    .collect();
                if touching.is_empty() {
                    continue;
                }
                let hit = prod_paths_reached(facts, g);
                if hit.is_empty() {
                    continue;
                }
                caps.extend(touching);
                reached.extend(hit);
                globs.push(&g.path);
            }
            if reached.is_empty() {
                continue;
            }
            let owner = match (&p.environment, p.tier) {
                (Some(e), Some(t)) => format!("{e}, a {} environment", t.as_str()),
                (Some(e), None) => format!("{e}, an environment of unknown tier"),
                (None, _) => "no known environment".to_owned(),
            };
            let caps: Vec<&str> = caps.iter().map(|c| c.as_str()).collect();
            let reached: Vec<&str> = reached.into_iter().take(3).collect();
            let mut b = FindingBuilder::new(
                Self::META.id,
                Self::META.default_severity,
                policy_location(p),
            )
            .message(format!(
                "Policy `{}` ({owner}) may {} production secrets: {} reaches {}",
                p.name,
                caps.join(", "),
                globs
                    .iter()
                    .map(|g| format!("`{g}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                reached.join(", ")
            ));
            if let Some(e) = &p.environment {
                b = b.environment(e.clone());
            }
            out.push(
                b.id(finding_id(
                    Self::META.id,
                    &p.source,
                    &p.name,
                    p.environment.as_deref().unwrap_or(""),
                ))
                .build(),
            );
        }
    }
}
