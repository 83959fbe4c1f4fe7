//! The resolved, immutable form of a checked program that the VM runs.
//!
//! After checking, names are resolved ([`scope`]: locals to slots, other names to global ids,
//! in side tables; nothing is written into the syntax tree) and every function and task body,
//! top-level `let` value and parameter default is lowered once ([`lower`]) into a
//! [`Unit`]: one [`FnCode`] per body, a flat vector of
//! register instructions ([`Op`]) over a frame of registers. Locals are the first registers
//! (their slots), temporaries follow; constants are folded into the instruction or a
//! per-function table; functions are called by their index among the program's names; spans
//! live in a side table indexed by instruction, read only when an error is raised. The unit
//! holds no run-time value (`Value` is `Rc`-based), so one `Arc<Unit>` serves every run and
//! thread, and nothing is compiled per run.
//!
//! ```text
//! fn fib(n: int) -> int { if n < 2 { return n }  return fib(n - 1) + fib(n - 2) }
//!
//!   0 JumpCmpK+step r0 < 2 else 2   ; a statement's step, fused; compare-and-branch
//!   1 Ret+step r0
//!   2 ArithK+step r2 = r0 - 1        ; `return fib(n - 1) + ...` begins
//!   3 CallFn r1 = fib(r2..+1)        ; a VM frame, not a Rust call
//!   ...
//! ```
//!
//! Layering: this module reads the syntax tree and the checker's tables; it imports nothing
//! from `runtime`.

mod fuse;
mod lower;
mod lower_expr;
mod program;
mod scalar;
pub mod scope;
mod verify;

pub use program::lower;

pub use scope::Slot;

use crate::syntax::ast::{BinOp, CmpOp, Name, Span, UnaryOp};
use std::sync::Arc;

/// The multiplier [`Op::ModK`] divides by `k` with: `⌊(2^64 - 1) / k⌋ + 1`.
pub const fn mod_magic(k: u16) -> u64 {
    u64::MAX / k as u64 + 1
}

/// A register: an index into the current frame's window.
pub type Reg = u32;
/// An instruction index in a function's code.
pub type Label = u32;
/// No argument (in an instruction's 16-bit register field).
pub const NO_ARG: u16 = u16::MAX;

/// A constant, folded at lowering time.
#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Duration(i64),
    Str(Arc<str>),
}

