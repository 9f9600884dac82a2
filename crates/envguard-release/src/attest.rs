//! `release attest`: an in-toto Statement v1 with a SLSA Provenance v1
//! predicate for the artifacts of a build, signed into a DSSE envelope.

use crate::ci::CiContext;
use crate::evidence::EvidenceKind;
use crate::intoto::{
    BuildDefinition, BuildMetadata, Builder, Provenance, ResourceDescriptor, RunDetails, Statement,
    BUILD_TYPE, PAYLOAD_TYPE, SLSA_PROVENANCE_V1, STATEMENT_V1,
};
use crate::key::ReleaseSigner;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Annotation key of a byproduct that is evidence, holding its kind.
pub const EVIDENCE_ANNOTATION: &str = "envguard.evidence";

/// An artifact: its name and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub name: String,
    pub sha256: String,
}

/// An evidence file: its path as given (relative to the build's working
/// directory, where verify looks for it), SHA-256 and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRef {
    pub path: String,
    pub sha256: String,
    pub kind: EvidenceKind,
}

/// Everything a provenance is made of.
#[derive(Debug, Clone)]
pub struct AttestInput {
    pub subjects: Vec<Subject>,
    pub evidence: Vec<EvidenceRef>,
    pub ci: CiContext,
    /// The change's author (a CI login); approvals by this person do not count.
    pub author: Option<String>,
    /// RFC 3339 UTC, the time of signing.
    pub finished_on: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AttestError {
    #[error("no subject: name at least one artifact file or sha256: digest")]
    NoSubject,
    #[error("{0} is unknown: run in GitHub Actions, GitLab CI or CircleCI, or pass --{1}")]
    MissingContext(&'static str, &'static str),
    #[error("cannot sign: {0}")]
    Sign(String),
}

/// The statement for `input`.
pub fn statement(input: &AttestInput) -> Result<Statement, AttestError> {
    if input.subjects.is_empty() {
        return Err(AttestError::NoSubject);
    }
    let ci = &input.ci;
    let commit = ci
        .commit
        .clone()
        .ok_or(AttestError::MissingContext("the commit", "commit"))?;
    let git_ref = ci
        .git_ref
        .clone()
        .ok_or(AttestError::MissingContext("the git ref", "ref"))?;
    let workflow = ci
        .workflow
        .clone()
        .ok_or(AttestError::MissingContext("the workflow", "workflow"))?;
    let subject = input
        .subjects
        .iter()
        .map(|s| ResourceDescriptor {
            name: Some(s.name.clone()),
            digest: BTreeMap::from([("sha256".to_owned(), s.sha256.clone())]),
            ..ResourceDescriptor::default()
        })
        .collect();
    let source_uri = match &ci.repository {
        Some(r) => format!("git+{r}@{git_ref}"),
        None => format!("git+{git_ref}"),
    };
    let byproducts = input
        .evidence
        .iter()
        .map(|e| ResourceDescriptor {
            name: Some(e.path.clone()),
            digest: BTreeMap::from([("sha256".to_owned(), e.sha256.clone())]),
            media_type: match e.kind {
                EvidenceKind::Junit => Some("application/xml".to_owned()),
                EvidenceKind::Sarif => Some("application/sarif+json".to_owned()),
                EvidenceKind::Other => None,
            },
            annotations: BTreeMap::from([(
                EVIDENCE_ANNOTATION.to_owned(),
                Value::String(e.kind.as_str().to_owned()),
            )]),
            ..ResourceDescriptor::default()
        })
        .collect();
    let mut internal = serde_json::Map::new();
    internal.insert("ci".into(), json!(ci.system.as_str()));
    if let Some(id) = &ci.run_id {
        internal.insert("run_id".into(), json!(id));
    }
    if let Some(a) = input.author.as_ref().or(ci.actor.as_ref()) {
        internal.insert("author".into(), json!(a));
    }
    let predicate = Provenance {
        build_definition: BuildDefinition {
            build_type: BUILD_TYPE.to_owned(),
            external_parameters: json!({
                "workflow": {
                    "ref": git_ref,
                    "repository": ci.repository,
                    "path": workflow,
                }
            }),
            internal_parameters: Value::Object(internal),
            resolved_dependencies: vec![ResourceDescriptor {
                uri: Some(source_uri),
                digest: BTreeMap::from([("gitCommit".to_owned(), commit)]),
                ..ResourceDescriptor::default()
            }],
        },
        run_details: RunDetails {
            builder: Builder {
                id: ci.builder.clone(),
                version: BTreeMap::from([(
                    "envguard".to_owned(),
                    env!("CARGO_PKG_VERSION").to_owned(),
                )]),
                builder_dependencies: Vec::new(),
            },
            metadata: Some(BuildMetadata {
                invocation_id: ci.invocation.clone(),
                started_on: None,
                finished_on: Some(input.finished_on.clone()),
            }),
            byproducts,
        },
    };
    Ok(Statement {
        type_: STATEMENT_V1.to_owned(),
        subject,
        predicate_type: SLSA_PROVENANCE_V1.to_owned(),
        predicate: serde_json::to_value(predicate).map_err(|e| AttestError::Sign(e.to_string()))?,
    })
}

/// The signed envelope for `input`.
pub fn attest(input: &AttestInput, signer: &ReleaseSigner) -> Result<dsse::Envelope, AttestError> {
    let st = statement(input)?;
    let payload = serde_json::to_vec(&st).map_err(|e| AttestError::Sign(e.to_string()))?;
    dsse::sign(PAYLOAD_TYPE, &payload, signer).map_err(|e| AttestError::Sign(e.to_string()))
}
