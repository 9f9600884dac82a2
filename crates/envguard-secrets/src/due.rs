//! The rotation calendar of 003 §4 (`envguard secrets due`): per secret its
//! last rotation, its due date and whether it is overdue, from store-neutral
//! facts.

use envguard_model::{StoreFacts, Tier};
use serde::Serialize;
use std::fmt::Write as _;

/// Where a secret stands against its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DueStatus {
    Overdue,
    DueSoon,
    Ok,
    /// The store does not say when it was last rotated.
    Unknown,
}

impl DueStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DueStatus::Overdue => "overdue",
            DueStatus::DueSoon => "due soon",
            DueStatus::Ok => "ok",
            DueStatus::Unknown => "unknown",
        }
    }
}

/// One line of the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueEntry {
    pub environment: String,
    pub name: String,
    pub kind: &'static str,
    pub last_rotated: Option<String>,
    pub due: Option<String>,
    /// Days until due (negative: days overdue).
    pub days_left: Option<i64>,
    pub status: DueStatus,
}

fn date(unix: i64) -> String {
    jiff::Timestamp::from_second(unix)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| unix.to_string())
}

/// The calendar of the prod secrets (every secret with `all`), soonest due first.
pub fn calendar(facts: &StoreFacts, period_days: u32, all: bool) -> Vec<DueEntry> {
    let day = 86_400i64;
    let mut out: Vec<DueEntry> = facts
        .secrets
        .iter()
        .filter(|s| {
            all || facts
                .environment(&s.environment)
                .is_some_and(|e| e.tier == Tier::Prod)
        })
        .map(|s| {
            let due_unix = s
                .last_rotated_unix
                .map(|t| t + i64::from(period_days) * day);
            // Whole days, rounded away from the due moment: due in 89.9 days
            // reads "in 90 days", overdue by an hour reads "1 days overdue".
            let secs = due_unix.map(|d| d - facts.as_of_unix);
            let days_left = secs.map(|s| {
                if s >= 0 {
                    (s + day - 1).div_euclid(day)
                } else {
                    -((-s + day - 1).div_euclid(day))
                }
            });
            let status = match (secs, days_left) {
                (None, _) | (_, None) => DueStatus::Unknown,
                (Some(s), _) if s < 0 => DueStatus::Overdue,
                (_, Some(d)) if d <= i64::from(facts.due_soon_days) => DueStatus::DueSoon,
                _ => DueStatus::Ok,
            };
            DueEntry {
                environment: s.environment.clone(),
                name: s.name.clone(),
                kind: s.kind.as_str(),
                last_rotated: s.last_rotated_unix.map(date),
                due: due_unix.map(date),
                days_left,
                status,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (a.days_left.is_some(), a.days_left, &a.environment, &a.name).cmp(&(
            b.days_left.is_some(),
            b.days_left,
            &b.environment,
            &b.name,
        ))
    });
    out
}

fn left(e: &DueEntry) -> String {
    match e.days_left {
        Some(d) if d < 0 => format!("{} days overdue", -d),
        Some(d) => format!("in {d} days"),
        None => "-".into(),
    }
}

pub fn render_text(entries: &[DueEntry], period_days: u32) -> String {
    let mut s = format!("Rotation calendar ({period_days}-day period, SOP 003 §4)\n");
    if entries.is_empty() {
        s.push_str("no secrets\n");
        return s;
    }
    let w = entries
        .iter()
        .map(|e| e.environment.len() + e.name.len() + 1)
        .max()
        .unwrap_or(0);
    for e in entries {
        let id = format!("{}/{}", e.environment, e.name);
        let _ = writeln!(
            s,
            "{id:<w$}  {:<14}  last {:<10}  due {:<10}  {:<9} {}",
            e.kind,
            e.last_rotated.as_deref().unwrap_or("-"),
            e.due.as_deref().unwrap_or("-"),
            e.status.as_str(),
            left(e)
        );
    }
    let overdue = entries
        .iter()
        .filter(|e| e.status == DueStatus::Overdue)
        .count();
    let _ = writeln!(s, "{} secret(s), {overdue} overdue", entries.len());
    s
}

pub fn render_markdown(entries: &[DueEntry], period_days: u32) -> String {
    let mut s = format!(
        "# Rotation calendar\n\n{period_days}-day period (SOP 003 §4).\n\n| secret | kind | last rotated | due | status |\n|---|---|---|---|---|\n"
    );
    for e in entries {
        let _ = writeln!(
            s,
            "| `{}/{}` | {} | {} | {} | {} ({}) |",
            e.environment,
            e.name,
            e.kind,
            e.last_rotated.as_deref().unwrap_or("-"),
            e.due.as_deref().unwrap_or("-"),
            e.status.as_str(),
            left(e)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use envguard_model::{SecretKind, StoreEnvironment, StoreSecret};

    fn facts() -> StoreFacts {
        let day = 86_400;
        let now = 1_796_000_000;
        let secret = |env: &str, name: &str, age: i64| StoreSecret {
            environment: env.into(),
            name: name.into(),
            path: format!("{env}/{name}"),
            kind: SecretKind::Password,
            last_rotated_unix: Some(now - age * day),
            version: Some(1),
        };
        StoreFacts {
            backend: "embedded".into(),
            source: "s".into(),
            as_of_unix: now,
            due_soon_days: 14,
            environments: ["prod", "staging"]
                .iter()
                .map(|e| StoreEnvironment {
                    name: (*e).into(),
                    tier: Tier::of_alias(e).unwrap(),
                    namespace: Some(format!("{e}/")),
                    audit_logging: true,
                    audit_detail: String::new(),
                })
                .collect(),
            policies: vec![],
            unchecked: vec![],
            secrets: vec![
                secret("prod", "db/password", 120),
                secret("prod", "api/token", 80),
                secret("prod", "fresh", 1),
                secret("staging", "db/password", 200),
            ],
        }
    }

    #[test]
    fn overdue_first_and_prod_only() {
        let c = calendar(&facts(), 90, false);
        let got: Vec<(&str, DueStatus, Option<i64>)> = c
            .iter()
            .map(|e| (e.name.as_str(), e.status, e.days_left))
            .collect();
        assert_eq!(
            got,
            [
                ("db/password", DueStatus::Overdue, Some(-30)),
                ("api/token", DueStatus::DueSoon, Some(10)),
                ("fresh", DueStatus::Ok, Some(89)),
            ]
        );
        assert_eq!(calendar(&facts(), 90, true).len(), 4);
    }
}
