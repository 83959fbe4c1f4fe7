//! The interpreter: task bodies really run; time is virtual; every task call is an action
//! placed on the simulated cluster ([`crate::sim`]).
//!
//! # Shape
//!
//! A run is one synchronous call ([`run`]) that owns a discrete-event loop. Each action
//! attempt's body runs on the register VM (`runtime::vm`) over the program's lowered form
//! (`crate::ir`, built once with the program), in a *fiber* of its own: where the body must
//! wait (an `await`, a sync task call, `sleep`, `compute`, `gpu_compute`, `gather`, `map`) the
//! VM halts, and the fiber keeps its registers, its frames and the effect it waits for (a
//! small state machine, `interp/effects.rs`). The loop polls the fiber again when the child
//! action it waits for ends or its timer fires (no threads, no wakers: the loop knows what each
//! body waits for). This is rune's model (a synchronous VM that halts, resumed by a driver),
//! measured against the boxed future per node it replaced: one fiber per running action, no
//! allocation per expression or call. The VM is the only evaluator: top-level `let` values
//! and parameter defaults are lowered bodies too, run to their end where they are first
//! needed.
//!
//! ```text
//! loop:
//!   poll every ready fiber         -> may submit actions, set timers, finish
//!   ev = sim.next_event()          -> Started: create the fiber; TimerFired: wake its fiber
//!   none left and root not done    -> DeadlockError with the chain of holders and waiters
//! ```
//!
//! Because the whole simulation runs inside one call, the state is `Rc`/`RefCell` (cheap,
//! single-threaded) and the future an embedding host awaits stays `Send`.

pub use act::ArgList;
pub(crate) use act::{Act, Cached, Fut, MapSpec};
mod act;
pub mod builtins;
pub mod carry;
pub(crate) mod convert;
mod errors;
mod interp;
mod literal;
pub mod memory;
pub mod ops;
mod overrides;
mod trace;
pub mod value;
pub(crate) mod vm;
pub mod waits;

use crate::check::config::{RetrySpec, ReuseSpec, TimeoutSpec};
use crate::check::imports::Loaded;
use crate::check::Checked;
use crate::resources::ResourceSpec;
use crate::sim::{self, ActionId, Cluster, Sim, SimEvent};
use crate::syntax::ast::*;
use indexmap::IndexMap;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use value::{ErrorValue, Value};

/// A host function: JSON arguments in, a JSON result or an error message out.
pub type NativeFn = std::sync::Arc<
    dyn Fn(Vec<serde_json::Value>) -> Result<serde_json::Value, String> + Send + Sync,
>;

/// A host task: JSON arguments in, a future of a JSON result or an error message.
pub type NativeTaskFn = std::sync::Arc<
    dyn Fn(
            Vec<serde_json::Value>,
        ) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, String>> + Send>>
        + Send
        + Sync,
>;

/// A checked program, lowered and ready to run (the engine's [`crate::Program`] wraps one for
/// hosts).
pub struct Executable {
    pub loaded: Loaded,
    pub checked: Checked,
    /// Global names by the ids the lowering gave them.
    pub(crate) globals: crate::ir::scope::Globals,
    natives: IndexMap<Name, NativeFn>,
    native_tasks: IndexMap<Name, NativeTaskFn>,
    /// Each task's `"auto"` cache version: a hash of its source text and interface.
    versions: HashMap<Name, String>,
    /// By index among the checked tasks (what an [`Act`] holds): its FQN, shared by all its
    /// actions, and its index among the program's names (`u32::MAX`: a host task), so that
    /// starting an action hashes no name.
    task_fqns: Vec<std::sync::Arc<str>>,
    task_locs: Vec<u32>,
    /// Each task's index among the checked tasks, by name, under a quick hash (a call of a
    /// task looks it up).
    task_ids: HashMap<Name, u32, FastHash>,
    /// Every body, lowered once (see [`crate::ir`]).
    pub(crate) unit: std::sync::Arc<crate::ir::Unit>,
}

impl Executable {
    pub fn new(loaded: Loaded, checked: Checked) -> Executable {
        Executable::with_natives(loaded, checked, IndexMap::new())
    }

