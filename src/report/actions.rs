//! Per-attempt metrics in Batsim's vocabulary (docs/runtime.md, "Per-action metrics"): each
//! attempt of each action is a job with a submission, starting and finish time, a waiting,
//! execution and turnaround time and a stretch, the node and replica it ran on, and the
//! resources it asked for. `run --actions-csv FILE` writes them as CSV ([`csv`]), `run --json
//! --actions` as the `action_list` array ([`json`]), and the summaries add their means
//! ([`Stats`]). All read a [`View`] of the run.
//!
//! The times: *submission* is when the attempt was queued, *starting* when it was placed on a
//! node (or bound to a replica: from here it holds resources), *running* when its container
//! ran (after its cold start), *finish* when it ended. Waiting is starting − submission;
//! execution is finish − starting (a cold start holds the resources, so it counts); turnaround
//! is finish − submission; the stretch (slowdown) is turnaround / execution with both taken
//! as at least 1 ms, so an attempt that took no time and did not wait has stretch 1. An attempt
//! never placed (cancelled or unschedulable while queued) waited until it ended and has no
//! execution or stretch. A cache hit ran nothing: it is listed with attempt 0 and no times.
//!
//! Every row is built by `attempt`, the one place a per-attempt field is added.

use super::state_name;
use crate::resources::{quantity, Accelerator, ResourceSpec};
use crate::runtime::waits::ActionWait;
use crate::runtime::{ActState, ActionSummary, RunOutcome};
use crate::sim::{ActionRecord, ActionState, SimSummary, NEVER, NO_NODE, NO_REPLICA};
use std::fmt::Write as _;

/// The floor of both terms of the stretch: 1 ms.
const STRETCH_FLOOR: i64 = 1_000_000;

/// What the metrics are read from: a run's outcome or a report's [`super::Record`].
#[derive(Clone, Copy)]
pub struct View<'a> {
    pub summary: &'a SimSummary,
    pub actions: &'a [ActionSummary],
    pub nodes: &'a [(String, String)],
    pub resources: &'a [ResourceSpec],
    /// Why each action waited, by action (empty when the run did not record it).
    pub waits: &'a [Vec<ActionWait>],
}

impl<'a> View<'a> {
    pub fn of(o: &'a RunOutcome) -> View<'a> {
        View {
            summary: &o.summary,
            actions: &o.actions,
            nodes: &o.nodes,
            resources: &o.resources,
            waits: &o.waits,
        }
    }

    /// Node name and pool of a row.
    pub fn node(&self, r: &AttemptMetrics) -> Option<&'a (String, String)> {
        r.node.and_then(|n| self.nodes.get(n as usize))
    }

    /// The resource request of a row.
    pub fn spec(&self, r: &AttemptMetrics) -> Option<&'a ResourceSpec> {
        self.actions
            .get(r.action)
            .and_then(|a| self.resources.get(a.resources as usize))
    }
}

/// One attempt of one action (or a cache hit, attempt 0). Times are virtual nanoseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct AttemptMetrics {
    /// The logical action's index (submission order).
    pub action: usize,
    pub fqn: std::sync::Arc<str>,
    /// 1 for the first attempt; 0 for a cache hit.
    pub attempt: u32,
    /// How the attempt ended: the action's final state on its last attempt; `preempted` or
    /// `failed` (then retried) on an earlier one.
    pub outcome: &'static str,
    pub submission: i64,
    pub starting: Option<i64>,
    pub running: Option<i64>,
    pub finish: Option<i64>,
    pub waiting: Option<i64>,
    pub execution: Option<i64>,
    pub turnaround: Option<i64>,
    pub stretch: Option<f64>,
    /// The node's index ([`View::node`] names it).
    pub node: Option<u32>,
    pub replica: Option<u32>,
    /// Why it waited, span by span (when the run recorded it): those of its action's waits
    /// that began while this attempt waited.
    pub waits: Vec<ActionWait>,
}

/// The stretch of an attempt that waited `waiting` and executed `execution` (both ≥ 0).
pub fn stretch(waiting: i64, execution: i64) -> f64 {
    let turnaround = (waiting + execution).max(STRETCH_FLOOR);
    turnaround as f64 / execution.max(STRETCH_FLOOR) as f64
}

/// An accelerator request as flyte-sdk writes it: `A100:2`, `A100 1g.5gb`, `gpu:1` (any GPU),
/// `V5P 2x2x1`, `Neuron:1`.
pub fn accelerator_text(a: &Accelerator) -> String {
    match a {
        Accelerator::Gpu {
            device,
            quantity,
            partition,
            ..
        } => match (device, partition) {
            (Some(d), Some(p)) => format!("{d} {p}"),
            (Some(d), None) => format!("{d}:{quantity}"),
            (None, _) => format!("gpu:{quantity}"),
        },
        Accelerator::Tpu { device, slice } => match slice {
            Some(s) => format!("{device} {s}"),
            None => device.clone(),
        },
        Accelerator::Other { device, quantity } => format!("{device}:{quantity}"),
    }
}

