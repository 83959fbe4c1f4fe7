//! flyte-dsl: a small language for Flyte 2 task environments and tasks, with a checker that
//! finds flyte-sdk's mistakes before anything runs and an interpreter that simulates a cluster.
//!
//! The crate is layered; data flows one way through the layers:
//!
//! | layer | what it does |
//! |---|---|
//! | [`diagnostics`] | spans, source files, the `Diagnostic` type, rendering, the code catalogue |
//! | [`syntax`] | the pest grammar binding, the logos token stream, the AST |
//! | [`check`] | names, types, and flyte-sdk's resource, reuse and override rules |
//! | `cli` (binary only) | the `flyte-dsl` command line |
//!
//! ```
//! let mut map = flyte_dsl::diagnostics::SourceMap::new();
//! let diags = flyte_dsl::check_source(&mut map, "ok.flyte", b"env e = TaskEnvironment(name = \"e\")\n");
//! assert!(diags.is_empty());
//! ```

pub mod check;
pub mod diagnostics;
mod engine;
pub mod runtime;
pub mod sim;
mod stack;
pub mod syntax;

use diagnostics::{Diagnostic, SourceMap};

pub use engine::{
    CancelHandle, Diagnostics, Engine, EngineBuilder, Event, EventKind, HostError, Limits,
    NativeType, OutputError, Program, Run, RunError, ScriptError,
};
pub use sim::Cluster;

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
/// resource requests must fit (`E0309`).
pub fn check_source_with(
    map: &mut SourceMap,
    name: &str,
    bytes: &[u8],
    opts: &check::Options,
    resolver: &check::imports::Resolver<'_>,
    cluster: &sim::Cluster,
) -> Vec<Diagnostic> {
    let loaded = check::imports::load(map, name, bytes, resolver);
    let mut diags = loaded.diags.clone();
    let (checked, mut more) = check::check_program(&loaded, opts);
    diags.append(&mut more);
    diags.extend(runtime::feasible::check(&checked, cluster));
    diagnostics::sort(&mut diags);
    diags
}
