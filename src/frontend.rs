//! The one front end: source text to a runnable [`Executable`] (parse, resolve imports, check,
//! check the constant resource requests against the cluster, lower), and the one argument
//! binder that turns a host's or a command line's arguments into a task's inputs.
//!
//! Everything that runs scripts goes through here: the `flyte-dsl` binary (`run`, `check`,
//! the REPL), [`crate::Engine`], the tests and the benchmarks.
//!
//! ```
//! use flyte_dsl::frontend::{self, Arg};
//! let mut map = flyte_dsl::diagnostics::SourceMap::new();
//! let src = "env e = TaskEnvironment(name = \"e\")\n@e\ntask main(n: int) -> int {\n    return n + 1\n}\n";
//! let compiled = frontend::compile(
//!     &mut map,
//!     frontend::Source::new("t.flyte", src),
//!     &frontend::Options::default(),
//!     &flyte_dsl::check::imports::no_files,
//!     &flyte_dsl::Cluster::default_cluster(),
//! );
//! let program = compiled.program.expect("no errors");
//! let args = frontend::bind(&program, "main", [("n", Arg::Text("41".into()))]).unwrap();
//! let out = flyte_dsl::runtime::run(&program, "main", args, &flyte_dsl::Cluster::default_cluster(), Default::default());
//! assert_eq!(out.result.unwrap().repr(), "42");
//! ```

use crate::check::{self, imports, Checked};
use crate::diagnostics::{self, Diagnostic, SourceMap};
use crate::runtime::{convert, value::Value, Executable, NativeFn, NativeTaskFn};
use crate::sim::Cluster;
use crate::syntax::ast::Name;
use indexmap::IndexMap;

/// A script to compile: the name it is known by (in diagnostics and to its imports) and its
/// bytes (UTF-8 is checked, with a diagnostic, not assumed).
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    pub name: &'a str,
    pub text: &'a [u8],
}

impl<'a> Source<'a> {
    pub fn new(name: &'a str, text: &'a (impl AsRef<[u8]> + ?Sized)) -> Source<'a> {
        Source {
            name,
            text: text.as_ref(),
        }
    }
}

/// How to compile: what the checker may assume, and the host functions and tasks the program
/// calls (their signatures are in `check`, their implementations here).
#[derive(Clone, Default)]
pub struct Options {
    pub check: check::Options,
    /// Host functions, by name (each also in `check.natives`).
    pub natives: IndexMap<Name, NativeFn>,
    /// Host tasks, by name (each also in `check.native_tasks`).
    pub native_tasks: IndexMap<Name, NativeTaskFn>,
}

