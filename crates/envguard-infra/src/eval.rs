//! Static evaluation of Terraform and Terragrunt expressions: what a reader
//! can know without running `terraform plan`.
//!
//! Resolved: string literals and templates, `local.*` (all `.tf` files of a
//! directory, or the Terragrunt file's own `locals`), `var.*` (from
//! `terraform.tfvars` / `*.auto.tfvars` of the directory, else the variable's
//! `default`), `include.<name>.locals|inputs.*`, `read_terragrunt_config()`
//! with `find_in_parent_folders()` and `get_terragrunt_dir()`, conditionals
//! whose condition resolves, `==`/`!=`, and the functions `merge`, `concat`,
//! `lookup`, `try`, `coalesce`, `format` (`%s`, `%d`, `%v`), `join`, `lower`,
//! `upper`, `trimspace`, `replace` (literal), `element`, `tomap`, `tolist`,
//! `toset`. Everything else (module outputs, data sources, `each`, `count`,
//! `path_relative_to_include()`, `get_env()`, regex `replace`) is unknown, and
//! a string built from an unknown part is unknown: rules never guess.

use crate::hcl::{Attr, Expr, HclBody, Step};
use envguard_model::Region;
/// Lookups of locals, variables and paths run for every reference of every
/// file; their keys come from the scanned files' own names, never chosen to
/// collide by anyone but the repository's authors.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
use std::fmt::Write as _;

/// Where a literal string is written: file (index into the workspace) and region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub file: u32,
    pub region: Region,
}

/// An evaluated value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Str(String, Option<Origin>),
    Num(String),
    Bool(bool),
    Null,
    List(Vec<Val>),
    Map(Vec<(String, Val)>),
    Unknown,
}

impl Val {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s, _) => Some(s),
            _ => None,
        }
    }

    fn text(&self) -> Option<String> {
        match self {
            Val::Str(s, _) => Some(s.clone()),
            Val::Num(n) => Some(n.clone()),
            Val::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Map(items) => items.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn is_known(&self) -> bool {
        !matches!(self, Val::Unknown)
    }
}

/// What kind of HCL file a workspace entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HclKind {
    /// `.tf`: part of the Terraform module of its directory.
    Terraform,
    /// `terraform.tfvars`, `*.auto.tfvars`: values of the directory's variables.
    AutoTfvars,
    /// Any other `.tfvars`: values for one run (often one environment).
    Tfvars,
    /// `.hcl` (Terragrunt and friends) and `.tfbackend`.
    Config,
}

impl HclKind {
    pub fn of_path(path: &str) -> HclKind {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        if name.ends_with(".tf") {
            HclKind::Terraform
        } else if name == "terraform.tfvars" || name.ends_with(".auto.tfvars") {
            HclKind::AutoTfvars
        } else if name.ends_with(".tfvars") {
            HclKind::Tfvars
        } else {
            HclKind::Config
        }
    }
}

/// One parsed HCL file.
#[derive(Debug, Clone)]
pub struct HclFile {
    pub path: String,
    pub kind: HclKind,
    pub body: HclBody,
}

impl HclFile {
    pub fn dir(&self) -> &str {
        dir_of(&self.path)
    }
}

pub fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// Every HCL file of a scan, indexed by path and directory.
#[derive(Debug, Default)]
pub struct Workspace {
    pub files: Vec<HclFile>,
    by_path: HashMap<String, u32>,
    by_dir: HashMap<String, Vec<u32>>,
}

impl Workspace {
    pub fn new(mut files: Vec<HclFile>) -> Self {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut by_path = HashMap::default();
        let mut by_dir: HashMap<String, Vec<u32>> = HashMap::default();
        for (i, f) in files.iter().enumerate() {
            by_path.insert(f.path.clone(), i as u32);
            by_dir.entry(f.dir().to_owned()).or_default().push(i as u32);
        }
        Workspace {
            files,
            by_path,
            by_dir,
        }
    }

    pub fn index(&self, path: &str) -> Option<u32> {
        self.by_path.get(path).copied()
    }

