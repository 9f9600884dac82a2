use super::ci::{job_label, labels, only_called, prod_deploys, untagged};
use crate::{finding_id, Context, Rule};
use envguard_model::{Confidence, Finding, FindingBuilder, Location, RuleMeta, Severity};
use envguard_pipeline::Approval;

crate::declare_rule! {
    /// # R05.prod-deploy-ungated
    ///
    /// ## What it does
    /// Finds a CI job that deploys to production without both gates the policies
    /// ask for: a **tagged release** and an **explicit approval**. A job deploys to
    /// production when it names a prod CI environment (`environment: production`)
    /// or, failing that, when its commands, called workflow or name say so
    /// (`./deploy.sh prod`, `kubectl --context prod`, `terraform workspace select
    /// prod`, `helm … -f values-prod.yaml`, `vercel --prod`, a job `deploy-prod`);
    /// the finding quotes that evidence.
    ///
    /// Approval is a GitLab `when: manual`, a CircleCI `approval` job before the
    /// deploy, or a GitHub environment with required reviewers. GitHub keeps
    /// environment protection rules outside the repository: pass `--ci-settings`
    /// with the output of `gh api repos/OWNER/REPO/environments` and envguard
    /// checks them; without it the finding is a warning that says so.
    ///
    /// Severity: error when there is no approval at all; warning when the approval
    /// cannot be seen, or when an approved deploy also runs on untagged triggers.
    /// Workflows that only run when called (`workflow_call`) are judged at the caller.
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
    /// Trigger production deploys from release tags (`on: push: tags: ['v*']`) and
    /// run the job in a protected environment with required reviewers
    /// (`environment: production`), or behind a manual approval job.
    pub struct ProdDeployUngated {
        id: "R05.prod-deploy-ungated",
        summary: "A production deploy job runs without a release tag and an explicit approval",
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
            let triggers = p.job_triggers(job);
            let untagged = untagged(triggers);
            let (severity, message) = match job.approval(ctx.ci_settings) {
                Approval::None | Approval::NoReviewers(_) | Approval::NotInSettings(_) => {
                    let when = if untagged.is_empty() {
                        "on release tags".to_owned()
                    } else {
                        format!("on {}", labels(&untagged))
                    };
                    (
                        Severity::Error,
                        format!(
                            "Job {} deploys to {} ({}) {when} with no approval gate",
                            job_label(job),
                            target.env,
                            target.evidence
                        ),
                    )
                }
                Approval::Unknown(env) => {
                    let untag = if untagged.is_empty() {
                        String::new()
                    } else {
                        format!(" and runs on {}", labels(&untagged))
                    };
                    (
                        Severity::Warning,
                        format!("Job {} deploys to {} through environment `{env}`, whose protection rules envguard cannot see (pass --ci-settings){untag}", job_label(job), target.env),
                    )
                }
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
