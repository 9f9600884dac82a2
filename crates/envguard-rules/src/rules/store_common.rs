//! What the `SEC.*` rules share: where a store fact is shown, and whether a
//! policy path glob reaches a path.
//!
//! The glob matcher is written here rather than taken from `globset` because
//! it must read two dialects over one path space (shell globs of the
//! embedded store, Vault ACL paths with `+` and a trailing `*`) and answer
//! for paths that do not exist yet (a probe under a namespace).

use envguard_model::{GlobStyle, Location, Region, StoreFacts, StoreGrant, StorePolicy, Tier};

/// Whether `glob` matches `path` in `style`.
pub(crate) fn glob_matches(style: GlobStyle, glob: &str, path: &str) -> bool {
    match style {
        GlobStyle::Shell => shell(glob.as_bytes(), path.as_bytes()),
        GlobStyle::Vault => vault(glob, path),
    }
}

fn shell(g: &[u8], p: &[u8]) -> bool {
    match g {
        [] => p.is_empty(),
        [b'*', b'*', rest @ ..] => {
            let rest = rest.strip_prefix(b"/").unwrap_or(rest);
            (0..=p.len()).any(|i| shell(rest, &p[i..]))
        }
        [b'*', rest @ ..] => {
            let end = p.iter().position(|&c| c == b'/').unwrap_or(p.len());
            (0..=end).any(|i| shell(rest, &p[i..]))
        }
        [b'?', rest @ ..] => matches!(p.first(), Some(c) if *c != b'/') && shell(rest, &p[1..]),
        [c, rest @ ..] => p.first() == Some(c) && shell(rest, &p[1..]),
    }
}

fn vault(glob: &str, path: &str) -> bool {
    let (body, prefix) = match glob.strip_suffix('*') {
        Some(b) => (b, true),
        None => (glob, false),
    };
    let gs: Vec<&str> = body.split('/').collect();
    let ps: Vec<&str> = path.split('/').collect();
    if prefix {
        // The last glob segment is a prefix of the path's segment at that place.
        if ps.len() < gs.len() {
            return false;
        }
        let last = gs.len() - 1;
        gs.iter().zip(&ps).enumerate().all(|(i, (g, p))| {
            if i == last {
                p.starts_with(g)
            } else {
                *g == "+" || g == p
            }
        })
    } else {
        gs.len() == ps.len() && gs.iter().zip(&ps).all(|(g, p)| *g == "+" || g == p)
    }
}

/// The location a policy finding points at: its file and line, when known.
pub(crate) fn policy_location(p: &StorePolicy) -> Location {
    Location {
        path: p.source.clone(),
        region: Region::line(p.line.unwrap_or(1)),
    }
}

/// The location of something inside the store: `<source>/<path>`.
pub(crate) fn store_location(facts: &StoreFacts, path: &str) -> Location {
    Location {
        path: format!("{}/{}", facts.source.trim_end_matches('/'), path),
        region: Region::line(1),
    }
}

/// The prod paths a grant reaches: existing prod secrets it matches, or a
/// path under a prod namespace when it would match any new secret there.
pub(crate) fn prod_paths_reached<'f>(facts: &'f StoreFacts, g: &StoreGrant) -> Vec<&'f str> {
    let mut out: Vec<&str> = facts
        .secrets
        .iter()
        .filter(|s| {
            facts
                .environment(&s.environment)
                .is_some_and(|e| e.tier == Tier::Prod)
        })
        .filter(|s| glob_matches(g.style, &g.path, &s.path))
        .map(|s| s.path.as_str())
        .collect();
    if out.is_empty() {
        for e in facts.environments.iter().filter(|e| e.tier == Tier::Prod) {
            if let Some(ns) = &e.namespace {
                let probe = format!("{ns}envguard-probe/secret");
                if glob_matches(g.style, &g.path, &probe) {
                    out.push(ns.as_str());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_globs() {
        assert!(glob_matches(
            GlobStyle::Shell,
            "prod/**",
            "prod/db/password"
        ));
        assert!(glob_matches(GlobStyle::Shell, "prod/*", "prod/db"));
        assert!(!glob_matches(
            GlobStyle::Shell,
            "prod/*",
            "prod/db/password"
        ));
        assert!(glob_matches(GlobStyle::Shell, "*/db/*", "prod/db/password"));
        assert!(glob_matches(GlobStyle::Shell, "**", "prod/x"));
        assert!(!glob_matches(GlobStyle::Shell, "staging/**", "prod/x"));
        assert!(glob_matches(GlobStyle::Shell, "pro?/x", "prod/x"));
    }

    #[test]
    fn vault_paths() {
        assert!(glob_matches(
            GlobStyle::Vault,
            "secret/data/prod/*",
            "secret/data/prod/db"
        ));
        assert!(glob_matches(
            GlobStyle::Vault,
            "secret/data/+/db",
            "secret/data/prod/db"
        ));
        assert!(glob_matches(
            GlobStyle::Vault,
            "secret/*",
            "secret/data/prod/db"
        ));
        assert!(glob_matches(
            GlobStyle::Vault,
            "secret/data/pr*",
            "secret/data/prod/db"
        ));
        assert!(!glob_matches(
            GlobStyle::Vault,
            "secret/data/staging/*",
            "secret/data/prod/db"
        ));
        assert!(!glob_matches(
            GlobStyle::Vault,
            "secret/data/+",
            "secret/data/prod/db"
        ));
    }
}
