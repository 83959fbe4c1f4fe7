//! The classes' queues: each waiting pod with its place in the order of all queued pods, so
//! that a placement pass takes the heads of several classes first come, first served.

use super::node::PodRef;
use super::sched::Sim;
use super::ActionState;

impl Sim {
    /// Queues `pod` in class `c`, after every pod queued before it. Its place is a count of its
    /// own, `u32` (a million pods queued at once hold 8 MB), numbered again before it runs out
    /// ([`Sim::renumber_queues_if_due`]).
    pub(crate) fn enqueue(&mut self, c: u32, pod: PodRef) {
        let seq = self.qseq;
        self.qseq += 1;
        let class = &mut self.classes[c as usize];
        class.queue.push_back((seq, pod));
        if !class.saturated {
            self.dirty = true;
        }
        if self.autoscaling {
            self.scale_dirty = true;
            self.dirty = true;
        }
        if !class.listed {
            class.listed = true;
            self.listed.push(c);
        }
    }

    /// Past half the count, numbers the waiting pods of every class again, from 0, in the
    /// order they were queued. Called as a placement pass begins, when no place is held
    /// anywhere else; the other half is more than the pods one instant can queue (a run holds
    /// fewer than 2^31 actions).
    pub(crate) fn renumber_queues_if_due(&mut self) {
        if self.qseq <= u32::MAX / 2 {
            return;
        }
        let mut all: Vec<(u32, u32, usize)> = Vec::new();
        for (c, class) in self.classes.iter().enumerate() {
            for (i, &(seq, _)) in class.queue.iter().enumerate() {
                all.push((seq, c as u32, i));
            }
        }
        all.sort_unstable();
        for (n, &(_, c, i)) in all.iter().enumerate() {
            self.classes[c as usize].queue[i].0 = n as u32;
        }
        self.qseq = all.len() as u32;
    }

    /// The place of the class's first live pod, dropping cancelled ones.
    pub(crate) fn live_head(&mut self, c: u32) -> Option<u32> {
        loop {
            let &(seq, pod) = self.classes[c as usize].queue.front()?;
            let live = match pod.split() {
                Ok(a) => self.recs[a as usize].state == ActionState::Queued,
                Err(r) => self.replicas[r as usize].is_queued(),
            };
            if live {
                return Some(seq);
            }
            let class = &mut self.classes[c as usize];
            class.queue.pop_front();
            class.dead = class.dead.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Cluster, Request, Sim, SimEvent, SECOND};

    #[test]
    fn pods_keep_their_order_when_the_count_of_places_runs_out() {
        // One slot: pods of two shapes (two classes) queue behind the first and start one at a
        // time, in the order they came, across the numbering's restart (the first pass).
        let cluster = Cluster::from_toml_str(
            "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 1\nmemory = \"8Gi\"\ncost_per_hour = 1.0\n",
            "c.toml",
        )
        .unwrap();
        let mut sim = Sim::new(&cluster, 1);
        sim.qseq = u32::MAX / 2 - 3;
        let req = |gi: u64| Request {
            cpu_milli: 1000,
            memory: gi << 30,
            ..Request::default()
        };
        let ids: Vec<_> = (0..8).map(|i| sim.submit(req(1 + i % 2))).collect();
        let mut order = Vec::new();
        while let Some(ev) = sim.next_event() {
            match ev {
                SimEvent::Started { action, .. } => {
                    order.push(action);
                    sim.set_timer(Some(action), SECOND, 0);
                }
                SimEvent::TimerFired { owner: Some(a), .. } => assert!(sim.finish(a)),
                _ => {}
            }
        }
        assert_eq!(order, ids);
        // Numbered again from 0 once past half the count: the 8 pods in order.
        assert_eq!(sim.qseq, 8);
    }
}
