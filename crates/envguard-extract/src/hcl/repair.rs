//! A second chance for valid HCL that `hcl-edit` 0.10 refuses.
//!
//! The text is rewritten without moving a byte (same length, every line break
//! in place, still UTF-8), so every span of the body parsed from the rewrite
//! is a span of the original text, then parsed again:
//!
//! - An object constructor that repeats a key (`{ Name = "a", Name = "b" }`)
//!   is valid HCL (the last item wins) but `hcl-edit` stops at the repeated
//!   key ("found redefined object key"). The object at the error's offset is
//!   found with [`scan`], and each earlier item of every key repeated in it is
//!   replaced by spaces (its comma too); so is it in every other object whose
//!   `{` plainly opens an expression (after `=`, `:`, `,`, `(`, `[`, `${`),
//!   never in a block's body, where a repeated attribute is an error in HCL
//!   too. Then the text is parsed again; while the error is still a repeated
//!   key (in an object that could not be told from a body, say after `?`),
//!   that object is repaired and the text parsed again, at most
//!   [`MAX_REPARSES`] parses in all.
//! - A heredoc ends, in HCL, on the first line that is its marker alone once
//!   surrounding whitespace is trimmed; `hcl-edit` ends it on a line that
//!   starts with the marker followed by any character that cannot continue an
//!   identifier (`EOF)`, `EOF.`, `EOF # note`). Such a heredoc gets another
//!   marker of the same length (one ASCII character changed, at the opening
//!   `<<EOF` and at the real closing line) that no line of its body can be
//!   mistaken for. The body, hence the heredoc's value, is untouched; only
//!   the marker that `hcl-edit` keeps as the heredoc's delimiter differs.

use hcl_edit::expr::Expression;
use hcl_edit::parser::{parse_body, parse_expr, Error};
use hcl_edit::structure::Body;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// At most this many parses after the first one failed.
const MAX_REPARSES: usize = 16;

/// Marker positions tried when a heredoc needs another marker.
const MAX_MARKER_POSITIONS: usize = 8;

/// Rewrites `text`, which failed to parse with `first`, and parses it again:
/// the body, if the rewrite parses.
pub(super) fn repair(text: &str, first: &Error) -> Option<Body> {
    rewrite(text, first).1
}

/// The rewritten text (`text`'s length and line breaks) and its body, if it parses.
fn rewrite(text: &str, first: &Error) -> (String, Option<Body>) {
    let scan = scan(text);
    let mut buf = text.as_bytes().to_vec();
    let mut changed = fix_heredocs(text, &scan, &mut buf);
    let mut error = (is_repeated_key(first), first.location().offset());
    let mut all_objects_done = false;
    let mut body = None;
    for _ in 0..MAX_REPARSES {
        let (repeated_key, offset) = error;
        if repeated_key {
            changed |= dedupe_object(text, &scan, offset, &mut buf);
            if !all_objects_done {
                // Spare a parse per object where it is plain that `{` opens one.
                changed |= dedupe_expression_objects(text, &scan, &mut buf);
                all_objects_done = true;
            }
        }
        if !changed {
            break;
        }
        changed = false;
        let Ok(rewritten) = std::str::from_utf8(&buf) else {
            break;
        };
        match parse_body(rewritten) {
            Ok(parsed) => {
                body = Some(parsed);
                break;
            }
            Err(e) => error = (is_repeated_key(&e), e.location().offset()),
        }
    }
    // Blanking whole characters keeps the bytes UTF-8; the fallback is never taken.
    let text = String::from_utf8(buf).unwrap_or_else(|_| text.to_owned());
    (text, body)
}

fn is_repeated_key(e: &Error) -> bool {
    e.message().contains("found redefined object key")
}

// ---------------------------------------------------------------------------
// Scanner

