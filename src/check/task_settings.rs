//! A task's settings: its decorator (`@env` or `@env(...)`: which environment it belongs to,
//! and its own settings) and `task.override(...)` (which settings may be overridden, their
//! values, the reuse rule, and the request it makes for the feasibility check).

use super::config::value::Const;
use super::config::{self, Level, SConst};
use super::env::{DECORATOR_SETTINGS, OVERRIDE_SETTINGS};
use super::error::CheckError;
use super::fold::Fold;
use super::{Checker, Decl, OverrideRequest, TaskSettings};
use crate::diagnostics::{Diagnostic, Span};
use crate::syntax::ast::*;

impl<'m> Checker<'m> {
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
