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
mod run;

pub use native::{HostError, NativeType};
pub use run::{Event, EventKind, OutputError, ParamSignature, Run, ScriptError, TaskSignature};

use crate::check::{self, imports, NativeSig};
use crate::diagnostics::{self, Diagnostic, SourceMap};
use crate::frontend;
use crate::runtime::{self, NativeFn};
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
        let inner = &self.inner;
        let opts = frontend::Options {
            check: check::Options {
                natives: inner.natives.values().map(|(sig, _)| sig.clone()).collect(),
                native_tasks: inner
                    .native_tasks
                    .values()
                    .map(|(env, sig, _)| (env.clone(), sig.clone()))
                    .collect(),
                ..Default::default()
            },
            natives: inner
                .natives
                .iter()
                .map(|(k, (_, f))| (k.clone(), f.clone()))
                .collect(),
            native_tasks: inner
                .native_tasks
                .iter()
                .map(|(k, (_, _, f))| (k.clone(), f.clone()))
                .collect(),
        };
        let compiled = frontend::compile(
            &mut map,
            frontend::Source::new(name, source),
            &opts,
            &resolver,
            &inner.cluster,
        );
        let mut list = compiled.diagnostics;
        for d in &mut list {
            d.locate(&map);
        }
        let diagnostics = Diagnostics {
            list,
            map: Arc::new(map),
        };
        match compiled.program {
            Some(program) => Ok(Program {
                engine: self.clone(),
                inner: Arc::new(program),
                warnings: diagnostics,
            }),
            None => Err(diagnostics),
        }
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
    pub fn native_fn<Args, F: native::IntoNative<Args>>(self, name: &str, f: F) -> Self {
        self.native_fn_named(name, &[], f)
    }

    /// [`EngineBuilder::native_fn`] with its parameters' names, by position: scripts may
    /// pass them by keyword (`lookup(key = "a")`), and messages name them ("missing argument
    /// `key`"); parameters left unnamed are `arg1`, `arg2`, ...
    ///
    /// ```
    /// let engine = flyte_dsl::Engine::builder()
    ///     .native_fn_named("scale", &["x", "factor"], |x: i64, f: i64| -> Result<i64, flyte_dsl::HostError> { Ok(x * f) })
    ///     .build();
    /// let err = engine
    ///     .compile("t.flyte", "env e = TaskEnvironment(name = \"e\")\n@e\ntask main() -> int {\n    return scale(2)\n}\n")
    ///     .unwrap_err();
    /// assert!(err.iter().any(|d| d.message.contains("`factor`")));
    /// ```
    pub fn native_fn_named<Args, F: native::IntoNative<Args>>(
        mut self,
        name: &str,
        params: &[&str],
        f: F,
    ) -> Self {
        let (types, ret, call) = f.into_native();
        let sig = NativeSig {
            name: Name::new(name),
            params: types,
            ret,
            names: params.iter().map(|p| Name::new(*p)).collect(),
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
        self,
        env: &str,
        name: &str,
        f: F,
    ) -> Self {
        self.native_task_named(env, name, &[], f)
    }

    /// [`EngineBuilder::native_task`] with its parameters' names, by position (as
    /// [`EngineBuilder::native_fn_named`]).
    pub fn native_task_named<Args, F: native::IntoNativeTask<Args>>(
        mut self,
        env: &str,
        name: &str,
        params: &[&str],
        f: F,
    ) -> Self {
        let (types, ret, call) = f.into_native_task();
        let sig = NativeSig {
            name: Name::new(name),
            params: types,
            ret,
            names: params.iter().map(|p| Name::new(*p)).collect(),
        };
        self.inner
            .native_tasks
            .insert(Name::new(name), (env.to_string(), sig, call));
        self
    }

    /// The result cache runs share (default: in memory, for this engine's lifetime): a
    /// task with `cache = "auto"` (or another behaviour) called again with the same inputs is
    /// a hit. [`crate::Cache::open`] keeps it in a SQLite file across processes, as
    /// `flyte-dsl run` does (`.flyte/cache.db` beside the script).
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("flyte-dsl-doc-cache-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let (cache, warning) = flyte_dsl::Cache::open(&dir.join("cache.db"));
    /// assert!(warning.is_none());
    /// let engine = flyte_dsl::Engine::builder().cache(cache).build();
    /// ```
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
    inner: Arc<runtime::Executable>,
    warnings: Diagnostics,
}

/// `Program { tasks: ["main(n: int) -> int"], warnings: 0 }`
impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tasks: Vec<String> = self.tasks().iter().map(|t| t.to_string()).collect();
        f.debug_struct("Program")
            .field("tasks", &tasks)
            .field("warnings", &self.warnings.len())
            .finish()
    }
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

