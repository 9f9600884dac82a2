//! Vault/OpenBao ACL policies: parsing, path matching and evaluation.
//!
//! Written for envguard because no maintained crate evaluates Vault ACLs: the
//! question envguard asks ("can this staging policy read anything under
//! `secret/data/prod/`?") needs the server's matching and priority rules,
//! reproduced here from the Vault documentation, *Policies → Priority
//! matching* (<https://developer.hashicorp.com/vault/docs/concepts/policies#priority-matching>),
//! which OpenBao keeps (<https://openbao.org/docs/concepts/policies/>):
//!
//! - `*` is only a glob at the end of a path: a string-prefix match
//!   (`secret/data/prod*` matches `secret/data/production/db`);
//! - `+` as a whole segment matches exactly one segment (`secret/+/db`);
//! - when several patterns match a path, only the highest-priority one
//!   counts; `P1` is lower priority than `P2` when, in order: the first `+`
//!   or `*` occurs earlier in `P1`; `P1` ends in `*` and `P2` does not; `P1`
//!   has more `+` segments; `P1` is shorter; `P1` is lexicographically smaller;
//! - the same pattern in several policies of a token: the union of their
//!   capabilities;
//! - `deny` on the chosen pattern wins over every other capability.
//!
//! A templated segment (`secret/data/{{identity.entity.name}}/*`) is filled
//! in per token by the server; not knowing the token, envguard lets it match
//! any one segment, as `+` does (a grant it reports may be narrower on the
//! server, never wider).
//!
//! Parameter constraints (`allowed_parameters`, `required_parameters`,
//! wrapping TTLs) only narrow a grant; they are read and ignored, so a grant
//! reported here may be narrower on the server, never wider.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};
use hcl_edit::Span;
use serde::{Deserialize, Serialize};

use crate::error::PolicyError;

/// One ACL capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Capability {
    Create,
    Read,
    Update,
    Patch,
    Delete,
    List,
    Sudo,
    Deny,
    Subscribe,
    /// OpenBao: a recursive list.
    Scan,
}

impl Capability {
    pub const ALL: [Capability; 10] = [
        Capability::Create,
        Capability::Read,
        Capability::Update,
        Capability::Patch,
        Capability::Delete,
        Capability::List,
        Capability::Sudo,
        Capability::Deny,
        Capability::Subscribe,
        Capability::Scan,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Create => "create",
            Capability::Read => "read",
            Capability::Update => "update",
            Capability::Patch => "patch",
            Capability::Delete => "delete",
            Capability::List => "list",
            Capability::Sudo => "sudo",
            Capability::Deny => "deny",
            Capability::Subscribe => "subscribe",
            Capability::Scan => "scan",
        }
    }

    pub fn parse(s: &str) -> Option<Capability> {
        Capability::ALL.into_iter().find(|c| c.as_str() == s)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of capabilities.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Capabilities(u16);

impl Capabilities {
    pub const NONE: Capabilities = Capabilities(0);

    pub fn of(caps: &[Capability]) -> Capabilities {
        Capabilities(caps.iter().fold(0, |a, c| a | c.bit()))
    }
    pub fn contains(self, c: Capability) -> bool {
        self.0 & c.bit() != 0
    }
    pub fn insert(&mut self, c: Capability) {
        self.0 |= c.bit();
    }
    pub fn union(self, o: Capabilities) -> Capabilities {
        Capabilities(self.0 | o.0)
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL
            .into_iter()
            .filter(move |c| self.contains(*c))
    }
    /// Reads a secret (`read`; `list` only names keys and is not counted).
    pub fn reads(self) -> bool {
        self.contains(Capability::Read)
    }
    /// Changes or removes a secret: `create`, `update`, `patch` or `delete`.
    pub fn writes(self) -> bool {
        [
            Capability::Create,
            Capability::Update,
            Capability::Patch,
            Capability::Delete,
        ]
        .into_iter()
        .any(|c| self.contains(c))
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(Capability::as_str))
            .finish()
    }
}

