//! The evaluator and the event loop. See the module doc of [`super`] for the shape.

use super::value::{
    Callable, DictMap, ErrorCode, ErrorValue, Key, RunCode, StructValue, Trace, TracePoint, Value,
};
use super::*;
use crate::check::config::quantity;
use crate::check::types;
use crate::diagnostics::ErrorType;
use crate::sim::{self, Request};
use std::task::{Context, Poll};

mod actions;
mod event_loop;
mod work;

use actions::*;
pub(crate) use event_loop::run;
use event_loop::*;

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
type LocalFut<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

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

/// A future that is pending once: the body parks, the loop polls it again later.
struct Park(bool);

impl Future for Park {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
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

macro_rules! ev {
    ($self:ident, $e:expr) => {
        if $self.sh.prog.suspends.expr($e) {
            $self.expr_async($e).await
        } else {
            $self.expr($e)
        }
    };
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

    #[inline]
    pub(crate) fn step(&self) -> Res<()> {
        let n = self.sh.steps.get() + 1;
        self.sh.steps.set(n);
        if n < self.sh.next_check.get() {
            return Ok(());
        }
        self.step_check(n)
    }

    /// Every 1,024 steps, and at the step limit: the limits.
    #[cold]
    #[inline(never)]
    pub(crate) fn step_check(&self, n: u64) -> Res<()> {
        let next = (n / 1024 + 1) * 1024;
        self.sh.next_check.set(
            next.min(
                self.sh
                    .limits
                    .max_steps
                    .map_or(u64::MAX, |m| m.saturating_add(1)),
            ),
        );
        if let Some(max) = self.sh.limits.max_steps {
            if n > max {
                return Err(self.limit(
                    RunCode::Steps,
                    format!("the run passed its limit of {max} steps"),
                ));
            }
        }
        {
            if let Some(e) = outside_limits(&self.sh) {
                *self.sh.limit_error.borrow_mut() = Some(e.clone());
                return Err(Ctrl::Kill(Box::new(e)));
            }
        }
        Ok(())
    }

    /// Stops the run at a limit: a `LimitExceededError` with the limit's own code.
    fn limit(&self, code: RunCode, msg: String) -> Ctrl {
        let e = ErrorValue::run(code, msg);
        *self.sh.limit_error.borrow_mut() = Some(e.clone());
        Ctrl::Kill(Box::new(e))
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
        Ok(Value::Callable(Rc::new(Callable::Builtin(n.clone()))))
    }

    // -----------------------------------------------------------------------------------------
    // Statements
    // -----------------------------------------------------------------------------------------

    /// Runs a block's statements in a new scope.
    fn block<'a>(&'a mut self, b: &'p Block) -> LocalFut<'a, Res<()>> {
        Box::pin(async move {
            let mut r = Ok(());
            for s in &b.stmts {
                r = if self.prog().suspends.stmt(s) {
                    self.stmt_async(s).await
                } else {
                    self.stmt(s)
                };
                if r.is_err() {
                    break;
                }
            }
            r
        })
    }

    /// A block known not to suspend.
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

    /// A statement that does not suspend.
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

    /// A statement that may suspend.
    fn stmt_async<'a>(&'a mut self, s: &'p Stmt) -> LocalFut<'a, Res<()>> {
        Box::pin(async move {
            self.step()?;
            let r = self.stmt_async_kind(s).await;
            r.map_err(|c| self.traced(c, s.span))
        })
    }

    async fn stmt_async_kind(&mut self, s: &'p Stmt) -> Res<()> {
        match &s.kind {
            StmtKind::Let { pattern, value, .. } => {
                let v = ev!(self, value)?;
                self.bind(pattern, v)
            }
            StmtKind::Assign { target, op, value } => {
                let v = ev!(self, value)?;
                self.assign(target, *op, v)
            }
            StmtKind::Expr(e) => ev!(self, e).map(|_| ()),
            StmtKind::If {
                branches,
                else_block,
            } => {
                for (c, b) in branches {
                    let v = ev!(self, c)?;
                    if self.truth(&v, c)? {
                        return self.block(b).await;
                    }
                }
                match else_block {
                    Some(b) => self.block(b).await,
                    None => Ok(()),
                }
            }
            StmtKind::For {
                pattern,
                iter,
                body,
            } => {
                let it = ev!(self, iter)?;
                let items = ops::iterate_owned(it).map_err(Ctrl::raise)?;
                for item in items {
                    self.bind(pattern, item)?;
                    let r = self.block(body).await;
                    match r {
                        Err(Ctrl::Break) => break,
                        Err(Ctrl::Continue) | Ok(()) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(())
            }
            StmtKind::While { cond, body } => {
                loop {
                    self.step()?;
                    let c = ev!(self, cond)?;
                    if !self.truth(&c, cond)? {
                        break;
                    }
                    match self.block(body).await {
                        Err(Ctrl::Break) => break,
                        Err(Ctrl::Continue) | Ok(()) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(())
            }
            StmtKind::Return(e) => {
                self.ret = match e {
                    Some(e) => ev!(self, e)?,
                    None => Value::None,
                };
                Err(Ctrl::Return)
            }
            StmtKind::Raise(e) => {
                let v = match e {
                    Some(e) => Some(ev!(self, e)?),
                    None => None,
                };
                Err(self.raise_stmt(v))
            }
            StmtKind::Try {
                body,
                handlers,
                finally,
            } => {
                let r = self.block(body).await;
                let r = match r {
                    Err(Ctrl::Raise(err)) => match self.handler_for(handlers, &err) {
                        Some(h) => {
                            if let Some(b) = &h.binding {
                                self.put(b.slot, *err)?;
                            }
                            self.block(&h.body).await
                        }
                        None => Err(Ctrl::Raise(err)),
                    },
                    other => other,
                };
                match finally {
                    Some(f) => {
                        let returning = std::mem::replace(&mut self.ret, Value::None);
                        self.block(f).await?;
                        self.ret = returning;
                        r
                    }
                    None => r,
                }
            }
            StmtKind::With { context, body } => {
                let g = ev!(self, context)?;
                let saved = self.group.clone();
                if let Value::Group(name) = g {
                    self.group = Some(name);
                }
                let r = self.block(body).await;
                self.group = saved;
                r
            }
            StmtKind::Break | StmtKind::Continue => self.stmt(s),
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

    // -----------------------------------------------------------------------------------------
    // Expressions
    // -----------------------------------------------------------------------------------------

    /// An expression that does not suspend.
    #[inline]
    fn expr(&mut self, e: &'p Expr) -> Res<Value> {
        // Leaves first: they never recurse, so they need no stack check.
        match &e.kind {
            ExprKind::Name(n, slot) => self.name(n, *slot),
            ExprKind::Int(i) => Ok(Value::Int(*i)),
            _ => crate::stack::grow(|| self.expr_inner(e)),
        }
    }

    fn expr_inner(&mut self, e: &'p Expr) -> Res<Value> {
        Ok(match &e.kind {
            ExprKind::Int(i) => Value::Int(*i),
            ExprKind::Float(f) => Value::Float(*f),
            ExprKind::Duration(d) => Value::Duration(*d),
            ExprKind::Str(s) => Value::str(s),
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::None => Value::None,
            ExprKind::Name(n, slot) => self.name(n, *slot)?,
            ExprKind::FString(parts) => {
                let mut out = String::new();
                for p in parts {
                    match p {
                        FStringPart::Text(t) => out.push_str(t),
                        FStringPart::Field { expr, spec } => {
                            let v = self.expr(expr)?;
                            self.format_field(&mut out, &v, spec.as_deref())?;
                        }
                    }
                }
                ops::check_len(Some(out.len())).map_err(Ctrl::raise)?;
                Value::str(&out)
            }
            ExprKind::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.expr(i)?);
                }
                Value::list(out)
            }
            ExprKind::Tuple(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.expr(i)?);
                }
                Value::tuple(out)
            }
            ExprKind::Dict(entries) => {
                let mut out = DictMap::with_capacity_and_hasher(entries.len(), Default::default());
                for (k, v) in entries {
                    let k = self.expr(k)?;
                    let v = self.expr(v)?;
                    out.insert(self.key(&k)?, v);
                }
                Value::dict(out)
            }
            ExprKind::ListComp { elt, clauses } => {
                let mut out = Vec::new();
                let r = self.comp(clauses, 0, &mut |f: &mut Self| {
                    let v = f.expr(elt)?;
                    out.push(v);
                    Ok(())
                });
                r?;
                Value::list(out)
            }
            ExprKind::DictComp {
                key,
                value,
                clauses,
            } => {
                let mut out = DictMap::default();
                let r = self.comp(clauses, 0, &mut |f: &mut Self| {
                    let k = f.expr(key)?;
                    let v = f.expr(value)?;
                    let k = f.key(&k)?;
                    out.insert(k, v);
                    Ok(())
                });
                r?;
                Value::dict(out)
            }
            ExprKind::Unary { op, operand } => {
                let v = self.expr(operand)?;
                self.unary(*op, v)?
            }
            ExprKind::Binary {
                op: BinOp::And,
                lhs,
                rhs,
            } => {
                let l = self.expr(lhs)?;
                if !self.truth(&l, lhs)? {
                    return Ok(Value::Bool(false));
                }
                let r = self.expr(rhs)?;
                Value::Bool(self.truth(&r, rhs)?)
            }
            ExprKind::Binary {
                op: BinOp::Or,
                lhs,
                rhs,
            } => {
                let l = self.expr(lhs)?;
                if self.truth(&l, lhs)? {
                    return Ok(Value::Bool(true));
                }
                let r = self.expr(rhs)?;
                Value::Bool(self.truth(&r, rhs)?)
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let l = self.expr(lhs)?;
                let r = self.expr(rhs)?;
                self.charge_result(ops::binary(*op, &l, &r).map_err(Ctrl::raise))?
            }
            ExprKind::Compare { first, rest } => {
                let mut left = self.expr(first)?;
                for (op, right) in rest {
                    let r = self.expr(right)?;
                    self.charge_compare(*op, &r)?;
                    if !ops::compare(*op, &left, &r).map_err(Ctrl::raise)? {
                        return Ok(Value::Bool(false));
                    }
                    left = r;
                }
                Value::Bool(true)
            }
            ExprKind::IfElse {
                cond,
                then,
                otherwise,
            } => {
                if self.cond(cond)? {
                    self.expr(then)?
                } else {
                    self.expr(otherwise)?
                }
            }
            ExprKind::Await(_) => {
                return Err(raise(
                    ErrorType::RuntimeSystemError,
                    "internal: await evaluated synchronously",
                ))
            }
            ExprKind::Call { func, args } => {
                if let Some(v) = self.direct_call(func, args)? {
                    return Ok(v);
                }
                let (callee, argv, kwargs) = self.call_parts(func, args)?;
                let v = self.call_sync(callee, argv, kwargs)?;
                self.mark_gather_tuple(func, args, &v);
                v
            }
            ExprKind::Attr { obj, name } => {
                if let Some(q) = self.qualified(obj, name) {
                    return self.global(&q);
                }
                let o = self.expr(obj)?;
                self.attr(&o, &name.name)?
            }
            ExprKind::Index { obj, index } => {
                let o = self.expr(obj)?;
                let i = self.expr(index)?;
                ops::index(&o, &i).map_err(Ctrl::raise)?
            }
            ExprKind::Slice {
                obj,
                start,
                stop,
                step,
            } => {
                let o = self.expr(obj)?;
                let mut bound = |b: &'p Option<Box<Expr>>| -> Res<Option<i64>> {
                    match b {
                        None => Ok(None),
                        Some(e) => match self.expr(e)? {
                            Value::Int(i) => Ok(Some(i)),
                            Value::None => Ok(None),
                            other => Err(raise(
                                ErrorType::TypeError,
                                format!("slice indices must be int, not {}", other.type_name()),
                            )),
                        },
                    }
                };
                let (a, b, c) = (bound(start)?, bound(stop)?, bound(step)?);
                ops::slice(&o, a, b, c).map_err(Ctrl::raise)?
            }
        })
    }

    /// The common call `f(a, b)` of a plain function by name with all its arguments
    /// positional: its arguments go straight into the callee's frame. `None`: another call.
    #[inline]
    fn direct_call(&mut self, func: &'p Expr, args: &'p [Arg]) -> Res<Option<Value>> {
        if let ExprKind::Attr { obj, name } = &func.kind {
            return self.direct_method_call(obj, name, args);
        }
        let ExprKind::Name(n, slot) = &func.kind else {
            return Ok(None);
        };
        let Some(id) = slot.as_global() else {
            return Ok(None);
        };
        let cached = self.sh.fn_decls.borrow()[id];
        let (decl, index) = match cached {
            Some(d) => d,
            None => {
                let Value::Callable(c) = self.name(n, *slot)? else {
                    return Ok(None);
                };
                let Callable::Fn(_, index) = &*c else {
                    return Ok(None);
                };
                let decl = self.prog().fn_at(*index).expect("checked function");
                self.sh.fn_decls.borrow_mut()[id] = Some((decl, *index));
                (decl, *index)
            }
        };
        if decl.is_async
            || args.len() != decl.params.len()
            || args.iter().any(|a| a.kind != ArgKind::Positional)
        {
            return Ok(None);
        }
        let mut vars = self.sh.frame_pool.borrow_mut().pop().unwrap_or_default();
        vars.reserve(decl.frame_size as usize);
        for a in args {
            vars.push(self.expr(&a.value)?);
        }
        self.call_fn(decl, index, vars).map(Some)
    }

    /// The common method call `xs.append(x)` on a string, list or dict held in a local (or a
    /// string literal), with positional arguments: no bound-method value is built. `None`:
    /// another call (the receiver, having no side effects, is evaluated again).
    fn direct_method_call(
        &mut self,
        obj: &'p Expr,
        name: &'p Ident,
        args: &'p [Arg],
    ) -> Res<Option<Value>> {
        let recv = match &obj.kind {
            ExprKind::Name(n, slot) if slot.is_local() => self.name(n, *slot)?,
            ExprKind::Str(s) => Value::str(s),
            _ => return Ok(None),
        };
        if !matches!(recv, Value::Str(_) | Value::List(_) | Value::Dict(_))
            || args.iter().any(|a| a.kind != ArgKind::Positional)
        {
            return Ok(None);
        }
        let r = match args {
            [] => self.method_call(&recv, &name.name, &[])?,
            [a] => {
                let a = self.expr(&a.value)?;
                self.method_call(&recv, &name.name, std::slice::from_ref(&a))?
            }
            [a, b] => {
                let a = self.expr(&a.value)?;
                let b = self.expr(&b.value)?;
                self.method_call(&recv, &name.name, &[a, b])?
            }
            _ => {
                let mut argv = Vec::with_capacity(args.len());
                for a in args {
                    argv.push(self.expr(&a.value)?);
                }
                self.method_call(&recv, &name.name, &argv)?
            }
        };
        match r {
            Some(r) => r.map(Some).map_err(Ctrl::raise),
            None => Err(raise(
                ErrorType::TypeError,
                format!("{} has no method {}", recv.type_name(), name.name),
            )),
        }
    }

    /// `gather(a, b)` with explicit arguments gives a tuple; `gather(*xs)` a list.
    fn mark_gather_tuple(&self, func: &Expr, args: &[Arg], v: &Value) {
        if let (ExprKind::Name(n, slot), Value::Future(id)) = (&func.kind, v) {
            if n == "gather" && !slot.is_local() && args.iter().all(|a| a.kind != ArgKind::Spread) {
                if let Fut::Gather { tuple, .. } = &mut self.sh.futs.borrow_mut()[*id as usize] {
                    *tuple = true;
                }
            }
        }
    }

    fn qualified(&self, obj: &Expr, name: &Ident) -> Option<Name> {
        qualified(self.prog(), obj, name)
    }

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

    /// Runs the comprehension clauses from `i` on, calling `body` for each binding.
    fn comp(
        &mut self,
        clauses: &'p [CompClause],
        i: usize,
        body: &mut dyn FnMut(&mut Self) -> Res<()>,
    ) -> Res<()> {
        let Some(c) = clauses.get(i) else {
            return body(self);
        };
        let items = ops::iterate_owned(self.expr(&c.iter)?).map_err(Ctrl::raise)?;
        for item in items {
            self.bind(&c.pattern, item)?;
            let mut keep = true;
            for cond in &c.conds {
                if !self.cond(cond)? {
                    keep = false;
                    break;
                }
            }
            if keep {
                self.comp(clauses, i + 1, body)?;
            }
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

    /// Evaluates a call's callee and arguments (synchronously).
    #[allow(clippy::type_complexity)]
    fn call_parts(
        &mut self,
        func: &'p Expr,
        args: &'p [Arg],
    ) -> Res<(Callee, Vec<Value>, Vec<(Name, Value)>)> {
        let callee = self.callee(func)?;
        let (argv, kwargs) = self.args(args)?;
        Ok((callee, argv, kwargs))
    }

    fn callee(&mut self, func: &'p Expr) -> Res<Callee> {
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

    fn args(&mut self, args: &'p [Arg]) -> Res<Args> {
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

    /// A call that does not suspend.
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
            Callee::Aio(Callable::Builtin(b)) if b == "map" => self.map_future(argv, kwargs),
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
                    Callable::Builtin(b) => self.builtin(b, argv, kwargs),
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
    fn callee_frame(&self, decl: &'p FnDecl, args: Vec<Value>) -> Res<Frame<'p>> {
        if self.depth + 1 > self.sh.limits.max_call_depth {
            return Err(self.depth_error());
        }
        let mut f = Frame::new(self.sh.clone(), self.act, self.exec, self.depth + 1);
        f.group = self.group.clone();
        f.vars = args;
        f.vars.resize(decl.frame_size as usize, Value::None);
        Ok(f)
    }

    /// Calls plain function number `index` (`decl`) that does not suspend: on the VM (see
    /// [`super::vm`]), or in the walker when the run chose it.
    fn call_fn(&mut self, decl: &'p FnDecl, index: u32, args: Vec<Value>) -> Res<Value> {
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

    /// The call-depth limit's error.
    #[cold]
    pub(crate) fn depth_error(&self) -> Ctrl {
        self.limit(
            RunCode::CallDepth,
            format!(
                "call depth passed its limit of {}",
                self.sh.limits.max_call_depth
            ),
        )
    }

    pub(crate) fn call_fn_sync(&mut self, decl: &'p FnDecl, args: Vec<Value>) -> Res<Value> {
        let mut f = self.callee_frame(decl, args)?;
        match f.block_sync(&decl.body) {
            Ok(()) => Ok(Value::None),
            Err(Ctrl::Return) => Ok(std::mem::replace(&mut f.ret, Value::None)),
            Err(e) => Err(e),
        }
    }

    async fn call_fn_async(&mut self, decl: &'p FnDecl, args: Vec<Value>) -> Res<Value> {
        let mut f = self.callee_frame(decl, args)?;
        match f.block(&decl.body).await {
            Ok(()) => Ok(Value::None),
            Err(Ctrl::Return) => Ok(std::mem::replace(&mut f.ret, Value::None)),
            Err(e) => Err(e),
        }
    }

    /// Arguments in parameter order, with defaults filled in.
    fn bind_params(
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

    fn bind_fn_args(
        &mut self,
        f: &Name,
        argv: Vec<Value>,
        kwargs: Vec<(Name, Value)>,
    ) -> Res<Vec<Value>> {
        let decl = self.prog().fn_decl(f).expect("checked function");
        self.bind_params(&Who("function", f), &decl.params, argv, kwargs)
    }

    fn bind_task_args(
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

    // -----------------------------------------------------------------------------------------
    // Expressions that may suspend
    // -----------------------------------------------------------------------------------------

    fn expr_async<'a>(&'a mut self, e: &'p Expr) -> LocalFut<'a, Res<Value>> {
        Box::pin(async move {
            Ok(match &e.kind {
                ExprKind::Await(inner) => {
                    let v = ev!(self, inner)?;
                    match v {
                        Value::Future(f) => self.await_future(f).await?,
                        other => {
                            return Err(raise(
                                ErrorType::TypeError,
                                format!("{} cannot be awaited", other.type_name()),
                            ))
                        }
                    }
                }
                ExprKind::Call { func, args } => {
                    let callee = self.callee_async(func).await?;
                    let mut argv = Vec::with_capacity(args.len());
                    let mut kwargs = Vec::new();
                    for a in args {
                        let v = ev!(self, &a.value)?;
                        match &a.kind {
                            ArgKind::Positional => argv.push(v),
                            ArgKind::Keyword(k) => kwargs.push((k.name.clone(), v)),
                            ArgKind::Spread => {
                                argv.extend(ops::iterate_owned(v).map_err(Ctrl::raise)?)
                            }
                        }
                    }
                    let v = self.call_async(callee, argv, kwargs).await?;
                    self.mark_gather_tuple(func, args, &v);
                    v
                }
                ExprKind::List(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for i in items {
                        out.push(ev!(self, i)?);
                    }
                    Value::list(out)
                }
                ExprKind::Tuple(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for i in items {
                        out.push(ev!(self, i)?);
                    }
                    Value::tuple(out)
                }
                ExprKind::Binary {
                    op: BinOp::And,
                    lhs,
                    rhs,
                } => {
                    let l = ev!(self, lhs)?;
                    if !self.truth(&l, lhs)? {
                        return Ok(Value::Bool(false));
                    }
                    let r = ev!(self, rhs)?;
                    Value::Bool(self.truth(&r, rhs)?)
                }
                ExprKind::Binary {
                    op: BinOp::Or,
                    lhs,
                    rhs,
                } => {
                    let l = ev!(self, lhs)?;
                    if self.truth(&l, lhs)? {
                        return Ok(Value::Bool(true));
                    }
                    let r = ev!(self, rhs)?;
                    Value::Bool(self.truth(&r, rhs)?)
                }
                ExprKind::Binary { op, lhs, rhs } => {
                    let l = ev!(self, lhs)?;
                    let r = ev!(self, rhs)?;
                    self.charge_result(ops::binary(*op, &l, &r).map_err(Ctrl::raise))?
                }
                ExprKind::Unary { op, operand } => {
                    let v = ev!(self, operand)?;
                    self.unary(*op, v)?
                }
                ExprKind::Compare { first, rest } => {
                    let mut left = ev!(self, first)?;
                    for (op, right) in rest {
                        let r = ev!(self, right)?;
                        self.charge_compare(*op, &r)?;
                        if !ops::compare(*op, &left, &r).map_err(Ctrl::raise)? {
                            return Ok(Value::Bool(false));
                        }
                        left = r;
                    }
                    Value::Bool(true)
                }
                ExprKind::IfElse {
                    cond,
                    then,
                    otherwise,
                } => {
                    let c = ev!(self, cond)?;
                    if self.truth(&c, cond)? {
                        ev!(self, then)?
                    } else {
                        ev!(self, otherwise)?
                    }
                }
                ExprKind::Index { obj, index } => {
                    let o = ev!(self, obj)?;
                    let i = ev!(self, index)?;
                    ops::index(&o, &i).map_err(Ctrl::raise)?
                }
                ExprKind::Attr { obj, name } => {
                    let o = ev!(self, obj)?;
                    self.attr(&o, &name.name)?
                }
                ExprKind::FString(parts) => {
                    let mut out = String::new();
                    for p in parts {
                        match p {
                            FStringPart::Text(t) => out.push_str(t),
                            FStringPart::Field { expr, spec } => {
                                let v = ev!(self, expr)?;
                                self.format_field(&mut out, &v, spec.as_deref())?;
                            }
                        }
                    }
                    ops::check_len(Some(out.len())).map_err(Ctrl::raise)?;
                    Value::str(&out)
                }
                ExprKind::Dict(entries) => {
                    let mut out =
                        DictMap::with_capacity_and_hasher(entries.len(), Default::default());
                    for (k, v) in entries {
                        let k = ev!(self, k)?;
                        let v = ev!(self, v)?;
                        out.insert(self.key(&k)?, v);
                    }
                    Value::dict(out)
                }
                ExprKind::ListComp { elt, clauses }
                    if clauses.len() == 1 && clauses[0].conds.is_empty() =>
                {
                    let c = &clauses[0];
                    let it = ev!(self, &c.iter)?;
                    let items = ops::iterate_owned(it).map_err(Ctrl::raise)?;
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        self.bind(&c.pattern, item)?;
                        let v = ev!(self, elt);
                        out.push(v?);
                    }
                    Value::list(out)
                }
                ExprKind::ListComp { elt, clauses } => {
                    let mut out = Vec::new();
                    let r = self.comp_async(clauses, 0, elt, None, &mut out).await;
                    r?;
                    Value::list(out)
                }
                ExprKind::DictComp {
                    key,
                    value,
                    clauses,
                } => {
                    let mut out = Vec::new();
                    let r = self
                        .comp_async(clauses, 0, key, Some(value), &mut out)
                        .await;
                    r?;
                    let mut d =
                        DictMap::with_capacity_and_hasher(out.len() / 2, Default::default());
                    for pair in out.chunks(2) {
                        d.insert(self.key(&pair[0])?, pair[1].clone());
                    }
                    Value::dict(d)
                }
                ExprKind::Slice {
                    obj,
                    start,
                    stop,
                    step,
                } => {
                    let o = ev!(self, obj)?;
                    let mut bounds = [None, None, None];
                    for (slot, b) in bounds.iter_mut().zip([start, stop, step]) {
                        if let Some(e) = b {
                            *slot = match ev!(self, e)? {
                                Value::Int(i) => Some(i),
                                Value::None => None,
                                other => {
                                    return Err(raise(
                                        ErrorType::TypeError,
                                        format!(
                                            "slice indices must be int, not {}",
                                            other.type_name()
                                        ),
                                    ))
                                }
                            };
                        }
                    }
                    ops::slice(&o, bounds[0], bounds[1], bounds[2]).map_err(Ctrl::raise)?
                }
                // Literals and names never suspend.
                _ => self.expr(e)?,
            })
        })
    }

    /// A comprehension whose parts may suspend: pushes `elt` (and `value`, for dicts) per
    /// binding into `out`.
    fn comp_async<'a>(
        &'a mut self,
        clauses: &'p [CompClause],
        i: usize,
        elt: &'p Expr,
        value: Option<&'p Expr>,
        out: &'a mut Vec<Value>,
    ) -> LocalFut<'a, Res<()>> {
        Box::pin(async move {
            let Some(c) = clauses.get(i) else {
                out.push(ev!(self, elt)?);
                if let Some(v) = value {
                    out.push(ev!(self, v)?);
                }
                return Ok(());
            };
            let it = ev!(self, &c.iter)?;
            for item in ops::iterate_owned(it).map_err(Ctrl::raise)? {
                self.bind(&c.pattern, item)?;
                let mut keep = true;
                for cond in &c.conds {
                    let v = ev!(self, cond)?;
                    if !self.truth(&v, cond)? {
                        keep = false;
                        break;
                    }
                }
                if keep {
                    self.comp_async(clauses, i + 1, elt, value, out).await?;
                }
            }
            Ok(())
        })
    }

    async fn callee_async(&mut self, func: &'p Expr) -> Res<Callee> {
        if self.prog().suspends.expr(func) {
            // `(await f())(x)` and the like: rare; evaluate the value.
            let v = self.expr_async(func).await?;
            return Ok(match &v {
                Value::Callable(c) => match &**c {
                    Callable::Task(t, 0) => Callee::Task(t.clone(), None),
                    Callable::Task(t, i) => Callee::Task(t.clone(), Some(self.settings_of(t, *i))),
                    _ => Callee::Value(v),
                },
                _ => Callee::Value(v),
            });
        }
        self.callee(func)
    }

    async fn call_async(
        &mut self,
        callee: Callee,
        argv: Vec<Value>,
        kwargs: Vec<(Name, Value)>,
    ) -> Res<Value> {
        match callee {
            Callee::Task(t, settings) => {
                let info = &self.prog().checked.tasks[&t];
                let settings = settings.unwrap_or_else(|| self.task_settings(&t));
                let args = self.bind_task_args(&t, argv, kwargs)?;
                if info.is_async {
                    return Ok(self.new_future(Fut::LazyTask {
                        task: t,
                        settings,
                        args,
                    }));
                }
                // A sync task call: the caller waits for the child action.
                let act = self.start_action(&t, settings, args);
                self.wait_all(&[act]).await;
                self.act_result(act)
            }
            Callee::Value(v) => {
                if let Value::Callable(c) = &v {
                    match &**c {
                        Callable::Builtin(b) => match b.as_str() {
                            "sleep" | "compute" | "gpu_compute" => {
                                let d = match argv.first() {
                                    Some(Value::Duration(d)) if *d >= 0 => *d,
                                    Some(Value::Duration(d)) => {
                                        return Err(raise(
                                            ErrorType::ValueError,
                                            format!(
                                                "{b}() takes a duration of at least 0s, not {}",
                                                value::format_duration(*d)
                                            ),
                                        ))
                                    }
                                    _ => {
                                        return Err(raise(
                                            ErrorType::TypeError,
                                            format!("{b} takes a duration"),
                                        ))
                                    }
                                };
                                let work = match b.as_str() {
                                    "sleep" => sim::Work::Sleep,
                                    "compute" => sim::Work::Cpu {
                                        cores: self.cores(),
                                    },
                                    _ => sim::Work::Gpu { gpus: self.gpus()? },
                                };
                                self.sleep(work, d).await?;
                                return Ok(Value::None);
                            }
                            "map" => {
                                let f = self.map_future(argv, kwargs)?;
                                let Value::Future(id) = f else { unreachable!() };
                                return self.await_future(id).await;
                            }
                            _ => {}
                        },
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
                            return self.call_fn_async(decl, args).await;
                        }
                        _ => {}
                    }
                }
                self.call_sync(Callee::Value(v), argv, kwargs)
            }
            other => self.call_sync(other, argv, kwargs),
        }
    }

    /// CPU cores of this action: its CPU limit (the request when no limit), at least 1m.
    fn cores(&self) -> f64 {
        let acts = self.sh.acts.borrow();
        let milli = acts[self.act]
            .settings
            .resources
            .cpu_milli
            .map_or(1000, |c| c.limit.max(c.request));
        (milli.max(1)) as f64 / 1000.0
    }

    fn gpus(&self) -> Res<f64> {
        let acts = self.sh.acts.borrow();
        match &acts[self.act].settings.resources.accelerator {
            Some(crate::check::config::Accelerator::Gpu {
                quantity, slices, ..
            }) => Ok(match slices {
                Some(s) => *s as f64 / 7.0,
                None => (*quantity).max(1) as f64,
            }),
            Some(crate::check::config::Accelerator::Other { quantity, .. }) => {
                Ok((*quantity).max(1) as f64)
            }
            Some(crate::check::config::Accelerator::Tpu { .. }) => Ok(1.0),
            None => Err(raise(
                ErrorType::RuntimeUserError,
                "gpu_compute in an action with no GPU",
            )),
        }
    }

    /// `sleep`, `compute`, `gpu_compute`: parks until the simulator says the work is done
    /// (shared work in a replica is re-timed as others start and end).
    async fn sleep(&mut self, work: sim::Work, d: i64) -> Res<()> {
        let timer = {
            let mut sim = self.sh.sim.borrow_mut();
            let sid = self.sh.acts.borrow()[self.act].sim;
            sim.start_work(sid, work, d, tag(TAG_WAKE, self.exec))
        };
        let Some(timer) = timer else {
            return Ok(());
        };
        loop {
            Park(false).await;
            if self.sh.sim.borrow().timer_fired(timer) {
                return Ok(());
            }
        }
    }

    /// Parks until every action has a result.
    async fn wait_all(&mut self, acts: &[usize]) {
        loop {
            let pending: Vec<usize> = {
                let a = self.sh.acts.borrow();
                acts.iter()
                    .copied()
                    .filter(|&i| a[i].result.is_none())
                    .collect()
            };
            if pending.is_empty() {
                return;
            }
            {
                let mut a = self.sh.acts.borrow_mut();
                for i in pending {
                    if !a[i].waiters.contains(&self.exec) {
                        a[i].waiters.push(self.exec);
                    }
                }
            }
            Park(false).await;
        }
    }

    /// Registers this body as a waiter of each action not ended yet; returns how many.
    fn watch(&self, acts: &[usize]) -> usize {
        let mut a = self.sh.acts.borrow_mut();
        let mut n = 0;
        for &i in acts {
            if a[i].result.is_none() {
                a[i].waiters.push(self.exec);
                n += 1;
            }
        }
        n
    }

    /// Parks until some watched action ends; returns those that ended since the last call.
    async fn next_done(&mut self) -> Vec<usize> {
        loop {
            if let Some(done) = self.sh.notified.borrow_mut().remove(&self.exec) {
                if !done.is_empty() {
                    return done;
                }
            }
            Park(false).await;
        }
    }

    fn act_result(&self, act: usize) -> Res<Value> {
        match self.sh.acts.borrow()[act]
            .result
            .clone()
            .expect("waited for")
        {
            Ok(v) => Ok(v.deep_copy()),
            Err(e) => Err(Ctrl::raise(Value::Error(e))),
        }
    }

    /// Awaits a language future: starts what it stands for and waits for its value.
    fn await_future<'a>(&'a mut self, id: u32) -> LocalFut<'a, Res<Value>> {
        Box::pin(async move {
            let fut = std::mem::replace(
                &mut self.sh.futs.borrow_mut()[id as usize],
                Fut::Done(Ok(Value::None)),
            );
            let r: Result<Value, Value> = match fut {
                Fut::Done(r) => r,
                Fut::LazyTask {
                    task,
                    settings,
                    args,
                } => {
                    let act = self.start_action(&task, settings, args);
                    self.wait_all(&[act]).await;
                    self.act_result(act).map_err(ctrl_to_err)
                }
                Fut::Started(act) => {
                    self.wait_all(&[act]).await;
                    self.act_result(act).map_err(ctrl_to_err)
                }
                Fut::LazyFn { func, args } => {
                    let decl = self.prog().fn_decl(&func).expect("checked function");
                    match self.call_fn_async(decl, args).await {
                        Ok(v) => Ok(v),
                        Err(Ctrl::Raise(e)) => Err(*e),
                        Err(other) => return Err(other),
                    }
                }
                Fut::Gather { futs, tuple } => self.gather(futs, tuple).await.map_err(ctrl_to_err),
                Fut::Map {
                    task,
                    settings,
                    calls,
                    concurrency,
                    return_exceptions,
                } => self
                    .run_map(task, settings, calls, concurrency, return_exceptions)
                    .await
                    .map_err(ctrl_to_err),
            };
            self.sh.futs.borrow_mut()[id as usize] = Fut::Done(r.clone());
            r.map_err(Ctrl::raise)
        })
    }

    /// `gather`: starts every task future, waits for all; the first error cancels the rest.
    async fn gather(&mut self, futs: Vec<u32>, tuple: bool) -> Res<Value> {
        let mut acts: Vec<Option<usize>> = Vec::with_capacity(futs.len());
        let mut values: Vec<Option<Value>> = vec![None; futs.len()];
        for (i, &f) in futs.iter().enumerate() {
            let fut = std::mem::replace(
                &mut self.sh.futs.borrow_mut()[f as usize],
                Fut::Done(Ok(Value::None)),
            );
            match fut {
                Fut::LazyTask {
                    task,
                    settings,
                    args,
                } => {
                    let act = self.start_action(&task, settings, args);
                    self.sh.futs.borrow_mut()[f as usize] = Fut::Started(act);
                    acts.push(Some(act));
                }
                Fut::Started(act) => {
                    self.sh.futs.borrow_mut()[f as usize] = Fut::Started(act);
                    acts.push(Some(act));
                }
                other => {
                    // Functions and nested gathers run inline, in order.
                    self.sh.futs.borrow_mut()[f as usize] = other;
                    values[i] = Some(self.await_future(f).await?);
                    acts.push(None);
                }
            }
        }
        let started: Vec<usize> = acts.iter().flatten().copied().collect();
        // Children that already failed; then wait for the rest, one notification at a time.
        if let Some(&failed) = started
            .iter()
            .find(|&&a| matches!(self.sh.acts.borrow()[a].result, Some(Err(_))))
        {
            for &a in &started {
                cancel_act(&self.sh, a);
            }
            return self.act_result(failed);
        }
        let mine: std::collections::HashSet<usize> = started.iter().copied().collect();
        self.sh.notified.borrow_mut().remove(&self.exec);
        let mut remaining = self.watch(&started);
        while remaining > 0 {
            for done in self.next_done().await {
                if !mine.contains(&done) {
                    continue;
                }
                remaining -= 1;
                if matches!(self.sh.acts.borrow()[done].result, Some(Err(_))) {
                    for &a in &started {
                        cancel_act(&self.sh, a);
                    }
                    return self.act_result(done);
                }
            }
        }
        for (i, a) in acts.iter().enumerate() {
            if let Some(a) = a {
                values[i] = Some(self.act_result(*a)?);
            }
        }
        let values: Vec<Value> = values
            .into_iter()
            .map(|v| v.unwrap_or(Value::None))
            .collect();
        Ok(if tuple {
            Value::tuple(values)
        } else {
            Value::list(values)
        })
    }

    fn map_future(&mut self, argv: Vec<Value>, kwargs: Vec<(Name, Value)>) -> Res<Value> {
        let mut it = argv.into_iter();
        let Some(Value::Callable(c)) = it.next() else {
            return Err(raise(ErrorType::TypeError, "map takes a task first"));
        };
        let Callable::Task(task, index) = &*c else {
            return Err(raise(ErrorType::TypeError, "map takes a task first"));
        };
        let lists: Vec<Vec<Value>> = it
            .map(|l| ops::iterate(&l).map_err(Ctrl::raise))
            .collect::<Res<_>>()?;
        let n = lists.iter().map(Vec::len).min().unwrap_or(0);
        let mut calls = Vec::with_capacity(n);
        for i in 0..n {
            let argv: Vec<Value> = lists.iter().map(|l| l[i].clone()).collect();
            calls.push(self.bind_task_args(task, argv, Vec::new())?);
        }
        let mut concurrency = 0usize;
        let mut return_exceptions = false;
        for (k, v) in kwargs {
            match (k.as_str(), v) {
                ("concurrency", Value::Int(c)) if c < 0 => {
                    return Err(raise(
                        ErrorType::ValueError,
                        format!("map() takes a concurrency of at least 0 (0: no bound), not {c}"),
                    ))
                }
                ("concurrency", Value::Int(c)) => concurrency = c as usize,
                ("return_exceptions", Value::Bool(b)) => return_exceptions = b,
                _ => {}
            }
        }
        let settings = self.settings_of(task, *index);
        Ok(self.new_future(Fut::Map {
            task: task.clone(),
            settings,
            calls,
            concurrency,
            return_exceptions,
        }))
    }

    /// `map`: one action per item, at most `concurrency` in flight (0: no bound).
    async fn run_map(
        &mut self,
        task: Name,
        settings: Rc<ActSettings>,
        calls: Vec<Vec<Value>>,
        concurrency: usize,
        return_exceptions: bool,
    ) -> Res<Value> {
        let n = calls.len();
        let bound = if concurrency == 0 {
            n.max(1)
        } else {
            concurrency
        };
        let mut acts: Vec<Option<usize>> = vec![None; n];
        let mut calls = calls.into_iter().enumerate();
        let mut in_flight: std::collections::HashSet<usize> = std::collections::HashSet::new();
        self.sh.notified.borrow_mut().remove(&self.exec);
        loop {
            while in_flight.len() < bound {
                let Some((i, args)) = calls.next() else { break };
                let a = self.start_action(&task, settings.clone(), args);
                acts[i] = Some(a);
                if self.watch(&[a]) > 0 {
                    in_flight.insert(a);
                } else if !return_exceptions
                    && matches!(self.sh.acts.borrow()[a].result, Some(Err(_)))
                {
                    return self.act_result(a);
                }
            }
            if in_flight.is_empty() {
                break;
            }
            for done in self.next_done().await {
                if !in_flight.remove(&done) {
                    continue;
                }
                if !return_exceptions && matches!(self.sh.acts.borrow()[done].result, Some(Err(_)))
                {
                    for &a in &in_flight {
                        cancel_act(&self.sh, a);
                    }
                    return self.act_result(done);
                }
            }
        }
        let mut out = Vec::with_capacity(n);
        for a in acts.into_iter().flatten() {
            out.push(match self.act_result(a) {
                Ok(v) => v,
                Err(Ctrl::Raise(e)) if return_exceptions => *e,
                Err(e) => return Err(e),
            });
        }
        Ok(Value::list(out))
    }

    // -----------------------------------------------------------------------------------------
    // Builtins with effects
    // -----------------------------------------------------------------------------------------

    fn builtin(&mut self, b: &Name, argv: Vec<Value>, kwargs: Vec<(Name, Value)>) -> Res<Value> {
        let sh = self.sh.clone();
        if let Some(native) = self.prog().natives.get(b) {
            // Keyword arguments (checked) go to their parameters' places.
            let mut argv = argv;
            if let Some(sig) = self.prog().checked.natives.iter().find(|n| n.name == *b) {
                argv = host_args(&sig.param_list(), argv, kwargs);
            }
            let args: Vec<serde_json::Value> = argv.iter().map(Value::to_json).collect();
            let native = native.clone();
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| native(args)));
            let ret = self
                .prog()
                .checked
                .natives
                .iter()
                .find(|n| n.name == *b)
                .map(|n| n.ret.clone())
                .unwrap_or(types::Type::Any);
            return match r {
                Ok(Ok(j)) => {
                    super::convert::from_json(&j, &ret, &self.prog().checked).map_err(|m| {
                        raise(
                            ErrorType::RuntimeSystemError,
                            format!("host function {b} returned a value that is not {ret}: {m}"),
                        )
                    })
                }
                Ok(Err(message)) => Err(Ctrl::raise(Value::Error(Rc::new(ErrorValue {
                    kind: ErrorType::RuntimeUserError,
                    message,
                    code: ErrorCode::Host,
                    task: None,
                    trace: Trace::new(),
                })))),
                Err(_) => Err(raise(
                    ErrorType::RuntimeSystemError,
                    format!("host function {b} panicked"),
                )),
            };
        }
        match b.as_str() {
            "print" => {
                let text: Vec<String> = argv.iter().map(Value::display).collect();
                let at = sh.sim.borrow().now();
                sh.logs.borrow_mut().push(LogLine {
                    action: self.act,
                    at,
                    text: text.join(" "),
                });
                Ok(Value::None)
            }
            "now" => Ok(Value::Duration(sh.sim.borrow().now())),
            "attempt" => Ok(Value::Int(sh.acts.borrow()[self.act].attempt as i64)),
            "random" => {
                // splitmix64
                let mut z = sh.rng.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
                sh.rng.set(z);
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                Ok(Value::Float((z >> 11) as f64 / (1u64 << 53) as f64))
            }
            "getenv" => {
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
            "secret" => {
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
            "allocate" | "free" => {
                let q = argv.first().map(Value::display).unwrap_or_default();
                let bytes = quantity::parse_bytes(&q)
                    .map_err(|e| raise(ErrorType::ValueError, e.message))?;
                let mut acts = sh.acts.borrow_mut();
                let a = &mut acts[self.act];
                a.memory_used = if b == "free" {
                    a.memory_used.saturating_sub(bytes)
                } else {
                    a.memory_used.saturating_add(bytes)
                };
                let limit = a.settings.resources.memory.map(|m| m.limit.max(m.request));
                let checked = sh.sim.borrow_mut().use_memory(a.sim, a.memory_used, limit);
                if let (Err(over), Some(limit)) = (checked, limit) {
                    let used = quantity::format_bytes(over.used);
                    let lim = quantity::format_bytes(limit);
                    let with = match over.others {
                        0 => String::new(),
                        n => format!(" with the {n} other action(s) on its replica"),
                    };
                    return Err(Ctrl::Kill(Box::new(ErrorValue {
                        kind: ErrorType::OOMError,
                        message: format!("the container used {used}, above its memory limit of {lim}, and was killed{with}"),
                        code: ErrorCode::Type(ErrorType::OOMError),
                        task: Some(a.fqn.to_string()),
                        trace: Trace::new(),
                    })));
                }
                Ok(Value::None)
            }
            "group" => Ok(Value::Group(Rc::from(
                argv.first()
                    .map(Value::display)
                    .unwrap_or_default()
                    .as_str(),
            ))),
            "gather" => {
                let mut futs = Vec::with_capacity(argv.len());
                for v in argv {
                    match v {
                        Value::Future(f) => futs.push(f),
                        other => {
                            return Err(raise(
                                ErrorType::TypeError,
                                format!("gather takes futures, not {}", other.type_name()),
                            ))
                        }
                    }
                }
                // A list for now; `mark_gather_tuple` makes it a tuple for explicit arguments.
                Ok(self.new_future(Fut::Gather { futs, tuple: false }))
            }
            n if types::is_error_type(n) => {
                let msg = argv.first().map(Value::display).unwrap_or_default();
                let kind = ErrorType::from_name(n).expect("the checker knows the error types");
                Ok(Value::error(kind, msg))
            }
            n if self.prog().checked.structs.contains_key(n) => {
                let st = &self.prog().checked.structs[n];
                let fields = st
                    .fields
                    .iter()
                    .map(|(f, _)| {
                        (
                            f.clone(),
                            kwargs
                                .iter()
                                .find(|(k, _)| k == f)
                                .map(|(_, v)| v.clone())
                                .unwrap_or(Value::None),
                        )
                    })
                    .collect();
                Ok(Value::Struct(Rc::new(RefCell::new(StructValue {
                    name: b.clone(),
                    fields,
                }))))
            }
            n if types::Record::of_ctor(n).is_some() => {
                let mut args: Vec<(Option<Name>, Value)> =
                    argv.into_iter().map(|v| (None, v)).collect();
                args.extend(kwargs.into_iter().map(|(k, v)| (Some(k), v)));
                Ok(Value::Record(Rc::new((b.clone(), args))))
            }
            n => {
                let kw: Vec<(&str, Value)> = kwargs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                match builtins::call(n, &argv, &kw) {
                    Some(r) => {
                        self.charge_call(&argv, &r)?;
                        r.map_err(Ctrl::raise)
                    }
                    None => Err(raise(ErrorType::TypeError, format!("{n} is not callable"))),
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Actions
    // -----------------------------------------------------------------------------------------

    /// The settings a call of `t` runs with, without an override.
    /// A task's settings without overrides: one shared copy per task, not one per action.
    pub(crate) fn task_settings(&self, t: &Name) -> Rc<ActSettings> {
        if let Some(s) = self.sh.base_settings.borrow().get(t) {
            return s.clone();
        }
        let s = base_settings(self.prog(), t);
        self.sh
            .base_settings
            .borrow_mut()
            .insert(t.clone(), s.clone());
        s
    }

    /// The settings of `t.override(args)`, validated at run time like the checker does.
    fn override_settings(&mut self, t: &Name, args: &'p [Arg]) -> Res<Rc<ActSettings>> {
        let (_, kwargs) = self.args(args)?;
        self.override_values(t, &kwargs)
    }

    /// The settings of `t.override(...)` given its evaluated keyword arguments.
    fn override_values(&mut self, t: &Name, kwargs: &[(Name, Value)]) -> Res<Rc<ActSettings>> {
        let base = self.task_settings(t);
        super::overrides::apply(&base, t, kwargs)
            .map(Rc::new)
            .map_err(Ctrl::raise)
    }

    /// The settings a call of task value `Task(t, index)` runs with: the task's own
    /// (`index` 0) or those of the override value number `index`.
    pub(crate) fn settings_of(&self, t: &Name, index: u32) -> Rc<ActSettings> {
        match index {
            0 => self.task_settings(t),
            i => self.sh.overrides.borrow()[i as usize - 1].clone(),
        }
    }

    fn start_action(&mut self, t: &Name, settings: Rc<ActSettings>, args: Vec<Value>) -> usize {
        let id = submit_new(&self.sh, t, settings, args);
        self.sh.acts.borrow_mut()[id].group = self.group.clone();
        self.sh.acts.borrow_mut()[self.act].children.push(id);
        id
    }
}

/// The wall-time limit and cancellation, checked every so many steps and events.
fn outside_limits(sh: &Shared<'_>) -> Option<ErrorValue> {
    let err = |_kind: ErrorType, code: RunCode, msg: String| ErrorValue::run(code, msg);
    if sh.cancel.load(std::sync::atomic::Ordering::Relaxed) {
        return Some(err(
            ErrorType::CancelledError,
            RunCode::Cancelled,
            "the run was cancelled by its host".into(),
        ));
    }
    if let Some(max) = sh.limits.max_memory {
        let held = memory::live().saturating_sub(sh.memory_base);
        if held > i64::try_from(max).unwrap_or(i64::MAX) {
            return Some(err(
                ErrorType::LimitExceededError,
                RunCode::Memory,
                format!(
                    "the run holds {:.1} MiB of memory, past its limit of {:.1} MiB",
                    held as f64 / 1048576.0,
                    max as f64 / 1048576.0
                ),
            ));
        }
    }
    if let Some(max) = sh.limits.max_wall_time {
        if sh.started.elapsed() > max {
            return Some(err(
                ErrorType::LimitExceededError,
                RunCode::WallTime,
                format!("the run passed its wall-time limit of {max:?}"),
            ));
        }
    }
    None
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

/// Names a callee in messages, formatted only when a message is made.
pub(crate) struct Who<'a>(&'static str, &'a Name);

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

/// Environment and decorator settings of task `t`.
pub(crate) fn base_settings(prog: &Program, t: &Name) -> Rc<ActSettings> {
    let info = &prog.checked.tasks[t];
    let env = info.env.as_ref().and_then(|e| prog.checked.envs.get(e));
    let es = env.map(|e| e.settings.clone()).unwrap_or_default();
    Rc::new(ActSettings {
        resources: es.resources.clone().unwrap_or_default(),
        image: es.image.clone(),
        interruptible: info.settings.interruptible.unwrap_or(es.interruptible),
        queue: info.settings.queue.clone().or(es.queue.clone()),
        reuse: es
            .reusable
            .as_ref()
            .map(|(p, _)| (es.name.clone(), p.clone())),
        retries: info.settings.retries.clone(),
        timeout: info.settings.timeout.clone(),
        env_vars: es.env_vars.clone(),
        secrets: es.secrets.clone(),
        cache: info.settings.cache.clone().or(es.cache.clone()),
    })
}
