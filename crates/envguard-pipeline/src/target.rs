//! Which environment a job deploys to: a job deploys when it runs a deploy
//! action (`terraform apply`, `helm upgrade`, `docker push`, `./deploy.sh`, a
//! deploy action such as `azure/webapps-deploy`), and the environment is the one
//! that command, its context (`cd envs/prod`, `working-directory:`) or the job's
//! name names. `terraform plan`, drift checks, restarts and notifications that
//! merely mention production are not deploys.

use crate::{Resolver, Target};
use envguard_model::{Region, Tier};

/// Words that make a job name, a make target or a repository script's name a deployment.
const DEPLOY_WORDS: &[&str] = &[
    "deploy",
    "deployment",
    "deploys",
    "promote",
    "rollout",
    "apply",
    "upgrade",
    "ship",
    "provision",
];

/// The highest-tier environment named by one of `words`. Command words that
/// are also aliases (`test`, `local`, `integration`) do not name one here.
fn highest_env(words: &[&str], resolve: Resolver<'_>) -> Option<(String, Tier)> {
    words
        .iter()
        .filter(|w| {
            !matches!(
                **w,
                "test" | "tests" | "local" | "live" | "int" | "integration"
            )
        })
        .filter_map(|w| resolve(w))
        .fold(None, |best: Option<(String, Tier)>, r| match best {
            Some(b) if b.1 >= r.1 => Some(b),
            _ => Some(r),
        })
}

/// The highest-tier environment a text names (`app-name: acme-prod`).
pub(crate) fn env_in_text(text: &str, resolve: Resolver<'_>) -> Option<(String, Tier)> {
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = tokens(&lower).collect();
    highest_env(&words, resolve)
}

fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
}

/// One simple command of a shell script: its words as the shell splits them.
fn commands(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    // Backslash-continued lines are one line for the shell.
    let joined = text.replace("\\\r\n", " ").replace("\\\n", " ");
    for line in joined.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // The shell's own word splitting (quotes, escapes); an unbalanced
        // quote (a multi-line string) falls back to blanks.
        let words = shlex::split(line)
            .unwrap_or_else(|| line.split_whitespace().map(str::to_owned).collect());
        let mut cur: Vec<String> = Vec::new();
        for w in words {
            if w.starts_with('#') && cur.is_empty() {
                break;
            }
            let trimmed = w.trim_end_matches(';');
            let (word, ends) = (trimmed.to_owned(), trimmed.len() != w.len());
            // A `case` pattern (`main)`, `refs/heads/master|master)`) opens a branch.
            if cur.is_empty() && word.ends_with(')') && !word.contains('(') {
                continue;
            }
            if matches!(
                word.as_str(),
                "&&" | "||" | "|" | ";" | "&" | "then" | "do" | "else" | "{" | "("
            ) {
                if !cur.is_empty() {
                    out.push((line.to_owned(), std::mem::take(&mut cur)));
                }
                continue;
            }
            if !word.is_empty() {
                cur.push(word);
            }
            if ends && !cur.is_empty() {
                out.push((line.to_owned(), std::mem::take(&mut cur)));
            }
        }
        if !cur.is_empty() {
            out.push((line.to_owned(), cur));
        }
    }
    out
}

/// The program and its arguments, past wrappers (`sudo`, `npx`, `bundle exec`,
/// `VAR=value`), lowercased.
fn program(words: &[String]) -> (String, Vec<String>) {
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let mut i = 0;
    while i < lower.len() {
        let w = lower[i].as_str();
        let assignment = w.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if assignment
            || matches!(
                w,
                "sudo" | "npx" | "bunx" | "exec" | "time" | "env" | "command" | "nohup"
            )
        {
            i += 1;
        } else if matches!(w, "bundle" | "poetry" | "pipenv" | "uv" | "pnpm" | "yarn")
            && matches!(
                lower.get(i + 1).map(String::as_str),
                Some("exec" | "run" | "dlx")
            )
        {
            i += 2;
        } else {
            break;
        }
    }
    let Some(first) = lower.get(i) else {
        return (String::new(), Vec::new());
    };
    let prog = first.rsplit('/').next().unwrap_or(first);
    let prog = prog.strip_suffix(".exe").unwrap_or(prog).to_owned();
    (prog, lower[i + 1..].to_vec())
}

