//! The differential test of issue 18: every runnable script under `tests/`, `examples/` and
//! `benches/compare/`, and the bodies of tests/support/bodies.rs, run on the VM, which must show
//! everything a run shows (result, error with type, code, message and trace, logs, actions and
//! virtual timings: `runtime::fingerprint`) exactly as the snapshots recorded it. The
//! snapshots were recorded from the tree walker the VM replaced, while both engines ran and
//! agreed; a change of behaviour shows as a snapshot diff.

mod support;

use flyte_dsl::check::{self, imports};
use flyte_dsl::diagnostics::SourceMap;
use flyte_dsl::runtime::{self, value::Value, Executable, Limits, RunOptions};
use flyte_dsl::sim::Cluster;
use std::path::{Path, PathBuf};

fn load(path: &Path, src: &str) -> Option<Executable> {
    let mut map = SourceMap::new();
    let root = imports::script_root(path);
    // Named relative to the repository, so that snapshots do not depend on where it is.
    let name = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .display()
        .to_string();
    let loaded = imports::load(
        &mut map,
        &name,
        src.as_bytes(),
        &imports::relative_files(&[root]),
    );
    let (checked, diags) = check::check_program(&loaded, &check::Options::default());
    if loaded.diags.iter().chain(&diags).any(|d| d.is_error()) {
        return None;
    }
    Some(Executable::new(loaded, checked))
}

fn run_on(
    prog: &Executable,
    task: &str,
    args: &[(&str, Value)],
    cluster: &Cluster,
) -> serde_json::Value {
    let limits = Limits {
        max_steps: Some(20_000_000),
        ..Limits::default()
    };
    let outcome = runtime::run(
        prog,
        task,
        args.iter().map(|(k, v)| ((*k).into(), v.clone())).collect(),
        cluster,
        RunOptions {
            seed: 7,
            limits,
            ..Default::default()
        },
    );
    fingerprint(&outcome)
}

/// What a run shows: `runtime::fingerprint` (the simulator's summary in full, every action's
/// timings included) and the summary `run --json` prints.
fn fingerprint(outcome: &runtime::RunOutcome) -> serde_json::Value {
    let mut j = runtime::fingerprint(outcome);
    j["summary"] = flyte_dsl::report::summary_json(outcome);
    j
}

/// `j` without the simulator's debug text, for snapshots (which should not change with it).
fn recorded(mut j: serde_json::Value) -> serde_json::Value {
    if let Some(o) = j.as_object_mut() {
        o.remove("sim");
    }
    j
}

/// Runs `task`; gives what a snapshot records.
fn agree(
    prog: &Executable,
    task: &str,
    args: &[(&str, Value)],
    cluster: &Cluster,
) -> serde_json::Value {
    recorded(run_on(prog, task, args, cluster))
}

fn scripts(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            scripts(&p, out);
        } else if p.extension().is_some_and(|x| x == "flyte") {
            out.push(p);
        }
    }
}

#[test]
fn every_script_runs_as_recorded() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for d in ["tests", "examples"] {
        scripts(&root.join(d), &mut files);
    }
    files.sort();
    let cluster = Cluster::default_cluster();
    let mut ran = 0;
    let mut seen = Vec::new();
    for path in &files {
        let Ok(src) = std::fs::read_to_string(path) else {
            continue;
        };
        let Some(prog) = load(path, &src) else {
            continue;
        };
        // Each task that needs no argument.
        let tasks: Vec<String> = prog
            .checked
            .tasks
            .iter()
            .filter(|(_, t)| t.params.iter().all(|p| p.has_default))
            .map(|(k, _)| k.to_string())
            .collect();
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        for t in tasks {
            let j = agree(&prog, &t, &[], &cluster);
            seen.push(serde_json::json!([rel, t, j]));
            ran += 1;
        }
    }
    assert!(ran >= 20, "only {ran} tasks ran");
    // The interpreter benchmarks, smaller.
    let bench = root.join("benches/compare");
    for (file, args) in [
        ("fib.flyte", vec![("n", Value::Int(15))]),
        ("loops.flyte", vec![("rounds", Value::Int(3))]),
        ("wide.flyte", vec![("n", Value::Int(50))]),
    ] {
        let path = bench.join(file);
        let src = std::fs::read_to_string(&path).expect("a benchmark");
        let prog = load(&path, &src).expect("a valid benchmark");
        let j = agree(&prog, "main", &args, &cluster);
        assert_eq!(j["summary"]["status"], "succeeded", "{file}: {j}");
        seen.push(serde_json::json!([file, "main", j]));
    }
    // What the runs showed, recorded: a change shows as a snapshot diff.
    insta::assert_snapshot!(
        "every_script",
        serde_json::to_string_pretty(&seen).expect("json")
    );
}

const ENV: &str =
    "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1, memory = \"1Gi\"))\n";
