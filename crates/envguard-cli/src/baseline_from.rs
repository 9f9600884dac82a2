//! `check --baseline-from REPORT`: the findings a team already accepted in
//! gitleaks or trufflehog are not reported again on the day it switches over.
//!
//! A gitleaks JSON report (`gitleaks dir --report-format json`: an array of
//! leaks with `File` and `Secret`) or trufflehog's JSON lines (`trufflehog
//! filesystem --json`: `SourceMetadata.Data.Filesystem.file` or `.Git.file`,
//! and `Raw`) holds each secret in clear. Each secret is turned into a keyed
//! fingerprint as the report is read (the string is then dropped; it is never
//! printed or stored), and an envguard `R01.hardcoded-secret` finding is
//! suppressed as baselined when the value at its location in the same file
//! has one of that file's fingerprints. Lines are not compared, so the
//! baseline survives edits that move lines; a rotated value no longer matches
//! and is reported again. Cross-environment findings (a value shared with
//! prod) are never covered: those scanners do not report them, so nobody
//! accepted them.

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

/// One leak of a gitleaks report; other fields (RuleID, Commit, Match, …)
/// are not needed.
#[derive(serde::Deserialize)]
struct Leak {
    #[serde(rename = "File")]
    file: String,
    #[serde(rename = "Secret")]
    secret: String,
}

pub(crate) struct ImportedBaseline {
    /// The report as named on the command line.
    source: String,
    /// Per file (relative to the scanned root), the fingerprints of its accepted secrets.
    by_file: BTreeMap<String, BTreeSet<[u8; 32]>>,
}

impl ImportedBaseline {
    pub(crate) fn load(path: &Path, root: &Path, fp: &Fingerprinter) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the report", path.display()))?;
        // gitleaks writes one JSON array; trufflehog one JSON object per line.
        let (tool, leaks) = if text.trim_start().starts_with('[') {
            let leaks: Vec<Leak> = serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "{}:{}:{}: not a gitleaks JSON report (an array of leaks with File and Secret): {}",
                    path.display(),
                    e.line(),
                    e.column().max(1),
                    strip_position(&e.to_string())
                )
            })?;
            ("gitleaks", leaks)
        } else {
            ("trufflehog", trufflehog_lines(path, &text)?)
        };
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
                "{}: every secret of the report is redacted ({tool} --redact); \
                 run {tool} without it: envguard matches by a keyed fingerprint \
                 of the secret, computed in memory and never stored",
                path.display()
            );
        }
        Ok(ImportedBaseline {
            source: format!("{} ({tool})", path.display()),
            by_file,
        })
    }

    /// The report as named on the command line, with the tool that wrote it.
    pub(crate) fn source(&self) -> &str {
        &self.source
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
                    justification: format!("accepted in {}", self.source),
                });
                suppressed += 1;
            }
        }
        suppressed
    }
}

/// The leaks of trufflehog's JSON lines; lines without `SourceMetadata`
/// (its log lines, when they share the stream) are skipped.
fn trufflehog_lines(path: &Path, text: &str) -> Result<Vec<Leak>> {
    let mut leaks = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}:{}: neither a gitleaks JSON report nor trufflehog JSON lines: {}",
                path.display(),
                n + 1,
                e.column().max(1),
                strip_position(&e.to_string())
            )
        })?;
        let Some(data) = v.pointer("/SourceMetadata/Data") else {
            // trufflehog's own log lines carry a level; anything else is not
            // its output.
            if v.get("level").is_some() {
                continue;
            }
            bail!(
                "{}:{}: neither a gitleaks JSON report (an array of leaks) nor \
                 trufflehog JSON lines (results with SourceMetadata)",
                path.display(),
                n + 1
            );
        };
        let file = ["/Filesystem/file", "/Git/file"]
            .iter()
            .find_map(|p| data.pointer(p).and_then(serde_json::Value::as_str));
        let (Some(file), Some(secret)) = (file, v.get("Raw").and_then(|r| r.as_str())) else {
            bail!(
                "{}:{}: a trufflehog result without a file (filesystem or git source) or Raw",
                path.display(),
                n + 1
            );
        };
        leaks.push(Leak {
            file: file.to_owned(),
            secret: secret.to_owned(),
        });
    }
    Ok(leaks)
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
