//! `check --baseline-from gitleaks-report.json`: the findings a team already
//! accepted in gitleaks are not reported again on the day it switches over.
//!
//! A gitleaks JSON report (`gitleaks dir --report-format json`, `gitleaks
//! detect`) names each leak by `File` and holds the `Secret` in clear. Each
//! secret is turned into a keyed fingerprint as the report is read (the
//! string is then dropped; it is never printed or stored), and an envguard
//! `R01.hardcoded-secret` finding is suppressed as baselined when the value at
//! its location in the same file has one of that file's fingerprints. Lines
//! are not compared, so the baseline survives edits that move lines; a
//! rotated value no longer matches and is reported again. Cross-environment
//! findings (a value shared with prod) are never covered: gitleaks does not
//! report them, so nobody accepted them.

use anyhow::{bail, Context as _, Result};
use envguard_detect::Fingerprinter;
use envguard_model::{ScanResult, Suppression, SuppressionKind};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The envguard rule that reports what gitleaks reports.
const RULE: &str = "R01.hardcoded-secret";
/// The fingerprint domain of imported values (both sides are computed here).
const DOMAIN: &str = "gitleaks-baseline";
/// What `gitleaks --redact` writes in place of a secret.
const REDACTED: &str = "REDACTED";

/// One leak of the report; other fields (RuleID, Commit, Match, …) are not needed.
#[derive(serde::Deserialize)]
struct Leak {
    #[serde(rename = "File")]
    file: String,
    #[serde(rename = "Secret")]
    secret: String,
}

pub(crate) struct GitleaksBaseline {
    /// The report as named on the command line.
    source: String,
    /// Per file (relative to the scanned root), the fingerprints of its accepted secrets.
    by_file: BTreeMap<String, BTreeSet<[u8; 32]>>,
}

impl GitleaksBaseline {
    pub(crate) fn load(path: &Path, root: &Path, fp: &Fingerprinter) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the gitleaks report", path.display()))?;
        let leaks: Vec<Leak> = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}:{}: not a gitleaks JSON report (an array of leaks with File and Secret): {}",
                path.display(),
                e.line(),
                e.column().max(1),
                strip_position(&e.to_string())
            )
        })?;
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let mut by_file: BTreeMap<String, BTreeSet<[u8; 32]>> = BTreeMap::new();
        let mut redacted = 0;
        for leak in &leaks {
            if leak.secret == REDACTED || leak.secret.is_empty() {
                redacted += 1;
                continue;
            }
            by_file
                .entry(relative(&leak.file, &root))
                .or_default()
                .insert(fp.fingerprint(DOMAIN, leak.secret.as_bytes()));
        }
        if redacted > 0 && by_file.is_empty() {
            bail!(
                "{}: every secret of the report is redacted (gitleaks --redact); \
                 run gitleaks without --redact: envguard matches by a keyed fingerprint \
                 of the secret, computed in memory and never stored",
                path.display()
            );
        }
        Ok(GitleaksBaseline {
            source: path.display().to_string(),
            by_file,
        })
    }

    /// Suppresses the active `R01.hardcoded-secret` findings whose value is
    /// in the report for the same file; returns how many.
    pub(crate) fn apply(&self, result: &mut ScanResult, root: &Path, fp: &Fingerprinter) -> usize {
        let mut files: BTreeMap<String, Option<String>> = BTreeMap::new();
        let mut suppressed = 0;
        for f in result.findings.iter_mut() {
            if f.rule_id != RULE || f.suppression.is_some() {
                continue;
            }
            let Some(accepted) = self.by_file.get(&f.location.path) else {
                continue;
            };
            let text = files.entry(f.location.path.clone()).or_insert_with(|| {
                let path = if root.is_dir() {
                    root.join(&f.location.path)
                } else {
                    root.to_path_buf()
                };
                std::fs::read(path)
                    .ok()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
            });
            let Some(value) = text
                .as_deref()
                .and_then(|t| value_at(t, &f.location.region))
            else {
                continue;
            };
            if accepted.contains(&fp.fingerprint(DOMAIN, value.as_bytes())) {
                f.suppression = Some(Suppression {
                    kind: SuppressionKind::Baseline,
                    justification: format!("accepted in the gitleaks report {}", self.source),
                });
                suppressed += 1;
            }
        }
        suppressed
    }
}

/// The text of a one-line region (1-based line, 1-based character columns,
/// end exclusive), as the detectors report a secret's value.
fn value_at<'t>(text: &'t str, region: &envguard_model::Region) -> Option<&'t str> {
    if region.start_line != region.end_line || region.end_column <= region.start_column {
        return None;
    }
    let line = text
        .lines()
        .nth(usize::try_from(region.start_line).ok()?.checked_sub(1)?)?;
    let start = usize::try_from(region.start_column).ok()?.checked_sub(1)?;
    let len = usize::try_from(region.end_column - region.start_column).ok()?;
    let begin = line.char_indices().nth(start).map(|(i, _)| i)?;
    let end = line[begin..]
        .char_indices()
        .nth(len)
        .map_or(line.len(), |(i, _)| begin + i);
    Some(&line[begin..end])
}

/// A report path as envguard names files: relative to the scanned root, `/`.
fn relative(file: &str, root: &Path) -> String {
    let p = Path::new(file);
    let rel = if p.is_absolute() {
        p.strip_prefix(root).unwrap_or(p)
    } else {
        p
    };
    let s = rel.to_string_lossy().replace('\\', "/");
    s.trim_start_matches("./").to_owned()
}

/// serde_json's message without its own " at line L column C" (the caller
/// puts the position first).
fn strip_position(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use envguard_model::Region;

    #[test]
    fn the_value_under_a_region() {
        let text = "APP_ENV=dev\nDB_HOST=db.dev.acme.internal\n";
        let r = Region::new(2, 9, 2, 29);
        assert_eq!(value_at(text, &r), Some("db.dev.acme.internal"));
        // Character columns, not bytes.
        let text = "É=é1234\n";
        assert_eq!(value_at(text, &Region::new(1, 3, 1, 8)), Some("é1234"));
        assert_eq!(value_at(text, &Region::new(3, 1, 3, 4)), None);
        assert_eq!(value_at(text, &Region::new(1, 1, 2, 4)), None);
    }

    #[test]
    fn report_paths_relative_to_the_root() {
        let root = Path::new("/repo");
        assert_eq!(relative("./envs/dev/.env", root), "envs/dev/.env");
        assert_eq!(relative("/repo/envs/dev/.env", root), "envs/dev/.env");
        assert_eq!(relative("envs\\dev\\.env", root), "envs/dev/.env");
    }
}
