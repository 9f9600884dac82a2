//! The scan pipeline: walk files → attribute to environments → extract facts per
//! format → detect secrets → run rules → apply inline ignores, waivers and
//! baselines. Returns one [`ScanResult`] for the reporters.

mod changes;
mod dataset;
mod events;
mod init;
mod isolation;
mod pipelines;
mod process;
pub mod scope;
mod suppress;
mod walk;

pub use changes::ChangedFiles;
pub use init::infer_inventory;
pub use pipelines::collect_pipelines;
pub use suppress::{Baseline, BaselineEntry, WaiverError, WaiverFile};
pub use walk::{check, CheckOptions, Progress};

use std::path::PathBuf;

/// An error that stops a scan (exit code 2). Problems with single files never
/// do: they become diagnostics and the scan goes on.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },
}
