//! `.env` files: `KEY=value` assignments, read the way docker compose and the
//! common dotenv libraries read them, without ever expanding `$VAR`.
//!
//! Handled: blank and `#` comment lines, an optional `export ` prefix, spaces
//! around `=`, single-quoted values (literal), double-quoted values (escapes
//! `\n \r \t \" \\ \$`; other escapes are kept as written), backtick-quoted
//! values (literal), quoted values spanning lines, unquoted values with a
//! trailing ` # comment` stripped, CRLF line ends (a CRLF inside a quoted value
//! becomes `\n`). A bare `export KEY` (no `=`) is accepted and yields nothing.
//!
//! Not handled: `$VAR`/`${VAR}` expansion (never done, by design), `KEY: value`
//! (YAML-style lines are reported as issues).

use crate::text::LineMap;
use crate::Sink;
use envguard_model::Extraction;

pub(crate) fn extract(text: &str) -> Extraction {
    let mut p = Parser {
        src: text.as_bytes(),
        text,
        pos: 0,
        map: LineMap::new(text),
        sink: Sink::default(),
    };
    p.run();
    p.sink.finish()
}

struct Parser<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    map: LineMap<'a>,
    sink: Sink,
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t')
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn skip_blanks(&mut self) {
        while self.peek().is_some_and(is_blank) {
            self.pos += 1;
        }
    }

    /// End of the current line (offset of its `\n`, or of the end of input).
    fn line_end(&self) -> usize {
        memchr::memchr(b'\n', self.src.get(self.pos..).unwrap_or_default())
            .map_or(self.src.len(), |i| self.pos + i)
    }

    /// Moves past the end of the current line.
    fn next_line(&mut self) {
        self.pos = (self.line_end() + 1).min(self.src.len());
    }

    fn issue_here(&mut self, message: &str) {
        let (line, _) = self.map.position(self.pos);
        let region = self.map.line_region(line);
        self.sink.issue(message, region);
    }

    fn str(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or_default()
    }

    fn run(&mut self) {
        while self.pos < self.src.len() {
            self.statement();
        }
    }

    /// One logical statement starting at a line start; leaves `pos` at the
    /// start of the next line.
    fn statement(&mut self) {
        self.skip_blanks();
        match self.peek() {
            None => return,
            Some(b'\n') | Some(b'#') => return self.next_line(),
            Some(b'\r') if self.src.get(self.pos + 1) == Some(&b'\n') => return self.next_line(),
            _ => {}
        }
        // `export KEY=...`
        let rest = self.src.get(self.pos..).unwrap_or_default();
        let exported = rest.starts_with(b"export") && rest.get(6).copied().is_some_and(is_blank);
        if exported {
            self.pos += 6;
            self.skip_blanks();
        }
        let key_start = self.pos;
        while self.peek().is_some_and(is_key_byte) {
            self.pos += 1;
        }
        let key_end = self.pos;
        if key_start == key_end {
            self.issue_here("expected a `KEY=value` assignment");
            return self.next_line();
        }
        self.skip_blanks();
        match self.peek() {
            Some(b'=') => self.pos += 1,
            None | Some(b'\n') | Some(b'#') | Some(b'\r') => {
                // `export KEY`, or `KEY` alone (Docker `--env-file`, kustomize
                // env files): passes the variable through, assigns nothing.
                let _ = exported;
                return self.next_line();
            }
            _ => {
                self.issue_here("expected `=` after the key");
                return self.next_line();
            }
        }
        let key = self.str(key_start, key_end).to_owned();
        self.skip_blanks();
        match self.peek() {
            Some(q @ (b'\'' | b'`')) => self.quoted_literal(key, q),
            Some(b'"') => self.double_quoted(key),
            _ => self.unquoted(key),
        }
    }

    fn unquoted(&mut self, key: String) {
        let start = self.pos;
        let end_of_line = self.line_end();
        let line = self.src.get(start..end_of_line).unwrap_or_default();
        // A `#` starts a comment when it follows a blank (`KEY=v # note`,
        // `KEY= # note`). Right after `=` it is part of the value, as in
        // python-dotenv and Docker Compose: `REDIS_PASSWORD=#x9...` is a password.
        let after_blank = start > 0 && self.src.get(start - 1).copied().is_some_and(is_blank);
        let mut end = line.len();
        for (i, b) in line.iter().enumerate() {
            let prev_blank = if i == 0 {
                after_blank
            } else {
                line.get(i - 1).copied().is_some_and(is_blank)
            };
            if *b == b'#' && prev_blank {
                end = i;
                break;
            }
        }
        while end > 0 && line.get(end - 1).is_some_and(|b| b.is_ascii_whitespace()) {
            end -= 1;
        }
        let value = self.str(start, start + end).to_owned();
        let region = self.map.region(start, start + end);
        self.sink.fact(key, value, region);
        self.pos = end_of_line;
        self.next_line();
    }

    /// `'...'` or `` `...` ``: everything up to the closing quote, literally.
    fn quoted_literal(&mut self, key: String, quote: u8) {
        let open = self.pos;
        let body = open + 1;
        let Some(close) =
            memchr::memchr(quote, self.src.get(body..).unwrap_or_default()).map(|i| body + i)
        else {
            self.issue_here("unterminated quoted value");
            return self.next_line();
        };
        let raw = self.str(body, close);
        let value = if raw.contains('\r') {
            raw.replace("\r\n", "\n")
        } else {
            raw.to_owned()
        };
        let region = self.map.region(body, close);
        self.sink.fact(key, value, region);
        self.pos = close + 1;
        self.after_quoted();
    }

    /// `"..."`: escapes `\n \r \t \" \\ \$`, others kept as written.
    fn double_quoted(&mut self, key: String) {
        let open = self.pos;
        let body = open + 1;
        let mut value = String::new();
        let mut i = body;
        let mut seg = body;
        let close = loop {
            let rest = self.src.get(i..).unwrap_or_default();
            let Some(j) = memchr::memchr2(b'"', b'\\', rest) else {
                self.pos = open;
                self.issue_here("unterminated double-quoted value");
                return self.next_line();
            };
            let at = i + j;
            value.push_str(self.str(seg, at));
            if self.src.get(at) == Some(&b'"') {
                break at;
            }
            // A backslash: look at the escaped character.
            match self.src.get(at + 1) {
                Some(b'n') => value.push('\n'),
                Some(b'r') => value.push('\r'),
                Some(b't') => value.push('\t'),
                Some(b'"') => value.push('"'),
                Some(b'\\') => value.push('\\'),
                Some(b'$') => value.push('$'),
                Some(_) => {
                    // Keep an unknown escape as written (backslash and character).
                    let next = self.text.get(at + 1..).and_then(|s| s.chars().next());
                    value.push('\\');
                    if let Some(c) = next {
                        value.push(c);
                        i = at + 1 + c.len_utf8();
                        seg = i;
                        continue;
                    }
                }
                None => {
                    self.pos = open;
                    self.issue_here("unterminated double-quoted value");
                    return self.next_line();
                }
            }
            i = at + 2;
            seg = i;
        };
        if value.contains('\r') && self.str(body, close).contains("\r\n") {
            value = value.replace("\r\n", "\n");
        }
        let region = self.map.region(body, close);
        self.sink.fact(key, value, region);
        self.pos = close + 1;
        self.after_quoted();
    }

    /// After a closing quote: only blanks and an optional comment may follow.
    fn after_quoted(&mut self) {
        self.skip_blanks();
        match self.peek() {
            None | Some(b'\n') | Some(b'#') => {}
            Some(b'\r') if matches!(self.src.get(self.pos + 1), Some(b'\n') | None) => {}
            _ => self.issue_here("unexpected text after the closing quote"),
        }
        self.next_line();
    }
}
