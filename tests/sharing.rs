//! Processor sharing inside reusable replicas (docs/runtime.md): the actions computing at once
//! on one replica share its cores (and GPUs), each at `cores / n`, re-timed the moment one
//! starts or ends; memory of one replica's actions adds up against its limit. Every expected
//! time below is worked by hand in the test's comment; cold starts are 0.

mod support;

use flyte_dsl::runtime::{self, RunOptions};
use flyte_dsl::sim::Cluster;
use serde_json::json;

const CLUSTER: &str = "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 16\nmemory = \"64Gi\"\ncost_per_hour = 1.0\n[[pool]]\nname = \"t4\"\ncount = 1\ncpu = 16\nmemory = \"64Gi\"\ngpu = \"T4:4\"\ncost_per_hour = 4.0\n";

/// A driver environment, and `pool`: one replica of `res` running up to `conc` actions.
fn envs(res: &str, conc: u32) -> String {
    format!(
        "env driver = TaskEnvironment(name = \"driver\", resources = Resources(cpu = 1, memory = \"1Gi\"))\n\
         env pool = TaskEnvironment(name = \"pool\", resources = Resources({res}), reusable = ReusePolicy(replicas = 1, concurrency = {conc}))\n\
         env solo = TaskEnvironment(name = \"solo\", resources = Resources({res}))\n"
    )
}

fn run(src: &str) -> serde_json::Value {
    let cluster = Cluster::from_toml_str(CLUSTER, "c.toml").unwrap();
    let prog = support::program(src);
    let outcome = runtime::run(&prog, "main", vec![], &cluster, RunOptions::default());
    flyte_dsl::report::summary_json(&outcome)
}

/// `work(wait, d)` sleeps `wait`, computes `d` and returns the time it ended, on `env`.
fn worker(env: &str, builtin: &str) -> String {
    format!("@{env}\nasync task work(wait: duration, d: duration) -> duration {{\n    sleep(wait)\n    {builtin}(d)\n    return now()\n}}\n")
}

fn gather(calls: &[(u32, u32)]) -> String {
    let calls: Vec<String> = calls
        .iter()
        .map(|(w, d)| format!("work({w}s, {d}s)"))
        .collect();
    format!(
        "@driver\nasync task main() -> list[duration] {{\n    return await gather(*[{}])\n}}\n",
        calls.join(", ")
    )
}

