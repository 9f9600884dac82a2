//! `--ci-settings FILE`: the JSON that `gh api repos/OWNER/REPO/environments`
//! returns, so envguard can tell whether an `environment: production` is really
//! protected (required reviewers) and which refs may deploy to it.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct SettingsError {
    pub line: usize,
    pub message: String,
}

#[derive(Deserialize)]
struct RawSettings {
    #[serde(default)]
    environments: Vec<RawEnv>,
}

#[derive(Deserialize)]
struct RawEnv {
    name: String,
    #[serde(default)]
    protection_rules: Vec<RawRule>,
    #[serde(default)]
    deployment_branch_policy: Option<RawBranchPolicy>,
}

#[derive(Deserialize)]
struct RawRule {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    reviewers: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawBranchPolicy {
    #[serde(default)]
    protected_branches: bool,
    #[serde(default)]
    custom_branch_policies: bool,
}

/// What the settings say about one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvProtection {
    pub name: String,
    /// A `required_reviewers` rule with at least one reviewer.
    pub required_reviewers: bool,
    /// A deployment branch policy exists: only protected or listed branches (or
    /// tags) may deploy, so pull request refs cannot.
    pub branch_policy: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CiSettings {
    pub environments: Vec<EnvProtection>,
}

impl CiSettings {
    pub fn parse(text: &str) -> Result<CiSettings, SettingsError> {
        let raw: RawSettings = serde_json::from_str(text).map_err(|e| SettingsError {
            line: e.line(),
            message: e.to_string(),
        })?;
        Ok(CiSettings {
            environments: raw
                .environments
                .into_iter()
                .map(|e| EnvProtection {
                    required_reviewers: e
                        .protection_rules
                        .iter()
                        .any(|r| r.kind == "required_reviewers" && !r.reviewers.is_empty()),
                    branch_policy: e
                        .deployment_branch_policy
                        .is_some_and(|p| p.protected_branches || p.custom_branch_policies),
                    name: e.name,
                })
                .collect(),
        })
    }

    pub fn environment(&self, name: &str) -> Option<&EnvProtection> {
        self.environments
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_github_environments_api() {
        let text = r#"{"total_count":2,"environments":[
          {"id":1,"name":"production","protection_rules":[{"id":3,"type":"required_reviewers","prevent_self_review":true,"reviewers":[{"type":"Team","reviewer":{"id":1}}]},{"id":4,"type":"branch_policy"}],
           "deployment_branch_policy":{"protected_branches":false,"custom_branch_policies":true}},
          {"id":2,"name":"staging","protection_rules":[],"deployment_branch_policy":null}]}"#;
        let s = CiSettings::parse(text).unwrap();
        let p = s.environment("Production").unwrap();
        assert!(p.required_reviewers && p.branch_policy);
        let st = s.environment("staging").unwrap();
        assert!(!st.required_reviewers && !st.branch_policy);
        assert_eq!(
            CiSettings::parse("{\"environments\": 3}").unwrap_err().line,
            1
        );
    }
}
