//! `envguard secrets` end to end: the real binary on a store in a temporary
//! repository, its keys in a separate temporary home.

#![allow(clippy::unwrap_used)]

mod common;

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const VALUE: &str = "Zt4q9LmW2xpR7vKc83Hs";

const TOML: &str = r#"
[environments.prod]
tier = "prod"

[environments.staging]
tier = "test"

[secrets]
policy = "secrets-policy.toml"
rollback_plan = "docs/rollback.md"

[[secrets.secret]]
environment = "prod"
name = "db/password"
kind = "password"
generator = { type = "random", length = 32, charset = "alphanumeric" }
consumers = ["billing-api", "worker"]
validate = "sh -c 'read v; test ${#v} -eq 32'"
health = "sh -c 'read v; test -n \"$v\"'"

[[secrets.secret]]
environment = "prod"
name = "signing/release"
kind = "signing-key"
generator = { type = "ed25519" }
consumers = ["release-pipeline"]
"#;

const POLICY: &str = r#"
[roles.prod-operator]
environment = "prod"
grants = [{ environment = "prod", paths = ["**"], allow = ["read", "write", "rotate", "revoke"] }]

[roles.staging-app]
environment = "staging"
grants = [{ environment = "staging", paths = ["**"], allow = ["read"] }]
"#;

struct Repo {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    home: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("repo");
        let home = tmp.path().join("home");
        common::write(&dir, "envguard.toml", TOML);
        common::write(&dir, "secrets-policy.toml", POLICY);
        common::write(
            &dir,
            "docs/rollback.md",
            "Promote the previous version back.\n",
        );
        Repo {
            _tmp: tmp,
            dir,
            home,
        }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_envguard"));
        c.args(args)
            .current_dir(&self.dir)
            .env("ENVGUARD_SECRETS_HOME", &self.home)
            .env("ENVGUARD_ROLE", "prod-operator")
            .env("ENVGUARD_ACTOR", "alice")
            .env("ENVGUARD_FINGERPRINT_KEY", "test-key")
            .env_remove("ENVGUARD_LEDGER_DIR")
            .env_remove("ENVGUARD_ROTATE_STALL_AT")
            .env("CI", "true");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_in(args, "")
    }

    fn run_in(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        common::stdout(&out)
    }

    fn with_prod_secret(self) -> Repo {
        self.ok(&["secrets", "init", "prod"]);
        let out = self.run_in(
            &[
                "secrets",
                "put",
                "prod",
                "db/password",
                "--kind",
                "password",
            ],
            &format!("{VALUE}\n"),
        );
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let out = self.run_in(
            &[
                "secrets",
                "put",
                "prod",
                "signing/release",
                "--kind",
                "signing-key",
            ],
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIOld\n-----END PRIVATE KEY-----\n",
        );
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        self
    }

    fn ledger_actions(&self, env: &str) -> Vec<String> {
        let l = envguard_ledger::Ledger::open(&self.dir.join(".envguard/ledger"), env).unwrap();
        let mut out = Vec::new();
        l.store()
            .scan(0, &mut |row| {
                let v: Value = serde_json::from_slice(row.payload.as_deref().unwrap()).unwrap();
                out.push(v["action"].as_str().unwrap().to_owned());
                Ok(true)
            })
            .unwrap();
        out
    }

    fn list(&self) -> Value {
        serde_json::from_str(&self.ok(&["secrets", "list", "prod", "-f", "json"])).unwrap()
    }
}

