//! Diagnostics: the one type every phase reports problems with.
//!
//! Each phase (syntax, check, run) keeps its own error enum with one exhaustive `details()`
//! that turns a variant into a [`Diagnostic`]: a stable code (`E0102`), a severity, a one-line
//! message, labelled [`Span`]s and an optional help line. Rendering with ariadne happens in
//! exactly one place ([`fn@render`]); the JSON of `check --json` is built from the same struct
//! ([`Diagnostic::to_json`]). The catalogue of codes, with the pages `flyte-dsl explain` prints,
//! lives in [`codes`].
//!
//! ```
//! use flyte_dsl::diagnostics::{Diagnostic, SourceMap, Span};
//! let mut map = SourceMap::new();
//! let file = map.add("a.flyte", "let x = (1\n");
//! let d = Diagnostic::error("E0102", "unclosed `(`")
//!     .with_label(Span::new(file, 11, 11), "parsing stopped here")
//!     .with_secondary(Span::new(file, 8, 9), "this `(` is never closed");
//! let text = flyte_dsl::diagnostics::render(&d, &map, false);
//! assert!(text.contains("E0102"));
//! ```

pub mod codes;
mod error_types;
mod excerpt;
mod formats;
mod render;
mod source;
pub(crate) mod suggest;

pub use error_types::ErrorType;
pub use formats::{to_github, to_sarif};
pub use render::{render, render_all};
pub use source::{FileId, SourceFile, SourceMap, Span};

use serde::Serialize;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The program cannot run.
    Error,
    /// The program runs, but probably not as meant.
    Warning,
}

/// A labelled span. The first primary label is where the diagnostic points.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What the label says.
    pub message: String,
    /// Whether this is where the diagnostic points (else a related place).
    pub primary: bool,
}

/// A problem found in a program, at any phase.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// The stable code (`E0102`); `flyte-dsl explain CODE` prints its page.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// What the label says.
    pub message: String,
    /// Labelled spans; the first primary one is where it points.
    pub labels: Vec<Label>,
    /// A help line, where one helps.
    pub help: Option<String>,
    /// Further lines shown under the excerpt (a deadlock's chain of waits); `check --json`
    /// has none, and `to_json` adds them to `help`.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error with a code and a one-line message.
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    /// A warning with a code and a one-line message.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Adds the primary label (where the problem is).
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: true,
        });
        self
    }

    /// Adds a secondary label (related places).
    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Sets the help line, or none.
    pub fn with_help_opt(mut self, help: Option<String>) -> Diagnostic {
        self.help = help;
        self
    }

    /// Adds a note under the excerpt.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Whether it is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The span the diagnostic points at: its first primary label.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels
            .iter()
            .find(|l| l.primary)
            .or(self.labels.first())
            .map(|l| l.span)
    }

    /// The object `check --json` prints for this diagnostic (README.md).
    pub fn to_json(&self, map: &SourceMap) -> serde_json::Value {
        let pos = |span: Span| {
            let file = map.get(span.file);
            let (line, column) = file.line_col(span.start);
            let (end_line, end_column) = file.line_col(span.end);
            (file.name.clone(), line, column, end_line, end_column)
        };
        let mut obj = serde_json::Map::new();
        obj.insert("code".into(), self.code.into());
        obj.insert(
            "severity".into(),
            serde_json::to_value(self.severity).unwrap(),
        );
        obj.insert("message".into(), self.message.clone().into());
        let (file, line, column, end_line, end_column) = match self.primary_span() {
            Some(span) => {
                let (f, l, c, el, ec) = pos(span);
                (f.into(), l.into(), c.into(), el.into(), ec.into())
            }
            None => (
                serde_json::Value::Null,
                serde_json::Value::Null,
                serde_json::Value::Null,
                serde_json::Value::Null,
                serde_json::Value::Null,
            ),
        };
        obj.insert("file".into(), file);
        obj.insert("line".into(), line);
        obj.insert("column".into(), column);
        obj.insert("end_line".into(), end_line);
        obj.insert("end_column".into(), end_column);
        let labels: Vec<serde_json::Value> = self
            .labels
            .iter()
            .map(|l| {
                let (file, line, column, end_line, end_column) = pos(l.span);
                serde_json::json!({
                    "file": file, "line": line, "column": column,
                    "end_line": end_line, "end_column": end_column,
                    "message": l.message,
                })
            })
            .collect();
        obj.insert("labels".into(), labels.into());
        let help: Vec<&str> = self
            .notes
            .iter()
            .map(String::as_str)
            .chain(self.help.as_deref())
            .collect();
        obj.insert(
            "help".into(),
            if help.is_empty() {
                serde_json::Value::Null
            } else {
                help.join("\n").into()
            },
        );
        serde_json::Value::Object(obj)
    }
}

/// How many diagnostics are shown for one file at most; the rest are only counted.
pub const MAX_PER_FILE: usize = 100;

/// Keeps the first `max` diagnostics of each file (in the order given) and returns how many
/// were dropped.
pub fn limit(diags: &mut Vec<Diagnostic>, max: usize) -> usize {
    let mut seen: std::collections::HashMap<Option<FileId>, usize> = Default::default();
    let before = diags.len();
    diags.retain(|d| {
        let n = seen.entry(d.primary_span().map(|s| s.file)).or_default();
        *n += 1;
        *n <= max
    });
    before - diags.len()
}

/// The line after the shown diagnostics when some were dropped by [`limit`].
pub fn not_shown(dropped: usize) -> String {
    format!(
        "note: {dropped} more diagnostic{} not shown (at most {MAX_PER_FILE} per file)",
        if dropped == 1 { "" } else { "s" }
    )
}

/// Sorts diagnostics by file and position, errors before warnings at the same place.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by_key(|d| {
        let s = d.primary_span().unwrap_or_default();
        (s.file, s.start, s.end, d.severity)
    });
}
