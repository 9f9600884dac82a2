//! `envguard release`: attest in a (simulated) CI job, verify before a prod
//! deploy. Each byte class of the envelope tampered with fails the check that
//! names it; a branch build fails; approvals by the author alone fail; a
//! good release passes and its decision is in the prod ledger (issue 14).
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use envguard_release::ReleaseSigner;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const COMMIT: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

fn envguard(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_envguard"));
    c.args(args).current_dir(dir);
    for k in [
        "GITHUB_ACTIONS",
        "GITLAB_CI",
        "CIRCLECI",
        "ENVGUARD_RELEASE_KEY",
        "ENVGUARD_LEDGER_DIR",
        "ENVGUARD_ROLE",
    ] {
        c.env_remove(k);
    }
    for (k, v) in vars {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A release job's working folder: the release key (fixed, so reports are
/// stable), envguard.toml, the prod ledger, an artifact and green evidence.
struct Job {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Job {
    fn new() -> Job {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let key = ReleaseSigner::from_seed(&[11u8; 32]);
        std::fs::create_dir_all(dir.join("keys")).unwrap();
        std::fs::write(dir.join("keys/release.key"), key.to_pem().unwrap()).unwrap();
        std::fs::write(
            dir.join("keys/release.pub"),
            key.trusted().to_pem().unwrap(),
        )
        .unwrap();
        std::fs::write(
            dir.join("envguard.toml"),
            "[release]\ntrusted_keys = [\"keys/release.pub\"]\nworkflows = [\".github/workflows/release.yml\"]\n\n\
             [environments.prod]\ntier = \"prod\"\naliases = [\"production\"]\nrequired_approvals = 2\n\n\
             [ledger]\ndir = \"ledger\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.join("dist")).unwrap();
        std::fs::write(dir.join("dist/api.tar.gz"), b"\x1f\x8b api release bytes").unwrap();
        std::fs::create_dir_all(dir.join("reports")).unwrap();
        std::fs::write(
            dir.join("reports/junit.xml"),
            r#"<?xml version="1.0"?><testsuites><testsuite name="api" tests="3" failures="0" errors="0"><testcase name="a"/><testcase name="b"/><testcase name="c"/></testsuite></testsuites>"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("reports/envguard.sarif"),
            r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"envguard"}},"results":[{"ruleId":"R02.missing-provenance","level":"warning","message":{"text":"x"}}],"invocations":[{"executionSuccessful":true}]}]}"#,
        )
        .unwrap();
        let o = envguard(&dir, &["ledger", "init", "prod", "--dir", "ledger"], &[]);
        assert!(o.status.success(), "{}", text(&o));
        std::fs::write(
            dir.join("approvals.json"),
            r#"[{"state":"approved","comment":"ship it","environments":[{"id":1,"name":"production"}],"user":{"login":"bob"}},
                {"state":"approved","comment":"","environments":[{"id":1,"name":"production"}],"user":{"login":"carol"}}]"#,
        )
        .unwrap();
        Job { _tmp: tmp, dir }
    }

    /// `release attest` as a GitHub Actions job pushed by alice on `git_ref`.
    fn attest(&self, git_ref: &str) -> Output {
        envguard(
            &self.dir,
            &[
                "release", "attest", "dist/api.tar.gz",
                "registry.example.com/acme/api@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
                "--evidence", "reports/junit.xml", "reports/envguard.sarif",
                "--key", "keys/release.key", "-o", "api.intoto.json",
            ],
            &[
                ("GITHUB_ACTIONS", "true"),
                ("GITHUB_REPOSITORY", "acme/api"),
                ("GITHUB_SHA", COMMIT),
                ("GITHUB_REF", git_ref),
                ("GITHUB_WORKFLOW_REF", &format!("acme/api/.github/workflows/release.yml@{git_ref}")),
                ("GITHUB_RUN_ID", "9001"),
                ("GITHUB_ACTOR", "alice"),
            ],
        )
    }

    fn verify(&self, extra: &[&str]) -> Output {
        let mut args = vec![
            "release",
            "verify",
            "dist/api.tar.gz",
            "--env",
            "prod",
            "--attestation",
            "api.intoto.json",
        ];
        args.extend_from_slice(extra);
        envguard(&self.dir, &args, &[])
    }

    fn verify_json(&self, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["-f", "json"];
        args.extend_from_slice(extra);
        let o = self.verify(&args);
        let v: Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("not JSON: {}", text(&o)));
        (o.status.code().unwrap(), v)
    }

    fn envelope(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.dir.join("api.intoto.json")).unwrap())
            .unwrap()
    }

    fn write_envelope(&self, v: &Value) {
        std::fs::write(self.dir.join("api.intoto.json"), v.to_string()).unwrap();
    }
}

