//! `envguard serve`: the real binary on 127.0.0.1 (a free port the server
//! picks and prints), driven over HTTP.
#![allow(clippy::unwrap_used)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{mpsc, Arc, Mutex};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_envguard"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(
        o.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn init(dir: &Path, env: &str) {
    ok(&["ledger", "--dir", dir.to_str().unwrap(), "init", env]);
}

fn token(dir: &Path, env: &str, role: &str, can: &str) -> String {
    let dir = dir.to_str().unwrap();
    let out = ok(&[
        "serve", "--dir", dir, "token", "create", "--env", env, "--role", role, "--can", can,
    ]);
    out.trim().to_owned()
}

/// The secret part of `egt_<12 hex digits>_<secret>`.
fn secret(token: &str) -> &str {
    &token[17..]
}

fn ev(env: &str, i: usize) -> Value {
    json!({
        "environment": env,
        "tenant_id": format!("clinic-{}", i % 3),
        "timestamp_utc": "2026-03-04T05:06:07Z",
        "kind": "ai",
        "actor_role": "clinician",
        "model_version": "triage-2",
        "prompt": format!("summarise visit {i}"),
        "response": "stable, follow up in 2 weeks"
    })
}

/// The running server; killed when dropped.
struct Server {
    child: Child,
    base: String,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    fn start(dir: &Path, extra: &[&str]) -> Server {
        let mut child = bin()
            .args([
                "serve",
                "--dir",
                dir.to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
            ])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let (err, log) = (child.stderr.take().unwrap(), stderr.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if let Some(a) = line.split("listening on ").nth(1) {
                    let _ = tx.send(a.to_owned());
                }
                log.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let base = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("server did not start: {}", stderr.lock().unwrap()));
        Server {
            child,
            base,
            stderr,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

struct Reply {
    status: u16,
    content_type: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.unwrap();
    Reply {
        status: r.status().as_u16(),
        content_type: r
            .headers()
            .get("content-type")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
            .to_owned(),
        body: r.body_mut().read_to_string().unwrap(),
    }
}

fn post(url: &str, tok: Option<&str>, ct: &str, body: &str) -> Reply {
    let mut req = agent().post(url).header("content-type", ct);
    if let Some(t) = tok {
        req = req.header("authorization", &format!("Bearer {t}"));
    }
    reply(req.send(body))
}

fn get(url: &str, tok: Option<&str>) -> Reply {
    let mut req = agent().get(url);
    if let Some(t) = tok {
        req = req.header("authorization", &format!("Bearer {t}"));
    }
    reply(req.call())
}

fn stats_entries(dir: &Path, env: &str) -> u64 {
    let out = ok(&["ledger", "--dir", dir.to_str().unwrap(), "stats", env]);
    let v: Value = serde_json::from_str(&out).unwrap();
    v["entries"].as_u64().unwrap() - 1 // the stats read's own audit event
}

#[test]
fn append_read_checkpoint_and_proofs_round_trip() {
    let d = tempfile::tempdir().unwrap();
    init(d.path(), "staging");
    let app = token(d.path(), "staging", "app", "append");
    let operator = token(d.path(), "staging", "operator", "append,read,export");
    let s = Server::start(d.path(), &[]);
    let events = s.url("/v1/envs/staging/events");

    let r = post(
        &events,
        Some(&app),
        "application/json",
        &ev("staging", 0).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["count"], 1);
    let batch = Value::Array((1..4).map(|i| ev("staging", i)).collect());
    let r = post(&events, Some(&app), "application/json", &batch.to_string());
    assert_eq!((r.status, r.json()["first_index"].clone()), (200, json!(1)));
    let jsonl = format!("{}\n{}\n", ev("staging", 4), ev("staging", 5));
    let r = post(
        &s.url("/v1/envs/staging/events?checkpoint=true"),
        Some(&app),
        "application/x-ndjson",
        &jsonl,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["tree_size"], 6);
    assert!(r.json()["checkpoint"]
        .as_str()
        .unwrap()
        .starts_with("envguard.invalid/ledger/staging\n6\n"));

    let r = post(
        &s.url("/v1/envs/staging/checkpoints"),
        Some(&app),
        "application/json",
        "",
    );
    assert_eq!((r.status, r.json()["size"].clone()), (200, json!(6)));
    let r = get(
        &s.url("/v1/envs/staging/checkpoints/latest"),
        Some(&operator),
    );
    assert_eq!(r.status, 200);
    assert!(r.content_type.starts_with("text/plain"));
    assert!(
        r.body.starts_with("envguard.invalid/ledger/staging\n6\n"),
        "{}",
        r.body
    );
    assert!(r.body.contains("\n— envguard.invalid/ledger/staging "));

    let r = get(
        &s.url("/v1/envs/staging/proofs/inclusion?index=2"),
        Some(&operator),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let p = r.json();
    assert_eq!(p["index"], 2);
    assert!(p["proof"].as_array().unwrap().len() >= 2);
    let leaf = p["leaf_hash"].as_str().unwrap().to_owned();
    let r = get(
        &s.url(&format!(
            "/v1/envs/staging/proofs/inclusion?event_hash={leaf}"
        )),
        Some(&operator),
    );
    assert_eq!((r.status, r.json()["index"].clone()), (200, json!(2)));
    let r = get(
        &s.url("/v1/envs/staging/proofs/consistency?old=1&new=6"),
        Some(&operator),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["old_size"], 1);

    let r = get(
        &s.url("/v1/envs/staging/events?tenant=clinic-1"),
        Some(&operator),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.content_type, "application/x-ndjson");
    let recs: Vec<Value> = r
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs[0]["record"], "header");
    let prompts: Vec<&str> = recs
        .iter()
        .filter(|r| r["record"] == "entry")
        .map(|r| r["event"]["prompt"].as_str().unwrap())
        .collect();
    assert_eq!(prompts, ["summarise visit 1", "summarise visit 4"]);

    let r = get(&s.url("/healthz"), None);
    assert_eq!((r.status, r.json()["status"].clone()), (200, json!("ok")));
    let r = get(&s.url("/metrics"), None);
    assert!(r.content_type.starts_with("text/plain"));
    assert!(
        r.body
            .contains("envguard_ledger_events_appended_total{env=\"staging\"} 6"),
        "{}",
        r.body
    );
    assert!(r.body.contains(
        "envguard_http_requests_total{route=\"/v1/envs/{env}/events\",method=\"POST\",status=\"200\"} 3"
    ));
    // The export is the ledger's: it verifies offline.
    let exp = d.path().join("staging.jsonl");
    let r = get(&s.url("/v1/envs/staging/events"), Some(&operator));
    std::fs::write(&exp, &r.body).unwrap();
    let out = ok(&["ledger", "verify", "--export", exp.to_str().unwrap()]);
    assert!(out.starts_with("ok: export of staging verifies"), "{out}");
    let log = s.log();
    for t in [&app, &operator] {
        assert!(!log.contains(secret(t)), "a token in the log: {log}");
    }
}

#[test]
fn a_staging_token_is_refused_on_prod() {
    let d = tempfile::tempdir().unwrap();
    init(d.path(), "staging");
    init(d.path(), "prod");
    let staging = token(d.path(), "staging", "operator", "append,read,export");
    let prod = token(d.path(), "prod", "app", "append");
    let s = Server::start(d.path(), &[]);
    let body = ev("prod", 1).to_string();
    for r in [
        post(
            &s.url("/v1/envs/prod/events"),
            Some(&staging),
            "application/json",
            &body,
        ),
        get(&s.url("/v1/envs/prod/events"), Some(&staging)),
        get(
            &s.url("/v1/envs/prod/proofs/inclusion?index=0"),
            Some(&staging),
        ),
        post(
            &s.url("/v1/envs/prod/checkpoints"),
            Some(&staging),
            "application/json",
            "",
        ),
    ] {
        assert_eq!(r.status, 403, "{}", r.body);
        assert_eq!(r.json()["error"], "forbidden");
        assert!(r.json()["message"]
            .as_str()
            .unwrap()
            .contains("is for the staging environment, not prod"));
    }
    assert_eq!(stats_entries(d.path(), "prod"), 0);
    // The look-alike: a prod token on prod is accepted, but only for what it may do.
    let r = post(
        &s.url("/v1/envs/prod/events"),
        Some(&prod),
        "application/json",
        &body,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = get(&s.url("/v1/envs/prod/events"), Some(&prod));
    assert_eq!(r.status, 403);
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("may not export"));
}

#[test]
fn a_read_of_prod_events_is_an_audit_event_in_prod() {
    let d = tempfile::tempdir().unwrap();
    init(d.path(), "prod");
    let app = token(d.path(), "prod", "app", "append");
    let auditor = token(d.path(), "prod", "auditor", "export,read");
    let s = Server::start(d.path(), &[]);
    let r = post(
        &s.url("/v1/envs/prod/events"),
        Some(&app),
        "application/json",
        &ev("prod", 1).to_string(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(stats_entries(d.path(), "prod"), 1);
    let r = get(&s.url("/v1/envs/prod/events?kind=ai"), Some(&auditor));
    assert_eq!(r.status, 200, "{}", r.body);
    let r = get(&s.url("/v1/envs/prod/events?kind=audit"), Some(&auditor));
    let audits: Vec<Value> = r
        .body
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["record"] == "entry")
        .map(|r| r["event"].clone())
        .collect();
    let exports: Vec<&Value> = audits
        .iter()
        .filter(|e| e["action"] == "ledger.export" && e["actor_role"] == "auditor")
        .collect();
    assert_eq!(exports.len(), 2, "{audits:?}");
    assert_eq!(exports[0]["details"]["kind"], "ai");
    // A token created while the server runs counts from the next request; the
    // role's own access policy still applies: `app` may not read prod.
    let app_reader = token(d.path(), "prod", "app", "read");
    let r = get(
        &s.url("/v1/envs/prod/proofs/inclusion?index=0"),
        Some(&app_reader),
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("role \"app\" may not read"));
}

#[test]
fn bad_input_gets_a_json_4xx_never_a_5xx() {
    let d = tempfile::tempdir().unwrap();
    init(d.path(), "staging");
    let tok = token(d.path(), "staging", "operator", "append,read,export");
    let dir = d.path().to_str().unwrap();
    let expired = ok(&[
        "serve",
        "--dir",
        dir,
        "token",
        "create",
        "--env",
        "staging",
        "--role",
        "app",
        "--can",
        "append",
        "--expires-in-days",
        "0",
    ])
    .trim()
    .to_owned();
    let s = Server::start(d.path(), &["--max-body", "4096"]);
    let events = s.url("/v1/envs/staging/events");
    let good = ev("staging", 1).to_string();
    let mut no_tenant = ev("staging", 1);
    no_tenant.as_object_mut().unwrap().remove("tenant_id");
    let mut wrong_env = ev("staging", 1);
    wrong_env["environment"] = json!("prod");
    let mut pii = ev("staging", 1);
    pii["prompt"] = json!("follow-up: write to layla.hassan@example.com");
    let big = Value::Array((0..40).map(|i| ev("staging", i)).collect()).to_string();
    let cases: Vec<(&str, Reply, u16, &str)> = vec![
        (
            "no token",
            post(&events, None, "application/json", &good),
            401,
            "unauthorized",
        ),
        (
            "a wrong token",
            post(
                &events,
                Some("egt_0123456789ab_notthesecret"),
                "application/json",
                &good,
            ),
            401,
            "unauthorized",
        ),
        (
            "an expired token",
            post(&events, Some(&expired), "application/json", &good),
            401,
            "unauthorized",
        ),
        (
            "broken JSON",
            post(&events, Some(&tok), "application/json", "{\"environment\":"),
            400,
            "bad_json",
        ),
        (
            "a JSON string",
            post(&events, Some(&tok), "application/json", "\"hello\""),
            400,
            "bad_json",
        ),
        (
            "an empty batch",
            post(&events, Some(&tok), "application/json", "[]"),
            400,
            "empty",
        ),
        (
            "broken JSONL",
            post(
                &events,
                Some(&tok),
                "application/x-ndjson",
                &format!("{good}\n{{oops\n"),
            ),
            400,
            "bad_json",
        ),
        (
            "text/plain",
            post(&events, Some(&tok), "text/plain", &good),
            415,
            "unsupported_media_type",
        ),
        (
            "a body over --max-body",
            post(&events, Some(&tok), "application/json", &big),
            413,
            "too_large",
        ),
        (
            "no tenant_id (R-03)",
            post(
                &events,
                Some(&tok),
                "application/json",
                &no_tenant.to_string(),
            ),
            422,
            "schema",
        ),
        (
            "another environment's event",
            post(
                &events,
                Some(&tok),
                "application/json",
                &wrong_env.to_string(),
            ),
            422,
            "schema",
        ),
        (
            "PII in staging",
            post(&events, Some(&tok), "application/json", &pii.to_string()),
            422,
            "pii",
        ),
        (
            "index=abc",
            get(
                &s.url("/v1/envs/staging/proofs/inclusion?index=abc"),
                Some(&tok),
            ),
            400,
            "invalid_query",
        ),
        (
            "index past the end",
            get(
                &s.url("/v1/envs/staging/proofs/inclusion?index=99"),
                Some(&tok),
            ),
            404,
            "not_found",
        ),
        (
            "old > new",
            get(
                &s.url("/v1/envs/staging/proofs/consistency?old=5&new=1"),
                Some(&tok),
            ),
            400,
            "invalid",
        ),
        (
            "a bad since",
            get(
                &s.url("/v1/envs/staging/events?since=yesterday"),
                Some(&tok),
            ),
            400,
            "invalid",
        ),
        (
            "no such route",
            get(&s.url("/v2/nothing"), Some(&tok)),
            404,
            "not_found",
        ),
        (
            "no token and a body over --max-body",
            post(&events, None, "application/json", &big),
            401,
            "unauthorized",
        ),
        (
            "a wrong method",
            reply(agent().delete(&events).call()),
            405,
            "method_not_allowed",
        ),
    ];
    for (what, r, status, code) in &cases {
        assert_eq!(r.status, *status, "{what}: {}", r.body);
        assert!(
            r.content_type.starts_with("application/json"),
            "{what}: {}",
            r.content_type
        );
        let v = r.json();
        assert_eq!(v["error"], *code, "{what}: {v}");
        assert!(!v["message"].as_str().unwrap().is_empty());
    }
    let msg = |i: usize| cases[i].1.json()["message"].as_str().unwrap().to_owned();
    assert!(
        msg(9).contains("event 1") && msg(9).contains("tenant_id"),
        "{}",
        msg(9)
    );
    assert!(msg(11).contains("$.prompt"), "{}", msg(11));
    assert!(
        !msg(11).contains("layla.hassan"),
        "the PII value is echoed: {}",
        msg(11)
    );
    // Nothing was half-written; the clean look-alike goes through.
    assert_eq!(stats_entries(d.path(), "staging"), 0);
    let r = post(
        &events,
        Some(&tok),
        "application/json; charset=utf-8",
        &good,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let log = s.log();
    assert!(!log.contains(secret(&tok)), "{log}");
    assert!(!log.contains("error 5"), "{log}");
}

#[test]
fn kill_9_during_ingestion_loses_no_acknowledged_event() {
    let d = tempfile::tempdir().unwrap();
    init(d.path(), "staging");
    let tok = token(d.path(), "staging", "app", "append");
    let mut s = Server::start(d.path(), &[]);
    let url = s.url("/v1/envs/staging/events");
    let batch: String = (0..300)
        .map(|i| ev("staging", i).to_string() + "\n")
        .collect();
    let acked = Arc::new(Mutex::new(0u64));
    let (a, t) = (acked.clone(), tok.clone());
    let client = std::thread::spawn(move || loop {
        let r = agent()
            .post(&url)
            .header("content-type", "application/x-ndjson")
            .header("authorization", &format!("Bearer {t}"))
            .send(&batch);
        match r {
            Ok(mut r) if r.status() == 200 => {
                let v: Value =
                    serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
                let mut n = a.lock().unwrap();
                *n = v["tree_size"].as_u64().unwrap();
            }
            _ => return,
        }
    });
    while *acked.lock().unwrap() < 1500 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    s.child.kill().unwrap(); // SIGKILL, mid-stream
    s.child.wait().unwrap();
    client.join().unwrap();
    let acked = *acked.lock().unwrap();
    let stored = stats_entries(d.path(), "staging");
    assert!(stored >= acked, "acknowledged {acked}, stored {stored}");
    assert_eq!(stored % 300, 0, "a half-written batch: {stored}");
    let out = ok(&[
        "ledger",
        "--dir",
        d.path().to_str().unwrap(),
        "verify",
        "staging",
    ]);
    assert!(out.starts_with("ok: staging ledger verifies"), "{out}");
    // A restarted server resumes after the last committed entry.
    let s = Server::start(d.path(), &[]);
    let r = post(
        &s.url("/v1/envs/staging/events"),
        Some(&tok),
        "application/json",
        &ev("staging", 1).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // After the audit events of the stats and verify reads.
    assert_eq!(r.json()["first_index"], stored + 2);
}

#[test]
fn sigterm_during_ingestion_answers_every_committed_batch_and_exits_0() {
    let d = tempfile::tempdir().unwrap();
    init(d.path(), "staging");
    let tok = token(d.path(), "staging", "app", "append");
    let mut s = Server::start(d.path(), &[]);
    let url = s.url("/v1/envs/staging/events");
    let batch: String = (0..300)
        .map(|i| ev("staging", i).to_string() + "\n")
        .collect();
    let acked = Arc::new(Mutex::new(0u64));
    let (a, t) = (acked.clone(), tok.clone());
    let client = std::thread::spawn(move || {
        let agent = agent();
        loop {
            let r = agent
                .post(&url)
                .header("content-type", "application/x-ndjson")
                .header("authorization", &format!("Bearer {t}"))
                .send(&batch);
            match r {
                Ok(mut r) if r.status() == 200 => {
                    let v: Value =
                        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
                    *a.lock().unwrap() = v["tree_size"].as_u64().unwrap();
                }
                _ => return,
            }
        }
    });
    while *acked.lock().unwrap() < 1200 {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let pid = s.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = s.child.wait().unwrap();
    client.join().unwrap();
    assert!(status.success(), "{status:?}: {}", s.log());
    // Graceful: the batch in flight was committed and answered, nothing more.
    let acked = *acked.lock().unwrap();
    assert_eq!(stats_entries(d.path(), "staging"), acked);
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let d = tempfile::tempdir().unwrap();
    init(d.path(), "dev");
    let tok = token(d.path(), "dev", "app", "append");
    let mut s = Server::start(d.path(), &[]);
    let r = post(
        &s.url("/v1/envs/dev/events"),
        Some(&tok),
        "application/json",
        &ev("dev", 1).to_string(),
    );
    assert_eq!(r.status, 200);
    let pid = s.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = s.child.wait().unwrap();
    assert!(status.success(), "{status:?}: {}", s.log());
    std::thread::sleep(std::time::Duration::from_millis(100));
    let log = s.log();
    assert!(log.contains("SIGTERM") && log.contains("stopped"), "{log}");
}

#[test]
fn token_create_refuses_an_environment_without_a_ledger() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_str().unwrap();
    let o = run(&[
        "serve", "--dir", dir, "token", "create", "--env", "prod", "--role", "app", "--can",
        "append",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no ledger for environment \"prod\""));
    assert!(o.stdout.is_empty());
}

/// The test virtual environment (scripts/pyenv.sh), with schemathesis in it.
fn schemathesis() -> std::path::PathBuf {
    let venv = match std::env::var_os("ENVGUARD_TEST_VENV").filter(|v| !v.is_empty()) {
        Some(v) => std::path::PathBuf::from(v),
        None => {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            let o = Command::new("bash")
                .arg(root.join("scripts/pyenv.sh"))
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "scripts/pyenv.sh failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            std::path::PathBuf::from(String::from_utf8(o.stdout).unwrap().trim())
        }
    };
    let exe = venv.join("bin/schemathesis");
    assert!(
        exe.exists(),
        "{} is missing: run scripts/pyenv.sh (scripts/requirements-test.txt pins schemathesis)",
        exe.display()
    );
    exe
}

#[test]
fn schemathesis_finds_no_5xx_and_every_response_matches_the_openapi_document() {
    let exe = schemathesis();
    let d = tempfile::tempdir().unwrap();
    init(d.path(), "staging");
    let tok = token(d.path(), "staging", "operator", "append,read,export");
    let s = Server::start(d.path(), &[]);
    // The path's environment is fixed to one that exists (else every call is a 403).
    let cfg = d.path().join("schemathesis.toml");
    std::fs::write(&cfg, "[parameters]\n\"path.env\" = \"staging\"\n").unwrap();
    let o = Command::new(exe)
        .current_dir(d.path())
        .args(["--config-file", cfg.to_str().unwrap(), "run"])
        .arg(s.url("/openapi.json"))
        .args(["-H", &format!("Authorization: Bearer {tok}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance",
            "--max-examples",
            "40",
            "--seed",
            "16",
            "--workers",
            "1",
        ])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "schemathesis failed:\n{out}");
    assert!(
        out.contains("Operations:       8 selected / 8 total"),
        "{out}"
    );
    assert!(!out.contains("Authentication failed"), "{out}");
    let log = s.log();
    assert!(!log.contains("error 5"), "{log}");
    assert!(!log.contains(secret(&tok)), "{log}");
}