const SMALL: &str = "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 3\nmemory = \"64Gi\"\ncost_per_hour = 3.6\n";

/// More bodies, after tests/support's [`support::bodies::BODIES`] (which tests/run.rs runs
/// too), each run as a plain function's body, a task's body, and a task's body that sleeps
/// first (so it suspends).
const MORE_BODIES: &[(&str, &str)] = &[
    // More control flow through `finally` and `with`, and limits.
    ("list[int]", "let out: list[int] = []\nfor i in range(6) {\n    try {\n        if i == 1 { continue }\n        if i == 4 { break }\n        out.append(i)\n    } finally {\n        out.append(100 + i)\n    }\n}\nreturn out"),
    ("list[int]", "let out: list[int] = []\nwhile true {\n    try {\n        try {\n            out.append(1)\n            break\n        } finally {\n            out.append(2)\n        }\n    } finally {\n        out.append(3)\n    }\n}\nreturn out"),
    ("int", "try {\n    try {\n        return boom(1)\n    } finally {\n        let z = 0\n    }\n} except ValueError as e {\n    return 7\n}\nreturn 0"),
    ("int", "with group(\"g\") {\n    return add(1, 2)\n}"),
    ("int", "let (a, b) = [1, 2, 3]\nreturn a"),
    ("int", "return fact(500)"),
    ("list[str]", "let s = \"abcdef\"\nreturn [s[1:4], s[::2], s[-2:], s[:-1:3]]"),
    ("int", "let t = 0\nwhile t < 100000000 { t += 1 }\nreturn t"),
];

fn sources(ret: &str, body: &str) -> [String; 3] {
    let helpers = "struct P {\n    x: int\n    y: int\n}\n\
        fn add(a: int, b: int = 10) -> int {\n    return a + b\n}\n\
        fn noisy(log: list[str], s: str, b: bool) -> bool {\n    log.append(s)\n    return b\n}\n\
        fn fact(n: int) -> int {\n    if n <= 1 { return 1 }\n    return n * fact(n - 1)\n}\n\
        fn nothing(xs: list[int]) {\n    xs.append(1)\n}\n\
        fn boom(x: int) -> int {\n    if x > 0 { raise ValueError(f\"boom {x}\") }\n    return x\n}\n";
    [
        format!("{ENV}{helpers}fn f() -> {ret} {{\n{body}\n}}\n@e\ntask main() -> {ret} {{\n    return f()\n}}\n"),
        format!("{ENV}{helpers}@e\ntask main() -> {ret} {{\nsleep(1s)\n{body}\n}}\n"),
        format!("{ENV}{helpers}@e\ntask main() -> {ret} {{\n{body}\n}}\n"),
    ]
}

#[test]
fn function_bodies_run_as_recorded() {
    let cluster = Cluster::from_toml_str(SMALL, "c.toml").unwrap();
    let mut seen = Vec::new();
    for (ret, body) in support::bodies::BODIES.iter().chain(MORE_BODIES) {
        let runs: Vec<_> = sources(ret, body)
            .iter()
            .map(|src| {
                let prog =
                    load(Path::new("t.flyte"), src).unwrap_or_else(|| panic!("invalid:\n{src}"));
                agree(&prog, "main", &[], &cluster)
            })
            .collect();
        seen.push(serde_json::json!([body, runs]));
    }
    // What the runs showed, recorded: a change shows as a snapshot diff.
    insta::assert_snapshot!(
        "function_bodies",
        serde_json::to_string_pretty(&seen).expect("json")
    );
}

/// The comparison can fail: a program whose runs differ (a different seed gives `random()`
/// another value) is told apart by the fingerprint.
#[test]
fn the_comparison_can_fail() {
    let src = format!("{ENV}@e\ntask main() -> float {{\n    return random()\n}}\n");
    let prog = load(Path::new("t.flyte"), &src).expect("valid");
    let cluster = Cluster::from_toml_str(SMALL, "c.toml").unwrap();
    let a = run_on(&prog, "main", &[], &cluster);
    let outcome = runtime::run(
        &prog,
        "main",
        Vec::new(),
        &cluster,
        RunOptions {
            seed: 8,
            ..Default::default()
        },
    );
    assert_ne!(a, fingerprint(&outcome));
}

