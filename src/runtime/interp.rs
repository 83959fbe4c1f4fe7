//! The evaluator and the event loop. See the module doc of [`super`] for the shape.

use super::value::{
    Callable, DictMap, ErrorCode, ErrorValue, Key, RunCode, StructValue, Trace, TracePoint, Value,
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
mod expr;
mod limits;
mod settings;
mod work;

use super::vm::Fiber;
use actions::*;
pub(crate) use calls::{Callee, Who};
pub(crate) use effects::{Begin, Step, Waiting};
pub(crate) use event_loop::run;
use event_loop::*;
use limits::outside_limits;
pub(crate) use settings::base_settings;

/// Non-local control flow out of a statement.
pub(crate) enum Ctrl {
    /// `return`: the value waits in the frame (`Frame::ret`) until the call takes it.
    Return,
    Break,
    Continue,
    /// A raised error (catchable). Boxed, with the return value kept aside, so that `Ctrl`
    /// is two words and a statement's `Result<(), Ctrl>` comes back in registers.
    Raise(Box<Value>),
    /// The action was killed (OOM, a limit): not catchable inside the action.
    Kill(Box<ErrorValue>),
}

pub(crate) type Res<T> = Result<T, Ctrl>;
/// A call's evaluated arguments: positional, then keyword.
type Args = (Vec<Value>, Vec<(Name, Value)>);

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

/// One action attempt's (or function call's) local state.
pub(crate) struct Frame<'p> {
    pub(crate) sh: Rc<Shared<'p>>,
    pub(crate) act: usize,
    pub(crate) exec: usize,
    /// Locals by slot (see `resolve`), from `base` on: compiled calls (see [`compile`]) run
    /// in their caller's frame, on top of its locals.
    vars: Vec<Value>,
    base: usize,
    /// A `return`'s value, on its way out of the block.
    ret: Value,
    pub(crate) depth: usize,
    pub(crate) group: Option<Rc<str>>,
}

impl Drop for Frame<'_> {
    /// Gives the frame's local vector back to the run's pool, emptied.
    fn drop(&mut self) {
        let mut vars = std::mem::take(&mut self.vars);
        if vars.capacity() == 0 || vars.capacity() > 64 {
            return;
        }
        vars.clear();
        if let Ok(mut pool) = self.sh.frame_pool.try_borrow_mut() {
            if pool.len() < 1024 {
                pool.push(vars);
            }
        }
    }
}

impl<'p> Frame<'p> {
    fn new(sh: Rc<Shared<'p>>, act: usize, exec: usize, depth: usize) -> Frame<'p> {
        Frame {
            sh,
            act,
            exec,
            vars: Vec::new(),
            base: 0,
            ret: Value::None,
            depth,
            group: None,
        }
    }

    fn prog(&self) -> &'p Program {
        self.sh.prog
    }

