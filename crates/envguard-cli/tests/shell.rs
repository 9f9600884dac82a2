//! CLI conventions: completions, the manual page, `--version` with the commit,
//! NO_COLOR / CLICOLOR_FORCE.
#![allow(clippy::unwrap_used)]

mod common;

use common::{envguard, stdout, write};
use std::process::Command;

fn exe() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_envguard"));
    c.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    c
}

fn found(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let o = exe().arg("--version").output().unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(o.status.success());
    // This test is built inside the repository's work tree, so build.rs found
    // a commit: `envguard 0.1.0 (3f2a9c1d0b7e 2026-12-06)`.
    let inner = text
        .trim()
        .strip_prefix(concat!("envguard ", env!("CARGO_PKG_VERSION"), " ("))
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{text}"));
    let (commit, date) = inner.split_once(' ').unwrap();
    assert_eq!(commit.len(), 12, "{text}");
    assert!(commit.chars().all(|c| c.is_ascii_hexdigit()), "{text}");
    assert_eq!(date.len(), 10, "{text}");
}

#[test]
fn bash_completion_sources_and_completes_check_options() {
    let dir = tempfile::tempdir().unwrap();
    let o = exe().args(["completions", "bash"]).output().unwrap();
    assert!(o.status.success());
    let script = dir.path().join("envguard.bash");
    std::fs::write(&script, &o.stdout).unwrap();
    // Sourced with errors fatal, then asked to complete `envguard check --st`.
    let probe = format!(
        "set -e; source '{}'; complete -p envguard; \
         COMP_WORDS=(envguard check --st); COMP_CWORD=2; COMP_LINE='envguard check --st'; \
         COMP_POINT=${{#COMP_LINE}}; _envguard envguard --st check; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let o = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &probe])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.lines().any(|l| l == "--staged"), "{out}");
    assert!(out.lines().any(|l| l == "--store"), "{out}");
}

#[test]
fn zsh_and_fish_scripts_name_the_commands() {
    // zsh and fish are not installed on the build machine: the scripts'
    // structure is asserted instead of running them.
    let zsh = exe().args(["completions", "zsh"]).output().unwrap();
    let zsh = String::from_utf8(zsh.stdout).unwrap();
    assert!(zsh.starts_with("#compdef envguard"), "{zsh}");
    assert!(zsh.contains("--since=[") && zsh.contains("--staged["));
    let fish = exe().args(["completions", "fish"]).output().unwrap();
    let fish = String::from_utf8(fish.stdout).unwrap();
    assert!(fish.contains("complete -c envguard"), "{fish}");
    assert!(fish.contains("-l since"), "{fish}");

    let o = exe().args(["completions", "powershell"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_man_page_renders() {
    let dir = tempfile::tempdir().unwrap();
    let o = exe().arg("man").output().unwrap();
    assert!(o.status.success());
    let roff = String::from_utf8(o.stdout).unwrap();
    assert!(roff.contains(".TH envguard 1"), "{roff}");
    assert!(roff.contains(".SH NAME") && roff.contains(".SH SUBCOMMANDS"));
    let page = dir.path().join("envguard.1");
    std::fs::write(&page, &roff).unwrap();
    assert!(
        found("man"),
        "man is needed to render the page (apt-get install man-db)"
    );
    let o = Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.contains("SYNOPSIS") && text.contains("envguard-check(1)"),
        "{text}"
    );

    // One page per command, the check page with the diff-aware options.
    let pages = dir.path().join("man1");
    let o = exe()
        .args(["man", "--out-dir"])
        .arg(&pages)
        .output()
        .unwrap();
    assert!(o.status.success());
    let check = std::fs::read_to_string(pages.join("envguard-check.1")).unwrap();
    assert!(
        check.contains("since") && check.contains("staged"),
        "{check}"
    );
}

#[test]
fn no_color_and_clicolor_force() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "envs/prod/.env",
        "DB_PASSWORD=Zt4q9LmW2xpR7vQe8nKd\n",
    );
    write(
        dir.path(),
        "envs/staging/.env",
        "DB_PASSWORD=Zt4q9LmW2xpR7vQe8nKd\n",
    );
    let run = |vars: &[(&str, &str)], extra: &[&str]| {
        let mut c = exe();
        c.arg("check").arg(dir.path()).args(extra).env("CI", "true");
        for (k, v) in vars {
            c.env(k, v);
        }
        let o = c.output().unwrap();
        assert_eq!(o.status.code(), Some(1));
        String::from_utf8(o.stdout).unwrap().contains("\x1b[")
    };
    assert!(!run(&[], &[]), "a pipe is not coloured");
    assert!(run(&[("CLICOLOR_FORCE", "1")], &[]));
    assert!(!run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], &[]));
    assert!(
        run(&[("NO_COLOR", "1")], &["--color", "always"]),
        "the flag wins"
    );
    // The shared helper clears NO_COLOR; the report is plain on a pipe.
    let o = envguard(&["check", "."], dir.path());
    assert!(!stdout(&o).contains("\x1b["));
}
