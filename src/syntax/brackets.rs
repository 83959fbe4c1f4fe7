//! The bracket pre-pass, run over the token stream before pest.
//!
//! It does four things in one linear walk:
//! 1. matches brackets, reporting unclosed (`E0102`) and stray closing (`E0103`) ones with both
//!    ends labelled, which pest alone reports poorly;
//! 2. bounds nesting (`E0104`): brackets deeper than [`MAX_NESTING`] or more than
//!    [`MAX_CHAIN`] chained `**` / `... if ... else ...` in one statement, so that no input can
//!    make the recursive-descent parser, or anything after it, overflow the stack;
//! 3. reports lexical errors (invalid characters, unterminated strings, bad numbers);
//! 4. writes the text pest parses: a copy where each newline (and comment) inside `( )`, `[ ]`,
//!    dict braces or struct braces is blanked (same byte length, so offsets are unchanged), and where the first
//!    byte of a too-deep construct is made unparsable, so pest stops there.
//!
//! `{` is a block when it follows a statement header (`if x {`, `) {`, `else {`, `try {`), a
//! struct body after `struct NAME`, and a dict where an expression starts (after `=`, `(`,
//! `,`, `:`, an operator, `return`, or at the start of a statement).
//!
//! An unclosed bracket is detected at the latest where a line starts, at column 0, with a
//! token that can only begin a top-level item (`env`, `task`, `fn`, `struct`, `import`, `let`,
//! `async`, `@`): no such token can stand inside brackets, so the bracket was left open.

use super::error::SyntaxError;
use super::lexer::{tokenize, LexError, Token};
use crate::diagnostics::{FileId, Span};

/// How deeply brackets may nest.
pub const MAX_NESTING: usize = 200;
/// How many `**` or conditional expressions may chain in one statement without brackets.
pub const MAX_CHAIN: usize = 200;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Open {
    Paren,
    Bracket,
    Dict,
    Struct,
    Block,
}

impl Open {
    fn char(self) -> char {
        match self {
            Open::Paren => '(',
            Open::Bracket => '[',
            _ => '{',
        }
    }

    fn ignores_newlines(self) -> bool {
        self != Open::Block
    }
}

pub struct Prepass {
    /// The text pest parses.
    pub pest_input: String,
    pub errors: Vec<SyntaxError>,
}

/// Whether a token can begin a top-level item and nothing inside brackets.
pub fn starts_item(tok: Token) -> bool {
    matches!(
        tok,
        Token::Env
            | Token::Task
            | Token::Fn
            | Token::Struct
            | Token::Import
            | Token::Let
            | Token::Async
            | Token::At
    )
}

/// Whether a statement may start after `prev` (so an `if` there is a statement's).
fn statement_starts_after(prev: Option<Token>, closed_block: bool) -> bool {
    match prev {
        Option::None | Some(Token::Newline | Token::Semi | Token::LBrace | Token::Else) => true,
        Some(Token::RBrace) => closed_block,
        _ => false,
    }
}

fn expression_may_start_after(prev: Option<Token>) -> bool {
    use Token::*;
    match prev {
        Option::None => true,
        Some(t) => matches!(
            t,
            Newline
                | Semi
                | Assign
                | PlusAssign
                | MinusAssign
                | StarAssign
                | SlashAssign
                | LParen
                | LBracket
                | LBrace
                | Comma
                | Colon
                | Return
                | Raise
                | Await
                | Not
                | And
                | Or
                | In
                | If
                | EqEq
                | NotEq
                | Lt
                | Le
                | Gt
                | Ge
                | Plus
                | Minus
                | Star
                | StarStar
                | Slash
                | SlashSlash
                | Percent
        ),
    }
}

