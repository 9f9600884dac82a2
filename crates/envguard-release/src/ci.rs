//! The CI context of a build job, read from the variables GitHub Actions,
//! GitLab CI and CircleCI set, with flags taking precedence.

use serde::Serialize;

/// Which CI system ran the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CiSystem {
    GithubActions,
    GitlabCi,
    Circleci,
    /// No CI variables: everything came from flags.
    Local,
}

impl CiSystem {
    pub fn as_str(self) -> &'static str {
        match self {
            CiSystem::GithubActions => "github-actions",
            CiSystem::GitlabCi => "gitlab-ci",
            CiSystem::Circleci => "circleci",
            CiSystem::Local => "local",
        }
    }
}

/// What the provenance says about the build's origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiContext {
    pub system: CiSystem,
    /// `https://github.com/acme/api`.
    pub repository: Option<String>,
    pub commit: Option<String>,
    /// `refs/tags/v1.2.3` or `refs/heads/main`.
    pub git_ref: Option<String>,
    /// The workflow / pipeline file, relative to the repository root.
    pub workflow: Option<String>,
    pub run_id: Option<String>,
    /// A URL naming this run (SLSA `invocationId`).
    pub invocation: Option<String>,
    /// SLSA `builder.id`.
    pub builder: String,
    /// The CI login that triggered the build (the change's author for the
    /// approval check, unless `--author` says otherwise).
    pub actor: Option<String>,
}

fn branch_or_tag(tag: Option<String>, branch: Option<String>) -> Option<String> {
    match (tag, branch) {
        (Some(t), _) if !t.is_empty() => Some(format!("refs/tags/{t}")),
        (_, Some(b)) if !b.is_empty() => Some(format!("refs/heads/{b}")),
        _ => None,
    }
}

impl CiContext {
    /// Reads the context through `var` (the process environment in the CLI,
    /// a map in tests).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> CiContext {
        let v = |k: &str| var(k).filter(|s| !s.is_empty());
        if v("GITHUB_ACTIONS").as_deref() == Some("true") {
            let server = v("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
            let repo = v("GITHUB_REPOSITORY");
            // GITHUB_WORKFLOW_REF: `owner/repo/.github/workflows/release.yml@refs/tags/v1`.
            let workflow = v("GITHUB_WORKFLOW_REF").and_then(|w| {
                let path = w.split('@').next()?.to_owned();
                let prefix = format!("{}/", repo.as_deref()?);
                Some(path.strip_prefix(&prefix).unwrap_or(&path).to_owned())
            });
            let run = v("GITHUB_RUN_ID");
            let invocation = match (&repo, &run) {
                (Some(r), Some(id)) => Some(format!(
                    "{server}/{r}/actions/runs/{id}/attempts/{}",
                    v("GITHUB_RUN_ATTEMPT").unwrap_or_else(|| "1".into())
                )),
                _ => None,
            };
            let hosted = v("RUNNER_ENVIRONMENT").as_deref() != Some("self-hosted");
            return CiContext {
                system: CiSystem::GithubActions,
                repository: repo.as_ref().map(|r| format!("{server}/{r}")),
                commit: v("GITHUB_SHA"),
                git_ref: v("GITHUB_REF"),
                workflow,
                run_id: run,
                invocation,
                builder: if hosted {
                    "https://github.com/actions/runner/github-hosted".into()
                } else {
                    "https://github.com/actions/runner/self-hosted".into()
                },
                actor: v("GITHUB_ACTOR"),
            };
        }
        if v("GITLAB_CI").as_deref() == Some("true") {
            let server = v("CI_SERVER_URL").unwrap_or_else(|| "https://gitlab.com".into());
            return CiContext {
                system: CiSystem::GitlabCi,
                repository: v("CI_PROJECT_URL")
                    .or_else(|| v("CI_PROJECT_PATH").map(|p| format!("{server}/{p}"))),
                commit: v("CI_COMMIT_SHA"),
                git_ref: branch_or_tag(v("CI_COMMIT_TAG"), v("CI_COMMIT_BRANCH")),
                workflow: Some(v("CI_CONFIG_PATH").unwrap_or_else(|| ".gitlab-ci.yml".into())),
                run_id: v("CI_PIPELINE_ID"),
                invocation: v("CI_JOB_URL"),
                builder: format!(
                    "{server}/-/runners/{}",
                    v("CI_RUNNER_ID").unwrap_or_else(|| "unknown".into())
                ),
                actor: v("GITLAB_USER_LOGIN"),
            };
        }
        if v("CIRCLECI").as_deref() == Some("true") {
            let repo = match (v("CIRCLE_PROJECT_USERNAME"), v("CIRCLE_PROJECT_REPONAME")) {
                (Some(u), Some(r)) => v("CIRCLE_REPOSITORY_URL").or(Some(format!("{u}/{r}"))),
                _ => v("CIRCLE_REPOSITORY_URL"),
            };
            return CiContext {
                system: CiSystem::Circleci,
                repository: repo,
                commit: v("CIRCLE_SHA1"),
                git_ref: branch_or_tag(v("CIRCLE_TAG"), v("CIRCLE_BRANCH")),
                workflow: Some(".circleci/config.yml".into()),
                run_id: v("CIRCLE_WORKFLOW_ID"),
                invocation: v("CIRCLE_BUILD_URL"),
                builder: "https://circleci.com/runner".into(),
                actor: v("CIRCLE_USERNAME"),
            };
        }
        CiContext {
            system: CiSystem::Local,
            repository: None,
            commit: None,
            git_ref: None,
            workflow: None,
            run_id: None,
            invocation: None,
            builder: "envguard-local".into(),
            actor: None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::HashMap;

    fn ctx(vars: &[(&str, &str)]) -> CiContext {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        CiContext::from_env(|k| m.get(k).cloned())
    }

    #[test]
    fn github_actions_tag_build() {
        let c = ctx(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "acme/api"),
            ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
            ("GITHUB_REF", "refs/tags/v1.4.0"),
            (
                "GITHUB_WORKFLOW_REF",
                "acme/api/.github/workflows/release.yml@refs/tags/v1.4.0",
            ),
            ("GITHUB_RUN_ID", "9001"),
            ("GITHUB_ACTOR", "alice"),
        ]);
        assert_eq!(c.system, CiSystem::GithubActions);
        assert_eq!(c.repository.as_deref(), Some("https://github.com/acme/api"));
        assert_eq!(c.workflow.as_deref(), Some(".github/workflows/release.yml"));
        assert_eq!(
            c.invocation.as_deref(),
            Some("https://github.com/acme/api/actions/runs/9001/attempts/1")
        );
        assert_eq!(c.actor.as_deref(), Some("alice"));
    }

    #[test]
    fn gitlab_branch_and_circleci_tag() {
        let g = ctx(&[
            ("GITLAB_CI", "true"),
            ("CI_PROJECT_PATH", "acme/api"),
            ("CI_COMMIT_BRANCH", "main"),
            ("CI_COMMIT_SHA", "abc"),
        ]);
        assert_eq!(g.git_ref.as_deref(), Some("refs/heads/main"));
        assert_eq!(g.repository.as_deref(), Some("https://gitlab.com/acme/api"));
        assert_eq!(g.workflow.as_deref(), Some(".gitlab-ci.yml"));
        let c = ctx(&[
            ("CIRCLECI", "true"),
            ("CIRCLE_TAG", "v2.0.0"),
            ("CIRCLE_BRANCH", ""),
        ]);
        assert_eq!(c.git_ref.as_deref(), Some("refs/tags/v2.0.0"));
        assert_eq!(ctx(&[]).system, CiSystem::Local);
    }
}
