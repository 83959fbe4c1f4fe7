//! Statements: `let`, assignment, `if` (with the narrowing of optional names), loops,
//! `break`/`continue`, `return`, `try`/`except`, `raise`, `with group(...)`; each says whether
//! it always returns or raises.

use crate::check::error::CheckError;
use crate::check::types::{self, Record, Type};
use crate::check::Checker;
use crate::syntax::ast::*;

impl<'m> Checker<'m> {
    /// Checks a statement; returns whether it always returns or raises.
    pub(in crate::check) fn stmt(&mut self, s: &Stmt) -> bool {
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
                if matches!(&func.kind, ExprKind::Name(n) if n == "isinstance")
                    && args.len() == 2 =>
            {
                if let (ExprKind::Name(x), Some(t)) =
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
                if let ExprKind::Name(x) = &first.kind {
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
    pub(super) fn type_of_type_expr(&self, e: &Expr) -> Option<Type> {
        let ExprKind::Name(n) = &e.kind else {
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
            ExprKind::Name(n) => match self.lookup_local(n) {
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
}
