//! A loop's next item: from a list (`for x in xs`, [`crate::ir::Op::ForNext`]) or from the
//! keys and values of a dict (`for k, v in d.items()`, [`crate::ir::Op::ForPair`]).

use super::super::interp::Res;
use super::frame::{put, put_copy};
use super::slow;
use super::Value;
use crate::diagnostics::ErrorType;

/// Item `i` of the list in register `it` into register `dst` (`(it, dst)`, indices into
/// `regs`); `false` past its end.
#[inline(always)]
pub(super) fn next_item(regs: &mut [Value], (it, dst): (usize, usize), i: usize) -> bool {
    let (list, slot) = if it < dst {
        let (lo, hi) = regs.split_at_mut(dst);
        (&lo[it], &mut hi[0])
    } else {
        let (lo, hi) = regs.split_at_mut(it);
        (&hi[0], &mut lo[dst])
    };
    match list {
        // A list only this loop holds (its items, or a list built for it): the next item is
        // swapped into `dst`, and the value `dst` held waits in the list until the loop ends.
        Value::List(l) if std::rc::Rc::strong_count(l) == 1 => match l.borrow_mut().get_mut(i) {
            Some(v) => {
                std::mem::swap(v, slot);
                true
            }
            None => false,
        },
        Value::List(l) => match l.borrow().get(i) {
            Some(v) => {
                put_copy(slot, v);
                true
            }
            None => false,
        },
        _ => false,
    }
}

/// Pair `i` of the [`crate::ir::Op::Items`] in register `it` into registers `a` and `b`
/// (`[it, a, b]`, indices into `regs`); `false` past the end.
#[inline(always)]
pub(super) fn next_pair(regs: &mut [Value], [it, a, b]: [usize; 3], i: usize) -> Res<bool> {
    match &regs[it] {
        // The loop's own list of keys and values: each swapped into its register (the value
        // the register held waits in the list until the loop ends).
        Value::List(l) => {
            let l = l.clone();
            let mut l = l.borrow_mut();
            match l.get_mut(2 * i..2 * i + 2) {
                Some([k, v]) => {
                    std::mem::swap(k, &mut regs[a]);
                    std::mem::swap(v, &mut regs[b]);
                    Ok(true)
                }
                _ => Ok(false),
            }
        }
        // What a receiver that is no dict gave for `items()`: each item unpacked now.
        Value::Tuple(t) => {
            let Some(item) = t.get(i) else {
                return Ok(false);
            };
            let Ok([k, v]) = <[Value; 2]>::try_from(slow::unpack(item, 2, true)?) else {
                return Err(slow::error(
                    ErrorType::RuntimeSystemError,
                    "internal: a pair",
                ));
            };
            put(&mut regs[a], k);
            put(&mut regs[b], v);
            Ok(true)
        }
        _ => Ok(false),
    }
}