/// What opens a nesting level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// `{`: an object or a block body.
    Brace,
    /// `[` or `(`.
    Bracket,
    /// `${` or `%{` in a template, closed by `}`.
    Interp,
    /// `"`.
    Quote,
    /// `<<EOF` / `<<-EOF` and its line break; the index in [`Scan::heredocs`].
    Heredoc(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Open(Open),
    /// Closes the innermost open level (`}`, `]`, `)`, `"`, a heredoc's closing line).
    Close,
    Comma,
    Newline,
    /// `=` or `:` (not `==`, `=>`, `<=`, `>=`, `!=`, `::`).
    Assign,
    /// Anything else outside strings and comments.
    Other,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

#[derive(Debug, Default)]
struct Heredoc {
    /// The marker after `<<` or `<<-`.
    marker: Range<usize>,
    /// Where the body starts, after the opening line's line break.
    body: usize,
    /// The marker on the closing line; `None` while (or when left) unterminated.
    close: Option<Range<usize>>,
    /// Where `hcl-edit` tests for the end of the heredoc, a line that starts
    /// (after spaces and tabs) with the marker and then a character that does
    /// not continue an identifier: the offset of such a prefix of the marker's
    /// length, for each line of the body after the first.
    prefixes: Vec<usize>,
    /// At a line start, where HCL tests for the closing marker.
    at_line_start: bool,
}

/// The tokens of a text, read as HCL's own scanner does (`scan_tokens.rl` in
/// hashicorp/hcl: heredoc ends, template sequences, comments), reduced to what
/// the repairs need.
#[derive(Debug, Default)]
struct Scan {
    tokens: Vec<Token>,
    /// For each token, the open token it is in (`usize::MAX` at the top).
    parent: Vec<usize>,
    /// For each open token, its close token (`tokens.len()` when unclosed).
    close: Vec<usize>,
    heredocs: Vec<Heredoc>,
}

const TOP: usize = usize::MAX;

struct Scanner<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    out: Scan,
    /// Open tokens, innermost last.
    stack: Vec<usize>,
}

fn scan(text: &str) -> Scan {
    let mut s = Scanner {
        text,
        b: text.as_bytes(),
        i: 0,
        out: Scan::default(),
        stack: Vec::new(),
    };
    while s.i < s.b.len() {
        match s.top() {
            Some(Open::Quote) => s.quoted(),
            Some(Open::Heredoc(h)) => s.heredoc(h),
            _ => s.main(),
        }
    }
    let n = s.out.tokens.len();
    for open in s.stack.drain(..) {
        if let Some(c) = s.out.close.get_mut(open) {
            *c = n;
        }
    }
    s.out
}

