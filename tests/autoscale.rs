//! Autoscaling node pools (docs/cluster.md): `min_count`, `max_count`, `scale_up_delay`,
//! `scale_down_after`. Every time and cost is worked by hand in the test's comment. The pools
//! cost $3.60 a node-hour, a tenth of a cent a second, unless said otherwise.

use flyte_dsl::sim::{Cluster, Request, Sim, SimEvent, NEVER, SECOND};
use std::collections::HashMap;

const S: i64 = SECOND;

/// `cold_start = 0`, `image_pull = 30s`, then the pools.
fn cluster(pools: &str) -> Cluster {
    Cluster::from_toml_str(
        &format!("cold_start = 0\nimage_pull = 30\n{pools}"),
        "c.toml",
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// One pool of 4-CPU nodes from `min` to `max`, 60 s to provision, removed after 600 s idle.
fn pool(min: u32, max: u32) -> String {
    format!("[[pool]]\nname = \"cpu\"\nmin_count = {min}\nmax_count = {max}\ncpu = 4\nmemory = \"16Gi\"\ncost_per_hour = 3.6\n")
}

fn cpus(n: u64) -> Request {
    Request {
        cpu_milli: n * 1000,
        ..Request::default()
    }
}

/// Runs actions (submitted at, request, running time) to the end, drains the idle tail and
/// returns the sim with each action's (running from, ended at).
fn run(c: &Cluster, actions: &[(i64, Request, i64)]) -> (Sim, Vec<(i64, i64)>) {
    let mut sim = Sim::new(c, 1);
    let mut dur = HashMap::new();
    for (i, (at, _, _)) in actions.iter().enumerate() {
        sim.set_timer(None, *at, i as u64);
    }
    while let Some(ev) = sim.next_event() {
        match ev {
            SimEvent::TimerFired {
                owner: None, tag, ..
            } => {
                let (_, req, d) = &actions[tag as usize];
                let a = sim.submit(req.clone());
                dur.insert(a, *d);
            }
            SimEvent::Started { action, .. } => {
                sim.set_timer(Some(action), dur[&action], 0);
            }
            SimEvent::TimerFired { owner: Some(a), .. } => {
                sim.finish(a);
            }
            other => panic!("{other:?}"),
        }
    }
    sim.drain_replicas();
    let times = sim
        .records()
        .iter()
        .map(|r| (r.running_at / S, r.ended_at / S))
        .collect();
    (sim, times)
}

fn lives(sim: &Sim) -> Vec<Vec<(i64, i64)>> {
    sim.summary()
        .nodes
        .iter()
        .map(|n| {
            n.lives
                .iter()
                .map(|&(a, b)| (a / S, if b == NEVER { -1 } else { b / S }))
                .collect()
        })
        .collect()
}

fn cents(sim: &Sim) -> i64 {
    (sim.summary().cost_usd * 100.0).round() as i64
}

#[test]
fn a_pool_of_zero_grows_for_a_pending_action_and_shrinks_after_it() {
    // Asked for at 0, ready at 60, image pull to 90, runs 100 s to 190; idle from 190, removed
    // at 790. Billed 0-790: 790 s, $0.79.
    let (sim, t) = run(&cluster(&pool(0, 2)), &[(0, cpus(4), 100 * S)]);
    assert_eq!(t, vec![(90, 190)]);
    assert_eq!(lives(&sim), vec![vec![(0, 790)], vec![]]);
    let s = sim.summary();
    assert_eq!((s.nodes[0].up_at, s.nodes[0].down_at), (0, 790 * S));
    assert_eq!(s.nodes[1].up_at, NEVER);
    assert_eq!(s.makespan, 190 * S);
    assert_eq!(cents(&sim), 79);
}

#[test]
fn one_decision_provisions_for_every_pending_action_up_to_max_count() {
    // Three 4-CPU actions, a node each, at most 2 nodes: two provisioned at 0 (ready 60, pull
    // to 90, run to 190); the third waits for the first to free its node at 190 and runs at
    // once (image already there) to 290. Node 1 idle from 190, removed at 790; node 0 from
    // 290, removed at 890. Billed 890 + 790 s: $1.68.
    let a = (0, cpus(4), 100 * S);
    let (sim, t) = run(&cluster(&pool(0, 2)), &[a.clone(), a.clone(), a]);
    assert_eq!(t, vec![(90, 190), (90, 190), (190, 290)]);
    assert_eq!(lives(&sim), vec![vec![(0, 890)], vec![(0, 790)]]);
    assert_eq!(cents(&sim), 168);
}

#[test]
fn small_actions_share_a_provisioned_node() {
    // Four 1-CPU actions fit one 4-CPU node: one node, not four.
    let a = (0, cpus(1), 100 * S);
    let (sim, t) = run(&cluster(&pool(0, 4)), &[a.clone(), a.clone(), a.clone(), a]);
    assert_eq!(t, vec![(90, 190); 4]);
    assert_eq!(lives(&sim)[0], vec![(0, 790)]);
    assert!(lives(&sim)[1..].iter().all(Vec::is_empty));
}

#[test]
fn min_count_nodes_are_live_from_the_start_and_never_removed() {
    // One node from 0: the action runs at once (pull to 30, run to 130). A second action at
    // 10 needs a second node: asked for at 10, ready 70, pull to 100, runs to 200. The first
    // node is idle from 130 and removed at 730, while two are live; the second, idle from
    // 200, is then the last one and stays to the end of the run (730). Billed 730 + 720 s.
    let (sim, t) = run(
        &cluster(&pool(1, 2)),
        &[(0, cpus(4), 100 * S), (10 * S, cpus(4), 100 * S)],
    );
    assert_eq!(t, vec![(30, 130), (100, 200)]);
    assert_eq!(lives(&sim), vec![vec![(0, 730)], vec![(10, -1)]]);
    assert_eq!(sim.end_of_run(), 730 * S);
    assert_eq!(cents(&sim), 145);
}

#[test]
fn a_node_that_gets_work_again_is_kept() {
    // First action 90-190; the second comes at 500, before the removal due at 790: it runs
    // at once on the same node (image there), 500-600; removal at 1200. Billed 1200 s.
    let (sim, t) = run(
        &cluster(&pool(0, 1)),
        &[(0, cpus(4), 100 * S), (500 * S, cpus(4), 100 * S)],
    );
    assert_eq!(t, vec![(90, 190), (500, 600)]);
    assert_eq!(lives(&sim), vec![vec![(0, 1200)]]);
    assert_eq!(cents(&sim), 120);
}

#[test]
fn a_removed_node_is_provisioned_again_and_pulls_its_images_afresh() {
    // Removed at 790; the second action at 1000 asks for it again: ready 1060, pull to 1090,
    // runs to 1190, removed at 1790. Billed 790 + 790 s: $1.58.
    let (sim, t) = run(
        &cluster(&pool(0, 1)),
        &[(0, cpus(4), 100 * S), (1000 * S, cpus(4), 100 * S)],
    );
    assert_eq!(t, vec![(90, 190), (1090, 1190)]);
    assert_eq!(lives(&sim), vec![vec![(0, 790), (1000, 1790)]]);
    assert_eq!(cents(&sim), 158);
}

#[test]
fn the_cheapest_pool_that_fits_grows_first() {
    // `big` (8 CPUs, $7.20/h) and `small` (4 CPUs, $3.60/h): a 4-CPU action grows `small`;
    // a 6-CPU one only `big` holds.
    let pools = "[[pool]]\nname = \"big\"\nmin_count = 0\nmax_count = 2\ncpu = 8\nmemory = \"16Gi\"\ncost_per_hour = 7.2\n[[pool]]\nname = \"small\"\nmin_count = 0\nmax_count = 2\ncpu = 4\nmemory = \"16Gi\"\ncost_per_hour = 3.6\n";
    let (sim, _) = run(&cluster(pools), &[(0, cpus(4), 100 * S)]);
    let s = sim.summary();
    let grown: Vec<&str> = s
        .nodes
        .iter()
        .filter(|n| !n.lives.is_empty())
        .map(|n| n.pool.as_str())
        .collect();
    assert_eq!(grown, vec!["small"]);
    let (sim, _) = run(&cluster(pools), &[(0, cpus(6), 100 * S)]);
    let s = sim.summary();
    let grown: Vec<&str> = s
        .nodes
        .iter()
        .filter(|n| !n.lives.is_empty())
        .map(|n| n.pool.as_str())
        .collect();
    assert_eq!(grown, vec!["big"]);
}

#[test]
fn scale_timing_is_configurable() {
    // Provisioned in 2 m, removed after 1 m idle: ready 120, pull to 150, run to 250, removed
    // at 310.
    let pools = "[[pool]]\nname = \"cpu\"\nmin_count = 0\nmax_count = 1\nscale_up_delay = \"2m\"\nscale_down_after = 60\ncpu = 4\nmemory = \"16Gi\"\ncost_per_hour = 3.6\n";
    let (sim, t) = run(&cluster(pools), &[(0, cpus(4), 100 * S)]);
    assert_eq!(t, vec![(150, 250)]);
    assert_eq!(lives(&sim), vec![vec![(0, 310)]]);
}

#[test]
fn a_fixed_pool_is_billed_while_busy_as_before() {
    let pools =
        "[[pool]]\nname = \"cpu\"\ncount = 2\ncpu = 4\nmemory = \"16Gi\"\ncost_per_hour = 3.6\n";
    let (sim, t) = run(&cluster(pools), &[(0, cpus(4), 100 * S)]);
    assert_eq!(t, vec![(30, 130)]);
    assert_eq!(cents(&sim), 13);
    let s = sim.summary();
    assert_eq!((s.nodes[1].up_at, s.nodes[1].down_at), (0, NEVER));
}

#[test]
fn only_what_no_node_of_the_pool_could_hold_is_unschedulable() {
    // A pool of no live node still holds what its nodes would hold; 5 CPUs never fit.
    let mut sim = Sim::new(&cluster(&pool(0, 2)), 1);
    let ok = sim.submit(cpus(4));
    let too_big = sim.submit(cpus(5));
    let mut unschedulable = Vec::new();
    while let Some(ev) = sim.next_event() {
        match ev {
            SimEvent::Unschedulable { action, reason, .. } => unschedulable.push((action, reason)),
            SimEvent::Started { action, .. } => {
                sim.finish(action);
            }
            _ => {}
        }
    }
    assert_eq!(unschedulable.len(), 1, "{unschedulable:?}");
    assert_eq!(unschedulable[0].0, too_big);
    assert!(unschedulable[0].1.contains("cpu"), "{}", unschedulable[0].1);
    assert_eq!(sim.record(ok).running_at, 90 * S);
}

#[test]
fn cluster_file_errors_name_the_line_and_key() {
    let err = |pools: &str| {
        Cluster::from_toml_str(pools, "c.toml")
            .unwrap_err()
            .to_string()
    };
    let head = "[[pool]]\nname = \"p\"\ncpu = 4\nmemory = \"16Gi\"\n";
    let cases = [
        ("count = 2\nmin_count = 1\n", "c.toml:6: key `min_count`: pool `p` has both `count` and `min_count`: a pool is either fixed (`count`) or autoscaling (`min_count`, `max_count`)"),
        ("count = 2\nmax_count = 3\n", "c.toml:6: key `max_count`: pool `p` has both `count` and `max_count`: a pool is either fixed (`count`) or autoscaling (`min_count`, `max_count`)"),
        ("min_count = 1\n", "c.toml:5: key `max_count`: autoscaling pool `p` has no `max_count`"),
        ("min_count = 3\nmax_count = 2\n", "c.toml:5: key `min_count`: pool `p` has `min_count` 3 above its `max_count` 2"),
        ("max_count = 0\n", "c.toml:5: key `max_count`: a pool needs at least one node"),
        ("min_count = -1\nmax_count = 2\n", "c.toml:5: key `min_count`: a node count cannot be negative"),
        ("count = 2\nscale_up_delay = \"1m\"\n", "c.toml:6: key `scale_up_delay`: pool `p` has a fixed `count`; only an autoscaling pool (`min_count`, `max_count`) has `scale_up_delay`"),
        ("max_count = 2\nscale_down_after = \"soon\"\n", "c.toml:6: key `scale_down_after`: `soon` is not a duration (write seconds, or a string like \"5s\" or \"1m30s\")"),
    ];
    for (keys, message) in cases {
        assert_eq!(err(&format!("{head}{keys}")), message, "{keys}");
    }
    assert!(err(&format!("{head}max_count = 2\nmax_count_typo = 1\n"))
        .starts_with("c.toml:6: key `max_count_typo`: unknown key"));
}

#[test]
fn cluster_show_gives_the_range_and_the_timing() {
    let c = cluster(&format!(
        "{}[[pool]]\nname = \"fixed\"\ncount = 2\ncpu = 4\nmemory = \"16Gi\"\n",
        pool(1, 5)
    ));
    let shown = c.show();
    assert!(shown.contains("cpu     1..5    4"), "{shown}");
    assert!(shown.contains("7 nodes at most, $18.00/h"), "{shown}");
    assert!(
        shown.contains(
            "autoscaling: cpu from 1 to 5 nodes (scale_up_delay 1m, scale_down_after 10m)"
        ),
        "{shown}"
    );
}
