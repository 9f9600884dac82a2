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
mod path_role;
mod profile;
mod result;
mod span;
mod store_facts;
mod tier;

pub use fact::{EnvHint, Extraction, Fact, Format, ParseIssue, ValueOrigin};
pub use finding::{
    Confidence, Diagnostic, DiagnosticKind, Finding, FindingBuilder, Location, RelatedLocation,
    Severity, Suppression, SuppressionKind,
};
pub use infer::{infer_environment, is_test_fixture, is_test_path, is_weak_name, InferredEnv};
#[cfg(feature = "schema")]
pub use inventory::inventory_schema;
pub use inventory::{
    DataClass, EnvAttribution, Environment, Inventory, InventoryError, InventoryErrors,
    ReleaseSettings, ScanSettings, SmtpSettings,
};
pub use isolation::{CrossReference, EnvIsolation, Isolation};
pub use path_role::PathRole;
pub use profile::Profile;
pub use result::{EnvSummary, RuleMeta, ScanResult, ScanStats};
pub use span::{LineIndex, Region};
pub use store_facts::{
    GlobStyle, LiveSecrets, SecretKind, StoreCapability, StoreEnvironment, StoreFacts, StoreGrant,
    StorePolicy, StoreReach, StoreSecret, StoreUnchecked,
};
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

/// Cores to use when a scan is given `0` threads (at least one).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Maps `items` on up to `threads` threads (`0`: one per core). Each thread
/// builds its own state with `init` (an evaluator and its caches) and takes
/// `chunk` items at a time, in turn, until none are left, so threads stay busy
/// when some items cost more than others. Results come back in item order,
/// whatever the thread count; a panic in a worker is raised again here.
pub fn par_map<T, S, R>(
    items: &[T],
    threads: usize,
    chunk: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    let chunks: Vec<&[T]> = items.chunks(chunk.max(1)).collect();
    let threads = match threads {
        0 => cores(),
        n => n,
    }
    .clamp(1, chunks.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut state = init();
        let mut done: Vec<(usize, Vec<R>)> = Vec::new();
        loop {
            let c = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(part) = chunks.get(c) else { break };
            done.push((c, part.iter().map(|x| f(&mut state, x)).collect()));
        }
        done
    };
    let mut parts = if threads == 1 {
        work()
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads).map(|_| s.spawn(work)).collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect::<Vec<_>>()
        })
    };
    parts.sort_by_key(|(c, _)| *c);
    parts.into_iter().flat_map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn par_map_keeps_item_order_on_any_thread_count() {
        let items: Vec<u32> = (0..1000).collect();
        for threads in [1, 2, 3, 8] {
            let out = super::par_map(
                &items,
                threads,
                7,
                || 0u32,
                |n, x| {
                    *n += 1;
                    x * 2
                },
            );
            assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        }
    }

    #[test]
    #[should_panic(expected = "worker")]
    fn par_map_raises_a_workers_panic() {
        let items = [1, 2, 3, 4];
        super::par_map(
            &items,
            2,
            1,
            || (),
            |_, x| {
                assert!(*x != 3, "worker");
                *x
            },
        );
    }
}
