//! Operators on run-time values, with Python's semantics where the language follows Python
//! (docs/language.md, docs/language.md section 5 and choices 11-15).
//!
//! Every function returns an error value instead of panicking: integer arithmetic is checked
//! (`OverflowError`), indices are bounds-checked, recursion over nested values is bounded and
//! grows the stack, and results that would be absurdly large (`"x" * 10 ** 12`) are refused
//! with `OverflowError` before anything is allocated.

mod arith;

use crate::diagnostics::ErrorType;
pub(crate) use arith::floor_div;
use arith::{div_half_even, duration_op, float_op, float_to_i64, int_op, scale_exact};

use super::value::{Key, KeyRef, Value};
use crate::syntax::ast::{BinOp, CmpOp};
use std::cmp::Ordering;
use std::rc::Rc;

/// The largest sequence (items of a list or tuple, bytes of a str) an operator builds in one
/// step: repetition, concatenation, `range` and `extend` beyond it raise `OverflowError`.
pub const MAX_LEN: usize = 1 << 24;

/// How deeply comparison and equality descend into nested lists, tuples, dicts and structs
/// (a list that contains itself would otherwise recurse forever).
const MAX_DEPTH: usize = 2_000;

/// 2^63: floats in `-TWO_63..TWO_63` convert to `i64` exactly when integral.
pub(crate) const TWO_63: f64 = 9_223_372_036_854_775_808.0;

pub(crate) fn type_error(msg: impl Into<String>) -> Value {
    Value::error(ErrorType::TypeError, msg)
}

pub(crate) fn value_error(msg: impl Into<String>) -> Value {
    Value::error(ErrorType::ValueError, msg)
}

pub(crate) fn overflow() -> Value {
    Value::error(ErrorType::OverflowError, "integer overflow")
}

pub(super) fn zero_div(msg: &str) -> Value {
    Value::error(ErrorType::ZeroDivisionError, msg)
}

/// `xs.append(v)`, within [`MAX_LEN`] (so a runaway loop fails instead of exhausting memory).
#[inline]
pub(crate) fn push(l: &std::cell::RefCell<Vec<Value>>, v: Value) -> Result<(), Value> {
    let mut l = l.borrow_mut();
    check_len(l.len().checked_add(1))?;
    l.push(v);
    Ok(())
}

/// Fails with `OverflowError` when a result of `n` items would exceed [`MAX_LEN`].
pub(crate) fn check_len(n: Option<usize>) -> Result<usize, Value> {
    match n {
        Some(n) if n <= MAX_LEN => Ok(n),
        _ => Err(Value::error(
            ErrorType::OverflowError,
            "result is too large",
        )),
    }
}

fn unsupported(op: BinOp, a: &Value, b: &Value) -> Value {
    type_error(format!(
        "unsupported operand types for {}: '{}' and '{}'",
        op.symbol(),
        a.type_name(),
        b.type_name()
    ))
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => f64::NAN,
    }
}

/// `a op b` for arithmetic operators (`and`/`or` are the interpreter's: they short-circuit).
/// Integer `+ - *` that do not overflow are answered inline (the interpreter's hot path).
#[inline]
pub fn binary(op: BinOp, a: &Value, b: &Value) -> Result<Value, Value> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        let fast = match op {
            BinOp::Add => x.checked_add(*y),
            BinOp::Sub => x.checked_sub(*y),
            BinOp::Mul => x.checked_mul(*y),
            // With a positive divisor Python's floor division and modulo are Euclid's.
            BinOp::FloorDiv if *y > 0 => Some(x.div_euclid(*y)),
            BinOp::Mod if *y > 0 => Some(x.rem_euclid(*y)),
            _ => None,
        };
        if let Some(v) = fast {
            return Ok(Value::Int(v));
        }
    }
    binary_any(op, a, b)
}

