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

#[test]
fn the_action_rows_csv_and_report_carry_the_reasons_of_each_attempt() {
    use flyte_dsl::report::{actions, Record};
    let o = run(SRC, CLUSTER, true);
    let rows: Vec<_> = actions::metrics(actions::View::of(&o)).collect();
    let train3 = rows.iter().find(|r| r.action == 3).unwrap();
    let reasons: Vec<String> = train3.waits.iter().map(|w| w.line()).collect();
    assert_eq!(reasons, lines(&o, 3));
    assert_eq!(train3.waiting, Some(10 * 60 * 1_000_000_000));
    assert!(rows
        .iter()
        .find(|r| r.action == 1)
        .unwrap()
        .waits
        .is_empty());
    // JSON: seconds and the reason; CSV: one `why` field, spans joined by ` | `.
    let j = actions::json(actions::View::of(&o), train3);
    assert_eq!(j["waits"][1]["from"], 60.0);
    assert_eq!(j["waits"][1]["to"], 600.0);
    assert!(j["waits"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("node of pool t4 provisioning"));
    let csv = actions::csv(actions::View::of(&o));
    assert!(csv.lines().next().unwrap().ends_with(",accelerator,why"));
    let line = csv.lines().find(|l| l.starts_with("3,")).unwrap();
    assert!(
        line.ends_with(",\"0s to 1m (1m): node of pool t4 provisioning (ready at 1m) | 1m to 10m (9m): 0/2 nodes of pool t4 fit: 2 insufficient nvidia.com/gpu (8/8 held by train#1, train#2); pool t4 at its maximum of 2 nodes\""),
        "{line}"
    );
    // The report's data: each reason once, each action's spans as (from ms, to ms, reason).
    let page = |o: &RunOutcome| {
        let summary = flyte_dsl::report::summary_json(o);
        flyte_dsl::report::html::report(&Record::of(o), &summary, "w.flyte")
    };
    let html = page(&o);
    assert!(
        html.contains("\"whys\":[\"node of pool t4 provisioning (ready at 1m)\""),
        "no whys"
    );
    assert!(
        html.contains("[0,60000,0,60000,600000,1]"),
        "no spans of train#3"
    );
    // Without recording, no reasons anywhere.
    let quiet = run(SRC, CLUSTER, false);
    assert!(!page(&quiet).contains("\"whys\""));
    assert!(actions::csv(actions::View::of(&quiet))
        .lines()
        .nth(3)
        .unwrap()
        .ends_with(','));
}

#[test]
fn only_the_wanted_actions_waits_are_turned_into_text() {
    // `run --why train#3` alone: the reasons are recorded as codes for every action, and
    // turned into text at the end of the run only for the matching one.
    let cluster = Cluster::from_toml_str(CLUSTER, "c.toml").unwrap();
    let prog = support::program(SRC);
    let wanted = |_: &str, id: usize| id == 3;
    let o = runtime::run(
        &prog,
        "main",
        vec![],
        &cluster,
        RunOptions {
            record_waits: true,
            waits_of: Some(&wanted),
            ..Default::default()
        },
    );
    assert_eq!(lines(&o, 3), lines(&run(SRC, CLUSTER, true), 3));
    assert!(!o.waits[3].is_empty());
    assert!(
        o.waits[2].is_empty(),
        "train#2 waited but was not asked for"
    );
    assert!(o
        .waits
        .iter()
        .enumerate()
        .all(|(i, w)| i == 3 || w.is_empty()));
}
