//! Name resolution for the interpreter, run once when a checked program is built.
//!
//! Each binding (a parameter, `let`, `for`, comprehension or `except` name) gets a slot in its
//! function's frame, and each name that reads a local gets that slot, so the interpreter reads
//! and writes locals by index, never by name. Every other name is a global and gets an id in
//! [`Globals`], which the interpreter uses to cache its value per run. Slots follow lexical
//! scope exactly as the checker does: a block's slots are reused once the block ends, and a
//! function's frame holds the most slots live at once (its `frame_size`).
//!
//! In a module imported `as ALIAS`, the module's own top-level names are written unqualified;
//! they are rewritten to the `ALIAS.NAME` keys the checker declared them under (as the checker
//! reads them, see `Checker::qualify`).
//!
//! Expressions outside functions (top-level `let` values, parameter defaults, environment
//! values) are resolved with an empty scope: their comprehensions get slots in a frame of
//! their own, which the interpreter gives them.

use crate::check::imports::Loaded;
use crate::check::Checked;
use crate::syntax::ast::*;
use std::collections::{HashMap, HashSet};

/// The program's global names, by id.
#[derive(Debug, Default)]
pub struct Globals {
    pub names: Vec<Name>,
    ids: HashMap<Name, u32>,
}

impl Globals {
    fn id(&mut self, n: &Name) -> Slot {
        if let Some(&id) = self.ids.get(n) {
            return Slot::global(id);
        }
        let id = self.names.len() as u32;
        self.names.push(n.clone());
        self.ids.insert(n.clone(), id);
        Slot::global(id)
    }
}

/// Resolves every module's names in place.
pub fn resolve(loaded: &mut Loaded, checked: &Checked) -> Globals {
    let mut globals = Globals::default();
    let aliases: HashSet<&Name> = loaded
        .imports
        .iter()
        .flatten()
        .filter_map(|(a, _)| a.as_ref())
        .collect();
    // Each item's module alias, from the key the checker declared it under.
    let mut alias_of: HashMap<(usize, usize), Name> = HashMap::new();
    for (key, &at) in &checked.locations {
        if let Some((p, _)) = key.rsplit_once('.') {
            if aliases.contains(&Name::new(p)) {
                alias_of.insert(at, Name::new(p));
            }
        }
    }
    for (m, module) in loaded.modules.iter_mut().enumerate() {
        for (i, item) in module.items.iter_mut().enumerate() {
            let mut r = Resolver {
                scope: Vec::new(),
                next: 0,
                max: 0,
                module: alias_of.get(&(m, i)).cloned(),
                checked,
                globals: &mut globals,
            };
            match &mut item.kind {
                ItemKind::Task(t) => {
                    if let Some(args) = t.decorator.as_mut().and_then(|d| d.args.as_mut()) {
                        for a in args {
                            r.detached(&mut a.value);
                        }
                    }
                    r.function(&mut t.func);
                }
                ItemKind::Fn(f) => r.function(f),
                ItemKind::Env(e) => r.detached(&mut e.value),
                ItemKind::Let(l) => {
                    r.expr(&mut l.value);
                    r.pattern(&mut l.pattern);
                }
                ItemKind::Stmt(s) => r.stmt(s),
                ItemKind::Struct(_) | ItemKind::Import(_) => {}
            }
        }
    }
    globals
}

struct Resolver<'g> {
    /// Locals in scope, innermost last.
    scope: Vec<(Name, u32)>,
    next: u32,
    max: u32,
    /// The alias of the module being resolved, if it was imported `as` one.
    module: Option<Name>,
    checked: &'g Checked,
    globals: &'g mut Globals,
}

