//! Python expressions and annotations as the language's.
//!
//! [`Cx::expr`] gives the language's expression or, for Python it does not have, the reason
//! (which makes the function opaque). Imported names are read through [`Names::canon`]:
//! `flyte.Resources` is `Resources`, `asyncio.gather` is `gather`, `flyte.map.aio` is
//! `map.aio`, `timedelta(minutes=5)` is the duration `5m`, `await asyncio.sleep(2)` is
//! `sleep(2s)`, `list(x)` is `[v for v in x]` (and `list(flyte.map(...))` the map itself).

use super::names::{dsl_name, module_of, Names};
use crate::diagnostics::{FileId, Span};
use crate::syntax::ast::{
    Arg, ArgKind, BinOp, CmpOp, CompClause, Expr, ExprKind, FStringPart, Ident, Pattern, UnaryOp,
};
use rustpython_parser::ast::{self as py, Ranged};
use std::collections::HashSet;

/// Why a piece of Python cannot be lowered.
pub type Reason = String;

/// The lowering context of one module, and of the function being lowered.
pub struct Cx<'a> {
    pub text: &'a str,
    pub file: FileId,
    pub names: &'a Names,
    /// The language's block scopes in the function: the names visible so far.
    pub scopes: Vec<HashSet<String>>,
    /// Every name the function assigns (its Python locals).
    pub locals: HashSet<String>,
}

pub(super) const NS_PER_SEC: f64 = 1e9;

/// flyte-sdk settings of `override(...)` the language does not model (left out).
const OVERRIDE_UNMODELLED: &[&str] = &[
    "service_account",
    "max_inline_io_bytes",
    "pod_template",
    "entrypoint",
    "produces_artifacts",
    "links",
    "plugin_config",
];

