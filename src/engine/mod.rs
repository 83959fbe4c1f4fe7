//! The embedding API: three objects a host learns in minutes.
//!
//! - [`Engine`]: immutable and `Send + Sync`; holds the cluster, the seed, the limits, the host
//!   functions, the import resolver and the event observer. Build it once with
//!   [`Engine::builder`], share it (it is cheap to clone: an `Arc`).
//! - [`Program`]: a compiled script (parsed, checked against the engine's host functions and
//!   cluster); `Send + Sync`, runs any number of times, concurrently.
//! - [`Run`]: what one run did: its output (deserialized into any type), its summary, the JSON of
//!   `run --json`, its events.
//!
//! A run is a synchronous discrete-event simulation: [`Program::run`] moves it to tokio's
//! blocking pool, so the future it returns is `Send` and many runs proceed in parallel on a
//! multi-threaded runtime. [`Program::run_with_handle`] gives a [`CancelHandle`] that stops the
//! run from any task.
//!
//! Sandboxing: a script reaches no file, network, process environment variable or real clock
//! unless a host function does it for it; imports go through the resolver the host sets (none
//! by default, so only `std/...` modules resolve).

mod native;

pub use native::{HostError, NativeType};

use crate::check::{self, imports, NativeSig};
use crate::diagnostics::{self, Diagnostic, SourceMap};
use crate::runtime::{self, convert, value::Value, NativeFn};
use crate::sim::Cluster;
use crate::syntax::ast::Name;
use indexmap::IndexMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub use crate::runtime::Limits;

type Resolver = Arc<dyn Fn(&str, &str) -> Result<(String, Vec<u8>), String> + Send + Sync>;
type Observer = Arc<dyn Fn(&Event) + Send + Sync>;

struct EngineInner {
    cluster: Cluster,
    seed: u64,
    limits: Limits,
    natives: IndexMap<Name, (NativeSig, NativeFn)>,
    native_tasks: IndexMap<Name, (String, NativeSig, runtime::NativeTaskFn)>,
    resolver: Option<Resolver>,
    observer: Option<Observer>,
    cache: Arc<crate::cache::Cache>,
    /// Replicas of `scope = "global"` environments alive after the last run, by environment.
    warm: std::sync::Mutex<Vec<(String, u32)>>,
}

/// The interpreter, configured: holds the cluster, seed, limits, host functions, import
/// resolver and event observer; `Send + Sync`, cheap to clone.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let engine = flyte_dsl::Engine::builder()
///     .seed(7)
///     .native_fn("double", |x: i64| -> Result<i64, flyte_dsl::HostError> { Ok(2 * x) })
///     .build();
/// let program = engine
///     .compile("demo.flyte", "env e = TaskEnvironment(name = \"e\")\n@e\ntask main(n: int) -> int {\n    return double(n)\n}\n")
///     .unwrap();
/// let run = program.run("main", serde_json::json!({"n": 21})).await.unwrap();
/// assert_eq!(run.output::<i64>().unwrap(), 42);
/// # }
/// ```
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

/// Builds an [`Engine`].
pub struct EngineBuilder {
    inner: EngineInner,
}

impl Engine {
    /// A builder with the built-in cluster, seed 0, default limits, no host functions, no file imports.
    pub fn builder() -> EngineBuilder {
        EngineBuilder {
            inner: EngineInner {
                cluster: Cluster::default_cluster(),
                seed: 0,
                limits: Limits::default(),
                natives: IndexMap::new(),
                native_tasks: IndexMap::new(),
                resolver: None,
                observer: None,
                cache: Arc::new(crate::cache::Cache::memory()),
                warm: std::sync::Mutex::new(Vec::new()),
            },
        }
    }

    /// The cluster runs are simulated on.
    pub fn cluster(&self) -> &Cluster {
        &self.inner.cluster
    }