/// A script checked, not yet lowered: what `check` and the exports need.
pub struct Analysis {
    pub loaded: imports::Loaded,
    pub checked: Checked,
    /// Every diagnostic, in order of position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// What [`compile`] gives: the program when there is no error, and every diagnostic.
pub struct Compiled {
    pub program: Option<Executable>,
    /// Every diagnostic (errors and warnings), in order of position.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses `source` (adding it and what it imports to `map`), follows its imports through
/// `resolver`, checks it, and checks its constant resource requests against `cluster`
/// (`E0309`). Syntax errors stop nothing: the items that parsed are still checked.
pub fn analyse(
    map: &mut SourceMap,
    source: Source<'_>,
    opts: &check::Options,
    resolver: &imports::Resolver<'_>,
    cluster: &Cluster,
) -> Analysis {
    let loaded = imports::load(map, source.name, source.text, resolver);
    let mut diags = loaded.diags.clone();
    let (checked, mut more) = check::check_program(&loaded, opts);
    diags.append(&mut more);
    diags.extend(check::feasible::check(&checked, cluster));
    diagnostics::sort(&mut diags);
    Analysis {
        loaded,
        checked,
        diagnostics: diags,
    }
}

/// [`analyse`], then, when there is no error, the program ready to run.
pub fn compile(
    map: &mut SourceMap,
    source: Source<'_>,
    opts: &Options,
    resolver: &imports::Resolver<'_>,
    cluster: &Cluster,
) -> Compiled {
    let a = analyse(map, source, &opts.check, resolver, cluster);
    if a.has_errors() {
        return Compiled {
            program: None,
            diagnostics: a.diagnostics,
        };
    }
    let program = Executable::with_natives(a.loaded, a.checked, opts.natives.clone())
        .with_native_tasks(opts.native_tasks.clone());
    Compiled {
        program: Some(program),
        diagnostics: a.diagnostics,
    }
}

/// The tasks a program can run: those with an environment, imported ones (`lib.task`) last.
pub fn runnable(checked: &Checked) -> Vec<&str> {
    let mut out: Vec<&str> = checked
        .tasks
        .iter()
        .filter(|(_, t)| t.env.is_some())
        .map(|(k, _)| k.as_str())
        .collect();
    out.sort_by_key(|k| k.contains('.'));
    out
}

/// The text of each parameter's default, as written (`None` for a parameter without one), of
/// the task or function declared as `key`.
pub fn defaults(program: &Executable, key: &str) -> Vec<Option<String>> {
    use crate::syntax::ast::ItemKind;
    let Some(&(m, i)) = program.checked.locations.get(key) else {
        return Vec::new();
    };
    let loaded = &program.loaded;
    let (Some(module), Some(text)) = (loaded.modules.get(m), loaded.texts.get(m)) else {
        return Vec::new();
    };
    let func = match module.items.get(i).map(|item| &item.kind) {
        Some(ItemKind::Task(t)) => &t.func,
        Some(ItemKind::Fn(f)) => f,
        _ => return Vec::new(),
    };
    func.params
        .iter()
        .map(|p| {
            p.default
                .as_ref()
                .and_then(|d| text.get(d.span.range()).map(str::to_string))
        })
        .collect()
}

/// One argument as given: JSON (a host's, `--args-json`), or text read by the parameter's
/// type (`--arg NAME=VALUE`: JSON for lists, dicts and structs).
#[derive(Clone, Debug)]
pub enum Arg {
    Json(serde_json::Value),
    Text(String),
}

/// Why arguments do not fit a task.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BindError {
    /// No runnable task has that name.
    #[error("no task `{task}`")]
    NoTask {
        task: String,
        /// The tasks that can be run.
        runnable: Vec<String>,
    },
    /// The task has no parameter of that name.
    #[error("task `{task}` has no parameter `{param}`")]
    Unknown {
        task: String,
        param: String,
        /// Its parameters, as `name: type`.
        params: Vec<String>,
    },
    /// A parameter without a default was not given.
    #[error("missing argument `{param}` ({ty}) of task `{task}`")]
    Missing {
        task: String,
        param: String,
        ty: String,
    },
    /// The value does not read as the parameter's type.
    #[error("argument `{param}` ({ty}): {message}")]
    Invalid {
        param: String,
        ty: String,
        message: String,
    },
}

impl BindError {
    /// The parameter concerned (`*` for none).
    pub fn param(&self) -> &str {
        match self {
            BindError::NoTask { .. } => "*",
            BindError::Unknown { param, .. }
            | BindError::Missing { param, .. }
            | BindError::Invalid { param, .. } => param,
        }
    }
}

/// Binds `args` (by parameter name; a later one replaces an earlier one of the same name) to
/// the parameters of `task`, reading each by its declared type. Parameters left out take
/// their defaults when the run starts.
pub fn bind<K: AsRef<str>>(
    program: &Executable,
    task: &str,
    args: impl IntoIterator<Item = (K, Arg)>,
) -> Result<Vec<(Name, Value)>, BindError> {
    let checked = &program.checked;
    let Some(info) = checked.tasks.get(task).filter(|t| t.env.is_some()) else {
        return Err(BindError::NoTask {
            task: task.to_string(),
            runnable: runnable(checked).into_iter().map(str::to_string).collect(),
        });
    };
    let mut given: IndexMap<Name, Value> = IndexMap::new();
    for (k, arg) in args {
        let k = k.as_ref();
        let Some(p) = info.params.iter().find(|p| p.name == k) else {
            return Err(BindError::Unknown {
                task: task.to_string(),
                param: k.to_string(),
                params: info
                    .params
                    .iter()
                    .map(|p| format!("{}: {}", p.name, p.ty))
                    .collect(),
            });
        };
        let value = match &arg {
            Arg::Json(j) => convert::from_json(j, &p.ty, checked),
            Arg::Text(t) => convert::from_arg(t, &p.ty, checked),
        }
        .map_err(|message| BindError::Invalid {
            param: k.to_string(),
            ty: p.ty.to_string(),
            message,
        })?;
        given.insert(p.name.clone(), value);
    }
    if let Some(p) = info
        .params
        .iter()
        .find(|p| !p.has_default && !given.contains_key(&p.name))
    {
        return Err(BindError::Missing {
            task: task.to_string(),
            param: p.name.to_string(),
            ty: p.ty.to_string(),
        });
    }
    Ok(given.into_iter().collect())
}

/// The members of a JSON object as arguments; `null` is no arguments. `Err` names what else
/// it was.
pub fn json_args(v: serde_json::Value) -> Result<Vec<(String, Arg)>, String> {
    match v {
        serde_json::Value::Object(o) => Ok(o.into_iter().map(|(k, v)| (k, Arg::Json(v))).collect()),
        serde_json::Value::Null => Ok(Vec::new()),
        other => Err(format!("{} {other}", json_kind(&other))),
    }
}

/// What kind of JSON value `v` is, for messages (`an array`).
pub fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(src: &str) -> Executable {
        let mut map = SourceMap::new();
        compile(
            &mut map,
            Source::new("t.flyte", src),
            &Options::default(),
            &imports::no_files,
            &Cluster::default_cluster(),
        )
        .program
        .unwrap()
    }

