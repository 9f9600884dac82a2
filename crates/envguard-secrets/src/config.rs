//! The `[secrets]` section of `envguard.toml`: which store, where, the
//! policy file, and per secret its kind, generator, consumers and the
//! validation and health commands of a rotation.
//!
//! ```toml
//! [secrets]
//! backend = "embedded"
//! dir = ".envguard/secrets"
//! policy = "secrets-policy.toml"
//! rollback_plan = "docs/runbooks/secret-rollback.md"
//!
//! [[secrets.secret]]
//! environment = "prod"
//! name = "db/password"
//! kind = "password"
//! generator = { type = "random", length = 32, charset = "alphanumeric" }
//! consumers = ["billing-api", "worker"]
//! validate = "scripts/check-db-login"
//! health = "scripts/health billing-api"
//! ```

use envguard_model::SecretKind;
use serde::Deserialize;

/// The store implementation.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    #[default]
    Embedded,
    Openbao,
}

/// `[secrets]`.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsConfig {
    #[serde(default)]
    pub backend: BackendKind,
    /// The embedded store's directory (default `.envguard/secrets`).
    pub dir: Option<String>,
    /// The role policy file (required for every call but `init`).
    pub policy: Option<String>,
    /// 003 §5: the rollback plan a rotation refers to (a file that must exist).
    pub rollback_plan: Option<String>,
    /// Standard rotation period in days (003 §4: 90).
    #[serde(default = "default_rotation_days")]
    pub rotation_days: u32,
    /// Days before the due date from which a secret is reported as due soon.
    #[serde(default = "default_due_soon_days")]
    pub due_soon_days: u32,
    /// Seconds a rotation's validation or health command may run.
    #[serde(default = "default_command_timeout")]
    pub command_timeout_s: u64,
    /// The secrets envguard rotates: the service inventory of 003 §5.
    #[serde(default)]
    pub secret: Vec<SecretSpec>,
    /// `[secrets.openbao]`: where each environment's secrets live on the server.
    #[serde(default)]
    pub openbao: OpenbaoConfig,
}

/// `[secrets.openbao]`: the layout of the secrets on a Vault/OpenBao server
/// (address, token and namespace come from the environment: `BAO_ADDR` /
/// `VAULT_ADDR`, `BAO_TOKEN` / `VAULT_TOKEN`, `BAO_NAMESPACE` / `VAULT_NAMESPACE`).
///
/// ```toml
/// [secrets.openbao]
/// mount = "secret"          # or a KV v2 mount per environment: "kv-{env}"
/// path = "{env}/{name}"     # or "{name}" with a mount per environment
/// audit_log = "/var/log/openbao/audit.log"   # optional: the file audit device's log, as envguard reads it
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenbaoConfig {
    /// The KV v2 mount; `{env}` is replaced by the environment.
    #[serde(default = "default_mount")]
    pub mount: String,
    /// The secret's path inside the mount; ends with `{name}`.
    #[serde(default = "default_path")]
    pub path: String,
    /// The file of a `file` audit device, where envguard counts reads of an
    /// old version after a cutover (003 §6 step 5). Without it, the file of
    /// an enabled `file` audit device when this machine can read it.
    pub audit_log: Option<String>,
}

impl Default for OpenbaoConfig {
    fn default() -> Self {
        OpenbaoConfig {
            mount: default_mount(),
            path: default_path(),
            audit_log: None,
        }
    }
}

fn default_mount() -> String {
    "secret".to_owned()
}
fn default_path() -> String {
    "{env}/{name}".to_owned()
}

fn default_rotation_days() -> u32 {
    90
}
fn default_due_soon_days() -> u32 {
    14
}
fn default_command_timeout() -> u64 {
    120
}

/// `[[secrets.secret]]`: one secret's inventory entry.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSpec {
    pub environment: String,
    pub name: String,
    #[serde(default)]
    pub kind: SecretKind,
    pub generator: Generator,
    /// Services that use it (003 §6 step 1).
    #[serde(default)]
    pub consumers: Vec<String>,
    /// Run with the new value on stdin during dual-run; must exit 0.
    pub validate: Option<String>,
    /// Run with the new value on stdin after cutover; must exit 0.
    pub health: Option<String>,
    /// 003 §5: the maintenance window, when the rotation needs one.
    pub maintenance_window: Option<String>,
}

/// Letters a random secret is drawn from.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Charset {
    Alphanumeric,
    Hex,
    /// URL-safe base64 letters (`A-Z a-z 0-9 - _`).
    Base64url,
    /// Printable ASCII without space, quotes and backslash.
    Printable,
}

impl Charset {
    pub fn letters(self) -> &'static [u8] {
        match self {
            Charset::Alphanumeric => {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
            }
            Charset::Hex => b"0123456789abcdef",
            Charset::Base64url => {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            }
            Charset::Printable => {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&()*+,-./:;<=>?@[]^_{|}~"
            }
        }
    }
}

/// An approved generator (003 §6 step 2).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Generator {
    /// `length` letters of `charset`, from the operating system's CSPRNG.
    Random { length: usize, charset: Charset },
    /// An Ed25519 key pair; the value is the PKCS#8 PEM private key.
    Ed25519,
    /// A command (a provider's API) that prints the new value on stdout.
    Command { command: String },
}

impl SecretsConfig {
    pub fn spec(&self, env: &str, name: &str) -> Option<&SecretSpec> {
        self.secret
            .iter()
            .find(|s| s.environment == env && s.name == name)
    }
}

/// The JSON Schema of the `[secrets]` section, generated from these types.
#[cfg(feature = "schema")]
pub fn secrets_schema() -> serde_json::Value {
    schemars::schema_for!(SecretsConfig).to_value()
}
