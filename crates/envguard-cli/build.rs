//! Puts the commit the binary was built from into `envguard --version`
//! (`0.1.0 (3f2a9c1d0b7e 2026-12-06)`), read with the `git` binary; outside
//! a git work tree (a source tarball, `cargo install` from a registry) or
//! without git, the version is the package version alone.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let commit = git(&["rev-parse", "--short=12", "HEAD"]);
    let full = match &commit {
        Some(c) => match git(&["show", "-s", "--format=%cs", "HEAD"]) {
            Some(date) => format!("{version} ({c} {date})"),
            None => format!("{version} ({c})"),
        },
        None => version,
    };
    println!("cargo:rustc-env=ENVGUARD_VERSION={full}");
    // Rebuilt when HEAD moves: HEAD itself (a branch switch) and the ref it
    // names (a commit), wherever this work tree keeps them.
    for path in ["HEAD", "packed-refs"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(p) = git(&["rev-parse", "--git-path", &head_ref]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