impl Serialize for Capabilities {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Capabilities {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Capabilities::of(&Vec::<Capability>::deserialize(d)?))
    }
}

/// A policy path pattern (`secret/data/prod/*`, `secret/+/db`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PathPattern(String);

impl PathPattern {
    /// A pattern as written in a policy (a leading `/` is dropped, as Vault does).
    pub fn new(pattern: &str) -> PathPattern {
        PathPattern(pattern.trim_start_matches('/').to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Ends in the `*` glob.
    pub fn is_glob(&self) -> bool {
        self.0.ends_with('*')
    }

    fn body(&self) -> &str {
        self.0.strip_suffix('*').unwrap_or(&self.0)
    }

    fn plus_segments(&self) -> usize {
        self.0.split('/').filter(|s| *s == "+").count()
    }

    /// Byte offset of the first `+` segment or of the final `*`.
    fn first_wildcard(&self) -> Option<usize> {
        let mut offset = 0;
        for seg in self.0.split('/') {
            if seg == "+" {
                return Some(offset);
            }
            offset += seg.len() + 1;
        }
        self.is_glob().then(|| self.0.len() - 1)
    }

    /// True when the pattern matches `path` (a request path, no leading `/`).
    pub fn matches(&self, path: &str) -> bool {
        let path = path.trim_start_matches('/');
        let pat: Vec<&str> = self.body().split('/').collect();
        let mut segs = path.split('/');
        let glob = self.is_glob();
        for (i, p) in pat.iter().enumerate() {
            let Some(s) = segs.next() else {
                return false;
            };
            let last = i + 1 == pat.len();
            if last && glob {
                // `+` then `*` (`secret/+*`) reads as a `+` segment prefix of
                // anything; otherwise a string prefix of this segment.
                return is_any_segment(p) || s.starts_with(p);
            }
            if !is_any_segment(p) && *p != s {
                return false;
            }
        }
        segs.next().is_none()
    }

    /// Vault's priority order: `Greater` when `self` wins over `other`.
    pub fn priority_cmp(&self, other: &PathPattern) -> Ordering {
        // 1. the first wildcard later (none at all: latest) wins
        let w = |p: &PathPattern| p.first_wildcard().unwrap_or(usize::MAX);
        w(self)
            .cmp(&w(other))
            // 2. not ending in `*` wins
            .then_with(|| other.is_glob().cmp(&self.is_glob()))
            // 3. fewer `+` segments win
            .then_with(|| other.plus_segments().cmp(&self.plus_segments()))
            // 4. longer wins
            .then_with(|| self.0.len().cmp(&other.0.len()))
            // 5. lexicographically larger wins
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A `+` segment, or a templated one (`{{identity.entity.name}}`).
fn is_any_segment(seg: &str) -> bool {
    seg == "+" || (seg.contains("{{") && seg.contains("}}"))
}

/// One `path "…" { … }` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathRule {
    pub pattern: PathPattern,
    pub capabilities: Capabilities,
    /// 1-based line of the block in the policy text.
    pub line: usize,
}

/// A parsed ACL policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    pub rules: Vec<PathRule>,
}

/// Capabilities of the deprecated `policy = "…"` shorthand.
fn shorthand(s: &str) -> Option<Capabilities> {
    use Capability::*;
    Some(match s {
        "deny" => Capabilities::of(&[Deny]),
        "read" => Capabilities::of(&[Read, List]),
        "write" => Capabilities::of(&[Create, Read, Update, Patch, Delete, List]),
        "sudo" => Capabilities::of(&[Create, Read, Update, Patch, Delete, List, Sudo]),
        _ => return None,
    })
}

struct Lines<'a>(&'a str);

impl Lines<'_> {
    /// 1-based line and column of a byte offset.
    fn at(&self, offset: usize) -> (usize, usize) {
        let before = &self.0[..offset.min(self.0.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}

impl Policy {
    /// Parses a policy's HCL (or its JSON form, which Vault also accepts).
    /// Errors name the policy and the line and column.
    pub fn parse(name: &str, text: &str) -> Result<Policy, PolicyError> {
        let err = |line: usize, column: usize, message: String| PolicyError {
            policy: name.to_owned(),
            line,
            column,
            message,
        };
        if text.trim_start().starts_with('{') {
            return Policy::parse_json(name, text);
        }
        let body: Body = hcl_edit::parser::parse_body(text).map_err(|e| {
            let loc = e.location();
            err(loc.line(), loc.column(), e.message().to_owned())
        })?;
        let lines = Lines(text);
        let at = |span: Option<std::ops::Range<usize>>| lines.at(span.map_or(0, |s| s.start));
        let mut rules = Vec::new();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) if attr.key.as_str() == "name" => {}
                Structure::Attribute(attr) => {
                    let (l, c) = at(attr.span());
                    return Err(err(
                        l,
                        c,
                        format!("unknown key \"{}\" (only path blocks)", attr.key.as_str()),
                    ));
                }
                Structure::Block(block) => {
                    let (l, c) = at(block.span());
                    if block.ident.as_str() != "path" {
                        return Err(err(
                            l,
                            c,
                            format!("unknown block \"{}\" (only path)", block.ident.as_str()),
                        ));
                    }
                    let [label] = block.labels.as_slice() else {
                        return Err(err(l, c, "a path block takes one path".to_owned()));
                    };
                    let mut caps = Capabilities::NONE;
                    let mut seen = false;
                    for inner in block.body.iter() {
                        let Structure::Attribute(attr) = inner else {
                            continue;
                        };
                        let (l, c) = at(attr.value.span());
                        match attr.key.as_str() {
                            "capabilities" => {
                                seen = true;
                                let Expression::Array(items) = &attr.value else {
                                    return Err(err(
                                        l,
                                        c,
                                        "capabilities must be a list of strings".to_owned(),
                                    ));
                                };
                                for item in items.iter() {
                                    let (l, c) = at(item.span());
                                    let Expression::String(s) = item else {
                                        return Err(err(
                                            l,
                                            c,
                                            "a capability must be a string".to_owned(),
                                        ));
                                    };
                                    let cap = Capability::parse(s.as_str()).ok_or_else(|| {
                                        err(l, c, format!("unknown capability \"{}\"", s.as_str()))
                                    })?;
                                    caps.insert(cap);
                                }
                            }
                            "policy" => {
                                seen = true;
                                let Expression::String(s) = &attr.value else {
                                    return Err(err(l, c, "policy must be a string".to_owned()));
                                };
                                let more = shorthand(s.as_str()).ok_or_else(|| {
                                    err(l, c, format!("unknown policy \"{}\"", s.as_str()))
                                })?;
                                caps = caps.union(more);
                            }
                            _ => {}
                        }
                    }
                    if !seen {
                        return Err(err(
                            l,
                            c,
                            format!("path \"{}\" has no capabilities", label.as_str()),
                        ));
                    }
                    rules.push(PathRule {
                        pattern: PathPattern::new(label.as_str()),
                        capabilities: caps,
                        line: l,
                    });
                }
            }
        }
        Ok(Policy {
            name: name.to_owned(),
            rules,
        })
    }

