//! Constants at check time: an expression folded to a [`Const`] (literals, durations,
//! configuration constructors, environments, module-level `let` constants, resolved on demand
//! with cycles reported as `E0203`); what is known only at run time is `Const::Unknown`.

use super::config::value::Const;
use super::config::{ConstArg, SConst};
use super::error::CheckError;
use super::order;
use super::{Checker, Decl, State};
use crate::diagnostics::Span;
use crate::syntax::ast::*;

/// Whether folding may meet run-time values silently (override arguments) or must report them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Fold {
    Strict,
    Lenient,
}

impl<'m> Checker<'m> {
    /// Folds a constant expression; what is not constant becomes `Const::Unknown` (reported as
    /// `E0217` when strict).
    pub(super) fn fold(&mut self, e: &Expr, mode: Fold, what: &'static str) -> SConst {
        let span = e.span;
        let c = |v| SConst::new(v, span);
        match &e.kind {
            ExprKind::Int(i) => c(Const::Int(*i)),
            ExprKind::Float(f) => c(Const::Float(*f)),
            ExprKind::Str(s) => c(Const::Str(s.clone())),
            ExprKind::Bool(b) => c(Const::Bool(*b)),
            ExprKind::None => c(Const::None),
            ExprKind::Duration(d) => c(Const::Duration(*d)),
            ExprKind::List(items) => c(Const::List(
                items.iter().map(|i| self.fold(i, mode, what)).collect(),
            )),
            ExprKind::Tuple(items) => c(Const::Tuple(
                items.iter().map(|i| self.fold(i, mode, what)).collect(),
            )),
            ExprKind::Dict(entries) => c(Const::Dict(
                entries
                    .iter()
                    .map(|(k, v)| (self.fold(k, mode, what), self.fold(v, mode, what)))
                    .collect(),
            )),
            ExprKind::Unary {
                op: UnaryOp::Neg,
                operand,
            } => {
                let v = self.fold(operand, mode, what);
                match v.value {
                    // Negating i64::MIN overflows: left to the run time's OverflowError.
                    Const::Int(i) => c(i.checked_neg().map_or(Const::Unknown, Const::Int)),
                    Const::Float(f) => c(Const::Float(-f)),
                    Const::Duration(d) => {
                        c(d.checked_neg().map_or(Const::Unknown, Const::Duration))
                    }
                    _ => c(Const::Unknown),
                }
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let (a, b) = (self.fold(lhs, mode, what), self.fold(rhs, mode, what));
                let v = match (op, &a.value, &b.value) {
                    (BinOp::Add, Const::Int(x), Const::Int(y)) => x.checked_add(*y).map(Const::Int),
                    (BinOp::Sub, Const::Int(x), Const::Int(y)) => x.checked_sub(*y).map(Const::Int),
                    (BinOp::Mul, Const::Int(x), Const::Int(y)) => x.checked_mul(*y).map(Const::Int),
                    (BinOp::Add, Const::Str(x), Const::Str(y)) => {
                        Some(Const::Str(format!("{x}{y}")))
                    }
                    (BinOp::Add, Const::Duration(x), Const::Duration(y)) => {
                        x.checked_add(*y).map(Const::Duration)
                    }
                    (BinOp::Mul, Const::Duration(x), Const::Int(y)) => {
                        x.checked_mul(*y).map(Const::Duration)
                    }
                    _ => None,
                };
                c(v.unwrap_or(Const::Unknown))
            }
            ExprKind::Attr { obj, name } if self.qualified(obj, name).is_some() => {
                let q = self.qualified(obj, name).unwrap();
                let named = Expr {
                    kind: ExprKind::Name(q),
                    span,
                };
                self.fold(&named, mode, what)
            }
            ExprKind::Name(n) => {
                let n = &self.qualify(n).unwrap_or_else(|| n.clone());
                match self.decls.get(n).copied() {
                    Some(Decl::Let(..)) => {
                        self.resolve_let(n);
                        match self.let_values.get(n) {
                            Some(v) => v.clone(),
                            None => self.not_constant(span, mode, what),
                        }
                    }
                    Some(Decl::Env(..)) => {
                        self.resolve_env(n);
                        match self.out.envs.get(n) {
                            Some(env) => c(Const::Env(env.settings.name.as_str().into())),
                            None => c(Const::Unknown),
                        }
                    }
                    _ => self.not_constant(span, mode, what),
                }
            }
            ExprKind::Call { func, args } => match &func.kind {
                ExprKind::Name(ctor)
                    if super::types::Record::of_ctor(ctor).is_some()
                        && !self.decls.contains_key(ctor) =>
                {
                    let args = args
                        .iter()
                        .map(|a| ConstArg {
                            name: match &a.kind {
                                ArgKind::Keyword(id) => Some(id.name.clone()),
                                _ => None,
                            },
                            span: a.span,
                            value: self.fold(&a.value, mode, what),
                        })
                        .collect();
                    c(Const::Record {
                        ctor: ctor.clone(),
                        args,
                    })
                }
                _ => self.not_constant(span, mode, what),
            },
            _ => self.not_constant(span, mode, what),
        }
    }

