//! Accounting: cost, utilization, cold starts, and the run's [`SimSummary`].
//!
//! Usage is kept as running totals of what pods hold (starting or running actions, live
//! replicas): CPU millicores, memory bytes, and for each accelerator type sevenths of a device
//! (a MIG `3g` partition is 3, a whole GPU 7, a TPU slice 7). When the clock is about to move
//! and the totals changed during the instant, one sample is appended, so a million actions
//! ending and starting at the same instants cost one sample per instant, and transient states
//! inside an instant never show as peaks. The mean is the integral of a total over
//! [0, makespan] divided by makespan times capacity; the peak is the largest sample.
//!
//! Billing: a node is busy from the moment it receives its first pod until its last pod
//! leaves; each busy interval is billed at its pool's `cost_per_hour`, including the idle tail
//! of replicas that outlive the last action (docs/runtime.md: idle-but-alive replicas are
//! billed; see [`Sim::drain_replicas`]). Utilization is measured up to the makespan.

use super::sched::Sim;
use super::{ActionRecord, NodeId, ReplicaRecord, Time};
use indexmap::IndexMap;

/// Peak and mean use of one resource, as fractions of the cluster's capacity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Utilization {
    pub peak: f64,
    pub mean: f64,
}

/// One node's busy time and cost.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeUsage {
    pub node: NodeId,
    /// `cpu-0`.
    pub name: String,
    pub pool: String,
    pub busy: Time,
    pub cost_usd: f64,
    /// When the node was asked for (0 for a pool of fixed `count`): from here it is billed
    /// when billing follows live nodes.
    pub up_at: Time,
    /// When it was removed, or [`super::NEVER`] when it lived to the end of the run.
    pub down_at: Time,
    /// Every life of the node, (asked for, removed or [`super::NEVER`]): a node of an
    /// autoscaling pool may be removed and provisioned again; `up_at` is the first life's
    /// start and `down_at` the last one's end. Empty for a node never provisioned.
    pub lives: Vec<(Time, Time)>,
}

/// Usage over time: at `times[i]`, resource `k` is at `values[i * keys.len() + k]` (in the
/// units of the module docs) until the next time.
#[derive(Clone, Debug, PartialEq)]
pub struct UtilizationSeries {
    /// `cpu`, `memory`, `gpu:A100`, `tpu:V5P`, ...
    pub keys: Vec<String>,
    pub capacity: Vec<u64>,
    pub times: Vec<Time>,
    pub values: Vec<u64>,
}

/// What a run did, in numbers (docs/runtime.md).
#[derive(Clone, Debug, PartialEq)]
pub struct SimSummary {
    /// From 0 to the end of the last action.
    pub makespan: Time,
    pub cost_usd: f64,
    /// `cpu`, `memory`, then one key per accelerator type of the cluster.
    pub utilization: IndexMap<String, Utilization>,
    /// One per pod start (actions' own pods and replicas).
    pub cold_starts: u64,
    pub cold_start_time: Time,
    pub nodes: Vec<NodeUsage>,
    pub actions: Vec<ActionRecord>,
    pub replicas: Vec<ReplicaRecord>,
}

impl Sim {
    /// The end of the last action, or now while actions are live.
    pub fn makespan(&self) -> Time {
        if self.live == 0 {
            self.last_end
        } else {
            self.now
        }
    }

    /// When the run stops using the cluster: the end of its last action, replica or node of
    /// an autoscaling pool (nodes still live then are billed up to here).
    pub fn end_of_run(&self) -> Time {
        let nodes = self.nodes.iter().flat_map(|n| n.lives.iter().map(|l| l.1));
        let replicas = self.replicas.iter().map(|r| r.ended_at);
        nodes.chain(replicas).fold(self.makespan(), Time::max)
    }

    /// Usage over time, with the current instant's state included.
    pub fn utilization_series(&self) -> UtilizationSeries {
        let mut s = UtilizationSeries {
            keys: self.acct.keys.clone(),
            capacity: self.acct.cap.clone(),
            times: self.acct.times.clone(),
            values: self.acct.values.clone(),
        };
        if self.acct.changed {
            s.times.push(self.now);
            s.values.extend_from_slice(&self.acct.used);
        }
        s
    }

