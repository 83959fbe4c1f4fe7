//! A program's bodies: every function and task body, top-level `let` value and parameter
//! default, each lowered once ([`Lower`], `lower.rs`) after its names are resolved
//! ([`scope::resolve`]).

use super::lower::Lower;
use super::scope::{self, Globals, Scopes};
use super::*;
use crate::check::imports::Loaded;
use crate::check::Checked;
use crate::syntax::ast::*;

/// Lowers every function and task body, top-level `let` value and parameter default of a
/// checked program, resolving its names first ([`scope::resolve`]).
pub fn lower(loaded: &Loaded, checked: &Checked) -> (Unit, Globals) {
    let scopes = scope::resolve(loaded, checked);
    let mut extra = Vec::new();
    let mut defaults = Vec::with_capacity(checked.locations.len());
    let n = checked.locations.len();
    let fns = checked
        .locations
        .iter()
        .map(|(key, &(m, i))| {
            let item = loaded.modules.get(m).and_then(|md| md.items.get(i));
            let decl = match item.map(|it| &it.kind) {
                Some(ItemKind::Fn(f)) => f,
                Some(ItemKind::Task(t)) => &t.func,
                Some(ItemKind::Let(l)) => {
                    defaults.push(Vec::new());
                    return lower_let(key, l, loaded, checked, &scopes);
                }
                _ => {
                    defaults.push(Vec::new());
                    return None;
                }
            };
            // Each parameter default: a body of its own, numbered after the declared names.
            defaults.push(
                decl.params
                    .iter()
                    .map(|p| {
                        let d = p.default.as_ref()?;
                        let frame = scopes.frame_of_expr(d);
                        let mut l = Lower::new(key, frame, d.span, loaded, checked, &scopes);
                        let at = l.emit(Op::Step);
                        l.fresh_step = Some(at);
                        let r = l.expr_any(d);
                        l.emit(Op::Ret {
                            src: r,
                            step: false,
                        });
                        extra.push(l.finish());
                        Some((n + extra.len() - 1) as u32)
                    })
                    .collect(),
            );
            let frame = scopes.frame_of_fn(decl);
            let mut l = Lower::new(key, frame, decl.body.span, loaded, checked, &scopes);
            l.block(&decl.body);
            l.emit(Op::RetNone);
            let mut code = l.finish()?;
            if let Some(info) = checked
                .fns
                .get(key)
                .filter(|_| !checked.tasks.contains_key(key))
            {
                let params: Vec<bool> = info
                    .params
                    .iter()
                    .map(|p| scalar::scalar_type(&p.ty))
                    .collect();
                code.scalar_only = scalar::only_scalars(&code, &params, |func| {
                    checked
                        .locations
                        .get_index(func as usize)
                        .and_then(|(name, _)| checked.fns.get(name))
                        .is_some_and(|f| scalar::scalar_type(&f.ret))
                });
            }
            Some(code)
        })
        .collect::<Vec<_>>();
    let fns = fns.into_iter().chain(extra).collect();
    (Unit::new(fns, defaults), scopes.globals)
}

/// A top-level `let`'s value, bound to its pattern: the body returns the value of its one
/// name, or a tuple of its names' values in the order of [`Pattern::names`].
fn lower_let(
    key: &Name,
    decl: &LetDecl,
    loaded: &Loaded,
    checked: &Checked,
    scopes: &Scopes,
) -> Option<FnCode> {
    let frame = scopes.frame_of_let(decl);
    let mut l = Lower::new(key, frame, decl.value.span, loaded, checked, scopes);
    let at = l.emit(Op::Step);
    l.fresh_step = Some(at);
    let v = l.expr_any(&decl.value);
    match &decl.pattern {
        Pattern::Name(_) => {
            l.emit(Op::Ret {
                src: v,
                step: false,
            });
        }
        p => {
            l.bind(p, v);
            let names = p.names();
            let start = l.temps(names.len() as u32);
            for (i, id) in names.iter().enumerate() {
                let src = l.scopes.binding(id).unwrap_or(0) as Reg;
                l.emit(Op::Move {
                    dst: start + i as u32,
                    src,
                });
            }
            let dst = l.temp();
            l.emit(Op::Tuple {
                dst,
                start,
                n: names.len() as u32,
            });
            l.emit(Op::Ret {
                src: dst,
                step: false,
            });
        }
    }
    l.finish()
}
