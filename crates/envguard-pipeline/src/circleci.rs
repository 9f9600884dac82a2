//! CircleCI (`.circleci/config.yml`): workflows, branch and tag filters,
//! `approval` jobs and contexts.

use crate::target::{job_name_target, scan_shell, Scan};
use crate::{
    is_test_command, is_test_name, mutable_image_refs, Job, Pipeline, Resolver, SecretRef, Target,
    Trigger, TriggerKind,
};
use envguard_extract::Yaml;
use envguard_model::Region;

pub(crate) fn read(path: &str, root: Yaml<'_>, resolve: Resolver<'_>) -> Option<Pipeline> {
    let defs = root.get("jobs");
    let mut jobs: Vec<Job> = Vec::new();
    let mut approvals: Vec<String> = Vec::new();
    for (_, _, wf) in root
        .get("workflows")
        .map(|w| w.entries())
        .unwrap_or_default()
    {
        for item in wf.get("jobs").map(|j| j.items()).unwrap_or_default() {
            let (job_ref, region, params) =
                if let (Some(s), Some(r)) = (item.as_str(), item.region()) {
                    (s, r, None)
                } else if let Some((k, r, v)) = item.entries().into_iter().next() {
                    (k, r, Some(v))
                } else {
                    continue;
                };
            let id = params
                .and_then(|p| p.get("name"))
                .and_then(|n| n.as_str())
                .unwrap_or(job_ref)
                .to_owned();
            if params.and_then(|p| p.get("type")).and_then(|t| t.as_str()) == Some("approval") {
                approvals.push(id);
                continue;
            }
            let needs = params
                .and_then(|p| p.get("requires"))
                .map(|r| r.strings().into_iter().map(|s| s.0.to_owned()).collect())
                .unwrap_or_default();
            let triggers = Some(filters(params.and_then(|p| p.get("filters")), region));
            let mut secrets = Vec::new();
            for (ctx, r) in params
                .and_then(|p| p.get("context"))
                .map(|c| c.strings())
                .unwrap_or_default()
            {
                secrets.push(SecretRef {
                    name: ctx.to_owned(),
                    region: r,
                    scope: "context",
                });
            }
            let mut runs_tests = is_test_name(&id);
            let mut release_verify = None;
            let mut artifacts = Vec::new();
            let mut scan = Scan::default();
            // An orb job that deploys (`aws-ecs/deploy-service-update`).
            if job_ref.contains('/') && crate::target::is_deploy_action(&format!("orb/{job_ref}")) {
                scan.deploys = true;
            }
            let def = defs.and_then(|d| d.get(job_ref));
            // Job parameters: the workflow's values over the job's defaults.
            let mut vars: Vec<(String, String)> = Vec::new();
            for (k, _, p) in def
                .and_then(|d| d.get("parameters"))
                .map(|p| p.entries())
                .unwrap_or_default()
            {
                if let Some(d) = p.get("default").and_then(|d| d.as_str()) {
                    vars.push((k.to_owned(), d.to_owned()));
                }
            }
            for (k, _, v) in params.map(|p| p.entries()).unwrap_or_default() {
                if let Some(v) = v.as_str() {
                    vars.push((k.to_owned(), v.to_owned()));
                }
            }
            for step in def
                .and_then(|d| d.get("steps"))
                .map(|s| s.items())
                .unwrap_or_default()
            {
                let run = step.get("run").map(|r| r.get("command").unwrap_or(r));
                if let Some((cmd, r)) = run.and_then(|c| Some((c.as_str()?, c.region()?))) {
                    if is_test_command(cmd) {
                        runs_tests = true;
                    }
                    if release_verify.is_none() {
                        release_verify = crate::release_verify_env(cmd).map(|e| (e, r));
                    }
                    scan.merge(scan_shell(&parameters(cmd, &vars), r, "", resolve));
                    for (a, b) in mutable_image_refs(cmd) {
                        artifacts.push((cmd[a..b].to_owned(), r));
                    }
                }
            }
            // Where it deploys: its commands, else its name, else its context
            // (`aws-production`); a job that deploys nothing has no target.
            let target = scan.target.take().or_else(|| {
                if !scan.deploys {
                    return None;
                }
                job_name_target(&id, region, resolve).or_else(|| {
                    secrets
                        .iter()
                        .find_map(|s| context_target(&s.name, s.region, resolve))
                })
            });
            jobs.push(Job {
                id,
                name: None,
                region,
                needs,
                environment: None,
                target,
                secrets,
                secrets_inherit: None,
                uses: None,
                triggers,
                manual_approval: false,
                checks_out_pr_head: None,
                runs_tests,
                release_verify,
                artifacts,
                deploys: scan.deploys,
                scripts: scan.scripts,
                with: Vec::new(),
            });
        }
    }
    // A job behind an approval job (directly or through its requirements) is manually gated.
    let ids: Vec<String> = jobs.iter().map(|j| j.id.clone()).collect();
    for i in 0..jobs.len() {
        let mut seen: Vec<String> = Vec::new();
        let mut todo = jobs[i].needs.clone();
        let mut gated = false;
        while let Some(n) = todo.pop() {
            if approvals.contains(&n) {
                gated = true;
                break;
            }
            if seen.contains(&n) {
                continue;
            }
            seen.push(n.clone());
            if let Some(j) = ids.iter().position(|x| *x == n) {
                todo.extend(jobs[j].needs.clone());
            }
        }
        jobs[i].manual_approval = gated;
    }
    let triggers = vec![Trigger {
        kind: TriggerKind::Push {
            branches: Vec::new(),
            all_branches: true,
            tags: Vec::new(),
            all_tags: false,
        },
        region: root.first_region().unwrap_or_default(),
    }];
    Some(Pipeline {
        path: path.to_owned(),
        system: crate::CiSystem::Circleci,
        name: path.to_owned(),
        triggers,
        jobs,
    })
}

