//! A small arena tree shared by the YAML, JSON and TOML extractors, and the one
//! walk that turns it into facts and hints.
//!
//! The walk is iterative (an explicit stack), so nesting depth costs heap, not
//! stack. It knows the shapes that matter to envguard:
//! - Kubernetes `kind: Secret`: values under `data` are base64-decoded;
//! - `- name: X` / `value: Y` list items (Kubernetes `env`, ECS `environment`,
//!   `secrets` with `valueFrom`) are folded into the key: `….env.X`;
//! - docker-compose `environment:` lists of `KEY=value` strings;
//! - YAML merge keys (`<<: *base`), explicit keys winning over merged ones;
//! - environment hints: `metadata.namespace`, a kustomization's `namespace`,
//!   `environment`/`env`/`stage` keys with a short scalar, or with a `name`.
//!
//! YAML aliases are followed, with a budget on the nodes visited through them
//! (the "billion laughs" guard). A fact reached through an alias has its own
//! key path (`services.api.environment.DB_PASSWORD` through `*db`, merged maps)
//! and the region of the anchored value, where the value is written, not of
//! the alias: a value written once is one place in the file, and the engine
//! keeps one secret occurrence per place and value however many keys reach it.

use crate::{is_env_segment, is_hint_value, join, Sink};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use envguard_model::{Region, ValueOrigin};
use std::rc::Rc;

pub(crate) type NodeId = usize;

/// Containers nested deeper than this are refused by the builders.
pub(crate) const MAX_DEPTH: usize = 256;
/// Key paths deeper than this (reachable only through aliases) are not walked.
const MAX_WALK_DEPTH: usize = 2 * MAX_DEPTH;
/// Nodes visited through aliases: at least this many, or as many as the tree holds.
const MIN_ALIAS_BUDGET: usize = 10_000;

pub(crate) struct Scalar {
    pub text: String,
    /// Where the value is written, without quotes.
    pub region: Region,
    /// The text is written on one line, character for character from
    /// `region`'s start (no escapes, no folding).
    pub exact: bool,
}

pub(crate) enum Node {
    /// A null, or something that is not a literal (a tagged YAML scalar).
    Null,
    Scalar(Scalar),
    Seq(Vec<NodeId>),
    Map(Vec<Entry>),
    /// A YAML alias: the anchored node, and where the alias is written.
    Alias(NodeId, Region),
}

pub(crate) struct Entry {
    pub key: String,
    /// A YAML merge key (`<<`).
    pub merge: bool,
    pub value: NodeId,
    /// Where the key is written (kept YAML trees only; default elsewhere).
    pub key_region: Region,
}

#[derive(Default)]
pub(crate) struct Tree {
    pub nodes: Vec<Node>,
    pub roots: Vec<NodeId>,
}

impl Tree {
    pub(crate) fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// The node itself, or the target of an alias.
    fn resolve(&self, id: NodeId) -> (NodeId, Option<Region>) {
        match self.nodes.get(id) {
            Some(Node::Alias(target, at)) => (*target, Some(*at)),
            _ => (id, None),
        }
    }

    fn node(&self, id: NodeId) -> &Node {
        let (id, _) = self.resolve(id);
        self.nodes.get(id).unwrap_or(&Node::Null)
    }

    fn scalar(&self, id: NodeId) -> Option<&Scalar> {
        match self.node(id) {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }

    fn entry<'t>(&'t self, entries: &'t [Entry], key: &str) -> Option<&'t Entry> {
        entries.iter().find(|e| !e.merge && e.key == key)
    }

    fn entry_scalar<'t>(&'t self, entries: &'t [Entry], key: &str) -> Option<&'t Scalar> {
        self.entry(entries, key).and_then(|e| self.scalar(e.value))
    }
}

#[derive(Clone)]
enum Mode {
    Normal,
    /// The `data` map of a Kubernetes Secret.
    SecretData,
    /// A value inside a Secret's `data`: base64.
    Base64,
    /// A `- name: X, value: Y` list item; the path is the list's.
    Named,
    /// A docker-compose `environment` list item: `KEY=value`.
    ComposeItem,
    /// The value of a merge key: its entries join the enclosing map, except
    /// those the map sets itself (sorted).
    Merge(Rc<[String]>),
}

struct Frame {
    node: NodeId,
    path: String,
    /// Byte offset in `path` where the key's own name begins (a JSON key may
    /// itself hold dots: `"aws.secret.access.key"`).
    name_start: usize,
    depth: usize,
    mode: Mode,
    /// Where the alias that led here is written, when one did.
    alias: Option<Region>,
}

/// Walks every document root of `tree` into `sink`.
pub(crate) fn walk(tree: &Tree, sink: &mut Sink) {
    // One fact per scalar (aliases aside): room for them at once, not by
    // doubling (a doubling holds the old and new arrays together).
    let scalars = tree
        .nodes
        .iter()
        .filter(|n| matches!(n, Node::Scalar(_)))
        .count();
    sink.reserve_facts(scalars);
    let mut w = Walker {
        tree,
        sink,
        alias_budget: MIN_ALIAS_BUDGET.max(tree.nodes.len()),
        alias_reported: false,
        depth_reported: false,
        stack: Vec::new(),
        children: Vec::new(),
    };
    for root in &tree.roots {
        w.stack.push(Frame {
            node: *root,
            path: String::new(),
            name_start: 0,
            depth: 0,
            mode: Mode::Normal,
            alias: None,
        });
        w.run();
    }
}

struct Walker<'t, 's> {
    tree: &'t Tree,
    sink: &'s mut Sink,
    alias_budget: usize,
    alias_reported: bool,
    depth_reported: bool,
    stack: Vec<Frame>,
    /// Scratch space for one node's children, pushed in reverse so they pop in order.
    children: Vec<Frame>,
}

impl Walker<'_, '_> {
    fn run(&mut self) {
        while let Some(frame) = self.stack.pop() {
            self.visit(frame);
            while let Some(child) = self.children.pop() {
                self.stack.push(child);
            }
        }
    }

