//! TOML through `toml`'s spanned `DeTable` parser, into the crate's arena tree
//! (see [`crate::tree`]): tables and dotted keys join with `.`, arrays (and
//! arrays of tables) by index; strings, numbers, booleans and datetimes are
//! facts as written. Entries come back sorted by key, so they are put back in
//! source order. `toml` limits nesting itself.
//!
//! Errors: the parser recovers and reports every error; each becomes an
//! issue, and only facts on lines before the first error are kept.

use crate::text::LineMap;
use crate::tree::{self, Entry, Node, NodeId, Scalar, Tree};
use crate::Sink;
use envguard_model::Extraction;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub(crate) fn extract(text: &str) -> Extraction {
    let mut lines = LineMap::new(text);
    let (root, errors) = DeTable::parse_recoverable(text);
    let mut first_error = None;
    let mut issues = Vec::new();
    for e in &errors {
        let region = match e.span() {
            Some(span) => lines.region(span.start, span.end),
            None => lines.point(text.len()),
        };
        if first_error.is_none_or(|r| region < r) {
            first_error = Some(region);
        }
        issues.push((e.message().to_owned(), region));
    }
    let tree = build(text, root.get_ref(), &mut lines);
    let mut sink = Sink::default();
    tree::walk(&tree, &mut sink);
    let mut out = sink.finish();
    if let Some(first) = first_error {
        // Recovery can make up values on the error's own line: keep earlier lines only.
        let before = |r: &envguard_model::Region| r.end_line < first.start_line;
        out.facts.retain(|f| before(&f.region));
        out.hints.retain(|h| before(&h.region));
    }
    let mut sink = Sink::default();
    for (message, region) in issues {
        sink.issue(&message, region);
    }
    out.errors = sink.finish().errors;
    out
}

enum Item<'a, 'i> {
    Table(&'a DeTable<'i>),
    Value(&'a Spanned<DeValue<'i>>),
}

fn build(text: &str, root: &DeTable<'_>, lines: &mut LineMap<'_>) -> Tree {
    let mut tree = Tree::default();
    let root_id = tree.push(Node::Null);
    tree.roots.push(root_id);
    let mut stack: Vec<(Item<'_, '_>, NodeId)> = vec![(Item::Table(root), root_id)];
    let mut pending: Vec<(Item<'_, '_>, NodeId)> = Vec::new();
    while let Some((item, id)) = stack.pop() {
        let node = match item {
            Item::Table(t) => table(t, &mut tree, &mut pending),
            Item::Value(v) => {
                let span = v.span();
                match v.get_ref() {
                    DeValue::Table(t) => table(t, &mut tree, &mut pending),
                    DeValue::Array(a) => {
                        let mut items = Vec::new();
                        for element in a.iter() {
                            let child = tree.push(Node::Null);
                            items.push(child);
                            pending.push((Item::Value(element), child));
                        }
                        Node::Seq(items)
                    }
                    DeValue::String(s) => {
                        let raw = text.get(span.clone()).unwrap_or_default();
                        let quote = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
                            3
                        } else {
                            1
                        };
                        let start = (span.start + quote).min(span.end);
                        let end = span.end.saturating_sub(quote).max(start);
                        let inner = text.get(start..end).unwrap_or_default();
                        Node::Scalar(Scalar {
                            text: s.to_string(),
                            region: lines.region(start, end),
                            exact: inner == s.as_ref() && !inner.contains('\n'),
                        })
                    }
                    DeValue::Integer(_)
                    | DeValue::Float(_)
                    | DeValue::Boolean(_)
                    | DeValue::Datetime(_) => {
                        let raw = text.get(span.clone()).unwrap_or_default();
                        Node::Scalar(Scalar {
                            text: raw.to_owned(),
                            region: lines.region(span.start, span.end),
                            exact: true,
                        })
                    }
                }
            }
        };
        if let Some(slot) = tree.nodes.get_mut(id) {
            *slot = node;
        }
        stack.extend(pending.drain(..).rev());
    }
    tree
}

/// A table's entries in source order.
fn table<'a, 'i>(
    t: &'a DeTable<'i>,
    tree: &mut Tree,
    pending: &mut Vec<(Item<'a, 'i>, NodeId)>,
) -> Node {
    let mut sorted: Vec<_> = t.iter().collect();
    sorted.sort_by_key(|(k, _)| k.span().start);
    let mut entries = Vec::with_capacity(sorted.len());
    for (key, value) in sorted {
        let child = tree.push(Node::Null);
        entries.push(Entry {
            key: key.get_ref().to_string(),
            merge: false,
            value: child,
            key_region: envguard_model::Region::default(),
        });
        pending.push((Item::Value(value), child));
    }
    Node::Map(entries)
}
