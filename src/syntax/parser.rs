//! The parser: the pest grammar, an error-recovering driver, and the AST builder.
//!
//! Parsing a file goes:
//! 1. invalid UTF-8 bytes are reported (`E0101`) and replaced by spaces (offsets unchanged);
//! 2. the bracket pre-pass ([`super::brackets`]) reports bracket and lexical errors and writes
//!    the text pest reads;
//! 3. pest parses one top-level item at a time (`next_item`). After an error the driver skips
//!    to the next line that starts, at column 0, with a token that begins an item, and goes on,
//!    so one run reports every error it can recover from. A pest error whose cause the
//!    pre-pass already reported (an unclosed bracket earlier in the same item, say) is dropped;
//! 4. each item's parse tree becomes AST ([`Builder`]), with spans shifted to file offsets.
//!    Chains of binary operators are folded iteratively; the builder bounds the tree's depth
//!    ([`MAX_AST_DEPTH`]) so nothing after it can recurse without limit.
//!
//! The whole driver runs on a stack grown with `stacker`, so 200 nested brackets parse on any
//! thread, including test threads with 2 MiB stacks.

use super::ast::*;
use super::brackets::{self, prepass};
use super::error::SyntaxError;
use super::lexer::{tokenize, LexError, Token};
use crate::diagnostics::{FileId, Span};
use pest::iterators::Pair;
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/flyte.pest"]
pub struct FlyteParser;

/// How deep an expression tree may be (counting each operator of a chain as a level).
pub const MAX_AST_DEPTH: usize = 1000;

/// Stack to run the parser on.
const PARSE_STACK: usize = 256 << 20;

/// The result of parsing one file: the items that parsed, and every syntax error.
#[derive(Debug, Default)]
pub struct Parsed {
    pub module: Module,
    pub errors: Vec<SyntaxError>,
    /// The source as parsed (invalid UTF-8 replaced by spaces).
    pub text: String,
}

/// Parses raw bytes, reporting invalid UTF-8 instead of failing.
pub fn parse_bytes(bytes: &[u8], file: FileId) -> Parsed {
    let mut errors = Vec::new();
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let mut fixed = bytes.to_vec();
            let mut at = 0;
            while let Err(e) = std::str::from_utf8(&fixed[at..]) {
                let start = at + e.valid_up_to();
                let len = e.error_len().unwrap_or(fixed.len() - start);
                if errors.len() < 20 {
                    errors.push(SyntaxError::InvalidUtf8 {
                        at: Span::new(file, start, start + len),
                    });
                }
                for b in &mut fixed[start..start + len] {
                    *b = b' ';
                }
                at = start + len;
            }
            String::from_utf8(fixed).expect("invalid bytes were replaced")
        }
    };
    let mut parsed = parse(&text, file);
    errors.append(&mut parsed.errors);
    parsed.errors = errors;
    parsed.text = text;
    parsed
}

/// Parses a whole file.
pub fn parse(src: &str, file: FileId) -> Parsed {
    stacker::grow(PARSE_STACK, || {
        parse_on_big_stack(src, file, Rule::next_item)
    })
}

fn parse_on_big_stack(src: &str, file: FileId, rule: Rule) -> Parsed {
    let pre = prepass(src, file);
    let mut errors = pre.errors;
    let mut causes: Vec<u32> = errors.iter().map(SyntaxError::cause).collect();
    causes.sort_unstable();
    let input = pre.pest_input.as_str();
    let mut builder = Builder {
        file,
        base: 0,
        errors: Vec::new(),
        depth: 0,
        too_deep_reported: false,
    };
    let mut items = Vec::new();
    let mut pos = 0usize;
    while pos <= input.len() {
        match FlyteParser::parse(rule, &input[pos..]) {
            Ok(mut pairs) => {
                let top = pairs.next().expect("next_item always yields one pair");
                let end = top.as_span().end();
                let mut at_eof = false;
                builder.base = pos;
                for inner in top.into_inner() {
                    match inner.as_rule() {
                        Rule::eof | Rule::EOI => at_eof = true,
                        _ => {
                            if let Some(item) = builder.item(inner) {
                                items.push(item);
                            }
                        }
                    }
                }
                if at_eof || end == 0 {
                    break;
                }
                pos += end;
            }
            Err(e) => {
                let rel = match e.location {
                    pest::error::InputLocation::Pos(p) => p,
                    pest::error::InputLocation::Span((s, _)) => s,
                };
                let abs = pos + rel;
                let caused_by_earlier = causes
                    .iter()
                    .any(|&c| (c as usize) >= pos && (c as usize) <= abs);
                if !caused_by_earlier {
                    errors.push(describe_pest_error(src, input, pos, abs, file, rule));
                }
                match resync(src, abs) {
                    Some(next) => pos = next,
                    None => break,
                }
            }
        }
    }
    errors.append(&mut builder.errors);
    errors.sort_by_key(|e| {
        let s = e.to_diagnostic().primary_span().unwrap_or_default();
        (s.start, s.end)
    });
    Parsed {
        module: Module { file, items },
        errors,
        text: String::new(),
    }
}

