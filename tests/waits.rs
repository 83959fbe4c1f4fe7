//! Why actions waited (`RunOptions::record_waits`, `run --why`, the trace's queued spans):
//! reasons in the Kubernetes scheduler's style, with the times each held, worked by hand.

mod support;

use flyte_dsl::runtime::{self, RunOptions, RunOutcome};
use flyte_dsl::sim::Cluster;

/// Three one-T4-node trainings of 10 min on a `t4` pool of 1 to 2 nodes (60 s to provision),
/// then six 1 min calls into a reusable environment of 2 replicas x 2 slots.
const SRC: &str = r#"env gpu = TaskEnvironment(name = "gpu", resources = Resources(cpu = 4, memory = "16Gi", gpu = "T4:4"))
env driver = TaskEnvironment(name = "driver", resources = Resources(cpu = 1, memory = "1Gi"))
env pool = TaskEnvironment(name = "ml-inference", resources = Resources(cpu = 1, memory = "1Gi"), reusable = ReusePolicy(replicas = (1, 2), concurrency = 2))

@gpu
async task train(i: int) -> int {
    sleep(10m)
    return i
}

@pool
async task infer(i: int) -> int {
    sleep(1m)
    return i
}

@driver
async task main() -> int {
    let a = await gather(*[train(i) for i in range(3)])
    let b = await gather(*[infer(i) for i in range(6)])
    return len(a) + len(b)
}
"#;

const CLUSTER: &str = "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 8\nmemory = \"32Gi\"\ncost_per_hour = 1\n[[pool]]\nname = \"t4\"\nmin_count = 1\nmax_count = 2\ncpu = 16\nmemory = \"64Gi\"\ngpu = \"T4:4\"\ncost_per_hour = 4\n";

fn run(src: &str, cluster: &str, record: bool) -> RunOutcome {
    let cluster = Cluster::from_toml_str(cluster, "c.toml").unwrap();
    let prog = support::program(src);
    runtime::run(
        &prog,
        "main",
        vec![],
        &cluster,
        RunOptions {
            record_waits: record,
            ..Default::default()
        },
    )
}

fn lines(o: &RunOutcome, id: usize) -> Vec<String> {
    o.waits[id].iter().map(|w| w.line()).collect()
}

#[test]
fn waits_name_the_pool_the_resource_and_its_holders() {
    // train#1 runs at once on the one live node; train#2 waits for the node asked for at 0
    // (ready at 1m); train#3 too, and from 1m both nodes are full and the pool at its max,
    // until train#1 ends at 10m.
    let o = run(SRC, CLUSTER, true);
    assert!(o.result.is_ok(), "{:?}", o.result);
    assert!(o.waits[1].is_empty());
    assert_eq!(
        lines(&o, 2),
        vec!["0s to 1m (1m): node of pool t4 provisioning (ready at 1m)"]
    );
    assert_eq!(
        lines(&o, 3),
        vec![
            "0s to 1m (1m): node of pool t4 provisioning (ready at 1m)",
            "1m to 10m (9m): 0/2 nodes of pool t4 fit: 2 insufficient nvidia.com/gpu (8/8 held by train#1, train#2); pool t4 at its maximum of 2 nodes",
        ]
    );
}

#[test]
fn calls_into_a_full_replica_set_wait_for_a_slot() {
    // infer#4..#7 fill the 2 x 2 slots at 20m; #8 and #9 wait until 21m.
    let o = run(SRC, CLUSTER, true);
    for id in 4..8 {
        assert!(o.waits[id].is_empty(), "{id}: {:?}", o.waits[id]);
    }
    for id in [8, 9] {
        assert_eq!(
            lines(&o, id),
            vec!["20m to 21m (1m): all 2 replicas of ml-inference busy (concurrency 2)"]
        );
    }
}

#[test]
fn a_fixed_pool_names_what_each_node_lacks() {
    // One node of 8 CPUs; three 4-CPU actions of 1 min: the third waits for a minute.
    let src = "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 4, memory = \"1Gi\"))\nenv driver = TaskEnvironment(name = \"driver\", resources = Resources(cpu = \"0\", memory = \"0\"))\n@e\nasync task work(i: int) -> int {\n    sleep(1m)\n    return i\n}\n@driver\nasync task main() -> int {\n    return len(await gather(*[work(i) for i in range(3)]))\n}\n";
    let cluster = "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 8\nmemory = \"32Gi\"\n";
    let o = run(src, cluster, true);
    assert!(o.result.is_ok(), "{:?}", o.result);
    assert_eq!(
        lines(&o, 3),
        vec!["0s to 1m (1m): 0/1 nodes of pool cpu fit: 1 insufficient cpu (8/8 held by work#1, work#2)"]
    );
}

#[test]
fn nothing_is_recorded_unless_asked() {
    let o = run(SRC, CLUSTER, false);
    assert!(o.waits.is_empty());
    let trace = flyte_dsl::report::trace::trace_text(&flyte_dsl::report::Record::of(&o));
    assert!(!trace.contains("\"waited\""));
}

#[test]
fn the_trace_carries_the_reasons_on_the_queued_span() {
    let o = run(SRC, CLUSTER, true);
    let trace = flyte_dsl::report::trace::trace_text(&flyte_dsl::report::Record::of(&o));
    assert!(
        trace.contains(
            "\"waited\":[\"20m to 21m (1m): all 2 replicas of ml-inference busy (concurrency 2)\"]"
        ),
        "{trace}"
    );
}

#[test]
fn run_why_prints_the_matching_actions() {
    let dir = std::env::temp_dir().join(format!("flyte-why-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("w.flyte"), SRC).unwrap();
    std::fs::write(dir.join("c.toml"), CLUSTER).unwrap();
    let why = |pattern: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_flyte-dsl"))
            .args([
                "run",
                "w.flyte",
                "--cluster",
                "c.toml",
                "--no-cache-store",
                "--why",
                pattern,
            ])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let text = why("train#3");
    assert!(
        text.contains("train#3 (gpu.train) waited 10m:\n  0s to 1m (1m): node of pool t4 provisioning (ready at 1m)\n  1m to 10m (9m): 0/2 nodes"),
        "{text}"
    );
    assert!(!text.contains("train#2 (gpu.train)"), "{text}");
    let text = why("ml-inference.*");
    assert!(
        text.contains("infer#4 (ml-inference.infer) did not wait"),
        "{text}"
    );
    assert!(
        text.contains("infer#9 (ml-inference.infer) waited 1m:"),
        "{text}"
    );
    assert!(why("nothing*").contains("no action matches `nothing*`"));
    let _ = std::fs::remove_dir_all(&dir);
}
