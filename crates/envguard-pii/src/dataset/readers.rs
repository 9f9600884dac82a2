//! Streaming readers for CSV/TSV, JSON/JSONL and SQL `INSERT` dumps. Each
//! visits values with their byte range in the input; none allocates per
//! value unless the value holds escapes.

use std::borrow::Cow;
use std::ops::Range;

/// The text of `b[r]`. `valid` is `b` as a `str` when the whole input is
/// UTF-8 (validated once by the walker): slicing it only checks the two char
/// boundaries, where `from_utf8_lossy` would validate every value again.
#[inline]
pub(crate) fn text_at<'a>(b: &'a [u8], valid: Option<&'a str>, r: Range<usize>) -> Cow<'a, str> {
    match valid.and_then(|s| s.get(r.clone())) {
        Some(t) => Cow::Borrowed(t),
        None => String::from_utf8_lossy(&b[r]),
    }
}

/// Counts `\n` in `b` fast.
pub(crate) fn count_lines(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
}

/// Tracks the 0-based line of increasing byte offsets.
pub(crate) struct LineTracker<'a> {
    b: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> LineTracker<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        LineTracker { b, pos: 0, line: 0 }
    }
    pub fn line_at(&mut self, off: usize) -> u64 {
        let off = off.min(self.b.len());
        if off > self.pos {
            self.line += count_lines(&self.b[self.pos..off]);
            self.pos = off;
        }
        self.line
    }
}

/// One CSV field: its raw range (inside quotes when quoted) and whether it
/// holds doubled quotes to undo.
#[derive(Debug, Clone)]
pub struct Field {
    pub raw: Range<usize>,
    pub escaped: bool,
}

impl Field {
    pub fn text<'a>(&self, b: &'a [u8]) -> Cow<'a, str> {
        self.text_in(b, None)
    }

    /// [`Field::text`] with `valid`, `b` as a `str` if it is UTF-8 (see [`text_at`]).
    pub(crate) fn text_in<'a>(&self, b: &'a [u8], valid: Option<&'a str>) -> Cow<'a, str> {
        let s = text_at(b, valid, self.raw.clone());
        if self.escaped {
            Cow::Owned(s.replace("\"\"", "\""))
        } else {
            s
        }
    }
}

/// Visits CSV rows: `on_row(start offset of the row, fields)`. RFC 4180
/// quoting; `\r\n` or `\n` line ends; a stray quote in an unquoted field is
/// data. Never panics on any input.
pub fn walk_csv(b: &[u8], delim: u8, mut on_row: impl FnMut(usize, &[Field])) {
    let n = b.len();
    let mut i = 0;
    let mut fields: Vec<Field> = Vec::with_capacity(32);
    while i < n {
        let row_start = i;
        fields.clear();
        loop {
            // one field starting at i
            if i < n && b[i] == b'"' {
                let s = i + 1;
                let mut j = s;
                let mut escaped = false;
                let end;
                loop {
                    match memchr::memchr(b'"', &b[j.min(n)..]) {
                        Some(k) => {
                            let q = j + k;
                            if q + 1 < n && b[q + 1] == b'"' {
                                escaped = true;
                                j = q + 2;
                            } else {
                                end = q;
                                break;
                            }
                        }
                        None => {
                            end = n;
                            break;
                        }
                    }
                }
                fields.push(Field {
                    raw: s..end,
                    escaped,
                });
                i = (end + 1).min(n);
                // skip anything up to the delimiter / newline
                while i < n && b[i] != delim && b[i] != b'\n' {
                    i += 1;
                }
            } else {
                let s = i;
                let e = memchr::memchr2(delim, b'\n', &b[i..]).map_or(n, |k| i + k);
                let mut fe = e;
                if fe > s && b[fe - 1] == b'\r' && (fe == n || b[fe] == b'\n') {
                    fe -= 1;
                }
                fields.push(Field {
                    raw: s..fe,
                    escaped: false,
                });
                i = e;
            }
            if i < n && b[i] == delim {
                i += 1;
                continue;
            }
            // newline or end
            if i < n {
                i += 1;
            }
            break;
        }
        let blank = fields.len() == 1 && fields[0].raw.is_empty();
        if !blank {
            on_row(row_start, &fields);
        }
    }
}

