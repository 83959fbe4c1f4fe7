//! Python spellings: names that must not be used as they are, literals, and types.

use crate::check::builtins::is_function;
use crate::check::types::{Record, Type};

/// Python's keywords that the language allows as names.
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Names the exported module itself uses: its imports, the Python builtins its translations
/// call, and the stand-ins of the prelude. A script's own name spelled like one of these gets a
/// trailing `_`, so the module's meaning never depends on what the script happened to call
/// things.
const TAKEN: &[&str] = &[
    // Modules and names imported.
    "flyte",
    "asyncio",
    "dataclass",
    "dataclasses",
    "timedelta",
    "datetime",
    "Optional",
    "Union",
    "time",
    "random",
    "os",
    "typing",
    // Builtins that translations call, besides the language's own (`check::builtins::TABLE`).
    "list",
    "dict",
    "tuple",
    "type",
    "print",
    "format",
    "getattr",
    "Exception",
    "BaseException",
    "RuntimeError",
    "ValueError",
    "TypeError",
    "KeyError",
    "IndexError",
    "ZeroDivisionError",
    "OverflowError",
    "object",
    "self",
    // The prelude's helpers (its stand-ins are named as the builtins of `check::builtins::TABLE`).
    "show",
    "collect",
    "DeadlockError",
    "UnschedulableError",
    "PreemptedError",
    "LimitExceededError",
    "error_code",
    "error_message",
    "error_task",
    "STARTED",
];

/// The Python name for a name of the script.
pub fn py_name(name: &str) -> String {
    let flat = name.replace('.', "_");
    let f = flat.as_str();
    if KEYWORDS.contains(&f) || TAKEN.contains(&f) || is_function(f) {
        format!("{flat}_")
    } else {
        flat
    }
}

/// A Python string literal with the same characters: double-quoted, unless the text has more
/// double quotes than single ones (black's choice, fewer escapes).
pub fn str_lit(s: &str) -> String {
    let q = quote_for(s);
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    escape_into(&mut out, s, q);
    out.push(q);
    out
}

/// The quote black prefers for a string with this text.
pub fn quote_for(s: &str) -> char {
    let doubles = s.matches('"').count();
    let singles = s.matches('\'').count();
    if doubles > singles {
        '\''
    } else {
        '"'
    }
}

/// Appends `s` escaped for a Python string quoted with `quote`.
pub fn escape_into(out: &mut String, s: &str, quote: char) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if is_invisible(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
}

/// Characters written as escapes so the module reads unambiguously (controls, surrogates
/// never occur in Rust strings, line and paragraph separators, byte order marks).
fn is_invisible(c: char) -> bool {
    matches!(c as u32, 0x80..=0x9f | 0x2028 | 0x2029 | 0xfeff | 0x200b..=0x200f)
}

/// A float literal Python reads back as the same number.
pub fn float_lit(f: f64) -> String {
    let s = format!("{f:?}");
    // Rust writes `1e20` and `1e-7`, which Python reads; `inf` and `NaN` cannot come from a
    // literal of the language.
    s
}

/// `timedelta(...)` for a duration in nanoseconds, in its largest exact unit.
pub fn duration_lit(ns: i64) -> String {
    const UNITS: [(&str, i64); 5] = [
        ("days", 86_400_000_000_000),
        ("hours", 3_600_000_000_000),
        ("minutes", 60_000_000_000),
        ("seconds", 1_000_000_000),
        ("milliseconds", 1_000_000),
    ];
    if ns == 0 {
        return "timedelta(0)".into();
    }
    for (unit, size) in UNITS {
        if ns % size == 0 {
            return format!("timedelta({unit}={})", ns / size);
        }
    }
    if ns % 1_000 == 0 {
        return format!("timedelta(microseconds={})", ns / 1_000);
    }
    format!("timedelta(seconds={})", float_lit(ns as f64 / 1e9))
}

/// What a type annotation needs from `typing` and the other imports.
#[derive(Default, Debug, Clone, Copy)]
pub struct TypeNeeds {
    pub optional: bool,
    pub union: bool,
    pub timedelta: bool,
    pub awaitable: bool,
}

/// The Python annotation of a type; `struct_name` spells a struct's name.
pub fn annotation(t: &Type, needs: &mut TypeNeeds, struct_name: &dyn Fn(&str) -> String) -> String {
    let mut a = |t: &Type| annotation(t, needs, struct_name);
    match t {
        Type::Int => "int".into(),
        Type::Float => "float".into(),
        Type::Bool => "bool".into(),
        Type::Str => "str".into(),
        Type::None => "None".into(),
        Type::Duration => {
            needs.timedelta = true;
            "timedelta".into()
        }
        Type::List(e) => format!("list[{}]", a(e)),
        Type::Dict(k, v) => {
            let k = a(k);
            format!("dict[{k}, {}]", a(v))
        }
        Type::Tuple(items) if items.is_empty() => "tuple[()]".into(),
        Type::Tuple(items) => {
            let items: Vec<String> = items.iter().map(&mut a).collect();
            format!("tuple[{}]", items.join(", "))
        }
        Type::Optional(inner) => {
            let inner = a(inner);
            needs.optional = true;
            format!("Optional[{inner}]")
        }
        Type::Union(parts) => {
            let has_none = parts.contains(&Type::None);
            let rest: Vec<String> = parts
                .iter()
                .filter(|p| **p != Type::None)
                .map(&mut a)
                .collect();
            let u = if rest.len() == 1 {
                rest[0].clone()
            } else {
                needs.union = true;
                format!("Union[{}]", rest.join(", "))
            };
            if has_none {
                needs.optional = true;
                format!("Optional[{u}]")
            } else {
                u
            }
        }
        Type::Future(inner) => {
            let inner = a(inner);
            needs.awaitable = true;
            format!("Awaitable[{inner}]")
        }
        Type::Struct(n) => struct_name(n),
        Type::Record(r) => record_class(*r).into(),
        Type::Error(n) => error_class(n).0,
        Type::Task(_) | Type::Fn(_) | Type::Builtin(_) | Type::Module(_) | Type::Any => {
            "object".into()
        }
    }
}

