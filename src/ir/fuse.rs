//! Superinstructions, where the profiles of `benches/compare` said so. As instructions are
//! emitted: a statement's `Step` fused into its first instruction ([`Lower::with_step`]), and
//! `f(a op k)` as one call ([`Lower::fuse_call`]). Idioms lowered whole: `for a, b in
//! d.items()` without a tuple per item ([`Lower::items_head`]), and counting's
//! `d[k] = d.get(k, 0) + 1` with one lookup ([`Lower::dict_get_add`]).

use super::lower::Lower;
use super::lower_expr::small_int;
use super::{Label, Op, Reg};
use crate::syntax::ast::{ArgKind, BinOp, Expr, ExprKind, Pattern};

impl Lower<'_> {
    /// `op` with its statement's `Step` fused in, where it has a step flag (`if a < b`,
    /// `return x`, `let y = x + 1` and the like); `None` for any other instruction.
    pub(super) fn with_step(op: Op) -> Option<Op> {
        Some(match op {
            Op::ArithK { op, dst, a, k, .. } => Op::ArithK {
                op,
                dst,
                a,
                k,
                step: true,
            },
            Op::JumpCmp { op, a, b, to, .. } => Op::JumpCmp {
                op,
                a,
                b,
                to,
                step: true,
            },
            Op::JumpCmpK { op, a, k, to, .. } => Op::JumpCmpK {
                op,
                a,
                k,
                to,
                step: true,
            },
            Op::ModK { dst, a, m, .. } => Op::ModK {
                dst,
                a,
                m,
                step: true,
            },
            Op::DictGetAdd {
                dict,
                key,
                dflt,
                add,
                ..
            } => Op::DictGetAdd {
                dict,
                key,
                dflt,
                add,
                step: true,
            },
            Op::Ret { src, .. } => Op::Ret { src, step: true },
            Op::Int { dst, v, .. } => Op::Int { dst, v, step: true },
            Op::RetBinary { op, a, b, .. } => Op::RetBinary {
                op,
                a,
                b,
                step: true,
            },
            _ => return None,
        })
    }

    /// `f(a op k)`: a one-argument call of a plain function whose argument the instruction
    /// before it computes ([`Op::ArithK`] into the argument's register), as one
    /// [`Op::CallFnK`]; `None` where no label stands between the two or a field does not fit.
    pub(super) fn fuse_call(&self, op: Op) -> Option<Op> {
        let Op::CallFn {
            dst,
            func,
            start,
            n: 1,
        } = op
        else {
            return None;
        };
        let at = self.f.code.len().checked_sub(1)?;
        if self.label == self.f.code.len() {
            return None;
        }
        let Op::ArithK {
            op,
            dst: arg,
            a,
            k,
            step,
        } = self.f.code[at]
        else {
            return None;
        };
        let small = |r: Reg| u16::try_from(r).ok();
        (arg == start).then_some(())?;
        Some(Op::CallFnK {
            op,
            step,
            dst: small(dst)?,
            start: small(start)?,
            a: small(a)?,
            k: i16::try_from(k).ok()?,
            func,
        })
    }

    /// The head of `for a, b in recv.items()` (two names, or patterns bound from two
    /// temporaries) as [`Op::Items`] and [`Op::ForPair`]: no tuple is built per item. `None`
    /// for any other loop (see [`Lower::for_head`]), nothing emitted.
    pub(super) fn items_head(&mut self, iter: &Expr, pattern: &Pattern) -> Option<(Label, usize)> {
        let Pattern::Tuple(items, _) = pattern else {
            return None;
        };
        let [p, q] = items.as_slice() else {
            return None;
        };
        let ExprKind::Call { func, args } = &iter.kind else {
            return None;
        };
        let ExprKind::Attr { obj, name } = &func.kind else {
            return None;
        };
        if name.name != "items" || !args.is_empty() || self.qualified(obj, name).is_some() {
            return None;
        }
        // Each name into its local's register; any other pattern from a temporary.
        let mut targets = [None, None];
        for (t, p) in targets.iter_mut().zip([p, q]) {
            if let Pattern::Name(id) = p {
                *t = self.scopes.binding(id).map(|s| s as Reg);
            }
        }
        let pair = match targets {
            [Some(_), Some(_)] => None,
            _ => Some(self.temps(2)),
        };
        let reg = |i: usize| targets[i].unwrap_or_else(|| pair.unwrap_or(0) + i as Reg);
        let (a, b) = (u16::try_from(reg(0)).ok()?, u16::try_from(reg(1)).ok()?);
        let src = self.expr_any(obj);
        let it = self.temps(2);
        self.emit(Op::Items { dst: it, src });
        let head = self.pc();
        let next = self.emit(Op::ForPair {
            iter: it,
            a,
            b,
            to: 0,
            back: false,
        });
        if pair.is_some() {
            for (i, p) in [p, q].into_iter().enumerate() {
                if targets[i].is_none() {
                    self.bind(p, reg(i));
                }
            }
        }
        Some((head, next))
    }

    /// `obj[index] = value` as [`Op::DictGetAdd`] when it is `d[k] = d.get(k, c) + n`: the
    /// same local `d` and the same local `k` on both sides, int constants `c` and `n`. `false`
    /// for any other assignment, nothing emitted.
    pub(super) fn dict_get_add(&mut self, obj: &Expr, index: &Expr, value: &Expr) -> bool {
        let ExprKind::Binary {
            op: BinOp::Add,
            lhs,
            rhs,
        } = &value.kind
        else {
            return false;
        };
        let ExprKind::Call { func, args } = &lhs.kind else {
            return false;
        };
        let ExprKind::Attr { obj: recv, name } = &func.kind else {
            return false;
        };
        if name.name != "get"
            || args.len() != 2
            || args.iter().any(|a| a.kind != ArgKind::Positional)
        {
            return false;
        }
        let (Some(dflt), Some(add)) = (small_int(&args[1].value), small_int(rhs)) else {
            return false;
        };
        let short = |r: Option<u32>| r.and_then(|r| u16::try_from(r).ok());
        let (Some(dict), Some(key)) = (short(self.local_read(obj)), short(self.local_read(index)))
        else {
            return false;
        };
        if short(self.local_read(recv)) != Some(dict)
            || short(self.local_read(&args[0].value)) != Some(key)
        {
            return false;
        }
        self.emit(Op::DictGetAdd {
            dict,
            key,
            dflt,
            add,
            step: false,
        });
        true
    }
}
