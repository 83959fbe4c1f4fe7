//! The action lifecycle: submitting an action and its attempts, the cache, cancellation,
//! completion and waking the actions that wait on it, and running a body or a host task.

use super::*;

/// Creates a logical action of task number `index` (among the checked tasks) and submits its
/// first attempt.
pub(super) fn submit_new(
    sh: &Rc<Shared<'_>>,
    index: u32,
    settings: Rc<ActSettings>,
    args: ArgList,
) -> usize {
    let now = sh.sim.borrow().now();
    sh.live.set(sh.live.get() + 1);
    if let Some(max) = sh.limits.max_live_actions {
        if sh.live.get() > max && sh.limit_error.borrow().is_none() {
            *sh.limit_error.borrow_mut() = Some(ErrorValue {
                kind: ErrorType::LimitExceededError,
                message: format!("the run passed its limit of {max} live actions"),
                code: ErrorCode::Run(RunCode::LiveActions),
                task: None,
                trace: Trace::new(),
            });
        }
    }
    let id = {
        let mut acts = sh.acts.borrow_mut();
        acts.push(Act::new(index, args, settings, 0, now));
        acts.len() - 1
    };
    if let Some(key) = cache_key(sh, id) {
        sh.acts.borrow_mut()[id].more_mut().cached = Some(Cached {
            key: key.clone(),
            followers: Vec::new(),
        });
        if cache_hit(sh, id, &key) {
            return id;
        }
        let serialize = sh.acts.borrow()[id]
            .settings
            .cache
            .as_ref()
            .is_some_and(|c| c.serialize);
        if serialize {
            let leader = sh.inflight.borrow().get(&key).copied();
            match leader {
                Some(l) if sh.acts.borrow()[l].result.is_none() => {
                    // Runs once: this call waits for the identical one in flight.
                    if let Some(c) = &mut sh.acts.borrow_mut()[l].more_mut().cached {
                        c.followers.push(id);
                    }
                    return id;
                }
                _ => {
                    sh.inflight.borrow_mut().insert(key, id);
                }
            }
        }
    }
    submit_attempt(sh, id);
    id
}

/// The cache key of an action whose result may be cached: (FQN, version, salt, inputs hash).
pub(super) fn cache_key(sh: &Rc<Shared<'_>>, id: usize) -> Option<crate::cache::Key> {
    use crate::check::config::CacheBehavior;
    sh.cache?;
    let acts = sh.acts.borrow();
    let a = &acts[id];
    let spec = a.settings.cache.as_ref()?;
    if spec.behavior == CacheBehavior::Disable {
        return None;
    }
    let version = match &spec.version_override {
        Some(v) => v.clone(),
        None => sh.prog.versions.get(sh.prog.task_name(a.task))?.clone(),
    };
    let params = &sh.prog.checked.tasks.get_index(a.task as usize)?.1.params;
    let mut inputs = serde_json::Map::new();
    for (p, v) in params.iter().zip(a.args.iter()) {
        if !spec.ignored_inputs.iter().any(|i| *i == p.name.as_str()) {
            // An input too deep to write whole is not cached: a cut one could match another.
            inputs.insert(p.name.to_string(), v.to_json_whole()?);
        }
    }
    Some(crate::cache::Key {
        fqn: sh.prog.task_fqn(a.task).to_string(),
        version,
        salt: spec.salt.clone(),
        inputs: {
            // Canonical: dict keys sorted, whatever their insertion order.
            let mut inputs = serde_json::Value::Object(inputs);
            inputs.sort_all_objects();
            crate::cache::hash(&inputs.to_string())
        },
    })
}

/// Ends the action with a stored result, if the cache has a fresh one.
pub(super) fn cache_hit(sh: &Rc<Shared<'_>>, id: usize, key: &crate::cache::Key) -> bool {
    let Some((text, stored_at)) = sh.cache.and_then(|c| c.get(key)) else {
        return false;
    };
    let (max_age, task) = {
        let a = &sh.acts.borrow()[id];
        (
            a.settings.cache.as_ref().and_then(|c| c.max_age),
            sh.prog.task_name(a.task).clone(),
        )
    };
    if let Some(max) = max_age {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        if (now - stored_at) as i128 * 1_000_000_000 > max as i128 {
            return false;
        }
    }
    let ret = sh.prog.checked.tasks[&task].ret.clone();
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    let Ok(value) = super::convert::from_json(&json, &ret, &sh.prog.checked) else {
        return false;
    };
    {
        let mut acts = sh.acts.borrow_mut();
        acts[id].end(ActState::Cached, Ok(value));
    }
    wake_waiters(sh, id);
    true
}

