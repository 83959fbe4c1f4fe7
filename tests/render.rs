//! Rendered diagnostics, snapshot-tested: every code's explain example as a user sees it
//! (without colour), source and rendering side by side in `tests/snapshots/`.

mod support;

use flyte_dsl::diagnostics::{codes, render_all, Diagnostic, SourceMap};

fn rendered(src: &[u8]) -> String {
    let mut map = SourceMap::new();
    let diags = diagnose(&mut map, src);
    render_all(&diags, &map, false)
}

fn diagnose(map: &mut SourceMap, src: &[u8]) -> Vec<Diagnostic> {
    // `import "example.flyte"` reads the example itself (the E0205 page).
    let me = src.to_vec();
    let resolver = move |_: &str, path: &str| -> Result<(String, Vec<u8>), String> {
        match path {
            "example.flyte" => Ok(("example.flyte".into(), me.clone())),
            _ => Err("not found".into()),
        }
    };
    // The Python front end's pages show Python (`import flyte` first).
    let name = if src.starts_with(b"import flyte") {
        "example.py"
    } else {
        "example.flyte"
    };
    flyte_dsl::check_source_with(
        map,
        name,
        src,
        &flyte_dsl::check::Options::default(),
        &resolver,
        &flyte_dsl::sim::Cluster::default_cluster(),
    )
}

#[test]
fn every_code_renders() {
    // Run-time codes (E06xx, E07xx) have no static rendering: `check` passes their examples.
    let static_codes = codes::CODES
        .iter()
        .filter(|c| !(c.code.starts_with("E06") || c.code.starts_with("E07")));
    for info in static_codes {
        let src: Vec<u8> = info
            .wrong
            .replace('\u{FFFD}', "\u{1}")
            .bytes()
            .map(|b| if b == 1 { 0xE9 } else { b })
            .collect();
        insta::with_settings!({ description => String::from_utf8_lossy(&src).into_owned(), omit_expression => true }, {
            insta::assert_snapshot!(info.code, rendered(&src));
        });
    }
}

#[test]
fn every_message_reads_alike() {
    // Lower case, names in backticks, no full stop: one style for every static code.
    for info in codes::CODES.iter() {
        let mut map = SourceMap::new();
        for d in diagnose(&mut map, info.wrong.as_bytes()) {
            let m = &d.message;
            // A capital only for a name (`TaskEnvironment`, `T4`): another capital or a digit.
            let word = m.split(' ').next().unwrap_or("");
            let named = word
                .chars()
                .skip(1)
                .any(|c| c.is_uppercase() || c.is_ascii_digit());
            assert!(
                !word.starts_with(char::is_uppercase) || named,
                "{}: {m}",
                d.code
            );
            assert!(!m.ends_with('.'), "{}: {m}", d.code);
        }
    }
}

#[test]
fn a_bad_environment_name_reads_like_the_other_messages() {
    let mut map = SourceMap::new();
    let src = "env base = TaskEnvironment(name = \"Data Processing\")\n";
    let diags = diagnose(&mut map, src.as_bytes());
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!(d.code, "E0508");
    assert_eq!(
        d.message,
        "environment name `Data Processing` must be snake_case or kebab-case"
    );
    let at = d.labels[0].span;
    let start = src.find("\"Data").unwrap();
    assert_eq!(
        (at.start as usize, at.end as usize),
        (start, start + "\"Data Processing\"".len())
    );
}

#[test]
fn several_errors_render_in_order() {
    let src = b"fn a() {\n    let x = = 1\n}\nfn b() {\n    let y = \"open\n}\nlet z = [1, 2\n";
    insta::assert_snapshot!(rendered(src));
}

/// Issue 19 item 10: a typo in one decorator argument is one error, not also "belongs to no
/// environment"; the other arguments and the body are still checked.
#[test]
fn a_syntax_error_in_a_decorators_arguments_costs_only_that_argument() {
    let src = b"env base = TaskEnvironment(name = \"base\", resources = Resources(cpu = 1))\n\n@base(retries = -1, timeout = 10min)\nasync task s(x: int) -> int {\n    return x + \"a\"\n}\n";
    insta::assert_snapshot!(rendered(src));
}

