//! Shared helpers for the configuration validators: reading a constructor call's arguments by
//! keyword or position, the argument-list errors (unknown, repeated, missing, too many), type
//! errors, durations, and the code remapping inside `override(...)`.
//!
//! A validator opens a [`Sink`] for its level, pushes every diagnostic through it (so inside
//! `override(...)` each error becomes `E0510`, see [`for_level`]) and ends with
//! [`Sink::finish`], which gives the normalized spec only if no error was reported.
//!
//! ```
//! use flyte_dsl::check::config::args::for_level;
//! use flyte_dsl::check::config::Level;
//! use flyte_dsl::diagnostics::Diagnostic;
//! let d = for_level(Level::Override, Diagnostic::error("E0301", "bad quantity"));
//! assert_eq!(d.code, "E0510");
//! assert!(d.help.unwrap().contains("outside an override this is E0301"));
//! ```

use super::value::{Const, ConstArg, Level, SConst};
use crate::diagnostics::suggest::closest;
use crate::diagnostics::{Diagnostic, Span};

const NS_PER_SEC: i64 = 1_000_000_000;

/// Inside `override(...)` every error is `E05xx` (docs/language.md): an `E03xx` or
/// `E04xx` error becomes `E0510`, keeping its message and labels, and its help says which code
/// it has elsewhere. Warnings, other levels and `E05xx` errors are unchanged.
pub fn for_level(level: Level, mut d: Diagnostic) -> Diagnostic {
    if level == Level::Override
        && d.is_error()
        && (d.code.starts_with("E03") || d.code.starts_with("E04"))
    {
        let note = format!("outside an override this is {}", d.code);
        d.help = Some(match d.help.take() {
            Some(h) => format!("{h} ({note})"),
            None => note,
        });
        d.code = "E0510";
    }
    d
}

/// Where a validator's diagnostics go: remapped for the level, remembering whether any error
/// was reported.
pub struct Sink<'d> {
    pub level: Level,
    diags: &'d mut Vec<Diagnostic>,
    failed: bool,
}

impl<'d> Sink<'d> {
    pub fn new(level: Level, diags: &'d mut Vec<Diagnostic>) -> Sink<'d> {
        Sink {
            level,
            diags,
            failed: false,
        }
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.failed |= d.is_error();
        self.diags.push(for_level(self.level, d));
    }

    /// Whether an error has been pushed so far.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// The spec, unless an error was reported.
    pub fn finish<T>(self, value: T) -> Option<T> {
        (!self.failed).then_some(value)
    }
}

/// The arguments of one constructor call, matched to its parameters.
#[derive(Debug)]
pub struct Args<'a> {
    params: &'static [&'static str],
    values: Vec<Option<&'a SConst>>,
}

impl<'a> Args<'a> {
    /// The argument, if it was passed at all (even as `none` or a run-time value).
    pub fn given(&self, name: &str) -> Option<&'a SConst> {
        let i = self.params.iter().position(|p| *p == name)?;
        self.values[i]
    }

    /// The argument, if it was passed with a value known statically (`none` included).
    pub fn known(&self, name: &str) -> Option<&'a SConst> {
        self.given(name)
            .filter(|v| !matches!(v.value, Const::Unknown))
    }

    /// The argument, if it was passed with a value known statically and not `none`.
    pub fn get(&self, name: &str) -> Option<&'a SConst> {
        self.given(name)
            .filter(|v| !matches!(v.value, Const::None | Const::Unknown))
    }
}

/// Matches the arguments of `ctor(...)` (written at `call`) to `params`: positional ones in
/// order, then keywords. An unknown keyword (with did-you-mean), a repeated argument, too many
/// positional arguments or a missing `required` one is reported with `code`.
pub fn read_args<'a>(
    sink: &mut Sink,
    code: &'static str,
    ctor: &str,
    call: Span,
    args: impl IntoIterator<Item = &'a ConstArg>,
    params: &'static [&'static str],
    required: &[&str],
) -> Args<'a> {
    let mut values: Vec<Option<&'a SConst>> = vec![None; params.len()];
    let mut position = 0;
    for arg in args {
        let index = match &arg.name {
            None => {
                position += 1;
                if position > params.len() {
                    sink.push(
                        Diagnostic::error(
                            code,
                            format!(
                                "`{ctor}(...)` takes at most {} positional argument{}",
                                params.len(),
                                if params.len() == 1 { "" } else { "s" }
                            ),
                        )
                        .with_label(arg.span, "one argument too many")
                        .with_help(format!("its arguments are {}", list_code(params))),
                    );
                    continue;
                }
                position - 1
            }
            Some(name) => match params.iter().position(|p| *p == name.as_str()) {
                Some(i) => i,
                None => {
                    let help = match closest(name, params.iter().copied()) {
                        Some(s) => format!(
                            "did you mean `{s}`? `{ctor}(...)` takes {}",
                            list_code(params)
                        ),
                        None => format!("`{ctor}(...)` takes {}", list_code(params)),
                    };
                    sink.push(
                        Diagnostic::error(code, format!("`{ctor}(...)` has no argument `{name}`"))
                            .with_label(arg.span, "unknown argument")
                            .with_help(help),
                    );
                    continue;
                }
            },
        };
        if let Some(first) = values[index] {
            sink.push(
                Diagnostic::error(
                    code,
                    format!("`{}` is given twice in `{ctor}(...)`", params[index]),
                )
                .with_label(arg.span, "given again here")
                .with_secondary(first.span, "first given here"),
            );
            continue;
        }
        values[index] = Some(&arg.value);
    }
    for name in required {
        let i = params.iter().position(|p| p == name).expect("a parameter");
        if values[i].is_none() {
            sink.push(
                Diagnostic::error(code, format!("`{ctor}(...)` needs `{name}`"))
                    .with_label(call, format!("`{name}` is missing"))
                    .with_help(format!("pass it as `{ctor}({name} = ...)`")),
            );
        }
    }
    Args { params, values }
}

