//! Operator precedence: prefix and infix operators, their binding powers and associativity,
//! and the iterative shunting-yard reduction (no recursion, so long chains cannot overflow the
//! stack).

use super::Rule;
use crate::diagnostics::Span;
use crate::syntax::ast::*;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Prefix {
    Not,
    Neg,
    Await,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Infix {
    Or,
    And,
    Cmp(CmpOp),
    Bin(BinOp),
}

impl Infix {
    pub(super) fn of(rule: Rule) -> Infix {
        match rule {
            Rule::op_or => Infix::Or,
            Rule::op_and => Infix::And,
            Rule::op_eq => Infix::Cmp(CmpOp::Eq),
            Rule::op_ne => Infix::Cmp(CmpOp::Ne),
            Rule::op_lt => Infix::Cmp(CmpOp::Lt),
            Rule::op_le => Infix::Cmp(CmpOp::Le),
            Rule::op_gt => Infix::Cmp(CmpOp::Gt),
            Rule::op_ge => Infix::Cmp(CmpOp::Ge),
            Rule::op_in => Infix::Cmp(CmpOp::In),
            Rule::op_not_in => Infix::Cmp(CmpOp::NotIn),
            Rule::op_add => Infix::Bin(BinOp::Add),
            Rule::op_sub => Infix::Bin(BinOp::Sub),
            Rule::op_mul => Infix::Bin(BinOp::Mul),
            Rule::op_div => Infix::Bin(BinOp::Div),
            Rule::op_floordiv => Infix::Bin(BinOp::FloorDiv),
            Rule::op_mod => Infix::Bin(BinOp::Mod),
            Rule::op_pow => Infix::Bin(BinOp::Pow),
            r => unreachable!("not an infix operator: {r:?}"),
        }
    }

    /// Precedence, loosest 1 to tightest; prefix `not` is 3, unary `-` 7, `await` 9.
    pub(super) fn prec(self) -> u8 {
        match self {
            Infix::Or => 1,
            Infix::And => 2,
            Infix::Cmp(_) => 4,
            Infix::Bin(BinOp::Add | BinOp::Sub) => 5,
            Infix::Bin(BinOp::Pow) => 8,
            Infix::Bin(_) => 6,
        }
    }

    pub(super) fn right_assoc(self) -> bool {
        self == Infix::Bin(BinOp::Pow)
    }
}

#[derive(Clone, Copy, Debug)]
pub(super) enum Op {
    Prefix(Prefix, Span),
    Infix(Infix),
}

impl Op {
    pub(super) fn prec(&self) -> u8 {
        match self {
            Op::Prefix(Prefix::Not, _) => 3,
            Op::Prefix(Prefix::Neg, _) => 7,
            Op::Prefix(Prefix::Await, _) => 9,
            Op::Infix(i) => i.prec(),
        }
    }
}

/// `min_literals`: the spans of `9223372036854775808` literals (read as i64::MIN).
pub(super) fn apply_prefix(op: Prefix, at: Span, e: Expr, min_literals: &[Span]) -> Expr {
    let span = at.to(e.span);
    if op == Prefix::Neg && e.kind == ExprKind::Int(i64::MIN) && min_literals.contains(&e.span) {
        // `-9223372036854775808`: the literal was read as i64::MIN already. Only the literal
        // itself: `-(-9223372036854775808)` negates i64::MIN (an OverflowError).
        return Expr {
            kind: ExprKind::Int(i64::MIN),
            span,
        };
    }
    let kind = match op {
        Prefix::Not => ExprKind::Unary {
            op: UnaryOp::Not,
            operand: Box::new(e),
        },
        Prefix::Neg => ExprKind::Unary {
            op: UnaryOp::Neg,
            operand: Box::new(e),
        },
        Prefix::Await => ExprKind::Await(Box::new(e)),
    };
    Expr { kind, span }
}

/// Pops the operands of `op` from `out` and pushes the node it builds.
pub(super) fn reduce(out: &mut Vec<(Expr, bool)>, op: Op, min_literals: &[Span]) {
    match op {
        Op::Prefix(p, at) => {
            let (e, _) = out.pop().expect("a prefix operator has an operand");
            out.push((apply_prefix(p, at, e, min_literals), false));
        }
        Op::Infix(infix) => {
            let (rhs, _) = out.pop().expect("an infix operator has a right operand");
            let (lhs, open) = out.pop().expect("an infix operator has a left operand");
            let span = lhs.span.to(rhs.span);
            match infix {
                Infix::Cmp(c) => {
                    if open {
                        if let ExprKind::Compare { first, mut rest } = lhs.kind {
                            rest.push((c, rhs));
                            out.push((
                                Expr {
                                    kind: ExprKind::Compare { first, rest },
                                    span,
                                },
                                true,
                            ));
                            return;
                        }
                        unreachable!("an open chain is a Compare");
                    }
                    out.push((
                        Expr {
                            kind: ExprKind::Compare {
                                first: Box::new(lhs),
                                rest: vec![(c, rhs)],
                            },
                            span,
                        },
                        true,
                    ));
                }
                _ => {
                    let op = match infix {
                        Infix::Or => BinOp::Or,
                        Infix::And => BinOp::And,
                        Infix::Bin(b) => b,
                        Infix::Cmp(_) => unreachable!(),
                    };
                    out.push((
                        Expr {
                            kind: ExprKind::Binary {
                                op,
                                lhs: Box::new(lhs),
                                rhs: Box::new(rhs),
                            },
                            span,
                        },
                        false,
                    ));
                }
            }
        }
    }
}
