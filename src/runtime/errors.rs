//! Run-time errors: their codes, how an error crosses a task boundary, and how an error is
//! shown to a person (the one place a run-time error becomes a [`Diagnostic`]).
//!
//! An error crossing a task boundary is carried as flyte-sdk 2.12.1 carries it: the child's
//! error is recorded as (kind, code) by `convert_from_native_to_error`, and the parent rebuilds
//! an exception from them with `convert_error_to_native` (the same for local and remote runs).

use super::trace::{Trace, TRACE_KEPT};
use crate::diagnostics::{Diagnostic, ErrorType, Label, Span};

/// flyte-dsl's own run-time pages: scheduling (`E06xx`) and the limits that stop a run
/// (`E07xx`). `flyte-dsl explain` has a page for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunCode {
    /// `E0601`: no node can hold the request.
    Unschedulable,
    /// `E0602`: no action can make progress.
    Deadlock,
    /// `E0701`: the run's steps.
    Steps,
    /// `E0702`: nested calls in one action.
    CallDepth,
    /// `E0703`: virtual time.
    VirtualTime,
    /// `E0704`: wall-clock time.
    WallTime,
    /// `E0705`: the host cancelled the run.
    Cancelled,
    /// `E0706`: actions not yet ended.
    LiveActions,
    /// `E0707`: memory held by the run's values.
    Memory,
}

impl RunCode {
    /// The code, as `explain` takes it.
    pub fn code(self) -> &'static str {
        match self {
            RunCode::Unschedulable => "E0601",
            RunCode::Deadlock => "E0602",
            RunCode::Steps => "E0701",
            RunCode::CallDepth => "E0702",
            RunCode::VirtualTime => "E0703",
            RunCode::WallTime => "E0704",
            RunCode::Cancelled => "E0705",
            RunCode::LiveActions => "E0706",
            RunCode::Memory => "E0707",
        }
    }

    /// The type of the error this code raises.
    pub fn error_type(self) -> ErrorType {
        match self {
            RunCode::Unschedulable => ErrorType::UnschedulableError,
            RunCode::Deadlock => ErrorType::DeadlockError,
            RunCode::Cancelled => ErrorType::CancelledError,
            _ => ErrorType::LimitExceededError,
        }
    }
}

/// An error's code, as flyte carries it (`e.code`, the JSON's `error.code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// An error raised by a script, a builtin or the platform: its type's name (a child's
    /// error keeps its own type's name as the code when the caller rebuilds it).
    Type(ErrorType),
    /// One of flyte-dsl's run-time pages.
    Run(RunCode),
    /// A host function failed (`RuntimeSystemError`).
    Host,
    /// flyte-sdk's code for `RuntimeDataValidationError`.
    DataValidation,
}

impl ErrorCode {
    /// The code as text.
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorCode::Type(t) => t.name(),
            ErrorCode::Run(c) => c.code(),
            ErrorCode::Host => "HostError",
            ErrorCode::DataValidation => "DataValidationError",
        }
    }
}

/// A code equals its text (`e.code == "E0701"`).
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error value: its type, message, flyte code and the FQN of the action that failed.
#[derive(Clone, Debug)]
pub struct ErrorValue {
    pub kind: ErrorType,
    pub message: String,
    /// flyte's error code; for a raised error, its type's name.
    pub code: ErrorCode,
    pub task: Option<String>,
    /// Where it went, innermost first: the statement that raised it, then the statement of each
    /// function or action it left (the call or the `await`). Not part of its value.
    pub trace: Trace,
}

/// Two errors are equal when their type, message, code and task are.
impl PartialEq for ErrorValue {
    fn eq(&self, other: &ErrorValue) -> bool {
        (&self.kind, &self.message, &self.code, &self.task)
            == (&other.kind, &other.message, &other.code, &other.task)
    }
}

impl ErrorValue {
    /// An error of type `kind`, whose code is the type's name.
    pub fn new(kind: ErrorType, message: impl Into<String>) -> ErrorValue {
        ErrorValue {
            kind,
            message: message.into(),
            code: ErrorCode::Type(kind),
            task: None,
            trace: Default::default(),
        }
    }

    /// The error of one of flyte-dsl's run-time pages (a limit, a deadlock, ...).
    pub fn run(code: RunCode, message: impl Into<String>) -> ErrorValue {
        ErrorValue {
            code: ErrorCode::Run(code),
            ..ErrorValue::new(code.error_type(), message)
        }
    }

    /// The same error, with another code.
    pub fn with_code(self, code: ErrorCode) -> ErrorValue {
        ErrorValue { code, ..self }
    }

    /// The same error, failed in action `task`.
    pub fn in_task(self, task: impl Into<String>) -> ErrorValue {
        ErrorValue {
            task: Some(task.into()),
            ..self
        }
    }

