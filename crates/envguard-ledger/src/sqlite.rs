//! The SQLite store: one file per environment, WAL, `synchronous = FULL`,
//! appends in `BEGIN IMMEDIATE` transactions so concurrent writers from several
//! processes serialise and never fork the tree.
//!
//! An append writes each table at the end of a key range, so the pages it
//! dirties are about the bytes it adds, however large the ledger: `entries` is
//! keyed by position, `nodes` by level then position, `entries_ts` by time and
//! `leaf_keys` by epoch first (see [`EPOCH_BITS`]).

use crate::merkle::{frontier_positions, Appender, Hash};
use crate::store::{
    AppendFill, Appended, CheckpointRow, EntryRow, NewEntry, Store, StoreError, StoreStats,
};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::Path;

/// Pinned storage schema version.
pub const STORE_SCHEMA_VERSION: &str = "3";

/// Page size of new files: a row holding a 1 KB event takes ~1.15 KB, of which
/// a 4 KiB page holds three (15% of the page left empty), an 8 KiB page seven
/// (1% empty); fewer, fuller pages also mean fewer WAL frames and write calls.
const PAGE_SIZE: i64 = 8192;

/// Checkpoint the WAL into the database once it holds this much (SQLite's
/// default is 1,000 pages). A checkpoint runs inside the commit that crosses
/// it, so this bounds the extra latency one append can see.
const WAL_CHECKPOINT_BYTES: i64 = 8 << 20;

/// Truncate the WAL back to this size after a checkpoint (a single huge batch
/// would otherwise leave a WAL file as large behind for good).
const WAL_LIMIT_BYTES: i64 = 64 << 20;

