//! The attestation formats: an in-toto Statement v1 carrying a SLSA
//! Provenance v1 predicate.
//!
//! Written by hand, as serde types: no maintained, lean crate carries them
//! (the `in-toto` crate is the older link-metadata model and pulls its own
//! crypto stack; sigstore's brings an HTTP/TUF client). The field names are
//! the specifications' (in-toto attestation framework v1, SLSA v1.0
//! provenance) and the tests parse the specifications' published examples.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `_type` of an in-toto Statement v1.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// `predicateType` of SLSA Provenance v1.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// The DSSE `payloadType` of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// The `buildType` envguard writes: a CI job (GitHub Actions, GitLab CI,
/// CircleCI) described from its environment variables. Its
/// `externalParameters.workflow` has the shape of GitHub's
/// `https://actions.github.io/buildtypes/workflow/v1`, so one reader serves both.
pub const BUILD_TYPE: &str = "https://example.invalid/envguard/release/buildtypes/ci/v1";

/// An in-toto Statement v1 (the predicate kept as JSON until its type is known).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    #[serde(rename = "_type")]
    pub type_: String,
    pub subject: Vec<ResourceDescriptor>,
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    #[serde(default)]
    pub predicate: Value,
}

/// An in-toto ResourceDescriptor v1: a subject, a dependency or a byproduct.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResourceDescriptor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Algorithm → lowercase hex (`sha256`, `gitCommit`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub digest: BTreeMap<String, String>,
    #[serde(
        default,
        rename = "downloadLocation",
        skip_serializing_if = "Option::is_none"
    )]
    pub download_location: Option<String>,
    #[serde(default, rename = "mediaType", skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, Value>,
}

/// SLSA Provenance v1 predicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    #[serde(rename = "buildDefinition")]
    pub build_definition: BuildDefinition,
    #[serde(rename = "runDetails")]
    pub run_details: RunDetails,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildDefinition {
    #[serde(rename = "buildType")]
    pub build_type: String,
    #[serde(rename = "externalParameters")]
    pub external_parameters: Value,
    #[serde(
        default,
        rename = "internalParameters",
        skip_serializing_if = "Value::is_null"
    )]
    pub internal_parameters: Value,
    #[serde(
        default,
        rename = "resolvedDependencies",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resolved_dependencies: Vec<ResourceDescriptor>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDetails {
    pub builder: Builder,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BuildMetadata>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub byproducts: Vec<ResourceDescriptor>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Builder {
    pub id: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub version: BTreeMap<String, String>,
    #[serde(
        default,
        rename = "builderDependencies",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub builder_dependencies: Vec<ResourceDescriptor>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BuildMetadata {
    #[serde(
        default,
        rename = "invocationId",
        skip_serializing_if = "Option::is_none"
    )]
    pub invocation_id: Option<String>,
    #[serde(default, rename = "startedOn", skip_serializing_if = "Option::is_none")]
    pub started_on: Option<String>,
    #[serde(
        default,
        rename = "finishedOn",
        skip_serializing_if = "Option::is_none"
    )]
    pub finished_on: Option<String>,
}

/// Where the build came from, read from a provenance: the `workflow` of the
/// external parameters (envguard's build type and GitHub's) and the git
/// commit among the resolved dependencies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Source {
    pub repository: Option<String>,
    /// `refs/tags/v1.2.3` or `refs/heads/main`.
    pub git_ref: Option<String>,
    /// The workflow file, relative to the repository root.
    pub workflow: Option<String>,
    pub commit: Option<String>,
    /// Who made the change (CI login), when the provenance says.
    pub author: Option<String>,
}

impl Source {
    /// The tag name when the ref is a tag (`refs/tags/v1.2.3` → `v1.2.3`).
    pub fn tag(&self) -> Option<&str> {
        self.git_ref.as_deref()?.strip_prefix("refs/tags/")
    }
}

impl Provenance {
    pub fn source(&self) -> Source {
        let ext = &self.build_definition.external_parameters;
        let wf = &ext["workflow"];
        let s = |v: &Value| v.as_str().map(str::to_owned);
        let commit = self
            .build_definition
            .resolved_dependencies
            .iter()
            .find_map(|d| d.digest.get("gitCommit").cloned());
        Source {
            repository: s(&wf["repository"]),
            git_ref: s(&wf["ref"]),
            workflow: s(&wf["path"]),
            commit,
            author: s(&self.build_definition.internal_parameters["author"]),
        }
    }
}