/// The VM's fast paths: the counted `for ... in range(...)` loop, `d.get(...)` read in place,
/// the store that reuses the entry a lookup found, `return a op b` in one instruction. Each
/// body as a plain function's, a task's and a task's that waits first; the results and errors
/// (code, message) are those the tree walker gave (it built `range`'s list, called `get` as a
/// method and returned what an operator gave), checked on both engines while both ran.
#[test]
fn the_vms_fast_paths_agree_with_the_walker() {
    let cluster = Cluster::from_toml_str(SMALL, "c.toml").unwrap();
    let cases: &[(&str, &str, &str)] = &[
        // Every shape of `range`: one, two, three arguments, negative steps, empty ranges,
        // `break` and `continue`, the loop variable after the loop, nested loops.
        ("list[int]", "let out: list[int] = []\nfor i in range(4) { out.append(i) }\nfor i in range(2, 11, 3) { out.append(i) }\nfor i in range(10, 0, -4) { out.append(i) }\nfor i in range(-3, -1) { out.append(i) }\nfor i in range(0) { out.append(99) }\nfor i in range(5, 1) { out.append(98) }\nreturn out", "[0,1,2,3,2,5,8,10,6,2,-3,-2]"),
        ("list[int]", "let out: list[int] = []\nlet i = 42\nfor i in range(10) {\n    if i == 2 { continue }\n    if i == 5 { break }\n    out.append(i)\n}\nout.append(i)\nlet n = 3\nfor a in range(n) { for b in range(a, n) { out.append(a * 10 + b) } }\nreturn out", "[0,1,3,4,42,0,1,2,11,12,22]"),
        ("list[int]", "let big = 9223372036854775807\nlet out: list[int] = []\nfor i in range(big - 2, big) { out.append(i - big) }\nfor i in range(-big - 1, -big + 1, 1) { out.append(i + big) }\nreturn out + [x * 2 for x in range(3)]", "[-2,-1,-1,0,0,2,4]"),
        // `range`'s errors: a zero step, a range too long.
        ("int", "let z = 0\nlet t = 0\nfor i in range(1, 5, z) { t += i }\nreturn t", "\"ValueError\": \"range() arg 3 must not be zero\""),
        ("int", "let t = 0\nfor i in range(100000000) { t += 1 }\nreturn t", "\"OverflowError\": \"result is too large\""),
        // `get` with and without a default, found and missing; int keys.
        ("list[int]", "let d = {\"a\": 1, \"b\": 2}\nlet k = \"b\"\nlet e = {7: 70}\nlet m = d.get(\"zz\")\nreturn [d.get(k, 0), d.get(\"a\"), d.get(\"c\", 5), e.get(7, 0), e.get(8, -1), 1 if m == none else 0]", "[2,1,5,70,-1,1]"),
        // The store after a lookup: the counting idiom, and a lookup in one dict followed by
        // a store into another whose entry at the same position has another key.
        ("dict[str, int]", "let counts: dict[str, int] = {}\nfor x in [3, 1, 3, 2, 3, 1] {\n    let k = f\"k{x}\"\n    counts[k] = counts.get(k, 0) + 1\n}\nreturn counts", "{\"k3\":3,\"k1\":2,\"k2\":1}"),
        ("list[int]", "let a = {\"x\": 1, \"y\": 2}\nlet b = {\"y\": 5, \"x\": 6}\nb[\"y\"] = a.get(\"y\", 0) * 100\nb[\"z\"] = a.get(\"x\", 0)\nlet c = {1: 10, 2: 20}\nlet v = c.get(2, 0)\nc[1] = v + 1\nreturn [b[\"x\"], b[\"y\"], b[\"z\"], len(b), c[1], c[2]]", "[6,200,1,3,21,20]"),
        // `return a op b` as one instruction: ints to a plain caller (`add`, `fact`) or out of
        // the entry frame, other values, and an overflow's error.
        ("int", "return add(2, 3) * add(1)", "55"),
        ("str", "let s = \"ab\"\nreturn s + \"c\"", "\"abc\""),
        ("list[int]", "return [add(1, 2), fact(5)] + [add(2)]", "[3,120,12]"),
        ("int", "return add(9223372036854775807, 1)", "\"OverflowError\": \"integer overflow\""),
    ];
    for (ret, body, want) in cases {
        for src in sources(ret, body) {
            let prog =
                load(Path::new("t.flyte"), &src).unwrap_or_else(|| panic!("invalid:\n{src}"));
            let j = agree(&prog, "main", &[], &cluster);
            let s = &j["summary"];
            let got = match s["status"].as_str() {
                Some("succeeded") => s["result"].to_string(),
                _ => format!("{}: {}", s["error"]["code"], s["error"]["message"]),
            };
            assert_eq!(&got, want, "{src}\n{j}");
            // An error's innermost trace point is the failing statement, as the walker had it:
            // the `for` whose `range` fails, or the helper's `return a + b` that overflows.
            if s["status"] != "succeeded" {
                let at = &j["trace"][0];
                let (start, end) = (at[1].as_u64().unwrap(), at[2].as_u64().unwrap());
                let text = &src[start as usize..end as usize];
                let first = body
                    .lines()
                    .find(|l| l.starts_with("for"))
                    .or(Some("return a + b"));
                assert_eq!(Some(text), first, "{src}\n{j}");
            }
        }
    }
}
