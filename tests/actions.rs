//! Per-attempt metrics (`run --actions-csv`, `run --json --actions`, the summary's waiting and
//! stretch), hand-worked on a known queue: three 10 s steps on a pool of one 1-CPU node, their
//! driver on a pool of its own, no cold start.

use std::path::PathBuf;
use std::process::{Command, Output};

const SCRIPT: &str = r#"
env driver = TaskEnvironment(name = "driver", queue = "driver")
env work = TaskEnvironment(name = "work", resources = Resources(cpu = 1, memory = "1Gi"), queue = "work")

@work
async task step(i: int) -> int {
    sleep(10s)
    return i
}

@driver
async task main() -> int {
    let r = await gather(step(0), step(1), step(2))
    return len(r)
}
"#;

const CLUSTER: &str = r#"
cold_start = 0
image_pull = 0
[[pool]]
name = "driver"
count = 1
cpu = 4
memory = "8Gi"
[[pool]]
name = "work"
count = 1
cpu = 1
memory = "2Gi"
"#;

fn dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("flyte-dsl-actions-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("q.flyte"), SCRIPT).unwrap();
    std::fs::write(d.join("one.toml"), CLUSTER).unwrap();
    d
}

fn run(d: &std::path::Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flyte-dsl"))
        .current_dir(d)
        .args([
            "run",
            "q.flyte",
            "--cluster",
            "one.toml",
            "--no-cache-store",
        ])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn csv_has_the_header_and_one_row_per_attempt_with_hand_worked_times() {
    let d = dir("csv");
    let out = run(&d, &["--actions-csv", "a.csv"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(d.join("a.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "action,task,attempt,state,submission_time,starting_time,running_time,finish_time,waiting_time,execution_time,turnaround_time,stretch,node,pool,replica,cpu,memory_bytes,accelerator,why"
    );
    // The steps are submitted together at 0 and run one after another on the one slot:
    // waiting 0, 10, 20 s; execution 10 s each; stretch (waiting + 10) / 10. Each waits for
    // the slot step#1 holds, step#3 then for step#2 (the reason stays one span).
    assert_eq!(
        &lines[1..],
        [
            "0,driver.main,1,succeeded,0,0,0,30,0,30,30,1,driver-0,driver,,,,,",
            "1,work.step,1,succeeded,0,0,0,10,0,10,10,1,work-0,work,,1,1073741824,,",
            "2,work.step,1,succeeded,0,10,10,20,10,10,20,2,work-0,work,,1,1073741824,,0s to 10s (10s): 0/1 nodes of pool work fit: 1 insufficient cpu (1/1 held by step#1)",
            "3,work.step,1,succeeded,0,20,20,30,20,10,30,3,work-0,work,,1,1073741824,,\"0s to 20s (20s): 0/1 nodes of pool work fit: 1 insufficient cpu (1/1 held by step#1, then by others)\"",
        ]
    );
}

#[test]
fn json_action_list_keeps_the_actions_counts_and_adds_the_means() {
    let d = dir("json");
    let out = run(&d, &["--json", "--actions"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The counts object keeps its meaning; the list is `action_list`.
    assert_eq!(v["actions"]["total"], 4);
    assert_eq!(v["actions"]["succeeded"], 4);
    let list = v["action_list"].as_array().unwrap();
    assert_eq!(list.len(), 4);
    let third = &list[3];
    assert_eq!(third["task"], "work.step");
    assert_eq!(third["attempt"], 1);
    assert_eq!(third["submission_time"], 0.0);
    assert_eq!(third["starting_time"], 20.0);
    assert_eq!(third["finish_time"], 30.0);
    assert_eq!(third["waiting_time"], 20.0);
    assert_eq!(third["execution_time"], 10.0);
    assert_eq!(third["turnaround_time"], 30.0);
    assert_eq!(third["stretch"], 3.0);
    assert_eq!(third["node"], "work-0");
    assert_eq!(third["pool"], "work");
    assert_eq!(third["replica"], serde_json::Value::Null);
    assert_eq!(third["cpu"], 1.0);
    assert_eq!(third["memory"], "1Gi");
    assert_eq!(third["accelerator"], serde_json::Value::Null);
    // Waits 0 (driver), 0, 10, 20; stretches 1, 1, 2, 3.
    assert_eq!(v["mean_waiting_s"], 7.5);
    assert_eq!(v["max_waiting_s"], 20.0);
    assert_eq!(v["mean_stretch"], 1.75);
    // Without --actions there is no list.
    let plain = run(&d, &["--json"]);
    let v: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
    assert!(v.get("action_list").is_none());
    assert_eq!(v["mean_waiting_s"], 7.5);
}

#[test]
fn the_text_summary_shows_waiting_and_stretch() {
    let d = dir("text");
    let out = run(&d, &[]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("waiting mean 7.5s max 20s  mean stretch 1.75"),
        "{text}"
    );
}

#[test]
fn actions_without_json_is_a_usage_error() {
    let d = dir("usage");
    let out = run(&d, &["--actions"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--json"));
}
