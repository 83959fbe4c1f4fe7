//! Syntax errors: one enum, one exhaustive [`SyntaxError::to_diagnostic`], so no variant can
//! exist without its code, message, labels and help.

use super::lexer::{tokenize, Token};
use crate::diagnostics::{Diagnostic, Span};

#[derive(Clone, Debug, PartialEq)]
pub enum SyntaxError {
    /// pest stopped at `at`: `found` describes the token there, `expected` what would do.
    Unexpected {
        at: Span,
        found: String,
        expected: Vec<String>,
        help: Option<String>,
    },
    InvalidUtf8 {
        at: Span,
    },
    /// A bracket opened at `open` is never closed; parsing stopped at `at`.
    Unclosed {
        open: Span,
        bracket: char,
        at: Span,
    },
    /// A closing bracket that closes nothing.
    UnexpectedClose {
        at: Span,
        bracket: char,
    },
    /// Brackets (or chained `**` / conditional expressions) nested deeper than the limit.
    TooDeep {
        at: Span,
        limit: usize,
        what: &'static str,
    },
    UnknownEscape {
        at: Span,
        escape: String,
    },
    UnterminatedString {
        at: Span,
    },
    /// An integer, duration or `\u{...}` that does not fit.
    OutOfRange {
        at: Span,
        what: &'static str,
    },
    /// A run of `count` invalid characters starting with `ch`.
    InvalidChar {
        at: Span,
        ch: char,
        count: usize,
    },
    InvalidNumber {
        at: Span,
        text: String,
    },
    InvalidTarget {
        at: Span,
        what: &'static str,
    },
    InvalidFString {
        at: Span,
        message: &'static str,
        help: &'static str,
    },
}

