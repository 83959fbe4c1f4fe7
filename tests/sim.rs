//! The simulated cluster and scheduler, with virtual timings worked out by hand.

use flyte_dsl::sim::{
    AccelReq, ActionId, ActionState, Cluster, ReplicaSetId, ReplicaSetSpec, Request, Sim, SimEvent,
    WaitingFor, SECOND,
};
use std::collections::HashMap;
use std::time::Duration;

const MIN: i64 = 60 * SECOND;
const GI: u64 = 1 << 30;

/// A minimal interpreter: each action sleeps for its duration once started; actions can be
/// submitted later through ownerless timers; preempted actions are resubmitted.
struct Driver {
    sim: Sim,
    plan: HashMap<ActionId, (Request, i64)>,
    later: Vec<(Request, i64)>,
    log: Vec<SimEvent>,
    retry_preempted: bool,
}

impl Driver {
    fn new(cluster: &Cluster) -> Driver {
        Driver::seeded(cluster, 1)
    }

    fn seeded(cluster: &Cluster, seed: u64) -> Driver {
        Driver {
            sim: Sim::new(cluster, seed),
            plan: HashMap::new(),
            later: Vec::new(),
            log: Vec::new(),
            retry_preempted: false,
        }
    }

    fn submit(&mut self, req: Request, dur: i64) -> ActionId {
        let a = self.sim.submit(req.clone());
        self.plan.insert(a, (req, dur));
        a
    }

    /// Submits at virtual time `at` (the action ids follow the ones submitted before).
    fn submit_at(&mut self, at: i64, req: Request, dur: i64) {
        self.later.push((req, dur));
        let delay = at - self.sim.now();
        self.sim.set_timer(None, delay, self.later.len() as u64 - 1);
    }

    fn run(&mut self) {
        while let Some(ev) = self.sim.next_event() {
            self.log.push(ev.clone());
            match ev {
                SimEvent::Started { action, .. } => {
                    let d = self.plan[&action].1;
                    self.sim.set_timer(Some(action), d, 0);
                }
                SimEvent::TimerFired { owner: Some(a), .. } => {
                    assert!(self.sim.finish(a));
                }
                SimEvent::TimerFired {
                    owner: None, tag, ..
                } => {
                    let (req, dur) = self.later[tag as usize].clone();
                    self.submit(req, dur);
                }
                SimEvent::Preempted { action, .. } if self.retry_preempted => {
                    let (req, dur) = self.plan[&action].clone();
                    self.submit(req, dur);
                }
                SimEvent::Preempted { .. }
                | SimEvent::Unschedulable { .. }
                | SimEvent::OomKilled { .. } => {}
            }
        }
    }

    fn started(&self, a: u32) -> i64 {
        self.sim.records()[a as usize].started_at
    }
    fn running(&self, a: u32) -> i64 {
        self.sim.records()[a as usize].running_at
    }
    fn node(&self, a: u32) -> String {
        let n = self.sim.records()[a as usize].node;
        self.sim.node_name(flyte_dsl::sim::NodeId(n))
    }
}

fn cluster(text: &str) -> Cluster {
    Cluster::from_toml_str(text, "test.toml").unwrap()
}

fn cpu(cores: u64) -> Request {
    Request {
        cpu_milli: cores * 1000,
        ..Request::default()
    }
}

