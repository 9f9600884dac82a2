//! Zero-config inference: an environment from conventional names in a path.
//!
//! Written by hand because the knowledge *is* envguard's: which folder and file
//! names mean an environment in Terraform, Terragrunt, Kubernetes, Helm, dotenv,
//! Spring and friends, and which only look like one (`integration-hub`, `tests/`).

use crate::tier::Tier;

/// An environment inferred from a path, with the segment that gave it away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InferredEnv {
    /// Canonical name: `dev`, `local`, `test`, `qa`, `uat`, `staging`, `preprod`,
    /// `integration`, `sandbox`, `prod`.
    pub name: &'static str,
    pub tier: Tier,
    /// The path segment (folder or file name) that named it.
    pub evidence: String,
}

/// Canonical environment name and tier of an alias.
pub(crate) fn canonical(alias: &str) -> Option<(&'static str, Tier)> {
    let a = alias.to_ascii_lowercase();
    Some(match a.as_str() {
        "dev" | "develop" | "development" => ("dev", Tier::Dev),
        "local" => ("local", Tier::Dev),
        "sandbox" => ("sandbox", Tier::Dev),
        "test" | "testing" => ("test", Tier::Test),
        "qa" => ("qa", Tier::Test),
        "uat" => ("uat", Tier::Test),
        "integration" | "int" => ("integration", Tier::Test),
        "staging" | "stage" | "stg" => ("staging", Tier::Test),
        "preprod" | "pre-prod" | "pre-production" | "preproduction" => ("preprod", Tier::Test),
        "prod" | "production" | "prd" | "live" => ("prod", Tier::Prod),
        _ => return None,
    })
}

/// Aliases that are also ordinary words in code trees: a folder with such a name
/// counts only directly under a folder that holds environments (`envs/test/`,
/// `overlays/local/`), never on its own (`src/test/`, `live/` in a Terragrunt tree).
fn is_weak_dir_alias(a: &str) -> bool {
    matches!(
        a,
        "test" | "tests" | "testing" | "local" | "live" | "int" | "integration" | "sandbox"
    )
}

/// Folders that conventionally hold one folder per environment.
fn is_env_container(dir: &str) -> bool {
    matches!(
        dir.to_ascii_lowercase().as_str(),
        "env"
            | "envs"
            | "environment"
            | "environments"
            | "overlays"
            | "deploy"
            | "deployments"
            | "deployment"
            | "stages"
            | "stage"
            | "clusters"
            | "accounts"
            | "config"
            | "configs"
            | "settings"
            | "values"
            | "k8s"
            | "kubernetes"
            | "helm"
            | "terraform"
            | "infra"
            | "infrastructure"
            | "workspaces"
            | "tfvars"
            | "vars"
            | "inventories"
            | "inventory"
    )
}

/// File extensions whose file names may carry an environment (`values-prod.yaml`,
/// `prod.tfvars`, `application-staging.properties`, `certs/prod.key`). Source code
/// is excluded: `test_utils.py` is not the test environment.
fn is_config_ext(ext: &str) -> bool {
    matches!(
        ext.to_ascii_lowercase().as_str(),
        "yaml"
            | "yml"
            | "json"
            | "jsonc"
            | "json5"
            | "toml"
            | "tf"
            | "tfvars"
            | "hcl"
            | "env"
            | "properties"
            | "conf"
            | "cfg"
            | "ini"
            | "config"
            | "key"
            | "pem"
            | "crt"
            | "p12"
            | "pfx"
            | "jks"
            | "xml"
            | "tpl"
            | "j2"
    )
}

/// Infers the environment a path belongs to, from conventional names.
///
/// `path` is relative to the scanned root, `/`-separated. Folders are tried from
/// the outside in (the outermost strong alias wins: `envs/prod/x/dev-notes/` is
/// prod), then the file name.
pub fn infer_environment(path: &str) -> Option<InferredEnv> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (file, dirs) = segments.split_last()?;
    for (i, dir) in dirs.iter().enumerate() {
        let lower = dir.to_ascii_lowercase();
        let Some((name, tier)) = canonical(&lower) else {
            continue;
        };
        if is_weak_dir_alias(&lower) {
            let parent_is_container = i > 0 && is_env_container(dirs[i - 1]);
            if !parent_is_container {
                continue;
            }
        }
        return Some(InferredEnv {
            name,
            tier,
            evidence: (*dir).to_owned(),
        });
    }
    infer_from_file_name(file)
}

