//! Running scripts: each rule of RUNTIME.md with virtual timings worked out by hand.

mod support;

use flyte_dsl::check::imports;
use flyte_dsl::runtime::{self, value::Value, RunOptions};
use flyte_dsl::sim::Cluster;
use serde_json::json;

/// One node of 3 CPUs, no cold start: the root holds one CPU, so two 1-CPU children run at once.
const SMALL: &str = "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 3\nmemory = \"64Gi\"\ncost_per_hour = 3.6\n";

const ROOMY: &str =
    "[[pool]]\nname = \"any\"\ncount = 1\ncpu = 100000\nmemory = \"1000Ti\"\ndisk = \"1000Ti\"\n";

fn run_with(
    src: &str,
    cluster: &str,
    task: &str,
    args: Vec<(&str, Value)>,
) -> (serde_json::Value, runtime::RunOutcome) {
    let cluster = Cluster::from_toml_str(cluster, "c.toml").unwrap();
    let mut map = flyte_dsl::diagnostics::SourceMap::new();
    let compiled = flyte_dsl::frontend::compile(
        &mut map,
        flyte_dsl::frontend::Source::new("t.flyte", src),
        &Default::default(),
        &imports::no_files,
        &cluster,
    );
    let prog = match compiled.program {
        Some(p) => p,
        // A request the checker refuses (`E0309`) is checked against a cluster that holds
        // any, so that the run's own `UnschedulableError` is what is tested.
        None if compiled
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .all(|d| d.code == "E0309") =>
        {
            let roomy = Cluster::from_toml_str(ROOMY, "roomy.toml").unwrap();
            support::compile_for("t.flyte", src.as_bytes(), &imports::no_files, &roomy).1
        }
        None => panic!(
            "{}",
            flyte_dsl::diagnostics::render_all(&compiled.diagnostics, &map, false)
        ),
    };
    let args = args.into_iter().map(|(k, v)| (k.into(), v)).collect();
    let outcome = runtime::run(
        &prog,
        task,
        args,
        &cluster,
        RunOptions {
            seed: 7,
            ..Default::default()
        },
    );
    (flyte_dsl::report::summary_json(&outcome), outcome)
}

fn run(src: &str) -> serde_json::Value {
    run_with(src, SMALL, "main", vec![]).0
}

const ENV: &str =
    "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1, memory = \"1Gi\"))\n";

#[test]
fn four_ten_minute_tasks_on_room_for_two_take_twenty_minutes() {
    let src = format!(
        "{ENV}@e\nasync task leaf(i: int) -> int {{\n    sleep(10m)\n    return i\n}}\n@e\nasync task main() -> int {{\n    let xs = await gather(*[leaf(i) for i in range(4)])\n    return sum(xs)\n}}\n"
    );
    let j = run(&src);
    assert_eq!(j["status"], "succeeded", "{j}");
    assert_eq!(j["result"], 6);
    assert_eq!(j["makespan_s"], 1200.0);
    assert_eq!(
        j["actions"],
        json!({"total": 5, "succeeded": 5, "failed": 0, "cancelled": 0, "cached": 0})
    );
    assert_eq!(j["attempts"], 5);
    // The node is busy for 20 minutes at $3.60 an hour.
    assert_eq!(j["cost_usd"], 1.2);
}

#[test]
fn compute_divides_by_cores_and_sync_calls_wait() {
    let src = "env two = TaskEnvironment(name = \"two\", resources = Resources(cpu = 2, memory = \"1Gi\"))\n@two\ntask work() -> duration {\n    compute(10m)\n    return now()\n}\n@two\ntask main() -> duration {\n    let a = work()\n    let b = work()\n    return b - a\n}\n";
    let big = "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 8\nmemory = \"64Gi\"\ncost_per_hour = 1.0\n";
    let (j, _) = run_with(src, big, "main", vec![]);
    // Each call computes 10 minutes of single-core work on 2 cores: 5 minutes; sequential.
    assert_eq!(j["result"], 300.0, "{j}");
    assert_eq!(j["makespan_s"], 600.0);
}

#[test]
fn cold_start_and_image_pull_once_per_node() {
    let cluster = "cold_start = \"5s\"\nimage_pull = \"30s\"\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 4\nmemory = \"64Gi\"\ncost_per_hour = 1.0\n";
    let src = format!("{ENV}@e\ntask leaf() -> duration {{\n    return now()\n}}\n@e\ntask main() -> list[duration] {{\n    return [now(), leaf(), leaf()]\n}}\n");
    let (j, _) = run_with(&src, cluster, "main", vec![]);
    // The root pays 35 s (pull + start); each child then pays the 5 s start only.
    assert_eq!(j["result"], json!([35.0, 40.0, 45.0]), "{j}");
    assert_eq!(j["cold_starts"], 3);
}

#[test]
fn retries_wait_their_backoff() {
    let src = format!(
        "{ENV}@e(retries = RetryStrategy(count = 3, backoff = Backoff(base = 10s, factor = 2.0, cap = 5m)))\ntask flaky() -> int {{\n    sleep(1m)\n    if attempt() < 3 {{\n        raise ValueError(\"not yet\")\n    }}\n    return attempt()\n}}\n@e\ntask main() -> int {{\n    return flaky()\n}}\n"
    );
    let j = run(&src);
    // 0-60 fails, 10 s backoff, 70-130 fails, 20 s backoff, 150-210 succeeds.
    assert_eq!(j["result"], 3, "{j}");
    assert_eq!(j["makespan_s"], 210.0);
    assert_eq!(j["attempts"], 4);
}

#[test]
fn non_recoverable_errors_are_not_retried() {
    let src = format!("{ENV}@e(retries = 5)\ntask bad() -> int {{\n    raise NonRecoverableError(\"no\")\n}}\n@e\ntask main() -> int {{\n    return bad()\n}}\n");
    let j = run(&src);
    assert_eq!(j["status"], "failed");
    // The caller receives it as flyte-sdk rebuilds it: a plain RuntimeUserError with its code.
    assert_eq!(j["error"]["type"], "RuntimeUserError");
    assert_eq!(j["error"]["code"], "NonRecoverableError", "{j}");
    assert_eq!(j["attempts"], 2);
}