    fn not_constant(&mut self, span: Span, mode: Fold, what: &'static str) -> SConst {
        if mode == Fold::Strict {
            self.err(CheckError::NotConstant { at: span, what });
        }
        SConst::new(Const::Unknown, span)
    }

    /// Resolves a module-level `let`: its type and, where constant, its value.
    pub(super) fn resolve_let(&mut self, name: &Name) {
        if self.const_state.get(name) == Some(&State::Done) || self.too_deep(name) {
            return;
        }
        self.resolve_depth += 1;
        crate::stack::grow(|| self.in_module_of(name, |c| c.resolve_let_in_module(name)));
        self.resolve_depth -= 1;
    }

    fn resolve_let_in_module(&mut self, name: &Name) {
        match self.const_state.get(name) {
            Some(State::Done) => return,
            Some(State::InProgress) => {
                self.cycle_error(name);
                self.out
                    .consts
                    .insert(name.clone(), super::types::Type::Any);
                return;
            }
            None => {}
        }
        let Some(Decl::Let(l, _)) = self.decls.get(name).copied() else {
            return;
        };
        self.const_state.insert(name.clone(), State::InProgress);
        let saved = std::mem::take(&mut self.scopes);
        self.scopes.push(Default::default());
        let declared = l.ty.as_ref().map(|t| self.resolve_type(t));
        let ty = self.expr(&l.value, declared.as_ref());
        if let Some(d) = &declared {
            self.expect(&ty, d, l.value.span, "this constant's annotation");
        }
        let mut ty = declared.unwrap_or(ty);
        self.scopes = saved;
        if order::type_deeper_than(&ty, order::MAX_CONST_DEPTH) {
            self.err(CheckError::TooDeep {
                at: l.value.span,
                what: format!("the type of `{name}`, through other constants,"),
                limit: order::MAX_CONST_DEPTH,
            });
            ty = super::types::Type::Any;
        }
        let names = l.pattern.names();
        if names.len() == 1 {
            let v = self.fold(&l.value, Fold::Lenient, "a constant");
            if v.value != Const::Unknown
                && !order::const_deeper_than(&v.value, order::MAX_CONST_DEPTH)
            {
                self.let_values.insert(name.clone(), v);
            }
            self.out.consts.insert(name.clone(), ty);
        } else {
            let mut bound = Vec::new();
            self.bind_pattern_types(&l.pattern, &ty, &mut bound);
            let prefix = name.rsplit_once('.').map(|(p, _)| p.to_string());
            for (n, t) in bound {
                let n = match &prefix {
                    Some(p) => Name::new(format!("{p}.{n}")),
                    None => n,
                };
                self.out.consts.insert(n.clone(), t);
                self.const_state.insert(n, State::Done);
            }
        }
        self.const_state.insert(name.clone(), State::Done);
    }

    pub(super) fn cycle_error(&mut self, name: &Name) {
        // One report per cycle: the names on it are marked so no other member repeats it.
        if self.in_reported_cycle.contains(name) {
            return;
        }
        let start = self.const_state.get_index_of(name).unwrap();
        let mut chain: Vec<String> = self
            .const_state
            .iter()
            .skip(start)
            .filter(|(_, s)| **s == State::InProgress)
            .map(|(n, _)| n.to_string())
            .collect();
        self.in_reported_cycle
            .extend(chain.iter().map(|n| Name::new(n.as_str())));
        chain.push(name.to_string());
        let at = self.decls.get(name).map(|d| d.span()).unwrap_or_default();
        self.err(CheckError::Cycle { at, chain });
    }
}
