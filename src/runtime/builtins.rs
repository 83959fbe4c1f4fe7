//! The pure built-in functions (docs/language.md section 8): `len`, `range`, `enumerate`,
//! `zip`, `sum`, `min`, `max`, `abs`, `round`, `sorted`, `reversed`, `any`, `all`, `str`, `int`,
//! `float`, `bool`, `isinstance`; the methods of str, list and dict ([`method`]); and f-string
//! format specs ([`format_spec`]). The builtins that touch the run (`print`, `getenv`,
//! `sleep`, `gather`, ...) are the interpreter's.
//!
//! Like [`super::ops`], nothing here panics: bad input gives an error value.

mod format;
mod methods;

pub use format::format_spec;
pub(crate) use methods::dict_get;
pub use methods::{method, method_kw};

use super::ops::{self, check_len, iterate, order, truthy, type_error, value_error};
use super::value::{Callable, Value};
use crate::check::builtins::Builtin;
use crate::check::types::{error_derives, is_error_type};
use crate::diagnostics::ErrorType;
use crate::syntax::ast::BinOp;
use std::cmp::Ordering;

type Impl = fn(&str, &[Value], &[(&str, Value)]) -> Result<Value, Value>;

/// Calls the pure builtin `b`; `None` if `b` is not pure (the run's own are the
/// interpreter's).
pub fn call(b: Builtin, args: &[Value], kwargs: &[(&str, Value)]) -> Option<Result<Value, Value>> {
    let f: Impl = match b {
        Builtin::Len => len,
        Builtin::Range => range,
        Builtin::Enumerate => enumerate,
        Builtin::Zip => zip,
        Builtin::Sum => sum,
        Builtin::Min | Builtin::Max => min_max,
        Builtin::Abs => abs,
        Builtin::Round => round,
        Builtin::Sorted => sorted,
        Builtin::Reversed => reversed,
        Builtin::Any | Builtin::All => any_all,
        Builtin::Str => str_,
        Builtin::Int => int,
        Builtin::Float => float,
        Builtin::Bool => bool_,
        Builtin::Isinstance => isinstance,
        _ => return None,
    };
    Some(f(b.name(), args, kwargs))
}

/// Binds positional then keyword arguments to `params`, as a Python call does: at most
/// `positional` of them by position, the first `required` of them required.
fn bind<'a>(
    name: &str,
    args: &'a [Value],
    kwargs: &'a [(&str, Value)],
    params: &[&str],
    required: usize,
    positional: usize,
) -> Result<Vec<Option<&'a Value>>, Value> {
    if args.len() > positional {
        return Err(type_error(format!(
            "{name}() takes at most {positional} positional argument{} ({} given)",
            if positional == 1 { "" } else { "s" },
            args.len()
        )));
    }
    let mut out: Vec<Option<&Value>> = vec![None; params.len()];
    for (slot, a) in out.iter_mut().zip(args) {
        *slot = Some(a);
    }
    for (k, v) in kwargs {
        match params.iter().position(|p| p == k) {
            Some(i) if out[i].is_some() => {
                return Err(type_error(format!(
                    "{name}() got multiple values for argument '{k}'"
                )))
            }
            Some(i) => out[i] = Some(v),
            None => {
                return Err(type_error(format!(
                    "{name}() got an unexpected keyword argument '{k}'"
                )))
            }
        }
    }
    if let Some(i) = out.iter().take(required).position(Option::is_none) {
        return Err(type_error(format!(
            "{name}() missing required argument '{}'",
            params[i]
        )));
    }
    Ok(out)
}

fn no_kwargs(name: &str, kwargs: &[(&str, Value)]) -> Result<(), Value> {
    match kwargs.first() {
        Some((k, _)) => Err(type_error(format!(
            "{name}() got an unexpected keyword argument '{k}'"
        ))),
        None => Ok(()),
    }
}

/// An optional int argument (`none` counts as absent).
fn opt_int(name: &str, v: Option<&Value>) -> Result<Option<i64>, Value> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(Value::Int(i)) => Ok(Some(*i)),
        Some(v) => Err(type_error(format!(
            "{name}(): '{}' object cannot be interpreted as an integer",
            v.type_name()
        ))),
    }
}

