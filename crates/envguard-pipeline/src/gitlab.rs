//! GitLab CI (`.gitlab-ci.yml`, files under `.gitlab/ci/`).

use crate::target::{job_name_target, scan_shell, Scan};
use crate::{
    is_prod_secret_name, is_test_command, is_test_name, mutable_image_refs, Job, Pipeline,
    Resolver, SecretRef, Target, Trigger, TriggerKind,
};
use envguard_extract::Yaml;
use envguard_model::Region;

const RESERVED: &[&str] = &[
    "stages",
    "variables",
    "include",
    "default",
    "workflow",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "spec",
];

pub(crate) fn read(path: &str, root: Yaml<'_>, resolve: Resolver<'_>) -> Option<Pipeline> {
    if !root.is_map() {
        return None;
    }
    let default_region = root.first_region().unwrap_or_default();
    let triggers = root
        .get("workflow")
        .and_then(|w| w.get("rules"))
        .map(|r| triggers_from_rules(r).0)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| vec![push_any(default_region)]);
    let mut jobs = Vec::new();
    for (id, key_region, job) in root.entries() {
        if RESERVED.contains(&id) || id.starts_with('.') || !job.is_map() {
            continue;
        }
        // `extends:` a hidden template: its keys fill in what the job does not set.
        let template = job
            .get("extends")
            .and_then(|e| e.strings().first().map(|s| s.0))
            .and_then(|t| root.get(t));
        let get = |k: &str| job.get(k).or_else(|| template.and_then(|t| t.get(k)));
        // Global then job `variables:`: `$DEPLOY_ENV` in a script reads them.
        let mut vars: Vec<(String, String)> = Vec::new();
        for v in [root.get("variables"), get("variables")]
            .into_iter()
            .flatten()
        {
            for (k, _, val) in v.entries() {
                let val = val.get("value").unwrap_or(val);
                if let Some(s) = val.as_str() {
                    vars.push((format!("env.{k}"), s.to_owned()));
                }
            }
        }
        jobs.push(read_job(id, key_region, &get, &vars, resolve));
    }
    Some(Pipeline {
        path: path.to_owned(),
        system: crate::CiSystem::GitlabCi,
        name: path.to_owned(),
        triggers,
        jobs,
    })
}

fn push_any(region: Region) -> Trigger {
    Trigger {
        kind: TriggerKind::Push {
            branches: Vec::new(),
            all_branches: true,
            tags: Vec::new(),
            all_tags: true,
        },
        region,
    }
}

/// Triggers from a `rules:` list, and whether a rule makes the job manual.
fn triggers_from_rules(rules: Yaml<'_>) -> (Vec<Trigger>, bool) {
    let mut out = Vec::new();
    let mut manual = false;
    for rule in rules.items() {
        let when = rule
            .get("when")
            .and_then(|w| w.as_str())
            .unwrap_or("on_success");
        if when == "never" {
            continue;
        }
        if when == "manual" {
            manual = true;
        }
        let cond = rule.get("if");
        let region = cond
            .and_then(|c| c.region())
            .or_else(|| rule.first_region())
            .unwrap_or_default();
        let Some(expr) = cond.and_then(|c| c.as_str()) else {
            out.push(push_any(region));
            continue;
        };
        out.push(Trigger {
            kind: kind_of_expression(expr),
            region,
        });
    }
    (out, manual)
}

fn kind_of_expression(expr: &str) -> TriggerKind {
    let e: String = expr
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .replace('\'', "\"");
    if e.contains("$CI_PIPELINE_SOURCE==\"merge_request_event\"") {
        return TriggerKind::MergeRequest;
    }
    if e.contains("$CI_PIPELINE_SOURCE==\"schedule\"") {
        return TriggerKind::Schedule;
    }
    if e.contains("$CI_PIPELINE_SOURCE==\"web\"") {
        return TriggerKind::WorkflowDispatch;
    }
    if e.contains("$CI_COMMIT_TAG") && !e.contains("$CI_COMMIT_TAG==null") && !e.contains("||") {
        return TriggerKind::Push {
            branches: Vec::new(),
            all_branches: false,
            tags: vec!["*".into()],
            all_tags: false,
        };
    }
    for var in ["$CI_COMMIT_BRANCH==\"", "$CI_COMMIT_REF_NAME==\""] {
        if let Some(i) = e.find(var) {
            let rest = &e[i + var.len()..];
            if let Some(b) = rest.split('"').next().filter(|b| !b.is_empty()) {
                if !e.contains("||") {
                    return TriggerKind::Push {
                        branches: vec![b.to_owned()],
                        all_branches: false,
                        tags: Vec::new(),
                        all_tags: false,
                    };
                }
            }
        }
    }
    if e.contains("$CI_COMMIT_BRANCH==$CI_DEFAULT_BRANCH")
        || e.contains("$CI_COMMIT_REF_NAME==$CI_DEFAULT_BRANCH")
    {
        return TriggerKind::Push {
            branches: vec!["main".into()],
            all_branches: false,
            tags: Vec::new(),
            all_tags: false,
        };
    }
    TriggerKind::Push {
        branches: Vec::new(),
        all_branches: true,
        tags: Vec::new(),
        all_tags: true,
    }
}