impl Scanner<'_> {
    fn top(&self) -> Option<Open> {
        let t = self.out.tokens.get(*self.stack.last()?)?;
        match t.tok {
            Tok::Open(o) => Some(o),
            _ => None,
        }
    }

    fn at(&self, k: usize) -> u8 {
        self.b.get(self.i + k).copied().unwrap_or(0)
    }

    fn push(&mut self, tok: Tok, len: usize) {
        let (start, end) = (self.i, (self.i + len).min(self.b.len()));
        let parent = self.stack.last().copied().unwrap_or(TOP);
        // Runs of `Other` make one token.
        if tok == Tok::Other {
            if let (Some(last), Some(&p)) = (self.out.tokens.last_mut(), self.out.parent.last()) {
                if last.tok == Tok::Other && last.end == start && p == parent {
                    last.end = end;
                    self.i = end;
                    return;
                }
            }
        }
        let index = self.out.tokens.len();
        self.out.tokens.push(Token { tok, start, end });
        self.out.parent.push(parent);
        self.out.close.push(index);
        match tok {
            Tok::Open(_) => self.stack.push(index),
            Tok::Close => {
                if let Some(open) = self.stack.pop() {
                    if let Some(c) = self.out.close.get_mut(open) {
                        *c = index;
                    }
                }
                // Back in a heredoc after `${…}`: the rest of this line is not a line start.
                if let Some(Open::Heredoc(h)) = self.top() {
                    if let Some(doc) = self.out.heredocs.get_mut(h) {
                        doc.at_line_start = false;
                    }
                }
            }
            _ => {}
        }
        self.i = end;
    }

    /// The length of the character at the cursor (1 past the end).
    fn char_len(&self) -> usize {
        self.text
            .get(self.i..)
            .and_then(|s| s.chars().next())
            .map_or(1, char::len_utf8)
    }

    fn main(&mut self) {
        let c = self.at(0);
        let next = self.at(1);
        match c {
            b' ' | b'\t' => self.i += 1,
            b'\n' => self.push(Tok::Newline, 1),
            b'\r' if next == b'\n' => self.push(Tok::Newline, 2),
            b'#' => self.skip_line_comment(),
            b'/' if next == b'/' => self.skip_line_comment(),
            b'/' if next == b'*' => {
                let rest = self.b.get(self.i + 2..).unwrap_or_default();
                self.i = match memchr::memmem::find(rest, b"*/") {
                    Some(p) => self.i + 2 + p + 2,
                    None => self.b.len(),
                };
            }
            b'"' => self.push(Tok::Open(Open::Quote), 1),
            b'<' if next == b'<' => {
                if !self.heredoc_start() {
                    self.push(Tok::Other, 2);
                }
            }
            b'{' => self.push(Tok::Open(Open::Brace), 1),
            b'}' => self.close_brace(1),
            b'~' if next == b'}' => self.close_brace(2),
            b'[' | b'(' => self.push(Tok::Open(Open::Bracket), 1),
            b']' | b')' if self.top() == Some(Open::Bracket) => self.push(Tok::Close, 1),
            b',' => self.push(Tok::Comma, 1),
            b'=' if next == b'=' || next == b'>' => self.push(Tok::Other, 2),
            b'!' | b'<' | b'>' if next == b'=' => self.push(Tok::Other, 2),
            b':' if next == b':' => self.push(Tok::Other, 2),
            b'=' | b':' => self.push(Tok::Assign, 1),
            _ => {
                let len = self.char_len();
                self.push(Tok::Other, len);
            }
        }
    }

    fn close_brace(&mut self, len: usize) {
        if matches!(self.top(), Some(Open::Brace | Open::Interp)) {
            self.push(Tok::Close, len);
        } else {
            self.push(Tok::Other, len);
        }
    }

    /// Up to the line break, which is a token of its own.
    fn skip_line_comment(&mut self) {
        let rest = self.b.get(self.i..).unwrap_or_default();
        self.i = match memchr::memchr(b'\n', rest) {
            // Leave a `\r\n` whole.
            Some(p) if p > 0 && rest.get(p - 1) == Some(&b'\r') => self.i + p - 1,
            Some(p) => self.i + p,
            None => self.b.len(),
        };
    }

    /// `<<` `-`? identifier line-break: opens a heredoc.
    fn heredoc_start(&mut self) -> bool {
        let mut j = self.i + 2;
        if self.b.get(j) == Some(&b'-') {
            j += 1;
        }
        let marker_start = j;
        let Some(rest) = self.text.get(j..) else {
            return false;
        };
        let mut chars = rest.char_indices();
        match chars.next() {
            Some((_, c)) if is_id_start(c) => {}
            _ => return false,
        }
        let len = chars
            .find(|&(_, c)| !is_id_continue(c))
            .map_or(rest.len(), |(k, _)| k);
        let marker_end = marker_start + len;
        let newline = match (self.b.get(marker_end), self.b.get(marker_end + 1)) {
            (Some(b'\n'), _) => 1,
            (Some(b'\r'), Some(b'\n')) => 2,
            _ => return false,
        };
        let h = self.out.heredocs.len();
        self.out.heredocs.push(Heredoc {
            marker: marker_start..marker_end,
            body: marker_end + newline,
            close: None,
            prefixes: Vec::new(),
            at_line_start: true,
        });
        self.push(Tok::Open(Open::Heredoc(h)), marker_end + newline - self.i);
        true
    }

    fn quoted(&mut self) {
        let c = self.at(0);
        let next = self.at(1);
        match c {
            b'"' => self.push(Tok::Close, 1),
            // A quoted string cannot hold a line break: end it here, zero-width.
            b'\n' => self.push(Tok::Close, 0),
            b'\r' if next == b'\n' => self.push(Tok::Close, 0),
            b'\\' if next == b'\n' || next == b'\r' => self.i += 1,
            b'\\' => {
                self.i += 1;
                self.i += self.char_len();
            }
            b'$' | b'%' if next == c && self.at(2) == b'{' => self.i += 3,
            b'$' | b'%' if next == b'{' => self.push(Tok::Open(Open::Interp), 2),
            _ => self.i += self.char_len(),
        }
    }

    fn heredoc(&mut self, h: usize) {
        let Some(doc) = self.out.heredocs.get(h) else {
            self.i = self.b.len();
            return;
        };
        let (marker, body, at_line_start) = (doc.marker.clone(), doc.body, doc.at_line_start);
        if at_line_start {
            let rest = self.b.get(self.i..).unwrap_or_default();
            let eol = memchr::memchr(b'\n', rest).map_or(self.b.len(), |p| self.i + p);
            let line = self.text.get(self.i..eol).unwrap_or_default();
            let marker_text = self.text.get(marker.clone()).unwrap_or_default();
            if !marker_text.is_empty() && line.trim() == marker_text {
                let start = self.i + (line.len() - line.trim_start().len());
                if let Some(doc) = self.out.heredocs.get_mut(h) {
                    doc.close = Some(start..start + marker.len());
                }
                // The closing line (without its line break) closes the heredoc.
                self.push(Tok::Close, eol - self.i);
                return;
            }
            // `hcl-edit` tests every line of the body after the first.
            let prefix = if self.i == body {
                None
            } else {
                self.hcl_edit_end_prefix(eol, marker.len())
            };
            if let Some(doc) = self.out.heredocs.get_mut(h) {
                doc.prefixes.extend(prefix);
                doc.at_line_start = false;
            }
        }
        // The rest of the line, up to a template sequence or the line break.
        while self.i < self.b.len() {
            let c = self.at(0);
            let next = self.at(1);
            match c {
                b'\n' => {
                    self.i += 1;
                    if let Some(doc) = self.out.heredocs.get_mut(h) {
                        doc.at_line_start = true;
                    }
                    return;
                }
                b'$' | b'%' if next == c && self.at(2) == b'{' => self.i += 3,
                b'$' | b'%' if next == b'{' => {
                    self.push(Tok::Open(Open::Interp), 2);
                    return;
                }
                _ => self.i += 1,
            }
        }
    }

    /// On a line `self.i..eol`: where `hcl-edit` would read a closing marker
    /// of `len` bytes, if the line has one (spaces and tabs, `len` bytes, then
    /// the end of the text or a character that does not continue an identifier).
    fn hcl_edit_end_prefix(&self, eol: usize, len: usize) -> Option<usize> {
        let line = self.text.get(self.i..eol)?;
        let start = self.i + (line.len() - line.trim_start_matches([' ', '\t']).len());
        let after = self.text.get(start + len..)?;
        match after.chars().next() {
            Some(c) if is_id_continue(c) => None,
            _ => Some(start),
        }
    }
}

