//! Calls of built-in functions that do not wait (by their id in `check::builtins::TABLE`),
//! and of constructors (host functions, error types, structs, configuration records) by what
//! they make (`CtorKind`).

use super::*;

impl<'p> Frame<'p> {
    /// A call of constructor `n` (a host function, an error type, a struct, a configuration
    /// record or a type name), which makes `kind`.
    pub(super) fn ctor(
        &mut self,
        n: &Name,
        kind: CtorKind,
        argv: Vec<Value>,
        kwargs: Vec<(Name, Value)>,
    ) -> Res<Value> {
        let prog = self.prog();
        match kind {
            CtorKind::Host { f, sig } => {
                let Some((_, native)) = prog.natives.get_index(f as usize) else {
                    return Err(raise(
                        ErrorType::RuntimeSystemError,
                        format!("internal: no host function {n}"),
                    ));
                };
                let sig = prog.checked.natives.get(sig as usize);
                // Keyword arguments (checked) go to their parameters' places.
                let argv = match sig {
                    Some(sig) => host_args(&sig.param_list(), argv, kwargs),
                    None => argv,
                };
                let args: Vec<serde_json::Value> = argv.iter().map(Value::to_json).collect();
                let native = native.clone();
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| native(args)));
                let ret = sig.map_or(types::Type::Any, |s| s.ret.clone());
                match r {
                    Ok(Ok(j)) => super::convert::from_json(&j, &ret, &prog.checked).map_err(|m| {
                        raise(
                            ErrorType::RuntimeSystemError,
                            format!("host function {n} returned a value that is not {ret}: {m}"),
                        )
                    }),
                    Ok(Err(message)) => Err(Ctrl::raise(Value::Error(Rc::new(ErrorValue {
                        kind: ErrorType::RuntimeUserError,
                        message,
                        code: ErrorCode::Host,
                        task: None,
                        trace: Trace::new(),
                    })))),
                    Err(_) => Err(raise(
                        ErrorType::RuntimeSystemError,
                        format!("host function {n} panicked"),
                    )),
                }
            }
            CtorKind::Error(kind) => {
                let msg = argv.first().map(Value::display).unwrap_or_default();
                Ok(Value::error(kind, msg))
            }
            CtorKind::Struct(i) => {
                let Some((name, st)) = prog.checked.structs.get_index(i as usize) else {
                    return Err(raise(ErrorType::TypeError, format!("{n} is not callable")));
                };
                let fields = st
                    .fields
                    .iter()
                    .map(|(f, _)| {
                        let v = kwargs.iter().find(|(k, _)| k == f).map(|(_, v)| v.clone());
                        (f.clone(), v.unwrap_or(Value::None))
                    })
                    .collect();
                Ok(Value::Struct(Rc::new(RefCell::new(StructValue {
                    name: name.clone(),
                    fields,
                }))))
            }
            CtorKind::Record(_) => {
                let mut args: Vec<(Option<Name>, Value)> =
                    argv.into_iter().map(|v| (None, v)).collect();
                args.extend(kwargs.into_iter().map(|(k, v)| (Some(k), v)));
                Ok(Value::Record(Rc::new((n.clone(), args))))
            }
            CtorKind::Type => Err(raise(ErrorType::TypeError, format!("{n} is not callable"))),
        }
    }

    /// A call of built-in function `b` that does not wait.
    pub(super) fn builtin(
        &mut self,
        b: Builtin,
        argv: Vec<Value>,
        kwargs: Vec<(Name, Value)>,
    ) -> Res<Value> {
        let sh = self.sh.clone();
        match b {
            Builtin::Print => {
                let text: Vec<String> = argv.iter().map(Value::display).collect();
                let at = sh.sim.borrow().now();
                sh.logs.borrow_mut().push(LogLine {
                    action: self.act,
                    at,
                    text: text.join(" "),
                });
                Ok(Value::None)
            }
            Builtin::Now => Ok(Value::Duration(sh.sim.borrow().now())),
            Builtin::Attempt => Ok(Value::Int(sh.acts.borrow()[self.act].attempt() as i64)),
            Builtin::Random => {
                // splitmix64
                let mut z = sh.rng.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
                sh.rng.set(z);
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                Ok(Value::Float((z >> 11) as f64 / (1u64 << 53) as f64))
            }
            Builtin::Getenv => {
                let name = argv.first().map(Value::display).unwrap_or_default();
                let acts = sh.acts.borrow();
                let found = acts[self.act]
                    .settings
                    .env_vars
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| Value::str(v));
                Ok(found.unwrap_or_else(|| argv.get(1).cloned().unwrap_or(Value::None)))
            }
            Builtin::Secret => {
                let name = argv.first().map(Value::display).unwrap_or_default();
                let acts = sh.acts.borrow();
                if acts[self.act].settings.secrets.contains(&name) {
                    Ok(Value::str(&format!("<secret {name}>")))
                } else {
                    Err(raise(
                        ErrorType::KeyError,
                        format!("secret {name:?} is not among this environment's secrets"),
                    ))
                }
            }
            Builtin::Allocate | Builtin::Free => self.allocate(b == Builtin::Free, &argv),
            Builtin::Group => Ok(Value::Group(Rc::from(
                argv.first()
                    .map(Value::display)
                    .unwrap_or_default()
                    .as_str(),
            ))),
            Builtin::Gather => self.gather_future(argv),
            _ => {
                let kw: Vec<(&str, Value)> = kwargs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                match builtins::call(b, &argv, &kw) {
                    Some(r) => {
                        self.charge_call(&argv, &r)?;
                        r.map_err(Ctrl::raise)
                    }
                    None => Err(raise(ErrorType::TypeError, format!("{b} is not callable"))),
                }
            }
        }
    }
}
