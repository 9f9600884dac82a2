//! Structured data: classify each column or JSON path from its name and a
//! sample of its values, then scan every value with that column's entity as
//! context. Streaming: [`DatasetScanner::feed`] takes blocks of any size and
//! keeps only an incomplete trailing record between calls (except for a
//! single `.json` document, which is read whole). Blocks are split at record
//! boundaries and scanned on all cores.

mod pipeline;
pub mod readers;

use crate::redact::Redactor;
use crate::report::{ColumnAcc, ColumnReport, DatasetReport};
use crate::text::{detect_into_opts, detect_text_with_hint};
use crate::{Detection, Entity};
use readers::{count_lines, walk_csv, walk_json, walk_json_in, walk_sql, walk_sql_in, LineTracker};
use std::collections::HashMap;
use std::ops::Range;

/// A dataset format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// One JSON document.
    Json,
    /// One JSON document per line.
    Jsonl,
    /// SQL dump (`INSERT` statements).
    Sql,
}

impl DatasetFormat {
    /// From the file name's extension.
    pub fn from_path(path: &str) -> Option<DatasetFormat> {
        let lower = path.to_ascii_lowercase();
        let ext = lower.rsplit('.').next()?;
        Some(match ext {
            "csv" => DatasetFormat::Csv,
            "tsv" | "tab" => DatasetFormat::Tsv,
            "json" => DatasetFormat::Json,
            "jsonl" | "ndjson" => DatasetFormat::Jsonl,
            "sql" => DatasetFormat::Sql,
            _ => return None,
        })
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            DatasetFormat::Csv => "csv",
            DatasetFormat::Tsv => "tsv",
            DatasetFormat::Json => "json",
            DatasetFormat::Jsonl => "jsonl",
            DatasetFormat::Sql => "sql",
        }
    }
}

/// Scans a whole dataset held in memory. None when `path` is not a dataset
/// format (by extension).
pub fn scan_dataset(path: &str, bytes: &[u8]) -> Option<DatasetReport> {
    let mut s = DatasetScanner::for_path(path)?;
    s.feed(bytes);
    Some(s.finish())
}

/// How a column is treated.
#[derive(Debug, Clone, Default)]
struct ColClass {
    hint: Option<Entity>,
    /// entities a column's name rules out (an `app_version` holds no IPs)
    deny: &'static [Entity],
    skip: bool,
    reason: Option<String>,
}

const SAMPLE: usize = 200;

/// Streaming dataset scanner; see the module docs.
#[derive(Debug)]
pub struct DatasetScanner {
    path: String,
    format: DatasetFormat,
    buf: Vec<u8>,
    lines_done: u64,
    bytes: u64,
    records: u64,
    header: Option<Vec<String>>,
    classes: Option<HashMap<String, ColClass>>,
    cols: Vec<(String, ColumnAcc)>,
    col_index: HashMap<String, usize>,
    threads: usize,
}

impl DatasetScanner {
    /// A scanner for the format implied by `path`'s extension.
    pub fn for_path(path: &str) -> Option<Self> {
        Some(Self::new(path, DatasetFormat::from_path(path)?))
    }

