//! Values that outlive their run: the REPL keeps its variables between inputs, each input
//! being a run of its own, and no value, of any type, may be lost or break the next input.
//!
//! Most values stand alone. Two kinds point into their run's tables: a future
//! ([`Value::Future`], an index into the table of futures) and an overridden task
//! ([`Callable::Task`] with an override index, into the table of override settings); and a
//! function or task value holds its index among the program's functions or tasks, which the
//! next input's program may number differently (it is found again by name). So at the end of
//! a run that carries values, `detach` copies what the kept values reach into a [`Carried`]
//! (renumbered from 0, a finished action's future becoming its result), and the next run
//! starts with those tables (`attach`).

use super::value::{Callable, DictMap, ErrorValue, StructValue, Trace, Value};
use super::{ActSettings, Fut, Shared};
use crate::syntax::ast::Name;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// The futures and override settings that kept values refer to, and the kept values.
#[derive(Default)]
pub struct Carried {
    futs: Vec<Fut>,
    /// For each future, the task or function a lazy one calls, by name: the next input's
    /// program may number it differently.
    callees: Vec<Option<Name>>,
    overrides: Vec<Rc<ActSettings>>,
    /// The arguments the run was given, as they were at its end, renumbered like the result:
    /// what a session keeps when the run failed.
    pub args: Vec<Value>,
}

impl std::fmt::Debug for Carried {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Carried({} futures, {} overrides)",
            self.futs.len(),
            self.overrides.len()
        )
    }
}

/// Starts a run with the tables `carried` holds (taking them), and renumbers the function
/// values among `args` for this run's program.
pub(crate) fn attach(sh: &Shared<'_>, carried: &mut Carried, args: &mut [(Name, Value)]) {
    let mut fix = Renumber::for_program(sh);
    for (_, v) in args.iter_mut() {
        *v = fix.value(v);
    }
    let callees = std::mem::take(&mut carried.callees);
    let futs: Vec<Fut> = std::mem::take(&mut carried.futs)
        .into_iter()
        .zip(callees.into_iter().chain(std::iter::repeat(None)))
        .map(|(f, callee)| fix.fut_in_place(f, callee.as_ref()))
        .collect();
    *sh.futs.borrow_mut() = futs;
    *sh.overrides.borrow_mut() = std::mem::take(&mut carried.overrides);
}

/// At the end of a run: copies what `args` and `result` reach into `into`, and returns the
/// result with its futures and overrides renumbered for the next run.
pub(crate) fn detach(
    sh: &Shared<'_>,
    into: &mut Carried,
    args: &[Value],
    result: Option<&Value>,
) -> Option<Value> {
    let mut r = Renumber::from_run(sh);
    into.args = args.iter().map(|v| r.value(v)).collect();
    let result = result.map(|v| r.value(v));
    into.futs = r.futs.into_iter().map(|f| f.expect("filled")).collect();
    into.callees = r.callees;
    into.overrides = r.overrides;
    result
}

/// Copies values (sharing and cycles kept), moving what they point to into new tables.
struct Renumber<'s, 'p> {
    sh: &'s Shared<'p>,
    /// `false` when attaching: futures keep their numbers; only function indices change.
    detaching: bool,
    copies: HashMap<usize, Value>,
    fut_ids: HashMap<u32, u32>,
    futs: Vec<Option<Fut>>,
    /// Parallel to `futs`: what a lazy one calls, by name.
    callees: Vec<Option<Name>>,
    override_ids: HashMap<u32, u32>,
    overrides: Vec<Rc<ActSettings>>,
}

impl<'s, 'p> Renumber<'s, 'p> {
    fn from_run(sh: &'s Shared<'p>) -> Self {
        Renumber {
            sh,
            detaching: true,
            copies: HashMap::new(),
            fut_ids: HashMap::new(),
            futs: Vec::new(),
            callees: Vec::new(),
            override_ids: HashMap::new(),
            overrides: Vec::new(),
        }
    }

