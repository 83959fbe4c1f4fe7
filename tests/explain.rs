//! Every code has an `explain` page whose wrong example produces that code and whose right
//! example does not; `flyte-dsl explain` prints pages and refuses unknown codes.

use flyte_dsl::diagnostics::{codes, SourceMap};
use flyte_dsl::{CancelHandle, Engine, Limits};
use std::process::Command;

/// Counts the bytes a run holds, so the E0707 page's example reaches its limit.
#[global_allocator]
static ALLOC: flyte_dsl::runtime::memory::CountingAlloc = flyte_dsl::runtime::memory::CountingAlloc;

/// The codes a program gets; `import "example.flyte"` reads the program itself (for E0205).
fn codes_of(src: &[u8]) -> Vec<&'static str> {
    let mut map = SourceMap::new();
    let me = src.to_vec();
    let resolver = move |_: &str, path: &str| -> Result<(String, Vec<u8>), String> {
        match path {
            "example.flyte" => Ok(("example.flyte".into(), me.clone())),
            _ => Err("not found".into()),
        }
    };
    // The pages of the Python front end's codes show Python (`import flyte` first).
    let name = if src.starts_with(b"import flyte") {
        "example.py"
    } else {
        "example.flyte"
    };
    flyte_dsl::check_source_with(
        &mut map,
        name,
        src,
        &flyte_dsl::check::Options::default(),
        &resolver,
        &flyte_dsl::sim::Cluster::default_cluster(),
    )
    .iter()
    .map(|d| d.code)
    .collect()
}

/// The E0101 page shows the bad byte as U+FFFD; the test puts the real byte back.
fn bytes_of(example: &str) -> Vec<u8> {
    example
        .replace('\u{FFFD}', "\u{1}")
        .bytes()
        .map(|b| if b == 1 { 0xE9 } else { b })
        .collect()
}

/// The limits a run-time page's examples run under (each page names them).
fn limits_for(code: &str) -> Limits {
    let d = Limits::default();
    match code {
        "E0701" => Limits {
            max_steps: Some(10_000),
            ..d
        },
        "E0702" => Limits {
            max_call_depth: 50,
            ..d
        },
        "E0703" => Limits {
            max_virtual_time: Some(3_600_000_000_000),
            ..d
        },
        "E0704" => Limits {
            max_steps: None,
            max_wall_time: Some(std::time::Duration::from_millis(50)),
            ..d
        },
        "E0706" => Limits {
            max_live_actions: Some(10),
            ..d
        },
        "E0707" => Limits {
            max_memory: Some(64 << 20),
            ..d
        },
        _ => d,
    }
}

/// Runs `main` of `src` under the page's limits (the wrong example of E0705 with a handle
/// cancelled before the start); the error's code, or `None` when the run succeeds.
async fn run_code(code: &str, src: &str, wrong: bool) -> Option<String> {
    let engine = Engine::builder().limits(limits_for(code)).build();
    let program = engine
        .compile("example.flyte", src)
        .expect("it checks clean");
    let handle = CancelHandle::default();
    if code == "E0705" && wrong {
        handle.cancel();
    }
    let run = program.run_with_handle("main", (), handle).await.unwrap();
    run.error().map(|e| {
        // One format for every run-time error: ariadne's header with the code, and a place
        // in the script (the raise site, or the run's task for a limit or a deadlock).
        assert!(
            e.rendered
                .starts_with(&format!("[{}] Error: {}: ", e.code, e.kind)),
            "{}",
            e.rendered
        );
        assert!(e.rendered.contains("╭─[ example.flyte:"), "{}", e.rendered);
        assert!(!e.message.contains(&e.code), "the code once: {}", e.message);
        e.code.clone()
    })
}

#[tokio::test]
async fn run_time_pages_fail_only_when_run_and_with_their_code() {
    let pages: Vec<_> = codes::CODES
        .iter()
        .filter(|c| c.code.starts_with("E06") || c.code.starts_with("E07"))
        .collect();
    assert_eq!(pages.len(), 9);
    for info in pages {
        // `check` finds no error (a warning may point at the risk, as W0401 does for E0602).
        let stat = codes_of(info.wrong.as_bytes());
        assert!(
            !stat.iter().any(|c| c.starts_with('E')),
            "{}: {stat:?}",
            info.code
        );
        assert_eq!(
            run_code(info.code, info.wrong, true).await.as_deref(),
            Some(info.code),
            "the wrong example of {}",
            info.code
        );
        assert_eq!(
            run_code(info.code, info.right, false).await,
            None,
            "the right example of {}",
            info.code
        );
    }
}

#[test]
fn every_wrong_example_produces_its_code_and_every_right_one_does_not() {
    assert!(codes::CODES.len() >= 12);
    for info in codes::CODES
        .iter()
        .filter(|c| !(c.code.starts_with("E06") || c.code.starts_with("E07")))
    {
        let wrong = codes_of(&bytes_of(info.wrong));
        assert!(
            wrong.contains(&info.code),
            "{}: the wrong example gives {wrong:?}",
            info.code
        );
        let right = codes_of(info.right.as_bytes());
        assert!(
            right.is_empty(),
            "{}: the right example gives {right:?}",
            info.code
        );
    }
}

#[test]
fn codes_are_unique_and_well_formed() {
    let mut seen = std::collections::HashSet::new();
    for info in codes::CODES.iter() {
        assert!(seen.insert(info.code), "{} twice", info.code);
        assert!(info.code.len() == 5 && (info.code.starts_with('E') || info.code.starts_with('W')));
        assert!(!info.title.is_empty() && info.explanation.len() > 40);
    }
}

#[test]
fn explain_prints_the_page() {
    let out = Command::new(env!("CARGO_BIN_EXE_flyte-dsl"))
        .args(["explain", "e0102"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("E0102: unclosed bracket"));
    assert!(text.contains("Wrong:") && text.contains("Right:"));
    assert!(text.contains("    let sizes = [1, 2, 3\n"));
}

#[test]
fn explain_of_an_unknown_code_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_flyte-dsl"))
        .args(["explain", "E9999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("`E9999` is neither a diagnostic code nor an error type"));
}

/// Run-time errors' headers name an error type where there is no page (`[ValueError]`):
/// `explain` takes every type's name, with its parents and what catches it.
#[test]
fn explain_takes_error_type_names() {
    for ty in flyte_dsl::diagnostics::ErrorType::all() {
        let page = codes::explain(ty.name()).unwrap_or_else(|| panic!("{ty}"));
        assert!(
            page.starts_with(&format!("{ty}: an error type\n")),
            "{page}"
        );
        assert!(page.contains(&format!("`except {ty}`")), "{page}");
        assert!(page.contains("`except Error`"), "{page}");
    }
    let page = codes::explain("maxruntimeexceedederror").unwrap();
    assert!(
        page.contains(
            "Derives from: TaskTimeoutError -> RuntimeUserError -> BaseRuntimeError -> Error"
        ),
        "{page}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_flyte-dsl"))
        .args(["explain", "ValueError"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ValueError: an error type"));
}

/// `explain` with nothing lists every code with its title and every error type.
#[test]
fn explain_with_nothing_lists_every_code_and_type() {
    let out = Command::new(env!("CARGO_BIN_EXE_flyte-dsl"))
        .arg("explain")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for info in codes::CODES.iter() {
        assert!(
            text.contains(&format!("  {}  {}\n", info.code, info.title)),
            "{}",
            info.code
        );
    }
    for ty in flyte_dsl::diagnostics::ErrorType::all() {
        assert!(text.contains(&format!("  {ty} ")), "{ty}");
    }
}
