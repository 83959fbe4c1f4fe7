//! The checker's own errors and warnings: names and types (`E02xx`), and the rules on
//! environments, tasks and overrides that need more than one value to see (`E0309`, `E0405`,
//! `E0501`-`E0503`, `E0507`, `E0508`, `W0401`, `W0501`, `W0502`). One exhaustive
//! [`CheckError::to_diagnostic`] gives each its code, message, labels and help.
//! (The validators of single values report through [`super::config`].)

use super::types::Type;
use crate::diagnostics::{Diagnostic, Span};

#[derive(Clone, Debug)]
pub enum CheckError {
    UnknownName {
        at: Span,
        name: String,
        suggestion: Option<String>,
    },
    Duplicate {
        at: Span,
        name: String,
        first: Span,
    },
    Cycle {
        at: Span,
        chain: Vec<String>,
    },
    /// A constant negative duration or `concurrency` (`E0228`).
    Negative {
        at: Span,
        what: &'static str,
    },
    /// Constants nested (or resolved) past a limit: `E0104`, as brackets nested too deeply.
    TooDeep {
        at: Span,
        what: String,
        limit: usize,
    },
    ImportFailed {
        at: Span,
        path: String,
        reason: String,
    },
    ImportCycle {
        at: Span,
        chain: Vec<String>,
    },
    Mismatch {
        at: Span,
        expected: Type,
        found: Type,
        context: &'static str,
    },
    MissingAwait {
        at: Span,
        expected: Type,
        found: Type,
    },
    AwaitOutsideAsync {
        at: Span,
    },
    BadArguments {
        at: Span,
        message: String,
        help: Option<String>,
    },
    NotCallable {
        at: Span,
        ty: Type,
    },
    NoAttribute {
        at: Span,
        ty: Type,
        name: String,
        suggestion: Option<String>,
    },
    SyncCallInAsync {
        at: Span,
        task: String,
    },
    BlockingMapInAsync {
        at: Span,
    },
    TaskWithoutDecorator {
        at: Span,
        task: String,
    },
    NotAnEnvironment {
        at: Span,
        name: String,
    },
    DuplicateFlyteName {
        at: Span,
        what: &'static str,
        name: String,
        first: Span,
    },
    TopLevelStatement {
        at: Span,
    },
    NotConstant {
        at: Span,
        what: &'static str,
    },
    UnknownType {
        at: Span,
        name: String,
        suggestion: Option<String>,
    },
    NotIterable {
        at: Span,
        ty: Type,
    },
    MissingReturn {
        at: Span,
        ret: Type,
    },
    OutsideLoop {
        at: Span,
        what: &'static str,
    },
    AssignToConstant {
        at: Span,
        name: String,
    },
    DestructureArity {
        at: Span,
        expected: usize,
        found: String,
    },
    NotAnErrorType {
        at: Span,
        ty: String,
    },
    ConditionNotBool {
        at: Span,
        ty: Type,
    },
    NotAwaitable {
        at: Span,
        ty: Type,
    },
    BadOperands {
        at: Span,
        op: &'static str,
        left: Type,
        right: Type,
    },
    Unschedulable {
        at: Span,
        message: String,
    },
    SyncTaskConcurrency {
        at: Span,
        task: String,
        env: String,
        concurrency: u32,
        policy: Span,
    },
    WrongLevel {
        at: Span,
        setting: String,
        level: &'static str,
        allowed: String,
    },
    ForbiddenOverride {
        at: Span,
        setting: String,
    },
    ReuseRule {
        at: Span,
        setting: String,
        policy: Option<Span>,
    },
    UnknownEnvField {
        at: Span,
        field: String,
        allowed: String,
        suggestion: Option<String>,
    },
    BadEnvName {
        at: Span,
        name: String,
    },
    Starvation {
        at: Span,
        env: String,
        callee: String,
    },
    FalsyNoEffect {
        at: Span,
        setting: String,
    },
    DescriptionTooLong {
        at: Span,
        len: usize,
    },
}

fn did_you_mean(s: &Option<String>) -> Option<String> {
    s.as_ref().map(|s| format!("did you mean `{s}`?"))
}