    /// Parses and checks `source`; on any error, returns every diagnostic.
    pub fn compile(&self, name: &str, source: &str) -> Result<Program, Diagnostics> {
        let mut map = SourceMap::new();
        let resolver = |from: &str, path: &str| match &self.inner.resolver {
            Some(r) => r(from, path),
            None => imports::no_files(from, path),
        };
        let loaded = imports::load(&mut map, name, source.as_bytes(), &resolver);
        let opts = check::Options {
            natives: self
                .inner
                .natives
                .values()
                .map(|(sig, _)| sig.clone())
                .collect(),
            native_tasks: self
                .inner
                .native_tasks
                .values()
                .map(|(env, sig, _)| (env.clone(), sig.clone()))
                .collect(),
            ..Default::default()
        };
        let mut diags = loaded.diags.clone();
        let (checked, mut more) = check::check_program(&loaded, &opts);
        diags.append(&mut more);
        diags.extend(check::feasible::check(&checked, &self.inner.cluster));
        diagnostics::sort(&mut diags);
        if diags.iter().any(Diagnostic::is_error) {
            return Err(Diagnostics {
                list: diags,
                map: Arc::new(map),
            });
        }
        let natives = self
            .inner
            .natives
            .iter()
            .map(|(k, (_, f))| (k.clone(), f.clone()))
            .collect();
        Ok(Program {
            engine: self.clone(),
            inner: Arc::new(
                runtime::Program::with_natives(loaded, checked, natives).with_native_tasks(
                    self.inner
                        .native_tasks
                        .iter()
                        .map(|(k, (_, _, f))| (k.clone(), f.clone()))
                        .collect(),
                ),
            ),
            warnings: Diagnostics {
                list: diags,
                map: Arc::new(map),
            },
        })
    }
}

impl EngineBuilder {
    /// The cluster to simulate (default: the built-in one).
    pub fn cluster(mut self, cluster: Cluster) -> Self {
        self.inner.cluster = cluster;
        self
    }

    /// The seed of preemption and `random()`.
    pub fn seed(mut self, seed: u64) -> Self {
        self.inner.seed = seed;
        self
    }

    /// Limits every run obeys (steps, call depth, virtual time, wall time, live actions).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.inner.limits = limits;
        self
    }

    /// Registers a host function scripts call as `name(...)`. Its signature, which scripts are
    /// type-checked against, comes from its Rust types; an `Err` raises a catchable
    /// `RuntimeUserError` (code `HostError`) in the script, and a panic becomes an error too.
    pub fn native_fn<Args, F: native::IntoNative<Args>>(mut self, name: &str, f: F) -> Self {
        let (params, ret, call) = f.into_native();
        let sig = NativeSig {
            name: Name::new(name),
            params,
            ret,
        };
        self.inner.natives.insert(Name::new(name), (sig, call));
        self
    }

    /// Registers a host task: an async Rust function that scripts call like an async task of
    /// the environment whose `name` is `env` (the script declares that environment). Each call
    /// is an action queued, placed and cold-started on the cluster with that environment's
    /// resources; the host's future then runs to completion (it takes no virtual time of its
    /// own). Its signature comes from its Rust types; an `Err` is a `RuntimeUserError`.
    pub fn native_task<Args, F: native::IntoNativeTask<Args>>(
        mut self,
        env: &str,
        name: &str,
        f: F,
    ) -> Self {
        let (params, ret, call) = f.into_native_task();
        let sig = NativeSig {
            name: Name::new(name),
            params,
            ret,
        };
        self.inner
            .native_tasks
            .insert(Name::new(name), (env.to_string(), sig, call));
        self
    }

    /// The result cache runs share (default: in memory, for this engine's lifetime). Open a
    /// file-backed one with `flyte_dsl::cache::Cache::open`.
    #[doc(hidden)]
    pub fn cache(mut self, cache: crate::cache::Cache) -> Self {
        self.inner.cache = Arc::new(cache);
        self
    }

    /// How `import "path"` finds files: `(importer, path) -> (canonical name, bytes)`.
    pub fn import_resolver(
        mut self,
        f: impl Fn(&str, &str) -> Result<(String, Vec<u8>), String> + Send + Sync + 'static,
    ) -> Self {
        self.inner.resolver = Some(Arc::new(f));
        self
    }

    /// Called with every action event of every run, in order of virtual time.
    pub fn on_event(mut self, f: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        self.inner.observer = Some(Arc::new(f));
        self
    }

    /// The engine.
    pub fn build(self) -> Engine {
        Engine {
            inner: Arc::new(self.inner),
        }
    }
}

