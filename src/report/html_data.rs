//! The data the HTML report's script draws, as one JSON object embedded in the page (written
//! straight into text: at 100,000 actions it is a few megabytes).
//!
//! Times are milliseconds with up to three decimals (microsecond precision). Attempts are in
//! action order (as [`bars`] gives them), each action saying how many it has, so no attempt
//! names its action; each attempt's times are deltas (queued from the previous attempt's
//! queued, then started, running and ended each from the one before), which keeps a fan-out of
//! identical actions to a few bytes an attempt.
//!
//! ```text
//! makespan, envs [name, colour], fqns [...],
//! groups [{label, fqn, settings, size, hits}]     identical actions: same task, same request
//! act {group [...], state [...], n [...], hits [[action, at]...], inputs [...],
//!      whys [reason...], waits [[from, to, why index, ...] or null per action]}
//! bars {node [...], track [...], q [...], s [...], r [...], e [...], flags [...]}
//! nodes [[name, pool]...], pools [{name, times [...], counts [...]}], util {keys, times, values}
//! ```

use super::actions::accelerator_text;
use super::{env_of, state_name, Bar, Record, Track};
use crate::resources::quantity;
use crate::runtime::ActState;
use crate::sim::NEVER;
use std::collections::HashMap;
use std::fmt::Write as _;

/// Wait spans kept in all (when the run recorded them); past it, none.
const WAIT_BUDGET: usize = 200_000;
/// Characters of inputs kept in all (each cut to [`INPUT_CHARS`]); past it, none.
const INPUT_BUDGET: usize = 1_000_000;
const INPUT_CHARS: usize = 120;
/// Utilization samples kept; a longer series keeps the largest value per bin.
const MAX_SAMPLES: usize = 20_000;

