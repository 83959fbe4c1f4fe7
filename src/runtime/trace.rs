//! An error's trace: where it went, innermost first, with its middle dropped past a bound so
//! that an error rising out of a chain of N nested actions costs O(N) memory, not O(N^2) (each
//! action keeps the error it failed with).

/// Frames kept at each end of a trace: the innermost (where the error was raised) and the
/// outermost (where it arrived); those between are only counted.
pub const TRACE_KEPT: usize = 32;

/// A statement an error passed through.
#[derive(Clone, Debug, PartialEq)]
pub struct TracePoint {
    pub span: crate::diagnostics::Span,
    /// The FQN of the action whose body ran the statement.
    pub task: std::sync::Arc<str>,
    /// The body (its attempt's executor) and call depth it was recorded in: one point per
    /// function or action left.
    pub frame: (usize, usize),
}

/// The frames of a trace, innermost first: at most [`TRACE_KEPT`] innermost ones, then (when
/// more were recorded) at most [`TRACE_KEPT`] outermost ones; [`Trace::omitted`] counts those
/// dropped between them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace(Option<Box<Kept>>);

/// A trace's frames and the count of those dropped (boxed: most errors are caught untraced,
/// and an error value stays small).
#[derive(Clone, Debug, Default, PartialEq)]
struct Kept {
    points: Vec<TracePoint>,
    omitted: usize,
}

impl Trace {
    pub fn new() -> Trace {
        Trace::default()
    }

    /// Adds the next outer frame; past `2 * TRACE_KEPT` frames the oldest of the outer ones
    /// is dropped (and counted).
    pub fn push(&mut self, p: TracePoint) {
        let k = self.0.get_or_insert_with(Box::default);
        if k.points.len() >= 2 * TRACE_KEPT {
            k.points.remove(TRACE_KEPT);
            k.omitted += 1;
        }
        k.points.push(p);
    }

    /// The frames kept.
    pub fn len(&self) -> usize {
        self.points().len()
    }

    pub fn is_empty(&self) -> bool {
        self.points().is_empty()
    }

    /// How many frames were dropped from the middle.
    pub fn omitted(&self) -> usize {
        self.0.as_ref().map_or(0, |k| k.omitted)
    }

    /// The outermost frame recorded.
    pub fn last(&self) -> Option<&TracePoint> {
        self.points().last()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, TracePoint> {
        self.points().iter()
    }

    /// The frames kept, innermost first.
    pub fn points(&self) -> &[TracePoint] {
        self.0.as_ref().map_or(&[], |k| &k.points)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_trace_keeps_both_ends() {
        let mut t = Trace::new();
        for i in 0..1_000 {
            t.push(TracePoint {
                span: crate::diagnostics::Span::default(),
                task: "t".into(),
                frame: (i, 0),
            });
        }
        assert_eq!(t.len(), 2 * TRACE_KEPT);
        assert_eq!(t.omitted(), 1_000 - 2 * TRACE_KEPT);
        assert_eq!(t.points()[0].frame.0, 0);
        assert_eq!(t.points()[TRACE_KEPT - 1].frame.0, TRACE_KEPT - 1);
        assert_eq!(t.points()[TRACE_KEPT].frame.0, 1_000 - TRACE_KEPT);
        assert_eq!(t.last().unwrap().frame.0, 999);
    }
}
