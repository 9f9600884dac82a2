//! GitHub Actions workflows (`.github/workflows/*.yml`).

use crate::target::{is_deploy_action, job_name_target, scan_shell, Scan};
use crate::{
    is_test_command, is_test_name, mutable_image_refs, secret_names, Job, Pipeline, Resolver,
    SecretRef, Target, Trigger, TriggerKind,
};
use envguard_extract::Yaml;
use envguard_model::Region;

pub(crate) fn read(path: &str, root: Yaml<'_>, resolve: Resolver<'_>) -> Option<Pipeline> {
    read_with(path, root, resolve, &[])
}

/// Reads a workflow whose inputs are bound (`inputs.X`, as a caller's `with:` binds them).
pub(crate) fn read_with(
    path: &str,
    root: Yaml<'_>,
    resolve: Resolver<'_>,
    inputs: &[(String, String)],
) -> Option<Pipeline> {
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
    let mut base = env_vars(root.get("env"));
    let mut choices: Vec<Vars> = Vec::new();
    for (_, _, cfg) in on.entries() {
        for (name, _, input) in cfg.get("inputs").map(|i| i.entries()).unwrap_or_default() {
            let key = format!("inputs.{name}");
            if let Some(d) = input.get("default").and_then(|d| d.as_str()) {
                base.push((key.clone(), d.to_owned()));
            }
            // A `choice` input: the run may pick any option.
            for (o, _) in input
                .get("options")
                .map(|o| o.strings())
                .unwrap_or_default()
            {
                choices.push(vec![(key.clone(), o.to_owned())]);
            }
        }
    }
    base.extend(inputs.iter().cloned());
    if !inputs.is_empty() {
        // The caller chose: the other options are not taken.
        choices.retain(|c| !c.iter().any(|(k, _)| inputs.iter().any(|(i, _)| i == k)));
    }
    let vars = WorkflowVars { base, choices };
    let mut jobs = Vec::new();
    for (id, key_region, job) in root.get("jobs").map(|j| j.entries()).unwrap_or_default() {
        jobs.extend(read_job(
            id,
            key_region,
            job,
            &workflow_secrets,
            &triggers,
            &vars,
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

/// Variables a job's text may reference: `env.X` (also `$X` in shell), `inputs.X`, `matrix.X`.
type Vars = Vec<(String, String)>;

pub(crate) struct WorkflowVars {
    /// Workflow `env:` and input defaults (or, for a called workflow, the caller's `with:`).
    pub base: Vars,
    /// Alternatives a run may take: each option of a `choice` input.
    pub choices: Vec<Vars>,
}

fn env_vars(env: Option<Yaml<'_>>) -> Vars {
    env.map(|e| e.entries())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, _, v)| Some((format!("env.{k}"), v.as_str()?.to_owned())))
        .collect()
}

/// The job's matrix as alternatives: one per value of each key, one per `include` entry.
fn matrix_variants(job: Yaml<'_>) -> Vec<Vars> {
    let Some(m) = job.get("strategy").and_then(|s| s.get("matrix")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, _, v) in m.entries() {
        if k == "include" {
            for entry in v.items() {
                out.push(
                    entry
                        .entries()
                        .into_iter()
                        .filter_map(|(k, _, v)| {
                            Some((format!("matrix.{k}"), v.as_str()?.to_owned()))
                        })
                        .collect(),
                );
            }
        } else if k != "exclude" {
            for (val, _) in v.strings() {
                out.push(vec![(format!("matrix.{k}"), val.to_owned())]);
            }
        }
    }
    out.truncate(32);
    out
}

/// Replaces `${{ env.X }}`, `${{ inputs.X }}`, `${{ github.event.inputs.X }}`,
/// `${{ matrix.X }}` and shell `$X` / `${X}` (an `env:` variable) by their values.
/// Unknown references stay as written.
pub(crate) fn substitute(text: &str, vars: &[(String, String)]) -> String {
    static RE: std::sync::OnceLock<Option<(regex::Regex, regex::Regex)>> =
        std::sync::OnceLock::new();
    let Some((expr, shell)) = RE
        .get_or_init(|| {
            Some((
                regex::Regex::new(r"\$\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}").ok()?,
                regex::Regex::new(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?").ok()?,
            ))
        })
        .as_ref()
    else {
        return text.to_owned();
    };
    if vars.is_empty() || !text.contains('$') {
        return text.to_owned();
    }
    // The last binding wins: step env over job env over workflow env.
    let get = |k: &str| {
        vars.iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
    };
    let once = expr.replace_all(text, |c: &regex::Captures<'_>| {
        let key = c[1].replace("github.event.inputs.", "inputs.");
        get(&key).unwrap_or_else(|| c[0].to_owned())
    });
    shell
        .replace_all(&once, |c: &regex::Captures<'_>| {
            get(&format!("env.{}", &c[1])).unwrap_or_else(|| c[0].to_owned())
        })
        .into_owned()
}

fn read_job(
    id: &str,
    key_region: Region,
    job: Yaml<'_>,
    workflow_secrets: &[SecretRef],
    triggers: &[Trigger],
    wvars: &WorkflowVars,
    resolve: Resolver<'_>,
) -> Vec<Job> {
    let name = job.get("name").and_then(|n| n.as_str()).map(str::to_owned);
    let needs = job.get("needs").map(strings).unwrap_or_default();
    // `environment: ${{ inputs.environment }}` (or `matrix.`) names what the
    // input holds: resolved per variant below.
    let raw_environment = job.get("environment").and_then(|e| {
        let v = e.get("name").unwrap_or(e);
        Some((v.as_str()?.to_owned(), v.region()?))
    });
    let with: Vec<(String, String)> = job
        .get("with")
        .map(|w| w.entries())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, _, v)| Some((format!("inputs.{k}"), substitute(v.as_str()?, &wvars.base))))
        .collect();
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

    let mut call_target: Option<Target> = None;
    // A reusable workflow called with an environment input.
    if uses.is_some() {
        if let Some(with) = job.get("with") {
            for (k, _, v) in with.entries() {
                let k = k.to_ascii_lowercase();
                if k.contains("env") || k == "stage" || k == "target" {
                    if let (Some(s), Some(r)) = (v.as_str(), v.region()) {
                        if let Some((env, tier)) = resolve(s) {
                            call_target = Some(Target {
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
    let mut scan = Scan::default();
    let job_env = env_vars(job.get("env"));
    let mut variants: Vec<Vars> = vec![Vec::new()];
    variants.extend(wvars.choices.iter().cloned());
    variants.extend(matrix_variants(job));
    let default_wd = job
        .get("defaults")
        .and_then(|d| d.get("run"))
        .and_then(|r| r.get("working-directory"))
        .and_then(|w| w.as_str())
        .unwrap_or("");
    // Each variant (matrix value, input option) is a run of its own: one
    // deploy per environment it reaches.
    let mut outcomes: Vec<Outcome> = Vec::new();
    for variant in &variants {
        let mut base = wvars.base.clone();
        base.extend(variant.iter().cloned());
        let environment = raw_environment
            .as_ref()
            .map(|(e, r)| (substitute(e, &base), *r));
        let v_scan = scan_steps(job, &base, &job_env, default_wd, key_region, resolve);
        let mut target = environment.as_ref().and_then(|(env_name, r)| {
            resolve(env_name).map(|(env, tier)| Target {
                env,
                tier,
                evidence: format!("environment: {env_name}"),
                region: *r,
                declared: true,
            })
        });
        if target.is_none() {
            target = call_target.clone().or_else(|| v_scan.target.clone());
        }
        // A job that deploys without naming where: its name may say (`deploy-prod`).
        if target.is_none() && v_scan.deploys {
            let label = name.as_deref().unwrap_or(id);
            target = job_name_target(label, key_region, resolve)
                .or_else(|| job_name_target(id, key_region, resolve));
        }
        let label = variant
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ");
        scan.merge(v_scan);
        outcomes.push((label, environment, target));
    }
    let mut release_verify = None;
    for step in job.get("steps").map(|s| s.items()).unwrap_or_default() {
        collect_secrets(step, "step", &mut secrets);
        let uses = step.get("uses").and_then(|u| u.as_str()).unwrap_or("");
        if let Some(run) = step.get("run") {
            if let (Some(cmd), Some(r)) = (run.as_str(), run.region()) {
                if is_test_command(cmd) {
                    runs_tests = true;
                }
                if release_verify.is_none() {
                    release_verify = crate::release_verify_env(cmd).map(|e| (e, r));
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
    let deploys = scan.deploys || uses.is_some();
    secrets.sort_by(|a, b| (a.region, &a.name).cmp(&(b.region, &b.name)));
    secrets.dedup_by(|a, b| a.name == b.name && a.region == b.region);
    // The variants that reach distinct environments, highest tier first.
    let mut reached: Vec<&Outcome> = Vec::new();
    for o in &outcomes {
        if let Some(t) = &o.2 {
            if !reached
                .iter()
                .any(|r| r.2.as_ref().is_some_and(|rt| rt.env == t.env))
            {
                reached.push(o);
            }
        }
    }
    reached.sort_by_key(|o| std::cmp::Reverse(o.2.as_ref().map(|t| t.tier)));
    let base = Job {
        id: id.to_owned(),
        name: name.clone(),
        region: key_region,
        needs,
        environment: outcomes.first().and_then(|o| o.1.clone()),
        target: None,
        secrets,
        secrets_inherit,
        uses,
        triggers: if_cond
            .as_deref()
            .and_then(|c| narrow_by_condition(c, triggers)),
        manual_approval: false,
        checks_out_pr_head,
        runs_tests,
        release_verify,
        artifacts,
        deploys,
        scripts: scan.scripts,
        with,
    };
    if reached.len() < 2 {
        let mut job = base;
        if let Some((_, env, t)) = reached.first() {
            job.environment = env.clone();
            job.target = t.clone();
        }
        return vec![job];
    }
    reached
        .into_iter()
        .map(|(label, env, t)| {
            let mut job = base.clone();
            job.name = Some(format!("{} [{label}]", name.as_deref().unwrap_or(id)));
            job.environment = env.clone();
            job.target = t.clone();
            job
        })
        .collect()
}

/// One run of a job: the variant's bindings (`matrix.environment=production`),
/// the CI environment it names and where it deploys.
type Outcome = (String, Option<(String, Region)>, Option<Target>);

/// Reads a job's steps for deploy actions with `base` bound (workflow env,
/// inputs, one matrix value), the job's and each step's `env:` on top.
fn scan_steps(
    job: Yaml<'_>,
    base: &[(String, String)],
    job_env: &[(String, String)],
    default_wd: &str,
    key_region: Region,
    resolve: Resolver<'_>,
) -> Scan {
    let mut scan = Scan::default();
    for step in job.get("steps").map(|s| s.items()).unwrap_or_default() {
        let step_env = env_vars(step.get("env"));
        let wd = step
            .get("working-directory")
            .and_then(|w| w.as_str())
            .unwrap_or(default_wd);
        // Inputs and matrix first: `env:` values may read them.
        let mut vars = base.to_vec();
        for (k, v) in job_env.iter().chain(&step_env) {
            let v = substitute(v, &vars);
            vars.push((k.clone(), v));
        }
        let wd = substitute(wd, &vars);
        let context = if wd.is_empty() {
            String::new()
        } else {
            format!("working-directory: {wd}")
        };
        if let Some((cmd, r)) = step
            .get("run")
            .and_then(|c| Some((c.as_str()?, c.region()?)))
        {
            scan.merge(scan_shell(&substitute(cmd, &vars), r, &context, resolve));
        }
        let uses = step.get("uses").and_then(|u| u.as_str()).unwrap_or("");
        let region = step
            .get("uses")
            .and_then(|u| u.region())
            .unwrap_or(key_region);
        let with: Vec<(String, String)> = step
            .get("with")
            .map(|w| w.entries())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, _, v)| Some((k.to_owned(), substitute(v.as_str()?, &vars))))
            .collect();
        // Inputs that are scripts run as scripts (`appleboy/ssh-action`'s
        // `script:`, a CLI action's `args:` / `command:`): they deploy when
        // what they run does.
        for (k, v) in &with {
            if matches!(
                k.as_str(),
                "script" | "args" | "command" | "run" | "inlinescript"
            ) {
                scan.merge(scan_shell(v, region, &context, resolve));
            }
        }
        if is_deploy_action(uses) {
            scan.deploys = true;
            let shown = with
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", ");
            if let Some(t) = crate::target::env_in_text(&format!("{shown} {context}"), resolve) {
                let action = uses.split('@').next().unwrap_or(uses);
                let shown: String = shown.chars().take(120).collect();
                scan.offer(Target {
                    env: t.0,
                    tier: t.1,
                    evidence: format!("uses `{action}` with `{shown}`"),
                    region,
                    declared: false,
                });
            }
        }
    }
    scan
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

    fn target_of(text: &str, job: &str) -> Option<String> {
        let p = parse(text);
        p.job(job).unwrap().target.as_ref().map(|t| t.env.clone())
    }

    /// Issue 20: a Slack notification, a plan and a drift check that name
    /// production are not deploys, even in a job called `deploy-production`.
    #[test]
    fn notifications_plans_and_drift_checks_are_not_deploys() {
        let wf = "name: infra\non:\n  schedule:\n    - cron: '0 6 * * *'\n  pull_request:\njobs:\n  drift:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: hashicorp/setup-terraform@v3\n      - run: terraform plan -detailed-exitcode -lock=false\n        working-directory: envs/production\n  notify-production:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: slackapi/slack-github-action@v1.26.0\n        with:\n          payload: '{\"text\": \"Deploying to PRODUCTION\"}'\n      - run: |\n          curl -X POST -H 'Content-type: application/json' \\\n            --data '{\"text\":\"deploy to production started\"}' \"$SLACK_WEBHOOK_URL\"\n  deploy-production:\n    runs-on: ubuntu-latest\n    steps:\n      - run: terraform -chdir=envs/production plan -out tfplan\n";
        let p = parse(wf);
        for j in &p.jobs {
            assert!(j.target.is_none() && !j.deploys, "{}: {:?}", j.id, j.target);
        }
        // The look-alike that does deploy.
        let wf = wf.replace("plan -out tfplan", "apply -auto-approve");
        assert_eq!(target_of(&wf, "deploy-production").as_deref(), Some("prod"));
    }

    #[test]
    fn environment_through_env_matrix_inputs_and_working_directory() {
        // Workflow-level env read by `${{ env.X }}`.
        let wf = "on:\n  push:\n    tags: ['v*']\nenv:\n  ENVIRONMENT: production\njobs:\n  apply:\n    runs-on: ubuntu-latest\n    steps:\n      - run: terragrunt run-all apply --terragrunt-non-interactive\n        working-directory: env/${{ env.ENVIRONMENT }}\n";
        assert_eq!(target_of(wf, "apply").as_deref(), Some("prod"));
        assert_eq!(
            target_of(&wf.replace("production", "staging"), "apply").as_deref(),
            Some("staging")
        );
        // A matrix over environments: one deploy per value, each in its CI environment.
        let p = parse("on: push\njobs:\n  deploy:\n    strategy:\n      matrix:\n        environment: [staging, production]\n    environment: ${{ matrix.environment }}\n    steps:\n      - run: ./scripts/deploy.sh ${{ matrix.environment }}\n");
        let got: Vec<(String, String, Option<String>)> = p
            .jobs
            .iter()
            .map(|j| {
                (
                    j.id.clone(),
                    j.environment.as_ref().unwrap().0.clone(),
                    j.target.as_ref().map(|t| t.env.clone()),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("deploy".into(), "production".into(), Some("prod".into())),
                ("deploy".into(), "staging".into(), Some("staging".into())),
            ]
        );
        assert_eq!(
            p.jobs[0].name.as_deref(),
            Some("deploy [matrix.environment=production]")
        );
        // A matrix over platforms deploys once.
        let p = parse("on: push\njobs:\n  deploy:\n    strategy:\n      matrix:\n        arch: [amd64, arm64]\n    environment: production\n    steps:\n      - run: docker push registry.acme.io/api-prod:${{ matrix.arch }}\n");
        assert_eq!(p.jobs.len(), 1);
        assert_eq!(p.jobs[0].name, None);
        // A matrix over environments deploys to each; the highest is judged.
        let wf = "on: push\njobs:\n  deploy:\n    strategy:\n      matrix:\n        environment: [staging, production]\n    steps:\n      - run: helm upgrade --install api ./chart -f values-$ENV.yaml\n        env:\n          ENV: ${{ matrix.environment }}\n";
        assert_eq!(target_of(wf, "deploy").as_deref(), Some("prod"));
        assert_eq!(
            target_of(
                &wf.replace("[staging, production]", "[dev, staging]"),
                "deploy"
            )
            .as_deref(),
            Some("staging")
        );
        // A workflow_dispatch choice that offers production.
        let wf = "on:\n  workflow_dispatch:\n    inputs:\n      environment:\n        type: choice\n        default: staging\n        options: [staging, production]\njobs:\n  deploy:\n    steps:\n      - run: ./scripts/deploy.sh ${{ github.event.inputs.environment }}\n";
        assert_eq!(target_of(wf, "deploy").as_deref(), Some("prod"));
        assert_eq!(
            target_of(&wf.replace(", production]", "]"), "deploy").as_deref(),
            Some("staging")
        );
        // A called workflow's input default (nobody passes another).
        let wf = "on:\n  workflow_call:\n    inputs:\n      stage:\n        type: string\n        default: production\njobs:\n  deploy:\n    steps:\n      - run: npx serverless deploy --stage ${{ inputs.stage }}\n";
        assert_eq!(target_of(wf, "deploy").as_deref(), Some("prod"));
        assert_eq!(
            target_of(
                &wf.replace("default: production", "default: staging"),
                "deploy"
            )
            .as_deref(),
            Some("staging")
        );
        // `defaults.run.working-directory`.
        let wf = "on: push\njobs:\n  tf:\n    defaults:\n      run:\n        working-directory: infra/envs/prod\n    steps:\n      - run: terraform init\n      - run: terraform apply -auto-approve\n";
        assert_eq!(target_of(wf, "tf").as_deref(), Some("prod"));
        assert_eq!(
            target_of(
                &wf.replace("terraform apply -auto-approve", "terraform plan"),
                "tf"
            ),
            None
        );
    }

    #[test]
    fn deploy_actions_name_their_environment_in_inputs() {
        let wf = "on:\n  push:\n    tags: ['v*']\njobs:\n  web:\n    steps:\n      - uses: azure/webapps-deploy@v3\n        with:\n          app-name: acme-api-prod\n          package: dist\n";
        let p = parse(wf);
        let t = p.job("web").unwrap().target.as_ref().unwrap();
        assert_eq!(t.env, "prod");
        assert!(
            t.evidence.contains("azure/webapps-deploy"),
            "{}",
            t.evidence
        );
        // Uploading an artifact named for prod deploys nothing.
        let wf = wf.replace("azure/webapps-deploy@v3", "actions/upload-artifact@v4");
        assert_eq!(target_of(&wf, "web"), None);
    }

    /// An SSH action deploys when its remote script does; a restart over SSH
    /// on the production host does not.
    #[test]
    fn ssh_action_scripts_are_read_as_scripts() {
        let wf = "on:\n  push:\n    tags: ['v*']\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: appleboy/ssh-action@v1.0.3\n        with:\n          host: prod-web-1.acme.internal\n          username: deploy\n          script: |\n            cd /srv/acme\n            ./deploy.sh production\n";
        assert_eq!(target_of(wf, "ship").as_deref(), Some("prod"));
        let restart = wf.replace(
            "./deploy.sh production",
            "sudo systemctl restart acme-production",
        );
        let p = parse(&restart);
        let job = p.job("ship").unwrap();
        assert!(job.target.is_none() && !job.deploys, "{:?}", job.target);
    }
}
