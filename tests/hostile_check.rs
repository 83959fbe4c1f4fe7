//! Hostile input to the checker and the diagnostics (issue 17): generated programs that once
//! crashed, hung or blew up memory now check quickly with clear diagnostics. These run on the
//! test harness's threads (2 MiB stacks) in debug builds, each well under two seconds.

use flyte_dsl::diagnostics::{render, render_all, Diagnostic, SourceMap};
use std::process::Command;
use std::time::{Duration, Instant};

fn check(src: &str) -> (Vec<Diagnostic>, SourceMap) {
    let mut map = SourceMap::new();
    let diags = flyte_dsl::check_source(&mut map, "hostile.flyte", src.as_bytes());
    (diags, map)
}

fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code).collect()
}

/// Runs `f` and asserts it took less than `limit`.
fn timed<R>(what: &str, limit: Duration, f: impl FnOnce() -> R) -> R {
    let start = Instant::now();
    let r = f();
    let took = start.elapsed();
    assert!(took < limit, "{what} took {took:?} (limit {limit:?})");
    r
}

const ENV: &str = "env e = TaskEnvironment(name = \"e\")\n";

// --- `not` chains: the operand was inferred twice per `not` --------------------------------

#[test]
fn a_chain_of_nots_on_an_int_gives_one_diagnostic() {
    let src = format!("let x = {}1\n", "not ".repeat(24));
    let (diags, _) = timed("24 nots", Duration::from_secs(2), || check(&src));
    assert_eq!(codes(&diags), ["E0225"]);
    let at = diags[0].primary_span().unwrap();
    assert_eq!((at.start, at.end), (8 + 24 * 4, 8 + 24 * 4 + 1));
}

#[test]
fn a_chain_of_nots_on_a_bool_checks_in_linear_time() {
    let src = format!(
        "{ENV}@e\ntask main() -> bool {{ return {}true }}\n",
        "not ".repeat(60)
    );
    let (diags, _) = timed("60 nots", Duration::from_secs(2), || check(&src));
    assert_eq!(codes(&diags), Vec::<&str>::new());
}

// --- invalid characters and the rendering of long lines -------------------------------------

#[test]
fn a_run_of_invalid_characters_is_one_diagnostic() {
    let src = format!("let x = 1\n{}\n", "$".repeat(1_000_000));
    let (diags, map) = timed("1 MB of $", Duration::from_secs(2), || check(&src));
    assert_eq!(codes(&diags), ["E0108"]);
    let at = diags[0].primary_span().unwrap();
    assert_eq!((at.start, at.end), (10, 1_000_010));
    assert_eq!(
        diags[0].message,
        "1000000 invalid characters, the first `$`"
    );
    let text = timed("rendering it", Duration::from_secs(1), || {
        render(&diags[0], &map, false)
    });
    assert!(text.len() < 2_000, "{} bytes rendered", text.len());
    assert!(text.contains("hostile.flyte:2:1 "), "{text}");
}

#[test]
fn a_long_line_renders_clipped_around_its_label() {
    // 20,000 `}` on one line: 20,000 errors; each renders a window of the line, not all of it.
    let src = format!("let x = 1\n{}\n", "}".repeat(20_000));
    let (diags, map) = check(&src);
    assert_eq!(diags.len(), 20_000);
    assert!(diags.iter().all(|d| d.code == "E0103"));
    let last = timed("rendering one", Duration::from_millis(200), || {
        render(diags.last().unwrap(), &map, false)
    });
    // The header gives the real column; the line is clipped on both sides, the underline
    // under the `}` it points at.
    assert!(last.contains("hostile.flyte:2:20000 "), "{last}");
    let shown = last.lines().find(|l| l.starts_with(" 2 │ ")).unwrap();
    assert!(
        shown.starts_with(" 2 │ …}}}") && !shown.ends_with('…'),
        "{shown}"
    );
    assert!(shown.chars().count() < 300, "{shown}");
    let caret = last.lines().find(|l| l.contains('┬')).unwrap();
    assert_eq!(
        caret.chars().position(|c| c == '┬'),
        shown.chars().count().checked_sub(1)
    );
    timed("rendering 100", Duration::from_secs(1), || {
        render_all(&diags[..100], &map, false)
    });
}