/// CircleCI runs a job for every branch and no tag unless filters say otherwise.
fn filters(f: Option<Yaml<'_>>, region: Region) -> Vec<Trigger> {
    let list = |y: Option<Yaml<'_>>| {
        y.map(|v| {
            v.strings()
                .into_iter()
                .map(|s| s.0.to_owned())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
    };
    let branches = f.and_then(|f| f.get("branches"));
    let tags = f.and_then(|f| f.get("tags"));
    let b_only = list(branches.and_then(|b| b.get("only")));
    let b_ignore = list(branches.and_then(|b| b.get("ignore")));
    let t_only = list(tags.and_then(|t| t.get("only")));
    let no_branches = b_ignore.iter().any(|i| i == "/.*/");
    let kind = TriggerKind::Push {
        all_branches: b_only.is_empty() && !no_branches,
        branches: if no_branches { Vec::new() } else { b_only },
        all_tags: false,
        tags: t_only,
    };
    vec![Trigger { kind, region }]
}

/// Replaces `<< parameters.X >>` by the job's parameter value.
fn parameters(text: &str, vars: &[(String, String)]) -> String {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let Some(re) = RE
        .get_or_init(|| regex::Regex::new(r"<<\s*parameters\.([\w-]+)\s*>>").ok())
        .as_ref()
    else {
        return text.to_owned();
    };
    re.replace_all(text, |c: &regex::Captures<'_>| {
        vars.iter()
            .rev()
            .find(|(k, _)| *k == c[1])
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| c[0].to_owned())
    })
    .into_owned()
}

/// A context named for an environment (`prod-secrets`, `aws-production`).
fn context_target(ctx: &str, region: Region, resolve: Resolver<'_>) -> Option<Target> {
    ctx.split(|c: char| !c.is_ascii_alphanumeric())
        .filter_map(|t| resolve(&t.to_ascii_lowercase()))
        .max_by_key(|r| r.1)
        .map(|(env, tier)| Target {
            env,
            tier,
            evidence: format!("context `{ctx}`"),
            region,
            declared: false,
        })
}

#[cfg(test)]
mod tests {
    use envguard_model::Tier;

    fn resolve(s: &str) -> Option<(String, Tier)> {
        match s {
            "production" | "prod" => Some(("prod".into(), Tier::Prod)),
            _ => None,
        }
    }

    #[test]
    fn approvals_filters_and_contexts() {
        let text = "version: 2.1\njobs:\n  test:\n    steps: [checkout, {run: npm test}]\n  deploy:\n    steps:\n      - run:\n          command: ./deploy.sh production\nworkflows:\n  release:\n    jobs:\n      - test\n      - hold:\n          type: approval\n          requires: [test]\n      - deploy:\n          requires: [hold]\n          context: [prod-secrets]\n          filters:\n            branches:\n              ignore: /.*/\n            tags:\n              only: /^v.*/\n";
        let p = crate::parse(
            ".circleci/config.yml",
            crate::CiSystem::Circleci,
            text.as_bytes(),
            &resolve,
        )
        .pipeline
        .unwrap();
        let d = p.job("deploy").unwrap();
        assert!(d.manual_approval);
        assert_eq!(d.target.as_ref().unwrap().env, "prod");
        assert_eq!(p.job_triggers(d)[0].label(), "tag /^v.*/");
        assert!(p.job("test").unwrap().runs_tests);
    }

    /// A parameterised deploy job: the workflow passes the environment.
    #[test]
    fn parameters_name_the_environment() {
        let text = "version: 2.1\njobs:\n  deploy:\n    parameters:\n      env:\n        type: string\n        default: staging\n    steps:\n      - checkout\n      - run: npx serverless deploy --stage << parameters.env >>\nworkflows:\n  release:\n    jobs:\n      - deploy:\n          name: deploy-live\n          env: production\n      - deploy:\n          name: deploy-staging\n";
        let p = crate::parse(
            ".circleci/config.yml",
            crate::CiSystem::Circleci,
            text.as_bytes(),
            &resolve,
        )
        .pipeline
        .unwrap();
        let live = p.job("deploy-live").unwrap().target.as_ref().unwrap();
        assert_eq!(live.env, "prod");
        assert!(
            live.evidence.contains("--stage production"),
            "{}",
            live.evidence
        );
        // The default (staging) is not prod here.
        assert!(p.job("deploy-staging").unwrap().target.is_none());
    }
}