/// A JSON value visited by [`walk_json`].
pub struct JsonValue<'a> {
    /// Dotted path, arrays as `[]`: `contact.phones[].number`.
    pub path: &'a str,
    /// Raw range (inside the quotes for strings).
    pub raw: Range<usize>,
    /// Decoded text.
    pub text: Cow<'a, str>,
    /// Whether it was a string (else a number).
    pub string: bool,
}

/// Error from [`walk_json`]: byte offset where reading stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonError(pub usize);

const MAX_DEPTH: usize = 256;

/// Visits every string and number in one or more concatenated JSON
/// documents (JSONL works line by line or whole). Iterative, depth-capped.
pub fn walk_json(b: &[u8], on: impl FnMut(&JsonValue<'_>)) -> Result<(), JsonError> {
    walk_json_in(b, std::str::from_utf8(b).ok(), on)
}

/// [`walk_json`] with `valid`, `b` as a `str` if it is UTF-8 (see [`text_at`]).
pub(crate) fn walk_json_in(
    b: &[u8],
    valid: Option<&str>,
    mut on: impl FnMut(&JsonValue<'_>),
) -> Result<(), JsonError> {
    let n = b.len();
    let mut i = 0;
    let mut path = String::new();
    // (is_object, path length at open)
    let mut stack: Vec<(bool, usize)> = Vec::new();
    let mut expect_key = false;
    while i < n {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b':' => i += 1,
            b',' => {
                i += 1;
                expect_key = stack.last().is_some_and(|t| t.0);
            }
            b'{' | b'[' => {
                if stack.len() >= MAX_DEPTH {
                    return Err(JsonError(i));
                }
                stack.push((c == b'{', path.len()));
                if c == b'[' {
                    path.push_str("[]");
                }
                expect_key = c == b'{';
                i += 1;
            }
            b'}' | b']' => {
                let Some((_, l)) = stack.pop() else {
                    return Err(JsonError(i));
                };
                path.truncate(l);
                expect_key = false;
                i += 1;
                if stack.is_empty() {
                    path.clear();
                }
            }
            b'"' => {
                let (raw, escaped, end) = json_string(b, i).ok_or(JsonError(i))?;
                let text = if escaped {
                    Cow::Owned(unescape_json(&b[raw.clone()]))
                } else {
                    text_at(b, valid, raw.clone())
                };
                if expect_key {
                    let l = stack.last().map_or(0, |t| t.1);
                    path.truncate(l);
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&text);
                    expect_key = false;
                } else {
                    on(&JsonValue {
                        path: &path,
                        raw,
                        text,
                        string: true,
                    });
                }
                i = end;
            }
            b'-' | b'0'..=b'9' => {
                let s = i;
                while i < n && matches!(b[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
                    i += 1;
                }
                let text = text_at(b, valid, s..i);
                on(&JsonValue {
                    path: &path,
                    raw: s..i,
                    text,
                    string: false,
                });
            }
            b't' | b'f' | b'n' => {
                while i < n && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
            }
            _ => return Err(JsonError(i)),
        }
    }
    Ok(())
}

/// String at `b[i] == '"'`: (inner range, has escapes, index after the closing quote).
fn json_string(b: &[u8], i: usize) -> Option<(Range<usize>, bool, usize)> {
    let s = i + 1;
    let mut j = s;
    let mut escaped = false;
    loop {
        let k = memchr::memchr2(b'"', b'\\', b.get(j..)?)?;
        let q = j + k;
        if b[q] == b'\\' {
            escaped = true;
            j = q + 2;
            if j > b.len() {
                return None;
            }
        } else {
            return Some((s..q, escaped, q + 1));
        }
    }
}

fn unescape_json(raw: &[u8]) -> String {
    let s = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = it.by_ref().take(4).collect();
                let hi = u32::from_str_radix(&hex, 16).unwrap_or(0xFFFD);
                let cp = if (0xD800..0xDC00).contains(&hi) {
                    let mut look = it.clone();
                    if look.next() == Some('\\') && look.next() == Some('u') {
                        let lo_hex: String = look.by_ref().take(4).collect();
                        let lo = u32::from_str_radix(&lo_hex, 16).unwrap_or(0);
                        if (0xDC00..0xE000).contains(&lo) {
                            it = look;
                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        } else {
                            0xFFFD
                        }
                    } else {
                        0xFFFD
                    }
                } else {
                    hi
                };
                out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
            }
            Some(o) => out.push(o),
            None => {}
        }
    }
    out
}

