//! The Python front end: reads a flyte-sdk 2.x module (`check workflow.py`) into the same
//! `ast::Module` a `.flyte` file gives, so the checker, the explain pages and the runtime do
//! the rest unchanged.
//!
//! ```
//! use flyte_dsl::python;
//! use flyte_dsl::syntax::ast::ItemKind;
//! use flyte_dsl::diagnostics::FileId;
//! let src = b"import flyte\nenv = flyte.TaskEnvironment(name=\"e\")\n\n@env.task\ndef f(x: int) -> int:\n    return x + 1\n";
//! let lowered = python::lower(src, FileId(0));
//! assert!(lowered.diags.is_empty());
//! assert!(matches!(lowered.module.items[0].kind, ItemKind::Env(_)));
//! assert!(matches!(lowered.module.items[1].kind, ItemKind::Task(_)));
//! ```
//!
//! The algorithm, in four steps:
//!
//! 1. **Parse** with rustpython-parser (a typed AST with byte ranges). A file with a syntax
//!    error gets one diagnostic (`E0112`) at the place Python's grammar stops, and no items.
//!    Before parsing, a token pre-pass (`limits.rs`) refuses nesting deeper than Python
//!    allows and operator chains long enough to overflow a recursive walk (`E0113`).
//! 2. **Names** (`names.rs`): `import flyte`, `import flyte as fl`, `from flyte import
//!    TaskEnvironment as TE`, `import asyncio`, `from datetime import timedelta`, ... are
//!    followed, so `fl.Resources` and `TE` read as the language's `Resources` and
//!    `TaskEnvironment`. Module-level names are sorted into environments, tasks, helper
//!    functions, dataclasses and constants.
//! 3. **Declarations** (`decl.rs`): `X = flyte.TaskEnvironment(...)` and `.clone_with(...)`
//!    become `env` items, `@env.task` / `@env.task(...)` functions `task` items, other
//!    functions `fn` items, `@dataclass` classes `struct` items and constant assignments `let`
//!    items. A setting whose value is not a constant the checker can see (`os.environ[...]`, a
//!    call, a name from another module) is left out with a warning (`W0504`); flyte-sdk
//!    settings the language does not model (`pod_template`, `image=flyte.Image...`) are left
//!    out silently.
//! 4. **Bodies** (`stmt.rs`, `expr.rs`): the part of Python the language has is lowered
//!    statement by statement (Python's function scope becomes the language's block scope: the
//!    first assignment of a name is a `let`). A function using anything else is **opaque**
//!    (`opaque.rs`): its body becomes the work its `# flyte-dsl:` directive states (or one
//!    minute of compute) and a return of its declared type's default value. A body that
//!    lowers but that the checker cannot type is made opaque too, by
//!    [`crate::check::imports::load`] (see [`Fallback`]), so Python's dynamic typing never
//!    shows as a false error.

mod calls;
mod decl;
mod expr;
mod limits;
mod names;
mod opaque;
mod stmt;
mod types;

use crate::diagnostics::{Diagnostic, FileId, Span};
use crate::syntax::ast::{Item, Module, Name};

/// The diagnostic codes this front end emits itself.
pub mod codes {
    /// A Python syntax error.
    pub const SYNTAX: &str = "E0112";
    /// Nesting too deep or an operator chain too long to read safely.
    pub const TOO_DEEP: &str = "E0113";
    /// A setting whose value is not a constant: not checked.
    pub const NOT_CONSTANT: &str = "W0504";
}

/// Whether a file name is read as Python.
pub fn is_python(name: &str) -> bool {
    name.ends_with(".py") || name.ends_with(".pyi")
}

/// A function the simulation cannot run as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Opaque {
    /// The function's name as the checker knows it.
    pub name: Name,
    /// Why, in a few words (`imports pandas`, `uses a class`).
    pub reason: String,
    /// The function's name in the source.
    pub span: Span,
}

/// A lowered function the checker may still reject: if an error falls inside `body`, the
/// loader swaps the item for `replacement` (the opaque form) and checks again.
#[derive(Clone, Debug, PartialEq)]
pub struct Fallback {
    /// The item's index in the module.
    pub item: usize,
    /// The span of the function's body.
    pub body: Span,
    /// The opaque form of the item.
    pub replacement: Item,
    /// The function's name.
    pub name: Name,
    /// The function's name in the source.
    pub span: Span,
}

/// A Python file read as a module of the language.
#[derive(Debug, Default)]
pub struct Lowered {
    pub module: Module,
    /// The text as read (invalid UTF-8 replaced).
    pub text: String,
    /// The syntax error, the nesting error and the not-a-constant warnings.
    pub diags: Vec<Diagnostic>,
    /// Functions that are opaque from the start.
    pub opaque: Vec<Opaque>,
    /// Functions lowered as written, with the opaque form to use if the checker rejects them.
    pub fallbacks: Vec<Fallback>,
}

/// Reads a Python file as a module of the language (see the module docs).
pub fn lower(bytes: &[u8], file: FileId) -> Lowered {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let mut out = Lowered {
        module: Module {
            file,
            items: Vec::new(),
        },
        ..Lowered::default()
    };
    if std::str::from_utf8(bytes).is_err() {
        let at = std::str::from_utf8(bytes)
            .err()
            .map(|e| e.valid_up_to())
            .unwrap_or(0);
        out.diags.push(
            Diagnostic::error("E0101", "invalid UTF-8")
                .with_label(Span::new(file, at, at + 1), "this byte is not UTF-8"),
        );
        out.text = text;
        return out;
    }
    if let Some(d) = limits::check(&text, file) {
        out.diags.push(d);
        out.text = text;
        return out;
    }
    // The AST is walked (and dropped) on a stack big enough for any tree the limits allow.
    stacker::grow(16 << 20, || {
        match rustpython_parser::parse(&text, rustpython_parser::Mode::Module, "<python>") {
            Ok(rustpython_parser::ast::Mod::Module(m)) => {
                decl::lower_module(&m.body, &text, file, &mut out);
            }
            Ok(_) => {}
            Err(e) => out.diags.push(syntax_error(&text, file, e)),
        }
    });
    out.text = text;
    out
}

/// The one diagnostic of a file Python cannot parse.
fn syntax_error(text: &str, file: FileId, e: rustpython_parser::ParseError) -> Diagnostic {
    let at = (u32::from(e.offset) as usize).min(text.len());
    let end = text[at..]
        .char_indices()
        .nth(1)
        .map(|(i, _)| at + i)
        .unwrap_or(text.len());
    let message = e.error.to_string();
    Diagnostic::error(codes::SYNTAX, format!("invalid Python syntax: {message}"))
        .with_label(Span::new(file, at, end.max(at)), message)
        .with_help("the file must be valid Python 3 before flyte-dsl can check it")
}

/// The run's list of opaque functions, a line each (`opaque: train (line 12): imports torch`).
pub fn opaque_text(opaque: &[Opaque], map: &crate::diagnostics::SourceMap) -> String {
    let mut out = String::new();
    for o in opaque {
        let (line, _) = map.get(o.span.file).line_col(o.span.start);
        out.push_str(&format!("opaque: {} (line {line}): {}\n", o.name, o.reason));
    }
    out
}

/// The run's list of opaque functions for `run --json`: name, line and reason.
pub fn opaque_json(opaque: &[Opaque], map: &crate::diagnostics::SourceMap) -> serde_json::Value {
    opaque
        .iter()
        .map(|o| {
            let (line, _) = map.get(o.span.file).line_col(o.span.start);
            serde_json::json!({"function": o.name.as_str(), "line": line, "reason": o.reason})
        })
        .collect()
}
