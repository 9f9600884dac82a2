//! `envguard scan-data`, `envguard redact` and `envguard provenance`: the
//! data side of R-02 (no production PII/PHI outside prod) and §5 (redaction
//! before a prompt leaves the regulated boundary).

use crate::config::write_output;
use anyhow::{bail, Context as _, Result};
use clap::{Args, Subcommand, ValueEnum};
use envguard_pii::{
    redact_dataset, DatasetFormat, DatasetReport, DatasetScanner, Entity, Operator, Redactor,
};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Environment variable holding the project's redaction key (`hash`, `synth`).
pub const REDACT_KEY_ENV: &str = "ENVGUARD_REDACT_KEY";

#[derive(Clone, Copy, ValueEnum)]
pub enum DataFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Args)]
pub struct ScanDataArgs {
    /// Dataset files or directories (CSV, TSV, JSON, JSONL/NDJSON, SQL dumps).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    format: DataFormat,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OperatorArg {
    Mask,
    Tag,
    Hash,
    Synth,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum RedactFormat {
    /// From the input file's extension; text for standard input.
    Auto,
    Text,
    Csv,
    Tsv,
    Json,
    Jsonl,
    Sql,
}

#[derive(Args)]
pub struct RedactArgs {
    /// Input file [default: standard input].
    input: Option<PathBuf>,
    /// Write the redacted data to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// How detected values are replaced. `hash` and `synth` need a project
    /// key in ENVGUARD_REDACT_KEY (or ENVGUARD_FINGERPRINT_KEY).
    #[arg(long, value_enum, default_value = "tag")]
    operator: OperatorArg,
    /// Input format (the output keeps it).
    #[arg(long, value_enum, default_value = "auto")]
    input_format: RedactFormat,
    /// The old spelling of --input-format, kept only to say so: `--format`
    /// means the output format on every other command.
    #[arg(long = "format", hide = true, value_name = "FORMAT")]
    old_format: Option<String>,
    /// Print each replaced span (position, entity, confidence, validator) to
    /// standard error; never the value.
    #[arg(long)]
    explain: bool,
}

#[derive(Args)]
pub struct ProvenanceArgs {
    #[command(subcommand)]
    command: ProvenanceCommand,
}

#[derive(Subcommand)]
enum ProvenanceCommand {
    /// Write `<FILE>.provenance.toml`, a manifest template with the file's SHA-256.
    New {
        /// The dataset file.
        file: PathBuf,
        /// synthetic or masked.
        #[arg(long, default_value = "synthetic")]
        kind: String,
        /// Overwrite an existing manifest.
        #[arg(long)]
        force: bool,
    },
}

// ---------------------------------------------------------------- scan-data

/// The dataset files under `path` (itself when it is a file), walked like
/// `check` walks a tree (ignore rules, vendored code left out). A path that
/// could not be read stops the run with its name (fail closed).
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
    if !meta.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let inventory = envguard_model::Inventory::default();
    let scope = envguard_engine::scope::Scope {
        root: path,
        inventory: &inventory,
        include_ignored: false,
        include_vendored: false,
        threads: 0,
    };
    let (files, diagnostics) = scope.files();
    let unread: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.kind.incomplete())
        .map(|d| format!("{}: {}", path.join(&d.path).display(), d.message))
        .collect();
    if !unread.is_empty() {
        bail!("not every path could be read:\n  {}", unread.join("\n  "));
    }
    out.extend(
        files
            .into_iter()
            .filter(|(_, rel)| DatasetFormat::from_path(rel).is_some())
            .map(|(p, _)| p),
    );
    Ok(())
}

/// Scans one file, reading the next block while the workers scan (memory
/// stays flat in the file size; a single `.json` document is read whole).
pub fn scan_file(path: &Path, threads: Option<usize>) -> Result<Option<DatasetReport>> {
    let name = path.to_string_lossy().into_owned();
    let Some(mut scanner) = DatasetScanner::for_path(&name) else {
        return Ok(None);
    };
    if let Some(n) = threads {
        scanner = scanner.with_threads(n);
    }
    let f = std::fs::File::open(path).with_context(|| format!("{name}: cannot open"))?;
    let report = scanner
        .scan_reader(f)
        .with_context(|| format!("{name}: read error"))?;
    Ok(Some(report))
}

pub fn run_scan(args: ScanDataArgs) -> Result<u8> {
    let mut files = Vec::new();
    for p in &args.paths {
        collect(p, &mut files)?;
    }
    let mut reports = Vec::new();
    let mut skipped = Vec::new();
    for f in &files {
        match scan_file(f, Some(args.threads).filter(|&n| n > 0))? {
            Some(r) => reports.push(r),
            None => skipped.push(f.display().to_string()),
        }
    }
    let text = match args.format {
        DataFormat::Text => render_text(&reports, &skipped),
        DataFormat::Json => serde_json::to_string_pretty(&render_json(&reports))? + "\n",
        DataFormat::Sarif => serde_json::to_string_pretty(&render_sarif(&reports))? + "\n",
    };
    write_output(args.output.as_deref(), text.as_bytes())?;
    Ok(u8::from(reports.iter().any(DatasetReport::has_pii)))
}

