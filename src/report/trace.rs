//! The Chrome Trace Event format (the JSON object form), which Perfetto and chrome://tracing
//! open: one process per node (named), one thread per slot or replica, complete (`X`) events
//! for each attempt's queued, starting and running phases with the action's FQN, attempt and
//! inputs in `args`, instant (`i`) events for `print` lines and failures, and counter (`C`)
//! events for CPU, memory and accelerator utilization. Timestamps are virtual microseconds.
//!
//! Events are written straight into the output text (a trace of 100,000 actions has some
//! 300,000 events), strings escaped by serde_json.

use super::{bars, state_name, Record, Track};
use crate::runtime::ActState;
use std::fmt::Write as _;

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

/// A JSON string literal.
fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

struct Out {
    text: String,
    first: bool,
}

impl Out {
    fn event(&mut self, body: std::fmt::Arguments<'_>) {
        if !self.first {
            self.text.push_str(",\n");
        }
        self.first = false;
        let _ = self.text.write_fmt(body);
    }
}

/// The trace as JSON text.
pub fn trace_text(o: &Record) -> String {
    let bars = bars(o);
    let mut out = Out {
        text: String::with_capacity(bars.len() * 400 + 4096),
        first: true,
    };
    out.text.push_str("{\"displayTimeUnit\":\"ms\",");
    let _ = writeln!(
        out.text,
        "\"otherData\":{{\"generator\":\"flyte-dsl\",\"makespan_s\":{}}},\"traceEvents\":[",
        o.summary.makespan as f64 / 1e9
    );
    out.event(format_args!("{{\"ph\":\"M\",\"pid\":{QUEUE_PID},\"name\":\"process_name\",\"args\":{{\"name\":\"queue\"}}}}"));
    out.event(format_args!("{{\"ph\":\"M\",\"pid\":{QUEUE_PID},\"name\":\"process_sort_index\",\"args\":{{\"sort_index\":0}}}}"));
    for (i, (name, pool)) in o.nodes.iter().enumerate() {
        let label = js(&format!("{name} ({pool})"));
        out.event(format_args!(
            "{{\"ph\":\"M\",\"pid\":{},\"name\":\"process_name\",\"args\":{{\"name\":{label}}}}}",
            i + 1
        ));
        out.event(format_args!("{{\"ph\":\"M\",\"pid\":{},\"name\":\"process_sort_index\",\"args\":{{\"sort_index\":{}}}}}", i + 1, i + 1));
    }
    // Per action, the `args` object and the quoted FQN, made once.
    let args: Vec<(String, String)> = o
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let group = a.group.as_deref().map_or("null".to_string(), js);
            (
                js(&a.fqn),
                format!(
                    "\"fqn\":{},\"inputs\":{},\"state\":\"{}\",\"group\":{group}",
                    js(&a.fqn),
                    js(o.inputs.get(i).map_or("", String::as_str)),
                    state_name(a.state)
                ),
            )
        })
        .collect();
    let mut named: std::collections::HashSet<(usize, u64)> = std::collections::HashSet::new();
    for b in &bars {
        let a = &o.actions[b.action];
        let (fqn, common) = &args[b.action];
        let attempt = b.attempt;
        if b.started_at > b.queued_at {
            let t = b.queue_track as u64 + 1;
            if named.insert((QUEUE_PID, t)) {
                out.event(format_args!("{{\"ph\":\"M\",\"pid\":{QUEUE_PID},\"tid\":{t},\"name\":\"thread_name\",\"args\":{{\"name\":\"waiting {t}\"}}}}"));
            }
            // Why it waited, when the run recorded it: the reasons within this attempt's wait.
            let why: Vec<String> = o
                .waits
                .get(b.action)
                .into_iter()
                .flatten()
                .filter(|w| w.from < b.started_at && w.to > b.queued_at)
                .map(|w| js(&w.line()))
                .collect();
            let why = if why.is_empty() {
                String::new()
            } else {
                format!(",\"waited\":[{}]", why.join(","))
            };
            out.event(format_args!(
                "{{\"ph\":\"X\",\"cat\":\"queued\",\"name\":{},\"pid\":{QUEUE_PID},\"tid\":{t},\"ts\":{},\"dur\":{},\"args\":{{{common},\"attempt\":{attempt}{why}}}}}",
                js(&format!("queued: {}", a.fqn)),
                us(b.queued_at),
                us(b.started_at - b.queued_at)
            ));
        }
        let Some(node) = b.node else { continue };
        let (pid, t) = (node + 1, tid(b.track));
        if named.insert((pid, t)) {
            let name = match b.track {
                Track::Slot(s) => format!("slot {s}"),
                Track::Replica(r) => format!("replica {r}"),
            };
            out.event(format_args!("{{\"ph\":\"M\",\"pid\":{pid},\"tid\":{t},\"name\":\"thread_name\",\"args\":{{\"name\":{}}}}}", js(&name)));
        }
        if b.running_at > b.started_at {
            // Its own cold start, or (on a reusable environment) waiting for its replica to start.
            let (cat, what) = match (b.cold_start, b.image_pull) {
                (true, true) => ("starting", "cold start + image pull"),
                (true, false) => ("starting", "cold start"),
                _ => ("waiting", "waiting for its replica"),
            };
            out.event(format_args!(
                "{{\"ph\":\"X\",\"cat\":\"{cat}\",\"name\":{},\"pid\":{pid},\"tid\":{t},\"ts\":{},\"dur\":{},\"args\":{{{common},\"attempt\":{attempt}}}}}",
                js(&format!("{what}: {}", a.fqn)),
                us(b.started_at),
                us(b.running_at - b.started_at)
            ));
        }
        out.event(format_args!(
            "{{\"ph\":\"X\",\"cat\":\"running\",\"name\":{fqn},\"pid\":{pid},\"tid\":{t},\"ts\":{},\"dur\":{},\"args\":{{{common},\"attempt\":{attempt}}}}}",
            us(b.running_at),
            us(b.ended_at - b.running_at)
        ));
        let last = b.attempt as usize == a.sim_ids.len();
        if last && matches!(a.state, ActState::Failed) {
            out.event(format_args!(
                "{{\"ph\":\"i\",\"s\":\"t\",\"cat\":\"failure\",\"name\":{},\"pid\":{pid},\"tid\":{t},\"ts\":{},\"args\":{{{common},\"attempt\":{attempt}}}}}",
                js(&format!("failed: {}", a.fqn)),
                us(b.ended_at)
            ));
        }
    }
    // Cache hits: instants on the queue process, when the call was made.
    for (i, a) in o
        .actions
        .iter()
        .enumerate()
        .filter(|(_, a)| a.state == ActState::Cached)
    {
        out.event(format_args!(
            "{{\"ph\":\"i\",\"s\":\"p\",\"cat\":\"cache_hit\",\"name\":{},\"pid\":{QUEUE_PID},\"tid\":0,\"ts\":{},\"args\":{{\"fqn\":{},\"inputs\":{}}}}}",
            js(&format!("cache hit: {}", a.fqn)),
            us(a.requested_at),
            js(&a.fqn),
            js(o.inputs.get(i).map_or("", String::as_str))
        ));
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
            .rfind(|b| b.running_at <= l.at && b.node.is_some())
            .map(|b| (b.node.unwrap() + 1, tid(b.track)));
        let (pid, t) = place.unwrap_or((QUEUE_PID, 0));
        let fqn = o
            .actions
            .get(l.action)
            .map_or("null".to_string(), |a| js(&a.fqn));
        out.event(format_args!(
            "{{\"ph\":\"i\",\"s\":\"t\",\"cat\":\"log\",\"name\":{},\"pid\":{pid},\"tid\":{t},\"ts\":{},\"args\":{{\"fqn\":{fqn}}}}}",
            js(&l.text),
            us(l.at)
        ));
    }
    // Utilization counters, as fractions of the cluster's capacity.
    let s = &o.series;
    let k = s.keys.len();
    let keys: Vec<String> = s.keys.iter().map(|k| js(k)).collect();
    for (i, &t) in s.times.iter().enumerate() {
        let mut fields = String::new();
        for (j, key) in keys.iter().enumerate() {
            let cap = s.capacity[j].max(1) as f64;
            if j > 0 {
                fields.push(',');
            }
            let _ = write!(
                fields,
                "{key}:{}",
                (s.values[i * k + j] as f64 / cap * 1e4).round() / 1e4
            );
        }
        out.event(format_args!("{{\"ph\":\"C\",\"name\":\"utilization\",\"pid\":{QUEUE_PID},\"ts\":{},\"args\":{{{fields}}}}}", us(t)));
    }
    out.text.push_str("\n]}\n");
    out.text
}

/// The trace as a JSON value (parses [`trace_text`]).
pub fn trace(o: &Record) -> serde_json::Value {
    serde_json::from_str(&trace_text(o)).unwrap_or(serde_json::Value::Null)
}
