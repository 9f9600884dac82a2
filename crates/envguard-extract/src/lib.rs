//! envguard-extract: parsers that turn configuration files into key/value
//! [`Fact`]s with 1-based line/column [`Region`]s, environment hints and parse
//! issues.
//!
//! Every parser here works on untrusted input: [`extract`] never panics, never
//! recurses without a bound and runs in time linear in the input (YAML alias
//! expansion is budgeted).
//!
//! Conventions shared by all formats:
//! - a fact's `region` covers the value as written, *without* its surrounding
//!   quotes; a value spanning lines has a multi-line region;
//! - keys are paths joined with `.`, sequence/array items appear as their index;
//! - only scalar leaves become facts: strings, and numbers/booleans as written
//!   (nulls and non-literal expressions do not);
//! - input that is not UTF-8 is decoded lossily (U+FFFD for each invalid
//!   sequence), except `.properties`, which falls back to ISO-8859-1; a UTF-8
//!   byte-order mark is dropped. Neither is reported as an issue.

mod dotenv;
mod hcl;
mod json;
mod properties;
mod text;
mod toml_fmt;
mod tree;
mod yaml;
mod yaml_doc;

pub use yaml_doc::{extract_yaml_with_docs, parse_yaml, Yaml, YamlDocs};

use envguard_model::{EnvHint, Extraction, Fact, Format, ParseIssue, Region, ValueOrigin};

/// The format of a file from its path (relative, `/`-separated), or `None` for
/// files envguard only scans as bytes.
///
/// - dotenv: `.env`, `.env.*` (`.env.production`, `.env.local`), `*.env`
///   (`prod.env`); not `.envrc` (a shell script);
/// - properties: `*.properties`;
/// - yaml: `*.yaml`, `*.yml`;
/// - json: `*.json`, `*.jsonc` (comments and trailing commas are accepted);
///   `*.tfvars.json` is JSON too;
/// - toml: `*.toml`;
/// - hcl: `*.tf`, `*.tfvars`, `*.hcl`.
///
/// Extensions are matched case-insensitively.
pub fn detect_format(path: &str) -> Option<Format> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if lower == ".env" || lower.starts_with(".env.") {
        return Some(Format::Dotenv);
    }
    let (_, ext) = lower.rsplit_once('.')?;
    if lower.len() == ext.len() + 1 {
        // A dotfile with no further extension (`.envrc`, `.yaml`): only `.env` counts.
        return None;
    }
    match ext {
        "env" => Some(Format::Dotenv),
        "properties" => Some(Format::Properties),
        "yaml" | "yml" => Some(Format::Yaml),
        "json" | "jsonc" => Some(Format::Json),
        "toml" => Some(Format::Toml),
        "tf" | "tfvars" | "hcl" | "tfbackend" => Some(Format::Hcl),
        _ => None,
    }
}

/// Extracts facts, environment hints and parse issues from one file's bytes.
///
/// Never panics and never recurses without a bound, whatever the bytes. Input
/// that is not UTF-8 is decoded lossily (`.properties`: as ISO-8859-1), so
/// regions stay on the right lines; this is not reported as an issue. Facts
/// read before a parse error are kept where the parser allows it (all formats
/// but JSON and HCL, whose parsers stop at the first error without a result).
/// An HCL file's extraction, its decoded text and (when it parses) its body.
pub fn extract_hcl(text: &[u8]) -> (Extraction, String, Option<hcl_edit::structure::Body>) {
    let text = text::decode_lossy(text).into_owned();
    let (extraction, body) = hcl::extract_with_body(&text);
    (extraction, text, body)
}

pub fn extract(format: Format, text: &[u8]) -> Extraction {
    match format {
        Format::Dotenv => dotenv::extract(&text::decode_lossy(text)),
        Format::Properties => properties::extract(&text::decode_properties(text)),
        Format::Yaml => yaml::extract(&text::decode_lossy(text)),
        Format::Json => json::extract(&text::decode_lossy(text)),
        Format::Toml => toml_fmt::extract(&text::decode_lossy(text)),
        Format::Hcl => hcl::extract(&text::decode_lossy(text)),
    }
}

/// The default of [`Limits::structured_max_bytes`] (and of `[scan]
/// structured_max_bytes`): 3 MiB. A dense YAML map costs about 90 bytes of
/// memory per byte of text when read whole (9.3 MB of `{k1: v1, …}` took
/// 850 MB), so 3 MiB keeps one file's reading under 300 MB; larger files get
/// the line scan.
pub const DEFAULT_STRUCTURED_MAX_BYTES: usize = 3 * 1024 * 1024;