/// The flyte-sdk class of a configuration record.
pub fn record_class(r: Record) -> &'static str {
    match r {
        Record::Env => "flyte.TaskEnvironment",
        Record::Resources => "flyte.Resources",
        Record::Gpu => "flyte.Device",
        Record::Tpu => "flyte.Device",
        Record::Neuron => "flyte.Device",
        Record::AmdGpu => "flyte.Device",
        Record::HabanaGaudi => "flyte.Device",
        Record::ReusePolicy => "flyte.ReusePolicy",
        Record::Cache => "flyte.Cache",
        Record::RetryStrategy => "flyte.RetryStrategy",
        Record::Backoff => "flyte.Backoff",
        Record::Timeout => "flyte.Timeout",
        Record::Group => "object",
    }
}

/// How an error type of the language is written in Python, and how it is built from a
/// message.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ErrorFamily {
    /// A Python builtin exception (`ValueError`): `.code` is its class name.
    Python,
    /// A `flyte.errors` class: it has `.code`.
    Flyte,
    /// The language's catch-all `Error`: Python's `Exception`.
    Any,
    /// flyte-dsl's own (a simulated outcome): a class of the prelude.
    Simulated,
}

/// The Python class for an error type, and its family.
pub fn error_class(name: &str) -> (String, ErrorFamily) {
    match name {
        "Error" => ("Exception".into(), ErrorFamily::Any),
        "ValueError" | "TypeError" | "KeyError" | "IndexError" | "ZeroDivisionError"
        | "OverflowError" => (name.into(), ErrorFamily::Python),
        "CancelledError" => ("asyncio.CancelledError".into(), ErrorFamily::Python),
        "DeadlockError" | "UnschedulableError" | "PreemptedError" | "LimitExceededError" => {
            (name.into(), ErrorFamily::Simulated)
        }
        other => (format!("flyte.errors.{other}"), ErrorFamily::Flyte),
    }
}

/// The Python expression that builds the error `name` with the message `msg` (already
/// Python), `.code` being the type's name as in the language.
pub fn error_ctor(name: &str, msg: &str) -> String {
    let (class, family) = error_class(name);
    let code = str_lit(name);
    match (family, name) {
        (ErrorFamily::Flyte, "BaseRuntimeError") => format!("{class}({code}, \"unknown\", {msg})"),
        (ErrorFamily::Flyte, "InitializationError") => {
            format!("{class}({code}, \"system\", {msg})")
        }
        (
            ErrorFamily::Flyte,
            "TaskTimeoutError"
            | "MaxRuntimeExceededError"
            | "MaxQueuedTimeExceededError"
            | "DeadlineExceededError"
            | "ActionAbortedError"
            | "NonRecoverableError",
        ) => format!("{class}({msg})"),
        (ErrorFamily::Flyte, "RuntimeDataValidationError") => {
            format!("flyte.errors.RuntimeUserError({code}, {msg})")
        }
        (ErrorFamily::Flyte, _) | (ErrorFamily::Simulated, _) => {
            format!("{class}({code}, {msg})")
        }
        (ErrorFamily::Any, _) => format!("Exception({msg})"),
        (ErrorFamily::Python, _) => format!("{class}({msg})"),
    }
}

/// Whether values of type `t` print the same under Python's `str` as under the language's
/// (ints, floats, strings, errors' messages): such f-string holes need no helper.
pub fn prints_as_python(t: Option<&Type>) -> bool {
    matches!(
        t,
        Some(Type::Int | Type::Float | Type::Str | Type::Error(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_python_reserves_get_an_underscore() {
        assert_eq!(py_name("lambda"), "lambda_");
        assert_eq!(py_name("list"), "list_");
        assert_eq!(py_name("lib.helper"), "lib_helper");
        assert_eq!(py_name("total"), "total");
    }

    #[test]
    fn literals() {
        assert_eq!(str_lit("ab\\\n\u{0}"), r#""ab\\\n\x00""#);
        // More double quotes than single ones: single-quoted, as black writes it.
        assert_eq!(str_lit("a\"b"), r#"'a"b'"#);
        assert_eq!(str_lit("'a\"b"), r#""'a\"b""#);
        assert_eq!(duration_lit(90_000_000_000), "timedelta(seconds=90)");
        assert_eq!(duration_lit(600_000_000_000), "timedelta(minutes=10)");
        assert_eq!(duration_lit(5_400_000_000_000), "timedelta(minutes=90)");
        assert_eq!(duration_lit(500_000_000), "timedelta(milliseconds=500)");
        assert_eq!(duration_lit(1_500), "timedelta(seconds=1.5e-6)");
        assert_eq!(float_lit(2.0), "2.0");
        assert_eq!(float_lit(1e-7), "1e-7");
    }
}