impl SyntaxError {
    /// Where the error's cause lies (used to fold a pest error into an earlier, more precise one).
    pub fn cause(&self) -> u32 {
        match self {
            SyntaxError::Unclosed { open, .. } => open.start,
            other => {
                other
                    .to_diagnostic()
                    .primary_span()
                    .unwrap_or_default()
                    .start
            }
        }
    }

    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            SyntaxError::Unexpected {
                at,
                found,
                expected,
                help,
            } => {
                let msg = format!("unexpected {found}");
                let label = match expected.len() {
                    0 => format!("unexpected {found}"),
                    1 => format!("expected {}", expected[0]),
                    _ => format!(
                        "expected {} or {}",
                        expected[..expected.len() - 1].join(", "),
                        expected[expected.len() - 1]
                    ),
                };
                Diagnostic::error("E0100", msg)
                    .with_label(*at, label)
                    .with_help_opt(help.clone())
            }
            SyntaxError::InvalidUtf8 { at } => {
                Diagnostic::error("E0101", "the file is not valid UTF-8")
                    .with_label(*at, "this byte is not valid UTF-8")
                    .with_help("save the file as UTF-8")
            }
            SyntaxError::Unclosed { open, bracket, at } => {
                Diagnostic::error("E0102", format!("unclosed `{bracket}`"))
                    .with_label(*at, "parsing stopped here")
                    .with_secondary(*open, format!("this `{bracket}` is never closed"))
                    .with_help(format!("add `{}` where the item ends", closer(*bracket)))
            }
            SyntaxError::UnexpectedClose { at, bracket } => {
                Diagnostic::error("E0103", format!("unexpected closing `{bracket}`"))
                    .with_label(*at, format!("this `{bracket}` closes nothing"))
                    .with_help("remove it, or add the opening bracket it belongs to")
            }
            SyntaxError::TooDeep { at, limit, what } => Diagnostic::error(
                "E0104",
                format!("{what} nested too deeply (the limit is {limit})"),
            )
            .with_label(*at, "the limit is passed here")
            .with_help("split the expression with `let` bindings or helper functions"),
            SyntaxError::UnknownEscape { at, escape } => Diagnostic::error(
                "E0105",
                format!("unknown escape `{escape}` in a string"),
            )
            .with_label(*at, "not an escape the language knows")
            .with_help(
                r#"the escapes are \n \t \r \\ \" \0 and \u{...}; write \\ for a backslash"#,
            ),
            SyntaxError::UnterminatedString { at } => {
                Diagnostic::error("E0106", "unterminated string")
                    .with_label(*at, "this string has no closing `\"` on its line")
                    .with_help("strings end on the line they start; use \\n for a line break")
            }
            SyntaxError::OutOfRange { at, what } => {
                Diagnostic::error("E0107", format!("{what} out of range"))
                    .with_label(*at, "this literal does not fit")
                    .with_help(match *what {
                        "integer literal" => {
                            "integers are 64-bit: from -9223372036854775808 to 9223372036854775807"
                        }
                        "duration literal" => "durations go up to about 292 years",
                        _ => "a code point is at most 10FFFF and not a surrogate",
                    })
            }
            SyntaxError::InvalidChar { at, ch, count } => {
                let shown = if *ch == '`' {
                    "U+0060 (a backtick)".to_string()
                } else if ch.is_control() {
                    format!("U+{:04X}", *ch as u32)
                } else {
                    format!("`{ch}`")
                };
                if *count > 1 {
                    Diagnostic::error(
                        "E0108",
                        format!("{count} invalid characters, the first {shown}"),
                    )
                    .with_label(*at, "no token starts with these characters")
                } else {
                    Diagnostic::error("E0108", format!("invalid character {shown}"))
                        .with_label(*at, "no token starts with this character")
                }
            }
            SyntaxError::InvalidNumber { at, text } => {
                let digits: String = text.chars().take_while(|c| c.is_ascii_digit()).collect();
                Diagnostic::error("E0109", format!("invalid number literal `{text}`"))
                    .with_label(*at, "a number cannot run into letters")
                    .with_help(format!(
                        "durations take one unit of ms, s, m, h or d (`{digits}m`); otherwise put a space or an operator after the number"
                    ))
            }
            SyntaxError::InvalidTarget { at, what } => Diagnostic::error(
                "E0110",
                format!("cannot assign to {what}"),
            )
            .with_label(*at, "not assignable")
            .with_help(
                "assign to a name, a list item, a dict entry, a struct field, or a tuple of names",
            ),
            SyntaxError::InvalidFString { at, message, help } => {
                Diagnostic::error("E0111", *message)
                    .with_label(*at, "here")
                    .with_help(*help)
            }
        }
    }
}

pub fn closer(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// Keywords that begin a statement or a declaration and are followed by more of it.
const LEADING_KEYWORDS: &[&str] = &[
    "env", "task", "fn", "struct", "async", "import", "return", "if", "elif", "else", "for",
    "while", "let", "try", "except", "finally", "raise", "with",
];

/// `retrun 5`: the name that starts the statement before the error at `abs`, when it is a
/// likely misspelling of a keyword (one edit, or two in a name of five letters or more).
pub(super) fn misspelled_keyword(src: &str, abs: usize) -> Option<&'static str> {
    let mut before: Vec<(Option<Token>, std::ops::Range<usize>)> = Vec::new();
    for (tok, r) in tokenize(src) {
        if r.start >= abs {
            break;
        }
        before.push((tok.ok(), r));
    }
    let (last, r) = before.pop()?;
    if last != Some(Token::Ident) {
        return None;
    }
    let starts = match before.last() {
        None => true,
        Some((t, _)) => matches!(
            t,
            Some(Token::Newline | Token::LBrace | Token::RBrace | Token::Semi)
        ),
    };
    let name = &src[r];
    let k = crate::diagnostics::suggest::closest(name, LEADING_KEYWORDS.iter().copied())?;
    let d = crate::diagnostics::suggest::edit_distance(name, k);
    (starts && (d <= 1 || (d == 2 && name.chars().count() >= 5))).then_some(k)
}
