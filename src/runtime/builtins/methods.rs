//! Methods of str, list and dict values, with Python's names and meaning. Mutating methods
//! change the value through its `Rc<RefCell<...>>` and return `none`.

use super::{bind, opt_bool, opt_int, sort_values};
use crate::diagnostics::ErrorType;
use crate::runtime::ops::{
    check_len, equal, iterate, lookup_key, norm_index, push, slice_positions, store_key,
    type_error, value_error,
};
use crate::runtime::value::DictMap;
use crate::runtime::value::{Key, Value};
use smol_str::{SmolStr, StrExt};
use std::cell::RefCell;
use std::rc::Rc;

/// Calls method `name` of `recv` with positional arguments; `None` if there is no such method.
pub fn method(recv: &Value, name: &str, args: &[Value]) -> Option<Result<Value, Value>> {
    method_kw(recv, name, args, &[])
}

/// [`method`] with keyword arguments (`xs.sort(reverse = true)`, `s.split(",", maxsplit = 1)`).
pub fn method_kw(
    recv: &Value,
    name: &str,
    args: &[Value],
    kwargs: &[(&str, Value)],
) -> Option<Result<Value, Value>> {
    match recv {
        Value::Str(s) => str_method(s, name, args, kwargs),
        Value::List(l) => list_method(l, name, args, kwargs),
        Value::Dict(d) => dict_method(d, name, args, kwargs),
        _ => None,
    }
}

fn want_str<'a>(name: &str, v: Option<&'a Value>) -> Result<&'a str, Value> {
    match v {
        Some(Value::Str(s)) => Ok(s),
        Some(v) => Err(type_error(format!(
            "{name}() argument must be str, not '{}'",
            v.type_name()
        ))),
        None => Ok(""),
    }
}

/// An optional str argument (`none` counts as absent).
fn opt_str<'a>(name: &str, v: Option<&'a Value>) -> Result<Option<&'a str>, Value> {
    match v {
        None | Some(Value::None) => Ok(None),
        v => want_str(name, v).map(Some),
    }
}

/// The byte offset of character `i` of `s` (its length past the end).
fn byte_at(s: &str, i: usize) -> usize {
    s.char_indices().nth(i).map_or(s.len(), |(b, _)| b)
}

/// `s.find(sub, start, end)` in characters; `None` when absent.
fn find(s: &str, sub: &str, start: Option<i64>, end: Option<i64>) -> Result<Option<usize>, Value> {
    let n = s.chars().count();
    if let Some(st) = start {
        if st > 0 && st as u64 > n as u64 {
            return Ok(None);
        }
    }
    let (first, _, count) = slice_positions(n, start, end, None)?;
    let first = first as usize;
    let hay = &s[byte_at(s, first)..byte_at(s, first + count)];
    Ok(hay.find(sub).map(|b| first + hay[..b].chars().count()))
}

fn str_method(
    s: &SmolStr,
    name: &str,
    args: &[Value],
    kwargs: &[(&str, Value)],
) -> Option<Result<Value, Value>> {
    let s: &str = s;
    let params: &[&str] = match name {
        "join" => &["iterable"],
        "split" => &["sep", "maxsplit"],
        "strip" | "lstrip" | "rstrip" => &["chars"],
        "replace" => &["old", "new", "count"],
        "startswith" | "endswith" => &["prefix"],
        "find" | "count" | "index" => &["sub", "start", "end"],
        "upper" | "lower" | "title" | "capitalize" | "isdigit" | "isalpha" | "isspace" => &[],
        _ => return None,
    };
    let required = match name {
        "join" | "startswith" | "endswith" | "find" | "count" | "index" => 1,
        "replace" => 2,
        _ => 0,
    };
    Some(
        bind(name, args, kwargs, params, required, params.len())
            .and_then(|a| str_call(s, name, &a)),
    )
}

/// `sep.join(items)`: the length is found (and checked) first, so the text is written once
/// into a buffer of its size.
fn join(sep: &str, items: &[Value]) -> Result<Value, Value> {
    let mut len = 0usize;
    for (i, x) in items.iter().enumerate() {
        let Value::Str(x) = x else {
            return Err(type_error(format!(
                "sequence item {i}: expected str instance, {} found",
                x.type_name()
            )));
        };
        if i > 0 {
            len += sep.len();
        }
        len = check_len(len.checked_add(x.len()))?;
    }
    let mut out = String::with_capacity(len);
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        if let Value::Str(x) = x {
            out.push_str(x);
        }
    }
    Ok(Value::str(&out))
}