/// A path a command runs as a repository script: `./deploy.sh`, `bin/deploy-app`,
/// `bash scripts/deploy.sh`, `python deploy.py`.
fn script_path(words: &[String]) -> Option<String> {
    let first = words.first()?;
    let looks_like_path = |w: &str| {
        !w.starts_with('-')
            && !w.starts_with('$')
            && !w.starts_with('/')
            && !w.contains("://")
            && (w.contains('/') || w.ends_with(".sh") || w.ends_with(".py") || w.ends_with(".rb"))
    };
    if matches!(
        first.as_str(),
        "bash" | "sh" | "zsh" | "source" | "." | "python" | "python3" | "ruby" | "node"
    ) {
        return words[1..]
            .iter()
            .find(|w| !w.starts_with('-'))
            .filter(|w| looks_like_path(w))
            .cloned();
    }
    looks_like_path(first).then(|| first.clone())
}

fn name_says_deploy(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let found = tokens(&lower).any(|w| DEPLOY_WORDS.contains(&w));
    found
}

/// Does one simple command deploy? `args` are lowercased, after the program.
fn is_deploy_command(prog: &str, args: &[String], words: &[String]) -> bool {
    let sub: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let has = |w: &str| sub.contains(&w);
    let flag = |f: &str| {
        args.iter()
            .any(|a| a == f || a.starts_with(&format!("{f}=")))
    };
    match prog {
        "terraform" | "tofu" | "terragrunt" | "terraform-bin" => {
            ["apply", "destroy", "apply-all", "destroy-all"]
                .iter()
                .any(|w| has(w))
        }
        "pulumi" => has("up") || has("destroy") || has("update"),
        "cdk" | "cdktf" | "serverless" | "sls" | "sam" | "eb" | "netlify" | "firebase"
        | "copilot" | "kamal" | "mina" | "dep" | "fab" | "envoy" | "cap" => {
            sub.iter().any(|w| w.starts_with("deploy"))
        }
        "ecs-deploy" => true,
        "fly" | "flyctl" => has("deploy"),
        "vercel" => !flag("--help") && (sub.is_empty() || has("deploy") || flag("--prod")),
        "wrangler" => has("deploy") || has("publish"),
        "railway" => has("up") || has("deploy"),
        "heroku" => sub
            .iter()
            .any(|w| w.starts_with("container:release") || w.starts_with("releases:rollback")),
        "git" => {
            has("push")
                && sub
                    .iter()
                    .any(|w| w.contains("heroku") || w.contains("dokku"))
        }
        "doctl" => has("apps") && (has("create-deployment") || has("update")),
        "ansible-playbook" => {
            !(flag("--check")
                || flag("-c")
                || flag("--syntax-check")
                || flag("--list-tasks")
                || flag("--list-hosts"))
        }
        "skaffold" => has("run") || has("deploy") || has("apply"),
        "argocd" => has("app") && (has("sync") || has("rollback")),
        "helm" | "helm3" => {
            !has("diff")
                && !has("template")
                && ["upgrade", "install", "rollback", "uninstall"]
                    .iter()
                    .any(|w| has(w))
        }
        "helmfile" => has("apply") || has("sync") || has("deploy") || has("destroy"),
        "kubectl" | "oc" | "kubecolor" => {
            if flag("--dry-run") {
                return false;
            }
            // Subcommands anywhere: flags with values (`--context prod`) come first.
            ["apply", "create", "replace", "patch"]
                .iter()
                .any(|w| has(w))
                || (has("set") && (has("image") || has("env")))
                || (has("rollout") && (has("undo") || has("resume")))
        }
        "docker" | "podman" => {
            has("push")
                || (has("buildx") && flag("--push"))
                || (has("stack") && has("deploy"))
                || ((flag("--context") || flag("-h") || flag("--host"))
                    && (has("compose") || has("stack") || has("run")))
        }
        "cf" | "cf7" | "cf8" => sub
            .first()
            .is_some_and(|w| w.contains("push") || w.contains("deploy")),
        "gcloud" => {
            sub.iter().any(|w| w.starts_with("deploy"))
                || (has("run") && has("update"))
                || has("set-traffic")
        }
        "az" => {
            sub.iter().any(|w| *w == "deploy" || *w == "up")
                || (has("deployment") && (has("create") || has("swap") || has("config-zip")))
                || (has("containerapp") && has("update"))
                || (has("webapp") && has("container") && has("set"))
        }
        "aws" => {
            let pair = |a: &str, ops: &[&str]| has(a) && ops.iter().any(|o| has(o));
            pair("ecs", &["update-service", "deploy"])
                || pair("lambda", &["update-function-code", "update-alias"])
                || pair(
                    "cloudformation",
                    &[
                        "deploy",
                        "create-stack",
                        "update-stack",
                        "execute-change-set",
                    ],
                )
                || pair("s3", &["sync"])
                || pair("deploy", &["create-deployment"])
                || pair("elasticbeanstalk", &["update-environment"])
                || pair("apprunner", &["start-deployment", "update-service"])
        }
        "curl" | "wget" => args.iter().any(|a| {
            a.starts_with("http")
                && !a.contains("slack.com")
                && !a.contains("discord")
                && !a.contains("office.com")
                && a.split(['/', '?'])
                    .skip(3)
                    .any(|seg| seg == "deploy" || seg == "deploys" || seg == "build_hooks")
        }),
        "make" | "just" | "task" | "rake" | "npm" | "yarn" | "pnpm" | "bun" | "mage" => sub
            .iter()
            .filter(|w| **w != "run" && !w.contains('='))
            .any(|w| name_says_deploy(w)),
        _ => script_path(words)
            .or_else(|| (!prog.is_empty() && !prog.contains('=')).then(|| prog.to_owned()))
            .is_some_and(|p| {
                let file = p.rsplit('/').next().unwrap_or(&p);
                name_says_deploy(file) || (file.contains("release") && script_path(words).is_some())
            }),
    }
}