    /// A program whose scripts call the host functions `natives` (checked against
    /// `checked.natives`).
    pub fn with_natives(
        loaded: Loaded,
        checked: Checked,
        natives: IndexMap<Name, NativeFn>,
    ) -> Executable {
        let mut versions = HashMap::new();
        for (name, info) in &checked.tasks {
            let text = checked
                .locations
                .get(name)
                .and_then(|&(m, i)| {
                    let span = loaded.modules.get(m)?.items.get(i)?.span;
                    loaded.texts.get(m)?.get(span.range()).map(str::to_string)
                })
                .unwrap_or_else(|| format!("{info:?}"));
            versions.insert(
                name.clone(),
                crate::cache::hash(&format!("{}\n{text}", info.fqn)),
            );
        }
        let (unit, globals) = crate::ir::lower(&loaded, &checked);
        let unit = std::sync::Arc::new(unit);
        let task_fqns: Vec<std::sync::Arc<str>> = checked
            .tasks
            .values()
            .map(|t| std::sync::Arc::from(t.fqn.as_str()))
            .collect();
        let task_locs = checked
            .tasks
            .keys()
            .map(|k| {
                checked
                    .locations
                    .get_index_of(k)
                    .map_or(u32::MAX, |i| i as u32)
            })
            .collect();
        let task_ids = (checked.tasks.keys())
            .enumerate()
            .map(|(i, k)| (k.clone(), i as u32))
            .collect();
        Executable {
            loaded,
            checked,
            globals,
            natives,
            native_tasks: IndexMap::new(),
            versions,
            task_fqns,
            task_locs,
            task_ids,
            unit,
        }
    }

    /// The lowered body with index `index` among the program's names, if the VM runs it.
    #[inline]
    pub(crate) fn vm_body(&self, index: u32) -> Option<&crate::ir::FnCode> {
        self.unit.get(index)
    }

    /// Adds host tasks (checked against `checked.tasks`, where the checker declared them).
    pub fn with_native_tasks(mut self, tasks: IndexMap<Name, NativeTaskFn>) -> Executable {
        self.native_tasks = tasks;
        self
    }

    fn item(&self, key: &str) -> Option<&Item> {
        let (m, i) = *self.checked.locations.get(key)?;
        self.loaded.modules.get(m)?.items.get(i)
    }

    /// The declaration of the checked task with index `i` (what an [`Act`] holds) and its
    /// index among the program's names; `None` for a host task.
    /// Whether task number `i` is an `async task`.
    pub(crate) fn task_is_async(&self, i: u32) -> bool {
        self.checked
            .tasks
            .get_index(i as usize)
            .is_some_and(|(_, t)| t.is_async)
    }

    pub(crate) fn task_decl_at(&self, i: u32) -> Option<(u32, &TaskDecl)> {
        let loc = *self.task_locs.get(i as usize)?;
        let (_, &(m, i)) = self.checked.locations.get_index(loc as usize)?;
        match &self.loaded.modules.get(m)?.items.get(i)?.kind {
            ItemKind::Task(t) => Some((loc, t)),
            _ => None,
        }
    }

    /// The FQN of the checked task with index `i`.
    pub(crate) fn task_fqn(&self, i: u32) -> std::sync::Arc<str> {
        self.task_fqns
            .get(i as usize)
            .cloned()
            .unwrap_or_else(|| std::sync::Arc::from(""))
    }

    /// A checked task's index among the checked tasks (what an [`Act`] holds).
    pub(crate) fn task_index(&self, t: &Name) -> u32 {
        self.task_ids.get(t).copied().unwrap_or(u32::MAX)
    }

    /// The task with index `i` among the checked tasks.
    pub(crate) fn task_name(&self, i: u32) -> &Name {
        static NONE: std::sync::OnceLock<Name> = std::sync::OnceLock::new();
        match self.checked.tasks.get_index(i as usize) {
            Some((n, _)) => n,
            None => NONE.get_or_init(|| Name::new("")),
        }
    }