/// Bounds on what one file may cost.
///
/// A structured reading holds the file's tree and facts in memory: a few
/// times the file's size for a typical configuration file, up to about 20
/// times for dense one-line data (a fact every dozen bytes: a 10 MB one-line
/// YAML takes 235 MB for the whole run). Configuration files are far below
/// the limit; the files above it are generated data, which the engine scans
/// as text only (linear, no tree), and says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Files larger than this get no structured reading: [`extract_within`]
    /// gives `None` for them.
    pub structured_max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            structured_max_bytes: DEFAULT_STRUCTURED_MAX_BYTES,
        }
    }
}

impl Limits {
    /// Whether a file of `len` bytes gets a structured reading.
    pub fn allows(&self, len: usize) -> bool {
        len <= self.structured_max_bytes
    }
}

/// [`extract`] for a file the limits allow; `None` for one over
/// [`Limits::structured_max_bytes`], which gets the text scan only.
pub fn extract_within(format: Format, text: &[u8], limits: &Limits) -> Option<Extraction> {
    limits.allows(text.len()).then(|| extract(format, text))
}

/// The segment of a fact's key path that scopes it to one environment in a
/// file shared by several: a Helm `values.yaml` with `staging:` and
/// `production:` maps at the top (`production.db.password`) or one level down
/// (`global.production.db.password`, `envs.production.…`). `names_env` says
/// whether a segment names an environment (the engine resolves it through the
/// inventory, strong names only: a `test:` map is as often test settings).
///
/// The first of the first two segments that names one wins; a key with one
/// segment (the value itself) has no scope. The engine attributes the facts
/// of such a map to that environment rather than the file's.
pub fn env_scope(key: &str, names_env: impl Fn(&str) -> bool) -> Option<&str> {
    let mut segments = key.split('.');
    let first = segments.next()?;
    let second = segments.next()?;
    if names_env(first) {
        return Some(first);
    }
    // `second` must itself hold something: `global.production` is a value.
    segments.next()?;
    names_env(second).then_some(second)
}

/// At most this many issues are kept per file; the rest are counted in one last issue.
const MAX_ISSUES: usize = 100;

/// Collects one file's facts, hints and issues.
#[derive(Default)]
pub(crate) struct Sink {
    out: Extraction,
    dropped_issues: usize,
    last_region: Option<Region>,
}

impl Sink {
    /// A plain fact; a hint too when the key names an environment.
    pub(crate) fn fact(&mut self, key: String, value: String, region: Region) {
        self.fact_with(key, value, region, ValueOrigin::Plain);
    }

    /// A plain fact that is never a hint, whatever its key (a Terraform
    /// module argument `environment = "prod"`): for extractors that decide
    /// hints themselves.
    pub(crate) fn fact_only(&mut self, key: String, value: String, region: Region) {
        let name_start = key.rfind('.').map_or(0, |i| i + 1);
        self.out.facts.push(Fact {
            key,
            name_start,
            value,
            region,
            origin: ValueOrigin::Plain,
        });
    }

    /// Room for `n` more facts.
    pub(crate) fn reserve_facts(&mut self, n: usize) {
        self.out.facts.reserve(n);
    }

    /// How many hints were collected so far (see [`Sink::truncate_hints`]).
    pub(crate) fn hint_count(&self) -> usize {
        self.out.hints.len()
    }

    /// Drops the hints collected after the first `len` (those of a document
    /// that describes environments rather than being one: a test).
    pub(crate) fn truncate_hints(&mut self, len: usize) {
        self.out.hints.truncate(len);
    }

    pub(crate) fn fact_with(
        &mut self,
        key: String,
        value: String,
        region: Region,
        origin: ValueOrigin,
    ) {
        let name_start = key.rfind('.').map_or(0, |i| i + 1);
        self.fact_named(key, name_start, value, region, origin);
    }

    /// A fact whose key name starts at `name_start` in `key`.
    pub(crate) fn fact_named(
        &mut self,
        key: String,
        name_start: usize,
        value: String,
        region: Region,
        origin: ValueOrigin,
    ) {
        if origin == ValueOrigin::Plain && is_env_key(&key) && is_hint_value(&value) {
            self.hint(value.clone(), key.clone(), region);
        }
        self.out.facts.push(Fact {
            key,
            name_start,
            value,
            region,
            origin,
        });
    }

    pub(crate) fn hint(&mut self, name: String, key: String, region: Region) {
        self.out.hints.push(EnvHint { name, key, region });
    }