    fn child(&mut self, parent: &Frame, node: NodeId, path: String, mode: Mode) {
        let name_start = if path == parent.path {
            parent.name_start
        } else if parent.path.is_empty() {
            0
        } else {
            (parent.path.len() + 1).min(path.len())
        };
        self.children.push(Frame {
            node,
            path,
            name_start,
            depth: parent.depth + 1,
            mode,
            alias: parent.alias,
        });
    }

    fn visit(&mut self, mut frame: Frame) {
        let tree = self.tree;
        let (id, alias) = tree.resolve(frame.node);
        if alias.is_some() {
            frame.alias = alias;
        }
        if let Some(at) = frame.alias {
            if self.alias_budget == 0 {
                if !self.alias_reported {
                    self.alias_reported = true;
                    self.sink.issue(
                        "too many nodes reached through aliases (possible alias bomb); \
                         expansion stopped",
                        at,
                    );
                }
                return;
            }
            self.alias_budget -= 1;
        }
        if frame.depth > MAX_WALK_DEPTH {
            if !self.depth_reported {
                self.depth_reported = true;
                let at = frame.alias.unwrap_or(Region::line(1));
                self.sink.issue("key path too deep; not walked further", at);
            }
            return;
        }
        match tree.nodes.get(id) {
            None | Some(Node::Null) | Some(Node::Alias(..)) => {}
            Some(Node::Scalar(s)) => self.scalar(frame, s),
            Some(Node::Seq(items)) => self.seq(&frame, items),
            Some(Node::Map(entries)) => self.map(&frame, entries),
        }
    }

    fn scalar(&mut self, frame: Frame, s: &Scalar) {
        if frame.path.is_empty() {
            return; // a document that is a bare scalar: no key, no fact
        }
        match &frame.mode {
            Mode::Base64 => {
                let path = frame.path;
                match decode_base64(&s.text) {
                    Some(decoded) => self.sink.fact_named(
                        path,
                        frame.name_start,
                        decoded,
                        s.region,
                        ValueOrigin::Base64,
                    ),
                    None => self.sink.fact_named(
                        path,
                        frame.name_start,
                        s.text.clone(),
                        s.region,
                        ValueOrigin::Plain,
                    ),
                }
            }
            Mode::ComposeItem => {
                let Some((key, value)) = s.text.split_once('=') else {
                    return; // `KEY` alone: taken from the host's environment
                };
                if key.is_empty() || key.contains(char::is_whitespace) {
                    return;
                }
                let region = if s.exact {
                    let skip = u32::try_from(key.chars().count() + 1).unwrap_or(u32::MAX);
                    let start = s.region.start_column.saturating_add(skip);
                    Region::new(
                        s.region.start_line,
                        start.min(s.region.end_column),
                        s.region.end_line,
                        s.region.end_column,
                    )
                } else {
                    s.region
                };
                let name_start = if frame.path.is_empty() {
                    0
                } else {
                    frame.path.len() + 1
                };
                let path = join(&frame.path, key);
                self.sink.fact_named(
                    path,
                    name_start,
                    value.to_owned(),
                    region,
                    ValueOrigin::Plain,
                );
            }
            Mode::Merge(_) => {}
            Mode::Normal | Mode::SecretData | Mode::Named => {
                let path = frame.path;
                if (path == "metadata.namespace" || path.ends_with(".metadata.namespace"))
                    && is_hint_value(&s.text)
                {
                    self.sink.hint(s.text.clone(), path.clone(), s.region);
                }
                self.sink.fact_named(
                    path,
                    frame.name_start,
                    s.text.clone(),
                    s.region,
                    ValueOrigin::Plain,
                );
            }
        }
    }