fn opt_bool(name: &str, v: Option<&Value>) -> Result<bool, Value> {
    match v {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => Err(type_error(format!(
            "{name}(): expected a bool, got '{}'",
            v.type_name()
        ))),
    }
}

fn len(name: &str, args: &[Value], kwargs: &[(&str, Value)]) -> Result<Value, Value> {
    let a = bind(name, args, kwargs, &["obj"], 1, 1)?;
    let n = match a[0] {
        Some(Value::List(l)) => l.borrow().len(),
        Some(Value::Tuple(t)) => t.len(),
        Some(Value::Dict(d)) => d.borrow().len(),
        Some(Value::Str(s)) => s.chars().count(),
        Some(v) => {
            return Err(type_error(format!(
                "object of type '{}' has no len()",
                v.type_name()
            )))
        }
        None => 0,
    };
    Ok(Value::Int(n as i64))
}

fn range(name: &str, args: &[Value], kwargs: &[(&str, Value)]) -> Result<Value, Value> {
    no_kwargs(name, kwargs)?;
    let (start, count, step) = range_bounds(args)?;
    Ok(Value::list(
        (0..count)
            .map(|k| Value::Int((start as i128 + step as i128 * k as i128) as i64))
            .collect(),
    ))
}

/// `range(args)` (positional arguments) as its first value, its length and its step, checked
/// as `range` checks them; the VM's counted `for` loop uses it without building the list.
pub(crate) fn range_bounds(args: &[Value]) -> Result<(i64, usize, i64), Value> {
    let name = "range";
    let a = bind(name, args, &[], &["start", "stop", "step"], 1, 3)?;
    let mut ints = [0i64; 3];
    for (slot, v) in ints.iter_mut().zip(&a) {
        if let Some(v) = v {
            *slot = match v {
                Value::Int(i) => *i,
                v => {
                    return Err(type_error(format!(
                        "'{}' object cannot be interpreted as an integer",
                        v.type_name()
                    )))
                }
            };
        }
    }
    let (start, stop, step) = match args.len() {
        1 => (0, ints[0], 1),
        2 => (ints[0], ints[1], 1),
        _ => (ints[0], ints[1], ints[2]),
    };
    if step == 0 {
        return Err(value_error("range() arg 3 must not be zero"));
    }
    let (a, b, k) = (start as i128, stop as i128, step as i128);
    let count = if k > 0 && a < b {
        (b - a - 1) / k + 1
    } else if k < 0 && b < a {
        (a - b - 1) / -k + 1
    } else {
        0
    };
    let count = check_len(usize::try_from(count).ok())?;
    Ok((start, count, step))
}

fn enumerate(name: &str, args: &[Value], kwargs: &[(&str, Value)]) -> Result<Value, Value> {
    let a = bind(name, args, kwargs, &["iterable", "start"], 1, 2)?;
    let items = iterate(a[0].unwrap_or(&Value::None))?;
    let start = opt_int(name, a[1])?.unwrap_or(0);
    let mut out = Vec::with_capacity(items.len());
    for (k, v) in items.into_iter().enumerate() {
        let i = i64::try_from(k)
            .ok()
            .and_then(|k| start.checked_add(k))
            .ok_or_else(ops::overflow)?;
        out.push(Value::tuple(vec![Value::Int(i), v]));
    }
    Ok(Value::list(out))
}

fn zip(name: &str, args: &[Value], kwargs: &[(&str, Value)]) -> Result<Value, Value> {
    no_kwargs(name, kwargs)?;
    let lists = args.iter().map(iterate).collect::<Result<Vec<_>, _>>()?;
    let n = lists.iter().map(Vec::len).min().unwrap_or(0);
    Ok(Value::list(
        (0..n)
            .map(|i| Value::tuple(lists.iter().filter_map(|l| l.get(i).cloned()).collect()))
            .collect(),
    ))
}

