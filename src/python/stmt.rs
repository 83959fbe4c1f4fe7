//! Python statements as the language's, with Python's function scope mapped to block scope:
//! the first assignment of a name (in the block being lowered) is a `let`, later ones are
//! assignments. A name read where the language would not see it (assigned inside an `if` and
//! read after it) makes the function opaque rather than changing its meaning.

use super::expr::{Cx, Reason};
use super::names::module_of;
use crate::syntax::ast::{
    AssignOp, BinOp, Block, ExceptClause, Expr, ExprKind, Ident, Pattern, Stmt, StmtKind,
};
use rustpython_parser::ast::{self as py, Ranged};
use std::collections::HashSet;

/// Every name a function body assigns (its Python locals), nested functions and
/// comprehensions aside.
pub fn assigned_names(body: &[py::Stmt]) -> HashSet<String> {
    fn target(e: &py::Expr, out: &mut HashSet<String>) {
        match e {
            py::Expr::Name(n) => {
                out.insert(n.id.to_string());
            }
            py::Expr::Tuple(t) => t.elts.iter().for_each(|e| target(e, out)),
            py::Expr::List(t) => t.elts.iter().for_each(|e| target(e, out)),
            py::Expr::Starred(s) => target(&s.value, out),
            _ => {}
        }
    }
    fn walk(stmts: &[py::Stmt], out: &mut HashSet<String>) {
        for s in stmts {
            match s {
                py::Stmt::Assign(a) => a.targets.iter().for_each(|t| target(t, out)),
                py::Stmt::AnnAssign(a) if a.value.is_some() => target(&a.target, out),
                py::Stmt::AugAssign(a) => target(&a.target, out),
                py::Stmt::For(f) => {
                    target(&f.target, out);
                    walk(&f.body, out);
                    walk(&f.orelse, out);
                }
                py::Stmt::AsyncFor(f) => {
                    target(&f.target, out);
                    walk(&f.body, out);
                    walk(&f.orelse, out);
                }
                py::Stmt::While(w) => {
                    walk(&w.body, out);
                    walk(&w.orelse, out);
                }
                py::Stmt::If(i) => {
                    walk(&i.body, out);
                    walk(&i.orelse, out);
                }
                py::Stmt::With(w) => {
                    for item in &w.items {
                        if let Some(v) = &item.optional_vars {
                            target(v, out);
                        }
                    }
                    walk(&w.body, out);
                }
                py::Stmt::Try(t) => {
                    walk(&t.body, out);
                    for py::ExceptHandler::ExceptHandler(h) in &t.handlers {
                        if let Some(n) = &h.name {
                            out.insert(n.to_string());
                        }
                        walk(&h.body, out);
                    }
                    walk(&t.orelse, out);
                    walk(&t.finalbody, out);
                }
                py::Stmt::FunctionDef(f) => {
                    out.insert(f.name.to_string());
                }
                py::Stmt::AsyncFunctionDef(f) => {
                    out.insert(f.name.to_string());
                }
                py::Stmt::ClassDef(c) => {
                    out.insert(c.name.to_string());
                }
                py::Stmt::Import(i) => {
                    for a in &i.names {
                        let n = a.asname.as_ref().unwrap_or(&a.name);
                        out.insert(n.split('.').next().unwrap_or(n).to_string());
                    }
                }
                py::Stmt::ImportFrom(i) => {
                    for a in &i.names {
                        out.insert(a.asname.as_ref().unwrap_or(&a.name).to_string());
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = HashSet::new();
    walk(body, &mut out);
    out
}

impl Cx<'_> {
    /// A block of statements in a new scope.
    pub fn block(&mut self, stmts: &[py::Stmt]) -> Result<Block, Reason> {
        self.scopes.push(HashSet::new());
        let r = self.stmts(stmts);
        self.scopes.pop();
        let span = match (stmts.first(), stmts.last()) {
            (Some(a), Some(b)) => self.span(a.range()).to(self.span(b.range())),
            _ => Default::default(),
        };
        Ok(Block { stmts: r?, span })
    }

    /// Statements in the current scope.
    pub fn stmts(&mut self, stmts: &[py::Stmt]) -> Result<Vec<Stmt>, Reason> {
        let mut out = Vec::new();
        for s in stmts {
            crate::stack::grow(|| self.stmt(s, &mut out))?;
        }
        Ok(out)
    }

    fn declare(&mut self, n: &str) {
        if let Some(s) = self.scopes.last_mut() {
            s.insert(n.to_string());
        }
    }

    fn push(&self, out: &mut Vec<Stmt>, kind: StmtKind, r: py::text_size::TextRange) {
        out.push(Stmt {
            kind,
            span: self.span(r),
        });
    }

    /// `target = value` as a `let` (a new name) or an assignment.
    fn assign(
        &mut self,
        target: &py::Expr,
        ty: Option<&py::Expr>,
        value: Expr,
        r: py::text_size::TextRange,
        out: &mut Vec<Stmt>,
    ) -> Result<(), Reason> {
        let names_only = matches!(
            target,
            py::Expr::Name(_) | py::Expr::Tuple(_) | py::Expr::List(_)
        );
        if names_only {
            let pattern = self.pattern(target)?;
            let names: Vec<String> = pattern.names().iter().map(|i| i.name.to_string()).collect();
            let seen = names.iter().filter(|n| self.visible(n)).count();
            if seen == 0 {
                let ty = ty.map(|t| self.ty(t));
                for n in &names {
                    self.declare(n);
                }
                self.push(out, StmtKind::Let { pattern, ty, value }, r);
                return Ok(());
            }
            if seen != names.len() {
                return Err("unpacks into a mix of new and existing names".into());
            }
        } else if !matches!(target, py::Expr::Subscript(_) | py::Expr::Attribute(_)) {
            return Err("assigns to an unusual target".into());
        }
        // Names all bound already, an index or an attribute: an assignment.
        let target = self.expr(target)?;
        let op = AssignOp::Set;
        self.push(out, StmtKind::Assign { target, op, value }, r);
        Ok(())
    }

    fn stmt(&mut self, s: &py::Stmt, out: &mut Vec<Stmt>) -> Result<(), Reason> {
        let r = s.range();
        match s {
            py::Stmt::Expr(e) => {
                if matches!(
                    &*e.value,
                    py::Expr::Constant(py::ExprConstant {
                        value: py::Constant::Str(_) | py::Constant::Ellipsis,
                        ..
                    })
                ) {
                    return Ok(()); // a docstring or `...`
                }
                if self.is_log_call(&e.value) {
                    return Ok(()); // logging has no effect on the simulation
                }
                let e = self.expr(&e.value)?;
                self.push(out, StmtKind::Expr(e), r);
            }
            py::Stmt::Pass(_) => {}
            py::Stmt::Assign(a) => {
                let [target] = a.targets.as_slice() else {
                    return Err("uses a chained assignment (`a = b = ...`)".into());
                };
                let value = self.expr(&a.value)?;
                self.assign(target, None, value, r, out)?;
            }
            py::Stmt::AnnAssign(a) => {
                let Some(v) = &a.value else {
                    return Ok(()); // a bare annotation binds nothing
                };
                let value = self.expr(v)?;
                self.assign(&a.target, Some(&a.annotation), value, r, out)?;
            }
            py::Stmt::AugAssign(a) => {
                let target = self.expr(&a.target)?;
                let value = self.expr(&a.value)?;
                let op = match a.op {
                    py::Operator::Add => Some(AssignOp::Add),
                    py::Operator::Sub => Some(AssignOp::Sub),
                    py::Operator::Mult => Some(AssignOp::Mul),
                    py::Operator::Div => Some(AssignOp::Div),
                    _ => None,
                };
                let (op, value) = match op {
                    Some(op) => (op, value),
                    None => {
                        let bin = match a.op {
                            py::Operator::FloorDiv => BinOp::FloorDiv,
                            py::Operator::Mod => BinOp::Mod,
                            py::Operator::Pow => BinOp::Pow,
                            _ => return Err("uses a bitwise operator".into()),
                        };
                        let span = self.span(r);
                        (
                            AssignOp::Set,
                            Expr {
                                kind: ExprKind::Binary {
                                    op: bin,
                                    lhs: Box::new(target.clone()),
                                    rhs: Box::new(value),
                                },
                                span,
                            },
                        )
                    }
                };
                self.push(out, StmtKind::Assign { target, op, value }, r);
            }
            py::Stmt::If(i) => {
                let mut branches = vec![(self.cond(&i.test)?, self.block(&i.body)?)];
                let mut orelse = &i.orelse;
                let mut else_block = None;
                loop {
                    match orelse.as_slice() {
                        [] => break,
                        [py::Stmt::If(elif)] => {
                            branches.push((self.cond(&elif.test)?, self.block(&elif.body)?));
                            orelse = &elif.orelse;
                        }
                        rest => {
                            else_block = Some(self.block(rest)?);
                            break;
                        }
                    }
                }
                self.push(
                    out,
                    StmtKind::If {
                        branches,
                        else_block,
                    },
                    r,
                );
            }
            py::Stmt::For(f) => {
                if !f.orelse.is_empty() {
                    return Err("uses `for ... else`".into());
                }
                let iter = self.expr(&f.iter)?;
                self.for_loop(&f.target, iter, &f.body, r, out)?;
            }
            py::Stmt::AsyncFor(f) => {
                if !f.orelse.is_empty() {
                    return Err("uses `async for ... else`".into());
                }
                let iter = self.expr(&f.iter)?;
                let is_map_aio = matches!(&iter.kind, ExprKind::Call { func, .. }
                    if matches!(&func.kind, ExprKind::Attr { obj, name }
                        if name.name == "aio" && matches!(&obj.kind, ExprKind::Name(n) if n == "map")));
                if !is_map_aio {
                    return Err("uses `async for` over something other than `flyte.map.aio`".into());
                }
                let span = iter.span;
                let awaited = Expr {
                    kind: ExprKind::Await(Box::new(iter)),
                    span,
                };
                self.for_loop(&f.target, awaited, &f.body, r, out)?;
            }
            py::Stmt::While(w) => {
                if !w.orelse.is_empty() {
                    return Err("uses `while ... else`".into());
                }
                let cond = self.cond(&w.test)?;
                let body = self.block(&w.body)?;
                self.push(out, StmtKind::While { cond, body }, r);
            }
            py::Stmt::Break(_) => self.push(out, StmtKind::Break, r),
            py::Stmt::Continue(_) => self.push(out, StmtKind::Continue, r),
            py::Stmt::Return(ret) => {
                let v = match &ret.value {
                    Some(v) => Some(self.expr(v)?),
                    None => None,
                };
                self.push(out, StmtKind::Return(v), r);
            }
            py::Stmt::Raise(raise) => {
                let v = match &raise.exc {
                    Some(v) => Some(self.expr(v)?),
                    None => None,
                };
                self.push(out, StmtKind::Raise(v), r);
            }
            py::Stmt::Try(t) => {
                if !t.orelse.is_empty() {
                    return Err("uses `try ... else`".into());
                }
                let body = self.block(&t.body)?;
                let mut handlers = Vec::new();
                for py::ExceptHandler::ExceptHandler(h) in &t.handlers {
                    handlers.push(self.handler(h)?);
                }
                let finally = if t.finalbody.is_empty() {
                    None
                } else {
                    Some(self.block(&t.finalbody)?)
                };
                self.push(
                    out,
                    StmtKind::Try {
                        body,
                        handlers,
                        finally,
                    },
                    r,
                );
            }
            py::Stmt::With(w) => {
                let [item] = w.items.as_slice() else {
                    return Err("uses a `with` block".into());
                };
                let is_group = matches!(&item.context_expr, py::Expr::Call(c)
                    if self.names.canon(&c.func).as_deref() == Some("flyte.group"));
                if !is_group || item.optional_vars.is_some() {
                    return Err("uses a `with` block other than `flyte.group`".into());
                }
                let context = self.expr(&item.context_expr)?;
                let body = self.block(&w.body)?;
                self.push(out, StmtKind::With { context, body }, r);
            }
            py::Stmt::Import(i) => {
                let m = i
                    .names
                    .first()
                    .map(|a| a.name.to_string())
                    .unwrap_or_default();
                return Err(format!("imports {}", module_of(&m)));
            }
            py::Stmt::ImportFrom(i) => {
                let m = i.module.as_ref().map(|m| m.to_string()).unwrap_or_default();
                return Err(format!("imports {}", module_of(&m)));
            }
            py::Stmt::Assert(_) => return Err("uses `assert`".into()),
            py::Stmt::FunctionDef(_) | py::Stmt::AsyncFunctionDef(_) => {
                return Err("defines a nested function".into())
            }
            py::Stmt::ClassDef(_) => return Err("defines a class".into()),
            py::Stmt::AsyncWith(_) => return Err("uses `async with`".into()),
            py::Stmt::Global(_) | py::Stmt::Nonlocal(_) => {
                return Err("uses `global`/`nonlocal`".into())
            }
            py::Stmt::Delete(_) => return Err("uses `del`".into()),
            py::Stmt::Match(_) => return Err("uses `match`".into()),
            py::Stmt::TryStar(_) => return Err("uses `except*`".into()),
            py::Stmt::TypeAlias(_) => return Err("declares a type alias".into()),
        }
        Ok(())
    }

    fn for_loop(
        &mut self,
        target: &py::Expr,
        iter: Expr,
        body: &[py::Stmt],
        r: py::text_size::TextRange,
        out: &mut Vec<Stmt>,
    ) -> Result<(), Reason> {
        let pattern: Pattern = self.pattern(target)?;
        for n in pattern.names() {
            if self.visible(&n.name) {
                return Err(format!(
                    "loops with `{}`, a name already in use (the language's loop variables are new)",
                    n.name
                ));
            }
        }
        self.scopes
            .push(pattern.names().iter().map(|i| i.name.to_string()).collect());
        let body = self.block(body);
        self.scopes.pop();
        let body = body?;
        self.push(
            out,
            StmtKind::For {
                pattern,
                iter,
                body,
            },
            r,
        );
        Ok(())
    }

    fn handler(&mut self, h: &py::ExceptHandlerExceptHandler) -> Result<ExceptClause, Reason> {
        let mut types = Vec::new();
        if let Some(t) = &h.type_ {
            let list: Vec<&py::Expr> = match &**t {
                py::Expr::Tuple(tuple) => tuple.elts.iter().collect(),
                one => vec![one],
            };
            for t in list {
                let e = self.expr(t)?;
                types.push(path_of(&e).ok_or("catches something other than an error class")?);
            }
        }
        let binding = h
            .name
            .as_ref()
            .map(|n| Ident::new(n.as_str(), self.name_span(h.range, n.as_str())));
        self.scopes.push(
            binding
                .iter()
                .map(|b| b.name.to_string())
                .collect::<HashSet<_>>(),
        );
        let body = self.block(&h.body);
        self.scopes.pop();
        Ok(ExceptClause {
            types,
            binding,
            body: body?,
            span: self.span(h.range),
        })
    }

    /// `logger.info(...)`, `logging.warning(...)`, `flyte.logger.debug(...)`.
    fn is_log_call(&self, e: &py::Expr) -> bool {
        let py::Expr::Call(c) = e else { return false };
        let py::Expr::Attribute(a) = &*c.func else {
            return false;
        };
        match &*a.value {
            py::Expr::Name(n) if self.names.loggers.contains(n.id.as_str()) => {
                !self.visible(n.id.as_str()) && !self.locals.contains(n.id.as_str())
            }
            other => matches!(
                self.names.canon(other).as_deref(),
                Some("logging" | "flyte.logger")
            ),
        }
    }

    /// The span of `name` written in the source inside `r` (the first occurrence after the
    /// keyword), or `r`.
    pub fn name_span(&self, r: py::text_size::TextRange, name: &str) -> crate::diagnostics::Span {
        let start: usize = r.start().into();
        let end: usize = r.end().into();
        let hay = &self.text[start..end.min(self.text.len())];
        let header_end = hay.find(':').unwrap_or(hay.len());
        match hay[..header_end].rfind(name) {
            Some(i) => crate::diagnostics::Span::new(self.file, start + i, start + i + name.len()),
            None => self.span(r),
        }
    }
}

/// `a.b.C` as a path of names.
fn path_of(e: &Expr) -> Option<Vec<Ident>> {
    match &e.kind {
        ExprKind::Name(n) => Some(vec![Ident::new(n.clone(), e.span)]),
        ExprKind::Attr { obj, name } => {
            let mut p = path_of(obj)?;
            p.push(name.clone());
            Some(p)
        }
        _ => None,
    }
}
