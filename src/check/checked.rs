//! What the checker hands on: the [`Checked`] program (environments with their resolved
//! settings, tasks with their environment, FQN, signature and settings, functions, structs,
//! constants, the constant overrides for the feasibility check) and the host functions'
//! signatures it was checked against.

use super::config::{CacheSpec, RetrySpec, ReuseSpec, TimeoutSpec};
use super::types::Type;
use crate::diagnostics::Span;
use crate::resources::ResourceSpec;
use crate::syntax::ast::*;
use indexmap::IndexMap;

/// A host function's signature, as scripts see it.
#[derive(Clone, Debug, PartialEq)]
pub struct NativeSig {
    pub name: Name,
    pub params: Vec<Type>,
    pub ret: Type,
}

impl NativeSig {
    /// Its parameters as the checker sees them: positional, named `arg1`, `arg2`, ...
    pub fn param_list(&self) -> Vec<Param> {
        self.params
            .iter()
            .enumerate()
            .map(|(i, t)| Param {
                name: Name::new(format!("arg{}", i + 1)),
                ty: t.clone(),
                has_default: false,
            })
            .collect()
    }
}

/// Where an environment's setting came from (for the REPL's `:env`).
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// Given in this environment's own declaration.
    Environment,
    /// Inherited through `clone_with` from the named environment (by binding).
    Parent(Name),
    /// Not given anywhere: flyte-sdk's default.
    Default,
}

/// An environment's resolved settings.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvSettings {
    pub name: String,
    pub image: String,
    pub resources: Option<ResourceSpec>,
    /// Where `resources` was written (in this environment or the one it was inherited from).
    pub resources_span: Option<Span>,
    pub env_vars: Vec<(String, String)>,
    pub secrets: Vec<String>,
    pub cache: Option<CacheSpec>,
    /// The policy and the span of the `ReusePolicy(...)` that set it.
    pub reusable: Option<(ReuseSpec, Span)>,
    pub depends_on: Vec<String>,
    pub description: Option<String>,
    pub interruptible: bool,
    pub queue: Option<String>,
    /// For each field given or inherited, where it came from.
    pub origins: Vec<(&'static str, Origin)>,
}

impl Default for EnvSettings {
    fn default() -> Self {
        EnvSettings {
            name: String::new(),
            image: "auto".into(),
            resources: None,
            resources_span: None,
            env_vars: Vec::new(),
            secrets: Vec::new(),
            cache: None,
            reusable: None,
            depends_on: Vec::new(),
            description: None,
            interruptible: false,
            queue: None,
            origins: Vec::new(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct EnvInfo {
    pub binding: Name,
    /// The span of its `name = "..."` value (the whole declaration if it has none).
    pub span: Span,
    pub settings: EnvSettings,
}

/// A task's own settings from its decorator (the environment's apply where these are `None`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskSettings {
    pub short_name: Option<String>,
    pub cache: Option<CacheSpec>,
    pub retries: Option<RetrySpec>,
    pub timeout: Option<TimeoutSpec>,
    pub interruptible: Option<bool>,
    pub queue: Option<String>,
    pub report: bool,
    pub docs: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: Name,
    pub ty: Type,
    pub has_default: bool,
}

#[derive(Clone, Debug)]
pub struct TaskInfo {
    pub name: Name,
    /// The environment's binding; `None` when the decorator was missing or wrong.
    pub env: Option<Name>,
    pub fqn: String,
    pub is_async: bool,
    pub params: Vec<Param>,
    pub ret: Type,
    pub settings: TaskSettings,
    /// The span of the task's name.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct FnInfo {
    pub name: Name,
    pub is_async: bool,
    pub params: Vec<Param>,
    pub ret: Type,
}

#[derive(Clone, Debug)]
pub struct StructInfo {
    pub name: Name,
    pub fields: Vec<(Name, Type)>,
}

/// What the checker learned about a program: its environments, tasks, functions, structs and
/// module-level constants, with resolved types and settings.
#[derive(Clone, Debug, Default)]
pub struct Checked {
    pub envs: IndexMap<Name, EnvInfo>,
    pub tasks: IndexMap<Name, TaskInfo>,
    pub fns: IndexMap<Name, FnInfo>,
    pub structs: IndexMap<Name, StructInfo>,
    pub consts: IndexMap<Name, Type>,
    /// Where each top-level name is declared: (module index, item index) in the loaded
    /// program, so later phases can find bodies by name.
    pub locations: IndexMap<Name, (usize, usize)>,
    /// The host functions the program was checked against.
    pub natives: Vec<NativeSig>,
    /// The type `Options::infer_return_of` returns.
    pub inferred_return: Option<Type>,
    /// With `Options::record_types`: the type of each expression in a body, by its span.
    pub expr_types: std::collections::HashMap<Span, Type>,
    /// Every `task.override(...)` whose constant settings change where the task runs, for the
    /// feasibility check ([`super::feasible`]).
    pub overrides: Vec<OverrideRequest>,
}

/// A `task.override(...)` with constant `resources`, `interruptible` or `queue`, off a
/// reusable environment: the pod it asks for must fit the cluster.
#[derive(Clone, Debug)]
pub struct OverrideRequest {
    pub task: Name,
    /// Where to report: the `resources` value, else the first placement setting's value.
    pub at: Span,
    /// The override's request, which replaces the task's whole request; `None` keeps it.
    pub resources: Option<ResourceSpec>,
    pub interruptible: Option<bool>,
    pub queue: Option<String>,
}
