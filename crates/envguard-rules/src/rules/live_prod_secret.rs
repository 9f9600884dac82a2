use crate::{finding_id, Context, Rule};
use envguard_model::{Finding, FindingBuilder, Location, RuleMeta, Severity};
use std::collections::HashMap;

crate::declare_rule! {
    /// # R01.live-prod-secret
    ///
    /// ## What it does
    /// With `envguard check --store`, compares every secret found in the
    /// repository with the current production secrets of the secret store, by
    /// keyed fingerprint (HMAC-SHA-256 under the run's key: neither side is ever
    /// shown), and reports a value that *is* a live production secret: "this is
    /// the live production database password". Any file counts, prod ones
    /// included: the store is where the value belongs, not the repository.
    ///
    /// ## Why it matters
    /// 000 §3 R-01 keeps production secrets out of repositories and 000 §4 puts
    /// them in the production secret store. A written-down copy of the live value
    /// defeats the store's access policy, its access log and its rotation: whoever
    /// can read the repository holds production, and rotating in the store leaves
    /// the copy behind.
    ///
    /// ## Example
    /// ```dotenv
    /// # deploy/.env.production (the store's prod/db/password, current version)
    /// DB_PASSWORD=Zt4#q9LmW2x!pR7v
    /// ```
    ///
    /// ## Fix
    /// Delete the value from the repository and its history, read it from the
    /// store at deploy time, and rotate it at once (`envguard secrets rotate prod
    /// db/password --emergency --incident REF`, SOP 003 §7): it has been exposed.
    pub struct LiveProdSecret {
        id: "R01.live-prod-secret",
        summary: "A value in the repository is a live production secret of the store",
        severity: Severity::Error,
        clauses: "000 §3 R-01; 000 §4; 003 §7",
    }
}

impl Rule for LiveProdSecret {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(live) = ctx.live_secrets else { return };
        if live.fingerprints.is_empty() {
            return;
        }
        let by_fp: HashMap<&[u8; 32], (&str, &str)> = live
            .fingerprints
            .iter()
            .map(|(fp, env, name)| (fp, (env.as_str(), name.as_str())))
            .collect();
        for file in ctx.files {
            for s in &file.secrets {
                let Some((env, name)) = by_fp.get(&s.fingerprint) else {
                    continue;
                };
                out.push(
                    FindingBuilder::new(
                        Self::META.id,
                        Self::META.default_severity,
                        Location {
                            path: file.path.clone(),
                            region: s.region,
                        },
                    )
                    .message(format!(
                        "{} holds the live {env} secret `{name}` of the store {} (its current version, {}); rotate it now",
                        s.display_key(),
                        live.source,
                        s.preview
                    ))
                    .environment((*env).to_owned())
                    .id(finding_id(Self::META.id, &file.path, s.label(), env))
                    .build(),
                );
            }
        }
    }
}
