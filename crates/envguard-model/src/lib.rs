//! The envguard core model: environments and their tiers, the inventory
//! (`envguard.toml`), source regions, extracted facts and findings.
//!
//! This crate does no I/O: it is shared by the extractors, the detectors, the
//! rules, the engine and the reporters, so every one of them speaks of the same
//! environment, the same span and the same finding.

mod fact;
mod finding;
mod infer;
mod inventory;
mod isolation;
mod result;
mod span;
mod tier;

pub use fact::{EnvHint, Extraction, Fact, Format, ParseIssue, ValueOrigin};
pub use finding::{
    Confidence, Diagnostic, DiagnosticKind, Finding, FindingBuilder, Location, RelatedLocation,
    Severity, Suppression, SuppressionKind,
};
pub use infer::{infer_environment, is_test_fixture, is_test_path, InferredEnv};
pub use inventory::{
    DataClass, EnvAttribution, Environment, Inventory, InventoryError, ScanSettings,
};
pub use isolation::{CrossReference, EnvIsolation, Isolation};
pub use result::{EnvSummary, RuleMeta, ScanResult, ScanStats};
pub use span::{LineIndex, Region};
pub use tier::Tier;

/// Frees a large structure (every file's facts, a workspace of HCL trees) on a
/// thread of its own, so the scan's result is not held back by hundreds of
/// thousands of small frees. When no thread can be started, the failed spawn
/// drops the closure, and with it the value, right here.
pub fn drop_in_background<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("envguard-free".into())
        .spawn(move || drop(value));
}
