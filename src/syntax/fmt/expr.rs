//! Expressions, arguments, parameters and types: on one line when they fit, else one element
//! per line. Parentheses are written where the precedence needs them (the parser keeps none).

use super::{Blank, Fmt, WIDTH};
use crate::syntax::ast::*;

/// Precedence, loosest 0 to tightest 11, as the parser's shunting-yard applies it
/// (docs/language.md, section 5, "Operator precedence"): `x if c else y` 0, `or` 1, `and` 2, `not` 3, comparisons 4,
/// `+ -` 5, `* / // %` 6, unary `-` 7, `**` 8, `await` 9, calls, indexing and attributes 10,
/// atoms 11.
fn prec(e: &Expr, src: &str) -> u8 {
    match &e.kind {
        ExprKind::IfElse { .. } => 0,
        ExprKind::Binary { op, .. } => binop_prec(*op),
        ExprKind::Unary {
            op: UnaryOp::Not, ..
        } => 3,
        ExprKind::Compare { .. } => 4,
        ExprKind::Unary {
            op: UnaryOp::Neg, ..
        } => 7,
        ExprKind::Await(_) => 9,
        ExprKind::Call { .. }
        | ExprKind::Attr { .. }
        | ExprKind::Index { .. }
        | ExprKind::Slice { .. } => 10,
        // `-9223372036854775808` is one literal node, written with its sign.
        ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Duration(_)
            if text(src, e.span).starts_with('-') =>
        {
            7
        }
        _ => 11,
    }
}

fn binop_prec(op: BinOp) -> u8 {
    match op {
        BinOp::Or => 1,
        BinOp::And => 2,
        BinOp::Add | BinOp::Sub => 5,
        BinOp::Mul | BinOp::Div | BinOp::FloorDiv | BinOp::Mod => 6,
        BinOp::Pow => 8,
    }
}

/// The precedence each operand of a binary operator needs: (left, right).
fn operand_precs(op: BinOp) -> (u8, u8) {
    let p = binop_prec(op);
    if op == BinOp::Pow {
        // Right-associative: `a ** b ** c` is `a ** (b ** c)`.
        (p + 1, p)
    } else {
        (p, p + 1)
    }
}

fn text(src: &str, span: Span) -> &str {
    src.get(span.start as usize..span.end as usize)
        .unwrap_or_default()
}

/// An expression on one line.
pub(super) fn flat(src: &str, e: &Expr, min: u8) -> String {
    let inner = flat_inner(src, e);
    if prec(e, src) < min {
        format!("({inner})")
    } else {
        inner
    }
}

fn join(src: &str, items: &[Expr]) -> String {
    items
        .iter()
        .map(|i| flat(src, i, 0))
        .collect::<Vec<_>>()
        .join(", ")
}

fn flat_args(src: &str, args: &[Arg]) -> String {
    args.iter()
        .map(|a| arg_text(src, a))
        .collect::<Vec<_>>()
        .join(", ")
}

fn arg_text(src: &str, a: &Arg) -> String {
    match &a.kind {
        ArgKind::Positional => flat(src, &a.value, 0),
        ArgKind::Keyword(k) => format!("{} = {}", k.name, flat(src, &a.value, 0)),
        ArgKind::Spread => format!("*{}", flat(src, &a.value, 0)),
    }
}

fn clauses_text(src: &str, clauses: &[CompClause]) -> String {
    let mut out = String::new();
    for c in clauses {
        out.push_str(&format!(
            " for {} in {}",
            super::pattern_text(&c.pattern, true),
            flat(src, &c.iter, 1)
        ));
        for cond in &c.conds {
            out.push_str(&format!(" if {}", flat(src, cond, 1)));
        }
    }
    out
}

