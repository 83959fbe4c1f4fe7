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

#[test]
fn expressions_declarations_multiline_input_and_await() {
    let mut s = repl();
    cmd(&mut s, "1 + 2", "3: int");
    cmd(
        &mut s,
        "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1))",
        "defined env e",
    );
    // A multi-line task definition: the input continues until the block closes.
    s.send_line("@e").unwrap();
    s.send_line("async task sq(x: int) -> int {").unwrap();
    s.send_line("    sleep(1m)").unwrap();
    s.send_line("    return x * x").unwrap();
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
    s.send_line("if n > 100 {").unwrap();
    s.send_line("    print(\"big\")").unwrap();
    s.send_line("}").unwrap();
    s.send_line("else {").unwrap();
    s.send_line("    print(\"small\")").unwrap();
    s.send_line("}").unwrap();
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
    assert!(html.contains("<svg") && html.contains("makespan"), "{html}");
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
