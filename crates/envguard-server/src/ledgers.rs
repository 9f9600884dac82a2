//! One thread per environment owns that environment's [`Ledger`] (a SQLite
//! connection, not shared between threads) and runs the requests' work on it
//! in arrival order; the async handlers wait for the answer without blocking
//! the runtime. One writer per ledger is also what the store wants.

use envguard_ledger::{Ledger, LedgerError};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;

type Job = Box<dyn FnOnce(&mut Ledger) + Send>;

/// The ledgers of one directory, opened on first use.
pub struct Ledgers {
    dir: PathBuf,
    open: tokio::sync::Mutex<HashMap<String, Arc<mpsc::Sender<Job>>>>,
    threads: std::sync::Mutex<Vec<JoinHandle<()>>>,
}

/// Why a job did not run.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("the ledger thread of {0} has stopped")]
    Stopped(String),
}

impl Ledgers {
    pub fn new(dir: PathBuf) -> Ledgers {
        Ledgers {
            dir,
            open: tokio::sync::Mutex::new(HashMap::new()),
            threads: std::sync::Mutex::new(Vec::new()),
        }
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    async fn sender(&self, env: &str) -> Result<Arc<mpsc::Sender<Job>>, CallError> {
        let mut open = self.open.lock().await;
        if let Some(tx) = open.get(env) {
            return Ok(tx.clone());
        }
        let (tx, rx) = mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let (dir, name) = (self.dir.clone(), env.to_owned());
        let handle = std::thread::Builder::new()
            .name(format!("ledger-{env}"))
            .spawn(move || {
                let mut ledger = match Ledger::open(&dir, &name) {
                    Ok(l) => {
                        let _ = ready_tx.send(Ok(()));
                        l
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                // Ends when every sender is dropped (shutdown).
                while let Ok(job) = rx.recv() {
                    job(&mut ledger);
                }
            })
            .map_err(|e| CallError::Stopped(format!("{env} ({e})")))?;
        let opened = ready_rx
            .await
            .map_err(|_| CallError::Stopped(env.to_owned()))?;
        if let Ok(mut t) = self.threads.lock() {
            t.push(handle);
        }
        opened?;
        let tx = Arc::new(tx);
        open.insert(env.to_owned(), tx.clone());
        Ok(tx)
    }

    /// Runs `f` on the ledger of `env` (opened if needed) on its thread.
    pub async fn call<R: Send + 'static>(
        &self,
        env: &str,
        f: impl FnOnce(&mut Ledger) -> Result<R, LedgerError> + Send + 'static,
    ) -> Result<R, CallError> {
        let tx = self.sender(env).await?;
        let (res_tx, res_rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |l| {
            let _ = res_tx.send(f(l));
        });
        let sent = tx.send(job).is_ok();
        match res_rx.await {
            Ok(r) if sent => Ok(r?),
            _ => {
                // The thread ended (a panic in a job): the next call opens
                // the ledger again on a new thread (the store rolled back).
                let mut open = self.open.lock().await;
                if open.get(env).is_some_and(|t| Arc::ptr_eq(t, &tx)) {
                    open.remove(env);
                }
                Err(CallError::Stopped(env.to_owned()))
            }
        }
    }

    /// Lets every ledger thread finish its queued work, then joins them.
    pub async fn close(&self) {
        self.open.lock().await.clear();
        let threads = match self.threads.lock() {
            Ok(mut t) => std::mem::take(&mut *t),
            Err(_) => return,
        };
        let _ = tokio::task::spawn_blocking(move || {
            for t in threads {
                let _ = t.join();
            }
        })
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use envguard_ledger::LedgerConfig;

    #[tokio::test]
    async fn a_panicking_job_is_reported_and_the_ledger_reopens() {
        let d = tempfile::tempdir().expect("tempdir");
        Ledger::init(d.path(), LedgerConfig::defaults("dev")).expect("init");
        let ledgers = Ledgers::new(d.path().to_path_buf());
        let size = |l: &mut Ledger| Ok(l.store().size()?);
        assert_eq!(ledgers.call("dev", size).await.expect("size"), 0);
        let r = ledgers
            .call::<()>("dev", |_| panic!("a job that fails"))
            .await;
        assert!(matches!(r, Err(CallError::Stopped(_))), "{r:?}");
        assert_eq!(ledgers.call("dev", size).await.expect("reopened"), 0);
        let r = ledgers.call("prod", size).await;
        assert!(
            matches!(r, Err(CallError::Ledger(LedgerError::Missing { .. }))),
            "{r:?}"
        );
        ledgers.close().await;
    }
}
