//! The VM's frames: a caller's saved state ([`Saved`]), the machine between halts
//! ([`Machine`]), entering a frame ([`enter`]) and leaving one ([`pop`]), and the register
//! stores the loop uses.

use super::super::interp::{Ctrl, Frame, Res, Waiting};
use super::super::value::Value;
use super::slow;
use crate::diagnostics::ErrorType;
use crate::ir::{FnCode, Reg};

/// No language future (see [`Saved::fut`]).
pub(super) const NO_FUT: u32 = u32::MAX;

/// A caller's frame, saved while its callee runs.
pub(super) struct Saved<'p> {
    pub(super) code: &'p FnCode,
    pub(super) pc: usize,
    pub(super) base: usize,
    /// The caller's register (absolute) that receives the result.
    pub(super) dst: usize,
    /// The async fn's future the callee's outcome settles ([`NO_FUT`]: none).
    pub(super) fut: u32,
    /// The callee runs for an effect waiting above the caller (a `gather` awaiting an async
    /// fn inline): its outcome goes back to the driver, not to a register.
    pub(super) native: bool,
}

/// The VM's state between halts: the register file, the frames, where it is.
pub(crate) struct Machine<'p> {
    pub(super) regs: Vec<Value>,
    pub(super) frames: Vec<Saved<'p>>,
    pub(super) code: &'p FnCode,
    pub(super) pc: usize,
    pub(super) base: usize,
}

/// Why [`exec`] returned.
pub(crate) enum Halt {
    /// The entry frame ended.
    Done(Res<Value>),
    /// The instruction at `pc - 1` waits: its result goes to register `dst` on resuming.
    Wait(Waiting, Reg),
    /// A frame entered for an effect ([`Machine::enter`] with `native`) ended.
    Delivered(Res<Value>),
}

/// How [`exec`] goes on.
pub(crate) enum Resume {
    Run,
    /// The waiting instruction's result, into its register.
    Value(Reg, Value),
    /// The waiting instruction raises.
    Raise(Ctrl),
}

impl<'p> Machine<'p> {
    /// A machine at the start of body `code` with `args` as its first locals.
    pub(crate) fn new(code: &'p FnCode, mut args: Vec<Value>) -> Machine<'p> {
        args.resize(code.nregs as usize, Value::None);
        Machine {
            regs: args,
            frames: Vec::new(),
            code,
            pc: 0,
            base: 0,
        }
    }

    /// Enters function number `func` with `args`, above the current frame (whose `pc` is
    /// where it goes on). `dst`: the current frame's register for the result; `native`: the
    /// result goes to the driver instead.
    pub(crate) fn enter(
        &mut self,
        f: &mut Frame<'p>,
        func: u32,
        args: Vec<Value>,
        dst: Reg,
        fut: Option<u32>,
        native: bool,
    ) -> Res<()> {
        let at = Entry {
            func,
            args,
            dst,
            fut,
            native,
        };
        let (code, pc, base) = enter(
            f,
            &mut self.frames,
            &mut self.regs,
            (self.code, self.pc, self.base),
            at,
        )?;
        (self.code, self.pc, self.base) = (code, pc, base);
        Ok(())
    }
}

/// A call the VM enters (see [`Machine::enter`]).
pub(super) struct Entry {
    pub(super) func: u32,
    pub(super) args: Vec<Value>,
    pub(super) dst: Reg,
    pub(super) fut: Option<u32>,
    pub(super) native: bool,
}

/// Where the VM stands: the current frame's code, the next instruction, the frame's base.
pub(super) type Pos<'p> = (&'p FnCode, usize, usize);

/// Pushes a frame for `e` above the current one (`at`: where the VM stands); gives where it
/// stands in the new frame. (By value: the loop keeps its position in registers.)
#[inline(never)]
pub(super) fn enter<'p>(
    f: &mut Frame<'p>,
    frames: &mut Vec<Saved<'p>>,
    regs: &mut Vec<Value>,
    at: Pos<'p>,
    e: Entry,
) -> Res<Pos<'p>> {
    let (code, pc, base) = at;
    let prog: &'p crate::runtime::Executable = f.sh.prog;
    if f.depth + 1 > f.sh.limits.max_call_depth {
        return Err(f.depth_error());
    }
    let Some(callee) = prog.vm_body(e.func) else {
        return Err(not_lowered());
    };
    let new_base = base + code.nregs as usize;
    frames.push(Saved {
        code,
        pc,
        base,
        dst: base + e.dst as usize,
        fut: e.fut.unwrap_or(NO_FUT),
        native: e.native,
    });
    let top = new_base + callee.nregs as usize;
    if regs.len() < top {
        grow(regs, top);
    }
    for (slot, v) in regs[new_base..].iter_mut().zip(e.args) {
        *slot = v;
    }
    f.depth += 1;
    Ok((callee, 0, new_base))
}

/// Leaves the current frame (at `at`) with `v`: where the VM goes on, and the halt when the
/// value leaves the VM (the entry frame ended, or a frame entered for an effect).
#[inline(never)]
pub(super) fn leave<'p>(
    f: &mut Frame<'p>,
    frames: &mut Vec<Saved<'p>>,
    regs: &mut [Value],
    at: Pos<'p>,
    v: Value,
) -> (Pos<'p>, Option<Halt>) {
    let (code, mut pc, mut base) = at;
    let Some(saved) = pop(frames, regs, code, &mut pc, &mut base) else {
        return (at, Some(Halt::Done(Ok(v))));
    };
    f.depth -= 1;
    let at = (saved.code, pc, base);
    if saved.fut != NO_FUT {
        slow::settle_fn(f, saved.fut, Ok(&v));
    }
    if saved.native {
        return (at, Some(Halt::Delivered(Ok(v))));
    }
    put(&mut regs[saved.dst], v);
    (at, None)
}

