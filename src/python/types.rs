//! Python annotations as the language's types: `int`, `list[str]`, `Optional[T]`, `A | None`,
//! `timedelta` (a duration), dataclasses; anything else is [`ANY`].

use super::expr::Cx;
use crate::diagnostics::Span;
use crate::syntax::ast::{Ident, TypeExpr, TypeExprKind};
use rustpython_parser::ast::{self as py, Ranged};

/// The hidden type name of a Python annotation the language has no name for: the checker reads
/// it as its `any`, and no `.flyte` file can write it.
pub const ANY: &str = "<any>";

impl Cx<'_> {
    /// An annotation as the language's type; anything it has no name for is `<any>`, which the
    /// checker accepts everywhere.
    pub fn ty(&self, e: &py::Expr) -> TypeExpr {
        crate::stack::grow(|| self.ty_inner(e))
    }
    fn ty_inner(&self, e: &py::Expr) -> TypeExpr {
        let span = self.span(e.range());
        let named = |n: &str, args: Vec<TypeExpr>| TypeExpr {
            kind: TypeExprKind::Named {
                path: vec![Ident::new(n, span)],
                args,
            },
            span,
        };
        let any = || named(ANY, Vec::new());
        let base = |e: &py::Expr| -> Option<String> {
            match e {
                py::Expr::Name(n) => Some(
                    self.names
                        .imported
                        .get(n.id.as_str())
                        .cloned()
                        .unwrap_or_else(|| n.id.to_string()),
                ),
                py::Expr::Attribute(_) => self.names.canon(e),
                _ => None,
            }
        };
        match e {
            py::Expr::Constant(py::ExprConstant {
                value: py::Constant::None,
                ..
            }) => TypeExpr {
                kind: TypeExprKind::None,
                span,
            },
            py::Expr::BinOp(b) if b.op == py::Operator::BitOr => {
                let mut parts = Vec::new();
                for side in [&b.left, &b.right] {
                    match self.ty(side) {
                        TypeExpr {
                            kind: TypeExprKind::Union(ps),
                            ..
                        } => parts.extend(ps),
                        t => parts.push(t),
                    }
                }
                union(parts, span)
            }
            py::Expr::Subscript(s) => {
                let args: Vec<TypeExpr> = match &*s.slice {
                    py::Expr::Tuple(t) => t.elts.iter().map(|a| self.ty(a)).collect(),
                    other => vec![self.ty(other)],
                };
                if let py::Expr::Tuple(t) = &*s.slice {
                    if t.elts.iter().any(|a| {
                        matches!(
                            a,
                            py::Expr::Constant(py::ExprConstant {
                                value: py::Constant::Ellipsis,
                                ..
                            })
                        )
                    }) {
                        return any();
                    }
                }
                match base(&s.value).as_deref() {
                    Some(
                        "list"
                        | "typing.List"
                        | "List"
                        | "typing.Sequence"
                        | "collections.abc.Sequence",
                    ) if args.len() == 1 => named("list", args),
                    Some("dict" | "typing.Dict" | "Dict" | "typing.Mapping") if args.len() == 2 => {
                        named("dict", args)
                    }
                    Some("tuple" | "typing.Tuple" | "Tuple") => named("tuple", args),
                    Some("typing.Optional" | "Optional") if args.len() == 1 => TypeExpr {
                        kind: TypeExprKind::Optional(Box::new(
                            args.into_iter().next().expect("one"),
                        )),
                        span,
                    },
                    Some("typing.Union" | "Union") => union(args, span),
                    _ => any(),
                }
            }
            _ => match base(e).as_deref() {
                Some(n @ ("int" | "float" | "str" | "bool")) => named(n, Vec::new()),
                Some("datetime.timedelta" | "timedelta") => named("duration", Vec::new()),
                Some(n) if self.names.structs.contains_key(n) => named(n, Vec::new()),
                _ => any(),
            },
        }
    }
}

fn union(parts: Vec<TypeExpr>, span: Span) -> TypeExpr {
    let (nones, rest): (Vec<_>, Vec<_>) = parts
        .into_iter()
        .partition(|p| matches!(p.kind, TypeExprKind::None));
    let inner = match rest.len() {
        0 => {
            return TypeExpr {
                kind: TypeExprKind::None,
                span,
            }
        }
        1 => rest.into_iter().next().expect("one"),
        _ => TypeExpr {
            kind: TypeExprKind::Union(rest),
            span,
        },
    };
    if nones.is_empty() {
        inner
    } else {
        TypeExpr {
            kind: TypeExprKind::Optional(Box::new(inner)),
            span,
        }
    }
}
