//! YAML through `saphyr-parser`'s event stream, into the crate's own arena
//! tree (see [`crate::tree`]): no recursion, containers nested deeper than
//! [`MAX_DEPTH`] are refused with an issue, aliases are followed by the walk
//! under a budget. Every document of a stream is read; key paths restart at
//! each document.
//!
//! Scalars: plain, quoted and block (`|`, `>`) scalars become facts; plain
//! nulls (``, `~`, `null`) do not, nor do scalars with a local tag (`!Ref`,
//! `!Sub`, `!vault`: not literals). Keys that are not scalars (complex keys)
//! are skipped with their values.

use crate::text::LineMap;
use crate::tree::{self, Entry, Node, NodeId, Scalar, Tree, MAX_DEPTH};
use crate::Sink;
use envguard_model::{Extraction, Region};
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span, Tag};
use std::borrow::Cow;
use std::collections::HashMap;

pub(crate) fn extract(text: &str) -> Extraction {
    let mut sink = Sink::default();
    parse(text, &mut sink, None);
    lenient(text, sink.finish())
}

/// [`extract`], keeping the document trees of the first reading.
pub(crate) fn extract_keeping_trees(text: &str) -> (Extraction, Vec<Tree>) {
    let mut sink = Sink::default();
    let mut keep = Vec::new();
    parse(text, &mut sink, Some(&mut keep));
    (lenient(text, sink.finish()), keep)
}

/// The facts of the best reading, from the strict `first` one and, when it
/// failed, lenient re-readings.
fn lenient(text: &str, first: Extraction) -> Extraction {
    if first.errors.is_empty() {
        return first;
    }
    // Two things YAML 1.2 forbids, saphyr refuses, and PyYAML, Go's yaml (so
    // kubectl, Helm, promtool) and the tools that read these files accept:
    // - `"value"# note`: a comment with no whitespace before it. The comment
    //   is blanked (same length, same lines, positions unchanged);
    // - a quoted scalar, or a plain scalar inside a flow collection, whose
    //   continuation lines are indented no deeper than its key (Prometheus
    //   rule tests: `values: '1 1 1` / `  0 0'`). Spaces are put in front of
    //   those lines, which changes no value (leading spaces of a continuation
    //   line are folded away) and is undone on the positions afterwards.
    // The text is read again, a few times at most; a reading stands only
    // when it is better than the one before.
    let mut text = Cow::Borrowed(text);
    let mut shifts = Shifts::default();
    let mut best = first;
    for _ in 0..MAX_REREADS {
        let Some(fixed) = best.errors.iter().find_map(|e| lenient_fix(&text, e)) else {
            break;
        };
        let (fixed, added) = fixed;
        let mut sink = Sink::default();
        parse(&fixed, &mut sink, None);
        let next = sink.finish();
        if next.errors.len() > best.errors.len()
            || (next.errors.len() == best.errors.len() && next.facts.len() <= best.facts.len())
        {
            break;
        }
        best = next;
        text = Cow::Owned(fixed);
        shifts.add(&added);
    }
    shifts.undo(&mut best);
    best
}

/// Re-readings of one file after a lenient fix, at most.
const MAX_REREADS: usize = 16;

/// A fix for an error that YAML 1.2 has and common readers do not: the text to
/// read again and the columns added at the start of lines (1-based line, count).
fn lenient_fix(
    text: &str,
    issue: &envguard_model::ParseIssue,
) -> Option<(String, Vec<(u32, u32)>)> {
    let m = issue.message.as_str();
    if m.contains("comments must be separated") {
        blank_comment(text, issue.region).map(|t| (t, Vec::new()))
    } else if m.contains("invalid indentation in quoted scalar") {
        indent_quoted(text, issue.region)
    } else if m.contains("invalid indentation in flow construct") {
        indent_flow_line(text, issue.region)
    } else {
        None
    }
}

/// Columns added at the start of lines by lenient fixes, per line.
#[derive(Default)]
struct Shifts(std::collections::BTreeMap<u32, u32>);

impl Shifts {
    fn add(&mut self, added: &[(u32, u32)]) {
        for (line, n) in added {
            *self.0.entry(*line).or_default() += n;
        }
    }

    /// A 1-based column of the fixed text as a column of the original one.
    fn column(&self, line: u32, col: u32) -> u32 {
        match self.0.get(&line) {
            Some(n) => col.saturating_sub(*n).max(1),
            None => col,
        }
    }

