//! Effects: what a body waits for (`sleep`, `compute`, `gpu_compute`, a task call, `await`,
//! `gather`, `map`), as small state machines the body's fiber keeps while it waits.
//!
//! A call or an `await` that must wait begins here ([`Frame::call_begin`],
//! [`Frame::await_begin`]) and gives a [`Begin`]: a value at once, a frame for the VM to enter
//! (a function, an async fn's future), or a [`Waiting`]. The VM halts on a `Waiting`; the
//! fiber's driver (`vm/fiber.rs`) keeps it and steps it each time the event loop polls the
//! body, until it is ready; its value goes back to the waiting instruction's register. A
//! `gather` awaits the futures that are no task call inline, in order, by asking the driver
//! for a nested wait ([`Step::Push`]) or a VM frame ([`Step::Call`]) and taking their outcome
//! back ([`Waiting::feed`]).
//!
//! Each machine is the old tree walker's `async fn` written out: it halts where that parked,
//! and checks what that checked when polled again, so runs keep their order of events.

use super::*;
use crate::check::builtins::Builtin;
use crate::check::config::quantity;
use std::collections::HashSet;

/// How a call or an `await` begins.
pub(crate) enum Begin {
    /// Its value, now.
    Now(Value),
    /// It waits.
    Wait(Waiting),
    /// The VM runs body `func` with `args`; `fut`: the async fn's future its outcome settles.
    Call {
        func: u32,
        args: Vec<Value>,
        fut: Option<u32>,
    },
}

/// An effect under way, and the language future its outcome settles (an `await`'s).
pub(crate) struct Waiting {
    wait: Wait,
    fut: Option<u32>,
}

enum Wait {
    /// `sleep`, `compute`, `gpu_compute`: until the simulator's `timer` fires, when the work
    /// is done (shared work in a replica is re-timed as others start and end); parked once
    /// first.
    Sleep {
        timer: sim::TimerId,
        parked: bool,
    },
    /// A task call's action.
    Act(usize),
    Gather(Box<Gather>),
    Map(Box<MapRun>),
}

/// What stepping a [`Waiting`] gives the driver.
pub(crate) enum Step {
    Pending,
    Ready(Res<Value>),
    /// An inline await (by a `gather`) that waits in turn; its outcome is fed back.
    Push(Waiting),
    /// An inline await of an async fn's future `fut`: the VM runs `func`, the outcome is fed
    /// back.
    Call {
        func: u32,
        args: Vec<Value>,
        fut: u32,
    },
}

impl Waiting {
    fn new(wait: Wait, fut: Option<u32>) -> Waiting {
        Waiting { wait, fut }
    }

    /// Advances the effect; a ready outcome settles the future awaited.
    pub(crate) fn step(&mut self, f: &mut Frame<'_>) -> Step {
        let s = match &mut self.wait {
            Wait::Sleep { timer, parked } => {
                if !*parked {
                    *parked = true;
                    Step::Pending
                } else if f.sh.sim.borrow().timer_fired(*timer) {
                    Step::Ready(Ok(Value::None))
                } else {
                    Step::Pending
                }
            }
            Wait::Act(act) => {
                if f.sh.acts.borrow()[*act].result.is_some() {
                    Step::Ready(f.act_result(*act))
                } else {
                    let mut a = f.sh.acts.borrow_mut();
                    if !a[*act].waiters().any(|w| w == f.exec) {
                        a[*act].add_waiter(f.exec);
                    }
                    Step::Pending
                }
            }
            Wait::Gather(g) => g.step(f),
            Wait::Map(m) => m.step(f),
        };
        match (s, self.fut) {
            (Step::Ready(r), Some(id)) => {
                let r = r.map_err(ctrl_to_err);
                f.sh.futs.borrow_mut()[id as usize] = Fut::settled(r.clone());
                Step::Ready(r.map_err(Ctrl::raise))
            }
            (s, _) => s,
        }
    }