fn str_call(s: &str, name: &str, a: &[Option<&Value>]) -> Result<Value, Value> {
    let arg = |i: usize| a.get(i).copied().flatten();
    let text = |t: &str| -> Result<Value, Value> { Ok(Value::str(t)) };
    let all = |f: fn(char) -> bool| -> Result<Value, Value> {
        Ok(Value::Bool(!s.is_empty() && s.chars().all(f)))
    };
    match name {
        "join" => match arg(0).unwrap_or(&Value::None) {
            // A list or tuple is read where it is, not copied first.
            Value::List(l) => join(s, &l.borrow()),
            Value::Tuple(t) => join(s, t),
            other => join(s, &iterate(other)?),
        },
        "split" => {
            let max = opt_int(name, arg(1))?.unwrap_or(-1);
            let parts: Vec<&str> = match opt_str(name, arg(0))? {
                None => split_whitespace(s, max),
                Some("") => return Err(value_error("empty separator")),
                Some(sep) if max < 0 => s.split(sep).collect(),
                Some(sep) => {
                    let n = usize::try_from(max).ok().and_then(|m| m.checked_add(1));
                    s.splitn(n.unwrap_or(usize::MAX), sep).collect()
                }
            };
            Ok(Value::list(parts.into_iter().map(Value::str).collect()))
        }
        "strip" | "lstrip" | "rstrip" => {
            let chars = opt_str(name, arg(0))?;
            let m = |c: char| chars.map_or(c.is_whitespace(), |cs| cs.contains(c));
            text(match name {
                "strip" => s.trim_matches(m),
                "lstrip" => s.trim_start_matches(m),
                _ => s.trim_end_matches(m),
            })
        }
        "replace" => {
            let (old, new) = (want_str(name, arg(0))?, want_str(name, arg(1))?);
            let count = opt_int(name, arg(2))?.unwrap_or(-1);
            let hits = if old.is_empty() {
                s.chars().count() + 1
            } else {
                s.matches(old).count()
            };
            let hits = match usize::try_from(count) {
                Ok(c) => hits.min(c),
                Err(_) => hits,
            };
            check_len(
                hits.checked_mul(new.len())
                    .and_then(|n| n.checked_add(s.len())),
            )?;
            text(&s.replacen(old, new, hits))
        }
        "startswith" | "endswith" => {
            let prefixes: Vec<Value> = match arg(0) {
                Some(Value::Tuple(t)) => t.to_vec(),
                Some(v) => vec![v.clone()],
                None => vec![],
            };
            let mut hit = false;
            for p in &prefixes {
                let p = want_str(name, Some(p))?;
                hit |= if name == "startswith" {
                    s.starts_with(p)
                } else {
                    s.ends_with(p)
                };
            }
            Ok(Value::Bool(hit))
        }
        "find" | "index" | "count" => {
            let sub = want_str(name, arg(0))?;
            let (start, end) = (opt_int(name, arg(1))?, opt_int(name, arg(2))?);
            if name == "count" {
                let n = s.chars().count();
                if start.is_some_and(|st| st > 0 && st as u64 > n as u64) {
                    return Ok(Value::Int(0));
                }
                let (first, _, count) = slice_positions(n, start, end, None)?;
                let first = first as usize;
                let hay = &s[byte_at(s, first)..byte_at(s, first + count)];
                let c = if sub.is_empty() {
                    count + 1
                } else {
                    hay.matches(sub).count()
                };
                return Ok(Value::Int(c as i64));
            }
            match find(s, sub, start, end)? {
                Some(i) => Ok(Value::Int(i as i64)),
                None if name == "find" => Ok(Value::Int(-1)),
                None => Err(value_error("substring not found")),
            }
        }
        // Short text is cased inline, without an allocation.
        "upper" => Ok(Value::Str(s.to_uppercase_smolstr())),
        "lower" => text(&s.to_lowercase()),
        "title" => {
            let mut out = String::with_capacity(s.len());
            let mut prev_cased = false;
            for c in s.chars() {
                if prev_cased {
                    out.extend(c.to_lowercase());
                } else {
                    out.extend(c.to_uppercase());
                }
                prev_cased = c.is_alphabetic();
            }
            text(&out)
        }
        "capitalize" => {
            let mut cs = s.chars();
            let out: String = match cs.next() {
                Some(c) => c
                    .to_uppercase()
                    .chain(cs.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            };
            text(&out)
        }
        "isdigit" => all(char::is_numeric),
        "isalpha" => all(char::is_alphabetic),
        _ => all(char::is_whitespace),
    }
}

/// `s.split()` / `s.split(none, max)`: runs of whitespace separate, ends are dropped.
fn split_whitespace(s: &str, max: i64) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        if max >= 0 && out.len() as u64 >= max as u64 {
            out.push(rest);
            break;
        }
        match rest.find(char::is_whitespace) {
            Some(i) => {
                out.push(&rest[..i]);
                rest = rest[i..].trim_start();
            }
            None => {
                out.push(rest);
                break;
            }
        }
    }
    out
}