fn flat_inner(src: &str, e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Duration(_)
        | ExprKind::Str(_)
        | ExprKind::FString(_) => text(src, e.span).to_string(),
        ExprKind::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        ExprKind::None => "none".to_string(),
        ExprKind::Name(n) => n.to_string(),
        ExprKind::List(items) => format!("[{}]", join(src, items)),
        ExprKind::Tuple(items) => match items.len() {
            1 => format!("({},)", flat(src, &items[0], 0)),
            _ => format!("({})", join(src, items)),
        },
        ExprKind::Dict(entries) => {
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", flat(src, k, 0), flat(src, v, 0)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        ExprKind::ListComp { elt, clauses } => {
            format!("[{}{}]", flat(src, elt, 0), clauses_text(src, clauses))
        }
        ExprKind::DictComp {
            key,
            value,
            clauses,
        } => format!(
            "{{{}: {}{}}}",
            flat(src, key, 0),
            flat(src, value, 0),
            clauses_text(src, clauses)
        ),
        ExprKind::Unary { op, operand } => match op {
            UnaryOp::Not => format!("not {}", flat(src, operand, 3)),
            UnaryOp::Neg => format!("-{}", flat(src, operand, 7)),
        },
        ExprKind::Binary { op, lhs, rhs } => {
            let (l, r) = operand_precs(*op);
            format!(
                "{} {} {}",
                flat(src, lhs, l),
                op.symbol(),
                flat(src, rhs, r)
            )
        }
        ExprKind::Compare { first, rest } => {
            let mut out = flat(src, first, 5);
            for (op, x) in rest {
                out.push_str(&format!(" {} {}", op.symbol(), flat(src, x, 5)));
            }
            out
        }
        ExprKind::IfElse {
            cond,
            then,
            otherwise,
        } => format!(
            "{} if {} else {}",
            flat(src, then, 1),
            flat(src, cond, 1),
            flat(src, otherwise, 0)
        ),
        ExprKind::Await(x) => format!("await {}", flat(src, x, 10)),
        ExprKind::Call { func, args } => {
            format!("{}({})", flat(src, func, 10), flat_args(src, args))
        }
        ExprKind::Attr { obj, name } => format!("{}.{}", flat(src, obj, 10), name.name),
        ExprKind::Index { obj, index } => {
            format!("{}[{}]", flat(src, obj, 10), flat(src, index, 0))
        }
        ExprKind::Slice {
            obj,
            start,
            stop,
            step,
        } => {
            let part =
                |p: &Option<Box<Expr>>| p.as_ref().map_or(String::new(), |x| flat(src, x, 0));
            let mut out = format!("{}[{}:{}", flat(src, obj, 10), part(start), part(stop));
            if step.is_some() {
                out.push(':');
                out.push_str(&part(step));
            }
            out.push(']');
            out
        }
    }
}

/// A type as written: `list[int]`, `int?`, `A | B`.
pub(super) fn type_text(t: &TypeExpr) -> String {
    match &t.kind {
        TypeExprKind::Named { path, args } => {
            let mut out = super::dotted(path);
            if !args.is_empty() {
                let a: Vec<String> = args.iter().map(type_text).collect();
                out.push_str(&format!("[{}]", a.join(", ")));
            }
            out
        }
        TypeExprKind::None => "none".to_string(),
        TypeExprKind::Optional(inner) => match inner.kind {
            TypeExprKind::Union(_) => format!("({})?", type_text(inner)),
            _ => format!("{}?", type_text(inner)),
        },
        TypeExprKind::Union(items) => items.iter().map(type_text).collect::<Vec<_>>().join(" | "),
    }
}

