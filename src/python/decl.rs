//! Module-level Python as the language's declarations: environments, tasks, helper
//! functions, dataclasses and constants. Anything else at module level (`if __name__ ==
//! "__main__":`, `flyte.init(...)`, clients, classes) is not part of the workflow's
//! declarations and is left out; a function that uses such a name becomes opaque.

use super::expr::Cx;
use super::names::Names;
use super::opaque::{self, Directive};
use super::stmt::assigned_names;
use super::types::ANY;
use super::{codes, Fallback, Lowered, Opaque};
use crate::diagnostics::{Diagnostic, FileId, Span};
use crate::syntax::ast::{
    Arg, ArgKind, Block, Decorator, EnvDecl, Expr, ExprKind, FnDecl, Ident, Item, ItemKind,
    LetDecl, Param, Pattern, StructDecl, StructField, TaskDecl, TypeExpr, TypeExprKind,
};
use rustpython_parser::ast::{self as py, Ranged};
use std::collections::HashSet;

/// flyte-sdk settings of `TaskEnvironment` / `clone_with` the language does not model.
const ENV_UNMODELLED: &[&str] = &[
    "pod_template",
    "include",
    "service_account",
    "plugin_config",
];
/// flyte-sdk settings of `@env.task(...)` the language does not model.
const TASK_UNMODELLED: &[&str] = &[
    "pod_template",
    "max_inline_io_bytes",
    "service_account",
    "triggers",
    "links",
    "task_resolver",
    "entrypoint",
    "produces_artifacts",
];

/// One function definition, sync or async.
struct FnParts<'p> {
    name: &'p str,
    args: &'p py::Arguments,
    body: &'p [py::Stmt],
    decorators: &'p [py::Expr],
    returns: Option<&'p py::Expr>,
    range: py::text_size::TextRange,
    is_async: bool,
}

fn fn_parts(s: &py::Stmt) -> Option<FnParts<'_>> {
    match s {
        py::Stmt::FunctionDef(f) => Some(FnParts {
            name: f.name.as_str(),
            args: &f.args,
            body: &f.body,
            decorators: &f.decorator_list,
            returns: f.returns.as_deref(),
            range: f.range,
            is_async: false,
        }),
        py::Stmt::AsyncFunctionDef(f) => Some(FnParts {
            name: f.name.as_str(),
            args: &f.args,
            body: &f.body,
            decorators: &f.decorator_list,
            returns: f.returns.as_deref(),
            range: f.range,
            is_async: true,
        }),
        _ => None,
    }
}

/// The environment of `@ENV.task` or `@ENV.task(...)`, and the call's keywords.
fn task_decorator(
    d: &py::Expr,
) -> Option<(&str, py::text_size::TextRange, Option<&[py::Keyword]>)> {
    let (target, kws) = match d {
        py::Expr::Call(c) => (&*c.func, Some(c.keywords.as_slice())),
        other => (other, None),
    };
    match target {
        py::Expr::Attribute(a) if a.attr.as_str() == "task" => match &*a.value {
            py::Expr::Name(n) => Some((n.id.as_str(), n.range, kws)),
            _ => None,
        },
        _ => None,
    }
}

fn is_dataclass(names: &Names, c: &py::StmtClassDef) -> bool {
    let dec = c.decorator_list.iter().any(|d| {
        let f = match d {
            py::Expr::Call(c) => &*c.func,
            other => other,
        };
        let canon = names.canon(f);
        canon.as_deref() == Some("dataclasses.dataclass")
            || matches!(f, py::Expr::Name(n) if n.id.as_str() == "dataclass")
    });
    let model = c
        .bases
        .iter()
        .any(|b| names.canon(b).as_deref() == Some("pydantic.BaseModel"));
    dec || model
}

/// The environment a module-level assignment declares: `flyte.TaskEnvironment(...)` or
/// `ENV.clone_with(...)`.
fn env_call<'e>(names: &Names, e: &'e py::Expr) -> Option<&'e py::ExprCall> {
    let py::Expr::Call(c) = e else { return None };
    if names.canon(&c.func).as_deref() == Some("flyte.TaskEnvironment") {
        return Some(c);
    }
    match &*c.func {
        py::Expr::Attribute(a) if a.attr.as_str() == "clone_with" => match &*a.value {
            py::Expr::Name(n) if names.envs.contains(n.id.as_str()) => Some(c),
            _ => None,
        },
        _ => None,
    }
}