    fn for_program(sh: &'s Shared<'p>) -> Self {
        Renumber {
            detaching: false,
            ..Renumber::from_run(sh)
        }
    }

    fn values(&mut self, vs: &[Value]) -> Vec<Value> {
        vs.iter().map(|v| self.value(v)).collect()
    }

    fn value(&mut self, v: &Value) -> Value {
        crate::stack::grow(|| self.value_here(v))
    }

    fn value_here(&mut self, v: &Value) -> Value {
        let key = match v {
            Value::List(l) => Rc::as_ptr(l) as *const u8 as usize,
            Value::Dict(d) => Rc::as_ptr(d) as *const u8 as usize,
            Value::Struct(s) => Rc::as_ptr(s) as *const u8 as usize,
            Value::Future(i) => return Value::Future(self.future(*i)),
            Value::Callable(c) => return self.callable(c),
            Value::Tuple(t) => return Value::tuple(self.values(t)),
            Value::Error(e) => return Value::Error(self.error(e)),
            Value::Record(r) => {
                let args =
                    r.1.iter()
                        .map(|(k, v)| (k.clone(), self.value(v)))
                        .collect();
                return Value::Record(Rc::new((r.0.clone(), args)));
            }
            other => return other.clone(),
        };
        if let Some(done) = self.copies.get(&key) {
            return done.clone();
        }
        // The empty copy is known before its items are copied, so a cycle ends at it.
        match v {
            Value::List(l) => {
                let new = Rc::new(RefCell::new(Vec::new()));
                self.copies.insert(key, Value::List(new.clone()));
                let items = self.values(&l.borrow());
                *new.borrow_mut() = items;
                Value::List(new)
            }
            Value::Dict(d) => {
                let new = Rc::new(RefCell::new(DictMap::default()));
                self.copies.insert(key, Value::Dict(new.clone()));
                let entries: Vec<_> = d
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let entries: DictMap = entries
                    .into_iter()
                    .map(|(k, v)| (k, self.value(&v)))
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
                self.copies.insert(key, Value::Struct(new.clone()));
                let fields: Vec<_> = s.borrow().fields.clone();
                let fields = fields
                    .into_iter()
                    .map(|(n, v)| (n, self.value(&v)))
                    .collect();
                new.borrow_mut().fields = fields;
                Value::Struct(new)
            }
            _ => unreachable!("containers only"),
        }
    }

    /// An error without its trace: the trace's places are in the source of the run that
    /// raised it, which the next input's program does not share.
    fn error(&mut self, e: &Rc<ErrorValue>) -> Rc<ErrorValue> {
        if !self.detaching || e.trace.is_empty() {
            return e.clone();
        }
        Rc::new(ErrorValue {
            trace: Trace::new(),
            ..(**e).clone()
        })
    }

    fn callable(&mut self, c: &Rc<Callable>) -> Value {
        let new = match &**c {
            Callable::Task { name, task, over } if *over > 0 && self.detaching => {
                let i = *over;
                let n = match self.override_ids.get(&i) {
                    Some(&n) => n,
                    None => {
                        let settings = self.sh.overrides.borrow()[i as usize - 1].clone();
                        self.overrides.push(settings);
                        let n = self.overrides.len() as u32;
                        self.override_ids.insert(i, n);
                        n
                    }
                };
                Callable::Task {
                    name: name.clone(),
                    task: *task,
                    over: n,
                }
            }
            Callable::Task { name, task, over } if !self.detaching => {
                let index = self.sh.prog.checked.tasks.get_index_of(name);
                Callable::Task {
                    name: name.clone(),
                    task: index.map_or(*task, |x| x as u32),
                    over: *over,
                }
            }
            Callable::Fn(f, i) if !self.detaching => {
                let index = self.sh.prog.checked.locations.get_index_of(f);
                Callable::Fn(f.clone(), index.map_or(*i, |x| x as u32))
            }
            Callable::Method(receiver, name) => {
                Callable::Method(Box::new(self.value(receiver)), name.clone())
            }
            _ => return Value::Callable(c.clone()),
        };
        Value::Callable(Rc::new(new))
    }

