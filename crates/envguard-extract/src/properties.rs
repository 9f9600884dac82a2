//! Java `.properties` files, read as `java.util.Properties.load` reads them.
//!
//! Handled: `key=value`, `key: value`, `key value` (the first unescaped `=`,
//! `:` or whitespace ends the key), `#` and `!` comment lines, logical lines
//! continued with an odd number of trailing backslashes (leading whitespace of
//! the continuation is skipped), escapes `\t \n \r \f \uXXXX` (surrogate pairs
//! combined) and `\c` for any other character (so keys may hold escaped
//! separators such as `a\=b`), a key with no value (value `""`), CR, LF and
//! CRLF line ends. Trailing whitespace of a value is kept, as Java keeps it.
//!
//! Issues: a malformed `\uXXXX` escape (Java throws; here the escape is kept as
//! written and the line reported). Input that is not UTF-8 is read as ISO-8859-1.

use crate::text::LineMap;
use crate::Sink;
use envguard_model::Extraction;

pub(crate) fn extract(text: &str) -> Extraction {
    let mut sink = Sink::default();
    let mut map = LineMap::new(text);
    let src = text.as_bytes();
    let mut pos = 0;
    let mut segs: Vec<(usize, usize)> = Vec::new();
    while pos < src.len() {
        // One logical line: collect its physical segments.
        segs.clear();
        let mut first = true;
        let mut is_comment = false;
        loop {
            let (start, end, next) = physical_line(src, pos);
            pos = next;
            let mut s = start;
            // Leading whitespace is skipped on the first and on continued lines.
            while s < end && matches!(src.get(s), Some(b' ' | b'\t' | b'\x0c')) {
                s += 1;
            }
            if first {
                first = false;
                if s == end {
                    break; // blank line
                }
                if matches!(src.get(s), Some(b'#' | b'!')) {
                    is_comment = true;
                    break;
                }
            }
            let slashes = src
                .get(s..end)
                .unwrap_or_default()
                .iter()
                .rev()
                .take_while(|b| **b == b'\\')
                .count();
            if slashes % 2 == 1 && next > end {
                segs.push((s, end - 1));
                if pos >= src.len() {
                    break;
                }
            } else {
                segs.push((s, end));
                break;
            }
        }
        if is_comment || segs.is_empty() {
            continue;
        }
        logical_line(text, &segs, &mut map, &mut sink);
    }
    sink.finish()
}

/// The physical line starting at `pos`: (start, end of content, start of next line).
/// Line terminators are `\n`, `\r` and `\r\n`.
fn physical_line(src: &[u8], pos: usize) -> (usize, usize, usize) {
    let rest = src.get(pos..).unwrap_or_default();
    match memchr::memchr2(b'\n', b'\r', rest) {
        None => (pos, src.len(), src.len()),
        Some(i) => {
            let end = pos + i;
            let next = if src.get(end) == Some(&b'\r') && src.get(end + 1) == Some(&b'\n') {
                end + 2
            } else {
                end + 1
            };
            (pos, end, next)
        }
    }
}

/// Reads a logical line's bytes across its segments, remembering offsets.
struct Reader<'a> {
    src: &'a [u8],
    segs: &'a [(usize, usize)],
    seg: usize,
    pos: usize,
}

impl Reader<'_> {
    fn normalize(&mut self) {
        while let Some(&(_, end)) = self.segs.get(self.seg) {
            if self.pos < end {
                return;
            }
            self.seg += 1;
            if let Some(&(start, _)) = self.segs.get(self.seg) {
                self.pos = start;
            }
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.normalize();
        self.segs.get(self.seg)?;
        self.src.get(self.pos).copied()
    }

    fn bump(&mut self) {
        self.pos += 1;
    }

    /// Byte offset of the current position (end of the last segment at the end).
    fn offset(&mut self) -> usize {
        self.normalize();
        match self.segs.get(self.seg) {
            Some(_) => self.pos,
            None => self.segs.last().map_or(0, |s| s.1),
        }
    }

    /// Offset just after the last byte read.
    fn end_offset(&self) -> usize {
        self.pos
    }
}

