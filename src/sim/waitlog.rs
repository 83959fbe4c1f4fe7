//! Why actions waited: compact reason codes with ids, kept per request class and per
//! replica set as timelines while [`super::Sim::record_waits`] is on, and cut per action into
//! [`Wait`]s only when asked ([`super::Sim::waits`]). Text is made only when shown
//! ([`Wait::text`]), in the Kubernetes scheduler's style.

use super::{ActionId, Pool, ReplicaSetId, Time};

/// A resource a node may lack, as Kubernetes names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lack {
    Cpu,
    Memory,
    Disk,
    /// GPUs or other devices (`nvidia.com/gpu`), in sevenths of a device.
    Devices,
    Tpu,
}

impl Lack {
    pub fn name(self) -> &'static str {
        match self {
            Lack::Cpu => "cpu",
            Lack::Memory => "memory",
            Lack::Disk => "ephemeral-storage",
            Lack::Devices => "nvidia.com/gpu",
            Lack::Tpu => "google.com/tpu",
        }
    }

    /// `used/capacity` in the resource's everyday unit.
    fn amounts(self, used: u64, cap: u64) -> String {
        let f = |v: u64| match self {
            Lack::Cpu => crate::resources::quantity::format_cpu(v),
            Lack::Memory | Lack::Disk => crate::resources::quantity::format_bytes(v),
            Lack::Devices | Lack::Tpu => {
                let d = v as f64 / 7.0;
                if d.fract() == 0.0 {
                    format!("{d}")
                } else {
                    format!("{d:.2}")
                }
            }
        };
        format!("{}/{}", f(used), f(cap))
    }
}

/// Why no node of one pool took the request.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolWhy {
    /// Index into the cluster's pools.
    pub pool: u32,
    /// Live nodes.
    pub nodes: u32,
    /// Nodes lacking each resource (the first one each lacks), most common first.
    pub lacking: Vec<(Lack, u32)>,
    /// The most common lack over the pool: used and capacity (in the units of
    /// [`super::UtilizationSeries`]), and the actions holding it (a few, then how many more).
    pub held: Option<(u64, u64, Vec<ActionId>, u32)>,
    /// An autoscaling pool at its `max_count`.
    pub at_max: Option<u32>,
    /// In a per-class timeline: when the holders changed after the span began, and to whom
    /// (the reason stays one span). Empty in an action's [`Wait`], which names the holders
    /// in force when its span began instead.
    pub changes: Vec<(Time, Vec<ActionId>, u32)>,
    /// In an action's [`Wait`]: others held it later in the span.
    pub others_later: bool,
}

impl PoolWhy {
    /// This pool's reason as one action's span `[from, to)` of it reads: the holders in force
    /// at `from`, and whether others held it before `to`.
    pub(crate) fn during(&self, from: Time, to: Time) -> PoolWhy {
        let before = self.changes.partition_point(|c| c.0 <= from);
        let held = self.held.as_ref().map(|h| match before.checked_sub(1) {
            Some(i) => (h.0, h.1, self.changes[i].1.clone(), self.changes[i].2),
            None => h.clone(),
        });
        PoolWhy {
            pool: self.pool,
            nodes: self.nodes,
            lacking: self.lacking.clone(),
            held,
            at_max: self.at_max,
            changes: Vec::new(),
            others_later: self.changes.get(before).is_some_and(|c| c.0 < to),
        }
    }
}

impl WaitReason {
    /// The reason as one action's span `[from, to)` of it reads ([`PoolWhy::during`]).
    pub(crate) fn during(&self, from: Time, to: Time) -> WaitReason {
        match self {
            WaitReason::NoRoom(pools) => {
                WaitReason::NoRoom(pools.iter().map(|p| p.during(from, to)).collect())
            }
            other => other.clone(),
        }
    }
}

/// One reason an action waited.
#[derive(Clone, Debug, PartialEq)]
pub enum WaitReason {
    /// No live node had room: why, pool by pool.
    NoRoom(Vec<PoolWhy>),
    /// A node asked of an autoscaling pool for it is not ready yet.
    Provisioning { pool: u32, ready_at: Time },
    /// Every replica of a reusable environment was busy, at its most replicas.
    ReplicasBusy {
        set: ReplicaSetId,
        replicas: u32,
        concurrency: u32,
    },
}

/// A span of time an action waited, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Wait {
    pub from: Time,
    pub to: Time,
    pub reason: WaitReason,
}

