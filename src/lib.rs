//! flyte-dsl: a small language for Flyte 2 task environments and tasks, with a checker that
//! finds flyte-sdk's mistakes before anything runs and an interpreter that simulates a cluster.
//!
//! The crate is layered; data flows one way through the layers:
//!
//! | layer | what it does |
//! |---|---|
//! | [`diagnostics`] | spans, source files, the `Diagnostic` type, rendering, the code catalogue |
//! | [`syntax`] | the pest grammar binding, the logos token stream, the AST |
//! | `cli` (binary only) | the `flyte-dsl` command line |
//!
//! ```
//! let mut map = flyte_dsl::diagnostics::SourceMap::new();
//! let diags = flyte_dsl::check_source(&mut map, "ok.flyte", b"env e = TaskEnvironment(name = \"e\")\n");
//! assert!(diags.is_empty());
//! ```

pub mod check;
pub mod diagnostics;
pub mod syntax;

use diagnostics::{Diagnostic, SourceMap};

/// Parses `bytes` as file `name`, adds it to `map`, and returns its diagnostics, sorted.
pub fn check_source(map: &mut SourceMap, name: &str, bytes: &[u8]) -> Vec<Diagnostic> {
    let id = diagnostics::FileId(map.len() as u32);
    let parsed = syntax::parse_bytes(bytes, id);
    let added = map.add(name, parsed.text.as_str());
    debug_assert_eq!(added, id);
    let mut diags: Vec<Diagnostic> = parsed.errors.iter().map(|e| e.to_diagnostic()).collect();
    diagnostics::sort(&mut diags);
    diags
}
