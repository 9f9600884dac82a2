//! The CI/CD pipeline model: which job runs on which trigger, deploys to which
//! environment (and why envguard thinks so), reads which secrets, and behind
//! which gate. Built from GitHub Actions workflows, GitLab CI files and CircleCI
//! configs; read by the R05 and `R01.prod-secret-in-nonprod-job` rules and
//! printed by `envguard pipeline`.
//!
//! Nothing here runs a pipeline or calls an API: it is a static reading, and
//! where a fact lives outside the repository (environment protection rules) it
//! comes from the optional `--ci-settings` file.

mod circleci;
mod github;
mod gitlab;
mod link;
mod settings;
mod target;

pub use link::{link, ReadFile};
pub use settings::{CiSettings, EnvProtection, SettingsError};
pub use target::{infer_target_from_text, job_name_target};

use envguard_extract::YamlDocs;
use envguard_model::{Region, Tier};
use serde::Serialize;

/// Which CI system a file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CiSystem {
    GithubActions,
    GitlabCi,
    Circleci,
}

impl CiSystem {
    /// The CI system of a path (relative, `/`-separated), if it is a pipeline file.
    pub fn of_path(path: &str) -> Option<CiSystem> {
        let lower = path.to_ascii_lowercase();
        let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
        if !yaml {
            return None;
        }
        if lower.starts_with(".github/workflows/") || lower.contains("/.github/workflows/") {
            return Some(CiSystem::GithubActions);
        }
        let file = lower.rsplit('/').next().unwrap_or(&lower);
        if file == ".gitlab-ci.yml"
            || file.ends_with(".gitlab-ci.yml")
            || lower.starts_with(".gitlab/ci/")
        {
            return Some(CiSystem::GitlabCi);
        }
        if lower == ".circleci/config.yml" || lower.ends_with("/.circleci/config.yml") {
            return Some(CiSystem::Circleci);
        }
        None
    }
}

