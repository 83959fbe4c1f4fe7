//! What a run gives a host: its output or [`ScriptError`], its summary and [`Event`]s, its
//! trace and report ([`Run`]); and the signatures of a program's tasks ([`TaskSignature`]).

use crate::diagnostics::{self, SourceMap};
use crate::runtime;
use std::sync::Arc;

/// The failure of a run, as the script saw it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ScriptError {
    /// The error type (`OOMError`, `RuntimeUserError`, ...).
    pub kind: String,
    /// flyte's code: the type's name, or the original type across a task boundary.
    pub code: String,
    /// The error's message.
    pub message: String,
    /// The FQN of the action that failed.
    pub task: Option<String>,
    /// Where it went (docs/runtime.md), as `flyte-dsl run` prints it: the statement that
    /// raised it, then each call and action that led there (rendered without colour).
    pub rendered: String,
    /// The same as a `check --json` diagnostic: code, message, and a label (file, line,
    /// column) at each statement of that chain.
    pub diagnostic: serde_json::Value,
}

/// `OOMError: the attempt used more memory than its limit (in e.work)`
impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)?;
        match &self.task {
            Some(t) => write!(f, " (in {t})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for ScriptError {}

/// A task a host can run: its name, FQN, parameters and return type, as the script declares
/// them (`Display`: `main(n: int = 10) -> list[int]`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TaskSignature {
    /// The name to pass to [`Program::run`](super::Program::run).
    pub name: String,
    /// `env-name.task`.
    pub fqn: String,
    /// Whether it is an `async task`.
    pub is_async: bool,
    /// Its parameters, in order.
    pub params: Vec<ParamSignature>,
    /// Its return type, as the language writes it.
    pub ret: String,
}

/// One parameter of a [`TaskSignature`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ParamSignature {
    /// Its name (the key in [`Program::run`](super::Program::run)'s arguments).
    pub name: String,
    /// Its type, as the language writes it (`list[int]`).
    #[serde(rename = "type")]
    pub ty: String,
    /// Its default as written (`10`), when it has one (and may be left out).
    pub default: Option<String>,
}

impl std::fmt::Display for TaskSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| match &p.default {
                Some(d) => format!("{}: {} = {d}", p.name, p.ty),
                None => format!("{}: {}", p.name, p.ty),
            })
            .collect();
        write!(f, "{}({}) -> {}", self.name, params.join(", "), self.ret)
    }
}

/// An action event (docs/runtime.md), at a virtual time in seconds.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Event {
    /// Virtual time, in seconds from the start of the run.
    pub at_s: f64,
    /// The action's FQN.
    pub task: String,
    /// Its index among the run's actions.
    pub action: usize,
    /// What happened.
    pub kind: EventKind,
}

/// What happened to an action.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// An attempt was queued for capacity.
    Queued {
        /// From 1.
        attempt: u32,
    },
    /// An attempt was placed on a node (its cold start begins).
    Started {
        /// From 1.
        attempt: u32,
        /// The node's name (`cpu-0`).
        node: String,
    },
    /// An attempt's body started running.
    Running {
        /// From 1.
        attempt: u32,
    },
    /// The action succeeded.
    Succeeded,
    /// The action failed (after its retries).
    Failed,
    /// The action was cancelled (a sibling in `gather` failed, a deadline passed).
    Cancelled,
    /// The action's result came from the cache.
    CacheHit,
    /// A `print` line.
    Log {
        /// The printed text.
        text: String,
    },
}

/// What one run did.
#[derive(Clone, Debug)]
pub struct Run {
    output: Result<serde_json::Value, ScriptError>,
    summary_json: serde_json::Value,
    summary_text: String,
    events: Vec<Event>,
    record: Arc<crate::report::Record>,
}

