//! Statements and blocks, indented four spaces a level.

use super::expr::Ctx;
use super::Exporter;
use crate::check::types::Type;
use crate::syntax::ast::*;

impl Exporter<'_> {
    /// The statements of `b` at `indent` levels, in a scope of their own; `pass` when empty.
    pub(super) fn block(&mut self, b: &Block, indent: usize, out: &mut String) {
        self.scopes.push(Default::default());
        self.block_in_scope(b, indent, out);
        self.scopes.pop();
    }

    fn block_in_scope(&mut self, b: &Block, indent: usize, out: &mut String) {
        let start = out.len();
        for s in &b.stmts {
            self.stmt(s, indent, out);
        }
        if out.len() == start {
            line(out, indent, "pass");
        }
    }

    fn stmt(&mut self, s: &Stmt, indent: usize, out: &mut String) {
        crate::stack::grow(|| self.stmt_inner(s, indent, out))
    }

    fn stmt_inner(&mut self, s: &Stmt, indent: usize, out: &mut String) {
        match &s.kind {
            StmtKind::Let { pattern, ty, value } => {
                let ctx = match pattern {
                    Pattern::Tuple(..) => Ctx::Destructured,
                    Pattern::Name(_) => Ctx::Value,
                };
                let v = self.prec(value, ctx).0;
                let target = self.pattern(pattern, false);
                let ann = match (pattern, ty, self.type_of(value)) {
                    (Pattern::Name(_), Some(_), Some(t)) if annotatable(t) => {
                        Some(self.annotation(&t.clone()))
                    }
                    _ => None,
                };
                match ann {
                    Some(a) => line(out, indent, &format!("{target}: {a} = {v}")),
                    None => line(out, indent, &format!("{target} = {v}")),
                }
            }
            StmtKind::Assign { target, op, value } => {
                let t = self.target(target);
                let v = self.expr(value);
                let op = match op {
                    AssignOp::Set => "=",
                    AssignOp::Add => "+=",
                    AssignOp::Sub => "-=",
                    AssignOp::Mul => "*=",
                    AssignOp::Div => "/=",
                };
                line(out, indent, &format!("{t} {op} {v}"));
            }
            StmtKind::Expr(e) => {
                let text = self.expr(e);
                line(out, indent, &text);
            }
            StmtKind::If {
                branches,
                else_block,
            } => {
                for (i, (cond, body)) in branches.iter().enumerate() {
                    let c = self.expr(cond);
                    let kw = if i == 0 { "if" } else { "elif" };
                    line(out, indent, &format!("{kw} {c}:"));
                    self.block(body, indent + 1, out);
                }
                if let Some(b) = else_block {
                    line(out, indent, "else:");
                    self.block(b, indent + 1, out);
                }
            }
            StmtKind::For {
                pattern,
                iter,
                body,
            } => {
                let it = self.prec(iter, Ctx::Iter).0;
                self.scopes.push(Default::default());
                let target = self.pattern(pattern, false);
                line(out, indent, &format!("for {target} in {it}:"));
                self.block(body, indent + 1, out);
                self.scopes.pop();
            }
            StmtKind::While { cond, body } => {
                let c = self.expr(cond);
                line(out, indent, &format!("while {c}:"));
                self.block(body, indent + 1, out);
            }
            StmtKind::Break => line(out, indent, "break"),
            StmtKind::Continue => line(out, indent, "continue"),
            StmtKind::Return(None) => line(out, indent, "return"),
            StmtKind::Return(Some(e)) => {
                let v = self.expr(e);
                line(out, indent, &format!("return {v}"));
            }
            StmtKind::Raise(None) => line(out, indent, "raise"),
            StmtKind::Raise(Some(e)) => {
                let v = self.expr(e);
                line(out, indent, &format!("raise {v}"));
            }
            StmtKind::Try {
                body,
                handlers,
                finally,
            } => {
                line(out, indent, "try:");
                self.block(body, indent + 1, out);
                for h in handlers {
                    let classes: Vec<String> =
                        h.types.iter().map(|path| self.except_class(path)).collect();
                    let class = match classes.len() {
                        0 => "Exception".to_string(),
                        1 => classes[0].clone(),
                        _ => format!("({})", classes.join(", ")),
                    };
                    self.scopes.push(Default::default());
                    let head = match &h.binding {
                        Some(b) => {
                            let name = self.bind_local(&b.name);
                            format!("except {class} as {name}:")
                        }
                        None => format!("except {class}:"),
                    };
                    line(out, indent, &head);
                    self.block(&h.body, indent + 1, out);
                    self.scopes.pop();
                }
                if let Some(f) = finally {
                    line(out, indent, "finally:");
                    self.block(f, indent + 1, out);
                }
            }
            StmtKind::With { context, body } => {
                let c = self.expr(context);
                line(out, indent, &format!("with {c}:"));
                self.block(body, indent + 1, out);
            }
        }
    }

    /// An assignment target: a local, an item, a field, or a tuple of locals.
    fn target(&mut self, t: &Expr) -> String {
        match &t.kind {
            ExprKind::Tuple(items) => {
                let parts: Vec<String> = items.iter().map(|i| self.target(i)).collect();
                parts.join(", ")
            }
            _ => self.expr(t),
        }
    }

    fn except_class(&mut self, path: &[Ident]) -> String {
        match path {
            [one] => self.error_class(&one.name),
            _ => path
                .iter()
                .map(|i| i.name.to_string())
                .collect::<Vec<_>>()
                .join("."),
        }
    }
}

fn line(out: &mut String, indent: usize, text: &str) {
    for _ in 0..indent {
        out.push_str("    ");
    }
    out.push_str(text);
    out.push('\n');
}

/// Whether a local's annotation is worth writing (it says something Python can read).
fn annotatable(t: &Type) -> bool {
    match t {
        Type::Any | Type::Future(_) | Type::Task(_) | Type::Fn(_) | Type::Builtin(_) => false,
        Type::Module(_) | Type::Record(_) => false,
        Type::List(e) | Type::Optional(e) => annotatable(e),
        Type::Dict(k, v) => annotatable(k) && annotatable(v),
        Type::Tuple(ts) | Type::Union(ts) => ts.iter().all(annotatable),
        _ => true,
    }
}