/// Submits the next attempt of a logical action to the simulator.
pub(super) fn submit_attempt(sh: &Rc<Shared<'_>>, id: usize) {
    let settings = sh.acts.borrow()[id].settings.clone();
    let mut sim = sh.sim.borrow_mut();
    let mut req: Request = sim.request_from_spec(
        &settings.resources,
        &settings.image,
        settings.interruptible,
        settings.queue.as_deref(),
    );
    if let Some((name, policy)) = &settings.reuse {
        let set = *sh
            .replica_sets
            .borrow_mut()
            .entry(name.clone())
            .or_insert_with(|| {
                let pod = req.clone();
                let set = sim.replica_set(sim::ReplicaSetSpec {
                    min: policy.min_replicas,
                    max: policy.max_replicas,
                    concurrency: policy.concurrency,
                    idle_ttl: policy.idle_ttl,
                    scaledown_ttl: policy.scaledown_ttl,
                    pod,
                });
                if policy.scope == crate::check::config::ReuseScope::Global {
                    // Replicas kept warm from an earlier run of the same session.
                    if let Some((_, n)) = sh.limits.warm_replicas.iter().find(|(e, _)| e == name) {
                        sim.prewarm(set, *n);
                    }
                    sh.global_sets.borrow_mut().push((name.clone(), set));
                }
                set
            });
        req.reuse = Some(set);
    }
    let sid = sim.submit(req);
    if let Some(t) = &settings.timeout {
        if let Some(q) = t.max_queued_time {
            // Fires only if this attempt is still queued by then (checked when it fires).
            sim.set_timer(Some(sid), q, tag(TAG_QUEUE_TIMEOUT, id));
        }
    }
    let first_attempt = sh.acts.borrow()[id].attempt() == 0;
    if first_attempt {
        if let Some(d) = settings.timeout.as_ref().and_then(|t| t.deadline) {
            sim.set_timer(None, d, tag(TAG_DEADLINE, id));
        }
    }
    drop(sim);
    let mut acts = sh.acts.borrow_mut();
    acts[id].begin_attempt();
    acts[id].sim_id = sid.0;
    if let Some(m) = &mut acts[id].more {
        m.memory_used = 0;
    }
    let mut map = sh.sim_acts.borrow_mut();
    if map.len() <= sid.0 as usize {
        map.resize(sid.0 as usize + 1, u32::MAX);
    }
    map[sid.0 as usize] = u32::try_from(id).expect("fewer than 2^32 actions");
}

/// Cancels a logical action and, recursively, its running children.
pub(super) fn cancel_act(sh: &Rc<Shared<'_>>, id: usize) {
    let (sid, children) = {
        let mut acts = sh.acts.borrow_mut();
        let a = &mut acts[id];
        if a.result.is_some() {
            return;
        }
        let task = Some(sh.prog.task_fqn(a.task).to_string());
        a.end(
            ActState::Cancelled,
            Err(Rc::new(ErrorValue {
                kind: ErrorType::ActionAbortedError,
                message: "cancelled".into(),
                code: ErrorCode::Type(ErrorType::ActionAbortedError),
                task,
                trace: Trace::new(),
            })),
        );
        (a.sim(), a.children())
    };
    if let Some(sid) = sid {
        sh.sim.borrow_mut().cancel(sid);
    }
    if let Some(exec) = sh.exec_of.borrow_mut().remove(&id) {
        // The body is dropped by the loop when it sees the action ended.
        sh.ready.borrow_mut().push_back(exec);
    }
    for c in children {
        cancel_act(sh, c);
    }
    wake_waiters(sh, id);
}

pub(super) fn wake_waiters(sh: &Rc<Shared<'_>>, id: usize) {
    sh.live.set(sh.live.get().saturating_sub(1));
    let (first, rest) = sh.acts.borrow_mut()[id].take_waiters();
    let mut notified = sh.notified.borrow_mut();
    let mut ready = sh.ready.borrow_mut();
    for w in first.into_iter().chain(rest) {
        notified.entry(w).or_default().push(id);
        ready.push_back(w);
    }
}

