//! Long lines split as black (and ruff's formatter) splits them, so the module reads as a
//! person's formatted code: a line over 88 columns is split at its last bracket pair whose
//! opening line fits ("right-hand split"), and a bracket's contents that still do not fit go
//! one item a line with a trailing comma ("delimiter split"), recursively. The right-hand
//! side of `return` and of an assignment is in optional parentheses, as black treats it: they
//! are written only when the expression does not end in a bracket it can split at instead.

/// Black's line length.
const WIDTH: usize = 88;

/// Lays out `text` (a module of lines indented by four spaces a level).
pub fn layout(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        if body.len() <= WIDTH || body.trim_start().starts_with('#') {
            out.push_str(line);
            continue;
        }
        let indent = (body.len() - body.trim_start().len()) / 4;
        for (i, l) in statement(indent, body.trim_start()) {
            for _ in 0..i {
                out.push_str("    ");
            }
            out.push_str(&l);
            out.push('\n');
        }
    }
    out
}

fn fits(indent: usize, s: &str) -> bool {
    indent * 4 + s.chars().count() <= WIDTH
}

/// A token of a line: its byte range, and what it is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Open,
    Close,
    Comma,
    /// An operator or keyword black splits at, with its priority.
    Delim(u8),
    Other,
}

#[derive(Clone, Copy, Debug)]
struct Tok {
    start: usize,
    end: usize,
    kind: Kind,
    depth: usize,
}

const COMPREHENSION: u8 = 20;
const TERNARY: u8 = 16;
const LOGIC: u8 = 14;
const COMPARATOR: u8 = 10;
const ARITH: u8 = 5;
const TERM: u8 = 4;

/// Splits a line into tokens, with each one's bracket depth (an opening or closing bracket
/// has the depth outside it).
fn tokens(s: &str) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = match c {
            b' ' => {
                i += 1;
                continue;
            }
            b'"' | b'\'' => {
                i = string_end(b, i);
                Kind::Other
            }
            b'f' | b'r' | b'b' if matches!(b.get(i + 1), Some(b'"' | b'\'')) => {
                i = string_end(b, i + 1);
                Kind::Other
            }
            b'(' | b'[' | b'{' => {
                i += 1;
                out.push(Tok {
                    start,
                    end: i,
                    kind: Kind::Open,
                    depth,
                });
                depth += 1;
                continue;
            }
            b')' | b']' | b'}' => {
                i += 1;
                depth = depth.saturating_sub(1);
                Kind::Close
            }
            b',' => {
                i += 1;
                Kind::Comma
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || b[i] == b'_'
                        || b[i] >= 0x80
                        || b[i] == b'.')
                {
                    // A number's exponent sign stays in it (`1e-7`).
                    i += 1;
                    if i < b.len()
                        && matches!(b[i], b'+' | b'-')
                        && b[start].is_ascii_digit()
                        && matches!(b[i - 1], b'e' | b'E')
                    {
                        i += 1;
                    }
                }
                match &s[start..i] {
                    "for" | "async" => Kind::Delim(COMPREHENSION),
                    "if" | "else" => Kind::Delim(TERNARY),
                    "and" | "or" => Kind::Delim(LOGIC),
                    "in" | "not" | "is" => Kind::Delim(COMPARATOR),
                    _ => Kind::Other,
                }
            }
            _ => {
                while i < b.len() && b"=<>!+-*/%|&^~:@".contains(&b[i]) {
                    i += 1;
                }
                if i == start {
                    i += 1;
                }
                match &s[start..i] {
                    "==" | "!=" | "<" | "<=" | ">" | ">=" => Kind::Delim(COMPARATOR),
                    "+" | "-" => Kind::Delim(ARITH),
                    "*" | "/" | "//" | "%" | "@" => Kind::Delim(TERM),
                    _ => Kind::Other,
                }
            }
        };
        out.push(Tok {
            start,
            end: i,
            kind,
            depth,
        });
    }
    // A unary minus (after an operator, an opening bracket or a comma) is no delimiter, and
    // neither is a `*` that spreads (`*xs`), nor `in` after `for` (it belongs to the clause).
    for k in 0..out.len() {
        if let Kind::Delim(p) = out[k].kind {
            let prev = k.checked_sub(1).map(|j| out[j].kind);
            let unary = matches!(prev, None | Some(Kind::Open | Kind::Comma | Kind::Delim(_)));
            if (p == ARITH || p == TERM) && unary {
                out[k].kind = Kind::Other;
            }
            if p == COMPARATOR && &s[out[k].start..out[k].end] == "in" {
                let clause = out[..k]
                    .iter()
                    .rev()
                    .take_while(|t| t.depth >= out[k].depth)
                    .filter(|t| t.depth == out[k].depth)
                    .find(|t| matches!(t.kind, Kind::Delim(_)))
                    .is_some_and(|t| &s[t.start..t.end] == "for");
                if clause {
                    out[k].kind = Kind::Other;
                }
            }
            if p == COMPARATOR && &s[out[k].start..out[k].end] == "not" {
                // `not x` on its own is a unary operator; `not in` is a comparison.
                let next_in = out.get(k + 1).is_some_and(|t| &s[t.start..t.end] == "in");
                if next_in {
                    out[k + 1].kind = Kind::Other;
                } else {
                    out[k].kind = Kind::Other;
                }
            }
            // In `async for`, the split goes before `async`.
            if p == COMPREHENSION
                && &s[out[k].start..out[k].end] == "for"
                && k > 0
                && &s[out[k - 1].start..out[k - 1].end] == "async"
            {
                out[k].kind = Kind::Other;
            }
        }
    }
    out
}