    fn parse_json(name: &str, text: &str) -> Result<Policy, PolicyError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Doc {
            #[serde(default)]
            path: BTreeMap<String, Block>,
            #[serde(default)]
            #[allow(dead_code)]
            name: Option<String>,
        }
        #[derive(Deserialize)]
        struct Block {
            #[serde(default)]
            capabilities: Vec<String>,
            #[serde(default)]
            policy: Option<String>,
        }
        let err = |line: usize, column: usize, message: String| PolicyError {
            policy: name.to_owned(),
            line,
            column,
            message,
        };
        // serde_json counts a column 0 before a line's first character
        let doc: Doc = serde_json::from_str(text)
            .map_err(|e| err(e.line().max(1), e.column().max(1), e.to_string()))?;
        let mut rules = Vec::new();
        for (path, block) in doc.path {
            let mut caps = Capabilities::NONE;
            for c in &block.capabilities {
                caps.insert(
                    Capability::parse(c)
                        .ok_or_else(|| err(1, 1, format!("unknown capability \"{c}\"")))?,
                );
            }
            if let Some(p) = &block.policy {
                caps = caps.union(
                    shorthand(p).ok_or_else(|| err(1, 1, format!("unknown policy \"{p}\"")))?,
                );
            }
            rules.push(PathRule {
                pattern: PathPattern::new(&path),
                capabilities: caps,
                line: 1,
            });
        }
        Ok(Policy {
            name: name.to_owned(),
            rules,
        })
    }
}