    fn region(&self, r: Region) -> Region {
        Region::new(
            r.start_line,
            self.column(r.start_line, r.start_column),
            r.end_line,
            self.column(r.end_line, r.end_column),
        )
    }

    fn undo(&self, out: &mut Extraction) {
        if self.0.is_empty() {
            return;
        }
        for f in &mut out.facts {
            f.region = self.region(f.region);
        }
        for h in &mut out.hints {
            h.region = self.region(h.region);
        }
        for e in &mut out.errors {
            e.region = self.region(e.region);
        }
    }
}

/// Byte offset of the start of a 1-based line.
fn line_start(text: &str, line: u32) -> Option<usize> {
    let line = usize::try_from(line).ok()?.checked_sub(1)?;
    if line == 0 {
        return Some(0);
    }
    memchr::memchr_iter(b'\n', text.as_bytes())
        .nth(line - 1)
        .map(|i| i + 1)
}

/// Leading blanks (spaces, tabs) of a line.
fn indent_of(line: &[u8]) -> usize {
    line.iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count()
}

/// `text` with `n` spaces inserted at each of the given byte offsets (line starts, increasing).
fn insert_spaces(text: &str, at: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len() + at.iter().map(|a| a.1).sum::<usize>());
    let mut from = 0;
    for (offset, n) in at {
        out.push_str(&text[from..*offset]);
        out.extend(std::iter::repeat_n(' ', *n));
        from = *offset;
    }
    out.push_str(&text[from..]);
    out
}

/// The quoted scalar that opens at `at`, its continuation lines indented to
/// the opening quote's column (those that are less).
fn indent_quoted(text: &str, at: Region) -> Option<(String, Vec<(u32, u32)>)> {
    let start = line_start(text, at.start_line)?;
    let col = usize::try_from(at.start_column).ok()?.checked_sub(1)?;
    let (qi, quote) = text[start..].char_indices().nth(col)?;
    if quote != '\'' && quote != '"' {
        return None;
    }
    let bytes = text.as_bytes();
    let mut i = start + qi + 1;
    let mut line = at.start_line;
    let mut inserts = Vec::new();
    let mut added = Vec::new();
    loop {
        match *bytes.get(i)? {
            b'\\' if quote == '"' => i += 2,
            b'\'' if quote == '\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote as u8 => break,
            b'\n' => {
                i += 1;
                line += 1;
                let rest = &bytes[i..];
                let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                let indent = indent_of(&rest[..end]);
                // Blank lines are line breaks, whatever their indentation.
                if indent < end && indent < col {
                    let n = col - indent;
                    inserts.push((i, n));
                    added.push((line, to_u32(n)));
                }
            }
            _ => i += 1,
        }
    }
    if inserts.is_empty() {
        return None;
    }
    Some((insert_spaces(text, &inserts), added))
}

/// A line inside a flow collection (`[`…`]`, `{`…`}`) indented no deeper
/// than the collection's key: indented one column past the line before it.
fn indent_flow_line(text: &str, at: Region) -> Option<(String, Vec<(u32, u32)>)> {
    let start = line_start(text, at.start_line)?;
    let bytes = text.as_bytes();
    let end = start + memchr::memchr(b'\n', &bytes[start..]).unwrap_or(bytes.len() - start);
    let indent = indent_of(&bytes[start..end]);
    // The previous non-blank line's indentation.
    let mut prev = bytes[..start.saturating_sub(1)]
        .split(|b| *b == b'\n')
        .rev()
        .map(indent_of_nonblank)
        .find_map(|i| i)?;
    prev += 1;
    if indent >= prev {
        return None;
    }
    let n = prev - indent;
    Some((
        insert_spaces(text, &[(start, n)]),
        vec![(at.start_line, to_u32(n))],
    ))
}

/// A line's indentation, or `None` when it is blank or a comment.
fn indent_of_nonblank(line: &[u8]) -> Option<usize> {
    let i = indent_of(line);
    match line.get(i) {
        None | Some(b'\r' | b'#') => None,
        Some(_) => Some(i),
    }
}