    pub(crate) fn issue(&mut self, message: &str, region: Region) {
        self.last_region = Some(region);
        if self.out.errors.len() < MAX_ISSUES {
            self.out.errors.push(ParseIssue {
                message: message.to_owned(),
                region,
            });
        } else {
            self.dropped_issues += 1;
        }
    }

    pub(crate) fn finish(mut self) -> Extraction {
        if self.dropped_issues > 0 {
            let region = self.last_region.unwrap_or(Region::line(1));
            self.out.errors.push(ParseIssue {
                message: format!("{} more issues not reported", self.dropped_issues),
                region,
            });
        }
        self.out
    }
}

/// The last segment of a key path names an environment (`environment`, `env`,
/// `stage`, any case), or the key is Spring's `spring.profiles.active`.
pub(crate) fn is_env_key(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key);
    is_env_segment(last) || key.ends_with("spring.profiles.active")
}

pub(crate) fn is_env_segment(segment: &str) -> bool {
    ["environment", "env", "stage"]
        .iter()
        .any(|w| segment.eq_ignore_ascii_case(w))
}

/// A value short and plain enough to be an environment's name: 1 to 64
/// characters, no whitespace, no interpolation syntax.
pub(crate) fn is_hint_value(value: &str) -> bool {
    !value.is_empty()
        && value.chars().count() <= 64
        && !value.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '$' | '{' | '}' | '<' | '>')
        })
}

/// Joins a key path and one more segment with `.`.
pub(crate) fn join(path: &str, segment: &str) -> String {
    if path.is_empty() {
        segment.to_owned()
    } else {
        let mut s = String::with_capacity(path.len() + 1 + segment.len());
        s.push_str(path);
        s.push('.');
        s.push_str(segment);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_paths() {
        let cases = [
            (".env", Some(Format::Dotenv)),
            ("app/.env.production", Some(Format::Dotenv)),
            ("deploy/prod.env", Some(Format::Dotenv)),
            (".envrc", None),
            ("config/.ENV.local", Some(Format::Dotenv)),
            (
                "src/main/resources/application.properties",
                Some(Format::Properties),
            ),
            ("k8s/secret.yaml", Some(Format::Yaml)),
            (".github/workflows/deploy.yml", Some(Format::Yaml)),
            ("ecs/task.json", Some(Format::Json)),
            (".vscode/settings.jsonc", Some(Format::Json)),
            ("prod.tfvars.json", Some(Format::Json)),
            ("Cargo.toml", Some(Format::Toml)),
            ("infra/main.tf", Some(Format::Hcl)),
            ("infra/prod.tfvars", Some(Format::Hcl)),
            ("live/terragrunt.hcl", Some(Format::Hcl)),
            ("README.md", None),
            ("Makefile", None),
            (".yaml", None),
            ("env", None),
            ("environment.txt", None),
        ];
        for (path, want) in cases {
            assert_eq!(detect_format(path), want, "{path}");
        }
    }

    #[test]
    fn env_keys_and_hint_values() {
        assert!(is_env_key("environment"));
        assert!(is_env_key("jobs.deploy.environment"));
        assert!(is_env_key("tags.Environment"));
        assert!(is_env_key("ENVIRONMENT"));
        assert!(is_env_key("provider.stage"));
        assert!(is_env_key("spring.profiles.active"));
        assert!(!is_env_key("environments"));
        assert!(!is_env_key("NODE_ENV"));
        assert!(is_hint_value("prod"));
        assert!(!is_hint_value(""));
        assert!(!is_hint_value("${{ inputs.env }}"));
        assert!(!is_hint_value("two words"));
        assert!(!is_hint_value(&"x".repeat(65)));
    }

    #[test]
    fn structured_reading_within_limits() {
        let limits = Limits {
            structured_max_bytes: 16,
        };
        let small = extract_within(Format::Yaml, b"password: hunter2", &limits);
        assert_eq!(small, None, "17 bytes is over 16");
        let fits = extract_within(Format::Yaml, b"password: hunte", &limits).unwrap();
        assert_eq!(fits.facts.len(), 1);
        assert!(Limits::default().allows(DEFAULT_STRUCTURED_MAX_BYTES));
        assert!(!Limits::default().allows(DEFAULT_STRUCTURED_MAX_BYTES + 1));
    }

    #[test]
    fn issues_are_capped() {
        let mut sink = Sink::default();
        for i in 0..150 {
            sink.issue("bad", Region::line(i + 1));
        }
        let out = sink.finish();
        assert_eq!(out.errors.len(), MAX_ISSUES + 1);
        assert_eq!(
            out.errors[MAX_ISSUES].message,
            "50 more issues not reported"
        );
        assert_eq!(out.errors[MAX_ISSUES].region, Region::line(150));
    }
}