fn sum(name: &str, args: &[Value], kwargs: &[(&str, Value)]) -> Result<Value, Value> {
    let a = bind(name, args, kwargs, &["iterable", "start"], 1, 2)?;
    // A list is read in place, not copied.
    let list = match a[0] {
        Some(Value::List(l)) => Some(l.borrow()),
        _ => None,
    };
    let copied;
    let items: &[Value] = match &list {
        Some(l) => l,
        None => {
            copied = iterate(a[0].unwrap_or(&Value::None))?;
            &copied
        }
    };
    let mut acc = match a[1] {
        Some(Value::Str(_)) => {
            return Err(type_error("sum() can't sum strings: use \"\".join(xs)"))
        }
        Some(v) => v.clone(),
        None if matches!(items.first(), Some(Value::Duration(_))) => Value::Duration(0),
        None => Value::Int(0),
    };
    // Floats are added with Neumaier's compensation, as Python 3.12's `sum` does.
    let mut comp = 0.0f64;
    for x in items {
        if let (Value::Int(s), Value::Int(i)) = (&acc, x) {
            if let Some(t) = s.checked_add(*i) {
                acc = Value::Int(t);
                continue;
            }
        }
        let s = match (&acc, x) {
            (Value::Float(s), Value::Int(_) | Value::Float(_)) => *s,
            (Value::Int(i), Value::Float(_)) => *i as f64,
            _ => {
                if let Value::Float(s) = acc {
                    acc = Value::Float(s + comp);
                    comp = 0.0;
                }
                acc = ops::binary(BinOp::Add, &acc, x)?;
                continue;
            }
        };
        let v = match x {
            Value::Int(i) => *i as f64,
            Value::Float(f) => *f,
            _ => 0.0,
        };
        let t = s + v;
        comp += if s.abs() >= v.abs() {
            (s - t) + v
        } else {
            (v - t) + s
        };
        acc = Value::Float(t);
    }
    if let Value::Float(s) = acc {
        if comp != 0.0 && comp.is_finite() {
            acc = Value::Float(s + comp);
        }
    }
    Ok(acc)
}

fn min_max(name: &str, args: &[Value], kwargs: &[(&str, Value)]) -> Result<Value, Value> {
    let k = bind(name, &[], kwargs, &["default"], 0, 0)?;
    let items = match args {
        [] => {
            return Err(type_error(format!(
                "{name} expected at least 1 argument, got 0"
            )))
        }
        [one] => iterate(one)?,
        _ if k[0].is_some() => {
            return Err(type_error(format!(
                "cannot specify a default for {name}() with multiple positional arguments"
            )))
        }
        _ => args.to_vec(),
    };
    let (want, sym) = if name == "min" {
        (Ordering::Less, "<")
    } else {
        (Ordering::Greater, ">")
    };
    let mut it = items.into_iter();
    let Some(mut best) = it.next() else {
        return k[0]
            .cloned()
            .ok_or_else(|| value_error(format!("{name}() arg is an empty sequence")));
    };
    for x in it {
        if order(&x, &best, sym)? == Some(want) {
            best = x;
        }
    }
    Ok(best)
}

fn abs(name: &str, args: &[Value], kwargs: &[(&str, Value)]) -> Result<Value, Value> {
    let a = bind(name, args, kwargs, &["x"], 1, 1)?;
    match a[0] {
        Some(Value::Int(i)) => i.checked_abs().map(Value::Int).ok_or_else(ops::overflow),
        Some(Value::Float(f)) => Ok(Value::Float(f.abs())),
        Some(Value::Duration(d)) => d
            .checked_abs()
            .map(Value::Duration)
            .ok_or_else(|| Value::error(ErrorType::OverflowError, "duration overflow")),
        Some(v) => Err(type_error(format!(
            "bad operand type for abs(): '{}'",
            v.type_name()
        ))),
        None => Ok(Value::None),
    }
}

/// A float rounded to an integer value as an int.
pub(crate) fn float_to_int(f: f64) -> Result<i64, Value> {
    if f.is_nan() {
        return Err(value_error("cannot convert float NaN to integer"));
    }
    if (-ops::TWO_63..ops::TWO_63).contains(&f) {
        Ok(f as i64)
    } else if f.is_infinite() {
        Err(Value::error(
            ErrorType::OverflowError,
            "cannot convert float infinity to integer",
        ))
    } else {
        Err(ops::overflow())
    }
}

