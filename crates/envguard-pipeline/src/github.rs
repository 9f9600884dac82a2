//! GitHub Actions workflows (`.github/workflows/*.yml`).

use crate::target::{infer_target_from_text, job_name_target};
use crate::{
    is_test_command, is_test_name, mutable_image_refs, secret_names, Job, Pipeline, Resolver,
    SecretRef, Target, Trigger, TriggerKind,
};
use envguard_extract::Yaml;
use envguard_model::Region;

pub(crate) fn read(path: &str, root: Yaml<'_>, resolve: Resolver<'_>) -> Option<Pipeline> {
    // `on` is a plain string key for saphyr (YAML 1.2); YAML 1.1 readers turn it into `true`.
    let (on_key, on) = ["on", "true"]
        .iter()
        .find_map(|k| root.get(k).map(|v| (*k, v)))?;
    let on_region = root.key_region(on_key).unwrap_or_default();
    let triggers = read_triggers(on, on_region);
    let name = root
        .get("name")
        .and_then(|n| n.as_str())
        .unwrap_or(path)
        .to_owned();

    let mut workflow_secrets = Vec::new();
    if let Some(env) = root.get("env") {
        collect_secrets(env, "workflow env", &mut workflow_secrets);
    }
    let mut jobs = Vec::new();
    for (id, key_region, job) in root.get("jobs").map(|j| j.entries()).unwrap_or_default() {
        jobs.push(read_job(
            id,
            key_region,
            job,
            &workflow_secrets,
            &triggers,
            resolve,
        ));
    }
    Some(Pipeline {
        path: path.to_owned(),
        system: crate::CiSystem::GithubActions,
        name,
        triggers,
        jobs,
    })
}

fn read_triggers(on: Yaml<'_>, on_region: Region) -> Vec<Trigger> {
    let mut out = Vec::new();
    let mut add = |event: &str, cfg: Option<Yaml<'_>>, region: Region| {
        let kind = match event {
            "push" => {
                let branches = cfg
                    .and_then(|c| c.get("branches"))
                    .map(|b| strings(b))
                    .unwrap_or_default();
                let tags = cfg
                    .and_then(|c| c.get("tags"))
                    .map(|b| strings(b))
                    .unwrap_or_default();
                let ignores_branches = cfg.and_then(|c| c.get("branches-ignore")).is_some();
                let ignores_tags = cfg.and_then(|c| c.get("tags-ignore")).is_some();
                // GitHub: with only `tags` set, branch pushes do not run (and vice versa).
                let any_filter =
                    !branches.is_empty() || !tags.is_empty() || ignores_branches || ignores_tags;
                TriggerKind::Push {
                    all_branches: !any_filter || ignores_branches,
                    all_tags: !any_filter || ignores_tags,
                    branches,
                    tags,
                }
            }
            "pull_request" => TriggerKind::PullRequest,
            "pull_request_target" => TriggerKind::PullRequestTarget,
            "workflow_dispatch" => TriggerKind::WorkflowDispatch,
            "schedule" => TriggerKind::Schedule,
            "workflow_call" => TriggerKind::WorkflowCall,
            "release" => TriggerKind::Release,
            "workflow_run" => TriggerKind::WorkflowRun {
                workflows: cfg
                    .and_then(|c| c.get("workflows"))
                    .map(|w| strings(w))
                    .unwrap_or_default(),
            },
            other => TriggerKind::Other {
                name: other.to_owned(),
            },
        };
        out.push(Trigger { kind, region });
    };
    if let Some(s) = on.as_str() {
        add(s, None, on.region().unwrap_or(on_region));
    } else if on.is_seq() {
        for (s, r) in on.strings() {
            add(s, None, r);
        }
    } else {
        for (event, region, cfg) in on.entries() {
            add(event, Some(cfg), region);
        }
    }
    out
}

fn strings(y: Yaml<'_>) -> Vec<String> {
    y.strings().into_iter().map(|(s, _)| s.to_owned()).collect()
}

/// Every `secrets.X` in the string leaves under `y`.
fn collect_secrets(y: Yaml<'_>, scope: &'static str, out: &mut Vec<SecretRef>) {
    let mut stack = vec![y];
    let mut budget = 20_000;
    while let Some(n) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            break;
        }
        if let (Some(s), Some(r)) = (n.as_str(), n.region()) {
            for name in secret_names(s) {
                out.push(SecretRef {
                    name,
                    region: r,
                    scope,
                });
            }
        }
        stack.extend(n.entries().into_iter().map(|e| e.2));
        stack.extend(n.items());
    }
}

