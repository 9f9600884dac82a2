//! A throwaway PostgreSQL cluster for tests, started by `scripts/pg.sh` on a
//! free loopback port in a temporary directory. One cluster serves every test
//! of a test binary that runs while it is up: [`cluster`] hands out shared
//! guards, and the last guard dropped stops it (`pg.sh stop`). `pg.sh` also
//! watches this process, so an aborted test binary leaves no server behind.
//! Each test takes a database of its own ([`PgCluster::fresh_db`]).
//!
//! Fails (never skips) with pg.sh's message when PostgreSQL cannot be started.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

pub struct PgCluster {
    dir: tempfile::TempDir,
    /// URL of the cluster's `postgres` database.
    pub url: String,
}

static CLUSTER: Mutex<Weak<PgCluster>> = Mutex::new(Weak::new());
static NEXT_DB: AtomicU64 = AtomicU64::new(0);

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg.sh")
}

/// The running cluster, started if none is.
pub fn cluster() -> Arc<PgCluster> {
    let mut slot = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = slot.upgrade() {
        return c;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(script())
        .arg("start")
        .arg(dir.path())
        .arg("--watch")
        .arg(std::process::id().to_string())
        .output()
        .expect("running bash scripts/pg.sh");
    assert!(
        out.status.success(),
        "scripts/pg.sh could not start PostgreSQL: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let c = Arc::new(PgCluster { dir, url });
    *slot = Arc::downgrade(&c);
    c
}

impl PgCluster {
    /// A new, empty database; its URL.
    pub fn fresh_db(&self) -> String {
        let name = format!(
            "t{}_{}",
            std::process::id(),
            NEXT_DB.fetch_add(1, Ordering::Relaxed)
        );
        let mut c = postgres::Client::connect(&self.url, postgres::NoTls).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let base = self.url.rsplit_once('/').unwrap().0;
        format!("{base}/{name}")
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}
