//! Opaque functions: the body the simulation runs in place of Python it cannot read.
//!
//! A `# flyte-dsl:` comment on the `def` line says what the function costs:
//!
//! ```python
//! @env.task
//! def train(df: pd.DataFrame) -> float:  # flyte-dsl: gpu_compute=2h memory=12Gi
//! ```
//!
//! `compute=D` (single-core work, `compute(D)`), `gpu_compute=D`, `sleep=D` (waiting, no
//! work) and `memory=Q` (held while the work runs: `allocate(Q)` ... `free(Q)`); durations as
//! the language writes them (`90s`, `10m`, `1.5h`). Without a directive an opaque task does
//! [`DEFAULT_COMPUTE`] of compute and an opaque helper function takes no time. Either then
//! returns the default value of its declared type ([`default_value`]).

use super::names::Names;
use crate::diagnostics::Span;
use crate::syntax::ast::{
    Arg, ArgKind, Block, Expr, ExprKind, Ident, Stmt, StmtKind, TypeExpr, TypeExprKind,
};

/// What an opaque task without a directive costs: one minute of single-core compute.
pub const DEFAULT_COMPUTE: &str = "1m";

/// The work a directive asks for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Directive {
    pub compute: Option<i64>,
    pub gpu_compute: Option<i64>,
    pub sleep: Option<i64>,
    pub memory: Option<String>,
}

/// The directive on the line of `def` starting at byte `at`, if any, and the words it could not
/// read.
pub fn directive(text: &str, at: usize) -> (Option<Directive>, Vec<String>) {
    let line_end = text[at..].find('\n').map(|i| at + i).unwrap_or(text.len());
    let line = &text[at..line_end];
    let Some(i) = line.find("# flyte-dsl:") else {
        return (None, Vec::new());
    };
    let mut d = Directive::default();
    let mut bad = Vec::new();
    for word in line[i + "# flyte-dsl:".len()..]
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
    {
        let (k, v) = word.split_once('=').unwrap_or((word, ""));
        let ok = match k {
            "compute" => parse_duration(v).map(|n| d.compute = Some(n)).is_some(),
            "gpu_compute" => parse_duration(v).map(|n| d.gpu_compute = Some(n)).is_some(),
            "sleep" => parse_duration(v).map(|n| d.sleep = Some(n)).is_some(),
            "memory" if !v.is_empty() => {
                d.memory = Some(v.trim_matches('"').to_string());
                true
            }
            _ => false,
        };
        if !ok {
            bad.push(word.to_string());
        }
    }
    (Some(d), bad)
}

/// `90s`, `10m`, `1.5h`, `2d`, `500ms` in nanoseconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let scale = match unit {
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        "d" => 86400e9,
        _ => return None,
    };
    let ns = n * scale;
    (ns.is_finite() && ns < 9e18).then_some(ns as i64)
}

fn call(name: &str, arg: Expr, span: Span) -> Stmt {
    Stmt {
        kind: StmtKind::Expr(Expr {
            kind: ExprKind::Call {
                func: Box::new(Expr {
                    kind: ExprKind::Name(name.into()),
                    span,
                }),
                args: vec![Arg {
                    kind: ArgKind::Positional,
                    value: arg,
                    span,
                }],
            },
            span,
        }),
        span,
    }
}

/// The body of an opaque function: its work, then a return of its type's default.
pub fn body(
    names: &Names,
    cx: &super::expr::Cx<'_>,
    is_task: bool,
    d: Option<&Directive>,
    ret: Option<&TypeExpr>,
    span: Span,
) -> Block {
    let dur = |ns: i64| Expr {
        kind: ExprKind::Duration(ns),
        span,
    };
    let mut stmts = Vec::new();
    let default_work = Directive {
        compute: parse_duration(DEFAULT_COMPUTE),
        ..Directive::default()
    };
    let d = match d {
        Some(d) => Some(d),
        None if is_task => Some(&default_work),
        None => None,
    };
    if let Some(d) = d {
        let mem = d.memory.as_ref().map(|m| Expr {
            kind: ExprKind::Str(m.clone()),
            span,
        });
        if let Some(m) = &mem {
            stmts.push(call("allocate", m.clone(), span));
        }
        if let Some(n) = d.sleep {
            stmts.push(call("sleep", dur(n), span));
        }
        if let Some(n) = d.compute {
            stmts.push(call("compute", dur(n), span));
        }
        if let Some(n) = d.gpu_compute {
            stmts.push(call("gpu_compute", dur(n), span));
        }
        if let Some(m) = mem {
            stmts.push(call("free", m, span));
        }
    }
    let value = ret.map(|t| default_value(names, cx, t, 0));
    stmts.push(Stmt {
        kind: StmtKind::Return(value),
        span,
    });
    Block { stmts, span }
}

/// The default value of a type: `0`, `0.0`, `""`, `false`, `0s`, `[]`, `{}`, a tuple of
/// defaults, a dataclass of its fields' defaults, and `none` for optional and unknown types.
pub fn default_value(names: &Names, cx: &super::expr::Cx<'_>, t: &TypeExpr, depth: usize) -> Expr {
    let span = t.span;
    let e = |kind| Expr { kind, span };
    match &t.kind {
        TypeExprKind::None | TypeExprKind::Optional(_) => e(ExprKind::None),
        TypeExprKind::Union(parts) => match parts.first() {
            Some(p) => default_value(names, cx, p, depth + 1),
            None => e(ExprKind::None),
        },
        TypeExprKind::Named { path, args } => {
            let name = path.last().map(|p| p.name.as_str()).unwrap_or("");
            match name {
                "int" => e(ExprKind::Int(0)),
                "float" => e(ExprKind::Float(0.0)),
                "str" => e(ExprKind::Str(String::new())),
                "bool" => e(ExprKind::Bool(false)),
                "duration" => e(ExprKind::Duration(0)),
                "list" => e(ExprKind::List(Vec::new())),
                "dict" => e(ExprKind::Dict(Vec::new())),
                "tuple" => e(ExprKind::Tuple(
                    args.iter()
                        .map(|a| default_value(names, cx, a, depth + 1))
                        .collect(),
                )),
                n if depth < 8 && names.structs.contains_key(n) => {
                    let fields = &names.structs[n];
                    let args = fields
                        .iter()
                        .map(|f| {
                            let ty = cx.ty(&f.annotation);
                            Arg {
                                kind: ArgKind::Keyword(Ident::new(f.name.as_str(), span)),
                                value: default_value(names, cx, &ty, depth + 1),
                                span,
                            }
                        })
                        .collect();
                    e(ExprKind::Call {
                        func: Box::new(e(ExprKind::Name(n.into()))),
                        args,
                    })
                }
                _ => e(ExprKind::None),
            }
        }
    }
}