/// Escapes `s` as the inside of a JSON string.
pub fn escape_json(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A SQL literal visited by [`walk_sql`].
pub struct SqlValue<'a> {
    /// `table.column`, or `table.#k` (1-based) without a column list.
    pub key: &'a str,
    /// Raw range (inside the quotes for strings).
    pub raw: Range<usize>,
    /// Decoded text.
    pub text: Cow<'a, str>,
    /// Offset of the tuple's `(`.
    pub tuple_start: usize,
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    let n = b.len();
    loop {
        while i < n && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i + 1 < n && b[i] == b'-' && b[i + 1] == b'-' {
            i = memchr::memchr(b'\n', &b[i..]).map_or(n, |k| i + k + 1);
        } else if i + 1 < n && b[i] == b'/' && b[i + 1] == b'*' {
            i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(n, |k| i + 2 + k + 2);
        } else {
            return i;
        }
    }
}

fn keyword(b: &[u8], i: usize, kw: &[u8]) -> bool {
    b.len() >= i + kw.len()
        && b[i..i + kw.len()].eq_ignore_ascii_case(kw)
        && b.get(i + kw.len())
            .is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'_')
}

/// Identifier (bare, `quoted`, "quoted", [quoted]), dotted parts joined.
fn ident(b: &[u8], mut i: usize) -> (String, usize) {
    let n = b.len();
    let mut name = String::new();
    loop {
        i = skip_ws(b, i);
        if i >= n {
            break;
        }
        let (s, e, next) = match b[i] {
            q @ (b'`' | b'"' | b'[') => {
                let close = if q == b'[' { b']' } else { q };
                let e = memchr::memchr(close, &b[i + 1..]).map_or(n, |k| i + 1 + k);
                (i + 1, e, (e + 1).min(n))
            }
            _ => {
                let mut e = i;
                while e < n && (b[e].is_ascii_alphanumeric() || b[e] == b'_' || b[e] == b'$') {
                    e += 1;
                }
                (i, e, e)
            }
        };
        if e == s && next == i {
            break;
        }
        name.push_str(&String::from_utf8_lossy(&b[s..e]));
        i = next;
        if i < n && b[i] == b'.' {
            name.clear(); // keep the last part (schema.table -> table)
            i += 1;
            continue;
        }
        break;
    }
    (name, i)
}

/// Skips to just after the next `;` outside quotes.
fn skip_statement(b: &[u8], mut i: usize) -> usize {
    let n = b.len();
    while i < n {
        match b[i] {
            b';' => return i + 1,
            b'\'' => i = sql_string(b, i).2,
            _ => i += 1,
        }
    }
    n
}

/// String at `b[i] == '\''`: (inner range, has escapes, index after the close).
fn sql_string(b: &[u8], i: usize) -> (Range<usize>, bool, usize) {
    let n = b.len();
    let s = i + 1;
    let mut j = s;
    let mut escaped = false;
    while j < n {
        match memchr::memchr2(b'\'', b'\\', &b[j..]) {
            None => return (s..n, escaped, n),
            Some(k) => {
                let q = j + k;
                if b[q] == b'\\' || (q + 1 < n && b[q + 1] == b'\'') {
                    escaped = true;
                    j = q + 2;
                } else {
                    return (s..q, escaped, q + 1);
                }
            }
        }
    }
    (s..n.min(j), escaped, n)
}

fn unescape_sql(raw: &[u8]) -> String {
    let s = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\'' if it.peek() == Some(&'\'') => {
                it.next();
                out.push('\'');
            }
            '\\' => match it.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => {}
                Some(o) => out.push(o),
                None => {}
            },
            c => out.push(c),
        }
    }
    out
}

