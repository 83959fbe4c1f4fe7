//! f-string format specs, `{x:spec}`: Python's format mini-language,
//! `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`, with the types
//! `d n x X o b c` (ints), `f F e E g G %` (numbers) and `s` (anything, as `str(v)`).

use crate::diagnostics::ErrorType;
use crate::runtime::ops::value_error;
use crate::runtime::value::{format_float, Value};

/// Width and precision beyond this are refused (Python: "Too many decimal digits").
const MAX_WIDTH: usize = 10_000;

#[derive(Default)]
struct Spec {
    fill: Option<char>,
    align: Option<char>,
    sign: Option<char>,
    z: bool,
    alt: bool,
    zero: bool,
    width: usize,
    grouping: Option<char>,
    precision: Option<usize>,
    ty: Option<char>,
}

fn parse(spec: &str) -> Result<Spec, Value> {
    let bad = || {
        value_error(format!(
            "invalid format specifier {}",
            Value::str(spec).repr()
        ))
    };
    let c: Vec<char> = spec.chars().collect();
    let mut sp = Spec::default();
    let mut i = 0;
    let is_align = |ch: Option<&char>| ch.is_some_and(|ch| "<>^=".contains(*ch));
    if is_align(c.get(1)) {
        sp.fill = c.first().copied();
        sp.align = c.get(1).copied();
        i = 2;
    } else if is_align(c.first()) {
        sp.align = c.first().copied();
        i = 1;
    }
    if let Some(s @ ('+' | '-' | ' ')) = c.get(i) {
        sp.sign = Some(*s);
        i += 1;
    }
    if c.get(i) == Some(&'z') {
        sp.z = true;
        i += 1;
    }
    if c.get(i) == Some(&'#') {
        sp.alt = true;
        i += 1;
    }
    if c.get(i) == Some(&'0') {
        sp.zero = true;
        i += 1;
    }
    let number = |i: &mut usize| -> Result<Option<usize>, Value> {
        let start = *i;
        let mut n = 0usize;
        while let Some(d) = c.get(*i).and_then(|ch| ch.to_digit(10)) {
            n = n * 10 + d as usize;
            if n > MAX_WIDTH {
                return Err(value_error("too many decimal digits in format string"));
            }
            *i += 1;
        }
        Ok((*i > start).then_some(n))
    };
    sp.width = number(&mut i)?.unwrap_or(0);
    if let Some(g @ (',' | '_')) = c.get(i) {
        sp.grouping = Some(*g);
        i += 1;
    }
    if c.get(i) == Some(&'.') {
        i += 1;
        sp.precision =
            Some(number(&mut i)?.ok_or_else(|| value_error("format specifier missing precision"))?);
    }
    if let Some(t) = c.get(i) {
        sp.ty = Some(*t);
        i += 1;
    }
    if i != c.len() {
        return Err(bad());
    }
    Ok(sp)
}

/// Formats `v` by an f-string spec (`{x:.2f}`, `{name:>10}`, `{n:,}`); an empty spec is `str(v)`.
pub fn format_spec(v: &Value, spec: &str) -> Result<String, Value> {
    if spec.is_empty() {
        return Ok(v.display());
    }
    let sp = parse(spec)?;
    match v {
        Value::Int(i) => format_int(*i, &sp, "int"),
        Value::Bool(b) if sp.ty.is_some_and(|t| t != 's') => format_int(*b as i64, &sp, "bool"),
        Value::Float(f) => format_number(*f, &sp, "float"),
        _ => format_str(&v.display(), &sp, &v.type_name()),
    }
}

fn unknown(ty: char, what: &str) -> Value {
    value_error(format!(
        "unknown format code '{ty}' for a value of type '{what}'"
    ))
}

