//! HCL (Terraform, OpenTofu, Terragrunt: `.tf`, `.tfvars`, `.hcl`) through
//! `hcl-edit`, which keeps byte spans.
//!
//! Facts are attributes whose value is a literal: a string, a template with no
//! interpolation or directive (quoted or heredoc), a number or a boolean.
//! Objects recurse with `.` keys, tuples by index, parentheses are looked
//! through. Key path = block type + labels + attribute
//! (`resource.aws_db_instance.main.password`, `locals.db_password`, a tfvars'
//! `db_password`). Anything else (references, interpolations, function calls,
//! conditionals, operators, `for` expressions) is not a fact, and neither is
//! any literal inside it.
//!
//! Hints: an attribute or object key named `environment`/`env`/`stage` with a
//! short string, only where it sets the file's own environment:
//!
//! - anywhere in `locals` (`locals.environment`, an `env.hcl`'s
//!   `locals.stage`, `locals.common_tags.Environment`);
//! - a top-level attribute (a tfvars' `environment = "prod"`) and anywhere in
//!   Terragrunt's top-level `inputs`;
//! - the `default` of a `variable "environment"` (`"env"`, `"stage"`) block;
//! - in a tag map (`tags`, `tags_all`, `labels`, `*_tags`, `*_labels`): a
//!   resource's, a data source's, a provider's `default_tags { tags = … }`, a
//!   tfvars' `tags = { … }`, the `default` of a `variable "tags"`.
//!
//! Never from a `module` block's arguments (inputs to a module, not this
//! file's environment), `output`s, Terragrunt `dependency` mocks,
//! `remote_state`, `generate`, `terraform` blocks, nor from a resource's own
//! attributes outside its tags (`environment = "prod"` of a resource is a
//! setting of that resource).
//!
//! `hcl-edit` stops at the first error without a result (and refuses nesting
//! deeper than 64), so a broken file yields one issue and no facts.
//!
//! Two kinds of valid HCL that `hcl-edit` 0.10 refuses get a second parse of
//! a rewritten text of the same length and lines (so spans still point into
//! the original; see the `repair` module), made only when the first parse fails:
//!
//! - A key repeated in an object constructor (`{ Name = "a", Name = "b" }`,
//!   where HCL keeps the last item): the earlier items are blanked out, so
//!   they yield no fact. A repeated attribute in a body stays an error, as in
//!   HCL.
//! - A heredoc body line that starts with the marker and goes on with a
//!   character that cannot continue an identifier (`EOF)`, `EOF.`,
//!   `EOF # x`), where `hcl-edit` ends the heredoc but HCL ends it only on a
//!   line that is the marker alone (surrounding whitespace trimmed): the
//!   heredoc gets another marker of the same length. Its value, and so its
//!   fact, is unchanged; only the delimiter `hcl-edit` keeps differs.
//!
//! If the rewritten text does not parse either, the first error is the one
//! reported. When `hcl-edit` ends such a heredoc early and the rest still
//! parses (a line `EOF.` right before the closing `EOF` reads as
//! `<<heredoc>.EOF`), there is no error and no second parse: that heredoc
//! yields no fact.

mod repair;

use crate::text::LineMap;
use crate::{is_env_segment, is_hint_value, join, Sink};
use envguard_model::{Extraction, Region};
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Body, Structure};
use hcl_edit::template::{Element, Template};
use hcl_edit::Span;

/// Our own bound on recursion (the parser's is lower).
const MAX_DEPTH: usize = 256;

pub(crate) fn extract(text: &str) -> Extraction {
    extract_with_body(text).0
}