/// One instruction. Registers are relative to the frame's base.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// Counts a statement (the step limit, and the checks it paces).
    Step,
    /// `dst = consts[k]`
    Const {
        dst: Reg,
        k: u32,
    },
    /// `dst = v` (`step` as for [`Op::ArithK`]).
    Int {
        dst: Reg,
        v: i64,
        step: bool,
    },
    Move {
        dst: Reg,
        src: Reg,
    },
    /// A global name by its id among the program's global names.
    Global {
        dst: Reg,
        id: u32,
    },
    /// A global looked up by name (`names[name]`): `module.NAME`, or a name not resolved.
    GlobalNamed {
        dst: Reg,
        name: u32,
    },
    Binary {
        op: BinOp,
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    /// `a op k` with an int constant on the right. `step`: a statement begins here (the
    /// [`Op::Step`] before it, fused).
    ArithK {
        op: BinOp,
        dst: Reg,
        a: Reg,
        k: i32,
        step: bool,
    },
    /// `a % k` for an int constant `2 <= k <= 65535`, `k` and its multiplier in `mods[m]`:
    /// a 32-bit natural `a` by two multiplications (Lemire's fastmod) in place of a division,
    /// any other `a` as [`Op::ArithK`]'s `%` (`step` as there).
    ModK {
        dst: Reg,
        a: Reg,
        m: u32,
        step: bool,
    },
    Unary {
        op: UnaryOp,
        dst: Reg,
        a: Reg,
    },
    /// `dst = bool(a)`
    Truth {
        dst: Reg,
        a: Reg,
    },
    Compare {
        op: CmpOp,
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    Jump {
        to: Label,
    },
    JumpIfFalse {
        a: Reg,
        to: Label,
    },
    JumpIfTrue {
        a: Reg,
        to: Label,
    },
    /// Jumps unless `a op b` (`step` as for [`Op::ArithK`]).
    JumpCmp {
        op: CmpOp,
        a: Reg,
        b: Reg,
        to: Label,
        step: bool,
    },
    /// Jumps unless `a op k` (`step` as for [`Op::ArithK`]).
    JumpCmpK {
        op: CmpOp,
        a: Reg,
        k: i32,
        to: Label,
        step: bool,
    },
    /// A list, tuple or dict from `n` consecutive registers (`n` key/value pairs for a dict).
    List {
        dst: Reg,
        start: Reg,
        n: u32,
    },
    Tuple {
        dst: Reg,
        start: Reg,
        n: u32,
    },
    Dict {
        dst: Reg,
        start: Reg,
        n: u32,
    },
    /// Appends `src` to the list in `list` (comprehensions).
    Push {
        list: Reg,
        src: Reg,
    },
    /// Inserts `key: val` into the dict in `dict` (comprehensions).
    Insert {
        dict: Reg,
        key: Reg,
        val: Reg,
    },
    /// An f-string: `fstrings[id]`'s parts, its fields in registers.
    FString {
        dst: Reg,
        id: u32,
    },
    Index {
        dst: Reg,
        obj: Reg,
        idx: Reg,
    },
    SetIndex {
        obj: Reg,
        idx: Reg,
        src: Reg,
    },
    /// `obj.names[name]` (a field, an error's part, a bound method).
    Attr {
        dst: Reg,
        obj: Reg,
        name: u32,
    },
    /// The old value of a field for `obj.f op= v`: `None` if the struct has no such field; a
    /// `TypeError` if `obj` is no struct.
    FieldOrNone {
        dst: Reg,
        obj: Reg,
        name: u32,
    },
    /// Sets a struct's field.
    SetAttr {
        obj: Reg,
        name: u32,
        src: Reg,
    },
    /// `obj[a:b:c]` with the bounds in `bounds`, `bounds + 1`, `bounds + 2` (each present if
    /// its bit of `mask` is set).
    Slice {
        dst: Reg,
        obj: Reg,
        bounds: Reg,
        mask: u8,
    },
    /// `dst = [items of src]`, a snapshot to iterate; `dst + 1` becomes the position.
    Iter {
        dst: Reg,
        src: Reg,
    },
    /// The next item of the snapshot in `iter` into `dst`, or a jump to `to` at the end. With
    /// `back`, the loop's back edge (its head again, one dispatch fewer than a jump to it):
    /// with the next item a jump to `to` (the body), at the end on to the next instruction.
    ForNext {
        iter: Reg,
        dst: Reg,
        to: Label,
        back: bool,
    },
    /// `for a, b in src.items()`: `dst` gets the dict's keys and values as they are when the
    /// loop begins, in one list (a key, then its value), with no tuple per item; `dst + 1`
    /// becomes the position. A receiver that is no dict is asked for its `items` as any method
    /// is, and `dst` gets them as a tuple, each unpacked as the loop reaches it.
    Items {
        dst: Reg,
        src: Reg,
    },
    /// The next key and value of the [`Op::Items`] in `iter` into `a` and `b`, or a jump to
    /// `to` at the end (`back` as for [`Op::ForNext`]).
    ForPair {
        iter: Reg,
        a: u16,
        b: u16,
        to: Label,
        back: bool,
    },
    /// `for x in range(...)` as a counted loop, without the list: `range`'s `n` positional
    /// arguments from `args`, checked (and their work counted) as `range` does; `iter` gets the
    /// next value, `iter + 1` how many remain, `iter + 2` the step.
    RangeIter {
        iter: Reg,
        args: Reg,
        n: u8,
    },
    /// The next value of the counted loop in `iter` into `dst`, or a jump to `to` at its end
    /// (`back` as for [`Op::ForNext`]).
    ForRange {
        iter: Reg,
        dst: Reg,
        to: Label,
        back: bool,
    },
    /// Unpacks `src` into `n` registers from `start`; `names` chooses the message's noun.
    Unpack {
        src: Reg,
        start: Reg,
        n: u32,
        names: bool,
    },
    /// `dst = func(a op k)`: [`Op::ArithK`] into `start` (`step` as there), then
    /// [`Op::CallFn`] with that one argument (`f(n - 1)`).
    CallFnK {
        op: BinOp,
        step: bool,
        dst: u16,
        start: u16,
        a: u16,
        k: i16,
        func: u32,
    },
    /// Calls plain function number `func` with `n` positional arguments from `start`.
    CallFn {
        dst: Reg,
        func: u32,
        start: Reg,
        n: u16,
    },
    /// `recv.names[name](args)` with `n` positional arguments from `args`: a method of a str,
    /// list or dict held in a local (or a literal), without a bound-method value.
    CallMethod {
        dst: Reg,
        recv: Reg,
        args: Reg,
        name: u16,
        n: u8,
    },
    /// `recv.append(src)` (a `CallMethod` when `recv` is no list).
    Append {
        dst: Reg,
        recv: Reg,
        src: Reg,
    },
    /// `recv.get(key)` or `recv.get(key, dflt)` ([`NO_ARG`]: none), each register read in
    /// place: a dict's lookup (a `CallMethod` when `recv` is no dict).
    Get {
        dst: Reg,
        recv: u16,
        key: u16,
        dflt: u16,
    },
    /// `dict[key] = dict.get(key, dflt) + add` (counting's idiom) with `dict` and `key` locals:
    /// one lookup, and an int entry added to in place. Anything else (no dict, an entry that
    /// is no int, an overflow) goes the way of the instructions it stands for (`step` as for
    /// [`Op::ArithK`]).
    DictGetAdd {
        dict: u16,
        key: u16,
        dflt: i32,
        add: i32,
        step: bool,
    },
    /// Any other call: `calls[site]`.
    Call {
        dst: Reg,
        site: u32,
    },
    /// `await src`.
    Await {
        dst: Reg,
        src: Reg,
    },
    /// Returns `src` (`step` as for [`Op::ArithK`]).
    Ret {
        src: Reg,
        step: bool,
    },
    /// Returns `a op b` (`step` as for [`Op::ArithK`]): `return x + y` outside a `finally`.
    RetBinary {
        op: BinOp,
        a: Reg,
        b: Reg,
        step: bool,
    },
    RetNone,
    /// `raise src`.
    Raise {
        src: Reg,
    },
    /// `raise` with no error.
    RaiseBare,
    /// Raises a `TypeError` with message `names[msg]`.
    TypeError {
        msg: u32,
    },
    /// Chooses the `except` clause of `excepts[table]` for the error in `err`, or raises it
    /// again.
    Except {
        err: Reg,
        table: u32,
    },
    /// The end of a `finally` block: goes on as `state` says (see [`Finally`]).
    EndFinally {
        state: Reg,
        payload: Reg,
        table: u32,
    },
    /// `with` a group: the current group goes to `save`, `src`'s group becomes current.
    GroupEnter {
        src: Reg,
        save: Reg,
    },
    GroupExit {
        save: Reg,
    },
}

/// How a `finally` block was entered, in its state register.
pub mod finally_state {
    pub const NORMAL: i64 = 0;
    pub const RAISE: i64 = 1;
    pub const RETURN: i64 = 2;
    pub const BREAK: i64 = 3;
    pub const CONTINUE: i64 = 4;
    /// Not catchable: the action was killed.
    pub const KILL: i64 = 5;
}

/// Where a `finally` block goes after a `return`, `break` or `continue` that entered it.
#[derive(Clone, Debug, PartialEq)]
pub struct Finally {
    pub on_return: Label,
    pub on_break: Label,
    pub on_continue: Label,
}

/// A protected range of instructions.
#[derive(Clone, Debug, PartialEq)]
pub struct Handler {
    pub start: Label,
    pub end: Label,
    pub target: Label,
    pub kind: HandlerKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum HandlerKind {
    /// `except` clauses: a raised error goes into `err`.
    Except { err: Reg },
    /// `finally`: any error (a kill too) goes into `payload`, its kind into `state`.
    Finally { state: Reg, payload: Reg },
}

/// A piece of an f-string.
#[derive(Clone, Debug, PartialEq)]
pub enum FPart {
    Text(Arc<str>),
    Field { reg: Reg, spec: Option<Arc<str>> },
}

/// How an argument is passed.
#[derive(Clone, Debug, PartialEq)]
pub enum ArgMode {
    Positional,
    Keyword(Name),
    Spread,
}

/// What a general call calls.
#[derive(Clone, Debug, PartialEq)]
pub enum CallTarget {
    /// A value in a register.
    Value(Reg),
    /// `obj.name(...)`: a bound method, or `.aio` / `.override` of a task or function.
    Attr { obj: Reg, name: Name },
}

/// A general call site.
#[derive(Clone, Debug, PartialEq)]
pub struct CallSite {
    pub target: CallTarget,
    pub args: Vec<(ArgMode, Reg)>,
    /// `gather(a, b)` with explicit arguments: its future gives a tuple.
    pub gather_tuple: bool,
}

/// One lowered body.
#[derive(Clone, Debug, PartialEq)]
pub struct FnCode {
    pub name: Name,
    /// Registers the frame needs (locals first).
    pub nregs: u32,
    /// Registers that hold locals; the rest are temporaries, each read once after it is
    /// written (a call may move its arguments out of them).
    pub nlocals: u32,
    pub code: Vec<Op>,
    /// The span of the innermost statement of each instruction (for traces).
    pub spans: Vec<Span>,
    pub consts: Vec<Const>,
    pub names: Vec<Name>,
    /// Innermost first.
    pub handlers: Vec<Handler>,
    pub calls: Vec<CallSite>,
    pub fstrings: Vec<Vec<FPart>>,
    /// For each [`Op::ModK`]: its divisor and the multiplier, [`mod_magic`]`(k)`.
    pub mods: Vec<(u16, u64)>,
    /// For each `except`: each clause's error types (empty: every error) and its target.
    pub excepts: Vec<Vec<(Vec<Name>, Label)>>,
    pub finals: Vec<Finally>,
    /// Every register holds only scalars ([`scalar`]): returning need not clear the frame.
    pub scalar_only: bool,
}

/// The lowered program: bodies by their index among the checker's declared names
/// (`Checked::locations`): a function's or task's body, or a top-level `let`'s value (it
/// returns the value of its one name, or a tuple of its names' values in the order of
/// `Pattern::names`); `None` for other names and for bodies too large to lower (more
/// registers or instructions than an index holds). Parameter defaults follow, numbered after
/// the declared names.
#[derive(Debug, Default)]
pub struct Unit {
    pub fns: Vec<Option<FnCode>>,
    /// For each declared name, the body of each of its parameters' defaults, if it has one.
    pub defaults: Vec<Vec<Option<u32>>>,
}

impl Unit {
    pub fn new(fns: Vec<Option<FnCode>>, defaults: Vec<Vec<Option<u32>>>) -> Unit {
        Unit { fns, defaults }
    }

    #[inline]
    pub fn get(&self, index: u32) -> Option<&FnCode> {
        self.fns.get(index as usize)?.as_ref()
    }

    /// The body of parameter `param`'s default of declared name number `index`.
    pub fn default_of(&self, index: u32, param: usize) -> Option<u32> {
        *self.defaults.get(index as usize)?.get(param)?
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn instructions_stay_small() {
        assert!(std::mem::size_of::<super::Op>() <= 16);
    }
}
