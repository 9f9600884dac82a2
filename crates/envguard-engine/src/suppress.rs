//! Suppressions: inline `envguard: ignore[...]` comments, the reviewed waiver
//! file (`envguard-waivers.toml`) and baselines (`--baseline`).

use crate::process::InlineIgnore;
use envguard_model::{Finding, LineIndex, Suppression, SuppressionKind};
use envguard_rules::ExpiredWaiverFact;
use globset::{Glob, GlobMatcher};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use toml::Spanned;

/// A problem with the waiver file, with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct WaiverError {
    pub line: Option<u32>,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaivers {
    #[serde(default)]
    waiver: Vec<Spanned<RawWaiver>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    rule: String,
    path: Option<String>,
    id: Option<String>,
    reason: String,
    expires: toml::value::Datetime,
}

#[derive(Debug, Clone)]
struct Waiver {
    line: u32,
    rule: String,
    path: Option<GlobMatcher>,
    id: Option<String>,
    reason: String,
    expires: (u16, u8, u8),
    expires_text: String,
}

/// A parsed `envguard-waivers.toml`.
#[derive(Debug, Clone, Default)]
pub struct WaiverFile {
    /// Path of the file as shown in findings (relative to the scanned root when inside it).
    pub display_path: String,
    waivers: Vec<Waiver>,
}

impl WaiverFile {
    /// Parses the file. Every entry needs `rule`, `reason` and `expires` (a TOML
    /// date), and at least one of `path` (a glob) or `id` (a finding id).
    pub fn parse(display_path: &str, text: &str) -> Result<WaiverFile, WaiverError> {
        let lines = LineIndex::new(text.as_bytes());
        let line_of = |offset: usize| lines.position(offset).0;
        let raw: RawWaivers = toml::from_str(text).map_err(|e| WaiverError {
            line: e.span().map(|s| line_of(s.start)),
            message: e.message().trim().to_owned(),
        })?;
        let mut waivers = Vec::new();
        for entry in raw.waiver {
            let line = line_of(entry.span().start);
            let w = entry.into_inner();
            let err = |message: String| WaiverError {
                line: Some(line),
                message,
            };
            if w.reason.trim().is_empty() {
                return Err(err("waiver has an empty `reason`".into()));
            }
            if w.path.is_none() && w.id.is_none() {
                return Err(err("waiver needs a `path` glob or a finding `id` (a rule alone would waive it everywhere)".into()));
            }
            let date = w
                .expires
                .date
                .ok_or_else(|| err("`expires` must be a date, e.g. 2027-01-31".into()))?;
            let path = match &w.path {
                Some(p) => Some(
                    Glob::new(p)
                        .map_err(|e| err(format!("bad path glob `{p}`: {e}")))?
                        .compile_matcher(),
                ),
                None => None,
            };
            waivers.push(Waiver {
                line,
                rule: w.rule,
                path,
                id: w.id,
                reason: w.reason,
                expires: (date.year, date.month, date.day),
                expires_text: date.to_string(),
            });
        }
        Ok(WaiverFile {
            display_path: display_path.to_owned(),
            waivers,
        })
    }

    /// Waivers whose expiry date is before `today` (year, month, day).
    pub(crate) fn expired(&self, today: (u16, u8, u8)) -> Vec<ExpiredWaiverFact> {
        self.waivers
            .iter()
            .filter(|w| w.expires < today)
            .map(|w| ExpiredWaiverFact {
                file: self.display_path.clone(),
                line: w.line,
                rule: w.rule.clone(),
                expires: w.expires_text.clone(),
            })
            .collect()
    }

    fn matching(&self, f: &Finding, today: (u16, u8, u8)) -> Option<&Waiver> {
        self.waivers.iter().find(|w| {
            w.expires >= today
                && w.rule == f.rule_id
                && w.id.as_ref().is_none_or(|id| *id == f.id)
                && w.path.as_ref().is_none_or(|g| g.is_match(&f.location.path))
        })
    }
}

/// A baseline: the ids of findings accepted when envguard was adopted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub rule: String,
    pub id: String,
    /// Informational: where the finding was when the baseline was written.
    pub path: String,
}

impl Baseline {
    pub fn from_findings<'a>(findings: impl Iterator<Item = &'a Finding>) -> Baseline {
        let mut entries: Vec<BaselineEntry> = findings
            .map(|f| BaselineEntry {
                rule: f.rule_id.clone(),
                id: f.id.clone(),
                path: f.location.path.clone(),
            })
            .collect();
        entries.sort();
        entries.dedup();
        Baseline {
            version: 1,
            findings: entries,
        }
    }

    pub fn parse(text: &str) -> Result<Baseline, String> {
        let b: Baseline =
            serde_json::from_str(text).map_err(|e| format!("line {}: {e}", e.line()))?;
        if b.version != 1 {
            return Err(format!(
                "unsupported baseline version {} (this envguard reads version 1)",
                b.version
            ));
        }
        Ok(b)
    }
}

