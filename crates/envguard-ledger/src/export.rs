//! Exports (JSONL or CSV) that carry the signed checkpoint, consistency proofs
//! from every earlier checkpoint and an inclusion proof per entry, and their
//! offline verification: no database needed, only the export (and, ideally,
//! the ledger's verifier key obtained out of band).

use crate::ledger::{Ledger, LedgerError, VerifyFailure};
use crate::merkle::{
    consistency_proof, inclusion_proof, leaf_hash, verify_consistency, verify_inclusion, Hash,
};
use crate::note::{open_checkpoint, Ed25519Verifier};
use crate::schema::{canonical_bytes, parse_utc, validate_event};
use crate::store::StoreNodes;
use serde_json::{json, Value};
use std::io::{BufRead, Write};

pub const EXPORT_FORMAT: &str = "envguard.ledger.export/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

/// Which entries to export; proofs and checkpoints are always included.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ExportFilter {
    pub since: Option<String>,
    pub until: Option<String>,
    pub tenant: Option<String>,
    pub actor_role: Option<String>,
    pub kind: Option<String>,
}

fn hexes(v: &[Hash]) -> Vec<String> {
    v.iter().map(Hash::to_hex).collect()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

const CSV_HEADER: &str =
    "record,index,leaf_hash,timestamp_utc,tenant_id,actor_role,kind,data,proof";

fn write_record(out: &mut dyn Write, format: ExportFormat, rec: &Value) -> std::io::Result<()> {
    match format {
        ExportFormat::Jsonl => {
            serde_json::to_writer(&mut *out, rec)?;
            out.write_all(b"\n")
        }
        ExportFormat::Csv => {
            let s = |k: &str| rec.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            let kind = s("record");
            let (index, data, proof) = match kind.as_str() {
                "header" => (String::new(), rec.to_string(), String::new()),
                "checkpoint" => (
                    rec["size"].to_string(),
                    s("note"),
                    join(&rec["consistency"]),
                ),
                _ => (
                    rec["index"].to_string(),
                    if rec["event"].is_null() {
                        String::new()
                    } else {
                        rec["event"].to_string()
                    },
                    join(&rec["inclusion_proof"]),
                ),
            };
            let ev = &rec["event"];
            let label = |k: &str| ev.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            let row = [
                kind.clone(),
                index,
                s("leaf_hash"),
                label("timestamp_utc"),
                label("tenant_id"),
                label("actor_role"),
                label("kind"),
                data,
                proof,
            ];
            let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
            out.write_all(line.join(",").as_bytes())?;
            out.write_all(b"\n")
        }
    }
}

fn join(v: &Value) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(";")
        })
        .unwrap_or_default()
}