/// Escapes `s` as the inside of a standard SQL string literal.
pub fn escape_sql(s: &str) -> String {
    s.replace('\'', "''")
}

/// Visits the literals of every `INSERT INTO t [(cols)] VALUES (...), ...;`
/// statement; other statements are skipped. Never panics on any input.
pub fn walk_sql(b: &[u8], on: impl FnMut(&SqlValue<'_>)) {
    walk_sql_in(b, std::str::from_utf8(b).ok(), on);
}

/// [`walk_sql`] with `valid`, `b` as a `str` if it is UTF-8 (see [`text_at`]).
pub(crate) fn walk_sql_in(b: &[u8], valid: Option<&str>, mut on: impl FnMut(&SqlValue<'_>)) {
    let n = b.len();
    let mut i = 0;
    let mut spare = String::new();
    // the last `INSERT … VALUES` header parsed and its `table.column` keys:
    // dumps repeat the same header on every statement, so it is compared
    // bytewise instead of parsed again
    let mut hdr = 0..0;
    let mut keys: Vec<String> = Vec::new();
    let mut table = String::new();
    while i < n {
        i = skip_ws(b, i);
        if i >= n {
            break;
        }
        if !keyword(b, i, b"INSERT") {
            i = skip_statement(b, i);
            continue;
        }
        let i0 = i;
        let hl = hdr.len();
        if hl > 0 && b[i0..].starts_with(&b[hdr.clone()]) && keyword(b, i0 + hl - 6, b"VALUES") {
            i = i0 + hl;
        } else {
            match sql_header(b, i, &mut table, &mut keys) {
                Ok(next) => {
                    i = next;
                    hdr = i0..i;
                }
                Err(stop) => {
                    hdr = 0..0;
                    i = skip_statement(b, stop);
                    continue;
                }
            }
        }
        // tuples
        loop {
            i = skip_ws(b, i);
            if i >= n || b[i] != b'(' {
                break;
            }
            let tuple_start = i;
            i += 1;
            let mut k = 0usize;
            loop {
                i = skip_ws(b, i);
                if i >= n {
                    break;
                }
                let key: &str = match keys.get(k) {
                    Some(c) => c,
                    None => {
                        spare.clear();
                        spare.push_str(&table);
                        spare.push('.');
                        spare.push_str(&format!("#{}", k + 1));
                        &spare
                    }
                };
                if b[i] == b'\'' {
                    let (raw, escaped, next) = sql_string(b, i);
                    let text = if escaped {
                        Cow::Owned(unescape_sql(&b[raw.clone()]))
                    } else {
                        text_at(b, valid, raw.clone())
                    };
                    on(&SqlValue {
                        key,
                        raw,
                        text,
                        tuple_start,
                    });
                    i = next;
                } else {
                    // number, NULL, function call: up to , or ) at depth 0
                    let s = i;
                    let mut depth = 0i32;
                    while i < n {
                        match b[i] {
                            b'(' => depth += 1,
                            b')' if depth == 0 => break,
                            b')' => depth -= 1,
                            b',' if depth == 0 => break,
                            b'\'' => {
                                i = sql_string(b, i).2;
                                continue;
                            }
                            _ => {}
                        }
                        i += 1;
                    }
                    let mut e = i;
                    while e > s && b[e - 1].is_ascii_whitespace() {
                        e -= 1;
                    }
                    let lit = &b[s..e];
                    if !lit.is_empty()
                        && lit
                            .iter()
                            .all(|c| c.is_ascii_digit() || *c == b'-' || *c == b'.')
                    {
                        on(&SqlValue {
                            key,
                            raw: s..e,
                            text: text_at(b, valid, s..e),
                            tuple_start,
                        });
                    }
                }
                i = skip_ws(b, i);
                k += 1;
                if i < n && b[i] == b',' {
                    i += 1;
                    continue;
                }
                if i < n && b[i] == b')' {
                    i += 1;
                }
                break;
            }
            i = skip_ws(b, i);
            if i < n && b[i] == b',' {
                i += 1;
                continue;
            }
            break;
        }
        i = skip_statement(b, i);
    }
}

/// Parses `INSERT [IGNORE] INTO t [(cols)] VALUES` at `i`, filling `table`
/// and the `table.column` keys; returns the index just after `VALUES`.
/// On a statement that is not such an insert, `Err` holds where reading stopped.
fn sql_header(
    b: &[u8],
    mut i: usize,
    table: &mut String,
    keys: &mut Vec<String>,
) -> Result<usize, usize> {
    let n = b.len();
    i = skip_ws(b, i + 6);
    if keyword(b, i, b"IGNORE") {
        i = skip_ws(b, i + 6);
    }
    if !keyword(b, i, b"INTO") {
        return Err(i);
    }
    let (t, j) = ident(b, i + 4);
    *table = t;
    i = skip_ws(b, j);
    let mut cols: Vec<String> = Vec::new();
    if i < n && b[i] == b'(' {
        i += 1;
        loop {
            let (c, j) = ident(b, i);
            i = skip_ws(b, j);
            if c.is_empty() && !(i < n && b[i] == b',') {
                break;
            }
            cols.push(c);
            if i < n && b[i] == b',' {
                i += 1;
                continue;
            }
            break;
        }
        if i < n && b[i] == b')' {
            i += 1;
        }
        i = skip_ws(b, i);
    }
    if !keyword(b, i, b"VALUES") {
        return Err(i);
    }
    keys.clear();
    keys.extend(cols.iter().map(|c| format!("{table}.{c}")));
    Ok(i + 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes() {
        let b = b"a,b,c\n1,\"x,\"\"y\"\"\",3\r\n\n4,5,6";
        let mut rows = Vec::new();
        walk_csv(b, b',', |s, f| {
            rows.push((
                s,
                f.iter().map(|x| x.text(b).into_owned()).collect::<Vec<_>>(),
            ))
        });
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].1, vec!["1", "x,\"y\"", "3"]);
        assert_eq!(rows[2].1, vec!["4", "5", "6"]);
    }

    #[test]
    fn json_paths() {
        let b = br#"{"a": {"b": "x\"y", "c": [1, {"d": "z"}]}, "e": null}"#;
        let mut v = Vec::new();
        walk_json(b, |j| {
            v.push((j.path.to_owned(), j.text.clone().into_owned()))
        })
        .unwrap();
        assert_eq!(
            v,
            vec![
                ("a.b".into(), "x\"y".into()),
                ("a.c[]".into(), "1".into()),
                ("a.c[].d".into(), "z".into())
            ]
        );
        assert!(walk_json(b"{\"a\": @}", |_| {}).is_err());
    }

    #[test]
    fn sql_repeated_headers() {
        // a mysqldump-style run of one header, a reordered column list, a
        // statement that only starts like the cached header, another table
        let b = b"INSERT INTO p (a, b) VALUES ('x', 'y');\nINSERT INTO p (a, b) VALUES ('z', 'w');\nINSERT INTO p (b, a) VALUES ('1', '2');\nINSERT INTO p (a, b) VALUESX ('q', 'r');\nINSERT INTO p (a, b) VALUES('s', 't');\nINSERT INTO q VALUES ('v');";
        let mut v = Vec::new();
        walk_sql(b, |s| {
            v.push(format!("{}={}", s.key, s.text));
        });
        assert_eq!(
            v,
            ["p.a=x", "p.b=y", "p.a=z", "p.b=w", "p.b=1", "p.a=2", "p.a=s", "p.b=t", "q.#1=v"]
        );
    }

    #[test]
    fn sql_inserts() {
        let b = b"-- dump\nCREATE TABLE t (a int);\nINSERT INTO `db`.`p` (name, n) VALUES ('O''Brien', 12), ('x', NULL);\nINSERT INTO q VALUES ('a');";
        let mut v = Vec::new();
        walk_sql(b, |s| {
            v.push((s.key.to_owned(), s.text.clone().into_owned()))
        });
        assert_eq!(
            v,
            vec![
                ("p.name".into(), "O'Brien".into()),
                ("p.n".into(), "12".into()),
                ("p.name".into(), "x".into()),
                ("q.#1".into(), "a".into())
            ]
        );
    }
}
