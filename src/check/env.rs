//! Environments: compile-time constants checked with flyte-sdk's rules, and the table of which
//! setting may be given where (also read by decorators and overrides, `task_settings.rs`).
//!
//! An `env`'s right-hand side is folded to a [`Const`] (`fold.rs`: literals, `Resources(...)`
//! and the other constructors, other environments, module-level `let` constants) and applied
//! field by field:
//! `TaskEnvironment(...)` starts from flyte-sdk's defaults, `PARENT.clone_with(...)` from the
//! parent's resolved settings (each field remembering where it came from). Values go to the
//! validators of [`super::config`]; the table of which setting may be given at which level
//! (docs/language.md) is [`allowed_levels`].

use super::config::value::Const;
use super::config::{self, Level, SConst};
use super::error::CheckError;
use super::fold::Fold;
use super::{Checker, Decl, EnvInfo, EnvSettings, Origin, State};
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

impl<'m> Checker<'m> {
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
                ExprKind::Name(n) if n == "TaskEnvironment" => (args, false),
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
            ExprKind::Name(p) => p.clone(),
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
    pub(super) fn unknown_setting(&mut self, field: &Ident, level: Level, allowed: &[&str]) {
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

    pub(super) fn type_error(&mut self, v: &SConst, expected: &str, level: Level) {
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

    pub(super) fn const_str(&mut self, v: &SConst, level: Level) -> Option<String> {
        match &v.value {
            Const::Str(s) => Some(s.clone()),
            Const::Unknown => None,
            _ => {
                self.type_error(v, "a string", level);
                None
            }
        }
    }

    pub(super) fn const_str_list(&mut self, v: &SConst, level: Level) -> Option<Vec<String>> {
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

    pub(super) fn const_str_dict(
        &mut self,
        v: &SConst,
        level: Level,
    ) -> Option<Vec<(String, String)>> {
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