impl Wait {
    /// The reason in one line: `0/4 nodes of pool a100 fit: 4 insufficient nvidia.com/gpu
    /// (8/8 held by train#3, train#4)`. `pools` are the cluster's; `action` and `set` name
    /// actions and environments.
    pub fn text(
        &self,
        pools: &[Pool],
        action: &dyn Fn(ActionId) -> String,
        set: &dyn Fn(ReplicaSetId) -> String,
    ) -> String {
        let pool = |p: u32| {
            pools
                .get(p as usize)
                .map_or("?", |p| p.name.as_str())
                .to_string()
        };
        match &self.reason {
            WaitReason::Provisioning { pool: p, ready_at } => format!(
                "node of pool {} provisioning (ready at {})",
                pool(*p),
                crate::human::human_duration(*ready_at)
            ),
            WaitReason::ReplicasBusy {
                set: s,
                replicas,
                concurrency,
            } => format!(
                "all {replicas} replicas of {} busy (concurrency {concurrency})",
                set(*s)
            ),
            WaitReason::NoRoom(pools) => {
                let parts: Vec<String> = pools
                    .iter()
                    .map(|w| {
                        let mut s = format!("0/{} nodes of pool {} fit", w.nodes, pool(w.pool));
                        let lacks: Vec<String> = w
                            .lacking
                            .iter()
                            .map(|(l, n)| format!("{n} insufficient {}", l.name()))
                            .collect();
                        if !lacks.is_empty() {
                            s.push_str(": ");
                            s.push_str(&lacks.join(", "));
                        }
                        if let (Some((used, cap, who, more)), Some((l, _))) =
                            (&w.held, w.lacking.first())
                        {
                            let mut names: Vec<String> = who.iter().map(|&a| action(a)).collect();
                            if *more > 0 {
                                names.push(format!("{more} more"));
                            }
                            s.push_str(&format!(" ({}", l.amounts(*used, *cap)));
                            if !names.is_empty() {
                                s.push_str(&format!(" held by {}", names.join(", ")));
                                if w.others_later {
                                    s.push_str(", then by others");
                                }
                            }
                            s.push(')');
                        }
                        if let Some(max) = w.at_max {
                            s.push_str(&format!(
                                "; pool {} at its maximum of {max} nodes",
                                pool(w.pool)
                            ));
                        }
                        s
                    })
                    .collect();
                parts.join("; ")
            }
        }
    }
}

/// The timelines: per class and per replica set, (since, reason or `None` for "nobody
/// waits"), appended only when the reason changes.
#[derive(Default)]
pub(crate) struct WaitLog {
    pub classes: Vec<Vec<(Time, Option<WaitReason>)>>,
    pub sets: Vec<Vec<(Time, Option<WaitReason>)>>,
}

impl WaitLog {
    /// Appends a reason unless it is the one in force: a reason that differs from it only in
    /// who holds the resource is the same reason still holding (its first holders are named).
    pub(crate) fn note(
        line: &mut Vec<(Time, Option<WaitReason>)>,
        at: Time,
        r: Option<WaitReason>,
    ) {
        if let Some((_, last)) = line.last_mut() {
            if same(last, &r) {
                // The same reason: note who holds it now where that changed.
                if let (Some(WaitReason::NoRoom(x)), Some(WaitReason::NoRoom(y))) = (last, r) {
                    for (p, q) in x.iter_mut().zip(y) {
                        let now = q.held.map(|h| (h.2, h.3));
                        let last = match p.changes.last() {
                            Some(c) => Some((&c.1, c.2)),
                            None => p.held.as_ref().map(|h| (&h.2, h.3)),
                        };
                        if let Some((who, more)) = now {
                            if last != Some((&who, more)) {
                                p.changes.push((at, who, more));
                            }
                        }
                    }
                }
                return;
            }
        }
        if line.is_empty() && r.is_none() {
            return;
        }
        match line.last_mut() {
            Some(last) if last.0 == at => last.1 = r,
            _ => line.push((at, r)),
        }
    }
}

/// Equal but for the holders named.
fn same(a: &Option<WaitReason>, b: &Option<WaitReason>) -> bool {
    match (a, b) {
        (Some(WaitReason::NoRoom(x)), Some(WaitReason::NoRoom(y))) => {
            x.len() == y.len()
                && x.iter().zip(y).all(|(p, q)| {
                    (p.pool, p.nodes, &p.lacking, p.at_max)
                        == (q.pool, q.nodes, &q.lacking, q.at_max)
                        && p.held.as_ref().map(|h| (h.0, h.1))
                            == q.held.as_ref().map(|h| (h.0, h.1))
                })
        }
        _ => a == b,
    }
}