#[test]
fn max_runtime_stops_an_attempt() {
    let src = format!("{ENV}@e(timeout = 30s)\ntask slow() -> int {{\n    sleep(1m)\n    return 1\n}}\n@e\ntask main() -> str {{\n    try {{\n        return str(slow())\n    }} except TaskTimeoutError as err {{\n        return f\"{{err.code}} at {{now()}}\"\n    }}\n}}\n");
    let j = run(&src);
    assert_eq!(j["result"], "MaxRuntimeExceededError at 30s", "{j}");
}

#[test]
fn oom_kills_the_action_and_the_caller_sees_oom_error() {
    let src = "env small = TaskEnvironment(name = \"small\", resources = Resources(cpu = 1, memory = \"1Gi\"))\n@small\ntask hog() -> int {\n    try {\n        allocate(\"2Gi\")\n    } except {\n        return 0\n    }\n    return 1\n}\n@small\ntask main() -> str {\n    try {\n        return str(hog())\n    } except OOMError as e {\n        return str(e.task)\n    }\n}\n";
    let j = run(src);
    // The OOM cannot be caught inside the killed task: its caller sees it.
    assert_eq!(j["result"], "small.hog", "{j}");
}

#[test]
fn errors_crossing_a_task_boundary_become_runtime_user_errors() {
    let src = format!("{ENV}@e\ntask child() -> int {{\n    raise KeyError(\"k\")\n}}\n@e\ntask main() -> str {{\n    try {{\n        return str(child())\n    }} except RuntimeUserError as err {{\n        return err.code + \" \" + err.message\n    }}\n}}\n");
    assert_eq!(run(&src)["result"], "KeyError k");
}

#[test]
fn gather_cancels_the_rest_on_the_first_error() {
    let src = format!("{ENV}@e\nasync task fail() -> int {{\n    sleep(10s)\n    raise ValueError(\"boom\")\n}}\n@e\nasync task slow() -> int {{\n    sleep(1h)\n    return 1\n}}\n@e\nasync task main() -> int {{\n    let r = await gather(fail(), slow())\n    return r[1]\n}}\n");
    let j = run(&src);
    assert_eq!(j["status"], "failed");
    assert_eq!(j["error"]["code"], "ValueError");
    assert_eq!(j["makespan_s"], 10.0, "{j}");
    assert_eq!(j["actions"]["cancelled"], 1);
}

#[test]
fn gather_of_explicit_futures_gives_a_tuple() {
    let src = format!("{ENV}@e\nasync task a() -> int {{\n    return 1\n}}\n@e\nasync task b() -> str {{\n    return \"x\"\n}}\n@e\nasync task main() -> str {{\n    let (n, s) = await gather(a(), b())\n    return f\"{{n}}{{s}}\"\n}}\n");
    assert_eq!(run(&src)["result"], "1x");
}

#[test]
fn map_keeps_at_most_concurrency_in_flight() {
    let big = "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 64\nmemory = \"64Gi\"\ncost_per_hour = 1.0\n";
    let src = format!("{ENV}@e\ntask leaf(i: int) -> int {{\n    sleep(10m)\n    return i * 2\n}}\n@e\ntask main() -> list[int] {{\n    return map(leaf, [1, 2, 3, 4], concurrency = 2)\n}}\n");
    let (j, _) = run_with(&src, big, "main", vec![]);
    assert_eq!(j["result"], json!([2, 4, 6, 8]), "{j}");
    assert_eq!(j["makespan_s"], 1200.0);
}

#[test]
fn unschedulable_requests_fail_at_once() {
    let src = "env huge = TaskEnvironment(name = \"huge\", resources = Resources(cpu = 1000))\n@huge\ntask big() -> int {\n    return 1\n}\nenv e = TaskEnvironment(name = \"e\")\n@e\ntask main() -> str {\n    try {\n        return str(big())\n    } except UnschedulableError as err {\n        return f\"{err.code} at {now()}\"\n    }\n}\n";
    assert_eq!(run(src)["result"], "E0601 at 0s");
}

#[test]
fn a_deadlock_fails_at_once_with_the_chain() {
    let src = "env solo = TaskEnvironment(name = \"solo\", reusable = ReusePolicy(replicas = 1))\n@solo\nasync task child() -> int {\n    return 1\n}\n@solo\nasync task parent() -> int {\n    return await child()\n}\nenv e = TaskEnvironment(name = \"e\")\n@e\nasync task main() -> int {\n    return await parent()\n}\n";
    let (j, outcome) = run_with(src, SMALL, "main", vec![]);
    assert_eq!(j["status"], "failed");
    assert_eq!(j["error"]["type"], "DeadlockError", "{j}");
    assert_eq!(j["error"]["code"], "E0602", "{j}");
    let msg = outcome.result.unwrap_err().message;
    assert!(msg.contains("no action can make progress"), "{msg}");
    assert!(msg.contains("`solo.parent` (action 1) holds a slot of replica 0 on cpu-0 and waits for `solo.child` (action 2)"), "{msg}");
    assert!(msg.contains("`solo.child` (action 2) is queued for a free replica slot of reusable environment `solo`"), "{msg}");
}

#[test]
fn warm_replicas_pay_no_cold_start() {
    let cluster = "cold_start = \"5s\"\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 8\nmemory = \"64Gi\"\ncost_per_hour = 1.0\n";
    let src = "env pool = TaskEnvironment(name = \"pool\", resources = Resources(cpu = 1, memory = \"1Gi\"), reusable = ReusePolicy(replicas = 1))\n@pool\nasync task work() -> duration {\n    sleep(10s)\n    return now()\n}\nenv e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1, memory = \"1Gi\"))\n@e\nasync task main() -> list[duration] {\n    let a = await work()\n    let b = await work()\n    return [a, b]\n}\n";
    let (j, _) = run_with(src, cluster, "main", vec![]);
    // Root starts at 5 s; the replica starts at 5 s and is ready at 10 s; the first call ends
    // at 20 s; the second runs at once on the warm replica and ends at 30 s.
    assert_eq!(j["result"], json!([20.0, 30.0]), "{j}");
    assert_eq!(j["cold_starts"], 2);
}

