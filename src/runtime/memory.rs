//! Counting the memory a run holds, for [`Limits::max_memory`](super::Limits::max_memory).
//!
//! [`CountingAlloc`] wraps the system allocator and keeps, per thread, the bytes allocated and
//! not yet freed (two additions on a thread-local counter per allocation). A run lives on one
//! thread, so the growth of that counter since the run began is what its values hold. The
//! `flyte-dsl` binary installs it; a host that wants the memory limit enforced installs it
//! too:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: flyte_dsl::runtime::memory::CountingAlloc = flyte_dsl::runtime::memory::CountingAlloc;
//! ```
//!
//! Without it the counter stays at zero and the limit is never reached ([`counting`] says
//! which).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    /// Bytes allocated on this thread and not freed (frees of memory allocated on another
    /// thread count against this one, so it may go below zero).
    static LIVE: Cell<i64> = const { Cell::new(0) };
}

/// The system allocator, counting the bytes each thread holds.
pub struct CountingAlloc;

#[inline]
fn add(n: i64) {
    // `try_with`: nothing to count while the thread's locals are being torn down.
    let _ = LIVE.try_with(|c| c.set(c.get().wrapping_add(n)));
}

// SAFETY: every call goes to `System` with the caller's own arguments; the counting touches
// only a `Cell` of a const-initialised thread-local with no destructor, which never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            add(layout.size() as i64);
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            add(layout.size() as i64);
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        add(-(layout.size() as i64));
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            add(new_size as i64 - layout.size() as i64);
        }
        p
    }
}

/// Bytes this thread holds, as counted since the thread began (0 without [`CountingAlloc`]).
#[inline]
pub fn live() -> i64 {
    LIVE.try_with(Cell::get).unwrap_or(0)
}

/// Whether allocations are counted (is [`CountingAlloc`] the global allocator?).
pub fn counting() -> bool {
    let before = live();
    let b = std::hint::black_box(Box::new([0u8; 64]));
    let after = live();
    drop(b);
    after != before
}