    /// The outcome of the inline await this effect asked for ([`Step::Push`], [`Step::Call`]).
    pub(crate) fn feed(&mut self, r: Res<Value>) {
        if let Wait::Gather(g) = &mut self.wait {
            match r {
                Ok(v) => g.values.push(((g.next - 1) as u32, v)),
                Err(c) => g.failed = Some(c),
            }
        }
    }
}

impl<'p> Frame<'p> {
    /// Begins awaiting language future `id`: starts what it stands for.
    pub(crate) fn await_begin(&mut self, id: u32) -> Res<Begin> {
        let fut = std::mem::replace(
            &mut self.sh.futs.borrow_mut()[id as usize],
            Fut::Done(Value::None),
        );
        let wait = match fut {
            Fut::Done(v) => {
                self.sh.futs.borrow_mut()[id as usize] = Fut::Done(v.clone());
                return Ok(Begin::Now(v));
            }
            Fut::Failed(e) => {
                self.sh.futs.borrow_mut()[id as usize] = Fut::Failed(e.clone());
                return Err(Ctrl::raise(e));
            }
            Fut::LazyTask {
                task,
                settings,
                args,
            } => Wait::Act(self.start_action(task, settings, args)),
            Fut::Started(act) => Wait::Act(act),
            Fut::LazyFn { func, args } => {
                return Ok(Begin::Call {
                    func,
                    args: args.into_vec(),
                    fut: Some(id),
                });
            }
            Fut::Gather { futs, tuple } => Wait::Gather(Box::new(Gather::new(futs, tuple))),
            Fut::Map(spec) => Wait::Map(Box::new(MapRun::new(*spec))),
        };
        Ok(Begin::Wait(Waiting::new(wait, Some(id))))
    }

    /// Begins a call in a body that may wait: a sync task call waits for its action,
    /// `sleep`, `compute` and `gpu_compute` for time, `map` for its actions; a function runs
    /// on the VM; anything else is [`Frame::call_sync`].
    pub(crate) fn call_begin(
        &mut self,
        callee: Callee,
        argv: Vec<Value>,
        kwargs: Vec<(Name, Value)>,
    ) -> Res<Begin> {
        match callee {
            Callee::Task(task, settings) if !self.prog().task_is_async(task) => {
                let settings = settings.unwrap_or_else(|| self.task_settings(task));
                let args = self.bind_task_args(task, argv, kwargs)?;
                let act = self.start_action(task, settings, args.into());
                Ok(Begin::Wait(Waiting::new(Wait::Act(act), None)))
            }
            Callee::Value(v) => {
                if let Value::Callable(c) = &v {
                    match &**c {
                        // The builtins the table says wait.
                        Callable::Builtin(b) if b.waits() => match b {
                            Builtin::Sleep | Builtin::Compute | Builtin::GpuCompute => {
                                return self.sleep_begin(*b, argv.first());
                            }
                            Builtin::Map => {
                                let Value::Future(id) = self.map_future(argv, kwargs)? else {
                                    unreachable!("map gives a future")
                                };
                                return self.await_begin(id);
                            }
                            _ => {
                                return Err(raise(
                                    ErrorType::RuntimeSystemError,
                                    format!("internal: {b} waits, but how is not known"),
                                ))
                            }
                        },
                        Callable::Fn(f, index) => {
                            return Ok(match self.fn_call(f, *index, argv, kwargs)? {
                                FnCall::Args(args) => Begin::Call {
                                    func: *index,
                                    args,
                                    fut: None,
                                },
                                FnCall::Future(fut) => Begin::Now(fut),
                            });
                        }
                        _ => {}
                    }
                }
                self.call_sync(Callee::Value(v), argv, kwargs)
                    .map(Begin::Now)
            }
            other => self.call_sync(other, argv, kwargs).map(Begin::Now),
        }
    }

