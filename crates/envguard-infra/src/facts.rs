//! Facts of one key/value leaf, for every format.

use crate::cidr::Cidr;
use crate::tokens::{is_ignored_key, tokens, TokenKind};
use crate::{
    is_account_key, is_allow_list_key, is_env_tag_key, is_network_key, is_tag_map, InfraFacts,
    NetRule, Network, Ports, Tag, Token,
};
use envguard_model::{Fact, Region, ValueOrigin};

/// Infra facts of a structured file other than HCL (YAML, JSON, TOML, dotenv,
/// properties), from its extracted facts.
pub fn from_facts(facts: &[Fact]) -> InfraFacts {
    let mut out = InfraFacts::default();
    for f in facts {
        // A base64-decoded value has no position of its own in the text.
        let exact = f.origin == ValueOrigin::Plain && f.region.start_line == f.region.end_line;
        classify_leaf(&mut out, &f.key, &f.value, f.region, exact, None);
    }
    out.dedup();
    out
}

/// Sorts one leaf into tokens, tags, networks or allow rules.
///
/// `exact`: the region spans the value as written on one line, so a token's
/// columns can be narrowed to the token itself.
pub(crate) fn classify_leaf(
    out: &mut InfraFacts,
    key_path: &str,
    value: &str,
    region: Region,
    exact: bool,
    resource: Option<&str>,
) {
    let segments: Vec<&str> = key_path.split('.').collect();
    let Some(name_at) = segments
        .iter()
        .rposition(|s| !s.bytes().all(|b| b.is_ascii_digit()))
    else {
        return;
    };
    let name = segments[name_at];
    let parents = &segments[..name_at];
    if is_ignored_key(name)
        || parents.iter().any(|p| {
            matches!(
                *p,
                "mock_outputs" | "description" | "annotations" | "generate"
            )
        })
    {
        return;
    }
    if is_env_tag_key(name) && parents.iter().any(|p| is_tag_map(p)) {
        if !value.is_empty() && value.len() <= 64 && !value.contains(char::is_whitespace) {
            out.tags.push(Tag {
                key: key_path.to_owned(),
                value: value.to_owned(),
                region,
            });
        }
        return;
    }
    if name == "namespace" && parents.last() == Some(&"metadata") {
        out.tags.push(Tag {
            key: key_path.to_owned(),
            value: value.to_owned(),
            region,
        });
        return;
    }
    let narrow = |text: &str, at: usize| -> Region {
        if exact && value.is_ascii() {
            Region::new(
                region.start_line,
                region.start_column + at as u32,
                region.end_line,
                region.start_column + (at + text.len()) as u32,
            )
        } else {
            region
        }
    };
    // A Kubernetes NetworkPolicy: `spec.ingress[].from[].ipBlock.cidr`.
    let in_ingress = parents.iter().any(|p| p.eq_ignore_ascii_case("ingress"));
    // A CIDR list inside rules (`ingress = { ssh = { cidr_blocks = [...] } }`,
    // firewall rule files) admits or sends traffic; it does not define a network.
    // Outbound rules admit nothing.
    if parents
        .iter()
        .any(|p| p.to_ascii_lowercase().contains("egress"))
        && in_rules_word(name, parents)
    {
        return;
    }
    let in_rules = parents.iter().any(|p| {
        let p = p.to_ascii_lowercase();
        [
            "ingress",
            "egress",
            "rule",
            "security_group",
            "firewall",
            "allow",
        ]
        .iter()
        .any(|w| p.contains(w))
    });
    if (name == "cidr" && parents.last() == Some(&"ipBlock") && in_ingress)
        || is_allow_list_key(name)
        || (in_rules && is_network_key(name))
    {
        tokens(value, |k, t, at| {
            if k == TokenKind::Cidr {
                out.net_rules.push(NetRule {
                    resource: key_path.to_owned(),
                    cidr: t.to_owned(),
                    ports: Ports::Unknown,
                    region: narrow(t, at),
                });
            }
        });
        return;
    }
    if is_network_key(name) {
        tokens(value, |k, t, at| {
            if k == TokenKind::Cidr {
                out.networks.push(Network {
                    cidr: t.to_owned(),
                    key: key_path.to_owned(),
                    region: narrow(t, at),
                });
            }
        });
        return;
    }
    // A credential's value is never a marker (and must never be printed).
    let lower = name.to_ascii_lowercase();
    if [
        "password",
        "passwd",
        "token",
        "apikey",
        "api_key",
        "private_key",
        "credentials",
        "secret",
        "secret_key",
        "access_key",
    ]
    .iter()
    .any(|w| lower.ends_with(w))
    {
        return;
    }
    let account_key = is_account_key(name);
    tokens(value, |k, t, at| {
        // A bare CIDR under another key is an address the file points at.
        if k == TokenKind::Cidr && Cidr::parse(t).is_some_and(|c| c.prefix < 8) {
            return;
        }
        let (kind, def) = match k {
            TokenKind::Account => (k, account_key),
            TokenKind::Name if account_key => (TokenKind::Account, true),
            _ => (k, false),
        };
        out.tokens.push(Token {
            kind,
            text: t.to_owned(),
            key: key_path.to_owned(),
            region: narrow(t, at),
            def,
            resource: resource.map(str::to_owned),
        });
    });
}

/// A CIDR-valued key (under any parent), the kind rules are made of.
fn in_rules_word(name: &str, _parents: &[&str]) -> bool {
    is_allow_list_key(name) || is_network_key(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(key: &str, value: &str, line: u32) -> Fact {
        Fact {
            key: key.into(),
            name_start: 0,
            value: value.into(),
            region: Region::new(line, 10, line, 10 + value.chars().count() as u32),
            origin: ValueOrigin::Plain,
        }
    }

    #[test]
    fn leaves_sort_into_tokens_tags_networks_and_rules() {
        let f = from_facts(&[
            fact(
                "DATABASE_URL",
                "postgres://u:p@db.prod.acme.internal:5432/app",
                1,
            ),
            fact("metadata.labels.environment", "staging", 2),
            fact("metadata.namespace", "payments-staging", 3),
            fact("spec.ingress.0.from.0.ipBlock.cidr", "10.1.0.0/16", 4),
            fact("vpc_cidr", "10.2.0.0/16", 5),
            fact("description", "points at db.prod.acme.internal", 6),
            fact("account_id", "123456789012", 7),
            fact("allowed_cidrs.0", "10.9.0.0/16", 8),
        ]);
        assert_eq!(f.tokens.len(), 3, "{:?}", f.tokens);
        assert_eq!(f.tokens[0].text, "db.prod.acme.internal");
        assert_eq!(
            f.tokens[0].region.start_column,
            10 + "postgres://u:p@".len() as u32
        );
        assert!(f
            .tokens
            .iter()
            .any(|t| t.kind == TokenKind::Account && t.def));
        assert_eq!(f.tags.len(), 2);
        assert_eq!(f.net_rules.len(), 2);
        assert_eq!(f.networks.len(), 1);
    }
}
