//! The event loop: a run from its root action to its outcome, driving the bodies and the
//! simulator in virtual time, and the deadlock report.

use super::*;

/// The run: the event loop.
pub(crate) fn run(
    prog: &Executable,
    task: &str,
    args: Vec<(Name, Value)>,
    cluster: &Cluster,
    opts: super::RunOptions<'_>,
) -> RunOutcome {
    let super::RunOptions {
        seed,
        limits,
        cancel,
        cache,
        progress,
        carry,
        record_waits,
        waits_of,
    } = opts;
    let sh = Rc::new(Shared {
        prog,
        sim: RefCell::new({
            let mut sim = Sim::new(cluster, seed);
            if record_waits {
                sim.record_waits();
            }
            sim
        }),
        acts: RefCell::new(Vec::new()),
        sim_acts: RefCell::new(Vec::new()),
        futs: RefCell::new(Vec::new()),
        ready: RefCell::new(VecDeque::new()),
        next_exec: Cell::new(0),
        exec_of: RefCell::new(HashMap::default()),
        notified: RefCell::new(HashMap::default()),
        logs: RefCell::new(Vec::new()),
        rng: Cell::new(seed ^ 0x5DEE_CE66_D1CE_4E5B),
        globals: RefCell::new(HashMap::new()),
        global_ids: RefCell::new(vec![None; prog.globals.names.len()]),
        base_settings: RefCell::new(Vec::new()),
        overrides: RefCell::new(Vec::new()),
        replica_sets: RefCell::new(HashMap::new()),
        steps: Cell::new(0),
        next_check: Cell::new(
            limits
                .max_steps
                .map_or(1024, |m| m.saturating_add(1).min(1024)),
        ),
        limits: limits.clone(),
        limit_error: RefCell::new(None),
        system_retries: cluster.system_retries,
        started: std::time::Instant::now(),
        memory_base: memory::live(),
        cancel: cancel.unwrap_or_default(),
        live: Cell::new(0),
        cache,
        progress,
        inflight: RefCell::new(HashMap::new()),
        global_sets: RefCell::new(Vec::new()),
    });
    let mut args = args;
    if let Some(c) = carry {
        super::carry::attach(&sh, &mut c.borrow_mut(), &mut args);
    }
    let passed: Vec<Value> = match carry {
        Some(_) => args.iter().map(|(_, v)| v.clone()).collect(),
        None => Vec::new(),
    };
    let task_name = Name::new(task);
    let task_index = prog.task_index(&task_name);
    let settings = base_settings(prog, task_index);
    // The root's arguments, defaults evaluated, in parameter order.
    let args_named: Vec<Name> = args.iter().map(|(n, _)| n.clone()).collect();
    let bound = {
        let mut f = Frame::new(sh.clone(), 0, 0, 0);
        f.bind_task_args(task_index, Vec::new(), args)
    };
    let args = match bound {
        // The REPL's input takes the session's variables as they share among themselves
        // (after `let b = a`, one list), not each copied on its own as a task's arguments are:
        // the values as passed, which its body copies together when it starts.
        Ok(a) if limits.free_root && passed.len() == args_named.len() => {
            let params = &prog.checked.tasks[&task_name].params;
            let by_name: Vec<Value> = params
                .iter()
                .filter_map(|p| args_named.iter().position(|n| *n == p.name))
                .map(|i| passed[i].clone())
                .collect();
            if by_name.len() == a.len() {
                by_name
            } else {
                a
            }
        }
        Ok(a) => a,
        Err(c) => {
            let e = match ctrl_to_err(c) {
                Value::Error(e) => (*e).clone(),
                _ => unreachable!(),
            };
            if let Some(c) = carry {
                super::carry::detach(&sh, &mut c.borrow_mut(), &passed, None);
            }
            return RunOutcome {
                result: Err(e),
                summary: sh.sim.borrow().summary(),
                actions: Vec::new(),
                logs: Vec::new(),
                attempts: 0,
                series: sh.sim.borrow().utilization_series(),
                nodes: Vec::new(),
                resources: Vec::new(),
                args: Vec::new(),
                warm_after: Vec::new(),
                root: root_place(prog, &task_name),
                waits: Vec::new(),
            };
        }
    };
    let root = if limits.free_root {
        // Started at once, on no node.
        let settings = Rc::new(ActSettings {
            resources: Default::default(),
            reuse: None,
            ..(*settings).clone()
        });
        sh.live.set(sh.live.get() + 1);
        sh.acts
            .borrow_mut()
            .push(Act::new(task_index, args.into(), settings, 1, 0));
        0
    } else {
        submit_new(&sh, task_index, settings, args.into())
    };
    // The bodies running, by number (a few thousand at a time, of a million numbers).
    let mut bodies: HashMap<usize, Body<'_>, FastHash> = HashMap::default();
    if limits.free_root {
        let exec = sh.next_exec.get();
        sh.next_exec.set(exec + 1);
        sh.exec_of.borrow_mut().insert(root, exec);
        bodies.insert(exec, Body::new(root, exec));
        sh.ready.borrow_mut().push_back(exec);
    }
    let mut loop_count = 0u64;
    let mut last_progress = std::time::Duration::ZERO;
    loop {
        // Poll every ready body.
        loop {
            let next = sh.ready.borrow_mut().pop_front();
            let Some(exec) = next else { break };
            if let Some(body) = bodies.get_mut(&exec) {
                if body.poll(&sh) {
                    bodies.remove(&exec);
                }
            }
            // Drop bodies of actions that ended (cancelled, timed out).
            if sh.acts.borrow()[root].result.is_some() {
                break;
            }
        }
        if sh.acts.borrow()[root].result.is_some() || sh.limit_error.borrow().is_some() {
            break;
        }
        if let Some(e) = outside_limits(&sh) {
            *sh.limit_error.borrow_mut() = Some(e);
            break;
        }
        if let Some(report) = sh.progress {
            loop_count += 1;
            if loop_count.is_multiple_of(1024) {
                let elapsed = sh.started.elapsed();
                if elapsed > std::time::Duration::from_millis(500)
                    && elapsed - last_progress > std::time::Duration::from_millis(200)
                {
                    last_progress = elapsed;
                    let known = sh.acts.borrow().len();
                    report(known - sh.live.get(), known, sh.sim.borrow().now());
                }
            }
        }
        let ev = sh.sim.borrow_mut().next_event();
        if sh.sim.borrow().now() == sim::Time::MAX {
            *sh.limit_error.borrow_mut() = Some(super::errors::clock_overflow());
            break;
        }
        let Some(ev) = ev else {
            // Nothing more will happen: the root never finishes.
            let report = sh.sim.borrow().is_stuck();
            let detail = report
                .map(|r| describe_deadlock(&sh, &r))
                .unwrap_or_default();
            let e = ErrorValue {
                kind: ErrorType::DeadlockError,
                message: format!("no action can make progress:\n{detail}"),
                code: ErrorCode::Run(RunCode::Deadlock),
                task: None,
                trace: Trace::new(),
            };
            fail_all_pending(&sh, e);
            break;
        };
        if let Some(max) = sh.limits.max_virtual_time {
            if sh.sim.borrow().now() > max {
                *sh.limit_error.borrow_mut() = Some(ErrorValue {
                    kind: ErrorType::LimitExceededError,
                    message: format!(
                        "the run passed its virtual-time limit of {}",
                        value::format_duration(max)
                    ),
                    code: ErrorCode::Run(RunCode::VirtualTime),
                    task: None,
                    trace: Trace::new(),
                });
                break;
            }
        }
        match ev {
            SimEvent::Started { action, .. } => {
                let id = sh.sim_acts.borrow()[action.0 as usize];
                let Some(id) = (id != u32::MAX).then_some(id as usize) else {
                    continue;
                };
                if sh.acts.borrow()[id].result.is_some() {
                    continue;
                }
                let exec = sh.next_exec.get();
                sh.next_exec.set(exec + 1);
                sh.exec_of.borrow_mut().insert(id, exec);
                if let Some(t) = sh.acts.borrow()[id]
                    .settings
                    .timeout
                    .as_ref()
                    .and_then(|t| t.max_runtime)
                {
                    sh.sim
                        .borrow_mut()
                        .set_timer(Some(action), t, tag(TAG_TIMEOUT, id));
                }
                bodies.insert(exec, Body::new(id, exec));
                sh.ready.borrow_mut().push_back(exec);
            }
            SimEvent::TimerFired { tag: t, .. } => {
                let (kind, id) = (t >> 56, (t & ((1 << 56) - 1)) as usize);
                match kind {
                    TAG_WAKE => sh.ready.borrow_mut().push_back(id),
                    TAG_RESUBMIT => {
                        if sh.acts.borrow()[id].result.is_none() {
                            submit_attempt(&sh, id)
                        }
                    }
                    TAG_QUEUE_TIMEOUT => {
                        let sid = sh.acts.borrow()[id].sim();
                        let queued = sid
                            .is_some_and(|s| sh.sim.borrow().state(s) == sim::ActionState::Queued);
                        if queued && sh.acts.borrow()[id].result.is_none() {
                            let fqn = sh.prog.task_fqn(sh.acts.borrow()[id].task);
                            sh.sim.borrow_mut().cancel(sid.unwrap());
                            complete(
                                &sh,
                                id,
                                Err(ErrorValue {
                                    kind: ErrorType::MaxQueuedTimeExceededError,
                                    message:
                                        "the attempt waited in the queue past its max_queued_time"
                                            .into(),
                                    code: ErrorCode::Type(ErrorType::MaxQueuedTimeExceededError),
                                    task: Some(fqn.to_string()),
                                    trace: Trace::new(),
                                }),
                            );
                        }
                    }
                    TAG_DEADLINE => {
                        if sh.acts.borrow()[id].result.is_none() {
                            if let Some(exec) = sh.exec_of.borrow_mut().remove(&id) {
                                bodies.remove(&exec);
                            }
                            let (sid, children, fqn) = {
                                let a = &sh.acts.borrow()[id];
                                (a.sim(), a.children(), sh.prog.task_fqn(a.task))
                            };
                            for c in children {
                                cancel_act(&sh, c);
                            }
                            if let Some(sid) = sid {
                                sh.sim.borrow_mut().cancel(sid);
                            }
                            // Past the deadline nothing is retried.
                            let mut acts = sh.acts.borrow_mut();
                            acts[id].end(
                                ActState::Failed,
                                Err(Rc::new(ErrorValue {
                                    kind: ErrorType::DeadlineExceededError,
                                    message: "the action ran past its deadline".into(),
                                    code: ErrorCode::Type(ErrorType::DeadlineExceededError),
                                    task: Some(fqn.to_string()),
                                    trace: Trace::new(),
                                })),
                            );
                            drop(acts);
                            wake_waiters(&sh, id);
                        }
                    }
                    _ => {
                        // A running attempt passed its max_runtime.
                        let alive = sh.acts.borrow()[id].result.is_none();
                        if alive {
                            if let Some(exec) = sh.exec_of.borrow_mut().remove(&id) {
                                bodies.remove(&exec);
                            }
                            let children = sh.acts.borrow()[id].children();
                            for c in children {
                                cancel_act(&sh, c);
                            }
                            let fqn = sh.prog.task_fqn(sh.acts.borrow()[id].task);
                            complete(
                                &sh,
                                id,
                                Err(ErrorValue {
                                    kind: ErrorType::MaxRuntimeExceededError,
                                    message: "the attempt ran past its max_runtime".into(),
                                    code: ErrorCode::Type(ErrorType::MaxRuntimeExceededError),
                                    task: Some(fqn.to_string()),
                                    trace: Trace::new(),
                                }),
                            );
                        }
                    }
                }
            }
            SimEvent::Preempted { action, .. } | SimEvent::OomKilled { action, .. } => {
                let (kind, message) = match ev {
                    SimEvent::Preempted { .. } => {
                        (ErrorType::PreemptedError, "the spot node was preempted")
                    }
                    _ => (
                        ErrorType::OOMError,
                        "another action on its replica went above the container's memory limit: the container was killed",
                    ),
                };
                let id = sh.sim_acts.borrow()[action.0 as usize] as usize;
                if let Some(exec) = sh.exec_of.borrow_mut().remove(&id) {
                    bodies.remove(&exec);
                }
                complete(
                    &sh,
                    id,
                    Err(ErrorValue {
                        kind,
                        message: message.into(),
                        code: ErrorCode::Type(kind),
                        // `complete` names the task: the error is this attempt's own.
                        task: None,
                        trace: Trace::new(),
                    }),
                );
            }
            SimEvent::Unschedulable { action, reason, .. } => {
                let id = sh.sim_acts.borrow()[action.0 as usize] as usize;
                let fqn = sh.prog.task_fqn(sh.acts.borrow()[id].task);
                complete(
                    &sh,
                    id,
                    Err(ErrorValue {
                        kind: ErrorType::UnschedulableError,
                        message: reason,
                        code: ErrorCode::Run(RunCode::Unschedulable),
                        task: Some(fqn.to_string()),
                        trace: Trace::new(),
                    }),
                );
            }
        }
    }
    // Those still waiting, in the order they started.
    let mut left: Vec<_> = bodies.into_iter().collect();
    left.sort_unstable_by_key(|(exec, _)| *exec);
    drop(left);
    let result = match sh.limit_error.borrow().clone() {
        Some(e) => Err(e),
        None => match sh.acts.borrow()[root].result.clone() {
            Some(Ok(v)) => Ok(v),
            Some(Err(e)) => Err((*e).clone()),
            None => Err(ErrorValue {
                kind: ErrorType::RuntimeSystemError,
                message: "the run ended without a result".into(),
                code: ErrorCode::Type(ErrorType::RuntimeSystemError),
                task: None,
                trace: Trace::new(),
            }),
        },
    };
    // Values the caller keeps for its next run, before the futures go.
    let result = match (carry, result) {
        (Some(c), Ok(v)) => {
            Ok(super::carry::detach(&sh, &mut c.borrow_mut(), &passed, Some(&v)).unwrap_or(v))
        }
        (Some(c), Err(e)) => {
            super::carry::detach(&sh, &mut c.borrow_mut(), &passed, None);
            Err(e)
        }
        (None, r) => r,
    };
    // What the summaries do not need goes before they are built (the peak of a large run).
    sh.futs.borrow_mut().clear();
    sh.futs.borrow_mut().shrink_to_fit();
    sh.notified.borrow_mut().clear();
    sh.exec_of.borrow_mut().clear();
    for a in sh.acts.borrow_mut().iter_mut() {
        a.take_waiters();
        if let Some(m) = &mut a.more {
            m.children = Vec::new();
            m.cached = None;
        }
    }
    // Replicas that `scope = "global"` keeps for later runs, counted before the idle tail.
    let warm_after = sh
        .global_sets
        .borrow()
        .iter()
        .map(|(name, set)| (name.clone(), sh.sim.borrow().replicas_alive(*set) as u32))
        .filter(|(_, n)| *n > 0)
        .collect();
    // Replicas alive after the last action run out their idle time and stop: billed.
    sh.sim.borrow_mut().drain_replicas();
    let waits = if record_waits {
        super::waits::collect(&sh, waits_of)
    } else {
        Vec::new()
    };
    let summary = sh.sim.borrow_mut().take_summary();
    let (series, nodes) = {
        let sim = sh.sim.borrow();
        let nodes = (0..sim.node_count())
            .map(|i| {
                let n = sim::NodeId(i as u32);
                (
                    sim.node_name(n),
                    sim.cluster().pools[sim.node_pool(n)].name.clone(),
                )
            })
            .collect();
        (sim.utilization_series(), nodes)
    };
    let acts = std::mem::take(&mut *sh.acts.borrow_mut());
    let attempts = acts.iter().map(|a| a.attempt() as u64).sum();
    let (actions, resources, args) =
        crate::runtime::action_summaries(prog, acts, &sh.sim_acts.borrow());
    let logs = sh.logs.borrow().clone();
    RunOutcome {
        result,
        summary,
        actions,
        logs,
        attempts,
        series,
        nodes,
        resources,
        args,
        warm_after,
        root: root_place(prog, &task_name),
        waits,
    }
}

