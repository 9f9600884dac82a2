//! The environment isolation matrix (policy 000 §6 "Evidence requirements:
//! Environment isolation matrix"), as printed by `envguard matrix`.
//!
//! Three renderings of one normalised view of [`ScanResult::isolation`]:
//!
//! * Markdown, for an auditor's evidence pack: the environment table, the
//!   cross-reference grid (rows = from, columns = to) and the shared markers;
//! * JSON (`"version": 1`), for tooling;
//! * one self-contained HTML page (inline CSS; no script, font, image or any
//!   other external resource) with the environment table and a colour-coded
//!   environment × environment grid.
//!
//! The view is deterministic: environments in tier order then by name, every
//! list sorted, references merged and sorted by (from, to), whatever order the
//! engine produced them in. An environment the scan saw (`result.environments`)
//! but the matrix has no row for still gets a row (tier, files), and an
//! environment only a reference names still gets a grid row and column, so the
//! grid always accounts for every reference.

use crate::markdown::{code_cell, text};
use crate::view::sanitize;
use envguard_model::{CrossReference, DataClass, EnvIsolation, ScanResult, Severity};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

mod html;
mod json;
mod md;

use html::html;
use json::json;
use md::markdown;

/// The output formats of `envguard matrix --format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatrixFormat {
    /// GitHub-flavoured Markdown (the default), for evidence packs.
    #[default]
    Markdown,
    /// JSON, `"version": 1`.
    Json,
    /// One self-contained HTML page.
    Html,
}

impl MatrixFormat {
    /// Every format, in the order they are documented.
    pub const ALL: [MatrixFormat; 3] = [
        MatrixFormat::Markdown,
        MatrixFormat::Json,
        MatrixFormat::Html,
    ];

    /// The name used on the command line: `markdown`, `json`, `html`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatrixFormat::Markdown => "markdown",
            MatrixFormat::Json => "json",
            MatrixFormat::Html => "html",
        }
    }
}

/// The version of the matrix JSON document.
const JSON_VERSION: u32 = 1;

/// The version named in the generation note.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Renders the isolation matrix of `result` in `format`. Deterministic: the
/// same result gives the same text.
pub fn render_matrix(result: &ScanResult, format: MatrixFormat) -> String {
    let m = Matrix::new(result);
    match format {
        MatrixFormat::Markdown => markdown(&m),
        MatrixFormat::Json => json(&m),
        MatrixFormat::Html => html(&m),
    }
}

/// What lies behind one grid cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// No reference.
    None,
    /// References, but no active finding of severity error behind them.
    Warn,
    /// An active finding of severity error behind the references.
    Error,
}

/// The normalised matrix every format renders.
struct Matrix<'a> {
    result: &'a ScanResult,
    /// In tier order, then by name; every list sorted and deduplicated.
    environments: Vec<EnvIsolation>,
    /// One per (from, to), sorted by it.
    references: Vec<CrossReference>,
    shared_markers: Vec<String>,
    /// Grid rows and columns: the environments in row order, then names that
    /// only references mention, by name.
    axes: Vec<String>,
}

fn sorted(v: &[String]) -> Vec<String> {
    let set: BTreeSet<&String> = v.iter().collect();
    set.into_iter().cloned().collect()
}

