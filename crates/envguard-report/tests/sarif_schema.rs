//! Validates generated SARIF against the official OASIS SARIF 2.1.0 schema
//! (vendored from oasis-tcs/sarif-spec, `sarif-2.1/schema/sarif-schema-2.1.0.json`)
//! and checks the GitHub code scanning requirements the schema cannot express.
#![allow(clippy::unwrap_used)] // test code

mod common;

use envguard_model::{Diagnostic, DiagnosticKind, ScanResult, Severity};
use envguard_report::{render_to_string, OutputFormat, RenderOptions, DOCS_BASE_URL};
use serde_json::Value;

const SCHEMA: &str = include_str!("data/sarif-schema-2.1.0.json");
const SCHEMA_ID: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn sarif(result: &ScanResult) -> Value {
    let opts = RenderOptions {
        color: false,
        tool_version: common::TOOL_VERSION,
        fail_on: Some(Severity::Error),
        allow_incomplete: false,
    };
    let s = render_to_string(OutputFormat::Sarif, result, &opts).expect("render");
    serde_json::from_str(&s).expect("SARIF is JSON")
}

fn validate(instance: &Value) {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    assert_eq!(
        schema["id"], SCHEMA_ID,
        "vendored schema is not the final OASIS one"
    );
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not match the schema:\n{}",
        errors.join("\n")
    );
}

/// What GitHub code scanning (and the Multitool's `Gh` rules) require beyond the schema.
fn check_github_rules(log: &Value) {
    assert_eq!(log["$schema"], SCHEMA_ID);
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "envguard");
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    for r in rules {
        let id = r["id"].as_str().unwrap();
        let name = r["name"].as_str().unwrap();
        assert_ne!(name, id);
        assert!(name.starts_with(|c: char| c.is_ascii_uppercase()), "{name}");
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric()), "{name}");
        let short = r["shortDescription"]["text"].as_str().unwrap();
        assert!(!short.trim().is_empty() && short.chars().count() <= 1024);
        assert!(r["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .ends_with('.'));
        assert!(!r["help"]["text"].as_str().unwrap().trim().is_empty());
        assert!(!r["help"]["markdown"].as_str().unwrap().trim().is_empty());
        let help_uri = r["helpUri"].as_str().unwrap();
        assert!(
            help_uri.starts_with(DOCS_BASE_URL) && help_uri.ends_with(".md"),
            "{help_uri}"
        );
        assert!(r["defaultConfiguration"]["level"].is_string());
        assert!(r["properties"]["tags"]
            .as_array()
            .is_some_and(|t| !t.is_empty()));
    }
    for res in run["results"].as_array().unwrap() {
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"]);
        let locs = res["locations"].as_array().unwrap();
        assert_eq!(locs.len(), 1, "exactly one location per result");
        let pl = &locs[0]["physicalLocation"];
        let uri = pl["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            !uri.contains(':') && !uri.starts_with('/'),
            "not relative: {uri}"
        );
        assert_eq!(pl["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(pl["region"]["startLine"].as_u64().unwrap() >= 1);
        for (i, rel) in res["relatedLocations"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            assert_eq!(rel["id"].as_u64(), Some(i as u64 + 1));
            assert!(
                rel["message"]["text"].is_string(),
                "related location without message"
            );
        }
        assert!(res["partialFingerprints"]["envguard/v1"].is_string());
        assert!(!res["message"]["text"].as_str().unwrap().is_empty());
    }
}

#[test]
fn realistic_sarif_is_valid() {
    let log = sarif(&common::realistic());
    validate(&log);
    check_github_rules(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "external");
    let notes = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes.as_array().unwrap().len(), 1);
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        12
    );
}

#[test]
fn empty_sarif_is_valid() {
    let log = sarif(&common::empty());
    validate(&log);
    check_github_rules(&log);
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 0);
}

#[test]
fn absolute_root_becomes_a_file_uri_base() {
    let mut r = common::realistic();
    r.root = "/srv/repos/infra live".to_owned();
    r.diagnostics.push(Diagnostic {
        kind: DiagnosticKind::Config,
        path: String::new(),
        region: None,
        message: "unknown key `colour` in envguard.toml ignored".to_owned(),
    });
    let log = sarif(&r);
    validate(&log);
    check_github_rules(&log);
    assert_eq!(
        log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        "file:///srv/repos/infra%20live/"
    );
}

#[test]
fn schema_rejects_a_broken_log() {
    // Guards against a validator that accepts everything.
    let mut log = sarif(&common::realistic());
    log["runs"][0]["results"][0]["level"] = Value::from("fatal");
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::options().build(&schema).unwrap();
    assert!(!validator.is_valid(&log));
}
