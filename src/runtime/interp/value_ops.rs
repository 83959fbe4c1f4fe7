//! Operations on values the VM calls off its hot path: attributes, dict keys, unary
//! operators and f-string fields.

use super::*;

impl Frame<'_> {
    pub(crate) fn key(&self, v: &Value) -> Res<Key> {
        v.to_key().ok_or_else(|| {
            raise(
                ErrorType::TypeError,
                format!("a dict key must be str or int, not {}", v.type_name()),
            )
        })
    }

    pub(crate) fn unary(&self, op: UnaryOp, v: Value) -> Res<Value> {
        match op {
            UnaryOp::Not => Ok(Value::Bool(!ops::truthy(&v))),
            UnaryOp::Neg => ops::negate(&v).map_err(Ctrl::raise),
        }
    }

    pub(crate) fn format_field(&self, out: &mut String, v: &Value, spec: Option<&str>) -> Res<()> {
        match spec {
            None | Some("") => v.write_display(out),
            Some(spec) => out.push_str(&builtins::format_spec(v, spec).map_err(Ctrl::raise)?),
        }
        Ok(())
    }

    pub(crate) fn attr(&mut self, o: &Value, name: &Name) -> Res<Value> {
        let n = name.as_str();
        Ok(match o {
            Value::Duration(d) if n == "seconds" => Value::Float(*d as f64 / 1e9),
            Value::Error(e) => match n {
                "message" => Value::str(&e.message),
                "code" => Value::str(e.code.as_str()),
                "task" => e.task.as_deref().map_or(Value::None, Value::str),
                _ => {
                    return Err(raise(
                        ErrorType::TypeError,
                        format!("{} has no field {n}", e.kind),
                    ))
                }
            },
            Value::Struct(s) => match s.borrow().fields.iter().find(|(f, _)| f == n) {
                Some((_, v)) => v.clone(),
                None => return Err(raise(ErrorType::TypeError, format!("no field {n}"))),
            },
            other => Value::Callable(Rc::new(Callable::Method(
                Box::new(other.clone()),
                name.clone(),
            ))),
        })
    }
}