fn ends(j: &serde_json::Value) -> Vec<f64> {
    assert_eq!(j["status"], "succeeded", "{j}");
    j["result"]
        .as_array()
        .unwrap_or_else(|| panic!("{j}"))
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

#[test]
fn sixty_and_one_twenty_seconds_on_one_core_end_at_120_and_180() {
    // Both at 1/2 core: the 60 s one is done at 120 s, when the other has 60 s left, which it
    // does alone at full speed: 180 s.
    let src = format!(
        "{}{}{}",
        envs("cpu = 1", 2),
        worker("pool", "compute"),
        gather(&[(0, 60), (0, 120)])
    );
    assert_eq!(ends(&run(&src)), vec![120.0, 180.0]);
}

#[test]
fn four_minutes_of_work_on_one_core_take_four_minutes() {
    // Four 60 s computations at 1/4 core each: all end at 240 s (not 60 s).
    let src = format!(
        "{}{}{}",
        envs("cpu = 1", 4),
        worker("pool", "compute"),
        gather(&[(0, 60); 4])
    );
    assert_eq!(ends(&run(&src)), vec![240.0; 4]);
}

#[test]
fn rates_change_when_a_second_action_starts_computing() {
    // A computes 60 s from 0; B from 30 s (after its sleep). 0-30: A alone, 30 s done. From
    // 30: each at 1/2: A's last 30 s take 60 s, to 90; B has done 30 of 60 by then and does
    // the rest alone: 120.
    let src = format!(
        "{}{}{}",
        envs("cpu = 1", 2),
        worker("pool", "compute"),
        gather(&[(0, 60), (30, 60)])
    );
    assert_eq!(ends(&run(&src)), vec![90.0, 120.0]);
}

#[test]
fn a_sleeping_action_takes_no_share() {
    // B sleeps 100 s: A's 60 s of work is alone on the core until then (ends at 60); B then
    // computes 60 s alone: 160.
    let src = format!(
        "{}{}{}",
        envs("cpu = 1", 2),
        worker("pool", "compute"),
        gather(&[(0, 60), (100, 60)])
    );
    assert_eq!(ends(&run(&src)), vec![60.0, 160.0]);
}

#[test]
fn three_actions_on_two_cores_each_get_two_thirds() {
    // 60 s of work at 2/3 core: 90 s, for all three. Alone, the same work takes 30 s on the
    // 2 cores of its limit.
    let src = format!(
        "{}{}{}",
        envs("cpu = 2", 3),
        worker("pool", "compute"),
        gather(&[(0, 60); 3])
    );
    assert_eq!(ends(&run(&src)), vec![90.0; 3]);
    let src = format!(
        "{}{}{}",
        envs("cpu = 2", 3),
        worker("pool", "compute"),
        gather(&[(0, 60)])
    );
    assert_eq!(ends(&run(&src)), vec![30.0]);
}

#[test]
fn an_action_that_ends_early_gives_its_share_back() {
    // A and B compute 120 s each; B's max_runtime stops it at 30 s. 0-30: A at 1/2 (15 s
    // done); from 30 alone: 105 s more, to 135.
    let src = format!(
        "{}@pool\nasync task a() -> duration {{\n    compute(120s)\n    return now()\n}}\n@pool(timeout = 30)\nasync task b() -> duration {{\n    compute(120s)\n    return now()\n}}\n@driver\nasync task guard() -> duration {{\n    try {{\n        return await b()\n    }} except TaskTimeoutError as e {{\n        return now()\n    }}\n}}\n@driver\nasync task main() -> tuple[duration, duration] {{\n    return await gather(a(), guard())\n}}\n",
        envs("cpu = 1", 2)
    );
    let j = run(&src);
    assert_eq!(j["status"], "succeeded", "{j}");
    assert_eq!(j["result"], json!([135.0, 30.0]), "{j}");
}

#[test]
fn gpu_work_is_shared_like_cpu_work() {
    // One T4 per replica; 60 s and 120 s of GPU work: 120 and 180, as on one core. CPU work
    // beside it is not slowed: the two resources are shared separately.
    let src = format!(
        "{}{}{}",
        envs("cpu = 1, memory = \"1Gi\", gpu = \"T4:1\"", 2),
        worker("pool", "gpu_compute"),
        gather(&[(0, 60), (0, 120)])
    );
    assert_eq!(ends(&run(&src)), vec![120.0, 180.0]);
}

#[test]
fn actions_of_their_own_pods_do_not_share() {
    // Non-reusable actions each have their own 1-core limit: four 60 s computations on one
    // node all end at 60 s, as before sharing existed.
    let src = format!(
        "{}{}{}",
        envs("cpu = 1", 4),
        worker("solo", "compute"),
        gather(&[(0, 60); 4])
    );
    assert_eq!(ends(&run(&src)), vec![60.0; 4]);
}

/// `hold(wait, q)` sleeps `wait`, allocates `q`, sleeps 60 s and returns the time, on `env`.
fn holder(env: &str) -> String {
    format!("@{env}\nasync task work(wait: duration, q: str) -> duration {{\n    sleep(wait)\n    allocate(q)\n    sleep(60s)\n    return now()\n}}\n")
}

fn hold_main(calls: &[(u32, &str)]) -> String {
    let calls: Vec<String> = calls
        .iter()
        .map(|(w, q)| format!("work({w}s, \"{q}\")"))
        .collect();
    format!(
        "@driver\nasync task main() -> list[duration] {{\n    return await gather(*[{}])\n}}\n",
        calls.join(", ")
    )
}

#[test]
fn memory_of_one_replica_adds_up_under_its_limit() {
    // 1Gi + 2Gi on a 4Gi replica: fine, both end at 60 s.
    let src = format!(
        "{}{}{}",
        envs("cpu = 1, memory = \"4Gi\"", 2),
        holder("pool"),
        hold_main(&[(0, "1Gi"), (0, "2Gi")])
    );
    assert_eq!(ends(&run(&src)), vec![60.0, 60.0]);
}

#[test]
fn memory_above_the_replica_limit_kills_every_action_on_it() {
    // A holds 3Gi from 0; B asks 3Gi at 10 s: 6Gi > 4Gi, the container is killed with both.
    // Alone (its own pod) each would fit.
    let src = format!(
        "{}{}{}",
        envs("cpu = 1, memory = \"4Gi\"", 2),
        holder("pool"),
        hold_main(&[(0, "3Gi"), (10, "3Gi")])
    );
    let j = run(&src);
    assert_eq!(j["status"], "failed", "{j}");
    assert_eq!(j["error"]["type"], "OOMError", "{j}");
    let msg = j["error"]["message"].as_str().unwrap();
    assert!(msg.contains("used 6Gi, above its memory limit of 4Gi, and was killed with the 1 other action(s) on its replica"), "{msg}");
    assert_eq!(j["makespan_s"], json!(10.0), "{j}");
    // Each caught on its own: both see OOMError at 10 s.
    let safe = "@driver\nasync task safe(wait: duration, q: str) -> str {\n    try {\n        await work(wait, q)\n        return \"ok\"\n    } except OOMError as e {\n        return f\"OOMError at {now()}\"\n    }\n}\n@driver\nasync task main() -> list[str] {\n    return await gather(*[safe(0s, \"3Gi\"), safe(10s, \"3Gi\")])\n}\n";
    let src = format!(
        "{}{}{safe}",
        envs("cpu = 1, memory = \"4Gi\"", 2),
        holder("pool")
    );
    let j = run(&src);
    assert_eq!(
        j["result"],
        json!(["OOMError at 10s", "OOMError at 10s"]),
        "{j}"
    );
    let src = format!(
        "{}{}{}",
        envs("cpu = 1, memory = \"4Gi\"", 2),
        holder("solo"),
        hold_main(&[(0, "3Gi"), (10, "3Gi")])
    );
    assert_eq!(ends(&run(&src)), vec![60.0, 70.0]);
}

#[test]
fn after_an_oom_kill_the_retried_actions_run_on_a_new_replica() {
    // retries = 1: at 10 s both fail and both retry on a fresh replica (cold start 0): A
    // (wait 0) allocates 3Gi at 10 s, B at 20 s: killed again, and out of retries.
    // With 2Gi each, the retry is not needed at all: 60 and 70.
    let src = format!(
        "{}{}{}",
        envs("cpu = 1, memory = \"4Gi\"", 2),
        holder("pool").replace("@pool", "@pool(retries = 1)"),
        hold_main(&[(0, "2Gi"), (10, "2Gi")])
    );
    assert_eq!(ends(&run(&src)), vec![60.0, 70.0]);
    let src = format!(
        "{}{}{}",
        envs("cpu = 1, memory = \"4Gi\"", 2),
        holder("pool").replace("@pool", "@pool(retries = 1)"),
        hold_main(&[(0, "3Gi"), (10, "3Gi")])
    );
    let j = run(&src);
    assert_eq!(j["status"], "failed", "{j}");
    assert_eq!(j["makespan_s"], json!(20.0), "{j}");
}
