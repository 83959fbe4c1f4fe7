//! Rendered diagnostics, snapshot-tested: every code's explain example as a user sees it
//! (without colour), source and rendering side by side in `tests/snapshots/`.

use flyte_dsl::diagnostics::{codes, render_all, SourceMap};

fn rendered(src: &[u8]) -> String {
    let mut map = SourceMap::new();
    // `import "example.flyte"` reads the example itself (the E0205 page).
    let me = src.to_vec();
    let resolver = move |_: &str, path: &str| -> Result<(String, Vec<u8>), String> {
        match path {
            "example.flyte" => Ok(("example.flyte".into(), me.clone())),
            _ => Err("not found".into()),
        }
    };
    let diags = flyte_dsl::check_source_with(
        &mut map,
        "example.flyte",
        src,
        &flyte_dsl::check::Options::default(),
        &resolver,
        &flyte_dsl::sim::Cluster::default_cluster(),
    );
    render_all(&diags, &map, false)
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
fn several_errors_render_in_order() {
    let src = b"fn a() {\n    let x = = 1\n}\nfn b() {\n    let y = \"open\n}\nlet z = [1, 2\n";
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
    use flyte_dsl::check::{self, imports};
    use flyte_dsl::runtime::{self, Program, RunOptions};
    let mut map = SourceMap::new();
    let loaded = imports::load(
        &mut map,
        "example.flyte",
        src.as_bytes(),
        &imports::no_files,
    );
    let (checked, diags) = check::check_program(&loaded, &check::Options::default());
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
    let prog = Program::new(loaded, checked);
    let out = runtime::run(
        &prog,
        "main",
        vec![],
        &flyte_dsl::sim::Cluster::default_cluster(),
        RunOptions::default(),
    );
    let e = out.result.expect_err("the run fails");
    flyte_dsl::diagnostics::render(&e.to_diagnostic(), &map, false)
}

/// An uncaught error names its code and type and points at the chain that led to it
/// (RUNTIME.md section 7): where it was raised, the function call, the action's call site.
#[test]
fn an_uncaught_error_renders_with_its_chain_of_actions_and_spans() {
    let src = "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1))\n\nfn check(x: int) -> int {\n    if x > 2 {\n        raise ValueError(f\"too big: {x}\")\n    }\n    return x\n}\n\n@e\nasync task leaf(i: int) -> int {\n    sleep(1s)\n    return check(i)\n}\n\n@e\nasync task main() -> int {\n    let xs = await gather(*[leaf(i) for i in range(5)])\n    return sum(xs)\n}\n";
    insta::assert_snapshot!(rendered_run_error(src));
}

/// A run-time code's error points at the call that failed.
#[test]
fn a_run_time_code_renders_at_its_call() {
    let info = codes::lookup("E0601").unwrap();
    insta::assert_snapshot!(rendered_run_error(info.wrong));
}