    /// Busy intervals of the nodes: (node, from, to), the open ones ending now.
    pub fn node_intervals(&self) -> Vec<(NodeId, Time, Time)> {
        let mut v: Vec<(NodeId, Time, Time)> = self
            .acct
            .intervals
            .iter()
            .map(|&(n, a, b)| (NodeId(n), a, b))
            .collect();
        for (i, n) in self.nodes.iter().enumerate() {
            if !n.pods.is_empty() {
                v.push((NodeId(i as u32), n.busy_since, self.now));
            }
        }
        v
    }

    /// Makespan, cost, utilization, cold starts and the records of every action and replica.
    /// [`Sim::summary`], moving the action records out instead of copying them (the end of a
    /// run: at a million actions the copy is the largest allocation left). The simulator
    /// keeps no per-action state after it: only the nodes' names and the utilization series
    /// may still be asked for.
    pub fn take_summary(&mut self) -> SimSummary {
        let recs = std::mem::take(&mut self.recs);
        let mut s = self.summary_with(Vec::new());
        s.actions = recs;
        self.act = Vec::new();
        for c in &mut self.classes {
            c.queue = Default::default();
        }
        s
    }

    pub fn summary(&self) -> SimSummary {
        self.summary_with(self.recs.clone())
    }

    fn summary_with(&self, actions: Vec<ActionRecord>) -> SimSummary {
        let m = self.makespan();
        let mut busy = vec![0 as Time; self.nodes.len()];
        for (n, a, b) in self.node_intervals() {
            busy[n.0 as usize] += (b - a).max(0);
        }
        let mut nodes = Vec::with_capacity(self.nodes.len());
        let mut cost_usd = 0.0;
        let end = self.end_of_run();
        for (i, &b) in busy.iter().enumerate() {
            let node = &self.nodes[i];
            let pool = &self.cluster.pools[node.pool as usize];
            // An autoscaling pool's nodes are billed while live, a fixed pool's while busy.
            let billed = if pool.autoscale.is_some() {
                node.lives
                    .iter()
                    .map(|&(a, b)| (if b == super::NEVER { end } else { b } - a).max(0))
                    .sum()
            } else {
                b
            };
            // Finite whatever the pool's rate (a `Cluster` built in code skips the TOML's
            // bound): an overflow is the largest float, never infinity or NaN.
            let cost = finite_cost(billed as f64 / 3.6e12 * pool.cost_per_hour);
            cost_usd = finite_cost(cost_usd + cost);
            nodes.push(NodeUsage {
                node: NodeId(i as u32),
                name: self.node_name(NodeId(i as u32)),
                pool: pool.name.clone(),
                busy: b,
                cost_usd: cost,
                up_at: node.lives.first().map_or(super::NEVER, |l| l.0),
                down_at: node.lives.last().map_or(super::NEVER, |l| l.1),
                lives: node.lives.clone(),
            });
        }
        let series = self.utilization_series();
        let k = series.keys.len();
        let mut integral = vec![0f64; k];
        let mut peak = vec![0u64; k];
        for (i, &t) in series.times.iter().enumerate() {
            if t >= m {
                break;
            }
            let next = series.times.get(i + 1).copied().unwrap_or(m).min(m);
            let vals = &series.values[i * k..(i + 1) * k];
            for j in 0..k {
                integral[j] += vals[j] as f64 * (next - t) as f64;
                peak[j] = peak[j].max(vals[j]);
            }
        }
        let mut utilization = IndexMap::new();
        for j in 0..k {
            let cap = series.capacity[j] as f64;
            let u = if cap > 0.0 && m > 0 {
                Utilization {
                    peak: peak[j] as f64 / cap,
                    mean: integral[j] / (cap * m as f64),
                }
            } else {
                Utilization {
                    peak: 0.0,
                    mean: 0.0,
                }
            };
            utilization.insert(series.keys[j].clone(), u);
        }
        SimSummary {
            makespan: m,
            cost_usd,
            utilization,
            cold_starts: self.acct.cold_starts,
            cold_start_time: self.acct.cold_time,
            nodes,
            actions,
            replicas: self.replica_records(),
        }
    }
}

/// A cost as a finite number: infinities become the largest float, NaN (no rate) zero.
fn finite_cost(c: f64) -> f64 {
    if c.is_nan() {
        0.0
    } else {
        c.clamp(-f64::MAX, f64::MAX)
    }
}
