//! Why each action waited, as a run reports it ([`super::RunOptions::record_waits`]): the
//! simulator's reason codes turned into text once, at the end of a run that asked.

use super::Shared;
use crate::sim::{self, ActionId, ReplicaSetId};

/// A span of virtual time an action waited, and why, in the Kubernetes scheduler's style
/// (`0/4 nodes of pool a100 fit: 4 insufficient nvidia.com/gpu (8/8 held by train#3,
/// train#4)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionWait {
    /// Virtual nanoseconds.
    pub from: i64,
    pub to: i64,
    pub reason: String,
}

impl ActionWait {
    /// `1m 5s to 2m 10s (1m 5s): REASON`, times as [`crate::human`] writes durations.
    pub fn line(&self) -> String {
        let d = crate::human::human_duration;
        format!(
            "{} to {} ({}): {}",
            d(self.from),
            d(self.to),
            d(self.to - self.from),
            self.reason
        )
    }
}

/// An action's name in wait reasons and `--why`: its task's name, `#`, its index
/// (`train#3`).
pub fn action_name(fqn: &str, id: usize) -> String {
    let task = fqn.rsplit('.').next().unwrap_or(fqn);
    format!("{task}#{id}")
}

/// Every action's waits over all its attempts, by action index.
/// Which actions' waits are wanted, by FQN and action index ([`super::RunOptions::waits_of`]).
pub type WaitsOf<'a> = &'a dyn Fn(&str, usize) -> bool;

/// Every action's waits over all its attempts, by action index; only those `wanted` (by FQN
/// and index) are turned into text, the others left empty.
pub(crate) fn collect(sh: &Shared<'_>, wanted: Option<WaitsOf<'_>>) -> Vec<Vec<ActionWait>> {
    let sim = sh.sim.borrow();
    let acts = sh.acts.borrow();
    let sim_acts = sh.sim_acts.borrow();
    let sets = sh.replica_sets.borrow();
    let action = |a: ActionId| match sim_acts.get(a.0 as usize) {
        Some(&id) if id != u32::MAX => {
            let id = id as usize;
            action_name(&sh.prog.task_fqn(acts[id].task), id)
        }
        _ => format!("action {}", a.0),
    };
    let set = |s: ReplicaSetId| {
        sets.iter()
            .find(|(_, &v)| v == s)
            .map_or_else(|| format!("replica set {}", s.0), |(n, _)| n.to_string())
    };
    let pools = &sim.cluster().pools;
    let mut out = vec![Vec::new(); acts.len()];
    for (sid, &id) in sim_acts.iter().enumerate() {
        if id == u32::MAX {
            continue;
        }
        let id = id as usize;
        if wanted.is_some_and(|f| !f(&sh.prog.task_fqn(acts[id].task), id)) {
            continue;
        }
        for w in sim.waits(sim::ActionId(sid as u32)) {
            let reason = w.text(pools, &action, &set);
            out[id].push(ActionWait {
                from: w.from,
                to: w.to,
                reason,
            });
        }
    }
    out
}