impl Resolver<'_> {
    fn function(&mut self, f: &mut FnDecl) {
        for p in &mut f.params {
            if let Some(d) = &mut p.default {
                self.detached(d);
            }
        }
        for p in &mut f.params {
            self.bind(&mut p.name);
        }
        self.block(&mut f.body);
        f.frame_size = self.max;
    }

    /// An expression evaluated in a frame of its own (no locals in scope).
    fn detached(&mut self, e: &mut Expr) {
        let saved = (std::mem::take(&mut self.scope), self.next, self.max);
        self.next = 0;
        self.expr(e);
        (self.scope, self.next, self.max) = saved;
    }

    fn bind(&mut self, id: &mut Ident) {
        id.slot = Slot::local(self.next);
        self.scope.push((id.name.clone(), self.next));
        self.next += 1;
        self.max = self.max.max(self.next);
    }

    fn pattern(&mut self, p: &mut Pattern) {
        match p {
            Pattern::Name(id) => self.bind(id),
            Pattern::Tuple(items, _) => items.iter_mut().for_each(|p| self.pattern(p)),
        }
    }

    /// Resolves a name: a local's slot, or a global's id (rewriting one of the module's own
    /// names to its `ALIAS.NAME` key).
    fn lookup(&mut self, n: &mut Name) -> Slot {
        if let Some(&(_, i)) = self.scope.iter().rev().find(|(k, _)| k == n) {
            return Slot::local(i);
        }
        if let Some(p) = &self.module {
            let q = Name::new(format!("{p}.{n}"));
            if self.checked.locations.contains_key(&q) {
                *n = q;
            }
        }
        self.globals.id(n)
    }

    /// Runs `f` in a new scope whose slots are reused once it ends.
    fn scoped(&mut self, f: impl FnOnce(&mut Self)) {
        let (mark, next) = (self.scope.len(), self.next);
        f(self);
        self.scope.truncate(mark);
        self.next = next;
    }

    fn block(&mut self, b: &mut Block) {
        self.scoped(|r| b.stmts.iter_mut().for_each(|s| r.stmt(s)));
    }

    fn stmt(&mut self, s: &mut Stmt) {
        crate::stack::grow(|| match &mut s.kind {
            StmtKind::Let { pattern, value, .. } => {
                self.expr(value);
                self.pattern(pattern);
            }
            StmtKind::Assign { target, value, .. } => {
                self.expr(value);
                self.expr(target);
            }
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::If {
                branches,
                else_block,
            } => {
                for (c, b) in branches {
                    self.expr(c);
                    self.block(b);
                }
                if let Some(b) = else_block {
                    self.block(b);
                }
            }
            StmtKind::For {
                pattern,
                iter,
                body,
            } => {
                self.expr(iter);
                self.scoped(|r| {
                    r.pattern(pattern);
                    r.block(body);
                });
            }
            StmtKind::While { cond, body } => {
                self.expr(cond);
                self.block(body);
            }
            StmtKind::Break | StmtKind::Continue => {}
            StmtKind::Return(e) | StmtKind::Raise(e) => {
                if let Some(e) = e {
                    self.expr(e);
                }
            }
            StmtKind::Try {
                body,
                handlers,
                finally,
            } => {
                self.block(body);
                for h in handlers {
                    self.scoped(|r| {
                        if let Some(b) = &mut h.binding {
                            r.bind(b);
                        }
                        r.block(&mut h.body);
                    });
                }
                if let Some(f) = finally {
                    self.block(f);
                }
            }
            StmtKind::With { context, body } => {
                self.expr(context);
                self.block(body);
            }
        })
    }

    fn comp(&mut self, clauses: &mut [CompClause], body: impl FnOnce(&mut Self)) {
        self.scoped(|r| {
            for c in clauses {
                r.expr(&mut c.iter);
                r.pattern(&mut c.pattern);
                c.conds.iter_mut().for_each(|e| r.expr(e));
            }
            body(r);
        });
    }

    fn expr(&mut self, e: &mut Expr) {
        crate::stack::grow(|| {
            match &mut e.kind {
                ExprKind::Name(n, slot) => *slot = self.lookup(n),
                // Comprehensions bind names in a scope of their own.
                ExprKind::ListComp { elt, clauses } => self.comp(clauses, |r| r.expr(elt)),
                ExprKind::DictComp {
                    key,
                    value,
                    clauses,
                } => self.comp(clauses, |r| {
                    r.expr(key);
                    r.expr(value);
                }),
                _ => e.for_each_child_mut(|c| self.expr(c)),
            }
        })
    }
}
