//! The static half of `UnschedulableError`: a constant resource request that no node of the
//! cluster could ever hold, even empty, is reported by `check` with the same words the run
//! would use, naming the closest pool and what it lacks. An environment's is `E0309`; a
//! `task.override(...)`'s is `E0510` (every error inside an override is `E05xx`), its help
//! naming `E0309`.

use super::config::{args::for_level, Level};
use super::error::CheckError;
use super::Checked;
use crate::diagnostics::Diagnostic;
use crate::sim::{Cluster, Sim};

/// `E0309` for every environment (and task queue or spot setting) that cannot be placed, and
/// `E0510` for every constant override that cannot.
pub fn check(checked: &Checked, cluster: &Cluster) -> Vec<Diagnostic> {
    let mut sim = Sim::new(cluster, 0);
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // The (environment, spot, queue) keys whose request fails.
    let mut failed = std::collections::HashSet::new();
    for task in checked.tasks.values() {
        let Some(env) = task.env.as_ref().and_then(|e| checked.envs.get(e)) else {
            continue;
        };
        let s = &env.settings;
        let Some(resources) = &s.resources else {
            continue;
        };
        let interruptible = task.settings.interruptible.unwrap_or(s.interruptible);
        let queue = task.settings.queue.clone().or(s.queue.clone());
        let key = (env.binding.clone(), interruptible, queue.clone());
        if !seen.insert(key.clone()) {
            continue;
        }
        let req = sim.request_from_spec(resources, &s.image, interruptible, queue.as_deref());
        if let Some(reason) = sim.unschedulable(&req) {
            failed.insert(key);
            let at = s.resources_span.unwrap_or(env.span);
            out.push(
                CheckError::Unschedulable {
                    at,
                    message: format!("environment `{}` cannot be scheduled: {reason}", s.name),
                }
                .to_diagnostic(),
            );
        }
    }
    let mut reported = std::collections::HashSet::new();
    for o in &checked.overrides {
        let Some(task) = checked.tasks.get(&o.task) else {
            continue;
        };
        let Some(env) = task.env.as_ref().and_then(|e| checked.envs.get(e)) else {
            continue;
        };
        let s = &env.settings;
        let base_interruptible = task.settings.interruptible.unwrap_or(s.interruptible);
        let base_queue = task.settings.queue.clone().or(s.queue.clone());
        // Keeping a request that already fails: that is the environment's error, once.
        let base_key = (env.binding.clone(), base_interruptible, base_queue.clone());
        if o.resources.is_none() && failed.contains(&base_key) {
            continue;
        }
        let Some(resources) = o.resources.as_ref().or(s.resources.as_ref()) else {
            continue;
        };
        let interruptible = o.interruptible.unwrap_or(base_interruptible);
        let queue = o.queue.clone().or(base_queue);
        let req = sim.request_from_spec(resources, &s.image, interruptible, queue.as_deref());
        if let Some(reason) = sim.unschedulable(&req) {
            if !reported.insert(o.at) {
                continue;
            }
            let d = CheckError::Unschedulable {
                at: o.at,
                message: format!("`{}.override(...)` cannot be scheduled: {reason}", o.task),
            }
            .to_diagnostic();
            out.push(for_level(Level::Override, d));
        }
    }
    out
}
