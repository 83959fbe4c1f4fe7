//! The REPL as a person uses it: the real binary in a pseudo-terminal, and in stdin mode.

use expectrl::{Eof, Regex, Session};

type Pty =
    expectrl::session::Session<expectrl::session::OsProcess, expectrl::session::OsProcessStream>;
use std::process::Command;
use std::time::Duration;

fn home() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("flyte-dsl-repl-{}", std::process::id()))
}

fn repl() -> Pty {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flyte-dsl"));
    cmd.arg("repl");
    // A history file of its own, and no colour to match against.
    let home = home();
    cmd.env("XDG_DATA_HOME", &home).env("NO_COLOR", "1");
    let mut s = Session::spawn(cmd).expect("spawn the REPL in a pty");
    s.set_expect_timeout(Some(Duration::from_secs(30)));
    s.expect(">>> ").unwrap();
    s
}

/// Feeds `script` to the REPL on stdin (no terminal) and returns what it printed.
fn stdin_mode(script: &str) -> String {
    stdin_mode_both(script).0
}

/// [`stdin_mode`], with what it printed on stderr too.
fn stdin_mode_both(script: &str) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_flyte-dsl"))
        .arg("repl")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(script.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Types a line, waits for `expected`, then for the next prompt (as a person would).
fn cmd(s: &mut Pty, input: &str, expected: &str) {
    s.send_line(input).unwrap();
    s.expect(expected)
        .unwrap_or_else(|e| panic!("{input:?}: no {expected:?}: {e}"));
    s.expect(">>> ").unwrap();
}

/// Types a line of an unfinished input and waits for the continuation prompt.
fn more(s: &mut Pty, line: &str) {
    s.send_line(line).unwrap();
    s.expect("... ")
        .unwrap_or_else(|e| panic!("{line:?}: no continuation prompt: {e}"));
}

#[test]
fn expressions_declarations_multiline_input_and_await() {
    let mut s = repl();
    cmd(&mut s, "1 + 2", "3: int");
    cmd(
        &mut s,
        "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1))",
        "defined env e",
    );
    // A multi-line task definition: the input continues until the block closes, each line
    // after the first behind the continuation prompt.
    for line in [
        "@e",
        "async task sq(x: int) -> int {",
        "    sleep(1m)",
        "    return x * x",
    ] {
        more(&mut s, line);
    }
    cmd(&mut s, "}", "defined task sq");
    // Top-level await; a run's one-line summary follows its value.
    s.send_line("await sq(7)").unwrap();
    s.expect("49: int").unwrap();
    s.expect(Regex("makespan 1m 35s, 1 actions, 1 cold starts"))
        .unwrap();
    s.expect(">>> ").unwrap();
    // State persists; a mistake is a diagnostic and the session goes on.
    cmd(&mut s, "let n = await sq(3)", "makespan");
    cmd(&mut s, "n + \"x\"", "E0227");
    cmd(&mut s, "n + 1", "10: int");
    cmd(&mut s, ":type [n, 2]", "list[int]");
    // An `if` waits for an empty line, so `else` may start the line after its `}`.
    for line in [
        "if n > 100 {",
        "    print(\"big\")",
        "}",
        "else {",
        "    print(\"small\")",
        "}",
    ] {
        more(&mut s, line);
    }
    s.send_line("").unwrap();
    // The printed line, not the echo of the `print` line.
    s.expect(Regex("\nsmall\r?\n")).unwrap();
    s.expect(">>> ").unwrap();
    s.send_line(":quit").unwrap();
    s.expect(Eof).unwrap();
    // The history is kept in the user's data directory.
    let history = std::fs::read_to_string(home().join("flyte-dsl/history")).unwrap();
    assert!(history.contains(":type [n, 2]"), "{history}");
}

#[test]
fn ctrl_c_abandons_input_and_interrupts_a_running_evaluation() {
    let mut s = repl();
    // At the prompt: the input is abandoned.
    s.send("let x = (1 +").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    s.send("\x03").unwrap();
    s.expect("(input abandoned)").unwrap();
    s.expect(">>> ").unwrap();
    // During a long evaluation: it stops, the session stays.
    cmd(&mut s, "let i = 0", "");
    s.send_line("while true { i += 1 }").unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    s.send("\x03").unwrap();
    s.expect("CancelledError").unwrap();
    s.expect(">>> ").unwrap();
    cmd(&mut s, "2 + 2", "4: int");
    // Ctrl-D leaves.
    s.send("\x04").unwrap();
    s.expect(Eof).unwrap();
}

#[test]
fn meta_commands() {
    let mut s = repl();
    cmd(&mut s, ":help", ":env NAME");
    cmd(&mut s, "env base = TaskEnvironment(name = \"base\", resources = Resources(cpu = 2), cache = \"auto\")", "defined env base");
    cmd(
        &mut s,
        "env child = base.clone_with(name = \"child\", interruptible = true)",
        "defined env child",
    );
    s.send_line(":env child").unwrap();
    s.expect(Regex(
        r"resources\s+= Resources\(cpu = 2\)\s+\[parent environment `base` \(clone_with\)\]",
    ))
    .unwrap();
    s.expect(Regex(r"interruptible = true\s+\[environment\]"))
        .unwrap();
    s.expect(">>> ").unwrap();
    cmd(&mut s, ":cluster", "a100");
    cmd(&mut s, ":tasks", "no tasks yet");
    cmd(&mut s, ":reset", "forgot everything");
    cmd(&mut s, ":env child", "no environment `child`");
    s.send_line(":quit").unwrap();
    s.expect(Eof).unwrap();
}

#[test]
fn stdin_mode_reads_statements_without_prompts() {
    let script = "env e = TaskEnvironment(name = \"e\")\n@e\nasync task double(x: int) -> int {\n    return 2 * x\n}\nlet xs = [1, 2]\nxs.append(3)\n[await double(x) for x in xs]\n:trace /dev/null\n";
    let text = stdin_mode(script);
    assert!(!text.contains(">>>"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour: {text}");
    assert!(
        text.contains("defined env e\ndefined task double\n"),
        "{text}"
    );
    assert!(text.contains("[2, 4, 6]: list[int]"), "{text}");
    assert!(text.contains("wrote /dev/null"), "{text}");
}

#[test]
fn stdin_mode_loads_files_and_redefines_names() {
    let lib = std::env::temp_dir().join(format!("flyte-dsl-repl-lib-{}.flyte", std::process::id()));
    std::fs::write(&lib, "env e = TaskEnvironment(name = \"e\")\n@e\nasync task f(x: int) -> int {\n    return x + 1\n}\n").unwrap();
    let script = format!(":load {}\nawait f(1)\n@e\nasync task f(x: int) -> int {{\n    return x + 100\n}}\nawait f(1)\n", lib.display());
    let text = stdin_mode(&script);
    assert!(text.contains("defined env e, task f"), "{text}");
    assert!(text.contains("2: int"), "{text}");
    assert!(text.contains("note: `f` redefined"), "{text}");
    assert!(text.contains("101: int"), "{text}");
}

#[test]
fn global_scope_replicas_stay_warm_across_inputs() {
    let script = "env pool = TaskEnvironment(name = \"pool\", resources = Resources(cpu = 1), reusable = ReusePolicy(replicas = 1, scope = \"global\"))\nenv once = TaskEnvironment(name = \"once\", resources = Resources(cpu = 1), reusable = ReusePolicy(replicas = 1, scope = \"run\"))\n@pool\nasync task g(x: int) -> int {\n    return x\n}\n@once\nasync task r(x: int) -> int {\n    return x\n}\nawait g(1)\nawait g(2)\nawait r(1)\nawait r(2)\n";
    let text = stdin_mode(script);
    let summaries: Vec<&str> = text.lines().filter(|l| l.contains("makespan")).collect();
    // The global replica pays its cold start once (image pull + start: 35 s); the run-scoped
    // one in every run.
    assert_eq!(
        summaries,
        [
            "  (makespan 35s, 1 actions, 1 cold starts, 0 cache hits)",
            "  (makespan 0s, 1 actions, 0 cold starts, 0 cache hits)",
            "  (makespan 35s, 1 actions, 1 cold starts, 0 cache hits)",
            "  (makespan 35s, 1 actions, 1 cold starts, 0 cache hits)",
        ],
        "{text}"
    );
}

#[test]
fn stdin_mode_joins_else_except_and_finally_on_their_own_lines() {
    // As in a file, a clause may start the line after `}` (blank lines between).
    let script = "if 1 > 2 {\n    print(\"a\")\n}\n\nelif 2 > 3 {\n    print(\"c\")\n}\nelse {\n    print(\"b\")\n}\ntry {\n    raise ValueError(\"x\")\n}\nexcept ValueError as e {\n    print(\"caught\")\n}\nfinally {\n    print(\"fin\")\n}\nif true {\n    print(\"last\")\n}\n";
    assert_eq!(stdin_mode(script), "b\ncaught\nfin\nlast\n");
}

#[test]
fn stdin_mode_writes_the_last_runs_trace_and_report() {
    let dir = std::env::temp_dir().join(format!("flyte-dsl-repl-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (trace, report) = (dir.join("t.json"), dir.join("r.html"));
    let script = format!(
        ":trace {t}\nenv e = TaskEnvironment(name = \"e\")\n@e\nasync task d(x: int) -> int {{\n    return 2 * x\n}}\nawait d(4)\n:trace {t}\n:report {r}\n",
        t = trace.display(),
        r = report.display()
    );
    let (text, errors) = stdin_mode_both(&script);
    // Before any run there is nothing to write; after one, both files hold that run.
    assert!(errors.contains("no run yet"), "{errors}");
    assert!(text.contains("8: int"), "{text}");
    assert!(
        text.contains(&format!("wrote {}", trace.display())),
        "{text}"
    );
    assert!(
        text.contains(&format!("wrote {}", report.display())),
        "{text}"
    );
    let t: serde_json::Value = serde_json::from_slice(&std::fs::read(&trace).unwrap()).unwrap();
    let names: Vec<&str> = t["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(names.contains(&"e.d"), "the task's bar: {names:?}");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains("id=\"report-data\"") && html.contains("makespan"),
        "{html}"
    );
}

/// A run-time error at the REPL points at the statement that raised it (in the session's
/// declarations) and at the input that called it, and the session goes on.
#[test]
fn stdin_mode_renders_run_time_errors_at_their_statements() {
    let (text, errors) =
        stdin_mode_both("fn f(x: int) -> int {\n    return 10 // x\n}\nf(0)\n[1][3]\nf(5)\n");
    let all = format!("{text}{errors}");
    assert!(
        all.contains("[ZeroDivisionError] Error: RuntimeUserError: integer division by zero"),
        "{all}"
    );
    assert!(all.contains("return 10 // x"), "{all}");
    assert!(all.contains("raised here, in this input"), "{all}");
    assert!(all.contains("called here, in this input"), "{all}");
    assert!(all.contains("[IndexError]"), "{all}");
    assert!(!all.contains("__value"), "the wrapper stays hidden: {all}");
    assert!(text.contains("2: int"), "{text}");
}

/// INTERFACES.md section 1: colour only on a terminal, and never when `NO_COLOR` is set.
/// `check` on a wrong file, in a pseudo-terminal, with and without `NO_COLOR` (an empty value
/// does not count, as <https://no-color.org> says).
#[test]
fn colour_on_a_terminal_unless_no_color_is_set() {
    let dir = home();
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.flyte");
    std::fs::write(&bad, "let x: int = \"no\"\n").unwrap();
    let output = |no_color: Option<&str>| -> String {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_flyte-dsl"));
        cmd.arg("check").arg(&bad).env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let mut s = Session::spawn(cmd).expect("spawn in a pty");
        s.set_expect_timeout(Some(Duration::from_secs(30)));
        let found = s.expect(Eof).unwrap();
        String::from_utf8_lossy(found.as_bytes()).into_owned()
    };
    for unset in [None, Some("")] {
        let coloured = output(unset);
        assert!(coloured.contains("E0206"), "{coloured}");
        assert!(
            coloured.contains("\u{1b}["),
            "a terminal gets colour ({unset:?}): {coloured:?}"
        );
    }
    let plain = output(Some("1"));
    assert!(plain.contains("E0206"), "{plain}");
    assert!(
        !plain.contains("\u{1b}["),
        "NO_COLOR turns it off: {plain:?}"
    );
}

#[test]
fn export_python_prints_the_module_of_what_is_defined() {
    let (out, err) = stdin_mode_both(
        "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1, memory = \"1Gi\"))\n\
         @e\nasync task sq(x: int) -> int { sleep(2s); return x * x }\n\
         :export python sq\n:export python nope\n:export k8s\n",
    );
    assert!(
        out.contains("# Run it with `flyte run --local THIS_FILE.py sq`"),
        "{out}"
    );
    assert!(
        out.contains("e = flyte.TaskEnvironment(name=\"e\", resources=flyte.Resources(cpu=1, memory=\"1Gi\"))"),
        "{out}"
    );
    assert!(
        out.contains("@e.task\nasync def sq(x: int) -> int:\n    await asyncio.sleep(2)\n"),
        "{out}"
    );
    assert!(err.contains("no task `nope`"), "{err}");
    assert!(err.contains("usage: :export python [TASK]"), "{err}");
}

#[test]
fn stdin_mode_prints_floats_and_format_flags_as_python() {
    let script = "0.1 + 0.2\nprint(1e16, 0.00001234, 25.198794831981843)\nlet v = 255\nf\"{v:#x} {42: d} {v:#o}\"\n[1e16, -0.0]\n";
    assert_eq!(
        stdin_mode(script),
        "0.30000000000000004: float\n1e+16 1.234e-05 25.198794831981843\n\"0xff  42 0o377\": str\n[1e+16, -0.0]: list[float]\n"
    );
}

/// Variables that name one list keep naming one list from input to input, as in Python
/// (`a = [1]; b = a; b.append(2)` leaves `a == [1, 2]`), also after an input that fails;
/// a task's arguments are still copied each on its own.
#[test]
fn variables_sharing_a_value_keep_sharing_it_across_inputs() {
    let script = "let a = [1]\nlet b = a\nb.append(2)\na\nlet d = {\"k\": a}\na.append(3)\nd\nb.append(1 // 0)\nb.append(4)\nd\n";
    let (out, err) = stdin_mode_both(script);
    assert!(
        out.starts_with("[1, 2]: list[int]\n{\"k\": [1, 2, 3]}: dict[str, list[int]]\n"),
        "{out}"
    );
    assert!(err.contains("ZeroDivisionError"), "{err}");
    assert!(
        out.ends_with("{\"k\": [1, 2, 3, 4]}: dict[str, list[int]]\n"),
        "{out}"
    );
    // The same lines in Python itself.
    let py = std::process::Command::new("python3")
        .args(["-c", "a = [1]\nb = a\nb.append(2)\nprint(a)\nd = {'k': a}\na.append(3)\nprint(d)\nb.append(4)\nprint(d)"])
        .output()
        .expect("python3");
    assert_eq!(
        String::from_utf8_lossy(&py.stdout),
        "[1, 2]\n{'k': [1, 2, 3]}\n{'k': [1, 2, 3, 4]}\n"
    );
}

const SQ: &str = "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1))";

/// Defines `env e` and `async task sq` line by line, each line after the first behind the
/// continuation prompt.
fn define_sq(s: &mut Pty) {
    cmd(s, SQ, "defined env e");
    more(s, "@e");
    more(s, "async task sq(x: int) -> int {");
    more(s, "    return x * x");
    cmd(s, "}", "defined task sq");
}

/// Issue 19, items 1 and 2, as they were reported: a list of futures kept between inputs,
/// and an infinity, broke every later input.
#[test]
fn futures_and_infinities_are_kept_as_values_and_later_inputs_work() {
    let mut s = repl();
    define_sq(&mut s);
    cmd(&mut s, "let fs = [sq.aio(i) for i in range(5)]", "");
    cmd(&mut s, "await gather(*fs)", "[0, 1, 4, 9, 16]: list[int]");
    cmd(&mut s, "1 + 1", "2: int");
    cmd(&mut s, ":env e", "Resources(cpu = 1)");
    cmd(&mut s, ":tasks", "async e.sq sq(x: int) -> int");
    cmd(&mut s, ":type fs", "list[Future[int]]");
    cmd(&mut s, "let inf = 1e308 * 10", "");
    cmd(&mut s, "inf", "inf: float");
    cmd(&mut s, "1 + 1", "2: int");
    cmd(&mut s, "[inf, -inf]", "[inf, -inf]: list[float]");
    s.send_line(":quit").unwrap();
    s.expect(Eof).unwrap();
}

/// Issue 19, item 2: no value, of any type, breaks later inputs. Each is kept in a variable;
/// then a plain input, a meta-command and the variable itself still work.
#[test]
fn no_value_of_any_type_breaks_later_inputs() {
    let mut s = repl();
    define_sq(&mut s);
    cmd(
        &mut s,
        "struct P { x: int, ys: list[float] }",
        "defined struct P",
    );
    cmd(
        &mut s,
        "fn twice(x: int) -> int { return 2 * x }",
        "defined fn twice",
    );
    let values = [
        ("sq.aio(3)", "<future>"),
        ("[sq.aio(i) for i in range(2)]", "[<future>, <future>]"),
        ("gather(sq.aio(1), sq.aio(2))", "<future>"),
        ("sq.override(retries = 2)", ""),
        ("sq", ""),
        ("twice", ""),
        ("print", ""),
        (
            "P(x = 1, ys = [1.5, 1e308 * 10])",
            "P(x = 1, ys = [1.5, inf])",
        ),
        ("ValueError(\"bad\")", "ValueError(\"bad\")"),
        ("2m + 30s", "150s"),
        ("1e308 * 10", "inf"),
        ("-(1e308 * 10)", "-inf"),
        ("(1e308 * 10) * 0.0", "nan"),
        ("{\"a\": [1, 2], \"b\": []}", "{\"a\": [1, 2], \"b\": []}"),
        ("[[none, (1, \"x\")], []]", "[[none, (1, \"x\")], []]"),
        ("none", ""),
        ("\"line\\none \\\"q\\\"\"", "\"line\\none \\\"q\\\"\""),
        ("{1: 2.5}", "{1: 2.5}"),
    ];
    for (i, (expr, shown)) in values.iter().enumerate() {
        cmd(&mut s, &format!("let v{i} = {expr}"), "");
        cmd(&mut s, "1 + 1", "2: int");
        cmd(&mut s, ":tasks", "sq(x: int)");
        if !shown.is_empty() {
            cmd(&mut s, &format!("v{i}"), shown);
        }
    }
    // And they are the values they were: futures await, overrides and functions call.
    cmd(&mut s, "await v0", "9: int");
    cmd(&mut s, "await gather(*v1)", "[0, 1]: list[int]");
    cmd(&mut s, "await v2", "(1, 4): tuple[int, int]");
    cmd(&mut s, "await v3(4)", "16: int");
    cmd(&mut s, "await v4(5)", "25: int");
    cmd(&mut s, "v5(21)", "42: int");
    cmd(&mut s, "v7.ys[1] > 1e308", "true: bool");
    cmd(&mut s, "v8.message", "\"bad\": str");
    cmd(&mut s, "v9 // 1s", "150: int");
    cmd(&mut s, "v12 == v12", "false: bool");
    s.send_line(":quit").unwrap();
    s.expect(Eof).unwrap();
}

/// Issue 19, item 3: a `cache = "auto"` task awaited twice at the prompt hits the cache the
/// second time, as runs of `run` and of an embedding host do.
#[test]
fn a_cached_task_awaited_twice_at_the_prompt_hits_the_cache() {
    let mut s = repl();
    cmd(
        &mut s,
        "env c = TaskEnvironment(name = \"c\", cache = \"auto\")",
        "defined env c",
    );
    cmd(
        &mut s,
        "async task slow(x: int) -> int { sleep(1m); return x + 1 }",
        "E0213",
    );
    more(&mut s, "@c");
    cmd(
        &mut s,
        "async task slow(x: int) -> int { sleep(1m); return x + 1 }",
        "defined task slow",
    );
    cmd(&mut s, "await slow(1)", "0 cache hits");
    cmd(&mut s, "await slow(1)", "1 cache hits");
    cmd(&mut s, "await slow(2)", "0 cache hits");
    s.send_line(":quit").unwrap();
    s.expect(Eof).unwrap();
}

/// Issue 19, item 4: `:env` prints settings as the language writes them.
#[test]
fn env_prints_settings_in_the_languages_own_syntax() {
    let mut s = repl();
    cmd(&mut s, "env base = TaskEnvironment(name = \"base\", env_vars = {\"MODE\": \"fast\"}, cache = \"auto\", reusable = ReusePolicy(replicas = (1, 2), idle_ttl = 1m))", "defined env base");
    more(&mut s, "@base(timeout = 2m, retries = 3)");
    cmd(
        &mut s,
        "task t(x: int) -> int { return x }",
        "defined task t",
    );
    s.send_line(":env base").unwrap();
    for expected in [
        "image         = \"auto\"",
        "env_vars      = {\"MODE\": \"fast\"}",
        "cache         = \"auto\"",
        "reusable      = ReusePolicy(replicas = (1, 2)",
        "idle_ttl = 1m",
        "description   = none",
        "task base.t: retries = 3, timeout = 2m [decorator]",
    ] {
        s.expect(expected)
            .unwrap_or_else(|e| panic!("no {expected:?}: {e}"));
    }
    s.expect(">>> ").unwrap();
    s.send_line(":quit").unwrap();
    s.expect(Eof).unwrap();
}

/// Issue 19, item 5: `:type` usage and syntax errors on what was typed; loaded files keep
/// their names in errors, at parse time and at run time; `:tasks` shows defaults; a sync task
/// called at the prompt runs.
#[test]
fn meta_commands_errors_and_sync_calls_as_a_person_expects() {
    let dir = home().join("load");
    std::fs::create_dir_all(&dir).unwrap();
    let ops = dir.join("ops.flyte");
    std::fs::write(&ops, "env e = TaskEnvironment(name = \"e\")\n# ops\n@e\ntask good(x: int) -> int {\n    return x\n}\nfn bad() {\n    nope(1)\n}\n").unwrap();
    let lib = dir.join("lib.flyte");
    std::fs::write(&lib, "env e = TaskEnvironment(name = \"e\")\nfn div(x: int) -> int {\n    return 10 // x\n}\n@e\ntask sq(x: int, n: int = 10) -> int {\n    return x * x + n - n\n}\n").unwrap();
    let mut s = repl();
    cmd(&mut s, ":type", "usage: :type EXPR");
    s.send_line(":type [1, 2").unwrap();
    let found = s.expect(">>> ").unwrap();
    let text = String::from_utf8_lossy(found.before()).into_owned();
    assert!(text.contains("unclosed `[`"), "{text}");
    assert!(
        !text.contains("__value") && !text.contains("return ("),
        "{text}"
    );
    cmd(&mut s, &format!(":load {}", ops.display()), "ops.flyte:8:5");
    cmd(
        &mut s,
        &format!(":load {}", lib.display()),
        "defined env e, fn div, task sq",
    );
    s.send_line("div(0)").unwrap();
    s.expect("ZeroDivisionError").unwrap();
    s.expect("lib.flyte:3:5").unwrap();
    s.expect(">>> ").unwrap();
    cmd(&mut s, ":tasks", "e.sq sq(x: int, n: int = 10) -> int");
    cmd(&mut s, "sq(4)", "16: int");
    cmd(&mut s, "let y = sq(5) + 1", "");
    cmd(&mut s, "y", "26: int");
    s.send_line(":quit").unwrap();
    s.expect(Eof).unwrap();
}

/// Issue 19, item 5: the lines of an unfinished input get a continuation prompt, and Ctrl-C
/// abandons the whole input.
#[test]
fn unfinished_input_continues_behind_its_own_prompt() {
    let mut s = repl();
    more(&mut s, "let xs = [");
    more(&mut s, "    1,");
    cmd(&mut s, "]", "");
    cmd(&mut s, "xs", "[1]: list[int]");
    more(&mut s, "let ys = (1 +");
    s.send("\x03").unwrap();
    s.expect("(input abandoned)").unwrap();
    s.expect(">>> ").unwrap();
    cmd(&mut s, "ys", "unknown name `ys`");
    s.send_line(":quit").unwrap();
    s.expect(Eof).unwrap();
}

/// Calling a sync task is allowed at the prompt only: in an async task's body it is still
/// `E0212`, as flyte-sdk refuses it there.
#[test]
fn sync_calls_stay_refused_in_async_bodies() {
    let (out, errors) = stdin_mode_both(&format!(
        "{SQ}\n@e\ntask s(x: int) -> int {{\n    return x\n}}\n@e\nasync task a() -> int {{\n    return s(1)\n}}\ns(3)\n"
    ));
    assert!(errors.contains("E0212"), "{errors}");
    assert!(errors.contains("<input 3>:3:12"), "{errors}");
    assert!(out.contains("3: int"), "{out}");
}

/// A future kept in a variable calls its task by name, whatever number the next input's
/// program gives it: after `a` is redefined, an earlier `a.aio(1)` runs the new `a`, and a
/// future of the task declared after it still runs that task.
#[test]
fn kept_futures_call_their_task_by_name_across_inputs() {
    let out = stdin_mode(
        "env e = TaskEnvironment(name = \"e\")\n\
         @e\nasync task a(x: int) -> int { return x + 1 }\n\
         @e\nasync task b(x: int) -> int { return x * 100 }\n\
         let f = a.aio(1)\nlet g = b.aio(1)\nlet h = [a.aio(5), b.aio(5)]\n\
         @e\nasync task a(x: int) -> int { return x + 2 }\n\
         await f\nawait g\nawait gather(*h)\n",
    );
    let results: Vec<&str> = out
        .lines()
        .filter(|l| l.ends_with(": int") || l.ends_with("]: list[int]"))
        .collect();
    assert_eq!(
        results,
        ["3: int", "100: int", "[7, 500]: list[int]"],
        "{out}"
    );
}

/// A task value kept in a variable (plain or overridden) holds its task's index in the run it
/// was made in (and its name, by which a later input's program finds it again); after another
/// task is redeclared, the kept value still calls the task it named, with its override.
#[test]
fn kept_task_values_call_their_task_by_name_across_inputs() {
    let out = stdin_mode(
        "env e = TaskEnvironment(name = \"e\")\n\
         @e\nasync task a(x: int) -> int { return x + 1 }\n\
         @e\nasync task b(x: int) -> int { return x * 100 }\n\
         let t = b\nlet o = b.override(retries = 2)\n\
         @e\nasync task a(x: int) -> int { return x + 2 }\n\
         await t(1)\nawait o(2)\nawait a(3)\n",
    );
    let results: Vec<&str> = out.lines().filter(|l| l.ends_with(": int")).collect();
    assert_eq!(results, ["100: int", "200: int", "5: int"], "{out}");
}
