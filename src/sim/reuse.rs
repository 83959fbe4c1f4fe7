//! Reusable environments: replica sets (docs/runtime.md).
//!
//! A replica is a pod of its own class, placed by the ordinary placement pass and paying the
//! cold start like any pod; while alive it holds its node capacity (and the node is billed).
//! Calls into the set queue on the set in FIFO order. `dispatch` binds the head call to the
//! first replica with a free slot (ready replicas first, then starting, then queued ones, each
//! in creation order; an ordered set of the replicas with room finds it in O(log replicas)); when no replica has room and fewer than `max` exist, it
//! starts one more and binds the call to it. A call bound to a ready replica runs at once
//! with no cold start of its own; one bound to a replica still starting runs when the replica
//! is ready. The first call into a set with no replicas starts `min` of them at once.
//!
//! Idleness is tracked with epochs: any new work bumps the replica's epoch (and the set's),
//! so the `ScaleDown` and `IdleStop` events scheduled when work ran out are dropped if work
//! came back. A replica idle for `scaledown_ttl` stops while more than `min` are alive; a set
//! with no work at all for `idle_ttl` stops every replica.

use super::node::PodRef;
use super::replica::{rank, RState, Replica, ReplicaSet};
use super::sched::{EvKind, Sim, NONE};
use super::{
    ActionId, ActionState, NodeId, ReplicaRecord, ReplicaSetId, ReplicaSetSpec, SimEvent, NEVER,
    NO_NODE, NO_REPLICA,
};
use std::collections::{BTreeSet, VecDeque};

impl Sim {
    /// Declares a reusable environment; actions submitted with `reuse: Some(id)` run on its
    /// replicas. `max` and `concurrency` below 1 are taken as 1, `min` above `max` as `max`.
    pub fn replica_set(&mut self, mut spec: ReplicaSetSpec) -> ReplicaSetId {
        spec.max = spec.max.max(1);
        spec.min = spec.min.min(spec.max);
        spec.concurrency = spec.concurrency.max(1);
        let shape = Self::shape_of(&spec.pod);
        let class = self.class_for(&shape);
        let unschedulable = self.classes[class as usize]
            .eligible
            .is_empty()
            .then(|| self.explain_shape(&shape));
        let id = self.sets.len() as u32;
        self.sets.push(ReplicaSet {
            spec,
            class,
            alive: Vec::new(),
            waiting: VecDeque::new(),
            open: BTreeSet::new(),
            epoch: 0,
            unschedulable,
        });
        ReplicaSetId(id)
    }

    /// Adds `n` replicas (at most `max`) that already run, kept warm from an earlier run of the
    /// same session (a REPL's, an embedding host's) for a `scope = "global"` environment: they
    /// are placed like any pod but are ready at once, paying no cold start.
    pub fn prewarm(&mut self, s: ReplicaSetId, n: u32) {
        let max = self.sets[s.0 as usize].spec.max;
        for _ in 0..n.min(max) {
            self.new_replica(s.0);
            let r = self.replicas.len() - 1;
            self.replicas[r].warm = true;
        }
    }

    pub fn replica_set_spec(&self, s: ReplicaSetId) -> &ReplicaSetSpec {
        &self.sets[s.0 as usize].spec
    }

    /// Replicas alive (queued, starting or ready) in a set now.
    pub fn replicas_alive(&self, s: ReplicaSetId) -> usize {
        self.sets[s.0 as usize].alive.len()
    }

    /// Every replica ever started, by [`super::ReplicaId`].
    pub fn replica_records(&self) -> Vec<ReplicaRecord> {
        self.replicas
            .iter()
            .map(|r| ReplicaRecord {
                set: ReplicaSetId(r.set),
                node: r.node,
                queued_at: r.queued_at,
                started_at: r.started_at,
                ready_at: r.ready_at,
                ended_at: r.ended_at,
            })
            .collect()
    }

    pub(crate) fn submit_reuse(&mut self, a: u32, s: u32) {
        self.act[a as usize].set = s;
        if let Some(reason) = self.sets[s as usize].unschedulable.clone() {
            self.end_unschedulable(a, reason);
            return;
        }
        self.sets[s as usize].waiting.push_back(a);
        self.dispatch(s);
    }

    /// Binds waiting calls to replica slots, starting replicas as the policy allows.
    pub(crate) fn dispatch(&mut self, s: u32) {
        loop {
            let set = &mut self.sets[s as usize];
            let Some(&a) = set.waiting.front() else {
                self.note_set_wait(s, false);
                return;
            };
            if self.recs[a as usize].state != ActionState::Queued {
                set.waiting.pop_front();
                continue;
            }
            if set.alive.is_empty() {
                for _ in 0..self.sets[s as usize].spec.min {
                    self.new_replica(s);
                }
            }
            match self.free_replica(s) {
                Some(r) => {
                    self.sets[s as usize].waiting.pop_front();
                    self.assign(a, r);
                }
                None if self.sets[s as usize].alive.len()
                    < self.sets[s as usize].spec.max as usize =>
                {
                    self.new_replica(s)
                }
                None => {
                    self.note_set_wait(s, true);
                    return;
                }
            }
        }
    }

