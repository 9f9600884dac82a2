use super::ci::{job_label, prod_deploys};
use crate::{finding_id, Context, Rule};
use envguard_model::{Finding, FindingBuilder, Location, RuleMeta, Severity};
use envguard_pipeline::TriggerKind;

crate::declare_rule! {
    /// # R05.dev-artifact-to-prod
    ///
    /// ## What it does
    /// Finds a production deploy job that ships something a release did not build:
    /// a container image with a mutable, branch-like tag (`:latest`, `:dev`,
    /// `:main`, `:develop`, `:staging`, `:nightly`), or the output of a workflow
    /// (`workflow_run`) that runs on branch pushes rather than release tags.
    ///
    /// Only images written in the job's commands and inputs are seen; images
    /// chosen at run time (`$IMAGE`) are not resolved.
    ///
    /// ## Why it matters
    /// 000 §3 R-05: "DEV builds may not deploy to PROD" and "Artifact provenance
    /// must be maintained (build id, commit id, evidence references)". `:latest`
    /// names whatever was pushed last, from any branch.
    ///
    /// ## Example
    /// ```yaml
    /// jobs:
    ///   deploy:
    ///     environment: production
    ///     steps:
    ///       - run: kubectl set image deploy/api api=ghcr.io/acme/api:latest
    /// ```
    ///
    /// ## Fix
    /// Deploy the immutable artifact the release built: an image tagged with the
    /// release version or pinned by digest (`api@sha256:…`), produced by the
    /// tag-triggered workflow.
    pub struct DevArtifactToProd {
        id: "R05.dev-artifact-to-prod",
        summary: "A production deploy ships an artifact built outside a release",
        severity: Severity::Error,
        clauses: "000 §3 R-05",
    }
}

impl Rule for DevArtifactToProd {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        for (p, job) in prod_deploys(ctx) {
            let Some(target) = &job.target else { continue };
            for (image, region) in &job.artifacts {
                out.push(
                    FindingBuilder::new(
                        Self::META.id,
                        Self::META.default_severity,
                        Location {
                            path: p.path.clone(),
                            region: *region,
                        },
                    )
                    .message(format!(
                        "Job {} deploys `{image}` to {}: a mutable tag, not a release build",
                        job_label(job),
                        target.env
                    ))
                    .environment(target.env.clone())
                    .id(finding_id(
                        Self::META.id,
                        &p.path,
                        &format!("{}:{image}", job.id),
                        &target.env,
                    ))
                    .build(),
                );
            }
            for t in p.job_triggers(job) {
                let TriggerKind::WorkflowRun { workflows } = &t.kind else {
                    continue;
                };
                for name in workflows {
                    let Some(upstream) = ctx.pipelines.iter().find(|u| &u.name == name) else {
                        continue;
                    };
                    let branchy = upstream.triggers.iter().any(|u| matches!(&u.kind, TriggerKind::Push { all_branches, branches, .. } if *all_branches || !branches.is_empty()));
                    if !branchy {
                        continue;
                    }
                    out.push(
                        FindingBuilder::new(Self::META.id, Self::META.default_severity, Location { path: p.path.clone(), region: t.region })
                            .message(format!("Job {} deploys to {} after workflow `{name}`, which builds on branch pushes", job_label(job), target.env))
                            .environment(target.env.clone())
                            .related(format!("workflow `{name}`"), Location { path: upstream.path.clone(), region: upstream.triggers.first().map(|u| u.region).unwrap_or_default() })
                            .id(finding_id(Self::META.id, &p.path, &format!("{}:{name}", job.id), &target.env))
                            .build(),
                    );
                }
            }
        }
    }
}