/// Writes an export of `ledger` (an audited act needing the `export` role).
pub fn export(
    ledger: &mut Ledger,
    role: &str,
    filter: &ExportFilter,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<u64, LedgerError> {
    let since = filter
        .since
        .as_deref()
        .map(parse_utc)
        .transpose()
        .map_err(LedgerError::Invalid)?;
    let until = filter
        .until
        .as_deref()
        .map(parse_utc)
        .transpose()
        .map_err(LedgerError::Invalid)?;
    let cp = ledger.begin_export(role, serde_json::to_value(filter).unwrap_or(Value::Null))?;
    let io = |e: std::io::Error| LedgerError::Io {
        path: "export".into(),
        message: e.to_string(),
    };
    let cfg = ledger.config().clone();
    if format == ExportFormat::Csv {
        out.write_all(CSV_HEADER.as_bytes()).map_err(io)?;
        out.write_all(b"\n").map_err(io)?;
    }
    let header = json!({
        "record": "header",
        "format": EXPORT_FORMAT,
        "environment": cfg.environment,
        "origin": cfg.origin,
        "verifier_key": ledger.verifier_key(),
        "tree_size": cp.size,
        "filters": filter,
    });
    write_record(out, format, &header).map_err(io)?;
    let store = ledger.store();
    let nodes = StoreNodes(store);
    for old in store.checkpoints()? {
        if old.size > cp.size {
            continue;
        }
        let proof = consistency_proof(&nodes, old.size, cp.size)??;
        let rec = json!({"record": "checkpoint", "size": old.size, "note": old.note, "consistency": hexes(&proof)});
        write_record(out, format, &rec).map_err(io)?;
    }
    let mut n = 0u64;
    let mut err: Option<LedgerError> = None;
    store.scan(0, &mut |row| {
        if row.index >= cp.size {
            return Ok(false);
        }
        let keep = since.is_none_or(|s| row.unix_seconds >= s)
            && until.is_none_or(|u| row.unix_seconds < u)
            && filter.tenant.as_deref().is_none_or(|t| row.tenant_id == t)
            && filter
                .actor_role
                .as_deref()
                .is_none_or(|r| row.actor_role.as_deref() == Some(r))
            && filter.kind.as_deref().is_none_or(|k| row.kind == k);
        if !keep {
            return Ok(true);
        }
        let event: Value = match &row.payload {
            Some(p) => serde_json::from_slice(p).unwrap_or(Value::Null),
            None => Value::Null,
        };
        let proof = match inclusion_proof(&nodes, row.index, cp.size) {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => {
                err = Some(e.into());
                return Ok(false);
            }
            Err(e) => return Err(e),
        };
        let rec = json!({
            "record": "entry", "index": row.index, "leaf_hash": row.leaf_hash.to_hex(),
            "pruned": row.payload.is_none(), "event": event, "inclusion_proof": hexes(&proof),
        });
        if let Err(e) = write_record(out, format, &rec) {
            err = Some(io(e));
            return Ok(false);
        }
        n += 1;
        Ok(true)
    })?;
    if let Some(e) = err {
        return Err(e);
    }
    Ok(n)
}

/// What an offline verification checked.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ExportReport {
    pub environment: String,
    pub tree_size: u64,
    pub root: String,
    pub entries: u64,
    pub pruned: u64,
    pub checkpoints: u64,
    /// False when the key came from the export itself rather than from `--key`.
    pub key_pinned: bool,
}

fn fail(entry: Option<u64>, message: impl Into<String>) -> VerifyFailure {
    VerifyFailure {
        entry,
        message: message.into(),
    }
}

fn parse_hashes(v: &Value, what: &str, entry: Option<u64>) -> Result<Vec<Hash>, VerifyFailure> {
    let arr = v
        .as_array()
        .ok_or_else(|| fail(entry, format!("{what} is not a list")))?;
    arr.iter()
        .map(|x| {
            x.as_str()
                .and_then(Hash::from_hex)
                .ok_or_else(|| fail(entry, format!("{what} holds a malformed hash")))
        })
        .collect()
}

fn split_hashes(s: &str) -> Value {
    Value::Array(
        s.split(';')
            .filter(|x| !x.is_empty())
            .map(|x| Value::String(x.to_owned()))
            .collect(),
    )
}

