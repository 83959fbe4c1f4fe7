//! The VM: runs a lowered body ([`crate::ir::FnCode`]) over a register file.
//!
//! One `Vec<Value>` holds the registers of every frame of one entry; a frame is a window
//! `[base, base + nregs)` of it. A call of a plain function by name ([`Op::CallFn`]) pushes a
//! frame whose window starts at the caller's argument registers, so the arguments are already
//! the callee's first locals (Lua's calling convention); the return value goes to the caller's
//! destination register and the callee's window is cleared. Script recursion therefore grows
//! the frame vector, not the Rust stack, and the call-depth limit counts VM frames.
//!
//! Errors: an instruction that fails yields a `Ctrl`; the VM records the innermost statement
//! of the failing instruction on the error's trace (once per frame), then
//! looks for a protected range of the frame ([`crate::ir::Handler`], innermost first): an
//! `except` takes a raised error (not a kill), a `finally` takes both. With no handler the
//! frame is popped and the error continues at the caller's call instruction.
//!
//! Waiting: an instruction that must wait ([`Op::Await`], or a call of a sync task, `sleep`,
//! `compute`, `gpu_compute` or `map`) *halts* the VM (`Halt::Wait`) with what it waits for;
//! the `Machine` keeps the registers and frames, and an action's `Fiber` keeps the machine
//! and the effects under way until the event loop resumes it with the result (`Resume`),
//! which goes to the instruction's register (or is raised there). An `await` of an async fn's
//! future pushes a VM frame whose outcome also settles the future.
//!
//! It is the only evaluator. What is off the hot path (builtins, tasks, overrides, bound
//! methods, the action lifecycle) lives in `interp/`, whose `Frame` is the VM's handle on the
//! run; tests/engine_agreement.rs holds the VM to results, errors, logs and virtual timings
//! recorded from the tree walker it replaced.

mod fast;
mod fiber;
mod frame;
mod fstring;
mod loops;
mod slow;
#[cfg(test)]
mod tests;

use fast::*;
pub(crate) use fiber::Fiber;
use frame::*;
pub(crate) use frame::{Halt, Machine, Resume};

use super::interp::{Begin, Ctrl, Frame, Res};
use super::ops;
use super::value::Value;
use crate::diagnostics::ErrorType;
use crate::ir::{finally_state, Op, Unit, NO_ARG};
use crate::syntax::ast::{BinOp, Name};

/// Runs body number `func` of `unit` with `args` (its parameters, in order) at `f.depth`,
/// in `f`'s action, to its end; `f.depth` and `f.group` are the VM's current ones while it
/// runs. A body that must wait cannot run here (a call from Rust that needs its value now: a
/// top-level `let`'s value, a parameter default, a function called by a builtin): an
/// action's body runs in a [`Fiber`].
pub(crate) fn run<'p>(
    f: &mut Frame<'p>,
    unit: &'p Unit,
    func: u32,
    args: Vec<Value>,
) -> Res<Value> {
    let Some(code) = unit.get(func) else {
        return Err(not_lowered());
    };
    let mut m = Machine::new(code, args);
    let depth = f.depth;
    let r = crate::stack::grow_wide(|| exec(f, &mut m, Resume::Run));
    f.depth = depth;
    match r {
        Halt::Done(r) => r,
        Halt::Wait(..) | Halt::Delivered(_) => Err(slow::error(
            ErrorType::RuntimeSystemError,
            "internal: a body that waits, run where it cannot",
        )),
    }
}

