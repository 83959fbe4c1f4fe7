//! The tree walker's expressions (bodies that never wait, global values, parameter
//! defaults): operators, containers, comprehensions, attributes, direct calls.

use super::*;

impl<'p> Frame<'p> {
    /// An expression that never waits.
    #[inline]
    pub(super) fn expr(&mut self, e: &'p Expr) -> Res<Value> {
        // Leaves first: they never recurse, so they need no stack check.
        match &e.kind {
            ExprKind::Name(n, slot) => self.name(n, *slot),
            ExprKind::Int(i) => Ok(Value::Int(*i)),
            _ => crate::stack::grow(|| self.expr_inner(e)),
        }
    }

    pub(super) fn expr_inner(&mut self, e: &'p Expr) -> Res<Value> {
        Ok(match &e.kind {
            ExprKind::Int(i) => Value::Int(*i),
            ExprKind::Float(f) => Value::Float(*f),
            ExprKind::Duration(d) => Value::Duration(*d),
            ExprKind::Str(s) => Value::str(s),
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::None => Value::None,
            ExprKind::Name(n, slot) => self.name(n, *slot)?,
            ExprKind::FString(parts) => {
                let mut out = String::new();
                for p in parts {
                    match p {
                        FStringPart::Text(t) => out.push_str(t),
                        FStringPart::Field { expr, spec } => {
                            let v = self.expr(expr)?;
                            self.format_field(&mut out, &v, spec.as_deref())?;
                        }
                    }
                }
                ops::check_len(Some(out.len())).map_err(Ctrl::raise)?;
                Value::str(&out)
            }
            ExprKind::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.expr(i)?);
                }
                Value::list(out)
            }
            ExprKind::Tuple(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.expr(i)?);
                }
                Value::tuple(out)
            }
            ExprKind::Dict(entries) => {
                let mut out = DictMap::with_capacity_and_hasher(entries.len(), Default::default());
                for (k, v) in entries {
                    let k = self.expr(k)?;
                    let v = self.expr(v)?;
                    out.insert(self.key(&k)?, v);
                }
                Value::dict(out)
            }
            ExprKind::ListComp { elt, clauses } => {
                let mut out = Vec::new();
                let r = self.comp(clauses, 0, &mut |f: &mut Self| {
                    let v = f.expr(elt)?;
                    out.push(v);
                    Ok(())
                });
                r?;
                Value::list(out)
            }
            ExprKind::DictComp {
                key,
                value,
                clauses,
            } => {
                let mut out = DictMap::default();
                let r = self.comp(clauses, 0, &mut |f: &mut Self| {
                    let k = f.expr(key)?;
                    let v = f.expr(value)?;
                    let k = f.key(&k)?;
                    out.insert(k, v);
                    Ok(())
                });
                r?;
                Value::dict(out)
            }
            ExprKind::Unary { op, operand } => {
                let v = self.expr(operand)?;
                self.unary(*op, v)?
            }
            ExprKind::Binary {
                op: BinOp::And,
                lhs,
                rhs,
            } => {
                let l = self.expr(lhs)?;
                if !self.truth(&l, lhs)? {
                    return Ok(Value::Bool(false));
                }
                let r = self.expr(rhs)?;
                Value::Bool(self.truth(&r, rhs)?)
            }
            ExprKind::Binary {
                op: BinOp::Or,
                lhs,
                rhs,
            } => {
                let l = self.expr(lhs)?;
                if self.truth(&l, lhs)? {
                    return Ok(Value::Bool(true));
                }
                let r = self.expr(rhs)?;
                Value::Bool(self.truth(&r, rhs)?)
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let l = self.expr(lhs)?;
                let r = self.expr(rhs)?;
                self.charge_result(ops::binary(*op, &l, &r).map_err(Ctrl::raise))?
            }
            ExprKind::Compare { first, rest } => {
                let mut left = self.expr(first)?;
                for (op, right) in rest {
                    let r = self.expr(right)?;
                    self.charge_compare(*op, &r)?;
                    if !ops::compare(*op, &left, &r).map_err(Ctrl::raise)? {
                        return Ok(Value::Bool(false));
                    }
                    left = r;
                }
                Value::Bool(true)
            }
            ExprKind::IfElse {
                cond,
                then,
                otherwise,
            } => {
                if self.cond(cond)? {
                    self.expr(then)?
                } else {
                    self.expr(otherwise)?
                }
            }
            ExprKind::Await(_) => {
                return Err(raise(
                    ErrorType::RuntimeSystemError,
                    "internal: await evaluated synchronously",
                ))
            }
            ExprKind::Call { func, args } => {
                if let Some(v) = self.direct_call(func, args)? {
                    return Ok(v);
                }
                let (callee, argv, kwargs) = self.call_parts(func, args)?;
                let v = self.call_sync(callee, argv, kwargs)?;
                self.mark_gather_tuple(func, args, &v);
                v
            }
            ExprKind::Attr { obj, name } => {
                if let Some(q) = self.qualified(obj, name) {
                    return self.global(&q);
                }
                let o = self.expr(obj)?;
                self.attr(&o, &name.name)?
            }
            ExprKind::Index { obj, index } => {
                let o = self.expr(obj)?;
                let i = self.expr(index)?;
                ops::index(&o, &i).map_err(Ctrl::raise)?
            }
            ExprKind::Slice {
                obj,
                start,
                stop,
                step,
            } => {
                let o = self.expr(obj)?;
                let mut bound = |b: &'p Option<Box<Expr>>| -> Res<Option<i64>> {
                    match b {
                        None => Ok(None),
                        Some(e) => match self.expr(e)? {
                            Value::Int(i) => Ok(Some(i)),
                            Value::None => Ok(None),
                            other => Err(raise(
                                ErrorType::TypeError,
                                format!("slice indices must be int, not {}", other.type_name()),
                            )),
                        },
                    }
                };
                let (a, b, c) = (bound(start)?, bound(stop)?, bound(step)?);
                ops::slice(&o, a, b, c).map_err(Ctrl::raise)?
            }
        })
    }

    /// The common call `f(a, b)` of a plain function by name with all its arguments
    /// positional: its arguments go straight into the callee's frame. `None`: another call.
    #[inline]
    pub(super) fn direct_call(&mut self, func: &'p Expr, args: &'p [Arg]) -> Res<Option<Value>> {
        if let ExprKind::Attr { obj, name } = &func.kind {
            return self.direct_method_call(obj, name, args);
        }
        let ExprKind::Name(n, slot) = &func.kind else {
            return Ok(None);
        };
        let Some(id) = slot.as_global() else {
            return Ok(None);
        };
        let cached = self.sh.fn_decls.borrow()[id];
        let (decl, index) = match cached {
            Some(d) => d,
            None => {
                let Value::Callable(c) = self.name(n, *slot)? else {
                    return Ok(None);
                };
                let Callable::Fn(_, index) = &*c else {
                    return Ok(None);
                };
                let decl = self.prog().fn_at(*index).expect("checked function");
                self.sh.fn_decls.borrow_mut()[id] = Some((decl, *index));
                (decl, *index)
            }
        };
        if decl.is_async
            || args.len() != decl.params.len()
            || args.iter().any(|a| a.kind != ArgKind::Positional)
        {
            return Ok(None);
        }
        let mut vars = self.sh.frame_pool.borrow_mut().pop().unwrap_or_default();
        vars.reserve(decl.frame_size as usize);
        for a in args {
            vars.push(self.expr(&a.value)?);
        }
        self.call_fn(decl, index, vars).map(Some)
    }

    /// The common method call `xs.append(x)` on a string, list or dict held in a local (or a
    /// string literal), with positional arguments: no bound-method value is built. `None`:
    /// another call (the receiver, having no side effects, is evaluated again).
    pub(super) fn direct_method_call(
        &mut self,
        obj: &'p Expr,
        name: &'p Ident,
        args: &'p [Arg],
    ) -> Res<Option<Value>> {
        let recv = match &obj.kind {
            ExprKind::Name(n, slot) if slot.is_local() => self.name(n, *slot)?,
            ExprKind::Str(s) => Value::str(s),
            _ => return Ok(None),
        };
        if !matches!(recv, Value::Str(_) | Value::List(_) | Value::Dict(_))
            || args.iter().any(|a| a.kind != ArgKind::Positional)
        {
            return Ok(None);
        }
        let r = match args {
            [] => self.method_call(&recv, &name.name, &[])?,
            [a] => {
                let a = self.expr(&a.value)?;
                self.method_call(&recv, &name.name, std::slice::from_ref(&a))?
            }
            [a, b] => {
                let a = self.expr(&a.value)?;
                let b = self.expr(&b.value)?;
                self.method_call(&recv, &name.name, &[a, b])?
            }
            _ => {
                let mut argv = Vec::with_capacity(args.len());
                for a in args {
                    argv.push(self.expr(&a.value)?);
                }
                self.method_call(&recv, &name.name, &argv)?
            }
        };
        match r {
            Some(r) => r.map(Some).map_err(Ctrl::raise),
            None => Err(raise(
                ErrorType::TypeError,
                format!("{} has no method {}", recv.type_name(), name.name),
            )),
        }
    }

    /// `gather(a, b)` with explicit arguments gives a tuple; `gather(*xs)` a list.
    pub(super) fn mark_gather_tuple(&self, func: &Expr, args: &[Arg], v: &Value) {
        if let (ExprKind::Name(n, slot), Value::Future(id)) = (&func.kind, v) {
            if n == "gather" && !slot.is_local() && args.iter().all(|a| a.kind != ArgKind::Spread) {
                if let Fut::Gather { tuple, .. } = &mut self.sh.futs.borrow_mut()[*id as usize] {
                    *tuple = true;
                }
            }
        }
    }

    pub(super) fn qualified(&self, obj: &Expr, name: &Ident) -> Option<Name> {
        qualified(self.prog(), obj, name)
    }

    pub(crate) fn key(&self, v: &Value) -> Res<Key> {
        v.to_key().ok_or_else(|| {
            raise(
                ErrorType::TypeError,
                format!("a dict key must be str or int, not {}", v.type_name()),
            )
        })
    }

    pub(crate) fn unary(&self, op: UnaryOp, v: Value) -> Res<Value> {
        match op {
            UnaryOp::Not => Ok(Value::Bool(!ops::truthy(&v))),
            UnaryOp::Neg => ops::negate(&v).map_err(Ctrl::raise),
        }
    }

    pub(crate) fn format_field(&self, out: &mut String, v: &Value, spec: Option<&str>) -> Res<()> {
        match spec {
            None | Some("") => v.write_display(out),
            Some(spec) => out.push_str(&builtins::format_spec(v, spec).map_err(Ctrl::raise)?),
        }
        Ok(())
    }

    /// Runs the comprehension clauses from `i` on, calling `body` for each binding.
    pub(super) fn comp(
        &mut self,
        clauses: &'p [CompClause],
        i: usize,
        body: &mut dyn FnMut(&mut Self) -> Res<()>,
    ) -> Res<()> {
        let Some(c) = clauses.get(i) else {
            return body(self);
        };
        let items = ops::iterate_owned(self.expr(&c.iter)?).map_err(Ctrl::raise)?;
        for item in items {
            self.bind(&c.pattern, item)?;
            let mut keep = true;
            for cond in &c.conds {
                if !self.cond(cond)? {
                    keep = false;
                    break;
                }
            }
            if keep {
                self.comp(clauses, i + 1, body)?;
            }
        }
        Ok(())
    }

    pub(crate) fn attr(&mut self, o: &Value, name: &Name) -> Res<Value> {
        let n = name.as_str();
        Ok(match o {
            Value::Duration(d) if n == "seconds" => Value::Float(*d as f64 / 1e9),
            Value::Error(e) => match n {
                "message" => Value::str(&e.message),
                "code" => Value::str(e.code.as_str()),
                "task" => e.task.as_deref().map_or(Value::None, Value::str),
                _ => {
                    return Err(raise(
                        ErrorType::TypeError,
                        format!("{} has no field {n}", e.kind),
                    ))
                }
            },
            Value::Struct(s) => match s.borrow().fields.iter().find(|(f, _)| f == n) {
                Some((_, v)) => v.clone(),
                None => return Err(raise(ErrorType::TypeError, format!("no field {n}"))),
            },
            other => Value::Callable(Rc::new(Callable::Method(
                Box::new(other.clone()),
                name.clone(),
            ))),
        })
    }
}
