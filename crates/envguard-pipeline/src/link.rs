//! What a pipeline file cannot say alone: the repository scripts its jobs run
//! (`./bin/deploy-app`, `bash scripts/deploy.sh`) and the local reusable
//! workflows they call (`uses: ./.github/workflows/deploy.yml`). Run once all
//! pipelines are read, with a way to read a repository file.

use crate::target::{job_name_target, scan_shell, Scan};
use crate::{CiSystem, Job, Pipeline, Resolver, Target};
use envguard_model::Region;

/// Reads a repository file by its relative, `/`-separated path (None when it is
/// missing, too large or outside the repository).
pub type ReadFile<'a> = &'a dyn Fn(&str) -> Option<String>;

/// How deep a script that calls a script is followed.
const SCRIPT_DEPTH: usize = 3;

/// Follows the scripts jobs run and the local workflows they call.
pub fn link(pipelines: &mut [Pipeline], read: ReadFile<'_>, resolve: Resolver<'_>) {
    for p in pipelines.iter_mut() {
        for job in &mut p.jobs {
            follow_scripts(job, read, resolve);
        }
    }
    for p in pipelines.iter_mut() {
        if p.system != CiSystem::GithubActions {
            continue;
        }
        let mut called: Vec<Job> = Vec::new();
        for job in &mut p.jobs {
            let jobs = called_jobs(job, read, resolve);
            if jobs.iter().any(|j| j.target.is_some()) {
                // The deploy is the called jobs'; the call itself is not judged twice.
                job.target = None;
            }
            called.extend(jobs);
        }
        p.jobs.extend(called);
    }
}

/// A repository path from a path as a job writes it (`./bin/deploy`), relative
/// to the repository root, else to `dir` (the calling script's folder).
fn repo_path(written: &str, dir: &str, read: ReadFile<'_>) -> Option<(String, String)> {
    let clean = written.trim_start_matches("./");
    if clean.is_empty()
        || written.starts_with('/')
        || clean.split('/').any(|s| s == ".." || s.contains('$'))
    {
        return None;
    }
    let mut candidates = vec![clean.to_owned()];
    if !dir.is_empty() {
        candidates.push(format!("{dir}/{clean}"));
    }
    candidates
        .into_iter()
        .find_map(|c| read(&c).map(|text| (c, text)))
}

/// Reads the scripts a job runs (and those they run, to [`SCRIPT_DEPTH`]) for
/// deploy actions, when the job's own lines did not say where it deploys.
fn follow_scripts(job: &mut Job, read: ReadFile<'_>, resolve: Resolver<'_>) {
    if job.target.is_some() || job.scripts.is_empty() {
        return;
    }
    for (written, region) in job.scripts.clone() {
        let mut seen = Vec::new();
        let Some(scan) = follow(&written, "", region, read, resolve, 0, &mut seen) else {
            continue;
        };
        job.deploys |= scan.deploys;
        if let Some(t) = scan.target {
            if job.target.as_ref().is_none_or(|b| t.tier > b.tier) {
                job.target = Some(t);
            }
        }
    }
    if job.target.is_none() && job.deploys {
        let label = job.name.clone().unwrap_or_else(|| job.id.clone());
        job.target = job_name_target(&label, job.region, resolve)
            .or_else(|| job_name_target(&job.id, job.region, resolve));
    }
}

fn follow(
    written: &str,
    dir: &str,
    region: Region,
    read: ReadFile<'_>,
    resolve: Resolver<'_>,
    depth: usize,
    seen: &mut Vec<String>,
) -> Option<Scan> {
    if depth >= SCRIPT_DEPTH {
        return None;
    }
    let (path, text) = repo_path(written, dir, read)?;
    if seen.contains(&path) {
        return None;
    }
    seen.push(path.clone());
    let here = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let mut scan = scan_shell(&text, region, "", resolve);
    if let Some(t) = &mut scan.target {
        t.evidence = format!("runs `{written}`, which ({path}) {}", t.evidence);
    }
    for (inner, _) in std::mem::take(&mut scan.scripts) {
        if let Some(mut s) = follow(&inner, here, region, read, resolve, depth + 1, seen) {
            if let Some(t) = &mut s.target {
                t.evidence = format!("runs `{written}`, which {}", t.evidence);
            }
            scan.merge(s);
        }
    }
    Some(scan)
}

/// The jobs of a local reusable workflow a job calls, as jobs of the caller:
/// the caller's triggers and needs, the caller's `with:` bound to the inputs,
/// located at the call.
fn called_jobs(job: &Job, read: ReadFile<'_>, resolve: Resolver<'_>) -> Vec<Job> {
    let Some((uses, uses_region)) = &job.uses else {
        return Vec::new();
    };
    let Some(local) = uses.strip_prefix("./") else {
        return Vec::new();
    };
    let local = local.split('@').next().unwrap_or(local);
    let Some(text) = read(local) else {
        return Vec::new();
    };
    let docs = envguard_extract::parse_yaml(text.as_bytes());
    let Some(mut callee) = docs
        .roots()
        .next()
        .and_then(|root| crate::github::read_with(local, root, resolve, &job.with))
    else {
        return Vec::new();
    };
    let prefix = |id: &str| format!("{}/{id}", job.id);
    let mut out = Vec::new();
    for mut c in std::mem::take(&mut callee.jobs) {
        follow_scripts(&mut c, read, resolve);
        let mut needs = job.needs.clone();
        needs.extend(c.needs.iter().map(|n| prefix(n)));
        let at = |t: Target| Target {
            evidence: format!("{} in {local}", t.evidence),
            region: *uses_region,
            ..t
        };
        out.push(Job {
            id: prefix(&c.id),
            name: c.name.map(|n| format!("{} / {n}", job.id)),
            region: job.region,
            needs,
            environment: c.environment.map(|(e, _)| (e, *uses_region)),
            target: c.target.map(at),
            // Secrets reach a called workflow only through the call (`secrets:`),
            // which the caller's job already lists.
            secrets: Vec::new(),
            secrets_inherit: None,
            uses: None,
            triggers: job.triggers.clone(),
            manual_approval: c.manual_approval,
            checks_out_pr_head: None,
            runs_tests: c.runs_tests,
            release_verify: c.release_verify.map(|(e, _)| (e, *uses_region)),
            artifacts: c
                .artifacts
                .into_iter()
                .map(|(a, _)| (a, *uses_region))
                .collect(),
            deploys: c.deploys,
            scripts: Vec::new(),
            with: Vec::new(),
        });
    }
    out
}
