//! Identity tokens in a configuration value: the host of a URL or connection
//! string, the account and resource of an ARN, an `s3://` bucket, a CIDR, a
//! bare host name or resource identifier.
//!
//! Written by hand: this is envguard's own notion of "what in this value names
//! a place", and it must stay allocation-light because it runs on every value
//! of every file.

use crate::cidr::Cidr;

/// What a token names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TokenKind {
    /// A DNS name (`db.prod.acme.internal`).
    Host,
    /// A cloud account id (AWS 12 digits).
    Account,
    /// A network (`10.2.0.0/16`).
    Cidr,
    /// A bucket, table, queue, key alias or other named resource.
    Name,
    /// A database: `host/dbname` from a connection URL.
    Database,
}

impl TokenKind {
    /// Every kind, in declaration order: `ALL[k as usize] == k`.
    pub const ALL: [TokenKind; 5] = [
        TokenKind::Host,
        TokenKind::Account,
        TokenKind::Cidr,
        TokenKind::Name,
        TokenKind::Database,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Host => "host",
            TokenKind::Account => "account",
            TokenKind::Cidr => "network",
            TokenKind::Name => "resource",
            TokenKind::Database => "database",
        }
    }
}

/// Keys (in lower case) whose values are code, documentation or images,
/// never an environment's identity (`source = "../../modules/prod-vpc"` is a
/// module path).
pub(crate) fn ignored_lower(n: &str) -> bool {
    matches!(
        n,
        "source"
            | "version"
            | "description"
            | "image"
            | "repository"
            | "chart"
            | "path"
            | "template"
            | "filename"
            | "file"
            | "comment"
            | "summary"
            | "title"
            | "help"
            | "message"
            | "doc"
            | "docs"
            | "readme"
            | "url_docs"
            | "schema"
            | "$schema"
    ) || n.ends_with("_file")
        || n.ends_with("_path")
        || n.ends_with("_description")
}

/// Keys (in lower case) whose values pick an entry from a provider's catalog
/// (a service plan, an instance type or class, a SKU, a size or tier) or label
/// a release (an image tag, a version): an environment word inside such a value
/// names the flavour, not an environment (`plan: redis-dev` is Cloud Foundry's
/// small Redis plan in any space, `t3.medium-prod-like` an instance type).
/// Written by hand: which keys hold catalog entries is envguard's judgement.
pub(crate) fn catalog_lower(n: &str) -> bool {
    const WORDS: &[&str] = &[
        "plan", "sku", "type", "class", "size", "tier", "flavor", "flavour", "edition", "tag",
        "version",
    ];
    // The key's last word (`service_plan`, `instanceType`, `vm-size`, `sku_name`).
    let last = n.rsplit(['_', '-']).next().unwrap_or(n);
    let head = n.rsplit_once(['_', '-']).map(|(h, _)| h);
    WORDS.contains(&last)
        // `sku_name`, `plan_name`, `tier_name`: the name of a catalog entry.
        || (last == "name"
            && head.is_some_and(|h| {
                WORDS.contains(&h.rsplit(['_', '-']).next().unwrap_or(h))
            }))
        // camelCase keys (`instanceType`, `servicePlan`, `nodeSize`) lower-cased.
        || [
            "instancetype",
            "instanceclass",
            "machinetype",
            "nodetype",
            "vmsize",
            "nodesize",
            "serviceplan",
            "skuname",
            "imagetag",
        ]
        .iter()
        .any(|w| n.ends_with(w))
}

/// A version label (`1.4.0-prod`, `v2.3-staging`, `2024.05.01-rc1`): digits
/// and dots first, whatever follows names a build, not an environment.
fn is_version(v: &str) -> bool {
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let digits = v
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    let core = &v[..digits];
    core.contains('.')
        && core.split('.').filter(|p| !p.is_empty()).count() >= 2
        && core.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && (digits == v.len() || matches!(v.as_bytes()[digits], b'-' | b'+' | b'_'))
}

/// Database URL schemes: their host/dbname is a database (002 §4.3).
fn is_db_scheme(scheme: &str) -> bool {
    matches!(
        scheme.to_ascii_lowercase().as_str(),
        "postgres"
            | "postgresql"
            | "mysql"
            | "mariadb"
            | "mongodb"
            | "mongodb+srv"
            | "redis"
            | "rediss"
            | "sqlserver"
            | "mssql"
            | "oracle"
            | "jdbc:postgresql"
            | "jdbc:mysql"
            | "jdbc:sqlserver"
            | "jdbc:oracle"
            | "jdbc:mariadb"
            | "amqp"
            | "amqps"
    )
}