fn string_end(b: &[u8], open: usize) -> usize {
    let q = b[open];
    let mut i = open + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == q => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// A statement too long for its line, split as black splits it.
fn statement(indent: usize, s: &str) -> Vec<(usize, String)> {
    if fits(indent, s) {
        return vec![(indent, s.to_string())];
    }
    let toks = tokens(s);
    if s.starts_with("def ") || s.starts_with("async def ") {
        return left_hand(indent, s, &toks);
    }
    // The right-hand side of `return` or of an assignment sits in optional parentheses.
    let rhs_start = if s.starts_with("return ") {
        Some("return ".len())
    } else {
        toks.iter()
            .find(|t| {
                t.depth == 0
                    && t.kind == Kind::Other
                    && matches!(&s[t.start..t.end], "=" | "+=" | "-=" | "*=" | "/=")
            })
            .map(|t| t.end + 1)
            .filter(|&e| e < s.len())
    };
    if let Some(start) = rhs_start {
        let value = &s[start..];
        let vt: Vec<&Tok> = toks.iter().filter(|t| t.start >= start).collect();
        if !can_omit_parens(indent, s, start, &vt) {
            let head = format!("{}(", &s[..start]);
            if fits(indent, &head) {
                let mut out = vec![(indent, head)];
                out.extend(inside(indent + 1, value));
                out.push((indent, ")".to_string()));
                return out;
            }
            return vec![(indent, s.to_string())];
        }
    }
    right_hand(indent, s, &toks, rhs_start.unwrap_or(0))
        .unwrap_or_else(|| vec![(indent, s.to_string())])
}

/// Black's split of a `def`: at its parameters' bracket. A lone parameter gets a trailing
/// comma, which then keeps it on a line of its own.
fn left_hand(indent: usize, s: &str, toks: &[Tok]) -> Vec<(usize, String)> {
    let refs: Vec<&Tok> = toks.iter().collect();
    let Some(o) = refs
        .iter()
        .position(|t| t.kind == Kind::Open && t.depth == 0)
    else {
        return vec![(indent, s.to_string())];
    };
    let Some(c) = (o + 1..refs.len()).find(|&k| refs[k].kind == Kind::Close && refs[k].depth == 0)
    else {
        return vec![(indent, s.to_string())];
    };
    let body = s[refs[o].end..refs[c].start].trim();
    if body.is_empty() {
        return vec![(indent, s.to_string())];
    }
    let mut out = vec![(indent, s[..refs[o].end].to_string())];
    let lone = !refs[o + 1..c]
        .iter()
        .any(|t| t.kind == Kind::Comma && t.depth == 1);
    if lone {
        out.extend(inside(
            indent + 1,
            &format!("{},", body.trim_end_matches(',')),
        ));
    } else {
        out.extend(inside(indent + 1, body));
    }
    out.extend(statement(indent, &s[refs[c].start..]));
    out
}

/// Black's `can_omit_invisible_parens`: the value has no delimiter at its top level, or it ends
/// in a bracket it can split at and has at most one delimiter of the loosest kind.
fn can_omit_parens(indent: usize, s: &str, start: usize, vt: &[&Tok]) -> bool {
    let top: Vec<&&Tok> = vt.iter().filter(|t| t.depth == 0).collect();
    let max = top
        .iter()
        .filter_map(|t| match t.kind {
            Kind::Delim(p) => Some(p),
            Kind::Comma => Some(18),
            _ => None,
        })
        .max();
    let count = top
        .iter()
        .filter(|t| match t.kind {
            Kind::Delim(p) => Some(p) == max,
            Kind::Comma => max == Some(18),
            _ => false,
        })
        .count();
    // Without delimiters the optional parentheses are useless when the value ends in brackets
    // and some bracket pair of it can be split (`await f(...)()`); an atom such as a long
    // f-string keeps them.
    if max.is_none()
        && vt
            .last()
            .is_some_and(|t| t.kind == Kind::Close && t.depth == 0)
        && vt.iter().enumerate().any(|(i, t)| {
            t.kind == Kind::Open
                && t.depth == 0
                && vt.get(i + 1).is_some_and(|n| n.kind != Kind::Close)
        })
    {
        return true;
    }
    if count > 1 {
        return false;
    }
    let Some(last) = vt.last() else {
        return false;
    };
    if last.kind != Kind::Close || last.depth != 0 {
        return false;
    }
    let Some(open) = matching_open(vt, vt.len() - 1) else {
        return false;
    };
    if open + 1 == vt.len() - 1 {
        return false; // `()`: nothing to split at
    }
    // `_can_omit_closing_paren`: the line up to the last bracket's opening fits, or other
    // brackets come first.
    let first_open = vt.iter().position(|t| t.kind == Kind::Open);
    first_open != Some(open) || fits(indent, &s[..vt[open].end]) || start == 0
}

fn matching_open(toks: &[&Tok], close: usize) -> Option<usize> {
    let d = toks[close].depth;
    (0..close)
        .rev()
        .find(|&j| toks[j].kind == Kind::Open && toks[j].depth == d)
}

/// Black's right-hand split: at the last bracket pair (at depth 0, from `from`) whose opening
/// line fits, trying pairs from the right.
fn right_hand(indent: usize, s: &str, toks: &[Tok], from: usize) -> Option<Vec<(usize, String)>> {
    let refs: Vec<&Tok> = toks.iter().collect();
    let closes: Vec<usize> = (0..refs.len())
        .rev()
        .filter(|&k| refs[k].kind == Kind::Close && refs[k].depth == 0 && refs[k].start >= from)
        .collect();
    let mut fallback = None;
    for &c in &closes {
        let Some(o) = matching_open(&refs, c) else {
            continue;
        };
        if o + 1 == c || refs[o].start < from {
            continue; // empty brackets cannot be split
        }
        let head = &s[..refs[o].end];
        let body = s[refs[o].end..refs[c].start].trim();
        let tail = &s[refs[c].start..];
        let split = (head.to_string(), body.to_string(), tail.to_string());
        if fits(indent, head) {
            return Some(assemble(indent, split));
        }
        fallback.get_or_insert(split);
        // Black stops trying once the trailers omitted are longer than a line.
        if !fits(indent, &s[refs[o].start..]) {
            break;
        }
    }
    fallback.map(|split| assemble(indent, split))
}

fn assemble(indent: usize, (head, body, tail): (String, String, String)) -> Vec<(usize, String)> {
    let mut out = vec![(indent, head)];
    out.extend(inside(indent + 1, &body));
    out.extend(statement(indent, &tail));
    out
}

/// The contents of brackets at `indent`: one line if they fit, else split at their loosest
/// delimiter (commas: one item a line, each with a trailing comma), else right-hand split.
fn inside(indent: usize, s: &str) -> Vec<(usize, String)> {
    if fits(indent, s) {
        return vec![(indent, s.to_string())];
    }
    let toks = tokens(s);
    let mut commas: Vec<&Tok> = toks
        .iter()
        .filter(|t| t.depth == 0 && t.kind == Kind::Comma)
        .collect();
    // A trailing comma ends the last item; it separates nothing.
    if commas.last().is_some_and(|c| s[c.end..].trim().is_empty()) {
        commas.pop();
    }
    let body = s.trim_end().trim_end_matches(',');
    if !commas.is_empty() {
        let mut out = Vec::new();
        let mut start = 0;
        let ends = commas
            .iter()
            .map(|c| (c.start, c.end))
            .chain([(body.len(), body.len())]);
        for (end, next) in ends {
            let item = body[start..end].trim();
            // The comma counts in the item's width; it stays after the item's last line.
            out.extend(inside(indent, &format!("{item},")));
            start = next;
        }
        return out;
    }
    let max = toks
        .iter()
        .filter(|t| t.depth == 0)
        .filter_map(|t| match t.kind {
            Kind::Delim(p) => Some(p),
            _ => None,
        })
        .max();
    if let Some(p) = max {
        let cuts: Vec<usize> = toks
            .iter()
            .filter(|t| t.depth == 0 && t.kind == Kind::Delim(p) && t.start > 0)
            .map(|t| t.start)
            .collect();
        if !cuts.is_empty() {
            let mut out = Vec::new();
            let mut start = 0;
            for cut in cuts.into_iter().chain([s.len()]) {
                let piece = s[start..cut].trim();
                if !piece.is_empty() {
                    out.extend(inside(indent, piece));
                }
                start = cut;
            }
            return out;
        }
    }
    right_hand(indent, s, &toks, 0).unwrap_or_else(|| vec![(indent, s.to_string())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_stay() {
        assert_eq!(layout("x = f(a, b)\n"), "x = f(a, b)\n");
    }

    #[test]
    fn a_call_splits_at_its_last_bracket_then_by_commas() {
        let long = format!(
            "env = flyte.TaskEnvironment(name=\"{}\", cache=\"auto\")\n",
            "n".repeat(60)
        );
        assert_eq!(
            layout(&long),
            format!(
                "env = flyte.TaskEnvironment(\n    name=\"{}\", cache=\"auto\"\n)\n",
                "n".repeat(60)
            )
        );
        let longer = format!(
            "env = flyte.TaskEnvironment(name=\"{}\", cache=\"auto\")\n",
            "n".repeat(90)
        );
        assert_eq!(
            layout(&longer),
            format!(
                "env = flyte.TaskEnvironment(\n    name=\"{}\",\n    cache=\"auto\",\n)\n",
                "n".repeat(90)
            )
        );
    }

    /// As black 26 and ruff 0.17 both write it: a right-hand side with no delimiter keeps no
    /// parentheses, and the split goes to the last bracket pair that is not empty.
    #[test]
    fn a_long_atom_keeps_its_parentheses() {
        let line = format!("    out[\"shape\"] = f\"{}\"\n", "x".repeat(90));
        assert_eq!(
            layout(&line),
            format!(
                "    out[\"shape\"] = (\n        f\"{}\"\n    )\n",
                "x".repeat(90)
            )
        );
    }

    #[test]
    fn an_await_of_an_override_call_is_not_parenthesized() {
        let line = "    b = await pooled.override(reusable=\"off\", resources=flyte.Resources(gpu=\"H100:8\", cpu=2))()\n";
        assert_eq!(
            layout(line),
            "    b = await pooled.override(\n        reusable=\"off\", resources=flyte.Resources(gpu=\"H100:8\", cpu=2)\n    )()\n"
        );
    }
}
