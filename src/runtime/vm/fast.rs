//! The operators' fast paths the VM's loop inlines: int arithmetic, remainders by a
//! constant, comparisons, truth.

use super::super::interp::{Ctrl, Frame, Res};
use super::super::ops;
use super::Value;
use crate::syntax::ast::{BinOp, CmpOp};

/// `a op b` for the operators of [`crate::ir::Op::ArithK`]; `None`: the general path (an
/// overflow, a remainder by zero or below).
#[inline(always)]
pub(super) fn int_arith(op: BinOp, a: i64, b: i64) -> Option<i64> {
    match op {
        BinOp::Add => a.checked_add(b),
        BinOp::Sub => a.checked_sub(b),
        BinOp::Mul => a.checked_mul(b),
        BinOp::Mod if b > 0 => Some(a.rem_euclid(b)),
        _ => None,
    }
}

/// `x % k` as Python gives it, for `k >= 2` and `magic` = [`crate::ir::mod_magic`]`(k)`.
#[inline(always)]
pub(super) fn rem_k(x: i64, k: u16, magic: u64) -> i64 {
    if (x as u64) < 1 << 32 {
        // Lemire's fastmod: exact for every 32-bit `x` and `k`.
        let low = magic.wrapping_mul(x as u64);
        ((low as u128 * k as u128) >> 64) as i64
    } else {
        x.rem_euclid(k as i64)
    }
}

/// `a op b` for an ordering operator; `None` for `in` and `not in`.
#[inline(always)]
pub(super) fn int_cmp(op: CmpOp, a: i64, b: i64) -> Option<bool> {
    // For each operator, which of less / equal / greater make it true (bits 0, 1, 2).
    const TRUE_WHEN: [u8; 8] = [0b010, 0b101, 0b001, 0b011, 0b100, 0b110, 0, 0];
    let m = TRUE_WHEN[op as usize & 7];
    if m == 0 {
        return None;
    }
    let ord = (a >= b) as u8 + (a > b) as u8;
    Some(m >> ord & 1 != 0)
}

/// `a op b` as a condition, with `in`'s work counted.
#[inline]
pub(super) fn compare(f: &Frame<'_>, op: CmpOp, a: &Value, b: &Value) -> Res<bool> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        if let Some(r) = int_cmp(op, *x, *y) {
            return Ok(r);
        }
    }
    f.charge_compare(op, b)?;
    ops::compare(op, a, b).map_err(Ctrl::raise)
}

/// Python's truth of `v`, a bool's without a call.
#[inline]
pub(super) fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        other => ops::truthy(other),
    }
}
