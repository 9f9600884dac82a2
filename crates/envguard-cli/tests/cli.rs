//! End-to-end tests: the real `envguard` binary on the bundled example and on
//! temporary trees.

#![allow(clippy::unwrap_used)]

mod common;

use common::{envguard, repo_root, stdout};
use serde_json::Value;
use std::path::Path;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const EXAMPLE: &str = "examples/acme-health";

/// Every secret value planted in the example, read back from its files, so the
/// test greps each output format for them.
fn planted_values() -> Vec<String> {
    let root = repo_root().join(EXAMPLE);
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let after = |text: &str, key: &str| -> String {
        let line = text
            .lines()
            .find(|l| l.contains(key))
            .unwrap_or_else(|| panic!("{key} missing"));
        let v = line.split_once(key).unwrap().1;
        v.trim_start_matches([':', '=', ' ', '"', '\''])
            .split(['"', '\'', ' ', '@'])
            .next()
            .unwrap()
            .to_owned()
    };
    let mut v = vec![
        after(&read("services/api/.env.development"), "JWT_SECRET"),
        after(&read("services/api/.env.development"), "STRIPE_SECRET_KEY"),
        after(&read("services/api/.env.development"), "postgres://api:"),
        after(&read("services/api/.env.staging"), "SESSION_SECRET"),
        after(&read("terraform/envs/dev/terraform.tfvars"), "db_password"),
        after(&read("config/production.json"), "sendgrid_api_key"),
        after(&read("config/production.json"), "mongodb+srv://records:"),
        after(
            &read("services/billing/src/main/resources/application-prod.properties"),
            "datasource.password",
        ),
        after(&read("services/worker/settings.py"), "GITHUB_TOKEN"),
        after(&read("deploy/helm/values-staging.yaml"), "SLACK_BOT_TOKEN"),
        after(&read("tests/fixtures/sample.env"), "API_KEY"),
    ];
    // The Kubernetes secrets hold it base64-encoded; the decoded value is the secret.
    let b64 = after(
        &read("k8s/overlays/prod/db-secret.yaml"),
        "POSTGRES_PASSWORD",
    );
    v.push(b64.clone());
    use base64::Engine as _;
    v.push(
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap(),
        )
        .unwrap(),
    );
    for s in &v {
        assert!(
            s.len() >= 16,
            "planted value too short to grep for: {} chars",
            s.len()
        );
    }
    v
}

#[test]
fn example_findings_exit_1_and_never_print_a_secret() {
    let root = repo_root();
    let planted = planted_values();
    for format in ["text", "json", "sarif", "junit", "markdown"] {
        let out = envguard(
            &["check", EXAMPLE, "--format", format, "--color", "always"],
            &root,
        );
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = stdout(&out);
        assert!(!text.is_empty());
        for secret in &planted {
            assert!(
                !text.contains(secret.as_str()),
                "{format} output prints a planted secret value"
            );
        }
    }
}

#[test]
fn example_finds_every_planted_violation() {
    let root = repo_root();
    let out = envguard(&["check", EXAMPLE, "--format", "json"], &root);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut active: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}",
                f["rule_id"].as_str().unwrap(),
                f["location"]["path"].as_str().unwrap(),
                f["location"]["region"]["start_line"]
            )
        })
        .collect();
    active.sort();
    insta::assert_snapshot!("example_active_findings", active.join("\n"));
    let mut suppressed: Vec<String> = report["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["rule_id"].as_str().unwrap(),
                f["location"]["path"].as_str().unwrap(),
                f["suppression"]["kind"].as_str().unwrap()
            )
        })
        .collect();
    suppressed.sort();
    insta::assert_snapshot!("example_suppressed_findings", suppressed.join("\n"));
}

#[test]
fn example_text_report() {
    let root = repo_root();
    let out = envguard(&["check", EXAMPLE], &root);
    insta::assert_snapshot!("example_text_report", stdout(&out));
}

#[test]
fn reuse_finding_sits_on_lower_tier_and_names_the_others() {
    let root = repo_root();
    let out = envguard(&["check", EXAMPLE, "--format", "json"], &root);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let reuse: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "R01.secret-reuse")
        .collect();
    assert!(!reuse.is_empty());
    let session = reuse
        .iter()
        .find(|f| {
            f["location"]["path"] == "services/api/.env.staging"
                && f["message"].as_str().unwrap().contains("SESSION_SECRET")
        })
        .expect("SESSION_SECRET reuse sits on the staging file");
    let related = session["related"].as_array().unwrap();
    assert_eq!(related.len(), 1);
    assert_eq!(related[0]["label"], "same value in prod");
    assert_eq!(
        related[0]["location"]["path"],
        "services/api/.env.production"
    );
}

