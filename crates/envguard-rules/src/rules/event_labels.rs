use crate::{finding_id, Context, Rule};
use envguard_model::{Finding, FindingBuilder, Location, Region, RuleMeta, Severity};

/// At most this many findings per file; the last one says how many more there were.
pub const MAX_FINDINGS_PER_FILE: usize = 50;

crate::declare_rule! {
    /// # R03.event-labels
    ///
    /// ## What it does
    /// Runs the ledger's event schema (the validator behind `envguard ledger
    /// append`, schema v1) over the log and event samples kept in the
    /// repository, and reports each event that lacks an R-03 label —
    /// `environment`, `tenant_id`, `timestamp_utc` (RFC 3339, UTC), or
    /// `actor_role` where its `kind` requires one (`audit`, `ai`) — or that is
    /// labelled with another environment than the file's. The finding points at
    /// the line where the event starts and names the field.
    ///
    /// Which files are event logs:
    /// - a `*.jsonl` or `*.ndjson` file under a `logs/`, `log/`, `audit/`,
    ///   `audits/` or `events/` folder;
    /// - any other `*.jsonl` / `*.ndjson` file whose first event has a
    ///   `timestamp_utc` or `tenant_id` key, or both `environment` and `kind`
    ///   — except under a data folder (`data/`, `fixtures/`, `seeds/`,
    ///   `samples/`, …): those are datasets, judged by the R02 rules;
    /// - a `*.json` file holding an array of events under one of the log folders
    ///   above.
    ///
    /// An event log is not a dataset: the R02 provenance rules do not apply to
    /// it, and a dataset of patient records is never read as an event log.
    ///
    /// An event's `environment` matches its file when it is the file's
    /// environment name, one of that environment's aliases, or its tier (`dev`,
    /// `test`, `prod`, as 000 R-03 writes them): in a `staging` file, `staging`
    /// and `test` are right, `prod` is not. A file that belongs to no
    /// environment is checked for missing labels only. An event without `kind`
    /// is read as a `runtime` event (its `actor_role` is then optional); the
    /// checks on `kind`, `model_version` and `schema_version` are the
    /// ledger's. A line that is not JSON is a `parse-error` diagnostic, not a
    /// finding. Per file, the first 10,000 events are read and at most 50
    /// findings reported; the last one says how many more there were.
    ///
    /// ## Why it matters
    /// 000 §3 R-03: "All runtime logs, AI logs, and audit events must carry:
    /// environment, tenant_id, actor_role (if applicable), timestamp_utc", so
    /// that logs can be separated, filtered, exported and defended in an audit.
    /// Samples in a repository are what the code under test writes; an event
    /// labelled `prod` in a staging log is a sign that environments are mixed.
    ///
    /// ## Example
    /// ```text
    /// # envs/staging/logs/api.jsonl
    /// {"environment":"staging","timestamp_utc":"2025-03-01T10:00:00Z","kind":"runtime"}
    /// {"environment":"prod","tenant_id":"t-1","timestamp_utc":"2025-03-01T10:00:01Z","kind":"runtime"}
    /// ```
    /// Line 1 has no `tenant_id`; line 2 is labelled `prod` in a staging file.
    ///
    /// ## Fix
    /// Make the code that writes the events add every R-03 label, from the
    /// running environment's configuration rather than a constant, and
    /// regenerate the sample. `envguard ledger append ENV` refuses the same
    /// events with the same messages.
    pub struct EventLabels {
        id: "R03.event-labels",
        summary: "A log or audit event lacks an R-03 label or names another environment",
        severity: Severity::Error,
        clauses: "000 §3 R-03; 000 §5",
    }
}

impl Rule for EventLabels {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        for file in ctx.files {
            let Some(log) = &file.event_log else { continue };
            let env = file.env.as_ref().map(|e| e.name.as_str()).unwrap_or("");
            let shown = log.problems.len().min(MAX_FINDINGS_PER_FILE);
            for (i, p) in log.problems.iter().take(shown).enumerate() {
                let mut message = format!("Event on line {}: {}", p.line, p.message);
                if i + 1 == shown {
                    let more = log.problems_total.saturating_sub(shown as u64);
                    if more > 0 {
                        message.push_str(&format!(
                            " ({more} more event(s) in this file break R-03 and are not listed)"
                        ));
                    }
                    if log.truncated {
                        message.push_str(&format!(
                            " (only the first {} events of this file were read)",
                            log.events
                        ));
                    }
                }
                let key = format!("{}@{}", p.field, p.digest);
                let mut b = FindingBuilder::new(
                    Self::META.id,
                    Self::META.default_severity,
                    Location {
                        path: file.path.clone(),
                        region: Region::line(p.line),
                    },
                )
                .message(message)
                .id(finding_id(Self::META.id, &file.path, &key, env));
                if let Some(e) = &file.env {
                    b = b.environment(e.name.clone());
                }
                out.push(b.build());
            }
        }
    }
}
