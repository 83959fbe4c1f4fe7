//! A pod's life on its node: taking and giving back capacity, the node's billing and
//! preemption clock, cold starts with the once-per-node image pull, and spot preemption.
//!
//! A node is billed from its first pod to its last; when it becomes busy and it is a spot
//! node, one exponential draw (rate `preemption_rate` per node-hour) from the run's seeded
//! generator schedules its preemption. The node's epoch changes whenever it empties, which
//! drops the pending preemption: the process is memoryless, so drawing again when it is next
//! occupied gives the same distribution. An image pull completes at a known time per (node,
//! image); a pod placed while the pull is under way waits for the rest of it.

use super::node::PodRef;
use super::sched::{EvKind, Sim};
use super::{ActionId, ActionState, NodeId, SimEvent, Sym, Time};

impl Sim {
    /// Gives back a pod's capacity on its node and removes it from the node.
    pub(crate) fn release_pod(&mut self, node: u32, class: u32, alloc: u64, pos: u32) {
        self.free_capacity(node, class, alloc);
        self.vacate(node, pos);
    }

    pub(crate) fn free_capacity(&mut self, node: u32, class: u32, alloc: u64) {
        let shape = self.classes[class as usize].shape;
        let n = &mut self.nodes[node as usize];
        n.free(&shape, alloc);
        let key = self.pools[n.pool as usize].acct_key;
        self.acct.sub(&shape, key);
        if !n.freed {
            n.freed = true;
            self.freed.push(node);
        }
        self.dirty = true;
    }

    /// Puts a pod on a node's list; the node starts being billed if it was empty.
    pub(crate) fn occupy(&mut self, node: u32, pod: PodRef) -> u32 {
        let n = &mut self.nodes[node as usize];
        let pos = n.pods.len() as u32;
        n.pods.push(pod);
        if pos == 0 {
            n.busy_since = self.now;
            n.idle_epoch = n.idle_epoch.wrapping_add(1);
            let rate = self.cluster.preemption_rate;
            if rate > 0.0 && self.cluster.pools[n.pool as usize].spot {
                let epoch = n.epoch;
                let hours = self.rng.exponential(rate);
                let delay = (hours * 3.6e12).min(4e18) as Time;
                self.push_event(delay.max(1), EvKind::Preempt { node, epoch });
            }
        }
        pos
    }

    /// Removes the pod at `pos` from a node's list; an emptied node stops being billed.
    pub(crate) fn vacate(&mut self, node: u32, pos: u32) {
        let n = &mut self.nodes[node as usize];
        n.pods.swap_remove(pos as usize);
        if let Some(&moved) = n.pods.get(pos as usize) {
            match moved.split() {
                Ok(a) => self.act[a as usize].pod_pos = pos,
                Err(r) => self.replicas[r as usize].pod_pos = pos,
            }
        }
        if n.pods.is_empty() {
            n.epoch = n.epoch.wrapping_add(1);
            self.acct.intervals.push((node, n.busy_since, self.now));
            self.node_went_idle(node);
        }
    }

    /// The cold start of a pod placed on `node` now: `cold_start`, plus what remains of the
    /// image pull unless the image is already there. Returns (delay, pulled here).
    pub(crate) fn start_delay(&mut self, node: u32, image: Sym) -> (Time, bool) {
        let (cs, pull) = (
            super::cluster::nanos(self.cluster.cold_start),
            super::cluster::nanos(self.cluster.image_pull),
        );
        let now = self.now;
        let n = &mut self.nodes[node as usize];
        let (delay, pulled) = match n.images.iter().find(|(s, _)| *s == image) {
            Some(&(_, ready)) => ((ready - now).max(0).saturating_add(cs), false),
            None => {
                n.images.push((image, now.saturating_add(pull)));
                (pull.saturating_add(cs), true)
            }
        };
        self.acct.cold_starts += 1;
        self.acct.cold_time = self.acct.cold_time.saturating_add(delay);
        (delay, pulled)
    }

    /// A spot node goes away: everything on it ends (actions as preempted; replicas stop and
    /// their actions are preempted) and its image cache is lost.
    pub(crate) fn preempt(&mut self, node: u32, epoch: u32) {
        let n = &mut self.nodes[node as usize];
        if n.epoch != epoch || n.pods.is_empty() {
            return;
        }
        let pods = std::mem::take(&mut n.pods);
        n.epoch = n.epoch.wrapping_add(1);
        n.images.clear();
        self.acct.intervals.push((node, n.busy_since, self.now));
        self.node_went_idle(node);
        let mut victims = Vec::new();
        let mut sets = Vec::new();
        for pod in pods {
            match pod.split() {
                Ok(a) => {
                    let ai = self.act[a as usize];
                    self.free_capacity(node, ai.class, ai.alloc);
                    self.end_placed(a, ActionState::Preempted);
                    victims.push(a);
                }
                Err(r) => sets.push(self.kill_replica(r, &mut victims)),
            }
        }
        for s in sets {
            self.dispatch(s);
        }
        victims.sort_unstable();
        for a in victims {
            self.outbox.push_back(SimEvent::Preempted {
                action: ActionId(a),
                node: NodeId(node),
                at: self.now,
            });
        }
    }
}