/// The extraction and, when the file parses, its body (for callers that
/// read the structure too, such as the infrastructure facts).
pub(crate) fn extract_with_body(text: &str) -> (Extraction, Option<Body>) {
    let mut w = Walker {
        text,
        lines: LineMap::new(text),
        sink: Sink::default(),
    };
    let parsed = hcl_edit::parser::parse_body(text).or_else(|e| {
        // Spans in the repaired text are spans in `text`: same length, same lines.
        repair::repair(text, &e).ok_or(e)
    });
    let body = match parsed {
        Ok(body) => {
            w.body(&body, "", 0, Hints::Root);
            Some(body)
        }
        Err(e) => {
            let region = w.lines.point(e.location().offset());
            w.sink.issue(e.message(), region);
            None
        }
    };
    (w.sink.finish(), body)
}

/// Where a key named for an environment is a hint of the file's own
/// environment (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hints {
    /// The file's top-level body.
    Root,
    /// Every key below (`locals`, `inputs`).
    All,
    /// The keys of this tag map, and of tag maps below.
    TagMap,
    /// Only the keys of tag maps below (a resource, a provider).
    Tags,
    /// A `variable "tags"` block: its `default` is a tag map.
    TagVariable,
    /// Nowhere below (a `module` block, an `output`).
    None,
}

impl Hints {
    /// Whether a key `segment` holding a literal here is a hint.
    fn at(self, segment: &str) -> bool {
        matches!(self, Hints::Root | Hints::All | Hints::TagMap) && is_env_segment(segment)
    }

    /// The scope inside the value (object, block) of the key `segment`.
    fn below(self, segment: &str) -> Hints {
        match self {
            Hints::None => Hints::None,
            Hints::All => Hints::All,
            Hints::Root if segment == "inputs" => Hints::All,
            Hints::TagVariable if segment == "default" => Hints::TagMap,
            Hints::Root | Hints::TagMap | Hints::Tags | Hints::TagVariable => {
                if is_tag_map(segment) {
                    Hints::TagMap
                } else {
                    Hints::Tags
                }
            }
        }
    }

    /// The scope inside a top-level block.
    fn top_block(ident: &str, labels: &[hcl_edit::structure::BlockLabel]) -> Hints {
        match ident {
            "locals" => Hints::All,
            "variable" if labels.len() == 1 && is_tag_map(labels[0].as_str()) => Hints::TagVariable,
            "module" | "output" | "dependency" | "dependencies" | "generate" | "remote_state"
            | "terraform" | "include" | "moved" | "import" | "removed" | "check" => Hints::None,
            _ => Hints::Tags,
        }
    }
}

/// A key that holds tags or labels (`tags`, `tags_all`, `default_tags`,
/// `common_tags`, `labels`, `default_labels`).
fn is_tag_map(segment: &str) -> bool {
    let ends_with = |suffix: &str| {
        segment.len() >= suffix.len()
            && segment.as_bytes()[segment.len() - suffix.len()..]
                .eq_ignore_ascii_case(suffix.as_bytes())
    };
    ["tags", "tags_all", "labels"]
        .iter()
        .any(|w| segment.eq_ignore_ascii_case(w))
        || ends_with("_tags")
        || ends_with("_labels")
}

struct Walker<'a> {
    text: &'a str,
    lines: LineMap<'a>,
    sink: Sink,
}

