//! The event loop and placement: [`Sim`].
//!
//! **Events.** Internal events sit in a binary heap ordered by (time, sequence number); the
//! sequence number is a global counter, so events of one instant come out in the order they
//! were scheduled. Events due at the current instant go to a FIFO instead (their sequence
//! numbers are larger than those of any heap event of the same instant, so the heap's go
//! first). Spot preemptions are events too, but they do not count as *progress*: when only
//! preemptions remain, [`Sim::next_event`] returns `None` (the run is over or stuck).
//!
//! **Placement.** Waiting pods (actions and replicas) live in per-class FIFO queues, a class
//! being a distinct shape (requests, accelerator, spot permission, queue). Each class knows
//! its *eligible* nodes (those that could hold it when empty) in preference order: pools
//! without accelerators first for requests without any (GPU nodes are the last resort of CPU
//! work), then the cheaper pool, then node order.
//! A pass pops class heads in submission order from a small heap, places each head on the
//! first eligible node with room and pushes the class back with its next head; a head that
//! does not fit marks its class *saturated* and drops it from the pass. That is
//! first-come-first-served with backfill. Capacity only shrinks during a pass, so each class
//! scans its candidates with a cursor that never moves back. A saturated class fits no node
//! at all, so until capacity is freed only the freed nodes are its candidates: the steady
//! state of "one action ends, the next one starts" costs O(1) per action.

use super::node::{Node, PodRef, Shape};
use super::replica::{Replica, ReplicaSet};
use super::rng::SplitMix64;
use super::share::Shares;
use super::usage::Acct;
use super::waitlog::WaitLog;
use super::{
    ActionId, ActionRecord, ActionState, Cluster, NodeId, PoolAccel, Request, SimEvent, Sym, Time,
    TimerId, NEVER, NO_NODE, NO_REPLICA,
};
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, VecDeque};

pub(crate) const NONE: u32 = u32::MAX;

/// A pool as the scheduler sees it: names interned, nodes as an index range.
pub(crate) struct PoolInfo {
    pub name: Sym,
    pub queue: Option<Sym>,
    pub device: Option<Sym>,
    pub shape: Option<Sym>,
    pub first: u32,
    /// The utilization key index of its accelerator.
    pub acct_key: usize,
}

pub(crate) struct Class {
    pub shape: Shape,
    /// Waiting pods with their places in the order of all queued pods ([`Sim::enqueue`]).
    /// Cancelled entries are skipped when they reach the head.
    pub queue: VecDeque<(u32, PodRef)>,
    /// Nodes that could hold the shape when empty, in preference order.
    pub eligible: Vec<u32>,
    /// Per pool: its place in the preference order, `u16::MAX` when not eligible.
    pub rank: Vec<u16>,
    pub saturated: bool,
    pub listed: bool,
    /// Entries of `queue` no longer waiting (cancelled), not yet dropped from it.
    pub dead: u32,
    /// Waiting pods the autoscaler counts on nodes it provisions to hold.
    pub promised: u32,
    pass: u32,
    cursor: u32,
    use_cands: bool,
    cands: Vec<u32>,
}

