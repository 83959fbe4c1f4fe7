//! Which expressions and statements may suspend their action's body.
//!
//! A node suspends if it awaits, calls a sync task (the caller waits for the child action),
//! calls `sleep`, `compute`, `gpu_compute` or `map`, calls a function whose body may suspend
//! (found by iterating to a fixpoint over the program's functions), calls something the
//! analysis cannot see through (a callable held in a variable), or contains such a node. The
//! interpreter evaluates every other node synchronously, without allocating a future.

use crate::check::imports::Loaded;
use crate::check::Checked;
use crate::syntax::ast::*;
use std::collections::HashSet;

#[derive(Debug, Default)]
pub struct Analysis {
    exprs: HashSet<usize>,
    stmts: HashSet<usize>,
}

impl Analysis {
    #[inline]
    pub fn expr(&self, e: &Expr) -> bool {
        !self.exprs.is_empty() && self.exprs.contains(&(e as *const Expr as usize))
    }

    #[inline]
    pub fn stmt(&self, s: &Stmt) -> bool {
        !self.stmts.is_empty() && self.stmts.contains(&(s as *const Stmt as usize))
    }
}

struct Ctx<'a> {
    checked: &'a Checked,
    suspending_fns: &'a HashSet<Name>,
    out: &'a mut Analysis,
}

pub fn analyse(loaded: &Loaded, checked: &Checked) -> Analysis {
    // Fixpoint: a function suspends if its body does, given the functions known so far.
    let mut suspending: HashSet<Name> = HashSet::new();
    loop {
        let mut changed = false;
        for (name, &(m, i)) in &checked.locations {
            if !checked.fns.contains_key(name) || suspending.contains(name) {
                continue;
            }
            let ItemKind::Fn(f) = &loaded.modules[m].items[i].kind else {
                continue;
            };
            if f.is_async {
                // An async fn's call gives a lazy future; awaiting it is what suspends.
                continue;
            }
            let mut scratch = Analysis::default();
            let mut ctx = Ctx {
                checked,
                suspending_fns: &suspending,
                out: &mut scratch,
            };
            if block(&mut ctx, &f.body) {
                suspending.insert(name.clone());
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut out = Analysis::default();
    let mut ctx = Ctx {
        checked,
        suspending_fns: &suspending,
        out: &mut out,
    };
    for module in &loaded.modules {
        for item in &module.items {
            match &item.kind {
                ItemKind::Task(t) => {
                    block(&mut ctx, &t.body);
                    for p in &t.params {
                        if let Some(d) = &p.default {
                            expr(&mut ctx, d);
                        }
                    }
                }
                ItemKind::Fn(f) => {
                    block(&mut ctx, &f.body);
                }
                ItemKind::Let(l) => {
                    expr(&mut ctx, &l.value);
                }
                ItemKind::Stmt(s) => {
                    stmt(&mut ctx, s);
                }
                _ => {}
            }
        }
    }
    out
}

fn block(ctx: &mut Ctx<'_>, b: &Block) -> bool {
    let mut any = false;
    for s in &b.stmts {
        any |= stmt(ctx, s);
    }
    any
}

fn stmt(ctx: &mut Ctx<'_>, s: &Stmt) -> bool {
    let r = crate::stack::grow(|| match &s.kind {
        StmtKind::Let { value, .. } => expr(ctx, value),
        StmtKind::Assign { target, value, .. } => expr(ctx, target) | expr(ctx, value),
        StmtKind::Expr(e) => expr(ctx, e),
        StmtKind::If {
            branches,
            else_block,
        } => {
            let mut any = false;
            for (c, b) in branches {
                any |= expr(ctx, c);
                any |= block(ctx, b);
            }
            if let Some(b) = else_block {
                any |= block(ctx, b);
            }
            any
        }
        StmtKind::For { iter, body, .. } => expr(ctx, iter) | block(ctx, body),
        StmtKind::While { cond, body } => expr(ctx, cond) | block(ctx, body),
        StmtKind::Return(e) | StmtKind::Raise(e) => e.as_ref().is_some_and(|e| expr(ctx, e)),
        StmtKind::Break | StmtKind::Continue => false,
        StmtKind::Try {
            body,
            handlers,
            finally,
        } => {
            let mut any = block(ctx, body);
            for h in handlers {
                any |= block(ctx, &h.body);
            }
            if let Some(f) = finally {
                any |= block(ctx, f);
            }
            any
        }
        StmtKind::With { context, body } => expr(ctx, context) | block(ctx, body),
    });
    if r {
        ctx.out.stmts.insert(s as *const Stmt as usize);
    }
    r
}

fn expr(ctx: &mut Ctx<'_>, e: &Expr) -> bool {
    let mut any = false;
    crate::stack::grow(|| {
        e.for_each_child(|c| any |= expr(ctx, c));
    });
    let own = match &e.kind {
        ExprKind::Await(_) => true,
        ExprKind::Call { func, .. } => call_suspends(ctx, func),
        _ => false,
    };
    let r = any || own;
    if r {
        ctx.out.exprs.insert(e as *const Expr as usize);
    }
    r
}

/// Whether calling `func` itself may suspend (arguments aside).
fn call_suspends(ctx: &Ctx<'_>, func: &Expr) -> bool {
    match &func.kind {
        ExprKind::Name(n, _) => {
            if let Some(t) = ctx.checked.tasks.get(n) {
                return !t.is_async;
            }
            if ctx.checked.fns.contains_key(n) {
                return ctx.suspending_fns.contains(n);
            }
            if ctx.checked.structs.contains_key(n) {
                return false;
            }
            matches!(n.as_str(), "sleep" | "compute" | "gpu_compute" | "map")
                || !(crate::check::is_builtin_name(n)
                    || matches!(
                        n.as_str(),
                        "int" | "float" | "bool" | "str" | "list" | "dict"
                    ))
        }
        // `t.aio(x)` and `map.aio(...)` give futures; methods of values do not suspend;
        // `lib.f(x)` is a qualified name.
        ExprKind::Attr { obj, name } => {
            if let ExprKind::Name(a, _) = &obj.kind {
                let q = format!("{a}.{}", name.name);
                if let Some(t) = ctx.checked.tasks.get(q.as_str()) {
                    return !t.is_async;
                }
                if ctx.checked.fns.contains_key(q.as_str()) {
                    return ctx.suspending_fns.contains(q.as_str());
                }
            }
            false
        }
        // `t.override(...)(x)`: suspends when the task is sync.
        ExprKind::Call { func: inner, .. } => match &inner.kind {
            ExprKind::Attr { obj, name } if name.name == "override" => match &obj.kind {
                ExprKind::Name(n, _) => ctx.checked.tasks.get(n).is_none_or(|t| !t.is_async),
                _ => true,
            },
            _ => true,
        },
        _ => true,
    }
}
