//! The `.pre-commit-hooks.yaml` of this repository, run by the real
//! `pre-commit` (PyPI, from the test venv of scripts/pyenv.sh) on a temporary
//! git repository, with the configuration snippet the README gives users.
#![allow(clippy::unwrap_used)]

mod common;

use common::{repo_root, write};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PROD_ENV: &str =
    "APP_ENV=prod\nDB_HOST=db.prod.acme.internal\nDB_PASSWORD=Zt4q9LmW2xpR7vQe8nKd\n";
const STAGING_ENV: &str =
    "APP_ENV=staging\nDB_HOST=db.staging.acme.internal\nDB_PASSWORD=${DB_PASSWORD}\n";
/// Staging given prod's database password.
const STAGING_WITH_PROD_SECRET: &str =
    "APP_ENV=staging\nDB_HOST=db.staging.acme.internal\nDB_PASSWORD=Zt4q9LmW2xpR7vQe8nKd\n";
/// The clean look-alike: staging moved to another host, password still external.
const STAGING_MOVED: &str =
    "APP_ENV=staging\nDB_HOST=db2.staging.acme.internal\nDB_PASSWORD=${DB_PASSWORD}\n";

/// The test venv (ENVGUARD_TEST_VENV, else scripts/pyenv.sh); fails, never
/// skips, when pre-commit is not there.
fn venv() -> PathBuf {
    let venv = match std::env::var_os("ENVGUARD_TEST_VENV") {
        Some(v) => PathBuf::from(v),
        None => {
            let o = Command::new("bash")
                .arg(repo_root().join("scripts/pyenv.sh"))
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "scripts/pyenv.sh failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            PathBuf::from(String::from_utf8(o.stdout).unwrap().trim())
        }
    };
    assert!(
        venv.join("bin/pre-commit").is_file(),
        "pre-commit is missing from {} (scripts/requirements-test.txt pins it)",
        venv.display()
    );
    venv
}

/// PATH with the envguard under test and the venv first.
fn path_with(venv: &Path) -> OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_envguard")).parent().unwrap();
    let mut dirs = vec![bin.to_path_buf(), venv.join("bin")];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

fn run(dir: &Path, program: &str, args: &[&str], path: &OsString, home: &Path) -> Output {
    let mut cmd = Command::new(program);
    if program == "git" {
        cmd.args([
            "-c",
            "user.name=Alice",
            "-c",
            "user.email=alice@acme.example",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ]);
    }
    cmd.args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", home)
        .env("ENVGUARD_FINGERPRINT_KEY", "test-key")
        .env("CI", "true")
        .output()
        .unwrap()
}

fn ok(o: &Output, what: &str) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{what}: {text}");
    text
}

/// The README's `.pre-commit-config.yaml` snippet, pointed at `repo`/`rev`.
fn readme_config(repo: &Path, rev: &str) -> String {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = readme
        .find("# .pre-commit-config.yaml\n")
        .expect("README: the pre-commit snippet");
    let block = &readme[start..];
    let block = &block[..block.find("```").unwrap()];
    assert!(block.contains("https://example.invalid/envguard") && block.contains("v0.1.0"));
    block
        .replace(
            "https://example.invalid/envguard",
            &repo.display().to_string(),
        )
        .replace("v0.1.0", rev)
}

#[test]
fn the_hook_refuses_a_prod_secret_in_staging_and_passes_a_clean_commit() {
    let venv = venv();
    let path = path_with(&venv);
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("pre-commit-home");

    // The hook repository: this repository's .pre-commit-hooks.yaml, committed.
    let hooks = tmp.path().join("envguard");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::copy(
        repo_root().join(".pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &["commit", "-q", "-m", "hooks"],
    ] {
        ok(&run(&hooks, "git", args, &path, &home), "git in hooks");
    }
    let rev = ok(
        &run(&hooks, "git", &["rev-parse", "HEAD"], &path, &home),
        "rev-parse",
    );

    // The user's repository.
    let app = tmp.path().join("app");
    write(&app, "envs/prod/.env", PROD_ENV);
    write(&app, "envs/staging/.env", STAGING_ENV);
    write(
        &app,
        ".pre-commit-config.yaml",
        readme_config(&hooks, rev.trim()),
    );
    ok(&run(&app, "git", &["init", "-q"], &path, &home), "git init");
    // History from before the hook: prod's .env holds its password (an old
    // finding the hook must not hold against later, unrelated commits).
    ok(&run(&app, "git", &["add", "-A"], &path, &home), "git add");
    ok(
        &run(&app, "git", &["commit", "-q", "-m", "envs"], &path, &home),
        "the first commit",
    );
    ok(
        &run(&app, "pre-commit", &["install"], &path, &home),
        "pre-commit install",
    );

    // A commit that gives staging prod's database password is refused.
    write(&app, "envs/staging/.env", STAGING_WITH_PROD_SECRET);
    ok(&run(&app, "git", &["add", "-A"], &path, &home), "git add");
    let refused = run(
        &app,
        "git",
        &["commit", "-m", "staging: db password"],
        &path,
        &home,
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&refused.stdout),
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!refused.status.success(), "the commit went through: {text}");
    assert!(text.contains("R01.secret-reuse"), "{text}");
    assert!(text.contains("envs/staging/.env"), "{text}");
    assert!(
        !text.contains("Zt4q9LmW2xpR7vQe8nKd"),
        "a secret value in the hook's output"
    );
    let log = ok(
        &run(&app, "git", &["log", "--oneline"], &path, &home),
        "git log",
    );
    assert_eq!(log.lines().count(), 1, "{log}");

    // The clean look-alike of the same edit goes through.
    write(&app, "envs/staging/.env", STAGING_MOVED);
    ok(&run(&app, "git", &["add", "-A"], &path, &home), "git add");
    let text = ok(
        &run(&app, "git", &["commit", "-m", "staging: db2"], &path, &home),
        "the clean commit",
    );
    assert!(text.contains("envguard"), "the hook did not run: {text}");
}
