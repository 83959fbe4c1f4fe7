//! Calls: what a call calls (`Callee`), its arguments bound to parameters (defaults
//! filled in), and the calls that never wait (`Frame::call_sync`).

use super::*;

impl<'p> Frame<'p> {
    /// Evaluates a call's callee and arguments (synchronously).
    #[allow(clippy::type_complexity)]
    pub(super) fn call_parts(
        &mut self,
        func: &'p Expr,
        args: &'p [Arg],
    ) -> Res<(Callee, Vec<Value>, Vec<(Name, Value)>)> {
        let callee = self.callee(func)?;
        let (argv, kwargs) = self.args(args)?;
        Ok((callee, argv, kwargs))
    }

    pub(super) fn callee(&mut self, func: &'p Expr) -> Res<Callee> {
        // `t.override(...)` and `t.aio` / `map.aio` are handled before evaluating `func`.
        if let ExprKind::Attr { obj, name } = &func.kind {
            if self.qualified(obj, name).is_none() {
                let o = self.expr(obj)?;
                return Ok(match (&o, name.name.as_str()) {
                    (Value::Callable(c), "aio") => Callee::Aio((**c).clone()),
                    (Value::Callable(c), "override") => match &**c {
                        Callable::Task(t, _) => Callee::Override(t.clone()),
                        _ => Callee::Value(self.attr(&o, &name.name)?),
                    },
                    _ => Callee::Value(self.attr(&o, &name.name)?),
                });
            }
        }
        if let ExprKind::Call { func: inner, args } = &func.kind {
            if let ExprKind::Attr { obj, name } = &inner.kind {
                if name.name == "override" {
                    if let Value::Callable(c) = self.expr(obj)? {
                        if let Callable::Task(t, _) = &*c {
                            let settings = self.override_settings(t, args)?;
                            return Ok(Callee::Task(t.clone(), Some(settings)));
                        }
                    }
                }
            }
        }
        let v = self.expr(func)?;
        Ok(match &v {
            Value::Callable(c) => match &**c {
                Callable::Task(t, 0) => Callee::Task(t.clone(), None),
                Callable::Task(t, i) => Callee::Task(t.clone(), Some(self.settings_of(t, *i))),
                _ => Callee::Value(v),
            },
            _ => Callee::Value(v),
        })
    }

    pub(super) fn args(&mut self, args: &'p [Arg]) -> Res<Args> {
        let mut argv = Vec::with_capacity(args.len());
        let mut kwargs = Vec::new();
        for a in args {
            let v = self.expr(&a.value)?;
            match &a.kind {
                ArgKind::Positional => argv.push(v),
                ArgKind::Keyword(k) => kwargs.push((k.name.clone(), v)),
                ArgKind::Spread => argv.extend(ops::iterate_owned(v).map_err(Ctrl::raise)?),
            }
        }
        Ok((argv, kwargs))
    }