    /// The replica with a free slot that a call should take.
    fn free_replica(&self, s: u32) -> Option<u32> {
        self.sets[s as usize].open.first().map(|&(_, r)| r)
    }

    /// Moves a replica to a new state, keeping its set's open-slot index in step.
    fn set_replica_state(&mut self, r: u32, to: RState) {
        let rep = &mut self.replicas[r as usize];
        let set = &mut self.sets[rep.set as usize];
        let had_room = set.open.remove(&(rank(rep.state), r));
        rep.state = to;
        if had_room && to != RState::Stopped {
            set.open.insert((rank(to), r));
        }
    }

    fn new_replica(&mut self, s: u32) {
        let r = self.replicas.len() as u32;
        self.replicas.push(Replica {
            set: s,
            node: NO_NODE,
            state: RState::Queued,
            actions: Vec::new(),
            pod_pos: NONE,
            alloc: 0,
            epoch: 0,
            queued_at: self.now,
            started_at: NEVER,
            ready_at: NEVER,
            ended_at: NEVER,
            warm: false,
        });
        let set = &mut self.sets[s as usize];
        set.alive.push(r);
        set.open.insert((rank(RState::Queued), r));
        let class = set.class;
        self.enqueue(class, PodRef::replica(r));
    }

    fn assign(&mut self, a: u32, r: u32) {
        let rep = &mut self.replicas[r as usize];
        rep.actions.push(a);
        rep.epoch = rep.epoch.wrapping_add(1);
        let set = &mut self.sets[rep.set as usize];
        set.epoch = set.epoch.wrapping_add(1);
        if rep.actions.len() >= set.spec.concurrency as usize {
            set.open.remove(&(rank(rep.state), r));
        }
        let rec = &mut self.recs[a as usize];
        rec.replica = r;
        match rep.state {
            RState::Ready => {
                rec.state = ActionState::Running;
                rec.started_at = self.now;
                rec.running_at = self.now;
                rec.node = rep.node;
                self.unstarted -= 1;
                self.outbox.push_back(SimEvent::Started {
                    action: ActionId(a),
                    node: NodeId(rep.node),
                    at: self.now,
                });
            }
            RState::Starting => {
                rec.state = ActionState::Starting;
                rec.started_at = self.now;
                rec.node = rep.node;
            }
            RState::Queued | RState::Stopped => {}
        }
    }

    /// Called by placement when a replica's pod lands on a node.
    pub(crate) fn replica_placed(&mut self, r: u32, node: u32, alloc: u64, pos: u32) {
        let set = self.replicas[r as usize].set;
        let image = self.sets[set as usize].spec.pod.image;
        let (delay, _) = if self.replicas[r as usize].warm {
            (0, false)
        } else {
            self.start_delay(node, image)
        };
        self.set_replica_state(r, RState::Starting);
        let rep = &mut self.replicas[r as usize];
        rep.node = node;
        rep.alloc = alloc;
        rep.pod_pos = pos;
        rep.started_at = self.now;
        for &a in &rep.actions {
            let rec = &mut self.recs[a as usize];
            rec.state = ActionState::Starting;
            rec.started_at = self.now;
            rec.node = node;
        }
        self.push_event(delay, EvKind::ReplicaReady(r));
    }

    pub(crate) fn replica_ready(&mut self, r: u32) {
        if self.replicas[r as usize].state != RState::Starting {
            return;
        }
        self.set_replica_state(r, RState::Ready);
        let rep = &mut self.replicas[r as usize];
        rep.ready_at = self.now;
        for &a in &rep.actions {
            let rec = &mut self.recs[a as usize];
            rec.state = ActionState::Running;
            rec.running_at = self.now;
            self.unstarted -= 1;
            self.outbox.push_back(SimEvent::Started {
                action: ActionId(a),
                node: NodeId(rep.node),
                at: self.now,
            });
        }
        let (set, idle) = (rep.set, rep.actions.is_empty());
        if idle {
            self.replica_idle(r);
        }
        self.dispatch(set);
    }

