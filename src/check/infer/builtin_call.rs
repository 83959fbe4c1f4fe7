//! Calls of the built-in functions, whose generic types are rules here: arity, argument
//! kinds, `gather`, `map`.

use super::call::Callee;
use crate::check::builtins::{Builtin, Sig};
use crate::check::error::CheckError;
use crate::check::types::{self, Type};
use crate::check::{Checker, Param};
use crate::diagnostics::Span;
use crate::syntax::ast::*;

impl<'m> Checker<'m> {
    pub(super) fn builtin_call(
        &mut self,
        b: &Name,
        args: &[Arg],
        at: Span,
        expected: Option<&Type>,
    ) -> Type {
        use Type::{Any, Bool, Duration, Float, Int, Str, Tuple};
        let n = b.as_str();
        // Host functions: their Rust signature.
        if let Some(sig) = self.opts.natives.iter().find(|f| f.name == *b).cloned() {
            let params = sig.param_list();
            self.check_args(
                Callee {
                    what: format!("host function `{n}`"),
                    params: &params,
                },
                args,
                at,
            );
            return sig.ret;
        }
        // Error constructors: `ValueError("message")`.
        if types::is_error_type(n) {
            self.fixed(n, args, &[Str], 1, at);
            return Type::Error(b.clone());
        }
        if let Some(st) = self.out.structs.get(n).cloned() {
            let params: Vec<Param> = st
                .fields
                .iter()
                .map(|(f, t)| Param {
                    name: f.clone(),
                    ty: t.clone(),
                    has_default: false,
                })
                .collect();
            if let Some(a) = args.iter().find(|a| !matches!(a.kind, ArgKind::Keyword(_))) {
                self.err(CheckError::BadArguments {
                    at: a.span,
                    message: format!("struct `{n}` takes its fields as keyword arguments"),
                    help: Some(format!("write `{n}(field = value, ...)`")),
                });
            }
            self.check_args(
                Callee {
                    what: format!("struct `{n}`"),
                    params: &params,
                },
                args,
                at,
            );
            return Type::Struct(b.clone());
        }
        if let Some(r) = types::Record::of_ctor(n) {
            self.args_any(args);
            return Type::Record(r);
        }
        let b = Builtin::of(n);
        let arg_types: Vec<Type> = match b {
            Some(Builtin::Gather | Builtin::Map | Builtin::Isinstance) => vec![],
            _ => args
                .iter()
                .map(|a| self.expr(&a.value, Option::None))
                .collect(),
        };
        // The table's fixed signatures; the rest by rule.
        if let Some(Sig::Fixed {
            params,
            optional,
            ret,
        }) = b.map(|b| &b.spec().sig)
        {
            self.fixed(n, args, params, *optional, at);
            return ret.clone();
        }
        let first = arg_types.first().cloned().unwrap_or(Any);
        match b {
            None if n == "TaskEnvironment" => {
                self.err(CheckError::NotConstant {
                    at,
                    what: "an environment: declare it with `env NAME = TaskEnvironment(...)`; one",
                });
                Type::Record(types::Record::Env)
            }
            Some(Builtin::Len) => {
                self.arity(n, args, 1, 1, at);
                if !matches!(first, Type::List(_) | Type::Dict(..) | Str | Tuple(_) | Any) {
                    self.expect_kind(&first, "a list, dict, tuple or str", args, at);
                }
                Int
            }
            Some(Builtin::Range) => {
                self.arity(n, args, 1, 3, at);
                for (a, t) in args.iter().zip(&arg_types) {
                    self.expect(t, &Int, a.value.span, "`range`");
                }
                Type::list(Int)
            }
            Some(Builtin::Enumerate) => {
                self.arity(n, args, 1, 1, at);
                let item = self.iter_item(&first, args.first().map_or(at, |a| a.value.span));
                Type::list(Tuple(vec![Int, item]))
            }
            Some(Builtin::Zip) => {
                let items: Vec<Type> = args
                    .iter()
                    .zip(&arg_types)
                    .map(|(a, t)| self.iter_item(t, a.value.span))
                    .collect();
                Type::list(Tuple(items))
            }
            Some(Builtin::Sum) => {
                self.arity(n, args, 1, 2, at);
                let item = self.iter_item(&first, args.first().map_or(at, |a| a.value.span));
                if !matches!(item, Int | Float | Duration | Any) {
                    self.expect_kind(&first, "a list of numbers", args, at);
                    return Any;
                }
                item
            }
            Some(Builtin::Min | Builtin::Max) => {
                if args.len() == 1 {
                    self.iter_item(&first, args[0].value.span)
                } else {
                    self.arity(n, args, 1, usize::MAX, at);
                    arg_types
                        .into_iter()
                        .reduce(|a, b| self.join(a, b, at))
                        .unwrap_or(Any)
                }
            }
            Some(Builtin::Abs) => {
                self.arity(n, args, 1, 1, at);
                if !matches!(first, Int | Float | Duration | Any) {
                    self.expect_kind(&first, "a number or duration", args, at);
                }
                first
            }
            Some(Builtin::Round) => {
                self.arity(n, args, 1, 2, at);
                if args.len() == 2 {
                    Float
                } else {
                    Int
                }
            }
            Some(Builtin::Sorted | Builtin::Reversed) => {
                // `sorted(xs, reverse = b)`: `reverse` is keyword-only, as in Python.
                let (kw, positional): (Vec<_>, Vec<_>) = args
                    .iter()
                    .zip(&arg_types)
                    .partition(|(a, _)| matches!(a.kind, ArgKind::Keyword(_)));
                for (a, t) in kw {
                    let ArgKind::Keyword(k) = &a.kind else {
                        continue;
                    };
                    if n == "sorted" && k.name == "reverse" {
                        self.expect(t, &Bool, a.value.span, "`reverse`");
                    } else {
                        self.err(CheckError::BadArguments {
                            at: k.span,
                            message: format!("`{n}` has no argument `{}`", k.name),
                            help: Some(match n {
                                "sorted" => {
                                    "`sorted` takes an iterable and `reverse = true/false`".into()
                                }
                                _ => "`reversed` takes one iterable".into(),
                            }),
                        });
                    }
                }
                if positional.len() != 1 {
                    self.err(CheckError::BadArguments {
                        at,
                        message: format!(
                            "`{n}` takes 1 positional argument, {} given",
                            positional.len()
                        ),
                        help: None,
                    });
                }
                let item = match positional.first() {
                    Some((a, t)) => self.iter_item(t, a.value.span),
                    None => Any,
                };
                Type::list(item)
            }
            Some(Builtin::Any | Builtin::All) => {
                self.arity(n, args, 1, 1, at);
                Bool
            }
            Some(Builtin::Str) => {
                self.arity(n, args, 0, 1, at);
                Str
            }
            Some(Builtin::Int | Builtin::Float | Builtin::Bool) => {
                self.arity(n, args, 0, 1, at);
                match n {
                    "int" => Int,
                    "float" => Float,
                    _ => Bool,
                }
            }
            Some(Builtin::Isinstance) => {
                self.arity(n, args, 2, 2, at);
                if let Some(a) = args.first() {
                    self.expr(&a.value, Option::None);
                }
                if let Some(t) = args.get(1) {
                    if self.type_of_type_expr(&t.value).is_none() {
                        self.err(CheckError::UnknownType {
                            at: t.value.span,
                            name: format!("{:?}", t.value.kind).chars().take(30).collect(),
                            suggestion: Option::None,
                        });
                    }
                }
                Bool
            }
            Some(Builtin::Print) => Type::None,
            Some(Builtin::Getenv) => {
                self.fixed(n, args, &[Str, Str], 1, at);
                if args.len() == 2 {
                    Str
                } else {
                    Type::optional(Str)
                }
            }
            Some(Builtin::Sleep | Builtin::Compute | Builtin::GpuCompute) => {
                self.fixed(n, args, &[Duration], 0, at);
                if let [a] = args {
                    if matches!(a.kind, ArgKind::Positional) {
                        self.check_not_negative(&a.value, "a duration");
                    }
                }
                Type::None
            }
            Some(Builtin::Now) => {
                self.arity(n, args, 0, 0, at);
                Duration
            }
            Some(Builtin::Attempt) => {
                self.arity(n, args, 0, 0, at);
                Int
            }
            Some(Builtin::Random) => {
                self.arity(n, args, 0, 0, at);
                Float
            }
            Some(Builtin::Gather) => self.gather(args, at),
            Some(Builtin::Map) => {
                // flyte-sdk fails every item of a blocking `flyte.map` inside async code
                // ("Deadlock detected: blocking call used in syncify thread").
                if self.in_async && !self.at_prompt {
                    self.err(CheckError::BlockingMapInAsync { at });
                }
                self.map_call(args, at)
            }
            _ => {
                let _ = expected;
                Any
            }
        }
    }

