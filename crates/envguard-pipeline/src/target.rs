//! Which environment a job deploys to, inferred from what it runs and what it
//! is called when it names no CI environment.

use crate::{Resolver, Target};
use envguard_model::{Region, Tier};

/// Words that make a command a deployment.
const DEPLOY_WORDS: &[&str] = &[
    "deploy",
    "deployment",
    "release",
    "promote",
    "rollout",
    "apply",
    "upgrade",
    "install",
    "sync",
    "publish",
    "up",
    "push",
    "ship",
    "workspace",
    "context",
    "use-context",
    "provision",
];

/// Tools whose invocation with an environment token is a deployment even
/// without a deploy word (`kubectl --context prod`, `vercel --prod`).
const DEPLOY_TOOLS: &[&str] = &[
    "kubectl",
    "helm",
    "terraform",
    "tofu",
    "terragrunt",
    "vercel",
    "serverless",
    "sls",
    "fly",
    "flyctl",
    "cdk",
    "doctl",
    "gcloud",
    "eb",
    "ansible-playbook",
    "skaffold",
    "argocd",
    "pulumi",
    "netlify",
    "heroku",
    "kustomize",
    "aws",
    "az",
    "firebase",
    "wrangler",
    "railway",
    "render",
    "copilot",
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

fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
}

/// Infers a target from one command line (or script): `./deploy.sh prod`,
/// `kubectl --context production apply -f k8s/`, `terraform workspace select prod`,
/// `helm upgrade api chart -f values-prod.yaml`, `vercel --prod`, `doctl … api-prod`.
/// The highest tier named wins (a script that deploys staging then prod deploys prod).
pub fn infer_target_from_text(text: &str, region: Region, resolve: Resolver<'_>) -> Option<Target> {
    let mut best: Option<Target> = None;
    for line in text.lines() {
        let line_trim = line.trim();
        if line_trim.starts_with('#') || line_trim.starts_with("echo ") {
            continue;
        }
        let lower = line_trim.to_ascii_lowercase();
        let words: Vec<&str> = tokens(&lower).collect();
        let deployish = words
            .iter()
            .any(|w| DEPLOY_WORDS.contains(w) || w.starts_with("deploy"))
            || words.first().is_some_and(|w| DEPLOY_TOOLS.contains(w))
            || lower.contains("vercel");
        if !deployish {
            continue;
        }
        let mut found: Option<(String, Tier)> = None;
        if lower.contains("vercel") && lower.contains("--prod") {
            found = resolve("prod");
        }
        if let Some(r) = highest_env(&words, resolve) {
            if found.as_ref().is_none_or(|f| r.1 > f.1) {
                found = Some(r);
            }
        }
        if let Some((env, tier)) = found {
            if best.as_ref().is_none_or(|b| tier > b.tier) {
                let shown: String = line_trim.chars().take(120).collect();
                best = Some(Target {
                    env,
                    tier,
                    evidence: format!("runs `{shown}`"),
                    region,
                    declared: false,
                });
            }
        }
    }
    best
}

/// A target from a job's id or name: `deploy-prod`, `release_production`,
/// `Deploy to staging`. Needs a deploy word and an environment word.
pub fn job_name_target(name: &str, region: Region, resolve: Resolver<'_>) -> Option<Target> {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = tokens(&lower).collect();
    if !words
        .iter()
        .any(|w| DEPLOY_WORDS.contains(w) || w.starts_with("deploy"))
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
            env_of("terraform workspace select staging").as_deref(),
            Some("staging")
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
        assert_eq!(env_of("npm test -- --env=production"), None);
        assert_eq!(env_of("echo deploying to prod"), None);
        assert_eq!(env_of("docker build -t api ."), None);
    }

    #[test]
    fn job_names() {
        let t = |n: &str| job_name_target(n, Region::line(1), &resolve).map(|t| t.env);
        assert_eq!(t("deploy-prod").as_deref(), Some("prod"));
        assert_eq!(t("Deploy to staging").as_deref(), Some("staging"));
        assert_eq!(t("build-prod-image"), None);
        assert_eq!(t("test"), None);
    }
}