fn rows(v: &[u64]) -> String {
    v.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
}

/// Human report: per file, per column with findings.
pub fn render_text(reports: &[DatasetReport], skipped: &[String]) -> String {
    let mut s = String::new();
    for r in reports {
        let totals = r.totals();
        s.push_str(&format!(
            "{} ({}, {} records, {} bytes): {}\n",
            r.path,
            r.format,
            r.records,
            r.bytes,
            if totals.is_empty() {
                "no PII/PHI found".to_owned()
            } else {
                format!("{} PII/PHI values", totals.iter().map(|t| t.1).sum::<u64>())
            }
        ));
        for c in &r.columns {
            if c.entities.is_empty() {
                continue;
            }
            let class = c
                .class
                .map(|e| format!(" [column: {}]", e.id()))
                .unwrap_or_default();
            s.push_str(&format!("  {}{}  ({} cells)\n", c.name, class, c.cells));
            for e in &c.entities {
                s.push_str(&format!(
                    "    {:<15} {:>9}  {:<6}  lines {}\n",
                    e.entity.id(),
                    e.count,
                    e.confidence.as_str(),
                    rows(&e.sample_rows)
                ));
            }
        }
    }
    for k in skipped {
        s.push_str(&format!("{k}: skipped (not a dataset format)\n"));
    }
    s
}

/// JSON v1: `{"version": 1, "files": [DatasetReport...]}`.
pub fn render_json(reports: &[DatasetReport]) -> Value {
    json!({ "version": 1, "tool": "envguard", "kind": "scan-data", "files": reports })
}

/// SARIF 2.1.0: one result per file, column and entity; rule ids `PII.<ENTITY>`.
pub fn render_sarif(reports: &[DatasetReport]) -> Value {
    let rules: Vec<Value> = Entity::ALL
        .iter()
        .map(|e| {
            json!({
                "id": format!("PII.{}", e.id()),
                "name": e.id(),
                "shortDescription": { "text": format!("{} in a dataset", e.description()) },
                "fullDescription": { "text": format!("A {} was found in a dataset. Policy 000 §3 R-02: dev and test never hold production PHI/PII; datasets outside prod are synthetic or masked, with written provenance.", e.description()) },
                "defaultConfiguration": { "level": if e.is_phi() || matches!(e, Entity::SaNationalId | Entity::UsSsn | Entity::CreditCard | Entity::Iban) { "error" } else { "warning" } },
                "properties": { "tags": ["pii", if e.is_phi() { "phi" } else { "identity" }] }
            })
        })
        .collect();
    let mut results = Vec::new();
    for r in reports {
        for c in &r.columns {
            for e in &c.entities {
                let line = e.sample_rows.first().copied().unwrap_or(1).max(1);
                results.push(json!({
                    "ruleId": format!("PII.{}", e.entity.id()),
                    "ruleIndex": Entity::ALL.iter().position(|x| *x == e.entity).unwrap_or(0),
                    "level": if e.entity.is_phi() || matches!(e.entity, Entity::SaNationalId | Entity::UsSsn | Entity::CreditCard | Entity::Iban) { "error" } else { "warning" },
                    "message": { "text": format!("{} × {} in column `{}` ({} confidence); first lines: {}", e.count, e.entity.id(), c.name, e.confidence.as_str(), rows(&e.sample_rows)) },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri(&r.path) },
                            "region": { "startLine": line }
                        },
                        "logicalLocations": [{ "name": c.name, "kind": "member" }]
                    }],
                    "properties": { "column": c.name, "count": e.count, "confidence": e.confidence.as_str(), "sampleLines": e.sample_rows }
                }));
            }
        }
    }
    json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "envguard",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/envguard",
                "rules": rules
            }},
            "columnKind": "unicodeCodePoints",
            "results": results
        }]
    })
}

fn uri(path: &str) -> String {
    let p = path.replace('\\', "/");
    p.strip_prefix("./").unwrap_or(&p).replace(' ', "%20")
}

// ---------------------------------------------------------------- redact

/// The project key for `hash`/`synth`: SHA-256 over a domain tag and the
/// variable's value, so the raw secret is never the HMAC key itself.
fn redact_key(op: Operator) -> Result<Vec<u8>> {
    let v = std::env::var_os(REDACT_KEY_ENV)
        .filter(|v| !v.is_empty())
        .or_else(|| std::env::var_os("ENVGUARD_FINGERPRINT_KEY").filter(|v| !v.is_empty()));
    match v {
        Some(v) => Ok(envguard_pii::derive_key(v.as_encoded_bytes()).to_vec()),
        None if matches!(op, Operator::Hash | Operator::Synth) => {
            bail!("the hash and synth operators need a project key: set {REDACT_KEY_ENV} (kept stable per project so that joins still work)")
        }
        None => Ok(Vec::new()),
    }
}