/// `text` with the comment that starts at `at` (a `#` glued to the token
/// before it) replaced by spaces up to the end of its line.
fn blank_comment(text: &str, at: Region) -> Option<String> {
    let line = usize::try_from(at.start_line).ok()?.checked_sub(1)?;
    let col = usize::try_from(at.start_column).ok()?.checked_sub(1)?;
    let start = if line == 0 {
        0
    } else {
        memchr::memchr_iter(b'\n', text.as_bytes()).nth(line - 1)? + 1
    };
    let rest = &text[start..];
    let end = start + memchr::memchr(b'\n', rest.as_bytes()).unwrap_or(rest.len());
    // The column counts characters; the `#` is at or just after it.
    let hash = text[start..end]
        .char_indices()
        .skip(col.saturating_sub(1))
        .find(|(_, c)| *c == '#')
        .map(|(i, _)| start + i)?;
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..hash]);
    out.extend(std::iter::repeat_n(' ', end - hash));
    out.push_str(&text[end..]);
    Some(out)
}

/// Parses every document into a tree that is kept (with key regions) instead
/// of walked into facts: for readers that need the structure (pipelines).
pub(crate) fn documents(text: &str) -> (Vec<Tree>, Vec<envguard_model::ParseIssue>) {
    let mut sink = Sink::default();
    let mut keep = Vec::new();
    parse(text, &mut sink, Some(&mut keep));
    (keep, sink.finish().errors)
}

/// A scalar's text as a string of its own length: saphyr hands plain scalars
/// over with room reserved for a longer one (over 100 bytes each, most of a
/// dense file's memory if kept).
fn owned(text: Cow<'_, str>) -> String {
    let mut text = text.into_owned();
    text.shrink_to_fit();
    text
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The position just past the end of `text`.
fn end_of(text: &str) -> (u32, u32) {
    let bytes = text.as_bytes();
    let lines = memchr::memchr_iter(b'\n', bytes).count() + 1;
    let last = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
    let col = crate::text::count_chars(bytes.get(last..).unwrap_or_default()) + 1;
    (to_u32(lines), to_u32(col))
}

/// An open container while building.
struct Open {
    node: NodeId,
    /// For a mapping: the key read, waiting for its value. `Some(None)`: a key
    /// that cannot be a path segment (complex key), whose value is dropped.
    pending_key: Option<Option<(String, bool, Region)>>,
}

struct Builder<'a> {
    text: &'a str,
    /// The position past the end of the text: the parser reports errors at
    /// end of input one line further (it sees a final line break).
    end: (u32, u32),
    tree: Tree,
    stack: Vec<Open>,
    anchors: HashMap<usize, NodeId>,
    lines: Option<LineMap<'a>>,
    /// (character index, byte offset) of the last character-to-byte lookup.
    cursor: (usize, usize),
    /// When set, finished documents are kept here instead of walked, and keys
    /// get their regions.
    keep: Option<&'a mut Vec<Tree>>,
}

/// Builds one document's tree at a time (anchors do not cross documents) and
/// walks it at the document's end, or where an error stops the parser.
fn parse<'a>(text: &'a str, sink: &mut Sink, keep: Option<&'a mut Vec<Tree>>) {
    let mut b = Builder {
        keep,
        end: end_of(text),
        text,
        cursor: (0, 0),
        // Room for a typical file's nodes (one every 64 bytes) from the start;
        // a dense file grows by doubling (reserving for the densest costs every file page faults).
        tree: Tree {
            nodes: Vec::with_capacity(text.len() / 64),
            roots: Vec::new(),
        },
        stack: Vec::new(),
        anchors: HashMap::new(),
        lines: None,
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(ev) => ev,
            Err(e) => {
                let (line, col) = b.point(e.marker());
                sink.issue(e.info(), Region::new(line, col, line, col));
                break;
            }
        };
        match event {
            Event::StreamEnd => break,
            Event::DocumentEnd => b.flush(sink),
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => {}
            Event::Scalar(value, style, anchor, tag) => {
                b.scalar(value, style, anchor, tag.as_deref(), &span);
            }
            Event::Alias(anchor) => b.alias(anchor, &span, sink),
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if b.stack.len() >= MAX_DEPTH {
                    let (line, col) = b.point(&span.start);
                    sink.issue(
                        &format!("nesting deeper than {MAX_DEPTH} levels; parsing stopped"),
                        Region::new(line, col, line, col),
                    );
                    break;
                }
                let node = if matches!(event, Event::SequenceStart(..)) {
                    Node::Seq(Vec::new())
                } else {
                    Node::Map(Vec::new())
                };
                let id = b.tree.push(node);
                if anchor != 0 {
                    b.anchors.insert(anchor, id);
                }
                b.attach(id, None);
                b.stack.push(Open {
                    node: id,
                    pending_key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                b.stack.pop();
            }
        }
    }
    b.flush(sink);
}

