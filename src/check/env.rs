//! Environments, decorators and overrides: compile-time constants checked with flyte-sdk's
//! rules.
//!
//! An `env`'s right-hand side is folded to a [`Const`] (literals, `Resources(...)` and the other
//! constructors, other environments, module-level `let` constants) and applied field by field:
//! `TaskEnvironment(...)` starts from flyte-sdk's defaults, `PARENT.clone_with(...)` from the
//! parent's resolved settings (each field remembering where it came from). Values go to the
//! validators of [`super::config`]; the table of which setting may be given at which level
//! (docs/language.md) is [`allowed_levels`].

use super::config::value::Const;
use super::config::{self, ConstArg, Level, SConst};
use super::error::CheckError;
use super::order;
use super::{Checker, Decl, EnvInfo, EnvSettings, Origin, OverrideRequest, State, TaskSettings};
use crate::diagnostics::{suggest, Diagnostic, Span};
use crate::syntax::ast::*;

/// Fields of `TaskEnvironment(...)` (and of `clone_with`, but `queue`).
pub const ENV_FIELDS: &[&str] = &[
    "name",
    "image",
    "resources",
    "env_vars",
    "secrets",
    "cache",
    "reusable",
    "depends_on",
    "description",
    "interruptible",
    "queue",
];
/// Settings of `@env(...)`.
pub const DECORATOR_SETTINGS: &[&str] = &[
    "cache",
    "interruptible",
    "queue",
    "short_name",
    "retries",
    "timeout",
    "report",
    "docs",
];
/// Settings of `task.override(...)`.
pub const OVERRIDE_SETTINGS: &[&str] = &[
    "resources",
    "env_vars",
    "secrets",
    "cache",
    "interruptible",
    "queue",
    "reusable",
    "short_name",
    "retries",
    "timeout",
    "report",
];

/// Where a setting may be given, in words, or `None` for a name that is no setting.
pub fn allowed_levels(setting: &str) -> Option<&'static str> {
    Some(match setting {
        "name" | "image" | "depends_on" | "description" => {
            "only on an environment (TaskEnvironment or clone_with)"
        }
        "resources" | "env_vars" | "secrets" | "reusable" => {
            "on an environment or in `override(...)`"
        }
        "cache" | "interruptible" | "queue" => {
            "on an environment, in `@env(...)` or in `override(...)`"
        }
        "short_name" | "retries" | "timeout" | "report" => "in `@env(...)` or in `override(...)`",
        "docs" => "only in `@env(...)`",
        _ => return None,
    })
}

/// Whether folding may meet run-time values silently (override arguments) or must report them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Fold {
    Strict,
    Lenient,
}