fn is_id_start(c: char) -> bool {
    unicode_ident::is_xid_start(c) || c == '_'
}

fn is_id_continue(c: char) -> bool {
    unicode_ident::is_xid_continue(c) || c == '-'
}

// ---------------------------------------------------------------------------
// Heredocs

/// Gives another marker to each terminated heredoc that `hcl-edit` would end
/// early. Returns whether anything changed.
fn fix_heredocs(text: &str, scan: &Scan, buf: &mut [u8]) -> bool {
    let b = text.as_bytes();
    let mut changed = false;
    for doc in &scan.heredocs {
        let Some(close) = doc.close.clone() else {
            continue;
        };
        let Some(marker) = b.get(doc.marker.clone()) else {
            continue;
        };
        let len = marker.len();
        let prefix = |p: &usize| b.get(*p..*p + len);
        if !doc.prefixes.iter().any(|p| prefix(p) == Some(marker)) {
            continue;
        }
        let taken: HashSet<&[u8]> = doc.prefixes.iter().filter_map(prefix).collect();
        let Some(new) = other_marker(marker, &taken) else {
            continue;
        };
        for range in [doc.marker.clone(), close] {
            if let Some(dst) = buf.get_mut(range) {
                if dst.len() == new.len() {
                    dst.copy_from_slice(&new);
                    changed = true;
                }
            }
        }
    }
    changed
}