/// Ends the current attempt of action `id` with `outcome`: retries or records the result.
pub(super) fn complete(sh: &Rc<Shared<'_>>, id: usize, outcome: Result<Value, ErrorValue>) {
    let (sid, fqn) = {
        let acts = sh.acts.borrow();
        (acts[id].sim(), sh.prog.task_fqn(acts[id].task))
    };
    if let Some(sid) = sid {
        sh.sim.borrow_mut().finish(sid);
    }
    sh.exec_of.borrow_mut().remove(&id);
    let result = match outcome {
        Ok(v) => Ok(v),
        Err(e) => {
            // An error that names no task yet arose in this attempt; one that names a task
            // came from a child, which has had its own retries.
            let own = e.task.is_none();
            let e = super::errors::cross_boundary(e, &fqn);
            // Retries: user errors (OOM and timeouts included) use `retries`; system errors
            // of this attempt's own (a preemption of its node) are retried by the platform,
            // a child's only under `retries`; NonRecoverableError never.
            let system = own
                && e.kind.derives(ErrorType::RuntimeSystemError)
                && e.kind != ErrorType::UnschedulableError
                && e.kind != ErrorType::DeadlockError;
            let retry_delay = {
                let mut acts = sh.acts.borrow_mut();
                let a = &mut acts[id];
                let used = a
                    .more
                    .as_deref()
                    .map_or((0, 0), |m| (m.user_retries_used, m.system_retries_used));
                if system && used.1 < sh.system_retries {
                    a.more_mut().system_retries_used += 1;
                    Some(0)
                } else if !system
                    && e.code != ErrorCode::Type(ErrorType::NonRecoverableError)
                    && e.kind != ErrorType::NonRecoverableError
                    && e.kind != ErrorType::LimitExceededError
                    && e.kind != ErrorType::UnschedulableError
                {
                    let settings = a.settings.clone();
                    match &settings.retries {
                        Some(r) if used.0 < r.count => {
                            let n = used.0;
                            a.more_mut().user_retries_used += 1;
                            Some(r.backoff.as_ref().map_or(0, |b| {
                                let d = b.base as f64 * b.factor.powi(n as i32);
                                let d = b.cap.map_or(d, |c| d.min(c as f64));
                                d.round() as i64
                            }))
                        }
                        _ => None,
                    }
                } else {
                    None
                }
            };
            if let Some(delay) = retry_delay {
                // The deadline bounds the whole action across attempts.
                let deadline = sh.acts.borrow()[id]
                    .settings
                    .timeout
                    .as_ref()
                    .and_then(|t| t.deadline);
                let first = sh.acts.borrow()[id].first_queued;
                let now = sh.sim.borrow().now();
                if deadline.is_none_or(|d| now.saturating_add(delay) < first.saturating_add(d)) {
                    if delay > 0 {
                        sh.sim
                            .borrow_mut()
                            .set_timer(None, delay, tag(TAG_RESUBMIT, id));
                    } else {
                        submit_attempt(sh, id);
                    }
                    return;
                }
            }
            Err(Rc::new(e))
        }
    };
    if let (Ok(v), Some(key), Some(cache)) = (
        &result,
        sh.acts.borrow()[id].cached().map(|c| c.key.clone()),
        sh.cache,
    ) {
        // A result too deep to write whole is not stored (it would come back cut).
        if let Some(j) = v.to_json_whole() {
            cache.put(&key, &j.to_string());
        }
    }
    let followers = {
        let mut acts = sh.acts.borrow_mut();
        let a = &mut acts[id];
        let state = if result.is_ok() {
            ActState::Succeeded
        } else {
            ActState::Failed
        };
        a.end(state, result.clone());
        a.more
            .as_mut()
            .and_then(|m| m.cached.as_mut())
            .map(|c| std::mem::take(&mut c.followers))
            .unwrap_or_default()
    };
    wake_waiters(sh, id);
    // Identical calls that waited for this one: cache hits (or the same failure).
    for f in followers {
        {
            let mut acts = sh.acts.borrow_mut();
            let (state, copy) = match &result {
                Ok(v) => (ActState::Cached, Ok(v.deep_copy())),
                Err(e) => (ActState::Failed, Err(e.clone())),
            };
            acts[f].end(state, copy);
        }
        wake_waiters(sh, f);
    }
}

/// The body of one attempt, created when its action starts and run when first polled: a
/// fiber on the VM ([`Fiber`]).
pub(crate) struct Body<'p> {
    id: usize,
    exec: usize,
    fiber: Option<Box<Fiber<'p>>>,
}