pub(crate) struct Suppressor<'a> {
    pub inline: &'a HashMap<String, Vec<InlineIgnore>>,
    pub waivers: Option<&'a WaiverFile>,
    pub baseline: Option<&'a Baseline>,
    pub today: (u16, u8, u8),
}

impl Suppressor<'_> {
    pub fn apply(&self, findings: &mut [Finding]) {
        let baseline: HashSet<(&str, &str)> = self
            .baseline
            .map(|b| {
                b.findings
                    .iter()
                    .map(|e| (e.rule.as_str(), e.id.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        for f in findings.iter_mut() {
            if let Some(ignores) = self.inline.get(&f.location.path) {
                let line = f.location.region.start_line;
                let hit = ignores
                    .iter()
                    .find(|i| (i.line == line || i.line + 1 == line) && i.rules.covers(&f.rule_id));
                if let Some(i) = hit {
                    f.suppression = Some(Suppression {
                        kind: SuppressionKind::Inline,
                        justification: format!("envguard: ignore comment on line {}", i.line),
                    });
                    continue;
                }
            }
            if let Some(w) = self.waivers.and_then(|w| w.matching(f, self.today)) {
                f.suppression = Some(Suppression {
                    kind: SuppressionKind::Waiver,
                    justification: format!(
                        "{} (waiver on line {}, expires {})",
                        w.reason, w.line, w.expires_text
                    ),
                });
                continue;
            }
            if baseline.contains(&(f.rule_id.as_str(), f.id.as_str())) {
                f.suppression = Some(Suppression {
                    kind: SuppressionKind::Baseline,
                    justification: "accepted in the baseline".to_owned(),
                });
            }
        }
    }
}

/// Today's date in UTC as (year, month, day), from the system clock.
pub(crate) fn today_utc() -> (u16, u8, u8) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    civil_from_days((secs / 86_400) as i64)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `civil_from_days`); a dozen lines instead of a date-time dependency.
fn civil_from_days(z: i64) -> (u16, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = if m <= 2 { y + 1 } else { y };
    (y as u16, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_415), (2025, 11, 23));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn waiver_file_errors_name_the_line() {
        let e = WaiverFile::parse("w.toml", "[[waiver]]\nrule = \"R01.secret-reuse\"\npath = \"a/**\"\nreason = \"x\"\nexpires = 2027-01-01\ncolour = 1\n").unwrap_err();
        assert_eq!(e.line, Some(6), "{e}");
        let e = WaiverFile::parse(
            "w.toml",
            "[[waiver]]\nrule = \"R01.secret-reuse\"\nreason = \"x\"\nexpires = 2027-01-01\n",
        )
        .unwrap_err();
        assert!(e.message.contains("path"), "{e}");
        let e = WaiverFile::parse(
            "w.toml",
            "\n[[waiver]]\nrule = \"R\"\npath = \"a\"\nreason = \" \"\nexpires = 2027-01-01\n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
    }

    #[test]
    fn expired_waivers_are_reported_and_do_not_suppress() {
        let w = WaiverFile::parse(
            "envguard-waivers.toml",
            "[[waiver]]\nrule = \"R01.hardcoded-secret\"\npath = \"envs/dev/**\"\nreason = \"old\"\nexpires = 2020-01-01\n\n\
             [[waiver]]\nrule = \"R01.hardcoded-secret\"\npath = \"envs/qa/**\"\nreason = \"SEC-1\"\nexpires = 2999-01-01\n",
        )
        .unwrap();
        let expired = w.expired((2026, 11, 23));
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].line, 1);
        let mk = |p: &str| {
            envguard_model::FindingBuilder::new(
                "R01.hardcoded-secret",
                envguard_model::Severity::Error,
                envguard_model::Location {
                    path: p.into(),
                    region: envguard_model::Region::line(1),
                },
            )
            .id("x")
            .build()
        };
        let mut fs = vec![mk("envs/dev/.env"), mk("envs/qa/.env")];
        let inline = HashMap::new();
        Suppressor {
            inline: &inline,
            waivers: Some(&w),
            baseline: None,
            today: (2026, 11, 23),
        }
        .apply(&mut fs);
        assert!(fs[0].suppression.is_none());
        assert_eq!(
            fs[1].suppression.as_ref().unwrap().kind,
            SuppressionKind::Waiver
        );
    }
}
