//! The running usage totals behind accounting ([`super::account`]): what pods hold now, by
//! resource (CPU millicores, memory bytes, sevenths of each accelerator type), one sample per
//! instant in which they changed, and the nodes' busy intervals. The scheduler updates them as
//! pods come and go; `account.rs` turns them into the run's summary.

use super::node::Shape;
use super::Time;

#[derive(Default)]
pub(crate) struct Acct {
    pub keys: Vec<String>,
    pub cap: Vec<u64>,
    pub used: Vec<u64>,
    pub changed: bool,
    pub times: Vec<Time>,
    /// Samples, `keys.len()` values each.
    pub values: Vec<u64>,
    /// Closed busy intervals: (node, from, to).
    pub intervals: Vec<(u32, Time, Time)>,
    pub cold_starts: u64,
    pub cold_time: Time,
}

impl Acct {
    pub(crate) fn add_key(&mut self, key: String, cap: u64) -> usize {
        if let Some(i) = self.keys.iter().position(|k| *k == key) {
            self.cap[i] += cap;
            return i;
        }
        self.keys.push(key);
        self.cap.push(cap);
        self.keys.len() - 1
    }

    pub(crate) fn init_used(&mut self) {
        self.used = vec![0; self.keys.len()];
    }

    #[inline]
    pub(crate) fn add(&mut self, s: &Shape, key: usize) {
        self.used[0] += s.cpu;
        self.used[1] += s.mem;
        if s.accel.is_some() {
            self.used[key] += s.accel_units();
        }
        self.changed = true;
    }

    #[inline]
    pub(crate) fn sub(&mut self, s: &Shape, key: usize) {
        self.used[0] -= s.cpu;
        self.used[1] -= s.mem;
        if s.accel.is_some() {
            self.used[key] -= s.accel_units();
        }
        self.changed = true;
    }

    /// The clock leaves `now`: record the state of this instant if it changed.
    #[inline]
    pub(crate) fn advance(&mut self, now: Time) {
        if self.changed {
            self.changed = false;
            self.times.push(now);
            self.values.extend_from_slice(&self.used);
        }
    }
}
