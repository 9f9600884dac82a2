//! Shared reading of pipelines for the R05 rules and `R01.prod-secret-in-nonprod-job`.

use crate::Context;
use envguard_model::Tier;
use envguard_pipeline::{
    is_default_branch, is_prod_secret_name, Job, Pipeline, Trigger, TriggerKind,
};

/// Jobs that deploy to a prod-tier environment.
pub(crate) fn prod_deploys<'a>(
    ctx: &'a Context<'_>,
) -> impl Iterator<Item = (&'a Pipeline, &'a Job)> {
    ctx.pipelines.iter().flat_map(|p| {
        p.jobs
            .iter()
            .filter(|j| j.target.as_ref().is_some_and(|t| t.tier == Tier::Prod))
            .map(move |j| (p, j))
    })
}

/// A pipeline that only runs when another workflow calls it: its gates are the caller's.
pub(crate) fn only_called(p: &Pipeline) -> bool {
    !p.triggers.is_empty()
        && p.triggers
            .iter()
            .all(|t| matches!(t.kind, TriggerKind::WorkflowCall))
}

/// The deployment branch policy of the job's environment keeps pull request and
/// unlisted branch refs out (from `--ci-settings`).
pub(crate) fn branch_policy_protects(ctx: &Context<'_>, job: &Job) -> bool {
    match (&job.environment, ctx.ci_settings) {
        (Some((env, _)), Some(s)) => s.environment(env).is_some_and(|p| p.branch_policy),
        _ => false,
    }
}

/// Triggers that are not a release tag (or a release event).
pub(crate) fn untagged(triggers: &[Trigger]) -> Vec<&Trigger> {
    triggers
        .iter()
        .filter(|t| match &t.kind {
            TriggerKind::Push {
                all_branches,
                branches,
                ..
            } => *all_branches || !branches.is_empty(),
            TriggerKind::Release | TriggerKind::WorkflowCall => false,
            _ => true,
        })
        .collect()
}

/// Triggers through which code that is not on the default branch runs.
pub(crate) fn nonprod_reach(triggers: &[Trigger]) -> Vec<&Trigger> {
    triggers
        .iter()
        .filter(|t| match &t.kind {
            TriggerKind::PullRequest
            | TriggerKind::PullRequestTarget
            | TriggerKind::MergeRequest => true,
            TriggerKind::Push {
                all_branches,
                branches,
                ..
            } => *all_branches || branches.iter().any(|b| !is_default_branch(b)),
            _ => false,
        })
        .collect()
}

/// A secret that belongs to prod: declared in the inventory's prod environments,
/// or named so (`PROD_*`, `*_PROD`, `*_PRODUCTION*`).
pub(crate) fn is_prod_secret(ctx: &Context<'_>, name: &str) -> bool {
    let declared_elsewhere = ctx
        .inventory
        .environments
        .iter()
        .any(|e| e.tier != Tier::Prod && e.ci_secrets.iter().any(|s| s == name));
    if declared_elsewhere {
        return false;
    }
    ctx.inventory
        .environments
        .iter()
        .any(|e| e.tier == Tier::Prod && e.ci_secrets.iter().any(|s| s == name))
        || is_prod_secret_name(name)
}

pub(crate) fn labels(triggers: &[&Trigger]) -> String {
    let mut v: Vec<String> = triggers.iter().map(|t| t.label()).collect();
    v.dedup();
    v.join(", ")
}

pub(crate) fn job_label(job: &Job) -> String {
    match &job.name {
        Some(n) if n != &job.id => format!("`{}` ({n})", job.id),
        _ => format!("`{}`", job.id),
    }
}

/// The deploy job, or a job it needs, runs `envguard release verify --env
/// ENV` for the deploy's environment, before the deploy command when both
/// are steps of the job: the release gate then checks, at deploy time, the
/// signed provenance, the release tag, the tests' evidence and (for
/// `approvals`) at least one approver other than the author (issue 14).
/// With `approvals`, an environment whose `required_approvals` is 0 is not
/// credited: its verify asks for no approval.
pub(crate) fn release_verified(
    ctx: &Context<'_>,
    p: &Pipeline,
    job: &Job,
    approvals: bool,
) -> bool {
    let Some(target) = &job.target else {
        return false;
    };
    if approvals {
        let required = ctx
            .inventory
            .environment(&target.env)
            .map_or(1, |e| e.approvals_required());
        if required == 0 {
            return false;
        }
    }
    let names_target = |env: &str| {
        ctx.inventory
            .resolve_name(env)
            .is_some_and(|(n, _)| n == target.env)
    };
    let own = job.release_verify.as_ref().is_some_and(|(env, r)| {
        names_target(env) && (target.declared || r.start_line < target.region.start_line)
    });
    own || p.needs_closure(job).iter().any(|j| {
        j.release_verify
            .as_ref()
            .is_some_and(|(env, _)| names_target(env))
    })
}
