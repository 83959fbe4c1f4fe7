//! The VM's paths off the hot loop: constants that allocate, globals, operators past the int
//! fast path, containers, f-strings, fields, slices, unpacking, calls other than a plain
//! function's, and the handling of errors. Every error the VM raises itself goes through
//! [`error`], so adapting to a new error type is one place.

use super::super::interp::{raise, Begin, Callee, Ctrl, Frame, Res};
use super::super::value::{Callable, DictMap, Key, KeyRef, Value};
use super::super::Fut;
use super::super::{builtins, ops};
use crate::check::types;
use crate::diagnostics::ErrorType;
use crate::ir::{finally_state, ArgMode, CallSite, Const, FPart, FnCode, HandlerKind, Label, Reg};
use crate::syntax::ast::{BinOp, Name};
use std::cell::RefCell;
use std::rc::Rc;

/// A catchable error of type `kind`.
#[cold]
pub(super) fn error(kind: ErrorType, msg: impl Into<String>) -> Ctrl {
    raise(kind, msg)
}

pub(super) fn constant(c: &Const) -> Value {
    match c {
        Const::None => Value::None,
        Const::Bool(b) => Value::Bool(*b),
        Const::Int(i) => Value::Int(*i),
        Const::Float(x) => Value::Float(*x),
        Const::Duration(d) => Value::Duration(*d),
        Const::Str(s) => Value::str(s),
    }
}

/// Global number `id`, cached per run.
pub(super) fn global(f: &mut Frame<'_>, id: u32) -> Res<Value> {
    match f.sh.prog.globals.names.get(id as usize) {
        Some(_) => f.global_id(id as usize),
        None => Err(error(
            ErrorType::RuntimeSystemError,
            "internal: an unknown global",
        )),
    }
}

/// `a op b` past the int fast path, its result's size counted as work.
#[inline(never)]
pub(super) fn binary(f: &Frame<'_>, op: BinOp, a: &Value, b: &Value) -> Res<Value> {
    f.charge_result(ops::binary(op, a, b).map_err(Ctrl::raise))
}

/// A dict from key/value pairs.
pub(super) fn dict(f: &Frame<'_>, items: Vec<Value>) -> Res<Value> {
    let mut out = DictMap::with_capacity_and_hasher(items.len() / 2, Default::default());
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.insert(f.key(&k)?, v);
    }
    Ok(Value::dict(out))
}

/// An f-string, written into a buffer kept between f-strings; short text is inline in the
/// result, with no allocation (inlined into the loop: the result is not copied once more).
#[inline]
pub(super) fn fstring(f: &Frame<'_>, parts: &[FPart], regs: &[Value]) -> Res<Value> {
    let mut out = FSTRING.take();
    out.clear();
    let r = (|| {
        for p in parts {
            match p {
                FPart::Text(t) => out.push_str(t),
                FPart::Field { reg, spec } => {
                    f.format_field(&mut out, &regs[*reg as usize], spec.as_deref())?
                }
            }
        }
        ops::check_len(Some(out.len())).map_err(Ctrl::raise)?;
        Ok(Value::str(&out))
    })();
    // A small buffer is kept; a big one goes (the memory a run holds stays its values').
    if out.capacity() <= 1024 {
        FSTRING.set(out);
    }
    r
}

/// The keys and values [`Op::Items`] iterates: a dict's in one list, counted as `d.items()`
/// counts its work (the dict read, the list built); anything else's `items` as a tuple of
/// its items.
///
/// [`Op::Items`]: crate::ir::Op::Items
pub(super) fn items(f: &mut Frame<'_>, recv: &Value) -> Res<Value> {
    let Value::Dict(d) = recv else {
        let v = call_method(f, recv, &[], &Name::new("items"))?;
        return Ok(Value::tuple(ops::iterate(&v).map_err(Ctrl::raise)?));
    };
    let d = d.borrow();
    f.charge(2 * d.len() as u64)?;
    let mut out = Vec::with_capacity(2 * d.len());
    for (k, v) in d.iter() {
        out.push(k.to_value());
        out.push(v.clone());
    }
    Ok(Value::list(out))
}