/// Parses CSV rows (RFC 4180 quoting) into records.
fn csv_records(text: &str) -> Result<Vec<Value>, VerifyFailure> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else {
            match c {
                '"' => quoted = true,
                ',' => row.push(std::mem::take(&mut field)),
                '\n' => {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                '\r' => {}
                _ => field.push(c),
            }
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    let mut out = Vec::new();
    for (i, r) in rows.into_iter().enumerate().skip(1) {
        if r.len() != 9 {
            return Err(fail(
                None,
                format!("CSV row {} has {} fields, expected 9", i + 1, r.len()),
            ));
        }
        let num = |s: &str| {
            s.parse::<u64>()
                .map_err(|_| fail(None, format!("CSV row {}: bad number {s:?}", i + 1)))
        };
        out.push(match r[0].as_str() {
            "header" => serde_json::from_str(&r[7]).map_err(|e| fail(None, format!("CSV header: {e}")))?,
            "checkpoint" => json!({"record": "checkpoint", "size": num(&r[1])?, "note": r[7], "consistency": split_hashes(&r[8])}),
            "entry" => {
                let event = if r[7].is_empty() { Value::Null } else {
                    serde_json::from_str(&r[7]).map_err(|e| fail(None, format!("CSV row {}: {e}", i + 1)))?
                };
                json!({"record": "entry", "index": num(&r[1])?, "leaf_hash": r[2], "event": event, "inclusion_proof": split_hashes(&r[8])})
            }
            other => return Err(fail(None, format!("CSV row {}: unknown record {other:?}", i + 1))),
        });
    }
    Ok(out)
}

/// Verifies an export offline. `trusted_key` pins the ledger's verifier key
/// (`name+hash+base64`); without it the key named in the export is used.
pub fn verify_export(
    input: &mut dyn BufRead,
    trusted_key: Option<&str>,
) -> Result<ExportReport, VerifyFailure> {
    let mut text = String::new();
    input
        .read_to_string(&mut text)
        .map_err(|e| fail(None, format!("cannot read export: {e}")))?;
    let records: Vec<Value> = if text.starts_with("record,") {
        csv_records(&text)?
    } else {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| fail(None, format!("line {}: {e}", i + 1)))
            })
            .collect::<Result<_, _>>()?
    };
    let header = records
        .first()
        .filter(|h| h["record"] == "header" && h["format"] == EXPORT_FORMAT)
        .ok_or_else(|| fail(None, format!("not an {EXPORT_FORMAT} export (no header)")))?;
    let env = header["environment"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let origin = header["origin"].as_str().unwrap_or_default().to_owned();
    let tree_size = header["tree_size"]
        .as_u64()
        .ok_or_else(|| fail(None, "header has no tree_size"))?;
    let key = trusted_key
        .or(header["verifier_key"].as_str())
        .ok_or_else(|| fail(None, "no verifier key"))?;
    let verifier = Ed25519Verifier::from_verifier_key(key)
        .map_err(|e| fail(None, format!("verifier key: {e}")))?;
    let mut report = ExportReport {
        environment: env.clone(),
        tree_size,
        key_pinned: trusted_key.is_some(),
        ..Default::default()
    };

    let cps: Vec<&Value> = records
        .iter()
        .filter(|r| r["record"] == "checkpoint")
        .collect();
    let latest = cps
        .iter()
        .find(|c| c["size"].as_u64() == Some(tree_size))
        .ok_or_else(|| {
            fail(
                None,
                format!("no checkpoint for the exported tree size {tree_size}"),
            )
        })?;
    let latest_note = latest["note"].as_str().unwrap_or_default();
    let head = open_checkpoint(latest_note, &origin, &[&verifier])
        .map_err(|e| fail(None, format!("checkpoint at size {tree_size}: {e}")))?;
    if head.size != tree_size {
        return Err(fail(
            None,
            format!(
                "checkpoint at size {tree_size}: the signed note says size {}",
                head.size
            ),
        ));
    }
    for c in &cps {
        let size = c["size"].as_u64().unwrap_or(u64::MAX);
        let cp = open_checkpoint(
            c["note"].as_str().unwrap_or_default(),
            &origin,
            &[&verifier],
        )
        .map_err(|e| fail(None, format!("checkpoint at size {size}: {e}")))?;
        if cp.size != size {
            return Err(fail(
                None,
                format!(
                    "checkpoint at size {size}: the signed note says size {}",
                    cp.size
                ),
            ));
        }
        let proof = parse_hashes(&c["consistency"], "consistency proof", None)?;
        verify_consistency(cp.size, head.size, &cp.root, &head.root, &proof).map_err(|e| {
            fail(None, format!("checkpoint at size {size} is not consistent with the checkpoint at size {tree_size}: {e}"))
        })?;
        report.checkpoints += 1;
    }
    for r in records.iter().filter(|r| r["record"] == "entry") {
        let index = r["index"]
            .as_u64()
            .ok_or_else(|| fail(None, "entry without index"))?;
        let e = Some(index);
        let stated = r["leaf_hash"]
            .as_str()
            .and_then(Hash::from_hex)
            .ok_or_else(|| fail(e, format!("entry {index}: malformed leaf hash")))?;
        if r["event"].is_null() {
            report.pruned += 1;
        } else {
            validate_event(&r["event"], Some(&env))
                .map_err(|se| fail(e, format!("entry {index}: {se}")))?;
            let bytes = canonical_bytes(&r["event"])
                .map_err(|se| fail(e, format!("entry {index}: {se}")))?;
            if leaf_hash(&bytes) != stated {
                return Err(fail(e, format!("entry {index}: event does not match its leaf hash (payload or leaf hash altered)")));
            }
        }
        let proof = parse_hashes(&r["inclusion_proof"], "inclusion proof", e)?;
        verify_inclusion(index, head.size, &stated, &proof, &head.root)
            .map_err(|err| fail(e, format!("entry {index}: inclusion proof does not verify against the checkpoint at size {tree_size}: {err}")))?;
        report.entries += 1;
    }
    report.root = head.root.to_hex();
    Ok(report)
}
