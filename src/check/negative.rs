//! Constant arguments that cannot be negative (`E0228`): `sleep(-5s)`, `compute(-5h)`,
//! `gpu_compute(...)` and `map(..., concurrency = -3)`. Only what the checker can fold (literals,
//! module-level constants, arithmetic on them) is reported; a value computed at run time is the
//! run time's to refuse.

use super::config::value::Const;
use super::error::CheckError;
use super::fold::Fold;
use super::Checker;
use crate::syntax::ast::{Expr, ExprKind};

impl<'m> Checker<'m> {
    /// Reports `e` if it folds to a negative duration or int. `what` names the argument.
    pub(super) fn check_not_negative(&mut self, e: &Expr, what: &'static str) {
        // A local (or parameter) shadowing a module-level constant is not that constant.
        let mut todo = vec![e];
        while let Some(x) = todo.pop() {
            if let ExprKind::Name(n) = &x.kind {
                if self.lookup_local(n).is_some() {
                    return;
                }
            }
            x.for_each_child(|c| todo.push(c));
        }
        let negative = match self.fold(e, Fold::Lenient, "a constant").value {
            Const::Duration(d) => d < 0,
            Const::Int(i) => i < 0,
            _ => false,
        };
        if negative {
            self.err(CheckError::Negative { at: e.span, what });
        }
    }
}