/// `x` rounded to `n` decimal digits, half to even on its exact value (as Python's `round`).
fn round_float(x: f64, n: i64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    if n >= 0 {
        if n > 400 {
            return x;
        }
        return format!("{:.*}", n as usize, x).parse().unwrap_or(x);
    }
    if n < -400 {
        return 0.0f64.copysign(x);
    }
    let k = n.unsigned_abs() as usize;
    let a = x.abs();
    let digits = format!("{:.0}", a.trunc());
    let frac = a.fract() != 0.0;
    if k > digits.len() {
        return 0.0f64.copysign(x);
    }
    let (kept, dropped) = digits.split_at(digits.len() - k);
    let first = dropped.as_bytes().first().copied().unwrap_or(b'0');
    let rest = dropped.bytes().skip(1).any(|b| b != b'0') || frac;
    let odd = kept.bytes().last().is_some_and(|b| (b - b'0') % 2 == 1);
    let up = first > b'5' || (first == b'5' && (rest || odd));
    let mut kept: Vec<u8> = if kept.is_empty() {
        vec![b'0']
    } else {
        kept.bytes().collect()
    };
    if up {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, b'1');
                break;
            }
            i -= 1;
            if kept[i] == b'9' {
                kept[i] = b'0';
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let s = format!("{}{}", String::from_utf8_lossy(&kept), "0".repeat(k));
    s.parse::<f64>().unwrap_or(0.0).copysign(x)
}

fn round(name: &str, args: &[Value], kwargs: &[(&str, Value)]) -> Result<Value, Value> {
    let a = bind(name, args, kwargs, &["number", "ndigits"], 1, 2)?;
    let x = a[0].unwrap_or(&Value::None);
    match (x, opt_int(name, a[1])?) {
        (Value::Int(i), None) => Ok(Value::Int(*i)),
        (Value::Float(f), None) => float_to_int(f.round_ties_even()).map(Value::Int),
        (Value::Int(i), Some(n)) if n < 0 => {
            let k = n.unsigned_abs();
            if k > 30 {
                return Ok(Value::Float(0.0));
            }
            let p = 10i128.pow(k as u32);
            let i = *i as i128;
            let (q, r) = (i.div_euclid(p), i.rem_euclid(p));
            let q = match (2 * r).cmp(&p) {
                Ordering::Greater => q + 1,
                Ordering::Equal if q % 2 != 0 => q + 1,
                _ => q,
            };
            Ok(Value::Float((q * p) as f64))
        }
        (Value::Int(i), Some(_)) => Ok(Value::Float(*i as f64)),
        (Value::Float(f), Some(n)) => Ok(Value::Float(round_float(*f, n))),
        (v, _) => Err(type_error(format!(
            "type '{}' doesn't define round()",
            v.type_name()
        ))),
    }
}

/// A stable merge sort by the language's order (`TypeError` for incomparable items). Written
/// out rather than `sort_by`, which may panic on a comparison that is not a total order (NaN).
pub(crate) fn sort_values(mut items: Vec<Value>, reverse: bool) -> Result<Vec<Value>, Value> {
    let less = |a: &Value, b: &Value| -> Result<bool, Value> {
        let (x, y) = if reverse { (b, a) } else { (a, b) };
        Ok(order(x, y, "<")? == Some(Ordering::Less))
    };
    let n = items.len();
    let mut buf: Vec<Value> = Vec::with_capacity(n);
    let mut width = 1usize;
    while width < n {
        buf.clear();
        let mut lo = 0;
        while lo < n {
            let mid = lo.saturating_add(width).min(n);
            let hi = mid.saturating_add(width).min(n);
            let (mut i, mut j) = (lo, mid);
            while i < mid && j < hi {
                if less(&items[j], &items[i])? {
                    buf.push(items[j].clone());
                    j += 1;
                } else {
                    buf.push(items[i].clone());
                    i += 1;
                }
            }
            buf.extend_from_slice(&items[i..mid]);
            buf.extend_from_slice(&items[j..hi]);
            lo = hi;
        }
        std::mem::swap(&mut items, &mut buf);
        width = width.saturating_mul(2);
    }
    Ok(items)
}

fn sorted(name: &str, args: &[Value], kwargs: &[(&str, Value)]) -> Result<Value, Value> {
    let a = bind(name, args, kwargs, &["iterable", "reverse"], 1, 1)?;
    let items = iterate(a[0].unwrap_or(&Value::None))?;
    Ok(Value::list(sort_values(items, opt_bool(name, a[1])?)?))
}

