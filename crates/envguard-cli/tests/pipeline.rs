//! End-to-end tests of the CI/CD pipeline rules: the real `envguard check` on
//! temporary repositories laid out as real ones are.

#![allow(clippy::unwrap_used)]

mod common;

use common::envguard;
use serde_json::Value;
use std::path::Path;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// `envguard check --format json` on `dir`: (exit code, findings as
/// "severity rule_id path:line message").
fn check(dir: &Path, extra: &[&str]) -> (Option<i32>, Vec<Value>) {
    let mut args = vec!["check", ".", "--format", "json"];
    args.extend_from_slice(extra);
    let out = envguard(&args, dir);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (
        out.status.code(),
        report["findings"].as_array().unwrap().clone(),
    )
}

fn summary(findings: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["severity"].as_str().unwrap(),
                f["rule_id"].as_str().unwrap(),
                f["location"]["path"].as_str().unwrap()
            )
        })
        .collect();
    v.sort();
    v
}

/// The repository's CI: tests on every push to main and on pull requests.
const CI_YML: &str = "name: CI
on:
  push:
    branches: [main]
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm ci
      - run: npm test
";

/// A release workflow as the GitHub docs write it: a version tag, then the
/// deploy in the `production` environment. Its tests live in ci.yml.
fn release_yml(on: &str) -> String {
    format!(
        "name: Release
on:
{on}
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment:
      name: production
      url: https://app.example.com
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: eu-west-1
      - run: aws ecs update-service --cluster app --service web --force-new-deployment
"
    )
}

#[test]
fn tag_release_with_environment_and_tests_in_ci_gets_notes_only() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".github/workflows/ci.yml", CI_YML);
    write(
        dir.path(),
        ".github/workflows/release.yml",
        &release_yml("  push:\n    tags: ['v*']\n"),
    );
    let (code, findings) = check(dir.path(), &[]);
    assert_eq!(code, Some(0), "{findings:#?}");
    assert_eq!(
        summary(&findings),
        vec!["note R05.prod-deploy-ungated .github/workflows/release.yml"]
    );
    let msg = findings[0]["message"].as_str().unwrap();
    assert!(msg.contains("--ci-settings"), "{msg}");
}

#[test]
fn tag_release_without_reviewers_in_settings_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".github/workflows/ci.yml", CI_YML);
    write(
        dir.path(),
        ".github/workflows/release.yml",
        &release_yml("  push:\n    tags: ['v*']\n"),
    );
    write(
        dir.path(),
        "github-environments.json",
        r#"{"total_count":1,"environments":[{"id":1,"name":"production","protection_rules":[],"deployment_branch_policy":null}]}"#,
    );
    let (code, findings) = check(dir.path(), &["--ci-settings", "github-environments.json"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        summary(&findings),
        vec!["error R05.prod-deploy-ungated .github/workflows/release.yml"]
    );
    assert!(findings[0]["message"]
        .as_str()
        .unwrap()
        .contains("requires no reviewer"));
}

#[test]
fn the_same_release_workflow_on_a_main_push_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".github/workflows/ci.yml", CI_YML);
    write(
        dir.path(),
        ".github/workflows/release.yml",
        &release_yml("  push:\n    branches: [main]\n"),
    );
    let (code, findings) = check(dir.path(), &[]);
    assert_eq!(code, Some(1));
    let got = summary(&findings);
    assert!(
        got.contains(&"error R05.main-to-prod .github/workflows/release.yml".to_owned()),
        "{got:#?}"
    );
    // ci.yml's tests run beside this deploy, not before it.
    assert!(
        got.contains(&"warning R05.no-gate-on-failure .github/workflows/release.yml".to_owned()),
        "{got:#?}"
    );
}

