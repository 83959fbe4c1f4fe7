//! A run's summary: the object `run --json` prints ([`summary_json`]) and the lines a terminal
//! shows after the result ([`summary_text`]): makespan, actions by state, attempts, cold
//! starts, cost, utilization, waiting and stretch ([`super::actions`]), and the print lines.

use crate::runtime::{ActState, RunOutcome};
use indexmap::IndexMap;

/// The summary object `run --json` prints (README.md).
pub fn summary_json(outcome: &RunOutcome) -> serde_json::Value {
    let mut by_state: IndexMap<&str, u64> = IndexMap::new();
    for k in ["succeeded", "failed", "cancelled", "cached"] {
        by_state.insert(k, 0);
    }
    for a in &outcome.actions {
        let k = match a.state {
            ActState::Succeeded => "succeeded",
            ActState::Failed | ActState::Pending => "failed",
            ActState::Cancelled => "cancelled",
            ActState::Cached => "cached",
        };
        *by_state.get_mut(k).unwrap() += 1;
    }
    let mut actions = serde_json::Map::new();
    actions.insert("total".into(), (outcome.actions.len() as u64).into());
    for (k, v) in by_state {
        actions.insert(k.into(), v.into());
    }
    let utilization: serde_json::Map<String, serde_json::Value> = outcome
        .summary
        .utilization
        .iter()
        .map(|(k, u)| {
            (
                k.clone(),
                serde_json::json!({"peak": round6(u.peak), "mean": round6(u.mean)}),
            )
        })
        .collect();
    let (status, result, error) = match &outcome.result {
        Ok(v) => ("succeeded", v.to_json(), serde_json::Value::Null),
        Err(e) => (
            "failed",
            serde_json::Value::Null,
            serde_json::json!({"code": e.code.as_str(), "type": e.kind.as_str(), "message": e.message, "task": e.task}),
        ),
    };
    // `print` lines in the order printed, with the action and the virtual time.
    let logs: Vec<serde_json::Value> = outcome
        .logs
        .iter()
        .map(|l| {
            serde_json::json!({
                "at_s": l.at as f64 / 1e9,
                "action": l.action,
                "task": outcome.actions.get(l.action).map(|a| &*a.fqn),
                "text": l.text,
            })
        })
        .collect();
    let stats = super::actions::Stats::of(super::actions::View::of(outcome));
    serde_json::json!({
        "status": status,
        "result": result,
        "error": error,
        "logs": logs,
        "makespan_s": outcome.summary.makespan as f64 / 1e9,
        "actions": actions,
        "attempts": outcome.attempts,
        "cold_starts": outcome.summary.cold_starts,
        "cost_usd": round6(outcome.summary.cost_usd),
        "utilization": utilization,
        "mean_waiting_s": stats.mean_waiting as f64 / 1e9,
        "max_waiting_s": stats.max_waiting as f64 / 1e9,
        "mean_stretch": round6(stats.mean_stretch),
    })
}

fn round6(x: f64) -> f64 {
    // Past 2^53 / 10^6 there are no decimals to round, and `x * 1e6` could overflow.
    if x.abs() >= 1e10 {
        return x;
    }
    (x * 1e6).round() / 1e6
}

/// The terminal summary that follows a run's result.
pub fn summary_text(outcome: &RunOutcome) -> String {
    let j = summary_json(outcome);
    let a = &j["actions"];
    let mut out = String::new();
    out.push_str(&format!(
        "makespan {}  actions {} ({} succeeded, {} failed, {} cancelled, {} cached)  attempts {}\n",
        crate::human::human_duration(outcome.summary.makespan),
        a["total"],
        a["succeeded"],
        a["failed"],
        a["cancelled"],
        a["cached"],
        outcome.attempts
    ));
    out.push_str(&format!(
        "cold starts {} ({})  cost ${:.4}\n",
        outcome.summary.cold_starts,
        crate::human::human_duration(outcome.summary.cold_start_time),
        outcome.summary.cost_usd
    ));
    let utils: Vec<String> = outcome
        .summary
        .utilization
        .iter()
        // CPU and memory always; an accelerator only if the run used it.
        .filter(|(k, u)| k.as_str() == "cpu" || k.as_str() == "memory" || u.peak > 0.0)
        .map(|(k, u)| {
            format!(
                "{k} peak {:.0}% mean {:.1}%",
                u.peak * 100.0,
                u.mean * 100.0
            )
        })
        .collect();
    out.push_str(&format!("utilization: {}\n", utils.join(", ")));
    let stats = super::actions::Stats::of(super::actions::View::of(outcome));
    out.push_str(&format!(
        "waiting mean {} max {}  mean stretch {:.2}\n",
        crate::human::human_duration(stats.mean_waiting),
        crate::human::human_duration(stats.max_waiting),
        stats.mean_stretch
    ));
    out
}