/// Lowers a module's statements into `out`.
pub fn lower_module(body: &[py::Stmt], text: &str, file: FileId, out: &mut Lowered) {
    let mut names = Names::default();
    // Pass 1: imports, environments, functions and dataclasses, in order.
    for s in body {
        match s {
            py::Stmt::Import(_) | py::Stmt::ImportFrom(_) => names.import(s),
            py::Stmt::Assign(a) => {
                if let [py::Expr::Name(n)] = a.targets.as_slice() {
                    if env_call(&names, &a.value).is_some() {
                        names.envs.insert(n.id.to_string());
                    }
                    if let py::Expr::Call(c) = &*a.value {
                        if names.canon(&c.func).as_deref() == Some("logging.getLogger") {
                            names.loggers.insert(n.id.to_string());
                        }
                    }
                }
            }
            py::Stmt::ClassDef(c) if is_dataclass(&names, c) => {
                let fields = c
                    .body
                    .iter()
                    .filter_map(|s| match s {
                        py::Stmt::AnnAssign(a) => match &*a.target {
                            py::Expr::Name(n) => Some(super::names::Field {
                                name: n.id.to_string(),
                                annotation: (*a.annotation).clone(),
                                default: a.value.as_deref().cloned(),
                            }),
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect();
                names.structs.insert(c.name.to_string(), fields);
            }
            py::Stmt::ClassDef(c) => {
                names.others.insert(c.name.to_string());
            }
            _ => {
                if let Some(f) = fn_parts(s) {
                    let task = f
                        .decorators
                        .iter()
                        .any(|d| task_decorator(d).is_some_and(|(e, _, _)| names.envs.contains(e)));
                    if task {
                        names.tasks.insert(f.name.to_string());
                    } else {
                        names.fns.insert(f.name.to_string());
                    }
                }
            }
        }
    }
    // Pass 2: the items.
    let mut items: Vec<(String, Item)> = Vec::new();
    for s in body {
        let span = Span::new(file, s.range().start().into(), s.range().end().into());
        match s {
            py::Stmt::Assign(a) => {
                let [target] = a.targets.as_slice() else {
                    continue;
                };
                lower_assign(
                    &mut names, text, file, target, None, &a.value, span, out, &mut items,
                );
            }
            py::Stmt::AnnAssign(a) => {
                if let Some(v) = &a.value {
                    lower_assign(
                        &mut names,
                        text,
                        file,
                        &a.target,
                        Some(&a.annotation),
                        v,
                        span,
                        out,
                        &mut items,
                    );
                }
            }
            py::Stmt::ClassDef(c) if names.structs.contains_key(c.name.as_str()) => {
                let cx = Cx::new(text, file, &names);
                let fields = names.structs[c.name.as_str()]
                    .iter()
                    .map(|f| StructField {
                        name: Ident::new(f.name.as_str(), cx.span(f.annotation.range())),
                        ty: cx.ty(&f.annotation),
                    })
                    .collect();
                let name = Ident::new(c.name.as_str(), cx.name_span(c.range, c.name.as_str()));
                items.push((
                    c.name.to_string(),
                    Item {
                        kind: ItemKind::Struct(StructDecl { name, fields }),
                        span,
                    },
                ));
            }
            _ => {
                if let Some(f) = fn_parts(s) {
                    lower_function(&names, text, file, &f, span, out, &mut items);
                }
            }
        }
    }
    // Python keeps the last definition of a name.
    let mut seen = HashSet::new();
    let mut keep = vec![false; items.len()];
    for (i, (n, _)) in items.iter().enumerate().rev() {
        keep[i] = seen.insert(n.clone());
    }
    let mut index = Vec::new();
    for (i, (_, item)) in items.into_iter().enumerate() {
        if keep[i] {
            index.push(i);
            out.module.items.push(item);
        }
    }
    // Fallbacks were recorded by position in `items`; renumber them.
    out.fallbacks
        .retain_mut(|f| match index.iter().position(|&i| i == f.item) {
            Some(p) => {
                f.item = p;
                true
            }
            None => false,
        });
}

#[allow(clippy::too_many_arguments)]
fn lower_assign(
    names: &mut Names,
    text: &str,
    file: FileId,
    target: &py::Expr,
    ann: Option<&py::Expr>,
    value: &py::Expr,
    span: Span,
    out: &mut Lowered,
    items: &mut Vec<(String, Item)>,
) {
    let py::Expr::Name(n) = target else { return };
    let var = n.id.as_str();
    let name = Ident::new(
        var,
        Span::new(file, n.range.start().into(), n.range.end().into()),
    );
    if names.envs.contains(var) {
        if let Some(call) = env_call(names, value) {
            let mut cx = Cx::new(text, file, names);
            let func = match cx.expr(&call.func) {
                Ok(f) => f,
                Err(_) => return,
            };
            let args = settings(&mut cx, call, var, ENV_UNMODELLED, &mut out.diags);
            let value = Expr {
                kind: ExprKind::Call {
                    func: Box::new(func),
                    args,
                },
                span: cx.span(call.range),
            };
            items.push((
                var.to_string(),
                Item {
                    kind: ItemKind::Env(EnvDecl { name, value }),
                    span,
                },
            ));
            return;
        }
    }
    let mut cx = Cx::new(text, file, names);
    let lowered = cx.expr(value).ok().filter(|e| is_const(names, e));
    let ty = ann.map(|a| cx.ty(a));
    match lowered {
        Some(value) => {
            items.push((
                var.to_string(),
                Item {
                    kind: ItemKind::Let(LetDecl {
                        pattern: Pattern::Name(name),
                        ty,
                        value,
                    }),
                    span,
                },
            ));
            names.consts.insert(var.to_string());
            names.others.remove(var);
        }
        None => {
            names.others.insert(var.to_string());
            names.consts.remove(var);
        }
    }
}

/// Whether the checker can see an expression as a constant.
pub fn is_const(names: &Names, e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Duration(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::None => true,
        ExprKind::Name(n) => names.consts.contains(n.as_str()) || names.envs.contains(n.as_str()),
        ExprKind::FString(parts) => parts.iter().all(|p| match p {
            crate::syntax::ast::FStringPart::Text(_) => true,
            crate::syntax::ast::FStringPart::Field { expr, .. } => is_const(names, expr),
        }),
        ExprKind::List(xs) | ExprKind::Tuple(xs) => xs.iter().all(|x| is_const(names, x)),
        ExprKind::Dict(kv) => kv
            .iter()
            .all(|(k, v)| is_const(names, k) && is_const(names, v)),
        ExprKind::Unary { operand, .. } => is_const(names, operand),
        ExprKind::Binary { lhs, rhs, .. } => is_const(names, lhs) && is_const(names, rhs),
        ExprKind::Call { func, args } => {
            matches!(&func.kind, ExprKind::Name(n) if super::names::CONSTRUCTORS.contains(&n.as_str()))
                && args
                    .iter()
                    .all(|a| !matches!(a.kind, ArgKind::Spread) && is_const(names, &a.value))
        }
        _ => false,
    }
}

/// The settings of an environment or a task decorator: positional `name` as a keyword,
/// unmodelled settings left out, values that are not constants left out with `W0504`.
fn settings(
    cx: &mut Cx<'_>,
    call: &py::ExprCall,
    var: &str,
    unmodelled: &[&str],
    diags: &mut Vec<Diagnostic>,
) -> Vec<Arg> {
    let mut out = Vec::new();
    let mut kws: Vec<(String, py::text_size::TextRange, &py::Expr)> = Vec::new();
    let is_env = unmodelled == ENV_UNMODELLED;
    if is_env {
        if let Some(first) = call.args.first() {
            kws.push(("name".into(), first.range(), first));
        }
    }
    for k in &call.keywords {
        match &k.arg {
            Some(a) => kws.push((a.to_string(), k.range, &k.value)),
            None => diags.push(not_constant(
                cx.span(k.range),
                "`**` arguments are not checked",
            )),
        }
    }
    for (key, range, value) in kws {
        if unmodelled.contains(&key.as_str()) {
            continue;
        }
        let key_span = {
            let s = cx.span(range);
            if s.len() > key.len() && cx.text[s.range()].starts_with(key.as_str()) {
                Span::new(s.file, s.start as usize, s.start as usize + key.len())
            } else {
                s
            }
        };
        let lowered = match key.as_str() {
            "docs" => docs(cx, value),
            _ => cx.expr(value),
        };
        let ok = match &lowered {
            Ok(e) => is_const(cx.names, e),
            Err(_) => false,
        };
        let value_span = cx.span(value.range());
        let value = match (ok, key.as_str()) {
            (true, "secrets") if !is_str_list(lowered.as_ref().expect("ok")) => continue,
            // flyte-sdk takes one secret as it is, or a list.
            (true, "secrets") => match lowered.expect("ok") {
                e @ Expr {
                    kind: ExprKind::Str(_),
                    ..
                } => Expr {
                    span: e.span,
                    kind: ExprKind::List(vec![e]),
                },
                e => e,
            },
            (true, _) => lowered.expect("ok"),
            // Images built with `flyte.Image...` and `flyte.Secret` objects are not modelled.
            (false, "image" | "secrets") => continue,
            (false, "name") if is_env => {
                diags.push(
                    not_constant(value_span, "the environment's name is computed").with_help(format!(
                        "flyte-dsl reads the environment as named \"{var}\"; its rules are checked with that name"
                    )),
                );
                Expr {
                    kind: ExprKind::Str(var.replace('_', "-")),
                    span: value_span,
                }
            }
            (false, _) => match partial_resources(cx, value, diags) {
                Some(e) => e,
                None => {
                    let why = match lowered {
                        Err(r) => r,
                        Ok(_) => "is computed".to_string(),
                    };
                    diags.push(not_constant(value_span, &format!("`{key}` {why}")));
                    continue;
                }
            },
        };
        out.push(Arg {
            kind: ArgKind::Keyword(Ident::new(key.as_str(), key_span)),
            span: cx.span(range),
            value,
        });
    }
    out
}

/// `flyte.Resources(...)` with some computed arguments: the constant ones kept (and checked),
/// each computed one left out with its own `W0504`. Every argument of `Resources` is optional,
/// so leaving one out is never an error of its own. `None` for anything else.
fn partial_resources(
    cx: &mut Cx<'_>,
    value: &py::Expr,
    diags: &mut Vec<Diagnostic>,
) -> Option<Expr> {
    let py::Expr::Call(c) = value else {
        return None;
    };
    if cx.names.canon(&c.func).as_deref() != Some("flyte.Resources") || !c.args.is_empty() {
        return None;
    }
    let func = cx.expr(&c.func).ok()?;
    let mut args = Vec::new();
    let mut notes = Vec::new();
    for k in &c.keywords {
        let name = k.arg.as_ref()?;
        match cx.expr(&k.value) {
            Ok(e) if is_const(cx.names, &e) => {
                let key_end = k.range.start() + py::text_size::TextSize::of(name.as_str());
                args.push(Arg {
                    kind: ArgKind::Keyword(Ident::new(
                        name.as_str(),
                        cx.span(py::text_size::TextRange::new(k.range.start(), key_end)),
                    )),
                    span: cx.span(k.range),
                    value: e,
                });
            }
            other => {
                let why = match other {
                    Err(r) => r,
                    Ok(_) => "is computed".to_string(),
                };
                notes.push(not_constant(
                    cx.span(k.value.range()),
                    &format!("`{name}` {why}"),
                ));
            }
        }
    }
    diags.extend(notes);
    Some(Expr {
        kind: ExprKind::Call {
            func: Box::new(func),
            args,
        },
        span: cx.span(c.range),
    })
}

fn is_str_list(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Str(_) => true,
        ExprKind::List(xs) | ExprKind::Tuple(xs) => {
            xs.iter().all(|x| matches!(x.kind, ExprKind::Str(_)))
        }
        _ => false,
    }
}

/// `docs="..."` or `docs=flyte.Documentation(description="...")` as a string.
fn docs(cx: &mut Cx<'_>, value: &py::Expr) -> Result<Expr, String> {
    if let py::Expr::Call(c) = value {
        if cx.names.canon(&c.func).as_deref() == Some("flyte.Documentation") {
            for k in &c.keywords {
                if k.arg.as_ref().is_some_and(|a| a.as_str() == "description") {
                    return cx.expr(&k.value);
                }
            }
            return Err("has no description".into());
        }
    }
    cx.expr(value)
}

/// `W0504`: a value that is not checked.
pub fn not_constant(at: Span, what: &str) -> Diagnostic {
    Diagnostic::warning(codes::NOT_CONSTANT, "not checked: not a constant")
        .with_label(at, what.to_string())
        .with_help("values computed when the module is imported (environment variables, calls, other modules) are checked by flyte-sdk at run time, not here")
}

fn lower_function(
    names: &Names,
    text: &str,
    file: FileId,
    f: &FnParts<'_>,
    span: Span,
    out: &mut Lowered,
    items: &mut Vec<(String, Item)>,
) {
    let mut cx = Cx::new(text, file, names);
    let start: usize = f.range.start().into();
    let def_at = text[start..]
        .find(&format!("def {}", f.name))
        .map(|i| start + i)
        .unwrap_or(start);
    let name_at = def_at + 4;
    let name = Ident::new(f.name, Span::new(file, name_at, name_at + f.name.len()));
    let (directive, bad) = opaque::directive(text, def_at);
    for word in bad {
        out.diags.push(
            Diagnostic::warning(codes::NOT_CONSTANT, "not checked: not a constant")
                .with_label(name.span, format!("the directive `{word}` is not understood"))
                .with_help("directives: compute=DURATION, gpu_compute=DURATION, sleep=DURATION, memory=QUANTITY (`# flyte-dsl: compute=10m memory=4Gi`)"),
        );
    }
    // The decorator.
    let mut decorator = None;
    let mut is_task = false;
    for d in f.decorators {
        if let Some((env, env_range, kws)) = task_decorator(d) {
            if names.envs.contains(env) {
                is_task = true;
                let args = kws.map(|_| {
                    let py::Expr::Call(c) = d else {
                        unreachable!("a call has keywords")
                    };
                    settings(&mut cx, c, env, TASK_UNMODELLED, &mut out.diags)
                });
                decorator = Some(Decorator {
                    path: vec![cx.ident(env, env_range)],
                    args,
                    span: cx.span(d.range()),
                });
            } else if !names.is_own(env) {
                out.diags.push(not_constant(
                    cx.span(env_range),
                    &format!("the environment `{env}` is not declared in this module"),
                ));
            }
        }
    }
    // The signature.
    let mut params = Vec::new();
    let mut reason: Option<String> = None;
    let all = f
        .args
        .posonlyargs
        .iter()
        .chain(&f.args.args)
        .chain(&f.args.kwonlyargs);
    for a in all {
        let ty = match &a.def.annotation {
            Some(t) => cx.ty(t),
            None => any_type(cx.span(a.def.range)),
        };
        let default = match a.default.as_deref() {
            Some(d) => match cx.expr(d) {
                Ok(e) => Some(e),
                Err(r) => {
                    reason.get_or_insert(format!("a default value {r}"));
                    Some(opaque::default_value(names, &cx, &ty, 0))
                }
            },
            None => None,
        };
        params.push(Param {
            name: cx.ident(a.def.arg.as_str(), a.def.range),
            ty,
            default,
            span: cx.span(a.def.range),
        });
    }
    if f.args.vararg.is_some() || f.args.kwarg.is_some() {
        reason.get_or_insert("takes `*args` or `**kwargs`".into());
    }
    let ret = Some(match f.returns {
        Some(t) => cx.ty(t),
        None => any_type(name.span),
    });
    // The body.
    cx.locals = assigned_names(f.body);
    cx.scopes = vec![params.iter().map(|p| p.name.name.to_string()).collect()];
    let lowered = match reason {
        Some(r) => Err(r),
        None => cx.block(f.body),
    };
    let body_span = match (f.body.first(), f.body.last()) {
        (Some(a), Some(b)) => cx.span(a.range()).to(cx.span(b.range())),
        _ => name.span,
    };
    let opaque_body = opaque::body(
        names,
        &cx,
        is_task,
        directive.as_ref(),
        ret.as_ref(),
        name.span,
    );
    let make = |body: Block| {
        let func = FnDecl {
            is_async: f.is_async,
            name: name.clone(),
            params: params.clone(),
            ret: ret.clone(),
            body,
        };
        let kind = if is_task {
            ItemKind::Task(TaskDecl {
                decorator: decorator.clone(),
                func,
            })
        } else {
            ItemKind::Fn(func)
        };
        Item { kind, span }
    };
    match lowered {
        Ok(mut body) => {
            if let Some(d) = &directive {
                let work = work_only(names, &cx, d, name.span);
                body.stmts.splice(0..0, work);
            }
            out.fallbacks.push(Fallback {
                item: items.len(),
                body: body_span,
                replacement: make(opaque_body),
                name: f.name.into(),
                span: name.span,
            });
            items.push((f.name.to_string(), make(body)));
        }
        Err(reason) => {
            out.opaque.push(Opaque {
                name: f.name.into(),
                reason,
                span: name.span,
            });
            items.push((f.name.to_string(), make(opaque_body)));
        }
    }
}

/// The work statements of a directive (the opaque body without its return).
fn work_only(
    names: &Names,
    cx: &Cx<'_>,
    d: &Directive,
    span: Span,
) -> Vec<crate::syntax::ast::Stmt> {
    let mut b = opaque::body(names, cx, true, Some(d), None, span);
    b.stmts.pop();
    b.stmts
}

fn any_type(span: Span) -> TypeExpr {
    TypeExpr {
        kind: TypeExprKind::Named {
            path: vec![Ident::new(ANY, span)],
            args: Vec::new(),
        },
        span,
    }
}
