//! The static half of `UnschedulableError`: an environment whose constant resource request no
//! node of the cluster could ever hold, even empty, is reported by `check` (`E0309`) with the
//! same words the run would use, naming the closest pool and what it lacks.

use super::error::CheckError;
use super::Checked;
use crate::diagnostics::Diagnostic;
use crate::sim::{Cluster, Sim};

/// `E0309` for every environment (and task queue or spot setting) that cannot be placed.
pub fn check(checked: &Checked, cluster: &Cluster) -> Vec<Diagnostic> {
    let mut sim = Sim::new(cluster, 0);
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
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
        if !seen.insert(key) {
            continue;
        }
        let req = sim.request_from_spec(resources, &s.image, interruptible, queue.as_deref());
        if let Some(reason) = sim.unschedulable(&req) {
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
    out
}
