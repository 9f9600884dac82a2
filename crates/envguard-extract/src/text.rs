//! Text helpers shared by the parsers: input decoding and a byte-offset to
//! line/column map that stays linear when queried in (mostly) increasing order.

use envguard_model::Region;
use std::borrow::Cow;

/// Decodes a file's bytes for the structured parsers.
///
/// A UTF-8 byte-order mark is dropped (editors do not count it as a column).
/// Invalid UTF-8 is decoded lossily: every invalid sequence becomes U+FFFD, which
/// keeps lines intact and columns close to what an editor shows.
pub(crate) fn decode_lossy(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // `from_utf8` is the fast check; `from_utf8_lossy` walks chunk by chunk.
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// Decodes a `.properties` file: UTF-8 when valid, otherwise ISO-8859-1 (the
/// format's historical encoding), where every byte is one code point.
pub(crate) fn decode_properties(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(bytes.iter().map(|b| char::from(*b)).collect()),
    }
}

/// Number of code points in a UTF-8 byte slice.
#[inline]
pub(crate) fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| (**b & 0xC0) != 0x80).count()
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Maps byte offsets of one text to 1-based lines and code-point columns.
///
/// Unlike `envguard_model::LineIndex`, it remembers the last position it
/// computed, so a run of increasing offsets on one very long line (minified
/// JSON) costs the distance between them, not the distance from the line start.
pub(crate) struct LineMap<'a> {
    text: &'a [u8],
    starts: Vec<usize>,
    /// (line index, byte offset, 1-based column) of the last lookup.
    last: (usize, usize, usize),
}

impl<'a> LineMap<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = Vec::with_capacity(bytes.len() / 40 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        LineMap {
            text: bytes,
            starts,
            last: (0, 0, 1),
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        let (last, _, _) = self.last;
        // Lookups mostly stay on the last line or move to the next one.
        for line in [last, last + 1] {
            let start = self.starts.get(line).copied().unwrap_or(usize::MAX);
            let next = self.starts.get(line + 1).copied().unwrap_or(usize::MAX);
            if start <= offset && offset < next {
                return line;
            }
        }
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// 1-based (line, column) of a byte offset; offsets past the end clamp to the end.
    pub(crate) fn position(&mut self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.line_of(offset);
        let line_start = self.starts.get(line).copied().unwrap_or(0);
        let (last_line, last_off, last_col) = self.last;
        let col = if last_line == line && last_off <= offset {
            last_col + count_chars(self.text.get(last_off..offset).unwrap_or_default())
        } else {
            1 + count_chars(self.text.get(line_start..offset).unwrap_or_default())
        };
        self.last = (line, offset, col);
        (to_u32(line + 1), to_u32(col))
    }

    /// The region of the byte range `start..end`.
    pub(crate) fn region(&mut self, start: usize, end: usize) -> Region {
        let (sl, sc) = self.position(start);
        let (el, ec) = self.position(end.max(start));
        Region::new(sl, sc, el, ec)
    }

    /// A zero-width region at a byte offset.
    pub(crate) fn point(&mut self, offset: usize) -> Region {
        let (l, c) = self.position(offset);
        Region::new(l, c, l, c)
    }

    /// The region of a whole 1-based line's text (without its terminator).
    pub(crate) fn line_region(&self, line: u32) -> Region {
        let width = self.line_text(line).map(count_chars).unwrap_or(0);
        Region::new(line, 1, line, to_u32(width + 1))
    }

    /// The bytes of a 1-based line, without its line terminator (`\n` or `\r\n`).
    pub(crate) fn line_text(&self, line: u32) -> Option<&'a [u8]> {
        let idx = (line as usize).checked_sub(1)?;
        let start = *self.starts.get(idx)?;
        let end = self
            .starts
            .get(idx + 1)
            .map(|e| e - 1)
            .unwrap_or(self.text.len());
        let s = self.text.get(start..end.max(start))?;
        Some(s.strip_suffix(b"\r").unwrap_or(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_follow_lines_and_code_points() {
        let text = "a=1\nkey=é2\r\n\nlast";
        let mut map = LineMap::new(text);
        assert_eq!(map.position(0), (1, 1));
        assert_eq!(map.position(4), (2, 1));
        let two = text.find('2').unwrap_or(0);
        assert_eq!(map.position(two), (2, 6));
        // Going backwards on the same line recomputes from the line start.
        assert_eq!(map.position(5), (2, 2));
        assert_eq!(map.position(text.len()), (4, 5));
        assert_eq!(map.position(text.len() + 10), (4, 5));
        assert_eq!(map.line_text(2), Some("key=é2".as_bytes()));
        assert_eq!(map.line_region(2), Region::new(2, 1, 2, 7));
        assert_eq!(map.line_text(5), None);
    }

    #[test]
    fn properties_fall_back_to_latin1() {
        assert_eq!(decode_properties(b"k=caf\xe9"), "k=café");
        assert_eq!(decode_properties("k=café".as_bytes()), "k=café");
        assert_eq!(decode_lossy(b"\xEF\xBB\xBFa=1"), "a=1");
        assert_eq!(decode_lossy(b"a=\xff"), "a=\u{FFFD}");
    }
}
