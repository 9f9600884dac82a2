use super::ci::{branch_policy_protects, is_prod_secret, job_label, labels, nonprod_reach};
use crate::{finding_id, Context, Rule};
use envguard_model::{Finding, FindingBuilder, Location, RuleMeta, Severity, Tier};
use envguard_pipeline::TriggerKind;

crate::declare_rule! {
    /// # R01.prod-secret-in-nonprod-job
    ///
    /// ## What it does
    /// Finds a CI job that can run for code that is not production's — a pull
    /// request (`pull_request`, `pull_request_target`, GitLab merge requests), a
    /// push to a branch other than the default one, or a job deploying to a
    /// non-prod environment — and that can read a production secret: one declared
    /// in the inventory (`ci_secrets` of a prod environment) or named so
    /// (`PROD_*`, `*_PROD`, `*_PRODUCTION*`). Secrets bound in a workflow- or
    /// job-level `env:` count for every step below them, and `secrets: inherit`
    /// into a local workflow that reads production secrets counts too.
    ///
    /// A `pull_request_target` job that checks out the pull request's head while
    /// any secret is available is reported on its own: it runs untrusted code
    /// with the repository's secrets.
    ///
    /// A job that names `environment: production` still runs for pull requests;
    /// it is reported unless `--ci-settings` shows that environment's deployment
    /// branch policy keeps pull request and unlisted branch refs out.
    ///
    /// ## Why it matters
    /// 000 §3 R-01: "Production secrets must not be readable by CI jobs running for
    /// non-production branches"; 002 §3: isolation "at CI/CD pipeline level".
    /// Anyone who can open a pull request can print an environment variable.
    ///
    /// ## Example
    /// ```yaml
    /// on: [push, pull_request]
    /// env:
    ///   DATABASE_URL: ${{ secrets.PROD_DATABASE_URL }}
    /// jobs:
    ///   test:
    ///     steps: [{ run: npm test }]
    /// ```
    ///
    /// ## Fix
    /// Give non-production jobs their own secrets (`STAGING_DATABASE_URL`), and
    /// bind production secrets only in deploy jobs that run from release tags in
    /// an environment whose deployment branch policy admits only those tags.
    pub struct ProdSecretInNonprodJob {
        id: "R01.prod-secret-in-nonprod-job",
        summary: "A CI job that runs for non-production code can read a production secret",
        severity: Severity::Error,
        clauses: "000 §3 R-01; 002 §3",
    }
}

impl Rule for ProdSecretInNonprodJob {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        for p in ctx.pipelines {
            for job in &p.jobs {
                let triggers = p.job_triggers(job);
                // pull_request_target + checkout of the head + any secret.
                if let Some(checkout) = job.checks_out_pr_head {
                    let prt = triggers
                        .iter()
                        .any(|t| matches!(t.kind, TriggerKind::PullRequestTarget));
                    if prt && (!job.secrets.is_empty() || job.secrets_inherit.is_some()) {
                        out.push(
                            FindingBuilder::new(Self::META.id, Severity::Error, Location { path: p.path.clone(), region: checkout })
                                .message(format!("Job {} runs on pull_request_target and checks out the pull request's head while secrets are available", job_label(job)))
                                .id(finding_id(Self::META.id, &p.path, &format!("{}:pr-head", job.id), ""))
                                .build(),
                        );
                    }
                }
                let mut reach = nonprod_reach(triggers);
                if branch_policy_protects(ctx, job) {
                    reach.clear();
                }
                let nonprod_env = job.target.as_ref().filter(|t| t.tier < Tier::Prod);
                if reach.is_empty() && nonprod_env.is_none() {
                    continue;
                }
                let why = match nonprod_env {
                    Some(t) if reach.is_empty() => format!("deploys to {} ({})", t.env, t.evidence),
                    _ => format!("runs on {}", labels(&reach)),
                };
                let mut seen: Vec<&str> = Vec::new();
                for s in &job.secrets {
                    if seen.contains(&s.name.as_str()) || !is_prod_secret(ctx, &s.name) {
                        continue;
                    }
                    seen.push(&s.name);
                    out.push(
                        FindingBuilder::new(
                            Self::META.id,
                            Self::META.default_severity,
                            Location {
                                path: p.path.clone(),
                                region: s.region,
                            },
                        )
                        .message(format!(
                            "Job {} {why} and can read the production secret {} ({})",
                            job_label(job),
                            s.name,
                            s.scope
                        ))
                        .related(
                            format!("job {}", job.id),
                            Location {
                                path: p.path.clone(),
                                region: job.region,
                            },
                        )
                        .id(finding_id(
                            Self::META.id,
                            &p.path,
                            &format!("{}:{}", job.id, s.name),
                            "",
                        ))
                        .build(),
                    );
                }
                // secrets: inherit into a local workflow that reads production secrets.
                if let (Some(inherit), Some((uses, _))) = (job.secrets_inherit, &job.uses) {
                    let local = uses.trim_start_matches("./");
                    if let Some(callee) = ctx.pipelines.iter().find(|c| c.path == local) {
                        let names: Vec<&str> = callee
                            .jobs
                            .iter()
                            .flat_map(|j| j.secrets.iter())
                            .filter(|s| is_prod_secret(ctx, &s.name))
                            .map(|s| s.name.as_str())
                            .collect();
                        if let Some(first) = names.first() {
                            out.push(
                                FindingBuilder::new(Self::META.id, Self::META.default_severity, Location { path: p.path.clone(), region: inherit })
                                    .message(format!("Job {} {why} and passes `secrets: inherit` to {local}, which reads the production secret {first}", job_label(job)))
                                    .related(format!("called workflow {local}"), Location { path: callee.path.clone(), region: callee.triggers.first().map(|t| t.region).unwrap_or_default() })
                                    .id(finding_id(Self::META.id, &p.path, &format!("{}:inherit", job.id), ""))
                                    .build(),
                            );
                        }
                    }
                }
            }
        }
    }
}