    fn seq(&mut self, frame: &Frame, items: &[NodeId]) {
        let tree = self.tree;
        if let Mode::Merge(_) = frame.mode {
            for item in items {
                self.child(frame, *item, frame.path.clone(), frame.mode.clone());
            }
            return;
        }
        let compose = last_segment(&frame.path) == "environment";
        for (i, item) in items.iter().enumerate() {
            match tree.node(*item) {
                Node::Scalar(_) if compose => {
                    self.child(frame, *item, frame.path.clone(), Mode::ComposeItem)
                }
                Node::Map(entries) if is_named_item(tree, entries) => {
                    self.child(frame, *item, frame.path.clone(), Mode::Named)
                }
                _ => self.child(
                    frame,
                    *item,
                    join(&frame.path, &i.to_string()),
                    Mode::Normal,
                ),
            }
        }
    }

    fn map(&mut self, frame: &Frame, entries: &[Entry]) {
        let tree = self.tree;
        let path = &frame.path;
        match &frame.mode {
            Mode::Merge(exclude) => {
                for e in entries {
                    if e.merge {
                        self.child(frame, e.value, path.clone(), frame.mode.clone());
                    } else if exclude.binary_search(&e.key).is_err() {
                        self.child(frame, e.value, join(path, &e.key), Mode::Normal);
                    }
                }
                return;
            }
            Mode::Named => {
                let name = tree
                    .entry_scalar(entries, "name")
                    .map(|s| s.text.as_str())
                    .unwrap_or_default();
                let base = join(path, name);
                for e in entries {
                    match e.key.as_str() {
                        "name" => {}
                        "value" => self.child(frame, e.value, base.clone(), Mode::Normal),
                        _ => self.child(frame, e.value, join(&base, &e.key), Mode::Normal),
                    }
                }
                return;
            }
            _ => {}
        }
        // `environment: {name: production, url: …}` (GitHub Actions, GitLab CI).
        if is_env_segment(last_segment(path)) {
            if let Some(name) = tree.entry_scalar(entries, "name") {
                if is_hint_value(&name.text) {
                    self.sink.hint(name.text.clone(), path.clone(), name.region);
                }
            }
        }
        let kind = tree.entry_scalar(entries, "kind").map(|s| s.text.as_str());
        if frame.depth == 0 && kind == Some("Kustomization") {
            if let Some(ns) = tree.entry_scalar(entries, "namespace") {
                if is_hint_value(&ns.text) {
                    self.sink
                        .hint(ns.text.clone(), "namespace".into(), ns.region);
                }
            }
        }
        let secret = kind == Some("Secret");
        let in_data = matches!(frame.mode, Mode::SecretData);
        let mut exclude: Option<Rc<[String]>> = None;
        for e in entries {
            if e.merge {
                let ex = exclude
                    .get_or_insert_with(|| {
                        let mut keys: Vec<String> = entries
                            .iter()
                            .filter(|e| !e.merge)
                            .map(|e| e.key.clone())
                            .collect();
                        keys.sort_unstable();
                        keys.into()
                    })
                    .clone();
                self.child(frame, e.value, path.clone(), Mode::Merge(ex));
                continue;
            }
            let mode = if secret && e.key == "data" {
                Mode::SecretData
            } else if in_data && tree.scalar(e.value).is_some() {
                Mode::Base64
            } else {
                Mode::Normal
            };
            self.child(frame, e.value, join(path, &e.key), mode);
        }
    }
}

fn last_segment(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// A list item like `{name: X, value: Y}` or `{name: X, valueFrom: …}`.
fn is_named_item(tree: &Tree, entries: &[Entry]) -> bool {
    tree.entry_scalar(entries, "name")
        .is_some_and(|s| !s.text.is_empty())
        && (tree.entry(entries, "value").is_some() || tree.entry(entries, "valueFrom").is_some())
}

const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Standard base64 (padding optional, whitespace ignored) decoding to UTF-8.
pub(crate) fn decode_base64(text: &str) -> Option<String> {
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let bytes = BASE64.decode(compact).ok()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_padding_whitespace_and_utf8() {
        assert_eq!(decode_base64("aHVudGVyMg==").as_deref(), Some("hunter2"));
        assert_eq!(decode_base64("aHVudGVyMg").as_deref(), Some("hunter2"));
        assert_eq!(
            decode_base64("aHVudG\n  VyMg==").as_deref(),
            Some("hunter2")
        );
        assert_eq!(decode_base64("not base64!"), None);
        // 0xFF 0xFE is not UTF-8.
        assert_eq!(decode_base64("//4="), None);
    }
}