fn states(list: &Value, name: &str) -> Vec<(u64, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap()["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().unwrap(),
                v["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn put_reads_stdin_get_writes_to_a_pipe_and_nothing_leaks() {
    let r = Repo::new().with_prod_secret();
    assert_eq!(r.ok(&["secrets", "get", "prod", "db/password"]), VALUE);
    let list = r.ok(&["secrets", "list"]);
    assert!(
        list.contains("prod/db/password  password  current v1"),
        "{list}"
    );
    assert!(!list.contains(VALUE));
    // The key lies in the home, owner-only; the repository holds no key and no value.
    let keys: Vec<_> = walk(&r.home.join("keys"));
    assert_eq!(keys.len(), 1, "{keys:?}");
    for f in walk(&r.dir) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !bytes.windows(VALUE.len()).any(|w| w == VALUE.as_bytes()),
            "{} holds the value in clear",
            f.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_refused_read_exits_2_and_is_in_the_ledger() {
    let r = Repo::new().with_prod_secret();
    let out = r.run(&[
        "secrets",
        "get",
        "prod",
        "db/password",
        "--role",
        "staging-app",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(common::stdout(&out), "");
    let err = stderr(&out);
    assert!(
        err.contains(
            "role \"staging-app\" may not read prod/db/password (policy secrets-policy.toml)"
        ),
        "{err}"
    );
    assert_eq!(r.ledger_actions("prod").last().unwrap(), "secrets.denied");
    let out = r.run(&["secrets", "list", "prod", "--role", ""]);
    assert!(stderr(&out).contains("no role"), "{out:?}");
}

#[test]
fn bad_policy_wrong_key_and_bad_config_are_named_with_exit_2() {
    let r = Repo::new().with_prod_secret();
    common::write(
        &r.dir,
        "secrets-policy.toml",
        "[roles.prod-operator]\nenvironment = \"prod\"\ngrants = [{ environment = \"prod\", paths = [\"**\"], allow = [\"read\", \"sudo\"] }]\n",
    );
    let out = r.run(&["secrets", "get", "prod", "db/password"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("secrets-policy.toml:3:") && err.contains("sudo"),
        "{err}"
    );
    common::write(&r.dir, "secrets-policy.toml", POLICY);

    let key = walk(&r.home.join("keys")).pop().unwrap();
    let good = std::fs::read(&key).unwrap();
    std::fs::write(&key, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n").unwrap();
    let out = r.run_in(
        &["secrets", "put", "prod", "db/password"],
        "new-value-9999999",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("does not open the prod store") && err.contains(key.to_str().unwrap()),
        "{err}"
    );
    assert!(!err.contains("new-value") && !err.contains(VALUE), "{err}");
    std::fs::write(&key, good).unwrap();
    assert_eq!(
        states(&r.list(), "db/password"),
        [(1, "current".to_owned())]
    );

    let mut bad = TOML.replace("rollback_plan", "rollback_plam");
    bad.push('\n');
    common::write(&r.dir, "envguard.toml", &bad);
    let out = r.run(&["secrets", "list"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("envguard.toml:10:1:") && err.contains("rollback_plam"),
        "{err}"
    );
}

#[test]
fn audit_reports_like_check_in_every_format() {
    let r = Repo::new().with_prod_secret();
    let out = r.run(&["secrets", "audit", "-f", "json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), 0, "{report}");
    // A staging role that reaches prod, and a prod store without a ledger.
    let mut policy = POLICY.to_owned();
    policy.push_str("\n[roles.staging-ci]\nenvironment = \"staging\"\ngrants = [{ environment = \"prod\", paths = [\"db/*\"], allow = [\"read\"] }]\n");
    common::write(&r.dir, "secrets-policy.toml", &policy);
    let out = r.run(&[
        "secrets",
        "audit",
        "-f",
        "json",
        "--now",
        "2027-04-01T00:00:00Z",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "SEC.rotation-overdue",
            "SEC.rotation-overdue",
            "SEC.nonprod-reads-prod"
        ],
        "{report}"
    );
    let out = r.run(&["secrets", "audit", "-f", "sarif"]);
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_valid_sarif(&sarif);
    assert_eq!(
        sarif["runs"][0]["results"][0]["ruleId"],
        "SEC.nonprod-reads-prod"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(VALUE));
}

#[test]
fn rotation_refuses_without_its_preconditions() {
    let r = Repo::new().with_prod_secret();
    std::fs::remove_file(r.dir.join("docs/rollback.md")).unwrap();
    let out = r.run(&["secrets", "rotate", "prod", "db/password"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("SOP 003 §5") && err.contains("rollback plan"),
        "{err}"
    );
    let out = r.run(&["secrets", "rotate", "prod", "api/token"]);
    assert!(stderr(&out).contains("service inventory"), "{out:?}");
    // No rotation state was left behind.
    assert!(!r.dir.join(".envguard/secrets/rotations/prod").exists());
    let out = r.run(&["secrets", "rotate", "prod", "db/password", "--emergency"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--incident"), "{out:?}");
}

#[test]
fn a_rotation_leaves_signed_evidence_with_exactly_the_template_fields() {
    let r = Repo::new().with_prod_secret();
    let out = r.ok(&["secrets", "rotate", "prod", "db/password"]);
    assert!(out.contains("v1 -> v2"), "{out}");
    assert_eq!(
        states(&r.list(), "db/password"),
        [(1, "destroyed".to_owned()), (2, "current".to_owned())]
    );
    let new = r.ok(&["secrets", "get", "prod", "db/password"]);
    assert_eq!(new.len(), 32);
    let ev_dir = r.dir.join(".envguard/secrets/evidence/prod");
    let json = walk(&ev_dir)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let text = std::fs::read_to_string(&json).unwrap();
    assert!(!text.contains(VALUE) && !text.contains(&new));
    let signed: envguard_secrets::evidence::SignedEvidence = serde_json::from_str(&text).unwrap();
    let record: Value = serde_json::to_value(&signed.record).unwrap();
    let mut keys: Vec<&str> = record
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "completed_utc",
            "environment",
            "impacted_services",
            "revoke_confirmed",
            "rotated_by",
            "rotation_reason",
            "secret_id",
            "started_utc",
            "validation_summary"
        ]
    );
    assert_eq!(record["revoke_confirmed"], "yes");
    assert_eq!(record["rotation_reason"], "scheduled");
    let verifier =
        std::fs::read_to_string(r.dir.join(".envguard/ledger/prod/verifier.key")).unwrap();
    envguard_secrets::evidence::verify(&signed, verifier.trim()).unwrap();
    let actions = r.ledger_actions("prod");
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "secrets.rotation.evidence")
            .count(),
        1,
        "{actions:?}"
    );
    // The signing key rotates with the approved Ed25519 generator.
    r.ok(&["secrets", "rotate", "prod", "signing/release"]);
    let key = r.ok(&["secrets", "get", "prod", "signing/release"]);
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"), "PEM");
}

#[test]
fn an_emergency_rotation_revokes_before_it_generates() {
    let r = Repo::new().with_prod_secret();
    let before = r.ledger_actions("prod").len();
    r.ok(&[
        "secrets",
        "rotate",
        "prod",
        "db/password",
        "--emergency",
        "--incident",
        "INC-2026-042",
    ]);
    let actions: Vec<String> = r.ledger_actions("prod")[before..]
        .iter()
        .filter(|a| a.as_str() != "secrets.read")
        .cloned()
        .collect();
    assert_eq!(
        actions,
        [
            "secrets.rotate.identify",
            "secrets.revoke",
            "secrets.stage",
            "secrets.promote",
            "secrets.rotation.evidence"
        ]
    );
    let ev = walk(&r.dir.join(".envguard/secrets/evidence/prod"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "txt"))
        .unwrap();
    let text = std::fs::read_to_string(ev).unwrap();
    assert!(
        text.contains("- rotation_reason: emergency (incident INC-2026-042)"),
        "{text}"
    );
}

/// Kills a rotation with SIGKILL after each step's work and before its
/// record, then resumes it: the store is consistent at the kill (exactly one
/// current version, the old value and any new one readable until the revoke)
/// and after the resume (one rotation, one evidence entry).
#[test]
fn kill_9_at_every_step_then_resume() {
    for (mode, steps) in [
        (
            "scheduled",
            &[
                "identify", "generate", "dual-run", "cutover", "revoke", "evidence",
            ][..],
        ),
        (
            "emergency",
            &["identify", "revoke", "generate", "cutover", "evidence"][..],
        ),
    ] {
        for step in steps {
            let r = Repo::new().with_prod_secret();
            let marker = r.dir.join("stalled");
            let mut args = vec!["secrets", "rotate", "prod", "db/password"];
            if mode == "emergency" {
                args.extend(["--emergency", "--incident", "INC-1"]);
            }
            let mut child = r
                .cmd(&args)
                .env("ENVGUARD_ROTATE_STALL_AT", step)
                .env("ENVGUARD_ROTATE_STALL_FILE", &marker)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let start = std::time::Instant::now();
            while !marker.exists() {
                assert!(
                    child.try_wait().unwrap().is_none(),
                    "{mode}/{step}: the rotation ended before stalling"
                );
                assert!(
                    start.elapsed().as_secs() < 60,
                    "{mode}/{step}: never stalled"
                );
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();

            let st = states(&r.list(), "db/password");
            let current = st.iter().filter(|(_, s)| s == "current").count();
            let revoked = mode == "emergency" && *step != "identify"
                || mode == "scheduled" && matches!(*step, "revoke" | "evidence");
            if !revoked {
                assert_eq!(current, 1, "{mode}/{step}: {st:?}");
                assert_eq!(
                    r.ok(&["secrets", "get", "prod", "db/password", "--version", "1"]),
                    VALUE,
                    "{mode}/{step}: the old value is kept"
                );
            }
            assert!(current <= 1, "{mode}/{step}: {st:?}");
            if let Some((v, _)) = st.iter().find(|(_, s)| s == "pending") {
                let v = v.to_string();
                let new = r.ok(&["secrets", "get", "prod", "db/password", "--version", &v]);
                assert_eq!(new.len(), 32, "{mode}/{step}: the new value is kept");
            }

            // A new rotation is refused while one is unfinished.
            let out = r.run(&args);
            assert!(stderr(&out).contains("--resume"), "{mode}/{step}: {out:?}");

            let out = r.run(&["secrets", "rotate", "prod", "db/password", "--resume"]);
            assert_eq!(out.status.code(), Some(0), "{mode}/{step}: {out:?}");
            let st = states(&r.list(), "db/password");
            assert_eq!(
                st,
                [(1, "destroyed".to_owned()), (2, "current".to_owned())],
                "{mode}/{step}"
            );
            let evidence = r
                .ledger_actions("prod")
                .iter()
                .filter(|a| *a == "secrets.rotation.evidence")
                .count();
            assert_eq!(evidence, 1, "{mode}/{step}");
            assert_eq!(
                r.ok(&["secrets", "get", "prod", "db/password"]).len(),
                32,
                "{mode}/{step}"
            );
        }
    }
}

#[test]
fn a_failed_validation_keeps_the_old_value_current_and_resumes() {
    let r = Repo::new().with_prod_secret();
    let toml = TOML.replace("test ${#v} -eq 32", "test -f ready");
    common::write(&r.dir, "envguard.toml", &toml);
    let out = r.run(&["secrets", "rotate", "prod", "db/password"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("dual-run: the validation command"),
        "{out:?}"
    );
    assert_eq!(
        states(&r.list(), "db/password"),
        [(1, "current".to_owned()), (2, "pending".to_owned())]
    );
    assert_eq!(r.ok(&["secrets", "get", "prod", "db/password"]), VALUE);
    common::write(&r.dir, "ready", "");
    r.ok(&["secrets", "rotate", "prod", "db/password", "--resume"]);
    assert_eq!(
        states(&r.list(), "db/password"),
        [(1, "destroyed".to_owned()), (2, "current".to_owned())]
    );
}

#[test]
fn due_lists_the_calendar_in_three_formats() {
    let r = Repo::new().with_prod_secret();
    let text = r.ok(&["secrets", "due", "--now", "2027-03-01T00:00:00Z"]);
    assert!(
        text.contains("prod/db/password") && text.contains("due soon"),
        "{text}"
    );
    let json: Value = serde_json::from_str(&r.ok(&[
        "secrets",
        "due",
        "-f",
        "json",
        "--now",
        "2027-06-01T00:00:00Z",
    ]))
    .unwrap();
    assert_eq!(json["period_days"], 90);
    assert_eq!(json["secrets"][0]["status"], "overdue");
    let md = r.ok(&["secrets", "due", "-f", "markdown"]);
    assert!(
        md.starts_with("# Rotation calendar") && md.contains("| `prod/db/password` |"),
        "{md}"
    );
}

#[test]
fn check_store_names_the_live_prod_secret_without_printing_it() {
    let r = Repo::new().with_prod_secret();
    common::write(&r.dir, "deploy/prod/.env", format!("DB_PASSWORD={VALUE}\n"));
    let out = r.run(&["check", ".", "--store", "-f", "json", "--no-progress"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = common::stdout(&out);
    assert!(!text.contains(VALUE));
    let report: Value = serde_json::from_str(&text).unwrap();
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule_id"] == "R01.live-prod-secret"));
    // Without --store the store is not read.
    let n = r.ledger_actions("prod").len();
    r.run(&["check", ".", "-f", "json", "--no-progress"]);
    assert_eq!(r.ledger_actions("prod").len(), n);
}

/// The README's tour, on a copy of `examples/secrets-store`.
#[test]
fn the_readme_tour_runs_on_the_example() {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            if e.file_name() == ".envguard" {
                continue;
            }
            let dest = to.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                copy(&e.path(), &dest);
            } else {
                std::fs::copy(e.path(), dest).unwrap();
            }
        }
    }
    let r = Repo::new();
    std::fs::remove_dir_all(&r.dir).unwrap();
    copy(&common::repo_root().join("examples/secrets-store"), &r.dir);
    r.ok(&["secrets", "init", "prod"]);
    let out = r.run_in(
        &[
            "secrets",
            "put",
            "prod",
            "db/password",
            "--kind",
            "password",
        ],
        VALUE,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = r.run(&["secrets", "audit"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = common::stdout(&out);
    assert!(
        text.contains("secrets-policy.toml:18:1: error: Policy `staging-ci` (staging, a test environment) may read production secrets"),
        "{text}"
    );
    let out = r.ok(&["secrets", "rotate", "prod", "db/password"]);
    assert!(out.contains("v1 -> v2"), "{out}");
    let due = r.ok(&["secrets", "due"]);
    assert!(
        due.contains("prod/db/password") && due.contains("in 90 days"),
        "{due}"
    );
}

/// `rotate prod --all`: every inventoried secret of prod as one batch, killed
/// at each step and resumed with `rotate prod --resume`; a member cannot be
/// rotated alone while the batch is unfinished.
#[test]
fn a_batch_rotation_survives_kill_9_at_every_step() {
    for step in [
        "identify", "generate", "dual-run", "cutover", "revoke", "evidence",
    ] {
        let r = Repo::new().with_prod_secret();
        let marker = r.dir.join("stalled");
        let mut child = r
            .cmd(&["secrets", "rotate", "prod", "--all"])
            .env("ENVGUARD_ROTATE_STALL_AT", step)
            .env("ENVGUARD_ROTATE_STALL_FILE", &marker)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        while !marker.exists() {
            assert!(child.try_wait().unwrap().is_none(), "{step}: ended early");
            assert!(start.elapsed().as_secs() < 60, "{step}: never stalled");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let list = r.list();
        for name in ["db/password", "signing/release"] {
            let st = states(&list, name);
            assert!(
                st.iter().filter(|(_, s)| s == "current").count() <= 1,
                "{step}: {st:?}"
            );
            if !matches!(step, "revoke" | "evidence") {
                assert!(
                    st.iter().any(|(v, s)| *v == 1 && s != "destroyed"),
                    "{step}: the old value is kept: {st:?}"
                );
            }
        }
        let out = r.run(&["secrets", "rotate", "prod", "db/password"]);
        assert!(stderr(&out).contains("unfinished batch"), "{step}: {out:?}");

        let out = r.run(&["secrets", "rotate", "prod", "--resume"]);
        assert_eq!(out.status.code(), Some(0), "{step}: {out:?}");
        assert!(
            common::stdout(&out).contains("rotated 2 secrets of prod"),
            "{out:?}"
        );
        let list = r.list();
        for name in ["db/password", "signing/release"] {
            assert_eq!(
                states(&list, name),
                [(1, "destroyed".to_owned()), (2, "current".to_owned())],
                "{step}: {name}"
            );
        }
        let evidence = r
            .ledger_actions("prod")
            .iter()
            .filter(|a| *a == "secrets.rotation.evidence")
            .count();
        assert_eq!(evidence, 2, "{step}");
        let json = walk(&r.dir.join(".envguard/secrets/evidence/prod"))
            .into_iter()
            .find(|p| p.extension().is_some_and(|e| e == "json"))
            .unwrap();
        let all: Vec<envguard_secrets::evidence::SignedEvidence> =
            serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
        assert_eq!(all.len(), 2);
        for e in &all {
            envguard_secrets::evidence::verify(e, &e.verifier_key).unwrap();
        }
    }
}

/// `get` to a terminal (a pseudo-terminal from util-linux `script`) prints
/// nothing without --reveal.
#[test]
fn get_refuses_a_terminal_without_reveal() {
    let r = Repo::new().with_prod_secret();
    let bin = env!("CARGO_BIN_EXE_envguard");
    let on_tty = |extra: &str| {
        let out = Command::new("script")
            .args([
                "-qec",
                &format!("{bin} secrets get prod db/password {extra}"),
                "/dev/null",
            ])
            .current_dir(&r.dir)
            .env("ENVGUARD_SECRETS_HOME", &r.home)
            .env("ENVGUARD_ROLE", "prod-operator")
            .stdin(Stdio::null())
            .output()
            .expect("util-linux `script` is needed for this test");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, text) = on_tty("");
    assert_eq!(code, Some(2), "{text}");
    assert!(!text.contains(VALUE) && text.contains("--reveal"), "{text}");
    let (code, text) = on_tty("--reveal");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(VALUE), "{text}");
}