    const SRC: &str = "env e = TaskEnvironment(name = \"e\")\n@e\ntask main(n: int, xs: list[int] = []) -> int {\n    return n\n}\n";

    #[test]
    fn binds_json_and_text_by_declared_type() {
        let p = program(SRC);
        let args = bind(
            &p,
            "main",
            [
                ("xs", Arg::Text("[1, 2]".into())),
                ("n", Arg::Json(serde_json::json!(3))),
            ],
        )
        .unwrap();
        let shown: Vec<String> = args
            .iter()
            .map(|(k, v)| format!("{k}={}", v.repr()))
            .collect();
        assert_eq!(shown, ["xs=[1, 2]", "n=3"]);
    }

    #[test]
    fn each_mistake_is_its_own_error() {
        let p = program(SRC);
        let none: [(&str, Arg); 0] = [];
        assert_eq!(
            bind(&p, "nope", none.clone()),
            Err(BindError::NoTask {
                task: "nope".into(),
                runnable: vec!["main".into()]
            })
        );
        assert_eq!(
            bind(&p, "main", none).unwrap_err().to_string(),
            "missing argument `n` (int) of task `main`"
        );
        let e = bind(&p, "main", [("m", Arg::Text("1".into()))]).unwrap_err();
        assert_eq!(e.param(), "m");
        assert!(
            matches!(e, BindError::Unknown { ref params, .. } if params == &["n: int", "xs: list[int]"])
        );
        let e = bind(&p, "main", [("n", Arg::Text("x".into()))]).unwrap_err();
        assert!(e.to_string().starts_with("argument `n` (int): "), "{e}");
    }

    #[test]
    fn json_args_take_an_object_or_null() {
        assert_eq!(json_args(serde_json::json!(null)).unwrap().len(), 0);
        assert_eq!(json_args(serde_json::json!({"a": 1})).unwrap().len(), 1);
        assert_eq!(
            json_args(serde_json::json!([1])).unwrap_err(),
            "an array [1]"
        );
    }
}
