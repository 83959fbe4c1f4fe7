//! Run-time values.
//!
//! Scalars are unboxed; a string of up to 23 bytes is kept inline and a longer one shared
//! ([`SmolStr`]); containers are `Rc`-backed (a run is single-threaded: the whole
//! simulation runs inside one call, so nothing here crosses threads). Lists, dicts and struct
//! values are shared by reference inside one task, as in Python; what crosses a task boundary
//! is deep-copied ([`Value::deep_copy`]), as if serialized. `str()` and f-strings print values
//! in the language's own literal syntax ([`Value::display`], [`Value::repr`]).

use crate::syntax::ast::Name;
use indexmap::IndexMap;
use smol_str::SmolStr;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::rc::Rc;

pub use super::errors::{ErrorCode, ErrorValue, RunCode};
pub use super::trace::{Trace, TracePoint, TRACE_KEPT};
pub use crate::diagnostics::ErrorType;

/// How deep `str`, JSON output and copies follow nested values (deeper prints as `...`).
pub const MAX_NESTING: usize = 2_000;
/// Text past which `str` stops writing (the size limit of strings, see `ops::MAX_LEN`).
const MAX_TEXT: usize = 1 << 24;

/// A dict key: `str` or `int` (docs/language.md).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Int(i64),
    Str(SmolStr),
}

/// A [`Key`] borrowed from a value, to look a dict up without building a key.
#[derive(Clone, Copy, Debug)]
pub enum KeyRef<'a> {
    Int(i64),
    Str(&'a SmolStr),
}

impl std::hash::Hash for KeyRef<'_> {
    /// As [`Key`]'s.
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            KeyRef::Int(i) => state.write_i64(*i),
            KeyRef::Str(s) => state.write(s.as_bytes()),
        }
    }
}

impl indexmap::Equivalent<Key> for KeyRef<'_> {
    #[inline]
    fn equivalent(&self, key: &Key) -> bool {
        match (self, key) {
            (KeyRef::Int(a), Key::Int(b)) => a == b,
            (KeyRef::Str(a), Key::Str(b)) => *a == b,
            _ => false,
        }
    }
}

impl std::hash::Hash for Key {
    /// Just the int or the text: a key is always hashed alone (never as part of a tuple), and
    /// equal keys are of the same kind, so neither a kind tag nor a terminator is needed.
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Key::Int(i) => state.write_i64(*i),
            Key::Str(s) => state.write(s.as_bytes()),
        }
    }
}

impl Key {
    pub fn to_value(&self) -> Value {
        match self {
            Key::Int(i) => Value::Int(*i),
            Key::Str(s) => Value::Str(s.clone()),
        }
    }
}

/// A struct value: its type name and fields in declaration order.
#[derive(Clone, Debug, PartialEq)]
pub struct StructValue {
    pub name: Name,
    pub fields: Vec<(Name, Value)>,
}

