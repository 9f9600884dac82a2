//! Dataset report model: counts, confidences and row numbers, never values.

use crate::{Confidence, Entity};
use serde::Serialize;

/// How many sample row numbers a column keeps per entity.
pub const SAMPLE_ROWS: usize = 5;

/// One entity's tally in one column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntityCount {
    /// The entity.
    pub entity: Entity,
    /// Detections.
    pub count: u64,
    /// Highest confidence seen.
    pub confidence: Confidence,
    /// The first few 1-based line numbers (record line for CSV/JSONL/SQL).
    pub sample_rows: Vec<u64>,
}

/// One column (CSV header, JSON path, SQL `table.column`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnReport {
    /// Column name or JSON path.
    pub name: String,
    /// What the column was classified as from its name and sampled values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<Entity>,
    /// Why it was classified (or marked as test data), for `--explain`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_reason: Option<String>,
    /// Non-empty cells scanned.
    pub cells: u64,
    /// Entities found, most frequent first.
    pub entities: Vec<EntityCount>,
}

/// The report for one dataset file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatasetReport {
    /// Path as given.
    pub path: String,
    /// `csv`, `tsv`, `json`, `jsonl` or `sql`.
    pub format: &'static str,
    /// Records (rows, JSON documents, SQL tuples).
    pub records: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Columns in first-seen order.
    pub columns: Vec<ColumnReport>,
}

impl DatasetReport {
    /// Total detections per entity over all columns.
    pub fn totals(&self) -> Vec<(Entity, u64)> {
        let mut t: Vec<(Entity, u64)> = Vec::new();
        for c in &self.columns {
            for e in &c.entities {
                match t.iter_mut().find(|(x, _)| *x == e.entity) {
                    Some(x) => x.1 += e.count,
                    None => t.push((e.entity, e.count)),
                }
            }
        }
        t.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        t
    }

    /// Whether any personal data was found.
    pub fn has_pii(&self) -> bool {
        self.columns.iter().any(|c| !c.entities.is_empty())
    }
}

/// Per-column accumulator used while scanning.
#[derive(Debug, Clone, Default)]
pub(crate) struct ColumnAcc {
    pub cells: u64,
    /// indexed by Entity::ALL position
    pub counts: [u64; 14],
    pub conf: [Option<Confidence>; 14],
    pub rows: [Vec<u64>; 14],
}

pub(crate) fn entity_index(e: Entity) -> usize {
    Entity::ALL.iter().position(|x| *x == e).unwrap_or(0)
}

impl ColumnAcc {
    pub fn add(&mut self, e: Entity, c: Confidence, row: u64) {
        let k = entity_index(e);
        self.counts[k] += 1;
        self.conf[k] = Some(self.conf[k].map_or(c, |o| o.max(c)));
        let rows = &mut self.rows[k];
        if rows.len() < SAMPLE_ROWS && rows.last() != Some(&row) {
            rows.push(row);
        }
    }

    /// Moves the sample rows `by` lines down (a chunk scanned from line 0).
    pub fn shift_rows(&mut self, by: u64) {
        for rows in &mut self.rows {
            for r in rows {
                *r += by;
            }
        }
    }

    pub fn merge(&mut self, o: &ColumnAcc) {
        self.cells += o.cells;
        for k in 0..14 {
            self.counts[k] += o.counts[k];
            self.conf[k] = match (self.conf[k], o.conf[k]) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            for &r in &o.rows[k] {
                if self.rows[k].len() < SAMPLE_ROWS && !self.rows[k].contains(&r) {
                    self.rows[k].push(r);
                }
            }
            self.rows[k].sort_unstable();
        }
    }

    pub fn entities(&self) -> Vec<EntityCount> {
        let mut v: Vec<EntityCount> = (0..14)
            .filter(|&k| self.counts[k] > 0)
            .map(|k| EntityCount {
                entity: Entity::ALL[k],
                count: self.counts[k],
                confidence: self.conf[k].unwrap_or(Confidence::Low),
                sample_rows: self.rows[k].clone(),
            })
            .collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then(a.entity.cmp(&b.entity)));
        v
    }
}