/// Every diagnostic of a failed compile: iterate them, or render them with ariadne.
#[derive(Clone)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
    map: Arc<SourceMap>,
}

impl Diagnostics {
    /// Each diagnostic, in order of position.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.list.iter()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// All of them rendered as text, as `flyte-dsl check` prints them.
    pub fn render(&self, colour: bool) -> String {
        diagnostics::render_all(&self.list, &self.map, colour)
    }

    /// The `{"diagnostics": [...]}` object of `check --json`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"diagnostics": self.list.iter().map(|d| d.to_json(&self.map)).collect::<Vec<_>>()})
    }
}

impl std::fmt::Debug for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::error::Error for Diagnostics {}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

/// A compiled script. Cheap to clone; runs concurrently.
#[derive(Clone)]
pub struct Program {
    engine: Engine,
    inner: Arc<runtime::Program>,
    warnings: Diagnostics,
}

/// Why a run could not start or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The program has no runnable task of that name.
    #[error("the program has no task `{0}`")]
    NoTask(String),
    /// An argument is missing, unknown or of the wrong shape for its parameter's type.
    #[error("argument `{param}`: {message}")]
    Input {
        /// The parameter (`*` for the arguments as a whole).
        param: String,
        /// What is wrong with it.
        message: String,
    },
    /// The thread running the simulation failed.
    #[error("the run's thread failed: {0}")]
    Internal(String),
}

/// Stops a run from another task or thread: it ends with a `CancelledError` (`E0705`).
#[derive(Clone, Debug, Default)]
pub struct CancelHandle(Arc<AtomicBool>);

impl CancelHandle {
    /// Asks the run to stop; it ends with `CancelledError` at its next step or event.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl Program {
    /// Warnings the compile found (errors make `compile` fail).
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }

    /// Names of the tasks a host can run.
    pub fn tasks(&self) -> Vec<String> {
        self.inner
            .checked
            .tasks
            .iter()
            .filter(|(_, t)| t.env.is_some())
            .map(|(k, _)| k.to_string())
            .collect()
    }

    /// Runs `task` with `args` (any `Serialize` that gives an object of parameter names, or
    /// `()` for none) and waits for it to end.
    pub async fn run<A: serde::Serialize>(&self, task: &str, args: A) -> Result<Run, RunError> {
        self.run_with_handle(task, args, CancelHandle::default())
            .await
    }

    /// [`Program::run`], cancellable through `handle`.
    pub async fn run_with_handle<A: serde::Serialize>(
        &self,
        task: &str,
        args: A,
        handle: CancelHandle,
    ) -> Result<Run, RunError> {
        let json = serde_json::to_value(args).map_err(|e| RunError::Input {
            param: "*".into(),
            message: e.to_string(),
        })?;
        let info = self
            .inner
            .checked
            .tasks
            .get(task)
            .filter(|t| t.env.is_some())
            .ok_or_else(|| RunError::NoTask(task.to_string()))?
            .clone();
        let obj = match json {
            serde_json::Value::Object(o) => o,
            serde_json::Value::Null => Default::default(),
            other => {
                return Err(RunError::Input {
                    param: "*".into(),
                    message: format!("arguments must be an object of parameter names, not {other}"),
                })
            }
        };
        for k in obj.keys() {
            if !info.params.iter().any(|p| p.name == k.as_str()) {
                return Err(RunError::Input {
                    param: k.clone(),
                    message: format!("task `{task}` has no such parameter"),
                });
            }
        }
        for p in &info.params {
            if !p.has_default && !obj.contains_key(p.name.as_str()) {
                return Err(RunError::Input {
                    param: p.name.to_string(),
                    message: format!("missing ({})", p.ty),
                });
            }
        }
        // Check the shapes here, so a mismatch is a typed error before anything runs.
        for (k, v) in &obj {
            let p = info.params.iter().find(|p| p.name == k.as_str()).unwrap();
            convert::from_json(v, &p.ty, &self.inner.checked).map_err(|message| {
                RunError::Input {
                    param: k.clone(),
                    message,
                }
            })?;
        }
        let program = self.inner.clone();
        let engine = self.engine.inner.clone();
        let task = task.to_string();
        let ret = info.ret.clone();
        let map = self.warnings.map.clone();
        tokio::task::spawn_blocking(move || {
            let args: Vec<(Name, Value)> = obj
                .iter()
                .map(|(k, v)| {
                    let p = info.params.iter().find(|p| p.name == k.as_str()).unwrap();
                    (
                        Name::new(k),
                        convert::from_json(v, &p.ty, &program.checked).expect("checked above"),
                    )
                })
                .collect();
            // `scope = "global"` replicas left running by earlier runs of this engine start warm.
            let mut limits = engine.limits.clone();
            limits.warm_replicas = engine.warm.lock().map(|w| w.clone()).unwrap_or_default();
            let opts = runtime::RunOptions {
                seed: engine.seed,
                limits,
                cancel: Some(handle.0),
                cache: Some(&engine.cache),
                progress: None,
            };
            let outcome = runtime::run(&program, &task, args, &engine.cluster, opts);
            if let Ok(mut w) = engine.warm.lock() {
                *w = outcome.warm_after.clone();
            }
            let run = Run::from_outcome(&outcome, ret, &map);
            if let Some(observer) = &engine.observer {
                for e in &run.events {
                    observer(e);
                }
            }
            run
        })
        .await
        .map_err(|e| RunError::Internal(e.to_string()))
    }
}