pub fn prepass(src: &str, file: FileId) -> Prepass {
    let mut out = src.as_bytes().to_vec();
    let mut errors = Vec::new();
    let mut stack: Vec<(Open, usize)> = Vec::new();
    let mut prev: Option<Token> = None;
    let mut prev2: Option<Token> = None;
    let mut line_start = 0usize;
    let mut last_newline: Option<usize> = None;
    let mut chain = 0usize;
    let mut deep_reported = false;
    // Conditional-expression `if`s not yet matched by their `else`, one count per bracket
    // level: the `{` after such an `else` is a dict, not a block.
    let mut pending_ifs: Vec<usize> = vec![0];
    let mut else_of_conditional = false;
    // Whether the last `}` closed a block (rather than a dict or struct).
    let mut closed_block = false;
    let mut chain_reported = false;
    let span = |r: &std::ops::Range<usize>| Span::new(file, r.start, r.end);

    for (tok, range) in tokenize(src) {
        let tok = match tok {
            Ok(t) => t,
            Err(e) => {
                // A run of invalid characters is one error.
                if let (LexError::InvalidChar, Some(SyntaxError::InvalidChar { at, count, .. })) =
                    (&e, errors.last_mut())
                {
                    if at.end as usize == range.start {
                        at.end = range.end as u32;
                        *count += src[range.clone()].chars().count();
                        continue;
                    }
                }
                errors.push(match e {
                    LexError::InvalidChar => SyntaxError::InvalidChar {
                        at: span(&range),
                        ch: src[range.clone()].chars().next().unwrap_or('\0'),
                        count: src[range.clone()].chars().count(),
                    },
                    LexError::UnterminatedString => {
                        SyntaxError::UnterminatedString { at: span(&range) }
                    }
                    LexError::FStringTooDeep => stop_here(
                        &mut out,
                        span(&range),
                        super::lexer::MAX_FSTRING_NESTING,
                        "f-strings",
                    ),
                });
                continue;
            }
        };
        match tok {
            Token::Comment => {
                // The newline after it becomes a space, so the comment must go too.
                if stack.last().is_some_and(|(o, _)| o.ignores_newlines()) {
                    out[range.clone()].fill(b' ');
                }
                continue;
            }
            Token::BadNumber => {
                errors.push(SyntaxError::InvalidNumber {
                    at: span(&range),
                    text: src[range.clone()].to_string(),
                });
            }
            Token::Newline => {
                line_start = range.end;
                if stack.last().is_some_and(|(o, _)| o.ignores_newlines()) {
                    out[range.start] = b' ';
                    last_newline = Some(range.start);
                } else {
                    chain = 0;
                    chain_reported = false;
                    *pending_ifs.last_mut().unwrap() = 0;
                }
            }
            _ => {}
        }
        // A line that starts an item while brackets are open: they were never closed.
        // (`let` may start a line inside an unindented block, so it only counts in brackets.)
        let in_brackets = stack.iter().any(|(o, _)| o.ignores_newlines());
        if range.start == line_start
            && starts_item(tok)
            && (in_brackets || (tok != Token::Let && !stack.is_empty()))
        {
            let (open, pos) = *stack.last().unwrap();
            errors.push(SyntaxError::Unclosed {
                open: Span::new(file, pos, pos + 1),
                bracket: open.char(),
                at: span(&range),
            });
            stack.clear();
            pending_ifs = vec![0];
            deep_reported = false;
            if let Some(nl) = last_newline {
                out[nl] = b'\n';
            }
        }
        let after_conditional_else = std::mem::take(&mut else_of_conditional);
        match tok {
            Token::If if !statement_starts_after(prev, closed_block) => {
                *pending_ifs.last_mut().unwrap() += 1
            }
            Token::Else => {
                let pending = pending_ifs.last_mut().unwrap();
                if *pending > 0 {
                    *pending -= 1;
                    else_of_conditional = true;
                }
            }
            _ => {}
        }
        match tok {
            Token::LParen | Token::LBracket | Token::LBrace => {
                let kind = match tok {
                    Token::LParen => Open::Paren,
                    Token::LBracket => Open::Bracket,
                    _ if prev == Some(Token::Ident) && prev2 == Some(Token::Struct) => Open::Struct,
                    _ if after_conditional_else || expression_may_start_after(prev) => Open::Dict,
                    _ => Open::Block,
                };
                pending_ifs.push(0);
                if stack.len() >= MAX_NESTING && !deep_reported {
                    deep_reported = true;
                    errors.push(stop_here(&mut out, span(&range), MAX_NESTING, "brackets"));
                }
                if kind == Open::Block {
                    chain = 0;
                }
                stack.push((kind, range.start));
            }
            Token::RParen | Token::RBracket | Token::RBrace => {
                let want = match tok {
                    Token::RParen => '(',
                    Token::RBracket => '[',
                    _ => '{',
                };
                match stack.iter().rposition(|(o, _)| o.char() == want) {
                    Some(i) => {
                        // Brackets opened after the matching one were left open.
                        if i + 1 < stack.len() {
                            let (open, pos) = stack[stack.len() - 1];
                            errors.push(SyntaxError::Unclosed {
                                open: Span::new(file, pos, pos + 1),
                                bracket: open.char(),
                                at: span(&range),
                            });
                        }
                        let (kind, _) = stack[i];
                        stack.truncate(i);
                        pending_ifs.truncate(i + 1);
                        closed_block = kind == Open::Block;
                        if kind == Open::Block {
                            chain = 0;
                        }
                    }
                    None => errors.push(SyntaxError::UnexpectedClose {
                        at: span(&range),
                        bracket: closer_of(tok),
                    }),
                }
                if stack.len() < MAX_NESTING {
                    deep_reported = false;
                }
            }
            Token::Semi if !stack.last().is_some_and(|(o, _)| o.ignores_newlines()) => {
                chain = 0;
                chain_reported = false;
            }
            Token::StarStar | Token::Else => {
                chain += 1;
                if chain > MAX_CHAIN && !chain_reported {
                    chain_reported = true;
                    let what = "chained `**` or conditional expressions";
                    errors.push(stop_here(&mut out, span(&range), MAX_CHAIN, what));
                }
            }
            _ => {}
        }
        if tok != Token::Newline || !stack.last().is_some_and(|(o, _)| o.ignores_newlines()) {
            prev2 = prev;
            prev = Some(tok);
        }
    }
    if let Some(&(open, pos)) = stack.iter().rev().find(|(o, _)| o.ignores_newlines()) {
        errors.push(SyntaxError::Unclosed {
            open: Span::new(file, pos, pos + 1),
            bracket: open.char(),
            at: Span::new(file, src.len(), src.len()),
        });
    } else if let Some(&(_, pos)) = stack.last() {
        errors.push(SyntaxError::Unclosed {
            open: Span::new(file, pos, pos + 1),
            bracket: '{',
            at: Span::new(file, src.len(), src.len()),
        });
    }
    Prepass {
        // Only ASCII bytes were replaced by ASCII bytes, at ASCII positions.
        pest_input: String::from_utf8(out).expect("the pre-pass keeps UTF-8 valid"),
        errors,
    }
}

/// Reports a construct nested past `limit` and makes its first byte unparsable in pest's copy,
/// so pest stops there instead of recursing through it.
fn stop_here(out: &mut [u8], at: Span, limit: usize, what: &'static str) -> SyntaxError {
    out[at.start as usize] = 1;
    SyntaxError::TooDeep { at, limit, what }
}

fn closer_of(tok: Token) -> char {
    match tok {
        Token::RParen => ')',
        Token::RBracket => ']',
        _ => '}',
    }
}
