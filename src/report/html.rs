//! The HTML report: one self-contained page (inline CSS and script, no network) with the
//! run's summary, and charts drawn by the page's script (`report.js`) from a data object
//! embedded in it (`html_data.rs`): an overview of the whole run to choose a window of time
//! from; the timeline by task, where identical actions (same task, same request) fold into
//! one row of counts over time that unfolds into a row per action; the schedule by node, each
//! node a row that unfolds into its slots and replicas; the number of nodes of each pool over
//! time; and utilization over time. All charts zoom and pan together (Ctrl+wheel, drag,
//! buttons, keys, or a range dragged on the overview), and every duration reads as
//! `1h 12m 35.7s`. The table lists the first [`MAX_ROWS`] actions; the page says so.

use super::actions::{metrics, AttemptMetrics};
use super::html_data::{data, PALETTE};
use super::{bars, env_of, state_name, Record};
use crate::human::human_duration;
use std::fmt::Write as _;

/// Rows of the action table.
pub const MAX_ROWS: usize = 2_000;

const SCRIPT: &str = include_str!("report.js");

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}\
h2{font-size:16px;margin-top:28px}table{border-collapse:collapse;font-size:12px}\
td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}\
.kpi{display:inline-block;margin-right:28px}.kpi b{display:block;font-size:18px}.note{color:#666;font-size:12px}\
.tlwrap{overflow-y:auto;overflow-x:hidden;position:relative;border:1px solid #eee}canvas.tl{display:block;position:sticky;top:0}\
.controls button{margin-right:4px}.controls{position:sticky;top:0;background:#fff;padding:6px 0;z-index:2}\
#tip{position:fixed;display:none;background:#fff;border:1px solid #999;padding:6px 8px;font-size:12px;\
max-width:520px;pointer-events:none;box-shadow:0 2px 6px rgba(0,0,0,.2);z-index:3}";

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
    let mut envs: Vec<(&str, &str)> = Vec::new();
    for a in &o.actions {
        let e = env_of(&a.fqn);
        if !envs.iter().any(|(x, _)| *x == e) {
            envs.push((e, PALETTE[envs.len() % PALETTE.len()]));
        }
    }
    let data = data(o, &bars, &envs);
    let mut h = String::with_capacity(data.len() + SCRIPT.len() + 256 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>{STYLE}</style></head><body>\n<h1>{t}</h1>\n",
        t = esc(title)
    );
    // Summary.
    let a = &summary["actions"];
    let dur = |k: &str| secs((summary[k].as_f64().unwrap_or(0.0) * 1e9).round() as i64);
    let _ = write!(
        h,
        "<div><span class=\"kpi\">status<b>{}</b></span><span class=\"kpi\">makespan<b>{}</b></span>\
<span class=\"kpi\">actions<b>{}</b></span><span class=\"kpi\">attempts<b>{}</b></span>\
<span class=\"kpi\">cold starts<b>{}</b></span><span class=\"kpi\">cost<b>${:.4}</b></span>\
<span class=\"kpi\">mean waiting<b>{}</b></span><span class=\"kpi\">max waiting<b>{}</b></span>\
<span class=\"kpi\">mean stretch<b>{:.2}</b></span></div>\n\
<p class=\"note\">{} succeeded, {} failed, {} cancelled, {} cached</p>\n",
        esc(summary["status"].as_str().unwrap_or("")),
        secs(o.summary.makespan),
        a["total"],
        summary["attempts"],
        o.summary.cold_starts,
        o.summary.cost_usd,
        dur("mean_waiting_s"),
        dur("max_waiting_s"),
        summary["mean_stretch"].as_f64().unwrap_or(0.0),
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
    // Legend and controls.
    h.push_str("<div class=\"controls\"><p style=\"margin:0 0 6px\">");
    for (env, colour) in &envs {
        let _ = write!(h, "<span style=\"display:inline-block;width:12px;height:12px;background:{colour};margin:0 4px 0 12px\"></span>{}", esc(env));
    }
    h.push_str("<span style=\"display:inline-block;width:12px;height:12px;background:#9a9a9a;margin:0 4px 0 12px\"></span>cold start\
<span style=\"display:inline-block;width:12px;height:12px;background:#e4e4e4;margin:0 4px 0 12px\"></span>queued</p>\
<button id=\"zoom-in\" title=\"zoom in (+)\">+</button><button id=\"zoom-out\" title=\"zoom out (-)\">−</button>\
<button id=\"pan-left\" title=\"earlier (←)\">◀</button><button id=\"pan-right\" title=\"later (→)\">▶</button>\
<button id=\"fit\" title=\"the whole run (0)\">whole run</button> <button id=\"unfold\">unfold all</button><button id=\"fold\">fold all</button> \
<span id=\"range\" class=\"note\"></span><div id=\"overview\"></div></div>\n\
<p class=\"note\">Drag a chart to pan, Ctrl+wheel to zoom, Shift+wheel to pan, or drag on the overview to choose a window; \
click a ▸ name to unfold a group of identical actions (same task, same request) into one row each.</p>\n\
<noscript><p><b>The charts need JavaScript; the tables below do not.</b></p></noscript>\n\
<h2>Timeline by task</h2>\n<div id=\"tl-tasks\"></div>\n\
<h2>Schedule by node</h2>\n<div id=\"tl-nodes\"></div>\n\
<h2>Nodes per pool</h2>\n<div id=\"pools\"></div>\n\
<h2>Utilization</h2>\n<div id=\"util\"></div>\n<div id=\"tip\"></div>\n");
    table(&mut h, o);
    logs(&mut h, o);
    h.push_str("<script type=\"application/json\" id=\"report-data\">");
    h.push_str(&data);
    h.push_str("</script>\n<script>\n");
    h.push_str(SCRIPT);
    h.push_str("</script>\n</body></html>\n");
    h
}

/// The table of actions: per action, its first submission, its last attempt's start and end,
/// its waiting over all attempts, and the node of its last attempt.
fn table(h: &mut String, o: &Record) {
    h.push_str("<h2>Actions</h2>\n<table><tr><th>#</th><th>action</th><th>state</th><th>attempts</th><th>submitted</th><th>started</th><th>ended</th><th>waited</th><th>ran</th><th>node</th><th>group</th></tr>\n");
    let view = o.view();
    let mut rows = metrics(view).peekable();
    let t = |v: Option<i64>| v.map_or("-".to_string(), secs);
    for (i, act) in o.actions.iter().enumerate().take(MAX_ROWS) {
        let mut mine: Vec<AttemptMetrics> = Vec::new();
        while let Some(r) = rows.next_if(|r| r.action == i) {
            mine.push(r);
        }
        let (first, last) = (mine.first(), mine.last());
        let waited: Option<i64> = mine.iter().filter_map(|r| r.waiting).reduce(|a, b| a + b);
        let node = last.and_then(|r| view.node(r)).map_or("", |n| n.0.as_str());
        let _ = writeln!(
            h,
            "<tr><td>{i}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&act.fqn),
            state_name(act.state),
            act.attempts,
            t(first.map(|r| r.submission)),
            t(last.and_then(|r| r.starting)),
            t(last.and_then(|r| r.finish)),
            t(waited),
            t(last.and_then(|r| r.execution)),
            esc(node),
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