    fn dir_files(&self, dir: &str) -> &[u32] {
        self.by_dir.get(dir).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// The scope an expression is evaluated in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scope {
    /// The file whose `locals` (and, for `.tf`, whose directory's `locals` and
    /// variables) are in scope.
    pub file: u32,
    /// The Terragrunt file the evaluation is for (an included parent is
    /// evaluated in its child's context, as Terragrunt does).
    pub context: u32,
}

impl Scope {
    pub fn of(file: u32) -> Scope {
        Scope {
            file,
            context: file,
        }
    }
}

const MAX_DEPTH: u32 = 48;

/// Evaluates expressions over a workspace, memoising locals and variables.
pub struct Evaluator<'w> {
    ws: &'w Workspace,
    /// Per scope, then per name: a hit looks up by `&str`, with no key to build.
    locals: HashMap<Scope, HashMap<String, Val>>,
    /// Per directory, then per name.
    vars: HashMap<&'w str, HashMap<String, Val>>,
    configs: HashMap<(u32, u32), Val>,
    active: Vec<(Scope, String)>,
    depth: u32,
}

impl<'w> Evaluator<'w> {
    pub fn new(ws: &'w Workspace) -> Self {
        Evaluator {
            ws,
            locals: HashMap::default(),
            vars: HashMap::default(),
            configs: HashMap::default(),
            active: Vec::new(),
            depth: 0,
        }
    }