    /// A function by the index [`Callable::Fn`](value::Callable::Fn) holds.
    #[inline]
    pub(crate) fn fn_at(&self, index: u32) -> Option<&FnDecl> {
        let (_, &(m, i)) = self.checked.locations.get_index(index as usize)?;
        match &self.loaded.modules.get(m)?.items.get(i)?.kind {
            ItemKind::Fn(f) => Some(f),
            _ => None,
        }
    }

    pub(crate) fn let_decl(&self, key: &str) -> Option<&LetDecl> {
        match &self.item(key)?.kind {
            ItemKind::Let(l) => Some(l),
            _ => None,
        }
    }
}

/// The default of [`Limits::max_memory`]: 1 GiB.
pub const DEFAULT_MAX_MEMORY: u64 = 1 << 30;

/// Limits that stop runaway scripts with a clear error (`E07xx`), never a crash.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Statements and expressions evaluated, across the run.
    pub max_steps: Option<u64>,
    /// Nested function and task calls within one action.
    pub max_call_depth: usize,
    /// Virtual time.
    pub max_virtual_time: Option<i64>,
    /// Actions not yet ended at once.
    pub max_live_actions: Option<usize>,
    /// Real time the run may take.
    pub max_wall_time: Option<std::time::Duration>,
    /// Bytes the run's values may hold at once, counted by [`memory::CountingAlloc`] (when it
    /// is the global allocator, as in the `flyte-dsl` binary; without it nothing is counted).
    pub max_memory: Option<u64>,
    /// Not a limit: the root action takes no capacity and pays no cold start (the REPL's
    /// generated task, which stands for the person at the prompt).
    pub free_root: bool,
    /// Not a limit: replicas of `scope = "global"` environments (by environment name) still
    /// running from an earlier run of the same session; they start this run warm.
    pub warm_replicas: Vec<(String, u32)>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: Some(2_000_000_000),
            max_call_depth: 200,
            max_virtual_time: None,
            max_live_actions: Some(5_000_000),
            max_wall_time: None,
            max_memory: Some(DEFAULT_MAX_MEMORY),
            free_root: false,
            warm_replicas: Vec::new(),
        }
    }
}

/// Final states of logical actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActState {
    Pending,
    Succeeded,
    Failed,
    Cancelled,
    Cached,
}

/// One log line from `print`.
#[derive(Clone, Debug)]
pub struct LogLine {
    pub action: usize,
    pub at: i64,
    pub text: String,
}

/// The effective settings of one action (environment, decorator and override combined).
#[derive(Clone, Debug, Default)]
pub(crate) struct ActSettings {
    pub resources: ResourceSpec,
    pub image: String,
    pub interruptible: bool,
    pub queue: Option<String>,
    pub reuse: Option<(String, ReuseSpec)>,
    pub retries: Option<RetrySpec>,
    pub timeout: Option<TimeoutSpec>,
    pub env_vars: Vec<(String, String)>,
    pub secrets: Vec<String>,
    pub cache: Option<crate::check::config::CacheSpec>,
}

/// The hasher of the run's tables keyed by action or body number (looked up once or twice
/// per action: SipHash's resistance to chosen keys buys nothing there).
pub(crate) type FastHash = std::hash::BuildHasherDefault<ahash::AHasher>;