#[test]
fn a_tag_release_in_a_repository_without_tests_on_main_gets_the_test_warning() {
    let dir = tempfile::tempdir().unwrap();
    // ci.yml tests pull requests only: nothing vets the commits on main.
    write(
        dir.path(),
        ".github/workflows/ci.yml",
        &CI_YML.replace("  push:\n    branches: [main]\n", ""),
    );
    write(
        dir.path(),
        ".github/workflows/release.yml",
        &release_yml("  push:\n    tags: ['v*']\n"),
    );
    let (_, findings) = check(dir.path(), &[]);
    assert_eq!(
        summary(&findings),
        vec![
            "note R05.prod-deploy-ungated .github/workflows/release.yml",
            "warning R05.no-gate-on-failure .github/workflows/release.yml"
        ]
    );
}

#[test]
fn a_deploy_on_a_release_branch_push_is_reported_by_main_to_prod() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".github/workflows/ci.yml", CI_YML);
    write(
        dir.path(),
        ".github/workflows/release.yml",
        &release_yml("  push:\n    branches: ['release/**']\n"),
    );
    let (_, findings) = check(dir.path(), &[]);
    let f = findings
        .iter()
        .find(|f| f["rule_id"] == "R05.main-to-prod")
        .unwrap_or_else(|| panic!("{findings:#?}"));
    assert_eq!(f["severity"], "error");
    assert!(f["message"].as_str().unwrap().contains("release/**"));
}

/// Issue 20: a workflow-level `env:` with production secrets in a pull request
/// workflow was one finding per job and secret; it is one finding at the `env:`.
const PR_WORKFLOW: &str = "name: PR checks
on:
  pull_request:
    branches: [main]
env:
  DATABASE_URL: ${{ secrets.PROD_DATABASE_URL }}
  STRIPE_KEY: ${{ secrets.STRIPE_SECRET_KEY_PROD }}
  SENTRY_DSN: ${{ secrets.PROD_SENTRY_DSN }}
  REDIS_URL: ${{ secrets.PRODUCTION_REDIS_URL }}
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm ci && npm run lint
  unit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm ci && npm test
  e2e:
    runs-on: ubuntu-latest
    env:
      PLAYWRIGHT_TOKEN: ${{ secrets.PROD_PLAYWRIGHT_TOKEN }}
      ADMIN_PASSWORD: ${{ secrets.PROD_ADMIN_PASSWORD }}
    steps:
      - uses: actions/checkout@v4
      - run: npx playwright test
";

#[test]
fn a_workflow_env_of_prod_secrets_is_one_finding_and_a_job_env_another() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".github/workflows/pr.yml", PR_WORKFLOW);
    let (code, findings) = check(dir.path(), &[]);
    assert_eq!(code, Some(1));
    let r01: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule_id"] == "R01.prod-secret-in-nonprod-job")
        .collect();
    assert_eq!(r01.len(), 2, "{r01:#?}");
    let wf = r01
        .iter()
        .find(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .contains("workflow-level env:")
        })
        .unwrap();
    let msg = wf["message"].as_str().unwrap();
    for name in [
        "PROD_DATABASE_URL",
        "STRIPE_SECRET_KEY_PROD",
        "PROD_SENTRY_DSN",
        "PRODUCTION_REDIS_URL",
        "`lint`",
        "`unit`",
        "`e2e`",
    ] {
        assert!(msg.contains(name), "{name} missing from {msg}");
    }
    assert_eq!(wf["location"]["region"]["start_line"], 6, "{wf:#?}");
    // Three more secrets and three jobs as related locations.
    assert_eq!(wf["related"].as_array().unwrap().len(), 6, "{wf:#?}");
    let job = r01.iter().find(|f| *f != wf).unwrap();
    let msg = job["message"].as_str().unwrap();
    assert!(
        msg.contains("`e2e`") && msg.contains("PROD_PLAYWRIGHT_TOKEN, PROD_ADMIN_PASSWORD"),
        "{msg}"
    );
}

#[test]
fn the_same_secrets_in_a_tag_release_workflow_are_quiet() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".github/workflows/pr.yml",
        &PR_WORKFLOW.replace(
            "  pull_request:\n    branches: [main]\n",
            "  push:\n    tags: ['v*']\n",
        ),
    );
    let (_, findings) = check(dir.path(), &[]);
    assert!(
        findings
            .iter()
            .all(|f| f["rule_id"] != "R01.prod-secret-in-nonprod-job"),
        "{findings:#?}"
    );
}

