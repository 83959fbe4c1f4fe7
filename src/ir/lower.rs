//! Lowering: each checked body becomes one [`FnCode`], once per program.
//!
//! Registers: a body's locals keep the slots [`scope::resolve`] gave them (parameters first);
//! temporaries are allocated above them, stack-wise, and freed at the end of each statement.
//! An expression is evaluated into a destination register that is written only by its last
//! instruction, so `x = f(x) + x` may target `x` directly; the kinds that write their
//! destination more than once (`and`, `or`, `if`-`else`, chained comparisons, comprehensions)
//! go through a temporary when the destination is a local.
//!
//! Control: `break`, `continue` and `return` inside `try ... finally` enter the `finally`
//! block with a state (see [`finally_state`]) and the block's end ([`Op::EndFinally`]) goes
//! on to stubs lowered in the enclosing context, so any nesting of loops and `finally` blocks
//! costs code linear in its size. `with` is a `finally` that restores the group.
//! Statements (this file) and expressions (`lower_expr.rs`).

use super::scope::Scopes;
use super::*;
use crate::check::imports::Loaded;
use crate::check::Checked;
use crate::syntax::ast::*;

/// A loop being lowered: where `continue` goes, and the `break` jumps to patch.
struct LoopCtx {
    head: Label,
    breaks: Vec<usize>,
}

/// A `try` with a `finally` being lowered.
struct FinCtx {
    state: Reg,
    payload: Reg,
    /// Loops open when the `try` began.
    loops: usize,
    /// Jumps into the `finally` block, to patch.
    entries: Vec<usize>,
}

pub(super) struct Lower<'a> {
    pub(super) loaded: &'a Loaded,
    pub(super) checked: &'a Checked,
    pub(super) scopes: &'a Scopes,
    /// Global names by id.
    pub(super) globals: &'a [Name],
    pub(super) f: FnCode,
    pub(super) nlocals: u32,
    /// The next free temporary.
    pub(super) top: Reg,
    /// The innermost statement's span, recorded for each instruction.
    span: Span,
    loops: Vec<LoopCtx>,
    fins: Vec<FinCtx>,
    /// The statement `Step` just emitted, which the next instruction may absorb.
    pub(super) fresh_step: Option<usize>,
    /// The instruction index a label was last taken at ([`Lower::pc`]): no instruction is
    /// fused into the one before it there (a jump may arrive between the two).
    pub(super) label: usize,
}