/// Everything the bodies of one run share.
pub(crate) struct Shared<'p> {
    pub prog: &'p Executable,
    pub sim: RefCell<Sim>,
    pub acts: RefCell<Vec<Act>>,
    /// For each simulator action: its logical action (`u32::MAX`: none; `u32`, as a million
    /// actions hold one each).
    pub sim_acts: RefCell<Vec<u32>>,
    pub futs: RefCell<Vec<Fut>>,
    pub ready: RefCell<VecDeque<usize>>,
    pub next_exec: Cell<usize>,
    /// Which body runs each logical action's current attempt.
    pub exec_of: RefCell<HashMap<usize, usize, FastHash>>,
    /// For each waiting body, the actions that ended since it last looked.
    pub notified: RefCell<HashMap<usize, Vec<usize>, FastHash>>,
    pub logs: RefCell<Vec<LogLine>>,
    pub rng: Cell<u64>,
    pub globals: RefCell<HashMap<Name, Value>>,
    /// Global values by the ids the lowering gave their names, filled in on first use.
    pub global_ids: RefCell<Vec<Option<Value>>>,
    /// Each task's settings without overrides (by its index among the checked tasks), built
    /// once per run and shared by its actions.
    pub base_settings: RefCell<Vec<Option<Rc<ActSettings>>>>,
    /// The settings of override values (`Callable::Task` with `over > 0` is number
    /// `over - 1`).
    pub overrides: RefCell<Vec<Rc<ActSettings>>>,
    pub replica_sets: RefCell<HashMap<String, sim::ReplicaSetId>>,
    pub steps: Cell<u64>,
    /// The step count at which to check the limits next.
    pub next_check: Cell<u64>,
    pub limits: Limits,
    pub limit_error: RefCell<Option<ErrorValue>>,
    pub system_retries: u32,
    pub started: std::time::Instant,
    /// The bytes the thread held when the run began ([`memory::live`]).
    pub memory_base: i64,
    pub cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Logical actions not ended yet.
    pub live: Cell<usize>,
    pub cache: Option<&'p crate::cache::Cache>,
    /// Called now and then during long runs: (actions ended, actions known, virtual time).
    pub progress: Option<&'p dyn Fn(usize, usize, i64)>,
    /// Replica sets of `scope = "global"` environments, by environment name.
    pub global_sets: RefCell<Vec<(String, sim::ReplicaSetId)>>,
    /// Serialized cacheable calls in flight, by key.
    pub inflight: RefCell<HashMap<crate::cache::Key, usize>>,
}

/// Tags of simulator timers: what to do when one fires.
pub(crate) const TAG_WAKE: u64 = 0;
pub(crate) const TAG_RESUBMIT: u64 = 1;
pub(crate) const TAG_TIMEOUT: u64 = 2;
pub(crate) const TAG_QUEUE_TIMEOUT: u64 = 3;
pub(crate) const TAG_DEADLINE: u64 = 4;

pub(crate) fn tag(kind: u64, id: usize) -> u64 {
    (kind << 56) | id as u64
}

/// What a run did.
#[derive(Debug)]
pub struct RunOutcome {
    pub result: Result<Value, ErrorValue>,
    pub summary: sim::SimSummary,
    pub actions: Vec<ActionSummary>,
    pub logs: Vec<LogLine>,
    pub attempts: u64,
    /// Cluster usage over time.
    pub series: sim::UtilizationSeries,
    /// Each node's name (`cpu-0`) and pool, by node index.
    pub nodes: Vec<(String, String)>,
    /// The distinct resource requests of the actions ([`ActionSummary::resources`]).
    pub resources: Vec<ResourceSpec>,
    /// Each action's inputs (for reports; formatted only when one is written).
    pub args: Vec<ArgList>,
    /// Replicas of `scope = "global"` environments alive at the end, by environment name:
    /// what the next run of the same session starts with, warm.
    pub warm_after: Vec<(String, u32)>,
    /// The run's task: the span of its name and its FQN (where an error that ran no
    /// statement, such as a limit or a deadlock, points).
    pub root: Option<(crate::diagnostics::Span, String)>,
    /// Why each action waited, by action index, over all its attempts: empty unless
    /// [`RunOptions::record_waits`].
    pub waits: Vec<Vec<waits::ActionWait>>,
}

/// One logical action, for summaries, traces and reports.
#[derive(Clone, Debug)]
pub struct ActionSummary {
    pub fqn: std::sync::Arc<str>,
    pub state: ActState,
    pub attempts: u32,
    /// Simulator action ids of its attempts (inline for up to two: no allocation each).
    pub sim_ids: smallvec::SmallVec<[u32; 2]>,
    pub group: Option<String>,
    /// When it was called (virtual time).
    pub requested_at: i64,
    /// Its resource request: an index into [`RunOutcome::resources`].
    pub resources: u32,
}