fn logical_line(text: &str, segs: &[(usize, usize)], map: &mut LineMap<'_>, sink: &mut Sink) {
    let src = text.as_bytes();
    if let [(start, end)] = segs {
        let line = src.get(*start..*end).unwrap_or_default();
        if memchr::memchr(b'\\', line).is_none() {
            return simple_line(text, *start, *end, map, sink);
        }
    }
    let mut r = Reader {
        src,
        segs,
        seg: 0,
        pos: segs.first().map_or(0, |s| s.0),
    };
    let mut bad_escape = None;
    let mut key = Vec::new();
    // Key: up to the first unescaped `=`, `:` or whitespace.
    while let Some(b) = r.peek() {
        match b {
            b'=' | b':' | b' ' | b'\t' | b'\x0c' => break,
            b'\\' => read_escape(&mut r, &mut key, &mut bad_escape),
            _ => {
                key.push(b);
                r.bump();
            }
        }
    }
    // Separator: whitespace, at most one `=` or `:`, whitespace.
    while matches!(r.peek(), Some(b' ' | b'\t' | b'\x0c')) {
        r.bump();
    }
    if matches!(r.peek(), Some(b'=' | b':')) {
        r.bump();
        while matches!(r.peek(), Some(b' ' | b'\t' | b'\x0c')) {
            r.bump();
        }
    }
    let value_start = r.offset();
    let mut value = Vec::new();
    let mut value_end = value_start;
    while let Some(b) = r.peek() {
        if b == b'\\' {
            read_escape(&mut r, &mut value, &mut bad_escape);
        } else {
            value.push(b);
            r.bump();
        }
        value_end = r.end_offset();
    }
    if let Some(at) = bad_escape {
        let (line, _) = map.position(at);
        let region = map.line_region(line);
        sink.issue("malformed \\uXXXX escape", region);
    }
    let region = map.region(value_start, value_end);
    sink.fact(utf8(key), utf8(value), region);
}

/// The common case: one physical line without escapes.
fn simple_line(text: &str, start: usize, end: usize, map: &mut LineMap<'_>, sink: &mut Sink) {
    let src = text.as_bytes();
    let is_ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\x0c');
    let mut i = start;
    while i < end && !matches!(src.get(i), Some(b'=' | b':' | b' ' | b'\t' | b'\x0c')) {
        i += 1;
    }
    let key_end = i;
    while i < end && src.get(i).is_some_and(is_ws) {
        i += 1;
    }
    if i < end && matches!(src.get(i), Some(b'=' | b':')) {
        i += 1;
        while i < end && src.get(i).is_some_and(is_ws) {
            i += 1;
        }
    }
    let key = text.get(start..key_end).unwrap_or_default().to_owned();
    let value = text.get(i..end).unwrap_or_default().to_owned();
    let region = map.region(i, end);
    sink.fact(key, value, region);
}

fn utf8(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Reads one escape at a backslash, appending its character to `out`.
fn read_escape(r: &mut Reader<'_>, out: &mut Vec<u8>, bad: &mut Option<usize>) {
    let at = r.offset();
    r.bump(); // the backslash
    let Some(c) = r.peek() else {
        return; // a lone trailing backslash (continuation at end of input)
    };
    let ch = match c {
        b't' => '\t',
        b'n' => '\n',
        b'r' => '\r',
        b'f' => '\x0c',
        b'u' => {
            r.bump();
            let Some(unit) = read_hex4(r) else {
                bad.get_or_insert(at);
                out.extend_from_slice(b"\\u");
                return;
            };
            let ch = if (0xD800..0xDC00).contains(&unit) {
                // A high surrogate: combine with a following `\uDC00`-`\uDFFF`.
                let save = (r.seg, r.pos);
                let low = if r.peek() == Some(b'\\') {
                    r.bump();
                    if r.peek() == Some(b'u') {
                        r.bump();
                        read_hex4(r).filter(|u| (0xDC00..0xE000).contains(u))
                    } else {
                        None
                    }
                } else {
                    None
                };
                match low {
                    Some(low) => char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)),
                    None => {
                        (r.seg, r.pos) = save;
                        None
                    }
                }
            } else {
                char::from_u32(unit)
            };
            push_char(out, ch.unwrap_or('\u{FFFD}'));
            return;
        }
        _ => {
            // Any other escaped character stands for itself (the whole code point).
            let start = r.pos;
            let len = utf8_len(c);
            let bytes = r.src.get(start..start + len).unwrap_or_default();
            out.extend_from_slice(bytes);
            r.pos += len.max(1);
            return;
        }
    };
    r.bump();
    push_char(out, ch);
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Four hex digits; on failure the reader is left where it was.
fn read_hex4(r: &mut Reader<'_>) -> Option<u32> {
    let save = (r.seg, r.pos);
    let mut unit = 0u32;
    for _ in 0..4 {
        let Some(d) = r.peek().and_then(|b| char::from(b).to_digit(16)) else {
            (r.seg, r.pos) = save;
            return None;
        };
        unit = unit * 16 + d;
        r.bump();
    }
    Some(unit)
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}