#[cold]
pub(super) fn not_lowered() -> Ctrl {
    slow::error(
        ErrorType::RuntimeSystemError,
        "internal: a body that was not lowered",
    )
}

/// Stores `v` in a register, dropping the old value inline when it holds nothing on the
/// heap (most do: the general drop is an out-of-line call).
#[inline(always)]
pub(super) fn put(slot: &mut Value, v: Value) {
    let old = std::mem::replace(slot, v);
    if owns_nothing(&old) {
        std::mem::forget(old);
    } else {
        drop_value(old);
    }
}

/// Drops a value that may hold something on the heap. A list only this value holds is
/// taken apart here: its scalar items need no drop call each.
#[inline(never)]
pub(super) fn drop_value(v: Value) {
    match v {
        Value::List(l) => match std::rc::Rc::try_unwrap(l) {
            Ok(items) => drop_items(items.into_inner()),
            Err(l) => drop(l),
        },
        v => drop(v),
    }
}

/// Drops `items`, calling the general drop only for those that hold something on the heap.
pub(super) fn drop_items(mut items: Vec<Value>) {
    for v in items.drain(..) {
        if is_scalar(&v) {
            std::mem::forget(v);
        } else {
            drop(v);
        }
    }
}

/// A copy of `v`: a scalar's bits, inline; anything else through `Clone` (a count raised).
/// (`Value::clone` is a call where the VM's loop uses it, too large to inline into.)
#[inline(always)]
pub(super) fn copy_of(v: &Value) -> Value {
    if is_scalar(v) {
        // SAFETY: a scalar owns nothing (no heap, no count, nothing to drop), so a bitwise
        // copy is the value itself, and both copies may be used and dropped.
        unsafe { std::ptr::read(v) }
    } else {
        v.clone()
    }
}

/// Whether `v` holds nothing on the heap (dropping it does nothing).
#[inline(always)]
pub(super) fn is_scalar(v: &Value) -> bool {
    matches!(
        v,
        Value::None
            | Value::Bool(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::Duration(_)
            | Value::Future(_)
    )
}

/// Stores a copy of `v` in `slot`. A scalar over a value that owns nothing is copied word for
/// word from where it is: a copy returned and then stored goes through the stack, and is read
/// back there in wider pieces than it was written in, which the processor must wait for.
#[inline(always)]
pub(super) fn put_copy(slot: &mut Value, v: &Value) {
    if !is_scalar(v) || !owns_nothing(slot) {
        return put(slot, v.clone());
    }
    // SAFETY: a scalar owns nothing, so its bits are a copy of it; the old value owns nothing
    // either, so overwriting it without a drop loses nothing. Two references, one of them
    // `&mut`, never overlap.
    unsafe {
        match v {
            // Its tag and number (the number may have been written alone, just before).
            Value::Int(i) => std::ptr::write(slot, Value::Int(*i)),
            v => std::ptr::copy_nonoverlapping(v, slot, 1),
        }
    }
}

/// Appends a copy of `v` to `items`, a scalar word for word from where it is (as
/// [`put_copy`]).
#[inline(always)]
pub(super) fn push_copy(items: &mut Vec<Value>, v: &Value) {
    if is_scalar(v) {
        items.reserve(1);
        let n = items.len();
        // SAFETY: `reserve` made room for one more item past the `n` initialized ones; a
        // scalar's bits are a copy of it; `v` is no item of `items` (that is borrowed `&mut`).
        unsafe {
            let end = items.as_mut_ptr().add(n);
            match v {
                // Its tag and number (the number may have been written alone, just before).
                Value::Int(i) => std::ptr::write(end, Value::Int(*i)),
                v => std::ptr::copy_nonoverlapping(v, end, 1),
            }
            items.set_len(n + 1);
        }
    } else {
        items.push(v.clone())
    }
}

/// Whether dropping `v` does nothing: a scalar, or a string held inline (or static).
#[inline(always)]
pub(super) fn owns_nothing(v: &Value) -> bool {
    match v {
        Value::Str(s) => !s.is_heap_allocated(),
        v => is_scalar(v),
    }
}

#[cold]
#[inline(never)]
pub(super) fn grow(regs: &mut Vec<Value>, top: usize) {
    regs.resize(top.max(regs.len() * 2), Value::None);
}

/// Moves `n` registers from `s` out into a vector.
#[inline]
pub(super) fn take_range(regs: &mut [Value], s: usize, n: u32) -> Vec<Value> {
    regs[s..s + n as usize]
        .iter_mut()
        .map(|v| std::mem::replace(v, Value::None))
        .collect()
}

/// Leaves the current frame: clears its window (so a value it held is dropped now, as the
/// walker drops a frame's locals) and restores the caller's `pc` and `base`;
/// gives the caller's code and its result register, or `None` at the entry frame.
#[inline(always)]
pub(super) fn pop<'p>(
    frames: &mut Vec<Saved<'p>>,
    regs: &mut [Value],
    code: &'p FnCode,
    pc: &mut usize,
    base: &mut usize,
) -> Option<Saved<'p>> {
    let saved = frames.pop()?;
    // Registers above the current frame hold no heap value: the file only grows, to the
    // deepest frame's top, and a returning frame drops what its window holds (a scalar left
    // behind is harmless: every register is written before it is read). A frame whose
    // registers hold only scalars (`FnCode::scalar_only`) has nothing to drop.
    if !code.scalar_only {
        let top = *base + code.nregs as usize;
        for v in &mut regs[*base..top] {
            if !is_scalar(v) {
                *v = Value::None;
            }
        }
    }
    *pc = saved.pc;
    *base = saved.base;
    Some(saved)
}