/// A reusable deploy workflow of the repository, as teams write them.
const DEPLOY_YML: &str = "name: Deploy
on:
  workflow_call:
    inputs:
      environment:
        required: true
        type: string
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: ${{ inputs.environment }}
    steps:
      - uses: actions/checkout@v4
      - run: ./scripts/deploy.sh ${{ inputs.environment }}
";

fn caller(needs: &str) -> String {
    format!(
        "name: Release
on:
  push:
    tags: ['v*']
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm ci && npm test
  production:
{needs}    uses: ./.github/workflows/deploy.yml
    with:
      environment: production
    secrets: inherit
"
    )
}

#[test]
fn a_local_reusable_workflow_is_judged_as_jobs_of_its_caller() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".github/workflows/deploy.yml", DEPLOY_YML);
    write(dir.path(), ".github/workflows/release.yml", &caller(""));
    let (_, findings) = check(dir.path(), &[]);
    let gate = findings
        .iter()
        .find(|f| f["rule_id"] == "R05.no-gate-on-failure")
        .unwrap_or_else(|| panic!("{findings:#?}"));
    assert_eq!(gate["severity"], "error");
    assert_eq!(gate["location"]["path"], ".github/workflows/release.yml");
    assert!(
        gate["message"]
            .as_str()
            .unwrap()
            .contains("`production/deploy`"),
        "{gate:#?}"
    );
    // The environment comes from the caller's `with:`: a note, not an error.
    let ungated = findings
        .iter()
        .find(|f| f["rule_id"] == "R05.prod-deploy-ungated")
        .unwrap();
    assert_eq!(ungated["severity"], "note");

    // Waiting for the tests: quiet.
    write(
        dir.path(),
        ".github/workflows/release.yml",
        &caller("    needs: [build]\n"),
    );
    let (_, findings) = check(dir.path(), &[]);
    assert!(
        findings
            .iter()
            .all(|f| f["rule_id"] != "R05.no-gate-on-failure"),
        "{findings:#?}"
    );
}

#[test]
fn a_remote_reusable_workflow_gate_is_a_note() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".github/workflows/release.yml",
        &caller("    needs: [build]\n").replace(
            "./.github/workflows/deploy.yml",
            "acme/platform-workflows/.github/workflows/deploy.yml@v3",
        ),
    );
    let (code, findings) = check(dir.path(), &[]);
    assert_eq!(code, Some(0), "{findings:#?}");
    assert_eq!(
        summary(&findings),
        vec!["note R05.prod-deploy-ungated .github/workflows/release.yml"]
    );
    assert!(findings[0]["message"]
        .as_str()
        .unwrap()
        .contains("acme/platform-workflows"));
}

/// A CircleCI job that runs a repository script choosing production from the
/// branch (the pattern issue 20 met in real repositories).
const CIRCLE: &str = "version: 2.1
jobs:
  test:
    docker: [{ image: cimg/node:20.11 }]
    steps:
      - checkout
      - run: npm ci && npm test
  deploy:
    docker: [{ image: cimg/base:2024.01 }]
    steps:
      - checkout
      - run: ./bin/deploy-app
workflows:
  main:
    jobs:
      - test
      - deploy:
          requires: [test]
";

