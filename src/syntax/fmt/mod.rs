//! `flyte-dsl fmt`: one canonical layout for `.flyte` files.
//!
//! The formatter prints the AST again (4-space indents, one statement per line, blocks opened
//! on the line of their header, spaces around operators and keyword `=`) and puts every
//! comment back: a comment on its own line stays on its own line before the code that followed
//! it, a comment after code stays at the end of that code's line. A bracketed list, call,
//! dict, tuple or parameter list is written on one line when it fits in 100 columns and holds
//! no comment, else one element per line with a trailing comma. Blank lines between statements
//! are kept (at most one); tasks, functions and structs get one before and after.
//!
//! Its promises, tested over every `.flyte` file of the repository: the AST of the output is
//! the AST of the input, every comment is kept, and formatting the output changes nothing.
//!
//! ```
//! let out = flyte_dsl::syntax::fmt::format_source("fn f(x:int)->int{return x*2}  # double\n").unwrap();
//! assert_eq!(out, "fn f(x: int) -> int {\n    return x * 2\n}  # double\n");
//! ```

mod expr;

use super::ast::*;
use super::lexer::{tokenize, Token};

/// The widest line the formatter writes on its own (a longer literal or name still goes on).
pub const WIDTH: usize = 100;

/// Formats a whole file. `Err` with the syntax errors when it does not parse (the file is then
/// left as it is).
pub fn format_source(src: &str) -> Result<String, Vec<super::SyntaxError>> {
    let parsed = super::parse(src, FileId(0));
    if !parsed.errors.is_empty() {
        return Err(parsed.errors);
    }
    // Printing recurses once per nesting level, which the parser bounds (1,000 expression
    // levels): a stack of its own, as the parser has.
    Ok(stacker::grow(64 << 20, || {
        format_module(&parsed.module, src)
    }))
}

/// Formats a parsed module whose spans point into `src`.
pub fn format_module(module: &Module, src: &str) -> String {
    let mut f = Fmt::new(src);
    let mut prev: Option<&Item> = None;
    for item in &module.items {
        let tall = |i: &Item| {
            matches!(
                i.kind,
                ItemKind::Task(_) | ItemKind::Fn(_) | ItemKind::Struct(_)
            )
        };
        let blank = prev.is_some_and(|p| tall(p) || tall(item));
        if prev.is_some() {
            f.end_line(
                item.span.start,
                if blank { Blank::Force } else { Blank::Source },
            );
        } else {
            f.leading(item.span.start);
        }
        f.item(item);
        f.last_end = f.last_end.max(item.span.end as usize);
        prev = Some(item);
    }
    f.finish()
}

/// Whether a blank line goes before the next code (and the comments before it).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Blank {
    /// Where the source has one.
    Source,
    /// Always (around multi-line declarations).
    Force,
    /// Never right away (after a `{`).
    Never,
}

/// A comment: its byte range, and whether it is alone on its line.
#[derive(Clone, Copy, Debug)]
struct Comment {
    start: usize,
    end: usize,
    own_line: bool,
}

pub(crate) struct Fmt<'s> {
    src: &'s str,
    comments: Vec<Comment>,
    /// The first comment not written yet.
    next: usize,
    /// Finished lines.
    out: String,
    /// The line being written, without its indent.
    line: String,
    /// The indent the line being written started at.
    line_indent: usize,
    indent: usize,
    /// The end of the last source text written (code or comment): blank lines are counted
    /// from there.
    last_end: usize,
}

