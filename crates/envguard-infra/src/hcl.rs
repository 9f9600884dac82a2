//! An owned, span-carrying mirror of an HCL body (Terraform, Terragrunt,
//! tfvars, backend config), made once per file from `hcl-edit`'s tree so that
//! the files of a directory can be evaluated together after the walk.
//!
//! Only what a static reader can evaluate is kept precisely: literals,
//! templates, references (`local.x`, `var.x`, `include.root.locals.x`),
//! function calls, objects, tuples, conditionals and `==`/`!=`. Every other
//! operator and `for` expressions become [`Expr::Unknown`].

use envguard_model::{LineIndex, Region};
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{BlockLabel, Body, Structure};
use hcl_edit::template::{Element, Template};
use hcl_edit::Span;

/// Bound on the nesting we mirror (the parser's own bound is lower).
const MAX_DEPTH: usize = 128;

/// An expression, owned. Literals carry the region where they are written.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Str(String, Region),
    Num(String),
    Bool(bool),
    Null,
    /// A string template: literal parts as `Str`, interpolations as expressions.
    Template(Vec<Expr>),
    /// `root.step.step…` (`local.tags`, `var.env`, `include.root.locals.x`).
    Ref(String, Vec<Step>),
    Call(String, Vec<Expr>),
    Object(Vec<ObjectItem>),
    Tuple(Vec<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `a == b` (`true`) or `a != b` (`false`).
    Eq(bool, Box<Expr>, Box<Expr>),
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectItem {
    pub key: String,
    pub value: Expr,
    /// Where the value is written.
    pub region: Region,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Attr(String),
    /// Boxed: most steps are attributes, and a step is kept for every
    /// reference of every HCL file until its directory is evaluated.
    Index(Box<Expr>),
}

/// `key = value` in a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    pub key: String,
    pub value: Expr,
    /// Where the value is written.
    pub region: Region,
}

/// `ident "label" … { body }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub ident: String,
    pub labels: Vec<String>,
    pub body: HclBody,
    /// The block's first line (its header).
    pub region: Region,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HclBody {
    pub attrs: Vec<Attr>,
    pub blocks: Vec<Block>,
}

impl HclBody {
    pub fn attr(&self, key: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.key == key)
    }
    pub fn blocks<'a>(&'a self, ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.ident == ident)
    }
}

/// Mirrors a parsed body.
pub fn mirror(text: &str, body: &Body) -> HclBody {
    let mut m = Mirror {
        lines: LineIndex::new(text.as_bytes()),
    };
    m.body(body, "", 0)
}

/// Blocks no reader of the mirror looks into: Terragrunt `dependencies`
/// blocks and a `dependency`'s `mock_outputs` (plan-time placeholders; only its
/// `config_path` is kept), `generate` (files written
/// at run time), outputs, refactoring blocks, `check` assertions and
/// `terraform { required_providers … }` (only its `backend` is read). Leaving
/// them out keeps every HCL file's mirror small until its directory is evaluated.
fn skipped_block(ident: &str, parent: &str) -> bool {
    match parent {
        "" => matches!(
            ident,
            "dependencies" | "generate" | "output" | "moved" | "import" | "removed" | "check"
        ),
        "terraform" => ident != "backend" && ident != "cloud",
        // A variable's `validation` blocks are checks, not values; a Terragrunt
        // dependency's `mock_outputs` are plan-time placeholders.
        "variable" | "dependency" => true,
        _ => false,
    }
}

/// Attributes that are prose or type constraints, never read as values.
fn skipped_attr(key: &str, parent: &str) -> bool {
    (parent == "dependency" && key != "config_path")
        || key == "description"
        || (parent == "variable" && matches!(key, "type" | "sensitive" | "nullable" | "ephemeral"))
}

struct Mirror<'a> {
    lines: LineIndex<'a>,
}

