use crate::finding::{Diagnostic, Finding, Severity};
use crate::isolation::Isolation;
use crate::tier::Tier;
use serde::Serialize;

/// What a rule is, for reporters and generated docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleMeta {
    /// `R01.secret-reuse`
    pub id: &'static str,
    /// One line: what the rule finds.
    pub summary: &'static str,
    pub default_severity: Severity,
    /// The policy clauses it enforces, e.g. `000 §3 R-01; 002 §2; 002 §7`.
    pub clauses: &'static str,
    /// The rule's full documentation (Markdown, from its doc comment).
    #[serde(skip)]
    pub doc: &'static str,
}

impl RuleMeta {
    /// Path of the rule's generated doc page, relative to the repository root.
    pub fn doc_path(&self) -> String {
        format!("docs/rules/{}.md", self.id)
    }
}

/// One environment seen in a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvSummary {
    pub name: String,
    pub tier: Tier,
    pub files: u64,
    /// True when it came from path names rather than `envguard.toml`.
    pub inferred: bool,
}

/// Counters of one scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScanStats {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    /// Files of a known format that were parsed into facts.
    pub files_parsed: u64,
    /// Files not scanned: binary, out of scope, too large or unreadable.
    pub files_skipped: u64,
    /// Paths in scope that could not be read (`not-checked` diagnostics).
    pub not_checked: u64,
    /// Binary files, named in `binary` diagnostics.
    pub binary: u64,
    /// Vendored, minified, generated files and lockfiles left out.
    pub out_of_scope: u64,
}

/// Everything a scan produced; the one input of every reporter.
#[derive(Debug, Clone, Serialize)]
pub struct ScanResult {
    /// The scanned root as the user named it.
    pub root: String,
    /// All findings in report order (see [`Finding::sort_key`]); suppressed ones
    /// carry `suppression` and are not counted as active.
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
    pub environments: Vec<EnvSummary>,
    pub stats: ScanStats,
    /// Every rule that ran, in id order.
    pub rules: Vec<RuleMeta>,
    /// The environment isolation matrix (`envguard matrix`); not part of the
    /// `check` JSON report.
    #[serde(skip)]
    pub isolation: Isolation,
}

impl ScanResult {
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppression.is_none())
    }
    pub fn suppressed(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppression.is_some())
    }
    /// True when some path in scope was not read (fail closed: such a run
    /// never ends in "pass" unless the user allows it).
    pub fn incomplete(&self) -> bool {
        self.diagnostics.iter().any(|d| d.kind.incomplete())
    }
    /// The paths in scope that were not read.
    pub fn not_checked(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.kind.incomplete())
    }
    pub fn rule(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().find(|r| r.id == id)
    }
}
