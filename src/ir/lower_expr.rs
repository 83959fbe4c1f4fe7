//! Lowering expressions, conditions and calls (see `lower.rs` for the register discipline).

use super::lower::Lower;
use super::*;
use crate::syntax::ast::*;

/// A literal (or the negation of one) as a constant.
fn literal(e: &Expr) -> Option<Const> {
    Some(match &e.kind {
        ExprKind::Int(i) => Const::Int(*i),
        ExprKind::Float(f) => Const::Float(*f),
        ExprKind::Duration(d) => Const::Duration(*d),
        ExprKind::Str(s) => Const::Str(Arc::from(s.as_str())),
        ExprKind::Bool(b) => Const::Bool(*b),
        ExprKind::None => Const::None,
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } => match literal(operand)? {
            Const::Int(i) => Const::Int(i.checked_neg()?),
            Const::Float(f) => Const::Float(-f),
            _ => return None,
        },
        _ => return None,
    })
}

/// An int literal that fits an instruction's immediate.
pub(super) fn small_int(e: &Expr) -> Option<i32> {
    match literal(e)? {
        Const::Int(i) => i32::try_from(i).ok(),
        _ => None,
    }
}

fn is_ordering(op: CmpOp) -> bool {
    matches!(
        op,
        CmpOp::Eq | CmpOp::Ne | CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge
    )
}