/// The failure of a run, as the script saw it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ScriptError {
    /// The error type (`OOMError`, `RuntimeUserError`, ...).
    pub kind: String,
    /// flyte's code: the type's name, or the original type across a task boundary.
    pub code: String,
    /// The error's message.
    pub message: String,
    /// The FQN of the action that failed.
    pub task: Option<String>,
    /// Where it went (docs/runtime.md), as `flyte-dsl run` prints it: the statement that
    /// raised it, then each call and action that led there (rendered without colour).
    pub rendered: String,
    /// The same as a `check --json` diagnostic: code, message, and a label (file, line,
    /// column) at each statement of that chain.
    pub diagnostic: serde_json::Value,
}

/// An action event (docs/runtime.md), at a virtual time in seconds.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Event {
    /// Virtual time, in seconds from the start of the run.
    pub at_s: f64,
    /// The action's FQN.
    pub task: String,
    /// Its index among the run's actions.
    pub action: usize,
    /// What happened.
    pub kind: EventKind,
}

/// What happened to an action.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// An attempt was queued for capacity.
    Queued {
        /// From 1.
        attempt: u32,
    },
    /// An attempt was placed on a node (its cold start begins).
    Started {
        /// From 1.
        attempt: u32,
        /// The node's name (`cpu-0`).
        node: String,
    },
    /// An attempt's body started running.
    Running {
        /// From 1.
        attempt: u32,
    },
    /// The action succeeded.
    Succeeded,
    /// The action failed (after its retries).
    Failed,
    /// The action was cancelled (a sibling in `gather` failed, a deadline passed).
    Cancelled,
    /// The action's result came from the cache.
    CacheHit,
    /// A `print` line.
    Log {
        /// The printed text.
        text: String,
    },
}

/// What one run did.
#[derive(Clone, Debug)]
pub struct Run {
    output: Result<serde_json::Value, ScriptError>,
    summary_json: serde_json::Value,
    summary_text: String,
    events: Vec<Event>,
    record: Arc<crate::report::Record>,
}

