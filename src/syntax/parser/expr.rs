//! The AST builder's expressions: operands with their prefixes, binary chains (through the
//! shunting-yard of `precedence.rs`), calls and their arguments, comprehensions, strings and
//! f-strings, and the depth and `-9223372036854775808` checks.

use super::build::{inner, Builder, P};
use super::precedence::{apply_prefix, reduce, Infix, Op, Prefix};
use super::{Rule, MAX_AST_DEPTH};
use crate::diagnostics::Span;
use crate::syntax::ast::*;
use crate::syntax::error::SyntaxError;

impl Builder {
    pub(super) fn expr(&mut self, p: P<'_>) -> Expr {
        let span = self.span(&p);
        self.expr_inner(p, span)
    }

    pub(super) fn expr_inner(&mut self, p: P<'_>, span: Span) -> Expr {
        let rule = p.as_rule();
        match rule {
            Rule::expr => {
                let mut it = inner(p);
                let first = it.next().unwrap();
                match it.next() {
                    None => self.expr(first),
                    Some(_if) => {
                        let then = self.expr(first);
                        let cond = self.expr(it.next().unwrap());
                        it.next(); // else
                        let otherwise = self.expr(it.next().unwrap());
                        Expr {
                            kind: ExprKind::IfElse {
                                cond: Box::new(cond),
                                then: Box::new(then),
                                otherwise: Box::new(otherwise),
                            },
                            span,
                        }
                    }
                }
            }
            Rule::binary => self.binary(p),
            Rule::operand => {
                let (prefixes, mut e) = self.operand(p);
                for (op, at) in prefixes.into_iter().rev() {
                    e = apply_prefix(op, at, e, &self.min_literals);
                }
                e
            }
            Rule::ident => {
                self.not_a_keyword(p.as_str(), span);
                Expr {
                    kind: ExprKind::Name(Name::new(p.as_str())),
                    span,
                }
            }
            Rule::int => {
                let text: String = p.as_str().chars().filter(|&c| c != '_').collect();
                let v = match text.strip_prefix("0x") {
                    Some(hex) => u64::from_str_radix(hex, 16),
                    None => text.parse::<u64>(),
                };
                let v = v.ok().and_then(|v| match i64::try_from(v) {
                    Ok(v) => Some(v),
                    // 2^63 is valid only right after a minus sign, as i64::MIN.
                    Err(_) if v == 1 << 63 => {
                        self.min_literals.push(span);
                        Some(i64::MIN)
                    }
                    Err(_) => None,
                });
                let v = v.unwrap_or_else(|| {
                    self.errors.push(SyntaxError::OutOfRange {
                        at: span,
                        what: "integer literal",
                    });
                    0
                });
                Expr {
                    kind: ExprKind::Int(v),
                    span,
                }
            }
            Rule::float => {
                let text: String = p.as_str().chars().filter(|&c| c != '_').collect();
                let v = text.parse::<f64>().unwrap_or(f64::NAN);
                if !v.is_finite() {
                    self.errors.push(SyntaxError::OutOfRange {
                        at: span,
                        what: "float literal",
                    });
                }
                Expr {
                    kind: ExprKind::Float(v),
                    span,
                }
            }
            Rule::duration => {
                let text: String = p.as_str().chars().filter(|&c| c != '_').collect();
                let unit_len = if text.ends_with("ms") { 2 } else { 1 };
                let (num, unit) = text.split_at(text.len() - unit_len);
                let nanos_per: f64 = match unit {
                    "ms" => 1e6,
                    "s" => 1e9,
                    "m" => 60e9,
                    "h" => 3600e9,
                    _ => 86400e9,
                };
                let v = num.parse::<f64>().unwrap_or(f64::NAN) * nanos_per;
                let nanos = if v.is_finite() && v.abs() < 9.2e18 {
                    v.round() as i64
                } else {
                    self.errors.push(SyntaxError::OutOfRange {
                        at: span,
                        what: "duration literal",
                    });
                    0
                };
                Expr {
                    kind: ExprKind::Duration(nanos),
                    span,
                }
            }
            Rule::string => Expr {
                kind: ExprKind::Str(self.string(p)),
                span,
            },
            Rule::fstring => {
                let mut parts: Vec<FStringPart> = Vec::new();
                let mut text = String::new();
                for part in inner(p) {
                    match part.as_rule() {
                        Rule::fstring_field => {
                            if !text.is_empty() {
                                parts.push(FStringPart::Text(std::mem::take(&mut text)));
                            }
                            let mut fi = inner(part);
                            let expr = self.expr(fi.next().unwrap());
                            // The spec's rule holds its colon (so the spec is atomic from there).
                            let spec = fi.next().map(|s| s.as_str()[1..].to_string());
                            parts.push(FStringPart::Field { expr, spec });
                        }
                        Rule::fstring_brace => text.push(part.as_str().as_bytes()[0] as char),
                        _ => self.string_piece(part, &mut text),
                    }
                }
                if !text.is_empty() {
                    parts.push(FStringPart::Text(text));
                }
                Expr {
                    kind: ExprKind::FString(parts),
                    span,
                }
            }
            Rule::kw_true => Expr {
                kind: ExprKind::Bool(true),
                span,
            },
            Rule::kw_false => Expr {
                kind: ExprKind::Bool(false),
                span,
            },
            Rule::kw_none => Expr {
                kind: ExprKind::None,
                span,
            },
            Rule::paren_expr => {
                let it = inner(p).peekable();
                let mut items = Vec::new();
                let mut is_tuple = false;
                for x in it {
                    if x.as_rule() == Rule::tuple_comma {
                        is_tuple = true;
                    } else {
                        items.push(self.expr(x));
                    }
                }
                if items.is_empty() {
                    is_tuple = true;
                }
                if is_tuple {
                    Expr {
                        kind: ExprKind::Tuple(items),
                        span,
                    }
                } else {
                    // A parenthesised expression's span includes its brackets.
                    let mut e = items.pop().unwrap();
                    e.span = span;
                    e
                }
            }
            Rule::list_expr => {
                let pairs: Vec<P<'_>> = inner(p).collect();
                if pairs.len() >= 2 && pairs[1].as_rule() == Rule::comp_for {
                    let mut it = pairs.into_iter();
                    let elt = self.expr(it.next().unwrap());
                    let clauses = it.map(|c| self.comp_clause(c)).collect();
                    Expr {
                        kind: ExprKind::ListComp {
                            elt: Box::new(elt),
                            clauses,
                        },
                        span,
                    }
                } else {
                    Expr {
                        kind: ExprKind::List(pairs.into_iter().map(|x| self.expr(x)).collect()),
                        span,
                    }
                }
            }
            Rule::dict_expr => {
                let pairs: Vec<P<'_>> = inner(p).collect();
                let entry = |b: &mut Builder, e: P<'_>| {
                    let mut ei = inner(e);
                    let k = b.expr(ei.next().unwrap());
                    let v = b.expr(ei.next().unwrap());
                    (k, v)
                };
                if pairs.len() >= 2 && pairs[1].as_rule() == Rule::comp_for {
                    let mut it = pairs.into_iter();
                    let (key, value) = entry(self, it.next().unwrap());
                    let clauses = it.map(|c| self.comp_clause(c)).collect();
                    Expr {
                        kind: ExprKind::DictComp {
                            key: Box::new(key),
                            value: Box::new(value),
                            clauses,
                        },
                        span,
                    }
                } else {
                    Expr {
                        kind: ExprKind::Dict(pairs.into_iter().map(|e| entry(self, e)).collect()),
                        span,
                    }
                }
            }
            r => unreachable!("not an expression rule: {r:?}"),
        }
    }

    pub(super) fn comp_clause(&mut self, p: P<'_>) -> CompClause {
        let mut it = inner(p);
        it.next(); // for
        let pattern = self.for_target(it.next().unwrap());
        it.next(); // in
        let iter = self.expr(it.next().unwrap());
        let conds = it
            .map(|c| {
                let e = inner(c).nth(1).unwrap();
                self.expr(e)
            })
            .collect();
        CompClause {
            pattern,
            iter,
            conds,
        }
    }

    /// Builds `prefix* primary postfix*`: the prefix operators (applied by the caller, which
    /// knows their precedence) and the primary with its postfix chain, built iteratively.
    pub(super) fn operand(&mut self, p: P<'_>) -> (Vec<(Prefix, Span)>, Expr) {
        let mut prefixes = Vec::new();
        let mut it = inner(p);
        let mut primary = None;
        for q in it.by_ref() {
            match q.as_rule() {
                Rule::op_not => prefixes.push((Prefix::Not, self.span(&q))),
                Rule::op_neg => prefixes.push((Prefix::Neg, self.span(&q))),
                Rule::kw_await => prefixes.push((Prefix::Await, self.span(&q))),
                _ => {
                    primary = Some(q);
                    break;
                }
            }
        }
        let primary = primary.expect("an operand has a primary");
        let mut e = self.expr(primary);
        let mut links = 0usize;
        for post in it {
            links += 1;
            if links == MAX_AST_DEPTH {
                self.too_deep(e.span);
            }
            let s = e.span.to(self.span(&post));
            let kind = match post.as_rule() {
                Rule::call_args => ExprKind::Call {
                    func: Box::new(e),
                    args: self.call_args(post),
                },
                Rule::attribute => {
                    let n = inner(post).next().unwrap();
                    ExprKind::Attr {
                        obj: Box::new(e),
                        name: Ident::new(n.as_str(), self.span(&n)),
                    }
                }
                _ => {
                    let ix = inner(post).next().unwrap();
                    if ix.as_rule() == Rule::slice {
                        let mut parts = inner(ix)
                            .map(|part| inner(part).next().map(|x| Box::new(self.expr(x))));
                        let start = parts.next().flatten();
                        let stop = parts.next().flatten();
                        let step = parts.next().flatten();
                        ExprKind::Slice {
                            obj: Box::new(e),
                            start,
                            stop,
                            step,
                        }
                    } else {
                        ExprKind::Index {
                            obj: Box::new(e),
                            index: Box::new(self.expr(ix)),
                        }
                    }
                }
            };
            e = Expr { kind, span: s };
        }
        if prefixes.len() >= MAX_AST_DEPTH {
            self.too_deep(e.span);
        }
        (prefixes, e)
    }

    /// A `9223372036854775808` literal that no minus sign folded into i64::MIN is out of range.
    pub(super) fn check_min_literals(&mut self, item: &Item) {
        if self.min_literals.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.min_literals);
        let mut unfolded = Vec::new();
        let mut visit = |e: &Expr| {
            let mut stack = vec![e];
            while let Some(e) = stack.pop() {
                if e.kind == ExprKind::Int(i64::MIN) && pending.contains(&e.span) {
                    unfolded.push(e.span);
                }
                e.for_each_child(|c| stack.push(c));
            }
        };
        item.for_each_expr(&mut visit);
        for at in unfolded {
            self.errors.push(SyntaxError::OutOfRange {
                at,
                what: "integer literal",
            });
        }
    }

    pub(super) fn too_deep(&mut self, at: Span) {
        if !self.too_deep_reported {
            self.too_deep_reported = true;
            self.errors.push(SyntaxError::TooDeep {
                at,
                limit: MAX_AST_DEPTH,
                what: "expressions",
            });
        }
    }

    /// Applies operator precedence to `operand (infix operand)*` with a shunting-yard: no
    /// recursion, however long the chain. Comparisons chain as in Python (`a < b < c` is one
    /// `Compare` node); `**` is right-associative; `not` may only start an operand of `and`,
    /// `or`, or the whole expression, as in Python.
    pub(super) fn binary(&mut self, p: P<'_>) -> Expr {
        let span = self.span(&p);
        let pairs: Vec<P<'_>> = inner(p).collect();
        if pairs.len() / 2 >= MAX_AST_DEPTH {
            self.too_deep(span);
            return Expr {
                kind: ExprKind::None,
                span,
            };
        }
        // (expression, is a comparison chain still open for extension)
        let mut out: Vec<(Expr, bool)> = Vec::with_capacity(pairs.len() / 2 + 1);
        let mut ops: Vec<Op> = Vec::new();
        let mut last_infix: Option<Infix> = None;
        for q in pairs {
            if q.as_rule() == Rule::operand {
                let (prefixes, e) = self.operand(q);
                for (i, (pre, at)) in prefixes.iter().enumerate() {
                    let after_loose = matches!(last_infix, None | Some(Infix::Or | Infix::And));
                    let only_nots_before = prefixes[..i].iter().all(|(p, _)| *p == Prefix::Not);
                    if *pre == Prefix::Not && !(after_loose && only_nots_before) {
                        self.errors.push(SyntaxError::Unexpected {
                            at: *at,
                            found: "keyword `not`".into(),
                            expected: vec!["an expression".into()],
                            help: Some(
                                "`not` binds loosely: write it in parentheses, `(not x)`".into(),
                            ),
                        });
                    }
                    ops.push(Op::Prefix(*pre, *at));
                }
                out.push((e, false));
            } else {
                let infix = Infix::of(q.as_rule());
                let prec = infix.prec();
                while let Some(top) = ops.last() {
                    let top_prec = top.prec();
                    if top_prec > prec || (top_prec == prec && !infix.right_assoc()) {
                        let top = ops.pop().unwrap();
                        reduce(&mut out, top, &self.min_literals);
                    } else {
                        break;
                    }
                }
                ops.push(Op::Infix(infix));
                last_infix = Some(infix);
            }
        }
        while let Some(top) = ops.pop() {
            reduce(&mut out, top, &self.min_literals);
        }
        out.pop().expect("one expression is left").0
    }

    pub(super) fn call_args(&mut self, p: P<'_>) -> Vec<Arg> {
        inner(p)
            .map(|a| {
                let span = self.span(&a);
                let rule = a.as_rule();
                let mut it = inner(a);
                match rule {
                    Rule::spread_arg => Arg {
                        kind: ArgKind::Spread,
                        value: self.expr(it.next().unwrap()),
                        span,
                    },
                    Rule::kw_arg => {
                        let name = self.ident(it.next().unwrap());
                        Arg {
                            kind: ArgKind::Keyword(name),
                            value: self.expr(it.next().unwrap()),
                            span,
                        }
                    }
                    _ => Arg {
                        kind: ArgKind::Positional,
                        value: self.expr(it.next().unwrap()),
                        span,
                    },
                }
            })
            .collect()
    }

    pub(super) fn string(&mut self, p: P<'_>) -> String {
        let mut out = String::new();
        for part in inner(p) {
            self.string_piece(part, &mut out);
        }
        out
    }

    pub(super) fn string_piece(&mut self, part: P<'_>, out: &mut String) {
        match part.as_rule() {
            Rule::string_text | Rule::fstring_text => out.push_str(part.as_str()),
            Rule::escape => {
                let s = part.as_str();
                match &s[1..2] {
                    "n" => out.push('\n'),
                    "t" => out.push('\t'),
                    "r" => out.push('\r'),
                    "\\" => out.push('\\'),
                    "\"" => out.push('"'),
                    "0" => out.push('\0'),
                    _ => {
                        let hex = &s[3..s.len() - 1];
                        match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                            Some(c) => out.push(c),
                            None => {
                                let at = self.span(&part);
                                self.errors.push(SyntaxError::OutOfRange {
                                    at,
                                    what: "unicode escape",
                                })
                            }
                        }
                    }
                }
            }
            Rule::bad_escape => {
                let at = self.span(&part);
                self.errors.push(SyntaxError::UnknownEscape {
                    at,
                    escape: part.as_str().to_string(),
                });
            }
            _ => {}
        }
    }
}
