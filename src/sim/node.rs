//! A node's free capacity and what it hosts.
//!
//! CPU, memory and disk are counters. Each accelerator device of a node is a count of free
//! compute slices out of 7: a whole-device request takes devices with all 7 free (the lowest
//! indexes first), a MIG partition `Ng` takes N slices of one GPU (best fit: the GPU with the
//! fewest free slices that still has N, so whole GPUs stay whole), and a TPU node holds one
//! slice that a request takes entirely. The same units (sevenths of a device) feed the
//! utilization figures.

use super::{AccelReq, Sym, Time};

/// Compute slices per device.
pub(crate) const SLICES: u8 = 7;

/// A pod: an action's own container or a replica. Bit 31 marks replicas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct PodRef(pub u32);

const REPLICA_BIT: u32 = 1 << 31;

impl PodRef {
    pub(crate) fn action(a: u32) -> PodRef {
        PodRef(a)
    }
    pub(crate) fn replica(r: u32) -> PodRef {
        PodRef(r | REPLICA_BIT)
    }
    /// `Ok(action)` or `Err(replica)`.
    pub(crate) fn split(self) -> Result<u32, u32> {
        if self.0 & REPLICA_BIT == 0 {
            Ok(self.0)
        } else {
            Err(self.0 & !REPLICA_BIT)
        }
    }
}

/// The shape of a pod as placement sees it: two pods of one shape are interchangeable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Shape {
    pub cpu: u64,
    pub mem: u64,
    pub disk: u64,
    pub accel: Option<AccelReq>,
    pub interruptible: bool,
    pub queue: Option<Sym>,
}

impl Shape {
    /// Accelerator units (sevenths of a device) the shape holds.
    pub(crate) fn accel_units(&self) -> u64 {
        match self.accel {
            None => 0,
            Some(AccelReq::Devices { count, .. }) => count as u64 * SLICES as u64,
            Some(AccelReq::Mig { slices, .. }) => slices as u64,
            Some(AccelReq::Tpu { .. }) => SLICES as u64,
        }
    }
}

/// Where a node of an autoscaling pool is in its life; nodes of fixed pools are always
/// `Ready`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NodeState {
    /// Not there: the pool may provision it.
    Absent,
    /// Asked for, ready after the pool's `scale_up_delay`.
    Provisioning,
    Ready,
}

pub(crate) struct Node {
    pub pool: u32,
    pub state: NodeState,
    pub free_cpu: u64,
    pub free_mem: u64,
    /// `u64::MAX` for pools that declare no disk.
    pub free_disk: u64,
    /// Free slices of each device.
    pub slices: Vec<u8>,
    /// Devices with all slices free.
    pub whole_free: u32,
    pub tpu_free: bool,
    /// The pods it hosts; a pod knows its position here.
    pub pods: Vec<PodRef>,
    /// When it last went from empty to hosting something.
    pub busy_since: Time,
    /// Bumped when the node empties or is preempted: stale preemption events are dropped.
    pub epoch: u32,
    /// Images pulled (or being pulled) here, with when the pull completes.
    pub images: Vec<(Sym, Time)>,
    /// In the freed list of the next placement pass.
    pub freed: bool,
    /// Its lives: (asked for, removed or [`super::NEVER`]); `(0, NEVER)` for fixed pools.
    pub lives: Vec<(Time, Time)>,
    /// Bumped when the node becomes busy or idle: stale scale-down events are dropped.
    pub idle_epoch: u32,
    /// While provisioning: pods of each class the autoscaler counts on it to hold.
    pub planned: Vec<(u32, u32)>,
}

impl Node {
    pub(crate) fn new(
        pool: u32,
        cpu: u64,
        mem: u64,
        disk: Option<u64>,
        devices: u32,
        tpu: bool,
        ready: bool,
    ) -> Node {
        Node {
            pool,
            state: if ready {
                NodeState::Ready
            } else {
                NodeState::Absent
            },
            free_cpu: cpu,
            free_mem: mem,
            free_disk: disk.unwrap_or(u64::MAX),
            slices: vec![SLICES; devices as usize],
            whole_free: devices,
            tpu_free: tpu,
            pods: Vec::new(),
            busy_since: 0,
            epoch: 0,
            images: Vec::new(),
            freed: false,
            lives: if ready {
                vec![(0, super::NEVER)]
            } else {
                Vec::new()
            },
            idle_epoch: 0,
            planned: Vec::new(),
        }
    }