/// `only:` (list or `refs:`): `main`, `tags`, `branches`, `merge_requests`, `/regex/`.
fn triggers_from_only(only: Yaml<'_>) -> Vec<Trigger> {
    let refs = only.get("refs").unwrap_or(only);
    let mut out = Vec::new();
    for (r, region) in refs.strings() {
        let kind = match r {
            "tags" => TriggerKind::Push {
                branches: Vec::new(),
                all_branches: false,
                tags: vec!["*".into()],
                all_tags: false,
            },
            "branches" | "pushes" => TriggerKind::Push {
                branches: Vec::new(),
                all_branches: true,
                tags: Vec::new(),
                all_tags: false,
            },
            "merge_requests" => TriggerKind::MergeRequest,
            "schedules" => TriggerKind::Schedule,
            "web" | "api" | "triggers" => TriggerKind::WorkflowDispatch,
            branch => TriggerKind::Push {
                branches: vec![branch.to_owned()],
                all_branches: false,
                tags: Vec::new(),
                all_tags: false,
            },
        };
        out.push(Trigger { kind, region });
    }
    out
}

fn variable_refs(script: &str, region: Region, out: &mut Vec<SecretRef>) {
    let b = script.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let mut j = i + 1;
            let braced = b.get(j) == Some(&b'{');
            if braced {
                j += 1;
            }
            let start = j;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            let name = &script[start..j];
            if !name.is_empty()
                && !name.starts_with("CI_")
                && !name.starts_with("GITLAB_")
                && is_prod_secret_name(name)
                && !out.iter().any(|s| s.name == name)
            {
                out.push(SecretRef {
                    name: name.to_owned(),
                    region,
                    scope: "script",
                });
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
}

fn read_job<'a>(
    id: &str,
    key_region: Region,
    get: &dyn Fn(&str) -> Option<Yaml<'a>>,
    vars: &[(String, String)],
    resolve: Resolver<'_>,
) -> Job {
    // `environment: $DEPLOY_ENV` names what the variable holds.
    let environment = get("environment").and_then(|e| {
        let v = e.get("name").unwrap_or(e);
        Some((crate::github::substitute(v.as_str()?, vars), v.region()?))
    });
    let mut manual = get("when").and_then(|w| w.as_str()) == Some("manual");
    let mut triggers = None;
    if let Some(rules) = get("rules") {
        let (t, m) = triggers_from_rules(rules);
        manual |= m;
        triggers = Some(t);
    } else if let Some(only) = get("only") {
        triggers = Some(triggers_from_only(only));
    }
    let needs: Vec<String> = get("needs")
        .map(|n| {
            n.items()
                .into_iter()
                .filter_map(|i| {
                    i.as_str()
                        .or_else(|| i.get("job").and_then(|j| j.as_str()))
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    let mut target = None;
    if let Some((name, r)) = &environment {
        if let Some((env, tier)) = resolve(name) {
            target = Some(Target {
                env,
                tier,
                evidence: format!("environment: {name}"),
                region: *r,
                declared: true,
            });
        }
    }
    let mut secrets = Vec::new();
    let mut runs_tests = is_test_name(id)
        || get("stage")
            .and_then(|s| s.as_str())
            .is_some_and(is_test_name);
    let mut artifacts = Vec::new();
    let mut scan = Scan::default();
    let mut script_text = String::new();
    let mut script_region = None;
    let mut release_verify = None;
    for key in ["before_script", "script", "after_script"] {
        for (cmd, r) in get(key).map(|s| s.strings()).unwrap_or_default() {
            if is_test_command(cmd) {
                runs_tests = true;
            }
            if release_verify.is_none() {
                release_verify = crate::release_verify_env(cmd).map(|e| (e, r));
            }
            variable_refs(cmd, r, &mut secrets);
            // The lines of a job's scripts run in one shell: a `cd` carries over.
            script_text.push_str(&crate::github::substitute(cmd, vars));
            script_text.push('\n');
            script_region.get_or_insert(r);
            for (a, b) in mutable_image_refs(cmd) {
                artifacts.push((cmd[a..b].to_owned(), r));
            }
        }
    }
    if let Some(r) = script_region {
        scan.merge(scan_shell(&script_text, r, "", resolve));
    }
    if let Some(vars) = get("variables") {
        for (_, _, v) in vars.entries() {
            if let (Some(s), Some(r)) = (v.as_str(), v.region()) {
                variable_refs(s, r, &mut secrets);
            }
        }
    }
    let deploys = scan.deploys || environment.is_some();
    let target = target.or(scan.target).or_else(|| {
        scan.deploys
            .then(|| job_name_target(id, key_region, resolve))
            .flatten()
    });
    Job {
        id: id.to_owned(),
        name: None,
        region: key_region,
        needs,
        environment,
        target,
        secrets,
        secrets_inherit: None,
        uses: None,
        triggers,
        manual_approval: manual,
        checks_out_pr_head: None,
        runs_tests,
        release_verify,
        artifacts,
        deploys,
        scripts: scan.scripts,
        with: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use envguard_model::Tier;

    fn resolve(s: &str) -> Option<(String, Tier)> {
        match s {
            "production" | "prod" => Some(("prod".into(), Tier::Prod)),
            "staging" => Some(("staging".into(), Tier::Test)),
            _ => None,
        }
    }

    #[test]
    fn rules_environments_and_manual_gates() {
        let text = "stages: [test, deploy]\n.deploy: &d\n  image: alpine\nunit:\n  stage: test\n  script: [make test]\ndeploy_prod:\n  stage: deploy\n  environment:\n    name: production\n  rules:\n    - if: $CI_COMMIT_TAG\n      when: manual\n  needs: [unit]\n  script:\n    - ./deploy.sh production $PROD_DB_PASSWORD\n";
        let p = crate::parse(
            ".gitlab-ci.yml",
            crate::CiSystem::GitlabCi,
            text.as_bytes(),
            &resolve,
        )
        .pipeline
        .unwrap();
        assert_eq!(p.jobs.len(), 2);
        let d = p.job("deploy_prod").unwrap();
        assert!(d.manual_approval);
        assert_eq!(d.target.as_ref().unwrap().env, "prod");
        assert_eq!(p.job_triggers(d)[0].label(), "tag *");
        assert_eq!(d.secrets[0].name, "PROD_DB_PASSWORD");
        assert!(p.job("unit").unwrap().runs_tests);
    }

    /// `variables:` (global, then the job's) name the environment a script
    /// and an `environment:` read.
    #[test]
    fn variables_name_the_environment() {
        let text = "variables:\n  TF_ROOT: infra/envs/production\nstages: [plan, apply]\nplan:\n  stage: plan\n  script:\n    - cd $TF_ROOT && terraform plan -out plan.cache\napply:\n  stage: apply\n  variables:\n    DEPLOY_ENV: production\n  environment:\n    name: $DEPLOY_ENV\n  script:\n    - cd ${TF_ROOT}\n    - terraform apply plan.cache\n";
        let p = crate::parse(
            ".gitlab-ci.yml",
            crate::CiSystem::GitlabCi,
            text.as_bytes(),
            &resolve,
        )
        .pipeline
        .unwrap();
        assert!(p.job("plan").unwrap().target.is_none());
        let apply = p.job("apply").unwrap();
        assert_eq!(apply.environment.as_ref().unwrap().0, "production");
        assert_eq!(apply.target.as_ref().unwrap().env, "prod");
        // Without the environment, the script's `cd` says where it applies.
        let text = text.replace("  environment:\n    name: $DEPLOY_ENV\n", "");
        let p = crate::parse(
            ".gitlab-ci.yml",
            crate::CiSystem::GitlabCi,
            text.as_bytes(),
            &resolve,
        )
        .pipeline
        .unwrap();
        let t = p.job("apply").unwrap().target.clone().unwrap();
        assert_eq!(t.env, "prod");
        assert!(
            t.evidence.contains("infra/envs/production"),
            "{}",
            t.evidence
        );
    }
}