#[test]
fn task_inputs_are_copies() {
    let src = format!("{ENV}@e\ntask mutate(xs: list[int]) -> int {{\n    xs.append(99)\n    return len(xs)\n}}\n@e\ntask main() -> list[int] {{\n    let xs = [1, 2]\n    let n = mutate(xs)\n    xs.append(n)\n    return xs\n}}\n");
    assert_eq!(run(&src)["result"], json!([1, 2, 3]));
}

#[test]
fn arguments_defaults_and_values_print_in_literal_syntax() {
    let src = format!("{ENV}struct P {{ x: int, y: float }}\n@e\ntask main(n: int, label: str = \"p\") -> str {{\n    let p = P(x = n, y = 2.5)\n    return f\"{{label}}: {{p}} {{[1, 2]}} {{(3, \"x\")}} {{true}} {{none}} {{90s}}\"\n}}\n");
    let (j, _) = run_with(&src, SMALL, "main", vec![("n", Value::Int(1))]);
    assert_eq!(
        j["result"], "p: P(x = 1, y = 2.5) [1, 2] (3, \"x\") true none 90s",
        "{j}"
    );
}

#[test]
fn runtime_errors_are_catchable_and_overflow_is_checked() {
    let src = format!("{ENV}@e\ntask main() -> list[str] {{\n    let out: list[str] = []\n    try {{ let x = 9223372036854775807 + 1 }} except OverflowError as e {{ out.append(\"overflow\") }}\n    try {{ let y = 1 // 0 }} except ZeroDivisionError {{ out.append(\"zero\") }}\n    try {{ let z = [1][5] }} except IndexError {{ out.append(\"index\") }}\n    try {{ let d = {{\"a\": 1}}; let w = d[\"b\"] }} except KeyError {{ out.append(\"key\") }}\n    return out\n}}\n");
    assert_eq!(
        run(&src)["result"],
        json!(["overflow", "zero", "index", "key"])
    );
}

#[test]
fn runaway_recursion_stops_with_a_limit_error() {
    let src = format!("{ENV}fn f(n: int) -> int {{\n    return f(n + 1)\n}}\n@e\ntask main() -> int {{\n    return f(0)\n}}\n");
    let j = run(&src);
    assert_eq!(j["status"], "failed");
    assert_eq!(j["error"]["type"], "LimitExceededError", "{j}");
}

#[test]
fn the_same_inputs_give_byte_identical_output() {
    let src = format!("{ENV}@e\nasync task leaf(i: int) -> float {{\n    sleep(1s)\n    return random()\n}}\n@e\nasync task main() -> list[float] {{\n    return await gather(*[leaf(i) for i in range(20)])\n}}\n");
    let a = run(&src).to_string();
    let b = run(&src).to_string();
    assert_eq!(a, b);
}

#[test]
fn every_example_runs_on_the_default_cluster() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "flyte") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let (_, prog) = support::compile(
            &path.display().to_string(),
            &bytes,
            &imports::relative_files(&[imports::script_root(&path)]),
        );
        let outcome = runtime::run(
            &prog,
            "main",
            vec![],
            &Cluster::default_cluster(),
            RunOptions::default(),
        );
        assert!(
            outcome.result.is_ok(),
            "{}: {:?}",
            path.display(),
            outcome.result
        );
        n += 1;
    }
    assert!(n >= 9);
}

#[test]
fn max_queued_time_fails_an_attempt_that_waits_too_long() {
    // The root holds 1 of 3 CPUs; `hog` takes the other 2 for an hour; `late` cannot start.
    let src = format!("{ENV}env two = TaskEnvironment(name = \"two\", resources = Resources(cpu = 2, memory = \"1Gi\"))\n@two\nasync task hog() -> int {{\n    sleep(1h)\n    return 1\n}}\n@e(timeout = Timeout(max_queued_time = 5m))\nasync task late() -> int {{\n    return 2\n}}\n@e\nasync task main() -> str {{\n    let h = hog.aio()\n    let l = late.aio()\n    try {{\n        let (a, b) = await gather(h, l)\n        return \"ran\"\n    }} except MaxQueuedTimeExceededError as err {{\n        return f\"{{err.code}} at {{now()}}\"\n    }}\n}}\n");
    let j = run(&src);
    assert_eq!(j["result"], "MaxQueuedTimeExceededError at 5m", "{j}");
}

#[test]
fn the_deadline_bounds_the_action_across_attempts() {
    let src = format!("{ENV}@e(retries = 10, timeout = Timeout(deadline = 150s))\ntask flaky() -> int {{\n    sleep(1m)\n    raise ValueError(\"again\")\n}}\n@e\ntask main() -> str {{\n    try {{\n        return str(flaky())\n    }} except DeadlineExceededError as err {{\n        return f\"{{err.code}} at {{now()}}\"\n    }}\n}}\n");
    let j = run(&src);
    // Attempts at 0-60 and 60-120 fail; the third is stopped by the deadline at 150 s.
    assert_eq!(j["result"], "DeadlineExceededError at 150s", "{j}");
}