impl<'a> Cx<'a> {
    pub fn new(text: &'a str, file: FileId, names: &'a Names) -> Cx<'a> {
        Cx {
            text,
            file,
            names,
            scopes: Vec::new(),
            locals: HashSet::new(),
        }
    }

    pub fn span(&self, r: py::text_size::TextRange) -> Span {
        Span::new(self.file, r.start().into(), r.end().into())
    }

    pub fn ident(&self, name: &str, r: py::text_size::TextRange) -> Ident {
        Ident::new(name, self.span(r))
    }

    /// Whether a local name is visible in the language's scopes.
    pub fn visible(&self, n: &str) -> bool {
        self.scopes.iter().any(|s| s.contains(n))
    }

    /// A Python expression as the language's.
    pub fn expr(&mut self, e: &py::Expr) -> Result<Expr, Reason> {
        crate::stack::grow(|| self.expr_inner(e))
    }

    pub(super) fn mk(&self, kind: ExprKind, r: py::text_size::TextRange) -> Expr {
        Expr {
            kind,
            span: self.span(r),
        }
    }

    fn expr_inner(&mut self, e: &py::Expr) -> Result<Expr, Reason> {
        let r = e.range();
        let kind = match e {
            py::Expr::Constant(c) => constant(&c.value)?,
            py::Expr::Name(n) => return self.name(n.id.as_str(), r),
            py::Expr::Attribute(a) => {
                if let Some(c) = self.names.canon(e) {
                    if !self.shadowed(e) {
                        return match dsl_name(&c) {
                            Some(d) => Ok(self.mk(ExprKind::Name(d.into()), r)),
                            None if self
                                .names
                                .canon(&a.value)
                                .is_some_and(|v| dsl_name(&v).is_some()) =>
                            {
                                let obj = self.expr(&a.value)?;
                                Ok(self.mk(
                                    ExprKind::Attr {
                                        obj: Box::new(obj),
                                        name: self.ident(a.attr.as_str(), r),
                                    },
                                    r,
                                ))
                            }
                            None => Err(format!("uses `{c}`")),
                        };
                    }
                }
                let obj = self.expr(&a.value)?;
                let start = a.value.range().end();
                let name_range = py::text_size::TextRange::new(start, r.end());
                ExprKind::Attr {
                    obj: Box::new(obj),
                    name: Ident::new(a.attr.as_str(), self.span(name_range)),
                }
            }
            py::Expr::BoolOp(b) => {
                let op = match b.op {
                    py::BoolOp::And => BinOp::And,
                    py::BoolOp::Or => BinOp::Or,
                };
                let mut it = b.values.iter();
                let first = it.next().ok_or("an empty boolean operation")?;
                let mut acc = self.expr(first)?;
                for v in it {
                    let rhs = self.expr(v)?;
                    let span = acc.span.to(rhs.span);
                    acc = Expr {
                        kind: ExprKind::Binary {
                            op,
                            lhs: Box::new(acc),
                            rhs: Box::new(rhs),
                        },
                        span,
                    };
                }
                return Ok(acc);
            }
            py::Expr::BinOp(b) => {
                let op = match b.op {
                    py::Operator::Add => BinOp::Add,
                    py::Operator::Sub => BinOp::Sub,
                    py::Operator::Mult => BinOp::Mul,
                    py::Operator::Div => BinOp::Div,
                    py::Operator::FloorDiv => BinOp::FloorDiv,
                    py::Operator::Mod => BinOp::Mod,
                    py::Operator::Pow => BinOp::Pow,
                    _ => return Err("uses a bitwise operator".into()),
                };
                ExprKind::Binary {
                    op,
                    lhs: Box::new(self.expr(&b.left)?),
                    rhs: Box::new(self.expr(&b.right)?),
                }
            }
            py::Expr::UnaryOp(u) => {
                let operand = self.expr(&u.operand)?;
                match u.op {
                    py::UnaryOp::USub => match operand.kind {
                        ExprKind::Int(i) => {
                            ExprKind::Int(i.checked_neg().ok_or("an integer past 64 bits")?)
                        }
                        ExprKind::Float(f) => ExprKind::Float(-f),
                        _ => ExprKind::Unary {
                            op: UnaryOp::Neg,
                            operand: Box::new(operand),
                        },
                    },
                    py::UnaryOp::Not => ExprKind::Unary {
                        op: UnaryOp::Not,
                        operand: Box::new(truth(operand)),
                    },
                    py::UnaryOp::UAdd => return Ok(operand),
                    py::UnaryOp::Invert => return Err("uses `~`".into()),
                }
            }
            py::Expr::IfExp(i) => ExprKind::IfElse {
                cond: Box::new(self.cond(&i.test)?),
                then: Box::new(self.expr(&i.body)?),
                otherwise: Box::new(self.expr(&i.orelse)?),
            },
            py::Expr::Dict(d) => {
                let mut entries = Vec::new();
                for (k, v) in d.keys.iter().zip(&d.values) {
                    let k = k.as_ref().ok_or("uses `**` in a dict")?;
                    entries.push((self.expr(k)?, self.expr(v)?));
                }
                ExprKind::Dict(entries)
            }
            py::Expr::List(l) => ExprKind::List(self.exprs(&l.elts)?),
            py::Expr::Tuple(t) => ExprKind::Tuple(self.exprs(&t.elts)?),
            // A generator expression is a list comprehension here: the language has no lazy
            // iterators, and every consumer (`sum`, `gather(*...)`, `list`) reads it whole.
            py::Expr::ListComp(py::ExprListComp {
                generators, elt, ..
            })
            | py::Expr::GeneratorExp(py::ExprGeneratorExp {
                generators, elt, ..
            }) => {
                let (clauses, pushed) = self.clauses(generators)?;
                let elt = self.expr(elt);
                self.pop(pushed);
                ExprKind::ListComp {
                    elt: Box::new(elt?),
                    clauses,
                }
            }
            py::Expr::DictComp(c) => {
                let (clauses, pushed) = self.clauses(&c.generators)?;
                let key = self.expr(&c.key);
                let value = self.expr(&c.value);
                self.pop(pushed);
                ExprKind::DictComp {
                    key: Box::new(key?),
                    value: Box::new(value?),
                    clauses,
                }
            }
            py::Expr::Await(a) => {
                if let Some(sleep) = self.sleep_call(&a.value)? {
                    return Ok(sleep);
                }
                ExprKind::Await(Box::new(self.expr(&a.value)?))
            }
            py::Expr::Compare(c) => {
                let first = self.expr(&c.left)?;
                let mut rest = Vec::new();
                for (op, rhs) in c.ops.iter().zip(&c.comparators) {
                    let op = match op {
                        py::CmpOp::Eq | py::CmpOp::Is => CmpOp::Eq,
                        py::CmpOp::NotEq | py::CmpOp::IsNot => CmpOp::Ne,
                        py::CmpOp::Lt => CmpOp::Lt,
                        py::CmpOp::LtE => CmpOp::Le,
                        py::CmpOp::Gt => CmpOp::Gt,
                        py::CmpOp::GtE => CmpOp::Ge,
                        py::CmpOp::In => CmpOp::In,
                        py::CmpOp::NotIn => CmpOp::NotIn,
                    };
                    rest.push((op, self.expr(rhs)?));
                }
                ExprKind::Compare {
                    first: Box::new(first),
                    rest,
                }
            }
            py::Expr::Call(c) => return self.call(c, r),
            py::Expr::JoinedStr(j) => ExprKind::FString(self.fstring(&j.values)?),
            py::Expr::FormattedValue(_) => return Err("a bare formatted value".into()),
            py::Expr::Subscript(s) => {
                let obj = Box::new(self.expr(&s.value)?);
                match &*s.slice {
                    py::Expr::Slice(sl) => ExprKind::Slice {
                        obj,
                        start: self.opt(sl.lower.as_deref())?,
                        stop: self.opt(sl.upper.as_deref())?,
                        step: self.opt(sl.step.as_deref())?,
                    },
                    other => ExprKind::Index {
                        obj,
                        index: Box::new(self.expr(other)?),
                    },
                }
            }
            py::Expr::Starred(_) => return Err("uses `*` outside a call".into()),
            py::Expr::Lambda(_) => return Err("uses a lambda".into()),
            py::Expr::NamedExpr(_) => return Err("uses `:=`".into()),
            py::Expr::Set(_) | py::Expr::SetComp(_) => return Err("uses a set".into()),
            py::Expr::Yield(_) | py::Expr::YieldFrom(_) => {
                return Err("is a generator (`yield`)".into())
            }
            py::Expr::Slice(_) => return Err("a slice outside brackets".into()),
        };
        Ok(self.mk(kind, r))
    }

    /// A condition, with Python's truthiness: `if xs:` is `if bool(xs)`, through `and`, `or`
    /// and `not`; comparisons and other bools are left as they are.
    pub fn cond(&mut self, e: &py::Expr) -> Result<Expr, Reason> {
        let e = self.expr(e)?;
        Ok(truth(e))
    }

    fn opt(&mut self, e: Option<&py::Expr>) -> Result<Option<Box<Expr>>, Reason> {
        e.map(|e| self.expr(e).map(Box::new)).transpose()
    }

    pub fn exprs(&mut self, es: &[py::Expr]) -> Result<Vec<Expr>, Reason> {
        es.iter().map(|e| self.expr(e)).collect()
    }

    /// Whether the root name of an attribute chain is a local that hides an import.
    fn shadowed(&self, e: &py::Expr) -> bool {
        match e {
            py::Expr::Name(n) => self.visible(n.id.as_str()) || self.locals.contains(n.id.as_str()),
            py::Expr::Attribute(a) => self.shadowed(&a.value),
            _ => false,
        }
    }

    fn name(&mut self, n: &str, r: py::text_size::TextRange) -> Result<Expr, Reason> {
        if self.locals.contains(n) && !self.visible(n) {
            return Err(format!(
                "reads `{n}` outside the block that assigns it (the language's variables are block-scoped)"
            ));
        }
        if !self.visible(n) {
            if let Some(c) = self.names.imported.get(n) {
                return match dsl_name(c) {
                    Some(d) => Ok(self.mk(ExprKind::Name(d.into()), r)),
                    None => Err(format!("uses `{}` (from {})", n, module_of(c))),
                };
            }
            if self.names.others.contains(n) {
                return Err(format!(
                    "uses the module-level value `{n}`, which is not a constant"
                ));
            }
            if n == "Exception" || n == "BaseException" {
                return Ok(self.mk(ExprKind::Name("Error".into()), r));
            }
        }
        Ok(self.mk(ExprKind::Name(n.into()), r))
    }

    /// Comprehension clauses; their names are pushed as one scope each (pop them after).
    fn clauses(&mut self, gens: &[py::Comprehension]) -> Result<(Vec<CompClause>, usize), Reason> {
        let mut out = Vec::new();
        let mut pushed = 0;
        for g in gens {
            if g.is_async {
                self.pop(pushed);
                return Err("uses an async comprehension".into());
            }
            let iter = match self.expr(&g.iter) {
                Ok(i) => i,
                Err(e) => {
                    self.pop(pushed);
                    return Err(e);
                }
            };
            let pattern = match self.pattern(&g.target) {
                Ok(p) => p,
                Err(e) => {
                    self.pop(pushed);
                    return Err(e);
                }
            };
            self.scopes
                .push(pattern.names().iter().map(|i| i.name.to_string()).collect());
            pushed += 1;
            let conds = match g.ifs.iter().map(|c| self.cond(c)).collect() {
                Ok(c) => c,
                Err(e) => {
                    self.pop(pushed);
                    return Err(e);
                }
            };
            out.push(CompClause {
                pattern,
                iter,
                conds,
            });
        }
        Ok((out, pushed))
    }

    fn pop(&mut self, n: usize) {
        for _ in 0..n {
            self.scopes.pop();
        }
    }

    /// A binding target: a name or a (nested) tuple of names.
    pub fn pattern(&self, e: &py::Expr) -> Result<Pattern, Reason> {
        match e {
            py::Expr::Name(n) => Ok(Pattern::Name(self.ident(n.id.as_str(), n.range))),
            py::Expr::Tuple(py::ExprTuple { elts, range, .. })
            | py::Expr::List(py::ExprList { elts, range, .. }) => Ok(Pattern::Tuple(
                elts.iter()
                    .map(|e| self.pattern(e))
                    .collect::<Result<_, _>>()?,
                self.span(*range),
            )),
            _ => Err("assigns to something other than names in a loop or unpacking".into()),
        }
    }

    fn fstring(&mut self, values: &[py::Expr]) -> Result<Vec<FStringPart>, Reason> {
        let mut parts = Vec::new();
        for v in values {
            match v {
                py::Expr::Constant(py::ExprConstant {
                    value: py::Constant::Str(s),
                    ..
                }) => parts.push(FStringPart::Text(s.clone())),
                py::Expr::FormattedValue(f) => {
                    if f.conversion != py::ConversionFlag::None {
                        return Err("uses `!r`/`!s`/`!a` in an f-string".into());
                    }
                    let spec = match f.format_spec.as_deref() {
                        None => None,
                        Some(py::Expr::JoinedStr(j)) => {
                            let mut s = String::new();
                            for p in &j.values {
                                match p {
                                    py::Expr::Constant(py::ExprConstant {
                                        value: py::Constant::Str(t),
                                        ..
                                    }) => s.push_str(t),
                                    _ => return Err("a computed f-string format".into()),
                                }
                            }
                            Some(s)
                        }
                        Some(_) => return Err("a computed f-string format".into()),
                    };
                    parts.push(FStringPart::Field {
                        expr: self.expr(&f.value)?,
                        spec,
                    });
                }
                _ => return Err("an unusual f-string".into()),
            }
        }
        Ok(parts)
    }

    pub(super) fn canon_call(&self, c: &py::ExprCall) -> Option<String> {
        if self.shadowed(&c.func) {
            return None;
        }
        self.names.canon(&c.func)
    }

    fn call(&mut self, c: &py::ExprCall, r: py::text_size::TextRange) -> Result<Expr, Reason> {
        let canon = self.canon_call(c);
        match canon.as_deref() {
            Some("datetime.timedelta") => return self.timedelta(c, r),
            Some("asyncio.sleep" | "time.sleep") => {
                return Ok(self
                    .sleep_call(&py::Expr::Call(c.clone()))?
                    .expect("a sleep call"))
            }
            _ => {}
        }
        if let py::Expr::Name(n) = &*c.func {
            let builtin = !self.visible(n.id.as_str()) && !self.names.is_own(n.id.as_str());
            match (n.id.as_str(), c.args.as_slice()) {
                ("list", [arg]) if builtin && c.keywords.is_empty() => {
                    return self.list_of(arg, r);
                }
                ("tuple", [py::Expr::Await(_)]) if builtin && c.keywords.is_empty() => {
                    return self.expr(&c.args[0]);
                }
                ("dict", []) if builtin && c.keywords.iter().all(|k| k.arg.is_some()) => {
                    let mut entries = Vec::new();
                    for k in &c.keywords {
                        let key = k.arg.as_ref().expect("checked");
                        entries.push((
                            self.mk(ExprKind::Str(key.to_string()), k.range),
                            self.expr(&k.value)?,
                        ));
                    }
                    return Ok(self.mk(ExprKind::Dict(entries), r));
                }
                _ => {}
            }
        }
        let func = self.expr(&c.func)?;
        let is_override =
            matches!(&*c.func, py::Expr::Attribute(a) if a.attr.as_str() == "override");
        let keywords: Vec<py::Keyword> = c
            .keywords
            .iter()
            .filter(|k| {
                !(is_override
                    && k.arg
                        .as_ref()
                        .is_some_and(|a| OVERRIDE_UNMODELLED.contains(&a.as_str())))
            })
            .cloned()
            .collect();
        let mut args = self.args(&c.args, &keywords)?;
        if let py::Expr::Name(n) = &*c.func {
            if let Some(fields) = self.names.structs.get(n.id.as_str()) {
                if !self.visible(n.id.as_str()) {
                    let given: HashSet<&str> = c
                        .keywords
                        .iter()
                        .filter_map(|k| k.arg.as_ref().map(|a| a.as_str()))
                        .collect();
                    for (i, f) in fields.iter().enumerate() {
                        if i < c.args.len() || given.contains(f.name.as_str()) {
                            continue;
                        }
                        let Some(d) = &f.default else { continue };
                        let value = self.field_default(d, &f.annotation)?;
                        let span = self.span(r);
                        args.push(Arg {
                            kind: ArgKind::Keyword(Ident::new(f.name.as_str(), span)),
                            value,
                            span,
                        });
                    }
                }
            }
        }
        Ok(self.mk(
            ExprKind::Call {
                func: Box::new(func),
                args,
            },
            r,
        ))
    }

    /// A call's arguments, positional then keyword.
    pub fn args(&mut self, args: &[py::Expr], kws: &[py::Keyword]) -> Result<Vec<Arg>, Reason> {
        let mut out = Vec::new();
        for a in args {
            let (kind, value) = match a {
                py::Expr::Starred(s) => (ArgKind::Spread, self.expr(&s.value)?),
                other => (ArgKind::Positional, self.expr(other)?),
            };
            out.push(Arg {
                kind,
                span: self.span(a.range()),
                value,
            });
        }
        for k in kws {
            let Some(name) = &k.arg else {
                return Err("passes `**kwargs`".into());
            };
            let value = self.expr(&k.value)?;
            let name_end = k.range.start() + py::text_size::TextSize::of(name.as_str());
            out.push(Arg {
                kind: ArgKind::Keyword(Ident::new(
                    name.as_str(),
                    self.span(py::text_size::TextRange::new(k.range.start(), name_end)),
                )),
                span: self.span(k.range),
                value,
            });
        }
        Ok(out)
    }
}

