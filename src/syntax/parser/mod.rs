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
//! Files: `driver.rs` (step 3, the recovering item driver), `pest_error.rs` (pest's errors in
//! words), `build.rs` (step 4: items, types, patterns, statements), `expr.rs` (the builder's
//! expressions) and `precedence.rs` (operators and the shunting-yard).
//!
//! The whole driver runs on a stack grown with `stacker`, so 200 nested brackets parse on any
//! thread, including test threads with 2 MiB stacks.

mod build;
mod driver;
mod expr;
mod pest_error;
mod precedence;

use crate::diagnostics::{FileId, Span};
use crate::syntax::ast::*;
use crate::syntax::error::SyntaxError;
use pest::Parser as _;
use std::rc::Rc;

use build::{inner, Builder};
use driver::parse_on_big_stack;
use pest_error::describe_token;

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
