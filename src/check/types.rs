//! The checker's types (docs/language.md) and the assignability relation.
//!
//! `Any` is the type of an expression the checker could not type (after an error, or a value
//! it cannot see): it is compatible with everything, so one mistake never cascades into more.

use crate::diagnostics::ErrorType;
use crate::syntax::ast::Name;
use std::fmt;

/// Built-in record types, made by calling their constructor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Record {
    Env,
    Resources,
    Gpu,
    Tpu,
    Neuron,
    AmdGpu,
    HabanaGaudi,
    ReusePolicy,
    Cache,
    RetryStrategy,
    Backoff,
    Timeout,
    /// `group("name")`, used with `with`.
    Group,
}

impl Record {
    pub fn name(self) -> &'static str {
        match self {
            Record::Env => "Env",
            Record::Resources => "Resources",
            Record::Gpu => "GPU",
            Record::Tpu => "TPU",
            Record::Neuron => "Neuron",
            Record::AmdGpu => "AMD_GPU",
            Record::HabanaGaudi => "HABANA_GAUDI",
            Record::ReusePolicy => "ReusePolicy",
            Record::Cache => "Cache",
            Record::RetryStrategy => "RetryStrategy",
            Record::Backoff => "Backoff",
            Record::Timeout => "Timeout",
            Record::Group => "Group",
        }
    }

    /// The record a constructor name builds.
    pub fn of_ctor(name: &str) -> Option<Record> {
        Some(match name {
            "Resources" => Record::Resources,
            "GPU" => Record::Gpu,
            "TPU" => Record::Tpu,
            "Neuron" => Record::Neuron,
            "AMD_GPU" => Record::AmdGpu,
            "HABANA_GAUDI" => Record::HabanaGaudi,
            "ReusePolicy" => Record::ReusePolicy,
            "Cache" => Record::Cache,
            "RetryStrategy" => Record::RetryStrategy,
            "Backoff" => Record::Backoff,
            "Timeout" => Record::Timeout,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    Int,
    Float,
    Bool,
    Str,
    None,
    Duration,
    List(Box<Type>),
    Dict(Box<Type>, Box<Type>),
    Tuple(Vec<Type>),
    /// `T?`
    Optional(Box<Type>),
    /// `A | B`
    Union(Vec<Type>),
    Future(Box<Type>),
    Struct(Name),
    Record(Record),
    /// An error type of the hierarchy, by name (`Error`, `OOMError`, ...).
    Error(Name),
    /// A task, by its name in the module (callable; `.aio`, `.override`).
    Task(Name),
    /// A plain function.
    Fn(Name),
    /// A built-in function or constructor, by name.
    Builtin(Name),
    /// An imported module (`import "x" as lib`).
    Module(Name),
    /// Unknown: compatible with everything (no cascading errors).
    Any,
}

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    pub fn future(t: Type) -> Type {
        Type::Future(Box::new(t))
    }

    pub fn optional(t: Type) -> Type {
        match t {
            Type::Optional(_) | Type::None | Type::Any => t,
            t => Type::Optional(Box::new(t)),
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Float | Type::Any)
    }

    /// `T` without `none` (for `x != none` narrowing and optional access).
    pub fn without_none(&self) -> Type {
        match self {
            Type::Optional(t) => (**t).clone(),
            Type::Union(ts) => {
                let rest: Vec<Type> = ts.iter().filter(|t| **t != Type::None).cloned().collect();
                union(rest)
            }
            t => t.clone(),
        }
    }
}

/// A union of the types, flattened and deduplicated; one type stays itself.
pub fn union(types: Vec<Type>) -> Type {
    let mut out: Vec<Type> = Vec::new();
    for t in types {
        let parts = match t {
            Type::Union(ts) => ts,
            Type::Optional(t) => vec![*t, Type::None],
            t => vec![t],
        };
        for p in parts {
            if p == Type::Any {
                return Type::Any;
            }
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    match out.len() {
        0 => Type::Any,
        1 => out.pop().unwrap(),
        2 if out.contains(&Type::None) => {
            let other = out.into_iter().find(|t| *t != Type::None).unwrap();
            Type::Optional(Box::new(other))
        }
        _ => Type::Union(out),
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Int => write!(f, "int"),
            Type::Float => write!(f, "float"),
            Type::Bool => write!(f, "bool"),
            Type::Str => write!(f, "str"),
            Type::None => write!(f, "none"),
            Type::Duration => write!(f, "duration"),
            Type::List(t) => write!(f, "list[{t}]"),
            Type::Dict(k, v) => write!(f, "dict[{k}, {v}]"),
            Type::Tuple(ts) => {
                write!(f, "tuple[")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{t}")?;
                }
                write!(f, "]")
            }
            Type::Optional(t) => match **t {
                Type::Union(_) => write!(f, "({t})?"),
                _ => write!(f, "{t}?"),
            },
            Type::Union(ts) => {
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        write!(f, " | ")?;
                    }
                    write!(f, "{t}")?;
                }
                Ok(())
            }
            Type::Future(t) => write!(f, "Future[{t}]"),
            Type::Struct(n) | Type::Error(n) => write!(f, "{n}"),
            Type::Record(r) => write!(f, "{}", r.name()),
            Type::Task(n) => write!(f, "task {n}"),
            Type::Fn(n) => write!(f, "fn {n}"),
            Type::Builtin(n) => write!(f, "builtin {n}"),
            Type::Module(n) => write!(f, "module {n}"),
            Type::Any => write!(f, "any"),
        }
    }
}