/// Calls `f(kind, text, offset_in_value)` for every identity token in `value`.
pub fn tokens(value: &str, mut f: impl FnMut(TokenKind, &str, usize)) {
    let v = value.trim();
    let lead = value.len() - value.trim_start().len();
    if v.is_empty() || v.len() > 2048 {
        return;
    }
    // One URL, even with a host list (`mongodb://a:27017,b:27017/db`).
    let single_url = !v.contains(char::is_whitespace)
        && split_scheme(v).is_some_and(|(s, _)| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b':' | b'.' | b'-'))
        });
    // Several values in one string: `a.example.com,b.example.com`, CIDR lists.
    if !single_url && v.contains([',', ' ', ';']) {
        // Prose (`GOV.UK - Web`) rather than a list: a piece between separators
        // holds a space. Only URLs in it count.
        let prose = v
            .split([',', ';'])
            .any(|piece| piece.trim().contains(char::is_whitespace));
        if prose || split_scheme(v).is_some() {
            // A sentence or a command line: only URLs in it count.
            for (at, word) in split_words(v) {
                if split_scheme(word).is_some() {
                    one(word, lead + at, &mut f);
                }
            }
            return;
        }
        for (at, word) in split_words(v) {
            one(word, lead + at, &mut f);
        }
        return;
    }
    one(v, lead, &mut f);
}

/// `v.split_once("://")` without setting up a substring searcher for every
/// value: a scan for `:` followed by `//`.
fn split_scheme(v: &str) -> Option<(&str, &str)> {
    let b = v.as_bytes();
    let mut from = 0;
    while let Some(p) = b[from..].iter().position(|&c| c == b':') {
        let at = from + p;
        if b[at + 1..].starts_with(b"//") {
            return Some((&v[..at], &v[at + 3..]));
        }
        from = at + 1;
    }
    None
}

fn split_words(v: &str) -> impl Iterator<Item = (usize, &str)> {
    let base = v.as_ptr() as usize;
    v.split([',', ' ', ';', '\t', '\n'])
        .map(|w| w.trim_matches(|c: char| matches!(c, '"' | '\'' | '(' | ')' | '[' | ']')))
        .filter(|w| !w.is_empty())
        .map(move |w| (w.as_ptr() as usize - base, w))
}

fn one(v: &str, at: usize, f: &mut impl FnMut(TokenKind, &str, usize)) {
    if let Some(rest) = v.strip_prefix("arn:") {
        arn(rest, at + 4, f);
        return;
    }
    if let Some((scheme, rest)) = split_scheme(v) {
        url(scheme, rest, at + scheme.len() + 3, f);
        return;
    }
    if Cidr::parse(v).is_some() {
        f(TokenKind::Cidr, v, at);
        return;
    }
    if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) {
        f(TokenKind::Account, v, at);
        return;
    }
    if !is_identifier(v) || is_version(v) {
        return;
    }
    // `someone@domain`: an e-mail address or a cloud principal
    // (`serviceAccount:ci@acme-dev.iam.gserviceaccount.com`). The part before
    // the `@` is a person or a role, never an environment's identity; the domain
    // is a host (a GCP project in a service account's domain is one).
    if let Some(i) = v.rfind('@') {
        let domain = &v[i + 1..];
        if is_host(domain) {
            f(TokenKind::Host, domain, at + i + 1);
        }
        return;
    }
    // `host:port`, `alias/name`.
    let (head, _) = v.split_once(':').unwrap_or((v, ""));
    if is_host(head) {
        f(TokenKind::Host, head, at);
    } else if v.len() >= 4 && v.contains(['-', '_', '.', '/']) && !v.starts_with(['.', '/']) {
        f(TokenKind::Name, v, at);
    }
}