/// What starts a pipeline (or a job, where the job narrows it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "event")]
pub enum TriggerKind {
    /// A push of branches and/or tags. Empty `branches` and `tags` with
    /// `all_branches`/`all_tags` false cannot happen: the reader fills them.
    Push {
        branches: Vec<String>,
        all_branches: bool,
        tags: Vec<String>,
        all_tags: bool,
    },
    PullRequest,
    PullRequestTarget,
    /// GitLab merge request pipelines.
    MergeRequest,
    WorkflowDispatch,
    Schedule,
    /// After other workflows (by name) complete.
    WorkflowRun {
        workflows: Vec<String>,
    },
    /// Called by other workflows only.
    WorkflowCall,
    Release,
    Other {
        name: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trigger {
    #[serde(flatten)]
    pub kind: TriggerKind,
    pub region: Region,
}

impl Trigger {
    /// True when this trigger can start a run for an unreviewed contribution or
    /// a branch other than the default one.
    pub fn is_non_release(&self) -> bool {
        match &self.kind {
            TriggerKind::Push {
                all_branches,
                branches,
                ..
            } => *all_branches || !branches.is_empty(),
            TriggerKind::Release | TriggerKind::WorkflowCall => false,
            _ => true,
        }
    }

    /// Branches (patterns) a push trigger runs for; `["*"]` for every branch.
    pub fn push_branches(&self) -> Vec<&str> {
        match &self.kind {
            TriggerKind::Push {
                all_branches: true, ..
            } => vec!["*"],
            TriggerKind::Push { branches, .. } => branches.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    pub fn label(&self) -> String {
        match &self.kind {
            TriggerKind::Push {
                branches,
                all_branches,
                tags,
                all_tags,
            } => {
                let mut parts = Vec::new();
                if *all_branches {
                    parts.push("push (any branch)".to_owned());
                } else if !branches.is_empty() {
                    parts.push(format!("push to {}", branches.join(", ")));
                }
                if *all_tags {
                    parts.push("tag (any)".to_owned());
                } else if !tags.is_empty() {
                    parts.push(format!("tag {}", tags.join(", ")));
                }
                parts.join(" / ")
            }
            TriggerKind::PullRequest => "pull_request".into(),
            TriggerKind::PullRequestTarget => "pull_request_target".into(),
            TriggerKind::MergeRequest => "merge request".into(),
            TriggerKind::WorkflowDispatch => "workflow_dispatch".into(),
            TriggerKind::Schedule => "schedule".into(),
            TriggerKind::WorkflowRun { workflows } => {
                format!("workflow_run ({})", workflows.join(", "))
            }
            TriggerKind::WorkflowCall => "workflow_call".into(),
            TriggerKind::Release => "release".into(),
            TriggerKind::Other { name } => name.clone(),
        }
    }
}

/// Is `branch` the default branch by convention?
pub fn is_default_branch(branch: &str) -> bool {
    matches!(branch, "main" | "master" | "trunk")
}

/// The environment a job deploys to, and the evidence for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub env: String,
    pub tier: Tier,
    /// How envguard knows: `environment: production`, `run: ./deploy.sh prod`, `job name deploy-prod`.
    pub evidence: String,
    pub region: Region,
    /// True when the job names a CI environment (GitHub `environment:`, GitLab `environment:`),
    /// which is where protection rules attach.
    pub declared: bool,
}

/// A secret a job can read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretRef {
    pub name: String,
    pub region: Region,
    /// `workflow env`, `job env`, `step`, `with`.
    pub scope: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Job {
    pub id: String,
    pub name: Option<String>,
    /// Where the job is declared (its key).
    pub region: Region,
    pub needs: Vec<String>,
    /// The CI environment the job names, as written.
    pub environment: Option<(String, Region)>,
    pub target: Option<Target>,
    pub secrets: Vec<SecretRef>,
    /// `secrets: inherit` into a called workflow.
    pub secrets_inherit: Option<Region>,
    /// A called (reusable) workflow: `./.github/workflows/deploy.yml` or `org/repo/...@ref`.
    pub uses: Option<(String, Region)>,
    /// Triggers narrowed for this job (by `if:`, GitLab `rules`/`only`, CircleCI filters);
    /// `None`: the pipeline's triggers.
    pub triggers: Option<Vec<Trigger>>,
    /// A human approval precedes it (GitLab `when: manual`, a CircleCI approval job).
    pub manual_approval: bool,
    /// It checks out the pull request's head (pull_request_target hazard).
    pub checks_out_pr_head: Option<Region>,
    /// It runs tests (by name or command).
    pub runs_tests: bool,
    /// It runs `envguard release verify --env ENV` (the environment as
    /// written, where): the deploy-time release gate (issue 14).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_verify: Option<(String, Region)>,
    /// Container images or artifacts it deploys, as written (`app:latest`).
    pub artifacts: Vec<(String, Region)>,
    /// It runs a deploy action (or calls a workflow), whether or not envguard
    /// can tell where to.
    pub deploys: bool,
    /// Repository scripts its commands call, as written (`./bin/deploy-app`).
    #[serde(skip)]
    pub scripts: Vec<(String, Region)>,
    /// What a reusable-workflow call binds (`inputs.environment` → `prod`).
    #[serde(skip)]
    pub with: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pipeline {
    pub path: String,
    pub system: CiSystem,
    pub name: String,
    pub triggers: Vec<Trigger>,
    pub jobs: Vec<Job>,
}

impl Pipeline {
    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id == id)
    }

    /// The triggers a job actually runs on.
    pub fn job_triggers<'a>(&'a self, job: &'a Job) -> &'a [Trigger] {
        job.triggers.as_deref().unwrap_or(&self.triggers)
    }

    /// Every job a job needs, transitively.
    pub fn needs_closure(&self, job: &Job) -> Vec<&Job> {
        let mut out: Vec<&Job> = Vec::new();
        let mut todo: Vec<&str> = job.needs.iter().map(String::as_str).collect();
        while let Some(id) = todo.pop() {
            if let Some(j) = self.job(id) {
                if !out.iter().any(|o| o.id == j.id) {
                    out.push(j);
                    todo.extend(j.needs.iter().map(String::as_str));
                }
            }
        }
        out
    }
}

/// The human gate in front of a job, as far as the repository and the
/// `--ci-settings` file show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// GitLab `when: manual`, a CircleCI approval job.
    Manual,
    /// A CI environment whose settings require reviewers.
    Reviewers(String),
    /// A CI environment whose settings require no reviewer.
    NoReviewers(String),
    /// A CI environment the settings file does not list.
    NotInSettings(String),
    /// A CI environment, and no settings file to say how it is protected.
    Unknown(String),
    /// No environment and no manual step.
    None,
}

impl Job {
    /// The gate in front of this job.
    pub fn approval(&self, settings: Option<&CiSettings>) -> Approval {
        if self.manual_approval {
            return Approval::Manual;
        }
        let Some((env, _)) = &self.environment else {
            return Approval::None;
        };
        match settings.map(|s| s.environment(env)) {
            Some(Some(p)) if p.required_reviewers => Approval::Reviewers(env.clone()),
            Some(Some(_)) => Approval::NoReviewers(env.clone()),
            Some(None) => Approval::NotInSettings(env.clone()),
            None => Approval::Unknown(env.clone()),
        }
    }
}

/// What a pipeline file yields: the pipeline (possibly partial) and parse problems.
pub struct Parsed {
    pub pipeline: Option<Pipeline>,
    pub errors: Vec<envguard_model::ParseIssue>,
}

/// Resolves an environment name as written to (canonical name, tier).
pub type Resolver<'a> = &'a dyn Fn(&str) -> Option<(String, Tier)>;

/// Reads one pipeline file.
pub fn parse(path: &str, system: CiSystem, bytes: &[u8], resolve: Resolver<'_>) -> Parsed {
    let docs = envguard_extract::parse_yaml(bytes);
    Parsed {
        pipeline: read(path, system, &docs, resolve),
        errors: docs.errors,
    }
}

/// Reads one pipeline file from its parsed documents (the check parses a CI
/// file once, for its facts and its pipeline: [`envguard_extract::extract_yaml_with_docs`]).
pub fn read(
    path: &str,
    system: CiSystem,
    docs: &YamlDocs,
    resolve: Resolver<'_>,
) -> Option<Pipeline> {
    let root = docs.roots().next()?;
    match system {
        CiSystem::GithubActions => github::read(path, root, resolve),
        CiSystem::GitlabCi => gitlab::read(path, root, resolve),
        CiSystem::Circleci => circleci::read(path, root, resolve),
    }
}

/// Names of secrets (or variables) that belong to production by convention:
/// `PROD_DB_URL`, `DB_PASSWORD_PROD`, `PRODUCTION_API_KEY`, `LIVE_STRIPE_KEY`.
pub fn is_prod_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|t| matches!(t, "PROD" | "PRODUCTION" | "PRD" | "LIVE"))
}