    pub fn workspace(&self) -> &'w Workspace {
        self.ws
    }

    pub fn eval(&mut self, e: &Expr, scope: Scope) -> Val {
        if self.depth > MAX_DEPTH {
            return Val::Unknown;
        }
        self.depth += 1;
        let v = self.eval_inner(e, scope);
        self.depth -= 1;
        v
    }

    fn eval_inner(&mut self, e: &Expr, scope: Scope) -> Val {
        match e {
            Expr::Str(s, r) => Val::Str(
                s.clone(),
                Some(Origin {
                    file: scope.file,
                    region: *r,
                }),
            ),
            Expr::Num(n) => Val::Num(n.clone()),
            Expr::Bool(b) => Val::Bool(*b),
            Expr::Null => Val::Null,
            Expr::Unknown => Val::Unknown,
            Expr::Template(parts) => {
                let mut s = String::new();
                for p in parts {
                    match self.eval(p, scope).text() {
                        Some(t) => s.push_str(&t),
                        None => return Val::Unknown,
                    }
                }
                Val::Str(s, None)
            }
            Expr::Tuple(items) => Val::List(items.iter().map(|i| self.eval(i, scope)).collect()),
            Expr::Object(items) => Val::Map(
                items
                    .iter()
                    .map(|i| (i.key.clone(), self.eval(&i.value, scope)))
                    .collect(),
            ),
            Expr::Cond(c, t, f) => match self.eval(c, scope) {
                Val::Bool(true) => self.eval(t, scope),
                Val::Bool(false) => self.eval(f, scope),
                _ => Val::Unknown,
            },
            Expr::Eq(eq, a, b) => {
                let (a, b) = (self.eval(a, scope), self.eval(b, scope));
                match (a.text(), b.text()) {
                    (Some(x), Some(y)) => Val::Bool((x == y) == *eq),
                    _ => Val::Unknown,
                }
            }
            Expr::Ref(root, steps) => {
                // A memoised value is walked in place and only the part the
                // reference names is copied (`local.env_vars.locals.environment`
                // must not copy a whole Terragrunt config).
                match (root.as_str(), steps.first()) {
                    ("local", Some(Step::Attr(name))) => {
                        self.ensure_local(scope, name);
                        let rest = &steps[1..];
                        let idx = self.indices(rest, scope);
                        self.locals
                            .get(&scope)
                            .and_then(|m| m.get(name.as_str()))
                            .and_then(|v| pick(v, rest, &idx))
                            .cloned()
                            .unwrap_or(Val::Unknown)
                    }
                    ("var", Some(Step::Attr(name))) => {
                        let v = self.var(scope.file, name);
                        let rest = &steps[1..];
                        let idx = self.indices(rest, scope);
                        pick(&v, rest, &idx).cloned().unwrap_or(Val::Unknown)
                    }
                    ("include", _) => self.include_ref(scope, steps),
                    _ => Val::Unknown,
                }
            }
            Expr::Call(name, args) => self.call(name, args, scope),
        }
    }

    /// `local.NAME` in a scope.
    pub fn local(&mut self, scope: Scope, name: &str) -> Val {
        self.ensure_local(scope, name);
        self.locals
            .get(&scope)
            .and_then(|m| m.get(name))
            .cloned()
            .unwrap_or(Val::Unknown)
    }

    /// Works out `local.NAME` in a scope into the memo (not while it is being
    /// worked out: a local that names itself is unknown).
    fn ensure_local(&mut self, scope: Scope, name: &str) {
        if self
            .locals
            .get(&scope)
            .is_some_and(|m| m.contains_key(name))
            || self.active.iter().any(|(s, n)| *s == scope && n == name)
        {
            return;
        }
        let ws = self.ws;
        let Some(file) = ws.files.get(scope.file as usize) else {
            return;
        };
        // A `.tf` module's locals span its directory; a Terragrunt file's are its own.
        let found: Option<(u32, &Attr)> = if file.kind == HclKind::Terraform {
            ws.dir_files(file.dir())
                .iter()
                .filter(|i| ws.files[**i as usize].kind == HclKind::Terraform)
                .find_map(|i| find_local(&ws.files[*i as usize].body, name).map(|a| (*i, a)))
        } else {
            find_local(&file.body, name).map(|a| (scope.file, a))
        };
        let v = match found {
            Some((owner, attr)) => {
                self.active.push((scope, name.to_owned()));
                let v = self.eval(
                    &attr.value,
                    Scope {
                        file: owner,
                        context: scope.context,
                    },
                );
                self.active.pop();
                v
            }
            None => Val::Unknown,
        };
        self.locals
            .entry(scope)
            .or_default()
            .insert(name.to_owned(), v);
    }

    /// `var.NAME` for the module of `file`'s directory.
    pub fn var(&mut self, file: u32, name: &str) -> Val {
        let ws = self.ws;
        let Some(f) = ws.files.get(file as usize) else {
            return Val::Unknown;
        };
        let dir: &'w str = f.dir();
        if let Some(v) = self.vars.get(dir).and_then(|m| m.get(name)) {
            return v.clone();
        }
        // Unknown while it is worked out: a variable whose default names itself.
        self.vars
            .entry(dir)
            .or_default()
            .insert(name.to_owned(), Val::Unknown);
        let files = ws.dir_files(dir);
        let mut v = Val::Unknown;
        // tfvars beat defaults; `*.auto.tfvars` are read after `terraform.tfvars`.
        let mut tfvars: Vec<u32> = files
            .iter()
            .copied()
            .filter(|i| ws.files[*i as usize].kind == HclKind::AutoTfvars)
            .collect();
        tfvars.sort_by_key(|i| !ws.files[*i as usize].path.ends_with("/terraform.tfvars"));
        for i in tfvars.iter().rev() {
            if let Some(a) = ws.files[*i as usize].body.attr(name) {
                v = self.eval(&a.value, Scope::of(*i));
                break;
            }
        }
        if !v.is_known() {
            for i in files {
                let fi = &ws.files[*i as usize];
                if fi.kind != HclKind::Terraform {
                    continue;
                }
                if let Some(b) = fi
                    .body
                    .blocks("variable")
                    .find(|b| b.labels.first().map(String::as_str) == Some(name))
                {
                    if let Some(d) = b.body.attr("default") {
                        v = self.eval(&d.value, Scope::of(*i));
                    }
                    break;
                }
            }
        }
        self.vars
            .entry(dir)
            .or_default()
            .insert(name.to_owned(), v.clone());
        v
    }

    /// `include.NAME.locals.x` (a named include) or `include.locals.x` (the
    /// bare `include` block): the included file's `{locals, inputs}`, walked in
    /// its memo.
    fn include_ref(&mut self, scope: Scope, steps: &[Step]) -> Val {
        let ws = self.ws;
        let Some(file) = ws.files.get(scope.file as usize) else {
            return Val::Unknown;
        };
        let first = match steps.first() {
            Some(Step::Attr(n)) => n.as_str(),
            _ => return Val::Unknown,
        };
        let named = file
            .body
            .blocks("include")
            .find(|b| b.labels.first().map(String::as_str) == Some(first));
        let (block, rest) = match named {
            Some(b) => (b, &steps[1..]),
            None => match file.body.blocks("include").find(|b| b.labels.is_empty()) {
                Some(b) => (b, steps),
                None => return Val::Unknown,
            },
        };
        let Some(path) = block.body.attr("path") else {
            return Val::Unknown;
        };
        let target = self.eval(&path.value, scope);
        let Some(target) = target.as_str().and_then(|p| ws.index(p)) else {
            return Val::Unknown;
        };
        self.ensure_config(target, scope.context);
        let idx = self.indices(rest, scope);
        self.configs
            .get(&(target, scope.context))
            .and_then(|v| pick(v, rest, &idx))
            .cloned()
            .unwrap_or(Val::Unknown)
    }

    /// The values of a reference's index steps, worked out before its memo is
    /// borrowed (`None` for attribute steps).
    fn indices(&mut self, steps: &[Step], scope: Scope) -> Vec<Option<Val>> {
        steps
            .iter()
            .map(|s| match s {
                Step::Index(ix) => Some(self.eval(ix, scope)),
                Step::Attr(_) => None,
            })
            .collect()
    }

    /// A Terragrunt file read as `{locals = {...}, inputs = {...}}`, evaluated
    /// for `context`.
    pub fn config(&mut self, target: u32, context: u32) -> Val {
        self.ensure_config(target, context);
        self.configs
            .get(&(target, context))
            .cloned()
            .unwrap_or(Val::Unknown)
    }

    fn ensure_config(&mut self, target: u32, context: u32) {
        if self.configs.contains_key(&(target, context)) {
            return;
        }
        self.configs.insert((target, context), Val::Unknown);
        let ws = self.ws;
        let scope = Scope {
            file: target,
            context,
        };
        let mut locals = Vec::new();
        let names: Vec<String> = ws.files[target as usize]
            .body
            .blocks("locals")
            .flat_map(|b| b.body.attrs.iter().map(|a| a.key.clone()))
            .collect();
        for n in names {
            let v = self.local(scope, &n);
            locals.push((n, v));
        }
        let inputs = match ws.files[target as usize].body.attr("inputs") {
            Some(a) => self.eval(&a.value, scope),
            None => Val::Unknown,
        };
        let v = Val::Map(vec![
            ("locals".to_owned(), Val::Map(locals)),
            ("inputs".to_owned(), inputs),
        ]);
        self.configs.insert((target, context), v);
    }

    fn call(&mut self, name: &str, args: &[Expr], scope: Scope) -> Val {
        let ws = self.ws;
        let context_dir = ws
            .files
            .get(scope.context as usize)
            .map(|f| f.dir().to_owned())
            .unwrap_or_default();
        match name {
            "find_in_parent_folders" => {
                let want = match args.first() {
                    Some(a) => match self.eval(a, scope) {
                        Val::Str(s, _) => s,
                        _ => return Val::Unknown,
                    },
                    None => "terragrunt.hcl".to_owned(),
                };
                // Terragrunt starts in the parent of the file's folder.
                if context_dir.is_empty() {
                    return Val::Unknown;
                }
                let mut dir = dir_of(&context_dir).to_owned();
                loop {
                    let candidate = if dir.is_empty() {
                        want.clone()
                    } else {
                        format!("{dir}/{want}")
                    };
                    if ws.index(&candidate).is_some() {
                        return Val::Str(candidate, None);
                    }
                    if dir.is_empty() {
                        return Val::Unknown;
                    }
                    dir = dir_of(&dir).to_owned();
                }
            }
            "get_terragrunt_dir" | "get_original_terragrunt_dir" => Val::Str(context_dir, None),
            "read_terragrunt_config" => {
                let Some(Val::Str(p, _)) = args.first().map(|a| self.eval(a, scope)) else {
                    return Val::Unknown;
                };
                let p = normalize(&p);
                match ws.index(&p) {
                    Some(target) => self.config(target, target),
                    None => Val::Unknown,
                }
            }
            "merge" => {
                let mut out: Vec<(String, Val)> = Vec::new();
                for a in args {
                    match self.eval(a, scope) {
                        Val::Map(m) => {
                            for (k, v) in m {
                                out.retain(|(x, _)| *x != k);
                                out.push((k, v));
                            }
                        }
                        Val::Null => {}
                        _ => return Val::Unknown,
                    }
                }
                Val::Map(out)
            }
            "concat" => {
                let mut out = Vec::new();
                for a in args {
                    match self.eval(a, scope) {
                        Val::List(l) => out.extend(l),
                        _ => return Val::Unknown,
                    }
                }
                Val::List(out)
            }
            "tomap" | "tolist" | "toset" | "sensitive" | "nonsensitive" => match args {
                [a] => self.eval(a, scope),
                _ => Val::Unknown,
            },
            "lookup" => {
                let vals: Vec<Val> = args.iter().map(|a| self.eval(a, scope)).collect();
                match vals.as_slice() {
                    [m, Val::Str(k, _), rest @ ..] => match m.get(k) {
                        Some(v) => v.clone(),
                        None if matches!(m, Val::Map(_)) => {
                            rest.first().cloned().unwrap_or(Val::Unknown)
                        }
                        None => Val::Unknown,
                    },
                    _ => Val::Unknown,
                }
            }
            "try" => {
                for a in args {
                    let v = self.eval(a, scope);
                    if v.is_known() {
                        return v;
                    }
                }
                Val::Unknown
            }
            "coalesce" => {
                for a in args {
                    match self.eval(a, scope) {
                        Val::Null => continue,
                        Val::Str(s, _) if s.is_empty() => continue,
                        Val::Unknown => return Val::Unknown,
                        v => return v,
                    }
                }
                Val::Unknown
            }
            "lower" | "upper" | "trimspace" => match args.first().map(|a| self.eval(a, scope)) {
                Some(Val::Str(s, o)) => Val::Str(
                    match name {
                        "lower" => s.to_lowercase(),
                        "upper" => s.to_uppercase(),
                        _ => s.trim().to_owned(),
                    },
                    o,
                ),
                _ => Val::Unknown,
            },
            "replace" => {
                let vals: Vec<Val> = args.iter().map(|a| self.eval(a, scope)).collect();
                match vals.as_slice() {
                    [Val::Str(s, _), Val::Str(from, _), Val::Str(to, _)]
                        if !(from.starts_with('/') && from.ends_with('/')) =>
                    {
                        Val::Str(s.replace(from.as_str(), to), None)
                    }
                    _ => Val::Unknown,
                }
            }
            "join" => {
                let vals: Vec<Val> = args.iter().map(|a| self.eval(a, scope)).collect();
                match vals.as_slice() {
                    [Val::Str(sep, _), Val::List(items)] => {
                        let parts: Option<Vec<String>> = items.iter().map(Val::text).collect();
                        parts
                            .map(|p| Val::Str(p.join(sep), None))
                            .unwrap_or(Val::Unknown)
                    }
                    _ => Val::Unknown,
                }
            }
            "element" => {
                let vals: Vec<Val> = args.iter().map(|a| self.eval(a, scope)).collect();
                match vals.as_slice() {
                    [Val::List(items), Val::Num(n)] if !items.is_empty() => n
                        .parse::<usize>()
                        .ok()
                        .map(|i| items[i % items.len()].clone())
                        .unwrap_or(Val::Unknown),
                    _ => Val::Unknown,
                }
            }
            "format" => {
                let vals: Vec<Val> = args.iter().map(|a| self.eval(a, scope)).collect();
                let Some((Val::Str(spec, _), rest)) = vals.split_first() else {
                    return Val::Unknown;
                };
                format(spec, rest)
                    .map(|s| Val::Str(s, None))
                    .unwrap_or(Val::Unknown)
            }
            _ => Val::Unknown,
        }
    }
}

