//! Type-checking bodies: statements and expressions with local inference.
//!
//! `expr(e, expected)` returns `e`'s type; `expected` (from an annotation, a parameter or a
//! return type) only guides the typing of empty literals and `none`. Compatibility is checked
//! where a value meets an expected type ([`Checker::expect`]); where the value is a
//! `Future[T]` and `T` would fit, the error says `await` is missing (`E0207`).
//!
//! Calls dispatch on the callee's type: tasks (sync: blocking, refused in async code; async:
//! a `Future`), `.aio`, `.override(...)`, functions, struct literals, error constructors,
//! configuration constructors and the built-ins, whose generic types are rules here.

use super::builtins;
use super::error::CheckError;
use super::types::{self, assignable, Record, Type};
use super::{Checker, Decl, Local, Param};
use crate::diagnostics::{suggest, Span};
use crate::syntax::ast::*;

/// What a callee is, for argument checking.
struct Callee<'a> {
    what: String,
    params: &'a [Param],
}

impl<'m> Checker<'m> {
    /// Checks the body of the task or function declared as `key`.
    pub(super) fn check_body(&mut self, key: &Name, f: &FnDecl, env: Option<Name>) {
        let (params, ret) = match (self.out.tasks.get(key), self.out.fns.get(key)) {
            (Some(t), _) => (t.params.clone(), t.ret.clone()),
            (_, Some(func)) => (func.params.clone(), func.ret.clone()),
            (None, None) => return,
        };
        self.in_async = f.is_async;
        let inferring = self.opts.infer_return_of.as_ref() == Some(key);
        self.at_prompt = inferring && self.opts.prompt.is_some();
        let ret = if inferring { Type::Any } else { ret };
        self.ret = ret.clone();
        self.loop_depth = 0;
        self.body_env = env;
        self.scopes.push(Default::default());
        for (p, decl) in params.iter().zip(&f.params) {
            if let Some(d) = &decl.default {
                let t = self.expr(d, Some(&p.ty));
                self.expect(&t, &p.ty, d.span, "this parameter's default");
            }
            self.scopes
                .last_mut()
                .unwrap()
                .insert(p.name.clone(), Local { ty: p.ty.clone() });
        }
        let returns = self.block(&f.body);
        if !returns && !matches!(ret, Type::None | Type::Any | Type::Optional(_)) {
            let at = f.body.span;
            let end = Span {
                start: at.end.saturating_sub(1),
                ..at
            };
            self.err(CheckError::MissingReturn { at: end, ret });
        }
        self.scopes.clear();
        self.body_env = None;
        self.at_prompt = false;
    }

    /// Checks a block in a new scope; returns whether it always returns (or raises).
    fn block(&mut self, b: &Block) -> bool {
        self.scopes.push(Default::default());
        let mut returns = false;
        for s in &b.stmts {
            returns |= self.stmt(s);
        }
        self.scopes.pop();
        returns
    }

    fn block_with(&mut self, b: &Block, bindings: Vec<(Name, Type)>) -> bool {
        self.scopes.push(
            bindings
                .into_iter()
                .map(|(n, ty)| (n, Local { ty }))
                .collect(),
        );
        let r = self.block(b);
        self.scopes.pop();
        r
    }

    fn declare_local(&mut self, name: &Name, ty: Type) {
        self.scopes
            .last_mut()
            .unwrap()
            .insert(name.clone(), Local { ty });
    }

    pub(super) fn lookup_local(&self, name: &str) -> Option<&Local> {
        self.scopes.iter().rev().find_map(|s| s.get(name))
    }

    /// Reports `found` where `expected` is needed, unless it fits.
    pub(super) fn expect(
        &mut self,
        found: &Type,
        expected: &Type,
        at: Span,
        context: &'static str,
    ) {
        if assignable(found, expected) {
            return;
        }
        if let Type::Future(inner) = found {
            if assignable(inner, expected) {
                self.err(CheckError::MissingAwait {
                    at,
                    expected: expected.clone(),
                    found: found.clone(),
                });
                return;
            }
        }
        self.err(CheckError::Mismatch {
            at,
            expected: expected.clone(),
            found: found.clone(),
            context,
        });
    }

    fn cond(&mut self, e: &Expr) {
        let t = self.expr(e, Some(&Type::Bool));
        if let Type::Future(_) = t {
            self.err(CheckError::MissingAwait {
                at: e.span,
                expected: Type::Bool,
                found: t,
            });
        } else if !assignable(&t, &Type::Bool) {
            self.err(CheckError::ConditionNotBool { at: e.span, ty: t });
        }
    }

    /// Binds the names of a pattern to the parts of `ty`.
    pub(super) fn bind_pattern_types(
        &mut self,
        p: &Pattern,
        ty: &Type,
        out: &mut Vec<(Name, Type)>,
    ) {
        match p {
            Pattern::Name(id) => out.push((id.name.clone(), ty.clone())),
            Pattern::Tuple(items, span) => match ty {
                Type::Tuple(ts) if ts.len() == items.len() => {
                    for (i, t) in items.iter().zip(ts) {
                        self.bind_pattern_types(i, t, out);
                    }
                }
                Type::List(t) => {
                    for i in items {
                        self.bind_pattern_types(i, t, out);
                    }
                }
                Type::Any => {
                    for i in items {
                        self.bind_pattern_types(i, &Type::Any, out);
                    }
                }
                Type::Future(_) => {
                    self.err(CheckError::MissingAwait {
                        at: *span,
                        expected: Type::Tuple(vec![Type::Any; items.len()]),
                        found: ty.clone(),
                    });
                    for i in items {
                        self.bind_pattern_types(i, &Type::Any, out);
                    }
                }
                _ => {
                    self.err(CheckError::DestructureArity {
                        at: *span,
                        expected: items.len(),
                        found: ty.to_string(),
                    });
                    for i in items {
                        self.bind_pattern_types(i, &Type::Any, out);
                    }
                }
            },
        }
    }

    /// The type of an item when iterating over `ty`.
    fn iter_item(&mut self, ty: &Type, at: Span) -> Type {
        match ty {
            Type::List(t) => (**t).clone(),
            Type::Dict(k, _) => (**k).clone(),
            Type::Str => Type::Str,
            Type::Tuple(ts) => types::union(ts.clone()),
            Type::Any => Type::Any,
            Type::Future(_) => {
                self.err(CheckError::MissingAwait {
                    at,
                    expected: Type::list(Type::Any),
                    found: ty.clone(),
                });
                Type::Any
            }
            _ => {
                self.err(CheckError::NotIterable { at, ty: ty.clone() });
                Type::Any
            }
        }
    }

    /// Checks a statement; returns whether it always returns or raises.
    pub(super) fn stmt(&mut self, s: &Stmt) -> bool {
        crate::stack::grow(|| self.stmt_inner(s))
    }

