//! The error types of the language: one closed hierarchy, read by the checker (which names
//! may follow `raise`, `except` and `isinstance`), by the runtime (the type of each error
//! value) and by `flyte-dsl explain TYPE`.
//!
//! flyte-sdk's classes (`flyte.errors`) keep flyte-sdk's names and parents; the rest are
//! Python's built-in exceptions and flyte-dsl's own errors for the simulated platform and the
//! run's limits.

/// One error type. Each variant's meaning is its [`ErrorType::about`] text (the table below).
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorType {
    Error,
    BaseRuntimeError,
    RuntimeSystemError,
    RuntimeUserError,
    RuntimeUnknownError,
    InitializationError,
    OOMError,
    TaskTimeoutError,
    MaxRuntimeExceededError,
    MaxQueuedTimeExceededError,
    DeadlineExceededError,
    RetriesExhaustedError,
    TaskInterruptedError,
    NonRecoverableError,
    ImagePullBackOffError,
    InvalidImageNameError,
    RuntimeDataValidationError,
    ActionAbortedError,
    CustomError,
    DeadlockError,
    UnschedulableError,
    PreemptedError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    ZeroDivisionError,
    OverflowError,
    LimitExceededError,
    CancelledError,
}

use ErrorType::*;

/// Each type with its parent and what it means, in the order `explain` lists them.
const TABLE: &[(ErrorType, &str, Option<ErrorType>, &str)] = &[
    (
        Error,
        "Error",
        None,
        "The base of every error type: `except Error` catches them all.",
    ),
    (
        BaseRuntimeError,
        "BaseRuntimeError",
        Some(Error),
        "The base of flyte-sdk's run-time errors (`flyte.errors.BaseRuntimeError`). Each has a \
        `code` (flyte's error code), a `message` and the `task` it came from.",
    ),
    (
        RuntimeSystemError,
        "RuntimeSystemError",
        Some(BaseRuntimeError),
        "A failure of the platform rather than of the task's code. The platform retries an \
        attempt that fails with a system error up to the cluster's `system_retries` \
        (default 3), without using up the task's `retries`.",
    ),
    (
        RuntimeUserError,
        "RuntimeUserError",
        Some(BaseRuntimeError),
        "A failure in the task's own code. A caller receives a child's error as this type \
        (as flyte-sdk's `convert_error_to_native` rebuilds it) unless it is one of the flyte \
        classes flyte-sdk rebuilds; `e.code` then names the original type, e.g. `ValueError`.",
    ),
    (
        RuntimeUnknownError,
        "RuntimeUnknownError",
        Some(BaseRuntimeError),
        "An error whose origin (user or system) flyte cannot tell.",
    ),
    (
        InitializationError,
        "InitializationError",
        Some(BaseRuntimeError),
        "The task's environment could not be initialized.",
    ),
    (
        OOMError,
        "OOMError",
        Some(RuntimeUserError),
        "The attempt held more memory than its `memory` resource allows (through `memory(...)` \
        in the simulation), and was killed. Retried like any user error.",
    ),
    (
        TaskTimeoutError,
        "TaskTimeoutError",
        Some(RuntimeUserError),
        "The base of the timeouts: an attempt ran past its `timeout`. `except TaskTimeoutError` \
        catches the three kinds below.",
    ),
    (
        MaxRuntimeExceededError,
        "MaxRuntimeExceededError",
        Some(TaskTimeoutError),
        "An attempt ran longer than `timeout` (or `Timeout(max_runtime = ...)`).",
    ),
    (
        MaxQueuedTimeExceededError,
        "MaxQueuedTimeExceededError",
        Some(TaskTimeoutError),
        "An attempt waited in the queue longer than `Timeout(max_queued_time = ...)`.",
    ),
    (
        DeadlineExceededError,
        "DeadlineExceededError",
        Some(TaskTimeoutError),
        "The action as a whole, over all its attempts, passed `Timeout(deadline = ...)`.",
    ),
    (
        RetriesExhaustedError,
        "RetriesExhaustedError",
        Some(RuntimeUserError),
        "Every attempt the task's `retries` allow has failed.",
    ),
    (
        TaskInterruptedError,
        "TaskInterruptedError",
        Some(RuntimeUserError),
        "The attempt was interrupted before it finished.",
    ),
    (
        NonRecoverableError,
        "NonRecoverableError",
        Some(RuntimeUserError),
        "Raise it to fail at once: it is never retried, whatever the task's `retries`.",
    ),
    (
        ImagePullBackOffError,
        "ImagePullBackOffError",
        Some(RuntimeUserError),
        "The task's container image could not be pulled.",
    ),
    (
        InvalidImageNameError,
        "InvalidImageNameError",
        Some(RuntimeUserError),
        "The task's container image name is not a valid image reference.",
    ),
    (
        RuntimeDataValidationError,
        "RuntimeDataValidationError",
        Some(RuntimeUserError),
        "An input or output did not match the type the task declares (code \
        `DataValidationError`).",
    ),
    (
        ActionAbortedError,
        "ActionAbortedError",
        Some(RuntimeUserError),
        "The action was aborted: its parent stopped waiting for it (another future of the \
        same `gather` failed) or the run ended first.",
    ),
    (
        CustomError,
        "CustomError",
        Some(RuntimeUserError),
        "A user error with a code of the user's choosing (`flyte.errors.CustomError`).",
    ),
    (
        DeadlockError,
        "DeadlockError",
        Some(RuntimeSystemError),
        "flyte-dsl's own: no action can make progress, so the run can never end (E0602). The \
        message lists the chain of waits.",
    ),
    (
        UnschedulableError,
        "UnschedulableError",
        Some(RuntimeSystemError),
        "flyte-dsl's own: no node of the cluster can hold the action's request (E0601).",
    ),
    (
        PreemptedError,
        "PreemptedError",
        Some(RuntimeSystemError),
        "flyte-dsl's own: the spot node running the attempt was reclaimed. Retried by the \
        platform as a system error.",
    ),
    (
        ValueError,
        "ValueError",
        Some(Error),
        "As in Python: a value of the right type but not acceptable (`int(\"x\")`, an invalid \
        override computed at run time).",
    ),
    (
        TypeError,
        "TypeError",
        Some(Error),
        "As in Python: an operation on a value of the wrong type.",
    ),
    (
        KeyError,
        "KeyError",
        Some(Error),
        "As in Python: a dict has no such key.",
    ),
    (
        IndexError,
        "IndexError",
        Some(Error),
        "As in Python: an index outside a list, tuple or string.",
    ),
    (
        ZeroDivisionError,
        "ZeroDivisionError",
        Some(Error),
        "As in Python: division or modulo by zero.",
    ),
    (
        OverflowError,
        "OverflowError",
        Some(Error),
        "An integer left the 64-bit range, a float could not be converted, or a value passed \
        the largest size one value may have (2^24 items or bytes).",
    ),
    (
        LimitExceededError,
        "LimitExceededError",
        Some(Error),
        "flyte-dsl's own: the run passed one of its limits: steps (E0701), call depth (E0702), \
        virtual time (E0703), wall-clock time (E0704), live actions (E0706) or memory (E0707). \
        A script cannot catch it.",
    ),
    (
        CancelledError,
        "CancelledError",
        Some(Error),
        "The run was cancelled by its host (E0705).",
    ),
];