/// A Prometheus rule unit test (`promtool test rules`): a document whose
/// top-level mapping has `rule_files` and `tests`. The environments its
/// series and expected alerts name are test data.
fn is_prometheus_rule_test(tree: &Tree) -> bool {
    let Some(Node::Map(entries)) = tree.roots.first().and_then(|r| tree.nodes.get(*r)) else {
        return false;
    };
    let has = |k: &str| entries.iter().any(|e| e.key == k);
    has("rule_files") && has("tests")
}

impl<'a> Builder<'a> {
    /// 1-based (line, column) of a parser position, clamped to the text.
    fn point(&self, m: &Marker) -> (u32, u32) {
        let p = (to_u32(m.line()), to_u32(m.col() + 1));
        p.min(self.end)
    }

    /// Walks the document built so far and starts afresh.
    fn flush(&mut self, sink: &mut Sink) {
        if let Some(keep) = self.keep.as_deref_mut() {
            if !self.tree.roots.is_empty() {
                let mut tree = std::mem::take(&mut self.tree);
                tree.nodes.shrink_to_fit();
                keep.push(tree);
            }
        } else {
            let hints = sink.hint_count();
            tree::walk(&self.tree, sink);
            if is_prometheus_rule_test(&self.tree) {
                // Its `exp_labels: {env: prod}` are expectations, not its environment.
                sink.truncate_hints(hints);
            }
        }
        self.tree.nodes.clear();
        self.tree.roots.clear();
        self.anchors.clear();
        self.stack.clear();
    }