    /// `sleep(d)`, `compute(d)` (`d` of one core's work) or `gpu_compute(d)`.
    fn sleep_begin(&mut self, b: Builtin, d: Option<&Value>) -> Res<Begin> {
        let d = match d {
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
            _ => return Err(raise(ErrorType::TypeError, format!("{b} takes a duration"))),
        };
        let work = match b {
            Builtin::Compute => sim::Work::Cpu {
                cores: self.cores(),
            },
            Builtin::GpuCompute => sim::Work::Gpu { gpus: self.gpus()? },
            _ => sim::Work::Sleep,
        };
        let timer = {
            let mut sim = self.sh.sim.borrow_mut();
            let sid = self.sh.acts.borrow()[self.act].sim();
            sim.start_work(sid, work, d, tag(TAG_WAKE, self.exec))
        };
        let Some(timer) = timer else {
            return Ok(Begin::Now(Value::None));
        };
        let wait = Wait::Sleep {
            timer,
            parked: false,
        };
        Ok(Begin::Wait(Waiting::new(wait, None)))
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

    /// Registers this body as a waiter of each action not ended yet; returns how many.
    fn watch(&self, acts: impl Iterator<Item = usize>) -> usize {
        let mut a = self.sh.acts.borrow_mut();
        let mut n = 0;
        for i in acts {
            if a[i].result.is_none() {
                a[i].add_waiter(self.exec);
                n += 1;
            }
        }
        n
    }

    /// The actions watched that ended since the last look, if any.
    fn done_since(&self) -> Option<Vec<usize>> {
        self.sh
            .notified
            .borrow_mut()
            .remove(&self.exec)
            .filter(|d| !d.is_empty())
    }

    fn failed(&self, act: usize) -> bool {
        matches!(self.sh.acts.borrow()[act].result, Some(Err(_)))
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

    /// `allocate(q)` (or `free(q)`): the action's memory in use, killed (`OOMError`) past
    /// its limit (or, in a replica, when the replica's actions together pass it).
    pub(super) fn allocate(&mut self, free: bool, argv: &[Value]) -> Res<Value> {
        let q = argv.first().map(Value::display).unwrap_or_default();
        let bytes =
            quantity::parse_bytes(&q).map_err(|e| raise(ErrorType::ValueError, e.message))?;
        let mut acts = self.sh.acts.borrow_mut();
        let a = &mut acts[self.act];
        let m = a.more_mut();
        m.memory_used = if free {
            m.memory_used.saturating_sub(bytes)
        } else {
            m.memory_used.saturating_add(bytes)
        };
        let used = m.memory_used;
        let limit = a.settings.resources.memory.map(|m| m.limit.max(m.request));
        let checked = self.sh.sim.borrow_mut().use_memory(a.sim(), used, limit);
        if let (Err(over), Some(limit)) = (checked, limit) {
            let used = quantity::format_bytes(over.used);
            let lim = quantity::format_bytes(limit);
            let with = match over.others {
                0 => String::new(),
                n => format!(" with the {n} other action(s) on its replica"),
            };
            return Err(Ctrl::Kill(Box::new(ErrorValue {
                kind: ErrorType::OOMError,
                message: format!(
                    "the container used {used}, above its memory limit of {lim}, and was killed{with}"
                ),
                code: ErrorCode::Type(ErrorType::OOMError),
                task: Some(self.sh.prog.task_fqn(a.task).to_string()),
                trace: Trace::new(),
            })));
        }
        Ok(Value::None)
    }

    /// `gather(futures...)`'s future, nothing started (a list for now; a call with explicit
    /// arguments makes it a tuple).
    pub(super) fn gather_future(&mut self, argv: Vec<Value>) -> Res<Value> {
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
        Ok(self.new_future(Fut::Gather { futs, tuple: false }))
    }

    /// `map(t, xs...)`'s future: the calls bound, nothing started.
    pub(super) fn map_future(
        &mut self,
        argv: Vec<Value>,
        kwargs: Vec<(Name, Value)>,
    ) -> Res<Value> {
        let mut it = argv.into_iter();
        let Some(Value::Callable(c)) = it.next() else {
            return Err(raise(ErrorType::TypeError, "map takes a task first"));
        };
        let Callable::Task {
            name: task,
            task: index,
            over,
        } = &*c
        else {
            return Err(raise(ErrorType::TypeError, "map takes a task first"));
        };
        let lists: Vec<Vec<Value>> = it
            .map(|l| ops::iterate(&l).map_err(Ctrl::raise))
            .collect::<Res<_>>()?;
        let n = lists.iter().map(Vec::len).min().unwrap_or(0);
        let mut calls = Vec::with_capacity(n);
        for i in 0..n {
            let argv: Vec<Value> = lists.iter().map(|l| l[i].clone()).collect();
            calls.push(self.bind_task_args(*index, argv, Vec::new())?);
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
        let settings = self.settings_of(*index, *over);
        Ok(self.new_future(Fut::Map(Box::new(MapSpec {
            task: task.clone(),
            settings,
            calls,
            concurrency,
            return_exceptions,
        }))))
    }
}

/// `gather`: starts every task future in order (awaiting any other future inline, where it
/// stands), then waits for all; the first error cancels the rest.
struct Gather {
    futs: Vec<u32>,
    tuple: bool,
    /// The next future to start.
    next: usize,
    /// Each started future's action ([`INLINE`] for one awaited inline), as `u32`: a gather
    /// of a million holds one per call.
    acts: Vec<u32>,
    /// The values of the futures awaited inline, by position, in order (most gathers have
    /// none: no slot per call).
    values: Vec<(u32, Value)>,
    /// An inline await's error.
    failed: Option<Ctrl>,
    /// Once all are started: the actions, sorted, and how many have not ended.
    watching: Option<(Vec<u32>, usize)>,
}

/// In [`Gather::acts`]: a future awaited inline, not an action.
const INLINE: u32 = u32::MAX;

/// An action's index as a gather keeps it (a run holds far fewer than 2^32 actions: each
/// takes memory, and [`crate::runtime::Limits::max_live_actions`] bounds them).
fn act_u32(a: usize) -> u32 {
    a as u32
}

impl Gather {
    fn new(futs: Vec<u32>, tuple: bool) -> Gather {
        let n = futs.len();
        Gather {
            futs,
            tuple,
            next: 0,
            acts: Vec::with_capacity(n),
            values: Vec::new(),
            failed: None,
            watching: None,
        }
    }

    fn started(&self) -> impl Iterator<Item = usize> + '_ {
        self.acts
            .iter()
            .filter(|&&a| a != INLINE)
            .map(|&a| a as usize)
    }

    fn cancel_all(&self, f: &Frame<'_>) {
        for a in self.started() {
            cancel_act(&f.sh, a);
        }
    }

    fn step(&mut self, f: &mut Frame<'_>) -> Step {
        if let Some(c) = self.failed.take() {
            return Step::Ready(Err(c));
        }
        if self.watching.is_none() {
            while self.next < self.futs.len() {
                let id = self.futs[self.next];
                self.next += 1;
                let fut = std::mem::replace(
                    &mut f.sh.futs.borrow_mut()[id as usize],
                    Fut::Done(Value::None),
                );
                let act = match fut {
                    Fut::LazyTask {
                        task,
                        settings,
                        args,
                    } => f.start_action(task, settings, args),
                    Fut::Started(act) => act,
                    other => {
                        // Functions and nested gathers run inline, in order.
                        f.sh.futs.borrow_mut()[id as usize] = other;
                        self.acts.push(INLINE);
                        match f.await_begin(id) {
                            Ok(Begin::Now(v)) => {
                                self.values.push(((self.next - 1) as u32, v));
                                continue;
                            }
                            Ok(Begin::Wait(w)) => return Step::Push(w),
                            Ok(Begin::Call { func, args, .. }) => {
                                return Step::Call {
                                    func,
                                    args,
                                    fut: id,
                                }
                            }
                            Err(c) => return Step::Ready(Err(c)),
                        }
                    }
                };
                f.sh.futs.borrow_mut()[id as usize] = Fut::Started(act);
                self.acts.push(act_u32(act));
            }
            // Children that already failed; then wait for the rest.
            if let Some(failed) = self.started().find(|&a| f.failed(a)) {
                self.cancel_all(f);
                return Step::Ready(f.act_result(failed));
            }
            let mut mine: Vec<u32> = self.started().map(act_u32).collect();
            mine.sort_unstable();
            f.sh.notified.borrow_mut().remove(&f.exec);
            let remaining = f.watch(self.started());
            self.watching = Some((mine, remaining));
        }
        let (mine, remaining) = self.watching.as_mut().expect("watching");
        while *remaining > 0 {
            let Some(done) = f.done_since() else {
                return Step::Pending;
            };
            for d in done {
                if mine.binary_search(&act_u32(d)).is_err() {
                    continue;
                }
                *remaining -= 1;
                if f.failed(d) {
                    self.cancel_all(f);
                    return Step::Ready(f.act_result(d));
                }
            }
        }
        // What the list of values no longer needs goes first (the peak of a large gather).
        self.futs = Vec::new();
        self.watching = None;
        let mut values = Vec::with_capacity(self.acts.len());
        let mut inline = std::mem::take(&mut self.values).into_iter().peekable();
        for (i, &a) in self.acts.iter().enumerate() {
            if a != INLINE {
                match f.act_result(a as usize) {
                    Ok(v) => values.push(v),
                    Err(c) => return Step::Ready(Err(c)),
                }
            } else if inline.peek().is_some_and(|(at, _)| *at as usize == i) {
                values.push(inline.next().map_or(Value::None, |(_, v)| v));
            } else {
                values.push(Value::None);
            }
        }
        Step::Ready(Ok(if self.tuple {
            Value::tuple(values)
        } else {
            Value::list(values)
        }))
    }
}

/// `map`: one action per item, at most `bound` in flight.
struct MapRun {
    /// The task, by name until the run begins (a kept map crosses REPL inputs by name), then
    /// by its index in this run's program.
    task: Name,
    task_index: u32,
    settings: Rc<ActSettings>,
    calls: std::iter::Enumerate<std::vec::IntoIter<Vec<Value>>>,
    bound: usize,
    return_exceptions: bool,
    acts: Vec<Option<usize>>,
    in_flight: HashSet<usize>,
    begun: bool,
}

impl MapRun {
    fn new(spec: MapSpec) -> MapRun {
        let n = spec.calls.len();
        MapRun {
            task: spec.task,
            task_index: u32::MAX,
            settings: spec.settings,
            calls: spec.calls.into_iter().enumerate(),
            bound: match spec.concurrency {
                0 => n.max(1),
                c => c,
            },
            return_exceptions: spec.return_exceptions,
            acts: vec![None; n],
            in_flight: HashSet::new(),
            begun: false,
        }
    }

    fn step(&mut self, f: &mut Frame<'_>) -> Step {
        if !self.begun {
            self.begun = true;
            self.task_index = f.prog().task_index(&self.task);
            f.sh.notified.borrow_mut().remove(&f.exec);
        }
        loop {
            while self.in_flight.len() < self.bound {
                let Some((i, args)) = self.calls.next() else {
                    break;
                };
                let a = f.start_action(self.task_index, self.settings.clone(), args.into());
                self.acts[i] = Some(a);
                if f.watch(std::iter::once(a)) > 0 {
                    self.in_flight.insert(a);
                } else if !self.return_exceptions && f.failed(a) {
                    return Step::Ready(f.act_result(a));
                }
            }
            if self.in_flight.is_empty() {
                break;
            }
            let Some(done) = f.done_since() else {
                return Step::Pending;
            };
            for d in done {
                if !self.in_flight.remove(&d) {
                    continue;
                }
                if !self.return_exceptions && f.failed(d) {
                    for &a in &self.in_flight {
                        cancel_act(&f.sh, a);
                    }
                    return Step::Ready(f.act_result(d));
                }
            }
        }
        let mut out = Vec::with_capacity(self.acts.len());
        for a in self.acts.iter().flatten() {
            out.push(match f.act_result(*a) {
                Ok(v) => v,
                Err(Ctrl::Raise(e)) if self.return_exceptions => *e,
                Err(e) => return Step::Ready(Err(e)),
            });
        }
        Step::Ready(Ok(Value::list(out)))
    }
}
