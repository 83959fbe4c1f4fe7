//! The token stream: a logos lexer over the same lexical grammar as `grammar/flyte.pest`.
//!
//! The parser uses it for the bracket pre-pass (bracket matching, nesting depth, newlines
//! inside brackets); the REPL uses it for highlighting and to decide whether input continues;
//! the formatter walks it. `tests/lexer_agreement.rs` checks that it cuts every example script
//! into exactly the tokens the pest grammar sees.
//!
//! ```
//! use flyte_dsl::syntax::lexer::{tokenize, Token};
//! let toks: Vec<Token> = tokenize("let x = 10m").map(|(t, _)| t.unwrap()).collect();
//! assert_eq!(toks, [Token::Let, Token::Ident, Token::Assign, Token::Duration]);
//! ```

use logos::Logos;

/// Why a piece of input is not a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LexError {
    /// A character that starts no token (`$`, a NUL byte, ...).
    #[default]
    InvalidChar,
    /// A string literal with no closing quote on its line.
    UnterminatedString,
    /// f-strings nested deeper than [`MAX_FSTRING_NESTING`].
    FStringTooDeep,
}

/// How deeply f-strings may nest inside each other's `{...}` fields.
pub const MAX_FSTRING_NESTING: usize = 16;

/// One token kind. Whitespace other than newlines is skipped.
#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[logos(error = LexError)]
#[logos(skip r"[ \t\r\x0C]+")]
pub enum Token {
    #[token("\n")]
    Newline,
    #[regex(r"#[^\n]*")]
    Comment,

    #[token("env")]
    Env,
    #[token("task")]
    Task,
    #[token("fn")]
    Fn,
    #[token("struct")]
    Struct,
    #[token("async")]
    Async,
    #[token("await")]
    Await,
    #[token("return")]
    Return,
    #[token("if")]
    If,
    #[token("elif")]
    Elif,
    #[token("else")]
    Else,
    #[token("for")]
    For,
    #[token("in")]
    In,
    #[token("while")]
    While,
    #[token("break")]
    Break,
    #[token("continue")]
    Continue,
    #[token("let")]
    Let,
    #[token("try")]
    Try,
    #[token("except")]
    Except,
    #[token("finally")]
    Finally,
    #[token("raise")]
    Raise,
    #[token("with")]
    With,
    #[token("and")]
    And,
    #[token("or")]
    Or,
    #[token("not")]
    Not,
    #[token("true")]
    True,
    #[token("false")]
    False,
    #[token("none")]
    None,
    #[token("import")]
    Import,
    #[token("as")]
    As,

    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident,
    #[regex(r"[0-9](_?[0-9])*")]
    #[regex(r"0x[0-9a-fA-F](_?[0-9a-fA-F])*")]
    Int,
    #[regex(r"[0-9](_?[0-9])*\.[0-9](_?[0-9])*([eE][+-]?[0-9]+)?")]
    #[regex(r"[0-9](_?[0-9])*[eE][+-]?[0-9]+")]
    Float,
    #[regex(r"[0-9](_?[0-9])*(\.[0-9](_?[0-9])*)?([eE][+-]?[0-9]+)?(ms|s|m|h|d)")]
    Duration,
    /// A number run into letters (`10min`, `3x`): not a token of the language.
    #[regex(r"[0-9][0-9A-Za-z_]*", priority = 1)]
    BadNumber,
    #[regex(r#""([^"\\\n]|\\[^\n])*""#)]
    #[regex(r#""([^"\\\n]|\\[^\n])*\\?"#, unterminated, priority = 1)]
    Str,
    #[token("f\"", fstring)]
    FStr,

    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token(";")]
    Semi,
    #[token(".")]
    Dot,
    #[token("@")]
    At,
    #[token("->")]
    Arrow,
    #[token("?")]
    Question,
    #[token("|")]
    Pipe,
    #[token("=")]
    Assign,
    #[token("+=")]
    PlusAssign,
    #[token("-=")]
    MinusAssign,
    #[token("*=")]
    StarAssign,
    #[token("/=")]
    SlashAssign,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("**")]
    StarStar,
    #[token("/")]
    Slash,
    #[token("//")]
    SlashSlash,
    #[token("%")]
    Percent,
}

fn unterminated(_: &mut logos::Lexer<Token>) -> Result<(), LexError> {
    Err(LexError::UnterminatedString)
}