    fn stmt_inner(&mut self, s: &Stmt) -> bool {
        match &s.kind {
            StmtKind::Let { pattern, ty, value } => {
                let declared = ty.as_ref().map(|t| self.resolve_type(t));
                let t = self.expr(value, declared.as_ref());
                if let Some(d) = &declared {
                    self.expect(&t, d, value.span, "this `let`'s annotation");
                }
                let t = declared.unwrap_or(t);
                if let (Pattern::Name(id), Type::Future(_)) = (pattern, &t) {
                    // A future kept for later (`let f = t.aio(x)`) is fine.
                    self.declare_local(&id.name, t);
                    return false;
                }
                let mut bound = Vec::new();
                self.bind_pattern_types(pattern, &t, &mut bound);
                for (n, t) in bound {
                    self.declare_local(&n, t);
                }
                false
            }
            StmtKind::Assign { target, op, value } => {
                self.assign(target, *op, value);
                false
            }
            StmtKind::Expr(e) => {
                let t = self.expr(e, None);
                let _ = t;
                false
            }
            StmtKind::If {
                branches,
                else_block,
            } => {
                let mut all = true;
                for (c, b) in branches {
                    self.cond(c);
                    let narrowed = self.narrowing(c);
                    all &= self.block_with(b, narrowed);
                }
                match else_block {
                    Some(b) => all & self.block(b),
                    None => false,
                }
            }
            StmtKind::For {
                pattern,
                iter,
                body,
            } => {
                let it = self.expr(iter, None);
                let item = self.iter_item(&it, iter.span);
                let mut bound = Vec::new();
                self.bind_pattern_types(pattern, &item, &mut bound);
                self.loop_depth += 1;
                self.block_with(body, bound);
                self.loop_depth -= 1;
                false
            }
            StmtKind::While { cond, body } => {
                self.cond(cond);
                self.loop_depth += 1;
                self.block(body);
                self.loop_depth -= 1;
                false
            }
            StmtKind::Break | StmtKind::Continue => {
                if self.loop_depth == 0 {
                    let what = if matches!(s.kind, StmtKind::Break) {
                        "break"
                    } else {
                        "continue"
                    };
                    self.err(CheckError::OutsideLoop { at: s.span, what });
                }
                false
            }
            StmtKind::Return(e) => {
                let ret = self.ret.clone();
                match e {
                    Some(e) => {
                        let t = self.expr(e, Some(&ret));
                        self.expect(&t, &ret, e.span, "the declared return type");
                        if ret == Type::Any && self.opts.infer_return_of.is_some() {
                            self.out.inferred_return = Some(t);
                        }
                    }
                    None => self.expect(&Type::None, &ret, s.span, "the declared return type"),
                }
                true
            }
            StmtKind::Raise(e) => {
                match e {
                    Some(e) => {
                        let t = self.expr(e, None);
                        if !matches!(t, Type::Error(_) | Type::Any) {
                            self.err(CheckError::NotAnErrorType { at: e.span, ty: t.to_string() });
                        }
                    }
                    None => self.err(CheckError::BadArguments {
                        at: s.span,
                        message: "`raise` needs an error".into(),
                        help: Some("write `raise ValueError(\"...\")`, or `raise e` inside `except ... as e`".into()),
                    }),
                }
                true
            }
            StmtKind::Try {
                body,
                handlers,
                finally,
            } => {
                let mut all = self.block(body);
                for h in handlers {
                    let mut caught = Vec::new();
                    for path in &h.types {
                        let id = path.last().unwrap();
                        if types::is_error_type(&id.name) {
                            caught.push(Type::Error(id.name.clone()));
                        } else {
                            self.err(CheckError::NotAnErrorType {
                                at: id.span,
                                ty: id.name.to_string(),
                            });
                            caught.push(Type::Any);
                        }
                    }
                    let ty = if caught.is_empty() {
                        Type::Error("Error".into())
                    } else {
                        types::union(caught)
                    };
                    let bound = h
                        .binding
                        .iter()
                        .map(|b| (b.name.clone(), ty.clone()))
                        .collect();
                    all &= self.block_with(&h.body, bound);
                }
                // Ends every path if the body and each handler do, or if `finally` does.
                let fin = finally.as_ref().is_some_and(|f| self.block(f));
                all || fin
            }
            StmtKind::With { context, body } => {
                let t = self.expr(context, None);
                if !matches!(t, Type::Record(Record::Group) | Type::Any) {
                    self.err(CheckError::Mismatch {
                        at: context.span,
                        expected: Type::Record(Record::Group),
                        found: t,
                        context: "`with`",
                    });
                }
                self.block(body)
            }
        }
    }

    /// `isinstance(x, T)` and `x != none` narrow `x` inside the branch.
    fn narrowing(&mut self, c: &Expr) -> Vec<(Name, Type)> {
        match &c.kind {
            ExprKind::Call { func, args }
                if matches!(&func.kind, ExprKind::Name(n, _) if n == "isinstance")
                    && args.len() == 2 =>
            {
                if let (ExprKind::Name(x, _), Some(t)) =
                    (&args[0].value.kind, self.type_of_type_expr(&args[1].value))
                {
                    if self.lookup_local(x).is_some() {
                        return vec![(x.clone(), t)];
                    }
                }
                vec![]
            }
            ExprKind::Compare { first, rest }
                if rest.len() == 1
                    && rest[0].0 == CmpOp::Ne
                    && rest[0].1.kind == ExprKind::None =>
            {
                if let ExprKind::Name(x, _) = &first.kind {
                    if let Some(l) = self.lookup_local(x) {
                        return vec![(x.clone(), l.ty.without_none())];
                    }
                }
                vec![]
            }
            _ => vec![],
        }
    }

    /// The type a value expression names in `isinstance(v, T)` (`int`, `ValueError`, `Point`).
    fn type_of_type_expr(&self, e: &Expr) -> Option<Type> {
        let ExprKind::Name(n, _) = &e.kind else {
            return None;
        };
        Some(match n.as_str() {
            "int" => Type::Int,
            "float" => Type::Float,
            "bool" => Type::Bool,
            "str" => Type::Str,
            "duration" => Type::Duration,
            "list" => Type::list(Type::Any),
            "dict" => Type::Dict(Box::new(Type::Any), Box::new(Type::Any)),
            n if types::is_error_type(n) => Type::Error(n.into()),
            n if self.out.structs.contains_key(n) => Type::Struct(n.into()),
            _ => return None,
        })
    }

