//! Simulated work and memory: `sleep`, `compute` and `gpu_compute` as timers, shared inside a
//! reusable replica by processor sharing (docs/runtime.md), and memory that the actions of one
//! replica hold together against its limit.
//!
//! An action of its own pod computes alone: `d` of single-core work takes `d / cores`, a plain
//! timer. The actions computing at once on one replica form a *group* per resource (CPU, GPU):
//! with n of them on a replica of c cores, each progresses at `min(own limit, c / n)`, where c
//! is the largest limit in the group (every call into one environment has its limits). When
//! work joins or leaves a group, everyone's progress so far is booked and their completion
//! events are scheduled anew; the old events are recognised as stale by a generation number
//! and dropped. Completion events do not count as pending progress of their own: each piece of
//! work counts once, however often it is re-timed.
//!
//! Memory: the driver reports an action's memory in use; on a replica, the replica's total is
//! what meets the limit. Above it the replica's container is killed by the kernel with every
//! action in it: the others end as [`ActionState::Killed`] and the driver hears
//! [`SimEvent::OomKilled`] for each.

use super::replica::RState;
use super::sched::{EvKind, Sim};
use super::share::{Work as Job, CPU, GPU};
use super::{ActionId, ActionState, NodeId, SimEvent, Time, TimerId, NO_REPLICA};

/// What a body's `sleep`, `compute` or `gpu_compute` asks for ([`Sim::start_work`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Work {
    /// Waiting: takes its duration whatever else happens.
    Sleep,
    /// Single-core CPU work, on an action whose CPU limit is `cores`.
    Cpu { cores: f64 },
    /// Work on one full GPU, on an action holding `gpus` of them (a MIG `3g` is 3/7).
    Gpu { gpus: f64 },
}

/// The memory limit was passed ([`Sim::use_memory`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryExceeded {
    /// What the container held: the action's memory, or its replica's total.
    pub used: u64,
    /// Other actions killed with the replica (0 for an action of its own pod).
    pub others: usize,
}

impl Sim {
    /// Starts `amount` of work for `owner` now; the returned timer fires (with `tag`, as
    /// [`SimEvent::TimerFired`]) when it is done, or `None` when it takes no time at all.
    /// `sleep` and work outside a running replica are plain timers; see the module docs for
    /// sharing.
    pub fn start_work(
        &mut self,
        owner: Option<ActionId>,
        work: Work,
        amount: Time,
        tag: u64,
    ) -> Option<TimerId> {
        if amount <= 0 {
            return None;
        }
        let (kind, own) = match work {
            Work::Sleep => return Some(self.set_timer(owner, amount, tag)),
            Work::Cpu { cores } => (CPU, cores),
            Work::Gpu { gpus } => (GPU, gpus),
        };
        let own = if own.is_finite() && own > 0.0 {
            own
        } else {
            1.0
        };
        let on_replica = owner.and_then(|a| {
            let r = &self.recs[a.0 as usize];
            (r.replica != NO_REPLICA && r.state == ActionState::Running).then_some(r.replica)
        });
        let Some(replica) = on_replica else {
            let d = (amount as f64 / own).round() as Time;
            return (d > 0).then(|| self.set_timer(owner, d, tag));
        };
        let id = self.new_timer_id();
        self.share.works.insert(
            id,
            Job {
                owner: owner.map_or(0, |a| a.0),
                replica,
                kind,
                left: amount as f64,
                own,
                rate: 0.0,
                since: self.now,
                gen: 0,
                tag,
            },
        );
        self.share
            .groups
            .entry((replica, kind))
            .or_default()
            .push(id);
        self.progress += 1;
        self.retime(replica, kind);
        Some(TimerId(id))
    }

    /// Books the progress of a group's work up to now and schedules each completion at the
    /// group's new rates.
    fn retime(&mut self, replica: u32, kind: u8) {
        let Some(ids) = self.share.groups.get(&(replica, kind)) else {
            return;
        };
        let ids = ids.clone();
        let now = self.now;
        let n = ids.len() as f64;
        let cap = ids
            .iter()
            .map(|i| self.share.works[i].own)
            .fold(0.0, f64::max);
        for id in ids {
            let w = self.share.works.get_mut(&id).expect("work of a group");
            w.left = (w.left - w.rate * (now - w.since) as f64).max(0.0);
            w.since = now;
            w.rate = w.own.min(cap / n);
            w.gen = w.gen.wrapping_add(1);
            let delay = (w.left / w.rate).round() as Time;
            let gen = w.gen;
            self.push_event(delay, EvKind::WorkDone { id, gen });
        }
    }

