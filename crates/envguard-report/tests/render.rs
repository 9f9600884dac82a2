//! Snapshot tests of every format over a realistic and an empty scan result,
//! plus the properties every format must keep (order independence, verdicts).
#![allow(clippy::unwrap_used)] // test code

mod common;

use envguard_model::{FindingBuilder, Location, Region, ScanResult, Severity};
use envguard_report::{render, render_to_string, OutputFormat, RenderOptions};

fn opts() -> RenderOptions {
    RenderOptions {
        color: false,
        tool_version: common::TOOL_VERSION,
        fail_on: Some(Severity::Error),
        allow_incomplete: false,
    }
}

fn out(format: OutputFormat, result: &ScanResult) -> String {
    render_to_string(format, result, &opts()).expect("render")
}

#[test]
fn text_realistic() {
    insta::assert_snapshot!(out(OutputFormat::Text, &common::realistic()));
}

#[test]
fn text_realistic_color() {
    let o = RenderOptions {
        color: true,
        ..opts()
    };
    let s = render_to_string(OutputFormat::Text, &common::realistic(), &o).unwrap();
    assert!(s.contains("\x1b[1;31merror\x1b[0m"));
    insta::assert_snapshot!(s);
}

#[test]
fn text_empty() {
    insta::assert_snapshot!(out(OutputFormat::Text, &common::empty()));
}

#[test]
fn json_realistic() {
    insta::assert_snapshot!(out(OutputFormat::Json, &common::realistic()));
}

#[test]
fn json_empty() {
    insta::assert_snapshot!(out(OutputFormat::Json, &common::empty()));
}

#[test]
fn sarif_realistic() {
    insta::assert_snapshot!(out(OutputFormat::Sarif, &common::realistic()));
}

#[test]
fn sarif_empty() {
    insta::assert_snapshot!(out(OutputFormat::Sarif, &common::empty()));
}

#[test]
fn junit_realistic() {
    insta::assert_snapshot!(out(OutputFormat::Junit, &common::realistic()));
}

#[test]
fn junit_empty() {
    insta::assert_snapshot!(out(OutputFormat::Junit, &common::empty()));
}

#[test]
fn markdown_realistic() {
    insta::assert_snapshot!(out(OutputFormat::Markdown, &common::realistic()));
}

#[test]
fn markdown_empty() {
    insta::assert_snapshot!(out(OutputFormat::Markdown, &common::empty()));
}

#[test]
fn output_does_not_depend_on_input_order() {
    let a = common::realistic();
    let mut b = common::realistic();
    b.findings.reverse();
    b.diagnostics.reverse();
    b.environments.reverse();
    b.rules.reverse();
    for f in OutputFormat::ALL {
        assert_eq!(out(f, &a), out(f, &b), "{f} depends on input order");
    }
}

#[test]
fn render_writes_to_any_writer() {
    let mut buf: Vec<u8> = Vec::new();
    let w: &mut dyn std::io::Write = &mut buf;
    render(OutputFormat::Json, &common::empty(), &opts(), w).unwrap();
    assert!(buf.ends_with(b"}\n"));
}

#[test]
fn only_colour_when_asked() {
    for f in OutputFormat::ALL {
        assert!(
            !out(f, &common::realistic()).contains('\x1b'),
            "{f} has escapes"
        );
    }
}

#[test]
fn json_is_version_1_with_frozen_top_level_keys() {
    let v: serde_json::Value =
        serde_json::from_str(&out(OutputFormat::Json, &common::realistic())).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    // serde_json without preserve_order sorts keys; compare as a set.
    let mut expected = vec![
        "version",
        "tool",
        "root",
        "summary",
        "environments",
        "findings",
        "suppressed",
        "diagnostics",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(v["version"], 1);
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);
    assert_eq!(v["suppressed"][0]["suppression"]["kind"], "waiver");
    assert!(v["findings"][0].get("suppression").is_none());
    assert_eq!(v["summary"]["result"], "fail");
    assert_eq!(v["summary"]["failing"], 2);
}

#[test]
fn fail_on_threshold_sets_the_verdict() {
    let r = common::realistic();
    let verdict = |fail_on| {
        let o = RenderOptions { fail_on, ..opts() };
        let v: serde_json::Value =
            serde_json::from_str(&render_to_string(OutputFormat::Json, &r, &o).unwrap()).unwrap();
        (
            v["summary"]["result"].as_str().unwrap().to_owned(),
            v["summary"]["failing"].as_u64(),
        )
    };
    assert_eq!(verdict(None), ("pass".to_owned(), Some(0)));
    assert_eq!(verdict(Some(Severity::Note)), ("fail".to_owned(), Some(2)));
    // The warning is suppressed, so it never counts.
    let mut only_warning = common::empty();
    only_warning.findings.push(
        FindingBuilder::new(
            "R01.hardcoded-secret",
            Severity::Warning,
            Location {
                path: "dev/.env".into(),
                region: Region::line(1),
            },
        )
        .message("TOKEN holds a hard-coded generic secret (ab…) in dev (dev tier)")
        .id("1111111111111111")
        .build(),
    );
    let junit = |fail_on| {
        let o = RenderOptions { fail_on, ..opts() };
        render_to_string(OutputFormat::Junit, &only_warning, &o).unwrap()
    };
    assert!(!junit(Some(Severity::Error)).contains("<failure"));
    assert!(junit(Some(Severity::Error)).contains("below --fail-on error"));
    assert!(junit(Some(Severity::Warning)).contains("<failure"));
    assert!(!junit(None).contains("<failure"));
    let text = render_to_string(OutputFormat::Text, &only_warning, &opts()).unwrap();
    assert!(text.contains("result        pass: no active finding at or above error"));
}

#[test]
fn finding_of_an_unlisted_rule_is_still_reported() {
    let mut r = common::empty();
    r.findings.push(
        FindingBuilder::new(
            "R99.future-rule",
            Severity::Note,
            Location {
                path: "a b/#x.env".into(),
                region: Region::new(2, 1, 2, 9),
            },
        )
        .message("Something | with `ticks`")
        .id("2222222222222222")
        .build(),
    );
    let sarif: serde_json::Value = serde_json::from_str(&out(OutputFormat::Sarif, &r)).unwrap();
    let run = &sarif["runs"][0];
    let idx = run["results"][0]["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(run["tool"]["driver"]["rules"][idx]["id"], "R99.future-rule");
    assert_eq!(run["tool"]["driver"]["rules"][idx]["name"], "FutureRule");
    assert_eq!(
        run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "a%20b/%23x.env"
    );
    let md = out(OutputFormat::Markdown, &r);
    assert!(md.contains("Something \\| with \\`ticks\\`"), "{md}");
    for f in OutputFormat::ALL {
        assert!(out(f, &r).contains("R99.future-rule"), "{f}");
    }
}

#[test]
fn control_characters_from_scanned_files_do_not_reach_the_terminal() {
    let mut r = common::empty();
    r.findings.push(
        FindingBuilder::new(
            "R01.hardcoded-secret",
            Severity::Error,
            Location {
                path: "evil\u{1b}[2J.env".into(),
                region: Region::line(1),
            },
        )
        .message("KEY\u{1b}]0;pwned\u{7} holds a secret")
        .id("3333333333333333")
        .build(),
    );
    for f in OutputFormat::ALL {
        let s = out(f, &r);
        assert!(!s.contains('\u{1b}'), "{f} lets an escape through");
    }
}