/// Per action, what the scheduler needs besides the public record.
#[derive(Clone, Copy)]
pub(crate) struct ActInt {
    pub class: u32,
    pub set: u32,
    pub pod_pos: u32,
    pub image: Sym,
    pub alloc: u64,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum EvKind {
    StartDone(u32),
    Timer {
        id: u32,
        owner: u32,
        tag: u64,
    },
    ReplicaReady(u32),
    /// A node of an autoscaling pool is provisioned (`autoscale.rs`).
    NodeReady(u32),
    /// A node idle since `epoch` may be removed.
    NodeIdle {
        node: u32,
        epoch: u32,
    },
    ScaleDown {
        replica: u32,
        epoch: u32,
    },
    IdleStop {
        set: u32,
        epoch: u32,
    },
    Preempt {
        node: u32,
        epoch: u32,
    },
    /// Shared work may be done (`work.rs`); stale when `gen` is not the work's.
    WorkDone {
        id: u32,
        gen: u32,
    },
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Ev {
    at: Time,
    seq: u64,
    kind: EvKind,
}

impl PartialEq for Ev {
    fn eq(&self, o: &Ev) -> bool {
        self.seq == o.seq
    }
}
impl Eq for Ev {}
impl PartialOrd for Ev {
    fn partial_cmp(&self, o: &Ev) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ev {
    fn cmp(&self, o: &Ev) -> Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

/// The simulator: a cluster's nodes, the waiting and running actions, and a virtual clock.
/// See the [module docs](super) for the protocol.
pub struct Sim {
    pub(crate) cluster: Cluster,
    pub(crate) now: Time,
    pub(crate) names: Vec<String>,
    name_ids: HashMap<String, u32>,
    pub(crate) pools: Vec<PoolInfo>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) classes: Vec<Class>,
    /// Looked up at every submission: hashed with aHash (SipHash's resistance to chosen keys
    /// buys nothing here).
    class_of: HashMap<Shape, u32, std::hash::BuildHasherDefault<ahash::AHasher>>,
    /// Classes with waiting pods.
    pub(crate) listed: Vec<u32>,
    /// Nodes with capacity freed since the last pass.
    pub(crate) freed: Vec<u32>,
    pub(crate) dirty: bool,
    pass: u32,
    merge: BinaryHeap<Reverse<(u32, u32)>>,
    seq: u64,
    /// The next queued pod's place in the order of all ([`Sim::enqueue`]).
    pub(crate) qseq: u32,
    pub(crate) recs: Vec<ActionRecord>,
    pub(crate) act: Vec<ActInt>,
    pub(crate) replicas: Vec<Replica>,
    pub(crate) sets: Vec<ReplicaSet>,
    heap: BinaryHeap<Reverse<Ev>>,
    due: VecDeque<Ev>,
    pub(crate) outbox: VecDeque<SimEvent>,
    /// Pending events other than preemptions and shared work's completions, plus the shared
    /// work under way.
    pub(crate) progress: usize,
    pub(crate) timer_dead: Vec<u64>,
    /// Timers delivered ([`Sim::timer_fired`]).
    pub(crate) timer_fired: Vec<u64>,
    pub(crate) n_timers: u32,
    pub(crate) rng: SplitMix64,
    /// Actions queued or starting.
    pub(crate) unstarted: usize,
    /// Actions not ended.
    pub(crate) live: usize,
    pub(crate) last_end: Time,
    pub(crate) acct: Acct,
    pub(crate) share: Shares,
    /// Some pool autoscales: placement passes end with [`Sim::autoscale`].
    pub(crate) autoscaling: bool,
    /// Since the last autoscaling decision, pods were queued or planned capacity came up.
    pub(crate) scale_dirty: bool,
    /// Nodes provisioning now.
    pub(crate) provisioning: Vec<u32>,
    /// Per pool: nodes provisioning or ready.
    pub(crate) pool_live: Vec<u32>,
    /// Why actions wait, when asked for (`waits.rs`).
    pub(crate) waits: Option<Box<WaitLog>>,
}

impl Sim {
    /// A simulator over an empty cluster at time 0; `seed` drives spot preemptions.
    pub fn new(cluster: &Cluster, seed: u64) -> Sim {
        let mut sim = Sim {
            cluster: cluster.clone(),
            now: 0,
            names: Vec::new(),
            name_ids: HashMap::new(),
            pools: Vec::new(),
            nodes: Vec::new(),
            classes: Vec::new(),
            class_of: HashMap::default(),
            listed: Vec::new(),
            freed: Vec::new(),
            dirty: false,
            pass: 0,
            merge: BinaryHeap::new(),
            seq: 0,
            qseq: 0,
            recs: Vec::new(),
            act: Vec::new(),
            replicas: Vec::new(),
            sets: Vec::new(),
            heap: BinaryHeap::new(),
            due: VecDeque::new(),
            outbox: VecDeque::new(),
            progress: 0,
            timer_dead: Vec::new(),
            timer_fired: Vec::new(),
            n_timers: 0,
            rng: SplitMix64::new(seed),
            unstarted: 0,
            live: 0,
            last_end: 0,
            acct: Acct::default(),
            share: Shares::default(),
            autoscaling: cluster.pools.iter().any(|p| p.autoscale.is_some()),
            scale_dirty: false,
            provisioning: Vec::new(),
            pool_live: Vec::new(),
            waits: None,
        };
        sim.sym("");
        sim.acct.add_key("cpu".into(), 0);
        sim.acct.add_key("memory".into(), 0);
        for (i, p) in cluster.pools.iter().enumerate() {
            let (device, shape, devices, tpu) = match &p.accel {
                None => (None, None, 0, false),
                Some(PoolAccel::Devices { device, count }) => {
                    (Some(sim.sym(device)), None, *count, false)
                }
                Some(PoolAccel::Tpu { device, shape }) => {
                    (Some(sim.sym(device)), Some(sim.sym(shape)), 1, true)
                }
            };
            let acct_key = match &p.accel {
                None => usize::MAX,
                Some(a) => {
                    let family = if tpu { "tpu" } else { "gpu" };
                    let units = p.count as u64 * devices as u64 * super::node::SLICES as u64;
                    sim.acct.add_key(format!("{family}:{}", a.device()), units)
                }
            };
            sim.acct.cap[0] += p.count as u64 * p.cpu_milli;
            sim.acct.cap[1] += p.count as u64 * p.memory;
            let info = PoolInfo {
                name: sim.sym(&p.name),
                queue: p.queue.as_deref().map(|q| sim.sym(q)),
                device,
                shape,
                first: sim.nodes.len() as u32,
                acct_key,
            };
            sim.pools.push(info);
            let live = p.autoscale.map_or(p.count, |a| a.min_count);
            sim.pool_live.push(live);
            for k in 0..p.count {
                let ready = k < live;
                let node = Node::new(i as u32, p.cpu_milli, p.memory, p.disk, devices, tpu, ready);
                sim.nodes.push(node);
            }
        }
        sim.acct.init_used();
        sim
    }

    /// Interns a name (image, device, TPU shape, queue).
    pub fn sym(&mut self, name: &str) -> Sym {
        if let Some(&i) = self.name_ids.get(name) {
            return Sym(i);
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.name_ids.insert(name.to_string(), i);
        Sym(i)
    }

    /// The name behind a symbol.
    pub fn name(&self, s: Sym) -> &str {
        &self.names[s.0 as usize]
    }

    /// The virtual time now.
    pub fn now(&self) -> Time {
        self.now
    }

    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// `pool-index`: `cpu-0`, `a100-0`.
    pub fn node_name(&self, n: NodeId) -> String {
        let node = &self.nodes[n.0 as usize];
        let p = &self.pools[node.pool as usize];
        format!("{}-{}", self.name(p.name), n.0 - p.first)
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The pool index of a node.
    pub fn node_pool(&self, n: NodeId) -> usize {
        self.nodes[n.0 as usize].pool as usize
    }

    pub fn state(&self, a: ActionId) -> ActionState {
        self.recs[a.0 as usize].state
    }

    pub fn record(&self, a: ActionId) -> &ActionRecord {
        &self.recs[a.0 as usize]
    }

    /// Every action's record, by [`ActionId`].
    pub fn records(&self) -> &[ActionRecord] {
        &self.recs
    }

    pub(crate) fn shape_of(req: &Request) -> Shape {
        Shape {
            cpu: req.cpu_milli,
            mem: req.memory,
            disk: req.disk,
            accel: req.accel,
            interruptible: req.interruptible,
            queue: req.queue,
        }
    }

    /// Queues an action at the current time. A request no node could ever hold ends at once
    /// with [`SimEvent::Unschedulable`].
    pub fn submit(&mut self, req: Request) -> ActionId {
        let id = self.recs.len() as u32;
        assert!(id < NONE >> 1, "too many actions");
        self.recs.push(ActionRecord {
            queued_at: self.now,
            started_at: NEVER,
            running_at: NEVER,
            ended_at: NEVER,
            node: NO_NODE,
            replica: NO_REPLICA,
            state: ActionState::Queued,
            cold_start: false,
            image_pull: false,
        });
        self.act.push(ActInt {
            class: NONE,
            set: NONE,
            pod_pos: NONE,
            image: req.image,
            alloc: 0,
        });
        self.live += 1;
        self.unstarted += 1;
        if let Some(set) = req.reuse {
            self.submit_reuse(id, set.0);
            return ActionId(id);
        }
        let c = self.class_for(&Self::shape_of(&req));
        if self.classes[c as usize].eligible.is_empty() {
            let reason = self.explain_shape(&self.classes[c as usize].shape.clone());
            self.end_unschedulable(id, reason);
        } else {
            self.act[id as usize].class = c;
            self.enqueue(c, PodRef::action(id));
        }
        ActionId(id)
    }

    pub(crate) fn end_unschedulable(&mut self, a: u32, reason: String) {
        let r = &mut self.recs[a as usize];
        r.state = ActionState::Unschedulable;
        r.ended_at = self.now;
        self.live -= 1;
        self.unstarted -= 1;
        self.last_end = self.last_end.max(self.now);
        self.outbox.push_back(SimEvent::Unschedulable {
            action: ActionId(a),
            reason,
            at: self.now,
        });
    }

    /// The class of a shape, created with its eligible nodes on first use.
    pub(crate) fn class_for(&mut self, shape: &Shape) -> u32 {
        if let Some(&c) = self.class_of.get(shape) {
            return c;
        }
        let mut order: Vec<usize> = (0..self.pools.len())
            .filter(|&p| self.pool_lacks(p, shape).is_empty())
            .collect();
        let key = |p: usize| {
            let pool = &self.cluster.pools[p];
            (
                pool.accel.is_some() && shape.accel.is_none(),
                pool.cost_per_hour,
            )
        };
        order.sort_by(|&a, &b| {
            let (ka, kb) = (key(a), key(b));
            ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1)).then(a.cmp(&b))
        });
        let mut rank = vec![u16::MAX; self.pools.len()];
        let mut eligible = Vec::new();
        for (i, &p) in order.iter().enumerate() {
            rank[p] = i as u16;
            let first = self.pools[p].first;
            eligible.extend(first..first + self.cluster.pools[p].count);
        }
        let c = self.classes.len() as u32;
        self.classes.push(Class {
            shape: *shape,
            queue: VecDeque::new(),
            eligible,
            rank,
            saturated: false,
            listed: false,
            dead: 0,
            promised: 0,
            pass: 0,
            cursor: 0,
            use_cands: false,
            cands: Vec::new(),
        });
        self.class_of.insert(*shape, c);
        c
    }

    /// Schedules an internal event `delay` from now.
    pub(crate) fn push_event(&mut self, delay: Time, kind: EvKind) {
        let seq = self.seq;
        self.seq += 1;
        if !matches!(kind, EvKind::Preempt { .. } | EvKind::WorkDone { .. }) {
            self.progress += 1;
        }
        let ev = Ev {
            // Saturating: an event past the largest time is due at `Time::MAX`, where the
            // driver stops the run (`E0703`), never at a wrapped, earlier time.
            at: self.now.saturating_add(delay.max(0)),
            seq,
            kind,
        };
        if delay <= 0 {
            self.due.push_back(ev);
        } else {
            self.heap.push(Reverse(ev));
        }
    }

    /// Whether an event of the current instant is pending.
    fn due_now(&self) -> bool {
        !self.due.is_empty() || self.heap.peek().is_some_and(|Reverse(e)| e.at <= self.now)
    }

    fn pop_event(&mut self) -> Option<Ev> {
        if let Some(Reverse(top)) = self.heap.peek() {
            if top.at <= self.now || self.due.is_empty() {
                return self.heap.pop().map(|r| r.0);
            }
        }
        self.due.pop_front()
    }

    /// Whether anything is left to happen without the driver: events other than spot
    /// preemptions, events not yet delivered, or a placement pass due.
    pub fn has_pending(&self) -> bool {
        self.progress > 0 || !self.outbox.is_empty() || self.dirty
    }

    /// Once no action is left, lets the replicas still alive run out their `scaledown_ttl` /
    /// `idle_ttl` and stop, so that their idle tail is billed (docs/runtime.md). Nothing
    /// happens while an action is live.
    pub fn drain_replicas(&mut self) {
        while self.live == 0 {
            if self.next_event().is_none() {
                break;
            }
        }
    }

    /// The next thing that happens, advancing the clock to it; `None` when nothing more will
    /// happen without the driver (then see [`Sim::is_stuck`]).
    pub fn next_event(&mut self) -> Option<SimEvent> {
        loop {
            if let Some(e) = self.outbox.pop_front() {
                return Some(e);
            }
            // Place only once every event of this instant is handled, so the frees (and
            // submissions) of one instant are seen together, in submission order.
            if self.dirty && (self.progress == 0 || !self.due_now()) {
                self.place();
                continue;
            }
            if self.progress == 0 {
                return None;
            }
            let ev = self.pop_event()?;
            if ev.at > self.now {
                self.acct.advance(self.now);
                self.now = ev.at;
            }
            if let Some(e) = self.handle(ev.kind) {
                return Some(e);
            }
        }
    }

    fn handle(&mut self, kind: EvKind) -> Option<SimEvent> {
        if !matches!(kind, EvKind::Preempt { .. } | EvKind::WorkDone { .. }) {
            self.progress -= 1;
        }
        match kind {
            EvKind::StartDone(a) => {
                let r = &mut self.recs[a as usize];
                if r.state != ActionState::Starting {
                    return None;
                }
                r.state = ActionState::Running;
                r.running_at = self.now;
                self.unstarted -= 1;
                Some(SimEvent::Started {
                    action: ActionId(a),
                    node: NodeId(r.node),
                    at: self.now,
                })
            }
            EvKind::Timer { id, owner, tag } => {
                if self.timer_dead[id as usize / 64] & (1 << (id % 64)) != 0 {
                    return None;
                }
                if owner != NONE && self.recs[owner as usize].state.is_ended() {
                    return None;
                }
                self.mark_fired(id);
                Some(SimEvent::TimerFired {
                    timer: TimerId(id),
                    owner: (owner != NONE).then_some(ActionId(owner)),
                    tag,
                    at: self.now,
                })
            }
            EvKind::ReplicaReady(r) => {
                self.replica_ready(r);
                None
            }
            EvKind::ScaleDown { replica, epoch } => {
                self.scale_down(replica, epoch);
                None
            }
            EvKind::IdleStop { set, epoch } => {
                self.idle_stop(set, epoch);
                None
            }
            EvKind::Preempt { node, epoch } => {
                self.preempt(node, epoch);
                None
            }
            EvKind::WorkDone { id, gen } => self.work_done(id, gen),
            EvKind::NodeReady(n) => {
                self.node_ready(n);
                None
            }
            EvKind::NodeIdle { node, epoch } => {
                self.scale_down_node(node, epoch);
                None
            }
        }
    }

    /// The action's body is done: it ends now and frees its capacity. `false` if it had
    /// already ended.
    pub fn finish(&mut self, a: ActionId) -> bool {
        self.end(a.0, ActionState::Finished)
    }

    /// Ends the action now, wherever it is (queued, starting or running), freeing what it
    /// holds. `false` if it had already ended.
    pub fn cancel(&mut self, a: ActionId) -> bool {
        self.end(a.0, ActionState::Cancelled)
    }

    pub(crate) fn end(&mut self, a: u32, to: ActionState) -> bool {
        let r = &mut self.recs[a as usize];
        let was = r.state;
        if was.is_ended() {
            return false;
        }
        r.state = to;
        r.ended_at = self.now;
        self.live -= 1;
        self.last_end = self.last_end.max(self.now);
        if matches!(was, ActionState::Queued | ActionState::Starting) {
            self.unstarted -= 1;
        }
        let ai = self.act[a as usize];
        if was == ActionState::Queued && ai.set == NONE && ai.class != NONE {
            self.classes[ai.class as usize].dead += 1;
        }
        if ai.set != NONE {
            self.release_from_replica(a);
        } else if was != ActionState::Queued {
            let node = self.recs[a as usize].node;
            self.release_pod(node, ai.class, ai.alloc, ai.pod_pos);
        }
        true
    }

    /// A placed action ends now as `to` (preempted, killed) with its capacity already freed
    /// by the caller.
    pub(crate) fn end_placed(&mut self, a: u32, to: ActionState) {
        let r = &mut self.recs[a as usize];
        if r.state == ActionState::Starting {
            self.unstarted -= 1;
        }
        r.state = to;
        r.ended_at = self.now;
        self.live -= 1;
        self.last_end = self.last_end.max(self.now);
    }

    /// One placement pass (see the module docs).
    fn place(&mut self) {
        self.dirty = false;
        self.renumber_queues_if_due();
        self.pass = self.pass.wrapping_add(1);
        let mut freed = std::mem::take(&mut self.freed);
        for &n in &freed {
            self.nodes[n as usize].freed = false;
        }
        freed.sort_unstable();
        let mut merge = std::mem::take(&mut self.merge);
        let mut i = 0;
        while i < self.listed.len() {
            let c = self.listed[i];
            match self.live_head(c) {
                None => {
                    let class = &mut self.classes[c as usize];
                    class.listed = false;
                    class.saturated = false;
                    self.listed.swap_remove(i);
                    continue;
                }
                Some(seq) => {
                    if !self.classes[c as usize].saturated || !freed.is_empty() {
                        merge.push(Reverse((seq, c)));
                    }
                }
            }
            i += 1;
        }
        while let Some(Reverse((_, c))) = merge.pop() {
            let class = &mut self.classes[c as usize];
            if class.pass != self.pass {
                class.pass = self.pass;
                class.cursor = 0;
                class.use_cands = class.saturated;
                if class.saturated {
                    class.cands.clear();
                    let rank = &class.rank;
                    class.cands.extend(
                        freed
                            .iter()
                            .copied()
                            .filter(|&n| rank[self.nodes[n as usize].pool as usize] != u16::MAX),
                    );
                    let nodes = &self.nodes;
                    class
                        .cands
                        .sort_by_key(|&n| (rank[nodes[n as usize].pool as usize], n));
                }
            }
            let Some(node) = self.find_node(c) else {
                self.classes[c as usize].saturated = true;
                continue;
            };
            let (_, pod) = self.classes[c as usize].queue.pop_front().expect("head");
            self.bind(pod, c, node);
            if let Some(seq) = self.live_head(c) {
                merge.push(Reverse((seq, c)));
            }
        }
        self.merge = merge;
        freed.clear();
        self.freed = freed;
        if self.scale_dirty {
            self.autoscale();
        }
        if self.waits.is_some() {
            self.note_class_waits();
        }
    }

    fn find_node(&mut self, c: u32) -> Option<u32> {
        let class = &mut self.classes[c as usize];
        let list = if class.use_cands {
            &class.cands
        } else {
            &class.eligible
        };
        while let Some(&n) = list.get(class.cursor as usize) {
            if self.nodes[n as usize].fits(&class.shape) {
                return Some(n);
            }
            class.cursor += 1;
        }
        None
    }

    /// Puts a pod on a node: takes capacity, starts its cold start.
    fn bind(&mut self, pod: PodRef, class: u32, node: u32) {
        let shape = self.classes[class as usize].shape;
        let n = &mut self.nodes[node as usize];
        let alloc = n.alloc(&shape);
        let key = self.pools[n.pool as usize].acct_key;
        self.acct.add(&shape, key);
        let pos = self.occupy(node, pod);
        match pod.split() {
            Ok(a) => {
                let (delay, pulled) = self.start_delay(node, self.act[a as usize].image);
                let ai = &mut self.act[a as usize];
                ai.alloc = alloc;
                ai.pod_pos = pos;
                let r = &mut self.recs[a as usize];
                r.state = ActionState::Starting;
                r.started_at = self.now;
                r.node = node;
                r.cold_start = true;
                r.image_pull = pulled;
                self.push_event(delay, EvKind::StartDone(a));
            }
            Err(r) => self.replica_placed(r, node, alloc, pos),
        }
    }
}