#[test]
fn preempted_actions_are_retried_by_the_platform() {
    // A spot pool whose nodes are preempted often: the action still finishes, with more
    // attempts than its one user attempt, and no `retries` used.
    let cluster = "cold_start = 0\nimage_pull = 0\npreemption_rate = 20.0\nsystem_retries = 50\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 2\nmemory = \"8Gi\"\ncost_per_hour = 1.0\n[[pool]]\nname = \"spot\"\ncount = 4\ncpu = 4\nmemory = \"8Gi\"\ncost_per_hour = 0.3\nspot = true\n";
    let src = "env driver = TaskEnvironment(name = \"driver\", resources = Resources(cpu = 1))\nenv cheap = TaskEnvironment(name = \"cheap\", resources = Resources(cpu = 2), interruptible = true)\n@cheap\ntask work() -> int {\n    sleep(10m)\n    return attempt()\n}\n@driver\ntask main() -> int {\n    return work()\n}\n";
    let (j, _) = run_with(src, cluster, "main", vec![]);
    assert_eq!(j["status"], "succeeded", "{j}");
    assert!(j["result"].as_i64().unwrap() > 1, "{j}");
    let (again, _) = run_with(src, cluster, "main", vec![]);
    assert_eq!(j, again, "seeded preemption is deterministic");
}

#[test]
fn a_queue_restricts_placement_to_its_pools() {
    let cluster = "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"small\"\ncount = 1\ncpu = 2\nmemory = \"8Gi\"\ncost_per_hour = 1.0\n[[pool]]\nname = \"big\"\ncount = 1\ncpu = 8\nmemory = \"8Gi\"\ncost_per_hour = 10.0\n";
    let src = "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1))\n@e(queue = \"big\")\ntask pinned() -> int {\n    sleep(1h)\n    return 1\n}\n@e\ntask main() -> int {\n    return pinned()\n}\n";
    let (j, _) = run_with(src, cluster, "main", vec![]);
    // The root runs an hour on `small` ($1) and `pinned` an hour on `big` ($10).
    assert_eq!(j["cost_usd"], 11.0, "{j}");
}

#[test]
fn gpu_compute_on_a_mig_slice_takes_seven_times_longer() {
    let cluster = "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"a100\"\ncount = 1\ncpu = 32\nmemory = \"256Gi\"\ngpu = \"A100:1\"\ncost_per_hour = 1.0\n";
    let src = "env slice = TaskEnvironment(name = \"slice\", resources = Resources(cpu = 1, gpu = GPU(device = \"A100\", quantity = 1, partition = \"1g.5gb\")))\nenv e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1))\n@slice\ntask train() -> duration {\n    gpu_compute(1m)\n    return now()\n}\n@e\ntask main() -> duration {\n    return train()\n}\n";
    let (j, _) = run_with(src, cluster, "main", vec![]);
    assert_eq!(j["result"], 420.0, "{j}");
}

#[test]
fn awaits_inside_comprehensions_and_map_with_exceptions() {
    let big = "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 64\nmemory = \"64Gi\"\ncost_per_hour = 1.0\n";
    let src = format!("{ENV}@e\nasync task sq(x: int) -> int {{\n    if x == 3 {{\n        raise ValueError(\"three\")\n    }}\n    return x * x\n}}\n@e\nasync task main() -> list[str] {{\n    let evens = [await sq(x) for x in range(6) if x % 2 == 0]\n    let all = await map.aio(sq, [1, 2, 3], return_exceptions = true)\n    let shown = [str(v) for v in evens]\n    for v in all {{\n        if isinstance(v, Error) {{\n            shown.append(\"error\")\n        }} else {{\n            shown.append(str(v))\n        }}\n    }}\n    return shown\n}}\n");
    let (j, _) = run_with(&src, big, "main", vec![]);
    assert_eq!(
        j["result"],
        json!(["0", "4", "16", "1", "4", "error"]),
        "{j}"
    );
}

#[test]
fn the_readme_example_runs() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let start = readme.find("```\nenv base").expect("the README's example") + 4;
    let end = start + readme[start..].find("```").unwrap();
    let default = include_str!("../stdlib/default-cluster.toml");
    let (j, _) = run_with(&readme[start..end], default, "main", vec![]);
    // main doubles 0..9 and sums: 2 * 45.
    assert_eq!(j["result"], 90, "{j}");
}

#[test]
fn when_retries_run_out_the_caller_sees_the_last_error() {
    // `retries = 2`: three attempts, no backoff; each one pays its own 5 s start.
    let cluster = "cold_start = 5\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 3\nmemory = \"64Gi\"\n";
    let src = format!(
        "{ENV}@e(retries = 2)\ntask flaky() -> int {{\n    sleep(1m)\n    raise ValueError(f\"a{{attempt()}}\")\n}}\n@e\ntask main() -> int {{\n    return flaky()\n}}\n"
    );
    let (j, _) = run_with(&src, cluster, "main", vec![]);
    assert_eq!(j["status"], "failed", "{j}");
    assert_eq!(j["error"]["message"], "a3", "{j}");
    assert_eq!(j["attempts"], 4, "root + three attempts: {j}");
    assert_eq!(j["cold_starts"], 4, "{j}");
    // The root starts at 5 s; each attempt is 5 s start + 60 s.
    assert_eq!(j["makespan_s"], 200.0, "{j}");
}

#[test]
fn backoff_delays_stop_at_the_cap() {
    let src = format!(
        "{ENV}@e(retries = RetryStrategy(count = 3, backoff = Backoff(base = 10s, factor = 10.0, cap = 30s)))\ntask flaky() -> int {{\n    if attempt() < 4 {{\n        raise ValueError(\"not yet\")\n    }}\n    return attempt()\n}}\n@e\ntask main() -> int {{\n    return flaky()\n}}\n"
    );
    let j = run(&src);
    // Delays 10 s, then min(100 s, 30 s), then min(1000 s, 30 s).
    assert_eq!(j["result"], 4, "{j}");
    assert_eq!(j["makespan_s"], 70.0, "{j}");
}

#[test]
fn getenv_reads_the_environment_s_variables_never_the_host_s() {
    let src = "env e = TaskEnvironment(name = \"e\", env_vars = {\"A\": \"1\"})\n@e\ntask main() -> list[str] {\n    return [str(getenv(\"A\")), str(getenv(\"PATH\")), getenv(\"PATH\", \"unset\")]\n}\n";
    assert!(std::env::var_os("PATH").is_some());
    assert_eq!(run(src)["result"], json!(["1", "none", "unset"]));
}

