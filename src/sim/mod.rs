//! The simulated cluster: node pools, a scheduler and a virtual clock (docs/runtime.md
//! to 7 and 9). It knows nothing of the language: it places *actions* (resource requests) on
//! nodes in virtual time and tells its driver, the interpreter, what happened.
//!
//! # The protocol
//!
//! The driver owns the task bodies; the simulator owns time and capacity. Time is an `i64` of
//! nanoseconds, starting at 0, and advances only inside [`Sim::next_event`].
//!
//! 1. [`Sim::submit`] a [`Request`]: the action is `queued` at the current time. A request no
//!    node could ever hold yields a [`SimEvent::Unschedulable`] at once.
//! 2. Call [`Sim::next_event`] in a loop. [`SimEvent::Started`] says the action's container runs
//!    (after its cold start, or at once on a warm replica): run its body. The body's `sleep`
//!    and `compute` become [`Sim::set_timer`]; its [`SimEvent::TimerFired`] resumes the body.
//! 3. When a body returns, [`Sim::finish`] frees its capacity at the current time; a failed or
//!    abandoned action is [`Sim::cancel`]ed. [`SimEvent::Preempted`] means a spot node went away:
//!    the action has ended and its capacity is free; the driver retries it as a new action.
//!    Timeouts are timers too: `max_queued_time` is a timer set at submission whose firing
//!    cancels the action if [`Sim::state`] is still `Queued`; `max_runtime` one set at
//!    `Started`; a retry backoff is an ownerless timer after which the driver submits again.
//! 4. `next_event` returns `None` when nothing more will happen on its own. If actions still
//!    wait, [`Sim::is_stuck`] returns the holders and waiters for the deadlock message.
//!    [`Sim::summary`] gives makespan, cost, utilization, cold starts and per-action records.
//!
//! ```
//! use flyte_dsl::sim::{Cluster, SimEvent, Request, Sim, SECOND};
//! let cluster = Cluster::from_toml_str(
//!     "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 2\nmemory = \"8Gi\"\ncost_per_hour = 0.8\n",
//!     "c.toml",
//! ).unwrap();
//! let mut sim = Sim::new(&cluster, 42);
//! for _ in 0..4 {
//!     sim.submit(Request { cpu_milli: 1000, ..Request::default() });
//! }
//! while let Some(ev) = sim.next_event() {
//!     match ev {
//!         // The body: `sleep(10m)`.
//!         SimEvent::Started { action, .. } => { sim.set_timer(Some(action), 600 * SECOND, 0); }
//!         SimEvent::TimerFired { owner: Some(action), .. } => { sim.finish(action); }
//!         _ => unreachable!(),
//!     }
//! }
//! assert_eq!(sim.summary().makespan, 1200 * SECOND);
//! ```
//!
//! # The algorithm
//!
//! An event-driven simulation: a binary heap of internal events ordered by (time, sequence
//! number), so ties go to the earlier-scheduled event and every run is deterministic. Events
//! due at the current instant skip the heap (a FIFO). A placement pass runs inside
//! `next_event` whenever capacity was freed or work submitted since the last pass, so all
//! frees of one instant are seen together and first-come-first-served holds across them.
//!
//! Placement (`sched.rs`) groups waiting pods into *classes* of identical shape (requests,
//! accelerator, spot permission, queue). Within a class only the head can matter: if it does
//! not fit, nothing behind it fits either. A pass merges the class heads by submission order
//! (backfill: a head that does not fit blocks only its own class) and gives each class a
//! cursor over its candidate nodes that only moves forward, since capacity only shrinks during
//! a pass. After a pass no waiting pod fits anywhere, so the next pass needs to look, for
//! classes still waiting, only at the nodes freed since. A pass thus costs O(placed + classes
//! x freed nodes), never a scan of the waiting actions.
//!
//! Reusable environments (`reuse.rs`) are replica sets whose replicas are pods of their own
//! class; calls queue on the set and run on replica slots. Accounting (`account.rs`) keeps
//! node busy intervals and a utilization series (one sample per instant at which usage
//! changed) and folds them into a [`SimSummary`]. `pods.rs` holds a pod's life on its node
//! (capacity, billing, cold start and image pull, spot preemption); `explain.rs` the
//! unschedulable messages and the [`StuckReport`]. A test-only naive scheduler
//! (`reference.rs`) checks the optimized placement on random workloads.
//!
//! `sched.rs` defines [`Sim`] and its event loop; `reuse.rs`, `pods.rs`, `account.rs` and
//! `explain.rs` add methods to it and import from it, never the other way: the state the
//! scheduler holds for them is in leaf files (`node.rs`, `replica.rs`, `usage.rs`), so the
//! files' imports form no cycle.

pub(crate) mod account;
mod autoscale;
pub(crate) mod cluster;
mod cluster_show;
mod explain;
mod node;
mod pods;
mod queues;
#[cfg(test)]
mod reference;
mod replica;
pub(crate) mod reuse;
mod rng;
pub(crate) mod sched;
mod share;
mod timers;
mod usage;
mod waitlog;
mod waits;
mod work;

