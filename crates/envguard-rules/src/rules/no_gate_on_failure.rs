use super::ci::{job_label, only_called, prod_deploys, release_verified};
use crate::{finding_id, Context, Rule};
use envguard_model::{Finding, FindingBuilder, Location, RuleMeta, Severity};
use envguard_pipeline::{is_default_branch, CiSystem, Pipeline, Trigger, TriggerKind};

crate::declare_rule! {
    /// # R05.no-gate-on-failure
    ///
    /// ## What it does
    /// Finds a production deploy job that does not wait for the tests: the
    /// pipeline has test jobs (by name — `test`, `unit`, `e2e`, `lint`, `check` —
    /// or by command — `npm test`, `pytest`, `go test`, `cargo test`, `mvn verify`,
    /// …) and none of them is among the deploy job's `needs` (directly or
    /// transitively). A deploy in a pipeline with no test job at all is reported
    /// as a warning, unless it runs after another workflow (`workflow_run`).
    /// When it is only ever run by hand or on a schedule (`workflow_dispatch`,
    /// `schedule`) through a deployment environment — an operation such as
    /// restarting a service or switching a proxy, which no change progresses
    /// through — it is a note: the environment's reviewers, which
    /// R05.prod-deploy-ungated judges, are its gate.
    ///
    /// GitLab jobs without `needs:` wait for every earlier stage and count as gated.
    ///
    /// The jobs of a reusable workflow of the repository (`uses:
    /// ./.github/workflows/deploy.yml`) are judged as jobs of the calling
    /// workflow: the caller's triggers, the caller's `needs:`, the caller's
    /// `with:` bound to the inputs. A job calling a remote reusable workflow
    /// (`org/repo/.github/workflows/x.yml@ref`) is not judged here: its jobs
    /// are not in the repository.
    ///
    /// A deploy that runs only on release tags (or `release` events) is credited
    /// with the tests another workflow of the repository runs on pushes to the
    /// branch the tags are cut from (a `ci.yml` running `npm test` on push to
    /// `main`): the tagged commit passed them before it was tagged. A deploy on a
    /// branch push gets no such credit (the other workflow runs beside it).
    ///
    /// A deploy that runs `envguard release verify --env <its environment>`
    /// first (in an earlier step, or in a job it needs) waits for the tests: the
    /// release gate refuses an artifact whose attested test evidence is missing,
    /// changed or failed.
    ///
    /// ## Why it matters
    /// 002 §6: "Failed checks block progression". Jobs in a GitHub workflow run in
    /// parallel unless `needs:` orders them: a deploy next to a failing test job
    /// still ships.
    ///
    /// ## Example
    /// ```yaml
    /// jobs:
    ///   test:
    ///     steps: [{ run: npm test }]
    ///   deploy:
    ///     environment: production
    ///     steps: [{ run: ./deploy.sh production }]
    /// ```
    ///
    /// ## Fix
    /// Add `needs: [test]` (GitHub), `needs:` or stage order (GitLab), `requires:`
    /// (CircleCI) so a failing check stops the deploy.
    pub struct NoGateOnFailure {
        id: "R05.no-gate-on-failure",
        summary: "A production deploy does not wait for the test jobs",
        severity: Severity::Error,
        clauses: "002 §6",
    }
}

impl Rule for NoGateOnFailure {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        for (p, job) in prod_deploys(ctx) {
            let Some(target) = &job.target else { continue };
            // A called workflow's jobs are judged as jobs of their caller.
            if job.runs_tests || only_called(p) || release_verified(ctx, p, job, false) {
                continue;
            }
            let tests: Vec<&str> = p
                .jobs
                .iter()
                .filter(|j| j.runs_tests && j.id != job.id)
                .map(|j| j.id.as_str())
                .collect();
            let closure = p.needs_closure(job);
            let gated = closure.iter().any(|j| j.runs_tests)
                || (p.system == CiSystem::GitlabCi && job.needs.is_empty() && !tests.is_empty());
            if gated {
                continue;
            }
            if tag_only(p.job_triggers(job)) && tested_on_default_branch(ctx, p) {
                continue;
            }
            let after_workflow = p
                .job_triggers(job)
                .iter()
                .any(|t| matches!(t.kind, TriggerKind::WorkflowRun { .. }));
            let (severity, message) = if !tests.is_empty() {
                (
                    Severity::Error,
                    format!(
                        "Job {} deploys to {} without needing the test job(s) {}",
                        job_label(job),
                        target.env,
                        tests.join(", ")
                    ),
                )
            } else if after_workflow || job.uses.is_some() {
                continue;
            } else if job.environment.is_some() && run_by_hand_or_schedule(p.job_triggers(job)) {
                (
                    Severity::Note,
                    format!(
                        "Job {} runs on {} only by hand or on a schedule, through its deployment environment, and no test job runs before it in this pipeline",
                        job_label(job),
                        target.env
                    ),
                )
            } else {
                (
                    Severity::Warning,
                    format!(
                        "Job {} deploys to {} and no test job runs before it in this pipeline",
                        job_label(job),
                        target.env
                    ),
                )
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
                .environment(target.env.clone())
                .id(finding_id(Self::META.id, &p.path, &job.id, &target.env))
                .build(),
            );
        }
    }
}

/// Every trigger is a manual run or a schedule: nothing pushed starts it.
fn run_by_hand_or_schedule(triggers: &[Trigger]) -> bool {
    !triggers.is_empty()
        && triggers.iter().all(|t| {
            matches!(
                t.kind,
                TriggerKind::WorkflowDispatch | TriggerKind::Schedule
            )
        })
}

/// Every trigger is a release tag or a release event.
fn tag_only(triggers: &[Trigger]) -> bool {
    !triggers.is_empty()
        && triggers.iter().all(|t| match &t.kind {
            TriggerKind::Push {
                all_branches,
                branches,
                tags,
                all_tags,
            } => !*all_branches && branches.is_empty() && (*all_tags || !tags.is_empty()),
            TriggerKind::Release => true,
            _ => false,
        })
}

/// Another pipeline of the repository runs a test job on pushes to the default
/// branch (where release tags are cut).
fn tested_on_default_branch(ctx: &Context<'_>, p: &Pipeline) -> bool {
    ctx.pipelines.iter().filter(|q| q.path != p.path).any(|q| {
        q.jobs.iter().filter(|j| j.runs_tests).any(|j| {
            q.job_triggers(j).iter().any(|t| match &t.kind {
                TriggerKind::Push {
                    all_branches,
                    branches,
                    ..
                } => *all_branches || branches.iter().any(|b| is_default_branch(b)),
                _ => false,
            })
        })
    })
}
