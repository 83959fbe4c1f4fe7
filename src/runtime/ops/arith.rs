//! Arithmetic on ints, floats and durations, with Python's rounding and sign rules.

use super::{duration_overflow, overflow, value_error, zero_div, TWO_63};
use crate::diagnostics::ErrorType;
use crate::runtime::value::Value;
use crate::syntax::ast::BinOp;
use std::cmp::Ordering;

/// Python's `//` on ints; `None` on overflow (`i64::MIN // -1`) or a zero divisor.
pub(crate) fn floor_div(a: i64, b: i64) -> Option<i64> {
    let q = a.checked_div(b)?;
    if a % b != 0 && ((a < 0) != (b < 0)) {
        q.checked_sub(1)
    } else {
        Some(q)
    }
}

/// Python's `%` on ints: the result has the divisor's sign. `b` must not be zero.
fn py_mod(a: i64, b: i64) -> i64 {
    if b == -1 {
        return 0;
    }
    let r = a % b;
    if r != 0 && ((r < 0) != (b < 0)) {
        r + b
    } else {
        r
    }
}

/// Python's float `divmod`: (floor quotient, remainder with the divisor's sign).
fn float_divmod(x: f64, y: f64) -> (f64, f64) {
    let mut m = x % y;
    let mut div = (x - m) / y;
    if m != 0.0 {
        if (y < 0.0) != (m < 0.0) {
            m += y;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(y);
    }
    let q = if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0.0f64.copysign(x / y)
    };
    (q, m)
}

/// `None`: the operator does not apply to two ints.
pub(super) fn int_op(op: BinOp, x: i64, y: i64) -> Option<Result<Value, Value>> {
    let int = |r: Option<i64>| Some(r.map(Value::Int).ok_or_else(overflow));
    match op {
        BinOp::Add => int(x.checked_add(y)),
        BinOp::Sub => int(x.checked_sub(y)),
        BinOp::Mul => int(x.checked_mul(y)),
        BinOp::Div => Some(if y == 0 {
            Err(zero_div("division by zero"))
        } else {
            Ok(Value::Float(x as f64 / y as f64))
        }),
        BinOp::FloorDiv if y == 0 => Some(Err(zero_div("integer division by zero"))),
        BinOp::FloorDiv => int(floor_div(x, y)),
        BinOp::Mod if y == 0 => Some(Err(zero_div("integer modulo by zero"))),
        BinOp::Mod => Some(Ok(Value::Int(py_mod(x, y)))),
        BinOp::Pow => Some(int_pow(x, y)),
        BinOp::And | BinOp::Or => None,
    }
}

fn int_pow(x: i64, y: i64) -> Result<Value, Value> {
    if y < 0 {
        return Err(value_error(
            "negative exponent in int ** int: use a float base (2.0 ** -1)",
        ));
    }
    let r = match x {
        0 => Some(if y == 0 { 1 } else { 0 }),
        1 => Some(1),
        -1 => Some(if y % 2 == 0 { 1 } else { -1 }),
        _ => u32::try_from(y).ok().and_then(|e| x.checked_pow(e)),
    };
    r.map(Value::Int).ok_or_else(overflow)
}

pub(super) fn float_op(op: BinOp, x: f64, y: f64) -> Option<Result<Value, Value>> {
    let f = |v: f64| Some(Ok(Value::Float(v)));
    match op {
        BinOp::Add => f(x + y),
        BinOp::Sub => f(x - y),
        BinOp::Mul => f(x * y),
        BinOp::Div if y == 0.0 => Some(Err(zero_div("float division by zero"))),
        BinOp::Div => f(x / y),
        BinOp::FloorDiv if y == 0.0 => Some(Err(zero_div("float floor division by zero"))),
        BinOp::FloorDiv => f(float_divmod(x, y).0),
        BinOp::Mod if y == 0.0 => Some(Err(zero_div("float modulo by zero"))),
        BinOp::Mod => f(float_divmod(x, y).1),
        BinOp::Pow => Some(float_pow(x, y).map(Value::Float)),
        BinOp::And | BinOp::Or => None,
    }
}

fn float_pow(x: f64, y: f64) -> Result<f64, Value> {
    if y == 0.0 {
        return Ok(1.0);
    }
    if x == 0.0 && y < 0.0 {
        return Err(zero_div("zero cannot be raised to a negative power"));
    }
    if x.is_finite() && x < 0.0 && y.is_finite() && y != y.floor() {
        return Err(value_error(
            "a negative number cannot be raised to a fractional power",
        ));
    }
    let r = x.powf(y);
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        return Err(Value::error(
            ErrorType::OverflowError,
            "float power overflow",
        ));
    }
    Ok(r)
}

pub(super) fn duration_op(op: BinOp, x: i64, y: i64) -> Option<Result<Value, Value>> {
    let dur = |r: Option<i64>| Some(r.map(Value::Duration).ok_or_else(duration_overflow));
    match op {
        BinOp::Add => dur(x.checked_add(y)),
        BinOp::Sub => dur(x.checked_sub(y)),
        _ if y == 0 && matches!(op, BinOp::Div | BinOp::FloorDiv | BinOp::Mod) => {
            Some(Err(zero_div("division by zero")))
        }
        BinOp::Div => Some(Ok(Value::Float(x as f64 / y as f64))),
        BinOp::FloorDiv => Some(floor_div(x, y).map(Value::Int).ok_or_else(overflow)),
        BinOp::Mod => Some(Ok(Value::Duration(py_mod(x, y)))),
        _ => None,
    }
}

/// `a / b` rounded half to even (`b` non-zero).
pub(super) fn div_half_even(a: i128, b: i128) -> i128 {
    let (a, b) = if b < 0 { (-a, -b) } else { (a, b) };
    let q = a.div_euclid(b);
    let r = a.rem_euclid(b);
    match (2 * r).cmp(&b) {
        Ordering::Greater => q + 1,
        Ordering::Equal if q % 2 != 0 => q + 1,
        _ => q,
    }
}

/// A float already rounded to an integer value, as an `i64` (the nanoseconds of a duration).
pub(super) fn float_to_i64(f: f64) -> Result<i64, Value> {
    if f.is_nan() {
        return Err(value_error("cannot convert float NaN to a duration"));
    }
    if (-TWO_63..TWO_63).contains(&f) {
        Ok(f as i64)
    } else {
        Err(duration_overflow())
    }
}

/// `ns * f` exactly, rounded half to even (as Python's `timedelta * float`).
pub(super) fn scale_exact(ns: i64, f: f64) -> Result<i64, Value> {
    if !f.is_finite() {
        return float_to_i64(f * ns as f64);
    }
    if f == 0.0 || ns == 0 {
        return Ok(0);
    }
    // f = m * 2^e with an integer mantissa.
    let bits = f.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = (bits & ((1u64 << 52) - 1)) as i128;
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1i128 << 52), exp - 1075)
    };
    let m = if f < 0.0 { -m } else { m };
    let p = ns as i128 * m; // |p| < 2^116
    let q = if e >= 0 {
        if e > 63 {
            return Err(duration_overflow());
        }
        p.checked_mul(1i128 << e).ok_or_else(duration_overflow)?
    } else {
        let s = -e;
        if s >= 120 {
            0
        } else {
            let q = p >> s;
            let r = p - (q << s);
            let half = 1i128 << (s - 1);
            if r > half || (r == half && q % 2 != 0) {
                q + 1
            } else {
                q
            }
        }
    };
    i64::try_from(q).map_err(|_| duration_overflow())
}
