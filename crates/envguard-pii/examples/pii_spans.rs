//! Benchmark helper (see bench/pii/): prints detections per input line as
//! JSON lines `{"file", "line" (0-based), "spans": [[start, end, "ENTITY"], ...]}`
//! with byte offsets relative to the line, and times prompt redaction.
//!
//! `pii_spans spans FILE...` — text files line by line, datasets by column.
//! `pii_spans redact-spans FILE...` — the same with what redaction replaces.
//! `pii_spans prompts NOTES.jsonl` — p50/p95/p99 of `Redactor::redact_text`
//! over ~2 KB prompts built from the `ai_prompt` records.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

use envguard_pii::{detect_text, visit_dataset_opts, Operator, Redactor};
use std::collections::BTreeMap;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("spans") => {
            for f in &args[1..] {
                spans(f, false);
            }
        }
        Some("redact-spans") => {
            for f in &args[1..] {
                spans(f, true);
            }
        }
        Some("prompts") => prompts(&args[1]),
        _ => eprintln!("usage: pii_spans spans FILE... | prompts NOTES.jsonl"),
    }
}

fn spans(path: &str, redaction: bool) {
    let bytes = std::fs::read(path).unwrap();
    let name = std::path::Path::new(path)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let starts: Vec<usize> = std::iter::once(0).chain(memchr_lines(&bytes)).collect();
    let mut by_line: BTreeMap<usize, Vec<(usize, usize, &'static str)>> = BTreeMap::new();
    let is_dataset = visit_dataset_opts(path, &bytes, redaction, |c| {
        for d in c.detections {
            let (s, e) = if c.verbatim {
                (c.raw.start + d.span.start, c.raw.start + d.span.end)
            } else {
                (c.raw.start, c.raw.end)
            };
            let line = starts.partition_point(|&x| x <= s) - 1;
            by_line.entry(line).or_default().push((
                s - starts[line],
                e - starts[line],
                d.entity.id(),
            ));
        }
    });
    if !is_dataset {
        let redactor = Redactor::new(Operator::Tag, b"");
        let text = String::from_utf8_lossy(&bytes);
        for (k, line) in text.split('\n').enumerate() {
            let found = if redaction {
                redactor.redact_text(line).detections
            } else {
                detect_text(line)
            };
            for d in found {
                by_line
                    .entry(k)
                    .or_default()
                    .push((d.span.start, d.span.end, d.entity.id()));
            }
        }
    }
    for (line, v) in by_line {
        let spans: Vec<String> = v
            .iter()
            .map(|(s, e, t)| format!("[{s},{e},\"{t}\"]"))
            .collect();
        println!(
            "{{\"file\":\"{name}\",\"line\":{line},\"spans\":[{}]}}",
            spans.join(",")
        );
    }
}

fn memchr_lines(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    b.iter()
        .enumerate()
        .filter(|(_, &c)| c == b'\n')
        .map(|(i, _)| i + 1)
}

fn prompts(path: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut pieces = Vec::new();
    for line in text.lines() {
        if !line.contains("\"ai_prompt\"") {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        pieces.push(v["text"].as_str().unwrap().to_owned());
    }
    let mut prompts = Vec::new();
    let mut cur = String::new();
    for p in pieces {
        cur.push_str(&p);
        cur.push('\n');
        if cur.len() >= 2048 {
            prompts.push(std::mem::take(&mut cur));
        }
    }
    let r = Redactor::new(Operator::Hash, b"bench-key");
    for p in prompts.iter().take(200) {
        std::hint::black_box(r.redact_text(p));
    }
    let mut times = Vec::with_capacity(prompts.len());
    for p in &prompts {
        let t = Instant::now();
        std::hint::black_box(r.redact_text(p));
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let q = |f: f64| times[((times.len() as f64 - 1.0) * f) as usize];
    let avg = prompts.iter().map(String::len).sum::<usize>() / prompts.len().max(1);
    println!(
        "{{\"prompts\":{},\"avg_bytes\":{avg},\"p50_us\":{:.1},\"p95_us\":{:.1},\"p99_us\":{:.1}}}",
        prompts.len(),
        q(0.5),
        q(0.95),
        q(0.99)
    );
}