    /// The line map, built on first use (only block scalars and node
    /// properties need it).
    fn lines(&mut self) -> &mut LineMap<'a> {
        self.lines.get_or_insert_with(|| LineMap::new(self.text))
    }

    /// Whether the next node is a mapping key.
    fn expecting_key(&self) -> bool {
        match self.stack.last() {
            Some(open) => {
                matches!(self.tree.nodes.get(open.node), Some(Node::Map(_)))
                    && open.pending_key.is_none()
            }
            None => false,
        }
    }

    /// Reads a mapping's key (see [`Builder::expecting_key`]): `None` for one
    /// that cannot be a path segment.
    fn set_key(&mut self, key: Option<(String, bool, Region)>) {
        if let Some(open) = self.stack.last_mut() {
            open.pending_key = Some(key);
        }
    }

    /// Hangs a new node under the open container (or makes it a document root).
    /// `key` is the node's text when it is a scalar usable as a key.
    fn attach(&mut self, id: NodeId, key: Option<(String, bool, Region)>) {
        let Some(open) = self.stack.last_mut() else {
            self.tree.roots.push(id);
            return;
        };
        match self.tree.nodes.get_mut(open.node) {
            Some(Node::Seq(items)) => items.push(id),
            Some(Node::Map(entries)) => match open.pending_key.take() {
                None => open.pending_key = Some(key),
                Some(Some((key, merge, key_region))) => entries.push(Entry {
                    key,
                    merge,
                    value: id,
                    key_region,
                }),
                Some(None) => {}
            },
            _ => {}
        }
    }

    fn scalar(
        &mut self,
        value: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        span: &Span,
    ) {
        if self.expecting_key() {
            let merge = style == ScalarStyle::Plain && value == "<<";
            // A key's node only matters when it is anchored (its alias may
            // be a value elsewhere); other keys take no node (a third of a
            // dense file's nodes).
            if anchor != 0 {
                let node = Node::Scalar(Scalar {
                    text: value.to_string(),
                    region: self.region(span, style, true),
                    exact: false,
                });
                let id = self.tree.push(node);
                self.anchors.insert(anchor, id);
            }
            let key_region = if self.keep.is_some() {
                self.region(span, style, anchor != 0 || tag.is_some())
            } else {
                Region::default()
            };
            self.set_key(Some((owned(value), merge, key_region)));
            return;
        }
        let local_tag = tag.is_some_and(|t| !t.is_yaml_core_schema());
        let null = style == ScalarStyle::Plain
            && matches!(value.as_ref(), "" | "~" | "null" | "Null" | "NULL");
        let node = if local_tag || null {
            Node::Null
        } else {
            let region = self.region(span, style, anchor != 0 || tag.is_some());
            let (sl, el) = (span.start.line(), span.end.line());
            let chars = span.end.index().saturating_sub(span.start.index());
            let exact = sl == el
                && match style {
                    ScalarStyle::Plain => true,
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                        chars == value.chars().count() + 2
                    }
                    _ => false,
                };
            Node::Scalar(Scalar {
                text: owned(value),
                region,
                exact,
            })
        };
        let id = self.tree.push(node);
        if anchor != 0 {
            self.anchors.insert(anchor, id);
        }
        self.attach(id, None);
    }

    fn alias(&mut self, anchor: usize, span: &Span, sink: &mut Sink) {
        let (line, col) = self.point(&span.start);
        let (eline, ecol) = self.point(&span.end);
        let at = Region::new(line, col, eline, ecol);
        let target = self.anchors.get(&anchor).copied();
        let open = target.is_some_and(|t| self.stack.iter().any(|o| o.node == t));
        if open {
            sink.issue("alias refers to an enclosing node (recursive alias)", at);
        }
        let key = match target.and_then(|t| self.tree.nodes.get(t)) {
            Some(Node::Scalar(s)) => Some((s.text.clone(), false, at)),
            _ => None,
        };
        let node = match target {
            Some(t) if !open => Node::Alias(t, at),
            _ => Node::Null,
        };
        let expecting_key = self.expecting_key();
        let id = self.tree.push(node);
        self.attach(id, if expecting_key { key } else { None });
    }

    /// Byte offset of a character index, moving a cursor forward (events come
    /// in text order, so this is linear overall).
    fn byte_offset(&mut self, chars: usize) -> usize {
        let (mut at_char, mut at_byte) = self.cursor;
        if chars < at_char {
            (at_char, at_byte) = (0, 0);
        }
        let rest = self.text.get(at_byte..).unwrap_or_default();
        let skip = chars - at_char;
        let off = match rest.char_indices().nth(skip) {
            Some((i, _)) => at_byte + i,
            None => self.text.len(),
        };
        self.cursor = (chars, off);
        off
    }

    /// A scalar's span starts at its properties (`&anchor`, `!tag`) when it
    /// has some: the position of the value itself, after them.
    fn skip_properties(&mut self, index: usize, start: (u32, u32)) -> (u32, u32) {
        let from = self.byte_offset(index);
        let bytes = self.text.as_bytes();
        let mut i = from;
        while matches!(bytes.get(i), Some(b'&' | b'!')) {
            while bytes.get(i).is_some_and(|b| !b.is_ascii_whitespace()) {
                i += 1;
            }
            while bytes.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
                i += 1;
            }
        }
        if i == from {
            return start;
        }
        if matches!(bytes.get(i), Some(b'|' | b'>')) {
            // A block scalar's header: its content starts on a later line.
            while bytes.get(i).is_some_and(|b| *b != b'\n') {
                i += 1;
            }
            while bytes.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
                i += 1;
            }
        }
        self.lines().position(i)
    }

    /// The region of a scalar's value: quotes excluded; a block scalar ends at
    /// the end of its last non-blank line.
    fn region(&mut self, span: &Span, style: ScalarStyle, props: bool) -> Region {
        let (mut sl, mut sc) = self.point(&span.start);
        if props {
            (sl, sc) = self.skip_properties(span.start.index(), (sl, sc));
        }
        let (mut el, mut ec) = self.point(&span.end);
        match style {
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                sc += 1;
                ec = ec.saturating_sub(1).max(1);
            }
            ScalarStyle::Literal | ScalarStyle::Folded => {
                // The span runs past the block's last line (to the next token):
                // end at the end of the last non-blank line instead.
                let blank = |t: &[u8]| t.iter().all(|b| b.is_ascii_whitespace());
                let before_end = self.lines().line_text(el).map(|t| {
                    let upto = t
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| (**b & 0xC0) != 0x80)
                        .nth((ec as usize).saturating_sub(1))
                        .map_or(t.len(), |(i, _)| i);
                    t.get(..upto).unwrap_or(t)
                });
                if el > sl && before_end.is_some_and(blank) {
                    let mut line = el - 1;
                    let lines = self.lines();
                    while line > sl && lines.line_text(line).is_some_and(blank) {
                        line -= 1;
                    }
                    el = line;
                    ec = lines.line_region(line).end_column;
                }
            }
            _ => {}
        }
        if (el, ec) < (sl, sc) {
            (el, ec) = (sl, sc);
        }
        Region::new(sl, sc, el, ec)
    }
}
