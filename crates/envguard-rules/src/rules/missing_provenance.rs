use crate::{finding_id, Context, Provenance, Rule};
use envguard_model::{Finding, FindingBuilder, Location, Region, RuleMeta, Severity};

crate::declare_rule! {
    /// # R02.missing-provenance
    ///
    /// ## What it does
    /// Finds a dataset outside production (see `R02.pii-in-nonprod` for which
    /// files count) in which envguard found no personal data, but which has no
    /// written provenance: neither a sibling `<file>.provenance.toml` (or `.yaml`,
    /// `.json`) nor a `PROVENANCE.md` in its folder that names it. A manifest
    /// needs `kind = "synthetic"` or `"masked"`, the file's `sha256`, an
    /// `approver` and a `date`; one that exists but does not hold is reported
    /// too. Datasets with personal data and no valid manifest are
    /// `R02.pii-in-nonprod` instead.
    ///
    /// ## Why it matters
    /// 000 §3 R-02: "Any dataset used outside PROD must be synthetic or masked,
    /// with written provenance". Detectors miss things; the manifest is the
    /// accountable statement of where the data came from.
    ///
    /// ## Example
    /// ```text
    /// tests/fixtures/orders.csv      (no orders.csv.provenance.toml beside it)
    /// ```
    ///
    /// ## Fix
    /// `envguard provenance new tests/fixtures/orders.csv --kind synthetic`, fill
    /// in the generator, approver and date, and commit the manifest with the data.
    pub struct MissingProvenance {
        id: "R02.missing-provenance",
        summary: "A non-production dataset has no written provenance",
        severity: Severity::Warning,
        clauses: "000 §3 R-02",
    }
}

impl Rule for MissingProvenance {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        for file in ctx.files {
            let Some(ds) = &file.dataset else { continue };
            if !ds.pii_columns.is_empty() {
                continue; // R02.pii-in-nonprod's case
            }
            let message = match &ds.provenance {
                Provenance::Valid { .. } => continue,
                Provenance::Missing => format!(
                    "This {} dataset ({} records) has no provenance manifest (`envguard provenance new {}`)",
                    ds.format, ds.records, file.path
                ),
                Provenance::Invalid { manifest, problem } => format!("The provenance manifest {manifest} of this dataset does not hold: {problem}"),
            };
            let mut b = FindingBuilder::new(
                Self::META.id,
                Self::META.default_severity,
                Location {
                    path: file.path.clone(),
                    region: Region::line(1),
                },
            )
            .message(message)
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
