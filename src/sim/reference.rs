//! A naive reference scheduler, for tests only: at every instant it frees what ended, queues
//! what was submitted, then walks *every* waiting action in submission order over *every* node
//! in preference order. The optimized [`Sim`](super::Sim) must produce the same schedule (start
//! times and nodes) on random workloads: the class queues, cursors and freed-node candidates
//! are an optimization of exactly this loop.

use super::rng::SplitMix64;
use super::{Cluster, Request, Sim, SimEvent, Time, SECOND};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Clone, Debug)]
struct Job {
    submit: Time,
    cpu: u64,
    mem: u64,
    dur: Time,
    interruptible: bool,
}

/// Start time and node of each job; `None` for a job no pool admits.
fn reference(c: &Cluster, jobs: &[Job]) -> Vec<Option<(Time, u32)>> {
    let mut nodes = Vec::new(); // (pool, free cpu, free mem)
    for (p, pool) in c.pools.iter().enumerate() {
        for _ in 0..pool.count {
            nodes.push((p, pool.cpu_milli, pool.memory));
        }
    }
    let node_pool: Vec<usize> = nodes.iter().map(|n| n.0).collect();
    let node_pool = &node_pool;
    let prefs = |j: &Job| -> Vec<usize> {
        let mut pools: Vec<usize> = (0..c.pools.len())
            .filter(|&p| {
                let pool = &c.pools[p];
                (!pool.spot || j.interruptible) && j.cpu <= pool.cpu_milli && j.mem <= pool.memory
            })
            .collect();
        pools.sort_by(|&a, &b| {
            c.pools[a]
                .cost_per_hour
                .total_cmp(&c.pools[b].cost_per_hour)
                .then(a.cmp(&b))
        });
        pools
            .iter()
            .flat_map(|&p| (0..node_pool.len()).filter(move |&n| node_pool[n] == p))
            .collect()
    };
    let order: Vec<Vec<usize>> = jobs.iter().map(prefs).collect();
    let mut out = vec![None; jobs.len()];
    let mut waiting: Vec<usize> = Vec::new();
    let mut running: BinaryHeap<Reverse<(Time, usize, usize)>> = BinaryHeap::new();
    let mut next = 0;
    let mut t = 0;
    loop {
        while let Some(&Reverse((end, j, n))) = running.peek() {
            if end != t {
                break;
            }
            running.pop();
            nodes[n].1 += jobs[j].cpu;
            nodes[n].2 += jobs[j].mem;
        }
        while next < jobs.len() && jobs[next].submit == t {
            if !order[next].is_empty() {
                waiting.push(next);
            }
            next += 1;
        }
        waiting.retain(|&j| {
            let job = &jobs[j];
            let Some(&n) = order[j]
                .iter()
                .find(|&&n| nodes[n].1 >= job.cpu && nodes[n].2 >= job.mem)
            else {
                return true;
            };
            nodes[n].1 -= job.cpu;
            nodes[n].2 -= job.mem;
            out[j] = Some((t, n as u32));
            running.push(Reverse((t + job.dur, j, n)));
            false
        });
        let end = running.peek().map(|r| r.0 .0);
        let sub = jobs.get(next).map(|j| j.submit);
        t = match (end, sub) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => break,
        };
    }
    out
}

fn simulate(c: &Cluster, jobs: &[Job]) -> Vec<Option<(Time, u32)>> {
    let mut sim = Sim::new(c, 0);
    for (i, j) in jobs.iter().enumerate() {
        sim.set_timer(None, j.submit, i as u64);
    }
    while let Some(ev) = sim.next_event() {
        match ev {
            SimEvent::TimerFired {
                owner: None, tag, ..
            } => {
                let j = &jobs[tag as usize];
                sim.submit(Request {
                    cpu_milli: j.cpu,
                    memory: j.mem,
                    interruptible: j.interruptible,
                    ..Request::default()
                });
            }
            SimEvent::Started { action, .. } => {
                sim.set_timer(Some(action), jobs[action.0 as usize].dur, 0);
            }
            SimEvent::TimerFired { owner: Some(a), .. } => {
                sim.finish(a);
            }
            SimEvent::Unschedulable { .. } => {}
            SimEvent::Preempted { .. } | SimEvent::OomKilled { .. } => unreachable!(),
        }
    }
    sim.records()
        .iter()
        .map(|r| (r.node != super::NO_NODE).then_some((r.started_at, r.node)))
        .collect()
}

const CLUSTER: &str = "cold_start = 0\nimage_pull = 0\n\
[[pool]]\nname = \"big\"\ncount = 2\ncpu = 16\nmemory = \"64Gi\"\ncost_per_hour = 2.0\n\
[[pool]]\nname = \"small\"\ncount = 3\ncpu = 4\nmemory = \"16Gi\"\ncost_per_hour = 0.5\n\
[[pool]]\nname = \"spot\"\ncount = 2\ncpu = 8\nmemory = \"32Gi\"\ncost_per_hour = 0.2\nspot = true\n";

fn workload(seed: u64, n: usize) -> Vec<Job> {
    let mut rng = SplitMix64::new(seed);
    let mut pick = |k: u64| rng.next_u64() % k;
    let mut jobs: Vec<Job> = (0..n)
        .map(|_| Job {
            // Submissions bunch on whole minutes so that many things happen per instant.
            submit: pick(40) as Time * 60 * SECOND,
            cpu: [500, 1000, 2000, 4000, 8000, 16000][pick(6) as usize],
            mem: (1 + pick(40)) << 30,
            dur: (1 + pick(15)) as Time * 60 * SECOND,
            interruptible: pick(3) == 0,
        })
        .collect();
    jobs.sort_by_key(|j| j.submit);
    jobs
}

#[test]
fn the_optimized_scheduler_matches_the_reference() {
    let c = Cluster::from_toml_str(CLUSTER, "ref.toml").unwrap();
    let mut backfilled = 0;
    for seed in 0..40 {
        let jobs = workload(seed, 120);
        let want = reference(&c, &jobs);
        let got = simulate(&c, &jobs);
        assert_eq!(got, want, "seed {seed}");
        // The workload exercises waiting and backfill: a job that starts before an earlier
        // submitted one that was still waiting.
        for (i, a) in want.iter().enumerate() {
            for b in &want[..i] {
                if let (Some(a), Some(b)) = (a, b) {
                    if a.0 < b.0 {
                        backfilled += 1;
                    }
                }
            }
        }
    }
    assert!(backfilled > 100, "{backfilled}");
}

#[test]
fn the_comparison_can_fail() {
    // A reference that ignores backfill (strict FIFO) disagrees with the simulator.
    let c = Cluster::from_toml_str(CLUSTER, "ref.toml").unwrap();
    let jobs = workload(3, 120);
    let mut strict = reference(&c, &jobs);
    // Delay every job to at least the start of the job before it: no passing.
    for i in 1..strict.len() {
        if let (Some(prev), Some(cur)) = (strict[i - 1], strict[i].as_mut()) {
            cur.0 = cur.0.max(prev.0);
        }
    }
    assert_ne!(simulate(&c, &jobs), strict);
}