#[inline(never)]
fn binary_any(op: BinOp, a: &Value, b: &Value) -> Result<Value, Value> {
    use Value::*;
    match (op, a, b) {
        (_, Int(x), Int(y)) => int_op(op, *x, *y).ok_or_else(|| unsupported(op, a, b))?,
        (_, Int(_) | Float(_), Int(_) | Float(_)) => {
            float_op(op, as_f64(a), as_f64(b)).ok_or_else(|| unsupported(op, a, b))?
        }
        (BinOp::Add, Str(x), Str(y)) => {
            check_len(x.len().checked_add(y.len()))?;
            Ok(Value::str(&format!("{x}{y}")))
        }
        (BinOp::Add, List(x), List(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            check_len(x.len().checked_add(y.len()))?;
            Ok(Value::list(x.iter().chain(y.iter()).cloned().collect()))
        }
        (BinOp::Add, Tuple(x), Tuple(y)) => {
            check_len(x.len().checked_add(y.len()))?;
            Ok(Value::tuple(x.iter().chain(y.iter()).cloned().collect()))
        }
        (BinOp::Mul, Str(s), Int(n)) | (BinOp::Mul, Int(n), Str(s)) => {
            let n = repeat_count(s.len(), *n)?;
            Ok(Value::str(&s.repeat(n)))
        }
        (BinOp::Mul, List(l), Int(n)) | (BinOp::Mul, Int(n), List(l)) => {
            let l = l.borrow();
            let n = repeat_count(l.len(), *n)?;
            Ok(Value::list(repeat_items(&l, n)))
        }
        (BinOp::Mul, Tuple(t), Int(n)) | (BinOp::Mul, Int(n), Tuple(t)) => {
            let n = repeat_count(t.len(), *n)?;
            Ok(Value::tuple(repeat_items(t, n)))
        }
        (_, Duration(x), Duration(y)) => {
            duration_op(op, *x, *y).ok_or_else(|| unsupported(op, a, b))?
        }
        (BinOp::Mul, Duration(d), Int(_) | Float(_))
        | (BinOp::Mul, Int(_) | Float(_), Duration(d)) => {
            let n = if let Duration(_) = a { b } else { a };
            match n {
                Int(n) => d
                    .checked_mul(*n)
                    .map(Duration)
                    .ok_or_else(duration_overflow),
                _ => scale_exact(*d, as_f64(n)).map(Duration),
            }
        }
        (BinOp::Div, Duration(d), Int(n)) => {
            if *n == 0 {
                return Err(zero_div("division by zero"));
            }
            let q = div_half_even(*d as i128, *n as i128);
            i64::try_from(q)
                .map(Duration)
                .map_err(|_| duration_overflow())
        }
        (BinOp::Div, Duration(d), Float(f)) => {
            if *f == 0.0 {
                return Err(zero_div("division by zero"));
            }
            float_to_i64((*d as f64 / f).round_ties_even()).map(Duration)
        }
        (BinOp::FloorDiv, Duration(d), Int(n)) => {
            if *n == 0 {
                return Err(zero_div("division by zero"));
            }
            floor_div(*d, *n)
                .map(Duration)
                .ok_or_else(duration_overflow)
        }
        _ => Err(unsupported(op, a, b)),
    }
}

pub(super) fn duration_overflow() -> Value {
    Value::error(ErrorType::OverflowError, "duration overflow")
}

fn repeat_count(len: usize, n: i64) -> Result<usize, Value> {
    if n <= 0 || len == 0 {
        return Ok(0);
    }
    let n = usize::try_from(n).ok();
    check_len(n.and_then(|n| n.checked_mul(len)))?;
    Ok(n.unwrap_or(0))
}

fn repeat_items(items: &[Value], n: usize) -> Vec<Value> {
    let mut out = Vec::with_capacity(items.len() * n);
    for _ in 0..n {
        out.extend(items.iter().cloned());
    }
    out
}

/// `-v` for a number or duration.
pub fn negate(v: &Value) -> Result<Value, Value> {
    match v {
        Value::Int(i) => i.checked_neg().map(Value::Int).ok_or_else(overflow),
        Value::Float(f) => Ok(Value::Float(-f)),
        Value::Duration(d) => d
            .checked_neg()
            .map(Value::Duration)
            .ok_or_else(duration_overflow),
        _ => Err(type_error(format!(
            "bad operand type for unary -: '{}'",
            v.type_name()
        ))),
    }
}

/// `a op b` for a comparison or membership operator. Integer comparisons are answered inline
/// (the interpreter's hot path).
#[inline]
pub fn compare(op: CmpOp, a: &Value, b: &Value) -> Result<bool, Value> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        match op {
            CmpOp::Eq => return Ok(x == y),
            CmpOp::Ne => return Ok(x != y),
            CmpOp::Lt => return Ok(x < y),
            CmpOp::Le => return Ok(x <= y),
            CmpOp::Gt => return Ok(x > y),
            CmpOp::Ge => return Ok(x >= y),
            CmpOp::In | CmpOp::NotIn => {}
        }
    }
    compare_any(op, a, b)
}