impl<'m> Checker<'m> {
    /// Folds a constant expression; what is not constant becomes `Const::Unknown` (reported as
    /// `E0217` when strict).
    pub(super) fn fold(&mut self, e: &Expr, mode: Fold, what: &'static str) -> SConst {
        let span = e.span;
        let c = |v| SConst::new(v, span);
        match &e.kind {
            ExprKind::Int(i) => c(Const::Int(*i)),
            ExprKind::Float(f) => c(Const::Float(*f)),
            ExprKind::Str(s) => c(Const::Str(s.clone())),
            ExprKind::Bool(b) => c(Const::Bool(*b)),
            ExprKind::None => c(Const::None),
            ExprKind::Duration(d) => c(Const::Duration(*d)),
            ExprKind::List(items) => c(Const::List(
                items.iter().map(|i| self.fold(i, mode, what)).collect(),
            )),
            ExprKind::Tuple(items) => c(Const::Tuple(
                items.iter().map(|i| self.fold(i, mode, what)).collect(),
            )),
            ExprKind::Dict(entries) => c(Const::Dict(
                entries
                    .iter()
                    .map(|(k, v)| (self.fold(k, mode, what), self.fold(v, mode, what)))
                    .collect(),
            )),
            ExprKind::Unary {
                op: UnaryOp::Neg,
                operand,
            } => {
                let v = self.fold(operand, mode, what);
                match v.value {
                    // Negating i64::MIN overflows: left to the run time's OverflowError.
                    Const::Int(i) => c(i.checked_neg().map_or(Const::Unknown, Const::Int)),
                    Const::Float(f) => c(Const::Float(-f)),
                    Const::Duration(d) => {
                        c(d.checked_neg().map_or(Const::Unknown, Const::Duration))
                    }
                    _ => c(Const::Unknown),
                }
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let (a, b) = (self.fold(lhs, mode, what), self.fold(rhs, mode, what));
                let v = match (op, &a.value, &b.value) {
                    (BinOp::Add, Const::Int(x), Const::Int(y)) => x.checked_add(*y).map(Const::Int),
                    (BinOp::Sub, Const::Int(x), Const::Int(y)) => x.checked_sub(*y).map(Const::Int),
                    (BinOp::Mul, Const::Int(x), Const::Int(y)) => x.checked_mul(*y).map(Const::Int),
                    (BinOp::Add, Const::Str(x), Const::Str(y)) => {
                        Some(Const::Str(format!("{x}{y}")))
                    }
                    (BinOp::Add, Const::Duration(x), Const::Duration(y)) => {
                        x.checked_add(*y).map(Const::Duration)
                    }
                    (BinOp::Mul, Const::Duration(x), Const::Int(y)) => {
                        x.checked_mul(*y).map(Const::Duration)
                    }
                    _ => None,
                };
                c(v.unwrap_or(Const::Unknown))
            }
            ExprKind::Attr { obj, name } if self.qualified(obj, name).is_some() => {
                let q = self.qualified(obj, name).unwrap();
                let named = Expr {
                    kind: ExprKind::Name(q, Slot::UNRESOLVED),
                    span,
                };
                self.fold(&named, mode, what)
            }
            ExprKind::Name(n, _) => {
                let n = &self.qualify(n).unwrap_or_else(|| n.clone());
                match self.decls.get(n).copied() {
                    Some(Decl::Let(..)) => {
                        self.resolve_let(n);
                        match self.let_values.get(n) {
                            Some(v) => v.clone(),
                            None => self.not_constant(span, mode, what),
                        }
                    }
                    Some(Decl::Env(..)) => {
                        self.resolve_env(n);
                        match self.out.envs.get(n) {
                            Some(env) => c(Const::Env(env.settings.name.as_str().into())),
                            None => c(Const::Unknown),
                        }
                    }
                    _ => self.not_constant(span, mode, what),
                }
            }
            ExprKind::Call { func, args } => match &func.kind {
                ExprKind::Name(ctor, _)
                    if super::types::Record::of_ctor(ctor).is_some()
                        && !self.decls.contains_key(ctor) =>
                {
                    let args = args
                        .iter()
                        .map(|a| ConstArg {
                            name: match &a.kind {
                                ArgKind::Keyword(id) => Some(id.name.clone()),
                                _ => None,
                            },
                            span: a.span,
                            value: self.fold(&a.value, mode, what),
                        })
                        .collect();
                    c(Const::Record {
                        ctor: ctor.clone(),
                        args,
                    })
                }
                _ => self.not_constant(span, mode, what),
            },
            _ => self.not_constant(span, mode, what),
        }
    }

    fn not_constant(&mut self, span: Span, mode: Fold, what: &'static str) -> SConst {
        if mode == Fold::Strict {
            self.err(CheckError::NotConstant { at: span, what });
        }
        SConst::new(Const::Unknown, span)
    }

    /// Resolves a module-level `let`: its type and, where constant, its value.
    pub(super) fn resolve_let(&mut self, name: &Name) {
        if self.const_state.get(name) == Some(&State::Done) || self.too_deep(name) {
            return;
        }
        self.resolve_depth += 1;
        crate::stack::grow(|| self.in_module_of(name, |c| c.resolve_let_in_module(name)));
        self.resolve_depth -= 1;
    }

