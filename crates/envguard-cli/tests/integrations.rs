//! The GitHub Action (`action.yml`), the workflow that runs it on this
//! repository and the GitLab CI template (`ci/envguard.gitlab-ci.yml`),
//! checked statically: zizmor (PyPI, from the test venv) finds nothing in the
//! action, envguard's own pipeline reader reads the workflow and the template,
//! the action's expressions name declared inputs and step ids, and the
//! template's Code Quality conversion runs on a real envguard report.
//!
//! GitLab publishes its security report schemas on gitlab.com only (no
//! registry package), and none for Code Quality: the Code Quality fields
//! GitLab documents are asserted here instead.
#![allow(clippy::unwrap_used)]

mod common;

use common::{envguard, repo_root};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// The test venv (ENVGUARD_TEST_VENV, else scripts/pyenv.sh); fails, never
/// skips, when a component is not there.
fn venv() -> PathBuf {
    let venv = match std::env::var_os("ENVGUARD_TEST_VENV") {
        Some(v) => PathBuf::from(v),
        None => {
            let o = Command::new("bash")
                .arg(repo_root().join("scripts/pyenv.sh"))
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "scripts/pyenv.sh failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            PathBuf::from(String::from_utf8(o.stdout).unwrap().trim())
        }
    };
    for tool in ["zizmor", "python"] {
        assert!(
            venv.join("bin").join(tool).is_file(),
            "{tool} is missing from {} (scripts/requirements-test.txt pins it)",
            venv.display()
        );
    }
    venv
}

/// A YAML file of the repository as JSON (PyYAML from the venv, a
/// dependency of pre-commit).
fn yaml(rel: &str) -> Value {
    let o = Command::new(venv().join("bin/python"))
        .args([
            "-c",
            "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)",
        ])
        .arg(repo_root().join(rel))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{rel}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn zizmor(args: &[&str]) -> (bool, String) {
    let o = Command::new(venv().join("bin/zizmor"))
        .args(["--offline", "--no-progress", "--color", "never"])
        .args(args)
        .current_dir(repo_root())
        .output()
        .unwrap();
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[test]
fn zizmor_finds_nothing_in_the_action() {
    let (ok, out) = zizmor(&["action.yml"]);
    assert!(ok && out.contains("No findings to report"), "{out}");
    // The workflow uses the action as `./`, which zizmor 1.33 would rather
    // see written `$/` (a low-severity help): left as `./`, which every
    // GitHub runner reads.
    let (ok, out) = zizmor(&["--min-severity", "medium", ".github/workflows/envguard.yml"]);
    assert!(ok && out.contains("No findings to report"), "{out}");
}

/// Names after `prefix` in `${{ … }}` expressions (`inputs.` → `fail-on`).
fn references<'t>(text: &'t str, prefix: &str) -> Vec<&'t str> {
    let mut out = Vec::new();
    for expr in text.split("${{").skip(1) {
        let expr = expr.split("}}").next().unwrap_or_default();
        let mut rest = expr;
        while let Some(i) = rest.find(prefix) {
            let name = &rest[i + prefix.len()..];
            let end = name
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(name.len());
            out.push(&name[..end]);
            rest = &name[end..];
        }
    }
    out
}

#[test]
fn the_action_names_only_declared_inputs_and_steps_and_pins_what_it_uses() {
    let action = yaml("action.yml");
    let text = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    assert_eq!(action["runs"]["using"], "composite");
    let inputs = action["inputs"].as_object().unwrap();
    for name in references(&text, "inputs.") {
        assert!(
            inputs.contains_key(name),
            "action.yml: undeclared input `{name}`"
        );
    }
    let steps = action["runs"]["steps"].as_array().unwrap();
    let ids: Vec<&str> = steps.iter().filter_map(|s| s["id"].as_str()).collect();
    for name in references(&text, "steps.") {
        assert!(ids.contains(&name), "action.yml: no step with id `{name}`");
    }
    for step in steps {
        if step.get("run").is_some() {
            assert_eq!(step["shell"], "bash", "a run step without shell: {step}");
        }
        if let Some(uses) = step["uses"].as_str() {
            let sha = uses.split('@').nth(1).unwrap_or_default();
            assert!(
                sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                "not pinned to a commit: {uses}"
            );
        }
    }
    // The three things the action promises: SARIF, the upload, fail-on.
    assert!(text.contains("--format sarif"));
    assert!(text.contains("github/codeql-action/upload-sarif@"));
    assert!(text.contains("--fail-on \"$FAIL_ON\""));
}