/// The start of the next line after `from` that begins, at column 0, with a token that can
/// only start a top-level item.
fn resync(src: &str, from: usize) -> Option<usize> {
    let bytes = src.as_bytes();
    let mut i = from.min(bytes.len());
    loop {
        let nl = bytes[i..].iter().position(|&b| b == b'\n')?;
        i += nl + 1;
        let line_end = bytes[i..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| i + p);
        if let Some((Ok(tok), r)) = tokenize(&src[i..line_end]).next() {
            if r.start == 0 && brackets::starts_item(tok) {
                return Some(i);
            }
        }
    }
}

/// A description of the token at `at` for "unexpected X".
fn describe_token(src: &str, at: usize) -> (String, usize) {
    match tokenize(&src[at.min(src.len())..]).next() {
        None => ("end of file".into(), 0),
        Some((tok, r)) => {
            let text = &src[at + r.start..at + r.end];
            let shown: String = text.chars().take(30).collect();
            let d = match tok {
                Ok(Token::Newline) => "end of line".to_string(),
                Ok(Token::Ident) => format!("name `{shown}`"),
                Ok(Token::Int | Token::Float) => format!("number `{shown}`"),
                Ok(Token::Duration) => format!("duration `{shown}`"),
                Ok(Token::Str | Token::FStr) => "string".to_string(),
                Ok(t) if t.is_keyword() => format!("keyword `{shown}`"),
                Ok(_) => format!("`{shown}`"),
                Err(LexError::UnterminatedString) => "unterminated string".to_string(),
                Err(_) => format!("`{shown}`"),
            };
            (d, r.end.max(1))
        }
    }
}

fn friendly_rule(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        ident | attr_name | dotted_name | pattern | for_target => "a name",
        expr | or_expr | and_expr | not_expr | comparison | sum | product | unary | power
        | await_expr | postfix_expr | duration | float | int | string | fstring | paren_expr
        | list_expr | dict_expr | kw_true | kw_false | kw_none | pos_arg | kw_arg | spread_arg
        | slice | dict_entry | op_neg | op_not | kw_await => "an expression",
        type_expr | type_postfix | type_primary | type_named | type_none => "a type",
        block => "`{`",
        params => "`(`",
        param => "a parameter",
        struct_field => "a field",
        ret_type => "`->`",
        call_args => "`(`",
        index => "`[`",
        attribute => "`.`",
        assign_op => "`=`",
        cmp_op | op_eq | op_ne | op_lt | op_le | op_gt | op_ge | op_in | op_not_in | op_add
        | op_sub | op_mul | op_div | op_floordiv | op_mod | op_pow | op_and | op_or => {
            "an operator"
        }
        env_decl | task_decl | fn_decl | struct_decl | import_decl | decorator => "a declaration",
        let_stmt | if_stmt | for_stmt | while_stmt | try_stmt | with_stmt | return_stmt
        | raise_stmt | break_stmt | continue_stmt | assign_stmt | expr_stmt => "a statement",
        kw_env => "`env`",
        kw_task => "`task`",
        kw_fn => "`fn`",
        kw_in => "`in`",
        kw_else => "`else`",
        kw_as => "`as`",
        kw_if => "`if`",
        kw_for => "`for`",
        elif_clause => "`elif`",
        else_clause => "`else`",
        except_clause => "`except`",
        finally_clause => "`finally`",
        comp_for => "`for`",
        comp_if => "`if`",
        optional_mark => "`?`",
        tuple_comma => "`,`",
        EOI | eof => "end of file",
        string_text | escape | bad_escape | fstring_text | fstring_brace | fstring_field => "`\"`",
        _ => return None,
    })
}

const PUNCT: &[&str] = &[
    ")", "]", "}", ",", "(", "[", "{", ":", "=", "->", ".", "?", "|", "@", ";",
];