fn read_job(
    id: &str,
    key_region: Region,
    job: Yaml<'_>,
    workflow_secrets: &[SecretRef],
    triggers: &[Trigger],
    resolve: Resolver<'_>,
) -> Job {
    let name = job.get("name").and_then(|n| n.as_str()).map(str::to_owned);
    let needs = job.get("needs").map(strings).unwrap_or_default();
    let environment = job.get("environment").and_then(|e| {
        let v = e.get("name").unwrap_or(e);
        Some((v.as_str()?.to_owned(), v.region()?))
    });
    let mut secrets: Vec<SecretRef> = workflow_secrets.to_vec();
    let mut secrets_inherit = None;
    if let Some(env) = job.get("env") {
        collect_secrets(env, "job env", &mut secrets);
    }
    if let Some(s) = job.get("secrets") {
        if s.as_str() == Some("inherit") {
            secrets_inherit = s.region();
        } else {
            collect_secrets(s, "with", &mut secrets);
        }
    }
    if let Some(w) = job.get("with") {
        collect_secrets(w, "with", &mut secrets);
    }
    let uses = job
        .get("uses")
        .and_then(|u| Some((u.as_str()?.to_owned(), u.region()?)));
    let if_cond = job.get("if").and_then(|c| c.as_str()).map(str::to_owned);

    let mut target: Option<Target> = None;
    if let Some((env_name, r)) = &environment {
        if let Some((env, tier)) = resolve(env_name) {
            target = Some(Target {
                env,
                tier,
                evidence: format!("environment: {env_name}"),
                region: *r,
                declared: true,
            });
        }
    }
    // A reusable workflow called with an environment input.
    if target.is_none() && uses.is_some() {
        if let Some(with) = job.get("with") {
            for (k, _, v) in with.entries() {
                let k = k.to_ascii_lowercase();
                if k.contains("env") || k == "stage" || k == "target" {
                    if let (Some(s), Some(r)) = (v.as_str(), v.region()) {
                        if let Some((env, tier)) = resolve(s) {
                            target = Some(Target {
                                env,
                                tier,
                                evidence: format!("with: {k}: {s}"),
                                region: r,
                                declared: false,
                            });
                        }
                    }
                }
            }
        }
    }
    let mut runs_tests = is_test_name(id) || name.as_deref().is_some_and(is_test_name);
    let mut checks_out_pr_head = None;
    let mut artifacts = Vec::new();
    let mut step_target: Option<Target> = None;
    for step in job.get("steps").map(|s| s.items()).unwrap_or_default() {
        collect_secrets(step, "step", &mut secrets);
        let uses = step.get("uses").and_then(|u| u.as_str()).unwrap_or("");
        if let Some(run) = step.get("run") {
            if let (Some(cmd), Some(r)) = (run.as_str(), run.region()) {
                if is_test_command(cmd) {
                    runs_tests = true;
                }
                if let Some(t) = infer_target_from_text(cmd, r, resolve) {
                    if step_target.as_ref().is_none_or(|b| t.tier > b.tier) {
                        step_target = Some(t);
                    }
                }
                if cmd.contains("gh pr checkout")
                    || (cmd.contains("git checkout") && cmd.contains("pull_request.head"))
                {
                    checks_out_pr_head = Some(r);
                }
                for (a, b) in mutable_image_refs(cmd) {
                    artifacts.push((cmd[a..b].to_owned(), r));
                }
            }
        }
        if uses.starts_with("actions/checkout") {
            if let Some(reff) = step.get("with").and_then(|w| w.get("ref")) {
                let v = reff.as_str().unwrap_or("");
                if v.contains("pull_request.head") || v.contains("github.head_ref") {
                    checks_out_pr_head = reff.region();
                }
            }
        }
        if let Some(with) = step.get("with") {
            for (k, _, v) in with.entries() {
                if let (Some(s), Some(r)) = (v.as_str(), v.region()) {
                    if matches!(k, "image" | "tags" | "image-name" | "image_tag") || s.contains(':')
                    {
                        for (a, b) in mutable_image_refs(s) {
                            artifacts.push((s[a..b].to_owned(), r));
                        }
                    }
                }
            }
        }
    }
    if target.is_none() {
        target = step_target;
    }
    if target.is_none() {
        let label = name.as_deref().unwrap_or(id);
        target = job_name_target(label, key_region, resolve)
            .or_else(|| job_name_target(id, key_region, resolve));
    }
    secrets.sort_by(|a, b| (a.region, &a.name).cmp(&(b.region, &b.name)));
    secrets.dedup_by(|a, b| a.name == b.name && a.region == b.region);
    Job {
        id: id.to_owned(),
        name,
        region: key_region,
        needs,
        environment,
        target,
        secrets,
        secrets_inherit,
        uses,
        triggers: if_cond
            .as_deref()
            .and_then(|c| narrow_by_condition(c, triggers)),
        manual_approval: false,
        checks_out_pr_head,
        runs_tests,
        artifacts,
    }
}