/// A Python constant as the language's.
fn constant(c: &py::Constant) -> Result<ExprKind, Reason> {
    Ok(match c {
        py::Constant::None => ExprKind::None,
        py::Constant::Bool(b) => ExprKind::Bool(*b),
        py::Constant::Str(s) => ExprKind::Str(s.clone()),
        py::Constant::Int(i) => {
            ExprKind::Int(i64::try_from(i).map_err(|_| "an integer past 64 bits")?)
        }
        py::Constant::Float(f) => ExprKind::Float(*f),
        py::Constant::Bytes(_) => return Err("uses bytes".into()),
        py::Constant::Complex { .. } => return Err("uses a complex number".into()),
        py::Constant::Ellipsis => return Err("uses `...`".into()),
        py::Constant::Tuple(items) => ExprKind::Tuple(
            items
                .iter()
                .map(|i| {
                    constant(i).map(|kind| Expr {
                        kind,
                        span: Span::default(),
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// `bool(e)` unless `e` is a bool already (a comparison, `not`, a literal, `isinstance`, ...);
/// `and`/`or` get it on each side.
pub fn truth(e: Expr) -> Expr {
    match e.kind {
        ExprKind::Binary {
            op: op @ (BinOp::And | BinOp::Or),
            lhs,
            rhs,
        } => Expr {
            kind: ExprKind::Binary {
                op,
                lhs: Box::new(truth(*lhs)),
                rhs: Box::new(truth(*rhs)),
            },
            span: e.span,
        },
        ExprKind::Compare { .. }
        | ExprKind::Bool(_)
        | ExprKind::Unary {
            op: UnaryOp::Not, ..
        } => e,
        ExprKind::Call { ref func, .. }
            if matches!(&func.kind, ExprKind::Name(n)
                if matches!(n.as_str(), "isinstance" | "any" | "all" | "bool")) =>
        {
            e
        }
        _ => {
            let span = e.span;
            Expr {
                kind: ExprKind::Call {
                    func: Box::new(Expr {
                        kind: ExprKind::Name("bool".into()),
                        span,
                    }),
                    args: vec![Arg {
                        kind: ArgKind::Positional,
                        value: e,
                        span,
                    }],
                },
                span,
            }
        }
    }
}
