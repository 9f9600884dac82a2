//! The SQLite store: one file per environment, WAL, `synchronous = FULL`,
//! appends in `BEGIN IMMEDIATE` transactions so concurrent writers from several
//! processes serialise and never fork the tree.

use crate::merkle::{frontier_positions, Appender, Hash};
use crate::store::{Appended, CheckpointRow, EntryRow, NewEntry, Store, StoreError, StoreStats};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::Path;

/// Pinned storage schema version.
pub const STORE_SCHEMA_VERSION: &str = "2";

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
    key INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    PRIMARY KEY(key, idx)
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
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(be)?;
        conn.pragma_update(None, "synchronous", "FULL")
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
            Some(v) if v == "1" => Self::migrate_v1(&conn)?,
            Some(v) => {
                return Err(StoreError::Version {
                    found: v,
                    expected: STORE_SCHEMA_VERSION.into(),
                })
            }
        }
        Ok(SqliteStore { conn })
    }

    /// Version 1 indexed the whole leaf hash in `entries`; version 2 keeps an
    /// 8-byte key per leaf in `leaf_keys` instead.
    fn migrate_v1(conn: &Connection) -> Result<(), StoreError> {
        conn.execute_batch("BEGIN IMMEDIATE").map_err(be)?;
        let r = (|| {
            let v: String = conn
                .query_row(
                    "SELECT value FROM meta WHERE key = 'store_schema_version'",
                    [],
                    |r| r.get(0),
                )
                .map_err(be)?;
            if v != "1" {
                return Ok(()); // another process migrated first
            }
            let mut st = conn
                .prepare("SELECT idx, leaf_hash FROM entries ORDER BY idx")
                .map_err(be)?;
            let mut ins = conn
                .prepare("INSERT OR IGNORE INTO leaf_keys(key, idx) VALUES (?1, ?2)")
                .map_err(be)?;
            let mut rows = st.query([]).map_err(be)?;
            while let Some(r) = rows.next().map_err(be)? {
                let idx: i64 = r.get(0).map_err(be)?;
                let leaf: Vec<u8> = r.get(1).map_err(be)?;
                let h = hash_of(&leaf, &format!("leaf hash of entry {idx}"))?;
                ins.execute(params![leaf_key(&h), idx]).map_err(be)?;
            }
            conn.execute_batch(
                "DROP INDEX IF EXISTS entries_leaf;
                 UPDATE meta SET value = '2' WHERE key = 'store_schema_version';",
            )
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

    fn append(&mut self, entries: &[NewEntry]) -> Result<Appended, StoreError> {
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
        let mut done = Vec::with_capacity(entries.len() + 64);
        {
            let mut ins = tx
                .prepare_cached(
                    "INSERT INTO entries(idx, leaf_hash, ts, tenant_id, actor_role, kind, payload)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(be)?;
            let mut insk = tx
                .prepare_cached("INSERT INTO leaf_keys(key, idx) VALUES (?1, ?2)")
                .map_err(be)?;
            let mut insn = tx
                .prepare_cached("INSERT INTO nodes(id, hash) VALUES (?1, ?2)")
                .map_err(be)?;
            for (k, e) in entries.iter().enumerate() {
                ins.execute(params![
                    to_i64(size + k as u64),
                    &e.leaf_hash.0[..],
                    e.unix_seconds,
                    e.tenant_id,
                    e.actor_role,
                    e.kind,
                    e.payload
                ])
                .map_err(be)?;
                insk.execute(params![leaf_key(&e.leaf_hash), to_i64(size + k as u64)])
                    .map_err(be)?;
                done.clear();
                app.push(e.leaf_hash, &mut done);
                for (l, i, h) in &done {
                    insn.execute(params![node_id(*l, *i), &h.0[..]])
                        .map_err(be)?;
                }
            }
        }
        let root = app.root();
        tx.commit().map_err(be)?;
        Ok(Appended {
            first_index: size,
            count: entries.len() as u64,
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
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT e.idx, e.leaf_hash FROM leaf_keys k JOIN entries e ON e.idx = k.idx
                 WHERE k.key = ?1 ORDER BY k.idx",
            )
            .map_err(be)?;
        let mut rows = st.query([leaf_key(leaf)]).map_err(be)?;
        while let Some(r) = rows.next().map_err(be)? {
            let idx: i64 = r.get(0).map_err(be)?;
            let h: Vec<u8> = r.get(1).map_err(be)?;
            if h == leaf.0[..] {
                return Ok(Some(idx as u64));
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