    /// A frame of its own for an expression outside any function (a top-level `let` value or
    /// a parameter default), so its comprehension slots do not touch this frame's locals.
    fn detached(&self) -> Frame<'p> {
        let mut f = Frame::new(self.sh.clone(), self.act, self.exec, self.depth);
        f.group = self.group.clone();
        f
    }

    /// Stores a local.
    #[inline]
    fn put(&mut self, slot: Slot, v: Value) -> Res<()> {
        let Some(i) = slot.as_local() else {
            return Err(raise(
                ErrorType::RuntimeSystemError,
                "internal: a binding without a slot",
            ));
        };
        let i = self.base + i;
        if i >= self.vars.len() {
            self.vars.resize(i + 1, Value::None);
        }
        self.vars[i] = v;
        Ok(())
    }

    fn bind(&mut self, p: &Pattern, v: Value) -> Res<()> {
        match p {
            Pattern::Name(id) => self.put(id.slot, v),
            Pattern::Tuple(items, _) => {
                let parts = ops::iterate_owned(v).map_err(Ctrl::raise)?;
                if parts.len() != items.len() {
                    return Err(raise(
                        ErrorType::ValueError,
                        format!(
                            "cannot unpack {} values into {} names",
                            parts.len(),
                            items.len()
                        ),
                    ));
                }
                for (p, v) in items.iter().zip(parts) {
                    self.bind(p, v)?;
                }
                Ok(())
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Names and globals
    // -----------------------------------------------------------------------------------------

    #[inline]
    pub(crate) fn name(&mut self, n: &Name, slot: Slot) -> Res<Value> {
        if let Some(i) = slot.as_local() {
            return match self.vars.get(self.base + i) {
                Some(v) => Ok(v.clone()),
                None => Err(raise(
                    ErrorType::RuntimeSystemError,
                    format!("internal: local {n} read before it was bound"),
                )),
            };
        }
        if let Some(id) = slot.as_global() {
            if let Some(v) = &self.sh.global_ids.borrow()[id] {
                return Ok(v.clone());
            }
            let v = self.global(n)?;
            self.sh.global_ids.borrow_mut()[id] = Some(v.clone());
            return Ok(v);
        }
        self.global(n)
    }

    pub(crate) fn global(&mut self, n: &Name) -> Res<Value> {
        // Tasks, functions and constants already looked up: one lookup, no allocation.
        if let Some(v) = self.sh.globals.borrow().get(n) {
            return Ok(v.clone());
        }
        let prog = self.prog();
        if prog.checked.tasks.contains_key(n) {
            let v = Value::Callable(Rc::new(Callable::Task(n.clone(), 0)));
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
            let mut tmp = self.detached();
            let v = tmp.expr(&l.value)?;
            let names = l.pattern.names();
            if names.len() == 1 {
                self.sh.globals.borrow_mut().insert(n.clone(), v.clone());
                return Ok(v);
            }
            tmp.bind(&l.pattern, v)?;
            let prefix = n.rsplit_once('.').map(|(p, _)| p.to_string());
            for id in names {
                let val = match id.slot.as_local().and_then(|i| tmp.vars.get(tmp.base + i)) {
                    Some(v) => v.clone(),
                    None => Value::None,
                };
                let k = match &prefix {
                    Some(p) => Name::new(format!("{p}.{}", id.name)),
                    None => id.name.clone(),
                };
                self.sh.globals.borrow_mut().insert(k, val);
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
        // A built-in function by its id (a host function of the same name comes first).
        let b = Builtin::of(n).filter(|_| !prog.natives.contains_key(n));
        Ok(Value::Callable(Rc::new(match b {
            Some(b) => Callable::Builtin(b),
            None => Callable::Ctor(n.clone()),
        })))
    }

    // -----------------------------------------------------------------------------------------
    // Statements
    // -----------------------------------------------------------------------------------------

    /// A block that never waits.
    fn block_sync(&mut self, b: &'p Block) -> Res<()> {
        let mut r = Ok(());
        for s in &b.stmts {
            r = self.stmt(s);
            if r.is_err() {
                break;
            }
        }
        r
    }

    /// A statement that never waits.
    #[inline]
    fn stmt(&mut self, s: &'p Stmt) -> Res<()> {
        self.step()?;
        // Simple statements recurse only through expressions, which check the stack.
        let r = match &s.kind {
            StmtKind::Let { .. }
            | StmtKind::Assign { .. }
            | StmtKind::Expr(_)
            | StmtKind::Return(_)
            | StmtKind::Break
            | StmtKind::Continue => self.stmt_kind(s),
            _ => crate::stack::grow(|| self.stmt_kind(s)),
        };
        if let Err(c) = r {
            return Err(self.traced(c, s.span));
        }
        Ok(())
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
            _ => return c,
        };
        let frame = (self.exec, self.depth);
        if e.trace.last().is_none_or(|p| p.frame != frame) {
            let task = self.sh.acts.borrow()[self.act].fqn.clone();
            e.trace.push(TracePoint { span, task, frame });
        }
        c
    }

    fn stmt_kind(&mut self, s: &'p Stmt) -> Res<()> {
        match &s.kind {
            StmtKind::Let { pattern, value, .. } => {
                let v = self.expr(value)?;
                self.bind(pattern, v)
            }
            StmtKind::Assign { target, op, value } => {
                let v = self.expr(value)?;
                self.assign(target, *op, v)
            }
            StmtKind::Expr(e) => self.expr(e).map(|_| ()),
            StmtKind::If {
                branches,
                else_block,
            } => {
                for (c, b) in branches {
                    if self.cond(c)? {
                        return self.block_sync(b);
                    }
                }
                match else_block {
                    Some(b) => self.block_sync(b),
                    None => Ok(()),
                }
            }
            StmtKind::For {
                pattern,
                iter,
                body,
            } => {
                let items = ops::iterate_owned(self.expr(iter)?).map_err(Ctrl::raise)?;
                for item in items {
                    self.bind(pattern, item)?;
                    let r = self.block_sync(body);
                    match r {
                        Err(Ctrl::Break) => break,
                        Err(Ctrl::Continue) | Ok(()) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(())
            }
            StmtKind::While { cond, body } => {
                // Each round counts a step, so that `while true {}` meets the limits.
                while {
                    self.step()?;
                    self.cond(cond)?
                } {
                    match self.block_sync(body) {
                        Err(Ctrl::Break) => break,
                        Err(Ctrl::Continue) | Ok(()) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(())
            }
            StmtKind::Break => Err(Ctrl::Break),
            StmtKind::Continue => Err(Ctrl::Continue),
            StmtKind::Return(e) => {
                self.ret = match e {
                    Some(e) => self.expr(e)?,
                    None => Value::None,
                };
                Err(Ctrl::Return)
            }
            StmtKind::Raise(e) => {
                let v = match e {
                    Some(e) => Some(self.expr(e)?),
                    None => None,
                };
                Err(self.raise_stmt(v))
            }
            StmtKind::Try {
                body,
                handlers,
                finally,
            } => {
                let r = self.block_sync(body);
                let r = match r {
                    Err(Ctrl::Raise(err)) => match self.handler_for(handlers, &err) {
                        Some(h) => {
                            if let Some(b) = &h.binding {
                                self.put(b.slot, *err)?;
                            }
                            self.block_sync(&h.body)
                        }
                        None => Err(Ctrl::Raise(err)),
                    },
                    other => other,
                };
                match finally {
                    Some(f) => {
                        // A value being returned waits while `finally` runs (its calls may
                        // return values through this frame).
                        let returning = std::mem::replace(&mut self.ret, Value::None);
                        self.block_sync(f)?;
                        self.ret = returning;
                        r
                    }
                    None => r,
                }
            }
            StmtKind::With { context, body } => {
                let g = self.expr(context)?;
                let saved = self.group.clone();
                if let Value::Group(name) = g {
                    self.group = Some(name);
                }
                let r = self.block_sync(body);
                self.group = saved;
                r
            }
        }
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

    pub(crate) fn handler_for<'h>(
        &self,
        handlers: &'h [ExceptClause],
        err: &Value,
    ) -> Option<&'h ExceptClause> {
        let Value::Error(e) = err else { return None };
        handlers.iter().find(|h| {
            h.types.is_empty()
                || h.types
                    .iter()
                    .any(|path| types::error_derives(e.kind.name(), &path.last().unwrap().name))
        })
    }

    fn assign(&mut self, target: &'p Expr, op: AssignOp, v: Value) -> Res<()> {
        let combine = |this: &mut Self, old: Value| -> Res<Value> {
            let bin = match op {
                AssignOp::Set => return Ok(v.clone()),
                AssignOp::Add => BinOp::Add,
                AssignOp::Sub => BinOp::Sub,
                AssignOp::Mul => BinOp::Mul,
                AssignOp::Div => BinOp::Div,
            };
            let _ = this;
            this.charge_result(ops::binary(bin, &old, &v).map_err(Ctrl::raise))
        };
        match &target.kind {
            ExprKind::Name(n, slot) => {
                let old = if op == AssignOp::Set {
                    Value::None
                } else {
                    self.name(n, *slot)?
                };
                let new = combine(self, old)?;
                // The checker allows assigning locals only.
                if slot.is_local() {
                    self.put(*slot, new)?;
                }
                Ok(())
            }
            ExprKind::Index { obj, index } => {
                let o = self.expr(obj)?;
                let i = self.expr(index)?;
                let old = if op == AssignOp::Set {
                    Value::None
                } else {
                    ops::index(&o, &i).map_err(Ctrl::raise)?
                };
                let new = combine(self, old)?;
                ops::set_index(&o, &i, new).map_err(Ctrl::raise)
            }
            ExprKind::Attr { obj, name } => {
                let o = self.expr(obj)?;
                let Value::Struct(s) = &o else {
                    return Err(raise(
                        ErrorType::TypeError,
                        format!("cannot set a field of {}", o.type_name()),
                    ));
                };
                let old = if op == AssignOp::Set {
                    Value::None
                } else {
                    s.borrow()
                        .fields
                        .iter()
                        .find(|(f, _)| *f == name.name)
                        .map(|(_, v)| v.clone())
                        .unwrap_or(Value::None)
                };
                let new = combine(self, old)?;
                if let Some(slot) = s
                    .borrow_mut()
                    .fields
                    .iter_mut()
                    .find(|(f, _)| *f == name.name)
                {
                    slot.1 = new;
                }
                Ok(())
            }
            ExprKind::Tuple(items) => {
                let parts = ops::iterate(&v).map_err(Ctrl::raise)?;
                if parts.len() != items.len() {
                    return Err(raise(
                        ErrorType::ValueError,
                        format!(
                            "cannot unpack {} values into {} targets",
                            parts.len(),
                            items.len()
                        ),
                    ));
                }
                for (t, p) in items.iter().zip(parts) {
                    self.assign(t, AssignOp::Set, p)?;
                }
                Ok(())
            }
            _ => Err(raise(ErrorType::TypeError, "invalid assignment target")),
        }
    }

    fn truth(&self, v: &Value, _e: &Expr) -> Res<bool> {
        match v {
            Value::Bool(b) => Ok(*b),
            other => Ok(ops::truthy(other)),
        }
    }

    fn cond(&mut self, e: &'p Expr) -> Res<bool> {
        let v = self.expr(e)?;
        self.truth(&v, e)
    }
}

/// `module.NAME` when `obj` names an imported module: the qualified global name.
fn qualified(prog: &Program, obj: &Expr, name: &Ident) -> Option<Name> {
    match &obj.kind {
        ExprKind::Name(a, slot) if !slot.is_local() => {
            let q = format!("{a}.{}", name.name);
            prog.checked
                .locations
                .contains_key(q.as_str())
                .then(|| Name::new(q))
        }
        _ => None,
    }
}

fn ctrl_to_err(c: Ctrl) -> Value {
    match c {
        Ctrl::Raise(v) => *v,
        Ctrl::Kill(e) => Value::Error(Rc::new(*e)),
        _ => Value::error(
            ErrorType::RuntimeSystemError,
            "internal control flow escaped",
        ),
    }
}