fn describe_pest_error(
    src: &str,
    input: &str,
    base: usize,
    abs: usize,
    file: FileId,
    rule: Rule,
) -> SyntaxError {
    // Re-parse with pest's detail tracking (only on this error path) for the literal tokens
    // it expected, then add the rules it tried, by friendly name.
    pest::set_error_detail(true);
    let detailed = FlyteParser::parse(rule, &input[base..]).err();
    pest::set_error_detail(false);
    let mut expected: Vec<String> = Vec::new();
    if let Some(err) = &detailed {
        if let Some(attempts) = err.parse_attempts() {
            for tok in attempts.expected_tokens() {
                // (pest does not export the token type; its Display is the literal itself.)
                let token = tok.to_string();
                if PUNCT.contains(&token.as_str()) {
                    expected.push(format!("`{token}`"));
                }
            }
        }
        if let pest::error::ErrorVariant::ParsingError { positives, .. } = &err.variant {
            for r in positives {
                if let Some(name) = friendly_rule(*r) {
                    expected.push(name.to_string());
                }
            }
        }
    }
    let order = |s: &String| -> usize {
        match s.as_str() {
            "`)`" | "`]`" | "`}`" => 0,
            "`,`" => 1,
            "an operator" => 9,
            "end of file" => 8,
            _ => 5,
        }
    };
    expected.sort_by_key(|s| (order(s), s.clone()));
    expected.dedup();
    expected.truncate(6);
    let (found, len) = describe_token(src, abs);
    let in_fstring = tokenize(&src[..])
        .skip_while(|(_, r)| r.end <= abs)
        .next()
        .is_some_and(|(t, r)| t == Ok(Token::FStr) && r.start < abs);
    let at = Span::new(file, abs, (abs + len).min(src.len()));
    if in_fstring {
        if src[abs..].starts_with('}') {
            return SyntaxError::InvalidFString {
                at: Span::new(file, abs, abs + 1),
                message: if src[..abs].ends_with('{') {
                    "empty expression in an f-string"
                } else {
                    "single `}` in an f-string"
                },
                help: "write `{{` or `}}` for a literal brace, and `{expr}` for a value",
            };
        }
    }
    let help = if found == "end of line" && expected.iter().any(|e| e == "`{`") {
        Some("a block's `{` must be on the same line as its header".to_string())
    } else if found == "`=`" && expected.iter().any(|e| e == "an operator") {
        Some("to compare, write `==`; to bind a name, start the statement with `let`".to_string())
    } else {
        None
    };
    SyntaxError::Unexpected {
        at,
        found,
        expected,
        help,
    }
}

// ---------------------------------------------------------------------------------------------
// The AST builder
// ---------------------------------------------------------------------------------------------

struct Builder {
    file: FileId,
    /// Offset of the parsed slice in the file.
    base: usize,
    errors: Vec<SyntaxError>,
    /// Depth of the expression being built, counting operator chains.
    depth: usize,
    too_deep_reported: bool,
}

type P<'i> = Pair<'i, Rule>;