/// Scans the rest of an f-string after `f"`: text, `{{`/`}}`, escapes, and `{expr}` fields
/// whose expressions may hold strings and f-strings of their own. Iterative, so nesting costs
/// no stack; nesting beyond [`MAX_FSTRING_NESTING`] is an error.
fn fstring(lex: &mut logos::Lexer<Token>) -> Result<(), LexError> {
    #[derive(Clone, Copy)]
    enum Mode {
        /// Inside an f-string's text.
        Text,
        /// Inside a `{...}` field, with the depth of plain brackets opened in it.
        Field(u32),
    }
    let rest = lex.remainder().as_bytes();
    let mut stack = vec![Mode::Text];
    let mut i = 0;
    while i < rest.len() {
        let b = rest[i];
        match *stack.last().unwrap() {
            Mode::Text => match b {
                b'\n' => break,
                b'\\' => i += 2,
                b'"' => {
                    stack.pop();
                    i += 1;
                    if stack.is_empty() {
                        lex.bump(i);
                        return Ok(());
                    }
                }
                b'{' if rest.get(i + 1) == Some(&b'{') => i += 2,
                b'}' if rest.get(i + 1) == Some(&b'}') => i += 2,
                b'{' => {
                    stack.push(Mode::Field(0));
                    i += 1;
                }
                _ => i += 1,
            },
            Mode::Field(depth) => match b {
                b'\n' => break,
                b'"' => {
                    // A plain string inside the field: skip it whole.
                    i += 1;
                    while i < rest.len() && rest[i] != b'"' && rest[i] != b'\n' {
                        i += if rest[i] == b'\\' { 2 } else { 1 };
                    }
                    if i >= rest.len() || rest[i] == b'\n' {
                        break;
                    }
                    i += 1;
                }
                b'f' if rest.get(i + 1) == Some(&b'"')
                    && (i == 0 || !is_ident_byte(rest[i - 1])) =>
                {
                    if stack.len() >= 2 * MAX_FSTRING_NESTING {
                        lex.bump(line_end(rest, i));
                        return Err(LexError::FStringTooDeep);
                    }
                    stack.push(Mode::Text);
                    i += 2;
                }
                b'(' | b'[' | b'{' => {
                    *stack.last_mut().unwrap() = Mode::Field(depth + 1);
                    i += 1;
                }
                b')' | b']' => {
                    *stack.last_mut().unwrap() = Mode::Field(depth.saturating_sub(1));
                    i += 1;
                }
                b'}' if depth > 0 => {
                    *stack.last_mut().unwrap() = Mode::Field(depth - 1);
                    i += 1;
                }
                b'}' => {
                    stack.pop();
                    i += 1;
                }
                _ => i += 1,
            },
        }
    }
    lex.bump(line_end(rest, i.min(rest.len())));
    Err(LexError::UnterminatedString)
}

fn line_end(rest: &[u8], from: usize) -> usize {
    rest[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(rest.len(), |p| from + p)
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Token {
    /// Keywords, for highlighting and completion.
    pub fn is_keyword(self) -> bool {
        use Token::*;
        matches!(
            self,
            Env | Task
                | Fn
                | Struct
                | Async
                | Await
                | Return
                | If
                | Elif
                | Else
                | For
                | In
                | While
                | Break
                | Continue
                | Let
                | Try
                | Except
                | Finally
                | Raise
                | With
                | And
                | Or
                | Not
                | True
                | False
                | None
                | Import
                | As
        )
    }

    /// Tokens that the pest grammar also sees as tokens of their own (leaves of its parse
    /// tree): names, literals and keywords. Punctuation is matched inline by pest.
    pub fn is_leaf(self) -> bool {
        use Token::*;
        self.is_keyword() || matches!(self, Ident | Int | Float | Duration | Str | FStr)
    }
}

/// The keywords of the language, as written.
pub const KEYWORDS: &[&str] = &[
    "env", "task", "fn", "struct", "async", "await", "return", "if", "elif", "else", "for", "in",
    "while", "break", "continue", "let", "try", "except", "finally", "raise", "with", "and", "or",
    "not", "true", "false", "none", "import", "as",
];

/// Tokens of `src` with their byte ranges; errors carry the range of the bad input.
pub fn tokenize(
    src: &str,
) -> impl Iterator<Item = (Result<Token, LexError>, std::ops::Range<usize>)> + '_ {
    Token::lexer(src).spanned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Result<Token, LexError>> {
        tokenize(src).map(|(t, _)| t).collect()
    }

    #[test]
    fn keywords_and_idents() {
        assert_eq!(
            kinds("env envx import in"),
            [
                Ok(Token::Env),
                Ok(Token::Ident),
                Ok(Token::Import),
                Ok(Token::In)
            ]
        );
    }

    #[test]
    fn numbers_and_durations() {
        assert_eq!(
            kinds("1_000 0x1f 3.14 1e-3 500ms 1.5h 10min"),
            [
                Ok(Token::Int),
                Ok(Token::Int),
                Ok(Token::Float),
                Ok(Token::Float),
                Ok(Token::Duration),
                Ok(Token::Duration),
                Ok(Token::BadNumber)
            ]
        );
    }

    #[test]
    fn strings() {
        let toks: Vec<_> = tokenize(r#""a\"b" "open"#).collect();
        assert_eq!(toks[0], (Ok(Token::Str), 0..6));
        assert_eq!(toks[1], (Err(LexError::UnterminatedString), 7..12));
    }

    #[test]
    fn fstrings_with_nested_strings_and_braces() {
        let src = r#"f"a {d["k"]} {{x}} {f"{y}"}" + 1"#;
        let toks: Vec<_> = tokenize(src).collect();
        assert_eq!(toks[0], (Ok(Token::FStr), 0..28));
        assert_eq!(toks[1].0, Ok(Token::Plus));
        assert_eq!(kinds("f\"abc\n")[0], Err(LexError::UnterminatedString));
    }

    #[test]
    fn deeply_nested_fstrings_are_an_error_not_a_crash() {
        let mut src = String::from("x");
        for _ in 0..100 {
            src = format!("f\"{{{src}}}\"");
        }
        assert!(kinds(&src).contains(&Err(LexError::FStringTooDeep)));
    }
}