impl From<frontend::BindError> for RunError {
    fn from(e: frontend::BindError) -> RunError {
        use frontend::BindError as B;
        match e {
            B::NoTask { task, .. } => RunError::NoTask(task),
            B::Unknown { task, param, .. } => RunError::Input {
                message: format!("task `{task}` has no such parameter"),
                param,
            },
            B::Missing { param, ty, .. } => RunError::Input {
                param,
                message: format!("missing ({ty})"),
            },
            B::Invalid { param, message, .. } => RunError::Input { param, message },
        }
    }
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

    /// The tasks a host can run, with their signatures.
    pub fn tasks(&self) -> Vec<TaskSignature> {
        let checked = &self.inner.checked;
        frontend::runnable(checked)
            .into_iter()
            .map(|k| {
                let t = &checked.tasks[k];
                let defaults = frontend::defaults(&self.inner, k);
                TaskSignature {
                    name: k.to_string(),
                    fqn: t.fqn.clone(),
                    is_async: t.is_async,
                    params: t
                        .params
                        .iter()
                        .enumerate()
                        .map(|(i, p)| ParamSignature {
                            name: p.name.to_string(),
                            ty: p.ty.to_string(),
                            default: p.has_default.then(|| {
                                defaults.get(i).cloned().flatten().unwrap_or("...".into())
                            }),
                        })
                        .collect(),
                    ret: t.ret.to_string(),
                }
            })
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
        let args = frontend::json_args(json).map_err(|what| RunError::Input {
            param: "*".into(),
            message: format!("arguments must be an object of parameter names, not {what}"),
        })?;
        let ret = match self.inner.checked.tasks.get(task) {
            Some(t) if t.env.is_some() => t.ret.clone(),
            _ => return Err(RunError::NoTask(task.to_string())),
        };
        let program = self.inner.clone();
        let engine = self.engine.inner.clone();
        let task = task.to_string();
        let map = self.warnings.map.clone();
        tokio::task::spawn_blocking(move || {
            // Values are bound on the run's thread (they are not `Send`).
            let args = frontend::bind(&program, &task, args).map_err(RunError::from)?;
            // `scope = "global"` replicas left running by earlier runs of this engine start warm.
            let mut limits = engine.limits.clone();
            limits.warm_replicas = engine.warm.lock().map(|w| w.clone()).unwrap_or_default();
            let opts = runtime::RunOptions {
                seed: engine.seed,
                limits,
                cancel: Some(handle.0),
                cache: Some(&engine.cache),
                progress: None,
                carry: None,
                record_waits: false,
                waits_of: None,
            };
            let outcome = runtime::run(&program, &task, args, &engine.cluster, opts);
            if let Ok(mut w) = engine.warm.lock() {
                *w = outcome.warm_after.clone();
            }
            let run = Run::from_outcome(&outcome, ret, &map);
            if let Some(observer) = &engine.observer {
                for e in run.events() {
                    observer(e);
                }
            }
            Ok(run)
        })
        .await
        .map_err(|e| RunError::Internal(e.to_string()))?
    }
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