/// `for x in range(args)`: the first value, the count and the step, with the work `range`
/// counts (one step per value).
pub(super) fn range(f: &Frame<'_>, args: &[Value]) -> Res<(i64, usize, i64)> {
    let (first, count, by) = builtins::range_bounds(args).map_err(Ctrl::raise)?;
    f.charge(count as u64)?;
    Ok((first, count, by))
}

thread_local! {
    /// The text of the f-string being built, kept between f-strings (see [`fstring`]).
    static FSTRING: std::cell::Cell<String> = const { std::cell::Cell::new(String::new()) };
}

/// The old value of `obj.name` for `obj.name op= v`.
pub(super) fn field_or_none(obj: &Value, name: &Name) -> Res<Value> {
    let Value::Struct(s) = obj else {
        return Err(error(
            ErrorType::TypeError,
            format!("cannot set a field of {}", obj.type_name()),
        ));
    };
    let s = s.borrow();
    Ok(s.fields
        .iter()
        .find(|(f, _)| f == name)
        .map_or(Value::None, |(_, v)| v.clone()))
}

pub(super) fn set_field(obj: &Value, name: &Name, v: Value) -> Res<()> {
    let Value::Struct(s) = obj else {
        return Err(error(
            ErrorType::TypeError,
            format!("cannot set a field of {}", obj.type_name()),
        ));
    };
    if let Some(slot) = s.borrow_mut().fields.iter_mut().find(|(f, _)| f == name) {
        slot.1 = v;
    }
    Ok(())
}

pub(super) fn slice(regs: &[Value], obj: Reg, bounds: Reg, mask: u8) -> Res<Value> {
    let mut b = [None, None, None];
    for (i, slot) in b.iter_mut().enumerate() {
        if mask & (1 << i) == 0 {
            continue;
        }
        *slot = match &regs[bounds as usize + i] {
            Value::Int(i) => Some(*i),
            Value::None => None,
            other => {
                return Err(error(
                    ErrorType::TypeError,
                    format!("slice indices must be int, not {}", other.type_name()),
                ))
            }
        };
    }
    ops::slice(&regs[obj as usize], b[0], b[1], b[2]).map_err(Ctrl::raise)
}

/// The `n` parts of `v` for a pattern (`names`) or a tuple of assignment targets.
pub(super) fn unpack(v: &Value, n: u32, names: bool) -> Res<Vec<Value>> {
    let parts = if names {
        ops::iterate_owned(v.clone())
    } else {
        ops::iterate(v)
    }
    .map_err(Ctrl::raise)?;
    if parts.len() != n as usize {
        let noun = if names { "names" } else { "targets" };
        return Err(error(
            ErrorType::ValueError,
            format!("cannot unpack {} values into {n} {noun}", parts.len()),
        ));
    }
    Ok(parts)
}

/// `await v`: how the wait for future `v` begins.
pub(super) fn await_value(f: &mut Frame<'_>, v: &Value) -> Res<Begin> {
    match v {
        Value::Future(id) => f.await_begin(*id),
        other => Err(error(
            ErrorType::TypeError,
            format!("{} cannot be awaited", other.type_name()),
        )),
    }
}

/// Settles the future of an async fn that ran on the VM with its outcome (a kill settles
/// nothing: the action ends).
#[cold]
pub(super) fn settle_fn(f: &Frame<'_>, fut: u32, r: Result<&Value, &Ctrl>) {
    let done = match r {
        Ok(v) => Ok(v.clone()),
        Err(Ctrl::Raise(e)) => Err((**e).clone()),
        Err(_) => return,
    };
    if let Some(slot) = f.sh.futs.borrow_mut().get_mut(fut as usize) {
        *slot = Fut::settled(done);
    }
}

