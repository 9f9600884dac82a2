//! `envguard secrets` with `backend = "openbao"`: the real binary against a
//! real `bao server -dev` (envguard-vault's `testing` harness; the `bao`
//! binary comes from scripts/pyenv.sh). No mock of the HTTP API.

#![allow(clippy::unwrap_used)]

mod common;

use envguard_vault::testing::DevServer;
use envguard_vault::{Client, MetadataUpdate, ROTATED_KEY, ROTATED_VERSION_KEY};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const TOML: &str = r#"
[environments.prod]
tier = "prod"

[environments.staging]
tier = "test"

[secrets]
backend = "openbao"
rollback_plan = "docs/rollback.md"

[secrets.openbao]
mount = "secret"
path = "{env}/{name}"

[[secrets.secret]]
environment = "prod"
name = "db/password"
kind = "password"
generator = { type = "random", length = 32, charset = "alphanumeric" }
consumers = ["billing-api"]
validate = "sh -c 'read v; test ${#v} -eq 32'"

[[secrets.secret]]
environment = "prod"
name = "api/token"
kind = "api-token"
generator = { type = "random", length = 40, charset = "hex" }
consumers = ["worker"]
"#;

const VALUE: &str = "Zt4q9LmW2xpR7vKc83Hs";

struct Env {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    home: PathBuf,
    server: DevServer,
}

impl Env {
    fn new() -> Env {
        let server = DevServer::start().unwrap_or_else(|e| panic!("{e}"));
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("repo");
        common::write(&dir, "envguard.toml", TOML);
        common::write(
            &dir,
            "docs/rollback.md",
            "Make the previous version current again.\n",
        );
        Env {
            home: tmp.path().join("home"),
            _tmp: tmp,
            dir,
            server,
        }
    }

    fn client(&self) -> Client {
        self.server.client()
    }

    fn run_with(&self, args: &[&str], stdin: &str, addr: &str, token: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_envguard"))
            .args(args)
            .current_dir(&self.dir)
            .env("ENVGUARD_SECRETS_HOME", &self.home)
            .env("ENVGUARD_ROLE", "prod-operator")
            .env("ENVGUARD_ACTOR", "alice")
            .env("BAO_ADDR", addr)
            .env("BAO_TOKEN", token)
            .env_remove("VAULT_ADDR")
            .env_remove("VAULT_TOKEN")
            .env_remove("BAO_NAMESPACE")
            .env_remove("VAULT_NAMESPACE")
            .env_remove("ENVGUARD_LEDGER_DIR")
            .env_remove("ENVGUARD_ROTATE_STALL_AT")
            .env("CI", "true")
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

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.run_with(args, stdin, self.server.address(), self.server.root_token())
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, "");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        common::stdout(&out)
    }

    fn audit(&self) -> (i32, Value) {
        let out = self.run(&["secrets", "audit", "-f", "json"], "");
        let code = out.status.code().unwrap();
        let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
        (code, report)
    }

    fn enable_audit_file(&self) -> PathBuf {
        let log = self.server.dir().join("audit.log");
        self.client()
            .enable_file_audit("file", log.to_str().unwrap())
            .unwrap();
        log
    }
}

fn write(c: &Client, path: &str, value: &str) {
    let mut data = Map::new();
    data.insert("value".into(), Value::String(value.into()));
    c.kv_write("secret", path, &data, None).unwrap();
}

fn stamp(c: &Client, path: &str, days_ago: i64, version: u64) {
    let when = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days_ago);
    let custom: BTreeMap<String, String> = [
        (ROTATED_KEY.to_owned(), when.to_string()),
        (ROTATED_VERSION_KEY.to_owned(), version.to_string()),
    ]
    .into();
    c.kv_write_metadata(
        "secret",
        path,
        &MetadataUpdate {
            custom_metadata: Some(custom),
            ..Default::default()
        },
    )
    .unwrap();
}

