//! Fuzzes the PII dataset readers (CSV, TSV, JSON, JSONL, SQL), the dataset
//! scanner (streamed in two blocks and whole) and free-text detection: none
//! may panic, and every reported span must lie on `char` boundaries.
#![no_main]

use envguard_pii::dataset::readers::{walk_csv, walk_json, walk_sql};
use envguard_pii::{detect_text, redact_dataset, scan_dataset, DatasetScanner, Operator, Redactor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    walk_csv(data, b',', |_, fields| {
        for f in fields {
            assert!(f.raw.start <= f.raw.end && f.raw.end <= data.len());
        }
    });
    let _ = walk_json(data, |v| assert!(v.raw.end <= data.len()));
    walk_sql(data, |v| assert!(v.raw.end <= data.len()));
    for path in ["f.csv", "f.tsv", "f.jsonl", "f.json", "f.sql"] {
        let whole = scan_dataset(path, data);
        let mut s = DatasetScanner::for_path(path).unwrap().with_threads(2);
        let mid = data.len() / 2;
        s.feed(&data[..mid]);
        s.feed(&data[mid..]);
        let streamed = s.finish();
        assert_eq!(whole.map(|r| r.records), Some(streamed.records));
    }
    let _ = redact_dataset("f.csv", data, &Redactor::new(Operator::Mask, b"k"));
    if let Ok(text) = std::str::from_utf8(data) {
        for d in detect_text(text) {
            assert!(text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end));
        }
    }
});
