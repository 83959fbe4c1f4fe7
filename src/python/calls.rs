//! Calls with a meaning of their own: `timedelta(...)`, `asyncio.sleep`/`time.sleep`,
//! `list(...)`, and dataclass fields' defaults filled in where a call leaves them out.

use super::expr::{Cx, Reason, NS_PER_SEC};
use crate::syntax::ast::{Arg, ArgKind, BinOp, CompClause, Expr, ExprKind, Ident, Pattern};
use rustpython_parser::ast::{self as py, Ranged};

impl Cx<'_> {
    /// `asyncio.sleep(x)` / `time.sleep(x)` as `sleep(duration)`.
    pub(super) fn sleep_call(&mut self, e: &py::Expr) -> Result<Option<Expr>, Reason> {
        let py::Expr::Call(c) = e else {
            return Ok(None);
        };
        let canon = self.canon_call(c);
        if !matches!(canon.as_deref(), Some("asyncio.sleep" | "time.sleep")) {
            return Ok(None);
        }
        let [arg] = c.args.as_slice() else {
            return Err("calls sleep with unusual arguments".into());
        };
        let d = self.seconds(arg)?;
        let span = self.span(c.range);
        Ok(Some(Expr {
            kind: ExprKind::Call {
                func: Box::new(Expr {
                    kind: ExprKind::Name("sleep".into()),
                    span: self.span(c.func.range()),
                }),
                args: vec![Arg {
                    kind: ArgKind::Positional,
                    span: d.span,
                    value: d,
                }],
            },
            span,
        }))
    }
    /// A number of seconds as a duration: a constant folded, else `x * 1s`.
    pub(super) fn seconds(&mut self, e: &py::Expr) -> Result<Expr, Reason> {
        self.scaled(e, NS_PER_SEC)
    }
    pub(super) fn scaled(&mut self, e: &py::Expr, ns: f64) -> Result<Expr, Reason> {
        let v = self.expr(e)?;
        let span = v.span;
        let kind = match v.kind {
            ExprKind::Int(i) => ExprKind::Duration(((i as f64) * ns) as i64),
            ExprKind::Float(f) => ExprKind::Duration((f * ns) as i64),
            _ => ExprKind::Binary {
                op: BinOp::Mul,
                lhs: Box::new(v),
                rhs: Box::new(Expr {
                    kind: ExprKind::Duration(ns as i64),
                    span,
                }),
            },
        };
        Ok(Expr { kind, span })
    }
    /// A dataclass field's default: `= v`, `field(default=v)`, `field(default_factory=f)` (the
    /// default of the field's type), pydantic's `Field(v)`.
    pub(super) fn field_default(&mut self, d: &py::Expr, ann: &py::Expr) -> Result<Expr, Reason> {
        if let py::Expr::Call(c) = d {
            let canon = self.names.canon(&c.func);
            if matches!(
                canon.as_deref(),
                Some("dataclasses.field" | "pydantic.Field")
            ) {
                for k in &c.keywords {
                    match k.arg.as_ref().map(|a| a.as_str()) {
                        Some("default") => return self.expr(&k.value),
                        Some("default_factory") => {
                            let ty = self.ty(ann);
                            return Ok(super::opaque::default_value(self.names, self, &ty, 0));
                        }
                        _ => {}
                    }
                }
                if let Some(first) = c.args.first() {
                    return self.expr(first);
                }
            }
        }
        self.expr(d)
    }
    /// `list(x)`: the map itself for `list(flyte.map(...))`, else `[v for v in x]`.
    pub(super) fn list_of(
        &mut self,
        arg: &py::Expr,
        r: py::text_size::TextRange,
    ) -> Result<Expr, Reason> {
        let inner = self.expr(arg)?;
        if let ExprKind::Call { func, .. } = &inner.kind {
            if matches!(&func.kind, ExprKind::Name(n) if n == "map") {
                return Ok(inner);
            }
        }
        if matches!(inner.kind, ExprKind::ListComp { .. } | ExprKind::List(_)) {
            return Ok(inner);
        }
        let v = Ident::new("__item", inner.span);
        let elt = Expr {
            kind: ExprKind::Name("__item".into()),
            span: inner.span,
        };
        Ok(self.mk(
            ExprKind::ListComp {
                elt: Box::new(elt),
                clauses: vec![CompClause {
                    pattern: Pattern::Name(v),
                    iter: inner,
                    conds: Vec::new(),
                }],
            },
            r,
        ))
    }
    /// `timedelta(days=, hours=, minutes=, seconds=, ...)` as a duration (a sum when computed).
    pub(super) fn timedelta(
        &mut self,
        c: &py::ExprCall,
        r: py::text_size::TextRange,
    ) -> Result<Expr, Reason> {
        const UNITS: &[(&str, f64)] = &[
            ("weeks", 7.0 * 86400.0 * NS_PER_SEC),
            ("days", 86400.0 * NS_PER_SEC),
            ("hours", 3600.0 * NS_PER_SEC),
            ("minutes", 60.0 * NS_PER_SEC),
            ("seconds", NS_PER_SEC),
            ("milliseconds", 1e6),
            ("microseconds", 1e3),
        ];
        const POSITIONAL: &[&str] = &["days", "seconds", "microseconds"];
        let mut parts: Vec<(&py::Expr, f64)> = Vec::new();
        for (i, a) in c.args.iter().enumerate() {
            let unit = POSITIONAL
                .get(i)
                .ok_or("a timedelta with too many arguments")?;
            let ns = UNITS.iter().find(|(u, _)| u == unit).expect("a unit").1;
            parts.push((a, ns));
        }
        for k in &c.keywords {
            let name = k.arg.as_ref().ok_or("a timedelta with `**`")?;
            let ns = UNITS
                .iter()
                .find(|(u, _)| *u == name.as_str())
                .ok_or_else(|| format!("a timedelta with `{name}`"))?
                .1;
            parts.push((&k.value, ns));
        }
        let mut acc: Option<Expr> = None;
        for (e, ns) in parts {
            let d = self.scaled(e, ns)?;
            acc = Some(match acc {
                None => d,
                Some(prev) => match (&prev.kind, &d.kind) {
                    (ExprKind::Duration(a), ExprKind::Duration(b)) => {
                        self.mk(ExprKind::Duration(a.saturating_add(*b)), r)
                    }
                    _ => self.mk(
                        ExprKind::Binary {
                            op: BinOp::Add,
                            lhs: Box::new(prev),
                            rhs: Box::new(d),
                        },
                        r,
                    ),
                },
            });
        }
        let mut out = acc.unwrap_or_else(|| self.mk(ExprKind::Duration(0), r));
        out.span = self.span(r);
        Ok(out)
    }
}
