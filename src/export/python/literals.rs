//! f-strings and configuration values (`Resources(...)`, decorators' and overrides'
//! settings), in Python.

use super::names;
use super::Exporter;
use crate::syntax::ast::*;

impl Exporter<'_> {
    /// An f-string: Python's where the holes allow it, else a concatenation.
    pub(super) fn fstring(&mut self, parts: &[FStringPart]) -> String {
        let mut holes: Vec<(String, Option<String>)> = Vec::new();
        for p in parts {
            if let FStringPart::Field { expr, spec } = p {
                let plain = names::prints_as_python(self.type_of(expr)) || spec.is_some();
                let text = if plain {
                    self.expr(expr)
                } else {
                    self.show(expr)
                };
                holes.push((text, spec.clone()));
            }
        }
        let simple = holes.iter().all(|(t, s)| {
            !t.contains(['"', '\\', '{', '}', '\n', '\'', '#'])
                && s.as_deref()
                    .is_none_or(|s| !s.contains(['{', '}', '"', '\\']))
        });
        if simple {
            let text: String = parts
                .iter()
                .filter_map(|p| match p {
                    FStringPart::Text(t) => Some(t.as_str()),
                    _ => None,
                })
                .collect();
            let q = names::quote_for(&text);
            let mut out = format!("f{q}");
            let mut holes = holes.into_iter();
            for p in parts {
                match p {
                    FStringPart::Text(t) => {
                        let mut esc = String::new();
                        names::escape_into(&mut esc, t, q);
                        out.push_str(&esc.replace('{', "{{").replace('}', "}}"));
                    }
                    FStringPart::Field { .. } => {
                        let (t, spec) = holes.next().unwrap_or_default();
                        match spec {
                            Some(s) => out.push_str(&format!("{{{t}:{s}}}")),
                            None => out.push_str(&format!("{{{t}}}")),
                        }
                    }
                }
            }
            out.push(q);
            return out;
        }
        let mut pieces = Vec::new();
        let mut holes = holes.into_iter();
        for p in parts {
            match p {
                FStringPart::Text(t) if !t.is_empty() => pieces.push(names::str_lit(t)),
                FStringPart::Text(_) => {}
                FStringPart::Field { expr, .. } => {
                    let (t, spec) = holes.next().unwrap_or_default();
                    pieces.push(match spec {
                        Some(s) => format!("format({t}, {})", names::str_lit(&s)),
                        None if names::prints_as_python(self.type_of(expr)) => {
                            format!("str({t})")
                        }
                        None => t,
                    });
                }
            }
        }
        if pieces.is_empty() {
            return "\"\"".into();
        }
        format!("({})", pieces.join(" + "))
    }

    // -------------------------------------------------------------------------------------
    // Configuration values
    // -------------------------------------------------------------------------------------

    /// An `env` declaration's value: `flyte.TaskEnvironment(...)` or `X.clone_with(...)`.
    pub(super) fn config_expr(&mut self, e: &Expr) -> String {
        self.expr(e)
    }

    /// The keyword arguments of a configuration call (`ctor`: the record's constructor name,
    /// `TaskEnvironment` for `clone_with`, or `override`), as flyte-sdk spells them.
    pub(super) fn config_args(&mut self, ctor: &str, args: &[Arg]) -> String {
        let mut out = Vec::new();
        for a in args {
            let v = match (&a.kind, ctor) {
                (ArgKind::Keyword(k), "Cache") if k.name == "ignored_inputs" => {
                    match &a.value.kind {
                        ExprKind::List(items) => self.tuple(items),
                        _ => self.expr(&a.value),
                    }
                }
                _ => self.expr(&a.value),
            };
            out.push(match &a.kind {
                ArgKind::Keyword(k) => format!("{}={v}", k.name),
                ArgKind::Positional => v,
                ArgKind::Spread => format!("*{v}"),
            });
        }
        out.join(", ")
    }

    /// A task decorator's arguments, as `@env.task(...)` takes them.
    pub(super) fn decorator_args(&mut self, args: &[Arg]) -> String {
        let mut out = Vec::new();
        for a in args {
            let v = self.expr(&a.value);
            out.push(match &a.kind {
                ArgKind::Keyword(k) if k.name == "docs" => {
                    format!("docs=flyte.Documentation(description={v})")
                }
                ArgKind::Keyword(k) => format!("{}={v}", k.name),
                _ => v,
            });
        }
        out.join(", ")
    }
}
