//! The Python front end (`check workflow.py`): flyte-sdk modules read with the checker's
//! rules, codes and spans, and run in the simulation.
//!
//! The planted mistakes of `tests/python/mistakes/` state their code and span in `#@` lines
//! (checked by `tests/scripts.rs`); here each is also rendered as a snapshot, the clean modules
//! of `tests/python/ok/` run to the values worked out by hand, and hostile input gets a coded
//! error, never a panic or a stack overflow.

use flyte_dsl::diagnostics::{render_all, Diagnostic, FileId, SourceMap};
use flyte_dsl::Engine;
use std::path::Path;

fn dir(sub: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(sub)
}

fn check(name: &str, src: &[u8]) -> (Vec<Diagnostic>, SourceMap) {
    let mut map = SourceMap::new();
    let diags = flyte_dsl::check_source(&mut map, name, src);
    (diags, map)
}

#[test]
fn every_planted_mistake_renders() {
    let mut files: Vec<_> = std::fs::read_dir(dir("mistakes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "{}", files.len());
    for path in files {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let src = std::fs::read(&path).unwrap();
        let (diags, map) = check(&format!("{stem}.py"), &src);
        let code = stem.split('_').next().unwrap();
        assert!(
            diags.iter().any(|d| d.code == code),
            "{stem}: {:?}",
            diags.iter().map(|d| d.code).collect::<Vec<_>>()
        );
        insta::assert_snapshot!(stem, render_all(&diags, &map, false));
    }
}

async fn run(file: &str, args: serde_json::Value) -> (serde_json::Value, String) {
    let src = std::fs::read_to_string(dir("ok").join(file)).unwrap();
    let engine = Engine::builder().build();
    let program = engine
        .compile(file, &src)
        .unwrap_or_else(|e| panic!("{file}: {e:?}"));
    let run = program.run("main", args).await.unwrap();
    (
        run.output::<serde_json::Value>().unwrap(),
        run.summary().to_string(),
    )
}

#[tokio::test]
async fn a_clean_module_runs_with_python_semantics() {
    // squares 0 1 4 9; fragile(3) fails (a child's error arrives as RuntimeUserError), so kept
    // is 0 1 2 0; summarize adds evens (6) and halves of odds (5.5); 3 doubled entries.
    let (value, _) = run("pipeline.py", serde_json::json!({})).await;
    assert_eq!(value, serde_json::json!(14.5));
    let (value, _) = run("pipeline.py", serde_json::json!({"n": 2})).await;
    // squares 0 1, kept 0 1: evens 0 0 -> 0, odds 1 1 -> 1.0; one doubled entry.
    assert_eq!(value, serde_json::json!(2.0));
}

#[tokio::test]
async fn opaque_tasks_take_their_directive_time_and_return_defaults() {
    let (value, summary) = run("opaque.py", serde_json::json!({})).await;
    assert_eq!(value, serde_json::json!(0.0));
    // load: compute=10m on 2 CPUs is 5m; train: the default 1m of compute on 2 CPUs, 30s.
    assert!(summary.contains("makespan 6m 15s"), "{summary}");
}

#[test]
fn opaque_functions_are_listed_with_their_reasons() {
    let src = std::fs::read(dir("ok").join("opaque.py")).unwrap();
    let mut map = SourceMap::new();
    let loaded = flyte_dsl::check::imports::load(
        &mut map,
        "opaque.py",
        &src,
        &flyte_dsl::check::imports::no_files,
    );
    let text = flyte_dsl::python::opaque_text(&loaded.opaque, &map);
    assert_eq!(
        text,
        "opaque: load (line 9): imports pandas\nopaque: train (line 17): imports torch\n"
    );
}

#[test]
fn a_body_the_checker_cannot_type_is_opaque_not_an_error() {
    let src = b"import flyte\nenv = flyte.TaskEnvironment(name=\"e\")\n\n@env.task\ndef f(x: int) -> int:\n    y = x\n    y = \"a string now\"\n    return len(y)\n";
    let (diags, _) = check("dynamic.py", src);
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn hostile_input_is_a_coded_error_never_a_crash() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            format!("X = {}1{}\n", "(".repeat(20_000), ")".repeat(20_000)).into_bytes(),
            "E0113",
        ),
        (
            format!("X = 1{}\n", " + 1".repeat(100_000)).into_bytes(),
            "E0113",
        ),
        (
            format!("X = {}True\n", "not ".repeat(50_000)).into_bytes(),
            "E0113",
        ),
        (
            format!("X = a{}\n", ".b".repeat(50_000)).into_bytes(),
            "E0113",
        ),
        (
            (0..150)
                .map(|i| format!("{}if x:\n", "    ".repeat(i)))
                .collect::<String>()
                .into_bytes(),
            "E0113",
        ),
        (b"def f(:\n".to_vec(), "E0112"),
        (b"x = \"unterminated\n".to_vec(), "E0112"),
        (b"caf\xe9 = 1\n".to_vec(), "E0101"),
        (b"\0\0\0".to_vec(), "E0112"),
    ];
    for (src, code) in cases {
        let (diags, _) = check("hostile.py", &src);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, code);
    }
    // Nesting within the limits checks on the default test thread's stack.
    let deep = format!(
        "import flyte\nX = {}1{}\ny = 1{}\n",
        "[".repeat(190),
        "]".repeat(190),
        " + 1".repeat(2_900)
    );
    let (diags, _) = check("deep.py", deep.as_bytes());
    assert!(diags.iter().all(|d| d.code != "E0113"), "{diags:?}");
}

#[test]
fn spans_are_in_the_python_file() {
    let src = b"import flyte\n\nenv = flyte.TaskEnvironment(name=\"etl\", resources=flyte.Resources(cpu=-1))\n";
    let lowered = flyte_dsl::python::lower(src, FileId(0));
    assert!(lowered.diags.is_empty());
    let (diags, map) = check("spans.py", src);
    let d = &diags[0];
    assert_eq!(d.code, "E0302");
    let span = d.primary_span().unwrap();
    assert_eq!(map.get(span.file).slice(span), "-1");
}
