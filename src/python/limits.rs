//! The pre-pass that keeps hostile input from overflowing the stack: Python's parser itself
//! refuses brackets nested more than 200 deep and blocks indented more than 100 levels; a
//! logical line with more than [`MAX_CHAIN`] operators (`1 + 1 + ... + 1`, `a.b.c...`,
//! `not not ... x`) would build a tree as deep, which the walks after parsing recurse into.
//! Each is one `E0113` at the token that goes over, and the file is not parsed.

use crate::diagnostics::{Diagnostic, FileId, Span};
use rustpython_parser::{lexer::lex, Mode, Tok};

/// Brackets open at once: CPython's own limit.
pub const MAX_BRACKETS: usize = 200;
/// Indentation levels: CPython's own limit.
pub const MAX_INDENT: usize = 100;
/// Operators, dots and calls on one logical line.
pub const MAX_CHAIN: usize = 3000;

/// `E0113` for the first place the file goes over a limit, if it does.
pub fn check(text: &str, file: FileId) -> Option<Diagnostic> {
    let mut brackets = 0usize;
    let mut indent = 0usize;
    let mut chain = 0usize;
    for tok in lex(text, Mode::Module) {
        let Ok((tok, range)) = tok else {
            // The parser reports lexical errors itself.
            return None;
        };
        let span = || Span::new(file, range.start().into(), range.end().into());
        let over = |what: &str, limit: usize| {
            Some(
                Diagnostic::error(
                    super::codes::TOO_DEEP,
                    format!("{what} go deeper than {limit}"),
                )
                .with_label(span(), format!("more than {limit} {what}"))
                .with_help("split the expression or the block into smaller parts"),
            )
        };
        match tok {
            Tok::Lpar | Tok::Lsqb | Tok::Lbrace => {
                brackets += 1;
                chain += 1;
                if brackets > MAX_BRACKETS {
                    return over("nested brackets", MAX_BRACKETS);
                }
            }
            Tok::Rpar | Tok::Rsqb | Tok::Rbrace => brackets = brackets.saturating_sub(1),
            Tok::Indent => {
                indent += 1;
                if indent > MAX_INDENT {
                    return over("indented blocks", MAX_INDENT);
                }
            }
            Tok::Dedent => indent = indent.saturating_sub(1),
            Tok::Newline => chain = 0,
            Tok::Name { .. }
            | Tok::Int { .. }
            | Tok::Float { .. }
            | Tok::Complex { .. }
            | Tok::String { .. }
            | Tok::Comma
            | Tok::Colon
            | Tok::True
            | Tok::False
            | Tok::None => {}
            _ => {
                chain += 1;
                if chain > MAX_CHAIN {
                    return over("operators on one line", MAX_CHAIN);
                }
            }
        }
    }
    None
}
