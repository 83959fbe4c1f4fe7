//! `flyte-dsl compare`: hand-checkable numbers (half the nodes doubles a queued makespan), the
//! spread over seeds, the best values marked, the JSON shape, the HTML page, and the same
//! errors as `run`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Four 10-minute steps on a pool of 1-CPU nodes; the driver on a pool of its own.
const SCRIPT: &str = r#"
env driver = TaskEnvironment(name = "driver", queue = "driver")
env work = TaskEnvironment(name = "work", resources = Resources(cpu = 1, memory = "1Gi"), queue = "work")

@work
async task step(i: int) -> int {
    sleep(10m)
    return i
}

@work
async task jitter(i: int) -> int {
    sleep(10s + 1s * int(random() * 100))
    return i
}

@driver
async task main(n: int = 4) -> int {
    let r = await gather(*[step(i) for i in range(n)])
    return len(r)
}

@driver
async task noisy() -> int {
    let r = await gather(jitter(0), jitter(1))
    return len(r)
}
"#;

/// `nodes` work nodes at $1 an hour each, the driver free.
fn cluster(nodes: u32) -> String {
    format!(
        "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"driver\"\ncount = 1\ncpu = 4\nmemory = \"8Gi\"\n\
[[pool]]\nname = \"work\"\ncount = {nodes}\ncpu = 1\nmemory = \"2Gi\"\ncost_per_hour = 1.0\n"
    )
}

fn dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("flyte-dsl-compare-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("w.flyte"), SCRIPT).unwrap();
    std::fs::write(d.join("two.toml"), cluster(2)).unwrap();
    std::fs::write(d.join("four.toml"), cluster(4)).unwrap();
    d
}

fn compare(d: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flyte-dsl"))
        .current_dir(d)
        .arg("compare")
        .args(args)
        .output()
        .unwrap()
}

/// `compare w.flyte --cluster two.toml --cluster four.toml` with `extra` after.
fn two_and_four(d: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["w.flyte", "--cluster", "two.toml", "--cluster", "four.toml"];
    args.extend_from_slice(extra);
    compare(d, &args)
}

fn json(out: &Output) -> serde_json::Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn half_the_nodes_doubles_a_queued_makespan_at_the_same_cost() {
    let d = dir("half");
    let out = two_and_four(&d, &["--json"]);
    let v = json(&out);
    let c = v["clusters"].as_array().unwrap();
    assert_eq!(c[0]["cluster"], "two.toml");
    // Two nodes: the steps run in two waves of 10 minutes; four: one wave.
    assert_eq!(c[0]["makespan_s"]["mean"], 1200.0);
    assert_eq!(c[1]["makespan_s"]["mean"], 600.0);
    // Four node-tenths of an hour of work either way: $0.6667 at $1 an hour.
    assert_eq!(c[0]["cost_usd"]["mean"], 0.666667);
    assert_eq!(c[1]["cost_usd"]["mean"], 0.666667);
    // Waiting: driver 0 and the first wave 0, the second wave 10 minutes (two of five attempts).
    assert_eq!(c[0]["mean_waiting_s"]["mean"], 240.0);
    assert_eq!(c[1]["mean_waiting_s"]["mean"], 0.0);
    assert_eq!(c[0]["failures"]["mean"], 0.0);
    // CPU: 2 of 6 cores busy all along, against 4 of 8.
    assert_eq!(c[0]["cpu_utilization"]["mean"], 0.333333);
    assert_eq!(c[1]["cpu_utilization"]["mean"], 0.5);
    assert_eq!(
        c[1]["best"],
        serde_json::json!([
            "makespan_s",
            "cost_usd",
            "mean_waiting_s",
            "cpu_utilization",
            "failures"
        ])
    );
    // Ties are marked on both.
    assert_eq!(c[0]["best"], serde_json::json!(["cost_usd", "failures"]));
    assert_eq!(v["seeds"], serde_json::json!([0]));
    // Task arguments as `run` takes them: eight steps take twice as long.
    let v = json(&compare(
        &d,
        &[
            "w.flyte",
            "main",
            "--cluster",
            "four.toml",
            "--arg",
            "n=8",
            "--json",
        ],
    ));
    assert_eq!(v["clusters"][0]["makespan_s"]["mean"], 1200.0);
}