/// The position of `key`'s entry in `d` (`d.get(key)`), which `hint` becomes when found.
#[inline]
pub(super) fn dict_find(d: &RefCell<DictMap>, key: &Value, hint: &mut usize) -> Res<Option<usize>> {
    if let Some(k) = ops::lookup_key(key).map_err(Ctrl::raise)? {
        if let Some(i) = d.borrow().get_index_of(&k) {
            *hint = i;
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// `obj[idx] = src`: in a dict, at the entry `hint` when its key is `idx`. An int over an int
/// takes only the number: copying the whole register would wait for the store that wrote it
/// (the processor cannot forward a narrower store to a wider load).
#[inline]
pub(super) fn set_index(obj: &Value, idx: &Value, src: &Value, hint: usize) -> Res<()> {
    if let Value::Dict(d) = obj {
        let mut d = d.borrow_mut();
        if let Some((k, slot)) = d.get_index_mut(hint) {
            let same = match (k, idx) {
                (Key::Str(a), Value::Str(b)) => a == b,
                (Key::Int(a), Value::Int(b)) => a == b,
                _ => false,
            };
            if same {
                match (slot, src) {
                    (Value::Int(x), Value::Int(y)) => *x = *y,
                    (slot, src) => *slot = src.clone(),
                }
                return Ok(());
            }
        }
    }
    ops::set_index(obj, idx, src.clone()).map_err(Ctrl::raise)
}

/// `dict[key] = dict.get(key, dflt) + add` ([`Op::DictGetAdd`]): an int entry (or a missing
/// one, `dflt`) of a dict added to in place, with one lookup; anything else as the get, the
/// addition and the store it stands for.
///
/// [`Op::DictGetAdd`]: crate::ir::Op::DictGetAdd
#[inline]
pub(super) fn dict_get_add(
    f: &mut Frame<'_>,
    dict: &Value,
    key: &Value,
    dflt: i32,
    add: i32,
) -> Res<()> {
    // An int or str key only: a float one is looked up as an int but stored as itself.
    let k = match key {
        Value::Int(i) => Some(KeyRef::Int(*i)),
        Value::Str(s) => Some(KeyRef::Str(s)),
        _ => None,
    };
    if let (Value::Dict(d), Some(k)) = (dict, k) {
        let mut entries = d.borrow_mut();
        match entries.get_mut(&k) {
            Some(Value::Int(x)) => {
                if let Some(v) = x.checked_add(add as i64) {
                    *x = v;
                    return Ok(());
                }
            }
            Some(_) => {}
            None => {
                drop(entries);
                let v = Value::Int(dflt as i64 + add as i64);
                return ops::set_index(dict, key, v).map_err(Ctrl::raise);
            }
        }
    }
    dict_get_add_slow(f, dict, key, dflt, add)
}

#[cold]
#[inline(never)]
fn dict_get_add_slow(f: &mut Frame<'_>, dict: &Value, key: &Value, dflt: i32, add: i32) -> Res<()> {
    let dflt = Value::Int(dflt as i64);
    let got = match dict {
        Value::Dict(d) => builtins::dict_get(d, key, Some(&dflt)).map_err(Ctrl::raise)?,
        other => call_method(f, other, &[key.clone(), dflt], &Name::new("get"))?,
    };
    let v = binary(f, BinOp::Add, &got, &Value::Int(add as i64))?;
    set_index(dict, key, &v, usize::MAX)
}

/// `recv.name(args)`.
pub(super) fn call_method(
    f: &mut Frame<'_>,
    recv: &Value,
    args: &[Value],
    name: &Name,
) -> Res<Value> {
    // The commonest methods, without `method_kw`'s dispatch by name (and, as before the VM,
    // without counting their work).
    match (name.as_str(), recv, args) {
        ("append", Value::List(l), [v]) => {
            ops::push(l, v.clone()).map_err(Ctrl::raise)?;
            return Ok(Value::None);
        }
        ("get", Value::Dict(d), [k]) => {
            return builtins::dict_get(d, k, None).map_err(Ctrl::raise);
        }
        ("get", Value::Dict(d), [k, dflt]) => {
            return builtins::dict_get(d, k, Some(dflt)).map_err(Ctrl::raise);
        }
        _ => {}
    }
    if matches!(recv, Value::Str(_) | Value::List(_) | Value::Dict(_)) {
        return match f.method_call(recv, name, args)? {
            Some(r) => r.map_err(Ctrl::raise),
            None => Err(error(
                ErrorType::TypeError,
                format!("{} has no method {name}", recv.type_name()),
            )),
        };
    }
    let callee = attr_callee(f, recv.clone(), name)?;
    f.call_sync(callee, args.to_vec(), Vec::new())
}

/// What `value(...)` calls.
fn value_callee(f: &Frame<'_>, v: Value) -> Callee {
    if let Value::Callable(c) = &v {
        if let Callable::Task { task, over, .. } = &**c {
            return match over {
                0 => Callee::Task(*task, None),
                i => Callee::Task(*task, Some(f.settings_of(*task, *i))),
            };
        }
    }
    Callee::Value(v)
}

/// What `o.name(...)` calls: `.aio` and `.override` of a callable, or a bound method.
fn attr_callee(f: &mut Frame<'_>, o: Value, name: &Name) -> Res<Callee> {
    Ok(match (&o, name.as_str()) {
        (Value::Callable(c), "aio") => Callee::Aio((**c).clone()),
        (Value::Callable(c), "override") => match &**c {
            Callable::Task { task, .. } => Callee::Override(*task),
            _ => Callee::Value(f.attr(&o, name)?),
        },
        _ => Callee::Value(f.attr(&o, name)?),
    })
}

/// A general call site (`regs`: the frame's window). Arguments in temporaries are moved out
/// of them (a list spread into a call is not copied), those in locals copied.
pub(super) fn call(
    f: &mut Frame<'_>,
    site: &CallSite,
    nlocals: u32,
    regs: &mut [Value],
) -> Res<Begin> {
    let mut arg = |r: Reg| {
        if r >= nlocals {
            std::mem::replace(&mut regs[r as usize], Value::None)
        } else {
            regs[r as usize].clone()
        }
    };
    let callee = match &site.target {
        crate::ir::CallTarget::Value(r) => value_callee(f, arg(*r)),
        crate::ir::CallTarget::Attr { obj, name } => attr_callee(f, arg(*obj), name)?,
    };
    let mut argv = Vec::with_capacity(site.args.len());
    let mut kwargs = Vec::new();
    for (mode, r) in &site.args {
        let v = arg(*r);
        match mode {
            ArgMode::Positional => argv.push(v),
            ArgMode::Keyword(k) => kwargs.push((k.clone(), v)),
            ArgMode::Spread => argv.extend(ops::iterate_owned(v).map_err(Ctrl::raise)?),
        }
    }
    let b = f.call_begin(callee, argv, kwargs)?;
    if site.gather_tuple {
        if let Begin::Now(Value::Future(id)) = &b {
            if let Some(Fut::Gather { tuple, .. }) = f.sh.futs.borrow_mut().get_mut(*id as usize) {
                *tuple = true;
            }
        }
    }
    Ok(b)
}

/// The `except` clause that takes `err`.
pub(super) fn except_target(err: &Value, clauses: &[(Vec<Name>, Label)]) -> Option<Label> {
    let Value::Error(e) = err else { return None };
    clauses
        .iter()
        .find(|(tys, _)| {
            tys.is_empty() || tys.iter().any(|t| types::error_derives(e.kind.name(), t))
        })
        .map(|(_, to)| *to)
}

/// The error a `finally` block held while it ran, raised again.
#[cold]
pub(super) fn resume_error(state: i64, payload: Value) -> Ctrl {
    match (state, payload) {
        (finally_state::KILL, Value::Error(e)) => {
            Ctrl::Kill(Box::new(Rc::try_unwrap(e).unwrap_or_else(|e| (*e).clone())))
        }
        (_, v) => Ctrl::raise(v),
    }
}

/// The handler of instruction `at` that takes `c`: its target, with the error stored in
/// its registers (`regs` is the frame's window); `c` back if none does.
#[cold]
pub(super) fn handler(
    code: &FnCode,
    at: usize,
    mut c: Ctrl,
    regs: &mut [Value],
) -> Result<usize, Ctrl> {
    let at = at as Label;
    for h in &code.handlers {
        if at < h.start || at >= h.end {
            continue;
        }
        match (&h.kind, c) {
            (HandlerKind::Except { err }, Ctrl::Raise(v)) => {
                regs[*err as usize] = *v;
                return Ok(h.target as usize);
            }
            (HandlerKind::Finally { state, payload }, Ctrl::Raise(v)) => {
                regs[*state as usize] = Value::Int(finally_state::RAISE);
                regs[*payload as usize] = *v;
                return Ok(h.target as usize);
            }
            (HandlerKind::Finally { state, payload }, Ctrl::Kill(e)) => {
                regs[*state as usize] = Value::Int(finally_state::KILL);
                regs[*payload as usize] = Value::Error(Rc::new(*e));
                return Ok(h.target as usize);
            }
            (_, other) => c = other,
        }
    }
    Err(c)
}