/// An unclosed `(` in a decorator is one error at the `(`: the task keeps its environment
/// (no false E0213) and its body is still checked.
#[test]
fn an_unclosed_decorator_paren_costs_no_environment() {
    let src = b"env base = TaskEnvironment(name = \"base\")\n\n@base(retries = 2\ntask s(x: int) -> int {\n    return x + \"a\"\n}\n";
    insta::assert_snapshot!(rendered(src));
}

/// `await sq(3)` of a sync task is one mistake, E0212 at the call, not also E0226 ("`int`
/// cannot be awaited") at the same span.
#[test]
fn awaiting_a_blocking_sync_task_call_is_one_error() {
    let src = b"env base = TaskEnvironment(name = \"base\")\n\n@base\ntask sq(x: int) -> int {\n    return x * x\n}\n\n@base\nasync task main() -> int {\n    let y = await sq(3)\n    return y + 1\n}\n";
    let mut map = SourceMap::new();
    let diags = diagnose(&mut map, src);
    let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["E0212"]);
    let at = diags[0].primary_span().unwrap();
    assert_eq!(&src[at.start as usize..at.end as usize], b"sq(3)");
    insta::assert_snapshot!(rendered(src));
}

/// Issue 19 item 12: a constant override no node can hold fails `check`, as an environment
/// does, in the override's code family (`E0510`, its help naming `E0309`).
#[test]
fn an_override_no_node_can_hold_renders_at_its_resources() {
    let src = b"env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1, memory = \"1Gi\"))\n\n@e\nasync task work() -> int {\n    return 1\n}\n\n@e\nasync task main() -> int {\n    return await work.override(resources = Resources(cpu = 500))()\n}\n";
    insta::assert_snapshot!(rendered(src));
}

#[test]
fn colour_only_when_asked() {
    let mut map = SourceMap::new();
    let diags = flyte_dsl::check_source(&mut map, "c.flyte", b"let x = $\n");
    assert!(render_all(&diags, &map, true).contains('\u{1b}'));
    assert!(!render_all(&diags, &map, false).contains('\u{1b}'));
}

/// Runs `main` of `src` on the default cluster and renders its uncaught error.
fn rendered_run_error(src: &str) -> String {
    use flyte_dsl::runtime::{self, RunOptions};
    let (map, prog) = support::compile(
        "example.flyte",
        src.as_bytes(),
        &flyte_dsl::check::imports::no_files,
    );
    let out = runtime::run(
        &prog,
        "main",
        vec![],
        &flyte_dsl::sim::Cluster::default_cluster(),
        RunOptions::default(),
    );
    let d = out.error_diagnostic().expect("the run fails");
    flyte_dsl::diagnostics::render(&d, &map, false)
}

/// An uncaught error names its code and type and points at the chain that led to it
/// (RUNTIME.md section 7): where it was raised, the function call, the action's call site.
#[test]
fn an_uncaught_error_renders_with_its_chain_of_actions_and_spans() {
    let src = "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1))\n\nfn check(x: int) -> int {\n    if x > 2 {\n        raise ValueError(f\"too big: {x}\")\n    }\n    return x\n}\n\n@e\nasync task leaf(i: int) -> int {\n    sleep(1s)\n    return check(i)\n}\n\n@e\nasync task main() -> int {\n    let xs = await gather(*[leaf(i) for i in range(5)])\n    return sum(xs)\n}\n";
    insta::assert_snapshot!(rendered_run_error(src));
}

/// A deadlock points at the run's task, with the chain of waits as a note (no statement
/// raised it).
#[test]
fn a_deadlock_renders_at_the_run_task_with_its_chain() {
    let info = codes::lookup("E0602").unwrap();
    insta::assert_snapshot!(rendered_run_error(info.wrong));
}

/// A run-time code's error points at the call that failed.
#[test]
fn a_run_time_code_renders_at_its_call() {
    let info = codes::lookup("E0601").unwrap();
    insta::assert_snapshot!(rendered_run_error(info.wrong));
}