impl<'a> Lower<'a> {
    /// A lowering of one body named `key` whose frame holds `frame` locals.
    pub(super) fn new(
        key: &Name,
        frame: u32,
        span: Span,
        loaded: &'a Loaded,
        checked: &'a Checked,
        scopes: &'a Scopes,
    ) -> Lower<'a> {
        Lower {
            loaded,
            checked,
            scopes,
            globals: &scopes.globals.names,
            f: FnCode {
                name: key.clone(),
                nregs: frame,
                nlocals: frame,
                code: Vec::new(),
                spans: Vec::new(),
                consts: Vec::new(),
                names: Vec::new(),
                handlers: Vec::new(),
                calls: Vec::new(),
                fstrings: Vec::new(),
                mods: Vec::new(),
                excepts: Vec::new(),
                finals: Vec::new(),
                scalar_only: false,
            },
            nlocals: frame,
            top: frame,
            span,
            loops: Vec::new(),
            fins: Vec::new(),
            fresh_step: None,
            label: usize::MAX,
        }
    }

    /// The lowered body, or `None` when it is too large for an index to hold (or, which
    /// would be a defect of the lowering, not what the VM relies on: [`super::verify`]).
    pub(super) fn finish(self) -> Option<FnCode> {
        let too_big = self.f.code.len() >= u32::MAX as usize / 2 || self.f.nregs >= u32::MAX / 2;
        (!too_big && super::verify::well_formed(&self.f)).then_some(self.f)
    }

    pub(super) fn emit(&mut self, op: Op) -> usize {
        // A statement's `Step` fused into its first instruction where that has a step flag
        // (superinstructions for `if a < b`, `return x`, `let y = x + 1` and the like). No
        // label points between the two: jumps go to a statement's `Step`, never past it.
        let fresh = self.fresh_step.take();
        if fresh.is_some_and(|at| at + 1 == self.f.code.len()) {
            let fused = Self::with_step(op);
            if let Some(fused) = fused {
                let at = self.f.code.len() - 1;
                self.f.code[at] = fused;
                return at;
            }
        }
        if let Some(fused) = self.fuse_call(op) {
            let at = self.f.code.len() - 1;
            self.f.code[at] = fused;
            return at;
        }
        self.f.code.push(op);
        self.f.spans.push(self.span);
        self.f.code.len() - 1
    }

    /// The index of the next instruction, as a label (a jump or a range may point there).
    pub(super) fn pc(&mut self) -> Label {
        self.label = self.f.code.len();
        self.f.code.len() as Label
    }

    /// Points the jump at `at` to `to`.
    pub(super) fn patch(&mut self, at: usize, to: Label) {
        match &mut self.f.code[at] {
            Op::Jump { to: t }
            | Op::JumpIfFalse { to: t, .. }
            | Op::JumpIfTrue { to: t, .. }
            | Op::JumpCmp { to: t, .. }
            | Op::JumpCmpK { to: t, .. }
            | Op::ForNext { to: t, .. }
            | Op::ForPair { to: t, .. }
            | Op::ForRange { to: t, .. } => *t = to,
            _ => {}
        }
    }

    pub(super) fn temp(&mut self) -> Reg {
        self.temps(1)
    }

    /// `n` consecutive temporaries.
    pub(super) fn temps(&mut self, n: u32) -> Reg {
        let r = self.top;
        self.top = self.top.saturating_add(n);
        self.f.nregs = self.f.nregs.max(self.top);
        r
    }

    pub(super) fn is_temp(&self, r: Reg) -> bool {
        r >= self.nlocals
    }

    pub(super) fn name_id(&mut self, n: &str) -> u32 {
        if let Some(i) = self.f.names.iter().position(|x| x == n) {
            return i as u32;
        }
        self.f.names.push(Name::new(n));
        self.f.names.len() as u32 - 1
    }

    pub(super) fn konst(&mut self, c: Const) -> u32 {
        if let Some(i) = self.f.consts.iter().position(|x| *x == c) {
            return i as u32;
        }
        self.f.consts.push(c);
        self.f.consts.len() as u32 - 1
    }

    // -----------------------------------------------------------------------------------------
    // Statements
    // -----------------------------------------------------------------------------------------

    pub(super) fn block(&mut self, b: &Block) {
        for s in &b.stmts {
            crate::stack::grow(|| self.stmt(s));
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        let (mark, outer) = (self.top, self.span);
        self.span = s.span;
        let at = self.emit(Op::Step);
        self.fresh_step = Some(at);
        self.stmt_kind(s);
        self.top = mark;
        self.span = outer;
    }

    fn stmt_kind(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Let { pattern, value, .. } => match pattern {
                Pattern::Name(id) if self.scopes.binding(id).is_some() => {
                    let slot = self.scopes.binding(id).unwrap_or(0) as Reg;
                    self.expr_to(value, slot);
                }
                _ => {
                    let v = self.expr_any(value);
                    self.bind(pattern, v);
                }
            },
            StmtKind::Assign { target, op, value } => self.assign(target, *op, value),
            StmtKind::Expr(e) => {
                let t = self.temp();
                self.expr_to(e, t);
            }
            StmtKind::If {
                branches,
                else_block,
            } => {
                let mut ends = Vec::new();
                for (c, b) in branches {
                    let mut skip = Vec::new();
                    self.branch(c, false, &mut skip);
                    self.block(b);
                    ends.push(self.emit(Op::Jump { to: 0 }));
                    let here = self.pc();
                    for j in skip {
                        self.patch(j, here);
                    }
                }
                if let Some(b) = else_block {
                    self.block(b);
                }
                let end = self.pc();
                for j in ends {
                    self.patch(j, end);
                }
            }
            StmtKind::For {
                pattern,
                iter,
                body,
            } => {
                let (head, next) = self.for_head(iter, pattern);
                self.loop_body(head, body);
                self.back_edge(next);
                let exit = self.pc();
                self.patch(next, exit);
                self.end_loop(exit);
            }
            StmtKind::While { cond, body } => {
                let head = self.pc();
                // Each round counts a step (an empty `while true {}` meets the step limit).
                let at = self.emit(Op::Step);
                self.fresh_step = Some(at);
                let mut exits = Vec::new();
                self.branch(cond, false, &mut exits);
                self.loop_body(head, body);
                self.emit(Op::Jump { to: head });
                let exit = self.pc();
                for j in exits {
                    self.patch(j, exit);
                }
                self.end_loop(exit);
            }
            StmtKind::Break => self.emit_break(),
            StmtKind::Continue => self.emit_continue(),
            StmtKind::Return(Some(e)) if self.fins.is_empty() && self.ret_binary(e) => {}
            StmtKind::Return(e) => {
                let r = match e {
                    Some(e) => self.expr_any(e),
                    None => {
                        let t = self.temp();
                        let k = self.konst(Const::None);
                        self.emit(Op::Const { dst: t, k });
                        t
                    }
                };
                self.emit_return(r);
            }
            StmtKind::Raise(e) => match e {
                Some(e) => {
                    let r = self.expr_any(e);
                    self.emit(Op::Raise { src: r });
                }
                None => {
                    self.emit(Op::RaiseBare);
                }
            },
            StmtKind::Try {
                body,
                handlers,
                finally,
            } => self.try_stmt(body, handlers, finally.as_ref()),
            StmtKind::With { context, body } => {
                let src = self.expr_any(context);
                let save = self.temp();
                self.emit(Op::GroupEnter { src, save });
                self.protected(
                    |l| l.block(body),
                    |l| {
                        l.emit(Op::GroupExit { save });
                    },
                );
            }
        }
    }

    fn loop_body(&mut self, head: Label, body: &Block) {
        self.loops.push(LoopCtx {
            head,
            breaks: Vec::new(),
        });
        self.block(body);
    }

    fn end_loop(&mut self, exit: Label) {
        if let Some(l) = self.loops.pop() {
            for j in l.breaks {
                self.patch(j, exit);
            }
        }
    }

    /// The innermost `finally` between here and the innermost loop, if any.
    fn fin_in_loop(&self) -> Option<usize> {
        let i = self.fins.len().checked_sub(1)?;
        (self.fins[i].loops >= self.loops.len()).then_some(i)
    }

    fn enter_finally(&mut self, i: usize, state: i64) {
        let st = self.fins[i].state;
        self.emit(Op::Int {
            dst: st,
            v: state,
            step: false,
        });
        let j = self.emit(Op::Jump { to: 0 });
        self.fins[i].entries.push(j);
    }

    fn emit_break(&mut self) {
        if self.loops.is_empty() {
            return;
        }
        match self.fin_in_loop() {
            Some(i) => self.enter_finally(i, finally_state::BREAK),
            None => {
                let j = self.emit(Op::Jump { to: 0 });
                if let Some(l) = self.loops.last_mut() {
                    l.breaks.push(j);
                }
            }
        }
    }

    fn emit_continue(&mut self) {
        let Some(head) = self.loops.last().map(|l| l.head) else {
            return;
        };
        match self.fin_in_loop() {
            Some(i) => self.enter_finally(i, finally_state::CONTINUE),
            None => {
                self.emit(Op::Jump { to: head });
            }
        }
    }

    fn emit_return(&mut self, r: Reg) {
        match self.fins.len().checked_sub(1) {
            Some(i) => {
                let payload = self.fins[i].payload;
                self.emit(Op::Move {
                    dst: payload,
                    src: r,
                });
                self.enter_finally(i, finally_state::RETURN);
            }
            None => {
                self.emit(Op::Ret {
                    src: r,
                    step: false,
                });
            }
        }
    }

    fn try_stmt(&mut self, body: &Block, handlers: &[ExceptClause], finally: Option<&Block>) {
        let guarded = |l: &mut Self| {
            if handlers.is_empty() {
                l.block(body);
                return;
            }
            let err = l.temp();
            let start = l.pc();
            l.block(body);
            let end = l.pc();
            let mut done = vec![l.emit(Op::Jump { to: 0 })];
            let table = l.f.excepts.len() as u32;
            l.f.excepts.push(Vec::new());
            let dispatch = l.emit(Op::Except { err, table }) as Label;
            let mut clauses = Vec::new();
            for h in handlers {
                let at = l.pc();
                let (mark, outer) = (l.top, l.span);
                l.span = h.span;
                if let Some(b) = &h.binding {
                    if let Some(slot) = l.scopes.binding(b) {
                        l.emit(Op::Move {
                            dst: slot as Reg,
                            src: err,
                        });
                    }
                }
                l.span = outer;
                l.block(&h.body);
                l.top = mark;
                done.push(l.emit(Op::Jump { to: 0 }));
                let types = h
                    .types
                    .iter()
                    .filter_map(|p| p.last().map(|id| id.name.clone()))
                    .collect();
                clauses.push((types, at));
            }
            l.f.excepts[table as usize] = clauses;
            l.f.handlers.push(Handler {
                start,
                end,
                target: dispatch,
                kind: HandlerKind::Except { err },
            });
            let after = l.pc();
            for j in done {
                l.patch(j, after);
            }
        };
        match finally {
            Some(f) => self.protected(guarded, |l| l.block(f)),
            None => guarded(self),
        }
    }

    /// `body`, then `fin` however `body` ends (normally, by an error, `return`, `break` or
    /// `continue`).
    fn protected(&mut self, body: impl FnOnce(&mut Self), fin: impl FnOnce(&mut Self)) {
        let state = self.temp();
        let payload = self.temp();
        self.fins.push(FinCtx {
            state,
            payload,
            loops: self.loops.len(),
            entries: Vec::new(),
        });
        let start = self.pc();
        body(self);
        let end = self.pc();
        let ctx = self.fins.pop();
        self.emit(Op::Int {
            dst: state,
            v: finally_state::NORMAL,
            step: false,
        });
        let entry = self.pc();
        for j in ctx.map(|c| c.entries).unwrap_or_default() {
            self.patch(j, entry);
        }
        self.f.handlers.push(Handler {
            start,
            end,
            target: entry,
            kind: HandlerKind::Finally { state, payload },
        });
        fin(self);
        let table = self.f.finals.len() as u32;
        self.f.finals.push(Finally {
            on_return: u32::MAX,
            on_break: u32::MAX,
            on_continue: u32::MAX,
        });
        self.emit(Op::EndFinally {
            state,
            payload,
            table,
        });
        let done = self.emit(Op::Jump { to: 0 });
        let on_return = self.pc();
        self.emit_return(payload);
        let mut fin = Finally {
            on_return,
            on_break: u32::MAX,
            on_continue: u32::MAX,
        };
        if !self.loops.is_empty() {
            fin.on_break = self.pc();
            self.emit_break();
            fin.on_continue = self.pc();
            self.emit_continue();
        }
        self.f.finals[table as usize] = fin;
        let end = self.pc();
        self.patch(done, end);
    }

    /// Binds `pattern` to the value in `src`.
    /// The head of a `for` loop or a comprehension's clause: `iter` made an iterator, then
    /// each item bound to `pattern` (straight into a local's register when it is one name).
    /// Returns the loop's head and the `ForNext` whose exit is patched when the loop ends.
    pub(super) fn for_head(&mut self, iter: &Expr, pattern: &Pattern) -> (Label, usize) {
        if let Some(head) = self.range_head(iter, pattern) {
            return head;
        }
        if let Some(head) = self.items_head(iter, pattern) {
            return head;
        }
        let src = self.expr_any(iter);
        let it = self.temps(2);
        self.emit(Op::Iter { dst: it, src });
        let head = self.pc();
        let (dst, tuple) = match pattern {
            Pattern::Name(id) if self.scopes.binding(id).is_some() => {
                (self.scopes.binding(id).unwrap_or(0) as Reg, false)
            }
            _ => (self.temp(), true),
        };
        let next = self.emit(Op::ForNext {
            iter: it,
            dst,
            to: 0,
            back: false,
        });
        if tuple {
            self.bind(pattern, dst);
        }
        (head, next)
    }

    pub(super) fn bind(&mut self, pattern: &Pattern, src: Reg) {
        match pattern {
            Pattern::Name(id) => {
                if let Some(slot) = self.scopes.binding(id) {
                    if slot as Reg != src {
                        self.emit(Op::Move {
                            dst: slot as Reg,
                            src,
                        });
                    }
                }
            }
            Pattern::Tuple(items, _) => {
                let n = items.len() as u32;
                let start = self.temps(n);
                self.emit(Op::Unpack {
                    src,
                    start,
                    n,
                    names: true,
                });
                for (i, p) in items.iter().enumerate() {
                    self.bind(p, start + i as u32);
                }
            }
        }
    }

    fn assign(&mut self, target: &Expr, op: AssignOp, value: &Expr) {
        let bin = match op {
            AssignOp::Set => None,
            AssignOp::Add => Some(BinOp::Add),
            AssignOp::Sub => Some(BinOp::Sub),
            AssignOp::Mul => Some(BinOp::Mul),
            AssignOp::Div => Some(BinOp::Div),
        };
        let local = self.local_read(target);
        match (&target.kind, bin) {
            (ExprKind::Name(..), None) if local.is_some() => {
                self.expr_to(value, local.unwrap_or(0) as Reg);
            }
            (ExprKind::Name(..), Some(bin)) if local.is_some() => {
                let x = local.unwrap_or(0) as Reg;
                self.binary_into(bin, x, x, value);
            }
            (ExprKind::Name(..), bin) => {
                // The checker allows assigning locals only; evaluated for its effects.
                let v = self.expr_any(value);
                if let Some(bin) = bin {
                    let t = self.temp();
                    self.expr_to(target, t);
                    self.emit(Op::Binary {
                        op: bin,
                        dst: t,
                        a: t,
                        b: v,
                    });
                }
            }
            (ExprKind::Index { obj, index }, None) if self.dict_get_add(obj, index, value) => {}
            (ExprKind::Index { obj, index }, bin) => {
                let v = self.expr_any(value);
                let o = self.expr_any(obj);
                let i = self.expr_any(index);
                let src = match bin {
                    None => v,
                    Some(bin) => {
                        let t = self.temp();
                        self.emit(Op::Index {
                            dst: t,
                            obj: o,
                            idx: i,
                        });
                        self.emit(Op::Binary {
                            op: bin,
                            dst: t,
                            a: t,
                            b: v,
                        });
                        t
                    }
                };
                self.emit(Op::SetIndex {
                    obj: o,
                    idx: i,
                    src,
                });
            }
            (ExprKind::Attr { obj, name }, bin) => {
                let v = self.expr_any(value);
                let o = self.expr_any(obj);
                let n = self.name_id(&name.name);
                let src = match bin {
                    None => v,
                    Some(bin) => {
                        let t = self.temp();
                        self.emit(Op::FieldOrNone {
                            dst: t,
                            obj: o,
                            name: n,
                        });
                        self.emit(Op::Binary {
                            op: bin,
                            dst: t,
                            a: t,
                            b: v,
                        });
                        t
                    }
                };
                self.emit(Op::SetAttr {
                    obj: o,
                    name: n,
                    src,
                });
            }
            (ExprKind::Tuple(items), None) => {
                let v = self.expr_any(value);
                self.assign_parts(items, v);
            }
            _ => {
                let _ = self.expr_any(value);
                let msg = self.name_id("invalid assignment target");
                self.emit(Op::TypeError { msg });
            }
        }
    }

    /// `(a, b[i], c.f) = src`
    fn assign_parts(&mut self, items: &[Expr], src: Reg) {
        let n = items.len() as u32;
        let start = self.temps(n);
        self.emit(Op::Unpack {
            src,
            start,
            n,
            names: false,
        });
        for (i, t) in items.iter().enumerate() {
            let part = start + i as u32;
            match &t.kind {
                ExprKind::Name(..) => {
                    if let Some(s) = self.local_read(t) {
                        self.emit(Op::Move {
                            dst: s as Reg,
                            src: part,
                        });
                    }
                }
                ExprKind::Index { obj, index } => {
                    let o = self.expr_any(obj);
                    let i = self.expr_any(index);
                    self.emit(Op::SetIndex {
                        obj: o,
                        idx: i,
                        src: part,
                    });
                }
                ExprKind::Attr { obj, name } => {
                    let o = self.expr_any(obj);
                    let name = self.name_id(&name.name);
                    self.emit(Op::SetAttr {
                        obj: o,
                        name,
                        src: part,
                    });
                }
                ExprKind::Tuple(inner) => self.assign_parts(inner, part),
                _ => {
                    let msg = self.name_id("invalid assignment target");
                    self.emit(Op::TypeError { msg });
                }
            }
        }
    }
}