impl Drop for StructValue {
    /// Takes apart what only this struct holds one level at a time, with a work list: a
    /// linked list of a million nodes would otherwise overflow the stack when dropped.
    fn drop(&mut self) {
        fn keep(v: Value, work: &mut Vec<Value>) {
            if matches!(
                v,
                Value::Struct(_) | Value::List(_) | Value::Dict(_) | Value::Tuple(_)
            ) {
                work.push(v);
            }
        }
        let mut work = Vec::new();
        for (_, v) in self.fields.drain(..) {
            keep(v, &mut work);
        }
        while let Some(v) = work.pop() {
            match v {
                Value::Struct(s) => {
                    if let Ok(s) = Rc::try_unwrap(s) {
                        for (_, v) in s.into_inner().fields.drain(..) {
                            keep(v, &mut work);
                        }
                    }
                }
                Value::List(l) => {
                    if let Ok(l) = Rc::try_unwrap(l) {
                        for v in l.into_inner() {
                            keep(v, &mut work);
                        }
                    }
                }
                Value::Dict(d) => {
                    if let Ok(d) = Rc::try_unwrap(d) {
                        for (_, v) in d.into_inner() {
                            keep(v, &mut work);
                        }
                    }
                }
                Value::Tuple(mut t) => {
                    if let Some(items) = Rc::get_mut(&mut t) {
                        for v in items.iter_mut() {
                            keep(std::mem::replace(v, Value::None), &mut work);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// What a callable value refers to.
#[derive(Clone, Debug, PartialEq)]
pub enum Callable {
    /// A task: its index among the checked tasks, by which a call finds it, and its key in
    /// the program (for messages, and to find it again in a later REPL input's program);
    /// `over`: the index of an override (0: none).
    Task { name: Name, task: u32, over: u32 },
    /// A function, by its key and its index in the program's declarations.
    Fn(Name, u32),
    /// A built-in function, by its id.
    Builtin(crate::check::builtins::Builtin),
    /// A constructor (a host function, an error type, a struct, a configuration record) or a
    /// type name: its name, for messages, and what it makes, found once per run.
    Ctor(Name, CtorKind),
    /// A bound method: the receiver and the method name.
    Method(Box<Value>, Name),
}

/// What a constructor value makes (see [`Callable::Ctor`]), found when its name is first read,
/// so that a call dispatches on it, not on the name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtorKind {
    /// A host function: its index among the program's host functions and among their
    /// signatures.
    Host { f: u32, sig: u32 },
    /// An error type: `ValueError("...")`.
    Error(crate::diagnostics::ErrorType),
    /// A struct, by its index among the checked structs.
    Struct(u32),
    /// A configuration record: `Resources(...)`.
    Record(crate::check::types::Record),
    /// A type name that makes nothing (`list`, `Future`): a value for `isinstance`.
    Type,
}

/// A dict's entries, in insertion order. Keys hash with aHash's fixed keys: quick for short
/// strings, and the same on every run (order never depends on the hash anyway).
pub type DictMap = IndexMap<Key, Value, std::hash::BuildHasherDefault<ahash::AHasher>>;

/// A configuration record built at run time: its constructor and its arguments, each with its
/// keyword (`None` for a positional one).
pub type RecordValue = (Name, Vec<(Option<Name>, Value)>);

#[derive(Debug)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Nanoseconds.
    Duration(i64),
    /// Text: up to 23 bytes inline, longer text shared (see [`SmolStr`]).
    Str(SmolStr),
    List(Rc<RefCell<Vec<Value>>>),
    Tuple(Rc<[Value]>),
    Dict(Rc<RefCell<DictMap>>),
    Struct(Rc<RefCell<StructValue>>),
    Error(Rc<ErrorValue>),
    /// A configuration record built at run time (`Resources(...)` in an override): the
    /// constructor and its arguments.
    Record(Rc<RecordValue>),
    /// A future: an index into the run's table of futures.
    Future(u32),
    Callable(Rc<Callable>),
    /// `group("name")`, for `with`.
    Group(Rc<str>),
}

impl Clone for Value {
    /// Inline at every use: a scalar is copied, a shared value's count raised, without a call
    /// (the derived clone is one).
    #[inline]
    fn clone(&self) -> Value {
        match self {
            Value::None => Value::None,
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(i) => Value::Int(*i),
            Value::Float(x) => Value::Float(*x),
            Value::Duration(d) => Value::Duration(*d),
            Value::Future(id) => Value::Future(*id),
            Value::Str(s) => Value::Str(s.clone()),
            Value::List(l) => Value::List(l.clone()),
            Value::Tuple(t) => Value::Tuple(t.clone()),
            Value::Dict(d) => Value::Dict(d.clone()),
            Value::Struct(s) => Value::Struct(s.clone()),
            Value::Error(e) => Value::Error(e.clone()),
            Value::Record(r) => Value::Record(r.clone()),
            Value::Callable(c) => Value::Callable(c.clone()),
            Value::Group(g) => Value::Group(g.clone()),
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (None, None) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a == b,
            (Int(a), Float(b)) | (Float(b), Int(a)) => (*a as f64) == *b,
            (Duration(a), Duration(b)) => a == b,
            (Str(a), Str(b)) => a == b,
            (List(a), List(b)) => Rc::ptr_eq(a, b) || *a.borrow() == *b.borrow(),
            (Tuple(a), Tuple(b)) => a == b,
            (Dict(a), Dict(b)) => Rc::ptr_eq(a, b) || *a.borrow() == *b.borrow(),
            (Struct(a), Struct(b)) => Rc::ptr_eq(a, b) || *a.borrow() == *b.borrow(),
            (Error(a), Error(b)) => a == b,
            (Record(a), Record(b)) => a == b,
            (Future(a), Future(b)) => a == b,
            (Callable(a), Callable(b)) => a == b,
            (Group(a), Group(b)) => a == b,
            _ => false,
        }
    }
}

impl Value {
    /// A string value: text of up to 23 bytes is kept inline, with no allocation. Out of line
    /// on purpose: inlined into the f-string path, its bytes took one more trip through the
    /// stack (measured slower on `benches/compare/loops.flyte`).
    #[inline(never)]
    pub fn str(s: &str) -> Value {
        Value::Str(if s.len() <= SmolStr::INLINE_CAP {
            SmolStr::new_inline(s)
        } else {
            SmolStr::new(s)
        })
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(items)))
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Rc::from(items))
    }

    pub fn dict(entries: DictMap) -> Value {
        Value::Dict(Rc::new(RefCell::new(entries)))
    }

    pub fn error(kind: ErrorType, message: impl Into<String>) -> Value {
        Value::Error(Rc::new(ErrorValue::new(kind, message)))
    }

    /// The name of the value's type, as messages show it.
    pub fn type_name(&self) -> String {
        match self {
            Value::None => "none".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Float(_) => "float".into(),
            Value::Duration(_) => "duration".into(),
            Value::Str(_) => "str".into(),
            Value::List(_) => "list".into(),
            Value::Tuple(_) => "tuple".into(),
            Value::Dict(_) => "dict".into(),
            Value::Struct(s) => s.borrow().name.to_string(),
            Value::Error(e) => e.kind.to_string(),
            Value::Record(r) => r.0.to_string(),
            Value::Future(_) => "Future".into(),
            Value::Callable(_) => "function".into(),
            Value::Group(_) => "Group".into(),
        }
    }

    /// The value as a dict key, if it can be one.
    pub fn to_key(&self) -> Option<Key> {
        match self {
            Value::Int(i) => Some(Key::Int(*i)),
            Value::Str(s) => Some(Key::Str(s.clone())),
            _ => Option::None,
        }
    }

    /// A copy sharing nothing mutable with the original: what a task receives and returns.
    pub fn deep_copy(&self) -> Value {
        self.deep_copy_in(&mut HashMap::new())
    }

    /// Copies of `vs` that share nothing with the originals but share among themselves as the
    /// originals do (two of them naming one list name one new list).
    pub fn deep_copy_all(vs: &[Value]) -> Vec<Value> {
        let mut copies = HashMap::new();
        vs.iter().map(|v| v.deep_copy_in(&mut copies)).collect()
    }

    /// [`Value::deep_copy`], with the copies made so far by the address of their original:
    /// sharing, and cycles, are copied as they are (as Python's `deepcopy` does).
    fn deep_copy_in(&self, copies: &mut HashMap<usize, Value>) -> Value {
        if let Value::Tuple(t) = self {
            // Immutable: never part of a cycle on its own, and sharing it is harmless.
            let items = t.iter().map(|v| v.deep_copy_deeper(copies)).collect();
            return Value::tuple(items);
        }
        let Some(key) = self.container_id() else {
            return self.clone();
        };
        if let Some(done) = copies.get(&key) {
            return done.clone();
        }
        // The empty copy is known before its items are copied, so a cycle ends at it.
        match self {
            Value::List(l) => {
                let new = Rc::new(RefCell::new(Vec::with_capacity(l.borrow().len())));
                copies.insert(key, Value::List(new.clone()));
                let items: Vec<Value> = l
                    .borrow()
                    .iter()
                    .map(|v| v.deep_copy_deeper(copies))
                    .collect();
                *new.borrow_mut() = items;
                Value::List(new)
            }
            Value::Dict(d) => {
                let new = Rc::new(RefCell::new(DictMap::default()));
                copies.insert(key, Value::Dict(new.clone()));
                let entries: DictMap = d
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.deep_copy_deeper(copies)))
                    .collect();
                *new.borrow_mut() = entries;
                Value::Dict(new)
            }
            Value::Struct(s) => {
                let name = s.borrow().name.clone();
                let new = Rc::new(RefCell::new(StructValue {
                    name,
                    fields: Vec::new(),
                }));
                copies.insert(key, Value::Struct(new.clone()));
                let fields = s
                    .borrow()
                    .fields
                    .iter()
                    .map(|(n, v)| (n.clone(), v.deep_copy_deeper(copies)))
                    .collect();
                new.borrow_mut().fields = fields;
                Value::Struct(new)
            }
            v => v.clone(),
        }
    }