    /// A scanner for an explicit format.
    pub fn new(path: &str, format: DatasetFormat) -> Self {
        DatasetScanner {
            path: path.to_owned(),
            format,
            buf: Vec::new(),
            lines_done: 0,
            bytes: 0,
            records: 0,
            header: None,
            classes: None,
            cols: Vec::new(),
            col_index: HashMap::new(),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }

    /// Worker threads for each block (default: available cores).
    pub fn with_threads(mut self, n: usize) -> Self {
        self.threads = n.max(1);
        self
    }

    /// Scans the complete records in `data` (after any carried-over tail).
    pub fn feed(&mut self, data: &[u8]) {
        self.bytes += data.len() as u64;
        if self.buf.capacity() - self.buf.len() < data.len() {
            // room for the carried tail too, without doubling a block-sized buffer
            self.buf.reserve_exact(data.len() + data.len() / 8);
        }
        self.buf.extend_from_slice(data);
        if self.format == DatasetFormat::Json {
            return;
        }
        if self.classes.is_none() && count_lines(&self.buf) <= SAMPLE as u64 + 1 {
            return; // classify from a full sample, whatever the block size
        }
        let cut = safe_cut(self.format, &self.buf, self.buf.len());
        if cut == 0 {
            return;
        }
        let mut block = std::mem::take(&mut self.buf);
        self.process(&block[..cut]);
        // keep the allocation: a fresh 16 MiB buffer per block costs page faults
        block.drain(..cut);
        self.buf = block;
    }

    /// Scans what is left and returns the report.
    pub fn finish(mut self) -> DatasetReport {
        let rest = std::mem::take(&mut self.buf);
        if !rest.is_empty() {
            if self.format == DatasetFormat::Json {
                self.threads = 1;
            }
            self.process(&rest);
        }
        let classes = self.classes.take().unwrap_or_default();
        let columns = self
            .cols
            .into_iter()
            .map(|(name, acc)| {
                let cls = classes.get(&name).cloned().unwrap_or_default();
                ColumnReport {
                    entities: acc.entities(),
                    cells: acc.cells,
                    class: cls.hint,
                    class_reason: cls.reason,
                    name,
                }
            })
            .collect();
        DatasetReport {
            path: self.path,
            format: self.format.name(),
            records: self.records,
            bytes: self.bytes,
            columns,
        }
    }

    /// Reads the header row (CSV/TSV) and classifies the columns from the
    /// first block, once; returns where the records start in `block`.
    fn prepare(&mut self, block: &[u8]) -> usize {
        let mut start = 0;
        if matches!(self.format, DatasetFormat::Csv | DatasetFormat::Tsv) && self.header.is_none() {
            let e = memchr::memchr(b'\n', block).map_or(block.len(), |k| k + 1);
            let mut h = Vec::new();
            walk_csv(&block[..e], delim(self.format), |_, f| {
                h = f.iter().map(|x| x.text(block).trim().to_owned()).collect();
            });
            self.header = Some(h);
            start = e;
            self.lines_done += count_lines(&block[..e]);
        }
        if self.classes.is_none() {
            self.classes = Some(classify(
                self.format,
                &block[start..],
                self.header.as_deref(),
            ));
        }
        start
    }

    /// Adds the results of consecutive chunks, in input order.
    fn merge(&mut self, results: impl IntoIterator<Item = ChunkResult>) {
        for r in results {
            self.records += r.records;
            for (name, acc) in r.cols {
                match self.col_index.get(&name) {
                    Some(&k) => self.cols[k].1.merge(&acc),
                    None => {
                        self.col_index.insert(name.clone(), self.cols.len());
                        self.cols.push((name, acc));
                    }
                }
            }
        }
    }

    fn process(&mut self, block: &[u8]) {
        let start = self.prepare(block);
        let body = &block[start..];
        if body.is_empty() {
            return;
        }
        // split into chunks at record boundaries
        let parts = self.threads.min(1 + body.len() / (256 * 1024)).max(1);
        let mut bounds = vec![0usize];
        for k in 1..parts {
            let target = body.len() * k / parts;
            let prev = *bounds.last().unwrap_or(&0);
            if target <= prev {
                continue;
            }
            let c = safe_cut_from(self.format, body, prev, target);
            if c > prev && c < body.len() {
                bounds.push(c);
            }
        }
        bounds.push(body.len());
        let mut line_bases = Vec::with_capacity(bounds.len());
        let mut l = self.lines_done;
        for w in bounds.windows(2) {
            line_bases.push(l);
            l += count_lines(&body[w[0]..w[1]]);
        }
        let classes = self.classes.as_ref();
        let header = self.header.as_deref();
        let format = self.format;
        let results: Vec<ChunkResult> = if bounds.len() == 2 {
            vec![scan_chunk(
                format,
                body,
                line_bases[0],
                header,
                classes,
                false,
                &mut |_| {},
            )]
        } else {
            std::thread::scope(|s| {
                let handles: Vec<_> = bounds
                    .windows(2)
                    .zip(&line_bases)
                    .map(|(w, &lb)| {
                        let chunk = &body[w[0]..w[1]];
                        s.spawn(move || {
                            scan_chunk(format, chunk, lb, header, classes, false, &mut |_| {})
                        })
                    })
                    .collect();
                handles.into_iter().filter_map(|h| h.join().ok()).collect()
            })
        };
        self.lines_done = l;
        self.merge(results);
    }
}

fn delim(f: DatasetFormat) -> u8 {
    if f == DatasetFormat::Tsv {
        b'\t'
    } else {
        b','
    }
}

fn quote_char(f: DatasetFormat) -> Option<u8> {
    match f {
        DatasetFormat::Csv | DatasetFormat::Tsv => Some(b'"'),
        DatasetFormat::Sql => Some(b'\''),
        _ => None,
    }
}

/// The last record boundary (just after a `\n` outside quotes) at or before `limit`.
fn safe_cut(f: DatasetFormat, b: &[u8], limit: usize) -> usize {
    let b = &b[..limit];
    match quote_char(f) {
        None => memchr::memrchr(b'\n', b).map_or(0, |k| k + 1),
        Some(q) => {
            // the last `\n` with an even number of quotes before it: quotes
            // are counted with memchr's vectorised count, then the newlines
            // are walked back from the end (usually the first one is it)
            let mut odd = memchr::memchr_iter(q, b).count() % 2 == 1;
            let mut end = b.len();
            while let Some(k) = memchr::memrchr(b'\n', &b[..end]) {
                odd ^= memchr::memchr_iter(q, &b[k + 1..end]).count() % 2 == 1;
                if !odd {
                    return k + 1;
                }
                end = k;
            }
            0
        }
    }
}

/// The first record boundary at or after `target`, scanning quote parity from `from`.
fn safe_cut_from(f: DatasetFormat, b: &[u8], from: usize, target: usize) -> usize {
    match quote_char(f) {
        None => memchr::memchr(b'\n', &b[target..]).map_or(b.len(), |k| target + k + 1),
        Some(q) => {
            // parity up to `target` by a vectorised count, then walk on
            let start = target.max(from);
            let mut parity = memchr::memchr_iter(q, &b[from..start]).count() % 2 == 1;
            for k in memchr::memchr2_iter(q, b'\n', &b[start..]) {
                let k = start + k;
                if b[k] == q {
                    parity = !parity;
                } else if !parity && k >= target {
                    return k + 1;
                }
            }
            b.len()
        }
    }
}

struct ChunkResult {
    records: u64,
    cols: Vec<(String, ColumnAcc)>,
    /// Newlines in the chunk.
    lines: u64,
}

/// One detection inside a dataset, for redaction and scoring.
#[derive(Debug, Clone)]
pub struct CellDetection<'a> {
    /// 1-based line of the record.
    pub line: u64,
    /// Column name or JSON path.
    pub column: &'a str,
    /// Byte range of the cell's raw text in the input (inside quotes).
    pub raw: Range<usize>,
    /// Whether the raw text equals the decoded text (no escapes), so that
    /// `detection.span` maps to `raw.start + span`.
    pub verbatim: bool,
    /// The decoded cell text.
    pub text: &'a str,
    /// All detections in the decoded text.
    pub detections: &'a [Detection],
}