fn status<'v>(report: &'v Value, id: &str) -> (&'v str, &'v str) {
    let c = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}: {report:#}"));
    (c["status"].as_str().unwrap(), c["detail"].as_str().unwrap())
}

#[test]
fn a_good_release_passes_and_the_prod_ledger_holds_the_decision() {
    let job = Job::new();
    let o = job.attest("refs/tags/v1.4.0");
    assert!(o.status.success(), "{}", text(&o));
    let o = job.verify(&["--approvals", "approvals.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    insta::assert_snapshot!("release_verify_pass", String::from_utf8_lossy(&o.stdout));

    // The decision, in the prod ledger, verifiable like any entry.
    let o = envguard(
        &job.dir,
        &["ledger", "export", "prod", "--dir", "ledger"],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let decision: Value = out
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find_map(|l| {
            let e = l.get("event").cloned().unwrap_or(l);
            (e["action"] == "release-verify").then_some(e)
        })
        .unwrap_or_else(|| panic!("no release-verify entry in {out}"));
    let d = &decision["details"];
    assert_eq!(d["result"], "pass");
    assert_eq!(d["tag"], "v1.4.0");
    assert_eq!(d["commit"], COMMIT);
    assert_eq!(d["approvers"], serde_json::json!(["bob", "carol"]));
    assert_eq!(d["subject_sha256"].as_str().unwrap().len(), 64);
    let o = envguard(
        &job.dir,
        &["ledger", "verify", "prod", "--dir", "ledger"],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));

    // An OCI image named by digest is a subject too.
    let mut args = vec![
        "release", "verify",
        "registry.example.com/acme/api@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        "--env", "prod", "--attestation", "api.intoto.json", "--approvals", "approvals.json",
    ];
    let o = envguard(&job.dir, &args, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // Another artifact is not.
    args[2] = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    let o = envguard(&job.dir, &args, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("fail    subject"), "{}", text(&o));
}

#[test]
fn a_tampered_payload_fails_the_signature() {
    let job = Job::new();
    job.attest("refs/tags/v1.4.0");
    let mut env = job.envelope();
    let payload = B64.decode(env["payload"].as_str().unwrap()).unwrap();
    // The same statement, built from main instead: a valid JSON document.
    let forged = String::from_utf8(payload)
        .unwrap()
        .replace("refs/tags/v1.4.0", "refs/heads/main");
    env["payload"] = Value::String(B64.encode(forged));
    job.write_envelope(&env);
    let (code, r) = job.verify_json(&["--approvals", "approvals.json"]);
    assert_eq!(code, 1);
    assert_eq!(r["result"], "fail");
    let (s, detail) = status(&r, "signature");
    assert_eq!(s, "fail");
    assert!(
        detail.contains("payload or the signature was altered"),
        "{detail}"
    );
    // Nothing of the unsigned payload is believed.
    assert_eq!(status(&r, "source-tag").0, "skipped");
    assert_eq!(status(&r, "approvals").0, "skipped");
    assert_eq!(r["source"]["ref"], Value::Null);
    insta::assert_json_snapshot!("release_verify_tampered_payload", r);
}

#[test]
fn a_tampered_signature_fails_the_signature() {
    let job = Job::new();
    job.attest("refs/tags/v1.4.0");
    let mut env = job.envelope();
    let mut sig = B64
        .decode(env["signatures"][0]["sig"].as_str().unwrap())
        .unwrap();
    sig[10] ^= 0x01;
    env["signatures"][0]["sig"] = Value::String(B64.encode(sig));
    job.write_envelope(&env);
    let (code, r) = job.verify_json(&["--approvals", "approvals.json"]);
    assert_eq!(code, 1);
    assert_eq!(status(&r, "signature").0, "fail");
    assert_eq!(status(&r, "key-id").0, "pass", "the keyid itself is intact");
}

#[test]
fn a_tampered_or_unknown_key_id_fails_the_key_id() {
    let job = Job::new();
    job.attest("refs/tags/v1.4.0");
    let mut env = job.envelope();
    env["signatures"][0]["keyid"] = Value::String("0".repeat(64));
    job.write_envelope(&env);
    let (code, r) = job.verify_json(&["--approvals", "approvals.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        status(&r, "signature").0,
        "pass",
        "keyid is outside the signed bytes"
    );
    let (s, detail) = status(&r, "key-id");
    assert_eq!(s, "fail");
    assert!(
        detail.contains("0000000000000000") && detail.contains("unknown key id"),
        "{detail}"
    ); // A key id of multi-byte characters is quoted, not cut in half.
    env["signatures"][0]["keyid"] = Value::String("é".repeat(20));
    job.write_envelope(&env);
    let (code, r) = job.verify_json(&["--approvals", "approvals.json"]);
    assert_eq!(code, 1);
    assert!(status(&r, "key-id").1.contains(&"é".repeat(16)), "{r:#}");
}

#[test]
fn a_key_that_is_not_trusted_fails() {
    let job = Job::new();
    let other = ReleaseSigner::from_seed(&[12u8; 32]);
    std::fs::write(job.dir.join("keys/other.key"), other.to_pem().unwrap()).unwrap();
    let o = envguard(
        &job.dir,
        &[
            "release",
            "attest",
            "dist/api.tar.gz",
            "--evidence",
            "reports/junit.xml",
            "-o",
            "api.intoto.json",
            "--commit",
            COMMIT,
            "--ref",
            "refs/tags/v1.4.0",
            "--workflow",
            ".github/workflows/release.yml",
            "--author",
            "alice",
        ],
        &[("ENVGUARD_RELEASE_KEY", &other.to_pem().unwrap())],
    );
    assert!(o.status.success(), "{}", text(&o));
    let (code, r) = job.verify_json(&["--approvals", "approvals.json"]);
    assert_eq!(code, 1);
    assert_eq!(status(&r, "signature").0, "fail");
    let (s, detail) = status(&r, "key-id");
    assert_eq!(s, "fail");
    assert!(detail.contains(&other.key_id()[..16]), "{detail}");
}

#[test]
fn a_branch_build_fails_the_tag_check() {
    let job = Job::new();
    job.attest("refs/heads/main");
    let (code, r) = job.verify_json(&["--approvals", "approvals.json"]);
    assert_eq!(code, 1);
    let (s, detail) = status(&r, "source-tag");
    assert_eq!(s, "fail");
    assert!(
        detail.contains("built from refs/heads/main") && detail.contains("not from a release tag"),
        "{detail}"
    );
    // Everything else about it is fine.
    assert_eq!(
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] != "pass")
            .count(),
        1
    );
}

#[test]
fn approvals_by_the_author_alone_fail() {
    let job = Job::new();
    job.attest("refs/tags/v1.4.0");
    std::fs::write(
        job.dir.join("self.json"),
        r#"[{"state":"approved","comment":"lgtm","environments":[{"name":"production"}],"user":{"login":"alice"}},
            {"state":"approved","comment":"","environments":[{"name":"production"}],"user":{"login":"Alice"}},
            {"state":"approved","comment":"","environments":[{"name":"staging"}],"user":{"login":"bob"}}]"#,
    )
    .unwrap();
    let (code, r) = job.verify_json(&["--approvals", "self.json"]);
    assert_eq!(code, 1);
    let (s, detail) = status(&r, "approvals");
    assert_eq!(s, "fail");
    assert!(
        detail.starts_with("0 distinct approver(s) other than the author, 2 required"),
        "{detail}"
    );
    assert!(detail.contains("alice is the author"), "{detail}");
    // No approvals file at all.
    let (code, r) = job.verify_json(&[]);
    assert_eq!(code, 1);
    assert!(status(&r, "approvals")
        .1
        .contains("no --approvals file given"));
}

#[test]
fn evidence_that_failed_changed_or_vanished_fails() {
    let job = Job::new();
    job.attest("refs/tags/v1.4.0");
    std::fs::write(
        job.dir.join("reports/junit.xml"),
        r#"<testsuite name="api" tests="3" failures="1"><testcase name="a"><failure message="boom"/></testcase></testsuite>"#,
    )
    .unwrap();
    let (code, r) = job.verify_json(&["--approvals", "approvals.json"]);
    assert_eq!(code, 1);
    let (s, detail) = status(&r, "evidence");
    assert_eq!(s, "fail");
    assert!(
        detail.contains("reports/junit.xml: sha256:") && detail.contains("changed after the build"),
        "{detail}"
    );
    std::fs::remove_file(job.dir.join("reports/envguard.sarif")).unwrap();
    let (_, r) = job.verify_json(&["--approvals", "approvals.json"]);
    assert!(
        status(&r, "evidence")
            .1
            .contains("reports/envguard.sarif: missing"),
        "{r:#}"
    );

    // Red tests attested as they were: the report says they did not pass.
    let job = Job::new();
    std::fs::write(
        job.dir.join("reports/junit.xml"),
        r#"<testsuite name="api" tests="3" failures="1"><testcase name="a"><failure message="boom"/></testcase></testsuite>"#,
    )
    .unwrap();
    job.attest("refs/tags/v1.4.0");
    let (_, r) = job.verify_json(&["--approvals", "approvals.json"]);
    let (s, detail) = status(&r, "evidence");
    assert_eq!(s, "fail");
    assert!(
        detail.contains("reports/junit.xml (junit): did not pass: 3 tests, 1 failures"),
        "{detail}"
    );
}

#[test]
fn unusable_input_exits_2_naming_the_file_and_field() {
    let job = Job::new();
    job.attest("refs/tags/v1.4.0");
    std::fs::write(
        job.dir.join("bad.json"),
        r#"[{"state":"approved","environments":[{"name":"prod"}]}]"#,
    )
    .unwrap();
    let o = job.verify(&["--approvals", "bad.json"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("bad.json: $[0].user.login: missing"),
        "{}",
        text(&o)
    );

    std::fs::write(job.dir.join("api.intoto.json"), "{\"payload\": 1}").unwrap();
    let o = job.verify(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("api.intoto.json: not a DSSE envelope"),
        "{}",
        text(&o)
    );

    let o = job.verify(&["--config", "missing.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("missing.toml: cannot read"),
        "{}",
        text(&o)
    );

    // Evidence outside the working folder cannot be found again by verify.
    let o = envguard(
        &job.dir,
        &[
            "release",
            "attest",
            "dist/api.tar.gz",
            "--evidence",
            "../junit.xml",
            "--commit",
            COMMIT,
            "--key",
            "keys/release.key",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("--evidence ../junit.xml: give a path relative"),
        "{}",
        text(&o)
    );

    // Attest outside CI without the context it needs.
    let o = envguard(
        &job.dir,
        &[
            "release",
            "attest",
            "dist/api.tar.gz",
            "--key",
            "keys/release.key",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("the commit is unknown"), "{}", text(&o));
    // A key in the environment that is not a key: named, not printed.
    let o = envguard(
        &job.dir,
        &["release", "attest", "dist/api.tar.gz", "--commit", COMMIT],
        &[("ENVGUARD_RELEASE_KEY", "hunter2-not-a-pem")],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("ENVGUARD_RELEASE_KEY: not an Ed25519 private key"),
        "{}",
        text(&o)
    );
    assert!(!text(&o).contains("hunter2"), "{}", text(&o));
}

/// A tiny HTTP receiver on loopback: answers each request with the next
/// status of `statuses` (the last one repeated), keeps the bodies.
struct Receiver {
    url: String,
    bodies: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

fn receiver(statuses: &'static [u16]) -> Receiver {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/services/T0/B0/secret-token",
        listener.local_addr().unwrap()
    );
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = bodies.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0u8; len];
            reader.read_exact(&mut body).unwrap();
            seen.lock().unwrap().push(String::from_utf8(body).unwrap());
            let status = statuses[n.min(statuses.len() - 1)];
            let reason = if status == 200 {
                "OK"
            } else {
                "Service Unavailable"
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} {reason}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            );
        }
    });
    Receiver { url, bodies }
}