fn format_str(s: &str, sp: &Spec, what: &str) -> Result<String, Value> {
    if let Some(t) = sp.ty.filter(|t| *t != 's') {
        return Err(unknown(t, what));
    }
    if sp.sign.is_some() || sp.z || sp.alt {
        return Err(value_error("sign not allowed in string format specifier"));
    }
    if let Some(g) = sp.grouping {
        return Err(value_error(format!("cannot specify '{g}' with 's'")));
    }
    if sp.align == Some('=') {
        return Err(value_error(
            "'=' alignment not allowed in string format specifier",
        ));
    }
    let body: String = match sp.precision {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_string(),
    };
    let fill = sp.fill.unwrap_or(if sp.zero { '0' } else { ' ' });
    Ok(pad("", &body, sp.width, fill, sp.align.unwrap_or('<')))
}

/// Aligns `prefix` (a sign, `0x`) and `body` in `width` characters.
fn pad(prefix: &str, body: &str, width: usize, fill: char, align: char) -> String {
    let len = prefix.chars().count() + body.chars().count();
    let n = width.saturating_sub(len);
    let fills = |k: usize| std::iter::repeat_n(fill, k).collect::<String>();
    match align {
        '<' => format!("{prefix}{body}{}", fills(n)),
        '^' => format!("{}{prefix}{body}{}", fills(n / 2), fills(n - n / 2)),
        '=' => format!("{prefix}{}{body}", fills(n)),
        _ => format!("{}{prefix}{body}", fills(n)),
    }
}

/// Inserts `sep` every `every` digits from the right of a run of digits.
fn group(digits: &str, sep: char, every: usize) -> String {
    let n = digits.chars().count();
    let mut out = String::with_capacity(digits.len() + n / every);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(every) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

fn sign_str(negative: bool, sign: Option<char>) -> &'static str {
    match (negative, sign) {
        (true, _) => "-",
        (false, Some('+')) => "+",
        (false, Some(' ')) => " ",
        _ => "",
    }
}

/// Pads a number: the `0` flag means fill `0` after the sign, with grouping separators
/// continuing into the zeros (as Python's `{:010,}`).
fn finish(sign: &str, prefix: &str, int_part: &str, rest: &str, sp: &Spec, every: usize) -> String {
    let fill = sp.fill.unwrap_or(if sp.zero { '0' } else { ' ' });
    let align = sp.align.unwrap_or(if sp.zero { '=' } else { '>' });
    let head = format!("{sign}{prefix}");
    let mut digits = int_part.to_string();
    if fill == '0' && align == '=' && sp.grouping.is_some() && !int_part.is_empty() {
        let target = sp
            .width
            .saturating_sub(head.chars().count() + rest.chars().count());
        let mut d = digits.len().max(1);
        while d + (d - 1) / every < target {
            d += 1;
        }
        digits = format!("{}{digits}", "0".repeat(d - digits.len().min(d)));
    }
    let grouped = match sp.grouping {
        Some(g) => group(&digits, g, every),
        None => digits,
    };
    pad(&head, &format!("{grouped}{rest}"), sp.width, fill, align)
}

fn format_int(i: i64, sp: &Spec, what: &str) -> Result<String, Value> {
    let ty = sp.ty.unwrap_or('d');
    if "eEfFgG%".contains(ty) {
        return format_number(i as f64, sp, what);
    }
    if sp.precision.is_some() {
        return Err(value_error(
            "precision not allowed in integer format specifier",
        ));
    }
    if sp.z {
        return Err(value_error(
            "negative zero coercion (z) not allowed in integer format specifier",
        ));
    }
    if let Some(g) = sp.grouping {
        if !"dxXob".contains(ty) || g == ',' && ty != 'd' {
            return Err(value_error(format!("cannot specify '{g}' with '{ty}'")));
        }
    }
    let u = i.unsigned_abs();
    let (digits, prefix, every) = match ty {
        'd' | 'n' => (u.to_string(), "", 3),
        'x' => (format!("{u:x}"), "0x", 4),
        'X' => (format!("{u:X}"), "0X", 4),
        'o' => (format!("{u:o}"), "0o", 4),
        'b' => (format!("{u:b}"), "0b", 4),
        'c' => {
            // CPython's order: the sign and `#` are refused before the range is checked.
            if sp.sign.is_some() {
                return Err(value_error(
                    "sign not allowed with integer format specifier 'c'",
                ));
            }
            if sp.alt {
                return Err(value_error(
                    "alternate form (#) not allowed with integer format specifier 'c'",
                ));
            }
            let c = u32::try_from(i)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| {
                    Value::error(ErrorType::OverflowError, "%c arg not in range(0x110000)")
                })?;
            return Ok(finish("", "", "", &c.to_string(), sp, 3));
        }
        t => return Err(unknown(t, what)),
    };
    let prefix = if sp.alt { prefix } else { "" };
    Ok(finish(
        sign_str(i < 0, sp.sign),
        prefix,
        &digits,
        "",
        sp,
        every,
    ))
}