#[test]
fn the_pipeline_reader_reads_the_workflow_and_the_template() {
    let dir = tempfile::tempdir().unwrap();
    for rel in [
        ".github/workflows/envguard.yml",
        "ci/envguard.gitlab-ci.yml",
    ] {
        common::write(
            dir.path(),
            rel,
            std::fs::read(repo_root().join(rel)).unwrap(),
        );
    }
    let o = envguard(&["pipeline", ".", "-f", "json"], dir.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let model: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(model["problems"], Value::Array(vec![]), "{model:#}");
    let jobs: Vec<(&str, &str, &str)> = model["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            (
                j["system"].as_str().unwrap(),
                j["workflow"].as_str().unwrap(),
                j["job"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        jobs,
        [
            ("github-actions", ".github/workflows/envguard.yml", "check"),
            ("gitlab-ci", "ci/envguard.gitlab-ci.yml", "envguard"),
        ]
    );
    // And envguard's own check finds nothing in either.
    let o = envguard(&["check", ".", "--fail-on", "warning"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", common::stdout(&o));
}

/// The template's jq program applied to envguard's JSON report of `tree`.
fn code_quality(tree: &std::path::Path) -> Value {
    let template = yaml("ci/envguard.gitlab-ci.yml");
    let program = template["variables"]["ENVGUARD_CODEQUALITY_JQ"]
        .as_str()
        .unwrap();
    assert_eq!(
        template["envguard"]["artifacts"]["reports"]["codequality"],
        "gl-code-quality-report.json"
    );
    let o = envguard(&["check", ".", "-f", "json", "--fail-on", "never"], tree);
    assert!(o.status.success());
    let mut jq = Command::new("jq")
        .arg(program)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("jq is needed to run the template's conversion (apt-get install jq)");
    use std::io::Write as _;
    jq.stdin.take().unwrap().write_all(&o.stdout).unwrap();
    let out = jq.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_template_writes_gitlab_code_quality() {
    let fires = repo_root().join("crates/envguard-rules/tests/fixtures/R01.secret-reuse/fires");
    let issues = code_quality(&fires);
    let issues = issues.as_array().unwrap();
    assert!(
        issues.iter().any(|i| i["check_name"] == "R01.secret-reuse"),
        "{issues:#?}"
    );
    let mut fingerprints = std::collections::BTreeSet::new();
    for i in issues {
        // The fields GitLab's Code Quality documentation requires.
        assert!(i["description"].as_str().is_some_and(|d| !d.is_empty()));
        assert!(i["check_name"].as_str().is_some());
        assert!(fingerprints.insert(i["fingerprint"].as_str().unwrap().to_owned()));
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&i["severity"].as_str().unwrap()),
            "{i}"
        );
        assert!(i["location"]["path"].as_str().unwrap().starts_with("envs/"));
        assert!(i["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        assert!(!i.to_string().contains("Zt4q9LmW2xpR7vQe8nKd"));
    }
    // The clean look-alike (passwords read from the environment): an empty
    // report, not a missing one.
    let clean = tempfile::tempdir().unwrap();
    for env in ["staging", "prod"] {
        common::write(
            clean.path(),
            &format!("envs/{env}/.env"),
            format!(
                "APP_ENV={env}\nDB_HOST=db.{env}.acme.internal\nDB_PASSWORD=${{DB_PASSWORD}}\n"
            ),
        );
    }
    assert_eq!(code_quality(clean.path()), Value::Array(vec![]));
}

/// The fenced YAML block of the README that starts with `first_line`.
fn readme_block(first_line: &str) -> String {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = readme
        .find(&format!("```yaml\n{first_line}\n"))
        .unwrap_or_else(|| panic!("README: no block starting {first_line}"))
        + "```yaml\n".len();
    let block = &readme[start..];
    block[..block.find("```").unwrap()].to_owned()
}

#[test]
fn the_readme_snippets_are_the_checked_files() {
    // The GitHub snippet is this repository's workflow (checked above), with
    // the action named by its repository instead of `./`.
    let snippet = readme_block("# .github/workflows/envguard.yml");
    let workflow =
        std::fs::read_to_string(repo_root().join(".github/workflows/envguard.yml")).unwrap();
    let as_used_here = snippet
        .replace(
            "      - uses: envguard/envguard@v0.1.0   # or a commit, as zizmor prefers\n",
            "      - uses: ./\n",
        )
        .replace(
            "# .github/workflows/envguard.yml\n",
            "# envguard checks its own repository with its own action (action.yml).\n",
        );
    assert_eq!(as_used_here, workflow);

    // The GitLab snippet includes the template of this repository, as the
    // template's own header says.
    let snippet = readme_block("# .gitlab-ci.yml");
    let url = snippet
        .lines()
        .find_map(|l| l.trim().strip_prefix("- remote: "))
        .unwrap();
    assert!(
        url.ends_with("/-/raw/v0.1.0/ci/envguard.gitlab-ci.yml"),
        "{url}"
    );
    let template = std::fs::read_to_string(repo_root().join("ci/envguard.gitlab-ci.yml")).unwrap();
    assert!(template.contains(&format!("#     - remote: {url}\n")));
}