    fn future(&mut self, i: u32) -> u32 {
        if !self.detaching {
            return i;
        }
        if let Some(&n) = self.fut_ids.get(&i) {
            return n;
        }
        let n = self.futs.len() as u32;
        self.fut_ids.insert(i, n);
        self.futs.push(None);
        self.callees.push(None);
        let placeholder = Fut::Done(Value::None);
        let old = match self.sh.futs.borrow_mut().get_mut(i as usize) {
            Some(f) => std::mem::replace(f, placeholder),
            None => placeholder,
        };
        let new = self.fut(&old);
        let prog = self.sh.prog;
        let callee = match &old {
            Fut::LazyTask { task, .. } => Some(prog.task_name(*task).clone()),
            Fut::LazyFn { func, .. } => prog
                .checked
                .locations
                .get_index(*func as usize)
                .map(|(k, _)| k.clone()),
            _ => None,
        };
        self.callees[n as usize] = callee;
        // Put it back: the run's own table is read until the run is dropped.
        if let Some(f) = self.sh.futs.borrow_mut().get_mut(i as usize) {
            *f = old;
        }
        self.futs[n as usize] = Some(new);
        n
    }

    /// A future of the ending run as one the next run can hold.
    fn fut(&mut self, f: &Fut) -> Fut {
        match f {
            Fut::LazyTask {
                task,
                settings,
                args,
            } => Fut::LazyTask {
                task: *task,
                settings: settings.clone(),
                args: self.values(args).into(),
            },
            Fut::LazyFn { func, args } => Fut::LazyFn {
                func: *func,
                args: self.values(args).into_boxed_slice(),
            },
            Fut::Started(act) => {
                let result = self
                    .sh
                    .acts
                    .borrow()
                    .get(*act)
                    .and_then(|a| a.result.clone());
                match result {
                    Some(Ok(v)) => Fut::Done(self.value(&v)),
                    Some(Err(e)) => Fut::Failed(Value::Error(self.error(&e))),
                    None => Fut::Failed(Value::error(
                        crate::diagnostics::ErrorType::CancelledError,
                        "the action was still running when its input ended",
                    )),
                }
            }
            Fut::Gather { futs, tuple } => Fut::Gather {
                futs: futs.iter().map(|&i| self.future(i)).collect(),
                tuple: *tuple,
            },
            Fut::Map(m) => Fut::Map(Box::new(m.with_calls(|c| self.values(c)))),
            Fut::Done(v) => Fut::Done(self.value(v)),
            Fut::Failed(v) => Fut::Failed(self.value(v)),
        }
    }

    /// When attaching: the function values inside a carried future, and the task or function
    /// a lazy one calls (`callee`), renumbered for this run's program.
    fn fut_in_place(&mut self, f: Fut, callee: Option<&Name>) -> Fut {
        let prog = self.sh.prog;
        let gone = |n: Option<&Name>| {
            let n = n.map_or("", |n| n.as_str());
            Fut::Failed(Value::error(
                crate::diagnostics::ErrorType::RuntimeUserError,
                format!("{n} is no longer declared"),
            ))
        };
        match f {
            Fut::LazyTask { settings, args, .. } => {
                match callee.and_then(|n| prog.checked.tasks.get_index_of(n)) {
                    Some(task) => Fut::LazyTask {
                        task: task as u32,
                        settings,
                        args: self.values(&args).into(),
                    },
                    None => gone(callee),
                }
            }
            Fut::LazyFn { args, .. } => {
                match callee.and_then(|n| prog.checked.locations.get_index_of(n)) {
                    Some(func) => Fut::LazyFn {
                        func: func as u32,
                        args: self.values(&args).into_boxed_slice(),
                    },
                    None => gone(callee),
                }
            }
            Fut::Map(m) => Fut::Map(Box::new(m.with_calls(|c| self.values(c)))),
            Fut::Done(v) => Fut::Done(self.value(&v)),
            other => other,
        }
    }
}
