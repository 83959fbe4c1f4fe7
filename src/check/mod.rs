//! The checker: finds every mistake before anything runs.
//!
//! It works in passes over a parsed [`Module`], reporting into one sink and never stopping at
//! the first error (an expression it cannot type gets [`types::Type::Any`], which fits
//! everywhere, so one mistake does not cascade):
//!
//! 1. **declarations** are collected first, so top-level names may be used before they are
//!    declared; duplicates are `E0202`;
//! 2. **signatures** of structs, functions and tasks are resolved from their annotations;
//! 3. **environments** are evaluated as compile-time constants ([`env`]): each is folded to
//!    a [`config::Const`] (`fold.rs`) and checked field by field with flyte-sdk's rules ([`config`]),
//!    `clone_with` inheriting from its parent; a cycle among `env`/`let` constants is `E0203`;
//! 4. **tasks** get their environment from the decorator, their FQN (`env-name.task`) and
//!    their decorator settings, checked against the table of which setting may be given where
//!    (`task_settings.rs`, which also checks `override(...)` with its reuse rule);
//! 5. **bodies** are type-checked with local inference (`infer/`: statements, expressions,
//!    calls, the built-ins): the type system of docs/language.md, `await` and `Future[T]`,
//!    task calls, `gather`, `map` and `override(...)`;
//! 6. **feasibility** ([`feasible`], run by the caller with a cluster): constant requests of
//!    environments and overrides that no node could hold (`E0309`, `E0510`).
//!
//! ```
//! use flyte_dsl::diagnostics::SourceMap;
//! let mut map = SourceMap::new();
//! let src = b"env e = TaskEnvironment(name = \"e\")\n@e\ntask t(x: int) -> int {\n    return x + \"a\"\n}\n";
//! let diags = flyte_dsl::check_source(&mut map, "t.flyte", src);
//! assert_eq!(diags[0].code, "E0227");
//! ```

pub mod builtins;
mod checked;
pub mod config;
mod env;
pub mod feasible;
mod fold;
pub use env::{DECORATOR_SETTINGS, ENV_FIELDS, OVERRIDE_SETTINGS};
pub(crate) mod error;
pub mod imports;
mod infer;
mod negative;
mod order;
mod task_settings;
pub mod types;

use crate::diagnostics::{suggest, Diagnostic, Span};
use crate::syntax::ast::*;
use error::CheckError;
use indexmap::IndexMap;
use types::Type;

pub use checked::{
    Checked, EnvInfo, EnvSettings, FnInfo, NativeSig, Origin, OverrideRequest, Param, StructInfo,
    TaskInfo, TaskSettings,
};

/// What the checker may assume.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Accept top-level statements (the REPL runs them); files reject them (`E0216`).
    pub allow_top_level_statements: bool,
    /// Functions a host registered, with their signatures (from their Rust types).
    pub natives: Vec<NativeSig>,
    /// Tasks a host registered: (environment `name`, signature). Scripts call them like async
    /// tasks of that environment.
    pub native_tasks: Vec<(String, NativeSig)>,
    /// A task whose return type is inferred from its `return` statements instead of declared
    /// (the REPL's generated task); see [`Checked::inferred_return`].
    pub infer_return_of: Option<Name>,
    /// The REPL's input (the task `infer_return_of` names) stands for the person at the
    /// prompt: it may call sync tasks and blocking `map` (flyte-sdk runs a sync task called at
    /// a notebook's top level), and its parameters named here have these types whatever
    /// their annotations say (the session's variables, whose types may have no written form).
    pub prompt: Option<Vec<(Name, Type)>>,
    /// Keep the type inferred for each expression of a body in [`Checked::expr_types`] (the
    /// Python export reads them; checking alone does not need them).
    pub record_types: bool,
}

