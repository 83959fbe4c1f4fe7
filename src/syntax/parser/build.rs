//! The AST builder: each item's pest parse tree becomes AST, with spans shifted to file
//! offsets; items, tasks, types, patterns and statements here, expressions in `expr.rs`.

use super::Rule;
use crate::diagnostics::{FileId, Span};
use crate::syntax::ast::*;
use crate::syntax::error::SyntaxError;
use crate::syntax::lexer::{tokenize, Token, KEYWORDS};
use pest::iterators::Pair;
use std::rc::Rc;

pub(super) struct Builder {
    pub(super) file: FileId,
    /// The text pest parses (for trimming spans).
    pub(super) input: Rc<str>,
    /// Spans of `9223372036854775808` literals, valid only when negated.
    pub(super) min_literals: Vec<Span>,
    /// Offset of the parsed slice in the file.
    pub(super) base: usize,
    pub(super) errors: Vec<SyntaxError>,
    pub(super) too_deep_reported: bool,
}

pub(super) type P<'i> = Pair<'i, Rule>;

pub(super) fn inner(p: P<'_>) -> pest::iterators::Pairs<'_, Rule> {
    p.into_inner()
}

impl Builder {
    /// The span of a pair in file offsets, without the whitespace and comments pest keeps at
    /// the end of a rule whose last part matched nothing.
    pub(super) fn span(&self, p: &P<'_>) -> Span {
        let s = p.as_span();
        let start = self.base + s.start();
        let mut end = self.base + s.end();
        let bytes = self.input.as_bytes();
        loop {
            while end > start && matches!(bytes[end - 1], b' ' | b'\t' | b'\r' | b'\n' | 0x0C) {
                end -= 1;
            }
            // A comment on the span's last line?
            let line_start = bytes[start..end]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(start, |i| start + i + 1);
            if !bytes[line_start..end].contains(&b'#') {
                break;
            }
            let comment = tokenize(&self.input[line_start..end])
                .find(|(t, _)| *t == Ok(Token::Comment))
                .map(|(_, r)| line_start + r.start);
            match comment {
                Some(c) if c < end => end = c,
                _ => break,
            }
        }
        Span::new(self.file, start, end)
    }

    pub(super) fn ident(&mut self, p: P<'_>) -> Ident {
        debug_assert_eq!(p.as_rule(), Rule::ident);
        let span = self.span(&p);
        self.not_a_keyword(p.as_str(), span);
        Ident::new(p.as_str(), span)
    }

    pub(super) fn not_a_keyword(&mut self, name: &str, span: Span) {
        if KEYWORDS.contains(&name) {
            self.errors.push(SyntaxError::Unexpected {
                at: span,
                found: format!("keyword `{name}`"),
                expected: vec!["a name".into()],
                help: Some(format!("`{name}` is a keyword; choose another name")),
            });
        }
    }

    pub(super) fn item(&mut self, p: P<'_>) -> Option<Item> {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::env_decl => {
                let mut it = inner(p);
                it.next(); // env
                let name = self.ident(it.next()?);
                let value = self.expr(it.next()?);
                ItemKind::Env(EnvDecl { name, value })
            }
            Rule::task_decl => ItemKind::Task(self.task(p)?),
            Rule::fn_decl => {
                let mut is_async = false;
                let mut it = inner(p).peekable();
                if it.peek()?.as_rule() == Rule::kw_async {
                    is_async = true;
                    it.next();
                }
                it.next(); // fn
                let name = self.ident(it.next()?);
                let params = self.params(it.next()?);
                let (ret, body) = self.ret_and_body(it);
                ItemKind::Fn(FnDecl {
                    is_async,
                    name,
                    params,
                    ret,
                    body,
                })
            }
            Rule::struct_decl => {
                let mut it = inner(p);
                it.next(); // struct
                let name = self.ident(it.next()?);
                let fields = it
                    .map(|f| {
                        let mut fi = inner(f);
                        let name = self.ident(fi.next().unwrap());
                        let ty = self.type_expr(fi.next().unwrap());
                        StructField { name, ty }
                    })
                    .collect();
                ItemKind::Struct(StructDecl { name, fields })
            }
            Rule::import_decl => {
                let mut it = inner(p);
                it.next(); // import
                let s = it.next()?;
                let path_span = self.span(&s);
                let path = self.string(s);
                let alias = it.nth(1).map(|a| self.ident(a));
                ItemKind::Import(ImportDecl {
                    path,
                    path_span,
                    alias,
                })
            }
            _ => {
                let stmt = self.stmt(p);
                match stmt.kind {
                    StmtKind::Let { pattern, ty, value } => {
                        ItemKind::Let(LetDecl { pattern, ty, value })
                    }
                    _ => ItemKind::Stmt(stmt),
                }
            }
        };
        Some(Item { kind, span })
    }

    pub(super) fn task(&mut self, p: P<'_>) -> Option<TaskDecl> {
        let mut it = inner(p).peekable();
        let mut decorator = None;
        if it.peek()?.as_rule() == Rule::decorator {
            let d = it.next()?;
            let span = self.span(&d);
            let mut di = inner(d);
            let path = self.dotted(di.next()?);
            let args = di.next().map(|a| self.call_args(a));
            decorator = Some(Decorator { path, args, span });
        }
        let mut is_async = false;
        if it.peek()?.as_rule() == Rule::kw_async {
            is_async = true;
            it.next();
        }
        it.next(); // task
        let name = self.ident(it.next()?);
        let params = self.params(it.next()?);
        let (ret, body) = self.ret_and_body(it);
        Some(TaskDecl {
            decorator,
            func: FnDecl {
                is_async,
                name,
                params,
                ret,
                body,
            },
        })
    }

    pub(super) fn ret_and_body<'i>(
        &mut self,
        it: impl Iterator<Item = P<'i>>,
    ) -> (Option<TypeExpr>, Block) {
        let mut ret = None;
        let mut body = Block::default();
        for p in it {
            match p.as_rule() {
                Rule::ret_type => ret = Some(self.type_expr(inner(p).next().unwrap())),
                Rule::block => body = self.block(p),
                _ => {}
            }
        }
        (ret, body)
    }

    pub(super) fn params(&mut self, p: P<'_>) -> Vec<Param> {
        inner(p)
            .map(|param| {
                let span = self.span(&param);
                let mut it = inner(param);
                let name = self.ident(it.next().unwrap());
                let ty = self.type_expr(it.next().unwrap());
                let default = it.next().map(|d| self.expr(d));
                Param {
                    name,
                    ty,
                    default,
                    span,
                }
            })
            .collect()
    }

    pub(super) fn dotted(&mut self, p: P<'_>) -> Vec<Ident> {
        inner(p).map(|i| self.ident(i)).collect()
    }

    pub(super) fn type_expr(&mut self, p: P<'_>) -> TypeExpr {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::type_expr => {
                let mut parts: Vec<TypeExpr> = inner(p).map(|t| self.type_expr(t)).collect();
                if parts.len() == 1 {
                    parts.pop().unwrap()
                } else {
                    TypeExpr {
                        kind: TypeExprKind::Union(parts),
                        span,
                    }
                }
            }
            Rule::type_postfix => {
                let mut it = inner(p);
                let mut t = self.type_expr(it.next().unwrap());
                for mark in it {
                    let s = t.span.to(self.span(&mark));
                    t = TypeExpr {
                        kind: TypeExprKind::Optional(Box::new(t)),
                        span: s,
                    };
                }
                t
            }
            Rule::type_primary => self.type_expr(inner(p).next().unwrap()),
            Rule::type_none => TypeExpr {
                kind: TypeExprKind::None,
                span,
            },
            Rule::type_named => {
                let mut it = inner(p);
                let path = self.dotted(it.next().unwrap());
                let args = it.map(|a| self.type_expr(a)).collect();
                TypeExpr {
                    kind: TypeExprKind::Named { path, args },
                    span,
                }
            }
            r => unreachable!("not a type rule: {r:?}"),
        }
    }

    pub(super) fn block(&mut self, p: P<'_>) -> Block {
        let span = self.span(&p);
        Block {
            stmts: inner(p).map(|s| self.stmt(s)).collect(),
            span,
        }
    }

    pub(super) fn pattern(&mut self, p: P<'_>) -> Pattern {
        let q = inner(p).next().unwrap();
        match q.as_rule() {
            Rule::ident => Pattern::Name(self.ident(q)),
            _ => {
                let span = self.span(&q);
                Pattern::Tuple(inner(q).map(|x| self.pattern(x)).collect(), span)
            }
        }
    }

    pub(super) fn for_target(&mut self, p: P<'_>) -> Pattern {
        let span = self.span(&p);
        let mut pats: Vec<Pattern> = inner(p).map(|x| self.pattern(x)).collect();
        if pats.len() == 1 {
            pats.pop().unwrap()
        } else {
            Pattern::Tuple(pats, span)
        }
    }

    pub(super) fn stmt(&mut self, p: P<'_>) -> Stmt {
        let span = self.span(&p);
        let rule = p.as_rule();
        let mut it = inner(p);
        let kind = match rule {
            Rule::let_stmt => {
                it.next(); // let
                let pattern = self.pattern(it.next().unwrap());
                let mut ty = None;
                let mut next = it.next().unwrap();
                if next.as_rule() == Rule::type_expr {
                    ty = Some(self.type_expr(next));
                    next = it.next().unwrap();
                }
                let value = self.expr(next);
                StmtKind::Let { pattern, ty, value }
            }
            Rule::if_stmt => {
                it.next(); // if
                let cond = self.expr(it.next().unwrap());
                let block = self.block(it.next().unwrap());
                let mut branches = vec![(cond, block)];
                let mut else_block = None;
                for clause in it {
                    let rule = clause.as_rule();
                    let mut ci = inner(clause);
                    ci.next(); // elif / else
                    if rule == Rule::elif_clause {
                        let c = self.expr(ci.next().unwrap());
                        let b = self.block(ci.next().unwrap());
                        branches.push((c, b));
                    } else {
                        else_block = Some(self.block(ci.next().unwrap()));
                    }
                }
                StmtKind::If {
                    branches,
                    else_block,
                }
            }
            Rule::for_stmt => {
                it.next(); // for
                let pattern = self.for_target(it.next().unwrap());
                it.next(); // in
                let iter = self.expr(it.next().unwrap());
                let body = self.block(it.next().unwrap());
                StmtKind::For {
                    pattern,
                    iter,
                    body,
                }
            }
            Rule::while_stmt => {
                it.next();
                let cond = self.expr(it.next().unwrap());
                let body = self.block(it.next().unwrap());
                StmtKind::While { cond, body }
            }
            Rule::try_stmt => {
                it.next();
                let body = self.block(it.next().unwrap());
                let mut handlers = Vec::new();
                let mut finally = None;
                for clause in it {
                    let cspan = self.span(&clause);
                    let rule = clause.as_rule();
                    let mut ci = inner(clause);
                    ci.next(); // except / finally
                    if rule == Rule::finally_clause {
                        finally = Some(self.block(ci.next().unwrap()));
                        continue;
                    }
                    let mut types = Vec::new();
                    let mut binding = None;
                    let mut body = Block::default();
                    for part in ci {
                        match part.as_rule() {
                            Rule::except_types => {
                                types = inner(part).map(|d| self.dotted(d)).collect()
                            }
                            Rule::kw_as => {}
                            Rule::ident => binding = Some(self.ident(part)),
                            Rule::block => body = self.block(part),
                            _ => {}
                        }
                    }
                    handlers.push(ExceptClause {
                        types,
                        binding,
                        body,
                        span: cspan,
                    });
                }
                StmtKind::Try {
                    body,
                    handlers,
                    finally,
                }
            }
            Rule::with_stmt => {
                it.next();
                let context = self.expr(it.next().unwrap());
                let body = self.block(it.next().unwrap());
                StmtKind::With { context, body }
            }
            Rule::return_stmt => {
                it.next();
                StmtKind::Return(it.next().map(|e| self.expr(e)))
            }
            Rule::raise_stmt => {
                it.next();
                StmtKind::Raise(it.next().map(|e| self.expr(e)))
            }
            Rule::break_stmt => StmtKind::Break,
            Rule::continue_stmt => StmtKind::Continue,
            Rule::assign_stmt => {
                let target = self.expr(it.next().unwrap());
                let op = match it.next().unwrap().as_str() {
                    "+=" => AssignOp::Add,
                    "-=" => AssignOp::Sub,
                    "*=" => AssignOp::Mul,
                    "/=" => AssignOp::Div,
                    _ => AssignOp::Set,
                };
                let value = self.expr(it.next().unwrap());
                self.check_target(&target, op);
                StmtKind::Assign { target, op, value }
            }
            Rule::expr_stmt => StmtKind::Expr(self.expr(it.next().unwrap())),
            r => unreachable!("not a statement rule: {r:?}"),
        };
        Stmt { kind, span }
    }

    pub(super) fn check_target(&mut self, target: &Expr, op: AssignOp) {
        let what = match &target.kind {
            ExprKind::Name(_) | ExprKind::Index { .. } | ExprKind::Attr { .. } => return,
            ExprKind::Tuple(items) if op == AssignOp::Set => {
                for item in items {
                    self.check_target(item, op);
                }
                return;
            }
            ExprKind::Tuple(_) => "a tuple with an augmented assignment",
            ExprKind::Call { .. } => "a call",
            ExprKind::Slice { .. } => "a slice",
            ExprKind::List(_) => "a list",
            _ => "a literal",
        };
        self.errors.push(SyntaxError::InvalidTarget {
            at: target.span,
            what,
        });
    }
}
