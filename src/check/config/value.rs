//! Configuration values as the validators see them, and the normalized settings they produce.
//!
//! The checker folds the constant parts of `TaskEnvironment(...)`, decorator and `override(...)`
//! arguments into [`Const`] values (each with the span it was written at); the interpreter
//! converts run-time values to the same form, so one set of validators serves both, with the
//! same codes. A validator returns a normalized spec (or `None` after reporting errors).

use crate::diagnostics::Span;
pub use crate::resources::{Accelerator, ReqLim, ResourceSpec};
use crate::syntax::ast::Name;

/// A configuration value and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct SConst {
    pub value: Const,
    pub span: Span,
}

impl SConst {
    pub fn new(value: Const, span: Span) -> SConst {
        SConst { value, span }
    }
}

/// One argument of a record constructor call: `name = value` or a positional value.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstArg {
    /// `None` for a positional argument.
    pub name: Option<Name>,
    /// The span of the whole argument (`name = value`).
    pub span: Span,
    pub value: SConst,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    None,
    /// Nanoseconds.
    Duration(i64),
    List(Vec<SConst>),
    Tuple(Vec<SConst>),
    Dict(Vec<(SConst, SConst)>),
    /// A call of a configuration constructor: `Resources(...)`, `GPU(...)`, `TPU(...)`,
    /// `Neuron(...)`, `AMD_GPU(...)`, `HABANA_GAUDI(...)`, `ReusePolicy(...)`, `Cache(...)`,
    /// `RetryStrategy(...)`, `Backoff(...)`, `Timeout(...)`.
    Record {
        ctor: Name,
        args: Vec<ConstArg>,
    },
    /// An environment, by its `name` field (for `depends_on`).
    Env(Name),
    /// A value known only at run time (the checker skips what it cannot see).
    Unknown,
}

impl Const {
    /// A short description for messages: `a string`, `an int`, `Resources(...)`.
    pub fn describe(&self) -> String {
        match self {
            Const::Int(_) => "an int".into(),
            Const::Float(_) => "a float".into(),
            Const::Bool(_) => "a bool".into(),
            Const::Str(_) => "a string".into(),
            Const::None => "none".into(),
            Const::Duration(_) => "a duration".into(),
            Const::List(_) => "a list".into(),
            Const::Tuple(_) => "a tuple".into(),
            Const::Dict(_) => "a dict".into(),
            Const::Record { ctor, .. } => format!("{ctor}(...)"),
            Const::Env(_) => "an environment".into(),
            Const::Unknown => "a run-time value".into(),
        }
    }
}

/// Where a setting is given; it decides which settings are allowed and, inside `override`,
/// the codes (every error inside `override(...)` is `E05xx`, docs/language.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `TaskEnvironment(...)` or `clone_with(...)`.
    Environment,
    /// `@env(...)`.
    Decorator,
    /// `task.override(...)`.
    Override,
}

// ---------------------------------------------------------------------------------------------
// Normalized settings
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReuseScope {
    Global,
    Run,
}

/// `ReusePolicy(...)`, normalized: TTLs in nanoseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct ReuseSpec {
    pub min_replicas: u32,
    pub max_replicas: u32,
    pub concurrency: u32,
    pub idle_ttl: i64,
    pub scaledown_ttl: i64,
    pub scope: ReuseScope,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheBehavior {
    Auto,
    Override,
    Disable,
}

/// `cache = "auto"` or `Cache(...)`, normalized.
#[derive(Clone, Debug, PartialEq)]
pub struct CacheSpec {
    pub behavior: CacheBehavior,
    pub version_override: Option<String>,
    pub serialize: bool,
    pub ignored_inputs: Vec<String>,
    pub salt: String,
    /// Nanoseconds.
    pub max_age: Option<i64>,
}

/// `Backoff(...)`: nanoseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct BackoffSpec {
    pub base: i64,
    pub factor: f64,
    pub cap: Option<i64>,
}

/// `retries = N` or `RetryStrategy(count, backoff)`.
#[derive(Clone, Debug, PartialEq)]
pub struct RetrySpec {
    pub count: u32,
    pub backoff: Option<BackoffSpec>,
}

/// `timeout = ...` or `Timeout(...)`: nanoseconds, `None` for no bound.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TimeoutSpec {
    pub max_runtime: Option<i64>,
    pub max_queued_time: Option<i64>,
    pub deadline: Option<i64>,
}
