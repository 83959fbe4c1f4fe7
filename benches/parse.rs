//! The front end on generated scripts of 1,000 environments and 10,000 tasks: the issue's
//! size (about 100,000 lines: half the tasks have a 12-line body, the rest a one-line body)
//! and a heavier one where every task has the long body (about 146,000 lines). Prints parse
//! throughput, and parse + check time, for each.
//!
//! Run with `cargo bench --bench parse`. Prints the best of several runs.

use flyte_dsl::diagnostics::FileId;
use std::time::Instant;

/// A script of environments (some via clone_with) and decorated async tasks. Task `t` has the
/// long body (loops, comprehensions, f-strings, calls) when `long(t)`, else a one-line body.
pub fn generate(envs: usize, tasks: usize, long: impl Fn(usize) -> bool) -> String {
    let mut s = String::new();
    s.push_str("let BASE_RES = Resources(cpu = 2, memory = \"4Gi\")\n\n");
    for e in 0..envs {
        if e % 2 == 0 {
            s.push_str(&format!(
                "env e{e} = TaskEnvironment(\n    name = \"env-{e}\",\n    image = \"ghcr.io/acme/img:{e}\",\n    resources = Resources(cpu = ({c}, {d}), memory = (\"{c}Gi\", \"{d}Gi\")),\n    env_vars = {{\"STAGE\": \"prod\", \"INDEX\": \"{e}\"}},\n    cache = \"auto\",\n)\n\n",
                c = 1 + e % 4,
                d = 2 + e % 4
            ));
        } else {
            s.push_str(&format!(
                "env e{e} = e{p}.clone_with(\n    name = \"env-{e}\",\n    reusable = ReusePolicy(replicas = (1, 4), concurrency = 2, idle_ttl = 60s),\n)\n\n",
                p = e - 1
            ));
        }
    }
    for t in 0..tasks {
        let e = t % envs;
        if !long(t) {
            s.push_str(&format!(
                "@e{e}\nasync task t{t}(x: int) -> int {{\n    return x * 2 + {t}\n}}\n\n"
            ));
            continue;
        }
        s.push_str(&format!(
            "@e{e}(retries = 2, timeout = 10m)\nasync task t{t}(x: int, ys: list[int] = [1, 2, 3]) -> int {{\n    let total = 0\n    for (i, y) in enumerate(ys) {{\n        if y > x {{\n            total += y * i\n        }} else {{\n            total -= 1\n        }}\n    }}\n    let parts = [f\"{{y}}-{{x}}\" for y in ys if y % 2 == 0]\n    return total + len(parts)\n}}\n\n",
        ));
    }
    s
}

fn main() {
    bench("issue's size", &generate(1_000, 10_000, |t| t % 2 == 0));
    bench("every task long", &generate(1_000, 10_000, |_| true));
}

fn bench(what: &str, src: &str) {
    let lines = src.lines().count();
    let mb = src.len() as f64 / 1e6;
    let mut best_parse = f64::MAX;
    let mut best_check = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let parsed = flyte_dsl::syntax::parse(src, FileId(0));
        let parse_secs = start.elapsed().as_secs_f64();
        assert!(parsed.errors.is_empty(), "{:?}", &parsed.errors[..1]);
        assert_eq!(parsed.module.items.len(), 1 + 1_000 + 10_000);
        best_parse = best_parse.min(parse_secs);
        let start = Instant::now();
        let mut map = flyte_dsl::diagnostics::SourceMap::new();
        let diags = flyte_dsl::check_source(&mut map, "gen.flyte", src.as_bytes());
        let check_secs = start.elapsed().as_secs_f64();
        assert!(diags.is_empty(), "{:?}", &diags[..1]);
        best_check = best_check.min(check_secs);
    }
    println!(
        "parse ({what}): {lines} lines, {mb:.1} MB in {:.1} ms: {:.0} lines/s, {:.1} MB/s",
        best_parse * 1e3,
        lines as f64 / best_parse,
        mb / best_parse
    );
    println!(
        "parse + check ({what}): {lines} lines, 1,000 environments, 10,000 tasks: {:.1} ms",
        best_check * 1e3
    );
}
