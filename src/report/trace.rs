//! The Chrome Trace Event format (the JSON object form), which Perfetto and chrome://tracing
//! open: one process per node (named), one thread per slot or replica, complete (`X`) events
//! for each attempt's queued, starting and running phases with the action's FQN, attempt and
//! inputs in `args`, instant (`i`) events for `print` lines and failures, and counter (`C`)
//! events for CPU, memory and accelerator utilization. Timestamps are virtual microseconds.

use super::Record;
use super::{bars, state_name, Track};
use crate::runtime::ActState;
use serde_json::{json, Value};

/// Process id of the queue (nodes are 1, 2, ...).
const QUEUE_PID: usize = 0;

fn us(ns: i64) -> f64 {
    ns as f64 / 1000.0
}

fn tid(t: Track) -> u64 {
    match t {
        Track::Slot(s) => s as u64 + 1,
        Track::Replica(r) => 1_000_000 + r as u64,
    }
}

/// The trace as a JSON value.
pub fn trace(o: &Record) -> Value {
    let bars = bars(o);
    let mut events: Vec<Value> = Vec::with_capacity(bars.len() * 3 + 16);
    events.push(
        json!({"ph": "M", "pid": QUEUE_PID, "name": "process_name", "args": {"name": "queue"}}),
    );
    events.push(json!({"ph": "M", "pid": QUEUE_PID, "name": "process_sort_index", "args": {"sort_index": 0}}));
    for (i, (name, pool)) in o.nodes.iter().enumerate() {
        events.push(json!({"ph": "M", "pid": i + 1, "name": "process_name", "args": {"name": format!("{name} ({pool})")}}));
        events.push(json!({"ph": "M", "pid": i + 1, "name": "process_sort_index", "args": {"sort_index": i + 1}}));
    }
    let mut named: std::collections::HashSet<(usize, u64)> = std::collections::HashSet::new();
    for b in &bars {
        let a = &o.actions[b.action];
        let args = json!({"fqn": a.fqn, "attempt": b.attempt, "inputs": a.inputs, "state": state_name(a.state), "group": a.group});
        if b.started_at > b.queued_at {
            let t = b.queue_track as u64 + 1;
            if named.insert((QUEUE_PID, t)) {
                events.push(json!({"ph": "M", "pid": QUEUE_PID, "tid": t, "name": "thread_name", "args": {"name": format!("waiting {t}")}}));
            }
            events.push(json!({"ph": "X", "cat": "queued", "name": format!("queued: {}", a.fqn), "pid": QUEUE_PID, "tid": t, "ts": us(b.queued_at), "dur": us(b.started_at - b.queued_at), "args": args}));
        }
        let Some(node) = b.node else { continue };
        let (pid, t) = (node + 1, tid(b.track));
        if named.insert((pid, t)) {
            let name = match b.track {
                Track::Slot(s) => format!("slot {s}"),
                Track::Replica(r) => format!("replica {r}"),
            };
            events.push(json!({"ph": "M", "pid": pid, "tid": t, "name": "thread_name", "args": {"name": name}}));
        }
        if b.running_at > b.started_at {
            // Its own cold start, or (on a reusable environment) waiting for its replica to start.
            let (cat, what) = match (b.cold_start, b.image_pull) {
                (true, true) => ("starting", "cold start + image pull"),
                (true, false) => ("starting", "cold start"),
                _ => ("waiting", "waiting for its replica"),
            };
            events.push(json!({"ph": "X", "cat": cat, "name": format!("{what}: {}", a.fqn), "pid": pid, "tid": t, "ts": us(b.started_at), "dur": us(b.running_at - b.started_at), "args": args}));
        }
        events.push(json!({"ph": "X", "cat": "running", "name": a.fqn, "pid": pid, "tid": t, "ts": us(b.running_at), "dur": us(b.ended_at - b.running_at), "args": args}));
        let last = b.attempt as usize == a.sim_ids.len();
        if last && matches!(a.state, ActState::Failed) {
            events.push(json!({"ph": "i", "s": "t", "cat": "failure", "name": format!("failed: {}", a.fqn), "pid": pid, "tid": t, "ts": us(b.ended_at), "args": args}));
        }
    }
    // print lines, on the track of the attempt that printed them.
    let mut by_action: std::collections::HashMap<usize, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, b) in bars.iter().enumerate() {
        by_action.entry(b.action).or_default().push(i);
    }
    for l in &o.logs {
        let place = by_action
            .get(&l.action)
            .into_iter()
            .flatten()
            .map(|&i| &bars[i])
            .filter(|b| b.running_at <= l.at && b.node.is_some())
            .last()
            .map(|b| (b.node.unwrap() + 1, tid(b.track)));
        let (pid, t) = place.unwrap_or((QUEUE_PID, 0));
        events.push(json!({"ph": "i", "s": "t", "cat": "log", "name": l.text, "pid": pid, "tid": t, "ts": us(l.at), "args": {"fqn": o.actions.get(l.action).map(|a| a.fqn.as_str())}}));
    }
    // Utilization counters, as fractions of the cluster's capacity.
    let s = &o.series;
    let k = s.keys.len();
    for (i, &t) in s.times.iter().enumerate() {
        let mut args = serde_json::Map::new();
        for (j, key) in s.keys.iter().enumerate() {
            let cap = s.capacity[j].max(1) as f64;
            args.insert(
                key.clone(),
                json!((s.values[i * k + j] as f64 / cap * 1e4).round() / 1e4),
            );
        }
        events.push(
            json!({"ph": "C", "name": "utilization", "pid": QUEUE_PID, "ts": us(t), "args": args}),
        );
    }
    json!({
        "displayTimeUnit": "ms",
        "otherData": {"generator": "flyte-dsl", "makespan_s": o.summary.makespan as f64 / 1e9},
        "traceEvents": events,
    })
}