fn infer_from_file_name(file: &str) -> Option<InferredEnv> {
    let lower = file.to_ascii_lowercase();
    // `.env.production`, `.env.staging.local`, `prod.env`, `.envrc.prod`
    let is_dotenv = lower.starts_with(".env") || lower.ends_with(".env");
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if !is_dotenv && !is_config_ext(ext) {
        return None;
    }
    // The extension itself is never the environment (`x.env` is dotenv, not dev).
    let stem = match lower.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() && !is_dotenv => stem,
        _ => lower.as_str(),
    };
    for token in stem.split(['.', '-', '_']).filter(|t| !t.is_empty()) {
        // `.env.example` / `.env.sample` / `.env.template` are templates, never an environment.
        if matches!(token, "example" | "sample" | "template" | "dist" | "tmpl") {
            return None;
        }
    }
    for token in stem.split(['.', '-', '_']).filter(|t| !t.is_empty()) {
        if token == "env" {
            continue;
        }
        if let Some((name, tier)) = canonical(token) {
            // `live` in a file name is too ambiguous (`liveness.yaml` aside, `live-reload.json`).
            if token == "live" {
                continue;
            }
            return Some(InferredEnv {
                name,
                tier,
                evidence: file.to_owned(),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(p: &str) -> Option<&'static str> {
        infer_environment(p).map(|e| e.name)
    }

    #[test]
    fn folders() {
        assert_eq!(env("envs/prod/app/.env"), Some("prod"));
        assert_eq!(env("environments/staging/main.tf"), Some("staging"));
        assert_eq!(env("k8s/overlays/dev/kustomization.yaml"), Some("dev"));
        assert_eq!(
            env("live/production/us-east-1/app/terragrunt.hcl"),
            Some("prod")
        );
        assert_eq!(
            env("non-prod/us-east-1/qa/mysql/terragrunt.hcl"),
            Some("qa")
        );
        assert_eq!(env("deploy/preprod/values.yaml"), Some("preprod"));
        assert_eq!(env("envs/test/app.env"), Some("test"));
    }

    #[test]
    fn weak_folder_names_need_an_environment_parent() {
        assert_eq!(env("src/test/resources/application.yaml"), None);
        assert_eq!(env("tests/fixtures/config.json"), None);
        assert_eq!(env("live/terragrunt.hcl"), None);
        assert_eq!(env("integration-hub/main.tf"), None);
        assert_eq!(env("app/integration/main.tf"), None);
        assert_eq!(env("overlays/local/patch.yaml"), Some("local"));
    }

    #[test]
    fn file_names() {
        assert_eq!(env(".env.production"), Some("prod"));
        assert_eq!(env("app/.env.staging"), Some("staging"));
        assert_eq!(env("charts/api/values-prod.yaml"), Some("prod"));
        assert_eq!(env("terraform/prod.tfvars"), Some("prod"));
        assert_eq!(env("config/production.json"), Some("prod"));
        assert_eq!(
            env("src/main/resources/application-uat.properties"),
            Some("uat")
        );
        assert_eq!(env("docker-compose.dev.yml"), Some("dev"));
        assert_eq!(env("certs/prod.key"), Some("prod"));
        assert_eq!(env("appsettings.Development.json"), Some("dev"));
    }

    #[test]
    fn look_alikes_are_not_environments() {
        assert_eq!(env(".env"), None);
        assert_eq!(env(".env.example"), None);
        assert_eq!(env(".env.production.example"), None);
        assert_eq!(env("src/prod_utils.py"), None);
        assert_eq!(env("src/test_config.py"), None);
        assert_eq!(env("liveness.yaml"), None);
        assert_eq!(env("docs/production.md"), None);
        assert_eq!(env("products/devices.json"), None);
    }
}