    /// All of its capacity free again (a node just provisioned).
    pub(crate) fn reset(&mut self, cpu: u64, mem: u64, disk: Option<u64>, tpu: bool) {
        self.free_cpu = cpu;
        self.free_mem = mem;
        self.free_disk = disk.unwrap_or(u64::MAX);
        let devices = self.slices.len() as u32;
        self.slices.iter_mut().for_each(|f| *f = SLICES);
        self.whole_free = devices;
        self.tpu_free = tpu;
        self.images.clear();
    }

    /// Whether the shape's requests are free here. Device type, shape, queue and spot were
    /// settled when the node was found eligible for the shape's class.
    #[inline]
    pub(crate) fn fits(&self, s: &Shape) -> bool {
        self.state == NodeState::Ready && self.fits_capacity(s)
    }

    /// Whether the shape's requests are free, whatever the node's state.
    #[inline]
    pub(crate) fn fits_capacity(&self, s: &Shape) -> bool {
        if s.cpu > self.free_cpu || s.mem > self.free_mem || s.disk > self.free_disk {
            return false;
        }
        match s.accel {
            None => true,
            Some(AccelReq::Devices { count, .. }) => self.whole_free >= count,
            Some(AccelReq::Mig { slices, .. }) => self.slices.iter().any(|&f| f >= slices),
            Some(AccelReq::Tpu { .. }) => self.tpu_free,
        }
    }

    /// Takes the shape's requests; returns what to give back to [`Node::free`]: a bit mask of
    /// the devices taken, or the index of the MIG's GPU.
    pub(crate) fn alloc(&mut self, s: &Shape) -> u64 {
        debug_assert!(self.fits_capacity(s));
        self.free_cpu -= s.cpu;
        self.free_mem -= s.mem;
        if self.free_disk != u64::MAX {
            self.free_disk -= s.disk;
        }
        match s.accel {
            None => 0,
            Some(AccelReq::Devices { count, .. }) => {
                let mut mask = 0u64;
                let mut left = count;
                for (i, f) in self.slices.iter_mut().enumerate() {
                    if left == 0 {
                        break;
                    }
                    if *f == SLICES {
                        *f = 0;
                        mask |= 1 << i;
                        left -= 1;
                    }
                }
                self.whole_free -= count;
                mask
            }
            Some(AccelReq::Mig { slices, .. }) => {
                let (i, _) = self
                    .slices
                    .iter()
                    .enumerate()
                    .filter(|(_, &f)| f >= slices)
                    .min_by_key(|(i, &f)| (f, *i))
                    .expect("fits");
                if self.slices[i] == SLICES {
                    self.whole_free -= 1;
                }
                self.slices[i] -= slices;
                i as u64
            }
            Some(AccelReq::Tpu { .. }) => {
                self.tpu_free = false;
                0
            }
        }
    }

    pub(crate) fn free(&mut self, s: &Shape, alloc: u64) {
        self.free_cpu += s.cpu;
        self.free_mem += s.mem;
        if self.free_disk != u64::MAX {
            self.free_disk += s.disk;
        }
        match s.accel {
            None => {}
            Some(AccelReq::Devices { count, .. }) => {
                for (i, f) in self.slices.iter_mut().enumerate() {
                    if alloc & (1 << i) != 0 {
                        *f = SLICES;
                    }
                }
                self.whole_free += count;
            }
            Some(AccelReq::Mig { slices, .. }) => {
                let i = alloc as usize;
                self.slices[i] += slices;
                if self.slices[i] == SLICES {
                    self.whole_free += 1;
                }
            }
            Some(AccelReq::Tpu { .. }) => self.tpu_free = true,
        }
    }
}