/// The summaries of logical actions, the distinct resource requests they point at (one per
/// distinct request, so a million calls of one task hold one) and each action's arguments,
/// from the run's actions and the logical action of each simulator action (`u32::MAX`:
/// none). The actions are freed as their summaries are built, from the last, so that the
/// two tables are not both whole at once (the peak of a large run).
pub(crate) fn action_summaries(
    prog: &Executable,
    mut acts: Vec<Act>,
    sim_acts: &[u32],
) -> (Vec<ActionSummary>, Vec<ResourceSpec>, Vec<ArgList>) {
    let n = acts.len();
    let mut resources: Vec<ResourceSpec> = Vec::new();
    let mut seen: HashMap<*const ActSettings, u32> = HashMap::new();
    // Calls of one task in a row share their settings: no lookup for those.
    let mut last: Option<(*const ActSettings, u32)> = None;
    let request: Vec<u32> = acts
        .iter()
        .map(|a| {
            let ptr = Rc::as_ptr(&a.settings);
            let r = match last {
                Some((p, r)) if p == ptr => r,
                _ => *seen.entry(ptr).or_insert_with(|| {
                    // Equal requests of distinct settings (overrides made in a loop) share
                    // one, looked for among the first few.
                    let spec = &a.settings.resources;
                    match resources.iter().take(64).position(|r| r == spec) {
                        Some(i) => i as u32,
                        None => {
                            resources.push(spec.clone());
                            (resources.len() - 1) as u32
                        }
                    }
                }),
            };
            last = Some((ptr, r));
            r
        })
        .collect();
    let mut actions = Vec::with_capacity(n);
    let mut args = Vec::with_capacity(n);
    // Built in reverse, each action dropped once summarized; the table is shrunk now and
    // then so that the memory of the ones dropped goes back.
    const SHRINK_EVERY: usize = 1 << 16;
    while let Some(a) = acts.pop() {
        let group = a.group().map(|g| g.to_string());
        let (state, attempt) = (a.state(), a.attempt());
        let Act {
            task,
            first_queued,
            args: a_args,
            ..
        } = a;
        actions.push(ActionSummary {
            fqn: prog.task_fqn(task),
            state,
            attempts: attempt,
            sim_ids: smallvec::SmallVec::new(),
            group,
            requested_at: first_queued,
            resources: request[acts.len()],
        });
        args.push(a_args);
        if acts.len().is_multiple_of(SHRINK_EVERY) {
            acts.shrink_to_fit();
        }
    }
    actions.reverse();
    args.reverse();
    for (sid, &id) in sim_acts.iter().enumerate() {
        if let Some(a) = actions.get_mut(id as usize) {
            a.sim_ids.push(sid as u32);
        }
    }
    (actions, resources, args)
}

/// How a run goes beyond its program, task, arguments and cluster; every field is optional
/// (`RunOptions::default()`: seed 0, default limits, no cancellation, no cache, no progress).
#[derive(Clone, Default)]
pub struct RunOptions<'a> {
    /// Seeds the simulator's and `random()`'s generators: the same seed, the same run.
    pub seed: u64,
    pub limits: Limits,
    /// Stops the run with `E0705` as soon as it is set (from any thread).
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// The result cache (docs/runtime.md); without one, nothing is cached.
    pub cache: Option<&'a crate::cache::Cache>,
    /// Called with `(ended, known, virtual time)` about every 200 ms of real time once the
    /// run has taken more than half a second (for a progress line).
    pub progress: Option<&'a dyn Fn(usize, usize, i64)>,
    /// Values that outlive the run (the REPL's session, [`carry`]): the run starts with the
    /// futures and overrides this holds (which the arguments may refer to), and at its end it
    /// holds those that the arguments and the result refer to, renumbered as the result is.
    pub carry: Option<&'a RefCell<carry::Carried>>,
    /// Record why each action waited ([`RunOutcome::waits`]); off, it costs nothing.
    pub record_waits: bool,
    /// With `record_waits`: the actions whose waits are wanted, by FQN and index (all when
    /// `None`). Reasons are kept as codes while the run goes and turned into text at its end
    /// only for these (`run --why` alone shows a few of a million).
    pub waits_of: Option<waits::WaitsOf<'a>>,
}

