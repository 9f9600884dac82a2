use serde::{Deserialize, Serialize};

/// A region of a text file. Lines and columns are 1-based; columns count Unicode
/// code points (SARIF `columnKind: unicodeCodePoints`); `end_column` is exclusive.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Region {
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Region {
    pub fn new(start_line: u32, start_column: u32, end_line: u32, end_column: u32) -> Self {
        Region {
            start_line,
            start_column,
            end_line,
            end_column,
        }
    }

    /// A region covering a whole line (column 1 up to, not including, column 1 of the next line).
    pub fn line(line: u32) -> Self {
        Region {
            start_line: line,
            start_column: 1,
            end_line: line,
            end_column: 1,
        }
    }

    pub fn contains_line(&self, line: u32) -> bool {
        self.start_line <= line && line <= self.end_line
    }
}

/// Maps byte offsets of one text to 1-based lines and code-point columns.
///
/// Built once per file in O(n) with `memchr`-speed newline search by the caller
/// passing the text; lookups are a binary search.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a [u8],
    /// Byte offset at which each line starts; `starts[0] == 0`.
    starts: Vec<usize>,
    /// All-ASCII text: a column is a byte distance, no counting needed (keeps
    /// lookups O(log n) on minified one-line files).
    ascii: bool,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a [u8]) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        for (i, b) in text.iter().enumerate() {
            if *b == b'\n' {
                starts.push(i + 1);
            }
        }
        LineIndex {
            text,
            starts,
            ascii: text.is_ascii(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 1-based (line, column) of a byte offset. Offsets past the end clamp to the end.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line_idx = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = self.starts[line_idx];
        let col = if self.ascii {
            offset - line_start + 1
        } else {
            count_chars(&self.text[line_start..offset]) + 1
        };
        (line_idx as u32 + 1, col as u32)
    }

    /// The region of the byte range `start..end`.
    pub fn region(&self, start: usize, end: usize) -> Region {
        let (sl, sc) = self.position(start);
        let (el, ec) = self.position(end.max(start));
        Region::new(sl, sc, el, ec)
    }

    /// Byte offset of the start of a 1-based line, if it exists.
    pub fn line_start(&self, line: u32) -> Option<usize> {
        self.starts.get((line as usize).checked_sub(1)?).copied()
    }

    /// The bytes of a 1-based line, without its line terminator.
    pub fn line_text(&self, line: u32) -> Option<&'a [u8]> {
        let start = self.line_start(line)?;
        let end = self
            .starts
            .get(line as usize)
            .map(|e| e - 1)
            .unwrap_or(self.text.len());
        let mut s = &self.text[start..end.max(start)];
        if let [rest @ .., b'\r'] = s {
            s = rest;
        }
        Some(s)
    }
}

/// Number of code points in a UTF-8 byte slice (invalid bytes count one each).
fn count_chars(bytes: &[u8]) -> usize {
    // Continuation bytes are 0b10xx_xxxx; every other byte starts a code point.
    bytes.iter().filter(|b| (**b & 0xC0) != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_code_points() {
        let text = "a=1\nkey=é2\n\nlast".as_bytes();
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(0), (1, 1));
        assert_eq!(idx.position(4), (2, 1));
        // 'é' is two bytes; the '2' after it is column 6.
        let two = text.iter().position(|b| *b == b'2').unwrap();
        assert_eq!(idx.position(two), (2, 6));
        assert_eq!(idx.position(text.len()), (4, 5));
        assert_eq!(idx.line_text(2).unwrap(), "key=é2".as_bytes());
        assert_eq!(idx.line_text(3).unwrap(), b"");
        assert_eq!(idx.line_text(5), None);
    }

    #[test]
    fn crlf_is_trimmed_from_line_text() {
        let idx = LineIndex::new(b"a=1\r\nb=2\r\n");
        assert_eq!(idx.line_text(1).unwrap(), b"a=1");
        assert_eq!(idx.region(5, 8), Region::new(2, 1, 2, 4));
    }
}