impl<'p> Body<'p> {
    pub(super) fn new(id: usize, exec: usize) -> Body<'p> {
        Body {
            id,
            exec,
            fiber: None,
        }
    }

    /// Runs the body until it ends (`true`) or waits.
    pub(super) fn poll(&mut self, sh: &Rc<Shared<'p>>) -> bool {
        let id = self.id;
        let r = match &mut self.fiber {
            Some(fiber) => match fiber.poll() {
                Some(r) => r,
                None => return false,
            },
            None => match self.start(sh) {
                Some(r) => r,
                None => return false,
            },
        };
        finish(sh, id, r);
        true
    }

    /// The first poll: binds the arguments and starts the task.
    fn start(&mut self, sh: &Rc<Shared<'p>>) -> Option<Res<Value>> {
        let (id, exec) = (self.id, self.exec);
        let task_index = sh.acts.borrow()[id].task;
        let args: Vec<Value> = {
            let acts = sh.acts.borrow();
            if id == 0 && sh.limits.free_root {
                // The REPL's input takes the session's variables as they share among
                // themselves (after `let b = a`, one list); a task's arguments are copied
                // each on its own, as flyte-sdk serializes each input.
                Value::deep_copy_all(&acts[id].args)
            } else {
                acts[id].args.iter().map(Value::deep_copy).collect()
            }
        };
        let Some((index, _)) = sh.prog.task_decl_at(task_index) else {
            let task = sh.prog.task_name(task_index).clone();
            let outcome = run_native_task(sh, &task, args);
            if sh.acts.borrow()[id].result.is_none() {
                complete(sh, id, outcome);
            }
            return None;
        };
        let f = Frame::new(sh.clone(), id, exec, 0);
        let Some(code) = sh.prog.vm_body(index) else {
            return Some(Err(raise(
                ErrorType::RuntimeSystemError,
                format!(
                    "the body of {} is too large to run",
                    sh.prog.task_name(task_index)
                ),
            )));
        };
        let fiber = self.fiber.insert(Box::new(Fiber::new(f, code, args)));
        fiber.poll()
    }
}

/// Ends an attempt with its body's outcome (unless it was cancelled while it ran).
fn finish(sh: &Rc<Shared<'_>>, id: usize, r: Res<Value>) {
    let task = sh.acts.borrow()[id].task;
    let widen = |v: Value| {
        let mut v = v.deep_copy();
        if let Some((_, info)) = sh.prog.checked.tasks.get_index(task as usize) {
            super::convert::widen_to(&mut v, &info.ret, &sh.prog.checked);
        }
        v
    };
    let outcome = match r {
        Ok(v) => Ok(widen(v)),
        Err(Ctrl::Raise(v)) => match *v {
            Value::Error(e) => Err((*e).clone()),
            v => Err(ErrorValue {
                kind: ErrorType::TypeError,
                message: format!("raised a {}", v.type_name()),
                code: ErrorCode::Type(ErrorType::TypeError),
                task: None,
                trace: Trace::new(),
            }),
        },
        Err(Ctrl::Kill(e)) => Err(*e),
    };
    // An action cancelled while its body ran has its result already.
    if sh.acts.borrow()[id].result.is_some() {
        return;
    }
    complete(sh, id, outcome);
}

/// Runs a host task's future to completion (it takes no virtual time of its own: its action
/// is queued, placed and cold-started like any other).
pub(super) fn run_native_task(
    sh: &Rc<Shared<'_>>,
    task: &Name,
    args: Vec<Value>,
) -> Result<Value, ErrorValue> {
    let err = ErrorValue::new;
    let Some(f) = sh.prog.native_tasks.get(task) else {
        return Err(err(
            ErrorType::RuntimeSystemError,
            format!("no host task {task}"),
        ));
    };
    let fut = f(args.iter().map(Value::to_json).collect());
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        match tokio::runtime::Handle::try_current() {
            Ok(h) => h.block_on(fut),
            Err(_) => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
                .and_then(|rt| rt.block_on(fut)),
        }
    }));
    let ret = sh.prog.checked.tasks[task].ret.clone();
    match result {
        Ok(Ok(j)) => super::convert::from_json(&j, &ret, &sh.prog.checked).map_err(|m| {
            err(
                ErrorType::RuntimeSystemError,
                format!("host task {task} returned a value that is not {ret}: {m}"),
            )
        }),
        Ok(Err(message)) => Err(ErrorValue {
            code: ErrorCode::Host,
            ..err(ErrorType::RuntimeUserError, message)
        }),
        Err(_) => Err(err(
            ErrorType::RuntimeSystemError,
            format!("host task {task} panicked"),
        )),
    }
}