pub fn run_redact(args: RedactArgs) -> Result<u8> {
    if let Some(f) = &args.old_format {
        bail!(
            "redact reads its input format from --input-format (`--input-format {f}`); \
             --format is the output format of the commands that write a report"
        );
    }
    let op = match args.operator {
        OperatorArg::Mask => Operator::Mask,
        OperatorArg::Tag => Operator::Tag,
        OperatorArg::Hash => Operator::Hash,
        OperatorArg::Synth => Operator::Synth,
    };
    let redactor = Redactor::new(op, &redact_key(op)?);
    let (input, name) = match &args.input {
        Some(p) => (
            std::fs::read(p).with_context(|| format!("{}: cannot read", p.display()))?,
            p.to_string_lossy().into_owned(),
        ),
        None => {
            let mut v = Vec::new();
            std::io::stdin().read_to_end(&mut v)?;
            (v, "<stdin>".to_owned())
        }
    };
    let fmt_name = match args.input_format {
        RedactFormat::Auto => DatasetFormat::from_path(&name).map(|f| f.name()),
        RedactFormat::Text => None,
        RedactFormat::Csv => Some("csv"),
        RedactFormat::Tsv => Some("tsv"),
        RedactFormat::Json => Some("json"),
        RedactFormat::Jsonl => Some("jsonl"),
        RedactFormat::Sql => Some("sql"),
    };
    let mut explain = String::new();
    let output: Vec<u8> = match fmt_name {
        Some(ext) => {
            let virt = format!("input.{ext}");
            if args.explain {
                envguard_pii::visit_dataset_opts(&virt, &input, true, |c| {
                    for d in c.detections {
                        explain.push_str(&format!(
                            "{name}:{}: column {}: {} bytes {}..{} of the cell, {} confidence, {}\n",
                            c.line, c.column, d.entity.id(), d.span.start, d.span.end, d.confidence.as_str(), d.validator
                        ));
                    }
                });
            }
            let (out, _) =
                redact_dataset(&virt, &input, &redactor).context("not a dataset format")?;
            out
        }
        None => {
            let text = String::from_utf8_lossy(&input);
            let mut out = String::with_capacity(text.len());
            for (k, line) in text.split_inclusive('\n').enumerate() {
                let r = redactor.redact_text(line);
                if args.explain {
                    for d in &r.detections {
                        let col = line[..d.span.start].chars().count() + 1;
                        let end = col + line[d.span.clone()].chars().count();
                        explain.push_str(&format!(
                            "{name}:{}:{col}-{end}: {}, {} confidence, {}\n",
                            k + 1,
                            d.entity.id(),
                            d.confidence.as_str(),
                            d.validator
                        ));
                    }
                }
                out.push_str(&r.text);
            }
            out.into_bytes()
        }
    };
    write_output(args.output.as_deref(), &output)?;
    if args.explain {
        std::io::stderr().write_all(explain.as_bytes())?;
    }
    Ok(0)
}

// ---------------------------------------------------------------- provenance

pub fn run_provenance(args: ProvenanceArgs) -> Result<u8> {
    let ProvenanceCommand::New { file, kind, force } = args.command;
    if !matches!(kind.as_str(), "synthetic" | "masked") {
        bail!("--kind must be synthetic or masked, not {kind:?}");
    }
    let bytes = std::fs::read(&file).with_context(|| format!("{}: cannot read", file.display()))?;
    let sha = envguard_pii::sha256_hex(&bytes);
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut out = file.clone().into_os_string();
    out.push(".provenance.toml");
    let out = PathBuf::from(out);
    if out.exists() && !force {
        bail!(
            "{}: already exists (use --force to overwrite)",
            out.display()
        );
    }
    let source_line = if kind == "synthetic" {
        "generator = \"TODO: generator and version, e.g. gen_pii.py 1.0.0 --seed 7\""
    } else {
        "source = \"TODO: the production extract this was masked from, and the masking tool (e.g. envguard redact --operator synth)\""
    };
    let text = format!(
        "# Provenance manifest for {name} (policy 000 §3 R-02: datasets outside prod are\n\
         # synthetic or masked, with written provenance). Fill in every TODO and commit it.\n\
         file = \"{name}\"\n\
         sha256 = \"{sha}\"\n\
         bytes = {}\n\
         kind = \"{kind}\"  # synthetic | masked\n\
         {source_line}\n\
         approver = \"TODO: name and role of the person who approved use outside prod\"\n\
         date = \"TODO: YYYY-MM-DD\"\n\
         environments = [\"dev\", \"test\"]\n",
        bytes.len()
    );
    std::fs::write(&out, text).with_context(|| format!("{}: cannot write", out.display()))?;
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "envguard: wrote {}; fill in the TODOs and commit it",
            out.display()
        );
    }
    Ok(0)
}