impl<'s> Fmt<'s> {
    fn new(src: &'s str) -> Fmt<'s> {
        let comments = tokenize(src)
            .filter(|(t, _)| *t == Ok(Token::Comment))
            .map(|(_, r)| {
                let line_start = src[..r.start].rfind('\n').map_or(0, |i| i + 1);
                Comment {
                    start: r.start,
                    end: r.end,
                    own_line: src[line_start..r.start].trim().is_empty(),
                }
            })
            .collect();
        Fmt {
            src,
            comments,
            next: 0,
            out: String::with_capacity(src.len() + src.len() / 8),
            line: String::new(),
            line_indent: 0,
            indent: 0,
            last_end: 0,
        }
    }

    /// Whether any comment lies inside `span`.
    fn has_comment(&self, span: Span) -> bool {
        let (s, e) = (span.start as usize, span.end as usize);
        let i = self.comments.partition_point(|c| c.start < s);
        self.comments.get(i).is_some_and(|c| c.start < e)
    }

    /// The current output column.
    fn column(&self) -> usize {
        if self.line.is_empty() {
            self.indent * 4
        } else {
            self.line_indent * 4 + self.line.chars().count()
        }
    }

    fn push(&mut self, s: &str) {
        if self.line.is_empty() {
            self.line_indent = self.indent;
        }
        self.line.push_str(s);
    }

    /// Ends the current line and starts a new one.
    fn newline(&mut self) {
        let text = self.line.trim_end();
        if !text.is_empty() {
            for _ in 0..self.line_indent {
                self.out.push_str("    ");
            }
            self.out.push_str(text);
        }
        self.out.push('\n');
        self.line.clear();
    }

    /// Whether the source has a blank line between `from` and `to`.
    fn blank_between(&self, from: usize, to: usize) -> bool {
        let Some(gap) = self.src.get(from.min(to)..to) else {
            return false;
        };
        let mut lines = gap.split('\n');
        lines.next();
        let mut rest: Vec<&str> = lines.collect();
        // The last piece is the start of `to`'s own line.
        rest.pop();
        rest.iter().any(|l| l.trim().is_empty())
    }

    /// Comments before the first item: each on its own line, blank lines kept.
    fn leading(&mut self, next_start: u32) {
        let mut first = true;
        while let Some(c) = self.comments.get(self.next).copied() {
            if c.start >= next_start as usize {
                break;
            }
            if !first && self.blank_between(self.last_end, c.start) {
                self.newline();
            }
            self.comment_line(c);
            first = false;
        }
        if !first && self.blank_between(self.last_end, next_start as usize) {
            self.newline();
        }
    }

    fn comment_line(&mut self, c: Comment) {
        let text = self.src[c.start..c.end].trim_end().to_string();
        self.push(&text);
        self.newline();
        self.next += 1;
        self.last_end = c.end;
    }

    /// Ends the current line before the code at `next_start`: the comment after the last
    /// code on its line goes at its end, then a blank line as `blank` says, then the comments
    /// before `next_start`, each on its own line (blank lines between them kept).
    fn end_line(&mut self, next_start: u32, blank: Blank) {
        let next_start = next_start as usize;
        // A comment after code, on the line just written.
        if let Some(c) = self.comments.get(self.next).copied() {
            if c.start < next_start && !c.own_line {
                let text = self.src[c.start..c.end].trim_end().to_string();
                if !self.line.is_empty() {
                    self.push("  ");
                }
                self.push(&text);
                self.next += 1;
                self.last_end = c.end;
            }
        }
        self.newline();
        let mut first = true;
        while let Some(c) = self.comments.get(self.next).copied() {
            if c.start >= next_start {
                break;
            }
            let gap = match (first, blank) {
                (true, Blank::Force) => true,
                (true, Blank::Never) => false,
                _ => self.blank_between(self.last_end, c.start),
            };
            if gap {
                self.newline();
            }
            // A comment after code the formatter joined onto one line (inside an expression)
            // goes on its own line here, so it is not lost.
            self.comment_line(c);
            first = false;
        }
        let gap = match (first, blank) {
            (true, Blank::Force) => true,
            (true, Blank::Never) => false,
            _ => self.last_end < next_start && self.blank_between(self.last_end, next_start),
        };
        if gap {
            self.newline();
        }
    }

    /// Writes the rest of the comments and returns the text.
    fn finish(mut self) -> String {
        let end = self.src.len() as u32;
        if !self.line.is_empty() || self.next < self.comments.len() {
            self.end_line(end, Blank::Source);
        }
        let mut out = self.out;
        while out.ends_with("\n\n") {
            out.pop();
        }
        if out.trim().is_empty() {
            return String::new();
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out
    }

    // -----------------------------------------------------------------------------------------
    // Items and statements
    // -----------------------------------------------------------------------------------------

    fn item(&mut self, item: &Item) {
        match &item.kind {
            ItemKind::Env(d) => {
                self.push(&format!("env {} = ", d.name.name));
                self.expr(&d.value, 0);
            }
            ItemKind::Task(t) => {
                if let Some(dec) = &t.decorator {
                    self.push("@");
                    self.push(&dotted(&dec.path));
                    if let Some(args) = &dec.args {
                        self.args(args, dec.span);
                    }
                    self.end_line(t.func.name.span.start, Blank::Never);
                }
                self.func(&t.func, "task");
            }
            ItemKind::Fn(f) => self.func(f, "fn"),
            ItemKind::Struct(s) => {
                self.push(&format!("struct {} {{", s.name.name));
                if s.fields.is_empty() && !self.has_comment(item.span) {
                    self.push("}");
                    return;
                }
                self.indent += 1;
                let mut first = true;
                for field in &s.fields {
                    let blank = if first { Blank::Never } else { Blank::Source };
                    first = false;
                    self.end_line(field.name.span.start, blank);
                    self.push(&format!("{}: ", field.name.name));
                    self.ty(&field.ty);
                    self.last_end = field.ty.span.end as usize;
                }
                self.end_line(item.span.end.saturating_sub(1), Blank::Source);
                while self.out.ends_with("\n\n") {
                    self.out.pop();
                }
                self.indent -= 1;
                self.push("}");
            }
            ItemKind::Let(d) => {
                self.push("let ");
                self.pattern(&d.pattern, false);
                if let Some(ty) = &d.ty {
                    self.push(": ");
                    self.ty(ty);
                }
                self.push(" = ");
                self.expr(&d.value, 0);
            }
            ItemKind::Import(d) => {
                let path = &self.src[d.path_span.start as usize..d.path_span.end as usize];
                self.push(&format!("import {path}"));
                if let Some(a) = &d.alias {
                    self.push(&format!(" as {}", a.name));
                }
            }
            ItemKind::Stmt(s) => self.stmt(s),
        }
    }

    fn func(&mut self, f: &FnDecl, keyword: &str) {
        if f.is_async {
            self.push("async ");
        }
        self.push(&format!("{keyword} {}", f.name.name));
        self.params(&f.params, f.name.span.end, f.body.span.start);
        if let Some(ret) = &f.ret {
            self.push(" -> ");
            self.ty(ret);
        }
        self.push(" ");
        self.block(&f.body);
    }

    /// `{`, the statements, `}`.
    fn block(&mut self, b: &Block) {
        self.push("{");
        if b.stmts.is_empty() && !self.has_comment(b.span) {
            self.push("}");
            self.last_end = b.span.end as usize;
            return;
        }
        self.indent += 1;
        let mut first = true;
        for s in &b.stmts {
            // No blank line right after `{`.
            let blank = if first { Blank::Never } else { Blank::Source };
            self.end_line(s.span.start, blank);
            self.stmt(s);
            self.last_end = self.last_end.max(s.span.end as usize);
            first = false;
        }
        let close = b.span.end.saturating_sub(1);
        self.end_line(close, if first { Blank::Never } else { Blank::Source });
        // No blank line right before `}`.
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
        self.indent -= 1;
        self.push("}");
        self.last_end = b.span.end as usize;
    }

    pub(crate) fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Let { pattern, ty, value } => {
                self.push("let ");
                self.pattern(pattern, false);
                if let Some(ty) = ty {
                    self.push(": ");
                    self.ty(ty);
                }
                self.push(" = ");
                self.expr(value, 0);
            }
            StmtKind::Assign { target, op, value } => {
                self.expr(target, 0);
                self.push(match op {
                    AssignOp::Set => " = ",
                    AssignOp::Add => " += ",
                    AssignOp::Sub => " -= ",
                    AssignOp::Mul => " *= ",
                    AssignOp::Div => " /= ",
                });
                self.expr(value, 0);
            }
            StmtKind::Expr(e) => self.expr(e, 0),
            StmtKind::If {
                branches,
                else_block,
            } => {
                for (i, (cond, body)) in branches.iter().enumerate() {
                    self.push(if i == 0 { "if " } else { " elif " });
                    self.expr(cond, 0);
                    self.push(" ");
                    self.block(body);
                }
                if let Some(b) = else_block {
                    self.push(" else ");
                    self.block(b);
                }
            }
            StmtKind::For {
                pattern,
                iter,
                body,
            } => {
                self.push("for ");
                self.pattern(pattern, true);
                self.push(" in ");
                self.expr(iter, 0);
                self.push(" ");
                self.block(body);
            }
            StmtKind::While { cond, body } => {
                self.push("while ");
                self.expr(cond, 0);
                self.push(" ");
                self.block(body);
            }
            StmtKind::Break => self.push("break"),
            StmtKind::Continue => self.push("continue"),
            StmtKind::Return(e) | StmtKind::Raise(e) => {
                self.push(if matches!(s.kind, StmtKind::Return(_)) {
                    "return"
                } else {
                    "raise"
                });
                if let Some(e) = e {
                    self.push(" ");
                    self.expr(e, 0);
                }
            }
            StmtKind::Try {
                body,
                handlers,
                finally,
            } => {
                self.push("try ");
                self.block(body);
                for h in handlers {
                    self.push(" except");
                    match h.types.len() {
                        0 => {}
                        1 => self.push(&format!(" {}", dotted(&h.types[0]))),
                        _ => {
                            let names: Vec<String> = h.types.iter().map(|t| dotted(t)).collect();
                            self.push(&format!(" ({})", names.join(", ")));
                        }
                    }
                    if let Some(b) = &h.binding {
                        self.push(&format!(" as {}", b.name));
                    }
                    self.push(" ");
                    self.block(&h.body);
                }
                if let Some(b) = finally {
                    self.push(" finally ");
                    self.block(b);
                }
            }
            StmtKind::With { context, body } => {
                self.push("with ");
                self.expr(context, 0);
                self.push(" ");
                self.block(body);
            }
        }
    }

    /// A binding pattern; `bare`: a tuple of two or more without parentheses (`for k, v in`).
    fn pattern(&mut self, p: &Pattern, bare: bool) {
        let text = pattern_text(p, bare);
        self.push(&text);
    }
}

/// `a.b.c`
fn dotted(path: &[Ident]) -> String {
    path.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

fn pattern_text(p: &Pattern, bare: bool) -> String {
    match p {
        Pattern::Name(id) => id.name.to_string(),
        Pattern::Tuple(items, _) => {
            let inner: Vec<String> = items.iter().map(|i| pattern_text(i, false)).collect();
            match items.len() {
                1 => format!("({},)", inner[0]),
                n if bare && n >= 2 => inner.join(", "),
                _ => format!("({})", inner.join(", ")),
            }
        }
    }
}
