//! Recording why actions wait (`waitlog.rs` holds the types): after each placement pass, the
//! reason of every class with waiting pods; when a replica set's calls find every replica
//! busy, that. Nothing is recorded unless [`Sim::record_waits`] was called: a run that does
//! not ask pays one test per placement pass.

use super::node::{NodeState, SLICES};
use super::sched::Sim;
use super::waitlog::{Lack, PoolWhy, Wait, WaitLog, WaitReason};
use super::{cluster::nanos, AccelReq, ActionId, ReplicaSetId, NEVER};

/// Holders named per reason; the rest are counted.
const NAMED: usize = 3;

impl Sim {
    /// Records from now on why actions wait ([`Sim::waits`]).
    pub fn record_waits(&mut self) {
        self.waits = Some(Box::default());
    }

    /// After a placement pass: each class's reason, or that nobody in it waits.
    pub(crate) fn note_class_waits(&mut self) {
        let Some(mut log) = self.waits.take() else {
            return;
        };
        log.classes.resize_with(self.classes.len(), Vec::new);
        for c in 0..self.classes.len() {
            let class = &self.classes[c];
            let waiting = class.listed && class.saturated && class.queue.len() as u32 > class.dead;
            let r = waiting.then(|| self.class_reason(c as u32));
            WaitLog::note(&mut log.classes[c], self.now, r);
        }
        self.waits = Some(log);
    }

    /// A replica set's calls wait for a slot (`busy`) or no longer do.
    pub(crate) fn note_set_wait(&mut self, s: u32, busy: bool) {
        let Some(log) = self.waits.as_mut() else {
            return;
        };
        if log.sets.len() <= s as usize {
            log.sets.resize_with(s as usize + 1, Vec::new);
        }
        let set = &self.sets[s as usize];
        let r = busy.then_some(WaitReason::ReplicasBusy {
            set: ReplicaSetId(s),
            replicas: set.alive.len() as u32,
            concurrency: set.spec.concurrency,
        });
        WaitLog::note(&mut log.sets[s as usize], self.now, r);
    }

    fn class_reason(&self, c: u32) -> WaitReason {
        let class = &self.classes[c as usize];
        if class.promised > 0 {
            let planned = self
                .provisioning
                .iter()
                .find(|&&n| self.nodes[n as usize].planned.iter().any(|&(k, _)| k == c));
            if let Some(&n) = planned {
                let node = &self.nodes[n as usize];
                let delay = self.cluster.pools[node.pool as usize]
                    .autoscale
                    .map_or(0, |a| nanos(a.scale_up_delay));
                let asked = node.lives.last().map_or(self.now, |l| l.0);
                return WaitReason::Provisioning {
                    pool: node.pool,
                    ready_at: asked.saturating_add(delay),
                };
            }
        }
        let mut pools: Vec<usize> = (0..self.pools.len())
            .filter(|&p| class.rank[p] != u16::MAX)
            .collect();
        pools.sort_by_key(|&p| class.rank[p]);
        let s = class.shape;
        let whys = pools
            .into_iter()
            .map(|p| {
                let pool = &self.cluster.pools[p];
                let first = self.pools[p].first;
                let ready: Vec<u32> = (first..first + pool.count)
                    .filter(|&n| self.nodes[n as usize].state == NodeState::Ready)
                    .collect();
                let mut lacking: Vec<(Lack, u32)> = Vec::new();
                let mut lacking_nodes: Vec<(Lack, u32)> = Vec::new();
                for &n in &ready {
                    let node = &self.nodes[n as usize];
                    let lack = if s.cpu > node.free_cpu {
                        Lack::Cpu
                    } else if s.mem > node.free_mem {
                        Lack::Memory
                    } else if s.disk > node.free_disk {
                        Lack::Disk
                    } else if matches!(s.accel, Some(AccelReq::Tpu { .. })) {
                        Lack::Tpu
                    } else {
                        Lack::Devices
                    };
                    match lacking.iter_mut().find(|(l, _)| *l == lack) {
                        Some((_, k)) => *k += 1,
                        None => lacking.push((lack, 1)),
                    }
                    lacking_nodes.push((lack, n));
                }
                lacking.sort_by_key(|&(_, k)| std::cmp::Reverse(k));
                let held = lacking.first().map(|&(l, _)| {
                    let (mut used, mut cap) = (0u64, 0u64);
                    for &n in &ready {
                        let node = &self.nodes[n as usize];
                        let (u, c) = match l {
                            Lack::Cpu => (pool.cpu_milli - node.free_cpu, pool.cpu_milli),
                            Lack::Memory => (pool.memory - node.free_mem, pool.memory),
                            Lack::Disk => {
                                let d = pool.disk.unwrap_or(0);
                                (d.saturating_sub(node.free_disk), d)
                            }
                            Lack::Devices | Lack::Tpu => {
                                let total = node.slices.len() as u64 * SLICES as u64;
                                let free: u64 = node.slices.iter().map(|&f| f as u64).sum();
                                let total = total.max(SLICES as u64);
                                let free = if l == Lack::Tpu {
                                    if node.tpu_free {
                                        total
                                    } else {
                                        0
                                    }
                                } else {
                                    free
                                };
                                (total - free, total)
                            }
                        };
                        used += u;
                        cap += c;
                    }
                    let mut who = Vec::new();
                    let mut more = 0u32;
                    for &(_, n) in lacking_nodes.iter().filter(|(x, _)| *x == l) {
                        for pod in &self.nodes[n as usize].pods {
                            let (class, acts) = match pod.split() {
                                Ok(a) => (self.act[a as usize].class, vec![a]),
                                Err(r) => {
                                    let rep = &self.replicas[r as usize];
                                    (self.sets[rep.set as usize].class, rep.actions.clone())
                                }
                            };
                            let held = &self.classes[class as usize].shape;
                            let holds = match l {
                                Lack::Cpu => held.cpu > 0,
                                Lack::Memory => held.mem > 0,
                                Lack::Disk => held.disk > 0,
                                Lack::Devices | Lack::Tpu => held.accel.is_some(),
                            };
                            if !holds {
                                continue;
                            }
                            for a in acts {
                                if who.len() < NAMED {
                                    who.push(ActionId(a));
                                } else {
                                    more += 1;
                                }
                            }
                        }
                    }
                    (used, cap, who, more)
                });
                let at_max = (pool.autoscale.is_some() && self.pool_live[p] >= pool.count)
                    .then_some(pool.count);
                PoolWhy {
                    pool: p as u32,
                    nodes: ready.len() as u32,
                    lacking,
                    held,
                    at_max,
                    changes: Vec::new(),
                    others_later: false,
                }
            })
            .collect();
        WaitReason::NoRoom(whys)
    }

