use crate::{finding_id, Context, Provenance, Rule};
use envguard_model::{Finding, FindingBuilder, Location, Region, RuleMeta, Severity};

crate::declare_rule! {
    /// # R02.pii-in-nonprod
    ///
    /// ## What it does
    /// Finds a dataset outside production — a CSV, TSV, JSON Lines or SQL dump
    /// (or a JSON file under `data/`, `fixtures/`, `seeds/`, `samples/`)
    /// attributed to a dev or test environment, or kept with the tests — that
    /// holds personal or health data and has no valid provenance manifest saying
    /// it is synthetic or masked. Detection is envguard's PII/PHI detector
    /// (`envguard scan-data`): Saudi national IDs and Iqamas (Luhn), IBANs
    /// (mod-97), payment cards (Luhn + issuer ranges), US SSNs, e-mail, phone
    /// numbers, names in Latin and Arabic script, dates of birth, MRNs, ICD-10
    /// codes. IP addresses alone do not count.
    ///
    /// The finding names the columns and counts, never a value. A manifest that
    /// exists but does not hold (wrong checksum, `TODO` approver) is named in the
    /// message.
    ///
    /// ## Why it matters
    /// 000 §3 R-02: "DEV and TEST must never contain production PHI/PII" and "Any
    /// dataset used outside PROD must be synthetic or masked, with written
    /// provenance"; 002 §2.1: dev data is "synthetic or anonymised only".
    ///
    /// ## Example
    /// ```text
    /// # envs/staging/seed/patients.csv
    /// patient_id,name,national_id,phone
    /// 1,Noura Al-Qahtani,1098765432,0551234567
    /// ```
    ///
    /// ## Fix
    /// Replace the data with synthetic or masked data (`envguard redact
    /// --operator synth` keeps formats and check digits valid), then record how it
    /// was made: `envguard provenance new FILE --kind synthetic` writes
    /// `FILE.provenance.toml` with the file's SHA-256 for you to complete.
    pub struct PiiInNonprod {
        id: "R02.pii-in-nonprod",
        summary: "A non-production dataset holds PII/PHI without synthetic or masked provenance",
        severity: Severity::Error,
        clauses: "000 §3 R-02; 002 §2.1",
    }
}

impl Rule for PiiInNonprod {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        for file in ctx.files {
            let Some(ds) = &file.dataset else { continue };
            if ds.pii_columns.is_empty() || matches!(ds.provenance, Provenance::Valid { .. }) {
                continue;
            }
            let total: u64 = ds
                .pii_columns
                .iter()
                .flat_map(|c| c.entities.iter().map(|e| e.1))
                .sum();
            let cols: Vec<String> = ds
                .pii_columns
                .iter()
                .take(5)
                .map(|c| {
                    let ents: Vec<String> = c
                        .entities
                        .iter()
                        .map(|(e, n)| format!("{e} ×{n}"))
                        .collect();
                    format!("{} ({})", c.column, ents.join(", "))
                })
                .collect();
            let more = if ds.pii_columns.len() > 5 {
                format!(" and {} more column(s)", ds.pii_columns.len() - 5)
            } else {
                String::new()
            };
            let prov = match &ds.provenance {
                Provenance::Invalid { manifest, problem } => {
                    format!("its provenance manifest {manifest} does not hold: {problem}")
                }
                _ => "no provenance manifest says it is synthetic or masked".to_owned(),
            };
            let where_ = file
                .env
                .as_ref()
                .map(|e| format!("{} dataset", e.name))
                .unwrap_or_else(|| "test dataset".into());
            let line = ds
                .pii_columns
                .iter()
                .filter_map(|c| c.first_line)
                .min()
                .unwrap_or(1);
            let mut b = FindingBuilder::new(
                Self::META.id,
                Self::META.default_severity,
                Location {
                    path: file.path.clone(),
                    region: Region::line(line as u32),
                },
            )
            .message(format!(
                "This {where_} holds {total} PII/PHI value(s) in {}{more}, and {prov}",
                cols.join("; ")
            ))
            .id(finding_id(
                Self::META.id,
                &file.path,
                "",
                file.env.as_ref().map(|e| e.name.as_str()).unwrap_or(""),
            ));
            if let Some(e) = &file.env {
                b = b.environment(e.name.clone());
            }
            out.push(b.build());
        }
    }
}
