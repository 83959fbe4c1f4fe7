//! Closure compilation of plain functions and task bodies.
//!
//! A plain `fn`, or a task body, in which no statement can suspend is compiled, the first time
//! a run calls it, into a tree of boxed closures: one per statement and expression, each
//! already specialised for what its operands are (a local slot, a constant, another closure).
//! Running it does no dispatch on the syntax tree, clones no local to read it, and turns a
//! condition straight into a `bool`. Calls between compiled functions run in the caller's
//! frame, on top of its locals. This is the closure-compilation design of MODELS.md; the tree
//! walker in [`super`] stays the reference and runs everything else (code that suspends).
//!
//! Semantics are the walker's: every statement counts a step and records its span on an
//! error's trace, and a node this module does not specialise (or one nested deeper than
//! [`MAX_DEPTH`]) is compiled into a call of the walker on that node, so the two always
//! agree. The depth bound also bounds how deep compiled closures nest on the native stack
//! within one call, so checking the stack on every eighth nested call (with room for eight
//! calls) is enough.

use super::*;
use crate::diagnostics::ErrorType;

pub(crate) type CExpr<'p> = Box<dyn Fn(&mut Frame<'p>) -> Res<Value> + 'p>;
type CCond<'p> = Box<dyn Fn(&mut Frame<'p>) -> Res<bool> + 'p>;
type CStmt<'p> = Box<dyn Fn(&mut Frame<'p>) -> Flow + 'p>;

/// How a compiled statement ends. One byte, so statements return it in a register; a
/// `return` value and a raised error wait in the frame (`ret`, `pending`) meanwhile.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flow {
    Next,
    Break,
    Continue,
    Return,
    Raise,
}
type CBlock<'p> = Box<[CStmt<'p>]>;

/// How deep compiled closures nest before the walker takes over.
const MAX_DEPTH: usize = 48;

/// A compiled function body.
pub(crate) struct CFn<'p> {
    pub(super) decl: &'p FnDecl,
    body: CBlock<'p>,
}

impl<'p> CFn<'p> {
    /// Compiles the body of a function or task if it never suspends.
    pub(super) fn compile(prog: &'p Program, decl: &'p FnDecl) -> Option<CFn<'p>> {
        if decl.body.stmts.iter().any(|s| prog.suspends.stmt(s)) {
            return None;
        }
        let c = Compiler { prog };
        Some(CFn {
            decl,
            body: c.block(&decl.body, 0),
        })
    }

    /// Runs the body in `f`, a frame holding the arguments.
    #[inline]
    pub(super) fn run(&self, f: &mut Frame<'p>) -> Res<Value> {
        match run_block(&self.body, f) {
            Flow::Return => Ok(std::mem::replace(&mut f.ret, Value::None)),
            Flow::Raise => Err(taken(f)),
            // The checker keeps `break` and `continue` inside loops.
            Flow::Next | Flow::Break | Flow::Continue => Ok(Value::None),
        }
    }
}

/// Calls function number `index` (`decl`) whose arguments `f` holds from `base` on: if it is
/// compiled, in `f` itself with its locals from `base` on; otherwise in a frame of its own.
fn call_in_frame<'p>(f: &mut Frame<'p>, decl: &'p FnDecl, index: u32, base: usize) -> Res<Value> {
    let sh = f.sh.clone();
    let Some(c) = sh.compiled(index, decl) else {
        let args = f.vars.split_off(base);
        return f.call_fn_sync(decl, args);
    };
    if f.depth + 1 > f.sh.limits.max_call_depth {
        f.vars.truncate(base);
        return Err(f.depth_error());
    }
    let end = base + decl.frame_size as usize;
    while f.vars.len() < end {
        f.vars.push(Value::None);
    }
    let caller = std::mem::replace(&mut f.base, base);
    f.depth += 1;
    // One call in eight checks the stack, with room for eight calls' closures.
    let r = if f.depth.is_multiple_of(8) {
        crate::stack::grow_wide(|| c.run(f))
    } else {
        c.run(f)
    };
    f.depth -= 1;
    f.base = caller;
    // Popping drops each local inline (most need nothing done).
    while f.vars.len() > base {
        f.vars.pop();
    }
    r
}

#[inline]
fn run_block<'p>(b: &[CStmt<'p>], f: &mut Frame<'p>) -> Flow {
    for s in b {
        let r = s(f);
        if r != Flow::Next {
            return r;
        }
    }
    Flow::Next
}

/// Non-local control leaving statement `span` (from an expression, or the walker running a
/// statement): a raised error records the span on its trace and waits in the frame.
#[cold]
#[inline(never)]
fn fail(f: &mut Frame<'_>, c: Ctrl, span: Span) -> Flow {
    match c {
        // A statement the walker ran left the value in the frame already.
        Ctrl::Return => Flow::Return,
        Ctrl::Break => Flow::Break,
        Ctrl::Continue => Flow::Continue,
        c => {
            f.pending = Some(f.traced(c, span));
            Flow::Raise
        }
    }
}