#[test]
fn timeouts_are_user_errors_and_are_retried() {
    let src = format!(
        "{ENV}@e(retries = 2, timeout = 30)\ntask slow() -> int {{\n    sleep(1m)\n    return 1\n}}\n@e\ntask main() -> int {{\n    return slow()\n}}\n"
    );
    let j = run(&src);
    assert_eq!(j["status"], "failed", "{j}");
    assert_eq!(j["error"]["type"], "MaxRuntimeExceededError", "{j}");
    assert_eq!(j["attempts"], 4, "{j}");
    // `timeout = 30` is seconds: three attempts of 30 s.
    assert_eq!(j["makespan_s"], 90.0, "{j}");
}

#[test]
fn preemptions_past_system_retries_fail_the_action_and_are_not_retried_in_its_caller() {
    // Preempted about every 3 s, an hour of work never finishes: 1 attempt + 2 system retries.
    // The caller, on an on-demand node, sees the PreemptedError but was not preempted itself:
    // the platform does not retry it (and so does not call `work` again).
    let cluster = "cold_start = 0\nimage_pull = 0\npreemption_rate = 1000.0\nsystem_retries = 2\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 2\nmemory = \"8Gi\"\n[[pool]]\nname = \"spot\"\ncount = 1\ncpu = 4\nmemory = \"8Gi\"\nspot = true\n";
    let src = "env driver = TaskEnvironment(name = \"driver\", resources = Resources(cpu = 1))\nenv cheap = TaskEnvironment(name = \"cheap\", resources = Resources(cpu = 2), interruptible = true)\n@cheap\ntask work() -> int {\n    sleep(1h)\n    return attempt()\n}\n@driver\ntask main() -> int {\n    return work()\n}\n";
    let (j, _) = run_with(src, cluster, "main", vec![]);
    assert_eq!(j["status"], "failed", "{j}");
    assert_eq!(j["error"]["type"], "PreemptedError", "{j}");
    assert_eq!(j["attempts"], 4, "the root + 3 attempts of work: {j}");
    assert_eq!(j["actions"]["total"], 2, "{j}");
}

#[test]
fn compute_divides_by_the_cpu_limit_and_free_lowers_memory_in_use() {
    let env = "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = (\"1\", \"4\"), memory = (\"1Gi\", \"4Gi\")))\n";
    let timed =
        format!("{env}@e\ntask main() -> duration {{\n    compute(8m)\n    return now()\n}}\n");
    // 8 minutes of single-core work on a 4-core limit (the request is 1).
    assert_eq!(run(&timed)["result"], 120.0);
    let freed = format!("{env}@e\ntask grow(release: bool) -> int {{\n    allocate(\"3Gi\")\n    if release {{\n        free(\"3Gi\")\n    }}\n    allocate(\"3Gi\")\n    return 1\n}}\n@e\ntask main() -> list[str] {{\n    let out = [str(grow(true))]\n    try {{\n        out.append(str(grow(false)))\n    }} except OOMError as err {{\n        out.append(\"OOM\")\n    }}\n    return out\n}}\n");
    assert_eq!(run(&freed)["result"], json!(["1", "OOM"]));
}

#[test]
fn override_reusable_off_runs_the_call_in_its_own_pod() {
    let cluster = "cold_start = 5\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 4\nmemory = \"64Gi\"\n";
    let src = "env pool = TaskEnvironment(name = \"pool\", resources = Resources(cpu = 1), reusable = ReusePolicy(replicas = 1, idle_ttl = 300))\nenv e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1))\n@pool\nasync task w() -> int {\n    sleep(1m)\n    return 1\n}\n@e\nasync task main(off: bool) -> int {\n    let a = await w()\n    let b = 0\n    if off {\n        b = await w.override(reusable = \"off\")()\n    } else {\n        b = await w()\n    }\n    return a + b\n}\n";
    let cold = |off: bool| {
        let (j, _) = run_with(src, cluster, "main", vec![("off", Value::Bool(off))]);
        assert_eq!(j["result"], 2, "{j}");
        j["cold_starts"].as_i64().unwrap()
    };
    // The root and the replica start cold; the second call reuses the warm replica, unless
    // reuse is off for it: then it starts a pod of its own.
    assert_eq!(cold(false), 2);
    assert_eq!(cold(true), 3);
}

/// Locals live in frame slots (`ir::scope`): shadowing, block scopes whose slots are
/// reused, comprehension names, `except` bindings, tuple patterns, recursion, and
/// comprehensions in top-level `let`s and parameter defaults, which get frames of their own.
/// The same function runs on the synchronous path and, called from a body that awaits, on
/// the asynchronous one.
#[test]
fn locals_follow_lexical_scope_on_every_path() {
    let src = format!(
        r#"{ENV}let SQUARES = [x * x for x in range(4)]
let (LO, HI) = (min(SQUARES), max(SQUARES))

fn total(xs: list[int] = [y + 1 for y in range(3)]) -> int {{
    let t = 0
    for x in xs {{ t += x }}
    return t
}}

fn scopes(n: int) -> list[int] {{
    let out: list[int] = []
    let x = n
    if x > 0 {{
        let x = x * 10
        out.append(x)
        let y = x + 1
        out.append(y)
    }}
    let y = 7
    out.append(x)
    out.append(y)
    for (i, x) in enumerate([100, 200]) {{
        let z = [x + i for i in range(2)]
        out.append(z[1] + i)
    }}
    try {{
        raise ValueError("boom")
    }} except ValueError as e {{
        let x = len(str(e))
        out.append(x)
    }}
    out.append(x)
    out.append(sum([a * b for a in range(3) for b in range(a)]))
    return out
}}

fn fact(n: int) -> int {{
    if n <= 1 {{ return 1 }}
    let below = fact(n - 1)
    return n * below
}}

@e
async task leaf(i: int) -> int {{
    sleep(1s)
    return i
}}

@e
async task main() -> list[int] {{
    let sync_part = scopes(3)
    let x = await leaf(5)
    let async_part = [await leaf(v) for v in scopes(x)]
    let xs = sync_part + async_part
    xs.append(total())
    xs.append(total([LO, HI]))
    xs.append(fact(10))
    xs.append(x)
    return xs
}}
"#
    );
    let j = run(&src);
    assert_eq!(j["status"], "succeeded", "{j}");
    // scopes(3): [30, 31, 3, 7, 101, 202, 4, 3, 2]; scopes(5): [50, 51, 5, 7, 101, 202, 4, 5, 2]
    assert_eq!(
        j["result"],
        json!([30, 31, 3, 7, 101, 202, 4, 3, 2, 50, 51, 5, 7, 101, 202, 4, 5, 2, 6, 9, 3628800, 5])
    );
}