fn arn(rest: &str, at: usize, f: &mut impl FnMut(TokenKind, &str, usize)) {
    // partition:service:region:account:resource
    let mut parts = rest.splitn(5, ':');
    let (Some(_partition), Some(_service), Some(_region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return;
    };
    let acct_at = at + rest.find(account).unwrap_or(0);
    if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
        f(TokenKind::Account, account, acct_at);
    }
    // `bucket/*`, `table/name`, `alias/name`, `role/path/name`, `secret:name-AbCd`.
    let res_at = at + rest.len() - resource.len();
    let res = resource.trim_end_matches("/*").trim_end_matches('*');
    let name = match res.split_once(['/', ':']) {
        Some((kind, name))
            if matches!(
                kind,
                "table"
                    | "alias"
                    | "key"
                    | "secret"
                    | "function"
                    | "cluster"
                    | "db"
                    | "role"
                    | "repository"
                    | "stream"
                    | "parameter"
            ) =>
        {
            if kind == "alias" {
                res
            } else {
                name
            }
        }
        Some((bucket, _)) => bucket,
        None => res,
    };
    if name.len() >= 4 && is_identifier(name) {
        let off = res_at + resource.find(name).unwrap_or(0);
        f(TokenKind::Name, name, off);
    }
}

fn url(scheme: &str, rest: &str, at: usize, f: &mut impl FnMut(TokenKind, &str, usize)) {
    // userinfo@host:port/path?query
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host_start = authority.rfind('@').map(|i| i + 1).unwrap_or(0);
    let hostport = &authority[host_start..];
    // Several hosts (`mongodb://a:27017,b:27017/db`).
    let mut first_host: Option<&str> = None;
    let mut off = host_start;
    for hp in hostport.split(',') {
        let host = if hp.starts_with('[') {
            hp.split(']').next().map(|h| &h[1..]).unwrap_or("")
        } else {
            hp.split(':').next().unwrap_or("")
        };
        if scheme.eq_ignore_ascii_case("s3") || scheme.eq_ignore_ascii_case("gs") {
            if host.len() >= 3 && is_identifier(host) {
                f(TokenKind::Name, host, at + off);
            }
        } else if is_host(host) {
            f(TokenKind::Host, host, at + off);
            first_host.get_or_insert(host);
        }
        off += hp.len() + 1;
    }
    if let Some(host) = first_host {
        if is_db_scheme(scheme) {
            let path = &rest[authority_end..];
            let db = path
                .strip_prefix('/')
                .and_then(|p| p.split(['?', '/', '#']).next())
                .unwrap_or("");
            let mut id = String::with_capacity(host.len() + db.len() + 1);
            id.push_str(&host.to_ascii_lowercase());
            id.push('/');
            id.push_str(db);
            f(TokenKind::Database, &id, at + host_start);
        }
    }
}

/// Letters, digits and `-_.:/@` only, with at least one letter.
pub fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s.bytes().any(|b| b.is_ascii_alphabetic())
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'/' | b'@')
        })
}

