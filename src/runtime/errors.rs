//! An error crossing a task boundary, as flyte-sdk 2.12.1 carries it: the child's error is
//! recorded as (kind, code) by `convert_from_native_to_error`, and the parent rebuilds an
//! exception from them with `convert_error_to_native` (the same for local and remote runs).

use super::value::ErrorValue;
use crate::check::types;
use crate::syntax::ast::Name;

/// flyte-dsl's own errors, made by the simulated platform or the run's limits: they reach the
/// caller as they are (flyte-sdk has no such classes).
const PLATFORM: &[&str] = &[
    "DeadlockError",
    "UnschedulableError",
    "PreemptedError",
    "LimitExceededError",
    "CancelledError",
];

/// The error a caller receives when its child action failed with `e`: system and unknown
/// errors become `RuntimeSystemError` and `RuntimeUnknownError`; a user error (every other
/// one, `ValueError` and the like included, whose code is then the type's name) gets its own
/// class back only for the codes `convert_error_to_native` recognizes, and is a plain
/// `RuntimeUserError` with that code otherwise (`NonRecoverableError` and `CustomError`
/// included).
pub(crate) fn cross_boundary(e: ErrorValue, fqn: &str) -> ErrorValue {
    let task = e.task.clone().or_else(|| Some(fqn.to_string()));
    if PLATFORM.contains(&e.kind.as_str()) {
        return ErrorValue { task, ..e };
    }
    let derives = |base: &str| types::error_derives(&e.kind, base);
    let (kind, code) = if derives("RuntimeSystemError") {
        ("RuntimeSystemError", e.code.clone())
    } else if derives("RuntimeUnknownError") {
        ("RuntimeUnknownError", e.code.clone())
    } else {
        let code = if !derives("BaseRuntimeError") {
            e.kind.to_string()
        } else if e.kind.as_str() == "RuntimeDataValidationError" {
            // flyte-sdk's class sets this code itself.
            "DataValidationError".to_string()
        } else {
            e.code.clone()
        };
        (user_class(&code), code)
    };
    // The child's trace goes on: the caller adds where it called or awaited.
    ErrorValue {
        kind: Name::new(kind),
        code,
        message: e.message,
        task,
        trace: e.trace,
    }
}

/// The class `convert_error_to_native` rebuilds a user error of this code as.
fn user_class(code: &str) -> &'static str {
    match code {
        "QUEUED_TIMEOUT_EXCEEDED" | "MaxQueuedTimeExceededError" => "MaxQueuedTimeExceededError",
        "MAX_RUNTIME_EXCEEDED" | "MaxRuntimeExceededError" => "MaxRuntimeExceededError",
        "DEADLINE_EXCEEDED" | "DeadlineExceededError" => "DeadlineExceededError",
        "TaskTimeoutError" => "TaskTimeoutError",
        c if c.to_uppercase().contains("OOM") => "OOMError",
        c if c.contains("Interrupted") => "TaskInterruptedError",
        c if c.contains("RetriesExhausted") => "RetriesExhaustedError",
        c if c.contains("Unknown") => "RuntimeUnknownError",
        c if c.contains("InvalidImageName") => "InvalidImageNameError",
        c if c.contains("ImagePullBackOff") => "ImagePullBackOffError",
        _ => "RuntimeUserError",
    }
}

/// The run needed a virtual time past the largest the clock holds (`i64::MAX` nanoseconds,
/// about 292 years): times saturate there rather than wrap, and reaching it stops the run.
pub(crate) fn clock_overflow() -> ErrorValue {
    ErrorValue {
        kind: Name::new("LimitExceededError"),
        message: "the run's virtual time passed the largest the simulator holds \
            (9223372036854775807 ns, about 292 years) (E0703)"
            .into(),
        code: "E0703".into(),
        task: None,
        trace: Default::default(),
    }
}
