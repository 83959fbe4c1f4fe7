//! Signatures of the built-in functions and of the methods of built-in values
//! (docs/language.md, docs/runtime.md). Generic ones are typed by rules in
//! `infer/builtin_call.rs`; the fixed ones are listed here.

use super::types::Type;

/// Built-in functions with Python's names and meaning: pure functions of their arguments
/// (`runtime::builtins::call`).
pub const PURE_FUNCTIONS: &[&str] = &[
    "len",
    "range",
    "enumerate",
    "zip",
    "sum",
    "min",
    "max",
    "abs",
    "round",
    "sorted",
    "reversed",
    "any",
    "all",
    "str",
    "int",
    "float",
    "bool",
    "isinstance",
];

/// Built-in functions the interpreter runs itself: they need the run (its output, virtual
/// time, actions, the simulated node).
pub const RUN_FUNCTIONS: &[&str] = &[
    "print",
    "getenv",
    "secret",
    "sleep",
    "compute",
    "gpu_compute",
    "allocate",
    "free",
    "now",
    "attempt",
    "random",
    "gather",
    "map",
    "group",
];

/// Every built-in function.
pub fn functions() -> impl Iterator<Item = &'static str> {
    PURE_FUNCTIONS.iter().chain(RUN_FUNCTIONS).copied()
}

pub fn is_function(name: &str) -> bool {
    PURE_FUNCTIONS.contains(&name) || RUN_FUNCTIONS.contains(&name)
}

/// Constructors of configuration records (checked by `super::config` where constant).
pub use crate::syntax::CONSTRUCTORS;

/// Type names usable in annotations.
pub const TYPE_NAMES: &[&str] = &[
    "int",
    "float",
    "bool",
    "str",
    "duration",
    "list",
    "dict",
    "tuple",
    "Future",
    "Env",
    "Resources",
    "GPU",
    "TPU",
    "ReusePolicy",
    "Cache",
    "Error",
];

/// A method's parameter types (the last `optional` of them may be left out) and result.
pub struct Method {
    pub params: Vec<Type>,
    pub optional: usize,
    pub ret: Type,
}

fn m(params: Vec<Type>, optional: usize, ret: Type) -> Option<Method> {
    Some(Method {
        params,
        optional,
        ret,
    })
}

/// The method `name` of a value of type `recv`, if it has one.
pub fn method(recv: &Type, name: &str) -> Option<Method> {
    use Type::*;
    match recv {
        Str => match name {
            "join" => m(vec![Type::list(Str)], 0, Str),
            "split" => m(vec![Str], 1, Type::list(Str)),
            "strip" | "lstrip" | "rstrip" => m(vec![Str], 1, Str),
            "replace" => m(vec![Str, Str], 0, Str),
            "startswith" | "endswith" => m(vec![Str], 0, Bool),
            "upper" | "lower" | "title" | "capitalize" => m(vec![], 0, Str),
            "find" | "count" | "index" => m(vec![Str], 0, Int),
            "isdigit" | "isalpha" | "isspace" => m(vec![], 0, Bool),
            _ => Option::None,
        },
        List(t) => {
            let t = (**t).clone();
            match name {
                "append" | "remove" => m(vec![t], 0, None),
                "extend" => m(vec![Type::list(t)], 0, None),
                "insert" => m(vec![Int, t], 0, None),
                "pop" => m(vec![Int], 1, t),
                "index" | "count" => m(vec![t], 0, Int),
                "sort" | "reverse" | "clear" => m(vec![], 0, None),
                "copy" => m(vec![], 0, Type::list(t)),
                _ => Option::None,
            }
        }
        Dict(k, v) => {
            let (k, v) = ((**k).clone(), (**v).clone());
            match name {
                "get" => m(vec![k, v.clone()], 1, Type::optional(v)),
                "items" => m(vec![], 0, Type::list(Tuple(vec![k, v]))),
                "keys" => m(vec![], 0, Type::list(k)),
                "values" => m(vec![], 0, Type::list(v)),
                "pop" => m(vec![k], 0, v),
                "update" => m(vec![Dict(Box::new(k), Box::new(v))], 0, None),
                "copy" => m(vec![], 0, Dict(Box::new(k), Box::new(v))),
                "clear" => m(vec![], 0, None),
                "setdefault" => m(vec![k, v.clone()], 0, v),
                _ => Option::None,
            }
        }
        _ => Option::None,
    }
}

/// Method names of a type, for did-you-mean.
pub fn method_names(recv: &Type) -> &'static [&'static str] {
    match recv {
        Type::Str => &[
            "join",
            "split",
            "strip",
            "lstrip",
            "rstrip",
            "replace",
            "startswith",
            "endswith",
            "upper",
            "lower",
            "title",
            "capitalize",
            "find",
            "count",
            "index",
            "isdigit",
            "isalpha",
            "isspace",
        ],
        Type::List(_) => &[
            "append", "remove", "extend", "insert", "pop", "index", "count", "sort", "reverse",
            "clear", "copy",
        ],
        Type::Dict(..) => &[
            "get",
            "items",
            "keys",
            "values",
            "pop",
            "update",
            "copy",
            "clear",
            "setdefault",
        ],
        _ => &[],
    }
}