    fn arity(&mut self, n: &str, args: &[Arg], min: usize, max: usize, at: Span) -> bool {
        let k = args.len();
        if k < min || k > max {
            let range = if max == usize::MAX {
                format!("at least {min}")
            } else if min == max {
                min.to_string()
            } else {
                format!("{min} to {max}")
            };
            self.err(CheckError::BadArguments {
                at,
                message: format!(
                    "`{n}` takes {range} argument{}, {k} given",
                    if max == 1 { "" } else { "s" }
                ),
                help: None,
            });
            return false;
        }
        true
    }

    /// A builtin with fixed parameter types (the last `optional` may be left out).
    fn fixed(&mut self, n: &str, args: &[Arg], params: &[Type], optional: usize, at: Span) {
        if !self.arity(n, args, params.len() - optional, params.len(), at) {
            return;
        }
        for (a, p) in args.iter().zip(params) {
            let t = self.expr(&a.value, Some(p));
            self.expect(&t, p, a.value.span, "this argument");
        }
    }

    fn expect_kind(&mut self, found: &Type, what: &str, args: &[Arg], at: Span) {
        let at = args.first().map_or(at, |a| a.value.span);
        if let Type::Future(_) = found {
            self.err(CheckError::MissingAwait {
                at,
                expected: Type::Any,
                found: found.clone(),
            });
        } else {
            self.err(CheckError::BadArguments {
                at,
                message: format!("expected {what}, found `{found}`"),
                help: None,
            });
        }
    }