impl Mirror<'_> {
    fn region(&self, span: Option<std::ops::Range<usize>>) -> Region {
        match span {
            Some(s) => self.lines.region(s.start, s.end),
            None => Region::line(1),
        }
    }

    /// The region inside a quoted literal's span.
    fn quoted(&self, span: Option<std::ops::Range<usize>>) -> Region {
        match span {
            Some(s) if s.end >= s.start + 2 => self.lines.region(s.start + 1, s.end - 1),
            other => self.region(other),
        }
    }

    /// `parent`: the ident of the block this body belongs to (`""` at the top).
    fn body(&mut self, body: &Body, parent: &str, depth: usize) -> HclBody {
        let mut out = HclBody::default();
        if depth > MAX_DEPTH {
            return out;
        }
        // Sized once: every mirror is kept until the walk ends.
        out.attrs.reserve_exact(body.attributes().count());
        out.blocks.reserve_exact(body.blocks().count());
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) if skipped_attr(attr.key.as_str(), parent) => {}
                Structure::Block(block) if skipped_block(block.ident.as_str(), parent) => {}
                Structure::Attribute(attr) => {
                    let region = self.value_region(&attr.value);
                    out.attrs.push(Attr {
                        key: attr.key.as_str().to_owned(),
                        value: self.expr(&attr.value, depth + 1),
                        region,
                    });
                }
                Structure::Block(block) => {
                    let header = block
                        .span()
                        .map(|s| {
                            let (line, _) = self.lines.position(s.start);
                            Region::line(line)
                        })
                        .unwrap_or(Region::line(1));
                    out.blocks.push(Block {
                        ident: block.ident.as_str().to_owned(),
                        labels: block
                            .labels
                            .iter()
                            .map(|l| match l {
                                BlockLabel::Ident(i) => i.as_str().to_owned(),
                                BlockLabel::String(s) => s.as_str().to_owned(),
                            })
                            .collect(),
                        body: self.body(&block.body, block.ident.as_str(), depth + 1),
                        region: header,
                    });
                }
            }
        }
        out
    }

    fn value_region(&self, e: &Expression) -> Region {
        match e {
            Expression::String(_) | Expression::StringTemplate(_) => self.quoted(e.span()),
            _ => self.region(e.span()),
        }
    }

    fn expr(&mut self, e: &Expression, depth: usize) -> Expr {
        if depth > MAX_DEPTH {
            return Expr::Unknown;
        }
        match e {
            Expression::Null(_) => Expr::Null,
            Expression::Bool(b) => Expr::Bool(*b.value()),
            Expression::Number(n) => Expr::Num(n.value().to_string()),
            Expression::String(s) => Expr::Str(s.value().clone(), self.quoted(e.span())),
            Expression::StringTemplate(t) => self.template(t, depth),
            Expression::HeredocTemplate(h) => self.template(&h.template, depth),
            Expression::Parenthesis(p) => self.expr(p.inner(), depth + 1),
            Expression::Array(a) => {
                Expr::Tuple(a.iter().map(|v| self.expr(v, depth + 1)).collect())
            }
            Expression::Object(o) => {
                let mut items = Vec::with_capacity(o.len());
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_owned(),
                        ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                        ObjectKey::Expression(Expression::StringTemplate(t)) => {
                            match self.template(t, depth) {
                                Expr::Str(s, _) => s,
                                _ => continue,
                            }
                        }
                        ObjectKey::Expression(_) => continue,
                    };
                    let region = self.value_region(v.expr());
                    items.push(ObjectItem {
                        key,
                        value: self.expr(v.expr(), depth + 1),
                        region,
                    });
                }
                Expr::Object(items)
            }
            Expression::Variable(v) => Expr::Ref(v.as_str().to_owned(), Vec::new()),
            Expression::Traversal(t) => {
                let Expression::Variable(root) = &t.expr else {
                    return Expr::Unknown;
                };
                let mut steps = Vec::with_capacity(t.operators.len());
                for op in &t.operators {
                    match op.value() {
                        TraversalOperator::GetAttr(i) => {
                            steps.push(Step::Attr(i.as_str().to_owned()))
                        }
                        TraversalOperator::Index(ix) => {
                            steps.push(Step::Index(Box::new(self.expr(ix, depth + 1))))
                        }
                        TraversalOperator::LegacyIndex(n) => {
                            steps.push(Step::Index(Box::new(Expr::Num(n.value().to_string()))))
                        }
                        _ => return Expr::Unknown,
                    }
                }
                Expr::Ref(root.as_str().to_owned(), steps)
            }
            Expression::FuncCall(f) => {
                if f.name.is_namespaced() {
                    return Expr::Unknown;
                }
                let args = f.args.iter().map(|a| self.expr(a, depth + 1)).collect();
                Expr::Call(f.name.name.as_str().to_owned(), args)
            }
            Expression::Conditional(c) => Expr::Cond(
                Box::new(self.expr(&c.cond_expr, depth + 1)),
                Box::new(self.expr(&c.true_expr, depth + 1)),
                Box::new(self.expr(&c.false_expr, depth + 1)),
            ),
            Expression::BinaryOp(b) => {
                let eq = match b.operator.value() {
                    BinaryOperator::Eq => true,
                    BinaryOperator::NotEq => false,
                    _ => return Expr::Unknown,
                };
                Expr::Eq(
                    eq,
                    Box::new(self.expr(&b.lhs_expr, depth + 1)),
                    Box::new(self.expr(&b.rhs_expr, depth + 1)),
                )
            }
            Expression::UnaryOp(_) | Expression::ForExpr(_) => Expr::Unknown,
        }
    }

    fn template(&mut self, t: &Template, depth: usize) -> Expr {
        let mut parts = Vec::with_capacity(t.len());
        let mut literal_only = true;
        for el in t.iter() {
            match el {
                Element::Literal(s) => {
                    parts.push(Expr::Str(s.value().clone(), self.region(s.span())))
                }
                Element::Interpolation(i) => {
                    literal_only = false;
                    parts.push(self.expr(&i.expr, depth + 1));
                }
                Element::Directive(_) => return Expr::Unknown,
            }
        }
        if literal_only {
            let text: String = parts
                .iter()
                .map(|p| match p {
                    Expr::Str(s, _) => s.as_str(),
                    _ => "",
                })
                .collect();
            return Expr::Str(text, self.quoted(t.span()));
        }
        Expr::Template(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> HclBody {
        let body = hcl_edit::parser::parse_body(text).expect("valid HCL");
        mirror(text, &body)
    }

    #[test]
    fn mirrors_blocks_attributes_and_expressions() {
        let b = parse(
            "locals {\n  env = \"prod\"\n  name = \"acme-${local.env}-data\"\n  t = merge(local.tags, { Environment = var.env })\n  x = var.env == \"prod\" ? 3 : 1\n}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = local.name\n}\n",
        );
        let locals = b.blocks("locals").next().expect("locals");
        assert_eq!(locals.body.attrs.len(), 4);
        assert!(
            matches!(&locals.body.attrs[0].value, Expr::Str(s, r) if s == "prod" && r.start_line == 2)
        );
        assert!(matches!(&locals.body.attrs[1].value, Expr::Template(p) if p.len() == 3));
        assert!(
            matches!(&locals.body.attrs[2].value, Expr::Call(n, a) if n == "merge" && a.len() == 2)
        );
        assert!(matches!(&locals.body.attrs[3].value, Expr::Cond(..)));
        let r = b.blocks("resource").next().expect("resource");
        assert_eq!(r.labels, vec!["aws_s3_bucket", "b"]);
        assert_eq!(r.region.start_line, 7);
        assert!(
            matches!(&r.body.attrs[0].value, Expr::Ref(root, s) if root == "local" && s.len() == 1)
        );
    }
}