/// A DNS name with at least two labels, a letter-only last label of 2+ chars,
/// and no label that is empty or too long. `localhost` and bare words are not.
pub fn is_host(s: &str) -> bool {
    if s.len() < 4 || s.len() > 253 || !s.contains('.') {
        return false;
    }
    let mut labels = s.split('.');
    let last = s.rsplit('.').next().unwrap_or("");
    if last.len() < 2 || !last.bytes().all(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    // File names are not hosts: `config.yaml`, `main.tf`.
    if crate::with_lower(last, |last| {
        matches!(
            last,
            "yaml"
                | "yml"
                | "json"
                | "tf"
                | "hcl"
                | "tfvars"
                | "txt"
                | "md"
                | "py"
                | "js"
                | "ts"
                | "go"
                | "rs"
                | "sh"
                | "sql"
                | "csv"
                | "env"
                | "pem"
                | "key"
                | "crt"
                | "zip"
                | "gz"
                | "tgz"
                | "jar"
                | "war"
                | "html"
                | "xml"
                | "properties"
                | "conf"
                | "cfg"
                | "ini"
                | "log"
                | "lock"
                | "tfstate"
                | "tpl"
                | "j2"
                | "rb"
                | "java"
                | "kt"
                | "cs"
                | "php"
        )
    }) {
        return false;
    }
    // Host names hold letters, digits and `-`; `_` only opens a service label
    // (`_dmarc`, `_sip._tcp`). `publisher_production.public.editions` is a table.
    labels.all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .enumerate()
                .all(|(i, b)| b.is_ascii_alphanumeric() || b == b'-' || (b == b'_' && i == 0))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(v: &str) -> Vec<(TokenKind, String)> {
        let mut out = Vec::new();
        tokens(v, |k, t, at| {
            if k != TokenKind::Database {
                assert_eq!(
                    &v[at..at + t.len()].to_ascii_lowercase(),
                    &t.to_ascii_lowercase(),
                    "{v}"
                );
            }
            out.push((k, t.to_owned()))
        });
        out
    }

    #[test]
    fn urls_connection_strings_and_arns() {
        assert_eq!(
            all("postgres://app:pw@db.prod.acme.internal:5432/orders?sslmode=require"),
            vec![
                (TokenKind::Host, "db.prod.acme.internal".into()),
                (TokenKind::Database, "db.prod.acme.internal/orders".into())
            ]
        );
        assert_eq!(
            all("arn:aws:s3:::acme-prod-data/*"),
            vec![(TokenKind::Name, "acme-prod-data".into())]
        );
        assert_eq!(
            all("arn:aws:kms:eu-west-1:123456789012:alias/acme-prod"),
            vec![
                (TokenKind::Account, "123456789012".into()),
                (TokenKind::Name, "alias/acme-prod".into())
            ]
        );
        assert_eq!(
            all("arn:aws:dynamodb:us-east-1:210987654321:table/terraform-lock-prod"),
            vec![
                (TokenKind::Account, "210987654321".into()),
                (TokenKind::Name, "terraform-lock-prod".into())
            ]
        );
        assert_eq!(
            all("s3://acme-prod-logs/app/"),
            vec![(TokenKind::Name, "acme-prod-logs".into())]
        );
    }

    #[test]
    fn version_labels_and_catalog_keys_are_not_names() {
        // A release label carries the build's channel, not an environment.
        assert!(all("1.4.0-prod").is_empty());
        assert!(all("v2.3-staging").is_empty());
        assert_eq!(
            all("billing-prod-1.4"),
            vec![(TokenKind::Name, "billing-prod-1.4".into())]
        );
        for k in [
            "plan",
            "service_plan",
            "instance_type",
            "instancetype",
            "sku_name",
            "vm_size",
            "node_type",
            "image_tag",
            "engine_version",
        ] {
            assert!(catalog_lower(k), "{k}");
        }
        for k in [
            "bucket",
            "db_host",
            "queue_name",
            "redis_url",
            "planner_url",
            "typesense_host",
        ] {
            assert!(!catalog_lower(k), "{k}");
        }
    }

    #[test]
    fn every_kind_sits_at_its_own_index() {
        for (i, k) in TokenKind::ALL.iter().enumerate() {
            assert_eq!(*k as usize, i, "{k:?}");
        }
    }

    #[test]
    fn emails_count_by_domain_and_tables_are_not_hosts() {
        // A person's address says nothing of an environment; its domain is a host.
        assert_eq!(
            all("research-and-development@justice.gov.uk"),
            vec![(TokenKind::Host, "justice.gov.uk".into())]
        );
        assert_eq!(
            all("serviceAccount:ci@acme-feedback-dev.iam.gserviceaccount.com"),
            vec![(
                TokenKind::Host,
                "acme-feedback-dev.iam.gserviceaccount.com".into()
            )]
        );
        // `schema_name.table`: underscores are not in host names.
        assert!(!is_host("publisher_production.public.editions"));
        assert!(is_host("_dmarc.acme.io"));
    }

    #[test]
    fn hosts_names_cidrs_and_prose() {
        assert_eq!(
            all("api.staging.acme.io:443"),
            vec![(TokenKind::Host, "api.staging.acme.io".into())]
        );
        assert_eq!(
            all("10.2.0.0/16"),
            vec![(TokenKind::Cidr, "10.2.0.0/16".into())]
        );
        assert_eq!(
            all("acme-prod-data"),
            vec![(TokenKind::Name, "acme-prod-data".into())]
        );
        assert!(all("config.yaml")
            .iter()
            .all(|(k, _)| *k != TokenKind::Host));
        assert!(all("This mirrors production closely, see the runbook").is_empty());
        // A display name is not a host.
        assert!(all("GOV.UK - Web").is_empty());
        assert!(all("prod").is_empty());
        assert_eq!(all("10.0.0.0/8, 172.16.0.0/12").len(), 2);
        assert_eq!(
            all("mongodb://a.prod.acme.io:27017,b.prod.acme.io:27017/app"),
            vec![
                (TokenKind::Host, "a.prod.acme.io".into()),
                (TokenKind::Host, "b.prod.acme.io".into()),
                (TokenKind::Database, "a.prod.acme.io/app".into())
            ]
        );
    }
}
