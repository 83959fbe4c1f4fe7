//! The order module-level `let`s and `env`s are resolved in, and the bounds that keep their
//! resolution shallow: each declaration is resolved after those it uses (found by an
//! iterative walk), so a long chain written in any order never recurses deeply; only the
//! members of a cycle are left to the recursive resolution, which reports the cycle (and a
//! cycle longer than [`MAX_RESOLVE_DEPTH`] is reported as too deep). A constant's type and
//! value may nest at most [`MAX_CONST_DEPTH`] levels through other constants (`E0104`, like
//! brackets in one expression), so none grows without bound.

use super::config::value::Const;
use super::error::CheckError;
use super::types::Type;
use super::{Checker, Decl, Name, State};
use crate::syntax::ast::{Expr, ExprKind};

/// How deep the recursive resolution of declarations may go.
pub(super) const MAX_RESOLVE_DEPTH: usize = 500;
/// How deep a constant's type and value may nest.
pub(super) const MAX_CONST_DEPTH: usize = 200;

#[derive(Clone, Copy, PartialEq)]
enum Mark {
    OnStack,
    Done,
}

impl<'m> Checker<'m> {
    /// The `let` and `env` declarations among `names`, each after the ones it uses; those on a
    /// cycle (or using one) are left out, for the caller to resolve in source order.
    pub(super) fn declaration_order(&mut self, names: &[Name]) -> Vec<Name> {
        let mut marks: std::collections::HashMap<Name, Mark> = Default::default();
        let mut order = Vec::new();
        for root in names {
            if marks.contains_key(root) || !self.is_constant_decl(root) {
                continue;
            }
            // Frames: the declaration, its uses, the next use to visit, whether it is tainted
            // (reaches a declaration still on the stack).
            let mut stack = vec![(root.clone(), self.uses(root), 0usize, false)];
            marks.insert(root.clone(), Mark::OnStack);
            while let Some(top) = stack.last_mut() {
                if top.2 < top.1.len() {
                    let next = top.1[top.2].clone();
                    top.2 += 1;
                    match marks.get(&next) {
                        Some(Mark::OnStack) => top.3 = true,
                        Some(Mark::Done) => {}
                        None => {
                            marks.insert(next.clone(), Mark::OnStack);
                            let uses = self.uses(&next);
                            stack.push((next, uses, 0, false));
                        }
                    }
                    continue;
                }
                let (name, _, _, tainted) = stack.pop().unwrap();
                marks.insert(name.clone(), Mark::Done);
                if tainted {
                    if let Some(parent) = stack.last_mut() {
                        parent.3 = true;
                    }
                } else {
                    order.push(name);
                }
            }
        }
        order
    }

    /// Past [`MAX_RESOLVE_DEPTH`] nested resolutions (only on a very long cycle, see
    /// `order.rs`), reports the declaration and leaves it unknown.
    pub(super) fn too_deep(&mut self, name: &Name) -> bool {
        if self.resolve_depth < MAX_RESOLVE_DEPTH {
            return false;
        }
        let at = self.decls.get(name).map(|d| d.span()).unwrap_or_default();
        self.err(CheckError::TooDeep {
            at,
            what: "definitions using one another".into(),
            limit: MAX_RESOLVE_DEPTH,
        });
        self.out.consts.insert(name.clone(), Type::Any);
        self.const_state.insert(name.clone(), State::Done);
        true
    }

    fn is_constant_decl(&self, name: &Name) -> bool {
        matches!(self.decls.get(name), Some(Decl::Let(..) | Decl::Env(..)))
    }

    /// The `let`s and `env`s a declaration's right-hand side names, in the order written.
    fn uses(&mut self, name: &Name) -> Vec<Name> {
        let value: &'m Expr = match self.decls.get(name) {
            Some(Decl::Let(l, _)) => &l.value,
            Some(Decl::Env(e, _)) => &e.value,
            _ => return vec![],
        };
        self.in_module_of(name, |c| {
            let mut found = Vec::new();
            let mut todo = vec![value];
            while let Some(e) = todo.pop() {
                let key = match &e.kind {
                    ExprKind::Name(n) => Some(c.qualify(n).unwrap_or_else(|| n.clone())),
                    ExprKind::Attr { obj, name } => c.qualified(obj, name),
                    _ => None,
                };
                if let Some(k) = key.filter(|k| c.is_constant_decl(k)) {
                    if !found.contains(&k) {
                        found.push(k);
                    }
                }
                let first = todo.len();
                e.for_each_child(|child| todo.push(child));
                todo[first..].reverse();
            }
            found
        })
    }
}

/// Whether a type nests more than `limit` levels (`list[int]` nests one).
pub(super) fn type_deeper_than(t: &Type, limit: usize) -> bool {
    let inner: Vec<&Type> = match t {
        Type::List(x) | Type::Optional(x) | Type::Future(x) => vec![x],
        Type::Dict(k, v) => vec![k, v],
        Type::Tuple(xs) | Type::Union(xs) => xs.iter().collect(),
        _ => return false,
    };
    limit == 0 || inner.iter().any(|x| type_deeper_than(x, limit - 1))
}

/// Whether a constant value nests more than `limit` levels (`[1]` nests one).
pub(super) fn const_deeper_than(c: &Const, limit: usize) -> bool {
    let inner: Vec<&Const> = match c {
        Const::List(xs) | Const::Tuple(xs) => xs.iter().map(|x| &x.value).collect(),
        Const::Dict(kv) => kv.iter().flat_map(|(k, v)| [&k.value, &v.value]).collect(),
        Const::Record { args, .. } => args.iter().map(|a| &a.value.value).collect(),
        _ => return false,
    };
    limit == 0 || inner.iter().any(|x| const_deeper_than(x, limit - 1))
}