pub use account::{NodeUsage, SimSummary, Utilization, UtilizationSeries};
pub use cluster::{
    format_duration, parse_duration, Autoscale, Cluster, ClusterError, Pool, PoolAccel, SECOND,
};
pub use explain::{Holder, StuckReport, Waiter, WaitingFor};
pub use sched::Sim;
pub use waitlog::{Lack, PoolWhy, Wait, WaitReason};
pub use work::{MemoryExceeded, Work};

/// Virtual time in nanoseconds since the start of the run.
pub type Time = i64;

/// An action: an index into the simulator's action table, in submission order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActionId(pub u32);

/// A node: an index into the cluster's nodes, pools in file order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplicaSetId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplicaId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(pub u32);

/// An interned string: image, device, TPU shape or queue names ([`Sim::sym`]). `Sym(0)` is
/// the empty string, the default image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(pub u32);

/// What an action (or a replica) needs of one node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Request {
    /// The CPU *request* in millicores (the first item of a tuple).
    pub cpu_milli: u64,
    /// Memory request in bytes.
    pub memory: u64,
    /// Disk in bytes; pools without `disk` accept any.
    pub disk: u64,
    pub accel: Option<AccelReq>,
    /// For the once-per-node image pull.
    pub image: Sym,
    /// May run on spot pools.
    pub interruptible: bool,
    /// Restricts placement to the pools whose `queue` or name is this.
    pub queue: Option<Sym>,
    /// Runs on a replica of this set instead of a pod of its own; the fields above are then
    /// ignored (the replicas' come from [`ReplicaSetSpec::pod`]).
    pub reuse: Option<ReplicaSetId>,
}

/// An accelerator request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccelReq {
    /// `count` whole devices of this type (GPUs, or Neuron, AMD, Habana devices).
    Devices { device: Sym, count: u32 },
    /// A MIG partition: `slices` of the 7 compute slices of one GPU of this type.
    Mig { device: Sym, slices: u8 },
    /// A TPU slice: a node whose device and slice shape match (`shape` `None`: any shape).
    Tpu { device: Sym, shape: Option<Sym> },
}

/// A reusable environment's policy and its replicas' pod (docs/runtime.md).
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaSetSpec {
    pub min: u32,
    pub max: u32,
    /// Actions per replica at once.
    pub concurrency: u32,
    /// With no work at all for this long, every replica stops.
    pub idle_ttl: Time,
    /// An idle replica is removed after this long while more than `min` remain.
    pub scaledown_ttl: Time,
    /// Each replica's resources, image, spot permission and queue (`reuse` is ignored).
    pub pod: Request,
}

/// What the driver hears from [`Sim::next_event`].
#[derive(Clone, Debug, PartialEq)]
pub enum SimEvent {
    /// The action's container runs: start (or continue) its body.
    Started {
        action: ActionId,
        node: NodeId,
        at: Time,
    },
    /// A timer set with [`Sim::set_timer`] is due. Timers whose owner has ended are dropped.
    TimerFired {
        timer: TimerId,
        owner: Option<ActionId>,
        tag: u64,
        at: Time,
    },
    /// The spot node running the action was preempted: the action has ended (its capacity is
    /// free); the platform retries it.
    Preempted {
        action: ActionId,
        node: NodeId,
        at: Time,
    },
    /// The action's replica was killed for memory another action on it allocated
    /// ([`Sim::use_memory`]): the action has ended.
    OomKilled {
        action: ActionId,
        node: NodeId,
        at: Time,
    },
    /// No node of the cluster could ever hold the request; the action has ended.
    Unschedulable {
        action: ActionId,
        reason: String,
        at: Time,
    },
}

/// Where an action is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActionState {
    /// Waiting for capacity (or for a replica slot).
    Queued,
    /// Placed and paying its cold start (or waiting for its new replica to start).
    Starting,
    Running,
    Finished,
    Cancelled,
    Preempted,
    /// Killed with its replica's container, over its memory limit.
    Killed,
    Unschedulable,
}

impl ActionState {
    pub fn is_ended(self) -> bool {
        !matches!(
            self,
            ActionState::Queued | ActionState::Starting | ActionState::Running
        )
    }
}

/// The schedule of one action. Times not reached yet are [`NEVER`].
#[derive(Clone, Debug, PartialEq)]
pub struct ActionRecord {
    pub queued_at: Time,
    /// Placed on a node (or bound to a placed replica): `starting` from here.
    pub started_at: Time,
    pub running_at: Time,
    pub ended_at: Time,
    /// [`NO_NODE`] until placed.
    pub node: u32,
    /// The replica it ran on, or [`NO_REPLICA`].
    pub replica: u32,
    pub state: ActionState,
    /// Paid a cold start of its own (non-reusable actions).
    pub cold_start: bool,
    /// Its cold start included the image pull.
    pub image_pull: bool,
}

/// A time not reached.
pub const NEVER: Time = -1;
pub const NO_NODE: u32 = u32::MAX;
pub const NO_REPLICA: u32 = u32::MAX;

/// The life of one replica of a reusable environment.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaRecord {
    pub set: ReplicaSetId,
    pub node: u32,
    pub queued_at: Time,
    pub started_at: Time,
    pub ready_at: Time,
    pub ended_at: Time,
}
