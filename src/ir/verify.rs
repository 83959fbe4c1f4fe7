//! What the VM relies on in a lowered body, checked once when it is lowered: every register an
//! instruction names lies inside the frame (`< nregs`), every label inside the code, every
//! [`Op::ModK`]'s divisor in its table, and the last instruction does not fall through (the labels a `finally` goes on to are checked by
//! the VM where it takes them). The VM reads registers and fetches instructions
//! without a bounds check on the strength of this; a body that fails it is not lowered (and a
//! call of it is an error, not undefined behaviour).

use super::*;

/// Whether `code` keeps to what the VM relies on.
pub(super) fn well_formed(code: &FnCode) -> bool {
    let n = code.code.len();
    let last_ends = matches!(
        code.code.last(),
        Some(
            Op::Jump { .. }
                | Op::Ret { .. }
                | Op::RetBinary { .. }
                | Op::RetNone
                | Op::Raise { .. }
                | Op::RaiseBare
                | Op::TypeError { .. }
        )
    );
    let label = |l: Label| (l as usize) < n;
    let handlers = code.handlers.iter().all(|h| {
        label(h.target)
            && match h.kind {
                HandlerKind::Except { err } => in_frame(code, err, 1),
                HandlerKind::Finally { state, payload } => {
                    in_frame(code, state, 1) && in_frame(code, payload, 1)
                }
            }
    });
    // A `finally` entered by no `break` (or `continue`, `return`) has no label for it; the
    // VM checks the one it takes (a cold path).
    let label_or_none = |l: Label| l == Label::MAX || label(l);
    let tables = code.excepts.iter().flatten().all(|(_, to)| label(*to))
        && code.finals.iter().all(|f| {
            label_or_none(f.on_return) && label_or_none(f.on_break) && label_or_none(f.on_continue)
        });
    last_ends
        && handlers
        && tables
        && code.code.iter().all(|op| {
            operands(code, *op)
                .iter()
                .all(|&(r, k)| in_frame(code, r, k))
                && target(*op).is_none_or(label)
                && match *op {
                    Op::ModK { m, .. } => (m as usize) < code.mods.len(),
                    _ => true,
                }
        })
}

/// Registers `r .. r + k` lie in the frame.
fn in_frame(code: &FnCode, r: Reg, k: u64) -> bool {
    r as u64 + k <= code.nregs as u64
}

/// Where an instruction may jump.
fn target(op: Op) -> Option<Label> {
    match op {
        Op::Jump { to }
        | Op::JumpIfFalse { to, .. }
        | Op::JumpIfTrue { to, .. }
        | Op::JumpCmp { to, .. }
        | Op::JumpCmpK { to, .. }
        | Op::ForNext { to, .. }
        | Op::ForPair { to, .. }
        | Op::ForRange { to, .. } => Some(to),
        _ => None,
    }
}

