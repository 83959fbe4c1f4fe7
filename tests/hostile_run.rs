//! Hostile run-time input (issue 17, "no crash, no blow-up"): each script or cluster built
//! here gets a clear error with its code, never a panic, a hang or a memory blow-up.

mod support;

use flyte_dsl::runtime::{self, value::ErrorValue, Executable, Limits, RunOptions};
use flyte_dsl::sim::Cluster;

const ENV: &str =
    "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1, memory = \"1Gi\"))\n";

/// One big node, no cold start: thousands of 1-CPU actions fit at once.
const BIG: &str = "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 100000\nmemory = \"100000Gi\"\ncost_per_hour = 1.0\n";

fn program(src: &str) -> Executable {
    support::program(src)
}

fn run_limits(src: &str, cluster: &str, limits: Limits) -> runtime::RunOutcome {
    let prog = program(src);
    let cluster = Cluster::from_toml_str(cluster, "c.toml").unwrap();
    runtime::run(
        &prog,
        "main",
        Vec::new(),
        &cluster,
        RunOptions {
            limits,
            ..Default::default()
        },
    )
}

fn run(src: &str) -> runtime::RunOutcome {
    run_limits(src, BIG, Limits::default())
}

fn error(out: &runtime::RunOutcome) -> &ErrorValue {
    match &out.result {
        Ok(v) => panic!("the run succeeded with {v:?}"),
        Err(e) => e,
    }
}

/// A chain of `n` nested task calls whose innermost one raises.
fn chain(n: usize) -> String {
    format!(
        "{ENV}@e\ntask down(n: int) -> int {{\n    if n == 0 {{\n        raise ValueError(\"bottom\")\n    }}\n    return down(n - 1)\n}}\n@e\ntask main() -> int {{\n    return down({n})\n}}\n"
    )
}

#[test]
fn an_error_at_the_bottom_of_a_deep_chain_keeps_a_bounded_trace() {
    let out = run(&chain(2_000));
    let e = error(&out);
    assert_eq!(e.code, "ValueError");
    assert_eq!(e.message, "bottom");
    // Each of the 2,001 actions holds its error: with the whole trace each, memory grows as
    // the square of the depth. The trace keeps its innermost and outermost frames only.
    let kept = e.trace.len();
    assert!(kept <= 2 * runtime::value::TRACE_KEPT, "{kept} frames kept");
    assert_eq!(kept + e.trace.omitted(), 2_002, "{kept} kept");
    let d = e.to_diagnostic();
    let help = d.help.unwrap_or_default();
    assert!(help.starts_with("1938 more frames"), "{help}");
}

fn pool(name: &str, count: u64) -> String {
    format!("[[pool]]\nname = \"{name}\"\ncount = {count}\ncpu = 4\nmemory = \"16Gi\"\n")
}

#[test]
fn a_pool_of_four_billion_nodes_is_refused_at_load() {
    for count in [4_294_967_295u64, 10_000_000, 100_001] {
        let e = Cluster::from_toml_str(&pool("huge", count), "c.toml").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "c.toml:3: key `count`: pool `huge` has {count} nodes; a cluster has at most 100000"
            )
        );
    }
    assert!(Cluster::from_toml_str(&pool("huge", 100_000), "c.toml").is_ok());
}

#[test]
fn pools_of_more_nodes_than_the_bound_together_are_refused_at_load() {
    let text = format!("{}{}", pool("a", 60_000), pool("b", 60_000));
    let e = Cluster::from_toml_str(&text, "c.toml").unwrap_err();
    assert_eq!(
        e.to_string(),
        "c.toml:8: key `count`: the pools have 120000 nodes in all; a cluster has at most 100000"
    );
}

#[test]
fn four_billion_system_retries_are_refused_at_load() {
    for n in ["4294967295", "101", "-1"] {
        let text = format!(
            "preemption_rate = 1000.0\nsystem_retries = {n}\n{}",
            pool("spot", 1)
        );
        let e = Cluster::from_toml_str(&text, "c.toml").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("c.toml:2: key `system_retries`: expected an int from 0 to 100, found {n}")
        );
    }
    let text = format!("system_retries = 100\n{}", pool("spot", 1));
    assert_eq!(
        Cluster::from_toml_str(&text, "c.toml")
            .unwrap()
            .system_retries,
        100
    );
}

/// `body` as the body of `main`, with `k = -5` computed at run time (no constant for the
/// checker to see), and a task `leaf` for `map`.
fn negative(body: &str) -> String {
    format!("{ENV}@e\ntask leaf(i: int) -> int {{\n    return i\n}}\n@e\ntask main() -> int {{\n    let k = len([1, 2]) - 7\n    {body}\n    return 0\n}}\n")
}

#[test]
fn negative_durations_computed_at_run_time_raise_value_error() {
    for (call, message) in [
        (
            "sleep(k * 1s)",
            "sleep() takes a duration of at least 0s, not -5s",
        ),
        (
            "compute(k * 1h)",
            "compute() takes a duration of at least 0s, not -5h",
        ),
    ] {
        let out = run(&negative(call));
        let e = error(&out);
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("ValueError", message)
        );
    }
}

#[test]
fn a_negative_map_concurrency_computed_at_run_time_raises_value_error() {
    let out = run(&negative(
        "let xs = map(leaf, [1, 2, 3], concurrency = k + 2)",
    ));
    let e = error(&out);
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "ValueError",
            "map() takes a concurrency of at least 0 (0: no bound), not -3"
        )
    );
}

