//! The matrix as JSON (`"version": 1`), for tooling.

use super::*;

#[derive(Serialize)]
pub(super) struct JsonDoc<'a> {
    version: u32,
    root: &'a str,
    environments: &'a [EnvIsolation],
    references: &'a [CrossReference],
    shared_markers: &'a [String],
}

pub(super) fn json(m: &Matrix<'_>) -> String {
    let doc = JsonDoc {
        version: JSON_VERSION,
        root: &m.result.root,
        environments: &m.environments,
        references: &m.references,
        shared_markers: &m.shared_markers,
    };
    // Every map in the document has string keys, so serialisation cannot fail.
    let mut s = serde_json::to_string_pretty(&doc).expect("the matrix serialises to JSON");
    s.push('\n');
    s
}
