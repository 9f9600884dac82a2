use crate::span::Region;
use serde::{Deserialize, Serialize};

/// The formats envguard parses into facts. Everything else is scanned as bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Dotenv,
    Properties,
    Yaml,
    Json,
    Toml,
    /// Terraform / Terragrunt / OpenTofu: `.tf`, `.tfvars`, `.hcl`.
    Hcl,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Dotenv => "dotenv",
            Format::Properties => "properties",
            Format::Yaml => "yaml",
            Format::Json => "json",
            Format::Toml => "toml",
            Format::Hcl => "hcl",
        }
    }
}

/// How a fact's value was obtained from the file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValueOrigin {
    /// The value as written (after the format's quoting and escapes).
    Plain,
    /// Base64-decoded, e.g. a Kubernetes `Secret`'s `data` entry.
    Base64,
}

/// One key/value fact extracted from a structured file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// The full key path, segments joined with `.` (`data.DB_PASSWORD`,
    /// `services.web.environment.DB_PASSWORD`, `DB_PASSWORD`). Sequence
    /// items appear as their index (`env.0.value`).
    pub key: String,
    /// Byte offset in `key` where the setting's own name begins (`key` for
    /// `{"aws.secret.access.key": …}` under `settings` is
    /// `settings.aws.secret.access.key` with the name starting after `settings.`).
    #[serde(default)]
    pub name_start: usize,
    /// The value, unquoted and unescaped (decoded when `origin` says so).
    pub value: String,
    /// Where the value is written in the file (1-based, code-point columns).
    pub region: Region,
    pub origin: ValueOrigin,
}

impl Fact {
    /// The last segment of the key path, the name a human would call the setting by.
    ///
    /// For a Kubernetes-style `- name: X` / `value: Y` pair the extractor already
    /// folds the name into the key, so this is `X`. Dotted keys of flat formats
    /// (`.properties`, dotenv) count their last segment as the name.
    pub fn name(&self) -> &str {
        match self.key.get(self.name_start..) {
            Some(n) if !n.is_empty() => n,
            _ => self.key.rsplit('.').next().unwrap_or(&self.key),
        }
    }
}

/// A statement inside a file that attributes it (or part of it) to an environment:
/// a Kubernetes `metadata.namespace`, a Terraform `environment = "prod"`, a workflow
/// `environment: production`, an `Environment` tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvHint {
    /// The environment name as written (not yet resolved against the inventory).
    pub name: String,
    /// The key that carried it (`metadata.namespace`, `environment`, `tags.Environment`).
    pub key: String,
    pub region: Region,
}

/// A problem that stopped a parser, with where it stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParseIssue {
    pub message: String,
    pub region: Region,
}

/// What one extractor produced from one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extraction {
    pub facts: Vec<Fact>,
    pub hints: Vec<EnvHint>,
    /// Parse errors. A file with errors may still carry the facts read before them.
    pub errors: Vec<ParseIssue>,
}
