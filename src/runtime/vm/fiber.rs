//! A body that may wait: the VM's [`Machine`] kept between polls, with the effects it waits
//! for (rune's `VmExecution`: a synchronous VM that halts, and a small driver that resumes it).
//!
//! The event loop polls an action's fiber when something it may wait for happened. The
//! driver steps the innermost effect under way ([`Waiting::step`]); when it is ready its value
//! goes to the register of the instruction that waited (or, for an inline await of a
//! `gather`, back to the effect below) and the VM goes on until the body ends or waits again.
//! Nothing here allocates per expression or per call: one fiber per running action.

use super::super::interp::{Ctrl, Frame, Res, Step, Waiting};
use super::super::value::Value;
use super::{exec, Halt, Machine, Resume};
use crate::ir::{FnCode, Reg};

/// One action attempt's body, between polls.
pub(crate) struct Fiber<'p> {
    pub(crate) f: Frame<'p>,
    m: Machine<'p>,
    /// Effects under way, innermost last, each with the register its value goes to (`None`:
    /// to the effect below it).
    waits: Vec<(Waiting, Option<Reg>)>,
    started: bool,
}

impl<'p> Fiber<'p> {
    /// A fiber at the start of body `code` with `args` as its parameters.
    pub(crate) fn new(f: Frame<'p>, code: &'p FnCode, args: Vec<Value>) -> Fiber<'p> {
        Fiber {
            f,
            m: Machine::new(code, args),
            waits: Vec::new(),
            started: false,
        }
    }

    /// Runs until the body ends (its outcome) or waits (`None`).
    pub(crate) fn poll(&mut self) -> Option<Res<Value>> {
        let mut resume = if self.started {
            None
        } else {
            self.started = true;
            Some(Resume::Run)
        };
        loop {
            let r = match resume.take() {
                Some(r) => r,
                None => match self.step()? {
                    Some(r) => r,
                    None => continue,
                },
            };
            let (f, m) = (&mut self.f, &mut self.m);
            match crate::stack::grow_wide(|| exec(f, m, r)) {
                Halt::Done(r) => return Some(r),
                Halt::Wait(w, dst) => self.waits.push((w, Some(dst))),
                Halt::Delivered(r) => self.feed(r),
            }
        }
    }

    /// Steps the innermost effect: `None` while it waits; `Some(None)` when it asked for
    /// more (a nested effect) or fed the effect below; `Some(Some(r))` when the VM goes on.
    fn step(&mut self) -> Option<Option<Resume>> {
        let Some((top, _)) = self.waits.last_mut() else {
            return Some(Some(Resume::Raise(super::slow::error(
                crate::diagnostics::ErrorType::RuntimeSystemError,
                "internal: a body resumed with nothing to wait for",
            ))));
        };
        match top.step(&mut self.f) {
            Step::Pending => None,
            Step::Ready(r) => {
                let (_, to) = self.waits.pop().expect("a wait");
                match to {
                    Some(dst) => Some(Some(match r {
                        Ok(v) => Resume::Value(dst, v),
                        Err(c) => Resume::Raise(c),
                    })),
                    None => {
                        self.feed(r);
                        Some(None)
                    }
                }
            }
            Step::Push(w) => {
                self.waits.push((w, None));
                Some(None)
            }
            Step::Call { func, args, fut } => {
                match self.m.enter(&mut self.f, func, args, 0, Some(fut), true) {
                    Ok(()) => Some(Some(Resume::Run)),
                    Err(c) => {
                        self.feed(Err(c));
                        Some(None)
                    }
                }
            }
        }
    }

    /// Gives the innermost effect the outcome of the inline await it asked for.
    fn feed(&mut self, r: Res<Value>) {
        match self.waits.last_mut() {
            Some((w, _)) => w.feed(r),
            None => drop::<Result<Value, Ctrl>>(r),
        }
    }
}
