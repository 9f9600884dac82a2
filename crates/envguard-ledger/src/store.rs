//! Storage behind a ledger. The trait speaks of entries, perfect subtree
//! hashes and checkpoints; the SQLite implementation is [`crate::sqlite`]
//! (`BEGIN IMMEDIATE`), the PostgreSQL one [`crate::postgres`] (an advisory
//! lock per environment): each makes [`Store::append`] atomic and serialised.

use crate::merkle::{Hash, NodeSource};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage: {0}")]
    Backend(String),
    #[error("storage is corrupt: {0}")]
    Corrupt(String),
    #[error("storage schema version {found}, this envguard reads {expected}")]
    Version { found: String, expected: String },
}

/// A new entry: the labels kept in clear for filtering, its canonical payload and leaf hash.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub leaf_hash: Hash,
    pub payload: Vec<u8>,
    pub unix_seconds: i64,
    pub tenant_id: String,
    pub actor_role: Option<String>,
    pub kind: String,
}

/// A stored entry; `payload` is `None` once pruned.
#[derive(Debug, Clone)]
pub struct EntryRow {
    pub index: u64,
    pub leaf_hash: Hash,
    pub payload: Option<Vec<u8>>,
    pub unix_seconds: i64,
    pub tenant_id: String,
    pub actor_role: Option<String>,
    pub kind: String,
}

/// A stored signed checkpoint.
#[derive(Debug, Clone)]
pub struct CheckpointRow {
    pub size: u64,
    pub root: Hash,
    pub note: String,
    pub created_unix: i64,
}

/// What one atomic append did.
#[derive(Debug, Clone, Copy)]
pub struct Appended {
    pub first_index: u64,
    pub count: u64,
    pub size: u64,
    pub root: Hash,
}

/// Counts for `ledger stats`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StoreStats {
    pub entries: u64,
    pub pruned: u64,
    pub checkpoints: u64,
    pub latest_checkpoint_size: Option<u64>,
    pub oldest_unix: Option<i64>,
    pub newest_unix: Option<i64>,
    pub bytes: u64,
}

/// Takes the entries of one append, in order.
pub type AppendSink<'a> = dyn FnMut(&[NewEntry]) -> Result<(), StoreError> + 'a;

/// Feeds a [`Store::append_with`]: calls the sink with each piece in turn.
pub type AppendFill<'a> = dyn FnMut(&mut AppendSink<'_>) -> Result<(), StoreError> + 'a;

/// Storage for one environment's ledger.
pub trait Store {
    /// Number of entries.
    fn size(&self) -> Result<u64, StoreError>;
    /// Appends `entries` atomically after whatever is stored at that moment
    /// (serialised against other writers, in this and other processes), storing
    /// every perfect subtree hash the new leaves complete.
    fn append(&mut self, entries: &[NewEntry]) -> Result<Appended, StoreError> {
        self.append_with(&mut |sink| sink(entries))
    }
    /// The same atomic append, fed in pieces: `fill` hands the entries, in
    /// order, to the sink it is given, and the store commits them all when
    /// `fill` returns `Ok` (nothing is written if `fill` or the sink fails).
    /// The caller can prepare the next piece while the store writes this one.
    fn append_with(&mut self, fill: &mut AppendFill<'_>) -> Result<Appended, StoreError>;
    /// Hash of the perfect subtree at (`level`, `index`); level 0 is a leaf hash.
    fn node(&self, level: u32, index: u64) -> Result<Hash, StoreError>;
    /// Records a signed checkpoint (idempotent per size).
    fn add_checkpoint(&mut self, cp: &CheckpointRow) -> Result<(), StoreError>;
    /// All checkpoints, by size.
    fn checkpoints(&self) -> Result<Vec<CheckpointRow>, StoreError>;
    fn latest_checkpoint(&self) -> Result<Option<CheckpointRow>, StoreError>;
    fn entry(&self, index: u64) -> Result<Option<EntryRow>, StoreError>;
    /// The index of the entry with this leaf hash, if any.
    fn find_leaf(&self, leaf: &Hash) -> Result<Option<u64>, StoreError>;
    /// Streams entries from `from`, in order, until `f` returns `false`.
    fn scan(
        &self,
        from: u64,
        f: &mut dyn FnMut(EntryRow) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError>;
    /// Streams every stored internal node `(level >= 1, index, hash)`.
    fn scan_nodes(
        &self,
        f: &mut dyn FnMut(u32, u64, Hash) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError>;
    /// Drops payloads of entries older than `cutoff_unix`, keeping leaf hashes.
    fn prune_before(&mut self, cutoff_unix: i64) -> Result<u64, StoreError>;
    fn stats(&self) -> Result<StoreStats, StoreError>;
}

/// Adapts a store to the Merkle proof code.
pub struct StoreNodes<'a>(pub &'a dyn Store);

impl NodeSource for StoreNodes<'_> {
    type Error = StoreError;
    fn node(&self, level: u32, index: u64) -> Result<Hash, StoreError> {
        self.0.node(level, index)
    }
}
