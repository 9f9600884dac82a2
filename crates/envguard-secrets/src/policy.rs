//! The role-based access policy of the embedded store (000 §4 least
//! privilege): role → the environment it belongs to → grants of path globs
//! and capabilities, per environment. Every store call is checked against it.
//!
//! ```toml
//! [roles.prod-operator]
//! environment = "prod"
//! grants = [{ environment = "prod", paths = ["**"], allow = ["read", "write", "rotate", "revoke"] }]
//!
//! [roles.billing-app]
//! environment = "prod"
//! grants = [{ environment = "prod", paths = ["billing/*"], allow = ["read"] }]
//! ```
//!
//! Globs are shell globs over the secret's name: `*` stays within one
//! `/`-separated segment, `**` crosses segments.

use crate::SecretsError;
use envguard_model::{GlobStyle, StoreCapability, StoreGrant, StorePolicy, Tier};
use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// What a role may do to a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Capability {
    Read,
    Write,
    Rotate,
    Revoke,
}

impl Capability {
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Read => "read",
            Capability::Write => "write",
            Capability::Rotate => "rotate",
            Capability::Revoke => "revoke",
        }
    }

    fn store_capability(self) -> StoreCapability {
        match self {
            Capability::Read => StoreCapability::Read,
            Capability::Write => StoreCapability::Write,
            Capability::Rotate => StoreCapability::Rotate,
            Capability::Revoke => StoreCapability::Delete,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    roles: BTreeMap<String, RawRole>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRole {
    environment: String,
    #[serde(default)]
    grants: Vec<RawGrant>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrant {
    environment: String,
    paths: Vec<String>,
    allow: Vec<Capability>,
}

/// One grant, its globs compiled.
#[derive(Debug, Clone)]
pub struct Grant {
    pub environment: String,
    pub paths: Vec<String>,
    matchers: Vec<GlobMatcher>,
    pub allow: Vec<Capability>,
}

/// A role and its grants.
#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    /// The environment whose people or workloads hold the role.
    pub environment: String,
    /// 1-based line of its table in the policy file.
    pub line: usize,
    pub grants: Vec<Grant>,
}

/// A loaded, validated policy file.
#[derive(Debug, Clone)]
pub struct Policy {
    pub path: String,
    pub roles: Vec<Role>,
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn find_line(text: &str, needle: &str) -> usize {
    text.find(needle).map_or(1, |o| line_col(text, o).0)
}

impl Policy {
    /// Reads and validates a policy file; any problem names the file, line and column.
    pub fn load(path: &Path) -> Result<Policy, SecretsError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SecretsError::file(path, format!("cannot read the policy file: {e}")))?;
        Policy::parse(&path.display().to_string(), &text)
    }

    pub fn parse(path: &str, text: &str) -> Result<Policy, SecretsError> {
        let perr = |offset: Option<usize>, message: String| {
            let (line, column) = offset.map_or((1, 1), |o| line_col(text, o));
            SecretsError::Policy {
                path: path.to_owned(),
                line,
                column,
                message,
            }
        };
        let raw: RawPolicy = toml::from_str(text).map_err(|e| {
            let msg = e.message().trim().to_owned();
            perr(e.span().map(|s| s.start), msg)
        })?;
        let mut roles = Vec::new();
        for (name, r) in raw.roles {
            let line = find_line(text, &format!("roles.{name}"));
            let at = |m: String| SecretsError::Policy {
                path: path.to_owned(),
                line,
                column: 1,
                message: m,
            };
            if r.environment.trim().is_empty() {
                return Err(at(format!("role `{name}`: `environment` is empty")));
            }
            let mut grants = Vec::new();
            for (i, g) in r.grants.into_iter().enumerate() {
                if g.paths.is_empty() {
                    return Err(at(format!("role `{name}`, grant {}: no paths", i + 1)));
                }
                let mut matchers = Vec::new();
                for p in &g.paths {
                    let glob = GlobBuilder::new(p)
                        .literal_separator(true)
                        .build()
                        .map_err(|e| {
                            at(format!("role `{name}`, grant {}: path {p:?}: {e}", i + 1))
                        })?;
                    matchers.push(glob.compile_matcher());
                }
                grants.push(Grant {
                    environment: g.environment,
                    paths: g.paths,
                    matchers,
                    allow: g.allow,
                });
            }
            roles.push(Role {
                name,
                environment: r.environment,
                line,
                grants,
            });
        }
        Ok(Policy {
            path: path.to_owned(),
            roles,
        })
    }

    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.name == name)
    }

    /// Whether `role` may do `cap` to `name` in `env`.
    pub fn allows(&self, role: &str, env: &str, name: &str, cap: Capability) -> bool {
        self.role(role).is_some_and(|r| {
            r.grants.iter().any(|g| {
                g.environment == env
                    && g.allow.contains(&cap)
                    && g.matchers.iter().any(|m| m.is_match(name))
            })
        })
    }

    /// Whether `role` holds `cap` on anything in `env`.
    pub fn allows_any(&self, role: &str, env: &str, cap: Capability) -> bool {
        self.role(role).is_some_and(|r| {
            r.grants
                .iter()
                .any(|g| g.environment == env && g.allow.contains(&cap))
        })
    }

    /// The roles as store-neutral facts: each grant's globs over the store's
    /// path space (`<env>/<glob>`).
    pub fn facts(&self) -> Vec<StorePolicy> {
        self.roles
            .iter()
            .map(|r| StorePolicy {
                name: r.name.clone(),
                environment: Some(r.environment.clone()),
                tier: Tier::of_alias(&r.environment),
                source: self.path.clone(),
                line: u32::try_from(r.line).ok(),
                rules: r
                    .grants
                    .iter()
                    .flat_map(|g| {
                        g.paths.iter().map(|p| StoreGrant {
                            path: format!("{}/{p}", g.environment),
                            style: GlobStyle::Shell,
                            capabilities: g.allow.iter().map(|c| c.store_capability()).collect(),
                        })
                    })
                    .collect(),
                prod_reach: None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const POLICY: &str = r#"
[roles.prod-operator]
environment = "prod"
grants = [{ environment = "prod", paths = ["**"], allow = ["read", "write", "rotate", "revoke"] }]

[roles.billing-app]
environment = "prod"
grants = [{ environment = "prod", paths = ["billing/*"], allow = ["read"] }]
"#;

    #[test]
    fn globs_and_capabilities_are_enforced() {
        let p = Policy::parse("p.toml", POLICY).unwrap();
        assert!(p.allows("billing-app", "prod", "billing/stripe", Capability::Read));
        assert!(!p.allows("billing-app", "prod", "billing/a/b", Capability::Read));
        assert!(!p.allows("billing-app", "prod", "billing/stripe", Capability::Write));
        assert!(!p.allows("billing-app", "staging", "billing/stripe", Capability::Read));
        assert!(p.allows("prod-operator", "prod", "a/b/c", Capability::Revoke));
        assert!(!p.allows("nobody", "prod", "a", Capability::Read));
    }

    #[test]
    fn a_syntax_error_names_file_line_and_column() {
        let e = Policy::parse(
            "p.toml",
            "[roles.x]\nenvironment = \"prod\"\ngrants = [{ paths = }]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("p.toml:3:"), "{e}");
    }

    #[test]
    fn an_unknown_capability_is_refused() {
        let e = Policy::parse(
            "p.toml",
            "[roles.x]\nenvironment = \"prod\"\ngrants = [{ environment = \"prod\", paths = [\"*\"], allow = [\"sudo\"] }]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("p.toml:3:") && e.contains("sudo"), "{e}");
    }

    #[test]
    fn facts_carry_the_environment_prefix() {
        let p = Policy::parse("p.toml", POLICY).unwrap();
        let f = p.facts();
        assert_eq!(f[0].name, "billing-app");
        assert_eq!(f[0].rules[0].path, "prod/billing/*");
        assert_eq!(f[0].line, Some(6));
    }
}