#[inline(never)]
fn compare_any(op: CmpOp, a: &Value, b: &Value) -> Result<bool, Value> {
    let sym = match op {
        CmpOp::Eq => return equal(a, b),
        CmpOp::Ne => return equal(a, b).map(|e| !e),
        CmpOp::In => return contains(b, a),
        CmpOp::NotIn => return contains(b, a).map(|c| !c),
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
    };
    let o = order(a, b, sym)?;
    Ok(match (op, o) {
        (_, None) => false,
        (CmpOp::Lt, Some(o)) => o == Ordering::Less,
        (CmpOp::Le, Some(o)) => o != Ordering::Greater,
        (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
        (_, Some(o)) => o != Ordering::Less,
    })
}

fn too_deep() -> Value {
    value_error("maximum recursion depth exceeded in comparison")
}

/// An int compared exactly with a float (`None` when the float is NaN).
fn cmp_int_float(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f >= TWO_63 {
        return Some(Ordering::Less);
    }
    if f < -TWO_63 {
        return Some(Ordering::Greater);
    }
    let t = f.trunc();
    Some(i.cmp(&(t as i64)).then(if f > t {
        Ordering::Less
    } else if f < t {
        Ordering::Greater
    } else {
        Ordering::Equal
    }))
}

/// `a == b`: structural, an int equal to the float of the same value, as [`Value`]'s
/// `PartialEq` but bounded in depth (a self-containing list raises instead of overflowing).
pub fn equal(a: &Value, b: &Value) -> Result<bool, Value> {
    equal_at(a, b, 0)
}

fn equal_at(a: &Value, b: &Value, depth: usize) -> Result<bool, Value> {
    use Value::*;
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    let seq = |x: &[Value], y: &[Value]| -> Result<bool, Value> {
        if x.len() != y.len() {
            return Ok(false);
        }
        for (p, q) in x.iter().zip(y) {
            if !crate::stack::grow(|| equal_at(p, q, depth + 1))? {
                return Ok(false);
            }
        }
        Ok(true)
    };
    match (a, b) {
        (Int(i), Float(f)) | (Float(f), Int(i)) => {
            Ok(cmp_int_float(*i, *f) == Some(Ordering::Equal))
        }
        (List(x), List(y)) => {
            if std::rc::Rc::ptr_eq(x, y) {
                return Ok(true);
            }
            seq(&x.borrow(), &y.borrow())
        }
        (Tuple(x), Tuple(y)) => seq(x, y),
        (Dict(x), Dict(y)) => {
            if std::rc::Rc::ptr_eq(x, y) {
                return Ok(true);
            }
            let (x, y) = (x.borrow(), y.borrow());
            if x.len() != y.len() {
                return Ok(false);
            }
            for (k, v) in x.iter() {
                match y.get(k) {
                    Some(w) if crate::stack::grow(|| equal_at(v, w, depth + 1))? => {}
                    _ => return Ok(false),
                }
            }
            Ok(true)
        }
        (Struct(x), Struct(y)) => {
            if std::rc::Rc::ptr_eq(x, y) {
                return Ok(true);
            }
            let (x, y) = (x.borrow(), y.borrow());
            if x.name != y.name || x.fields.len() != y.fields.len() {
                return Ok(false);
            }
            for ((n, v), (m, w)) in x.fields.iter().zip(&y.fields) {
                if n != m || !crate::stack::grow(|| equal_at(v, w, depth + 1))? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        (List(_) | Tuple(_) | Dict(_) | Struct(_), _)
        | (_, List(_) | Tuple(_) | Dict(_) | Struct(_)) => Ok(false),
        _ => Ok(a == b),
    }
}

/// The order of two values for `<`, `sorted`, `min` and `max` (`None`: unordered, as NaN).
pub fn order(a: &Value, b: &Value, sym: &str) -> Result<Option<Ordering>, Value> {
    order_at(a, b, sym, 0)
}

fn order_at(a: &Value, b: &Value, sym: &str, depth: usize) -> Result<Option<Ordering>, Value> {
    use Value::*;
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    let seq = |x: &[Value], y: &[Value]| -> Result<Option<Ordering>, Value> {
        for (p, q) in x.iter().zip(y) {
            if !crate::stack::grow(|| equal_at(p, q, depth + 1))? {
                return crate::stack::grow(|| order_at(p, q, sym, depth + 1));
            }
        }
        Ok(Some(x.len().cmp(&y.len())))
    };
    Ok(match (a, b) {
        (Int(x), Int(y)) => Some(x.cmp(y)),
        (Float(x), Float(y)) => x.partial_cmp(y),
        (Int(i), Float(f)) => cmp_int_float(*i, *f),
        (Float(f), Int(i)) => cmp_int_float(*i, *f).map(Ordering::reverse),
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        (Str(x), Str(y)) => Some(x.cmp(y)),
        (Duration(x), Duration(y)) => Some(x.cmp(y)),
        (List(x), List(y)) => {
            if std::rc::Rc::ptr_eq(x, y) {
                return Ok(Some(Ordering::Equal));
            }
            seq(&x.borrow(), &y.borrow())?
        }
        (Tuple(x), Tuple(y)) => seq(x, y)?,
        _ => {
            return Err(type_error(format!(
                "'{sym}' not supported between instances of '{}' and '{}'",
                a.type_name(),
                b.type_name()
            )))
        }
    })
}

/// The dict key a value looks up: int and str, and a float with an integer value; `None` for
/// a value no key equals; `TypeError` for lists, dicts and structs (unhashable in Python).
#[inline]
pub(crate) fn lookup_key(v: &Value) -> Result<Option<KeyRef<'_>>, Value> {
    match v {
        Value::Int(i) => Ok(Some(KeyRef::Int(*i))),
        Value::Str(s) => Ok(Some(KeyRef::Str(s))),
        Value::Float(f)
            if f.fract() == 0.0 && cmp_int_float(*f as i64, *f) == Some(Ordering::Equal) =>
        {
            Ok(Some(KeyRef::Int(*f as i64)))
        }
        Value::List(_) | Value::Dict(_) | Value::Struct(_) => {
            Err(type_error(format!("unhashable type: '{}'", v.type_name())))
        }
        _ => Ok(None),
    }
}

/// The key a value is stored under: an int or a str.
pub(crate) fn store_key(v: &Value) -> Result<Key, Value> {
    v.to_key().ok_or_else(|| {
        type_error(format!(
            "dict keys must be int or str, not '{}'",
            v.type_name()
        ))
    })
}

/// `item in container`.
pub fn contains(container: &Value, item: &Value) -> Result<bool, Value> {
    match container {
        Value::List(l) => {
            for x in l.borrow().iter() {
                if equal(x, item)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Value::Tuple(t) => {
            for x in t.iter() {
                if equal(x, item)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Value::Dict(d) => Ok(match lookup_key(item)? {
            Some(k) => d.borrow().contains_key(&k),
            None => false,
        }),
        Value::Str(s) => match item {
            Value::Str(sub) => Ok(s.contains(&**sub)),
            _ => Err(type_error(format!(
                "'in <string>' requires string as left operand, not '{}'",
                item.type_name()
            ))),
        },
        _ => Err(type_error(format!(
            "argument of type '{}' is not iterable",
            container.type_name()
        ))),
    }
}

/// Python's truthiness: `0`, `0.0`, `0s`, `""`, empty containers, `false` and `none` are false.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::None => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Float(f) => *f != 0.0,
        Value::Duration(d) => *d != 0,
        Value::Str(s) => !s.is_empty(),
        Value::List(l) => !l.borrow().is_empty(),
        Value::Tuple(t) => !t.is_empty(),
        Value::Dict(d) => !d.borrow().is_empty(),
        _ => true,
    }
}

/// An index into a sequence of `len` items, negative counting from the end.
pub(crate) fn norm_index(i: i64, len: usize) -> Option<usize> {
    let j = if i < 0 {
        i.checked_add(i64::try_from(len).ok()?)?
    } else {
        i
    };
    usize::try_from(j).ok().filter(|j| *j < len)
}

fn int_index(obj: &Value, idx: &Value) -> Result<i64, Value> {
    match idx {
        Value::Int(i) => Ok(*i),
        _ => Err(type_error(format!(
            "{} indices must be integers, not '{}'",
            obj.type_name(),
            idx.type_name()
        ))),
    }
}

/// `obj[idx]`.
pub fn index(obj: &Value, idx: &Value) -> Result<Value, Value> {
    let out_of_range =
        |what: &str| Value::error(ErrorType::IndexError, format!("{what} index out of range"));
    match obj {
        Value::List(l) => {
            let i = int_index(obj, idx)?;
            let l = l.borrow();
            norm_index(i, l.len())
                .map(|j| l[j].clone())
                .ok_or_else(|| out_of_range("list"))
        }
        Value::Tuple(t) => {
            let i = int_index(obj, idx)?;
            norm_index(i, t.len())
                .map(|j| t[j].clone())
                .ok_or_else(|| out_of_range("tuple"))
        }
        Value::Str(s) => {
            let i = int_index(obj, idx)?;
            norm_index(i, s.chars().count())
                .and_then(|j| s.chars().nth(j))
                .map(|c| Value::str(c.encode_utf8(&mut [0; 4])))
                .ok_or_else(|| out_of_range("string"))
        }
        Value::Dict(d) => {
            let found = lookup_key(idx)?.and_then(|k| d.borrow().get(&k).cloned());
            found.ok_or_else(|| Value::error(ErrorType::KeyError, idx.repr()))
        }
        _ => Err(type_error(format!(
            "'{}' object is not subscriptable",
            obj.type_name()
        ))),
    }
}

/// `obj[idx] = v` for a list item or a dict entry.
pub fn set_index(obj: &Value, idx: &Value, v: Value) -> Result<(), Value> {
    match obj {
        Value::List(l) => {
            let i = int_index(obj, idx)?;
            let mut l = l.borrow_mut();
            let j = norm_index(i, l.len()).ok_or_else(|| {
                Value::error(ErrorType::IndexError, "list assignment index out of range")
            })?;
            l[j] = v;
            Ok(())
        }
        Value::Dict(d) => {
            let k = match idx {
                Value::Int(i) => KeyRef::Int(*i),
                Value::Str(s) => KeyRef::Str(s),
                _ => {
                    d.borrow_mut().insert(store_key(idx)?, v);
                    return Ok(());
                }
            };
            let mut d = d.borrow_mut();
            // An existing entry takes the value in place: no key is built.
            if let Some(slot) = d.get_mut(&k) {
                *slot = v;
            } else {
                check_len(d.len().checked_add(1))?;
                d.insert(store_key(idx)?, v);
            }
            Ok(())
        }
        _ => Err(type_error(format!(
            "'{}' object does not support item assignment",
            obj.type_name()
        ))),
    }
}

/// The positions `xs[start:stop:step]` selects in a sequence of `len` items, as Python's
/// `slice.indices`: (first, step, count).
pub(crate) fn slice_positions(
    len: usize,
    start: Option<i64>,
    stop: Option<i64>,
    step: Option<i64>,
) -> Result<(i128, i128, usize), Value> {
    let step = step.unwrap_or(1) as i128;
    if step == 0 {
        return Err(value_error("slice step cannot be zero"));
    }
    let len = len as i128;
    let (lower, upper) = if step > 0 { (0, len) } else { (-1, len - 1) };
    let clamp = |v: Option<i64>, default: i128| match v {
        None => default,
        Some(v) => {
            let v = v as i128;
            if v < 0 {
                (v + len).max(lower)
            } else {
                v.min(upper)
            }
        }
    };
    let start = clamp(start, if step > 0 { lower } else { upper });
    let stop = clamp(stop, if step > 0 { upper } else { lower });
    let count = if step > 0 && start < stop {
        (stop - start - 1) / step + 1
    } else if step < 0 && stop < start {
        (start - stop - 1) / (-step) + 1
    } else {
        0
    };
    Ok((start, step, count as usize))
}

fn pick<T: Clone>(items: &[T], (first, step, count): (i128, i128, usize)) -> Vec<T> {
    (0..count)
        .filter_map(|k| usize::try_from(first + step * k as i128).ok())
        .filter_map(|i| items.get(i).cloned())
        .collect()
}

/// `obj[start:stop:step]` on a list, tuple or str.
pub fn slice(
    obj: &Value,
    start: Option<i64>,
    stop: Option<i64>,
    step: Option<i64>,
) -> Result<Value, Value> {
    match obj {
        Value::List(l) => {
            let l = l.borrow();
            Ok(Value::list(pick(
                &l,
                slice_positions(l.len(), start, stop, step)?,
            )))
        }
        Value::Tuple(t) => Ok(Value::tuple(pick(
            t,
            slice_positions(t.len(), start, stop, step)?,
        ))),
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            let picked = pick(&chars, slice_positions(chars.len(), start, stop, step)?);
            Ok(Value::str(&picked.into_iter().collect::<String>()))
        }
        _ => Err(type_error(format!(
            "'{}' object is not subscriptable",
            obj.type_name()
        ))),
    }
}

/// The items `for x in v` visits: a list's or tuple's items, a dict's keys, a str's characters.
/// [`iterate`] of a value not needed afterwards: a list nobody else holds (a fresh
/// `range(n)`, say) gives up its items instead of copying them.
pub fn iterate_owned(v: Value) -> Result<Vec<Value>, Value> {
    match v {
        Value::List(l) => Ok(match Rc::try_unwrap(l) {
            Ok(items) => items.into_inner(),
            Err(l) => l.borrow().clone(),
        }),
        v => iterate(&v),
    }
}

pub fn iterate(v: &Value) -> Result<Vec<Value>, Value> {
    match v {
        Value::List(l) => Ok(l.borrow().clone()),
        Value::Tuple(t) => Ok(t.to_vec()),
        Value::Dict(d) => Ok(d.borrow().keys().map(Key::to_value).collect()),
        Value::Str(s) => Ok(s
            .chars()
            .map(|c| Value::str(c.encode_utf8(&mut [0; 4])))
            .collect()),
        _ => Err(type_error(format!(
            "'{}' object is not iterable",
            v.type_name()
        ))),
    }
}
