//! The one error type of the store. No variant carries a value: names,
//! versions, files and places only.

/// A store, policy, key or rotation error; the CLI maps every one to exit 2.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// A file could not be read or written, or does not hold what it should.
    #[error("{path}: {message}")]
    File { path: String, message: String },
    /// The key does not open the store (wrong key, or store sealed under another).
    #[error("{store}: the key {key} does not open the {env} store (wrong key, or the store was sealed under another one); nothing was read or written")]
    WrongKey {
        env: String,
        store: String,
        key: String,
    },
    /// A record failed authentication: the store file was changed outside envguard.
    #[error("{store}: {name} version {version} fails authentication (the store file was altered or is corrupt); nothing was written")]
    Corrupt {
        store: String,
        name: String,
        version: u64,
    },
    /// The policy file is not valid.
    #[error("{path}:{line}:{column}: {message}")]
    Policy {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// The policy refuses the call (recorded in the environment's ledger).
    #[error("role {role:?} may not {capability} {env}/{name} (policy {policy}); the refusal is recorded in the {env} ledger")]
    Denied {
        role: String,
        capability: &'static str,
        env: String,
        name: String,
        policy: String,
    },
    #[error("no secret {name:?} in the {env} store{detail}")]
    NotFound {
        env: String,
        name: String,
        detail: String,
    },
    #[error("no {env} store under {dir} (run `envguard secrets init {env}`)")]
    NoStore { env: String, dir: String },
    #[error("{0}")]
    Invalid(String),
    /// A 003 §5 precondition does not hold.
    #[error("rotation of {env}/{name} refused (SOP 003 §5 preconditions):\n{}", .missing.iter().map(|m| format!("  - {m}")).collect::<Vec<_>>().join("\n"))]
    Preconditions {
        env: String,
        name: String,
        missing: Vec<String>,
    },
    #[error("{0}")]
    Rotation(String),
    #[error("the {env} ledger: {source}")]
    Ledger {
        env: String,
        #[source]
        source: envguard_ledger::LedgerError,
    },
    #[error("{store}: {message}")]
    Sqlite { store: String, message: String },
    /// A request to a Vault/OpenBao server failed (names the address and the API path).
    #[error(transparent)]
    Vault(#[from] envguard_vault::VaultError),
}

impl SecretsError {
    pub(crate) fn file(path: &std::path::Path, message: impl std::fmt::Display) -> Self {
        SecretsError::File {
            path: path.display().to_string(),
            message: message.to_string(),
        }
    }
}
