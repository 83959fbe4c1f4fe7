//! Agreement with flyte-sdk 2.12.1 where a differential test found flyte-dsl apart from it
//! (issue #16): each test states flyte-sdk's behaviour and checks flyte-dsl's, statically
//! (code and primary span) or by running the script.

use flyte_dsl::check::{self, imports};
use flyte_dsl::diagnostics::{Diagnostic, SourceMap};
use flyte_dsl::runtime::{self, value::Value, Program, RunOptions};
use flyte_dsl::sim::Cluster;
use serde_json::json;

const ENV: &str =
    "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1, memory = \"1Gi\"))\n";
const POOL: &str = "env pool = TaskEnvironment(name = \"pool\", resources = Resources(cpu = 1), reusable = ReusePolicy(replicas = 2, idle_ttl = 300))\n";

fn load(src: &str) -> (SourceMap, imports::Loaded, check::Checked, Vec<Diagnostic>) {
    let mut map = SourceMap::new();
    let loaded = imports::load(&mut map, "t.flyte", src.as_bytes(), &imports::no_files);
    let (checked, diags) = check::check_program(&loaded, &check::Options::default());
    let feasible = check::feasible::check(&checked, &Cluster::default_cluster());
    let all = loaded
        .diags
        .iter()
        .chain(&diags)
        .chain(&feasible)
        .cloned()
        .collect();
    (map, loaded, checked, all)
}

/// The errors of `src`: (code, line, column) of each primary span, 1-based.
fn errors(src: &str) -> Vec<(&'static str, usize, usize)> {
    let (map, _, _, diags) = load(src);
    diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let span = d.labels[0].span;
            let (line, col) = map.get(span.file).line_col(span.start);
            (d.code, line, col)
        })
        .collect()
}

/// Runs task `main` of `src` (which must check without errors) on the default cluster.
fn run(src: &str, args: Vec<(&str, Value)>) -> serde_json::Value {
    let (map, loaded, checked, diags) = load(src);
    let errs: Vec<Diagnostic> = diags.into_iter().filter(|d| d.is_error()).collect();
    assert!(
        errs.is_empty(),
        "{}",
        flyte_dsl::diagnostics::render_all(&errs, &map, false)
    );
    let prog = Program::new(loaded, checked);
    let args = args.into_iter().map(|(k, v)| (k.into(), v)).collect();
    let outcome = runtime::run(
        &prog,
        "main",
        args,
        &Cluster::default_cluster(),
        RunOptions {
            seed: 7,
            ..Default::default()
        },
    );
    flyte_dsl::report::summary_json(&outcome)
}

/// `t.override(...)` is a task value: `.aio(x)` on it runs with the override's settings, for a
/// sync task (the only legal form of an overridden sync task in async code) and an async one,
/// and so do a variable holding it and `map.aio` over it.
#[test]
fn an_override_is_a_task_value_with_aio() {
    let src = format!("{ENV}@e\ntask slow(x: int) -> int {{\n    sleep(1m)\n    return x + 1\n}}\n@e\nasync task aslow(x: int) -> int {{\n    sleep(1m)\n    return x + 2\n}}\n@e\nasync task main() -> str {{\n    let a = await slow.override(retries = 2).aio(1)\n    let b = await aslow.override(retries = 2).aio(1)\n    let out = \"\"\n    try {{\n        await slow.override(timeout = 10s).aio(1)\n    }} except TaskTimeoutError as err {{\n        out = err.code\n    }}\n    let short = aslow.override(timeout = 10s)\n    try {{\n        await short(1)\n    }} except TaskTimeoutError as err {{\n        out = out + \" \" + err.code\n    }}\n    let ys = await map.aio(slow.override(timeout = 10s), [1, 2], return_exceptions = true)\n    return f\"{{a}} {{b}} {{out}} {{len(ys)}} {{isinstance(ys[0], TaskTimeoutError)}}\"\n}}\n");
    let j = run(&src, vec![]);
    assert_eq!(
        j["result"], "2 3 MaxRuntimeExceededError MaxRuntimeExceededError 2 true",
        "{j}"
    );
}

