//! Which bodies hold only scalars (ints, floats, bools, durations, `none`) in their registers,
//! by their parameters' declared types and what each instruction writes: the VM need not
//! clear such a frame's window when it returns ([`FnCode::scalar_only`]), since no register of
//! it holds anything to drop.
//!
//! The analysis is conservative: a body with an instruction outside the few it knows, or
//! with a handler, is not scalar-only. (Were a checked type ever wrong at run time, a value
//! would only be dropped later, when its register is next written.)

use super::*;
use crate::check::types::Type;

/// Whether values of `t` hold nothing on the heap.
pub(super) fn scalar_type(t: &Type) -> bool {
    matches!(
        t,
        Type::Int | Type::Float | Type::Bool | Type::None | Type::Duration
    )
}

/// Whether every register of `code` holds a scalar: `params` says which of its first
/// registers (its parameters) are declared with a scalar type, `returns_scalar` whether
/// plain function number `func` returns one.
pub(super) fn only_scalars(
    code: &FnCode,
    params: &[bool],
    returns_scalar: impl Fn(u32) -> bool,
) -> bool {
    if !code.handlers.is_empty() {
        return false;
    }
    let mut scalar = vec![true; code.nregs as usize];
    for (s, &p) in scalar.iter_mut().zip(params) {
        *s = p;
    }
    let is = |scalar: &[bool], r: Reg| scalar.get(r as usize).copied().unwrap_or(false);
    // Registers only go from scalar to not, so this settles within `nregs + 1` rounds.
    loop {
        let mut changed = false;
        for op in &code.code {
            let mut writes: [(Reg, bool); 3] = [(Reg::MAX, true); 3];
            match *op {
                Op::Step
                | Op::Jump { .. }
                | Op::JumpIfFalse { .. }
                | Op::JumpIfTrue { .. }
                | Op::JumpCmp { .. }
                | Op::JumpCmpK { .. }
                | Op::Ret { .. }
                | Op::RetBinary { .. }
                | Op::RetNone
                | Op::TypeError { .. } => {}
                Op::Int { dst, .. } | Op::Truth { dst, .. } | Op::Compare { dst, .. } => {
                    writes[0] = (dst, true)
                }
                Op::Const { dst, k } => {
                    let str = matches!(code.consts.get(k as usize), Some(Const::Str(_)) | None);
                    writes[0] = (dst, !str);
                }
                Op::Move { dst, src } => writes[0] = (dst, is(&scalar, src)),
                Op::Binary { dst, a, b, .. } => writes[0] = (dst, is(&scalar, a) && is(&scalar, b)),
                Op::ArithK { dst, a, .. } | Op::ModK { dst, a, .. } | Op::Unary { dst, a, .. } => {
                    writes[0] = (dst, is(&scalar, a))
                }
                Op::RangeIter { iter, .. } => {
                    writes = [(iter, true), (iter + 1, true), (iter + 2, true)]
                }
                Op::ForRange { dst, .. } => writes[0] = (dst, true),
                Op::CallFn { dst, func, .. } => writes[0] = (dst, returns_scalar(func)),
                Op::CallFnK {
                    dst,
                    start,
                    a,
                    func,
                    ..
                } => {
                    writes[0] = (dst as Reg, returns_scalar(func));
                    writes[1] = (start as Reg, is(&scalar, a as Reg));
                }
                _ => return false,
            }
            for (r, s) in writes {
                if r != Reg::MAX && !s && is(&scalar, r) {
                    scalar[r as usize] = false;
                    changed = true;
                }
            }
        }
        if !changed {
            return scalar.iter().all(|&s| s);
        }
    }
}
