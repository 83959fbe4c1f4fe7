//! The state of reusable environments' replica sets: each replica's lifecycle and bound calls,
//! each set's replicas, queue of waiting calls and index of open slots. The scheduler
//! ([`super::sched`]) holds them; the replica-set policy that changes them is `reuse.rs`.

use super::{ReplicaSetSpec, Time};
use std::collections::{BTreeSet, VecDeque};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RState {
    /// Waiting for node capacity.
    Queued,
    Starting,
    Ready,
    Stopped,
}

pub(crate) struct Replica {
    pub set: u32,
    pub node: u32,
    pub state: RState,
    /// Actions bound to it (running, or waiting for it to start), at most `concurrency`.
    pub actions: Vec<u32>,
    pub pod_pos: u32,
    pub alloc: u64,
    pub epoch: u32,
    pub queued_at: Time,
    pub started_at: Time,
    pub ready_at: Time,
    pub ended_at: Time,
    /// Already running from an earlier run of the same session: ready at once when placed.
    pub warm: bool,
}

impl Replica {
    pub(crate) fn is_queued(&self) -> bool {
        self.state == RState::Queued
    }
}

pub(crate) struct ReplicaSet {
    pub spec: ReplicaSetSpec,
    pub class: u32,
    /// Replicas queued, starting or ready, in creation order.
    pub alive: Vec<u32>,
    /// Calls waiting for a slot (cancelled ones are dropped when they reach the front).
    pub waiting: VecDeque<u32>,
    /// Alive replicas with a free slot, by (state rank, id): ready ones first, then
    /// starting, then queued, each in creation order. The head is where a call goes.
    pub open: BTreeSet<(u8, u32)>,
    pub epoch: u32,
    pub unschedulable: Option<String>,
}

/// The order in which calls prefer replicas: ready, starting, queued.
pub(crate) fn rank(st: RState) -> u8 {
    match st {
        RState::Ready => 0,
        RState::Starting => 1,
        RState::Queued | RState::Stopped => 2,
    }
}