/// Secret names referenced in an expression or script: `${{ secrets.X }}`,
/// `secrets['X']`.
pub(crate) fn secret_names(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("secrets") {
        let after = &rest[i + "secrets".len()..];
        let preceded_ok = i == 0
            || !rest.as_bytes()[i - 1].is_ascii_alphanumeric() && rest.as_bytes()[i - 1] != b'_';
        let name = if let Some(a) = after.strip_prefix('.') {
            a.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .next()
        } else if let Some(a) = after
            .strip_prefix("['")
            .or_else(|| after.strip_prefix("[\""))
        {
            a.split(['\'', '"']).next()
        } else {
            None
        };
        if let Some(n) = name.filter(|n| !n.is_empty() && preceded_ok) {
            if !out.iter().any(|o: &String| o == n) {
                out.push(n.to_owned());
            }
        }
        rest = after;
    }
    out
}

/// The environment of an `envguard release verify … --env ENV` in a shell
/// command (`--env=ENV` too), as written.
pub(crate) fn release_verify_env(cmd: &str) -> Option<String> {
    for line in cmd.lines() {
        let words: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '|')
            .filter(|w| !w.is_empty())
            .collect();
        let Some(at) = words.windows(3).position(|w| {
            (w[0] == "envguard" || w[0].ends_with("/envguard"))
                && w[1] == "release"
                && w[2] == "verify"
        }) else {
            continue;
        };
        let rest = &words[at + 3..];
        for (i, w) in rest.iter().enumerate() {
            if let Some(v) = w.strip_prefix("--env=") {
                return Some(v.trim_matches(['"', '\'']).to_owned());
            }
            if *w == "--env" {
                if let Some(v) = rest.get(i + 1) {
                    return Some(v.trim_matches(['"', '\'']).to_owned());
                }
            }
        }
    }
    None
}

/// Does a command line run tests?
pub(crate) fn is_test_command(cmd: &str) -> bool {
    let c = cmd.to_ascii_lowercase();
    [
        "npm test",
        "npm run test",
        "yarn test",
        "pnpm test",
        "npx jest",
        "jest",
        "pytest",
        "tox",
        "go test",
        "cargo test",
        "cargo nextest",
        "make test",
        "make check",
        "mvn test",
        "mvn verify",
        "gradle test",
        "./gradlew test",
        "./gradlew check",
        "rspec",
        "bundle exec rake",
        "phpunit",
        "dotnet test",
        "mix test",
        "python -m unittest",
        "npm run lint",
        "ctest",
    ]
    .iter()
    .any(|t| c.contains(t))
}