/// (rule id, message) of every finding.
fn findings(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn audit_finds_the_planted_problems_and_is_quiet_on_a_correct_server() {
    let e = Env::new();
    let c = e.client();
    write(&c, "prod/db/password", VALUE);
    write(&c, "staging/db/password", "staging-only-value-1");
    // a 120-day-old prod secret (KV v2 cannot be backdated: envguard's stamp)
    stamp(&c, "prod/db/password", 120, 1);
    // a staging policy that reads prod
    c.write_policy(
        "staging-app",
        r#"
path "secret/data/staging/*" { capabilities = ["read"] }
path "secret/data/prod/*" { capabilities = ["read"] }
"#,
    )
    .unwrap();
    // no audit device enabled (the dev server starts with none)

    let (code, report) = e.audit();
    assert_eq!(code, 1, "{report:#}");
    let f = findings(&report);
    let rules: Vec<&str> = f.iter().map(|(r, _)| r.as_str()).collect();
    assert!(rules.contains(&"SEC.nonprod-reads-prod"), "{f:?}");
    assert!(rules.contains(&"SEC.audit-logging"), "{f:?}");
    assert!(rules.contains(&"SEC.rotation-overdue"), "{f:?}");
    let reads = f
        .iter()
        .find(|(r, _)| r == "SEC.nonprod-reads-prod")
        .unwrap();
    assert!(
        reads.1.contains("staging-app") && reads.1.contains("secret/data/prod/"),
        "{reads:?}"
    );
    let overdue = f.iter().find(|(r, _)| r == "SEC.rotation-overdue").unwrap();
    assert!(overdue.1.contains("db/password"), "{overdue:?}");
    // no value anywhere in the report
    assert!(!report.to_string().contains(VALUE));

    // The correct setup: the staging policy keeps to staging, a broad policy
    // is narrowed by a deny on prod (the evaluator's priority rules), an
    // audit device logs access, the prod secret was rotated 10 days ago.
    c.write_policy(
        "staging-app",
        r#"path "secret/data/staging/*" { capabilities = ["read"] }"#,
    )
    .unwrap();
    c.write_policy(
        "staging-broad",
        r#"
path "secret/data/*" { capabilities = ["read", "list"] }
path "secret/data/prod/*" { capabilities = ["deny"] }
"#,
    )
    .unwrap();
    e.enable_audit_file();
    stamp(&c, "prod/db/password", 10, 1);
    let (code, report) = e.audit();
    assert_eq!(findings(&report), Vec::<(String, String)>::new());
    assert_eq!(code, 0, "{report:#}");

    // the deny removed: the broad staging policy is reported
    c.write_policy(
        "staging-broad",
        r#"path "secret/data/*" { capabilities = ["read", "list"] }"#,
    )
    .unwrap();
    let (code, report) = e.audit();
    assert_eq!(code, 1);
    let f = findings(&report);
    assert!(
        f.iter()
            .any(|(r, m)| r == "SEC.nonprod-reads-prod" && m.contains("staging-broad")),
        "{f:?}"
    );

    // A policy the server takes but envguard cannot parse (HCL 1 allows two
    // blocks on one line): not checked, the audit fails closed (exit 3).
    c.delete_policy("staging-broad").unwrap();
    c.write_policy(
        "one-line",
        r#"path "a/*" { capabilities = ["read"] } path "b/*" { capabilities = ["read"] }"#,
    )
    .unwrap();
    let (code, report) = e.audit();
    assert_eq!(code, 3, "{report:#}");
    assert!(
        report.to_string().contains("sys/policies/acl/one-line"),
        "{report:#}"
    );
}

/// Facts of a Vault store whose policy globs reach prod but whose evaluator
/// says they do not (a `deny` wins), and the same with the evaluator's reach.
fn vault_facts(reach: &str) -> String {
    format!(
        r#"{{
  "backend": "openbao", "source": "http://127.0.0.1:8200", "as_of_unix": 1790000000,
  "environments": [
    {{"name": "prod", "tier": "prod", "namespace": "secret/data/prod/", "audit_logging": true}},
    {{"name": "staging", "tier": "test", "namespace": "secret/data/staging/", "audit_logging": true}}
  ],
  "policies": [{{
    "name": "staging-broad", "environment": "staging", "tier": "test",
    "source": "sys/policies/acl/staging-broad",
    "rules": [
      {{"path": "secret/data/*", "style": "vault", "capabilities": ["read"]}},
      {{"path": "secret/data/prod/*", "style": "vault", "capabilities": ["deny"]}}
    ],
    "prod_reach": {reach}
  }}],
  "secrets": [{{"environment": "prod", "name": "db", "path": "secret/data/prod/db",
               "kind": "password", "last_rotated_unix": 1789990000, "version": 1}}]
}}"#
    )
}

