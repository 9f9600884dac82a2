//! Integration tests of `envguard_extract::extract`, one module per format.
#![allow(clippy::unwrap_used)]

mod dotenv;
mod hcl;
mod json;
mod properties;
mod proptests;
mod robustness;
mod snapshots;
mod toml;
mod yaml;

use envguard_model::{Extraction, Fact, Format, Region, ValueOrigin};

pub fn run(format: Format, text: &str) -> Extraction {
    envguard_extract::extract(format, text.as_bytes())
}

pub fn r(sl: u32, sc: u32, el: u32, ec: u32) -> Region {
    Region::new(sl, sc, el, ec)
}

/// The facts as (key, value, region) triples.
pub fn kv(out: &Extraction) -> Vec<(&str, &str, Region)> {
    out.facts
        .iter()
        .map(|f| (f.key.as_str(), f.value.as_str(), f.region))
        .collect()
}

pub fn fact<'a>(out: &'a Extraction, key: &str) -> &'a Fact {
    out.facts
        .iter()
        .find(|f| f.key == key)
        .unwrap_or_else(|| panic!("no fact {key:?} in {:#?}", out.facts))
}

/// The hints as (name, key, region) triples.
pub fn hints(out: &Extraction) -> Vec<(&str, &str, Region)> {
    out.hints
        .iter()
        .map(|h| (h.name.as_str(), h.key.as_str(), h.region))
        .collect()
}

/// The text a region covers, for checking regions against the source.
pub fn covered(text: &str, region: Region) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = String::new();
    for line in region.start_line..=region.end_line {
        let l = lines[(line - 1) as usize].trim_end_matches('\r');
        let chars: Vec<char> = l.chars().collect();
        let from = if line == region.start_line {
            region.start_column as usize - 1
        } else {
            0
        };
        let to = if line == region.end_line {
            region.end_column as usize - 1
        } else {
            chars.len()
        };
        out.extend(&chars[from.min(chars.len())..to.min(chars.len())]);
        if line != region.end_line {
            out.push('\n');
        }
    }
    out
}

pub fn plain(out: &Extraction) -> bool {
    out.facts.iter().all(|f| f.origin == ValueOrigin::Plain)
}
