//! Name resolution, run once before lowering; it reads the syntax tree and writes nothing into
//! it.
//!
//! Each binding (a parameter, `let`, `for`, comprehension or `except` name) gets a slot in its
//! function's frame, and each name that reads a local gets that slot, so the VM reads and
//! writes locals by index, never by name. Every other name is a global and gets an id in
//! [`Globals`], which the VM uses to cache its value per run. Slots follow lexical scope
//! exactly as the checker does: a block's slots are reused once the block ends, and a
//! function's frame holds the most slots live at once.
//!
//! In a module imported `as ALIAS`, the module's own top-level names are written unqualified;
//! they resolve to the `ALIAS.NAME` keys the checker declared them under (as the checker reads
//! them, see `Checker::qualify`).
//!
//! Expressions outside functions (top-level `let` values, parameter defaults) are resolved
//! with an empty scope, in a frame of their own.
//!
//! What it finds is kept in side tables keyed by the node's address, which the lowering reads
//! while it holds the same tree borrowed (so no node can move between the two).

use crate::check::imports::Loaded;
use crate::check::Checked;
use crate::syntax::ast::*;
use std::collections::{HashMap, HashSet};

/// Where a name lives at run time: a local's index in its function's frame, or a global's id
/// in the program's table of global names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot {
    Local(u32),
    Global(u32),
}

impl Slot {
    #[inline]
    pub fn as_local(self) -> Option<u32> {
        match self {
            Slot::Local(i) => Some(i),
            Slot::Global(_) => None,
        }
    }

    #[inline]
    pub fn as_global(self) -> Option<u32> {
        match self {
            Slot::Global(id) => Some(id),
            Slot::Local(_) => None,
        }
    }
}

/// The program's global names, by id.
#[derive(Debug, Default)]
pub struct Globals {
    pub names: Vec<Name>,
    ids: HashMap<Name, u32>,
}

impl Globals {
    fn id(&mut self, n: &Name) -> u32 {
        if let Some(&id) = self.ids.get(n) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(n.clone());
        self.ids.insert(n.clone(), id);
        id
    }
}

/// What resolution found, by node.
#[derive(Debug, Default)]
pub struct Scopes {
    pub globals: Globals,
    /// Each binding name's slot, by the `Ident`'s address.
    bindings: HashMap<usize, u32>,
    /// Each name read's slot, by the `Expr`'s address.
    reads: HashMap<usize, Slot>,
    /// Frame sizes: of each function (by the `FnDecl`'s address), each top-level `let` (by the
    /// `LetDecl`'s) and each parameter default (by the `Expr`'s).
    frames: HashMap<usize, u32>,
}

fn addr<T>(r: &T) -> usize {
    r as *const T as usize
}

impl Scopes {
    /// The slot of binding name `id`.
    pub fn binding(&self, id: &Ident) -> Option<u32> {
        self.bindings.get(&addr(id)).copied()
    }

    /// The slot a name read (`ExprKind::Name`) resolved to.
    pub fn read(&self, e: &Expr) -> Option<Slot> {
        self.reads.get(&addr(e)).copied()
    }

    /// The frame size of a function.
    pub fn frame_of_fn(&self, f: &FnDecl) -> u32 {
        self.frames.get(&addr(f)).copied().unwrap_or(0)
    }

    /// The frame size of a top-level `let`.
    pub fn frame_of_let(&self, l: &LetDecl) -> u32 {
        self.frames.get(&addr(l)).copied().unwrap_or(0)
    }

    /// The frame size of an expression evaluated in a frame of its own (a parameter default).
    pub fn frame_of_expr(&self, e: &Expr) -> u32 {
        self.frames.get(&addr(e)).copied().unwrap_or(0)
    }
}

