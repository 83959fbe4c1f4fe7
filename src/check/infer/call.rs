//! Calls: dispatch on the callee (tasks, `.aio`, `.override(...)`, functions, struct literals,
//! error constructors, configuration constructors) and the checking of arguments against
//! parameters.

use crate::check::builtins;
use crate::check::error::CheckError;
use crate::check::types::Type;
use crate::check::{Checker, Param};
use crate::diagnostics::{suggest, Span};
use crate::syntax::ast::*;

/// What a callee is, for argument checking.
pub(super) struct Callee<'a> {
    pub(super) what: String,
    pub(super) params: &'a [Param],
}

impl<'m> Checker<'m> {
    pub(super) fn call(
        &mut self,
        func: &Expr,
        args: &[Arg],
        at: Span,
        expected: Option<&Type>,
    ) -> Type {
        // Methods and task attributes: `t.aio(x)`, `t.override(...)`, `xs.append(x)`, `map.aio(...)`.
        if let ExprKind::Attr { obj, name } = &func.kind {
            if self.qualified(obj, name).is_some() {
                return self.call_value(func, args, at, expected);
            }
            let recv = self.expr(obj, None);
            match (&recv, name.name.as_str()) {
                (Type::Task(t), "aio") => {
                    let ret = self.task_args(t, args, at);
                    self.note_same_env_call(t, at);
                    return Type::future(ret);
                }
                (Type::Task(t), "override") => {
                    let t = t.clone();
                    self.check_override(&t, args, at);
                    return Type::Task(t);
                }
                (Type::Builtin(b), "aio") if b == "map" => {
                    return Type::future(self.map_call(args, at))
                }
                (Type::Any, _) => {
                    self.args_any(args);
                    return Type::Any;
                }
                _ => {}
            }
            return match builtins::method(&recv, &name.name) {
                Some(m) => {
                    let n = args.len();
                    if n + m.optional < m.params.len() || n > m.params.len() {
                        self.err(CheckError::BadArguments {
                            at,
                            message: format!(
                                "`{}` takes {} argument{}, {} given",
                                name.name,
                                if m.optional > 0 {
                                    format!("{} to {}", m.params.len() - m.optional, m.params.len())
                                } else {
                                    m.params.len().to_string()
                                },
                                if m.params.len() == 1 { "" } else { "s" },
                                n
                            ),
                            help: None,
                        });
                    }
                    for (a, p) in args.iter().zip(&m.params) {
                        let t = self.expr(&a.value, Some(p));
                        self.expect(&t, p, a.value.span, "this argument");
                    }
                    for a in args.iter().skip(m.params.len()) {
                        self.expr(&a.value, None);
                    }
                    // `d.get(k, default)` gives the value type, not an optional.
                    if let (Type::Dict(_, v), "get", 2) = (&recv, name.name.as_str(), n) {
                        return (**v).clone();
                    }
                    m.ret
                }
                None => {
                    self.args_any(args);
                    self.attribute(&recv, name, obj.span)
                }
            };
        }
        self.call_value(func, args, at, expected)
    }

    /// `lib.NAME` for an import alias `lib` that no local shadows.
    pub(in crate::check) fn qualified(&self, obj: &Expr, name: &Ident) -> Option<Name> {
        match &obj.kind {
            ExprKind::Name(a) if self.aliases.contains(a) && self.lookup_local(a).is_none() => {
                Some(Name::new(format!("{a}.{}", name.name)))
            }
            _ => None,
        }
    }

    /// A call of a callee that is a value (a task, function, builtin, struct).
    fn call_value(&mut self, func: &Expr, args: &[Arg], at: Span, expected: Option<&Type>) -> Type {
        let ft = self.expr(func, None);
        match ft {
            Type::Task(t) => {
                let info = &self.out.tasks[&t];
                let is_async = info.is_async;
                let ret = self.task_args(&t, args, at);
                self.note_same_env_call(&t, at);
                if is_async {
                    Type::future(ret)
                } else {
                    if self.in_async && !self.at_prompt {
                        self.err(CheckError::SyncCallInAsync {
                            at,
                            task: t.to_string(),
                        });
                        self.blocking_call = Some(at);
                    }
                    ret
                }
            }
            Type::Fn(f) => {
                let info = self.out.fns[&f].clone();
                self.check_args(
                    Callee {
                        what: format!("function `{f}`"),
                        params: &info.params,
                    },
                    args,
                    at,
                );
                if info.is_async {
                    Type::future(info.ret)
                } else {
                    info.ret
                }
            }
            Type::Builtin(b) => self.builtin_call(&b, args, at, expected),
            Type::Any => {
                self.args_any(args);
                Type::Any
            }
            other => {
                self.args_any(args);
                self.err(CheckError::NotCallable {
                    at: func.span,
                    ty: other,
                });
                Type::Any
            }
        }
    }

