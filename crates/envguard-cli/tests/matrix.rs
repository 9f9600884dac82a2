//! End-to-end tests of `envguard matrix` on the bundled example.
//!
//! The rows the engine fills change as the matrix grows, so these tests assert
//! only structure that holds whatever the rows contain: the HTML page is one
//! self-contained document that shows every environment and every reference
//! count of the JSON rendering of the same scan.

#![allow(clippy::unwrap_used)]

mod common;

use common::{envguard, repo_root, stdout};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;

const EXAMPLE: &str = "examples/acme-health";

fn matrix_json() -> Value {
    let o = envguard(&["matrix", EXAMPLE, "--format", "json"], &repo_root());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// Undoes the five escapes the HTML renderer writes.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The value of attribute `name` in the opening tag `tag`.
fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let len = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + len]))
}

/// Every grid cell of the page: (from, to) → (data-count, the count shown).
fn grid_cells(html: &str) -> BTreeMap<(String, String), (u64, u64)> {
    let mut cells = BTreeMap::new();
    for (at, _) in html.match_indices(r#"<td class="cell "#) {
        let tag = &html[at..at + html[at..].find('>').unwrap()];
        let from = attr(tag, "data-from").unwrap();
        let to = attr(tag, "data-to").unwrap();
        let count: u64 = attr(tag, "data-count").unwrap().parse().unwrap();
        let body = &html[at..at + html[at..].find("</td>").unwrap()];
        let n = body.split(r#"<span class="n">"#).nth(1).unwrap();
        let n = &n[..n.find("</span>").unwrap()];
        let shown = if n == "—" { 0 } else { n.parse().unwrap() };
        assert!(
            cells.insert((from, to), (count, shown)).is_none(),
            "a cell twice: {tag}"
        );
    }
    cells
}

#[test]
fn matrix_json_is_version_1() {
    let v = matrix_json();
    assert_eq!(v["version"], 1);
    assert_eq!(v["root"], EXAMPLE);
    for key in ["environments", "references", "shared_markers"] {
        assert!(v[key].is_array(), "{key}: {v}");
    }
    for e in v["environments"].as_array().unwrap() {
        assert!(e["name"].is_string(), "{e}");
        assert!(
            ["dev", "test", "prod"].contains(&e["tier"].as_str().unwrap()),
            "{e}"
        );
        assert!(e["files"].is_u64(), "{e}");
    }
    for r in v["references"].as_array().unwrap() {
        assert!(r["from"].is_string() && r["to"].is_string(), "{r}");
        assert!(r["count"].is_u64(), "{r}");
    }
}

#[test]
fn matrix_environments_are_those_of_check() {
    let v = matrix_json();
    let o = envguard(
        &["check", EXAMPLE, "--format", "json", "--fail-on", "never"],
        &repo_root(),
    );
    let check: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let names = |v: &Value| -> Vec<String> {
        let mut n: Vec<String> = v["environments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_owned())
            .collect();
        n.sort();
        n
    };
    let matrix = names(&v);
    for name in names(&check) {
        assert!(matrix.contains(&name), "{name} missing from {matrix:?}");
    }
}

#[test]
fn matrix_markdown_has_the_tables() {
    let o = envguard(&["matrix", EXAMPLE], &repo_root());
    assert_eq!(o.status.code(), Some(0));
    let md = stdout(&o);
    assert!(md.starts_with("# Environment isolation matrix\n"), "{md}");
    assert!(
        md.contains("\n| Environment | Tier | Data class | Paths | Files | Hosts | CIDRs | Accounts | State backends | Resource suffix | Secrets | Findings by rule |\n"),
        "{md}"
    );
    assert!(md.contains("\n| From ↓ / To →"), "{md}");
    assert!(md.contains("\n## Shared markers\n"), "{md}");
    // Explicit --format markdown is the default.
    let explicit = envguard(&["matrix", EXAMPLE, "-f", "markdown"], &repo_root());
    assert_eq!(stdout(&explicit), md);
}

#[test]
fn matrix_html_is_self_contained_and_agrees_with_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("matrix.html");
    let o = envguard(
        &[
            "matrix",
            EXAMPLE,
            "--format",
            "html",
            "-o",
            file.to_str().unwrap(),
        ],
        &repo_root(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.stdout.is_empty(), "-o writes nothing to stdout");
    let html = std::fs::read_to_string(&file).unwrap();

    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.trim_end().ends_with("</html>"));
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "no script");
    assert!(!lower.contains("<link"), "no linked stylesheet");
    assert!(!lower.contains("@import"), "no imported stylesheet");
    for attr in ["src=", "href=", "url("] {
        for (at, _) in lower.match_indices(attr) {
            let value = lower[at + attr.len()..].trim_start_matches(['"', '\'', ' ']);
            assert!(
                !value.starts_with("http:")
                    && !value.starts_with("https:")
                    && !value.starts_with("//"),
                "external resource: {}",
                &html[at..(at + 80).min(html.len())]
            );
        }
    }
    assert!(html.contains("<table"), "{html}");
    assert!(html.contains("generated by envguard "));

    let v = matrix_json();
    let envs: Vec<String> = v["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect();
    let cells = grid_cells(&html);
    for name in &envs {
        assert!(html.contains(&escape(name)), "{name} missing from the page");
        assert!(
            cells.contains_key(&(name.clone(), name.clone())),
            "{name} has no grid row and column"
        );
    }
    // A full square grid.
    let axes: std::collections::BTreeSet<&String> = cells.keys().map(|(f, _)| f).collect();
    assert_eq!(cells.len(), axes.len() * axes.len());

    // Every cell shows the count of the JSON reference behind it, 0 where none.
    let mut refs: BTreeMap<(String, String), u64> = BTreeMap::new();
    for r in v["references"].as_array().unwrap() {
        let key = (
            r["from"].as_str().unwrap().to_owned(),
            r["to"].as_str().unwrap().to_owned(),
        );
        *refs.entry(key).or_insert(0) += r["count"].as_u64().unwrap();
    }
    for (key, (count, shown)) in &cells {
        let want = refs.get(key).copied().unwrap_or(0);
        assert_eq!(*count, want, "cell {key:?}");
        assert_eq!(*shown, want, "cell {key:?}");
    }
    for key in refs.keys() {
        assert!(cells.contains_key(key), "reference {key:?} has no cell");
    }
}

#[test]
fn matrix_on_a_missing_path_exits_2() {
    let o = envguard(&["matrix", "no/such/dir"], &repo_root());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no/such/dir"));
    let o = envguard(&["matrix", EXAMPLE, "--format", "pdf"], &repo_root());
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn matrix_help() {
    // clap wraps help to $COLUMNS (at most 100): pin it.
    let o = Command::new(env!("CARGO_BIN_EXE_envguard"))
        .args(["matrix", "--help"])
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    insta::assert_snapshot!(stdout(&o));
    let o = envguard(&["--help"], &repo_root());
    assert!(stdout(&o).contains("matrix"));
}
