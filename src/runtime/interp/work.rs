//! Work proportional to the size of values, counted as steps: a builtin, method or operator
//! over a big list or string (`sorted`, `join`, `+`, `in`, ...) costs one step per item (or
//! per 16 bytes of text) that it reads or builds, so the step limit bounds real work and the
//! limits (wall time, memory) are checked right after a big value is built.

use super::*;

/// Steps for work on `v`: its items, or its bytes / 16; 0 for a scalar.
#[inline]
pub(crate) fn size(v: &Value) -> u64 {
    match v {
        Value::Str(s) => (s.len() / 16) as u64,
        Value::List(l) => l.try_borrow().map_or(0, |l| l.len() as u64),
        Value::Tuple(t) => t.len() as u64,
        Value::Dict(d) => d.try_borrow().map_or(0, |d| d.len() as u64),
        _ => 0,
    }
}

/// Methods whose cost does not grow with their receiver (their result and arguments are
/// still counted).
const CHEAP_METHODS: &[&str] = &["append", "pop", "get", "setdefault", "insert", "clear"];

impl<'p> Frame<'p> {
    /// Counts `n` steps at once; past the next check, checks the limits.
    #[inline]
    pub(crate) fn charge(&self, n: u64) -> Res<()> {
        if n == 0 {
            return Ok(());
        }
        let s = self.sh.steps.get().saturating_add(n);
        self.sh.steps.set(s);
        if s < self.sh.next_check.get() {
            return Ok(());
        }
        self.step_check(s)
    }

    /// Counts the result of an operator: a list or string it built.
    #[inline]
    pub(crate) fn charge_result(&self, r: Res<Value>) -> Res<Value> {
        let v = r?;
        self.charge(size(&v))?;
        Ok(v)
    }

    /// Counts `x in container`, which scans a list, tuple or string.
    #[inline]
    pub(crate) fn charge_compare(&self, op: CmpOp, container: &Value) -> Res<()> {
        if matches!(op, CmpOp::In | CmpOp::NotIn) && !matches!(container, Value::Dict(_)) {
            self.charge(size(container))
        } else {
            Ok(())
        }
    }

    /// Counts a builtin call: its arguments and its result.
    pub(crate) fn charge_call(&self, args: &[Value], r: &Result<Value, Value>) -> Res<()> {
        let mut n: u64 = args.iter().map(size).sum();
        if let Ok(v) = r {
            n += size(v);
        }
        self.charge(n)
    }

    /// Counts a method call: its receiver (unless the method is cheap), arguments and result.
    pub(crate) fn charge_method(
        &self,
        recv: &Value,
        method: &str,
        args: &[Value],
        r: &Option<Result<Value, Value>>,
    ) -> Res<()> {
        let own = if CHEAP_METHODS.contains(&method) {
            0
        } else {
            size(recv)
        };
        match r {
            Some(r) => {
                self.charge_call(args, r)?;
                self.charge(own)
            }
            None => Ok(()),
        }
    }

    /// Calls method `name` of `recv` with positional arguments, counting its work.
    pub(crate) fn method_call(
        &self,
        recv: &Value,
        name: &str,
        args: &[Value],
    ) -> Res<Option<Result<Value, Value>>> {
        let r = builtins::method_kw(recv, name, args, &[]);
        self.charge_method(recv, name, args, &r)?;
        Ok(r)
    }
}