impl Run {
    pub(super) fn from_outcome(
        o: &runtime::RunOutcome,
        _ret: crate::check::types::Type,
        map: &SourceMap,
    ) -> Run {
        let output = match &o.result {
            Ok(v) => Ok(v.to_json()),
            Err(e) => {
                let d = o.error_diagnostic().unwrap_or_else(|| e.to_diagnostic());
                Err(ScriptError {
                    kind: e.kind.to_string(),
                    code: e.code.to_string(),
                    message: e.message.clone(),
                    task: e.task.clone(),
                    rendered: diagnostics::render(&d, map, false),
                    diagnostic: d.to_json(map),
                })
            }
        };
        let mut events = Vec::new();
        let records = &o.summary.actions;
        for (i, a) in o.actions.iter().enumerate() {
            for (n, sid) in a.sim_ids.iter().enumerate() {
                let Some(r) = records.get(*sid as usize) else {
                    continue;
                };
                let attempt = n as u32 + 1;
                let at = |t: i64| t as f64 / 1e9;
                events.push(Event {
                    at_s: at(r.queued_at),
                    task: a.fqn.to_string(),
                    action: i,
                    kind: EventKind::Queued { attempt },
                });
                if r.started_at >= 0 {
                    let node = if r.node == crate::sim::NO_NODE {
                        String::new()
                    } else {
                        o.summary
                            .nodes
                            .get(r.node as usize)
                            .map(|n| n.name.clone())
                            .unwrap_or_default()
                    };
                    events.push(Event {
                        at_s: at(r.started_at),
                        task: a.fqn.to_string(),
                        action: i,
                        kind: EventKind::Started { attempt, node },
                    });
                }
                if r.running_at >= 0 {
                    events.push(Event {
                        at_s: at(r.running_at),
                        task: a.fqn.to_string(),
                        action: i,
                        kind: EventKind::Running { attempt },
                    });
                }
            }
            let end = a
                .sim_ids
                .last()
                .and_then(|s| records.get(*s as usize))
                .map_or(0, |r| r.ended_at.max(r.queued_at));
            let kind = match a.state {
                runtime::ActState::Succeeded => EventKind::Succeeded,
                runtime::ActState::Cancelled => EventKind::Cancelled,
                runtime::ActState::Cached => EventKind::CacheHit,
                _ => EventKind::Failed,
            };
            events.push(Event {
                at_s: end as f64 / 1e9,
                task: a.fqn.to_string(),
                action: i,
                kind,
            });
        }
        for l in &o.logs {
            let task = o
                .actions
                .get(l.action)
                .map(|a| a.fqn.clone())
                .unwrap_or_default();
            events.push(Event {
                at_s: l.at as f64 / 1e9,
                task: task.to_string(),
                action: l.action,
                kind: EventKind::Log {
                    text: l.text.clone(),
                },
            });
        }
        events.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
        Run {
            output,
            summary_json: crate::report::summary_json(o),
            summary_text: crate::report::summary_text(o),
            events,
            record: Arc::new(crate::report::Record::of(o)),
        }
    }

    /// The root task's value, deserialized; a failed run gives its error.
    pub fn output<T: serde::de::DeserializeOwned>(&self) -> Result<T, OutputError> {
        match &self.output {
            Ok(v) => {
                serde_json::from_value(v.clone()).map_err(|e| OutputError::Shape(e.to_string()))
            }
            Err(e) => Err(OutputError::Failed(Box::new(e.clone()))),
        }
    }

    /// Whether the root task succeeded.
    pub fn succeeded(&self) -> bool {
        self.output.is_ok()
    }

    /// The error the run failed with.
    pub fn error(&self) -> Option<&ScriptError> {
        self.output.as_ref().err()
    }

    /// The terminal summary: makespan, actions, cold starts, cost, utilization.
    pub fn summary(&self) -> &str {
        &self.summary_text
    }

    /// The object `run --json` prints.
    pub fn json(&self) -> &serde_json::Value {
        &self.summary_json
    }

    /// Makespan in virtual seconds.
    pub fn makespan_s(&self) -> f64 {
        self.summary_json["makespan_s"].as_f64().unwrap_or(0.0)
    }

    /// Estimated cost in dollars.
    pub fn cost_usd(&self) -> f64 {
        self.summary_json["cost_usd"].as_f64().unwrap_or(0.0)
    }

    /// Every action event, in order of virtual time.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The schedule in the Chrome Trace Event format (Perfetto opens it).
    pub fn trace_json(&self) -> serde_json::Value {
        crate::report::trace::trace(&self.record)
    }

    /// A self-contained HTML page: summary, Gantt chart by node, utilization, actions.
    pub fn report_html(&self, title: &str) -> String {
        crate::report::html::report(&self.record, &self.summary_json, title)
    }
}

/// Why [`Run::output`] gave no value.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The run failed with this error.
    #[error("the run failed: {}: {}", .0.kind, .0.message)]
    Failed(Box<ScriptError>),
    /// The value does not deserialize into the requested type.
    #[error("the output does not have the requested shape: {0}")]
    Shape(String),
}