#[test]
fn clean_tree_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "envs/prod/.env",
        "DB_PASSWORD=${DB_PASSWORD}\nLOG_LEVEL=info\n",
    );
    write(
        dir.path(),
        "envs/dev/.env",
        "DB_PASSWORD=\nLOG_LEVEL=debug\n",
    );
    write(
        dir.path(),
        "src/app.py",
        "import os\npassword = os.environ['DB_PASSWORD']\n",
    );
    let out = envguard(&["check", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn broken_files_become_parse_errors_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "envs/staging/values.yaml", "a: [1, 2\nb: {\n");
    write(
        dir.path(),
        "envs/staging/main.tf",
        "resource \"x\" {\n  password = \n",
    );
    write(
        dir.path(),
        "envs/staging/.env",
        "OK=1\nthis line is not an assignment\n",
    );
    write(dir.path(), "envs/staging/app.json", "{\"a\": }");
    write(
        dir.path(),
        "envs/prod/.env",
        "GITHUB_TOKEN=ghp_R8dLQvd4TnmzyKxW2sPaJf6u0CbE93XHgZi1\n",
    );
    let out = envguard(&["check", ".", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "parse-error")
        .map(|d| d["path"].as_str().unwrap().to_owned())
        .collect();
    for p in [
        "envs/staging/values.yaml",
        "envs/staging/main.tf",
        "envs/staging/.env",
        "envs/staging/app.json",
    ] {
        assert!(
            diags.iter().any(|d| d == p),
            "no parse-error for {p}: {diags:?}"
        );
    }
    let findings = report["findings"].as_array().unwrap();
    assert!(findings
        .iter()
        .any(|f| f["location"]["path"] == "envs/prod/.env"));
}

#[test]
fn baseline_round_trip_survives_moved_lines() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "envs/prod/.env",
        "API_TOKEN=Qm4xZ7pL2vR9sT1wK8yN3bH6dF0gJ5cE\n",
    );
    let baseline = dir.path().join("baseline.json");
    let out = envguard(
        &[
            "check",
            "envs",
            "--write-baseline",
            baseline.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    // Move the line down: a line-keyed baseline would break here.
    write(
        dir.path(),
        "envs/prod/.env",
        "# moved\nLOG_LEVEL=info\nAPI_TOKEN=Qm4xZ7pL2vR9sT1wK8yN3bH6dF0gJ5cE\n",
    );
    let out = envguard(
        &[
            "check",
            "envs",
            "--baseline",
            baseline.to_str().unwrap(),
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["suppressed"].as_array().unwrap().len(), 1);
}

#[test]
fn configuration_errors_exit_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "envguard.toml",
        "[environments.prod]\ntier = \"prod\"\npahts = [\"x/**\"]\n",
    );
    let out = envguard(&["check", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim_end(),
        "envguard: error: ./envguard.toml:3:1: unknown key `pahts` in [environments.prod]; did you mean `paths`?"
    );

    let out = envguard(&["check", "does-not-exist"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let out = envguard(&["check", ".", "--format", "yaml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

/// Two typos in two sections of a realistic inventory: both are reported in
/// one run, each at its line and column, on every command that reads it.
#[test]
fn every_configuration_error_is_reported_at_once() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "envs/prod/.env", "LOG_LEVEL=info\n");
    write(
        dir.path(),
        "envguard.toml",
        r#"[scan]
exclude = ["vendor/**"]
max_file_sise = 1048576

[environments.staging]
tier = "test"
paths = ["envs/staging/**"]

[environments.prod]
tier = "prod"
paths = ["envs/prod/**"]
hosts = "db.prod.acme.internal"
"#,
    );
    let expected = "envguard: error: envguard.toml: 2 problems\n\
         envguard.toml:3:1: unknown key `max_file_sise` in [scan]; did you mean `max_file_size`?\n\
         envguard.toml:12:9: `hosts` in [environments.prod]: invalid type: string \"db.prod.acme.internal\", expected a sequence";
    for cmd in [
        &["check", ".", "--config", "envguard.toml"][..],
        &["matrix", ".", "--config", "envguard.toml"],
        &["pipeline", ".", "--config", "envguard.toml"],
        &["ledger", "stats", "prod"],
    ] {
        let out = envguard(cmd, dir.path());
        assert_eq!(out.status.code(), Some(2), "{cmd:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end(), expected, "{cmd:?}");
    }
    // The same file without the typos is accepted.
    write(
        dir.path(),
        "envguard.toml",
        "[scan]\nmax_file_size = 1048576\n\n[environments.prod]\ntier = \"prod\"\n\
         hosts = [\"db.prod.acme.internal\"]\n",
    );
    let out = envguard(&["check", ".", "--config", "envguard.toml"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn init_writes_an_inventory_that_check_accepts() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "envs/prod/.env", "LOG_LEVEL=info\n");
    write(dir.path(), "svc/.env.staging", "LOG_LEVEL=info\n");
    let out = envguard(&["init", "."], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(dir.path().join("envguard.toml")).unwrap();
    assert!(
        text.contains("[environments.prod]") && text.contains("envs/prod/**"),
        "{text}"
    );
    // A second init refuses to overwrite.
    assert_eq!(envguard(&["init", "."], dir.path()).status.code(), Some(2));
    let out = envguard(&["check", ".", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let envs: Vec<&str> = report["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(envs, vec!["staging", "prod"]);
}

#[test]
fn check_never_writes_into_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "envs/dev/.env",
        "JWT_SECRET=9f8e7d6c5b4a39281716a5b4c3d2e1f00112233445566778899aabbccddeeff\n",
    );
    write(
        dir.path(),
        "envs/prod/.env",
        "JWT_SECRET=9f8e7d6c5b4a39281716a5b4c3d2e1f00112233445566778899aabbccddeeff\n",
    );
    let before = list(dir.path());
    let out = envguard(&["check", ".", "--format", "sarif"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(before, list(dir.path()));
}

fn list(dir: &Path) -> Vec<String> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            v.extend(list(&p));
        } else {
            v.push(p.display().to_string());
        }
    }
    v.sort();
    v
}

#[test]
fn example_sarif_validates_against_the_sarif_2_1_0_schema() {
    let root = repo_root();
    let out = envguard(&["check", EXAMPLE, "--format", "sarif"], &root);
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "R01.secret-reuse"));
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            !uri.starts_with('/') && !uri.contains("examples/"),
            "uri not relative to the scanned root: {uri}"
        );
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn release_workflow_needs_settings_to_prove_its_approval() {
    let root = repo_root();
    let dir = tempfile::tempdir().unwrap();
    let release =
        std::fs::read_to_string(root.join(EXAMPLE).join(".github/workflows/release.yml")).unwrap();
    // Without its `envguard release verify` step, only the environment's
    // protection rules can prove the approval.
    let without_gate: String = release
        .lines()
        .filter(|l| !l.contains("envguard release verify"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(without_gate.len(), release.len());
    write(dir.path(), ".github/workflows/release.yml", &without_gate);
    let out = envguard(&["check", ".", "--format", "json"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "a note does not fail the default --fail-on error"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &report["findings"].as_array().unwrap()[0];
    assert_eq!(f["rule_id"], "R05.prod-deploy-ungated");
    assert_eq!(f["severity"], "note");
    assert!(f["message"].as_str().unwrap().contains("--ci-settings"));
    let settings = root.join(EXAMPLE).join("ci/github-environments.json");
    let out = envguard(
        &[
            "check",
            ".",
            "--format",
            "json",
            "--ci-settings",
            settings.to_str().unwrap(),
        ],
        dir.path(),
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), 0, "{report}");
    // With it, the release gate is the approval, settings or not (issue 14).
    write(dir.path(), ".github/workflows/release.yml", &release);
    let out = envguard(&["check", ".", "--format", "json"], dir.path());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), 0, "{report}");
}

#[test]
fn gitlab_and_circleci_prod_deploys_without_gates() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".gitlab-ci.yml",
        "stages: [test, deploy]\nunit:\n  stage: test\n  script: [make test]\ndeploy_prod:\n  stage: deploy\n  environment: production\n  rules:\n    - if: $CI_COMMIT_BRANCH == \"main\"\n  script:\n    - ./deploy.sh production\n\
         review:\n  stage: test\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n  script:\n    - ./run-review.sh $PROD_DB_PASSWORD\n",
    );
    write(
        dir.path(),
        ".circleci/config.yml",
        "version: 2.1\njobs:\n  deploy:\n    steps:\n      - run: ./deploy.sh production\nworkflows:\n  main:\n    jobs:\n      - deploy:\n          filters:\n            branches:\n              only: main\n",
    );
    let out = envguard(&["check", ".", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule_id"].as_str().unwrap(),
                f["location"]["path"].as_str().unwrap()
            )
        })
        .collect();
    got.sort();
    got.dedup();
    assert_eq!(
        got,
        vec![
            "R01.prod-secret-in-nonprod-job .gitlab-ci.yml",
            "R05.main-to-prod .circleci/config.yml",
            "R05.main-to-prod .gitlab-ci.yml",
            "R05.no-gate-on-failure .circleci/config.yml",
            "R05.prod-deploy-ungated .circleci/config.yml",
            "R05.prod-deploy-ungated .gitlab-ci.yml",
        ]
    );
}

#[test]
fn pipeline_command_prints_the_model() {
    let root = repo_root();
    let out = envguard(&["pipeline", EXAMPLE, "--format", "json"], &root);
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let deploy = doc["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["workflow"] == ".github/workflows/release.yml" && j["job"] == "deploy")
        .unwrap();
    assert_eq!(deploy["target"], "prod (prod)");
    assert_eq!(
        deploy["approval"],
        "environment production (required reviewers)"
    );
    assert_eq!(deploy["needs_tests"], true);
}

#[test]
fn provenance_manifest_must_match_the_data() {
    let root = repo_root();
    let dir = tempfile::tempdir().unwrap();
    let fixtures = root.join(EXAMPLE).join("tests/fixtures");
    let data = std::fs::read_to_string(fixtures.join("patients-synthetic.csv")).unwrap();
    let manifest =
        std::fs::read_to_string(fixtures.join("patients-synthetic.csv.provenance.toml")).unwrap();
    write(dir.path(), "envs/dev/seed/patients.csv", &data);
    write(
        dir.path(),
        "envs/dev/seed/patients.csv.provenance.toml",
        &manifest.replace("patients-synthetic.csv", "patients.csv"),
    );
    let out = envguard(&["check", ".", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // Edit one row: the manifest no longer describes the data.
    write(
        dir.path(),
        "envs/dev/seed/patients.csv",
        &data.replacen("1001,", "1009,", 1),
    );
    let out = envguard(&["check", ".", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &report["findings"].as_array().unwrap()[0];
    assert_eq!(f["rule_id"], "R02.pii-in-nonprod");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("sha256") && msg.contains("SA_NATIONAL_ID"),
        "{msg}"
    );
    // Counts and columns, never values.
    for line in data.lines().skip(1) {
        let nid = line.split(',').nth(2).unwrap();
        assert!(!stdout(&out).contains(nid));
    }
}

#[test]
fn event_labels_are_checked_in_log_samples() {
    let dir = tempfile::tempdir().unwrap();
    let ok = r#"{"environment":"staging","tenant_id":"t-1","timestamp_utc":"2025-03-01T10:00:00Z","kind":"runtime"}"#;
    let tier = r#"{"environment":"test","tenant_id":"t-1","timestamp_utc":"2025-03-01T10:00:01Z","kind":"audit","actor_role":"nurse"}"#;
    let no_tenant = r#"{"environment":"staging","timestamp_utc":"2025-03-01T10:00:02Z"}"#;
    let prod = r#"{"environment":"prod","tenant_id":"t-1","timestamp_utc":"2025-03-01T10:00:03Z"}"#;
    write(
        dir.path(),
        "envs/staging/logs/api.jsonl",
        &format!("{ok}\n{tier}\n{no_tenant}\nnot json\n{prod}\n"),
    );
    // A dataset of patients under data/ is not an event log.
    write(
        dir.path(),
        "data/people.jsonl",
        "{\"id\":1,\"city\":\"Riyadh\"}\n",
    );
    let out = envguard(&["check", ".", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r03: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "R03.event-labels")
        .collect();
    let lines: Vec<(u64, bool)> = r03
        .iter()
        .map(|f| {
            let msg = f["message"].as_str().unwrap();
            let line = f["location"]["region"]["start_line"].as_u64().unwrap();
            (line, msg.contains("tenant_id") || msg.contains("\"prod\""))
        })
        .collect();
    assert_eq!(lines, vec![(3, true), (5, true)], "{}", stdout(&out));
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(
            |f| f["rule_id"] != "R03.event-labels" || f["location"]["path"] != "data/people.jsonl"
        ));
    let diags = report["diagnostics"].as_array().unwrap();
    assert!(
        diags
            .iter()
            .any(|d| d["kind"] == "parse-error" && d["path"] == "envs/staging/logs/api.jsonl"),
        "{diags:?}"
    );
}
