//! A read-only view of parsed YAML documents, for readers that need structure
//! rather than key/value facts (CI pipelines). Same parser, depth cap and alias
//! guard as the fact extractor; keys carry their regions.

use crate::tree::{Node, NodeId, Tree};
use envguard_model::{ParseIssue, Region};

/// The documents of one YAML file and the errors that stopped its parser.
pub struct YamlDocs {
    trees: Vec<Tree>,
    pub errors: Vec<ParseIssue>,
}

/// Parses every document of a YAML text. Non-UTF-8 bytes are replaced.
pub fn parse_yaml(text: &[u8]) -> YamlDocs {
    let text = String::from_utf8_lossy(text);
    let (trees, errors) = crate::yaml::documents(&text);
    YamlDocs { trees, errors }
}

/// A YAML file read once for both of its readers: the key/value facts and the
/// document view (a CI pipeline file is configuration to scan and a pipeline
/// to model). A file the strict reader takes whole is parsed once; one that
/// needs the lenient re-readings of [`crate::extract`] keeps the view of its
/// first reading, and its facts come from the re-readings.
pub fn extract_yaml_with_docs(text: &[u8]) -> (envguard_model::Extraction, YamlDocs) {
    let text = crate::text::decode_lossy(text);
    let (extraction, trees) = crate::yaml::extract_keeping_trees(&text);
    let errors = extraction.errors.clone();
    (extraction, YamlDocs { trees, errors })
}

impl YamlDocs {
    /// The root node of each document, in order.
    pub fn roots(&self) -> impl Iterator<Item = Yaml<'_>> {
        self.trees
            .iter()
            .flat_map(|t| t.roots.iter().map(move |id| Yaml { tree: t, id: *id }))
    }
}

/// One node of a YAML document. Aliases are resolved transparently.
#[derive(Clone, Copy)]
pub struct Yaml<'a> {
    tree: &'a Tree,
    id: NodeId,
}

impl<'a> Yaml<'a> {
    fn node(&self) -> &'a Node {
        let mut id = self.id;
        // Aliases point at earlier nodes; a bounded loop guards odd chains.
        for _ in 0..16 {
            match self.tree.nodes.get(id) {
                Some(Node::Alias(target, _)) => id = *target,
                Some(n) => return n,
                None => return &Node::Null,
            }
        }
        &Node::Null
    }

    fn at(&self, id: NodeId) -> Yaml<'a> {
        Yaml {
            tree: self.tree,
            id,
        }
    }

    /// The value of a mapping key (explicit entries first, then merged `<<` maps).
    pub fn get(&self, key: &str) -> Option<Yaml<'a>> {
        let Node::Map(entries) = self.node() else {
            return None;
        };
        if let Some(e) = entries.iter().find(|e| !e.merge && e.key == key) {
            return Some(self.at(e.value));
        }
        entries
            .iter()
            .filter(|e| e.merge)
            .find_map(|e| self.at(e.value).get(key))
    }

    /// Where a mapping key is written.
    pub fn key_region(&self, key: &str) -> Option<Region> {
        let Node::Map(entries) = self.node() else {
            return None;
        };
        entries
            .iter()
            .find(|e| !e.merge && e.key == key)
            .map(|e| e.key_region)
    }

    /// The entries of a mapping: key, key region, value (merged entries not included).
    pub fn entries(&self) -> Vec<(&'a str, Region, Yaml<'a>)> {
        match self.node() {
            Node::Map(entries) => entries
                .iter()
                .filter(|e| !e.merge)
                .map(|e| (e.key.as_str(), e.key_region, self.at(e.value)))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The items of a sequence.
    pub fn items(&self) -> Vec<Yaml<'a>> {
        match self.node() {
            Node::Seq(items) => items.iter().map(|i| self.at(*i)).collect(),
            _ => Vec::new(),
        }
    }

    /// A scalar's text (strings, numbers and booleans as written).
    pub fn as_str(&self) -> Option<&'a str> {
        match self.node() {
            Node::Scalar(s) => Some(s.text.as_str()),
            _ => None,
        }
    }

    /// A scalar's region.
    pub fn region(&self) -> Option<Region> {
        match self.node() {
            Node::Scalar(s) => Some(s.region),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.node(), Node::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.node(), Node::Seq(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.node(), Node::Null)
    }

    /// The scalars of a node: itself when a scalar, the scalar items of a sequence.
    pub fn strings(&self) -> Vec<(&'a str, Region)> {
        match self.node() {
            Node::Scalar(s) => vec![(s.text.as_str(), s.region)],
            Node::Seq(items) => items
                .iter()
                .filter_map(|i| {
                    let y = self.at(*i);
                    Some((y.as_str()?, y.region()?))
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The first region found in this node, depth-first (for containers).
    pub fn first_region(&self) -> Option<Region> {
        let mut stack = vec![*self];
        let mut budget = 10_000;
        while let Some(y) = stack.pop() {
            budget -= 1;
            if budget == 0 {
                return None;
            }
            match y.node() {
                Node::Scalar(s) => return Some(s.region),
                Node::Map(entries) => {
                    if let Some(e) = entries.first() {
                        if e.key_region != Region::default() {
                            return Some(e.key_region);
                        }
                        stack.push(y.at(e.value));
                    }
                }
                Node::Seq(items) => stack.extend(items.iter().rev().map(|i| y.at(*i))),
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_with_key_regions_and_merges() {
        let text = b"on:\n  push:\n    branches: [main]\njobs:\n  build: &b\n    runs-on: ubuntu-latest\n  deploy:\n    <<: *b\n    environment: production\n---\nsecond: 2\n";
        let docs = parse_yaml(text);
        assert!(docs.errors.is_empty());
        let roots: Vec<Yaml<'_>> = docs.roots().collect();
        assert_eq!(roots.len(), 2);
        let root = roots[0];
        assert_eq!(root.key_region("jobs"), Some(Region::new(4, 1, 4, 5)));
        let jobs = root.get("jobs").unwrap();
        let names: Vec<&str> = jobs.entries().iter().map(|e| e.0).collect();
        assert_eq!(names, vec!["build", "deploy"]);
        let deploy = jobs.get("deploy").unwrap();
        assert_eq!(
            deploy.get("runs-on").unwrap().as_str(),
            Some("ubuntu-latest")
        );
        assert_eq!(
            deploy.get("environment").unwrap().region(),
            Some(Region::new(9, 18, 9, 28))
        );
        let branches = root
            .get("on")
            .unwrap()
            .get("push")
            .unwrap()
            .get("branches")
            .unwrap();
        assert_eq!(
            branches.strings().iter().map(|s| s.0).collect::<Vec<_>>(),
            vec!["main"]
        );
        assert_eq!(roots[1].get("second").unwrap().as_str(), Some("2"));
    }

    #[test]
    fn broken_yaml_reports_errors() {
        let docs = parse_yaml(b"a: [1, 2\nb: {\n");
        assert!(!docs.errors.is_empty());
    }
}