impl CheckError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        use CheckError::*;
        match self {
            UnknownName { at, name, suggestion } => Diagnostic::error("E0201", format!("unknown name `{name}`"))
                .with_label(*at, "not defined here or in any enclosing scope")
                .with_help_opt(did_you_mean(suggestion)),
            Duplicate { at, name, first } => Diagnostic::error("E0202", format!("`{name}` is defined twice"))
                .with_label(*at, "defined again here")
                .with_secondary(*first, "first defined here")
                .with_help("rename one of them"),
            Cycle { at, chain } => Diagnostic::error("E0203", format!("constants depend on each other in a cycle: {}", chain.join(" -> ")))
                .with_label(*at, "this definition is part of the cycle")
                .with_help("an `env` or module-level `let` cannot use itself, directly or through others"),
            Negative { at, what } => Diagnostic::error("E0228", format!("{what} cannot be negative"))
                .with_label(*at, "this is less than zero")
                .with_help(if *what == "`concurrency`" {
                    "`concurrency` is 0 (no limit) or a positive count"
                } else {
                    "durations given to `sleep`, `compute` and `gpu_compute` are 0 or more"
                }),
            TooDeep { at, what, limit } => Diagnostic::error("E0104", format!("{what} nested too deeply (the limit is {limit})"))
                .with_label(*at, "the limit is passed here")
                .with_help("nest the values in fewer steps"),
            ImportFailed { at, path, reason } => Diagnostic::error("E0204", format!("cannot import \"{path}\": {reason}"))
                .with_label(*at, "imported here"),
            ImportCycle { at, chain } => Diagnostic::error("E0205", format!("import cycle: {}", chain.join(" -> ")))
                .with_label(*at, "this import closes the cycle")
                .with_help("move what both files need into a third file"),
            Mismatch { at, expected, found, context } => Diagnostic::error("E0206", format!("type mismatch: {context} expects `{expected}`, found `{found}`"))
                .with_label(*at, format!("this is `{found}`")),
            MissingAwait { at, expected, found } => Diagnostic::error("E0207", format!("missing `await`: expected `{expected}`, found `{found}`"))
                .with_label(*at, format!("this is a `{found}`, which does nothing until awaited"))
                .with_help("write `await` before it"),
            AwaitOutsideAsync { at } => Diagnostic::error("E0208", "`await` outside async code")
                .with_label(*at, "only `async task` and `async fn` bodies may await")
                .with_help("make the enclosing task or function `async`"),
            BadArguments { at, message, help } => Diagnostic::error("E0209", message.clone())
                .with_label(*at, "in this call")
                .with_help_opt(help.clone()),
            NotCallable { at, ty } => Diagnostic::error("E0210", format!("`{ty}` is not callable"))
                .with_label(*at, "called here"),
            NoAttribute { at, ty, name, suggestion } => Diagnostic::error("E0211", format!("`{ty}` has no field or method `{name}`"))
                .with_label(*at, "unknown here")
                .with_help_opt(did_you_mean(suggestion)),
            SyncCallInAsync { at, task } => Diagnostic::error("E0212", format!("sync task `{task}` called in a blocking way from async code"))
                .with_label(*at, "this blocks the event loop (flyte-sdk raises SyncTaskCallInAsyncContextError)")
                .with_help(format!("use `await {task}.aio(...)` instead")),
            BlockingMapInAsync { at } => Diagnostic::error("E0212", "blocking `map(...)` called from async code")
                .with_label(*at, "flyte-sdk fails every item of it (\"Deadlock detected: blocking call used in syncify thread\")")
                .with_help("use `await map.aio(...)` instead"),
            TaskWithoutDecorator { at, task } => Diagnostic::error("E0213", format!("task `{task}` belongs to no environment"))
                .with_label(*at, "no `@env` decorator")
                .with_help("put `@ENV` on the line before the task, naming an `env`"),
            NotAnEnvironment { at, name } => Diagnostic::error("E0214", format!("`{name}` is not an environment"))
                .with_label(*at, "a task's decorator must name an `env`"),
            DuplicateFlyteName { at, what, name, first } => Diagnostic::error("E0215", format!("two {what}s named `{name}`"))
                .with_label(*at, "the second")
                .with_secondary(*first, "the first")
                .with_help(if *what == "environment" { "environment `name`s must be unique in a program" } else { "task FQNs (`env-name.task`) must be unique" }),
            TopLevelStatement { at } => Diagnostic::error("E0216", "statements cannot stand at the top level of a file")
                .with_label(*at, "only declarations may stand here")
                .with_help("move it into a task or function; top-level statements are for the REPL"),
            NotConstant { at, what } => Diagnostic::error("E0217", format!("{what} must be a constant"))
                .with_label(*at, "known only at run time")
                .with_help("use literals, Resources(...), GPU(...), other environments and module-level `let` constants"),
            UnknownType { at, name, suggestion } => Diagnostic::error("E0218", format!("unknown type `{name}`"))
                .with_label(*at, "not a type")
                .with_help_opt(did_you_mean(suggestion)),
            NotIterable { at, ty } => Diagnostic::error("E0219", format!("`{ty}` is not iterable"))
                .with_label(*at, "iterated here")
                .with_help("iterate a list, a dict, a string or a range"),
            MissingReturn { at, ret } => Diagnostic::error("E0220", format!("missing `return`: the body can end without returning `{ret}`"))
                .with_label(*at, "this body can finish without a return")
                .with_help("return a value on every path, or declare no return type"),
            OutsideLoop { at, what } => Diagnostic::error("E0221", format!("`{what}` outside a loop"))
                .with_label(*at, "not inside `for` or `while`"),
            AssignToConstant { at, name } => Diagnostic::error("E0222", format!("cannot assign to `{name}`"))
                .with_label(*at, "not a local variable")
                .with_help("declare a local with `let` first; module-level constants cannot change"),
            DestructureArity { at, expected, found } => Diagnostic::error("E0223", format!("cannot unpack `{found}` into {expected} names"))
                .with_label(*at, "the pattern does not match the value's shape"),
            NotAnErrorType { at, ty } => Diagnostic::error("E0224", format!("`{ty}` is not an error type"))
                .with_label(*at, "`except` and `raise` take error types")
                .with_help("error types derive from `Error`: ValueError, OOMError, RuntimeUserError, ..."),
            ConditionNotBool { at, ty } => Diagnostic::error("E0225", format!("condition must be `bool`, found `{ty}`"))
                .with_label(*at, "not a bool")
                .with_help("there is no implicit truthiness: compare explicitly (`len(xs) > 0`, `x != none`)"),
            NotAwaitable { at, ty } => Diagnostic::error("E0226", format!("`{ty}` cannot be awaited"))
                .with_label(*at, "not a future")
                .with_help("await a `Future[T]`: an async task call, `t.aio(...)`, `gather(...)` or `map.aio(...)`"),
            BadOperands { at, op, left, right } => Diagnostic::error("E0227", format!("`{op}` does not apply to `{left}` and `{right}`"))
                .with_label(*at, "in this operation"),
            Unschedulable { at, message } => Diagnostic::error("E0309", message.clone())
                .with_label(*at, "no node of the cluster could ever hold this request")
                .with_help("ask for less, or run with a --cluster that has a large enough pool"),
            SyncTaskConcurrency { at, task, env, concurrency, policy } => Diagnostic::error("E0405", format!("sync task `{task}` in reusable environment `{env}` with concurrency {concurrency}"))
                .with_label(*at, "a sync task")
                .with_secondary(*policy, "concurrency above 1 here")
                .with_help("Reusable environments with concurrency greater than 1 are only supported for async tasks: make the task `async`"),
            WrongLevel { at, setting, level, allowed } => Diagnostic::error("E0501", format!("`{setting}` cannot be set {level}"))
                .with_label(*at, "not allowed here")
                .with_help(format!("`{setting}` can be given {allowed}")),
            ForbiddenOverride { at, setting } => Diagnostic::error("E0502", format!("`{setting}` cannot be overridden"))
                .with_label(*at, "override keeps the task's name, image, docs and interface")
                .with_help("define another task (or environment) instead"),
            ReuseRule { at, setting, policy } => {
                let d = Diagnostic::error("E0503", format!("cannot override `{setting}` while a reuse policy is in force"))
                    .with_label(*at, "a reusable environment's replicas are shared: their resources, env vars and secrets are fixed")
                    .with_help("pass `reusable = \"off\"` in the same override to run this call in its own pod");
                match policy {
                    Some(p) => d.with_secondary(*p, "the reuse policy in force"),
                    None => d,
                }
            }
            UnknownEnvField { at, field, allowed, suggestion } => Diagnostic::error("E0507", format!("unexpected keyword argument `{field}`"))
                .with_label(*at, "not a field of this environment")
                .with_help(match suggestion {
                    Some(s) => format!("did you mean `{s}`? the fields are: {allowed}"),
                    None => format!("the fields are: {allowed}"),
                }),
            BadEnvName { at, name } => Diagnostic::error("E0508", format!("environment name `{name}` must be snake_case or kebab-case"))
                .with_label(*at, "must match ^[a-z0-9]+([_-][a-z0-9]+)*$")
                .with_help(format!("for example \"{}\"", suggest_env_name(name))),
            Starvation { at, env, callee } => Diagnostic::warning("W0401", format!("possible starvation: `{callee}` runs in `{env}`, whose only replica slot this caller holds"))
                .with_label(*at, "this call waits for a slot of the environment it runs in")
                .with_help("max replicas x concurrency is 1: raise `replicas` or `concurrency`, or call with `.override(reusable = \"off\")`"),
            FalsyNoEffect { at, setting } => Diagnostic::warning("W0501", format!("`{setting}` has no effect here"))
                .with_label(*at, "a falsy value keeps the less specific setting, as in flyte-sdk")
                .with_help("remove it, or give a real value"),
            DescriptionTooLong { at, len } => Diagnostic::warning("W0502", format!("description is {len} characters; flyte-sdk cuts it at 255"))
                .with_label(*at, "too long")
                .with_help("shorten it to 255 characters"),
        }
    }
}

/// `"My Env"` becomes `"my-env"`.
fn suggest_env_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "my-env".into()
    } else {
        out
    }
}