    /// An action on a replica ended: its slot goes to the next waiting call.
    pub(crate) fn release_from_replica(&mut self, a: u32) {
        let r = self.recs[a as usize].replica;
        if r == NO_REPLICA {
            return; // still waiting in the set's queue: dropped when it reaches the front
        }
        self.leave_share(a);
        let rep = &mut self.replicas[r as usize];
        if let Some(i) = rep.actions.iter().position(|&x| x == a) {
            rep.actions.swap_remove(i);
        }
        let s = rep.set;
        if rep.state != RState::Stopped {
            self.sets[s as usize].open.insert((rank(rep.state), r));
        }
        self.dispatch(s);
        let rep = &self.replicas[r as usize];
        if rep.actions.is_empty() && rep.state == RState::Ready {
            self.replica_idle(r);
        }
    }

    /// A ready replica has no work: schedule its scale-down, and the set's idle stop if the
    /// whole set has no work.
    fn replica_idle(&mut self, r: u32) {
        let rep = &mut self.replicas[r as usize];
        rep.epoch = rep.epoch.wrapping_add(1);
        let (epoch, s) = (rep.epoch, rep.set);
        let ttl = self.sets[s as usize].spec.scaledown_ttl;
        self.push_event(ttl, EvKind::ScaleDown { replica: r, epoch });
        if !self.set_has_work(s) {
            let set = &mut self.sets[s as usize];
            set.epoch = set.epoch.wrapping_add(1);
            let (epoch, ttl) = (set.epoch, set.spec.idle_ttl);
            self.push_event(ttl, EvKind::IdleStop { set: s, epoch });
        }
    }

    fn set_has_work(&self, s: u32) -> bool {
        let set = &self.sets[s as usize];
        set.waiting
            .iter()
            .any(|&a| self.recs[a as usize].state == ActionState::Queued)
            || set
                .alive
                .iter()
                .any(|&r| !self.replicas[r as usize].actions.is_empty())
    }

    pub(crate) fn scale_down(&mut self, r: u32, epoch: u32) {
        let rep = &self.replicas[r as usize];
        if rep.epoch != epoch || rep.state != RState::Ready || !rep.actions.is_empty() {
            return;
        }
        let set = &self.sets[rep.set as usize];
        if set.alive.len() > set.spec.min as usize {
            self.stop_replica(r);
        }
    }

    pub(crate) fn idle_stop(&mut self, s: u32, epoch: u32) {
        if self.sets[s as usize].epoch != epoch || self.set_has_work(s) {
            return;
        }
        for r in self.sets[s as usize].alive.clone() {
            self.stop_replica(r);
        }
    }

    /// Stops an idle (or still queued) replica, freeing its node capacity.
    pub(crate) fn stop_replica(&mut self, r: u32) {
        let was = self.replicas[r as usize].state;
        self.set_replica_state(r, RState::Stopped);
        let rep = &mut self.replicas[r as usize];
        rep.ended_at = self.now;
        let (s, node, alloc, pos) = (rep.set, rep.node, rep.alloc, rep.pod_pos);
        let set = &mut self.sets[s as usize];
        set.alive.retain(|&x| x != r);
        if matches!(was, RState::Starting | RState::Ready) {
            let class = set.class;
            self.release_pod(node, class, alloc, pos);
        } else if was == RState::Queued {
            let class = set.class;
            self.classes[class as usize].dead += 1;
        }
    }

    /// A replica dies with its (preempted) node: running actions are preempted, calls that
    /// waited for it to start go back to the front of the set's queue. The caller has taken
    /// the node's pod list. Returns the set, to dispatch once the node is cleared.
    pub(crate) fn kill_replica(&mut self, r: u32, victims: &mut Vec<u32>) -> u32 {
        self.set_replica_state(r, RState::Stopped);
        for a in self.replicas[r as usize].actions.clone() {
            self.leave_share(a);
        }
        let rep = &mut self.replicas[r as usize];
        rep.ended_at = self.now;
        let (s, node, alloc) = (rep.set, rep.node, rep.alloc);
        let actions = std::mem::take(&mut rep.actions);
        let class = self.sets[s as usize].class;
        self.free_capacity(node, class, alloc);
        self.sets[s as usize].alive.retain(|&x| x != r);
        let mut requeue = Vec::new();
        for a in actions {
            let rec = &mut self.recs[a as usize];
            match rec.state {
                ActionState::Running => {
                    rec.state = ActionState::Preempted;
                    rec.ended_at = self.now;
                    self.live -= 1;
                    self.last_end = self.last_end.max(self.now);
                    victims.push(a);
                }
                _ => {
                    rec.state = ActionState::Queued;
                    rec.started_at = NEVER;
                    rec.node = NO_NODE;
                    rec.replica = NO_REPLICA;
                    requeue.push(a);
                }
            }
        }
        let set = &mut self.sets[s as usize];
        for a in requeue.into_iter().rev() {
            set.waiting.push_front(a);
        }
        s
    }
}