/// Page cache per connection, in KiB (SQLite's default is 2 MiB, which the
/// append path's B-tree pages outgrow past a few hundred thousand entries).
const CACHE_KIB: i64 = 64 * 1024;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries(
    idx INTEGER PRIMARY KEY,
    leaf_hash BLOB NOT NULL,
    ts INTEGER NOT NULL,
    tenant_id TEXT NOT NULL,
    actor_role TEXT,
    kind TEXT NOT NULL,
    payload BLOB
);
CREATE TABLE IF NOT EXISTS leaf_keys(
    epoch INTEGER NOT NULL,
    key INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    PRIMARY KEY(epoch, key, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_ts ON entries(ts);
CREATE TABLE IF NOT EXISTS nodes(id INTEGER PRIMARY KEY, hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints(
    size INTEGER PRIMARY KEY,
    root BLOB NOT NULL,
    note TEXT NOT NULL,
    created INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS entries_append_only BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
CREATE TRIGGER IF NOT EXISTS entries_immutable BEFORE UPDATE OF idx, leaf_hash, ts, tenant_id, actor_role, kind ON entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
CREATE TRIGGER IF NOT EXISTS payload_only_pruned BEFORE UPDATE OF payload ON entries
WHEN NEW.payload IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a payload can only be pruned'); END;
CREATE TRIGGER IF NOT EXISTS leaf_keys_append_only BEFORE UPDATE ON leaf_keys
BEGIN SELECT RAISE(ABORT, 'leaf keys are immutable'); END;
CREATE TRIGGER IF NOT EXISTS nodes_append_only BEFORE UPDATE ON nodes
BEGIN SELECT RAISE(ABORT, 'tree nodes are immutable'); END;
CREATE TRIGGER IF NOT EXISTS checkpoints_append_only BEFORE UPDATE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are immutable'); END;
";

fn be(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn node_id(level: u32, index: u64) -> i64 {
    ((u64::from(level) << 48) | index) as i64
}

fn to_i64(v: u64) -> i64 {
    v as i64
}

/// The first 8 bytes of a leaf hash as a signed integer: the `leaf_keys`
/// index holds only this (a quarter of the hash, an integer compare), and
/// [`Store::find_leaf`] confirms the full hash on the entry.
fn leaf_key(h: &Hash) -> i64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&h.0[..8]);
    i64::from_be_bytes(b)
}

/// `leaf_keys` is keyed by `(epoch, key, idx)` with `epoch = idx >> EPOCH_BITS`:
/// the hash prefixes of one epoch (8,192 consecutive entries) form one small
/// run of the B-tree, a few dozen pages. An append inserts only into the last
/// epoch's run, so the index pages it dirties stay few however large the
/// ledger grows; keyed by hash prefix alone (store version 2), a 1,000-event
/// batch dirtied ~900 index pages at 1M entries, three times the pages of the
/// events themselves, and commits slowed with size. A lookup by hash seeks
/// once per epoch (123 seeks at 1M entries).
pub const EPOCH_BITS: u32 = 13;

/// The `leaf_keys` epoch of entry `index`.
fn epoch_of(index: u64) -> i64 {
    to_i64(index >> EPOCH_BITS)
}

fn hash_of(b: &[u8], what: &str) -> Result<Hash, StoreError> {
    Hash::from_slice(b).ok_or_else(|| StoreError::Corrupt(format!("{what} is not 32 bytes")))
}

pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Opens (creating tables if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(path).map_err(be)?;
        conn.busy_timeout(std::time::Duration::from_secs(60))
            .map_err(be)?;
        // Takes effect only on a new, empty file (existing files keep theirs).
        conn.pragma_update(None, "page_size", PAGE_SIZE)
            .map_err(be)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(be)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(be)?;
        let page: i64 = conn
            .pragma_query_value(None, "page_size", |r| r.get(0))
            .map_err(be)?;
        conn.pragma_update(
            None,
            "wal_autocheckpoint",
            WAL_CHECKPOINT_BYTES / page.max(512),
        )
        .map_err(be)?;
        conn.pragma_update(None, "journal_size_limit", WAL_LIMIT_BYTES)
            .map_err(be)?;
        conn.pragma_update(None, "cache_size", -CACHE_KIB)
            .map_err(be)?;
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(be)?;
        conn.execute_batch(SCHEMA).map_err(be)?;
        let v: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'store_schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(be)?;
        match v {
            None => {
                conn.execute(
                    "INSERT OR IGNORE INTO meta(key, value) VALUES ('store_schema_version', ?1)",
                    [STORE_SCHEMA_VERSION],
                )
                .map_err(be)?;
            }
            Some(v) if v == STORE_SCHEMA_VERSION => {}
            Some(v) if v == "1" || v == "2" => Self::migrate_leaf_keys(&conn, &v)?,
            Some(v) => {
                return Err(StoreError::Version {
                    found: v,
                    expected: STORE_SCHEMA_VERSION.into(),
                })
            }
        }
        Ok(SqliteStore { conn })
    }

    /// Versions 1 (an index on the whole 32-byte leaf hash in `entries`) and 2
    /// (`leaf_keys(key, idx)`, keyed by the hash prefix alone) become version 3:
    /// `leaf_keys` is rebuilt from the entries with the epoch in front.
    fn migrate_leaf_keys(conn: &Connection, from: &str) -> Result<(), StoreError> {
        conn.execute_batch("BEGIN IMMEDIATE").map_err(be)?;
        let r = (|| {
            let v: String = conn
                .query_row(
                    "SELECT value FROM meta WHERE key = 'store_schema_version'",
                    [],
                    |r| r.get(0),
                )
                .map_err(be)?;
            if v != from {
                return Ok(()); // another process migrated first
            }
            conn.execute_batch(
                "DROP INDEX IF EXISTS entries_leaf; DROP TABLE IF EXISTS leaf_keys;",
            )
            .map_err(be)?;
            conn.execute_batch(SCHEMA).map_err(be)?;
            let mut st = conn
                .prepare("SELECT idx, leaf_hash FROM entries ORDER BY idx")
                .map_err(be)?;
            let mut ins = conn
                .prepare("INSERT INTO leaf_keys(epoch, key, idx) VALUES (?1, ?2, ?3)")
                .map_err(be)?;
            let mut rows = st.query([]).map_err(be)?;
            while let Some(r) = rows.next().map_err(be)? {
                let idx: i64 = r.get(0).map_err(be)?;
                let leaf: Vec<u8> = r.get(1).map_err(be)?;
                let h = hash_of(&leaf, &format!("leaf hash of entry {idx}"))?;
                ins.execute(params![epoch_of(idx as u64), leaf_key(&h), idx])
                    .map_err(be)?;
            }
            conn.execute(
                "UPDATE meta SET value = ?1 WHERE key = 'store_schema_version'",
                [STORE_SCHEMA_VERSION],
            )
            .map(|_| ())
            .map_err(be)
        })();
        match r {
            Ok(()) => conn.execute_batch("COMMIT").map_err(be),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// The raw connection (tests use it to tamper with stored bytes).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn size_in(conn: &Connection) -> Result<u64, StoreError> {
        let n: Option<i64> = conn
            .query_row("SELECT MAX(idx) FROM entries", [], |r| r.get(0))
            .map_err(be)?;
        Ok(n.map_or(0, |n| n as u64 + 1))
    }

    fn node_in(conn: &Connection, level: u32, index: u64) -> Result<Hash, StoreError> {
        let b: Option<Vec<u8>> = if level == 0 {
            conn.prepare_cached("SELECT leaf_hash FROM entries WHERE idx = ?1")
                .map_err(be)?
                .query_row([to_i64(index)], |r| r.get(0))
                .optional()
                .map_err(be)?
        } else {
            conn.prepare_cached("SELECT hash FROM nodes WHERE id = ?1")
                .map_err(be)?
                .query_row([node_id(level, index)], |r| r.get(0))
                .optional()
                .map_err(be)?
        };
        let b = b.ok_or_else(|| {
            StoreError::Corrupt(format!("missing tree node at level {level}, index {index}"))
        })?;
        hash_of(&b, "node hash")
    }

    fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ))
    }
}