    pub(super) fn args_any(&mut self, args: &[Arg]) {
        for a in args {
            self.expr(&a.value, None);
        }
    }

    fn task_args(&mut self, t: &Name, args: &[Arg], at: Span) -> Type {
        let info = self.out.tasks[t].clone();
        self.check_args(
            Callee {
                what: format!("task `{t}`"),
                params: &info.params,
            },
            args,
            at,
        );
        info.ret
    }

    /// The starvation warning: a task of a capacity-1 reusable environment calling a task of
    /// the same environment.
    pub(super) fn note_same_env_call(&mut self, callee: &Name, at: Span) {
        let Some(env) = self.body_env.clone() else {
            return;
        };
        let Some(callee_env) = self.out.tasks.get(callee).and_then(|t| t.env.clone()) else {
            return;
        };
        if callee_env != env {
            return;
        }
        if let Some((policy, _)) = &self.out.envs[&env].settings.reusable {
            if policy.max_replicas * policy.concurrency == 1 {
                let env_name = self.out.envs[&env].settings.name.clone();
                self.err(CheckError::Starvation {
                    at,
                    env: env_name,
                    callee: callee.to_string(),
                });
            }
        }
    }

    /// Checks arguments against parameters: positional, keyword, `*spread`, defaults.
    pub(super) fn check_args(&mut self, callee: Callee<'_>, args: &[Arg], at: Span) {
        let params = callee.params;
        let mut given = vec![false; params.len()];
        let mut pos = 0usize;
        let mut spread = false;
        for a in args {
            match &a.kind {
                ArgKind::Positional => {
                    if pos >= params.len() {
                        self.expr(&a.value, None);
                        self.err(CheckError::BadArguments {
                            at: a.span,
                            message: format!(
                                "{} takes {} argument{}, more were given",
                                callee.what,
                                params.len(),
                                if params.len() == 1 { "" } else { "s" }
                            ),
                            help: None,
                        });
                        continue;
                    }
                    let p = &params[pos];
                    let t = self.expr(&a.value, Some(&p.ty));
                    self.expect(&t, &p.ty, a.value.span, "this argument");
                    given[pos] = true;
                    pos += 1;
                }
                ArgKind::Keyword(id) => match params.iter().position(|p| p.name == id.name) {
                    Some(i) => {
                        if given[i] {
                            self.err(CheckError::BadArguments {
                                at: a.span,
                                message: format!("argument `{}` given twice", id.name),
                                help: None,
                            });
                        }
                        given[i] = true;
                        let t = self.expr(&a.value, Some(&params[i].ty));
                        self.expect(&t, &params[i].ty, a.value.span, "this argument");
                    }
                    None => {
                        self.expr(&a.value, None);
                        let suggestion =
                            suggest::closest(&id.name, params.iter().map(|p| p.name.as_str()));
                        self.err(CheckError::BadArguments {
                            at: a.span,
                            message: format!("{} has no parameter `{}`", callee.what, id.name),
                            help: Some(match suggestion {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => format!(
                                    "its parameters are: {}",
                                    params
                                        .iter()
                                        .map(|p| p.name.as_str())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            }),
                        });
                    }
                },
                ArgKind::Spread => {
                    spread = true;
                    let t = self.expr(&a.value, None);
                    if !matches!(t, Type::List(_) | Type::Any) {
                        self.err(CheckError::Mismatch {
                            at: a.value.span,
                            expected: Type::list(Type::Any),
                            found: t,
                            context: "`*` spread",
                        });
                    }
                }
            }
        }
        if spread {
            return;
        }
        let missing: Vec<&str> = params
            .iter()
            .zip(&given)
            .filter(|(p, g)| !**g && !p.has_default)
            .map(|(p, _)| p.name.as_str())
            .collect();
        if !missing.is_empty() {
            self.err(CheckError::BadArguments {
                at,
                message: format!(
                    "{} is missing argument{} {}",
                    callee.what,
                    if missing.len() == 1 { "" } else { "s" },
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                help: None,
            });
        }
    }
}