/// A top-level name and what it is.
#[derive(Clone, Copy, Debug)]
enum Decl<'m> {
    Env(&'m EnvDecl, Span),
    Task(&'m TaskDecl, Span),
    Fn(&'m FnDecl, Span),
    Struct(&'m StructDecl, Span),
    /// A name bound by a module-level `let` (the whole declaration).
    Let(&'m LetDecl, Span),
}

impl Decl<'_> {
    fn span(&self) -> Span {
        match self {
            Decl::Env(_, s)
            | Decl::Task(_, s)
            | Decl::Fn(_, s)
            | Decl::Struct(_, s)
            | Decl::Let(_, s) => *s,
        }
    }
}

/// Resolution state of a constant, for cycle detection.
#[derive(Clone, Debug, PartialEq)]
enum State {
    InProgress,
    Done,
}

pub(crate) struct Checker<'m> {
    opts: Options,
    decls: IndexMap<Name, Decl<'m>>,
    out: Checked,
    diags: Vec<Diagnostic>,
    /// Constants (envs and lets) being or already resolved, in resolution order.
    const_state: IndexMap<Name, State>,
    /// Folded values of module-level `let` constants, where constant.
    let_values: IndexMap<Name, config::SConst>,
    // Per-body state.
    scopes: Vec<IndexMap<Name, Local>>,
    in_async: bool,
    ret: Type,
    loop_depth: usize,
    /// The environment of the task whose body is checked (for the starvation warning).
    body_env: Option<Name>,
    /// Aliases of `import "..." as ALIAS`: their names are declared as `ALIAS.NAME`.
    aliases: Vec<Name>,
    /// The alias of the module whose declaration is being checked: inside it, the module's
    /// own top-level names are found unqualified (see [`Checker::qualify`]).
    module: Option<Name>,
    /// Constants on a cycle already reported.
    in_reported_cycle: Vec<Name>,
    /// How deep `resolve_let` / `resolve_env` calls are nested now.
    resolve_depth: usize,
    /// Whether the body being checked is the REPL's input ([`Options::prompt`]).
    at_prompt: bool,
    /// The last call reported as a blocking sync task call (E0212): `await` of it is that
    /// one mistake, not also "cannot be awaited" (E0226).
    blocking_call: Option<Span>,
}

#[derive(Clone, Debug)]
struct Local {
    ty: Type,
}

/// Checks a parsed module on its own (no imports are followed).
pub fn check_module(module: &Module, opts: &Options) -> (Checked, Vec<Diagnostic>) {
    let loaded = imports::Loaded {
        modules: vec![module.clone()],
        imports: vec![Vec::new()],
        diags: Vec::new(),
        texts: Vec::new(),
        ..imports::Loaded::default()
    };
    check_program(&loaded, opts)
}

/// Checks a loaded program: the root module and everything it imports.
pub fn check_program(loaded: &imports::Loaded, opts: &Options) -> (Checked, Vec<Diagnostic>) {
    let mut c = Checker {
        opts: opts.clone(),
        decls: IndexMap::new(),
        out: Checked::default(),
        diags: Vec::new(),
        const_state: IndexMap::new(),
        let_values: IndexMap::new(),
        scopes: Vec::new(),
        in_async: false,
        ret: Type::None,
        loop_depth: 0,
        body_env: None,
        aliases: Vec::new(),
        module: None,
        in_reported_cycle: Vec::new(),
        resolve_depth: 0,
        at_prompt: false,
        blocking_call: None,
    };
    c.out.natives = opts.natives.clone();
    c.run(loaded);
    (c.out, c.diags)
}

impl<'m> Checker<'m> {
    fn err(&mut self, e: CheckError) {
        self.diags.push(e.to_diagnostic());
    }

    /// Runs `f` in the module of the declaration `key`: for `ALIAS.NAME`, the module imported
    /// as ALIAS, whose own names `f` then finds unqualified, as a Python module's code does.
    fn in_module_of<R>(&mut self, key: &Name, f: impl FnOnce(&mut Self) -> R) -> R {
        let module = key
            .rsplit_once('.')
            .map(|(p, _)| Name::new(p))
            .filter(|p| self.aliases.contains(p));
        let saved = std::mem::replace(&mut self.module, module);
        let r = f(self);
        self.module = saved;
        r
    }

    /// The key of a top-level name as written inside the current module: `ALIAS.NAME` where
    /// the module (imported as ALIAS) declares NAME; `None` for a name it does not declare.
    pub(crate) fn qualify(&self, n: &str) -> Option<Name> {
        let p = self.module.as_ref()?;
        let q = Name::new(format!("{p}.{n}"));
        self.decls.contains_key(&q).then_some(q)
    }

    fn run(&mut self, loaded: &'m imports::Loaded) {
        let Some(root) = loaded.modules.first() else {
            return;
        };
        self.collect(0, root, None, true);
        // Imported modules' names: plain, or as `ALIAS.NAME`; each (module, alias) once.
        let mut done: Vec<(usize, Option<Name>)> = Vec::new();
        let mut todo: Vec<usize> = vec![0];
        while let Some(m) = todo.pop() {
            for (alias, target) in &loaded.imports[m] {
                if done.contains(&(*target, alias.clone())) {
                    continue;
                }
                done.push((*target, alias.clone()));
                if let Some(a) = alias {
                    self.aliases.push(a.clone());
                }
                self.collect(*target, &loaded.modules[*target], alias.as_ref(), false);
                todo.push(*target);
            }
        }
        self.resolve_structs();
        self.resolve_signatures();
        let names: Vec<Name> = self.decls.keys().cloned().collect();
        // Each after those it uses (shallow), then what is left (cycles) in source order.
        let order = self.declaration_order(&names);
        for name in order.iter().chain(&names) {
            match self.decls[name] {
                Decl::Env(..) => {
                    self.resolve_env(name);
                }
                Decl::Let(..) => {
                    self.resolve_let(name);
                }
                _ => {}
            }
        }
        self.check_unique_env_names();
        self.declare_native_tasks();
        for name in &names {
            if let Decl::Task(t, span) = self.decls[name] {
                self.in_module_of(name, |c| c.resolve_task(name, t, span));
            }
        }
        self.check_unique_fqns();
        for name in &names {
            match self.decls[name] {
                Decl::Task(t, _) => {
                    let env = self.out.tasks.get(name).and_then(|i| i.env.clone());
                    self.in_module_of(name, |c| c.check_body(name, &t.func, env));
                }
                Decl::Fn(f, _) => self.in_module_of(name, |c| c.check_body(name, f, None)),
                _ => {}
            }
        }
        if self.opts.allow_top_level_statements {
            for item in &root.items {
                if let ItemKind::Stmt(s) = &item.kind {
                    self.in_async = true;
                    self.ret = Type::Any;
                    self.scopes.push(IndexMap::new());
                    self.stmt(s);
                    self.scopes.pop();
                }
            }
        }
    }

    /// Declares a module's top-level names, as `PREFIX.NAME` when imported with an alias.
    fn collect(&mut self, index: usize, module: &'m Module, prefix: Option<&Name>, is_root: bool) {
        let key = |id: &Ident| -> Ident {
            match prefix {
                Some(p) => Ident::new(format!("{p}.{}", id.name), id.span),
                None => id.clone(),
            }
        };
        for (item_index, item) in module.items.iter().enumerate() {
            let (name, decl) = match &item.kind {
                ItemKind::Env(e) => (key(&e.name), Decl::Env(e, item.span)),
                ItemKind::Task(t) => (key(&t.name), Decl::Task(t, item.span)),
                ItemKind::Fn(f) => (key(&f.name), Decl::Fn(f, item.span)),
                ItemKind::Struct(s) => (key(&s.name), Decl::Struct(s, item.span)),
                ItemKind::Let(l) => {
                    for id in l.pattern.names() {
                        let k = key(id);
                        self.out
                            .locations
                            .entry(k.name.clone())
                            .or_insert((index, item_index));
                        self.declare(&k, Decl::Let(l, id.span));
                    }
                    continue;
                }
                ItemKind::Import(_) => continue,
                ItemKind::Stmt(_) => {
                    if !self.opts.allow_top_level_statements || !is_root {
                        self.err(CheckError::TopLevelStatement { at: item.span });
                    }
                    continue;
                }
            };
            self.out
                .locations
                .entry(name.name.clone())
                .or_insert((index, item_index));
            self.declare(&name, decl);
        }
    }

    fn declare(&mut self, id: &Ident, decl: Decl<'m>) {
        if let Some(first) = self.decls.get(&id.name) {
            let first = first.span();
            self.err(CheckError::Duplicate {
                at: id.span,
                name: id.name.to_string(),
                first,
            });
            return;
        }
        if is_builtin_name(&id.name) {
            // Shadowing a builtin at the top level is allowed, as in Python.
        }
        self.decls.insert(id.name.clone(), decl);
    }

    fn resolve_structs(&mut self) {
        let structs: Vec<(Name, &'m StructDecl)> = self
            .decls
            .iter()
            .filter_map(|(k, d)| match d {
                Decl::Struct(s, _) => Some((k.clone(), *s)),
                _ => None,
            })
            .collect();
        for (key, s) in structs {
            self.in_module_of(&key.clone(), |c| c.resolve_struct(key, s));
        }
    }

    /// A struct's fields, under its key (`ALIAS.NAME` in a module imported with an alias).
    fn resolve_struct(&mut self, key: Name, s: &'m StructDecl) {
        let mut fields: Vec<(Name, Type)> = Vec::new();
        for f in &s.fields {
            if let Some(prev) = s
                .fields
                .iter()
                .take_while(|g| !std::ptr::eq(*g, f))
                .find(|g| g.name.name == f.name.name)
            {
                self.err(CheckError::Duplicate {
                    at: f.name.span,
                    name: f.name.name.to_string(),
                    first: prev.name.span,
                });
                continue;
            }
            let ty = self.resolve_type(&f.ty);
            fields.push((f.name.name.clone(), ty));
        }
        self.out
            .structs
            .insert(key.clone(), StructInfo { name: key, fields });
    }

    fn params(&mut self, params: &[crate::syntax::ast::Param]) -> Vec<Param> {
        let mut out: Vec<Param> = Vec::new();
        // First spans by name: a scan per parameter was quadratic in their number.
        let mut seen: std::collections::HashMap<&Name, Span> = Default::default();
        for p in params {
            if let Some(&first) = seen.get(&p.name.name) {
                self.err(CheckError::Duplicate {
                    at: p.name.span,
                    name: p.name.name.to_string(),
                    first,
                });
            } else {
                seen.insert(&p.name.name, p.name.span);
            }
            let ty = self.resolve_type(&p.ty);
            out.push(Param {
                name: p.name.name.clone(),
                ty,
                has_default: p.default.is_some(),
            });
        }
        out
    }

    /// The bound parameters of `key` when it is the REPL's input.
    fn prompt_of(&self, key: &Name) -> Option<Vec<(Name, Type)>> {
        if self.opts.infer_return_of.as_ref() != Some(key) {
            return None;
        }
        self.opts.prompt.clone()
    }

    fn resolve_signatures(&mut self) {
        let decls: Vec<(Name, Decl<'m>)> =
            self.decls.iter().map(|(n, d)| (n.clone(), *d)).collect();
        for (name, decl) in decls {
            self.in_module_of(&name.clone(), |c| c.resolve_signature(name, decl));
        }
    }

    fn resolve_signature(&mut self, name: Name, decl: Decl<'m>) {
        match decl {
            Decl::Fn(f, _) => {
                let params = self.params(&f.params);
                let ret = f.ret.as_ref().map_or(Type::None, |t| self.resolve_type(t));
                self.out.fns.insert(
                    name.clone(),
                    FnInfo {
                        name,
                        is_async: f.is_async,
                        params,
                        ret,
                    },
                );
            }
            Decl::Task(t, _) => {
                let span = t.name.span;
                let mut params = self.params(&t.params);
                if let Some(bound) = self.prompt_of(&name) {
                    for p in &mut params {
                        if let Some((_, ty)) = bound.iter().find(|(n, _)| *n == p.name) {
                            p.ty = ty.clone();
                        }
                    }
                }
                let ret = t.ret.as_ref().map_or(Type::None, |r| self.resolve_type(r));
                self.out.tasks.insert(
                    name.clone(),
                    TaskInfo {
                        name: name.clone(),
                        env: None,
                        fqn: name.to_string(),
                        is_async: t.is_async,
                        params,
                        ret,
                        settings: TaskSettings::default(),
                        span,
                    },
                );
            }
            _ => {}
        }
    }

    /// The type an annotation names.
    fn resolve_type(&mut self, t: &TypeExpr) -> Type {
        match &t.kind {
            TypeExprKind::None => Type::None,
            TypeExprKind::Optional(inner) => Type::optional(self.resolve_type(inner)),
            TypeExprKind::Union(parts) => {
                let ts = parts.iter().map(|p| self.resolve_type(p)).collect();
                types::union(ts)
            }
            TypeExprKind::Named { path, args } => {
                let joined;
                let name = if path.len() > 1 {
                    joined = Ident::new(
                        path.iter()
                            .map(|p| p.name.as_str())
                            .collect::<Vec<_>>()
                            .join("."),
                        t.span,
                    );
                    &joined
                } else {
                    path.last().unwrap()
                };
                // A struct of the module being checked, named without its alias.
                if let Some(q) = self.qualify(&name.name) {
                    if matches!(self.decls.get(&q), Some(Decl::Struct(..))) {
                        return Type::Struct(q);
                    }
                }
                let args: Vec<Type> = args.iter().map(|a| self.resolve_type(a)).collect();
                let arity = |c: &mut Self, n: usize| {
                    if args.len() != n {
                        c.err(CheckError::UnknownType {
                            at: t.span,
                            name: format!(
                                "{} with {} type argument{}",
                                name.name,
                                args.len(),
                                if args.len() == 1 { "" } else { "s" }
                            ),
                            suggestion: None,
                        });
                        false
                    } else {
                        true
                    }
                };
                match name.name.as_str() {
                    "int" | "float" | "bool" | "str" | "duration" | "Env" | "Resources" | "GPU"
                    | "TPU" | "ReusePolicy" | "Cache"
                        if !arity(self, 0) =>
                    {
                        Type::Any
                    }
                    "int" => Type::Int,
                    "float" => Type::Float,
                    "bool" => Type::Bool,
                    "str" => Type::Str,
                    "duration" => Type::Duration,
                    "Env" => Type::Record(types::Record::Env),
                    "Resources" | "GPU" | "TPU" | "ReusePolicy" | "Cache" => {
                        Type::Record(types::Record::of_ctor(&name.name).unwrap())
                    }
                    "list" => match arity(self, 1) {
                        true => Type::list(args[0].clone()),
                        false => Type::Any,
                    },
                    "Future" => match arity(self, 1) {
                        true => Type::future(args[0].clone()),
                        false => Type::Any,
                    },
                    "dict" => match arity(self, 2) {
                        true => {
                            if !matches!(args[0], Type::Str | Type::Int | Type::Any) {
                                self.err(CheckError::Mismatch {
                                    at: t.span,
                                    expected: Type::Str,
                                    found: args[0].clone(),
                                    context: "a dict key",
                                });
                            }
                            Type::Dict(Box::new(args[0].clone()), Box::new(args[1].clone()))
                        }
                        false => Type::Any,
                    },
                    "tuple" => Type::Tuple(args),
                    // A Python annotation the language has no name for (`crate::python`).
                    "<any>" => Type::Any,
                    n if types::is_error_type(n) => Type::Error(name.name.clone()),
                    n if matches!(self.decls.get(n), Some(Decl::Struct(..))) => {
                        Type::Struct(name.name.clone())
                    }
                    n => {
                        let mut candidates: Vec<&str> = builtins::TYPE_NAMES.to_vec();
                        candidates.extend(
                            self.decls
                                .iter()
                                .filter(|(_, d)| matches!(d, Decl::Struct(..)))
                                .map(|(k, _)| k.as_str()),
                        );
                        let suggestion = suggest::closest(n, candidates).map(str::to_string);
                        self.err(CheckError::UnknownType {
                            at: name.span,
                            name: n.to_string(),
                            suggestion,
                        });
                        Type::Any
                    }
                }
            }
        }
    }

    /// Host tasks become async tasks of the environment whose `name` they give.
    fn declare_native_tasks(&mut self) {
        for (env_name, sig) in self.opts.native_tasks.clone() {
            let env = self
                .out
                .envs
                .values()
                .find(|e| e.settings.name == env_name)
                .map(|e| e.binding.clone());
            let Some(env) = env else {
                self.diags.push(Diagnostic::error(
                    "E0214",
                    format!("host task `{}` belongs to environment \"{env_name}\", which the script does not declare", sig.name),
                ).with_help(format!("declare `env host = TaskEnvironment(name = \"{env_name}\", ...)` in the script")));
                continue;
            };
            let params = sig.param_list();
            self.out.tasks.insert(
                sig.name.clone(),
                TaskInfo {
                    name: sig.name.clone(),
                    env: Some(env),
                    fqn: format!("{env_name}.{}", sig.name),
                    is_async: true,
                    params,
                    ret: sig.ret.clone(),
                    settings: TaskSettings::default(),
                    span: Span::default(),
                },
            );
        }
    }

    fn check_unique_env_names(&mut self) {
        let mut seen: IndexMap<String, Span> = IndexMap::new();
        let envs: Vec<(String, Span)> = self
            .out
            .envs
            .values()
            .filter(|e| !e.settings.name.is_empty())
            .map(|e| (e.settings.name.clone(), e.span))
            .collect();
        for (name, span) in envs {
            if let Some(first) = seen.get(&name) {
                let first = *first;
                self.err(CheckError::DuplicateFlyteName {
                    at: span,
                    what: "environment",
                    name,
                    first,
                });
            } else {
                seen.insert(name, span);
            }
        }
    }

    fn check_unique_fqns(&mut self) {
        let mut seen: IndexMap<String, Span> = IndexMap::new();
        let tasks: Vec<(String, Span, bool)> = self
            .out
            .tasks
            .values()
            .map(|t| (t.fqn.clone(), t.span, t.env.is_some()))
            .collect();
        for (fqn, span, has_env) in tasks {
            if !has_env {
                continue;
            }
            if let Some(first) = seen.get(&fqn) {
                let first = *first;
                self.err(CheckError::DuplicateFlyteName {
                    at: span,
                    what: "task",
                    name: fqn,
                    first,
                });
            } else {
                seen.insert(fqn, span);
            }
        }
    }

    /// Names visible at the top level, for did-you-mean.
    fn global_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.decls.keys().map(|k| k.as_str()).collect();
        v.extend(self.opts.natives.iter().map(|n| n.name.as_str()));
        for f in builtins::functions() {
            v.push(f);
        }
        v.extend(builtins::CONSTRUCTORS);
        v.extend(crate::diagnostics::ErrorType::all().map(|t| t.name()));
        v
    }
}

/// Every setting and configuration parameter name the checker knows, with repeats
/// (environment fields, `@env` and `override` settings, `Resources`, `ReusePolicy`, `GPU`).
pub fn setting_names() -> impl Iterator<Item = &'static str> {
    [
        ENV_FIELDS,
        DECORATOR_SETTINGS,
        OVERRIDE_SETTINGS,
        config::resources::FIELDS,
        config::resources::GPU_PARAMS,
        config::reuse::PARAMS,
    ]
    .into_iter()
    .flatten()
    .copied()
}

pub fn is_builtin_name(name: &str) -> bool {
    builtins::is_function(name)
        || builtins::CONSTRUCTORS.contains(&name)
        || types::is_error_type(name)
}