impl ErrorType {
    /// Every type, parents before children.
    pub fn all() -> impl Iterator<Item = ErrorType> {
        TABLE.iter().map(|row| row.0)
    }

    fn row(self) -> &'static (ErrorType, &'static str, Option<ErrorType>, &'static str) {
        // The table lists the variants in declaration order.
        &TABLE[self as usize]
    }

    /// The type's name, as scripts write it.
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// The type's name (as [`ErrorType::name`]).
    pub fn as_str(&self) -> &'static str {
        self.name()
    }

    /// The type it derives from (`None` for `Error`).
    pub fn parent(self) -> Option<ErrorType> {
        self.row().2
    }

    /// What the type means, for `explain`.
    pub fn about(self) -> &'static str {
        self.row().3
    }

    /// The type named `name`, if there is one.
    pub fn from_name(name: &str) -> Option<ErrorType> {
        TABLE.iter().find(|row| row.1 == name).map(|row| row.0)
    }

    /// Whether this type is `sup` or derives from it.
    pub fn derives(self, sup: ErrorType) -> bool {
        let mut cur = Some(self);
        while let Some(c) = cur {
            if c == sup {
                return true;
            }
            cur = c.parent();
        }
        false
    }

    /// Whether it is one of flyte-sdk's classes (under `BaseRuntimeError`) rather than one of
    /// Python's or flyte-dsl's own.
    pub fn is_flyte(self) -> bool {
        self.derives(BaseRuntimeError) && !self.is_platform()
    }

    /// flyte-dsl's own errors, made by the simulated platform or the run's limits: they reach
    /// a caller as they are (flyte-sdk has no such classes).
    pub fn is_platform(self) -> bool {
        matches!(
            self,
            DeadlockError
                | UnschedulableError
                | PreemptedError
                | LimitExceededError
                | CancelledError
        )
    }
}

/// A type equals its name (`e.kind == "ValueError"`).
impl PartialEq<&str> for ErrorType {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

impl std::fmt::Display for ErrorType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_every_variant_in_order() {
        for (i, row) in TABLE.iter().enumerate() {
            assert_eq!(row.0 as usize, i, "{}", row.1);
            assert_eq!(format!("{:?}", row.0), row.1);
            assert_eq!(ErrorType::from_name(row.1), Some(row.0));
            // Parents come first, so `all()` is a topological order.
            if let Some(p) = row.2 {
                assert!((p as usize) < i, "{}", row.1);
            }
        }
        assert_eq!(TABLE.len(), CancelledError as usize + 1);
    }

    #[test]
    fn derives_follows_the_parents() {
        assert!(MaxRuntimeExceededError.derives(TaskTimeoutError));
        assert!(MaxRuntimeExceededError.derives(RuntimeUserError));
        assert!(MaxRuntimeExceededError.derives(Error));
        assert!(!ValueError.derives(BaseRuntimeError));
        assert!(DeadlockError.derives(RuntimeSystemError));
        assert!(!RuntimeUserError.derives(OOMError));
    }
}
