use super::ci::{job_label, only_called, prod_deploys};
use crate::{finding_id, Context, Rule};
use envguard_model::{Finding, FindingBuilder, Location, RuleMeta, Severity};
use envguard_pipeline::{is_default_branch, TriggerKind};

crate::declare_rule! {
    /// # R05.main-to-prod
    ///
    /// ## What it does
    /// Finds a job that deploys to production on a plain branch push: a push to
    /// `main` (or `master`, `trunk`, or on every branch push, which includes
    /// them), or to any other branch (`release/*`, `production`). The default
    /// branch should deploy to staging; production comes from a tagged release.
    /// This rule is the tag gate of policy 002 §6 for branch pushes; the approval
    /// gate is `R05.prod-deploy-ungated`'s.
    ///
    /// A job `if:` that narrows the trigger (`github.ref == 'refs/heads/main'`,
    /// `startsWith(github.ref, 'refs/tags/')`) and GitLab `rules:` / `only:` are
    /// taken into account, and a workflow called by another (`workflow_call`) is
    /// judged with its caller's triggers.
    ///
    /// ## Why it matters
    /// 002 §6: "main branch deploys to staging only" and production requires a
    /// "tagged release"; 000 §3 R-05: "DEV builds may not deploy to PROD". A merge
    /// or a push to a branch is not a release decision.
    ///
    /// ## Example
    /// ```yaml
    /// on:
    ///   push:
    ///     branches: [main]
    /// jobs:
    ///   deploy:
    ///     environment: production
    ///     steps:
    ///       - run: ./deploy.sh production
    /// ```
    ///
    /// ## Fix
    /// Deploy `main` to staging; deploy production from release tags
    /// (`on: push: tags: ['v*']`) behind an approving environment.
    pub struct MainToProd {
        id: "R05.main-to-prod",
        summary: "A branch push (the default branch or another) deploys straight to production",
        severity: Severity::Error,
        clauses: "002 §6; 000 §3 R-05",
    }
}

impl Rule for MainToProd {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        for (p, job) in prod_deploys(ctx) {
            if only_called(p) {
                continue;
            }
            let Some(target) = &job.target else { continue };
            let hit = p.job_triggers(job).iter().find_map(|t| match &t.kind {
                TriggerKind::Push {
                    all_branches: true, ..
                } => Some((t, "every branch push (main included)".to_owned())),
                TriggerKind::Push { branches, .. } => branches
                    .iter()
                    .find(|b| is_default_branch(b))
                    .map(|b| (t, format!("a push to `{b}`")))
                    .or_else(|| {
                        branches.first().map(|b| {
                            (
                                t,
                                format!("a push to branch `{b}` rather than a release tag"),
                            )
                        })
                    }),
                _ => None,
            });
            let Some((trigger, what)) = hit else { continue };
            out.push(
                FindingBuilder::new(
                    Self::META.id,
                    Self::META.default_severity,
                    Location {
                        path: p.path.clone(),
                        region: trigger.region,
                    },
                )
                .message(format!(
                    "Job {} deploys to {} on {what} ({})",
                    job_label(job),
                    target.env,
                    target.evidence
                ))
                .environment(target.env.clone())
                .related(
                    format!("deploy job {}", job.id),
                    Location {
                        path: p.path.clone(),
                        region: job.region,
                    },
                )
                .id(finding_id(Self::META.id, &p.path, &job.id, &target.env))
                .build(),
            );
        }
    }
}
