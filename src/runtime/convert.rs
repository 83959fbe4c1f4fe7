//! Values from JSON by declared type: task inputs from `--arg`, `--args-json` and hosts.

use super::value::{Key, StructValue, Value};
use crate::check::types::Type;
use crate::check::Checked;
use crate::runtime::value::DictMap;
use smol_str::SmolStr;
use std::cell::RefCell;
use std::rc::Rc;

/// Reads `j` as a value of type `ty`, or says why it is not one.
pub fn from_json(j: &serde_json::Value, ty: &Type, checked: &Checked) -> Result<Value, String> {
    use serde_json::Value as J;
    let bad = || format!("expected {ty}, found {j}");
    Ok(match (ty, j) {
        (Type::Any, _) => any(j),
        (Type::Optional(_), J::Null) | (Type::None, J::Null) => Value::None,
        (Type::Optional(t), _) => from_json(j, t, checked)?,
        (Type::Union(ts), _) => ts
            .iter()
            .find_map(|t| from_json(j, t, checked).ok())
            .ok_or_else(bad)?,
        (Type::Int, J::Number(n)) => Value::Int(n.as_i64().ok_or_else(bad)?),
        (Type::Float, J::Number(n)) => Value::Float(n.as_f64().ok_or_else(bad)?),
        (Type::Bool, J::Bool(b)) => Value::Bool(*b),
        (Type::Str, J::String(s)) => Value::str(s),
        (Type::Duration, J::Number(n)) => {
            Value::Duration((n.as_f64().ok_or_else(bad)? * 1e9).round() as i64)
        }
        (Type::List(t), J::Array(items)) => Value::list(
            items
                .iter()
                .map(|i| from_json(i, t, checked))
                .collect::<Result<_, _>>()?,
        ),
        (Type::Tuple(ts), J::Array(items)) if ts.len() == items.len() => Value::tuple(
            items
                .iter()
                .zip(ts)
                .map(|(i, t)| from_json(i, t, checked))
                .collect::<Result<_, _>>()?,
        ),
        (Type::Dict(k, v), J::Object(m)) => {
            let mut out = DictMap::default();
            for (key, val) in m {
                let key = match **k {
                    Type::Int => Key::Int(
                        key.parse()
                            .map_err(|_| format!("dict key {key:?} is not an int"))?,
                    ),
                    _ => Key::Str(SmolStr::new(key)),
                };
                out.insert(key, from_json(val, v, checked)?);
            }
            Value::dict(out)
        }
        (Type::Struct(name), J::Object(m)) => {
            let st = checked.structs.get(name).ok_or_else(bad)?;
            let mut fields = Vec::new();
            for (f, t) in &st.fields {
                let v = m
                    .get(f.as_str())
                    .ok_or_else(|| format!("missing field `{f}` of {name}"))?;
                fields.push((f.clone(), from_json(v, t, checked)?));
            }
            if let Some(extra) = m
                .keys()
                .find(|k| !st.fields.iter().any(|(f, _)| f == k.as_str()))
            {
                return Err(format!("{name} has no field `{extra}`"));
            }
            Value::Struct(Rc::new(RefCell::new(StructValue {
                name: name.clone(),
                fields,
            })))
        }
        _ => return Err(bad()),
    })
}

fn any(j: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match j {
        J::Null => Value::None,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => n
            .as_i64()
            .map_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
        J::String(s) => Value::str(s),
        J::Array(a) => Value::list(a.iter().map(any).collect()),
        J::Object(m) => Value::dict(
            m.iter()
                .map(|(k, v)| (Key::Str(SmolStr::new(k)), any(v)))
                .collect(),
        ),
    }
}

/// Reads a `--arg NAME=VALUE` value by its parameter's type: strings as they are, other
/// scalars and JSON for lists, dicts and structs; durations also as `10m`.
pub fn from_arg(text: &str, ty: &Type, checked: &Checked) -> Result<Value, String> {
    match ty {
        Type::Str => Ok(Value::str(text)),
        Type::Optional(t) if **t == Type::Str => Ok(Value::str(text)),
        Type::Duration => {
            if let Ok(secs) = text.parse::<f64>() {
                return Ok(Value::Duration((secs * 1e9).round() as i64));
            }
            crate::sim::parse_duration(text)
                .map(Value::Duration)
                .ok_or_else(|| {
                    format!("`{text}` is not a duration (write 10m, 30s, 1.5h or seconds)")
                })
        }
        _ => {
            let j: serde_json::Value =
                serde_json::from_str(text).map_err(|_| format!("`{text}` is not a valid {ty}"))?;
            from_json(&j, ty, checked)
        }
    }
}

/// An int where the declared type says float becomes that float, in place, through lists,
/// dicts, tuples and struct fields: what flyte-sdk's serialization does to a task's inputs
/// and outputs as they cross the task boundary (`Point(x = 1, y = 2)` arrives with `y = 2.0`).
/// `v` is a fresh copy (the boundary copies first), so changing it in place is safe; a value
/// nested deeper than the type walks is left as it is.
pub fn widen_to(v: &mut Value, ty: &Type, checked: &Checked) {
    widen_depth(v, ty, checked, 0)
}

fn widen_depth(v: &mut Value, ty: &Type, checked: &Checked, depth: usize) {
    if depth > 64 {
        return;
    }
    let d = depth + 1;
    match (ty, &*v) {
        (Type::Float, Value::Int(i)) => *v = Value::Float(*i as f64),
        (Type::Optional(t), _) => widen_depth(v, t, checked, d),
        (Type::Union(ts), Value::Int(_))
            if ts.contains(&Type::Float) && !ts.contains(&Type::Int) =>
        {
            *v = match v {
                Value::Int(i) => Value::Float(*i as f64),
                _ => return,
            }
        }
        (Type::List(t), Value::List(items)) => {
            let Ok(mut items) = items.try_borrow_mut() else {
                return;
            };
            for item in items.iter_mut() {
                widen_depth(item, t, checked, d);
            }
        }
        (Type::Dict(_, t), Value::Dict(entries)) => {
            let Ok(mut entries) = entries.try_borrow_mut() else {
                return;
            };
            for item in entries.values_mut() {
                widen_depth(item, t, checked, d);
            }
        }
        (Type::Tuple(ts), Value::Tuple(items)) => {
            let mut items: Vec<Value> = items.to_vec();
            for (item, t) in items.iter_mut().zip(ts) {
                widen_depth(item, t, checked, d);
            }
            *v = Value::tuple(items);
        }
        (Type::Struct(n), Value::Struct(s)) => {
            if let Some(info) = checked.structs.get(n) {
                // A struct met again while it is being widened is a cycle: done already.
                let Ok(mut s) = s.try_borrow_mut() else {
                    return;
                };
                for ((_, fv), (_, ft)) in s.fields.iter_mut().zip(&info.fields) {
                    widen_depth(fv, ft, checked, d);
                }
            }
        }
        _ => {}
    }
}
