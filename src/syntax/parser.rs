//! The parser: the pest grammar, an error-recovering driver, and the AST builder.
//!
//! Parsing a file goes:
//! 1. invalid UTF-8 bytes are reported (`E0101`) and replaced by spaces (offsets unchanged);
//! 2. the bracket pre-pass ([`super::brackets`]) reports bracket and lexical errors and writes
//!    the text pest reads;
//! 3. pest parses one top-level item at a time (`next_item`). After an error the driver skips
//!    to the next line that starts, at column 0, with a token that begins an item, and goes on,
//!    so one run reports every error it can recover from. A pest error whose cause the
//!    pre-pass already reported (an unclosed bracket earlier in the same item, say) is dropped.
//!    An error inside a task decorator's arguments (`@env(timeout = 10min)`) costs only the
//!    arguments that do not parse: they are blanked out and the task parsed again, so it keeps
//!    its environment and the rest of its settings;
//! 4. each item's parse tree becomes AST (the `Builder`), with spans shifted to file offsets.
//!    Operator precedence is applied with an iterative shunting-yard; an item whose expression
//!    tree is deeper than [`MAX_AST_DEPTH`] is reported (`E0104`) and dropped, so nothing after
//!    the parser can recurse without limit.
//!
//! The whole driver runs on a stack grown with `stacker`, so 200 nested brackets parse on any
//! thread, including test threads with 2 MiB stacks.