    /// One level down in [`Value::deep_copy_in`], on a stack grown if little is left.
    fn deep_copy_deeper(&self, copies: &mut HashMap<usize, Value>) -> Value {
        match self.container_id() {
            Some(_) => crate::stack::grow(|| self.deep_copy_in(copies)),
            None => self.clone(),
        }
    }

    /// `str(v)`: a string on its own is not quoted.
    pub fn display(&self) -> String {
        let mut out = String::new();
        self.write_display(&mut out);
        out
    }

    /// [`Value::display`], appended to `out` (f-strings build their text without a copy).
    #[inline]
    pub fn write_display(&self, out: &mut String) {
        match self {
            Value::Str(s) => out.push_str(s),
            Value::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
            // As in Python, `str(err)` and `f"{err}"` give the message.
            Value::Error(e) => out.push_str(&e.message),
            v => v.write_repr(out),
        }
    }

    /// The value in the language's literal syntax (strings quoted).
    pub fn repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out);
        out
    }

    fn write_repr(&self, out: &mut String) {
        self.write_repr_in(out, &mut Vec::new());
    }

    /// [`Value::write_repr`] inside the containers `open` (by address) being written: one met
    /// again is a cycle and prints as `...`, as in Python (`[[...]]`). Nesting deeper than
    /// [`MAX_NESTING`] also prints as `...`, and writing stops once the text passes the size
    /// limit (its users then raise `OverflowError`).
    fn write_repr_in(&self, out: &mut String, open: &mut Vec<usize>) {
        let full = out.len() > MAX_TEXT && self.container_id().is_some();
        if full
            || self
                .nested(open, |open| self.write_repr_here(out, open))
                .is_none()
        {
            out.push_str("...");
        }
    }

    /// The address of a list, dict, struct or tuple: what tells cycles and sharing apart.
    fn container_id(&self) -> Option<usize> {
        match self {
            Value::List(l) => Some(Rc::as_ptr(l) as *const () as usize),
            Value::Dict(d) => Some(Rc::as_ptr(d) as *const () as usize),
            Value::Struct(s) => Some(Rc::as_ptr(s) as *const () as usize),
            Value::Tuple(t) => Some(t.as_ptr() as usize),
            _ => None,
        }
    }

    /// Runs `f` on this value as one step of a walk whose path holds the containers `open`:
    /// for a container, one level deeper (on a stack grown if need be), or `None` when it is
    /// already on the path (a cycle) or the path is [`MAX_NESTING`] long.
    fn nested<R>(&self, open: &mut Vec<usize>, f: impl FnOnce(&mut Vec<usize>) -> R) -> Option<R> {
        let Some(key) = self.container_id() else {
            return Some(f(open));
        };
        if open.len() >= MAX_NESTING || open.contains(&key) {
            return None;
        }
        open.push(key);
        let r = crate::stack::grow(|| f(open));
        open.pop();
        Some(r)
    }

    fn write_repr_here(&self, out: &mut String, open: &mut Vec<usize>) {
        match self {
            Value::None => out.push_str("none"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
            Value::Float(f) => out.push_str(&format_float(*f)),
            Value::Duration(ns) => out.push_str(&format_duration(*ns)),
            Value::Str(s) => {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\t' => out.push_str("\\t"),
                        '\r' => out.push_str("\\r"),
                        '\0' => out.push_str("\\0"),
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            Value::List(l) => {
                out.push('[');
                for (i, v) in l.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_repr_in(out, open);
                }
                out.push(']');
            }
            Value::Tuple(t) => {
                out.push('(');
                for (i, v) in t.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_repr_in(out, open);
                }
                if t.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Value::Dict(d) => {
                out.push('{');
                for (i, (k, v)) in d.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.to_value().write_repr_in(out, open);
                    out.push_str(": ");
                    v.write_repr_in(out, open);
                }
                out.push('}');
            }
            Value::Struct(s) => {
                let s = s.borrow();
                out.push_str(&s.name);
                out.push('(');
                for (i, (n, v)) in s.fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(n);
                    out.push_str(" = ");
                    v.write_repr_in(out, open);
                }
                out.push(')');
            }
            Value::Error(e) => {
                let _ = write!(out, "{}({})", e.kind, Value::str(&e.message).repr());
            }
            Value::Record(r) => {
                out.push_str(&r.0);
                out.push('(');
                for (i, (n, v)) in r.1.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if let Some(n) = n {
                        out.push_str(n);
                        out.push_str(" = ");
                    }
                    v.write_repr_in(out, open);
                }
                out.push(')');
            }
            Value::Future(_) => out.push_str("<future>"),
            Value::Callable(c) => match &**c {
                Callable::Task { name, .. } => {
                    let _ = write!(out, "<task {name}>");
                }
                Callable::Fn(n, _) => {
                    let _ = write!(out, "<fn {n}>");
                }
                Callable::Builtin(b) => {
                    let _ = write!(out, "<builtin {b}>");
                }
                Callable::Ctor(n, _) => {
                    let _ = write!(out, "<builtin {n}>");
                }
                Callable::Method(_, n) => {
                    let _ = write!(out, "<method {n}>");
                }
            },
            Value::Group(g) => {
                let _ = write!(out, "group({})", Value::str(g).repr());
            }
        }
    }

    /// The value as JSON (README.md): durations in seconds, int dict keys as
    /// strings, structs as objects, errors as {"type", "message"}.
    pub fn to_json(&self) -> serde_json::Value {
        self.to_json_in(&mut Vec::new(), &mut false)
    }

    /// [`Value::to_json`] of the whole value, or `None` when part of it would be cut to
    /// `"..."` (a cycle, or nesting deeper than [`MAX_NESTING`]): what a cache key hashes
    /// and the cache stores, where a cut value could stand for another.
    pub fn to_json_whole(&self) -> Option<serde_json::Value> {
        let mut cut = false;
        let j = self.to_json_in(&mut Vec::new(), &mut cut);
        (!cut).then_some(j)
    }

    /// [`Value::to_json`] inside the containers `open`: a cycle, or nesting deeper than
    /// [`MAX_NESTING`], becomes the string `"..."` (and sets `cut`).
    fn to_json_in(&self, open: &mut Vec<usize>, cut: &mut bool) -> serde_json::Value {
        self.nested(open, |open| self.to_json_here(open, cut))
            .unwrap_or_else(|| {
                *cut = true;
                serde_json::Value::String("...".into())
            })
    }

    fn to_json_here(&self, open: &mut Vec<usize>, cut: &mut bool) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::None => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Duration(ns) => {
                serde_json::Number::from_f64(*ns as f64 / 1e9).map_or(J::Null, J::Number)
            }
            Value::Str(s) => J::String(s.to_string()),
            Value::List(l) => {
                J::Array(l.borrow().iter().map(|v| v.to_json_in(open, cut)).collect())
            }
            Value::Tuple(t) => J::Array(t.iter().map(|v| v.to_json_in(open, cut)).collect()),
            Value::Dict(d) => J::Object(
                d.borrow()
                    .iter()
                    .map(|(k, v)| {
                        let k = match k {
                            Key::Int(i) => i.to_string(),
                            Key::Str(s) => s.to_string(),
                        };
                        (k, v.to_json_in(open, cut))
                    })
                    .collect(),
            ),
            Value::Struct(s) => J::Object(
                s.borrow()
                    .fields
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_json_in(open, cut)))
                    .collect(),
            ),
            Value::Error(e) => serde_json::json!({"type": e.kind.as_str(), "message": e.message}),
            other => J::String(other.repr()),
        }
    }
}