/// The registers an instruction reads or writes in place: (first, how many).
fn operands(code: &FnCode, op: Op) -> Vec<(Reg, u64)> {
    let one = |r: Reg| (r, 1);
    let opt = |r: u16| (r != NO_ARG).then_some((r as Reg, 1));
    match op {
        Op::Step | Op::Jump { .. } | Op::RetNone | Op::RaiseBare | Op::TypeError { .. } => vec![],
        Op::Const { dst, .. }
        | Op::Int { dst, .. }
        | Op::Global { dst, .. }
        | Op::GlobalNamed { dst, .. } => vec![one(dst)],
        Op::Move { dst, src } | Op::Await { dst, src } => vec![one(dst), one(src)],
        Op::Binary { dst, a, b, .. } | Op::Compare { dst, a, b, .. } => {
            vec![one(dst), one(a), one(b)]
        }
        Op::ArithK { dst, a, .. }
        | Op::ModK { dst, a, .. }
        | Op::Unary { dst, a, .. }
        | Op::Truth { dst, a } => {
            vec![one(dst), one(a)]
        }
        Op::JumpIfFalse { a, .. } | Op::JumpIfTrue { a, .. } | Op::JumpCmpK { a, .. } => {
            vec![one(a)]
        }
        Op::JumpCmp { a, b, .. } | Op::RetBinary { a, b, .. } => vec![one(a), one(b)],
        Op::List { dst, start, n } | Op::Tuple { dst, start, n } => {
            vec![one(dst), (start, n as u64)]
        }
        Op::Dict { dst, start, n } => vec![one(dst), (start, 2 * n as u64)],
        Op::Push { list, src } => vec![one(list), one(src)],
        Op::Insert { dict, key, val } => vec![one(dict), one(key), one(val)],
        Op::FString { dst, id } => {
            let mut v = vec![one(dst)];
            for part in code.fstrings.get(id as usize).into_iter().flatten() {
                if let FPart::Field { reg, .. } = part {
                    v.push(one(*reg));
                }
            }
            v
        }
        Op::Index { dst, obj, idx } => vec![one(dst), one(obj), one(idx)],
        Op::SetIndex { obj, idx, src } => vec![one(obj), one(idx), one(src)],
        Op::Attr { dst, obj, .. } | Op::FieldOrNone { dst, obj, .. } => vec![one(dst), one(obj)],
        Op::SetAttr { obj, src, .. } => vec![one(obj), one(src)],
        Op::Slice {
            dst,
            obj,
            bounds,
            mask,
        } => {
            let used = (0..3).filter(|i| mask & (1 << i) != 0);
            [one(dst), one(obj)]
                .into_iter()
                .chain(used.map(|i| one(bounds + i)))
                .collect()
        }
        Op::Iter { dst, src } => vec![(dst, 2), one(src)],
        Op::ForNext { iter, dst, .. } => vec![(iter, 2), one(dst)],
        Op::Items { dst, src } => vec![(dst, 2), one(src)],
        Op::ForPair { iter, a, b, .. } => vec![(iter, 2), one(a as Reg), one(b as Reg)],
        Op::RangeIter { iter, args, n } => vec![(iter, 3), (args, n as u64)],
        Op::ForRange { iter, dst, .. } => vec![(iter, 3), one(dst)],
        Op::Unpack { src, start, n, .. } => vec![one(src), (start, n as u64)],
        Op::CallFnK { dst, start, a, .. } => {
            vec![one(dst as Reg), one(start as Reg), one(a as Reg)]
        }
        Op::CallFn { dst, start, n, .. } => vec![one(dst), (start, n as u64)],
        Op::CallMethod {
            dst, recv, args, n, ..
        } => vec![one(dst), one(recv), (args, n as u64)],
        Op::Append { dst, recv, src } => vec![one(dst), one(recv), one(src)],
        Op::DictGetAdd { dict, key, .. } => vec![one(dict as Reg), one(key as Reg)],
        Op::Get {
            dst,
            recv,
            key,
            dflt,
        } => [Some(one(dst)), opt(recv), opt(key), opt(dflt)]
            .into_iter()
            .flatten()
            .collect(),
        Op::Call { dst, site } => {
            let mut v = vec![one(dst)];
            if let Some(s) = code.calls.get(site as usize) {
                match &s.target {
                    CallTarget::Value(r) | CallTarget::Attr { obj: r, .. } => v.push(one(*r)),
                }
                v.extend(s.args.iter().map(|(_, r)| one(*r)));
            }
            v
        }
        Op::Ret { src, .. } | Op::Raise { src } => vec![one(src)],
        Op::Except { err, .. } => vec![one(err)],
        Op::EndFinally { state, payload, .. } => vec![one(state), one(payload)],
        Op::GroupEnter { src, save } => vec![one(src), one(save)],
        Op::GroupExit { save } => vec![one(save)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::Span;

    fn body(nregs: u32, code: Vec<Op>) -> FnCode {
        FnCode {
            name: Name::new("f"),
            nregs,
            nlocals: nregs,
            spans: vec![Span::default(); code.len()],
            code,
            consts: vec![],
            names: vec![],
            handlers: vec![],
            calls: vec![],
            fstrings: vec![],
            mods: vec![],
            excepts: vec![],
            finals: vec![],
            scalar_only: false,
        }
    }

    #[test]
    fn registers_labels_and_the_end_are_checked() {
        let ok = body(
            2,
            vec![
                Op::Int {
                    dst: 1,
                    v: 3,
                    step: true,
                },
                Op::Ret {
                    src: 1,
                    step: false,
                },
            ],
        );
        assert!(well_formed(&ok));
        // A register past the frame.
        let mut bad = ok.clone();
        bad.code[0] = Op::Int {
            dst: 2,
            v: 3,
            step: true,
        };
        assert!(!well_formed(&bad));
        // A range of registers running past it.
        let mut bad = ok.clone();
        bad.code[0] = Op::List {
            dst: 0,
            start: 1,
            n: 2,
        };
        assert!(!well_formed(&bad));
        // A jump out of the code.
        let mut bad = ok.clone();
        bad.code[0] = Op::Jump { to: 2 };
        assert!(!well_formed(&bad));
        // Falling off the end.
        let mut bad = ok.clone();
        bad.code.pop();
        assert!(!well_formed(&bad));
        assert!(!well_formed(&body(1, vec![])));
        // A remainder whose divisor is not in the table, then is.
        let mut bad = ok.clone();
        bad.code[0] = Op::ModK {
            dst: 0,
            a: 1,
            m: 0,
            step: false,
        };
        assert!(!well_formed(&bad));
        bad.mods.push((97, mod_magic(97)));
        assert!(well_formed(&bad));
    }
}