/// `` `cpu`, `memory` and `gpu` ``.
pub fn list_code(names: &[&str]) -> String {
    list(&names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>())
}

/// `"a", "b" or "c"`.
pub fn list_quoted(names: &[&str]) -> String {
    list_or(&names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>())
}

/// `"a", "b" and "c"`.
pub fn list_strings(names: &[&str]) -> String {
    list(&names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>())
}

/// A non-negative count that must fit in a `u32`; `code` "too large" otherwise.
pub fn to_u32(sink: &mut Sink, code: &'static str, what: &str, n: i64, v: &SConst) -> Option<u32> {
    let r = u32::try_from(n).ok();
    if r.is_none() {
        sink.push(
            Diagnostic::error(code, format!("{what} {n} is too large"))
                .with_label(v.span, "too large"),
        );
    }
    r
}

/// `a, b and c`.
pub fn list<S: AsRef<str>>(items: &[S]) -> String {
    join_last(items, " and ")
}

/// `a, b or c`.
pub fn list_or<S: AsRef<str>>(items: &[S]) -> String {
    join_last(items, " or ")
}

fn join_last<S: AsRef<str>>(items: &[S], last: &str) -> String {
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    match items.len() {
        0 => String::new(),
        1 => items[0].to_string(),
        n => format!("{}{last}{}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// A type error: "`what` must be `expected`, not a list", pointing at the value.
pub fn type_error(code: &'static str, what: &str, expected: &str, v: &SConst) -> Diagnostic {
    Diagnostic::error(
        code,
        format!("{what} must be {expected}, not {}", v.value.describe()),
    )
    .with_label(v.span, format!("this is {}", v.value.describe()))
}

/// Why a value is not a number of seconds or a duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationError {
    /// A float: flyte-sdk takes an int of seconds or a timedelta only.
    Float,
    /// Neither an int nor a duration.
    WrongType,
    /// More seconds than fit in 64-bit nanoseconds.
    TooLarge,
}

/// An int of seconds or a duration, in nanoseconds (negative values are returned as they are).
pub fn duration_ns(v: &Const) -> Result<i64, DurationError> {
    match v {
        Const::Int(n) => n.checked_mul(NS_PER_SEC).ok_or(DurationError::TooLarge),
        Const::Duration(ns) => Ok(*ns),
        Const::Float(_) => Err(DurationError::Float),
        _ => Err(DurationError::WrongType),
    }
}

/// The diagnostic for a [`DurationError`] of setting `what`.
pub fn duration_error(code: &'static str, what: &str, e: DurationError, v: &SConst) -> Diagnostic {
    match e {
        DurationError::Float => Diagnostic::error(
            code,
            format!("{what} must be an int (seconds) or a duration, not a float"),
        )
        .with_label(v.span, "a float")
        .with_help("write whole seconds (`90`) or a duration (`1.5m`, `90s`, `500ms`)"),
        DurationError::WrongType => type_error(code, what, "an int (seconds) or a duration", v),
        DurationError::TooLarge => Diagnostic::error(code, format!("{what} is too large"))
            .with_label(v.span, "does not fit in 64-bit nanoseconds"),
    }
}

/// Nanoseconds as a duration literal: `30s`, `1.5s`, `500ms`, `10m`.
pub fn fmt_duration(ns: i64) -> String {
    const UNITS: &[(i64, &str)] = &[
        (86_400 * NS_PER_SEC, "d"),
        (3_600 * NS_PER_SEC, "h"),
        (60 * NS_PER_SEC, "m"),
        (NS_PER_SEC, "s"),
        (1_000_000, "ms"),
    ];
    if ns == 0 {
        return "0s".into();
    }
    for (unit, suffix) in UNITS {
        if ns % unit == 0 {
            return format!("{}{suffix}", ns / unit);
        }
    }
    format!("{}s", ns as f64 / NS_PER_SEC as f64)
}

/// A string's did-you-mean help: `did you mean "x"?` or nothing.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|s| format!("did you mean \"{s}\"?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_literals() {
        assert_eq!(fmt_duration(30 * NS_PER_SEC), "30s");
        assert_eq!(fmt_duration(600 * NS_PER_SEC), "10m");
        assert_eq!(fmt_duration(1_500_000_000), "1500ms");
        assert_eq!(fmt_duration(0), "0s");
        assert_eq!(fmt_duration(1), "0.000000001s");
    }

    #[test]
    fn lists() {
        assert_eq!(list_code(&["a", "b", "c"]), "`a`, `b` and `c`");
        assert_eq!(list_quoted(&["x", "y"]), "\"x\" or \"y\"");
        assert_eq!(list_code(&["a"]), "`a`");
    }
}