impl Lower<'_> {
    /// The local register a name read `e` reads, if it reads a local.
    pub(super) fn local_read(&self, e: &Expr) -> Option<u32> {
        match &e.kind {
            ExprKind::Name(..) => self.scopes.read(e).and_then(Slot::as_local),
            _ => None,
        }
    }

    /// Evaluates `e` into some register: a local's own, or a new temporary.
    pub(super) fn expr_any(&mut self, e: &Expr) -> Reg {
        if let Some(i) = self.local_read(e) {
            return i as Reg;
        }
        let t = self.temp();
        self.expr_to(e, t);
        t
    }

    /// Evaluates `e` into `dst`, written only by the last instruction.
    pub(super) fn expr_to(&mut self, e: &Expr, dst: Reg) {
        crate::stack::grow(|| self.expr_inner(e, dst))
    }

    fn expr_inner(&mut self, e: &Expr, dst: Reg) {
        if let Some(c) = literal(e) {
            match c {
                Const::Int(v) => self.emit(Op::Int {
                    dst,
                    v,
                    step: false,
                }),
                c => {
                    let k = self.konst(c);
                    self.emit(Op::Const { dst, k })
                }
            };
            return;
        }
        let writes_twice = matches!(
            &e.kind,
            ExprKind::Binary {
                op: BinOp::And | BinOp::Or,
                ..
            } | ExprKind::IfElse { .. }
                | ExprKind::ListComp { .. }
                | ExprKind::DictComp { .. }
        ) || matches!(&e.kind, ExprKind::Compare { rest, .. } if rest.len() > 1);
        if writes_twice && !self.is_temp(dst) {
            let t = self.temp();
            self.expr_inner(e, t);
            self.emit(Op::Move { dst, src: t });
            return;
        }
        match &e.kind {
            ExprKind::Name(n) => {
                let slot = self.scopes.read(e);
                if let Some(i) = slot.and_then(Slot::as_local) {
                    self.emit(Op::Move { dst, src: i as Reg });
                } else if let Some(id) = slot.and_then(Slot::as_global) {
                    self.emit(Op::Global { dst, id });
                } else {
                    let name = self.name_id(n);
                    self.emit(Op::GlobalNamed { dst, name });
                }
            }
            ExprKind::FString(parts) => {
                let mut out = Vec::with_capacity(parts.len());
                for p in parts {
                    out.push(match p {
                        FStringPart::Text(t) => FPart::Text(Arc::from(t.as_str())),
                        FStringPart::Field { expr, spec } => FPart::Field {
                            reg: self.expr_any(expr),
                            spec: spec.as_deref().map(Arc::from),
                        },
                    });
                }
                let id = self.f.fstrings.len() as u32;
                self.f.fstrings.push(out);
                self.emit(Op::FString { dst, id });
            }
            ExprKind::List(items) | ExprKind::Tuple(items) => {
                let n = items.len() as u32;
                let start = self.temps(n);
                for (i, item) in items.iter().enumerate() {
                    self.expr_to(item, start + i as u32);
                }
                if matches!(e.kind, ExprKind::List(_)) {
                    self.emit(Op::List { dst, start, n });
                } else {
                    self.emit(Op::Tuple { dst, start, n });
                }
            }
            ExprKind::Dict(entries) => {
                let n = entries.len() as u32;
                let start = self.temps(2 * n);
                for (i, (k, v)) in entries.iter().enumerate() {
                    self.expr_to(k, start + 2 * i as u32);
                    self.expr_to(v, start + 2 * i as u32 + 1);
                }
                self.emit(Op::Dict { dst, start, n });
            }
            ExprKind::ListComp { elt, clauses } => {
                self.emit(Op::List {
                    dst,
                    start: 0,
                    n: 0,
                });
                self.comp(clauses, &mut |l| {
                    let v = l.expr_any(elt);
                    l.emit(Op::Push { list: dst, src: v });
                });
            }
            ExprKind::DictComp {
                key,
                value,
                clauses,
            } => {
                self.emit(Op::Dict {
                    dst,
                    start: 0,
                    n: 0,
                });
                self.comp(clauses, &mut |l| {
                    let k = l.expr_any(key);
                    let v = l.expr_any(value);
                    l.emit(Op::Insert {
                        dict: dst,
                        key: k,
                        val: v,
                    });
                });
            }
            ExprKind::Unary { op, operand } => {
                let a = self.expr_any(operand);
                self.emit(Op::Unary { op: *op, dst, a });
            }
            ExprKind::Binary {
                op: BinOp::And,
                lhs,
                rhs,
            }
            | ExprKind::Binary {
                op: BinOp::Or,
                lhs,
                rhs,
            } => {
                let and = matches!(e.kind, ExprKind::Binary { op: BinOp::And, .. });
                self.expr_to(lhs, dst);
                self.emit(Op::Truth { dst, a: dst });
                let j = if and {
                    self.emit(Op::JumpIfFalse { a: dst, to: 0 })
                } else {
                    self.emit(Op::JumpIfTrue { a: dst, to: 0 })
                };
                self.expr_to(rhs, dst);
                self.emit(Op::Truth { dst, a: dst });
                let end = self.pc();
                self.patch(j, end);
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let a = self.expr_any(lhs);
                self.binary_into(*op, dst, a, rhs);
            }
            ExprKind::Compare { first, rest } => {
                let mut left = self.expr_any(first);
                let mut exits = Vec::new();
                for (i, (op, right)) in rest.iter().enumerate() {
                    let r = self.expr_any(right);
                    self.emit(Op::Compare {
                        op: *op,
                        dst,
                        a: left,
                        b: r,
                    });
                    if i + 1 < rest.len() {
                        exits.push(self.emit(Op::JumpIfFalse { a: dst, to: 0 }));
                    }
                    left = r;
                }
                let end = self.pc();
                for j in exits {
                    self.patch(j, end);
                }
            }
            ExprKind::IfElse {
                cond,
                then,
                otherwise,
            } => {
                let mut skip = Vec::new();
                self.branch(cond, false, &mut skip);
                self.expr_to(then, dst);
                let j = self.emit(Op::Jump { to: 0 });
                let at = self.pc();
                for s in skip {
                    self.patch(s, at);
                }
                self.expr_to(otherwise, dst);
                let end = self.pc();
                self.patch(j, end);
            }
            ExprKind::Await(inner) => {
                let src = self.expr_any(inner);
                self.emit(Op::Await { dst, src });
            }
            ExprKind::Call { func, args } => self.call(dst, func, args),
            ExprKind::Attr { obj, name } => {
                if let Some(q) = self.qualified(obj, name) {
                    let name = self.name_id(&q);
                    self.emit(Op::GlobalNamed { dst, name });
                    return;
                }
                let o = self.expr_any(obj);
                let name = self.name_id(&name.name);
                self.emit(Op::Attr { dst, obj: o, name });
            }
            ExprKind::Index { obj, index } => {
                let o = self.expr_any(obj);
                let i = self.expr_any(index);
                self.emit(Op::Index {
                    dst,
                    obj: o,
                    idx: i,
                });
            }
            ExprKind::Slice {
                obj,
                start,
                stop,
                step,
            } => {
                let o = self.expr_any(obj);
                let bounds = self.temps(3);
                let mut mask = 0u8;
                for (i, b) in [start, stop, step].into_iter().enumerate() {
                    if let Some(b) = b {
                        self.expr_to(b, bounds + i as u32);
                        mask |= 1 << i;
                    }
                }
                self.emit(Op::Slice {
                    dst,
                    obj: o,
                    bounds,
                    mask,
                });
            }
            // Literals were folded above.
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Duration(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::None => {}
        }
    }

    /// `dst = a op rhs`, with an int constant folded into the instruction.
    pub(super) fn binary_into(&mut self, op: BinOp, dst: Reg, a: Reg, rhs: &Expr) {
        match small_int(rhs) {
            Some(k) if op == BinOp::Mod && (2..=u16::MAX as i32).contains(&k) => {
                let k = k as u16;
                let m = match self.f.mods.iter().position(|&(d, _)| d == k) {
                    Some(m) => m,
                    None => {
                        self.f.mods.push((k, super::mod_magic(k)));
                        self.f.mods.len() - 1
                    }
                };
                self.emit(Op::ModK {
                    dst,
                    a,
                    m: m as u32,
                    step: false,
                });
            }
            Some(k) if matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Mod) => {
                self.emit(Op::ArithK {
                    op,
                    dst,
                    a,
                    k,
                    step: false,
                });
            }
            _ => {
                let b = self.expr_any(rhs);
                self.emit(Op::Binary { op, dst, a, b });
            }
        }
    }

    /// The head of `for x in range(...)` (one local name, the builtin `range` with one to three
    /// positional arguments) as a counted loop; `None` for any other loop (see
    /// [`Lower::for_head`]).
    pub(super) fn range_head(&mut self, iter: &Expr, pattern: &Pattern) -> Option<(Label, usize)> {
        let Pattern::Name(id) = pattern else {
            return None;
        };
        let dst = self.scopes.binding(id)? as Reg;
        let ExprKind::Call { func, args } = &iter.kind else {
            return None;
        };
        let ExprKind::Name(n) = &func.kind else {
            return None;
        };
        if self.local_read(func).is_some()
            || !(1..=3).contains(&args.len())
            || args.iter().any(|a| a.kind != ArgKind::Positional)
        {
            return None;
        }
        let name = self
            .scopes
            .read(func)
            .and_then(Slot::as_global)
            .and_then(|id| self.globals.get(id as usize))
            .unwrap_or(n);
        if self.checked.locations.contains_key(name)
            || crate::check::builtins::Builtin::of(name)
                != Some(crate::check::builtins::Builtin::Range)
        {
            return None;
        }
        let it = self.temps(3);
        let start = self.temps(args.len() as u32);
        for (i, a) in args.iter().enumerate() {
            self.expr_to(&a.value, start + i as u32);
        }
        self.emit(Op::RangeIter {
            iter: it,
            args: start,
            n: args.len() as u8,
        });
        let head = self.pc();
        let next = self.emit(Op::ForRange {
            iter: it,
            dst,
            to: 0,
            back: false,
        });
        Some((head, next))
    }

    /// `recv.get(args)` as [`Op::Get`] (`None`: emitted). Registers past a 16-bit field
    /// are copied to temporaries for a `CallMethod` instead, whose first is given.
    fn get_call(&mut self, dst: Reg, recv: Reg, args: &[Arg]) -> Option<Reg> {
        let key = self.expr_any(&args[0].value);
        let dflt = args.get(1).map(|a| self.expr_any(&a.value));
        let short = |r: Reg| u16::try_from(r).ok().filter(|&r| r != NO_ARG);
        let dflt16 = match dflt {
            None => Some(NO_ARG),
            Some(r) => short(r),
        };
        if let (Some(recv), Some(key), Some(dflt)) = (short(recv), short(key), dflt16) {
            self.emit(Op::Get {
                dst,
                recv,
                key,
                dflt,
            });
            return None;
        }
        let start = self.temps(args.len() as u32);
        self.emit(Op::Move {
            dst: start,
            src: key,
        });
        if let Some(src) = dflt {
            self.emit(Op::Move {
                dst: start + 1,
                src,
            });
        }
        Some(start)
    }

    /// `return lhs op rhs` (outside any `finally`: the caller's check) as one
    /// [`Op::RetBinary`]; `false`: `e` is no such operation, nothing emitted.
    pub(super) fn ret_binary(&mut self, e: &Expr) -> bool {
        let ExprKind::Binary { op, lhs, rhs } = &e.kind else {
            return false;
        };
        if matches!(op, BinOp::And | BinOp::Or) {
            return false;
        }
        let a = self.expr_any(lhs);
        let b = self.expr_any(rhs);
        self.emit(Op::RetBinary {
            op: *op,
            a,
            b,
            step: false,
        });
        true
    }

    /// The back edge of the loop whose head (from [`Lower::for_head`]) is at `next`: the head
    /// instruction again, going on at the body with the next item.
    pub(super) fn back_edge(&mut self, next: usize) {
        let body = next as Label + 1;
        let op = match self.f.code[next] {
            Op::ForNext { iter, dst, .. } => Op::ForNext {
                iter,
                dst,
                to: body,
                back: true,
            },
            Op::ForRange { iter, dst, .. } => Op::ForRange {
                iter,
                dst,
                to: body,
                back: true,
            },
            Op::ForPair { iter, a, b, .. } => Op::ForPair {
                iter,
                a,
                b,
                to: body,
                back: true,
            },
            _ => Op::Jump { to: next as Label },
        };
        self.emit(op);
    }

    /// The comprehension's clauses around `body`.
    fn comp(&mut self, clauses: &[CompClause], body: &mut dyn FnMut(&mut Self)) {
        let Some((c, rest)) = clauses.split_first() else {
            body(self);
            return;
        };
        let (head, next) = self.for_head(&c.iter, &c.pattern);
        let mut skips = Vec::new();
        for cond in &c.conds {
            self.branch(cond, false, &mut skips);
        }
        crate::stack::grow(|| self.comp(rest, body));
        self.back_edge(next);
        for s in skips {
            self.patch(s, head);
        }
        let exit = self.pc();
        self.patch(next, exit);
    }

    /// Jumps (the jumps to patch go to `out`) when `e`'s truth is `when`.
    pub(super) fn branch(&mut self, e: &Expr, when: bool, out: &mut Vec<usize>) {
        crate::stack::grow(|| self.branch_inner(e, when, out))
    }

    fn branch_inner(&mut self, e: &Expr, when: bool, out: &mut Vec<usize>) {
        match &e.kind {
            ExprKind::Bool(b) => {
                if *b == when {
                    out.push(self.emit(Op::Jump { to: 0 }));
                }
            }
            ExprKind::Unary {
                op: UnaryOp::Not,
                operand,
            } => self.branch(operand, !when, out),
            ExprKind::Binary { op, lhs, rhs } if matches!(op, BinOp::And | BinOp::Or) => {
                // `and` jumps out on a false part, `or` on a true one.
                let short = *op == BinOp::Or;
                if short == when {
                    self.branch(lhs, when, out);
                    self.branch(rhs, when, out);
                } else {
                    let mut skip = Vec::new();
                    self.branch(lhs, !when, &mut skip);
                    self.branch(rhs, when, out);
                    let here = self.pc();
                    for s in skip {
                        self.patch(s, here);
                    }
                }
            }
            ExprKind::Compare { first, rest } if rest.len() == 1 && !when => {
                let (op, right) = &rest[0];
                let a = self.expr_any(first);
                match small_int(right) {
                    Some(k) if is_ordering(*op) => {
                        out.push(self.emit(Op::JumpCmpK {
                            op: *op,
                            a,
                            k,
                            to: 0,
                            step: false,
                        }));
                    }
                    _ => {
                        let b = self.expr_any(right);
                        out.push(self.emit(Op::JumpCmp {
                            op: *op,
                            a,
                            b,
                            to: 0,
                            step: false,
                        }));
                    }
                }
            }
            _ => {
                let a = self.expr_any(e);
                out.push(if when {
                    self.emit(Op::JumpIfTrue { a, to: 0 })
                } else {
                    self.emit(Op::JumpIfFalse { a, to: 0 })
                });
            }
        }
    }

    /// `module.NAME` when `obj` names an imported module: the qualified global name.
    pub(super) fn qualified(&self, obj: &Expr, name: &Ident) -> Option<Name> {
        match &obj.kind {
            ExprKind::Name(a) if self.local_read(obj).is_none() => {
                let q = format!("{a}.{}", name.name);
                self.checked
                    .locations
                    .contains_key(q.as_str())
                    .then(|| Name::new(q))
            }
            _ => None,
        }
    }

    /// The plain function a global name calls: its index, whether it is async, its arity.
    fn plain_fn(&self, id: usize) -> Option<(u32, bool, usize)> {
        let n = self.globals.get(id)?;
        if self.checked.tasks.contains_key(n) || !self.checked.fns.contains_key(n) {
            return None;
        }
        let (index, _, &(m, i)) = self.checked.locations.get_full(n)?;
        match &self.loaded.modules.get(m)?.items.get(i)?.kind {
            ItemKind::Fn(f) => Some((index as u32, f.is_async, f.params.len())),
            _ => None,
        }
    }

    fn call(&mut self, dst: Reg, func: &Expr, args: &[Arg]) {
        let positional = args.iter().all(|a| a.kind == ArgKind::Positional);
        let n = args.len();
        if positional && n < u16::MAX as usize {
            // `f(a, b)` of a plain function by name: a VM frame over the arguments.
            if let ExprKind::Name(..) = &func.kind {
                if let Some((index, false, arity)) = self
                    .scopes
                    .read(func)
                    .and_then(Slot::as_global)
                    .and_then(|id| self.plain_fn(id as usize))
                {
                    if arity == n {
                        let start = self.temps(n as u32);
                        for (i, a) in args.iter().enumerate() {
                            self.expr_to(&a.value, start + i as u32);
                        }
                        self.emit(Op::CallFn {
                            dst,
                            func: index,
                            start,
                            n: n as u16,
                        });
                        return;
                    }
                }
            }
            // `xs.append(x)` on a local or a string literal: no bound-method value.
            if let ExprKind::Attr { obj, name } = &func.kind {
                let simple = match &obj.kind {
                    ExprKind::Name(..) => self.local_read(obj).is_some(),
                    ExprKind::Str(_) => true,
                    _ => false,
                };
                let id = self.name_id(&name.name);
                if simple
                    && n <= u8::MAX as usize
                    && id <= u16::MAX as u32
                    && self.qualified(obj, name).is_none()
                {
                    // The receiver is read in place once the arguments are evaluated: they
                    // cannot rebind a local of this frame.
                    let recv = self.expr_any(obj);
                    if name.name == "append" && n == 1 {
                        let src = self.expr_any(&args[0].value);
                        self.emit(Op::Append { dst, recv, src });
                        return;
                    }
                    let start = if name.name == "get" && (n == 1 || n == 2) {
                        match self.get_call(dst, recv, args) {
                            Some(start) => start,
                            None => return,
                        }
                    } else {
                        let start = self.temps(n as u32);
                        for (i, a) in args.iter().enumerate() {
                            self.expr_to(&a.value, start + i as u32);
                        }
                        start
                    };
                    self.emit(Op::CallMethod {
                        dst,
                        recv,
                        args: start,
                        name: id as u16,
                        n: n as u8,
                    });
                    return;
                }
            }
        }
        let target = match &func.kind {
            ExprKind::Attr { obj, name } if self.qualified(obj, name).is_none() => {
                CallTarget::Attr {
                    obj: self.expr_any(obj),
                    name: name.name.clone(),
                }
            }
            _ => CallTarget::Value(self.expr_any(func)),
        };
        let mut regs = Vec::with_capacity(args.len());
        for a in args {
            let r = self.expr_any(&a.value);
            let mode = match &a.kind {
                ArgKind::Positional => ArgMode::Positional,
                ArgKind::Keyword(k) => ArgMode::Keyword(k.name.clone()),
                ArgKind::Spread => ArgMode::Spread,
            };
            regs.push((mode, r));
        }
        let gather_tuple = matches!(&func.kind, ExprKind::Name(n) if n == "gather" && self.local_read(func).is_none())
            && args.iter().all(|a| a.kind != ArgKind::Spread);
        let site = self.f.calls.len() as u32;
        self.f.calls.push(CallSite {
            target,
            args: regs,
            gather_tuple,
        });
        self.emit(Op::Call { dst, site });
    }
}