/// A pool without a `disk` key accepts any disk request (RUNTIME.md section 3); a pool with one
/// holds only requests that fit, and nothing else can place the action.
#[test]
fn disk_requests_fit_pools_without_a_disk_key() {
    let src = "env big = TaskEnvironment(name = \"big\", resources = Resources(cpu = 1, memory = \"1Gi\", disk = \"500Gi\"))\n@big\nasync task main() -> int {\n    sleep(1s)\n    return 7\n}\n";
    let (j, _) = run_with(src, SMALL, "main", vec![]);
    assert_eq!(j["status"], "succeeded", "{j}");
    assert_eq!(j["result"], 7);
    let small_disk = format!("{SMALL}disk = \"100Gi\"\n");
    let (j, _) = run_with(src, &small_disk, "main", vec![]);
    assert_eq!(j["status"], "failed", "{j}");
    assert_eq!(j["error"]["type"], "UnschedulableError", "{j}");
    let big_disk = format!("{SMALL}disk = \"1Ti\"\n");
    let (j, _) = run_with(src, &big_disk, "main", vec![]);
    assert_eq!(j["status"], "succeeded", "{j}");
}

/// As in Python, `str(err)`, `f"{err}"` and `print(err)` give an error's message.
#[test]
fn an_error_prints_as_its_message() {
    let src = format!(
        "{ENV}@e\nasync task main() -> list[str] {{\n    try {{\n        raise ValueError(\"boom\")\n    }} except ValueError as err {{\n        print(err)\n        return [str(err), f\"<{{err}}>\", err.message, str([1])]\n    }}\n    return []\n}}\n"
    );
    let (j, out) = run_with(&src, SMALL, "main", vec![]);
    assert_eq!(j["result"], json!(["boom", "<boom>", "boom", "[1]"]), "{j}");
    let printed: Vec<&str> = out.logs.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(printed, vec!["boom"]);
}

/// Replicas alive after the last action are billed until they stop (RUNTIME.md section 4:
/// idle-but-alive replicas are billed): the root and the leaf end at 10 s, but the replica
/// holds the node until `idle_ttl` (100 s) later. Utilization stays measured over the makespan.
#[test]
fn idle_replicas_are_billed_until_they_stop() {
    let src = format!(
        "{ENV}env pool = TaskEnvironment(name = \"pool\", resources = Resources(cpu = 1, memory = \"1Gi\"), reusable = ReusePolicy(replicas = 1, idle_ttl = 100s))\n@pool\nasync task leaf() -> int {{\n    sleep(10s)\n    return 1\n}}\n@e\nasync task main() -> int {{\n    return await leaf()\n}}\n"
    );
    let j = run(&src);
    assert_eq!(j["status"], "succeeded", "{j}");
    assert_eq!(j["makespan_s"], 10.0);
    // One node at $3.60/h, busy 0-110 s.
    assert_eq!(j["cost_usd"], 0.11, "{j}");
}

/// Runs `body` as a plain function's body, as a task's body that sleeps first (so its fiber
/// halts and is resumed before the body runs) and as a task's body, and gives each run's
/// result and error (type, code and message): function, resumed task, task.
fn on_every_path(ret: &str, body: &str) -> [(serde_json::Value, serde_json::Value); 3] {
    let helpers = "struct P {\n    x: int\n    y: int\n}\n\
        fn add(a: int, b: int = 10) -> int {\n    return a + b\n}\n\
        fn noisy(log: list[str], s: str, b: bool) -> bool {\n    log.append(s)\n    return b\n}\n\
        fn fact(n: int) -> int {\n    if n <= 1 { return 1 }\n    return n * fact(n - 1)\n}\n\
        fn nothing(xs: list[int]) {\n    xs.append(1)\n}\n\
        fn boom(x: int) -> int {\n    if x > 0 { raise ValueError(f\"boom {x}\") }\n    return x\n}\n";
    let compiled = format!(
        "{ENV}{helpers}fn f() -> {ret} {{\n{body}\n}}\n@e\ntask main() -> {ret} {{\n    return f()\n}}\n"
    );
    let resumed = format!("{ENV}{helpers}@e\ntask main() -> {ret} {{\nsleep(1s)\n{body}\n}}\n");
    let task = format!("{ENV}{helpers}@e\ntask main() -> {ret} {{\n{body}\n}}\n");
    [compiled, resumed, task].map(|src| {
        let j = run(&src);
        let e = &j["error"];
        (
            j["result"].clone(),
            json!([e["type"], e["code"], e["message"]]),
        )
    })
}

#[test]
fn bodies_agree_in_functions_resumed_tasks_and_tasks() {
    let cases = support::bodies::BODIES;
    for (ret, body) in cases {
        let [compiled, resumed, task] = on_every_path(ret, body);
        assert_eq!(compiled, resumed, "for:\n{body}");
        assert_eq!(task, resumed, "for:\n{body}");
        assert!(
            !compiled.0.is_null() || !compiled.1[0].is_null(),
            "neither a result nor an error for:\n{body}"
        );
    }
}

