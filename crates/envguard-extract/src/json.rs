//! JSON through `jsonc-parser`'s spanned AST, into the crate's arena tree
//! (see [`crate::tree`]) without recursion of our own.
//!
//! Strict JSON, except that comments and trailing commas are accepted (they
//! cannot change what valid JSON means, and `tsconfig.json`-style files use
//! them). Single quotes, unquoted keys, hex numbers and the like are errors.
//! `jsonc-parser` refuses nesting deeper than 512 levels; on any error it gives
//! no tree, so a broken file yields its issue and no facts.

use crate::text::LineMap;
use crate::tree::{self, Entry, Node, NodeId, Scalar, Tree};
use crate::Sink;
use envguard_model::Extraction;
use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, CommentCollectionStrategy, ParseOptions};

pub(crate) fn extract(text: &str) -> Extraction {
    let mut sink = Sink::default();
    let options = ParseOptions {
        allow_comments: true,
        allow_loose_object_property_names: false,
        allow_trailing_commas: true,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    let mut lines = LineMap::new(text);
    match jsonc_parser::parse_to_ast(text, &collect, &options) {
        Ok(parsed) => {
            let tree = parsed.value.map(|value| build(text, &value, &mut lines));
            // The syntax tree is gone before the facts are made: a large
            // file holds two of the three at a time, not all three.
            if let Some(tree) = tree {
                tree::walk(&tree, &mut sink);
            }
        }
        Err(e) => {
            let range = e.range();
            let region = lines.region(range.start, range.end);
            sink.issue(&e.kind().to_string(), region);
        }
    }
    sink.finish()
}

/// Converts the AST into the arena tree, depth first in source order (so the
/// line map is queried with increasing offsets).
fn build(text: &str, root: &Value<'_>, lines: &mut LineMap<'_>) -> Tree {
    let mut tree = Tree::default();
    let root_id = tree.push(Node::Null);
    tree.roots.push(root_id);
    let mut stack: Vec<(&Value<'_>, NodeId)> = vec![(root, root_id)];
    let mut pending: Vec<(&Value<'_>, NodeId)> = Vec::new();
    while let Some((value, id)) = stack.pop() {
        let node = match value {
            Value::NullKeyword(_) => Node::Null,
            Value::StringLit(s) => {
                let (start, end) = (s.range.start, s.range.end);
                // The range includes the quotes.
                let inner = (start + 1).min(end)..end.saturating_sub(1).max(start);
                let raw = text.get(inner.clone()).unwrap_or_default();
                Node::Scalar(Scalar {
                    text: s.value.to_string(),
                    region: lines.region(inner.start, inner.end),
                    exact: raw == s.value.as_ref() && !raw.contains('\n'),
                })
            }
            Value::NumberLit(_) | Value::BooleanLit(_) => {
                let range = value.range();
                let raw = text.get(range.start..range.end).unwrap_or_default();
                Node::Scalar(Scalar {
                    text: raw.to_owned(),
                    region: lines.region(range.start, range.end),
                    exact: true,
                })
            }
            Value::Array(a) => {
                let mut items = Vec::with_capacity(a.elements.len());
                for element in &a.elements {
                    let child = tree.push(Node::Null);
                    items.push(child);
                    pending.push((element, child));
                }
                Node::Seq(items)
            }
            Value::Object(o) => {
                let mut entries = Vec::with_capacity(o.properties.len());
                for prop in &o.properties {
                    let key = match &prop.name {
                        ObjectPropName::String(s) => s.value.to_string(),
                        ObjectPropName::Word(w) => w.value.to_owned(),
                    };
                    let child = tree.push(Node::Null);
                    entries.push(Entry {
                        key,
                        merge: false,
                        value: child,
                        key_region: envguard_model::Region::default(),
                    });
                    pending.push((&prop.value, child));
                }
                Node::Map(entries)
            }
        };
        if let Some(slot) = tree.nodes.get_mut(id) {
            *slot = node;
        }
        // Children pop in source order.
        stack.extend(pending.drain(..).rev());
    }
    tree
}