/// One row: attempt `n` (1-based) of action `i`, from its simulator record `r`; `None` for a
/// cache hit (attempt 0).
fn attempt(o: View<'_>, i: usize, n: u32, r: Option<&ActionRecord>) -> AttemptMetrics {
    let a = &o.actions[i];
    let t = |v: i64| (v != NEVER).then_some(v);
    let last = n as usize == a.sim_ids.len();
    let outcome = match r {
        _ if last || n == 0 => state_name(a.state),
        Some(r) if r.state == ActionState::Preempted => "preempted",
        _ => "failed",
    };
    let submission = r.map_or(a.requested_at, |r| r.queued_at);
    let starting = r.and_then(|r| t(r.started_at));
    let finish = r.and_then(|r| t(r.ended_at));
    // Waiting ends at the start, or (never placed) at the end; a live one at the makespan.
    let waited_until = match (r, starting, finish) {
        (None, ..) => None,
        (_, Some(s), _) => Some(s),
        (_, None, Some(f)) => Some(f),
        (Some(_), None, None) => Some(o.summary.makespan),
    };
    let waiting = waited_until.map(|w| (w - submission).max(0));
    let waits = match (o.waits.get(i), waited_until) {
        (Some(ws), Some(until)) => ws
            .iter()
            .filter(|w| w.from >= submission && w.from < until.max(submission + 1))
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    let execution = starting.zip(finish).map(|(s, f)| (f - s).max(0));
    AttemptMetrics {
        action: i,
        fqn: a.fqn.clone(),
        attempt: n,
        outcome,
        submission,
        starting,
        running: r.and_then(|r| t(r.running_at)),
        finish,
        waiting,
        execution,
        turnaround: finish
            .filter(|_| r.is_some())
            .map(|f| (f - submission).max(0)),
        stretch: waiting.zip(execution).map(|(w, e)| stretch(w, e)),
        node: r.map(|r| r.node).filter(|&x| x != NO_NODE),
        replica: r.map(|r| r.replica).filter(|&x| x != NO_REPLICA),
        waits,
    }
}

/// Every attempt of every action, in action order then attempt order.
pub fn metrics(o: View<'_>) -> impl Iterator<Item = AttemptMetrics> + '_ {
    o.actions.iter().enumerate().flat_map(move |(i, a)| {
        let hit =
            (a.state == ActState::Cached && a.sim_ids.is_empty()).then(|| attempt(o, i, 0, None));
        let runs = a.sim_ids.iter().enumerate().filter_map(move |(n, &sid)| {
            let r = o.summary.actions.get(sid as usize)?;
            Some(attempt(o, i, n as u32 + 1, Some(r)))
        });
        hit.into_iter().chain(runs)
    })
}

/// Waiting and stretch over the attempts: waiting over those that waited at all (every
/// attempt but cache hits), stretch over those that were placed and ended.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    pub mean_waiting: i64,
    pub max_waiting: i64,
    /// 0 when no attempt was placed and ended.
    pub mean_stretch: f64,
}

impl Stats {
    pub fn of(o: View<'_>) -> Stats {
        let (mut wn, mut wsum, mut wmax) = (0u64, 0i128, 0i64);
        let (mut sn, mut ssum) = (0u64, 0f64);
        for r in metrics(o) {
            if let Some(w) = r.waiting {
                wn += 1;
                wsum += w as i128;
                wmax = wmax.max(w);
            }
            if let Some(s) = r.stretch {
                sn += 1;
                ssum += s;
            }
        }
        Stats {
            mean_waiting: if wn == 0 {
                0
            } else {
                (wsum / wn as i128) as i64
            },
            max_waiting: wmax,
            mean_stretch: if sn == 0 { 0.0 } else { ssum / sn as f64 },
        }
    }
}

fn secs(ns: Option<i64>) -> serde_json::Value {
    ns.map_or(serde_json::Value::Null, |v| (v as f64 / 1e9).into())
}

/// One attempt as the `action_list` array holds it: times in seconds, `null` where none.
pub fn json(o: View<'_>, r: &AttemptMetrics) -> serde_json::Value {
    let node = o.node(r);
    let spec = o.spec(r);
    serde_json::json!({
        "action": r.action,
        "task": &*r.fqn,
        "attempt": r.attempt,
        "state": r.outcome,
        "submission_time": r.submission as f64 / 1e9,
        "starting_time": secs(r.starting),
        "running_time": secs(r.running),
        "finish_time": secs(r.finish),
        "waiting_time": secs(r.waiting),
        "execution_time": secs(r.execution),
        "turnaround_time": secs(r.turnaround),
        "stretch": r.stretch.map(|s| (s * 1e6).round() / 1e6),
        "node": node.map(|n| &n.0),
        "pool": node.map(|n| &n.1),
        "replica": r.replica,
        "cpu": cpu(spec),
        "memory": memory(spec).map(quantity::format_bytes),
        "accelerator": accelerator(spec),
        "waits": r.waits.iter().map(|w| serde_json::json!({
            "from": w.from as f64 / 1e9,
            "to": w.to as f64 / 1e9,
            "reason": w.reason,
        })).collect::<Vec<_>>(),
    })
}

/// The CPU request in cores.
fn cpu(spec: Option<&ResourceSpec>) -> Option<f64> {
    spec.and_then(|s| s.cpu_milli)
        .map(|c| c.request as f64 / 1000.0)
}

/// The memory request in bytes.
fn memory(spec: Option<&ResourceSpec>) -> Option<u64> {
    spec.and_then(|s| s.memory).map(|m| m.request)
}

fn accelerator(spec: Option<&ResourceSpec>) -> Option<String> {
    spec.and_then(|s| s.accelerator.as_ref())
        .map(accelerator_text)
}

/// The `action_list` array of `run --json --actions`.
pub fn json_list(o: View<'_>) -> serde_json::Value {
    metrics(o).map(|r| json(o, &r)).collect()
}

/// The waits of a row as one CSV field: each as [`ActionWait::line`] writes it, joined by
/// ` | `.
fn why(waits: &[ActionWait]) -> String {
    waits
        .iter()
        .map(ActionWait::line)
        .collect::<Vec<_>>()
        .join(" | ")
}

/// The CSV header ([`csv`]).
pub const CSV_HEADER: &str = "action,task,attempt,state,submission_time,starting_time,running_time,finish_time,waiting_time,execution_time,turnaround_time,stretch,node,pool,replica,cpu,memory_bytes,accelerator,why";

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
fn field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// The attempts as CSV: [`CSV_HEADER`], then one line each; times in seconds (up to nine
/// decimals), empty fields where there is no value.
pub fn csv(o: View<'_>) -> String {
    let mut out = String::with_capacity(o.actions.len() * 120 + CSV_HEADER.len() + 1);
    out.push_str(CSV_HEADER);
    out.push('\n');
    let t = |v: Option<i64>| v.map_or(String::new(), |v| (v as f64 / 1e9).to_string());
    for r in metrics(o) {
        let (node, pool) = o
            .node(&r)
            .map_or(("", ""), |(n, p)| (n.as_str(), p.as_str()));
        let spec = o.spec(&r);
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.action,
            field(&r.fqn),
            r.attempt,
            r.outcome,
            r.submission as f64 / 1e9,
            t(r.starting),
            t(r.running),
            t(r.finish),
            t(r.waiting),
            t(r.execution),
            t(r.turnaround),
            r.stretch
                .map_or(String::new(), |s| ((s * 1e6).round() / 1e6).to_string()),
            field(node),
            field(pool),
            r.replica.map_or(String::new(), |x| x.to_string()),
            cpu(spec).map_or(String::new(), |c| c.to_string()),
            memory(spec).map_or(String::new(), |m| m.to_string()),
            field(&accelerator(spec).unwrap_or_default()),
            field(&why(&r.waits)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn stretch_is_turnaround_over_execution_with_a_floor() {
        assert_eq!(stretch(0, 10 * S), 1.0);
        assert_eq!(stretch(10 * S, 10 * S), 2.0);
        // Nothing executed: both terms count as 1 ms.
        assert_eq!(stretch(0, 0), 1.0);
        assert_eq!(stretch(S, 0), 1000.0);
    }

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(field("a.b"), "a.b");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn accelerators_read_as_flyte_sdk_writes_them() {
        let gpu = |device: Option<&str>, quantity, partition: Option<&str>| Accelerator::Gpu {
            device: device.map(str::to_string),
            quantity,
            partition: partition.map(str::to_string),
            slices: None,
        };
        assert_eq!(accelerator_text(&gpu(Some("A100"), 2, None)), "A100:2");
        assert_eq!(accelerator_text(&gpu(None, 1, None)), "gpu:1");
        assert_eq!(
            accelerator_text(&gpu(Some("A100"), 1, Some("1g.5gb"))),
            "A100 1g.5gb"
        );
    }
}