/// The error hierarchy (docs/language.md, flyte.errors): each type with its parent.
pub fn is_error_type(name: &str) -> bool {
    ErrorType::from_name(name).is_some()
}

/// Whether error type `sub` is `sup` or derives from it.
pub fn error_derives(sub: &str, sup: &str) -> bool {
    match (ErrorType::from_name(sub), ErrorType::from_name(sup)) {
        (Some(a), Some(b)) => a.derives(b),
        _ => sub == sup,
    }
}

/// Whether a value of type `from` may be used where `to` is expected.
pub fn assignable(from: &Type, to: &Type) -> bool {
    use Type::*;
    match (from, to) {
        (Any, _) | (_, Any) => true,
        (a, b) if a == b => true,
        (Int, Float) => true,
        (List(a), List(b)) => elem_assignable(a, b),
        (Dict(ka, va), Dict(kb, vb)) => elem_assignable(ka, kb) && elem_assignable(va, vb),
        (Tuple(a), Tuple(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| assignable(x, y))
        }
        (Future(a), Future(b)) => assignable(a, b),
        (None, Optional(_)) => true,
        (Optional(a), Optional(b)) => assignable(a, b),
        (t, Optional(b)) => assignable(t, b),
        (Union(ts), b) => ts.iter().all(|t| assignable(t, b)),
        (Optional(a), Union(bs)) => bs.contains(&None) && assignable(a, to),
        (t, Union(bs)) => bs.iter().any(|b| assignable(t, b)),
        (Error(a), Error(b)) => error_derives(a, b),
        _ => false,
    }
}

/// Containers are invariant, except that an element of unknown type (from `[]`) fits any.
fn elem_assignable(a: &Type, b: &Type) -> bool {
    a == b
        || *a == Type::Any
        || *b == Type::Any
        || (matches!(a, Type::List(_) | Type::Dict(..) | Type::Tuple(_)) && assignable(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignability() {
        assert!(assignable(&Type::Int, &Type::Float));
        assert!(!assignable(&Type::Float, &Type::Int));
        assert!(assignable(&Type::None, &Type::optional(Type::Int)));
        assert!(assignable(&Type::Int, &union(vec![Type::Int, Type::Str])));
        assert!(!assignable(
            &Type::list(Type::Int),
            &Type::list(Type::Float)
        ));
        assert!(assignable(&Type::list(Type::Any), &Type::list(Type::Str)));
        assert!(assignable(
            &Type::Error("OOMError".into()),
            &Type::Error("RuntimeUserError".into())
        ));
        assert!(!assignable(
            &Type::Error("OOMError".into()),
            &Type::Error("RuntimeSystemError".into())
        ));
        assert!(!assignable(&Type::future(Type::Int), &Type::Int));
    }

    #[test]
    fn display() {
        assert_eq!(Type::optional(Type::Int).to_string(), "int?");
        assert_eq!(union(vec![Type::Int, Type::None]).to_string(), "int?");
        assert_eq!(
            Type::Dict(Box::new(Type::Str), Box::new(Type::list(Type::Int))).to_string(),
            "dict[str, list[int]]"
        );
        assert_eq!(
            union(vec![Type::Int, Type::Error("Error".into())]).to_string(),
            "int | Error"
        );
    }
}