    fn resolve_let_in_module(&mut self, name: &Name) {
        match self.const_state.get(name) {
            Some(State::Done) => return,
            Some(State::InProgress) => {
                self.cycle_error(name);
                self.out
                    .consts
                    .insert(name.clone(), super::types::Type::Any);
                return;
            }
            None => {}
        }
        let Some(Decl::Let(l, _)) = self.decls.get(name).copied() else {
            return;
        };
        self.const_state.insert(name.clone(), State::InProgress);
        let saved = std::mem::take(&mut self.scopes);
        self.scopes.push(Default::default());
        let declared = l.ty.as_ref().map(|t| self.resolve_type(t));
        let ty = self.expr(&l.value, declared.as_ref());
        if let Some(d) = &declared {
            self.expect(&ty, d, l.value.span, "this constant's annotation");
        }
        let mut ty = declared.unwrap_or(ty);
        self.scopes = saved;
        if order::type_deeper_than(&ty, order::MAX_CONST_DEPTH) {
            self.err(CheckError::TooDeep {
                at: l.value.span,
                what: format!("the type of `{name}`, through other constants,"),
                limit: order::MAX_CONST_DEPTH,
            });
            ty = super::types::Type::Any;
        }
        let names = l.pattern.names();
        if names.len() == 1 {
            let v = self.fold(&l.value, Fold::Lenient, "a constant");
            if v.value != Const::Unknown
                && !order::const_deeper_than(&v.value, order::MAX_CONST_DEPTH)
            {
                self.let_values.insert(name.clone(), v);
            }
            self.out.consts.insert(name.clone(), ty);
        } else {
            let mut bound = Vec::new();
            self.bind_pattern_types(&l.pattern, &ty, &mut bound);
            let prefix = name.rsplit_once('.').map(|(p, _)| p.to_string());
            for (n, t) in bound {
                let n = match &prefix {
                    Some(p) => Name::new(format!("{p}.{n}")),
                    None => n,
                };
                self.out.consts.insert(n.clone(), t);
                self.const_state.insert(n, State::Done);
            }
        }
        self.const_state.insert(name.clone(), State::Done);
    }

    fn cycle_error(&mut self, name: &Name) {
        // One report per cycle: the names on it are marked so no other member repeats it.
        if self.in_reported_cycle.contains(name) {
            return;
        }
        let start = self.const_state.get_index_of(name).unwrap();
        let mut chain: Vec<String> = self
            .const_state
            .iter()
            .skip(start)
            .filter(|(_, s)| **s == State::InProgress)
            .map(|(n, _)| n.to_string())
            .collect();
        self.in_reported_cycle
            .extend(chain.iter().map(|n| Name::new(n.as_str())));
        chain.push(name.to_string());
        let at = self.decls.get(name).map(|d| d.span()).unwrap_or_default();
        self.err(CheckError::Cycle { at, chain });
    }

    /// Evaluates an `env` declaration into `self.out.envs`.
    pub(super) fn resolve_env(&mut self, name: &Name) {
        if self.const_state.get(name) == Some(&State::Done) || self.too_deep(name) {
            return;
        }
        self.resolve_depth += 1;
        crate::stack::grow(|| self.in_module_of(name, |c| c.resolve_env_in_module(name)));
        self.resolve_depth -= 1;
    }