/// The part of `v` that `steps` name (`idx`: the index steps' values).
fn pick<'v>(mut v: &'v Val, steps: &[Step], idx: &[Option<Val>]) -> Option<&'v Val> {
    for (s, i) in steps.iter().zip(idx) {
        v = match (s, i) {
            (Step::Attr(a), _) => v.get(a)?,
            (Step::Index(_), Some(Val::Num(n))) => match v {
                Val::List(items) => items.get(n.parse::<usize>().ok()?)?,
                _ => return None,
            },
            (Step::Index(_), Some(Val::Str(k, _))) => match v {
                Val::Map(_) => v.get(k)?,
                _ => return None,
            },
            _ => return None,
        };
        if !v.is_known() {
            break;
        }
    }
    Some(v)
}

fn find_local<'a>(body: &'a HclBody, name: &str) -> Option<&'a Attr> {
    body.blocks("locals").find_map(|b| b.body.attr(name))
}

/// `%s`, `%d`, `%v` and `%%` only; anything else is unknown.
fn format(spec: &str, args: &[Val]) -> Option<String> {
    let mut out = String::new();
    let mut it = args.iter();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' | 'd' | 'v' => out.push_str(&it.next()?.text()?),
            _ => return None,
        }
    }
    Some(out)
}

/// Folds `.` and `..` segments of a `/`-separated relative path.
pub fn normalize(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out.join("/")
}