/// Colours of environments, in order of first appearance.
pub const PALETTE: &[&str] = &[
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

/// `t` nanoseconds as milliseconds with up to three decimals.
fn ms(out: &mut String, t: i64) {
    let us = t.div_euclid(1000);
    if us < 0 {
        out.push('-');
    }
    let us = us.unsigned_abs();
    let mut b = itoa::Buffer::new();
    out.push_str(b.format(us / 1000));
    let frac = us % 1000;
    if frac != 0 {
        let digits = format!("{frac:03}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

/// `,"whys":[...],"waits":[...]`: the distinct reasons once, and each action's spans as flat
/// triples `from, to, reason index` (`null` for an action that never waited, or past
/// [`WAIT_BUDGET`] spans); nothing when the run did not record them.
fn waits(h: &mut String, o: &Record) {
    if o.waits.iter().all(Vec::is_empty) {
        return;
    }
    let mut whys: indexmap::IndexSet<&str> = indexmap::IndexSet::new();
    let mut spans = String::new();
    let mut budget = WAIT_BUDGET;
    for (i, ws) in o.waits.iter().enumerate() {
        if i > 0 {
            spans.push(',');
        }
        if ws.is_empty() || budget < ws.len() {
            spans.push_str("null");
            continue;
        }
        budget -= ws.len();
        spans.push('[');
        for (k, w) in ws.iter().enumerate() {
            if k > 0 {
                spans.push(',');
            }
            ms(&mut spans, w.from);
            spans.push(',');
            ms(&mut spans, w.to);
            let (idx, _) = whys.insert_full(w.reason.as_str());
            let _ = write!(spans, ",{idx}");
        }
        spans.push(']');
    }
    h.push_str(",\"whys\":[");
    for (k, r) in whys.iter().enumerate() {
        if k > 0 {
            h.push(',');
        }
        h.push_str(&js(r));
    }
    h.push_str("],\"waits\":[");
    h.push_str(&spans);
    h.push(']');
}

fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A group's settings in a few words: `cpu 1 · 1Gi · A100:1`.
fn settings_text(spec: Option<&crate::resources::ResourceSpec>) -> String {
    let Some(s) = spec else {
        return String::new();
    };
    let mut parts = Vec::new();
    if let Some(c) = s.cpu_milli {
        parts.push(format!("cpu {}", c.request as f64 / 1000.0));
    }
    if let Some(m) = s.memory {
        parts.push(quantity::format_bytes(m.request));
    }
    if let Some(a) = &s.accelerator {
        parts.push(accelerator_text(a));
    }
    parts.join(" · ")
}

/// A group of identical actions (same task, same request).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Group {
    /// Its first action, which names it.
    pub first: usize,
    /// The request, an index into [`Record::resources`].
    pub resources: u32,
    pub size: usize,
    pub cache_hits: usize,
}

/// The groups of identical actions, in order of first appearance, and each action's group.
pub fn groups(o: &Record) -> (Vec<Group>, Vec<u32>) {
    let mut index: HashMap<(&str, u32), u32> = HashMap::new();
    let mut list: Vec<Group> = Vec::new();
    let mut of = Vec::with_capacity(o.actions.len());
    for (i, a) in o.actions.iter().enumerate() {
        let g = *index.entry((&a.fqn, a.resources)).or_insert_with(|| {
            list.push(Group {
                first: i,
                resources: a.resources,
                size: 0,
                cache_hits: 0,
            });
            (list.len() - 1) as u32
        });
        list[g as usize].size += 1;
        if a.state == ActState::Cached {
            list[g as usize].cache_hits += 1;
        }
        of.push(g);
    }
    (list, of)
}

/// The number of nodes of each pool over time, from each node's lives (an autoscaling pool's
/// node may be removed and asked for again, or never be asked for): per pool, the times at
/// which the count changed and the count from then on.
pub fn node_counts(o: &Record) -> Vec<(String, Vec<(i64, i64)>)> {
    let mut pools: Vec<(String, Vec<(i64, i64)>)> = Vec::new();
    for n in &o.summary.nodes {
        let i = match pools.iter().position(|(p, _)| *p == n.pool) {
            Some(i) => i,
            None => {
                pools.push((n.pool.clone(), Vec::new()));
                pools.len() - 1
            }
        };
        for &(up, down) in &n.lives {
            pools[i].1.push((up.max(0), 1));
            if down != NEVER {
                pools[i].1.push((down, -1));
            }
        }
    }
    for (_, events) in &mut pools {
        events.sort();
        let mut steps: Vec<(i64, i64)> = vec![(0, 0)];
        let mut count = 0;
        for &(t, d) in events.iter() {
            count += d;
            match steps.last_mut() {
                Some(last) if last.0 == t => last.1 = count,
                _ => steps.push((t, count)),
            }
        }
        *events = steps;
    }
    pools
}

/// The data object, as JSON text safe inside a `<script>` element.
pub fn data(o: &Record, bars: &[Bar], envs: &[(&str, &str)]) -> String {
    let mut h = String::with_capacity(bars.len() * 40 + o.actions.len() * 8 + 4096);
    h.push_str("{\"makespan\":");
    ms(&mut h, o.summary.makespan);
    h.push_str(",\"envs\":[");
    for (i, (e, c)) in envs.iter().enumerate() {
        let _ = write!(h, "{}[{},\"{c}\"]", if i > 0 { "," } else { "" }, js(e));
    }
    // Task names, interned.
    let mut fqns: Vec<&str> = Vec::new();
    let mut fqn_index: HashMap<&str, usize> = HashMap::new();
    let (groups, group_of) = groups(o);
    h.push_str("],\"groups\":[");
    for (
        g,
        &Group {
            first,
            resources: res,
            size,
            cache_hits: hits,
        },
    ) in groups.iter().enumerate()
    {
        let fqn: &str = &o.actions[first].fqn;
        let f = *fqn_index.entry(fqn).or_insert_with(|| {
            fqns.push(fqn);
            fqns.len() - 1
        });
        let env = envs
            .iter()
            .position(|(e, _)| *e == env_of(fqn))
            .unwrap_or(0);
        let settings = settings_text(o.resources.get(res as usize));
        let mut label = if size > 1 {
            format!("{fqn} ×{size}")
        } else {
            fqn.to_string()
        };
        if hits > 0 {
            let _ = write!(
                label,
                " ({hits} cache hit{})",
                if hits == 1 { "" } else { "s" }
            );
        }
        let _ = write!(
            h,
            "{}{{\"label\":{},\"fqn\":{f},\"env\":{env},\"settings\":{},\"size\":{size},\"hits\":{hits}}}",
            if g > 0 { "," } else { "" },
            js(&label),
            js(&settings)
        );
    }
    h.push_str("],\"fqns\":[");
    for (i, f) in fqns.iter().enumerate() {
        let _ = write!(h, "{}{}", if i > 0 { "," } else { "" }, js(f));
    }
    h.push_str("],\"states\":[");
    for (i, name) in state_names().iter().enumerate() {
        let _ = write!(h, "{}\"{name}\"", if i > 0 { "," } else { "" });
    }
    h.push(']');
    // Actions.
    let mut b = itoa::Buffer::new();
    let list = |h: &mut String, name: &str, items: &mut dyn Iterator<Item = u64>| {
        let mut b = itoa::Buffer::new();
        let _ = write!(h, "\"{name}\":[");
        let mut first = true;
        for v in items {
            if !first {
                h.push(',');
            }
            first = false;
            h.push_str(b.format(v));
        }
        h.push(']');
    };
    h.push_str(",\"act\":{");
    list(&mut h, "group", &mut group_of.iter().map(|&g| g as u64));
    h.push(',');
    list(
        &mut h,
        "state",
        &mut o.actions.iter().map(|a| match a.state {
            ActState::Pending => 0,
            ActState::Succeeded => 1,
            ActState::Failed => 2,
            ActState::Cancelled => 3,
            ActState::Cached => 4,
        }),
    );
    // Attempts per action, as drawn (those with a simulator record).
    let mut per_action = vec![0u64; o.actions.len()];
    for bar in bars {
        per_action[bar.action] += 1;
    }
    h.push(',');
    list(&mut h, "n", &mut per_action.iter().copied());
    h.push_str(",\"hits\":[");
    let mut first = true;
    for (i, a) in o.actions.iter().enumerate() {
        if a.state == ActState::Cached && per_action[i] == 0 {
            let _ = write!(h, "{}[{i},", if first { "" } else { "," });
            ms(&mut h, a.requested_at);
            h.push(']');
            first = false;
        }
    }
    h.push_str("],\"inputs\":[");
    let mut budget = INPUT_BUDGET;
    for (i, s) in o.inputs.iter().enumerate() {
        if i > 0 {
            h.push(',');
        }
        if budget == 0 {
            h.push_str("null");
            continue;
        }
        let cut: String = if s.chars().count() > INPUT_CHARS {
            s.chars().take(INPUT_CHARS - 1).collect::<String>() + "…"
        } else {
            s.clone()
        };
        budget = budget.saturating_sub(cut.len());
        h.push_str(&js(&cut));
    }
    h.push(']');
    waits(&mut h, o);
    h.push_str("},\"bars\":{");
    list(
        &mut h,
        "node",
        &mut bars.iter().map(|b| b.node.map_or(0, |n| n as u64 + 1)),
    );
    h.push_str(",\"track\":[");
    for (i, bar) in bars.iter().enumerate() {
        if i > 0 {
            h.push(',');
        }
        match bar.track {
            Track::Slot(s) => h.push_str(b.format(s)),
            Track::Replica(r) => {
                h.push('-');
                h.push_str(b.format(r as u64 + 1));
            }
        }
    }
    let deltas: [(&str, &dyn Fn(usize) -> i64); 4] = [
        ("q", &|i| {
            bars[i].queued_at - if i == 0 { 0 } else { bars[i - 1].queued_at }
        }),
        ("s", &|i| bars[i].started_at - bars[i].queued_at),
        ("r", &|i| bars[i].running_at - bars[i].started_at),
        ("e", &|i| bars[i].ended_at - bars[i].running_at),
    ];
    for (name, f) in deltas {
        let _ = write!(h, "],\"{name}\":[");
        for i in 0..bars.len() {
            if i > 0 {
                h.push(',');
            }
            ms(&mut h, f(i));
        }
    }
    h.push(']');
    h.push(',');
    list(
        &mut h,
        "flags",
        &mut bars
            .iter()
            .map(|b| u64::from(b.cold_start) | (u64::from(b.image_pull) << 1)),
    );
    h.push_str("},\"nodes\":[");
    for (i, (name, pool)) in o.nodes.iter().enumerate() {
        let _ = write!(
            h,
            "{}[{},{}]",
            if i > 0 { "," } else { "" },
            js(name),
            js(pool)
        );
    }
    h.push_str("],\"pools\":[");
    for (i, (pool, steps)) in node_counts(o).iter().enumerate() {
        let _ = write!(
            h,
            "{}{{\"name\":{},\"times\":[",
            if i > 0 { "," } else { "" },
            js(pool)
        );
        for (j, (t, _)) in steps.iter().enumerate() {
            if j > 0 {
                h.push(',');
            }
            ms(&mut h, *t);
        }
        h.push_str("],\"counts\":[");
        for (j, (_, c)) in steps.iter().enumerate() {
            let _ = write!(h, "{}{c}", if j > 0 { "," } else { "" });
        }
        h.push_str("]}");
    }
    h.push_str("],");
    utilization(&mut h, o);
    h.push('}');
    // Nothing in the data may close the script element.
    h.replace("</", "<\\/")
}

/// `"util":{keys, times, values}`: values per key in thousandths of the capacity.
fn utilization(h: &mut String, o: &Record) {
    let s = &o.series;
    let k = s.keys.len();
    let n = s.times.len();
    // Sample indices kept: all, or per bin the largest values.
    let mut times: Vec<i64> = Vec::new();
    let mut values: Vec<Vec<u64>> = vec![Vec::new(); k];
    let span = o.summary.makespan.max(1);
    let bin = |t: i64| -> i64 {
        if n <= MAX_SAMPLES {
            t
        } else {
            (t as i128 * MAX_SAMPLES as i128 / span as i128) as i64
        }
    };
    let mut last_bin = i64::MIN;
    for (i, &t) in s.times.iter().enumerate() {
        let b = bin(t);
        let new = b != last_bin;
        if new {
            times.push(t);
        }
        for (j, vs) in values.iter_mut().enumerate() {
            let cap = s.capacity[j].max(1) as u128;
            let v = (s.values[i * k + j] as u128 * 1000 / cap) as u64;
            if new {
                vs.push(v);
            } else if let Some(last) = vs.last_mut() {
                *last = (*last).max(v);
            }
        }
        last_bin = b;
    }
    h.push_str("\"util\":{\"keys\":[");
    for (j, key) in s.keys.iter().enumerate() {
        let _ = write!(h, "{}{}", if j > 0 { "," } else { "" }, js(key));
    }
    h.push_str("],\"times\":[");
    for (i, t) in times.iter().enumerate() {
        if i > 0 {
            h.push(',');
        }
        ms(h, *t);
    }
    h.push_str("],\"values\":[");
    for (j, vs) in values.iter().enumerate() {
        h.push_str(if j > 0 { ",[" } else { "[" });
        for (i, v) in vs.iter().enumerate() {
            let _ = write!(h, "{}{v}", if i > 0 { "," } else { "" });
        }
        h.push(']');
    }
    h.push_str("]}");
}

/// The per-action state names the data's `state` numbers stand for, as [`state_name`] has
/// them.
pub fn state_names() -> [&'static str; 5] {
    [
        state_name(ActState::Pending),
        state_name(ActState::Succeeded),
        state_name(ActState::Failed),
        state_name(ActState::Cancelled),
        state_name(ActState::Cached),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(nodes: &[(&str, i64, i64)]) -> Record {
        use crate::sim::{NodeId, NodeUsage, SimSummary, UtilizationSeries};
        Record {
            summary: SimSummary {
                makespan: 100,
                cost_usd: 0.0,
                utilization: Default::default(),
                cold_starts: 0,
                cold_start_time: 0,
                nodes: nodes
                    .iter()
                    .enumerate()
                    .map(|(i, &(pool, up_at, down_at))| NodeUsage {
                        node: NodeId(i as u32),
                        name: format!("{pool}-{i}"),
                        pool: pool.into(),
                        busy: 0,
                        cost_usd: 0.0,
                        up_at,
                        down_at,
                        lives: match (up_at, down_at) {
                            (NEVER, _) => Vec::new(),
                            // A node removed at 30 and asked for again at `up_at`.
                            (u, d) if u > 30 => vec![(0, 30), (u, d)],
                            (u, d) => vec![(u, d)],
                        },
                    })
                    .collect(),
                actions: Vec::new(),
                replicas: Vec::new(),
            },
            actions: Vec::new(),
            logs: Vec::new(),
            series: UtilizationSeries {
                keys: Vec::new(),
                capacity: Vec::new(),
                times: Vec::new(),
                values: Vec::new(),
            },
            nodes: Vec::new(),
            inputs: Vec::new(),
            waits: Vec::new(),
            resources: Vec::new(),
        }
    }

    #[test]
    fn node_counts_follow_up_and_down_times_per_pool() {
        // Fixed pools: there from 0 to the end.
        let fixed = node_counts(&record(&[
            ("cpu", 0, NEVER),
            ("cpu", 0, NEVER),
            ("gpu", 0, NEVER),
        ]));
        assert_eq!(
            fixed,
            [
                ("cpu".to_string(), vec![(0, 2)]),
                ("gpu".to_string(), vec![(0, 1)])
            ]
        );
        // Nodes asked for at 10 and 20, one removed at 50, one never asked for: 0, 1, 2, 1.
        let scaled = node_counts(&record(&[
            ("a", 10, 50),
            ("a", 20, NEVER),
            ("a", NEVER, NEVER),
        ]));
        assert_eq!(
            scaled,
            [("a".to_string(), vec![(0, 0), (10, 1), (20, 2), (50, 1)])]
        );
        // A node alive from 0 to 30 and again from 40: 1, 0, 1.
        let twice = node_counts(&record(&[("b", 40, NEVER)]));
        assert_eq!(twice, [("b".to_string(), vec![(0, 1), (30, 0), (40, 1)])]);
    }

    #[test]
    fn times_are_milliseconds_with_microseconds() {
        let f = |t| {
            let mut s = String::new();
            ms(&mut s, t);
            s
        };
        assert_eq!(f(0), "0");
        assert_eq!(f(1_000_000_000), "1000");
        assert_eq!(f(1_500_000), "1.5");
        assert_eq!(f(1_234), "0.001");
        assert_eq!(f(-2_000_000), "-2");
    }
}
