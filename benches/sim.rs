//! Scheduler throughput: N actions of 1 CPU, each running 1 s, on 100 nodes x 16 CPU with no
//! cold start, for N = 10,000, 100,000 and 1,000,000. The driver is the smallest possible
//! interpreter: on `Started` it sets a 1 s timer, on `TimerFired` it finishes the action.
//!
//! Run with `cargo bench --bench sim`. Prints wall time, actions/s, the makespan (checked:
//! ceil(N / 1600) seconds) and the peak heap bytes per action (a counting allocator).

use flyte_dsl::sim::{Cluster, Request, Sim, SimEvent, SECOND};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(now, Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        CURRENT.fetch_sub(l.size(), Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if new > l.size() {
            let now = CURRENT.fetch_add(new - l.size(), Relaxed) + new - l.size();
            PEAK.fetch_max(now, Relaxed);
        } else {
            CURRENT.fetch_sub(l.size() - new, Relaxed);
        }
        System.realloc(p, l, new)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const CLUSTER: &str = "cold_start = 0\nimage_pull = 0\n\n[[pool]]\nname = \"cpu\"\ncount = 100\ncpu = 16\nmemory = \"64Gi\"\ncost_per_hour = 0.8\n";

/// Submits `n` one-core actions and runs each for one second; returns how many finished.
fn drive(sim: &mut Sim, n: usize) -> usize {
    let req = Request {
        cpu_milli: 1000,
        memory: 1 << 30,
        ..Request::default()
    };
    for _ in 0..n {
        sim.submit(req.clone());
    }
    let mut done = 0;
    while let Some(ev) = sim.next_event() {
        match ev {
            SimEvent::Started { action, .. } => {
                sim.set_timer(Some(action), SECOND, 0);
            }
            SimEvent::TimerFired {
                owner: Some(action),
                ..
            } => {
                sim.finish(action);
                done += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    done
}

/// Runs N actions; returns (seconds, makespan, peak bytes above the baseline).
fn run(cluster: &Cluster, n: usize) -> (f64, i64, usize) {
    let base = CURRENT.load(Relaxed);
    PEAK.store(base, Relaxed);
    let start = Instant::now();
    let mut sim = Sim::new(cluster, 1);
    let done = drive(&mut sim, n);
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(done, n);
    assert!(sim.is_stuck().is_none());
    let makespan = sim.makespan();
    let peak = PEAK.load(Relaxed) - base;
    drop(sim);
    (secs, makespan, peak)
}

fn main() {
    let cluster = Cluster::from_toml_str(CLUSTER, "bench.toml").unwrap();
    let mut rates = Vec::new();
    for n in [10_000usize, 100_000, 1_000_000] {
        let mut best = (f64::MAX, 0, 0);
        let reps = if n >= 1_000_000 { 3 } else { 5 };
        for _ in 0..reps {
            let r = run(&cluster, n);
            if r.0 < best.0 {
                best = r;
            }
        }
        let (secs, makespan, peak) = best;
        let expected = n.div_ceil(1600) as i64 * SECOND;
        assert_eq!(makespan, expected, "makespan for {n}");
        let rate = n as f64 / secs;
        rates.push(rate);
        println!(
            "sim: {n:>9} actions in {:>8.1} ms: {:>11.0} actions/s, makespan {} s, peak {:.1} MB ({} bytes/action)",
            secs * 1e3,
            rate,
            makespan / SECOND,
            peak as f64 / 1e6,
            peak / n
        );
    }
    println!(
        "sim: rate at 1M is {:.2}x the rate at 10k",
        rates[2] / rates[0]
    );
    // A summary over a million actions (cloning the records) is timed on its own.
    let mut sim = Sim::new(&cluster, 1);
    assert_eq!(drive(&mut sim, 1_000_000), 1_000_000);
    let start = Instant::now();
    let s = sim.summary();
    println!(
        "sim: summary of 1M actions in {:.1} ms (cpu mean {:.3}, cost ${:.2})",
        start.elapsed().as_secs_f64() * 1e3,
        s.utilization["cpu"].mean,
        s.cost_usd
    );
}