/// The span of the run task's name, and its FQN.
pub(super) fn root_place(prog: &Executable, task: &Name) -> Option<(Span, String)> {
    let info = prog.checked.tasks.get(task)?;
    Some((info.span, info.fqn.clone()))
}

/// The deadlock chain in the program's terms: which action holds which node or replica
/// slot, which of its children it waits for, and what each queued action waits for.
pub(super) fn describe_deadlock(sh: &Rc<Shared<'_>>, r: &sim::StuckReport) -> String {
    let acts = sh.acts.borrow();
    let sim_acts = sh.sim_acts.borrow();
    let name_of = |sid: sim::ActionId| -> String {
        match sim_acts.get(sid.0 as usize) {
            Some(&id) if id != u32::MAX => {
                format!(
                    "`{}` (action {id})",
                    sh.prog.task_fqn(acts[id as usize].task)
                )
            }
            _ => format!("action {}", sid.0),
        }
    };
    let env_of = |set: sim::ReplicaSetId| -> String {
        sh.replica_sets
            .borrow()
            .iter()
            .find(|(_, s)| **s == set)
            .map_or_else(|| format!("{}", set.0), |(n, _)| format!("`{n}`"))
    };
    let mut out = String::new();
    for h in &r.holders {
        let holds = match h.replica {
            Some(rep) => format!("a slot of replica {} on {}", rep.0, h.node_name),
            None => format!("its pod's capacity on {}", h.node_name),
        };
        let waits: Vec<String> = sim_acts
            .get(h.action.0 as usize)
            .filter(|&&id| id != u32::MAX)
            .map(|&id| {
                acts[id as usize]
                    .children()
                    .into_iter()
                    .filter(|&c| acts[c].result.is_none())
                    .map(|c| format!("`{}` (action {c})", sh.prog.task_fqn(acts[c].task)))
                    .collect()
            })
            .unwrap_or_default();
        let tail = if waits.is_empty() {
            String::new()
        } else {
            format!(" and waits for {}", waits.join(", "))
        };
        out.push_str(&format!(
            "  {} holds {holds}{tail}
",
            name_of(h.action)
        ));
    }
    for w in &r.waiting {
        let what = match &w.waiting_for {
            sim::WaitingFor::Capacity { request } => format!("a node with {request} free"),
            sim::WaitingFor::ReplicaSlot { set } => format!(
                "a free replica slot of reusable environment {}",
                env_of(*set)
            ),
            sim::WaitingFor::Replica { replica, request } => format!(
                "replica {}, which waits for a node with {request} free",
                replica.0
            ),
        };
        out.push_str(&format!("  {} is queued for {what}\n", name_of(w.action)));
    }
    out
}

