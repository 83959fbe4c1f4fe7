//! The run around the VM: its handle on the run (`Frame`), global values, errors' traces, and
//! (in `interp/`) the action lifecycle, the event loop, effects, calls and builtins. See the
//! module doc of [`super`] for the shape.

use super::value::{
    Callable, CtorKind, ErrorCode, ErrorValue, Key, RunCode, StructValue, Trace, TracePoint, Value,
};
use super::*;
use crate::check::builtins::Builtin;
use crate::check::types;
use crate::diagnostics::ErrorType;
use crate::sim::{self, Request};

mod actions;
mod builtin_calls;
mod calls;
mod effects;
mod event_loop;
mod limits;
mod settings;
mod value_ops;
mod work;

use super::vm::Fiber;
use actions::*;
pub(crate) use calls::{Callee, FnCall};
pub(crate) use effects::{Begin, Step, Waiting};
pub(crate) use event_loop::run;
use event_loop::*;
use limits::outside_limits;
pub(crate) use settings::base_settings;

/// How an instruction or a call fails.
pub(crate) enum Ctrl {
    /// A raised error (catchable). Boxed, so that `Ctrl` is two words and a `Res<Value>`
    /// comes back in registers.
    Raise(Box<Value>),
    /// The action was killed (OOM, a limit): not catchable inside the action.
    Kill(Box<ErrorValue>),
}

pub(crate) type Res<T> = Result<T, Ctrl>;

pub(crate) fn raise(kind: ErrorType, msg: impl Into<String>) -> Ctrl {
    Ctrl::raise(Value::error(kind, msg))
}

impl Ctrl {
    /// Raising `v`.
    #[cold]
    pub(crate) fn raise(v: Value) -> Ctrl {
        Ctrl::Raise(Box::new(v))
    }
}

/// The VM's handle on the run: the action attempt it runs in, its call depth and `with`
/// group.
pub(crate) struct Frame<'p> {
    pub(crate) sh: Rc<Shared<'p>>,
    pub(crate) act: usize,
    pub(crate) exec: usize,
    pub(crate) depth: usize,
    pub(crate) group: Option<Rc<str>>,
}

impl<'p> Frame<'p> {
    fn new(sh: Rc<Shared<'p>>, act: usize, exec: usize, depth: usize) -> Frame<'p> {
        Frame {
            sh,
            act,
            exec,
            depth,
            group: None,
        }
    }

    fn prog(&self) -> &'p Executable {
        self.sh.prog
    }

    /// Runs lowered body number `body` (a top-level `let` value, a parameter default) to its
    /// end in a frame of its own: in this one's action and group, one call deeper (within the
    /// call-depth limit, so a default that calls its own function ends; and an error's trace
    /// keeps both the value's statement and the one that needed it).
    fn run_detached(&mut self, body: u32) -> Res<Value> {
        if self.depth + 1 > self.sh.limits.max_call_depth {
            return Err(self.depth_error());
        }
        let mut f = Frame::new(self.sh.clone(), self.act, self.exec, self.depth + 1);
        f.group = self.group.clone();
        super::vm::run(&mut f, &self.sh.prog.unit, body, Vec::new())
    }

    // -----------------------------------------------------------------------------------------
    // Names and globals
    // -----------------------------------------------------------------------------------------

    /// Global name number `id` (its value cached for the run).
    #[inline]
    pub(crate) fn global_id(&mut self, id: usize) -> Res<Value> {
        if let Some(v) = &self.sh.global_ids.borrow()[id] {
            return Ok(v.clone());
        }
        let n = &self.prog().globals.names[id];
        let v = self.global(n)?;
        self.sh.global_ids.borrow_mut()[id] = Some(v.clone());
        Ok(v)
    }