    /// A call that never waits.
    pub(crate) fn call_sync(
        &mut self,
        callee: Callee,
        argv: Vec<Value>,
        kwargs: Vec<(Name, Value)>,
    ) -> Res<Value> {
        match callee {
            Callee::Task(t, settings) => {
                // An async task call gives a lazy future.
                let settings = match settings {
                    Some(s) => s,
                    None => self.task_settings(&t),
                };
                let args = self.bind_task_args(&t, argv, kwargs)?;
                Ok(self.new_future(Fut::LazyTask {
                    task: t,
                    settings,
                    args,
                }))
            }
            Callee::Aio(Callable::Task(t, index)) => {
                let settings = self.settings_of(&t, index);
                let args = self.bind_task_args(&t, argv, kwargs)?;
                Ok(self.new_future(Fut::LazyTask {
                    task: t,
                    settings,
                    args,
                }))
            }
            Callee::Aio(Callable::Builtin(Builtin::Map)) => self.map_future(argv, kwargs),
            Callee::Aio(Callable::Fn(f, _)) => {
                let args = self.bind_fn_args(&f, argv, kwargs)?;
                Ok(self.new_future(Fut::LazyFn { func: f, args }))
            }
            Callee::Aio(other) => Err(raise(
                ErrorType::TypeError,
                format!("{} has no .aio", Value::Callable(Rc::new(other)).repr()),
            )),
            // `t.override(...)` as a value (`.aio(x)` on it, kept in a variable, mapped).
            Callee::Override(t) => {
                let settings = self.override_values(&t, &kwargs)?;
                let mut table = self.sh.overrides.borrow_mut();
                table.push(settings);
                let index = u32::try_from(table.len()).expect("fewer overrides than steps");
                Ok(Value::Callable(Rc::new(Callable::Task(t, index))))
            }
            Callee::Value(v) => match &v {
                Value::Callable(c) => match &**c {
                    Callable::Fn(f, index) => {
                        let decl = self.prog().fn_at(*index).expect("checked function");
                        let args =
                            self.bind_params(&Who("function", f), &decl.params, argv, kwargs)?;
                        if decl.is_async {
                            return Ok(self.new_future(Fut::LazyFn {
                                func: f.clone(),
                                args,
                            }));
                        }
                        self.call_fn(decl, *index, args)
                    }
                    Callable::Builtin(b) => self.builtin(*b, argv, kwargs),
                    Callable::Ctor(n) => self.ctor(n, argv, kwargs),
                    Callable::Method(recv, m) => {
                        let r = builtins::method_kw(
                            recv,
                            m,
                            &argv,
                            &kwargs
                                .iter()
                                .map(|(k, v)| (k.as_str(), v.clone()))
                                .collect::<Vec<_>>(),
                        );
                        self.charge_method(recv, m, &argv, &r)?;
                        match r {
                            Some(r) => r.map_err(Ctrl::raise),
                            None => Err(raise(
                                ErrorType::TypeError,
                                format!("{} has no method {m}", recv.type_name()),
                            )),
                        }
                    }
                    Callable::Task(..) => unreachable!("tasks are Callee::Task"),
                },
                other => Err(raise(
                    ErrorType::TypeError,
                    format!("{} is not callable", other.type_name()),
                )),
            },
        }
    }

