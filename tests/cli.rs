//! The command line: exit statuses, `check --json` exactly as INTERFACES.md says, and output
//! streams.

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_flyte-dsl"));
    c.env_remove("NO_COLOR");
    c
}

fn temp(name: &str, text: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flyte-dsl-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

#[test]
fn check_of_valid_examples_exits_0_and_is_quiet() {
    let out = run(&[
        "check",
        "examples/quickstart.flyte",
        "examples/gather.flyte",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn check_with_errors_exits_1_and_renders_to_stderr_without_colour() {
    let path = temp("bad.flyte", b"let a = (1\nlet b = $\n");
    let out = run(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("[E0102] Error: unclosed `(`"), "{err}");
    assert!(
        err.contains("[E0108] Error: invalid character `$`"),
        "{err}"
    );
    assert!(err.contains("2 errors, 0 warnings in 1 file"));
    assert!(
        !err.contains('\u{1b}'),
        "no ANSI colour when stderr is not a terminal"
    );
}

#[test]
fn check_json_has_exactly_the_specified_fields() {
    let path = temp(
        "json.flyte",
        b"env e = TaskEnvironment(name = \"e\")\nlet x = [1, 2\n",
    );
    let out = run(&["check", "--json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(v.as_object().unwrap().len(), 1);
    assert_eq!(diags.len(), 1);
    let d = diags[0].as_object().unwrap();
    let mut keys: Vec<_> = d.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "code",
            "column",
            "end_column",
            "end_line",
            "file",
            "help",
            "labels",
            "line",
            "message",
            "severity"
        ]
    );
    assert_eq!(d["code"], "E0102");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], path.to_str().unwrap());
    // Parsing stopped at the end of the file (line 3, column 1); the `[` is at 2:9.
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(3), Some(1))
    );
    let labels = d["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 2);
    assert_eq!(labels[1]["line"], 2);
    assert_eq!(labels[1]["column"], 9);
    assert_eq!(labels[1]["end_column"], 10);
    assert_eq!(labels[1]["message"], "this `[` is never closed");
    assert!(d["help"].is_string());
}

/// `check --format sarif` is a SARIF 2.1.0 log: a rule per code with its explain text, a
/// result per diagnostic at its primary label, the other labels as related locations.
#[test]
fn check_sarif_is_a_sarif_2_1_0_log() {
    let path = temp(
        "sarif.flyte",
        "env e = TaskEnvironment(name = \"e\", resources = Resources(gpu = \"A10O:1\"))\n@e\ntask main() -> int {\n    let s = 1\n    return \"éé\"\n}\n".as_bytes(),
    );
    let out = run(&["check", "--format", "sarif", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run0 = &v["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "flyte-dsl");
    assert_eq!(run0["columnKind"], "unicodeCodePoints");
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run0["results"].as_array().unwrap();
    let codes: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"E0206"), "{codes:?}");
    for r in results {
        let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], r["ruleId"]);
        assert!(rule["shortDescription"]["text"].is_string());
        assert!(rule["help"]["text"].as_str().unwrap().contains("Wrong:"));
        assert!(["error", "warning"].contains(&r["level"].as_str().unwrap()));
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("sarif.flyte"));
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
    }
    // The mismatched return, at line 5, columns as `check --json` counts them.
    let ret = results.iter().find(|r| r["ruleId"] == "E0206").unwrap();
    let json = run(&["check", "--json", path.to_str().unwrap()]);
    let j: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let d = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "E0206")
        .unwrap();
    let region = &ret["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], d["line"]);
    assert_eq!(region["startColumn"], d["column"]);
    assert_eq!(region["endColumn"], d["end_column"]);
    // A clean file: a log with no results, exit 0.
    let clean = run(&["check", "--format", "sarif", "examples/quickstart.flyte"]);
    assert_eq!(clean.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&clean.stdout).unwrap();
    assert_eq!(v["runs"][0]["results"], serde_json::json!([]));
}