/// Runs `task` of `prog` with named arguments `args` (parameters left out take their
/// defaults) on `cluster`.
pub fn run(
    prog: &Executable,
    task: &str,
    args: Vec<(Name, Value)>,
    cluster: &Cluster,
    opts: RunOptions<'_>,
) -> RunOutcome {
    let cache = opts.cache;
    let outcome = crate::stack::grow(|| interp::run(prog, task, args, cluster, opts));
    // The run's writes are durable once it returns.
    if let Some(c) = cache {
        c.flush();
    }
    outcome
}

/// Everything a run shows, as one JSON value (the summary, each action, each log line and the
/// error with its trace): tests compare it with a recorded one.
#[doc(hidden)]
pub fn fingerprint(outcome: &RunOutcome) -> serde_json::Value {
    let actions: Vec<_> = outcome
        .actions
        .iter()
        .map(|a| {
            serde_json::json!([
                &*a.fqn,
                format!("{:?}", a.state),
                a.attempts,
                a.sim_ids.as_slice(),
                a.group,
                a.requested_at
            ])
        })
        .collect();
    let logs: Vec<_> = outcome
        .logs
        .iter()
        .map(|l| serde_json::json!([l.action, l.at, l.text]))
        .collect();
    let trace: Vec<_> = match &outcome.result {
        Ok(_) => Vec::new(),
        Err(e) => e
            .trace
            .iter()
            .map(|p| {
                serde_json::json!([p.span.file.0, p.span.start, p.span.end, &*p.task, p.frame])
            })
            .collect(),
    };
    serde_json::json!({
        "result": outcome.result.as_ref().ok().map(Value::to_json),
        "error": outcome.result.as_ref().err().map(|e| {
            serde_json::json!([e.kind.name(), format!("{:?}", e.code), e.message, e.task])
        }),
        "sim": format!("{:?}", outcome.summary),
        "attempts": outcome.attempts,
        "actions": actions,
        "logs": logs,
        "trace": trace,
        "omitted": outcome.result.as_ref().err().map(|e| e.trace.omitted()),
    })
}

/// Events other than those the loop handles are impossible; kept for exhaustiveness.
pub(crate) fn _event_kinds(e: &SimEvent) -> &'static str {
    match e {
        SimEvent::Started { .. } => "started",
        SimEvent::TimerFired { .. } => "timer",
        SimEvent::Preempted { .. } => "preempted",
        SimEvent::OomKilled { .. } => "oom-killed",
        SimEvent::Unschedulable { .. } => "unschedulable",
    }
}

#[cfg(test)]
mod size_tests {
    #[test]
    fn per_action_structures_stay_small() {
        // Pinned so growth is a decision: a million actions hold one of each.
        let act = std::mem::size_of::<super::Act>();
        let fut = std::mem::size_of::<super::Fut>();
        let args = std::mem::size_of::<super::ArgList>();
        assert!(args <= 24, "ArgList is {args} bytes");
        assert!(act <= 88, "Act is {act} bytes");
        assert!(fut <= 40, "Fut is {fut} bytes");
    }

    #[test]
    fn waiters_keep_their_order_the_first_inline() {
        let act = || {
            let args = super::ArgList::Many(Box::new([]));
            super::Act::new(0, args, std::rc::Rc::default(), 0, 0)
        };
        let mut w = act();
        assert_eq!(w.waiters().count(), 0);
        w.add_waiter(7);
        assert!(w.more.is_none(), "one waiter is kept inline");
        w.add_waiter(3);
        w.add_waiter(usize::MAX);
        assert_eq!(w.waiters().collect::<Vec<_>>(), vec![7, 3, usize::MAX]);
        assert_eq!(w.take_waiters(), (Some(7), vec![3, usize::MAX]));
        assert_eq!(w.waiters().count(), 0);
        // A number too large to keep inline goes to the list, still after the first.
        let mut big = act();
        big.add_waiter(1 << 40);
        big.add_waiter(1);
        assert_eq!(big.waiters().collect::<Vec<_>>(), vec![1 << 40, 1]);
    }
}