/// Visits every cell with detections in a whole in-memory dataset
/// (single-threaded). Returns false when `path` is not a dataset format.
pub fn visit_dataset(path: &str, bytes: &[u8], on: impl FnMut(&CellDetection<'_>)) -> bool {
    visit_dataset_opts(path, bytes, false, on)
}

/// [`visit_dataset`]; with `redaction`, reserved example e-mails are included.
pub fn visit_dataset_opts(
    path: &str,
    bytes: &[u8],
    redaction: bool,
    mut on: impl FnMut(&CellDetection<'_>),
) -> bool {
    let Some(format) = DatasetFormat::from_path(path) else {
        return false;
    };
    let mut start = 0;
    let mut header = None;
    let mut lines = 0;
    if matches!(format, DatasetFormat::Csv | DatasetFormat::Tsv) {
        let e = memchr::memchr(b'\n', bytes).map_or(bytes.len(), |k| k + 1);
        let mut h = Vec::new();
        walk_csv(&bytes[..e], delim(format), |_, f| {
            h = f.iter().map(|x| x.text(bytes).trim().to_owned()).collect();
        });
        header = Some(h);
        start = e;
        lines = count_lines(&bytes[..e]);
    }
    let classes = classify(format, &bytes[start..], header.as_deref());
    let body = &bytes[start..];
    scan_chunk(
        format,
        body,
        lines,
        header.as_deref(),
        Some(&classes),
        redaction,
        &mut |c: &CellDetection<'_>| {
            let shifted = CellDetection {
                raw: c.raw.start + start..c.raw.end + start,
                ..c.clone()
            };
            on(&shifted);
        },
    );
    true
}

/// Redacts a whole dataset: each cell with detections is replaced by its
/// redacted text, re-encoded for the format. None when not a dataset format.
pub fn redact_dataset(path: &str, bytes: &[u8], redactor: &Redactor) -> Option<(Vec<u8>, u64)> {
    let format = DatasetFormat::from_path(path)?;
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut count = 0u64;
    visit_dataset_opts(path, bytes, true, |c| {
        count += c.detections.len() as u64;
        let red = redactor.apply(c.text, c.detections);
        let enc = match format {
            DatasetFormat::Json | DatasetFormat::Jsonl => readers::escape_json(&red),
            DatasetFormat::Sql => readers::escape_sql(&red),
            DatasetFormat::Csv | DatasetFormat::Tsv => {
                let d = delim(format) as char;
                if red.contains(d) || red.contains('"') || red.contains('\n') {
                    // the raw range is inside quotes only when the cell was quoted
                    let quoted = c.raw.start > 0 && bytes[c.raw.start - 1] == b'"';
                    if quoted {
                        red.replace('"', "\"\"")
                    } else {
                        format!("\"{}\"", red.replace('"', "\"\""))
                    }
                } else {
                    red
                }
            }
        };
        edits.push((c.raw.clone(), enc));
    });
    edits.sort_by_key(|e| e.0.start);
    let mut out = Vec::with_capacity(bytes.len());
    let mut pos = 0;
    for (r, s) in edits {
        if r.start < pos {
            continue;
        }
        out.extend_from_slice(&bytes[pos..r.start]);
        out.extend_from_slice(s.as_bytes());
        pos = r.end;
    }
    out.extend_from_slice(&bytes[pos..]);
    Some((out, count))
}

fn scan_chunk(
    format: DatasetFormat,
    chunk: &[u8],
    line_base: u64,
    header: Option<&[String]>,
    classes: Option<&HashMap<String, ColClass>>,
    redaction: bool,
    sink: &mut dyn FnMut(&CellDetection<'_>),
) -> ChunkResult {
    let empty = HashMap::new();
    let classes = classes.unwrap_or(&empty);
    // validated once: values are then slices of it (cut at ASCII delimiters)
    let valid = std::str::from_utf8(chunk).ok();
    let mut st = ChunkState {
        cols: Vec::new(),
        follow: Vec::new(),
        last: usize::MAX,
        index: HashMap::new(),
        dets: Vec::new(),
        classes,
        records: 0,
        redaction,
    };
    let mut lt = LineTracker::new(chunk);
    match format {
        DatasetFormat::Csv | DatasetFormat::Tsv => {
            let header = header.unwrap_or(&[]);
            let mut names: Vec<String> = header.to_vec();
            let mut ids: Vec<usize> = Vec::new();
            walk_csv(chunk, delim(format), |row_start, fields| {
                st.records += 1;
                let line = line_base + lt.line_at(row_start) + 1;
                while names.len() < fields.len() {
                    names.push(format!("#{}", names.len() + 1));
                }
                while ids.len() < fields.len() {
                    let k = ids.len();
                    ids.push(st.col(&names[k]));
                }
                for (k, f) in fields.iter().enumerate() {
                    if f.raw.is_empty() {
                        continue;
                    }
                    let text = f.text_in(chunk, valid);
                    st.cell(ids[k], line, f.raw.clone(), !f.escaped, &text, sink);
                }
            });
        }
        DatasetFormat::Jsonl => {
            let mut s = 0;
            let mut ln = line_base;
            while s < chunk.len() {
                let e = memchr::memchr(b'\n', &chunk[s..]).map_or(chunk.len(), |k| s + k);
                ln += 1;
                let line = &chunk[s..e];
                if line.iter().any(|c| !c.is_ascii_whitespace()) {
                    // offsets relative to the chunk: walk the line, shift ranges
                    let lv = valid.and_then(|v| v.get(s..e));
                    let _ = walk_json_in(line, lv, |v| {
                        if v.text.is_empty() {
                            return;
                        }
                        let id = st.col(v.path);
                        let verbatim = matches!(v.text, std::borrow::Cow::Borrowed(_));
                        let raw = v.raw.start + s..v.raw.end + s;
                        st.cell(id, ln, raw, verbatim, &v.text, sink);
                    });
                }
                s = e + 1;
            }
            st.records =
                lt.line_at(chunk.len()) + u64::from(chunk.last().is_some_and(|&c| c != b'\n'));
        }
        DatasetFormat::Json => {
            let _ = walk_json_in(chunk, valid, |v| {
                if v.text.is_empty() {
                    return;
                }
                let line = line_base + lt.line_at(v.raw.start) + 1;
                let id = st.col(v.path);
                let verbatim = matches!(v.text, std::borrow::Cow::Borrowed(_));
                st.cell(id, line, v.raw.clone(), verbatim, &v.text, sink);
            });
            st.records = 1;
        }
        DatasetFormat::Sql => {
            let mut last_tuple = usize::MAX;
            walk_sql_in(chunk, valid, |v| {
                if v.tuple_start != last_tuple {
                    last_tuple = v.tuple_start;
                    st.records += 1;
                }
                if v.text.is_empty() {
                    return;
                }
                let line = line_base + lt.line_at(v.tuple_start) + 1;
                let id = st.col(v.key);
                let verbatim = matches!(v.text, std::borrow::Cow::Borrowed(_));
                st.cell(id, line, v.raw.clone(), verbatim, &v.text, sink);
            });
        }
    }
    ChunkResult {
        records: st.records,
        cols: st.cols.into_iter().map(|(n, _, a)| (n, a)).collect(),
        lines: lt.line_at(chunk.len()),
    }
}

struct ChunkState<'c> {
    cols: Vec<(String, ColClass, ColumnAcc)>,
    /// `follow[k]`: the column seen right after column `k` last time, and
    /// `last` the column just seen: records repeat their columns in order,
    /// so the guess saves hashing every JSON path and SQL key.
    follow: Vec<usize>,
    last: usize,
    index: HashMap<String, usize>,
    dets: Vec<Detection>,
    classes: &'c HashMap<String, ColClass>,
    records: u64,
    redaction: bool,
}

impl ChunkState<'_> {
    fn col(&mut self, name: &str) -> usize {
        if let Some(&g) = self.follow.get(self.last) {
            if self.cols.get(g).is_some_and(|c| c.0 == name) {
                self.last = g;
                return g;
            }
        }
        let k = self.col_lookup(name);
        if let Some(f) = self.follow.get_mut(self.last) {
            *f = k;
        }
        self.last = k;
        k
    }

    fn col_lookup(&mut self, name: &str) -> usize {
        if let Some(&k) = self.index.get(name) {
            return k;
        }
        let cls = self.classes.get(name).cloned().unwrap_or_else(|| ColClass {
            hint: name_hint(name),
            deny: name_deny(name),
            skip: false,
            reason: None,
        });
        let k = self.cols.len();
        self.cols.push((name.to_owned(), cls, ColumnAcc::default()));
        self.follow.push(usize::MAX);
        self.index.insert(name.to_owned(), k);
        k
    }

    fn cell(
        &mut self,
        id: usize,
        line: u64,
        raw: Range<usize>,
        verbatim: bool,
        text: &str,
        sink: &mut dyn FnMut(&CellDetection<'_>),
    ) {
        let (name, cls, acc) = &mut self.cols[id];
        acc.cells += 1;
        if cls.skip {
            return;
        }
        self.dets.clear();
        detect_into_opts(text, cls.hint, self.redaction, &mut self.dets);
        if !cls.deny.is_empty() {
            self.dets.retain(|d| !cls.deny.contains(&d.entity));
        }
        if self.dets.is_empty() {
            return;
        }
        for d in &self.dets {
            acc.add(d.entity, d.confidence, line);
        }
        sink(&CellDetection {
            line,
            column: name,
            raw,
            verbatim,
            text,
            detections: &self.dets,
        });
    }
}

/// The entity a column's name suggests.
pub(crate) fn name_hint(name: &str) -> Option<Entity> {
    let last = name
        .rsplit(['.', '/'])
        .next()
        .unwrap_or(name)
        .trim_end_matches("[]");
    let lower = last.to_ascii_lowercase();
    let toks: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let has = |w: &[&str]| toks.iter().any(|t| w.contains(t));
    let joined: String = toks.concat();
    if has(&["iqama", "nid", "hawiya", "nin"])
        || joined.contains("nationalid")
        || joined.contains("idnumber")
        || joined == "national"
    {
        return Some(Entity::SaNationalId);
    }
    if has(&["ssn"]) || joined.contains("socialsecurity") {
        return Some(Entity::UsSsn);
    }
    if has(&["email", "mail", "e-mail"]) {
        return Some(Entity::Email);
    }
    if has(&[
        "phone",
        "mobile",
        "tel",
        "telephone",
        "msisdn",
        "jawal",
        "cell",
        "fax",
    ]) {
        if has(&["sa", "ksa"]) {
            return Some(Entity::PhoneSa);
        }
        if has(&["us", "usa"]) {
            return Some(Entity::PhoneUs);
        }
        return Some(Entity::Phone);
    }
    if has(&["iban"]) {
        return Some(Entity::Iban);
    }
    if has(&["card", "pan", "cc", "ccnum"])
        || joined.contains("cardnumber")
        || joined.contains("creditcard")
    {
        return Some(Entity::CreditCard);
    }
    if has(&["dob", "birth", "birthdate", "birthday", "born"]) || joined.contains("dateofbirth") {
        return Some(Entity::Dob);
    }
    if has(&["mrn", "emr"])
        || joined.contains("medicalrecord")
        || joined.contains("fileno")
        || joined.contains("recordno")
    {
        return Some(Entity::Mrn);
    }
    if has(&["dx", "icd", "icd10", "diagnosis", "diag"]) {
        return Some(Entity::Icd10);
    }
    if has(&["ipv6", "ip6", "ipv6addr"]) {
        return Some(Entity::Ipv6);
    }
    if has(&["ip", "ipv4", "ipaddr", "ipaddress"])
        || joined.ends_with("ip") && joined.len() > 2 && toks.len() > 1
    {
        return Some(Entity::Ipv4);
    }
    let not_person = [
        "file",
        "host",
        "user",
        "app",
        "table",
        "drug",
        "product",
        "service",
        "company",
        "org",
        "domain",
        "bucket",
        "db",
        "database",
        "key",
        "column",
        "event",
        "job",
        "city",
        "street",
        "device",
        "medication",
        "test",
        "brand",
    ];
    if (has(&[
        "name",
        "surname",
        "firstname",
        "lastname",
        "fullname",
        "given",
        "family",
        "patient",
    ])) && !has(&not_person)
    {
        return Some(Entity::Person);
    }
    None
}

/// Entities a column's name rules out.
pub(crate) fn name_deny(name: &str) -> &'static [Entity] {
    let last = name
        .rsplit(['.', '/'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    let toks: Vec<&str> = last.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    if toks.iter().any(|t| {
        matches!(
            *t,
            "version" | "ver" | "build" | "release" | "sdk" | "firmware"
        )
    }) {
        return &[Entity::Ipv4, Entity::Dob];
    }
    &[]
}

fn entity_family(e: Entity) -> Entity {
    match e {
        Entity::PhoneSa | Entity::PhoneUs => Entity::Phone,
        // an `ip` column may hold either family
        Entity::Ipv6 => Entity::Ipv4,
        other => other,
    }
}

/// Classifies columns from their names and the first [`SAMPLE`] records.
fn classify(
    format: DatasetFormat,
    body: &[u8],
    header: Option<&[String]>,
) -> HashMap<String, ColClass> {
    // collect samples per column
    let mut samples: Vec<(String, Vec<String>)> = Vec::new();
    let mut idx: HashMap<String, usize> = HashMap::new();
    let mut push = |name: &str, v: &str| {
        if v.is_empty() {
            return;
        }
        let k = *idx.entry(name.to_owned()).or_insert_with(|| {
            samples.push((name.to_owned(), Vec::new()));
            samples.len() - 1
        });
        if samples[k].1.len() < SAMPLE {
            samples[k].1.push(v.to_owned());
        }
    };
    let limit = {
        // the first SAMPLE records, roughly: the first SAMPLE lines
        let mut e = 0;
        for _ in 0..SAMPLE {
            match memchr::memchr(b'\n', &body[e..]) {
                Some(k) => e += k + 1,
                None => {
                    e = body.len();
                    break;
                }
            }
        }
        if format == DatasetFormat::Json {
            body.len().min(1 << 20)
        } else {
            safe_cut(format, body, e).max(e.min(body.len()))
        }
    };
    let part = &body[..limit];
    match format {
        DatasetFormat::Csv | DatasetFormat::Tsv => {
            let h = header.unwrap_or(&[]);
            walk_csv(part, delim(format), |_, f| {
                for (k, x) in f.iter().enumerate() {
                    let name = h.get(k).cloned().unwrap_or_else(|| format!("#{}", k + 1));
                    push(&name, x.text(part).trim());
                }
            });
        }
        DatasetFormat::Json | DatasetFormat::Jsonl => {
            for line in part.split(|&c| c == b'\n' && format == DatasetFormat::Jsonl) {
                let _ = walk_json(line, |v| push(v.path, v.text.trim()));
            }
        }
        DatasetFormat::Sql => walk_sql(part, |v| push(v.key, v.text.trim())),
    }
    let mut out = HashMap::new();
    for (name, vals) in samples {
        out.insert(name.clone(), decide(&name, &vals));
    }
    out
}

fn decide(name: &str, vals: &[String]) -> ColClass {
    let n = vals.len();
    if n >= 5 {
        let nums: Vec<u64> = vals.iter().filter_map(|v| v.parse::<u64>().ok()).collect();
        if nums.len() == n && nums.windows(2).all(|w| w[1] == w[0] + 1) {
            return ColClass {
                hint: None,
                deny: &[],
                skip: true,
                reason: Some("sequential test values".into()),
            };
        }
    }
    let hint = name_hint(name);
    if let Some(h) = hint {
        let ok = vals
            .iter()
            .filter(|v| {
                detect_text_with_hint(v, Some(h))
                    .iter()
                    .any(|d| entity_family(d.entity) == entity_family(h))
            })
            .count();
        if n == 0 || ok * 2 >= n {
            return ColClass {
                hint: Some(h),
                deny: name_deny(name),
                skip: false,
                reason: Some(format!(
                    "name suggests {}; {ok}/{n} sampled values validate",
                    h.id()
                )),
            };
        }
        return ColClass {
            hint: None,
            deny: name_deny(name),
            skip: false,
            reason: Some(format!(
                "name suggests {} but only {ok}/{n} sampled values validate",
                h.id()
            )),
        };
    }
    if n >= 5 {
        let mut counts: HashMap<Entity, usize> = HashMap::new();
        for v in vals {
            let d = detect_text_with_hint(v, None);
            if d.len() == 1 && d[0].span.len() * 10 >= v.len() * 9 {
                *counts.entry(d[0].entity).or_default() += 1;
            }
        }
        if let Some((&e, &c)) = counts.iter().max_by_key(|(_, c)| **c) {
            if c * 10 >= n * 8 {
                return ColClass {
                    hint: Some(e),
                    deny: name_deny(name),
                    skip: false,
                    reason: Some(format!("{c}/{n} sampled values are {}", e.id())),
                };
            }
        }
    }
    ColClass {
        deny: name_deny(name),
        ..ColClass::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_columns() {
        let csv = "row_id,national_id,name_en,legacy_ref,note\n1,1058529940,Emily Smith,1058529941,\n2,2123456788,Noura Al-Qahtani,1000000000,call 0551234567\n";
        let r = scan_dataset("x.csv", csv.as_bytes()).unwrap();
        assert_eq!(r.records, 2);
        let col = |n: &str| r.columns.iter().find(|c| c.name == n).unwrap();
        let nid = col("national_id");
        let valid = crate::validate::saudi_id_valid(b"2123456788") as u64;
        assert_eq!(nid.entities.iter().map(|e| e.count).sum::<u64>(), 1 + valid);
        assert_eq!(col("name_en").entities[0].entity, Entity::Person);
        assert!(col("legacy_ref").entities.is_empty());
        assert_eq!(col("note").entities[0].entity, Entity::PhoneSa);
        assert_eq!(col("note").entities[0].sample_rows, vec![3]);
    }

    #[test]
    fn record_cuts_follow_quote_parity() {
        // the byte-by-byte parity walk the vectorised cuts replace
        fn walk(b: &[u8], q: u8, from: usize, target: usize) -> (usize, usize) {
            let (mut parity, mut last, mut first) = (false, 0, b.len());
            for (k, &c) in b.iter().enumerate().skip(from) {
                if c == q {
                    parity = !parity;
                } else if c == b'\n' && !parity {
                    last = k + 1;
                    if k >= target && first == b.len() {
                        first = k + 1;
                    }
                }
            }
            (last, first)
        }
        let csv = "id,note\n1,\"two\nlines\"\n2,\"a \"\"quoted\"\" word\"\n3,\"open\n4,x\n";
        let sql = "INSERT INTO t VALUES ('a\nb'), ('it''s');\nINSERT INTO t VALUES ('c');\n-- '\n";
        for (f, text) in [(DatasetFormat::Csv, csv), (DatasetFormat::Sql, sql)] {
            let b = text.as_bytes();
            let q = quote_char(f).unwrap();
            for limit in 0..=b.len() {
                assert_eq!(
                    safe_cut(f, b, limit),
                    walk(&b[..limit], q, 0, 0).0,
                    "{limit}"
                );
            }
            for from in [0, 3, 8] {
                for target in from..b.len() {
                    let want = walk(b, q, from, target).1;
                    assert_eq!(safe_cut_from(f, b, from, target), want, "{from} {target}");
                }
            }
        }
    }

    #[test]
    fn streaming_equals_whole() {
        let mut csv = String::from("id,email,phone\n");
        for k in 0..3000 {
            csv.push_str(&format!(
                "{k},user{k}@gmail.com,\"05{:08}\"\n",
                50_000_000 + (k * 7919) % 1_000_000
            ));
        }
        let whole = scan_dataset("a.csv", csv.as_bytes()).unwrap();
        let mut s = DatasetScanner::for_path("a.csv").unwrap().with_threads(3);
        for part in csv.as_bytes().chunks(777) {
            s.feed(part);
        }
        let streamed = s.finish();
        assert_eq!(whole.columns, streamed.columns);
        assert_eq!(whole.records, 3000);
        assert_eq!(streamed.records, 3000);
    }

    #[test]
    fn jsonl_and_sql() {
        let j = "{\"a\": {\"email\": \"x@gmail.com\"}, \"n\": 1}\n{\"a\": {\"email\": \"y@gmail.com\"}, \"n\": 2}\n";
        let r = scan_dataset("a.jsonl", j.as_bytes()).unwrap();
        assert_eq!(r.columns[0].name, "a.email");
        assert_eq!(r.columns[0].entities[0].count, 2);
        let s = "INSERT INTO p (name, ssn) VALUES ('Emily O''Brien', '536-22-5477');\n";
        let r = scan_dataset("a.sql", s.as_bytes()).unwrap();
        assert_eq!(r.columns.len(), 2);
        assert_eq!(r.columns[1].entities[0].entity, Entity::UsSsn);
    }
}
