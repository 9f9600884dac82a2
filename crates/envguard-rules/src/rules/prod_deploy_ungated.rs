use super::ci::{job_label, labels, only_called, prod_deploys, release_verified, untagged};
use crate::{finding_id, Context, Rule};
use envguard_model::{Confidence, Finding, FindingBuilder, Location, RuleMeta, Severity};
use envguard_pipeline::{Approval, TriggerKind};

crate::declare_rule! {
    /// # R05.prod-deploy-ungated
    ///
    /// ## What it does
    /// Finds a CI job that deploys to production without an **explicit
    /// approval**. A job deploys when it runs a deploy action — `terraform apply`,
    /// `helm upgrade`, `kubectl apply|set image`, `docker push`, `serverless
    /// deploy`, `gcloud app deploy`, `az webapp deploy`, `aws ecs update-service`,
    /// a deploy action such as `azure/webapps-deploy`, a repository deploy script
    /// (`./deploy.sh prod`) — or names a CI environment (`environment:
    /// production`); `terraform plan`, drift checks and notifications are not
    /// deploys. The target is the CI environment, else the environment the deploy
    /// command names (through `env:`, `matrix`, `inputs` and `working-directory:`),
    /// else the job's name; the finding quotes that evidence.
    ///
    /// Approval is a GitLab `when: manual`, a CircleCI `approval` job before the
    /// deploy, or a GitHub environment with required reviewers. GitHub keeps
    /// environment protection rules outside the repository: pass `--ci-settings`
    /// with the output of `gh api repos/OWNER/REPO/environments` and envguard
    /// checks them. Without it a deploy through a named environment is a note
    /// that says so; with it, an environment that requires no reviewer (or is not
    /// listed) is an error.
    ///
    /// Severity: error when there is no approval at all (or the settings show
    /// none); note when the approval cannot be seen; warning when an approved
    /// deploy also runs on a manual or scheduled trigger rather than a release
    /// tag. A deploy on a plain branch push is the tag gate's business and is
    /// reported by `R05.main-to-prod`. Workflows that only run when called
    /// (`workflow_call`) are judged at the caller, with the caller's triggers; a
    /// remote reusable workflow's gate is reported as unknown (a note).
    ///
    /// A deploy that runs `envguard release verify --env <its environment>`
    /// first (in an earlier step, or in a job it needs) is gated: the release
    /// gate refuses the deploy without `required_approvals` approvers other
    /// than the author (at least 1 for a prod-tier environment), a release
    /// tag and passed tests.
    ///
    /// ## Why it matters
    /// 000 §3 R-05: "PROD deployment requires controlled release workflow and
    /// explicit approvals"; 002 §6: "Production requires manual approval and tagged
    /// release"; 001: developers may not promote to production on their own.
    ///
    /// ## Example
    /// ```yaml
    /// on:
    ///   push:
    ///     branches: [main]
    ///   workflow_dispatch:
    /// jobs:
    ///   deploy:
    ///     runs-on: ubuntu-latest
    ///     steps:
    ///       - run: ./scripts/deploy.sh production
    /// ```
    ///
    /// ## Fix
    /// Run the job in a protected environment with required reviewers
    /// (`environment: production`, checked with `--ci-settings`), or behind a
    /// manual approval job; trigger it from release tags (`on: push: tags: ['v*']`).
    pub struct ProdDeployUngated {
        id: "R05.prod-deploy-ungated",
        summary: "A production deploy job runs without an explicit approval",
        severity: Severity::Error,
        clauses: "000 §3 R-05; 002 §6; 001 change management",
    }
}

impl Rule for ProdDeployUngated {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        for (p, job) in prod_deploys(ctx) {
            if only_called(p) {
                continue;
            }
            let Some(target) = &job.target else { continue };
            if release_verified(ctx, p, job, true) {
                continue;
            }
            let triggers = p.job_triggers(job);
            let all_untagged = untagged(triggers);
            let when = if all_untagged.is_empty() {
                "on release tags".to_owned()
            } else {
                format!("on {}", labels(&all_untagged))
            };
            // Branch pushes are the tag gate's business (R05.main-to-prod).
            let untagged: Vec<_> = all_untagged
                .iter()
                .copied()
                .filter(|t| !matches!(t.kind, TriggerKind::Push { .. }))
                .collect();
            let remote = job
                .uses
                .as_ref()
                .filter(|(u, _)| !u.starts_with("./"))
                .map(|(u, _)| u.as_str());
            let (severity, message) = match job.approval(ctx.ci_settings) {
                Approval::None if remote.is_some() => (
                    Severity::Note,
                    format!(
                        "Job {} deploys to {} ({}) through the remote reusable workflow `{}`, whose approval gate envguard cannot see: check that its deploy job names a protected environment",
                        job_label(job),
                        target.env,
                        target.evidence,
                        remote.unwrap_or_default()
                    ),
                ),
                Approval::None => (
                    Severity::Error,
                    format!(
                        "Job {} deploys to {} ({}) {when} with no approval gate",
                        job_label(job),
                        target.env,
                        target.evidence
                    ),
                ),
                Approval::NoReviewers(env) => (
                    Severity::Error,
                    format!(
                        "Job {} deploys to {} through environment `{env}`, which requires no reviewer (--ci-settings)",
                        job_label(job),
                        target.env
                    ),
                ),
                Approval::NotInSettings(env) => (
                    Severity::Error,
                    format!(
                        "Job {} deploys to {} through environment `{env}`, which --ci-settings does not list: GitHub creates it unprotected",
                        job_label(job),
                        target.env
                    ),
                ),
                Approval::Unknown(env) => (
                    Severity::Note,
                    format!(
                        "Job {} deploys to {} through environment `{env}`, whose protection rules live outside the repository: pass --ci-settings (the JSON of `gh api repos/OWNER/REPO/environments`) to check it requires reviewers",
                        job_label(job),
                        target.env
                    ),
                ),
                a @ (Approval::Manual | Approval::Reviewers(_)) => {
                    let how = match a {
                        Approval::Reviewers(env) => {
                            format!("environment `{env}` requires reviewers")
                        }
                        _ => "a manual approval step".to_owned(),
                    };
                    if untagged.is_empty() {
                        continue;
                    }
                    (
                        Severity::Warning,
                        format!(
                            "Job {} deploys to {} with {how}, but on {} rather than a release tag",
                            job_label(job),
                            target.env,
                            labels(&untagged)
                        ),
                    )
                }
            };
            out.push(
                FindingBuilder::new(
                    Self::META.id,
                    severity,
                    Location {
                        path: p.path.clone(),
                        region: job.region,
                    },
                )
                .message(message)
                .confidence(if target.declared {
                    Confidence::High
                } else {
                    Confidence::Medium
                })
                .environment(target.env.clone())
                .related(
                    format!("deploys to {}: {}", target.env, target.evidence),
                    Location {
                        path: p.path.clone(),
                        region: target.region,
                    },
                )
                .id(finding_id(Self::META.id, &p.path, &job.id, &target.env))
                .build(),
            );
        }
    }
}
