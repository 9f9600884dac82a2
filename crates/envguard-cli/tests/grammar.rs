//! One command-line grammar: `-f/--format` is the output format and
//! `-o/--output` the output file on every command that writes a report,
//! `--threads` the worker threads; `redact` names its input format
//! `--input-format`.

#![allow(clippy::unwrap_used)]

mod common;

use common::{envguard, repo_root, stdout};
use serde_json::Value;

const EXAMPLE: &str = "examples/acme-health";

/// `-f json -o FILE` on every command that writes a report: the report lands
/// in the file, nothing on standard output; without `-o`, on standard output.
#[test]
fn format_and_output_on_every_report_command() {
    let root = repo_root();
    let example = root.join(EXAMPLE);
    let example = example.to_str().unwrap();
    let data = root.join(EXAMPLE).join("db/seeds");
    let dir = tempfile::tempdir().unwrap();
    for (name, args) in [
        ("check", vec!["check", example, "--fail-on", "never"]),
        ("matrix", vec!["matrix", example]),
        ("pipeline", vec!["pipeline", example]),
        ("scan-data", vec!["scan-data", data.to_str().unwrap()]),
    ] {
        let file = dir.path().join(format!("{name}.json"));
        let mut with_o = args.clone();
        with_o.extend(["-f", "json", "-o", file.to_str().unwrap()]);
        let out = envguard(&with_o, dir.path());
        assert!(matches!(out.status.code(), Some(0 | 1)), "{name}: {out:?}");
        assert_eq!(stdout(&out), "", "{name}");
        let written: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let mut plain = args.clone();
        plain.extend(["--format", "json"]);
        let out = envguard(&plain, dir.path());
        let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            written.get("version"),
            printed.get("version"),
            "{name}: the same JSON report either way"
        );
        assert!(written.get("version").is_some(), "{name}: {written}");
    }
}

#[test]
fn pipeline_output_is_the_same_in_a_file_as_on_standard_output() {
    let root = repo_root();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pipeline.md");
    let out = envguard(
        &[
            "pipeline",
            EXAMPLE,
            "-f",
            "markdown",
            "-o",
            file.to_str().unwrap(),
        ],
        &root,
    );
    assert_eq!(out.status.code(), Some(0));
    let printed = stdout(&envguard(&["pipeline", EXAMPLE, "-f", "markdown"], &root));
    assert!(printed.starts_with("| workflow | job |"), "{printed}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), printed);
}

#[test]
fn threads_means_worker_threads_everywhere_and_does_not_change_reports() {
    let root = repo_root();
    let data = root.join(EXAMPLE).join("db/seeds");
    let data = data.to_str().unwrap();
    let one = envguard(&["scan-data", data, "-f", "json", "--threads", "1"], &root);
    let all = envguard(&["scan-data", data, "-f", "json", "--threads", "0"], &root);
    assert_eq!(one.status.code(), all.status.code());
    assert_eq!(stdout(&one), stdout(&all));
    for cmd in ["check", "matrix", "scan-data"] {
        let help = stdout(&envguard(&[cmd, "--help"], &root));
        assert!(
            help.contains("--threads <THREADS>")
                && help.contains("Worker threads (0: one per core)"),
            "{cmd}: {help}"
        );
    }
}

#[test]
fn redact_names_its_input_format_and_says_so_for_the_old_spelling() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("patients.txt"),
        "name,email\nEmily,emily.obrien@gmail.com\n",
    )
    .unwrap();
    let out = envguard(
        &["redact", "patients.txt", "--input-format", "csv"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = stdout(&out);
    assert!(
        text.starts_with("name,email\n") && !text.contains("emily.obrien"),
        "{text}"
    );

    let out = envguard(&["redact", "patients.txt", "--format", "csv"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--input-format csv"), "{err}");
    let help = stdout(&envguard(&["redact", "--help"], dir.path()));
    assert!(
        help.contains("--input-format") && !help.contains("--format"),
        "{help}"
    );
}

/// `envguard rules`: the severity and the summary start at the same column on
/// every line, however long the rule's id.
#[test]
fn rules_table_is_aligned() {
    let out = stdout(&envguard(&["rules"], &repo_root()));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() >= 16, "{out}");
    let longest = lines
        .iter()
        .map(|l| l.split_whitespace().next().unwrap().len())
        .max()
        .unwrap();
    for l in &lines {
        let severity = &l[longest + 2..];
        assert!(
            ["error  ", "warning", "note   "]
                .iter()
                .any(|s| severity.starts_with(s)),
            "{l}"
        );
        assert_ne!(&l[longest + 2 + 7 + 2..longest + 2 + 7 + 3], " ", "{l}");
    }
}