/// flyte-sdk's override keeps the task's policy under `reusable = none` (`None or
/// self.reusable`), so the reuse rule still holds; only `"off"` lifts it.
#[test]
fn reusable_none_keeps_the_policy_and_its_rule() {
    let head = format!("{POOL}@pool\nasync task w() -> int {{\n    return 1\n}}\n@pool\nasync task main() -> int {{\n");
    let src = format!("{head}    return await w.override(reusable = none, resources = Resources(cpu = 2))()\n}}\n");
    assert_eq!(errors(&src), vec![("E0503", 8, 46)]);
    let src = format!(
        "{head}    return await w.override(reusable = none, env_vars = {{\"A\": \"1\"}})()\n}}\n"
    );
    assert_eq!(errors(&src), vec![("E0503", 8, 46)]);
    let src =
        format!("{head}    return await w.override(reusable = \"off\", secrets = [\"s\"])()\n}}\n");
    assert_eq!(errors(&src), vec![]);
    // A `reusable` computed at run time: the same rule when the call runs.
    let src = format!("{POOL}@pool\nasync task w() -> int {{\n    return 1\n}}\n@pool\nasync task main(off: bool) -> str {{\n    let r: str? = none\n    if off {{\n        r = \"off\"\n    }}\n    try {{\n        return str(await w.override(reusable = r, resources = Resources(cpu = 2))())\n    }} except ValueError as err {{\n        return err.message\n    }}\n}}\n");
    let j = run(&src, vec![("off", Value::Bool(false))]);
    assert_eq!(
        j["result"],
        "invalid override (E0503): cannot override `resources` while a reuse policy is in force",
        "{j}"
    );
    let j = run(&src, vec![("off", Value::Bool(true))]);
    assert_eq!(j["result"], "1", "{j}");
}

/// flyte-sdk's accelerator strings are an exact list: a count is required (but for
/// "AppleSilicon"), written without a sign or leading zero; `GPU(...)` needs its quantity;
/// "AppleSilicon" is a device, which the default cluster cannot schedule.
#[test]
fn accelerator_strings_are_flyte_sdk_s_exact_list() {
    let env = |gpu: &str| {
        format!("env g = TaskEnvironment(name = \"g\", resources = Resources(gpu = {gpu}))\n")
    };
    for bad in ["\"T4\"", "\"A100:01\"", "\"A100:+1\"", "\"L4 shared\""] {
        assert_eq!(errors(&env(bad)), vec![("E0305", 1, 65)], "{bad}");
    }
    assert_eq!(
        errors(&env("GPU(device = \"A100\")")),
        vec![("E0310", 1, 65)]
    );
    for ok in [
        "\"T4:1\"",
        "\"AppleSilicon\"",
        "\"AppleSilicon:1\"",
        "GPU(device = \"A100\", quantity = 1)",
    ] {
        assert_eq!(errors(&env(ok)), vec![], "{ok}");
    }
    let task = "@g\ntask t() -> int {\n    return 1\n}\n";
    assert_eq!(
        errors(&(env("\"AppleSilicon\"") + task)),
        vec![("E0309", 1, 49)]
    );
}

/// `Backoff`'s base and cap are `timedelta`s in flyte-sdk: plain ints are errors.
#[test]
fn backoff_takes_durations_only() {
    let src = |backoff: &str| {
        format!("{ENV}@e(retries = RetryStrategy(count = 2, backoff = {backoff}))\ntask t() -> int {{\n    return 1\n}}\n")
    };
    assert_eq!(errors(&src("Backoff(base = 10)")), vec![("E0505", 2, 64)]);
    assert_eq!(
        errors(&src("Backoff(base = 10s, factor = 2.0, cap = 60)")),
        vec![("E0505", 2, 89)]
    );
    assert_eq!(
        errors(&src("Backoff(base = 10s, factor = 2.0, cap = 1m)")),
        vec![]
    );
}

/// flyte-sdk cannot serialize a task whose image is "" ("Image has no base image URI").
#[test]
fn an_empty_image_is_an_error() {
    let src = "env e = TaskEnvironment(name = \"e\", image = \"\")\n";
    assert_eq!(errors(src), vec![("E0511", 1, 45)]);
    let src =
        "env e = TaskEnvironment(name = \"e\")\nenv f = e.clone_with(name = \"f\", image = \"\")\n";
    assert_eq!(errors(src), vec![("E0511", 2, 42)]);
}

/// Every error class of the language, most specific first.
const CLASSES: &[&str] = &[
    "MaxRuntimeExceededError",
    "MaxQueuedTimeExceededError",
    "DeadlineExceededError",
    "TaskTimeoutError",
    "OOMError",
    "RetriesExhaustedError",
    "TaskInterruptedError",
    "NonRecoverableError",
    "ImagePullBackOffError",
    "InvalidImageNameError",
    "RuntimeDataValidationError",
    "ActionAbortedError",
    "CustomError",
    "RuntimeUserError",
    "DeadlockError",
    "UnschedulableError",
    "PreemptedError",
    "RuntimeSystemError",
    "RuntimeUnknownError",
    "InitializationError",
    "ValueError",
    "TypeError",
    "KeyError",
    "IndexError",
    "ZeroDivisionError",
    "OverflowError",
];

