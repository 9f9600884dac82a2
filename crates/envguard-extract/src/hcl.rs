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
//! short string (`tags.Environment = "staging"`), and the `default` of a
//! `variable "environment"` block.
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
            w.body(&body, "", 0);
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

struct Walker<'a> {
    text: &'a str,
    lines: LineMap<'a>,
    sink: Sink,
}

impl Walker<'_> {
    fn body(&mut self, body: &Body, path: &str, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let key = join(path, attr.key.as_str());
                    self.expr(&attr.value, &key, depth + 1);
                }
                Structure::Block(block) => {
                    let mut key = join(path, block.ident.as_str());
                    for label in &block.labels {
                        key = join(&key, label.as_str());
                    }
                    if block.ident.as_str() == "variable"
                        && block.labels.len() == 1
                        && block.labels.iter().all(|l| is_env_segment(l.as_str()))
                    {
                        self.variable_default_hint(&block.body, &key);
                    }
                    self.body(&block.body, &key, depth + 1);
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

    fn expr(&mut self, expr: &Expression, path: &str, depth: usize) {
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
                    self.expr(value.expr(), &join(path, &segment), depth + 1);
                }
            }
            Expression::Array(array) => {
                for (i, value) in array.iter().enumerate() {
                    self.expr(value, &join(path, &i.to_string()), depth + 1);
                }
            }
            Expression::Parenthesis(p) => self.expr(p.inner(), path, depth + 1),
            _ => {
                if let Some((value, region)) = self.literal(expr) {
                    self.sink.fact(path.to_owned(), value, region);
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