fn reversed(name: &str, args: &[Value], kwargs: &[(&str, Value)]) -> Result<Value, Value> {
    let a = bind(name, args, kwargs, &["seq"], 1, 1)?;
    let mut items = iterate(a[0].unwrap_or(&Value::None))?;
    items.reverse();
    Ok(Value::list(items))
}

fn any_all(name: &str, args: &[Value], kwargs: &[(&str, Value)]) -> Result<Value, Value> {
    let a = bind(name, args, kwargs, &["iterable"], 1, 1)?;
    let items = iterate(a[0].unwrap_or(&Value::None))?;
    Ok(Value::Bool(if name == "any" {
        items.iter().any(truthy)
    } else {
        items.iter().all(truthy)
    }))
}

fn str_(name: &str, args: &[Value], kwargs: &[(&str, Value)]) -> Result<Value, Value> {
    let a = bind(name, args, kwargs, &["object"], 0, 1)?;
    Ok(Value::str(&a[0].map(Value::display).unwrap_or_default()))
}

fn bool_(name: &str, args: &[Value], kwargs: &[(&str, Value)]) -> Result<Value, Value> {
    let a = bind(name, args, kwargs, &["x"], 0, 1)?;
    Ok(Value::Bool(a[0].is_some_and(truthy)))
}

/// Python's `int(s, base)`: surrounding whitespace, a sign, `_` between digits, and a
/// `0x`/`0o`/`0b` prefix for base 0 or the matching base.
fn parse_int(text: &str, base: i64) -> Result<i64, Value> {
    let bad = || {
        value_error(format!(
            "invalid literal for int() with base {base}: {}",
            Value::str(text).repr()
        ))
    };
    let t = text.trim();
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let lower = t.to_ascii_lowercase();
    let prefixed = |p: &str, b: i64| (base == 0 || base == b) && lower.starts_with(p);
    let (radix, body, had_prefix) = if prefixed("0x", 16) {
        (16, &t[2..], true)
    } else if prefixed("0o", 8) {
        (8, &t[2..], true)
    } else if prefixed("0b", 2) {
        (2, &t[2..], true)
    } else {
        (if base == 0 { 10 } else { base as u32 }, t, false)
    };
    if base == 0
        && !had_prefix
        && body.len() > 1
        && body.starts_with('0')
        && body.bytes().any(|b| b != b'0' && b != b'_')
    {
        return Err(bad());
    }
    let mut acc: i128 = 0;
    let mut prev_digit = had_prefix;
    let mut any = false;
    for c in body.chars() {
        if c == '_' {
            if !prev_digit {
                return Err(bad());
            }
            prev_digit = false;
            continue;
        }
        let d = c.to_digit(radix).ok_or_else(bad)?;
        acc = acc * radix as i128 + d as i128;
        if acc > 1i128 << 64 {
            return Err(Value::error(
                ErrorType::OverflowError,
                "int too large to convert",
            ));
        }
        prev_digit = true;
        any = true;
    }
    if !any || !prev_digit {
        return Err(bad());
    }
    let v = if neg { -acc } else { acc };
    i64::try_from(v).map_err(|_| Value::error(ErrorType::OverflowError, "int too large to convert"))
}

fn int(name: &str, args: &[Value], kwargs: &[(&str, Value)]) -> Result<Value, Value> {
    let a = bind(name, args, kwargs, &["x", "base"], 0, 2)?;
    let base = opt_int(name, a[1])?;
    if let Some(b) = base {
        if b != 0 && !(2..=36).contains(&b) {
            return Err(value_error("int() base must be >= 2 and <= 36, or 0"));
        }
        if !matches!(a[0], Some(Value::Str(_))) {
            return Err(type_error(
                "int() can't convert non-string with explicit base",
            ));
        }
    }
    match a[0] {
        None => Ok(Value::Int(0)),
        Some(Value::Int(i)) => Ok(Value::Int(*i)),
        Some(Value::Bool(b)) => Ok(Value::Int(*b as i64)),
        Some(Value::Float(f)) => float_to_int(f.trunc()).map(Value::Int),
        Some(Value::Str(s)) => parse_int(s, base.unwrap_or(10)).map(Value::Int),
        Some(v) => Err(type_error(format!(
            "int() argument must be a string or a number, not '{}'",
            v.type_name()
        ))),
    }
}

