//! The error-recovering driver: pest parses one top-level item at a time; after an error it
//! skips to the next line that starts an item (or, for an error inside a task decorator's
//! arguments, blanks out the arguments that do not parse and tries the item again).

use super::build::Builder;
use super::pest_error::describe_pest_error;
use super::{FlyteParser, Parsed, Rule, MAX_AST_DEPTH};
use crate::diagnostics::FileId;
use crate::syntax::ast::*;
use crate::syntax::brackets::{self, prepass};
use crate::syntax::error::SyntaxError;
use crate::syntax::lexer::{tokenize, Token};
use pest::Parser as _;
use std::rc::Rc;

pub(super) fn parse_on_big_stack(src: &str, file: FileId, rule: Rule) -> Parsed {
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
pub(super) fn blank_bad_decorator_args(input: &str, pos: usize, err: usize) -> Option<String> {
    let mut toks = tokenize(&input[pos..])
        .map(|(t, r)| (t, pos + r.start..pos + r.end))
        .skip_while(|(t, _)| matches!(t, Ok(Token::Newline | Token::Comment | Token::Semi)))
        .peekable();
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
    // `Err(end)`: the `(` is never closed, and an item starts a line after the last argument,
    // which ends at `end` (`@env(retries = 2` on the line before `task`).
    let mut last_end = open;
    let close: Result<usize, usize> = loop {
        let (t, r) = toks.next()?;
        match t {
            Ok(Token::LParen | Token::LBracket | Token::LBrace) => depth += 1,
            Ok(Token::RParen) if depth == 0 => break Ok(r.start),
            Ok(Token::RParen | Token::RBracket | Token::RBrace) => depth = depth.checked_sub(1)?,
            Ok(Token::Comma) if depth == 0 => {
                chunks.push((start, r.start));
                start = r.end;
            }
            Ok(Token::Newline) if depth == 0 => {
                let next = toks.peek().map(|(t, r)| (*t, r.start));
                if let Some((Ok(tok), at)) = next {
                    if brackets::starts_item(tok) && (at == 0 || input.as_bytes()[at - 1] == b'\n')
                    {
                        break Err(last_end);
                    }
                }
            }
            _ => {}
        }
        if !matches!(t, Ok(Token::Newline | Token::Comment)) {
            last_end = r.end;
        }
    };
    let unclosed = close.err();
    let close = close.unwrap_or_else(|end| end);
    chunks.push((start, close));
    if !(open..=close).contains(&err) && unclosed.is_none_or(|_| err < open) {
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
    if let Some(end) = unclosed {
        // A `)` where the arguments end: over a trailing comma, else over the last argument
        // (which is lost: the decorator keeps its environment and the arguments before it).
        let (s, e) = *chunks.last().expect("one chunk at least");
        let at = if input[s..e].trim().is_empty() && s > open {
            s - 1
        } else {
            chunks.pop();
            s
        };
        if bytes[at] == b'\n' {
            return None; // `@env(` alone on its line: no room for the `)`
        }
        for b in &mut bytes[at..end.max(at + 1)] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
        bytes[at] = b')';
        blanked = true;
    }
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
pub(super) fn resync(src: &str, from: usize) -> Option<usize> {
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