pub(super) fn fail_all_pending(sh: &Rc<Shared<'_>>, e: ErrorValue) {
    let n = sh.acts.borrow().len();
    for id in (0..n).rev() {
        let pending = sh.acts.borrow()[id].result.is_none();
        if pending {
            let mut acts = sh.acts.borrow_mut();
            let task = Some(sh.prog.task_fqn(acts[id].task).to_string());
            acts[id].end(
                ActState::Failed,
                Err(Rc::new(ErrorValue { task, ..e.clone() })),
            );
        }
    }
}

/// A host function's or task's arguments in its parameters' order: the positional ones, then
/// each keyword one at its parameter's place (the checker saw that they fit).
pub(super) fn host_args(
    params: &[crate::check::Param],
    mut argv: Vec<Value>,
    kwargs: Vec<(Name, Value)>,
) -> Vec<Value> {
    if kwargs.is_empty() {
        return argv;
    }
    let mut kwargs: Vec<Option<(Name, Value)>> = kwargs.into_iter().map(Some).collect();
    for p in params.iter().skip(argv.len()) {
        let found = kwargs
            .iter_mut()
            .find(|k| k.as_ref().is_some_and(|(n, _)| *n == p.name));
        match found.and_then(Option::take) {
            Some((_, v)) => argv.push(v),
            None => break,
        }
    }
    argv
}