impl Run {
    fn from_outcome(o: &runtime::RunOutcome, _ret: check::types::Type, map: &SourceMap) -> Run {
        let output = match &o.result {
            Ok(v) => Ok(v.to_json()),
            Err(e) => {
                let d = o.error_diagnostic().unwrap_or_else(|| e.to_diagnostic());
                Err(ScriptError {
                    kind: e.kind.to_string(),
                    code: e.code.to_string(),
                    message: e.message.clone(),
                    task: e.task.clone(),
                    rendered: diagnostics::render(&d, map, false),
                    diagnostic: d.to_json(map),
                })
            }
        };
        let mut events = Vec::new();
        let records = &o.summary.actions;
        for (i, a) in o.actions.iter().enumerate() {
            for (n, sid) in a.sim_ids.iter().enumerate() {
                let Some(r) = records.get(*sid as usize) else {
                    continue;
                };
                let attempt = n as u32 + 1;
                let at = |t: i64| t as f64 / 1e9;
                events.push(Event {
                    at_s: at(r.queued_at),
                    task: a.fqn.to_string(),
                    action: i,
                    kind: EventKind::Queued { attempt },
                });
                if r.started_at >= 0 {
                    let node = if r.node == crate::sim::NO_NODE {
                        String::new()
                    } else {
                        o.summary
                            .nodes
                            .get(r.node as usize)
                            .map(|n| n.name.clone())
                            .unwrap_or_default()
                    };
                    events.push(Event {
                        at_s: at(r.started_at),
                        task: a.fqn.to_string(),
                        action: i,
                        kind: EventKind::Started { attempt, node },
                    });
                }
                if r.running_at >= 0 {
                    events.push(Event {
                        at_s: at(r.running_at),
                        task: a.fqn.to_string(),
                        action: i,
                        kind: EventKind::Running { attempt },
                    });
                }
            }
            let end = a
                .sim_ids
                .last()
                .and_then(|s| records.get(*s as usize))
                .map_or(0, |r| r.ended_at.max(r.queued_at));
            let kind = match a.state {
                runtime::ActState::Succeeded => EventKind::Succeeded,
                runtime::ActState::Cancelled => EventKind::Cancelled,
                runtime::ActState::Cached => EventKind::CacheHit,
                _ => EventKind::Failed,
            };
            events.push(Event {
                at_s: end as f64 / 1e9,
                task: a.fqn.to_string(),
                action: i,
                kind,
            });
        }
        for l in &o.logs {
            let task = o
                .actions
                .get(l.action)
                .map(|a| a.fqn.clone())
                .unwrap_or_default();
            events.push(Event {
                at_s: l.at as f64 / 1e9,
                task: task.to_string(),
                action: l.action,
                kind: EventKind::Log {
                    text: l.text.clone(),
                },
            });
        }
        events.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
        Run {
            output,
            summary_json: crate::report::summary_json(o),
            summary_text: crate::report::summary_text(o),
            events,
            record: Arc::new(crate::report::Record::of(o)),
        }
    }

    /// The root task's value, deserialized; a failed run gives its error.
    pub fn output<T: serde::de::DeserializeOwned>(&self) -> Result<T, OutputError> {
        match &self.output {
            Ok(v) => {
                serde_json::from_value(v.clone()).map_err(|e| OutputError::Shape(e.to_string()))
            }
            Err(e) => Err(OutputError::Failed(Box::new(e.clone()))),
        }
    }

    /// Whether the root task succeeded.
    pub fn succeeded(&self) -> bool {
        self.output.is_ok()
    }

    /// The error the run failed with.
    pub fn error(&self) -> Option<&ScriptError> {
        self.output.as_ref().err()
    }

    /// The terminal summary: makespan, actions, cold starts, cost, utilization.
    pub fn summary(&self) -> &str {
        &self.summary_text
    }

    /// The object `run --json` prints.
    pub fn json(&self) -> &serde_json::Value {
        &self.summary_json
    }

    /// Makespan in virtual seconds.
    pub fn makespan_s(&self) -> f64 {
        self.summary_json["makespan_s"].as_f64().unwrap_or(0.0)
    }

    /// Estimated cost in dollars.
    pub fn cost_usd(&self) -> f64 {
        self.summary_json["cost_usd"].as_f64().unwrap_or(0.0)
    }

    /// Every action event, in order of virtual time.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The schedule in the Chrome Trace Event format (Perfetto opens it).
    pub fn trace_json(&self) -> serde_json::Value {
        crate::report::trace::trace(&self.record)
    }

    /// A self-contained HTML page: summary, Gantt chart by node, utilization, actions.
    pub fn report_html(&self, title: &str) -> String {
        crate::report::html::report(&self.record, &self.summary_json, title)
    }
}

/// Why [`Run::output`] gave no value.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The run failed with this error.
    #[error("the run failed: {}: {}", .0.kind, .0.message)]
    Failed(Box<ScriptError>),
    /// The value does not deserialize into the requested type.
    #[error("the output does not have the requested shape: {0}")]
    Shape(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn engine_and_program_are_send_and_sync() {
        assert_send_sync::<Engine>();
        assert_send_sync::<Program>();
        assert_send_sync::<Run>();
    }
}