#[test]
fn lines_far_down_a_file_keep_their_numbers() {
    let src = format!("{}let b = c\n", "\n".repeat(1_234));
    let (diags, map) = check(&src);
    assert_eq!(codes(&diags), ["E0201"]);
    insta::assert_snapshot!(render(&diags[0], &map, false), @r"
    [E0201] Error: unknown name `c`
          ╭─[ hostile.flyte:1235:9 ]
          │
     1235 │ let b = c
          │         ┬  
          │         ╰── not defined here or in any enclosing scope
          │ 
          │ Help: did you mean `b`?
    ──────╯
    ");
}

#[test]
fn control_characters_render_visibly_and_the_underline_stays_aligned() {
    let src = "let s = \"a\u{1b}[31m\u{7}b\u{7f}\" + 1\n";
    let (diags, map) = check(src);
    assert_eq!(codes(&diags), ["E0227"]);
    let text = render(&diags[0], &map, false);
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );
    insta::assert_snapshot!(text, @r#"
    [E0227] Error: `+` does not apply to `str` and `int`
       ╭─[ hostile.flyte:1:9 ]
       │
     1 │ let s = "a␛[31m␇b␡" + 1
       │         ───────┬───────  
       │                ╰───────── in this operation
    ───╯
    "#);
}

#[test]
fn invalid_control_characters_render_visibly() {
    let (diags, map) = check("let x = 1 \u{1b}\u{1b} + \u{7}\n");
    assert_eq!(codes(&diags), ["E0108", "E0108"]);
    let text = render_all(&diags, &map, false);
    insta::assert_snapshot!(text, @r"
    [E0108] Error: 2 invalid characters, the first U+001B
       ╭─[ hostile.flyte:1:11 ]
       │
     1 │ let x = 1 ␛␛ + ␇
       │           ─┬  
       │            ╰── no token starts with these characters
    ───╯
    [E0108] Error: invalid character U+0007
       ╭─[ hostile.flyte:1:16 ]
       │
     1 │ let x = 1 ␛␛ + ␇
       │                ┬  
       │                ╰── no token starts with this character
    ───╯
    ");
}

// --- the cap on diagnostics per file -------------------------------------------------------

fn temp(name: &str, text: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("flyte-dsl-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn check_shows_at_most_a_hundred_diagnostics_per_file() {
    // 100,000 separate invalid characters on one line.
    let path = temp(
        "many.flyte",
        format!("let x = 1\n{}\n", "$ ".repeat(100_000)).as_bytes(),
    );
    let bin = env!("CARGO_BIN_EXE_flyte-dsl");
    let out = timed("check", Duration::from_secs(5), || {
        Command::new(bin).arg("check").arg(&path).output().unwrap()
    });
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.matches("[E0108]").count(), 100);
    assert!(err.contains("note: 99900 more diagnostics not shown (at most 100 per file)\n"));
    assert!(
        err.ends_with("100000 errors, 0 warnings in 1 file\n"),
        "{err}"
    );
    assert!(err.len() < 100_000, "{} bytes", err.len());

    let out = timed("check --json", Duration::from_secs(5), || {
        let mut c = Command::new(bin);
        c.args(["check", "--json"]).arg(&path).output().unwrap()
    });
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["diagnostics"].as_array().unwrap().len(), 100);
    assert_eq!(json["not_shown"], 99_900);
}

// --- long chains of declarations -----------------------------------------------------------

fn clone_chain(n: usize, reversed: bool) -> String {
    let mut lines: Vec<String> = (1..=n)
        .map(|i| format!("env e{i} = e{}.clone_with(name = \"e{i}\")\n", i - 1))
        .collect();
    if reversed {
        lines.reverse();
    }
    format!(
        "env e0 = TaskEnvironment(name = \"e0\")\n{}",
        lines.concat()
    )
}

#[test]
fn a_long_chain_of_clone_with_checks_in_either_order() {
    for reversed in [false, true] {
        let (diags, _) = timed("3,000 clone_with", Duration::from_secs(2), || {
            check(&clone_chain(3_000, reversed))
        });
        assert_eq!(codes(&diags), Vec::<&str>::new(), "reversed: {reversed}");
    }
    let (diags, _) = timed("10,000 clone_with", Duration::from_secs(3), || {
        check(&clone_chain(10_000, true))
    });
    assert_eq!(codes(&diags), Vec::<&str>::new());
}

#[test]
fn a_long_chain_of_lets_written_backwards_checks() {
    // Each uses the next: resolved recursively once (a stack overflow at 3,500).
    let n = 5_000;
    let mut src: String = (0..n)
        .map(|i| format!("let r{i} = r{} + 1\n", i + 1))
        .collect();
    src.push_str(&format!("let r{n} = 1\n"));
    let (diags, _) = timed("5,000 lets", Duration::from_secs(2), || check(&src));
    assert_eq!(codes(&diags), Vec::<&str>::new());
}

#[test]
fn constants_nesting_lists_through_each_other_are_bounded() {
    // `let r0 = [r1]`, `let r1 = [r2]`, ...: the values nest 5,000 deep (a crash cloning them).
    let n = 5_000;
    let mut src: String = (0..n)
        .map(|i| format!("let r{i} = [r{}]\n", i + 1))
        .collect();
    src.push_str(&format!("let r{n} = 1\n"));
    let (diags, _) = timed("5,000 nested lets", Duration::from_secs(2), || check(&src));
    assert!(!diags.is_empty() && diags.iter().all(|d| d.code == "E0104"));
    // The first report is at the constant whose type nests 201 lists.
    let first = &diags[diags.len() - 1];
    assert_eq!(
        first.message,
        format!(
            "the type of `r{}`, through other constants, nested too deeply (the limit is 200)",
            n - 201
        )
    );
    let at = first.primary_span().unwrap();
    let line = format!("let r{} = ", n - 201);
    let start = src.find(&line).unwrap() + line.len();
    assert_eq!(
        (at.start as usize, at.end as usize),
        (start, start + format!("[r{}]", n - 200).len())
    );
    // 200 levels are fine.
    let mut ok: String = (0..200)
        .map(|i| format!("let r{i} = [r{}]\n", i + 1))
        .collect();
    ok.push_str("let r200 = 1\n");
    assert_eq!(codes(&check(&ok).0), Vec::<&str>::new());
}

#[test]
fn a_very_long_cycle_is_reported_not_a_crash() {
    let n = 2_000;
    let src: String = (0..n)
        .map(|i| format!("let c{i} = c{} + 1\n", (i + 1) % n))
        .collect();
    let (diags, _) = timed("a cycle of 2,000", Duration::from_secs(2), || check(&src));
    let c = codes(&diags);
    assert!(c.contains(&"E0104"), "{c:?}");
    assert!(c.iter().all(|c| *c == "E0104" || *c == "E0203"), "{c:?}");
}

// --- many parameters and arguments ---------------------------------------------------------

#[test]
fn many_parameters_and_arguments_check_in_linear_time() {
    // 30,000 of each (about 6 s in a debug build before, quadratic; 100,000 took 100 s).
    let n = 30_000;
    let params: Vec<String> = (0..n).map(|i| format!("p{i}: int")).collect();
    let src = format!(
        "{ENV}@e\ntask t({}) -> int {{ return p0 }}\n@e\ntask main() -> int {{ return t({}) }}\n",
        params.join(", "),
        vec!["1"; n].join(", ")
    );
    let (diags, _) = timed("30,000 parameters", Duration::from_secs(2), || check(&src));
    assert_eq!(codes(&diags), Vec::<&str>::new());
}

#[test]
fn a_duplicate_parameter_still_points_at_the_first() {
    let src = format!("{ENV}@e\ntask t(a: int, b: int, a: str) -> int {{ return b }}\n");
    let (diags, _) = check(&src);
    assert_eq!(codes(&diags), ["E0202"]);
    let second = src.rfind("a: str").unwrap();
    let at = diags[0].primary_span().unwrap();
    assert_eq!((at.start as usize, at.end as usize), (second, second + 1));
    let first = src.find("a: int").unwrap();
    let other = diags[0].labels.iter().find(|l| !l.primary).unwrap().span;
    assert_eq!(
        (other.start as usize, other.end as usize),
        (first, first + 1)
    );
}
