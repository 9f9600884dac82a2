//! Which files a change touched, for `check --since REF` and `check --staged`,
//! asked of the `git` binary (on the PATH): its `-z` output lists paths with
//! no quoting, it follows the user's own git configuration (worktrees, sparse
//! checkouts, `safe.directory`), and it costs no dependency; a git library
//! would add hundreds of crates to read three lists of names.

use anyhow::{bail, Context as _, Result};
use envguard_engine::ChangedFiles;
use std::path::Path;
use std::process::Command;

/// What a diff-aware check compares the working tree with.
pub(crate) enum Since<'a> {
    /// `--since REF`: the commits since the merge base of REF and HEAD, the
    /// uncommitted changes and the untracked files (not the ignored ones).
    Ref(&'a str),
    /// `--staged`: the index against HEAD, as a pre-commit hook sees it.
    Staged,
}

/// The changed files under `root` (a directory in a git work tree), as paths
/// relative to `root`; files deleted by the change are not listed (there is
/// nothing left to check in them).
pub(crate) fn changed_files(root: &Path, since: &Since<'_>) -> Result<(ChangedFiles, String)> {
    if !root.is_dir() {
        bail!(
            "{}: --since and --staged need a directory in a git work tree",
            root.display()
        );
    }
    let diff = [
        "diff",
        "--name-only",
        "-z",
        "--no-renames",
        "--diff-filter=d",
        "--no-ext-diff",
        "--relative",
    ];
    match since {
        Since::Staged => {
            let out = git(root, &[&diff[..], &["--cached"]].concat())?;
            Ok((ChangedFiles::from_nul_separated(&out), "staged".to_owned()))
        }
        Since::Ref(reference) => {
            if reference.starts_with('-') {
                bail!("--since {reference}: not a git revision");
            }
            let base = git(root, &["merge-base", reference, "HEAD"]).with_context(|| {
                format!(
                    "--since {reference}: no merge base with HEAD (in a shallow CI clone, \
                     fetch the history: fetch-depth: 0 on GitHub, GIT_DEPTH: 0 on GitLab)"
                )
            })?;
            let base = String::from_utf8_lossy(&base).trim().to_owned();
            let mut paths = git(root, &[&diff[..], &[base.as_str(), "--"]].concat())?;
            paths.push(0);
            paths.extend(git(
                root,
                &["ls-files", "--others", "--exclude-standard", "-z"],
            )?);
            let short = base.get(..12).unwrap_or(&base);
            Ok((
                ChangedFiles::from_nul_separated(&paths),
                format!("since {reference} (merge base {short})"),
            ))
        }
    }
}

/// Runs `git -C root ARGS` and returns its standard output; a failure names
/// the command and carries git's own message.
fn git(root: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        // A hook must not take the index lock that the commit holds.
        .env("GIT_OPTIONAL_LOCKS", "0")
        .output()
        .with_context(|| "cannot run git (needed by --since and --staged; is it installed?)")?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        bail!(
            "{}: git {} failed: {}",
            root.display(),
            args.first().copied().unwrap_or_default(),
            stderr.trim()
        );
    }
    Ok(out.stdout)
}
