//! Autoscaling node pools (docs/cluster.md), as a cluster autoscaler or Karpenter grows and
//! shrinks a node group.
//!
//! A pool with `min_count` and `max_count` has `max_count` node slots; the first `min_count`
//! are live from the start, the others absent (placement skips them). After a placement pass,
//! the pods still waiting are exactly those no live node can hold now; for each of them, in
//! the order they were queued, the autoscaler counts on a node already provisioning that has
//! room for it, or else provisions a node of the cheapest pool (the class's preference order)
//! that could hold it and has fewer than `max_count` live nodes. The node's capacity stands for
//! the pods planned on it while it provisions, so one scale-up decision asks for as many nodes
//! as the pending pods need, and a pod is counted once (the class's `promised`), however often
//! the decision runs. After `scale_up_delay` the node is ready, empty and without images (it
//! pulls them as a fresh node), and an ordinary placement pass fills it. A node that has been
//! empty for `scale_down_after` is removed while its pool has more than `min_count` live.
//!
//! Billing follows live nodes: each life of a node (from provisioning to removal, or to the
//! end of the run) is billed at its pool's rate ([`super::account`]).

use super::node::NodeState;
use super::sched::{EvKind, Sim};
use super::{cluster::nanos, Time, NEVER};

impl Sim {
    /// The scale-up decision (module docs), run after a placement pass when pods were queued
    /// or planned capacity came up since the last one.
    pub(crate) fn autoscale(&mut self) {
        self.scale_dirty = false;
        let mut order: Vec<(u32, u32)> = Vec::new();
        for &c in &self.listed {
            let class = &self.classes[c as usize];
            if class.saturated {
                if let Some(&(seq, _)) = class.queue.front() {
                    order.push((seq, c));
                }
            }
        }
        order.sort_unstable();
        for (_, c) in order {
            let class = &self.classes[c as usize];
            let waiting = (class.queue.len() as u32)
                .saturating_sub(class.dead)
                .saturating_sub(class.promised);
            for _ in 0..waiting {
                if !self.plan_one(c) {
                    break;
                }
            }
        }
    }

    /// Counts one waiting pod of class `c` on a provisioning node, provisioning one if need
    /// be; `false` when no pool may grow for it.
    fn plan_one(&mut self, c: u32) -> bool {
        let shape = self.classes[c as usize].shape;
        let rank = &self.classes[c as usize].rank;
        let on = self
            .provisioning
            .iter()
            .copied()
            .filter(|&n| {
                let node = &self.nodes[n as usize];
                rank[node.pool as usize] != u16::MAX && node.fits_capacity(&shape)
            })
            .min_by_key(|&n| (rank[self.nodes[n as usize].pool as usize], n));
        let n = match on {
            Some(n) => n,
            None => {
                let mut pools: Vec<usize> = (0..self.pools.len())
                    .filter(|&p| {
                        rank[p] != u16::MAX
                            && self.cluster.pools[p].autoscale.is_some()
                            && self.pool_live[p] < self.cluster.pools[p].count
                    })
                    .collect();
                pools.sort_by_key(|&p| rank[p]);
                let Some(&p) = pools.first() else {
                    return false;
                };
                let n = self.provision(p);
                if !self.nodes[n as usize].fits_capacity(&shape) {
                    return false;
                }
                n
            }
        };
        let node = &mut self.nodes[n as usize];
        node.alloc(&shape);
        match node.planned.iter_mut().find(|(k, _)| *k == c) {
            Some((_, count)) => *count += 1,
            None => node.planned.push((c, 1)),
        }
        self.classes[c as usize].promised += 1;
        true
    }

    /// Asks for a node of pool `p` now (one of its absent slots, never used ones first).
    fn provision(&mut self, p: usize) -> u32 {
        let first = self.pools[p].first;
        let slots = first..first + self.cluster.pools[p].count;
        let absent = |n: &u32| self.nodes[*n as usize].state == NodeState::Absent;
        let n = slots
            .clone()
            .filter(absent)
            .find(|&n| self.nodes[n as usize].lives.is_empty())
            .or_else(|| slots.clone().find(absent))
            .expect("a pool below max_count has an absent node");
        let pool = &self.cluster.pools[p];
        let (cpu, mem, disk) = (pool.cpu_milli, pool.memory, pool.disk);
        let tpu = matches!(pool.accel, Some(super::PoolAccel::Tpu { .. }));
        let delay = pool.autoscale.map_or(0, |a| nanos(a.scale_up_delay));
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        node.reset(cpu, mem, disk, tpu);
        node.state = NodeState::Provisioning;
        node.lives.push((now, NEVER));
        self.pool_live[p] += 1;
        self.provisioning.push(n);
        self.push_event(delay, EvKind::NodeReady(n));
        n
    }

    /// The node is provisioned: empty, all of it free, no images yet.
    pub(crate) fn node_ready(&mut self, n: u32) {
        let p = self.nodes[n as usize].pool as usize;
        let pool = &self.cluster.pools[p];
        let (cpu, mem, disk) = (pool.cpu_milli, pool.memory, pool.disk);
        let tpu = matches!(pool.accel, Some(super::PoolAccel::Tpu { .. }));
        let node = &mut self.nodes[n as usize];
        node.reset(cpu, mem, disk, tpu);
        node.state = NodeState::Ready;
        for (c, k) in std::mem::take(&mut node.planned) {
            let class = &mut self.classes[c as usize];
            class.promised = class.promised.saturating_sub(k);
        }
        self.provisioning.retain(|&x| x != n);
        if !node.freed {
            node.freed = true;
            self.freed.push(n);
        }
        self.dirty = true;
        self.scale_dirty = true;
        self.node_went_idle(n);
    }

    /// A node of an autoscaling pool has no pod (left or never came): its removal is due
    /// after `scale_down_after` unless a pod comes first.
    pub(crate) fn node_went_idle(&mut self, n: u32) {
        let node = &mut self.nodes[n as usize];
        let Some(a) = self.cluster.pools[node.pool as usize].autoscale else {
            return;
        };
        if node.state != NodeState::Ready {
            return;
        }
        node.idle_epoch = node.idle_epoch.wrapping_add(1);
        let epoch = node.idle_epoch;
        self.push_event(
            nanos(a.scale_down_after),
            EvKind::NodeIdle { node: n, epoch },
        );
    }

    /// The node has been idle since `epoch`: removed while its pool has more than
    /// `min_count` live nodes.
    pub(crate) fn scale_down_node(&mut self, n: u32, epoch: u32) {
        let node = &self.nodes[n as usize];
        let p = node.pool as usize;
        let min = self.cluster.pools[p]
            .autoscale
            .map_or(u32::MAX, |a| a.min_count);
        if node.idle_epoch != epoch
            || node.state != NodeState::Ready
            || !node.pods.is_empty()
            || self.pool_live[p] <= min
        {
            return;
        }
        let now: Time = self.now;
        let node = &mut self.nodes[n as usize];
        node.state = NodeState::Absent;
        node.epoch = node.epoch.wrapping_add(1);
        node.images.clear();
        if let Some(life) = node.lives.last_mut() {
            life.1 = now;
        }
        self.pool_live[p] -= 1;
    }
}