/// A child raising each error class; what its parent catches, as (class, code), is what
/// flyte-sdk's `convert_error_to_native` gives back (run with flyte-sdk 2.12.1 in local mode):
/// the class itself only for OOM, the timeouts, retries exhausted, interrupted and the two image
/// errors; system and unknown errors as their base class; every other error a plain
/// `RuntimeUserError` whose code names the original class.
#[test]
fn errors_crossing_a_task_boundary_are_rebuilt_as_flyte_sdk_does() {
    let raised = ["PreemptedError", "DeadlockError", "UnschedulableError"];
    let kinds: Vec<&str> = CLASSES
        .iter()
        .copied()
        .filter(|k| !raised.contains(k))
        .collect();
    let mut src = format!("{ENV}fn class_of(err: Error) -> str {{\n");
    for c in CLASSES {
        src += &format!("    if isinstance(err, {c}) {{\n        return \"{c}\"\n    }}\n");
    }
    src += "    return \"Error\"\n}\n@e\nasync task child(k: str) -> int {\n";
    for k in &kinds {
        src += &format!("    if k == \"{k}\" {{\n        raise {k}(\"m\")\n    }}\n");
    }
    src += "    return 0\n}\n@e\nasync task main(kinds: list[str]) -> list[str] {\n    let out: list[str] = []\n    for k in kinds {\n        try {\n            await child(k)\n        } except Error as err {\n            out.append(f\"{class_of(err)} {err.code}\")\n        }\n    }\n    return out\n}\n";
    let j = run(
        &src,
        vec![(
            "kinds",
            Value::list(kinds.iter().map(|k| Value::str(k)).collect()),
        )],
    );
    let kept = [
        "MaxRuntimeExceededError",
        "MaxQueuedTimeExceededError",
        "DeadlineExceededError",
        "TaskTimeoutError",
        "OOMError",
        "RetriesExhaustedError",
        "TaskInterruptedError",
        "ImagePullBackOffError",
        "InvalidImageNameError",
        "RuntimeSystemError",
        "RuntimeUnknownError",
    ];
    let want: Vec<String> = kinds
        .iter()
        .map(|k| match *k {
            k if kept.contains(&k) => format!("{k} {k}"),
            "RuntimeDataValidationError" => "RuntimeUserError DataValidationError".into(),
            k => format!("RuntimeUserError {k}"),
        })
        .collect();
    assert_eq!(j["result"], json!(want), "{j}");
}

/// flyte-sdk fails every item of a blocking `flyte.map` inside async code ("Deadlock
/// detected"): the checker rejects it as it rejects a blocking sync task call there.
#[test]
fn blocking_map_in_async_code_is_e0212() {
    let head = format!("{ENV}@e\ntask sq(x: int) -> int {{\n    return x * x\n}}\n");
    let src =
        format!("{head}@e\nasync task main() -> list[int] {{\n    return map(sq, [1, 2])\n}}\n");
    assert_eq!(errors(&src), vec![("E0212", 8, 12)]);
    let src = format!("{head}async fn f() -> list[int] {{\n    return map(sq, [1, 2])\n}}\n");
    assert_eq!(errors(&src), vec![("E0212", 7, 12)]);
    let src = format!(
        "{head}@e\nasync task main() -> list[int] {{\n    return await map.aio(sq, [1, 2])\n}}\n"
    );
    assert_eq!(errors(&src), vec![]);
    let src = format!("{head}@e\ntask main() -> list[int] {{\n    return map(sq, [1, 2])\n}}\n");
    assert_eq!(errors(&src), vec![]);
}

/// `sorted(xs, reverse = true)` as documented (it was E0209 "takes 1 argument, 2 given");
/// `reverse` is keyword-only and a bool, as in Python.
#[test]
fn sorted_takes_reverse_by_keyword() {
    let src = |call: &str| format!("{ENV}@e\ntask main() -> list[int] {{\n    return {call}\n}}\n");
    assert_eq!(errors(&src("sorted([2, 3, 1], reverse = true)")), vec![]);
    let j = run(&src("sorted([2, 3, 1], reverse = true)"), vec![]);
    assert_eq!(j["result"], json!([3, 2, 1]), "{j}");
    assert_eq!(
        errors(&src("sorted([2, 1], revers = true)")),
        vec![("E0209", 4, 27)]
    );
    assert_eq!(
        errors(&src("sorted([2, 1], reverse = 1)")),
        vec![("E0206", 4, 37)]
    );
    assert_eq!(errors(&src("sorted([2, 1], true)")), vec![("E0209", 4, 12)]);
    assert_eq!(
        errors(&src("reversed([2, 1], reverse = true)")),
        vec![("E0209", 4, 29)]
    );
}

/// flyte-sdk's `override(resources=None, env_vars=None, secrets=None, ...)` keeps the task's
/// own settings and breaks no reuse rule; flyte-dsl rejected `none` there (E0510) and failed
/// at run time. Found by the fidelity generator's open list.
#[test]
fn none_in_an_override_keeps_the_tasks_setting() {
    let head = format!("{POOL}@pool\nasync task w() -> int {{\n    return 1\n}}\n@pool\nasync task main() -> int {{\n");
    let src = format!(
        "{head}    return await w.override(resources = none, env_vars = none, secrets = none, cache = none, timeout = none)()\n}}\n"
    );
    assert_eq!(errors(&src), vec![]);
    let j = run(&src, vec![]);
    assert_eq!(j["result"], 1, "{j}");
}