use super::ast::*;
use super::brackets::{self, prepass};
use super::error::SyntaxError;
use super::lexer::{tokenize, LexError, Token, KEYWORDS};
use crate::diagnostics::{FileId, Span};
use pest::iterators::Pair;
use pest::Parser as _;
use std::rc::Rc;

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
                let count = errors.len();
                match errors.last_mut() {
                    // Adjacent bad bytes are one error.
                    Some(SyntaxError::InvalidUtf8 { at }) if at.end as usize == start => {
                        at.end = (start + len) as u32
                    }
                    _ if count < 20 => errors.push(SyntaxError::InvalidUtf8 {
                        at: Span::new(file, start, start + len),
                    }),
                    _ => {}
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
    // Shared with the builder; replaced (offsets unchanged) when a decorator's bad arguments
    // are blanked out.
    let mut text: Rc<str> = Rc::from(pre.pest_input.as_str());
    let mut builder = Builder {
        file,
        input: text.clone(),
        min_literals: Vec::new(),
        base: 0,
        errors: Vec::new(),
        too_deep_reported: false,
    };
    let mut items = Vec::new();
    let mut pos = 0usize;
    while pos <= text.len() {
        let input = text.clone();
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
                                // A tree deeper than the limit is dropped here, on the big
                                // stack, so later phases never recurse deeper than the limit.
                                match item.deepest_expr(MAX_AST_DEPTH) {
                                    Some(at) => builder.too_deep(at),
                                    None => {
                                        builder.check_min_literals(&item);
                                        items.push(item)
                                    }
                                }
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
                    errors.push(describe_pest_error(src, &input, pos, abs, file, rule));
                }
                if let Some(patched) = blank_bad_decorator_args(&input, pos, abs) {
                    // Parse the same item again, its decorator keeping the arguments that parse.
                    text = Rc::from(patched);
                    builder.input = text.clone();
                    continue;
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

/// After a syntax error inside a decorator's arguments (`@env(timeout = 10min)`), the text
/// with each argument that does not parse on its own blanked out (with a comma next to it), so
/// the task still parses with its decorator and its other arguments: a typo in one argument
/// must not also put the task in no environment (`E0213`) and hide its other errors. Offsets
/// are unchanged. `None` when the item at `pos` is not a decorated task, the error `err` is not
/// between the decorator's parentheses, or no single argument is to blame.
fn blank_bad_decorator_args(input: &str, pos: usize, err: usize) -> Option<String> {
    let mut toks = tokenize(&input[pos..])
        .map(|(t, r)| (t, pos + r.start..pos + r.end))
        .skip_while(|(t, _)| matches!(t, Ok(Token::Newline | Token::Comment | Token::Semi)));
    if toks.next()?.0 != Ok(Token::At) || toks.next()?.0 != Ok(Token::Ident) {
        return None;
    }
    let open = loop {
        match toks.next()? {
            (Ok(Token::Dot), _) if matches!(toks.next()?.0, Ok(Token::Ident)) => {}
            (Ok(Token::LParen), r) => break r.end,
            _ => return None,
        }
    };
    // The arguments: (start, end) ranges between the parentheses' top-level commas.
    let mut chunks = Vec::new();
    let mut start = open;
    let mut depth = 0u32;
    let close = loop {
        let (t, r) = toks.next()?;
        match t {
            Ok(Token::LParen | Token::LBracket | Token::LBrace) => depth += 1,
            Ok(Token::RParen) if depth == 0 => break r.start,
            Ok(Token::RParen | Token::RBracket | Token::RBrace) => depth = depth.checked_sub(1)?,
            Ok(Token::Comma) if depth == 0 => {
                chunks.push((start, r.start));
                start = r.end;
            }
            _ => {}
        }
    };
    chunks.push((start, close));
    if !(open..=close).contains(&err) {
        return None;
    }
    // Only a task takes a decorator: anything else after it stays one error.
    let mut after = toks.filter(|(t, _)| !matches!(t, Ok(Token::Newline | Token::Comment)));
    match after.next()?.0 {
        Ok(Token::Task) => {}
        Ok(Token::Async) if after.next()?.0 == Ok(Token::Task) => {}
        _ => return None,
    }
    let parses = |arg: &str| {
        let wrapped = format!("({arg})");
        FlyteParser::parse(Rule::call_args, &wrapped)
            .is_ok_and(|mut p| p.next().is_some_and(|p| p.as_span().end() == wrapped.len()))
    };
    let mut bytes = input.as_bytes().to_vec();
    let mut blanked = false;
    for (i, &(s, e)) in chunks.iter().enumerate() {
        if input[s..e].trim().is_empty() || parses(&input[s..e]) {
            continue;
        }
        // With its comma: the one after it, or for the last argument the one before.
        let (s, e) = match chunks.get(i + 1) {
            Some(&(next, _)) => (s, next),
            None if i > 0 => (chunks[i - 1].1, e),
            None => (s, e),
        };
        for b in &mut bytes[s..e] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
        blanked = true;
    }
    blanked.then(|| String::from_utf8(bytes).expect("whole tokens were blanked"))
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
        expr | binary | operand | duration | float | int | string | fstring | paren_expr
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
        op_eq | op_ne | op_lt | op_le | op_gt | op_ge | op_in | op_not_in | op_add | op_sub
        | op_mul | op_div | op_floordiv | op_mod | op_pow | op_and | op_or => "an operator",
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
    let in_fstring = tokenize(src)
        .find(|(_, r)| r.end > abs)
        .is_some_and(|(t, r)| t == Ok(Token::FStr) && r.start < abs);
    let at = Span::new(file, abs, (abs + len).min(src.len()));
    if in_fstring && src[abs..].starts_with('}') {
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
    let help = if found == "end of line" && expected.iter().any(|e| e == "`{`") {
        Some("a block's `{` must be on the same line as its header".to_string())
    } else if found == "keyword `if`" && src[..abs].trim_end().ends_with("else") {
        Some("write `elif` for another condition".to_string())
    } else if let Some(k) = super::error::misspelled_keyword(src, abs) {
        Some(format!("did you mean `{k}`?"))
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
    /// The text pest parses (for trimming spans).
    input: Rc<str>,
    /// Spans of `9223372036854775808` literals, valid only when negated.
    min_literals: Vec<Span>,
    /// Offset of the parsed slice in the file.
    base: usize,
    errors: Vec<SyntaxError>,
    too_deep_reported: bool,
}

type P<'i> = Pair<'i, Rule>;

fn inner(p: P<'_>) -> pest::iterators::Pairs<'_, Rule> {
    p.into_inner()
}

impl Builder {
    /// The span of a pair in file offsets, without the whitespace and comments pest keeps at
    /// the end of a rule whose last part matched nothing.
    fn span(&self, p: &P<'_>) -> Span {
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

    fn ident(&mut self, p: P<'_>) -> Ident {
        debug_assert_eq!(p.as_rule(), Rule::ident);
        let span = self.span(&p);
        self.not_a_keyword(p.as_str(), span);
        Ident::new(p.as_str(), span)
    }

    fn not_a_keyword(&mut self, name: &str, span: Span) {
        if KEYWORDS.contains(&name) {
            self.errors.push(SyntaxError::Unexpected {
                at: span,
                found: format!("keyword `{name}`"),
                expected: vec!["a name".into()],
                help: Some(format!("`{name}` is a keyword; choose another name")),
            });
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
                    frame_size: 0,
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
            func: FnDecl {
                is_async,
                name,
                params,
                ret,
                body,
                frame_size: 0,
            },
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

    fn dotted(&mut self, p: P<'_>) -> Vec<Ident> {
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
            ExprKind::Name(_, _) | ExprKind::Index { .. } | ExprKind::Attr { .. } => return,
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

    fn expr(&mut self, p: P<'_>) -> Expr {
        let span = self.span(&p);
        self.expr_inner(p, span)
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
                    kind: ExprKind::Name(Name::new(p.as_str()), Slot::UNRESOLVED),
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

    /// Builds `prefix* primary postfix*`: the prefix operators (applied by the caller, which
    /// knows their precedence) and the primary with its postfix chain, built iteratively.
    fn operand(&mut self, p: P<'_>) -> (Vec<(Prefix, Span)>, Expr) {
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
    fn check_min_literals(&mut self, item: &Item) {
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

    fn too_deep(&mut self, at: Span) {
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
    fn binary(&mut self, p: P<'_>) -> Expr {
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

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Prefix {
    Not,
    Neg,
    Await,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Infix {
    Or,
    And,
    Cmp(CmpOp),
    Bin(BinOp),
}

impl Infix {
    fn of(rule: Rule) -> Infix {
        match rule {
            Rule::op_or => Infix::Or,
            Rule::op_and => Infix::And,
            Rule::op_eq => Infix::Cmp(CmpOp::Eq),
            Rule::op_ne => Infix::Cmp(CmpOp::Ne),
            Rule::op_lt => Infix::Cmp(CmpOp::Lt),
            Rule::op_le => Infix::Cmp(CmpOp::Le),
            Rule::op_gt => Infix::Cmp(CmpOp::Gt),
            Rule::op_ge => Infix::Cmp(CmpOp::Ge),
            Rule::op_in => Infix::Cmp(CmpOp::In),
            Rule::op_not_in => Infix::Cmp(CmpOp::NotIn),
            Rule::op_add => Infix::Bin(BinOp::Add),
            Rule::op_sub => Infix::Bin(BinOp::Sub),
            Rule::op_mul => Infix::Bin(BinOp::Mul),
            Rule::op_div => Infix::Bin(BinOp::Div),
            Rule::op_floordiv => Infix::Bin(BinOp::FloorDiv),
            Rule::op_mod => Infix::Bin(BinOp::Mod),
            Rule::op_pow => Infix::Bin(BinOp::Pow),
            r => unreachable!("not an infix operator: {r:?}"),
        }
    }

    /// Precedence, loosest 1 to tightest; prefix `not` is 3, unary `-` 7, `await` 9.
    fn prec(self) -> u8 {
        match self {
            Infix::Or => 1,
            Infix::And => 2,
            Infix::Cmp(_) => 4,
            Infix::Bin(BinOp::Add | BinOp::Sub) => 5,
            Infix::Bin(BinOp::Pow) => 8,
            Infix::Bin(_) => 6,
        }
    }

    fn right_assoc(self) -> bool {
        self == Infix::Bin(BinOp::Pow)
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Prefix(Prefix, Span),
    Infix(Infix),
}

impl Op {
    fn prec(&self) -> u8 {
        match self {
            Op::Prefix(Prefix::Not, _) => 3,
            Op::Prefix(Prefix::Neg, _) => 7,
            Op::Prefix(Prefix::Await, _) => 9,
            Op::Infix(i) => i.prec(),
        }
    }
}

/// `min_literals`: the spans of `9223372036854775808` literals (read as i64::MIN).
fn apply_prefix(op: Prefix, at: Span, e: Expr, min_literals: &[Span]) -> Expr {
    let span = at.to(e.span);
    if op == Prefix::Neg && e.kind == ExprKind::Int(i64::MIN) && min_literals.contains(&e.span) {
        // `-9223372036854775808`: the literal was read as i64::MIN already. Only the literal
        // itself: `-(-9223372036854775808)` negates i64::MIN (an OverflowError).
        return Expr {
            kind: ExprKind::Int(i64::MIN),
            span,
        };
    }
    let kind = match op {
        Prefix::Not => ExprKind::Unary {
            op: UnaryOp::Not,
            operand: Box::new(e),
        },
        Prefix::Neg => ExprKind::Unary {
            op: UnaryOp::Neg,
            operand: Box::new(e),
        },
        Prefix::Await => ExprKind::Await(Box::new(e)),
    };
    Expr { kind, span }
}

/// Pops the operands of `op` from `out` and pushes the node it builds.
fn reduce(out: &mut Vec<(Expr, bool)>, op: Op, min_literals: &[Span]) {
    match op {
        Op::Prefix(p, at) => {
            let (e, _) = out.pop().expect("a prefix operator has an operand");
            out.push((apply_prefix(p, at, e, min_literals), false));
        }
        Op::Infix(infix) => {
            let (rhs, _) = out.pop().expect("an infix operator has a right operand");
            let (lhs, open) = out.pop().expect("an infix operator has a left operand");
            let span = lhs.span.to(rhs.span);
            match infix {
                Infix::Cmp(c) => {
                    if open {
                        if let ExprKind::Compare { first, mut rest } = lhs.kind {
                            rest.push((c, rhs));
                            out.push((
                                Expr {
                                    kind: ExprKind::Compare { first, rest },
                                    span,
                                },
                                true,
                            ));
                            return;
                        }
                        unreachable!("an open chain is a Compare");
                    }
                    out.push((
                        Expr {
                            kind: ExprKind::Compare {
                                first: Box::new(lhs),
                                rest: vec![(c, rhs)],
                            },
                            span,
                        },
                        true,
                    ));
                }
                _ => {
                    let op = match infix {
                        Infix::Or => BinOp::Or,
                        Infix::And => BinOp::And,
                        Infix::Bin(b) => b,
                        Infix::Cmp(_) => unreachable!(),
                    };
                    out.push((
                        Expr {
                            kind: ExprKind::Binary {
                                op,
                                lhs: Box::new(lhs),
                                rhs: Box::new(rhs),
                            },
                            span,
                        },
                        false,
                    ));
                }
            }
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
                input: Rc::from(src),
                min_literals: Vec::new(),
                base: 0,
                errors: Vec::new(),
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
