//! Errors of the client, the policy parser and the snapshot.
//!
//! Every variant names the server address and the API path it concerns, so a
//! user can tell which server and which request failed. None carries the
//! token or a secret value: the request body is never part of an error, and
//! the server's own message is kept only for statuses where Vault/OpenBao
//! explain a refused request (400, 5xx), which never echo a value.

/// An error of a request to a Vault/OpenBao server.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// No address or token in the environment, or an address that is not a URL.
    #[error("Vault/OpenBao configuration: {0}")]
    Config(String),
    /// The server could not be reached (connection refused, unknown host, TLS).
    #[error("{address}: cannot reach the Vault/OpenBao server for {method} {path}: {reason}")]
    Unreachable {
        address: String,
        method: &'static str,
        path: String,
        reason: String,
    },
    /// The server did not answer in time.
    #[error("{address}: {method} {path}: no answer within the timeout")]
    Timeout {
        address: String,
        method: &'static str,
        path: String,
    },
    /// HTTP 403: the token lacks a capability on the path (or is invalid).
    #[error("{address}: {method} {path}: permission denied (HTTP 403)")]
    PermissionDenied {
        address: String,
        method: &'static str,
        path: String,
    },
    /// HTTP 404: no such secret, policy, mount or version.
    #[error("{address}: {method} {path}: not found (HTTP 404)")]
    NotFound {
        address: String,
        method: &'static str,
        path: String,
    },
    /// A KV v2 write whose check-and-set version is not the current one.
    #[error("{address}: {method} {path}: check-and-set refused: version {cas} is not the current version")]
    CasMismatch {
        address: String,
        method: &'static str,
        path: String,
        cas: u64,
    },
    /// Any other status: the server's own error messages.
    #[error("{address}: {method} {path}: HTTP {status}: {message}")]
    Status {
        address: String,
        method: &'static str,
        path: String,
        status: u16,
        message: String,
    },
    /// A body that is not the JSON the API documents.
    #[error("{address}: {method} {path}: malformed response: {problem}")]
    Malformed {
        address: String,
        method: &'static str,
        path: String,
        problem: String,
    },
    /// A policy read from the server that envguard could not parse.
    #[error("{address}: {source}")]
    Policy {
        address: String,
        #[source]
        source: PolicyError,
    },
}

impl VaultError {
    /// Worth retrying: the server was unreachable, slow, or answered 429/5xx.
    pub fn is_transient(&self) -> bool {
        match self {
            VaultError::Unreachable { .. } | VaultError::Timeout { .. } => true,
            VaultError::Status { status, .. } => *status == 429 || (500..600).contains(status),
            _ => false,
        }
    }

    /// HTTP 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, VaultError::NotFound { .. })
    }
}

/// A policy that is not valid Vault ACL HCL (or JSON).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy \"{policy}\", line {line}, column {column}: {message}")]
pub struct PolicyError {
    /// The policy's name (or the file it was read from).
    pub policy: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    pub message: String,
}