/// Commands that set the scene for a later deploy in the same script:
/// `cd envs/prod`, `terraform workspace select prod`, `export ENV=production`,
/// `kubectl config use-context prod`.
fn is_context_command(prog: &str, args: &[String], words: &[String]) -> bool {
    let sub: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    matches!(prog, "cd" | "pushd" | "export" | "source" | ".")
        || (matches!(prog, "terraform" | "tofu") && sub.first() == Some(&"workspace"))
        || (matches!(prog, "kubectl" | "oc") && sub.first() == Some(&"config"))
        || (prog == "gcloud" && sub.first() == Some(&"config"))
        || (prog == "aws" && sub.first() == Some(&"configure"))
        || words.first().is_some_and(|w| {
            w.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        }) && words.len() == 1
}

/// The words of a command that can name an environment: values, not the names
/// of flags or variables (`--stage "$STAGE"` names none; `--env=prod` and
/// `STAGE=prod` name prod).
fn env_words(words: &[String]) -> String {
    static VAR: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let var = VAR
        .get_or_init(|| regex::Regex::new(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?").ok())
        .as_ref();
    let mut out = String::new();
    for w in words {
        let value = match w.split_once('=') {
            Some((_, v)) => v,
            None if w.starts_with('-') => continue,
            None => w.as_str(),
        };
        let value = match var {
            Some(re) => re.replace_all(value, " ").into_owned(),
            None => value.to_owned(),
        };
        out.push_str(&value);
        out.push(' ');
    }
    out
}

/// What a script (or a job's steps) says about deploying.
#[derive(Debug, Default, Clone)]
pub(crate) struct Scan {
    /// It runs at least one deploy action.
    pub deploys: bool,
    /// The highest-tier environment a deploy action names, with its evidence.
    pub target: Option<Target>,
    /// Repository scripts it calls (as written), for following.
    pub scripts: Vec<(String, Region)>,
}

impl Scan {
    pub(crate) fn offer(&mut self, t: Target) {
        if self.target.as_ref().is_none_or(|b| t.tier > b.tier) {
            self.target = Some(t);
        }
    }

    pub(crate) fn merge(&mut self, other: Scan) {
        self.deploys |= other.deploys;
        if let Some(t) = other.target {
            self.offer(t);
        }
        for s in other.scripts {
            if !self.scripts.contains(&s) {
                self.scripts.push(s);
            }
        }
    }
}

/// Reads a shell script: its deploy actions and the environment each names,
/// by its own words, else by the script's context commands, else by `context`
/// (a step's `working-directory:`, as text).
pub(crate) fn scan_shell(text: &str, region: Region, context: &str, resolve: Resolver<'_>) -> Scan {
    let mut scan = Scan::default();
    let cmds = commands(text);
    let mut scene: Option<(String, Tier, String)> = {
        let lower = context.to_ascii_lowercase();
        let words: Vec<&str> = tokens(&lower).collect();
        highest_env(&words, resolve).map(|(e, t)| (e, t, context.to_owned()))
    };
    for (line, words) in &cmds {
        let (prog, args) = program(words);
        if let Some(p) = script_path(&words.iter().map(|w| w.to_owned()).collect::<Vec<_>>()) {
            let r = (p.clone(), region);
            if !scan.scripts.contains(&r) {
                scan.scripts.push(r);
            }
        }
        let lower_words: String = env_words(words).to_ascii_lowercase();
        let toks: Vec<&str> = tokens(&lower_words).collect();
        if is_context_command(&prog, &args, words) {
            if let Some((e, t)) = highest_env(&toks, resolve) {
                if scene.as_ref().is_none_or(|s| t >= s.1) {
                    scene = Some((e, t, line.clone()));
                }
            }
            continue;
        }
        if !is_deploy_command(
            &prog,
            &args,
            &words
                .iter()
                .map(|w| w.to_ascii_lowercase())
                .collect::<Vec<_>>(),
        ) {
            continue;
        }
        scan.deploys = true;
        let mut found = highest_env(&toks, resolve).map(|(e, t)| (e, t, line.clone()));
        if prog == "vercel" && args.iter().any(|a| a == "--prod") {
            if let Some((e, t)) = resolve("prod") {
                if found.as_ref().is_none_or(|f| t > f.1) {
                    found = Some((e, t, line.clone()));
                }
            }
        }
        let Some((env, tier, shown)) = found.or_else(|| {
            scene
                .clone()
                .map(|(e, t, s)| (e, t, format!("{s}` then `{line}")))
        }) else {
            continue;
        };
        let shown: String = shown.chars().take(160).collect();
        scan.offer(Target {
            env,
            tier,
            evidence: format!("runs `{shown}`"),
            region,
            declared: false,
        });
    }
    scan
}

/// GitHub actions (and CircleCI orb jobs) that deploy: `azure/webapps-deploy`,
/// `aws-actions/amazon-ecs-deploy-task-definition`, `google-github-actions/deploy-cloudrun`,
/// `cloudflare/wrangler-action`, a Cloud Foundry push action, any action whose
/// name says deploy or apply.
pub(crate) fn is_deploy_action(uses: &str) -> bool {
    let name = uses.split('@').next().unwrap_or(uses).to_ascii_lowercase();
    if name.starts_with("./") || name.starts_with("docker://") {
        return false;
    }
    const KNOWN: &[&str] = &[
        "azure/functions-action",
        "azure/webapps-container-deploy",
        "cloudflare/wrangler-action",
        "cloudflare/pages-action",
        "amondnet/vercel-action",
        "citizen-of-planet-earth/cf-cli-action",
        "nwtgck/actions-netlify",
        "w9jds/firebase-action",
        "akhileshns/heroku-deploy",
    ];
    let repo = name.split('/').skip(1).collect::<Vec<_>>().join("/");
    KNOWN
        .iter()
        .any(|k| name == *k || name.starts_with(&format!("{k}/")))
        || name_says_deploy(&repo)
        || repo.contains("cf-push")
        || repo.contains("cloudfoundry")
}

/// Infers a target from one command line (or script): `./deploy.sh prod`,
/// `kubectl --context production apply -f k8s/`, `terraform workspace select prod
/// && terraform apply`, `helm upgrade api chart -f values-prod.yaml`, `vercel --prod`.
/// Only deploy actions count; the highest tier named wins (a script that deploys
/// staging then prod deploys prod).
pub fn infer_target_from_text(text: &str, region: Region, resolve: Resolver<'_>) -> Option<Target> {
    scan_shell(text, region, "", resolve).target
}

/// A target from a job's id or name: `deploy-prod`, `release_production`,
/// `Deploy to staging`. Needs a deploy word and an environment word.
pub fn job_name_target(name: &str, region: Region, resolve: Resolver<'_>) -> Option<Target> {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = tokens(&lower).collect();
    if !words
        .iter()
        .any(|w| DEPLOY_WORDS.contains(w) || w.starts_with("deploy") || *w == "release")
    {
        return None;
    }
    let found = highest_env(&words, resolve);
    let (env, tier) = found?;
    Some(Target {
        env,
        tier,
        evidence: format!("job named `{name}`"),
        region,
        declared: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(s: &str) -> Option<(String, Tier)> {
        match s {
            "prod" | "production" => Some(("prod".into(), Tier::Prod)),
            "staging" | "stage" => Some(("staging".into(), Tier::Test)),
            "dev" | "development" => Some(("dev".into(), Tier::Dev)),
            _ => None,
        }
    }

    fn env_of(cmd: &str) -> Option<String> {
        infer_target_from_text(cmd, Region::line(1), &resolve).map(|t| t.env)
    }

    #[test]
    fn commands() {
        assert_eq!(
            env_of("./scripts/deploy.sh production").as_deref(),
            Some("prod")
        );
        assert_eq!(
            env_of("kubectl --context prod apply -f k8s/").as_deref(),
            Some("prod")
        );
        assert_eq!(
            env_of("terraform workspace select staging\nterraform apply -auto-approve tfplan")
                .as_deref(),
            Some("staging")
        );
        assert_eq!(
            env_of("cd infra/envs/prod && terraform init && terraform apply -auto-approve")
                .as_deref(),
            Some("prod")
        );
        assert_eq!(
            env_of("helm upgrade --install api ./chart -f values-prod.yaml").as_deref(),
            Some("prod")
        );
        assert_eq!(
            env_of("npx vercel deploy --prod --token=$T").as_deref(),
            Some("prod")
        );
        assert_eq!(
            env_of("./deploy.sh staging\n./deploy.sh prod").as_deref(),
            Some("prod")
        );
        assert_eq!(
            env_of("terragrunt run-all apply --terragrunt-working-dir env/production \\\n  --terragrunt-non-interactive").as_deref(),
            Some("prod")
        );
        assert_eq!(
            env_of("bundle exec cap production deploy").as_deref(),
            Some("prod")
        );
        assert_eq!(
            env_of(
                "docker push 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api-prod:${GITHUB_SHA}"
            )
            .as_deref(),
            Some("prod")
        );
        assert_eq!(
            env_of("aws ecs update-service --cluster prod --service api --force-new-deployment")
                .as_deref(),
            Some("prod")
        );
        assert_eq!(
            env_of("gcloud app deploy app.yaml --project acme-production --quiet").as_deref(),
            Some("prod")
        );
        assert_eq!(env_of("yarn deploy:production").as_deref(), Some("prod"));
        assert_eq!(
            env_of("ecs-deploy -c acme-prod -n api -i $IMAGE").as_deref(),
            Some("prod")
        );
        assert_eq!(
            env_of("make deploy ENVIRONMENT=production").as_deref(),
            Some("prod")
        );
        assert_eq!(env_of("make build ENVIRONMENT=production"), None);
        assert_eq!(env_of("npm test -- --env=production"), None);
        assert_eq!(env_of("echo deploying to prod"), None);
        assert_eq!(env_of("docker build -t api ."), None);
    }

    /// The look-alikes issue 20 found in real repositories: they mention
    /// production (and even deploy words) but change nothing.
    #[test]
    fn plans_drift_checks_restarts_and_notifications_are_not_deploys() {
        for cmd in [
            "curl -X POST -H 'Content-type: application/json' --data '{\"text\":\"Deploying to PRODUCTION\"}' $SLACK_WEBHOOK_URL",
            "curl -X POST https://hooks.slack.com/services/T0/B0/x -d 'deploy prod finished'",
            "cd envs/prod && terraform init && terraform plan -out tfplan",
            "terraform -chdir=envs/production plan -detailed-exitcode -lock=false",
            "terragrunt run-all plan --terragrunt-working-dir env/production",
            "kubectl --context prod rollout restart deployment/api",
            "kubectl --context prod rollout status deployment/api --timeout 5m",
            "heroku restart --app acme-production",
            "az webapp restart --name acme-prod --resource-group rg-prod",
            "kubectl --context prod apply --dry-run=server -f k8s/",
            "helm diff upgrade api ./chart -f values-prod.yaml",
            "echo \"deploy to production\" >> $GITHUB_STEP_SUMMARY",
            "./scripts/notify.sh production \"deploy finished\"",
        ] {
            assert_eq!(env_of(cmd), None, "{cmd}");
        }
    }

    #[test]
    fn scripts_called_are_listed_for_following() {
        let s = scan_shell(
            "chmod +x ./bin/deploy-app\n./bin/deploy-app\nbash scripts/smoke.sh",
            Region::line(1),
            "",
            &resolve,
        );
        assert!(s.deploys);
        assert!(s.target.is_none());
        let paths: Vec<&str> = s.scripts.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, vec!["./bin/deploy-app", "scripts/smoke.sh"]);
    }

    #[test]
    fn deploy_actions() {
        for a in [
            "azure/webapps-deploy@v3",
            "aws-actions/amazon-ecs-deploy-task-definition@v2",
            "google-github-actions/deploy-cloudrun@v2",
            "cloudflare/wrangler-action@v3",
            "citizen-of-planet-earth/cf-cli-action@master",
        ] {
            assert!(is_deploy_action(a), "{a}");
        }
        for a in [
            "actions/checkout@v4",
            "slackapi/slack-github-action@v1",
            "hashicorp/setup-terraform@v3",
            "./.github/workflows/deploy.yml",
        ] {
            assert!(!is_deploy_action(a), "{a}");
        }
    }

    #[test]
    fn job_names() {
        let t = |n: &str| job_name_target(n, Region::line(1), &resolve).map(|t| t.env);
        assert_eq!(t("deploy-prod").as_deref(), Some("prod"));
        assert_eq!(t("Deploy to staging").as_deref(), Some("staging"));
        assert_eq!(t("build-prod-image"), None);
        assert_eq!(t("test"), None);
    }

    /// Scripts that pick the environment from the branch (CircleCI, GitHub,
    /// GitLab variables) deploy to the highest one they can pick.
    #[test]
    fn environment_chosen_from_the_branch() {
        let case = "case \"$CI_COMMIT_REF_NAME\" in\n  main) TARGET=production ;;\n  *) TARGET=staging ;;\nesac\nhelm upgrade --install web ./chart -f \"values/$TARGET.yaml\"\n";
        assert_eq!(env_of(case).as_deref(), Some("prod"));
        let iff = "if [[ \"$GITHUB_REF\" == refs/heads/main ]]; then export STAGE=prod; else export STAGE=dev; fi\nnpx serverless deploy --stage \"$STAGE\"\n";
        assert_eq!(env_of(iff).as_deref(), Some("prod"));
        // The same choice feeding a plan only.
        assert_eq!(
            env_of(&case.replace("helm upgrade --install", "helm template")),
            None
        );
    }
}