const DEPLOY_APP: &str = "#!/usr/bin/env bash
set -euo pipefail
if [ \"$CIRCLE_BRANCH\" = \"master\" ]; then
  ENV=production
else
  ENV=staging
fi
echo \"deploying to $ENV\"
kubectl apply -k \"k8s/overlays/$ENV\"
";

#[test]
fn a_repository_script_that_picks_production_from_the_branch_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".circleci/config.yml", CIRCLE);
    write(dir.path(), "bin/deploy-app", DEPLOY_APP);
    let (_, findings) = check(dir.path(), &[]);
    let got = summary(&findings);
    assert!(
        got.contains(&"error R05.main-to-prod .circleci/config.yml".to_owned()),
        "{got:#?}"
    );
    let f = findings
        .iter()
        .find(|f| f["rule_id"] == "R05.prod-deploy-ungated")
        .unwrap();
    assert!(
        f["message"].as_str().unwrap().contains("bin/deploy-app"),
        "{f:#?}"
    );
    // The same script that only plans: no deploy, nothing to report.
    write(
        dir.path(),
        "bin/deploy-app",
        &DEPLOY_APP.replace(
            "kubectl apply -k \"k8s/overlays/$ENV\"",
            "kubectl diff -k \"k8s/overlays/$ENV\"",
        ),
    );
    let (_, findings) = check(dir.path(), &[]);
    assert!(
        findings
            .iter()
            .all(|f| !f["rule_id"].as_str().unwrap().starts_with("R05.")),
        "{findings:#?}"
    );
}

/// A matrix over environments is one deploy per value: the staging run can
/// read the production secret the job binds for every value.
fn matrix_deploy(environments: &str) -> String {
    format!(
        "name: Deploy
on:
  push:
    tags: ['v*']
jobs:
  deploy:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        environment: {environments}
    environment: ${{{{ matrix.environment }}}}
    env:
      DATABASE_URL: ${{{{ secrets.PROD_DATABASE_URL }}}}
    steps:
      - uses: actions/checkout@v4
      - run: ./scripts/deploy.sh ${{{{ matrix.environment }}}}
"
    )
}

#[test]
fn a_matrix_staging_run_reading_a_prod_secret_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".github/workflows/deploy.yml",
        &matrix_deploy("[staging, production]"),
    );
    let (_, findings) = check(dir.path(), &[]);
    let r01: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule_id"] == "R01.prod-secret-in-nonprod-job")
        .collect();
    assert_eq!(r01.len(), 1, "{findings:#?}");
    assert!(r01[0]["message"]
        .as_str()
        .unwrap()
        .contains("deploys to staging"));
    // The production-only matrix: the secret is where it belongs.
    write(
        dir.path(),
        ".github/workflows/deploy.yml",
        &matrix_deploy("[production]"),
    );
    let (_, findings) = check(dir.path(), &[]);
    assert!(
        findings
            .iter()
            .all(|f| f["rule_id"] != "R01.prod-secret-in-nonprod-job"),
        "{findings:#?}"
    );
}

/// Found on a real repository (trials): workflows an operator runs by hand
/// (or a schedule runs) to restart or switch a service in each environment,
/// through the environment's protection. Nothing pushed flows through them:
/// the missing test job is a note. The same job on a push to main still deploys
/// untested changes: a warning.
#[test]
fn an_operation_run_by_hand_through_its_environment_is_a_note() {
    let restart = "name: restart egress proxy
on:
  workflow_dispatch:
  schedule:
    - cron: \"0 3 * * *\"
permissions:
  contents: read
jobs:
  restart-egress:
    strategy:
      matrix:
        environ: [development, staging, prod]
    name: restart egress (${{matrix.environ}})
    environment: ${{matrix.environ}}
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: cf restart
        run: cf restart egress-proxy
        env:
          CF_SPACE: ${{matrix.environ}}
";
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".github/workflows/restart-egress.yml", restart);
    let (_, findings) = check(dir.path(), &[]);
    let got = summary(&findings);
    assert!(
        got.contains(
            &"note R05.no-gate-on-failure .github/workflows/restart-egress.yml".to_owned()
        ),
        "{got:#?}"
    );
    assert!(
        !got.iter()
            .any(|f| f.starts_with("warning R05.no-gate-on-failure")),
        "{got:#?}"
    );

    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".github/workflows/restart-egress.yml",
        &restart.replace(
            "  workflow_dispatch:\n",
            "  workflow_dispatch:\n  push:\n    branches: [main]\n",
        ),
    );
    let (_, findings) = check(dir.path(), &[]);
    let got = summary(&findings);
    assert!(
        got.contains(
            &"warning R05.no-gate-on-failure .github/workflows/restart-egress.yml".to_owned()
        ),
        "{got:#?}"
    );
}