/// A marker of `marker`'s length, one ASCII character changed, not in `taken`.
fn other_marker(marker: &[u8], taken: &HashSet<&[u8]>) -> Option<Vec<u8>> {
    const CANDIDATES: &[u8] = b"ZQXJKVWYzqxjkvwy_ABCDEFGHILMNOPRSTUabcdefghilmnoprstu0123456789";
    let positions = (0..marker.len())
        .rev()
        .filter(|&p| marker.get(p).is_some_and(u8::is_ascii))
        .take(MAX_MARKER_POSITIONS);
    let mut new = marker.to_vec();
    for p in positions {
        let old = marker.get(p).copied()?;
        for &c in CANDIDATES {
            if c == old || (p == 0 && c.is_ascii_digit()) {
                continue;
            }
            if let Some(slot) = new.get_mut(p) {
                *slot = c;
            }
            if !taken.contains(new.as_slice()) {
                return Some(new);
            }
        }
        if let Some(slot) = new.get_mut(p) {
            *slot = old;
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Repeated object keys

/// One `key = value` of an object.
struct Item {
    /// The key's text.
    key: Range<usize>,
    /// From the key to the value's end, or to the comma after it.
    span: Range<usize>,
}

/// Blanks the earlier items of each key repeated in the object around the
/// item that starts at `offset`. Returns whether anything changed.
fn dedupe_object(text: &str, scan: &Scan, offset: usize, buf: &mut [u8]) -> bool {
    object_at(scan, offset).is_some_and(|open| dedupe(text, scan, open, buf))
}

/// [`dedupe`] on every `{` that follows `=`, `:`, `,`, `(`, `[` or `${`: an
/// object constructor, never a block's body (where a repeated attribute is
/// an error in HCL too, so stays one). Returns whether anything changed.
fn dedupe_expression_objects(text: &str, scan: &Scan, buf: &mut [u8]) -> bool {
    let mut changed = false;
    for (j, pair) in scan.tokens.windows(2).enumerate() {
        let [before, t] = pair else {
            continue;
        };
        let expression = matches!(
            before.tok,
            Tok::Assign | Tok::Comma | Tok::Open(Open::Bracket | Open::Interp)
        );
        if expression && t.tok == Tok::Open(Open::Brace) {
            changed |= dedupe(text, scan, j + 1, buf);
        }
    }
    changed
}

/// Blanks the earlier items of each key repeated in the object opened by
/// token `open`. Returns whether anything changed.
fn dedupe(text: &str, scan: &Scan, open: usize, buf: &mut [u8]) -> bool {
    let items = items(scan, open);
    if items.len() < 2 {
        return false;
    }
    let mut by_key: HashMap<(u8, String), Vec<usize>> = HashMap::new();
    for (k, item) in items.iter().enumerate() {
        let Some(key) = text.get(item.key.clone()) else {
            continue;
        };
        by_key.entry(key_identity(key)).or_default().push(k);
    }
    let mut changed = false;
    for same in by_key.values() {
        let Some((_, earlier)) = same.split_last() else {
            continue;
        };
        for &k in earlier {
            if let Some(item) = items.get(k) {
                changed |= blank(buf, item.span.clone());
            }
        }
    }
    changed
}

/// The `{` token of the object whose item starts at `offset`.
fn object_at(scan: &Scan, offset: usize) -> Option<usize> {
    let t = scan.tokens.partition_point(|t| t.start < offset);
    if scan.tokens.get(t)?.start != offset {
        return None;
    }
    let open = *scan.parent.get(t)?;
    match scan.tokens.get(open)?.tok {
        Tok::Open(Open::Brace) => Some(open),
        _ => None,
    }
}

/// The items of the object opened by token `open`: separated by commas and
/// line breaks, keyed up to their first `=` or `:`.
fn items(scan: &Scan, open: usize) -> Vec<Item> {
    let end = scan.close.get(open).copied().unwrap_or(open);
    let mut items = Vec::new();
    // The current item: its first token, its `=`, its last token's end.
    let mut first: Option<usize> = None;
    let mut assign: Option<usize> = None;
    let mut last_end = 0;
    let mut j = open + 1;
    while j < end {
        let Some(t) = scan.tokens.get(j) else {
            break;
        };
        match t.tok {
            Tok::Comma | Tok::Newline => {
                if let (Some(start), Some(eq)) = (first, assign) {
                    let span_end = if t.tok == Tok::Comma { t.end } else { last_end };
                    items.push(Item {
                        key: start..eq,
                        span: start..span_end,
                    });
                }
                (first, assign) = (None, None);
                j += 1;
                continue;
            }
            Tok::Assign if assign.is_none() => assign = Some(t.start),
            _ => {}
        }
        first.get_or_insert(t.start);
        // Step over a nested level whole.
        let to = match t.tok {
            Tok::Open(_) => scan.close.get(j).copied().unwrap_or(end),
            _ => j,
        };
        last_end = scan.tokens.get(to).map_or(t.end, |c| c.end);
        j = to + 1;
    }
    if let (Some(start), Some(eq)) = (first, assign) {
        items.push(Item {
            key: start..eq,
            span: start..last_end,
        });
    }
    items
}

/// When two keys are the same key to `hcl-edit`: an identifier, a string
/// literal's value, or else the same text.
fn key_identity(key: &str) -> (u8, String) {
    let key = key.trim();
    match parse_expr(key) {
        Ok(Expression::Variable(v)) => (0, v.as_str().to_owned()),
        Ok(Expression::String(s)) => (1, s.as_str().to_owned()),
        _ => (2, key.to_owned()),
    }
}

/// Replaces `range` of `buf` by spaces, keeping `\n` and `\r\n`. Returns
/// whether a byte changed.
fn blank(buf: &mut [u8], range: Range<usize>) -> bool {
    let end = range.end.min(buf.len());
    let mut changed = false;
    for k in range.start.min(end)..end {
        let keep = match buf.get(k) {
            Some(b'\n') | None => true,
            Some(b'\r') => buf.get(k + 1) == Some(&b'\n'),
            Some(b' ') => true,
            Some(_) => false,
        };
        if !keep {
            if let Some(byte) = buf.get_mut(k) {
                *byte = b' ';
                changed = true;
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn first_error(text: &str) -> Error {
        parse_body(text).expect_err("the test input should not parse")
    }

    struct Repaired {
        text: String,
        body: Option<Body>,
    }

    fn repair(text: &str, first: &Error) -> Repaired {
        let (text, body) = rewrite(text, first);
        Repaired { text, body }
    }

    fn repaired(text: &str) -> String {
        repair(text, &first_error(text)).text
    }

    #[test]
    fn repeated_keys_keep_the_last_item() {
        assert_eq!(
            repaired("tags = { Name = \"a\", Env = 1, Name = \"b\" }\n"),
            "tags = {             Env = 1, Name = \"b\" }\n"
        );
        assert_eq!(
            repaired("t = {\n  a = 1\n  b = [\n 1,\n 2]\n  a = 3 # x\n  b = 4\n}\n"),
            "t = {\n       \n       \n   \n   \n  a = 3 # x\n  b = 4\n}\n"
        );
    }

    #[test]
    fn repeated_quoted_and_expression_keys() {
        let text = "t = { \"a\" = 1, \"\\u0061\" = 2, (k) = 3, (k) = 4, a = 5 }\n";
        let out = repair(text, &first_error(text));
        assert!(out.body.is_some(), "{}", out.text);
        assert_eq!(
            out.text,
            "t = {          \"\\u0061\" = 2,          (k) = 4, a = 5 }\n"
        );
    }

    #[test]
    fn many_objects_take_one_parse() {
        let text: String = (0..40)
            .map(|i| format!("o{i} = {{ a = 1, a = 2 }}\n"))
            .collect();
        let out = repair(&text, &first_error(&text));
        assert!(out.body.is_some(), "{}", out.text);
    }

    #[test]
    fn a_repeated_attribute_stays_an_error() {
        let text = "o = { a = 1, a = 2 }\nresource \"x\" \"y\" {\n  b = 1\n  b = 2\n}\nlocals {\n  c = 1\n}\n";
        let out = repair(text, &first_error(text));
        assert!(out.body.is_none());
        assert_eq!(out.text, text.replacen("a = 1,", "      ", 1));
    }

    #[test]
    fn nested_objects_are_each_repaired() {
        let text = "x = { a = { k = 1, k = 2 }, b = { k = 1, k = 2 }, a = 0 }\n";
        let out = repair(text, &first_error(text));
        assert!(out.body.is_some(), "{}", out.text);
    }

    #[test]
    fn heredoc_gets_a_marker_its_body_cannot_end() {
        let text = "a = <<EOF\nx\nEOF)\nEOF.\nEOZ)\n  EOF\n";
        let out = repair(text, &first_error(text));
        assert!(out.body.is_some(), "{}", out.text);
        // `EOZ` is taken by a body line: the next candidate.
        assert_eq!(out.text, "a = <<EOQ\nx\nEOF)\nEOF.\nEOZ)\n  EOQ\n");
    }

    #[test]
    fn scanner_follows_hcl() {
        // A `<<` that is no heredoc, comments, strings with braces and template sequences.
        let text =
            "a = 1 << 2\n# { \nb = \"}${ {c = 1} }\" /* { */\nd = <<X\n${ \"X\" }X\n X \ne = {}\n";
        let s = scan(text);
        assert_eq!(s.heredocs.len(), 1);
        assert_eq!(
            s.heredocs[0].close,
            Some(text.find(" X \n").unwrap() + 1..text.find(" X \n").unwrap() + 2)
        );
        // Everything is closed.
        assert!(s.stack_is_balanced());
    }

    impl Scan {
        fn stack_is_balanced(&self) -> bool {
            self.tokens.iter().enumerate().all(|(i, t)| match t.tok {
                Tok::Open(_) => self.close[i] < self.tokens.len(),
                _ => true,
            })
        }
    }

    fn assert_same_shape(original: &str, rewritten: &str) {
        assert_eq!(original.len(), rewritten.len());
        let lines = |s: &str| s.match_indices('\n').map(|(i, _)| i).collect::<Vec<_>>();
        assert_eq!(lines(original), lines(rewritten));
    }

    fn hclish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("a"),
            Just("b"),
            Just(" = "),
            Just(": "),
            Just(", "),
            Just("\n"),
            Just("\r\n"),
            Just("{"),
            Just("}"),
            Just("["),
            Just("]"),
            Just("("),
            Just(")"),
            Just("\""),
            Just("${"),
            Just("%{"),
            Just("$${"),
            Just("<<EOF\n"),
            Just("<<-EOF\n"),
            Just("EOF"),
            Just("EOF)"),
            Just("  "),
            Just("#"),
            Just("//"),
            Just("/*"),
            Just("*/"),
            Just("\\"),
            Just("é"),
            Just("\u{a0}"),
            Just("1"),
            Just("~}"),
            Just("<="),
        ];
        prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn repair_keeps_length_and_line_breaks(text in hclish()) {
            if let Err(e) = parse_body(&text) {
                let out = repair(&text, &e);
                assert_same_shape(&text, &out.text);
            }
        }

        #[test]
        fn repair_keeps_length_and_line_breaks_of_any_text(text in any::<String>()) {
            if let Err(e) = parse_body(&text) {
                let out = repair(&text, &e);
                assert_same_shape(&text, &out.text);
            }
        }

        #[test]
        fn rewrites_keep_the_shape_wherever_they_act(text in hclish(), at in any::<prop::sample::Index>()) {
            let s = scan(&text);
            let mut buf = text.as_bytes().to_vec();
            fix_heredocs(&text, &s, &mut buf);
            // Every token start, as if the parser had reported a repeated key there.
            let offset = s.tokens.get(at.index(s.tokens.len().max(1))).map_or(0, |t| t.start);
            dedupe_object(&text, &s, offset, &mut buf);
            dedupe_expression_objects(&text, &s, &mut buf);
            let rewritten = String::from_utf8(buf).expect("still UTF-8");
            assert_same_shape(&text, &rewritten);
        }
    }
}
