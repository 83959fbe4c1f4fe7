//! flyte-dsl: a small language for Flyte 2 task environments and tasks, with a checker that
//! finds flyte-sdk's mistakes before anything runs and an interpreter that simulates a cluster.
//!
//! Hosts embed it through three objects: an [`Engine`] (cluster, seed, limits, host functions
//! and tasks, import resolver, event observer), the [`Program`] it compiles (or the
//! [`Diagnostics`] that stop it), and the [`Run`] a program's `run` gives:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let engine = flyte_dsl::Engine::builder().build();
//! let program = engine
//!     .compile(
//!         "fanout.flyte",
//!         r#"
//! env e = TaskEnvironment(name = "e", resources = Resources(cpu = 1, memory = "1Gi"))
//!
//! @e
//! async task leaf(i: int) -> int {
//!     sleep(10m)
//!     return i * i
//! }
//!
//! @e
//! async task main(n: int) -> list[int] {
//!     return await gather(*[leaf(i) for i in range(n)])
//! }
//! "#,
//!     )
//!     .unwrap();
//! let run = program.run("main", serde_json::json!({"n": 4})).await.unwrap();
//! assert_eq!(run.output::<Vec<i64>>().unwrap(), [0, 1, 4, 9]);
//! println!("{}", run.summary()); // makespan, actions, cold starts, cost, utilization
//! # }
//! ```
//!
//! Inside, the crate is layered, data flowing one way: `diagnostics` (spans, the
//! [`diagnostics::Diagnostic`] type, rendering, the catalogue of codes) and `resources`
//! (quantities, devices, resource specs) -> `syntax` (the pest grammar, tokens, the AST) and
//! `sim` (the cluster, scheduler and virtual clock, which knows nothing of the language) ->
//! `check` (names, types, flyte-sdk's rules, feasibility on the cluster) -> `runtime` (the
//! interpreter) -> `report` -> the engine, the exporters and the language server -> the
//! `flyte-dsl` command line (src/README.md; `tests/layers.rs` holds it). The layers are public
//! for the project's own tools and tests but hidden from these docs: they carry no stability
//! promise.

#![warn(missing_docs)]

#[doc(hidden)]
pub mod cache;
#[doc(hidden)]
pub mod check;
pub mod diagnostics;
mod engine;
#[doc(hidden)]
pub mod export;
#[doc(hidden)]
pub mod frontend;
#[doc(hidden)]
pub mod human;
pub(crate) mod ir;
/// `flyte-dsl lsp`: the language server.
#[cfg(feature = "cli")]
pub mod lsp;
#[doc(hidden)]
pub mod python;
#[doc(hidden)]
pub mod report;
#[doc(hidden)]
pub mod resources;
#[doc(hidden)]
pub mod runtime;
#[doc(hidden)]
pub mod sim;
mod stack;
#[doc(hidden)]
pub mod syntax;

use diagnostics::{Diagnostic, SourceMap};

pub use cache::Cache;
pub use engine::{
    CancelHandle, Diagnostics, Engine, EngineBuilder, Event, EventKind, HostError, Limits,
    NativeType, OutputError, ParamSignature, Program, Run, RunError, ScriptError, TaskSignature,
};
pub use sim::{Cluster, ClusterError};

/// Parses and checks `bytes` as file `name` (with the stdlib, but no other imports) against
/// the built-in default cluster, adds its files to `map`, and returns their diagnostics,
/// sorted. Syntax errors stop nothing: the items that parsed are still checked.
pub fn check_source(map: &mut SourceMap, name: &str, bytes: &[u8]) -> Vec<Diagnostic> {
    check_source_with(
        map,
        name,
        bytes,
        &check::Options::default(),
        &check::imports::no_files,
        &sim::Cluster::default_cluster(),
    )
}

/// [`check_source`] with checker options, an import resolver and the cluster that constant
/// resource requests must fit (`E0309`). For the project's own tools: its option and
/// resolver types carry no stability promise (hosts use [`Engine::compile`]).
#[doc(hidden)]
pub fn check_source_with(
    map: &mut SourceMap,
    name: &str,
    bytes: &[u8],
    opts: &check::Options,
    resolver: &check::imports::Resolver<'_>,
    cluster: &sim::Cluster,
) -> Vec<Diagnostic> {
    frontend::analyse(
        map,
        frontend::Source::new(name, bytes),
        opts,
        resolver,
        cluster,
    )
    .diagnostics
}