/// The answer for one request path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Effective capabilities (empty when denied or unmatched).
    pub capabilities: Capabilities,
    /// The winning pattern, if any matched.
    pub pattern: Option<PathPattern>,
    /// The policies that hold the winning pattern.
    pub policies: Vec<String>,
    /// The winning pattern carries `deny`.
    pub denied: bool,
}

/// A path under a prefix that a set of policies grants something on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// An example request path under the prefix (wildcards filled in with
    /// [`PROBE_SEGMENT`]).
    pub path: String,
    pub capabilities: Capabilities,
    pub pattern: PathPattern,
    pub policies: Vec<String>,
}

/// The made-up segment that stands for "any name" in a [`Grant`]'s example path.
pub const PROBE_SEGMENT: &str = "envguard-any";

/// The policies attached to one token or role, merged as Vault merges them.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    /// Pattern → union of capabilities, and the policies that name it.
    rules: BTreeMap<PathPattern, (Capabilities, Vec<String>)>,
}

impl PolicySet {
    pub fn new<'a>(policies: impl IntoIterator<Item = &'a Policy>) -> PolicySet {
        let mut set = PolicySet::default();
        for p in policies {
            for r in &p.rules {
                let e = set
                    .rules
                    .entry(r.pattern.clone())
                    .or_insert((Capabilities::NONE, Vec::new()));
                e.0 = e.0.union(r.capabilities);
                if !e.1.contains(&p.name) {
                    e.1.push(p.name.clone());
                }
            }
        }
        set
    }

    /// What the set grants on `path` (a request path: `secret/data/prod/db`).
    pub fn capabilities(&self, path: &str) -> Decision {
        let best = self
            .rules
            .iter()
            .filter(|(p, _)| p.matches(path))
            .max_by(|a, b| a.0.priority_cmp(b.0));
        match best {
            None => Decision {
                capabilities: Capabilities::NONE,
                pattern: None,
                policies: Vec::new(),
                denied: false,
            },
            Some((pattern, (caps, policies))) => {
                let denied = caps.contains(Capability::Deny);
                Decision {
                    capabilities: if denied { Capabilities::NONE } else { *caps },
                    pattern: Some(pattern.clone()),
                    policies: policies.clone(),
                    denied,
                }
            }
        }
    }

    /// Every pattern through which the set grants something on some path
    /// beginning with `prefix` (`secret/data/prod/`), with an example path.
    ///
    /// Each pattern that can match a path under the prefix is instantiated
    /// into example paths (`+` and the `*` glob filled with a name no
    /// pattern spells out, one or two segments deep), and each example is
    /// evaluated with the full priority rules, so a more specific `deny`
    /// shadows a broad grant exactly as on the server.
    pub fn grants_under(&self, prefix: &str) -> Vec<Grant> {
        let prefix = prefix.trim_start_matches('/');
        let mut out: BTreeMap<PathPattern, Grant> = BTreeMap::new();
        // examples below the prefix first: the prefix itself is a folder,
        // a poor example of a secret
        let mut candidates: Vec<String> = Vec::new();
        for pattern in self.rules.keys() {
            candidates.extend(examples_under(pattern, prefix));
        }
        for tail in [PROBE_SEGMENT, "envguard-any/envguard-any", ""] {
            candidates.push(join_probe(prefix, tail));
        }
        candidates.push(prefix.to_owned());
        candidates.sort_by_key(|c| c == prefix);
        for path in candidates {
            if !path.starts_with(prefix) {
                continue;
            }
            let d = self.capabilities(&path);
            if let (false, Some(pattern)) = (d.capabilities.is_empty(), d.pattern) {
                out.entry(pattern.clone()).or_insert(Grant {
                    path,
                    capabilities: d.capabilities,
                    pattern,
                    policies: d.policies,
                });
            }
        }
        out.into_values().collect()
    }

    /// A grant of `read` on some path under `prefix`, if any.
    pub fn can_read_under(&self, prefix: &str) -> Option<Grant> {
        self.grants_under(prefix)
            .into_iter()
            .find(|g| g.capabilities.reads())
    }

    /// A grant of `create`/`update`/`patch`/`delete` under `prefix`, if any.
    pub fn can_write_under(&self, prefix: &str) -> Option<Grant> {
        self.grants_under(prefix)
            .into_iter()
            .find(|g| g.capabilities.writes())
    }
}