/// Python's `float(s)`: surrounding whitespace, `_` between digits, `inf` and `nan`.
fn parse_float(text: &str) -> Result<f64, Value> {
    let bad = || {
        value_error(format!(
            "could not convert string to float: {}",
            Value::str(text).repr()
        ))
    };
    let t = text.trim();
    let b = t.as_bytes();
    for (i, c) in b.iter().enumerate() {
        if *c == b'_' {
            let ok =
                i > 0 && b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit);
            if !ok {
                return Err(bad());
            }
        }
    }
    let clean: String = t.chars().filter(|c| *c != '_').collect();
    let body = clean.trim_start_matches(['+', '-']);
    let word = body.to_ascii_lowercase();
    if clean.len() - body.len() > 1
        || (body.starts_with(|c: char| c.is_ascii_alphabetic())
            && !matches!(word.as_str(), "inf" | "infinity" | "nan"))
    {
        return Err(bad());
    }
    clean.parse::<f64>().map_err(|_| bad())
}

fn float(name: &str, args: &[Value], kwargs: &[(&str, Value)]) -> Result<Value, Value> {
    let a = bind(name, args, kwargs, &["x"], 0, 1)?;
    match a[0] {
        None => Ok(Value::Float(0.0)),
        Some(Value::Int(i)) => Ok(Value::Float(*i as f64)),
        Some(Value::Bool(b)) => Ok(Value::Float(*b as i64 as f64)),
        Some(Value::Float(f)) => Ok(Value::Float(*f)),
        Some(Value::Str(s)) => parse_float(s).map(Value::Float),
        Some(v) => Err(type_error(format!(
            "float() argument must be a string or a number, not '{}'",
            v.type_name()
        ))),
    }
}

fn isinstance(name: &str, args: &[Value], kwargs: &[(&str, Value)]) -> Result<Value, Value> {
    let a = bind(name, args, kwargs, &["obj", "class_or_tuple"], 2, 2)?;
    match (a[0], a[1]) {
        (Some(v), Some(t)) => is_instance(v, t).map(Value::Bool),
        _ => Ok(Value::Bool(false)),
    }
}

/// `isinstance(v, t)`: `t` is a builtin type or constructor (`int`, `OOMError`, a struct
/// name), `none`, or a tuple of those. `bool` is not an `int` here, nor `int` a `float`.
pub fn is_instance(v: &Value, t: &Value) -> Result<bool, Value> {
    let not_a_type = || type_error("isinstance() arg 2 must be a type or a tuple of types");
    match t {
        Value::None => Ok(matches!(v, Value::None)),
        Value::Tuple(ts) => {
            for t in ts.iter() {
                if crate::stack::grow(|| is_instance(v, t))? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Value::Callable(c) => match &**c {
            Callable::Builtin(b) => Ok(match b {
                Builtin::Int => matches!(v, Value::Int(_)),
                Builtin::Float => matches!(v, Value::Float(_)),
                Builtin::Bool => matches!(v, Value::Bool(_)),
                Builtin::Str => matches!(v, Value::Str(_)),
                _ => return Err(not_a_type()),
            }),
            Callable::Ctor(n, _) => {
                let n = n.as_str();
                Ok(match n {
                    "duration" => matches!(v, Value::Duration(_)),
                    "list" => matches!(v, Value::List(_)),
                    "dict" => matches!(v, Value::Dict(_)),
                    "tuple" => matches!(v, Value::Tuple(_)),
                    "none" => matches!(v, Value::None),
                    "Future" => matches!(v, Value::Future(_)),
                    _ if is_error_type(n) => {
                        matches!(v, Value::Error(e) if error_derives(e.kind.name(), n))
                    }
                    _ => match v {
                        Value::Struct(s) => s.borrow().name == n,
                        Value::Record(r) => r.0 == n,
                        _ => false,
                    },
                })
            }
            _ => Err(not_a_type()),
        },
        _ => Err(not_a_type()),
    }
}