/// The error a statement left in the frame.
#[cold]
fn taken(f: &mut Frame<'_>) -> Ctrl {
    f.pending
        .take()
        .unwrap_or_else(|| raise(ErrorType::RuntimeSystemError, "internal: a lost error"))
}

/// A statement's `Res<()>` as a [`Flow`].
#[inline(always)]
fn flow(f: &mut Frame<'_>, r: Res<()>, span: Span) -> Flow {
    match r {
        Ok(()) => Flow::Next,
        Err(c) => fail(f, c, span),
    }
}

#[cold]
fn unbound() -> Ctrl {
    raise(
        ErrorType::RuntimeSystemError,
        "internal: a local outside its frame",
    )
}

#[inline(always)]
fn local<'a>(f: &'a Frame<'_>, i: usize) -> Res<&'a Value> {
    f.vars.get(f.base + i).ok_or_else(unbound)
}

#[inline(always)]
fn set(f: &mut Frame<'_>, i: usize, v: Value) {
    let i = f.base + i;
    if i >= f.vars.len() {
        f.vars.resize(i + 1, Value::None);
    }
    f.vars[i] = v;
}

/// A statement closure: counts a step, then runs `$body`, a `Res<()>` (`stmt!`) or a
/// [`Flow`] (`stmt!(flow ...)`, for statements holding blocks); an error records the span.
macro_rules! stmt {
    ($span:expr, |$f:ident| $body:expr) => {{
        let span: Span = $span;
        Box::new(move |$f: &mut Frame<'p>| {
            if let Err(c) = $f.step() {
                return fail($f, c, span);
            }
            let r: Res<()> = $body;
            flow($f, r, span)
        }) as CStmt<'p>
    }};
    (flow $span:expr, |$f:ident| $body:expr) => {{
        let span: Span = $span;
        Box::new(move |$f: &mut Frame<'p>| {
            if let Err(c) = $f.step() {
                return fail($f, c, span);
            }
            $body
        }) as CStmt<'p>
    }};
}

/// What an operand is, so that its user can read a local or a constant in place.
enum Operand<'p> {
    Local(usize),
    Const(Value),
    Expr(CExpr<'p>),
}

/// A binary closure over two operands: `$op(f, a: &Value, b: &Value) -> Res<T>`. Closure
/// operands are evaluated first (left to right); locals are read in place afterwards, which
/// is the same order since evaluating an expression never rebinds a visible local.
macro_rules! binary_closure {
    // With statements run first (`[let v = value(f)?;]`).
    ($a:expr, $b:expr, |$f:ident, $x:ident, $y:ident| [$($pre:stmt;)*] $body:expr) => {{
        use Operand::*;
        match ($a, $b) {
            (Local(i), Local(j)) => Box::new(move |$f: &mut Frame<'p>| {
                $($pre)*
                let ($x, $y) = (local($f, i)?, local($f, j)?);
                $body
            }) as Box<dyn Fn(&mut Frame<'p>) -> _ + 'p>,
            (Local(i), Const(k)) => Box::new(move |$f: &mut Frame<'p>| {
                $($pre)*
                let ($x, $y) = (local($f, i)?, &k);
                $body
            }),
            (Const(k), Local(j)) => Box::new(move |$f: &mut Frame<'p>| {
                $($pre)*
                let ($x, $y) = (&k, local($f, j)?);
                $body
            }),
            (Const(k), Const(l)) => Box::new(move |$f: &mut Frame<'p>| {
                $($pre)*
                let _ = &$f;
                let ($x, $y) = (&k, &l);
                $body
            }),
            (Local(i), Expr(b)) => Box::new(move |$f: &mut Frame<'p>| {
                $($pre)*
                let vb = b($f)?;
                let ($x, $y) = (local($f, i)?, &vb);
                $body
            }),
            (Const(k), Expr(b)) => Box::new(move |$f: &mut Frame<'p>| {
                $($pre)*
                let vb = b($f)?;
                let ($x, $y) = (&k, &vb);
                $body
            }),
            (Expr(a), Local(j)) => Box::new(move |$f: &mut Frame<'p>| {
                $($pre)*
                let va = a($f)?;
                let ($x, $y) = (&va, local($f, j)?);
                $body
            }),
            (Expr(a), Const(l)) => Box::new(move |$f: &mut Frame<'p>| {
                $($pre)*
                let va = a($f)?;
                let ($x, $y) = (&va, &l);
                $body
            }),
            (Expr(a), Expr(b)) => Box::new(move |$f: &mut Frame<'p>| {
                $($pre)*
                let va = a($f)?;
                let vb = b($f)?;
                let ($x, $y) = (&va, &vb);
                $body
            }),
        }
    }};
    ($a:expr, $b:expr, |$f:ident, $x:ident, $y:ident| $body:expr) => {
        binary_closure!($a, $b, |$f, $x, $y| [] $body)
    };
}

