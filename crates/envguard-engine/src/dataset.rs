//! Datasets outside production: which files count, what the PII detector finds
//! in them (counts only), and their written provenance (000 §3 R-02).

use envguard_model::{is_test_path, EnvAttribution, Format, Tier};
use envguard_rules::{DatasetFacts, PiiColumn, Provenance};
use std::path::Path;

pub(crate) fn is_data_dir(d: &str) -> bool {
    matches!(
        d.to_ascii_lowercase().as_str(),
        "data"
            | "datasets"
            | "dataset"
            | "fixtures"
            | "fixture"
            | "seeds"
            | "seed"
            | "samples"
            | "sample-data"
            | "testdata"
            | "test-data"
            | "dumps"
            | "exports"
    )
}

/// Is this file a dataset that the R02 rules look at? CSV/TSV/JSONL/SQL always;
/// JSON only under a data folder (most JSON files are configuration).
pub(crate) fn is_nonprod_dataset(path: &str, env: Option<&EnvAttribution>, bytes: &[u8]) -> bool {
    let lower = path.to_ascii_lowercase();
    if lower.contains(".provenance.")
        || lower.ends_with("package-lock.json")
        || lower.ends_with("composer.lock")
    {
        return false;
    }
    let ext = lower.rsplit('.').next().unwrap_or("");
    let dirs: Vec<&str> = lower.split('/').collect();
    let in_data_dir = dirs.iter().rev().skip(1).any(|d| is_data_dir(d));
    let dataset = match ext {
        "csv" | "tsv" | "jsonl" | "ndjson" | "sql" => true,
        // JSON under a data folder is a dataset when it holds records (a top-level
        // array) or is named for them; `package.json`, `tsconfig.json` and other
        // fixtures' configuration are not.
        "json" => {
            let file = dirs.last().copied().unwrap_or("");
            let records = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
            let named = [
                "data",
                "dump",
                "export",
                "seed",
                "sample",
                "records",
                "patients",
                "users",
                "customers",
                "accounts",
            ]
            .iter()
            .any(|w| file.contains(w));
            in_data_dir
                && (records || named)
                && !file.starts_with("package")
                && !file.starts_with("tsconfig")
        }
        _ => false,
    };
    if !dataset {
        return false;
    }
    match env {
        Some(e) => e.tier < Tier::Prod,
        None => is_test_path(path) || in_data_dir,
    }
}

/// Counts per column and entity from the PII detector; values never leave it.
pub(crate) fn scan(path: &str, bytes: &[u8]) -> Option<DatasetFacts> {
    let report = envguard_pii::scan_dataset(path, bytes)?;
    let mut pii_columns = Vec::new();
    for c in &report.columns {
        let entities: Vec<(&'static str, u64)> = c
            .entities
            .iter()
            .filter(|e| {
                !matches!(
                    e.entity,
                    envguard_pii::Entity::Ipv4 | envguard_pii::Entity::Ipv6
                )
            })
            .map(|e| (e.entity.id(), e.count))
            .collect();
        if entities.is_empty() {
            continue;
        }
        let first_line = c
            .entities
            .iter()
            .filter_map(|e| e.sample_rows.first().copied())
            .min();
        pii_columns.push(PiiColumn {
            column: c.name.clone(),
            entities,
            first_line,
        });
    }
    Some(DatasetFacts {
        format: report.format,
        records: report.records,
        pii_columns,
        provenance: Provenance::Missing,
    })
}

/// Looks for the dataset's manifest beside it and checks it.
pub(crate) fn provenance(abs: &Path, rel: &str, bytes: &[u8]) -> Provenance {
    let Some(name) = abs.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Provenance::Missing;
    };
    let rel_dir = rel
        .rsplit_once('/')
        .map(|(d, _)| format!("{d}/"))
        .unwrap_or_default();
    for (ext, format) in [
        ("toml", Format::Toml),
        ("yaml", Format::Yaml),
        ("yml", Format::Yaml),
        ("json", Format::Json),
    ] {
        let manifest = abs.with_file_name(format!("{name}.provenance.{ext}"));
        let Ok(text) = std::fs::read(&manifest) else {
            continue;
        };
        let shown = format!("{rel_dir}{name}.provenance.{ext}");
        return check_manifest(&shown, format, &text, bytes);
    }
    let md = abs.with_file_name("PROVENANCE.md");
    if let Ok(text) = std::fs::read_to_string(&md) {
        let shown = format!("{rel_dir}PROVENANCE.md");
        if !text.contains(&name) {
            return Provenance::Missing;
        }
        let lower = text.to_ascii_lowercase();
        for kind in ["synthetic", "masked"] {
            if lower.contains(kind) {
                return Provenance::Valid {
                    manifest: shown,
                    kind: kind.into(),
                };
            }
        }
        return Provenance::Invalid {
            manifest: shown,
            problem: "it names the file but says neither synthetic nor masked".into(),
        };
    }
    Provenance::Missing
}

fn check_manifest(shown: &str, format: Format, text: &[u8], data: &[u8]) -> Provenance {
    let extraction = envguard_extract::extract(format, text);
    let invalid = |problem: String| Provenance::Invalid {
        manifest: shown.to_owned(),
        problem,
    };
    if let Some(e) = extraction.errors.first() {
        return invalid(format!("line {}: {}", e.region.start_line, e.message));
    }
    let get = |k: &str| {
        extraction
            .facts
            .iter()
            .find(|f| f.key == k)
            .map(|f| f.value.trim().to_owned())
    };
    let kind = get("kind").unwrap_or_default();
    if !matches!(kind.as_str(), "synthetic" | "masked") {
        return invalid(format!("`kind` must be synthetic or masked, not {kind:?}"));
    }
    match get("sha256") {
        Some(sha) if sha.eq_ignore_ascii_case(&envguard_pii::sha256_hex(data)) => {}
        Some(_) => return invalid(
            "`sha256` does not match the file (the data changed after the manifest was written)"
                .into(),
        ),
        None => return invalid("`sha256` is missing".into()),
    }
    for k in ["approver", "date"] {
        match get(k) {
            Some(v) if !v.is_empty() && !v.starts_with("TODO") => {}
            _ => return invalid(format!("`{k}` is missing or still TODO")),
        }
    }
    Provenance::Valid {
        manifest: shown.to_owned(),
        kind,
    }
}
