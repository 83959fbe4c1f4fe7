//! Expressions: literals, names, attributes, operators and comparisons, comprehensions,
//! `await`, f-strings; each returns its type.

use crate::check::builtins;
use crate::check::error::CheckError;
use crate::check::types::{self, assignable, Record, Type};
use crate::check::{Checker, Decl};
use crate::diagnostics::{suggest, Span};
use crate::syntax::ast::*;

impl<'m> Checker<'m> {
    pub(in crate::check) fn expr(&mut self, e: &Expr, expected: Option<&Type>) -> Type {
        let t = crate::stack::grow(|| self.expr_inner(e, expected));
        if self.opts.record_types {
            self.out.expr_types.insert(e.span, t.clone());
        }
        t
    }

    fn expr_inner(&mut self, e: &Expr, expected: Option<&Type>) -> Type {
        match &e.kind {
            ExprKind::Int(_) => Type::Int,
            ExprKind::Float(_) => Type::Float,
            ExprKind::Duration(_) => Type::Duration,
            ExprKind::Str(_) => Type::Str,
            ExprKind::Bool(_) => Type::Bool,
            ExprKind::None => Type::None,
            ExprKind::FString(parts) => {
                for p in parts {
                    if let FStringPart::Field { expr, .. } = p {
                        let t = self.expr(expr, None);
                        if let Type::Future(_) = t {
                            self.err(CheckError::MissingAwait {
                                at: expr.span,
                                expected: Type::Any,
                                found: t,
                            });
                        }
                    }
                }
                Type::Str
            }
            ExprKind::Name(n) => self.name(n, e.span),
            ExprKind::List(items) => {
                let want = match expected {
                    Some(Type::List(t)) => Some((**t).clone()),
                    _ => None,
                };
                let mut elem: Option<Type> = None;
                for i in items {
                    let t = self.expr(i, want.as_ref());
                    elem = Some(match (elem, want.as_ref()) {
                        (_, Some(w)) if assignable(&t, w) => w.clone(),
                        (None, _) => t,
                        (Some(prev), _) => self.join(prev, t, i.span),
                    });
                }
                Type::list(elem.or(want).unwrap_or(Type::Any))
            }
            ExprKind::Tuple(items) => {
                let want: Option<Vec<Type>> = match expected {
                    Some(Type::Tuple(ts)) if ts.len() == items.len() => Some(ts.clone()),
                    _ => None,
                };
                Type::Tuple(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, x)| self.expr(x, want.as_ref().map(|w| &w[i])))
                        .collect(),
                )
            }
            ExprKind::Dict(entries) => {
                let (wk, wv) = match expected {
                    Some(Type::Dict(k, v)) => (Some((**k).clone()), Some((**v).clone())),
                    _ => (None, None),
                };
                let (mut kt, mut vt): (Option<Type>, Option<Type>) = (None, None);
                for (k, v) in entries {
                    let a = self.expr(k, wk.as_ref());
                    let b = self.expr(v, wv.as_ref());
                    if !matches!(a, Type::Str | Type::Int | Type::Any) {
                        self.err(CheckError::Mismatch {
                            at: k.span,
                            expected: Type::Str,
                            found: a.clone(),
                            context: "a dict key",
                        });
                    }
                    kt = Some(match kt {
                        None => a,
                        Some(p) => self.join(p, a, k.span),
                    });
                    vt = Some(match (vt, wv.as_ref()) {
                        (_, Some(w)) if assignable(&b, w) => w.clone(),
                        (None, _) => b,
                        (Some(p), _) => self.join(p, b, v.span),
                    });
                }
                Type::Dict(
                    Box::new(kt.or(wk).unwrap_or(Type::Any)),
                    Box::new(vt.or(wv).unwrap_or(Type::Any)),
                )
            }
            ExprKind::ListComp { elt, clauses } => {
                self.scopes.push(Default::default());
                self.comp_clauses(clauses);
                let want = match expected {
                    Some(Type::List(t)) => Some((**t).clone()),
                    _ => None,
                };
                let t = self.expr(elt, want.as_ref());
                self.scopes.pop();
                match want {
                    Some(w) if assignable(&t, &w) => Type::list(w),
                    _ => Type::list(t),
                }
            }
            ExprKind::DictComp {
                key,
                value,
                clauses,
            } => {
                self.scopes.push(Default::default());
                self.comp_clauses(clauses);
                let (wk, wv) = match expected {
                    Some(Type::Dict(k, v)) => (Some((**k).clone()), Some((**v).clone())),
                    _ => (None, None),
                };
                let k = self.expr(key, wk.as_ref());
                let v = self.expr(value, wv.as_ref());
                self.scopes.pop();
                let k = match wk {
                    Some(w) if assignable(&k, &w) => w,
                    _ => k,
                };
                let v = match wv {
                    Some(w) if assignable(&v, &w) => w,
                    _ => v,
                };
                Type::Dict(Box::new(k), Box::new(v))
            }
            ExprKind::Unary { op, operand } => {
                // The operand is inferred once: twice per `not` is exponential in a chain.
                let t = if matches!(op, UnaryOp::Not) {
                    self.cond(operand);
                    Type::Bool
                } else {
                    self.expr(operand, None)
                };
                match op {
                    UnaryOp::Not => t,
                    UnaryOp::Neg => match t {
                        Type::Int | Type::Float | Type::Duration | Type::Any => t,
                        Type::Future(_) => {
                            self.err(CheckError::MissingAwait {
                                at: operand.span,
                                expected: Type::Float,
                                found: t,
                            });
                            Type::Any
                        }
                        _ => {
                            self.err(CheckError::BadOperands {
                                at: e.span,
                                op: "-",
                                left: t.clone(),
                                right: t,
                            });
                            Type::Any
                        }
                    },
                }
            }
            ExprKind::Binary { op, lhs, rhs } => match op {
                BinOp::And | BinOp::Or => {
                    self.cond(lhs);
                    self.cond(rhs);
                    Type::Bool
                }
                _ => {
                    let a = self.expr(lhs, None);
                    let b = self.expr(rhs, None);
                    self.binary_type(*op, &a, &b, e.span)
                }
            },
            ExprKind::Compare { first, rest } => {
                let mut left = self.expr(first, None);
                let mut left_span = first.span;
                for (op, right) in rest {
                    let r = self.expr(right, None);
                    self.compare(*op, &left, &r, left_span.to(right.span));
                    left = r;
                    left_span = right.span;
                }
                Type::Bool
            }
            ExprKind::IfElse {
                cond,
                then,
                otherwise,
            } => {
                self.cond(cond);
                let a = self.expr(then, expected);
                let b = self.expr(otherwise, expected);
                types::union(vec![a, b])
            }
            ExprKind::Await(inner) => {
                if !self.in_async {
                    self.err(CheckError::AwaitOutsideAsync { at: e.span });
                }
                let t = self.expr(inner, None);
                match t {
                    Type::Future(t) => *t,
                    Type::Any => Type::Any,
                    // `await sq(3)` of a sync task: E0212 said it (use `sq.aio(3)`).
                    other if self.blocking_call == Some(inner.span) => other,
                    other => {
                        self.err(CheckError::NotAwaitable {
                            at: inner.span,
                            ty: other,
                        });
                        Type::Any
                    }
                }
            }
            ExprKind::Call { func, args } => self.call(func, args, e.span, expected),
            ExprKind::Attr { obj, name } => {
                if let Some(q) = self.qualified(obj, name) {
                    return self.name(&q, e.span);
                }
                let t = self.expr(obj, None);
                self.attribute(&t, name, obj.span)
            }
            ExprKind::Index { obj, index } => {
                let t = self.expr(obj, None);
                let i = self.expr(index, None);
                match &t {
                    Type::List(el) => {
                        self.expect(&i, &Type::Int, index.span, "a list index");
                        (**el).clone()
                    }
                    Type::Str => {
                        self.expect(&i, &Type::Int, index.span, "a string index");
                        Type::Str
                    }
                    Type::Dict(k, v) => {
                        self.expect(&i, k, index.span, "this dict's key");
                        (**v).clone()
                    }
                    Type::Tuple(ts) => match &index.kind {
                        ExprKind::Int(n) => {
                            let idx = if *n < 0 { ts.len() as i64 + n } else { *n };
                            match ts.get(idx as usize) {
                                Some(t) if idx >= 0 => t.clone(),
                                _ => {
                                    self.err(CheckError::BadArguments {
                                        at: index.span,
                                        message: format!("tuple index {n} out of range for `{t}`"),
                                        help: None,
                                    });
                                    Type::Any
                                }
                            }
                        }
                        _ => types::union(ts.clone()),
                    },
                    Type::Any => Type::Any,
                    Type::Future(_) => {
                        self.err(CheckError::MissingAwait {
                            at: obj.span,
                            expected: Type::list(Type::Any),
                            found: t.clone(),
                        });
                        Type::Any
                    }
                    _ => {
                        self.err(CheckError::BadOperands {
                            at: e.span,
                            op: "[]",
                            left: t.clone(),
                            right: i,
                        });
                        Type::Any
                    }
                }
            }
            ExprKind::Slice {
                obj,
                start,
                stop,
                step,
            } => {
                let t = self.expr(obj, None);
                for part in [start, stop, step].into_iter().flatten() {
                    let pt = self.expr(part, None);
                    self.expect(&pt, &Type::optional(Type::Int), part.span, "a slice bound");
                }
                match t {
                    Type::List(_) | Type::Str | Type::Any => t,
                    Type::Tuple(ts) => Type::list(types::union(ts)),
                    other => {
                        self.err(CheckError::BadOperands {
                            at: e.span,
                            op: "[:]",
                            left: other.clone(),
                            right: Type::Int,
                        });
                        Type::Any
                    }
                }
            }
        }
    }

    fn comp_clauses(&mut self, clauses: &[CompClause]) {
        for c in clauses {
            let it = self.expr(&c.iter, None);
            let item = self.iter_item(&it, c.iter.span);
            let mut bound = Vec::new();
            self.bind_pattern_types(&c.pattern, &item, &mut bound);
            for (n, t) in bound {
                self.declare_local(&n, t);
            }
            for cond in &c.conds {
                self.cond(cond);
            }
        }
    }

    /// The type of two values that must share one (list items, dict values).
    pub(super) fn join(&mut self, a: Type, b: Type, _at: Span) -> Type {
        if assignable(&b, &a) {
            a
        } else if assignable(&a, &b) {
            b
        } else {
            types::union(vec![a, b])
        }
    }

    fn name(&mut self, n: &Name, at: Span) -> Type {
        if let Some(l) = self.lookup_local(n) {
            return l.ty.clone();
        }
        let qualified;
        let n = match self.qualify(n) {
            Some(q) => {
                qualified = q;
                &qualified
            }
            None => n,
        };
        match self.decls.get(n).copied() {
            Some(Decl::Env(..)) => return Type::Record(Record::Env),
            Some(Decl::Task(..)) => return Type::Task(n.clone()),
            Some(Decl::Fn(..)) => return Type::Fn(n.clone()),
            Some(Decl::Struct(..)) => return Type::Builtin(n.clone()),
            Some(Decl::Let(..)) => {
                self.resolve_let(n);
                return self.out.consts.get(n).cloned().unwrap_or(Type::Any);
            }
            None => {}
        }
        if self.opts.natives.iter().any(|f| f.name == *n) {
            return Type::Builtin(n.clone());
        }
        if self.opts.native_tasks.iter().any(|(_, f)| f.name == *n)
            && self.out.tasks.contains_key(n)
        {
            return Type::Task(n.clone());
        }
        if builtins::is_function(n)
            || builtins::CONSTRUCTORS.contains(&n.as_str())
            || types::is_error_type(n)
        {
            return Type::Builtin(n.clone());
        }
        if self.aliases.contains(n) {
            self.err(CheckError::NotConstant {
                at,
                what: "a module (use `ALIAS.NAME`); the module itself",
            });
            return Type::Any;
        }
        if matches!(
            n.as_str(),
            "int" | "float" | "bool" | "str" | "duration" | "list" | "dict"
        ) {
            // Conversion functions that are also type names.
            return Type::Builtin(n.clone());
        }
        let mut candidates: Vec<&str> = self
            .scopes
            .iter()
            .flat_map(|s| s.keys().map(|k| k.as_str()))
            .collect();
        candidates.extend(self.global_names());
        let suggestion = suggest::closest(n, candidates).map(str::to_string);
        self.err(CheckError::UnknownName {
            at,
            name: n.to_string(),
            suggestion,
        });
        Type::Any
    }

    pub(super) fn attribute(&mut self, t: &Type, name: &Ident, at: Span) -> Type {
        let n = name.name.as_str();
        let found = match t {
            // A field every member of a union has, with one type (`except (A, B) as e`).
            Type::Union(ts) if ts.iter().all(|m| matches!(m, Type::Error(_))) => match n {
                "message" | "code" => Some(Type::Str),
                "task" => Some(Type::optional(Type::Str)),
                _ => None,
            },
            Type::Any => Some(Type::Any),
            Type::Duration if n == "seconds" => Some(Type::Float),
            Type::Error(_) => match n {
                "message" | "code" => Some(Type::Str),
                "task" => Some(Type::optional(Type::Str)),
                _ => None,
            },
            Type::Struct(s) => self.out.structs.get(s).and_then(|st| {
                st.fields
                    .iter()
                    .find(|(f, _)| f == n)
                    .map(|(_, t)| t.clone())
            }),
            Type::Future(_) => {
                self.err(CheckError::MissingAwait {
                    at,
                    expected: Type::Any,
                    found: t.clone(),
                });
                return Type::Any;
            }
            _ => None,
        };
        match found {
            Some(t) => t,
            None => {
                let mut names: Vec<&str> = builtins::method_names(t).to_vec();
                if let Type::Struct(s) = t {
                    if let Some(st) = self.out.structs.get(s) {
                        names.extend(st.fields.iter().map(|(f, _)| f.as_str()));
                    }
                }
                let suggestion = suggest::closest(n, names).map(str::to_string);
                self.err(CheckError::NoAttribute {
                    at: name.span,
                    ty: t.clone(),
                    name: n.to_string(),
                    suggestion,
                });
                Type::Any
            }
        }
    }

    pub(in crate::check) fn binary_type(
        &mut self,
        op: BinOp,
        a: &Type,
        b: &Type,
        at: Span,
    ) -> Type {
        use Type::*;
        let sym = op.symbol();
        let num = |x: &Type| matches!(x, Int | Float);
        let r = match (op, a, b) {
            (_, Any, _) | (_, _, Any) => Some(Any),
            (BinOp::Div, x, y) if num(x) && num(y) => Some(Float),
            (_, Int, Int) => Some(Int),
            (_, x, y) if num(x) && num(y) => Some(Float),
            (BinOp::Add, Str, Str) => Some(Str),
            (BinOp::Mul, Str, Int) | (BinOp::Mul, Int, Str) => Some(Str),
            (BinOp::Mod, Str, _) => Some(Str),
            (BinOp::Add, List(x), List(y)) if x == y || **x == Any || **y == Any => {
                Some(if **x == Any { b.clone() } else { a.clone() })
            }
            (BinOp::Mul, List(_), Int) => Some(a.clone()),
            (BinOp::Add | BinOp::Sub | BinOp::Mod, Duration, Duration) => Some(Duration),
            (BinOp::Mul, Duration, x) | (BinOp::Mul, x, Duration) if num(x) => Some(Duration),
            (BinOp::Div, Duration, x) if num(x) => Some(Duration),
            (BinOp::Div | BinOp::FloorDiv, Duration, Duration) => {
                Some(if op == BinOp::Div { Float } else { Int })
            }
            _ => Option::None,
        };
        match r {
            Some(t) => t,
            Option::None => {
                // A future operand is a missing `await` (reported there); else the types clash.
                if self.operand_awaited(a, b, at) {
                    self.err(CheckError::BadOperands {
                        at,
                        op: sym,
                        left: a.clone(),
                        right: b.clone(),
                    });
                }
                Any
            }
        }
    }

    /// An operand that is a `Future` is a missing `await` (reported here): false then.
    fn operand_awaited(&mut self, a: &Type, b: &Type, at: Span) -> bool {
        let Some(found) = [a, b].into_iter().find(|t| matches!(t, Type::Future(_))) else {
            return true;
        };
        let expected = match found {
            Type::Future(inner) => (**inner).clone(),
            _ => Type::Any,
        };
        self.err(CheckError::MissingAwait {
            at,
            expected,
            found: found.clone(),
        });
        false
    }

    fn compare(&mut self, op: CmpOp, a: &Type, b: &Type, at: Span) {
        use Type::*;
        if !self.operand_awaited(a, b, at) {
            return;
        }
        let ok = match op {
            CmpOp::Eq | CmpOp::Ne => true,
            CmpOp::In | CmpOp::NotIn => match b {
                List(t) => assignable(a, t) || assignable(t, a),
                Dict(k, _) => assignable(a, k),
                Str => matches!(a, Str | Any),
                Tuple(_) | Any => true,
                _ => false,
            },
            _ => {
                let num = |x: &Type| matches!(x, Int | Float | Any);
                (num(a) && num(b))
                    || a == b && matches!(a, Str | Duration | List(_) | Tuple(_))
                    || matches!(a, Any)
                    || matches!(b, Any)
            }
        };
        if !ok {
            let sym = op.symbol();
            self.err(CheckError::BadOperands {
                at,
                op: sym,
                left: a.clone(),
                right: b.clone(),
            });
        }
    }
}