fn join_probe(prefix: &str, tail: &str) -> String {
    if prefix.is_empty() || prefix.ends_with('/') || tail.is_empty() {
        format!("{prefix}{tail}")
    } else {
        format!("{prefix}/{tail}")
    }
}

/// Example paths under `prefix` that `pattern` matches: the pattern's
/// segments unified with the prefix's (a `+` takes the prefix's segment or
/// the probe name), then, for a glob, the rest filled in a few ways.
fn examples_under(pattern: &PathPattern, prefix: &str) -> Vec<String> {
    let pre: Vec<&str> = prefix.split('/').collect();
    let body: Vec<&str> = pattern.body().split('/').collect();
    let mut segs: Vec<String> = Vec::with_capacity(body.len().max(pre.len()));
    for (i, p) in body.iter().enumerate() {
        let last_body = i + 1 == body.len();
        let pre_seg = pre.get(i).copied();
        let pre_full = i + 1 < pre.len(); // a whole segment of the prefix
        let any = is_any_segment(p);
        let seg = match (*p, pre_seg) {
            (_, Some(s)) if any && pre_full => s.to_owned(),
            (_, Some(s)) if any => format!("{s}{PROBE_SEGMENT}"),
            (_, None) if any => PROBE_SEGMENT.to_owned(),
            (lit, Some(s)) if pre_full => {
                if lit == s || (last_body && pattern.is_glob() && s.starts_with(lit)) {
                    s.to_owned()
                } else {
                    return Vec::new();
                }
            }
            (lit, Some(s)) => {
                // the prefix's last, partial segment
                if lit.starts_with(s) {
                    lit.to_owned()
                } else if last_body && pattern.is_glob() && s.starts_with(lit) {
                    s.to_owned()
                } else {
                    return Vec::new();
                }
            }
            (lit, None) => lit.to_owned(),
        };
        segs.push(seg);
    }
    let base = segs.join("/");
    if !pattern.is_glob() {
        return vec![base];
    }
    // The glob: what is left of the prefix, then zero, one or two more segments.
    let rest = if pre.len() > body.len() {
        let tail = pre[body.len()..].join("/");
        format!("{base}/{tail}")
    } else {
        base
    };
    let mut out = vec![rest.clone()];
    for tail in [PROBE_SEGMENT, "envguard-any/envguard-any"] {
        out.push(format!("{rest}{tail}"));
        out.push(join_probe(&rest, tail));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(s: &str) -> PathPattern {
        PathPattern::new(s)
    }

    #[test]
    fn glob_and_segment_wildcards() {
        assert!(pat("secret/data/prod/*").matches("secret/data/prod/db"));
        assert!(pat("secret/data/prod/*").matches("secret/data/prod/a/b"));
        assert!(!pat("secret/data/prod/*").matches("secret/data/staging/db"));
        assert!(pat("secret/data/prod*").matches("secret/data/production/db"));
        assert!(pat("secret/+/db").matches("secret/prod/db"));
        assert!(!pat("secret/+/db").matches("secret/prod/x/db"));
        assert!(!pat("secret/+/db").matches("secret/prod/db/x"));
        assert!(pat("secret/data/prod/db").matches("secret/data/prod/db"));
        assert!(!pat("secret/data/prod/db").matches("secret/data/prod/db2"));
        assert!(pat("secret/+/prod/*").matches("secret/data/prod/db"));
    }

    #[test]
    fn priority_follows_the_vault_documentation() {
        // The documented example: `secret/+/foo/*` loses to `secret/foo/*`?
        // No wildcard at all beats any glob.
        let order = |a: &str, b: &str| pat(a).priority_cmp(&pat(b));
        assert_eq!(order("secret/foo", "secret/*"), Ordering::Greater);
        assert_eq!(order("secret/foo/*", "secret/*"), Ordering::Greater);
        assert_eq!(order("secret/+/bar", "secret/*"), Ordering::Greater);
        assert_eq!(order("secret/foo/+", "secret/foo/*"), Ordering::Greater);
        assert_eq!(order("secret/+/+/baz", "secret/+/bar/baz"), Ordering::Less);
        assert_eq!(order("secret/*", "secret/*"), Ordering::Equal);
    }

    const STAGING: &str = r#"
# staging application
path "secret/data/staging/*" {
  capabilities = ["read", "list"]
}
path "secret/data/prod/*" {
  capabilities = ["read"]
}
"#;

    #[test]
    fn parse_and_evaluate() {
        let p = Policy::parse("staging-app", STAGING).expect("parses");
        assert_eq!(p.rules.len(), 2);
        assert_eq!(p.rules[1].line, 6);
        let set = PolicySet::new([&p]);
        let d = set.capabilities("secret/data/prod/db");
        assert!(d.capabilities.reads());
        assert_eq!(d.policies, vec!["staging-app".to_owned()]);
        let g = set
            .can_read_under("secret/data/prod/")
            .expect("reaches prod");
        assert_eq!(g.pattern.as_str(), "secret/data/prod/*");
        assert!(set.can_write_under("secret/data/prod/").is_none());
    }

    #[test]
    fn deny_on_the_more_specific_pattern_wins() {
        let a = Policy::parse(
            "broad",
            r#"path "secret/*" { capabilities = ["read", "update"] }"#,
        )
        .expect("parses");
        let b = Policy::parse(
            "fence",
            r#"path "secret/data/prod/*" { capabilities = ["deny"] }"#,
        )
        .expect("parses");
        let set = PolicySet::new([&a, &b]);
        assert!(set.capabilities("secret/data/prod/db").denied);
        assert!(set.can_read_under("secret/data/prod/").is_none());
        assert!(set.can_read_under("secret/data/staging/").is_some());
    }

    #[test]
    fn deny_on_a_broader_pattern_does_not_shadow_a_specific_grant() {
        let p = Policy::parse(
            "mixed",
            r#"
path "secret/*" { capabilities = ["deny"] }
path "secret/data/prod/db" { capabilities = ["read"] }
"#,
        )
        .expect("parses");
        let set = PolicySet::new([&p]);
        let g = set
            .can_read_under("secret/data/prod/")
            .expect("the exact path");
        assert_eq!(g.path, "secret/data/prod/db");
    }

    #[test]
    fn same_pattern_in_two_policies_is_a_union_and_deny_wins() {
        let a = Policy::parse("a", r#"path "kv/x" { capabilities = ["read"] }"#).expect("a");
        let b = Policy::parse("b", r#"path "kv/x" { capabilities = ["update"] }"#).expect("b");
        let c = Policy::parse("c", r#"path "kv/x" { capabilities = ["deny"] }"#).expect("c");
        let d = PolicySet::new([&a, &b]).capabilities("kv/x");
        assert!(d.capabilities.reads() && d.capabilities.writes());
        assert_eq!(d.policies, vec!["a".to_owned(), "b".to_owned()]);
        assert!(PolicySet::new([&a, &b, &c]).capabilities("kv/x").denied);
    }

    #[test]
    fn plus_wildcard_reaches_prod_through_an_environment_segment() {
        let p = Policy::parse(
            "any-env-reader",
            r#"path "secret/data/+/db" { capabilities = ["read"] }"#,
        )
        .expect("parses");
        let set = PolicySet::new([&p]);
        let g = set.can_read_under("secret/data/prod/").expect("reaches");
        assert_eq!(g.path, "secret/data/prod/db");
        // a look-alike that stays in staging
        let q = Policy::parse(
            "staging-only",
            r#"path "secret/data/staging/+" { capabilities = ["read"] }"#,
        )
        .expect("parses");
        assert!(PolicySet::new([&q])
            .can_read_under("secret/data/prod/")
            .is_none());
    }

    #[test]
    fn a_templated_segment_may_be_any_environment() {
        let p = Policy::parse(
            "per-entity",
            r#"path "secret/data/{{identity.entity.metadata.env}}/*" { capabilities = ["read"] }"#,
        )
        .expect("parses");
        let g = PolicySet::new([&p])
            .can_read_under("secret/data/prod/")
            .expect("may reach prod");
        assert_eq!(g.path, "secret/data/prod/envguard-any");
        let q = Policy::parse(
            "per-entity-staging",
            r#"path "secret/data/staging/{{identity.entity.name}}/*" { capabilities = ["read"] }"#,
        )
        .expect("parses");
        assert!(PolicySet::new([&q])
            .can_read_under("secret/data/prod/")
            .is_none());
    }

    #[test]
    fn prefix_glob_reaches_a_longer_environment_name() {
        let p = Policy::parse(
            "p",
            r#"path "secret/data/pro*" { capabilities = ["read"] }"#,
        )
        .expect("parses");
        assert!(PolicySet::new([&p])
            .can_read_under("secret/data/prod/")
            .is_some());
    }

    #[test]
    fn syntax_errors_name_policy_line_and_column() {
        let e = Policy::parse(
            "broken",
            "path \"secret/*\" {\n  capabilities = [\"read\"\n",
        )
        .expect_err("unclosed");
        assert_eq!(e.policy, "broken");
        assert!(e.line >= 2, "{e}");
        let e = Policy::parse(
            "typo",
            "path \"secret/*\" {\n  capabilities = [\"raed\"]\n}\n",
        )
        .expect_err("unknown capability");
        assert_eq!((e.line, e.column), (2, 19));
        assert!(e.to_string().contains("policy \"typo\", line 2, column 19"));
        let e = Policy::parse("key", "paths \"x\" {}\n").expect_err("unknown block");
        assert!(e.message.contains("paths"));
    }

    #[test]
    fn json_errors_have_a_column_of_at_least_one() {
        // found by the fuzz target: a control character right after a newline
        let e = Policy::parse("fuzz", "{\"path\": {\"a\n\": {}}}").expect_err("bad json");
        assert_eq!((e.line, e.column), (2, 1), "{e}");
    }

    #[test]
    fn json_form_and_shorthand() {
        let p = Policy::parse(
            "json",
            r#"{"path": {"secret/data/prod/*": {"capabilities": ["read"]}, "old/*": {"policy": "write"}}}"#,
        )
        .expect("parses");
        let set = PolicySet::new([&p]);
        assert!(set.capabilities("secret/data/prod/x").capabilities.reads());
        assert!(set.capabilities("old/x").capabilities.writes());
    }
}