    pub(crate) fn global(&mut self, n: &Name) -> Res<Value> {
        // Tasks, functions and constants already looked up: one lookup, no allocation.
        if let Some(v) = self.sh.globals.borrow().get(n) {
            return Ok(v.clone());
        }
        let prog = self.prog();
        if let Some(task) = prog.checked.tasks.get_index_of(n) {
            let v = Value::Callable(Rc::new(Callable::Task {
                name: n.clone(),
                task: task as u32,
                over: 0,
            }));
            self.sh.globals.borrow_mut().insert(n.clone(), v.clone());
            return Ok(v);
        }
        if prog.checked.fns.contains_key(n) {
            let Some(index) = prog.checked.locations.get_index_of(n) else {
                return Err(raise(
                    ErrorType::RuntimeSystemError,
                    format!("internal: no body for {n}"),
                ));
            };
            let v = Value::Callable(Rc::new(Callable::Fn(n.clone(), index as u32)));
            self.sh.globals.borrow_mut().insert(n.clone(), v.clone());
            return Ok(v);
        }
        if let Some(l) = prog.let_decl(n) {
            // Its value, lowered with its pattern: the one name's value, or a tuple of all.
            let index = prog.checked.locations.get_index_of(n).unwrap_or(usize::MAX) as u32;
            let v = self.run_detached(index)?;
            let names = l.pattern.names();
            if names.len() == 1 {
                self.sh.globals.borrow_mut().insert(n.clone(), v.clone());
                return Ok(v);
            }
            let Value::Tuple(items) = v else {
                return Err(raise(
                    ErrorType::RuntimeSystemError,
                    format!("internal: the names of {n} are not a tuple"),
                ));
            };
            let prefix = n.rsplit_once('.').map(|(p, _)| p.to_string());
            for (id, val) in names.into_iter().zip(items.iter()) {
                let k = match &prefix {
                    Some(p) => Name::new(format!("{p}.{}", id.name)),
                    None => id.name.clone(),
                };
                self.sh.globals.borrow_mut().insert(k, val.clone());
            }
            return Ok(self
                .sh
                .globals
                .borrow()
                .get(n)
                .cloned()
                .unwrap_or(Value::None));
        }
        if let Some(env) = prog.checked.envs.get(n) {
            return Ok(Value::str(&env.settings.name));
        }
        // A host function, by its index (it comes before a built-in function of its name).
        if let Some(f) = prog.natives.get_index_of(n) {
            let sig = prog.checked.natives.iter().position(|s| s.name == *n);
            let kind = CtorKind::Host {
                f: f as u32,
                sig: sig.map_or(u32::MAX, |i| i as u32),
            };
            return Ok(Value::Callable(Rc::new(Callable::Ctor(n.clone(), kind))));
        }
        // A built-in function by its id, or a constructor by what it makes.
        if let Some(b) = Builtin::of(n) {
            return Ok(Value::Callable(Rc::new(Callable::Builtin(b))));
        }
        let kind = if let Some(e) = ErrorType::from_name(n).filter(|_| types::is_error_type(n)) {
            CtorKind::Error(e)
        } else if let Some(i) = prog.checked.structs.get_index_of(n) {
            CtorKind::Struct(i as u32)
        } else if let Some(r) = types::Record::of_ctor(n) {
            CtorKind::Record(r)
        } else {
            CtorKind::Type
        };
        Ok(Value::Callable(Rc::new(Callable::Ctor(n.clone(), kind))))
    }

    /// Records in an error leaving statement `span` where it went: the first statement of this
    /// frame it leaves (where it was raised, or the call or `await` it came out of).
    #[cold]
    pub(crate) fn traced(&self, mut c: Ctrl, span: Span) -> Ctrl {
        let e = match &mut c {
            Ctrl::Raise(v) => match &mut **v {
                Value::Error(e) => Rc::make_mut(e),
                _ => return c,
            },
            Ctrl::Kill(e) => &mut **e,
        };
        let frame = (self.exec, self.depth);
        if e.trace.last().is_none_or(|p| p.frame != frame) {
            let task = self.sh.prog.task_fqn(self.sh.acts.borrow()[self.act].task);
            e.trace.push(TracePoint { span, task, frame });
        }
        c
    }

    pub(crate) fn raise_stmt(&self, v: Option<Value>) -> Ctrl {
        match v {
            Some(v @ Value::Error(_)) => Ctrl::raise(v),
            Some(other) => raise(
                ErrorType::TypeError,
                format!("exceptions must be errors, not {}", other.type_name()),
            ),
            None => raise(ErrorType::RuntimeUserError, "raise with no error"),
        }
    }
}

fn ctrl_to_err(c: Ctrl) -> Value {
    match c {
        Ctrl::Raise(v) => *v,
        Ctrl::Kill(e) => Value::Error(Rc::new(*e)),
    }
}
