//! Timers: `sleep`, timeouts, backoffs and the driver's own, as events of the event loop
//! ([`super::sched`]); which have fired, which are cancelled.

use super::sched::{EvKind, Sim, NONE};
use super::{ActionId, Time, TimerId};

impl Sim {
    /// A timer `delay` from now (for `sleep`, `compute`, backoffs, timeouts). `tag` is the
    /// driver's; a timer whose `owner` has ended by then is dropped silently.
    pub fn set_timer(&mut self, owner: Option<ActionId>, delay: Time, tag: u64) -> TimerId {
        let id = self.new_timer_id();
        let owner = owner.map_or(NONE, |a| a.0);
        self.push_event(delay, EvKind::Timer { id, owner, tag });
        TimerId(id)
    }

    /// `sleep`/`compute` in a body: a timer owned by the action, `d` from now, tag 0.
    pub fn run_for(&mut self, a: ActionId, d: Time) -> TimerId {
        self.set_timer(Some(a), d, 0)
    }

    pub(crate) fn new_timer_id(&mut self) -> u32 {
        let id = self.n_timers;
        self.n_timers += 1;
        if id as usize / 64 >= self.timer_dead.len() {
            self.timer_dead.push(0);
            self.timer_fired.push(0);
        }
        id
    }

    pub(crate) fn mark_fired(&mut self, id: u32) {
        self.timer_fired[id as usize / 64] |= 1 << (id % 64);
    }

    /// Whether the timer (or work) has fired: delivered as [`SimEvent::TimerFired`].
    pub fn timer_fired(&self, t: TimerId) -> bool {
        self.timer_fired[t.0 as usize / 64] & (1 << (t.0 % 64)) != 0
    }

    /// The timer will not fire.
    pub fn cancel_timer(&mut self, t: TimerId) {
        self.timer_dead[t.0 as usize / 64] |= 1 << (t.0 % 64);
        self.cancel_work(t.0);
    }
}