    /// Takes a piece of work out of its group (done, cancelled or its action ended) and
    /// re-times the rest.
    fn remove_work(&mut self, id: u32) -> Option<Job> {
        let w = self.share.works.remove(&id)?;
        let key = (w.replica, w.kind);
        if let Some(g) = self.share.groups.get_mut(&key) {
            g.retain(|&x| x != id);
            if g.is_empty() {
                self.share.groups.remove(&key);
            }
        }
        self.progress -= 1;
        self.retime(w.replica, w.kind);
        Some(w)
    }

    /// A completion event: the work is done unless the event is stale.
    pub(crate) fn work_done(&mut self, id: u32, gen: u32) -> Option<SimEvent> {
        if self.share.works.get(&id)?.gen != gen {
            return None;
        }
        let w = self.remove_work(id)?;
        self.mark_fired(id);
        Some(SimEvent::TimerFired {
            timer: TimerId(id),
            owner: Some(ActionId(w.owner)),
            tag: w.tag,
            at: self.now,
        })
    }

    /// A cancelled timer that is shared work leaves its group at once.
    pub(crate) fn cancel_work(&mut self, id: u32) {
        if !self.share.works.is_empty() {
            self.remove_work(id);
        }
    }

    /// The action ended or left its replica: its work and memory there go.
    pub(crate) fn leave_share(&mut self, a: u32) {
        if self.share.works.is_empty() && self.share.mem.is_empty() {
            return;
        }
        let r = self.recs[a as usize].replica;
        for kind in [CPU, GPU] {
            let mine: Vec<u32> = match self.share.groups.get(&(r, kind)) {
                Some(g) => g
                    .iter()
                    .copied()
                    .filter(|i| self.share.works[i].owner == a)
                    .collect(),
                None => continue,
            };
            for id in mine {
                self.remove_work(id);
            }
        }
        if let Some(m) = self.share.mem.remove(&a) {
            self.add_replica_mem(r, -(m as i128));
        }
    }

    fn add_replica_mem(&mut self, r: u32, delta: i128) -> u64 {
        let total = self.share.replica_mem.get(&r).copied().unwrap_or(0) as i128 + delta;
        let total = total.clamp(0, u64::MAX as i128) as u64;
        if total == 0 {
            self.share.replica_mem.remove(&r);
        } else {
            self.share.replica_mem.insert(r, total);
        }
        total
    }

    /// The action now holds `bytes` of memory (after an `allocate` or a `free`). Against
    /// `limit`, an action of its own pod counts alone; one on a replica counts with the other
    /// actions of the replica, and above the limit the replica is killed with all of them
    /// (module docs): the caller fails this action with the error.
    pub fn use_memory(
        &mut self,
        a: Option<ActionId>,
        bytes: u64,
        limit: Option<u64>,
    ) -> Result<(), MemoryExceeded> {
        let on_replica = a.filter(|a| {
            let rec = &self.recs[a.0 as usize];
            rec.replica != NO_REPLICA && !rec.state.is_ended()
        });
        let Some(a) = on_replica else {
            return match limit {
                Some(l) if bytes > l => Err(MemoryExceeded {
                    used: bytes,
                    others: 0,
                }),
                _ => Ok(()),
            };
        };
        let r = self.recs[a.0 as usize].replica;
        let old = if bytes == 0 {
            self.share.mem.remove(&a.0)
        } else {
            self.share.mem.insert(a.0, bytes)
        };
        let total = self.add_replica_mem(r, bytes as i128 - old.unwrap_or(0) as i128);
        match limit {
            Some(l) if total > l => {
                let others = self.oom_kill(r, a.0);
                Err(MemoryExceeded {
                    used: total,
                    others,
                })
            }
            _ => Ok(()),
        }
    }

    /// The replica's container is killed for memory: it stops, freeing its node capacity;
    /// its actions other than `culprit` end as killed (the driver hears [`SimEvent::OomKilled`]);
    /// `culprit` stays bound to it until the driver ends it. Returns how many others died.
    fn oom_kill(&mut self, r: u32, culprit: u32) -> usize {
        let node = self.replicas[r as usize].node;
        let victims: Vec<u32> = self.replicas[r as usize]
            .actions
            .iter()
            .copied()
            .filter(|&x| x != culprit)
            .collect();
        for &v in &victims {
            self.leave_share(v);
            self.end_placed(v, ActionState::Killed);
            self.outbox.push_back(SimEvent::OomKilled {
                action: ActionId(v),
                node: NodeId(node),
                at: self.now,
            });
        }
        self.leave_share(culprit);
        self.replicas[r as usize].actions = vec![culprit];
        self.share.replica_mem.remove(&r);
        if self.replicas[r as usize].state == RState::Ready {
            self.stop_replica(r);
        }
        let set = self.replicas[r as usize].set;
        self.dispatch(set);
        victims.len()
    }
}