/// `check --format github` prints one workflow command per diagnostic, escaped as the runner
/// reads it back.
#[test]
fn check_github_prints_workflow_annotations() {
    let path = temp(
        "gh.flyte",
        b"env e = TaskEnvironment(name = \"e\")\n@e\ntask main() -> int {\n    return \"50%, done\"\n}\n",
    );
    let out = run(&["check", "--format", "github", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("title=E0206"))
        .expect(&text);
    assert!(line.starts_with("::error file="), "{line}");
    assert!(
        line.contains(",line=4,col=12,endLine=4,endColumn=23,title=E0206::"),
        "{line}"
    );
    assert!(!line.contains('\n'));
    assert!(out.stderr.is_empty());
    // --json and --format are one choice.
    let both = run(&[
        "check",
        "--json",
        "--format",
        "github",
        path.to_str().unwrap(),
    ]);
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn check_json_of_a_clean_file_is_an_empty_list() {
    let out = run(&["check", "--json", "examples/quickstart.flyte"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v, serde_json::json!({"diagnostics": []}));
}

#[test]
fn check_reports_every_file() {
    let a = temp("a.flyte", b"let a = )\n");
    let b = temp("b.flyte", b"let b = 10min\n");
    let out = run(&["check", "--json", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<_> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(codes.len(), 2);
    assert!(codes[0].0.ends_with("a.flyte") && codes[0].1 == "E0103");
    assert!(codes[1].0.ends_with("b.flyte") && codes[1].1 == "E0109");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        run(&["check", "/no/such/file.flyte"]).status.code(),
        Some(2)
    );
    assert_eq!(run(&["check"]).status.code(), Some(2));
    assert_eq!(run(&["check", "--bogus", "x.flyte"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(run(&[]).status.code(), Some(2));
}

#[test]
fn help_and_version_exit_0() {
    assert_eq!(run(&["--help"]).status.code(), Some(0));
    assert_eq!(run(&["--version"]).status.code(), Some(0));
}

#[test]
fn run_prints_the_result_and_a_summary() {
    let out = run(&["run", "examples/quickstart.flyte", "--no-cache-store"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("499500"));
    assert!(text.contains("makespan 1m 55s"), "{text}");
    assert!(text.contains("cold starts"));
}

#[test]
fn run_json_is_one_object_with_the_specified_fields() {
    let out = run(&[
        "run",
        "examples/quickstart.flyte",
        "--json",
        "--arg",
        "n=4",
        "--no-cache-store",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut keys: Vec<_> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "actions",
            "attempts",
            "cold_starts",
            "cost_usd",
            "error",
            "logs",
            "makespan_s",
            "max_waiting_s",
            "mean_stretch",
            "mean_waiting_s",
            "result",
            "status",
            "utilization"
        ]
    );
    assert_eq!(v["status"], "succeeded");
    // quickstart sums the numbers below 100 * n: for n = 4, 0 + 1 + ... + 399.
    assert_eq!(v["result"], 399 * 400 / 2);
    assert_eq!(v["actions"]["total"], 6);
    assert!(v["utilization"]["cpu"]["peak"].is_number());
    // The same inputs give byte-identical output.
    let again = run(&[
        "run",
        "examples/quickstart.flyte",
        "--json",
        "--arg",
        "n=4",
        "--no-cache-store",
    ]);
    assert_eq!(out.stdout, again.stdout);
}

/// `print` lines are in `run --json`'s `logs`, with their virtual time and action; stdout
/// stays one JSON object and stderr stays empty.
#[test]
fn run_json_carries_the_print_lines() {
    let path = temp(
        "logs.flyte",
        b"env e = TaskEnvironment(name = \"e\")\n@e\nasync task leaf(i: int) -> int {\n    sleep(10s)\n    print(f\"leaf {i}\", i * 2)\n    return i\n}\n@e\nasync task main() -> int {\n    print(\"start\")\n    let xs = await gather(leaf(1), leaf(2))\n    return xs[0] + xs[1]\n}\n",
    );
    let out = run(&["run", "--json", "--no-cache-store", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let logs = v["logs"].as_array().unwrap();
    let texts: Vec<&str> = logs.iter().map(|l| l["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["start", "leaf 1 2", "leaf 2 4"]);
    assert_eq!(logs[0]["task"], "e.main");
    assert_eq!(logs[0]["action"], 0);
    assert_eq!(logs[1]["task"], "e.leaf");
    // Each leaf prints after its cold start and its 10 s of sleep.
    let main_at = logs[0]["at_s"].as_f64().unwrap();
    let leaf_at = logs[1]["at_s"].as_f64().unwrap();
    assert!(leaf_at >= main_at + 10.0, "{main_at} {leaf_at}");
    assert_eq!(logs[1]["at_s"], logs[2]["at_s"]);
}

#[test]
fn run_of_an_invalid_script_prints_the_diagnostics_and_runs_nothing() {
    let path = temp(
        "invalid.flyte",
        b"env e = TaskEnvironment(name = \"e\")\n@e\ntask main() -> int {\n    return \"x\"\n}\n",
    );
    let out = run(&["run", "--json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "invalid");
    assert_eq!(v["diagnostics"][0]["code"], "E0206");
}

#[test]
fn a_failed_run_exits_1_with_the_error() {
    let path = temp("fails.flyte", b"env e = TaskEnvironment(name = \"e\")\n@e\ntask main() -> int {\n    raise ValueError(\"no\")\n}\n");
    let out = run(&["run", "--json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "failed");
    assert_eq!(v["result"], serde_json::Value::Null);
    assert_eq!(v["error"]["type"], "RuntimeUserError");
    assert_eq!(v["error"]["code"], "ValueError");
    assert_eq!(v["error"]["task"], "e.main");
    // Without --json: the error rendered at the statement that raised it, on stderr.
    let out = run(&["run", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[ValueError] Error: RuntimeUserError: no\n"),
        "{err}"
    );
    assert!(err.contains("fails.flyte:4:5"), "{err}");
    assert!(err.contains("raised here, in e.main"), "{err}");
}

#[test]
fn run_usage_errors_name_the_problem() {
    let path = temp("args.flyte", b"env e = TaskEnvironment(name = \"e\")\n@e\ntask main(n: int) -> int {\n    return n\n}\n@e\ntask other() -> int {\n    return 1\n}\n");
    let p = path.to_str().unwrap();
    let missing = run(&["run", p]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("missing argument `n` (int)"));
    let bad = run(&["run", p, "--arg", "n=abc"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("argument `n` (int)"));
    let unknown = run(&["run", p, "--arg", "m=1"]);
    assert_eq!(unknown.status.code(), Some(2));
    let no_task = run(&["run", p, "nope"]);
    assert_eq!(no_task.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_task.stderr)
        .contains("the tasks that can be run are: main, other"));
    // Without TASK and without a `main`, the error lists the tasks too.
    let no_main = temp(
        "no_main.flyte",
        b"env e = TaskEnvironment(name = \"e\")\n@e\ntask first() -> int {\n    return 1\n}\n@e\ntask second() -> int {\n    return 2\n}\n",
    );
    let out = run(&["run", no_main.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no task `main`") && err.contains("first, second"),
        "{err}"
    );
    let ok = run(&["run", p, "--args-json", "{\"n\": 5}", "--json"]);
    assert_eq!(ok.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["result"], 5);
}

#[test]
fn cluster_show_prints_the_default_cluster_and_rejects_bad_files() {
    let out = run(&["cluster", "show"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for pool in ["cpu-spot", "t4", "a100", "h100", "tpu"] {
        assert!(text.contains(pool), "{text}");
    }
    let bad = temp(
        "bad.toml",
        b"[[pool]]\nname = \"x\"\ncount = 1\ncpu = 4\nmemory = \"4GB\"\ncost_per_hour = 1.0\n",
    );
    let out = run(&["cluster", "show", "--cluster", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:5") && err.contains("memory"),
        "{err}"
    );
}

#[test]
fn check_with_a_cluster_reports_requests_no_pool_can_hold() {
    let script = temp("gpu.flyte", b"env g = TaskEnvironment(name = \"g\", resources = Resources(gpu = \"H100:1\"))\n@g\ntask t() -> int {\n    return 1\n}\n");
    let cluster = temp(
        "small.toml",
        b"[[pool]]\nname = \"cpu\"\ncount = 2\ncpu = 8\nmemory = \"32Gi\"\ncost_per_hour = 1.0\n",
    );
    assert_eq!(
        run(&["check", script.to_str().unwrap()]).status.code(),
        Some(0)
    );
    let out = run(&[
        "check",
        "--json",
        "--cluster",
        cluster.to_str().unwrap(),
        script.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "E0309");
}

/// What `flyte-dsl ARGS` shows in a pseudo-terminal (util-linux `script`, its log in the temp
/// file `log`); it must succeed.
fn on_a_terminal(log: &str, args: &str) -> String {
    let log = temp(log, b"");
    let cmd = format!("{} {args}", env!("CARGO_BIN_EXE_flyte-dsl"));
    let status = std::process::Command::new("script")
        .args(["-qec", &cmd])
        .arg(&log)
        .output()
        .unwrap();
    assert!(status.status.success());
    std::fs::read_to_string(&log).unwrap()
}

#[test]
fn check_says_it_ran_on_a_terminal_only() {
    // A pseudo-terminal (util-linux `script`), as a person at a terminal would see it.
    let seen = on_a_terminal(
        "check.pty",
        "check examples/quickstart.flyte examples/gather.flyte",
    );
    assert!(
        seen.contains("checked 2 files: no errors, no warnings"),
        "{seen}"
    );
    // Piped or --json: nothing on stderr.
    let piped = run(&["check", "examples/quickstart.flyte"]);
    assert!(piped.stderr.is_empty());
    let json = run(&["check", "examples/quickstart.flyte", "--json"]);
    assert!(json.stderr.is_empty());
}

#[test]
fn the_summary_lists_only_the_accelerators_a_run_used() {
    let out = run(&["run", "examples/quickstart.flyte", "--no-cache-store"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("utilization: "))
        .unwrap();
    assert!(
        line.contains("cpu peak") && line.contains("memory peak"),
        "{line}"
    );
    assert_eq!(line.matches(" peak ").count(), 2, "{line}");
    // A run on accelerators lists them.
    let out = run(&["run", "examples/resources.flyte", "--no-cache-store"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("gpu:T4 peak") && text.contains("gpu:A100 peak"),
        "{text}"
    );
    // The JSON keeps every resource the cluster has.
    let json = run(&[
        "run",
        "examples/quickstart.flyte",
        "--no-cache-store",
        "--json",
    ]);
    let j: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(j["utilization"].as_object().unwrap().len() > 2, "{j}");
}

#[test]
fn long_runs_show_progress_on_a_terminal_only() {
    let path = temp("long.flyte", b"env d = TaskEnvironment(name = \"d\")\nenv e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1))\n@e\nasync task leaf(i: int) -> int {\n    sleep(1s)\n    return i\n}\n@d\nasync task main(n: int = 60000) -> int {\n    return len(await gather(*[leaf(i) for i in range(n)]))\n}\n");
    let p = path.to_str().unwrap();
    // Progress shows after half a second: an optimized build needs a bigger run for that (the
    // crate is built lightly optimized even in test builds). A run of 200,000 in a test build
    // took about half a second, too close to that.
    let n = if cfg!(debug_assertions) {
        "500000"
    } else {
        "1000000"
    };
    let n = format!("n={n}");
    // A pseudo-terminal (util-linux `script`), as a person at a terminal would see it.
    let seen = on_a_terminal("long.pty", &format!("run {p} --no-cache-store --arg {n}"));
    assert!(seen.contains("actions done, virtual time"), "{seen}");
    // Not a terminal: no progress line.
    let piped = run(&["run", p, "--no-cache-store"]);
    assert!(!String::from_utf8_lossy(&piped.stderr).contains("actions done"));
    let json = run(&["run", p, "--no-cache-store", "--json"]);
    assert!(!String::from_utf8_lossy(&json.stderr).contains("actions done"));
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    use std::io::Read;
    let mut child = bin()
        .args(["explain", "E0104"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read one byte, then close the pipe before the page is written out.
    let mut stdout = child.stdout.take().unwrap();
    let mut one = [0u8; 1];
    let _ = stdout.read(&mut one);
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn seed_fixes_random_and_the_trace_is_byte_identical_across_runs() {
    let path = temp(
        "seeded.flyte",
        b"env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1))\n@e\nasync task leaf(i: int) -> float {\n    sleep(1m)\n    return random()\n}\n@e\nasync task main() -> float {\n    let xs = await gather(*[leaf(i) for i in range(3)])\n    return sum(xs)\n}\n",
    );
    let file = path.to_str().unwrap();
    let seeded = |seed: &str, trace: &str| {
        let trace = path.with_file_name(trace);
        let out = run(&[
            "run",
            file,
            "--seed",
            seed,
            "--json",
            "--no-cache-store",
            "--trace",
            trace.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (v, std::fs::read(trace).unwrap())
    };
    let (a, trace_a) = seeded("1", "a.json");
    let (b, trace_b) = seeded("1", "b.json");
    let (c, _) = seeded("2", "c.json");
    assert_eq!(a, b, "the same seed, the same run");
    assert_eq!(trace_a, trace_b, "the same seed, the same trace bytes");
    let t: serde_json::Value = serde_json::from_slice(&trace_a).unwrap();
    assert!(t["traceEvents"].as_array().unwrap().len() > 4);
    assert_ne!(a["result"], c["result"], "another seed draws other numbers");
    let r = a["result"].as_f64().unwrap();
    assert!((0.0..3.0).contains(&r), "three draws in [0, 1): {r}");
}

#[test]
fn json_arguments_and_results_map_as_specified() {
    let path = temp(
        "values.flyte",
        b"struct P {\n    x: int\n    y: float\n}\nenv e = TaskEnvironment(name = \"e\")\n@e\ntask main(xs: list[int], p: P) -> tuple[dict[int, str], P, int, duration] {\n    return ({xs[0]: \"a\"}, P(x = p.x + 1, y = p.y), sum(xs), 90s)\n}\n",
    );
    let file = path.to_str().unwrap();
    let out = run(&[
        "run",
        file,
        "--json",
        "--no-cache-store",
        "--arg",
        "xs=[1,2]",
        "--arg",
        "p={\"x\": 1, \"y\": 2.5}",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Int dict keys as strings, a struct as an object, a tuple as an array, a duration in s.
    assert_eq!(
        v["result"],
        serde_json::json!([{"1": "a"}, {"x": 2, "y": 2.5}, 3, 90.0])
    );
    let bad = run(&[
        "run",
        file,
        "--arg",
        "xs=[1,\"a\"]",
        "--arg",
        "p={\"x\": 1, \"y\": 2.5}",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8(bad.stderr).unwrap();
    assert!(err.contains("`xs` (list[int])"), "{err}");
}

#[test]
fn args_json_errors_say_what_is_wrong_and_where() {
    let path = temp("aj.flyte", b"env e = TaskEnvironment(name = \"e\")\n@e\ntask main(n: float = 1.0) -> float {\n    return n\n}\n");
    let p = path.to_str().unwrap();
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    for (arg, want) in [
        (
            "{",
            "--args-json is not valid JSON: EOF while parsing an object at line 1 column 1",
        ),
        (
            "{\"n\": 1e400}",
            "--args-json is not valid JSON: number out of range at line 1 column",
        ),
        (
            deep.as_str(),
            "--args-json nests arrays and objects deeper than the limit of 128 levels (line 1, column 128)",
        ),
        ("[1]", "--args-json must be a JSON object, not an array"),
    ] {
        let out = run(&["run", p, "--args-json", arg]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{arg:.20}: {err}");
    }
}

#[test]
fn a_file_without_tasks_and_a_missing_cache_are_named_as_such() {
    let path = temp("notasks.flyte", b"let x = 1\n");
    let out = run(&["run", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has no tasks to run"), "{err}");
    // Listing or clearing a cache that is not there creates nothing.
    let dir = std::env::temp_dir().join(format!("flyte-dsl-nocache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let target = dir.join("x");
    for cmd in ["list", "clear"] {
        let out = run(&["cache", cmd, "--cache-dir", target.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no cache at"), "{err}");
        assert!(!dir.exists(), "cache {cmd} created {}", dir.display());
    }
}
