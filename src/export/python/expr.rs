//! Expressions, in Python, with the language's meaning kept.
//!
//! Each rendering comes with its Python precedence, so parentheses are written only where
//! Python needs them; the language's precedence table is Python's, so a script's own
//! parentheses reappear where they mattered.

use super::names::{self, ErrorFamily};
use super::Exporter;
use crate::check::types::Type;
use crate::syntax::ast::*;

/// Python precedences, loosest first.
const IFELSE: u8 = 1;
const OR: u8 = 2;
const AND: u8 = 3;
const NOT: u8 = 4;
const CMP: u8 = 5;
const ADD: u8 = 10;
const MUL: u8 = 11;
const NEG: u8 = 12;
const POW: u8 = 13;
const AWAIT: u8 = 14;
const PRIMARY: u8 = 15;
const ATOM: u8 = 16;

/// Where an expression stands, when that changes how it is written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Ctx {
    Value,
    /// The iterable of a `for` or a comprehension: `range(n)` needs no `list(...)`.
    Iter,
    /// The value of a destructuring `let (a, b) = ...`: a gather's list is as good as a tuple.
    Destructured,
}

impl Exporter<'_> {
    pub(super) fn expr(&mut self, e: &Expr) -> String {
        self.prec(e, Ctx::Value).0
    }

    /// `e` with parentheses unless its precedence is at least `min`.
    fn at_least(&mut self, e: &Expr, min: u8, ctx: Ctx) -> String {
        let (s, p) = self.prec(e, ctx);
        if p < min {
            format!("({s})")
        } else {
            s
        }
    }

    pub(super) fn prec(&mut self, e: &Expr, ctx: Ctx) -> (String, u8) {
        crate::stack::grow(|| self.prec_inner(e, ctx))
    }

    fn prec_inner(&mut self, e: &Expr, ctx: Ctx) -> (String, u8) {
        match &e.kind {
            ExprKind::Int(i) => (i.to_string(), if *i < 0 { NEG } else { ATOM }),
            ExprKind::Float(f) => (names::float_lit(*f), if *f < 0.0 { NEG } else { ATOM }),
            ExprKind::Duration(ns) => {
                self.needs.types.timedelta = true;
                (names::duration_lit(*ns), PRIMARY)
            }
            ExprKind::Str(s) => (names::str_lit(s), ATOM),
            ExprKind::FString(parts) => (self.fstring(parts), ATOM),
            ExprKind::Bool(b) => ((if *b { "True" } else { "False" }).into(), ATOM),
            ExprKind::None => ("None".into(), ATOM),
            ExprKind::Name(n) => (self.name(n), ATOM),
            ExprKind::List(items) => {
                let parts: Vec<String> = items.iter().map(|i| self.expr(i)).collect();
                (format!("[{}]", parts.join(", ")), ATOM)
            }
            ExprKind::Tuple(items) => (self.tuple(items), ATOM),
            ExprKind::Dict(entries) => {
                let parts: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", self.expr(k), self.expr(v)))
                    .collect();
                (format!("{{{}}}", parts.join(", ")), ATOM)
            }
            ExprKind::ListComp { elt, clauses } => {
                self.scopes.push(Default::default());
                let cl = self.clauses(clauses);
                let elt = self.expr(elt);
                self.scopes.pop();
                (format!("[{elt}{cl}]"), ATOM)
            }
            ExprKind::DictComp {
                key,
                value,
                clauses,
            } => {
                self.scopes.push(Default::default());
                let cl = self.clauses(clauses);
                let k = self.expr(key);
                let v = self.expr(value);
                self.scopes.pop();
                (format!("{{{k}: {v}{cl}}}"), ATOM)
            }
            ExprKind::Unary { op, operand } => match op {
                // `-(2**2)`, as black writes a negated power.
                UnaryOp::Neg if matches!(operand.kind, ExprKind::Binary { op: BinOp::Pow, .. }) => {
                    (format!("-({})", self.expr(operand)), NEG)
                }
                UnaryOp::Neg => (format!("-{}", self.at_least(operand, NEG, Ctx::Value)), NEG),
                UnaryOp::Not => (
                    format!("not {}", self.at_least(operand, NOT, Ctx::Value)),
                    NOT,
                ),
            },
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs),
            ExprKind::Compare { first, rest } => {
                let mut s = self.at_least(first, CMP + 1, Ctx::Value);
                for (op, e) in rest {
                    s.push_str(&format!(
                        " {} {}",
                        op.symbol(),
                        self.at_least(e, CMP + 1, Ctx::Value)
                    ));
                }
                (s, CMP)
            }
            ExprKind::IfElse {
                cond,
                then,
                otherwise,
            } => {
                let t = self.at_least(then, IFELSE + 1, Ctx::Value);
                let c = self.at_least(cond, IFELSE + 1, Ctx::Value);
                let o = self.at_least(otherwise, IFELSE, Ctx::Value);
                (format!("{t} if {c} else {o}"), IFELSE)
            }
            ExprKind::Await(inner) => self.await_expr(e, inner, ctx),
            ExprKind::Call { func, args } => self.call(func, args, ctx),
            ExprKind::Attr { obj, name } => self.attr(obj, name),
            ExprKind::Index { obj, index } => {
                let o = self.at_least(obj, PRIMARY, Ctx::Value);
                let i = self.expr(index);
                (format!("{o}[{i}]"), PRIMARY)
            }
            ExprKind::Slice {
                obj,
                start,
                stop,
                step,
            } => {
                let o = self.at_least(obj, PRIMARY, Ctx::Value);
                // Black spaces the colons as operators when a bound is not simple.
                let complex = [start, stop, step]
                    .into_iter()
                    .flatten()
                    .any(|e| !simple_power_operand(e));
                let mut part = |x: &Option<Box<Expr>>| match x {
                    Some(x) => self.expr(x),
                    None => String::new(),
                };
                let mut parts = vec![part(start), part(stop)];
                if step.is_some() {
                    parts.push(part(step));
                }
                let inner = if complex {
                    let mut t = String::new();
                    for (i, p) in parts.iter().enumerate() {
                        if i > 0 {
                            let before = if parts[i - 1].is_empty() { "" } else { " " };
                            let after = if p.is_empty() { "" } else { " " };
                            t.push_str(&format!("{before}:{after}"));
                        }
                        t.push_str(p);
                    }
                    t
                } else {
                    parts.join(":")
                };
                (format!("{o}[{inner}]"), PRIMARY)
            }
        }
    }

    pub(super) fn tuple(&mut self, items: &[Expr]) -> String {
        let parts: Vec<String> = items.iter().map(|i| self.expr(i)).collect();
        match parts.len() {
            0 => "()".into(),
            1 => format!("({},)", parts[0]),
            _ => format!("({})", parts.join(", ")),
        }
    }

    /// A name read: a local, a top-level name, or a builtin.
    fn name(&mut self, n: &Name) -> String {
        if let Some(py) = self.lookup_local(n) {
            return py.clone();
        }
        if let Some(key) = self.resolve_global(n) {
            return self.global(&key);
        }
        if let Some(t) = self.type_name(n) {
            return t;
        }
        match n.as_str() {
            "compute" | "gpu_compute" | "allocate" | "free" | "now" | "attempt" => {
                self.helper(builtin_helper(n)).into()
            }
            other => other.to_string(),
        }
    }

    /// A type written as a value (in `isinstance`, or an error class in `except`).
    fn type_name(&mut self, n: &str) -> Option<String> {
        Some(match n {
            "int" | "float" | "bool" | "str" | "list" | "dict" | "tuple" => n.to_string(),
            "duration" => {
                self.needs.types.timedelta = true;
                "timedelta".into()
            }
            "none" => "type(None)".into(),
            _ if crate::check::types::is_error_type(n) => self.error_class(n),
            _ => return None,
        })
    }

    pub(super) fn error_class(&mut self, n: &str) -> String {
        let (class, family) = names::error_class(n);
        if family == ErrorFamily::Simulated {
            self.helper(simulated_helper(n));
        }
        if n == "CancelledError" {
            self.needs.asyncio = true;
        }
        class
    }

    fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr) -> (String, u8) {
        let p = match op {
            BinOp::Or => OR,
            BinOp::And => AND,
            BinOp::Add | BinOp::Sub => ADD,
            BinOp::Mul | BinOp::Div | BinOp::FloorDiv | BinOp::Mod => MUL,
            BinOp::Pow => POW,
        };
        let (l, r) = if op == BinOp::Pow {
            // Right-associative; `-x ** 2` needs its parentheses on the left.
            (
                self.at_least(lhs, POW + 1, Ctx::Value),
                self.at_least(rhs, NEG, Ctx::Value),
            )
        } else {
            (
                self.at_least(lhs, p, Ctx::Value),
                self.at_least(rhs, p + 1, Ctx::Value),
            )
        };
        // Black hugs `**` between simple operands: `x**2`, `a.b**-1`.
        if op == BinOp::Pow && simple_power_operand(lhs) && simple_power_operand(rhs) {
            return (format!("{l}**{r}"), p);
        }
        (format!("{l} {} {r}", op.symbol()), p)
    }

    /// ` for P in IT if C ...` (the clauses' bindings go into the innermost scope).
    fn clauses(&mut self, clauses: &[CompClause]) -> String {
        let mut out = String::new();
        for c in clauses {
            let it = self.at_least(&c.iter, OR, Ctx::Iter);
            let target = self.pattern(&c.pattern, true);
            out.push_str(&format!(" for {target} in {it}"));
            for cond in &c.conds {
                out.push_str(&format!(" if {}", self.at_least(cond, OR, Ctx::Value)));
            }
        }
        out
    }

    /// A binding pattern as a Python target, binding its names (`comp`: in a comprehension).
    pub(super) fn pattern(&mut self, p: &Pattern, comp: bool) -> String {
        match p {
            Pattern::Name(id) => {
                if comp {
                    self.bind_comp(&id.name)
                } else {
                    self.bind_local(&id.name)
                }
            }
            Pattern::Tuple(items, _) => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|i| match i {
                        Pattern::Name(_) => self.pattern(i, comp),
                        Pattern::Tuple(..) => format!("({})", self.pattern(i, comp)),
                    })
                    .collect();
                if parts.len() == 1 {
                    format!("{},", parts[0])
                } else {
                    parts.join(", ")
                }
            }
        }
    }

    fn await_expr(&mut self, whole: &Expr, inner: &Expr, ctx: Ctx) -> (String, u8) {
        if let ExprKind::Call { func, args } = &inner.kind {
            if is_map_aio(func) {
                return (self.map_call(args, true), ATOM);
            }
            if matches!(&func.kind, ExprKind::Name(n) if n == "gather" && self.is_builtin(n)) {
                let g = format!("await {}", self.call(func, args, Ctx::Value).0);
                let tuple = matches!(self.type_of(whole), Some(Type::Tuple(_)));
                return if tuple && ctx != Ctx::Destructured {
                    (format!("tuple({g})"), PRIMARY)
                } else {
                    (g, AWAIT)
                };
            }
        }
        (
            format!("await {}", self.at_least(inner, PRIMARY, Ctx::Value)),
            AWAIT,
        )
    }

    /// Whether `n` is the builtin of that name here (no local or top-level name hides it).
    fn is_builtin(&self, n: &str) -> bool {
        self.lookup_local(n).is_none() && self.resolve_global(n).is_none()
    }

    fn args(&mut self, args: &[Arg]) -> String {
        let mut out = Vec::new();
        for a in args {
            let v = self.expr(&a.value);
            out.push(match &a.kind {
                ArgKind::Positional => v,
                ArgKind::Keyword(k) => format!("{}={v}", names::py_name(&k.name)),
                ArgKind::Spread => format!("*{}", self.at_least(&a.value, PRIMARY, Ctx::Value)),
            });
        }
        out.join(", ")
    }

    fn call(&mut self, func: &Expr, args: &[Arg], ctx: Ctx) -> (String, u8) {
        // A top-level name: a task, function or struct of the script, or a builtin.
        let target = match &func.kind {
            ExprKind::Name(n) if self.lookup_local(n).is_none() => match self.resolve_global(n) {
                Some(key) => Some(Ok(key)),
                None => Some(Err(n.clone())),
            },
            ExprKind::Attr { obj, name } => match &obj.kind {
                ExprKind::Name(a) if self.aliases.contains(a) && self.lookup_local(a).is_none() => {
                    Some(Ok(Name::new(format!("{a}.{}", name.name))))
                }
                _ => None,
            },
            _ => None,
        };
        match target {
            Some(Ok(key)) => return (self.call_global(&key, args), PRIMARY),
            Some(Err(builtin)) => {
                if let Some(r) = self.builtin_call(&builtin, args, ctx) {
                    return r;
                }
            }
            None => {}
        }
        if let ExprKind::Attr { obj, name } = &func.kind {
            if let Some(r) = self.method_call(obj, name, args, ctx) {
                return r;
            }
        }
        let f = self.at_least(func, PRIMARY, Ctx::Value);
        let a = self.args(args);
        (format!("{f}({a})"), PRIMARY)
    }

    /// A call of a task, function or struct of the script.
    fn call_global(&mut self, key: &Name, args: &[Arg]) -> String {
        let py = self.global(key);
        format!("{py}({})", self.args(args))
    }

    /// A builtin's call; `None` where the plain call reads the same in Python.
    fn builtin_call(&mut self, n: &str, args: &[Arg], ctx: Ctx) -> Option<(String, u8)> {
        let first = args.first().map(|a| &a.value);
        let s = match n {
            "range" | "enumerate" | "zip" | "reversed" => {
                let call = format!("{n}({})", self.args(args));
                if ctx == Ctx::Iter {
                    call
                } else {
                    format!("list({call})")
                }
            }
            "str" if args.len() == 1 => {
                let a = first?;
                if names::prints_as_python(self.type_of(a)) {
                    format!("str({})", self.expr(a))
                } else {
                    self.show(a)
                }
            }
            "print" => {
                let parts: Vec<String> = args
                    .iter()
                    .map(|a| match a.kind {
                        ArgKind::Positional if !names::prints_as_python(self.type_of(&a.value)) => {
                            self.show(&a.value)
                        }
                        _ => self.args(std::slice::from_ref(a)),
                    })
                    .collect();
                format!("print({})", parts.join(", "))
            }
            "isinstance" if args.len() == 2 => self.isinstance(&args[0].value, &args[1].value)?,
            "getenv" => {
                self.needs.os = true;
                format!("os.environ.get({})", self.args(args))
            }
            "secret" => {
                self.needs.os = true;
                match first.map(|f| &f.kind) {
                    Some(ExprKind::Str(s)) => format!(
                        "os.environ[{}]",
                        names::str_lit(&s.replace('-', "_").to_uppercase())
                    ),
                    _ => format!(
                        "os.environ[{}.replace(\"-\", \"_\").upper()]",
                        self.at_least(first?, PRIMARY, Ctx::Value)
                    ),
                }
            }
            "sleep" => {
                let secs = self.seconds(first?);
                if self.in_async {
                    self.needs.asyncio = true;
                    return Some((format!("await asyncio.sleep({secs})"), AWAIT));
                }
                self.needs.time = true;
                format!("time.sleep({secs})")
            }
            "compute" | "gpu_compute" | "allocate" | "free" | "now" | "attempt" => {
                let h = self.helper(builtin_helper(n));
                format!("{h}({})", self.args(args))
            }
            "random" => {
                self.needs.random = true;
                "random.random()".into()
            }
            "gather" => {
                self.needs.asyncio = true;
                format!("asyncio.gather({})", self.args(args))
            }
            "map" => self.map_call(args, false),
            "group" => format!("flyte.group({})", self.args(args)),
            "TaskEnvironment" | "Resources" | "GPU" | "TPU" | "Neuron" | "AMD_GPU"
            | "HABANA_GAUDI" | "ReusePolicy" | "Cache" | "RetryStrategy" | "Backoff"
            | "Timeout" => format!("flyte.{n}({})", self.config_args(n, args)),
            _ if crate::check::types::is_error_type(n) => {
                let msg = match first {
                    Some(m) => self.expr(m),
                    None => "\"\"".into(),
                };
                self.error_class(n);
                names::error_ctor(n, &msg)
            }
            _ => return None,
        };
        Some((s, PRIMARY))
    }

    /// `show(x)`: the language's `str` of a value whose Python `str` differs.
    pub(super) fn show(&mut self, e: &Expr) -> String {
        let h = self.helper("show");
        format!("{h}({})", self.expr(e))
    }

    /// A duration as seconds for `sleep`: a number for a literal.
    fn seconds(&mut self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Duration(ns) if ns % 1_000_000_000 == 0 => (ns / 1_000_000_000).to_string(),
            ExprKind::Duration(ns) => names::float_lit(*ns as f64 / 1e9),
            _ => format!("{}.total_seconds()", self.at_least(e, PRIMARY, Ctx::Value)),
        }
    }

    fn isinstance(&mut self, v: &Expr, ty: &Expr) -> Option<String> {
        let ExprKind::Name(t) = &ty.kind else {
            return None;
        };
        let value = self.at_least(v, CMP + 1, Ctx::Value);
        let may_be_bool = !matches!(
            self.type_of(v),
            Some(Type::Int | Type::Float | Type::Str | Type::None | Type::Duration)
        ) && !matches!(self.type_of(v), Some(Type::Optional(t)) if **t != Type::Bool);
        Some(match t.as_str() {
            "none" => format!("{value} is None"),
            // Python's bool is an int; the language's is not.
            "int" if may_be_bool => {
                let plain = self.expr(v);
                return Some(format!(
                    "(isinstance({plain}, int) and not isinstance({plain}, bool))"
                ));
            }
            _ => {
                let class = match self.resolve_global(t) {
                    Some(key) => self.global(&key),
                    None => self.type_name(t)?,
                };
                format!("isinstance({}, {class})", self.expr(v))
            }
        })
    }

    /// `map(t, xs, ...)` as `flyte.map`, or `map.aio` awaited as an async comprehension; the
    /// language's defaults are written out (flyte.map's own `return_exceptions` is true).
    fn map_call(&mut self, args: &[Arg], aio: bool) -> String {
        let mut positional = Vec::new();
        let (mut concurrency, mut ret_exc, mut group) =
            ("0".to_string(), "False".to_string(), "None".to_string());
        for a in args {
            match &a.kind {
                ArgKind::Keyword(k) => {
                    let v = self.expr(&a.value);
                    match k.name.as_str() {
                        "concurrency" => concurrency = v,
                        "return_exceptions" => ret_exc = v,
                        "group_name" => group = v,
                        _ => positional.push(format!("{}={v}", k.name)),
                    }
                }
                _ => positional.push(self.args(std::slice::from_ref(a))),
            }
        }
        let call = format!(
            "flyte.map{}({}, concurrency={concurrency}, return_exceptions={ret_exc}, group_name={group})",
            if aio { ".aio" } else { "" },
            positional.join(", ")
        );
        if aio {
            format!("[result async for result in {call}]")
        } else {
            format!("list({call})")
        }
    }

    /// A method call, where Python needs another spelling.
    fn method_call(
        &mut self,
        obj: &Expr,
        name: &Ident,
        args: &[Arg],
        ctx: Ctx,
    ) -> Option<(String, u8)> {
        let m = name.name.as_str();
        if m == "aio" {
            if let ExprKind::Name(map) = &obj.kind {
                if map == "map" && self.is_builtin(map) {
                    // Not awaited at once: a coroutine that gives the list when awaited.
                    let call = self.map_call(args, false);
                    let call = call
                        .strip_prefix("list(flyte.map(")
                        .and_then(|c| c.strip_suffix(')'))
                        .unwrap_or(&call)
                        .to_string();
                    let h = self.helper("collect");
                    return Some((format!("{h}(flyte.map.aio({call})"), PRIMARY));
                }
            }
        }
        let obj_ty = self.type_of(obj).cloned();
        match (m, &obj_ty) {
            ("items" | "keys" | "values", Some(Type::Dict(..))) => {
                let o = self.at_least(obj, PRIMARY, Ctx::Value);
                let call = format!("{o}.{m}()");
                Some(if ctx == Ctx::Iter {
                    (call, PRIMARY)
                } else {
                    (format!("list({call})"), PRIMARY)
                })
            }
            ("override", Some(Type::Task(_))) => {
                let o = self.at_least(obj, PRIMARY, Ctx::Value);
                Some((
                    format!("{o}.override({})", self.config_args("override", args)),
                    PRIMARY,
                ))
            }
            ("clone_with", Some(Type::Record(_))) => {
                let o = self.at_least(obj, PRIMARY, Ctx::Value);
                Some((
                    format!(
                        "{o}.clone_with({})",
                        self.config_args("TaskEnvironment", args)
                    ),
                    PRIMARY,
                ))
            }
            _ => None,
        }
    }

    fn attr(&mut self, obj: &Expr, name: &Ident) -> (String, u8) {
        if let ExprKind::Name(a) = &obj.kind {
            if self.aliases.contains(a) && self.lookup_local(a).is_none() {
                let key = Name::new(format!("{a}.{}", name.name));
                return (self.global(&key), ATOM);
            }
        }
        let ty = self.type_of(obj).cloned();
        let o = self.at_least(obj, PRIMARY, Ctx::Value);
        let n = name.name.as_str();
        // An error of one known type, or of several (`except (A, B) as e`): the catch-all's.
        let error = match &ty {
            Some(Type::Error(e)) => Some(e.clone()),
            Some(Type::Union(ts)) if ts.iter().all(|t| matches!(t, Type::Error(_))) => {
                Some(Name::new("Error"))
            }
            _ => None,
        };
        let s = match (&ty, n) {
            (Some(Type::Duration), "seconds") => format!("{o}.total_seconds()"),
            (_, "message" | "code" | "task") if error.is_some() => {
                let e = error.unwrap_or_default();
                let e = e.as_str();
                let family = names::error_class(e).1;
                match (n, family) {
                    ("message", ErrorFamily::Flyte | ErrorFamily::Simulated) => format!("str({o})"),
                    ("message", ErrorFamily::Python) if e != "KeyError" => format!("str({o})"),
                    ("code", ErrorFamily::Flyte | ErrorFamily::Simulated) => format!("{o}.code"),
                    ("code", ErrorFamily::Python) => format!("type({o}).__name__"),
                    ("message", _) => format!("{}({o})", self.helper("error_message")),
                    ("code", _) => format!("{}({o})", self.helper("error_code")),
                    _ => format!("{}({o})", self.helper("error_task")),
                }
            }
            _ => format!("{o}.{}", names::py_name(n)),
        };
        (s, PRIMARY)
    }
}

/// Black's simple power operand: a name, a number, an attribute chain of names, or one of
/// those negated.
fn simple_power_operand(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Name(..) => true,
        ExprKind::Int(i) => *i >= 0,
        ExprKind::Float(f) => *f >= 0.0,
        ExprKind::Attr { obj, .. } => {
            matches!(obj.kind, ExprKind::Name(..) | ExprKind::Attr { .. })
                && simple_power_operand(obj)
        }
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } => simple_power_operand(operand),
        _ => false,
    }
}

fn is_map_aio(func: &Expr) -> bool {
    matches!(&func.kind, ExprKind::Attr { obj, name }
        if name.name == "aio" && matches!(&obj.kind, ExprKind::Name(n) if n == "map"))
}

fn builtin_helper(n: &str) -> &'static str {
    match n {
        "compute" => "compute",
        "gpu_compute" => "gpu_compute",
        "allocate" => "allocate",
        "free" => "free",
        "now" => "now",
        _ => "attempt",
    }
}

fn simulated_helper(n: &str) -> &'static str {
    match n {
        "DeadlockError" => "DeadlockError",
        "UnschedulableError" => "UnschedulableError",
        "PreemptedError" => "PreemptedError",
        _ => "LimitExceededError",
    }
}