/// Does a job id or name say it tests?
pub(crate) fn is_test_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.split(|c: char| !c.is_ascii_alphanumeric()).any(|t| {
        matches!(
            t,
            "test"
                | "tests"
                | "testing"
                | "unit"
                | "integration"
                | "e2e"
                | "check"
                | "checks"
                | "ci"
                | "lint"
                | "verify"
                | "qa"
        )
    })
}

/// Image references with a mutable, branch-like tag: `app:latest`, `ghcr.io/x/y:main`.
pub(crate) fn mutable_image_refs(text: &str) -> Vec<(usize, usize)> {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let Some(re) = RE
        .get_or_init(|| {
            regex::Regex::new(r"(?:^|[\s=\x22'])((?:[a-z0-9.\-]+(?::[0-9]+)?/)?[a-z0-9._\-/]+:(?:latest|dev|develop|development|main|master|staging|nightly|edge|snapshot))(?:$|[\s\x22',])").ok()
        })
        .as_ref()
    else {
        return Vec::new();
    };
    re.captures_iter(text)
        .filter_map(|c| c.get(1))
        .map(|m| (m.start(), m.end()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            CiSystem::of_path(".github/workflows/deploy.yml"),
            Some(CiSystem::GithubActions)
        );
        assert_eq!(
            CiSystem::of_path(".gitlab-ci.yml"),
            Some(CiSystem::GitlabCi)
        );
        assert_eq!(
            CiSystem::of_path(".gitlab/ci/deploy.yml"),
            Some(CiSystem::GitlabCi)
        );
        assert_eq!(
            CiSystem::of_path(".circleci/config.yml"),
            Some(CiSystem::Circleci)
        );
        assert_eq!(CiSystem::of_path("k8s/deploy.yml"), None);
        assert_eq!(CiSystem::of_path(".github/workflows/README.md"), None);
    }

    #[test]
    fn secret_names_in_expressions() {
        assert_eq!(
            secret_names("${{ secrets.PROD_DB_URL }}"),
            vec!["PROD_DB_URL"]
        );
        assert_eq!(
            secret_names("a ${{ secrets['X_Y'] }} b ${{secrets.Z}} ${{ secrets.Z }}"),
            vec!["X_Y", "Z"]
        );
        assert!(secret_names("mysecrets.x and ${{ inputs.secrets }}").is_empty());
    }

    #[test]
    fn prod_secret_names() {
        for n in [
            "PROD_DB_URL",
            "DB_PASSWORD_PROD",
            "PRODUCTION_API_KEY",
            "prod-token",
            "AWS_PRD_KEY",
        ] {
            assert!(is_prod_secret_name(n), "{n}");
        }
        for n in ["PRODUCT_KEY", "DB_PASSWORD", "STAGING_TOKEN", "REPRODUCE"] {
            assert!(!is_prod_secret_name(n), "{n}");
        }
    }

    #[test]
    fn mutable_images() {
        let t =
            "docker push ghcr.io/acme/api:latest && kubectl set image deploy/api api=acme/api:main";
        let found: Vec<&str> = mutable_image_refs(t)
            .into_iter()
            .map(|(a, b)| &t[a..b])
            .collect();
        assert_eq!(found, vec!["ghcr.io/acme/api:latest", "acme/api:main"]);
        assert!(mutable_image_refs("image: acme/api:1.4.2 and acme/api@sha256:abc").is_empty());
    }
}

#[cfg(test)]
mod release_gate_tests {
    use super::release_verify_env;

    #[test]
    fn release_verify_commands() {
        assert_eq!(
            release_verify_env(
                "envguard release verify dist/app.tgz --env prod --attestation a.json"
            )
            .as_deref(),
            Some("prod")
        );
        assert_eq!(
            release_verify_env(
                "set -e\n./bin/envguard release verify \"$IMAGE\" --env=production && ./deploy.sh"
            )
            .as_deref(),
            Some("production")
        );
        // Look-alikes: another subcommand, or no environment.
        assert_eq!(
            release_verify_env("envguard release attest dist/app.tgz --env prod"),
            None
        );
        assert_eq!(
            release_verify_env("envguard release verify dist/app.tgz"),
            None
        );
        assert_eq!(release_verify_env("echo envguard verify --env prod"), None);
    }
}
