//! The state of processor sharing inside reusable replicas: the `compute` and `gpu_compute`
//! work under way on each replica, and the memory its actions hold. The scheduler
//! ([`super::sched`]) holds it; the model that changes it is `work.rs`.

use super::Time;
use std::collections::HashMap;

/// The resource a piece of work runs on.
pub(crate) const CPU: u8 = 0;
pub(crate) const GPU: u8 = 1;

/// One `compute` or `gpu_compute` call of an action on a replica, keyed by its timer id.
pub(crate) struct Work {
    pub owner: u32,
    pub replica: u32,
    pub kind: u8,
    /// Work left, in nanoseconds of one core (or one GPU), as of `since`.
    pub left: f64,
    /// The action's own limit: it never progresses faster (cores or GPUs).
    pub own: f64,
    /// Its progress rate since `since` (cores or GPUs).
    pub rate: f64,
    pub since: Time,
    /// Bumped at every re-timing: completion events of older generations are stale.
    pub gen: u32,
    pub tag: u64,
}

/// Work and memory of the actions running on replicas. Empty (and never looked at) in runs
/// without reusable environments.
#[derive(Default)]
pub(crate) struct Shares {
    pub works: HashMap<u32, Work>,
    /// (replica, kind) -> timer ids of the work under way there, in start order.
    pub groups: HashMap<(u32, u8), Vec<u32>>,
    /// Memory in use by actions on replicas (only those holding some).
    pub mem: HashMap<u32, u64>,
    /// Memory in use by all the actions of a replica (only replicas holding some).
    pub replica_mem: HashMap<u32, u64>,
}