    fn resolve_env_in_module(&mut self, name: &Name) {
        match self.const_state.get(name) {
            Some(State::Done) => return,
            Some(State::InProgress) => {
                self.cycle_error(name);
                return;
            }
            None => {}
        }
        let Some(Decl::Env(decl, span)) = self.decls.get(name).copied() else {
            return;
        };
        self.const_state.insert(name.clone(), State::InProgress);
        let mut settings = EnvSettings::default();
        let mut ok = true;
        let (args, is_clone): (&[Arg], bool) = match &decl.value.kind {
            ExprKind::Call { func, args } => match &func.kind {
                ExprKind::Name(n, _) if n == "TaskEnvironment" => (args, false),
                ExprKind::Attr { obj, name: method } if method.name == "clone_with" => {
                    match self.parent_env(obj) {
                        Some(parent) => {
                            settings = self.out.envs[&parent].settings.clone();
                            for (_, origin) in settings.origins.iter_mut() {
                                if *origin == Origin::Environment {
                                    *origin = Origin::Parent(parent.clone());
                                }
                            }
                        }
                        None => ok = false,
                    }
                    (args, true)
                }
                _ => (&[][..], false),
            },
            _ => (&[][..], false),
        };
        if args.is_empty() && !matches!(&decl.value.kind, ExprKind::Call { .. }) {
            self.err(CheckError::NotConstant {
                at: decl.value.span,
                what: "an environment (TaskEnvironment(...) or ENV.clone_with(...))",
            });
            ok = false;
        }
        let mut has_name = false;
        let mut seen: Vec<&str> = Vec::new();
        for arg in args {
            let ArgKind::Keyword(field) = &arg.kind else {
                self.err(CheckError::BadArguments {
                    at: arg.span,
                    message: "environment settings are keyword arguments".into(),
                    help: Some("write `name = \"...\"`, `resources = Resources(...)`, ...".into()),
                });
                continue;
            };
            let f = field.name.as_str();
            if seen.contains(&f) {
                self.err(CheckError::BadArguments {
                    at: arg.span,
                    message: format!("`{f}` is given twice"),
                    help: None,
                });
                continue;
            }
            seen.push(f);
            if is_clone && f == "queue" {
                self.err(CheckError::UnknownEnvField {
                    at: field.span,
                    field: f.into(),
                    allowed: ENV_FIELDS
                        .iter()
                        .filter(|x| **x != "queue")
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", "),
                    suggestion: None,
                });
                continue;
            }
            if !ENV_FIELDS.contains(&f) {
                self.unknown_setting(field, Level::Environment, ENV_FIELDS);
                continue;
            }
            let v = self.fold(&arg.value, Fold::Strict, "an environment setting");
            has_name |= f == "name";
            self.apply_env_field(&mut settings, field, &v);
        }
        if !has_name && ok {
            self.err(CheckError::BadArguments {
                at: decl.value.span,
                message: if is_clone {
                    "`clone_with` needs a new `name`".into()
                } else {
                    "TaskEnvironment needs a `name`".into()
                },
                help: Some("add `name = \"my-env\"` (snake_case or kebab-case)".into()),
            });
        }
        self.out.envs.insert(
            name.clone(),
            EnvInfo {
                binding: name.clone(),
                span: args
                    .iter()
                    .find(|a| matches!(&a.kind, ArgKind::Keyword(k) if k.name == "name"))
                    .map_or(span, |a| a.value.span),
                settings,
            },
        );
        self.const_state.insert(name.clone(), State::Done);
    }

    fn parent_env(&mut self, obj: &Expr) -> Option<Name> {
        let parent = match &obj.kind {
            ExprKind::Name(p, _) => p.clone(),
            ExprKind::Attr { obj: o, name } if self.qualified(o, name).is_some() => {
                self.qualified(o, name).unwrap()
            }
            _ => {
                self.err(CheckError::NotConstant {
                    at: obj.span,
                    what: "the environment `clone_with` copies",
                });
                return None;
            }
        };
        let parent = &self.qualify(&parent).unwrap_or(parent);
        match self.decls.get(parent).copied() {
            Some(Decl::Env(..)) => {
                self.resolve_env(parent);
                self.out.envs.contains_key(parent).then(|| parent.clone())
            }
            Some(_) => {
                self.err(CheckError::NotAnEnvironment {
                    at: obj.span,
                    name: parent.to_string(),
                });
                None
            }
            None => {
                self.unknown_name(parent, obj.span);
                None
            }
        }
    }

    pub(super) fn unknown_name(&mut self, name: &str, at: Span) {
        let suggestion = suggest::closest(name, self.global_names()).map(str::to_string);
        self.err(CheckError::UnknownName {
            at,
            name: name.to_string(),
            suggestion,
        });
    }

    /// A keyword that is not a setting of this level: `E0501` when it is allowed at another
    /// level, else `E0507` naming the allowed ones.
    fn unknown_setting(&mut self, field: &Ident, level: Level, allowed: &[&str]) {
        let f = field.name.as_str();
        let here = match level {
            Level::Environment => "on an environment",
            Level::Decorator => "in a task's decorator",
            Level::Override => "in `override(...)`",
        };
        if let Some(where_) = allowed_levels(f) {
            self.err(CheckError::WrongLevel {
                at: field.span,
                setting: f.into(),
                level: here,
                allowed: where_.into(),
            });
        } else {
            let suggestion = suggest::closest(f, allowed.iter().copied()).map(str::to_string);
            self.err(CheckError::UnknownEnvField {
                at: field.span,
                field: f.into(),
                allowed: allowed.join(", "),
                suggestion,
            });
        }
    }

    fn type_error(&mut self, v: &SConst, expected: &str, level: Level) {
        let d = Diagnostic::error(
            "E0206",
            format!(
                "type mismatch: expected {expected}, found {}",
                v.value.describe()
            ),
        )
        .with_label(v.span, format!("this is {}", v.value.describe()));
        self.diags.push(for_override(level, d));
    }

    fn const_str(&mut self, v: &SConst, level: Level) -> Option<String> {
        match &v.value {
            Const::Str(s) => Some(s.clone()),
            Const::Unknown => None,
            _ => {
                self.type_error(v, "a string", level);
                None
            }
        }
    }

    fn const_str_list(&mut self, v: &SConst, level: Level) -> Option<Vec<String>> {
        match &v.value {
            Const::List(items) | Const::Tuple(items) => {
                let mut out = Vec::new();
                for i in items {
                    out.push(self.const_str(i, level)?);
                }
                Some(out)
            }
            Const::Unknown => None,
            _ => {
                self.type_error(v, "a list of strings", level);
                None
            }
        }
    }

    fn const_str_dict(&mut self, v: &SConst, level: Level) -> Option<Vec<(String, String)>> {
        match &v.value {
            Const::Dict(entries) => {
                let mut out = Vec::new();
                for (k, val) in entries {
                    out.push((self.const_str(k, level)?, self.const_str(val, level)?));
                }
                Some(out)
            }
            Const::Unknown => None,
            _ => {
                self.type_error(v, "a dict of strings", level);
                None
            }
        }
    }

    fn apply_env_field(&mut self, s: &mut EnvSettings, field: &Ident, v: &SConst) {
        let level = Level::Environment;
        let f: &'static str = ENV_FIELDS
            .iter()
            .find(|x| **x == field.name.as_str())
            .unwrap();
        let mut set = true;
        match f {
            "name" => match self.const_str(v, level) {
                Some(name) => {
                    if !valid_env_name(&name) {
                        self.err(CheckError::BadEnvName {
                            at: v.span,
                            name: name.clone(),
                        });
                    }
                    s.name = name;
                }
                None => set = false,
            },
            "image" => match self.const_str(v, level) {
                // flyte-sdk fails to serialize a task whose image is "" ("Image has no base
                // image URI").
                Some(i) if i.is_empty() => {
                    self.diags.push(
                        Diagnostic::error("E0511", "the image is an empty string")
                            .with_label(v.span, "no image URI")
                            .with_help("leave `image` out for \"auto\", or name an image such as \"python:3.12\""),
                    );
                    set = false;
                }
                Some(i) => s.image = i,
                None => set = false,
            },
            "resources" => match config::resources::resources(v, level, &mut self.diags) {
                Some(r) => {
                    s.resources = Some(r);
                    s.resources_span = Some(v.span);
                }
                None => set = false,
            },
            "env_vars" => match self.const_str_dict(v, level) {
                Some(d) => s.env_vars = d,
                None => set = false,
            },
            "secrets" => match self.const_str_list(v, level) {
                Some(l) => s.secrets = l,
                None => set = false,
            },
            "cache" => match config::settings::cache(v, level, &mut self.diags) {
                Some(c) => s.cache = Some(c),
                None => set = false,
            },
            "reusable" => match config::reuse::reuse_policy(v, level, &mut self.diags) {
                Some(config::reuse::ReuseSetting::Policy(p)) => s.reusable = Some((p, v.span)),
                Some(config::reuse::ReuseSetting::Cleared) => s.reusable = None,
                _ => set = false,
            },
            "depends_on" => match &v.value {
                Const::List(items) => {
                    let mut names = Vec::new();
                    for i in items {
                        match &i.value {
                            Const::Env(n) => names.push(n.to_string()),
                            Const::Unknown => {}
                            _ => self.type_error(i, "an environment", level),
                        }
                    }
                    s.depends_on = names;
                }
                Const::Unknown => set = false,
                _ => {
                    self.type_error(v, "a list of environments", level);
                    set = false;
                }
            },
            "description" => match self.const_str(v, level) {
                Some(d) => {
                    let len = d.chars().count();
                    if len > 255 {
                        self.err(CheckError::DescriptionTooLong { at: v.span, len });
                    }
                    s.description = Some(d);
                }
                None => set = false,
            },
            "interruptible" => match &v.value {
                Const::Bool(b) => s.interruptible = *b,
                Const::Unknown => set = false,
                _ => {
                    self.type_error(v, "a bool", level);
                    set = false;
                }
            },
            "queue" => match self.const_str(v, level) {
                Some(q) => s.queue = Some(q),
                None => set = false,
            },
            _ => unreachable!(),
        }
        if set {
            s.origins.retain(|(n, _)| *n != f);
            s.origins.push((f, Origin::Environment));
        }
    }

    /// Resolves a task's environment (from its decorator), FQN and decorator settings.
    pub(super) fn resolve_task(&mut self, name: &Name, t: &'m TaskDecl, _span: Span) {
        let Some(dec) = &t.decorator else {
            self.err(CheckError::TaskWithoutDecorator {
                at: t.name.span,
                task: name.to_string(),
            });
            return;
        };
        let key = Name::new(
            dec.path
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join("."),
        );
        let key = self.qualify(&key).unwrap_or(key);
        let env_name = &Ident::new(key, dec.path[0].span.to(dec.path.last().unwrap().span));
        let env = match self.decls.get(&env_name.name).copied() {
            Some(Decl::Env(..)) => {
                self.resolve_env(&env_name.name);
                self.out.envs.get(&env_name.name).map(|e| e.binding.clone())
            }
            Some(_) => {
                self.err(CheckError::NotAnEnvironment {
                    at: env_name.span,
                    name: env_name.name.to_string(),
                });
                None
            }
            None => {
                self.unknown_name(&env_name.name, env_name.span);
                None
            }
        };
        let mut settings = TaskSettings::default();
        for arg in dec.args.iter().flatten() {
            let ArgKind::Keyword(field) = &arg.kind else {
                self.err(CheckError::BadArguments {
                    at: arg.span,
                    message: "decorator settings are keyword arguments".into(),
                    help: Some("write `@env(retries = 3, cache = \"auto\")`".into()),
                });
                continue;
            };
            if !DECORATOR_SETTINGS.contains(&field.name.as_str()) {
                self.unknown_setting(field, Level::Decorator, DECORATOR_SETTINGS);
                continue;
            }
            let v = self.fold(&arg.value, Fold::Strict, "a decorator setting");
            self.warn_falsy(field, &v);
            self.apply_task_setting(&mut settings, field, &v, Level::Decorator);
        }
        let Some(env) = env else { return };
        let info = &self.out.envs[&env];
        // ENV_NAME.TASK_NAME, with the task's own name (not its `ALIAS.NAME` key).
        let fqn = format!("{}.{}", info.settings.name, t.name.name);
        if let Some((policy, pspan)) = &info.settings.reusable {
            if policy.concurrency > 1 && !t.is_async {
                let (concurrency, pspan) = (policy.concurrency, *pspan);
                self.err(CheckError::SyncTaskConcurrency {
                    at: t.name.span,
                    task: name.to_string(),
                    env: info.settings.name.clone(),
                    concurrency,
                    policy: pspan,
                });
            }
        }
        let task = self.out.tasks.get_mut(name).unwrap();
        task.env = Some(env);
        task.fqn = fqn;
        task.settings = settings;
    }

    /// `retries = 0`, `timeout = 0`, `cache = ""`, `queue = ""` keep the less specific value.
    fn warn_falsy(&mut self, field: &Ident, v: &SConst) {
        let falsy = match (field.name.as_str(), &v.value) {
            ("retries" | "timeout", Const::Int(0)) => true,
            ("timeout", Const::Duration(0)) => true,
            ("cache" | "queue" | "short_name", Const::Str(s)) => s.is_empty(),
            _ => false,
        };
        if falsy {
            self.err(CheckError::FalsyNoEffect {
                at: v.span,
                setting: format!(
                    "{} = {}",
                    field.name,
                    match &v.value {
                        Const::Str(_) => "\"\"".to_string(),
                        Const::Duration(_) => "0s".to_string(),
                        _ => "0".to_string(),
                    }
                ),
            });
        }
    }

    fn apply_task_setting(
        &mut self,
        s: &mut TaskSettings,
        field: &Ident,
        v: &SConst,
        level: Level,
    ) {
        if v.value == Const::Unknown {
            return;
        }
        match field.name.as_str() {
            "cache" => {
                s.cache = config::settings::cache(v, level, &mut self.diags).or(s.cache.take())
            }
            "retries" => {
                s.retries =
                    config::settings::retries(v, level, &mut self.diags).or(s.retries.take())
            }
            "timeout" => {
                s.timeout =
                    config::settings::timeout(v, level, &mut self.diags).or(s.timeout.take())
            }
            "short_name" => s.short_name = self.const_str(v, level).filter(|x| !x.is_empty()),
            "docs" => s.docs = self.const_str(v, level),
            "queue" => s.queue = self.const_str(v, level).filter(|x| !x.is_empty()),
            "interruptible" | "report" => match &v.value {
                Const::Bool(b) if field.name == "report" => s.report = *b,
                Const::Bool(b) => s.interruptible = Some(*b),
                _ => self.type_error(v, "a bool", level),
            },
            _ => {}
        }
    }

    /// Checks `task.override(args)`: which settings may be overridden, their values, and the
    /// reuse rule. Every error here is `E05xx`.
    pub(super) fn check_override(&mut self, task: &Name, args: &[Arg], call: Span) {
        let env_policy = self
            .out
            .tasks
            .get(task)
            .and_then(|t| t.env.as_ref())
            .and_then(|e| self.out.envs.get(e))
            .and_then(|e| e.settings.reusable.as_ref().map(|(_, s)| *s));
        // The policy in force: the override's own `reusable`, else the task's.
        let mut policy: Option<Option<Span>> = Some(env_policy);
        let mut restricted: Vec<(String, Span)> = Vec::new();
        let mut settings = TaskSettings::default();
        // What the override changes about where the task runs, for the feasibility check:
        // the constant resources (or `None` when the override gives none), where to report,
        // and whether a value of those settings is known only at run time.
        let mut resources = None;
        let mut placement_at = None;
        let mut placement_unknown = false;
        for arg in args {
            let ArgKind::Keyword(field) = &arg.kind else {
                let d = Diagnostic::error("E0509", "`override(...)` takes keyword arguments only")
                    .with_label(arg.span, "positional argument")
                    .with_help("write `t.override(retries = 3)(x)`: the task's own arguments go in the second call");
                self.diags.push(d);
                continue;
            };
            let f = field.name.as_str();
            self.expr(&arg.value, None);
            if matches!(f, "name" | "image" | "docs" | "interface") {
                self.err(CheckError::ForbiddenOverride {
                    at: field.span,
                    setting: f.into(),
                });
                continue;
            }
            if !OVERRIDE_SETTINGS.contains(&f) {
                self.unknown_setting(field, Level::Override, OVERRIDE_SETTINGS);
                continue;
            }
            let v = self.fold(&arg.value, Fold::Lenient, "an override");
            self.warn_falsy(field, &v);
            if matches!(f, "resources" | "interruptible" | "queue") && v.value != Const::None {
                placement_unknown |= v.value == Const::Unknown;
                if f == "resources" || placement_at.is_none() {
                    placement_at = Some(v.span);
                }
            }
            match f {
                "reusable" => {
                    // flyte-sdk: `reusable or self.reusable`, then "off" clears it; so
                    // `reusable = none` keeps the task's policy.
                    policy = match &v.value {
                        Const::Unknown => None,
                        Const::Record { .. } => Some(Some(v.span)),
                        Const::None => policy,
                        _ => Some(None),
                    };
                    if v.value != Const::Unknown {
                        config::reuse::reuse_policy(&v, Level::Override, &mut self.diags);
                    }
                }
                "resources" | "env_vars" | "secrets" => {
                    // flyte-sdk tests `is not None`: `resources = none` breaks no rule.
                    if v.value != Const::None {
                        restricted.push((f.to_string(), field.span));
                    }
                    // `none` keeps the task's own value, as flyte-sdk's `None` does.
                    if matches!(v.value, Const::Unknown | Const::None) {
                        continue;
                    }
                    match f {
                        "resources" => {
                            resources =
                                config::resources::resources(&v, Level::Override, &mut self.diags);
                            // An invalid request is reported already; no placement to check.
                            placement_unknown |= resources.is_none();
                        }
                        "env_vars" => {
                            self.const_str_dict(&v, Level::Override);
                        }
                        _ => {
                            self.const_str_list(&v, Level::Override);
                        }
                    }
                }
                _ => self.apply_task_setting(&mut settings, field, &v, Level::Override),
            }
        }
        if let Some(Some(pspan)) = policy {
            for (setting, at) in restricted {
                self.err(CheckError::ReuseRule {
                    at,
                    setting,
                    policy: Some(pspan),
                });
            }
        }
        // Off a reusable environment, a constant override's pod must fit the cluster as the
        // environment's must (`feasible.rs`); on one, the replicas keep the environment's.
        if let (Some(None), Some(at), false) = (policy, placement_at, placement_unknown) {
            self.out.overrides.push(OverrideRequest {
                task: task.clone(),
                at,
                resources,
                interruptible: settings.interruptible,
                queue: settings.queue,
            });
        }
        let _ = call;
    }
}

/// `^[a-z0-9]+([_-][a-z0-9]+)*$`
pub fn valid_env_name(name: &str) -> bool {
    !name.is_empty()
        && name.split(['_', '-']).all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Inside `override(...)` every error is `E05xx` (docs/language.md): a type error there
/// becomes `E0510`, naming the code it would have elsewhere.
fn for_override(level: Level, mut d: Diagnostic) -> Diagnostic {
    if level == Level::Override && d.is_error() && !d.code.starts_with("E05") {
        let was = d.code;
        d.code = "E0510";
        d.help = Some(match d.help.take() {
            Some(h) => format!("{h} (outside an override this is {was})"),
            None => format!("outside an override this is {was}"),
        });
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names() {
        for ok in ["a", "data-processing", "snake_case_1", "x2-y3"] {
            assert!(valid_env_name(ok), "{ok}");
        }
        for bad in ["", "Data", "a--b", "-a", "a-", "a b", "a.b"] {
            assert!(!valid_env_name(bad), "{bad}");
        }
    }
}