type RawRow = (
    i64,
    Vec<u8>,
    Option<Vec<u8>>,
    i64,
    String,
    Option<String>,
    String,
);

fn entry_of(raw: RawRow) -> Result<EntryRow, StoreError> {
    let (idx, leaf, payload, ts, tenant_id, actor_role, kind) = raw;
    Ok(EntryRow {
        index: idx as u64,
        leaf_hash: hash_of(&leaf, &format!("leaf hash of entry {idx}"))?,
        payload,
        unix_seconds: ts,
        tenant_id,
        actor_role,
        kind,
    })
}

const ENTRY_COLS: &str = "idx, leaf_hash, payload, ts, tenant_id, actor_role, kind";

impl Store for SqliteStore {
    fn size(&self) -> Result<u64, StoreError> {
        Self::size_in(&self.conn)
    }

    fn append_with(&mut self, fill: &mut AppendFill<'_>) -> Result<Appended, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(be)?;
        let size = Self::size_in(&tx)?;
        let mut border = Vec::new();
        for (l, i) in frontier_positions(size) {
            border.push(Self::node_in(&tx, l, i)?);
        }
        let mut app = Appender::new(size, &border);
        {
            let mut ins = tx
                .prepare_cached(
                    "INSERT INTO entries(idx, leaf_hash, ts, tenant_id, actor_role, kind, payload)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(be)?;
            let mut insk = tx
                .prepare_cached("INSERT INTO leaf_keys(epoch, key, idx) VALUES (?1, ?2, ?3)")
                .map_err(be)?;
            let mut insn = tx
                .prepare_cached("INSERT INTO nodes(id, hash) VALUES (?1, ?2)")
                .map_err(be)?;
            let mut done = Vec::with_capacity(64);
            fill(&mut |entries: &[NewEntry]| {
                for e in entries {
                    let idx = app.size();
                    ins.execute(params![
                        to_i64(idx),
                        &e.leaf_hash.0[..],
                        e.unix_seconds,
                        e.tenant_id,
                        e.actor_role,
                        e.kind,
                        e.payload
                    ])
                    .map_err(be)?;
                    insk.execute(params![epoch_of(idx), leaf_key(&e.leaf_hash), to_i64(idx)])
                        .map_err(be)?;
                    done.clear();
                    app.push(e.leaf_hash, &mut done);
                    for (l, i, h) in &done {
                        insn.execute(params![node_id(*l, *i), &h.0[..]])
                            .map_err(be)?;
                    }
                }
                Ok(())
            })?;
        }
        let root = app.root();
        // Dropping `tx` on an error above rolls the whole append back.
        tx.commit().map_err(be)?;
        Ok(Appended {
            first_index: size,
            count: app.size() - size,
            size: app.size(),
            root,
        })
    }

    fn node(&self, level: u32, index: u64) -> Result<Hash, StoreError> {
        Self::node_in(&self.conn, level, index)
    }

    fn add_checkpoint(&mut self, cp: &CheckpointRow) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO checkpoints(size, root, note, created) VALUES (?1, ?2, ?3, ?4)",
                params![to_i64(cp.size), &cp.root.0[..], cp.note, cp.created_unix],
            )
            .map_err(be)?;
        Ok(())
    }

    fn checkpoints(&self) -> Result<Vec<CheckpointRow>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT size, root, note, created FROM checkpoints ORDER BY size")
            .map_err(be)?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .map_err(be)?;
        let mut out = Vec::new();
        for row in rows {
            let (size, root, note, created) = row.map_err(be)?;
            out.push(CheckpointRow {
                size: size as u64,
                root: hash_of(&root, &format!("root of checkpoint {size}"))?,
                note,
                created_unix: created,
            });
        }
        Ok(out)
    }

    fn latest_checkpoint(&self) -> Result<Option<CheckpointRow>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT size, root, note, created FROM checkpoints ORDER BY size DESC LIMIT 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Vec<u8>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                },
            )
            .optional()
            .map_err(be)?;
        row.map(|(size, root, note, created)| {
            Ok(CheckpointRow {
                size: size as u64,
                root: hash_of(&root, "checkpoint root")?,
                note,
                created_unix: created,
            })
        })
        .transpose()
    }

    fn entry(&self, index: u64) -> Result<Option<EntryRow>, StoreError> {
        let raw = self
            .conn
            .prepare_cached(&format!("SELECT {ENTRY_COLS} FROM entries WHERE idx = ?1"))
            .map_err(be)?
            .query_row([to_i64(index)], Self::row)
            .optional()
            .map_err(be)?;
        raw.map(entry_of).transpose()
    }

    fn find_leaf(&self, leaf: &Hash) -> Result<Option<u64>, StoreError> {
        // One index seek per epoch, oldest first, so the lowest matching index wins.
        let size = Self::size_in(&self.conn)?;
        if size == 0 {
            return Ok(None);
        }
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT e.idx, e.leaf_hash FROM leaf_keys k JOIN entries e ON e.idx = k.idx
                 WHERE k.epoch = ?1 AND k.key = ?2 ORDER BY k.idx",
            )
            .map_err(be)?;
        let key = leaf_key(leaf);
        for epoch in 0..=epoch_of(size - 1) {
            let mut rows = st.query(params![epoch, key]).map_err(be)?;
            while let Some(r) = rows.next().map_err(be)? {
                let idx: i64 = r.get(0).map_err(be)?;
                let h: Vec<u8> = r.get(1).map_err(be)?;
                if h == leaf.0[..] {
                    return Ok(Some(idx as u64));
                }
            }
        }
        Ok(None)
    }

    fn scan(
        &self,
        from: u64,
        f: &mut dyn FnMut(EntryRow) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {ENTRY_COLS} FROM entries WHERE idx >= ?1 ORDER BY idx"
            ))
            .map_err(be)?;
        let mut rows = st.query([to_i64(from)]).map_err(be)?;
        while let Some(r) = rows.next().map_err(be)? {
            if !f(entry_of(Self::row(r).map_err(be)?)?)? {
                break;
            }
        }
        Ok(())
    }

    fn scan_nodes(
        &self,
        f: &mut dyn FnMut(u32, u64, Hash) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT id, hash FROM nodes ORDER BY id")
            .map_err(be)?;
        let mut rows = st.query([]).map_err(be)?;
        while let Some(r) = rows.next().map_err(be)? {
            let id: i64 = r.get(0).map_err(be)?;
            let h: Vec<u8> = r.get(1).map_err(be)?;
            let id = id as u64;
            let (level, index) = ((id >> 48) as u32, id & ((1 << 48) - 1));
            if !f(level, index, hash_of(&h, "node hash")?)? {
                break;
            }
        }
        Ok(())
    }

    fn prune_before(&mut self, cutoff_unix: i64) -> Result<u64, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE entries SET payload = NULL WHERE ts < ?1 AND payload IS NOT NULL",
                [cutoff_unix],
            )
            .map_err(be)?;
        Ok(n as u64)
    }

    fn stats(&self) -> Result<StoreStats, StoreError> {
        let (entries, pruned, oldest, newest, bytes): (i64, i64, Option<i64>, Option<i64>, i64) = self
            .conn
            .query_row(
                "SELECT COUNT(*), COUNT(*) - COUNT(payload), MIN(ts), MAX(ts), COALESCE(SUM(LENGTH(payload)), 0) FROM entries",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .map_err(be)?;
        let checkpoints: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM checkpoints", [], |r| r.get(0))
            .map_err(be)?;
        Ok(StoreStats {
            entries: entries as u64,
            pruned: pruned as u64,
            checkpoints: checkpoints as u64,
            latest_checkpoint_size: self.latest_checkpoint()?.map(|c| c.size),
            oldest_unix: oldest,
            newest_unix: newest,
            bytes: bytes as u64,
        })
    }
}