/// An error raised in functions calling each other (VM frames of one entry) records one
/// statement per function it leaves, the task's included.
#[test]
fn errors_from_nested_compiled_calls_keep_every_statement() {
    let src = format!(
        "{ENV}fn c(x: int) -> int {{\n    let y = x - 1\n    return 10 // y\n}}\nfn b(x: int) -> int {{\n    let r = c(x)\n    return r\n}}\nfn a(x: int) -> int {{\n    return b(x) + 1\n}}\n@e\ntask main() -> int {{\n    let v = a(1)\n    return v\n}}\n"
    );
    let (_, outcome) = run_with(&src, SMALL, "main", vec![]);
    let err = outcome.result.expect_err("10 // 0 fails");
    assert_eq!(err.code, "ZeroDivisionError");
    let at: Vec<&str> = err
        .trace
        .iter()
        .map(|p| &src[p.span.start as usize..p.span.end as usize])
        .collect();
    assert_eq!(
        at,
        [
            "return 10 // y",
            "let r = c(x)",
            "return b(x) + 1",
            "let v = a(1)"
        ]
    );
}

/// Code nested just under the parser's limits runs on a test thread's stack, in a function
/// and in tasks alike: long operator chains, deep brackets and deep blocks.
#[test]
fn deeply_nested_code_runs_on_every_path() {
    let chain = vec!["x"; 900].join(" + ");
    let parens = format!("{}x{}", "(".repeat(150), " + 1)".repeat(150));
    let mut blocks = String::from("t += 1\n");
    for _ in 0..150 {
        blocks = format!("if x > 0 {{\n{blocks}}}\n");
    }
    let body = format!(
        "let x = 1\nlet t = 0\n{blocks}let a = {chain}\nlet b = {parens}\nlet c = [{chain} for i in range(2) if {chain} > 0]\nreturn [a, b, c[1], t]"
    );
    let [compiled, resumed, task] = on_every_path("list[int]", &body);
    assert_eq!(compiled, resumed);
    assert_eq!(task, resumed);
    assert_eq!(compiled.0, json!([900, 151, 900, 1]));
}

/// `while true {}` stops: each round of a loop counts a step (in a function and in a resumed
/// task alike), so the step limit ends it, and so does a host's cancel.
#[test]
fn empty_endless_loops_meet_the_step_limit_and_cancellation() {
    let compiled = format!("{ENV}fn spin() -> int {{\n    while true {{}}\n    return 1\n}}\n@e\ntask main() -> int {{\n    return spin()\n}}\n");
    let resumed = format!(
        "{ENV}@e\ntask main() -> int {{\n    sleep(1s)\n    while 1 < 2 {{}}\n    return 1\n}}\n"
    );
    for src in [&compiled, &resumed] {
        let prog = support::program(src);
        let cluster = Cluster::from_toml_str(SMALL, "c.toml").unwrap();
        let limited = runtime::run(
            &prog,
            "main",
            vec![],
            &cluster,
            RunOptions {
                limits: runtime::Limits {
                    max_steps: Some(100_000),
                    ..Default::default()
                },
                ..Default::default()
            },
        );
        let err = limited.result.expect_err("the step limit stops the loop");
        assert_eq!(err.code, "E0701", "{src}");
        let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let cancelled = runtime::run(
            &prog,
            "main",
            vec![],
            &cluster,
            RunOptions {
                cancel: Some(cancel),
                ..Default::default()
            },
        );
        assert_eq!(
            cancelled.result.expect_err("cancelled").code,
            "E0705",
            "{src}"
        );
    }
}

/// Lists and strings never grow past their limit of 2^24: `append` beyond it fails (instead of a
/// runaway loop exhausting memory), in functions and tasks alike.
#[test]
fn runaway_growth_stops_at_the_size_limit() {
    let body = "let xs = [0] * 16777216\nlet ys = [0] * 16777215\nys.append(1)\nxs.append(1)\nreturn len(xs)";
    for (result, error) in on_every_path("int", body) {
        assert!(result.is_null());
        assert_eq!(error[1], "OverflowError");
    }
    // So does a string doubled by an f-string in an endless loop.
    let body = "let s = \"x\"\nwhile true {\n    s = f\"{s}{s}\"\n}\nreturn s";
    for (result, error) in on_every_path("str", body) {
        assert!(result.is_null());
        assert_eq!(error[1], "OverflowError");
    }
}

/// A value that contains itself crosses a task boundary as a copy with the same cycle, prints
/// with `...` where it meets itself (as Python's `[[...]]`), and comes out of `--json` as
/// well; a very deep chain prints without overflowing the stack. (Each of these used to recurse
/// without end and overflow the stack.)
#[test]
fn cyclic_and_deep_values_print_and_copy() {
    let src = format!(
        "{ENV}struct Node {{\n    v: int\n    next: Node?\n}}\n@e\ntask make() -> Node {{\n    let n = Node(v = 1, next = none)\n    n.next = n\n    return n\n}}\n@e\ntask main() -> list[str] {{\n    let n = make()\n    n.v = 2\n    let deep = Node(v = 0, next = none)\n    for i in range(5000) {{\n        deep = Node(v = i, next = deep)\n    }}\n    let s = str(deep)\n    return [str(n), s[0:30], str(len(s) > 1000)]\n}}\n@e\ntask cycle() -> Node {{\n    return make()\n}}\n"
    );
    let j = run(&src);
    assert_eq!(
        j["result"],
        json!([
            "Node(v = 2, next = ...)",
            "Node(v = 4999, next = Node(v =",
            "true"
        ]),
        "{j}"
    );
    let (j, outcome) = run_with(&src, SMALL, "cycle", vec![]);
    assert_eq!(j["result"], json!({"v": 1, "next": "..."}), "{j}");
    assert_eq!(
        outcome.result.expect("a cyclic result").repr(),
        "Node(v = 1, next = ...)"
    );
    // A linked list of 200,000 nodes is dropped without recursing node by node.
    let long = format!("{ENV}struct Node {{\n    v: int\n    next: Node?\n}}\n@e\ntask main() -> int {{\n    let head = Node(v = 0, next = none)\n    for i in range(200000) {{\n        head = Node(v = i, next = head)\n    }}\n    return head.v\n}}\n");
    assert_eq!(run(&long)["result"], json!(199999));
}

