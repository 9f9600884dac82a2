//! Facts of one key/value leaf, for every format.

use crate::cidr::Cidr;
use crate::tokens::{tokens, TokenKind};
use crate::{
    contains_ci, is_account_key, is_env_tag_key, is_tag_map, InfraFacts, NetRule, Network, Ports,
    Tag, Token,
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
    // The key's own name is its last segment that is not a list index; the
    // segments before it are its parents (walked without collecting them).
    let mut end = key_path.len();
    let (name, parents_path) = loop {
        let start = key_path[..end].rfind('.').map_or(0, |i| i + 1);
        let seg = &key_path[start..end];
        if !seg.bytes().all(|b| b.is_ascii_digit()) {
            break (seg, key_path[..start].trim_end_matches('.'));
        }
        if start == 0 {
            return;
        }
        end = start - 1;
    };
    crate::with_lower(name, |lname| {
        classify_named(
            out,
            key_path,
            name,
            lname,
            parents_path,
            value,
            region,
            exact,
            resource,
        )
    });
}

/// [`classify_leaf`] once the key's name (and its lower case) is known.
#[allow(clippy::too_many_arguments)]
fn classify_named(
    out: &mut InfraFacts,
    key_path: &str,
    name: &str,
    lname: &str,
    parents_path: &str,
    value: &str,
    region: Region,
    exact: bool,
    resource: Option<&str>,
) {
    let parents = || parents_path.split('.').filter(|p| !p.is_empty());
    let last_parent = parents().next_back();
    if crate::tokens::ignored_lower(lname)
        || crate::tokens::catalog_lower(lname)
        || parents().any(|p| {
            matches!(
                p,
                "mock_outputs" | "description" | "annotations" | "generate"
            )
        })
    {
        return;
    }
    if is_env_tag_key(name) && parents().any(is_tag_map) {
        if !value.is_empty() && value.len() <= 64 && !value.contains(char::is_whitespace) {
            out.tags.push(Tag {
                key: key_path.to_owned(),
                value: value.to_owned(),
                region,
            });
        }
        return;
    }
    if name == "namespace" && last_parent == Some("metadata") {
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
    let in_ingress = parents().any(|p| p.eq_ignore_ascii_case("ingress"));
    // A CIDR list inside rules (`ingress = { ssh = { cidr_blocks = [...] } }`,
    // firewall rule files) admits or sends traffic; it does not define a network.
    // Outbound rules admit nothing.
    let allow_key = crate::allow_list_lower(lname);
    let network_key = !allow_key && crate::network_lower(lname);
    if (allow_key || network_key) && parents().any(|p| contains_ci(p, "egress")) {
        return;
    }
    let in_rules = || {
        parents().any(|p| {
            [
                "ingress",
                "egress",
                "rule",
                "security_group",
                "firewall",
                "allow",
            ]
            .iter()
            .any(|w| contains_ci(p, w))
        })
    };
    if (name == "cidr" && last_parent == Some("ipBlock") && in_ingress)
        || allow_key
        || (network_key && in_rules())
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
    if network_key {
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
    // People and chat: a Slack channel, a team, a contact or on-call rota is named
    // for the people behind it (`hmpps_dev` is the developers' channel), never an
    // environment's infrastructure.
    if is_people_key(lname) {
        return;
    }
    // A credential's value is never a marker (and must never be printed).
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
    .any(|w| lname.ends_with(w))
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

/// Keys (in lower case) whose values name people, teams or chat channels.
fn is_people_key(k: &str) -> bool {
    [
        "slack",
        "channel",
        "team",
        "contact",
        "maintainer",
        "author",
        "oncall",
        "on_call",
        "pagerduty",
        "opsgenie",
        "escalation",
        "reviewer",
        "approver",
        "assignee",
    ]
    .iter()
    .any(|w| crate::has(k, w))
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
        // People and chat channels are named for people, not infrastructure.
        let people = from_facts(&[
            fact("slack_channel", "hmpps_dev", 1),
            fact("team_name", "laa-ccms-staging-api-admin", 2),
            fact("peer_owner_id", "203980964141", 3),
        ]);
        assert_eq!(people.tokens.len(), 1, "{:?}", people.tokens);
        assert_eq!(people.tokens[0].kind, TokenKind::Account);
        // A catalog entry (a Cloud Foundry plan, an instance type, a SKU) is no
        // identity; the service instance bound next to it is.
        let cf = from_facts(&[
            fact("applications.0.services.0", "publisher-redis-dev", 1),
            fact("service_plan", "redis-dev", 2),
            fact("plan", "redis-dev", 3),
            fact("instance_type", "t3.medium-prod-like", 4),
            fact("sku_name", "premium-prod", 5),
        ]);
        assert_eq!(cf.tokens.len(), 1, "{:?}", cf.tokens);
        assert_eq!(cf.tokens[0].text, "publisher-redis-dev");
        assert_eq!(f.net_rules.len(), 2);
        assert_eq!(f.networks.len(), 1);
    }
}
