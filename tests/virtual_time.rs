//! Virtual time never wraps: times past the largest the clock holds (`i64::MAX` ns, about
//! 292 years) stop the run with `E0703`; long times that fit take exactly their length.
//! One day is 86,400 s; the clock ends at 9,223,372,036.854775807 s (106,751.99 days).

mod support;

use flyte_dsl::runtime::{self, RunOptions};
use flyte_dsl::sim::Cluster;
use serde_json::json;

const CLUSTER: &str = "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 3\nmemory = \"64Gi\"\ncost_per_hour = 3.6\n";

const ENV: &str =
    "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1, memory = \"1Gi\"))\n";

fn run_on(src: &str, cluster: &str) -> serde_json::Value {
    let cluster = Cluster::from_toml_str(cluster, "c.toml").unwrap();
    let prog = support::program(src);
    let outcome = runtime::run(&prog, "main", vec![], &cluster, RunOptions::default());
    flyte_dsl::report::summary_json(&outcome)
}

fn assert_clock_overflow(j: &serde_json::Value) {
    assert_eq!(j["status"], "failed", "{j}");
    assert_eq!(j["error"]["type"], "LimitExceededError", "{j}");
    assert_eq!(j["error"]["code"], "E0703", "{j}");
    assert!(
        j["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("about 292 years")),
        "{j}"
    );
}

#[test]
fn a_second_long_sleep_stops_the_run_instead_of_being_skipped() {
    // 60,000 d fits; 120,000 d does not.
    let src = format!("{ENV}@e\ntask main() -> duration {{\n    sleep(60000d)\n    sleep(60000d)\n    return now()\n}}\n");
    assert_clock_overflow(&run_on(&src, CLUSTER));
}

#[test]
fn one_long_sleep_that_fits_takes_its_whole_length() {
    let src =
        format!("{ENV}@e\ntask main() -> duration {{\n    sleep(100000d)\n    return now()\n}}\n");
    let j = run_on(&src, CLUSTER);
    assert_eq!(j["result"], json!(8_640_000_000.0), "{j}");
}

#[test]
fn a_child_sleep_past_the_end_of_time_stops_the_run() {
    // The root is at 10,000 d when the child starts its 100,000 d sleep.
    let src = format!("{ENV}@e\ntask child() -> int {{\n    sleep(100000d)\n    return 1\n}}\n@e\ntask main() -> int {{\n    sleep(10000d)\n    return child()\n}}\n");
    assert_clock_overflow(&run_on(&src, CLUSTER));
}

#[test]
fn a_long_timeout_does_not_fire_early() {
    // At 50,000 d a child with a 60,000 d timeout starts a 1 min sleep: the timeout's end
    // (110,000 d) is past the clock's end, so it saturates and never fires; the child
    // finishes at 50,000 d + 60 s.
    let src = format!("{ENV}@e(timeout = 60000d)\ntask child() -> duration {{\n    sleep(1m)\n    return now()\n}}\n@e\ntask main() -> duration {{\n    sleep(50000d)\n    return child()\n}}\n");
    let j = run_on(&src, CLUSTER);
    assert_eq!(j["status"], "succeeded", "{j}");
    assert_eq!(j["result"], json!(4_320_000_060.0), "{j}");
}

#[test]
fn compute_on_a_millicore_past_the_end_of_time_stops_the_run() {
    // 200 d of work on 0.001 cores is 200,000 d.
    let src = "env tiny = TaskEnvironment(name = \"tiny\", resources = Resources(cpu = \"1m\", memory = \"1Gi\"))\n@tiny\ntask main() -> int {\n    compute(200d)\n    return 1\n}\n";
    assert_clock_overflow(&run_on(src, CLUSTER));
}

#[test]
fn compute_on_a_millicore_that_fits_takes_its_time() {
    // 50 d of work on 0.001 cores is 50,000 d.
    let src = "env tiny = TaskEnvironment(name = \"tiny\", resources = Resources(cpu = \"1m\", memory = \"1Gi\"))\n@tiny\ntask main() -> duration {\n    compute(50d)\n    return now()\n}\n";
    let j = run_on(src, CLUSTER);
    assert_eq!(j["result"], json!(4_320_000_000.0), "{j}");
}

#[test]
fn long_cold_starts_add_up_and_stop_the_run_past_the_end_of_time() {
    let cluster = CLUSTER.replace("cold_start = 0", "cold_start = \"100000d\"");
    // The root's own cold start fits: it starts at 100,000 d.
    let src = format!("{ENV}@e\ntask main() -> duration {{\n    return now()\n}}\n");
    let j = run_on(&src, &cluster);
    assert_eq!(j["result"], json!(8_640_000_000.0), "{j}");
    // A child's second cold start does not.
    let src = format!("{ENV}@e\ntask child() -> int {{\n    return 1\n}}\n@e\ntask main() -> int {{\n    return child()\n}}\n");
    assert_clock_overflow(&run_on(&src, &cluster));
}
