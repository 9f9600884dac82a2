//! Renderers from one finding model ([`envguard_model::ScanResult`]) to the
//! formats envguard speaks: human text, JSON (format version 1, frozen),
//! SARIF 2.1.0, JUnit XML and Markdown.
//!
//! Every renderer reads the same [`ScanResult`] through one sorted view
//! (`view::View`), so the order of findings, rules, environments and
//! diagnostics is the same in every format and does not depend on the order the
//! engine produced them in. Renderers write to any [`std::io::Write`]; they never
//! print and never touch the disk.
//!
//! Messages arrive already redacted: no renderer ever sees a secret value.

mod json;
mod junit;
mod markdown;
mod matrix;
mod sarif;
mod text;
mod view;

pub use matrix::{render_matrix, MatrixFormat};

use envguard_model::{ScanResult, Severity};
use std::fmt;
use std::str::FromStr;

/// The repository that hosts envguard and its rule documentation. Taken from
/// the workspace's `repository` field so it is set in one place.
pub const REPOSITORY_URL: &str = env!("CARGO_PKG_REPOSITORY");

/// Absolute base URL of the repository tree the rule pages live under:
/// `DOCS_BASE_URL` + [`envguard_model::RuleMeta::doc_path`] is a rule's help page.
/// SARIF consumers (GitHub code scanning) need an absolute `helpUri`; the
/// relative doc path is not one.
pub const DOCS_BASE_URL: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/");

/// The output formats of `envguard check --format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutputFormat {
    /// Human-readable text, grouped by rule (the default).
    #[default]
    Text,
    /// JSON, format version 1 (see `docs/json-format.md`).
    Json,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
    /// JUnit XML, for CI test reports.
    Junit,
    /// Markdown, for pull-request comments and evidence packs.
    Markdown,
}

impl OutputFormat {
    /// Every format, in the order they are documented.
    pub const ALL: [OutputFormat; 5] = [
        OutputFormat::Text,
        OutputFormat::Json,
        OutputFormat::Sarif,
        OutputFormat::Junit,
        OutputFormat::Markdown,
    ];

    /// The name used on the command line: `text`, `json`, `sarif`, `junit`, `markdown`.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Text => "text",
            OutputFormat::Json => "json",
            OutputFormat::Sarif => "sarif",
            OutputFormat::Junit => "junit",
            OutputFormat::Markdown => "markdown",
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An output format name that is not one of [`OutputFormat::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown output format `{0}` (expected one of: text, json, sarif, junit, markdown)")]
pub struct UnknownFormat(pub String);

impl FromStr for OutputFormat {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OutputFormat::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// How to render.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    /// Emit ANSI colour (text format only; every other format ignores it).
    pub color: bool,
    /// The envguard version named in the report (`env!("CARGO_PKG_VERSION")` of the CLI).
    pub tool_version: &'static str,
    /// The `--fail-on` threshold: active findings at or above it fail the run.
    /// `None` means never. Text, JSON and Markdown state the verdict; JUnit
    /// reports only such findings as failures.
    pub fail_on: Option<Severity>,
    /// `--allow-incomplete`: paths in scope that were not read are still
    /// listed, but do not fail the run.
    pub allow_incomplete: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            tool_version: env!("CARGO_PKG_VERSION"),
            fail_on: Some(Severity::Error),
            allow_incomplete: false,
        }
    }
}

/// Renders `result` in `format` to `out`.
///
/// The output is deterministic: the same result gives the same bytes, whatever
/// order the engine produced findings in.
pub fn render(
    format: OutputFormat,
    result: &ScanResult,
    opts: &RenderOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let view = view::View::new(result, opts);
    match format {
        OutputFormat::Text => text::render(&view, opts, out),
        OutputFormat::Json => json::render(&view, opts, out),
        OutputFormat::Sarif => sarif::render(&view, opts, out),
        OutputFormat::Junit => junit::render(&view, opts, out),
        OutputFormat::Markdown => markdown::render(&view, opts, out),
    }
}

/// Renders `result` in `format` into a `String` (all formats are UTF-8 text).
pub fn render_to_string(
    format: OutputFormat,
    result: &ScanResult,
    opts: &RenderOptions,
) -> std::io::Result<String> {
    let mut buf = Vec::new();
    render(format, result, opts, &mut buf)?;
    String::from_utf8(buf).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in OutputFormat::ALL {
            assert_eq!(f.as_str().parse::<OutputFormat>(), Ok(f));
            assert_eq!(f.to_string(), f.as_str());
        }
        assert_eq!("SARIF".parse::<OutputFormat>(), Ok(OutputFormat::Sarif));
        let err = "xml".parse::<OutputFormat>().unwrap_err();
        assert_eq!(err, UnknownFormat("xml".into()));
        assert!(err.to_string().contains("expected one of"));
        assert_eq!(OutputFormat::default(), OutputFormat::Text);
    }

    #[test]
    fn docs_base_url_is_absolute_and_ends_with_slash() {
        assert!(DOCS_BASE_URL.starts_with("https://"));
        assert!(DOCS_BASE_URL.ends_with('/'));
        assert!(DOCS_BASE_URL.starts_with(REPOSITORY_URL));
    }
}