/// The main loop, from where `m` stands, until the entry frame ends or an instruction waits.
pub(crate) fn exec<'p>(f: &mut Frame<'p>, m: &mut Machine<'p>, resume: Resume) -> Halt {
    let sh = f.sh.clone();
    let unit: &'p Unit = &sh.prog.unit;
    // The position of the entry a dict lookup last found: `d[k] = d.get(k, 0) + 1` stores
    // there without a second lookup when the key there is `k` (a hint, always checked).
    let mut hint = usize::MAX;
    let (mut code, mut pc, mut base) = (m.code, m.pc, m.base);
    let regs = &mut m.regs;
    let frames = &mut m.frames;
    // Saves where the machine stands and returns `$h`.
    macro_rules! halt {
        ($h:expr) => {{
            m.code = code;
            m.pc = pc;
            m.base = base;
            return $h;
        }};
    }
    // The current frame's first register, kept in step with `base` and the register file
    // (`reframe!` after either changes): a register is then one addition away.
    let mut fp: *mut Value;
    macro_rules! reframe {
        () => {
            // SAFETY: `base` lies within the register file (it reaches the frame's top).
            fp = unsafe { regs.as_mut_ptr().add(base) }
        };
    }
    // A register of the current frame, to read (`r!`) or write (`w!`).
    //
    // SAFETY: the lowering verified that every register an instruction names lies below its
    // body's `nregs` (`ir::verify`), and the register file always reaches the current frame's
    // top, `base + nregs`: `Machine::new`, `enter` and `CallFn` grow it before a frame runs,
    // and it never shrinks. `fp` is the frame's first register in the file as it is now:
    // `reframe!` follows every change of `base` and every growth of the file. A reference taken
    // here lives within one instruction, during which neither changes.
    macro_rules! r {
        ($r:expr) => {
            (*unsafe { &*fp.add($r as usize) })
        };
    }
    macro_rules! w {
        ($r:expr) => {
            (*unsafe { &mut *fp.add($r as usize) })
        };
    }
    // An int or bool result over an int or bool: only the payload is written.
    macro_rules! set_int {
        ($r:expr, $v:expr) => {{
            let v: i64 = $v;
            match &mut w!($r) {
                Value::Int(x) => *x = v,
                slot => put(slot, Value::Int(v)),
            }
        }};
    }
    macro_rules! set_bool {
        ($r:expr, $v:expr) => {{
            let v: bool = $v;
            match &mut w!($r) {
                Value::Bool(x) => *x = v,
                slot => put(slot, Value::Bool(v)),
            }
        }};
    }
    macro_rules! set {
        ($r:expr, $v:expr $(,)?) => {{
            let v = $v;
            put(&mut w!($r), v)
        }};
    }
    let mut pending = match resume {
        Resume::Run => None,
        Resume::Value(dst, v) => {
            put(&mut regs[base + dst as usize], v);
            None
        }
        Resume::Raise(c) => Some(c),
    };
    loop {
        let c: Ctrl = if let Some(c) = pending.take() {
            c
        } else {
            reframe!();
            'run: loop {
                macro_rules! t {
                    ($e:expr) => {
                        match $e {
                            Ok(v) => v,
                            Err(c) => break 'run c,
                        }
                    };
                }
                // A statement's step (the step limit, and the checks it paces).
                macro_rules! step {
                    () => {{
                        let n = sh.steps.get() + 1;
                        sh.steps.set(n);
                        if n >= sh.next_check.get() {
                            t!(f.step_check(n));
                        }
                    }};
                }
                // The position of the loop whose iterator is in `iter` (the register after it).
                macro_rules! position {
                    ($iter:expr) => {
                        match r!($iter + 1) {
                            Value::Int(i) => i,
                            _ => {
                                break 'run slow::error(
                                    ErrorType::RuntimeSystemError,
                                    "internal: a loop position",
                                )
                            }
                        }
                    };
                }
                // A loop's step past item `i` of the iterator in `iter` (`more`: there was one):
                // on to the body (the back edge goes to it), or past the loop.
                macro_rules! next {
                    ($more:expr, $iter:expr, $i:expr, $to:expr, $back:expr) => {{
                        if $more {
                            set_int!($iter + 1, $i + 1);
                            if $back {
                                pc = $to as usize;
                            }
                        } else {
                            // The iterator goes now, not when the register is next written.
                            set!($iter, Value::None);
                            if !$back {
                                pc = $to as usize;
                            }
                        }
                    }};
                }
                // A call or `await` begun: its value now, a wait (the machine halts), or a frame.
                macro_rules! begin {
                    ($b:expr, $dst:expr) => {{
                        let dst = $dst;
                        match $b {
                            Begin::Now(v) => set!(dst, v),
                            Begin::Wait(w) => halt!(Halt::Wait(w, dst)),
                            Begin::Call { func, args, fut } => {
                                let e = Entry {
                                    func,
                                    args,
                                    dst,
                                    fut,
                                    native: false,
                                };
                                (code, pc, base) = t!(enter(f, frames, regs, (code, pc, base), e));
                                reframe!();
                            }
                        }
                    }};
                }
                // An int back to a plain caller: only the payload moves (and on to the next
                // instruction); any other caller is left to `ret!`.
                macro_rules! ret_int {
                    ($i:expr) => {{
                        let i: i64 = $i;
                        if frames.last().is_some_and(|s| s.fut == NO_FUT && !s.native) {
                            if let Some(saved) = pop(frames, regs, code, &mut pc, &mut base) {
                                reframe!();
                                code = saved.code;
                                f.depth -= 1;
                                match &mut regs[saved.dst] {
                                    Value::Int(x) => *x = i,
                                    slot => put(slot, Value::Int(i)),
                                }
                                continue;
                            }
                        }
                    }};
                }
                // Returns `$v` from the current frame, and goes on in the caller's.
                macro_rules! ret {
                    ($v:expr) => {{
                        let (to, h) = leave(f, frames, regs, (code, pc, base), $v);
                        (code, pc, base) = to;
                        reframe!();
                        if let Some(h) = h {
                            halt!(h);
                        }
                        continue;
                    }};
                }
                // Enters plain function number `$func` over the arguments from register
                // `$start` (its first locals), its result to `$dst`.
                macro_rules! call_fn {
                    ($dst:expr, $func:expr, $start:expr) => {{
                        if f.depth + 1 > sh.limits.max_call_depth {
                            break 'run f.depth_error();
                        }
                        let Some(callee) = unit.get($func) else {
                            break 'run not_lowered();
                        };
                        frames.push(Saved {
                            code,
                            pc,
                            base,
                            dst: base + $dst,
                            fut: NO_FUT,
                            native: false,
                        });
                        base += $start;
                        code = callee;
                        pc = 0;
                        let top = base + code.nregs as usize;
                        if regs.len() < top {
                            grow(regs, top);
                        }
                        reframe!();
                        f.depth += 1;
                    }};
                }
                // SAFETY: `pc` is in the code: it starts at 0 or where an instruction left it (a
                // label, verified in range), and the last instruction never falls through
                // (`ir::verify`).
                let op = unsafe { *code.code.get_unchecked(pc) };
                pc += 1;
                match op {
                    Op::Step => step!(),
                    Op::Int { dst, v, step } => {
                        if step {
                            step!();
                        }
                        set_int!(dst, v);
                    }
                    Op::Const { dst, k } => set!(dst, slow::constant(&code.consts[k as usize])),
                    Op::Move { dst, src } => match r!(src) {
                        Value::Int(i) => set_int!(dst, i),
                        _ => set!(dst, copy_of(&r!(src))),
                    },
                    Op::Global { dst, id } => set!(dst, t!(slow::global(f, id))),
                    Op::GlobalNamed { dst, name } => {
                        set!(dst, t!(f.global(&code.names[name as usize])))
                    }
                    Op::Binary { op, dst, a, b } => {
                        if let (Value::Int(x), Value::Int(y)) = (&r!(a), &r!(b)) {
                            if let Some(v) = int_arith(op, *x, *y) {
                                set_int!(dst, v);
                                continue;
                            }
                        }
                        let v = t!(slow::binary(f, op, &r!(a), &r!(b)));
                        set!(dst, v);
                    }
                    Op::ArithK {
                        op,
                        dst,
                        a,
                        k,
                        step,
                    } => {
                        if step {
                            step!();
                        }
                        if let Value::Int(x) = &r!(a) {
                            if let Some(v) = int_arith(op, *x, k as i64) {
                                set_int!(dst, v);
                                continue;
                            }
                        }
                        let v = t!(slow::binary(f, op, &r!(a), &Value::Int(k as i64)));
                        set!(dst, v);
                    }
                    Op::ModK { dst, a, m, step } => {
                        if step {
                            step!();
                        }
                        let k = code.mods.get(m as usize);
                        if let (&Value::Int(x), Some(&(k, magic))) = (&r!(a), k) {
                            set_int!(dst, rem_k(x, k, magic));
                            continue;
                        }
                        // Not an int (the divisor is in the table: verified when lowered).
                        let k = Value::Int(k.map_or(0, |&(k, _)| k as i64));
                        let v = t!(slow::binary(f, BinOp::Mod, &r!(a), &k));
                        set!(dst, v);
                    }
                    Op::Unary { op, dst, a } => {
                        let v = copy_of(&r!(a));
                        set!(dst, t!(f.unary(op, v)));
                    }
                    Op::Truth { dst, a } => set_bool!(dst, truthy(&r!(a))),
                    Op::Compare { op, dst, a, b } => {
                        set_bool!(dst, t!(compare(f, op, &r!(a), &r!(b))));
                    }
                    Op::Jump { to } => pc = to as usize,
                    Op::JumpIfFalse { a, to } => {
                        if !truthy(&r!(a)) {
                            pc = to as usize;
                        }
                    }
                    Op::JumpIfTrue { a, to } => {
                        if truthy(&r!(a)) {
                            pc = to as usize;
                        }
                    }
                    Op::JumpCmp { op, a, b, to, step } => {
                        if step {
                            step!();
                        }
                        if !t!(compare(f, op, &r!(a), &r!(b))) {
                            pc = to as usize;
                        }
                    }
                    Op::JumpCmpK { op, a, k, to, step } => {
                        if step {
                            step!();
                        }
                        let yes = match &r!(a) {
                            Value::Int(x) => int_cmp(op, *x, k as i64).unwrap_or(false),
                            x => t!(compare(f, op, x, &Value::Int(k as i64))),
                        };
                        if !yes {
                            pc = to as usize;
                        }
                    }
                    Op::List { dst, start, n } => {
                        let s = base + start as usize;
                        let items = take_range(regs, s, n);
                        set!(dst, Value::list(items));
                    }
                    Op::Tuple { dst, start, n } => {
                        let s = base + start as usize;
                        let items = take_range(regs, s, n);
                        set!(dst, Value::tuple(items));
                    }
                    Op::Dict { dst, start, n } => {
                        let s = base + start as usize;
                        let items = take_range(regs, s, 2 * n);
                        set!(dst, t!(slow::dict(f, items)));
                    }
                    Op::Push { list, src } => {
                        if let Value::List(l) = &r!(list) {
                            push_copy(&mut l.borrow_mut(), &r!(src));
                        }
                    }
                    Op::Insert { dict, key, val } => {
                        let k = t!(f.key(&r!(key)));
                        let v = copy_of(&r!(val));
                        if let Value::Dict(d) = &r!(dict) {
                            d.borrow_mut().insert(k, v);
                        }
                    }
                    Op::FString { dst, id } => {
                        let parts = &code.fstrings[id as usize];
                        if !fstring::short(&mut regs[base..], dst as usize, parts) {
                            let v = t!(slow::fstring(f, parts, &regs[base..]));
                            set!(dst, v);
                        }
                    }
                    Op::Index { dst, obj, idx } => {
                        let v = t!(ops::index(&r!(obj), &r!(idx)).map_err(Ctrl::raise));
                        set!(dst, v);
                    }
                    Op::SetIndex { obj, idx, src } => {
                        t!(slow::set_index(&r!(obj), &r!(idx), &r!(src), hint));
                    }
                    Op::Attr { dst, obj, name } => {
                        let o = r!(obj).clone();
                        set!(dst, t!(f.attr(&o, &code.names[name as usize])));
                    }
                    Op::FieldOrNone { dst, obj, name } => {
                        set!(
                            dst,
                            t!(slow::field_or_none(&r!(obj), &code.names[name as usize])),
                        );
                    }
                    Op::SetAttr { obj, name, src } => {
                        let v = copy_of(&r!(src));
                        t!(slow::set_field(&r!(obj), &code.names[name as usize], v));
                    }
                    Op::Slice {
                        dst,
                        obj,
                        bounds,
                        mask,
                    } => {
                        let v = t!(slow::slice(&regs[base..], obj, bounds, mask));
                        set!(dst, v);
                    }
                    Op::Iter { dst, src } => {
                        // A list is iterated in place, as Python's list iterator does (an item
                        // appended in the loop is reached); anything else through a list of
                        // its items.
                        let v = match &r!(src) {
                            l @ Value::List(_) => l.clone(),
                            v => Value::list(t!(ops::iterate(v).map_err(Ctrl::raise))),
                        };
                        set!(dst, v);
                        set!(dst + 1, Value::Int(0));
                    }
                    Op::ForNext {
                        iter,
                        dst,
                        to,
                        back,
                    } => {
                        let i = position!(iter);
                        let at = (base + iter as usize, base + dst as usize);
                        let more = loops::next_item(regs, at, i as usize);
                        next!(more, iter, i, to, back);
                    }
                    Op::Items { dst, src } => {
                        let v = t!(slow::items(f, &r!(src)));
                        set!(dst, v);
                        set!(dst + 1, Value::Int(0));
                    }
                    Op::ForPair {
                        iter,
                        a,
                        b,
                        to,
                        back,
                    } => {
                        let i = position!(iter);
                        let at = [iter, a as u32, b as u32].map(|r| base + r as usize);
                        let more = t!(loops::next_pair(regs, at, i as usize));
                        next!(more, iter, i, to, back);
                    }
                    Op::RangeIter { iter, args, n } => {
                        let s = base + args as usize;
                        let (first, count, by) = t!(slow::range(f, &regs[s..s + n as usize]));
                        set_int!(iter, first);
                        set_int!(iter + 1, count as i64);
                        set_int!(iter + 2, by);
                    }
                    Op::ForRange {
                        iter,
                        dst,
                        to,
                        back,
                    } => {
                        let (Value::Int(next), Value::Int(left), Value::Int(by)) =
                            (&r!(iter), &r!(iter + 1), &r!(iter + 2))
                        else {
                            break 'run slow::error(
                                ErrorType::RuntimeSystemError,
                                "internal: a counted loop",
                            );
                        };
                        let (next, left, by) = (*next, *left, *by);
                        if left > 0 {
                            set_int!(dst, next);
                            // Past the last value the sum may overflow: it is never read.
                            set_int!(iter, next.wrapping_add(by));
                            set_int!(iter + 1, left - 1);
                            if back {
                                pc = to as usize;
                            }
                        } else if !back {
                            pc = to as usize;
                        }
                    }
                    Op::Unpack {
                        src,
                        start,
                        n,
                        names,
                    } => {
                        // A tuple of the right size (`for k, v in d.items()`): its items
                        // straight into the registers.
                        if let Value::Tuple(t) = &r!(src) {
                            if t.len() == n as usize {
                                let t = t.clone();
                                for (i, v) in t.iter().enumerate() {
                                    put(&mut w!(start + i as u32), copy_of(v));
                                }
                                continue;
                            }
                        }
                        let parts = t!(slow::unpack(&r!(src), n, names));
                        for (i, v) in parts.into_iter().enumerate() {
                            w!(start + i as u32) = v;
                        }
                    }
                    Op::CallFn {
                        dst,
                        func,
                        start,
                        n: _,
                    } => call_fn!(dst as usize, func, start as usize),
                    Op::CallFnK {
                        op,
                        step,
                        dst,
                        start,
                        a,
                        k,
                        func,
                    } => {
                        if step {
                            step!();
                        }
                        let arith = match &r!(a) {
                            Value::Int(x) => int_arith(op, *x, k as i64),
                            _ => None,
                        };
                        match arith {
                            Some(v) => set_int!(start, v),
                            None => {
                                let v = t!(slow::binary(f, op, &r!(a), &Value::Int(k as i64)));
                                set!(start, v);
                            }
                        }
                        call_fn!(dst as usize, func, start as usize)
                    }
                    Op::CallMethod {
                        dst,
                        recv,
                        args,
                        name,
                        n,
                    } => {
                        let s = base + args as usize;
                        let v = t!(slow::call_method(
                            f,
                            &r!(recv),
                            &regs[s..s + n as usize],
                            &code.names[name as usize]
                        ));
                        set!(dst, v);
                    }
                    Op::Append { dst, recv, src } => {
                        let v = if let Value::List(l) = &r!(recv) {
                            let mut l = l.borrow_mut();
                            t!(ops::check_len(l.len().checked_add(1)).map_err(Ctrl::raise));
                            push_copy(&mut l, &r!(src));
                            Value::None
                        } else {
                            let s = base + src as usize;
                            t!(slow::call_method(
                                f,
                                &r!(recv),
                                &regs[s..s + 1],
                                &Name::new("append")
                            ))
                        };
                        set!(dst, v);
                    }
                    Op::Get {
                        dst,
                        recv,
                        key,
                        dflt,
                    } => {
                        let dflt = (dflt != NO_ARG).then(|| &r!(dflt));
                        let v = match &r!(recv) {
                            // The entry's value (or the default) copied straight from where it
                            // is: a value returned inside a `Result` is copied in pieces that
                            // the processor cannot forward (a stall on each lookup).
                            Value::Dict(d) => match t!(slow::dict_find(d, &r!(key), &mut hint)) {
                                Some(i) => match d.borrow().get_index(i) {
                                    Some((_, v)) => copy_of(v),
                                    None => Value::None,
                                },
                                None => dflt.map_or(Value::None, copy_of),
                            },
                            other => {
                                let args: Vec<Value> =
                                    std::iter::once(&r!(key)).chain(dflt).cloned().collect();
                                t!(slow::call_method(f, other, &args, &Name::new("get")))
                            }
                        };
                        set!(dst, v);
                    }
                    Op::DictGetAdd {
                        dict,
                        key,
                        dflt,
                        add,
                        step,
                    } => {
                        if step {
                            step!();
                        }
                        t!(slow::dict_get_add(f, &r!(dict), &r!(key), dflt, add))
                    }
                    Op::Call { dst, site } => {
                        let site = &code.calls[site as usize];
                        let b = t!(slow::call(f, site, code.nlocals, &mut regs[base..]));
                        begin!(b, dst);
                    }
                    Op::Await { dst, src } => {
                        let b = t!(slow::await_value(f, &r!(src)));
                        begin!(b, dst);
                    }
                    Op::Ret { src, step } => {
                        if step {
                            step!();
                        }
                        if let Value::Int(i) = r!(src) {
                            ret_int!(i);
                        }
                        let v = match &r!(src) {
                            Value::Int(i) => Value::Int(*i),
                            _ => std::mem::replace(&mut w!(src), Value::None),
                        };
                        ret!(v);
                    }
                    Op::RetBinary { op, a, b, step } => {
                        if step {
                            step!();
                        }
                        if let (Value::Int(x), Value::Int(y)) = (&r!(a), &r!(b)) {
                            if let Some(i) = int_arith(op, *x, *y) {
                                ret_int!(i);
                                ret!(Value::Int(i));
                            }
                        }
                        let v = t!(slow::binary(f, op, &r!(a), &r!(b)));
                        ret!(v);
                    }
                    Op::RetNone => ret!(Value::None),
                    Op::Raise { src } => {
                        let v = r!(src).clone();
                        break 'run f.raise_stmt(Some(v));
                    }
                    Op::RaiseBare => break 'run f.raise_stmt(None),
                    Op::TypeError { msg } => {
                        break 'run slow::error(
                            ErrorType::TypeError,
                            code.names[msg as usize].as_str(),
                        )
                    }
                    Op::Except { err, table } => {
                        match slow::except_target(&r!(err), &code.excepts[table as usize]) {
                            Some(to) => pc = to as usize,
                            None => {
                                let e = std::mem::replace(&mut w!(err), Value::None);
                                break 'run Ctrl::raise(e);
                            }
                        }
                    }
                    Op::EndFinally {
                        state,
                        payload,
                        table,
                    } => {
                        let Value::Int(s) = r!(state) else {
                            break 'run slow::error(
                                ErrorType::RuntimeSystemError,
                                "internal: a finally state",
                            );
                        };
                        let fin = &code.finals[table as usize];
                        let to = match s {
                            finally_state::NORMAL => continue,
                            finally_state::RETURN => fin.on_return,
                            finally_state::BREAK => fin.on_break,
                            finally_state::CONTINUE => fin.on_continue,
                            _ => {
                                let p = std::mem::replace(&mut w!(payload), Value::None);
                                break 'run slow::resume_error(s, p);
                            }
                        };
                        if to as usize >= code.code.len() {
                            break 'run slow::error(
                                ErrorType::RuntimeSystemError,
                                "internal: a finally's way on",
                            );
                        }
                        pc = to as usize;
                    }
                    Op::GroupEnter { src, save } => {
                        w!(save) = match &f.group {
                            Some(g) => Value::Group(g.clone()),
                            None => Value::None,
                        };
                        if let Value::Group(g) = &r!(src) {
                            f.group = Some(g.clone());
                        }
                    }
                    Op::GroupExit { save } => {
                        f.group = match &r!(save) {
                            Value::Group(g) => Some(g.clone()),
                            _ => None,
                        };
                    }
                }
            }
        };
        // An error at instruction `pc - 1`: trace it, then find a handler or leave the frame.
        let mut c = c;
        loop {
            let at = pc.saturating_sub(1);
            c = f.traced(c, code.spans.get(at).copied().unwrap_or_default());
            match slow::handler(code, at, c, &mut regs[base..]) {
                Ok(to) => {
                    pc = to;
                    break;
                }
                Err(back) => c = back,
            }
            match pop(frames, regs, code, &mut pc, &mut base) {
                Some(saved) => {
                    code = saved.code;
                    f.depth -= 1;
                    if saved.fut != NO_FUT {
                        slow::settle_fn(f, saved.fut, Err(&c));
                    }
                    if saved.native {
                        halt!(Halt::Delivered(Err(c)));
                    }
                }
                None => halt!(Halt::Done(Err(c))),
            }
        }
    }
}
