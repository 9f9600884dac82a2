//! Passwords inside connection strings.

use std::ops::Range;

fn trim_quotes(s: &str, r: Range<usize>) -> Range<usize> {
    let b = s.as_bytes();
    let (mut a, mut e) = (r.start, r.end);
    while a < e && b[a].is_ascii_whitespace() {
        a += 1;
    }
    while e > a && b[e - 1].is_ascii_whitespace() {
        e -= 1;
    }
    if e - a >= 2 && matches!(b[a], b'"' | b'\'') && b[e - 1] == b[a] {
        a += 1;
        e -= 1;
    }
    a..e
}

/// `scheme://user:PASSWORD@host…` (also `mongodb+srv://`, `redis://:pw@…`,
/// `jdbc:mysql://…`). The authority ends at the first `/` or whitespace; the
/// user info ends at the last `@` inside it, so an unencoded `@` in a password
/// is kept.
fn url_password(v: &str) -> Option<Range<usize>> {
    let b = v.as_bytes();
    let mut from = 0;
    while let Some(rel) = v[from..].find("://") {
        let sep = from + rel;
        from = sep + 3;
        // A scheme must precede `://`.
        let scheme_ok = sep > 0 && b[sep - 1].is_ascii_alphanumeric();
        if !scheme_ok {
            continue;
        }
        let auth_start = sep + 3;
        let auth_end = b[auth_start..]
            .iter()
            .position(|&c| c == b'/' || c.is_ascii_whitespace() || c == b'"' || c == b'\'')
            .map_or(b.len(), |p| auth_start + p);
        let authority = &v[auth_start..auth_end];
        let Some(at) = authority.rfind('@') else {
            continue;
        };
        let userinfo = &authority[..at];
        let Some(colon) = userinfo.find(':') else {
            continue;
        };
        // `cvs://:pserver:anoncvs@host`: not a user:password pair.
        if colon == 0 && userinfo[1..].contains(':') {
            continue;
        }
        let start = auth_start + colon + 1;
        let end = auth_start + at;
        if end > start {
            return Some(start..end);
        }
    }
    None
}

fn is_kv_sep(b: u8) -> bool {
    matches!(b, b';' | b'&' | b'?' | b'|') || b.is_ascii_whitespace()
}

/// `Password=…;` (ADO.NET / Azure SQL / ODBC `PWD=`), JDBC `;password=…` or
/// `?password=…&`, libpq `password=… host=…`.
fn kv_password(v: &str) -> Option<Range<usize>> {
    let b = v.as_bytes();
    const NAMES: &[&str] = &["password", "pwd", "passwd"];
    let mut i = 0;
    while i < b.len() {
        let at_boundary = i == 0 || is_kv_sep(b[i - 1]);
        if at_boundary {
            for name in NAMES {
                let n = name.len();
                if b.len() > i + n && b[i..i + n].eq_ignore_ascii_case(name.as_bytes()) {
                    // optional blanks, then '='
                    let mut j = i + n;
                    while j < b.len() && b[j] == b' ' {
                        j += 1;
                    }
                    if j < b.len() && b[j] == b'=' {
                        j += 1;
                        while j < b.len() && b[j] == b' ' {
                            j += 1;
                        }
                        let start = j;
                        let end = if j < b.len() && matches!(b[j], b'"' | b'\'') {
                            // Quoted value: up to the matching quote.
                            let q = b[j];
                            b[j + 1..]
                                .iter()
                                .position(|&c| c == q)
                                .map_or(b.len(), |p| j + 2 + p)
                        } else {
                            let semi_style = v[..i].contains(';') || v[j..].contains(';');
                            b[j..]
                                .iter()
                                .position(|&c| {
                                    c == b';'
                                        || c == b'&'
                                        || (!semi_style && c.is_ascii_whitespace())
                                })
                                .map_or(b.len(), |p| j + p)
                        };
                        let r = trim_quotes(v, start..end);
                        if !r.is_empty() {
                            return Some(r);
                        }
                    }
                }
            }
        }
        i += 1;
    }
    None
}

/// Byte range of the password inside a connection string, or `None` when it
/// carries none:
///
/// * URLs: `postgres://user:PASSWORD@host/db`, `mongodb+srv://…`,
///   `redis://:PASSWORD@host`, `amqp://`, `mysql://`, `jdbc:postgresql://…`;
/// * key/value forms: ADO.NET / Azure SQL `Server=…;Password=…;`, ODBC
///   `PWD=…;`, JDBC `jdbc:sqlserver://host;password=…` or `?password=…&`,
///   libpq `host=… password=…`.
///
/// The range may denote a placeholder such as `${DB_PASSWORD}`; callers check
/// [`crate::is_placeholder`].
pub fn connection_string_password(value: &str) -> Option<Range<usize>> {
    url_password(value).or_else(|| kv_password(value))
}