fn approx(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

const ONE_NODE_2CPU: &str = "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 2\nmemory = \"8Gi\"\ncost_per_hour = 0.80\n";

#[test]
fn four_ten_minute_actions_on_two_slots_take_twenty_minutes() {
    let mut d = Driver::new(&cluster(ONE_NODE_2CPU));
    for _ in 0..4 {
        d.submit(cpu(1), 10 * MIN);
    }
    d.run();
    let s = d.sim.summary();
    assert_eq!(s.makespan, 20 * MIN);
    assert_eq!([d.started(0), d.started(1)], [0, 0]);
    assert_eq!([d.started(2), d.started(3)], [10 * MIN, 10 * MIN]);
    assert_eq!(s.cold_starts, 4);
    approx(s.utilization["cpu"].peak, 1.0);
    approx(s.utilization["cpu"].mean, 1.0);
    approx(s.cost_usd, 0.80 / 3.0);
    assert!(s.actions.iter().all(|r| r.state == ActionState::Finished));
}

#[test]
fn backfill_lets_small_actions_pass_a_big_one() {
    let c = cluster("cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 4\nmemory = \"8Gi\"\n");
    let mut d = Driver::new(&c);
    d.submit(cpu(3), 10 * MIN); // 0: runs 0-10
    d.submit(cpu(4), 10 * MIN); // 1: waits for the whole node: 10-20
    d.submit(cpu(1), 5 * MIN); // 2: backfills 0-5
    d.submit(cpu(1), 5 * MIN); // 3: backfills 5-10, still ahead of the big one
    d.run();
    assert_eq!(d.started(0), 0);
    assert_eq!(d.started(2), 0);
    assert_eq!(d.started(3), 5 * MIN);
    assert_eq!(d.started(1), 10 * MIN);
    assert_eq!(d.sim.summary().makespan, 20 * MIN);
}

#[test]
fn frees_of_one_instant_are_seen_together() {
    let c = cluster("cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 4\nmemory = \"8Gi\"\n");
    let mut d = Driver::new(&c);
    d.submit(cpu(2), 10 * MIN); // 0: 0-10
    d.submit(cpu(2), 10 * MIN); // 1: 0-10
    d.submit(cpu(4), 10 * MIN); // 2: both halves free at 10: 10-20
    d.submit(cpu(1), 5 * MIN); // 3: must not take half of the node at 10 first
    d.run();
    assert_eq!(d.started(2), 10 * MIN);
    assert_eq!(d.started(3), 20 * MIN);
}

#[test]
fn fcfs_among_equals_by_submission_order() {
    let mut d = Driver::new(&cluster(ONE_NODE_2CPU));
    let durations = [3, 1, 2, 2, 1];
    for m in durations {
        d.submit(cpu(1), m * MIN);
    }
    d.run();
    // Slots: 0 (3m) and 1 (1m) at 0; 2 at 1m (1-3); 3 and 4 at 3m.
    assert_eq!(d.started(2), MIN);
    assert_eq!(d.started(3), 3 * MIN);
    assert_eq!(d.started(4), 3 * MIN);
    assert_eq!(d.sim.makespan(), 5 * MIN);
}

fn mig(sim: &mut Sim, slices: u8) -> Request {
    let device = sim.sym("A100");
    Request {
        cpu_milli: 1000,
        accel: Some(AccelReq::Mig { device, slices }),
        ..Request::default()
    }
}

#[test]
fn seven_one_slice_partitions_fit_one_gpu_and_the_eighth_waits() {
    let c = cluster("cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"a100\"\ncount = 1\ncpu = 64\nmemory = \"512Gi\"\ngpu = \"A100:1\"\n");
    let mut d = Driver::new(&c);
    for _ in 0..8 {
        let r = mig(&mut d.sim, 1);
        d.submit(r, 10 * MIN);
    }
    d.run();
    for a in 0..7 {
        assert_eq!(d.started(a), 0);
    }
    assert_eq!(d.started(7), 10 * MIN);
    let u = d.sim.summary().utilization["gpu:A100"];
    approx(u.peak, 1.0);
    approx(u.mean, (1.0 + 1.0 / 7.0) / 2.0);
}

#[test]
fn mig_partitions_pack_one_gpu_and_leave_the_other_whole() {
    let c = cluster("cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"a100\"\ncount = 1\ncpu = 64\nmemory = \"512Gi\"\ngpu = \"A100:2\"\n");
    let mut d = Driver::new(&c);
    let three = mig(&mut d.sim, 3);
    let four = mig(&mut d.sim, 4);
    let a100 = d.sim.sym("A100");
    let whole = Request {
        cpu_milli: 1000,
        accel: Some(AccelReq::Devices {
            device: a100,
            count: 1,
        }),
        ..Request::default()
    };
    d.submit(three, 10 * MIN);
    d.submit(four, 10 * MIN); // best fit: the same GPU as the 3g
    d.submit(whole.clone(), 10 * MIN); // the second GPU, whole
    d.submit(whole, 10 * MIN); // no whole GPU left
    d.run();
    assert_eq!([d.started(0), d.started(1), d.started(2)], [0, 0, 0]);
    assert_eq!(d.started(3), 10 * MIN);
}

#[test]
fn tpu_requests_need_a_node_of_the_same_slice_shape() {
    let c = cluster("cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"small\"\ncount = 1\ncpu = 8\nmemory = \"32Gi\"\ntpu = \"V5P:2x2x1\"\n\n[[pool]]\nname = \"big\"\ncount = 1\ncpu = 8\nmemory = \"32Gi\"\ntpu = \"V5P:2x2x2\"\n");
    let mut d = Driver::new(&c);
    let v5p = d.sim.sym("V5P");
    let s221 = d.sim.sym("2x2x1");
    let s222 = d.sim.sym("2x2x2");
    let tpu = |shape| Request {
        cpu_milli: 1000,
        accel: Some(AccelReq::Tpu {
            device: v5p,
            shape: Some(shape),
        }),
        ..Request::default()
    };
    d.submit(tpu(s222), 10 * MIN);
    d.submit(tpu(s221), 10 * MIN);
    d.submit(tpu(s221), 10 * MIN); // the big node is busy, and the wrong shape anyway
    d.run();
    assert_eq!(d.node(0), "big-0");
    assert_eq!(d.node(1), "small-0");
    assert_eq!((d.node(2).as_str(), d.started(2)), ("small-0", 10 * MIN));
    // A device the cluster lacks is unschedulable at once, naming the closest pool.
    let v5e = d.sim.sym("V5E");
    let r = Request {
        accel: Some(AccelReq::Tpu {
            device: v5e,
            shape: None,
        }),
        ..Request::default()
    };
    let why = d.sim.unschedulable(&r).unwrap();
    assert_eq!(
        why,
        "no pool of the cluster has V5E devices (it has V5P); did you mean `V5P`?"
    );
    // The right device with a shape no pool has names the closest pool.
    let s444 = d.sim.sym("4x4x4");
    let why = d.sim.unschedulable(&tpu(s444)).unwrap();
    assert!(
        why.ends_with("the closest pool, `small`, has V5P slices of shape 2x2x1 (4x4x4 asked)"),
        "{why}"
    );
}

#[test]
fn cold_start_and_image_pull_once_per_node() {
    let c = cluster("cold_start = \"5s\"\nimage_pull = \"30s\"\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 4\nmemory = \"8Gi\"\n");
    let mut d = Driver::new(&c);
    let img1 = d.sim.sym("ghcr.io/acme/one:1");
    let img2 = d.sim.sym("ghcr.io/acme/two:1");
    let with = |image| Request { image, ..cpu(1) };
    d.submit(with(img1), 10 * SECOND); // 0: pull + start 0-35, runs 35-45
    d.submit(with(img2), 10 * SECOND); // 1: its own pull: running at 35
    d.submit_at(10 * SECOND, with(img1), 10 * SECOND); // 2: joins the pull in progress: 30 + 5
    d.submit_at(60 * SECOND, with(img1), 10 * SECOND); // 3: image present: 60 + 5
    d.run();
    assert_eq!(d.running(0), 35 * SECOND);
    assert_eq!(d.running(1), 35 * SECOND);
    assert_eq!((d.started(2), d.running(2)), (10 * SECOND, 35 * SECOND));
    assert_eq!((d.started(3), d.running(3)), (60 * SECOND, 65 * SECOND));
    let recs = d.sim.records();
    assert!(recs[0].image_pull && recs[1].image_pull);
    assert!(!recs[2].image_pull && !recs[3].image_pull);
    let s = d.sim.summary();
    assert_eq!(s.cold_starts, 4);
    assert_eq!(s.cold_start_time, (35 + 35 + 25 + 5) * SECOND);
    assert_eq!(s.makespan, 75 * SECOND);
}

fn reuse_cluster() -> Cluster {
    cluster("cold_start = \"10s\"\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 16\nmemory = \"64Gi\"\ncost_per_hour = 3.6\n")
}

fn replica_set(sim: &mut Sim, min: u32, max: u32, concurrency: u32) -> ReplicaSetId {
    sim.replica_set(ReplicaSetSpec {
        min,
        max,
        concurrency,
        idle_ttl: 300 * SECOND,
        scaledown_ttl: 60 * SECOND,
        pod: cpu(2),
    })
}

fn call(set: ReplicaSetId) -> Request {
    Request {
        reuse: Some(set),
        ..Request::default()
    }
}

#[test]
fn a_warm_replica_pays_no_cold_start() {
    let mut d = Driver::new(&reuse_cluster());
    let set = replica_set(&mut d.sim, 1, 1, 1);
    d.submit(call(set), 20 * SECOND); // replica starts 0-10; runs 10-30
    d.submit_at(30 * SECOND, call(set), 20 * SECOND); // warm: runs 30-50
    d.run();
    assert_eq!((d.started(0), d.running(0)), (0, 10 * SECOND));
    assert_eq!((d.started(1), d.running(1)), (30 * SECOND, 30 * SECOND));
    let s = d.sim.summary();
    assert_eq!(s.cold_starts, 1);
    assert_eq!(s.makespan, 50 * SECOND);
    assert!(s.actions.iter().all(|a| !a.cold_start));
    // The replica holds its node until idle_ttl (300 s after 50 s), and the node is billed for
    // all of it, idle tail included (RUNTIME.md section 4): 350 s at $3.60/h. Utilization is
    // measured over the makespan.
    assert_eq!(s.replicas.len(), 1);
    assert_eq!(s.replicas[0].ended_at, 350 * SECOND);
    approx(s.cost_usd, 0.35);
    approx(s.utilization["cpu"].mean, 2.0 / 16.0);
}

#[test]
fn replicas_scale_up_to_max_then_down_and_stop_after_idle_ttl() {
    let mut d = Driver::new(&reuse_cluster());
    let set = replica_set(&mut d.sim, 1, 3, 1);
    for _ in 0..5 {
        d.submit(call(set), 60 * SECOND);
    }
    // After everything is idle: a new call at 500 s restarts a replica.
    d.submit_at(500 * SECOND, call(set), 60 * SECOND);
    d.run();
    // Three replicas start at once (min 1, then two more for waiting calls): 0-10.
    for a in 0..3 {
        assert_eq!((d.started(a), d.running(a)), (0, 10 * SECOND));
    }
    // Calls 3 and 4 wait for a slot, then run warm at 70.
    for a in 3..5 {
        assert_eq!((d.started(a), d.running(a)), (70 * SECOND, 70 * SECOND));
        assert!(d.sim.records()[a as usize].replica < 2);
    }
    let reps = d.sim.replica_records();
    assert_eq!(reps.len(), 4);
    // Replica 2 idle from 70: removed at 130 (3 > min). Replica 0 idle from 130: removed at
    // 190. Replica 1 is the last (at min): stopped by idle_ttl at 130 + 300.
    assert_eq!(reps[2].ended_at, 130 * SECOND);
    assert_eq!(reps[0].ended_at, 190 * SECOND);
    assert_eq!(reps[1].ended_at, 430 * SECOND);
    // The call at 500 found no replica: a new one pays the cold start.
    assert_eq!(
        (reps[3].started_at, reps[3].ready_at),
        (500 * SECOND, 510 * SECOND)
    );
    assert_eq!(d.running(5), 510 * SECOND);
    let s = d.sim.summary();
    assert_eq!(s.cold_starts, 4);
    assert_eq!(s.makespan, 570 * SECOND);
    // Draining the events stops it too, after idle_ttl.
    assert_eq!(reps[3].ended_at, 870 * SECOND);
    assert_eq!(d.sim.replicas_alive(set), 0);
}

#[test]
fn concurrency_runs_several_calls_per_replica() {
    let mut d = Driver::new(&reuse_cluster());
    let set = replica_set(&mut d.sim, 0, 1, 2);
    for _ in 0..3 {
        d.submit(call(set), 60 * SECOND);
    }
    d.run();
    assert_eq!([d.running(0), d.running(1)], [10 * SECOND, 10 * SECOND]);
    assert_eq!(d.running(2), 70 * SECOND);
    assert_eq!(d.sim.summary().cold_starts, 1);
}

#[test]
fn unschedulable_reasons_read_as_one_list() {
    let c = Cluster::default_cluster();
    let sim = Sim::new(&c, 0);
    let r = Request {
        memory: 1 << 50,
        ..cpu(500)
    };
    let why = sim.unschedulable(&r).unwrap();
    assert!(
        why.ends_with(
            "the closest pool, `h100`, has 192 CPUs per node (500 asked) and 2Ti of memory per node (1Pi asked)"
        ),
        "{why}"
    );
}

#[test]
fn unschedulable_requests_fail_at_once_naming_the_closest_pool() {
    let c = Cluster::default_cluster();
    let mut sim = Sim::new(&c, 0);
    let a = sim.submit(cpu(300));
    match sim.next_event() {
        Some(SimEvent::Unschedulable { action, reason, at }) => {
            assert_eq!((action, at), (a, 0));
            assert_eq!(
                reason,
                "no node of the cluster can hold cpu 300, memory 0: the closest pool, `tpu`, has 208 CPUs per node (300 asked)"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.state(a), ActionState::Unschedulable);
    let a100 = sim.sym("A100");
    let r = Request {
        accel: Some(AccelReq::Devices {
            device: a100,
            count: 16,
        }),
        ..cpu(1)
    };
    let why = sim.unschedulable(&r).unwrap();
    assert!(
        why.ends_with("the closest pool, `a100`, has 8 A100 per node (16 asked)"),
        "{why}"
    );
    assert_eq!(sim.unschedulable(&cpu(96)), None);
    let l4 = sim.sym("H10O");
    let r = Request {
        accel: Some(AccelReq::Devices {
            device: l4,
            count: 1,
        }),
        ..cpu(1)
    };
    assert_eq!(
        sim.unschedulable(&r).unwrap(),
        "no pool of the cluster has H10O devices (it has T4, A100, H100, V5P); did you mean `H100`?"
    );
    let q = sim.sym("a10O");
    let why = sim
        .unschedulable(&Request {
            queue: Some(q),
            ..cpu(1)
        })
        .unwrap();
    assert_eq!(
        why,
        "no pool of the cluster serves queue `a10O`; did you mean `a100`?"
    );
    // Only spot capacity, and the action is not interruptible.
    let spot =
        cluster("[[pool]]\nname = \"s\"\ncount = 1\ncpu = 4\nmemory = \"8Gi\"\nspot = true\n");
    let sim = Sim::new(&spot, 0);
    let why = sim.unschedulable(&cpu(1)).unwrap();
    assert!(
        why.ends_with("`s`, is spot capacity and the action is not interruptible"),
        "{why}"
    );
    assert_eq!(
        sim.unschedulable(&Request {
            interruptible: true,
            ..cpu(1)
        }),
        None
    );
}

#[test]
fn queue_and_interruptible_choose_pools() {
    let mut d = Driver::new(&Cluster::default_cluster());
    d.submit(cpu(1), MIN); // 0: on-demand cpu pool
    d.submit(
        Request {
            interruptible: true,
            ..cpu(1)
        },
        MIN,
    ); // 1: the cheaper spot pool
    let t4 = d.sim.sym("t4");
    d.submit(
        Request {
            queue: Some(t4),
            ..cpu(1)
        },
        MIN,
    ); // 2: queue = "t4" names the pool
    d.run();
    assert_eq!(d.node(0), "cpu-0");
    assert_eq!(d.node(1), "cpu-spot-0");
    assert_eq!(d.node(2), "t4-0");
    // A pool's `queue` key also matches.
    let c = cluster("[[pool]]\nname = \"a\"\ncount = 1\ncpu = 4\nmemory = \"8Gi\"\n\n[[pool]]\nname = \"b\"\ncount = 1\ncpu = 4\nmemory = \"8Gi\"\nqueue = \"batch\"\n");
    let mut d = Driver::new(&c);
    let batch = d.sim.sym("batch");
    d.submit(
        Request {
            queue: Some(batch),
            ..cpu(1)
        },
        MIN,
    );
    d.run();
    assert_eq!(d.node(0), "b-0");
}

#[test]
fn cpu_work_uses_accelerator_nodes_last() {
    let mut d = Driver::new(&Cluster::default_cluster());
    for _ in 0..65 {
        d.submit(cpu(1), MIN);
    }
    d.run();
    // 4 cpu nodes x 16 CPU, then the cheapest accelerator pool.
    assert_eq!(d.node(63), "cpu-3");
    assert_eq!(d.node(64), "t4-0");
}

#[test]
fn a_node_busy_for_an_hour_at_80_cents_costs_80_cents() {
    let c = cluster("cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 2\ncpu = 4\nmemory = \"8Gi\"\ncost_per_hour = 0.80\n");
    let mut d = Driver::new(&c);
    d.submit(cpu(1), 3600 * SECOND);
    d.run();
    let s = d.sim.summary();
    approx(s.cost_usd, 0.80);
    assert_eq!(s.nodes[0].busy, 3600 * SECOND);
    assert_eq!(s.nodes[1].busy, 0);
}

#[test]
fn utilization_peak_and_mean() {
    let c = cluster("cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 2\ncpu = 4\nmemory = \"16Gi\"\ncost_per_hour = 1.0\n");
    let mut d = Driver::new(&c);
    d.submit(
        Request {
            memory: 8 * GI,
            ..cpu(4)
        },
        10 * MIN,
    ); // node 0, 0-10
    d.submit(cpu(2), 20 * MIN); // node 1, 0-20
    d.run();
    let s = d.sim.summary();
    assert_eq!(s.makespan, 20 * MIN);
    // CPU: 6 of 8 for 10 min, 2 of 8 for 10 min.
    approx(s.utilization["cpu"].peak, 0.75);
    approx(s.utilization["cpu"].mean, 0.5);
    // Memory: 8Gi of 32Gi for 10 min.
    approx(s.utilization["memory"].peak, 0.25);
    approx(s.utilization["memory"].mean, 0.125);
    // Node 0 busy 10 min, node 1 20 min, at $1/h.
    approx(s.cost_usd, 0.5);
    let series = d.sim.utilization_series();
    assert_eq!(series.times, vec![0, 10 * MIN, 20 * MIN]);
}

fn preemption_run(seed: u64) -> (Vec<SimEvent>, usize) {
    let c = cluster("cold_start = 0\nimage_pull = 0\npreemption_rate = 2.0\n[[pool]]\nname = \"spot\"\ncount = 4\ncpu = 4\nmemory = \"16Gi\"\nspot = true\ncost_per_hour = 0.25\n");
    let mut d = Driver::seeded(&c, seed);
    d.retry_preempted = true;
    for _ in 0..8 {
        d.submit(
            Request {
                interruptible: true,
                ..cpu(2)
            },
            3600 * SECOND,
        );
    }
    d.run();
    let preempted = d
        .log
        .iter()
        .filter(|e| matches!(e, SimEvent::Preempted { .. }))
        .count();
    let finished = d
        .sim
        .records()
        .iter()
        .filter(|r| r.state == ActionState::Finished)
        .count();
    assert_eq!(finished, 8, "every action finishes in the end");
    (d.log, preempted)
}

#[test]
fn spot_preemption_is_deterministic_for_a_seed() {
    let (a, n) = preemption_run(7);
    let (b, _) = preemption_run(7);
    assert!(n > 0, "two preemptions per node-hour over hours of work");
    assert_eq!(a, b);
    let (c, _) = preemption_run(8);
    assert_ne!(a, c);
}

fn preempted_replicas_run(seed: u64) -> (Vec<SimEvent>, usize) {
    let c = cluster("cold_start = \"10s\"\nimage_pull = \"20s\"\npreemption_rate = 3.0\n[[pool]]\nname = \"spot\"\ncount = 2\ncpu = 4\nmemory = \"16Gi\"\nspot = true\n");
    let mut d = Driver::seeded(&c, seed);
    d.retry_preempted = true;
    let set = d.sim.replica_set(ReplicaSetSpec {
        min: 1,
        max: 2,
        concurrency: 2,
        idle_ttl: 300 * SECOND,
        scaledown_ttl: 60 * SECOND,
        pod: Request {
            interruptible: true,
            ..cpu(4)
        },
    });
    for _ in 0..10 {
        d.submit(call(set), 30 * MIN);
    }
    d.run();
    let finished = d
        .sim
        .records()
        .iter()
        .filter(|r| r.state == ActionState::Finished)
        .count();
    assert_eq!(finished, 10);
    assert_eq!(d.sim.replicas_alive(set), 0);
    let preempted = d
        .log
        .iter()
        .filter(|e| matches!(e, SimEvent::Preempted { .. }))
        .count();
    (d.log, preempted)
}

#[test]
fn preempted_replicas_take_their_calls_with_them() {
    let (a, n) = preempted_replicas_run(11);
    assert!(n > 0);
    assert_eq!(a, preempted_replicas_run(11).0);
}

#[test]
fn a_parent_holding_the_only_replica_is_reported_stuck() {
    let mut sim = Sim::new(&reuse_cluster(), 0);
    let set = replica_set(&mut sim, 1, 1, 1);
    let parent = sim.submit(call(set));
    let mut child = None;
    while let Some(ev) = sim.next_event() {
        if let SimEvent::Started { action, .. } = ev {
            assert_eq!(action, parent);
            child = Some(sim.submit(call(set))); // awaits the child: no timer
        }
    }
    let report = sim.is_stuck().expect("stuck");
    assert_eq!(report.holders.len(), 1);
    assert_eq!(report.holders[0].action, parent);
    assert_eq!(report.holders[0].node_name, "cpu-0");
    assert_eq!(report.waiting[0].action, child.unwrap());
    assert_eq!(
        report.waiting[0].waiting_for,
        WaitingFor::ReplicaSlot { set }
    );
    assert!(report
        .describe()
        .contains("waits for a free slot on a replica"));
}

#[test]
fn a_parent_holding_the_node_is_reported_stuck() {
    let c = cluster("cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 1\nmemory = \"8Gi\"\n");
    let mut sim = Sim::new(&c, 0);
    sim.submit(cpu(1));
    while let Some(ev) = sim.next_event() {
        if let SimEvent::Started { .. } = ev {
            sim.submit(cpu(1));
        }
    }
    let r = sim.is_stuck().expect("stuck");
    assert_eq!(
        r.describe(),
        "action 0 holds capacity on cpu-0\naction 1 waits for a node with cpu 1, memory 0 free\n"
    );
}

#[test]
fn cancel_frees_capacity_and_skips_queued_actions() {
    let mut sim = Sim::new(&cluster(ONE_NODE_2CPU), 0);
    let a = sim.submit(cpu(2));
    let b = sim.submit(cpu(2));
    let c = sim.submit(cpu(1));
    assert!(matches!(sim.next_event(), Some(SimEvent::Started { action, .. }) if action == a));
    assert!(sim.cancel(b)); // queued: never starts
    let t = sim.set_timer(Some(a), MIN, 0);
    sim.set_timer(None, 2 * MIN, 9);
    sim.cancel_timer(t);
    match sim.next_event() {
        Some(SimEvent::TimerFired { tag: 9, at, .. }) => assert_eq!(at, 2 * MIN),
        other => panic!("{other:?}"),
    }
    assert!(sim.cancel(a)); // running: frees the node for c
    assert!(!sim.cancel(a));
    match sim.next_event() {
        Some(SimEvent::Started { action, at, .. }) => assert_eq!((action, at), (c, 2 * MIN)),
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.state(b), ActionState::Cancelled);
    // A timer whose owner has ended is dropped.
    sim.set_timer(Some(c), MIN, 0);
    sim.finish(c);
    assert_eq!(sim.next_event(), None);
    assert!(sim.is_stuck().is_none());
}

fn err(text: &str) -> String {
    Cluster::from_toml_str(text, "c.toml")
        .unwrap_err()
        .to_string()
}

#[test]
fn cluster_errors_name_file_line_and_key() {
    let pool = "[[pool]]\nname = \"cpu\"\ncount = 2\ncpu = 8\nmemory = \"32Gi\"\n";
    assert_eq!(
        err(&format!("{pool}cuont = 3\n")),
        "c.toml:6: key `cuont`: unknown key; did you mean `count`?"
    );
    assert_eq!(
        err(&format!("coldstart = \"5s\"\n{pool}")),
        "c.toml:1: key `coldstart`: unknown key; did you mean `cold_start`?"
    );
    assert_eq!(
        err("[[pool]]\nname = \"cpu\"\ncount = 2\ncpu = 8\nmemory = \"32GB\"\n"),
        "c.toml:5: key `memory`: `32GB` is not a Kubernetes quantity; write \"32G\" or \"32Gi\""
    );
    assert_eq!(
        err(&format!("{pool}gpu = \"H10O:8\"\n")),
        "c.toml:6: key `gpu`: unknown device `H10O`; did you mean `H100`?"
    );
    assert_eq!(
        err(&format!("{pool}tpu = \"V5P:2x2\"\n"))
            .split(';')
            .next()
            .unwrap(),
        "c.toml:6: key `tpu`: V5P has no slice shape `2x2`"
    );
    assert_eq!(
        err("\n[[pool]]\nname = \"cpu\"\ncount = 0\ncpu = 8\nmemory = \"32Gi\"\n"),
        "c.toml:4: key `count`: a pool needs at least one node"
    );
    assert_eq!(
        err("x = 1\n\n[[pool]]\nname = \"cpu\"\ncount = 1\nmemory = \"32Gi\"\n")
            .split(':')
            .next(),
        Some("c.toml")
    );
    assert_eq!(
        err("[[pool]]\nname = \"cpu\"\ncount = 1\nmemory = \"32Gi\"\n"),
        "c.toml:1: key `cpu`: pool `cpu` has no `cpu`"
    );
    assert_eq!(
        err(&format!("cold_start = \"5 sec\"\n{pool}")),
        "c.toml:1: key `cold_start`: `5 sec` is not a duration (write seconds, or a string like \"5s\" or \"1m30s\")"
    );
    assert_eq!(
        err("[[pool]]\nname = \"cpu\"\ncount = \"two\"\n"),
        "c.toml:3: key `count`: invalid type: string \"two\", expected i64"
    );
    assert_eq!(
        err("cold_start = 1\n"),
        "c.toml:2: key `pool`: the cluster has no [[pool]]"
    );
    assert_eq!(
        err(&format!("{pool}\n{pool}")),
        "c.toml:8: key `name`: a second pool named `cpu`"
    );
}

#[test]
fn cluster_values_in_both_forms() {
    let c = cluster("cold_start = 2.5\nimage_pull = \"1m\"\n[[pool]]\nname = \"x\"\ncount = 1\ncpu = \"500m\"\nmemory = 1073741824\ndisk = \"10Gi\"\nlabels = { zone = \"a\" }\n");
    assert_eq!(c.cold_start, Duration::from_millis(2_500));
    assert_eq!(c.image_pull, Duration::from_secs(60));
    assert_eq!(c.pools[0].cpu_milli, 500);
    assert_eq!(c.pools[0].memory, GI);
    assert_eq!(c.pools[0].disk, Some(10 * GI));
    assert_eq!(c.pools[0].labels["zone"], "a");
}

#[test]
fn the_default_cluster_matches_runtime_md() {
    use flyte_dsl::sim::PoolAccel;
    let c = Cluster::default_cluster();
    assert_eq!(c.cold_start, Duration::from_secs(5));
    assert_eq!(c.image_pull, Duration::from_secs(30));
    assert_eq!(c.preemption_rate, 0.0);
    assert_eq!(c.system_retries, 3);
    let dev = |d: &str, n| {
        Some(PoolAccel::Devices {
            device: d.into(),
            count: n,
        })
    };
    let table = [
        ("cpu", 4, 16, 64, 500, None, 0.80, false),
        ("cpu-spot", 4, 16, 64, 500, None, 0.25, true),
        ("t4", 2, 16, 64, 500, dev("T4", 4), 3.90, false),
        ("a100", 1, 96, 1152, 2000, dev("A100", 8), 32.00, false),
        ("h100", 1, 192, 2048, 4000, dev("H100", 8), 98.00, false),
        (
            "tpu",
            1,
            208,
            448,
            500,
            Some(PoolAccel::Tpu {
                device: "V5P".into(),
                shape: "2x2x1".into(),
            }),
            17.00,
            false,
        ),
    ];
    assert_eq!(c.pools.len(), table.len());
    for (p, (name, count, cpu, mem, disk, accel, cost, spot)) in c.pools.iter().zip(table) {
        assert_eq!(p.name, name);
        assert_eq!(p.count, count);
        assert_eq!(p.cpu_milli, cpu * 1000);
        assert_eq!(p.memory, mem * GI);
        assert_eq!(p.disk, Some(disk * GI));
        assert_eq!(p.accel, accel);
        assert_eq!(p.cost_per_hour, cost);
        assert_eq!(p.spot, spot);
    }
    let show = c.show();
    assert!(
        show.contains("h100          1  192  2048Gi  4000Gi  H100:8"),
        "{show}"
    );
    assert!(!show.contains("queue"), "{show}");
    assert!(show.contains("13 nodes"), "{show}");
}

#[test]
fn request_from_the_checkers_resource_spec() {
    use flyte_dsl::resources::{Accelerator, ReqLim, ResourceSpec};
    let mut sim = Sim::new(&Cluster::default_cluster(), 0);
    let spec = ResourceSpec {
        cpu_milli: Some(ReqLim {
            request: 2000,
            limit: 4000,
        }),
        memory: Some(ReqLim {
            request: 4 * GI,
            limit: 8 * GI,
        }),
        accelerator: Some(Accelerator::Gpu {
            device: None,
            quantity: 2,
            partition: None,
            slices: None,
        }),
        ..ResourceSpec::default()
    };
    let r = sim.request_from_spec(&spec, "auto", false, None);
    assert_eq!((r.cpu_milli, r.memory), (2000, 4 * GI));
    let t4 = sim.sym("T4");
    assert_eq!(
        r.accel,
        Some(AccelReq::Devices {
            device: t4,
            count: 2
        })
    );
    assert_eq!(sim.unschedulable(&r), None);
}

#[test]
fn cluster_wide_settings_take_their_defaults_when_a_file_leaves_them_out() {
    let c = Cluster::from_toml_str(
        "[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 2\nmemory = \"4Gi\"\n",
        "min.toml",
    )
    .unwrap();
    // RUNTIME.md section 2: pod start 5 s, first image pull 30 s, no preemption; three
    // platform retries.
    assert_eq!(c.cold_start, Duration::from_secs(5));
    assert_eq!(c.image_pull, Duration::from_secs(30));
    assert_eq!(c.preemption_rate, 0.0);
    assert_eq!(c.system_retries, 3);
}

#[test]
fn docs_cluster_md_names_every_key_the_loader_accepts() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/cluster.md")).unwrap();
    // The loader's error for an unknown key lists the keys it accepts.
    let pool = "[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 1\nmemory = \"1Gi\"\n";
    for text in [
        format!("zzzzzzzzzzzz = 1\n{pool}"),
        format!("{pool}zzzzzzzzzzzz = 1\n"),
    ] {
        let e = Cluster::from_toml_str(&text, "c.toml")
            .unwrap_err()
            .to_string();
        let keys = e
            .split("the keys are ")
            .nth(1)
            .unwrap_or_else(|| panic!("{e}"));
        let keys: Vec<&str> = keys.split(", ").map(|k| k.trim_matches('`')).collect();
        assert!(keys.len() >= 5, "{e}");
        for k in keys {
            assert!(
                doc.contains(&format!("| `{k}` |")),
                "docs/cluster.md lacks `{k}`"
            );
        }
    }
}
