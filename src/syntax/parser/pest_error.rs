//! pest's errors in words: what was found ("unexpected name `x`") and what could come instead,
//! by grammar rule.

use super::{FlyteParser, Rule};
use crate::diagnostics::{FileId, Span};
use crate::syntax::error::SyntaxError;
use crate::syntax::lexer::{tokenize, LexError, Token};
use pest::Parser as _;

/// A description of the token at `at` for "unexpected X".
pub(super) fn describe_token(src: &str, at: usize) -> (String, usize) {
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

pub(super) fn friendly_rule(rule: Rule) -> Option<&'static str> {
    use super::Rule::*;
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

pub(super) const PUNCT: &[&str] = &[
    ")", "]", "}", ",", "(", "[", "{", ":", "=", "->", ".", "?", "|", "@", ";",
];

pub(super) fn describe_pest_error(
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
    } else if let Some(k) = crate::syntax::error::misspelled_keyword(src, abs) {
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