    /// The frame a call of `decl` runs in, within the call-depth limit.
    pub(super) fn callee_frame(&self, decl: &'p FnDecl, args: Vec<Value>) -> Res<Frame<'p>> {
        if self.depth + 1 > self.sh.limits.max_call_depth {
            return Err(self.depth_error());
        }
        let mut f = Frame::new(self.sh.clone(), self.act, self.exec, self.depth + 1);
        f.group = self.group.clone();
        f.vars = args;
        f.vars.resize(decl.frame_size as usize, Value::None);
        Ok(f)
    }

    /// Calls plain function number `index` (`decl`) that never waits: on the VM (see
    /// [`super::vm`]), or in the walker when the run chose it.
    pub(super) fn call_fn(&mut self, decl: &'p FnDecl, index: u32, args: Vec<Value>) -> Res<Value> {
        let prog: &'p Program = self.sh.prog;
        if !self.sh.vm || prog.vm_body(index).is_none() {
            return self.call_fn_sync(decl, args);
        }
        if self.depth + 1 > self.sh.limits.max_call_depth {
            return Err(self.depth_error());
        }
        self.depth += 1;
        let r = super::vm::run(self, &prog.unit, index, args);
        self.depth -= 1;
        r
    }

    pub(crate) fn call_fn_sync(&mut self, decl: &'p FnDecl, args: Vec<Value>) -> Res<Value> {
        let mut f = self.callee_frame(decl, args)?;
        match f.block_sync(&decl.body) {
            Ok(()) => Ok(Value::None),
            Err(Ctrl::Return) => Ok(std::mem::replace(&mut f.ret, Value::None)),
            Err(e) => Err(e),
        }
    }

    /// Arguments in parameter order, with defaults filled in.
    pub(super) fn bind_params(
        &mut self,
        what: &Who<'_>,
        params: &'p [crate::syntax::ast::Param],
        argv: Vec<Value>,
        kwargs: Vec<(Name, Value)>,
    ) -> Res<Vec<Value>> {
        if kwargs.is_empty() && argv.len() == params.len() {
            return Ok(argv);
        }
        let mut out: Vec<Option<Value>> = vec![None; params.len()];
        if argv.len() > params.len() {
            return Err(raise(
                ErrorType::TypeError,
                format!(
                    "{what} takes {} arguments, {} given",
                    params.len(),
                    argv.len()
                ),
            ));
        }
        for (i, v) in argv.into_iter().enumerate() {
            out[i] = Some(v);
        }
        for (k, v) in kwargs {
            match params.iter().position(|p| p.name.name == k) {
                Some(i) => out[i] = Some(v),
                None => {
                    return Err(raise(
                        ErrorType::TypeError,
                        format!("{what} has no parameter {k}"),
                    ))
                }
            }
        }
        let mut vals = Vec::with_capacity(params.len());
        for (p, v) in params.iter().zip(out) {
            vals.push(match v {
                Some(v) => v,
                None => match &p.default {
                    Some(d) => self.detached().expr(d)?,
                    None => {
                        return Err(raise(
                            ErrorType::TypeError,
                            format!("{what} is missing argument {}", p.name.name),
                        ))
                    }
                },
            });
        }
        Ok(vals)
    }

    pub(super) fn bind_fn_args(
        &mut self,
        f: &Name,
        argv: Vec<Value>,
        kwargs: Vec<(Name, Value)>,
    ) -> Res<Vec<Value>> {
        let decl = self.prog().fn_decl(f).expect("checked function");
        self.bind_params(&Who("function", f), &decl.params, argv, kwargs)
    }

    pub(super) fn bind_task_args(
        &mut self,
        t: &Name,
        argv: Vec<Value>,
        kwargs: Vec<(Name, Value)>,
    ) -> Res<Vec<Value>> {
        let Some(decl) = self.prog().task_decl(t) else {
            // A host task: arguments in its Rust signature's order.
            let params = &self.prog().checked.tasks[t].params;
            let n = params.len();
            let given = argv.len() + kwargs.len();
            let argv = host_args(params, argv, kwargs);
            if argv.len() != n || given != n {
                return Err(raise(
                    ErrorType::TypeError,
                    format!("host task {t} takes {n} positional arguments"),
                ));
            }
            return Ok(argv.iter().map(Value::deep_copy).collect());
        };
        let vals = self.bind_params(&Who("task", t), &decl.params, argv, kwargs)?;
        // Value semantics across the task boundary, ints widened where floats are declared.
        let checked = &self.prog().checked;
        let params = &checked.tasks[t].params;
        Ok(vals
            .iter()
            .zip(params)
            .map(|(v, p)| {
                let mut v = v.deep_copy();
                super::convert::widen_to(&mut v, &p.ty, checked);
                v
            })
            .collect())
    }

    pub(crate) fn new_future(&self, f: Fut) -> Value {
        let mut futs = self.sh.futs.borrow_mut();
        futs.push(f);
        Value::Future(futs.len() as u32 - 1)
    }
}

/// Names a callee in messages, formatted only when a message is made.
pub(crate) struct Who<'a>(pub(super) &'static str, pub(super) &'a Name);

impl std::fmt::Display for Who<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.0, self.1)
    }
}

/// What a call expression calls.
pub(crate) enum Callee {
    /// A task call, with override settings.
    Task(Name, Option<Rc<ActSettings>>),
    /// `x.aio(...)`
    Aio(Callable),
    /// `t.override` not yet called with settings.
    Override(Name),
    Value(Value),
}
