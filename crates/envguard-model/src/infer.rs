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
    /// `integration`, `sandbox`, `prod`, or `nonprod` (a non-production folder
    /// under an environment container, which [`canonical`] does not know).
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

/// Conventional names that are also ordinary words (a `live` Terragrunt tree,
/// a `local` variable, `stage = "test"` of a pipeline): content that names
/// one of them attributes a file only when `envguard.toml` declares it.
pub fn is_weak_name(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "live"
            | "local"
            | "test"
            | "testing"
            | "stage"
            | "integration"
            | "int"
            | "sandbox"
            | "develop"
    )
}

/// "Not production" written as one folder name (`nonprod`, `non-prod`,
/// `nonproduction`): a tier of its own in some trees (`envs/nonproduction/`
/// of terraform-example-foundation), a component shared by several
/// non-production environments in others (`variants/non-prod/`). It is never
/// prod, and is an environment (`nonprod`, test tier) only directly under a
/// folder that holds environments.
fn is_nonprod_name(a: &str) -> bool {
    matches!(
        a,
        "nonprod" | "non-prod" | "non_prod" | "nonproduction" | "non-production" | "non_production"
    )
}

/// Folders that conventionally hold one folder per environment.
pub(crate) fn is_env_container(dir: &str) -> bool {
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
    // Documentation and test fixtures describe environments, they are not one.
    if dirs.iter().any(|d| is_docs_dir(d) || is_fixture_dir(d)) {
        return None;
    }
    // A non-production folder (`envs/nonprod/`) names the environment unless
    // a folder inside it names a more precise one (`envs/non-prod/qa/`).
    let mut nonprod: Option<usize> = None;
    for (i, dir) in dirs.iter().enumerate() {
        let lower = dir.to_ascii_lowercase();
        let parent_is_container =
            i > 0 && (is_env_container(dirs[i - 1]) || nonprod == Some(i - 1));
        if is_nonprod_name(&lower) {
            if parent_is_container && nonprod.is_none() {
                nonprod = Some(i);
            }
            continue;
        }
        let Some((name, tier)) = canonical(&lower) else {
            continue;
        };
        if is_weak_dir_alias(&lower) && !parent_is_container {
            continue;
        }
        return Some(InferredEnv {
            name,
            tier,
            evidence: (*dir).to_owned(),
        });
    }
    if let Some(i) = nonprod {
        return Some(InferredEnv {
            name: "nonprod",
            tier: Tier::Test,
            evidence: dirs[i].to_owned(),
        });
    }
    // CI definitions (`.github/workflows/test.yml`) and Terraform modules
    // (`local.tf`) are named for what they do, not where they run.
    let lower_path = path.to_ascii_lowercase();
    if lower_path.starts_with(".github/")
        || lower_path.contains("/.github/")
        || lower_path.starts_with(".gitlab")
        || lower_path.contains(".circleci/")
        || lower_path.ends_with(".gitlab-ci.yml")
        || lower_path.ends_with(".tf")
    {
        return None;
    }
    infer_from_file_name(file)
}

fn is_docs_dir(d: &str) -> bool {
    matches!(
        d.to_ascii_lowercase().as_str(),
        "docs" | "doc" | "documentation"
    )
}

fn is_fixture_dir(d: &str) -> bool {
    matches!(
        d.to_ascii_lowercase().as_str(),
        "testdata"
            | "test-data"
            | "test_data"
            | "fixtures"
            | "fixture"
            | "__fixtures__"
            | "__tests__"
            | "__mocks__"
            | "mocks"
            | "testfixtures"
            | "test-fixtures"
            | "snapshots"
            | "__snapshots__"
    )
}

/// A path that holds tests or test fixtures (`tests/`, `testdata/`,
/// `*_test.go`, `*.spec.ts`, `alerts_test.yaml`, `rules_tests.yml`): secrets
/// there are usually fakes, so rules may report them at a lower severity, and
/// the environments their content names are not theirs.
/// A test's own file or fixture: [`is_test_path`] without the bare `test/`
/// and `tests/` folders, which are also where a `test` environment lives
/// (`envs/test/`). What such a file names (hosts, tags, networks) is test data,
/// not an environment's configuration.
pub fn is_test_fixture(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let segments: Vec<&str> = lower.split('/').collect();
    let Some((_, dirs)) = segments.split_last() else {
        return false;
    };
    // The file name alone, read as a path of no folders.
    dirs.iter()
        .any(|d| is_fixture_dir(d) || matches!(*d, "spec" | "specs" | "e2e"))
        || is_test_path(segments.last().copied().unwrap_or(""))
}

