//! The run's limits as the body goes: steps (every statement counts one, the others are
//! checked every 1,024), call depth, wall time, memory and cancellation.

use super::*;

impl<'p> Frame<'p> {
    /// Every 1,024 steps, and at the step limit: the limits.
    #[cold]
    #[inline(never)]
    pub(crate) fn step_check(&self, n: u64) -> Res<()> {
        let next = (n / 1024 + 1) * 1024;
        self.sh.next_check.set(
            next.min(
                self.sh
                    .limits
                    .max_steps
                    .map_or(u64::MAX, |m| m.saturating_add(1)),
            ),
        );
        if let Some(max) = self.sh.limits.max_steps {
            if n > max {
                return Err(self.limit(
                    RunCode::Steps,
                    format!("the run passed its limit of {max} steps"),
                ));
            }
        }
        {
            if let Some(e) = outside_limits(&self.sh) {
                *self.sh.limit_error.borrow_mut() = Some(e.clone());
                return Err(Ctrl::Kill(Box::new(e)));
            }
        }
        Ok(())
    }

    /// Stops the run at a limit: a `LimitExceededError` with the limit's own code.
    pub(super) fn limit(&self, code: RunCode, msg: String) -> Ctrl {
        let e = ErrorValue::run(code, msg);
        *self.sh.limit_error.borrow_mut() = Some(e.clone());
        Ctrl::Kill(Box::new(e))
    }

    /// The call-depth limit's error.
    #[cold]
    pub(crate) fn depth_error(&self) -> Ctrl {
        self.limit(
            RunCode::CallDepth,
            format!(
                "call depth passed its limit of {}",
                self.sh.limits.max_call_depth
            ),
        )
    }
}

/// The wall-time limit and cancellation, checked every so many steps and events.
pub(super) fn outside_limits(sh: &Shared<'_>) -> Option<ErrorValue> {
    let err = |_kind: ErrorType, code: RunCode, msg: String| ErrorValue::run(code, msg);
    if sh.cancel.load(std::sync::atomic::Ordering::Relaxed) {
        return Some(err(
            ErrorType::CancelledError,
            RunCode::Cancelled,
            "the run was cancelled by its host".into(),
        ));
    }
    if let Some(max) = sh.limits.max_memory {
        let held = memory::live().saturating_sub(sh.memory_base);
        if held > i64::try_from(max).unwrap_or(i64::MAX) {
            return Some(err(
                ErrorType::LimitExceededError,
                RunCode::Memory,
                format!(
                    "the run holds {:.1} MiB of memory, past its limit of {:.1} MiB",
                    held as f64 / 1048576.0,
                    max as f64 / 1048576.0
                ),
            ));
        }
    }
    if let Some(max) = sh.limits.max_wall_time {
        if sh.started.elapsed() > max {
            return Some(err(
                ErrorType::LimitExceededError,
                RunCode::WallTime,
                format!("the run passed its wall-time limit of {max:?}"),
            ));
        }
    }
    None
}
