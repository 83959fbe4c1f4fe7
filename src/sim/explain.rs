//! Explanations: why a request can never be placed, who holds what when the run is stuck, and
//! the conversion from the checker's normalized [`ResourceSpec`] to a [`Request`].
//!
//! A pool *admits* a shape when one of its empty nodes could hold it: [`Sim::pool_lacks`]
//! lists what the pool lacks, and placement uses the same function to find eligible pools,
//! so the two can never disagree. For an unschedulable request the *closest* pool is the one
//! lacking the fewest things, then the one whose shortfall (request over capacity, summed
//! over the lacking dimensions) is smallest, then the first in the file.

use super::node::Shape;
use super::sched::{Sim, NONE};
use super::{
    AccelReq, ActionId, ActionState, NodeId, PoolAccel, ReplicaId, ReplicaSetId, Request,
    NO_REPLICA,
};
use crate::diagnostics::suggest::closest;
use crate::resources::quantity::{format_bytes, format_cpu};
use crate::resources::{Accelerator, ResourceSpec};

/// What the run is stuck on: returned by [`Sim::is_stuck`].
#[derive(Clone, Debug, PartialEq)]
pub struct StuckReport {
    /// Actions holding node capacity (their own pod) or a replica slot.
    pub holders: Vec<Holder>,
    /// Actions waiting, each with what it waits for.
    pub waiting: Vec<Waiter>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Holder {
    pub action: ActionId,
    pub node: NodeId,
    /// `cpu-0`.
    pub node_name: String,
    pub replica: Option<ReplicaId>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Waiter {
    pub action: ActionId,
    pub waiting_for: WaitingFor,
}

#[derive(Clone, Debug, PartialEq)]
pub enum WaitingFor {
    /// Free node capacity for its request (described: `cpu 2, memory 4Gi`).
    Capacity { request: String },
    /// A slot on a replica of this set: all replicas allowed are busy.
    ReplicaSlot { set: ReplicaSetId },
    /// The replica it is bound to, itself waiting for node capacity.
    Replica { replica: ReplicaId, request: String },
}

impl StuckReport {
    /// One line per holder and waiter, for the deadlock message.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for h in &self.holders {
            match h.replica {
                Some(r) => out.push_str(&format!(
                    "action {} holds a slot of replica {} on {}\n",
                    h.action.0, r.0, h.node_name
                )),
                None => out.push_str(&format!(
                    "action {} holds capacity on {}\n",
                    h.action.0, h.node_name
                )),
            }
        }
        for w in &self.waiting {
            let what = match &w.waiting_for {
                WaitingFor::Capacity { request } => format!("a node with {request} free"),
                WaitingFor::ReplicaSlot { set } => {
                    format!("a free slot on a replica of reusable environment {}", set.0)
                }
                WaitingFor::Replica { replica, request } => {
                    format!(
                        "replica {}, which waits for a node with {request} free",
                        replica.0
                    )
                }
            };
            out.push_str(&format!("action {} waits for {what}\n", w.action.0));
        }
        out
    }
}

