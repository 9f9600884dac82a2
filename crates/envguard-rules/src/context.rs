use envguard_model::{EnvAttribution, EnvHint, Inventory, Region};

/// One secret found in one file, already fingerprinted. The value itself is gone:
/// only a keyed fingerprint and a redacted preview remain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretOccurrence {
    /// The detector rule that found it (`aws-access-key-id`, `generic-secret-assignment`).
    pub detector: &'static str,
    /// Human name of the detector (`AWS access key id`).
    pub detector_name: &'static str,
    /// The key it is assigned to (`DB_PASSWORD`), when known.
    pub key: Option<String>,
    /// The full key path in a structured file (`data.DB_PASSWORD`), when known.
    pub key_path: Option<String>,
    pub region: Region,
    /// HMAC-SHA-256 of the normalized value under the run's key.
    pub fingerprint: [u8; 32],
    /// e.g. `q7R…(24 chars)`.
    pub preview: String,
    /// A dictionary default (`changeme`, `admin`): flagged only in prod.
    pub weak_default: bool,
    /// True when the value was base64-decoded from the file (Kubernetes `data`).
    pub base64: bool,
    /// True when the value sits on a commented-out line of an env file
    /// (`# DB_PASSWORD=…` in `.env`, `sample.env`): nothing runs with it.
    pub commented: bool,
    /// The environment a map of a shared file scopes the value to (a Helm
    /// `values.yaml` with `staging:` and `production:` maps), when the file
    /// itself belongs to none: the value is that environment's.
    pub scope: Option<EnvAttribution>,
}

impl SecretOccurrence {
    /// The name used in messages and finding ids: the key, else the detector.
    pub fn label(&self) -> &str {
        self.key.as_deref().unwrap_or(self.detector)
    }

    /// The key as a reader knows it: the full key path when it is short
    /// (`spring.datasource.password`, `mongo.uri`), else the last segment.
    pub fn display_key(&self) -> &str {
        match &self.key_path {
            Some(p) if p.len() <= 48 && p.split('.').count() <= 3 => p,
            _ => self.label(),
        }
    }
}

/// Everything the rules know about one scanned file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFacts {
    /// Relative to the scanned root, `/`-separated.
    pub path: String,
    /// What the path is for (deploy config, source, test, docs, example,
    /// local stack): worked out once, read by the rules.
    pub role: envguard_model::PathRole,
    /// The environment the file belongs to; `None` for shared files.
    pub env: Option<EnvAttribution>,
    pub secrets: Vec<SecretOccurrence>,
    pub hints: Vec<EnvHint>,
    /// Set for a dataset outside production (CSV, TSV, JSONL, SQL dump, data JSON).
    pub dataset: Option<DatasetFacts>,
    /// Set for a log or event sample (JSON Lines, or a JSON array of events
    /// under `logs/`, `audit/`, `events/`): what the event schema found.
    pub event_log: Option<EventLogFacts>,
    /// Identity markers, backends, networks, names and tags (R04, NAM).
    pub infra: envguard_infra::InfraFacts,
}

/// What the ledger's event schema (000 §3 R-03) found in one log or event
/// sample. Problems carry the field and a message, never an event's values
/// beyond the environment label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLogFacts {
    /// `jsonl` or `json`.
    pub format: &'static str,
    /// Events read (at most the per-file cap).
    pub events: u64,
    /// True when the file held more events than were read.
    pub truncated: bool,
    /// Events that break R-03, in line order; only the first ones are kept.
    pub problems: Vec<EventProblem>,
    /// How many problems the events read have, kept or not.
    pub problems_total: u64,
}

/// One event that breaks R-03.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventProblem {
    /// 1-based line where the event starts.
    pub line: u32,
    /// JSON path of the field at fault (`$.tenant_id`, `$.environment`).
    pub field: String,
    /// What is wrong, as the validator says it.
    pub message: String,
    /// Short digest of the event's bytes: keeps finding ids stable when lines move.
    pub digest: String,
}

/// What a non-production dataset holds: counts per column and entity, never values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetFacts {
    /// `csv`, `tsv`, `json`, `jsonl`, `sql`.
    pub format: &'static str,
    pub records: u64,
    pub pii_columns: Vec<PiiColumn>,
    pub provenance: Provenance,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiiColumn {
    pub column: String,
    /// (entity id such as `SA_NATIONAL_ID`, detections), most frequent first.
    pub entities: Vec<(&'static str, u64)>,
    /// First 1-based line holding one.
    pub first_line: Option<u64>,
}

/// The written provenance of a dataset (000 §3 R-02).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    Missing,
    /// A manifest that names the file, says `synthetic` or `masked`, and (for a
    /// `.provenance.*` file) matches the file's SHA-256 and names an approver and date.
    Valid {
        manifest: String,
        kind: String,
    },
    /// A manifest that exists but does not hold.
    Invalid {
        manifest: String,
        problem: String,
    },
}

/// What rules see: the inventory and the facts of every file, in path order.
pub struct Context<'a> {
    pub inventory: &'a Inventory,
    pub files: &'a [FileFacts],
    /// CI/CD pipelines, in path order.
    pub pipelines: &'a [envguard_pipeline::Pipeline],
    /// Environment protection rules from `--ci-settings`, when given.
    pub ci_settings: Option<&'a envguard_pipeline::CiSettings>,
    /// Waivers that have expired, for the `WVR.expired-waiver` rule: (waiver file,
    /// line of the entry, rule it waived, expiry date as written, reason).
    pub expired_waivers: &'a [ExpiredWaiverFact],
    /// Which environment owns which marker (R04, NAM).
    pub markers: &'a envguard_infra::MarkerIndex,
    /// A secret store's facts, for the `SEC.*` rules (`envguard secrets audit`).
    pub store: Option<&'a envguard_model::StoreFacts>,
    /// Fingerprints of a store's current prod secrets, under the run's key
    /// (`envguard check --store`, `R01.live-prod-secret`).
    pub live_secrets: Option<&'a envguard_model::LiveSecrets>,
}

/// An expired entry of `envguard-waivers.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiredWaiverFact {
    pub file: String,
    pub line: u32,
    pub rule: String,
    pub expires: String,
}