#[test]
fn the_evaluator_answer_decides_what_a_vault_policy_reaches() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |reach: &str| {
        let f = tmp.path().join("facts.json");
        std::fs::write(&f, vault_facts(reach)).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_envguard"))
            .args(["secrets", "audit", "-f", "json", "--facts"])
            .arg(&f)
            .current_dir(tmp.path())
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), findings(&report))
    };
    // the deny wins: the glob `secret/data/*` alone would reach prod
    assert_eq!(run("[]"), (Some(0), vec![]));
    let (code, f) = run(
        r#"[{"pattern": "secret/data/*", "path": "secret/data/prod/db", "capabilities": ["read"]}]"#,
    );
    assert_eq!(code, Some(1));
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, "SEC.nonprod-reads-prod");
    assert!(f[0].1.contains("secret/data/prod/db"), "{f:?}");
}

#[test]
fn server_errors_exit_2_naming_the_address_and_path() {
    let e = Env::new();
    // a token the server does not know: 403
    let out = e.run_with(&["secrets", "audit"], "", e.server.address(), "not-a-token");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(e.server.address()) && err.contains("permission denied"),
        "{err}"
    );
    assert!(
        !err.contains("not-a-token"),
        "the token is never printed: {err}"
    );
    // nothing listens there
    let out = e.run_with(&["secrets", "list", "prod"], "", "http://127.0.0.1:9", "t");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("127.0.0.1:9") && err.contains("cannot reach"),
        "{err}"
    );
    // a secret that does not exist: 404 named with its place
    e.ok(&["secrets", "init", "prod"]);
    let out = e.run(&["secrets", "get", "prod", "no/such"], "");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(e.server.address()) && err.contains("secret/prod/no/such"),
        "{err}"
    );
}

fn version_states(e: &Env, name: &str) -> Vec<(u64, String)> {
    let list: Value =
        serde_json::from_str(&e.ok(&["secrets", "list", "prod", "-f", "json"])).unwrap();
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

fn evidence(e: &Env) -> Vec<Value> {
    let dir = e.dir.join(".envguard/secrets/evidence/prod");
    let mut out: Vec<Value> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|f| f.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect();
    out.sort_by_key(|v| v["record"]["secret_id"].to_string());
    out
}

#[test]
fn a_rotation_end_to_end_on_the_server() {
    let e = Env::new();
    let c = e.client();
    e.ok(&["secrets", "init", "prod"]);
    for (name, kind, value) in [
        ("db/password", "password", VALUE),
        ("api/token", "api-token", "0123456789abcdef0123"),
    ] {
        let out = e.run(
            &["secrets", "put", "prod", name, "--kind", kind],
            &format!("{value}\n"),
        );
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    }
    assert_eq!(
        version_states(&e, "db/password"),
        [(1, "current".to_owned())]
    );

    // Without a readable audit log the revoke happens but is not confirmed.
    let out = e.run(&["secrets", "rotate", "prod", "api/token"], "");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not confirmed") && err.contains("no audit device"),
        "{err}"
    );

    // With the file audit device, reads after the cutover are counted.
    e.enable_audit_file();
    let out = e.ok(&["secrets", "rotate", "prod", "db/password"]);
    assert!(out.contains("v1 -> v2"), "{out}");
    assert_eq!(
        version_states(&e, "db/password"),
        [(1, "destroyed".to_owned()), (2, "current".to_owned())]
    );
    let new = e.ok(&["secrets", "get", "prod", "db/password"]);
    assert_eq!(new.len(), 32);
    assert_ne!(new, VALUE);
    // the server holds the stamp of the rotation, for the audit's age
    let meta = c.kv_metadata("secret", "prod/db/password").unwrap();
    assert_eq!(meta.custom_metadata[ROTATED_VERSION_KEY], "2");
    assert!(meta.versions[&1].destroyed);

    let ev = evidence(&e);
    assert_eq!(ev.len(), 2);
    let (token, db) = (&ev[0]["record"], &ev[1]["record"]);
    assert_eq!(token["secret_id"], "prod/api/token");
    assert_eq!(token["revoke_confirmed"], "no");
    assert!(
        token["validation_summary"]
            .as_str()
            .unwrap()
            .contains("check the store's audit log"),
        "{token}"
    );
    assert_eq!(db["secret_id"], "prod/db/password");
    assert_eq!(db["revoke_confirmed"], "yes", "{db}");
    let all = serde_json::to_string(&ev).unwrap();
    assert!(!all.contains(VALUE) && !all.contains(&new));

    // The audit log's entries are what the revoke step counts: a consumer's
    // read of a version is found by path and version, not another's.
    let log = e.server.dir().join("audit.log");
    let cursor = std::fs::metadata(&log).unwrap().len();
    c.kv_read("secret", "prod/db/password", Some(2)).unwrap();
    c.kv_read("secret", "prod/db/password", None).unwrap();
    let count = |v| {
        envguard_secrets::openbao::count_reads(&log, cursor, "secret/data/prod/db/password", v)
            .unwrap()
    };
    assert_eq!((count(2), count(1)), (2, 0));
}