pub use super::literal::{format_duration, format_float};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_compare_without_their_trace() {
        let a = ErrorValue::new(ErrorType::ValueError, "m");
        let mut b = a.clone();
        b.trace.push(TracePoint {
            span: crate::diagnostics::Span::new(crate::diagnostics::FileId(0), 0, 1),
            task: "e.main".into(),
            frame: (0, 0),
        });
        assert_eq!(Value::Error(Rc::new(a.clone())), Value::Error(Rc::new(b)));
        let mut c = a.clone();
        c.message = "other".into();
        assert_ne!(a, c);
    }

    #[test]
    fn literal_syntax() {
        let d: DictMap = [(Key::Str("a".into()), Value::Int(1))]
            .into_iter()
            .collect();
        assert_eq!(
            Value::list(vec![Value::Int(1), Value::Int(2)]).repr(),
            "[1, 2]"
        );
        assert_eq!(Value::dict(d).repr(), "{\"a\": 1}");
        assert_eq!(
            Value::tuple(vec![Value::Int(3), Value::str("x")]).repr(),
            "(3, \"x\")"
        );
        assert_eq!(Value::Bool(true).repr(), "true");
        assert_eq!(Value::None.repr(), "none");
        assert_eq!(Value::Float(1.5).repr(), "1.5");
        assert_eq!(Value::Float(2.0).repr(), "2.0");
        assert_eq!(Value::Duration(90_000_000_000).repr(), "90s");
        assert_eq!(Value::Duration(5_400_000_000_000).repr(), "90m");
        assert_eq!(Value::Duration(500_000_000).repr(), "500ms");
        assert_eq!(Value::Duration(35_500_000_000).repr(), "35.5s");
        assert_eq!(
            Value::Duration(5_400_000_000_000 + 1_800_000_000_000).repr(),
            "2h"
        );
        assert_eq!(Value::str("hi").display(), "hi");
        assert_eq!(Value::list(vec![Value::str("hi")]).display(), "[\"hi\"]");
    }

    #[test]
    fn deep_copy_shares_nothing() {
        let inner = Value::list(vec![Value::Int(1)]);
        let outer = Value::list(vec![inner.clone()]);
        let copy = outer.deep_copy();
        if let Value::List(l) = &inner {
            l.borrow_mut().push(Value::Int(2));
        }
        assert_eq!(copy.repr(), "[[1]]");
        assert_eq!(outer.repr(), "[[1, 2]]");
    }

    #[test]
    fn value_size_is_pinned() {
        // A tag and a fat pointer (`Rc<[Value]>`), or a string of up to 23 bytes inline with
        // its length, whose spare values are the tag: keep both at three words.
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert!(std::mem::size_of::<Key>() <= 24);
    }
}