pub fn is_test_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let segments: Vec<&str> = lower.split('/').collect();
    let Some((file, dirs)) = segments.split_last() else {
        return false;
    };
    dirs.iter()
        .any(|d| is_fixture_dir(d) || matches!(*d, "test" | "tests" | "spec" | "specs" | "e2e"))
        || file.ends_with("_test.go")
        || file
            .rsplit_once('.')
            .is_some_and(|(stem, _)| stem.ends_with("_test") || stem.ends_with("_tests"))
        || file.contains(".test.")
        || file.contains(".spec.")
        || file.starts_with("test_")
        || file.ends_with("_test.py")
        || file.ends_with("test.java")
        || file.ends_with("tests.cs")
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
    let tokens: Vec<&str> = stem
        .split(['.', '-', '_'])
        .filter(|t| !t.is_empty())
        .collect();
    // Weak aliases (`test`, `local`, `integration`, …) are ordinary words in file
    // names (`ipwhitelist-test-call.yaml`, `slack-integration.json`): they count
    // in dotenv names, alone (`config/test.json`), or after a config prefix
    // (`application-test.properties`, `values-local.yaml`).
    let config_prefix = tokens.first().is_some_and(|t| {
        matches!(
            *t,
            "application"
                | "values"
                | "appsettings"
                | "config"
                | "settings"
                | "docker"
                | "compose"
                | "env"
                | "secrets"
                | "terraform"
                | "vars"
                | "parameters"
                | "params"
        )
    });
    let is_prod_word = |t: &str| matches!(t, "prod" | "production" | "prd");
    let mut skip_next = false;
    for (i, token) in tokens.iter().enumerate() {
        if std::mem::take(&mut skip_next) || *token == "env" {
            continue;
        }
        // `pre-prod`, `pre_production`: the preprod alias; `non-prod`,
        // `non-production`: not prod, and no environment in a file name.
        let next_is_prod = tokens.get(i + 1).is_some_and(|t| is_prod_word(t));
        if *token == "non" && next_is_prod {
            skip_next = true;
            continue;
        }
        let alias = if *token == "pre" && next_is_prod {
            skip_next = true;
            "preprod"
        } else {
            token
        };
        let Some((name, tier)) = canonical(alias) else {
            continue;
        };
        // `live` in a file name is too ambiguous (`liveness.yaml` aside, `live-reload.json`).
        if *token == "live" {
            continue;
        }
        let weak = is_weak_dir_alias(token) || *token == "int";
        if weak && !(is_dotenv || tokens.len() == 1 || (config_prefix && i > 0)) {
            continue;
        }
        return Some(InferredEnv {
            name,
            tier,
            evidence: file.to_owned(),
        });
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
        assert_eq!(env(".github/workflows/test.yml"), None);
        assert_eq!(env(".github/workflows/deploy-prod.yml"), None);
        assert_eq!(env("modules/app/local.tf"), None);
        assert_eq!(env("integration-hub.yml"), None);
        assert_eq!(env("k8s/ipwhitelist-test-call-manager.yaml"), None);
        assert_eq!(env("docs/development/setup.yaml"), None);
        assert_eq!(env("pkg/testdata/config/.env.prod"), None);
        assert_eq!(env("config/test.json"), Some("test"));
        assert_eq!(
            env("src/main/resources/application-test.properties"),
            Some("test")
        );
        assert_eq!(env(".env.local"), Some("local"));
    }

    #[test]
    fn pre_prod_and_non_prod_file_names() {
        // `pre-prod` is the preprod alias, written in two tokens.
        assert_eq!(env("pre-prod.yml"), Some("preprod"));
        assert_eq!(env("config/pre-production.yaml"), Some("preprod"));
        assert_eq!(env("values-pre_prod.yaml"), Some("preprod"));
        assert_eq!(env("preprod.yml"), Some("preprod"));
        assert_eq!(env("preproduction.json"), Some("preprod"));
        // "Not production" in a file name is no environment, and never prod.
        assert_eq!(env("non-prod.yml"), None);
        assert_eq!(env("nonprod.yml"), None);
        assert_eq!(env("non-production.yaml"), None);
        assert_eq!(env("nonproduction.yaml"), None);
        assert_eq!(env("values-non-prod.yaml"), None);
        assert_eq!(env(".env.non-prod"), None);
        assert_eq!(env("non-prod-staging.yml"), Some("staging"));
        let pre = infer_environment("pre-prod.yml").unwrap();
        assert_eq!(pre.tier, Tier::Test);
    }

    #[test]
    fn nonprod_folders_count_only_under_an_environment_container() {
        // terraform-example-foundation: three tiers under `envs/`.
        let e = infer_environment("envs/nonproduction/main.tf").unwrap();
        assert_eq!((e.name, e.tier), ("nonprod", Tier::Test));
        assert_eq!(e.evidence, "nonproduction");
        assert_eq!(env("envs/development/main.tf"), Some("dev"));
        assert_eq!(env("envs/production/main.tf"), Some("prod"));
        assert_eq!(env("environments/non-prod/values.yaml"), Some("nonprod"));
        assert_eq!(env("infra/nonprod/backend.tf"), Some("nonprod"));
        // A folder inside names a more precise environment.
        assert_eq!(env("envs/non-prod/qa/app.yaml"), Some("qa"));
        assert_eq!(env("envs/non-prod/test/app.yaml"), Some("test"));
        // gitops-environment-promotion: a component shared by qa and staging.
        assert_eq!(env("variants/non-prod/kustomization.yaml"), None);
        assert_eq!(env("variants/non-prod/settings.yml"), None);
        assert_eq!(env("variants/nonproduction/app.yaml"), None);
        assert_eq!(
            env("non-prod/us-east-1/qa/mysql/terragrunt.hcl"),
            Some("qa")
        );
    }

    #[test]
    fn test_fixtures_are_test_files_not_the_test_environment() {
        assert!(is_test_fixture(
            "charts/rules/production/backups_alerts_tests.yaml"
        ));
        assert!(is_test_fixture("pkg/testdata/prod.env"));
        assert!(is_test_fixture("tests/unit/config.test.json"));
        assert!(!is_test_fixture("envs/test/main.tf"));
        assert!(!is_test_fixture("environments/tests/values.yaml"));
        assert!(!is_test_fixture("envs/prod/main.tf"));
    }

    #[test]
    fn test_file_names_are_test_paths() {
        assert!(is_test_path("monitoring/alerts_test.yaml"));
        assert!(is_test_path("prometheus/rules_tests.yml"));
        assert!(is_test_path("pkg/conn_test.go"));
        assert!(!is_test_path("charts/values-test.yaml"));
        assert!(!is_test_path("config/latest.yaml"));
        assert!(!is_test_path("config/contest.yaml"));
        // The test environment is still the test environment.
        assert_eq!(env("envs/test/app.env"), Some("test"));
        assert_eq!(env("envs/test/alerts_test.yaml"), Some("test"));
    }

    #[test]
    fn weak_names() {
        for w in [
            "live", "LOCAL", "test", "stage", "develop", "int", "sandbox",
        ] {
            assert!(is_weak_name(w), "{w}");
        }
        for s in ["prod", "production", "staging", "dev", "qa", "preprod"] {
            assert!(!is_weak_name(s), "{s}");
        }
    }

    #[test]
    fn test_paths() {
        assert!(is_test_path("pkg/testdata/a.env"));
        assert!(is_test_path("src/auth/login.spec.ts"));
        assert!(is_test_path("internal/db/conn_test.go"));
        assert!(is_test_path("tests/fixtures/sample.env"));
        assert!(!is_test_path("src/app.py"));
        assert!(!is_test_path("envs/prod/.env"));
    }
}
