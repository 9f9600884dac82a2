//! The diff-aware view of a check (`check --since REF`, `check --staged`):
//! the whole tree is read, so a changed staging file is still compared with
//! every other environment's markers, fingerprints and pipelines; then only
//! the findings that touch a changed file are kept, at their primary location
//! or at a related one ("same value in prod: envs/prod/.env:2"). The list of
//! changed paths comes from the caller (the CLI asks git); this module knows
//! no version control.

use envguard_model::{Finding, ScanResult};
use std::collections::BTreeSet;

/// The paths a change touched, relative to the scanned root, `/`-separated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangedFiles {
    paths: BTreeSet<String>,
}

impl ChangedFiles {
    pub fn new<I, S>(paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ChangedFiles {
            paths: paths
                .into_iter()
                .map(|p| normalize(&p.into()))
                .filter(|p| !p.is_empty())
                .collect(),
        }
    }

    /// Reads NUL-separated paths, as `git diff --name-only -z` and
    /// `git ls-files -z` print them (no quoting to undo, any byte allowed).
    pub fn from_nul_separated(bytes: &[u8]) -> Self {
        Self::new(
            bytes
                .split(|b| *b == 0)
                .filter(|p| !p.is_empty())
                .map(|p| String::from_utf8_lossy(p).into_owned()),
        )
    }

    pub fn contains(&self, path: &str) -> bool {
        self.paths.contains(&normalize(path))
    }

    pub fn len(&self) -> usize {
        self.paths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.paths.iter().map(String::as_str)
    }

    /// True when the finding is in a changed file or names one as a related
    /// location.
    pub fn touches(&self, finding: &Finding) -> bool {
        self.contains(&finding.location.path)
            || finding
                .related
                .iter()
                .any(|r| self.contains(&r.location.path))
    }

    /// Keeps the findings that touch a changed file (suppressed ones too, so
    /// the report still counts what a waiver or baseline covers) and returns
    /// how many were dropped. Diagnostics are kept whole: a path of the tree
    /// that could not be read leaves the context incomplete, whatever changed.
    pub fn retain_touching(&self, result: &mut ScanResult) -> usize {
        let before = result.findings.len();
        result.findings.retain(|f| self.touches(f));
        before - result.findings.len()
    }
}

/// `./a\b` and `a/b` name the same file.
fn normalize(path: &str) -> String {
    let p = path.replace('\\', "/");
    let mut p = p.as_str();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use envguard_model::{FindingBuilder, Location, Region, Severity};

    fn loc(path: &str, line: u32) -> Location {
        Location {
            path: path.to_owned(),
            region: Region::new(line, 1, line, 10),
        }
    }

    fn finding(path: &str, related: Option<&str>) -> Finding {
        let mut b = FindingBuilder::new("R01.secret-reuse", Severity::Error, loc(path, 2))
            .message("same secret value in staging and prod");
        if let Some(r) = related {
            b = b.related("same value in prod", loc(r, 3));
        }
        b.id("id").build()
    }

    #[test]
    fn nul_separated_paths_with_odd_bytes() {
        let c = ChangedFiles::from_nul_separated(b"envs/staging/.env\0a b/\"q\".yaml\0\0");
        assert_eq!(c.len(), 2);
        assert!(c.contains("./envs/staging/.env"));
        assert!(c.contains("a b/\"q\".yaml"));
        assert!(!c.contains("envs/prod/.env"));
    }

    #[test]
    fn a_finding_touches_through_a_related_location() {
        let c = ChangedFiles::new(["envs/staging/.env"]);
        assert!(c.touches(&finding("envs/staging/.env", None)));
        assert!(c.touches(&finding("envs/prod/.env", Some("envs/staging/.env"))));
        assert!(!c.touches(&finding("envs/prod/.env", Some("envs/dev/.env"))));
        // A look-alike path is another file.
        assert!(!c.touches(&finding("envs/staging/.env.bak", None)));
    }
}