fn inner(p: P<'_>) -> pest::iterators::Pairs<'_, Rule> {
    p.into_inner()
}

impl Builder {
    fn span(&self, p: &P<'_>) -> Span {
        let s = p.as_span();
        Span::new(self.file, self.base + s.start(), self.base + s.end())
    }

    fn ident(&self, p: P<'_>) -> Ident {
        debug_assert_eq!(p.as_rule(), Rule::ident);
        Ident {
            name: Name::new(p.as_str()),
            span: self.span(&p),
        }
    }

    fn item(&mut self, p: P<'_>) -> Option<Item> {
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

    fn task(&mut self, p: P<'_>) -> Option<TaskDecl> {
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
            is_async,
            name,
            params,
            ret,
            body,
        })
    }

    fn ret_and_body<'i>(&mut self, it: impl Iterator<Item = P<'i>>) -> (Option<TypeExpr>, Block) {
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

    fn params(&mut self, p: P<'_>) -> Vec<Param> {
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

    fn dotted(&self, p: P<'_>) -> Vec<Ident> {
        inner(p).map(|i| self.ident(i)).collect()
    }

    fn type_expr(&mut self, p: P<'_>) -> TypeExpr {
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

    fn block(&mut self, p: P<'_>) -> Block {
        let span = self.span(&p);
        Block {
            stmts: inner(p).map(|s| self.stmt(s)).collect(),
            span,
        }
    }

    fn pattern(&mut self, p: P<'_>) -> Pattern {
        let q = inner(p).next().unwrap();
        match q.as_rule() {
            Rule::ident => Pattern::Name(self.ident(q)),
            _ => {
                let span = self.span(&q);
                Pattern::Tuple(inner(q).map(|x| self.pattern(x)).collect(), span)
            }
        }
    }

    fn for_target(&mut self, p: P<'_>) -> Pattern {
        let span = self.span(&p);
        let mut pats: Vec<Pattern> = inner(p).map(|x| self.pattern(x)).collect();
        if pats.len() == 1 {
            pats.pop().unwrap()
        } else {
            Pattern::Tuple(pats, span)
        }
    }

    fn stmt(&mut self, p: P<'_>) -> Stmt {
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

    fn check_target(&mut self, target: &Expr, op: AssignOp) {
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

    // --- expressions ---------------------------------------------------------------------

    fn enter(&mut self, extra: usize, span: Span) -> bool {
        self.depth += extra;
        if self.depth > MAX_AST_DEPTH {
            if !self.too_deep_reported {
                self.too_deep_reported = true;
                self.errors.push(SyntaxError::TooDeep {
                    at: span,
                    limit: MAX_AST_DEPTH,
                    what: "expressions",
                });
            }
            self.depth -= extra;
            return false;
        }
        true
    }

    fn expr(&mut self, p: P<'_>) -> Expr {
        let span = self.span(&p);
        if !self.enter(1, span) {
            return Expr {
                kind: ExprKind::None,
                span,
            };
        }
        let e = self.expr_inner(p, span);
        self.depth -= 1;
        e
    }

    fn expr_inner(&mut self, p: P<'_>, span: Span) -> Expr {
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
            Rule::or_expr | Rule::and_expr | Rule::sum | Rule::product => self.fold_binary(p),
            Rule::not_expr | Rule::unary => {
                let pairs: Vec<P<'_>> = inner(p).collect();
                let (ops, operand) = pairs.split_at(pairs.len() - 1);
                if ops.is_empty() {
                    return self.expr(operand[0].clone());
                }
                if !self.enter(ops.len(), span) {
                    return Expr {
                        kind: ExprKind::None,
                        span,
                    };
                }
                let mut e = self.expr(operand[0].clone());
                self.depth -= ops.len();
                for op in ops.iter().rev() {
                    let s = self.span(op).to(e.span);
                    let op = if op.as_rule() == Rule::op_not {
                        UnaryOp::Not
                    } else {
                        UnaryOp::Neg
                    };
                    e = Expr {
                        kind: ExprKind::Unary {
                            op,
                            operand: Box::new(e),
                        },
                        span: s,
                    };
                }
                e
            }
            Rule::comparison => {
                let mut it = inner(p);
                let first = self.expr(it.next().unwrap());
                let mut rest = Vec::new();
                while let Some(op) = it.next() {
                    let op = match inner(op).next().unwrap().as_rule() {
                        Rule::op_eq => CmpOp::Eq,
                        Rule::op_ne => CmpOp::Ne,
                        Rule::op_lt => CmpOp::Lt,
                        Rule::op_le => CmpOp::Le,
                        Rule::op_gt => CmpOp::Gt,
                        Rule::op_ge => CmpOp::Ge,
                        Rule::op_in => CmpOp::In,
                        _ => CmpOp::NotIn,
                    };
                    rest.push((op, self.expr(it.next().unwrap())));
                }
                if rest.is_empty() {
                    first
                } else {
                    Expr {
                        kind: ExprKind::Compare {
                            first: Box::new(first),
                            rest,
                        },
                        span,
                    }
                }
            }
            Rule::power => {
                let mut it = inner(p);
                let base = self.expr(it.next().unwrap());
                match it.next() {
                    None => base,
                    Some(_op) => {
                        let exp = self.expr(it.next().unwrap());
                        Expr {
                            kind: ExprKind::Binary {
                                op: BinOp::Pow,
                                lhs: Box::new(base),
                                rhs: Box::new(exp),
                            },
                            span,
                        }
                    }
                }
            }
            Rule::await_expr => {
                let pairs: Vec<P<'_>> = inner(p).collect();
                let (awaits, operand) = pairs.split_at(pairs.len() - 1);
                if awaits.is_empty() {
                    return self.expr(operand[0].clone());
                }
                if !self.enter(awaits.len(), span) {
                    return Expr {
                        kind: ExprKind::None,
                        span,
                    };
                }
                let mut e = self.expr(operand[0].clone());
                self.depth -= awaits.len();
                for a in awaits.iter().rev() {
                    let s = self.span(a).to(e.span);
                    e = Expr {
                        kind: ExprKind::Await(Box::new(e)),
                        span: s,
                    };
                }
                e
            }
            Rule::postfix_expr => {
                let pairs: Vec<P<'_>> = inner(p).collect();
                let n = pairs.len() - 1;
                if !self.enter(n, span) {
                    return Expr {
                        kind: ExprKind::None,
                        span,
                    };
                }
                let mut it = pairs.into_iter();
                let mut e = self.expr(it.next().unwrap());
                for post in it {
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
                                name: Ident {
                                    name: Name::new(n.as_str()),
                                    span: self.span(&n),
                                },
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
                self.depth -= n;
                e
            }
            Rule::ident => Expr {
                kind: ExprKind::Name(Name::new(p.as_str())),
                span,
            },
            Rule::int => {
                let text: String = p.as_str().chars().filter(|&c| c != '_').collect();
                let v = match text.strip_prefix("0x") {
                    Some(hex) => i64::from_str_radix(hex, 16),
                    None => text.parse::<i64>(),
                };
                let v = v.unwrap_or_else(|_| {
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
                            let spec = fi.next().map(|s| s.as_str().to_string());
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
                let mut it = inner(p).peekable();
                let mut items = Vec::new();
                let mut is_tuple = false;
                while let Some(x) = it.next() {
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
                    // A parenthesised expression keeps its inner span.
                    items.pop().unwrap()
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

    fn comp_clause(&mut self, p: P<'_>) -> CompClause {
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

    /// Folds `a op b op c` left-associatively, without recursion.
    fn fold_binary(&mut self, p: P<'_>) -> Expr {
        let span = self.span(&p);
        let pairs: Vec<P<'_>> = inner(p).collect();
        let n_ops = pairs.len() / 2;
        if n_ops == 0 {
            return self.expr(pairs.into_iter().next().unwrap());
        }
        if !self.enter(n_ops, span) {
            return Expr {
                kind: ExprKind::None,
                span,
            };
        }
        let mut it = pairs.into_iter();
        let mut lhs = self.expr(it.next().unwrap());
        while let Some(op) = it.next() {
            let op = match op.as_rule() {
                Rule::op_or => BinOp::Or,
                Rule::op_and => BinOp::And,
                Rule::op_add => BinOp::Add,
                Rule::op_sub => BinOp::Sub,
                Rule::op_mul => BinOp::Mul,
                Rule::op_div => BinOp::Div,
                Rule::op_floordiv => BinOp::FloorDiv,
                _ => BinOp::Mod,
            };
            let rhs = self.expr(it.next().unwrap());
            let s = lhs.span.to(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span: s,
            };
        }
        self.depth -= n_ops;
        lhs
    }

    fn call_args(&mut self, p: P<'_>) -> Vec<Arg> {
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

    fn string(&mut self, p: P<'_>) -> String {
        let mut out = String::new();
        for part in inner(p) {
            self.string_piece(part, &mut out);
        }
        out
    }

    fn string_piece(&mut self, part: P<'_>, out: &mut String) {
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

/// Parses one type written on its own (`list[int]`, `str?`), as hosts and the REPL need.
pub fn parse_type(src: &str, file: FileId) -> Result<TypeExpr, SyntaxError> {
    match FlyteParser::parse(Rule::type_only, src) {
        Ok(mut pairs) => {
            let top = pairs.next().unwrap();
            let mut b = Builder {
                file,
                base: 0,
                errors: Vec::new(),
                depth: 0,
                too_deep_reported: false,
            };
            let t = b.type_expr(inner(top).next().unwrap());
            match b.errors.pop() {
                Some(e) => Err(e),
                None => Ok(t),
            }
        }
        Err(e) => {
            let at = match e.location {
                pest::error::InputLocation::Pos(p) => p,
                pest::error::InputLocation::Span((s, _)) => s,
            };
            let (found, len) = describe_token(src, at);
            Err(SyntaxError::Unexpected {
                at: Span::new(file, at, (at + len).min(src.len())),
                found,
                expected: vec!["a type".into()],
                help: None,
            })
        }
    }
}