    /// `gather(*futs)` is `Future[list[T]]`; `gather(a, b)` is `Future[tuple[A, B]]`.
    fn gather(&mut self, args: &[Arg], _at: Span) -> Type {
        let mut spread_items: Vec<Type> = Vec::new();
        let mut explicit: Vec<Type> = Vec::new();
        let mut has_spread = false;
        for a in args {
            let t = self.expr(&a.value, None);
            match (&a.kind, &t) {
                (ArgKind::Spread, Type::List(inner)) => match &**inner {
                    Type::Future(r) => spread_items.push((**r).clone()),
                    Type::Any => spread_items.push(Type::Any),
                    other => self.not_a_future(a.value.span, other, true),
                },
                (ArgKind::Spread, Type::Any) => spread_items.push(Type::Any),
                (ArgKind::Spread, other) => self.not_a_future(a.value.span, other, true),
                (_, Type::Future(r)) => explicit.push((**r).clone()),
                (_, Type::Any) => explicit.push(Type::Any),
                (_, other) => self.not_a_future(a.value.span, other, false),
            }
            has_spread |= matches!(a.kind, ArgKind::Spread);
        }
        if has_spread {
            spread_items.extend(explicit);
            Type::future(Type::list(types::union(spread_items)))
        } else {
            Type::future(Type::Tuple(explicit))
        }
    }

    fn not_a_future(&mut self, at: Span, found: &Type, spread: bool) {
        let expected = if spread {
            Type::list(Type::future(Type::Any))
        } else {
            Type::future(Type::Any)
        };
        self.err(CheckError::BadArguments {
            at,
            message: format!("`gather` takes futures: expected `{expected}`, found `{found}`"),
            help: Some("make futures with `t.aio(x)` or an async task call `t(x)`".into()),
        });
    }

    /// `map(t, xs, ..., concurrency = 0, return_exceptions = false, group_name = none)`.
    pub(super) fn map_call(&mut self, args: &[Arg], at: Span) -> Type {
        let mut positional = args
            .iter()
            .filter(|a| matches!(a.kind, ArgKind::Positional));
        let Some(first) = positional.next() else {
            self.err(CheckError::BadArguments {
                at,
                message: "`map` needs a task and at least one list".into(),
                help: Some("write `map(t, xs)`".into()),
            });
            return Type::Any;
        };
        let ft = self.expr(&first.value, None);
        let Type::Task(task) = ft else {
            if ft != Type::Any {
                self.err(CheckError::Mismatch {
                    at: first.value.span,
                    expected: Type::Builtin("task".into()),
                    found: ft,
                    context: "`map`'s first argument",
                });
            }
            self.args_any(&args[1..]);
            return Type::Any;
        };
        let info = self.out.tasks[&task].clone();
        let lists: Vec<&Arg> = positional.collect();
        if lists.is_empty() || lists.len() > info.params.len() {
            self.err(CheckError::BadArguments {
                at,
                message: format!(
                    "`map` of task `{task}` takes 1 to {} lists, {} given",
                    info.params.len(),
                    lists.len()
                ),
                help: None,
            });
        }
        for (l, p) in lists.iter().zip(&info.params) {
            let want = Type::list(p.ty.clone());
            let t = self.expr(&l.value, Some(&want));
            self.expect(&t, &want, l.value.span, "this `map` input");
        }
        let mut return_exceptions = false;
        for a in args {
            if let ArgKind::Keyword(k) = &a.kind {
                let t = self.expr(&a.value, None);
                match k.name.as_str() {
                    "concurrency" => {
                        self.expect(&t, &Type::Int, a.value.span, "`concurrency`");
                        self.check_not_negative(&a.value, "`concurrency`");
                    }
                    "return_exceptions" => {
                        self.expect(&t, &Type::Bool, a.value.span, "`return_exceptions`");
                        return_exceptions = a.value.kind == ExprKind::Bool(true);
                    }
                    "group_name" => {
                        self.expect(&t, &Type::optional(Type::Str), a.value.span, "`group_name`")
                    }
                    other => self.err(CheckError::BadArguments {
                        at: a.span,
                        message: format!("`map` has no parameter `{other}`"),
                        help: Some(
                            "its options are: concurrency, return_exceptions, group_name".into(),
                        ),
                    }),
                }
            }
        }
        self.note_same_env_call(&task, at);
        if return_exceptions {
            Type::list(types::union(vec![info.ret, Type::Error("Error".into())]))
        } else {
            Type::list(info.ret)
        }
    }
}