impl Walker<'_> {
    fn body(&mut self, body: &Body, path: &str, depth: usize, hints: Hints) {
        if depth > MAX_DEPTH {
            return;
        }
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let name = attr.key.as_str();
                    let key = join(path, name);
                    let hint = hints.at(name);
                    self.expr(&attr.value, &key, depth + 1, hints.below(name), hint);
                }
                Structure::Block(block) => {
                    let ident = block.ident.as_str();
                    let mut key = join(path, ident);
                    for label in &block.labels {
                        key = join(&key, label.as_str());
                    }
                    let inner = if hints == Hints::Root {
                        if ident == "variable"
                            && block.labels.len() == 1
                            && block.labels.iter().all(|l| is_env_segment(l.as_str()))
                        {
                            self.variable_default_hint(&block.body, &key);
                        }
                        Hints::top_block(ident, &block.labels)
                    } else {
                        hints.below(ident)
                    };
                    self.body(&block.body, &key, depth + 1, inner);
                }
            }
        }
    }

    /// `variable "environment" { default = "prod" }`.
    fn variable_default_hint(&mut self, body: &Body, path: &str) {
        let Some(attr) = body.get_attribute("default") else {
            return;
        };
        if let Some((value, region)) = self.literal(&attr.value) {
            if is_hint_value(&value) {
                self.sink.hint(value, join(path, "default"), region);
            }
        }
    }

    /// `hints`: the scope inside this value; `hint`: a literal here is a hint.
    fn expr(&mut self, expr: &Expression, path: &str, depth: usize, hints: Hints, hint: bool) {
        if depth > MAX_DEPTH {
            return;
        }
        match expr {
            Expression::Object(object) => {
                for (key, value) in object.iter() {
                    let segment = match key {
                        ObjectKey::Ident(ident) => ident.as_str().to_owned(),
                        ObjectKey::Expression(Expression::String(s)) => s.as_str().to_owned(),
                        ObjectKey::Expression(_) => continue,
                    };
                    let key_hint = hints.at(&segment);
                    self.expr(
                        value.expr(),
                        &join(path, &segment),
                        depth + 1,
                        hints.below(&segment),
                        key_hint,
                    );
                }
            }
            Expression::Array(array) => {
                for (i, value) in array.iter().enumerate() {
                    let segment = i.to_string();
                    let below = hints.below(&segment);
                    self.expr(value, &join(path, &segment), depth + 1, below, false);
                }
            }
            Expression::Parenthesis(p) => self.expr(p.inner(), path, depth + 1, hints, hint),
            _ => {
                if let Some((value, region)) = self.literal(expr) {
                    if hint && is_hint_value(&value) {
                        self.sink.hint(value.clone(), path.to_owned(), region);
                    }
                    self.sink.fact_only(path.to_owned(), value, region);
                }
            }
        }
    }

    /// A literal scalar's value and where it is written (quotes excluded).
    fn literal(&mut self, expr: &Expression) -> Option<(String, Region)> {
        match expr {
            Expression::String(s) => {
                let span = s.span()?;
                Some((s.as_str().to_owned(), self.quoted(span)))
            }
            Expression::StringTemplate(t) => {
                let value = literal_template(t)?;
                Some((value, self.quoted(t.span()?)))
            }
            Expression::HeredocTemplate(h) => {
                let value = literal_template(&h.template)?;
                let span = h.template.span()?;
                // The template runs up to the closing delimiter's line: drop the last line break.
                let raw = self.text.get(span.clone()).unwrap_or_default();
                let trimmed = raw.strip_suffix('\n').unwrap_or(raw);
                let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
                // An indented heredoc (`<<-`): the value starts after the indentation.
                let indent = trimmed.len() - trimmed.trim_start_matches([' ', '\t']).len();
                let end = span.start + trimmed.len();
                Some((value, self.lines.region(span.start + indent, end)))
            }
            Expression::Number(_) | Expression::Bool(_) => {
                let span = match expr {
                    Expression::Number(n) => n.span()?,
                    Expression::Bool(b) => b.span()?,
                    _ => return None,
                };
                let raw = self.text.get(span.clone())?.to_owned();
                Some((raw, self.lines.region(span.start, span.end)))
            }
            _ => None,
        }
    }

    /// The region inside a quoted string's span.
    fn quoted(&mut self, span: std::ops::Range<usize>) -> Region {
        let start = (span.start + 1).min(span.end);
        let end = span.end.saturating_sub(1).max(start);
        self.lines.region(start, end)
    }
}

/// A template made of literal text only.
fn literal_template(t: &Template) -> Option<String> {
    let mut value = String::new();
    for element in t.iter() {
        match element {
            Element::Literal(s) => value.push_str(s.as_str()),
            _ => return None,
        }
    }
    Some(value)
}