/// Counts the bytes a run holds, as the `flyte-dsl` binary does, for `max_memory`.
#[global_allocator]
static ALLOC: flyte_dsl::runtime::memory::CountingAlloc = flyte_dsl::runtime::memory::CountingAlloc;

/// `main` keeps `n` distinct strings of `size` bytes alive.
fn hoard(n: usize, size: usize) -> String {
    format!("{ENV}@e\ntask main() -> int {{\n    let chunk = \"x\" * {size}\n    let kept = []\n    for i in range({n}) {{\n        kept.append(chunk + str(i))\n    }}\n    return len(kept)\n}}\n")
}

#[test]
fn a_thousand_big_strings_stop_at_the_memory_limit() {
    assert!(flyte_dsl::runtime::memory::counting());
    let limits = Limits {
        max_memory: Some(64 << 20),
        ..Default::default()
    };
    // 1,000 strings of 1 MB: 1 GB held; the limit stops the run near 64 MiB.
    let out = run_limits(&hoard(1_000, 1_000_000), BIG, limits.clone());
    let e = error(&out);
    assert_eq!(
        (e.kind.as_str(), e.code.as_str()),
        ("LimitExceededError", "E0707")
    );
    assert!(
        e.message.contains("past its limit of 64.0 MiB"),
        "{}",
        e.message
    );
    // The same strings made and dropped one at a time stay within it.
    let src = format!("{ENV}@e\ntask main() -> int {{\n    let chunk = \"x\" * 1000000\n    let total = 0\n    for i in range(1000) {{\n        total += len(chunk + str(i))\n    }}\n    return total\n}}\n");
    assert!(run_limits(&src, BIG, limits).result.is_ok());
}

#[test]
fn the_default_memory_limit_is_one_gib() {
    assert_eq!(Limits::default().max_memory, Some(1 << 30));
    assert_eq!(runtime::DEFAULT_MAX_MEMORY, 1 << 30);
}

/// `main` builds `xs`, a list of 10,000 ints (and `ss`, of strings), then runs `expr` 100
/// times: about 20,000 steps of setup, and 100 times the work of `expr`.
fn repeat(expr: &str) -> String {
    format!("{ENV}@e\ntask main() -> int {{\n    let xs = [i for i in range(10000)]\n    let ss = [\"abcdefgh\" for i in range(10000)]\n    let n = 0\n    for i in range(100) {{\n        let r = {expr}\n        n += 1\n    }}\n    return n\n}}\n")
}

#[test]
fn builtins_and_operators_over_big_lists_count_steps_for_their_work() {
    let limits = Limits {
        max_steps: Some(500_000),
        ..Default::default()
    };
    // The loop alone is a few hundred steps: it runs within the limit.
    assert!(run_limits(&repeat("i + 1"), BIG, limits.clone())
        .result
        .is_ok());
    // Each of these reads or builds 10,000 items, 100 times: a million steps and more.
    for expr in [
        "sorted(xs)",
        "sum(xs)",
        "max(xs)",
        "-1 in xs",
        "xs + xs",
        "xs * 2",
        "\",\".join(ss)",
        "xs.index(9999)",
        "xs.copy()",
        "str(xs)",
        "len(\"x\" * 160000)",
    ] {
        let out = run_limits(&repeat(expr), BIG, limits.clone());
        match &out.result {
            Err(e) => assert_eq!(e.code, "E0701", "{expr}: {e:?}"),
            Ok(v) => panic!("{expr}: the run succeeded with {v:?} without passing its step limit"),
        }
    }
}

#[test]
fn appending_to_a_big_list_costs_one_step() {
    // `append` does not scan its list: 10,000 appends to a growing list stay linear.
    let src = format!("{ENV}@e\ntask main() -> int {{\n    let xs = []\n    for i in range(10000) {{\n        xs.append(i)\n    }}\n    return len(xs)\n}}\n");
    let limits = Limits {
        max_steps: Some(100_000),
        ..Default::default()
    };
    assert!(run_limits(&src, BIG, limits).result.is_ok());
}

#[test]
fn an_endless_loop_around_a_zero_sleep_stops_at_the_wall_time_limit() {
    let src = format!("{ENV}@e\ntask main() -> int {{\n    let n = 0\n    while true {{\n        n += 1\n        sleep(0s)\n    }}\n    return n\n}}\n");
    let limits = Limits {
        max_steps: None,
        max_wall_time: Some(std::time::Duration::from_millis(200)),
        ..Default::default()
    };
    let t = std::time::Instant::now();
    let out = run_limits(&src, BIG, limits);
    assert_eq!(error(&out).code, "E0704");
    assert!(
        t.elapsed() < std::time::Duration::from_secs(3),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn the_cli_stops_a_run_at_its_wall_time_limit() {
    let dir = std::env::temp_dir().join(format!("hostile-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("spin.flyte");
    std::fs::write(
        &file,
        format!("{ENV}@e\ntask main() -> int {{\n    let n = 0\n    while true {{\n        n += 1\n        sleep(0s)\n    }}\n    return n\n}}\n"),
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_flyte-dsl");
    let t = std::time::Instant::now();
    let out = std::process::Command::new(bin)
        .args(["run", "--no-cache-store", "--max-wall-time", "0.3"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("E0704"), "{stderr}");
    assert!(
        t.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        t.elapsed()
    );
    // The default is a minute; a bad value is refused.
    let help = std::process::Command::new(bin)
        .args(["run", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("[default: 60]"), "{help}");
    assert!(help.contains("[default: 1Gi]"), "{help}");
    let bad = std::process::Command::new(bin)
        .args(["run", "--max-wall-time", "-1"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