/// Narrows the workflow's triggers by the common gating idioms of a job `if:`:
/// `github.ref == 'refs/heads/main'`, `startsWith(github.ref, 'refs/tags/')`,
/// `github.event_name == 'push'`, `github.event_name != 'pull_request'`.
/// Anything it does not understand leaves the triggers as they are.
pub(crate) fn narrow_by_condition(cond: &str, triggers: &[Trigger]) -> Option<Vec<Trigger>> {
    let c: String = cond
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .replace('"', "'");
    // Only conjunctions are narrowed: an `||` could widen again.
    if c.contains("||") {
        return None;
    }
    let mut out = triggers.to_vec();
    let mut changed = false;
    if let Some(b) = between(&c, "github.ref=='refs/heads/", "'") {
        changed = true;
        out.retain_mut(|t| match &mut t.kind {
            TriggerKind::Push {
                branches,
                all_branches,
                tags,
                all_tags,
            } => {
                *branches = vec![b.to_owned()];
                *all_branches = false;
                tags.clear();
                *all_tags = false;
                true
            }
            TriggerKind::PullRequest | TriggerKind::PullRequestTarget => false,
            _ => true,
        });
    }
    if c.contains("startsWith(github.ref,'refs/tags/") || c.contains("github.ref_type=='tag'") {
        changed = true;
        out.retain_mut(|t| match &mut t.kind {
            TriggerKind::Push {
                branches,
                all_branches,
                tags,
                all_tags,
            } => {
                branches.clear();
                *all_branches = false;
                if tags.is_empty() {
                    *all_tags = true;
                }
                true
            }
            TriggerKind::Release | TriggerKind::WorkflowCall => true,
            _ => false,
        });
    }
    if let Some(e) = between(&c, "github.event_name=='", "'") {
        changed = true;
        out.retain(|t| event_name(&t.kind) == e);
    }
    if let Some(e) = between(&c, "github.event_name!='", "'") {
        changed = true;
        out.retain(|t| event_name(&t.kind) != e);
    }
    changed.then_some(out)
}

fn event_name(k: &TriggerKind) -> &str {
    match k {
        TriggerKind::Push { .. } => "push",
        TriggerKind::PullRequest => "pull_request",
        TriggerKind::PullRequestTarget => "pull_request_target",
        TriggerKind::MergeRequest => "merge_request",
        TriggerKind::WorkflowDispatch => "workflow_dispatch",
        TriggerKind::Schedule => "schedule",
        TriggerKind::WorkflowRun { .. } => "workflow_run",
        TriggerKind::WorkflowCall => "workflow_call",
        TriggerKind::Release => "release",
        TriggerKind::Other { name } => name,
    }
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)? + i;
    Some(&s[i..j])
}

#[cfg(test)]
mod tests {
    use super::*;
    use envguard_model::Tier;

    fn resolve(s: &str) -> Option<(String, Tier)> {
        match s.to_ascii_lowercase().as_str() {
            "prod" | "production" => Some(("prod".into(), Tier::Prod)),
            "staging" => Some(("staging".into(), Tier::Test)),
            _ => None,
        }
    }

    fn parse(text: &str) -> Pipeline {
        crate::parse(
            ".github/workflows/x.yml",
            crate::CiSystem::GithubActions,
            text.as_bytes(),
            &resolve,
        )
        .pipeline
        .unwrap()
    }

    #[test]
    fn triggers_jobs_targets_and_secrets() {
        let p = parse(
            "name: release\non:\n  push:\n    tags: ['v*']\n  workflow_dispatch:\nenv:\n  SLACK: ${{ secrets.SLACK_WEBHOOK }}\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n  deploy:\n    needs: [test]\n    environment:\n      name: production\n      url: https://x\n    env:\n      DB: ${{ secrets.PROD_DB_URL }}\n    steps:\n      - uses: actions/checkout@v4\n      - run: ./deploy.sh production\n",
        );
        assert_eq!(p.name, "release");
        assert_eq!(p.triggers.len(), 2);
        assert_eq!(p.triggers[0].label(), "tag v*");
        let deploy = p.job("deploy").unwrap();
        let t = deploy.target.as_ref().unwrap();
        assert_eq!((t.env.as_str(), t.declared), ("prod", true));
        let names: Vec<&str> = deploy.secrets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["SLACK_WEBHOOK", "PROD_DB_URL"]);
        assert!(p.job("test").unwrap().runs_tests);
        assert_eq!(p.needs_closure(deploy).len(), 1);
    }

    #[test]
    fn conditions_narrow_triggers() {
        let p = parse("on: [push, pull_request]\njobs:\n  deploy:\n    if: github.ref == 'refs/heads/main' && github.event_name == 'push'\n    steps:\n      - run: ./deploy.sh prod\n");
        let job = p.job("deploy").unwrap();
        let ts = p.job_triggers(job);
        assert_eq!(ts.len(), 1);
        assert_eq!(ts[0].label(), "push to main");
        assert_eq!(job.target.as_ref().unwrap().env, "prod");
    }

    #[test]
    fn pull_request_target_checkout_of_head() {
        let p = parse("on: pull_request_target\njobs:\n  t:\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: make test\n        env:\n          TOKEN: ${{ secrets.NPM_TOKEN }}\n");
        let job = p.job("t").unwrap();
        assert!(job.checks_out_pr_head.is_some());
        assert_eq!(job.secrets[0].name, "NPM_TOKEN");
    }
}
