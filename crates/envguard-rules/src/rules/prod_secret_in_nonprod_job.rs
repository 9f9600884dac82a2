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
    /// One root cause is one finding: production secrets bound in a workflow-level
    /// `env:` are reported once, at that `env:`, naming every job that can read
    /// them and how it runs; secrets a job binds itself (job `env:`, steps,
    /// `with:`) are reported once per job, naming them all. Related locations
    /// point at each secret and each job. A job whose `matrix` (or a
    /// `workflow_dispatch` choice) reaches several environments is one run per
    /// environment: its staging run reading a production secret is reported.
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
            // Workflow-level `env:`: (secret, region) and the jobs that can read them.
            let mut wf_secrets: Vec<&envguard_pipeline::SecretRef> = Vec::new();
            let mut wf_jobs: Vec<(&envguard_pipeline::Job, String)> = Vec::new();
            let mut reported: std::collections::HashSet<&str> = std::collections::HashSet::new();
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
                let mut own: Vec<&envguard_pipeline::SecretRef> = Vec::new();
                let mut reads_wf = false;
                for s in &job.secrets {
                    if !is_prod_secret(ctx, &s.name) {
                        continue;
                    }
                    if s.scope == "workflow env" {
                        reads_wf = true;
                        if !wf_secrets.iter().any(|w| w.name == s.name) {
                            wf_secrets.push(s);
                        }
                    } else if !own.iter().any(|o| o.name == s.name) {
                        own.push(s);
                    }
                }
                // A job split by its matrix is listed (and reported) once.
                if reads_wf && !wf_jobs.iter().any(|(j, _)| j.id == job.id) {
                    wf_jobs.push((job, why.clone()));
                }
                if !reported.insert(job.id.as_str()) {
                    continue;
                }
                if let Some(first) = own.first() {
                    let names: Vec<&str> = own.iter().map(|s| s.name.as_str()).collect();
                    let mut b = FindingBuilder::new(
                        Self::META.id,
                        Self::META.default_severity,
                        Location {
                            path: p.path.clone(),
                            region: first.region,
                        },
                    )
                    .message(format!(
                        "Job {} {why} and can read the production secret{} {} ({})",
                        job_label(job),
                        if names.len() > 1 { "s" } else { "" },
                        names.join(", "),
                        first.scope
                    ))
                    .related(
                        format!("job {}", job.id),
                        Location {
                            path: p.path.clone(),
                            region: job.region,
                        },
                    );
                    for s in own.iter().skip(1) {
                        b = b.related(
                            format!("{} ({})", s.name, s.scope),
                            Location {
                                path: p.path.clone(),
                                region: s.region,
                            },
                        );
                    }
                    out.push(
                        b.id(finding_id(
                            Self::META.id,
                            &p.path,
                            &format!("{}:{}", job.id, names.join(",")),
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
            if let (Some(first), false) = (wf_secrets.first(), wf_jobs.is_empty()) {
                let names: Vec<&str> = wf_secrets.iter().map(|s| s.name.as_str()).collect();
                let jobs: Vec<String> = wf_jobs
                    .iter()
                    .map(|(j, why)| format!("{} ({why})", job_label(j)))
                    .collect();
                let mut b = FindingBuilder::new(
                    Self::META.id,
                    Self::META.default_severity,
                    Location {
                        path: p.path.clone(),
                        region: first.region,
                    },
                )
                .message(format!(
                    "The workflow-level env: exposes the production secret{} {} to every job, and {} job{} run{} for non-production code: {}",
                    if names.len() > 1 { "s" } else { "" },
                    names.join(", "),
                    wf_jobs.len(),
                    if wf_jobs.len() > 1 { "s" } else { "" },
                    if wf_jobs.len() > 1 { "" } else { "s" },
                    jobs.join("; ")
                ));
                for s in wf_secrets.iter().skip(1) {
                    b = b.related(
                        format!("{} (workflow env)", s.name),
                        Location {
                            path: p.path.clone(),
                            region: s.region,
                        },
                    );
                }
                for (j, _) in &wf_jobs {
                    b = b.related(
                        format!("job {}", j.id),
                        Location {
                            path: p.path.clone(),
                            region: j.region,
                        },
                    );
                }
                out.push(
                    b.id(finding_id(Self::META.id, &p.path, "workflow-env", ""))
                        .build(),
                );
            }
        }
    }
}
