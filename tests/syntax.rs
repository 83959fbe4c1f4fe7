//! Parser tests: every construct of `grammar/flyte.pest`, operator precedence (LANGUAGE.md
//! section 7), spans, newline rules, and error recovery.
//!
//! Tree shapes are compared through a compact S-expression rendering ([`sx`]), e.g.
//! `1 + 2 * 3` renders as `(+ 1 (* 2 3))`.

use flyte_dsl::diagnostics::{FileId, Span};
use flyte_dsl::syntax::ast::*;
use flyte_dsl::syntax::{parse, Parsed, SyntaxError};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn parse_src(src: &str) -> Parsed {
    parse(src, FileId(0))
}

fn show_errors(src: &str, errors: &[SyntaxError]) -> String {
    errors
        .iter()
        .map(|e| {
            let d = e.to_diagnostic();
            let s = d.primary_span().unwrap_or_default();
            format!(
                "{} {} at {}..{} {:?}",
                d.code,
                d.message,
                s.start,
                s.end,
                src.get(s.range()).unwrap_or("?")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses and asserts there is no error.
fn parse_ok(src: &str) -> Module {
    let p = parse_src(src);
    assert!(
        p.errors.is_empty(),
        "unexpected syntax errors in {src:?}:\n{}",
        show_errors(src, &p.errors)
    );
    p.module
}

/// The source text a span covers.
fn text(src: &str, span: Span) -> &str {
    &src[span.range()]
}

/// The value of `let _x = SRC`.
fn expr(src: &str) -> Expr {
    let m = parse_ok(&format!("let _x = {src}\n"));
    assert_eq!(m.items.len(), 1, "{src:?}");
    match m.items.into_iter().next().unwrap().kind {
        ItemKind::Let(l) => l.value,
        other => panic!("not a let: {other:?}"),
    }
}

/// `expr(src)` rendered.
fn ex(src: &str) -> String {
    sx(&expr(src))
}

/// The statements of `fn f() { BODY }` (body on its own lines).
fn stmts(body: &str) -> Vec<Stmt> {
    let m = parse_ok(&format!("fn f() {{\n{body}\n}}\n"));
    match m.items.into_iter().next().unwrap().kind {
        ItemKind::Fn(f) => f.body.stmts,
        other => panic!("not a fn: {other:?}"),
    }
}

fn one_stmt(body: &str) -> StmtKind {
    let mut s = stmts(body);
    assert_eq!(s.len(), 1, "{body:?}: {s:#?}");
    s.pop().unwrap().kind
}

/// The type of `let _x: SRC = 0`, rendered.
fn ty(src: &str) -> String {
    let m = parse_ok(&format!("let _x: {src} = 0\n"));
    match &m.items[0].kind {
        ItemKind::Let(l) => tsx(l.ty.as_ref().expect("a type")),
        other => panic!("not a let: {other:?}"),
    }
}

fn kinds(m: &Module) -> Vec<&'static str> {
    m.items
        .iter()
        .map(|i| match &i.kind {
            ItemKind::Env(_) => "env",
            ItemKind::Task(_) => "task",
            ItemKind::Fn(_) => "fn",
            ItemKind::Struct(_) => "struct",
            ItemKind::Let(_) => "let",
            ItemKind::Import(_) => "import",
            ItemKind::Stmt(_) => "stmt",
        })
        .collect()
}

fn task(item: &Item) -> &TaskDecl {
    match &item.kind {
        ItemKind::Task(t) => t,
        other => panic!("not a task: {other:?}"),
    }
}

fn func(item: &Item) -> &FnDecl {
    match &item.kind {
        ItemKind::Fn(f) => f,
        other => panic!("not a fn: {other:?}"),
    }
}

fn let_decl(item: &Item) -> &LetDecl {
    match &item.kind {
        ItemKind::Let(l) => l,
        other => panic!("not a let: {other:?}"),
    }
}

fn names(path: &[Ident]) -> String {
    path.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

fn psx(p: &Pattern) -> String {
    match p {
        Pattern::Name(id) => id.name.to_string(),
        Pattern::Tuple(items, _) => {
            format!("({})", items.iter().map(psx).collect::<Vec<_>>().join(" "))
        }
    }
}

fn tsx(t: &TypeExpr) -> String {
    match &t.kind {
        TypeExprKind::Named { path, args } if args.is_empty() => names(path),
        TypeExprKind::Named { path, args } => format!(
            "{}[{}]",
            names(path),
            args.iter().map(tsx).collect::<Vec<_>>().join(", ")
        ),
        TypeExprKind::None => "none".into(),
        TypeExprKind::Optional(inner) => format!("(? {})", tsx(inner)),
        TypeExprKind::Union(parts) => format!(
            "(| {})",
            parts.iter().map(tsx).collect::<Vec<_>>().join(" ")
        ),
    }
}

fn args_sx(args: &[Arg]) -> String {
    args.iter()
        .map(|a| match &a.kind {
            ArgKind::Positional => format!(" {}", sx(&a.value)),
            ArgKind::Keyword(k) => format!(" {}={}", k.name, sx(&a.value)),
            ArgKind::Spread => format!(" *{}", sx(&a.value)),
        })
        .collect()
}

fn clauses_sx(clauses: &[CompClause]) -> String {
    clauses
        .iter()
        .map(|c| {
            let conds: String = c.conds.iter().map(|e| format!(" (if {})", sx(e))).collect();
            format!(" (for {} {}{})", psx(&c.pattern), sx(&c.iter), conds)
        })
        .collect()
}

fn opt_sx(e: &Option<Box<Expr>>) -> String {
    e.as_ref().map_or("_".into(), |e| sx(e))
}

/// A compact rendering of an expression tree.
fn sx(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(n) => n.to_string(),
        ExprKind::Float(f) => format!("{f:?}"),
        ExprKind::Duration(ns) => format!("{ns}ns"),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::FString(parts) => {
            let ps: Vec<String> = parts
                .iter()
                .map(|p| match p {
                    FStringPart::Text(t) => format!("{t:?}"),
                    FStringPart::Field { expr, spec: None } => format!("{{{}}}", sx(expr)),
                    FStringPart::Field {
                        expr,
                        spec: Some(s),
                    } => format!("{{{}:{s}}}", sx(expr)),
                })
                .collect();
            format!("(f {})", ps.join(" "))
        }
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::None => "none".into(),
        ExprKind::Name(n) => n.to_string(),
        ExprKind::List(xs) => format!("[{}]", xs.iter().map(sx).collect::<Vec<_>>().join(" ")),
        ExprKind::Tuple(xs) => format!(
            "(tuple{})",
            xs.iter().map(|x| format!(" {}", sx(x))).collect::<String>()
        ),
        ExprKind::Dict(kvs) => format!(
            "{{{}}}",
            kvs.iter()
                .map(|(k, v)| format!("{}:{}", sx(k), sx(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        ExprKind::ListComp { elt, clauses } => {
            format!("(listcomp {}{})", sx(elt), clauses_sx(clauses))
        }
        ExprKind::DictComp {
            key,
            value,
            clauses,
        } => format!(
            "(dictcomp {}:{}{})",
            sx(key),
            sx(value),
            clauses_sx(clauses)
        ),
        ExprKind::Unary { op, operand } => {
            let o = match op {
                UnaryOp::Neg => "neg",
                UnaryOp::Not => "not",
            };
            format!("({o} {})", sx(operand))
        }
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", op.symbol(), sx(lhs), sx(rhs))
        }
        ExprKind::Compare { first, rest } => {
            let r: String = rest
                .iter()
                .map(|(op, e)| {
                    // One token per operator: `not in` is written `not-in`.
                    format!(" {} {}", op.symbol().replace(' ', "-"), sx(e))
                })
                .collect();
            format!("(cmp {}{r})", sx(first))
        }
        ExprKind::IfElse {
            cond,
            then,
            otherwise,
        } => format!("(if {} {} {})", sx(cond), sx(then), sx(otherwise)),
        ExprKind::Await(x) => format!("(await {})", sx(x)),
        ExprKind::Call { func, args } => format!("(call {}{})", sx(func), args_sx(args)),
        ExprKind::Attr { obj, name } => format!("(. {} {})", sx(obj), name.name),
        ExprKind::Index { obj, index } => format!("(idx {} {})", sx(obj), sx(index)),
        ExprKind::Slice {
            obj,
            start,
            stop,
            step,
        } => format!(
            "(slice {} {} {} {})",
            sx(obj),
            opt_sx(start),
            opt_sx(stop),
            opt_sx(step)
        ),
    }
}

/// A compact rendering of a statement (blocks as `{...}`).
fn ssx(s: &Stmt) -> String {
    fn block(b: &Block) -> String {
        format!(
            "{{{}}}",
            b.stmts.iter().map(ssx).collect::<Vec<_>>().join("; ")
        )
    }
    match &s.kind {
        StmtKind::Let { pattern, ty, value } => match ty {
            Some(t) => format!("let {}: {} = {}", psx(pattern), tsx(t), sx(value)),
            None => format!("let {} = {}", psx(pattern), sx(value)),
        },
        StmtKind::Assign { target, op, value } => {
            let o = match op {
                AssignOp::Set => "=",
                AssignOp::Add => "+=",
                AssignOp::Sub => "-=",
                AssignOp::Mul => "*=",
                AssignOp::Div => "/=",
            };
            format!("{} {o} {}", sx(target), sx(value))
        }
        StmtKind::Expr(e) => sx(e),
        StmtKind::If {
            branches,
            else_block,
        } => {
            let mut out = String::new();
            for (i, (c, b)) in branches.iter().enumerate() {
                out += if i == 0 { "if " } else { " elif " };
                out += &format!("{} {}", sx(c), block(b));
            }
            if let Some(b) = else_block {
                out += &format!(" else {}", block(b));
            }
            out
        }
        StmtKind::For {
            pattern,
            iter,
            body,
        } => format!("for {} in {} {}", psx(pattern), sx(iter), block(body)),
        StmtKind::While { cond, body } => format!("while {} {}", sx(cond), block(body)),
        StmtKind::Break => "break".into(),
        StmtKind::Continue => "continue".into(),
        StmtKind::Return(None) => "return".into(),
        StmtKind::Return(Some(e)) => format!("return {}", sx(e)),
        StmtKind::Raise(None) => "raise".into(),
        StmtKind::Raise(Some(e)) => format!("raise {}", sx(e)),
        StmtKind::Try {
            body,
            handlers,
            finally,
        } => {
            let mut out = format!("try {}", block(body));
            for h in handlers {
                out += " except";
                if !h.types.is_empty() {
                    let ts: Vec<String> = h.types.iter().map(|t| names(t)).collect();
                    out += &format!(" ({})", ts.join(" "));
                }
                if let Some(b) = &h.binding {
                    out += &format!(" as {}", b.name);
                }
                out += &format!(" {}", block(&h.body));
            }
            if let Some(f) = finally {
                out += &format!(" finally {}", block(f));
            }
            out
        }
        StmtKind::With { context, body } => format!("with {} {}", sx(context), block(body)),
    }
}

fn body_sx(body: &str) -> Vec<String> {
    stmts(body).iter().map(ssx).collect()
}

fn codes(p: &Parsed) -> Vec<&'static str> {
    p.errors.iter().map(|e| e.to_diagnostic().code).collect()
}

fn primary(e: &SyntaxError) -> Span {
    e.to_diagnostic().primary_span().expect("a primary span")
}

// ---------------------------------------------------------------------------------------------
// Top-level declarations
// ---------------------------------------------------------------------------------------------

#[test]
fn env_task_environment() {
    let m = parse_ok(
        r#"
env base = TaskEnvironment(
    name = "data-processing",
    image = "ghcr.io/flyteorg/flyte-worker:v1.0.0",
    resources = Resources(cpu = 2, memory = "4Gi"),
)
"#,
    );
    assert_eq!(kinds(&m), ["env"]);
    let ItemKind::Env(e) = &m.items[0].kind else {
        unreachable!()
    };
    assert_eq!(e.name.name, "base");
    assert_eq!(
        sx(&e.value),
        r#"(call TaskEnvironment name="data-processing" image="ghcr.io/flyteorg/flyte-worker:v1.0.0" resources=(call Resources cpu=2 memory="4Gi"))"#
    );
}

#[test]
fn env_clone_with() {
    let m = parse_ok(
        "env gpu_env = base.clone_with(name = \"gpu\", resources = Resources(gpu = \"T4:1\"), cache = \"auto\")\n",
    );
    let ItemKind::Env(e) = &m.items[0].kind else {
        panic!()
    };
    assert_eq!(e.name.name, "gpu_env");
    assert_eq!(
        sx(&e.value),
        r#"(call (. base clone_with) name="gpu" resources=(call Resources gpu="T4:1") cache="auto")"#
    );
}

#[test]
fn decorators() {
    let m = parse_ok(
        r#"@base
task a() {}

@base(cache = "auto", retries = 3, timeout = 10m)
async task b() {}

@lib.base
task c() {}

@base()
task d() {}

@base task e() {}

@base  # a comment after the decorator

# and a comment line
task f() {}
"#,
    );
    assert_eq!(kinds(&m), ["task"; 6]);
    let d = |i: usize| task(&m.items[i]).decorator.as_ref().expect("decorator");
    assert_eq!(names(&d(0).path), "base");
    assert!(d(0).args.is_none());
    assert_eq!(names(&d(1).path), "base");
    let args = d(1).args.as_ref().unwrap();
    assert_eq!(
        args_sx(args),
        r#" cache="auto" retries=3 timeout=600000000000ns"#
    );
    assert_eq!(names(&d(2).path), "lib.base");
    assert_eq!(d(2).path.len(), 2);
    assert!(d(2).args.is_none());
    assert_eq!(d(3).args.as_deref(), Some(&[][..]));
    assert_eq!(names(&d(4).path), "base");
    assert_eq!(task(&m.items[4]).name.name, "e");
    assert_eq!(task(&m.items[5]).name.name, "f");
    assert!(task(&m.items[1]).is_async);
    assert!(!task(&m.items[0]).is_async);
}

#[test]
fn decorator_args_span_lines_with_comments() {
    let m = parse_ok(
        r#"@base(
    cache = "auto",   # cached
    retries = 3,
    # no timeout
)
task t() {}
"#,
    );
    let d = task(&m.items[0]).decorator.as_ref().unwrap();
    assert_eq!(
        args_sx(d.args.as_ref().unwrap()),
        r#" cache="auto" retries=3"#
    );
}

#[test]
fn task_and_fn_forms() {
    let m = parse_ok(
        r#"task plain(x: int) -> int { return x }
async task asy(x: int) -> int { return x }
fn helper(x: int) -> int { return x }
async fn ahelper(x: int) { return }
"#,
    );
    assert_eq!(kinds(&m), ["task", "task", "fn", "fn"]);
    let t0 = task(&m.items[0]);
    assert!(!t0.is_async && t0.decorator.is_none());
    assert_eq!(t0.name.name, "plain");
    assert_eq!(tsx(t0.ret.as_ref().unwrap()), "int");
    let t1 = task(&m.items[1]);
    assert!(t1.is_async);
    assert_eq!(t1.name.name, "asy");
    let f0 = func(&m.items[2]);
    assert!(!f0.is_async);
    assert_eq!(f0.name.name, "helper");
    assert_eq!(f0.body.stmts.len(), 1);
    assert_eq!(ssx(&f0.body.stmts[0]), "return x");
    let f1 = func(&m.items[3]);
    assert!(f1.is_async);
    assert!(f1.ret.is_none());
    assert_eq!(ssx(&f1.body.stmts[0]), "return");
}

#[test]
fn params_defaults_and_types() {
    let m = parse_ok(
        r#"fn f(a: int, b: str = "x", c: list[int] = [1, 2], d: int? = none, e: dict[str, int] = {},) -> tuple[int, str] {}
fn g() {}
"#,
    );
    let f = func(&m.items[0]);
    let ps: Vec<String> = f
        .params
        .iter()
        .map(|p| match &p.default {
            Some(d) => format!("{}: {} = {}", p.name.name, tsx(&p.ty), sx(d)),
            None => format!("{}: {}", p.name.name, tsx(&p.ty)),
        })
        .collect();
    assert_eq!(
        ps,
        [
            "a: int",
            "b: str = \"x\"",
            "c: list[int] = [1 2]",
            "d: (? int) = none",
            "e: dict[str, int] = {}",
        ]
    );
    assert_eq!(tsx(f.ret.as_ref().unwrap()), "tuple[int, str]");
    let g = func(&m.items[1]);
    assert!(g.params.is_empty() && g.ret.is_none() && g.body.stmts.is_empty());
}

#[test]
fn params_span_lines() {
    let m = parse_ok(
        "task t(\n    a: int,  # first\n    b: str = \"x\",\n) -> int {\n    return a\n}\n",
    );
    let t = task(&m.items[0]);
    assert_eq!(t.params.len(), 2);
    assert_eq!(t.params[1].name.name, "b");
}

#[test]
fn structs() {
    let m = parse_ok(
        r#"struct Point { x: int, y: float }
struct Line {
    a: Point
    b: Point
}
struct Mixed {
    name: str,   # comment
    # a comment line
    tags: list[str]
    opt: int?,
}
struct Empty {}
struct One { x: int, }
"#,
    );
    assert_eq!(kinds(&m), ["struct"; 5]);
    let fields = |i: usize| -> Vec<String> {
        let ItemKind::Struct(s) = &m.items[i].kind else {
            panic!()
        };
        s.fields
            .iter()
            .map(|f| format!("{}: {}", f.name.name, tsx(&f.ty)))
            .collect()
    };
    let ItemKind::Struct(s0) = &m.items[0].kind else {
        panic!()
    };
    assert_eq!(s0.name.name, "Point");
    assert_eq!(fields(0), ["x: int", "y: float"]);
    assert_eq!(fields(1), ["a: Point", "b: Point"]);
    assert_eq!(fields(2), ["name: str", "tags: list[str]", "opt: (? int)"]);
    assert!(fields(3).is_empty());
    assert_eq!(fields(4), ["x: int"]);
}

#[test]
fn module_lets() {
    let m = parse_ok("let a = 1\nlet b: list[int] = []\nlet (c, (d, e)) = (1, (2, 3))\n");
    assert_eq!(kinds(&m), ["let"; 3]);
    let a = let_decl(&m.items[0]);
    assert_eq!(psx(&a.pattern), "a");
    assert!(a.ty.is_none());
    assert_eq!(sx(&a.value), "1");
    let b = let_decl(&m.items[1]);
    assert_eq!(tsx(b.ty.as_ref().unwrap()), "list[int]");
    assert_eq!(sx(&b.value), "[]");
    let c = let_decl(&m.items[2]);
    assert_eq!(psx(&c.pattern), "(c (d e))");
    assert_eq!(sx(&c.value), "(tuple 1 (tuple 2 3))");
}

#[test]
fn imports() {
    let m = parse_ok("import \"x.flyte\"\nimport \"lib/y.flyte\" as lib\nimport \"std/text\"\n");
    let imp: Vec<(String, Option<String>)> = m
        .items
        .iter()
        .map(|i| match &i.kind {
            ItemKind::Import(d) => (d.path.clone(), d.alias.as_ref().map(|a| a.name.to_string())),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        imp,
        [
            ("x.flyte".to_string(), None),
            ("lib/y.flyte".to_string(), Some("lib".to_string())),
            ("std/text".to_string(), None),
        ]
    );
}

#[test]
fn top_level_statements_are_items() {
    let m = parse_ok("print(1)\nx = 2\nif x { print(x) }\n");
    assert_eq!(kinds(&m), ["stmt"; 3]);
    let ItemKind::Stmt(s) = &m.items[1].kind else {
        panic!()
    };
    assert_eq!(ssx(s), "x = 2");
}

#[test]
fn empty_files_and_comments() {
    assert!(parse_ok("").items.is_empty());
    assert!(parse_ok("\n\n").items.is_empty());
    assert!(parse_ok("# only a comment").items.is_empty());
    assert!(parse_ok("# a\n\n   # b\n;\n").items.is_empty());
    let m = parse_ok("# head\n\nlet a = 1   # trailing\n\n# tail\n");
    assert_eq!(kinds(&m), ["let"]);
}

#[test]
fn semicolons_separate_items() {
    let m = parse_ok("let a = 1; let b = 2;\nfn f() { let c = 3; c += 1; return c }\n");
    assert_eq!(kinds(&m), ["let", "let", "fn"]);
    let f = func(&m.items[2]);
    assert_eq!(
        f.body.stmts.iter().map(ssx).collect::<Vec<_>>(),
        ["let c = 3", "c += 1", "return c"]
    );
}

#[test]
fn quickstart_script_parses() {
    let m = parse_ok(
        r#"# Shared settings for every task in this environment.
env base = TaskEnvironment(
    name = "data-processing",
    image = "ghcr.io/flyteorg/flyte-worker:v1.0.0",
    resources = Resources(cpu = 2, memory = "4Gi"),
)

# Inherits everything from base, overrides three settings.
env gpu_env = base.clone_with(
    name = "data-processing-gpu",
    resources = Resources(cpu = 4, memory = "16Gi", gpu = "T4:1"),
    cache = "auto",
)

@base
async task process_data(data: list[int]) -> int {
    return sum(data)
}

@base
task legacy_sync_task(x: int) -> int {
    return x * 2
}

@base(cache = "auto", retries = 3, timeout = 10m)
async task modern_parent_task(inputs: list[int]) -> list[int] {
    let futures = [legacy_sync_task.aio(x) for x in inputs]
    return await gather(*futures)
}

async task run_with_retry(x: int) -> int {
    try {
        return await process_data(data = [x])
    } except OOMError {
        return await process_data.override(
            resources = Resources(memory = "16Gi"), cache = "disable", reusable = "off",
        )(data = [x])
    }
}
"#,
    );
    assert_eq!(kinds(&m), ["env", "env", "task", "task", "task", "task"]);
    let t = task(&m.items[4]);
    assert_eq!(
        t.body.stmts.iter().map(ssx).collect::<Vec<_>>(),
        [
            "let futures = (listcomp (call (. legacy_sync_task aio) x) (for x inputs))",
            "return (await (call gather *futures))",
        ]
    );
    let t = task(&m.items[5]);
    assert_eq!(
        ssx(&t.body.stmts[0]),
        r#"try {return (await (call process_data data=[x]))} except (OOMError) {return (await (call (call (. process_data override) resources=(call Resources memory="16Gi") cache="disable" reusable="off") data=[x]))}"#
    );
}

// ---------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------

#[test]
fn let_statements() {
    assert_eq!(
        body_sx("let a = 1\nlet b: int? = none\nlet (c, d) = pair\nlet (e, (f, g)) = (1, (2, 3))\nlet (h,) = one"),
        [
            "let a = 1",
            "let b: (? int) = none",
            "let (c d) = pair",
            "let (e (f g)) = (tuple 1 (tuple 2 3))",
            "let (h) = one",
        ]
    );
}

#[test]
fn assignments() {
    assert_eq!(
        body_sx("x = 1\nx += 2\nx -= 3\nx *= 4\nx /= 5"),
        ["x = 1", "x += 2", "x -= 3", "x *= 4", "x /= 5"]
    );
    assert_eq!(
        body_sx("xs[i] = 1\nd[\"k\"] += 1\np.x = 2.5\na.b.c -= 1\nm[0][1] *= 2\nxs[i + 1] /= 2"),
        [
            "(idx xs i) = 1",
            "(idx d \"k\") += 1",
            "(. p x) = 2.5",
            "(. (. a b) c) -= 1",
            "(idx (idx m 0) 1) *= 2",
            "(idx xs (+ i 1)) /= 2",
        ]
    );
    assert_eq!(
        body_sx("(a, b) = (b, a)\n(a, (b, c)) = t\n(xs[0], p.y) = (1, 2)"),
        [
            "(tuple a b) = (tuple b a)",
            "(tuple a (tuple b c)) = t",
            "(tuple (idx xs 0) (. p y)) = (tuple 1 2)",
        ]
    );
}

#[test]
fn assignment_is_not_comparison() {
    assert_eq!(body_sx("x == 1"), ["(cmp x == 1)"]);
    assert_eq!(body_sx("f(a == b)"), ["(call f (cmp a == b))"]);
    assert_eq!(body_sx("f(a = b == c)"), ["(call f a=(cmp b == c))"]);
}

#[test]
fn invalid_assignment_targets() {
    for (src, what) in [
        ("f(x) = 1", "f(x)"),
        ("1 = x", "1"),
        ("xs[1:2] = ys", "xs[1:2]"),
        ("(a, b) += 1", "(a, b)"),
    ] {
        let full = format!("fn f() {{\n    {src}\n}}\n");
        let p = parse_src(&full);
        assert_eq!(codes(&p), ["E0110"], "{src}");
        assert_eq!(text(&full, primary(&p.errors[0])), what, "{src}");
    }
}

#[test]
fn if_elif_else() {
    assert_eq!(
        body_sx("if a { x = 1 } elif b { x = 2 } elif c { x = 3 } else { x = 4 }"),
        ["if a {x = 1} elif b {x = 2} elif c {x = 3} else {x = 4}"]
    );
    assert_eq!(body_sx("if a { f() }"), ["if a {(call f)}"]);
    assert_eq!(
        body_sx("if a { f() } else { g() }"),
        ["if a {(call f)} else {(call g)}"]
    );
}

#[test]
fn elif_and_else_on_the_next_line() {
    let src = "if a {\n    f()\n}\nelif b {\n    g()\n}\n\n# comment\nelse {\n    h()\n}\nafter()";
    assert_eq!(
        body_sx(src),
        [
            "if a {(call f)} elif b {(call g)} else {(call h)}",
            "(call after)"
        ]
    );
    // At the top level too.
    let m = parse_ok("if a {\n}\nelse {\n}\nlet z = 1\n");
    assert_eq!(kinds(&m), ["stmt", "let"]);
}

#[test]
fn for_loops() {
    assert_eq!(
        body_sx(
            "for x in xs { f(x) }\nfor k, v in d.items() { g(k, v) }\nfor (i, x) in enumerate(xs) { h(i) }\nfor (i, (k, v)) in enumerate(d.items()) {}\nfor a, (b, c) in zs {}"
        ),
        [
            "for x in xs {(call f x)}",
            "for (k v) in (call (. d items)) {(call g k v)}",
            "for (i x) in (call enumerate xs) {(call h i)}",
            "for (i (k v)) in (call enumerate (call (. d items))) {}",
            "for (a (b c)) in zs {}",
        ]
    );
}

#[test]
fn while_break_continue() {
    assert_eq!(
        body_sx(
            "while n > 0 {\n    n -= 1\n    if n == 5 { break }\n    if n % 2 == 0 { continue }\n}"
        ),
        ["while (cmp n > 0) {n -= 1; if (cmp n == 5) {break}; if (cmp (% n 2) == 0) {continue}}"]
    );
    assert_eq!(body_sx("while true { break }"), ["while true {break}"]);
}

#[test]
fn return_and_raise() {
    assert_eq!(
        body_sx("return\nreturn 1\nreturn (1, 2)\nraise ValueError(\"bad\")\nraise"),
        [
            "return",
            "return 1",
            "return (tuple 1 2)",
            "raise (call ValueError \"bad\")",
            "raise",
        ]
    );
    assert_eq!(body_sx("if x { return }"), ["if x {return}"]);
    assert_eq!(body_sx("if x { raise }"), ["if x {raise}"]);
}

#[test]
fn try_except_finally() {
    let src = r#"try {
    f()
} except ValueError as e {
    g(e)
} except (KeyError, IndexError) {
    h()
} except (lib.MyError, OOMError,) as err {
    i()
} except errors.Custom {
} except {
    raise
} finally {
    cleanup()
}"#;
    assert_eq!(
        body_sx(src),
        ["try {(call f)} except (ValueError) as e {(call g e)} except (KeyError IndexError) {(call h)} except (lib.MyError OOMError) as err {(call i)} except (errors.Custom) {} except {raise} finally {(call cleanup)}"]
    );
    // Clauses on their own lines after `}`, and try/finally alone.
    assert_eq!(
        body_sx("try {\n    f()\n}\nexcept Error as e {\n    g()\n}\n\nfinally {\n    h()\n}"),
        ["try {(call f)} except (Error) as e {(call g)} finally {(call h)}"]
    );
    assert_eq!(
        body_sx("try { f() } finally { g() }"),
        ["try {(call f)} finally {(call g)}"]
    );
    let StmtKind::Try { handlers, .. } = one_stmt("try { f() } except ValueError as e { }") else {
        panic!()
    };
    assert_eq!(handlers[0].binding.as_ref().unwrap().name, "e");
}

#[test]
fn with_group() {
    assert_eq!(
        body_sx("with group(\"x\") {\n    let a = t(1)\n}\nwith group(\"empty\") { }"),
        [
            "with (call group \"x\") {let a = (call t 1)}",
            "with (call group \"empty\") {}",
        ]
    );
}

#[test]
fn semicolons_and_expression_statements() {
    assert_eq!(
        body_sx("a(); b(); c()\n;\nx; ;y\nawait t(1)\nxs.append(1)\n\"doc\"\n1 + 2"),
        [
            "(call a)",
            "(call b)",
            "(call c)",
            "x",
            "y",
            "(await (call t 1))",
            "(call (. xs append) 1)",
            "\"doc\"",
            "(+ 1 2)",
        ]
    );
    assert_eq!(body_sx("if a { b(); c() }"), ["if a {(call b); (call c)}"]);
    assert_eq!(body_sx("if a { ; b() ; }"), ["if a {(call b)}"]);
}

#[test]
fn blocks_with_blank_lines_and_comments() {
    assert_eq!(
        body_sx("\n# leading\n\nlet a = 1  # trailing\n\n\n# between\nlet b = 2\n# end\n"),
        ["let a = 1", "let b = 2"]
    );
}

#[test]
fn unindented_block_bodies() {
    // `let` at column 0 inside a block is a statement, not a new item.
    let m = parse_ok("fn f() {\nlet x = 1\nreturn x\n}\nlet y = 2\n");
    assert_eq!(kinds(&m), ["fn", "let"]);
    assert_eq!(func(&m.items[0]).body.stmts.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Expressions: precedence and associativity (LANGUAGE.md section 7)
// ---------------------------------------------------------------------------------------------

#[test]
fn arithmetic_precedence() {
    assert_eq!(ex("1 + 2 * 3"), "(+ 1 (* 2 3))");
    assert_eq!(ex("1 * 2 + 3"), "(+ (* 1 2) 3)");
    assert_eq!(ex("(1 + 2) * 3"), "(* (+ 1 2) 3)");
    assert_eq!(ex("1 - 2 - 3"), "(- (- 1 2) 3)");
    assert_eq!(ex("1 - 2 + 3"), "(+ (- 1 2) 3)");
    assert_eq!(ex("a / b // c % d * e"), "(* (% (// (/ a b) c) d) e)");
    assert_eq!(ex("a // b"), "(// a b)");
    assert_eq!(ex("a / b"), "(/ a b)");
    assert_eq!(ex("a % b"), "(% a b)");
    assert_eq!(ex("a + b % c"), "(+ a (% b c))");
    assert_eq!(ex("a-1"), "(- a 1)");
    assert_eq!(ex("a - -b"), "(- a (neg b))");
}

#[test]
fn unary_and_power() {
    assert_eq!(ex("-x ** 2"), "(neg (** x 2))");
    assert_eq!(ex("2 ** 3 ** 2"), "(** 2 (** 3 2))");
    assert_eq!(ex("2 ** -1"), "(** 2 (neg 1))");
    assert_eq!(ex("-2 * 3"), "(* (neg 2) 3)");
    assert_eq!(ex("--x"), "(neg (neg x))");
    assert_eq!(ex("- - x"), "(neg (neg x))");
    assert_eq!(ex("-1"), "(neg 1)");
    assert_eq!(ex("2 * x ** 2"), "(* 2 (** x 2))");
    assert_eq!(ex("a ** b * c"), "(* (** a b) c)");
    assert_eq!(ex("x ** 2 ** -y"), "(** x (** 2 (neg y)))");
}

#[test]
fn await_binds_tighter_than_power() {
    assert_eq!(ex("await f(x)"), "(await (call f x))");
    assert_eq!(ex("await f(x) ** 2"), "(** (await (call f x)) 2)");
    assert_eq!(ex("2 ** await f(x)"), "(** 2 (await (call f x)))");
    assert_eq!(ex("-await f(x)"), "(neg (await (call f x)))");
    assert_eq!(ex("await a + await b"), "(+ (await a) (await b))");
    assert_eq!(ex("await t.aio(x)"), "(await (call (. t aio) x))");
    assert_eq!(ex("await await x"), "(await (await x))");
    assert_eq!(ex("await gather(*fs)"), "(await (call gather *fs))");
}

#[test]
fn comparisons() {
    assert_eq!(ex("a == b"), "(cmp a == b)");
    assert_eq!(ex("a != b"), "(cmp a != b)");
    assert_eq!(ex("a < b"), "(cmp a < b)");
    assert_eq!(ex("a <= b"), "(cmp a <= b)");
    assert_eq!(ex("a > b"), "(cmp a > b)");
    assert_eq!(ex("a >= b"), "(cmp a >= b)");
    assert_eq!(ex("a in b"), "(cmp a in b)");
    assert_eq!(ex("a not in b"), "(cmp a not-in b)");
    assert_eq!(ex("a < b < c"), "(cmp a < b < c)");
    let Expr {
        kind: ExprKind::Compare { rest, .. },
        ..
    } = expr("a < b <= c")
    else {
        panic!()
    };
    assert_eq!(rest.len(), 2);
    assert_eq!(ex("a + 1 < b * 2"), "(cmp (+ a 1) < (* b 2))");
    assert_eq!(ex("x in xs == y"), "(cmp x in xs == y)");
    assert_eq!(ex("inputs in index"), "(cmp inputs in index)");
}

#[test]
fn boolean_operators() {
    assert_eq!(ex("not a == b"), "(not (cmp a == b))");
    assert_eq!(ex("not a in b"), "(not (cmp a in b))");
    assert_eq!(ex("not not a"), "(not (not a))");
    assert_eq!(ex("a or b and c"), "(or a (and b c))");
    assert_eq!(ex("a and b or c"), "(or (and a b) c)");
    assert_eq!(ex("a or b or c"), "(or (or a b) c)");
    assert_eq!(ex("a and b and c"), "(and (and a b) c)");
    assert_eq!(ex("not a and b"), "(and (not a) b)");
    assert_eq!(ex("a and not b"), "(and a (not b))");
    assert_eq!(ex("not a or not b"), "(or (not a) (not b))");
    assert_eq!(
        ex("a + b < c and not d or e"),
        "(or (and (cmp (+ a b) < c) (not d)) e)"
    );
    // Names that start with keywords are names.
    assert_eq!(ex("notice or andy"), "(or notice andy)");
}

#[test]
fn conditional_expression() {
    assert_eq!(ex("x if c else y"), "(if c x y)");
    assert_eq!(ex("x if a or b else y"), "(if (or a b) x y)");
    assert_eq!(ex("a or b if c else d"), "(if c (or a b) d)");
    assert_eq!(ex("x if a else y if b else z"), "(if a x (if b y z))");
    assert_eq!(ex("(x if c else y) + 1"), "(+ (if c x y) 1)");
    assert_eq!(ex("f(x if c else y)"), "(call f (if c x y))");
}

#[test]
fn calls() {
    assert_eq!(ex("f()"), "(call f)");
    assert_eq!(ex("f(1, 2)"), "(call f 1 2)");
    assert_eq!(ex("f(1, k = 2, j = \"s\")"), "(call f 1 k=2 j=\"s\")");
    assert_eq!(ex("f(*xs)"), "(call f *xs)");
    assert_eq!(ex("f(a, *xs, k = 1)"), "(call f a *xs k=1)");
    assert_eq!(ex("f(a * b)"), "(call f (* a b))");
    assert_eq!(ex("f(1, 2,)"), "(call f 1 2)");
    assert_eq!(ex("f(k = 1,)"), "(call f k=1)");
    assert_eq!(ex("f(x)(y)"), "(call (call f x) y)");
    assert_eq!(
        ex("t.override(cache = \"disable\")(x)"),
        "(call (call (. t override) cache=\"disable\") x)"
    );
    assert_eq!(ex("t.aio(x)"), "(call (. t aio) x)");
    assert_eq!(ex("Point(x = 1, y = 2.0)"), "(call Point x=1 y=2.0)");
    assert_eq!(
        ex("map(t, xs, concurrency = 2, return_exceptions = true)"),
        "(call map t xs concurrency=2 return_exceptions=true)"
    );
    assert_eq!(ex("map.aio(t, xs)"), "(call (. map aio) t xs)");
}

#[test]
fn call_argument_kinds() {
    let Expr {
        kind: ExprKind::Call { args, .. },
        ..
    } = expr("f(1, *xs, name = 2)")
    else {
        panic!()
    };
    assert_eq!(args[0].kind, ArgKind::Positional);
    assert_eq!(args[1].kind, ArgKind::Spread);
    let ArgKind::Keyword(k) = &args[2].kind else {
        panic!()
    };
    assert_eq!(k.name, "name");
}

#[test]
fn indexing_slicing_attributes() {
    assert_eq!(ex("xs[0]"), "(idx xs 0)");
    assert_eq!(ex("xs[i + 1]"), "(idx xs (+ i 1))");
    assert_eq!(ex("m[0][1]"), "(idx (idx m 0) 1)");
    assert_eq!(ex("d[\"k\"]"), "(idx d \"k\")");
    assert_eq!(ex("xs[-1]"), "(idx xs (neg 1))");
    assert_eq!(ex("xs[1:2]"), "(slice xs 1 2 _)");
    assert_eq!(ex("xs[::2]"), "(slice xs _ _ 2)");
    assert_eq!(ex("xs[:-1]"), "(slice xs _ (neg 1) _)");
    assert_eq!(ex("xs[1:]"), "(slice xs 1 _ _)");
    assert_eq!(ex("xs[:]"), "(slice xs _ _ _)");
    assert_eq!(ex("xs[a:b:c]"), "(slice xs a b c)");
    assert_eq!(ex("xs[::-1]"), "(slice xs _ _ (neg 1))");
    assert_eq!(ex("xs[1:n - 1:2]"), "(slice xs 1 (- n 1) 2)");
    assert_eq!(ex("p.x"), "(. p x)");
    assert_eq!(ex("a.b.c"), "(. (. a b) c)");
    assert_eq!(ex("e.task"), "(. e task)");
    assert_eq!(ex("e.message"), "(. e message)");
    assert_eq!(ex("x.in"), "(. x in)");
    assert_eq!(ex("x.none.if"), "(. (. x none) if)");
    assert_eq!(ex("f(x).y[0](z)"), "(call (idx (. (call f x) y) 0) z)");
    assert_eq!(ex("\"a,b\".split(\",\")"), "(call (. \"a,b\" split) \",\")");
    assert_eq!(ex("[1, 2][0]"), "(idx [1 2] 0)");
    assert_eq!(ex("d.seconds * 2"), "(* (. d seconds) 2)");
}

// ---------------------------------------------------------------------------------------------
// Literals
// ---------------------------------------------------------------------------------------------

#[test]
fn integer_literals() {
    assert_eq!(expr("42").kind, ExprKind::Int(42));
    assert_eq!(expr("0").kind, ExprKind::Int(0));
    assert_eq!(expr("1_000").kind, ExprKind::Int(1000));
    assert_eq!(expr("1_000_000").kind, ExprKind::Int(1_000_000));
    assert_eq!(expr("0x1f").kind, ExprKind::Int(31));
    assert_eq!(expr("0xFF").kind, ExprKind::Int(255));
    assert_eq!(expr("0xdead_beef").kind, ExprKind::Int(0xdead_beef));
    assert_eq!(expr("9223372036854775807").kind, ExprKind::Int(i64::MAX));
}

#[test]
fn integer_literal_out_of_range() {
    let p = parse_src("let x = 9223372036854775808\n");
    assert_eq!(codes(&p), ["E0107"]);
    assert_eq!(
        text("let x = 9223372036854775808\n", primary(&p.errors[0])),
        "9223372036854775808"
    );
}

#[test]
fn float_literals() {
    assert_eq!(expr("2.5").kind, ExprKind::Float(2.5));
    assert_eq!(expr("1e-3").kind, ExprKind::Float(1e-3));
    assert_eq!(expr("2.5E6").kind, ExprKind::Float(2.5e6));
    assert_eq!(expr("1e3").kind, ExprKind::Float(1000.0));
    assert_eq!(expr("1.5e+2").kind, ExprKind::Float(150.0));
    assert_eq!(expr("0.5").kind, ExprKind::Float(0.5));
    assert_eq!(expr("1_000.25").kind, ExprKind::Float(1000.25));
}

#[test]
fn duration_literals() {
    const MS: i64 = 1_000_000;
    const S: i64 = 1000 * MS;
    assert_eq!(expr("500ms").kind, ExprKind::Duration(500 * MS));
    assert_eq!(expr("30s").kind, ExprKind::Duration(30 * S));
    assert_eq!(expr("10m").kind, ExprKind::Duration(600 * S));
    assert_eq!(expr("1.5h").kind, ExprKind::Duration(5400 * S));
    assert_eq!(expr("2d").kind, ExprKind::Duration(2 * 86400 * S));
    assert_eq!(expr("1ms").kind, ExprKind::Duration(MS));
    assert_eq!(expr("0s").kind, ExprKind::Duration(0));
    assert_eq!(expr("1_000ms").kind, ExprKind::Duration(1000 * MS));
    assert_eq!(expr("0.5s").kind, ExprKind::Duration(S / 2));
    assert_eq!(ex("10m + 30s"), "(+ 600000000000ns 30000000000ns)");
    assert_eq!(ex("2 * 1h"), "(* 2 3600000000000ns)");
}

#[test]
fn string_literals_and_escapes() {
    assert_eq!(expr(r#""""#).kind, ExprKind::Str(String::new()));
    assert_eq!(expr(r#""hello""#).kind, ExprKind::Str("hello".into()));
    assert_eq!(
        expr(r#""a\nb\tc\rd\\e\"f\0g\u{1F600}h""#).kind,
        ExprKind::Str("a\nb\tc\rd\\e\"f\0g\u{1F600}h".into())
    );
    assert_eq!(expr(r#""\u{41}\u{e9}""#).kind, ExprKind::Str("Aé".into()));
    assert_eq!(
        expr(r##""# not a comment""##).kind,
        ExprKind::Str("# not a comment".into())
    );
    assert_eq!(expr(r#""héllo ✓""#).kind, ExprKind::Str("héllo ✓".into()));
}

#[test]
fn unknown_escape_is_an_error() {
    let src = "let s = \"a\\qb\"\n";
    let p = parse_src(src);
    assert_eq!(codes(&p), ["E0105"]);
    assert_eq!(text(src, primary(&p.errors[0])), "\\q");
}

#[test]
fn booleans_and_none() {
    assert_eq!(expr("true").kind, ExprKind::Bool(true));
    assert_eq!(expr("false").kind, ExprKind::Bool(false));
    assert_eq!(expr("none").kind, ExprKind::None);
    assert_eq!(ex("truex"), "truex");
    assert_eq!(ex("none_left"), "none_left");
}

#[test]
fn fstrings() {
    assert_eq!(ex(r#"f"x = {x + 1}!""#), r#"(f "x = " {(+ x 1)} "!")"#);
    assert_eq!(ex(r#"f"{x:.2f}""#), "(f {x:.2f})");
    assert_eq!(ex(r#"f"{x:>10} and {y}""#), r#"(f {x:>10} " and " {y})"#);
    assert_eq!(ex(r#"f"{{literal}} {y}""#), r#"(f "{literal} " {y})"#);
    assert_eq!(ex(r#"f"{{}}""#), r#"(f "{}")"#);
    assert_eq!(ex(r#"f"a\n{b}\t""#), r#"(f "a\n" {b} "\t")"#);
    assert_eq!(ex(r#"f"{a}{b}""#), "(f {a} {b})");
    assert_eq!(ex(r#"f"plain""#), r#"(f "plain")"#);
    assert_eq!(ex(r#"f"""#), "(f )");
    assert_eq!(
        ex(r#"f"{s.upper()} {xs[0]} {f(1, k = 2)}""#),
        r#"(f {(call (. s upper))} " " {(idx xs 0)} " " {(call f 1 k=2)})"#
    );
    assert_eq!(ex(r#"f"{ x }""#), "(f {x})");
}

#[test]
fn list_dict_tuple_literals() {
    assert_eq!(ex("[]"), "[]");
    assert_eq!(ex("[1]"), "[1]");
    assert_eq!(ex("[1, 2, 3]"), "[1 2 3]");
    assert_eq!(ex("[1, 2,]"), "[1 2]");
    assert_eq!(ex("[[1], []]"), "[[1] []]");
    assert_eq!(ex("{}"), "{}");
    assert_eq!(ex("{\"a\": 1}"), "{\"a\":1}");
    assert_eq!(ex("{\"a\": 1, \"b\": [2],}"), "{\"a\":1 \"b\":[2]}");
    assert_eq!(ex("{1: {2: 3}}"), "{1:{2:3}}");
    assert_eq!(ex("()"), "(tuple)");
    assert_eq!(ex("(1,)"), "(tuple 1)");
    assert_eq!(ex("(1, \"x\")"), "(tuple 1 \"x\")");
    assert_eq!(ex("(1, 2,)"), "(tuple 1 2)");
    assert_eq!(ex("(1)"), "1");
    assert_eq!(ex("((1))"), "1");
    assert_eq!(ex("((1,),)"), "(tuple (tuple 1))");
    assert_eq!(
        ex("[(1, 2), {\"k\": (3,)}]"),
        "[(tuple 1 2) {\"k\":(tuple 3)}]"
    );
}

#[test]
fn comprehensions() {
    assert_eq!(
        ex("[f(x) for x in xs if x > 0]"),
        "(listcomp (call f x) (for x xs (if (cmp x > 0))))"
    );
    assert_eq!(ex("[x for x in xs]"), "(listcomp x (for x xs))");
    assert_eq!(
        ex("[(x, y) for x in xs if x for y in ys if y if x < y]"),
        "(listcomp (tuple x y) (for x xs (if x)) (for y ys (if y) (if (cmp x < y))))"
    );
    assert_eq!(
        ex("[a if c else b for (i, a) in enumerate(xs)]"),
        "(listcomp (if c a b) (for (i a) (call enumerate xs)))"
    );
    assert_eq!(
        ex("[x for x in xs if not x]"),
        "(listcomp x (for x xs (if (not x))))"
    );
    assert_eq!(
        ex("{k: v for k, v in d.items()}"),
        "(dictcomp k:v (for (k v) (call (. d items))))"
    );
    assert_eq!(
        ex("{k: v * j for (k, v) in d.items() if v for j in range(3) if j > 0 if j < 2}"),
        "(dictcomp k:(* v j) (for (k v) (call (. d items)) (if v)) (for j (call range 3) (if (cmp j > 0)) (if (cmp j < 2))))"
    );
    assert_eq!(
        ex("[[y for y in x] for x in xs]"),
        "(listcomp (listcomp y (for y x)) (for x xs))"
    );
    assert_eq!(
        ex("[x for x in {\"a\": 1}]"),
        "(listcomp x (for x {\"a\":1}))"
    );
}

#[test]
fn comprehensions_span_lines() {
    assert_eq!(
        ex("[\n    f(x)   # each\n    for x in xs\n    if x > 0\n]"),
        "(listcomp (call f x) (for x xs (if (cmp x > 0))))"
    );
    assert_eq!(
        ex("{\n    k: v\n    for k, v in d.items()  # all\n}"),
        "(dictcomp k:v (for (k v) (call (. d items))))"
    );
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

#[test]
fn types() {
    assert_eq!(ty("int"), "int");
    assert_eq!(ty("list[int]"), "list[int]");
    assert_eq!(ty("dict[str, int]"), "dict[str, int]");
    assert_eq!(ty("tuple[int, str]"), "tuple[int, str]");
    assert_eq!(ty("tuple[int, str, float,]"), "tuple[int, str, float]");
    assert_eq!(ty("int?"), "(? int)");
    assert_eq!(ty("list[int]?"), "(? list[int])");
    assert_eq!(ty("list[int?]"), "list[(? int)]");
    assert_eq!(ty("Future[int]"), "Future[int]");
    assert_eq!(ty("A | B"), "(| A B)");
    assert_eq!(ty("int | str | none"), "(| int str none)");
    assert_eq!(ty("list[int | Error]"), "list[(| int Error)]");
    assert_eq!(ty("none"), "none");
    assert_eq!(ty("lib.Point"), "lib.Point");
    assert_eq!(ty("list[lib.Point]"), "list[lib.Point]");
    assert_eq!(ty("(int | str)?"), "(? (| int str))");
    assert_eq!(ty("int? | str"), "(| (? int) str)");
    assert_eq!(
        ty("dict[str, list[tuple[int, Future[str]]]]"),
        "dict[str, list[tuple[int, Future[str]]]]"
    );
    assert_eq!(ty("duration"), "duration");
}

#[test]
fn type_names_and_paths() {
    let m = parse_ok("let _x: lib.Point = p\n");
    let t = let_decl(&m.items[0]).ty.clone().unwrap();
    let TypeExprKind::Named { path, args } = &t.kind else {
        panic!()
    };
    assert_eq!(path.len(), 2);
    assert!(args.is_empty());
    let m = parse_ok("let _x: none = none\n");
    assert_eq!(
        let_decl(&m.items[0]).ty.as_ref().unwrap().kind,
        TypeExprKind::None
    );
}

#[test]
fn types_in_signatures() {
    let m = parse_ok(
        "task t(a: int?, b: A | B) -> list[int | Error] {}\nfn f() -> int? {}\nfn g() -> none {}\nfn h() -> A | B {}\nfn i() -> Future[int] {}\n",
    );
    let t = task(&m.items[0]);
    assert_eq!(tsx(&t.params[0].ty), "(? int)");
    assert_eq!(tsx(&t.params[1].ty), "(| A B)");
    assert_eq!(tsx(t.ret.as_ref().unwrap()), "list[(| int Error)]");
    let rets: Vec<String> = m.items[1..]
        .iter()
        .map(|i| tsx(func(i).ret.as_ref().unwrap()))
        .collect();
    assert_eq!(rets, ["(? int)", "none", "(| A B)", "Future[int]"]);
}

// ---------------------------------------------------------------------------------------------
// Newlines inside brackets
// ---------------------------------------------------------------------------------------------

#[test]
fn brackets_span_lines_with_comments() {
    let src = r#"let xs = [
    1,  # one
    2,

    # a comment line
    3,
]
let d = {
    "a": 1,  # c
    "b": [
        2,
        3,
    ],
    # last
}
let r = f(
    1,   # positional
    k = 2,
    *rest,
)
let t = (
    1,
    2,
)
let g = (
    a
    + b
)
struct P {
    x: int   # the x
    y: float,
    # comment line
    z: list[
        int,
    ]
}
let after = 42
"#;
    let m = parse_ok(src);
    assert_eq!(
        kinds(&m),
        ["let", "let", "let", "let", "let", "struct", "let"]
    );
    let v = |i: usize| sx(&let_decl(&m.items[i]).value);
    assert_eq!(v(0), "[1 2 3]");
    assert_eq!(v(1), "{\"a\":1 \"b\":[2 3]}");
    assert_eq!(v(2), "(call f 1 k=2 *rest)");
    assert_eq!(v(3), "(tuple 1 2)");
    assert_eq!(v(4), "(+ a b)");
    let ItemKind::Struct(s) = &m.items[5].kind else {
        panic!()
    };
    let fields: Vec<String> = s
        .fields
        .iter()
        .map(|f| format!("{}: {}", f.name.name, tsx(&f.ty)))
        .collect();
    assert_eq!(fields, ["x: int", "y: float", "z: list[int]"]);
    assert_eq!(v(6), "42");
}

#[test]
fn multi_line_constructs_inside_blocks() {
    let src = r#"async task t(xs: list[int]) -> int {
    let total = sum([
        x * 2   # doubled
        for x in xs
    ])
    let opts = {
        "a": 1,
    }
    if total > 0 {
        return await other.override(
            retries = 2,
        )(
            total,
        )
    }
    return 0
}
"#;
    let m = parse_ok(src);
    let t = task(&m.items[0]);
    assert_eq!(
        t.body.stmts.iter().map(ssx).collect::<Vec<_>>(),
        [
            "let total = (call sum (listcomp (* x 2) (for x xs)))",
            "let opts = {\"a\":1}",
            "if (cmp total > 0) {return (await (call (call (. other override) retries=2) total))}",
            "return 0",
        ]
    );
}

#[test]
fn dict_statement_at_line_start_spans_lines() {
    assert_eq!(
        body_sx("print({\n    \"a\": 1,\n})\nreturn {\n    \"b\": 2,\n}"),
        ["(call print {\"a\":1})", "return {\"b\":2}"]
    );
}

#[test]
fn dict_after_else_in_conditional_spans_lines() {
    // `else` in a conditional expression starts an expression, so `{` there is a dict
    // whose newlines are ignored (LANGUAGE.md section 2).
    assert_eq!(
        ex("{} if c else {\n    \"a\": 1,\n}"),
        "(if c {} {\"a\":1})"
    );
}

#[test]
fn trailing_commas_everywhere() {
    let src = r#"@base(cache = "auto",)
task t(a: int, b: dict[str, int,],) -> tuple[int, str,] {
    let (x, y,) = (1, 2,)
    f(1, k = 2,)
    let l = [1,]
    let d = {"a": 1,}
    try {} except (A, B,) {}
}
struct S { a: int, b: int, }
"#;
    let m = parse_ok(src);
    assert_eq!(kinds(&m), ["task", "struct"]);
    let t = task(&m.items[0]);
    assert_eq!(t.params.len(), 2);
    assert_eq!(tsx(&t.params[1].ty), "dict[str, int]");
    assert_eq!(tsx(t.ret.as_ref().unwrap()), "tuple[int, str]");
    assert_eq!(
        t.body.stmts.iter().map(ssx).collect::<Vec<_>>(),
        [
            "let (x y) = (tuple 1 2)",
            "(call f 1 k=2)",
            "let l = [1]",
            "let d = {\"a\":1}",
            "try {} except (A B) {}",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Spans
// ---------------------------------------------------------------------------------------------

#[test]
fn item_spans_cover_declarations() {
    let src = "# head\nenv e = TaskEnvironment(name = \"e\")\n\n@e(retries = 3)\nasync task t(x: int) -> int {\n    return x\n}\nfn f() {}\nstruct S { a: int }\nlet c: int = 1\nimport \"x.flyte\" as lib\nprint(1)\n";
    let m = parse_ok(src);
    let spans: Vec<&str> = m.items.iter().map(|i| text(src, i.span)).collect();
    assert_eq!(
        spans,
        [
            "env e = TaskEnvironment(name = \"e\")",
            "@e(retries = 3)\nasync task t(x: int) -> int {\n    return x\n}",
            "fn f() {}",
            "struct S { a: int }",
            "let c: int = 1",
            "import \"x.flyte\" as lib",
            "print(1)",
        ]
    );
    let t = task(&m.items[1]);
    assert_eq!(
        text(src, t.decorator.as_ref().unwrap().span),
        "@e(retries = 3)"
    );
    let ItemKind::Import(i) = &m.items[5].kind else {
        panic!()
    };
    assert_eq!(text(src, i.path_span), "\"x.flyte\"");
    assert_eq!(text(src, i.alias.as_ref().unwrap().span), "lib");
}

#[test]
fn name_param_and_block_spans() {
    let src = "@base\ntask process(data: list[int], n: int = 3) -> int? {\n    return n\n}\n";
    let m = parse_ok(src);
    let t = task(&m.items[0]);
    assert_eq!(text(src, t.name.span), "process");
    assert_eq!(text(src, t.params[0].span), "data: list[int]");
    assert_eq!(text(src, t.params[0].name.span), "data");
    assert_eq!(text(src, t.params[0].ty.span), "list[int]");
    assert_eq!(text(src, t.params[1].span), "n: int = 3");
    assert_eq!(text(src, t.params[1].default.as_ref().unwrap().span), "3");
    assert_eq!(text(src, t.ret.as_ref().unwrap().span), "int?");
    assert_eq!(text(src, t.body.span), "{\n    return n\n}");
    assert_eq!(text(src, t.body.stmts[0].span), "return n");
    assert_eq!(
        text(src, t.decorator.as_ref().unwrap().path[0].span),
        "base"
    );
}

#[test]
fn expression_spans() {
    let src = "let v = a + b * c\n";
    let m = parse_ok(src);
    let e = &let_decl(&m.items[0]).value;
    assert_eq!(text(src, e.span), "a + b * c");
    let ExprKind::Binary { rhs, .. } = &e.kind else {
        panic!()
    };
    assert_eq!(text(src, rhs.span), "b * c");

    for s in [
        "not a == b",
        "-x ** 2",
        "x if c else y",
        "a < b <= c",
        "await f(x)",
        "a or b and c",
        "xs[1:2]",
        "xs[i]",
        "[x for x in xs if x]",
        "{\"a\": 1}",
        "(1, 2)",
        "()",
        "f\"x{y}\"",
        "1.5h",
        "0x1f",
        "t.override(cache = \"disable\")(x)",
    ] {
        let src = format!("let v = {s}\n");
        let m = parse_ok(&src);
        assert_eq!(text(&src, let_decl(&m.items[0]).value.span), s);
    }
}

#[test]
fn parenthesised_expression_spans() {
    // A parenthesised operand is part of the text of the expression around it.
    for s in [
        "(a + b) * c",
        "c * (a + b)",
        "-(a)",
        "not (a)",
        "(f)(x)",
        "(a).b",
        "await (x)",
        "(xs)[0]",
    ] {
        let src = format!("let v = {s}\n");
        let m = parse_ok(&src);
        assert_eq!(text(&src, let_decl(&m.items[0]).value.span), s, "{s}");
    }
}

#[test]
fn call_attribute_argument_and_string_spans() {
    let src = "let v = lib.base.clone_with(name = \"gpu\", 2, *xs)\n";
    let m = parse_ok(src);
    let call = &let_decl(&m.items[0]).value;
    assert_eq!(
        text(src, call.span),
        "lib.base.clone_with(name = \"gpu\", 2, *xs)"
    );
    let ExprKind::Call { func, args } = &call.kind else {
        panic!()
    };
    assert_eq!(text(src, func.span), "lib.base.clone_with");
    let ExprKind::Attr { obj, name } = &func.kind else {
        panic!()
    };
    assert_eq!(text(src, name.span), "clone_with");
    assert_eq!(text(src, obj.span), "lib.base");
    assert_eq!(text(src, args[0].span), "name = \"gpu\"");
    let ArgKind::Keyword(k) = &args[0].kind else {
        panic!()
    };
    assert_eq!(text(src, k.span), "name");
    assert_eq!(text(src, args[0].value.span), "\"gpu\"");
    assert_eq!(text(src, args[1].span), "2");
    assert_eq!(text(src, args[2].span), "*xs");
    assert_eq!(text(src, args[2].value.span), "xs");

    // A keyword used as an attribute name.
    let src = "let v = err.task\n";
    let m = parse_ok(src);
    let ExprKind::Attr { name, .. } = &let_decl(&m.items[0]).value.kind else {
        panic!()
    };
    assert_eq!(text(src, name.span), "task");
}

#[test]
fn string_span_includes_quotes() {
    let src = "let s = \"a\\n\\u{1F600}\"   # c\n";
    let m = parse_ok(src);
    assert_eq!(
        text(src, let_decl(&m.items[0]).value.span),
        "\"a\\n\\u{1F600}\""
    );
}

#[test]
fn pattern_spans() {
    let src = "fn f() {\n    let (a, (b, c)) = t\n    for k, v in d.items() {}\n    for (i, x) in e {}\n}\n";
    let m = parse_ok(src);
    let body = &func(&m.items[0]).body.stmts;
    let StmtKind::Let { pattern, .. } = &body[0].kind else {
        panic!()
    };
    assert_eq!(text(src, pattern.span()), "(a, (b, c))");
    let Pattern::Tuple(items, _) = pattern else {
        panic!()
    };
    assert_eq!(text(src, items[0].span()), "a");
    assert_eq!(text(src, items[1].span()), "(b, c)");
    assert_eq!(
        pattern
            .names()
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
    let StmtKind::For { pattern, .. } = &body[1].kind else {
        panic!()
    };
    assert_eq!(text(src, pattern.span()), "k, v");
    let StmtKind::For { pattern, .. } = &body[2].kind else {
        panic!()
    };
    assert_eq!(text(src, pattern.span()), "(i, x)");
}

#[test]
fn type_spans() {
    let src = "let x: list[int]? = []\nfn f(y: A | B) {}\n";
    let m = parse_ok(src);
    let t = let_decl(&m.items[0]).ty.as_ref().unwrap();
    assert_eq!(text(src, t.span), "list[int]?");
    let TypeExprKind::Optional(inner) = &t.kind else {
        panic!()
    };
    assert_eq!(text(src, inner.span), "list[int]");
    let TypeExprKind::Named { args, path } = &inner.kind else {
        panic!()
    };
    assert_eq!(text(src, args[0].span), "int");
    assert_eq!(text(src, path[0].span), "list");
    let u = &func(&m.items[1]).params[0].ty;
    assert_eq!(text(src, u.span), "A | B");
}

#[test]
fn spans_exclude_trailing_whitespace_and_comments() {
    // A node's span ends at its last token, never at the blanks or comment after it.
    let src = "let c: int = 1   # trailing\nlet d = a < b  # c\nlet e = x if c else y  \nlet f = 2 ** 3 \nfn g(a: int , b: A | B ) {\n    return x  # done\n    h(x)   \n}\nstruct S {\n    a: int  # the a\n    b: str\n}\n";
    let m = parse_ok(src);
    let spans: Vec<&str> = m.items.iter().map(|i| text(src, i.span)).collect();
    assert_eq!(spans[0], "let c: int = 1");
    assert_eq!(
        text(src, let_decl(&m.items[0]).ty.as_ref().unwrap().span),
        "int"
    );
    assert_eq!(text(src, let_decl(&m.items[1]).value.span), "a < b");
    assert_eq!(text(src, let_decl(&m.items[2]).value.span), "x if c else y");
    assert_eq!(text(src, let_decl(&m.items[3]).value.span), "2 ** 3");
    let g = func(&m.items[4]);
    assert_eq!(text(src, g.params[0].span), "a: int");
    assert_eq!(text(src, g.params[0].ty.span), "int");
    assert_eq!(text(src, g.params[1].span), "b: A | B");
    assert_eq!(text(src, g.params[1].ty.span), "A | B");
    assert_eq!(text(src, g.body.stmts[0].span), "return x");
    assert_eq!(text(src, g.body.stmts[1].span), "h(x)");
    let ItemKind::Struct(s) = &m.items[5].kind else {
        panic!()
    };
    assert_eq!(text(src, s.fields[0].ty.span), "int");
    assert_eq!(text(src, s.fields[1].ty.span), "str");
}

#[test]
fn statement_and_clause_spans() {
    let src = "fn f() {\n    if a {\n        x += 1\n    }\n    else {\n    }\n    try { g() } except E as e { }\n}\n";
    let m = parse_ok(src);
    let body = &func(&m.items[0]).body.stmts;
    assert_eq!(
        text(src, body[0].span),
        "if a {\n        x += 1\n    }\n    else {\n    }"
    );
    let StmtKind::If {
        branches,
        else_block,
    } = &body[0].kind
    else {
        panic!()
    };
    assert_eq!(text(src, branches[0].1.span), "{\n        x += 1\n    }");
    assert_eq!(text(src, branches[0].1.stmts[0].span), "x += 1");
    assert_eq!(text(src, else_block.as_ref().unwrap().span), "{\n    }");
    let StmtKind::Try { handlers, .. } = &body[1].kind else {
        panic!()
    };
    assert_eq!(text(src, handlers[0].span), "except E as e { }");
    assert_eq!(text(src, handlers[0].types[0][0].span), "E");
    assert_eq!(text(src, handlers[0].binding.as_ref().unwrap().span), "e");
}

#[test]
fn spans_after_multi_line_brackets() {
    let src = "env base = TaskEnvironment(\n    name = \"x\",  # comment\n    # line\n)\nlet xs = [\n    1,\n]\nstruct P {\n    a: int\n    b: int\n}\n@base\ntask t(n: int) -> int { return n + 1 }\nlet e2 = \"é\"; let z = 1\n";
    let m = parse_ok(src);
    assert_eq!(kinds(&m), ["env", "let", "struct", "task", "let", "let"]);
    let spans: Vec<&str> = m.items.iter().map(|i| text(src, i.span)).collect();
    assert_eq!(
        spans,
        [
            "env base = TaskEnvironment(\n    name = \"x\",  # comment\n    # line\n)",
            "let xs = [\n    1,\n]",
            "struct P {\n    a: int\n    b: int\n}",
            "@base\ntask t(n: int) -> int { return n + 1 }",
            "let e2 = \"é\"",
            "let z = 1",
        ]
    );
    let t = task(&m.items[3]);
    assert_eq!(text(src, t.name.span), "t");
    let StmtKind::Return(Some(r)) = &t.body.stmts[0].kind else {
        panic!()
    };
    assert_eq!(text(src, r.span), "n + 1");
    let ItemKind::Struct(s) = &m.items[2].kind else {
        panic!()
    };
    assert_eq!(text(src, s.fields[1].name.span), "b");
    assert_eq!(text(src, s.fields[0].name.span), "a");
    assert_eq!(text(src, let_decl(&m.items[5]).value.span), "1");
}

#[test]
fn spans_use_the_given_file_id() {
    let p = parse("let a = 1\n", FileId(7));
    assert!(p.errors.is_empty());
    assert_eq!(p.module.file, FileId(7));
    assert_eq!(p.module.items[0].span.file, FileId(7));
    assert_eq!(let_decl(&p.module.items[0]).value.span.file, FileId(7));
}

// ---------------------------------------------------------------------------------------------
// Error recovery
// ---------------------------------------------------------------------------------------------

#[test]
fn three_independent_errors() {
    let src = "let a = 1 +\nfn ok1() {}\nlet b = * 2\nstruct Ok2 { x: int }\nfn bad() -> { }\nlet ok3 = 3\n";
    let p = parse_src(src);
    assert_eq!(p.errors.len(), 3, "{}", show_errors(src, &p.errors));
    assert_eq!(codes(&p), ["E0100", "E0100", "E0100"]);
    let starts: Vec<usize> = p.errors.iter().map(|e| primary(e).start as usize).collect();
    assert_eq!(
        starts,
        [
            src.find("\nfn ok1").unwrap(),
            src.find("* 2").unwrap(),
            src.find("{ }").unwrap(),
        ],
        "{}",
        show_errors(src, &p.errors)
    );
    assert_eq!(text(src, primary(&p.errors[1])), "*");
    assert_eq!(text(src, primary(&p.errors[2])), "{");
    // The valid items between the errors survive.
    assert_eq!(kinds(&p.module), ["fn", "struct", "let"]);
    assert_eq!(func(&p.module.items[0]).name.name, "ok1");
    assert_eq!(psx(&let_decl(&p.module.items[2]).pattern), "ok3");
}

#[test]
fn a_bad_decorator_argument_is_dropped_and_the_task_keeps_its_decorator() {
    // Issue 19 item 10: `10min` (E0109) and `= )` (E0100) cost only their own arguments.
    let src = "@base(retries = 2, timeout = 10min, cache = \"auto\")\ntask s() {}\n@lib.gpu(a = )\ntask t() {}\n@e(1 2)\nfn f() {}\n";
    let p = parse_src(src);
    assert_eq!(
        codes(&p),
        ["E0109", "E0100", "E0100"],
        "{}",
        show_errors(src, &p.errors)
    );
    assert_eq!(text(src, primary(&p.errors[0])), "10min");
    assert_eq!(
        primary(&p.errors[1]).start as usize,
        src.find(" )").unwrap() + 1
    );
    assert_eq!(kinds(&p.module), ["task", "task", "fn"]);
    let decorator = |i: usize| match &p.module.items[i].kind {
        ItemKind::Task(t) => t.decorator.as_ref().expect("the decorator is kept"),
        other => panic!("not a task: {other:?}"),
    };
    let kept: Vec<String> = (decorator(0).args.as_ref().unwrap().iter())
        .map(|a| text(src, a.span).to_string())
        .collect();
    assert_eq!(kept, ["retries = 2", "cache = \"auto\""]);
    assert_eq!(
        text(src, decorator(0).span),
        "@base(retries = 2, timeout = 10min, cache = \"auto\")"
    );
    let path: Vec<&str> = decorator(1).path.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(path, ["lib", "gpu"]);
    assert_eq!(decorator(1).args.as_ref().map(Vec::len), Some(0));
}

#[test]
fn an_unclosed_decorator_keeps_its_environment_and_the_arguments_before_the_last() {
    // `@base(retries = 2` on the line before `task`: one E0102 at the `(`, and the task keeps
    // its decorator (no false E0213 "belongs to no environment"); with a trailing comma every
    // argument is kept.
    let src = "@base(retries = 2\ntask s() {}\n@lib.gpu(cache = \"auto\",\n    retries = 3,\nasync task t() {}\n@e(x = 1\nlet y = 2\n";
    let p = parse_src(src);
    assert_eq!(
        codes(&p),
        ["E0102", "E0102", "E0102"],
        "{}",
        show_errors(src, &p.errors)
    );
    // Reported where parsing stopped (the next item), the `(` labelled.
    assert_eq!(text(src, primary(&p.errors[0])), "task");
    assert_eq!(
        primary(&p.errors[0]).start as usize,
        src.find("task").unwrap()
    );
    assert_eq!(kinds(&p.module), ["task", "task", "let"]);
    let decorator = |i: usize| match &p.module.items[i].kind {
        ItemKind::Task(t) => t.decorator.as_ref().expect("the decorator is kept"),
        other => panic!("not a task: {other:?}"),
    };
    let path: Vec<&str> = decorator(0).path.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(path, ["base"]);
    assert_eq!(decorator(0).args.as_ref().map(Vec::len), Some(0));
    let kept: Vec<String> = (decorator(1).args.as_ref().unwrap().iter())
        .map(|a| text(src, a.span).to_string())
        .collect();
    assert_eq!(kept, ["cache = \"auto\"", "retries = 3"]);
}

#[test]
fn errors_of_different_kinds_in_one_file() {
    let src = "let s = \"a\\qb\"\nenv ok = TaskEnvironment(name = \"ok\")\nlet y = 1)\ntask t() {}\nlet z = = 2\nfn g() {}\n";
    let p = parse_src(src);
    assert_eq!(
        codes(&p),
        ["E0105", "E0103", "E0100"],
        "{}",
        show_errors(src, &p.errors)
    );
    assert_eq!(text(src, primary(&p.errors[0])), "\\q");
    assert_eq!(text(src, primary(&p.errors[1])), ")");
    assert_eq!(
        primary(&p.errors[2]).start as usize,
        src.find("= 2").unwrap()
    );
    let k = kinds(&p.module);
    assert!(
        k.contains(&"env") && k.contains(&"task") && k.contains(&"fn"),
        "{k:?}"
    );
}

#[test]
fn unclosed_paren_before_next_item() {
    let src = "let x = f(1, 2\nlet y = 3\n";
    let p = parse_src(src);
    assert_eq!(codes(&p), ["E0102"], "{}", show_errors(src, &p.errors));
    let d = p.errors[0].to_diagnostic();
    let secondary: Vec<_> = d.labels.iter().filter(|l| !l.primary).collect();
    assert_eq!(secondary.len(), 1);
    assert_eq!(secondary[0].span.start as usize, src.find('(').unwrap());
    assert_eq!(text(src, secondary[0].span), "(");
    assert_eq!(
        primary(&p.errors[0]).start as usize,
        src.find("let y").unwrap()
    );
    // The item after the unclosed bracket is still parsed.
    assert_eq!(kinds(&p.module), ["let"]);
    assert_eq!(psx(&let_decl(&p.module.items[0]).pattern), "y");
}

#[test]
fn unclosed_bracket_at_end_of_file() {
    let src = "let ok = 1\nlet xs = [1, 2,\n    3";
    let p = parse_src(src);
    assert_eq!(codes(&p), ["E0102"], "{}", show_errors(src, &p.errors));
    let d = p.errors[0].to_diagnostic();
    let primary_span = d.primary_span().unwrap();
    assert_eq!(primary_span.start as usize, src.len());
    let secondary = d
        .labels
        .iter()
        .find(|l| !l.primary)
        .expect("a secondary label");
    assert_eq!(text(src, secondary.span), "[");
    assert_eq!(secondary.span.start as usize, src.find('[').unwrap());
    assert_eq!(kinds(&p.module), ["let"]);
}

#[test]
fn unclosed_block_at_end_of_file() {
    let src = "fn f() {\n    let x = 1\n";
    let p = parse_src(src);
    assert_eq!(codes(&p), ["E0102"], "{}", show_errors(src, &p.errors));
    let d = p.errors[0].to_diagnostic();
    let secondary = d
        .labels
        .iter()
        .find(|l| !l.primary)
        .expect("a secondary label");
    assert_eq!(text(src, secondary.span), "{");
}

#[test]
fn errors_inside_three_task_bodies() {
    let src = "task a() {\n    let x = = 1\n}\ntask b() {\n    return (1 +)\n}\ntask c() {\n    if x {\n        y(\n    }\n}\ntask d() {}\n";
    let p = parse_src(src);
    assert_eq!(
        codes(&p),
        ["E0100", "E0100", "E0102"],
        "{}",
        show_errors(src, &p.errors)
    );
    assert_eq!(
        primary(&p.errors[0]).start as usize,
        src.find("= 1").unwrap()
    );
    assert_eq!(
        primary(&p.errors[1]).start as usize,
        src.find(")\n").unwrap()
    );
    let d = p.errors[2].to_diagnostic();
    let open = d
        .labels
        .iter()
        .find(|l| !l.primary)
        .expect("a secondary label");
    assert_eq!(open.span.start as usize, src.find("y(").unwrap() + 1);
    assert_eq!(kinds(&p.module), ["task"]);
    assert_eq!(task(&p.module.items[0]).name.name, "d");
}

#[test]
fn lexical_errors_have_their_codes() {
    for (src, code, at) in [
        ("let v = \"abc\nlet w = 1\n", "E0106", "\"abc"),
        ("let v = 10min\n", "E0109", "10min"),
        ("let v = a $ b\n", "E0108", "$"),
        ("let v = f\"a } b\"\n", "E0111", "}"),
        ("let v = f\"\\q{x}\"\n", "E0105", "\\q"),
        ("let v = [1]]\n", "E0103", "]"),
    ] {
        let p = parse_src(src);
        assert_eq!(
            codes(&p),
            [code],
            "{src:?}: {}",
            show_errors(src, &p.errors)
        );
        assert_eq!(text(src, primary(&p.errors[0])), at, "{src:?}");
    }
}

#[test]
fn most_negative_integer_literal() {
    // The E0107 help gives the range as -9223372036854775808..=9223372036854775807, so the
    // lower bound must be writable.
    let e = expr("-9223372036854775808");
    match e.kind {
        ExprKind::Int(v) => assert_eq!(v, i64::MIN),
        ExprKind::Unary {
            op: UnaryOp::Neg, ..
        } => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn crlf_line_endings() {
    let m =
        parse_ok("let a = 1\r\nfn f() {\r\n    return 1\r\n}\r\nlet b = [\r\n  1,  # c\r\n]\r\n");
    assert_eq!(kinds(&m), ["let", "fn", "let"]);
    assert_eq!(sx(&let_decl(&m.items[2]).value), "[1]");
}

#[test]
fn error_at_end_of_file_points_at_the_end() {
    let src = "let a = 1 +";
    let p = parse_src(src);
    assert_eq!(codes(&p), ["E0100"]);
    assert_eq!(primary(&p.errors[0]).start as usize, src.len());
}

#[test]
fn block_brace_on_next_line_is_an_error() {
    let src = "fn f()\n{\n}\nlet ok = 1\n";
    let p = parse_src(src);
    assert_eq!(codes(&p), ["E0100"], "{}", show_errors(src, &p.errors));
    assert_eq!(
        primary(&p.errors[0]).start as usize,
        src.find('\n').unwrap()
    );
    assert_eq!(kinds(&p.module), ["let"]);
}

#[test]
fn a_misspelled_keyword_at_a_statement_start_is_suggested() {
    let src = "fn f() -> int {\n    retrun 5\n}\n";
    let p = parse_src(src);
    assert_eq!(codes(&p), ["E0100"], "{}", show_errors(src, &p.errors));
    let d = p.errors[0].to_diagnostic();
    assert_eq!(d.message, "unexpected number `5`");
    assert_eq!(primary(&p.errors[0]).start as usize, src.find('5').unwrap());
    assert_eq!(d.help.as_deref(), Some("did you mean `return`?"));
    // A declaration's keyword too.
    let src = "tsk t() {\n}\n";
    let p = parse_src(src);
    let d = p.errors[0].to_diagnostic();
    assert_eq!(d.code, "E0100");
    assert_eq!(d.help.as_deref(), Some("did you mean `task`?"));
    // A short name far from every keyword, or one not at a statement's start, gets none.
    for src in ["fn f() {\n    x 5\n}\n", "fn f() {\n    g(retrun 5)\n}\n"] {
        let p = parse_src(src);
        let helps: Vec<_> = p.errors.iter().map(|e| e.to_diagnostic().help).collect();
        assert!(!p.errors.is_empty(), "{src}");
        assert!(
            helps
                .iter()
                .all(|h| h.as_deref() != Some("did you mean `return`?")
                    && h.as_deref() != Some("did you mean `if`?")),
            "{src}: {helps:?}"
        );
    }
}
