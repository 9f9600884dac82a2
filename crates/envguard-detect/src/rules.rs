//! The rule file: schema, parsing and compilation.

use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::Confidence;

/// The embedded rule file.
pub(crate) const BUILTIN_RULES: &str = include_str!("../data/secrets.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleFile {
    pub rules: Vec<RuleSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum RuleKind {
    /// The regex runs on the line (clipped to a window) around a keyword hit.
    #[default]
    Line,
    /// The regex runs forward from the start of the hit's line (multi-line blocks).
    Pem,
    /// The regex finds a URL; the secret is the password in its userinfo.
    Url,
    /// Key/value assignment with a secret-named key; judged in code.
    Generic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Validator {
    GithubChecksum,
    Jwt,
    PemBody,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ConfidenceSpec {
    Low,
    Medium,
    High,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleSpec {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub kind: RuleKind,
    pub regex: String,
    pub keywords: Vec<String>,
    pub min_entropy: Option<f64>,
    confidence: ConfidenceSpec,
    pub validator: Option<Validator>,
    pub key_regex: Option<String>,
    pub value_regex: Option<String>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

/// A compiled rule.
pub(crate) struct Rule {
    pub id: &'static str,
    pub name: &'static str,
    pub kind: RuleKind,
    pub regex: Regex,
    pub min_entropy: Option<f64>,
    pub confidence: Confidence,
    pub validator: Option<Validator>,
    pub key_regex: Option<Regex>,
    pub value_regex: Option<Regex>,
    pub keywords: Vec<String>,
    pub examples: Vec<String>,
    pub negative_examples: Vec<String>,
}

/// Public description of a rule (for reports and tests).
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo<'a> {
    pub id: &'static str,
    pub name: &'static str,
    pub confidence: Confidence,
    /// Inputs that `scan_text` must report under this rule.
    pub examples: &'a [String],
    /// Inputs that `scan_text` must not report under this rule.
    pub negative_examples: &'a [String],
}

fn compile(pattern: &str, what: &str, id: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(4 << 20)
        .build()
        .map_err(|e| format!("rule {id}: bad {what}: {e}"))
}

/// Strings of the built-in rules live as long as the program; leaking them
/// once gives the `&'static str` ids that `SecretMatch` carries.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

pub(crate) fn parse(src: &str) -> Result<Vec<Rule>, String> {
    let file: RuleFile = toml::from_str(src).map_err(|e| format!("rule file: {e}"))?;
    let mut out = Vec::with_capacity(file.rules.len());
    let mut ids = std::collections::HashSet::new();
    for spec in file.rules {
        if !ids.insert(spec.id.clone()) {
            return Err(format!("duplicate rule id {}", spec.id));
        }
        if spec.keywords.is_empty() || spec.keywords.iter().any(String::is_empty) {
            return Err(format!("rule {}: needs non-empty keywords", spec.id));
        }
        let regex = compile(&spec.regex, "regex", &spec.id)?;
        if regex.captures_len() < 2 {
            return Err(format!("rule {}: regex needs a capture group", spec.id));
        }
        let key_regex = match &spec.key_regex {
            Some(p) => Some(compile(p, "key_regex", &spec.id)?),
            None => None,
        };
        let value_regex = match &spec.value_regex {
            Some(p) => Some(compile(p, "value_regex", &spec.id)?),
            None => None,
        };
        if key_regex.is_some() != value_regex.is_some() {
            return Err(format!(
                "rule {}: key_regex and value_regex go together",
                spec.id
            ));
        }
        out.push(Rule {
            id: leak(spec.id),
            name: leak(spec.name),
            kind: spec.kind,
            regex,
            min_entropy: spec.min_entropy,
            confidence: match spec.confidence {
                ConfidenceSpec::Low => Confidence::Low,
                ConfidenceSpec::Medium => Confidence::Medium,
                ConfidenceSpec::High => Confidence::High,
            },
            validator: spec.validator,
            key_regex,
            value_regex,
            keywords: spec
                .keywords
                .iter()
                .map(|k| k.to_ascii_lowercase())
                .collect(),
            examples: spec.examples,
            negative_examples: spec.negative_examples,
        });
    }
    Ok(out)
}
