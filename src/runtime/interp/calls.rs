//! Calls: what a call calls (`Callee`), its arguments bound to parameters (defaults
//! filled in, each run on the VM), and the calls that never wait (`Frame::call_sync`).

use super::*;

impl<'p> Frame<'p> {
    /// A call that never waits.
    pub(crate) fn call_sync(
        &mut self,
        callee: Callee,
        argv: Vec<Value>,
        kwargs: Vec<(Name, Value)>,
    ) -> Res<Value> {
        match callee {
            Callee::Task(task, settings) => {
                // An async task call gives a lazy future.
                let settings = match settings {
                    Some(s) => s,
                    None => self.task_settings(task),
                };
                let args = self.bind_task_args(task, argv, kwargs)?;
                Ok(self.new_future(Fut::LazyTask {
                    task,
                    settings,
                    args: args.into(),
                }))
            }
            Callee::Aio(Callable::Task { task, over, .. }) => {
                let settings = self.settings_of(task, over);
                let args = self.bind_task_args(task, argv, kwargs)?;
                Ok(self.new_future(Fut::LazyTask {
                    task,
                    settings,
                    args: args.into(),
                }))
            }
            Callee::Aio(Callable::Builtin(Builtin::Map)) => self.map_future(argv, kwargs),
            Callee::Aio(Callable::Fn(f, index)) => {
                let args = self.bind_fn_args(&f, index, argv, kwargs)?;
                Ok(self.new_future(Fut::LazyFn {
                    func: index,
                    args: args.into_boxed_slice(),
                }))
            }
            Callee::Aio(other) => Err(raise(
                ErrorType::TypeError,
                format!("{} has no .aio", Value::Callable(Rc::new(other)).repr()),
            )),
            // `t.override(...)` as a value (`.aio(x)` on it, kept in a variable, mapped).
            Callee::Override(task) => {
                let settings = self.override_values(task, &kwargs)?;
                let mut table = self.sh.overrides.borrow_mut();
                table.push(settings);
                let over = u32::try_from(table.len()).expect("fewer overrides than steps");
                let name = self.prog().task_name(task).clone();
                Ok(Value::Callable(Rc::new(Callable::Task {
                    name,
                    task,
                    over,
                })))
            }
            Callee::Value(v) => match &v {
                Value::Callable(c) => match &**c {
                    Callable::Fn(f, index) => match self.fn_call(f, *index, argv, kwargs)? {
                        FnCall::Args(args) => self.call_fn(*index, args),
                        FnCall::Future(fut) => Ok(fut),
                    },
                    Callable::Builtin(b) => self.builtin(*b, argv, kwargs),
                    Callable::Ctor(n, kind) => self.ctor(n, *kind, argv, kwargs),
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
                    Callable::Task { .. } => unreachable!("tasks are Callee::Task"),
                },
                other => Err(raise(
                    ErrorType::TypeError,
                    format!("{} is not callable", other.type_name()),
                )),
            },
        }
    }

    /// A call of plain function `f`, number `index`: its arguments bound to its parameters,
    /// or, for an async fn, the lazy future the call gives.
    pub(super) fn fn_call(
        &mut self,
        f: &Name,
        index: u32,
        argv: Vec<Value>,
        kwargs: Vec<(Name, Value)>,
    ) -> Res<FnCall> {
        let args = self.bind_fn_args(f, index, argv, kwargs)?;
        let is_async = self.prog().fn_at(index).is_some_and(|d| d.is_async);
        Ok(match is_async {
            true => FnCall::Future(self.new_future(Fut::LazyFn {
                func: index,
                args: args.into_boxed_slice(),
            })),
            false => FnCall::Args(args),
        })
    }

    /// Calls plain function number `index` (one that never waits) on the VM, to its end.
    pub(super) fn call_fn(&mut self, index: u32, args: Vec<Value>) -> Res<Value> {
        let prog: &'p Executable = self.sh.prog;
        if self.depth + 1 > self.sh.limits.max_call_depth {
            return Err(self.depth_error());
        }
        self.depth += 1;
        let r = super::vm::run(self, &prog.unit, index, args);
        self.depth -= 1;
        r
    }

    /// Arguments in parameter order, with defaults filled in: `params` are those of declared
    /// name number `index`, whose defaults are lowered bodies.
    pub(super) fn bind_params(
        &mut self,
        what: &Who<'_>,
        index: u32,
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
        for (i, (p, v)) in params.iter().zip(out).enumerate() {
            vals.push(match v {
                Some(v) => v,
                None => match self.sh.prog.unit.default_of(index, i) {
                    Some(d) => self.run_detached(d)?,
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

    /// The arguments of a call of plain function `f`, number `index`, in parameter order.
    pub(super) fn bind_fn_args(
        &mut self,
        f: &Name,
        index: u32,
        argv: Vec<Value>,
        kwargs: Vec<(Name, Value)>,
    ) -> Res<Vec<Value>> {
        let decl = self.prog().fn_at(index).expect("checked function");
        self.bind_params(&Who("function", f), index, &decl.params, argv, kwargs)
    }

    /// The arguments of a call of task number `task` (among the checked tasks), in
    /// parameter order (copied, as flyte-sdk serializes each input).
    pub(crate) fn bind_task_args(
        &mut self,
        task: u32,
        argv: Vec<Value>,
        kwargs: Vec<(Name, Value)>,
    ) -> Res<Vec<Value>> {
        let prog = self.prog();
        let Some((t, info)) = prog.checked.tasks.get_index(task as usize) else {
            return Err(raise(
                ErrorType::RuntimeSystemError,
                format!("internal: no task number {task}"),
            ));
        };
        let Some((index, decl)) = prog.task_decl_at(task) else {
            // A host task: arguments in its Rust signature's order.
            let params = &info.params;
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
        let vals = self.bind_params(&Who("task", t), index, &decl.func.params, argv, kwargs)?;
        // Value semantics across the task boundary, ints widened where floats are declared.
        let checked = &prog.checked;
        let args = vals
            .iter()
            .zip(&info.params)
            .map(|(v, p)| {
                let mut v = v.deep_copy();
                super::convert::widen_to(&mut v, &p.ty, checked);
                v
            })
            .collect();
        Ok(args)
    }

    pub(crate) fn new_future(&self, f: Fut) -> Value {
        let mut futs = self.sh.futs.borrow_mut();
        futs.push(f);
        Value::Future(futs.len() as u32 - 1)
    }
}

/// Names a callee in messages, formatted only when a message is made.
pub(super) struct Who<'a>(pub(super) &'static str, pub(super) &'a Name);

impl std::fmt::Display for Who<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.0, self.1)
    }
}

/// What a call of a plain function comes to (see [`Frame::fn_call`]).
pub(crate) enum FnCall {
    /// A function's arguments, in parameter order: run its body.
    Args(Vec<Value>),
    /// An async fn's lazy future.
    Future(Value),
}

/// What a call expression calls.
pub(crate) enum Callee {
    /// A call of task number `0` (among the checked tasks), with override settings.
    Task(u32, Option<Rc<ActSettings>>),
    /// `x.aio(...)`
    Aio(Callable),
    /// `t.override` of task number `0`, not yet called with settings.
    Override(u32),
    Value(Value),
}