/// Calls `f(key path, string, origin)` for every string leaf of a value, map
/// keys in order (the last of a repeated key wins), list items by index. The key
/// path is built in one buffer, not one string per leaf.
pub fn for_each_leaf<'v>(
    v: &'v Val,
    path: &str,
    f: &mut impl FnMut(&str, &'v str, Option<Origin>),
) {
    let mut buf = String::with_capacity(path.len() + 32);
    buf.push_str(path);
    leaves_into(v, &mut buf, f);
}

fn leaves_into<'v>(
    v: &'v Val,
    path: &mut String,
    f: &mut impl FnMut(&str, &'v str, Option<Origin>),
) {
    let push = |path: &mut String, seg: &str| {
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(seg);
        len
    };
    match v {
        Val::Str(s, o) => f(path, s, *o),
        Val::List(items) => {
            for (i, it) in items.iter().enumerate() {
                let len = push(path, "");
                let _ = write!(path, "{i}");
                leaves_into(it, path, f);
                path.truncate(len);
            }
        }
        Val::Map(items) => {
            let mut sorted: Vec<(&str, &Val)> =
                items.iter().map(|(k, v)| (k.as_str(), v)).collect();
            // Stable: among equal keys the last written stays last.
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            for (i, (k, v)) in sorted.iter().enumerate() {
                if sorted.get(i + 1).is_some_and(|(next, _)| next == k) {
                    continue;
                }
                let len = push(path, k);
                leaves_into(v, path, f);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

pub fn join(path: &str, seg: &str) -> String {
    if path.is_empty() {
        seg.to_owned()
    } else {
        format!("{path}.{seg}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hcl::mirror;

    fn ws(files: &[(&str, &str)]) -> Workspace {
        Workspace::new(
            files
                .iter()
                .map(|(p, t)| HclFile {
                    path: (*p).to_owned(),
                    kind: HclKind::of_path(p),
                    body: mirror(t, &hcl_edit::parser::parse_body(t).expect("valid")),
                })
                .collect(),
        )
    }

    fn attr_of<'a>(w: &'a Workspace, path: &str, block: &'a str, key: &str) -> (&'a Expr, u32) {
        let i = w.index(path).expect("file");
        let f = &w.files[i as usize];
        let a = if block.is_empty() {
            f.body.attr(key)
        } else {
            f.body.blocks(block).find_map(|b| b.body.attr(key))
        };
        (&a.expect("attr").value, i)
    }

    #[test]
    fn locals_vars_merge_and_conditionals() {
        let w = ws(&[
            ("envs/prod/main.tf", "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"acme-${local.env}-data\"\n  tags = merge(local.tags, { Name = \"b\" })\n  size = var.env == \"prod\" ? \"large\" : \"small\"\n}\n"),
            ("envs/prod/locals.tf", "locals {\n  env = var.env\n  tags = { Environment = local.env }\n}\n"),
            ("envs/prod/variables.tf", "variable \"env\" {\n  default = \"dev\"\n}\n"),
            ("envs/prod/terraform.tfvars", "env = \"prod\"\n"),
        ]);
        let mut ev = Evaluator::new(&w);
        let (e, i) = attr_of(&w, "envs/prod/main.tf", "resource", "bucket");
        assert_eq!(ev.eval(e, Scope::of(i)).as_str(), Some("acme-prod-data"));
        let (e, i) = attr_of(&w, "envs/prod/main.tf", "resource", "tags");
        let tags = ev.eval(e, Scope::of(i));
        let env = tags.get("Environment").expect("merged");
        assert_eq!(env.as_str(), Some("prod"));
        // The tag's literal is written in terraform.tfvars.
        let Val::Str(_, Some(o)) = env else {
            panic!("origin")
        };
        assert_eq!(w.files[o.file as usize].path, "envs/prod/terraform.tfvars");
        let (e, i) = attr_of(&w, "envs/prod/main.tf", "resource", "size");
        assert_eq!(ev.eval(e, Scope::of(i)).as_str(), Some("large"));
    }

    #[test]
    fn terragrunt_parent_folders_and_includes() {
        let w = ws(&[
            ("live/root.hcl", "locals {\n  env_vars = read_terragrunt_config(find_in_parent_folders(\"env.hcl\"))\n  env = local.env_vars.locals.environment\n}\nremote_state {\n  backend = \"s3\"\n  config = {\n    bucket = \"acme-${local.env}-tfstate\"\n    key = \"${path_relative_to_include()}/terraform.tfstate\"\n  }\n}\n"),
            ("live/prod/env.hcl", "locals {\n  environment = \"prod\"\n}\n"),
            ("live/prod/app/terragrunt.hcl", "include \"root\" {\n  path = find_in_parent_folders(\"root.hcl\")\n  expose = true\n}\ninputs = {\n  env = include.root.locals.env\n}\n"),
        ]);
        let mut ev = Evaluator::new(&w);
        let (e, i) = attr_of(&w, "live/prod/app/terragrunt.hcl", "", "inputs");
        let v = ev.eval(e, Scope::of(i));
        assert_eq!(v.get("env").and_then(Val::as_str), Some("prod"));
        // The root's remote_state, evaluated for the child.
        let root = w.index("live/root.hcl").expect("root");
        let rs = w.files[root as usize]
            .body
            .blocks("remote_state")
            .next()
            .expect("rs");
        let cfg = ev.eval(
            &rs.body.attr("config").expect("config").value,
            Scope {
                file: root,
                context: i,
            },
        );
        assert_eq!(
            cfg.get("bucket").and_then(Val::as_str),
            Some("acme-prod-tfstate")
        );
        assert_eq!(cfg.get("key"), Some(&Val::Unknown));
    }

    #[test]
    fn cycles_and_unknowns_stay_unknown() {
        let w = ws(&[("m/main.tf", "locals {\n  a = local.b\n  b = local.a\n  c = \"x-${module.vpc.id}\"\n  d = format(\"%s-%s\", \"acme\", \"prod\")\n}\n")]);
        let mut ev = Evaluator::new(&w);
        assert_eq!(ev.local(Scope::of(0), "a"), Val::Unknown);
        assert_eq!(ev.local(Scope::of(0), "c"), Val::Unknown);
        assert_eq!(ev.local(Scope::of(0), "d").as_str(), Some("acme-prod"));
    }
}