    /// The code a diagnostic shows, one `explain` takes: the run-time page, else the code
    /// when it names a type (a child's `ValueError`), else the error's type.
    pub fn shown_code(&self) -> &'static str {
        match self.code {
            ErrorCode::Type(t) => t.name(),
            ErrorCode::Run(c) => c.code(),
            ErrorCode::Host | ErrorCode::DataValidation => self.kind.name(),
        }
    }

    /// The error as a diagnostic: `[CODE] Error: TYPE: message`, and a label at each statement
    /// of its trace: where it was raised, then each call or `await` it came out of, with the
    /// action that ran it. A message's further lines (a deadlock's chain) are notes. An error
    /// with no trace points at `fallback` (the root task), when given.
    pub fn to_diagnostic_at(&self, fallback: Option<(Span, &str)>) -> Diagnostic {
        let mut lines = self.message.lines();
        let first = lines.next().unwrap_or_default();
        let rest: Vec<&str> = lines.map(str::trim_start).collect();
        let mut d = Diagnostic::error(self.shown_code(), format!("{}: {first}", self.kind));
        if !rest.is_empty() {
            d = d.with_note(rest.join("\n"));
        }
        let points = self.trace.points();
        for (i, p) in points.iter().enumerate() {
            let message = match i.checked_sub(1).map(|j| &points[j]) {
                // Raised by the platform for an action that ran no statement of it.
                None if self.task.as_deref().is_some_and(|t| t != &*p.task) => format!(
                    "{} called here, in {}",
                    self.task.as_deref().unwrap_or_default(),
                    p.task
                ),
                None => format!("raised here, in {}", p.task),
                Some(inner) if inner.task != p.task => {
                    format!("{} called here, in {}", inner.task, p.task)
                }
                Some(_) => format!("called here, in {}", p.task),
            };
            d.labels.push(Label {
                span: p.span,
                message,
                primary: i == 0,
            });
        }
        if points.is_empty() {
            let task = self.task.as_deref();
            if let Some((span, root)) = fallback {
                let message = match task {
                    Some(t) if t != root => format!("in {t}, during the run of {root}"),
                    _ => format!("during the run of {root}"),
                };
                d = d.with_label(span, message);
            } else if let Some(t) = task {
                d.message.push_str(&format!(" (in {t})"));
            }
        }
        if self.trace.omitted() > 0 {
            d.help = Some(format!(
                "{} more frames between the first {} and the last {} are not shown",
                self.trace.omitted(),
                TRACE_KEPT,
                self.trace.len().saturating_sub(TRACE_KEPT)
            ));
        }
        d
    }

    /// [`ErrorValue::to_diagnostic_at`] with no fallback place.
    pub fn to_diagnostic(&self) -> Diagnostic {
        self.to_diagnostic_at(None)
    }
}

impl super::RunOutcome {
    /// The run's error as a diagnostic (`None` when it succeeded); an error that ran no
    /// statement points at the run's task.
    pub fn error_diagnostic(&self) -> Option<Diagnostic> {
        let e = self.result.as_ref().err()?;
        Some(e.to_diagnostic_at(self.root.as_ref().map(|(s, f)| (*s, f.as_str()))))
    }
}

/// The error a caller receives when its child action failed with `e`: system and unknown
/// errors become `RuntimeSystemError` and `RuntimeUnknownError`; a user error (every other
/// one, `ValueError` and the like included, whose code is then the type's name) gets its own
/// class back only for the codes `convert_error_to_native` recognizes, and is a plain
/// `RuntimeUserError` with that code otherwise (`NonRecoverableError` and `CustomError`
/// included).
pub(crate) fn cross_boundary(e: ErrorValue, fqn: &str) -> ErrorValue {
    let task = e.task.clone().or_else(|| Some(fqn.to_string()));
    if e.kind.is_platform() {
        return ErrorValue { task, ..e };
    }
    let derives = |base: ErrorType| e.kind.derives(base);
    let (kind, code) = if derives(ErrorType::RuntimeSystemError) {
        (ErrorType::RuntimeSystemError, e.code)
    } else if derives(ErrorType::RuntimeUnknownError) {
        (ErrorType::RuntimeUnknownError, e.code)
    } else {
        let code = if !derives(ErrorType::BaseRuntimeError) {
            ErrorCode::Type(e.kind)
        } else if e.kind == ErrorType::RuntimeDataValidationError {
            // flyte-sdk's class sets this code itself.
            ErrorCode::DataValidation
        } else {
            e.code
        };
        (user_class(code), code)
    };
    // The child's trace goes on: the caller adds where it called or awaited.
    ErrorValue {
        kind,
        code,
        message: e.message,
        task,
        trace: e.trace,
    }
}

/// The class `convert_error_to_native` rebuilds a user error of this code as.
fn user_class(code: ErrorCode) -> ErrorType {
    use ErrorType::*;
    match code {
        ErrorCode::Type(
            t @ (MaxQueuedTimeExceededError
            | MaxRuntimeExceededError
            | DeadlineExceededError
            | TaskTimeoutError
            | OOMError
            | TaskInterruptedError
            | RetriesExhaustedError
            | RuntimeUnknownError
            | InvalidImageNameError
            | ImagePullBackOffError),
        ) => t,
        _ => RuntimeUserError,
    }
}

/// The run needed a virtual time past the largest the clock holds (`i64::MAX` nanoseconds,
/// about 292 years): times saturate there rather than wrap, and reaching it stops the run.
pub(crate) fn clock_overflow() -> ErrorValue {
    ErrorValue::run(
        RunCode::VirtualTime,
        "the run's virtual time passed the largest the simulator holds \
            (9223372036854775807 ns, about 292 years)",
    )
}