    fn assign(&mut self, target: &Expr, op: AssignOp, value: &Expr) {
        let target_ty = match &target.kind {
            ExprKind::Name(n, _) => match self.lookup_local(n) {
                Some(l) => l.ty.clone(),
                None => {
                    if self.decls.contains_key(n) || crate::check::is_builtin_name(n) {
                        self.err(CheckError::AssignToConstant {
                            at: target.span,
                            name: n.to_string(),
                        });
                    } else {
                        self.unknown_name(n, target.span);
                    }
                    self.expr(value, None);
                    return;
                }
            },
            ExprKind::Tuple(items) => {
                let vt = self.expr(value, None);
                let parts: Vec<Type> = match &vt {
                    Type::Tuple(ts) if ts.len() == items.len() => ts.clone(),
                    Type::Any => vec![Type::Any; items.len()],
                    _ => {
                        self.err(CheckError::DestructureArity {
                            at: target.span,
                            expected: items.len(),
                            found: vt.to_string(),
                        });
                        vec![Type::Any; items.len()]
                    }
                };
                for (item, t) in items.iter().zip(parts) {
                    let it = self.expr(item, None);
                    self.expect(&t, &it, item.span, "this assignment target");
                }
                return;
            }
            _ => self.expr(target, None),
        };
        let vt = self.expr(value, Some(&target_ty));
        match op {
            AssignOp::Set => self.expect(&vt, &target_ty, value.span, "this assignment"),
            _ => {
                let bin = match op {
                    AssignOp::Add => BinOp::Add,
                    AssignOp::Sub => BinOp::Sub,
                    AssignOp::Mul => BinOp::Mul,
                    _ => BinOp::Div,
                };
                let result = self.binary_type(bin, &target_ty, &vt, target.span.to(value.span));
                self.expect(&result, &target_ty, value.span, "this assignment");
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Expressions
    // ---------------------------------------------------------------------------------------

    pub(super) fn expr(&mut self, e: &Expr, expected: Option<&Type>) -> Type {
        let t = crate::stack::grow(|| self.expr_inner(e, expected));
        if self.opts.record_types {
            self.out.expr_types.insert(e.span, t.clone());
        }
        t
    }

    fn expr_inner(&mut self, e: &Expr, expected: Option<&Type>) -> Type {
        match &e.kind {
            ExprKind::Int(_) => Type::Int,
            ExprKind::Float(_) => Type::Float,
            ExprKind::Duration(_) => Type::Duration,
            ExprKind::Str(_) => Type::Str,
            ExprKind::Bool(_) => Type::Bool,
            ExprKind::None => Type::None,
            ExprKind::FString(parts) => {
                for p in parts {
                    if let FStringPart::Field { expr, .. } = p {
                        let t = self.expr(expr, None);
                        if let Type::Future(_) = t {
                            self.err(CheckError::MissingAwait {
                                at: expr.span,
                                expected: Type::Any,
                                found: t,
                            });
                        }
                    }
                }
                Type::Str
            }
            ExprKind::Name(n, _) => self.name(n, e.span),
            ExprKind::List(items) => {
                let want = match expected {
                    Some(Type::List(t)) => Some((**t).clone()),
                    _ => None,
                };
                let mut elem: Option<Type> = None;
                for i in items {
                    let t = self.expr(i, want.as_ref());
                    elem = Some(match (elem, want.as_ref()) {
                        (_, Some(w)) if assignable(&t, w) => w.clone(),
                        (None, _) => t,
                        (Some(prev), _) => self.join(prev, t, i.span),
                    });
                }
                Type::list(elem.or(want).unwrap_or(Type::Any))
            }
            ExprKind::Tuple(items) => {
                let want: Option<Vec<Type>> = match expected {
                    Some(Type::Tuple(ts)) if ts.len() == items.len() => Some(ts.clone()),
                    _ => None,
                };
                Type::Tuple(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, x)| self.expr(x, want.as_ref().map(|w| &w[i])))
                        .collect(),
                )
            }
            ExprKind::Dict(entries) => {
                let (wk, wv) = match expected {
                    Some(Type::Dict(k, v)) => (Some((**k).clone()), Some((**v).clone())),
                    _ => (None, None),
                };
                let (mut kt, mut vt): (Option<Type>, Option<Type>) = (None, None);
                for (k, v) in entries {
                    let a = self.expr(k, wk.as_ref());
                    let b = self.expr(v, wv.as_ref());
                    if !matches!(a, Type::Str | Type::Int | Type::Any) {
                        self.err(CheckError::Mismatch {
                            at: k.span,
                            expected: Type::Str,
                            found: a.clone(),
                            context: "a dict key",
                        });
                    }
                    kt = Some(match kt {
                        None => a,
                        Some(p) => self.join(p, a, k.span),
                    });
                    vt = Some(match (vt, wv.as_ref()) {
                        (_, Some(w)) if assignable(&b, w) => w.clone(),
                        (None, _) => b,
                        (Some(p), _) => self.join(p, b, v.span),
                    });
                }
                Type::Dict(
                    Box::new(kt.or(wk).unwrap_or(Type::Any)),
                    Box::new(vt.or(wv).unwrap_or(Type::Any)),
                )
            }
            ExprKind::ListComp { elt, clauses } => {
                self.scopes.push(Default::default());
                self.comp_clauses(clauses);
                let want = match expected {
                    Some(Type::List(t)) => Some((**t).clone()),
                    _ => None,
                };
                let t = self.expr(elt, want.as_ref());
                self.scopes.pop();
                match want {
                    Some(w) if assignable(&t, &w) => Type::list(w),
                    _ => Type::list(t),
                }
            }
            ExprKind::DictComp {
                key,
                value,
                clauses,
            } => {
                self.scopes.push(Default::default());
                self.comp_clauses(clauses);
                let (wk, wv) = match expected {
                    Some(Type::Dict(k, v)) => (Some((**k).clone()), Some((**v).clone())),
                    _ => (None, None),
                };
                let k = self.expr(key, wk.as_ref());
                let v = self.expr(value, wv.as_ref());
                self.scopes.pop();
                let k = match wk {
                    Some(w) if assignable(&k, &w) => w,
                    _ => k,
                };
                let v = match wv {
                    Some(w) if assignable(&v, &w) => w,
                    _ => v,
                };
                Type::Dict(Box::new(k), Box::new(v))
            }
            ExprKind::Unary { op, operand } => {
                // The operand is inferred once: twice per `not` is exponential in a chain.
                let t = if matches!(op, UnaryOp::Not) {
                    self.cond(operand);
                    Type::Bool
                } else {
                    self.expr(operand, None)
                };
                match op {
                    UnaryOp::Not => t,
                    UnaryOp::Neg => match t {
                        Type::Int | Type::Float | Type::Duration | Type::Any => t,
                        Type::Future(_) => {
                            self.err(CheckError::MissingAwait {
                                at: operand.span,
                                expected: Type::Float,
                                found: t,
                            });
                            Type::Any
                        }
                        _ => {
                            self.err(CheckError::BadOperands {
                                at: e.span,
                                op: "-",
                                left: t.clone(),
                                right: t,
                            });
                            Type::Any
                        }
                    },
                }
            }
            ExprKind::Binary { op, lhs, rhs } => match op {
                BinOp::And | BinOp::Or => {
                    self.cond(lhs);
                    self.cond(rhs);
                    Type::Bool
                }
                _ => {
                    let a = self.expr(lhs, None);
                    let b = self.expr(rhs, None);
                    self.binary_type(*op, &a, &b, e.span)
                }
            },
            ExprKind::Compare { first, rest } => {
                let mut left = self.expr(first, None);
                let mut left_span = first.span;
                for (op, right) in rest {
                    let r = self.expr(right, None);
                    self.compare(*op, &left, &r, left_span.to(right.span));
                    left = r;
                    left_span = right.span;
                }
                Type::Bool
            }
            ExprKind::IfElse {
                cond,
                then,
                otherwise,
            } => {
                self.cond(cond);
                let a = self.expr(then, expected);
                let b = self.expr(otherwise, expected);
                types::union(vec![a, b])
            }
            ExprKind::Await(inner) => {
                if !self.in_async {
                    self.err(CheckError::AwaitOutsideAsync { at: e.span });
                }
                let t = self.expr(inner, None);
                match t {
                    Type::Future(t) => *t,
                    Type::Any => Type::Any,
                    other => {
                        self.err(CheckError::NotAwaitable {
                            at: inner.span,
                            ty: other,
                        });
                        Type::Any
                    }
                }
            }
            ExprKind::Call { func, args } => self.call(func, args, e.span, expected),
            ExprKind::Attr { obj, name } => {
                if let Some(q) = self.qualified(obj, name) {
                    return self.name(&q, e.span);
                }
                let t = self.expr(obj, None);
                self.attribute(&t, name, obj.span)
            }
            ExprKind::Index { obj, index } => {
                let t = self.expr(obj, None);
                let i = self.expr(index, None);
                match &t {
                    Type::List(el) => {
                        self.expect(&i, &Type::Int, index.span, "a list index");
                        (**el).clone()
                    }
                    Type::Str => {
                        self.expect(&i, &Type::Int, index.span, "a string index");
                        Type::Str
                    }
                    Type::Dict(k, v) => {
                        self.expect(&i, k, index.span, "this dict's key");
                        (**v).clone()
                    }
                    Type::Tuple(ts) => match &index.kind {
                        ExprKind::Int(n) => {
                            let idx = if *n < 0 { ts.len() as i64 + n } else { *n };
                            match ts.get(idx as usize) {
                                Some(t) if idx >= 0 => t.clone(),
                                _ => {
                                    self.err(CheckError::BadArguments {
                                        at: index.span,
                                        message: format!("tuple index {n} out of range for `{t}`"),
                                        help: None,
                                    });
                                    Type::Any
                                }
                            }
                        }
                        _ => types::union(ts.clone()),
                    },
                    Type::Any => Type::Any,
                    Type::Future(_) => {
                        self.err(CheckError::MissingAwait {
                            at: obj.span,
                            expected: Type::list(Type::Any),
                            found: t.clone(),
                        });
                        Type::Any
                    }
                    _ => {
                        self.err(CheckError::BadOperands {
                            at: e.span,
                            op: "[]",
                            left: t.clone(),
                            right: i,
                        });
                        Type::Any
                    }
                }
            }
            ExprKind::Slice {
                obj,
                start,
                stop,
                step,
            } => {
                let t = self.expr(obj, None);
                for part in [start, stop, step].into_iter().flatten() {
                    let pt = self.expr(part, None);
                    self.expect(&pt, &Type::optional(Type::Int), part.span, "a slice bound");
                }
                match t {
                    Type::List(_) | Type::Str | Type::Any => t,
                    Type::Tuple(ts) => Type::list(types::union(ts)),
                    other => {
                        self.err(CheckError::BadOperands {
                            at: e.span,
                            op: "[:]",
                            left: other.clone(),
                            right: Type::Int,
                        });
                        Type::Any
                    }
                }
            }
        }
    }

    fn comp_clauses(&mut self, clauses: &[CompClause]) {
        for c in clauses {
            let it = self.expr(&c.iter, None);
            let item = self.iter_item(&it, c.iter.span);
            let mut bound = Vec::new();
            self.bind_pattern_types(&c.pattern, &item, &mut bound);
            for (n, t) in bound {
                self.declare_local(&n, t);
            }
            for cond in &c.conds {
                self.cond(cond);
            }
        }
    }

    /// The type of two values that must share one (list items, dict values).
    fn join(&mut self, a: Type, b: Type, _at: Span) -> Type {
        if assignable(&b, &a) {
            a
        } else if assignable(&a, &b) {
            b
        } else {
            types::union(vec![a, b])
        }
    }

    fn name(&mut self, n: &Name, at: Span) -> Type {
        if let Some(l) = self.lookup_local(n) {
            return l.ty.clone();
        }
        let qualified;
        let n = match self.qualify(n) {
            Some(q) => {
                qualified = q;
                &qualified
            }
            None => n,
        };
        match self.decls.get(n).copied() {
            Some(Decl::Env(..)) => return Type::Record(Record::Env),
            Some(Decl::Task(..)) => return Type::Task(n.clone()),
            Some(Decl::Fn(..)) => return Type::Fn(n.clone()),
            Some(Decl::Struct(..)) => return Type::Builtin(n.clone()),
            Some(Decl::Let(..)) => {
                self.resolve_let(n);
                return self.out.consts.get(n).cloned().unwrap_or(Type::Any);
            }
            None => {}
        }
        if self.opts.natives.iter().any(|f| f.name == *n) {
            return Type::Builtin(n.clone());
        }
        if self.opts.native_tasks.iter().any(|(_, f)| f.name == *n)
            && self.out.tasks.contains_key(n)
        {
            return Type::Task(n.clone());
        }
        if builtins::is_function(n)
            || builtins::CONSTRUCTORS.contains(&n.as_str())
            || types::is_error_type(n)
        {
            return Type::Builtin(n.clone());
        }
        if self.aliases.contains(n) {
            self.err(CheckError::NotConstant {
                at,
                what: "a module (use `ALIAS.NAME`); the module itself",
            });
            return Type::Any;
        }
        if matches!(
            n.as_str(),
            "int" | "float" | "bool" | "str" | "duration" | "list" | "dict"
        ) {
            // Conversion functions that are also type names.
            return Type::Builtin(n.clone());
        }
        let mut candidates: Vec<&str> = self
            .scopes
            .iter()
            .flat_map(|s| s.keys().map(|k| k.as_str()))
            .collect();
        candidates.extend(self.global_names());
        let suggestion = suggest::closest(n, candidates).map(str::to_string);
        self.err(CheckError::UnknownName {
            at,
            name: n.to_string(),
            suggestion,
        });
        Type::Any
    }

    fn attribute(&mut self, t: &Type, name: &Ident, at: Span) -> Type {
        let n = name.name.as_str();
        let found = match t {
            // A field every member of a union has, with one type (`except (A, B) as e`).
            Type::Union(ts) if ts.iter().all(|m| matches!(m, Type::Error(_))) => match n {
                "message" | "code" => Some(Type::Str),
                "task" => Some(Type::optional(Type::Str)),
                _ => None,
            },
            Type::Any => Some(Type::Any),
            Type::Duration if n == "seconds" => Some(Type::Float),
            Type::Error(_) => match n {
                "message" | "code" => Some(Type::Str),
                "task" => Some(Type::optional(Type::Str)),
                _ => None,
            },
            Type::Struct(s) => self.out.structs.get(s).and_then(|st| {
                st.fields
                    .iter()
                    .find(|(f, _)| f == n)
                    .map(|(_, t)| t.clone())
            }),
            Type::Future(_) => {
                self.err(CheckError::MissingAwait {
                    at,
                    expected: Type::Any,
                    found: t.clone(),
                });
                return Type::Any;
            }
            _ => None,
        };
        match found {
            Some(t) => t,
            None => {
                let mut names: Vec<&str> = builtins::method_names(t).to_vec();
                if let Type::Struct(s) = t {
                    if let Some(st) = self.out.structs.get(s) {
                        names.extend(st.fields.iter().map(|(f, _)| f.as_str()));
                    }
                }
                let suggestion = suggest::closest(n, names).map(str::to_string);
                self.err(CheckError::NoAttribute {
                    at: name.span,
                    ty: t.clone(),
                    name: n.to_string(),
                    suggestion,
                });
                Type::Any
            }
        }
    }

    pub(super) fn binary_type(&mut self, op: BinOp, a: &Type, b: &Type, at: Span) -> Type {
        use Type::*;
        let sym = op.symbol();
        let num = |x: &Type| matches!(x, Int | Float);
        let r = match (op, a, b) {
            (_, Any, _) | (_, _, Any) => Some(Any),
            (BinOp::Div, x, y) if num(x) && num(y) => Some(Float),
            (_, Int, Int) => Some(Int),
            (_, x, y) if num(x) && num(y) => Some(Float),
            (BinOp::Add, Str, Str) => Some(Str),
            (BinOp::Mul, Str, Int) | (BinOp::Mul, Int, Str) => Some(Str),
            (BinOp::Mod, Str, _) => Some(Str),
            (BinOp::Add, List(x), List(y)) if x == y || **x == Any || **y == Any => {
                Some(if **x == Any { b.clone() } else { a.clone() })
            }
            (BinOp::Mul, List(_), Int) => Some(a.clone()),
            (BinOp::Add | BinOp::Sub | BinOp::Mod, Duration, Duration) => Some(Duration),
            (BinOp::Mul, Duration, x) | (BinOp::Mul, x, Duration) if num(x) => Some(Duration),
            (BinOp::Div, Duration, x) if num(x) => Some(Duration),
            (BinOp::Div | BinOp::FloorDiv, Duration, Duration) => {
                Some(if op == BinOp::Div { Float } else { Int })
            }
            _ => Option::None,
        };
        match r {
            Some(t) => t,
            Option::None => {
                // A future operand is a missing `await` (reported there); else the types clash.
                if self.operand_awaited(a, b, at) {
                    self.err(CheckError::BadOperands {
                        at,
                        op: sym,
                        left: a.clone(),
                        right: b.clone(),
                    });
                }
                Any
            }
        }
    }

    /// An operand that is a `Future` is a missing `await` (reported here): false then.
    fn operand_awaited(&mut self, a: &Type, b: &Type, at: Span) -> bool {
        let Some(found) = [a, b].into_iter().find(|t| matches!(t, Type::Future(_))) else {
            return true;
        };
        let expected = match found {
            Type::Future(inner) => (**inner).clone(),
            _ => Type::Any,
        };
        self.err(CheckError::MissingAwait {
            at,
            expected,
            found: found.clone(),
        });
        false
    }

    fn compare(&mut self, op: CmpOp, a: &Type, b: &Type, at: Span) {
        use Type::*;
        if !self.operand_awaited(a, b, at) {
            return;
        }
        let ok = match op {
            CmpOp::Eq | CmpOp::Ne => true,
            CmpOp::In | CmpOp::NotIn => match b {
                List(t) => assignable(a, t) || assignable(t, a),
                Dict(k, _) => assignable(a, k),
                Str => matches!(a, Str | Any),
                Tuple(_) | Any => true,
                _ => false,
            },
            _ => {
                let num = |x: &Type| matches!(x, Int | Float | Any);
                (num(a) && num(b))
                    || a == b && matches!(a, Str | Duration | List(_) | Tuple(_))
                    || matches!(a, Any)
                    || matches!(b, Any)
            }
        };
        if !ok {
            let sym = op.symbol();
            self.err(CheckError::BadOperands {
                at,
                op: sym,
                left: a.clone(),
                right: b.clone(),
            });
        }
    }

    // ---------------------------------------------------------------------------------------
    // Calls
    // ---------------------------------------------------------------------------------------

    fn call(&mut self, func: &Expr, args: &[Arg], at: Span, expected: Option<&Type>) -> Type {
        // Methods and task attributes: `t.aio(x)`, `t.override(...)`, `xs.append(x)`, `map.aio(...)`.
        if let ExprKind::Attr { obj, name } = &func.kind {
            if self.qualified(obj, name).is_some() {
                return self.call_value(func, args, at, expected);
            }
            let recv = self.expr(obj, None);
            match (&recv, name.name.as_str()) {
                (Type::Task(t), "aio") => {
                    let ret = self.task_args(t, args, at);
                    self.note_same_env_call(t, at);
                    return Type::future(ret);
                }
                (Type::Task(t), "override") => {
                    let t = t.clone();
                    self.check_override(&t, args, at);
                    return Type::Task(t);
                }
                (Type::Builtin(b), "aio") if b == "map" => {
                    return Type::future(self.map_call(args, at))
                }
                (Type::Any, _) => {
                    self.args_any(args);
                    return Type::Any;
                }
                _ => {}
            }
            return match builtins::method(&recv, &name.name) {
                Some(m) => {
                    let n = args.len();
                    if n + m.optional < m.params.len() || n > m.params.len() {
                        self.err(CheckError::BadArguments {
                            at,
                            message: format!(
                                "`{}` takes {} argument{}, {} given",
                                name.name,
                                if m.optional > 0 {
                                    format!("{} to {}", m.params.len() - m.optional, m.params.len())
                                } else {
                                    m.params.len().to_string()
                                },
                                if m.params.len() == 1 { "" } else { "s" },
                                n
                            ),
                            help: None,
                        });
                    }
                    for (a, p) in args.iter().zip(&m.params) {
                        let t = self.expr(&a.value, Some(p));
                        self.expect(&t, p, a.value.span, "this argument");
                    }
                    for a in args.iter().skip(m.params.len()) {
                        self.expr(&a.value, None);
                    }
                    // `d.get(k, default)` gives the value type, not an optional.
                    if let (Type::Dict(_, v), "get", 2) = (&recv, name.name.as_str(), n) {
                        return (**v).clone();
                    }
                    m.ret
                }
                None => {
                    self.args_any(args);
                    self.attribute(&recv, name, obj.span)
                }
            };
        }
        self.call_value(func, args, at, expected)
    }

    /// `lib.NAME` for an import alias `lib` that no local shadows.
    pub(super) fn qualified(&self, obj: &Expr, name: &Ident) -> Option<Name> {
        match &obj.kind {
            ExprKind::Name(a, _) if self.aliases.contains(a) && self.lookup_local(a).is_none() => {
                Some(Name::new(format!("{a}.{}", name.name)))
            }
            _ => None,
        }
    }

    /// A call of a callee that is a value (a task, function, builtin, struct).
    fn call_value(&mut self, func: &Expr, args: &[Arg], at: Span, expected: Option<&Type>) -> Type {
        let ft = self.expr(func, None);
        match ft {
            Type::Task(t) => {
                let info = &self.out.tasks[&t];
                let is_async = info.is_async;
                let ret = self.task_args(&t, args, at);
                self.note_same_env_call(&t, at);
                if is_async {
                    Type::future(ret)
                } else {
                    if self.in_async && !self.at_prompt {
                        self.err(CheckError::SyncCallInAsync {
                            at,
                            task: t.to_string(),
                        });
                    }
                    ret
                }
            }
            Type::Fn(f) => {
                let info = self.out.fns[&f].clone();
                self.check_args(
                    Callee {
                        what: format!("function `{f}`"),
                        params: &info.params,
                    },
                    args,
                    at,
                );
                if info.is_async {
                    Type::future(info.ret)
                } else {
                    info.ret
                }
            }
            Type::Builtin(b) => self.builtin_call(&b, args, at, expected),
            Type::Any => {
                self.args_any(args);
                Type::Any
            }
            other => {
                self.args_any(args);
                self.err(CheckError::NotCallable {
                    at: func.span,
                    ty: other,
                });
                Type::Any
            }
        }
    }

    fn args_any(&mut self, args: &[Arg]) {
        for a in args {
            self.expr(&a.value, None);
        }
    }

    fn task_args(&mut self, t: &Name, args: &[Arg], at: Span) -> Type {
        let info = self.out.tasks[t].clone();
        self.check_args(
            Callee {
                what: format!("task `{t}`"),
                params: &info.params,
            },
            args,
            at,
        );
        info.ret
    }

    /// The starvation warning: a task of a capacity-1 reusable environment calling a task of
    /// the same environment.
    fn note_same_env_call(&mut self, callee: &Name, at: Span) {
        let Some(env) = self.body_env.clone() else {
            return;
        };
        let Some(callee_env) = self.out.tasks.get(callee).and_then(|t| t.env.clone()) else {
            return;
        };
        if callee_env != env {
            return;
        }
        if let Some((policy, _)) = &self.out.envs[&env].settings.reusable {
            if policy.max_replicas * policy.concurrency == 1 {
                let env_name = self.out.envs[&env].settings.name.clone();
                self.err(CheckError::Starvation {
                    at,
                    env: env_name,
                    callee: callee.to_string(),
                });
            }
        }
    }

    /// Checks arguments against parameters: positional, keyword, `*spread`, defaults.
    fn check_args(&mut self, callee: Callee<'_>, args: &[Arg], at: Span) {
        let params = callee.params;
        let mut given = vec![false; params.len()];
        let mut pos = 0usize;
        let mut spread = false;
        for a in args {
            match &a.kind {
                ArgKind::Positional => {
                    if pos >= params.len() {
                        self.expr(&a.value, None);
                        self.err(CheckError::BadArguments {
                            at: a.span,
                            message: format!(
                                "{} takes {} argument{}, more were given",
                                callee.what,
                                params.len(),
                                if params.len() == 1 { "" } else { "s" }
                            ),
                            help: None,
                        });
                        continue;
                    }
                    let p = &params[pos];
                    let t = self.expr(&a.value, Some(&p.ty));
                    self.expect(&t, &p.ty, a.value.span, "this argument");
                    given[pos] = true;
                    pos += 1;
                }
                ArgKind::Keyword(id) => match params.iter().position(|p| p.name == id.name) {
                    Some(i) => {
                        if given[i] {
                            self.err(CheckError::BadArguments {
                                at: a.span,
                                message: format!("argument `{}` given twice", id.name),
                                help: None,
                            });
                        }
                        given[i] = true;
                        let t = self.expr(&a.value, Some(&params[i].ty));
                        self.expect(&t, &params[i].ty, a.value.span, "this argument");
                    }
                    None => {
                        self.expr(&a.value, None);
                        let suggestion =
                            suggest::closest(&id.name, params.iter().map(|p| p.name.as_str()));
                        self.err(CheckError::BadArguments {
                            at: a.span,
                            message: format!("{} has no parameter `{}`", callee.what, id.name),
                            help: Some(match suggestion {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => format!(
                                    "its parameters are: {}",
                                    params
                                        .iter()
                                        .map(|p| p.name.as_str())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            }),
                        });
                    }
                },
                ArgKind::Spread => {
                    spread = true;
                    let t = self.expr(&a.value, None);
                    if !matches!(t, Type::List(_) | Type::Any) {
                        self.err(CheckError::Mismatch {
                            at: a.value.span,
                            expected: Type::list(Type::Any),
                            found: t,
                            context: "`*` spread",
                        });
                    }
                }
            }
        }
        if spread {
            return;
        }
        let missing: Vec<&str> = params
            .iter()
            .zip(&given)
            .filter(|(p, g)| !**g && !p.has_default)
            .map(|(p, _)| p.name.as_str())
            .collect();
        if !missing.is_empty() {
            self.err(CheckError::BadArguments {
                at,
                message: format!(
                    "{} is missing argument{} {}",
                    callee.what,
                    if missing.len() == 1 { "" } else { "s" },
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                help: None,
            });
        }
    }

    fn builtin_call(&mut self, b: &Name, args: &[Arg], at: Span, expected: Option<&Type>) -> Type {
        use Type::{Any, Bool, Duration, Float, Int, Str, Tuple};
        let n = b.as_str();
        // Host functions: their Rust signature.
        if let Some(sig) = self.opts.natives.iter().find(|f| f.name == *b).cloned() {
            let params = sig.param_list();
            self.check_args(
                Callee {
                    what: format!("host function `{n}`"),
                    params: &params,
                },
                args,
                at,
            );
            return sig.ret;
        }
        // Error constructors: `ValueError("message")`.
        if types::is_error_type(n) {
            self.fixed(n, args, &[Str], 1, at);
            return Type::Error(b.clone());
        }
        if let Some(st) = self.out.structs.get(n).cloned() {
            let params: Vec<Param> = st
                .fields
                .iter()
                .map(|(f, t)| Param {
                    name: f.clone(),
                    ty: t.clone(),
                    has_default: false,
                })
                .collect();
            if let Some(a) = args.iter().find(|a| !matches!(a.kind, ArgKind::Keyword(_))) {
                self.err(CheckError::BadArguments {
                    at: a.span,
                    message: format!("struct `{n}` takes its fields as keyword arguments"),
                    help: Some(format!("write `{n}(field = value, ...)`")),
                });
            }
            self.check_args(
                Callee {
                    what: format!("struct `{n}`"),
                    params: &params,
                },
                args,
                at,
            );
            return Type::Struct(b.clone());
        }
        if let Some(r) = types::Record::of_ctor(n) {
            self.args_any(args);
            return Type::Record(r);
        }
        let arg_types: Vec<Type> = match n {
            "gather" | "map" | "isinstance" => vec![],
            _ => args
                .iter()
                .map(|a| self.expr(&a.value, Option::None))
                .collect(),
        };
        let first = arg_types.first().cloned().unwrap_or(Any);
        match n {
            "TaskEnvironment" => {
                self.err(CheckError::NotConstant {
                    at,
                    what: "an environment: declare it with `env NAME = TaskEnvironment(...)`; one",
                });
                Type::Record(types::Record::Env)
            }
            "len" => {
                self.arity(n, args, 1, 1, at);
                if !matches!(first, Type::List(_) | Type::Dict(..) | Str | Tuple(_) | Any) {
                    self.expect_kind(&first, "a list, dict, tuple or str", args, at);
                }
                Int
            }
            "range" => {
                self.arity(n, args, 1, 3, at);
                for (a, t) in args.iter().zip(&arg_types) {
                    self.expect(t, &Int, a.value.span, "`range`");
                }
                Type::list(Int)
            }
            "enumerate" => {
                self.arity(n, args, 1, 1, at);
                let item = self.iter_item(&first, args.first().map_or(at, |a| a.value.span));
                Type::list(Tuple(vec![Int, item]))
            }
            "zip" => {
                let items: Vec<Type> = args
                    .iter()
                    .zip(&arg_types)
                    .map(|(a, t)| self.iter_item(t, a.value.span))
                    .collect();
                Type::list(Tuple(items))
            }
            "sum" => {
                self.arity(n, args, 1, 2, at);
                let item = self.iter_item(&first, args.first().map_or(at, |a| a.value.span));
                if !matches!(item, Int | Float | Duration | Any) {
                    self.expect_kind(&first, "a list of numbers", args, at);
                    return Any;
                }
                item
            }
            "min" | "max" => {
                if args.len() == 1 {
                    self.iter_item(&first, args[0].value.span)
                } else {
                    self.arity(n, args, 1, usize::MAX, at);
                    arg_types
                        .into_iter()
                        .reduce(|a, b| self.join(a, b, at))
                        .unwrap_or(Any)
                }
            }
            "abs" => {
                self.arity(n, args, 1, 1, at);
                if !matches!(first, Int | Float | Duration | Any) {
                    self.expect_kind(&first, "a number or duration", args, at);
                }
                first
            }
            "round" => {
                self.arity(n, args, 1, 2, at);
                if args.len() == 2 {
                    Float
                } else {
                    Int
                }
            }
            "sorted" | "reversed" => {
                // `sorted(xs, reverse = b)`: `reverse` is keyword-only, as in Python.
                let (kw, positional): (Vec<_>, Vec<_>) = args
                    .iter()
                    .zip(&arg_types)
                    .partition(|(a, _)| matches!(a.kind, ArgKind::Keyword(_)));
                for (a, t) in kw {
                    let ArgKind::Keyword(k) = &a.kind else {
                        continue;
                    };
                    if n == "sorted" && k.name == "reverse" {
                        self.expect(t, &Bool, a.value.span, "`reverse`");
                    } else {
                        self.err(CheckError::BadArguments {
                            at: k.span,
                            message: format!("`{n}` has no argument `{}`", k.name),
                            help: Some(match n {
                                "sorted" => {
                                    "`sorted` takes an iterable and `reverse = true/false`".into()
                                }
                                _ => "`reversed` takes one iterable".into(),
                            }),
                        });
                    }
                }
                if positional.len() != 1 {
                    self.err(CheckError::BadArguments {
                        at,
                        message: format!(
                            "`{n}` takes 1 positional argument, {} given",
                            positional.len()
                        ),
                        help: None,
                    });
                }
                let item = match positional.first() {
                    Some((a, t)) => self.iter_item(t, a.value.span),
                    None => Any,
                };
                Type::list(item)
            }
            "any" | "all" => {
                self.arity(n, args, 1, 1, at);
                Bool
            }
            "str" => {
                self.arity(n, args, 0, 1, at);
                Str
            }
            "int" | "float" | "bool" => {
                self.arity(n, args, 0, 1, at);
                match n {
                    "int" => Int,
                    "float" => Float,
                    _ => Bool,
                }
            }
            "isinstance" => {
                self.arity(n, args, 2, 2, at);
                if let Some(a) = args.first() {
                    self.expr(&a.value, Option::None);
                }
                if let Some(t) = args.get(1) {
                    if self.type_of_type_expr(&t.value).is_none() {
                        self.err(CheckError::UnknownType {
                            at: t.value.span,
                            name: format!("{:?}", t.value.kind).chars().take(30).collect(),
                            suggestion: Option::None,
                        });
                    }
                }
                Bool
            }
            "print" => Type::None,
            "getenv" => {
                self.fixed(n, args, &[Str, Str], 1, at);
                if args.len() == 2 {
                    Str
                } else {
                    Type::optional(Str)
                }
            }
            "secret" => {
                self.fixed(n, args, &[Str], 0, at);
                Str
            }
            "sleep" | "compute" | "gpu_compute" => {
                self.fixed(n, args, &[Duration], 0, at);
                if let [a] = args {
                    if matches!(a.kind, ArgKind::Positional) {
                        self.check_not_negative(&a.value, "a duration");
                    }
                }
                Type::None
            }
            "allocate" | "free" => {
                self.fixed(n, args, &[Str], 0, at);
                Type::None
            }
            "now" => {
                self.arity(n, args, 0, 0, at);
                Duration
            }
            "attempt" => {
                self.arity(n, args, 0, 0, at);
                Int
            }
            "random" => {
                self.arity(n, args, 0, 0, at);
                Float
            }
            "group" => {
                self.fixed(n, args, &[Str], 0, at);
                Type::Record(types::Record::Group)
            }
            "gather" => self.gather(args, at),
            "map" => {
                // flyte-sdk fails every item of a blocking `flyte.map` inside async code
                // ("Deadlock detected: blocking call used in syncify thread").
                if self.in_async && !self.at_prompt {
                    self.err(CheckError::BlockingMapInAsync { at });
                }
                self.map_call(args, at)
            }
            _ => {
                let _ = expected;
                Any
            }
        }
    }

    fn arity(&mut self, n: &str, args: &[Arg], min: usize, max: usize, at: Span) -> bool {
        let k = args.len();
        if k < min || k > max {
            let range = if max == usize::MAX {
                format!("at least {min}")
            } else if min == max {
                min.to_string()
            } else {
                format!("{min} to {max}")
            };
            self.err(CheckError::BadArguments {
                at,
                message: format!(
                    "`{n}` takes {range} argument{}, {k} given",
                    if max == 1 { "" } else { "s" }
                ),
                help: None,
            });
            return false;
        }
        true
    }

    /// A builtin with fixed parameter types (the last `optional` may be left out).
    fn fixed(&mut self, n: &str, args: &[Arg], params: &[Type], optional: usize, at: Span) {
        if !self.arity(n, args, params.len() - optional, params.len(), at) {
            return;
        }
        for (a, p) in args.iter().zip(params) {
            let t = self.expr(&a.value, Some(p));
            self.expect(&t, p, a.value.span, "this argument");
        }
    }

    fn expect_kind(&mut self, found: &Type, what: &str, args: &[Arg], at: Span) {
        let at = args.first().map_or(at, |a| a.value.span);
        if let Type::Future(_) = found {
            self.err(CheckError::MissingAwait {
                at,
                expected: Type::Any,
                found: found.clone(),
            });
        } else {
            self.err(CheckError::BadArguments {
                at,
                message: format!("expected {what}, found `{found}`"),
                help: None,
            });
        }
    }

    /// `gather(*futs)` is `Future[list[T]]`; `gather(a, b)` is `Future[tuple[A, B]]`.
    fn gather(&mut self, args: &[Arg], _at: Span) -> Type {
        let mut spread_items: Vec<Type> = Vec::new();
        let mut explicit: Vec<Type> = Vec::new();
        let mut has_spread = false;
        for a in args {
            let t = self.expr(&a.value, None);
            match (&a.kind, &t) {
                (ArgKind::Spread, Type::List(inner)) => match &**inner {
                    Type::Future(r) => spread_items.push((**r).clone()),
                    Type::Any => spread_items.push(Type::Any),
                    other => self.not_a_future(a.value.span, other, true),
                },
                (ArgKind::Spread, Type::Any) => spread_items.push(Type::Any),
                (ArgKind::Spread, other) => self.not_a_future(a.value.span, other, true),
                (_, Type::Future(r)) => explicit.push((**r).clone()),
                (_, Type::Any) => explicit.push(Type::Any),
                (_, other) => self.not_a_future(a.value.span, other, false),
            }
            has_spread |= matches!(a.kind, ArgKind::Spread);
        }
        if has_spread {
            spread_items.extend(explicit);
            Type::future(Type::list(types::union(spread_items)))
        } else {
            Type::future(Type::Tuple(explicit))
        }
    }

    fn not_a_future(&mut self, at: Span, found: &Type, spread: bool) {
        let expected = if spread {
            Type::list(Type::future(Type::Any))
        } else {
            Type::future(Type::Any)
        };
        self.err(CheckError::BadArguments {
            at,
            message: format!("`gather` takes futures: expected `{expected}`, found `{found}`"),
            help: Some("make futures with `t.aio(x)` or an async task call `t(x)`".into()),
        });
    }

    /// `map(t, xs, ..., concurrency = 0, return_exceptions = false, group_name = none)`.
    fn map_call(&mut self, args: &[Arg], at: Span) -> Type {
        let mut positional = args
            .iter()
            .filter(|a| matches!(a.kind, ArgKind::Positional));
        let Some(first) = positional.next() else {
            self.err(CheckError::BadArguments {
                at,
                message: "`map` needs a task and at least one list".into(),
                help: Some("write `map(t, xs)`".into()),
            });
            return Type::Any;
        };
        let ft = self.expr(&first.value, None);
        let Type::Task(task) = ft else {
            if ft != Type::Any {
                self.err(CheckError::Mismatch {
                    at: first.value.span,
                    expected: Type::Builtin("task".into()),
                    found: ft,
                    context: "`map`'s first argument",
                });
            }
            self.args_any(&args[1..]);
            return Type::Any;
        };
        let info = self.out.tasks[&task].clone();
        let lists: Vec<&Arg> = positional.collect();
        if lists.is_empty() || lists.len() > info.params.len() {
            self.err(CheckError::BadArguments {
                at,
                message: format!(
                    "`map` of task `{task}` takes 1 to {} lists, {} given",
                    info.params.len(),
                    lists.len()
                ),
                help: None,
            });
        }
        for (l, p) in lists.iter().zip(&info.params) {
            let want = Type::list(p.ty.clone());
            let t = self.expr(&l.value, Some(&want));
            self.expect(&t, &want, l.value.span, "this `map` input");
        }
        let mut return_exceptions = false;
        for a in args {
            if let ArgKind::Keyword(k) = &a.kind {
                let t = self.expr(&a.value, None);
                match k.name.as_str() {
                    "concurrency" => {
                        self.expect(&t, &Type::Int, a.value.span, "`concurrency`");
                        self.check_not_negative(&a.value, "`concurrency`");
                    }
                    "return_exceptions" => {
                        self.expect(&t, &Type::Bool, a.value.span, "`return_exceptions`");
                        return_exceptions = a.value.kind == ExprKind::Bool(true);
                    }
                    "group_name" => {
                        self.expect(&t, &Type::optional(Type::Str), a.value.span, "`group_name`")
                    }
                    other => self.err(CheckError::BadArguments {
                        at: a.span,
                        message: format!("`map` has no parameter `{other}`"),
                        help: Some(
                            "its options are: concurrency, return_exceptions, group_name".into(),
                        ),
                    }),
                }
            }
        }
        self.note_same_env_call(&task, at);
        if return_exceptions {
            Type::list(types::union(vec![info.ret, Type::Error("Error".into())]))
        } else {
            Type::list(info.ret)
        }
    }
}