/// One element of a list broken over lines.
enum Elem<'a> {
    Expr(&'a Expr),
    Arg(&'a Arg),
    Entry(&'a Expr, &'a Expr),
    Param(&'a Param),
}

impl Elem<'_> {
    fn start(&self) -> u32 {
        match self {
            Elem::Expr(e) | Elem::Entry(e, _) => e.span.start,
            Elem::Arg(a) => a.span.start,
            Elem::Param(p) => p.span.start,
        }
    }

    fn end(&self) -> u32 {
        match self {
            Elem::Expr(e) | Elem::Entry(_, e) => e.span.end,
            Elem::Arg(a) => a.span.end,
            Elem::Param(p) => p.span.end,
        }
    }
}

impl Fmt<'_> {
    /// Whether `text` fits on the current line, and nothing in `span` is a comment.
    fn fits(&self, text: &str, span: Span) -> bool {
        self.column() + text.chars().count() <= WIDTH && !self.has_comment(span)
    }

    /// Writes an expression that needs precedence `min` (else it is parenthesized).
    pub(super) fn expr(&mut self, e: &Expr, min: u8) {
        let src = self.src;
        let one_line = flat(src, e, min);
        if self.fits(&one_line, e.span) {
            self.push(&one_line);
            return;
        }
        let paren = prec(e, src) < min;
        if paren {
            self.push("(");
        }
        let close = e.span.end.saturating_sub(1);
        match &e.kind {
            ExprKind::List(items) => {
                let elems: Vec<Elem> = items.iter().map(Elem::Expr).collect();
                self.broken("[", &elems, close, "]");
            }
            ExprKind::Tuple(items) if !items.is_empty() => {
                let elems: Vec<Elem> = items.iter().map(Elem::Expr).collect();
                self.broken("(", &elems, close, ")");
            }
            ExprKind::Dict(entries) if !entries.is_empty() => {
                let elems: Vec<Elem> = entries.iter().map(|(k, v)| Elem::Entry(k, v)).collect();
                self.broken("{", &elems, close, "}");
            }
            ExprKind::Call { func, args } => {
                self.expr(func, 10);
                self.args(args, e.span);
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let (l, r) = operand_precs(*op);
                self.expr(lhs, l);
                self.push(&format!(" {} ", op.symbol()));
                self.expr(rhs, r);
            }
            ExprKind::Compare { first, rest } => {
                self.expr(first, 5);
                for (op, x) in rest {
                    self.push(&format!(" {} ", op.symbol()));
                    self.expr(x, 5);
                }
            }
            ExprKind::Unary { op, operand } => match op {
                UnaryOp::Not => {
                    self.push("not ");
                    self.expr(operand, 3);
                }
                UnaryOp::Neg => {
                    self.push("-");
                    self.expr(operand, 7);
                }
            },
            ExprKind::Await(x) => {
                self.push("await ");
                self.expr(x, 10);
            }
            ExprKind::IfElse {
                cond,
                then,
                otherwise,
            } => {
                self.expr(then, 1);
                self.push(" if ");
                self.expr(cond, 1);
                self.push(" else ");
                self.expr(otherwise, 0);
            }
            ExprKind::Attr { obj, name } => {
                self.expr(obj, 10);
                self.push(&format!(".{}", name.name));
            }
            ExprKind::Index { obj, index } => {
                self.expr(obj, 10);
                self.push("[");
                self.expr(index, 0);
                self.push("]");
            }
            // Atoms, slices and comprehensions stay on one line.
            _ => self.push(&flat_inner(src, e)),
        }
        if paren {
            self.push(")");
        }
    }

    /// A call's arguments, `(...)`; `span` ends with the closing parenthesis.
    pub(super) fn args(&mut self, args: &[Arg], span: Span) {
        let one_line = format!("({})", flat_args(self.src, args));
        let inner = Span::new(
            span.file,
            args.first().map_or(span.end, |a| a.span.start) as usize,
            span.end as usize,
        );
        if args.is_empty() || self.fits(&one_line, inner) {
            self.push(&one_line);
            return;
        }
        let elems: Vec<Elem> = args.iter().map(Elem::Arg).collect();
        self.broken("(", &elems, span.end.saturating_sub(1), ")");
    }

    /// A parameter list; comments before `close` belong to it.
    pub(super) fn params(&mut self, params: &[Param], open: u32, close: u32) {
        let texts: Vec<String> = params.iter().map(|p| self.param_text(p)).collect();
        let one_line = format!("({})", texts.join(", "));
        let span = Span::new(FileId(0), open as usize, close as usize);
        if params.is_empty() || self.fits(&one_line, span) {
            self.push(&one_line);
            return;
        }
        let elems: Vec<Elem> = params.iter().map(Elem::Param).collect();
        let last = params.last().map_or(open, |p| p.span.end);
        // The `)` is the first one after the last parameter.
        let paren = self.src[last as usize..close as usize]
            .find(')')
            .map_or(close, |i| last + i as u32);
        self.broken("(", &elems, paren, ")");
    }

    fn param_text(&self, p: &Param) -> String {
        let mut out = format!("{}: {}", p.name.name, type_text(&p.ty));
        if let Some(d) = &p.default {
            out.push_str(&format!(" = {}", flat(self.src, d, 0)));
        }
        out
    }

    pub(super) fn ty(&mut self, t: &TypeExpr) {
        let text = type_text(t);
        self.push(&text);
    }

    /// `open`, each element on its own line with a trailing comma, `close` (at byte `at`).
    fn broken(&mut self, open: &str, elems: &[Elem], at: u32, close: &str) {
        self.push(open);
        self.indent += 1;
        for (i, el) in elems.iter().enumerate() {
            let blank = if i == 0 { Blank::Never } else { Blank::Source };
            self.end_line(el.start(), blank);
            match el {
                Elem::Expr(e) => self.expr(e, 0),
                Elem::Arg(a) => match &a.kind {
                    ArgKind::Positional => self.expr(&a.value, 0),
                    ArgKind::Keyword(k) => {
                        self.push(&format!("{} = ", k.name));
                        self.expr(&a.value, 0);
                    }
                    ArgKind::Spread => {
                        self.push("*");
                        self.expr(&a.value, 0);
                    }
                },
                Elem::Entry(k, v) => {
                    self.expr(k, 0);
                    self.push(": ");
                    self.expr(v, 0);
                }
                Elem::Param(p) => {
                    self.push(&format!("{}: {}", p.name.name, type_text(&p.ty)));
                    if let Some(d) = &p.default {
                        self.push(" = ");
                        self.expr(d, 0);
                    }
                }
            }
            self.push(",");
            self.last_end = self.last_end.max(el.end() as usize);
        }
        self.end_line(at, Blank::Source);
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
        self.indent -= 1;
        self.push(close);
        self.last_end = self.last_end.max(at as usize + 1);
    }
}
