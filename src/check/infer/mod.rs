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
//!
//! This file holds a body's frame: parameters, scopes, expected types, patterns and what a
//! loop iterates. The rest is by concern: `stmt.rs` (statements), `expr.rs` (expressions,
//! operators, comprehensions), `call.rs` (calls and their arguments), `builtin_call.rs` (the
//! built-in functions).

mod builtin_call;
mod call;
mod expr;
mod stmt;

use crate::check::error::CheckError;
use crate::check::types::{self, assignable, Type};
use crate::check::{Checker, Local};
use crate::diagnostics::Span;
use crate::syntax::ast::*;

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

    // ---------------------------------------------------------------------------------------
    // Expressions
    // ---------------------------------------------------------------------------------------

    // ---------------------------------------------------------------------------------------
    // Calls
    // ---------------------------------------------------------------------------------------
}
