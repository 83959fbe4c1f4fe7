//! Deep recursion without stack overflow: recursive phases (checker, interpreter) call
//! [`grow`] at each level, which moves to a fresh stack segment when little is left. Together
//! with the parser's depth limits this keeps every phase safe on any thread's stack.

/// Runs `f`, first growing the stack if less than 512 KiB remain: for recursion that checks
/// only every few levels (an entry into the VM, see `runtime::vm`).
#[inline]
pub(crate) fn grow_wide<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(512 * 1024, 4 << 20, f)
}

/// Runs `f`, first growing the stack if less than 128 KiB remain.
#[inline]
pub(crate) fn grow<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(128 * 1024, 4 << 20, f)
}