/// Python's exponent form: `1.5e+07`, at least two exponent digits.
fn exp_form(a: f64, precision: usize, upper: bool) -> String {
    let s = format!("{a:.precision$e}");
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let e = if upper { 'E' } else { 'e' };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mant}{e}{sign}{:02}", exp.unsigned_abs())
}

/// `g`: fixed or exponent form by the exponent, trailing zeros removed unless `#`.
fn general(a: f64, p: usize, alt: bool, upper: bool, dot0: bool) -> String {
    let p = p.max(1);
    let probe = format!("{a:.prec$e}", prec = p - 1);
    let exp: i64 = probe
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    // With no type, Python switches to the exponent form one digit earlier.
    let limit = if dot0 { p as i64 - 1 } else { p as i64 };
    let mut s = if -4 <= exp && exp < limit {
        format!("{a:.prec$}", prec = (p as i64 - 1 - exp).max(0) as usize)
    } else {
        exp_form(a, p - 1, upper)
    };
    if !alt {
        let (mant, tail) = match s.find(['e', 'E']) {
            Some(k) => (s[..k].to_string(), s[k..].to_string()),
            None => (s.clone(), String::new()),
        };
        let mant = if mant.contains('.') {
            mant.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            mant
        };
        s = format!("{mant}{tail}");
    }
    if dot0 && !s.contains(['.', 'e', 'E']) {
        s.push_str(".0");
    }
    s
}

fn format_number(f: f64, sp: &Spec, what: &str) -> Result<String, Value> {
    let ty = sp.ty;
    if let Some(t) = ty.filter(|t| !"eEfFgGn%".contains(*t)) {
        return Err(unknown(t, what));
    }
    if sp.grouping.is_some() && ty == Some('n') {
        return Err(value_error("cannot specify ',' with 'n'"));
    }
    let upper = ty.is_some_and(|t| t.is_ascii_uppercase());
    let a = f.abs();
    let p = sp.precision;
    let mut body = if f.is_nan() {
        "nan".to_string()
    } else if f.is_infinite() {
        "inf".to_string()
    } else {
        match ty {
            Some('f' | 'F') => format!("{a:.prec$}", prec = p.unwrap_or(6)),
            Some('e' | 'E') => exp_form(a, p.unwrap_or(6), upper),
            Some('%') => format!("{:.prec$}", a * 100.0, prec = p.unwrap_or(6)),
            Some(_) => general(a, p.unwrap_or(6), sp.alt, upper, false),
            None => match p {
                Some(p) => general(a, p, sp.alt, false, true),
                None => format_float(a),
            },
        }
    };
    if upper {
        body = body.to_uppercase();
    }
    if sp.alt && f.is_finite() && !body.contains('.') {
        let k = body.find(['e', 'E']).unwrap_or(body.len());
        body.insert(k, '.');
    }
    if ty == Some('%') {
        body.push('%');
    }
    let is_zero = body.bytes().all(|b| !(b'1'..=b'9').contains(&b));
    let negative = f.is_sign_negative() && !f.is_nan() && !(sp.z && f.is_finite() && is_zero);
    let k = body
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(body.len());
    let (int_part, rest) = body.split_at(k);
    Ok(finish(
        sign_str(negative, sp.sign),
        "",
        int_part,
        rest,
        sp,
        3,
    ))
}
