//! Simulation scale through the whole interpreter: a root gathering N leaf tasks that each
//! `sleep(1s)` and request one CPU, on 100 nodes x 16 CPUs (1,600 slots), no cold start.
//!
//! Run with `cargo bench --bench run [-- N...]`. Prints wall time, actions per second, the
//! makespan (625 s for a million) and peak RSS.

use flyte_dsl::diagnostics::SourceMap;
use flyte_dsl::frontend;
use flyte_dsl::runtime::{self, RunOptions};
use flyte_dsl::sim::Cluster;
use std::time::Instant;

const SCRIPT: &str = r#"
env driver = TaskEnvironment(name = "driver")
env leaves = TaskEnvironment(name = "leaves", resources = Resources(cpu = 1, memory = "1Gi"))

@leaves
async task leaf(i: int) -> int {
    sleep(1s)
    return i
}

@driver
async task main(n: int) -> int {
    let results = await gather(*[leaf(i) for i in range(n)])
    return len(results)
}
"#;

fn cluster() -> Cluster {
    Cluster::from_toml_str(
        "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 100\ncpu = 16\nmemory = \"64Gi\"\ncost_per_hour = 0.8\n",
        "bench.toml",
    )
    .unwrap()
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn main() {
    let ns: Vec<i64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let ns = if ns.is_empty() {
        vec![10_000, 100_000, 1_000_000]
    } else {
        ns
    };
    let mut map = SourceMap::new();
    let prog = frontend::compile(
        &mut map,
        frontend::Source::new("bench.flyte", SCRIPT),
        &frontend::Options::default(),
        &flyte_dsl::check::imports::no_files,
        &Cluster::default_cluster(),
    )
    .program
    .expect("the bench script checks");
    let cluster = cluster();
    for n in ns {
        let start = Instant::now();
        let out = runtime::run(
            &prog,
            "main",
            vec![("n".into(), runtime::value::Value::Int(n))],
            &cluster,
            RunOptions::default(),
        );
        let secs = start.elapsed().as_secs_f64();
        let result = out
            .result
            .as_ref()
            .map(|v| v.repr())
            .unwrap_or_else(|e| e.message.clone());
        println!(
            "N = {n:>9}: {:>8.3} s wall, {:>10.0} actions/s, makespan {} s, result {result}, peak RSS {:.0} MiB",
            secs,
            (n + 1) as f64 / secs,
            out.summary.makespan as f64 / 1e9,
            peak_rss_mb()
        );
    }
    // The cache store and the reports at 100,000 actions.
    let n = 100_000;
    let args = || vec![("n".into(), runtime::value::Value::Int(n))];
    let best = |f: &dyn Fn() -> runtime::RunOutcome| -> (f64, runtime::RunOutcome) {
        let mut best = (f64::MAX, None);
        for _ in 0..3 {
            let t = Instant::now();
            let o = f();
            let s = t.elapsed().as_secs_f64();
            if s < best.0 {
                best = (s, Some(o));
            }
        }
        (best.0, best.1.unwrap())
    };
    let (plain, _) = best(&|| runtime::run(&prog, "main", args(), &cluster, RunOptions::default()));
    let dir = std::env::temp_dir().join(format!("flyte-bench-cache-{}", std::process::id()));
    let (cache, _) = flyte_dsl::cache::Cache::open(&dir.join("cache.db"));
    let (with_store, out) = best(&|| {
        let opts = RunOptions {
            cache: Some(&cache),
            ..Default::default()
        };
        runtime::run(&prog, "main", args(), &cluster, opts)
    });
    println!(
        "N = 100000 with a SQLite cache store: {with_store:.3} s vs {plain:.3} s without ({:+.1}%)",
        (with_store / plain - 1.0) * 100.0
    );
    let t = Instant::now();
    let record = flyte_dsl::report::Record::of(&out);
    let trace = flyte_dsl::report::trace::trace_text(&record);
    let trace_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let html =
        flyte_dsl::report::html::report(&record, &flyte_dsl::report::summary_json(&out), "bench");
    let html_s = t.elapsed().as_secs_f64();
    println!(
        "N = 100000 reports: trace {trace_s:.3} s ({:.0} MB), HTML report {html_s:.3} s ({:.1} MB)",
        trace.len() as f64 / 1e6,
        html.len() as f64 / 1e6
    );
    let _ = std::fs::remove_dir_all(&dir);
}
