//! The HTML report: one self-contained page (inline SVG and CSS, no script, no network) with
//! the run's summary, a Gantt chart of the attempts by node and slot coloured by environment
//! (cold starts hatched), utilization over time per resource, and the table of actions.
//!
//! Past [`MAX_BARS`] attempts the Gantt chart draws, per node, how many attempts ran at each
//! moment instead of one bar each, and the table lists the first [`MAX_ROWS`] actions; the page
//! says so where it does.

use super::{bars, env_of, state_name, Bar, Record, Track};
use crate::human::human_duration;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Beyond this many attempts, the Gantt chart aggregates.
pub const MAX_BARS: usize = 5_000;
/// Rows of the action table.
pub const MAX_ROWS: usize = 2_000;

const WIDTH: f64 = 1100.0;
const LEFT: f64 = 150.0;
const ROW: f64 = 16.0;
const PALETTE: &[&str] = &[
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn secs(ns: i64) -> String {
    human_duration(ns)
}

/// The report page.
pub fn report(o: &Record, summary: &serde_json::Value, title: &str) -> String {
    let bars = bars(o);
    let makespan = o.summary.makespan.max(1);
    let x = |t: i64| LEFT + (t as f64 / makespan as f64) * (WIDTH - LEFT - 10.0);
    let mut envs: BTreeMap<&str, &str> = BTreeMap::new();
    for a in &o.actions {
        let n = envs.len();
        envs.entry(env_of(&a.fqn))
            .or_insert(PALETTE[n % PALETTE.len()]);
    }
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>\
body{{font-family:system-ui,sans-serif;margin:24px;color:#222}}h1{{font-size:20px}}h2{{font-size:16px;margin-top:28px}}\
table{{border-collapse:collapse;font-size:12px}}td,th{{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}}\
.kpi{{display:inline-block;margin-right:28px}}.kpi b{{display:block;font-size:18px}}.note{{color:#666;font-size:12px}}\
svg text{{font-size:11px;font-family:system-ui,sans-serif}}</style></head><body>\n<h1>{t}</h1>\n",
        t = esc(title)
    );
    // Summary.
    let a = &summary["actions"];
    let _ = write!(
        h,
        "<div><span class=\"kpi\">status<b>{}</b></span><span class=\"kpi\">makespan<b>{}</b></span>\
<span class=\"kpi\">actions<b>{}</b></span><span class=\"kpi\">attempts<b>{}</b></span>\
<span class=\"kpi\">cold starts<b>{}</b></span><span class=\"kpi\">cost<b>${:.4}</b></span></div>\n\
<p class=\"note\">{} succeeded, {} failed, {} cancelled, {} cached</p>\n",
        esc(summary["status"].as_str().unwrap_or("")),
        secs(o.summary.makespan),
        a["total"],
        summary["attempts"],
        o.summary.cold_starts,
        o.summary.cost_usd,
        a["succeeded"],
        a["failed"],
        a["cancelled"],
        a["cached"],
    );
    if let Some(e) = summary["error"].as_object() {
        let _ = writeln!(
            h,
            "<p><b>{}</b>: {}</p>",
            esc(e["type"].as_str().unwrap_or("")),
            esc(e["message"].as_str().unwrap_or(""))
        );
    }
    // Legend.
    h.push_str("<p>");
    for (env, colour) in &envs {
        let _ = write!(h, "<span style=\"display:inline-block;width:12px;height:12px;background:{colour};margin:0 4px 0 12px\"></span>{}", esc(env));
    }
    h.push_str("<span style=\"display:inline-block;width:12px;height:12px;background:url(#h);background:#bbb;margin:0 4px 0 12px\"></span>cold start</p>\n");
    // Gantt.
    h.push_str("<h2>Schedule by node</h2>\n");
    if bars.len() > MAX_BARS {
        let _ = writeln!(h, "<p class=\"note\">{} attempts: too many to draw one by one, so each node shows how many attempts ran on it over time.</p>", bars.len());
        gantt_aggregate(&mut h, o, &bars, &x);
    } else {
        gantt(&mut h, o, &bars, &envs, &x);
    }
    // Utilization.
    h.push_str("<h2>Utilization</h2>\n");
    utilization(&mut h, o, &x);
    // Table.
    h.push_str("<h2>Actions</h2>\n<table><tr><th>#</th><th>action</th><th>state</th><th>attempts</th><th>queued</th><th>started</th><th>ended</th><th>group</th></tr>\n");
    for (i, act) in o.actions.iter().enumerate().take(MAX_ROWS) {
        let first = act
            .sim_ids
            .first()
            .and_then(|s| o.summary.actions.get(*s as usize));
        let last = act
            .sim_ids
            .last()
            .and_then(|s| o.summary.actions.get(*s as usize));
        let t = |v: Option<i64>| v.filter(|t| *t >= 0).map_or("-".to_string(), secs);
        let _ = writeln!(
            h,
            "<tr><td>{i}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&act.fqn),
            state_name(act.state),
            act.attempts,
            t(first.map(|r| r.queued_at)),
            t(first.map(|r| r.started_at)),
            t(last.map(|r| r.ended_at)),
            esc(act.group.as_deref().unwrap_or(""))
        );
    }
    h.push_str("</table>\n");
    if o.actions.len() > MAX_ROWS {
        let _ = writeln!(
            h,
            "<p class=\"note\">The first {MAX_ROWS} of {} actions are listed.</p>",
            o.actions.len()
        );
    }
    logs(&mut h, o);
    h.push_str("</body></html>\n");
    h
}

/// The `print` lines, with the virtual time and the action that printed each.
fn logs(h: &mut String, o: &Record) {
    if o.logs.is_empty() {
        return;
    }
    h.push_str(
        "<h2>Logs</h2>\n<table><tr><th>time</th><th>#</th><th>action</th><th>line</th></tr>\n",
    );
    for l in o.logs.iter().take(MAX_ROWS) {
        let fqn = o.actions.get(l.action).map_or("", |a| &*a.fqn);
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><pre style=\"margin:0\">{}</pre></td></tr>",
            secs(l.at),
            l.action,
            esc(fqn),
            esc(&l.text)
        );
    }
    h.push_str("</table>\n");
    if o.logs.len() > MAX_ROWS {
        let _ = writeln!(
            h,
            "<p class=\"note\">The first {MAX_ROWS} of {} lines are listed.</p>",
            o.logs.len()
        );
    }
}

/// The tracks that appear, in order: (node, track).
fn rows(bars: &[Bar]) -> Vec<(usize, Track)> {
    let mut rows: Vec<(usize, Track)> = bars
        .iter()
        .filter_map(|b| b.node.map(|n| (n, b.track)))
        .collect();
    rows.sort();
    rows.dedup();
    rows
}

/// Round tick steps: 1, 2 or 5 times a power of ten seconds (or of a minute, an hour).
fn tick_step(span: i64) -> i64 {
    const S: i64 = 1_000_000_000;
    let candidates: &[i64] = &[
        S / 10,
        S / 5,
        S / 2,
        S,
        2 * S,
        5 * S,
        10 * S,
        15 * S,
        30 * S,
        60 * S,
        120 * S,
        300 * S,
        600 * S,
        900 * S,
        1800 * S,
        3600 * S,
        7200 * S,
        14400 * S,
        21600 * S,
        43200 * S,
        86400 * S,
    ];
    candidates
        .iter()
        .copied()
        .find(|&c| span / c <= 10)
        .unwrap_or(86400 * S * (span / (86400 * S * 10) + 1))
}

fn axis(h: &mut String, o: &Record, height: f64, x: &dyn Fn(i64) -> f64) {
    let step = tick_step(o.summary.makespan.max(1));
    let mut t = 0;
    while t <= o.summary.makespan {
        let _ = write!(h, "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"0\" y2=\"{height}\" stroke=\"#eee\"/><text x=\"{0:.1}\" y=\"{1}\" text-anchor=\"middle\">{2}</text>", x(t), height + 12.0, secs(t));
        t += step;
    }
}

fn gantt(
    h: &mut String,
    o: &Record,
    bars: &[Bar],
    envs: &BTreeMap<&str, &str>,
    x: &dyn Fn(i64) -> f64,
) {
    let rows = rows(bars);
    let hits: Vec<&crate::runtime::ActionSummary> = o
        .actions
        .iter()
        .filter(|a| a.state == crate::runtime::ActState::Cached)
        .collect();
    let extra = if hits.is_empty() { 0.0 } else { ROW };
    let height = rows.len() as f64 * ROW + 4.0 + extra;
    let _ = write!(h, "<svg width=\"{WIDTH}\" height=\"{}\" xmlns=\"http://www.w3.org/2000/svg\"><defs><pattern id=\"h\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"2\" height=\"4\" fill=\"#999\"/></pattern></defs>", height + 20.0);
    axis(h, o, height, x);
    for (i, (node, track)) in rows.iter().enumerate() {
        let (name, _) = &o.nodes[*node];
        let label = match track {
            Track::Slot(s) => format!("{name} / {s}"),
            Track::Replica(r) => format!("{name} / replica {r}"),
        };
        let _ = write!(
            h,
            "<text x=\"4\" y=\"{:.1}\">{}</text>",
            i as f64 * ROW + 12.0,
            esc(&label)
        );
    }
    if !hits.is_empty() {
        // Cache hits: a row of diamonds at the time of each call, which took no time.
        let y = rows.len() as f64 * ROW + 2.0;
        let _ = write!(
            h,
            "<text x=\"4\" y=\"{:.1}\">cache hits ({})</text>",
            y + 10.0,
            hits.len()
        );
        for a in &hits {
            let cx = x(a.requested_at);
            let colour = envs.get(env_of(&a.fqn)).copied().unwrap_or("#888");
            let _ = write!(h, "<path d=\"M{cx:.1},{y:.1} l5,6 l-5,6 l-5,-6 z\" fill=\"{colour}\"><title>cache hit: {} at {}</title></path>", esc(&a.fqn), secs(a.requested_at));
        }
    }
    for b in bars {
        let Some(node) = b.node else { continue };
        let row = rows.binary_search(&(node, b.track)).unwrap_or(0);
        let y = row as f64 * ROW + 2.0;
        let a = &o.actions[b.action];
        let colour = envs.get(env_of(&a.fqn)).copied().unwrap_or("#888");
        if b.running_at > b.started_at {
            let what = match (b.cold_start, b.image_pull) {
                (true, true) => "cold start + image pull",
                (true, false) => "cold start",
                _ => "waiting for its replica",
            };
            let fill = if b.cold_start { "url(#h)" } else { "#ddd" };
            let _ = write!(h, "<rect x=\"{:.2}\" y=\"{y:.1}\" width=\"{:.2}\" height=\"{}\" fill=\"{fill}\"><title>{what}: {} (attempt {})</title></rect>", x(b.started_at), (x(b.running_at) - x(b.started_at)).max(0.5), ROW - 3.0, esc(&a.fqn), b.attempt);
        }
        let _ = write!(
            h,
            "<rect x=\"{:.2}\" y=\"{y:.1}\" width=\"{:.2}\" height=\"{}\" fill=\"{colour}\" stroke=\"#fff\" stroke-width=\"0.5\"><title>{} (attempt {}, {}) {}–{} {}</title></rect>",
            x(b.running_at),
            (x(b.ended_at) - x(b.running_at)).max(0.5),
            ROW - 3.0,
            esc(&a.fqn),
            b.attempt,
            state_name(a.state),
            secs(b.running_at),
            secs(b.ended_at),
            esc(o.inputs.get(b.action).map_or("", String::as_str))
        );
    }
    h.push_str("</svg>\n");
}

/// Per node, the number of attempts on it over time, as a filled step plot.
fn gantt_aggregate(h: &mut String, o: &Record, bars: &[Bar], x: &dyn Fn(i64) -> f64) {
    let mut per_node: BTreeMap<usize, Vec<(i64, i64)>> = BTreeMap::new();
    for b in bars {
        if let Some(n) = b.node {
            let e = per_node.entry(n).or_default();
            e.push((b.started_at, 1));
            e.push((b.ended_at, -1));
        }
    }
    let band = 28.0;
    let height = per_node.len() as f64 * band + 4.0;
    let _ = write!(
        h,
        "<svg width=\"{WIDTH}\" height=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        height + 20.0
    );
    axis(h, o, height, x);
    for (row, (node, mut deltas)) in per_node.into_iter().enumerate() {
        deltas.sort();
        let peak = {
            let (mut c, mut m) = (0i64, 1i64);
            for (_, d) in &deltas {
                c += d;
                m = m.max(c);
            }
            m
        };
        let base = row as f64 * band + band - 2.0;
        let mut points = format!("{:.1},{base:.1}", x(0));
        let mut c = 0i64;
        for (t, d) in deltas {
            let y0 = base - (c as f64 / peak as f64) * (band - 6.0);
            c += d;
            let y1 = base - (c as f64 / peak as f64) * (band - 6.0);
            let _ = write!(points, " {0:.1},{y0:.1} {0:.1},{y1:.1}", x(t));
        }
        let _ = write!(points, " {:.1},{base:.1}", x(o.summary.makespan));
        let _ = write!(h, "<text x=\"4\" y=\"{:.1}\">{} (peak {peak})</text><polygon points=\"{points}\" fill=\"#4e79a7\" opacity=\"0.8\"/>", base - 8.0, esc(&o.nodes[node].0));
    }
    h.push_str("</svg>\n");
}

fn utilization(h: &mut String, o: &Record, x: &dyn Fn(i64) -> f64) {
    let s = &o.series;
    let k = s.keys.len();
    let height = 160.0;
    let _ = write!(
        h,
        "<svg width=\"{WIDTH}\" height=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        height + 40.0
    );
    axis(h, o, height, x);
    for (j, key) in s.keys.iter().enumerate() {
        let cap = s.capacity[j].max(1) as f64;
        let colour = PALETTE[j % PALETTE.len()];
        let mut points = String::new();
        let mut prev = height;
        // Cap the number of points drawn: keep one per pixel column.
        let mut last_x = -1.0;
        for (i, &t) in s.times.iter().enumerate() {
            let y = height - (s.values[i * k + j] as f64 / cap) * (height - 4.0);
            let px = x(t);
            if px - last_x < 0.5 && i + 1 < s.times.len() {
                prev = y;
                continue;
            }
            let _ = write!(points, "{px:.1},{prev:.1} {px:.1},{y:.1} ");
            prev = y;
            last_x = px;
        }
        let _ = write!(points, "{:.1},{prev:.1}", x(o.summary.makespan));
        let peak = o
            .summary
            .utilization
            .get(key)
            .map_or(0.0, |u| u.peak * 100.0);
        let _ = write!(h, "<polyline points=\"{points}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"{colour}\">{} (peak {peak:.0}%)</text>", LEFT + 130.0 * j as f64, height + 30.0, esc(key));
    }
    let _ = write!(
        h,
        "<text x=\"4\" y=\"12\">100%</text><text x=\"4\" y=\"{height}\">0%</text>"
    );
    h.push_str("</svg>\n");
}