/// The position of the first item equal to `v` in `items[start:end]`.
fn position(
    items: &[Value],
    v: &Value,
    start: Option<i64>,
    end: Option<i64>,
) -> Result<Option<usize>, Value> {
    let (first, _, count) = slice_positions(items.len(), start, end, None)?;
    let first = first as usize;
    for (i, x) in items.iter().enumerate().skip(first).take(count) {
        if equal(x, v)? {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

fn list_method(
    l: &Rc<RefCell<Vec<Value>>>,
    name: &str,
    args: &[Value],
    kwargs: &[(&str, Value)],
) -> Option<Result<Value, Value>> {
    // The commonest call, without binding arguments by name.
    if let ("append", [x], []) = (name, args, kwargs) {
        return Some(push(l, x.clone()).map(|()| Value::None));
    }
    let (params, required, positional): (&[&str], usize, usize) = match name {
        "append" | "remove" | "count" => (&["x"], 1, 1),
        "extend" => (&["iterable"], 1, 1),
        "insert" => (&["index", "x"], 2, 2),
        "pop" => (&["index"], 0, 1),
        "index" => (&["x", "start", "end"], 1, 3),
        "sort" => (&["reverse"], 0, 0),
        "reverse" | "clear" | "copy" => (&[], 0, 0),
        _ => return None,
    };
    Some(
        bind(name, args, kwargs, params, required, positional).and_then(|a| list_call(l, name, &a)),
    )
}

fn list_call(
    l: &Rc<RefCell<Vec<Value>>>,
    name: &str,
    a: &[Option<&Value>],
) -> Result<Value, Value> {
    let arg = |i: usize| a.get(i).copied().flatten();
    let x = arg(0).cloned().unwrap_or(Value::None);
    match name {
        "append" => push(l, x)?,
        "extend" => {
            let items = iterate(&x)?;
            let n = l.borrow().len();
            check_len(n.checked_add(items.len()))?;
            l.borrow_mut().extend(items);
        }
        "insert" => {
            let i = opt_int(name, Some(&x))?.unwrap_or(0);
            let v = arg(1).cloned().unwrap_or(Value::None);
            let mut l = l.borrow_mut();
            let n = l.len() as i64;
            let i = if i < 0 {
                i.saturating_add(n).max(0)
            } else {
                i.min(n)
            };
            check_len(l.len().checked_add(1))?;
            l.insert(i as usize, v);
        }
        "pop" => {
            let mut l = l.borrow_mut();
            if l.is_empty() {
                return Err(Value::error(ErrorType::IndexError, "pop from empty list"));
            }
            let i = opt_int(name, arg(0))?.unwrap_or(-1);
            let j = norm_index(i, l.len())
                .ok_or_else(|| Value::error(ErrorType::IndexError, "pop index out of range"))?;
            return Ok(l.remove(j));
        }
        "remove" => {
            let found = position(&l.borrow(), &x, None, None)?;
            let j = found.ok_or_else(|| value_error("list.remove(x): x not in list"))?;
            l.borrow_mut().remove(j);
        }
        "index" => {
            let (start, end) = (opt_int(name, arg(1))?, opt_int(name, arg(2))?);
            let found = position(&l.borrow(), &x, start, end)?;
            let j = found.ok_or_else(|| value_error(format!("{} is not in list", x.repr())))?;
            return Ok(Value::Int(j as i64));
        }
        "count" => {
            let mut n = 0;
            for y in l.borrow().iter() {
                if equal(y, &x)? {
                    n += 1;
                }
            }
            return Ok(Value::Int(n));
        }
        "sort" => {
            // Sort a copy, so that comparing items that hold this list never meets a borrow.
            let items = l.borrow().clone();
            let sorted = sort_values(items, opt_bool(name, arg(0))?)?;
            *l.borrow_mut() = sorted;
        }
        "reverse" => l.borrow_mut().reverse(),
        "clear" => l.borrow_mut().clear(),
        _ => return Ok(Value::list(l.borrow().clone())),
    }
    Ok(Value::None)
}

pub(crate) type Dict = Rc<RefCell<DictMap>>;

fn dict_method(
    d: &Dict,
    name: &str,
    args: &[Value],
    kwargs: &[(&str, Value)],
) -> Option<Result<Value, Value>> {
    // The commonest call, without binding arguments by name.
    if let ("get", [key, rest @ ..], []) = (name, args, kwargs) {
        if rest.len() <= 1 {
            return Some(dict_get(d, key, rest.first()));
        }
    }
    let (params, required): (&[&str], usize) = match name {
        "get" | "pop" | "setdefault" => (&["key", "default"], 1),
        "items" | "keys" | "values" | "copy" | "clear" => (&[], 0),
        "update" => return Some(dict_update(d, args, kwargs)),
        _ => return None,
    };
    Some(
        bind(name, args, &[], params, required, params.len()).and_then(|a| {
            if let Some((k, _)) = kwargs.first() {
                return Err(type_error(format!(
                    "{name}() takes no keyword arguments ('{k}' given)"
                )));
            }
            dict_call(d, name, &a)
        }),
    )
}

/// `d.get(key, default)`.
#[inline]
pub(crate) fn dict_get(d: &Dict, key: &Value, default: Option<&Value>) -> Result<Value, Value> {
    let found = lookup_key(key)?.and_then(|k| d.borrow().get(&k).cloned());
    Ok(found.or_else(|| default.cloned()).unwrap_or(Value::None))
}

fn dict_call(d: &Dict, name: &str, a: &[Option<&Value>]) -> Result<Value, Value> {
    let key = a.first().copied().flatten().unwrap_or(&Value::None);
    let default = a.get(1).copied().flatten();
    match name {
        "get" => dict_get(d, key, default),
        "pop" => {
            let found = lookup_key(key)?.and_then(|k| d.borrow_mut().shift_remove(&k));
            found
                .or_else(|| default.cloned())
                .ok_or_else(|| Value::error(ErrorType::KeyError, key.repr()))
        }
        "setdefault" => {
            let k = store_key(key)?;
            let mut d = d.borrow_mut();
            if !d.contains_key(&k) {
                check_len(d.len().checked_add(1))?;
            }
            Ok(d.entry(k)
                .or_insert_with(|| default.cloned().unwrap_or(Value::None))
                .clone())
        }
        "items" => Ok(Value::list(
            d.borrow()
                .iter()
                .map(|(k, v)| Value::tuple(vec![k.to_value(), v.clone()]))
                .collect(),
        )),
        "keys" => Ok(Value::list(d.borrow().keys().map(Key::to_value).collect())),
        "values" => Ok(Value::list(d.borrow().values().cloned().collect())),
        "copy" => Ok(Value::dict(d.borrow().clone())),
        _ => {
            d.borrow_mut().clear();
            Ok(Value::None)
        }
    }
}

/// `d.update(other)`: from a dict, a list of pairs, or keyword arguments.
fn dict_update(d: &Dict, args: &[Value], kwargs: &[(&str, Value)]) -> Result<Value, Value> {
    let mut entries: Vec<(Key, Value)> = Vec::new();
    match args {
        [] => {}
        [Value::Dict(o)] => entries.extend(o.borrow().iter().map(|(k, v)| (k.clone(), v.clone()))),
        [other] => {
            for (i, pair) in iterate(other)?.iter().enumerate() {
                let items = match pair {
                    Value::Tuple(_) | Value::List(_) => iterate(pair)?,
                    _ => vec![],
                };
                let [k, v] = items.as_slice() else {
                    return Err(type_error(format!(
                        "dictionary update sequence element #{i} is not a pair"
                    )));
                };
                entries.push((store_key(k)?, v.clone()));
            }
        }
        _ => {
            return Err(type_error(format!(
                "update expected at most 1 argument, got {}",
                args.len()
            )))
        }
    }
    entries.extend(
        kwargs
            .iter()
            .map(|(k, v)| (Key::Str(SmolStr::new(k)), v.clone())),
    );
    let mut d = d.borrow_mut();
    check_len(d.len().checked_add(entries.len()))?;
    d.extend(entries);
    Ok(Value::None)
}