/// `a OP b` for integers, inline when it does not overflow (the operator is a constant of
/// each instance, so the check folds away); `None` sends the caller to [`ops::binary`].
#[inline(always)]
fn int_arith<const OP: u8>(a: i64, b: i64) -> Option<i64> {
    match OP {
        0 => a.checked_add(b),
        1 => a.checked_sub(b),
        2 => a.checked_mul(b),
        // With a positive divisor Python's floor division and modulo are Euclid's.
        3 if b > 0 => Some(a.div_euclid(b)),
        4 if b > 0 => Some(a.rem_euclid(b)),
        _ => None,
    }
}

/// `a OP b` for two integers (`OP` as in [`compare`]).
#[inline(always)]
fn int_compare<const OP: u8>(a: i64, b: i64) -> bool {
    match OP {
        0 => a == b,
        1 => a != b,
        2 => a < b,
        3 => a <= b,
        4 => a > b,
        _ => a >= b,
    }
}

#[inline(never)]
fn any_binary(f: &Frame<'_>, op: BinOp, a: &Value, b: &Value) -> Res<Value> {
    f.charge_result(ops::binary(op, a, b).map_err(Ctrl::raise))
}

#[inline(never)]
fn any_compare(f: &Frame<'_>, op: CmpOp, a: &Value, b: &Value) -> Res<bool> {
    f.charge_compare(op, b)?;
    ops::compare(op, a, b).map_err(Ctrl::raise)
}

/// An arithmetic operator with an integer fast path.
fn arith<'p, const OP: u8>(op: BinOp, a: Operand<'p>, b: Operand<'p>) -> CExpr<'p> {
    binary_closure!(a, b, |f, x, y| {
        if let (Value::Int(p), Value::Int(q)) = (x, y) {
            if let Some(r) = int_arith::<OP>(*p, *q) {
                return Ok(Value::Int(r));
            }
        }
        any_binary(f, op, x, y)
    })
}

/// A comparison with an integer fast path.
fn compare<'p, const OP: u8>(op: CmpOp, a: Operand<'p>, b: Operand<'p>) -> CCond<'p> {
    binary_closure!(a, b, |f, x, y| {
        if let (Value::Int(p), Value::Int(q)) = (x, y) {
            return Ok(int_compare::<OP>(*p, *q));
        }
        any_compare(f, op, x, y)
    })
}

/// One compiled `for PATTERN in ITER if COND...` clause.
struct CClause<'p> {
    pattern: Target<'p>,
    iter: CExpr<'p>,
    conds: Vec<CCond<'p>>,
}

fn run_comp<'p>(
    f: &mut Frame<'p>,
    clauses: &[CClause<'p>],
    body: &mut dyn FnMut(&mut Frame<'p>) -> Res<()>,
) -> Res<()> {
    let Some((c, rest)) = clauses.split_first() else {
        return body(f);
    };
    let items = ops::iterate_owned((c.iter)(f)?).map_err(Ctrl::raise)?;
    'items: for item in items {
        bind(f, &c.pattern, item)?;
        for cond in &c.conds {
            if !cond(f)? {
                continue 'items;
            }
        }
        run_comp(f, rest, body)?;
    }
    Ok(())
}

/// A loop's binding: one local (the common case), or the walker's general pattern.
enum Target<'p> {
    Local(usize),
    Pattern(&'p Pattern),
}

impl<'p> Target<'p> {
    fn new(p: &'p Pattern) -> Target<'p> {
        match p {
            Pattern::Name(id) => match id.slot.as_local() {
                Some(i) => Target::Local(i),
                None => Target::Pattern(p),
            },
            Pattern::Tuple(..) => Target::Pattern(p),
        }
    }
}

#[inline(always)]
fn bind<'p>(f: &mut Frame<'p>, t: &Target<'p>, v: Value) -> Res<()> {
    match t {
        Target::Local(i) => {
            set(f, *i, v);
            Ok(())
        }
        Target::Pattern(p) => f.bind(p, v),
    }
}

/// `func(args)` with positional arguments already compiled: the walker finds the callee (as
/// it does first, before the arguments).
fn call_positional<'p>(
    f: &mut Frame<'p>,
    func: &'p Expr,
    args: &'p [Arg],
    argv: &[CExpr<'p>],
) -> Res<Value> {
    let callee = f.callee(func)?;
    let mut values = Vec::with_capacity(argv.len());
    for a in argv {
        values.push(a(f)?);
    }
    let v = f.call_sync(callee, values, Vec::new())?;
    f.mark_gather_tuple(func, args, &v);
    Ok(v)
}

