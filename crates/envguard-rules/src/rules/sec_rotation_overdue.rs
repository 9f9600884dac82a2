use crate::rules::store_common::store_location;
use crate::{finding_id, Context, Rule};
use envguard_model::{Finding, FindingBuilder, RuleMeta, SecretKind, Severity, Tier};

/// 000 §4 and 003 §4: prod credentials and signing keys rotate every 90 days.
const PERIOD_DAYS: i64 = 90;

crate::declare_rule! {
    /// # SEC.rotation-overdue
    ///
    /// ## What it does
    /// Reports a production secret or signing key of a secret store (`envguard
    /// secrets audit`) whose current version is older than 90 days (an error),
    /// and, as a note, one that falls due within `[secrets] due_soon_days` (14 by
    /// default). The age is the current version's creation time: KV v2 metadata
    /// on Vault/OpenBao, the version history of the embedded store.
    ///
    /// ## Why it matters
    /// 000 §4: "90-day rotation for PROD credentials and signing keys"; SOP 003 §4
    /// sets the same standard frequency. A credential that outlives its period has
    /// had more time to leak, and an auditor reads its age as the procedure not
    /// being followed.
    ///
    /// ## Example
    /// ```text
    /// prod/db/password   password   last rotated 2026-08-08   (120 days ago)
    /// ```
    ///
    /// ## Fix
    /// Rotate it with `envguard secrets rotate prod db/password` (SOP 003 §6), which
    /// also writes the §8 evidence; `envguard secrets due` lists what falls due next.
    pub struct RotationOverdue {
        id: "SEC.rotation-overdue",
        summary: "A production secret or signing key is older than 90 days",
        severity: Severity::Error,
        clauses: "000 §4 90-day rotation; 003 §4",
    }
}

impl Rule for RotationOverdue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(facts) = ctx.store else { return };
        let day = 86_400;
        for s in &facts.secrets {
            let prod = facts
                .environment(&s.environment)
                .is_some_and(|e| e.tier == Tier::Prod);
            let Some(last) = s.last_rotated_unix.filter(|_| prod) else {
                continue;
            };
            let age = (facts.as_of_unix - last).div_euclid(day);
            let left = PERIOD_DAYS - age;
            let what = if s.kind == SecretKind::SigningKey {
                "signing key"
            } else {
                "secret"
            };
            let date = jiff::Timestamp::from_second(last)
                .map(|t| t.strftime("%Y-%m-%d").to_string())
                .unwrap_or_default();
            let (severity, message) = if left < 0 {
                (
                    Severity::Error,
                    format!(
                        "The prod {what} {} was last rotated {age} days ago ({date}), {} days past the {PERIOD_DAYS}-day period",
                        s.name, -left
                    ),
                )
            } else if left <= i64::from(facts.due_soon_days) {
                (
                    Severity::Note,
                    format!(
                        "The prod {what} {} is due for rotation in {left} days (last rotated {date})",
                        s.name
                    ),
                )
            } else {
                continue;
            };
            out.push(
                FindingBuilder::new(Self::META.id, severity, store_location(facts, &s.path))
                    .message(message)
                    .environment(s.environment.clone())
                    .id(finding_id(
                        Self::META.id,
                        &facts.source,
                        &s.path,
                        &s.environment,
                    ))
                    .build(),
            );
        }
    }
}
