//! Syntax: the grammar binding, the token stream, the AST and its spans.
//!
//! `grammar/flyte.pest` is the one definition of the syntax. [`parse`] turns a file into a
//! [`ast::Module`] plus every syntax error it could recover from:
//!
//! ```
//! use flyte_dsl::syntax::{parse, ast::ItemKind};
//! use flyte_dsl::diagnostics::FileId;
//! let parsed = parse("env e = TaskEnvironment(name = \"e\")\n", FileId(0));
//! assert!(parsed.errors.is_empty());
//! assert!(matches!(parsed.module.items[0].kind, ItemKind::Env(_)));
//! ```
//!
//! The layer's parts: [`lexer`] (logos tokens), [`brackets`] (the pre-pass that matches
//! brackets, bounds nesting and prepares pest's input), [`parser`] (pest, error recovery and
//! the AST builder), [`ast`], and `error.rs` (the `E01xx` codes). This layer imports nothing but
//! [`crate::diagnostics`].

pub mod ast;
pub mod brackets;
pub(crate) mod error;
pub mod fmt;
pub mod lexer;
pub mod parser;

pub use error::SyntaxError;
pub use parser::{parse, parse_bytes, parse_type, Parsed};

/// The constructors of configuration records (flyte-sdk's `flyte.Resources`, `flyte.GPU`, ...),
/// known to both front ends (a `.flyte` script and a flyte-sdk module) and to the checker.
pub const CONSTRUCTORS: &[&str] = &[
    "TaskEnvironment",
    "Resources",
    "GPU",
    "TPU",
    "Neuron",
    "AMD_GPU",
    "HABANA_GAUDI",
    "ReusePolicy",
    "Cache",
    "RetryStrategy",
    "Backoff",
    "Timeout",
];