impl<'a> Matrix<'a> {
    fn new(result: &'a ScanResult) -> Self {
        let iso = &result.isolation;
        let mut environments: Vec<EnvIsolation> = Vec::new();
        let mut seen = BTreeSet::new();
        for e in &iso.environments {
            if !seen.insert(e.name.clone()) {
                continue;
            }
            environments.push(EnvIsolation {
                paths: sorted(&e.paths),
                hosts: sorted(&e.hosts),
                cidrs: sorted(&e.cidrs),
                accounts: sorted(&e.accounts),
                state_backends: sorted(&e.state_backends),
                ..e.clone()
            });
        }
        // Environments the scan saw but the matrix has no row for.
        for s in &result.environments {
            if !seen.insert(s.name.clone()) {
                continue;
            }
            environments.push(EnvIsolation {
                name: s.name.clone(),
                tier: s.tier,
                data_class: None,
                inferred: s.inferred,
                paths: Vec::new(),
                files: s.files,
                hosts: Vec::new(),
                cidrs: Vec::new(),
                accounts: Vec::new(),
                state_backends: Vec::new(),
                resource_suffix: None,
                secrets: 0,
                findings_by_rule: BTreeMap::new(),
            });
        }
        environments.sort_by(|a, b| (a.tier, &a.name).cmp(&(b.tier, &b.name)));

        let mut merged: BTreeMap<(String, String), CrossReference> = BTreeMap::new();
        for r in &iso.references {
            let cell = merged
                .entry((r.from.clone(), r.to.clone()))
                .or_insert_with(|| CrossReference {
                    from: r.from.clone(),
                    to: r.to.clone(),
                    count: 0,
                    findings_by_rule: BTreeMap::new(),
                    examples: Vec::new(),
                });
            cell.count += r.count;
            for (rule, n) in &r.findings_by_rule {
                *cell.findings_by_rule.entry(rule.clone()).or_insert(0) += n;
            }
            cell.examples.extend(r.examples.iter().cloned());
        }
        let references: Vec<CrossReference> = merged
            .into_values()
            .map(|mut r| {
                r.examples = sorted(&r.examples);
                r.examples.truncate(3);
                r
            })
            .collect();

        let mut axes: Vec<String> = environments.iter().map(|e| e.name.clone()).collect();
        let extra: BTreeSet<&String> = references
            .iter()
            .flat_map(|r| [&r.from, &r.to])
            .filter(|n| !seen.contains(*n))
            .collect();
        axes.extend(extra.into_iter().cloned());

        Matrix {
            result,
            environments,
            references,
            shared_markers: sorted(&iso.shared_markers),
            axes,
        }
    }

    fn reference(&self, from: &str, to: &str) -> Option<&CrossReference> {
        self.references
            .iter()
            .find(|r| r.from == from && r.to == to)
    }

    /// The worst severity of the active findings of rule `id` on `from`'s
    /// files (that also name `to`, when given), as a word: what the findings
    /// say, not the rule's default (prod naming a non-prod marker is a
    /// warning of an error rule). The rule's default when none is found,
    /// `unknown` for a rule that did not run.
    fn severity_of(&self, id: &str, from: &str, to: Option<&str>) -> &'static str {
        self.result
            .findings
            .iter()
            .filter(|f| {
                f.suppression.is_none()
                    && f.rule_id == id
                    && f.environments.first().map(String::as_str) == Some(from)
                    && to.is_none_or(|t| f.environments.iter().skip(1).any(|e| e == t))
            })
            .map(|f| f.severity)
            .max()
            .map(Severity::as_str)
            .unwrap_or_else(|| {
                self.result
                    .rule(id)
                    .map_or("unknown", |r| r.default_severity.as_str())
            })
    }

    fn level(&self, r: Option<&CrossReference>) -> Level {
        let Some(r) = r else {
            return Level::None;
        };
        let active: Vec<&String> = r
            .findings_by_rule
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(id, _)| id)
            .collect();
        if active
            .iter()
            .any(|id| self.severity_of(id, &r.from, Some(&r.to)) == "error")
        {
            Level::Error
        } else if r.count > 0 || !active.is_empty() {
            Level::Warn
        } else {
            Level::None
        }
    }

    /// References between two different environments.
    fn cross(&self) -> impl Iterator<Item = &CrossReference> {
        self.references.iter().filter(|r| r.from != r.to)
    }
}

fn data_class(d: Option<DataClass>) -> Option<&'static str> {
    d.map(|d| match d {
        DataClass::Synthetic => "synthetic",
        DataClass::Masked => "masked",
        DataClass::Live => "live",
    })
}

#[cfg(test)]
mod tests;