#[test]
fn the_example_configuration_runs_on_a_server() {
    let e = Env::new();
    let example = common::repo_root().join("examples/secrets-openbao");
    for rel in ["envguard.toml", "docs/rollback.md"] {
        common::write(
            &e.dir,
            rel,
            std::fs::read_to_string(example.join(rel)).unwrap(),
        );
    }
    // before its mount exists, init names what to do
    let out = e.run(&["secrets", "init", "prod"], "");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no secrets engine is mounted at kv-prod/"),
        "{out:?}"
    );
    let c = e.client();
    c.enable_kv_v2("kv-prod", "").unwrap();
    c.enable_kv_v2("kv-staging", "").unwrap();
    e.enable_audit_file();
    e.ok(&["secrets", "init", "prod"]);
    let out = e.run(
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
    assert!(c.kv_metadata("kv-prod", "db/password").is_ok());
    let (code, report) = e.audit();
    assert_eq!(findings(&report), Vec::<(String, String)>::new());
    assert_eq!(code, 0);
    let out = e.ok(&["secrets", "rotate", "prod", "db/password"]);
    assert!(out.contains("v1 -> v2"), "{out}");
    let due = e.ok(&["secrets", "due"]);
    assert!(due.contains("db/password"), "{due}");
}

#[test]
fn an_emergency_rotation_on_the_server_destroys_the_suspect_version_first() {
    let e = Env::new();
    let c = e.client();
    e.ok(&["secrets", "init", "prod"]);
    let out = e.run(
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
    let out = e.ok(&[
        "secrets",
        "rotate",
        "prod",
        "db/password",
        "--emergency",
        "--incident",
        "INC-4711",
    ]);
    assert!(out.contains("emergency"), "{out}");
    // the revoke step ran before generate: the suspect version is destroyed
    // and the new one is current
    let steps: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| ["revoke", "generate"].contains(w))
        .collect();
    assert_eq!(steps, ["revoke", "generate"], "{out}");
    assert_eq!(
        version_states(&e, "db/password"),
        [(1, "destroyed".to_owned()), (2, "current".to_owned())]
    );
    assert!(
        c.kv_metadata("secret", "prod/db/password")
            .unwrap()
            .versions[&1]
            .destroyed
    );
    let ev = evidence(&e);
    assert_eq!(
        ev[0]["record"]["rotation_reason"],
        "emergency (incident INC-4711)"
    );
}

#[test]
fn a_read_of_the_old_version_after_the_cutover_stops_the_revoke() {
    let e = Env::new();
    // A consumer that still reads the old version: the health command after
    // the cutover reads version 1 with the `bao` command, as a service would.
    let toml = TOML.replace(
        "consumers = [\"worker\"]",
        "consumers = [\"worker\"]\nhealth = \"sh -c '\\\"$BAO_BIN\\\" kv get -mount=secret -version=1 prod/api/token >/dev/null'\"",
    );
    assert_ne!(toml, TOML);
    common::write(&e.dir, "envguard.toml", toml);
    e.enable_audit_file();
    e.ok(&["secrets", "init", "prod"]);
    let out = e.run(
        &["secrets", "put", "prod", "api/token", "--kind", "api-token"],
        "0123456789abcdef0123\n",
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let bao = envguard_vault::testing::bao_binary().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_envguard"));
    cmd.args(["secrets", "rotate", "prod", "api/token"])
        .current_dir(&e.dir)
        .env("ENVGUARD_SECRETS_HOME", &e.home)
        .env("ENVGUARD_ROLE", "prod-operator")
        .env("BAO_ADDR", e.server.address())
        .env("BAO_TOKEN", e.server.root_token())
        .env("BAO_BIN", &bao)
        .env("HOME", e.server.dir())
        .env_remove("VAULT_ADDR")
        .env_remove("VAULT_TOKEN")
        .env_remove("ENVGUARD_LEDGER_DIR")
        .env_remove("ENVGUARD_ROTATE_STALL_AT");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("version 1 of prod/api/token was read 1 time(s) since the cutover"),
        "{err}"
    );
    // the old version is kept for the consumer until it moves
    assert_eq!(
        version_states(&e, "api/token"),
        [(1, "previous".to_owned()), (2, "current".to_owned())]
    );
}