/// aiosmtpd from the test virtual environment, on a free loopback port,
/// delivering into a Maildir; killed on drop.
struct Smtpd {
    child: std::process::Child,
    port: u16,
    maildir: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn venv() -> PathBuf {
    let venv = match std::env::var("ENVGUARD_TEST_VENV") {
        Ok(v) if !v.is_empty() => PathBuf::from(v),
        _ => {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            let o = Command::new("bash")
                .arg(root.join("scripts/pyenv.sh"))
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "scripts/pyenv.sh could not provide aiosmtpd: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            PathBuf::from(String::from_utf8(o.stdout).unwrap().trim())
        }
    };
    assert!(
        venv.join("bin/python").is_file(),
        "{}: no test virtual environment",
        venv.display()
    );
    venv
}

fn smtpd() -> Smtpd {
    let tmp = tempfile::tempdir().unwrap();
    let maildir = tmp.path().join("mail");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(venv().join("bin/python"))
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(&maildir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("aiosmtpd from the test virtual environment (scripts/pyenv.sh)");
    let mut server = Smtpd {
        child,
        port,
        maildir,
        _tmp: tmp,
    };
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("aiosmtpd exited ({status}) before listening");
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "aiosmtpd did not listen"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    server.child.try_wait().unwrap();
    server
}

impl Job {
    /// A passed release decision in the prod ledger, and the channels.
    fn released(&self, smtp_port: Option<u16>) {
        self.attest("refs/tags/v1.4.0");
        let o = self.verify(&["--approvals", "approvals.json"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let mut toml = std::fs::read_to_string(self.dir.join("envguard.toml")).unwrap();
        toml = toml.replace(
            "[release]\n",
            "[release]\nnotify_webhook_envs = [\"RELEASE_WEBHOOK_URL\"]\n",
        );
        if let Some(port) = smtp_port {
            toml.push_str(&format!(
                "\n[release.smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"releases@acme.example\"\nto = [\"ops@acme.example\", \"audit@acme.example\"]\n"
            ));
        }
        std::fs::write(self.dir.join("envguard.toml"), toml).unwrap();
        std::fs::write(
            self.dir.join("NOTES.md"),
            "- Fixes the login timeout (#412)\n",
        )
        .unwrap();
    }
}

#[test]
fn notify_reaches_the_webhook_after_a_503_and_the_smtp_server() {
    let job = Job::new();
    let smtp = smtpd();
    job.released(Some(smtp.port));
    let hook = receiver(&[503, 200]);
    let o = envguard(
        &job.dir,
        &[
            "release",
            "notify",
            "--env",
            "prod",
            "--notes",
            "NOTES.md",
            "--retry-delay-ms",
            "50",
        ],
        &[("RELEASE_WEBHOOK_URL", &hook.url)],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    // The retry is shown; the webhook's secret path is not.
    assert!(
        out.contains("delivered webhook http://127.0.0.1:")
            && out.contains("after 2 attempt(s): HTTP 503 Service Unavailable; HTTP 200 OK"),
        "{out}"
    );
    assert!(!out.contains("secret-token"), "{out}");
    assert!(
        out.contains(&format!(
            "delivered smtp 127.0.0.1:{}  after 1 attempt(s): accepted (250)",
            smtp.port
        )),
        "{out}"
    );

    let bodies = hook.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2, "one 503, one 200");
    let body: Value = serde_json::from_str(&bodies[1]).unwrap();
    let t = body["text"].as_str().unwrap();
    assert!(
        t.starts_with("Deployed dist/api.tar.gz v1.4.0 to prod at ")
            && t.ends_with("(commit 4b825dc642cb, approved by bob, carol)"),
        "{t}"
    );
    assert_eq!(
        body["blocks"][0]["text"]["text"],
        "Deployed to prod: v1.4.0"
    );
    assert_eq!(
        body["blocks"][1]["fields"][5]["text"],
        "*Ledger*\nprod entry 0"
    );
    assert_eq!(
        body["blocks"][2]["text"]["text"],
        "*Release notes*\n- Fixes the login timeout (#412)"
    );

    let mails: Vec<_> = std::fs::read_dir(smtp.maildir.join("new"))
        .unwrap()
        .collect();
    assert_eq!(mails.len(), 1);
    let mail = std::fs::read_to_string(mails[0].as_ref().unwrap().path()).unwrap();
    assert!(
        mail.contains("Subject: [prod] deployed dist/api.tar.gz v1.4.0"),
        "{mail}"
    );
    assert!(
        mail.contains("To: ops@acme.example, audit@acme.example"),
        "{mail}"
    );
    assert!(
        mail.contains("Approvers:   bob, carol") && mail.contains("Fixes the login timeout"),
        "{mail}"
    );

    // The deliveries are in the ledger beside the decision.
    let o = envguard(
        &job.dir,
        &["ledger", "export", "prod", "--dir", "ledger"],
        &[],
    );
    let export = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        export.contains("\"release-notify\"") && export.contains("HTTP 503 Service Unavailable"),
        "{export}"
    );
}

#[test]
fn a_notification_that_keeps_failing_is_reported_and_recorded() {
    let job = Job::new();
    job.released(None);
    let hook = receiver(&[503]);
    let o = envguard(
        &job.dir,
        &[
            "release",
            "notify",
            "--env",
            "prod",
            "--retries",
            "2",
            "--retry-delay-ms",
            "20",
            "-f",
            "json",
        ],
        &[("RELEASE_WEBHOOK_URL", &hook.url)],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["result"], "failed");
    assert_eq!(
        r["deliveries"][0]["attempts"].as_array().unwrap().len(),
        3,
        "bounded: 1 + 2 retries"
    );
    assert_eq!(hook.bodies.lock().unwrap().len(), 3);
    assert_eq!(r["ledger_index"], 1, "recorded after the decision");

    // Nobody listening: connection refused, retried, failed, recorded.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = envguard(
        &job.dir,
        &[
            "release",
            "notify",
            "--env",
            "prod",
            "--retries",
            "1",
            "--retry-delay-ms",
            "20",
        ],
        &[(
            "RELEASE_WEBHOOK_URL",
            &format!("http://127.0.0.1:{port}/hook"),
        )],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("failed    webhook http://127.0.0.1:"),
        "{}",
        text(&o)
    );
    // The variable unset: a failed channel, not a silent skip.
    let o = envguard(&job.dir, &["release", "notify", "--env", "prod"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("$RELEASE_WEBHOOK_URL is not set"),
        "{}",
        text(&o)
    );
}

#[test]
fn notify_needs_a_passed_decision() {
    let job = Job::new();
    job.attest("refs/heads/main");
    let o = job.verify(&["--approvals", "approvals.json"]);
    assert_eq!(o.status.code(), Some(1));
    std::fs::write(
        job.dir.join("envguard.toml"),
        std::fs::read_to_string(job.dir.join("envguard.toml"))
            .unwrap()
            .replace("[release]\n", "[release]\nnotify_webhook_envs = [\"X\"]\n"),
    )
    .unwrap();
    let o = envguard(&job.dir, &["release", "notify", "--env", "prod"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("ledger entry 0: the release decision failed"),
        "{}",
        text(&o)
    );
}

#[test]
fn release_notes_come_from_the_annotated_tag() {
    let job = Job::new();
    job.released(None);
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args([
                "-c",
                "user.name=Alice",
                "-c",
                "user.email=alice@acme.example",
                "-c",
                "commit.gpgsign=false",
                "-c",
                "tag.gpgsign=false",
            ])
            .args(args)
            .current_dir(&job.dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "git {args:?}: {}", text(&o));
    };
    git(&["init", "-q"]);
    git(&["commit", "-q", "--allow-empty", "-m", "release"]);
    let hook = receiver(&[200]);
    // No tag v1.4.0 yet: named, exit 2, nothing sent.
    let o = envguard(
        &job.dir,
        &["release", "notify", "--env", "prod", "--notes-from-tag"],
        &[("RELEASE_WEBHOOK_URL", &hook.url)],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("tag v1.4.0: no tag message"),
        "{}",
        text(&o)
    );
    assert!(hook.bodies.lock().unwrap().is_empty());
    git(&[
        "tag",
        "-a",
        "v1.4.0",
        "-m",
        "Records API 1.4.0\n\nAudit export in CSV.",
    ]);
    let o = envguard(
        &job.dir,
        &["release", "notify", "--env", "prod", "--notes-from-tag"],
        &[("RELEASE_WEBHOOK_URL", &hook.url)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let body: Value = serde_json::from_str(&hook.bodies.lock().unwrap()[0]).unwrap();
    assert_eq!(
        body["blocks"][2]["text"]["text"],
        "*Release notes*\nRecords API 1.4.0\n\nAudit export in CSV."
    );
}