#[test]
fn seeds_give_a_spread_and_the_table_marks_the_best() {
    let d = dir("seeds");
    let noisy = || {
        json(&compare(
            &d,
            &[
                "w.flyte",
                "noisy",
                "--cluster",
                "two.toml",
                "--seeds",
                "1..6",
                "--json",
            ],
        ))
    };
    let v = noisy();
    assert_eq!(v["seeds"], serde_json::json!([1, 2, 3, 4, 5, 6]));
    let c = &v["clusters"][0];
    let runs = c["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 6);
    let makespans: Vec<f64> = runs
        .iter()
        .map(|r| r["makespan_s"].as_f64().unwrap())
        .collect();
    let min = makespans.iter().copied().fold(f64::MAX, f64::min);
    let max = makespans.iter().copied().fold(0.0, f64::max);
    let mean = makespans.iter().sum::<f64>() / 6.0;
    assert!(min < max, "random() differs by seed: {makespans:?}");
    assert_eq!(c["makespan_s"]["min"], min);
    assert_eq!(c["makespan_s"]["max"], max);
    assert!((c["makespan_s"]["mean"].as_f64().unwrap() - mean).abs() < 1e-6);
    // The same seed, the same run.
    let again = noisy();
    assert_eq!(again, v);

    let out = two_and_four(&d, &["--seeds", "1..3"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("cluster") && lines[0].contains("makespan"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("two.toml") && lines[1].contains("20m (20m–20m)"),
        "{text}"
    );
    assert!(!lines[1].contains("20m (20m–20m) *"), "{text}");
    assert!(
        lines[2].starts_with("four.toml") && lines[2].contains("10m (10m–10m) *"),
        "{text}"
    );
    assert!(
        text.contains("mean (min–max) over 3 seeds, seeds 1..3; * best mean per column"),
        "{text}"
    );
}

#[test]
fn the_report_draws_one_point_per_cluster() {
    let d = dir("report");
    let out = two_and_four(&d, &["--report", "c.html"]);
    assert_eq!(out.status.code(), Some(0));
    let html = std::fs::read_to_string(d.join("c.html")).unwrap();
    assert_eq!(html.matches("<circle").count(), 2);
    assert!(html.contains("two.toml: makespan 20m"), "{html}");
    assert!(html.contains("four.toml: makespan 10m"));
    assert!(!html.contains("http://") || !html.contains("src=\"http"));
}

#[test]
fn errors_are_those_of_run() {
    let d = dir("errors");
    std::fs::write(d.join("bad.toml"), "[[pool]]\nname = \"x\"\n").unwrap();
    let out = compare(
        &d,
        &["w.flyte", "--cluster", "two.toml", "--cluster", "bad.toml"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.toml"));
    let out = compare(&d, &["w.flyte", "nope", "--cluster", "two.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("has no task `nope`; the tasks that can be run are: step, jitter, main, noisy"));
    let out = compare(&d, &["w.flyte", "--cluster", "two.toml", "--arg", "m=1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no parameter `m`"));
    let out = compare(&d, &["w.flyte", "--cluster", "two.toml", "--seeds", "5..1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is empty"));
    let out = compare(&d, &["w.flyte"]);
    assert_eq!(out.status.code(), Some(2), "--cluster is required");
    // A request one cluster cannot hold is the checker's E0309, as `run` reports it.
    std::fs::write(d.join("tiny.toml"), "[[pool]]\nname = \"work\"\ncount = 1\ncpu = \"500m\"\nmemory = \"2Gi\"\n[[pool]]\nname = \"driver\"\ncount = 1\ncpu = 4\nmemory = \"8Gi\"\n").unwrap();
    let out = compare(
        &d,
        &["w.flyte", "--cluster", "two.toml", "--cluster", "tiny.toml"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("with --cluster tiny.toml") && err.contains("E0309"),
        "{err}"
    );
}

/// No `random()` here: only spot preemption can make seeds differ.
const SPOT: &str = r#"
env driver = TaskEnvironment(name = "driver", queue = "driver")
env work = TaskEnvironment(name = "work", resources = Resources(cpu = 1, memory = "1Gi"), queue = "work", interruptible = true)

@work
async task step(i: int) -> int {
    sleep(10m)
    return i
}

@driver
async task main() -> int {
    return len(await gather(*[step(i) for i in range(4)]))
}
"#;

#[test]
fn spot_preemption_varies_by_seed_and_a_steady_cluster_does_not() {
    let d = dir("spot");
    std::fs::write(d.join("spot.flyte"), SPOT).unwrap();
    let spot = cluster(2)
        .replace("cost_per_hour = 1.0", "cost_per_hour = 1.0\nspot = true")
        .replace("cold_start = 0", "cold_start = 0\npreemption_rate = 6.0");
    std::fs::write(d.join("spot.toml"), spot).unwrap();
    let v = json(&compare(
        &d,
        &[
            "spot.flyte",
            "--cluster",
            "spot.toml",
            "--cluster",
            "two.toml",
            "--seeds",
            "1..8",
            "--json",
        ],
    ));
    // Six preemptions a node-hour against 10-minute steps: the seeds differ.
    let m = &v["clusters"][0]["makespan_s"];
    assert!(
        m["min"].as_f64().unwrap() < m["max"].as_f64().unwrap(),
        "{m}"
    );
    assert!(m["min"].as_f64().unwrap() >= 1200.0);
    // Without preemption every seed is the same run: one run stands for all eight.
    let steady = &v["clusters"][1];
    let runs = steady["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 8);
    assert_eq!(runs[7]["seed"], 8);
    assert!(runs.iter().all(|r| r["makespan_s"] == 1200.0));
    assert_eq!(
        steady["makespan_s"],
        serde_json::json!({"mean": 1200.0, "min": 1200.0, "max": 1200.0})
    );
}