/// `has 192 CPUs per node (500 asked) and 2Ti of memory per node (4Ti asked)`: reasons
/// joined as a list, a run of `has` reasons sharing one verb.
pub(crate) fn join_lacks(lacks: &[String]) -> String {
    let mut parts: Vec<&str> = Vec::with_capacity(lacks.len());
    for (i, l) in lacks.iter().enumerate() {
        let shared = i > 0 && lacks[i - 1].starts_with("has ");
        parts.push(match l.strip_prefix("has ") {
            Some(rest) if shared => rest,
            _ => l,
        });
    }
    match parts.split_last() {
        None => String::new(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

fn accel_device(a: &AccelReq) -> super::Sym {
    match *a {
        AccelReq::Devices { device, .. }
        | AccelReq::Mig { device, .. }
        | AccelReq::Tpu { device, .. } => device,
    }
}

impl Sim {
    /// What pool `p` lacks to hold `s` on an empty node; empty when it admits it.
    pub(crate) fn pool_lacks(&self, p: usize, s: &Shape) -> Vec<String> {
        let pool = &self.cluster.pools[p];
        let info = &self.pools[p];
        let mut lacks = Vec::new();
        if let Some(q) = s.queue {
            if info.name != q && info.queue != Some(q) {
                lacks.push(format!("does not serve queue `{}`", self.name(q)));
            }
        }
        if pool.spot && !s.interruptible {
            lacks.push("is spot capacity and the action is not interruptible".to_string());
        }
        if s.cpu > pool.cpu_milli {
            lacks.push(format!(
                "has {} {} per node ({} asked)",
                format_cpu(pool.cpu_milli),
                if pool.cpu_milli == 1000 {
                    "CPU"
                } else {
                    "CPUs"
                },
                format_cpu(s.cpu)
            ));
        }
        if s.mem > pool.memory {
            lacks.push(format!(
                "has {} of memory per node ({} asked)",
                format_bytes(pool.memory),
                format_bytes(s.mem)
            ));
        }
        if let Some(d) = pool.disk {
            if s.disk > d {
                lacks.push(format!(
                    "has {} of disk per node ({} asked)",
                    format_bytes(d),
                    format_bytes(s.disk)
                ));
            }
        }
        let same = |d| info.device == Some(d);
        match (s.accel, &pool.accel) {
            (None, _) => {}
            (
                Some(AccelReq::Devices { device, count }),
                Some(PoolAccel::Devices { count: have, .. }),
            ) if same(device) => {
                if count > *have {
                    lacks.push(format!(
                        "has {have} {} per node ({count} asked)",
                        self.name(device)
                    ));
                }
            }
            (Some(AccelReq::Mig { device, slices }), Some(PoolAccel::Devices { .. }))
                if same(device) =>
            {
                if slices > super::node::SLICES {
                    lacks.push(format!("has GPUs of 7 slices ({slices} asked)"));
                }
            }
            (Some(AccelReq::Tpu { device, shape }), Some(PoolAccel::Tpu { shape: have, .. }))
                if same(device) =>
            {
                if let Some(sh) = shape {
                    if info.shape != Some(sh) {
                        lacks.push(format!(
                            "has {} slices of shape {have} ({} asked)",
                            self.name(device),
                            self.name(sh)
                        ));
                    }
                }
            }
            (Some(AccelReq::Tpu { device, .. }), _) => {
                lacks.push(format!("has no TPU {}", self.name(device)))
            }
            (Some(a), _) => lacks.push(format!("has no {}", self.name(accel_device(&a)))),
        }
        lacks
    }

    fn describe_accel(&self, a: &AccelReq) -> String {
        match *a {
            AccelReq::Devices { device, count } => format!("{}:{count}", self.name(device)),
            AccelReq::Mig { device, slices } => {
                format!("{} MIG partition of {slices} slices", self.name(device))
            }
            AccelReq::Tpu { device, shape } => match shape {
                Some(sh) => format!("TPU {} {}", self.name(device), self.name(sh)),
                None => format!("TPU {}", self.name(device)),
            },
        }
    }

    /// `cpu 2, memory 4Gi, A100:1`.
    pub(crate) fn describe_shape(&self, s: &Shape) -> String {
        let mut parts = vec![format!("cpu {}", format_cpu(s.cpu))];
        parts.push(format!("memory {}", format_bytes(s.mem)));
        if s.disk > 0 {
            parts.push(format!("disk {}", format_bytes(s.disk)));
        }
        if let Some(a) = &s.accel {
            parts.push(self.describe_accel(a));
        }
        parts.join(", ")
    }

    /// The message for a shape no pool admits.
    pub(crate) fn explain_shape(&self, s: &Shape) -> String {
        let desc = self.describe_shape(s);
        let serving: Vec<usize> = (0..self.pools.len())
            .filter(|&p| {
                s.queue
                    .is_none_or(|q| self.pools[p].name == q || self.pools[p].queue == Some(q))
            })
            .collect();
        if serving.is_empty() {
            let q = self.name(s.queue.expect("a queue"));
            let names = self
                .cluster
                .pools
                .iter()
                .flat_map(|p| std::iter::once(p.name.as_str()).chain(p.queue.as_deref()));
            let mut m = format!("no pool of the cluster serves queue `{q}`");
            if let Some(c) = closest(q, names) {
                m.push_str(&format!("; did you mean `{c}`?"));
            }
            return m;
        }
        if let Some(a) = &s.accel {
            let device = accel_device(a);
            if !serving
                .iter()
                .any(|&p| self.pools[p].device == Some(device))
            {
                let name = self.name(device);
                let mut have: Vec<&str> = Vec::new();
                for &p in &serving {
                    if let Some(acc) = &self.cluster.pools[p].accel {
                        if !have.contains(&acc.device()) {
                            have.push(acc.device());
                        }
                    }
                }
                let mut m = format!("no pool of the cluster has {name} devices");
                match have.len() {
                    0 => m.push_str(" (it has no accelerators)"),
                    _ => m.push_str(&format!(" (it has {})", have.join(", "))),
                }
                if let Some(c) = closest(name, have.iter().copied()) {
                    m.push_str(&format!("; did you mean `{c}`?"));
                }
                return m;
            }
        }
        let shortfall = |p: usize| {
            let pool = &self.cluster.pools[p];
            let ratio = |need: u64, have: u64| {
                if need > have {
                    need as f64 / have.max(1) as f64
                } else {
                    0.0
                }
            };
            // A pool with the device but too few of it is closer than one without it.
            let accel = match (s.accel, &pool.accel) {
                (None, _) => 0.0,
                (Some(a), Some(have)) if Some(accel_device(&a)) == self.pools[p].device => {
                    match (a, have) {
                        (AccelReq::Devices { count, .. }, PoolAccel::Devices { count: n, .. }) => {
                            ratio(count as u64, *n as u64)
                        }
                        _ => 0.0,
                    }
                }
                (Some(_), _) => 1e6,
            };
            ratio(s.cpu, pool.cpu_milli)
                + ratio(s.mem, pool.memory)
                + pool.disk.map_or(0.0, |d| ratio(s.disk, d))
                + accel
        };
        let (best, lacks) = serving
            .iter()
            .map(|&p| (p, self.pool_lacks(p, s)))
            .min_by(|(a, la), (b, lb)| {
                la.len()
                    .cmp(&lb.len())
                    .then(shortfall(*a).total_cmp(&shortfall(*b)))
                    .then(a.cmp(b))
            })
            .expect("a pool");
        format!(
            "no node of the cluster can hold {desc}: the closest pool, `{}`, {}",
            self.cluster.pools[best].name,
            join_lacks(&lacks)
        )
    }

    /// For a request no node of the cluster could ever hold, even empty: which closest pool
    /// lacks what. `None` when some pool admits it.
    pub fn unschedulable(&self, req: &Request) -> Option<String> {
        let pod = match req.reuse {
            Some(s) => &self.sets[s.0 as usize].spec.pod,
            None => req,
        };
        let shape = Self::shape_of(pod);
        let any = (0..self.pools.len()).any(|p| self.pool_lacks(p, &shape).is_empty());
        (!any).then(|| self.explain_shape(&shape))
    }

    /// When nothing can move (no event pending but spot preemptions, nothing placeable) while
    /// actions wait: who holds what and who waits for what. `None` otherwise.
    pub fn is_stuck(&self) -> Option<StuckReport> {
        if self.unstarted == 0 || self.has_pending() {
            return None;
        }
        let mut report = StuckReport {
            holders: Vec::new(),
            waiting: Vec::new(),
        };
        for (i, r) in self.recs.iter().enumerate() {
            let action = ActionId(i as u32);
            let ai = &self.act[i];
            match r.state {
                ActionState::Running | ActionState::Starting => report.holders.push(Holder {
                    action,
                    node: NodeId(r.node),
                    node_name: self.node_name(NodeId(r.node)),
                    replica: (r.replica != NO_REPLICA).then_some(ReplicaId(r.replica)),
                }),
                ActionState::Queued if ai.set == NONE => report.waiting.push(Waiter {
                    action,
                    waiting_for: WaitingFor::Capacity {
                        request: self.describe_shape(&self.classes[ai.class as usize].shape),
                    },
                }),
                ActionState::Queued => {
                    let set = &self.sets[ai.set as usize];
                    let waiting_for = if r.replica == NO_REPLICA {
                        WaitingFor::ReplicaSlot {
                            set: ReplicaSetId(ai.set),
                        }
                    } else {
                        WaitingFor::Replica {
                            replica: ReplicaId(r.replica),
                            request: self.describe_shape(&self.classes[set.class as usize].shape),
                        }
                    };
                    report.waiting.push(Waiter {
                        action,
                        waiting_for,
                    });
                }
                _ => {}
            }
        }
        Some(report)
    }

    /// A [`Request`] for an action with these resources (requests, not limits). A bare GPU
    /// count asks for the cluster's default GPU (the first GPU pool's device).
    pub fn request_from_spec(
        &mut self,
        spec: &ResourceSpec,
        image: &str,
        interruptible: bool,
        queue: Option<&str>,
    ) -> Request {
        let accel = spec.accelerator.as_ref().map(|a| match a {
            Accelerator::Gpu {
                device,
                quantity,
                slices,
                ..
            } => {
                let name = match device {
                    Some(d) => d.clone(),
                    None => self.cluster.default_gpu().unwrap_or("GPU").to_string(),
                };
                let device = self.sym(&name);
                match slices {
                    Some(n) => AccelReq::Mig {
                        device,
                        slices: (*n).min(255) as u8,
                    },
                    None => AccelReq::Devices {
                        device,
                        count: *quantity,
                    },
                }
            }
            Accelerator::Tpu { device, slice } => AccelReq::Tpu {
                device: self.sym(device),
                shape: slice.as_deref().map(|s| self.sym(s)),
            },
            Accelerator::Other { device, quantity } => AccelReq::Devices {
                device: self.sym(device),
                count: *quantity,
            },
        });
        Request {
            cpu_milli: spec.cpu_milli.map_or(0, |c| c.request),
            memory: spec.memory.map_or(0, |m| m.request),
            disk: spec.disk.unwrap_or(0),
            accel,
            image: self.sym(image),
            interruptible,
            queue: queue.map(|q| self.sym(q)),
            reuse: None,
        }
    }
}