/// Compiled call arguments: all positional (the common case), or the general form.
enum CArgs<'p> {
    Positional(Box<[CExpr<'p>]>),
    General(Vec<(&'p ArgKind, CExpr<'p>)>),
}

/// Evaluates general call arguments: positional, keyword and spread.
fn eval_args<'p>(f: &mut Frame<'p>, args: &[(&'p ArgKind, CExpr<'p>)]) -> Res<Args> {
    let mut argv = Vec::with_capacity(args.len());
    let mut kwargs = Vec::new();
    for (kind, a) in args {
        let v = a(f)?;
        match kind {
            ArgKind::Positional => argv.push(v),
            ArgKind::Keyword(k) => kwargs.push((k.name.clone(), v)),
            ArgKind::Spread => argv.extend(ops::iterate_owned(v).map_err(Ctrl::raise)?),
        }
    }
    Ok((argv, kwargs))
}

struct Compiler<'p> {
    prog: &'p Program,
}

impl<'p> Compiler<'p> {
    fn block(&self, b: &'p Block, d: usize) -> CBlock<'p> {
        b.stmts.iter().map(|s| self.stmt(s, d + 1)).collect()
    }

    fn stmt(&self, s: &'p Stmt, d: usize) -> CStmt<'p> {
        if d > MAX_DEPTH {
            let span = s.span;
            return Box::new(move |f: &mut Frame<'p>| match f.stmt(s) {
                Ok(()) => Flow::Next,
                Err(c) => fail(f, c, span),
            });
        }
        let span = s.span;
        match &s.kind {
            StmtKind::Let { pattern, value, .. } => {
                let v = self.expr(value, d + 1);
                match pattern {
                    Pattern::Name(Ident { slot, .. }) if slot.is_local() => {
                        let i = slot.as_local().unwrap_or(0);
                        stmt!(span, |f| v(f).map(|v| set(f, i, v)))
                    }
                    _ => stmt!(span, |f| v(f).and_then(|v| f.bind(pattern, v))),
                }
            }
            StmtKind::Assign { target, op, value } => self.assign(span, target, *op, value, d),
            StmtKind::Expr(e) => {
                let e = self.expr(e, d + 1);
                stmt!(span, |f| e(f).map(drop))
            }
            StmtKind::If {
                branches,
                else_block,
            } => {
                let branches: Vec<(CCond<'p>, CBlock<'p>)> = branches
                    .iter()
                    .map(|(c, b)| (self.cond(c, d + 1), self.block(b, d)))
                    .collect();
                let otherwise = else_block.as_ref().map(|b| self.block(b, d));
                if branches.len() == 1 && otherwise.is_none() {
                    // `if c { ... }` alone, the commonest shape.
                    let Some((c, b)) = branches.into_iter().next() else {
                        unreachable!("one branch")
                    };
                    return stmt!(flow span, |f| match c(f) {
                        Ok(true) => run_block(&b, f),
                        Ok(false) => Flow::Next,
                        Err(e) => fail(f, e, span),
                    });
                }
                stmt!(flow span, |f| 'r: {
                    for (c, b) in &branches {
                        match c(f) {
                            Ok(true) => break 'r run_block(b, f),
                            Ok(false) => {}
                            Err(e) => break 'r fail(f, e, span),
                        }
                    }
                    match &otherwise {
                        Some(b) => run_block(b, f),
                        None => Flow::Next,
                    }
                })
            }
            StmtKind::For {
                pattern,
                iter,
                body,
            } => {
                let iter = self.expr(iter, d + 1);
                let body = self.block(body, d);
                let pattern = Target::new(pattern);
                stmt!(flow span, |f| 'r: {
                    let items = match iter(f).and_then(|v| ops::iterate_owned(v).map_err(Ctrl::raise)) {
                        Ok(items) => items,
                        Err(e) => break 'r fail(f, e, span),
                    };
                    for item in items {
                        if let Err(e) = bind(f, &pattern, item) {
                            break 'r fail(f, e, span);
                        }
                        match run_block(&body, f) {
                            Flow::Break => break,
                            Flow::Continue | Flow::Next => {}
                            r => break 'r r,
                        }
                    }
                    Flow::Next
                })
            }
            StmtKind::While { cond, body } => {
                let cond = self.cond(cond, d + 1);
                let body = self.block(body, d);
                stmt!(flow span, |f| 'r: {
                    loop {
                        // Each round counts a step, so that `while true {}` meets the limits.
                        if let Err(c) = f.step() {
                            break 'r fail(f, c, span);
                        }
                        match cond(f) {
                            Ok(true) => {}
                            Ok(false) => break 'r Flow::Next,
                            Err(e) => break 'r fail(f, e, span),
                        }
                        match run_block(&body, f) {
                            Flow::Break => break 'r Flow::Next,
                            Flow::Continue | Flow::Next => {}
                            r => break 'r r,
                        }
                    }
                })
            }
            StmtKind::Break => stmt!(flow span, |_f| Flow::Break),
            StmtKind::Continue => stmt!(flow span, |_f| Flow::Continue),
            StmtKind::Return(None) => stmt!(flow span, |f| {
                f.ret = Value::None;
                Flow::Return
            }),
            StmtKind::Return(Some(e)) => match self.operand(e, d + 1) {
                Operand::Local(i) => stmt!(flow span, |f| match local(f, i) {
                    Ok(v) => {
                        f.ret = v.clone();
                        Flow::Return
                    }
                    Err(c) => fail(f, c, span),
                }),
                Operand::Const(k) => stmt!(flow span, |f| {
                    f.ret = k.clone();
                    Flow::Return
                }),
                Operand::Expr(e) => stmt!(flow span, |f| match e(f) {
                    Ok(v) => {
                        f.ret = v;
                        Flow::Return
                    }
                    Err(c) => fail(f, c, span),
                }),
            },
            // `raise`, `try` and `with` run in the walker (their blocks too).
            StmtKind::Raise(_) | StmtKind::Try { .. } | StmtKind::With { .. } => {
                Box::new(move |f: &mut Frame<'p>| match f.stmt(s) {
                    Ok(()) => Flow::Next,
                    Err(c) => fail(f, c, span),
                })
            }
        }
    }

    fn assign(
        &self,
        span: Span,
        target: &'p Expr,
        op: AssignOp,
        value: &'p Expr,
        d: usize,
    ) -> CStmt<'p> {
        let bin = match op {
            AssignOp::Set => None,
            AssignOp::Add => Some(BinOp::Add),
            AssignOp::Sub => Some(BinOp::Sub),
            AssignOp::Mul => Some(BinOp::Mul),
            AssignOp::Div => Some(BinOp::Div),
        };
        let v = self.expr(value, d + 1);
        match (&target.kind, bin) {
            (ExprKind::Name(_, slot), None) if slot.is_local() => {
                let i = slot.as_local().unwrap_or(0);
                stmt!(span, |f| v(f).map(|v| set(f, i, v)))
            }
            (ExprKind::Name(_, slot), Some(bin)) if slot.is_local() => {
                let i = slot.as_local().unwrap_or(0);
                stmt!(span, |f| {
                    v(f).and_then(|v| {
                        let new = ops::binary(bin, local(f, i)?, &v).map_err(Ctrl::raise)?;
                        set(f, i, new);
                        Ok(())
                    })
                })
            }
            (ExprKind::Index { obj, index }, _) => {
                let (obj, index) = (self.operand(obj, d + 1), self.operand(index, d + 1));
                // The walker's order: the value, then the container, then the index (locals
                // are read in place).
                let store = binary_closure!(obj, index, |f, o, i| [let v = v(f)?;] {
                    let new = match bin {
                        None => v,
                        Some(bin) => ops::index(o, i)
                            .and_then(|old| ops::binary(bin, &old, &v))
                            .map_err(Ctrl::raise)?,
                    };
                    ops::set_index(o, i, new).map_err(Ctrl::raise)
                });
                stmt!(span, |f| store(f))
            }
            _ => stmt!(span, |f| v(f).and_then(|v| f.assign(target, op, v))),
        }
    }

    /// An operand: a local read in place, a constant, or a compiled expression.
    fn operand(&self, e: &'p Expr, d: usize) -> Operand<'p> {
        match &e.kind {
            ExprKind::Name(_, slot) if slot.is_local() => {
                Operand::Local(slot.as_local().unwrap_or(0))
            }
            ExprKind::Int(i) => Operand::Const(Value::Int(*i)),
            ExprKind::Float(x) => Operand::Const(Value::Float(*x)),
            ExprKind::Bool(b) => Operand::Const(Value::Bool(*b)),
            ExprKind::None => Operand::Const(Value::None),
            ExprKind::Str(s) => Operand::Const(Value::str(s)),
            ExprKind::Duration(x) => Operand::Const(Value::Duration(*x)),
            _ => Operand::Expr(self.expr(e, d)),
        }
    }

    /// A condition: an expression's truth, without building a `Bool`.
    fn cond(&self, e: &'p Expr, d: usize) -> CCond<'p> {
        if d <= MAX_DEPTH {
            match &e.kind {
                ExprKind::Compare { first, rest } if rest.len() == 1 => {
                    let op = rest[0].0;
                    let (a, b) = (self.operand(first, d + 1), self.operand(&rest[0].1, d + 1));
                    return match op {
                        CmpOp::Eq => compare::<0>(op, a, b),
                        CmpOp::Ne => compare::<1>(op, a, b),
                        CmpOp::Lt => compare::<2>(op, a, b),
                        CmpOp::Le => compare::<3>(op, a, b),
                        CmpOp::Gt => compare::<4>(op, a, b),
                        CmpOp::Ge => compare::<5>(op, a, b),
                        CmpOp::In | CmpOp::NotIn => {
                            binary_closure!(a, b, |f, x, y| any_compare(f, op, x, y))
                        }
                    };
                }
                ExprKind::Unary {
                    op: UnaryOp::Not,
                    operand,
                } => {
                    let c = self.cond(operand, d + 1);
                    return Box::new(move |f| c(f).map(|b| !b));
                }
                ExprKind::Binary {
                    op: BinOp::And,
                    lhs,
                    rhs,
                } => {
                    let (a, b) = (self.cond(lhs, d + 1), self.cond(rhs, d + 1));
                    return Box::new(move |f| Ok(a(f)? && b(f)?));
                }
                ExprKind::Binary {
                    op: BinOp::Or,
                    lhs,
                    rhs,
                } => {
                    let (a, b) = (self.cond(lhs, d + 1), self.cond(rhs, d + 1));
                    return Box::new(move |f| Ok(a(f)? || b(f)?));
                }
                _ => {}
            }
        }
        match self.operand(e, d) {
            Operand::Local(i) => Box::new(move |f| Ok(ops::truthy(local(f, i)?))),
            Operand::Const(k) => {
                let t = ops::truthy(&k);
                Box::new(move |_| Ok(t))
            }
            Operand::Expr(c) => Box::new(move |f| Ok(ops::truthy(&c(f)?))),
        }
    }

    fn exprs(&self, es: &'p [Expr], d: usize) -> Box<[CExpr<'p>]> {
        es.iter().map(|e| self.expr(e, d + 1)).collect()
    }

    fn expr(&self, e: &'p Expr, d: usize) -> CExpr<'p> {
        if d > MAX_DEPTH {
            return Box::new(move |f: &mut Frame<'p>| f.expr(e));
        }
        match &e.kind {
            ExprKind::Name(n, slot) => match slot.as_local() {
                Some(i) => Box::new(move |f| local(f, i).cloned()),
                None => {
                    let slot = *slot;
                    Box::new(move |f| f.name(n, slot))
                }
            },
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Str(_)
            | ExprKind::Duration(_) => match self.operand(e, d) {
                Operand::Const(k) => Box::new(move |_| Ok(k.clone())),
                _ => Box::new(move |f: &mut Frame<'p>| f.expr(e)),
            },
            ExprKind::FString(parts) => {
                // Each part: its text, then its field (expression and format spec) if any.
                type Part<'p> = (&'p str, Option<(CExpr<'p>, Option<&'p str>)>);
                let parts: Vec<Part<'p>> = parts
                    .iter()
                    .map(|p| match p {
                        FStringPart::Text(t) => (t.as_str(), None),
                        FStringPart::Field { expr, spec } => {
                            ("", Some((self.expr(expr, d + 1), spec.as_deref())))
                        }
                    })
                    .collect();
                // The text is built in a buffer kept between evaluations (taken, so that a
                // field evaluating the same f-string again gets a fresh one).
                let scratch = std::cell::Cell::new(String::new());
                Box::new(move |f| {
                    let mut out = scratch.take();
                    out.clear();
                    for (text, field) in &parts {
                        out.push_str(text);
                        match field {
                            Some((e, None)) => e(f)?.write_display(&mut out),
                            Some((e, spec)) => {
                                let v = e(f)?;
                                f.format_field(&mut out, &v, *spec)?;
                            }
                            None => {}
                        }
                    }
                    ops::check_len(Some(out.len())).map_err(Ctrl::raise)?;
                    let v = Value::str(&out);
                    if out.capacity() <= 4096 {
                        scratch.set(out);
                    }
                    Ok(v)
                })
            }
            ExprKind::List(items) => {
                let items = self.exprs(items, d);
                Box::new(move |f| {
                    let mut out = Vec::with_capacity(items.len());
                    for i in items.iter() {
                        out.push(i(f)?);
                    }
                    Ok(Value::list(out))
                })
            }
            ExprKind::Tuple(items) => {
                let items = self.exprs(items, d);
                Box::new(move |f| {
                    let mut out = Vec::with_capacity(items.len());
                    for i in items.iter() {
                        out.push(i(f)?);
                    }
                    Ok(Value::tuple(out))
                })
            }
            ExprKind::Dict(entries) => {
                let entries: Vec<(CExpr<'p>, CExpr<'p>)> = entries
                    .iter()
                    .map(|(k, v)| (self.expr(k, d + 1), self.expr(v, d + 1)))
                    .collect();
                Box::new(move |f| {
                    let mut out =
                        DictMap::with_capacity_and_hasher(entries.len(), Default::default());
                    for (k, v) in &entries {
                        let k = k(f)?;
                        let v = v(f)?;
                        out.insert(f.key(&k)?, v);
                    }
                    Ok(Value::dict(out))
                })
            }
            ExprKind::ListComp { elt, clauses } => {
                let elt = self.expr(elt, d + 1);
                let clauses = self.clauses(clauses, d);
                Box::new(move |f| {
                    let mut out = Vec::new();
                    run_comp(f, &clauses, &mut |f| {
                        out.push(elt(f)?);
                        Ok(())
                    })?;
                    Ok(Value::list(out))
                })
            }
            ExprKind::DictComp {
                key,
                value,
                clauses,
            } => {
                let (key, value) = (self.expr(key, d + 1), self.expr(value, d + 1));
                let clauses = self.clauses(clauses, d);
                Box::new(move |f| {
                    let mut out = DictMap::default();
                    run_comp(f, &clauses, &mut |f| {
                        let k = key(f)?;
                        let v = value(f)?;
                        out.insert(f.key(&k)?, v);
                        Ok(())
                    })?;
                    Ok(Value::dict(out))
                })
            }
            ExprKind::Unary { op, operand } => {
                let (op, v) = (*op, self.expr(operand, d + 1));
                Box::new(move |f| {
                    let v = v(f)?;
                    f.unary(op, v)
                })
            }
            ExprKind::Compare { first, rest } if rest.len() > 1 => {
                // A chain: each operand evaluated once, stopping at the first false link.
                let first = self.expr(first, d + 1);
                let rest: Vec<(CmpOp, CExpr<'p>)> = rest
                    .iter()
                    .map(|(op, e)| (*op, self.expr(e, d + 1)))
                    .collect();
                Box::new(move |f| {
                    let mut left = first(f)?;
                    for (op, right) in &rest {
                        let r = right(f)?;
                        f.charge_compare(*op, &r)?;
                        if !ops::compare(*op, &left, &r).map_err(Ctrl::raise)? {
                            return Ok(Value::Bool(false));
                        }
                        left = r;
                    }
                    Ok(Value::Bool(true))
                })
            }
            ExprKind::Binary {
                op: BinOp::And | BinOp::Or,
                ..
            }
            | ExprKind::Compare { .. } => {
                // `cond` specialises these (a single comparison, `and`, `or`).
                let c = self.cond(e, d);
                Box::new(move |f| c(f).map(Value::Bool))
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let op = *op;
                let (a, b) = (self.operand(lhs, d + 1), self.operand(rhs, d + 1));
                match op {
                    BinOp::Add => arith::<0>(op, a, b),
                    BinOp::Sub => arith::<1>(op, a, b),
                    BinOp::Mul => arith::<2>(op, a, b),
                    BinOp::FloorDiv => arith::<3>(op, a, b),
                    BinOp::Mod => arith::<4>(op, a, b),
                    _ => binary_closure!(a, b, |f, x, y| any_binary(f, op, x, y)),
                }
            }
            ExprKind::IfElse {
                cond,
                then,
                otherwise,
            } => {
                let c = self.cond(cond, d + 1);
                let (t, o) = (self.expr(then, d + 1), self.expr(otherwise, d + 1));
                Box::new(move |f| if c(f)? { t(f) } else { o(f) })
            }
            ExprKind::Call { func, args } => self.call(e, func, args, d),
            ExprKind::Attr { obj, name } => {
                if let Some(q) = qualified(self.prog, obj, name) {
                    return Box::new(move |f| f.global(&q));
                }
                let o = self.expr(obj, d + 1);
                Box::new(move |f| {
                    let o = o(f)?;
                    f.attr(&o, &name.name)
                })
            }
            ExprKind::Index { obj, index } => {
                let (a, b) = (self.operand(obj, d + 1), self.operand(index, d + 1));
                binary_closure!(a, b, |f, x, y| ops::index(x, y).map_err(Ctrl::raise))
            }
            // Slices (and `await`, which a compiled body never holds) run in the walker.
            ExprKind::Slice { .. } | ExprKind::Await(_) => Box::new(move |f| f.expr(e)),
        }
    }

    fn clauses(&self, clauses: &'p [CompClause], d: usize) -> Box<[CClause<'p>]> {
        clauses
            .iter()
            .map(|c| CClause {
                pattern: Target::new(&c.pattern),
                iter: self.expr(&c.iter, d + 1),
                conds: c.conds.iter().map(|e| self.cond(e, d + 1)).collect(),
            })
            .collect()
    }

    fn args(&self, args: &'p [Arg], d: usize) -> CArgs<'p> {
        if args.iter().all(|a| a.kind == ArgKind::Positional) {
            CArgs::Positional(args.iter().map(|a| self.expr(&a.value, d + 1)).collect())
        } else {
            CArgs::General(
                args.iter()
                    .map(|a| (&a.kind, self.expr(&a.value, d + 1)))
                    .collect(),
            )
        }
    }

    /// The plain function a global name calls, if it names one: its declaration and index.
    fn function(&self, n: &Name) -> Option<(&'p FnDecl, u32)> {
        let checked = &self.prog.checked;
        if checked.tasks.contains_key(n) || !checked.fns.contains_key(n) {
            return None;
        }
        let index = checked.locations.get_index_of(n)? as u32;
        Some((self.prog.fn_at(index)?, index))
    }

    fn call(&self, e: &'p Expr, func: &'p Expr, args: &'p [Arg], d: usize) -> CExpr<'p> {
        let cargs = self.args(args, d);
        match (&func.kind, cargs) {
            // `f(a, b)` of a plain function: the arguments go straight into its frame.
            (ExprKind::Name(n, slot), CArgs::Positional(argv)) if !slot.is_local() => {
                match self.function(n) {
                    Some((decl, index)) if !decl.is_async && decl.params.len() == argv.len() => {
                        if argv.len() == 1 {
                            // One argument, the commonest call.
                            let a = argv.into_vec().pop().expect("one argument");
                            return Box::new(move |f| {
                                let v = a(f)?;
                                let base = f.vars.len();
                                f.vars.push(v);
                                call_in_frame(f, decl, index, base)
                            });
                        }
                        Box::new(move |f| {
                            // The arguments go on top of the caller's locals.
                            let base = f.vars.len();
                            for a in argv.iter() {
                                match a(f) {
                                    Ok(v) => f.vars.push(v),
                                    Err(e) => {
                                        f.vars.truncate(base);
                                        return Err(e);
                                    }
                                }
                            }
                            call_in_frame(f, decl, index, base)
                        })
                    }
                    _ => self.general_call(func, args, CArgs::Positional(argv)),
                }
            }
            // `xs.append(x)` on a string, list or dict held in a local.
            (ExprKind::Attr { obj, name }, CArgs::Positional(argv)) if matches!(&obj.kind, ExprKind::Name(_, s) if s.is_local()) =>
            {
                let ExprKind::Name(_, slot) = &obj.kind else {
                    return Box::new(move |f| f.expr(e));
                };
                let i = slot.as_local().unwrap_or(0);
                let method = name.name.as_str();
                // Another receiver: the walker finds the callee, as for any other call.
                let general = move |f: &mut Frame<'p>, argv: &[CExpr<'p>]| {
                    call_positional(f, func, args, argv)
                };
                // The commonest methods, resolved here: `xs.append(x)` and `d.get(k, default)`.
                match (method, argv.len()) {
                    ("append", 1) => {
                        return Box::new(move |f| {
                            if !matches!(local(f, i)?, Value::List(_)) {
                                return general(f, &argv);
                            }
                            let v = argv[0](f)?;
                            if let Value::List(l) = local(f, i)? {
                                ops::push(l, v).map_err(Ctrl::raise)?;
                            }
                            Ok(Value::None)
                        });
                    }
                    ("get", 1 | 2) => {
                        return Box::new(move |f| {
                            if !matches!(local(f, i)?, Value::Dict(_)) {
                                return general(f, &argv);
                            }
                            let k = argv[0](f)?;
                            let dflt = match argv.get(1) {
                                Some(e) => Some(e(f)?),
                                None => None,
                            };
                            let Value::Dict(d) = local(f, i)? else {
                                return general(f, &argv);
                            };
                            builtins::dict_get(d, &k, dflt.as_ref()).map_err(Ctrl::raise)
                        });
                    }
                    _ => {}
                }
                Box::new(move |f| {
                    if !matches!(
                        local(f, i)?,
                        Value::Str(_) | Value::List(_) | Value::Dict(_)
                    ) {
                        return general(f, &argv);
                    }
                    // The receiver is read in place once the arguments are evaluated: they
                    // cannot rebind a local of this frame.
                    let r = match &*argv {
                        [] => f.method_call(local(f, i)?, method, &[])?,
                        [a] => {
                            let a = a(f)?;
                            let args = std::slice::from_ref(&a);
                            f.method_call(local(f, i)?, method, args)?
                        }
                        [a, b] => {
                            let a = a(f)?;
                            let b = b(f)?;
                            f.method_call(local(f, i)?, method, &[a, b])?
                        }
                        _ => {
                            let mut v = Vec::with_capacity(argv.len());
                            for a in argv.iter() {
                                v.push(a(f)?);
                            }
                            f.method_call(local(f, i)?, method, &v)?
                        }
                    };
                    match r {
                        Some(r) => r.map_err(Ctrl::raise),
                        None => Err(raise(
                            ErrorType::TypeError,
                            format!("{} has no method {method}", local(f, i)?.type_name()),
                        )),
                    }
                })
            }
            (_, cargs) => self.general_call(func, args, cargs),
        }
    }

    /// Any other call: the walker finds the callee (tasks, `override`, `.aio`, builtins,
    /// callables in variables), the arguments are compiled.
    fn general_call(&self, func: &'p Expr, args: &'p [Arg], cargs: CArgs<'p>) -> CExpr<'p> {
        match cargs {
            CArgs::Positional(argv) => Box::new(move |f| call_positional(f, func, args, &argv)),
            CArgs::General(cargs) => Box::new(move |f| {
                let callee = f.callee(func)?;
                let (argv, kwargs) = eval_args(f, &cargs)?;
                let v = f.call_sync(callee, argv, kwargs)?;
                f.mark_gather_tuple(func, args, &v);
                Ok(v)
            }),
        }
    }
}