/// Resolves every module's names.
pub fn resolve(loaded: &Loaded, checked: &Checked) -> Scopes {
    let mut out = Scopes::default();
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
    for (m, module) in loaded.modules.iter().enumerate() {
        for (i, item) in module.items.iter().enumerate() {
            let mut r = Resolver {
                scope: Vec::new(),
                next: 0,
                max: 0,
                module: alias_of.get(&(m, i)).cloned(),
                checked,
                out: &mut out,
            };
            match &item.kind {
                ItemKind::Task(t) => r.function(&t.func),
                ItemKind::Fn(f) => r.function(f),
                ItemKind::Let(l) => {
                    r.expr(&l.value);
                    r.pattern(&l.pattern);
                    r.out.frames.insert(addr(l), r.max);
                }
                ItemKind::Stmt(s) => r.stmt(s),
                ItemKind::Env(_) | ItemKind::Struct(_) | ItemKind::Import(_) => {}
            }
        }
    }
    out
}

struct Resolver<'g> {
    /// Locals in scope, innermost last.
    scope: Vec<(Name, u32)>,
    next: u32,
    max: u32,
    /// The alias of the module being resolved, if it was imported `as` one.
    module: Option<Name>,
    checked: &'g Checked,
    out: &'g mut Scopes,
}

impl Resolver<'_> {
    fn function(&mut self, f: &FnDecl) {
        for p in &f.params {
            if let Some(d) = &p.default {
                self.detached(d);
            }
        }
        for p in &f.params {
            self.bind(&p.name);
        }
        self.block(&f.body);
        self.out.frames.insert(addr(f), self.max);
    }

    /// An expression evaluated in a frame of its own (no locals in scope).
    fn detached(&mut self, e: &Expr) {
        let saved = (std::mem::take(&mut self.scope), self.next, self.max);
        (self.next, self.max) = (0, 0);
        self.expr(e);
        self.out.frames.insert(addr(e), self.max);
        (self.scope, self.next, self.max) = saved;
    }

    fn bind(&mut self, id: &Ident) {
        self.out.bindings.insert(addr(id), self.next);
        self.scope.push((id.name.clone(), self.next));
        self.next += 1;
        self.max = self.max.max(self.next);
    }

    fn pattern(&mut self, p: &Pattern) {
        match p {
            Pattern::Name(id) => self.bind(id),
            Pattern::Tuple(items, _) => items.iter().for_each(|p| self.pattern(p)),
        }
    }

    /// Resolves a name: a local's slot, or a global's id (one of the module's own names as
    /// its `ALIAS.NAME` key).
    fn lookup(&mut self, n: &Name) -> Slot {
        if let Some(&(_, i)) = self.scope.iter().rev().find(|(k, _)| k == n) {
            return Slot::Local(i);
        }
        if let Some(p) = &self.module {
            let q = Name::new(format!("{p}.{n}"));
            if self.checked.locations.contains_key(&q) {
                return Slot::Global(self.out.globals.id(&q));
            }
        }
        Slot::Global(self.out.globals.id(n))
    }

    /// Runs `f` in a new scope whose slots are reused once it ends.
    fn scoped(&mut self, f: impl FnOnce(&mut Self)) {
        let (mark, next) = (self.scope.len(), self.next);
        f(self);
        self.scope.truncate(mark);
        self.next = next;
    }

    fn block(&mut self, b: &Block) {
        self.scoped(|r| b.stmts.iter().for_each(|s| r.stmt(s)));
    }

    fn stmt(&mut self, s: &Stmt) {
        crate::stack::grow(|| match &s.kind {
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
                        if let Some(b) = &h.binding {
                            r.bind(b);
                        }
                        r.block(&h.body);
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

    fn comp(&mut self, clauses: &[CompClause], body: impl FnOnce(&mut Self)) {
        self.scoped(|r| {
            for c in clauses {
                r.expr(&c.iter);
                r.pattern(&c.pattern);
                c.conds.iter().for_each(|e| r.expr(e));
            }
            body(r);
        });
    }

    fn expr(&mut self, e: &Expr) {
        crate::stack::grow(|| {
            match &e.kind {
                ExprKind::Name(n) => {
                    let s = self.lookup(n);
                    self.out.reads.insert(addr(e), s);
                }
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
                _ => e.for_each_child(|c| self.expr(c)),
            }
        })
    }
}