/// flyte-sdk serializes a task's inputs and outputs by their declared types: an int in a
/// float field arrives as a float. Found by the export's differential test (flyte-dsl kept
/// the int, so `str` of the result differed: `y = 2` against `y = 2.0`).
#[test]
fn ints_crossing_a_task_boundary_become_the_declared_floats() {
    let out = run(r#"
env e = TaskEnvironment(name = "e", resources = Resources(cpu = 1, memory = "1Gi"))
struct Point { x: int, y: float }
@e
task make(n: int) -> Point { return Point(x = n, y = n * 2) }
@e
task scale(p: Point, by: float, xs: list[float]) -> list[float] { return [p.y * by, by] + xs }
@e
task main() -> list[str] {
    let local = Point(x = 1, y = 2)
    let p = make(3)
    return [str(local), str(p), str(scale(local, 2, [1, 2])), str(p.y)]
}
"#);
    assert_eq!(
        out["result"],
        json!([
            "Point(x = 1, y = 2)",
            "Point(x = 3, y = 6.0)",
            "[4.0, 2.0, 1.0, 2.0]",
            "6.0"
        ])
    );
}

#[test]
fn negating_the_smallest_int_twice_overflows() {
    // The literal `-9223372036854775808` is i64::MIN; negating it again raises OverflowError
    // (once it gave i64::MIN back: the minus was folded into the literal twice).
    let src = format!("{ENV}@e\ntask main() -> list[str] {{\n    let out: list[str] = [str(-9223372036854775808)]\n    try {{ let x = -(-9223372036854775808)\n out.append(str(x)) }} except OverflowError {{ out.append(\"overflow\") }}\n    try {{ let y = - -9223372036854775808\n out.append(str(y)) }} except OverflowError {{ out.append(\"overflow\") }}\n    return out\n}}\n");
    assert_eq!(
        run(&src)["result"],
        json!(["-9223372036854775808", "overflow", "overflow"])
    );
}

/// Top-level `let` values and parameter defaults are lowered bodies the VM runs where they are
/// first needed: an error in one is raised there, with the statement that needed it on its
/// trace, and a value is computed once per run however often it is read.
#[test]
fn global_values_and_defaults_run_on_the_vm_where_first_needed() {
    let src = format!(
        "{ENV}let BAD = int(\"x\")\nlet (A, B) = (len(\"ab\"), [i * 2 for i in range(3)])\n\
         fn f(x: int = int(\"y\")) -> int {{\n    return x\n}}\n\
         fn g(n: int, xs: list[int] = B) -> int {{\n    xs.append(n)\n    return len(xs)\n}}\n\
         @e\ntask ok() -> list[int] {{\n    return [A, g(1), g(2), B[0], f(5)]\n}}\n\
         @e\ntask bad_let() -> int {{\n    let y = 1\n    return BAD + y\n}}\n\
         @e\ntask bad_default() -> int {{\n    return f()\n}}\n"
    );
    let (j, _) = run_with(&src, SMALL, "ok", vec![]);
    // `B` is one list for the run: both calls of `g` append to it.
    assert_eq!(j["result"], json!([2, 4, 5, 0, 5]), "{j}");
    for (task, at) in [
        ("bad_let", ["int(\"x\")", "return BAD + y"].as_slice()),
        ("bad_default", ["int(\"y\")", "return f()"].as_slice()),
    ] {
        let (j, outcome) = run_with(&src, SMALL, task, vec![]);
        assert_eq!(j["error"]["code"], "ValueError", "{task}: {j}");
        let err = outcome.result.expect_err("fails");
        let spans: Vec<&str> = err
            .trace
            .iter()
            .map(|p| &src[p.span.start as usize..p.span.end as usize])
            .collect();
        assert!(spans.ends_with(at), "{task}: {spans:?}");
    }
}

/// A parameter default that calls its own function (the checker allows it: the call is well
/// typed) recurses until the call-depth limit ends it with `E0702`; the tree walker this VM
/// replaced recursed without a limit until memory ran out.
#[test]
fn a_default_that_calls_its_own_function_meets_the_call_depth_limit() {
    let src = format!(
        "{ENV}fn f(x: int = f()) -> int {{\n    return x\n}}\n@e\ntask main() -> int {{\n    return f()\n}}\n"
    );
    let (j, _) = run_with(&src, SMALL, "main", vec![]);
    assert_eq!(j["error"]["code"], "E0702", "{j}");
}

#[test]
fn a_loop_over_a_list_sees_it_change_as_pythons_does() {
    // Python 3.11 gives [1, 2, 10, 20, 100] and [1, 2] / [1, 2] for the same loops.
    let src = format!("{ENV}@e\ntask main() -> list[list[int]] {{\n    let xs = [1, 2]\n    let seen: list[int] = []\n    for x in xs {{\n        seen.append(x)\n        if len(xs) < 5 {{ xs.append(x * 10) }}\n    }}\n    let ys = [1, 2, 3, 4]\n    let seen2: list[int] = []\n    for y in ys {{\n        seen2.append(y)\n        ys.pop()\n    }}\n    return [seen, xs, seen2, ys, [sum(xs), sum([y for y in ys])]]\n}}\n");
    assert_eq!(
        run(&src)["result"],
        json!([
            [1, 2, 10, 20, 100],
            [1, 2, 10, 20, 100],
            [1, 2],
            [1, 2],
            [133, 3]
        ])
    );
}