    /// Why the action waited, span by span, from its queueing to its start (or end, or now):
    /// empty unless [`Sim::record_waits`] was on.
    pub fn waits(&self, a: ActionId) -> Vec<Wait> {
        let Some(log) = self.waits.as_ref() else {
            return Vec::new();
        };
        let rec = &self.recs[a.0 as usize];
        let from = rec.queued_at;
        let to = [rec.started_at, rec.ended_at]
            .into_iter()
            .find(|&t| t != NEVER)
            .unwrap_or(self.now);
        let ai = &self.act[a.0 as usize];
        let empty = Vec::new();
        let class_line = |c: u32| log.classes.get(c as usize).unwrap_or(&empty);
        // A call into a replica set: slots first, then its replica's placement.
        let lines: Vec<&Vec<_>> = if ai.set != u32::MAX {
            let set = &self.sets[ai.set as usize];
            vec![
                log.sets.get(ai.set as usize).unwrap_or(&empty),
                class_line(set.class),
            ]
        } else {
            vec![class_line(ai.class)]
        };
        // Merge: at each instant, the first line with a reason wins.
        let mut times: Vec<i64> = lines
            .iter()
            .flat_map(|l| l.iter().map(|(t, _)| *t))
            .filter(|&t| t > from && t < to)
            .collect();
        times.push(from);
        times.sort_unstable();
        times.dedup();
        fn at(line: &[(i64, Option<WaitReason>)], t: i64) -> Option<&WaitReason> {
            let i = line.partition_point(|(x, _)| *x <= t);
            i.checked_sub(1).and_then(|i| line[i].1.as_ref())
        }
        let mut out: Vec<Wait> = Vec::new();
        for (i, &t) in times.iter().enumerate() {
            let end = times.get(i + 1).copied().unwrap_or(to);
            let Some(reason) = lines.iter().find_map(|l| at(l, t)) else {
                continue;
            };
            let reason = reason.during(t, end);
            match out.last_mut() {
                Some(w) if w.reason == reason && w.to == t => w.to = end,
                _ => out.push(Wait {
                    from: t,
                    to: end,
                    reason,
                }),
            }
        }
        out.retain(|w| w.to > w.from);
        out
    }
}
