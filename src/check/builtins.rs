//! Signatures of the built-in functions and of the methods of built-in values
//! (docs/language.md, docs/runtime.md). Generic ones are typed by rules in
//! `infer/builtin_call.rs`; the fixed ones are listed here.

use super::types::Type;

/// A built-in function, by its id: the index of its row in [`TABLE`]. The checker types a
/// call by its id (`infer/builtin_call.rs`); the VM halts at a call of one whose row says it
/// waits (`runtime/interp/effects.rs`) and dispatches the others on it
/// (`runtime::builtins::call` for the pure ones, `runtime/interp/builtin_calls.rs` for those
/// of the run); no call is dispatched by its name at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    Len,
    Range,
    Enumerate,
    Zip,
    Sum,
    Min,
    Max,
    Abs,
    Round,
    Sorted,
    Reversed,
    Any,
    All,
    Str,
    Int,
    Float,
    Bool,
    Isinstance,
    Print,
    Getenv,
    Secret,
    Sleep,
    Compute,
    GpuCompute,
    Allocate,
    Free,
    Now,
    Attempt,
    Random,
    Gather,
    Map,
    Group,
}

/// What is known of a built-in function besides its typing rule.
pub struct Spec {
    pub id: Builtin,
    pub name: &'static str,
    /// A pure function of its arguments, with Python's name and meaning
    /// (`runtime::builtins::call`); the others need the run (its output, virtual time,
    /// actions, the simulated node).
    pub pure: bool,
    /// A call waits (its body halts until the event loop resumes it).
    pub waits: bool,
    pub sig: Sig,
}

/// How the checker types a call of a built-in function.
pub enum Sig {
    /// By its rule in `infer/builtin_call.rs` (generic, variadic, or with checks of its own).
    Rule,
    /// Fixed parameters (the last `optional` of them may be left out) and result.
    Fixed {
        params: &'static [Type],
        optional: usize,
        ret: Type,
    },
}

const fn pure(id: Builtin, name: &'static str) -> Spec {
    Spec {
        id,
        name,
        pure: true,
        waits: false,
        sig: Sig::Rule,
    }
}

const fn run(id: Builtin, name: &'static str, waits: bool) -> Spec {
    Spec {
        id,
        name,
        pure: false,
        waits,
        sig: Sig::Rule,
    }
}

/// A run builtin with a fixed signature.
const fn fixed(id: Builtin, name: &'static str, params: &'static [Type], ret: Type) -> Spec {
    Spec {
        id,
        name,
        pure: false,
        waits: false,
        sig: Sig::Fixed {
            params,
            optional: 0,
            ret,
        },
    }
}

/// The one table of built-in functions, in the order of [`Builtin`].
pub const TABLE: &[Spec] = &[
    pure(Builtin::Len, "len"),
    pure(Builtin::Range, "range"),
    pure(Builtin::Enumerate, "enumerate"),
    pure(Builtin::Zip, "zip"),
    pure(Builtin::Sum, "sum"),
    pure(Builtin::Min, "min"),
    pure(Builtin::Max, "max"),
    pure(Builtin::Abs, "abs"),
    pure(Builtin::Round, "round"),
    pure(Builtin::Sorted, "sorted"),
    pure(Builtin::Reversed, "reversed"),
    pure(Builtin::Any, "any"),
    pure(Builtin::All, "all"),
    pure(Builtin::Str, "str"),
    pure(Builtin::Int, "int"),
    pure(Builtin::Float, "float"),
    pure(Builtin::Bool, "bool"),
    pure(Builtin::Isinstance, "isinstance"),
    run(Builtin::Print, "print", false),
    run(Builtin::Getenv, "getenv", false),
    fixed(Builtin::Secret, "secret", &[Type::Str], Type::Str),
    run(Builtin::Sleep, "sleep", true),
    run(Builtin::Compute, "compute", true),
    run(Builtin::GpuCompute, "gpu_compute", true),
    fixed(Builtin::Allocate, "allocate", &[Type::Str], Type::None),
    fixed(Builtin::Free, "free", &[Type::Str], Type::None),
    run(Builtin::Now, "now", false),
    run(Builtin::Attempt, "attempt", false),
    run(Builtin::Random, "random", false),
    run(Builtin::Gather, "gather", false),
    run(Builtin::Map, "map", true),
    fixed(
        Builtin::Group,
        "group",
        &[Type::Str],
        Type::Record(super::types::Record::Group),
    ),
];

impl Builtin {
    /// The built-in function named `name`, if there is one.
    pub fn of(name: &str) -> Option<Builtin> {
        TABLE.iter().find(|s| s.name == name).map(|s| s.id)
    }

    pub fn spec(self) -> &'static Spec {
        &TABLE[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn waits(self) -> bool {
        self.spec().waits
    }
}

impl std::fmt::Display for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Every built-in function's name.
pub fn functions() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|s| s.name)
}

/// The names of the pure built-in functions (Python's own).
pub fn pure_functions() -> impl Iterator<Item = &'static str> {
    TABLE.iter().filter(|s| s.pure).map(|s| s.name)
}

pub fn is_function(name: &str) -> bool {
    Builtin::of(name).is_some()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_stands_at_its_ids_place() {
        for (i, s) in TABLE.iter().enumerate() {
            assert_eq!(s.id as usize, i, "{} is out of place", s.name);
            assert_eq!(Builtin::of(s.name), Some(s.id));
        }
        assert_eq!(Builtin::of("no_such"), None);
        assert!(Builtin::Sleep.waits() && Builtin::Map.waits() && !Builtin::Gather.waits());
    }
}
