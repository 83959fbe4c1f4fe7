//! Bodies that wait, on the VM: each halts where it waits and its fiber is resumed by the
//! event loop (`runtime/vm/fiber.rs`, `runtime/interp/effects.rs`). Virtual timings worked out
//! by hand.

use flyte_dsl::check::imports;
use flyte_dsl::runtime::{self, RunOptions};
use flyte_dsl::sim::Cluster;

/// One node of 4 CPUs, no cold start.
const CLUSTER: &str = "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 4\nmemory = \"64Gi\"\ncost_per_hour = 3.6\n";

const ENV: &str =
    "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1, memory = \"1Gi\"))\n";

fn run(src: &str) -> (serde_json::Value, runtime::RunOutcome) {
    let cluster = Cluster::from_toml_str(CLUSTER, "c.toml").unwrap();
    let mut map = flyte_dsl::diagnostics::SourceMap::new();
    let src = format!("{ENV}{src}");
    let compiled = flyte_dsl::frontend::compile(
        &mut map,
        flyte_dsl::frontend::Source::new("t.flyte", &src),
        &Default::default(),
        &imports::no_files,
        &cluster,
    );
    let Some(prog) = compiled.program else {
        panic!(
            "{}",
            flyte_dsl::diagnostics::render_all(&compiled.diagnostics, &map, false)
        )
    };
    let outcome = runtime::run(&prog, "main", Vec::new(), &cluster, RunOptions::default());
    (flyte_dsl::report::summary_json(&outcome), outcome)
}

fn logs(o: &runtime::RunOutcome) -> Vec<(i64, String)> {
    o.logs
        .iter()
        .map(|l| (l.at / 1_000_000_000, l.text.clone()))
        .collect()
}

#[test]
fn a_gather_runs_an_async_fn_inline_and_it_waits_in_turn() {
    // `gather` starts `leaf(1)`, then runs `slow()` inline where it stands: it sleeps 10 s,
    // awaits `leaf(2)` (10 s more) and then `inner()`, another async fn that sleeps 10 s;
    // `leaf(3)` starts only after that, at 30 s, and ends at 40 s.
    let src = "@e\nasync task leaf(i: int) -> int {\n    sleep(10s)\n    print(f\"leaf {i}\")\n    return i\n}\n\
        async fn inner() -> int {\n    sleep(10s)\n    return 20\n}\n\
        async fn slow() -> int {\n    sleep(10s)\n    let a = await leaf.aio(2)\n    let b = await inner()\n    print(\"slow\")\n    return a + b\n}\n\
        @e\nasync task main() -> int {\n    let r = await gather(leaf(1), slow(), leaf(3))\n    let (x, y, z) = r\n    return x + y + z\n}\n";
    let (j, o) = run(src);
    assert_eq!(j["status"], "succeeded", "{j}");
    assert_eq!(j["result"], 26);
    assert_eq!(j["makespan_s"], 40.0);
    assert_eq!(
        logs(&o),
        vec![
            (10, "leaf 1".to_string()),
            (20, "leaf 2".to_string()),
            (30, "slow".to_string()),
            (40, "leaf 3".to_string()),
        ]
    );
}

#[test]
fn a_gathers_values_keep_their_places_among_inline_ones() {
    // Values of async fns run inline sit between those of actions, each at its argument's
    // place, whichever ends first.
    let src = "@e\nasync task leaf(i: int) -> int {\n    sleep(1s)\n    return i\n}\n\
        async fn twice(n: int) -> int {\n    sleep(1s)\n    return 2 * n\n}\n\
        @e\nasync task main() -> tuple[int, int, int, int, int, int] {\n    return await gather(twice(5), leaf(1), leaf(2), twice(7), leaf(3), twice(9))\n}\n";
    let (j, _) = run(src);
    assert_eq!(j["status"], "succeeded", "{j}");
    assert_eq!(j["result"], serde_json::json!([10, 1, 2, 14, 3, 18]));
}

#[test]
fn an_awaited_async_fn_settles_its_future_with_its_error() {
    // The error comes out of the fn's frame, is caught around the `await`, and a second
    // `await` of the same future gives the same error without running the body again.
    let src = "async fn boom(n: int) -> int {\n    sleep(5s)\n    print(\"ran\")\n    raise ValueError(f\"boom {n}\")\n}\n\
        @e\nasync task main() -> str {\n    let f = boom(7)\n    let out = \"\"\n    try {\n        await f\n    } except ValueError as e {\n        out = f\"first: {e}\"\n    }\n    try {\n        await f\n    } except ValueError as e {\n        out = f\"{out}; again: {e}\"\n    }\n    return out\n}\n";
    let (j, o) = run(src);
    assert_eq!(j["status"], "succeeded", "{j}");
    assert_eq!(j["result"], "first: boom 7; again: boom 7");
    assert_eq!(logs(&o), vec![(5, "ran".to_string())]);
}

#[test]
fn deep_recursion_through_a_body_that_waits_stays_off_the_rust_stack() {
    // 190 frames deep (the limit is 200), each waiting a second on the way back, on a thread
    // with a small stack: the frames are the VM's, not Rust's.
    let src = "fn down(n: int) -> int {\n    if n == 0 { return 0 }\n    let r = down(n - 1)\n    sleep(1s)\n    return r + 1\n}\n\
        @e\ntask main() -> int {\n    return down(190)\n}\n";
    let j = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || run(src).0)
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(j["status"], "succeeded", "{j}");
    assert_eq!(j["result"], 190);
    assert_eq!(j["makespan_s"], 190.0);
}

#[test]
fn a_body_that_waits_only_through_plain_functions_halts_and_resumes() {
    // `main` waits only through two plain functions and a function value: the lowered
    // program knows each may wait, and the fiber resumes it after each sleep.
    let src = "fn nap() {\n    sleep(3s)\n}\nfn outer() -> int {\n    nap()\n    return 1\n}\n\
        fn pure(x: int) -> int {\n    return x * 2\n}\n\
        @e\ntask main() -> int {\n    let g = outer\n    return outer() + g() + pure(2)\n}\n";
    let (j, _) = run(src);
    assert_eq!(j["status"], "succeeded", "{j}");
    assert_eq!(j["result"], 6);
    assert_eq!(j["makespan_s"], 6.0);
}
