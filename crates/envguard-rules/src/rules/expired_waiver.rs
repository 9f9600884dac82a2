use crate::{finding_id, Context, Rule};
use envguard_model::{Finding, FindingBuilder, Location, Region, RuleMeta, Severity};

crate::declare_rule! {
    /// # WVR.expired-waiver
    ///
    /// ## What it does
    /// Reports an entry of `envguard-waivers.toml` whose `expires` date has passed.
    /// The findings it waived are reported again, and the waiver itself becomes
    /// this finding, on the waiver's line.
    ///
    /// ## Why it matters
    /// A waiver is a reviewed, time-boxed exception. 002 §7 treats undocumented
    /// exceptions as a governance breach and 004 asks for evidence that exceptions
    /// are reviewed: an exception nobody renewed is no longer a reviewed one.
    ///
    /// ## Example
    /// ```toml
    /// [[waiver]]
    /// rule = "R01.hardcoded-secret"
    /// path = "envs/dev/**"
    /// reason = "dev fixtures, rotated weekly (SEC-123)"
    /// expires = 2025-01-31
    /// ```
    ///
    /// ## Fix
    /// Fix the waived findings and delete the entry, or review it again and set a
    /// new `expires` date with an updated reason.
    pub struct ExpiredWaiver {
        id: "WVR.expired-waiver",
        summary: "A waiver in envguard-waivers.toml has expired",
        severity: Severity::Error,
        clauses: "002 §7; 004 evidence collection",
    }
}

impl Rule for ExpiredWaiver {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        for w in ctx.expired_waivers {
            let f = FindingBuilder::new(
                Self::META.id,
                Self::META.default_severity,
                Location {
                    path: w.file.clone(),
                    region: Region::line(w.line),
                },
            )
            .message(format!(
                "The waiver for {} expired on {}; the findings it covered are active again",
                w.rule, w.expires
            ))
            .id(finding_id(Self::META.id, &w.file, &w.rule, &w.expires))
            .build();
            out.push(f);
        }
    }
}
